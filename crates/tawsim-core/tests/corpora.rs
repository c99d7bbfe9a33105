//! The three real corpora in `tests/data/corpora` (committed with their licences) import with
//! the expected counts and warnings.
//! Counts are recomputed here from the raw files, independently of the importer.

use std::path::{Path, PathBuf};
use tawsim_core::domain::{AnnotatedDocument, OverlapPolicy, SpanError};
use tawsim_core::formats::{Format, ImportOptions, ImportReport, ProblemKind, import_path};

const DATA: &str = concat!(
    concat!(env!("CARGO_MANIFEST_DIR"), "/../.."),
    "/tests/data/corpora"
);

/// A committed corpus file; a missing one fails the test (it never passes by skipping).
fn data(rel: &str) -> PathBuf {
    let p = Path::new(DATA).join(rel);
    assert!(
        p.exists(),
        "{} is missing: the corpora are committed under tests/data/corpora",
        p.display()
    );
    p
}

fn import(path: &Path, opts: &ImportOptions) -> (Vec<AnnotatedDocument>, ImportReport) {
    let mut docs = Vec::new();
    let rep = import_path(path, Format::Conll, opts, &mut |d| {
        docs.push(d);
        Ok(())
    })
    .expect("import");
    (docs, rep)
}

fn lines_of(rep: &ImportReport, kind: &ProblemKind) -> Vec<usize> {
    rep.warnings
        .iter()
        .filter(|w| &w.kind == kind)
        .filter_map(|w| w.line)
        .collect()
}

/// Fields starting with `B-` in a CoNLL file (any column).
fn count_b_tags(raw: &str) -> usize {
    raw.split(['\n', '\r', ' ', '\t'])
        .filter(|f| f.starts_with("B-"))
        .count()
}

fn count_char(docs: &[AnnotatedDocument], c: char) -> usize {
    docs.iter()
        .map(|d| d.text.chars().filter(|&x| x == c).count())
        .sum()
}

#[test]
fn anercorp_imports_every_entity_and_names_its_quirks() {
    let path = data("anercorp/ANERCorp.txt");
    let raw = std::fs::read_to_string(&path).expect("utf-8");
    let b_tags = count_b_tags(&raw);
    assert_eq!(b_tags, 11_188);
    let (docs, rep) = import(&path, &ImportOptions::default());
    assert!(
        rep.errors.is_empty(),
        "{:?}",
        &rep.errors.kept()[..rep.errors.kept().len().min(5)]
    );
    println!(
        "ANERcorp: {} documents, {} spans, {} warnings",
        docs.len(),
        rep.spans,
        rep.warnings.len()
    );
    assert_eq!(rep.spans, b_tags, "one span per B- tag");
    assert_eq!(docs.iter().map(|d| d.spans.len()).sum::<usize>(), b_tags);
    assert_eq!(rep.repaired, 0);
    assert_eq!(
        lines_of(&rep, &ProblemKind::EmptyToken),
        [77231, 77234, 77238, 77241, 77244]
    );
    assert_eq!(lines_of(&rep, &ProblemKind::MissingNewline), [123_386]);
    assert_eq!(lines_of(&rep, &ProblemKind::TokenWithSpace), [113_161]);
    assert_eq!(lines_of(&rep, &ProblemKind::LeadingSpace), [84_046]);
    let last = raw.lines().count();
    assert_eq!(lines_of(&rep, &ProblemKind::NoFinalNewline), [last]);
    // ANERcorp has no blank lines: every cut is at a full stop and named, one per document
    // after the first.
    let cuts = lines_of(&rep, &ProblemKind::DocumentCut);
    assert_eq!(cuts.len(), docs.len() - 1);
    assert_eq!(rep.warnings.len() - cuts.len(), 9, "{:#?}", rep.warnings);
    // Tokens: every non-empty line is one token, the run-together line two.
    let tokens: usize = docs
        .iter()
        .map(|d| d.text.split([' ', '\n']).count())
        .sum::<usize>()
        - 1; // the token holding a space counts twice when split on spaces
    assert_eq!(tokens, raw.lines().count() - 5 + 1);
    // The U+200F marks stay in the text (none is in a skipped empty token).
    assert_eq!(
        count_char(&docs, '\u{200F}'),
        raw.chars().filter(|&c| c == '\u{200F}').count()
    );
    // Documents are cut after a full stop once they hold 1000 tokens: none is empty or huge.
    assert!(docs.len() > 100 && docs.len() < 160, "{}", docs.len());
    assert!(
        docs.iter().all(|d| !d.text.contains('\n')),
        "ANERcorp has no sentence breaks"
    );
    let first = &docs[0];
    assert!(
        first
            .text
            .starts_with("فرانكفورت (د ب أ) أعلن اتحاد صناعة السيارات في ألمانيا")
    );
    let s = &first.spans[1];
    assert_eq!(
        first
            .text
            .chars()
            .skip(s.start)
            .take(s.end - s.start)
            .collect::<String>(),
        "اتحاد صناعة السيارات"
    );
    assert_eq!(s.label, "ORG");
    // The repaired run-together line: "." and "الإصابة" are two tokens.
    assert!(docs.iter().any(|d| d.text.contains(". الإصابة")));
}

