//! A team project as the window holds it: everything the UI reads comes from memory, and
//! every read and write that needs the server goes to one thread of its own, in order.
//!
//! - The labels, settings, annotators, document list and progress are read once when the
//!   project opens and again whenever the server announces a change (LISTEN/NOTIFY).
//! - A document is read from the server the first time it is opened ([`TeamMirror::ready`]
//!   says whether it is here; [`TeamMirror::poll`] says when it arrived) and kept.
//! - An edit changes the copy in memory at once and is handed to the thread, which writes
//!   the edits in the order they were made. While the server cannot be reached the thread
//!   keeps them, retries with backoff until they are written (each edit once: see
//!   [`PgProject::retry_until_saved`]), and [`TeamMirror::sync_state`] says "not saved:
//!   server unreachable" with how many wait.
//!
//! - Each edit is also appended to a journal on the local disk (a line of JSON, flushed to
//!   the disk before the call returns, as the project file commits an edit) under the id
//!   the server records with it. The journal is emptied once the server has every edit.
//!   When the window was closed or killed while edits waited, the next opening of the
//!   project writes them first; an edit the server already has (its id is there) is not
//!   written again.
//!
//! Nothing here waits for the server on the caller's thread.

use super::backend::{NextAssigned, RemoteEvents, Store, SyncState};
use super::pg::{PgProject, TeamLocation, Watcher};
use super::{DocSummary, ProjectStats, StoreError, StoredSuggestion};
use crate::domain::{
    Annotations, Annotator, AnnotatorId, DocId, Document, Edit, History, LabelId, LabelSet,
    ProjectSettings, Role,
};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Wakes the UI when something arrived (the window asks for a repaint).
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// A document and one layer of it, as read from the server.
#[derive(Debug, Clone)]
struct Loaded {
    doc: Document,
    ann: Annotations,
    history: History,
    direction: String,
    /// The document's suggestions (one's own layer only; what it did with them is in `ann`).
    suggestions: Vec<StoredSuggestion>,
    /// Whose layer "one's own" was on the server thread when it was read (the role's, or
    /// the curated layer while a manager curates).
    mine_as: String,
}

/// A document in a layer (`None`: one's own).
type Key = (DocId, Option<AnnotatorId>);

/// Everything but the documents' texts and spans.
#[derive(Debug, Clone)]
struct Snapshot {
    me: (Option<AnnotatorId>, String, Role),
    labels: LabelSet,
    settings: ProjectSettings,
    annotators: Vec<Annotator>,
    docs: Vec<DocSummary>,
    stats: ProjectStats,
    /// Read at opening and after a background job; `None`: keep the ones read before (a
    /// change another client announced does not read every span again).
    entity_texts: Option<Vec<String>>,
    /// How many times suggestions were kept (another number: the open documents'
    /// suggestions are read again).
    suggestions_version: i64,
}

/// What the opening found in the journal and wrote: edits written, and why any could not be.
#[derive(Debug, Default)]
struct Replayed {
    written: usize,
    problems: Vec<String>,
}

/// An edit of one's own layer, as the journal keeps it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Journaled {
    /// The id the server records with the edit.
    op: String,
    doc: DocId,
    step: Step,
    edit: Edit,
    /// The layer written when it is not the role's own: the curated layer, while a manager
    /// curates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    layer: Option<String>,
}

#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
enum Step {
    Apply,
    Undo,
    Redo,
}

/// The journals a window takes when it opens a team project: its own, and those closed or
/// killed windows left.
struct Claimed {
    mine: Journal,
    orphans: Vec<Journal>,
}

/// The edits not yet confirmed by the server, on the local disk. The window holds an OS
/// lock on its journal while it is open.
struct Journal {
    path: PathBuf,
    file: Option<std::fs::File>,
    /// Lines appended since it was last emptied.
    lines: usize,
}

impl Journal {
    /// The journal files of a project's location (one name per URL, without its
    /// password): `NAME-HASH.jsonl`, and `NAME-HASH.N.jsonl` for a second window of the same
    /// location open at the same time.
    fn prefix(location: &TeamLocation) -> String {
        // FNV-1a of the location: a file name without the URL's characters.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in location.display.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        format!("{}-{h:016x}", location.project)
    }

