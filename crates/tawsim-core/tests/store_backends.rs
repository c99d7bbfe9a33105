//! One store test suite, run against both backends: the embedded SQLite project file and a
//! team project on PostgreSQL. Then what only the team backend has: row-level security
//! checked with plain SQL as an annotator's role, versioned shared rows, and `push`.

#[path = "support/pg.rs"]
mod pg;

use tawsim_core::domain::{
    AnnotatedDocument, DocId, DocStatus, Edit, LabelId, LabelSet, ProjectSettings, Role, Span,
    TaggedSpan,
};
use tawsim_core::store::pg::{add_annotator, describe, team_init};
use tawsim_core::store::{PgProject, Project, Store, StoreError, TeamLocation};

const SEED: &str = include_str!("../../../assets/samples/libya-ceasefire-ar.txt");

fn cp(text: &str, needle: &str) -> (usize, usize) {
    let b = text.find(needle).expect("needle in text");
    let s = text[..b].chars().count();
    (s, s + needle.chars().count())
}

fn doc(name: &str, text: &str, spans: &[(&str, &str)]) -> AnnotatedDocument {
    AnnotatedDocument {
        name: name.into(),
        text: text.into(),
        status: DocStatus::InProgress,
        spans: spans
            .iter()
            .map(|(needle, label)| {
                let (s, e) = cp(text, needle);
                TaggedSpan::new(s, e, (*label).to_string())
            })
            .collect(),
        ..Default::default()
    }
}

/// What every store promises, on `s` (a new, empty project whose annotator is a manager).
fn suite<S: Store>(s: &mut S) {
    let second = "وصل الوفد إلى جنيف صباح الاثنين.";
    // Import: one transaction, labels made by name, spans checked.
    let ids = s
        .import(
            |sink| {
                let a = sink.add(doc(
                    "libya",
                    SEED,
                    &[("مصطفى مهراج", "PER"), ("جنيف", "LOC")],
                ))?;
                let b = sink.add(doc("second", second, &[("الوفد", "TEAM")]))?;
                Ok::<_, StoreError>((a, b))
            },
            |_| true,
        )
        .expect("import");
    let (a, b) = ids;
    assert!(s.labels().by_name("TEAM").is_some(), "a label made by name");
    let docs = s.documents().expect("documents");
    assert_eq!(
        docs.iter()
            .map(|d| (d.name.as_str(), d.spans, d.status))
            .collect::<Vec<_>>(),
        vec![
            ("libya", 2, DocStatus::InProgress),
            ("second", 1, DocStatus::InProgress)
        ]
    );
    assert_eq!(docs[0].chars, SEED.chars().count(), "length in code points");
    assert_eq!(
        s.document(a).expect("doc").text,
        SEED,
        "text exactly as imported"
    );

    // Active annotation time adds up per document, and the export carries it.
    s.add_time(a, 20.5).expect("time");
    s.add_time(a, 4.5).expect("time");
    s.add_time(b, 0.0).expect("nothing to add");
    let times: Vec<Option<f64>> = s
        .export_docs(None, None, None)
        .expect("export")
        .map(|d| d.expect("doc").active_seconds)
        .collect();
    assert_eq!(times, [Some(25.0), None]);

    // An import that is not kept changes nothing.
    let before = s.documents().expect("docs").len();
    s.import(
        |sink| sink.add(doc("dropped", "نص", &[])).map(drop),
        |_| false,
    )
    .expect("import not kept");
    assert_eq!(s.documents().expect("docs").len(), before);
    // A bad span fails the whole import.
    let bad = AnnotatedDocument {
        name: "bad".into(),
        text: "قصير".into(),
        spans: vec![TaggedSpan::new(2, 40, "PER")],
        ..Default::default()
    };
    assert!(s.import(|sink| sink.add(bad).map(drop), |_| true).is_err());
    assert_eq!(s.documents().expect("docs").len(), before);

    // Edits, history, undo and redo that must match the stored step.
    let per = s.labels().by_name("PER").expect("PER").id;
    let org = s.labels().by_name("ORG").expect("ORG").id;
    let (st, en) = cp(second, "جنيف");
    let add = Edit::AddSpan {
        span: Span::new(st, en, per).expect("span"),
    };
    s.apply(b, &add).expect("add");
    let relabel = Edit::ReplaceSpan {
        from: Span::new(st, en, per).expect("span"),
        to: Span::new(st, en, org).expect("span"),
    };
    s.apply(b, &relabel).expect("relabel");
    assert_eq!(s.annotations(b).expect("ann").spans.len(), 2);
    let h = s.history(b).expect("history");
    assert_eq!(h.stacks().0, &[add.clone(), relabel.clone()][..]);
    // Undo expecting the wrong edit changes nothing.
    assert!(s.undo_expecting(b, &add.inverse()).is_err());
    s.undo_expecting(b, &relabel.inverse()).expect("undo");
    assert!(
        s.annotations(b)
            .expect("ann")
            .spans
            .iter()
            .any(|x| x.label == per && x.start == st)
    );
    s.redo_expecting(b, &relabel).expect("redo");
    assert_eq!(s.history(b).expect("h").stacks().1.len(), 0);
    let status = Edit::SetStatus {
        from: DocStatus::InProgress,
        to: DocStatus::Done,
    };
    s.apply(b, &status).expect("status");
    assert_eq!(s.annotations(b).expect("ann").status, DocStatus::Done);
    // A status edit from the wrong status is refused.
    assert!(s.apply(b, &status).is_err());
    // Removing a span that is not there is refused and nothing is recorded.
    let steps = s.history(b).expect("h").stacks().0.len();
    assert!(
        s.apply(
            b,
            &Edit::RemoveSpan {
                span: Span::new(0, 2, per).expect("span")
            }
        )
        .is_err()
    );
    assert_eq!(s.history(b).expect("h").stacks().0.len(), steps);

    // Queries over the project.
    assert_eq!(
        s.documents_with_label(org).expect("with label"),
        [b].into_iter().collect()
    );
    let mut texts = s.entity_texts(100).expect("entity texts");
    texts.sort();
    assert!(texts.contains(&"مصطفى مهراج".to_string()) && texts.contains(&"جنيف".to_string()));
    let mut seen = Vec::new();
    s.for_each_document(|id, name, text| {
        seen.push((id, name.to_string(), text.chars().count()));
        Ok(true)
    })
    .expect("for each");
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1], (b, "second".into(), second.chars().count()));
    let exported: Vec<AnnotatedDocument> = s
        .export_docs(None, Some(DocStatus::Done), None)
        .expect("export")
        .collect::<Result<_, _>>()
        .expect("docs");
    assert_eq!(exported.len(), 1);
    assert_eq!(exported[0].name, "second");
    let mut labels: Vec<&str> = exported[0].spans.iter().map(|t| t.label.as_str()).collect();
    labels.sort_unstable();
    assert_eq!(labels, ["ORG", "TEAM"]);

    // Labels and settings.
    let mut set = s.labels().clone();
    let team = set.by_name("TEAM").expect("TEAM").id;
    set.rename(team, "GROUP").expect("rename");
    s.save_labels(&set).expect("save labels");
    s.reload().expect("reload");
    assert!(s.labels().by_name("GROUP").is_some() && s.labels().by_name("TEAM").is_none());
    assert_eq!(s.label_usage(team).expect("usage"), 1);
    let unused = set.by_name("EVENT").expect("EVENT").id;
    let mut without = set.clone();
    without.remove(team).expect("remove");
    assert!(
        s.save_labels(&without).is_err(),
        "a used label is not dropped"
    );
    assert_eq!(s.delete_label(team).expect("delete"), 1);
    assert_eq!(s.label_usage(team).expect("usage"), 0);
    assert!(s.labels().get(unused).is_some());
    let settings = ProjectSettings {
        others_visible: true,
        ..s.settings()
    };
    s.save_settings(settings).expect("settings");
    s.reload().expect("reload");
    assert!(s.settings().others_visible);
    s.set_document_direction(a, "rtl").expect("direction");
    assert_eq!(s.document_direction(a).expect("direction"), "rtl");

    // A worker handle sees the same project.
    let w = s.worker().expect("worker");
    assert_eq!(w.documents().expect("docs"), s.documents().expect("docs"));

    // Joining by text: a second annotator's layer would go on the same document; the same
    // annotator importing the same text again is refused.
    let again = s.import(
        |sink| {
            sink.join_same_text()?;
            sink.add(doc("second-again", second, &[("الوفد", "PER")]))
                .map(drop)
        },
        |_| true,
    );
    assert!(
        again.is_err_and(|e| e.to_string().contains("already holds this text")),
        "the same layer twice"
    );
    // A text the project holds twice joins an import's copies one each, in order; a third
    // copy is a new document.
    let r = "قال المتحدث .";
    let copy = |name: &str, spans: &[(&str, &str)]| AnnotatedDocument {
        status: DocStatus::New,
        ..doc(name, r, spans)
    };
    s.import(
        |sink| {
            sink.add(copy("r1", &[]))?;
            sink.add(copy("r2", &[])).map(drop)
        },
        |_| true,
    )
    .expect("two copies");
    let joined = s
        .import(
            |sink| {
                sink.join_same_text()?;
                for (n, label) in [("r-a", "PER"), ("r-b", "ORG"), ("r-c", "EVENT")] {
                    sink.add(copy(n, &[("المتحدث", label)]))?;
                }
                Ok::<_, StoreError>(sink.joined())
            },
            |_| true,
        )
        .expect("three copies");
    assert_eq!(joined, 2);
    let copies: Vec<(String, Vec<LabelId>)> = s
        .documents()
        .expect("docs")
        .into_iter()
        .filter(|d| d.name.starts_with('r'))
        .map(|d| {
            let ann = s.annotations(d.id).expect("annotations");
            (d.name, ann.spans.iter().map(|x| x.label).collect())
        })
        .collect();
    let id = |name: &str| s.labels().by_name(name).expect("label").id;
    assert_eq!(
        copies,
        [
            ("r1".to_string(), vec![id("PER")]),
            ("r2".to_string(), vec![id("ORG")]),
            ("r-c".to_string(), vec![id("EVENT")]),
        ]
    );
    let extra: Vec<DocId> = s
        .documents()
        .expect("docs")
        .into_iter()
        .filter(|d| d.name.starts_with('r'))
        .map(|d| d.id)
        .collect();
    s.delete_documents(&extra).expect("delete the copies");

    s.delete_documents(&[a]).expect("delete");
    assert_eq!(s.documents().expect("docs").len(), 1);
}

