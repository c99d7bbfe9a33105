//! A team project on PostgreSQL from the command line, run as real processes against a
//! throwaway server: two annotators label one document blind while the manager sees both
//! layers, and eight annotator processes edit one project at the same time.

#[path = "../crates/tawsim-core/tests/support/pg.rs"]
mod pg;

use std::io::Write as _;
use std::process::{Command, Stdio};

fn tawsim(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tawsim"))
        .args(args)
        .output()
        .expect("run tawsim");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok(args: &[&str]) -> String {
    let (good, out, err) = tawsim(args);
    assert!(good, "tawsim {args:?} failed: {out}{err}");
    out
}

/// `team add-annotator` with the password on standard input.
fn add(url: &str, name: &str, role: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tawsim"))
        .args([
            "team",
            "add-annotator",
            url,
            name,
            "--role",
            role,
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"a password\n")
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "add-annotator {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(&format!("{name} is {role}")), "{stdout}");
    assert!(
        !stdout.contains("a password"),
        "a given password is never printed"
    );
}

fn cp(text: &str, needle: &str) -> (usize, usize) {
    let b = text.find(needle).expect("needle");
    let s = text[..b].chars().count();
    (s, s + needle.chars().count())
}

const TEXT: &str = "وصل المبعوث غسان سلامة إلى جنيف يوم الأحد للقاء وفد الأمم المتحدة.";

#[test]
fn two_annotators_label_one_document_blind_and_the_manager_sees_both_layers() {
    let Some(server) =
        pg::server("two_annotators_label_one_document_blind_and_the_manager_sees_both_layers")
    else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let project = pg::unique("news");
    let (amina, bilal) = (pg::unique("amina"), pg::unique("bilal"));
    let manager = server.project_url("postgres", &project);
    let a_url = server.project_url(&amina, &project);
    let b_url = server.project_url(&bilal, &project);
    let out = ok(&["team", "init", &manager]);
    assert!(out.contains("Created team project"), "{out}");
    add(&manager, &amina, "annotator");
    add(&manager, &bilal, "annotator");
    let text = dir.path().join("article.txt");
    std::fs::write(&text, TEXT).expect("write");
    ok(&["import", &manager, text.to_str().expect("utf-8")]);

    // Each annotator runs their own session (the window's, headless) on the document.
    let (ps, pe) = cp(TEXT, "غسان سلامة");
    let (ls, le) = cp(TEXT, "جنيف");
    let script = |name: &str, body: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, body).expect("script");
        p
    };
    let sa = script(
        "a.txt",
        &format!("doc 0\nadd {ps} {pe} PER\nadd {ls} {le} LOC\nstatus done\n"),
    );
    let sb = script("b.txt", &format!("doc 0\nadd {ls} {le} GPE\n"));
    let out = ok(&["--script", sa.to_str().expect("p"), &a_url]);
    assert_eq!(out.lines().last(), Some("ok 4"));
    ok(&["--script", sb.to_str().expect("p"), &b_url]);

    // Each sees only their own spans.
    let export = |url: &str, who: Option<&str>, file: &str| {
        let o = dir.path().join(file);
        let mut args = vec![
            "export",
            url,
            "--format",
            "doccano",
            "-o",
            o.to_str().expect("p"),
        ];
        if let Some(w) = who {
            args.extend(["--annotator", w]);
        }
        let (good, out, err) = tawsim(&args);
        (
            good,
            std::fs::read_to_string(&o).unwrap_or_default(),
            out + &err,
        )
    };
    let labels = |jsonl: &str| -> Vec<(u64, u64, String)> {
        let v: serde_json::Value = serde_json::from_str(jsonl.trim()).expect("one json line");
        let mut l: Vec<(u64, u64, String)> = v["label"]
            .as_array()
            .expect("label")
            .iter()
            .map(|x| {
                (
                    x[0].as_u64().expect("s"),
                    x[1].as_u64().expect("e"),
                    x[2].as_str().expect("l").to_string(),
                )
            })
            .collect();
        l.sort();
        l
    };
    let (good, a_own, msg) = export(&a_url, None, "a.jsonl");
    assert!(good, "{msg}");
    assert_eq!(
        labels(&a_own),
        vec![
            (ps as u64, pe as u64, "PER".into()),
            (ls as u64, le as u64, "LOC".into())
        ]
    );
    let (good, b_own, msg) = export(&b_url, None, "b.jsonl");
    assert!(good, "{msg}");
    assert_eq!(labels(&b_own), vec![(ls as u64, le as u64, "GPE".into())]);
    // Bilal asking for amina's layer is refused while the project is blind.
    let (good, _, msg) = export(&b_url, Some(&amina), "b-of-a.jsonl");
    assert!(!good && msg.contains("not shown to"), "{msg}");

    // The manager sees both layers, and every annotator's progress.
    let (good, m_a, msg) = export(&manager, Some(&amina), "m-a.jsonl");
    assert!(good, "{msg}");
    assert_eq!(m_a, a_own);
    let (good, m_b, _) = export(&manager, Some(&bilal), "m-b.jsonl");
    assert!(good);
    assert_eq!(m_b, b_own);
    let stats = ok(&["stats", &manager]);
    assert!(
        stats.contains(&format!(
            "annotator {amina} (annotator): 2 span(s), 1 done, 0 in progress"
        )),
        "{stats}"
    );
    assert!(
        stats.contains(&format!("annotator {bilal} (annotator): 1 span(s), 0 done")),
        "{stats}"
    );
    // An annotator's stats list their own layer only while blind.
    let stats = ok(&["stats", &b_url]);
    assert!(!stats.contains(&amina), "{stats}");

    // Agreement: the manager compares both layers (amina has PER and LOC, bilal GPE where
    // amina has LOC: no span the same); bilal may not while the project is blind.
    let json = ok(&["agreement", &manager, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    let pair = &v["pairs"][0];
    assert_eq!(
        (pair["a"].as_str(), pair["b"].as_str()),
        (Some(amina.as_str()), Some(bilal.as_str())),
        "{json}"
    );
    assert_eq!(pair["span_f1_exact"], 0.0, "{json}");
    assert_eq!(
        pair["confusion"],
        serde_json::json!([{"a": "LOC", "b": "GPE", "spans": 1}]),
        "{json}"
    );
    assert_eq!(pair["only_a"], serde_json::json!({"PER": 1}), "{json}");
    let (good, _, err) = tawsim(&["agreement", &b_url]);
    assert!(!good && err.contains("blind"), "{err}");

    // Once the manager shows layers, bilal reads amina's (and still cannot change it).
    ok(&["project", "set", &manager, "layers", "visible"]);
    let (good, b_a, msg) = export(&b_url, Some(&amina), "b-of-a2.jsonl");
    assert!(good, "{msg}");
    assert_eq!(b_a, a_own);
    // An annotator cannot change the project's settings.
    let (good, _, err) = tawsim(&["project", "set", &b_url, "layers", "blind"]);
    assert!(!good && err.contains("permission denied"), "{err}");
    // --annotator on a team project must be the role connected.
    let (good, _, err) = tawsim(&[
        "--script",
        sb.to_str().expect("p"),
        &b_url,
        "--annotator",
        &amina,
    ]);
    assert!(
        !good && err.contains("you annotate as the role you connect as"),
        "{err}"
    );
}

#[test]
fn eight_annotator_processes_edit_one_team_project_at_once_and_every_acknowledged_edit_is_there_once()
 {
    let Some(server) = pg::server("eight_annotator_processes_edit_one_team_project_at_once") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let project = pg::unique("crowd");
    let manager = server.project_url("postgres", &project);
    ok(&["team", "init", &manager]);
    let word = "كلمة";
    let words = 400;
    let text = vec![word; words].join(" ");
    let file = dir.path().join("long.txt");
    std::fs::write(&file, &text).expect("write");
    ok(&["import", &manager, file.to_str().expect("p")]);
    let names: Vec<String> = (0..8).map(|i| pg::unique(&format!("a{i}"))).collect();
    for n in &names {
        add(&manager, n, "annotator");
    }
    // Each adds 60 spans (one word each, a different stride per annotator), undoes and
    // redoes the last, and relabels its first.
    let step = word.chars().count() + 1;
    let mut expected = Vec::new();
    let mut children = Vec::new();
    for (i, n) in names.iter().enumerate() {
        let mut body = String::from("doc 0\n");
        let mut spans = Vec::new();
        for k in 0..60 {
            let w = (k * (i + 1)) % words;
            let s = w * step;
            if spans.iter().any(|(a, _, _)| *a == s) {
                continue;
            }
            body.push_str(&format!("add {s} {} PER\n", s + 4));
            spans.push((s, s + 4, "PER".to_string()));
        }
        body.push_str("undo\nredo\n");
        let (s0, e0, _) = spans[0].clone();
        body.push_str(&format!("relabel {s0} {e0} PER ORG\n"));
        spans[0].2 = "ORG".into();
        spans.sort();
        let path = dir.path().join(format!("s{i}.txt"));
        std::fs::write(&path, &body).expect("script");
        let steps = body.lines().count();
        expected.push((n.clone(), spans, steps));
        children.push(
            Command::new(env!("CARGO_BIN_EXE_tawsim"))
                .args([
                    "--script",
                    path.to_str().expect("p"),
                    &server.project_url(n, &project),
                ])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn"),
        );
    }
    let outs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().expect("wait"))
        .collect();
    let mut c = server.client("postgres");
    let q = format!("tawsim_{project}");
    for ((name, spans, steps), out) in expected.iter().zip(&outs) {
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{name}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            stdout.lines().last(),
            Some(format!("ok {steps}").as_str()),
            "{name}: every step acknowledged"
        );
        let rows = c
            .query(
                &format!(
                    "SELECT s.start, s.\"end\", l.name FROM {q}.layer_spans s
                     JOIN {q}.annotators a ON a.id = s.annotator_id
                     JOIN {q}.labels l ON l.id = s.label_id
                     WHERE a.name = $1 ORDER BY s.start, s.\"end\", l.name"
                ),
                &[name],
            )
            .expect("spans");
        let got: Vec<(usize, usize, String)> = rows
            .iter()
            .map(|r| {
                (
                    r.get::<_, i64>(0) as usize,
                    r.get::<_, i64>(1) as usize,
                    r.get(2),
                )
            })
            .collect();
        assert_eq!(
            &got, spans,
            "{name}'s layer holds exactly their acknowledged edits"
        );
        let history: i64 = c
            .query_one(
                &format!(
                    "SELECT COUNT(*) FROM {q}.layer_history h JOIN {q}.annotators a ON a.id = h.annotator_id
                     WHERE a.name = $1 AND NOT h.undone"
                ),
                &[name],
            )
            .expect("history")
            .get(0);
        assert_eq!(
            history as usize,
            spans.len() + 1,
            "{name}: one step per add, one relabel"
        );
    }
}