    /// Takes the journals of a location in `dir`: one of its own for this window (locked
    /// for as long as the window is open, so that another window of the same location
    /// never writes into it or empties it), and every journal a closed or killed window
    /// left (no live window holds its lock): their edits are written when the project
    /// opens, then they are removed. A window holding a journal is skipped.
    fn claim(dir: &Path, location: &TeamLocation) -> Result<Claimed, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let prefix = Journal::prefix(location);
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| Journal::number(&prefix, n).is_some())
            .collect();
        names.sort_by_key(|n| Journal::number(&prefix, n));
        let mut mine: Option<Journal> = None;
        let mut orphans = Vec::new();
        for n in &names {
            let path = dir.join(n);
            // An existing name only: one removed meanwhile is not made again.
            let Ok(file) = std::fs::OpenOptions::new()
                .read(true)
                .append(true)
                .open(&path)
            else {
                continue;
            };
            if file.try_lock().is_err() || !super::project::still_named(&file, &path) {
                continue;
            }
            let j = Journal {
                path,
                file: Some(file),
                lines: 0,
            };
            if mine.is_none() {
                mine = Some(j);
            } else {
                orphans.push(j);
            }
        }
        let mut k = 1;
        while mine.is_none() {
            let name = if k == 1 {
                format!("{prefix}.jsonl")
            } else {
                format!("{prefix}.{k}.jsonl")
            };
            let path = dir.join(&name);
            k += 1;
            if names.contains(&name) || k > 1000 {
                if k > 1000 {
                    return Err(format!("{}: no free journal file", dir.display()));
                }
                continue;
            }
            let file = match std::fs::OpenOptions::new()
                .read(true)
                .append(true)
                .create_new(true)
                .open(&path)
            {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(format!("{}: {e}", path.display())),
            };
            if file.try_lock().is_ok() {
                mine = Some(Journal {
                    path,
                    file: Some(file),
                    lines: 0,
                });
            }
        }
        Ok(Claimed {
            mine: mine.ok_or("no journal")?,
            orphans,
        })
    }

    /// The window number of a journal file name of `prefix` (1 for `PREFIX.jsonl`).
    fn number(prefix: &str, name: &str) -> Option<u32> {
        let rest = name.strip_prefix(prefix)?.strip_suffix(".jsonl")?;
        if rest.is_empty() {
            return Some(1);
        }
        rest.strip_prefix('.')?.parse().ok().filter(|&k| k > 1)
    }

    fn append(&mut self, j: &Journaled) -> Result<(), String> {
        use std::io::Write as _;
        let line = serde_json::to_string(j).map_err(|e| e.to_string())?;
        if self.file.is_none() {
            if let Some(dir) = self.path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            }
            self.file = Some(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&self.path)
                    .map_err(|e| format!("{}: {e}", self.path.display()))?,
            );
        }
        let f = self.file.as_mut().ok_or("no journal file")?;
        writeln!(f, "{line}")
            .and_then(|()| f.sync_data())
            .map_err(|e| format!("{}: {e}", self.path.display()))?;
        self.lines += 1;
        Ok(())
    }

    /// Empties it (every edit in it is on the server).
    fn clear(&mut self) {
        if self.lines == 0 {
            return;
        }
        if let Some(f) = &self.file
            && f.set_len(0).and_then(|()| f.sync_data()).is_ok()
        {
            self.lines = 0;
        }
    }

    /// The edits a closed or killed window left, and the lines that could not be read.
    fn left(path: &Path) -> (Vec<Journaled>, usize) {
        let Ok(text) = std::fs::read_to_string(path) else {
            return (Vec::new(), 0);
        };
        let mut bad = 0;
        let edits = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .filter_map(|l| {
                let j = serde_json::from_str(l).ok();
                bad += usize::from(j.is_none());
                j
            })
            .collect();
        (edits, bad)
    }
}

enum Write {
    Edit(Journaled),
    /// Active annotation time on a document (seconds).
    Time(DocId, f64),
    Direction(DocId, String),
    Labels(LabelSet),
    Settings(ProjectSettings),
    DeleteLabel(LabelId),
    DeleteDocuments(Vec<DocId>),
}

enum Ask {
    Write(Write),
    /// From now on "one's own layer" is this one (`None`: the role's; `Some`: the curated
    /// layer).
    Layer(Option<String>),
    Load(Key),
    Next,
    WithLabel(LabelId),
    /// A document's suggestions again (someone kept new ones).
    Suggestions(DocId),
    Refresh,
    TopUp,
    Stop,
}

enum Reply {
    Opened(Result<(Box<Snapshot>, Replayed), OpenError>),
    Loaded(Key, Result<Box<Loaded>, String>),
    /// One write is done: `Err` when the server refused it.
    Written(Result<(), String>),
    Link(Option<String>),
    Snapshot(Box<Snapshot>),
    Next(Result<NextAssigned, String>),
    WithLabel(LabelId, HashSet<DocId>),
    Suggestions(DocId, Result<Vec<StoredSuggestion>, String>),
    /// The server thread could not switch layers.
    Layer(Result<(), String>),
}

/// Spare connections for background jobs (search, import, export), opened ahead on the
/// server thread so that taking one never waits.
type Spares = Arc<Mutex<Vec<PgProject>>>;

const SPARES: usize = 2;

/// A team project being opened on its own thread.
pub struct Opening {
    path: PathBuf,
    journal: Option<Journal>,
    /// Why no journal could be taken (edits then wait in memory only).
    journal_problem: Option<String>,
    location: TeamLocation,
    to_thread: Sender<Ask>,
    from_thread: Receiver<Reply>,
    spares: Spares,
}

