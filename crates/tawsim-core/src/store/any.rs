//! The store the window opens: a project file, or a team project kept in memory in front of
//! its server ([`TeamMirror`]). Background jobs on a team project get a connection of
//! their own ([`AnyStore::Server`]), where waiting for the server blocks no one.

use super::backend::{DocumentSink, ExportDocs, NextAssigned, RemoteEvents, Store, SyncState};
use super::mirror::TeamMirror;
use super::pg::PgProject;
use super::{DocSummary, Project, SourceStats, StoreError, StoredSuggestion, SuggestionRow};
use crate::domain::{
    Annotations, Annotator, AnnotatorId, DocId, DocStatus, Document, Edit, History, LabelId,
    LabelSet, ProjectSettings, Role,
};
use std::collections::HashSet;
use std::path::Path;

/// A project file or a team project.
pub enum AnyStore {
    /// A `.tawsim` file.
    File(Project),
    /// A team project as the window holds it.
    Team(TeamMirror),
    /// A direct connection to a team project's server (a background job's handle).
    Server(PgProject),
}

impl From<Project> for AnyStore {
    fn from(p: Project) -> Self {
        AnyStore::File(p)
    }
}

impl From<TeamMirror> for AnyStore {
    fn from(m: TeamMirror) -> Self {
        AnyStore::Team(m)
    }
}

impl AnyStore {
    /// The project file, when this is one (tests and file-only settings).
    pub fn file_mut(&mut self) -> Option<&mut Project> {
        match self {
            AnyStore::File(p) => Some(p),
            _ => None,
        }
    }

    /// The team project, when this is one.
    #[must_use]
    pub fn team(&self) -> Option<&TeamMirror> {
        match self {
            AnyStore::Team(m) => Some(m),
            _ => None,
        }
    }
}

/// Calls the same method on whichever store this is; `$team` is what the team copy does.
macro_rules! each {
    ($self:expr, $p:ident => $local:expr, $m:ident => $team:expr) => {
        match $self {
            AnyStore::File($p) => $local,
            AnyStore::Server($p) => $local,
            AnyStore::Team($m) => $team,
        }
    };
}

