//! Malformed inputs for every importer, each asserting the exact problem (kind, file, line),
//! and the exporter's refusals.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use tawsim_core::domain::{AnnotatedDocument, OverlapPolicy, SpanError, TaggedSpan};
use tawsim_core::formats::{
    ExportOptions, Format, FormatError, ImportOptions, ImportReport, ProblemKind, Problems, Split,
    export_documents, import_path,
};

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write");
    p
}

fn run(
    path: &Path,
    format: Format,
    opts: &ImportOptions,
) -> Result<(Vec<AnnotatedDocument>, ImportReport), FormatError> {
    let mut docs = Vec::new();
    let rep = import_path(path, format, opts, &mut |d| {
        docs.push(d);
        Ok(())
    })?;
    Ok((docs, rep))
}

fn ok(path: &Path, format: Format, opts: &ImportOptions) -> (Vec<AnnotatedDocument>, ImportReport) {
    run(path, format, opts).expect("import")
}

/// `Span(Overlap` / `Json` / ...: the kind without its payload.
fn short(k: &ProblemKind) -> String {
    let d = format!("{k:?}");
    d.split([' ', '{']).next().unwrap_or_default().to_string()
}

fn summary(ps: &Problems, file: &Path) -> Vec<(usize, String)> {
    assert_eq!(ps.more_len(), 0, "{:?}", ps.more_line());
    for p in ps {
        assert_eq!(p.file, file, "{p}");
    }
    ps.iter()
        .map(|p| (p.line.unwrap_or(0), short(&p.kind)))
        .collect()
}

fn owned(v: &[(usize, &str)]) -> Vec<(usize, String)> {
    v.iter().map(|&(l, k)| (l, k.to_string())).collect()
}

// ---------------------------------------------------------------------------------------
// Plain text

#[test]
fn text_invalid_utf8_names_file_line_and_byte() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(dir.path(), "bad.txt", b"abc\n\xd8\xa8\xff rest\n");
    let err = run(&p, Format::Text, &ImportOptions::default()).expect_err("invalid");
    assert!(
        matches!(&err, FormatError::InvalidUtf8 { file, line: 2, byte: 6 } if file == &p),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("{}:2: invalid UTF-8 at byte 6", p.display())
    );
    // The byte position counts the BOM that is dropped.
    let p = write(dir.path(), "bom.txt", b"\xEF\xBB\xBFab\xff");
    let err = run(&p, Format::Text, &ImportOptions::default()).expect_err("invalid");
    assert!(
        matches!(
            err,
            FormatError::InvalidUtf8 {
                line: 1,
                byte: 5,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn text_drops_bom_and_crlf_before_offsets_exist_and_keeps_nul_with_a_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(dir.path(), "t.txt", "\u{FEFF}سطر\r\nثاني\r\nthird");
    let (docs, rep) = ok(&p, Format::Text, &ImportOptions::default());
    assert_eq!(docs[0].text, "سطر\nثاني\nthird");
    assert_eq!(docs[0].name, "t");
    assert!(rep.errors.is_empty() && rep.warnings.is_empty());
    let p = write(dir.path(), "n.txt", "a\nb\0c\n");
    let (docs, rep) = ok(&p, Format::Text, &ImportOptions::default());
    assert_eq!(docs[0].text, "a\nb\0c\n");
    assert_eq!(summary(&rep.warnings, &p), owned(&[(2, "Nul")]));
}

#[test]
fn text_empty_documents_are_errors_but_blank_lines_only_separate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(dir.path(), "e.txt", "");
    let (docs, rep) = ok(&p, Format::Text, &ImportOptions::default());
    assert!(docs.is_empty());
    assert_eq!(rep.errors.len(), 1);
    assert_eq!(rep.errors[0].kind, ProblemKind::EmptyDocument);
    let p = write(dir.path(), "l.txt", "one\n\n  \ntwo\r\n");
    let (docs, rep) = ok(
        &p,
        Format::Text,
        &ImportOptions {
            split: Split::Lines,
            ..Default::default()
        },
    );
    assert_eq!(
        docs.iter()
            .map(|d| (d.name.as_str(), d.text.as_str()))
            .collect::<Vec<_>>(),
        [("l-1", "one"), ("l-4", "two")]
    );
    assert!(rep.errors.is_empty());
}

#[test]
fn a_folder_imports_its_matching_files_in_name_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "b.txt", "second");
    write(dir.path(), "a.txt", "first");
    write(dir.path(), "c.md", "not text");
    let (docs, _) = ok(dir.path(), Format::Text, &ImportOptions::default());
    assert_eq!(
        docs.iter().map(|d| d.text.as_str()).collect::<Vec<_>>(),
        ["first", "second"]
    );
    let empty = tempfile::tempdir().expect("tempdir");
    assert!(matches!(
        run(empty.path(), Format::Doccano, &ImportOptions::default()),
        Err(FormatError::NoInput { .. })
    ));
}

