//! Annotators and their layers: the upgrade of a schema-1 file made by the previous release,
//! one layer per annotator, blind annotation, imports that join documents already in the
//! project, and project files as untrusted input (crafted schema objects are refused).

use std::path::{Path, PathBuf};
use tawsim_core::domain::{
    AnnotatedDocument, DocStatus, Edit, ProjectSettings, Role, Span, TaggedSpan,
};
use tawsim_core::store::{Project, StoreError};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
const SEED: &str = include_str!("../../../assets/samples/libya-ceasefire-ar.txt");

fn fixture(dir: &Path) -> PathBuf {
    let from = Path::new(ROOT).join("tests/data/projects/schema-v1.tawsim");
    let to = dir.join("old.tawsim");
    std::fs::copy(&from, &to).expect("copy the schema-1 fixture");
    to
}

/// Two annotators' layers in a project file made by the release before time records
/// (project schema 2; tests/data/projects/README.md says how).
fn schema_2_fixture(dir: &Path) -> PathBuf {
    let from = Path::new(ROOT).join("tests/data/projects/schema-v2.tawsim");
    let to = dir.join("v2.tawsim");
    std::fs::copy(&from, &to).expect("copy the schema-2 fixture");
    to
}

fn cp(text: &str, needle: &str) -> (usize, usize) {
    let b = text.find(needle).expect("needle in text");
    let s = text[..b].chars().count();
    (s, s + needle.chars().count())
}

fn texts(p: &Project, doc: tawsim_core::domain::DocId) -> Vec<(String, String)> {
    let text: Vec<char> = p.document(doc).expect("doc").text.chars().collect();
    let mut out: Vec<(String, String)> = p
        .annotations(doc)
        .expect("ann")
        .spans
        .iter()
        .map(|s| {
            (
                text[s.start..s.end].iter().collect(),
                p.labels().get(s.label).expect("label").name.clone(),
            )
        })
        .collect();
    out.sort();
    out
}

fn import_one(p: &mut Project, doc: AnnotatedDocument, join: bool) -> Result<(), StoreError> {
    p.import(
        |sink| {
            if join {
                sink.join_same_text()?;
            }
            sink.add(doc)?;
            Ok::<_, StoreError>(())
        },
        |_| true,
    )
}

#[test]
fn a_schema_1_project_upgrades_in_place_and_keeps_everything_as_its_annotators_layer() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = fixture(dir.path());
    // Read-only commands cannot upgrade: they say so and leave the file as it is.
    let before = std::fs::read(&path).expect("read");
    match Project::open_read_only_as(&path, "amina") {
        Err(e @ StoreError::NeedsUpgrade { found: 1, .. }) => {
            assert!(e.to_string().contains("open it once"), "{e}");
        }
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("read a schema-1 file as schema 2"),
    }
    assert_eq!(std::fs::read(&path).expect("read"), before);

    let mut p = Project::open_as(&path, "amina").expect("upgrade");
    let annotators = p.annotators().expect("annotators");
    assert_eq!(annotators.len(), 1);
    assert_eq!(annotators[0].name, "amina");
    assert_eq!(annotators[0].role, Role::Manager);
    assert_eq!(p.annotator().0, Some(annotators[0].id));

    let docs = p.documents().expect("docs");
    let rows: Vec<(&str, DocStatus, usize)> = docs
        .iter()
        .map(|d| (d.name.as_str(), d.status, d.spans))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("article", DocStatus::InProgress, 3),
            ("extra-1", DocStatus::Done, 2),
            ("extra-2", DocStatus::New, 2),
        ]
    );
    assert_eq!(
        texts(&p, docs[0].id),
        vec![
            ("الأمم المتحدة".to_string(), "ORG".to_string()),
            ("خليفة حفتر".to_string(), "PER".to_string()),
            ("مصطفى مهراج".to_string(), "PER".to_string()),
        ]
    );
    assert_eq!(
        texts(&p, docs[2].id),
        vec![
            ("الأمم المتحدة".to_string(), "ORG".to_string()),
            ("جنيف".to_string(), "LOC".to_string()),
        ]
    );
    assert_eq!(p.document(docs[0].id).expect("doc").text, SEED);
    // The history came along: four steps back to the imported state, in order.
    let history = p.history(docs[0].id).expect("history");
    assert_eq!(history.stacks().0.len(), 4);
    let undone = p.undo(docs[0].id).expect("undo").expect("a step");
    assert_eq!(
        undone,
        Edit::SetStatus {
            from: DocStatus::InProgress,
            to: DocStatus::New
        }
    );
    assert_eq!(p.documents().expect("docs")[0].status, DocStatus::New);
    assert_eq!(p.integrity_check().expect("check"), "ok");
    drop(p);
    // Upgraded once: it opens again (read-only too) with the same content, as the schema
    // this build makes (2, then 3 in the same transaction).
    let p = Project::open_read_only_as(&path, "amina").expect("read-only after upgrade");
    assert_eq!(p.documents().expect("docs").len(), 3);
    let raw = rusqlite::Connection::open(&path).expect("raw");
    let version: String = raw
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .expect("version");
    assert_eq!(version, tawsim_core::store::SCHEMA_VERSION.to_string());
    // Scripts written for schema 1 still count spans.
    let n: i64 = raw
        .query_row("SELECT COUNT(*) FROM spans", [], |r| r.get(0))
        .expect("view");
    assert_eq!(n, 7);
}

