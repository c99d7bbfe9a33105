//! The menu bar: every entry is a [`Command`] with its shortcut shown beside it.

use crate::app::TawsimApp;
use crate::command::Command;
use crate::domain::{BoundaryMode, DocStatus, OverlapPolicy};

fn item(ui: &mut egui::Ui, cmd: Command, enabled: bool, out: &mut Vec<Command>) {
    let text = cmd.shortcut_text_plain();
    let button = egui::Button::new(cmd.title()).shortcut_text(text);
    if ui.add_enabled(enabled, button).clicked() {
        out.push(cmd);
        ui.close();
    }
}

pub fn menu_bar(ui: &mut egui::Ui, app: &TawsimApp, out: &mut Vec<Command>) {
    let has_project = app.project().is_some();
    let has_doc = app.current().is_some();
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
            item(ui, Command::NewProject, true, out);
            item(ui, Command::OpenProject, true, out);
            ui.menu_button("Open recent", |ui| {
                for p in &app.prefs.recent {
                    if ui.button(p.display().to_string()).clicked() {
                        out.push(Command::OpenPath(p.clone()));
                        ui.close();
                    }
                }
            });
            ui.separator();
            item(ui, Command::Import, has_project, out);
            item(ui, Command::Export, has_project, out);
            ui.separator();
            item(ui, Command::Quit, true, out);
        });
        ui.menu_button("Edit", |ui| {
            let can_undo = app.current().is_some_and(|d| d.history.can_undo());
            let can_redo = app.current().is_some_and(|d| d.history.can_redo());
            item(ui, Command::Undo, can_undo, out);
            item(ui, Command::Redo, can_redo, out);
            ui.separator();
            item(
                ui,
                Command::DeleteSelectedSpan,
                app.selected_span.is_some(),
                out,
            );
            item(
                ui,
                Command::ToggleProclitic,
                app.selected_span.is_some(),
                out,
            );
            item(ui, Command::Find, has_doc, out);
            item(ui, Command::LabelAll, has_doc, out);
        });
        ui.menu_button("Document", |ui| {
            item(ui, Command::NextDocument, has_project, out);
            item(ui, Command::PreviousDocument, has_project, out);
            item(ui, Command::MarkDoneAndNext, has_doc, out);
            item(ui, Command::DeleteDocument, has_doc, out);
            if !app.last_import.is_empty()
                && ui
                    .button(format!(
                        "Delete the last import ({} documents)…",
                        app.last_import.len()
                    ))
                    .clicked()
            {
                out.push(Command::DeleteLastImport);
                ui.close();
            }
            ui.separator();
            for s in DocStatus::ALL {
                let on = app.current().is_some_and(|d| d.ann.status == s);
                if ui
                    .add_enabled(
                        has_doc,
                        egui::Button::selectable(on, format!("Status: {}", s.title())),
                    )
                    .clicked()
                {
                    out.push(Command::SetStatus(s));
                    ui.close();
                }
            }
        });
        ui.menu_button("Project", |ui| {
            let Some(settings) = app.project().map(crate::store::Project::settings) else {
                ui.label("No project open");
                return;
            };
            ui.label("Spans may overlap:");
            for (p, t) in [
                (OverlapPolicy::Forbid, "No (flat NER)"),
                (OverlapPolicy::Allow, "Yes (nested NER)"),
            ] {
                if ui.radio(settings.overlap == p, t).clicked() {
                    out.push(Command::SaveSettings(crate::domain::ProjectSettings {
                        overlap: p,
                        ..settings
                    }));
                }
            }
            ui.separator();
            ui.label("Span boundaries:");
            for m in BoundaryMode::ALL {
                if ui.radio(settings.boundary == m, m.title()).clicked() {
                    out.push(Command::SaveSettings(crate::domain::ProjectSettings {
                        boundary: m,
                        ..settings
                    }));
                }
            }
            let mut article = settings.article_is_proclitic;
            if ui
                .checkbox(&mut article, "The article ال counts as a proclitic")
                .changed()
            {
                out.push(Command::SaveSettings(crate::domain::ProjectSettings {
                    article_is_proclitic: article,
                    ..settings
                }));
            }
        });
        ui.menu_button("View", |ui| {
            item(ui, Command::ZoomIn, true, out);
            item(ui, Command::ZoomOut, true, out);
            item(ui, Command::ZoomReset, true, out);
            ui.separator();
            if ui
                .checkbox(
                    &mut app.prefs.show_marks.clone(),
                    Command::ToggleMarks.title(),
                )
                .clicked()
            {
                out.push(Command::ToggleMarks);
            }
            if ui
                .checkbox(
                    &mut app.prefs.frame_meter.clone(),
                    Command::ToggleFrameMeter.title(),
                )
                .clicked()
            {
                out.push(Command::ToggleFrameMeter);
            }
            ui.separator();
            ui.label("Theme:");
            for (t, name) in [
                (egui::ThemePreference::Dark, "Dark"),
                (egui::ThemePreference::Light, "Light"),
                (egui::ThemePreference::System, "Follow the system"),
            ] {
                if ui.radio(app.prefs.theme == t, name).clicked() {
                    out.push(Command::SetTheme(t));
                }
            }
            ui.separator();
            item(ui, Command::Help, true, out);
            ui.separator();
            ui.label("Reading direction of this document:");
            let cur = app.current().map(|d| d.direction);
            for (d, t) in [
                (
                    crate::layout::Direction::Auto,
                    "Auto (each paragraph from its first letter)",
                ),
                (crate::layout::Direction::Rtl, "Right to left"),
                (crate::layout::Direction::Ltr, "Left to right"),
            ] {
                if ui
                    .add_enabled(cur.is_some(), egui::Button::selectable(cur == Some(d), t))
                    .clicked()
                {
                    out.push(Command::SetDirection(d));
                    ui.close();
                }
            }
        });
    });
}