// ---------------------------------------------------------------------------------------
// doccano

const DOCCANO_BAD: &str = r#"{"text": "وقّع في جنيف", "label": [[8, 12, "LOC"]]}
{"text": "abc", "label": [[0, 2, "X"]]
{"text": 5}
{"text": "abc", "label": [[-1, 2, "X"]]}
{"text": "abc", "label": [[2, 1, "X"]]}
{"text": "abc", "label": [[0, 9, "X"]]}
{"text": "وقّع", "label": [[0, 2, "X"]]}
{"text": "abcd", "label": [[0, 2, "X"], [1, 3, "Y"]]}
{"text": ""}
{"id": 7, "text": "a"}
{"id": 7, "text": "b"}
{"text": "abc", "label": [["0", 2, "X"]]}
{"text": "abc", "label": "PER"}
[1, 2]
{"text": "a NUL b"}
{"text": "abc", "entities": [{"start_offset": 0, "end_offset": 1.5, "label": "X"}]}
{"text": "abc", "entities": [{"start_offset": 0, "end_offset": 1}]}
{"text": "abc", "label": [[0, 1, "X"]], "entities": [{"id": 3, "start_offset": 0, "end_offset": 1, "label": "X"}]}
"#;

#[test]
fn doccano_every_problem_is_listed_with_file_line_and_kind() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(
        dir.path(),
        "bad.jsonl",
        DOCCANO_BAD.replace("a NUL b", "a\0b"),
    );
    for lenient in [false, true] {
        let (docs, rep) = ok(
            &p,
            Format::Doccano,
            &ImportOptions {
                lenient,
                ..Default::default()
            },
        );
        assert_eq!(
            summary(&rep.errors, &p),
            owned(&[
                (2, "Json"),
                (3, "Schema"),
                (4, "BadOffset"),
                (5, "Span(EmptyOrReversed"),
                (6, "Span(OutOfRange"),
                (7, "Span(SplitsGrapheme"),
                (8, "Span(Overlap"),
                (9, "EmptyDocument"),
                (11, "DuplicateId"),
                (12, "Schema"),
                (13, "Schema"),
                (14, "Schema"),
                (15, "Nul"),
                (16, "BadOffset"),
                (17, "Schema"),
                (18, "Span(Duplicate"),
            ])
        );
        // Between ق (1) and its shadda (2) in وقّع.
        assert_eq!(
            rep.errors[5].kind,
            ProblemKind::Span(SpanError::SplitsGrapheme {
                start: 0,
                end: 2,
                at: 2
            })
        );
        assert_eq!(
            rep.errors[4].kind,
            ProblemKind::Span(SpanError::OutOfRange {
                start: 0,
                end: 9,
                len: 3
            })
        );
        assert!(
            rep.errors[0]
                .to_string()
                .starts_with(&format!("{}:2: invalid JSON", p.display()))
        );
        // Documents with a bad span are kept without it; bad records are skipped.
        assert_eq!(docs.len(), 12);
        assert_eq!(rep.documents, 12);
        assert_eq!(docs[0].spans, vec![TaggedSpan::new(8, 12, "LOC")]);
        assert_eq!(
            docs.iter()
                .find(|d| d.text == "abcd")
                .map(|d| d.spans.len()),
            Some(1)
        );
        assert_eq!(rep.spans, 3);
    }
    // Allowing overlaps clears line 8 only.
    let (_, rep) = ok(
        &p,
        Format::Doccano,
        &ImportOptions {
            overlap: Some(OverlapPolicy::Allow),
            ..Default::default()
        },
    );
    assert_eq!(rep.errors.len(), 15);
    assert!(!rep.errors.iter().any(|e| e.line == Some(8)));
}

