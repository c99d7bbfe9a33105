//! The annotation session, without a window: the open project, its document list, the open
//! document with its spans and history, the edits not yet written, the selected span, the
//! statuses, search results and the background jobs (import, export, project search, label
//! all). The window owns one [`Session`]; `tawsim --script`, the CLI and the tests drive
//! one directly.
//!
//! Every edit goes through [`Session::edit`] (or undo/redo): checked against the open
//! document, recorded in its in-memory [`History`], and written to the project in one
//! transaction before the call returns. A write that fails is kept in order and retried by
//! [`Session::flush`].

use crate::domain::boundary::{self, Evidence};
use crate::domain::search::{self, Hit, Proposal, SearchOptions};
use crate::domain::{
    Annotations, Annotator, AnnotatorId, Direction, DocId, DocStatus, Edit, History, IndexedText,
    LabelId, LabelSet, ProjectSettings, Relation, Span,
};
use crate::job::{Job, JobError};
use crate::ops::{ExportRequest, ImportRequest};
use crate::store::{DocSummary, Project, Store};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

mod curation;
mod relations;
mod suggestions;
mod time;
pub use crate::domain::duration_text;
pub use curation::Curation;
pub use relations::Linking;
pub use time::IDLE;

/// At most this many search results are listed (a project-wide search of a common word).
pub const MAX_HITS: usize = 5000;

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
    pub direction: Direction,
    /// Every source's suggestions for the document (which are open depends on `ann`).
    pub suggestions: Vec<crate::store::StoredSuggestion>,
}

/// Filters of the document list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocFilter {
    pub text: String,
    pub status: Option<DocStatus>,
    pub label: Option<LabelId>,
}

/// Where to search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    #[default]
    Document,
    Project,
}

/// A search as the search window asks for it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchSpec {
    pub query: String,
    pub whole_word: bool,
    pub clitic_aware: bool,
    pub scope: Scope,
    /// Label for "label all"; results then carry proposals.
    pub label: Option<LabelId>,
}

/// The last search's results.
#[derive(Debug, Default)]
pub struct SearchResults {
    pub hits: Vec<Hit>,
    /// The list was cut at [`MAX_HITS`].
    pub truncated: bool,
    /// Occurrences the user unticked: they stay unticked when the list is searched again
    /// (after "Accept ticked"), until the query changes.
    pub unticked: HashSet<(DocId, usize, usize)>,
    /// What was searched for.
    pub spec: Option<SearchSpec>,
}

impl SearchResults {
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

/// What the session asks of the document view (the window's view drains these each frame).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewRequest {
    ClearSelection,
    /// Selects a range of text (a search result).
    Select(usize, usize),
    ScrollTo(usize),
}

/// What the session can be asked to do: the session half of the window's commands, the
/// steps of a script.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SessionOp {
    SelectDocument(DocId),
    NextDocument,
    /// The next document assigned to this annotator and not done (the next in the list
    /// when the project assigns none).
    NextAssigned,
    PreviousDocument,
    MarkDoneAndNext,
    SetStatus(DocStatus),
    /// Labels the selection (the view's, in code points), or relabels the selected span.
    ApplyLabel {
        label: LabelId,
        selection: Option<(usize, usize)>,
    },
    ToggleSticky(LabelId),
    SelectSpan(Option<Span>),
    NextSpan,
    PreviousSpan,
    DeleteSelectedSpan,
    /// Moves the selected span's start/end by whole grapheme clusters.
    ResizeSelectedSpan {
        start: isize,
        end: isize,
    },
    ReplaceSpan {
        from: Span,
        to: Span,
    },
    ToggleProclitic,
    DeleteLabel(LabelId),
    Undo,
    Redo,
    AcceptOccurrences {
        label: LabelId,
        only_ticked: bool,
    },
    /// Ticks or unticks one search result.
    SetHitAccepted {
        index: usize,
        accept: bool,
    },
    GoToRange {
        doc: DocId,
        start: usize,
        end: usize,
    },
    SetDirection(Direction),
    CancelJob,
    RetrySave,
    /// Clears the selected span and the view's selection.
    ClearSelection,
    /// Shows another annotator's layer read-only (`None`: one's own).
    ViewLayer(Option<AnnotatorId>),
    /// Curation mode on or off.
    Curate(bool),
    /// The next (`back`: previous) open suggestion becomes current (after `from`, a text
    /// position, when none is).
    NextSuggestion {
        back: bool,
        from: Option<usize>,
    },
    /// Accepts the current suggestion (or the next one after `from`).
    AcceptSuggestion {
        from: Option<usize>,
    },
    /// Rejects the current suggestion (or the next one after `from`).
    RejectSuggestion {
        from: Option<usize>,
    },
    /// Accepts every open suggestion of the document (one undo step).
    AcceptAllSuggestions,
    /// The next (`back`: previous) region the annotators disagree on.
    NextDisagreement {
        back: bool,
    },
    /// Goes to a region of the open document (an index into the curation's regions).
    GoToRegion(usize),
    /// Accepts the k-th annotator's version of the current region (`None`: rejects all).
    SettleRegion(Option<usize>),
    AcceptAgreements,
    PremergeDocument,
    SetCurationRule(crate::curation::Rule),
    /// Starts a relation from the selected span.
    StartRelation,
    /// Moves the relation's target to the next (`back`: previous) candidate.
    StepRelationTarget {
        back: bool,
    },
    /// A span clicked while a relation is made: it becomes the target.
    PickRelationTarget(Span),
    /// A relation from `from` to `to` (a drag from one's tag to the other): made at once
    /// when one type fits, else the type's key is asked for.
    LinkSpans {
        from: Span,
        to: Span,
    },
    /// Enter while a relation is made.
    ConfirmRelation,
    /// A relation type's key while a relation is made: makes it.
    FinishRelation(LabelId),
    CancelRelation,
    SelectRelation(Option<Relation>),
    DeleteRelation(Relation),
    ReverseRelation(Relation),
    RetypeRelation(Relation, LabelId),
    /// Deletes a span and its relations (the answer to the question the window asked).
    DeleteSpanWithRelations(Span),
    /// Keeps the span the user asked to delete (it has relations).
    KeepSpan,
    /// Ticks or unticks a document label.
    ToggleDocLabel(LabelId),
}