/// Assignments of `project` as (document name, annotator name), sorted.
fn assignments(server: &pg::Server, project: &str) -> Vec<(String, String)> {
    let q = format!("tawsim_{project}");
    let mut c = server.client("postgres");
    c.query(
        &format!(
            "SELECT d.name, a.name FROM {q}.assignments s JOIN {q}.documents d ON d.id = s.doc_id
             JOIN {q}.annotators a ON a.id = s.annotator_id ORDER BY d.id, a.name"
        ),
        &[],
    )
    .expect("assignments")
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect()
}

#[test]
fn documents_are_assigned_to_two_annotators_each_and_next_document_hands_out_leases() {
    let Some(server) = pg::server("documents_are_assigned_to_two_annotators_each") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let make = |tag: &str| {
        let project = pg::unique(tag);
        let manager = server.project_url("postgres", &project);
        ok(&["team", "init", &manager]);
        (project, manager)
    };
    let (project, manager) = make("assign");
    let names: Vec<String> = (0..3).map(|i| pg::unique(&format!("n{i}"))).collect();
    for n in &names {
        add(&manager, n, "annotator");
    }
    let mut files = Vec::new();
    for i in 0..6 {
        let f = dir.path().join(format!("d{i}.txt"));
        std::fs::write(&f, format!("الخبر رقم {i} من جنيف.")).expect("write");
        files.push(f.to_str().expect("p").to_string());
    }
    let mut args = vec!["import", manager.as_str()];
    args.extend(files.iter().map(String::as_str));
    ok(&args);
    let out = ok(&["team", "assign", &manager, "--per-doc", "2"]);
    assert!(
        out.contains("Assigned 6 document(s): 12 assignment(s)"),
        "{out}"
    );
    let got = assignments(server, &project);
    // Round-robin: document i goes to annotators 2i and 2i+1 (mod 3).
    let mut want = Vec::new();
    for i in 0..6 {
        for j in 0..2 {
            want.push((format!("d{i}"), names[(2 * i + j) % 3].clone()));
        }
    }
    want.sort();
    let mut got_sorted = got.clone();
    got_sorted.sort();
    assert_eq!(got_sorted, want);
    // Run again: nothing is assigned twice.
    let out = ok(&["team", "assign", &manager, "--per-doc", "2"]);
    assert!(out.contains("Assigned 0 document(s)"), "{out}");

    // Random from a seed: two documents' annotators differ, the same seed gives the same.
    let random = |tag: &str| {
        let (p, m) = make(tag);
        for n in &names {
            add(&m, n, "annotator");
        }
        let mut args = vec!["import", m.as_str()];
        args.extend(files.iter().map(String::as_str));
        ok(&args);
        ok(&["team", "assign", &m, "--per-doc", "2", "--random", "7"]);
        assignments(server, &p)
    };
    let (r1, r2) = (random("rnd"), random("rnd"));
    assert_eq!(r1, r2, "the same seed gives the same assignment");
    assert_eq!(r1.len(), 12);
    for i in 0..6 {
        let mine: Vec<_> = r1.iter().filter(|(d, _)| *d == format!("d{i}")).collect();
        assert_eq!(mine.len(), 2);
        assert_ne!(mine[0].1, mine[1].1, "two different annotators");
    }

    // Next document: the annotator's first assigned one; done-next moves to the next.
    let url = |n: &str| server.project_url(n, &project);
    let first: Vec<String> = want
        .iter()
        .filter(|(_, a)| *a == names[0])
        .map(|(d, _)| d.clone())
        .collect();
    let out = ok(&["team", "next", &url(&names[0])]);
    assert!(out.trim().ends_with(&first[0]), "{out} vs {first:?}");
    let script = dir.path().join("s.txt");
    std::fs::write(&script, "next-assigned\ndone-next\n").expect("script");
    ok(&["--script", script.to_str().expect("p"), &url(&names[0])]);
    let out = ok(&["team", "next", &url(&names[0])]);
    assert!(out.trim().ends_with(&first[1]), "{out} vs {first:?}");
    let stats = ok(&["stats", &manager]);
    assert!(
        stats.contains(&format!("assigned to {}: 4 document(s), 1 done", names[0])),
        "{stats}"
    );

    // Exclusive mode: a document handed to one annotator is not handed to the other.
    let (ex, ex_manager) = make("lease");
    let (a, b) = (pg::unique("la"), pg::unique("lb"));
    add(&ex_manager, &a, "annotator");
    add(&ex_manager, &b, "annotator");
    let mut args = vec!["import", ex_manager.as_str()];
    args.extend(files[..2].iter().map(String::as_str));
    ok(&args);
    ok(&[
        "team",
        "assign",
        &ex_manager,
        "--per-doc",
        "2",
        "--lease",
        "30",
    ]);
    let ex_url = |n: &str| server.project_url(n, &ex);
    let got_a = ok(&["team", "next", &ex_url(&a)]);
    let got_b = ok(&["team", "next", &ex_url(&b)]);
    assert!(got_a.trim().ends_with("d0"), "{got_a}");
    assert!(got_b.trim().ends_with("d1"), "d0 is leased to {a}: {got_b}");
    // Asking again keeps one's own lease.
    assert_eq!(ok(&["team", "next", &ex_url(&a)]), got_a);
    // Once b marks d1 done and a has d0, nothing is left for b.
    std::fs::write(&script, "next-assigned\nstatus done\n").expect("script");
    ok(&["--script", script.to_str().expect("p"), &ex_url(&b)]);
    let out = ok(&["team", "next", &ex_url(&b)]);
    assert!(
        out.contains("every document assigned to you is done"),
        "{out}"
    );
    // a marks d0 done: its lease is given back, and b is handed it.
    std::fs::write(&script, "next-assigned\nstatus done\n").expect("script");
    ok(&["--script", script.to_str().expect("p"), &ex_url(&a)]);
    let out = ok(&["team", "next", &ex_url(&b)]);
    assert!(out.trim().ends_with("d0"), "{out}");
}

