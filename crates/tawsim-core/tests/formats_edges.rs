//! Edge cases of the formats, each on the smallest input that shows it: the CoNLL export
//! dialects (goldens in `tests/data/conll-dialects`), CoNLL document cuts that respect the
//! file's own sentence breaks, and brat `.ann` offsets that count a CRLF as one character.

use std::path::{Path, PathBuf};
use tawsim_core::domain::{AnnotatedDocument, TaggedRelation, TaggedSpan};
use tawsim_core::formats::{
    ConllDialect, ExportOptions, ExportReport, Format, ImportOptions, ImportReport, ProblemKind,
    export_documents, import_path,
};

fn data_dir() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("tests/data")
}

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

/// The span of the first occurrence of `needle`, in code points.
fn span(text: &str, needle: &str, label: &str) -> TaggedSpan {
    let b = text.find(needle).expect("needle present");
    let s = text[..b].chars().count();
    TaggedSpan::new(s, s + needle.chars().count(), label)
}

/// Deletes the spans labelled `label` as the store does: with the relations that touch
/// them, the other relations' indices following their spans.
fn delete_spans(d: &mut AnnotatedDocument, label: &str) {
    let keep: Vec<bool> = d.spans.iter().map(|s| s.label != label).collect();
    let new_index = |i: usize| keep[..i].iter().filter(|&&k| k).count();
    d.relations.retain(|r| keep[r.from] && keep[r.to]);
    for r in &mut d.relations {
        r.from = new_index(r.from);
        r.to = new_index(r.to);
    }
    d.spans.retain(|s| s.label != label);
}

/// A relation from span `from` to an index the document does not have.
fn dangling(from: usize) -> TaggedRelation {
    TaggedRelation {
        from,
        to: 99,
        label: "in".into(),
    }
}

/// (label, covered text) of every span, sorted.
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

// --- 1. CoNLL export dialects ------------------------------------------------------------

/// Two sentences (text lines), four spans; tokens separated by one space, as an import
/// joins them, so the text reads back unchanged.
fn two_sentences() -> AnnotatedDocument {
    let text = "وصل خليفة حفتر إلى بنغازي .\nالأمم المتحدة في جنيف".to_string();
    let mut spans = vec![
        span(&text, "خليفة حفتر", "PER"),
        span(&text, "بنغازي", "LOC"),
        span(&text, "الأمم المتحدة", "ORG"),
        span(&text, "جنيف", "LOC"),
    ];
    spans.sort();
    AnnotatedDocument {
        name: "خبر".into(),
        text,
        spans,
        ..Default::default()
    }
}

#[test]
fn conll_dialects_write_their_exact_layout_and_read_back_to_the_same_spans() {
    let doc = two_sentences();
    let dir = tempfile::tempdir().expect("tempdir");
    for dialect in ConllDialect::ALL {
        let out = dir.path().join(format!("{}.conll", dialect.name()));
        let opts = ExportOptions {
            conll_dialect: dialect,
            ..Default::default()
        };
        let rep = export_all(std::slice::from_ref(&doc), Format::Conll, &out, &opts);
        assert_eq!((rep.documents, rep.spans), (1, 4), "{dialect:?}");
        assert!(
            rep.misaligned.is_empty(),
            "{dialect:?}: {:?}",
            rep.misaligned
        );
        let golden = data_dir().join(format!(
            "conll-dialects/two-sentences.{}.conll",
            dialect.name()
        ));
        let want = std::fs::read_to_string(&golden).expect("golden");
        let got = std::fs::read_to_string(&out).expect("read");
        assert_eq!(got, want, "{dialect:?} differs from {}", golden.display());
        // Our own importer reads every dialect back: same text, same spans.
        let (back, irep) = import_all(&out, Format::Conll, &ImportOptions::default());
        assert!(
            irep.errors.is_empty() && irep.warnings.is_empty(),
            "{dialect:?}: {irep:?}"
        );
        assert_eq!(back.len(), 1, "{dialect:?}");
        assert_eq!(back[0].text, doc.text, "{dialect:?}");
        assert_eq!(back[0].spans, doc.spans, "{dialect:?}");
        assert_eq!(span_texts(&back[0]), span_texts(&doc), "{dialect:?}");
        let name = if dialect == ConllDialect::Doccano {
            dialect.name().to_string() + "-1"
        } else {
            doc.name.clone()
        };
        assert_eq!(back[0].name, name, "{dialect:?}");
    }
}

