//! The project store: create, reopen after drop, edits with durable undo history, refusals.

use tawsim_core::domain::{
    AnnotatedDocument, DocStatus, Edit, LabelId, OverlapPolicy, Span, TaggedSpan,
};
use tawsim_core::store::{Project, StoreError};

const SEED: &str = include_str!("../../../assets/samples/libya-ceasefire-ar.txt");

fn cp(text: &str, needle: &str) -> (usize, usize) {
    let b = text.find(needle).expect("needle in text");
    let s = text[..b].chars().count();
    (s, s + needle.chars().count())
}

fn seed_doc() -> AnnotatedDocument {
    let (s, e) = cp(SEED, "بنغازي");
    AnnotatedDocument {
        name: "libya".into(),
        text: SEED.into(),
        spans: vec![TaggedSpan::new(s, e, "LOC")],
        ..Default::default()
    }
}

fn import(p: &mut Project, docs: Vec<AnnotatedDocument>) -> Result<usize, StoreError> {
    p.import(
        |sink| {
            let n = docs.len();
            for d in docs {
                sink.add(d)?;
            }
            Ok::<_, StoreError>(n)
        },
        |_| true,
    )
}

#[test]
fn a_project_survives_being_closed_and_reopened() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("p.tawsim");
    let (loc, per);
    {
        let mut p = Project::create(&path).expect("create");
        assert_eq!(import(&mut p, vec![seed_doc()]).expect("import"), 1);
        let doc = p.documents().expect("list")[0].id;
        loc = p.labels().by_name("LOC").expect("LOC").id;
        per = p.labels().by_name("PER").expect("PER").id;
        let (s, e) = cp(SEED, "خليفة حفتر");
        let span = Span::new(s, e, per).expect("span");
        p.apply(doc, &Edit::AddSpan { span }).expect("add");
        p.apply(
            doc,
            &Edit::SetStatus {
                from: DocStatus::New,
                to: DocStatus::InProgress,
            },
        )
        .expect("status");
    }
    let p = Project::open(&path).expect("reopen");
    let docs = p.documents().expect("list");
    assert_eq!(docs.len(), 1);
    assert_eq!((docs[0].spans, docs[0].status), (2, DocStatus::InProgress));
    let doc = p.document(docs[0].id).expect("doc");
    assert_eq!(doc.text, SEED, "text stored exactly as given");
    let ann = p.annotations(docs[0].id).expect("ann");
    let labels: Vec<LabelId> = ann.spans.iter().map(|s| s.label).collect();
    assert!(labels.contains(&loc) && labels.contains(&per));
    assert_eq!(p.history(docs[0].id).expect("history").stacks().0.len(), 2);
    assert_eq!(p.integrity_check().expect("check"), "ok");
}

#[test]
fn undo_and_redo_are_stored_and_survive_a_restart() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("p.tawsim");
    let span = Span::new(0, 5, LabelId(1)).expect("span");
    let doc;
    {
        let mut p = Project::create(&path).expect("create");
        import(&mut p, vec![seed_doc()]).expect("import");
        doc = p.documents().expect("list")[0].id;
        p.apply(doc, &Edit::AddSpan { span }).expect("add");
        p.apply(
            doc,
            &Edit::ReplaceSpan {
                from: span,
                to: span.with_label(LabelId(2)),
            },
        )
        .expect("relabel");
        assert_eq!(
            p.undo(doc).expect("undo"),
            Some(Edit::ReplaceSpan {
                from: span.with_label(LabelId(2)),
                to: span
            })
        );
    }
    let mut p = Project::open(&path).expect("reopen");
    assert!(
        p.annotations(doc).expect("ann").spans.contains(span),
        "undo was durable"
    );
    let h = p.history(doc).expect("history");
    assert!(h.can_redo() && h.can_undo());
    assert_eq!(
        p.redo(doc).expect("redo"),
        Some(Edit::ReplaceSpan {
            from: span,
            to: span.with_label(LabelId(2))
        })
    );
    assert!(
        p.annotations(doc)
            .expect("ann")
            .spans
            .contains(span.with_label(LabelId(2)))
    );
    p.undo(doc).expect("undo");
    p.undo(doc).expect("undo");
    assert_eq!(p.undo(doc).expect("nothing left"), None);
    assert_eq!(
        p.annotations(doc).expect("ann").spans.len(),
        1,
        "only the imported span"
    );
    // A new edit drops what could be redone.
    p.apply(
        doc,
        &Edit::SetStatus {
            from: DocStatus::New,
            to: DocStatus::Done,
        },
    )
    .expect("status");
    assert!(!p.history(doc).expect("h").can_redo());
}