impl Opening {
    /// Where it is being opened (the URL without its password).
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The location being opened.
    #[must_use]
    pub fn location(&self) -> &TeamLocation {
        &self.location
    }

    /// The open project once the server answered (`Err` with the reason when it did not).
    pub fn poll(&mut self) -> Option<Result<TeamMirror, OpenError>> {
        match self.from_thread.try_recv() {
            Ok(Reply::Opened(Ok((snap, replayed)))) => {
                let (to_thread, _) = channel();
                let (_, from_thread) = channel();
                let own = snap.me.clone();
                let mirror = TeamMirror {
                    path: self.path.clone(),
                    project: self.location.project.clone(),
                    snap: *snap,
                    loaded: HashMap::new(),
                    asked: HashSet::new(),
                    reask: HashSet::new(),
                    with_label: HashMap::new(),
                    labels_asked: std::cell::RefCell::default(),
                    to_thread: std::mem::replace(&mut self.to_thread, to_thread),
                    from_thread: std::mem::replace(&mut self.from_thread, from_thread),
                    spares: Arc::clone(&self.spares),
                    waiting: 0,
                    unreachable: None,
                    events: RemoteEvents::default(),
                    journal: self.journal.take(),
                    replayed: replayed.written,
                    progress: Vec::new(),
                    own,
                    curating: false,
                };
                let mut mirror = mirror;
                mirror.progress = progress(&mirror.snap.stats);
                if let Some(e) = self.journal_problem.take() {
                    mirror.events.errors.push(format!(
                        "Edits cannot be kept on the local disk ({e}): until the server has them they are in memory only"
                    ));
                }
                if !replayed.problems.is_empty() {
                    mirror.events.errors.push(format!(
                        "Edits kept from the last session that the server refused (nothing else was lost):\n{}",
                        replayed.problems.join("\n")
                    ));
                }
                Some(Ok(mirror))
            }
            Ok(Reply::Opened(Err(e))) => Some(Err(e)),
            Ok(_) => None,
            Err(std::sync::mpsc::TryRecvError::Empty) => None,
            Err(std::sync::mpsc::TryRecvError::Disconnected) => Some(Err(format!(
                "{}: the connection thread ended",
                self.path.display()
            )
            .into())),
        }
    }
}

/// The window's copy of a team project (see the module's notes).
pub struct TeamMirror {
    path: PathBuf,
    project: String,
    snap: Snapshot,
    loaded: HashMap<Key, Loaded>,
    asked: HashSet<Key>,
    /// Asked for, then edited before the answer came: the answer is stale and asked again.
    reask: HashSet<Key>,
    with_label: HashMap<LabelId, HashSet<DocId>>,
    labels_asked: std::cell::RefCell<HashSet<LabelId>>,
    to_thread: Sender<Ask>,
    from_thread: Receiver<Reply>,
    spares: Spares,
    waiting: usize,
    unreachable: Option<String>,
    events: RemoteEvents,
    journal: Option<Journal>,
    /// Edits a closed or killed window had left, written when this opened.
    replayed: usize,
    /// Each visible annotator's assignments done (the status bar asks every frame).
    progress: Vec<(String, usize, usize)>,
    /// The role connected (id, name, role): whose layer is one's own unless curating.
    own: (Option<AnnotatorId>, String, Role),
    /// A manager curating: one's own layer is the curated layer.
    curating: bool,
}

fn progress(s: &ProjectStats) -> Vec<(String, usize, usize)> {
    s.layers
        .iter()
        .filter(|l| l.assigned > 0)
        .map(|l| (l.annotator.name.clone(), l.assigned_done, l.assigned))
        .collect()
}

/// Why a team project could not be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenError {
    /// For the user to read.
    pub message: String,
    /// The server wants a password (none was given, or the one given was refused): the
    /// window asks for one.
    pub wants_password: bool,
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<String> for OpenError {
    fn from(message: String) -> Self {
        OpenError {
            message,
            wants_password: false,
        }
    }
}

impl From<&StoreError> for OpenError {
    fn from(e: &StoreError) -> Self {
        OpenError {
            message: e.to_string(),
            wants_password: matches!(e, StoreError::NeedsPassword { .. }),
        }
    }
}

