//! Round trips `import(export(x)) == x` for every format: the seed article with a few
//! spans, UTF-16 offsets with a non-BMP character, and property tests on random texts.

use proptest::prelude::*;
use std::path::{Path, PathBuf};
use tawsim_core::domain::{
    AnnotatedDocument, DocStatus, Meta, OverlapPolicy, SpanError, TaggedSpan,
};
use tawsim_core::formats::{
    DoccanoShape, ExportOptions, ExportReport, Format, ImportOptions, ImportReport, ProblemKind,
    Split, TagScheme, export_documents, import_path,
};

const SEED: &str = include_str!("../../../tests/data/libya-ceasefire-ar.txt");

fn import_all(
    path: &Path,
    format: Format,
    opts: &ImportOptions,
) -> (Vec<AnnotatedDocument>, ImportReport) {
    let mut docs = Vec::new();
    let report = import_path(path, format, opts, &mut |d| {
        docs.push(d);
        Ok(())
    })
    .expect("import");
    (docs, report)
}

fn export_all(
    docs: &[AnnotatedDocument],
    format: Format,
    out: &Path,
    opts: &ExportOptions,
) -> ExportReport {
    export_documents(&mut docs.iter().cloned(), format, out, opts).expect("export")
}

/// Code point offset of the `nth` occurrence of `needle`.
fn find_char(text: &str, needle: &str, nth: usize) -> usize {
    let (b, _) = text.match_indices(needle).nth(nth).expect("needle present");
    text[..b].chars().count()
}

fn span(text: &str, needle: &str, nth: usize, label: &str) -> TaggedSpan {
    let s = find_char(text, needle, nth);
    TaggedSpan::new(s, s + needle.chars().count(), label)
}

fn seed_spans(text: &str) -> Vec<TaggedSpan> {
    let mut v = vec![
        span(text, "بنغازي", 0, "LOC"),
        span(text, "خليفة حفتر", 0, "PER"),
        span(text, "الأمم المتحدة", 0, "ORG"),
        {
            let s = find_char(text, "بجنيف", 0) + 1;
            TaggedSpan::new(s, s + 4, "LOC")
        },
        span(text, "5+5", 0, "MISC"),
    ];
    v.sort();
    v
}

fn seed_doc() -> AnnotatedDocument {
    let mut meta = Meta::new();
    meta.insert("source".into(), "seed".into());
    AnnotatedDocument {
        relations: Vec::new(),
        doc_labels: Vec::new(),
        name: "libya-ceasefire-ar".into(),
        text: SEED.to_string(),
        meta,
        status: DocStatus::InProgress,
        spans: seed_spans(SEED),
        active_seconds: None,
    }
}

fn sorted(mut d: AnnotatedDocument) -> AnnotatedDocument {
    d.spans.sort();
    d
}

fn span_texts(d: &AnnotatedDocument) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = d
        .spans
        .iter()
        .map(|s| {
            (
                s.label.clone(),
                d.text.chars().skip(s.start).take(s.end - s.start).collect(),
            )
        })
        .collect();
    v.sort();
    v
}

fn roundtrip(
    docs: &[AnnotatedDocument],
    format: Format,
    eopts: &ExportOptions,
    iopts: &ImportOptions,
) -> Vec<AnnotatedDocument> {
    let dir = tempfile::tempdir().expect("tempdir");
    let out: PathBuf = match format {
        Format::Brat => dir.path().join("out"),
        Format::LabelStudio => dir.path().join("out.json"),
        Format::Conll => dir.path().join("out.conll"),
        Format::Text => dir.path().join("out.txt"),
        _ => dir.path().join("out.jsonl"),
    };
    let rep = export_all(docs, format, &out, eopts);
    assert_eq!(rep.documents, docs.len());
    let (back, report) = import_all(&out, format, iopts);
    assert!(report.errors.is_empty(), "{format}: {:?}", report.errors);
    back
}