#[test]
fn doccano_invalid_utf8_bom_and_crlf() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(
        dir.path(),
        "u.jsonl",
        b"{\"text\": \"a\"}\n{\"text\": \"\xd8\"}\n",
    );
    let err = run(&p, Format::Doccano, &ImportOptions::default()).expect_err("invalid");
    assert!(
        matches!(&err, FormatError::InvalidUtf8 { file, line: 2, byte: 24 } if file == &p),
        "{err:?}"
    );
    // BOM before the first record and CRLF line ends are not text; a \r\n inside the
    // JSON string is, and stays.
    let p = write(
        dir.path(),
        "c.jsonl",
        "\u{FEFF}{\"text\": \"a\\r\\nb\", \"label\": [[3, 4, \"X\"]]}\r\n{\"text\": \"c\"}\r\n",
    );
    let (docs, rep) = ok(&p, Format::Doccano, &ImportOptions::default());
    assert!(rep.errors.is_empty(), "{:?}", rep.errors);
    assert_eq!(docs[0].text, "a\r\nb");
    assert_eq!(docs[0].spans, vec![TaggedSpan::new(3, 4, "X")]);
    assert_eq!(docs.len(), 2);
}

#[test]
fn doccano_keeps_extra_keys_and_names_documents() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(
        dir.path(),
        "m.jsonl",
        "{\"id\": 12, \"text\": \"a\", \"source\": \"x\", \"status\": \"done\"}\n{\"text\": \"b\", \"name\": \"bee\"}\n{\"text\": \"c\"}\n",
    );
    let (docs, _) = ok(&p, Format::Doccano, &ImportOptions::default());
    assert_eq!(
        docs.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(),
        ["12", "bee", "m-3"]
    );
    assert_eq!(docs[0].meta.get("source"), Some(&serde_json::json!("x")));
    assert_eq!(docs[0].meta.get("id"), Some(&serde_json::json!(12)));
    assert_eq!(docs[0].status, tawsim_core::domain::DocStatus::Done);
}

#[test]
fn a_5mb_single_line_imports_quickly() {
    // 5 MB rather than 50 MB keeps this under a few seconds in a debug build on 2 shared
    // cores; nothing in the line reader or IndexedText is size-dependent beyond linear.
    let dir = tempfile::tempdir().expect("tempdir");
    let n = 5 * 1024 * 1024 / 2;
    let body: String = "ب".repeat(n - 5) + " جنيف";
    let rec = format!(
        "{{\"text\": \"{body}\", \"label\": [[{}, {}, \"LOC\"]]}}\n",
        n - 4,
        n
    );
    let p = write(dir.path(), "big.jsonl", rec.as_bytes());
    let (docs, rep) = ok(&p, Format::Doccano, &ImportOptions::default());
    assert!(rep.errors.is_empty(), "{:?}", rep.errors);
    assert_eq!(docs[0].spans, vec![TaggedSpan::new(n - 4, n, "LOC")]);
    let p = write(dir.path(), "big.txt", body.as_bytes());
    let (docs, _) = ok(&p, Format::Text, &ImportOptions::default());
    assert_eq!(docs[0].text.len(), body.len());
    let p = write(dir.path(), "big.conll", format!("{body} O\n").as_bytes());
    let (docs, rep) = ok(&p, Format::Conll, &ImportOptions::default());
    assert_eq!(docs[0].text, body);
    assert_eq!(rep.warnings.len(), 1, "token with a space");
}

// ---------------------------------------------------------------------------------------
// CoNLL

#[test]
fn conll_problems_and_repairs_name_their_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(
        dir.path(),
        "c.conll",
        "جنيف B-LOC\nword\nx I-PER\ny B-LOC B-PER\na\0 O\n\nz X-FOO\nw O",
    );
    let (docs, rep) = ok(&p, Format::Conll, &ImportOptions::default());
    assert_eq!(
        summary(&rep.errors, &p),
        owned(&[
            (2, "BadTag"),
            (5, "Nul"),
            (7, "BadTag"),
            (4, "Span(Overlap")
        ])
    );
    assert_eq!(
        summary(&rep.warnings, &p),
        owned(&[(3, "Repaired"), (8, "NoFinalNewline")])
    );
    assert_eq!(rep.repaired, 1);
    assert_eq!(docs[0].text, "جنيف x y\nw");
    assert_eq!(
        docs[0].spans,
        vec![
            TaggedSpan::new(0, 4, "LOC"),
            TaggedSpan::new(5, 6, "PER"),
            TaggedSpan::new(7, 8, "LOC")
        ]
    );
    // Nested tags are fine when overlaps are allowed.
    let (_, rep) = ok(
        &p,
        Format::Conll,
        &ImportOptions {
            overlap: Some(OverlapPolicy::Allow),
            ..Default::default()
        },
    );
    assert_eq!(rep.errors.len(), 3);
    assert_eq!(rep.spans, 4);
}

