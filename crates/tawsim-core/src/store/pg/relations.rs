//! Relations and document labels in a team project (schema 4): labels have a kind and
//! options as in a project file; each annotator's relations and document labels are rows of
//! their layer, under the same row-level security as their spans (own rows; others' read
//! when the project shows layers or by a manager; a manager may delete any and writes the
//! curated layer's).

use super::{PgProject, TxError, curate_policy_sql, ident, layer_policies_sql};
use crate::domain::{DocId, Edit, LabelId, Relation, Span};
use crate::store::StoreError;
use postgres::Transaction;
use std::collections::BTreeSet;

/// Schema 4 over schema 3.
pub(super) fn schema_v4_sql(s: &str, annotators: &str, managers: &str) -> String {
    let q = ident(s);
    let a = ident(annotators);
    let m = ident(managers);
    let mut sql = format!(
        r#"
ALTER TABLE {q}.labels ADD COLUMN kind text NOT NULL DEFAULT 'span'
  CHECK (kind IN ('span', 'relation', 'document'));
ALTER TABLE {q}.labels ADD COLUMN options text NOT NULL DEFAULT '{{}}';
CREATE TABLE {q}.layer_relations (
  doc_id bigint NOT NULL REFERENCES {q}.documents(id) ON DELETE CASCADE,
  annotator_id bigint NOT NULL REFERENCES {q}.annotators(id),
  from_start bigint NOT NULL, from_end bigint NOT NULL, from_label integer NOT NULL,
  to_start bigint NOT NULL, to_end bigint NOT NULL, to_label integer NOT NULL,
  label_id integer NOT NULL REFERENCES {q}.labels(id),
  PRIMARY KEY (doc_id, annotator_id, from_start, from_end, from_label, to_start, to_end,
    to_label, label_id));
CREATE TABLE {q}.layer_doc_labels (
  doc_id bigint NOT NULL REFERENCES {q}.documents(id) ON DELETE CASCADE,
  annotator_id bigint NOT NULL REFERENCES {q}.annotators(id),
  label_id integer NOT NULL REFERENCES {q}.labels(id),
  PRIMARY KEY (doc_id, annotator_id, label_id));
GRANT SELECT, INSERT, UPDATE, DELETE ON {q}.layer_relations, {q}.layer_doc_labels TO {a};
"#
    );
    for t in ["layer_relations", "layer_doc_labels"] {
        sql.push_str(&layer_policies_sql(&q, &a, &m, t));
        sql.push_str(&curate_policy_sql(&q, &m, t));
    }
    sql.push_str(&format!(
        "UPDATE {q}.meta SET value = '4' WHERE key = 'schema_version';\n"
    ));
    sql
}

fn span_at(s: i64, e: i64, l: i32) -> Option<Span> {
    Span::new(
        usize::try_from(s).ok()?,
        usize::try_from(e).ok()?,
        LabelId(u32::try_from(l).ok()?),
    )
}

fn ends(r: &Relation) -> [i64; 6] {
    [
        r.from.start as i64,
        r.from.end as i64,
        i64::from(r.from.label.0),
        r.to.start as i64,
        r.to.end as i64,
        i64::from(r.to.label.0),
    ]
}

impl PgProject {
    /// A layer's relations and document labels of a document (none before schema 4).
    pub(super) fn layer_extras(
        &self,
        id: DocId,
        layer: i64,
    ) -> Result<(BTreeSet<Relation>, BTreeSet<LabelId>), StoreError> {
        if self.version < 4 {
            return Ok(Default::default());
        }
        let q = &self.q;
        let rows = self
            .db()
            .query(
                &format!(
                    r#"SELECT from_start, from_end, from_label, to_start, to_end, to_label, label_id
                       FROM {q}.layer_relations WHERE doc_id = $1 AND annotator_id = $2"#
                ),
                &[&id.0, &layer],
            )
            .map_err(self.err())?;
        let relations = rows
            .iter()
            .filter_map(|r| {
                Some(Relation {
                    from: span_at(r.get(0), r.get(1), r.get(2))?,
                    to: span_at(r.get(3), r.get(4), r.get(5))?,
                    label: LabelId(u32::try_from(r.get::<_, i32>(6)).ok()?),
                })
            })
            .collect();
        let rows = self
            .db()
            .query(
                &format!(
                    "SELECT label_id FROM {q}.layer_doc_labels WHERE doc_id = $1 AND annotator_id = $2"
                ),
                &[&id.0, &layer],
            )
            .map_err(self.err())?;
        let labels = rows
            .iter()
            .filter_map(|r| u32::try_from(r.get::<_, i32>(0)).ok().map(LabelId))
            .collect();
        Ok((relations, labels))
    }