/// What every store promises of suggestions, on `s` (a manager's handle): a source kept
/// in one transaction (duplicates once, labels made by name, a failed reader keeps
/// nothing), accepted by a span at its range, rejected by an undoable edit of the layer,
/// counted per source, exported open, replaced by a new run, gone with its label.
fn suggestion_suite<S: Store>(s: &mut S) {
    let d = s
        .import(|sink| sink.add(doc("suggested", SEED, &[])), |_| true)
        .expect("import");
    let at = |needle: &str| cp(SEED, needle);
    let row = |needle: &str, label: &str, score: Option<f64>| {
        let (a, b) = at(needle);
        Ok((d, a, b, label.to_string(), score))
    };
    let rows = vec![
        row("مصطفى مهراج", "PER", Some(0.9)),
        row("جنيف", "LOC", None),
        row("جنيف", "LOC", None),
        row("بنغازي", "CITY\\tX", Some(0.25)),
    ];
    let kept = s
        .replace_suggestions("gaz", "patterns", "gaz.tsv", &mut rows.into_iter())
        .expect("keep");
    assert_eq!(kept, 3, "the same range and label once");
    s.reload().expect("reload");
    let city = s
        .labels()
        .by_name("CITY\\tX")
        .expect("a label made by name")
        .id;
    let loc = s.labels().by_name("LOC").expect("LOC").id;
    let per = s.labels().by_name("PER").expect("PER").id;
    let got = s.suggestions(d).expect("suggestions");
    let mut want = vec![
        (at("مصطفى مهراج"), per, Some(0.9)),
        (at("جنيف"), loc, None),
        (at("بنغازي"), city, Some(0.25)),
    ];
    want.sort_by_key(|w| w.0);
    assert_eq!(
        got.iter()
            .map(|x| ((x.span.start, x.span.end), x.span.label, x.score))
            .collect::<Vec<_>>(),
        want
    );
    assert!(got.iter().all(|x| x.source == "gaz"));

    // Accept one (a span at its range), reject another (an edit of the layer).
    let (ms, me) = at("مصطفى مهراج");
    s.apply(
        d,
        &Edit::AddSpan {
            span: Span::new(ms, me, per).expect("span"),
        },
    )
    .expect("accept");
    let (gs, ge) = at("جنيف");
    let reject = Edit::Reject {
        span: Span::new(gs, ge, loc).expect("span"),
    };
    s.apply(d, &reject).expect("reject");
    assert_eq!(
        s.annotations(d)
            .expect("ann")
            .rejected
            .iter()
            .collect::<Vec<_>>(),
        [&Span::new(gs, ge, loc).expect("span")]
    );
    let counts = |s: &S| {
        s.suggestion_stats(None)
            .expect("stats")
            .into_iter()
            .map(|x| (x.name, x.open, x.accepted, x.rejected, x.total))
            .collect::<Vec<_>>()
    };
    assert_eq!(counts(s), [("gaz".to_string(), 1, 1, 1, 3)]);
    let open = |s: &S, source: Option<&str>| -> Vec<(usize, usize, String)> {
        s.export_suggestions(None, source, None, None)
            .expect("export")
            .map(|x| x.expect("doc"))
            .filter(|x| x.name == "suggested")
            .flat_map(|x| x.spans)
            .map(|t| (t.start, t.end, t.label))
            .collect()
    };
    let (ts, te) = at("بنغازي");
    assert_eq!(open(s, Some("gaz")), [(ts, te, "CITY\\tX".to_string())]);
    assert_eq!(open(s, None), open(s, Some("gaz")));
    assert!(
        s.export_suggestions(None, Some("nope"), None, None)
            .err()
            .is_some_and(|e| e.to_string().contains("gaz")),
        "an unknown source names the ones there are"
    );
    // Undo takes the rejection back; redo makes it again.
    s.undo_expecting(d, &reject.inverse()).expect("undo");
    assert!(s.annotations(d).expect("ann").rejected.is_empty());
    assert_eq!(counts(s), [("gaz".to_string(), 2, 1, 0, 3)]);
    s.redo_expecting(d, &reject).expect("redo");
    assert!(s.apply(d, &reject).is_err(), "rejected twice");

    // A reader that fails keeps nothing: the last run stays.
    let failing = vec![
        row("ليبيا", "LOC", None),
        Err(StoreError::Invalid {
            path: "reader".into(),
            message: "cancelled".into(),
        }),
    ];
    assert!(
        s.replace_suggestions("gaz", "patterns", "gaz.tsv", &mut failing.into_iter())
            .is_err()
    );
    assert_eq!(s.suggestions(d).expect("suggestions").len(), 3);
    // So does a suggestion of a document the project does not hold.
    let elsewhere = vec![
        row("ليبيا", "LOC", None),
        Ok((DocId(d.0 + 1000), 0, 3, "LOC".to_string(), None)),
    ];
    assert!(
        s.replace_suggestions("gaz", "patterns", "gaz.tsv", &mut elsewhere.into_iter())
            .is_err()
    );
    assert_eq!(s.suggestions(d).expect("suggestions").len(), 3);
    // A new run replaces the source; the rejection holds whoever suggests it again.
    let rows = vec![row("جنيف", "LOC", None), row("بنغازي", "CITY\\tX", None)];
    s.replace_suggestions("gaz", "patterns", "gaz2.tsv", &mut rows.into_iter())
        .expect("again");
    assert_eq!(counts(s), [("gaz".to_string(), 1, 0, 1, 2)]);
    let stats = s.suggestion_stats(None).expect("stats");
    assert_eq!(stats[0].origin, "gaz2.tsv");
    // Deleting a label takes its suggestions.
    s.reload().expect("reload");
    s.delete_label(city).expect("delete label");
    assert_eq!(counts(s), [("gaz".to_string(), 0, 0, 1, 1)]);
    assert!(open(s, None).is_empty());
    // Deleting the document takes its suggestions.
    s.delete_documents(&[d]).expect("delete");
    assert_eq!(counts(s), [("gaz".to_string(), 0, 0, 0, 0)]);
}

