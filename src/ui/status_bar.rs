//! The status bar: project, progress, sticky label, last message, frame-time meter.

use crate::command::{Command, Request};
use crate::ui::AppView;
use crate::ui::bidi_label::BidiCache;
use tawsim_core::store::Store;

pub fn show(ui: &mut egui::Ui, view: &AppView, text: &mut BidiCache, out: &mut Vec<Request>) {
    let session = view.session;
    ui.horizontal(|ui| {
        if let Some(job) = session.job() {
            ui.spinner();
            ui.label(&job.title);
            ui.add(
                egui::ProgressBar::new(job.fraction())
                    .desired_width(160.0)
                    .show_percentage(),
            );
            if ui.button("Cancel").clicked() {
                out.push(Command::CancelJob.into());
            }
            ui.separator();
        }
        if let Some(f) = view.view_stats.layout_progress {
            ui.label("Laying out the document");
            ui.add(
                egui::ProgressBar::new(f)
                    .desired_width(120.0)
                    .show_percentage(),
            );
            ui.separator();
        }
        if let Some(url) = view.connecting {
            ui.spinner();
            ui.label(format!("Connecting to {}", url.display()));
            ui.separator();
        }
        match session.project() {
            Some(p) => {
                let (done, total, spans) = session.progress();
                match p.team() {
                    Some(t) => {
                        ui.label(format!("team project {}", t.project_name()))
                            .on_hover_text(p.path().display().to_string());
                    }
                    None => {
                        ui.label(
                            p.path()
                                .file_name()
                                .map(|n| n.to_string_lossy().into_owned())
                                .unwrap_or_default(),
                        );
                    }
                }
                ui.separator();
                let who = match session.viewing() {
                    Some(a) => format!(
                        "viewing {} (read-only) · you: {}",
                        a.name,
                        session.annotator()
                    ),
                    None => format!("annotator: {}", session.annotator()),
                };
                crate::ui::bidi_label::BidiLabel::new(&who)
                    .size(13.0)
                    .show(ui, text);
                ui.separator();
                ui.add(egui::Label::new(format!("{done}/{total} done · {spans} spans")).truncate());
                ui.add(
                    egui::ProgressBar::new(if total == 0 {
                        0.0
                    } else {
                        done as f32 / total as f32
                    })
                    .desired_width(80.0),
                );
            }
            None => {
                ui.label("No project");
            }
        }
        if let Some(l) = session.sticky.and_then(|id| view.labels.get(id)) {
            ui.separator();
            ui.colored_label(
                crate::ui::label_color(l.color, 255),
                format!("sticky: {}", l.name),
            );
        }
        if let Some(sync) = session.sync_state() {
            team_state(ui, &sync, text);
        }
        if session.unsaved_count() > 0 {
            ui.separator();
            ui.colored_label(
                egui::Color32::RED,
                format!("{} edit(s) NOT SAVED", session.unsaved_count()),
            );
        }
        ui.separator();
        // A message that quotes a span ("Labelled بنغازي") is laid out with bidi, left to
        // right like the rest of the bar; either gives way (cut with an ellipsis, whole on
        // hover) on a narrow window.
        if crate::layout::has_strong_rtl(&session.status) {
            crate::ui::bidi_label::BidiLabel::new(&session.status)
                .size(13.0)
                .direction(crate::layout::Direction::Ltr)
                .truncate()
                .show(ui, text);
        } else {
            ui.add(egui::Label::new(&session.status).truncate());
        }
        if view.prefs.frame_meter {
            let v = view.view_stats;
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                ui.monospace(format!(
                    "frame {:.2} ms · paint {:.2} ms · layout {:.2} ms · queue {} ¶ · {} glyphs",
                    view.last_frame_ms,
                    v.paint_cpu.as_secs_f64() * 1000.0,
                    v.layout_cpu.as_secs_f64() * 1000.0,
                    v.pending_paragraphs,
                    v.glyph_quads
                ));
            });
        }
    });
}

/// A team project: edits on their way to the server, "not saved: server unreachable" while
/// it cannot be reached, and each visible annotator's assignments done.
fn team_state(ui: &mut egui::Ui, sync: &tawsim_core::store::SyncState, text: &mut BidiCache) {
    ui.separator();
    match &sync.unreachable {
        Some(why) => {
            ui.colored_label(
                egui::Color32::RED,
                format!("not saved: server unreachable ({} waiting)", sync.waiting),
            )
            .on_hover_text(why);
        }
        None if sync.waiting > 0 => {
            ui.label(format!("saving {}…", sync.waiting));
        }
        None => {
            ui.weak("saved");
        }
    }
    if !sync.progress.is_empty() {
        ui.separator();
        let line = sync
            .progress
            .iter()
            .map(|(name, done, all)| format!("{name} {done}/{all}"))
            .collect::<Vec<_>>()
            .join(" · ");
        crate::ui::bidi_label::BidiLabel::new(&format!("assigned done: {line}"))
            .size(13.0)
            .show(ui, text);
    }
}