#[test]
fn the_doccano_dialect_is_two_tab_columns_with_one_blank_line_between_documents() {
    let second = AnnotatedDocument {
        name: "ثان".into(),
        text: "في طرابلس".into(),
        spans: vec![TaggedSpan::new(3, 9, "LOC")],
        ..Default::default()
    };
    // A nested span cannot be written in two columns: it is listed, the outer one written.
    let mut nested = two_sentences();
    nested.spans.push(span(&nested.text, "الأمم", "ORG"));
    nested.spans.sort();
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("d.conll");
    let opts = ExportOptions {
        conll_dialect: ConllDialect::Doccano,
        ..Default::default()
    };
    let rep = export_all(&[nested, second], Format::Conll, &out, &opts);
    assert_eq!((rep.documents, rep.spans), (2, 5));
    assert_eq!(rep.misaligned.len(), 1, "{:?}", rep.misaligned);
    let body = std::fs::read_to_string(&out).expect("read");
    let first =
        std::fs::read_to_string(data_dir().join("conll-dialects/two-sentences.doccano.conll"))
            .expect("golden");
    assert_eq!(body, format!("{first}في\tO\nطرابلس\tB-LOC\n\n"));
    // What doccano's parser asks of every line: blank, or exactly two tab-separated columns.
    for l in body.lines() {
        assert!(l.is_empty() || l.split('\t').count() == 2, "{l:?}");
    }
    assert!(
        !body.contains("\n\n\n"),
        "no empty sentence between documents"
    );
}

// --- 2. CoNLL document cuts respect the file's own sentence breaks ------------------------

/// `n` token lines, the 1-based `dots`-th of them `. O`, the others `كلمة O`.
fn token_lines(n: usize, dots: &[usize]) -> String {
    (1..=n)
        .map(|i| {
            if dots.contains(&i) {
                ". O\n".to_string()
            } else {
                "كلمة O\n".to_string()
            }
        })
        .collect()
}

fn token_counts(docs: &[AnnotatedDocument]) -> Vec<usize> {
    docs.iter()
        .map(|d| d.text.split([' ', '\n']).count())
        .collect()
}

#[test]
fn a_conll_file_with_blank_line_breaks_is_cut_at_them_not_at_a_full_stop() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("long.conll");
    // One sentence of 1,200 tokens with a '.' at token 1,001, a blank line, a short one.
    let body = format!("{}\n{}", token_lines(1200, &[1001]), token_lines(3, &[]));
    std::fs::write(&p, body).expect("write");
    let (docs, rep) = import_all(&p, Format::Conll, &ImportOptions::default());
    assert!(rep.errors.is_empty(), "{:?}", rep.errors);
    assert_eq!(token_counts(&docs), [1200, 3], "cut at the blank line");
    assert!(!docs[0].text.contains('\n'), "one sentence, not split");
    assert!(rep.warnings.is_empty(), "{:?}", rep.warnings);
}

#[test]
fn a_conll_run_without_breaks_is_cut_at_a_full_stop_and_the_report_says_where() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("run.conll");
    // No blank line within 1,000 lines of the '.' at line 1,001: cut there, and say so. The
    // blank line at 2,500 is the file's own break and is cut at without a word.
    let body = format!(
        "{}\n{}",
        token_lines(2500, &[1001, 2300]),
        token_lines(2, &[])
    );
    std::fs::write(&p, body).expect("write");
    let (docs, rep) = import_all(&p, Format::Conll, &ImportOptions::default());
    assert!(rep.errors.is_empty(), "{:?}", rep.errors);
    assert_eq!(token_counts(&docs), [1001, 1499, 2]);
    let cuts: Vec<String> = rep
        .warnings
        .iter()
        .filter(|w| w.kind == ProblemKind::DocumentCut)
        .map(ToString::to_string)
        .collect();
    assert_eq!(rep.warnings.len(), cuts.len(), "{:?}", rep.warnings);
    assert_eq!(cuts.len(), 1, "{cuts:?}");
    assert!(
        cuts[0].starts_with(&format!("{}:1001: ", p.display())),
        "{cuts:?}"
    );
}

// --- 3. brat offsets that count a CRLF as one character ----------------------------------

