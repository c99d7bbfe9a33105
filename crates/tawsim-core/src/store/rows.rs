//! What both backends make of their rows the same way: a document with its spans by label
//! name, an import's spans checked, an undo history decoded, and the settings as key/value
//! pairs.

use super::StoreError;
use crate::domain::{
    AnnotatedDocument, Annotations, BoundaryMode, DocId, Document, Edit, History, LabelId,
    LabelKind, LabelSet, OverlapPolicy, ProjectSettings, RangeChecker, Relation, Span, SpanSet,
    TaggedRelation, TaggedSpan,
};
use std::path::Path;

/// A document with its spans by label name (for export).
pub(crate) fn annotated(doc: Document, ann: &Annotations, labels: &LabelSet) -> AnnotatedDocument {
    let name = |id: LabelId| {
        labels
            .get(id)
            .map_or_else(|| format!("LABEL{}", id.0), |l| l.name.clone())
    };
    let order: Vec<Span> = ann.spans.iter().collect();
    let spans = order
        .iter()
        .map(|s| TaggedSpan::new(s.start, s.end, name(s.label)))
        .collect();
    let index = |s: Span| order.binary_search(&s).ok();
    let relations = ann
        .relations
        .iter()
        .filter_map(|r| {
            Some(TaggedRelation {
                from: index(r.from)?,
                to: index(r.to)?,
                label: name(r.label),
            })
        })
        .collect();
    AnnotatedDocument {
        name: doc.name,
        text: doc.text,
        meta: doc.meta,
        status: doc.status,
        spans,
        active_seconds: None,
        relations,
        // In the label set's order, as the project file's export writes them.
        doc_labels: labels
            .iter()
            .filter(|l| ann.doc_labels.contains(&l.id))
            .map(|l| l.name.clone())
            .collect(),
    }
}

/// An imported document's relations and document labels by span index and name, checked
/// and made edits (the labels they name created in `labels` as needed). `spans` are the
/// document's spans in the order of `doc.spans`, after [`checked_spans`].
pub(crate) fn checked_extras(
    path: &Path,
    doc: &AnnotatedDocument,
    labels: &mut LabelSet,
) -> Result<Vec<Edit>, StoreError> {
    let invalid = |message: String| StoreError::Invalid {
        path: path.to_path_buf(),
        message: format!("{}: {message}", doc.name),
    };
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for r in &doc.relations {
        let end = |i: usize| -> Result<Span, StoreError> {
            let t = doc.spans.get(i).ok_or_else(|| {
                invalid(format!(
                    "relation {} names span {i}, but the document has {}",
                    r.label,
                    doc.spans.len()
                ))
            })?;
            let label = labels.by_name(&t.label).map(|l| l.id);
            label
                .and_then(|l| Span::new(t.start, t.end, l))
                .ok_or_else(|| invalid(format!("relation {}: bad span {i}", r.label)))
        };
        let (from, to) = (end(r.from)?, end(r.to)?);
        if from == to {
            return Err(invalid(format!(
                "relation {} links span {from} to itself",
                r.label
            )));
        }
        let label = labels
            .ensure_kind(&r.label, LabelKind::Relation)
            .map_err(|e| invalid(e.to_string()))?;
        let relation = Relation { from, to, label };
        if seen.insert(relation) {
            out.push(Edit::AddRelation { relation });
        }
    }
    let mut ticked = std::collections::BTreeSet::new();
    for name in &doc.doc_labels {
        let label = labels
            .ensure_kind(name, LabelKind::Document)
            .map_err(|e| invalid(e.to_string()))?;
        if ticked.insert(label) {
            out.push(Edit::AddDocLabel { label });
        }
    }
    Ok(out)
}

/// An imported document's spans checked against its text and the overlap policy, with the
/// labels they name created in `labels` as needed, and the text's length in code points.
pub(crate) fn checked_spans(
    path: &Path,
    doc: &AnnotatedDocument,
    labels: &mut LabelSet,
    policy: OverlapPolicy,
) -> Result<(SpanSet, usize), StoreError> {
    let invalid = |message: String| StoreError::Invalid {
        path: path.to_path_buf(),
        message,
    };
    let text = RangeChecker::new(doc.text.as_str());
    let mut set = SpanSet::new();
    for s in &doc.spans {
        text.check(s.start, s.end, None)
            .map_err(|e| invalid(format!("{}: {e}", doc.name)))?;
        let label = labels
            .ensure(&s.label)
            .map_err(|e| invalid(format!("{}: {e}", doc.name)))?;
        let span = Span {
            start: s.start,
            end: s.end,
            label,
        };
        set.insert(span, policy)
            .map_err(|e| invalid(format!("{}: {e}", doc.name)))?;
    }
    Ok((set, text.len_chars()))
}

/// A document's undo history from its stored steps in order: `(edit as JSON, undone)`. A
/// step that does not decode is an error (skipping it would replay another history).
pub(crate) fn history(
    path: &Path,
    doc: DocId,
    steps: impl IntoIterator<Item = (String, bool)>,
) -> Result<History, StoreError> {
    let (mut done, mut undone) = (Vec::new(), Vec::new());
    for (json, is_undone) in steps {
        let edit = serde_json::from_str::<Edit>(&json).map_err(|e| StoreError::Invalid {
            path: path.to_path_buf(),
            message: format!(
                "an undo history entry of document {doc} does not decode ({e}): {json}"
            ),
        })?;
        if is_undone {
            undone.push(edit);
        } else {
            done.push(edit);
        }
    }
    // Redo order: the next edit to redo is the lowest undone step, kept last.
    undone.reverse();
    Ok(History::from_stacks(done, undone))
}

