//! Golden files: each exporter's output for the seed article with five spans, compared byte
//! for byte with `tests/data/golden/*`, then read back independently (serde_json values, a
//! hand-written CoNLL/brat reader) to check that every span covers the right text in code
//! points. Regenerate with `UPDATE_GOLDEN=1 cargo test --test formats_golden` and review the
//! diff.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use tawsim_core::domain::{AnnotatedDocument, Meta, TaggedSpan};
use tawsim_core::formats::{DoccanoShape, ExportOptions, Format, TagScheme, export_documents};

const SEED: &str = include_str!("../../../tests/data/libya-ceasefire-ar.txt");

fn golden_dir() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("tests/data/golden")
}

fn find_char(text: &str, needle: &str) -> usize {
    let b = text.find(needle).expect("needle present");
    text[..b].chars().count()
}

fn seed_doc() -> AnnotatedDocument {
    let sp = |needle: &str, label: &str| {
        let s = find_char(SEED, needle);
        TaggedSpan::new(s, s + needle.chars().count(), label)
    };
    let g = find_char(SEED, "بجنيف") + 1;
    let mut spans = vec![
        sp("بنغازي", "LOC"),
        sp("خليفة حفتر", "PER"),
        sp("الأمم المتحدة", "ORG"),
        TaggedSpan::new(g, g + 4, "LOC"),
        sp("5+5", "MISC"),
    ];
    spans.sort();
    let mut meta = Meta::new();
    meta.insert("source".into(), "seed".into());
    AnnotatedDocument {
        name: "libya-ceasefire-ar".into(),
        text: SEED.into(),
        meta,
        spans,
        ..Default::default()
    }
}

/// The entities every exporter must show: (label, covered text).
fn expected(spaced: bool) -> BTreeSet<(String, String)> {
    [
        ("LOC", "بنغازي"),
        ("PER", "خليفة حفتر"),
        ("ORG", "الأمم المتحدة"),
        ("LOC", "جنيف"),
        ("MISC", if spaced { "5 + 5" } else { "5+5" }),
    ]
    .iter()
    .map(|(l, t)| (l.to_string(), t.to_string()))
    .collect()
}

fn chars(text: &str, s: u64, e: u64) -> String {
    text.chars()
        .skip(s as usize)
        .take((e - s) as usize)
        .collect()
}

/// Exports to a temp dir and compares every produced file with its golden twin.
fn check(format: Format, file: &str, opts: &ExportOptions) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join(file);
    export_documents(&mut std::iter::once(seed_doc()), format, &out, opts).expect("export");
    let produced: Vec<PathBuf> = if out.is_dir() {
        let mut v: Vec<PathBuf> = std::fs::read_dir(&out)
            .expect("dir")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        v.sort();
        v
    } else if format == Format::HfTokens {
        vec![out.clone(), dir.path().join("labels.json")]
    } else {
        vec![out.clone()]
    };
    for p in &produced {
        let rel = p.strip_prefix(dir.path()).expect("inside");
        let golden = golden_dir().join(
            format!("{}", rel.display()).replace("labels.json", &format!("{file}.labels.json")),
        );
        let got = std::fs::read(p).expect("read output");
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::create_dir_all(golden.parent().expect("parent")).expect("mkdir");
            std::fs::write(&golden, &got).expect("write golden");
        }
        let want = std::fs::read(&golden).unwrap_or_else(|e| panic!("{}: {e}", golden.display()));
        assert!(
            got == want,
            "{} differs from {}",
            p.display(),
            golden.display()
        );
    }
    (dir, out)
}

#[test]
fn doccano_label_and_entities_golden() {
    for (shape, file) in [
        (DoccanoShape::Label, "seed.jsonl"),
        (DoccanoShape::Entities, "seed.entities.jsonl"),
    ] {
        let (_d, out) = check(
            Format::Doccano,
            file,
            &ExportOptions {
                doccano_shape: shape,
                ..Default::default()
            },
        );
        let line = std::fs::read_to_string(&out).expect("read");
        assert_eq!(line.lines().count(), 1);
        let v: serde_json::Value = serde_json::from_str(&line).expect("json");
        let text = v["text"].as_str().expect("text");
        assert_eq!(text, SEED);
        assert_eq!(v["source"], "seed", "metadata written back");
        let got: BTreeSet<(String, String)> = match shape {
            DoccanoShape::Label => v["label"]
                .as_array()
                .expect("label")
                .iter()
                .map(|x| {
                    let (s, e) = (x[0].as_u64().expect("s"), x[1].as_u64().expect("e"));
                    (x[2].as_str().expect("l").to_string(), chars(text, s, e))
                })
                .collect(),
            DoccanoShape::Entities => {
                assert_eq!(v["relations"], serde_json::json!([]));
                v["entities"]
                    .as_array()
                    .expect("entities")
                    .iter()
                    .map(|x| {
                        let (s, e) = (
                            x["start_offset"].as_u64().expect("s"),
                            x["end_offset"].as_u64().expect("e"),
                        );
                        (
                            x["label"].as_str().expect("l").to_string(),
                            chars(text, s, e),
                        )
                    })
                    .collect()
            }
        };
        assert_eq!(got, expected(false));
    }
}

