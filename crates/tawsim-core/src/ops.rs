//! Operations that join the formats and the store: import files into a project in one
//! transaction, export a project to a dataset file. Used by the CLI and the window.

use crate::domain::search;
use crate::domain::{AnnotatedDocument, DocId, Edit, IndexedText, OverlapPolicy, SpanSet};
use crate::formats::{self, Format, FormatError, ImportOptions, ImportReport};
use crate::spill::Spill;
use crate::store::{Project, SameText, Store, StoreError};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Why an import or export did not happen. Nothing in the project changed.
#[derive(Debug)]
pub enum OpsError {
    Format(FormatError),
    Store(StoreError),
    UnknownFormat(PathBuf),
    /// The files have problems and `--lenient` was not given: the report lists them all.
    Rejected(ImportReport),
    /// The request does not fit the project (the message says why).
    Refused(String),
}

impl fmt::Display for OpsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpsError::Format(e) => write!(f, "{e}"),
            OpsError::Store(e) => write!(f, "{e}"),
            OpsError::Refused(m) => write!(f, "{m}"),
            OpsError::UnknownFormat(p) => write!(
                f,
                "{}: cannot tell the format from the name; give --format",
                p.display()
            ),
            OpsError::Rejected(r) => {
                writeln!(
                    f,
                    "nothing imported: {} problem(s) (import leniently — `--lenient`, or tick Lenient in File > Import — to import the rest and skip these):",
                    r.errors.len()
                )?;
                if r.errors
                    .iter()
                    .any(|p| p.message.contains("forbids overlaps"))
                {
                    writeln!(
                        f,
                        "  The file has nested or overlapping spans: to keep them, allow overlapping spans first (Project > Spans may overlap: Yes) and import again."
                    )?;
                }
                for p in r.errors.iter().take(50) {
                    writeln!(f, "  {p}")?;
                }
                if r.errors.len() > 50 {
                    writeln!(f, "  … and {} more", r.errors.len() - 50)?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for OpsError {}

impl From<StoreError> for OpsError {
    fn from(e: StoreError) -> Self {
        OpsError::Store(e)
    }
}

impl From<FormatError> for OpsError {
    fn from(e: FormatError) -> Self {
        OpsError::Format(e)
    }
}

/// What an import did.
#[derive(Debug, Default)]
pub struct ImportOutcome {
    pub files: usize,
    pub report: ImportReport,
    /// Documents whose text the project already held: their spans joined those documents
    /// as the importing annotator's layer (an import that joins).
    pub joined: usize,
}

impl ImportOutcome {
    /// Every warning and skipped problem, one `file:line: message` a line.
    #[must_use]
    pub fn report_lines(&self) -> Vec<String> {
        let r = &self.report;
        r.errors
            .lines("skipped")
            .chain(r.warnings.lines("warning"))
            .collect()
    }

    /// One line for the status bar.
    #[must_use]
    pub fn summary(&self) -> String {
        let r = &self.report;
        let mut s = format!(
            "Imported {} document(s) with {} span(s)",
            r.documents, r.spans
        );
        if self.joined > 0 {
            s.push_str(&format!(
                " ({} joined documents already in the project)",
                self.joined
            ));
        }
        if !r.warnings.is_empty() {
            s.push_str(&format!(", {} warning(s)", r.warnings.len()));
        }
        if !r.errors.is_empty() {
            s.push_str(&format!(", {} problem(s) skipped", r.errors.len()));
        }
        s
    }
}

fn merge(into: &mut ImportReport, r: ImportReport) {
    into.documents += r.documents;
    into.spans += r.spans;
    into.warnings.extend(r.warnings);
    into.errors.extend(r.errors);
    into.repaired += r.repaired;
}

/// Imports every path (file or folder) into the project in one transaction. With errors and
/// without `opts.lenient`, nothing is imported and the report comes back as the error.
pub fn import_paths<S: Store>(
    project: &mut S,
    paths: &[PathBuf],
    format: Option<Format>,
    opts: &ImportOptions,
) -> Result<ImportOutcome, OpsError> {
    import_paths_joining(project, paths, format, opts, false)
}

/// [`import_paths`]; with `join`, a document whose text the project already holds joins it
/// as the importing annotator's layer instead of becoming a new document.
pub fn import_paths_joining<S: Store>(
    project: &mut S,
    paths: &[PathBuf],
    format: Option<Format>,
    opts: &ImportOptions,
    join: bool,
) -> Result<ImportOutcome, OpsError> {
    let mut opts = opts.clone();
    let policy = project.settings().overlap;
    match opts.overlap {
        None => opts.overlap = Some(policy),
        Some(OverlapPolicy::Allow) if policy == OverlapPolicy::Forbid => {
            return Err(OpsError::Refused(format!(
                "{}: the project forbids overlapping spans, so an import that allows them cannot go into it (allow them first: Project > Spans may overlap: Yes, or tawsim project set PROJECT overlap allow)",
                project.path().display()
            )));
        }
        Some(_) => {}
    }
    let outcome = project.import(
        |sink| {
            if join {
                sink.join_same_text()?;
            }
            let mut out = ImportOutcome::default();
            let mut store_error = None;
            // The files are read and checked on another thread while this one stores what
            // they hold (the sink belongs to the project's transaction, on this thread).
            let (to_store, batches) = std::sync::mpsc::sync_channel::<Vec<AnnotatedDocument>>(4);
            let read = std::thread::scope(|s| {
                let reader = s.spawn(|| read_paths(paths, format, &opts, to_store));
                for doc in batches.iter().flatten() {
                    if let Err(e) = sink.add(doc) {
                        store_error = Some(e);
                        break; // dropping the receiver stops the reader
                    }
                }
                drop(batches);
                reader
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            });
            if let Some(e) = store_error {
                return Err(OpsError::Store(e));
            }
            (out.files, out.report) = read?;
            out.joined = sink.joined();
            Ok(out)
        },
        |out: &ImportOutcome| opts.lenient || out.report.errors.is_empty(),
    )?;
    if !opts.lenient && !outcome.report.errors.is_empty() {
        return Err(OpsError::Rejected(outcome.report));
    }
    Ok(outcome)
}

/// Reads every path in turn, handing its documents to `to_store` in batches; stops when
/// the receiver is gone. Returns how many files were read and their merged report.
fn read_paths(
    paths: &[PathBuf],
    format: Option<Format>,
    opts: &ImportOptions,
    to_store: std::sync::mpsc::SyncSender<Vec<AnnotatedDocument>>,
) -> Result<(usize, ImportReport), OpsError> {
    let mut report = ImportReport::default();
    let mut files = 0;
    let mut batch = Handover::new(to_store);
    for path in paths {
        let fmt = format
            .or_else(|| Format::guess(path))
            .ok_or_else(|| OpsError::UnknownFormat(path.clone()))?;
        let r = formats::import_path(path, fmt, opts, &mut |doc| {
            batch.push(doc).map_err(|_| FormatError::Cancelled)
        });
        merge(&mut report, r?);
        files += 1;
    }
    // A refused send means the store failed: its error is the one reported.
    let _ = batch.finish();
    Ok((files, report))
}

/// What an import of predictions keeps until every file is read (a [`Spill`], so any size
/// of input fits): a document new to the project, followed by its suggestions, or a
/// suggestion (start, end, label, score) of a project document (`Some`) or of the last new
/// document before it (`None`).
#[derive(serde::Serialize, serde::Deserialize)]
enum Pending {
    Doc(Box<AnnotatedDocument>),
    Row(Option<DocId>, usize, usize, String, Option<f64>),
}

impl Pending {
    /// About what it takes in memory.
    fn bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + match self {
                Pending::Doc(d) => {
                    let meta = 128 * d.meta.len() + d.doc_labels.len() * 32;
                    std::mem::size_of::<AnnotatedDocument>() + d.name.len() + d.text.len() + meta
                }
                Pending::Row(.., label, _) => label.len(),
            }
    }
}

/// What an import of predictions as suggestions did.
#[derive(Debug, Default)]
pub struct PredictionImport {
    pub files: usize,
    /// Documents read from the files.
    pub documents: usize,
    /// Of those, the ones the project already held (same text).
    pub matched: usize,
    /// The ones it did not: added as new documents without spans.
    pub added: usize,
    /// Suggestions kept (one per document, range and label).
    pub kept: usize,
    /// Spans left out for a score under the threshold.
    pub below_threshold: usize,
    /// Spans that came without a score (kept whatever the threshold).
    pub unscored: usize,
    pub report: ImportReport,
}

/// Imports files of predictions (Label Studio `predictions` with their scores, doccano,
/// CoNLL, brat, HF) as suggestion source `source` instead of spans: each document goes to
/// the project's document with the same text (a new document without spans when there is
/// none), its spans become suggestions, those scored under `min_score` are left out. A
/// source imported again is replaced. With problems in the files and without
/// `opts.lenient`, nothing changes and the report comes back as the error.
pub fn import_predictions<S: Store>(
    project: &mut S,
    paths: &[PathBuf],
    format: Option<Format>,
    opts: &ImportOptions,
    source: &str,
    min_score: Option<f64>,
) -> Result<PredictionImport, OpsError> {
    let limit = Spill::<Pending>::LIMIT;
    import_predictions_within(project, paths, format, opts, (source, min_score), limit)
}

/// [`import_predictions`] keeping up to `limit` bytes of what it read in memory.
fn import_predictions_within<S: Store>(
    project: &mut S,
    paths: &[PathBuf],
    format: Option<Format>,
    opts: &ImportOptions,
    (source, min_score): (&str, Option<f64>),
    limit: usize,
) -> Result<PredictionImport, OpsError> {
    let mut opts = opts.clone();
    opts.predictions = true;
    // Suggestions may overlap one another; only spans are held to the project's policy.
    opts.overlap = Some(OverlapPolicy::Allow);
    let mut docs = Vec::new();
    project.for_each_document(|id, _, text| {
        docs.push((SameText::hash(text), id));
        Ok(true)
    })?;
    let by_text = SameText::new(docs);
    let mut out = PredictionImport::default();
    let mut pending = Spill::new(limit);
    let mut push = |p: Pending| {
        let b = p.bytes();
        pending.push(p, b);
    };
    for path in paths {
        let fmt = format
            .or_else(|| Format::guess(path))
            .ok_or_else(|| OpsError::UnknownFormat(path.clone()))?;
        let r = formats::import_path(path, fmt, &opts, &mut |mut doc| {
            out.documents += 1;
            // The project's first document with this text takes the suggestions of every
            // copy of it (suggestions are not joined one copy to one document).
            let target = by_text.find(&doc.text);
            let mut rows = Vec::new();
            for sp in std::mem::take(&mut doc.spans) {
                let score = formats::span_score(&doc.meta, sp.start, sp.end, &sp.label);
                match (score, min_score) {
                    (Some(s), Some(min)) if s < min => {
                        out.below_threshold += 1;
                        continue;
                    }
                    (None, _) => out.unscored += 1,
                    _ => {}
                }
                rows.push(Pending::Row(target, sp.start, sp.end, sp.label, score));
            }
            if target.is_some() {
                out.matched += 1;
            } else {
                doc.meta.remove(formats::SCORES);
                out.added += 1;
                push(Pending::Doc(Box::new(doc)));
            }
            rows.into_iter().for_each(&mut push);
            Ok(())
        });
        merge(&mut out.report, r?);
        out.files += 1;
    }
    if !opts.lenient && !out.report.errors.is_empty() {
        return Err(OpsError::Rejected(out.report));
    }
    let spill_error = |e: std::io::Error| StoreError::Io {
        path: std::env::temp_dir(),
        source: e,
    };
    // The new documents first (their ids are known only then), their suggestions kept
    // again with those ids.
    let rows = if out.added == 0 {
        pending
    } else {
        project.import(
            |sink| {
                let mut rows = Spill::new(limit);
                let mut last = None;
                for p in pending.drain().map_err(spill_error)? {
                    match p.map_err(spill_error)? {
                        Pending::Doc(d) => last = Some(sink.add(*d)?),
                        Pending::Row(doc, s, e, l, score) => {
                            let row = Pending::Row(doc.or(last), s, e, l, score);
                            let b = row.bytes();
                            rows.push(row, b);
                        }
                    }
                }
                Ok::<_, StoreError>(rows)
            },
            |_| true,
        )?
    };
    let origin = paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let mut rows = rows.drain().map_err(spill_error)?.filter_map(|p| match p {
        Ok(Pending::Row(doc, s, e, l, score)) => Some(Ok((doc?, s, e, l, score))),
        Ok(Pending::Doc(_)) => None,
        Err(e) => Some(Err(spill_error(e))),
    });
    out.kept = project.replace_suggestions(source, "predictions", &origin, &mut rows)?;
    Ok(out)
}

/// Imports one path into a fresh project at `project_path` (used by tests and the CLI).
pub fn import_new(
    project_path: &Path,
    paths: &[PathBuf],
    format: Option<Format>,
    opts: &ImportOptions,
) -> Result<(Project, ImportOutcome), OpsError> {
    import_new_as(project_path, paths, format, opts, None)
}

/// [`import_new`] as `annotator` (the project is opened or created as them, and documents
/// already in the project join it as their layer); as the OS user, not joining, when `None`.
pub fn import_new_as(
    project_path: &Path,
    paths: &[PathBuf],
    format: Option<Format>,
    opts: &ImportOptions,
    annotator: Option<&str>,
) -> Result<(Project, ImportOutcome), OpsError> {
    let name = annotator.map_or_else(crate::domain::annotator::os_user_name, str::to_string);
    if project_path.exists() {
        let mut p = Project::open_as(project_path, &name)?;
        let out = import_paths_joining(&mut p, paths, format, opts, annotator.is_some())?;
        return Ok((p, out));
    }
    // Built beside its path and named only once the import has committed: a failed or
    // killed import leaves no project behind.
    let mut p = Project::create_staged_as(project_path, &name)?;
    // A new project takes the import's overlap policy (nested NER from the command line).
    if let Some(policy) = opts.overlap {
        p.save_settings(crate::domain::ProjectSettings {
            overlap: policy,
            ..p.settings()
        })?;
    }
    let out = import_paths_joining(&mut p, paths, format, opts, annotator.is_some())?;
    Ok((p.publish()?, out))
}

/// Which documents and labels an export takes.
#[derive(Debug, Clone, Default)]
pub struct ExportFilter {
    /// The annotator layer to export (the store's own annotator's when `None`).
    pub layer: Option<crate::domain::AnnotatorId>,
    pub status: Option<crate::domain::DocStatus>,
    pub labels: Option<Vec<String>>,
    /// Export the layer's open suggestions instead of its spans: of the named source, or of
    /// every source (`Some(None)`).
    pub suggestions: Option<Option<String>>,
}

/// Exports the project's documents that pass `filter` to `out` (written to a temporary
/// file and renamed; the project file itself is never a valid output). `done` counts
/// documents as they are written, for a progress bar.
pub fn export_project<S: Store>(
    project: &S,
    format: Format,
    out: &Path,
    filter: &ExportFilter,
    opts: &formats::ExportOptions,
    done: Option<&std::sync::atomic::AtomicU64>,
) -> Result<formats::ExportReport, OpsError> {
    let mut opts = opts.clone();
    opts.inputs.push(project.path().to_path_buf());
    if opts.label_order.is_empty() {
        opts.label_order = project.labels().iter().map(|l| l.name.clone()).collect();
    }
    let mut store_error = None;
    let docs = match &filter.suggestions {
        Some(source) => project.export_suggestions(
            filter.layer,
            source.as_deref(),
            filter.status,
            filter.labels.as_deref(),
        )?,
        None => project.export_docs(filter.layer, filter.status, filter.labels.as_deref())?,
    };
    // The store is read on this thread while the format writes on another, so the two
    // overlap (BENCHMARKS.md). Batches keep the handover cheap; the channel's bound keeps
    // memory flat.
    let (to_writer, batches) = std::sync::mpsc::sync_channel::<Vec<AnnotatedDocument>>(4);
    let report = std::thread::scope(|s| {
        let writer = s.spawn(move || {
            let mut docs = batches.into_iter().flatten().inspect(|_| {
                if let Some(n) = done {
                    n.fetch_add(1, Ordering::Relaxed);
                }
            });
            formats::export_documents(&mut docs, format, out, &opts)
        });
        let mut batch = Handover::new(to_writer);
        for d in docs {
            match d {
                Ok(d) => {
                    if batch.push(d).is_err() {
                        break; // the writer stopped: its report says why
                    }
                }
                Err(e) => {
                    store_error = Some(e);
                    break;
                }
            }
        }
        if store_error.is_none() {
            let _ = batch.finish();
        } else {
            drop(batch); // ends the writer's loop: the partial output is removed below
        }
        writer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    });
    if let Some(e) = store_error {
        // The stream stopped early: do not leave a partial dataset behind.
        if report.is_ok() {
            let _ = std::fs::remove_file(out);
        }
        return Err(OpsError::Store(e));
    }
    Ok(report?)
}

/// Documents handed from one thread of an import or export to the other, a batch at a time:
/// 256 documents, or fewer when their texts reach 4 MB.
struct Handover {
    to: std::sync::mpsc::SyncSender<Vec<AnnotatedDocument>>,
    batch: Vec<AnnotatedDocument>,
    bytes: usize,
}

impl Handover {
    const DOCS: usize = 256;
    const BYTES: usize = 4 << 20;

    fn new(to: std::sync::mpsc::SyncSender<Vec<AnnotatedDocument>>) -> Self {
        Handover {
            to,
            batch: Vec::with_capacity(Self::DOCS),
            bytes: 0,
        }
    }

    /// Adds a document, sending the batch when it is full; an error when the receiver is
    /// gone.
    fn push(&mut self, doc: AnnotatedDocument) -> Result<(), ()> {
        self.bytes += doc.text.len();
        self.batch.push(doc);
        if self.batch.len() < Self::DOCS && self.bytes < Self::BYTES {
            return Ok(());
        }
        self.bytes = 0;
        let full = std::mem::replace(&mut self.batch, Vec::with_capacity(Self::DOCS));
        self.to.send(full).map_err(drop)
    }

    /// Sends what is left (the sender is dropped with it, which ends the receiver's loop).
    fn finish(self) -> Result<(), ()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        self.to.send(self.batch).map_err(drop)
    }
}

