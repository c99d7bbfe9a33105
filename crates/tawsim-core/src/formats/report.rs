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
    /// brat: a `.txt` with no `.ann` beside it (imported without spans).
    NoAnnFile,
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

impl ProblemKind {
    /// What the kind is, for people: named when problems are counted and not listed.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            ProblemKind::Span(_) => "span that cannot be kept",
            ProblemKind::BadOffset => "bad offset",
            ProblemKind::Json => "invalid JSON",
            ProblemKind::Unreadable => "unreadable",
            ProblemKind::Schema => "wrong or missing field",
            ProblemKind::EmptyDocument => "empty document",
            ProblemKind::DuplicateId => "repeated id",
            ProblemKind::Nul => "NUL byte",
            ProblemKind::BadTag => "bad tag",
            ProblemKind::Repaired => "tag repaired",
            ProblemKind::EmptyToken => "empty token",
            ProblemKind::TokenWithSpace => "token with a space",
            ProblemKind::LeadingSpace => "token beginning with a space",
            ProblemKind::MissingNewline => "lines run together",
            ProblemKind::NoFinalNewline => "no final newline",
            ProblemKind::DocumentCut => "long document cut",
            ProblemKind::CrlfCountedAsOne => "CRLF counted as one",
            ProblemKind::NoAnnFile => "text without .ann",
            ProblemKind::Discontinuous => "discontinuous span",
            ProblemKind::Unsupported => "unsupported annotation",
            ProblemKind::Misaligned => "span off token edges",
            ProblemKind::RelationLeftOut => "relations left out",
            ProblemKind::DocLabelLeftOut => "document labels left out",
            ProblemKind::CutsWord => "span cutting a word",
            ProblemKind::EdgeSpace => "span with an edge space",
            ProblemKind::Other => "other",
        }
    }
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

/// A list of problems that stays small on any input: the first [`Problems::KEPT`] in full,
/// in the order found, and every later one counted by its kind. An import of a million
/// documents each with a problem says how many and of what kinds without holding them all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems {
    kept: Vec<Problem>,
    /// Problems past the kept ones: a kind (the first of its variant) and how many.
    more: Vec<(ProblemKind, usize)>,
}

impl Problems {
    /// How many problems are kept in full.
    pub const KEPT: usize = 10_000;

    pub fn push(&mut self, p: Problem) {
        if self.kept.len() < Self::KEPT {
            self.kept.push(p);
        } else {
            self.count(p.kind, 1);
        }
    }

    fn count(&mut self, kind: ProblemKind, n: usize) {
        let d = std::mem::discriminant(&kind);
        match self
            .more
            .iter_mut()
            .find(|(k, _)| std::mem::discriminant(k) == d)
        {
            Some((_, c)) => *c += n,
            None => self.more.push((kind, n)),
        }
    }

    /// Appends another list: its kept problems while there is room, then its counts.
    pub fn extend(&mut self, other: Problems) {
        for p in other.kept {
            self.push(p);
        }
        for (k, n) in other.more {
            self.count(k, n);
        }
    }

