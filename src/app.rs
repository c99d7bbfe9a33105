//! The eframe shell. It owns the [`Session`] (everything without egui: the project, the
//! open document, edits, undo, jobs), the saved [`Prefs`], the document view and the
//! panels' own state. Each frame it reads keys through the keymap, draws the panels (which
//! read an [`AppView`] and return [`Request`]s), applies the requests, hands the session's
//! view requests to the document view, and writes pending edits before the frame ends.

use crate::command::{Command, PathPurpose, Request};
pub use crate::prefs::{DEFAULT_FONT_SIZE, Prefs};
use crate::ui::{self, AppView};
use std::path::{Path, PathBuf};
use std::time::Instant;
use tawsim_core::domain::LabelSet;
use tawsim_core::session::{Session, ViewRequest};
use tawsim_core::store::{AnyStore, Opening, Project, Store, TeamLocation, TeamMirror};

const PREFS_KEY: &str = "tawsim-prefs";

/// The window: the session, the preferences, and the widgets' state.
pub struct TawsimApp {
    pub prefs: Prefs,
    pub session: Session<AnyStore>,
    /// A team project being connected to.
    pub opening: Option<Opening>,
    /// The window's context, for the team project's thread to wake it.
    egui_ctx: Option<egui::Context>,
    /// The window was asked to close while edits wait for the server.
    pub close_asked: bool,
    /// The user chose to close and lose the waiting edits.
    closing_anyway: bool,
    /// What the request log last said was shown (`TAWSIM_LOG_REQUESTS=1`).
    shown_logged: String,
    pub view: ui::document_view::DocumentView,
    pub docs_panel: ui::documents_panel::DocumentsPanel,
    pub labels_panel: ui::labels_panel::LabelsPanelState,
    pub search_panel: ui::search_panel::SearchPanel,
    pub agreement_view: ui::agreement_view::AgreementView,
    pub dialogs: ui::dialogs::Dialogs,
    pub transfer: Option<ui::transfer_dialog::TransferDialog>,
    /// Laid-out short strings of the menu and status bar (annotator names may be Arabic).
    chrome_text: ui::bidi_label::BidiCache,
    last_frame_ms: f32,
    /// Document-label mode (F7): the next label key ticks a document label.
    pub doc_label_mode: bool,
    /// Startup benchmark: close after the first frame, reporting the time since this instant.
    pub exit_after_first_frame: Option<Instant>,
    /// The theme last handed to egui.
    theme_applied: Option<egui::ThemePreference>,
    /// `TAWSIM_LOG_REQUESTS=1`: every request applied is written to stderr (the window
    /// tests show it when they fail).
    log_requests: bool,
    #[cfg(target_os = "linux")]
    x11_focus: crate::x11_focus::X11Focus,
}

impl TawsimApp {
    /// A window with no project open.
    #[must_use]
    pub fn new(prefs: Prefs) -> Self {
        let mut session = Session::new();
        session.proclitic_key = Command::ToggleProclitic.shortcut_text_plain();
        let mut dialogs = ui::dialogs::Dialogs::default();
        match prefs.annotator.as_deref() {
            Some(name) => {
                if let Err(e) = session.set_annotator(name) {
                    session.error = Some(e);
                }
            }
            // Asked once, with the OS user name ready to accept.
            None => dialogs.annotator = Some(tawsim_core::domain::annotator::os_user_name()),
        }
        TawsimApp {
            prefs,
            session,
            opening: None,
            egui_ctx: None,
            close_asked: false,
            closing_anyway: false,
            shown_logged: String::new(),
            view: ui::document_view::DocumentView::new(),
            docs_panel: ui::documents_panel::DocumentsPanel::default(),
            labels_panel: ui::labels_panel::LabelsPanelState::default(),
            search_panel: ui::search_panel::SearchPanel::default(),
            agreement_view: ui::agreement_view::AgreementView::default(),
            dialogs,
            chrome_text: ui::bidi_label::BidiCache::new(),
            transfer: None,
            last_frame_ms: 0.0,
            doc_label_mode: false,
            exit_after_first_frame: None,
            theme_applied: None,
            log_requests: std::env::var_os("TAWSIM_LOG_REQUESTS").is_some_and(|v| v == "1"),
            #[cfg(target_os = "linux")]
            x11_focus: crate::x11_focus::X11Focus::default(),
        }
    }

