//! Relations and document labels as data in every format that has them: doccano (entities
//! shape), brat, Label Studio and Hugging Face round trip them (export, import, export
//! again byte for byte); doccano's own relation example reads with the right triples; a
//! relation naming what its record does not have is an error naming file and line; the
//! formats and shapes without them (doccano's label shape, CoNLL) report what they leave
//! out.

use std::path::{Path, PathBuf};
use tawsim_core::domain::{AnnotatedDocument, Meta, TaggedRelation, TaggedSpan};
use tawsim_core::formats::{
    DoccanoShape, ExportOptions, ExportReport, Format, ImportOptions, ImportReport, ProblemKind,
    TokenSplit, export_documents, import_path,
};

const ARTICLE: &str = include_str!("../../../assets/samples/libya-ceasefire-ar.txt");

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

/// The code point range of the first `needle` in `text`.
fn range(text: &str, needle: &str) -> (usize, usize) {
    let b = text.find(needle).expect("needle present");
    let s = text[..b].chars().count();
    (s, s + needle.chars().count())
}

fn span(text: &str, needle: &str, label: &str) -> TaggedSpan {
    let (s, e) = range(text, needle);
    TaggedSpan::new(s, e, label)
}

fn covered(text: &str, s: &TaggedSpan) -> String {
    text.chars().skip(s.start).take(s.end - s.start).collect()
}

/// The article with four spans, two relations and two document labels, its spans in the
/// order the store gives them (sorted).
fn article() -> AnnotatedDocument {
    let mut spans = vec![
        span(ARTICLE, "مصطفى مهراج", "PER"),
        span(ARTICLE, "السفير الفرنسي", "TITLE"),
        span(ARTICLE, "خليفة حفتر", "PER"),
        span(ARTICLE, "القيادة العامة", "ORG"),
    ];
    spans.sort();
    let at = |needle: &str| {
        let (s, _) = range(ARTICLE, needle);
        spans
            .iter()
            .position(|x| x.start == s)
            .expect("span of the needle")
    };
    let relations = vec![
        TaggedRelation {
            from: at("مصطفى مهراج"),
            to: at("السفير الفرنسي"),
            label: "has_title".into(),
        },
        TaggedRelation {
            from: at("خليفة حفتر"),
            to: at("القيادة العامة"),
            label: "leads".into(),
        },
    ];
    let mut meta = Meta::new();
    meta.insert("source".into(), "sample".into());
    AnnotatedDocument {
        name: "libya-ceasefire-ar".into(),
        text: ARTICLE.into(),
        meta,
        spans,
        relations,
        doc_labels: vec!["politics".into(), "libya".into()],
        ..Default::default()
    }
}

/// A span as people see it: (label, covered text).
type Seen = (String, String);

/// A document as people see it: spans, relations as (from, to, type), document labels.
type View = (Vec<Seen>, Vec<(Seen, Seen, String)>, Vec<String>);

/// A document's spans, relations as (from, to, type) triples of spans, and document labels,
/// independent of offsets and indices.
fn view(d: &AnnotatedDocument) -> View {
    let seen = |s: &TaggedSpan| (s.label.clone(), covered(&d.text, s));
    let mut spans: Vec<Seen> = d.spans.iter().map(seen).collect();
    spans.sort();
    let mut rels: Vec<(Seen, Seen, String)> = d
        .relations
        .iter()
        .map(|r| {
            (
                seen(&d.spans[r.from]),
                seen(&d.spans[r.to]),
                r.label.clone(),
            )
        })
        .collect();
    rels.sort();
    (spans, rels, d.doc_labels.clone())
}

/// Relations as (from, to, type) with exact spans.
fn triples(d: &AnnotatedDocument) -> Vec<(TaggedSpan, TaggedSpan, String)> {
    let mut v: Vec<_> = d
        .relations
        .iter()
        .map(|r| {
            (
                d.spans[r.from].clone(),
                d.spans[r.to].clone(),
                r.label.clone(),
            )
        })
        .collect();
    v.sort();
    v
}