    /// Every problem found, kept or counted.
    #[must_use]
    pub fn len(&self) -> usize {
        self.kept.len() + self.more_len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    /// The problems kept in full, in the order found.
    #[must_use]
    pub fn kept(&self) -> &[Problem] {
        &self.kept
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Problem> {
        self.kept.iter()
    }

    /// How many problems were counted and not kept.
    #[must_use]
    pub fn more_len(&self) -> usize {
        self.more.iter().map(|(_, n)| n).sum()
    }

    /// How many problems, kept or counted, are of a kind `pick` takes.
    #[must_use]
    pub fn count_of(&self, pick: impl Fn(&ProblemKind) -> bool) -> usize {
        let kept = self.kept.iter().filter(|p| pick(&p.kind)).count();
        let more: usize = self
            .more
            .iter()
            .filter(|(k, _)| pick(k))
            .map(|(_, n)| n)
            .sum();
        kept + more
    }

    /// The problems not kept, for people, or `None` when every one was kept:
    /// `12,000 more not listed: 11,990 empty document, 10 bad tag`.
    #[must_use]
    pub fn more_line(&self) -> Option<String> {
        if self.more.is_empty() {
            return None;
        }
        let mut by_kind = self.more.clone();
        by_kind.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
        let kinds: Vec<String> = by_kind
            .iter()
            .map(|(k, n)| format!("{n} {}", k.name()))
            .collect();
        Some(format!(
            "{} more not listed: {}",
            self.more_len(),
            kinds.join(", ")
        ))
    }

    /// One line a kept problem, `{prefix}: {problem}`, then one counting those not kept.
    pub fn lines<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = String> + 'a {
        self.kept
            .iter()
            .map(move |p| format!("{prefix}: {p}"))
            .chain(self.more_line().map(move |m| format!("{prefix}: … {m}")))
    }

    /// Sorts the kept problems from `from` on (a place [`Problems::kept`] had) by `key`.
    pub fn sort_kept_from<K: Ord>(&mut self, from: usize, key: impl FnMut(&Problem) -> K) {
        if let Some(tail) = self.kept.get_mut(from..) {
            tail.sort_by_key(key);
        }
    }
}

impl<'a> IntoIterator for &'a Problems {
    type Item = &'a Problem;
    type IntoIter = std::slice::Iter<'a, Problem>;
    fn into_iter(self) -> Self::IntoIter {
        self.kept.iter()
    }
}

impl std::ops::Index<usize> for Problems {
    type Output = Problem;
    fn index(&self, i: usize) -> &Problem {
        &self.kept[i]
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub documents: usize,
    pub spans: usize,
    /// Never block an import (repairs, empty tokens, missing final newline, ...).
    pub warnings: Problems,
    /// Spans or documents left out.
    pub errors: Problems,
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
    pub misaligned: Problems,
    /// What the user should know but that changed nothing written (a shared `labels.json`
    /// left as it was).
    pub warnings: Problems,
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
        let spans = self.misaligned.count_of(|k| {
            !matches!(
                k,
                ProblemKind::RelationLeftOut | ProblemKind::DocLabelLeftOut
            )
        });
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

    fn problem(line: usize, kind: ProblemKind) -> Problem {
        Problem::new(Path::new("f.jsonl"), Some(line), kind, "m")
    }

    #[test]
    fn problems_past_the_kept_ones_are_counted_by_kind() {
        let mut a = Problems::default();
        for l in 1..=Problems::KEPT - 2 {
            a.push(problem(l, ProblemKind::EmptyDocument));
        }
        let mut b = Problems::default();
        for l in 0..5 {
            let kind = if l % 2 == 0 {
                ProblemKind::Json
            } else {
                ProblemKind::Span(SpanError::EmptyOrReversed { start: 1, end: 1 })
            };
            b.push(problem(Problems::KEPT + l, kind));
        }
        a.extend(b.clone());
        a.extend(b);
        assert_eq!(
            (a.len(), a.kept().len(), a.more_len()),
            (Problems::KEPT + 8, Problems::KEPT, 8)
        );
        // The kept ones are the first found, in order.
        let lines: Vec<_> = a.iter().map(|p| p.line.unwrap_or(0)).collect();
        assert_eq!(
            lines[Problems::KEPT - 3..],
            [Problems::KEPT - 2, Problems::KEPT, Problems::KEPT + 1]
        );
        assert_eq!(a.count_of(|k| *k == ProblemKind::Json), 6);
        assert_eq!(a.count_of(|k| matches!(k, ProblemKind::Span(_))), 4);
        assert_eq!(
            a.more_line().as_deref(),
            Some("8 more not listed: 5 invalid JSON, 3 span that cannot be kept")
        );
        let out: Vec<String> = a.lines("skipped").collect();
        assert_eq!(out.len(), Problems::KEPT + 1);
        assert_eq!(out[0], "skipped: f.jsonl:1: m");
        assert_eq!(
            out[Problems::KEPT],
            "skipped: … 8 more not listed: 5 invalid JSON, 3 span that cannot be kept"
        );
        let mut few = Problems::default();
        few.push(problem(1, ProblemKind::Json));
        assert_eq!((few.len(), few.more_line()), (1, None));
        assert_eq!(few.lines("w").collect::<Vec<_>>(), ["w: f.jsonl:1: m"]);
    }
}