#[test]
fn conll_a_space_before_a_token_is_dropped_with_a_warning_naming_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    // ANERcorp line 84046 is ` فيرسلاين B-PERS`; here with spaces, a tab, and a tag column.
    for (name, body, tag_column) in [
        ("s.conll", "في O\n جنيف B-LOC\n", None),
        ("t.conll", "في\tO\n جنيف\tB-LOC\n", None),
        ("c.conll", "في O\n جنيف B-LOC\n", Some(1)),
    ] {
        let p = write(dir.path(), name, body);
        let (docs, rep) = ok(
            &p,
            Format::Conll,
            &ImportOptions {
                tag_column,
                ..Default::default()
            },
        );
        assert!(rep.errors.is_empty(), "{name}: {:?}", rep.errors);
        assert_eq!(docs[0].text, "في جنيف", "{name}");
        assert_eq!(docs[0].spans, vec![TaggedSpan::new(3, 7, "LOC")], "{name}");
        assert_eq!(
            summary(&rep.warnings, &p),
            owned(&[(2, "LeadingSpace")]),
            "{name}"
        );
        assert_eq!(
            rep.warnings[0].to_string(),
            format!(
                "{}:2: token \"جنيف\" begins with a space; the space is dropped",
                p.display()
            )
        );
    }
    // An empty token (` O`) is still that, not a token with a space.
    let p = write(dir.path(), "e.conll", "في O\n O\n");
    let (_, rep) = ok(&p, Format::Conll, &ImportOptions::default());
    assert_eq!(summary(&rep.warnings, &p), owned(&[(2, "EmptyToken")]));
}

#[test]
fn conll_invalid_utf8_bom_crlf_and_tag_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(dir.path(), "u.conll", b"a O\n\xff O\n");
    let err = run(&p, Format::Conll, &ImportOptions::default()).expect_err("invalid");
    assert!(
        matches!(
            err,
            FormatError::InvalidUtf8 {
                line: 2,
                byte: 4,
                ..
            }
        ),
        "{err:?}"
    );
    let p = write(
        dir.path(),
        "b.conll",
        "\u{FEFF}\u{200E}د\tB-Media\r\n\u{200E}ب\tI-Media\r\n\t\r\nو\tO\r\n",
    );
    let (docs, rep) = ok(&p, Format::Conll, &ImportOptions::default());
    assert!(rep.errors.is_empty() && rep.warnings.is_empty(), "{rep:?}");
    assert_eq!(docs[0].text, "\u{200E}د \u{200E}ب\nو");
    assert_eq!(docs[0].spans, vec![TaggedSpan::new(0, 5, "Media")]);
    // CoNLL-2003 style with the NER tag in column 3.
    let p = write(
        dir.path(),
        "c.conll",
        "-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\n",
    );
    let (docs, rep) = ok(
        &p,
        Format::Conll,
        &ImportOptions {
            tag_column: Some(3),
            ..Default::default()
        },
    );
    assert!(rep.errors.is_empty());
    assert_eq!(docs[0].spans, vec![TaggedSpan::new(0, 2, "ORG")]);
    let (_, rep) = ok(
        &p,
        Format::Conll,
        &ImportOptions {
            tag_column: Some(7),
            ..Default::default()
        },
    );
    assert_eq!(
        summary(&rep.errors, &p),
        owned(&[(3, "BadTag"), (4, "BadTag")])
    );
}

// ---------------------------------------------------------------------------------------
// brat