impl TeamMirror {
    /// Starts opening a team project on a thread of its own; `wake` is called whenever
    /// something arrives. `journal`: the folder where edits wait on the local disk until the
    /// server has them (`None`: in memory only).
    #[must_use]
    pub fn open(location: TeamLocation, wake: Waker, journal: Option<&Path>) -> Opening {
        let path = PathBuf::from(&location.display);
        let (journal, left, orphans, journal_problem) =
            match journal.map(|d| Journal::claim(d, &location)) {
                Some(Ok(c)) => {
                    let mut left = vec![c.mine.path.clone()];
                    left.extend(c.orphans.iter().map(|j| j.path.clone()));
                    (Some(c.mine), left, c.orphans, None)
                }
                Some(Err(e)) => (None, Vec::new(), Vec::new(), Some(e)),
                None => (None, Vec::new(), Vec::new(), None),
            };
        let (to_thread, asks) = channel();
        let (replies, from_thread) = channel();
        let spares: Spares = Arc::new(Mutex::new(Vec::new()));
        let loc = location.clone();
        let sp = Arc::clone(&spares);
        let spawned = std::thread::Builder::new()
            .name("tawsim-team".into())
            .spawn(move || {
                serve(&loc, &left, orphans, &asks, &replies, &sp, &wake);
            });
        if let Err(e) = spawned {
            let (tx, rx) = channel();
            let _ = tx.send(Reply::Opened(Err(
                format!("cannot start a thread: {e}").into()
            )));
            return Opening {
                path,
                journal,
                journal_problem,
                location,
                to_thread,
                from_thread: rx,
                spares,
            };
        }
        Opening {
            path,
            journal,
            journal_problem,
            location,
            to_thread,
            from_thread,
            spares,
        }
    }

    /// Edits a closed or killed window had left in the journal, written when this opened.
    #[must_use]
    pub fn replayed(&self) -> usize {
        self.replayed
    }

    /// Journals an edit of one's own layer, then hands it to the server thread.
    fn write_edit(&mut self, doc: DocId, step: Step, edit: &Edit) {
        let j = Journaled {
            op: PgProject::new_op_id(),
            doc,
            step,
            edit: edit.clone(),
            layer: self.curating.then(|| crate::curation::CURATED.to_string()),
        };
        if let Some(journal) = self.journal.as_mut()
            && let Err(e) = journal.append(&j)
        {
            self.events.errors.push(format!(
                "Could not keep the edit on the local disk ({e}); it is kept in memory until the server has it"
            ));
            self.journal = None;
        }
        self.write(Write::Edit(j));
    }

    fn send(&mut self, ask: Ask) {
        if let Ask::Write(_) = &ask {
            self.waiting += 1;
        }
        if self.to_thread.send(ask).is_err() {
            self.events
                .errors
                .push(format!("{}: the server thread ended", self.path.display()));
        }
    }

    fn write(&mut self, w: Write) {
        self.send(Ask::Write(w));
    }

    fn take_replies(&mut self) {
        while let Ok(r) = self.from_thread.try_recv() {
            match r {
                Reply::Opened(_) => {}
                Reply::Loaded(key, Ok(_)) if self.reask.remove(&key) => {
                    // Read before an edit made here reached the server: read it again
                    // (asked after the edit, so the answer has it).
                    self.send(Ask::Load(key));
                }
                Reply::Loaded(key, Ok(l)) => {
                    self.asked.remove(&key);
                    // One's own layer read before a switch to or from the curated layer is
                    // not this one: it is asked again.
                    if key.1.is_some() || l.mine_as == self.snap.me.1 {
                        self.loaded.insert(key, *l);
                    }
                    self.events.loaded = true;
                }
                Reply::Layer(Err(e)) => {
                    self.events.errors.push(e);
                    self.events.changed = true;
                }
                Reply::Layer(Ok(())) => {}
                Reply::Loaded(key, Err(e)) => {
                    self.asked.remove(&key);
                    self.reask.remove(&key);
                    self.events.loaded = true;
                    self.events.errors.push(e);
                }
                Reply::Written(r) => {
                    self.waiting = self.waiting.saturating_sub(1);
                    if self.waiting == 0
                        && let Some(j) = self.journal.as_mut()
                    {
                        j.clear();
                    }
                    if let Err(e) = r {
                        // The server's copy is the truth now: read it again.
                        self.loaded.clear();
                        self.events.errors.push(e);
                        self.events.changed = true;
                        let _ = self.to_thread.send(Ask::Refresh);
                    }
                }
                Reply::Link(why) => self.unreachable = why,
                Reply::Snapshot(s) => self.take_snapshot(*s),
                Reply::Next(r) => match r {
                    Ok(n) => self.events.next = Some(n),
                    Err(e) => self.events.errors.push(e),
                },
                Reply::Suggestions(doc, r) => match r {
                    Ok(v) => {
                        if let Some(l) = self.mine(doc) {
                            l.suggestions = v;
                            self.events.suggestions = true;
                        }
                    }
                    Err(e) => self.events.errors.push(e),
                },
                Reply::WithLabel(l, set) => {
                    self.labels_asked.borrow_mut().remove(&l);
                    self.with_label.insert(l, set);
                    self.events.changed = true;
                }
            }
        }
    }

