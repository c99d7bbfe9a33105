//! Opening, creating and changing a project file.

use super::StoreError;
use super::rows::SameText;
use super::schema::{self, APP_MARK, SCHEMA_VERSION};
use crate::domain::annotator::{self, Annotator, AnnotatorId, Role};
use crate::domain::label::{hex, parse_hex};
use crate::domain::{
    AnnotatedDocument, Annotations, DocId, DocStatus, Document, Edit, History, Label, LabelId,
    LabelKind, LabelOptions, LabelSet, OverlapPolicy, ProjectSettings, Relation, Span, SpanSet,
    TaggedRelation, TaggedSpan,
};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, params};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};

mod suggestions;
pub(crate) use suggestions::unknown_source;
pub use suggestions::{SourceStats, StoredSuggestion, SuggestionRow};

/// One row of the document list: everything but the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocSummary {
    pub id: DocId,
    pub name: String,
    pub status: DocStatus,
    pub spans: usize,
    pub chars: usize,
    /// The layer's document labels (topic, sentiment), shown in the list.
    pub doc_labels: Vec<LabelId>,
}

/// Counts for `tawsim stats` and the status bar.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProjectStats {
    pub documents: usize,
    pub spans: usize,
    pub by_status: BTreeMap<&'static str, usize>,
    /// `(label name, count)` in label display order: spans of an entity label, relations
    /// of a relation type, documents of a document label.
    pub by_label: Vec<(String, usize)>,
    /// Every annotator's layer: spans, and documents by status.
    pub layers: Vec<LayerStats>,
}

/// One annotator's progress.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerStats {
    pub annotator: Annotator,
    pub spans: usize,
    pub done: usize,
    pub in_progress: usize,
    /// Documents assigned to them (team projects), and of those, done.
    pub assigned: usize,
    pub assigned_done: usize,
    /// Active annotation time over every document, in seconds.
    pub active_seconds: f64,
}

/// Who is annotating through a [`Project`]: their layer is the one read and written. The id
/// is `None` until a first write makes the annotator a row of the project (opening a project
/// under a new name adds nobody).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Me {
    id: Option<AnnotatorId>,
    name: String,
    role: Role,
}

impl Me {
    /// The layer id to read (an id no row has when the annotator is not in the project yet).
    fn layer(&self) -> i64 {
        self.id.map_or(-1, |a| a.0)
    }
}

/// An open project. A writer holds an exclusive lock (a `.lock` file beside the project) so
/// that no second window or process writes to it at the same time; a reader
/// ([`Project::open_read_only`]) takes no lock and coexists with the writer.
pub struct Project {
    conn: Connection,
    /// A project an import is making: its file, under another name until
    /// [`Project::publish`]; removed if the project is dropped before then (after `conn`,
    /// declared before it, has closed, and before `_lock`, declared after it, is released).
    staged: Option<Staged>,
    /// A reader's tidy-up, run after `conn` (declared before it) has closed.
    _tidy: Option<TidyWal>,
    path: PathBuf,
    /// The OS lock on `<project>.lock`; `None` for a worker connection of this process and
    /// for a reader.
    _lock: Option<LockFile>,
    /// Opened with [`Project::open_read_only`]: every write is refused.
    read_only: bool,
    labels: LabelSet,
    settings: ProjectSettings,
    me: Me,
}

/// A read-only connection cannot checkpoint, so when it is the last one to close it leaves
/// the `-wal` and `-shm` files SQLite made for it (an empty WAL). Once it has closed, a
/// read-write connection is opened and closed without writing anything: if it is the last
/// connection, SQLite removes both files as any writer does on closing; if a writer has the
/// project open, SQLite leaves them to it.
struct TidyWal {
    path: PathBuf,
}

impl Drop for TidyWal {
    fn drop(&mut self) {
        let mut wal = self.path.as_os_str().to_owned();
        wal.push("-wal");
        // Only an empty WAL: one with content is a crashed writer's, for its next open.
        if std::fs::metadata(&wal).is_ok_and(|m| m.len() == 0)
            && let Ok(conn) =
                Connection::open_with_flags(&self.path, OpenFlags::SQLITE_OPEN_READ_WRITE)
        {
            let _ = conn.query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| {
                r.get::<_, i64>(0)
            });
            let _ = conn.close();
        }
    }
}

/// The file a new project is built in by the import that makes it: `.<name>.building` in
/// the project's folder. Only the holder of the project's lock writes it, so one left by a
/// crashed import is removed by the next.
struct Staged {
    file: PathBuf,
}

impl Staged {
    fn beside(path: &Path) -> Staged {
        let mut name = std::ffi::OsString::from(".");
        name.push(path.file_name().unwrap_or_default());
        name.push(".building");
        Staged {
            file: path.with_file_name(name),
        }
    }

    fn remove(&self) {
        for suffix in ["", "-journal", "-wal", "-shm"] {
            let mut f = self.file.as_os_str().to_owned();
            f.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(f));
        }
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        self.remove();
    }
}

/// The exclusive OS lock on `<project>.lock`, held for as long as a writer is open. Dropping
/// it unlinks the file while still holding the lock, then releases the lock (closing it).
struct LockFile {
    /// Locked; closing it (when the field drops, after `drop` below) releases the lock.
    file: File,
    path: PathBuf,
}

impl Drop for LockFile {
    fn drop(&mut self) {
        // Unlinked before the lock is released: whoever opens the path afterwards gets a new
        // file, and whoever opened the old one before the unlink finds, once it holds the
        // lock, that the path no longer names its file and tries again (see `take_lock`).
        // Elsewhere than on Unix the file stays, so a replaced file never confuses the lock.
        // Only while the path still names our file (someone may have deleted it by hand).
        if cfg!(unix) && still_named(&self.file, &self.path) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

fn sq(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |source| StoreError::Sqlite {
        path: path.to_path_buf(),
        source,
    }
}

fn lock_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".lock");
    PathBuf::from(p)
}

/// True while `path` still names the file `file` has open (the lock file was not unlinked
/// or replaced since it was opened).
#[cfg(unix)]
pub(super) fn still_named(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
pub(super) fn still_named(_file: &File, _path: &Path) -> bool {
    true // lock files are never unlinked there
}

fn take_lock(path: &Path) -> Result<LockFile, StoreError> {
    let lock = lock_path(path);
    // A writer closing unlinks its lock file while holding the lock. If we opened that file
    // just before the unlink, we may get its lock once it is released, but it is no longer
    // the file at the path that the next process will lock: let go and open the path again.
    for _ in 0..16 {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock)
            .map_err(|source| StoreError::Io {
                path: lock.clone(),
                source,
            })?;
        match file.try_lock() {
            Ok(()) => {
                if still_named(&file, &lock) {
                    return Ok(LockFile { file, path: lock });
                }
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StoreError::Locked {
                    path: path.to_path_buf(),
                    lock,
                });
            }
            Err(std::fs::TryLockError::Error(source)) => {
                return Err(StoreError::Io { path: lock, source });
            }
        }
    }
    Err(StoreError::Locked {
        path: path.to_path_buf(),
        lock,
    })
}

/// A project file is untrusted input (files travel between people): SQLite runs no function
/// a schema object names unless it is innocuous, and refuses writes to its own schema
/// (`writable_schema`) and other ways of corrupting the file on purpose.
fn harden(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    use rusqlite::config::DbConfig;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)
        .map_err(sq(path))?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)
        .map_err(sq(path))?;
    Ok(())
}

fn configure(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    configure_as(conn, path, false)
}

/// `staged`: the file of a project an import is making, which nothing else sees until it is
/// published: its rollback journal stays in memory and nothing is synced (publishing syncs
/// the whole file once), so every page is written once instead of to the WAL and again to
/// the file.
fn configure_as(conn: &Connection, path: &Path, staged: bool) -> Result<(), StoreError> {
    harden(conn, path)?;
    conn.busy_timeout(std::time::Duration::from_secs(2))
        .map_err(sq(path))?;
    let (journal, sync) = if staged {
        ("MEMORY", "OFF")
    } else {
        // FULL: every commit is synced, so an edit survives power loss, not only a kill.
        ("WAL", "FULL")
    };
    conn.pragma_update(None, "journal_mode", journal)
        .map_err(sq(path))?;
    conn.pragma_update(None, "synchronous", sync)
        .map_err(sq(path))?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(sq(path))?;
    Ok(())
}

/// The index of spans by label, which an import into a project being built aside
/// ([`Project::create_staged_as`]) builds once after its rows: one sort instead of a B-tree
/// insert per span (BENCHMARKS.md).
const SPANS_BY_LABEL: &str = "layer_spans_by_label";

/// Drops the index `name` inside `tx` and returns the SQL that makes it again, exactly as
/// the schema has it (so the schema check still knows the file), or `None` if there is none.
fn defer_index(tx: &Transaction<'_>, name: &str) -> rusqlite::Result<Option<String>> {
    let sql: Option<String> = tx
        .query_row(
            "SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?1",
            [name],
            |r| r.get(0),
        )
        .optional()?;
    if sql.is_some() {
        tx.execute_batch(&format!("DROP INDEX \"{name}\""))?;
    }
    Ok(sql)
}

/// Syncs the folder of `path`, so a name just given there survives power loss (where the
/// system can; a failure costs only that).
fn sync_folder(path: &Path) {
    if cfg!(unix) {
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let _ = File::open(folder).and_then(|f| f.sync_all());
    }
}

/// Opens `path` read-only for a reader: takes no lock, creates no file beside the project
/// beyond SQLite's own `-wal`/`-shm` (needed to read a WAL database), never writes.
fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sq(path))
}

/// A reader's connection: waits for a writer's transaction, changes nothing (the journal mode
/// is the writer's business; `query_only` refuses any write that slipped past `writable`).
fn configure_reader(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    harden(conn, path)?;
    conn.busy_timeout(std::time::Duration::from_secs(2))
        .map_err(sq(path))?;
    conn.pragma_update(None, "query_only", "ON")
        .map_err(sq(path))?;
    Ok(())
}