impl Store for AnyStore {
    fn path(&self) -> &Path {
        each!(self, p => p.path(), m => m.path())
    }
    fn worker(&self) -> Result<Self, StoreError> {
        match self {
            AnyStore::File(p) => p.worker().map(AnyStore::File),
            AnyStore::Server(p) => p.worker().map(AnyStore::Server),
            AnyStore::Team(m) => m.take_worker().map(AnyStore::Server),
        }
    }
    fn reload(&mut self) -> Result<(), StoreError> {
        each!(self, p => p.reload(), m => {
            m.reload();
            Ok(())
        })
    }
    fn annotator(&self) -> (Option<AnnotatorId>, &str, Role) {
        each!(self, p => p.annotator(), m => m.annotator())
    }
    fn set_annotator(&mut self, name: &str) -> Result<(), StoreError> {
        each!(self, p => p.set_annotator(name), m => m.set_annotator(name))
    }
    fn annotators(&self) -> Result<Vec<Annotator>, StoreError> {
        each!(self, p => p.annotators(), m => Ok(m.annotators()))
    }
    fn may_view(&self, layer: AnnotatorId) -> bool {
        each!(self, p => p.may_view(layer), m => m.may_view(layer))
    }
    fn annotations_of(&self, id: DocId, layer: AnnotatorId) -> Result<Annotations, StoreError> {
        each!(self, p => p.annotations_of(id, layer), m => m.annotations_of(id, layer))
    }
    fn settings(&self) -> ProjectSettings {
        each!(self, p => p.settings(), m => m.settings())
    }
    fn save_settings(&mut self, s: ProjectSettings) -> Result<(), StoreError> {
        each!(self, p => p.save_settings(s), m => {
            m.save_settings(s);
            Ok(())
        })
    }
    fn labels(&self) -> &LabelSet {
        each!(self, p => p.labels(), m => m.labels())
    }
    fn save_labels(&mut self, set: &LabelSet) -> Result<(), StoreError> {
        each!(self, p => p.save_labels(set), m => {
            m.save_labels(set);
            Ok(())
        })
    }
    fn label_usage(&self, id: LabelId) -> Result<usize, StoreError> {
        each!(self, p => p.label_usage(id), m => Ok(m.label_usage(id)))
    }
    fn delete_label(&mut self, id: LabelId) -> Result<usize, StoreError> {
        each!(self, p => p.delete_label(id), m => Ok(m.delete_label(id)))
    }
    fn documents(&self) -> Result<Vec<DocSummary>, StoreError> {
        each!(self, p => p.documents(), m => Ok(m.documents()))
    }
    fn document(&self, id: DocId) -> Result<Document, StoreError> {
        each!(self, p => p.document(id), m => m.document(id))
    }
    fn annotations(&self, id: DocId) -> Result<Annotations, StoreError> {
        each!(self, p => p.annotations(id), m => m.annotations(id))
    }
    fn history(&self, id: DocId) -> Result<History, StoreError> {
        each!(self, p => p.history(id), m => m.history(id))
    }
    fn document_direction(&self, id: DocId) -> Result<String, StoreError> {
        each!(self, p => p.document_direction(id), m => m.document_direction(id))
    }
    fn set_document_direction(&mut self, id: DocId, direction: &str) -> Result<(), StoreError> {
        each!(self, p => p.set_document_direction(id, direction), m => {
            m.set_document_direction(id, direction);
            Ok(())
        })
    }
    fn delete_documents(&mut self, ids: &[DocId]) -> Result<usize, StoreError> {
        each!(self, p => p.delete_documents(ids), m => Ok(m.delete_documents(ids)))
    }
    fn documents_with_label(&self, label: LabelId) -> Result<HashSet<DocId>, StoreError> {
        each!(self, p => p.documents_with_label(label), m => m.documents_with_label(label))
    }
    fn entity_texts(&self, limit: usize) -> Result<Vec<String>, StoreError> {
        each!(self, p => p.entity_texts(limit), m => Ok(m.entity_texts(limit)))
    }
    fn for_each_document(
        &self,
        f: impl FnMut(DocId, &str, &str) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        each!(self, p => p.for_each_document(f), m => Err(m.not_on_the_ui_thread("reading every document")))
    }
    fn apply(&mut self, doc: DocId, edit: &Edit) -> Result<(), StoreError> {
        each!(self, p => p.apply(doc, edit), m => m.apply(doc, edit))
    }
    fn undo_expecting(&mut self, doc: DocId, applied: &Edit) -> Result<(), StoreError> {
        each!(self, p => p.undo_expecting(doc, applied), m => m.step(doc, applied, false))
    }
    fn redo_expecting(&mut self, doc: DocId, applied: &Edit) -> Result<(), StoreError> {
        each!(self, p => p.redo_expecting(doc, applied), m => m.step(doc, applied, true))
    }
    fn add_time(&mut self, doc: DocId, seconds: f64) -> Result<(), StoreError> {
        each!(self, p => p.add_time(doc, seconds), m => m.add_time(doc, seconds))
    }
    fn import<R, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&mut dyn DocumentSink) -> Result<R, E>,
        keep: impl FnOnce(&R) -> bool,
    ) -> Result<R, E> {
        each!(self, p => Store::import(p, f, keep), m => Err(m.not_on_the_ui_thread("an import").into()))
    }
    fn next_assigned(&mut self) -> Result<NextAssigned, StoreError> {
        each!(self, p => p.next_assigned(), m => Ok(m.next_assigned()))
    }
    fn ready(&mut self, id: DocId, layer: Option<AnnotatorId>) -> bool {
        each!(self, p => p.ready(id, layer), m => m.ready(id, layer))
    }
    fn poll_remote(&mut self) -> RemoteEvents {
        each!(self, p => p.poll_remote(), m => m.poll())
    }
    fn sync_state(&self) -> Option<SyncState> {
        each!(self, p => p.sync_state(), m => Some(m.sync_state()))
    }
    fn export_docs<'p>(
        &'p self,
        layer: Option<AnnotatorId>,
        status: Option<DocStatus>,
        labels: Option<&'p [String]>,
    ) -> Result<ExportDocs<'p>, StoreError> {
        each!(self, p => p.export_docs(layer, status, labels), m => Err(m.not_on_the_ui_thread("an export")))
    }
    fn replace_suggestions(
        &mut self,
        name: &str,
        kind: &str,
        origin: &str,
        rows: &mut dyn Iterator<Item = Result<SuggestionRow, StoreError>>,
    ) -> Result<usize, StoreError> {
        match self {
            AnyStore::File(p) => Store::replace_suggestions(p, name, kind, origin, rows),
            AnyStore::Server(p) => p.replace_suggestions(name, kind, origin, rows),
            AnyStore::Team(m) => Err(m.not_on_the_ui_thread("keeping suggestions")),
        }
    }
    fn update_text_index(
        &self,
        cancel: &std::sync::atomic::AtomicBool,
    ) -> Result<usize, StoreError> {
        match self {
            AnyStore::File(p) => Store::update_text_index(p, cancel),
            AnyStore::Server(p) => p.update_text_index(cancel),
            AnyStore::Team(_) => Ok(0),
        }
    }
    fn for_each_candidate(
        &self,
        query: &str,
        f: impl FnMut(DocId, &str, &str) -> Result<bool, StoreError>,
    ) -> Result<bool, StoreError> {
        match self {
            AnyStore::File(p) => Store::for_each_candidate(p, query, f),
            AnyStore::Server(p) => p.for_each_candidate(query, f),
            AnyStore::Team(_) => Ok(false),
        }
    }
    fn suggestions(&self, id: DocId) -> Result<Vec<StoredSuggestion>, StoreError> {
        match self {
            AnyStore::File(p) => Store::suggestions(p, id),
            AnyStore::Server(p) => p.suggestions(id),
            AnyStore::Team(m) => m.suggestions(id),
        }
    }
    fn suggestion_stats(&self, layer: Option<AnnotatorId>) -> Result<Vec<SourceStats>, StoreError> {
        match self {
            AnyStore::File(p) => Store::suggestion_stats(p, layer),
            AnyStore::Server(p) => p.suggestion_stats(layer),
            AnyStore::Team(_) => Ok(Vec::new()),
        }
    }
    fn export_suggestions<'p>(
        &'p self,
        layer: Option<AnnotatorId>,
        source: Option<&'p str>,
        status: Option<DocStatus>,
        labels: Option<&'p [String]>,
    ) -> Result<ExportDocs<'p>, StoreError> {
        match self {
            AnyStore::File(p) => Store::export_suggestions(p, layer, source, status, labels),
            AnyStore::Server(p) => p.export_suggestions(layer, source, status, labels),
            AnyStore::Team(m) => Err(m.not_on_the_ui_thread("an export")),
        }
    }
}
