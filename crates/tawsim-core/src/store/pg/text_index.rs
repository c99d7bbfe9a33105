//! A team project's search index: each document's normalised text (the search's own
//! normalisation, as in a project file's index) in a table of its own with a `pg_trgm` GIN
//! index, written with the document by the import that adds it. A search asks the server
//! for the documents whose normalised text holds every word of the query, and reads only
//! those (and any document not indexed yet); the hits come from the stored text as before.

use super::{PgProject, ident};
use crate::domain::DocId;
use crate::domain::Role;
use crate::store::StoreError;
use crate::store::text_index::normalised;
use postgres::Transaction;
use std::sync::atomic::{AtomicBool, Ordering};

/// Documents read from the server per query of a search.
const PAGE: i64 = 256;

/// The index table (schema 3). A project upgraded with documents in it is marked partial
/// until a manager's update has indexed them all: until then a search also reads the
/// documents without a row (every document added since has one).
pub(super) fn table_sql(q: &str, annotators: &str, managers: &str) -> String {
    let a = ident(annotators);
    let m = ident(managers);
    format!(
        "CREATE TABLE {q}.text_index (
           doc_id bigint PRIMARY KEY REFERENCES {q}.documents(id) ON DELETE CASCADE,
           norm text NOT NULL);
         GRANT SELECT ON {q}.text_index TO {a};
         GRANT INSERT, UPDATE, DELETE ON {q}.text_index TO {m};
         INSERT INTO {q}.meta (key, value)
           SELECT 'text_index_partial', '1' WHERE EXISTS (SELECT 1 FROM {q}.documents);\n"
    )
}

/// The trigram index over the table, when the server has `pg_trgm` and the role may
/// create it (trusted since PostgreSQL 13); inside a savepoint, so that a server without it
/// still makes the project (a search then scans the normalised texts on the server).
/// Returns whether the trigram index was made.
pub(super) fn trigram_index(tx: &mut Transaction<'_>, q: &str) -> Result<bool, postgres::Error> {
    let mut sp = tx.transaction()?;
    if sp
        .batch_execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        .is_err()
    {
        return Ok(false);
    }
    let Some(schema) = sp
        .query_opt(
            "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'",
            &[],
        )?
        .map(|r| r.get::<_, String>(0))
    else {
        return Ok(false);
    };
    if sp
        .batch_execute(&format!(
            "CREATE INDEX text_index_trigrams ON {q}.text_index USING gin (norm {schema}.gin_trgm_ops)"
        ))
        .is_err()
    {
        return Ok(false);
    }
    sp.commit()?;
    Ok(true)
}

/// Adds a document's row to the index (inside the import that adds the document).
pub(super) fn add_row(
    tx: &mut Transaction<'_>,
    q: &str,
    id: DocId,
    text: &str,
) -> Result<(), postgres::Error> {
    tx.execute(
        &format!(
            "INSERT INTO {q}.text_index (doc_id, norm) VALUES ($1, $2)
             ON CONFLICT (doc_id) DO UPDATE SET norm = excluded.norm"
        ),
        &[&id.0, &normalised(text)],
    )
    .map(drop)
}

