//! The project search index: a search through it finds exactly what reading every document
//! finds (same documents, same offsets, same order), including documents added after the
//! index was updated, and an index of a project that changed under it is rebuilt.

#[path = "support/pg.rs"]
mod pg;

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use tawsim_core::domain::search::{Query, SearchOptions};
use tawsim_core::domain::{AnnotatedDocument, OverlapPolicy, Role};
use tawsim_core::ops::search_project;
use tawsim_core::store::pg::{add_annotator, team_init};
use tawsim_core::store::{PgProject, Project, Store, StoreError, TeamLocation, TextIndex};

/// ANERcorp's tokens as documents of 40 tokens each (its quirks included: harakat-free
/// news text with hamza forms, Latin words, numbers).
fn anercorp_docs(n: usize, skip: usize) -> Vec<AnnotatedDocument> {
    anercorp_docs_of(40, n, skip)
}

/// ANERcorp's tokens as documents of `size` tokens each.
fn anercorp_docs_of(size: usize, n: usize, skip: usize) -> Vec<AnnotatedDocument> {
    let corpus = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/corpora/anercorp/ANERCorp.txt"
    ))
    .expect("ANERcorp");
    let tokens: Vec<&str> = corpus
        .lines()
        .filter_map(|l| l.rsplit_once(' ').map(|(t, _)| t.trim()))
        .filter(|t| !t.is_empty())
        .collect();
    tokens
        .chunks(size)
        .skip(skip)
        .take(n)
        .enumerate()
        .map(|(k, c)| AnnotatedDocument {
            name: format!("d{}", k + skip),
            text: c.join(" "),
            ..Default::default()
        })
        .collect()
}

fn add(p: &mut impl Store, docs: Vec<AnnotatedDocument>) {
    p.import(
        |sink| {
            for d in docs {
                sink.add(d)?;
            }
            Ok::<_, StoreError>(())
        },
        |_| true,
    )
    .expect("import");
}

fn query(text: &str, whole_word: bool, clitic_aware: bool) -> Query {
    Query {
        text: text.into(),
        opts: SearchOptions {
            whole_word,
            clitic_aware,
        },
        label: None,
        policy: OverlapPolicy::Forbid,
    }
}

fn hits(
    p: &impl Store,
    text: &str,
    whole_word: bool,
    clitic_aware: bool,
) -> Vec<(i64, usize, usize)> {
    let (h, _) = search_project(
        p,
        &query(text, whole_word, clitic_aware),
        None,
        100_000,
        None,
        None,
    )
    .expect("search")
    .expect("not cancelled");
    h.into_iter().map(|h| (h.doc.0, h.start, h.end)).collect()
}

const QUERIES: &[&str] = &[
    "أحمد",
    "احمد",
    "الولايات المتحدة",
    "فلسطين",
    "بوش",
    "Reuters",
    "عام 2003",
    "في",
    "ة",
    "مؤتمر",
    "زززز",
];

fn all_modes(p: &impl Store) -> Vec<Vec<(i64, usize, usize)>> {
    let mut out = Vec::new();
    for q in QUERIES {
        for (w, c) in [(false, false), (true, false), (true, true)] {
            out.push(hits(p, q, w, c));
        }
    }
    out
}

fn without_index(p: &Project, path: &Path) -> Vec<Vec<(i64, usize, usize)>> {
    let ix = TextIndex::path_for(path);
    let kept = ix.with_extension("kept");
    let _ = std::fs::rename(&ix, &kept);
    let r = all_modes(p);
    let _ = std::fs::rename(&kept, &ix);
    r
}

#[test]
fn a_search_through_the_index_finds_what_reading_every_document_finds() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("p.tawsim");
    let mut p = Project::create(&path).expect("create");
    add(&mut p, anercorp_docs(1500, 0));
    let read = all_modes(&p);
    assert!(
        read.iter().filter(|h| !h.is_empty()).count() > 20,
        "{read:?}"
    );

    let mut ix = TextIndex::open(&path).expect("index");
    assert_eq!(ix.update(&p, None, None).expect("update"), 1500);
    assert_eq!(ix.update(&p, None, None).expect("again"), 0, "up to date");
    assert_eq!(all_modes(&p), read, "indexed = read");

    // Documents added since the update are read one by one after the indexed ones.
    add(&mut p, anercorp_docs(300, 1500));
    let read = without_index(&p, &path);
    assert_eq!(all_modes(&p), read, "index + the documents after it");
    assert_eq!(ix.update(&p, None, None).expect("update"), 300);
    assert_eq!(all_modes(&p), read);

    // A deleted document is not found; its id taken again by a new document (SQLite gives
    // the highest id again) makes the index rebuild rather than miss it.
    let last = p.documents().expect("docs").last().expect("last").id;
    p.delete_documents(&[last]).expect("delete");
    let read = without_index(&p, &path);
    assert_eq!(all_modes(&p), read, "a deleted document is not found");
    assert_eq!(
        ix.update(&p, None, None).expect("update"),
        0,
        "nothing to index"
    );
    add(
        &mut p,
        vec![AnnotatedDocument {
            name: "new".into(),
            text: "زززز في مؤتمر أحمد".into(),
            ..Default::default()
        }],
    );
    assert_eq!(p.documents().expect("docs").last().expect("last").id, last);
    let read = without_index(&p, &path);
    assert!(
        read.iter().any(|h| h.iter().any(|x| x.0 == last.0)),
        "the new text is found"
    );
    assert_eq!(all_modes(&p), read, "a stale index is not used");
    assert_eq!(ix.update(&p, None, None).expect("rebuild"), 1800);
    assert_eq!(all_modes(&p), read, "after the rebuild");
}