#[test]
fn a_server_stopped_and_restarted_during_a_scripted_run_loses_no_edit_and_writes_none_twice() {
    let test = "a_server_stopped_and_restarted_during_a_scripted_run";
    // A server of this test's own: it is stopped and started again.
    let Some(server) = pg::own_server(test, &[], |_| Ok(())) else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let project = pg::unique("outage");
    let manager = server.project_url("postgres", &project);
    ok(&["team", "init", &manager]);
    let who = pg::unique("w");
    add(&manager, &who, "annotator");
    let word = "كلمة";
    let text = vec![word; 100].join(" ");
    let file = dir.path().join("t.txt");
    std::fs::write(&file, &text).expect("write");
    ok(&["import", &manager, file.to_str().expect("p")]);
    let edits = 30;
    let mut body = String::from("doc 0\n");
    for k in 0..edits {
        let s = k * (word.chars().count() + 1);
        body.push_str(&format!("add {s} {} PER\nsleep 100\n", s + 4));
    }
    let script = dir.path().join("s.txt");
    std::fs::write(&script, &body).expect("script");
    let child = Command::new(env!("CARGO_BIN_EXE_tawsim"))
        .args([
            "--script",
            script.to_str().expect("p"),
            &server.project_url(&who, &project),
        ])
        .env("TAWSIM_TEAM_RETRY_SECS", "60")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // A second into the run (about ten edits in), the server goes away for two seconds.
    std::thread::sleep(std::time::Duration::from_millis(1000));
    server.stop();
    std::thread::sleep(std::time::Duration::from_millis(2000));
    server.restart();
    let out = child.wait_with_output().expect("wait");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let steps = body.lines().count();
    assert_eq!(stdout.lines().last(), Some(format!("ok {steps}").as_str()));
    let q = format!("tawsim_{project}");
    let mut c = server.client("postgres");
    let mut count = |sql: &str| -> i64 {
        c.query_one(
            &format!("{sql} WHERE annotator_id = (SELECT id FROM {q}.annotators WHERE name = $1)"),
            &[&who],
        )
        .expect(sql)
        .get(0)
    };
    let spans = count(&format!("SELECT COUNT(*) FROM {q}.layer_spans"));
    let history = count(&format!("SELECT COUNT(*) FROM {q}.layer_history"));
    let ops = count(&format!("SELECT COUNT(*) FROM {q}.applied_ops"));
    assert_eq!(
        (spans, history, ops),
        (edits as i64, edits as i64, edits as i64),
        "every edit once: spans, history steps, committed edit ids"
    );
}