/// Checks that `path` is a tawsim project this build can read, without writing to it;
/// returns its schema version.
fn inspect(path: &Path) -> Result<i64, StoreError> {
    use std::io::Read;
    let mut head = [0u8; 16];
    let mut f = File::open(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => StoreError::NotFound {
            path: path.to_path_buf(),
        },
        _ => StoreError::Io {
            path: path.to_path_buf(),
            source,
        },
    })?;
    let n = f.read(&mut head).map_err(|source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if n < 16 || &head != SQLITE_MAGIC {
        return Err(StoreError::NotAProject {
            path: path.to_path_buf(),
            why: "not an SQLite database".into(),
        });
    }
    // Declared first, so it runs after `conn` has closed.
    let _tidy = TidyWal {
        path: path.to_path_buf(),
    };
    let conn = open_reader(path)?;
    harden(&conn, path)?;
    // A window may be writing to it right now: wait for its transaction, as a reader would.
    conn.busy_timeout(std::time::Duration::from_secs(2))
        .map_err(sq(path))?;
    let not_project = |why: &str| StoreError::NotAProject {
        path: path.to_path_buf(),
        why: why.into(),
    };
    let version = schema::version(&conn).map_err(|_| not_project("no tawsim metadata"))?;
    if version == 0 {
        return Err(not_project("an SQLite database without tawsim tables"));
    }
    let app: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'app'", [], |r| r.get(0))
        .optional()
        .map_err(|_| not_project("unreadable metadata"))?;
    if app.as_deref() != Some(APP_MARK) {
        return Err(not_project("its metadata does not say tawsim"));
    }
    if version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    // Before anything else reads or writes it: the file holds this build's schema objects at
    // its version and nothing else (no trigger, view or changed table).
    if let Some(what) = schema::unexpected_object(&conn, version).map_err(sq(path))? {
        return Err(StoreError::UnexpectedSchema {
            path: path.to_path_buf(),
            what,
        });
    }
    Ok(version)
}

/// A document's status in a layer (`new` where the layer has none); `None` when there is
/// no such document. The one place the status of a layer is read.
fn layer_status(conn: &Connection, doc: DocId, layer: i64) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached(
        "SELECT COALESCE((SELECT status FROM layer_status
                          WHERE doc_id = ?1 AND annotator_id = ?2), 'new')
         FROM documents WHERE id = ?1",
    )?
    .query_row(params![doc.0, layer], |r| r.get(0))
    .optional()
}

/// An annotator's name checked as typed (the error names the project).
fn checked_name(path: &Path, name: &str) -> Result<String, StoreError> {
    annotator::check_name(name).map_err(|message| StoreError::Invalid {
        path: path.to_path_buf(),
        message,
    })
}

