//! Inputs found by the fuzz targets in `fuzz/` (cargo-fuzz, nightly) and kept as
//! regressions: every file under `tests/data/fuzz/<format>/` goes through its importer the
//! way the fuzz target feeds it, and must give `Ok` or an error, never a panic. Plus a
//! small stable-toolchain fuzz (proptest) over arbitrary bytes and mutated real files;
//! raise `TAWSIM_FUZZ_CASES` to run it for longer.
//!
//! Input layout (same as `fuzz/src/lib.rs`): the first byte picks the import options; for
//! brat the rest is `txt \0\0 ann`, for HF `jsonl \0\0 labels.json`.

use proptest::prelude::*;
use std::path::{Path, PathBuf};
use tawsim_core::domain::{IndexedText, OffsetIndex, OverlapPolicy};
use tawsim_core::formats::{Format, FormatError, ImportOptions, Split, TagScheme, import_path};

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
        _ => o.utf16_offsets = variant & 1 != 0,
    }
    o.overlap = Some(if variant & 2 != 0 {
        OverlapPolicy::Allow
    } else {
        OverlapPolicy::Forbid
    });
    o
}

/// Runs one fuzz input; `Err` only for a broken invariant (a panic propagates as is).
fn run(format: Format, data: &[u8]) -> Result<(), String> {
    let Some((&variant, data)) = data.split_first() else {
        return Ok(());
    };
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let (main, side) = match data.windows(2).position(|w| w == b"\x00\x00") {
        Some(i) => (&data[..i], Some(&data[i + 2..])),
        None => (data, None),
    };
    let write = |p: PathBuf, b: &[u8]| std::fs::write(&p, b).map(|()| p).map_err(|e| e.to_string());
    let path = match format {
        Format::Brat => {
            write(dir.path().join("doc.txt"), main)?;
            write(dir.path().join("doc.ann"), side.unwrap_or_default())?;
            dir.path().to_path_buf()
        }
        Format::HfTokens => {
            if let Some(s) = side {
                write(dir.path().join("labels.json"), s)?;
            }
            write(dir.path().join("in.jsonl"), main)?
        }
        _ => write(dir.path().join("in.dat"), data)?,
    };
    let mut bad = None;
    let res = import_path(&path, format, &opts_for(format, variant), &mut |d| {
        let n = IndexedText::new(d.text.as_str()).len_chars();
        if let Some(s) = d.spans.iter().find(|s| s.start >= s.end || s.end > n) {
            bad = Some(format!("span {s:?} out of a {n}-char document"));
        }
        Ok(())
    });
    if let Some(b) = bad {
        return Err(b);
    }
    match res {
        Ok(rep) => {
            // Every problem names the file it is about.
            let all = rep.errors.iter().chain(&rep.warnings);
            match all.into_iter().find(|p| !p.file.starts_with(dir.path())) {
                Some(p) => Err(format!("problem does not name the input: {p}")),
                None => Ok(()),
            }
        }
        Err(FormatError::Cancelled) => Err("cancelled without a cancel flag".into()),
        Err(e)
            if !e
                .to_string()
                .contains(dir.path().to_string_lossy().as_ref()) =>
        {
            Err(format!("error does not name the input: {e}"))
        }
        Err(_) => Ok(()),
    }
}

/// Offsets: conversions never panic and round-trip (same checks as `fuzz_targets/offsets.rs`).
fn run_offsets(data: &[u8]) -> Result<(), String> {
    if data.len() < 4 {
        return Ok(());
    }
    let (idx, rest) = data.split_at(4);
    let text = String::from_utf8_lossy(rest);
    let text = text.as_ref();
    let raw = [
        usize::from(idx[0]),
        usize::from(idx[1]),
        usize::from(idx[2]) * 7,
        usize::from(idx[3]) * 64,
    ];
    let oi = OffsetIndex::new(text);
    let it = IndexedText::new(text);
    let n = oi.len_chars();
    if n != text.chars().count() || oi.len_utf16() != text.encode_utf16().count() {
        return Err("lengths disagree".into());
    }
    for &i in raw.iter().chain(&[n, n + 1, usize::MAX]) {
        let b = oi.char_to_byte(text, i);
        let want = text
            .char_indices()
            .map(|(b, _)| b)
            .chain([text.len()])
            .nth(i);
        if b != want {
            return Err(format!("char_to_byte({i}) = {b:?}, want {want:?}"));
        }
        if let Some(b) = b
            && oi.byte_to_char(text, b) != Some(i)
        {
            return Err(format!("byte_to_char does not invert char_to_byte at {i}"));
        }
        if let Some(u) = oi.char_to_utf16(text, i)
            && oi.utf16_to_char(text, u) != Some(i)
        {
            return Err(format!(
                "utf16_to_char does not invert char_to_utf16 at {i}"
            ));
        }
        let _ = (oi.byte_to_char(text, i), oi.utf16_to_char(text, i));
        for &j in &raw {
            if let Some(s) = oi.slice(text, i, j)
                && s.chars().count() != j - i
            {
                return Err(format!("slice({i}, {j}) has the wrong length"));
            }
            let _ = it.slice(i, j);
            let (a, z) = it.snap_out(i.min(n), j.min(n));
            if !(it.is_grapheme_boundary(a) && it.is_grapheme_boundary(z)) {
                return Err(format!("snap_out({i}, {j}) is off a boundary"));
            }
        }
        let _ = (it.boundary_at_or_before(i), it.boundary_at_or_after(i));
        let _ = (it.char_to_byte(i), it.byte_to_char(i));
        let _ = (it.char_to_utf16(i), it.utf16_to_char(i));
    }
    Ok(())
}