#[test]
fn a_newer_schema_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("new.tawsim");
    drop(Project::create(&path).expect("create"));
    {
        let c = rusqlite::Connection::open(&path).expect("raw");
        c.execute(
            "UPDATE meta SET value = '99' WHERE key = 'schema_version'",
            [],
        )
        .expect("bump");
    }
    let before = std::fs::read(&path).expect("read");
    match Project::open(&path) {
        Err(StoreError::NewerSchema {
            found: 99,
            supported: tawsim_core::store::SCHEMA_VERSION,
            ..
        }) => {}
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("opened a newer schema"),
    }
    assert_eq!(
        std::fs::read(&path).expect("read"),
        before,
        "file unchanged"
    );
}

#[test]
fn files_that_are_not_projects_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().expect("tmp");
    let text = dir.path().join("notes.tawsim");
    std::fs::write(&text, "في الـ23 من أكتوبر").expect("write");
    let err = Project::open(&text).err().expect("refused");
    assert!(matches!(err, StoreError::NotAProject { .. }));
    assert!(
        err.to_string().contains("notes.tawsim")
            && err.to_string().contains("not an SQLite database"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&text).expect("read"),
        "في الـ23 من أكتوبر"
    );

    let other = dir.path().join("other.tawsim");
    rusqlite::Connection::open(&other)
        .expect("db")
        .execute_batch("CREATE TABLE t (x)")
        .expect("t");
    let err = Project::open(&other).err().expect("refused");
    assert!(err.to_string().contains("without tawsim tables"), "{err}");

    assert!(matches!(
        Project::open(&dir.path().join("missing.tawsim")),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        Project::create(&text),
        Err(StoreError::AlreadyExists { .. })
    ));
}

#[test]
fn a_second_writer_is_refused_while_the_first_is_open() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("p.tawsim");
    let first = Project::create(&path).expect("create");
    assert!(matches!(
        Project::open(&path),
        Err(StoreError::Locked { .. })
    ));
    drop(first);
    Project::open(&path).expect("free again");
}

#[test]
fn a_failed_import_changes_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("p.tawsim");
    let mut p = Project::create(&path).expect("create");
    import(&mut p, vec![seed_doc()]).expect("first import");
    let labels_before = p.labels().clone();
    let mut bad = seed_doc();
    bad.name = "bad".into();
    bad.spans = vec![
        TaggedSpan::new(0, 5, "NEWLABEL"),
        TaggedSpan::new(3, 8, "PER"),
    ];
    let good = AnnotatedDocument {
        name: "good".into(),
        text: "جنيف".into(),
        ..Default::default()
    };
    let err = import(&mut p, vec![good, bad]).expect_err("overlap refused");
    assert!(err.to_string().contains("overlaps"), "{err}");
    assert_eq!(
        p.documents().expect("list").len(),
        1,
        "the good document was rolled back too"
    );
    assert_eq!(p.labels(), &labels_before, "no label was added");
    drop(p);
    let p = Project::open(&path).expect("reopen");
    assert!(p.labels().by_name("NEWLABEL").is_none());
    // Rejected by the caller's verdict: also nothing.
    let mut p = p;
    let n = p
        .import(
            |sink| {
                sink.add(seed_doc())?;
                Ok::<_, StoreError>(1)
            },
            |_| false,
        )
        .expect("ran");
    assert_eq!(n, 1);
    assert_eq!(p.documents().expect("list").len(), 1);
}

#[test]
fn nested_spans_need_the_allow_policy() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut p = Project::create(&dir.path().join("p.tawsim")).expect("create");
    let mut s = p.settings();
    s.overlap = OverlapPolicy::Allow;
    p.save_settings(s).expect("settings");
    let mut d = seed_doc();
    let (a, b) = cp(SEED, "الأمم المتحدة");
    d.spans = vec![
        TaggedSpan::new(a, b, "ORG"),
        TaggedSpan::new(a + 6, b, "MISC"),
    ];
    import(&mut p, vec![d]).expect("nested allowed");
    assert_eq!(p.stats().expect("stats").spans, 2);
}

