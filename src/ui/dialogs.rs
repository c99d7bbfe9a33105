//! The window's dialogs: the error message (with Retry after a failed save), the path
//! dialog, the confirmation before deleting documents, the import report and the list of
//! keys. Each closes with Escape and scrolls when long.

use crate::command::{Command, PathPurpose, Request};
use crate::ui::AppView;
use crate::ui::bidi_label::{BidiCache, BidiLabel};
use std::path::PathBuf;
use tawsim_core::domain::DocId;

/// Which dialogs are open, with their fields.
#[derive(Default)]
pub struct Dialogs {
    /// A path dialog and the text typed in it.
    pub path_dialog: Option<(PathPurpose, String)>,
    /// Documents the user asked to delete, waiting for the confirmation.
    pub confirm_delete: Option<Vec<DocId>>,
    /// The list of keys (F1).
    pub help_open: bool,
    pub bidi: BidiCache,
    /// The annotator's name being asked (once, on the first run), as typed.
    pub annotator: Option<String>,
    /// The team project dialog: URL and password as typed.
    pub team: Option<TeamDialog>,
}

/// File > Open team project: the project's URL and, when the server wants one, a password
/// (kept in memory only, never in the preferences).
#[derive(Default)]
pub struct TeamDialog {
    pub url: String,
    pub password: String,
    /// Why the last attempt failed.
    pub message: String,
}

impl Dialogs {
    /// Whether a modal dialog is open (the keymap then reads no keys).
    #[must_use]
    pub fn modal_open(&self) -> bool {
        self.path_dialog.is_some() || self.confirm_delete.is_some() || self.team.is_some()
    }
}

/// Shows whichever dialogs are open.
pub fn show(ctx: &egui::Context, view: &AppView, st: &mut Dialogs, out: &mut Vec<Request>) {
    if let Some(msg) = &view.session.error {
        error(ctx, msg, view.session.unsaved_count() > 0, out);
    }
    path_dialog(ctx, st, out);
    team_dialog(ctx, st, out);
    annotator_dialog(ctx, st, out);
    confirm_delete(ctx, view, st, out);
    confirm_span_delete(ctx, view, st, out);
    if let Some(report) = &view.session.report {
        import_report(ctx, report, out);
    }
    if st.help_open {
        let mut open = true;
        egui::Window::new("Keys")
            .open(&mut open)
            .default_width(560.0)
            .default_height(480.0)
            .show(ctx, |ui| crate::ui::help::show(ui, view.labels));
        st.help_open &= open;
    }
}

fn error(ctx: &egui::Context, msg: &str, unsaved: bool, out: &mut Vec<Request>) {
    let mut retry = false;
    let max_h = (ctx.content_rect().height() - 160.0).max(80.0);
    let modal = egui::Modal::new(egui::Id::unique("error")).show(ctx, |ui| {
        ui.set_max_width(520.0);
        ui.heading("Something went wrong");
        // A long report scrolls; the buttons stay in view.
        egui::ScrollArea::vertical()
            .max_height(max_h)
            .auto_shrink([false, true])
            .show(ui, |ui| {
                ui.add(egui::Label::new(msg).wrap());
            });
        ui.separator();
        ui.horizontal(|ui| {
            if unsaved && ui.button("Retry").clicked() {
                retry = true;
            }
            if ui.button("OK").clicked() {
                ui.close();
            }
            if ui.button("Copy").on_hover_text("Copy the report").clicked() {
                ui.ctx().copy_text(msg.to_string());
            }
        });
    });
    let enter = ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Enter));
    if retry {
        out.push(Command::RetrySave.into());
    } else if modal.should_close() || enter {
        out.push(Command::DismissError.into());
    }
}

fn path_dialog(ctx: &egui::Context, st: &mut Dialogs, out: &mut Vec<Request>) {
    let Some((purpose, mut text)) = st.path_dialog.take() else {
        return;
    };
    let mut done = None;
    let modal = egui::Modal::new(egui::Id::unique("path")).show(ctx, |ui| {
        ui.heading(match purpose {
            PathPurpose::Open => "Open project",
            PathPurpose::New => "New project",
            PathPurpose::Import => "Import documents",
            PathPurpose::Suggest => "Suggest from a gazetteer or patterns",
            PathPurpose::ModelServer => "Suggest from a model server",
        });
        let l = ui.label(match purpose {
            PathPurpose::Open => "Path of a .tawsim project file:",
            PathPurpose::New => "Path of the new project file (.tawsim):",
            PathPurpose::Import => "Path of a file or folder to import:",
            PathPurpose::Suggest => {
                "Gazetteer (text<TAB>label lines) or Prodigy patterns (.jsonl); the source is named after the file:"
            }
            PathPurpose::ModelServer => {
                "URL of a Label Studio ML backend (POST URL/predict), e.g. http://localhost:9090:"
            }
        });
        if crate::ui::path_field::show(ui, &mut text, 420.0, l.id) {
            done = Some(PathBuf::from(text.trim()));
        }
        ui.weak("Tab completes the path; click an entry to take it.");
        ui.horizontal(|ui| {
            if ui.button("OK").clicked() {
                done = Some(PathBuf::from(text.trim()));
            }
            if ui.button("Cancel").clicked() {
                ui.close();
            }
        });
    });
    match done {
        Some(p) if !p.as_os_str().is_empty() => out.push(Request::PathChosen(purpose, p)),
        _ if modal.should_close() => {}
        _ => st.path_dialog = Some((purpose, text)),
    }
}

