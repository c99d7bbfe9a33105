//! What the window opens at start: the project named on the command line, a project beside
//! text files, or on the very first run a sample project made from the bundled article.

use crate::domain::AnnotatedDocument;
use crate::store::Project;
use std::path::{Path, PathBuf};

/// The bundled sample article (a Libya ceasefire news story).
pub const SAMPLE_TEXT: &str = include_str!("../assets/samples/libya-ceasefire-ar.txt");
pub const SAMPLE_NAME: &str = "libya-ceasefire-ar";

/// The user's data directory for tawsim (`~/.local/share/tawsim` on Linux), overridable
/// with `TAWSIM_DATA_DIR` (tests and portable installs).
#[must_use]
pub fn data_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("TAWSIM_DATA_DIR") {
        return Some(PathBuf::from(d));
    }
    directories::ProjectDirs::from("org", "tawsim", "tawsim").map(|d| d.data_dir().to_path_buf())
}

/// The sample project, created on first use in the data directory.
pub fn sample_project() -> Result<PathBuf, String> {
    let dir = data_dir().ok_or("no home directory to keep the sample project in")?;
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join("sample.tawsim");
    if !path.exists() {
        let mut p = Project::create(&path).map_err(|e| e.to_string())?;
        let doc = AnnotatedDocument {
            name: SAMPLE_NAME.into(),
            text: SAMPLE_TEXT.into(),
            ..Default::default()
        };
        p.import(|sink| sink.add(doc).map(drop), |_| true)
            .map_err(|e| e.to_string())?;
    }
    Ok(path)
}

/// The project for text files or folders given on the command line: beside them, named
/// after the file (one file) or the folder; created and filled on first use.
pub fn project_for_files(files: &[PathBuf]) -> Result<PathBuf, String> {
    let first = files.first().ok_or("no files given")?;
    let path = if files.len() == 1 {
        let f = first.as_path();
        let name = f
            .file_stem()
            .or_else(|| f.file_name())
            .ok_or_else(|| format!("{}: not a file name", f.display()))?;
        let parent = f
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        parent.join(name).with_extension("tawsim")
    } else {
        let parent = first
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let abs = std::fs::canonicalize(parent).unwrap_or_else(|_| parent.to_path_buf());
        let name = abs
            .file_name()
            .map_or_else(|| "project".into(), |n| n.to_string_lossy().into_owned());
        parent.join(format!("{name}.tawsim"))
    };
    if !path.exists() {
        let mut p = Project::create(&path).map_err(|e| e.to_string())?;
        if let Err(e) = import_into(&mut p, files) {
            // Leave no empty project behind: the next start would open it instead of
            // trying again.
            drop(p);
            for suffix in ["", "-wal", "-shm", ".lock"] {
                let mut f = path.clone().into_os_string();
                f.push(suffix);
                let _ = std::fs::remove_file(f);
            }
            return Err(e);
        }
    }
    Ok(path)
}

/// Imports files or folders into a project with the format guessed from each path; nothing
/// is imported when any of them has an error.
pub fn import_into(project: &mut Project, paths: &[PathBuf]) -> Result<String, String> {
    crate::ops::import_paths(
        project,
        paths,
        None,
        &crate::formats::ImportOptions::default(),
    )
    .map(|r| r.summary())
    .map_err(|e| e.to_string())
}