/// Searches every document of the project (in project order) for `query`, up to `max` hits;
/// `current` stands in for the stored state of the open document (its edits in memory).
/// Counts documents into `progress`; returns `None` when `cancel` was set. The second value
/// is true when the list was cut at `max`.
pub fn search_project<S: Store>(
    p: &S,
    query: &search::Query,
    current: Option<(DocId, &IndexedText, &SpanSet)>,
    max: usize,
    progress: Option<&AtomicU64>,
    cancel: Option<&AtomicBool>,
) -> Result<Option<(Vec<search::Hit>, bool)>, StoreError> {
    let mut hits = Vec::new();
    let mut room = true;
    let mut cancelled = false;
    let mut visit = |id: DocId, name: &str, text: &str| -> Result<bool, StoreError> {
        if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            cancelled = true;
            return Ok(false);
        }
        if let Some(d) = progress {
            d.fetch_add(1, Ordering::Relaxed);
        }
        if let Some((cur, cur_text, cur_spans)) = current.filter(|c| c.0 == id) {
            room = search::collect_hits(query, cur, name, cur_text, cur_spans, max, &mut hits);
            return Ok(room);
        }
        // Spans matter only for proposals, and only where the text matches at all.
        let text = IndexedText::new(text);
        let spans = if query.label.is_some() {
            p.annotations(id)?.spans
        } else {
            SpanSet::default()
        };
        room = search::collect_hits(query, id, name, &text, &spans, max, &mut hits);
        Ok(room)
    };
    // With a search index (a project file's, brought up to date in the background; a team
    // project's, written with its documents), only the documents that may hold the query
    // are read.
    if !p.for_each_candidate(&query.text, &mut visit)? {
        p.for_each_document(&mut visit)?;
    }
    Ok((!cancelled).then_some((hits, !room)))
}

