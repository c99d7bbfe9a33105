//! The menu bar: every entry is a [`Command`] with its shortcut shown beside it.

use crate::command::{Command, Request};
use crate::ui::AppView;
use crate::ui::bidi_label::BidiCache;
use tawsim_core::domain::{BoundaryMode, Direction, DocStatus, OverlapPolicy, ProjectSettings};

fn item(ui: &mut egui::Ui, cmd: Command, enabled: bool, out: &mut Vec<Request>) {
    let text = cmd.shortcut_text_plain();
    let button = egui::Button::new(cmd.title()).shortcut_text(text);
    if ui.add_enabled(enabled, button).clicked() {
        out.push(cmd.into());
        ui.close();
    }
}

pub fn menu_bar(ui: &mut egui::Ui, view: &AppView, text: &mut BidiCache, out: &mut Vec<Request>) {
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| file_menu(ui, view, out));
        ui.menu_button("Edit", |ui| edit_menu(ui, view, out));
        ui.menu_button("Document", |ui| document_menu(ui, view, out));
        ui.menu_button("Project", |ui| project_menu(ui, view, out));
        ui.menu_button("Layers", |ui| layers_menu(ui, view, text, out));
        ui.menu_button("View", |ui| view_menu(ui, view, out));
    });
}

fn file_menu(ui: &mut egui::Ui, view: &AppView, out: &mut Vec<Request>) {
    let session = view.session;
    let has_project = session.project().is_some();
    item(ui, Command::NewProject, true, out);
    item(ui, Command::OpenProject, true, out);
    item(ui, Command::OpenTeamProject, true, out);
    ui.menu_button("Open recent", |ui| {
        for p in &view.prefs.recent {
            if ui.button(p.display().to_string()).clicked() {
                out.push(Request::OpenPath(p.clone()));
                ui.close();
            }
        }
    });
    ui.separator();
    item(ui, Command::Import, has_project, out);
    item(ui, Command::Export, has_project, out);
    ui.separator();
    item(ui, Command::Quit, true, out);
}

fn edit_menu(ui: &mut egui::Ui, view: &AppView, out: &mut Vec<Request>) {
    let session = view.session;
    let has_doc = session.current().is_some();
    let can_undo = session.current().is_some_and(|d| d.history.can_undo());
    let can_redo = session.current().is_some_and(|d| d.history.can_redo());
    item(ui, Command::Undo, can_undo, out);
    item(ui, Command::Redo, can_redo, out);
    ui.separator();
    item(
        ui,
        Command::DeleteSelectedSpan,
        session.selected_span.is_some(),
        out,
    );
    item(
        ui,
        Command::ToggleProclitic,
        session.selected_span.is_some(),
        out,
    );
    item(ui, Command::Find, has_doc, out);
    item(ui, Command::LabelAll, has_doc, out);
}

fn document_menu(ui: &mut egui::Ui, view: &AppView, out: &mut Vec<Request>) {
    let session = view.session;
    let has_project = session.project().is_some();
    let has_doc = session.current().is_some();
    item(ui, Command::NextDocument, has_project, out);
    item(ui, Command::PreviousDocument, has_project, out);
    item(ui, Command::MarkDoneAndNext, has_doc, out);
    item(ui, Command::DeleteDocument, has_doc, out);
    if !session.last_import().is_empty()
        && ui
            .button(format!(
                "Delete the last import ({} documents)…",
                session.last_import().len()
            ))
            .clicked()
    {
        out.push(Command::DeleteLastImport.into());
        ui.close();
    }
    ui.separator();
    for s in DocStatus::ALL {
        let on = session.current().is_some_and(|d| d.ann.status == s);
        if ui
            .add_enabled(
                has_doc,
                egui::Button::selectable(on, format!("Status: {}", s.title())),
            )
            .clicked()
        {
            out.push(Command::SetStatus(s).into());
            ui.close();
        }
    }
}