/// Refuses to create a project in a folder that is not there, naming the folder (rather than
/// failing on the lock file beside the project).
fn check_folder(path: &Path) -> Result<(), StoreError> {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    match std::fs::metadata(folder) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(StoreError::NoFolder {
            path: path.to_path_buf(),
            folder: folder.to_path_buf(),
            why: "is not a folder",
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(StoreError::NoFolder {
            path: path.to_path_buf(),
            folder: folder.to_path_buf(),
            why: "does not exist",
        }),
        Err(source) => Err(StoreError::Io {
            path: folder.to_path_buf(),
            source,
        }),
    }
}

impl Project {
    /// Creates a new project with the default Arabic news label set, as the OS user.
    /// Refuses an existing file.
    pub fn create(path: &Path) -> Result<Project, StoreError> {
        Project::create_as(path, &annotator::os_user_name())
    }

    /// Creates a new project whose first annotator (a manager) is `annotator`.
    pub fn create_as(path: &Path, annotator: &str) -> Result<Project, StoreError> {
        Project::create_in(path, annotator, None)
    }

    /// Creates a new project for the import that fills it, as `annotator`. It is built in
    /// another file beside `path` (`.<name>.building`) without a journal on disk or syncs of
    /// its own, since nothing else can see it, and becomes the project at `path` only with
    /// [`Project::publish`]. Dropped before that (a failed import), it leaves nothing behind;
    /// a crash leaves no project, only that file, which the next import of `path` replaces.
    pub fn create_staged_as(path: &Path, annotator: &str) -> Result<Project, StoreError> {
        Project::create_in(path, annotator, Some(Staged::beside(path)))
    }

    fn create_in(
        path: &Path,
        annotator: &str,
        staged: Option<Staged>,
    ) -> Result<Project, StoreError> {
        let name = checked_name(path, annotator)?;
        if path.exists() {
            return Err(StoreError::AlreadyExists {
                path: path.to_path_buf(),
            });
        }
        check_folder(path)?;
        let lock = take_lock(path)?;
        if let Some(s) = &staged {
            s.remove(); // a killed import's, as we hold the lock
        }
        let file = staged.as_ref().map_or(path, |s| s.file.as_path());
        let mut conn = Connection::open(file).map_err(sq(path))?;
        configure_as(&conn, path, staged.is_some())?;
        schema::migrate(&mut conn, &name).map_err(sq(path))?;
        let mut project = Project {
            conn,
            staged,
            _tidy: None,
            path: path.to_path_buf(),
            _lock: Some(lock),
            read_only: false,
            labels: LabelSet::default(),
            settings: ProjectSettings::default(),
            me: Me {
                id: None,
                name,
                role: Role::Annotator,
            },
        };
        project.me = project.load_me(&project.me.name)?;
        project.save_labels(&LabelSet::arabic_news())?;
        project.save_settings(ProjectSettings::default())?;
        Ok(project)
    }

    /// Makes a project from [`Project::create_staged_as`] the project at its path: switched
    /// to the WAL journal, synced to disk, and given its name in one step, never over a file
    /// that appeared there meanwhile. Any other project is returned as it is.
    pub fn publish(mut self) -> Result<Project, StoreError> {
        // Declared first, so on an early return it is released last: after the half-built
        // file is gone, never while another import could be building its own.
        let lock = self._lock.take();
        let Some(staged) = self.staged.take() else {
            self._lock = lock;
            return Ok(self);
        };
        let Project { conn, path, me, .. } = self;
        let io = |source| StoreError::Io {
            path: staged.file.clone(),
            source,
        };
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sq(&path))?;
        conn.close().map_err(|(_, e)| sq(&path)(e))?;
        File::open(&staged.file)
            .and_then(|f| f.sync_all())
            .map_err(io)?;
        match std::fs::hard_link(&staged.file, &path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(StoreError::AlreadyExists { path });
            }
            // A file system without hard links; no other tawsim makes `path` while we hold
            // its lock.
            Err(_) if !path.exists() => std::fs::rename(&staged.file, &path).map_err(io)?,
            Err(source) => return Err(StoreError::Io { path, source }),
        }
        drop(staged); // its name goes; the file is the project's now
        sync_folder(&path);
        let lock = match lock {
            Some(lock) => lock,
            None => take_lock(&path)?,
        };
        Project::open_locked(&path, me.name, lock)
    }

    /// Opens an existing project as the OS user. A file that is not a tawsim project, or
    /// one from a newer schema, is refused and left untouched.
    pub fn open(path: &Path) -> Result<Project, StoreError> {
        Project::open_as(path, &annotator::os_user_name())
    }

    /// Opens an existing project as `annotator`: their layer is the one read and written
    /// (a name the project does not know yet becomes an annotator at its first write). An
    /// older schema is upgraded in one transaction; a v1 file's spans become this
    /// annotator's.
    pub fn open_as(path: &Path, annotator: &str) -> Result<Project, StoreError> {
        let name = checked_name(path, annotator)?;
        inspect(path)?;
        let lock = take_lock(path)?;
        Project::open_locked(path, name, lock)
    }

    fn open_locked(path: &Path, name: String, lock: LockFile) -> Result<Project, StoreError> {
        let mut conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)
            .map_err(sq(path))?;
        configure(&conn, path)?;
        schema::migrate(&mut conn, &name).map_err(sq(path))?;
        let mut project = Project {
            conn,
            staged: None,
            _tidy: None,
            path: path.to_path_buf(),
            _lock: Some(lock),
            read_only: false,
            labels: LabelSet::default(),
            settings: ProjectSettings::default(),
            me: Me {
                id: None,
                name: name.clone(),
                role: Role::Annotator,
            },
        };
        project.me = project.load_me(&name)?;
        project.labels = project.load_labels()?;
        project.settings = project.load_settings()?;
        Ok(project)
    }

    /// Opens an existing project for reading only (export, stats): no lock is taken, so this
    /// works while a window (the one writer) has it open, and every write is refused with
    /// [`StoreError::ReadOnly`]. The same checks as [`Project::open`] apply: a file that is
    /// not a tawsim project, or one of another schema, is refused.
    pub fn open_read_only(path: &Path) -> Result<Project, StoreError> {
        Project::open_read_only_as(path, &annotator::os_user_name())
    }

    /// [`Project::open_read_only`] reading `annotator`'s layer.
    pub fn open_read_only_as(path: &Path, annotator: &str) -> Result<Project, StoreError> {
        let name = checked_name(path, annotator)?;
        let version = inspect(path)?;
        if version < SCHEMA_VERSION {
            return Err(StoreError::NeedsUpgrade {
                path: path.to_path_buf(),
                found: version,
            });
        }
        let conn = open_reader(path)?;
        configure_reader(&conn, path)?;
        let mut project = Project {
            conn,
            staged: None,
            _tidy: Some(TidyWal {
                path: path.to_path_buf(),
            }),
            path: path.to_path_buf(),
            _lock: None,
            read_only: true,
            labels: LabelSet::default(),
            settings: ProjectSettings::default(),
            me: Me {
                id: None,
                name: name.clone(),
                role: Role::Annotator,
            },
        };
        project.me = project.load_me(&name)?;
        project.labels = project.load_labels()?;
        project.settings = project.load_settings()?;
        Ok(project)
    }

    /// True for a project opened with [`Project::open_read_only`].
    #[must_use]
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Refuses a write on a read-only project before SQLite is asked.
    fn writable(&self) -> Result<(), StoreError> {
        if self.read_only {
            Err(StoreError::ReadOnly {
                path: self.path.clone(),
            })
        } else {
            Ok(())
        }
    }

    /// Opens `path`, creating the project when no file is there.
    pub fn open_or_create(path: &Path) -> Result<Project, StoreError> {
        if path.exists() {
            Project::open(path)
        } else {
            Project::create(path)
        }
    }

    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A second connection to this (already locked) project for a background thread of the
    /// same process: imports and exports run on it while the window stays responsive.
    pub fn worker(&self) -> Result<Project, StoreError> {
        let path = self.path.clone();
        let conn = if self.read_only {
            let conn = open_reader(&path)?;
            configure_reader(&conn, &path)?;
            conn
        } else {
            let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_WRITE)
                .map_err(sq(&path))?;
            configure(&conn, &path)?;
            conn
        };
        Ok(Project {
            conn,
            staged: None,
            _tidy: self.read_only.then(|| TidyWal { path: path.clone() }),
            path,
            _lock: None,
            read_only: self.read_only,
            labels: self.labels.clone(),
            settings: self.settings,
            me: self.me.clone(),
        })
    }

    /// Re-reads labels and settings (after a worker connection changed them).
    pub fn reload(&mut self) -> Result<(), StoreError> {
        // A worker's first write may have made this annotator a row of the project.
        self.me = self.load_me(&self.me.name.clone())?;
        self.labels = self.load_labels()?;
        self.settings = self.load_settings()?;
        Ok(())
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        sq(&self.path)
    }

    // ------------------------------------------------------------------ annotators

    /// Looks `name` up among the project's annotators.
    fn load_me(&self, name: &str) -> Result<Me, StoreError> {
        let row: Option<(i64, String)> = self
            .conn
            .query_row(
                "SELECT id, role FROM annotators WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(self.err())?;
        Ok(match row {
            Some((id, role)) => Me {
                id: Some(AnnotatorId(id)),
                name: name.to_string(),
                role: Role::parse(&role).unwrap_or_default(),
            },
            None => Me {
                id: None,
                name: name.to_string(),
                role: Role::Annotator,
            },
        })
    }

    /// The annotator whose layer this handle reads and writes (its id is `None` until they
    /// first write to a project that did not know them).
    #[must_use]
    pub fn annotator(&self) -> (Option<AnnotatorId>, &str, Role) {
        (self.me.id, &self.me.name, self.me.role)
    }

    /// Reads and writes `name`'s layer from now on.
    pub fn set_annotator(&mut self, name: &str) -> Result<(), StoreError> {
        let name = checked_name(&self.path, name)?;
        self.me = self.load_me(&name)?;
        Ok(())
    }

    /// Makes this handle's annotator a row of the project if they are not one yet; returns
    /// their layer id.
    fn ensure_me(&mut self) -> Result<i64, StoreError> {
        if let Some(id) = self.me.id {
            return Ok(id.0);
        }
        self.writable()?;
        // The project's first annotator (its manager) was made with the project, so anyone
        // added here is an annotator.
        self.conn
            .execute(
                "INSERT INTO annotators (name, role) VALUES (?1, ?2)",
                params![self.me.name, Role::Annotator.as_str()],
            )
            .map_err(self.err())?;
        let id = self.conn.last_insert_rowid();
        self.me.id = Some(AnnotatorId(id));
        self.me.role = Role::Annotator;
        Ok(id)
    }

    /// The project's annotators in the order they joined.
    pub fn annotators(&self) -> Result<Vec<Annotator>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT id, name, role FROM annotators ORDER BY id")
            .map_err(self.err())?;
        let rows = st
            .query_map([], |r| {
                let role: String = r.get(2)?;
                Ok(Annotator {
                    id: AnnotatorId(r.get(0)?),
                    name: r.get(1)?,
                    role: Role::parse(&role).unwrap_or_default(),
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Changes an annotator's role (adding them when the project does not know them yet).
    pub fn set_role(&mut self, name: &str, role: Role) -> Result<(), StoreError> {
        self.writable()?;
        let name = checked_name(&self.path, name)?;
        self.conn
            .execute(
                "INSERT INTO annotators (name, role) VALUES (?1, ?2)
                 ON CONFLICT (name) DO UPDATE SET role = excluded.role",
                params![name, role.as_str()],
            )
            .map_err(self.err())?;
        if name == self.me.name {
            self.me = self.load_me(&name)?;
        }
        Ok(())
    }

    /// True when this handle's annotator may see `layer` (their own; any layer for a
    /// manager; others' when the project shows layers to everyone).
    #[must_use]
    pub fn may_view(&self, layer: AnnotatorId) -> bool {
        crate::domain::annotator::may_view(
            self.me.id,
            self.me.role,
            self.settings.others_visible,
            layer,
        )
    }

    // ------------------------------------------------------------------ settings

    #[must_use]
    pub fn settings(&self) -> ProjectSettings {
        self.settings
    }

    fn load_settings(&self) -> Result<ProjectSettings, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT key, value FROM meta WHERE key NOT LIKE 'direction:%'")
            .map_err(self.err())?;
        let map: HashMap<String, String> = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(self.err())?
            .collect::<Result<_, _>>()
            .map_err(self.err())?;
        Ok(super::rows::settings_from(|k| map.get(k).cloned()))
    }

    /// Saves the project's annotation settings (one transaction).
    pub fn save_settings(&mut self, s: ProjectSettings) -> Result<(), StoreError> {
        self.writable()?;
        let tx = self.conn.transaction().map_err(sq(&self.path))?;
        for (k, v) in super::rows::settings_pairs(s) {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [k, v],
            )
            .map_err(sq(&self.path))?;
        }
        tx.commit().map_err(sq(&self.path))?;
        self.settings = s;
        Ok(())
    }

    // ------------------------------------------------------------------ labels

    #[must_use]
    pub fn labels(&self) -> &LabelSet {
        &self.labels
    }

    fn load_labels(&self) -> Result<LabelSet, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT id, name, color, hotkey, description, enabled, kind, options FROM labels ORDER BY position, id")
            .map_err(self.err())?;
        let rows = st
            .query_map([], |r| {
                let color: String = r.get(2)?;
                let hotkey: Option<String> = r.get(3)?;
                Ok(Label {
                    id: LabelId(r.get(0)?),
                    name: r.get(1)?,
                    color: parse_hex(&color).unwrap_or([200, 200, 200]),
                    hotkey: hotkey.and_then(|h| h.chars().next()),
                    description: r.get(4)?,
                    enabled: r.get(5)?,
                    kind: LabelKind::parse(&r.get::<_, String>(6)?).unwrap_or_default(),
                    options: LabelOptions::from_json(&r.get::<_, String>(7)?),
                })
            })
            .map_err(self.err())?;
        let labels = rows.collect::<Result<Vec<_>, _>>().map_err(self.err())?;
        Ok(LabelSet::from_labels(labels))
    }

    fn write_labels(tx: &Transaction<'_>, set: &LabelSet) -> rusqlite::Result<()> {
        // Rename through temporary names so swapping two names never trips UNIQUE.
        tx.execute("UPDATE labels SET name = '\u{1}' || id", [])?;
        let mut up = tx.prepare_cached(
            "INSERT INTO labels (id, name, color, hotkey, description, enabled, position, kind, options)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, color = excluded.color,
               hotkey = excluded.hotkey, description = excluded.description,
               enabled = excluded.enabled, position = excluded.position,
               kind = excluded.kind, options = excluded.options",
        )?;
        for (pos, l) in set.iter().enumerate() {
            up.execute(params![
                l.id.0,
                l.name,
                hex(l.color),
                l.hotkey.map(String::from),
                l.description,
                l.enabled,
                pos as i64,
                l.kind.as_str(),
                l.options.to_json()
            ])?;
        }
        // Labels no longer in the set go (their spans were checked by the caller), with the
        // suggestions of them and their rejections.
        let keep: Vec<String> = set.iter().map(|l| l.id.0.to_string()).collect();
        let keep = if keep.is_empty() {
            "NULL".into()
        } else {
            keep.join(",")
        };
        for table in [
            "suggestions",
            "layer_rejections",
            "layer_doc_labels",
            "layer_relations",
        ] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE label_id NOT IN ({keep})"),
                [],
            )?;
        }
        tx.execute(&format!("DELETE FROM labels WHERE id NOT IN ({keep})"), [])?;
        Ok(())
    }

    /// Replaces the label set (add, rename, recolour, reorder, delete) in one transaction.
    /// Deleting a label that spans still use is refused; see [`Project::delete_label`].
    pub fn save_labels(&mut self, set: &LabelSet) -> Result<(), StoreError> {
        self.writable()?;
        for l in self.labels.iter() {
            if set.get(l.id).is_none() {
                let used = self.label_usage(l.id)?;
                if used > 0 {
                    return Err(StoreError::Invalid {
                        path: self.path.clone(),
                        message: format!(
                            "label {} is used by {used} spans; delete them first",
                            l.name
                        ),
                    });
                }
            }
        }
        let tx = self.conn.transaction().map_err(sq(&self.path))?;
        Self::write_labels(&tx, set).map_err(sq(&self.path))?;
        tx.commit().map_err(sq(&self.path))?;
        self.labels = set.clone();
        Ok(())
    }

    /// Number of spans with this label across the project.
    pub fn label_usage(&self, id: LabelId) -> Result<usize, StoreError> {
        self.conn
            .query_row(
                "SELECT (SELECT COUNT(*) FROM layer_spans WHERE label_id = ?1)
                   + (SELECT COUNT(*) FROM layer_relations WHERE label_id = ?1)
                   + (SELECT COUNT(*) FROM layer_doc_labels WHERE label_id = ?1)",
                [id.0],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| usize::try_from(n).unwrap_or(0))
            .map_err(self.err())
    }

    /// Deletes a label and every span that uses it (after the user confirmed), in one
    /// transaction. The spans' undo history entries that mention it are dropped too.
    pub fn delete_label(&mut self, id: LabelId) -> Result<usize, StoreError> {
        self.writable()?;
        let mut set = self.labels.clone();
        set.remove(id).map_err(|e| StoreError::Invalid {
            path: self.path.clone(),
            message: e.to_string(),
        })?;
        let tx = self.conn.transaction().map_err(sq(&self.path))?;
        // Relations of the type, and those whose end is a span of the label, go first.
        let relations = tx
            .execute(
                "DELETE FROM layer_relations WHERE ?1 IN (label_id, from_label, to_label)",
                [id.0],
            )
            .map_err(sq(&self.path))?;
        let removed = relations
            + tx.execute("DELETE FROM layer_spans WHERE label_id = ?1", [id.0])
                .map_err(sq(&self.path))?;
        for table in ["suggestions", "layer_rejections", "layer_doc_labels"] {
            tx.execute(&format!("DELETE FROM {table} WHERE label_id = ?1"), [id.0])
                .map_err(sq(&self.path))?;
        }
        // History that refers to the label cannot be replayed any more: the documents whose
        // history holds an edit of one of its spans lose their history (decoded, not matched
        // as text: label 3 must not take the history of label 30 with it).
        let mut docs = std::collections::BTreeSet::new();
        {
            let mut st = tx
                .prepare("SELECT doc_id, edit FROM layer_history")
                .map_err(sq(&self.path))?;
            let rows = st
                .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
                .map_err(sq(&self.path))?;
            for row in rows {
                let (doc, json) = row.map_err(sq(&self.path))?;
                let edit: Edit = serde_json::from_str(&json).map_err(|e| StoreError::Invalid {
                    path: self.path.clone(),
                    message: format!(
                        "an undo history entry of document {doc} does not decode: {e}"
                    ),
                })?;
                if edit.mentions_label(id) {
                    docs.insert(doc);
                }
            }
        }
        for doc in docs {
            tx.execute("DELETE FROM layer_history WHERE doc_id = ?1", [doc])
                .map_err(sq(&self.path))?;
        }
        Self::write_labels(&tx, &set).map_err(sq(&self.path))?;
        tx.commit().map_err(sq(&self.path))?;
        self.labels = set;
        Ok(removed)
    }

    // ------------------------------------------------------------------ documents

    /// Deletes documents with their spans and history (after the user confirmed), in one
    /// transaction. Returns how many were deleted.
    pub fn delete_documents(&mut self, ids: &[DocId]) -> Result<usize, StoreError> {
        self.writable()?;
        let tx = self.conn.transaction().map_err(sq(&self.path))?;
        let mut n = 0;
        for id in ids {
            for table in [
                "layer_spans",
                "layer_status",
                "layer_history",
                "layer_time",
                "suggestions",
                "layer_rejections",
            ] {
                tx.execute(&format!("DELETE FROM {table} WHERE doc_id = ?1"), [id.0])
                    .map_err(sq(&self.path))?;
            }
            n += tx
                .execute("DELETE FROM documents WHERE id = ?1", [id.0])
                .map_err(sq(&self.path))?;
        }
        tx.commit().map_err(sq(&self.path))?;
        Ok(n)
    }

    /// The document list in import order, without texts (statuses and span counts of this
    /// annotator's layer).
    pub fn documents(&self) -> Result<Vec<DocSummary>, StoreError> {
        self.layer_documents(self.me.layer())
    }

    fn layer_documents(&self, layer: i64) -> Result<Vec<DocSummary>, StoreError> {
        let mut st = self
            .conn
            .prepare(
                "SELECT d.id, d.name,
                        COALESCE((SELECT status FROM layer_status t
                                  WHERE t.doc_id = d.id AND t.annotator_id = ?1), 'new'),
                        d.char_len,
                        (SELECT COUNT(*) FROM layer_spans s
                         WHERE s.doc_id = d.id AND s.annotator_id = ?1),
                        g.labels
                 FROM documents d
                 LEFT JOIN (SELECT doc_id, group_concat(label_id) AS labels
                            FROM layer_doc_labels WHERE annotator_id = ?1 GROUP BY doc_id) g
                   ON g.doc_id = d.id
                 ORDER BY d.id",
            )
            .map_err(self.err())?;
        let rows = st
            .query_map([layer], |r| {
                let status: String = r.get(2)?;
                Ok(DocSummary {
                    id: DocId(r.get(0)?),
                    name: r.get(1)?,
                    status: DocStatus::parse(&status).unwrap_or_default(),
                    chars: usize::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
                    spans: usize::try_from(r.get::<_, i64>(4)?).unwrap_or(0),
                    doc_labels: r
                        .get::<_, Option<String>>(5)?
                        .unwrap_or_default()
                        .split(',')
                        .filter_map(|x| x.parse().ok().map(LabelId))
                        .collect(),
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<Vec<_>, _>>().map_err(self.err())
    }

    /// One document with its text and metadata (status of this annotator's layer).
    pub fn document(&self, id: DocId) -> Result<Document, StoreError> {
        let status = self.document_status(id, self.me.layer())?;
        self.document_text(id, status)
    }

    /// A document's name, text and metadata, with the status the caller read.
    fn document_text(&self, id: DocId, status: DocStatus) -> Result<Document, StoreError> {
        self.conn
            .query_row(
                "SELECT name, text, meta FROM documents WHERE id = ?1",
                [id.0],
                |r| {
                    let meta: String = r.get(2)?;
                    Ok(Document {
                        id,
                        name: r.get(0)?,
                        text: r.get(1)?,
                        meta: serde_json::from_str(&meta).unwrap_or_default(),
                        status,
                    })
                },
            )
            .optional()
            .map_err(self.err())?
            .ok_or(StoreError::NoDocument {
                path: self.path.clone(),
                id: id.0,
            })
    }

    /// A document's spans and status in this handle's annotator's layer.
    pub fn annotations(&self, id: DocId) -> Result<Annotations, StoreError> {
        self.layer_annotations(id, self.me.layer())
    }

    /// A document's spans and status in another annotator's layer (whether this annotator
    /// may see it is the caller's check: [`Project::may_view`]).
    pub fn annotations_of(&self, id: DocId, layer: AnnotatorId) -> Result<Annotations, StoreError> {
        self.layer_annotations(id, layer.0)
    }

    fn layer_annotations(&self, id: DocId, layer: i64) -> Result<Annotations, StoreError> {
        let status = self.document_status(id, layer)?;
        Ok(Annotations {
            spans: SpanSet::from_unchecked(self.layer_rows_of(
                "SELECT start, end, label_id FROM layer_spans WHERE doc_id = ?1 AND annotator_id = ?2",
                id,
                layer,
            )?),
            status,
            rejected: self
                .layer_rows_of(
                    "SELECT start, end, label_id FROM layer_rejections WHERE doc_id = ?1 AND annotator_id = ?2",
                    id,
                    layer,
                )?
                .into_iter()
                .collect(),
            relations: self.layer_relations(id, layer)?,
            doc_labels: self.layer_doc_labels(id, layer)?,
        })
    }

    fn layer_relations(&self, id: DocId, layer: i64) -> Result<BTreeSet<Relation>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT from_start, from_end, from_label, to_start, to_end, to_label, label_id
                 FROM layer_relations WHERE doc_id = ?1 AND annotator_id = ?2",
            )
            .map_err(self.err())?;
        let rows = st
            .query_map([id.0, layer], |r| {
                let span = |i: usize| -> rusqlite::Result<Option<Span>> {
                    let (s, e, l) = (r.get::<_, i64>(i)?, r.get::<_, i64>(i + 1)?, r.get(i + 2)?);
                    Ok(Span::new(
                        usize::try_from(s).unwrap_or(0),
                        usize::try_from(e).unwrap_or(0),
                        LabelId(l),
                    ))
                };
                let label = LabelId(r.get(6)?);
                Ok(span(0)?
                    .zip(span(3)?)
                    .map(|(from, to)| Relation { from, to, label }))
            })
            .map_err(self.err())?;
        let mut out = BTreeSet::new();
        for r in rows {
            out.extend(r.map_err(self.err())?);
        }
        Ok(out)
    }

    fn layer_doc_labels(&self, id: DocId, layer: i64) -> Result<BTreeSet<LabelId>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT label_id FROM layer_doc_labels WHERE doc_id = ?1 AND annotator_id = ?2",
            )
            .map_err(self.err())?;
        let rows = st
            .query_map([id.0, layer], |r| Ok(LabelId(r.get(0)?)))
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// A layer's rows of a document (start, end, label) from `sql`, as spans.
    fn layer_rows_of(&self, sql: &str, id: DocId, layer: i64) -> Result<Vec<Span>, StoreError> {
        let mut st = self.conn.prepare_cached(sql).map_err(self.err())?;
        let rows = st
            .query_map([id.0, layer], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, u32>(2)?,
                ))
            })
            .map_err(self.err())?
            .filter_map(|row| {
                let (s, e, l) = row.ok()?;
                Span::new(
                    usize::try_from(s).ok()?,
                    usize::try_from(e).ok()?,
                    LabelId(l),
                )
            })
            .collect();
        Ok(rows)
    }

    fn document_status(&self, id: DocId, layer: i64) -> Result<DocStatus, StoreError> {
        let status = layer_status(&self.conn, id, layer).map_err(self.err())?;
        let status = status.ok_or(StoreError::NoDocument {
            path: self.path.clone(),
            id: id.0,
        })?;
        Ok(DocStatus::parse(&status).unwrap_or_default())
    }

    /// The reading direction chosen for a document (`auto`, `rtl` or `ltr`; `auto` when
    /// none was chosen): a view setting kept in the project, not in the document.
    pub fn document_direction(&self, id: DocId) -> Result<String, StoreError> {
        let v: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = ?1",
                [format!("direction:{}", id.0)],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.err())?;
        Ok(v.unwrap_or_else(|| "auto".into()))
    }

    /// Stores a document's reading direction (`auto`, `rtl` or `ltr`).
    pub fn set_document_direction(&mut self, id: DocId, direction: &str) -> Result<(), StoreError> {
        self.writable()?;
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [format!("direction:{}", id.0), direction.to_string()],
            )
            .map(drop)
            .map_err(self.err())
    }

    /// A document's undo history as stored.
    pub fn history(&self, id: DocId) -> Result<History, StoreError> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT edit, undone FROM layer_history WHERE doc_id = ?1 AND annotator_id = ?2 ORDER BY seq",
            )
            .map_err(self.err())?;
        let rows = st
            .query_map([id.0, self.me.layer()], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?))
            })
            .map_err(self.err())?;
        let steps = rows.collect::<Result<Vec<_>, _>>().map_err(self.err())?;
        super::rows::history(&self.path, id, steps)
    }

    // ------------------------------------------------------------------ edits

    /// Runs `sql` (an insert or delete keyed by document, layer, start, end and label) for
    /// one span; returns the rows it changed.
    fn span_sql(
        tx: &Transaction<'_>,
        sql: &str,
        doc: DocId,
        layer: i64,
        span: Span,
    ) -> Result<usize, String> {
        tx.prepare_cached(sql)
            .and_then(|mut s| {
                s.execute(params![
                    doc.0,
                    layer,
                    span.start as i64,
                    span.end as i64,
                    span.label.0
                ])
            })
            .map_err(|x| x.to_string())
    }

    fn apply_sql(tx: &Transaction<'_>, doc: DocId, layer: i64, edit: &Edit) -> Result<(), String> {
        let e = |x: rusqlite::Error| x.to_string();
        match edit {
            Edit::AddSpan { span } => {
                Self::span_sql(
                    tx,
                    "INSERT INTO layer_spans (doc_id, annotator_id, start, end, label_id)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    doc,
                    layer,
                    *span,
                )?;
            }
            Edit::RemoveSpan { span } => {
                let linked: bool = tx
                    .prepare_cached(
                        "SELECT EXISTS (SELECT 1 FROM layer_relations WHERE doc_id = ?1
                         AND annotator_id = ?2
                         AND ((from_start = ?3 AND from_end = ?4 AND from_label = ?5)
                           OR (to_start = ?3 AND to_end = ?4 AND to_label = ?5)))",
                    )
                    .and_then(|mut s| {
                        s.query_row(
                            params![
                                doc.0,
                                layer,
                                span.start as i64,
                                span.end as i64,
                                span.label.0
                            ],
                            |r| r.get(0),
                        )
                    })
                    .map_err(e)?;
                if linked {
                    return Err(format!("span {span} of document {doc} has relations"));
                }
                let n = Self::span_sql(
                    tx,
                    "DELETE FROM layer_spans WHERE doc_id = ?1 AND annotator_id = ?2
                     AND start = ?3 AND end = ?4 AND label_id = ?5",
                    doc,
                    layer,
                    *span,
                )?;
                if n != 1 {
                    return Err(format!("span {span} is not in document {doc}"));
                }
            }
            Edit::Reject { span } => {
                Self::span_sql(
                    tx,
                    "INSERT INTO layer_rejections (doc_id, annotator_id, start, end, label_id)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    doc,
                    layer,
                    *span,
                )?;
            }
            Edit::Unreject { span } => {
                let n = Self::span_sql(
                    tx,
                    "DELETE FROM layer_rejections WHERE doc_id = ?1 AND annotator_id = ?2
                     AND start = ?3 AND end = ?4 AND label_id = ?5",
                    doc,
                    layer,
                    *span,
                )?;
                if n != 1 {
                    return Err(format!(
                        "suggestion {span} is not rejected in document {doc}"
                    ));
                }
            }
            Edit::ReplaceSpan { from, to } => {
                // The span's relations follow it (the table has no foreign key to spans).
                for end in ["from", "to"] {
                    tx.prepare_cached(&format!(
                        "UPDATE layer_relations SET {end}_start = ?6, {end}_end = ?7, {end}_label = ?8
                         WHERE doc_id = ?1 AND annotator_id = ?2 AND {end}_start = ?3
                         AND {end}_end = ?4 AND {end}_label = ?5"
                    ))
                    .and_then(|mut s| {
                        s.execute(params![
                            doc.0,
                            layer,
                            from.start as i64,
                            from.end as i64,
                            from.label.0,
                            to.start as i64,
                            to.end as i64,
                            to.label.0
                        ])
                    })
                    .map_err(e)?;
                }
                Self::apply_sql(tx, doc, layer, &Edit::RemoveSpan { span: *from })?;
                Self::apply_sql(tx, doc, layer, &Edit::AddSpan { span: *to })?;
            }
            Edit::AddRelation { relation } | Edit::RemoveRelation { relation } => {
                let add = matches!(edit, Edit::AddRelation { .. });
                let (f, t) = (relation.from, relation.to);
                let n = tx
                    .prepare_cached(if add {
                        "INSERT INTO layer_relations (doc_id, annotator_id, from_start, from_end,
                           from_label, to_start, to_end, to_label, label_id)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
                    } else {
                        "DELETE FROM layer_relations WHERE doc_id = ?1 AND annotator_id = ?2
                         AND from_start = ?3 AND from_end = ?4 AND from_label = ?5
                         AND to_start = ?6 AND to_end = ?7 AND to_label = ?8 AND label_id = ?9"
                    })
                    .and_then(|mut s| {
                        s.execute(params![
                            doc.0,
                            layer,
                            f.start as i64,
                            f.end as i64,
                            f.label.0,
                            t.start as i64,
                            t.end as i64,
                            t.label.0,
                            relation.label.0
                        ])
                    })
                    .map_err(e)?;
                if n != 1 {
                    return Err(format!("relation {relation} is not in document {doc}"));
                }
            }
            Edit::AddDocLabel { label } | Edit::RemoveDocLabel { label } => {
                let sql = if matches!(edit, Edit::AddDocLabel { .. }) {
                    "INSERT INTO layer_doc_labels (doc_id, annotator_id, label_id) VALUES (?1, ?2, ?3)"
                } else {
                    "DELETE FROM layer_doc_labels WHERE doc_id = ?1 AND annotator_id = ?2 AND label_id = ?3"
                };
                let n = tx
                    .prepare_cached(sql)
                    .and_then(|mut s| s.execute(params![doc.0, layer, label.0]))
                    .map_err(e)?;
                if n != 1 {
                    return Err(format!(
                        "document label {} is not on document {doc}",
                        label.0
                    ));
                }
            }
            Edit::SetStatus { from, to } => {
                // The status must still be `from`: the file records exactly the edit made.
                let now = layer_status(tx, doc, layer).map_err(e)?;
                if now.as_deref() != Some(from.as_str()) {
                    return Err(format!(
                        "document {doc} does not exist or its status is not {}",
                        from.as_str()
                    ));
                }
                tx.execute(
                    "INSERT INTO layer_status (doc_id, annotator_id, status) VALUES (?1, ?2, ?3)
                     ON CONFLICT (doc_id, annotator_id) DO UPDATE SET status = excluded.status",
                    params![doc.0, layer, to.as_str()],
                )
                .map_err(e)?;
            }
            Edit::Batch { edits } => {
                for x in edits {
                    Self::apply_sql(tx, doc, layer, x)?;
                }
            }
        }
        Ok(())
    }

    /// Limits the file to `pages` database pages (SQLite `max_page_count`): a write that
    /// needs more fails as on a full disk. For tests of the disk-full path; `None` lifts it.
    pub fn set_page_limit(&mut self, pages: Option<u64>) -> Result<u64, StoreError> {
        let n = pages.unwrap_or(4_294_967_294);
        self.conn
            .query_row(&format!("PRAGMA max_page_count = {n}"), [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|v| v as u64)
            .map_err(self.err())
    }

    /// Pages the file holds now.
    pub fn page_count(&self) -> Result<u64, StoreError> {
        self.conn
            .query_row("PRAGMA page_count", [], |r| r.get::<_, i64>(0))
            .map(|v| v as u64)
            .map_err(self.err())
    }

    fn run_edit_tx(
        &mut self,
        f: impl FnOnce(&Transaction<'_>) -> Result<(), String>,
    ) -> Result<(), StoreError> {
        self.writable()?;
        let path = self.path.clone();
        // SQLite keeps writing to a file deleted underneath it, and those writes would be
        // lost: refuse instead, so the edits stay in memory until the file is back.
        if !path.exists() {
            return Err(StoreError::Io {
                path: path.clone(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "the project file was deleted or moved while open",
                ),
            });
        }
        let tx = self.conn.transaction().map_err(sq(&path))?;
        f(&tx).map_err(|message| StoreError::Invalid {
            path: path.clone(),
            message,
        })?;
        tx.commit().map_err(sq(&path))
    }

    /// Applies an edit (already checked against the document's annotations by the caller)
    /// and records it in the document's history: one durable transaction.
    pub fn apply(&mut self, doc: DocId, edit: &Edit) -> Result<(), StoreError> {
        let json = serde_json::to_string(edit).map_err(|e| StoreError::Invalid {
            path: self.path.clone(),
            message: e.to_string(),
        })?;
        let layer = self.ensure_me()?;
        self.run_edit_tx(|tx| {
            Self::apply_sql(tx, doc, layer, edit)?;
            let e = |x: rusqlite::Error| x.to_string();
            tx.execute(
                "DELETE FROM layer_history WHERE doc_id = ?1 AND annotator_id = ?2 AND undone = 1",
                [doc.0, layer],
            )
            .map_err(e)?;
            tx.execute(
                "INSERT INTO layer_history (doc_id, annotator_id, seq, edit, undone)
                 VALUES (?1, ?2, COALESCE((SELECT MAX(seq) FROM layer_history
                                          WHERE doc_id = ?1 AND annotator_id = ?2), 0) + 1, ?3, 0)",
                params![doc.0, layer, json],
            )
            .map_err(e)?;
            Ok(())
        })
    }

    /// Undoes the document's last edit in the file; returns the edit that was applied (the
    /// inverse), or `None` when there is nothing to undo.
    pub fn undo(&mut self, doc: DocId) -> Result<Option<Edit>, StoreError> {
        self.step_history(doc, false, None)
    }

    /// Undoes the document's last edit in the file, which must be `applied` (the inverse the
    /// in-memory history just applied): when the file's history step is another edit, or
    /// there is none, nothing changes and the error says so.
    pub fn undo_expecting(&mut self, doc: DocId, applied: &Edit) -> Result<(), StoreError> {
        self.step_history(doc, false, Some(applied)).map(drop)
    }

    /// Redoes the document's next undone edit in the file, which must be `applied` (as
    /// [`Project::undo_expecting`]).
    pub fn redo_expecting(&mut self, doc: DocId, applied: &Edit) -> Result<(), StoreError> {
        self.step_history(doc, true, Some(applied)).map(drop)
    }

    /// Redoes the document's next undone edit; returns it, or `None`.
    pub fn redo(&mut self, doc: DocId) -> Result<Option<Edit>, StoreError> {
        self.step_history(doc, true, None)
    }

    /// One step through the stored history: back (the newest applied edit, inverted) or
    /// forward (the oldest undone edit), in one transaction.
    fn step_history(
        &mut self,
        doc: DocId,
        forward: bool,
        expect: Option<&Edit>,
    ) -> Result<Option<Edit>, StoreError> {
        let query = if forward {
            "SELECT seq, edit FROM layer_history WHERE doc_id = ?1 AND annotator_id = ?2
             AND undone = 1 ORDER BY seq ASC LIMIT 1"
        } else {
            "SELECT seq, edit FROM layer_history WHERE doc_id = ?1 AND annotator_id = ?2
             AND undone = 0 ORDER BY seq DESC LIMIT 1"
        };
        let mut out = None;
        let layer = self.me.layer();
        self.run_edit_tx(|tx| {
            let e = |x: rusqlite::Error| x.to_string();
            let row: Option<(i64, String)> = tx
                .query_row(query, [doc.0, layer], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
                .map_err(e)?;
            let Some((seq, json)) = row else {
                return match expect {
                    Some(_) => Err(format!(
                        "the history of document {} in the file has nothing to {}, but the window did",
                        doc.0,
                        if forward { "redo" } else { "undo" }
                    )),
                    None => Ok(()),
                };
            };
            let stored: Edit = serde_json::from_str(&json).map_err(|x| x.to_string())?;
            let edit = if forward { stored } else { stored.inverse() };
            if let Some(want) = expect
                && *want != edit
            {
                return Err(format!(
                    "the history of document {} in the file does not match the window's (step {seq}): nothing was changed",
                    doc.0
                ));
            }
            Self::apply_sql(tx, doc, layer, &edit)?;
            tx.execute(
                "UPDATE layer_history SET undone = ?4 WHERE doc_id = ?1 AND annotator_id = ?2 AND seq = ?3",
                params![doc.0, layer, seq, !forward],
            )
            .map_err(e)?;
            out = Some(edit);
            Ok(())
        })?;
        Ok(out)
    }

    // ------------------------------------------------------------------ import / export

    /// Runs an import in one transaction: `f` feeds documents to the sink; when it returns
    /// `Ok` and `keep` approves its result, everything is committed, otherwise nothing
    /// in the project changes.
    pub fn import<R, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&mut ImportSink<'_>) -> Result<R, E>,
        keep: impl FnOnce(&R) -> bool,
    ) -> Result<R, E> {
        self.writable()?;
        let layer = self.ensure_me()?;
        let path = self.path.clone();
        let mut labels = self.labels.clone();
        let policy = self.settings.overlap;
        let tx = self.conn.transaction().map_err(sq(&path))?;
        let deferred = if self.staged.is_some() {
            defer_index(&tx, SPANS_BY_LABEL).map_err(sq(&path))?
        } else {
            None
        };
        let result = {
            let mut sink = ImportSink {
                tx: &tx,
                insert: SinkStatements::new(&tx).map_err(sq(&path))?,
                path: &path,
                labels: &mut labels,
                policy,
                layer,
                annotator: &self.me.name,
                same_text: None,
                joined: 0,
            };
            f(&mut sink)?
        };
        if !keep(&result) {
            return Ok(result); // tx dropped: rolled back
        }
        Self::write_labels(&tx, &labels).map_err(sq(&path))?;
        if let Some(sql) = deferred {
            tx.execute_batch(&sql).map_err(sq(&path))?;
        }
        tx.commit().map_err(sq(&path))?;
        self.labels = labels;
        Ok(result)
    }

    /// A document with its spans by label name, for export (this annotator's layer).
    pub fn annotated(&self, id: DocId) -> Result<AnnotatedDocument, StoreError> {
        self.annotated_layer(id, self.me.layer())
    }

    fn annotated_layer(&self, id: DocId, layer: i64) -> Result<AnnotatedDocument, StoreError> {
        let ann = self.layer_annotations(id, layer)?;
        let doc = self.document_text(id, ann.status)?;
        let mut out = super::rows::annotated(doc, &ann, &self.labels);
        out.active_seconds = self.layer_time(id, layer)?;
        Ok(out)
    }

    /// Adds `seconds` of active annotation time to this annotator's record of a document
    /// (one transaction; nothing for a time that is not positive).
    pub fn add_time(&mut self, doc: DocId, seconds: f64) -> Result<(), StoreError> {
        if !(seconds.is_finite() && seconds > 0.0) {
            return Ok(());
        }
        self.writable()?;
        let me = self.ensure_me()?;
        self.conn
            .execute(
                "INSERT INTO layer_time (doc_id, annotator_id, seconds) VALUES (?1, ?2, ?3)
                 ON CONFLICT (doc_id, annotator_id) DO UPDATE SET seconds = seconds + excluded.seconds",
                params![doc.0, me, seconds],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// A layer's active annotation time on a document (seconds), when one was recorded.
    fn layer_time(&self, doc: DocId, layer: i64) -> Result<Option<f64>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT seconds FROM layer_time WHERE doc_id = ?1 AND annotator_id = ?2",
            )
            .and_then(|mut st| st.query_row(params![doc.0, layer], |r| r.get(0)).optional())
            .map_err(self.err())
    }

    /// Every active annotation time of a layer, in seconds.
    fn total_time(&self, layer: i64) -> Result<f64, StoreError> {
        self.conn
            .query_row(
                "SELECT COALESCE(SUM(seconds), 0) FROM layer_time WHERE annotator_id = ?1",
                [layer],
                |r| r.get(0),
            )
            .map_err(self.err())
    }

    /// Streams the documents that pass the filters, as annotated documents in project order,
    /// with the spans and statuses of `layer` (this annotator's when `None`). Read in one
    /// ordered pass over the documents and one over the spans, a batch at a time (a query
    /// per batch of up to 1,024 documents or 8 MB of text, never one per document).
    pub fn export_iter<'p>(
        &'p self,
        layer: Option<AnnotatorId>,
        status: Option<DocStatus>,
        labels: Option<&'p [String]>,
    ) -> Result<impl Iterator<Item = Result<AnnotatedDocument, StoreError>> + 'p, StoreError> {
        Ok(self.batches(layer, status, labels, None))
    }

    fn batches<'p>(
        &'p self,
        layer: Option<AnnotatorId>,
        status: Option<DocStatus>,
        labels: Option<&'p [String]>,
        suggestions: Option<Option<i64>>,
    ) -> ExportBatches<'p> {
        ExportBatches {
            p: self,
            layer: layer.map_or(self.me.layer(), |a| a.0),
            status,
            labels,
            suggestions,
            after: i64::MIN,
            batch: std::collections::VecDeque::new(),
            done: false,
        }
    }

    /// Ids of the documents with at least one span of `label`.
    pub fn documents_with_label(
        &self,
        label: LabelId,
    ) -> Result<std::collections::HashSet<DocId>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT doc_id FROM layer_spans WHERE label_id = ?1 AND annotator_id = ?2
                 UNION SELECT doc_id FROM layer_relations WHERE label_id = ?1 AND annotator_id = ?2
                 UNION SELECT doc_id FROM layer_doc_labels WHERE label_id = ?1 AND annotator_id = ?2",
            )
            .map_err(self.err())?;
        let rows = st
            .query_map(params![label.0, self.me.layer()], |r| r.get::<_, i64>(0))
            .map_err(self.err())?;
        rows.map(|r| r.map(DocId))
            .collect::<Result<_, _>>()
            .map_err(self.err())
    }

    /// Distinct texts of labelled entities across the project (at most `limit`), the
    /// evidence that decides proclitic boundaries.
    pub fn entity_texts(&self, limit: usize) -> Result<Vec<String>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT substr(d.text, s.start + 1, s.end - s.start)
                 FROM layer_spans s JOIN documents d ON d.id = s.doc_id LIMIT ?1",
            )
            .map_err(self.err())?;
        let rows = st
            .query_map([limit as i64], |r| r.get::<_, String>(0))
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Calls `f` with every document's id, name and text, in project order (streaming, one
    /// row at a time) until it returns `Ok(false)` or an error.
    pub fn for_each_document(
        &self,
        f: impl FnMut(DocId, &str, &str) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        self.for_each_document_after(DocId(i64::MIN), f)
    }

    /// [`Project::for_each_document`] from the first document after `after`.
    pub fn for_each_document_after(
        &self,
        after: DocId,
        mut f: impl FnMut(DocId, &str, &str) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT id, name, text FROM documents WHERE id > ?1 ORDER BY id")
            .map_err(self.err())?;
        let mut rows = st.query([after.0]).map_err(self.err())?;
        while let Some(row) = rows.next().map_err(self.err())? {
            let id: i64 = row.get(0).map_err(self.err())?;
            let name: String = row.get(1).map_err(self.err())?;
            let text: String = row.get(2).map_err(self.err())?;
            if !f(DocId(id), &name, &text)? {
                break;
            }
        }
        Ok(())
    }

    /// Calls `f` with every document's text, in project order (streaming, one row at a time).
    pub fn for_each_text(&self, mut f: impl FnMut(&str)) -> Result<(), StoreError> {
        self.for_each_document(|_, _, text| {
            f(text);
            Ok(true)
        })
    }

    /// Counts of documents, spans per label and statuses.
    pub fn stats(&self) -> Result<ProjectStats, StoreError> {
        let docs = self.documents()?;
        let mut by_status: BTreeMap<&'static str, usize> =
            DocStatus::ALL.iter().map(|s| (s.as_str(), 0)).collect();
        for d in &docs {
            *by_status.entry(d.status.as_str()).or_insert(0) += 1;
        }
        let mut by_label = Vec::new();
        for l in self.labels.iter() {
            let table = match l.kind {
                LabelKind::Span => "layer_spans",
                LabelKind::Relation => "layer_relations",
                LabelKind::Document => "layer_doc_labels",
            };
            let n: i64 = self
                .conn
                .query_row(
                    &format!(
                        "SELECT COUNT(*) FROM {table} WHERE label_id = ?1 AND annotator_id = ?2"
                    ),
                    [i64::from(l.id.0), self.me.layer()],
                    |r| r.get(0),
                )
                .map_err(self.err())?;
            by_label.push((l.name.clone(), usize::try_from(n).unwrap_or(0)));
        }
        let mut layers = Vec::new();
        for a in self.annotators()? {
            let (spans, done, in_progress): (i64, i64, i64) = self
                .conn
                .query_row(
                    "SELECT (SELECT COUNT(*) FROM layer_spans WHERE annotator_id = ?1),
                            (SELECT COUNT(*) FROM layer_status WHERE annotator_id = ?1 AND status = 'done'),
                            (SELECT COUNT(*) FROM layer_status WHERE annotator_id = ?1 AND status = 'in_progress')",
                    [a.id.0],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .map_err(self.err())?;
            let time = self.total_time(a.id.0)?;
            layers.push(LayerStats {
                annotator: a,
                spans: usize::try_from(spans).unwrap_or(0),
                done: usize::try_from(done).unwrap_or(0),
                in_progress: usize::try_from(in_progress).unwrap_or(0),
                assigned: 0,
                assigned_done: 0,
                active_seconds: time,
            });
        }
        Ok(ProjectStats {
            documents: docs.len(),
            spans: docs.iter().map(|d| d.spans).sum(),
            by_status,
            by_label,
            layers,
        })
    }

    /// Every layer row of the project (spans, statuses, history, time, rejections) and its
    /// suggestions, for `team push`.
    pub fn layer_rows(&self) -> Result<super::LayerRows, StoreError> {
        Ok(super::LayerRows {
            spans: self.all_rows(
                "SELECT doc_id, annotator_id, start, end, label_id FROM layer_spans ORDER BY doc_id, annotator_id, start, end",
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )?,
            statuses: self.all_rows(
                "SELECT doc_id, annotator_id, status FROM layer_status ORDER BY doc_id, annotator_id",
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?,
            history: self.all_rows(
                "SELECT doc_id, annotator_id, seq, edit, undone FROM layer_history ORDER BY doc_id, annotator_id, seq",
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )?,
            times: self.all_rows(
                "SELECT doc_id, annotator_id, seconds FROM layer_time ORDER BY doc_id, annotator_id",
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?,
            rejections: self.all_rows(
                "SELECT doc_id, annotator_id, start, end, label_id FROM layer_rejections ORDER BY doc_id, annotator_id, start, end",
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )?,
            relations: self.all_rows(
                "SELECT doc_id, annotator_id, from_start, from_end, from_label, to_start, to_end, to_label, label_id FROM layer_relations ORDER BY doc_id, annotator_id",
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        [
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                            r.get(6)?,
                            r.get(7)?,
                            r.get(8)?,
                        ],
                    ))
                },
            )?,
            doc_labels: self.all_rows(
                "SELECT doc_id, annotator_id, label_id FROM layer_doc_labels ORDER BY doc_id, annotator_id",
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?,
            sources: self.all_rows(
                "SELECT id, name, kind, origin FROM suggestion_sources ORDER BY id",
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?,
            suggestions: self.all_rows(
                "SELECT doc_id, source_id, start, end, label_id, score FROM suggestions ORDER BY doc_id, source_id, start, end",
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
            )?,
        })
    }

    /// Every row of a query without parameters, each made by `row`.
    fn all_rows<T>(
        &self,
        sql: &str,
        row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        let mut st = self.conn.prepare(sql).map_err(self.err())?;
        st.query_map([], row)
            .map_err(self.err())?
            .collect::<Result<_, _>>()
            .map_err(self.err())
    }

    /// `PRAGMA integrity_check` result ("ok" when the file is sound).
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        self.conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(self.err())
    }
}