#[test]
fn a_team_projects_search_through_its_trigram_index_finds_what_reading_every_document_finds() {
    let Some(server) = pg::server("a_team_projects_search_through_its_trigram_index") else {
        return;
    };
    let loc =
        TeamLocation::parse(&server.project_url("postgres", &pg::unique("ix")), None).expect("url");
    team_init(&loc).expect("init");
    let q = format!("tawsim_{}", loc.project);
    let mut su = server.client("postgres");
    let made: i64 = su
        .query_one(
            "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = $1 AND indexname = 'text_index_trigrams'",
            &[&q],
        )
        .expect("indexes")
        .get(0);
    assert_eq!(made, 1, "the pg_trgm index is made with the project");
    let mut m = PgProject::open(&loc).expect("open");
    // More documents than the first range of ids a search asks about (4096), so that a
    // search takes several ranges.
    const N: usize = 6000;
    add(&mut m, anercorp_docs_of(20, N, 0));
    // The same documents in a project file without an index: what reading every one finds.
    let dir = tempfile::tempdir().expect("tmp");
    let mut file = Project::create(&dir.path().join("p.tawsim")).expect("create");
    add(&mut file, anercorp_docs_of(20, N, 0));
    let read = all_modes(&file);
    assert_eq!(
        all_modes(&m),
        read,
        "through the index = reading every document"
    );

    // Only the documents that hold the words are read.
    let visited = |p: &PgProject, text: &str| {
        let n = AtomicU64::new(0);
        search_project(p, &query(text, false, false), None, 100_000, Some(&n), None)
            .expect("search")
            .expect("not cancelled");
        n.load(Ordering::Relaxed)
    };
    let with: Vec<i64> = hits(&file, "فلسطين", false, false)
        .iter()
        .map(|h| h.0)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert!(!with.is_empty());
    assert_eq!(visited(&m, "فلسطين"), with.len() as u64);
    assert_eq!(visited(&m, "زززز"), 0);
    assert_eq!(
        visited(&m, "في"),
        N as u64,
        "a word too short for trigrams reads them all"
    );

    // Documents without a row (as an upgrade leaves a project's documents, marked partial)
    // are read as well, in order, until a manager's update indexes them; an annotator's
    // handle indexes nothing.
    su.batch_execute(&format!(
        "DELETE FROM {q}.text_index WHERE doc_id % 7 = 3;
         INSERT INTO {q}.meta (key, value) VALUES ('text_index_partial', '1')"
    ))
    .expect("unindex some");
    assert_eq!(all_modes(&m), read, "unindexed documents are read");
    let amina = pg::unique("amina");
    add_annotator(&loc, &amina, Role::Annotator, Some("pw")).expect("add");
    let a = PgProject::open(
        &TeamLocation::parse(&server.project_url(&amina, &loc.project), None).expect("url"),
    )
    .expect("open as amina");
    let never = AtomicBool::new(false);
    assert_eq!(a.update_text_index(&never).expect("annotator"), 0);
    assert_eq!(all_modes(&a), read, "an annotator searches through it too");
    let unindexed = (1..=N).filter(|i| i % 7 == 3).count();
    assert_eq!(m.update_text_index(&never).expect("manager"), unindexed);
    assert_eq!(m.update_text_index(&never).expect("again"), 0);
    let partial: i64 = su
        .query_one(
            &format!("SELECT COUNT(*) FROM {q}.meta WHERE key = 'text_index_partial'"),
            &[],
        )
        .expect("meta")
        .get(0);
    assert_eq!(
        partial, 0,
        "every document indexed: searches look for no others"
    );
    assert_eq!(all_modes(&m), read);
}