    fn take_snapshot(&mut self, mut s: Snapshot) {
        if s.me.1 != self.snap.me.1 {
            // Read before a switch to or from the curated layer: the next one is this
            // layer's.
            return;
        }
        // This annotator's own layer changes only through this copy: its documents as
        // edited here (the server may not have every edit yet) win over the list read.
        for d in &mut s.docs {
            if let Some(l) = self.loaded.get(&(d.id, None)) {
                d.spans = l.ann.spans.len();
                d.status = l.ann.status;
                d.doc_labels = l.ann.doc_labels.iter().copied().collect();
            }
        }
        if s.labels != self.snap.labels || s.settings != self.snap.settings {
            // Spans of a deleted label, or other layers becoming visible: read again.
            self.loaded.retain(|k, _| k.1.is_none());
        }
        self.with_label.clear();
        // Other annotators' layers may have changed.
        self.loaded.retain(|k, _| k.1.is_none());
        if s.entity_texts.is_none() {
            s.entity_texts = self.snap.entity_texts.take();
        }
        if s.suggestions_version != self.snap.suggestions_version {
            let open: Vec<DocId> = self
                .loaded
                .keys()
                .filter(|k| k.1.is_none())
                .map(|k| k.0)
                .collect();
            for doc in open {
                self.send(Ask::Suggestions(doc));
            }
        }
        self.progress = progress(&s.stats);
        self.snap = s;
        self.events.changed = true;
    }

    fn mine(&mut self, doc: DocId) -> Option<&mut Loaded> {
        self.loaded.get_mut(&(doc, None))
    }

    fn not_loaded(&self, id: DocId) -> StoreError {
        StoreError::Invalid {
            path: self.path.clone(),
            message: format!("document {} is still on its way from the server", id.0),
        }
    }

    /// What needs the whole project (an import, an export, reading every document) runs on
    /// a background job's own connection, never through the window's copy.
    pub(super) fn not_on_the_ui_thread(&self, what: &str) -> StoreError {
        StoreError::Invalid {
            path: self.path.clone(),
            message: format!("{what} runs on a background connection"),
        }
    }

    fn get(&self, key: Key) -> Result<&Loaded, StoreError> {
        self.loaded.get(&key).ok_or_else(|| self.not_loaded(key.0))
    }

    /// A handle of its own for a background job (a spare connection opened ahead).
    pub fn take_worker(&self) -> Result<PgProject, StoreError> {
        let taken = self.spares.lock().ok().and_then(|mut v| v.pop());
        let _ = self.to_thread.send(Ask::TopUp);
        taken.ok_or_else(|| StoreError::Invalid {
            path: self.path.clone(),
            message: "no connection to the server is free yet (server unreachable?); try again in a moment".into(),
        })
    }

    /// The team project's name.
    #[must_use]
    pub fn project_name(&self) -> &str {
        &self.project
    }
}

