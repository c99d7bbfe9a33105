//! Ctrl+F: search the document or the project through Arabic normalisation, jump to
//! results, and "label all occurrences" with a list to accept all, one by one, or skip.

use crate::app::TawsimApp;
use crate::command::Command;
use crate::domain::search::Proposal;
use crate::domain::{LabelId, LabelSet};

/// Where to search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    #[default]
    Document,
    Project,
}

pub use crate::domain::search::Hit;

/// The search window's state (UI state, not project state).
#[derive(Debug, Default)]
pub struct SearchState {
    pub open: bool,
    pub query: String,
    pub whole_word: bool,
    pub clitic_aware: bool,
    pub scope: Scope,
    /// Label for "label all"; results then carry proposals.
    pub label: Option<LabelId>,
    pub hits: Vec<Hit>,
    /// Set when the query or options changed and the search must run again.
    pub dirty: bool,
    pub truncated: bool,
    /// Focus the query field next frame (Ctrl+F).
    pub focus_query: bool,
    /// The hit Enter goes to next.
    pub next_hit: usize,
    /// Occurrences the user unticked: they stay unticked when the list is searched again
    /// (after "Accept ticked"), until the query changes.
    pub unticked: std::collections::HashSet<(crate::domain::DocId, usize, usize)>,
}

impl SearchState {
    /// Takes a fresh result list, keeping the user's unticked rows unticked.
    pub fn set_hits(&mut self, hits: Vec<Hit>, truncated: bool) {
        self.hits = hits;
        for h in &mut self.hits {
            if self.unticked.contains(&(h.doc, h.start, h.end)) {
                h.accept = false;
            }
        }
        self.truncated = truncated;
    }
}

/// At most this many results are listed (a project-wide search of a common word).
pub const MAX_HITS: usize = 5000;

