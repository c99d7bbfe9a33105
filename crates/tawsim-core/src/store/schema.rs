//! The project schema, its migrations, and the check that a file holds nothing else.

use rusqlite::Connection;
use std::collections::BTreeMap;

/// The schema this build writes. Files with a higher version are refused.
pub const SCHEMA_VERSION: i64 = 5;

/// The value of `meta.app` in every tawsim project.
pub const APP_MARK: &str = "tawsim";

/// The `meta` key a migration reads the first annotator's name from (removed after it).
const MIGRATING_ANNOTATOR: &str = "migrating_annotator";

/// `MIGRATIONS[i]` upgrades a project from schema `i` to `i + 1` (0 = empty file). A
/// migration that has shipped never changes: files made by it are checked against it.
const MIGRATIONS: &[&str] = &[
    r"
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE labels (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    color TEXT NOT NULL,
    hotkey TEXT,
    description TEXT NOT NULL DEFAULT '',
    enabled INTEGER NOT NULL DEFAULT 1,
    position INTEGER NOT NULL
);
CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    text TEXT NOT NULL,
    meta TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL DEFAULT 'new',
    char_len INTEGER NOT NULL
);
CREATE TABLE spans (
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    label_id INTEGER NOT NULL REFERENCES labels(id),
    PRIMARY KEY (doc_id, start, end, label_id),
    CHECK (start >= 0 AND start < end)
) WITHOUT ROWID;
CREATE INDEX spans_by_label ON spans(label_id);
CREATE TABLE history (
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    edit TEXT NOT NULL,
    undone INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (doc_id, seq)
) WITHOUT ROWID;
",
    // v2: annotators, and a layer per annotator: spans, statuses and history belong to one.
    // The v1 file's spans, statuses and history become its first annotator's (a manager).
    r"
CREATE TABLE annotators (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL DEFAULT 'annotator' CHECK (role IN ('annotator', 'manager'))
);
INSERT INTO annotators (id, name, role)
    SELECT 1, value, 'manager' FROM meta WHERE key = 'migrating_annotator';
CREATE TABLE layer_spans (
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    annotator_id INTEGER NOT NULL REFERENCES annotators(id),
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    label_id INTEGER NOT NULL REFERENCES labels(id),
    PRIMARY KEY (doc_id, annotator_id, start, end, label_id),
    CHECK (start >= 0 AND start < end)
) WITHOUT ROWID;
INSERT INTO layer_spans (doc_id, annotator_id, start, end, label_id)
    SELECT doc_id, 1, start, end, label_id FROM spans;
CREATE INDEX layer_spans_by_label ON layer_spans(label_id);
CREATE TABLE layer_status (
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    annotator_id INTEGER NOT NULL REFERENCES annotators(id),
    status TEXT NOT NULL,
    PRIMARY KEY (doc_id, annotator_id)
) WITHOUT ROWID;
INSERT INTO layer_status (doc_id, annotator_id, status)
    SELECT id, 1, status FROM documents WHERE status <> 'new';
CREATE TABLE layer_history (
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    annotator_id INTEGER NOT NULL REFERENCES annotators(id),
    seq INTEGER NOT NULL,
    edit TEXT NOT NULL,
    undone INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (doc_id, annotator_id, seq)
) WITHOUT ROWID;
INSERT INTO layer_history (doc_id, annotator_id, seq, edit, undone)
    SELECT doc_id, 1, seq, edit, undone FROM history;
DROP TABLE spans;
DROP TABLE history;
ALTER TABLE documents DROP COLUMN status;
-- Scripts written for schema 1 keep reading spans (now of every layer).
CREATE VIEW spans AS SELECT doc_id, annotator_id, start, end, label_id FROM layer_spans;
",
    // 2 -> 3: active annotation time per document and annotator (seconds; a pause of more
    // than a minute is not counted).
    r"
CREATE TABLE layer_time (
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    annotator_id INTEGER NOT NULL REFERENCES annotators(id),
    seconds REAL NOT NULL DEFAULT 0 CHECK (seconds >= 0),
    PRIMARY KEY (doc_id, annotator_id)
) WITHOUT ROWID;
",
    // 3 -> 4: suggestions, a layer per source (a gazetteer, a pattern file, a predictions
    // import, a model server) that is no annotator's; and the suggestions each annotator
    // rejected (by range and label, so a rejection holds whichever source suggests it).
    r"
