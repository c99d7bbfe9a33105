//! The state of one import: options, report, label interning, document ids seen, and the
//! validation of every span ([`check_range`](crate::domain::check_range) and the overlap
//! policy) before a document reaches the sink.

use super::seen_ids::SeenIds;
use super::{FormatError, ImportOptions, ImportReport, Problem, ProblemKind};
use crate::domain::{
    AnnotatedDocument, LabelId, OverlapPolicy, RangeChecker, Span, SpanError, SpanSet,
    TaggedRelation, TaggedSpan,
};
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::Ordering;

/// State of one import: options, report, label interning, ids seen.
pub(crate) struct ImportCtx<'o> {
    pub opts: &'o ImportOptions,
    pub report: ImportReport,
    labels: HashMap<String, LabelId>,
    label_names: Vec<String>,
    ids: SeenIds,
}

impl<'o> ImportCtx<'o> {
    pub(crate) fn new(opts: &'o ImportOptions) -> Self {
        ImportCtx {
            opts,
            report: ImportReport::default(),
            labels: HashMap::new(),
            label_names: Vec::new(),
            ids: SeenIds::default(),
        }
    }

    pub fn warn(
        &mut self,
        file: &Path,
        line: Option<usize>,
        kind: ProblemKind,
        msg: impl Into<String>,
    ) {
        self.report
            .warnings
            .push(Problem::new(file, line, kind, msg));
    }

    pub fn error(
        &mut self,
        file: &Path,
        line: Option<usize>,
        kind: ProblemKind,
        msg: impl Into<String>,
    ) {
        self.report.errors.push(Problem::new(file, line, kind, msg));
    }

    /// The relations a record lists, `(k, item)` with `k` its place in the record's list
    /// (named `{key}[k]` in problems), each read by `read` into (from, to, type) triples;
    /// one that does not read is an error of `file:line`, skipped.
    pub(crate) fn read_relations<'v>(
        &mut self,
        file: &Path,
        line: Option<usize>,
        key: &str,
        items: impl IntoIterator<Item = (usize, &'v serde_json::Value)>,
        mut read: impl FnMut(&serde_json::Value) -> Result<Vec<(usize, usize, String)>, String>,
    ) -> Vec<CandRelation> {
        let mut out = Vec::new();
        for (k, r) in items {
            match read(r) {
                Ok(found) => out.extend(found.into_iter().map(|(from, to, label)| CandRelation {
                    from,
                    to,
                    label,
                    line: None,
                    what: format!("{key}[{k}]"),
                })),
                Err(m) => self.error(
                    file,
                    line,
                    ProblemKind::Schema,
                    format!("{key}[{k}]: {m}; relation skipped"),
                ),
            }
        }
        out
    }

    pub fn check_cancel(&self) -> Result<(), FormatError> {
        match &self.opts.cancel {
            Some(c) if c.load(Ordering::Relaxed) => Err(FormatError::Cancelled),
            _ => Ok(()),
        }
    }

    pub fn add_progress(&self, bytes: u64) {
        if let Some(p) = &self.opts.progress {
            p.fetch_add(bytes, Ordering::Relaxed);
        }
    }

    fn label_id(&mut self, name: &str) -> LabelId {
        if let Some(id) = self.labels.get(name) {
            return *id;
        }
        let id = LabelId(u32::try_from(self.label_names.len()).unwrap_or(u32::MAX));
        self.labels.insert(name.to_string(), id);
        self.label_names.push(name.to_string());
        id
    }

    /// The outcome of reading `input` (a file, or a brat document): in a lenient import a
    /// file that cannot be read at all (invalid UTF-8, JSON that does not parse, a bad
    /// `labels.json`) is listed as [`ProblemKind::Unreadable`] with its file and line, and
    /// the import goes on without it; otherwise the error, which names file and line.
    /// (Those errors come before the file's first document; a bad line of a line format is
    /// skipped by the line reader instead.)
    pub fn skip_unreadable(
        &mut self,
        input: &Path,
        read: Result<(), FormatError>,
    ) -> Result<(), FormatError> {
        if !self.opts.lenient {
            return read;
        }
        let (file, line, message) = match read {
            Err(FormatError::Parse {
                file,
                line,
                message,
            }) => (file, line, message),
            Err(FormatError::InvalidUtf8 { file, line, byte }) => {
                (file, line, format!("invalid UTF-8 at byte {byte}"))
            }
            other => return other,
        };
        let skipped = if file == input {
            "file skipped".to_string()
        } else {
            format!("{} skipped", input.display())
        };
        self.error(
            &file,
            Some(line),
            ProblemKind::Unreadable,
            format!("{message}; {skipped}"),
        );
        Ok(())
    }