#[test]
fn labels_are_edited_project_wide_and_deleting_a_used_one_needs_confirmation() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("p.tawsim");
    let mut p = Project::create(&path).expect("create");
    import(&mut p, vec![seed_doc()]).expect("import");
    let mut set = p.labels().clone();
    let loc = set.by_name("LOC").expect("LOC").id;
    let per = set.by_name("PER").expect("PER").id;
    set.rename(loc, "PLACE").expect("rename");
    set.rename(per, "LOC").expect("take the freed name");
    set.move_by(per, 1).expect("reorder");
    p.save_labels(&set).expect("save");
    let mut without = set.clone();
    without.remove(loc).expect("remove");
    assert!(p.save_labels(&without).is_err(), "PLACE still has a span");
    assert_eq!(p.delete_label(loc).expect("confirmed delete"), 1);
    drop(p);
    let p = Project::open(&path).expect("reopen");
    assert!(p.labels().by_name("PLACE").is_none());
    assert_eq!(p.labels().by_name("LOC").map(|l| l.id), Some(per));
    assert_eq!(p.stats().expect("stats").spans, 0);
}

#[test]
fn project_search_and_label_all_through_a_worker_connection() {
    use std::sync::atomic::{AtomicBool, AtomicU64};
    use tawsim_core::domain::search::{Proposal, Query, SearchOptions};
    let dir = tempfile::tempdir().expect("tmp");
    let mut p = Project::create(&dir.path().join("p.tawsim")).expect("create");
    let docs: Vec<AnnotatedDocument> = (0..5)
        .map(|i| AnnotatedDocument {
            name: format!("d{i}"),
            text: format!("زار الوفد بنغازي يوم {i} ثم عاد إلى بنغازي"),
            ..Default::default()
        })
        .collect();
    import(&mut p, docs).expect("import");
    let ids: Vec<_> = p.documents().expect("list").iter().map(|d| d.id).collect();
    let loc = p.labels().by_name("LOC").expect("LOC").id;
    let org = p.labels().by_name("ORG").expect("ORG").id;
    // d1's first بنغازي is already ORG: it conflicts and must stay.
    let (s, e) = cp("زار الوفد بنغازي", "بنغازي");
    p.apply(
        ids[1],
        &Edit::AddSpan {
            span: Span {
                start: s,
                end: e,
                label: org,
            },
        },
    )
    .expect("apply");

    let worker = p.worker().expect("worker");
    let query = Query {
        text: "بنغازى".into(), // ى for ي: found through normalisation
        opts: SearchOptions {
            whole_word: true,
            clitic_aware: false,
        },
        label: Some(loc),
        policy: OverlapPolicy::Forbid,
    };
    let done = AtomicU64::new(0);
    let (hits, cut) =
        tawsim_core::ops::search_project(&worker, &query, None, 1000, Some(&done), None)
            .expect("search")
            .expect("not cancelled");
    assert!(!cut);
    assert_eq!(done.into_inner(), 5);
    assert_eq!(hits.len(), 10);
    assert_eq!(
        hits.iter()
            .filter(|h| matches!(h.proposal, Proposal::Conflict(_)))
            .count(),
        1
    );
    // Cut at a maximum.
    let (few, cut) = tawsim_core::ops::search_project(&worker, &query, None, 3, None, None)
        .expect("search")
        .expect("not cancelled");
    assert_eq!((few.len(), cut), (3, true));
    // A cancelled search returns nothing.
    let cancel = AtomicBool::new(true);
    assert!(
        tawsim_core::ops::search_project(&worker, &query, None, 1000, None, Some(&cancel))
            .expect("search")
            .is_none()
    );

    let mut batches: std::collections::BTreeMap<_, Vec<Edit>> = Default::default();
    for h in hits.iter().filter(|h| h.proposal == Proposal::New) {
        batches.entry(h.doc).or_default().push(Edit::AddSpan {
            span: Span {
                start: h.start,
                end: h.end,
                label: loc,
            },
        });
    }
    let batches: Vec<_> = batches.into_iter().collect();
    // Cancelled before the first document: nothing written.
    let mut w = p.worker().expect("worker");
    let r = tawsim_core::ops::label_occurrences(&mut w, batches.clone(), None, Some(&cancel))
        .expect("label");
    assert!(r.cancelled);
    assert_eq!(r.spans, 0);
    // Meanwhile d3 got a span where a batch wants to go: d3 is refused whole, the rest done.
    let (s2, e2) = cp("زار الوفد بنغازي", "بنغازي");
    p.apply(
        ids[3],
        &Edit::AddSpan {
            span: Span {
                start: s2,
                end: e2,
                label: org,
            },
        },
    )
    .expect("apply");
    let r = tawsim_core::ops::label_occurrences(&mut w, batches, None, None).expect("label");
    assert_eq!((r.documents, r.refused, r.spans), (4, 1, 7));
    for (i, id) in ids.iter().enumerate() {
        let n = p.annotations(*id).expect("spans").spans.len();
        assert_eq!(n, if i == 3 { 1 } else { 2 }, "d{i}");
    }
    // One undo step per document.
    p.undo(ids[0]).expect("undo");
    assert!(p.annotations(ids[0]).expect("spans").spans.is_empty());
}