#[test]
fn a_team_url_among_files_is_refused_clearly_instead_of_treated_as_a_file() {
    let out = Command::new(env!("CARGO_BIN_EXE_tawsim"))
        .args([
            "postgres://amina@127.0.0.1:1/corpus?project=news",
            "notes.txt",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("a team project opens on its own"), "{err}");
}

#[test]
fn team_watch_shows_what_the_manager_changes_and_what_others_mark_done() {
    let Some(server) = pg::server("team_watch_shows_what_the_manager_changes") else {
        return;
    };
    use std::io::BufRead as _;
    let dir = tempfile::tempdir().expect("tmp");
    let project = pg::unique("live");
    let manager = server.project_url("postgres", &project);
    ok(&["team", "init", &manager]);
    let amina = pg::unique("amina");
    add(&manager, &amina, "annotator");
    let file = dir.path().join("t.txt");
    std::fs::write(&file, TEXT).expect("write");
    ok(&["import", &manager, file.to_str().expect("p")]);
    // Amina's open project watches; the manager and another annotator change things.
    let mut watch = Command::new(env!("CARGO_BIN_EXE_tawsim"))
        .args([
            "team",
            "watch",
            &server.project_url(&amina, &project),
            "--seconds",
            "60",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn watch");
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = watch.stdout.take().expect("stdout");
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let wait_for = |want: &str| {
        let t0 = std::time::Instant::now();
        while t0.elapsed() < std::time::Duration::from_secs(20) {
            if let Ok(line) = rx.recv_timeout(std::time::Duration::from_millis(200))
                && line == want
            {
                return;
            }
        }
        panic!("no {want:?} from team watch");
    };
    wait_for(&format!(
        "watching {}",
        server.project_url(&amina, &project)
    ));
    ok(&["project", "set", &manager, "layers", "visible"]);
    wait_for("changed: meta");
    let bilal = pg::unique("bilal");
    add(&manager, &bilal, "annotator");
    wait_for("changed: annotators");
    let script = dir.path().join("s.txt");
    std::fs::write(&script, "doc 0\nstatus done\n").expect("script");
    ok(&[
        "--script",
        script.to_str().expect("p"),
        &server.project_url(&bilal, &project),
    ]);
    wait_for("changed: layer_status");
    ok(&["team", "assign", &manager]);
    wait_for("changed: assignments");
    let _ = watch.kill();
    let _ = watch.wait();
}

/// The curated layer's spans of a team project on the server: (start, end, label).
fn curated_spans(server: &pg::Server, project: &str) -> Vec<(i64, i64, String)> {
    let q = format!("tawsim_{project}");
    server
        .client("postgres")
        .query(
            &format!(
                "SELECT s.start, s.\"end\", l.name FROM {q}.layer_spans s
                 JOIN {q}.annotators a ON a.id = s.annotator_id JOIN {q}.labels l ON l.id = s.label_id
                 WHERE a.name = 'curated' ORDER BY s.start"
            ),
            &[],
        )
        .expect("curated spans")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

#[test]
fn a_manager_curates_a_team_project_an_annotator_cannot_and_an_old_project_is_upgraded_by_its_owner()
 {
    let Some(server) = pg::server("a_manager_curates_a_team_project") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let project = pg::unique("curate");
    let (amina, bilal, mona) = (pg::unique("amina"), pg::unique("bilal"), pg::unique("mona"));
    let owner = server.project_url("postgres", &project);
    let a_url = server.project_url(&amina, &project);
    let b_url = server.project_url(&bilal, &project);
    let m_url = server.project_url(&mona, &project);
    ok(&["team", "init", &owner]);
    add(&owner, &amina, "annotator");
    add(&owner, &bilal, "annotator");
    add(&owner, &mona, "manager");
    let (gone, _, err) = tawsim(&["team", "add-annotator", &owner, "curated"]);
    assert!(!gone && err.contains("curated layer"), "{err}");
    let text = dir.path().join("article.txt");
    std::fs::write(&text, TEXT).expect("write");
    ok(&["import", &owner, text.to_str().expect("utf-8")]);
    let (ps, pe) = cp(TEXT, "غسان سلامة");
    let (ls, le) = cp(TEXT, "جنيف");
    for (url, city, file) in [(&a_url, "LOC", "a.txt"), (&b_url, "GPE", "b.txt")] {
        let script = dir.path().join(file);
        std::fs::write(
            &script,
            format!("doc 0\nadd {ps} {pe} PER\nadd {ls} {le} {city}\nstatus done\n"),
        )
        .expect("script");
        ok(&["--script", script.to_str().expect("p"), url]);
    }

    // A project made before curation existed: schema 1, without the curated layer's
    // permissions, the time table, the suggestion and relation tables (as an older release
    // made it).
    let q = format!("tawsim_{project}");
    let mut c = server.client("postgres");
    c.batch_execute(&format!(
        "DROP TABLE {q}.layer_relations, {q}.layer_doc_labels;
         ALTER TABLE {q}.labels DROP COLUMN kind, DROP COLUMN options;
         DROP TABLE {q}.suggestions, {q}.layer_rejections, {q}.suggestion_sources, {q}.text_index;
         DELETE FROM {q}.meta WHERE key = 'suggestions_version';
         DROP POLICY curate ON {q}.layer_spans; DROP POLICY curate ON {q}.layer_status;
         DROP POLICY curate ON {q}.layer_history; DROP TABLE {q}.layer_time;
         DROP FUNCTION {q}.curated_id(); UPDATE {q}.meta SET value = '1' WHERE key = 'schema_version'"
    ))
    .expect("back to schema 1");
    // Mona manages it but does not own it: she cannot upgrade it, and is told who can.
    let (done, _, err) = tawsim(&["curate", &m_url]);
    assert!(!done && err.contains("older tawsim"), "{err}");
    // Its owner opens it (any command): upgraded in one transaction.
    ok(&["stats", &owner]);
    let version: String = c
        .query_one(
            &format!("SELECT value FROM {q}.meta WHERE key = 'schema_version'"),
            &[],
        )
        .expect("version")
        .get(0);
    assert_eq!(version, "4", "upgraded through 2 and 3 to this release's");

    // An annotator may not curate.
    let (done, _, err) = tawsim(&["curate", &b_url]);
    assert!(!done && err.contains("only a manager curates"), "{err}");
    // Mona pre-merges: the PER both made; جنيف (LOC or GPE) is left to her.
    let out = ok(&["curate", &m_url, "--rule", "unanimous"]);
    assert!(
        out.contains("1 span(s) into the curated layer; 1 disagreement(s) left"),
        "{out}"
    );
    assert_eq!(
        curated_spans(server, &project),
        [(ps as i64, pe as i64, "PER".to_string())]
    );
    // Running it again adds nothing; export --layer gold writes what was curated.
    let out = ok(&["curate", &m_url, "--rule", "unanimous"]);
    assert!(out.contains(": 0 span(s) into the curated layer"), "{out}");
    let gold = dir.path().join("gold.jsonl");
    ok(&[
        "export",
        &m_url,
        "--layer",
        "gold",
        "--format",
        "doccano",
        "-o",
        gold.to_str().expect("p"),
    ]);
    let line = std::fs::read_to_string(&gold).expect("read");
    assert!(line.contains(&format!("[{ps},{pe},\"PER\"]")), "{line}");
    assert!(!line.contains("LOC") && !line.contains("GPE"), "{line}");
    let out = ok(&["stats", &m_url]);
    assert!(out.contains("curated layer: 1 span(s)"), "{out}");

    // The database keeps the curated layer to managers: amina's role cannot write it in
    // plain SQL; mona's can.
    let curated_id: i64 = c
        .query_one(
            &format!("SELECT id FROM {q}.annotators WHERE name = 'curated'"),
            &[],
        )
        .expect("curated annotator")
        .get(0);
    let (doc, label): (i64, i32) = {
        let r = c
            .query_one(
                &format!("SELECT (SELECT MIN(id) FROM {q}.documents), (SELECT id FROM {q}.labels WHERE name = 'LOC')"),
                &[],
            )
            .expect("ids");
        (r.get(0), r.get(1))
    };
    let insert = format!(
        "INSERT INTO {q}.layer_spans (doc_id, annotator_id, start, \"end\", label_id) VALUES ($1, $2, $3, $4, $5)"
    );
    let err = server
        .client(&amina)
        .execute(
            &insert,
            &[&doc, &curated_id, &(ls as i64), &(le as i64), &label],
        )
        .expect_err("an annotator writing the curated layer");
    assert!(
        tawsim::store::pg::describe(&err).contains("row-level security"),
        "{err}"
    );
    let n = server
        .client(&amina)
        .execute(
            &format!("DELETE FROM {q}.layer_spans WHERE annotator_id = $1"),
            &[&curated_id],
        )
        .expect("a delete that sees nothing");
    assert_eq!(n, 0);
    server
        .client(&mona)
        .execute(
            &insert,
            &[&doc, &curated_id, &(ls as i64), &(le as i64), &label],
        )
        .expect("a manager writes the curated layer");
    // Assignments never go to the curated layer.
    let out = ok(&["team", "assign", &owner, "--per-doc", "2"]);
    assert!(out.contains("2 assignment"), "{out}");
    let given = assignments(server, &project);
    assert!(given.iter().all(|(_, who)| who != "curated"), "{given:?}");
}

#[test]
fn a_manager_keeps_suggestions_in_a_team_project_from_the_cli_and_each_layer_counts_its_own() {
    let Some(server) = pg::server("a_manager_keeps_suggestions_in_a_team_project_from_the_cli")
    else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let project = pg::unique("suggest");
    let amina = pg::unique("amina");
    let manager = server.project_url("postgres", &project);
    let a_url = server.project_url(&amina, &project);
    ok(&["team", "init", &manager]);
    add(&manager, &amina, "annotator");
    let text = dir.path().join("article.txt");
    std::fs::write(&text, TEXT).expect("write");
    ok(&["import", &manager, text.to_str().expect("utf-8")]);
    let gazetteer = dir.path().join("places.tsv");
    std::fs::write(&gazetteer, "جنيف\tLOC\nالأمم المتحدة\tORG\nغسان سلامة\tPER\n").expect("write");
    let g = gazetteer.to_str().expect("utf-8");
    // The imported document is in the project's search index already; a search goes
    // through it (as an annotator too).
    let out = ok(&["index", &manager]);
    assert!(out.starts_with("Indexed 0 document(s)"), "{out}");
    let (good, _, err) = tawsim(&["index", &a_url]);
    assert!(!good && err.contains("only a manager"), "{err}");
    let (ls, le) = cp(TEXT, "جنيف");
    let out = ok(&["search", &a_url, "جنيف"]);
    assert!(out.starts_with(&format!("article\t{ls}\t{le}\t")), "{out}");

    // An annotator may not keep suggestions for everyone; the manager may.
    let (good, out, err) = tawsim(&["suggest", &a_url, "--patterns", g]);
    assert!(!good, "{out}");
    assert!(err.contains("only a manager"), "{err}");
    let out = ok(&["suggest", &manager, "--patterns", g, "--source", "places"]);
    assert!(out.contains("Kept 3 suggestion(s)"), "{out}");

    // amina labels جنيف in her (scripted) session: a span at a suggestion's range accepts it.
    let script = dir.path().join("a.txt");
    std::fs::write(&script, format!("doc 0\nadd {ls} {le} LOC\n")).expect("script");
    ok(&["--script", script.to_str().expect("p"), &a_url]);
    let line = |out: &str| {
        out.lines()
            .find(|l| l.starts_with("suggestions places"))
            .map(str::to_string)
            .unwrap_or_else(|| panic!("no suggestions line in {out}"))
    };
    assert_eq!(
        line(&ok(&["stats", &a_url])),
        format!("suggestions places (patterns from {g}): 2 open, 1 accepted, 0 rejected, 3 in all")
    );
    assert!(
        line(&ok(&["stats", &manager])).contains("3 open, 0 accepted"),
        "the manager's own layer did nothing with them"
    );
    // The open suggestions of amina's layer, exported.
    let o = dir.path().join("open.jsonl");
    ok(&[
        "export",
        &a_url,
        "--layer",
        "suggestions:places",
        "--format",
        "doccano",
        "-o",
        o.to_str().expect("p"),
    ]);
    let exported = std::fs::read_to_string(&o).expect("read");
    let (ps, pe) = cp(TEXT, "غسان سلامة");
    assert!(
        exported.contains(&format!("[{ps},{pe},\"PER\"]")),
        "{exported}"
    );
    assert!(!exported.contains(&format!("[{ls},{le},")), "{exported}");
    let (good, _, err) = tawsim(&[
        "export",
        &a_url,
        "--layer",
        "suggestions:nope",
        "--format",
        "doccano",
        "-o",
        dir.path().join("x.jsonl").to_str().expect("p"),
    ]);
    assert!(!good && err.contains("places"), "{err}");

    // Predictions from a file come in as a second source on the server.
    let preds = dir.path().join("preds.jsonl");
    std::fs::write(
        &preds,
        format!(
            "{}\n",
            serde_json::json!({"text": TEXT, "label": [[ps, pe, "PER"]]})
        ),
    )
    .expect("write");
    let out = ok(&[
        "import",
        &manager,
        preds.to_str().expect("p"),
        "--as-suggestions",
        "--source",
        "model",
    ]);
    assert!(
        out.contains("Kept 1 suggestion(s) as source model"),
        "{out}"
    );
    assert!(ok(&["stats", &a_url]).contains("suggestions model (predictions from"));
}