#[test]
fn newsfane_bom_crlf_tab_lines_and_repairs() {
    let path = data("newsfane/NewsFANE_Gold_2014_170K.txt");
    let raw = std::fs::read_to_string(&path).expect("utf-8");
    assert!(
        raw.starts_with('\u{FEFF}') && raw.contains("\r\n"),
        "the quirks are there"
    );
    let (docs, rep) = import(&path, &ImportOptions::default());
    assert!(
        rep.errors.is_empty(),
        "{:?}",
        &rep.errors.kept()[..rep.errors.kept().len().min(5)]
    );
    println!(
        "NewsFANE: {} documents, {} spans, {} repaired",
        docs.len(),
        rep.spans,
        rep.repaired
    );
    assert_eq!(rep.repaired, 4);
    assert_eq!(
        lines_of(&rep, &ProblemKind::Repaired),
        [82783, 83588, 106_635, 106_642]
    );
    assert_eq!(rep.spans, count_b_tags(&raw) + 4);
    assert_eq!(rep.warnings.len(), 4, "{:#?}", rep.warnings);
    assert!(!docs[0].text.starts_with('\u{FEFF}'));
    assert!(docs[0].text.starts_with("\u{200E}فرانكفورت"));
    assert!(
        docs.iter()
            .all(|d| !d.text.contains('\r') && !d.text.contains('\t'))
    );
    assert_eq!(
        count_char(&docs, '\u{200E}'),
        raw.chars().filter(|&c| c == '\u{200E}').count()
    );
    // Tab-only lines are sentence breaks: sentences become lines of the text.
    let sentences: usize = docs.iter().map(|d| d.text.lines().count()).sum();
    let breaks = raw
        .split("\r\n")
        .filter(|l| !l.is_empty() && l.trim_matches('\t').is_empty())
        .count();
    assert!(sentences >= breaks, "{sentences} lines for {breaks} breaks");
    let fine = docs
        .iter()
        .flat_map(|d| d.spans.iter())
        .filter(|s| s.label == "Population-Center")
        .count();
    assert!(fine > 0, "fine-grained labels with a hyphen are kept whole");
}

#[test]
fn wojood_nested_spans_need_allow_and_are_refused_under_forbid() {
    let dir = data("wojood-sample");
    let mut b_tags = 0;
    let mut markers = 0;
    for f in ["test.txt", "train.txt", "val.txt"] {
        let raw = std::fs::read_to_string(dir.join(f)).expect("utf-8");
        b_tags += count_b_tags(&raw);
        markers += raw.lines().filter(|l| l.starts_with("$#$ ")).count();
    }
    assert!(markers > 500);
    let allow = ImportOptions {
        overlap: Some(OverlapPolicy::Allow),
        ..Default::default()
    };
    let (docs, rep) = import(&dir, &allow);
    assert!(
        rep.errors.is_empty(),
        "{:?}",
        &rep.errors.kept()[..rep.errors.kept().len().min(5)]
    );
    assert_eq!(rep.spans, b_tags + rep.repaired);
    let nested = docs
        .iter()
        .filter(|d| d.spans.windows(2).any(|w| w[1].start < w[0].end))
        .count();
    assert!(nested > 10, "{nested} documents with nested spans");
    assert!(
        docs.iter().all(|d| !d.text.contains("$#$")),
        "$#$ marks a line break, not a token"
    );
    // Forbid: every overlap is an error naming its line; the flat spans still import.
    for w in &rep.warnings {
        println!("  warning: {w}");
    }
    let (_, forbid) = import(&dir, &ImportOptions::default());
    println!(
        "Wojood: {} documents, {} B- tags, {} spans (Allow, {} repaired); Forbid: {} spans, {} overlap errors",
        docs.len(),
        b_tags,
        rep.spans,
        rep.repaired,
        forbid.spans,
        forbid.errors.len()
    );
    assert!(!forbid.errors.is_empty());
    assert!(
        forbid.errors.iter().all(|e| matches!(
            e.kind,
            ProblemKind::Span(SpanError::Overlap { .. })
        ) && e.line.is_some())
    );
    assert_eq!(forbid.spans + forbid.errors.len(), rep.spans);
    // A whole folder is read in name order: test, train, val.
    assert!(docs[0].name.starts_with("test-"));
    assert!(docs.last().is_some_and(|d| d.name.starts_with("val-")));
}