#[test]
fn a_reader_opens_beside_the_writer_and_refuses_every_write() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("p.tawsim");
    {
        let mut p = Project::create(&path).expect("create");
        import(&mut p, vec![seed_doc()]).expect("import");
    }
    // No writer open: the reader still opens the (WAL) file, and takes no lock.
    {
        let r = Project::open_read_only(&path).expect("reader alone");
        assert!(r.is_read_only());
        assert_eq!(r.stats().expect("stats").documents, 1);
        assert!(
            !dir.path().join("p.tawsim.lock").exists(),
            "a reader made a lock file"
        );
        // A writer is not kept out by a reader.
        drop(Project::open(&path).expect("writer beside a reader"));
    }
    let mut writer = Project::open(&path).expect("writer");
    import(&mut writer, vec![seed_doc()]).expect("second import");
    let mut r = Project::open_read_only(&path).expect("reader beside the writer");
    assert_eq!(
        r.documents().expect("docs").len(),
        2,
        "sees the writer's commits"
    );
    assert_eq!(
        r.labels().by_name("LOC").map(|l| l.name.as_str()),
        Some("LOC")
    );
    let doc = r.documents().expect("docs")[0].id;
    let span = r
        .annotations(doc)
        .expect("ann")
        .spans
        .iter()
        .next()
        .expect("span");
    let before = std::fs::read(&path).expect("read");
    assert!(matches!(
        r.apply(doc, &Edit::RemoveSpan { span }),
        Err(StoreError::ReadOnly { .. })
    ));
    assert!(matches!(
        import(&mut r, vec![seed_doc()]),
        Err(StoreError::ReadOnly { .. })
    ));
    assert!(matches!(
        r.set_document_direction(doc, "ltr"),
        Err(StoreError::ReadOnly { .. })
    ));
    let labels = r.labels().clone();
    assert!(matches!(
        r.save_labels(&labels),
        Err(StoreError::ReadOnly { .. })
    ));
    assert!(matches!(
        r.worker().expect("worker").save_settings(r.settings()),
        Err(StoreError::ReadOnly { .. })
    ));
    assert_eq!(
        std::fs::read(&path).expect("read"),
        before,
        "file unchanged"
    );
    assert_eq!(writer.annotations(doc).expect("ann").spans.len(), 1);

    // The same refusals as a writer's open.
    let text = dir.path().join("notes.tawsim");
    std::fs::write(&text, "ليس مشروعا").expect("write");
    assert!(matches!(
        Project::open_read_only(&text),
        Err(StoreError::NotAProject { .. })
    ));
    assert!(matches!(
        Project::open_read_only(&dir.path().join("missing.tawsim")),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn creating_a_project_in_a_missing_folder_names_the_folder() {
    let dir = tempfile::tempdir().expect("tmp");
    let folder = dir.path().join("no").join("such");
    let path = folder.join("p.tawsim");
    let err = Project::create(&path).err().expect("refused");
    let msg = err.to_string();
    assert!(matches!(err, StoreError::NoFolder { .. }), "{msg}");
    assert!(
        msg.contains(&format!("the folder {} does not exist", folder.display())),
        "{msg}"
    );
    assert!(!msg.contains(".lock"), "talks about the lock file: {msg}");
    assert!(!folder.exists(), "made the folder");

    // A file where the folder should be.
    let file = dir.path().join("plain");
    std::fs::write(&file, "x").expect("write");
    let msg = Project::create(&file.join("p.tawsim"))
        .err()
        .expect("refused")
        .to_string();
    assert!(
        msg.contains("is not a folder") && !msg.contains(".lock"),
        "{msg}"
    );
    assert!(matches!(
        Project::open_or_create(&path),
        Err(StoreError::NoFolder { .. })
    ));
}

/// Files beside the project other than itself.
fn beside(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("list")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("p.tawsim") && n != "p.tawsim")
        .collect();
    v.sort();
    v
}

#[test]
fn a_reader_alone_leaves_no_file_beside_the_project() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("p.tawsim");
    {
        let mut p = Project::create(&path).expect("create");
        import(&mut p, vec![seed_doc()]).expect("import");
        assert_eq!(
            beside(dir.path()),
            ["p.tawsim-shm", "p.tawsim-wal", "p.tawsim.lock"]
        );
    }
    assert!(beside(dir.path()).is_empty(), "{:?}", beside(dir.path()));
    {
        let r = Project::open_read_only(&path).expect("reader");
        assert_eq!(r.stats().expect("stats").documents, 1);
        assert!(!beside(dir.path()).iter().any(|n| n.ends_with(".lock")));
    }
    assert!(beside(dir.path()).is_empty(), "{:?}", beside(dir.path()));
    // Beside a writer, the reader leaves the writer's files alone, and the writer still
    // removes them on closing.
    let w = Project::open(&path).expect("writer");
    drop(Project::open_read_only(&path).expect("reader"));
    assert_eq!(
        beside(dir.path()),
        ["p.tawsim-shm", "p.tawsim-wal", "p.tawsim.lock"]
    );
    drop(w);
    assert!(beside(dir.path()).is_empty(), "{:?}", beside(dir.path()));
}