/// Documents read for an export, a batch at a time (see [`Project::export_iter`]).
struct ExportBatches<'p> {
    p: &'p Project,
    layer: i64,
    status: Option<DocStatus>,
    labels: Option<&'p [String]>,
    /// Instead of the layer's spans, its open suggestions (of one source, or of all).
    suggestions: Option<Option<i64>>,
    /// The last document id read.
    after: i64,
    batch: std::collections::VecDeque<AnnotatedDocument>,
    done: bool,
}

/// A text column borrowed from its row (checked with [`crate::utf8`]).
fn text_ref<'r>(r: &'r rusqlite::Row<'_>, i: usize) -> rusqlite::Result<&'r str> {
    crate::utf8(r.get_ref(i)?.as_bytes()?).map_err(|e| rusqlite::Error::Utf8Error(i, e))
}

/// Documents and text read per batch of an export.
const EXPORT_BATCH_DOCS: usize = 1024;
const EXPORT_BATCH_BYTES: usize = 8 << 20;

impl ExportBatches<'_> {
    /// Reads the next batch: its documents (with status and time) in id order, then its
    /// spans in one ordered query, handed to the documents by a merge.
    fn fill(&mut self) -> Result<(), StoreError> {
        let err = self.p.err();
        let mut ids = Vec::new();
        {
            let mut st = self
                .p
                .conn
                .prepare_cached(
                    "SELECT d.id, d.name, d.text, d.meta, COALESCE(st.status, 'new'), t.seconds
                     FROM documents d
                     LEFT JOIN layer_status st ON st.doc_id = d.id AND st.annotator_id = ?1
                     LEFT JOIN layer_time t ON t.doc_id = d.id AND t.annotator_id = ?1
                     WHERE d.id > ?2 ORDER BY d.id",
                )
                .map_err(&err)?;
            let mut rows = st.query(params![self.layer, self.after]).map_err(&err)?;
            let mut bytes = 0;
            loop {
                let Some(r) = rows.next().map_err(&err)? else {
                    self.done = true;
                    break;
                };
                let id: i64 = r.get(0).map_err(&err)?;
                self.after = id;
                let status = DocStatus::parse(text_ref(r, 4).map_err(&err)?).unwrap_or_default();
                if self.status.is_some_and(|s| s != status) {
                    continue;
                }
                let text = text_ref(r, 2).map_err(&err)?.to_owned();
                bytes += text.len();
                self.batch.push_back(AnnotatedDocument {
                    relations: Vec::new(),
                    doc_labels: Vec::new(),
                    name: text_ref(r, 1).map_err(&err)?.to_owned(),
                    text,
                    meta: serde_json::from_str(text_ref(r, 3).map_err(&err)?).unwrap_or_default(),
                    status,
                    spans: Vec::new(),
                    active_seconds: r.get(5).map_err(&err)?,
                });
                ids.push(id);
                if ids.len() >= EXPORT_BATCH_DOCS || bytes >= EXPORT_BATCH_BYTES {
                    break;
                }
            }
        }
        let (Some(&first), Some(&last)) = (ids.first(), ids.last()) else {
            return Ok(());
        };
        let (mut st, source) = match self.suggestions {
            Some(source) => (
                self.p
                    .conn
                    .prepare_cached(suggestions::OPEN_SUGGESTIONS)
                    .map_err(&err)?,
                source,
            ),
            None => (
                self.p
                    .conn
                    .prepare_cached(
                        "SELECT doc_id, start, end, label_id FROM layer_spans
                         WHERE annotator_id = ?1 AND doc_id BETWEEN ?2 AND ?3 AND ?4 IS NULL
                         ORDER BY doc_id",
                    )
                    .map_err(&err)?,
                None,
            ),
        };
        let mut rows = st
            .query(params![self.layer, first, last, source])
            .map_err(&err)?;
        let mut k = 0;
        while let Some(r) = rows.next().map_err(&err)? {
            let doc: i64 = r.get(0).map_err(&err)?;
            // Both in id order: a document the status filter left out has no place here.
            while k < ids.len() && ids[k] < doc {
                k += 1;
            }
            if k == ids.len() || ids[k] != doc {
                continue;
            }
            let label = LabelId(r.get(3).map_err(&err)?);
            let name = self
                .p
                .labels
                .get(label)
                .map_or_else(|| format!("LABEL{}", label.0), |l| l.name.clone());
            if self.labels.is_some_and(|keep| !keep.contains(&name)) {
                continue;
            }
            let (start, end): (i64, i64) = (r.get(1).map_err(&err)?, r.get(2).map_err(&err)?);
            if let Some(d) = self.batch.get_mut(self.batch.len() - ids.len() + k) {
                d.spans.push(TaggedSpan::new(
                    usize::try_from(start).unwrap_or(0),
                    usize::try_from(end).unwrap_or(0),
                    name,
                ));
            }
        }
        drop(rows);
        drop(st);
        if self.suggestions.is_none() {
            self.fill_extras(&ids, first, last)?;
        }
        Ok(())
    }

    /// The batch's relations (by index into its spans; one whose end the label filter left
    /// out is left out too) and document labels.
    fn fill_extras(&mut self, ids: &[i64], first: i64, last: i64) -> Result<(), StoreError> {
        let err = self.p.err();
        let base = self.batch.len() - ids.len();
        let name = |id: u32| {
            self.p
                .labels
                .get(LabelId(id))
                .map_or_else(|| format!("LABEL{id}"), |l| l.name.clone())
        };
        let kept = |n: &str| self.labels.is_none_or(|keep| keep.iter().any(|k| k == n));
        let mut st = self
            .p
            .conn
            .prepare_cached(
                "SELECT doc_id, from_start, from_end, from_label, to_start, to_end, to_label,
                        label_id FROM layer_relations
                 WHERE annotator_id = ?1 AND doc_id BETWEEN ?2 AND ?3
                 ORDER BY doc_id, from_start, from_end, to_start, to_end, label_id",
            )
            .map_err(&err)?;
        let mut rows = st.query(params![self.layer, first, last]).map_err(&err)?;
        while let Some(r) = rows.next().map_err(&err)? {
            let doc: i64 = r.get(0).map_err(&err)?;
            let Ok(k) = ids.binary_search(&doc) else {
                continue;
            };
            let end = |i: usize| -> rusqlite::Result<(usize, usize, String)> {
                Ok((
                    usize::try_from(r.get::<_, i64>(i)?).unwrap_or(0),
                    usize::try_from(r.get::<_, i64>(i + 1)?).unwrap_or(0),
                    name(r.get(i + 2)?),
                ))
            };
            let (from, to) = (end(1).map_err(&err)?, end(4).map_err(&err)?);
            let label = name(r.get(7).map_err(&err)?);
            let Some(d) = self.batch.get_mut(base + k) else {
                continue;
            };
            let at = |e: &(usize, usize, String)| {
                d.spans
                    .iter()
                    .position(|s| s.start == e.0 && s.end == e.1 && s.label == e.2)
            };
            if let (Some(from), Some(to), true) = (at(&from), at(&to), kept(&label)) {
                d.relations.push(TaggedRelation { from, to, label });
            }
        }
        let mut st = self
            .p
            .conn
            .prepare_cached(
                "SELECT g.doc_id, g.label_id FROM layer_doc_labels g
                 LEFT JOIN labels l ON l.id = g.label_id
                 WHERE g.annotator_id = ?1 AND g.doc_id BETWEEN ?2 AND ?3
                 ORDER BY g.doc_id, l.position, g.label_id",
            )
            .map_err(&err)?;
        let mut rows = st.query(params![self.layer, first, last]).map_err(&err)?;
        while let Some(r) = rows.next().map_err(&err)? {
            let doc: i64 = r.get(0).map_err(&err)?;
            let label = name(r.get(1).map_err(&err)?);
            if let (Ok(k), true) = (ids.binary_search(&doc), kept(&label))
                && let Some(d) = self.batch.get_mut(base + k)
            {
                d.doc_labels.push(label);
            }
        }
        Ok(())
    }
}