#[test]
fn seed_doccano_both_shapes_round_trip_exactly() {
    let doc = seed_doc();
    for shape in [DoccanoShape::Label, DoccanoShape::Entities] {
        let e = ExportOptions {
            doccano_shape: shape,
            ..Default::default()
        };
        let back = roundtrip(
            std::slice::from_ref(&doc),
            Format::Doccano,
            &e,
            &ImportOptions::default(),
        );
        let mut expected = doc.clone();
        if shape == DoccanoShape::Entities {
            expected
                .meta
                .insert("relations".into(), serde_json::json!([]));
        }
        assert_eq!(back, vec![expected], "{shape:?}");
    }
}

#[test]
fn seed_labelstudio_round_trips_exactly_as_annotations_and_predictions() {
    let doc = seed_doc();
    let back = roundtrip(
        std::slice::from_ref(&doc),
        Format::LabelStudio,
        &ExportOptions::default(),
        &ImportOptions::default(),
    );
    assert_eq!(
        back,
        vec![AnnotatedDocument {
            status: DocStatus::New,
            ..doc.clone()
        }],
        "LS has no status"
    );
    let mut pred = doc.clone();
    pred.status = DocStatus::New;
    pred.meta
        .insert("annotation_source".into(), "predictions".into());
    let back = roundtrip(
        std::slice::from_ref(&pred),
        Format::LabelStudio,
        &ExportOptions::default(),
        &ImportOptions::default(),
    );
    assert_eq!(back, vec![pred]);
}

#[test]
fn seed_brat_round_trips_including_a_span_across_a_line_break() {
    let mut doc = seed_doc();
    doc.status = DocStatus::New;
    doc.meta = Meta::new();
    // "مع حفتر\n\nبعد" crosses the blank line: written as fragments, read back whole.
    doc.spans.push(span(SEED, "مع حفتر\n\nبعد", 0, "MISC"));
    doc.spans.sort();
    doc.meta.insert(
        "brat_notes".into(),
        serde_json::json!([[
            doc.spans[0].start,
            doc.spans[0].end,
            doc.spans[0].label.clone(),
            "a note"
        ]]),
    );
    let back = roundtrip(
        std::slice::from_ref(&doc),
        Format::Brat,
        &ExportOptions::default(),
        &ImportOptions::default(),
    );
    assert_eq!(back, vec![doc]);
}

#[test]
fn seed_conll_and_hf_keep_every_aligned_span_and_are_stable() {
    let doc = seed_doc();
    for format in [Format::Conll, Format::HfTokens] {
        for scheme in [TagScheme::Iob2, TagScheme::Iob1, TagScheme::Bioes] {
            if format == Format::HfTokens && scheme != TagScheme::Iob2 {
                continue;
            }
            let e = ExportOptions {
                clitic_tokens: true,
                scheme,
                ..Default::default()
            };
            let i = ImportOptions {
                scheme,
                max_doc_tokens: 0,
                ..Default::default()
            };
            let once = roundtrip(std::slice::from_ref(&doc), format, &e, &i);
            assert_eq!(once.len(), 1);
            // Same entities with the same text (tokens now spaced: 5+5 is "5 + 5"); جنيف is
            // split off بجنيف in clitic mode.
            let squash = |v: Vec<(String, String)>| -> Vec<(String, String)> {
                v.into_iter()
                    .map(|(l, t)| (l, t.replace(' ', "")))
                    .collect()
            };
            assert!(span_texts(&once[0]).contains(&("MISC".to_string(), "5 + 5".to_string())));
            assert_eq!(
                squash(span_texts(&once[0])),
                squash(span_texts(&doc)),
                "{format} {scheme:?}"
            );
            // Idempotent from then on.
            let twice = roundtrip(&once, format, &e, &i);
            assert_eq!(twice[0].text, once[0].text);
            assert_eq!(twice[0].spans, once[0].spans);
        }
    }
}