#[test]
fn deleting_label_3_keeps_the_history_of_label_30() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("p.tawsim");
    let mut p = Project::create(&path).expect("create");
    let other = AnnotatedDocument {
        name: "other".into(),
        text: SEED.into(),
        ..Default::default()
    };
    import(&mut p, vec![seed_doc(), other]).expect("import");
    // Enough labels that ids 3 and 30 both exist.
    let mut set = p.labels().clone();
    while set.iter().map(|l| l.id.0).max().unwrap_or(0) < 30 {
        let n = set.iter().count();
        set.add(&format!("T{n}")).expect("add");
    }
    p.save_labels(&set).expect("save");
    let l3 = set.iter().find(|l| l.id.0 == 3).expect("label 3").id;
    let l30 = set.iter().find(|l| l.id.0 == 30).expect("label 30").id;
    let docs = p.documents().expect("docs");
    let (a, b) = (docs[0].id, docs[1].id);
    let (s, e) = cp(SEED, "جنيف");
    let span3 = Span::new(s, e, l3).expect("span");
    let span30 = Span::new(s, e, l30).expect("span");
    p.apply(a, &Edit::AddSpan { span: span3 }).expect("apply");
    p.apply(b, &Edit::AddSpan { span: span30 }).expect("apply");
    p.delete_label(l3).expect("delete label 3");
    assert!(
        p.history(a).expect("history a").undo().is_none(),
        "label 3's history goes"
    );
    assert!(
        p.history(b).expect("history b").undo().is_some(),
        "the history of label 30 stays"
    );
}

#[test]
fn a_status_change_is_stored_only_from_the_status_it_names() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut p = Project::create(&dir.path().join("p.tawsim")).expect("create");
    import(&mut p, vec![seed_doc()]).expect("import");
    let doc = p.documents().expect("docs")[0].id;
    let wrong = Edit::SetStatus {
        from: DocStatus::Done,
        to: DocStatus::InProgress,
    };
    assert!(
        p.apply(doc, &wrong).is_err(),
        "the document is new, not done"
    );
    assert_eq!(p.annotations(doc).expect("a").status, DocStatus::New);
    assert!(
        p.history(doc).expect("h").undo().is_none(),
        "nothing recorded"
    );
    let right = Edit::SetStatus {
        from: DocStatus::New,
        to: DocStatus::Done,
    };
    p.apply(doc, &right).expect("from new");
    assert_eq!(p.annotations(doc).expect("a").status, DocStatus::Done);
}

#[test]
fn a_history_entry_that_does_not_decode_is_an_error_not_skipped() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("p.tawsim");
    let mut p = Project::create(&path).expect("create");
    import(&mut p, vec![seed_doc()]).expect("import");
    let doc = p.documents().expect("docs")[0].id;
    let (s, e) = cp(SEED, "جنيف");
    let loc = p.labels().by_name("LOC").expect("LOC").id;
    let span = Span::new(s, e, loc).expect("span");
    p.apply(doc, &Edit::AddSpan { span }).expect("apply");
    drop(p);
    // An entry a renamed variant would leave behind.
    let conn = rusqlite::Connection::open(&path).expect("sqlite");
    conn.execute(
        "UPDATE layer_history SET edit = replace(edit, 'add_span', 'insert_span')",
        [],
    )
    .expect("corrupt");
    drop(conn);
    let p = Project::open(&path).expect("reopen");
    let err = p.history(doc).expect_err("refused");
    assert!(err.to_string().contains("does not decode"), "{err}");
}