/// The `LIKE` patterns of a query: each normalised word of three letters or more (what a
/// trigram index can look up), as a substring; none when it has no such word.
pub fn like_patterns(query: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in query.split(|c: char| c.is_whitespace() || c.is_ascii_punctuation()) {
        let w = normalised(word);
        if w.chars().count() < 3 {
            continue;
        }
        let mut p = String::from("%");
        for c in w.chars() {
            if matches!(c, '\\' | '%' | '_') {
                p.push('\\');
            }
            p.push(c);
        }
        p.push('%');
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

impl PgProject {
    /// Visits, in project order, the documents whose normalised text holds every word of
    /// `query` and the documents not indexed yet, until `f` returns `false`. `false`
    /// without visiting any when the project keeps no index or the query has no word to
    /// look up.
    pub(super) fn pg_for_each_candidate(
        &self,
        query: &str,
        mut f: impl FnMut(DocId, &str, &str) -> Result<bool, StoreError>,
    ) -> Result<bool, StoreError> {
        let patterns = like_patterns(query);
        if self.version < 3 || patterns.is_empty() {
            return Ok(false);
        }
        let q = &self.q;
        // Documents without a row (added by a tawsim that kept none) are read as well.
        let partial = self.index_partial()?;
        let unindexed: Vec<i64> = if partial {
            self.db()
                .query(
                    &format!(
                        "SELECT d.id FROM {q}.documents d WHERE NOT EXISTS
                           (SELECT 1 FROM {q}.text_index t WHERE t.doc_id = d.id) ORDER BY d.id"
                    ),
                    &[],
                )
                .map_err(self.err())?
                .iter()
                .map(|r| r.get(0))
                .collect()
        } else {
            Vec::new()
        };
        let like = (0..patterns.len())
            .map(|i| format!("t.norm LIKE ${}", i + 2))
            .collect::<Vec<_>>()
            .join(" AND ");
        let page_sql = format!(
            "SELECT d.id, d.name, d.text FROM {q}.text_index t JOIN {q}.documents d ON d.id = t.doc_id
             WHERE t.doc_id > $1 AND {like} ORDER BY t.doc_id LIMIT {PAGE}"
        );
        let mut rest = unindexed.into_iter().peekable();
        let mut after = i64::MIN;
        loop {
            let mut params: Vec<&(dyn postgres::types::ToSql + Sync)> = vec![&after];
            params.extend(
                patterns
                    .iter()
                    .map(|p| p as &(dyn postgres::types::ToSql + Sync)),
            );
            let rows = self.db().query(&page_sql, &params).map_err(self.err())?;
            let last = rows.len() < PAGE as usize;
            for r in &rows {
                let id: i64 = r.get(0);
                // The documents not indexed that come before this one, in order.
                while let Some(u) = rest.next_if(|u| *u < id) {
                    if !self.visit_document(DocId(u), &mut f)? {
                        return Ok(true);
                    }
                }
                let (name, text): (String, String) = (r.get(1), r.get(2));
                if !f(DocId(id), &name, &text)? {
                    return Ok(true);
                }
                after = id;
            }
            if last {
                break;
            }
        }
        for u in rest {
            if !self.visit_document(DocId(u), &mut f)? {
                break;
            }
        }
        Ok(true)
    }

    /// Whether some documents may have no row in the index (see [`table_sql`]).
    fn index_partial(&self) -> Result<bool, StoreError> {
        Ok(self
            .db()
            .query_opt(
                &format!(
                    "SELECT 1 FROM {}.meta WHERE key = 'text_index_partial'",
                    self.q
                ),
                &[],
            )
            .map_err(self.err())?
            .is_some())
    }

    /// `f` on one document read by id (gone meanwhile: skipped).
    fn visit_document(
        &self,
        id: DocId,
        f: &mut impl FnMut(DocId, &str, &str) -> Result<bool, StoreError>,
    ) -> Result<bool, StoreError> {
        let row = self
            .db()
            .query_opt(
                &format!("SELECT name, text FROM {}.documents WHERE id = $1", self.q),
                &[&id.0],
            )
            .map_err(self.err())?;
        match row {
            Some(r) => f(id, &r.get::<_, String>(0), &r.get::<_, String>(1)),
            None => Ok(true),
        }
    }

    /// Indexes the documents that have no row yet in a project marked partial (a manager's
    /// write; an annotator's handle indexes nothing), a batch per transaction, stopping
    /// between batches when `cancel` is set; the mark goes when none is left. Returns how
    /// many documents were indexed.
    pub(super) fn pg_update_text_index(&self, cancel: &AtomicBool) -> Result<usize, StoreError> {
        if self.version < 3 || self.me.role != Role::Manager || !self.index_partial()? {
            return Ok(0);
        }
        let q = self.q.clone();
        let mut n = 0;
        while !cancel.load(Ordering::Relaxed) {
            let mut client = self.db();
            let mut tx = client.transaction().map_err(self.err())?;
            let rows = tx
                .query(
                    &format!(
                        "SELECT d.id, d.text FROM {q}.documents d WHERE NOT EXISTS
                           (SELECT 1 FROM {q}.text_index t WHERE t.doc_id = d.id)
                         ORDER BY d.id LIMIT 500"
                    ),
                    &[],
                )
                .map_err(self.err())?;
            if rows.is_empty() {
                // Every document has its row: searches need not look for others.
                tx.execute(
                    &format!("DELETE FROM {q}.meta WHERE key = 'text_index_partial'"),
                    &[],
                )
                .map_err(self.err())?;
                tx.commit().map_err(self.err())?;
                break;
            }
            for r in &rows {
                add_row(&mut tx, &q, DocId(r.get(0)), &r.get::<_, String>(1))
                    .map_err(self.err())?;
            }
            tx.commit().map_err(self.err())?;
            n += rows.len();
        }
        Ok(n)
    }
}