#[test]
fn conll_without_clitic_mode_reports_the_span_inside_a_word() {
    let doc = seed_doc();
    let dir = tempfile::tempdir().expect("tempdir");
    let rep = export_all(
        &[doc],
        Format::Conll,
        &dir.path().join("x.conll"),
        &ExportOptions::default(),
    );
    assert_eq!(rep.spans, 4);
    assert_eq!(rep.misaligned.len(), 1);
    assert!(
        rep.misaligned[0].message.contains("جنيف"),
        "{}",
        rep.misaligned[0].message
    );
}

#[test]
fn text_round_trips_and_splits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let doc = AnnotatedDocument {
        name: "d".into(),
        text: SEED.into(),
        ..Default::default()
    };
    let back = roundtrip(
        std::slice::from_ref(&doc),
        Format::Text,
        &ExportOptions::default(),
        &ImportOptions::default(),
    );
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].text, SEED);
    let p = dir.path().join("seed.txt");
    std::fs::write(&p, SEED).expect("write");
    let (paras, _) = import_all(
        &p,
        Format::Text,
        &ImportOptions {
            split: Split::Paragraphs,
            ..Default::default()
        },
    );
    let expected: Vec<&str> = SEED
        .split("\n\n")
        .map(str::trim_end)
        .filter(|p| !p.is_empty())
        .collect();
    assert_eq!(
        paras.iter().map(|d| d.text.as_str()).collect::<Vec<_>>(),
        expected
    );
    let (lines, _) = import_all(
        &p,
        Format::Text,
        &ImportOptions {
            split: Split::Lines,
            ..Default::default()
        },
    );
    assert_eq!(
        lines.len(),
        SEED.lines().filter(|l| !l.trim().is_empty()).count()
    );
    assert_eq!(lines[1].name, "seed-3", "named after its line");
}

#[test]
fn utf16_offsets_round_trip_with_a_non_bmp_character() {
    let text = "😀 وقّع في جنيف 𝕏 Paris";
    let doc = AnnotatedDocument {
        name: "u".into(),
        text: text.into(),
        spans: vec![span(text, "جنيف", 0, "LOC"), span(text, "Paris", 0, "LOC")],
        ..Default::default()
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("u.jsonl");
    let e = ExportOptions {
        utf16_offsets: true,
        ..Default::default()
    };
    export_all(std::slice::from_ref(&doc), Format::Doccano, &out, &e);
    let line = std::fs::read_to_string(&out).expect("read");
    let v: serde_json::Value = serde_json::from_str(line.trim()).expect("json");
    // جنيف is code points [10, 14) but UTF-16 units [11, 15) (😀 is a surrogate pair);
    // Paris is [17, 22) but [19, 24) after 𝕏 too.
    assert_eq!(
        doc.spans,
        vec![
            TaggedSpan::new(10, 14, "LOC"),
            TaggedSpan::new(17, 22, "LOC")
        ]
    );
    assert_eq!(v["label"][0], serde_json::json!([11, 15, "LOC"]));
    assert_eq!(v["label"][1], serde_json::json!([19, 24, "LOC"]));
    let i = ImportOptions {
        utf16_offsets: true,
        ..Default::default()
    };
    let (back, rep) = import_all(&out, Format::Doccano, &i);
    assert!(rep.errors.is_empty(), "{:?}", rep.errors);
    assert_eq!(back[0].spans, doc.spans);
    // Read as code points, the same file is wrong: the report says so.
    let (_, rep) = import_all(&out, Format::Doccano, &ImportOptions::default());
    assert_eq!(rep.errors.len(), 1, "{:?}", rep.errors);
    assert!(matches!(
        rep.errors[0].kind,
        ProblemKind::Span(SpanError::OutOfRange {
            start: 19,
            end: 24,
            len: 22
        })
    ));
    let back = roundtrip(std::slice::from_ref(&doc), Format::LabelStudio, &e, &i);
    assert_eq!(back[0].spans, doc.spans);
}

// ---------------------------------------------------------------------------------------
// Property tests

/// A grapheme-sized unit of text: a letter with optional haraka, a digit, a mark, ...
fn unit() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (proptest::sample::select(vec!['ب', 'ج', 'ن', 'ي', 'ف', 'ل', 'م', 'ع', 'ق', 'ا', 'و', 'ة']),
              proptest::option::of(proptest::sample::select(vec!['\u{064E}', '\u{0651}', '\u{0650}'])))
            .prop_map(|(c, h)| { let mut s = c.to_string(); if let Some(h) = h { s.push(h); } s }),
        2 => proptest::sample::select(vec!["a", "Z", "e", "é"]).prop_map(String::from),
        1 => proptest::sample::select(vec!["0", "5", "٣"]).prop_map(String::from),
        2 => Just(" ".to_string()),
        1 => Just("\n".to_string()),
        1 => proptest::sample::select(vec!["\u{200E}", "\u{200F}", "😀", "𝕏", "،", ".", "+", "“"]).prop_map(String::from),
    ]
}

