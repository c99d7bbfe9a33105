//! Import and export options: what every importer and exporter reads.

use crate::domain::OverlapPolicy;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::FormatError;

/// CoNLL / HF tag schemes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TagScheme {
    /// `B-` starts every entity, `I-` continues it.
    #[default]
    Iob2,
    /// `I-` starts an entity; `B-` only separates two adjacent entities of one type.
    Iob1,
    /// `B-` begin, `I-` inside, `E-` end, `S-` single token.
    Bioes,
}

impl TagScheme {
    #[must_use]
    pub fn parse(s: &str) -> Option<TagScheme> {
        match s.to_ascii_lowercase().as_str() {
            "iob2" | "bio" => Some(TagScheme::Iob2),
            "iob1" | "iob" => Some(TagScheme::Iob1),
            "bioes" | "iobes" | "bilou" => Some(TagScheme::Bioes),
            _ => None,
        }
    }
}

/// How plain text is cut into documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Split {
    /// One file, one document.
    #[default]
    Whole,
    /// One document per non-blank line.
    Lines,
    /// One document per paragraph (runs of non-blank lines separated by blank lines).
    Paragraphs,
}

/// Shape of doccano records on export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DoccanoShape {
    /// `{"text", "label": [[s, e, "TAG"], ...]}`
    #[default]
    Label,
    /// `{"text", "entities": [{"id", "start_offset", "end_offset", "label"}], "relations": []}`
    Entities,
}

/// How a Hugging Face export cuts documents into rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenSplit {
    /// One row per document.
    #[default]
    Documents,
    /// One row per sentence: after `.`, `!`, `?`, `؟`, `…` or a line break, never inside an
    /// entity.
    Sentences,
    /// Rows of whole sentences, at most this many tokens each (a longer sentence is cut
    /// between entities); for BERT-style models with a 512 sub-token limit.
    MaxTokens(usize),
}

/// How a CoNLL export lays out its lines (import reads all of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConllDialect {
    /// `-DOCSTART- O`, `# name = NAME`, a blank line, then `token TAG` lines separated by
    /// spaces, nested spans as more tag columns, a blank line after each sentence: what
    /// seqeval, `spacy convert` and the Hugging Face CoNLL scripts read.
    #[default]
    Conll2003,
    /// `token<TAB>TAG`, two columns only (a nested span is not written, and listed), no
    /// `-DOCSTART-`, no `#` lines, a blank line after each sentence and so between documents:
    /// doccano's CoNLL import.
    Doccano,
    /// [`Conll2003`](ConllDialect::Conll2003) with TAB separators, for tab-separated readers.
    Tab,
}

impl ConllDialect {
    pub const ALL: [ConllDialect; 3] = [
        ConllDialect::Conll2003,
        ConllDialect::Doccano,
        ConllDialect::Tab,
    ];

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            ConllDialect::Conll2003 => "conll2003",
            ConllDialect::Doccano => "doccano",
            ConllDialect::Tab => "tab",
        }
    }

    /// Parses a dialect name (case-insensitive).
    #[must_use]
    pub fn parse(s: &str) -> Option<ConllDialect> {
        match s.trim().to_ascii_lowercase().as_str() {
            "conll2003" | "conll" | "space" => Some(ConllDialect::Conll2003),
            "doccano" => Some(ConllDialect::Doccano),
            "tab" | "tsv" => Some(ConllDialect::Tab),
            _ => None,
        }
    }
}