/// What [`label_occurrences`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Labelled {
    pub spans: usize,
    pub documents: usize,
    /// Documents left out because their spans changed meanwhile and the batch no longer fits.
    pub refused: usize,
    pub cancelled: bool,
}

/// Adds `edits` to each document, one transaction and one undo step per document, checked
/// against its stored spans. Counts documents into `progress`; stops between documents when
/// `cancel` is set (those done keep their spans).
pub fn label_occurrences<S: Store>(
    p: &mut S,
    batches: Vec<(DocId, Vec<Edit>)>,
    progress: Option<&AtomicU64>,
    cancel: Option<&AtomicBool>,
) -> Result<Labelled, StoreError> {
    let policy = p.settings().overlap;
    let mut out = Labelled::default();
    for (doc, edits) in batches {
        if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            out.cancelled = true;
            break;
        }
        let n = edits.len();
        let edit = Edit::Batch { edits };
        let mut ann = p.annotations(doc)?;
        if edit.apply(&mut ann, policy).is_ok() {
            p.apply(doc, &edit)?;
            out.spans += n;
            out.documents += 1;
        } else {
            out.refused += 1;
        }
        if let Some(d) = progress {
            d.fetch_add(1, Ordering::Relaxed);
        }
    }
    Ok(out)
}

/// An import the user asked for (File > Import, a drop, the CLI).
#[derive(Debug, Clone)]
pub struct ImportRequest {
    pub paths: Vec<PathBuf>,
    /// `None`: guessed from each path.
    pub format: Option<Format>,
    pub options: ImportOptions,
}