pub fn show(ctx: &egui::Context, app: &mut TawsimApp, labels: &LabelSet, out: &mut Vec<Command>) {
    let mut open = app.search.open;
    egui::Window::new("Search")
        .open(&mut open)
        .default_width(460.0)
        .default_pos([340.0, 90.0])
        .show(ctx, |ui| {
            let st = &mut app.search;
            let r = ui.add(
                egui::TextEdit::singleline(&mut st.query)
                    .hint_text("word or phrase (hamza, ة/ه, ى/ي, harakat ignored)")
                    .desired_width(f32::INFINITY),
            );
            if std::mem::take(&mut st.focus_query) {
                r.request_focus();
            }
            let mut changed = r.changed();
            if r.changed() {
                st.unticked.clear();
                st.next_hit = 0;
            }
            // Enter goes to the next hit (and selects it, ready for a label key).
            if r.lost_focus()
                && ui.input(|i| i.key_pressed(egui::Key::Enter))
                && !st.hits.is_empty()
            {
                let h = &st.hits[st.next_hit % st.hits.len()];
                out.push(Command::GoToRange {
                    doc: h.doc,
                    start: h.start,
                    end: h.end,
                });
                st.next_hit = (st.next_hit + 1) % st.hits.len();
            }
            ui.horizontal_wrapped(|ui| {
                changed |= ui.checkbox(&mut st.whole_word, "Whole word").changed();
                changed |= ui
                    .add_enabled(
                        st.whole_word,
                        egui::Checkbox::new(&mut st.clitic_aware, "with proclitics (بال…)"),
                    )
                    .changed();
                changed |= ui
                    .radio_value(&mut st.scope, Scope::Document, "This document")
                    .changed();
                changed |= ui
                    .radio_value(&mut st.scope, Scope::Project, "Whole project")
                    .changed();
            });
            ui.horizontal(|ui| {
                let name = st
                    .label
                    .and_then(|l| labels.get(l))
                    .map_or("(just search)", |l| l.name.as_str());
                egui::ComboBox::new("label-all-label", "Label all as")
                    .selected_text(name)
                    .show_ui(ui, |ui| {
                        changed |= ui
                            .selectable_value(&mut st.label, None, "(just search)")
                            .changed();
                        for l in labels.enabled() {
                            changed |= ui
                                .selectable_value(&mut st.label, Some(l.id), &l.name)
                                .changed();
                        }
                    });
            });
            st.dirty |= changed;
            let searching = app.search_progress();
            let busy = app.job.is_some();
            let st = &mut app.search;
            let new = st
                .hits
                .iter()
                .filter(|h| h.proposal == Proposal::New)
                .count();
            let ticked = st
                .hits
                .iter()
                .filter(|h| h.accept && h.proposal == Proposal::New)
                .count();
            ui.horizontal(|ui| {
                if let Some(f) = searching {
                    ui.spinner();
                    ui.label("Searching the project");
                    ui.add(
                        egui::ProgressBar::new(f)
                            .desired_width(120.0)
                            .show_percentage(),
                    );
                    return;
                }
                ui.label(format!(
                    "{} found{}",
                    st.hits.len(),
                    if st.truncated { " (first 5000)" } else { "" }
                ));
                if let Some(l) = st.label {
                    let new = if busy { 0 } else { new };
                    let ticked = if busy { 0 } else { ticked };
                    if ui
                        .add_enabled(new > 0, egui::Button::new(format!("Accept all ({new})")))
                        .clicked()
                    {
                        out.push(Command::AcceptOccurrences {
                            label: l,
                            only_ticked: false,
                        });
                    }
                    if ui
                        .add_enabled(
                            ticked > 0,
                            egui::Button::new(format!("Accept ticked ({ticked})")),
                        )
                        .clicked()
                    {
                        out.push(Command::AcceptOccurrences {
                            label: l,
                            only_ticked: true,
                        });
                    }
                }
            });
            ui.separator();
            let row_h = ui.text_style_height(&egui::TextStyle::Body) + 8.0;
            let show_doc = st.scope == Scope::Project;
            let labelling = st.label.is_some();
            egui::ScrollArea::vertical()
                .max_height(360.0)
                .auto_shrink([false, true])
                .show_rows(ui, row_h, st.hits.len(), |ui, rows| {
                    for i in rows {
                        let h = &mut st.hits[i];
                        ui.horizontal(|ui| {
                            if labelling {
                                match h.proposal {
                                    Proposal::New => {
                                        if ui.checkbox(&mut h.accept, "add").changed() {
                                            let key = (h.doc, h.start, h.end);
                                            if h.accept {
                                                st.unticked.remove(&key);
                                            } else {
                                                st.unticked.insert(key);
                                            }
                                        }
                                    }
                                    Proposal::AlreadyLabelled => {
                                        ui.label("done");
                                    }
                                    Proposal::Conflict(_) => {
                                        ui.label("conflict").on_hover_text(
                                            "Another span is there; it is left as it is",
                                        );
                                    }
                                }
                            }
                            if show_doc {
                                ui.label(&h.doc_name);
                            }
                            let text =
                                format!("…{} «{}» {}…", h.context.0, h.context.1, h.context.2);
                            if crate::ui::bidi_button(ui, &mut app.bidi, &text, false).clicked() {
                                out.push(Command::GoToRange {
                                    doc: h.doc,
                                    start: h.start,
                                    end: h.end,
                                });
                            }
                        });
                    }
                });
        });
    app.search.open = open;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::DocId;

    fn hit(doc: i64, start: usize) -> Hit {
        Hit {
            doc: DocId(doc),
            doc_name: String::new(),
            start,
            end: start + 3,
            context: (String::new(), String::new(), String::new()),
            proposal: Proposal::New,
            accept: true,
        }
    }

    #[test]
    fn a_row_the_user_unticked_stays_unticked_when_searched_again() {
        let mut st = SearchState::default();
        st.set_hits(vec![hit(1, 0), hit(1, 10), hit(2, 5)], false);
        st.unticked.insert((DocId(1), 10, 13));
        // "Accept ticked" searches again: fresh hits come back ticked.
        st.set_hits(vec![hit(1, 10), hit(2, 5)], false);
        let ticks: Vec<bool> = st.hits.iter().map(|h| h.accept).collect();
        assert_eq!(ticks, vec![false, true]);
    }
}
