//! The status bar: project, progress, sticky label, last message, frame-time meter.

use crate::app::TawsimApp;
use crate::command::Command;

pub fn show(ui: &mut egui::Ui, app: &TawsimApp, out: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        if let Some(job) = &app.job {
            ui.spinner();
            ui.label(&job.title);
            ui.add(
                egui::ProgressBar::new(job.fraction())
                    .desired_width(160.0)
                    .show_percentage(),
            );
            if ui.button("Cancel").clicked() {
                out.push(Command::CancelJob);
            }
            ui.separator();
        }
        if let Some(f) = app.view.stats().layout_progress {
            ui.label("Laying out the document");
            ui.add(
                egui::ProgressBar::new(f)
                    .desired_width(120.0)
                    .show_percentage(),
            );
            ui.separator();
        }
        match app.project() {
            Some(p) => {
                let (done, total, spans) = app.progress();
                ui.label(
                    p.path()
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                );
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
        if let Some(l) = app
            .sticky
            .and_then(|id| app.project().and_then(|p| p.labels().get(id).cloned()))
        {
            ui.separator();
            ui.colored_label(
                crate::ui::label_color(l.color, 255),
                format!("sticky: {}", l.name),
            );
        }
        if app.unsaved_count() > 0 {
            ui.separator();
            ui.colored_label(
                egui::Color32::RED,
                format!("{} edit(s) NOT SAVED", app.unsaved_count()),
            );
        }
        ui.separator();
        // The message gives way (cut with an ellipsis, whole on hover) on a narrow window.
        ui.add(egui::Label::new(&app.status).truncate());
        if app.prefs.frame_meter {
            let v = app.view.stats();
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                ui.monospace(format!(
                    "frame {:.2} ms · paint {:.2} ms · layout {:.2} ms · queue {} ¶ · {} glyphs",
                    app.last_frame_ms(),
                    v.paint_cpu.as_secs_f64() * 1000.0,
                    v.layout_cpu.as_secs_f64() * 1000.0,
                    v.pending_paragraphs,
                    v.glyph_quads
                ));
            });
        }
    });
}