#[test]
fn brat_offsets_counting_crlf_as_one_character_are_mapped_to_the_stored_text_and_warned() {
    let dir = tempfile::tempdir().expect("tempdir");
    let txt = dir.path().join("d.txt");
    let ann = dir.path().join("d.ann");
    let text = "في جنيف\r\nوصل حفتر\r\n";
    std::fs::write(&txt, text).expect("write");
    // Offsets over the text with LF line ends (pybrat, bratly): حفتر is [12, 16) there,
    // [13, 17) as stored; a discontinuous span over the line break too.
    std::fs::write(&ann, "T1\tPER 12 16\tحفتر\nT2\tLOC 3 7;8 11\tجنيف وصل\n").expect("write");
    let (docs, rep) = import_all(dir.path(), Format::Brat, &ImportOptions::default());
    assert!(rep.errors.is_empty(), "{:?}", rep.errors);
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].text, text, "the text keeps its CRLF");
    assert_eq!(
        docs[0].spans,
        [
            TaggedSpan::new(3, 12, "LOC"),
            TaggedSpan::new(13, 17, "PER")
        ]
    );
    assert_eq!(
        span_texts(&docs[0]),
        [
            ("LOC".to_string(), "جنيف\r\nوصل".to_string()),
            ("PER".to_string(), "حفتر".to_string())
        ]
    );
    let w: Vec<String> = rep.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].starts_with(&ann.display().to_string()) && w[0].contains("CRLF"),
        "{w:?}"
    );
    assert_eq!(rep.warnings[0].kind, ProblemKind::CrlfCountedAsOne);
    // Offsets that fit the stored text are taken as they are, without a word; ones that fit
    // neither are errors as before.
    std::fs::write(&ann, "T1\tPER 13 17\tحفتر\n").expect("write");
    let (docs, rep) = import_all(dir.path(), Format::Brat, &ImportOptions::default());
    assert!(rep.errors.is_empty() && rep.warnings.is_empty(), "{rep:?}");
    assert_eq!(docs[0].spans, [TaggedSpan::new(13, 17, "PER")]);
    std::fs::write(&ann, "T1\tPER 12 16\tحفتر\nT2\tLOC 0 2\tجنيف\n").expect("write");
    let (_, rep) = import_all(dir.path(), Format::Brat, &ImportOptions::default());
    assert_eq!(rep.errors.len(), 2, "{:?}", rep.errors);
    assert!(rep.warnings.is_empty(), "{:?}", rep.warnings);
}

#[test]
fn spans_that_cut_a_word_or_carry_an_edge_space_are_warned_with_file_line_and_text_and_strict_refuses_them()
 {
    let dir = tempfile::tempdir().expect("tmp");
    let text = "وصل الوفد إلى وبنغازي ثم جنيف.";
    let cp = |needle: &str| {
        let b = text.find(needle).expect("needle");
        let s = text[..b].chars().count();
        (s, s + needle.chars().count())
    };
    let (b0, b1) = cp("بنغازي"); // after the proclitic و: a word edge
    let (g0, g1) = cp("جنيف");
    let (w0, w1) = cp("الوفد");
    let lines = [
        // 1: fine (a proclitic before the start is not a cut)
        (b0, b1, "LOC"),
        // 2: starts inside جنيف (one code point too far: an off-by-one)
        (g0 + 1, g1, "LOC"),
        // 3: ends inside جنيف
        (g0, g1 - 1, "LOC"),
        // 4: carries the space before الوفد
        (w0 - 1, w1, "ORG"),
    ];
    let file = dir.path().join("spans.jsonl");
    let body: String = lines
        .iter()
        .map(|(s, e, l)| {
            format!(
                "{}\n",
                serde_json::json!({"text": text, "label": [[s, e, l]]})
            )
        })
        .collect();
    std::fs::write(&file, body).expect("write");
    let opts = ImportOptions::default();
    let (docs, report) = import_all(&file, Format::Doccano, &opts);
    assert_eq!(docs.len(), 4, "all kept: they are warnings");
    let found: Vec<(Option<usize>, ProblemKind, bool)> = report
        .warnings
        .iter()
        .filter(|w| matches!(w.kind, ProblemKind::CutsWord | ProblemKind::EdgeSpace))
        .map(|w| (w.line, w.kind.clone(), w.message.contains('"')))
        .collect();
    assert_eq!(
        found,
        vec![
            (Some(2), ProblemKind::CutsWord, true),
            (Some(3), ProblemKind::CutsWord, true),
            (Some(4), ProblemKind::EdgeSpace, true),
        ],
        "{:#?}",
        report.warnings
    );
    let shown = report
        .warnings
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        shown.contains("spans.jsonl:2") && shown.contains("\"نيف\""),
        "{shown}"
    );
    assert!(shown.contains("starts inside the word \"جنيف\""), "{shown}");
    // --strict: the same three are problems, and a strict import stops on problems.
    let strict = ImportOptions {
        strict: true,
        ..ImportOptions::default()
    };
    let (_, report) = import_all(&file, Format::Doccano, &strict);
    assert_eq!(report.errors.len(), 3, "{:#?}", report.errors);
    assert!(report.warnings.is_empty());
}

// --- Active annotation time as lead_time ------------------------------------------------

