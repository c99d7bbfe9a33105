//! Durability under SIGKILL: the real binary replays annotation commands (`--script`) on a
//! project and is killed at random moments; after each kill the project must open, pass
//! `PRAGMA integrity_check`, and hold every edit acknowledged before the kill (plus at most
//! the one in flight). Runs `TAWSIM_KILL_RUNS` times (default 50; CI sets a smaller number).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tawsim::domain::arabic::words;
use tawsim::domain::{AnnotatedDocument, Annotations, History, OverlapPolicy};
use tawsim::script::{self, Step};
use tawsim::store::{Project, StoreError};

const SEED: &str = include_str!("../assets/samples/libya-ceasefire-ar.txt");

/// A script of adds, relabels, removes, status changes, undos and redos over the seed.
fn make_script() -> String {
    let labels = ["PER", "LOC", "ORG", "MISC"];
    let mut lines = vec!["doc 0".to_string()];
    for (i, (s, e)) in words(SEED).into_iter().take(120).enumerate() {
        let l = labels[i % 4];
        lines.push(format!("add {s} {e} {l}"));
        if i % 7 == 3 {
            lines.push(format!("relabel {s} {e} {l} {}", labels[(i + 1) % 4]));
        }
        if i % 11 == 5 {
            lines.push("undo".into());
            if i % 2 == 1 {
                lines.push("redo".into());
            }
        }
        if i % 13 == 8 {
            lines.push(format!(
                "status {}",
                if i % 2 == 0 { "done" } else { "in_progress" }
            ));
        }
    }
    lines.join("\n")
}

/// The document's annotations after each prefix of the script (`states[k]` = after k steps).
fn expected_states(steps: &[Step], labels: &tawsim::domain::LabelSet) -> Vec<Annotations> {
    let mut ann = Annotations::default();
    let mut hist = History::new();
    let mut states = vec![ann.clone()];
    for step in steps {
        match step {
            Step::Edit(e) => {
                let edit = script::to_edit(e, labels, ann.status).expect("edit");
                edit.apply(&mut ann, OverlapPolicy::Forbid)
                    .expect("script edits apply");
                hist.push(edit);
            }
            Step::Op(tawsim_core::session::SessionOp::Undo) => {
                let e = hist.undo().expect("undo");
                e.apply(&mut ann, OverlapPolicy::Forbid)
                    .expect("undo applies");
            }
            Step::Op(tawsim_core::session::SessionOp::Redo) => {
                let e = hist.redo().expect("redo");
                e.apply(&mut ann, OverlapPolicy::Forbid)
                    .expect("redo applies");
            }
            _ => {}
        }
        states.push(ann.clone());
    }
    states
}

fn fresh_project(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("kill.tawsim");
    let mut p = Project::create(&path).expect("create");
    let mut s = p.settings();
    s.boundary = tawsim::domain::BoundaryMode::Characters;
    p.save_settings(s).expect("settings");
    let doc = AnnotatedDocument {
        name: "seed".into(),
        text: SEED.into(),
        ..Default::default()
    };
    p.import(|sink| sink.add(doc).map(drop), |_| true)
        .map_err(|e: StoreError| e)
        .expect("import");
    path
}

/// When to kill a run: `then` after step `after` is acknowledged (after the start for 0).
#[derive(Clone, Copy, Debug)]
struct Kill {
    after: usize,
    then: Duration,
}

/// Runs the script, killing the process as `kill` says (or never); returns the last
/// acknowledged step.
fn run_once(script: &std::path::Path, project: &std::path::Path, kill: Option<Kill>) -> usize {
    run_timed(script, project, kill).0
}

/// [`run_once`], with when the first and the last step were acknowledged (from the start).
fn run_timed(
    script: &std::path::Path,
    project: &std::path::Path,
    kill: Option<Kill>,
) -> (usize, Duration, Duration) {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tawsim"))
        .arg("--script")
        .arg(script)
        .arg(project)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start tawsim");
    let stdout = child.stdout.take().expect("stdout");
    // Told when the step to kill after is acknowledged (or when the output ends).
    let (reached, wait_for_step) = std::sync::mpsc::channel::<()>();
    let after = kill.map_or(0, |k| k.after);
    let reader = std::thread::spawn(move || {
        let (mut last, mut first_at, mut last_at) = (0, None, Duration::ZERO);
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(n) = line.strip_prefix("ok ").and_then(|n| n.parse().ok()) {
                last = n;
                last_at = start.elapsed();
                first_at.get_or_insert(last_at);
                if n == after {
                    let _ = reached.send(());
                }
            }
        }
        (last, first_at.unwrap_or(last_at), last_at)
    });
    match kill {
        Some(k) => {
            if k.after > 0 {
                let _ = wait_for_step.recv();
            }
            std::thread::sleep(k.then);
            let _ = child.kill(); // SIGKILL on Unix
            let _ = child.wait();
        }
        None => {
            let status = child.wait().expect("wait");
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            assert!(status.success(), "script run failed: {err}");
        }
    }
    reader.join().expect("reader")
}