fn text_and_spans(nested: bool) -> impl Strategy<Value = (String, Vec<TaggedSpan>)> {
    proptest::collection::vec(unit(), 1..60).prop_flat_map(move |units| {
        let mut bounds = vec![0usize];
        let mut text = String::new();
        for u in &units {
            text.push_str(u);
            bounds.push(text.chars().count());
        }
        let n = bounds.len();
        let pairs = proptest::collection::vec((0..n, 0..n, 0..3usize), 0..8);
        pairs.prop_map(move |pairs| {
            let labels = ["PER", "LOC", "ORG"];
            let mut spans: Vec<TaggedSpan> = Vec::new();
            for (a, b, l) in pairs {
                let (s, e) = (bounds[a.min(b)], bounds[a.max(b)]);
                if s == e {
                    continue;
                }
                let sp = TaggedSpan::new(s, e, labels[l]);
                let clash = spans.iter().any(|o| {
                    if nested {
                        *o == sp
                    } else {
                        o.start < e && s < o.end
                    }
                });
                if !clash {
                    spans.push(sp);
                }
            }
            spans.sort();
            (text.clone(), spans)
        })
    })
}

fn doc_of(text: String, spans: Vec<TaggedSpan>) -> AnnotatedDocument {
    AnnotatedDocument {
        name: "p".into(),
        text,
        spans,
        ..Default::default()
    }
}