/// Relations and document labels, on `s` (a new, empty project): imported with a
/// document, edited, moved with a resized span, refused on a span's removal, listed and
/// filtered, and deleted with their labels.
fn relation_suite<S: Store>(s: &mut S) {
    use tawsim_core::domain::{LabelKind, LabelOptions, Relation, TaggedRelation};
    let mut d = doc(
        "rel",
        SEED,
        &[
            ("مصطفى مهراج", "PER"),
            ("خليفة حفتر", "PER"),
            ("بنغازي", "LOC"),
        ],
    );
    d.relations = vec![TaggedRelation {
        from: 0,
        to: 1,
        label: "meets".into(),
    }];
    d.doc_labels = vec!["politics".into()];
    let id = s.import(|sink| sink.add(d), |_| true).expect("import");
    let labels = s.labels().clone();
    let l = |n: &str| labels.by_name(n).expect(n).clone();
    let (meets, politics, per, loc) = (l("meets"), l("politics"), l("PER").id, l("LOC").id);
    assert_eq!(
        (meets.kind, politics.kind),
        (LabelKind::Relation, LabelKind::Document)
    );
    let span = |needle: &str, label| {
        let (a, b) = cp(SEED, needle);
        Span::new(a, b, label).expect("span")
    };
    let (mahraj, haftar, ben) = (
        span("مصطفى مهراج", per),
        span("خليفة حفتر", per),
        span("بنغازي", loc),
    );
    let met = Relation {
        from: mahraj,
        to: haftar,
        label: meets.id,
    };
    let ann = s.annotations(id).expect("read");
    assert_eq!(ann.relations.iter().copied().collect::<Vec<_>>(), [met]);
    assert_eq!(
        ann.doc_labels.iter().copied().collect::<Vec<_>>(),
        [politics.id]
    );
    let row = s
        .documents()
        .expect("list")
        .into_iter()
        .find(|x| x.id == id);
    assert_eq!(row.map(|r| r.doc_labels), Some(vec![politics.id]));
    assert!(s.documents_with_label(meets.id).expect("f").contains(&id));
    assert!(
        s.documents_with_label(politics.id)
            .expect("f")
            .contains(&id)
    );
    // A relation type's options are kept.
    let mut set = labels.clone();
    if let Some(x) = set.get_mut(meets.id) {
        x.options = LabelOptions {
            undirected: true,
            from: vec![per],
            ..LabelOptions::default()
        };
    }
    s.save_labels(&set).expect("options");
    s.reload().expect("reload");
    assert!(s.labels().get(meets.id).expect("meets").options.undirected);
    // Edits: a second relation, a resized span takes its relations along, removal refused.
    let lives = Relation {
        from: haftar,
        to: ben,
        label: meets.id,
    };
    s.apply(id, &Edit::AddRelation { relation: lives })
        .expect("add");
    let wider = Span::new(haftar.start, haftar.end + 1, per).expect("wider");
    s.apply(
        id,
        &Edit::ReplaceSpan {
            from: haftar,
            to: wider,
        },
    )
    .expect("resize");
    let ann = s.annotations(id).expect("read");
    assert!(ann.relations.contains(&Relation { to: wider, ..met }));
    assert!(ann.relations.contains(&Relation {
        from: wider,
        ..lives
    }));
    assert!(s.apply(id, &Edit::RemoveSpan { span: wider }).is_err());
    s.apply(id, &Edit::RemoveDocLabel { label: politics.id })
        .expect("untick");
    assert!(s.annotations(id).expect("read").doc_labels.is_empty());
    // Deleting the relation type takes its relations (counted), not the spans.
    assert_eq!(s.label_usage(meets.id).expect("usage"), 2);
    assert_eq!(s.delete_label(meets.id).expect("delete"), 2);
    let ann = s.annotations(id).expect("read");
    assert!(ann.relations.is_empty());
    assert_eq!(ann.spans.len(), 3);
    s.delete_documents(&[id]).expect("delete doc");
}