#[test]
fn each_annotator_has_a_layer_and_others_stay_hidden_unless_allowed() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("team.tawsim");
    let mut a = Project::create_as(&path, "amina").expect("create");
    import_one(
        &mut a,
        AnnotatedDocument {
            name: "libya".into(),
            text: SEED.into(),
            ..Default::default()
        },
        false,
    )
    .expect("import");
    let doc = a.documents().expect("docs")[0].id;
    let per = a.labels().by_name("PER").expect("PER").id;
    let loc = a.labels().by_name("LOC").expect("LOC").id;
    let (s, e) = cp(SEED, "خليفة حفتر");
    let haftar = Span::new(s, e, per).expect("span");
    a.apply(doc, &Edit::AddSpan { span: haftar })
        .expect("amina adds");
    drop(a);

    // Bilal opens the same file: a new, empty layer; nobody is added until he writes.
    let mut b = Project::open_as(&path, "bilal").expect("open as bilal");
    assert_eq!(b.annotator().0, None);
    assert_eq!(b.annotators().expect("list").len(), 1);
    assert!(b.annotations(doc).expect("ann").spans.is_empty());
    assert_eq!(b.documents().expect("docs")[0].spans, 0);
    let (s, e) = cp(SEED, "بنغازي");
    let benghazi = Span::new(s, e, loc).expect("span");
    b.apply(doc, &Edit::AddSpan { span: benghazi })
        .expect("bilal adds");
    b.apply(
        doc,
        &Edit::SetStatus {
            from: DocStatus::New,
            to: DocStatus::Done,
        },
    )
    .expect("bilal marks done");
    let amina_id = b.annotators().expect("list")[0].id;
    let bilal = b.annotators().expect("list")[1].clone();
    assert_eq!(
        (bilal.name.as_str(), bilal.role),
        ("bilal", Role::Annotator)
    );
    // Blind: his own layer only.
    assert!(!b.may_view(amina_id));
    assert!(b.may_view(bilal.id));
    // His undo undoes his edits, not hers.
    assert!(b.undo(doc).expect("undo").is_some());
    assert_eq!(b.documents().expect("docs")[0].status, DocStatus::New);
    drop(b);

    let mut a = Project::open_as(&path, "amina").expect("reopen as amina");
    let mine = a.annotations(doc).expect("ann");
    assert_eq!(mine.spans.iter().collect::<Vec<_>>(), vec![haftar]);
    assert_eq!(mine.status, DocStatus::New);
    assert_eq!(a.history(doc).expect("history").stacks().0.len(), 1);
    // The manager sees every layer, read-only.
    assert!(a.may_view(bilal.id));
    let his = a.annotations_of(doc, bilal.id).expect("his layer");
    assert_eq!(his.spans.iter().collect::<Vec<_>>(), vec![benghazi]);
    // Layers visible to all: now Bilal may see hers too.
    a.save_settings(ProjectSettings {
        others_visible: true,
        ..a.settings()
    })
    .expect("settings");
    drop(a);
    let b = Project::open_as(&path, "bilal").expect("bilal again");
    assert!(b.may_view(amina_id));
    let stats = b.stats().expect("stats");
    let layers: Vec<(&str, usize)> = stats
        .layers
        .iter()
        .map(|l| (l.annotator.name.as_str(), l.spans))
        .collect();
    assert_eq!(layers, vec![("amina", 1), ("bilal", 1)]);
    // Exports take one layer: his by default, hers when asked.
    let his: Vec<_> = b
        .export_iter(None, None, None)
        .expect("export")
        .map(|d| d.expect("doc").spans)
        .collect();
    assert_eq!(
        his,
        vec![vec![TaggedSpan::new(benghazi.start, benghazi.end, "LOC")]]
    );
    let hers: Vec<_> = b
        .export_iter(Some(amina_id), None, None)
        .expect("export")
        .map(|d| d.expect("doc").spans)
        .collect();
    assert_eq!(
        hers,
        vec![vec![TaggedSpan::new(haftar.start, haftar.end, "PER")]]
    );
}