/// Tokens the exporter's tokeniser keeps as they are; lines of them joined by spaces.
fn token_doc(max_lines: usize, nested: bool) -> impl Strategy<Value = (String, Vec<TaggedSpan>)> {
    let word = proptest::collection::vec(
        prop_oneof![
            4 => (proptest::sample::select(vec!['ب', 'ج', 'ن', 'ي', 'ف', 'ل', 'م', 'ع', 'ق']),
                  proptest::option::of(proptest::sample::select(vec!['\u{064E}', '\u{0651}'])))
                .prop_map(|(c, h)| { let mut s = c.to_string(); if let Some(h) = h { s.push(h); } s }),
            1 => proptest::sample::select(vec!["x", "Q", "7", "٣", "\u{200F}"]).prop_map(String::from),
        ],
        1..5,
    )
    .prop_map(|v| {
        let w = v.concat();
        if w.chars().any(char::is_alphanumeric) { w } else { format!("ب{w}") }
    });
    let token = prop_oneof![5 => word, 1 => proptest::sample::select(vec!["،", ".", "+", "😀", "“"]).prop_map(String::from)];
    let line = proptest::collection::vec(token, 1..12);
    proptest::collection::vec(line, 1..=max_lines).prop_flat_map(move |lines| {
        // Token char ranges per line.
        let mut text = String::new();
        let mut toks: Vec<Vec<(usize, usize)>> = Vec::new();
        let mut pos = 0;
        for (li, l) in lines.iter().enumerate() {
            if li > 0 {
                text.push('\n');
                pos += 1;
            }
            let mut v = Vec::new();
            for (ti, t) in l.iter().enumerate() {
                if ti > 0 {
                    text.push(' ');
                    pos += 1;
                }
                let n = t.chars().count();
                v.push((pos, pos + n));
                text.push_str(t);
                pos += n;
            }
            toks.push(v);
        }
        let nl = toks.len();
        let picks = proptest::collection::vec(
            (
                0..nl,
                0..12usize,
                0..12usize,
                0..3usize,
                0..12usize,
                0..12usize,
            ),
            0..6,
        );
        picks.prop_map(move |picks| {
            let labels = ["PER", "LOC", "ORG"];
            let mut spans: Vec<TaggedSpan> = Vec::new();
            let mut taken: Vec<(usize, usize, usize)> = Vec::new();
            for (li, a, b, l, c, d) in picks {
                let line = &toks[li];
                let (a, b) = (a % line.len(), b % line.len());
                let (t0, t1) = (a.min(b), a.max(b));
                if taken
                    .iter()
                    .any(|&(tl, x, y)| tl == li && x <= t1 && t0 <= y)
                {
                    continue;
                }
                taken.push((li, t0, t1));
                spans.push(TaggedSpan::new(line[t0].0, line[t1].1, labels[l]));
                if nested {
                    // One inner span inside the outer one (possibly the same label).
                    let w = t1 - t0 + 1;
                    let (c, d) = (t0 + c % w, t0 + d % w);
                    let inner =
                        TaggedSpan::new(line[c.min(d)].0, line[c.max(d)].1, labels[(l + d) % 3]);
                    if !spans.contains(&inner) {
                        spans.push(inner);
                    }
                }
            }
            spans.sort();
            (text.clone(), spans)
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn prop_doccano_round_trips((text, spans) in text_and_spans(true), utf16 in any::<bool>(), entities in any::<bool>()) {
        let doc = doc_of(text, spans);
        let shape = if entities { DoccanoShape::Entities } else { DoccanoShape::Label };
        let e = ExportOptions { utf16_offsets: utf16, doccano_shape: shape, ..Default::default() };
        let i = ImportOptions { utf16_offsets: utf16, overlap: Some(OverlapPolicy::Allow), ..Default::default() };
        let back = roundtrip(std::slice::from_ref(&doc), Format::Doccano, &e, &i);
        prop_assert_eq!(back.len(), 1);
        prop_assert_eq!(&back[0].text, &doc.text);
        prop_assert_eq!(&back[0].spans, &doc.spans);
    }

    #[test]
    fn prop_labelstudio_round_trips((text, spans) in text_and_spans(true), utf16 in any::<bool>()) {
        let doc = doc_of(text, spans);
        let e = ExportOptions { utf16_offsets: utf16, ..Default::default() };
        let i = ImportOptions { utf16_offsets: utf16, overlap: Some(OverlapPolicy::Allow), ..Default::default() };
        let back = roundtrip(std::slice::from_ref(&doc), Format::LabelStudio, &e, &i);
        prop_assert_eq!(back, vec![doc]);
    }

    #[test]
    fn prop_brat_round_trips((text, spans) in text_and_spans(false)) {
        // brat writes a span's edges as fragments' edges: keep spans off line breaks at edges.
        let chars: Vec<char> = text.chars().collect();
        let spans: Vec<TaggedSpan> = spans.into_iter()
            .filter(|s| !chars[s.start].is_whitespace() && !chars[s.end - 1].is_whitespace())
            .collect();
        let doc = doc_of(text, spans);
        let back = roundtrip(std::slice::from_ref(&doc), Format::Brat, &ExportOptions::default(), &ImportOptions::default());
        prop_assert_eq!(back, vec![doc]);
    }

    #[test]
    fn prop_conll_round_trips_flat((text, spans) in token_doc(4, false), s in 0..3usize) {
        let scheme = [TagScheme::Iob2, TagScheme::Iob1, TagScheme::Bioes][s];
        let doc = doc_of(text, spans);
        let e = ExportOptions { scheme, ..Default::default() };
        let i = ImportOptions { scheme, ..Default::default() };
        let back = roundtrip(std::slice::from_ref(&doc), Format::Conll, &e, &i);
        prop_assert_eq!(back.len(), 1);
        prop_assert_eq!(&back[0].text, &doc.text);
        prop_assert_eq!(&back[0].spans, &doc.spans);
    }

    #[test]
    fn prop_conll_round_trips_nested((text, spans) in token_doc(3, true)) {
        let doc = doc_of(text, spans);
        let i = ImportOptions { overlap: Some(OverlapPolicy::Allow), ..Default::default() };
        let back = roundtrip(std::slice::from_ref(&doc), Format::Conll, &ExportOptions::default(), &i);
        prop_assert_eq!(&back[0].text, &doc.text);
        prop_assert_eq!(&back[0].spans, &doc.spans);
    }

    #[test]
    fn prop_hf_round_trips((text, spans) in token_doc(1, false)) {
        let doc = doc_of(text, spans);
        let back = roundtrip(std::slice::from_ref(&doc), Format::HfTokens, &ExportOptions::default(), &ImportOptions::default());
        prop_assert_eq!(back, vec![doc]);
    }
}

#[test]
fn several_documents_keep_their_order_and_names() {
    let docs: Vec<AnnotatedDocument> = (0..3)
        .map(|k| {
            let text = format!("وصل خليفة حفتر إلى بنغازي {k}");
            AnnotatedDocument {
                name: format!("n{k}"),
                spans: vec![span(&text, "بنغازي", 0, "LOC")],
                text,
                ..Default::default()
            }
        })
        .collect();
    for format in [
        Format::Doccano,
        Format::LabelStudio,
        Format::Brat,
        Format::HfTokens,
    ] {
        let back = roundtrip(
            &docs,
            format,
            &ExportOptions::default(),
            &ImportOptions::default(),
        );
        assert_eq!(
            back.into_iter().map(sorted).collect::<Vec<_>>(),
            docs,
            "{format}"
        );
    }
    // CoNLL too, its `# name = ` lines giving the names.
    let back = roundtrip(
        &docs,
        Format::Conll,
        &ExportOptions::default(),
        &ImportOptions::default(),
    );
    assert_eq!(back.into_iter().map(sorted).collect::<Vec<_>>(), docs);
}

#[test]
fn conll_export_writes_names_that_import_reads_back() {
    let doc = |name: &str, text: &str| AnnotatedDocument {
        name: name.into(),
        text: text.into(),
        ..Default::default()
    };
    let docs = [doc("ثانية", "في جنيف"), doc("a-1", "بنغازي")];
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("x.conll");
    export_all(&docs, Format::Conll, &out, &ExportOptions::default());
    let body = std::fs::read_to_string(&out).expect("read");
    assert_eq!(
        body,
        "-DOCSTART- O\n# name = ثانية\n\nفي O\nجنيف O\n\n-DOCSTART- O\n# name = a-1\n\nبنغازي O\n\n"
    );
    let (back, rep) = import_all(&out, Format::Conll, &ImportOptions::default());
    assert!(rep.errors.is_empty() && rep.warnings.is_empty(), "{rep:?}");
    assert_eq!(back, docs);
    // A reader that skips `-DOCSTART-` and `#` lines (CoNLL-U style) sees the sentences it
    // saw before the names were written.
    let skipped: String = body
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(
        skipped,
        "-DOCSTART- O\n\nفي O\nجنيف O\n\n-DOCSTART- O\n\nبنغازي O\n\n"
    );
    // A name line before `-DOCSTART-` names the document after it; one inside a document
    // without `-DOCSTART-` starts a new one; `# O` is a token; unnamed documents keep `stem-N`.
    let p = dir.path().join("y.conll");
    std::fs::write(&p, "# name = أ\n-DOCSTART- O\n\nب O\n-DOCSTART- O\n\n# O\n").expect("write");
    let (back, _) = import_all(&p, Format::Conll, &ImportOptions::default());
    assert_eq!(
        back.iter()
            .map(|d| (d.name.as_str(), d.text.as_str()))
            .collect::<Vec<_>>(),
        [("أ", "ب"), ("y-2", "#")]
    );
    std::fs::write(&p, "ب O\n# name = ج\nد O\n").expect("write");
    let (back, _) = import_all(&p, Format::Conll, &ImportOptions::default());
    assert_eq!(
        back.iter()
            .map(|d| (d.name.as_str(), d.text.as_str()))
            .collect::<Vec<_>>(),
        [("y-1", "ب"), ("ج", "د")]
    );
}

#[test]
fn a_folder_is_imported_in_natural_order_of_file_names() {
    // Lexical order would be 1, 10, 100, 2.
    let stems = ["ANERCorp-100", "ANERCorp-2", "ANERCorp-10", "ANERCorp-1"];
    let natural = ["ANERCorp-1", "ANERCorp-2", "ANERCorp-10", "ANERCorp-100"];
    let brat = tempfile::tempdir().expect("tempdir");
    let text = tempfile::tempdir().expect("tempdir");
    for s in stems {
        std::fs::write(brat.path().join(format!("{s}.txt")), "في جنيف").expect("write");
        std::fs::write(brat.path().join(format!("{s}.ann")), "T1\tLOC 3 7\tجنيف\n").expect("write");
        std::fs::write(text.path().join(format!("{s}.txt")), s).expect("write");
    }
    for (dir, format) in [(brat.path(), Format::Brat), (text.path(), Format::Text)] {
        let (docs, rep) = import_all(dir, format, &ImportOptions::default());
        assert!(rep.errors.is_empty(), "{:?}", rep.errors);
        assert_eq!(
            docs.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(),
            natural,
            "{format}"
        );
    }
}

#[test]
fn a_doccano_line_without_a_name_round_trips_byte_identically() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.jsonl");
    let line = "{\"text\": \"في جنيف\", \"label\": [[3,7,\"LOC\"]]}\n";
    std::fs::write(&input, line).expect("write");
    let (docs, rep) = import_all(&input, Format::Doccano, &ImportOptions::default());
    assert!(rep.errors.is_empty(), "{:?}", rep.errors);
    assert_eq!(docs[0].name, "in-1");
    let out = dir.path().join("out.jsonl");
    export_all(&docs, Format::Doccano, &out, &ExportOptions::default());
    assert_eq!(
        std::fs::read_to_string(&out).expect("read"),
        line,
        "no name key added"
    );
    // Other keys come back as they came (a `name` that is not a string included), and a
    // document renamed since gets its name written.
    let lines = "{\"id\": 4, \"text\": \"ب\", \"label\": []}\n{\"text\": \"c\", \"label\": [], \"name\": 5, \"source\": \"x\"}\n{\"text\": \"d\", \"label\": []}\n";
    std::fs::write(&input, lines).expect("write");
    let (mut docs, _) = import_all(&input, Format::Doccano, &ImportOptions::default());
    assert_eq!(
        docs.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(),
        ["4", "in-2", "in-3"]
    );
    docs[2].name = "دال".into();
    let out = dir.path().join("out2.jsonl");
    export_all(&docs, Format::Doccano, &out, &ExportOptions::default());
    let want = lines.replace(
        "{\"text\": \"d\", \"label\": []}",
        "{\"text\": \"d\", \"label\": [], \"name\": \"دال\"}",
    );
    assert_eq!(std::fs::read_to_string(&out).expect("read"), want);
}