// The store's methods, as the session calls them through [`super::AnyStore`].
impl TeamMirror {
    pub(super) fn path(&self) -> &Path {
        &self.path
    }
    /// After a background job (which wrote through a connection of its own): everything
    /// is read again, the documents when next opened.
    pub(super) fn reload(&mut self) {
        self.loaded.clear();
        self.with_label.clear();
        self.send(Ask::Refresh);
    }
    pub(super) fn annotator(&self) -> (Option<AnnotatorId>, &str, Role) {
        (self.snap.me.0, &self.snap.me.1, self.snap.me.2)
    }
    pub(super) fn set_annotator(&mut self, name: &str) -> Result<(), StoreError> {
        let name = name.trim();
        let curate = crate::curation::is_curated_name(name);
        if !curate && name != self.own.1 {
            return Err(StoreError::Invalid {
                path: self.path.clone(),
                message: format!(
                    "on a team project you annotate as the role you connect as ({}), not as {name}",
                    self.own.1
                ),
            });
        }
        if curate == self.curating {
            return Ok(());
        }
        if curate && self.own.2 != Role::Manager {
            return Err(StoreError::Invalid {
                path: self.path.clone(),
                message: format!(
                    "only a manager curates a team project (writes its curated layer); {} is an annotator",
                    self.own.1
                ),
            });
        }
        self.curating = curate;
        self.snap.me = if curate {
            let id = self
                .snap
                .annotators
                .iter()
                .find(|a| a.name == crate::curation::CURATED)
                .map(|a| a.id);
            (id, crate::curation::CURATED.to_string(), Role::Manager)
        } else {
            self.own.clone()
        };
        // One's own layer is another now: its documents are read again (in order, after
        // the server thread switched too).
        self.loaded.retain(|k, _| k.1.is_some());
        self.asked.retain(|k| k.1.is_some());
        self.with_label.clear();
        self.send(Ask::Layer(
            curate.then(|| crate::curation::CURATED.to_string()),
        ));
        self.send(Ask::Refresh);
        Ok(())
    }
    pub(super) fn annotators(&self) -> Vec<Annotator> {
        self.snap.annotators.clone()
    }
    pub(super) fn may_view(&self, layer: AnnotatorId) -> bool {
        crate::domain::annotator::may_view(
            self.snap.me.0,
            self.snap.me.2,
            self.snap.settings.others_visible,
            layer,
        )
    }
    pub(super) fn annotations_of(
        &self,
        id: DocId,
        layer: AnnotatorId,
    ) -> Result<Annotations, StoreError> {
        let key = if Some(layer) == self.snap.me.0 {
            (id, None)
        } else {
            (id, Some(layer))
        };
        Ok(self.get(key)?.ann.clone())
    }
    pub(super) fn settings(&self) -> ProjectSettings {
        self.snap.settings
    }
    pub(super) fn save_settings(&mut self, s: ProjectSettings) {
        self.snap.settings = s;
        self.write(Write::Settings(s));
    }
    pub(super) fn labels(&self) -> &LabelSet {
        &self.snap.labels
    }
    pub(super) fn save_labels(&mut self, set: &LabelSet) {
        self.snap.labels = set.clone();
        self.write(Write::Labels(set.clone()));
    }
    pub(super) fn label_usage(&self, id: LabelId) -> usize {
        let name = self.snap.labels.get(id).map(|l| l.name.as_str());
        self.snap
            .stats
            .by_label
            .iter()
            .find(|(n, _)| Some(n.as_str()) == name)
            .map_or(0, |(_, c)| *c)
    }
    pub(super) fn delete_label(&mut self, id: LabelId) -> usize {
        let n = self.label_usage(id);
        let _ = self.snap.labels.remove(id);
        for l in self.loaded.values_mut() {
            let gone: Vec<_> = l.ann.spans.iter().filter(|s| s.label == id).collect();
            for s in gone {
                l.ann.spans.remove(s);
            }
        }
        self.write(Write::DeleteLabel(id));
        n
    }
    pub(super) fn documents(&self) -> Vec<DocSummary> {
        self.snap.docs.clone()
    }
    pub(super) fn suggestions(&self, id: DocId) -> Result<Vec<StoredSuggestion>, StoreError> {
        Ok(self.get((id, None))?.suggestions.clone())
    }
    pub(super) fn document(&self, id: DocId) -> Result<Document, StoreError> {
        Ok(self.get((id, None))?.doc.clone())
    }
    pub(super) fn annotations(&self, id: DocId) -> Result<Annotations, StoreError> {
        Ok(self.get((id, None))?.ann.clone())
    }
    pub(super) fn history(&self, id: DocId) -> Result<History, StoreError> {
        Ok(self.get((id, None))?.history.clone())
    }
    pub(super) fn document_direction(&self, id: DocId) -> Result<String, StoreError> {
        self.loaded
            .iter()
            .find(|(k, _)| k.0 == id)
            .map(|(_, l)| l.direction.clone())
            .ok_or_else(|| self.not_loaded(id))
    }
    pub(super) fn set_document_direction(&mut self, id: DocId, direction: &str) {
        for (k, l) in &mut self.loaded {
            if k.0 == id {
                l.direction = direction.to_string();
            }
        }
        self.write(Write::Direction(id, direction.to_string()));
    }
    pub(super) fn delete_documents(&mut self, ids: &[DocId]) -> usize {
        let before = self.snap.docs.len();
        self.snap.docs.retain(|d| !ids.contains(&d.id));
        self.loaded.retain(|k, _| !ids.contains(&k.0));
        self.write(Write::DeleteDocuments(ids.to_vec()));
        before - self.snap.docs.len()
    }
    /// The documents of one's layer with a span of `label`: an empty set until the server
    /// answered (the session then hears `changed` and asks again).
    pub(super) fn documents_with_label(
        &self,
        label: LabelId,
    ) -> Result<HashSet<DocId>, StoreError> {
        if let Some(set) = self.with_label.get(&label) {
            return Ok(set.clone());
        }
        if self.labels_asked.borrow_mut().insert(label) {
            let _ = self.to_thread.send(Ask::WithLabel(label));
        }
        Ok(HashSet::new())
    }
    pub(super) fn entity_texts(&self, limit: usize) -> Vec<String> {
        self.snap
            .entity_texts
            .iter()
            .flatten()
            .take(limit)
            .cloned()
            .collect()
    }
    /// Time goes to the server in order with the edits (not journaled: a lost minute of
    /// time is not a lost edit).
    pub(super) fn add_time(&mut self, doc: DocId, seconds: f64) -> Result<(), StoreError> {
        if seconds.is_finite() && seconds > 0.0 {
            self.write(Write::Time(doc, seconds));
        }
        Ok(())
    }
    /// An edit of a document whose copy is on its way: that copy will not have it.
    fn edited_while_asked(&mut self, doc: DocId) {
        if self.asked.contains(&(doc, None)) {
            self.reask.insert((doc, None));
        }
    }
    pub(super) fn apply(&mut self, doc: DocId, edit: &Edit) -> Result<(), StoreError> {
        self.edited_while_asked(doc);
        let policy = self.snap.settings.overlap;
        // Not kept (read again after a job): the server checks the edit and has it when
        // the document is next read.
        if let Some(l) = self.mine(doc)
            && edit.apply(&mut l.ann, policy).is_ok()
        {
            l.history.push(edit.clone());
        }
        self.write_edit(doc, Step::Apply, edit);
        Ok(())
    }
    pub(super) fn step(
        &mut self,
        doc: DocId,
        applied: &Edit,
        redo: bool,
    ) -> Result<(), StoreError> {
        self.edited_while_asked(doc);
        let policy = self.snap.settings.overlap;
        if let Some(l) = self.mine(doc) {
            let step = if redo {
                l.history.redo()
            } else {
                l.history.undo()
            };
            if step.as_ref() != Some(applied) || applied.apply(&mut l.ann, policy).is_err() {
                // Read it again after the write (the server checks the step).
                self.loaded.remove(&(doc, None));
            }
        }
        self.write_edit(doc, if redo { Step::Redo } else { Step::Undo }, applied);
        Ok(())
    }
    pub(super) fn next_assigned(&mut self) -> NextAssigned {
        self.send(Ask::Next);
        NextAssigned::Asked
    }
    pub(super) fn ready(&mut self, id: DocId, layer: Option<AnnotatorId>) -> bool {
        self.take_replies();
        let layer = layer.filter(|l| Some(*l) != self.snap.me.0);
        let key = (id, layer);
        if self.loaded.contains_key(&key) {
            return true;
        }
        if self.asked.insert(key) {
            self.send(Ask::Load(key));
        }
        false
    }
    pub(super) fn poll(&mut self) -> RemoteEvents {
        self.take_replies();
        std::mem::take(&mut self.events)
    }
    pub(super) fn sync_state(&self) -> SyncState {
        SyncState {
            waiting: self.waiting,
            unreachable: self.unreachable.clone(),
            progress: self.progress.clone(),
        }
    }
}