#[test]
fn active_time_is_written_as_lead_time_by_label_studio_and_doccano_and_read_back() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut timed = two_sentences();
    timed.active_seconds = Some(754.25);
    let mut untimed = two_sentences();
    untimed.name = "بلا وقت".into();
    let docs = vec![timed, untimed];
    let opts = ExportOptions::default();
    // Label Studio keeps it in the annotation, as its own exports do.
    let ls = dir.path().join("tasks.json");
    export_all(&docs, Format::LabelStudio, &ls, &opts);
    let tasks: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&ls).expect("read")).expect("json");
    assert_eq!(tasks[0]["annotations"][0]["lead_time"], 754.25);
    assert!(
        tasks[1]["annotations"][0].get("lead_time").is_none(),
        "no time recorded, none written"
    );
    let (back, _) = import_all(&ls, Format::LabelStudio, &ImportOptions::default());
    assert_eq!(
        back.iter().map(|d| d.active_seconds).collect::<Vec<_>>(),
        [Some(754.25), None]
    );
    // doccano: a lead_time key beside the spans; export -> import -> export is byte-identical.
    let first = dir.path().join("a.jsonl");
    export_all(&docs, Format::Doccano, &first, &opts);
    let text = std::fs::read_to_string(&first).expect("read");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].contains("\"lead_time\": 754.25"), "{}", lines[0]);
    assert!(!lines[1].contains("lead_time"), "{}", lines[1]);
    let (back, _) = import_all(&first, Format::Doccano, &ImportOptions::default());
    assert_eq!(back[0].active_seconds, Some(754.25));
    assert!(
        !back[0].meta.contains_key("lead_time"),
        "the time is not kept twice"
    );
    let second = dir.path().join("b.jsonl");
    export_all(&back, Format::Doccano, &second, &opts);
    assert_eq!(std::fs::read(&second).expect("read"), text.as_bytes());
}

// --- doccano relations point at entities by id --------------------------------------------