#[test]
fn the_sqlite_project_file_keeps_the_store_promises() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut p = Project::create_as(&dir.path().join("p.tawsim"), "amina").expect("create");
    suite(&mut p);
    suggestion_suite(&mut p);
    relation_suite(&mut p);
}

/// A large import into `s` (a new project): more documents than one batch of a team import
/// sends, with statuses, times, metadata, relations and document labels here and there;
/// what the project then exports.
fn bulk_import<S: Store>(s: &mut S) -> Vec<AnnotatedDocument> {
    use tawsim_core::domain::TaggedRelation;
    let words: Vec<&str> = SEED.split_whitespace().collect();
    let statuses = [DocStatus::New, DocStatus::InProgress, DocStatus::Done];
    s.import(
        |sink| {
            for i in 0..5_000 {
                let (a, b) = (words[i % words.len()], words[(i * 7 + 3) % words.len()]);
                let (la, lb) = (a.chars().count(), b.chars().count());
                let mut d = AnnotatedDocument {
                    name: format!("d{i}"),
                    text: format!("{a} {b} {i}"),
                    status: statuses[i % 3],
                    active_seconds: (i % 4 == 0).then_some(i as f64 / 2.0 + 0.5),
                    spans: vec![TaggedSpan::new(0, la, ["PER", "LOC", "ORG"][i % 3])],
                    ..Default::default()
                };
                if i % 5 == 0 {
                    d.meta.insert("i".into(), i.into());
                }
                if i % 997 == 0 {
                    d.spans.push(TaggedSpan::new(la + 1, la + 1 + lb, "LOC"));
                    d.relations = vec![TaggedRelation {
                        from: 0,
                        to: 1,
                        label: "near".into(),
                    }];
                    d.doc_labels = vec!["news".into()];
                }
                sink.add(d)?;
            }
            Ok::<_, StoreError>(())
        },
        |_| true,
    )
    .expect("bulk import");
    s.export_docs(None, None, None)
        .expect("export")
        .map(|d| d.expect("doc"))
        .collect()
}

#[test]
fn a_large_import_lands_alike_in_both_backends() {
    let Some(server) = pg::server("a_large_import_lands_alike_in_both_backends") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let mut file = Project::create_as(&dir.path().join("p.tawsim"), "amina").expect("create");
    let in_file = bulk_import(&mut file);
    assert_eq!(in_file.len(), 5_000);
    assert_eq!(in_file[997].relations.len(), 1);
    assert_eq!(in_file[4_000].active_seconds, Some(2_000.5));
    let (_, mut team) = team(server);
    let in_team = bulk_import(&mut team);
    assert_eq!(in_team.len(), in_file.len());
    for (t, f) in in_team.iter().zip(&in_file) {
        assert_eq!(t, f, "{}", f.name);
    }
    let statuses = team.documents().expect("documents");
    assert_eq!(statuses.len(), 5_000);
    assert_eq!(statuses[4_999].status, DocStatus::InProgress);
    assert_eq!(statuses[4_999].chars, in_file[4_999].text.chars().count());
}

/// A new team project on the test server, opened as its manager (the superuser).
fn team(server: &pg::Server) -> (TeamLocation, PgProject) {
    let name = pg::unique("t");
    let loc = TeamLocation::parse(&server.project_url("postgres", &name), None).expect("url");
    team_init(&loc).expect("team init");
    let p = PgProject::open(&loc).expect("open");
    (loc, p)
}

#[test]
fn the_postgresql_team_project_keeps_the_store_promises() {
    let Some(server) = pg::server("the_postgresql_team_project_keeps_the_store_promises") else {
        return;
    };
    let (loc, mut p) = team(server);
    assert_eq!(p.annotator().1, "postgres");
    assert_eq!(p.annotator().2, Role::Manager, "who makes it manages it");
    suite(&mut p);
    suggestion_suite(&mut p);
    relation_suite(&mut p);
    // A second init of the same project is refused.
    assert!(matches!(
        team_init(&loc),
        Err(StoreError::AlreadyExists { .. })
    ));
}

