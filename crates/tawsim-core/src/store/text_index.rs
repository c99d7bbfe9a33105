//! A search index of a project file's documents: the normalised text (the search's own
//! normalisation: hamza forms, ة/ه, ى/ي, harakat, tatweel, bidi marks, Latin case) in an
//! SQLite FTS5 table with the trigram tokenizer, kept in a file of its own beside the
//! project (`p.tawsim` → `p.tawsim.index`). It is derived data: deleting it loses nothing,
//! and a stale one is rebuilt.
//!
//! The index only narrows the documents to read: a query's trigrams (within its words) must
//! all be in a document for it to be a candidate, and the search then runs on each
//! candidate's stored text as before, so every hit's offsets come from the original text
//! exactly as without the index. Documents added after the index was brought up to date are
//! searched by reading them.

use super::{Project, StoreError};
use crate::domain::DocId;
use crate::domain::arabic::normalise_char;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Bumped when what the index holds changes: an index of another version is rebuilt.
const INDEX_VERSION: &str = "1";

/// Documents indexed per transaction (short, so the project's own writers never wait long).
const BATCH: usize = 2000;

/// The search index of one project file.
pub struct TextIndex {
    conn: Connection,
    path: PathBuf,
}

fn sq(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |source| StoreError::Sqlite {
        path: path.to_path_buf(),
        source,
    }
}

/// The normalised form of a text as the index holds it.
#[must_use]
pub fn normalised(text: &str) -> String {
    text.chars().filter_map(normalise_char).collect()
}

/// A query's words as the indexes look them up: split at spaces and ASCII punctuation,
/// normalised, three letters or more (shorter ones hold no trigram).
pub(super) fn index_words(query: &str) -> impl Iterator<Item = String> + '_ {
    query
        .split(|c: char| c.is_whitespace() || c.is_ascii_punctuation())
        .map(normalised)
        .filter(|w| w.chars().count() >= 3)
}

