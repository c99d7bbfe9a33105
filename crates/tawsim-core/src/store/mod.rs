//! The project file: one SQLite database (`*.tawsim`) holding documents, labels, spans,
//! statuses and undo history. WAL mode, one transaction per edit, so a crash or kill at any
//! moment leaves the file consistent with every completed edit.

mod any;
mod backend;
mod mirror;
pub mod pg;
mod project;
mod rows;
pub(crate) use rows::SameText;
mod schema;
mod text_index;

pub use any::AnyStore;
pub use backend::{DocumentSink, ExportDocs, NextAssigned, RemoteEvents, Store, SyncState};
pub use mirror::{OpenError, Opening, TeamMirror, Waker};
pub use pg::{LayerRows, PgProject, TeamLocation, Watcher, is_team_location};
pub use project::{
    DocSummary, ImportSink, LayerStats, Project, ProjectStats, SourceStats, StoredSuggestion,
    SuggestionRow,
};
pub use schema::SCHEMA_VERSION;
pub use text_index::{TextIndex, trigram_query};

use std::path::PathBuf;

/// What can go wrong with a project file. Every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: no such project file")]
    NotFound { path: PathBuf },
    #[error("{path}: a file is already there; open it instead of creating a project")]
    AlreadyExists { path: PathBuf },
    #[error("{path}: not a tawsim project ({why})")]
    NotAProject { path: PathBuf, why: String },
    #[error(
        "{path}: made by a newer tawsim (project schema {found}; this build reads up to {supported}); nothing was changed"
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error(
        "{path}: refused: {what}; a project holds only tawsim's own tables and indexes, and this one may have been altered to change its data behind tawsim's back (the file was not changed)"
    )]
    UnexpectedSchema { path: PathBuf, what: String },
    #[error(
        "{path}: project schema {found} needs upgrading before it can be read without writing; open it once (tawsim or tawsim import) to upgrade it"
    )]
    NeedsUpgrade { path: PathBuf, found: i64 },
    #[error("{path}: already open in another tawsim window or process ({lock})")]
    Locked { path: PathBuf, lock: PathBuf },
    #[error("{path}: cannot create a project there: the folder {folder} {why}")]
    NoFolder {
        path: PathBuf,
        folder: PathBuf,
        why: &'static str,
    },
    #[error("{path}: opened read-only; nothing was changed")]
    ReadOnly { path: PathBuf },
    #[error("{path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: no document with id {id}")]
    NoDocument { path: PathBuf, id: i64 },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    /// The server wants a password: none was given, or the one given was refused.
    #[error("{path}: {message}")]
    NeedsPassword { path: PathBuf, message: String },
}
