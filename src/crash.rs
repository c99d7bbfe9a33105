//! A panic in the window writes a crash report beside the open project (or in the data
//! directory) and says where; the next start shows it. The project itself is intact: every
//! edit was committed before the frame that made it ended.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

static PROJECT: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Remembers the open project so a crash report can be written beside it.
pub fn set_project(path: &Path) {
    if let Ok(mut p) = PROJECT.lock() {
        *p = Some(path.to_path_buf());
    }
}

/// Where the crash report for `project` goes.
#[must_use]
pub fn report_path(project: Option<&Path>) -> Option<PathBuf> {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    match project {
        Some(p) => {
            let mut name = p.file_name()?.to_os_string();
            name.push(format!(".crash-{stamp}.txt"));
            Some(p.with_file_name(name))
        }
        None => crate::startup::data_dir().map(|d| d.join(format!("crash-{stamp}.txt"))),
    }
}

/// Writes the report for a panic; returns its path.
pub fn write_report(message: &str, project: Option<&Path>) -> Option<PathBuf> {
    let path = report_path(project)?;
    let body = format!(
        "tawsim {} crashed.\n\nproject: {}\n\n{message}\n\nbacktrace:\n{}\n",
        env!("CARGO_PKG_VERSION"),
        project.map_or_else(|| "(none)".into(), |p| p.display().to_string()),
        std::backtrace::Backtrace::force_capture()
    );
    std::fs::write(&path, body).ok()?;
    Some(path)
}

/// Installs the hook (window mode only; the CLI keeps Rust's default message).
pub fn install_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let project = PROJECT.lock().ok().and_then(|p| p.clone());
        let message = info.to_string();
        match write_report(&message, project.as_deref()) {
            Some(path) => eprintln!(
                "tawsim crashed: {message}\nA crash report was written to {}\nYour project is intact: every edit was saved before the crash.",
                path.display()
            ),
            None => default(info),
        }
    }));
}

/// Marks a report as shown to the user (it is kept, renamed `*.seen.txt`).
pub fn mark_seen(report: &Path) -> Option<PathBuf> {
    let seen = report.with_extension("seen.txt");
    std::fs::rename(report, &seen).ok().map(|()| seen)
}

/// Crash reports left beside a project by earlier runs and not shown yet.
#[must_use]
pub fn reports_beside(project: &Path) -> Vec<PathBuf> {
    let (Some(dir), Some(name)) = (project.parent(), project.file_name()) else {
        return Vec::new();
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let prefix = format!("{}.crash-", name.to_string_lossy());
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name().is_some_and(|n| {
                        let n = n.to_string_lossy();
                        n.starts_with(&prefix) && !n.ends_with(".seen.txt")
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_lands_beside_the_project_and_is_found_again() {
        let dir = tempfile::tempdir().expect("tmp");
        let project = dir.path().join("p.tawsim");
        let path = write_report("boom at frame 3", Some(&project)).expect("written");
        assert_eq!(path.parent(), Some(dir.path()));
        assert!(
            std::fs::read_to_string(&path)
                .expect("read")
                .contains("boom at frame 3")
        );
        assert_eq!(reports_beside(&project), vec![path]);
    }
}