#[test]
fn row_level_security_keeps_each_annotator_to_their_own_layer_in_plain_sql() {
    let Some(server) =
        pg::server("row_level_security_keeps_each_annotator_to_their_own_layer_in_plain_sql")
    else {
        return;
    };
    let (loc, mut m) = team(server);
    let (amina, bilal) = (pg::unique("amina"), pg::unique("bilal"));
    add_annotator(&loc, &amina, Role::Annotator, Some("pw-a")).expect("add amina");
    add_annotator(&loc, &bilal, Role::Annotator, Some("pw-b")).expect("add bilal");
    m.import(|sink| sink.add(doc("libya", SEED, &[])).map(drop), |_| true)
        .expect("import");
    m.reload().expect("reload");
    let d = m.documents().expect("docs")[0].id;
    let per = m.labels().by_name("PER").expect("PER").id;
    let (s, e) = cp(SEED, "مصطفى مهراج");

    // Each annotator writes their own layer through the store.
    let open = |user: &str| {
        PgProject::open(
            &TeamLocation::parse(&server.project_url(user, &loc.project), None).expect("url"),
        )
        .expect("open as annotator")
    };
    let mut a = open(&amina);
    a.apply(
        d,
        &Edit::AddSpan {
            span: Span::new(s, e, per).expect("span"),
        },
    )
    .expect("amina adds");
    let mut b = open(&bilal);
    assert!(
        b.annotations(d).expect("ann").spans.is_empty(),
        "bilal's layer is his own"
    );
    let a_id = a.annotator().0.expect("amina's id");
    assert!(!b.may_view(a_id));
    assert!(
        b.annotations_of(d, a_id).expect("read").spans.is_empty(),
        "blind: the database returns none of amina's spans to bilal"
    );
    // The store refuses what the role may not do: labels, settings, documents.
    let mut set = b.labels().clone();
    set.add("SECRET").expect("add label");
    assert!(
        b.save_labels(&set)
            .is_err_and(|e| e.to_string().contains("permission denied")),
        "an annotator cannot change labels"
    );
    assert!(b.save_settings(ProjectSettings::default()).is_err());
    assert!(b.delete_documents(&[d]).is_err());

    // Plain SQL as bilal's role: refused by the database itself.
    let q = format!("tawsim_{}", loc.project);
    let mut c = server.client(&bilal);
    let err = c
        .execute(
            &format!("INSERT INTO {q}.layer_spans (doc_id, annotator_id, start, \"end\", label_id) VALUES ($1, $2, 0, 3, $3)"),
            &[&d.0, &a_id.0, &(per.0 as i32)],
        )
        .expect_err("writing into amina's layer");
    let err = describe(&err);
    assert!(err.contains("row-level security"), "{err}");
    let n = c
        .execute(
            &format!("DELETE FROM {q}.layer_spans WHERE annotator_id = $1"),
            &[&a_id.0],
        )
        .expect("a delete that sees nothing");
    assert_eq!(n, 0, "amina's spans are out of bilal's reach");
    let n = c
        .execute(
            &format!("UPDATE {q}.layer_status SET status = 'done' WHERE annotator_id = $1"),
            &[&a_id.0],
        )
        .expect("update");
    assert_eq!(n, 0);
    for sql in [
        format!("UPDATE {q}.labels SET name = 'X'"),
        format!(
            "INSERT INTO {q}.meta (key, value) VALUES ('others_visible', '1') ON CONFLICT (key) DO UPDATE SET value = '1'"
        ),
        format!("DELETE FROM {q}.documents"),
        format!("UPDATE {q}.annotators SET role = 'manager'"),
        format!(
            "INSERT INTO {q}.assignments (doc_id, annotator_id) VALUES ({}, {})",
            d.0, a_id.0
        ),
    ] {
        let err = describe(&c.batch_execute(&sql).expect_err(&sql));
        assert!(err.contains("permission denied"), "{sql}: {err}");
    }
    let seen: i64 = c
        .query_one(&format!("SELECT COUNT(*) FROM {q}.layer_spans"), &[])
        .expect("count")
        .get(0);
    assert_eq!(
        seen, 0,
        "bilal reads none of amina's spans while the project is blind"
    );
    // The manager sees every layer; once layers are shown, bilal reads amina's too.
    assert_eq!(
        m.annotations_of(d, a_id)
            .expect("manager reads")
            .spans
            .len(),
        1
    );
    let shown = ProjectSettings {
        others_visible: true,
        ..m.settings()
    };
    m.save_settings(shown).expect("show layers");
    let seen: i64 = c
        .query_one(&format!("SELECT COUNT(*) FROM {q}.layer_spans"), &[])
        .expect("count")
        .get(0);
    assert_eq!(seen, 1);
    b.reload().expect("reload");
    assert!(b.may_view(a_id));
    assert_eq!(b.annotations_of(d, a_id).expect("read").spans.len(), 1);
    // Still read-only to him.
    let err = c
        .execute(
            &format!("DELETE FROM {q}.layer_spans WHERE annotator_id = $1"),
            &[&a_id.0],
        )
        .expect("delete");
    assert_eq!(err, 0);
    // A role that is no annotator of the project reads nothing at all.
    let stranger = pg::unique("stranger");
    let mut su = server.client("postgres");
    su.batch_execute(&format!("CREATE ROLE \"{stranger}\" LOGIN"))
        .expect("role");
    let err = PgProject::open(
        &TeamLocation::parse(&server.project_url(&stranger, &loc.project), None).expect("url"),
    )
    .err()
    .expect("a stranger is refused");
    assert!(err.to_string().contains("permission denied"), "{err}");
}

#[test]
fn a_write_of_labels_from_a_stale_copy_is_refused_not_last_writer_wins() {
    let Some(server) =
        pg::server("a_write_of_labels_from_a_stale_copy_is_refused_not_last_writer_wins")
    else {
        return;
    };
    let (_, mut one) = team(server);
    let mut two = one.worker().expect("second handle");
    let mut a = one.labels().clone();
    a.add("FAC").expect("add");
    one.save_labels(&a).expect("first write");
    let mut b: LabelSet = two.labels().clone();
    b.add("NORP").expect("add");
    let err = two.save_labels(&b).expect_err("stale");
    assert!(err.to_string().contains("changed by someone else"), "{err}");
    assert!(two.save_settings(ProjectSettings::default()).is_err());
    // Nothing of the stale write landed.
    let fresh = one.worker().expect("fresh");
    assert!(fresh.labels().by_name("FAC").is_some());
    assert!(fresh.labels().by_name("NORP").is_none());
    // After reading again, the write goes through.
    two.reload().expect("reload");
    let mut b = two.labels().clone();
    b.add("NORP").expect("add");
    two.save_labels(&b).expect("fresh write");
    assert!(one.save_labels(&a).is_err(), "now the first copy is stale");
}