    /// The eframe entry: fonts, saved preferences, and the project named on the command
    /// line (or the last one, or the sample project on the very first run).
    #[must_use]
    pub fn from_creation_context(
        cc: &eframe::CreationContext<'_>,
        start: StartProject,
        annotator: Option<String>,
    ) -> Self {
        crate::fonts::install(&cc.egui_ctx);
        let mut prefs: Prefs = cc
            .storage
            .and_then(|s| eframe::get_value(s, PREFS_KEY))
            .unwrap_or_default();
        if let Some(name) = annotator {
            prefs.annotator = Some(name);
        }
        let mut app = TawsimApp::new(prefs);
        app.egui_ctx = Some(cc.egui_ctx.clone());
        app.start(start);
        app
    }

    /// Opens what the command line asked for.
    pub fn start(&mut self, start: StartProject) {
        let result = match start {
            StartProject::Path(p) => self.open_project(&p),
            StartProject::Files(files) => {
                crate::startup::project_for_files(&files).and_then(|p| self.open_project(&p))
            }
            StartProject::Team(url) => self.open_team(&url, ""),
            StartProject::Last => match self
                .prefs
                .last_project
                .clone()
                .filter(|p| p.exists() || is_team(p))
            {
                Some(p) => self.open_project(&p),
                None => crate::startup::sample_project().and_then(|p| self.open_project(&p)),
            },
            StartProject::Nothing => Ok(()),
        };
        if let Err(e) = result {
            self.session.error = Some(e);
        }
    }

    /// Whether a modal dialog is open (the keymap then reads no keys).
    #[must_use]
    pub fn modal_open(&self) -> bool {
        self.session.error.is_some()
            || self.session.span_to_delete.is_some()
            || self.dialogs.modal_open()
            || self.transfer.is_some()
            || self.close_asked
    }

    /// Milliseconds of CPU the last frame took (frame-time meter).
    #[must_use]
    pub fn last_frame_ms(&self) -> f32 {
        self.last_frame_ms
    }

    // ------------------------------------------------------------------ projects

    /// Opens a project file (creating none), and its first unfinished document; a team
    /// project's URL (from the recent list) connects to it.
    pub fn open_project(&mut self, path: &Path) -> Result<(), String> {
        if is_team(path) {
            return self.open_team(&path.to_string_lossy(), "");
        }
        self.session.open_project(path)?;
        self.project_opened();
        Ok(())
    }

    /// Makes `project` the open one.
    pub fn set_project(&mut self, project: Project) {
        self.session.set_project(project.into());
        self.project_opened();
    }

    /// Starts connecting to a team project on a thread of its own (the window goes on; the
    /// project opens when the server answered). `password`: typed by the user, or empty
    /// for the URL's, `PGPASSWORD` or `~/.pgpass`.
    pub fn open_team(&mut self, url: &str, password: &str) -> Result<(), String> {
        if self.session.unsaved_count() > 0
            || self.session.sync_state().is_some_and(|s| s.waiting > 0)
        {
            return Err(
                "edits are not saved yet: wait until they are before switching projects".into(),
            );
        }
        let location = TeamLocation::parse(url.trim(), None)?.with_password(password);
        let ctx = self.egui_ctx.clone();
        let wake: tawsim_core::store::Waker = std::sync::Arc::new(move || {
            if let Some(c) = &ctx {
                c.request_repaint();
            }
        });
        self.session.status = format!("Connecting to {}…", location.display);
        let journal = crate::startup::data_dir().map(|d| d.join("team-journal"));
        self.opening = Some(TeamMirror::open(location, wake, journal.as_deref()));
        Ok(())
    }

    /// Takes the team project being connected to once the server answered; asks for a
    /// password when the server wants one.
    fn poll_opening(&mut self) {
        let Some(opening) = self.opening.as_mut() else {
            return;
        };
        let Some(result) = opening.poll() else {
            return;
        };
        let url = opening.location().display.clone();
        self.opening = None;
        match result {
            Ok(mirror) => {
                let replayed = mirror.replayed();
                self.session.set_project(mirror.into());
                self.dialogs.team = None;
                self.dialogs.annotator = None;
                self.project_opened();
                if replayed > 0 {
                    self.session.status = format!(
                        "Wrote {replayed} edit(s) kept on this computer since the last session (the server did not have them yet)"
                    );
                }
            }
            Err(e) if e.wants_password => {
                if self.log_requests {
                    eprintln!("tawsim: the server asks for a password: {url}");
                }
                self.session.status = "The server asks for a password".into();
                // On a team project one annotates as the role: the name is not asked (and its
                // window would take the keys meant for the password field).
                self.dialogs.annotator = None;
                self.dialogs.team = Some(ui::dialogs::TeamDialog {
                    url,
                    password: String::new(),
                    message: e.message,
                });
            }
            Err(e) => {
                if self.log_requests {
                    eprintln!("tawsim: could not open {url}: {e}");
                }
                self.session.status = format!("Could not open {url}");
                self.session.error = Some(e.message);
            }
        }
    }

