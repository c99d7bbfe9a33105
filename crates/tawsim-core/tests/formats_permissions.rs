//! Exported files get the permissions any file the user writes gets: `0o666 & !umask` (a
//! brat folder `0o777 & !umask`), not the `0o600` of the temporary file they are written
//! through, and `force` over an existing file keeps to that.
//!
//! One test in its own binary: the umask is per process, and no other test may create
//! files while it is changed.

#![cfg(target_os = "linux")]

use rustix::fs::Mode;
use rustix::process::umask;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use tawsim_core::domain::{AnnotatedDocument, TaggedSpan};
use tawsim_core::formats::{ExportOptions, Format, export_documents};

fn doc() -> AnnotatedDocument {
    AnnotatedDocument {
        name: "d".into(),
        text: "في جنيف".into(),
        spans: vec![TaggedSpan::new(3, 7, "LOC")],
        ..Default::default()
    }
}

fn export(format: Format, out: &Path, force: bool) {
    let opts = ExportOptions {
        force,
        ..Default::default()
    };
    export_documents(&mut std::iter::once(doc()), format, out, &opts).expect("export");
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777
}

#[test]
fn exports_honour_the_umask_and_force_keeps_to_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let old = umask(Mode::from_raw_mode(0o022));
    let run = || {
        for (format, name) in [
            (Format::Doccano, "a.jsonl"),
            (Format::Conll, "a.conll"),
            (Format::LabelStudio, "a.json"),
            (Format::Text, "a.txt"),
            (Format::HfTokens, "a.hf.jsonl"),
        ] {
            let out = dir.path().join(name);
            export(format, &out, false);
            assert_eq!(mode(&out), 0o644, "{format} under umask 022");
            export(format, &out, true);
            assert_eq!(mode(&out), 0o644, "{format} with force over a 0644 file");
        }
        assert_eq!(
            mode(&dir.path().join("labels.json")),
            0o644,
            "HF labels.json"
        );
        // A file the user made (0644) and replaced with force stays 0644.
        let mine = dir.path().join("mine.jsonl");
        std::fs::write(&mine, "{}\n").expect("write");
        assert_eq!(mode(&mine), 0o644);
        export(Format::Doccano, &mine, true);
        assert_eq!(mode(&mine), 0o644);
        // brat writes a folder: 0755, its files 0644.
        let brat = dir.path().join("brat");
        export(Format::Brat, &brat, false);
        assert_eq!(mode(&brat), 0o755, "brat folder");
        assert_eq!(mode(&brat.join("d.txt")), 0o644);
        assert_eq!(mode(&brat.join("d.ann")), 0o644);
        // A stricter umask is honoured too: it is the umask, not a fixed 0644.
        umask(Mode::from_raw_mode(0o077));
        let private = dir.path().join("private.jsonl");
        export(Format::Doccano, &private, false);
        assert_eq!(mode(&private), 0o600, "umask 077");
    };
    let result = std::panic::catch_unwind(run);
    umask(old);
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}