/// The entity of `d` with `id`: (label, covered text).
fn entity(line: &serde_json::Value, id: u64) -> (String, String) {
    let text: Vec<char> = line["text"].as_str().expect("text").chars().collect();
    let e = line["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .find(|e| e["id"] == id)
        .unwrap_or_else(|| panic!("no entity {id} in {line}"));
    let at = |k: &str| usize::try_from(e[k].as_u64().expect("offset")).expect("offset");
    (
        e["label"].as_str().expect("label").to_string(),
        text[at("start_offset")..at("end_offset")].iter().collect(),
    )
}

fn lines_of(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .expect("read")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect()
}

#[test]
fn doccano_relations_keep_pointing_at_their_entities_through_a_round_trip() {
    let dir = tempfile::tempdir().expect("tmp");
    let text = "التقى مصطفى مهراج بخليفة حفتر في بنغازي";
    let who = span(text, "مصطفى مهراج", "PER");
    let whom = span(text, "خليفة حفتر", "PER");
    let place = span(text, "بنغازي", "LOC");
    let ent = |id: u64, s: &TaggedSpan| serde_json::json!({"id": id, "label": s.label, "start_offset": s.start, "end_offset": s.end});
    // doccano's own export: database ids, not 1, 2, 3; the relation names two of them. A
    // second record has entities and no relations.
    let input = dir.path().join("in.jsonl");
    let first = serde_json::json!({
        "id": 7, "text": text,
        "entities": [ent(40, &place), ent(23, &whom), ent(17, &who)],
        "relations": [{"id": 3, "from_id": 17, "to_id": 23, "type": "met"},
                      {"id": 4, "from_id": 23, "to_id": 40, "type": "in"}],
    });
    let second = serde_json::json!({"id": 8, "text": "زار بنغازي", "entities": [
        {"id": 99, "label": "LOC", "start_offset": 4, "end_offset": 10}], "relations": []});
    std::fs::write(&input, format!("{first}\n{second}\n")).expect("write");
    let (docs, report) = import_all(&input, Format::Doccano, &ImportOptions::default());
    assert!(report.errors.is_empty(), "{:#?}", report.errors);

    let entities = ExportOptions {
        doccano_shape: tawsim_core::formats::DoccanoShape::Entities,
        ..ExportOptions::default()
    };
    let out = dir.path().join("out.jsonl");
    let r = export_all(&docs, Format::Doccano, &out, &entities);
    assert!(r.misaligned.is_empty(), "{:#?}", r.misaligned);
    let lines = lines_of(&out);
    // Each relation's ends are still the entities they named.
    let rel = &lines[0]["relations"];
    assert_eq!(rel.as_array().map(Vec::len), Some(2), "{rel}");
    let ends = |k: usize| {
        (
            entity(&lines[0], rel[k]["from_id"].as_u64().expect("from")),
            entity(&lines[0], rel[k]["to_id"].as_u64().expect("to")),
        )
    };
    let named = |l: &str, t: &str| (l.to_string(), t.to_string());
    assert_eq!(
        ends(0),
        (named("PER", "مصطفى مهراج"), named("PER", "خليفة حفتر"))
    );
    assert_eq!(
        ends(1),
        (named("PER", "خليفة حفتر"), named("LOC", "بنغازي"))
    );
    assert_eq!(rel[0]["type"], "met");
    assert!(
        !std::fs::read_to_string(&out)
            .expect("read")
            .contains("doccano_entity_ids"),
        "our own bookkeeping is never written"
    );
    // The same file again after a second round trip.
    let (back, _) = import_all(&out, Format::Doccano, &ImportOptions::default());
    let again = dir.path().join("again.jsonl");
    export_all(&back, Format::Doccano, &again, &entities);
    assert_eq!(
        std::fs::read(&again).expect("read"),
        std::fs::read(&out).expect("read")
    );

    // A span added since gets an id no entity of its document has; a span deleted takes
    // its relation along; a relation naming a span the document does not have is not
    // written and is reported.
    let mut edited = back.clone();
    delete_spans(&mut edited[0], "LOC");
    edited[0].spans.push(span(text, "التقى", "EVENT"));
    edited[0].relations.push(dangling(0));
    let out = dir.path().join("edited.jsonl");
    let r = export_all(&edited, Format::Doccano, &out, &entities);
    assert_eq!(r.misaligned.len(), 1, "{:#?}", r.misaligned);
    assert!(
        r.misaligned[0]
            .message
            .contains("a span the document does not have"),
        "{}",
        r.misaligned[0]
    );
    assert_eq!(r.not_written(), "1 relation(s)");
    let lines = lines_of(&out);
    assert_eq!(lines[0]["relations"].as_array().map(Vec::len), Some(1));
    let ids: Vec<u64> = lines[0]["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .map(|e| e["id"].as_u64().expect("id"))
        .collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "{ids:?}");
    assert!(ids.contains(&17) && ids.contains(&23), "{ids:?}");

    // The label shape has no ids: the relations are reported, not written as a stray key.
    let label = dir.path().join("label.jsonl");
    let r = export_all(&docs, Format::Doccano, &label, &ExportOptions::default());
    assert_eq!(r.not_written(), "2 relation(s)", "{:#?}", r.misaligned);
    assert!(r.misaligned[0].message.contains("--entities"));
    let text = std::fs::read_to_string(&label).expect("read");
    let first_line = text.lines().next().unwrap_or_default();
    assert!(
        !first_line.contains("relations") && first_line.contains("\"label\": [["),
        "{text}"
    );
}

/// brat `T` lines of an `.ann`: id -> (label, text).
fn brat_entities(ann: &str) -> std::collections::HashMap<String, (String, String)> {
    ann.lines()
        .filter(|l| l.starts_with('T'))
        .filter_map(|l| {
            let mut f = l.split('\t');
            let id = f.next()?.to_string();
            let label = f.next()?.split(' ').next()?.to_string();
            Some((id, (label, f.next()?.to_string())))
        })
        .collect()
}

#[test]
fn brat_relation_lines_keep_naming_their_entities_through_a_round_trip() {
    let dir = tempfile::tempdir().expect("tmp");
    let input = dir.path().join("in");
    std::fs::create_dir(&input).expect("dir");
    let text = "التقى مصطفى مهراج بخليفة حفتر في بنغازي";
    let t = |id: &str, sp: &TaggedSpan, covered: &str| {
        format!("{id}\t{} {} {}\t{covered}\n", sp.label, sp.start, sp.end)
    };
    // brat's ids in the order an annotator made them, not the text's.
    let ann = [
        t("T5", &span(text, "بنغازي", "LOC"), "بنغازي"),
        t("T2", &span(text, "مصطفى مهراج", "PER"), "مصطفى مهراج"),
        t("T9", &span(text, "خليفة حفتر", "PER"), "خليفة حفتر"),
        "R1\tMet Arg1:T2 Arg2:T9\n".into(),
        "R2\tIn Arg1:T9 Arg2:T5\n".into(),
        "*\tEquiv T2 T2\n".into(),
    ]
    .concat();
    std::fs::write(input.join("a.txt"), text).expect("txt");
    std::fs::write(input.join("a.ann"), &ann).expect("ann");
    let (docs, report) = import_all(&input, Format::Brat, &ImportOptions::default());
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
    let opts = ExportOptions::default();
    let out = dir.path().join("out");
    let r = export_all(&docs, Format::Brat, &out, &opts);
    assert!(r.misaligned.is_empty(), "{:#?}", r.misaligned);
    let written = std::fs::read_to_string(out.join("a.ann")).expect("read");
    // Every line of the input is there, and the R lines name the same entities.
    let mut got: Vec<&str> = written.lines().collect();
    let mut want: Vec<&str> = ann.lines().collect();
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want);
    assert_eq!(
        brat_entities(&written)["T9"],
        ("PER".to_string(), "خليفة حفتر".to_string())
    );
    assert!(!written.contains("brat_ids"));
    // A deleted span takes its relation along; a relation naming a span the document
    // does not have is reported, not written pointing at nothing; a new span takes an id
    // no span of the document had.
    let mut edited = docs.clone();
    delete_spans(&mut edited[0], "LOC");
    edited[0].spans.push(span(text, "التقى", "EVENT"));
    edited[0].relations.push(dangling(0));
    let out = dir.path().join("edited");
    let r = export_all(&edited, Format::Brat, &out, &opts);
    assert_eq!(r.not_written(), "1 relation(s)", "{:#?}", r.misaligned);
    assert!(
        r.misaligned[0]
            .message
            .contains("a span the document does not have"),
        "{}",
        r.misaligned[0]
    );
    let written = std::fs::read_to_string(out.join("a.ann")).expect("read");
    assert!(written.contains("R1\tMet Arg1:T2 Arg2:T9\n") && !written.contains("R2"));
    assert_eq!(
        brat_entities(&written)["T10"],
        ("EVENT".to_string(), "التقى".to_string())
    );
}