#[test]
fn labelstudio_golden() {
    let (_d, out) = check(Format::LabelStudio, "seed.json", &ExportOptions::default());
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("read")).expect("json");
    let task = &v[0];
    let text = task["data"]["text"].as_str().expect("text");
    assert_eq!(task["data"]["name"], "libya-ceasefire-ar");
    let mut got = BTreeSet::new();
    for r in task["annotations"][0]["result"].as_array().expect("result") {
        assert_eq!(
            (
                r["from_name"].as_str(),
                r["to_name"].as_str(),
                r["type"].as_str()
            ),
            (Some("label"), Some("text"), Some("labels"))
        );
        let (s, e) = (
            r["value"]["start"].as_u64().expect("s"),
            r["value"]["end"].as_u64().expect("e"),
        );
        assert_eq!(
            r["value"]["text"].as_str(),
            Some(chars(text, s, e).as_str())
        );
        got.insert((
            r["value"]["labels"][0].as_str().expect("l").to_string(),
            chars(text, s, e),
        ));
    }
    assert_eq!(got, expected(false));
}

#[test]
fn brat_golden() {
    let (_d, out) = check(Format::Brat, "brat", &ExportOptions::default());
    let text = std::fs::read_to_string(out.join("libya-ceasefire-ar.txt")).expect("txt");
    assert_eq!(text, SEED);
    let ann = std::fs::read_to_string(out.join("libya-ceasefire-ar.ann")).expect("ann");
    let mut got = BTreeSet::new();
    for line in ann.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let mid: Vec<&str> = f[1].split(' ').collect();
        let (s, e) = (mid[1].parse().expect("s"), mid[2].parse().expect("e"));
        assert_eq!(f[2], chars(&text, s, e));
        got.insert((mid[0].to_string(), chars(&text, s, e)));
    }
    assert_eq!(got, expected(false));
}

/// Entities from token lines `token TAG...` (IOB2 or BIOES, one tag here).
fn entities_from_tags(rows: &[(String, String)]) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let mut cur: Option<(String, Vec<String>)> = None;
    for (tok, tag) in rows
        .iter()
        .chain(std::iter::once(&(String::new(), "O".to_string())))
    {
        let (p, l) = tag.split_once('-').unwrap_or(("O", ""));
        if matches!(p, "I" | "E") {
            if let Some((_, toks)) = cur.as_mut() {
                toks.push(tok.clone());
            }
        } else if let Some((label, toks)) = cur.take() {
            out.insert((label, toks.join(" ")));
        }
        if matches!(p, "B" | "S") {
            cur = Some((l.to_string(), vec![tok.clone()]));
        }
        if matches!(p, "E" | "S")
            && let Some((label, toks)) = cur.take()
        {
            out.insert((label, toks.join(" ")));
        }
    }
    out
}

#[test]
fn conll_golden_iob2_and_bioes_in_clitic_mode() {
    for (scheme, file) in [
        (TagScheme::Iob2, "seed.conll"),
        (TagScheme::Bioes, "seed.bioes.conll"),
    ] {
        let opts = ExportOptions {
            scheme,
            clitic_tokens: true,
            ..Default::default()
        };
        let (_d, out) = check(Format::Conll, file, &opts);
        let body = std::fs::read_to_string(&out).expect("read");
        assert!(body.starts_with("-DOCSTART- O\n# name = libya-ceasefire-ar\n\n"));
        let rows: Vec<(String, String)> = body
            .lines()
            .skip(3)
            .filter(|l| !l.is_empty())
            .map(|l| {
                let (t, g) = l.rsplit_once(' ').expect("token TAG");
                (t.to_string(), g.to_string())
            })
            .collect();
        assert!(
            rows.iter().any(|(t, g)| t == "ب" && g == "O"),
            "the proclitic of بجنيف is its own token"
        );
        assert_eq!(entities_from_tags(&rows), expected(true));
    }
}

#[test]
fn hf_golden() {
    let opts = ExportOptions {
        clitic_tokens: true,
        ..Default::default()
    };
    let (_d, out) = check(Format::HfTokens, "seed.hf.jsonl", &opts);
    let v: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&out).expect("read").trim()).expect("json");
    let labels: Vec<String> = serde_json::from_str(
        &std::fs::read_to_string(out.with_file_name("labels.json")).expect("labels"),
    )
    .expect("json");
    assert_eq!(labels[0], "O");
    let rows: Vec<(String, String)> = v["tokens"]
        .as_array()
        .expect("tokens")
        .iter()
        .zip(v["ner_tags"].as_array().expect("tags"))
        .map(|(t, g)| {
            (
                t.as_str().expect("tok").to_string(),
                labels[g.as_u64().expect("id") as usize].clone(),
            )
        })
        .collect();
    assert_eq!(v["id"], "libya-ceasefire-ar");
    assert_eq!(entities_from_tags(&rows), expected(true));
}
