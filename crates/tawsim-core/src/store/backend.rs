//! The store interface the session and the background operations talk to. The embedded
//! SQLite [`Project`] implements it; a second backend (PostgreSQL for teams) implements the
//! same methods with the same promises:
//!
//! - every write is one transaction, durable when the call returns;
//! - `undo_expecting`/`redo_expecting` change nothing unless the stored history step is
//!   exactly the edit the caller's in-memory history applied;
//! - `import` commits all documents or none;
//! - `worker` gives an independent handle for a background thread (a job never shares the
//!   UI thread's connection).

use super::{
    DocSummary, ImportSink, Project, SourceStats, StoreError, StoredSuggestion, SuggestionRow,
};
use crate::domain::{
    AnnotatedDocument, Annotations, Annotator, AnnotatorId, DocId, DocStatus, Document, Edit,
    History, LabelId, LabelSet, ProjectSettings, Role,
};
use std::collections::HashSet;
use std::path::Path;

/// Where an import puts its documents (inside the import's one transaction).
pub trait DocumentSink {
    /// Adds a document with its spans (labels are created by name as needed).
    fn add(&mut self, doc: AnnotatedDocument) -> Result<DocId, StoreError>;
    /// From now on a document whose text the project already holds joins it: its spans
    /// and status become the importing annotator's layer of that document.
    fn join_same_text(&mut self) -> Result<(), StoreError>;
    /// How many documents joined existing ones so far.
    fn joined(&self) -> usize;
}

impl DocumentSink for ImportSink<'_> {
    fn add(&mut self, doc: AnnotatedDocument) -> Result<DocId, StoreError> {
        ImportSink::add(self, doc)
    }
    fn join_same_text(&mut self) -> Result<(), StoreError> {
        ImportSink::join_same_text(self)
    }
    fn joined(&self) -> usize {
        ImportSink::joined(self)
    }
}

/// What "next assigned document" found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextAssigned {
    /// The store hands out no assignments to this annotator (every document is theirs).
    NotAssigned,
    /// Their next assigned document not marked done (leased to them in exclusive mode).
    Document(DocId),
    /// Every document assigned to them is done (or, in exclusive mode, taken by another).
    Finished,
    /// The server was asked; the answer comes later in [`RemoteEvents::next`].
    Asked,
}

/// What a store whose server answers later (a team project in the window) received since
/// it was last asked.
#[derive(Debug, Default)]
pub struct RemoteEvents {
    /// Labels, settings, annotators or the document list changed (someone else's change,
    /// or the answer to a question that was asked).
    pub changed: bool,
    /// A document asked for with [`Store::ready`] arrived, or could not be read.
    pub loaded: bool,
    /// The answer to "next assigned document".
    pub next: Option<NextAssigned>,
    /// New suggestions of an open document arrived (someone kept suggestions).
    pub suggestions: bool,
    /// Writes the server refused and reads that failed, for the user to read.
    pub errors: Vec<String>,
}

/// How a store that writes to a server behind the UI's back stands (team projects).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncState {
    /// Writes handed over and not yet confirmed by the server.
    pub waiting: usize,
    /// Why writes cannot reach the server now (they are kept, in order, and retried).
    pub unreachable: Option<String>,
    /// Each visible annotator's progress on their assignments: name, done, assigned.
    pub progress: Vec<(String, usize, usize)>,
}

/// Documents streamed out of a store for an export.
pub type ExportDocs<'p> = Box<dyn Iterator<Item = Result<AnnotatedDocument, StoreError>> + 'p>;