/// The settings as the key/value pairs both backends store.
pub(crate) fn settings_pairs(s: ProjectSettings) -> [(&'static str, &'static str); 4] {
    [
        ("overlap", s.overlap.as_str()),
        ("boundary", s.boundary.as_str()),
        (
            "article_is_proclitic",
            if s.article_is_proclitic { "1" } else { "0" },
        ),
        ("others_visible", if s.others_visible { "1" } else { "0" }),
    ]
}

/// The settings read back from those pairs (defaults where a key is missing).
pub(crate) fn settings_from(get: impl Fn(&str) -> Option<String>) -> ProjectSettings {
    let d = ProjectSettings::default();
    ProjectSettings {
        overlap: get("overlap")
            .and_then(|s| OverlapPolicy::parse(&s))
            .unwrap_or(d.overlap),
        boundary: get("boundary")
            .and_then(|s| BoundaryMode::parse(&s))
            .unwrap_or(d.boundary),
        article_is_proclitic: get("article_is_proclitic").is_some_and(|s| s == "1"),
        others_visible: get("others_visible").is_some_and(|s| s == "1"),
    }
}

/// The project's documents by the hash of their text, for an import whose documents join
/// the project's documents of the same text (another annotator's layer of the same corpus).
/// Each is taken at most once, lowest id first: a text the project holds k times (a short
/// sentence that recurs) lines up with the import's k copies of it in order, and a copy
/// more than the project holds is a new document. Texts are told apart by their 128-bit
/// hash alone ([`crate::hash128`]), as the ids an import has seen are: comparing the stored
/// text would cost a query a document (a round trip on a team project). Sorted (hash, id)
/// pairs, 24 bytes a document; a hash's taken documents are kept at the front of its run.
#[derive(Default)]
pub(crate) struct SameText {
    docs: Vec<(TextHash, i64)>,
}

/// A text's 128-bit hash, as two words (24 bytes a pair with an id, not 32).
pub(crate) type TextHash = [u64; 2];

/// Marks a taken document (ids are positive).
const TAKEN: i64 = i64::MIN;

impl SameText {
    /// The project's documents, in any order.
    pub(crate) fn new(docs: impl IntoIterator<Item = (TextHash, DocId)>) -> Self {
        let mut docs: Vec<(TextHash, i64)> = docs.into_iter().map(|(h, id)| (h, id.0)).collect();
        docs.sort_unstable();
        SameText { docs }
    }

    /// The hash documents are joined by.
    pub(crate) fn hash(text: &str) -> TextHash {
        let h = crate::hash128(text);
        [(h >> 64) as u64, h as u64]
    }

    /// The first document not taken yet with `text`.
    pub(crate) fn find(&self, text: &str) -> Option<DocId> {
        self.first_free(text).map(|(at, _)| DocId(self.docs[at].1))
    }

    /// [`find`](Self::find), and the document is taken: it is not found again.
    pub(crate) fn take(&mut self, text: &str) -> Option<DocId> {
        let (at, _) = self.first_free(text)?;
        let id = self.docs[at].1;
        self.docs[at].1 = TAKEN;
        Some(DocId(id))
    }

    /// Where the free documents of `text`'s hash start, and where its run ends, when one is
    /// free.
    fn first_free(&self, text: &str) -> Option<(usize, usize)> {
        let h = Self::hash(text);
        let from = self.docs.partition_point(|&(x, _)| x < h);
        let to = from + self.docs[from..].partition_point(|&(x, _)| x == h);
        let free = from + self.docs[from..to].partition_point(|&(_, id)| id == TAKEN);
        (free < to).then_some((free, to))
    }
}

#[cfg(test)]
mod same_text_tests {
    use super::*;

    #[test]
    fn each_document_is_taken_once_in_id_order() {
        let texts = ["نعم .", "لا", "نعم .", ".", "نعم .", "."];
        let mut same = SameText::new(
            texts
                .iter()
                .enumerate()
                .map(|(i, t)| (SameText::hash(t), DocId(i as i64 + 1))),
        );
        assert_eq!(same.find("."), Some(DocId(4)));
        assert_eq!(same.find("."), Some(DocId(4)), "found, not taken");
        assert_eq!(same.take("."), Some(DocId(4)));
        assert_eq!(same.take("نعم ."), Some(DocId(1)));
        assert_eq!(same.take("نعم ."), Some(DocId(3)));
        assert_eq!(same.take("لا"), Some(DocId(2)));
        assert_eq!(same.find("نعم ."), Some(DocId(5)));
        assert_eq!(same.take("نعم ."), Some(DocId(5)));
        assert_eq!(
            same.take("نعم ."),
            None,
            "a copy more than the project holds"
        );
        assert_eq!(same.find("نعم ."), None);
        assert_eq!(same.take("."), Some(DocId(6)));
        assert_eq!(same.take("."), None);
        assert_eq!(same.take("جديد"), None);
        // Given in any order, a text's documents are still taken lowest id first.
        let mut same = SameText::new([
            (SameText::hash("b"), DocId(7)),
            (SameText::hash("a"), DocId(9)),
            (SameText::hash("a"), DocId(3)),
        ]);
        assert_eq!(same.take("a"), Some(DocId(3)));
        assert_eq!(same.take("a"), Some(DocId(9)));
        assert_eq!(same.take("b"), Some(DocId(7)));
    }
}
