//! Suggestions kept in a project file: a layer per source, what each annotator did with
//! them (accepted = a span at the range, rejected = an edit of their own layer), kept
//! across reopening and across the source being run again.

use tawsim_core::domain::{AnnotatedDocument, DocId, Edit, Span};
use tawsim_core::store::{Project, SourceStats, StoreError};
use tawsim_core::suggest::{Matcher, into_project, read_patterns};

const SEED: &str = include_str!("../../../assets/samples/libya-ceasefire-ar.txt");

fn project(dir: &std::path::Path, who: &str) -> (Project, DocId) {
    let path = dir.join("p.tawsim");
    let mut p = Project::create_as(&path, who).expect("create");
    let ids = p
        .import(
            |sink| {
                let id = sink.add(AnnotatedDocument {
                    name: "article".into(),
                    text: SEED.into(),
                    ..Default::default()
                })?;
                Ok::<_, StoreError>(vec![id])
            },
            |_| true,
        )
        .expect("import");
    (p, ids[0])
}

fn stats(p: &Project) -> Vec<(String, usize, usize, usize, usize)> {
    p.suggestion_stats(None)
        .expect("stats")
        .into_iter()
        .map(
            |SourceStats {
                 name,
                 total,
                 open,
                 accepted,
                 rejected,
                 ..
             }| (name, total, open, accepted, rejected),
        )
        .collect()
}

#[test]
fn a_gazetteer_kept_in_the_project_is_accepted_and_rejected_per_annotator_and_remembered() {
    let dir = tempfile::tempdir().expect("tmp");
    let (mut p, doc) = project(dir.path(), "amina");
    let gaz = dir.path().join("places.tsv");
    std::fs::write(&gaz, "ليبيا\tLOC\nجنيف\tLOC\nطرابلس\tLOC\n").expect("write");
    let m = Matcher::new(read_patterns(&gaz).expect("patterns"), false);
    let found = into_project(&mut p, &m, "places", "places.tsv", None, None).expect("suggest");
    let all = p.suggestions(doc).expect("suggestions");
    assert_eq!(found.spans, all.len());
    let chars: Vec<char> = SEED.chars().collect();
    let text = |s: Span| chars[s.start..s.end].iter().collect::<String>();
    let libya: Vec<Span> = all
        .iter()
        .filter(|s| text(s.span) == "ليبيا")
        .map(|s| s.span)
        .collect();
    assert_eq!(libya.len(), 4, "{all:?}");
    assert!(
        all.iter().any(|s| text(s.span) == "جنيف"),
        "بجنيف without ب"
    );
    assert!(
        all.iter()
            .all(|s| s.source == "places" && s.score.is_none())
    );
    let loc = p.labels().by_name("LOC").expect("LOC made").id;
    assert_eq!(stats(&p), [("places".into(), all.len(), all.len(), 0, 0)]);

    // amina accepts the first ليبيا, rejects the second, and takes the fourth with another
    // label (accepted too: the range is hers now).
    let mut labels = p.labels().clone();
    let per = labels.ensure("PERS").expect("PERS");
    p.save_labels(&labels).expect("labels");
    p.apply(doc, &Edit::AddSpan { span: libya[0] })
        .expect("accept");
    p.apply(doc, &Edit::Reject { span: libya[1] })
        .expect("reject");
    p.apply(
        doc,
        &Edit::AddSpan {
            span: libya[3].with_label(per),
        },
    )
    .expect("relabel");
    let n = all.len();
    assert_eq!(stats(&p), [("places".into(), n, n - 3, 2, 1)]);

    // Reopened: the rejection is amina's layer, with its history.
    let path = p.path().to_path_buf();
    drop(p);
    let p = Project::open_as(&path, "amina").expect("reopen");
    let ann = p.annotations(doc).expect("ann");
    assert!(ann.rejected.contains(&libya[1]));
    assert_eq!(stats(&p)[0].4, 1);
    // Another annotator has every suggestion open.
    drop(p);
    let b = Project::open_as(&path, "badr").expect("badr");
    assert_eq!(stats(&b), [("places".into(), n, n, 0, 0)]);
    drop(b);

    // The source run again (same name) replaces its suggestions; amina's work stays.
    let mut p = Project::open_as(&path, "amina").expect("reopen");
    std::fs::write(&gaz, "ليبيا\tLOC\n").expect("write");
    let m = Matcher::new(read_patterns(&gaz).expect("patterns"), false);
    into_project(&mut p, &m, "places", "places.tsv", None, None).expect("again");
    assert_eq!(stats(&p), [("places".into(), 4, 1, 2, 1)]);

    // Undoing the rejection opens the suggestion again.
    assert_eq!(
        p.undo(doc).expect("undo"),
        Some(Edit::RemoveSpan {
            span: libya[3].with_label(per)
        })
    );
    assert!(p.undo(doc).expect("undo").is_some());
    assert!(
        !p.annotations(doc)
            .expect("ann")
            .rejected
            .contains(&libya[1])
    );
    assert_eq!(stats(&p), [("places".into(), 4, 3, 1, 0)]);

    // Exported open suggestions: the two not accepted, rejected or covered.
    let open: Vec<_> = p
        .export_suggestions(None, Some("places"), None, None)
        .expect("export")
        .map(|d| d.expect("doc").spans)
        .collect();
    assert_eq!(open.len(), 1);
    let want: Vec<(usize, usize)> = libya[1..].iter().map(|s| (s.start, s.end)).collect();
    assert_eq!(
        open[0]
            .iter()
            .map(|s| (s.start, s.end, s.label.as_str()))
            .collect::<Vec<_>>(),
        want.iter().map(|&(a, b)| (a, b, "LOC")).collect::<Vec<_>>()
    );
    assert!(matches!(
        p.export_suggestions(None, Some("nope"), None, None),
        Err(StoreError::Invalid { message, .. }) if message.contains("places")
    ));

    // Deleting a label takes its suggestions with it.
    let mut labels = p.labels().clone();
    labels.remove(loc).expect("remove");
    assert!(p.save_labels(&labels).is_err(), "LOC is used by a span");
    assert_eq!(p.delete_label(loc).expect("delete"), 1);
    assert_eq!(stats(&p), [("places".into(), 0, 0, 0, 0)]);
    assert_eq!(p.integrity_check().expect("check"), "ok");
}

#[test]
fn a_cancelled_run_keeps_nothing_and_the_source_as_it_was() {
    let dir = tempfile::tempdir().expect("tmp");
    let (mut p, _) = project(dir.path(), "amina");
    let gaz = dir.path().join("places.tsv");
    std::fs::write(&gaz, "ليبيا\tLOC\n").expect("write");
    let m = Matcher::new(read_patterns(&gaz).expect("patterns"), false);
    into_project(&mut p, &m, "places", "places.tsv", None, None).expect("first run");
    let before = stats(&p);
    std::fs::write(&gaz, "ليبيا\tLOC\nجنيف\tLOC\n").expect("write");
    let m = Matcher::new(read_patterns(&gaz).expect("patterns"), false);
    let cancel = std::sync::atomic::AtomicBool::new(true);
    let e = into_project(&mut p, &m, "places", "places.tsv", None, Some(&cancel))
        .expect_err("cancelled");
    assert!(e.contains("cancelled"), "{e}");
    assert_eq!(stats(&p), before);
}
