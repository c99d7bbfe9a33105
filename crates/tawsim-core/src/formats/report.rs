//! What an import or export found: problems naming their file and line, the reports, and
//! the errors that stop an import or export.

use super::Format;
use crate::domain::SpanError;
use std::fmt;
use std::path::{Path, PathBuf};

/// What kind of problem a [`Problem`] is (for callers and tests that match on it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// A span that fails [`check_range`](crate::domain::check_range) or the overlap policy.
    Span(SpanError),
    /// An offset that is negative, not an integer, or inside a UTF-16 surrogate pair.
    BadOffset,
    /// A record that is not valid JSON.
    Json,
    /// A line or file that cannot be read at all (invalid UTF-8, a JSON file that does not
    /// parse): left out of a lenient import, which goes on; a strict one stops with a
    /// [`FormatError`] instead.
    Unreadable,
    /// A field with the wrong type or missing.
    Schema,
    /// A document with empty text (skipped).
    EmptyDocument,
    /// A document id seen before in this import (skipped).
    DuplicateId,
    /// A NUL byte in the input.
    Nul,
    /// A tag that is not `O` or `X-LABEL` in the scheme.
    BadTag,
    /// `I-` (or `E-`) without an entity to continue: repaired to start one.
    Repaired,
    /// A CoNLL line with an empty token (skipped).
    EmptyToken,
    /// A CoNLL token holding a space (kept).
    TokenWithSpace,
    /// A CoNLL token beginning with a space (the space dropped).
    LeadingSpace,
    /// Two CoNLL lines run together (split in two).
    MissingNewline,
    /// The file does not end with a newline.
    NoFinalNewline,
    /// CoNLL without `-DOCSTART-`: a long document cut after a `.`/`!`/`?`/`؟` token, in a
    /// run of lines with no blank-line break of its own (the line is the cut's).
    DocumentCut,
    /// brat: the `.ann` offsets count each CRLF of the `.txt` as one character (pybrat,
    /// bratly); mapped to the text as stored, which keeps its CRLF.
    CrlfCountedAsOne,
    /// brat: a discontinuous span imported as its fragments.
    Discontinuous,
    /// An annotation the format has that tawsim does not model (kept in meta or dropped).
    Unsupported,
    /// A span not on token edges, or overlapping, on a token export (left out).
    Misaligned,
    /// Relations an export cannot write (left out): the format or shape has no relations
    /// (CoNLL, doccano's label shape), or an end is not a span written (an index past the
    /// document's spans, a span left out, HF: ends in two rows).
    RelationLeftOut,
    /// Document labels an export cannot write (left out): CoNLL has none; brat attaches them
    /// to a span and the document has none.
    DocLabelLeftOut,
    /// A span whose start or end falls inside a word (kept): the mark of byte-offset and
    /// off-by-one bugs in the tool that wrote the file. A proclitic before the start
    /// (و ف ب ل ك, the article) is a word edge, not a cut.
    CutsWord,
    /// A span that begins or ends with a space (kept).
    EdgeSpace,
    /// Anything else.
    Other,
}

/// One problem found while importing or exporting, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub kind: ProblemKind,
    pub message: String,
}

impl Problem {
    pub fn new(
        file: &Path,
        line: Option<usize>,
        kind: ProblemKind,
        message: impl Into<String>,
    ) -> Self {
        Problem {
            file: file.to_path_buf(),
            line,
            kind,
            message: message.into(),
        }
    }

    pub(crate) fn span(file: &Path, line: Option<usize>, e: SpanError) -> Self {
        let message = e.to_string();
        Problem::new(file, line, ProblemKind::Span(e), message)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}: {}", self.file.display(), l, self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub documents: usize,
    pub spans: usize,
    /// Never block an import (repairs, empty tokens, missing final newline, ...).
    pub warnings: Vec<Problem>,
    /// Spans or documents left out.
    pub errors: Vec<Problem>,
    /// Tags repaired (`I-` without `B-`).
    pub repaired: usize,
}

impl ImportReport {
    /// True when a strict import may be committed.
    #[must_use]
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty()
    }
}

/// What an export did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportReport {
    pub documents: usize,
    pub spans: usize,
    /// Spans not written because they do not fall on token edges (CoNLL/HF), or overlap
    /// another span where the format is flat (HF). Reported, never moved.
    pub misaligned: Vec<Problem>,
    /// What the user should know but that changed nothing written (a shared `labels.json`
    /// left as it was).
    pub warnings: Vec<Problem>,
    /// Relations not written ([`ProblemKind::RelationLeftOut`] problems may name several).
    pub relations_left_out: usize,
    /// Document labels not written ([`ProblemKind::DocLabelLeftOut`] problems may name
    /// several).
    pub doc_labels_left_out: usize,
}

impl ExportReport {
    /// What was not written, counted for people: `2 span(s)`, `1 relation(s)`,
    /// `3 span(s), 1 relation(s) and 2 document label(s)`.
    #[must_use]
    pub fn not_written(&self) -> String {
        let spans = self
            .misaligned
            .iter()
            .filter(|p| {
                !matches!(
                    p.kind,
                    ProblemKind::RelationLeftOut | ProblemKind::DocLabelLeftOut
                )
            })
            .count();
        let mut parts = Vec::new();
        if spans > 0 {
            parts.push(format!("{spans} span(s)"));
        }
        if self.relations_left_out > 0 {
            parts.push(format!("{} relation(s)", self.relations_left_out));
        }
        if self.doc_labels_left_out > 0 {
            parts.push(format!("{} document label(s)", self.doc_labels_left_out));
        }
        match parts.len() {
            0 => "0 span(s)".into(),
            1 => parts.remove(0),
            n => {
                let last = parts.remove(n - 1);
                format!("{} and {last}", parts.join(", "))
            }
        }
    }

    /// Records `n` relations not written, with one problem saying which and why.
    pub(crate) fn relations_left(&mut self, file: &Path, n: usize, message: String) {
        self.relations_left_out += n;
        self.misaligned.push(Problem::new(
            file,
            None,
            ProblemKind::RelationLeftOut,
            message,
        ));
    }

    /// Records `n` document labels not written, with one problem saying which and why.
    pub(crate) fn doc_labels_left(&mut self, file: &Path, n: usize, message: String) {
        self.doc_labels_left_out += n;
        self.misaligned.push(Problem::new(
            file,
            None,
            ProblemKind::DocLabelLeftOut,
            message,
        ));
    }
}

/// Errors that stop an import or export.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}: {message}", file.display())]
    Parse {
        file: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{}:{line}: invalid UTF-8 at byte {byte}", file.display())]
    InvalidUtf8 {
        file: PathBuf,
        line: usize,
        byte: u64,
    },
    #[error("{}: already exists (use force to replace it)", .0.display())]
    OutputExists(PathBuf),
    #[error("{}: is one of the inputs; refusing to overwrite it", .0.display())]
    SameAsInput(PathBuf),
    #[error("{}: no {format} files found", path.display())]
    NoInput { path: PathBuf, format: Format },
    #[error("cancelled")]
    Cancelled,
    #[error("{0}")]
    Other(String),
}

impl FormatError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        FormatError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_display_names_file_and_line() {
        let p = Problem::new(Path::new("x.jsonl"), Some(3), ProblemKind::Json, "bad");
        assert_eq!(p.to_string(), "x.jsonl:3: bad");
        let e = FormatError::InvalidUtf8 {
            file: "t.txt".into(),
            line: 2,
            byte: 17,
        };
        assert_eq!(e.to_string(), "t.txt:2: invalid UTF-8 at byte 17");
    }
}