#[test]
fn relations_and_document_labels_are_kept_moved_and_deleted_with_their_labels() {
    use tawsim_core::domain::{LabelKind, Relation, TaggedRelation};
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("p.tawsim");
    let (a, b) = (cp(SEED, "مصطفى مهراج"), cp(SEED, "خليفة حفتر"));
    let mut doc = seed_doc();
    doc.spans = vec![
        TaggedSpan::new(a.0, a.1, "PER"),
        TaggedSpan::new(b.0, b.1, "PER"),
    ];
    doc.relations = vec![TaggedRelation {
        from: 1,
        to: 0,
        label: "meets".into(),
    }];
    doc.doc_labels = vec!["politics".into()];
    let id;
    {
        let mut p = Project::create(&path).expect("create");
        import(&mut p, vec![doc]).expect("import");
        id = p.documents().expect("list")[0].id;
    }
    let mut p = Project::open(&path).expect("reopen");
    let labels = p.labels().clone();
    let meets = labels.by_name("meets").expect("relation type");
    assert_eq!(meets.kind, LabelKind::Relation);
    let politics = labels.by_name("politics").expect("document label");
    assert_eq!(politics.kind, LabelKind::Document);
    let per = labels.by_name("PER").expect("PER").id;
    let ann = p.annotations(id).expect("read");
    let (sa, sb) = (
        Span::new(a.0, a.1, per).expect("a"),
        Span::new(b.0, b.1, per).expect("b"),
    );
    let r = Relation {
        from: sb,
        to: sa,
        label: meets.id,
    };
    assert_eq!(ann.relations.iter().copied().collect::<Vec<_>>(), vec![r]);
    assert_eq!(
        ann.doc_labels.iter().copied().collect::<Vec<_>>(),
        vec![politics.id]
    );

    // A span with a relation is not deleted behind it; a resized span takes it along.
    assert!(p.apply(id, &Edit::RemoveSpan { span: sa }).is_err());
    let wider = Span::new(a.0, a.1 + 1, per).expect("wider");
    p.apply(
        id,
        &Edit::ReplaceSpan {
            from: sa,
            to: wider,
        },
    )
    .expect("resize");
    let moved = Relation { to: wider, ..r };
    assert_eq!(
        p.annotations(id)
            .expect("read")
            .relations
            .iter()
            .copied()
            .collect::<Vec<_>>(),
        vec![moved]
    );
    p.undo(id).expect("undo");
    assert!(p.annotations(id).expect("read").relations.contains(&r));

    // Deleting the relation type takes its relations, not the spans.
    assert_eq!(p.label_usage(meets.id).expect("usage"), 1);
    p.delete_label(meets.id).expect("delete");
    let ann = p.annotations(id).expect("read");
    assert!(ann.relations.is_empty());
    assert_eq!(ann.spans.len(), 2);
    p.apply(id, &Edit::RemoveDocLabel { label: politics.id })
        .expect("untick");
    assert!(p.annotations(id).expect("read").doc_labels.is_empty());
}

/// A doccano JSONL file of `n` short documents, `doc-0` … in order, each with one span.
fn many_docs_file(
    dir: &std::path::Path,
    n: usize,
    odd_one: Option<(usize, &str)>,
) -> std::path::PathBuf {
    use std::fmt::Write;
    let mut out = String::new();
    for i in 0..n {
        let text = match odd_one {
            Some((at, text)) if at == i => text.to_string(),
            _ => format!("زار الوفد مدينة {i} أمس"),
        };
        let line =
            serde_json::json!({"text": text, "label": [[0, 3, "PER"]], "name": format!("doc-{i}")});
        writeln!(out, "{line}").expect("write");
    }
    let path = dir.join("many.jsonl");
    std::fs::write(&path, out).expect("write file");
    path
}