#[test]
fn every_acknowledged_edit_survives_sigkill() {
    let runs: usize = std::env::var("TAWSIM_KILL_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let dir = tempfile::tempdir().expect("tmp");
    let script_path = dir.path().join("edits.script");
    let script_text = make_script();
    std::fs::write(&script_path, &script_text).expect("script");
    let steps = script::parse(&script_text).expect("parse");
    let labels = tawsim::domain::LabelSet::arabic_news();
    let states = expected_states(&steps, &labels);

    // Calibrate: a full run without a kill, which must store everything.
    let template_dir = dir.path().join("template");
    std::fs::create_dir_all(&template_dir).expect("dir");
    let template = fresh_project(&template_dir);
    let pristine = std::fs::read(&template).expect("read template");
    // Each kill comes a random part of a step's time after a random step is acknowledged
    // (or after the start, for step 0), so it falls inside the script however long the
    // start-up takes on a loaded machine.
    let (acked, first, last) = run_timed(&script_path, &template, None);
    assert_eq!(acked, steps.len());
    let step = last.saturating_sub(first) / u32::try_from(steps.len().max(2) - 1).unwrap_or(1);
    let p = Project::open(&template).expect("open");
    let doc = p.documents().expect("docs")[0].id;
    assert_eq!(
        p.annotations(doc).expect("ann"),
        states[steps.len()],
        "a full run stores the whole script"
    );
    drop(p);

    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut killed_mid_way = 0;
    for run in 0..runs {
        let run_dir = dir.path().join(format!("run{run}"));
        std::fs::create_dir_all(&run_dir).expect("dir");
        let project = run_dir.join("kill.tawsim");
        std::fs::write(&project, &pristine).expect("copy");
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let at = Kill {
            after: (seed % steps.len() as u64) as usize,
            then: Duration::from_micros((seed >> 32) % (step.as_micros() as u64).max(1)),
        };
        let acked = run_once(&script_path, &project, Some(at));
        if acked > 0 && acked < steps.len() {
            killed_mid_way += 1;
        }
        let p = Project::open(&project)
            .unwrap_or_else(|e| panic!("run {run}: reopen after kill at {at:?}: {e}"));
        assert_eq!(p.integrity_check().expect("check"), "ok", "run {run}");
        let got = p.annotations(doc).expect("ann");
        let ok = got == states[acked] || states.get(acked + 1).is_some_and(|s| *s == got);
        assert!(
            ok,
            "run {run}: killed at {at:?} after {acked} acknowledged steps; stored state matches neither step {acked} nor {}",
            acked + 1
        );
    }
    eprintln!("{runs} kills, {killed_mid_way} in the middle of the script (a step takes {step:?})");
    assert!(
        runs < 4 || killed_mid_way * 2 >= runs / 2,
        "too few kills landed mid-script to mean anything"
    );
}

#[test]
fn a_panic_writes_a_crash_report_beside_the_project_which_stays_intact() {
    let dir = tempfile::tempdir().expect("tmp");
    let project = fresh_project(dir.path());
    let script_path = dir.path().join("panic.script");
    std::fs::write(&script_path, "doc 0\nadd 0 5 PER\npanic\nadd 10 15 LOC\n").expect("script");
    let out = Command::new(env!("CARGO_BIN_EXE_tawsim"))
        .arg("--script")
        .arg(&script_path)
        .arg(&project)
        .output()
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("crash report was written to"), "{stderr}");
    let reports = tawsim::crash::reports_beside(&project);
    assert_eq!(reports.len(), 1, "{stderr}");
    let report = std::fs::read_to_string(&reports[0]).expect("report");
    assert!(
        report.contains("panic requested by the script at step 3"),
        "{report}"
    );
    let p = Project::open(&project).expect("reopen");
    assert_eq!(p.integrity_check().expect("check"), "ok");
    let doc = p.documents().expect("docs")[0].id;
    assert_eq!(
        p.annotations(doc).expect("ann").spans.len(),
        1,
        "the edit before the panic is there"
    );
}