/// A store write that has not reached the file yet (kept for retry after a disk error).
/// Undo and redo carry the edit the in-memory history applied; the store checks that its
/// own history step is the same edit.
#[derive(Debug, Clone, PartialEq)]
enum StoreOp {
    Apply(Edit),
    Undo(Edit),
    Redo(Edit),
}

/// Spans per label in the whole project.
pub type LabelUsage = Arc<[(LabelId, usize)]>;

type Vocabulary = Arc<Mutex<Option<Arc<HashSet<String>>>>>;

/// The annotation session, over a project store (the SQLite [`Project`] unless told).
pub struct Session<S: Store = Project> {
    project: Option<S>,
    docs: Vec<DocSummary>,
    doc: Option<OpenDoc>,
    next_key: u64,
    pub selected_span: Option<Span>,
    /// The suggestion being reviewed (Enter accepts it, X rejects it).
    pub selected_suggestion: Option<Span>,
    /// The relation selected (in the side list or just made).
    pub selected_relation: Option<Relation>,
    /// A relation being made with the keys (the relation key was pressed).
    pub linking: Option<Linking>,
    /// A span with relations the user asked to delete: the window asks what to do.
    pub span_to_delete: Option<Span>,
    pub sticky: Option<LabelId>,
    filter: DocFilter,
    /// Documents containing the filter label (refreshed when the label filter changes).
    label_filter_docs: Option<(LabelId, u64, HashSet<DocId>)>,
    /// Bumped whenever the document list or a row of it changes.
    docs_rev: u64,
    /// The filtered list as last computed, for the filter and list revision it was made for.
    filtered: Option<(DocFilter, u64, Arc<[DocSummary]>)>,
    /// Spans per label in the whole project, for the list revision it was counted at.
    usage: Option<LabelUsage>,
    unsaved: Vec<(DocId, StoreOp)>,
    /// The last message for the status bar.
    pub status: String,
    /// An error for the user to read (the window shows it in a modal).
    pub error: Option<String>,
    /// The project's vocabulary, gathered on a background thread after opening (evidence
    /// for proclitic boundaries).
    vocabulary: Vocabulary,
    job: Option<Job<String>>,
    search_job: Option<Job<(Vec<Hit>, bool)>>,
    agreement_job: Option<Job<crate::agreement::Report>>,
    /// The last agreement computed (the window's Agreement view shows it).
    pub agreement: Option<Arc<crate::agreement::Report>>,
    pub search: SearchResults,
    /// Documents a running "label all" job writes to (the open one is reloaded after).
    labelling: Vec<DocId>,
    /// The last import's report (summary line first, then one problem a line).
    pub report: Option<String>,
    /// While an import runs: the highest document id before it (its documents come after).
    import_floor: Option<Option<DocId>>,
    last_import: Vec<DocId>,
    view_requests: Vec<ViewRequest>,
    /// The key that toggles a span's proclitic, named in the status after labelling (the
    /// window sets it from its keymap).
    pub proclitic_key: String,
    /// Who annotates: projects are opened as them, and their layer is the one edited.
    annotator: String,
    /// Another annotator's layer shown read-only instead of one's own.
    viewing: Option<Annotator>,
    /// A document still on its way from a team project's server (opened when it arrives).
    loading: Option<DocId>,
    /// Curation mode: the curated layer is edited, the annotators' layers are at hand.
    curation: Option<Curation>,
    /// Active annotation time on the open document not written yet.
    activity: Option<time::Activity>,
    /// Set to stop the background search-index update.
    indexing: Arc<std::sync::atomic::AtomicBool>,
}

impl<S: Store> Default for Session<S> {
    fn default() -> Self {
        Session {
            project: Default::default(),
            docs: Default::default(),
            doc: Default::default(),
            next_key: Default::default(),
            selected_span: Default::default(),
            selected_relation: None,
            linking: None,
            span_to_delete: None,
            selected_suggestion: None,
            sticky: Default::default(),
            filter: Default::default(),
            label_filter_docs: Default::default(),
            docs_rev: Default::default(),
            filtered: Default::default(),
            usage: Default::default(),
            unsaved: Default::default(),
            status: Default::default(),
            error: Default::default(),
            vocabulary: Default::default(),
            job: Default::default(),
            search_job: Default::default(),
            agreement_job: None,
            agreement: None,
            search: Default::default(),
            labelling: Default::default(),
            report: Default::default(),
            import_floor: Default::default(),
            last_import: Default::default(),
            view_requests: Default::default(),
            proclitic_key: Default::default(),
            annotator: crate::domain::annotator::os_user_name(),
            viewing: None,
            loading: None,
            curation: None,
            activity: None,
            indexing: Arc::default(),
        }
    }
}

impl<S: Store> Session<S> {
    #[must_use]
    pub fn new() -> Self {
        Session::default()
    }

    // ------------------------------------------------------------------ reading

    /// The annotator projects are opened as.
    #[must_use]
    pub fn annotator(&self) -> &str {
        &self.annotator
    }

    /// The layer shown instead of one's own (read-only), if any.
    #[must_use]
    pub fn viewing(&self) -> Option<&Annotator> {
        self.viewing.as_ref()
    }

    /// The project's annotators and whether this annotator may see each one's layer.
    #[must_use]
    pub fn layers(&self) -> Vec<(Annotator, bool)> {
        let Some(p) = &self.project else {
            return Vec::new();
        };
        p.annotators()
            .unwrap_or_default()
            .into_iter()
            .map(|a| {
                let ok = p.may_view(a.id);
                (a, ok)
            })
            .collect()
    }

    /// Annotates as `name` from now on (the open project's layer switches to theirs).
    pub fn set_annotator(&mut self, name: &str) -> Result<(), String> {
        let name = crate::domain::annotator::check_name(name)?;
        if !self.unsaved.is_empty() {
            return Err(format!(
                "{} edits are not saved yet: fix the error and retry before changing the annotator",
                self.unsaved.len()
            ));
        }
        self.end_activity();
        if let Some(p) = &mut self.project {
            p.set_annotator(&name).map_err(|e| e.to_string())?;
        }
        self.annotator = name;
        self.viewing = None;
        self.reload_layer();
        Ok(())
    }