#[test]
fn a_store_failure_in_the_middle_of_a_long_import_stops_the_reading_and_keeps_nothing() {
    use tawsim_core::ops::{OpsError, import_paths_joining};
    let dir = tempfile::tempdir().expect("tmp");
    let mut p = Project::create(&dir.path().join("p.tawsim")).expect("create");
    import(&mut p, vec![seed_doc()]).expect("seed");
    // Document 2,500 of 4,000 has the seed's text, which this annotator already annotated:
    // the store refuses it long after the reader (on its own thread) started handing over
    // batches, and while it still has documents to hand over.
    let file = many_docs_file(dir.path(), 4_000, Some((2_500, SEED)));
    let opts = tawsim_core::formats::ImportOptions::default();
    let err = import_paths_joining(&mut p, std::slice::from_ref(&file), None, &opts, true)
        .expect_err("the repeated text is refused");
    assert!(
        matches!(&err, OpsError::Store(e) if e.to_string().contains("already holds this text")),
        "{err}"
    );
    assert_eq!(p.documents().expect("list").len(), 1, "nothing was kept");
    // The same file without the repeat goes in whole, in the file's order.
    let file = many_docs_file(dir.path(), 4_000, None);
    let got = import_paths_joining(&mut p, &[file], None, &opts, true).expect("import");
    assert_eq!(got.report.documents, 4_000);
    let names: Vec<String> = p
        .documents()
        .expect("list")
        .into_iter()
        .map(|d| d.name)
        .collect();
    assert_eq!(names.len(), 4_001);
    assert!(
        names[1..]
            .iter()
            .enumerate()
            .all(|(i, n)| *n == format!("doc-{i}"))
    );
}

#[test]
fn a_long_export_keeps_the_order_and_counts_and_a_failing_writer_stops_the_reading() {
    use std::sync::atomic::{AtomicU64, Ordering};
    use tawsim_core::formats::{ExportOptions, Format};
    use tawsim_core::ops::{ExportFilter, OpsError, export_project, import_paths};
    let dir = tempfile::tempdir().expect("tmp");
    let mut p = Project::create(&dir.path().join("p.tawsim")).expect("create");
    let file = many_docs_file(dir.path(), 3_000, None);
    let opts = tawsim_core::formats::ImportOptions::default();
    import_paths(&mut p, &[file], None, &opts).expect("import");
    let out = dir.path().join("out.jsonl");
    let done = AtomicU64::new(0);
    let filter = ExportFilter::default();
    let report = export_project(
        &p,
        Format::Doccano,
        &out,
        &filter,
        &ExportOptions::default(),
        Some(&done),
    )
    .expect("export");
    assert_eq!(report.documents, 3_000);
    assert_eq!(
        done.load(Ordering::Relaxed),
        3_000,
        "every document written was counted"
    );
    let text = std::fs::read_to_string(&out).expect("read");
    let names: Vec<String> = text
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json line");
            v["name"].as_str().expect("name").to_string()
        })
        .collect();
    assert_eq!(names.len(), 3_000);
    assert!(
        names
            .iter()
            .enumerate()
            .all(|(i, n)| *n == format!("doc-{i}"))
    );
    // Writing into a folder that does not exist fails at once; the reader (far more than
    // the channel holds still to read) stops instead of waiting for a writer that is gone.
    let nowhere = dir.path().join("missing").join("out.jsonl");
    let err = export_project(
        &p,
        Format::Doccano,
        &nowhere,
        &filter,
        &ExportOptions::default(),
        None,
    )
    .expect_err("no folder");
    assert!(matches!(err, OpsError::Format(_)), "{err}");
    assert!(err.to_string().contains("missing"), "{err}");
    assert!(!nowhere.exists());
}