    /// A line of a JSON Lines file as the object it must hold, or `None` with the error
    /// recorded (invalid JSON, or a value that is not an object): the record is skipped.
    pub fn object_line(
        &mut self,
        file: &Path,
        line_no: usize,
        line: &str,
    ) -> Option<serde_json::Map<String, serde_json::Value>> {
        let (kind, message) = match serde_json::from_str(line) {
            Ok(serde_json::Value::Object(obj)) => return Some(obj),
            Ok(other) => (
                ProblemKind::Schema,
                format!("expected an object, found {}", super::json_type(&other)),
            ),
            Err(e) => (ProblemKind::Json, format!("invalid JSON: {e}")),
        };
        self.error(
            file,
            Some(line_no),
            kind,
            format!("{message}; record skipped"),
        );
        None
    }

    /// Registers a document id; false (with an error recorded) when it was seen before.
    pub fn claim_id(&mut self, file: &Path, line: Option<usize>, id: &str) -> bool {
        let message = match self.ids.insert(id) {
            Ok(true) => return true,
            Ok(false) => format!("duplicate document id {id:?}; document skipped"),
            Err(e) => format!(
                "document id {id:?} could not be checked against the ids before it \
                 (temporary file: {e}); document skipped"
            ),
        };
        self.error(file, line, ProblemKind::DuplicateId, message);
        false
    }

    /// Validates candidate spans against `text` and the overlap policy, recording each bad
    /// one as an error, hands the document to the sink and counts it.
    pub fn finish_doc(
        &mut self,
        file: &Path,
        line: Option<usize>,
        doc: AnnotatedDocument,
        cands: Vec<Candidate>,
        sink: &mut dyn FnMut(AnnotatedDocument) -> Result<(), FormatError>,
    ) -> Result<(), FormatError> {
        self.finish_doc_with(file, line, doc, cands, Vec::new(), sink)
    }

    /// [`finish_doc`](Self::finish_doc) for a document with relations between its
    /// candidates and document labels (`doc.doc_labels`, as read). A relation whose end was
    /// left out, that links a span to itself, or whose type is not a label name is an error
    /// naming its line (the relation is left out); a document label that is not a label
    /// name too. The same relation or document label twice is kept once. The document gets
    /// its relations as indices into its checked, sorted spans.
    pub fn finish_doc_with(
        &mut self,
        file: &Path,
        line: Option<usize>,
        mut doc: AnnotatedDocument,
        cands: Vec<Candidate>,
        rels: Vec<CandRelation>,
        sink: &mut dyn FnMut(AnnotatedDocument) -> Result<(), FormatError>,
    ) -> Result<(), FormatError> {
        if doc.text.is_empty() {
            self.error(
                file,
                line,
                ProblemKind::EmptyDocument,
                format!("document {:?} is empty; skipped", doc.name),
            );
            return Ok(());
        }
        let checker = SpanChecker::new(&doc.text);
        // The relations' ends by value: the candidates are sorted and checked below.
        let ends: Vec<TaggedSpan> = if rels.is_empty() {
            Vec::new()
        } else {
            cands
                .iter()
                .map(|c| TaggedSpan::new(c.start, c.end, c.label.clone()))
                .collect()
        };
        // A stable order, so which of two overlapping spans is refused does not depend on
        // the order a decoder closed them in.
        let mut cands = cands;
        cands.sort_by(|a, b| (a.start, a.end, &a.label).cmp(&(b.start, b.end, &b.label)));
        let mut set = SpanSet::new();
        let mut kept: Vec<TaggedSpan> = Vec::with_capacity(cands.len());
        for c in cands {
            let cline = c.line.or(line);
            if c.label.trim().is_empty() || c.label.contains(['\t', '\n']) {
                self.error(
                    file,
                    cline,
                    ProblemKind::Schema,
                    format!(
                        "span [{}, {}) has an empty or invalid label {:?}",
                        c.start, c.end, c.label
                    ),
                );
                continue;
            }
            if let Err(e) = checker.check(c.start, c.end, c.expected.as_deref()) {
                self.report.errors.push(Problem::span(file, cline, e));
                continue;
            }
            let id = self.label_id(&c.label);
            let span = Span {
                start: c.start,
                end: c.end,
                label: id,
            };
            if let Err(e) = set.insert(span, self.opts.overlap.unwrap_or(OverlapPolicy::Forbid)) {
                self.report.errors.push(Problem::span(file, cline, e));
                continue;
            }
            if let Some((kind, why)) = checker.edge_problem(c.start, c.end) {
                let text = checker.range.slice(c.start, c.end).unwrap_or("");
                self.warn(
                    file,
                    cline,
                    kind,
                    format!("span [{}, {}) {} {text:?} {why}", c.start, c.end, c.label),
                );
            }
            kept.push(TaggedSpan {
                start: c.start,
                end: c.end,
                label: c.label,
            });
        }
        kept.sort();
        doc.relations = self.checked_relations(file, line, &kept, &ends, rels);
        doc.doc_labels = self.checked_doc_labels(file, line, std::mem::take(&mut doc.doc_labels));
        self.report.spans += kept.len();
        self.report.documents += 1;
        doc.spans = kept;
        sink(doc)
    }