fn project_menu(ui: &mut egui::Ui, view: &AppView, out: &mut Vec<Request>) {
    let session = view.session;
    let Some(settings) = session.settings() else {
        ui.label("No project open");
        return;
    };
    item(ui, Command::Agreement, true, out);
    // A team project's suggestions are everyone's: only a manager keeps them.
    let may_suggest = session.sync_state().is_none()
        || session.project().is_some_and(|p| {
            tawsim_core::store::Store::annotator(p).2 == tawsim_core::domain::Role::Manager
        });
    for cmd in [
        Command::SuggestFromPatterns,
        Command::SuggestFromModelServer,
    ] {
        let button = egui::Button::new(cmd.title()).shortcut_text(cmd.shortcut_text_plain());
        if ui
            .add_enabled(may_suggest, button)
            .on_disabled_hover_text("In a team project only a manager keeps suggestions")
            .clicked()
        {
            out.push(cmd.into());
            ui.close();
        }
    }
    let curating = session.curation().is_some();
    let toggle = egui::Button::selectable(curating, Command::ToggleCuration.title())
        .shortcut_text(Command::ToggleCuration.shortcut_text_plain());
    if ui
        .add(toggle)
        .on_hover_text(
            "Edit the curated (gold) layer with every annotator's spans in lanes under the text",
        )
        .clicked()
    {
        out.push(Command::ToggleCuration.into());
        ui.close();
    }
    ui.separator();
    ui.label("Spans may overlap:");
    for (p, t) in [
        (OverlapPolicy::Forbid, "No (flat NER)"),
        (OverlapPolicy::Allow, "Yes (nested NER)"),
    ] {
        if ui.radio(settings.overlap == p, t).clicked() {
            out.push(Request::Command(Command::SaveSettings(ProjectSettings {
                overlap: p,
                ..settings
            })));
        }
    }
    ui.separator();
    ui.label("Span boundaries:");
    for m in BoundaryMode::ALL {
        if ui.radio(settings.boundary == m, m.title()).clicked() {
            out.push(Request::Command(Command::SaveSettings(ProjectSettings {
                boundary: m,
                ..settings
            })));
        }
    }
    let mut article = settings.article_is_proclitic;
    if ui
        .checkbox(&mut article, "The article ال counts as a proclitic")
        .changed()
    {
        out.push(Request::Command(Command::SaveSettings(ProjectSettings {
            article_is_proclitic: article,
            ..settings
        })));
    }
}

/// Whose layer is shown: one's own (edited), or another annotator's read-only (a manager's
/// right, or everyone's when the project shows layers); the annotator's name; blind or not.
fn layers_menu(ui: &mut egui::Ui, view: &AppView, text: &mut BidiCache, out: &mut Vec<Request>) {
    let session = view.session;
    let Some(settings) = session.settings() else {
        ui.label("No project open");
        return;
    };
    let me = session.annotator().to_string();
    let viewing = session.viewing().map(|a| a.id);
    ui.label("Annotating as:");
    crate::ui::bidi_label::BidiLabel::new(&me)
        .size(14.0)
        .show(ui, text);
    if ui.button("Annotator name…").clicked() {
        out.push(Request::Command(Command::AskAnnotator));
        ui.close();
    }
    ui.separator();
    ui.label("Show the layer of:");
    for (a, allowed) in session.layers() {
        let mine = a.name == me;
        let on = if mine {
            viewing.is_none()
        } else {
            viewing == Some(a.id)
        };
        let title = if mine {
            format!("{} (mine, edited)", a.name)
        } else {
            format!("{} (read-only)", a.name)
        };
        let r = ui.add_enabled_ui(allowed, |ui| crate::ui::bidi_button(ui, text, &title, on));
        if r.inner.clicked() {
            out.push(Request::ViewLayer(if mine { None } else { Some(a.id) }));
            ui.close();
        }
    }
    if viewing.is_some() && ui.button("Back to my layer").clicked() {
        out.push(Request::ViewLayer(None));
        ui.close();
    }
    ui.separator();
    let mut visible = settings.others_visible;
    if ui
        .checkbox(
            &mut visible,
            "Annotators see each other's layers (not blind)",
        )
        .changed()
    {
        out.push(Request::Command(Command::SaveSettings(ProjectSettings {
            others_visible: visible,
            ..settings
        })));
    }
}

fn view_menu(ui: &mut egui::Ui, view: &AppView, out: &mut Vec<Request>) {
    let session = view.session;
    item(ui, Command::ZoomIn, true, out);
    item(ui, Command::ZoomOut, true, out);
    item(ui, Command::ZoomReset, true, out);
    ui.separator();
    if ui
        .checkbox(
            &mut view.prefs.show_marks.clone(),
            Command::ToggleMarks.title(),
        )
        .clicked()
    {
        out.push(Command::ToggleMarks.into());
    }
    if ui
        .checkbox(
            &mut view.prefs.frame_meter.clone(),
            Command::ToggleFrameMeter.title(),
        )
        .clicked()
    {
        out.push(Command::ToggleFrameMeter.into());
    }
    ui.separator();
    ui.label("Theme:");
    for (t, name) in [
        (egui::ThemePreference::Dark, "Dark"),
        (egui::ThemePreference::Light, "Light"),
        (egui::ThemePreference::System, "Follow the system"),
    ] {
        if ui.radio(view.prefs.theme == t, name).clicked() {
            out.push(Command::SetTheme(t).into());
        }
    }
    ui.separator();
    item(ui, Command::Help, true, out);
    ui.separator();
    ui.label("Reading direction of this document:");
    let cur = session.current().map(|d| d.direction);
    for (d, t) in [
        (
            Direction::Auto,
            "Auto (each paragraph from its first letter)",
        ),
        (Direction::Rtl, "Right to left"),
        (Direction::Ltr, "Left to right"),
    ] {
        if ui
            .add_enabled(cur.is_some(), egui::Button::selectable(cur == Some(d), t))
            .clicked()
        {
            out.push(Command::SetDirection(d).into());
            ui.close();
        }
    }
}