/// Every file an export wrote (a folder's files, or the file and its sidecars), by name.
fn written(out: &Path) -> Vec<(String, Vec<u8>)> {
    let files: Vec<PathBuf> = if out.is_dir() {
        std::fs::read_dir(out)
            .expect("dir")
            .map(|e| e.expect("entry").path())
            .collect()
    } else {
        let dir = out.parent().expect("parent");
        std::fs::read_dir(dir)
            .expect("dir")
            .map(|e| e.expect("entry").path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("out") || n == "labels.json")
            })
            .collect()
    };
    let mut v: Vec<(String, Vec<u8>)> = files
        .into_iter()
        .map(|p| {
            (
                p.file_name().expect("name").to_string_lossy().into_owned(),
                std::fs::read(&p).expect("read"),
            )
        })
        .collect();
    v.sort();
    v
}

fn out_path(dir: &Path, format: Format) -> PathBuf {
    match format {
        Format::Brat => dir.join("out"),
        Format::LabelStudio => dir.join("out.json"),
        _ => dir.join("out.jsonl"),
    }
}

#[test]
fn relations_and_document_labels_round_trip_in_every_format_that_has_them() {
    let doc = article();
    let entities = ExportOptions {
        doccano_shape: DoccanoShape::Entities,
        ..ExportOptions::default()
    };
    let cases = [
        (Format::Doccano, entities),
        (Format::Brat, ExportOptions::default()),
        (Format::LabelStudio, ExportOptions::default()),
        (Format::HfTokens, ExportOptions::default()),
    ];
    for (format, opts) in cases {
        let first = tempfile::tempdir().expect("tmp");
        let out = out_path(first.path(), format);
        let rep = export_all(std::slice::from_ref(&doc), format, &out, &opts);
        assert!(rep.misaligned.is_empty(), "{format}: {:#?}", rep.misaligned);
        assert_eq!((rep.relations_left_out, rep.doc_labels_left_out), (0, 0));
        let (back, report) = import_all(&out, format, &ImportOptions::default());
        assert!(report.errors.is_empty(), "{format}: {:#?}", report.errors);
        assert_eq!(back.len(), 1, "{format}");
        let b = &back[0];
        assert_eq!(view(b), view(&doc), "{format}");
        assert_eq!(b.doc_labels, ["politics", "libya"], "{format}");
        if format != Format::HfTokens {
            // HF rebuilds the text from its tokens; the others keep it and every offset.
            assert_eq!(b.text, doc.text, "{format}");
            assert_eq!(b.spans, doc.spans, "{format}");
            assert_eq!(triples(b), triples(&doc), "{format}");
        }
        // Export again: the same bytes.
        let second = tempfile::tempdir().expect("tmp");
        let again = out_path(second.path(), format);
        let rep = export_all(&back, format, &again, &opts);
        assert!(rep.misaligned.is_empty(), "{format}: {:#?}", rep.misaligned);
        assert_eq!(written(&again), written(&out), "{format}");
    }
}