#[test]
fn brat_problems_name_the_ann_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "وقّع الاتفاق في جنيف";
    write(dir.path(), "a.txt", text);
    let ann = write(
        dir.path(),
        "a.ann",
        "T1\tLOC 16 20\tجنيف\nT2\tLOC 16 20\tباريس\nT3\tPER 0 2\tوق\nT4\tPER -1 2\tx\nT5 broken\nT6\tORG 0 4;13 15\tوقّع في\n#1\tAnnotatorNotes T1\tthe city\nR1\tRel Arg1:T1 Arg2:T6\n",
    );
    let (docs, rep) = ok(dir.path(), Format::Brat, &ImportOptions::default());
    assert_eq!(
        summary(&rep.errors, &ann),
        owned(&[
            (4, "BadOffset"),
            (5, "Schema"),
            (3, "Span(SplitsGrapheme"),
            (2, "Span(TextMismatch")
        ])
    );
    assert_eq!(
        summary(&rep.warnings, &ann),
        owned(&[(6, "Discontinuous"), (8, "Unsupported")])
    );
    let d = &docs[0];
    assert_eq!(d.name, "a");
    assert_eq!(
        d.spans,
        vec![
            TaggedSpan::new(0, 4, "ORG"),
            TaggedSpan::new(13, 15, "ORG"),
            TaggedSpan::new(16, 20, "LOC")
        ]
    );
    assert_eq!(
        d.meta.get("brat_notes"),
        Some(&serde_json::json!([[16, 20, "LOC", "the city"]]))
    );
    assert_eq!(
        d.meta.get("brat_other"),
        Some(&serde_json::json!(["R1\tRel Arg1:T1 Arg2:T6"]))
    );
    let bad = write(dir.path(), "b.txt", b"ok\xc3");
    let err = run(dir.path(), Format::Brat, &ImportOptions::default()).expect_err("invalid");
    assert!(
        matches!(&err, FormatError::InvalidUtf8 { file, byte: 2, line: 1 } if file == &bad),
        "{err:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Label Studio

#[test]
fn labelstudio_truncated_json_is_fatal_with_its_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(
        dir.path(),
        "t.json",
        "[\n  {\"data\": {\"text\": \"abc\"}},\n  {\"data\": ",
    );
    let err = run(&p, Format::LabelStudio, &ImportOptions::default()).expect_err("truncated");
    assert!(
        matches!(&err, FormatError::Parse { file, line: 3, .. } if file == &p),
        "{err:?}"
    );
    let p = write(dir.path(), "n.json", "{\"a\": 1}\n");
    assert!(
        run(&p, Format::LabelStudio, &ImportOptions::default()).is_ok(),
        "a single task object is accepted"
    );
    let p = write(dir.path(), "s.json", "\"tasks\"");
    assert!(matches!(
        run(&p, Format::LabelStudio, &ImportOptions::default()),
        Err(FormatError::Parse { line: 1, .. })
    ));
}

#[test]
fn labelstudio_task_problems_name_the_task_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let body = r#"[
  {"id": 1, "data": {"text": "وقّع في جنيف"}, "annotations": [{"result": [{"type": "labels", "value": {"start": 8, "end": 12, "text": "جنيف", "labels": ["LOC"]}}]}]},
  {"id": 1, "data": {"text": "x"}},
  {"id": 2, "data": {"text": "abc"}, "annotations": [{"result": [{"type": "labels", "value": {"start": 0, "end": 2, "text": "ab!", "labels": ["X"]}}]}]},
  5,
  {"id": 3, "data": {"txt": "a"}},
  {"id": 4, "data": {"text": "😀x"}, "annotations": [{"result": [{"type": "labels", "value": {"start": 1, "end": 3, "labels": ["X"]}}]}]},
  {"id": 5, "data": {"text": "abc"}, "predictions": [{"result": [{"type": "choices", "value": {"choices": ["a"]}}, {"type": "labels", "value": {"start": 0, "end": 3, "labels": ["X"]}}]}]},
  {"id": 6, "data": {"text": "abc"}, "annotations": [{"was_cancelled": true, "result": []}, {"result": [{"type": "labels", "value": {"start": 0, "end": "2", "labels": ["X"]}}]}]}
]"#;
    let p = write(dir.path(), "ls.json", body);
    let (docs, rep) = ok(
        &p,
        Format::LabelStudio,
        &ImportOptions {
            utf16_offsets: true,
            ..Default::default()
        },
    );
    assert_eq!(
        summary(&rep.errors, &p),
        owned(&[
            (3, "DuplicateId"),
            (4, "Span(TextMismatch"),
            (5, "Schema"),
            (6, "Schema"),
            (7, "BadOffset"),
            (9, "Schema")
        ])
    );
    // A choices result not tied to a region gives document labels.
    assert_eq!(summary(&rep.warnings, &p), owned(&[]));
    assert_eq!(
        docs.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(),
        ["1", "2", "4", "5", "6"]
    );
    let pred = &docs[3];
    assert_eq!(pred.spans, vec![TaggedSpan::new(0, 3, "X")]);
    assert_eq!(pred.doc_labels, ["a"]);
    assert_eq!(
        pred.meta.get("annotation_source"),
        Some(&serde_json::json!("predictions"))
    );
}