/// A project store: what the session and the operations need of one.
pub trait Store: Sized + Send + 'static {
    /// Where the project lives (a file path; a server backend names its project here).
    fn path(&self) -> &Path;
    /// A second handle on the same project, for a background thread.
    fn worker(&self) -> Result<Self, StoreError>;
    /// Reads labels and settings again (after a background job changed them).
    fn reload(&mut self) -> Result<(), StoreError>;

    /// The annotator whose layer this handle reads and writes: id (`None` until their first
    /// write to a project that did not know them), name, role.
    fn annotator(&self) -> (Option<AnnotatorId>, &str, Role);
    /// Reads and writes `name`'s layer from now on.
    fn set_annotator(&mut self, name: &str) -> Result<(), StoreError>;
    fn annotators(&self) -> Result<Vec<Annotator>, StoreError>;
    /// Whether this annotator may see `layer` (own; any for a manager; others' when the
    /// project shows layers).
    fn may_view(&self, layer: AnnotatorId) -> bool;
    /// A document's spans and status in `layer` (read-only view of another annotator's).
    fn annotations_of(&self, id: DocId, layer: AnnotatorId) -> Result<Annotations, StoreError>;

    fn settings(&self) -> ProjectSettings;
    fn save_settings(&mut self, s: ProjectSettings) -> Result<(), StoreError>;
    fn labels(&self) -> &LabelSet;
    fn save_labels(&mut self, set: &LabelSet) -> Result<(), StoreError>;
    /// Spans that use a label, in the whole project.
    fn label_usage(&self, id: LabelId) -> Result<usize, StoreError>;
    /// Deletes a label with its spans; returns how many spans went.
    fn delete_label(&mut self, id: LabelId) -> Result<usize, StoreError>;

    fn documents(&self) -> Result<Vec<DocSummary>, StoreError>;
    fn document(&self, id: DocId) -> Result<Document, StoreError>;
    fn annotations(&self, id: DocId) -> Result<Annotations, StoreError>;
    fn history(&self, id: DocId) -> Result<History, StoreError>;
    fn document_direction(&self, id: DocId) -> Result<String, StoreError>;
    fn set_document_direction(&mut self, id: DocId, direction: &str) -> Result<(), StoreError>;
    fn delete_documents(&mut self, ids: &[DocId]) -> Result<usize, StoreError>;
    fn documents_with_label(&self, label: LabelId) -> Result<HashSet<DocId>, StoreError>;
    /// Up to `limit` distinct span texts (evidence for word boundaries).
    fn entity_texts(&self, limit: usize) -> Result<Vec<String>, StoreError>;
    /// Every document's id, name and text in project order, until `f` returns `false`.
    fn for_each_document(
        &self,
        f: impl FnMut(DocId, &str, &str) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError>;

    /// Brings the project's search index up to date (a project file's; other stores have
    /// none); stops between batches when `cancel` is set. Returns documents indexed.
    fn update_text_index(
        &self,
        _cancel: &std::sync::atomic::AtomicBool,
    ) -> Result<usize, StoreError> {
        Ok(0)
    }

    /// Visits with `f` (as [`Store::for_each_document`] does, in project order) only the
    /// documents that may hold `query`, narrowed by the store's search index; `false`
    /// without visiting any when the store has no index to narrow them with (the caller
    /// then reads every document). Every document holding a match of the query is visited.
    fn for_each_candidate(
        &self,
        _query: &str,
        _f: impl FnMut(DocId, &str, &str) -> Result<bool, StoreError>,
    ) -> Result<bool, StoreError> {
        Ok(false)
    }

    /// [`Store::for_each_document`] from the first document after `after`.
    fn for_each_document_after(
        &self,
        after: DocId,
        mut f: impl FnMut(DocId, &str, &str) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        self.for_each_document(|id, name, text| {
            if id.0 <= after.0 {
                Ok(true)
            } else {
                f(id, name, text)
            }
        })
    }

    /// Applies an edit (checked by the caller against the document's annotations) and
    /// records it in the document's history.
    fn apply(&mut self, doc: DocId, edit: &Edit) -> Result<(), StoreError>;
    fn undo_expecting(&mut self, doc: DocId, applied: &Edit) -> Result<(), StoreError>;
    fn redo_expecting(&mut self, doc: DocId, applied: &Edit) -> Result<(), StoreError>;
    /// Adds `seconds` of active annotation time to this annotator's record of a document.
    fn add_time(&mut self, doc: DocId, seconds: f64) -> Result<(), StoreError>;

    /// One transaction: `f` feeds documents to the sink; committed when `f` returns `Ok`
    /// and `keep` approves its result, else nothing changes.
    fn import<R, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&mut dyn DocumentSink) -> Result<R, E>,
        keep: impl FnOnce(&R) -> bool,
    ) -> Result<R, E>;
    /// This annotator's next assigned document that they have not marked done; in
    /// exclusive mode it is leased to them and not handed to anyone else until done or the
    /// lease times out. A store without assignments says [`NextAssigned::NotAssigned`].
    fn next_assigned(&mut self) -> Result<NextAssigned, StoreError> {
        Ok(NextAssigned::NotAssigned)
    }
    /// Whether document `id` (in `layer`, one's own when `None`) can be read now; when it
    /// cannot (a server still sending it), it is asked for and [`Store::poll_remote`] says
    /// when it arrived. A local store always has it.
    fn ready(&mut self, _id: DocId, _layer: Option<AnnotatorId>) -> bool {
        true
    }
    /// What arrived from the server since the last call (nothing for a local store).
    fn poll_remote(&mut self) -> RemoteEvents {
        RemoteEvents::default()
    }
    /// How writes to the server stand; `None` for a store whose writes are done when the
    /// call returns.
    fn sync_state(&self) -> Option<SyncState> {
        None
    }
    /// The documents that pass the filters, with the spans (by label name) and statuses of
    /// `layer` (this annotator's when `None`).
    fn export_docs<'p>(
        &'p self,
        layer: Option<AnnotatorId>,
        status: Option<DocStatus>,
        labels: Option<&'p [String]>,
    ) -> Result<ExportDocs<'p>, StoreError>;
    /// Replaces source `name`'s suggestions (document, start, end, label name, score) in
    /// one transaction; see [`Project::replace_suggestions`].
    fn replace_suggestions(
        &mut self,
        _name: &str,
        _kind: &str,
        _origin: &str,
        _rows: &mut dyn Iterator<Item = Result<SuggestionRow, StoreError>>,
    ) -> Result<usize, StoreError> {
        Err(StoreError::Invalid {
            path: self.path().to_path_buf(),
            message: "this store keeps no suggestions".into(),
        })
    }
    /// Every suggestion of a document, by start (a store that keeps none has none).
    fn suggestions(&self, _id: DocId) -> Result<Vec<StoredSuggestion>, StoreError> {
        Ok(Vec::new())
    }
    /// Per source: how many suggestions it made and what `layer` (this annotator's when
    /// `None`) did with them (none for a store that keeps none).
    fn suggestion_stats(
        &self,
        _layer: Option<AnnotatorId>,
    ) -> Result<Vec<SourceStats>, StoreError> {
        Ok(Vec::new())
    }
    /// Like [`Store::export_docs`], with `layer`'s open suggestions (of source `source`, or
    /// of every source) as the spans.
    fn export_suggestions<'p>(
        &'p self,
        _layer: Option<AnnotatorId>,
        _source: Option<&'p str>,
        _status: Option<DocStatus>,
        _labels: Option<&'p [String]>,
    ) -> Result<ExportDocs<'p>, StoreError> {
        Err(StoreError::Invalid {
            path: self.path().to_path_buf(),
            message: "this store keeps no suggestions".into(),
        })
    }
}