/// Options for every importer (each reads the ones that apply to it).
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Import what is valid, skip and list the rest (File > Import's "Lenient", `--lenient`).
    ///
    /// Either way a bad record (span, document, tag, JSON line) is left out and listed in
    /// [`ImportReport::errors`](super::ImportReport::errors) with its file and line, and
    /// reading goes on, so the report lists every problem; the caller commits a strict
    /// import only when there are none. A line or file that cannot be read at all (invalid
    /// UTF-8, a JSON file that does not parse) stops a strict import with a [`FormatError`]
    /// naming its file and line; a lenient import lists it as
    /// [`ProblemKind::Unreadable`](super::ProblemKind::Unreadable) and goes on without it.
    pub lenient: bool,
    /// Spans are checked against this policy; `None`: the project's (through
    /// [`crate::ops::import_paths`]), or forbidden when reading a file on its own. A caller
    /// may ask for `Forbid` in a project that allows overlaps (to check a flat dataset);
    /// `Allow` in a project that forbids them is refused before anything is read.
    pub overlap: Option<OverlapPolicy>,
    /// Plain text only.
    pub split: Split,
    /// CoNLL only (HF is always IOB2).
    pub scheme: TagScheme,
    /// CoNLL: 0-based column holding the tag (the token is column 0). `None`: the trailing
    /// run of tag-looking columns (several = nested spans, Wojood style), else the last.
    pub tag_column: Option<usize>,
    /// JSON formats: offsets in the file count UTF-16 code units.
    pub utf16_offsets: bool,
    /// CoNLL files without `-DOCSTART-`: a document is cut at the first sentence end once it
    /// holds this many tokens: a blank line (or `$#$`), or, in a run of lines with no such
    /// break within this many lines, a `.`/`!`/`?`/`؟` token outside an entity (warned as
    /// [`ProblemKind::DocumentCut`](super::ProblemKind::DocumentCut)). `0` keeps the whole
    /// file as one document.
    pub max_doc_tokens: usize,
    /// Every warning counts as a problem (`--strict`): a span that cuts a word or has a
    /// space at an edge, a repaired tag, a cut document, … then stops a non-lenient import.
    pub strict: bool,
    /// Reading predictions to keep as suggestions: Label Studio tasks give their first
    /// prediction even when they have annotations, with each region's score (the result's
    /// `score`, else the prediction's) in the meta key [`SCORES`](super::SCORES).
    pub predictions: bool,
    /// Set to stop an import; it then returns [`FormatError::Cancelled`].
    pub cancel: Option<Arc<AtomicBool>>,
    /// Bytes read so far (across all files of the import), for a progress bar.
    pub progress: Option<Arc<AtomicU64>>,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            lenient: false,
            overlap: None,
            split: Split::Whole,
            scheme: TagScheme::Iob2,
            tag_column: None,
            utf16_offsets: false,
            max_doc_tokens: 1000,
            strict: false,
            predictions: false,
            cancel: None,
            progress: None,
        }
    }
}

/// Options for every exporter.
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// JSON formats: write offsets in UTF-16 code units.
    pub utf16_offsets: bool,
    /// CoNLL tag scheme (HF is always IOB2).
    pub scheme: TagScheme,
    /// CoNLL/HF: split a proclitic (و ف ب ل ك) off a word where a span edge falls after it.
    pub clitic_tokens: bool,
    /// With `clitic_tokens`: the article ال counts as a proclitic too.
    pub with_article: bool,
    pub doccano_shape: DoccanoShape,
    /// CoNLL: line layout ([`ConllDialect`]).
    pub conll_dialect: ConllDialect,
    /// Replace an existing output.
    pub force: bool,
    /// Paths the documents came from: the output may never be one of them, even with force.
    pub inputs: Vec<PathBuf>,
    /// The project's label names in its order: Hugging Face tag ids come from it (`O`, then
    /// `B-`/`I-` per label), so they are the same in every export of the project, whatever
    /// `--labels` keeps. Empty: in order of first use.
    pub label_order: Vec<String>,
    /// Hugging Face: one row per document, sentence, or run of at most N tokens.
    pub token_split: TokenSplit,
    /// Set to stop an export; nothing is written then.
    pub cancel: Option<Arc<AtomicBool>>,
}

pub(crate) fn check_export_cancel(opts: &ExportOptions) -> Result<(), FormatError> {
    match &opts.cancel {
        Some(c) if c.load(Ordering::Relaxed) => Err(FormatError::Cancelled),
        _ => Ok(()),
    }
}