impl Iterator for ExportBatches<'_> {
    type Item = Result<AnnotatedDocument, StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        while self.batch.is_empty() && !self.done {
            if let Err(e) = self.fill() {
                self.done = true;
                return Some(Err(e));
            }
        }
        self.batch.pop_front().map(Ok)
    }
}

/// Receives imported documents inside the import transaction.
pub struct ImportSink<'a> {
    tx: &'a Transaction<'a>,
    insert: SinkStatements<'a>,
    path: &'a Path,
    labels: &'a mut LabelSet,
    policy: OverlapPolicy,
    /// The layer the spans and statuses go to.
    layer: i64,
    annotator: &'a str,
    /// When set, a document whose text the project already holds joins it (its spans
    /// become this layer of that document): the project's documents by text hash, each
    /// joined at most once.
    same_text: Option<SameText>,
    /// How many documents joined one the project held (same text) so far.
    joined: usize,
}

/// The statements an import runs for every document, prepared once for the whole import.
struct SinkStatements<'a> {
    document: rusqlite::CachedStatement<'a>,
    span: rusqlite::CachedStatement<'a>,
}

impl<'a> SinkStatements<'a> {
    fn new(tx: &'a Transaction<'a>) -> rusqlite::Result<Self> {
        Ok(SinkStatements {
            document: tx.prepare_cached(
                "INSERT INTO documents (name, text, meta, char_len) VALUES (?1, ?2, ?3, ?4)",
            )?,
            span: tx.prepare_cached(
                "INSERT INTO layer_spans (doc_id, annotator_id, start, end, label_id)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?,
        })
    }
}

impl ImportSink<'_> {
    /// From now on a document whose text is already in the project joins that document as
    /// this annotator's layer instead of becoming a new one.
    pub fn join_same_text(&mut self) -> Result<(), StoreError> {
        if self.same_text.is_some() {
            return Ok(());
        }
        let mut docs = Vec::new();
        let mut st = self
            .tx
            .prepare("SELECT id, text FROM documents")
            .map_err(sq(self.path))?;
        let mut rows = st.query([]).map_err(sq(self.path))?;
        while let Some(row) = rows.next().map_err(sq(self.path))? {
            let id: i64 = row.get(0).map_err(sq(self.path))?;
            let text = row.get_ref(1).and_then(|t| Ok(t.as_str()?));
            docs.push((SameText::hash(text.map_err(sq(self.path))?), DocId(id)));
        }
        self.same_text = Some(SameText::new(docs));
        Ok(())
    }

