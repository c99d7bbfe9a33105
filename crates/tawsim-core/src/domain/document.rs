//! Documents: text stored exactly as given, a name, metadata carried through formats, and an
//! annotation status.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A document's id inside a project (its SQLite row id).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
pub struct DocId(pub i64);

impl fmt::Display for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Where an annotator is with a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocStatus {
    #[default]
    New,
    InProgress,
    Done,
}

impl DocStatus {
    pub const ALL: [DocStatus; 3] = [DocStatus::New, DocStatus::InProgress, DocStatus::Done];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            DocStatus::New => "new",
            DocStatus::InProgress => "in_progress",
            DocStatus::Done => "done",
        }
    }

    /// Parses the stored form (`new`, `in_progress` or `in-progress`, `done`).
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "new" => Some(DocStatus::New),
            "in_progress" | "in-progress" | "progress" => Some(DocStatus::InProgress),
            "done" => Some(DocStatus::Done),
            _ => None,
        }
    }

    /// Words an annotator reads.
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            DocStatus::New => "new",
            DocStatus::InProgress => "in progress",
            DocStatus::Done => "done",
        }
    }
}

/// Free-form metadata kept from an import and written back on export (extra JSONL keys,
/// Label Studio task data, a source path).
pub type Meta = serde_json::Map<String, serde_json::Value>;

/// A document as imported: its text never changes once spans refer to it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Document {
    pub id: DocId,
    pub name: String,
    pub text: String,
    pub meta: Meta,
    pub status: DocStatus,
}

/// A document with its spans by label name, as read from or written to a dataset file.
/// This is what format importers produce and exporters consume.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AnnotatedDocument {
    pub name: String,
    pub text: String,
    pub meta: Meta,
    pub status: DocStatus,
    pub spans: Vec<super::span::TaggedSpan>,
    /// Active annotation time of the layer, in seconds (Label Studio's `lead_time`), when
    /// one was recorded or read.
    pub active_seconds: Option<f64>,
    /// Relations between `spans` (by index).
    pub relations: Vec<super::span::TaggedRelation>,
    /// Labels of the whole document, by name.
    pub doc_labels: Vec<String>,
}