impl Drop for TeamMirror {
    /// Lets the server thread finish the writes it holds (up to 10 s while the server
    /// answers), then stops it.
    fn drop(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        // Not while the server is unreachable: the user chose to close anyway.
        while self.waiting > 0 && self.unreachable.is_none() && Instant::now() < deadline {
            match self.from_thread.recv_timeout(Duration::from_millis(50)) {
                Ok(Reply::Written(_)) => {
                    self.waiting -= 1;
                    if self.waiting == 0
                        && let Some(j) = self.journal.as_mut()
                    {
                        j.clear();
                    }
                }
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        let _ = self.to_thread.send(Ask::Stop);
    }
}

/// Everything but the documents, read from the server; `entities`: the span texts too.
fn snapshot(p: &PgProject, entities: bool) -> Result<Snapshot, StoreError> {
    let (id, name, role) = p.annotator();
    let docs = p.documents()?;
    Ok(Snapshot {
        me: (id, name.to_string(), role),
        labels: p.labels().clone(),
        settings: p.settings(),
        annotators: p.annotators()?,
        stats: p.stats_of(&docs)?,
        docs,
        entity_texts: if entities {
            Some(p.entity_texts(2000)?)
        } else {
            None
        },
        suggestions_version: p.suggestions_version()?,
    })
}

fn load(p: &PgProject, (id, layer): Key) -> Result<Loaded, StoreError> {
    Ok(Loaded {
        doc: p.document(id)?,
        ann: match layer {
            Some(l) => p.annotations_of(id, l)?,
            None => p.annotations(id)?,
        },
        history: match layer {
            Some(_) => History::default(),
            None => p.history(id)?,
        },
        direction: p.document_direction(id)?,
        suggestions: match layer {
            Some(_) => Vec::new(),
            None => p.suggestions(id)?,
        },
        mine_as: p.annotator().1.to_string(),
    })
}

fn write(p: &mut PgProject, own: &str, w: Write) -> Result<(), StoreError> {
    match w {
        Write::Edit(j) => write_journaled(p, own, &j, false),
        Write::Time(doc, seconds) => p.add_time(doc, seconds),
        Write::Direction(d, dir) => p.set_document_direction(d, &dir),
        Write::Labels(set) => p.save_labels(&set),
        Write::Settings(s) => p.save_settings(s),
        Write::DeleteLabel(l) => p.delete_label(l).map(drop),
        Write::DeleteDocuments(ids) => p.delete_documents(&ids).map(drop),
    }
}

/// Writes an edit under its journal id (`replayed`: it may be on the server already, and is
/// then skipped).
fn write_journaled(
    p: &mut PgProject,
    own: &str,
    j: &Journaled,
    replayed: bool,
) -> Result<(), StoreError> {
    // The layer it was made in (the curated layer, while a manager curated).
    let layer = j.layer.as_deref().unwrap_or(own);
    if p.annotator().1 != layer {
        p.set_annotator(layer)?;
    }
    p.set_next_op(&j.op, replayed);
    let r = match j.step {
        Step::Apply => p.apply(j.doc, &j.edit),
        Step::Undo => p.undo_expecting(j.doc, &j.edit),
        Step::Redo => p.redo_expecting(j.doc, &j.edit),
    };
    p.forget_next_op();
    r
}

/// Writes what a closed or killed window left in the journal, then empties it.
fn replay(p: &mut PgProject, own: &str, path: &Path) -> Replayed {
    let (edits, bad) = Journal::left(path);
    let mut out = Replayed::default();
    if bad > 0 {
        out.problems.push(format!(
            "{}: {bad} line(s) could not be read (cut off when the window was killed?)",
            path.display()
        ));
    }
    for j in &edits {
        match write_journaled(p, own, j, true) {
            Ok(()) => out.written += 1,
            Err(e) => out.problems.push(format!("document {}: {e}", j.doc.0)),
        }
    }
    if p.annotator().1 != own {
        let _ = p.set_annotator(own);
    }
    if !edits.is_empty() || bad > 0 {
        let _ = std::fs::write(path, "");
    }
    out
}

/// The server thread: opens the project, then answers asks in order and listens for
/// changes until told to stop (or the window's copy is gone).
fn serve(
    loc: &TeamLocation,
    journals: &[PathBuf],
    orphans: Vec<Journal>,
    asks: &Receiver<Ask>,
    replies: &Sender<Reply>,
    spares: &Spares,
    wake: &Waker,
) {
    let send = |r: Reply| {
        let ok = replies.send(r).is_ok();
        wake();
        ok
    };
    let opened = PgProject::open(loc).and_then(|mut p| {
        let mut replayed = Replayed::default();
        let own = p.annotator().1.to_string();
        for j in journals {
            let r = replay(&mut p, &own, j);
            replayed.written += r.written;
            replayed.problems.extend(r.problems);
        }
        Ok((snapshot(&p, true)?, replayed, p))
    });
    // The journals of windows gone are written (or their problems reported): remove them
    // while still holding their locks.
    if opened.is_ok() {
        for j in orphans {
            let _ = std::fs::remove_file(&j.path);
        }
    }
    let mut p = match opened {
        Ok((snap, replayed, p)) => {
            top_up(loc, spares);
            if !send(Reply::Opened(Ok((Box::new(snap), replayed)))) {
                return;
            }
            p
        }
        Err(e) => {
            send(Reply::Opened(Err(OpenError::from(&e))));
            return;
        }
    };
    let own = p.annotator().1.to_string();
    let link = replies.clone();
    let waker = Arc::clone(wake);
    p.retry_until_saved(Box::new(move |why| {
        let _ = link.send(Reply::Link(why.map(str::to_string)));
        waker();
    }));
    let mut watcher = Watcher::start(loc).ok();
    let mut last_try = Instant::now();
    let mut stale = false;
    // An explicit refresh (after a background job) reads the span texts again too.
    let mut full = false;
    loop {
        match asks.recv_timeout(Duration::from_millis(200)) {
            Ok(Ask::Stop) | Err(RecvTimeoutError::Disconnected) => return,
            Ok(Ask::Write(w)) => {
                let r = write(&mut p, &own, w).map_err(|e| e.to_string());
                if !send(Reply::Written(r)) {
                    return;
                }
            }
            Ok(Ask::Load(key)) => {
                let r = load(&p, key).map(Box::new).map_err(|e| e.to_string());
                if !send(Reply::Loaded(key, r)) {
                    return;
                }
            }
            Ok(Ask::Next) => {
                let r = p.next_assigned().map_err(|e| e.to_string());
                stale = true;
                if !send(Reply::Next(r)) {
                    return;
                }
            }
            Ok(Ask::Suggestions(doc)) => {
                let r = p.suggestions(doc).map_err(|e| e.to_string());
                if !send(Reply::Suggestions(doc, r)) {
                    return;
                }
            }
            Ok(Ask::WithLabel(l)) => {
                let set = p.documents_with_label(l).unwrap_or_default();
                if !send(Reply::WithLabel(l, set)) {
                    return;
                }
            }
            Ok(Ask::Refresh) => {
                stale = true;
                full = true;
            }
            Ok(Ask::Layer(layer)) => {
                let r = p
                    .set_annotator(layer.as_deref().unwrap_or(&own))
                    .map_err(|e| e.to_string());
                stale = true;
                if !send(Reply::Layer(r)) {
                    return;
                }
            }
            Ok(Ask::TopUp) => top_up(loc, spares),
            Err(RecvTimeoutError::Timeout) => {}
        }
        match &watcher {
            Some(w) => stale |= !w.changes().is_empty(),
            None if last_try.elapsed() > Duration::from_secs(2) => {
                last_try = Instant::now();
                watcher = Watcher::start(loc).ok();
                stale |= watcher.is_some();
            }
            None => {}
        }
        if stale {
            let fresh = p.reload().and_then(|()| snapshot(&p, full));
            if let Ok(s) = fresh {
                stale = false;
                full = false;
                if !send(Reply::Snapshot(Box::new(s))) {
                    return;
                }
            }
        }
    }
}

/// Opens spare connections until there are [`SPARES`].
fn top_up(loc: &TeamLocation, spares: &Spares) {
    let have = spares.lock().map(|v| v.len()).unwrap_or(SPARES);
    for _ in have..SPARES {
        match PgProject::open(loc) {
            Ok(p) => {
                if let Ok(mut v) = spares.lock() {
                    v.push(p);
                }
            }
            Err(_) => return,
        }
    }
}