#[test]
fn push_uploads_a_local_project_with_every_layer_and_its_history() {
    let Some(server) = pg::server("push_uploads_a_local_project_with_every_layer_and_its_history")
    else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("local.tawsim");
    let (amina, bilal) = (pg::unique("amina"), pg::unique("bilal"));
    let mut local = Project::create_as(&path, &amina).expect("create");
    local
        .import(
            |sink| {
                sink.add(doc("libya", SEED, &[("مصطفى مهراج", "PER")]))?;
                sink.add(doc("second", "وصل الوفد إلى جنيف.", &[]))
                    .map(drop)
            },
            |_| true,
        )
        .expect("import");
    let d = local.documents().expect("docs")[1].id;
    let loc_ = cp("وصل الوفد إلى جنيف.", "جنيف");
    let l = local.labels().by_name("LOC").expect("LOC").id;
    let add = Edit::AddSpan {
        span: Span::new(loc_.0, loc_.1, l).expect("span"),
    };
    local.apply(d, &add).expect("add");
    local.set_annotator(&bilal).expect("bilal");
    local
        .apply(
            d,
            &Edit::SetStatus {
                from: DocStatus::New,
                to: DocStatus::Done,
            },
        )
        .expect("bilal's status");
    // A suggestion source: amina's span accepts one, bilal rejects the other.
    let team_ = cp("وصل الوفد إلى جنيف.", "الوفد");
    let rows = vec![
        Ok((d, loc_.0, loc_.1, "LOC".to_string(), Some(0.75))),
        Ok((d, team_.0, team_.1, "ORG".to_string(), None)),
    ];
    local
        .replace_suggestions("gaz", "patterns", "g.tsv", rows)
        .expect("suggestions");
    let org = local.labels().by_name("ORG").expect("ORG").id;
    local
        .apply(
            d,
            &Edit::Reject {
                span: Span::new(team_.0, team_.1, org).expect("span"),
            },
        )
        .expect("bilal rejects");
    drop(local);
    let local = Project::open_read_only_as(&path, &amina).expect("reopen");

    let (loc, mut team) = team(server);
    let (docs, spans) = team.push(&local).expect("push");
    assert_eq!((docs, spans), (2, 2));
    let names: Vec<String> = team
        .annotators()
        .expect("a")
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert!(names.contains(&amina) && names.contains(&bilal));
    let layer = |name: &str| {
        team.annotators()
            .expect("a")
            .into_iter()
            .find(|a| a.name == name)
            .expect("annotator")
            .id
    };
    let amina_docs: Vec<_> = team
        .export_docs(Some(layer(&amina)), None, None)
        .expect("export")
        .collect::<Result<_, _>>()
        .expect("docs");
    let local_docs: Vec<_> = local
        .export_iter(None, None, None)
        .expect("export")
        .collect::<Result<_, _>>()
        .expect("docs");
    assert_eq!(amina_docs, local_docs, "amina's layer arrives unchanged");
    assert_eq!(
        team.annotations_of(d, layer(&bilal)).expect("bilal").status,
        DocStatus::Done
    );
    // The suggestions came along, and what each layer did with them.
    let counts = |who: &str| {
        team.suggestion_stats(Some(layer(who)))
            .expect("stats")
            .into_iter()
            .map(|x| (x.name, x.kind, x.origin, x.open, x.accepted, x.rejected))
            .collect::<Vec<_>>()
    };
    let g = |o, a, r| {
        (
            "gaz".to_string(),
            "patterns".to_string(),
            "g.tsv".to_string(),
            o,
            a,
            r,
        )
    };
    assert_eq!(counts(&amina), [g(1, 1, 0)]);
    assert_eq!(counts(&bilal), [g(1, 0, 1)]);
    assert_eq!(
        team.suggestions(d).expect("s"),
        local.suggestions(d).expect("s")
    );
    // The history came along: once amina has a role, her add can be undone on the server.
    add_annotator(&loc, &amina, Role::Annotator, None).expect("amina's role");
    let mut as_amina = PgProject::open(
        &TeamLocation::parse(&server.project_url(&amina, &loc.project), None).expect("url"),
    )
    .expect("open as amina");
    assert_eq!(
        as_amina.history(d).expect("h").stacks().0,
        &[add.clone()][..]
    );
    as_amina
        .undo_expecting(d, &add.inverse())
        .expect("undo on the server");
    assert!(as_amina.annotations(d).expect("ann").spans.is_empty());
    // A second push into the same project is refused.
    assert!(
        team.push(&local)
            .is_err_and(|e| e.to_string().contains("already holds"))
    );
}

/// A CA and a server certificate for 127.0.0.1 signed by it, made with openssl in `dir`.
fn certificates(dir: &std::path::Path, ca: &str) -> Result<(), String> {
    let openssl = |args: &[&str]| {
        pg::run(
            std::process::Command::new("openssl")
                .current_dir(dir)
                .args(args),
        )
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        &format!("/CN={ca}"),
        "-keyout",
        &format!("{ca}.key"),
        "-out",
        &format!("{ca}.crt"),
    ])?;
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    ])?;
    std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1\n")
        .map_err(|e| e.to_string())?;
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        &format!("{ca}.crt"),
        "-CAkey",
        &format!("{ca}.key"),
        "-CAcreateserial",
        "-days",
        "2",
        "-out",
        "server.crt",
        "-extfile",
        "san.ext",
    ])?;
    // The server refuses a key others can read.
    pg::run(
        std::process::Command::new("chmod")
            .arg("600")
            .arg(dir.join("server.key")),
    )
}

#[test]
fn sslmode_require_and_verify_full_reach_a_server_with_a_certificate_made_in_the_test() {
    let test = "sslmode_require_and_verify_full_reach_a_server_with_a_certificate_made_in_the_test";
    let mut folder = std::path::PathBuf::new();
    let started = pg::own_server(
        test,
        &[
            "ssl=on",
            "ssl_cert_file={dir}/server.crt",
            "ssl_key_file={dir}/server.key",
        ],
        |dir| {
            folder = dir.to_path_buf();
            certificates(dir, "tawsim-test-ca")
        },
    );
    let Some(server) = started else {
        return;
    };
    let base = format!("postgres://postgres@127.0.0.1:{}/postgres", server.port);
    let project = pg::unique("tls");
    // require: encrypted, any certificate (as libpq without a root certificate).
    let loc = TeamLocation::parse(&format!("{base}?project={project}&sslmode=require"), None)
        .expect("url");
    team_init(&loc).expect("team init over TLS");
    let p = PgProject::open(&loc).expect("open over TLS");
    assert_eq!(p.labels().len(), LabelSet::arabic_news().len());
    // The server says the connection is encrypted (pg_stat_ssl of this backend).
    let mut c = postgres::Client::connect(&base, postgres::NoTls).expect("plain superuser");
    let encrypted: i64 = c
        .query_one(
            "SELECT COUNT(*) FROM pg_stat_ssl s JOIN pg_stat_activity a ON a.pid = s.pid
             WHERE s.ssl AND a.application_name = 'tawsim'",
            &[],
        )
        .expect("pg_stat_ssl")
        .get(0);
    assert!(encrypted >= 1, "tawsim's connection is not encrypted");
    drop(p);
    // verify-full against the CA that signed the server's certificate.
    let ca = folder.join("tawsim-test-ca.crt");
    let verified = TeamLocation::parse(
        &format!(
            "{base}?project={project}&sslmode=verify-full&sslrootcert={}",
            ca.display()
        ),
        None,
    )
    .expect("url");
    PgProject::open(&verified).expect("verify-full with the right CA");
    // verify-full against another CA is refused.
    let other = tempfile::tempdir().expect("tmp");
    certificates(other.path(), "another-ca").expect("another CA");
    let wrong = TeamLocation::parse(
        &format!(
            "{base}?project={project}&sslmode=verify-full&sslrootcert={}",
            other.path().join("another-ca.crt").display()
        ),
        None,
    )
    .expect("url");
    let err = PgProject::open(&wrong)
        .err()
        .expect("a certificate of another CA");
    assert!(err.to_string().contains("certificate"), "{err}");
    // sslmode=require on a server without TLS is refused, not sent in the clear.
    if let Some(plain) = pg::server(test) {
        let loc = TeamLocation::parse(
            &format!(
                "postgres://postgres@{}:{}/postgres?project={project}&sslmode=require",
                plain.host, plain.port
            ),
            None,
        )
        .expect("url");
        assert!(PgProject::open(&loc).is_err());
    }
}

