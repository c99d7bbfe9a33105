//! The layering the compiler cannot see on its own: the core crate's manifest has no
//! window dependencies, no panel imports the app shell, panels do no file or SQL I/O, the
//! script runner has no egui, and no function in the app crate runs past 120 lines.

use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Functions (name, first line, length in lines) of a file formatted by rustfmt: a `fn`
/// whose header line ends a block opener runs to the first line that closes it at the same
/// indentation.
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim_start();
        let indent = l.len() - t.len();
        let t = t
            .trim_start_matches("pub(crate) ")
            .trim_start_matches("pub ")
            .trim_start_matches("const ");
        let Some(rest) = t.strip_prefix("fn ") else {
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let close = format!("{}}}", " ".repeat(indent));
        if let Some(end) = lines[i..].iter().position(|x| *x == close) {
            out.push((name, i + 1, end + 1));
        }
    }
    out
}

#[test]
fn the_core_crate_has_no_window_dependencies() {
    let manifest = read(&Path::new(ROOT).join("crates/tawsim-core/Cargo.toml"));
    let deps = manifest
        .split("[dependencies]")
        .nth(1)
        .expect("a [dependencies] table");
    for name in ["egui", "eframe", "rfd", "winit", "glow"] {
        assert!(
            !deps.lines().any(|l| l.trim_start().starts_with(name)),
            "tawsim-core depends on {name}"
        );
    }
    let mut files = Vec::new();
    rust_files(&Path::new(ROOT).join("crates/tawsim-core/src"), &mut files);
    assert!(
        files.len() > 20,
        "the core's sources are where they should be"
    );
    for f in files {
        let text = read(&f);
        assert!(!text.contains("egui::"), "{} names egui", f.display());
    }
}

#[test]
fn panels_read_a_view_and_never_the_app_shell_or_files() {
    let mut files = Vec::new();
    rust_files(&Path::new(ROOT).join("src/ui"), &mut files);
    assert!(files.len() > 10);
    for f in &files {
        let text = read(f);
        assert!(
            !text.contains("crate::app"),
            "{} imports the app shell",
            f.display()
        );
    }
    // The panels proper: no file system and no SQL (path_field lists folders for
    // completion, which is its whole job, and is not a panel).
    for name in [
        "documents_panel.rs",
        "labels_panel.rs",
        "menu.rs",
        "search_panel.rs",
        "status_bar.rs",
        "dialogs.rs",
        "document_pane.rs",
    ] {
        let text = read(&Path::new(ROOT).join("src/ui").join(name));
        for io in [
            "std::fs",
            "File::",
            "rusqlite",
            "SELECT ",
            ".label_usage(",
            "documents_with_label(",
        ] {
            assert!(!text.contains(io), "{name} does I/O ({io})");
        }
    }
}

#[test]
fn the_script_runner_has_no_egui() {
    let text = read(&Path::new(ROOT).join("src/script.rs"));
    assert!(!text.contains("egui"));
    assert!(text.contains("Session"), "it drives a Session");
}

#[test]
fn no_function_in_the_app_crate_is_longer_than_120_lines() {
    let mut files = Vec::new();
    rust_files(&Path::new(ROOT).join("src"), &mut files);
    let mut long = Vec::new();
    let mut seen = 0;
    for f in &files {
        for (name, line, len) in functions(&read(f)) {
            seen += 1;
            if len >= 120 {
                long.push(format!("{}:{line} {name} ({len} lines)", f.display()));
            }
        }
    }
    assert!(seen > 100, "the function finder found {seen} functions");
    assert!(long.is_empty(), "too long:\n{}", long.join("\n"));
}

#[test]
fn the_function_finder_measures_what_it_should() {
    let text = "fn a() {\n    x();\n}\n\nimpl T {\n    pub fn b(\n        y: u8,\n    ) {\n        z();\n    }\n}\n";
    assert_eq!(
        functions(text),
        vec![("a".to_string(), 1, 3), ("b".to_string(), 6, 5)]
    );
}