// ---------------------------------------------------------------------------------------
// Hugging Face

#[test]
fn hf_needs_labels_for_ids_and_checks_lengths() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(
        dir.path(),
        "d.jsonl",
        "{\"id\": \"0\", \"tokens\": [\"في\", \"جنيف\"], \"ner_tags\": [0, 1]}\n{\"id\": \"1\", \"tokens\": [\"a\"], \"ner_tags\": [0, 0]}\n{\"id\": \"2\", \"tokens\": [\"a\"], \"ner_tags\": [\"B-LOC\"]}\n{\"id\": \"2\", \"tokens\": [\"b\"], \"ner_tags\": [\"O\"]}\n{\"id\": \"3\", \"tokens\": [\"a\", \"b\"], \"ner_tags\": [9, 0]}\n",
    );
    let (docs, rep) = ok(&p, Format::HfTokens, &ImportOptions::default());
    assert_eq!(
        summary(&rep.errors, &p),
        owned(&[
            (1, "BadTag"),
            (2, "Schema"),
            (4, "DuplicateId"),
            (5, "BadTag")
        ])
    );
    assert_eq!(docs.len(), 1);
    write(dir.path(), "labels.json", r#"["O", "B-LOC", "I-LOC"]"#);
    let (docs, rep) = ok(&p, Format::HfTokens, &ImportOptions::default());
    assert_eq!(
        summary(&rep.errors, &p),
        owned(&[(2, "Schema"), (4, "DuplicateId"), (5, "BadTag")])
    );
    assert_eq!(docs[0].text, "في جنيف");
    assert_eq!(docs[0].spans, vec![TaggedSpan::new(3, 7, "LOC")]);
    write(dir.path(), "labels.json", r#"["O", "B-LOC""#);
    let err = run(&p, Format::HfTokens, &ImportOptions::default()).expect_err("bad sidecar");
    assert!(
        matches!(&err, FormatError::Parse { file, .. } if file.ends_with("labels.json")),
        "{err:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Hooks

#[test]
fn cancel_stops_an_import_and_progress_counts_bytes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(
        dir.path(),
        "a.jsonl",
        "{\"text\": \"a\"}\n{\"text\": \"b\"}\n",
    );
    let progress = Arc::new(AtomicU64::new(0));
    let opts = ImportOptions {
        progress: Some(Arc::clone(&progress)),
        ..Default::default()
    };
    ok(&p, Format::Doccano, &opts);
    assert_eq!(progress.load(Ordering::Relaxed), 28);
    let cancel = Arc::new(AtomicBool::new(true));
    let opts = ImportOptions {
        cancel: Some(cancel),
        ..Default::default()
    };
    assert!(matches!(
        run(&p, Format::Doccano, &opts),
        Err(FormatError::Cancelled)
    ));
}

#[test]
fn sink_errors_stop_the_import() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(
        dir.path(),
        "a.jsonl",
        "{\"text\": \"a\"}\n{\"text\": \"b\"}\n",
    );
    let mut n = 0;
    let r = import_path(&p, Format::Doccano, &ImportOptions::default(), &mut |_| {
        n += 1;
        Err(FormatError::Other("store full".into()))
    });
    assert!(matches!(r, Err(FormatError::Other(m)) if m == "store full"));
    assert_eq!(n, 1);
}

// ---------------------------------------------------------------------------------------
// Export refusals

fn one_doc() -> Vec<AnnotatedDocument> {
    vec![AnnotatedDocument {
        name: "d".into(),
        text: "في جنيف".into(),
        spans: vec![TaggedSpan::new(3, 7, "LOC")],
        ..Default::default()
    }]
}

#[test]
fn export_refuses_an_existing_output_without_force_and_never_overwrites_an_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (format, name) in [
        (Format::Doccano, "o.jsonl"),
        (Format::Conll, "o.conll"),
        (Format::LabelStudio, "o.json"),
        (Format::Text, "o.txt"),
        (Format::HfTokens, "hf.jsonl"),
        (Format::Brat, "brat"),
    ] {
        let out = dir.path().join(name);
        if format == Format::Brat {
            std::fs::create_dir(&out).expect("mkdir");
            write(&out, "keep.txt", "old");
        } else {
            write(dir.path(), name, "old");
        }
        let err = export_documents(
            &mut one_doc().into_iter(),
            format,
            &out,
            &ExportOptions::default(),
        )
        .expect_err("exists");
        assert!(
            matches!(&err, FormatError::OutputExists(p) if p == &out),
            "{format}: {err:?}"
        );
        let forced = ExportOptions {
            force: true,
            ..Default::default()
        };
        let rep =
            export_documents(&mut one_doc().into_iter(), format, &out, &forced).expect("forced");
        assert_eq!(rep.documents, 1);
        let same = ExportOptions {
            force: true,
            inputs: vec![out.clone()],
            ..Default::default()
        };
        let err =
            export_documents(&mut one_doc().into_iter(), format, &out, &same).expect_err("input");
        assert!(
            matches!(&err, FormatError::SameAsInput(p) if p == &out),
            "{format}: {err:?}"
        );
    }
    assert!(
        !dir.path().join("brat/keep.txt").exists(),
        "forced brat export replaced the folder"
    );
    assert!(dir.path().join("brat/d.ann").exists());
    // No temporary files are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("read_dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".tawsim"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // The input compared by canonical path, not by spelling.
    let input = write(dir.path(), "in.jsonl", "{}");
    let spelled = dir.path().join(".").join("in.jsonl");
    let same = ExportOptions {
        force: true,
        inputs: vec![input.clone()],
        ..Default::default()
    };
    let err = export_documents(&mut one_doc().into_iter(), Format::Doccano, &spelled, &same)
        .expect_err("input");
    assert!(matches!(err, FormatError::SameAsInput(_)));
    assert_eq!(std::fs::read_to_string(&input).expect("read"), "{}");
}

