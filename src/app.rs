//! The eframe shell: saved preferences apart from runtime state; each frame gathers
//! [`Command`]s from menus, shortcuts, panels and the document view, then applies them.
//! Every edit is written to the project (one transaction) before the frame ends.

use crate::command::Command;
use crate::domain::boundary::{self, Evidence};
use crate::domain::{
    Annotations, DocId, DocStatus, Edit, History, IndexedText, LabelId, LabelSet, Span,
};
use crate::store::{DocSummary, Project};
use crate::ui;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

/// Preferences saved between runs (eframe storage), apart from runtime state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Prefs {
    pub last_project: Option<PathBuf>,
    pub recent: Vec<PathBuf>,
    pub font_size: f32,
    pub show_marks: bool,
    pub frame_meter: bool,
    pub theme: egui::ThemePreference,
}

impl Default for Prefs {
    fn default() -> Self {
        Prefs {
            last_project: None,
            recent: Vec::new(),
            font_size: DEFAULT_FONT_SIZE,
            show_marks: false,
            frame_meter: false,
            theme: egui::ThemePreference::System,
        }
    }
}

pub const DEFAULT_FONT_SIZE: f32 = 22.0;
const PREFS_KEY: &str = "tawsim-prefs";

/// The document being annotated, with its annotations and history in memory (mirrors of
/// what the project file holds).
pub struct OpenDoc {
    pub id: DocId,
    pub name: String,
    pub text: IndexedText,
    pub ann: Annotations,
    pub history: History,
    /// Changes whenever another document is opened (the view keys its layout cache on it).
    pub key: u64,
    /// Reading direction: per paragraph from its first strong character, or forced.
    pub direction: crate::layout::Direction,
}

/// A store write that has not reached the file yet (kept for retry after a disk error).
#[derive(Debug, Clone, PartialEq)]
enum StoreOp {
    Apply(Edit),
    Undo,
    Redo,
}

/// An import or export running on a background thread.
pub struct Job<T = String> {
    pub title: String,
    /// Units done so far (bytes read for an import, documents written for an export).
    pub done: Arc<AtomicU64>,
    pub total: u64,
    pub cancel: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<Result<T, String>>>,
}

impl<T: Send + 'static> Job<T> {
    fn spawn(
        title: String,
        total: u64,
        work: impl FnOnce(Arc<AtomicU64>, Arc<AtomicBool>) -> Result<T, String> + Send + 'static,
    ) -> Job<T> {
        let done = Arc::new(AtomicU64::new(0));
        let cancel = Arc::new(AtomicBool::new(false));
        let (d, c) = (Arc::clone(&done), Arc::clone(&cancel));
        let handle = std::thread::Builder::new()
            .name("tawsim-job".into())
            .spawn(move || work(d, c))
            .ok();
        Job {
            title,
            done,
            total,
            cancel,
            handle,
        }
    }

    /// Fraction done, 0..=1.
    #[must_use]
    pub fn fraction(&self) -> f32 {
        if self.total == 0 {
            0.0
        } else {
            (self.done.load(Ordering::Relaxed) as f32 / self.total as f32).min(1.0)
        }
    }

    fn finished(&self) -> bool {
        self.handle
            .as_ref()
            .is_none_or(std::thread::JoinHandle::is_finished)
    }

    fn join(&mut self) -> Result<T, String> {
        match self.handle.take() {
            Some(h) => h
                .join()
                .unwrap_or_else(|_| Err("the background job crashed".into())),
            None => Err("could not start a background thread".into()),
        }
    }
}

fn total_size(paths: &[PathBuf]) -> u64 {
    fn walk(p: &Path) -> u64 {
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => std::fs::read_dir(p)
                .map(|rd| rd.flatten().map(|e| walk(&e.path())).sum())
                .unwrap_or(0),
            Ok(m) => m.len(),
            Err(_) => 0,
        }
    }
    paths.iter().map(|p| walk(p)).sum()
}

/// Which path a path dialog asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathPurpose {
    Open,
    New,
    Import,
}

/// Filters of the document list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocFilter {
    pub text: String,
    pub status: Option<DocStatus>,
    pub label: Option<LabelId>,
}

/// Runtime state of the window.
pub struct TawsimApp {
    pub prefs: Prefs,
    project: Option<Project>,
    docs: Vec<DocSummary>,
    doc: Option<OpenDoc>,
    next_key: u64,
    pub selected_span: Option<Span>,
    pub sticky: Option<LabelId>,
    pub filter: DocFilter,
    /// Documents containing the filter label (refreshed when the label filter changes).
    label_filter_docs: Option<(LabelId, u64, std::collections::HashSet<DocId>)>,
    /// Bumped whenever the document list or a row of it changes.
    docs_rev: u64,
    /// The filtered list as last computed, for the filter and list revision it was made for
    /// (the list panel asks every frame; a 100k-document project must not re-filter then).
    filtered: Option<(DocFilter, u64, Arc<[DocSummary]>)>,
    unsaved: Vec<(DocId, StoreOp)>,
    pub status: String,
    pub error: Option<String>,
    pub path_dialog: Option<(PathPurpose, String)>,
    pub view: ui::document_view::DocumentView,
    pub labels_panel: ui::labels_panel::LabelsPanelState,
    pub search: ui::search_panel::SearchState,
    last_frame_ms: f32,
    /// Startup benchmark: close after the first frame, reporting the time since this instant.
    pub exit_after_first_frame: Option<Instant>,
    pub transfer: Option<ui::transfer_dialog::TransferDialog>,
    pub job: Option<Job>,
    /// A project-wide search running in the background (results for the search window).
    search_job: Option<Job<(Vec<ui::search_panel::Hit>, bool)>>,
    /// Documents a running "label all" job writes to (the open one is reloaded after).
    labelling: Vec<DocId>,
    /// Laid-out short strings (document names, span texts, search contexts).
    pub bidi: ui::bidi_label::BidiCache,
    /// The project's vocabulary, gathered on a background thread after opening (evidence
    /// for proclitic boundaries).
    vocabulary: Arc<std::sync::Mutex<Option<Arc<std::collections::HashSet<String>>>>>,
    /// The list of keys (F1).
    pub help_open: bool,
    /// The last import's report (warnings and skipped problems, file:line each).
    pub report: Option<String>,
    /// While an import runs: the highest document id before it (its documents come after).
    import_floor: Option<Option<DocId>>,
    /// The documents the last import added (Document > Delete the last import).
    pub last_import: Vec<DocId>,
    /// Documents the user asked to delete, waiting for the confirmation.
    pub confirm_delete: Option<Vec<DocId>>,
    /// The theme last handed to egui.
    theme_applied: Option<egui::ThemePreference>,
    #[cfg(target_os = "linux")]
    x11_focus: crate::x11_focus::X11Focus,
}