    /// The relations whose ends (`ends`, by candidate) are spans of `kept`, as indices into
    /// it; each one left out is an error.
    fn checked_relations(
        &mut self,
        file: &Path,
        line: Option<usize>,
        kept: &[TaggedSpan],
        ends: &[TaggedSpan],
        rels: Vec<CandRelation>,
    ) -> Vec<TaggedRelation> {
        let mut out: Vec<TaggedRelation> = Vec::with_capacity(rels.len());
        for r in rels {
            let rline = r.line.or(line);
            if !is_label_name(&r.label) {
                self.error(
                    file,
                    rline,
                    ProblemKind::Schema,
                    format!(
                        "{}: relation type {:?} is not a label name (non-empty, without \
                         spaces); relation skipped",
                        r.what, r.label
                    ),
                );
                continue;
            }
            let find = |i: usize| -> Result<usize, String> {
                let Some(sp) = ends.get(i) else {
                    return Err(format!("names span {i}, which the record does not have"));
                };
                kept.binary_search(sp).map_err(|_| {
                    format!(
                        "its end [{}, {}) {} was left out (see its own problem)",
                        sp.start, sp.end, sp.label
                    )
                })
            };
            let (from, to) = match (find(r.from), find(r.to)) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(m), _) | (_, Err(m)) => {
                    self.error(
                        file,
                        rline,
                        ProblemKind::Schema,
                        format!("{}: {m}; relation skipped", r.what),
                    );
                    continue;
                }
            };
            if from == to {
                let sp = &kept[from];
                self.error(
                    file,
                    rline,
                    ProblemKind::Schema,
                    format!(
                        "{}: links the span [{}, {}) {} to itself; relation skipped",
                        r.what, sp.start, sp.end, sp.label
                    ),
                );
                continue;
            }
            let rel = TaggedRelation {
                from,
                to,
                label: r.label,
            };
            if !out.contains(&rel) {
                out.push(rel);
            }
        }
        out
    }

    /// The document labels that are label names, each once, in order; each other one is an
    /// error.
    fn checked_doc_labels(
        &mut self,
        file: &Path,
        line: Option<usize>,
        labels: Vec<String>,
    ) -> Vec<String> {
        let mut out: Vec<String> = Vec::with_capacity(labels.len());
        for l in labels {
            if !is_label_name(&l) {
                self.error(
                    file,
                    line,
                    ProblemKind::Schema,
                    format!(
                        "document label {l:?} is not a label name (non-empty, without spaces); \
                         left out"
                    ),
                );
            } else if !out.contains(&l) {
                out.push(l);
            }
        }
        out
    }
}

/// Whether a relation type or document label read from a file can be a label's name:
/// non-empty, no whitespace (what the project's label set accepts).
fn is_label_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(char::is_whitespace)
}

/// A relation as read from a file, before its ends are checked: its ends are indices into
/// the candidates handed to [`ImportCtx::finish_doc_with`] with it.
#[derive(Debug, Clone)]
pub(crate) struct CandRelation {
    pub from: usize,
    pub to: usize,
    /// The relation type's name.
    pub label: String,
    /// The line it came from, when that differs from the document's line.
    pub line: Option<usize>,
    /// How the file names it, for problems: `R3`, `relations[2]`, `result[4]`.
    pub what: String,
}

