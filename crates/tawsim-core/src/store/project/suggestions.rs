//! Suggestions kept in the project: a layer per source (a gazetteer, a pattern file, a
//! predictions import) that belongs to no annotator. What an annotator did with them is
//! their own layer's: a span at a suggestion's range accepted it, a rejection (an edit in
//! their history) turned it down.

use super::{Project, sq};
use crate::domain::{AnnotatedDocument, AnnotatorId, DocId, DocStatus, LabelId, Span};
use crate::store::StoreError;
use rusqlite::{OptionalExtension, params};

/// One suggestion of a document, with the source that made it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSuggestion {
    pub span: Span,
    pub source: String,
    /// The model's confidence, when the source gave one.
    pub score: Option<f64>,
}

/// A suggestion to keep: document, start, end, label name, score.
pub type SuggestionRow = (DocId, usize, usize, String, Option<f64>);

/// What became of one source's suggestions in one annotator's layer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceStats {
    pub name: String,
    /// `patterns`, `predictions`, …
    pub kind: String,
    /// Where they came from (a file path, a URL).
    pub origin: String,
    pub total: usize,
    /// Not accepted, not rejected, and over no span of the layer.
    pub open: usize,
    /// A span of the layer has exactly the suggestion's range (whatever its label).
    pub accepted: usize,
    /// Rejected by this annotator (and not accepted).
    pub rejected: usize,
}

/// The open suggestions of a layer (`?1`) in documents `?2..=?3`, of one source (`?4`, or
/// every source when NULL): over no span of the layer, not rejected by it; one row per
/// range and label, in document order.
pub(super) const OPEN_SUGGESTIONS: &str =
    "SELECT x.doc_id, x.start, x.end, x.label_id FROM suggestions x
     WHERE x.doc_id BETWEEN ?2 AND ?3 AND (?4 IS NULL OR x.source_id = ?4)
       AND NOT EXISTS (SELECT 1 FROM layer_spans s WHERE s.doc_id = x.doc_id
             AND s.annotator_id = ?1 AND s.start < x.end AND s.end > x.start)
       AND NOT EXISTS (SELECT 1 FROM layer_rejections r WHERE r.doc_id = x.doc_id
             AND r.annotator_id = ?1 AND r.start = x.start AND r.end = x.end
             AND r.label_id = x.label_id)
     GROUP BY x.doc_id, x.start, x.end, x.label_id
     ORDER BY x.doc_id, x.start, x.end";

/// Why an export of source `name` found none: the sources the project has, named.
pub(crate) fn unknown_source(name: &str, known: &[String]) -> String {
    format!(
        "no suggestion source named {name:?} (the project has: {})",
        if known.is_empty() {
            "none".to_string()
        } else {
            known.join(", ")
        }
    )
}

