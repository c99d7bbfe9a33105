//! The annotation model: documents, spans, labels, offsets, Arabic text rules, edits.
//! No egui and no I/O here.

pub mod annotator;
pub mod arabic;
pub mod boundary;
pub mod direction;
pub mod document;
pub mod edit;
pub mod label;
pub mod offsets;
pub mod search;
pub mod settings;
pub mod span;
pub mod text;

pub use annotator::{Annotator, AnnotatorId, Role, duration_text};
pub use direction::Direction;
pub use document::{AnnotatedDocument, DocId, DocStatus, Document, Meta};
pub use edit::{Annotations, Edit, EditError, History};
pub use label::{Label, LabelError, LabelId, LabelKind, LabelOptions, LabelSet};
pub use offsets::OffsetIndex;
pub use settings::{BoundaryMode, ProjectSettings};
pub use span::{
    OverlapPolicy, RangeChecker, Relation, Span, SpanError, SpanSet, TaggedRelation, TaggedSpan,
    check_range,
};
pub use text::IndexedText;