#[test]
fn the_written_forms_are_the_documented_ones() {
    let doc = article();
    let dir = tempfile::tempdir().expect("tmp");
    // doccano: ids, relations naming them, cats.
    let out = dir.path().join("d.jsonl");
    let entities = ExportOptions {
        doccano_shape: DoccanoShape::Entities,
        ..ExportOptions::default()
    };
    export_all(std::slice::from_ref(&doc), Format::Doccano, &out, &entities);
    let line: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("read")).expect("json");
    assert_eq!(line["cats"], serde_json::json!(["politics", "libya"]));
    let entity = |id: &serde_json::Value| {
        let e = line["entities"]
            .as_array()
            .expect("entities")
            .iter()
            .find(|e| e["id"] == *id)
            .expect("entity of the id");
        let s = |k: &str| usize::try_from(e[k].as_u64().expect("offset")).expect("offset");
        ARTICLE
            .chars()
            .skip(s("start_offset"))
            .take(s("end_offset") - s("start_offset"))
            .collect::<String>()
    };
    let rels: Vec<(String, String, String)> = line["relations"]
        .as_array()
        .expect("relations")
        .iter()
        .map(|r| {
            assert!(r["id"].is_u64(), "{r}");
            (
                entity(&r["from_id"]),
                r["type"].as_str().expect("type").to_string(),
                entity(&r["to_id"]),
            )
        })
        .collect();
    let t = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    assert_eq!(
        rels,
        [
            t("مصطفى مهراج", "has_title", "السفير الفرنسي"),
            t("خليفة حفتر", "leads", "القيادة العامة")
        ]
    );
    // brat: R lines after the T lines, document labels as notes on the first span.
    let out = dir.path().join("brat");
    export_all(
        std::slice::from_ref(&doc),
        Format::Brat,
        &out,
        &ExportOptions::default(),
    );
    let ann = std::fs::read_to_string(out.join("libya-ceasefire-ar.ann")).expect("read");
    let lines: Vec<&str> = ann.lines().collect();
    assert_eq!(lines.len(), 4 + 2 + 2, "{ann}");
    assert!(lines[..4].iter().all(|l| l.starts_with('T')), "{ann}");
    let t_of = |text: &str| {
        lines
            .iter()
            .find(|l| l.ends_with(&format!("\t{text}")))
            .and_then(|l| l.split('\t').next())
            .expect("T line")
    };
    assert_eq!(
        lines[4],
        format!(
            "R1\thas_title Arg1:{} Arg2:{}",
            t_of("مصطفى مهراج"),
            t_of("السفير الفرنسي")
        )
    );
    assert_eq!(
        lines[5],
        format!(
            "R2\tleads Arg1:{} Arg2:{}",
            t_of("خليفة حفتر"),
            t_of("القيادة العامة")
        )
    );
    assert_eq!(lines[6], "#1\tDocumentLabel T1\tpolitics");
    assert_eq!(lines[7], "#2\tDocumentLabel T1\tlibya");
    // Label Studio: relation results naming region ids, one choices result.
    let out = dir.path().join("ls.json");
    export_all(
        std::slice::from_ref(&doc),
        Format::LabelStudio,
        &out,
        &ExportOptions::default(),
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("read")).expect("json");
    let results = v[0]["annotations"][0]["result"]
        .as_array()
        .expect("results")
        .clone();
    let text_of = |id: &serde_json::Value| {
        results
            .iter()
            .find(|r| r["id"] == *id && r["type"] == "labels")
            .map(|r| r["value"]["text"].as_str().expect("text").to_string())
            .expect("region of the id")
    };
    let rels: Vec<(String, String, String)> = results
        .iter()
        .filter(|r| r["type"] == "relation")
        .map(|r| {
            assert_eq!(r["direction"], "right");
            (
                text_of(&r["from_id"]),
                r["labels"][0].as_str().expect("label").to_string(),
                text_of(&r["to_id"]),
            )
        })
        .collect();
    assert_eq!(
        rels,
        [
            t("مصطفى مهراج", "has_title", "السفير الفرنسي"),
            t("خليفة حفتر", "leads", "القيادة العامة")
        ]
    );
    let choices: Vec<&serde_json::Value> =
        results.iter().filter(|r| r["type"] == "choices").collect();
    assert_eq!(choices.len(), 1);
    assert_eq!(choices[0]["from_name"], "doc_labels");
    assert_eq!(choices[0]["to_name"], "text");
    assert_eq!(
        choices[0]["value"]["choices"],
        serde_json::json!(["politics", "libya"])
    );
    // HF: indices into the row's spans in the order they start.
    let out = dir.path().join("hf.jsonl");
    export_all(
        std::slice::from_ref(&doc),
        Format::HfTokens,
        &out,
        &ExportOptions::default(),
    );
    let row: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("read")).expect("json");
    // السفير الفرنسي (0) مصطفى مهراج (1) القيادة العامة (2) خليفة حفتر (3)
    assert_eq!(
        row["relations"],
        serde_json::json!([
            {"from": 1, "to": 0, "type": "has_title"},
            {"from": 3, "to": 2, "type": "leads"}
        ])
    );
    assert_eq!(row["doc_labels"], serde_json::json!(["politics", "libya"]));
}