    /// Stores one document with its spans (labels created by name as needed). Spans are
    /// checked again here against the text and the project's overlap policy.
    pub fn add(&mut self, doc: AnnotatedDocument) -> Result<DocId, StoreError> {
        let invalid = |message: String| StoreError::Invalid {
            path: self.path.to_path_buf(),
            message,
        };
        let labels_before = self.labels.len();
        let (set, text_len) =
            super::rows::checked_spans(self.path, &doc, self.labels, self.policy)?;
        let extras = super::rows::checked_extras(self.path, &doc, self.labels)?;
        // Labels must exist before spans refer to them.
        if self.labels.len() != labels_before {
            Project::write_labels(self.tx, self.labels).map_err(sq(self.path))?;
        }
        let same = self.same_text.as_mut().and_then(|m| m.take(&doc.text));
        let id = if let Some(id) = same {
            let (spans, statuses): (i64, i64) = self
                .tx
                .query_row(
                    "SELECT (SELECT COUNT(*) FROM layer_spans WHERE doc_id = ?1 AND annotator_id = ?2),
                            (SELECT COUNT(*) FROM layer_status WHERE doc_id = ?1 AND annotator_id = ?2)",
                    [id.0, self.layer],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .map_err(sq(self.path))?;
            if spans + statuses > 0 {
                return Err(invalid(format!(
                    "{}: the project already holds this text (document {}) with {}'s annotations; import into another annotator's layer, or delete them first",
                    doc.name, id.0, self.annotator
                )));
            }
            self.joined += 1;
            id
        } else {
            let meta = serde_json::to_string(&doc.meta).unwrap_or_else(|_| "{}".into());
            self.insert
                .document
                .execute(params![doc.name, doc.text, meta, text_len as i64])
                .map_err(sq(self.path))?;
            DocId(self.tx.last_insert_rowid())
        };
        if doc.status != DocStatus::New {
            self.tx
                .prepare_cached(
                    "INSERT INTO layer_status (doc_id, annotator_id, status) VALUES (?1, ?2, ?3)",
                )
                .and_then(|mut st| st.execute(params![id.0, self.layer, doc.status.as_str()]))
                .map_err(sq(self.path))?;
        }
        if let Some(t) = doc.active_seconds.filter(|t| t.is_finite() && *t > 0.0) {
            self.tx
                .prepare_cached(
                    "INSERT INTO layer_time (doc_id, annotator_id, seconds) VALUES (?1, ?2, ?3)
                     ON CONFLICT (doc_id, annotator_id) DO UPDATE SET seconds = excluded.seconds",
                )
                .and_then(|mut st| st.execute(params![id.0, self.layer, t]))
                .map_err(sq(self.path))?;
        }
        for s in set.iter() {
            self.insert
                .span
                .execute(params![
                    id.0,
                    self.layer,
                    s.start as i64,
                    s.end as i64,
                    s.label.0
                ])
                .map_err(sq(self.path))?;
        }
        for e in &extras {
            Project::apply_sql(self.tx, id, self.layer, e).map_err(&invalid)?;
        }
        Ok(id)
    }

    /// How many documents joined one the project held (same text) so far.
    #[must_use]
    pub fn joined(&self) -> usize {
        self.joined
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_lock_on_an_unlinked_lock_file_does_not_count() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("p.tawsim");
        let lock = lock_path(&path);
        let first = take_lock(&path).expect("first writer");
        // A second process opened the lock file just before the first writer closed.
        let late = File::options().write(true).open(&lock).expect("open");
        assert!(still_named(&late, &lock));
        drop(first);
        assert!(!lock.exists(), "the writer removed its lock file");
        // It gets the lock of the unlinked file, but that file is no longer the lock file.
        late.try_lock().expect("lock of the unlinked file");
        assert!(!still_named(&late, &lock));
        // So a new writer is not kept out by it, and a third one is by the new writer.
        let second = take_lock(&path).expect("second writer");
        assert!(matches!(take_lock(&path), Err(StoreError::Locked { .. })));
        drop(late);
        assert!(matches!(take_lock(&path), Err(StoreError::Locked { .. })));
        drop(second);
        assert!(!lock.exists());
        drop(take_lock(&path).expect("free again"));
    }
}