/// The span checks of one document (edges only, see [`RangeChecker`]), with the word-edge
/// warnings of an import.
pub(crate) struct SpanChecker<'t> {
    range: RangeChecker<'t>,
}

impl<'t> SpanChecker<'t> {
    pub fn new(text: &'t str) -> Self {
        SpanChecker {
            range: RangeChecker::new(text),
        }
    }

    /// A checked span that begins or ends with a space, or whose edge falls inside a word
    /// (a proclitic before the start is a word edge), with words for the report.
    pub fn edge_problem(&self, start: usize, end: usize) -> Option<(ProblemKind, String)> {
        use crate::domain::arabic::{is_word_char, proclitic_prefixes};
        let (bs, be) = (self.range.byte_of(start)?, self.range.byte_of(end)?);
        let inner = &self.range.text()[bs..be];
        if inner.starts_with(char::is_whitespace) {
            return Some((ProblemKind::EdgeSpace, "begins with a space".into()));
        }
        if inner.ends_with(char::is_whitespace) {
            return Some((ProblemKind::EdgeSpace, "ends with a space".into()));
        }
        // The word characters just before and just after byte `b`.
        let before = |b: usize| {
            let head = &self.range.text()[..b];
            let n: usize = head
                .chars()
                .rev()
                .take_while(|c| is_word_char(*c))
                .map(char::len_utf8)
                .sum();
            &head[head.len() - n..]
        };
        let after = |b: usize| {
            let tail = &self.range.text()[b..];
            let n: usize = tail
                .chars()
                .take_while(|c| is_word_char(*c))
                .map(char::len_utf8)
                .sum();
            &tail[..n]
        };
        let prefix = before(bs);
        if !prefix.is_empty() && inner.chars().next().is_some_and(is_word_char) {
            let word = format!("{prefix}{}", after(bs));
            if !proclitic_prefixes(&word, true).contains(&prefix.chars().count()) {
                return Some((
                    ProblemKind::CutsWord,
                    format!("starts inside the word {word:?}"),
                ));
            }
        }
        if !after(be).is_empty() && inner.chars().next_back().is_some_and(is_word_char) {
            let word = format!("{}{}", before(be), after(be));
            return Some((
                ProblemKind::CutsWord,
                format!("ends inside the word {word:?}"),
            ));
        }
        None
    }

    /// Same checks, in the same order and with the same errors, as `check_range`.
    pub fn check(&self, start: usize, end: usize, expected: Option<&str>) -> Result<(), SpanError> {
        self.range.check(start, end, expected)
    }
}

/// A span as read from a file, before validation.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub start: usize,
    pub end: usize,
    pub label: String,
    /// The text the file says the span covers, if it gives one.
    pub expected: Option<String>,
    /// The line it came from, when that differs from the document's line.
    pub line: Option<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::IndexedText;

    #[test]
    fn span_checker_agrees_with_check_range_on_tricky_text() {
        let texts = [
            "وَقَّعَ طرفا النزاع",
            "\u{0600}١٢ \u{06DD}٣",
            "a\r\nb\n\u{200F}ج\u{200E}",
            "👩\u{200D}👩\u{200D}👧 🇱🇾🇫🇷🇱 x",
            "각\u{1100}\u{1161}\u{11A8}e\u{301}\u{0903}",
        ];
        for t in texts {
            agree(t);
        }
    }

    fn agree(t: &str) {
        let it = IndexedText::new(t);
        let ck = SpanChecker::new(t);
        let n = it.len_chars();
        for c in 0..=n + 1 {
            assert_eq!(
                ck.range.is_boundary(c),
                it.is_grapheme_boundary(c),
                "{t:?} at {c}"
            );
        }
        for s in 0..=n + 1 {
            for e in 0..=n + 1 {
                let exp = it.slice(s, e).map(|x| format!("{x}!"));
                for x in [None, it.slice(s, e), exp.as_deref()] {
                    assert_eq!(
                        ck.check(s, e, x),
                        crate::domain::check_range(&it, s, e, x),
                        "{t:?} [{s}, {e})"
                    );
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn span_checker_agrees_with_check_range(t in "\\PC{0,12}") {
            if !t.is_empty() {
                agree(&t);
            }
        }
    }
}