fn team_dialog(ctx: &egui::Context, st: &mut Dialogs, out: &mut Vec<Request>) {
    let Some(mut d) = st.team.take() else {
        return;
    };
    let mut connect = false;
    let modal = egui::Modal::new(egui::Id::unique("team")).show(ctx, |ui| {
        ui.set_max_width(520.0);
        ui.heading("Open team project");
        {
            let l = ui.label("Project URL (postgres://USER@HOST:PORT/DATABASE?project=NAME):");
            let url = ui
                .add(egui::TextEdit::singleline(&mut d.url).desired_width(480.0))
                .labelled_by(l.id);
            // The field to type into has the focus (asked again next frame until it has it:
            // a modal's first frame may not take it).
            if d.url.is_empty() && d.message.is_empty() && !url.has_focus() {
                url.request_focus();
                ui.ctx().request_repaint();
            }
            let l = ui.label("Password (empty: the URL's, PGPASSWORD or ~/.pgpass):");
            let pw = ui
                .add(
                    egui::TextEdit::singleline(&mut d.password)
                        .password(true)
                        .desired_width(480.0),
                )
                .labelled_by(l.id);
            if !d.message.is_empty() && !d.url.is_empty() && d.password.is_empty() && !pw.has_focus()
            {
                pw.request_focus();
                ui.ctx().request_repaint();
            }
            let entered = ui.input(|i| i.key_pressed(egui::Key::Enter));
            if (url.lost_focus() || pw.lost_focus()) && entered {
                connect = true;
            }
            ui.weak("You annotate as the PostgreSQL role you connect as. The password is kept in memory only.");
            if !d.message.is_empty() {
                // A long message scrolls (the fields stay outside the scroll area: a text
                // field inside one did not take the keyboard focus the dialog gives it).
                egui::ScrollArea::vertical().max_height(120.0).show(ui, |ui| {
                    ui.colored_label(ui.visuals().error_fg_color, &d.message);
                });
            }
        }
        ui.horizontal(|ui| {
            if ui.button("Connect").clicked() {
                connect = true;
            }
            if ui.button("Cancel").clicked() {
                ui.close();
            }
        });
    });
    if connect && !d.url.trim().is_empty() {
        out.push(Request::OpenTeam {
            url: d.url.trim().to_string(),
            password: crate::command::Password(std::mem::take(&mut d.password)),
        });
    } else if !modal.should_close() {
        st.team = Some(d);
    }
}

/// Asked when the window is closed while edits wait for an unreachable team server.
pub fn close_unsaved(ctx: &egui::Context, view: &AppView, out: &mut Vec<Request>) {
    let waiting = view.session.sync_state().map_or(0, |s| s.waiting);
    let mut anyway = false;
    let modal = egui::Modal::new(egui::Id::unique("close-unsaved")).show(ctx, |ui| {
        ui.set_max_width(480.0);
        ui.heading("Edits not saved yet");
        ui.label(format!(
            "{waiting} edit(s) wait for the server, which cannot be reached now. They are written, in order, as soon as it answers. Close the window and lose them?"
        ));
        ui.horizontal(|ui| {
            if ui.button("Keep the window open").clicked() {
                ui.close();
            }
            if ui.button("Close and lose them").clicked() {
                anyway = true;
            }
        });
    });
    if anyway {
        out.push(Request::CloseAnyway);
    } else if modal.should_close() {
        out.push(Request::KeepOpen);
    }
}

/// Asks the annotator's name, without blocking the work: a small window (not modal, its
/// field not focused, so label keys still reach the document) with the OS user name
/// offered. OK (or Enter in the field) takes the name; closing it keeps the one offered.
fn annotator_dialog(ctx: &egui::Context, st: &mut Dialogs, out: &mut Vec<Request>) {
    let Some(mut text) = st.annotator.take() else {
        return;
    };
    let mut done = None;
    let mut open = true;
    egui::Window::new("Who is annotating?")
        .id(egui::Id::unique("annotator"))
        .open(&mut open)
        .collapsible(false)
        .resizable(false)
        .default_width(240.0)
        .max_width(240.0)
        // Over the labels panel (300 wide), clear of the text lines, which start at the right.
        .anchor(egui::Align2::RIGHT_BOTTOM, egui::vec2(-16.0, -40.0))
        .show(ctx, |ui| {
            ui.set_max_width(240.0);
            let l = ui.label("Your spans and statuses are kept as your own layer, apart from other annotators'. Your name:");
            let field = ui
                .add(egui::TextEdit::singleline(&mut text).desired_width(230.0))
                .labelled_by(l.id);
            if field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                done = Some(text.clone());
            }
            if ui.button("OK").clicked() {
                done = Some(text.clone());
            }
        });
    match done {
        Some(name) => out.push(Request::SetAnnotator(name)),
        None if !open => out.push(Request::SetAnnotator(
            tawsim_core::domain::annotator::os_user_name(),
        )),
        None => st.annotator = Some(text),
    }
}