    /// The SQL of a relation or document-label edit, and of a span change's effect on
    /// relations (a changed span takes them along; a removed one must have none).
    pub(super) fn extras_sql(
        tx: &mut Transaction<'_>,
        q: &str,
        doc: DocId,
        layer: i64,
        edit: &Edit,
    ) -> Result<(), TxError> {
        match edit {
            Edit::AddRelation { relation } | Edit::RemoveRelation { relation } => {
                let [fs, fe, fl, ts, te, tl] = ends(relation);
                let (fl, tl) = (fl as i32, tl as i32);
                let l = relation.label.0 as i32;
                let sql = if matches!(edit, Edit::AddRelation { .. }) {
                    format!(
                        "INSERT INTO {q}.layer_relations (doc_id, annotator_id, from_start, from_end,
                           from_label, to_start, to_end, to_label, label_id)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                    )
                } else {
                    format!(
                        "DELETE FROM {q}.layer_relations WHERE doc_id = $1 AND annotator_id = $2
                         AND from_start = $3 AND from_end = $4 AND from_label = $5
                         AND to_start = $6 AND to_end = $7 AND to_label = $8 AND label_id = $9"
                    )
                };
                let n = tx.execute(&sql, &[&doc.0, &layer, &fs, &fe, &fl, &ts, &te, &tl, &l])?;
                if n != 1 {
                    return Err(TxError::Refused(format!(
                        "relation {relation} is not in document {doc}"
                    )));
                }
            }
            Edit::AddDocLabel { label } | Edit::RemoveDocLabel { label } => {
                let l = label.0 as i32;
                let sql = if matches!(edit, Edit::AddDocLabel { .. }) {
                    format!(
                        "INSERT INTO {q}.layer_doc_labels (doc_id, annotator_id, label_id) VALUES ($1, $2, $3)"
                    )
                } else {
                    format!(
                        "DELETE FROM {q}.layer_doc_labels WHERE doc_id = $1 AND annotator_id = $2 AND label_id = $3"
                    )
                };
                let n = tx.execute(&sql, &[&doc.0, &layer, &l])?;
                if n != 1 {
                    return Err(TxError::Refused(format!(
                        "document label {} is not on document {doc}",
                        label.0
                    )));
                }
            }
            Edit::ReplaceSpan { from, to } => {
                for end in ["from", "to"] {
                    tx.execute(
                        &format!(
                            "UPDATE {q}.layer_relations SET {end}_start = $6, {end}_end = $7,
                               {end}_label = $8
                             WHERE doc_id = $1 AND annotator_id = $2 AND {end}_start = $3
                               AND {end}_end = $4 AND {end}_label = $5"
                        ),
                        &[
                            &doc.0,
                            &layer,
                            &(from.start as i64),
                            &(from.end as i64),
                            &(from.label.0 as i32),
                            &(to.start as i64),
                            &(to.end as i64),
                            &(to.label.0 as i32),
                        ],
                    )?;
                }
            }
            Edit::RemoveSpan { span } => {
                let linked: bool = tx
                    .query_one(
                        &format!(
                            "SELECT EXISTS (SELECT 1 FROM {q}.layer_relations WHERE doc_id = $1
                               AND annotator_id = $2
                               AND ((from_start = $3 AND from_end = $4 AND from_label = $5)
                                 OR (to_start = $3 AND to_end = $4 AND to_label = $5)))"
                        ),
                        &[
                            &doc.0,
                            &layer,
                            &(span.start as i64),
                            &(span.end as i64),
                            &(span.label.0 as i32),
                        ],
                    )?
                    .get(0);
                if linked {
                    return Err(TxError::Refused(format!(
                        "span {span} of document {doc} has relations"
                    )));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// `team push`: a local project's relations and document labels (annotators' ids
    /// mapped by `layer`), inside the push's transaction.
    pub(super) fn push_extras(
        tx: &mut Transaction<'_>,
        q: &str,
        rows: &crate::store::LayerRows,
        layer: &dyn Fn(i64) -> i64,
    ) -> Result<(), postgres::Error> {
        let add = tx.prepare(&format!(
            "INSERT INTO {q}.layer_relations (doc_id, annotator_id, from_start, from_end,
               from_label, to_start, to_end, to_label, label_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))?;
        for (d, a, [fs, fe, fl, ts, te, tl, l]) in &rows.relations {
            let (fl, tl, l) = (*fl as i32, *tl as i32, *l as i32);
            tx.execute(&add, &[d, &layer(*a), fs, fe, &fl, ts, te, &tl, &l])?;
        }
        let add = tx.prepare(&format!(
            "INSERT INTO {q}.layer_doc_labels (doc_id, annotator_id, label_id) VALUES ($1, $2, $3)"
        ))?;
        for (d, a, l) in &rows.doc_labels {
            tx.execute(&add, &[d, &layer(*a), &(*l as i32)])?;
        }
        Ok(())
    }
}