#[test]
fn a_document_without_relations_or_document_labels_is_written_as_before() {
    let mut doc = article();
    doc.relations.clear();
    doc.doc_labels.clear();
    let dir = tempfile::tempdir().expect("tmp");
    for (format, opts) in [
        (Format::Doccano, ExportOptions::default()),
        (Format::HfTokens, ExportOptions::default()),
        (Format::LabelStudio, ExportOptions::default()),
    ] {
        let out = dir.path().join(format!("{format}.json"));
        export_all(std::slice::from_ref(&doc), format, &out, &opts);
        let text = std::fs::read_to_string(&out).expect("read");
        for key in ["\"cats\"", "\"relations\"", "\"doc_labels\"", "\"choices\""] {
            assert!(!text.contains(key), "{format}: {key} in {text}");
        }
    }
    let out = dir.path().join("brat");
    export_all(
        std::slice::from_ref(&doc),
        Format::Brat,
        &out,
        &ExportOptions::default(),
    );
    let ann = std::fs::read_to_string(out.join("libya-ceasefire-ar.ann")).expect("read");
    assert!(ann.lines().all(|l| l.starts_with('T')), "{ann}");
}

/// doccano's own example of the relation shape (its `examples` of `data_import`), one line.
const DOCCANO_RELATIONS: &str = r#"{"text": "Google was founded on September 4, 1998, by Larry Page and Sergey Brin.", "entities": [{"id": 0, "start_offset": 0, "end_offset": 6, "label": "ORG"}, {"id": 1, "start_offset": 22, "end_offset": 39, "label": "DATE"}, {"id": 2, "start_offset": 44, "end_offset": 54, "label": "PERSON"}, {"id": 3, "start_offset": 59, "end_offset": 70, "label": "PERSON"}], "relations": [{"id": 0, "from_id": 0, "to_id": 1, "type": "foundedAt"}, {"id": 1, "from_id": 0, "to_id": 2, "type": "foundedBy"}, {"id": 2, "from_id": 0, "to_id": 3, "type": "foundedBy"}]}"#;