#[test]
fn label_studio_relations_keep_naming_their_regions_through_a_round_trip() {
    let dir = tempfile::tempdir().expect("tmp");
    let text = "التقى مصطفى مهراج بخليفة حفتر في بنغازي";
    let region = |id: &str, sp: &TaggedSpan| {
        serde_json::json!({"id": id, "from_name": "label", "to_name": "text", "type": "labels",
            "value": {"start": sp.start, "end": sp.end, "labels": [sp.label]}})
    };
    let task = serde_json::json!([{"id": 1, "data": {"text": text}, "annotations": [{"result": [
        region("Xk2p", &span(text, "بنغازي", "LOC")),
        region("a9Qe", &span(text, "مصطفى مهراج", "PER")),
        region("Zz01", &span(text, "خليفة حفتر", "PER")),
        {"from_id": "a9Qe", "to_id": "Zz01", "type": "relation", "direction": "right", "labels": ["met"]},
        {"from_id": "Zz01", "to_id": "Xk2p", "type": "relation", "direction": "right", "labels": ["in"]},
    ]}]}]);
    let input = dir.path().join("in.json");
    std::fs::write(&input, task.to_string()).expect("write");
    let (docs, report) = import_all(&input, Format::LabelStudio, &ImportOptions::default());
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
    assert!(
        report.warnings.is_empty(),
        "relations are kept: {:#?}",
        report.warnings
    );
    let opts = ExportOptions::default();
    let out = dir.path().join("out.json");
    let r = export_all(&docs, Format::LabelStudio, &out, &opts);
    assert!(r.misaligned.is_empty(), "{:#?}", r.misaligned);
    let written = std::fs::read_to_string(&out).expect("read");
    assert!(!written.contains("ls_relations") && !written.contains("ls_region_ids"));
    let v: serde_json::Value = serde_json::from_str(&written).expect("json");
    let results = v[0]["annotations"][0]["result"]
        .as_array()
        .expect("results")
        .clone();
    let text_of = |id: &str| -> String {
        let r = results
            .iter()
            .find(|r| r["id"] == id && r["type"] == "labels")
            .unwrap_or_else(|| panic!("no region {id}"));
        r["value"]["text"].as_str().expect("text").to_string()
    };
    let rels: Vec<(String, String, String)> = results
        .iter()
        .filter(|r| r["type"] == "relation")
        .map(|r| {
            (
                text_of(r["from_id"].as_str().expect("from")),
                r["labels"][0].as_str().expect("label").to_string(),
                text_of(r["to_id"].as_str().expect("to")),
            )
        })
        .collect();
    let t = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    assert_eq!(
        rels,
        [
            t("مصطفى مهراج", "met", "خليفة حفتر"),
            t("خليفة حفتر", "in", "بنغازي")
        ]
    );
    // A second round trip writes the same file.
    let (back, _) = import_all(&out, Format::LabelStudio, &ImportOptions::default());
    let again = dir.path().join("again.json");
    export_all(&back, Format::LabelStudio, &again, &opts);
    assert_eq!(std::fs::read_to_string(&again).expect("read"), written);
    // A region deleted since takes its relation along; a relation naming a span the task
    // does not have is reported, not written.
    let mut edited = back;
    delete_spans(&mut edited[0], "LOC");
    edited[0].relations.push(dangling(0));
    let out = dir.path().join("edited.json");
    let r = export_all(&edited, Format::LabelStudio, &out, &opts);
    assert_eq!(r.not_written(), "1 relation(s)", "{:#?}", r.misaligned);
    assert!(
        r.misaligned[0]
            .message
            .contains("a span the document does not have")
    );
    let written = std::fs::read_to_string(&out).expect("read");
    assert!(!written.contains("Xk2p") && written.matches("\"relation\"").count() == 1);
}