#[test]
fn an_import_that_joins_puts_a_known_text_in_the_importers_layer() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("join.tawsim");
    let (s, e) = cp(SEED, "بنغازي");
    let doc = |name: &str, label: &str| AnnotatedDocument {
        name: name.into(),
        text: SEED.into(),
        spans: vec![TaggedSpan::new(s, e, label)],
        status: DocStatus::Done,
        ..Default::default()
    };
    let mut a = Project::create_as(&path, "amina").expect("create");
    import_one(&mut a, doc("libya", "LOC"), false).expect("amina's import");
    a.set_annotator("bilal").expect("switch");
    import_one(&mut a, doc("libya-bilal", "GPE"), true).expect("bilal's import");
    let docs = a.documents().expect("docs");
    assert_eq!(docs.len(), 1, "the same text joined the document");
    assert_eq!(docs[0].name, "libya", "the document keeps its name");
    assert_eq!(docs[0].status, DocStatus::Done);
    assert_eq!(texts(&a, docs[0].id), vec![("بنغازي".into(), "GPE".into())]);
    // Again into the same layer: refused, nothing changes.
    let err = import_one(&mut a, doc("again", "PER"), true).expect_err("refused");
    assert!(err.to_string().contains("bilal's annotations"), "{err}");
    assert_eq!(texts(&a, docs[0].id), vec![("بنغازي".into(), "GPE".into())]);
    // Without joining, the same text is a new document.
    a.set_annotator("amina").expect("back");
    import_one(&mut a, doc("copy", "LOC"), false).expect("plain import");
    assert_eq!(a.documents().expect("docs").len(), 2);
}