#[test]
fn doccanos_own_relation_example_imports_with_its_triples_and_round_trips() {
    let dir = tempfile::tempdir().expect("tmp");
    let input = dir.path().join("in.jsonl");
    // Text classification (doccano 1.8: `label` as names) and intent detection (`cats`,
    // entities as triples) give document labels.
    let lines = [
        DOCCANO_RELATIONS,
        r#"{"text": "Terrible customer service.", "label": ["negative"]}"#,
        r#"{"text": "Find a flight from Memphis to Tacoma", "entities": [[19, 26, "City"], [30, 36, "City"]], "cats": ["flight"]}"#,
    ];
    std::fs::write(&input, lines.join("\n") + "\n").expect("write");
    let (docs, report) = import_all(&input, Format::Doccano, &ImportOptions::default());
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
    assert!(report.warnings.is_empty(), "{:#?}", report.warnings);
    let named: Vec<(String, String, String)> = docs[0]
        .relations
        .iter()
        .map(|r| {
            let d = &docs[0];
            (
                covered(&d.text, &d.spans[r.from]),
                r.label.clone(),
                covered(&d.text, &d.spans[r.to]),
            )
        })
        .collect();
    let t = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    assert_eq!(
        named,
        [
            t("Google", "foundedAt", "September 4, 1998"),
            t("Google", "foundedBy", "Larry Page"),
            t("Google", "foundedBy", "Sergey Brin"),
        ]
    );
    assert!(
        !docs[0].meta.contains_key("relations"),
        "relations are data, not metadata"
    );
    assert_eq!(docs[1].doc_labels, ["negative"]);
    assert!(docs[1].spans.is_empty());
    assert_eq!(docs[2].doc_labels, ["flight"]);
    assert_eq!(
        docs[2]
            .spans
            .iter()
            .map(|s| covered(&docs[2].text, s))
            .collect::<Vec<_>>(),
        ["Memphis", "Tacoma"]
    );
    assert!(!docs[2].meta.contains_key("cats"));
    // The entities shape writes the record with the ids it came with.
    let out = dir.path().join("out.jsonl");
    let entities = ExportOptions {
        doccano_shape: DoccanoShape::Entities,
        ..ExportOptions::default()
    };
    let rep = export_all(&docs, Format::Doccano, &out, &entities);
    assert!(rep.misaligned.is_empty(), "{:#?}", rep.misaligned);
    let first: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&out)
            .expect("read")
            .lines()
            .next()
            .expect("line"),
    )
    .expect("json");
    let want: serde_json::Value = serde_json::from_str(DOCCANO_RELATIONS).expect("json");
    for (w, g) in want["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .zip(first["entities"].as_array().expect("entities"))
    {
        assert_eq!(w, g);
    }
    let ends = |v: &serde_json::Value| -> Vec<(u64, u64, String)> {
        v["relations"]
            .as_array()
            .expect("relations")
            .iter()
            .map(|r| {
                (
                    r["from_id"].as_u64().expect("from"),
                    r["to_id"].as_u64().expect("to"),
                    r["type"].as_str().expect("type").to_string(),
                )
            })
            .collect()
    };
    assert_eq!(ends(&first), ends(&want));
    let (back, _) = import_all(&out, Format::Doccano, &ImportOptions::default());
    assert_eq!(
        back.iter().map(triples).collect::<Vec<_>>(),
        docs.iter().map(triples).collect::<Vec<_>>()
    );
    assert_eq!(
        back.iter()
            .map(|d| d.doc_labels.clone())
            .collect::<Vec<_>>(),
        docs.iter()
            .map(|d| d.doc_labels.clone())
            .collect::<Vec<_>>()
    );
}

fn messages(rep: &ImportReport) -> Vec<String> {
    rep.errors.iter().map(ToString::to_string).collect()
}