CREATE TABLE suggestion_sources (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    origin TEXT NOT NULL DEFAULT ''
);
CREATE TABLE suggestions (
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    source_id INTEGER NOT NULL REFERENCES suggestion_sources(id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    label_id INTEGER NOT NULL REFERENCES labels(id),
    score REAL,
    PRIMARY KEY (doc_id, source_id, start, end, label_id),
    CHECK (start >= 0 AND start < end)
) WITHOUT ROWID;
CREATE INDEX suggestions_by_source ON suggestions(source_id);
CREATE TABLE layer_rejections (
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    annotator_id INTEGER NOT NULL REFERENCES annotators(id),
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    label_id INTEGER NOT NULL REFERENCES labels(id),
    PRIMARY KEY (doc_id, annotator_id, start, end, label_id),
    CHECK (start >= 0 AND start < end)
) WITHOUT ROWID;
",
    // 4 -> 5: relation types and document labels are labels of another kind (with their
    // options as JSON); each layer's relations between its spans (ends by value, as edits
    // name them) and its document labels.
    r"
ALTER TABLE labels ADD COLUMN kind TEXT NOT NULL DEFAULT 'span'
    CHECK (kind IN ('span', 'relation', 'document'));
ALTER TABLE labels ADD COLUMN options TEXT NOT NULL DEFAULT '{}';
CREATE TABLE layer_relations (
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    annotator_id INTEGER NOT NULL REFERENCES annotators(id),
    from_start INTEGER NOT NULL,
    from_end INTEGER NOT NULL,
    from_label INTEGER NOT NULL REFERENCES labels(id),
    to_start INTEGER NOT NULL,
    to_end INTEGER NOT NULL,
    to_label INTEGER NOT NULL REFERENCES labels(id),
    label_id INTEGER NOT NULL REFERENCES labels(id),
    PRIMARY KEY (doc_id, annotator_id, from_start, from_end, from_label, to_start, to_end,
        to_label, label_id)
) WITHOUT ROWID;
CREATE INDEX layer_relations_by_label ON layer_relations(label_id);
CREATE TABLE layer_doc_labels (
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    annotator_id INTEGER NOT NULL REFERENCES annotators(id),
    label_id INTEGER NOT NULL REFERENCES labels(id),
    PRIMARY KEY (doc_id, annotator_id, label_id)
) WITHOUT ROWID;
",
];

/// Reads the schema version of an opened project (0 when the file is empty).
pub fn version(conn: &Connection) -> rusqlite::Result<i64> {
    let has_meta: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta')",
        [],
        |r| r.get(0),
    )?;
    if !has_meta {
        return Ok(0);
    }
    conn.query_row(
        "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'schema_version'",
        [],
        |r| r.get(0),
    )
}

/// Brings the schema up to [`SCHEMA_VERSION`] in one transaction. `annotator` names the
/// annotator a v1 file's spans (or a new file's first layer) belong to.
pub fn migrate(conn: &mut Connection, annotator: &str) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    let from = version(&tx)?;
    for (i, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(from).unwrap_or(0))
    {
        if i == 1 {
            tx.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
                [MIGRATING_ANNOTATOR, annotator],
            )?;
        }
        tx.execute_batch(sql)?;
        tx.execute("DELETE FROM meta WHERE key = ?1", [MIGRATING_ANNOTATOR])?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('schema_version', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [(i + 1).to_string()],
        )?;
    }
    tx.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('app', ?1)",
        [APP_MARK],
    )?;
    tx.commit()
}

/// One schema object as SQLite describes it: its kind, its table, and its columns (for a
/// table: name, type, not-null, default, primary-key position; for an index: the indexed
/// columns with their order and collation, and whether it is unique or partial).
type Shape = BTreeMap<(String, String), (String, Vec<String>)>;

fn shape(conn: &Connection) -> rusqlite::Result<Shape> {
    let mut out = Shape::new();
    let mut st = conn.prepare("SELECT type, name, tbl_name, sql FROM sqlite_schema")?;
    let objects = st
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (kind, name, table, sql) in objects {
        // The statistics tables `ANALYZE` makes are SQLite's own.
        if kind == "table" && name.starts_with("sqlite_stat") {
            continue;
        }
        let mut cols = Vec::new();
        let quoted = name.replace('"', "\"\"");
        match kind.as_str() {
            "table" => {
                let mut st = conn.prepare(&format!("PRAGMA table_xinfo(\"{quoted}\")"))?;
                let rows = st.query_map([], |r| {
                    Ok(format!(
                        "{}|{}|{}|{:?}|{}|{}",
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, i64>(5)?,
                        r.get::<_, i64>(6)?,
                    ))
                })?;
                cols = rows.collect::<rusqlite::Result<_>>()?;
                let mut st = conn.prepare(&format!("PRAGMA foreign_key_list(\"{quoted}\")"))?;
                let rows = st.query_map([], |r| {
                    Ok(format!(
                        "fk {}>{}.{:?} {} {}",
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, String>(6)?,
                    ))
                })?;
                cols.extend(rows.collect::<rusqlite::Result<Vec<_>>>()?);
                // CHECK constraints appear only in the statement: keep its words.
                if let Some(sql) = &sql {
                    let upper = sql.to_ascii_uppercase();
                    for (at, _) in upper.match_indices("CHECK") {
                        cols.push(squash(&sql[at..]).chars().take(80).collect());
                    }
                    for word in ["VIRTUAL", "USING", "GENERATED", "AS (", "STRICT"] {
                        if upper.contains(word) {
                            cols.push(format!("has {word}"));
                        }
                    }
                }
            }
            "index" => {
                let mut st = conn.prepare(&format!("PRAGMA index_xinfo(\"{quoted}\")"))?;
                let rows = st.query_map([], |r| {
                    Ok(format!(
                        "{}|{:?}|{}|{:?}|{}",
                        r.get::<_, i64>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, i64>(5)?,
                    ))
                })?;
                cols = rows.collect::<rusqlite::Result<_>>()?;
                // An index made by a statement (not an automatic one) may be partial or
                // on expressions: keep the statement's words.
                if let Some(sql) = &sql {
                    cols.push(squash(sql));
                }
            }
            // A view reads only; the project's own must read what it always did.
            "view" => cols.push(squash(sql.as_deref().unwrap_or_default())),
            // Triggers have no place in a project: any one is a difference.
            _ => {}
        }
        out.insert((kind, name), (table, cols));
    }
    Ok(out)
}

