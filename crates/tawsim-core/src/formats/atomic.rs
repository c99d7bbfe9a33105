//! Writing outputs: an output is checked first (never an input, never an existing file
//! without force), then written through a temporary file in the same folder that is renamed
//! into place only when complete.

use super::{ExportOptions, ExportReport, FormatError};
use std::io::Write;
use std::path::{Path, PathBuf};

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

pub(crate) fn check_output(out: &Path, opts: &ExportOptions) -> Result<(), FormatError> {
    if opts.inputs.iter().any(|i| same_file(i, out)) {
        return Err(FormatError::SameAsInput(out.to_path_buf()));
    }
    if out.exists() && !opts.force {
        return Err(FormatError::OutputExists(out.to_path_buf()));
    }
    Ok(())
}

/// A file written through a temporary file in the same folder and renamed into place.
pub(crate) struct AtomicFile {
    tmp: tempfile::NamedTempFile,
    out: PathBuf,
}

impl AtomicFile {
    pub fn create(out: &Path) -> Result<Self, FormatError> {
        let dir = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let tmp = tempfile::Builder::new()
            .prefix(".tawsim-export-")
            .tempfile_in(&dir)
            .map_err(|e| FormatError::io(&dir, e))?;
        Ok(AtomicFile {
            tmp,
            out: out.to_path_buf(),
        })
    }

    pub fn writer(&mut self) -> &mut std::fs::File {
        self.tmp.as_file_mut()
    }

    /// Flushes and renames into place (replacing `out` only when `force`).
    pub fn commit(self, force: bool) -> Result<(), FormatError> {
        let out = self.out;
        self.tmp
            .as_file()
            .sync_all()
            .map_err(|e| FormatError::io(&out, e))?;
        let res = if force {
            self.tmp.persist(&out)
        } else {
            self.tmp.persist_noclobber(&out)
        };
        res.map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                FormatError::OutputExists(out.clone())
            } else {
                FormatError::io(&out, e.error)
            }
        })?;
        Ok(())
    }
}

/// An error writing to `path`.
pub(crate) fn werr(path: &Path) -> impl Fn(std::io::Error) -> FormatError + '_ {
    move |e| FormatError::io(path, e)
}

pub(crate) fn with_writer(
    out: &Path,
    opts: &ExportOptions,
    f: impl FnOnce(&mut dyn Write) -> Result<ExportReport, FormatError>,
) -> Result<ExportReport, FormatError> {
    let mut file = AtomicFile::create(out)?;
    let report = {
        let mut w = std::io::BufWriter::with_capacity(1 << 16, file.writer());
        let r = f(&mut w)?;
        w.flush().map_err(werr(out))?;
        r
    };
    file.commit(opts.force)?;
    Ok(report)
}
