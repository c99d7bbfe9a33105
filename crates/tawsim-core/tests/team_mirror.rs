//! The window's session on a team project ([`TeamMirror`] behind [`AnyStore`]): it opens on
//! a thread of its own, documents arrive from the server, edits are kept in order while the
//! server is stopped and written once each when it is back, others' changes arrive over
//! LISTEN/NOTIFY, and "next document" asks the server without waiting for it.

#[path = "support/pg.rs"]
mod pg;

use std::sync::Arc;
use std::time::{Duration, Instant};
use tawsim_core::domain::{AnnotatedDocument, DocStatus, Role};
use tawsim_core::session::{Session, SessionOp};
use tawsim_core::store::pg::{Spread, add_annotator, assign, team_init};
use tawsim_core::store::{AnyStore, PgProject, Store, StoreError, TeamLocation, TeamMirror};

const WORD: &str = "بنغازي";

/// Polls the session (as the window does every frame) until `done` holds, for up to 30 s.
fn until<T>(
    what: &str,
    s: &mut Session<AnyStore>,
    mut done: impl FnMut(&Session<AnyStore>) -> Option<T>,
) -> T {
    let t0 = Instant::now();
    loop {
        s.poll();
        if let Some(v) = done(s) {
            return v;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "{what}: not after 30 s (status: {}, error: {:?}, sync: {:?})",
            s.status,
            s.error,
            s.sync_state()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn open(loc: TeamLocation, journal: &std::path::Path) -> TeamMirror {
    let mut opening = TeamMirror::open(loc, Arc::new(|| {}), Some(journal));
    let t0 = Instant::now();
    loop {
        if let Some(r) = opening.poll() {
            return r.expect("opened");
        }
        assert!(t0.elapsed() < Duration::from_secs(30), "not opened");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_window_session_on_a_team_project_keeps_every_edit_through_an_outage_and_hears_others() {
    let test = "the_window_session_on_a_team_project";
    // A server of this test's own: it is stopped and started again.
    let Some(server) = pg::own_server(test, &[], |_| Ok(())) else {
        return;
    };
    let project = pg::unique("mirror");
    let amina = pg::unique("amina");
    let mloc = TeamLocation::parse(&server.project_url("postgres", &project), None).expect("url");
    team_init(&mloc).expect("init");
    add_annotator(&mloc, &amina, Role::Annotator, Some("pw")).expect("add");
    let mut manager = PgProject::open(&mloc).expect("open");
    let text = vec![WORD; 40].join(" ");
    let n = WORD.chars().count();
    manager
        .import(
            |sink| {
                for name in ["d0", "d1", "d2"] {
                    sink.add(AnnotatedDocument {
                        name: name.into(),
                        text: text.clone(),
                        ..Default::default()
                    })?;
                }
                Ok::<_, StoreError>(())
            },
            |_| true,
        )
        .expect("import");
    let docs = manager.documents().expect("docs");
    let per = manager.labels().by_name("PER").expect("PER").id;

    // Open as amina: the project arrives from its thread, then the first document.
    let aloc = TeamLocation::parse(&server.project_url(&amina, &project), None).expect("url");
    let mut s: Session<AnyStore> = Session::new();
    let journal = tempfile::tempdir().expect("tmp");
    s.set_project(open(aloc, journal.path()).into());
    assert_eq!(s.annotator(), amina);
    assert_eq!(s.documents().len(), 3);
    let first = until("the first document", &mut s, |s| s.current().map(|d| d.id));
    assert_eq!(first, docs[0].id);

    // An edit is made at once in memory and reaches the server.
    let word = |k: usize| Some((k * (n + 1), k * (n + 1) + n));
    s.apply(SessionOp::ApplyLabel {
        label: per,
        selection: word(0),
    });
    assert_eq!(s.current().map(|d| d.ann.spans.len()), Some(1));
    until("written", &mut s, |s| {
        s.sync_state().filter(|x| x.waiting == 0).map(drop)
    });
    let me = s
        .project()
        .and_then(|p| p.annotator().0)
        .expect("amina's id");
    let stored = |m: &PgProject| m.annotations_of(first, me).expect("layer").spans.len();
    assert_eq!(stored(&manager), 1);

    // The server goes away: edits go on in memory, in order, and the window is told.
    server.stop();
    for k in 1..=5 {
        // A new selection, as the view makes one (the label key would relabel the
        // selected span otherwise).
        s.apply(SessionOp::ClearSelection);
        s.apply(SessionOp::ApplyLabel {
            label: per,
            selection: word(k),
        });
    }
    s.apply(SessionOp::Undo);
    s.apply(SessionOp::SetStatus(DocStatus::Done));
    assert_eq!(s.current().map(|d| d.ann.spans.len()), Some(5));
    let why = until("told the server is unreachable", &mut s, |s| {
        s.sync_state().and_then(|x| x.unreachable)
    });
    assert!(why.contains("server unreachable"), "{why}");
    assert!(s.sync_state().is_some_and(|x| x.waiting > 0));
    std::thread::sleep(Duration::from_millis(1500));
    server.restart();
    until("every waiting edit written", &mut s, |s| {
        s.sync_state()
            .filter(|x| x.waiting == 0 && x.unreachable.is_none())
            .map(drop)
    });
    // The edits waited in the journal on the local disk, which is empty now the server has
    // them all.
    let kept: Vec<_> = std::fs::read_dir(journal.path())
        .expect("journal folder")
        .map(|e| std::fs::read_to_string(e.expect("entry").path()).expect("read"))
        .collect();
    assert_eq!(kept, vec![String::new()], "one journal, emptied");
    let mut manager = PgProject::open(&mloc).expect("open again");
    let ann = manager.annotations_of(first, me).expect("layer");
    assert_eq!(ann.spans.len(), 5, "five spans: six added, one undone");
    assert_eq!(ann.status, DocStatus::Done);
    let mut c = server.client("postgres");
    let q = format!("tawsim_{project}");
    let count = |c: &mut postgres::Client, sql: &str| -> i64 {
        c.query_one(sql.replace("Q", &q).as_str(), &[])
            .expect("count")
            .get(0)
    };
    // Eight writes: six adds, one undo, the status (which drops the undone step from the
    // history, as a new edit after an undo does): six history rows, each once, and one
    // edit id per write.
    assert_eq!(count(&mut c, "SELECT COUNT(*) FROM Q.layer_history"), 6);
    assert_eq!(
        count(&mut c, "SELECT COUNT(*) FROM Q.layer_history WHERE undone"),
        0
    );
    assert_eq!(count(&mut c, "SELECT COUNT(*) FROM Q.applied_ops"), 8);

    // Another's change arrives without a restart: the manager adds a label.
    let mut labels = manager.labels().clone();
    labels.add("FAC").expect("add");
    manager.save_labels(&labels).expect("save");
    until("the manager's label", &mut s, |s| {
        s.labels().by_name("FAC").map(drop)
    });

    // Next document asks the server and opens its answer: every document is assigned to
    // amina, d0 is done, so d1.
    assign(
        &mloc,
        1,
        Spread::RoundRobin,
        std::slice::from_ref(&amina),
        None,
    )
    .expect("assign");
    s.apply(SessionOp::NextAssigned);
    let next = until("the next assigned document", &mut s, |s| {
        s.current().map(|d| d.id).filter(|id| *id != first)
    });
    assert_eq!(next, docs[1].id);
    // Progress on the assignments, as the status bar shows it.
    until("progress on the assignments", &mut s, |s| {
        s.sync_state()
            .filter(|x| x.progress == vec![(amina.clone(), 1, 3)])
            .map(drop)
    });
}

/// The journal files in a folder, with their lines.
fn journals(dir: &std::path::Path) -> Vec<(String, usize)> {
    let mut v: Vec<(String, usize)> = std::fs::read_dir(dir)
        .expect("journal folder")
        .map(|e| {
            let p = e.expect("entry").path();
            let lines = std::fs::read_to_string(&p).expect("read").lines().count();
            (p.file_name().expect("name").to_string_lossy().into(), lines)
        })
        .collect();
    v.sort();
    v
}

#[test]
fn two_windows_of_one_annotator_keep_a_journal_each_and_a_closed_ones_edits_are_written_later() {
    let test = "two_windows_of_one_annotator";
    let Some(server) = pg::own_server(test, &[], |_| Ok(())) else {
        return;
    };
    let project = pg::unique("journals");
    let amina = pg::unique("amina");
    let mloc = TeamLocation::parse(&server.project_url("postgres", &project), None).expect("url");
    team_init(&mloc).expect("init");
    add_annotator(&mloc, &amina, Role::Annotator, Some("pw")).expect("add");
    let mut manager = PgProject::open(&mloc).expect("open");
    manager
        .import(
            |sink| {
                for name in ["d0", "d1"] {
                    sink.add(AnnotatedDocument {
                        name: name.into(),
                        text: WORD.into(),
                        ..Default::default()
                    })?;
                }
                Ok::<_, StoreError>(())
            },
            |_| true,
        )
        .expect("import");
    let docs = manager.documents().expect("docs");
    let per = manager.labels().by_name("PER").expect("PER").id;
    drop(manager);
    let aloc = TeamLocation::parse(&server.project_url(&amina, &project), None).expect("url");
    let dir = tempfile::tempdir().expect("tmp");
    // Two windows of amina's at once, on the same computer.
    let mut windows: Vec<Session<AnyStore>> = (0..2)
        .map(|_| {
            let mut s: Session<AnyStore> = Session::new();
            s.set_project(open(aloc.clone(), dir.path()).into());
            s
        })
        .collect();
    assert_eq!(journals(dir.path()).len(), 2, "a journal each");
    // Each opens a document of its own; with the server away, each labels it.
    for (s, d) in windows.iter_mut().zip(&docs) {
        s.apply(SessionOp::SelectDocument(d.id));
        until("the document", s, |s| {
            s.current().filter(|c| c.id == d.id).map(drop)
        });
    }
    server.stop();
    let n = WORD.chars().count();
    for s in &mut windows {
        s.apply(SessionOp::ApplyLabel {
            label: per,
            selection: Some((0, n)),
        });
    }
    assert_eq!(
        journals(dir.path()).iter().map(|j| j.1).collect::<Vec<_>>(),
        [1, 1]
    );
    // The first window is closed anyway while the server is away: its edit stays in its
    // journal. The second writes its own once the server is back, and empties its journal
    // only.
    let first = windows.remove(0);
    drop(first);
    server.restart();
    let mut second = windows.remove(0);
    until("the second window's edit written", &mut second, |s| {
        s.sync_state()
            .filter(|x| x.waiting == 0 && x.unreachable.is_none())
            .map(drop)
    });
    let mut lines: Vec<usize> = journals(dir.path()).iter().map(|j| j.1).collect();
    lines.sort_unstable();
    assert_eq!(lines, [0, 1], "the closed window's edit is still kept");
    // A window opened later writes it (the one journal nobody holds), then removes that
    // journal or keeps it as its own, empty.
    let third = open(aloc.clone(), dir.path());
    assert_eq!(third.replayed(), 1);
    let lines: Vec<usize> = journals(dir.path()).iter().map(|j| j.1).collect();
    assert!(lines.iter().all(|&l| l == 0), "{lines:?}");
    let m = PgProject::open(&mloc).expect("open");
    let me = m
        .annotators()
        .expect("annotators")
        .into_iter()
        .find(|a| a.name == amina)
        .expect("amina")
        .id;
    for d in &docs {
        assert_eq!(
            m.annotations_of(d.id, me).expect("layer").spans.len(),
            1,
            "{} labelled once",
            d.name
        );
    }
    drop(second);
    drop(third);
}

#[test]
fn a_manager_curates_a_team_document_in_the_window_session_and_an_annotator_may_not() {
    let test = "a_manager_curates_a_team_document";
    let Some(server) = pg::own_server(test, &[], |_| Ok(())) else {
        return;
    };
    let project = pg::unique("curation");
    let (amina, bilal, mona) = (pg::unique("amina"), pg::unique("bilal"), pg::unique("mona"));
    let owner = TeamLocation::parse(&server.project_url("postgres", &project), None).expect("url");
    team_init(&owner).expect("init");
    for (who, role) in [
        (&amina, Role::Annotator),
        (&bilal, Role::Annotator),
        (&mona, Role::Manager),
    ] {
        add_annotator(&owner, who, role, Some("pw")).expect("add");
    }
    let text = "زار غسان سلامة جنيف أمس";
    let mut m = PgProject::open(&owner).expect("open");
    m.import(
        |sink| {
            sink.add(AnnotatedDocument {
                name: "news".into(),
                text: text.into(),
                ..Default::default()
            })?;
            Ok::<_, StoreError>(())
        },
        |_| true,
    )
    .expect("import");
    let doc = m.documents().expect("docs")[0].id;
    let l = |n: &str| m.labels().by_name(n).expect("label").id;
    let (per, loc, org) = (l("PER"), l("LOC"), l("ORG"));
    let sp = |s, e, l| tawsim_core::domain::Span::new(s, e, l).expect("span");
    // amina and bilal label the document, each on their own connection.
    for (who, city) in [(&amina, loc), (&bilal, org)] {
        let loc = TeamLocation::parse(&server.project_url(who, &project), None).expect("url");
        let mut p = PgProject::open(&loc).expect("open");
        for span in [sp(4, 14, per), sp(15, 19, city)] {
            p.apply(doc, &tawsim_core::domain::Edit::AddSpan { span })
                .expect("apply");
        }
    }
    let dir = tempfile::tempdir().expect("tmp");
    // An annotator's window may not curate.
    let bloc = TeamLocation::parse(&server.project_url(&bilal, &project), None).expect("url");
    let mut b: Session<AnyStore> = Session::new();
    b.set_project(open(bloc, dir.path()).into());
    b.apply(SessionOp::Curate(true));
    assert!(b.curation().is_none());
    assert!(b.status.contains("only a manager curates"), "{}", b.status);
    drop(b);

    // Mona's window: curation mode reads both layers from the server.
    let mloc = TeamLocation::parse(&server.project_url(&mona, &project), None).expect("url");
    let mut s: Session<AnyStore> = Session::new();
    s.set_project(open(mloc, dir.path()).into());
    until("the document", &mut s, |s| s.current().map(drop));
    s.apply(SessionOp::Curate(true));
    let n = until("both annotators' layers", &mut s, |s| {
        s.curation()
            .filter(|c| !c.waiting && c.layers.len() == 2)
            .map(|c| c.disagreements())
    });
    assert_eq!(n, 1, "جنيف: LOC or ORG");
    until("the curated layer open", &mut s, |s| {
        s.current()
            .filter(|d| d.ann.spans.is_empty())
            .and(s.project().filter(|p| p.annotator().1 == "curated"))
            .map(drop)
    });
    s.apply(SessionOp::AcceptAgreements);
    s.apply(SessionOp::NextDisagreement { back: false });
    let bilal_at = s
        .curation()
        .and_then(|c| c.layers.iter().position(|(a, _)| a.name == bilal))
        .expect("bilal's lane");
    s.apply(SessionOp::SettleRegion(Some(bilal_at)));
    s.apply(SessionOp::SetStatus(DocStatus::Done));
    until("written", &mut s, |s| {
        s.sync_state().filter(|x| x.waiting == 0).map(drop)
    });
    // On the server: the curated layer (made by mona's first write), done; her own layer and
    // the annotators' untouched.
    let m = PgProject::open(&owner).expect("open");
    let all = m.annotators().expect("annotators");
    let id = |n: &str| all.iter().find(|a| a.name == n).expect(n).id;
    let curated = m.annotations_of(doc, id("curated")).expect("curated");
    assert_eq!(curated.spans.as_slice(), [sp(4, 14, per), sp(15, 19, org)]);
    assert_eq!(curated.status, DocStatus::Done);
    assert!(
        m.annotations_of(doc, id(&mona))
            .expect("mona")
            .spans
            .is_empty()
    );
    assert_eq!(
        m.annotations_of(doc, id(&amina))
            .expect("amina")
            .spans
            .as_slice(),
        [sp(4, 14, per), sp(15, 19, loc)]
    );
    // Curation off: mona's own layer again, and an edit goes there.
    s.apply(SessionOp::Curate(false));
    until("mona's own layer", &mut s, |s| {
        s.project()
            .filter(|p| p.annotator().1 == mona)
            .and(s.current().filter(|d| d.ann.spans.is_empty()))
            .map(drop)
    });
}

#[test]
fn suggestions_a_manager_keeps_from_the_window_reach_an_annotators_open_window_live() {
    let test = "suggestions_a_manager_keeps_from_the_window";
    let Some(server) = pg::server(test) else {
        return;
    };
    let project = pg::unique("suggest");
    let (amina, mona) = (pg::unique("amina"), pg::unique("mona"));
    let owner = TeamLocation::parse(&server.project_url("postgres", &project), None).expect("url");
    team_init(&owner).expect("init");
    add_annotator(&owner, &amina, Role::Annotator, Some("pw")).expect("add");
    add_annotator(&owner, &mona, Role::Manager, Some("pw")).expect("add");
    let text = [WORD; 4].join(" ");
    let n = WORD.chars().count();
    let mut m = PgProject::open(&owner).expect("open");
    m.import(
        |sink| {
            sink.add(AnnotatedDocument {
                name: "d0".into(),
                text: text.clone(),
                ..Default::default()
            })
            .map(drop)
        },
        |_| true,
    )
    .expect("import");
    let dir = tempfile::tempdir().expect("tmp");
    let gazetteer = dir.path().join("places.tsv");
    std::fs::write(&gazetteer, format!("{WORD}\tLOC\n")).expect("gazetteer");
    let window = |who: &str| {
        let loc = TeamLocation::parse(&server.project_url(who, &project), None).expect("url");
        let mut s: Session<AnyStore> = Session::new();
        s.set_project(open(loc, dir.path()).into());
        until("the document", &mut s, |s| s.current().map(drop));
        s
    };
    let open_count = |s: &Session<AnyStore>| s.open_suggestions().len();

    // amina's window is open on the document; there are no suggestions yet.
    let mut a = window(&amina);
    assert_eq!(open_count(&a), 0);
    // An annotator may not keep suggestions for everyone: the job says so.
    a.start_suggest(gazetteer.clone(), None);
    let why = until("the refused job", &mut a, |s| s.error.clone());
    assert!(why.contains("only a manager"), "{why}");
    a.error = None;

    // mona (a manager) runs the gazetteer from her window, as a background job.
    let mut s = window(&mona);
    s.start_suggest(gazetteer, None);
    until("mona's suggestions", &mut s, |s| {
        (open_count(s) == 4 && s.job().is_none()).then_some(())
    });
    // amina's open window hears of them and reads the document's suggestions again.
    until("amina's suggestions", &mut a, |s| {
        (open_count(s) == 4).then_some(())
    });
    // She accepts the first and rejects the next with the review keys.
    a.apply(SessionOp::NextSuggestion {
        back: false,
        from: Some(0),
    });
    a.apply(SessionOp::AcceptSuggestion { from: None });
    a.apply(SessionOp::RejectSuggestion { from: None });
    assert_eq!(open_count(&a), 2);
    until("written", &mut a, |s| {
        s.sync_state().filter(|x| x.waiting == 0).map(drop)
    });
    let me = a
        .project()
        .and_then(|p| p.annotator().0)
        .expect("amina's id");
    let stats = m.suggestion_stats(Some(me)).expect("stats");
    assert_eq!(
        stats
            .iter()
            .map(|x| (x.name.as_str(), x.open, x.accepted, x.rejected, x.total))
            .collect::<Vec<_>>(),
        [("places", 2, 1, 1, 4)]
    );
    let layer = m
        .annotations_of(a.current().expect("doc").id, me)
        .expect("layer");
    assert_eq!(layer.spans.len(), 1);
    assert_eq!(layer.spans.as_slice()[0].start, 0);
    assert_eq!(
        layer
            .rejected
            .iter()
            .map(|x| (x.start, x.end))
            .collect::<Vec<_>>(),
        [(n + 1, 2 * n + 1)]
    );
    // mona's own layer is untouched: all four are still open to her.
    assert_eq!(open_count(&s), 4);
}