    /// After a project opened: the crash report beside it, the recent list, and fresh panels
    /// (nothing of the previous project's carries over: a label draft would be saved into
    /// this one).
    fn project_opened(&mut self) {
        let Some(path) = self.session.project().map(|p| p.path().to_path_buf()) else {
            return;
        };
        if !is_team(&path) {
            crate::crash::set_project(&path);
        }
        if is_team(&path) {
            // No crash reports beside a URL.
        } else if let Some(report) = crate::crash::reports_beside(&path).last() {
            let shown = crate::crash::mark_seen(report).unwrap_or_else(|| report.clone());
            self.session.error = Some(format!(
                "tawsim crashed during an earlier session with this project. The project is intact (every edit was saved as it was made). The crash report is {}; please send it to the developers.",
                shown.display()
            ));
        }
        self.prefs.opened(&path);
        self.labels_panel = ui::labels_panel::LabelsPanelState::default();
        self.search_panel = ui::search_panel::SearchPanel::default();
        self.docs_panel = ui::documents_panel::DocumentsPanel::default();
        self.session.set_filter(self.docs_panel.filter.clone());
        self.dialogs.confirm_delete = None;
    }

    fn ask_path(&mut self, purpose: PathPurpose) {
        // A native dialog when a portal answers; the path field is always there as fallback.
        let picked = if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() {
            let d = rfd::FileDialog::new();
            match purpose {
                PathPurpose::Open => d.add_filter("tawsim project", &["tawsim"]).pick_file(),
                PathPurpose::New => d.add_filter("tawsim project", &["tawsim"]).save_file(),
                PathPurpose::Import | PathPurpose::Suggest => d.pick_file(),
                PathPurpose::ModelServer => None,
            }
        } else {
            None
        };
        match picked {
            Some(p) => self.path_chosen(purpose, &p),
            None => self.dialogs.path_dialog = Some((purpose, String::new())),
        }
    }

    /// Acts on a path typed or picked in a dialog.
    pub fn path_chosen(&mut self, purpose: PathPurpose, path: &Path) {
        let r = match purpose {
            PathPurpose::Open => self.open_project(path),
            PathPurpose::New => self
                .session
                .create_project(path)
                .map(|()| self.project_opened()),
            PathPurpose::Import => {
                self.import_paths(&[path.to_path_buf()]);
                Ok(())
            }
            PathPurpose::Suggest => {
                self.session.start_suggest(path.to_path_buf(), None);
                Ok(())
            }
            PathPurpose::ModelServer => {
                self.session
                    .start_model_server(path.to_string_lossy().into_owned());
                Ok(())
            }
        };
        if let Err(e) = r {
            self.session.error = Some(e);
        }
    }

    /// Imports files (or opens a dropped project).
    pub fn import_paths(&mut self, paths: &[PathBuf]) {
        let before = self.session.project().map(|p| p.path().to_path_buf());
        self.session.import_paths(paths);
        if self.session.project().map(|p| p.path().to_path_buf()) != before {
            self.project_opened();
        }
    }

    // ------------------------------------------------------------------ requests