/// A sentence a corpus holds several times (ANERcorp's sentences repeat) is one document per
/// copy; another annotator's copies join them one each, in order, and a copy more than the
/// project holds becomes a new document. Importing the same layer again is still refused.
#[test]
fn an_import_that_joins_lines_up_repeated_texts_in_order() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("repeats.tawsim");
    let t = "وصل الوفد إلى جنيف .";
    let u = "قال المتحدث .";
    let doc = |name: &str, text: &str, span: Option<(&str, &str)>| AnnotatedDocument {
        name: name.into(),
        text: text.into(),
        spans: span
            .map(|(needle, label)| {
                let (s, e) = cp(text, needle);
                TaggedSpan::new(s, e, label)
            })
            .into_iter()
            .collect(),
        status: DocStatus::Done,
        ..Default::default()
    };
    let import = |p: &mut Project, docs: Vec<AnnotatedDocument>, join: bool| {
        p.import(
            |sink| {
                if join {
                    sink.join_same_text()?;
                }
                for d in docs {
                    sink.add(d)?;
                }
                Ok::<_, StoreError>(())
            },
            |_| true,
        )
    };
    let mut a = Project::create_as(&path, "amina").expect("create");
    let amina = vec![
        doc("d1", t, Some(("الوفد", "PER"))),
        doc("d2", u, None),
        doc("d3", t, None),
        doc("d4", ".", None),
        doc("d5", t, Some(("جنيف", "LOC"))),
    ];
    import(&mut a, amina, false).expect("amina's import");
    a.set_annotator("bilal").expect("switch");
    let bilal = vec![
        doc("b1", t, Some(("الوفد", "ORG"))),
        doc("b2", ".", None),
        doc("b3", t, Some(("جنيف", "GPE"))),
        doc("b4", u, Some(("المتحدث", "PER"))),
        doc("b5", t, Some(("وصل", "EVENT"))),
        doc("b6", t, Some(("إلى", "MISC"))),
    ];
    import(&mut a, bilal.clone(), true).expect("bilal's import");
    let docs = a.documents().expect("docs");
    let names: Vec<&str> = docs.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(
        names,
        ["d1", "d2", "d3", "d4", "d5", "b6"],
        "one new document"
    );
    let bilals: Vec<Vec<(String, String)>> = docs.iter().map(|d| texts(&a, d.id)).collect();
    let pair = |x: &str, y: &str| vec![(x.to_string(), y.to_string())];
    assert_eq!(
        bilals,
        [
            pair("الوفد", "ORG"),
            pair("المتحدث", "PER"),
            pair("جنيف", "GPE"),
            vec![],
            pair("وصل", "EVENT"),
            pair("إلى", "MISC"),
        ]
    );
    assert!(
        docs.iter().all(|d| d.status == DocStatus::Done),
        "every copy joined"
    );
    // amina's layer is as it was.
    a.set_annotator("amina").expect("back");
    assert_eq!(texts(&a, docs[0].id), pair("الوفد", "PER"));
    assert_eq!(texts(&a, docs[4].id), pair("جنيف", "LOC"));
    assert_eq!(
        texts(&a, docs[5].id),
        vec![],
        "the new document is not amina's"
    );
    // bilal's file again: its first copy meets bilal's layer and the import is refused whole.
    a.set_annotator("bilal").expect("switch");
    let err = import(&mut a, bilal, true).expect_err("refused");
    assert!(err.to_string().contains("bilal's annotations"), "{err}");
    assert_eq!(a.documents().expect("docs").len(), 6, "nothing kept");
}

/// Adds `sql` to a fresh project file behind tawsim's back.
fn crafted(dir: &Path, sql: &str) -> PathBuf {
    let path = dir.join("crafted.tawsim");
    let mut p = Project::create_as(&path, "amina").expect("create");
    import_one(
        &mut p,
        AnnotatedDocument {
            name: "libya".into(),
            text: SEED.into(),
            ..Default::default()
        },
        false,
    )
    .expect("import");
    drop(p);
    let raw = rusqlite::Connection::open(&path).expect("raw");
    raw.execute_batch(sql).expect("craft");
    drop(raw);
    path
}

#[test]
fn a_file_with_a_trigger_or_a_changed_table_is_refused_untouched() {
    for (sql, named) in [
        (
            "CREATE TRIGGER wipe AFTER INSERT ON layer_spans BEGIN UPDATE documents SET text = ''; END;",
            "trigger wipe on layer_spans",
        ),
        (
            "CREATE VIEW leak AS SELECT text FROM documents;",
            "view leak",
        ),
        (
            "ALTER TABLE labels ADD COLUMN evil TEXT DEFAULT 'x';",
            "table labels differs",
        ),
    ] {
        let dir = tempfile::tempdir().expect("tmp");
        let path = crafted(dir.path(), sql);
        let before = std::fs::read(&path).expect("read");
        for result in [
            Project::open_as(&path, "amina").map(drop),
            Project::open_read_only_as(&path, "amina").map(drop),
        ] {
            match result {
                Err(e @ StoreError::UnexpectedSchema { .. }) => {
                    let msg = e.to_string();
                    assert!(msg.contains(named), "{sql}: {msg}");
                    assert!(msg.contains("crafted.tawsim"), "names the file: {msg}");
                }
                Err(e) => panic!("{sql}: wrong error: {e}"),
                Ok(()) => panic!("{sql}: opened a crafted file"),
            }
        }
        assert_eq!(std::fs::read(&path).expect("read"), before, "{sql}");
        assert!(!dir.path().join("crafted.tawsim.lock").exists());
    }
}