#[test]
fn a_cancelled_export_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("o.jsonl");
    let opts = ExportOptions {
        cancel: Some(Arc::new(AtomicBool::new(true))),
        ..Default::default()
    };
    assert!(matches!(
        export_documents(&mut one_doc().into_iter(), Format::Doccano, &out, &opts),
        Err(FormatError::Cancelled)
    ));
    assert_eq!(std::fs::read_dir(dir.path()).expect("read_dir").count(), 0);
    // Cancelled half way through, while brat's writers are creating files: no folder.
    let flag = Arc::new(AtomicBool::new(false));
    let opts = ExportOptions {
        cancel: Some(flag.clone()),
        ..Default::default()
    };
    let mut docs = (0..2_000).map(|i| {
        if i == 1_000 {
            flag.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        AnnotatedDocument {
            name: format!("d{i}"),
            ..one_doc().remove(0)
        }
    });
    let out = dir.path().join("brat");
    assert!(matches!(
        export_documents(&mut docs, Format::Brat, &out, &opts),
        Err(FormatError::Cancelled)
    ));
    assert_eq!(std::fs::read_dir(dir.path()).expect("read_dir").count(), 0);
}

#[test]
fn labelstudio_read_in_pieces_names_invalid_utf8_by_line_and_byte_and_takes_a_bom() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A BOM, then a task list whose second task holds a byte that is not UTF-8.
    let mut body =
        b"\xEF\xBB\xBF[\n  {\"data\": {\"text\": \"abc\"}},\n  {\"data\": {\"text\": \"a".to_vec();
    let at = body.len() as u64;
    body.extend_from_slice(b"\xFF\"}}\n]\n");
    let p = write(dir.path(), "u.json", &body);
    let err = run(&p, Format::LabelStudio, &ImportOptions::default()).expect_err("invalid");
    assert!(
        matches!(&err, FormatError::InvalidUtf8 { file, line: 3, byte } if file == &p && *byte == at),
        "{err:?}"
    );
    // The same list without the bad byte: both tasks, with a BOM and string elements
    // among them reported on their own lines.
    let p = write(
        dir.path(),
        "b.json",
        "\u{FEFF}[\n  {\"data\": {\"text\": \"وقّع\"}},\n  \"not a task\",\n  {\"data\": {\"text\": \"abc\"}}\n]\n",
    );
    let (docs, rep) = ok(&p, Format::LabelStudio, &ImportOptions::default());
    assert_eq!(docs.len(), 2);
    assert_eq!(summary(&rep.errors, &p), owned(&[(3, "Schema")]));
}

