//! Operations that join the formats and the store: import files into a project in one
//! transaction, export a project to a dataset file. Used by the CLI and the window.

use crate::formats::{self, Format, FormatError, ImportOptions, ImportReport};
use crate::store::{Project, StoreError};
use std::fmt;
use std::path::{Path, PathBuf};

/// Why an import or export did not happen. Nothing in the project changed.
#[derive(Debug)]
pub enum OpsError {
    Format(FormatError),
    Store(StoreError),
    UnknownFormat(PathBuf),
    /// The files have problems and `--lenient` was not given: the report lists them all.
    Rejected(ImportReport),
}

impl fmt::Display for OpsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpsError::Format(e) => write!(f, "{e}"),
            OpsError::Store(e) => write!(f, "{e}"),
            OpsError::UnknownFormat(p) => write!(
                f,
                "{}: cannot tell the format from the name; give --format",
                p.display()
            ),
            OpsError::Rejected(r) => {
                writeln!(
                    f,
                    "nothing imported: {} problem(s) (use --lenient to import the rest and skip these):",
                    r.errors.len()
                )?;
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
}

impl ImportOutcome {
    /// One line for the status bar.
    #[must_use]
    pub fn summary(&self) -> String {
        let r = &self.report;
        let mut s = format!(
            "Imported {} document(s) with {} span(s)",
            r.documents, r.spans
        );
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
pub fn import_paths(
    project: &mut Project,
    paths: &[PathBuf],
    format: Option<Format>,
    opts: &ImportOptions,
) -> Result<ImportOutcome, OpsError> {
    let mut opts = opts.clone();
    opts.overlap = project.settings().overlap;
    let outcome = project.import(
        |sink| {
            let mut out = ImportOutcome::default();
            for path in paths {
                let fmt = format
                    .or_else(|| Format::guess(path))
                    .ok_or_else(|| OpsError::UnknownFormat(path.clone()))?;
                let mut store_error = None;
                let r = formats::import_path(path, fmt, &opts, &mut |doc| {
                    sink.add(doc).map(drop).map_err(|e| {
                        store_error = Some(e);
                        FormatError::Cancelled
                    })
                });
                if let Some(e) = store_error {
                    return Err(OpsError::Store(e));
                }
                merge(&mut out.report, r?);
                out.files += 1;
            }
            Ok(out)
        },
        |out: &ImportOutcome| opts.lenient || out.report.errors.is_empty(),
    )?;
    if !opts.lenient && !outcome.report.errors.is_empty() {
        return Err(OpsError::Rejected(outcome.report));
    }
    Ok(outcome)
}

/// Imports one path into a fresh project at `project_path` (used by tests and the CLI).
pub fn import_new(
    project_path: &Path,
    paths: &[PathBuf],
    format: Option<Format>,
    opts: &ImportOptions,
) -> Result<(Project, ImportOutcome), OpsError> {
    let mut p = Project::open_or_create(project_path)?;
    let out = import_paths(&mut p, paths, format, opts)?;
    Ok((p, out))
}

/// Which documents and labels an export takes.
#[derive(Debug, Clone, Default)]
pub struct ExportFilter {
    pub status: Option<crate::domain::DocStatus>,
    pub labels: Option<Vec<String>>,
}

/// Exports the project's documents that pass `filter` to `out` (written to a temporary
/// file and renamed; the project file itself is never a valid output). `done` counts
/// documents as they are written, for a progress bar.
pub fn export_project(
    project: &Project,
    format: Format,
    out: &Path,
    filter: &ExportFilter,
    opts: &formats::ExportOptions,
    done: Option<&std::sync::atomic::AtomicU64>,
) -> Result<formats::ExportReport, OpsError> {
    let mut opts = opts.clone();
    opts.inputs.push(project.path().to_path_buf());
    let mut store_error = None;
    let docs = project.export_iter(filter.status, filter.labels.as_deref())?;
    let mut docs = docs.map_while(|d| match d {
        Ok(d) => {
            if let Some(n) = done {
                n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            Some(d)
        }
        Err(e) => {
            store_error = Some(e);
            None
        }
    });
    let report = formats::export_documents(&mut docs, format, out, &opts);
    drop(docs);
    if let Some(e) = store_error {
        // The stream stopped early: do not leave a partial dataset behind.
        if report.is_ok() {
            let _ = std::fs::remove_file(out);
        }
        return Err(OpsError::Store(e));
    }
    Ok(report?)
}