#[test]
fn a_schema_1_file_with_a_trigger_is_refused_before_the_upgrade() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = fixture(dir.path());
    let raw = rusqlite::Connection::open(&path).expect("raw");
    raw.execute_batch(
        "CREATE TRIGGER wipe AFTER INSERT ON spans BEGIN UPDATE documents SET text = ''; END;",
    )
    .expect("craft");
    drop(raw);
    let before = std::fs::read(&path).expect("read");
    let err = Project::open_as(&path, "amina")
        .map(drop)
        .expect_err("refused");
    assert!(err.to_string().contains("trigger wipe on spans"), "{err}");
    assert_eq!(std::fs::read(&path).expect("read"), before);
}

#[test]
fn an_annotator_name_is_checked() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("p.tawsim");
    let err = Project::create_as(&path, "  ")
        .map(drop)
        .expect_err("empty name");
    assert!(err.to_string().contains("cannot be empty"), "{err}");
    assert!(!path.exists(), "nothing was created");
    drop(Project::create_as(&path, " أمينة ").expect("create"));
    let p = Project::open_as(&path, "أمينة").expect("open");
    assert_eq!(p.annotators().expect("list")[0].name, "أمينة");
}

#[test]
fn a_schema_2_project_upgrades_to_time_records_and_keeps_both_layers() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = schema_2_fixture(dir.path());
    let before = std::fs::read(&path).expect("read");
    match Project::open_read_only_as(&path, "amina") {
        Err(StoreError::NeedsUpgrade { found: 2, .. }) => {}
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("read a schema-2 file as the newer schema"),
    }
    assert_eq!(std::fs::read(&path).expect("read"), before, "untouched");
    let mut p = Project::open_as(&path, "amina").expect("upgrade");
    let names: Vec<String> = p
        .annotators()
        .expect("annotators")
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert_eq!(names, ["amina", "bilal"]);
    let docs = p.documents().expect("docs");
    assert_eq!(docs.len(), 3);
    // amina: the article's PER (the ORG was undone) and the extra file's three spans;
    // the article in progress, extra-1 done.
    let article = docs[0].id;
    let amina_article = texts(&p, article);
    assert_eq!(amina_article.len(), 1);
    assert_eq!(amina_article[0].1, "PER");
    assert_eq!(
        p.annotations(article).expect("ann").status,
        DocStatus::InProgress
    );
    assert_eq!(
        p.annotations(docs[1].id).expect("ann").status,
        DocStatus::Done
    );
    let h = p.history(article).expect("history");
    // Add PER, add ORG, undo, status: the status after the undo dropped the ORG step.
    assert!(h.can_undo() && !h.can_redo(), "{h:?}");
    // bilal's layer: LOC where amina has PER, and extra-2 done.
    p.set_annotator("bilal").expect("bilal");
    let bilal_article = texts(&p, article);
    assert_eq!(bilal_article.len(), 1);
    assert_eq!(
        (bilal_article[0].0.as_str(), bilal_article[0].1.as_str()),
        (amina_article[0].0.as_str(), "LOC"),
        "the same words"
    );
    assert_eq!(
        p.annotations(docs[2].id).expect("ann").status,
        DocStatus::Done
    );
    // Time is recorded from now on.
    p.add_time(article, 12.5).expect("time");
    p.add_time(article, 2.5).expect("time");
    let doc = p
        .export_iter(None, None, None)
        .expect("export")
        .next()
        .expect("first")
        .expect("read");
    assert_eq!(doc.active_seconds, Some(15.0));
    assert_eq!(p.integrity_check().expect("check"), "ok");
}