impl TawsimApp {
    /// A window with no project open.
    #[must_use]
    pub fn new(prefs: Prefs) -> Self {
        TawsimApp {
            prefs,
            project: None,
            docs: Vec::new(),
            doc: None,
            next_key: 1,
            selected_span: None,
            sticky: None,
            filter: DocFilter::default(),
            label_filter_docs: None,
            docs_rev: 0,
            filtered: None,
            unsaved: Vec::new(),
            status: String::new(),
            error: None,
            path_dialog: None,
            view: ui::document_view::DocumentView::new(),
            labels_panel: ui::labels_panel::LabelsPanelState::default(),
            search: ui::search_panel::SearchState::default(),
            last_frame_ms: 0.0,
            exit_after_first_frame: None,
            transfer: None,
            job: None,
            search_job: None,
            labelling: Vec::new(),
            bidi: ui::bidi_label::BidiCache::new(),
            vocabulary: Arc::default(),
            help_open: false,
            report: None,
            import_floor: None,
            last_import: Vec::new(),
            confirm_delete: None,
            theme_applied: None,
            #[cfg(target_os = "linux")]
            x11_focus: crate::x11_focus::X11Focus::default(),
        }
    }

    /// The eframe entry: fonts, saved preferences, and the project named on the command
    /// line (or the last one, or the sample project on the very first run).
    #[must_use]
    pub fn from_creation_context(cc: &eframe::CreationContext<'_>, start: StartProject) -> Self {
        crate::fonts::install(&cc.egui_ctx);
        let prefs: Prefs = cc
            .storage
            .and_then(|s| eframe::get_value(s, PREFS_KEY))
            .unwrap_or_default();
        let mut app = TawsimApp::new(prefs);
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
            StartProject::Last => match self.prefs.last_project.clone().filter(|p| p.exists()) {
                Some(p) => self.open_project(&p),
                None => crate::startup::sample_project().and_then(|p| self.open_project(&p)),
            },
            StartProject::Nothing => Ok(()),
        };
        if let Err(e) = result {
            self.error = Some(e);
        }
    }

    // ------------------------------------------------------------------ accessors

    /// Whether a modal dialog is open (the keymap then reads no keys).
    #[must_use]
    pub fn modal_open(&self) -> bool {
        self.error.is_some()
            || self.path_dialog.is_some()
            || self.transfer.is_some()
            || self.confirm_delete.is_some()
    }

    #[must_use]
    pub fn project(&self) -> Option<&Project> {
        self.project.as_ref()
    }

    /// The open project, for settings and tests.
    pub fn project_mut(&mut self) -> Option<&mut Project> {
        self.project.as_mut()
    }

    #[must_use]
    pub fn documents(&self) -> &[DocSummary] {
        &self.docs
    }

    #[must_use]
    pub fn current(&self) -> Option<&OpenDoc> {
        self.doc.as_ref()
    }

    /// The open document and the short-string layout cache, borrowed together for panels.
    pub fn current_and_bidi(&mut self) -> (Option<&OpenDoc>, &mut ui::bidi_label::BidiCache) {
        (self.doc.as_ref(), &mut self.bidi)
    }

    #[must_use]
    pub fn labels(&self) -> LabelSet {
        self.project
            .as_ref()
            .map(|p| p.labels().clone())
            .unwrap_or_default()
    }

    /// Edits made in memory that could not be written yet.
    #[must_use]
    pub fn unsaved_count(&self) -> usize {
        self.unsaved.len()
    }

    // ------------------------------------------------------------------ projects and documents

    /// Opens a project file (creating none), and its first unfinished document.
    pub fn open_project(&mut self, path: &Path) -> Result<(), String> {
        if !self.unsaved.is_empty() {
            return Err(format!(
                "{} edits are not saved yet: fix the error and retry before switching projects",
                self.unsaved.len()
            ));
        }
        let project = Project::open(path).map_err(|e| e.to_string())?;
        self.set_project(project);
        Ok(())
    }

    /// Makes `project` the open one.
    pub fn set_project(&mut self, project: Project) {
        let path = project.path().to_path_buf();
        crate::crash::set_project(&path);
        if let Some(report) = crate::crash::reports_beside(&path).last() {
            let shown = crate::crash::mark_seen(report).unwrap_or_else(|| report.clone());
            self.error = Some(format!(
                "tawsim crashed during an earlier session with this project. The project is intact (every edit was saved as it was made). The crash report is {}; please send it to the developers.",
                shown.display()
            ));
        }
        self.project = Some(project);
        // Nothing of the previous project's panels carries over (a label draft would be
        // saved into this one).
        self.labels_panel = ui::labels_panel::LabelsPanelState::default();
        self.search = ui::search_panel::SearchState::default();
        self.doc = None;
        self.selected_span = None;
        self.sticky = None;
        self.label_filter_docs = None;
        self.refresh_documents();
        self.gather_vocabulary();
        self.prefs.last_project = Some(path.clone());
        self.prefs.recent.retain(|p| *p != path);
        self.prefs.recent.insert(0, path.clone());
        self.prefs.recent.truncate(10);
        let first = self
            .docs
            .iter()
            .find(|d| d.status != DocStatus::Done)
            .or(self.docs.first())
            .map(|d| d.id);
        if let Some(id) = first {
            self.select_document(id);
        }
        self.status = format!("Opened {}", path.display());
    }

    /// Starts gathering the project's words on a background thread.
    fn gather_vocabulary(&mut self) {
        let slot = Arc::new(std::sync::Mutex::new(None));
        self.vocabulary = Arc::clone(&slot);
        let Some(worker) = self.project.as_ref().and_then(|p| p.worker().ok()) else {
            return;
        };
        let spawned = std::thread::Builder::new()
            .name("tawsim-vocabulary".into())
            .spawn(move || {
                let mut words = std::collections::HashSet::new();
                let _ = worker.for_each_text(|t| words.extend(boundary::vocabulary([t])));
                if let Ok(mut s) = slot.lock() {
                    *s = Some(Arc::new(words));
                }
            });
        if spawned.is_err() {
            self.status =
                "Could not start the vocabulary thread; proclitic evidence uses this document only"
                    .into();
        }
    }

    fn refresh_documents(&mut self) {
        if let Some(p) = &self.project {
            match p.documents() {
                Ok(d) => {
                    self.docs = d;
                    self.docs_rev += 1;
                }
                Err(e) => self.error = Some(e.to_string()),
            }
        }
    }

    /// Opens a document of the project in the view.
    pub fn select_document(&mut self, id: DocId) {
        let Some(p) = &self.project else { return };
        let loaded = p.document(id).and_then(|d| {
            Ok((
                d,
                p.annotations(id)?,
                p.history(id)?,
                p.document_direction(id)?,
            ))
        });
        match loaded {
            Ok((d, ann, history, dir)) => {
                self.next_key += 1;
                self.doc = Some(OpenDoc {
                    id,
                    name: d.name,
                    text: IndexedText::new(d.text),
                    ann,
                    history,
                    key: self.next_key,
                    direction: crate::domain::Direction::parse(&dir).unwrap_or_default(),
                });
                self.selected_span = None;
                self.view.clear_selection();
            }
            Err(e) => self.error = Some(e.to_string()),
        }
    }

    /// Documents that pass the list's filters, in project order.
    pub fn filtered_documents(&mut self) -> Arc<[DocSummary]> {
        if let Some((f, rev, list)) = &self.filtered
            && *f == self.filter
            && *rev == self.docs_rev
        {
            return Arc::clone(list);
        }
        if let Some(l) = self.filter.label
            && self
                .label_filter_docs
                .as_ref()
                .is_none_or(|(id, rev, _)| *id != l || *rev != self.docs_rev)
        {
            let set = self
                .project
                .as_ref()
                .and_then(|p| p.documents_with_label(l).ok())
                .unwrap_or_default();
            self.label_filter_docs = Some((l, self.docs_rev, set));
        }
        let needle = crate::domain::arabic::normalise_str(self.filter.text.trim());
        let list: Arc<[DocSummary]> = self
            .docs
            .iter()
            .filter(|d| self.filter.status.is_none_or(|s| d.status == s))
            .filter(|d| {
                self.filter.label.is_none()
                    || self
                        .label_filter_docs
                        .as_ref()
                        .is_some_and(|(_, _, s)| s.contains(&d.id))
            })
            .filter(|d| {
                needle.is_empty() || crate::domain::arabic::normalise_str(&d.name).contains(&needle)
            })
            .cloned()
            .collect::<Vec<_>>()
            .into();
        self.filtered = Some((self.filter.clone(), self.docs_rev, Arc::clone(&list)));
        list
    }

    fn step_document(&mut self, delta: isize) {
        let list = self.filtered_documents();
        let Some(cur) = self.doc.as_ref().map(|d| d.id) else {
            if let Some(d) = list.first() {
                self.select_document(d.id);
            }
            return;
        };
        let i = list.iter().position(|d| d.id == cur);
        let next = match i {
            Some(i) => i.checked_add_signed(delta).and_then(|j| list.get(j)),
            None => list.first(),
        };
        match next {
            Some(d) => self.select_document(d.id),
            None => {
                self.status = if delta > 0 {
                    "This is the last document".into()
                } else {
                    "This is the first document".into()
                }
            }
        }
    }

    // ------------------------------------------------------------------ edits

    /// Applies an edit to the open document: checked in memory, recorded in the history,
    /// and written to the project in one transaction before this returns.
    pub fn edit(&mut self, edit: Edit) -> bool {
        let Some(policy) = self.project.as_ref().map(|p| p.settings().overlap) else {
            return false;
        };
        let Some(doc) = self.doc.as_mut() else {
            return false;
        };
        if edit.is_noop() {
            return false;
        }
        if let Err(e) = edit.apply(&mut doc.ann, policy) {
            self.status = format!("Not applied: {e}");
            if e.to_string().contains("forbids overlaps") {
                self.status
                    .push_str(" (for nested spans: Project > Spans may overlap: Yes)");
            }
            return false;
        }
        doc.history.push(edit.clone());
        let id = doc.id;
        self.selected_span = edit.added_spans().last().copied();
        self.persist(id, StoreOp::Apply(edit));
        true
    }

    fn persist(&mut self, doc: DocId, op: StoreOp) {
        self.unsaved.push((doc, op));
        self.flush();
    }

    /// Writes pending edits in order; on the first failure keeps the rest and reports it.
    pub fn flush(&mut self) {
        let Some(p) = self.project.as_mut() else {
            return;
        };
        while let Some((doc, op)) = self.unsaved.first().cloned() {
            let r = match &op {
                StoreOp::Apply(e) => p.apply(doc, e),
                StoreOp::Undo => p.undo(doc).map(drop),
                StoreOp::Redo => p.redo(doc).map(drop),
            };
            match r {
                Ok(()) => {
                    self.unsaved.remove(0);
                }
                Err(e) => {
                    self.error = Some(format!(
                        "Could not save to the project: {e}\n\nYour last {} edit(s) are kept in memory. Free disk space or fix the file's permissions, then press Retry.",
                        self.unsaved.len()
                    ));
                    self.status = format!("Not saved: {e}");
                    return;
                }
            }
        }
        self.refresh_summary();
    }

    fn refresh_summary(&mut self) {
        if let Some(d) = &self.doc
            && let Some(row) = self.docs.iter_mut().find(|r| r.id == d.id)
        {
            row.spans = d.ann.spans.len();
            row.status = d.ann.status;
            self.docs_rev += 1;
        }
    }

    fn undo(&mut self, redo: bool) {
        let Some(policy) = self.project.as_ref().map(|p| p.settings().overlap) else {
            return;
        };
        let Some(doc) = self.doc.as_mut() else { return };
        let step = if redo {
            doc.history.redo()
        } else {
            doc.history.undo()
        };
        let Some(edit) = step else {
            self.status = if redo {
                "Nothing to redo".into()
            } else {
                "Nothing to undo".into()
            };
            return;
        };
        if let Err(e) = edit.apply(&mut doc.ann, policy) {
            self.error = Some(format!(
                "The history does not fit the document any more: {e}"
            ));
            return;
        }
        let id = doc.id;
        self.selected_span = edit.added_spans().last().copied();
        // Undo applies the inverse: name the edit the user made.
        let made = if redo { edit.clone() } else { edit.inverse() };
        self.status = format!(
            "{} {}",
            if redo { "Redid" } else { "Undid" },
            describe(&made)
        );
        self.persist(id, if redo { StoreOp::Redo } else { StoreOp::Undo });
    }

    fn evidence(&self) -> Evidence {
        let mut ev = Evidence::default();
        if let Some(v) = self.vocabulary.lock().ok().and_then(|v| v.clone()) {
            ev.set_corpus(v);
        }
        if let (Some(doc), Some(p)) = (&self.doc, &self.project) {
            ev.add_text_words(doc.text.as_str());
            for s in doc.ann.spans.iter() {
                if let Some(t) = doc.text.slice(s.start, s.end) {
                    ev.add_entity(t);
                }
            }
            if let Ok(names) = p.entity_texts(2000) {
                for n in names {
                    ev.add_entity(&n);
                }
            }
        }
        ev
    }

    /// Labels the view's selection (or relabels the selected span).
    fn apply_label(&mut self, label: LabelId) {
        let Some(doc) = &self.doc else { return };
        if let Some(span) = self.selected_span.filter(|s| doc.ann.spans.contains(*s)) {
            if span.label != label {
                self.edit(Edit::ReplaceSpan {
                    from: span,
                    to: span.with_label(label),
                });
            }
            return;
        }
        let Some((s, e)) = self.view.selection() else {
            self.status = "Select some text first (drag over it, or shift+arrows)".into();
            return;
        };
        let Some(settings) = self.project.as_ref().map(Project::settings) else {
            return;
        };
        let ev = self.evidence();
        let Some(doc) = &self.doc else { return };
        let Some(snapped) = boundary::snap_selection(&doc.text, s, e, &settings, &ev) else {
            self.status = "The selection holds no word to label".into();
            return;
        };
        let Some(span) = Span::new(snapped.start, snapped.end, label) else {
            return;
        };
        let mut edits = vec![Edit::AddSpan { span }];
        if doc.ann.status == DocStatus::New {
            edits.push(Edit::SetStatus {
                from: DocStatus::New,
                to: DocStatus::InProgress,
            });
        }
        let edit = if edits.len() == 1 {
            edits.remove(0)
        } else {
            Edit::Batch { edits }
        };
        if self.edit(edit) {
            self.view.clear_selection();
            self.selected_span = Some(span);
            self.status = match snapped.alternative {
                Some((a, b)) => format!(
                    "Labelled {}; {} for «{}»",
                    self.span_text(span),
                    Command::ToggleProclitic.shortcut_text_plain(),
                    self.doc
                        .as_ref()
                        .and_then(|d| d.text.slice(a, b))
                        .unwrap_or_default()
                ),
                None => format!("Labelled {}", self.span_text(span)),
            };
        }
    }

    fn span_text(&self, s: Span) -> String {
        self.doc
            .as_ref()
            .and_then(|d| d.text.slice(s.start, s.end))
            .unwrap_or_default()
            .to_string()
    }

    fn toggle_proclitic(&mut self) {
        let (Some(doc), Some(span)) = (&self.doc, self.selected_span) else {
            self.status = "Select a span first (click it, or Tab)".into();
            return;
        };
        let article = self
            .project
            .as_ref()
            .is_some_and(|p| p.settings().article_is_proclitic);
        match boundary::toggle_proclitic(&doc.text, span.start, span.end, article) {
            Some((a, b)) => {
                if let Some(to) = span.with_range(a, b) {
                    self.edit(Edit::ReplaceSpan { from: span, to });
                }
            }
            None => self.status = "This span does not start with a proclitic".into(),
        }
    }

    fn resize_selected(&mut self, ds: isize, de: isize) {
        let (Some(doc), Some(span)) = (&self.doc, self.selected_span) else {
            return;
        };
        let t = &doc.text;
        let step = |pos: usize, d: isize| -> usize {
            let mut p = pos;
            for _ in 0..d.unsigned_abs() {
                p = if d > 0 {
                    t.boundary_at_or_after(p + 1)
                } else {
                    t.boundary_at_or_before(p.saturating_sub(1))
                };
            }
            p
        };
        let (a, b) = (step(span.start, ds), step(span.end, de));
        if let Some(to) = span.with_range(a, b.min(t.len_chars())) {
            self.edit(Edit::ReplaceSpan { from: span, to });
        }
    }

    fn step_span(&mut self, delta: isize) {
        let Some(doc) = &self.doc else { return };
        let spans = doc.ann.spans.as_slice();
        if spans.is_empty() {
            return;
        }
        let i = self
            .selected_span
            .and_then(|s| spans.iter().position(|x| *x == s));
        let n = spans.len() as isize;
        let j = match i {
            Some(i) => (i as isize + delta).rem_euclid(n),
            None if delta > 0 => 0,
            None => n - 1,
        };
        let span = spans[usize::try_from(j).unwrap_or(0)];
        self.selected_span = Some(span);
        self.view.scroll_to(span.start);
    }

    fn set_status(&mut self, to: DocStatus) {
        if let Some(from) = self.doc.as_ref().map(|d| d.ann.status) {
            self.edit(Edit::SetStatus { from, to });
        }
    }

    // ------------------------------------------------------------------ commands

    /// Applies one command.
    pub fn apply(&mut self, ctx: &egui::Context, cmd: Command) {
        match cmd {
            Command::NewProject => self.path_dialog = Some((PathPurpose::New, String::new())),
            Command::OpenProject => self.ask_path(PathPurpose::Open),
            Command::OpenPath(p) => {
                if let Err(e) = self.open_project(&p) {
                    self.error = Some(e);
                }
            }
            Command::Import => {
                self.transfer = Some(ui::transfer_dialog::TransferDialog::new(
                    ui::transfer_dialog::Direction::Import,
                ))
            }
            Command::ImportPaths(paths) => self.import_paths(&paths),
            Command::Export => {
                self.transfer = Some(ui::transfer_dialog::TransferDialog::new(
                    ui::transfer_dialog::Direction::Export,
                ))
            }
            Command::StartImport(r) => self.start_import(r),
            Command::StartExport(r) => self.start_export(r),
            Command::CancelJob => {
                if let Some(j) = &self.job {
                    j.cancel.store(true, Ordering::Relaxed);
                }
            }
            Command::RetrySave => {
                self.error = None;
                self.flush();
            }
            Command::Quit => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
            Command::SelectDocument(id) => self.select_document(id),
            Command::NextDocument => self.step_document(1),
            Command::PreviousDocument => self.step_document(-1),
            Command::MarkDoneAndNext => {
                self.set_status(DocStatus::Done);
                self.step_document(1);
            }
            Command::SetStatus(s) => self.set_status(s),
            Command::ApplyLabel(l) => self.apply_label(l),
            Command::ToggleSticky(l) => {
                self.sticky = if self.sticky == Some(l) {
                    None
                } else {
                    Some(l)
                };
                self.status = match self
                    .sticky
                    .and_then(|l| self.labels().get(l).map(|x| x.name.clone()))
                {
                    Some(n) => format!("Sticky label {n}: every selection becomes a {n} span"),
                    None => "Sticky label off".into(),
                };
            }
            Command::SelectSpan(s) => {
                self.selected_span = s;
                if let Some(s) = s {
                    self.view.scroll_to(s.start);
                }
            }
            Command::NextSpan => self.step_span(1),
            Command::PreviousSpan => self.step_span(-1),
            Command::DeleteSelectedSpan => {
                if let Some(span) = self.selected_span
                    && self.edit(Edit::RemoveSpan { span })
                {
                    self.selected_span = None;
                    self.status = "Span deleted".into();
                }
            }
            Command::ResizeSelectedSpan { start, end } => self.resize_selected(start, end),
            Command::ReplaceSpan { from, to } => {
                self.edit(Edit::ReplaceSpan { from, to });
            }
            Command::ToggleProclitic => self.toggle_proclitic(),
            Command::SaveLabels(set) => self.save_labels(&set),
            Command::DeleteLabel(id) => self.delete_label(id),
            Command::SaveSettings(s) => {
                if let Some(p) = self.project.as_mut() {
                    match p.save_settings(s) {
                        Ok(()) => self.status = "Project settings saved".into(),
                        Err(e) => self.error = Some(e.to_string()),
                    }
                }
            }
            Command::Undo => self.undo(false),
            Command::Redo => self.undo(true),
            Command::Find => self.open_search(false),
            Command::LabelAll => self.open_search(true),
            Command::AcceptOccurrences { label, only_ticked } => {
                self.accept_occurrences(label, only_ticked)
            }
            Command::GoToRange { doc, start, end } => {
                if self.doc.as_ref().map(|d| d.id) != Some(doc) {
                    self.select_document(doc);
                }
                self.selected_span = None;
                self.view.set_selection(start, end);
                self.view.scroll_to(start);
            }
            Command::ZoomIn => self.prefs.font_size = (self.prefs.font_size + 2.0).min(72.0),
            Command::ZoomOut => self.prefs.font_size = (self.prefs.font_size - 2.0).max(10.0),
            Command::ZoomReset => self.prefs.font_size = DEFAULT_FONT_SIZE,
            Command::ToggleMarks => self.prefs.show_marks = !self.prefs.show_marks,
            Command::SetDirection(d) => {
                if let (Some(doc), Some(p)) = (self.doc.as_mut(), self.project.as_mut()) {
                    doc.direction = d;
                    if let Err(e) = p.set_document_direction(doc.id, d.as_str()) {
                        self.error = Some(e.to_string());
                    }
                }
            }
            Command::ToggleFrameMeter => self.prefs.frame_meter = !self.prefs.frame_meter,
            Command::Escape => {
                if self.report.is_some() {
                    self.report = None;
                } else if self.help_open {
                    self.help_open = false;
                } else if self.search.open {
                    self.search.open = false;
                } else {
                    self.selected_span = None;
                    self.view.clear_selection();
                }
            }
            Command::Help => self.help_open = !self.help_open,
            Command::SetTheme(t) => self.prefs.theme = t,
            Command::DeleteDocument => {
                self.confirm_delete = self.doc.as_ref().map(|d| vec![d.id]);
            }
            Command::DeleteLastImport => {
                if !self.last_import.is_empty() {
                    self.confirm_delete = Some(self.last_import.clone());
                }
            }
            Command::ConfirmDeleteDocuments(ids) => self.delete_documents(&ids),
        }
    }

    /// Opens the search window, prefilled from the selected span or the selection; for
    /// "label all", with the span's label and whole-word matching.
    fn open_search(&mut self, label_all: bool) {
        let doc = self.doc.as_ref();
        let from_span = self
            .selected_span
            .and_then(|s| Some((doc?.text.slice(s.start, s.end)?.to_string(), s.label)));
        let from_selection = self
            .view
            .selection()
            .and_then(|(a, b)| doc?.text.slice(a, b).map(str::to_string));
        let first_label = self.labels().enabled().next().map(|l| l.id);
        let st = &mut self.search;
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

    /// Runs the search window's query: over the open document at once, over the project on
    /// a background thread (a new query cancels the previous one).
    pub fn run_search(&mut self) {
        use crate::domain::search::{self, SearchOptions};
        use ui::search_panel::{MAX_HITS, Scope};
        self.search.dirty = false;
        self.search.hits.clear();
        self.search.truncated = false;
        if let Some(old) = self.search_job.take() {
            old.cancel.store(true, Ordering::Relaxed);
        }
        let (Some(p), Some(cur)) = (&self.project, &self.doc) else {
            return;
        };
        let st = &self.search;
        if st.query.trim().is_empty() {
            return;
        }
        let query = search::Query {
            text: st.query.clone(),
            opts: SearchOptions {
                whole_word: st.whole_word,
                clitic_aware: st.clitic_aware,
            },
            label: st.label,
            policy: p.settings().overlap,
        };
        if st.scope == Scope::Document {
            let mut hits = Vec::new();
            let room = search::collect_hits(
                &query,
                cur.id,
                &cur.name,
                &cur.text,
                &cur.ann.spans,
                MAX_HITS,
                &mut hits,
            );
            self.search.set_hits(hits, !room);
            return;
        }
        let worker = match p.worker() {
            Ok(w) => w,
            Err(e) => {
                self.error = Some(e.to_string());
                return;
            }
        };
        let current = (cur.id, cur.text.clone(), cur.ann.spans.clone());
        self.search_job = Some(Job::spawn(
            "Searching the project".into(),
            self.docs.len() as u64,
            move |done, cancel| {
                let cur = Some((current.0, &current.1, &current.2));
                match crate::ops::search_project(
                    &worker,
                    &query,
                    cur,
                    MAX_HITS,
                    Some(&done),
                    Some(&cancel),
                ) {
                    Ok(Some(found)) => Ok(found),
                    Ok(None) => Err("cancelled".into()),
                    Err(e) => Err(e.to_string()),
                }
            },
        ));
    }

    /// Progress of a project-wide search still running (0..=1).
    #[must_use]
    pub fn search_progress(&self) -> Option<f32> {
        self.search_job.as_ref().map(Job::fraction)
    }

    /// Takes a finished project-wide search's results.
    fn poll_search(&mut self, ctx: &egui::Context) {
        let Some(job) = self.search_job.as_mut() else {
            return;
        };
        if !job.finished() {
            ctx.request_repaint_after(std::time::Duration::from_millis(30));
            return;
        }
        let r = job.join();
        self.search_job = None;
        match r {
            Ok((hits, truncated)) => self.search.set_hits(hits, truncated),
            Err(e) if e == "cancelled" => {}
            Err(e) => self.error = Some(e),
        }
    }

    /// Waits for a project-wide search (tests).
    pub fn wait_for_search(&mut self, ctx: &egui::Context) {
        if let Some(h) = self.search_job.as_ref().and_then(|j| j.handle.as_ref()) {
            while !h.is_finished() {
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
        }
        self.poll_search(ctx);
    }

    /// Labels the occurrences the search window lists: one undo step per document. The open
    /// document is labelled at once; the others on a background job with progress.
    fn accept_occurrences(&mut self, label: LabelId, only_ticked: bool) {
        use crate::domain::search::Proposal;
        if self.job.is_some() {
            self.status = "Another job is running; label when it has finished".into();
            return;
        }
        let mut by_doc: std::collections::BTreeMap<DocId, Vec<Edit>> =
            std::collections::BTreeMap::new();
        for h in &self.search.hits {
            if h.proposal == Proposal::New
                && (h.accept || !only_ticked)
                && let Some(span) = Span::new(h.start, h.end, label)
            {
                by_doc
                    .entry(h.doc)
                    .or_default()
                    .push(Edit::AddSpan { span });
            }
        }
        let mut added = 0;
        if let Some(cur) = self.doc.as_ref().map(|d| d.id)
            && let Some(edits) = by_doc.remove(&cur)
        {
            let n = edits.len();
            if self.edit(Edit::Batch { edits }) {
                added += n;
            }
        }
        self.refresh_summary();
        if by_doc.is_empty() {
            self.run_search();
            self.status = format!("Labelled {added} occurrence(s)");
            return;
        }
        let Some(p) = &self.project else { return };
        let mut worker = match p.worker() {
            Ok(w) => w,
            Err(e) => {
                self.error = Some(e.to_string());
                return;
            }
        };
        let batches: Vec<(DocId, Vec<Edit>)> = by_doc.into_iter().collect();
        self.labelling = batches.iter().map(|(d, _)| *d).collect();
        let here = added;
        self.job = Some(Job::spawn(
            "Labelling occurrences".into(),
            batches.len() as u64,
            move |done, cancel| {
                let r =
                    crate::ops::label_occurrences(&mut worker, batches, Some(&done), Some(&cancel))
                        .map_err(|e| e.to_string())?;
                let mut msg = format!(
                    "Labelled {} occurrence(s) in {} document(s)",
                    r.spans + here,
                    r.documents + usize::from(here > 0)
                );
                if r.refused > 0 {
                    msg += &format!(
                        "; {} document(s) changed meanwhile and were left as they were",
                        r.refused
                    );
                }
                if r.cancelled {
                    msg += "; cancelled (the documents done keep their labels, one undo step each)";
                }
                Ok(msg)
            },
        ));
    }

    fn start_import(&mut self, r: ui::transfer_dialog::ImportRequest) {
        if self.job.is_some() {
            self.status = "Another import or export is running".into();
            return;
        }
        let Some(p) = &self.project else {
            self.error = Some("Open or create a project before importing".into());
            return;
        };
        let mut worker = match p.worker() {
            Ok(w) => w,
            Err(e) => {
                self.error = Some(e.to_string());
                return;
            }
        };
        let total = total_size(&r.paths);
        self.import_floor = Some(self.docs.iter().map(|d| d.id).max());
        let title = format!(
            "Importing {}",
            r.paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        self.job = Some(Job::spawn(title, total, move |done, cancel| {
            let mut opts = r.options.clone();
            opts.progress = Some(done);
            opts.cancel = Some(cancel);
            crate::ops::import_paths(&mut worker, &r.paths, r.format, &opts)
                .map(|o| {
                    // The summary first; the report's lines after it.
                    let mut s = o.summary();
                    for l in o.report_lines() {
                        s.push('\n');
                        s.push_str(&l);
                    }
                    s
                })
                .map_err(|e| e.to_string())
        }));
    }

    fn start_export(&mut self, r: ui::transfer_dialog::ExportRequest) {
        if self.job.is_some() {
            self.status = "Another import or export is running".into();
            return;
        }
        let Some(p) = &self.project else { return };
        let worker = match p.worker() {
            Ok(w) => w,
            Err(e) => {
                self.error = Some(e.to_string());
                return;
            }
        };
        let total = self
            .docs
            .iter()
            .filter(|d| r.filter.status.is_none_or(|s| d.status == s))
            .count() as u64;
        let title = format!("Exporting to {}", r.out.display());
        self.job = Some(Job::spawn(title, total, move |done, cancel| {
            let mut opts = r.options.clone();
            opts.cancel = Some(cancel);
            crate::ops::export_project(&worker, r.format, &r.out, &r.filter, &opts, Some(&done))
                .map(|rep| {
                    let mut s = format!(
                        "Exported {} document(s) with {} span(s) to {}",
                        rep.documents,
                        rep.spans,
                        r.out.display()
                    );
                    if !rep.misaligned.is_empty() {
                        s.push_str(&format!(
                            "; {} span(s) did not fall on token edges (reported, not moved): {}",
                            rep.misaligned.len(),
                            rep.misaligned[0]
                        ));
                    }
                    s
                })
                .map_err(|e| e.to_string())
        }));
    }

    /// Collects a finished background job's result.
    fn poll_job(&mut self, ctx: &egui::Context) {
        let Some(job) = self.job.as_mut() else { return };
        if !job.finished() {
            ctx.request_repaint_after(std::time::Duration::from_millis(50));
            return;
        }
        let result = job.join();
        self.job = None;
        self.gather_vocabulary();
        let touched = std::mem::take(&mut self.labelling);
        if !touched.is_empty() {
            self.search.dirty = true;
            if let Some(cur) = self.doc.as_ref().map(|d| d.id)
                && touched.contains(&cur)
            {
                self.select_document(cur);
            }
        }
        match result {
            Ok(msg) => match msg.split_once('\n') {
                Some((summary, _)) => {
                    self.status = format!("{summary} (report shown)");
                    self.report = Some(msg.clone());
                }
                None => self.status = msg,
            },
            Err(e) if e == "cancelled" => self.status = "Cancelled; nothing was changed".into(),
            Err(e) => self.error = Some(e),
        }
        if let Some(p) = self.project.as_mut()
            && let Err(e) = p.reload()
        {
            self.error = Some(e.to_string());
        }
        self.refresh_documents();
        if let Some(floor) = self.import_floor.take() {
            self.last_import = self
                .docs
                .iter()
                .map(|d| d.id)
                .filter(|id| floor.is_none_or(|f| *id > f))
                .collect();
        }
        if self.doc.is_none()
            && let Some(d) = self.docs.first().map(|d| d.id)
        {
            self.select_document(d);
        }
    }

    /// Stops the background work at shutdown: a running import, export or label-all job is
    /// cancelled and waited for (its transaction then ends cleanly, committed or rolled back,
    /// rather than cut off by the exit), and a project-wide search is cancelled.
    pub fn shut_down(&mut self) {
        if let Some(j) = self.search_job.take() {
            j.cancel.store(true, Ordering::Relaxed);
        }
        if let Some(job) = self.job.as_mut() {
            job.cancel.store(true, Ordering::Relaxed);
            if let Some(h) = job.handle.take() {
                let _ = h.join();
            }
        }
        self.job = None;
        if !self.unsaved.is_empty() {
            self.flush();
        }
    }

    /// Waits for the background job (tests).
    pub fn wait_for_job(&mut self, ctx: &egui::Context) {
        if let Some(h) = self.job.as_mut().and_then(|j| j.handle.as_ref()) {
            while !h.is_finished() {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        }
        self.poll_job(ctx);
    }

    fn save_labels(&mut self, set: &LabelSet) {
        let Some(p) = self.project.as_mut() else {
            return;
        };
        match p.save_labels(set) {
            Ok(()) => self.status = "Labels saved".into(),
            Err(e) => self.error = Some(e.to_string()),
        }
    }

    fn delete_label(&mut self, id: LabelId) {
        let Some(p) = self.project.as_mut() else {
            return;
        };
        match p.delete_label(id) {
            Ok(n) => {
                self.status = format!("Label deleted with its {n} spans");
                self.refresh_documents();
                if let Some(d) = self.doc.as_ref().map(|d| d.id) {
                    self.select_document(d);
                }
            }
            Err(e) => self.error = Some(e.to_string()),
        }
    }

    fn ask_path(&mut self, purpose: PathPurpose) {
        // A native dialog when a portal answers; the path field is always there as fallback.
        let picked = if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() {
            let d = rfd::FileDialog::new();
            match purpose {
                PathPurpose::Open => d.add_filter("tawsim project", &["tawsim"]).pick_file(),
                PathPurpose::New => d.add_filter("tawsim project", &["tawsim"]).save_file(),
                PathPurpose::Import => d.pick_file(),
            }
        } else {
            None
        };
        match picked {
            Some(p) => self.path_chosen(purpose, &p),
            None => self.path_dialog = Some((purpose, String::new())),
        }
    }

    /// Acts on a path typed or picked in a dialog.
    pub fn path_chosen(&mut self, purpose: PathPurpose, path: &Path) {
        let r = match purpose {
            PathPurpose::Open => self.open_project(path),
            PathPurpose::New => {
                let path = if path.extension().is_some_and(|e| e == "tawsim") {
                    path.to_path_buf()
                } else {
                    path.with_extension("tawsim")
                };
                Project::create(&path)
                    .map(|p| self.set_project(p))
                    .map_err(|e| e.to_string())
            }
            PathPurpose::Import => {
                self.import_paths(&[path.to_path_buf()]);
                Ok(())
            }
        };
        if let Err(e) = r {
            self.error = Some(e);
        }
    }

    /// Imports files (or opens a dropped project).
    pub fn import_paths(&mut self, paths: &[PathBuf]) {
        if let [one] = paths
            && one.extension().is_some_and(|e| e == "tawsim")
        {
            if let Err(e) = self.open_project(one) {
                self.error = Some(e);
            }
            return;
        }
        self.start_import(ui::transfer_dialog::ImportRequest {
            paths: paths.to_vec(),
            format: None,
            options: crate::formats::ImportOptions::default(),
        });
    }

    // ------------------------------------------------------------------ frame

    /// Builds one frame: panels, view, dialogs; then applies the commands they produced.
    pub fn frame(&mut self, ui: &mut egui::Ui) {
        let started = Instant::now();
        let ctx = ui.ctx().clone();
        let mut cmds = Vec::new();
        let labels = self.labels();
        let context = crate::keymap::KeyContext::current(&ctx, self.modal_open());
        for action in crate::keymap::read(&ctx, context, &labels) {
            match action {
                crate::keymap::Action::Command(c) => cmds.push(c),
                crate::keymap::Action::View(k) => self.view.key(k),
            }
        }
        self.dropped_files(&ctx, &mut cmds);
        if self.theme_applied != Some(self.prefs.theme) {
            ctx.set_theme(self.prefs.theme);
            self.theme_applied = Some(self.prefs.theme);
        }

        egui::Panel::top("menu").show(ui, |ui| ui::menu::menu_bar(ui, self, &mut cmds));
        egui::Panel::bottom("status").show(ui, |ui| ui::status_bar::show(ui, self, &mut cmds));
        // Side panels give way on a narrow window: the text keeps at least half of it.
        let width = ctx.content_rect().width();
        egui::Panel::left("documents")
            .resizable(true)
            .default_size(260.0_f32.min(width * 0.22))
            .size_range(100.0..=(width * 0.25).max(100.0))
            .show(ui, |ui| {
                ui::documents_panel::show(ui, self, &mut cmds);
            });
        egui::Panel::right("labels")
            .resizable(true)
            .default_size(300.0_f32.min(width * 0.25))
            .size_range(120.0..=(width * 0.3).max(120.0))
            .show(ui, |ui| {
                ui::labels_panel::show(ui, self, &labels, &mut cmds);
            });
        egui::CentralPanel::default().show(ui, |ui| self.central(ui, &labels, &mut cmds));
        self.poll_search(&ctx);
        if self.search.open {
            if self.search.dirty {
                self.run_search();
            }
            ui::search_panel::show(&ctx, self, &labels, &mut cmds);
        }
        self.dialogs(&ctx, &mut cmds);
        if let Some(mut d) = self.transfer.take()
            && ui::transfer_dialog::show(&ctx, &mut d, &mut cmds)
        {
            self.transfer = Some(d);
        }
        self.poll_job(&ctx);

        if !cmds.is_empty() {
            // Panels drawn before the commands ran show their effect next frame.
            ctx.request_repaint();
        }
        for c in cmds {
            self.apply(&ctx, c);
        }
        self.flush_if_pending();
        self.last_frame_ms = started.elapsed().as_secs_f32() * 1000.0;
        if let Some(t0) = self.exit_after_first_frame.take() {
            println!(
                "first frame {:.1} ms after start",
                t0.elapsed().as_secs_f64() * 1000.0
            );
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }

    fn flush_if_pending(&mut self) {
        // A failed write is retried only on the user's request (Retry), not every frame.
        if !self.unsaved.is_empty() && self.error.is_none() {
            self.flush();
        }
    }

    fn dropped_files(&self, ctx: &egui::Context, cmds: &mut Vec<Command>) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        if !dropped.is_empty() {
            cmds.push(Command::ImportPaths(dropped));
        }
    }

    fn central(&mut self, ui: &mut egui::Ui, labels: &LabelSet, cmds: &mut Vec<Command>) {
        let Some(doc) = &self.doc else {
            ui.centered_and_justified(|ui| {
                ui.label(if self.project.is_some() {
                    "Import documents with File > Import, or drop files here."
                } else {
                    "Open or create a project (File menu), or drop files here."
                });
            });
            return;
        };
        let ranges: Vec<(usize, usize)> = if self.search.open {
            self.search
                .hits
                .iter()
                .filter(|h| h.doc == doc.id)
                .map(|h| (h.start, h.end))
                .collect()
        } else {
            Vec::new()
        };
        let model = ui::document_view::ViewModel {
            doc_key: doc.key,
            text: &doc.text,
            spans: doc.ann.spans.as_slice(),
            labels,
            selected_span: self.selected_span,
            search_hits: &ranges,
            direction: doc.direction,
            show_marks: self.prefs.show_marks,
            font_size: self.prefs.font_size,
        };
        for ev in self.view.show(ui, &model) {
            match ev {
                ui::document_view::ViewEvent::SpanClicked(s) => {
                    cmds.push(Command::SelectSpan(Some(s)))
                }
                ui::document_view::ViewEvent::SelectionFinished { .. } => {
                    if let Some(l) = self.sticky {
                        cmds.push(Command::ApplyLabel(l));
                    }
                }
                ui::document_view::ViewEvent::SelectionChanged { .. } => {
                    cmds.push(Command::SelectSpan(None))
                }
                ui::document_view::ViewEvent::CaretMoved(_) => {}
                ui::document_view::ViewEvent::SpanResized { from, start, end } => {
                    if let Some(to) = from.with_range(start, end) {
                        cmds.push(Command::ReplaceSpan { from, to });
                    }
                }
            }
        }
    }

    fn dialogs(&mut self, ctx: &egui::Context, cmds: &mut Vec<Command>) {
        if let Some(msg) = self.error.clone() {
            let mut retry = false;
            let unsaved = !self.unsaved.is_empty();
            let max_h = (ctx.content_rect().height() - 160.0).max(80.0);
            let modal = egui::Modal::new(egui::Id::unique("error")).show(ctx, |ui| {
                ui.set_max_width(520.0);
                ui.heading("Something went wrong");
                // A long report scrolls; the buttons stay in view.
                egui::ScrollArea::vertical()
                    .max_height(max_h)
                    .auto_shrink([false, true])
                    .show(ui, |ui| {
                        ui.add(egui::Label::new(&msg).wrap());
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
                        ui.ctx().copy_text(msg.clone());
                    }
                });
            });
            let enter = ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Enter));
            if retry {
                cmds.push(Command::RetrySave);
            } else if modal.should_close() || enter {
                self.error = None;
            }
        }
        if let Some((purpose, mut text)) = self.path_dialog.take() {
            let mut done = None;
            let modal = egui::Modal::new(egui::Id::unique("path")).show(ctx, |ui| {
                ui.heading(match purpose {
                    PathPurpose::Open => "Open project",
                    PathPurpose::New => "New project",
                    PathPurpose::Import => "Import documents",
                });
                let l = ui.label(match purpose {
                    PathPurpose::Open => "Path of a .tawsim project file:",
                    PathPurpose::New => "Path of the new project file (.tawsim):",
                    PathPurpose::Import => "Path of a file or folder to import:",
                });
                if ui::path_field::show(ui, &mut text, 420.0, l.id) {
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
                Some(p) if !p.as_os_str().is_empty() => self.path_chosen(purpose, &p),
                _ if modal.should_close() => {}
                _ => self.path_dialog = Some((purpose, text)),
            }
        }
        if let Some(ids) = self.confirm_delete.clone() {
            let names: Vec<String> = ids
                .iter()
                .filter_map(|id| self.docs.iter().find(|d| d.id == *id))
                .map(|d| format!("{} ({} spans)", d.name, d.spans))
                .collect();
            let mut confirmed = false;
            let modal = egui::Modal::new(egui::Id::unique("delete-docs")).show(ctx, |ui| {
                ui.set_max_width(480.0);
                ui.heading("Delete documents");
                ui.label(format!(
                    "Delete {} document(s) with their spans and history from the project? This cannot be undone.",
                    ids.len()
                ));
                egui::ScrollArea::vertical().max_height(240.0).show(ui, |ui| {
                    for n in &names {
                        crate::ui::bidi_label::BidiLabel::new(n).size(14.0).show(ui, &mut self.bidi);
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
                self.confirm_delete = None;
                cmds.push(Command::ConfirmDeleteDocuments(ids));
            } else if modal.should_close() {
                self.confirm_delete = None;
            }
        }
        if let Some(report) = &self.report {
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
                            ui.ctx().copy_text(report.clone());
                        }
                        ui.weak("Escape closes this window");
                    });
                    ui.separator();
                    let row_h = ui.text_style_height(&egui::TextStyle::Monospace) + 2.0;
                    egui::ScrollArea::both()
                        .auto_shrink([false, false])
                        .show_rows(ui, row_h, lines.len().saturating_sub(1), |ui, rows| {
                            for l in &lines[1..][rows] {
                                ui.monospace(*l);
                            }
                        });
                });
            if !open {
                self.report = None;
            }
        }
        if self.help_open {
            let mut open = true;
            let labels = self.labels();
            egui::Window::new("Keys")
                .open(&mut open)
                .default_width(560.0)
                .default_height(480.0)
                .show(ctx, |ui| crate::ui::help::show(ui, &labels));
            self.help_open &= open;
        }
    }

    /// Deletes documents (after the user confirmed) in one transaction.
    fn delete_documents(&mut self, ids: &[DocId]) {
        let Some(p) = self.project.as_mut() else {
            return;
        };
        match p.delete_documents(ids) {
            Ok(n) => {
                self.status = format!("Deleted {n} document(s)");
                self.last_import.retain(|d| !ids.contains(d));
                if self.doc.as_ref().is_some_and(|d| ids.contains(&d.id)) {
                    self.doc = None;
                    self.selected_span = None;
                }
                self.refresh_documents();
                if self.doc.is_none()
                    && let Some(d) = self.docs.first().map(|d| d.id)
                {
                    self.select_document(d);
                }
            }
            Err(e) => self.error = Some(e.to_string()),
        }
    }

    /// Milliseconds of CPU the last frame took (frame-time meter).
    #[must_use]
    pub fn last_frame_ms(&self) -> f32 {
        self.last_frame_ms
    }

    /// Progress: (done documents, all documents, spans in all).
    #[must_use]
    pub fn progress(&self) -> (usize, usize, usize) {
        let done = self
            .docs
            .iter()
            .filter(|d| d.status == DocStatus::Done)
            .count();
        (
            done,
            self.docs.len(),
            self.docs.iter().map(|d| d.spans).sum(),
        )
    }
}

/// Words for an edit in the status line.
fn describe(e: &Edit) -> &'static str {
    match e {
        Edit::AddSpan { .. } => "adding a span",
        Edit::RemoveSpan { .. } => "removing a span",
        Edit::ReplaceSpan { .. } => "changing a span",
        Edit::SetStatus { .. } => "a status change",
        Edit::Batch { .. } => "a batch of edits",
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
    Nothing,
}