    /// Applies one request.
    pub fn apply(&mut self, ctx: &egui::Context, r: Request) {
        if self.log_requests {
            eprintln!("tawsim: request {r:?}");
        }
        match r {
            Request::Command(c) => self.command(ctx, c),
            Request::OpenPath(p) => {
                if let Err(e) = self.open_project(&p) {
                    self.session.error = Some(e);
                }
            }
            Request::ImportPaths(paths) => self.import_paths(&paths),
            Request::PathChosen(purpose, p) => self.path_chosen(purpose, &p),
            Request::StartImport(r) => self.session.start_import(r),
            Request::StartExport(r) => self.session.start_export(r),
            Request::SaveLabels(set) => self.session.save_labels(&set),
            Request::ExportLabels(p) => {
                self.labels_panel.message = self.session.export_labels(&p).unwrap_or_else(|e| e);
            }
            Request::ReadLabels(p) => match self.session.read_labels(&p) {
                Ok(set) => {
                    self.labels_panel.draft = Some(set);
                    self.labels_panel.message = "Label set read; press Save labels".into();
                }
                Err(e) => self.labels_panel.message = e,
            },
            Request::ConfirmDeleteDocuments(ids) => self.session.delete_documents(&ids),
            Request::SetFilter(f) => self.session.set_filter(f),
            Request::Search(spec) => self.session.search(spec),
            Request::ViewLayer(layer) => self
                .session
                .apply(tawsim_core::session::SessionOp::ViewLayer(layer)),
            Request::OpenTeam { url, password } => {
                self.dialogs.team = None;
                if let Err(e) = self.open_team(&url, &password.0) {
                    self.dialogs.team = Some(ui::dialogs::TeamDialog {
                        url,
                        password: String::new(),
                        message: e,
                    });
                }
            }
            Request::KeepOpen => self.close_asked = false,
            Request::CloseAnyway => {
                self.close_asked = false;
                self.closing_anyway = true;
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            Request::SetAnnotator(name) => match self.session.set_annotator(&name) {
                Ok(()) => {
                    self.prefs.annotator = Some(self.session.annotator().to_string());
                    self.dialogs.annotator = None;
                    self.session.status = format!("Annotating as {}", self.session.annotator());
                }
                Err(e) => self.session.error = Some(e),
            },
        }
    }

    /// Applies one command: the session's part goes to the session, the rest is the
    /// window's (dialogs, zoom, theme, help).
    pub fn command(&mut self, ctx: &egui::Context, cmd: Command) {
        // The suggestion keys act from the caret when nothing is selected ("the suggestion
        // under the caret, or the next one").
        let selection = match cmd {
            Command::NextSuggestion
            | Command::PreviousSuggestion
            | Command::AcceptSuggestion
            | Command::RejectSuggestion => {
                let c = self.view.caret();
                self.view.selection().or(Some((c, c)))
            }
            _ => self.view.selection(),
        };
        let cmd = match cmd {
            Command::ReverseSelectedRelation => match self.session.selected_relation {
                Some(r) => Command::ReverseRelation(r),
                None => return,
            },
            // A document label's key leaves document-label mode.
            Command::ToggleDocLabel(_) => {
                self.doc_label_mode = false;
                cmd
            }
            Command::DocLabelMode => {
                let none = (self.session.labels())
                    .enabled_of(tawsim_core::domain::LabelKind::Document)
                    .next()
                    .is_none();
                if none && !self.doc_label_mode {
                    self.session.status = "The project has no document labels: add one in the label editor (kind: document)".into();
                    return;
                }
                self.doc_label_mode = !self.doc_label_mode;
                self.session.status = if self.doc_label_mode {
                    "Document labels: press a document label's key (Escape leaves)".into()
                } else {
                    String::new()
                };
                return;
            }
            c => c,
        };
        if let Some(op) = cmd.session_op(selection) {
            self.session.apply(op);
            return;
        }
        match cmd {
            Command::NewProject => {
                self.dialogs.path_dialog = Some((PathPurpose::New, String::new()));
            }
            Command::OpenProject => self.ask_path(PathPurpose::Open),
            Command::SuggestFromPatterns => self.ask_path(PathPurpose::Suggest),
            Command::SuggestFromModelServer => {
                self.dialogs.path_dialog = Some((PathPurpose::ModelServer, String::new()));
            }
            Command::OpenTeamProject => {
                self.dialogs.team = Some(ui::dialogs::TeamDialog::default());
            }
            Command::Import => {
                self.transfer = Some(ui::transfer_dialog::TransferDialog::new(
                    ui::transfer_dialog::Direction::Import,
                ));
            }
            Command::Export => {
                self.transfer = Some(ui::transfer_dialog::TransferDialog::new(
                    ui::transfer_dialog::Direction::Export,
                ));
            }
            Command::Quit => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
            Command::DismissError => self.session.error = None,
            Command::CloseReport => self.session.report = None,
            Command::SaveSettings(s) => self.session.save_settings(s),
            Command::Find => self.open_search(false),
            Command::LabelAll => self.open_search(true),
            Command::ZoomIn => self.prefs.font_size = (self.prefs.font_size + 2.0).min(72.0),
            Command::ZoomOut => self.prefs.font_size = (self.prefs.font_size - 2.0).max(10.0),
            Command::ZoomReset => self.prefs.font_size = DEFAULT_FONT_SIZE,
            Command::ToggleMarks => self.prefs.show_marks = !self.prefs.show_marks,
            Command::ToggleFrameMeter => self.prefs.frame_meter = !self.prefs.frame_meter,
            Command::AskAnnotator => {
                self.dialogs.annotator = Some(self.session.annotator().to_string());
            }
            Command::Escape => self.escape(),
            Command::Help => self.dialogs.help_open = !self.dialogs.help_open,
            Command::SetTheme(t) => self.prefs.theme = t,
            Command::Agreement => {
                self.agreement_view.open = true;
                self.session.compute_agreement();
            }
            Command::ToggleCuration => {
                let on = self.session.curation().is_none();
                self.session
                    .apply(tawsim_core::session::SessionOp::Curate(on));
            }
            Command::DeleteDocument => {
                self.dialogs.confirm_delete = self.session.current().map(|d| vec![d.id]);
            }
            Command::DeleteLastImport if !self.session.last_import().is_empty() => {
                self.dialogs.confirm_delete = Some(self.session.last_import().to_vec());
            }
            // The session's commands were handled above.
            _ => {}
        }
    }

    /// Escape in the document: closes the report, the help or the search window, else
    /// clears the selection.
    fn escape(&mut self) {
        if self.session.report.is_some() {
            self.session.report = None;
        } else if self.dialogs.help_open {
            self.dialogs.help_open = false;
        } else if self.agreement_view.open {
            self.agreement_view.open = false;
        } else if self.search_panel.open {
            self.search_panel.open = false;
        } else {
            self.session
                .apply(tawsim_core::session::SessionOp::ClearSelection);
        }
    }

    /// Opens the search window, prefilled from the selected span or the selection; for
    /// "label all", with the span's label and whole-word matching.
    fn open_search(&mut self, label_all: bool) {
        let doc = self.session.current();
        let from_span = self
            .session
            .selected_span
            .and_then(|s| Some((doc?.text.slice(s.start, s.end)?.to_string(), s.label)));
        let from_selection = self
            .view
            .selection()
            .and_then(|(a, b)| doc?.text.slice(a, b).map(str::to_string));
        let first_label = self.session.labels().enabled().next().map(|l| l.id);
        let st = &mut self.search_panel;
        st.open = true;
        st.focus_query = true;
        if let Some((text, label)) = &from_span {
            st.query.clone_from(text);
            if label_all {
                st.label = Some(*label);
            }
        } else if let Some(text) = from_selection.filter(|t| !t.trim().is_empty()) {
            st.query = text;
        }
        if label_all {
            st.whole_word = true;
            if st.label.is_none() {
                st.label = first_label;
            }
        }
        st.dirty = true;
    }

    // ------------------------------------------------------------------ background work

    /// Stops the background work at shutdown (see [`Session::shut_down`]).
    pub fn shut_down(&mut self) {
        self.session.shut_down();
    }

    /// Waits for the background job and a project search (tests).
    pub fn wait_for_job(&mut self, ctx: &egui::Context) {
        self.session.wait();
        self.after_requests(ctx);
    }

    /// Waits for a project-wide search (tests).
    pub fn wait_for_search(&mut self, ctx: &egui::Context) {
        self.wait_for_job(ctx);
    }

    // ------------------------------------------------------------------ frame

    /// Builds one frame: panels, view, dialogs; then applies the requests they produced.
    pub fn frame(&mut self, ui: &mut egui::Ui) {
        let started = Instant::now();
        let ctx = ui.ctx().clone();
        if self.egui_ctx.is_none() {
            self.egui_ctx = Some(ctx.clone());
        }
        self.poll_opening();
        self.keep_open_while_unsaved(&ctx);
        if user_acted(&ctx) {
            self.session.note_activity(Instant::now());
        }
        let mut out = Vec::new();
        let labels = self.session.labels();
        self.read_keys(&ctx, &labels, &mut out);
        dropped_files(&ctx, &mut out);
        if self.theme_applied != Some(self.prefs.theme) {
            ctx.set_theme(self.prefs.theme);
            self.theme_applied = Some(self.prefs.theme);
        }
        self.panels(ui, &labels, &mut out);
        if self.session.poll() {
            ctx.request_repaint_after(std::time::Duration::from_millis(30));
        }
        if !out.is_empty() {
            // Panels drawn before the requests ran show their effect next frame.
            ctx.request_repaint();
        }
        for r in out {
            self.apply(&ctx, r);
        }
        self.after_requests(&ctx);
        if self.log_requests {
            self.log_shown();
        }
        self.last_frame_ms = started.elapsed().as_secs_f32() * 1000.0;
        if let Some(t0) = self.exit_after_first_frame.take() {
            println!(
                "first frame {:.1} ms after start",
                t0.elapsed().as_secs_f64() * 1000.0
            );
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }

    /// Refuses to close while edits wait for an unreachable team server (asks first).
    fn keep_open_while_unsaved(&mut self, ctx: &egui::Context) {
        let waiting = self.session.sync_state().map_or(0, |s| s.waiting);
        if waiting > 0 && !self.closing_anyway && ctx.input(|i| i.viewport().close_requested()) {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.close_asked = true;
        }
        if waiting == 0 {
            self.close_asked = false;
        }
    }

    /// `TAWSIM_LOG_REQUESTS=1`: a line on stderr whenever the document, the layer or the
    /// spans shown change (the window tests read what each window shows).
    fn log_shown(&mut self) {
        let Some(doc) = self.session.current() else {
            return;
        };
        let labels = self.session.labels();
        let layer = match (self.session.viewing(), self.session.curation()) {
            (Some(a), _) => a.name.clone(),
            (None, Some(_)) => tawsim_core::curation::CURATED.to_string(),
            (None, None) => self.session.annotator().to_string(),
        };
        let spans: Vec<String> = doc
            .ann
            .spans
            .iter()
            .map(|s| {
                let name = labels.get(s.label).map_or("?", |l| l.name.as_str());
                format!("{}-{} {name}", s.start, s.end)
            })
            .collect();
        let names: Vec<&str> = labels.iter().map(|l| l.name.as_str()).collect();
        let name = |id| labels.get(id).map_or("?", |l| l.name.as_str());
        let relations: Vec<String> = doc
            .ann
            .relations
            .iter()
            .map(|r| {
                format!(
                    "{}-{} {} {}-{}",
                    r.from.start,
                    r.from.end,
                    name(r.label),
                    r.to.start,
                    r.to.end
                )
            })
            .collect();
        let doc_labels: Vec<&str> = doc.ann.doc_labels.iter().map(|l| name(*l)).collect();
        let line = format!(
            "tawsim: shown {} layer {layer} status {} spans [{}] labels [{}] relations [{}] document labels [{}]",
            doc.name,
            doc.ann.status.as_str(),
            spans.join(", "),
            names.join(", "),
            relations.join(", "),
            doc_labels.join(", ")
        );
        if line != self.shown_logged {
            eprintln!("{line}");
            self.shown_logged = line;
        }
    }

    fn read_keys(&mut self, ctx: &egui::Context, labels: &LabelSet, out: &mut Vec<Request>) {
        let context = crate::keymap::KeyContext::current(ctx, self.modal_open())
            .in_mode(self.session.linking.is_some(), self.doc_label_mode);
        for action in crate::keymap::read(ctx, context, labels) {
            match action {
                crate::keymap::Action::Command(c) => out.push(c.into()),
                crate::keymap::Action::View(k) => self.view.key(k),
            }
        }
    }

    /// The view requests the session made, and the edits still to write.
    fn after_requests(&mut self, ctx: &egui::Context) {
        let requests = self.session.take_view_requests();
        if !requests.is_empty() {
            ctx.request_repaint();
        }
        for r in requests {
            match r {
                ViewRequest::ClearSelection => self.view.clear_selection(),
                ViewRequest::Select(a, b) => self.view.set_selection(a, b),
                ViewRequest::ScrollTo(p) => self.view.scroll_to(p),
            }
        }
        // A failed write is retried only on the user's request (Retry), not every frame.
        self.session.flush_if_pending();
    }

    /// The menu, the status bar, the side panels, the document, the search window and the
    /// dialogs, each reading the same [`AppView`].
    fn panels(&mut self, ui: &mut egui::Ui, labels: &LabelSet, out: &mut Vec<Request>) {
        let ctx = ui.ctx().clone();
        if std::mem::take(&mut self.search_panel.dirty) {
            self.session.search(self.search_panel.spec());
        }
        let documents = self.session.filtered_documents();
        let usage = self.session.label_usage();
        let view = AppView {
            session: &self.session,
            connecting: self.opening.as_ref().map(Opening::path),
            prefs: &self.prefs,
            labels,
            documents: &documents,
            label_usage: &usage,
            view_stats: self.view.stats(),
            last_frame_ms: self.last_frame_ms,
        };
        let chrome = &mut self.chrome_text;
        egui::Panel::top("menu").show(ui, |ui| ui::menu::menu_bar(ui, &view, chrome, out));
        egui::Panel::bottom("status").show(ui, |ui| ui::status_bar::show(ui, &view, chrome, out));
        if self.session.curation().is_some() {
            egui::Panel::bottom("curation")
                .resizable(true)
                .default_size(180.0_f32.min(ctx.content_rect().height() * 0.3))
                .size_range(80.0..=(ctx.content_rect().height() * 0.5).max(80.0))
                .show(ui, |ui| ui::curation_panel::show(ui, &view, chrome, out));
        }
        // Side panels give way on a narrow window: the text keeps at least half of it.
        let width = ctx.content_rect().width();
        egui::Panel::left("documents")
            .resizable(true)
            .default_size(260.0_f32.min(width * 0.22))
            .size_range(100.0..=(width * 0.25).max(100.0))
            .show(ui, |ui| {
                ui::documents_panel::show(ui, &view, &mut self.docs_panel, out);
            });
        egui::Panel::right("labels")
            .resizable(true)
            .default_size(300.0_f32.min(width * 0.25))
            .size_range(120.0..=(width * 0.3).max(120.0))
            .show(ui, |ui| {
                ui::labels_panel::show(ui, &view, &mut self.labels_panel, out);
            });
        let search_open = self.search_panel.open;
        egui::CentralPanel::default().show(ui, |ui| {
            ui::document_pane::show(ui, &view, &mut self.view, search_open, out);
        });
        if self.search_panel.open {
            ui::search_panel::show(&ctx, &view, &mut self.search_panel, out);
        }
        ui::agreement_view::show(&ctx, &view, &mut self.agreement_view, out);
        ui::dialogs::show(&ctx, &view, &mut self.dialogs, out);
        if self.close_asked {
            ui::dialogs::close_unsaved(&ctx, &view, out);
        }
        if let Some(mut d) = self.transfer.take()
            && ui::transfer_dialog::show(&ctx, &mut d, out)
        {
            self.transfer = Some(d);
        }
    }
}

/// Whether a project path is a team project's URL.
fn is_team(path: &Path) -> bool {
    path.to_str()
        .is_some_and(tawsim_core::store::is_team_location)
}

/// Whether the user did anything this frame (a key, text, a click, a pointer move, a
/// scroll): what active annotation time is made of.
fn user_acted(ctx: &egui::Context) -> bool {
    ctx.input(|i| {
        i.events.iter().any(|e| {
            matches!(
                e,
                egui::Event::Key { .. }
                    | egui::Event::Text(_)
                    | egui::Event::Paste(_)
                    | egui::Event::PointerButton { .. }
                    | egui::Event::PointerMoved(_)
                    | egui::Event::MouseWheel { .. }
            )
        })
    })
}

fn dropped_files(ctx: &egui::Context, out: &mut Vec<Request>) {
    let dropped: Vec<PathBuf> = ctx.input(|i| {
        i.raw
            .dropped_files
            .iter()
            .map(|f| f.path().to_path_buf())
            .filter(|p| !p.as_os_str().is_empty())
            .collect()
    });
    if !dropped.is_empty() {
        out.push(Request::ImportPaths(dropped));
    }
}

impl eframe::App for TawsimApp {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        // A press in a window without keyboard focus: on a bare X server nobody else gives it.
        #[cfg(target_os = "linux")]
        if ui.input(|i| i.pointer.any_pressed() && !i.focused) {
            self.x11_focus.take_if_unmanaged(frame);
        }
        #[cfg(not(target_os = "linux"))]
        let _ = frame;
        self.frame(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, PREFS_KEY, &self.prefs);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.shut_down();
    }
}

/// What to open when the window starts.
#[derive(Debug, Clone, PartialEq)]
pub enum StartProject {
    /// The last project, or the sample project on the very first run.
    Last,
    Path(PathBuf),
    /// Text files or folders: a project beside them.
    Files(Vec<PathBuf>),
    /// A team project's URL.
    Team(String),
    Nothing,
}