/// The names in `dir`, sorted.
fn folder(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The schema of a project file and its spans counted per label through the label index
/// (`INDEXED BY` fails when the index is missing).
fn schema_and_spans_by_label(path: &std::path::Path) -> (Vec<Vec<String>>, Vec<(i64, i64)>) {
    let conn = rusqlite::Connection::open(path).expect("open");
    let mut st = conn
        .prepare("SELECT type, name, tbl_name, COALESCE(sql, '') FROM sqlite_schema ORDER BY name")
        .expect("schema");
    let schema = st
        .query_map([], |r| (0..4).map(|i| r.get(i)).collect())
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("read");
    let mut st = conn
        .prepare(
            "SELECT label_id, COUNT(*) FROM layer_spans INDEXED BY layer_spans_by_label
             WHERE label_id > 0 GROUP BY label_id ORDER BY label_id",
        )
        .expect("by label");
    let counts = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("read");
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("check");
    assert_eq!(ok, "ok", "{}", path.display());
    (schema, counts)
}

#[test]
fn a_project_built_aside_has_its_spans_indexed_by_label_like_any_other() {
    use tawsim_core::ops::import_paths_joining;
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("in.jsonl");
    let lines: Vec<String> = (0..500)
        .map(|i| {
            let label = ["PER", "LOC", "ORG"][i % 3];
            serde_json::json!({"text": format!("زار الوفد مدينة {i} أمس"), "label": [[0, 3, label], [10, 15, "LOC"]]})
                .to_string()
        })
        .collect();
    std::fs::write(&file, lines.join("\n")).expect("write");
    let opts = tawsim_core::formats::ImportOptions::default();
    // The same import into a project built aside (its label index made after the rows)
    // and into an ordinary new one (the index kept up row by row).
    let aside = dir.path().join("aside.tawsim");
    let mut p = Project::create_staged_as(&aside, "sara").expect("create");
    import_paths_joining(&mut p, std::slice::from_ref(&file), None, &opts, false).expect("import");
    drop(p.publish().expect("publish"));
    let plain = dir.path().join("plain.tawsim");
    let mut p = Project::create_as(&plain, "sara").expect("create");
    import_paths_joining(&mut p, std::slice::from_ref(&file), None, &opts, false).expect("import");
    drop(p);
    let (schema, counts) = schema_and_spans_by_label(&aside);
    assert_eq!((schema, counts.clone()), schema_and_spans_by_label(&plain));
    assert_eq!(counts.iter().map(|c| c.1).sum::<i64>(), 1000);
    // An import into the published project keeps the index up as any project does.
    let mut p = Project::open_as(&aside, "omar").expect("open");
    import_paths_joining(&mut p, std::slice::from_ref(&file), None, &opts, true).expect("import");
    drop(p);
    let (_, after) = schema_and_spans_by_label(&aside);
    assert_eq!(after.iter().map(|c| c.1).sum::<i64>(), 2000);
}

#[test]
fn an_import_that_makes_a_project_names_it_only_when_it_has_committed() {
    use tawsim_core::ops::{import_new, import_paths_joining};
    let dir = tempfile::tempdir().expect("tmp");
    let input = dir.path().join("in");
    std::fs::create_dir(&input).expect("mkdir");
    let file = many_docs_file(&input, 300, None);
    let opts = tawsim_core::formats::ImportOptions::default();
    let path = dir.path().join("p.tawsim");
    // A crashed import left its half-built file: the next import of the path replaces it.
    let building = dir.path().join(".p.tawsim.building");
    std::fs::write(&building, b"half a project").expect("write");
    let mut p = Project::create_staged_as(&path, "sara").expect("create");
    assert!(!path.exists(), "no project before the import has committed");
    assert!(
        dir.path().join("p.tawsim.lock").exists(),
        "its path is locked"
    );
    import_paths_joining(&mut p, std::slice::from_ref(&file), None, &opts, false).expect("import");
    assert!(
        !path.exists(),
        "still none after the import, before it is published"
    );
    let p = p.publish().expect("publish");
    assert_eq!(p.documents().expect("list").len(), 300);
    drop(p);
    assert_eq!(
        folder(dir.path()),
        ["in", "p.tawsim"],
        "nothing else is left"
    );
    // The project is an ordinary one: WAL journal (header bytes 18 and 19), reopened as
    // its annotator's, and a reader opens it.
    let head = std::fs::read(&path).expect("read");
    assert_eq!(&head[18..20], &[2, 2], "WAL mode");
    let p = Project::open_as(&path, "sara").expect("reopen");
    assert_eq!(p.stats().expect("stats").documents, 300);
    drop(p);
    let r = Project::open_read_only(&path).expect("reader");
    assert_eq!(r.documents().expect("list").len(), 300);
    drop(r);

    // An import that fails leaves no project, lock or half-built file.
    let bad = input.join("bad.jsonl");
    std::fs::write(&bad, "{\"text\": \"نص\", \"label\": []}\n{\"text\": 5}\n").expect("write");
    let other = dir.path().join("q.tawsim");
    let err = import_new(&other, &[bad], None, &opts).err();
    assert!(
        err.as_ref()
            .is_some_and(|e| e.to_string().contains("bad.jsonl")),
        "line 2 has no text: {:?}",
        err.map(|e| e.to_string())
    );
    assert_eq!(folder(dir.path()), ["in", "p.tawsim"]);

    // A file that appeared at the path while the import ran (not a tawsim's: one keeps out
    // of a locked path) is never replaced: publishing fails and leaves it as it was.
    let mut p = Project::create_staged_as(&other, "sara").expect("create");
    import_paths_joining(&mut p, &[file], None, &opts, false).expect("import");
    std::fs::write(&other, b"someone else's").expect("write");
    let err = p.publish().err();
    assert!(
        matches!(err, Some(StoreError::AlreadyExists { .. })),
        "the path is taken: {:?}",
        err.map(|e| e.to_string())
    );
    assert_eq!(std::fs::read(&other).expect("read"), b"someone else's");
    assert_eq!(folder(dir.path()), ["in", "p.tawsim", "q.tawsim"]);
}