impl Store for Project {
    fn path(&self) -> &Path {
        Project::path(self)
    }
    fn worker(&self) -> Result<Self, StoreError> {
        Project::worker(self)
    }
    fn reload(&mut self) -> Result<(), StoreError> {
        Project::reload(self)
    }
    fn annotator(&self) -> (Option<AnnotatorId>, &str, Role) {
        Project::annotator(self)
    }
    fn set_annotator(&mut self, name: &str) -> Result<(), StoreError> {
        Project::set_annotator(self, name)
    }
    fn annotators(&self) -> Result<Vec<Annotator>, StoreError> {
        Project::annotators(self)
    }
    fn may_view(&self, layer: AnnotatorId) -> bool {
        Project::may_view(self, layer)
    }
    fn annotations_of(&self, id: DocId, layer: AnnotatorId) -> Result<Annotations, StoreError> {
        Project::annotations_of(self, id, layer)
    }
    fn settings(&self) -> ProjectSettings {
        Project::settings(self)
    }
    fn save_settings(&mut self, s: ProjectSettings) -> Result<(), StoreError> {
        Project::save_settings(self, s)
    }
    fn labels(&self) -> &LabelSet {
        Project::labels(self)
    }
    fn save_labels(&mut self, set: &LabelSet) -> Result<(), StoreError> {
        Project::save_labels(self, set)
    }
    fn label_usage(&self, id: LabelId) -> Result<usize, StoreError> {
        Project::label_usage(self, id)
    }
    fn delete_label(&mut self, id: LabelId) -> Result<usize, StoreError> {
        Project::delete_label(self, id)
    }
    fn documents(&self) -> Result<Vec<DocSummary>, StoreError> {
        Project::documents(self)
    }
    fn document(&self, id: DocId) -> Result<Document, StoreError> {
        Project::document(self, id)
    }
    fn annotations(&self, id: DocId) -> Result<Annotations, StoreError> {
        Project::annotations(self, id)
    }
    fn history(&self, id: DocId) -> Result<History, StoreError> {
        Project::history(self, id)
    }
    fn document_direction(&self, id: DocId) -> Result<String, StoreError> {
        Project::document_direction(self, id)
    }
    fn set_document_direction(&mut self, id: DocId, direction: &str) -> Result<(), StoreError> {
        Project::set_document_direction(self, id, direction)
    }
    fn delete_documents(&mut self, ids: &[DocId]) -> Result<usize, StoreError> {
        Project::delete_documents(self, ids)
    }
    fn documents_with_label(&self, label: LabelId) -> Result<HashSet<DocId>, StoreError> {
        Project::documents_with_label(self, label)
    }
    fn entity_texts(&self, limit: usize) -> Result<Vec<String>, StoreError> {
        Project::entity_texts(self, limit)
    }
    fn for_each_document(
        &self,
        f: impl FnMut(DocId, &str, &str) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        Project::for_each_document(self, f)
    }
    fn for_each_document_after(
        &self,
        after: DocId,
        f: impl FnMut(DocId, &str, &str) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        Project::for_each_document_after(self, after, f)
    }
    fn update_text_index(
        &self,
        cancel: &std::sync::atomic::AtomicBool,
    ) -> Result<usize, StoreError> {
        super::TextIndex::open(self.path())?.update(self, None, Some(cancel))
    }
    fn for_each_candidate(
        &self,
        query: &str,
        f: impl FnMut(DocId, &str, &str) -> Result<bool, StoreError>,
    ) -> Result<bool, StoreError> {
        super::text_index::for_each_candidate(self, query, f)
    }
    fn apply(&mut self, doc: DocId, edit: &Edit) -> Result<(), StoreError> {
        Project::apply(self, doc, edit)
    }
    fn undo_expecting(&mut self, doc: DocId, applied: &Edit) -> Result<(), StoreError> {
        Project::undo_expecting(self, doc, applied)
    }
    fn redo_expecting(&mut self, doc: DocId, applied: &Edit) -> Result<(), StoreError> {
        Project::redo_expecting(self, doc, applied)
    }
    fn add_time(&mut self, doc: DocId, seconds: f64) -> Result<(), StoreError> {
        Project::add_time(self, doc, seconds)
    }
    fn import<R, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&mut dyn DocumentSink) -> Result<R, E>,
        keep: impl FnOnce(&R) -> bool,
    ) -> Result<R, E> {
        Project::import(self, |sink| f(sink), keep)
    }
    fn export_docs<'p>(
        &'p self,
        layer: Option<AnnotatorId>,
        status: Option<DocStatus>,
        labels: Option<&'p [String]>,
    ) -> Result<ExportDocs<'p>, StoreError> {
        Ok(Box::new(Project::export_iter(self, layer, status, labels)?))
    }
    fn suggestions(&self, id: DocId) -> Result<Vec<StoredSuggestion>, StoreError> {
        Project::suggestions(self, id)
    }
    fn suggestion_stats(&self, layer: Option<AnnotatorId>) -> Result<Vec<SourceStats>, StoreError> {
        Project::suggestion_stats(self, layer)
    }
    fn replace_suggestions(
        &mut self,
        name: &str,
        kind: &str,
        origin: &str,
        rows: &mut dyn Iterator<Item = Result<SuggestionRow, StoreError>>,
    ) -> Result<usize, StoreError> {
        Project::replace_suggestions(self, name, kind, origin, rows)
    }
    fn export_suggestions<'p>(
        &'p self,
        layer: Option<AnnotatorId>,
        source: Option<&'p str>,
        status: Option<DocStatus>,
        labels: Option<&'p [String]>,
    ) -> Result<ExportDocs<'p>, StoreError> {
        Ok(Box::new(Project::export_suggestions(
            self, layer, source, status, labels,
        )?))
    }
}