#[test]
fn a_manager_who_is_no_superuser_makes_and_runs_a_team_project() {
    let Some(server) = pg::server("a_manager_who_is_no_superuser_makes_and_runs_a_team_project")
    else {
        return;
    };
    // What a real deployment gives its team lead: may create roles and schemas, no more.
    let boss = pg::unique("boss");
    let mut su = server.client("postgres");
    su.batch_execute(&format!(
        "CREATE ROLE \"{boss}\" LOGIN CREATEROLE; GRANT CREATE ON DATABASE postgres TO \"{boss}\""
    ))
    .expect("boss role");
    let project = pg::unique("lead");
    let loc = TeamLocation::parse(&server.project_url(&boss, &project), None).expect("url");
    team_init(&loc).expect("team init as a non-superuser");
    let amina = pg::unique("amina");
    add_annotator(&loc, &amina, Role::Annotator, Some("pw")).expect("add annotator");
    let mut m = PgProject::open(&loc).expect("open as boss");
    assert_eq!(m.annotator().2, Role::Manager);
    m.import(
        |sink| {
            sink.add(doc("libya", SEED, &[("مصطفى مهراج", "PER")]))?;
            sink.add(doc("second", "وصل الوفد إلى جنيف.", &[("جنيف", "LOC")]))
                .map(drop)
        },
        |_| true,
    )
    .expect("the manager imports");
    m.reload().expect("reload");
    let docs = m.documents().expect("docs");
    let (d0, d1) = (docs[0].id, docs[1].id);
    let mut a = PgProject::open(
        &TeamLocation::parse(&server.project_url(&amina, &project), None).expect("url"),
    )
    .expect("open as amina");
    let per = a.labels().by_name("PER").expect("PER").id;
    let (s, e) = cp(SEED, "مصطفى مهراج");
    a.apply(
        d0,
        &Edit::AddSpan {
            span: Span::new(s, e, per).expect("span"),
        },
    )
    .expect("amina annotates");
    let a_id = a.annotator().0.expect("id");
    // The manager reads every layer, but cannot write into amina's.
    assert_eq!(m.annotations_of(d0, a_id).expect("read").spans.len(), 1);
    let mut c = server.client(&boss);
    let q = format!("tawsim_{project}");
    let err = c
        .execute(
            &format!("INSERT INTO {q}.layer_spans (doc_id, annotator_id, start, \"end\", label_id) VALUES ($1, $2, 0, 2, $3)"),
            &[&d1.0, &a_id.0, &(per.0 as i32)],
        )
        .expect_err("a manager writing into an annotator's layer");
    assert!(
        describe(&err).contains("row-level security"),
        "{}",
        describe(&err)
    );
    // Labels, settings; deleting a label takes its spans in every layer; deleting a
    // document takes every layer's rows with it.
    let mut set = m.labels().clone();
    set.add("FAC").expect("add");
    m.save_labels(&set).expect("labels");
    m.save_settings(ProjectSettings {
        others_visible: true,
        ..m.settings()
    })
    .expect("settings");
    assert_eq!(
        m.delete_label(per).expect("delete PER"),
        2,
        "boss's and amina's"
    );
    assert_eq!(m.delete_documents(&[d1]).expect("delete"), 1);
    let left: i64 = su
        .query_one(&format!("SELECT COUNT(*) FROM {q}.layer_spans"), &[])
        .expect("count")
        .get(0);
    assert_eq!(left, 0);
    assert_eq!(m.documents().expect("docs").len(), 1);
}

#[test]
fn suggestions_are_everyones_to_read_and_each_annotators_rejections_their_own_in_plain_sql() {
    let Some(server) = pg::server("suggestions_are_everyones_to_read") else {
        return;
    };
    let (loc, mut m) = team(server);
    let (amina, bilal) = (pg::unique("amina"), pg::unique("bilal"));
    add_annotator(&loc, &amina, Role::Annotator, Some("pw-a")).expect("add amina");
    add_annotator(&loc, &bilal, Role::Annotator, Some("pw-b")).expect("add bilal");
    let d = m
        .import(|sink| sink.add(doc("libya", SEED, &[])), |_| true)
        .expect("import");
    m.reload().expect("reload");
    let loc_label = m.labels().by_name("LOC").expect("LOC").id;
    let (gs, ge) = cp(SEED, "جنيف");
    let (bs, be) = cp(SEED, "بنغازي");
    let rows = vec![
        Ok((d, gs, ge, "LOC".to_string(), Some(0.5))),
        Ok((d, bs, be, "LOC".to_string(), None)),
    ];
    m.replace_suggestions("gaz", "patterns", "g.tsv", &mut rows.into_iter())
        .expect("a manager keeps suggestions");
    let open = |user: &str| {
        PgProject::open(
            &TeamLocation::parse(&server.project_url(user, &loc.project), None).expect("url"),
        )
        .expect("open as annotator")
    };
    let mut a = open(&amina);
    let b = open(&bilal);
    // Everyone reads the project's suggestions; an annotator may not keep any.
    assert_eq!(a.suggestions(d).expect("read").len(), 2);
    let refused = a
        .replace_suggestions("mine", "patterns", "", &mut std::iter::empty())
        .expect_err("an annotator keeps none");
    assert!(refused.to_string().contains("only a manager"), "{refused}");
    // amina rejects one: her layer's, not bilal's.
    let reject = Edit::Reject {
        span: Span::new(gs, ge, loc_label).expect("span"),
    };
    a.apply(d, &reject).expect("amina rejects");
    assert_eq!(a.annotations(d).expect("ann").rejected.len(), 1);
    assert!(b.annotations(d).expect("ann").rejected.is_empty());
    let a_id = a.annotator().0.expect("amina's id");
    assert!(
        b.annotations_of(d, a_id).expect("read").rejected.is_empty(),
        "blind: the database returns none of amina's rejections to bilal"
    );
    let open_of = |p: &PgProject| p.suggestion_stats(None).expect("stats")[0].open;
    assert_eq!((open_of(&a), open_of(&b)), (1, 2));
    assert_eq!(
        m.suggestion_stats(Some(a_id)).expect("stats")[0].rejected,
        1
    );

    // Plain SQL as bilal's role: refused by the database itself.
    let q = format!("tawsim_{}", loc.project);
    let mut c = server.client(&bilal);
    for sql in [
        format!(
            "INSERT INTO {q}.suggestions (doc_id, source_id, start, \"end\", label_id) SELECT {}, id, 0, 3, {} FROM {q}.suggestion_sources",
            d.0, loc_label.0
        ),
        format!("DELETE FROM {q}.suggestions"),
        format!("UPDATE {q}.suggestion_sources SET name = 'x'"),
    ] {
        let err = describe(&c.batch_execute(&sql).expect_err(&sql));
        assert!(err.contains("permission denied"), "{sql}: {err}");
    }
    let err = c
        .execute(
            &format!("INSERT INTO {q}.layer_rejections (doc_id, annotator_id, start, \"end\", label_id) VALUES ($1, $2, $3, $4, $5)"),
            &[&d.0, &a_id.0, &(bs as i64), &(be as i64), &(loc_label.0 as i32)],
        )
        .expect_err("rejecting in amina's layer");
    assert!(
        describe(&err).contains("row-level security"),
        "{}",
        describe(&err)
    );
    let seen: i64 = c
        .query_one(&format!("SELECT COUNT(*) FROM {q}.layer_rejections"), &[])
        .expect("count")
        .get(0);
    assert_eq!(seen, 0, "amina's rejections are out of bilal's sight");
    let gone = c
        .execute(&format!("DELETE FROM {q}.layer_rejections"), &[])
        .expect("a delete that sees nothing");
    assert_eq!(gone, 0);
    assert_eq!(a.annotations(d).expect("ann").rejected.len(), 1);
}