#[test]
fn a_relation_naming_what_its_record_lacks_is_an_error_with_file_and_line() {
    let dir = tempfile::tempdir().expect("tmp");
    // doccano: line 2 names entity 9.
    let p = dir.path().join("d.jsonl");
    let bad = r#"{"text": "زار حفتر بنغازي", "entities": [{"id": 1, "start_offset": 4, "end_offset": 8, "label": "PER"}, {"id": 2, "start_offset": 9, "end_offset": 15, "label": "LOC"}], "relations": [{"id": 1, "from_id": 1, "to_id": 9, "type": "visited"}, {"id": 2, "from_id": 1, "to_id": 2, "type": "visited"}]}"#;
    std::fs::write(&p, format!("{{\"text\": \"نص\"}}\n{bad}\n")).expect("write");
    let (docs, rep) = import_all(&p, Format::Doccano, &ImportOptions::default());
    assert_eq!(
        messages(&rep),
        [format!(
            "{}:2: relations[0]: to_id 9 names no entity of the record; relation skipped",
            p.display()
        )]
    );
    assert_eq!(rep.errors[0].kind, ProblemKind::Schema);
    // The rest of the record is read: the good relation too.
    assert_eq!(docs[1].spans.len(), 2);
    assert_eq!(docs[1].relations.len(), 1);

    // brat: an R naming a T the file does not have, one naming a T whose line was refused.
    let b = dir.path().join("brat");
    std::fs::create_dir(&b).expect("dir");
    std::fs::write(b.join("a.txt"), "زار حفتر بنغازي").expect("txt");
    let ann = b.join("a.ann");
    std::fs::write(
        &ann,
        "T1\tPER 4 8\tحفتر\nT2\tLOC 9 15\tبنغازي\nR1\tvisited Arg1:T1 Arg2:T7\nT3\tORG 9 15\tباريس\nR2\tvisited Arg1:T1 Arg2:T3\nR3\tvisited Arg2:T2 Arg1:T1\n",
    )
    .expect("ann");
    let (docs, rep) = import_all(&b, Format::Brat, &ImportOptions::default());
    let m = messages(&rep);
    assert_eq!(m.len(), 3, "{m:#?}");
    assert_eq!(
        m[0],
        format!(
            "{}:3: R1 names T7, but no T line of this file has that id; skipped",
            ann.display()
        )
    );
    assert!(
        m[1].starts_with(&format!("{}:4: ", ann.display())),
        "{m:#?}"
    );
    assert!(
        m[2].starts_with(&format!("{}:5: R2: its end [9, 15) ORG", ann.display()))
            && m[2].contains("was left out"),
        "{m:#?}"
    );
    // Roles by name: Arg1 is the from end wherever it is written.
    let d = &docs[0];
    assert_eq!(
        triples(d),
        [(
            d.spans[0].clone(),
            d.spans[1].clone(),
            "visited".to_string()
        )]
    );

    // Label Studio: a relation naming a region the task does not have.
    let l = dir.path().join("ls.json");
    std::fs::write(
        &l,
        r#"[
  {"id": 1, "data": {"text": "زار حفتر بنغازي"}, "annotations": [{"result": [
    {"id": "a", "from_name": "label", "to_name": "text", "type": "labels", "value": {"start": 4, "end": 8, "labels": ["PER"]}},
    {"from_id": "a", "to_id": "zz", "type": "relation", "direction": "right", "labels": ["visited"]}]}]}
]"#,
    )
    .expect("write");
    let (_, rep) = import_all(&l, Format::LabelStudio, &ImportOptions::default());
    assert_eq!(
        messages(&rep),
        [format!(
            "{}:2: result[1]: to_id \"zz\" names no labels result of the task; relation skipped",
            l.display()
        )]
    );

    // HF: an index past the row's spans.
    let h = dir.path().join("h.jsonl");
    std::fs::write(
        &h,
        r#"{"id": "a", "tokens": ["زار", "حفتر"], "ner_tags": ["O", "B-PER"], "relations": [{"from": 0, "to": 1, "type": "x"}]}
"#,
    )
    .expect("write");
    let (_, rep) = import_all(&h, Format::HfTokens, &ImportOptions::default());
    assert_eq!(
        messages(&rep),
        [format!(
            "{}:1: relations[0]: \"to\": 1 names a span the row does not have (1 spans); relation skipped",
            h.display()
        )]
    );
}

#[test]
fn the_label_shape_and_conll_report_what_they_leave_out() {
    let doc = article();
    let dir = tempfile::tempdir().expect("tmp");
    // doccano's label shape: no ids for relations; document labels as cats.
    let out = dir.path().join("label.jsonl");
    let rep = export_all(
        std::slice::from_ref(&doc),
        Format::Doccano,
        &out,
        &ExportOptions::default(),
    );
    assert_eq!(rep.not_written(), "2 relation(s)", "{:#?}", rep.misaligned);
    assert!(
        rep.misaligned
            .iter()
            .all(|p| p.kind == ProblemKind::RelationLeftOut && p.message.contains("--entities")),
        "{:#?}",
        rep.misaligned
    );
    assert!(
        rep.misaligned[0].message.contains("has_title"),
        "{}",
        rep.misaligned[0]
    );
    let line: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("read")).expect("json");
    assert_eq!(line["cats"], serde_json::json!(["politics", "libya"]));
    assert!(line.get("relations").is_none(), "{line}");
    let (back, rep) = import_all(&out, Format::Doccano, &ImportOptions::default());
    assert!(rep.errors.is_empty());
    assert_eq!(back[0].doc_labels, ["politics", "libya"]);
    assert!(back[0].relations.is_empty());

    // CoNLL: one problem per document for each, with how many.
    let out = dir.path().join("out.conll");
    let rep = export_all(
        std::slice::from_ref(&doc),
        Format::Conll,
        &out,
        &ExportOptions::default(),
    );
    let kinds: Vec<&ProblemKind> = rep.misaligned.iter().map(|p| &p.kind).collect();
    assert_eq!(
        kinds,
        [&ProblemKind::RelationLeftOut, &ProblemKind::DocLabelLeftOut],
        "{:#?}",
        rep.misaligned
    );
    assert!(rep.misaligned[0].message.contains("2 relation(s)"));
    assert!(rep.misaligned[1].message.contains("politics, libya"));
    assert_eq!(rep.not_written(), "2 relation(s) and 2 document label(s)");
    // The spans are all there.
    let (back, _) = import_all(&out, Format::Conll, &ImportOptions::default());
    assert_eq!(view(&back[0]).0, view(&doc).0);
}

