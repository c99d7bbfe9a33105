//! A team project's search index: each document's normalised text (the search's own
//! normalisation, as in a project file's index) in a table of its own with a `pg_trgm` GIN
//! index, written with the document by the import that adds it. A search asks the server
//! for the documents whose normalised text holds every word of the query, and reads only
//! those (and any document not indexed yet); the hits come from the stored text as before.

use super::{PgProject, ident};
use crate::domain::DocId;
use crate::domain::Role;
use crate::store::StoreError;
use crate::store::text_index::{index_words, normalised};
use postgres::Transaction;
use std::sync::atomic::{AtomicBool, Ordering};

/// Documents read from the server per query of a search.
const PAGE: usize = 256;
/// The first range of document ids a search asks the server about.
const RANGE: i64 = 4096;

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
    for w in index_words(query) {
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
    ///
    /// The server is asked one range of document ids at a time (the trigram index and the
    /// key's range combined, so only that range's matches are checked), a range that found
    /// few making the next wide enough for a page at its density: the first hits of a
    /// common word come from the first range, and a rare word takes two index lookups.
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
        // Documents without a row (in a project upgraded with documents) are read as well.
        let mut unindexed: std::collections::VecDeque<i64> = if self.index_partial()? {
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
            std::collections::VecDeque::new()
        };
        let bounds = self
            .db()
            .query_one(&format!("SELECT MIN(id), MAX(id) FROM {q}.documents"), &[])
            .map_err(self.err())?;
        let (Some(first), Some(last)) = (
            bounds.get::<_, Option<i64>>(0),
            bounds.get::<_, Option<i64>>(1),
        ) else {
            return Ok(true);
        };
        let like = (0..patterns.len())
            .map(|i| format!("t.norm LIKE ${}", i + 3))
            .collect::<Vec<_>>()
            .join(" AND ");
        let range_sql = format!(
            "SELECT t.doc_id FROM {q}.text_index t
             WHERE t.doc_id > $1 AND t.doc_id <= $2 AND {like} ORDER BY t.doc_id"
        );
        let docs_sql =
            format!("SELECT id, name, text FROM {q}.documents WHERE id = ANY($1) ORDER BY id");
        let mut lo = first.saturating_sub(1);
        let mut span = RANGE;
        while lo < last {
            let hi = lo.saturating_add(span);
            let mut params: Vec<&(dyn postgres::types::ToSql + Sync)> = vec![&lo, &hi];
            params.extend(
                patterns
                    .iter()
                    .map(|p| p as &(dyn postgres::types::ToSql + Sync)),
            );
            let rows = {
                let mut client = self.db();
                let mut tx = client.transaction().map_err(self.err())?;
                if span > RANGE {
                    // A wider range is asked about because the last found few: the trigram
                    // index first (walking the key and checking every row of a wide range
                    // is what the planner may pick, and it takes seconds).
                    tx.batch_execute(
                        "SET LOCAL enable_indexscan = off; SET LOCAL enable_seqscan = off",
                    )
                    .map_err(self.err())?;
                }
                let rows = tx.query(&range_sql, &params).map_err(self.err())?;
                tx.commit().map_err(self.err())?;
                rows
            };
            let mut ids: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
            let found = ids.len();
            while unindexed.front().is_some_and(|u| *u <= hi) {
                ids.extend(unindexed.pop_front());
            }
            ids.sort_unstable();
            for page in ids.chunks(PAGE) {
                let rows = self.db().query(&docs_sql, &[&page]).map_err(self.err())?;
                for r in &rows {
                    let (name, text): (String, String) = (r.get(1), r.get(2));
                    if !f(DocId(r.get(0)), &name, &text)? {
                        return Ok(true);
                    }
                }
            }
            if found < PAGE {
                // Wide enough for a page at this range's density (at least four times as
                // wide; the whole rest when it found none).
                span = match i64::try_from(found) {
                    Ok(n) if n > 0 => span
                        .saturating_mul(PAGE as i64)
                        .saturating_div(n)
                        .max(span.saturating_mul(4)),
                    _ => last.saturating_sub(hi),
                }
                .max(1);
            }
            lo = hi;
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
        let mut after = i64::MIN;
        while !cancel.load(Ordering::Relaxed) {
            let mut client = self.db();
            let mut tx = client.transaction().map_err(self.err())?;
            let rows = tx
                .query(
                    &format!(
                        "SELECT d.id, d.text FROM {q}.documents d WHERE d.id > $1 AND NOT EXISTS
                           (SELECT 1 FROM {q}.text_index t WHERE t.doc_id = d.id)
                         ORDER BY d.id LIMIT 2000"
                    ),
                    &[&after],
                )
                .map_err(self.err())?;
            let Some(last) = rows.last().map(|r| r.get::<_, i64>(0)) else {
                // Every document has its row: searches need not look for others.
                tx.execute(
                    &format!("DELETE FROM {q}.meta WHERE key = 'text_index_partial'"),
                    &[],
                )
                .map_err(self.err())?;
                tx.commit().map_err(self.err())?;
                break;
            };
            let ids: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
            let norms: Vec<String> = rows
                .iter()
                .map(|r| normalised(r.get::<_, &str>(1)))
                .collect();
            tx.execute(
                &format!(
                    "INSERT INTO {q}.text_index (doc_id, norm)
                     SELECT * FROM unnest($1::bigint[], $2::text[]) ON CONFLICT (doc_id) DO NOTHING"
                ),
                &[&ids, &norms],
            )
            .map_err(self.err())?;
            tx.commit().map_err(self.err())?;
            n += rows.len();
            after = last;
        }
        Ok(n)
    }
}