#[test]
fn a_schema_2_team_project_keeps_suggestions_once_its_owner_opened_it() {
    let Some(server) = pg::server("a_schema_2_team_project_keeps_suggestions") else {
        return;
    };
    let (loc, mut m) = team(server);
    let amina = pg::unique("amina");
    add_annotator(&loc, &amina, Role::Annotator, Some("pw-a")).expect("add amina");
    let d = m
        .import(|sink| sink.add(doc("libya", SEED, &[])), |_| true)
        .expect("import");
    drop(m);
    // What an older tawsim made: schema 2, without the suggestion tables.
    let q = format!("tawsim_{}", loc.project);
    let mut su = server.client("postgres");
    su.batch_execute(&format!(
        "DROP TABLE {q}.layer_relations, {q}.layer_doc_labels;
         ALTER TABLE {q}.labels DROP COLUMN kind, DROP COLUMN options;
         DROP TABLE {q}.suggestions, {q}.layer_rejections, {q}.suggestion_sources, {q}.text_index;
         DELETE FROM {q}.meta WHERE key = 'suggestions_version';
         UPDATE {q}.meta SET value = '2' WHERE key = 'schema_version'"
    ))
    .expect("back to schema 2");
    let version = |su: &mut postgres::Client| -> String {
        su.query_one(
            &format!("SELECT value FROM {q}.meta WHERE key = 'schema_version'"),
            &[],
        )
        .expect("version")
        .get(0)
    };
    // An annotator (not the owner) reads it as it is: no suggestions, a clear refusal.
    let aloc = TeamLocation::parse(&server.project_url(&amina, &loc.project), None).expect("url");
    let a = PgProject::open(&aloc).expect("amina opens");
    assert_eq!(version(&mut su), "2");
    assert!(a.suggestions(d).expect("none").is_empty());
    assert!(a.annotations(d).expect("ann").rejected.is_empty());
    let why = a
        .export_suggestions(None, None, None, None)
        .err()
        .expect("no suggestions to export");
    assert!(why.to_string().contains("older tawsim"), "{why}");
    // The owner opens it: upgraded in place, and suggestions are kept.
    let mut m = PgProject::open(&loc).expect("owner opens");
    assert_eq!(version(&mut su), "4");
    // Its documents are not in the new search index until a manager's update puts them.
    let never = std::sync::atomic::AtomicBool::new(false);
    assert_eq!(m.update_text_index(&never).expect("index"), 1);
    assert_eq!(m.update_text_index(&never).expect("index"), 0);
    let (s, e) = cp(SEED, "جنيف");
    m.replace_suggestions(
        "gaz",
        "patterns",
        "",
        &mut vec![Ok((d, s, e, "LOC".to_string(), None))].into_iter(),
    )
    .expect("kept after the upgrade");
    let a = PgProject::open(&aloc).expect("amina opens again");
    assert_eq!(a.suggestions(d).expect("read").len(), 1);
}

#[test]
fn an_edit_whose_connection_is_cut_in_the_middle_is_tried_again_not_refused() {
    let test = "an_edit_whose_connection_is_cut_in_the_middle_is_tried_again_not_refused";
    let Some(server) = pg::server(test) else {
        return;
    };
    let (loc, mut p) = team(server);
    p.import(|sink| sink.add(doc("libya", SEED, &[])).map(drop), |_| true)
        .expect("import");
    p.reload().expect("reload");
    let d = p.documents().expect("docs")[0].id;
    let per = p.labels().by_name("PER").expect("PER").id;
    let (s, e) = cp(SEED, "مصطفى مهراج");
    let schema = format!("tawsim_{}", loc.project);
    // Another session holds the spans table, so the edit's INSERT waits inside its
    // transaction; its connection is cut there (as a server shutting down does, SQLSTATE
    // 57P01), then the table is let go.
    let (locked, is_locked) = std::sync::mpsc::channel();
    let table = format!("{schema}.layer_spans");
    let holder = std::thread::spawn(move || {
        let mut c = server.client("postgres");
        let mut t = c.transaction().expect("begin");
        t.batch_execute(&format!("LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
            .expect("lock");
        locked.send(()).expect("locked");
        std::thread::sleep(std::time::Duration::from_millis(1_500));
        t.rollback().expect("let go");
    });
    is_locked.recv().expect("locked");
    let cutter = std::thread::spawn(move || {
        let mut c = server.client("postgres");
        for _ in 0..1_000 {
            // Only this test's project: other tests share the server.
            let waiting = c
                .query(
                    "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock'
                     AND pid <> pg_backend_pid() AND strpos(query, $1) > 0",
                    &[&schema],
                )
                .expect("activity");
            if let Some(row) = waiting.first() {
                let pid: i32 = row.get(0);
                c.execute("SELECT pg_terminate_backend($1)", &[&pid])
                    .expect("terminate");
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        false
    });
    let span = Span::new(s, e, per).expect("span");
    p.apply(d, &Edit::AddSpan { span })
        .expect("the edit is tried again on a new connection, not refused");
    assert!(cutter.join().expect("cutter"), "the edit never waited");
    holder.join().expect("holder");
    assert_eq!(
        p.annotations(d)
            .expect("ann")
            .spans
            .iter()
            .collect::<Vec<_>>(),
        [span]
    );
}