/// Documents whose names repeat, or that a file name or a task id cannot take as they are,
/// each get a file (brat) or a task id (Label Studio) of their own, and the import reads the
/// same documents back in order.
#[test]
fn repeated_or_unusable_names_each_get_their_own_file_and_task_id() {
    let names = ["3", "3", "x", "1", "007", "a/b", "a_b", "", ".hidden"];
    let docs: Vec<AnnotatedDocument> = names
        .iter()
        .enumerate()
        .map(|(i, n)| AnnotatedDocument {
            name: n.to_string(),
            text: format!("وثيقة {i}"),
            ..Default::default()
        })
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = ExportOptions::default();

    let brat = dir.path().join("brat");
    export_all(&docs, Format::Brat, &brat, &opts);
    let mut files: Vec<String> = std::fs::read_dir(&brat)
        .expect("brat folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter_map(|f| f.strip_suffix(".txt").map(str::to_string))
        .collect();
    files.sort();
    // Each document's file, in the documents' order.
    let stems = [
        "3",
        "3-2",
        "x",
        "1",
        "007",
        "a_b",
        "a_b-2",
        "doc",
        "doc.hidden",
    ];
    let mut expected = stems;
    expected.sort();
    assert_eq!(files, expected);
    for (stem, doc) in stems.iter().zip(&docs) {
        let text = std::fs::read_to_string(brat.join(format!("{stem}.txt"))).expect("txt");
        assert_eq!(text, doc.text, "{stem}.txt");
    }

    let ls = dir.path().join("tasks.json");
    export_all(&docs, Format::LabelStudio, &ls, &opts);
    let tasks: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(&ls).expect("read")).expect("json");
    let ids: Vec<u64> = tasks
        .iter()
        .map(|t| t["id"].as_u64().expect("id"))
        .collect();
    // "3" keeps its number; the second "3", "x" and "007" take the lowest free ones; "1"
    // finds its number given already.
    assert_eq!(ids, [3, 1, 2, 4, 5, 6, 7, 8, 9]);
    let named: Vec<Option<&str>> = tasks.iter().map(|t| t["data"]["name"].as_str()).collect();
    assert_eq!(
        named[0], None,
        "a task whose id is its name carries no name"
    );
    let given: Vec<Option<&str>> = names[1..].iter().copied().map(Some).collect();
    assert_eq!(named[1..], given);
    let (back, report) = import_all(&ls, Format::LabelStudio, &ImportOptions::default());
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let back_names: Vec<&str> = back.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(back_names, names);
}

/// A brat folder is listed from the directory entries themselves: `.txt` files in any case
/// of the extension and links to files are documents; a folder named like a `.txt` is not; a
/// `.txt` without its `.ann` is a document without spans.
#[cfg(unix)]
#[test]
fn a_brat_folder_takes_txt_files_and_links_to_them_but_not_folders() {
    let dir = tempfile::tempdir().expect("tempdir");
    let folder = dir.path().join("brat");
    std::fs::create_dir_all(folder.join("notes.txt")).expect("a folder named .txt");
    std::fs::write(folder.join("a.txt"), "زار الوفد جنيف").expect("write");
    std::fs::write(folder.join("a.ann"), "T1\tLOC 10 14\tجنيف\n").expect("write");
    std::fs::write(folder.join("b.TXT"), "لا شيء هنا").expect("write");
    std::fs::write(dir.path().join("elsewhere.txt"), "نص في مكان آخر").expect("write");
    std::os::unix::fs::symlink(dir.path().join("elsewhere.txt"), folder.join("link.txt"))
        .expect("symlink");
    let (docs, report) = import_all(&folder, Format::Brat, &ImportOptions::default());
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let got: Vec<(&str, &str, usize)> = docs
        .iter()
        .map(|d| (d.name.as_str(), d.text.as_str(), d.spans.len()))
        .collect();
    assert_eq!(
        got,
        [
            ("a", "زار الوفد جنيف", 1),
            ("b", "لا شيء هنا", 0),
            ("link", "نص في مكان آخر", 0),
        ]
    );
    assert_eq!(
        span_texts(&docs[0]),
        [("LOC".to_string(), "جنيف".to_string())]
    );
    // The texts without an .ann are named, each as such.
    let warned: Vec<(String, &ProblemKind)> = report
        .warnings
        .iter()
        .map(|p| (p.to_string(), &p.kind))
        .collect();
    let no_ann = |txt: &str, ann: &str| {
        (
            format!(
                "{}: no {} beside it; document has no spans",
                folder.join(txt).display(),
                folder.join(ann).display()
            ),
            &ProblemKind::NoAnnFile,
        )
    };
    assert_eq!(
        warned,
        [no_ann("b.TXT", "b.ann"), no_ann("link.txt", "link.ann")]
    );
}