    /// Shows another annotator's layer read-only (`None`: one's own again).
    pub fn view_layer(&mut self, layer: Option<AnnotatorId>) {
        let Some(p) = &self.project else { return };
        let (me, _, _) = p.annotator();
        let target = match layer {
            None => None,
            Some(id) if Some(id) == me => None,
            Some(id) => {
                let Some(a) = p
                    .annotators()
                    .unwrap_or_default()
                    .into_iter()
                    .find(|a| a.id == id)
                else {
                    self.status = "No such annotator in this project".into();
                    return;
                };
                if !p.may_view(id) {
                    self.status = format!(
                        "{}'s layer is hidden: blind annotation (a manager, or Project > Layers visible to all, can show it)",
                        a.name
                    );
                    return;
                }
                Some(a)
            }
        };
        self.status = match &target {
            Some(a) => format!("Showing {}'s layer, read-only", a.name),
            None => "Showing your layer".into(),
        };
        self.viewing = target;
        let status = std::mem::take(&mut self.status);
        self.reload_layer();
        self.status = status;
    }

    /// Reloads the document list and the open document after the layer changed.
    fn reload_layer(&mut self) {
        self.usage = None;
        self.label_filter_docs = None;
        self.refresh_documents();
        if let Some(id) = self.doc.as_ref().map(|d| d.id) {
            self.select_document(id);
        }
    }

    /// Refuses an edit while another annotator's layer is shown.
    fn read_only_layer(&mut self) -> bool {
        if let Some(a) = &self.viewing {
            self.status = format!(
                "{}'s layer is read-only: Layers > Back to my layer to annotate again",
                a.name
            );
            true
        } else {
            false
        }
    }

    #[must_use]
    pub fn project(&self) -> Option<&S> {
        self.project.as_ref()
    }