/// The FTS5 query for `query`: every trigram inside its normalised words, all required;
/// `None` when it has none (no word of three letters or more).
#[must_use]
pub fn trigram_query(query: &str) -> Option<String> {
    let mut grams: Vec<String> = Vec::new();
    for w in index_words(query) {
        let w: Vec<char> = w.chars().collect();
        for g in w.windows(3) {
            let g: String = g.iter().collect();
            if !grams.contains(&g) {
                grams.push(g);
            }
        }
    }
    if grams.is_empty() {
        return None;
    }
    Some(
        grams
            .iter()
            .map(|g| format!("\"{}\"", g.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" AND "),
    )
}

/// A document's fingerprint: its id and a hash of its text (a project whose document under
/// that id changed is not the one indexed).
fn fingerprint(id: i64, text: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    format!("{id}:{:016x}", h.finish())
}

impl TextIndex {
    /// Where the index of `project` lives.
    #[must_use]
    pub fn path_for(project: &Path) -> PathBuf {
        let mut p = project.as_os_str().to_owned();
        p.push(".index");
        PathBuf::from(p)
    }

    /// Opens the index of `project`, creating an empty one when there is none.
    pub fn open(project: &Path) -> Result<TextIndex, StoreError> {
        let path = Self::path_for(project);
        let conn = Connection::open(&path).map_err(sq(&path))?;
        conn.busy_timeout(std::time::Duration::from_secs(2))
            .map_err(sq(&path))?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sq(&path))?;
        let ix = TextIndex { conn, path };
        ix.ensure_schema(false)?;
        Ok(ix)
    }

    /// Opens the index of `project` when one exists (a search never makes one).
    pub fn open_existing(project: &Path) -> Option<TextIndex> {
        Self::path_for(project)
            .exists()
            .then(|| Self::open(project).ok())
            .flatten()
    }

    fn ensure_schema(&self, fresh: bool) -> Result<(), StoreError> {
        let err = sq(&self.path);
        if fresh {
            self.conn
                .execute_batch("DROP TABLE IF EXISTS text_index; DROP TABLE IF EXISTS meta;")
                .map_err(&err)?;
        }
        self.conn
            .execute_batch(
                "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                 CREATE VIRTUAL TABLE IF NOT EXISTS text_index USING fts5(
                     norm, content='', contentless_delete=1, tokenize='trigram', detail='none');",
            )
            .map_err(&err)?;
        let version = self.meta("version")?;
        if version.as_deref() != Some(INDEX_VERSION) {
            if version.is_some() && !fresh {
                return self.ensure_schema(true);
            }
            self.set_meta("version", INDEX_VERSION)?;
        }
        Ok(())
    }

    fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(sq(&self.path))
    }

    fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
            .map(drop)
            .map_err(sq(&self.path))
    }

    /// The highest document id indexed (every document up to it is in the index, or was
    /// deleted since); 0 when none is.
    pub fn indexed_upto(&self) -> Result<i64, StoreError> {
        Ok(self.meta("upto")?.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    /// Whether this index is of `p` as it is: the last document indexed is still there with
    /// the same text, or gone (deleted; a search skips it). A different text under its id
    /// (SQLite gives the highest id again after the last document was deleted) means the
    /// project changed under the index: a search then reads every document until the index
    /// is rebuilt.
    pub fn fits(&self, p: &impl super::Store) -> Result<bool, StoreError> {
        let Some(last) = self.meta("last")? else {
            return Ok(true);
        };
        let id: i64 = last
            .split(':')
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        match p.document(DocId(id)) {
            Ok(d) => Ok(fingerprint(id, &d.text) == last),
            Err(StoreError::NoDocument { .. }) => Ok(true),
            Err(e) => Err(e),
        }
    }

    /// Indexes the project's documents added since the last update (every document the
    /// first time, or when the project is not the one indexed). Counts documents into
    /// `done`; stops between batches when `cancel` is set (what is done stays). Returns how
    /// many documents were indexed.
    pub fn update(
        &mut self,
        p: &Project,
        done: Option<&AtomicU64>,
        cancel: Option<&AtomicBool>,
    ) -> Result<usize, StoreError> {
        // The last document indexed must still be the same text under the same id.
        if !self.fits(p)? {
            self.ensure_schema(true)?;
        }
        let mut upto = self.indexed_upto()?;
        let mut n = 0;
        loop {
            if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                break;
            }
            let mut batch: Vec<(i64, String, String)> = Vec::with_capacity(BATCH);
            p.for_each_document_after(DocId(upto), |id, _, text| {
                batch.push((id.0, normalised(text), fingerprint(id.0, text)));
                Ok(batch.len() < BATCH)
            })?;
            let Some((last, _, print)) = batch.last().cloned() else {
                break;
            };
            let err = sq(&self.path);
            let tx = self.conn.transaction().map_err(&err)?;
            {
                let mut ins = tx
                    .prepare_cached("INSERT INTO text_index (rowid, norm) VALUES (?1, ?2)")
                    .map_err(&err)?;
                for (id, norm, _) in &batch {
                    ins.execute(params![id, norm]).map_err(&err)?;
                }
            }
            for (k, v) in [("upto", last.to_string()), ("last", print)] {
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    params![k, v],
                )
                .map_err(&err)?;
            }
            tx.commit().map_err(&err)?;
            upto = last;
            n += batch.len();
            if let Some(d) = done {
                d.fetch_add(batch.len() as u64, Ordering::Relaxed);
            }
        }
        Ok(n)
    }

    /// Removes documents from the index (after they were deleted from the project).
    pub fn remove(&mut self, ids: &[DocId]) -> Result<(), StoreError> {
        let err = sq(&self.path);
        let tx = self.conn.transaction().map_err(&err)?;
        for id in ids {
            tx.execute("DELETE FROM text_index WHERE rowid = ?1", [id.0])
                .map_err(&err)?;
        }
        tx.commit().map_err(&err)
    }

    /// Up to `limit` indexed documents after `after` (in id order) that hold every trigram
    /// of `fts_query` (see [`trigram_query`]).
    pub fn candidates(
        &self,
        fts_query: &str,
        after: DocId,
        limit: usize,
    ) -> Result<Vec<DocId>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT rowid FROM text_index WHERE text_index MATCH ?1 AND rowid > ?2
                 ORDER BY rowid LIMIT ?3",
            )
            .map_err(sq(&self.path))?;
        let rows = st
            .query_map(
                params![fts_query, after.0, i64::try_from(limit).unwrap_or(i64::MAX)],
                |r| r.get::<_, i64>(0),
            )
            .map_err(sq(&self.path))?;
        rows.map(|r| r.map(DocId))
            .collect::<Result<_, _>>()
            .map_err(sq(&self.path))
    }
}

/// Visits the documents of project file `p` that may hold `query`: with an index that fits
/// the project, only the indexed documents holding every trigram of the query's words, then
/// the documents added since it was updated; `false` (none visited) without a usable index
/// or when the query has no trigram.
pub(super) fn for_each_candidate(
    p: &Project,
    query: &str,
    mut f: impl FnMut(DocId, &str, &str) -> Result<bool, StoreError>,
) -> Result<bool, StoreError> {
    let Some((ix, fts)) = TextIndex::open_existing(p.path())
        .filter(|ix| ix.fits(p).unwrap_or(false))
        .zip(trigram_query(query))
    else {
        return Ok(false);
    };
    let upto = DocId(ix.indexed_upto()?);
    let mut after = DocId(i64::MIN);
    loop {
        let page = ix.candidates(&fts, after, 512)?;
        if page.is_empty() {
            break;
        }
        for id in page {
            after = id;
            // A document deleted since it was indexed is not there any more.
            let Ok(doc) = p.document(id) else { continue };
            if !f(id, &doc.name, &doc.text)? {
                return Ok(true);
            }
        }
    }
    p.for_each_document_after(upto, f)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_asks_for_the_trigrams_of_its_normalised_words() {
        assert_eq!(trigram_query("في"), None);
        assert_eq!(
            trigram_query("أحمد"),
            Some("\"احم\" AND \"حمد\"".to_string())
        );
        // Harakat and tatweel go; words are split, short ones add nothing.
        assert_eq!(
            trigram_query("بِنـغازي في"),
            Some("\"بنغ\" AND \"نغا\" AND \"غاز\" AND \"ازي\"".to_string())
        );
    }
}
