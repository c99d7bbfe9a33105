//! The gazetteer the suggestion tests use: every LOC name of ANERcorp (tests/data), one
//! `text<TAB>LOC` line each, as INCEpTION's string matcher reads them.

use std::path::{Path, PathBuf};

/// Writes the gazetteer into `dir` as `anercorp-loc.tsv`.
pub fn anercorp_loc(dir: &Path) -> PathBuf {
    let corpus = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/corpora/anercorp/ANERCorp.txt"
    ))
    .expect("ANERcorp");
    let mut names = std::collections::BTreeSet::new();
    let mut cur: Vec<&str> = Vec::new();
    for line in corpus.lines().chain(std::iter::once("")) {
        let (tok, tag) = line.rsplit_once(' ').unwrap_or((line, "O"));
        if tag == "I-LOC" && !cur.is_empty() {
            cur.push(tok);
            continue;
        }
        if !cur.is_empty() {
            names.insert(cur.join(" "));
            cur.clear();
        }
        if tag == "B-LOC" {
            cur.push(tok);
        }
    }
    assert!(
        names.contains("ليبيا") && names.contains("جنيف"),
        "{} names",
        names.len()
    );
    let gaz = dir.join("anercorp-loc.tsv");
    let body: String = names.iter().map(|n| format!("{n}\tLOC\n")).collect();
    std::fs::write(&gaz, body).expect("gazetteer");
    gaz
}
