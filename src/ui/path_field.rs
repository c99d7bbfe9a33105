//! A path text field with completion, for when no file portal answers: Tab completes the
//! typed path as far as it is unambiguous, and the folder's matching entries are listed
//! under the field to click (a folder opens, a file is taken).

use std::path::{Path, PathBuf};

/// At most this many entries are listed.
const MAX_LISTED: usize = 40;

/// The entries of the typed path's folder whose names start with its last part, sorted,
/// folders with a trailing `/`.
#[must_use]
pub fn completions(typed: &str) -> Vec<String> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Vec::new();
    }
    let (dir, prefix) = if typed.ends_with('/') {
        (PathBuf::from(typed), String::new())
    } else {
        let p = Path::new(typed);
        let parent = p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        (parent, name)
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            if !name.starts_with(&prefix) || (name.starts_with('.') && !prefix.starts_with('.')) {
                return None;
            }
            let mut full = if typed.contains('/') {
                dir.join(&name).display().to_string()
            } else {
                name.clone()
            };
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                full.push('/');
            }
            Some(full)
        })
        .collect();
    out.sort();
    out
}

/// The longest common beginning of `items` (whole characters).
#[must_use]
pub fn common_prefix(items: &[String]) -> Option<String> {
    let first = items.first()?;
    let mut end = first.len();
    for it in &items[1..] {
        end = first
            .char_indices()
            .zip(it.chars())
            .take_while(|((_, a), b)| a == b)
            .last()
            .map_or(0, |((i, a), _)| i + a.len_utf8())
            .min(end);
    }
    Some(first[..end].to_string())
}

/// Shows the field with its completions; `true` when Enter was pressed in it.
pub fn show(ui: &mut egui::Ui, text: &mut String, width: f32, label: egui::Id) -> bool {
    // Tab completes (before the field sees it, so focus stays here).
    let tab = ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Tab));
    if tab
        && let Some(p) = common_prefix(&completions(text))
        && p.len() > text.len()
    {
        *text = p;
    }
    let r = ui
        .add(egui::TextEdit::singleline(text).desired_width(width))
        .labelled_by(label);
    if tab {
        r.request_focus();
        if let Some(mut st) = egui::TextEdit::load_state(ui.ctx(), r.id) {
            let end = egui::text::CCursor::new(text.chars().count());
            st.cursor
                .set_char_range(Some(egui::text::CCursorRange::one(end)));
            st.store(ui.ctx(), r.id);
        }
    } else if !r.has_focus() && !r.lost_focus() && text.is_empty() {
        r.request_focus();
    }
    // The folder is read when the typed text changes, not every frame.
    let memo = label.with("completions-of");
    let found = match ui.data(|d| d.get_temp::<(String, Vec<String>)>(memo)) {
        Some((t, found)) if t == *text => found,
        _ => {
            let found = completions(text);
            ui.data_mut(|d| d.insert_temp(memo, (text.clone(), found.clone())));
            found
        }
    };
    let only_itself = found.len() == 1 && found[0] == *text;
    if !found.is_empty() && !only_itself {
        egui::ScrollArea::vertical()
            .id_salt(label.with("completions"))
            .max_height(140.0)
            .show(ui, |ui| {
                for f in found.iter().take(MAX_LISTED) {
                    if ui.selectable_label(false, f).clicked() {
                        text.clone_from(f);
                    }
                }
                if found.len() > MAX_LISTED {
                    ui.weak(format!(
                        "… {} more (type more of the name)",
                        found.len() - MAX_LISTED
                    ));
                }
            });
    }
    r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tab_completion_lists_and_shares_prefixes() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("anercorp-train.txt"), "").expect("w");
        std::fs::write(dir.path().join("anercorp-test.txt"), "").expect("w");
        std::fs::create_dir(dir.path().join("wojood")).expect("d");
        let base = dir.path().display().to_string();
        let found = completions(&format!("{base}/aner"));
        assert_eq!(
            found,
            vec![
                format!("{base}/anercorp-test.txt"),
                format!("{base}/anercorp-train.txt")
            ]
        );
        assert_eq!(common_prefix(&found), Some(format!("{base}/anercorp-t")));
        assert_eq!(
            completions(&format!("{base}/w")),
            vec![format!("{base}/wojood/")]
        );
        assert!(completions(&format!("{base}/zzz")).is_empty());
    }
}
