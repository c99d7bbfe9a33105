//! The project schema and its migrations.

use rusqlite::Connection;

/// The schema this build writes. Files with a higher version are refused.
pub const SCHEMA_VERSION: i64 = 1;

/// The value of `meta.app` in every tawsim project.
pub const APP_MARK: &str = "tawsim";

/// `MIGRATIONS[i]` upgrades a project from schema `i` to `i + 1` (0 = empty file).
const MIGRATIONS: &[&str] = &[r"
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
"];

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

/// Brings the schema up to [`SCHEMA_VERSION`] in one transaction.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    let from = version(&tx)?;
    for (i, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(from).unwrap_or(0))
    {
        tx.execute_batch(sql)?;
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