const DIRS: [(&str, Option<Format>); 7] = [
    ("text", Some(Format::Text)),
    ("doccano", Some(Format::Doccano)),
    ("conll", Some(Format::Conll)),
    ("brat", Some(Format::Brat)),
    ("labelstudio", Some(Format::LabelStudio)),
    ("hf", Some(Format::HfTokens)),
    ("offsets", None),
];

fn corpus_root() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("tests/data/fuzz")
}

#[test]
fn every_kept_fuzz_input_imports_without_panicking() {
    let mut n = 0;
    let mut failures = Vec::new();
    for (dir, format) in DIRS {
        let entries = std::fs::read_dir(corpus_root().join(dir))
            .unwrap_or_else(|e| panic!("{}: {e}", corpus_root().join(dir).display()));
        let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        files.sort();
        for f in files {
            let Ok(data) = std::fs::read(&f) else {
                continue;
            };
            n += 1;
            let caught = std::panic::catch_unwind(|| match format {
                Some(fmt) => run(fmt, &data),
                None => run_offsets(&data),
            });
            match caught {
                Ok(Ok(())) => {}
                Ok(Err(e)) => failures.push(format!("{}: {e}", f.display())),
                Err(_) => failures.push(format!("{}: panicked", f.display())),
            }
        }
    }
    println!("{n} kept fuzz inputs");
    assert!(
        n >= 100,
        "the kept fuzz inputs are committed under tests/data/fuzz: found {n}"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Real files to mutate, per format (small slices so each case is fast).
fn seeds(format: Format) -> Vec<Vec<u8>> {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let g = |p: &str| std::fs::read(root.join("tests/data/golden").join(p)).unwrap_or_default();
    let shared = |p: &str| {
        let path = root.join("tests/data/corpora").join(p);
        let mut b = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        b.truncate(3000);
        b
    };
    let join = |a: Vec<u8>, b: Vec<u8>| [a, b"\x00\x00".to_vec(), b].concat();
    match format {
        Format::Text => vec![g("brat/libya-ceasefire-ar.txt")],
        Format::Doccano => vec![g("seed.jsonl"), g("seed.entities.jsonl")],
        Format::Conll => vec![
            g("seed.conll"),
            g("seed.bioes.conll"),
            shared("anercorp/ANERCorp.txt"),
            shared("newsfane/NewsFANE_Gold_2014_170K.txt"),
            shared("wojood-sample/train.txt"),
        ],
        Format::Brat => vec![join(
            g("brat/libya-ceasefire-ar.txt"),
            g("brat/libya-ceasefire-ar.ann"),
        )],
        Format::LabelStudio => vec![g("seed.json")],
        Format::HfTokens => vec![join(g("seed.hf.jsonl"), g("seed.hf.jsonl.labels.json"))],
    }
}

/// A structure-aware-ish mutation: splice, delete, duplicate or overwrite a range with
/// bytes that matter to the formats (digits, quotes, brackets, tabs, newlines, Arabic).
fn mutate(seed: &[u8], ops: &[(u8, u16, u16, u8)]) -> Vec<u8> {
    const TOKENS: [&[u8]; 16] = [
        b"\n",
        b"\t",
        b" ",
        b"\"",
        b"[",
        b"]",
        b"{",
        b"}",
        b",",
        b":",
        b"-1",
        b"99999999999",
        b"B-",
        b"I-",
        "\u{0645}\u{0651}".as_bytes(),
        b"\r\n",
    ];
    let mut v = seed.to_vec();
    for &(op, a, b, x) in ops {
        let len = v.len().max(1);
        let a = usize::from(a) * len / 65536;
        let b = (a + usize::from(b) % 64).min(v.len());
        let a = a.min(b);
        match op % 5 {
            0 => {
                v.drain(a..b);
            }
            1 => {
                let chunk = v[a..b].to_vec();
                v.splice(a..a, chunk);
            }
            2 => {
                v.splice(a..a, TOKENS[usize::from(x) % TOKENS.len()].iter().copied());
            }
            3 => {
                if a < v.len() {
                    v[a] = x;
                }
            }
            _ => v.truncate(a),
        }
    }
    v
}

fn cases(default: u32) -> u32 {
    std::env::var("TAWSIM_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn check(format: Format, data: &[u8]) -> Result<(), TestCaseError> {
    run(format, data).map_err(TestCaseError::fail)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(48), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn importers_survive_arbitrary_bytes(f in 0usize..6, data in proptest::collection::vec(any::<u8>(), 0..400)) {
        check(Format::ALL[f], &data)?;
    }

    #[test]
    fn importers_survive_mutated_real_files(
        f in 0usize..6,
        pick in any::<usize>(),
        variant in any::<u8>(),
        ops in proptest::collection::vec((any::<u8>(), any::<u16>(), any::<u16>(), any::<u8>()), 1..8),
    ) {
        let format = Format::ALL[f];
        let s = seeds(format);
        let seed = &s[pick % s.len()];
        let data = [vec![variant], mutate(seed, &ops)].concat();
        check(format, &data)?;
    }

    #[test]
    fn offsets_survive_arbitrary_text(data in proptest::collection::vec(any::<u8>(), 0..300), s in "\\PC{0,200}") {
        run_offsets(&data).map_err(TestCaseError::fail)?;
        let with_text = [data.get(..4).unwrap_or(&[1, 2, 3, 4]), s.as_bytes()].concat();
        run_offsets(&with_text).map_err(TestCaseError::fail)?;
    }
}