impl Project {
    /// Replaces source `name`'s suggestions with `rows` (document, start, end, label name,
    /// score) in one transaction: a source run again is its new run. Labels a suggestion
    /// names that the project lacks are added. Returns how many suggestions were stored
    /// (one per document, range and label). An `Err` among the rows (a reader that failed
    /// or was cancelled) rolls everything back and is returned.
    pub fn replace_suggestions(
        &mut self,
        name: &str,
        kind: &str,
        origin: &str,
        rows: impl IntoIterator<Item = Result<SuggestionRow, StoreError>>,
    ) -> Result<usize, StoreError> {
        self.writable()?;
        let name = name.trim();
        if name.is_empty() {
            return Err(self.invalid("a suggestion source needs a name".into()));
        }
        let mut labels = self.labels.clone();
        let tx = self.conn.transaction().map_err(sq(&self.path))?;
        let err = sq(&self.path);
        tx.execute(
            "INSERT INTO suggestion_sources (name, kind, origin) VALUES (?1, ?2, ?3)
             ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, origin = excluded.origin",
            params![name, kind, origin],
        )
        .map_err(&err)?;
        let source: i64 = tx
            .query_row(
                "SELECT id FROM suggestion_sources WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .map_err(&err)?;
        tx.execute("DELETE FROM suggestions WHERE source_id = ?1", [source])
            .map_err(&err)?;
        let mut stored = 0;
        let mut added_label = false;
        {
            let mut ins = tx
                .prepare(
                    "INSERT OR IGNORE INTO suggestions (doc_id, source_id, start, end, label_id, score)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(&err)?;
            for row in rows {
                let (doc, start, end, label, score) = row?;
                let id = match labels.by_name(&label) {
                    Some(l) => l.id,
                    None => {
                        let id = labels.ensure(&label).map_err(|e| StoreError::Invalid {
                            path: self.path.clone(),
                            message: format!("suggestion label {label:?}: {e}"),
                        })?;
                        // The new label's row must be there before a suggestion refers to it.
                        Self::write_labels(&tx, &labels).map_err(&err)?;
                        added_label = true;
                        id
                    }
                };
                stored += ins
                    .execute(params![
                        doc.0,
                        source,
                        start as i64,
                        end as i64,
                        id.0,
                        score
                    ])
                    .map_err(|e| StoreError::Invalid {
                        path: self.path.clone(),
                        message: format!(
                            "suggestion [{start}, {end}) {label} of document {doc}: {e}"
                        ),
                    })?;
            }
        }
        tx.commit().map_err(&err)?;
        if added_label {
            self.labels = labels;
        }
        Ok(stored)
    }

    /// Removes a source with its suggestions (rejections stay: they are annotators' work).
    pub fn remove_suggestion_source(&mut self, name: &str) -> Result<usize, StoreError> {
        self.writable()?;
        let tx = self.conn.transaction().map_err(sq(&self.path))?;
        let n = tx
            .execute(
                "DELETE FROM suggestions WHERE source_id IN
                   (SELECT id FROM suggestion_sources WHERE name = ?1)",
                [name],
            )
            .map_err(sq(&self.path))?;
        let gone = tx
            .execute("DELETE FROM suggestion_sources WHERE name = ?1", [name])
            .map_err(sq(&self.path))?;
        tx.commit().map_err(sq(&self.path))?;
        if gone == 0 {
            return Err(self.invalid(format!("no suggestion source named {name:?}")));
        }
        Ok(n)
    }

    /// Every suggestion of a document, by start, of every source (what the layer did with
    /// them is the caller's to check against its annotations).
    pub fn suggestions(&self, id: DocId) -> Result<Vec<StoredSuggestion>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT x.start, x.end, x.label_id, src.name, x.score FROM suggestions x
                 JOIN suggestion_sources src ON src.id = x.source_id
                 WHERE x.doc_id = ?1 ORDER BY x.start, x.end, src.id",
            )
            .map_err(self.err())?;
        let rows = st
            .query_map([id.0], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, u32>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<f64>>(4)?,
                ))
            })
            .map_err(self.err())?;
        let mut out = Vec::new();
        for row in rows {
            let (s, e, l, source, score) = row.map_err(self.err())?;
            let span = usize::try_from(s)
                .ok()
                .zip(usize::try_from(e).ok())
                .and_then(|(s, e)| Span::new(s, e, LabelId(l)));
            if let Some(span) = span {
                out.push(StoredSuggestion {
                    span,
                    source,
                    score,
                });
            }
        }
        Ok(out)
    }

    /// Per source: how many suggestions it made and what `layer` (this annotator's when
    /// `None`) did with them.
    pub fn suggestion_stats(
        &self,
        layer: Option<AnnotatorId>,
    ) -> Result<Vec<SourceStats>, StoreError> {
        let layer = layer.map_or(self.me.layer(), |a| a.0);
        let mut st = self
            .conn
            .prepare(
                "SELECT src.name, src.kind, src.origin, COUNT(x.doc_id),
                   COALESCE(SUM(acc), 0), COALESCE(SUM(rej AND NOT acc), 0),
                   COALESCE(SUM(NOT over AND NOT rej), 0)
                 FROM suggestion_sources src LEFT JOIN (
                   SELECT x.source_id, x.doc_id,
                     EXISTS (SELECT 1 FROM layer_spans s WHERE s.doc_id = x.doc_id
                       AND s.annotator_id = ?1 AND s.start = x.start AND s.end = x.end) AS acc,
                     EXISTS (SELECT 1 FROM layer_rejections r WHERE r.doc_id = x.doc_id
                       AND r.annotator_id = ?1 AND r.start = x.start AND r.end = x.end
                       AND r.label_id = x.label_id) AS rej,
                     EXISTS (SELECT 1 FROM layer_spans s WHERE s.doc_id = x.doc_id
                       AND s.annotator_id = ?1 AND s.start < x.end AND s.end > x.start) AS over
                   FROM suggestions x
                 ) x ON x.source_id = src.id
                 GROUP BY src.id ORDER BY src.id",
            )
            .map_err(self.err())?;
        let n = |v: i64| usize::try_from(v).unwrap_or(0);
        let rows = st
            .query_map([layer], |r| {
                Ok(SourceStats {
                    name: r.get(0)?,
                    kind: r.get(1)?,
                    origin: r.get(2)?,
                    total: n(r.get(3)?),
                    accepted: n(r.get(4)?),
                    rejected: n(r.get(5)?),
                    open: n(r.get(6)?),
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Streams the documents that pass the filters with the open suggestions of `layer`
    /// (this annotator's when `None`) as their spans: of source `source`, or of every
    /// source (one per range and label) when `None`.
    pub fn export_suggestions<'p>(
        &'p self,
        layer: Option<AnnotatorId>,
        source: Option<&str>,
        status: Option<DocStatus>,
        labels: Option<&'p [String]>,
    ) -> Result<impl Iterator<Item = Result<AnnotatedDocument, StoreError>> + 'p, StoreError> {
        let source = match source {
            None => None,
            Some(name) => Some(
                self.conn
                    .query_row(
                        "SELECT id FROM suggestion_sources WHERE name = ?1",
                        [name],
                        |r| r.get::<_, i64>(0),
                    )
                    .optional()
                    .map_err(self.err())?
                    .ok_or_else(|| {
                        let known = self
                            .suggestion_stats(None)
                            .map(|v| v.into_iter().map(|s| s.name).collect::<Vec<_>>())
                            .unwrap_or_default();
                        self.invalid(unknown_source(name, &known))
                    })?,
            ),
        };
        Ok(self.batches(layer, status, labels, Some(source)))
    }

    fn invalid(&self, message: String) -> StoreError {
        StoreError::Invalid {
            path: self.path.clone(),
            message,
        }
    }
}