/// Deleting a span that has relations: delete them with it (Enter), or keep the span
/// (Escape).
fn confirm_span_delete(
    ctx: &egui::Context,
    view: &AppView,
    st: &mut Dialogs,
    out: &mut Vec<Request>,
) {
    let (Some(span), Some(doc)) = (view.session.span_to_delete, view.session.current()) else {
        return;
    };
    let name = |id| view.labels.get(id).map_or("?", |l| l.name.as_str());
    let text = |s: tawsim_core::domain::Span| doc.text.slice(s.start, s.end).unwrap_or("");
    let lines: Vec<String> = doc
        .ann
        .relations_of(span)
        .map(|r| crate::ui::relations_list::relation_line(&doc.text, view.labels, r))
        .collect();
    let mut confirmed = false;
    let bidi = &mut st.bidi;
    let modal = egui::Modal::new(egui::Id::unique("delete-span")).show(ctx, |ui| {
        ui.set_max_width(480.0);
        ui.heading("Delete a span with relations");
        ui.horizontal_wrapped(|ui| {
            ui.label("The span");
            BidiLabel::new(text(span)).size(14.0).show(ui, bidi);
            ui.label(format!(
                "({}) has {} relation(s):",
                name(span.label),
                lines.len()
            ));
        });
        egui::ScrollArea::vertical()
            .max_height(240.0)
            .show(ui, |ui| {
                for l in &lines {
                    BidiLabel::new(l).size(14.0).show(ui, bidi);
                }
            });
        ui.label("Deleting it deletes them too (one undo step).");
        ui.horizontal(|ui| {
            if ui.button("Delete with its relations (Enter)").clicked()
                || ui.input(|i| i.key_pressed(egui::Key::Enter))
            {
                confirmed = true;
            }
            if ui.button("Keep the span (Escape)").clicked() {
                ui.close();
            }
        });
    });
    if confirmed {
        out.push(Command::DeleteSpanWithRelations(span).into());
    } else if modal.should_close() {
        out.push(Command::KeepSpan.into());
    }
}

fn confirm_delete(ctx: &egui::Context, view: &AppView, st: &mut Dialogs, out: &mut Vec<Request>) {
    let Some(ids) = st.confirm_delete.clone() else {
        return;
    };
    let docs = view.session.documents();
    let names: Vec<String> = ids
        .iter()
        .filter_map(|id| docs.iter().find(|d| d.id == *id))
        .map(|d| format!("{} ({} spans)", d.name, d.spans))
        .collect();
    let mut confirmed = false;
    let bidi = &mut st.bidi;
    let modal = egui::Modal::new(egui::Id::unique("delete-docs")).show(ctx, |ui| {
        ui.set_max_width(480.0);
        ui.heading("Delete documents");
        ui.label(format!(
            "Delete {} document(s) with their spans and history from the project? This cannot be undone.",
            ids.len()
        ));
        egui::ScrollArea::vertical().max_height(240.0).show(ui, |ui| {
            for n in &names {
                BidiLabel::new(n).size(14.0).show(ui, bidi);
            }
        });
        ui.horizontal(|ui| {
            if ui.button("Delete").clicked() {
                confirmed = true;
            }
            if ui.button("Keep them").clicked() {
                ui.close();
            }
        });
    });
    if confirmed {
        st.confirm_delete = None;
        out.push(Request::ConfirmDeleteDocuments(ids));
    } else if modal.should_close() {
        st.confirm_delete = None;
    }
}

fn import_report(ctx: &egui::Context, report: &str, out: &mut Vec<Request>) {
    let mut open = true;
    let lines: Vec<&str> = report.lines().collect();
    egui::Window::new("Import report")
        .open(&mut open)
        .default_width(640.0)
        .default_height(360.0)
        .show(ctx, |ui| {
            ui.label(lines.first().copied().unwrap_or_default());
            ui.horizontal(|ui| {
                if ui.button("Copy the report").clicked() {
                    ui.ctx().copy_text(report.to_string());
                }
                ui.weak("Escape closes this window");
            });
            ui.separator();
            let row_h = ui.text_style_height(&egui::TextStyle::Monospace) + 2.0;
            egui::ScrollArea::both()
                .auto_shrink([false, false])
                .show_rows(ui, row_h, lines.len().saturating_sub(1), |ui, rows| {
                    // One line a row, never wrapped: the rows' height is what the
                    // scrolling counts on (long ones scroll sideways).
                    for l in &lines[1..][rows] {
                        ui.add(
                            egui::Label::new(egui::RichText::new(*l).monospace())
                                .wrap_mode(egui::TextWrapMode::Extend),
                        );
                    }
                });
        });
    if !open {
        out.push(Command::CloseReport.into());
    }
}