#[test]
fn brat_equivalence_groups_read_as_chains_and_labels_without_a_span_are_reported() {
    let dir = tempfile::tempdir().expect("tmp");
    let b = dir.path().join("in");
    std::fs::create_dir(&b).expect("dir");
    let text = "حفتر هو المشير خليفة حفتر قائد الجيش";
    let (t1, t2, t3) = (
        range(text, "حفتر"),
        range(text, "المشير خليفة حفتر"),
        range(text, "قائد الجيش"),
    );
    let ann = format!(
        "T1\tPER {} {}\tحفتر\nT2\tPER {} {}\tالمشير خليفة حفتر\nT3\tPER {} {}\tقائد الجيش\n*\tEquiv T1 T2 T3\n#1\tDocumentLabel T1\tpolitics\n",
        t1.0, t1.1, t2.0, t2.1, t3.0, t3.1
    );
    std::fs::write(b.join("a.txt"), text).expect("txt");
    std::fs::write(b.join("a.ann"), &ann).expect("ann");
    let (docs, rep) = import_all(&b, Format::Brat, &ImportOptions::default());
    assert!(rep.errors.is_empty() && rep.warnings.is_empty(), "{rep:#?}");
    let d = &docs[0];
    assert_eq!(
        triples(d),
        [
            (d.spans[0].clone(), d.spans[1].clone(), "Equiv".to_string()),
            (d.spans[1].clone(), d.spans[2].clone(), "Equiv".to_string())
        ]
    );
    assert_eq!(d.doc_labels, ["politics"]);
    // Written back as it came.
    let out = dir.path().join("out");
    let r = export_all(&docs, Format::Brat, &out, &ExportOptions::default());
    assert!(r.misaligned.is_empty(), "{:#?}", r.misaligned);
    assert_eq!(
        std::fs::read_to_string(out.join("a.ann")).expect("read"),
        ann
    );
    // No span to attach the document labels to: reported, not written.
    let mut bare = docs[0].clone();
    bare.spans.clear();
    bare.relations.clear();
    let out = dir.path().join("bare");
    let r = export_all(&[bare], Format::Brat, &out, &ExportOptions::default());
    assert_eq!(
        r.not_written(),
        "1 document label(s)",
        "{:#?}",
        r.misaligned
    );
    assert_eq!(r.misaligned[0].kind, ProblemKind::DocLabelLeftOut);
    assert_eq!(
        std::fs::read_to_string(out.join("a.ann")).expect("read"),
        ""
    );
}

