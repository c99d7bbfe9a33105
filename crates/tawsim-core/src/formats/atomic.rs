//! Writing outputs: an output is checked first (never an input, never an existing file
//! without force), then written through a temporary file in the same folder that is renamed
//! into place only when complete. Outputs get the permissions any file the user creates
//! gets (`0o666 & !umask` for a file, `0o777 & !umask` for brat's folder), not the `0o600`
//! / `0o700` of a temporary file.

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
        let tmp = user_builder(0o666)
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

/// A temporary file or folder builder (prefix `.tawsim-export-`) whose file or folder is
/// created with `mode` (Unix: `0o666` for a file, `0o777` for a folder): `open`/`mkdir` then
/// take the umask (and a default ACL) off it, as for any file the user writes, so the output
/// renamed into place is `0o644` under umask `022`. The temporary file's own default,
/// `0o600`, would make every export private whatever the umask.
pub(crate) fn user_builder(mode: u32) -> tempfile::Builder<'static, 'static> {
    let mut b = tempfile::Builder::new();
    b.prefix(".tawsim-export-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        b.permissions(std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = mode;
    b
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