/// An export the user asked for.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    pub out: PathBuf,
    pub format: Format,
    pub filter: ExportFilter,
    pub options: formats::ExportOptions,
}

/// Bytes in the files and folders (recursively), for an import's progress bar.
#[must_use]
pub fn total_size(paths: &[PathBuf]) -> u64 {
    fn walk(p: &Path) -> u64 {
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => std::fs::read_dir(p)
                .map(|rd| rd.flatten().map(|e| walk(&e.path())).sum())
                .unwrap_or(0),
            Ok(m) => m.len(),
            Err(_) => 0,
        }
    }
    paths.iter().map(|p| walk(p)).sum()
}

/// Runs an import request as a background job: bytes read go to `progress`, and a cancel
/// ends it with [`JobError::Cancelled`] (nothing imported). The result is the summary line,
/// then the report's lines, one a line.
pub fn run_import<S: Store>(
    project: &mut S,
    r: &ImportRequest,
    progress: &crate::job::Progress,
) -> Result<String, crate::job::JobError> {
    let mut opts = r.options.clone();
    opts.progress = Some(std::sync::Arc::clone(&progress.done));
    opts.cancel = Some(std::sync::Arc::clone(&progress.cancel));
    match import_paths(project, &r.paths, r.format, &opts) {
        Ok(o) => {
            let mut s = o.summary();
            for l in o.report_lines() {
                s.push('\n');
                s.push_str(&l);
            }
            Ok(s)
        }
        Err(OpsError::Format(FormatError::Cancelled)) => Err(crate::job::JobError::Cancelled),
        Err(e) => Err(crate::job::JobError::Failed(e.to_string())),
    }
}

