//! Shared harness for the fuzz targets: writes the input where the importer expects it and
//! runs every option combination that changes the parsing path. Panics are the bug; an
//! `Err` is a fine answer.

use std::path::Path;
use tawsim::formats::{Format, ImportOptions, Split, TagScheme, import_path};

fn opts_for(format: Format, variant: u8) -> ImportOptions {
    let mut o = ImportOptions::default();
    match format {
        Format::Text => {
            o.split = [Split::Whole, Split::Lines, Split::Paragraphs][usize::from(variant % 3)];
        }
        Format::Conll => {
            o.scheme =
                [TagScheme::Iob2, TagScheme::Iob1, TagScheme::Bioes][usize::from(variant % 3)];
            o.tag_column = (variant & 4 != 0).then_some(usize::from(variant >> 4) % 4);
            o.max_doc_tokens = if variant & 8 != 0 { 3 } else { 0 };
        }
        _ => {
            o.utf16_offsets = variant & 1 != 0;
        }
    }
    o.overlap = Some(if variant & 2 != 0 {
        tawsim::domain::OverlapPolicy::Allow
    } else {
        tawsim::domain::OverlapPolicy::Forbid
    });
    o
}

/// Imports `data` as `format` (first byte picks the options; brat splits the rest at the
/// first `\x00\x00` into `.txt` and `.ann`; HF splits off a `labels.json` the same way).
pub fn run(format: Format, data: &[u8]) {
    let Some((&variant, data)) = data.split_first() else {
        return;
    };
    let Ok(dir) = tempfile::tempdir() else { return };
    let (main, side) = match data.windows(2).position(|w| w == b"\x00\x00") {
        Some(i) => (&data[..i], Some(&data[i + 2..])),
        None => (data, None),
    };
    let path = match format {
        Format::Brat => {
            let _ = std::fs::write(dir.path().join("doc.txt"), main);
            let _ = std::fs::write(dir.path().join("doc.ann"), side.unwrap_or_default());
            dir.path().to_path_buf()
        }
        Format::HfTokens => {
            let p = dir.path().join("in.jsonl");
            let _ = std::fs::write(&p, main);
            if let Some(s) = side {
                let _ = std::fs::write(dir.path().join("in.jsonl.labels.json"), s);
                let _ = std::fs::write(dir.path().join("labels.json"), s);
            }
            p
        }
        _ => {
            let p = dir.path().join("in.dat");
            let _ = std::fs::write(&p, data);
            p
        }
    };
    import(&path, format, variant);
}

pub fn import(path: &Path, format: Format, variant: u8) {
    let opts = opts_for(format, variant);
    let _ = import_path(path, format, &opts, &mut |d| {
        // Every document handed out must satisfy the invariants the rest of the app assumes.
        let t = tawsim::domain::IndexedText::new(d.text.as_str());
        for s in &d.spans {
            assert!(s.start < s.end && s.end <= t.len_chars(), "bad span {s:?}");
        }
        Ok(())
    });
}