/// A file the fast check leaves to serde_json (nesting deeper than it follows) but that is
/// valid JSON imports whole, strict or lenient; escaped texts (as Python's `json.dumps`
/// writes them, emoji as surrogate pairs) read as their characters.
#[test]
fn labelstudio_valid_files_the_fast_check_leaves_to_serde_import_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let deep = format!("{}1{}", "[".repeat(110), "]".repeat(110));
    let body = format!(
        "[\n  {{\"data\": {{\"text\": \"\\u0632\\u0627\\u0631 \\ud83d\\ude00\"}}, \"meta\": {{\"deep\": {deep}}}}},\n  {{\"data\": {{\"text\": \"abc\"}}}}\n]\n"
    );
    let p = write(dir.path(), "deep.json", &body);
    for lenient in [false, true] {
        let opts = ImportOptions {
            lenient,
            ..Default::default()
        };
        let (docs, rep) = ok(&p, Format::LabelStudio, &opts);
        assert_eq!(summary(&rep.errors, &p), owned(&[]));
        let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
        assert_eq!(texts, ["زار 😀", "abc"], "lenient: {lenient}");
    }
}

#[test]
fn labelstudio_a_fault_late_in_a_long_file_is_the_error_and_lenient_keeps_none_of_its_tasks() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 3,000 tasks, one a line; `tail` replaces the end of the last one.
    let file = |name: &str, tail: &[u8]| {
        let mut body = b"[\n".to_vec();
        for i in 0..3_000 {
            let sep = if i + 1 < 3_000 { "," } else { "" };
            body.extend_from_slice(
                format!("  {{\"data\": {{\"text\": \"وقّع الوفد {i}\"}}}}{sep}\n").as_bytes(),
            );
        }
        body.truncate(body.len() - 4); // `}}}` and the newline of the last task
        body.extend_from_slice(tail);
        write(dir.path(), name, body)
    };
    let whole = file("whole.json", b"\"}}\n]\n");
    let (docs, rep) = ok(&whole, Format::LabelStudio, &ImportOptions::default());
    assert_eq!((docs.len(), rep.errors.len()), (3_000, 0));
    // Line 3,001 (the last task) is cut short, lacks a comma, or holds a byte that is not
    // UTF-8: the tasks before it read well, yet the file's error is the one reported.
    let cut = file("cut.json", b"\", ");
    let no_comma = file("comma.json", b"\"}} {\"data\": {}}\n]\n");
    let bad_byte = file("utf8.json", b"\xFF\"}}\n]\n");
    for p in [&cut, &no_comma] {
        let err = run(p, Format::LabelStudio, &ImportOptions::default()).expect_err("fault");
        assert!(
            matches!(&err, FormatError::Parse { file, line: 3_001, .. } if file == p),
            "{err:?}"
        );
    }
    let err = run(&bad_byte, Format::LabelStudio, &ImportOptions::default()).expect_err("utf8");
    assert!(
        matches!(&err, FormatError::InvalidUtf8 { file, line: 3_001, .. } if file == &bad_byte),
        "{err:?}"
    );
    // With --lenient each of these files is skipped whole: not one of its tasks is taken.
    let lenient = ImportOptions {
        lenient: true,
        ..Default::default()
    };
    for p in [&cut, &no_comma, &bad_byte] {
        let (docs, rep) = ok(p, Format::LabelStudio, &lenient);
        assert!(docs.is_empty(), "{} task(s) taken", docs.len());
        assert_eq!(summary(&rep.errors, p), owned(&[(3_001, "Unreadable")]));
    }
}