#[test]
fn label_studio_directions_unlabelled_relations_and_per_region_choices() {
    let dir = tempfile::tempdir().expect("tmp");
    let text = "زار حفتر بنغازي";
    let l = dir.path().join("ls.json");
    std::fs::write(
        &l,
        r#"[{"id": 1, "data": {"text": "زار حفتر بنغازي"}, "annotations": [{"result": [
    {"id": "a", "from_name": "label", "to_name": "text", "type": "labels", "value": {"start": 4, "end": 8, "labels": ["PER"]}},
    {"id": "b", "from_name": "label", "to_name": "text", "type": "labels", "value": {"start": 9, "end": 15, "labels": ["LOC"]}},
    {"id": "b", "from_name": "kind", "to_name": "text", "type": "choices", "value": {"start": 9, "end": 15, "choices": ["city"]}},
    {"from_id": "b", "to_id": "a", "type": "relation", "direction": "left", "labels": ["visited"]},
    {"from_id": "a", "to_id": "b", "type": "relation", "direction": "bi", "labels": ["near"]},
    {"from_id": "a", "to_id": "b", "type": "relation", "direction": "right"},
    {"id": "c", "from_name": "topic", "to_name": "text", "type": "choices", "value": {"choices": ["politics", "libya"]}}
]}]}]"#,
    )
    .expect("write");
    let (docs, rep) = import_all(&l, Format::LabelStudio, &ImportOptions::default());
    assert!(rep.errors.is_empty(), "{:#?}", rep.errors);
    // The per-region choices are not document labels.
    assert_eq!(rep.warnings.len(), 1, "{:#?}", rep.warnings);
    assert!(rep.warnings[0].message.contains("result[2]"));
    let d = &docs[0];
    let (per, loc) = (span(text, "حفتر", "PER"), span(text, "بنغازي", "LOC"));
    let t = |a: &TaggedSpan, b: &TaggedSpan, l: &str| (a.clone(), b.clone(), l.to_string());
    let mut want = vec![
        t(&per, &loc, "visited"),
        t(&per, &loc, "near"),
        t(&loc, &per, "near"),
        t(&per, &loc, "relation"),
    ];
    want.sort();
    assert_eq!(triples(d), want);
    assert_eq!(d.doc_labels, ["politics", "libya"]);
}

#[test]
fn hf_rows_keep_the_relations_inside_them_and_report_those_across_rows() {
    let text = "زار حفتر بنغازي. ثم التقى حفتر خوري.";
    let mut spans = vec![
        span(text, "حفتر", "PER"),
        span(text, "بنغازي", "LOC"),
        TaggedSpan::new(range(text, "خوري").0 - 5, range(text, "خوري").0 - 1, "PER"),
        span(text, "خوري", "PER"),
    ];
    spans.sort();
    let doc = AnnotatedDocument {
        name: "two".into(),
        text: text.into(),
        spans,
        relations: vec![
            TaggedRelation {
                from: 0,
                to: 1,
                label: "visited".into(),
            },
            TaggedRelation {
                from: 2,
                to: 3,
                label: "met".into(),
            },
            TaggedRelation {
                from: 0,
                to: 3,
                label: "met".into(),
            },
            TaggedRelation {
                from: 0,
                to: 9,
                label: "met".into(),
            },
        ],
        doc_labels: vec!["politics".into()],
        ..Default::default()
    };
    assert_eq!(covered(text, &doc.spans[2]), "حفتر");
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("out.jsonl");
    let opts = ExportOptions {
        token_split: TokenSplit::Sentences,
        ..ExportOptions::default()
    };
    let rep = export_all(std::slice::from_ref(&doc), Format::HfTokens, &out, &opts);
    assert_eq!(rep.not_written(), "2 relation(s)", "{:#?}", rep.misaligned);
    assert!(rep.misaligned[0].message.contains("two rows"));
    assert!(rep.misaligned[1].message.contains("does not have"));
    let (back, rep) = import_all(&out, Format::HfTokens, &ImportOptions::default());
    assert!(rep.errors.is_empty(), "{:#?}", rep.errors);
    assert_eq!(back.len(), 2);
    let rel = |d: &AnnotatedDocument| view(d).1;
    let p = |l: &str, t: &str| (l.to_string(), t.to_string());
    assert_eq!(
        rel(&back[0]),
        [(p("PER", "حفتر"), p("LOC", "بنغازي"), "visited".to_string())]
    );
    assert_eq!(
        rel(&back[1]),
        [(p("PER", "حفتر"), p("PER", "خوري"), "met".to_string())]
    );
    assert!(back.iter().all(|d| d.doc_labels == ["politics"]));
}