/// A statement with its whitespace collapsed (so indentation never matters).
fn squash(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What this build makes at schema `version`: a fresh in-memory database run through the
/// migrations up to it.
fn expected_shape(version: i64) -> rusqlite::Result<Shape> {
    let conn = Connection::open_in_memory()?;
    for (i, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .take(usize::try_from(version).unwrap_or(0))
    {
        if i == 1 {
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?1, 'x')",
                [MIGRATING_ANNOTATOR],
            )?;
        }
        conn.execute_batch(sql)?;
    }
    shape(&conn)
}

/// Checks that every schema object in the file (table, index, trigger, view) is one this
/// build makes at the file's `version`, with the same columns. Returns a description of the
/// first object that differs: a file that passes holds no trigger, view or altered table
/// that could change data behind tawsim's back.
pub fn unexpected_object(conn: &Connection, version: i64) -> rusqlite::Result<Option<String>> {
    let want = expected_shape(version)?;
    let have = shape(conn)?;
    for ((kind, name), (table, cols)) in &have {
        match want.get(&(kind.clone(), name.clone())) {
            None => {
                let on = if table == name {
                    String::new()
                } else {
                    format!(" on {table}")
                };
                return Ok(Some(format!(
                    "{kind} {name}{on} is not part of a tawsim project"
                )));
            }
            Some((t, c)) if t != table || c != cols => {
                return Ok(Some(format!(
                    "{kind} {name} differs from the one tawsim makes"
                )));
            }
            Some(_) => {}
        }
    }
    for (kind, name) in want.keys() {
        if !have.contains_key(&(kind.clone(), name.clone())) {
            return Ok(Some(format!("{kind} {name} is missing")));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh() -> Connection {
        let mut conn = Connection::open_in_memory().expect("mem");
        migrate(&mut conn, "amina").expect("migrate");
        conn
    }

    #[test]
    fn a_fresh_project_has_only_its_own_objects() {
        let conn = fresh();
        assert_eq!(
            unexpected_object(&conn, SCHEMA_VERSION).expect("check"),
            None
        );
        let first: String = conn
            .query_row("SELECT name FROM annotators WHERE id = 1", [], |r| r.get(0))
            .expect("annotator");
        assert_eq!(first, "amina");
    }

    #[test]
    fn a_trigger_a_view_or_a_changed_column_is_found() {
        for (sql, named) in [
            (
                "CREATE TRIGGER t AFTER INSERT ON layer_spans BEGIN UPDATE documents SET text = ''; END",
                "trigger t on layer_spans",
            ),
            ("CREATE VIEW v AS SELECT 1", "view v"),
            ("CREATE TABLE extra (x)", "table extra"),
            ("CREATE INDEX i ON documents(name)", "index i on documents"),
            (
                "ALTER TABLE documents ADD COLUMN y TEXT DEFAULT 'z'",
                "table documents differs",
            ),
            (
                "DROP INDEX layer_spans_by_label",
                "index layer_spans_by_label is missing",
            ),
            (
                "DROP VIEW spans; CREATE VIEW spans AS SELECT 1 AS doc_id",
                "view spans differs",
            ),
        ] {
            let conn = fresh();
            conn.execute_batch(sql).expect(sql);
            let found = unexpected_object(&conn, SCHEMA_VERSION)
                .expect("check")
                .unwrap_or_default();
            assert!(found.contains(named), "{sql}: {found}");
        }
    }

    #[test]
    fn analyze_statistics_are_allowed() {
        let conn = fresh();
        conn.execute_batch("ANALYZE").expect("analyze");
        assert_eq!(
            unexpected_object(&conn, SCHEMA_VERSION).expect("check"),
            None
        );
    }
}