/// A brat folder of a thousand documents, read ahead on several threads, comes in in the
/// names' natural order, each text with its own annotations; a document whose text cannot
/// be read stops a strict import naming that file, and a lenient one lists it and goes on
/// in order.
#[test]
fn a_brat_folder_read_ahead_keeps_natural_order_and_each_files_pair() {
    let dir = tempfile::tempdir().expect("tempdir");
    let folder = dir.path().join("brat");
    std::fs::create_dir(&folder).expect("folder");
    let n = 1_000;
    for i in 1..=n {
        let text = format!("الوثيقة رقم {i}");
        std::fs::write(folder.join(format!("doc-{i}.txt")), &text).expect("txt");
        let (s, e) = ("الوثيقة رقم ".chars().count(), text.chars().count());
        let number = &text[text.len() - i.to_string().len()..];
        std::fs::write(
            folder.join(format!("doc-{i}.ann")),
            format!("T1\tNUM {s} {e}\t{number}\n"),
        )
        .expect("ann");
    }
    let (docs, report) = import_all(&folder, Format::Brat, &ImportOptions::default());
    assert!(
        report.errors.is_empty(),
        "{:?}",
        report.errors.kept().first()
    );
    assert_eq!(docs.len(), n);
    for (i, d) in (1..=n).zip(&docs) {
        assert_eq!(d.name, format!("doc-{i}"));
        assert_eq!(d.text, format!("الوثيقة رقم {i}"));
        assert_eq!(span_texts(d), [("NUM".to_string(), i.to_string())]);
    }
    // doc-500's text is not UTF-8: it cannot be read.
    std::fs::write(folder.join("doc-500.txt"), b"\xFF\xFE").expect("write");
    let err = import_path(
        &folder,
        Format::Brat,
        &ImportOptions::default(),
        &mut |_| Ok(()),
    )
    .expect_err("unreadable");
    assert!(err.to_string().contains("doc-500.txt"), "{err}");
    let lenient = ImportOptions {
        lenient: true,
        ..Default::default()
    };
    let (docs, report) = import_all(&folder, Format::Brat, &lenient);
    assert_eq!(docs.len(), n - 1);
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert_eq!(report.errors[0].kind, ProblemKind::Unreadable);
    assert!(
        report.errors[0].to_string().contains("doc-500"),
        "{}",
        report.errors[0]
    );
    let names: Vec<&str> = docs.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names[498..501], ["doc-499", "doc-501", "doc-502"]);
}

/// A JSON Lines row that is not JSON, or not an object, is named by line and kind the same
/// way in doccano and Hugging Face files, and the rows around it are read.
#[test]
fn a_row_that_is_not_a_json_object_is_named_alike_in_doccano_and_hf() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (format, name, good) in [
        (
            Format::Doccano,
            "d.jsonl",
            r#"{"text": "في جنيف", "label": [[3, 7, "LOC"]]}"#,
        ),
        (
            Format::HfTokens,
            "h.jsonl",
            r#"{"tokens": ["في", "جنيف"], "ner_tags": ["O", "B-LOC"]}"#,
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, format!("{good}\n[1, 2]\n{{\"tokens\": \n{good}\n")).expect("write");
        let lenient = ImportOptions {
            lenient: true,
            ..Default::default()
        };
        let (docs, report) = import_all(&path, format, &lenient);
        assert_eq!(docs.len(), 2, "{name}");
        let got: Vec<(Option<usize>, ProblemKind, &str)> = report
            .errors
            .iter()
            .map(|p| (p.line, p.kind.clone(), p.message.as_str()))
            .collect();
        assert_eq!(got.len(), 2, "{name}: {got:?}");
        assert_eq!(
            (got[0].0, &got[0].1, got[0].2),
            (
                Some(2),
                &ProblemKind::Schema,
                "expected an object, found an array; record skipped"
            ),
            "{name}"
        );
        assert_eq!(
            (got[1].0, &got[1].1),
            (Some(3), &ProblemKind::Json),
            "{name}"
        );
        assert!(
            got[1].2.starts_with("invalid JSON: "),
            "{name}: {}",
            got[1].2
        );
    }
}
