//! Dataset formats. TEMPORARY: plain text only, with the agreed API; replaced by the full
//! formats module on merge.

use crate::domain::{AnnotatedDocument, OverlapPolicy};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
}

impl Format {
    pub const ALL: [Format; 1] = [Format::Text];
    #[must_use]
    pub fn name(self) -> &'static str {
        "text"
    }
    #[must_use]
    pub fn parse(s: &str) -> Option<Format> {
        (s == "text" || s == "txt").then_some(Format::Text)
    }
    #[must_use]
    pub fn guess(path: &Path) -> Option<Format> {
        (path.is_dir() || path.extension().is_some_and(|e| e == "txt")).then_some(Format::Text)
    }
}

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub lenient: bool,
    pub overlap: OverlapPolicy,
}

#[derive(Debug, Clone)]
pub struct Problem {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}: {}", self.file.display(), self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    pub documents: usize,
    pub spans: usize,
    pub warnings: Vec<Problem>,
    pub errors: Vec<Problem>,
    pub repaired: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{file}: invalid UTF-8 at byte {byte}")]
    InvalidUtf8 { file: PathBuf, byte: usize },
    #[error("cancelled")]
    Cancelled,
}

pub fn import_path(
    path: &Path,
    _format: Format,
    _opts: &ImportOptions,
    sink: &mut dyn FnMut(AnnotatedDocument) -> Result<(), FormatError>,
) -> Result<ImportReport, FormatError> {
    let mut files = Vec::new();
    if path.is_dir() {
        let rd = std::fs::read_dir(path).map_err(|source| FormatError::Io {
            path: path.into(),
            source,
        })?;
        for e in rd.flatten() {
            if e.path().extension().is_some_and(|x| x == "txt") {
                files.push(e.path());
            }
        }
        files.sort();
    } else {
        files.push(path.to_path_buf());
    }
    let mut report = ImportReport::default();
    for f in files {
        let bytes = std::fs::read(&f).map_err(|source| FormatError::Io {
            path: f.clone(),
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|e| FormatError::InvalidUtf8 {
            file: f.clone(),
            byte: e.utf8_error().valid_up_to(),
        })?;
        let text = text
            .strip_prefix('\u{FEFF}')
            .unwrap_or(&text)
            .replace("\r\n", "\n");
        let name = f
            .file_stem()
            .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
        sink(AnnotatedDocument {
            name,
            text,
            ..Default::default()
        })?;
        report.documents += 1;
    }
    Ok(report)
}