    /// The open project, for settings and tests.
    pub fn project_mut(&mut self) -> Option<&mut S> {
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

    #[must_use]
    pub fn labels(&self) -> LabelSet {
        self.label_set().cloned().unwrap_or_default()
    }

    /// The open project's labels, borrowed (no copy).
    fn label_set(&self) -> Option<&LabelSet> {
        self.project.as_ref().map(|p| p.labels())
    }

    #[must_use]
    pub fn settings(&self) -> Option<ProjectSettings> {
        self.project.as_ref().map(S::settings)
    }

    /// Edits made in memory that could not be written yet.
    #[must_use]
    pub fn unsaved_count(&self) -> usize {
        self.unsaved.len()
    }

    /// The running import, export or label-all job.
    #[must_use]
    pub fn job(&self) -> Option<&Job<String>> {
        self.job.as_ref()
    }

    /// Progress of a project-wide search still running (0..=1).
    #[must_use]
    pub fn search_progress(&self) -> Option<f32> {
        self.search_job.as_ref().map(Job::fraction)
    }

    /// The documents the last import added.
    #[must_use]
    pub fn last_import(&self) -> &[DocId] {
        &self.last_import
    }

    #[must_use]
    pub fn filter(&self) -> &DocFilter {
        &self.filter
    }

    pub fn set_filter(&mut self, f: DocFilter) {
        self.filter = f;
    }

    /// What the view should do (selection, scrolling), taken once.
    pub fn take_view_requests(&mut self) -> Vec<ViewRequest> {
        std::mem::take(&mut self.view_requests)
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

    /// Spans per label in the whole project: counted in the project once (again after an
    /// import, a deletion or a label change), then kept up to date with each edit (the label
    /// editor asks every frame).
    pub fn label_usage(&mut self) -> LabelUsage {
        if let Some(u) = &self.usage {
            return Arc::clone(u);
        }
        let Some(p) = &self.project else {
            return Arc::from(Vec::new());
        };
        let u: LabelUsage = p
            .labels()
            .iter()
            .map(|l| (l.id, p.label_usage(l.id).unwrap_or(0)))
            .collect::<Vec<_>>()
            .into();
        self.usage = Some(Arc::clone(&u));
        u
    }

    fn fail(&mut self, e: impl std::fmt::Display) {
        self.error = Some(e.to_string());
    }

    // ------------------------------------------------------------------ projects and documents

    /// Makes `project` the open one, with its first unfinished document.
    pub fn set_project(&mut self, project: S) {
        self.end_activity();
        let path = project.path().to_path_buf();
        self.annotator = project.annotator().1.to_string();
        self.project = Some(project);
        self.viewing = None;
        self.doc = None;
        self.selected_span = None;
        self.sticky = None;
        self.label_filter_docs = None;
        self.usage = None;
        self.search = SearchResults::default();
        self.agreement = None;
        self.last_import.clear();
        self.refresh_documents();
        self.gather_vocabulary();
        self.index_in_background();
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
    /// Brings the project's search index up to date on a thread of its own (a project-wide
    /// search uses what is indexed and reads the rest).
    fn index_in_background(&mut self) {
        self.indexing
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let cancel = Arc::new(std::sync::atomic::AtomicBool::new(false));
        self.indexing = Arc::clone(&cancel);
        let Some(worker) = self.project.as_ref().and_then(|p| p.worker().ok()) else {
            return;
        };
        let _ = std::thread::Builder::new()
            .name("tawsim-index".into())
            .spawn(move || {
                // The index is a cache: when it cannot be written, searches read every
                // document as before.
                let _ = worker.update_text_index(&cancel);
            });
    }

    fn gather_vocabulary(&mut self) {
        let slot = Arc::new(Mutex::new(None));
        self.vocabulary = Arc::clone(&slot);
        let Some(worker) = self.project.as_ref().and_then(|p| p.worker().ok()) else {
            return;
        };
        let spawned = std::thread::Builder::new()
            .name("tawsim-vocabulary".into())
            .spawn(move || {
                let mut words = HashSet::new();
                let _ = worker.for_each_document(|_, _, t| {
                    words.extend(boundary::vocabulary([t]));
                    Ok(true)
                });
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
                    self.usage = None;
                }
                Err(e) => self.error = Some(e.to_string()),
            }
        }
    }

    /// Opens a document of the project.
    pub fn select_document(&mut self, id: DocId) {
        if self.activity.is_some_and(|a| a.doc() != id) {
            self.end_activity();
        }
        let viewing = self.viewing.as_ref().map(|a| a.id);
        let Some(p) = self.project.as_mut() else {
            return;
        };
        if !p.ready(id, viewing) {
            self.loading = Some(id);
            self.status = "Loading the document from the server…".into();
            return;
        }
        self.loading = None;
        let p = &*p;
        let loaded = p.document(id).and_then(|d| {
            Ok((
                d,
                match viewing {
                    Some(_) => Vec::new(),
                    None => p.suggestions(id)?,
                },
                match viewing {
                    Some(layer) => p.annotations_of(id, layer)?,
                    None => p.annotations(id)?,
                },
                match viewing {
                    Some(_) => History::default(),
                    None => p.history(id)?,
                },
                p.document_direction(id)?,
            ))
        });
        match loaded {
            Ok((d, suggestions, ann, history, dir)) => {
                self.next_key += 1;
                self.doc = Some(OpenDoc {
                    id,
                    name: d.name,
                    text: IndexedText::new(d.text),
                    ann,
                    history,
                    key: self.next_key,
                    direction: Direction::parse(&dir).unwrap_or_default(),
                    suggestions,
                });
                self.selected_span = None;
                self.selected_suggestion = None;
                self.selected_relation = None;
                self.linking = None;
                self.span_to_delete = None;
                self.view_requests.push(ViewRequest::ClearSelection);
                self.load_curation();
            }
            Err(e) => self.fail(e),
        }
    }

    /// Documents that pass the list's filters, in project order (computed once per change
    /// of the filter or the list: a 100k-document project is not re-filtered every frame).
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

    /// Opens this annotator's next assigned document not done yet; in a project without
    /// assignments, the next document in the list.
    fn next_assigned(&mut self) {
        let Some(p) = self.project.as_mut() else {
            return;
        };
        let answer = p.next_assigned();
        self.take_next(answer);
    }

    /// Takes what a team project's server sent: others' changes (labels, settings, the
    /// document list, statuses), a document that was loading, the next assigned document,
    /// errors. True when anything arrived.
    fn poll_remote(&mut self) -> bool {
        let Some(p) = self.project.as_mut() else {
            return false;
        };
        let ev = p.poll_remote();
        let any =
            ev.changed || ev.loaded || ev.suggestions || ev.next.is_some() || !ev.errors.is_empty();
        if !ev.errors.is_empty() {
            self.error = Some(ev.errors.join("\n"));
        }
        if ev.changed {
            self.usage = None;
            self.label_filter_docs = None;
            self.refresh_documents();
            if self.viewing.is_some()
                && self.loading.is_none()
                && let Some(id) = self.doc.as_ref().map(|d| d.id)
            {
                // Another annotator's layer is shown: read it again.
                self.select_document(id);
            }
        }
        if ev.loaded
            && let Some(id) = self.loading.take()
        {
            self.select_document(id);
        }
        if ev.suggestions {
            self.load_suggestions();
        }
        if ev.loaded && self.curation.as_ref().is_some_and(|c| c.waiting) {
            self.load_curation();
        }
        match ev.next {
            Some(crate::store::NextAssigned::Asked) | None => {}
            Some(n) => self.take_next(Ok(n)),
        }
        any
    }

    fn take_next(&mut self, n: Result<crate::store::NextAssigned, crate::store::StoreError>) {
        match n {
            Ok(crate::store::NextAssigned::NotAssigned) => self.step_document(1),
            Ok(crate::store::NextAssigned::Document(id)) => self.select_document(id),
            Ok(crate::store::NextAssigned::Finished) => {
                self.status = "Every document assigned to you is done".into();
            }
            Ok(crate::store::NextAssigned::Asked) => {
                self.status = "Asking the server for your next document…".into();
            }
            Err(e) => self.error = Some(e.to_string()),
        }
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
        if self.read_only_layer() {
            return false;
        }
        let Some(policy) = self.settings().map(|s| s.overlap) else {
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
        if let (Some(u), StoreOp::Apply(e) | StoreOp::Undo(e) | StoreOp::Redo(e)) =
            (&mut self.usage, &op)
        {
            let mut counts = u.to_vec();
            count_spans(&mut counts, e);
            *u = counts.into();
        }
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
                StoreOp::Undo(e) => p.undo_expecting(doc, e),
                StoreOp::Redo(e) => p.redo_expecting(doc, e),
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

    /// Writes what is pending unless an error waits for the user (who retries with Retry).
    pub fn flush_if_pending(&mut self) {
        if !self.unsaved.is_empty() && self.error.is_none() {
            self.flush();
        }
    }

    fn refresh_summary(&mut self) {
        if let Some(d) = &self.doc
            && let Some(row) = self.docs.iter_mut().find(|r| r.id == d.id)
        {
            row.spans = d.ann.spans.len();
            row.status = d.ann.status;
            row.doc_labels = d.ann.doc_labels.iter().copied().collect();
            self.docs_rev += 1;
        }
    }

    fn undo(&mut self, redo: bool) {
        if self.read_only_layer() {
            return;
        }
        let Some(policy) = self.settings().map(|s| s.overlap) else {
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
        let op = if redo {
            StoreOp::Redo(edit)
        } else {
            StoreOp::Undo(edit)
        };
        self.persist(id, op);
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

    /// Labels `selection` (code points; snapped to whole words by the project's boundary
    /// rules), or relabels the selected span. True when a span was added or relabelled.
    pub fn apply_label(&mut self, label: LabelId, selection: Option<(usize, usize)>) -> bool {
        // A label key on the suggestion under review accepts it as that label (unless the
        // user selected other text since).
        if let Some(c) = self.current_suggestion().map(|c| c.span)
            && selection.is_none_or(|(a, b)| (a.min(b), a.max(b)) == (c.start, c.end))
        {
            return self.accept_suggestion(Some(label), None);
        }
        self.selected_suggestion = None;
        let Some(doc) = &self.doc else { return false };
        if let Some(span) = self.selected_span.filter(|s| doc.ann.spans.contains(*s)) {
            return span.label != label
                && self.edit(Edit::ReplaceSpan {
                    from: span,
                    to: span.with_label(label),
                });
        }
        let Some((s, e)) = selection else {
            self.status = "Select some text first (drag over it, or shift+arrows)".into();
            return false;
        };
        let Some(settings) = self.settings() else {
            return false;
        };
        let ev = self.evidence();
        let Some(doc) = &self.doc else { return false };
        let Some(snapped) = boundary::snap_selection(&doc.text, s, e, &settings, &ev) else {
            self.status = "The selection holds no word to label".into();
            return false;
        };
        let Some(span) = Span::new(snapped.start, snapped.end, label) else {
            return false;
        };
        if !self.edit(Edit::add_span_starting(span, doc.ann.status)) {
            return false;
        }
        self.view_requests.push(ViewRequest::ClearSelection);
        self.selected_span = Some(span);
        self.status = match snapped.alternative {
            Some((a, b)) => format!(
                "Labelled {}; {} for «{}»",
                self.span_text(span),
                if self.proclitic_key.is_empty() {
                    "toggle the proclitic"
                } else {
                    &self.proclitic_key
                },
                self.doc
                    .as_ref()
                    .and_then(|d| d.text.slice(a, b))
                    .unwrap_or_default()
            ),
            None => format!("Labelled {}", self.span_text(span)),
        };
        true
    }

    /// The text a span covers in the open document.
    #[must_use]
    pub fn span_text(&self, s: Span) -> String {
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
        let article = self.settings().is_some_and(|s| s.article_is_proclitic);
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
        self.view_requests.push(ViewRequest::ScrollTo(span.start));
    }

    fn set_status(&mut self, to: DocStatus) {
        if let Some(from) = self.doc.as_ref().map(|d| d.ann.status) {
            self.edit(Edit::SetStatus { from, to });
        }
    }

    fn toggle_sticky(&mut self, l: LabelId) {
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

    fn set_direction(&mut self, d: Direction) {
        if let (Some(doc), Some(p)) = (self.doc.as_mut(), self.project.as_mut()) {
            doc.direction = d;
            if let Err(e) = p.set_document_direction(doc.id, d.as_str()) {
                self.error = Some(e.to_string());
            }
        }
    }

    fn go_to_range(&mut self, doc: DocId, start: usize, end: usize) {
        if self.doc.as_ref().map(|d| d.id) != Some(doc) {
            self.select_document(doc);
        }
        self.selected_span = None;
        self.view_requests.push(ViewRequest::Select(start, end));
        self.view_requests.push(ViewRequest::ScrollTo(start));
    }

    /// Does one thing the user asked for.
    pub fn apply(&mut self, op: SessionOp) {
        match op {
            SessionOp::SelectDocument(id) => self.select_document(id),
            SessionOp::NextDocument => self.step_document(1),
            SessionOp::PreviousDocument => self.step_document(-1),
            SessionOp::MarkDoneAndNext => {
                self.set_status(DocStatus::Done);
                self.next_assigned();
            }
            SessionOp::NextAssigned => self.next_assigned(),
            SessionOp::SetStatus(s) => self.set_status(s),
            SessionOp::ApplyLabel { label, selection } => {
                self.apply_label(label, selection);
            }
            SessionOp::ToggleSticky(l) => self.toggle_sticky(l),
            SessionOp::SelectSpan(s) => {
                self.selected_span = s;
                self.selected_suggestion = None;
                self.selected_relation = None;
                if let Some(s) = s {
                    self.view_requests.push(ViewRequest::ScrollTo(s.start));
                }
            }
            SessionOp::NextSpan => self.step_span(1),
            SessionOp::PreviousSpan => self.step_span(-1),
            SessionOp::DeleteSelectedSpan => self.delete_selected(),
            SessionOp::ResizeSelectedSpan { start, end } => self.resize_selected(start, end),
            SessionOp::ReplaceSpan { from, to } => {
                self.edit(Edit::ReplaceSpan { from, to });
            }
            SessionOp::ToggleProclitic => self.toggle_proclitic(),
            SessionOp::DeleteLabel(id) => self.delete_label(id),
            SessionOp::Undo => self.undo(false),
            SessionOp::Redo => self.undo(true),
            SessionOp::AcceptOccurrences { label, only_ticked } => {
                self.accept_occurrences(label, only_ticked);
            }
            SessionOp::SetHitAccepted { index, accept } => self.set_hit_accepted(index, accept),
            SessionOp::GoToRange { doc, start, end } => self.go_to_range(doc, start, end),
            SessionOp::SetDirection(d) => self.set_direction(d),
            SessionOp::CancelJob => {
                if let Some(j) = &self.job {
                    j.cancel();
                }
            }
            SessionOp::RetrySave => {
                self.error = None;
                self.flush();
            }
            SessionOp::ClearSelection => {
                self.selected_span = None;
                self.selected_suggestion = None;
                self.view_requests.push(ViewRequest::ClearSelection);
            }
            SessionOp::ViewLayer(layer) => self.view_layer(layer),
            SessionOp::Curate(on) => self.set_curating(on),
            SessionOp::NextSuggestion { back, from } => self.step_suggestion(back, from),
            SessionOp::AcceptSuggestion { from } => {
                self.accept_suggestion(None, from);
            }
            SessionOp::RejectSuggestion { from } => {
                self.reject_suggestion(from);
            }
            SessionOp::AcceptAllSuggestions => self.accept_all_suggestions(),
            SessionOp::NextDisagreement { back } => self.next_disagreement(back),
            SessionOp::GoToRegion(i) => self.go_to_region(i),
            SessionOp::SettleRegion(k) => self.settle_region(k),
            SessionOp::AcceptAgreements => self.accept_agreements(),
            SessionOp::PremergeDocument => self.premerge_document(),
            SessionOp::SetCurationRule(r) => self.set_curation_rule(r),
            op => self.apply_relation_op(op),
        }
        self.forget_stale_relation_state();
    }

    // ------------------------------------------------------------------ labels and settings

    /// Saves a new label set (add, rename, recolour, reorder, hotkeys).
    pub fn save_labels(&mut self, set: &LabelSet) {
        let Some(p) = self.project.as_mut() else {
            return;
        };
        self.usage = None;
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
                if self.sticky == Some(id) {
                    self.sticky = None;
                }
                self.refresh_documents();
                if let Some(d) = self.doc.as_ref().map(|d| d.id) {
                    self.select_document(d);
                }
            }
            Err(e) => self.fail(e),
        }
    }

    /// Saves the project's overlap policy and boundary rules.
    pub fn save_settings(&mut self, s: ProjectSettings) {
        if let Some(p) = self.project.as_mut() {
            match p.save_settings(s) {
                Ok(()) => self.status = "Project settings saved".into(),
                Err(e) => self.error = Some(e.to_string()),
            }
        }
    }

    /// Writes the label set as JSON to `path`.
    pub fn export_labels(&mut self, path: &Path) -> Result<String, String> {
        std::fs::write(path, self.labels().to_json())
            .map(|()| format!("Wrote {}", path.display()))
            .map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Reads a label set from JSON and merges it into the project's (labels with the same
    /// name keep their ids, so existing spans stay theirs); the caller shows it as a draft.
    pub fn read_labels(&self, path: &Path) -> Result<LabelSet, String> {
        let set = std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|j| LabelSet::from_json(&j).map_err(|e| e.to_string()))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let mut merged = self.labels();
        for l in set.iter() {
            if let Ok(id) = merged.ensure(&l.name)
                && let Some(m) = merged.get_mut(id)
            {
                m.color = l.color;
                m.description.clone_from(&l.description);
                m.enabled = l.enabled;
            }
        }
        Ok(merged)
    }

    /// Deletes documents (after the user confirmed) in one transaction.
    pub fn delete_documents(&mut self, ids: &[DocId]) {
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
            Err(e) => self.fail(e),
        }
    }

    // ------------------------------------------------------------------ search

    /// Runs a search: over the open document at once, over the project on a background
    /// thread (a new search cancels the previous one). A new query clears the unticked rows.
    pub fn search(&mut self, spec: SearchSpec) {
        if self
            .search
            .spec
            .as_ref()
            .is_none_or(|s| s.query != spec.query)
        {
            self.search.unticked.clear();
        }
        self.search.hits.clear();
        self.search.truncated = false;
        self.search.spec = Some(spec.clone());
        if let Some(old) = self.search_job.take() {
            old.cancel();
        }
        let (Some(p), Some(cur)) = (&self.project, &self.doc) else {
            return;
        };
        if spec.query.trim().is_empty() {
            return;
        }
        let query = search::Query {
            text: spec.query.clone(),
            opts: SearchOptions {
                whole_word: spec.whole_word,
                clitic_aware: spec.clitic_aware,
            },
            label: spec.label,
            policy: p.settings().overlap,
        };
        if spec.scope == Scope::Document {
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
            "Searching the project",
            self.docs.len() as u64,
            move |pr| {
                let cur = Some((current.0, &current.1, &current.2));
                match crate::ops::search_project(
                    &worker,
                    &query,
                    cur,
                    MAX_HITS,
                    Some(&pr.done),
                    Some(&pr.cancel),
                ) {
                    Ok(Some(found)) => Ok(found),
                    Ok(None) => Err(JobError::Cancelled),
                    Err(e) => Err(JobError::Failed(e.to_string())),
                }
            },
        ));
    }

    /// Runs the last search again (after labelling changed the proposals).
    pub fn search_again(&mut self) {
        if let Some(spec) = self.search.spec.clone() {
            self.search(spec);
        }
    }

    fn set_hit_accepted(&mut self, index: usize, accept: bool) {
        let Some(h) = self.search.hits.get_mut(index) else {
            return;
        };
        h.accept = accept;
        let key = (h.doc, h.start, h.end);
        if accept {
            self.search.unticked.remove(&key);
        } else {
            self.search.unticked.insert(key);
        }
    }

    /// Labels the occurrences the search lists: one undo step per document. The open
    /// document is labelled at once; the others on a background job with progress.
    fn accept_occurrences(&mut self, label: LabelId, only_ticked: bool) {
        if self.read_only_layer() {
            return;
        }
        if self.job.is_some() {
            self.status = "Another job is running; label when it has finished".into();
            return;
        }
        let mut by_doc: BTreeMap<DocId, Vec<Edit>> = BTreeMap::new();
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
            self.search_again();
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
        self.job = Some(Job::spawn(
            "Labelling occurrences",
            batches.len() as u64,
            move |pr| {
                let r = crate::ops::label_occurrences(
                    &mut worker,
                    batches,
                    Some(&pr.done),
                    Some(&pr.cancel),
                )
                .map_err(|e| JobError::Failed(e.to_string()))?;
                let mut msg = format!(
                    "Labelled {} occurrence(s) in {} document(s)",
                    r.spans + added,
                    r.documents + usize::from(added > 0)
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

    // ------------------------------------------------------------------ import and export

    /// Starts an import on a background thread (one transaction: all or nothing).
    pub fn start_import(&mut self, r: ImportRequest) {
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
        let total = crate::ops::total_size(&r.paths);
        self.import_floor = Some(self.docs.iter().map(|d| d.id).max());
        let title = format!(
            "Importing {}",
            r.paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        self.job = Some(Job::spawn(title, total, move |pr| {
            crate::ops::run_import(&mut worker, &r, pr)
        }));
    }

    /// Starts an export on a background thread.
    pub fn start_export(&mut self, mut r: ExportRequest) {
        if r.filter.layer.is_none() {
            r.filter.layer = self.viewing.as_ref().map(|a| a.id);
        }
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
        self.job = Some(Job::spawn(title, total, move |pr| {
            crate::ops::run_export(&worker, &r, pr)
        }));
    }

    // ------------------------------------------------------------------ background work

    /// Takes finished background results; true while something still runs (the window then
    /// asks for another frame soon).
    pub fn poll(&mut self) -> bool {
        self.poll_remote();
        let searching = self.poll_search();
        let working = self.poll_job();
        let agreeing = self.poll_agreement();
        searching || working || agreeing
    }

    /// Computes inter-annotator agreement of every annotator who annotated a document, on a
    /// background thread (the result lands in [`Session::agreement`]).
    pub fn compute_agreement(&mut self) {
        let Some(p) = &self.project else { return };
        if self.agreement_job.is_some() {
            return;
        }
        let worker = match p.worker() {
            Ok(w) => w,
            Err(e) => return self.fail(e),
        };
        let layers = p.annotators().map_or(1, |a| a.len().max(1));
        let total = (self.docs.len() * layers) as u64;
        self.agreement_job = Some(Job::spawn("Computing agreement", total, move |pr| {
            crate::agreement::of_store(&worker, &[], &[], Some(pr)).map_err(|e| pr.failed(e))
        }));
    }

    /// The agreement computation while it runs.
    #[must_use]
    pub fn agreement_job(&self) -> Option<&Job<crate::agreement::Report>> {
        self.agreement_job.as_ref()
    }

    fn poll_agreement(&mut self) -> bool {
        let Some(job) = self.agreement_job.take() else {
            return false;
        };
        if !job.finished() {
            self.agreement_job = Some(job);
            return true;
        }
        match job.join() {
            Ok(r) => {
                self.status = format!(
                    "Agreement of {} annotator(s) over {} document(s)",
                    r.annotators.len(),
                    r.documents.len()
                );
                self.agreement = Some(Arc::new(r));
            }
            Err(JobError::Cancelled) => {}
            Err(JobError::Failed(e)) => self.error = Some(e),
        }
        false
    }

    /// How writes to a team project's server stand (`None` for a project file).
    #[must_use]
    pub fn sync_state(&self) -> Option<crate::store::SyncState> {
        self.project.as_ref().and_then(Store::sync_state)
    }

    fn poll_search(&mut self) -> bool {
        let Some(job) = self.search_job.take() else {
            return false;
        };
        if !job.finished() {
            self.search_job = Some(job);
            return true;
        }
        match job.join() {
            Ok((hits, truncated)) => self.search.set_hits(hits, truncated),
            Err(JobError::Cancelled) => {}
            Err(JobError::Failed(e)) => self.error = Some(e),
        }
        false
    }

    fn poll_job(&mut self) -> bool {
        let Some(job) = self.job.take() else {
            return false;
        };
        if !job.finished() {
            self.job = Some(job);
            return true;
        }
        let result = job.join();
        // Labels and settings again first (a team project also drops what it kept of the
        // documents the job may have written), then the open document.
        if let Some(p) = self.project.as_mut()
            && let Err(e) = p.reload()
        {
            self.error = Some(e.to_string());
        }
        self.gather_vocabulary();
        self.index_in_background();
        self.load_suggestions();
        let touched = std::mem::take(&mut self.labelling);
        if !touched.is_empty() {
            if let Some(cur) = self.doc.as_ref().map(|d| d.id)
                && touched.contains(&cur)
            {
                self.select_document(cur);
            }
            self.search_again();
        }
        match result {
            Ok(msg) => match msg.split_once('\n') {
                Some((summary, _)) => {
                    self.status = format!("{summary} (report shown)");
                    self.report = Some(msg.clone());
                }
                None => self.status = msg,
            },
            Err(JobError::Cancelled) => self.status = "Cancelled; nothing was changed".into(),
            Err(JobError::Failed(e)) => self.error = Some(e),
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
        false
    }

    /// Waits for the background job and a project search, and takes their results.
    pub fn wait(&mut self) {
        while self.poll() {
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }

    /// Stops the background work at shutdown: a running import, export or label-all job is
    /// cancelled and waited for (its transaction then ends cleanly, committed or rolled back,
    /// rather than cut off by the exit), a project search is cancelled, and pending edits
    /// are written.
    pub fn shut_down(&mut self) {
        self.end_activity();
        self.indexing
            .store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(j) = self.search_job.take() {
            j.cancel();
        }
        if let Some(job) = self.job.take() {
            job.cancel();
            let _ = job.join();
        }
        if !self.unsaved.is_empty() {
            self.flush();
        }
    }
}

impl<S: Store + From<Project>> Session<S> {
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
        self.start_import(ImportRequest {
            paths: paths.to_vec(),
            format: None,
            options: crate::formats::ImportOptions::default(),
        });
    }

    /// Opens a project file (creating none), and its first unfinished document.
    pub fn open_project(&mut self, path: &Path) -> Result<(), String> {
        if !self.unsaved.is_empty() {
            return Err(format!(
                "{} edits are not saved yet: fix the error and retry before switching projects",
                self.unsaved.len()
            ));
        }
        let project = Project::open_as(path, &self.annotator).map_err(|e| e.to_string())?;
        self.set_project(project.into());
        Ok(())
    }

    /// Creates a project file (`.tawsim` is added when the name has no extension of it) and
    /// opens it.
    pub fn create_project(&mut self, path: &Path) -> Result<(), String> {
        let path = if path.extension().is_some_and(|e| e == "tawsim") {
            path.to_path_buf()
        } else {
            path.with_extension("tawsim")
        };
        let p = Project::create_as(&path, &self.annotator).map_err(|e| e.to_string())?;
        self.set_project(p.into());
        Ok(())
    }
}

/// Adds the spans an applied edit added to `counts`, and takes off those it removed.
fn count_spans(counts: &mut Vec<(LabelId, usize)>, e: &Edit) {
    let mut add = |l: LabelId, up: bool| match counts.iter_mut().find(|(id, _)| *id == l) {
        Some((_, n)) if up => *n += 1,
        Some((_, n)) => *n = n.saturating_sub(1),
        None if up => counts.push((l, 1)),
        None => {}
    };
    match e {
        Edit::AddSpan { span } => add(span.label, true),
        Edit::RemoveSpan { span } => add(span.label, false),
        Edit::ReplaceSpan { from, to } => {
            add(from.label, false);
            add(to.label, true);
        }
        Edit::AddRelation { relation } => add(relation.label, true),
        Edit::RemoveRelation { relation } => add(relation.label, false),
        Edit::AddDocLabel { label } => add(*label, true),
        Edit::RemoveDocLabel { label } => add(*label, false),
        Edit::SetStatus { .. } | Edit::Reject { .. } | Edit::Unreject { .. } => {}
        Edit::Batch { edits } => {
            for e in edits {
                count_spans(counts, e);
            }
        }
    }
}

/// Words for an edit in the status line.
fn describe(e: &Edit) -> &'static str {
    match e {
        Edit::AddSpan { .. } => "adding a span",
        Edit::RemoveSpan { .. } => "removing a span",
        Edit::ReplaceSpan { .. } => "changing a span",
        Edit::SetStatus { .. } => "a status change",
        Edit::Reject { .. } => "rejecting a suggestion",
        Edit::Unreject { .. } => "taking a rejection back",
        Edit::AddRelation { .. } => "adding a relation",
        Edit::RemoveRelation { .. } => "removing a relation",
        Edit::AddDocLabel { .. } => "adding a document label",
        Edit::RemoveDocLabel { .. } => "removing a document label",
        Edit::Batch { .. } => "a batch of edits",
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn session_with(text: &str) -> (tempfile::TempDir, Session) {
        let dir = tempfile::tempdir().expect("tmp");
        let src = dir.path().join("a.txt");
        std::fs::write(&src, text).expect("write");
        let path = dir.path().join("p.tawsim");
        let (p, _) = crate::ops::import_new(
            &path,
            &[src],
            None,
            &crate::formats::ImportOptions::default(),
        )
        .expect("import");
        let mut s = Session::new();
        s.set_project(p);
        (dir, s)
    }

    #[test]
    fn another_layer_is_shown_read_only_and_blind_annotators_cannot_show_it() {
        let (dir, mut s) = session_with("زار محمد بنغازي يوم الأحد");
        let l = first_label(&s);
        s.set_annotator("amina").expect("amina");
        assert!(s.apply_label(l, Some((4, 8))));
        s.set_annotator("bilal").expect("bilal");
        assert!(
            s.current().expect("doc").ann.spans.is_empty(),
            "his own, empty layer"
        );
        assert!(s.apply_label(l, Some((9, 15))));
        let amina = s
            .layers()
            .into_iter()
            .find(|(a, _)| a.name == "amina")
            .expect("amina");
        // The project's first annotator (the OS user, who imported) is its manager; bilal
        // annotates blind: amina's layer stays hidden from him.
        assert!(!amina.1);
        s.apply(SessionOp::ViewLayer(Some(amina.0.id)));
        assert!(s.viewing().is_none());
        assert!(s.status.contains("hidden"), "{}", s.status);
        // The manager shows it, read-only.
        s.set_annotator(&crate::domain::annotator::os_user_name())
            .expect("manager");
        s.apply(SessionOp::ViewLayer(Some(amina.0.id)));
        assert_eq!(s.viewing().map(|a| a.name.as_str()), Some("amina"));
        let shown: Vec<(usize, usize)> = s
            .current()
            .expect("doc")
            .ann
            .spans
            .iter()
            .map(|x| (x.start, x.end))
            .collect();
        assert_eq!(shown, vec![(4, 8)]);
        assert!(!s.apply_label(l, Some((9, 15))), "read-only");
        assert!(s.status.contains("read-only"), "{}", s.status);
        s.apply(SessionOp::ViewLayer(None));
        assert!(s.viewing().is_none());
        assert!(s.current().expect("doc").ann.spans.is_empty());
        drop(s);
        let p = Project::open_read_only_as(&dir.path().join("p.tawsim"), "amina").expect("read");
        let id = p.documents().expect("docs")[0].id;
        assert_eq!(
            p.annotations(id).expect("ann").spans.len(),
            1,
            "nothing written to hers"
        );
    }

    fn first_label(s: &Session) -> LabelId {
        s.labels().iter().next().expect("a default label").id
    }

    #[test]
    fn a_label_on_a_selection_is_written_and_undone_through_the_store() {
        let (_d, mut s) = session_with("ذهب محمد إلى بنغازي");
        let l = first_label(&s);
        assert!(s.apply_label(l, Some((4, 8))));
        let id = s.current().expect("doc").id;
        let path = s.project().expect("p").path().to_path_buf();
        let stored = || {
            Project::open_read_only(&path)
                .and_then(|p| p.annotations(id))
                .expect("read")
        };
        assert_eq!(stored().spans.len(), 1);
        assert_eq!(stored().status, DocStatus::InProgress);
        s.apply(SessionOp::Undo);
        assert_eq!(s.unsaved_count(), 0);
        assert!(s.error.is_none(), "{:?}", s.error);
        assert_eq!(stored().spans.len(), 0);
        s.apply(SessionOp::Redo);
        assert_eq!(stored().spans.len(), 1);
    }

    #[test]
    fn an_undo_the_file_history_does_not_match_is_refused_and_kept() {
        let (_d, mut s) = session_with("ذهب محمد إلى بنغازي");
        let l = first_label(&s);
        assert!(s.apply_label(l, Some((4, 8))));
        let id = s.current().expect("doc").id;
        // Someone else undoes the step in the file behind the session's back.
        s.project_mut()
            .expect("p")
            .undo(id)
            .expect("undo in the file");
        s.apply(SessionOp::Undo);
        assert!(s.error.is_some(), "the mismatch is reported");
        assert_eq!(s.unsaved_count(), 1, "the undo waits for a retry");
    }

    #[test]
    fn label_usage_counts_the_project_and_follows_edits() {
        let (_d, mut s) = session_with("ذهب محمد إلى بنغازي");
        let l = first_label(&s);
        let count = |s: &mut Session| {
            s.label_usage()
                .iter()
                .find(|(id, _)| *id == l)
                .map_or(0, |u| u.1)
        };
        assert_eq!(count(&mut s), 0);
        assert!(s.apply_label(l, Some((13, 19))));
        assert_eq!(count(&mut s), 1);
        s.apply(SessionOp::ClearSelection);
        assert!(s.apply_label(l, Some((4, 8))));
        s.apply(SessionOp::Undo);
        assert_eq!(count(&mut s), 1, "undo takes the span off");
        s.apply(SessionOp::Redo);
        assert_eq!(count(&mut s), 2);
        // The counts kept up with edits are the project's.
        let stored = s.project().expect("p").label_usage(l).expect("count");
        assert_eq!(count(&mut s), stored);
    }

    #[test]
    fn go_to_range_asks_the_view_to_select_and_scroll() {
        let (_d, mut s) = session_with("ذهب محمد إلى بنغازي");
        s.take_view_requests();
        let doc = s.current().expect("doc").id;
        s.apply(SessionOp::GoToRange {
            doc,
            start: 4,
            end: 8,
        });
        assert_eq!(
            s.take_view_requests(),
            vec![ViewRequest::Select(4, 8), ViewRequest::ScrollTo(4)]
        );
    }

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
        let mut r = SearchResults::default();
        r.set_hits(vec![hit(1, 0), hit(1, 10), hit(2, 5)], false);
        r.unticked.insert((DocId(1), 10, 13));
        // "Accept ticked" searches again: fresh hits come back ticked.
        r.set_hits(vec![hit(1, 10), hit(2, 5)], false);
        let ticks: Vec<bool> = r.hits.iter().map(|h| h.accept).collect();
        assert_eq!(ticks, vec![false, true]);
    }

    #[test]
    fn unticking_through_the_session_survives_the_same_query_not_a_new_one() {
        let (_d, mut s) = session_with("بنغازي ثم بنغازي ثم بنغازي");
        let spec = SearchSpec {
            query: "بنغازي".into(),
            label: Some(first_label(&s)),
            ..SearchSpec::default()
        };
        s.search(spec.clone());
        assert_eq!(s.search.hits.len(), 3);
        s.apply(SessionOp::SetHitAccepted {
            index: 1,
            accept: false,
        });
        s.search(spec.clone());
        let ticks: Vec<bool> = s.search.hits.iter().map(|h| h.accept).collect();
        assert_eq!(ticks, vec![true, false, true]);
        s.search(SearchSpec {
            query: "ثم".into(),
            ..spec
        });
        assert!(s.search.hits.iter().all(|h| h.accept));
    }
}