/// Runs an export request as a background job (documents written go to `progress`); the
/// result is one line for the status bar.
pub fn run_export<S: Store>(
    project: &S,
    r: &ExportRequest,
    progress: &crate::job::Progress,
) -> Result<String, crate::job::JobError> {
    let mut opts = r.options.clone();
    opts.cancel = Some(std::sync::Arc::clone(&progress.cancel));
    match export_project(
        project,
        r.format,
        &r.out,
        &r.filter,
        &opts,
        Some(&progress.done),
    ) {
        Ok(rep) => {
            let mut s = format!(
                "Exported {} document(s) with {} span(s) to {}",
                rep.documents,
                rep.spans,
                r.out.display()
            );
            if !rep.misaligned.is_empty() {
                // More than one line: the window shows them all in the report.
                s.push_str(&format!(
                    "; {} could not be written in this format (left out, not moved)",
                    rep.not_written()
                ));
                for m in rep.misaligned.lines("not written") {
                    s.push_str(&format!("\n{m}"));
                }
            }
            for w in rep.warnings.lines("warning") {
                s.push_str(&format!("\n{w}"));
            }
            Ok(s)
        }
        Err(OpsError::Format(FormatError::Cancelled)) => Err(crate::job::JobError::Cancelled),
        Err(e) => Err(crate::job::JobError::Failed(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ProjectSettings;

    /// Two nested spans in doccano JSONL.
    fn nested(dir: &Path) -> PathBuf {
        let p = dir.join("n.jsonl");
        std::fs::write(
            &p,
            "{\"text\": \"جامعة بنغازي\", \"label\": [[0, 12, \"ORG\"], [6, 12, \"LOC\"]]}\n",
        )
        .expect("write");
        p
    }

    /// Predictions imported as suggestions land alike whether what was read waits in memory,
    /// goes to a temporary file many times over, or cannot (no temporary file).
    #[test]
    fn predictions_land_alike_through_a_spill_file_and_in_memory() {
        let dir = tempfile::tempdir().expect("tmp");
        let known = ["وصل الوفد إلى جنيف", "قال حفتر", "زار الوفد طرابلس"];
        let src = dir.path().join("pred.jsonl");
        let mut lines = String::new();
        for k in 0..400 {
            let text = match k % 4 {
                3 => format!("خبر رقم {} من جنيف", k % 50),
                i => known[i].to_string(),
            };
            let n = text.chars().count();
            let row = serde_json::json!({"text": text, "label": [[0, 3, "LOC"], [n - 4, n, format!("L{}", k % 7)]]});
            lines.push_str(&format!("{row}\n"));
        }
        std::fs::write(&src, lines).expect("write");
        let run = |name: &str, limit: usize, no_temp: bool| {
            let mut p = Project::create(&dir.path().join(name)).expect("create");
            p.import(
                |sink| {
                    for t in known {
                        sink.add(AnnotatedDocument {
                            text: t.into(),
                            ..AnnotatedDocument::default()
                        })?;
                    }
                    Ok::<_, StoreError>(())
                },
                |_| true,
            )
            .expect("seed");
            crate::spill::fail_temp_files(no_temp);
            let src = std::slice::from_ref(&src);
            let opts = ImportOptions::default();
            let r = import_predictions_within(&mut p, src, None, &opts, ("m", None), limit);
            crate::spill::fail_temp_files(false);
            let r = r.expect("import");
            let mut got = vec![format!(
                "{} {} {} {}",
                r.documents, r.matched, r.added, r.kept
            )];
            p.for_each_document(|id, name, text| {
                let sug = p.suggestions(id)?;
                got.push(format!("{id} {name} {text} {sug:?}"));
                Ok(true)
            })
            .expect("read");
            got
        };
        let in_memory = run("a.tawsim", usize::MAX, false);
        // 300 copies of the 3 project texts hold 8 distinct suggestions each; 100 new texts 2.
        assert_eq!(in_memory[0], "400 300 100 224", "{:?}", in_memory.first());
        assert_eq!(in_memory.len(), 1 + 3 + 100);
        assert_eq!(run("b.tawsim", 512, false), in_memory);
        assert_eq!(run("c.tawsim", 512, true), in_memory);
    }

    #[test]
    fn the_callers_overlap_policy_is_kept_not_overwritten() {
        let dir = tempfile::tempdir().expect("tmp");
        let src = nested(dir.path());
        let mut p = Project::create(&dir.path().join("p.tawsim")).expect("create");
        p.save_settings(ProjectSettings {
            overlap: OverlapPolicy::Allow,
            ..ProjectSettings::default()
        })
        .expect("allow");
        // The project allows nesting; a caller checking a flat dataset asks for Forbid.
        let strict = ImportOptions {
            overlap: Some(OverlapPolicy::Forbid),
            ..ImportOptions::default()
        };
        match import_paths(&mut p, std::slice::from_ref(&src), None, &strict) {
            Err(OpsError::Rejected(r)) => assert_eq!(r.errors.len(), 1, "{:?}", r.errors),
            other => panic!("expected the nested span refused, got {other:?}"),
        }
        assert!(p.documents().expect("docs").is_empty(), "nothing imported");
        // Without a policy of its own, the import takes the project's.
        let out = import_paths(&mut p, &[src], None, &ImportOptions::default()).expect("import");
        assert_eq!(out.report.spans, 2);
    }

    #[test]
    fn allowing_overlaps_into_a_project_that_forbids_them_is_refused_up_front() {
        let dir = tempfile::tempdir().expect("tmp");
        let src = nested(dir.path());
        let mut p = Project::create(&dir.path().join("p.tawsim")).expect("create");
        let allow = ImportOptions {
            overlap: Some(OverlapPolicy::Allow),
            lenient: true,
            ..ImportOptions::default()
        };
        let e = import_paths(&mut p, &[src], None, &allow).expect_err("refused");
        assert!(matches!(e, OpsError::Refused(_)), "{e}");
        assert!(e.to_string().contains("Spans may overlap"), "{e}");
        assert!(p.documents().expect("docs").is_empty());
    }
}
