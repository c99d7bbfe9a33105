//! The command line, run as a real process: import, stats, export, validate, refusals.

use std::path::Path;
use std::process::Command;

#[path = "support/gazetteer.rs"]
mod gazetteer;

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

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn import_export_and_reimport_keep_every_span() {
    let dir = tempfile::tempdir().expect("tmp");
    let seed = dir.path().join("seed.jsonl");
    let text = include_str!("../assets/samples/libya-ceasefire-ar.txt");
    let at = |w: &str| {
        let b = text.find(w).expect("word");
        let s = text[..b].chars().count();
        (s, s + w.chars().count())
    };
    let (a, b) = at("بنغازي");
    let (c, d) = at("خليفة حفتر");
    let line = serde_json::json!({"text": text, "label": [[a, b, "LOC"], [c, d, "PER"]], "source": "seed"});
    std::fs::write(&seed, format!("{line}\n")).expect("write");
    let project = dir.path().join("p.tawsim");
    let (ok, out, err) = tawsim(&["import", s(&project), s(&seed)]);
    assert!(ok, "{err}");
    assert!(
        out.contains("Imported 1 document(s) with 2 span(s)"),
        "{out}"
    );

    let (ok, out, _) = tawsim(&["stats", s(&project)]);
    assert!(ok);
    assert!(
        out.contains("documents: 1")
            && out.contains("label LOC: 1")
            && out.contains("label PER: 1"),
        "{out}"
    );

    let exported = dir.path().join("out.jsonl");
    let (ok, out, err) = tawsim(&[
        "export",
        s(&project),
        "--format",
        "doccano",
        "-o",
        s(&exported),
    ]);
    assert!(ok, "{err}");
    assert!(
        out.contains("Exported 1 document(s) with 2 span(s)"),
        "{out}"
    );
    let back: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&exported).expect("read").trim())
            .expect("json");
    assert_eq!(back["text"], text);
    assert_eq!(back["source"], "seed", "extra keys written back");
    let mut labels: Vec<(u64, u64, String)> = back["label"]
        .as_array()
        .expect("label array")
        .iter()
        .map(|l| {
            (
                l[0].as_u64().expect("s"),
                l[1].as_u64().expect("e"),
                l[2].as_str().expect("t").to_string(),
            )
        })
        .collect();
    labels.sort();
    assert_eq!(
        labels,
        vec![
            (a as u64, b as u64, "LOC".to_string()),
            (c as u64, d as u64, "PER".to_string())
        ]
    );

    // An existing output is kept without --force, and the project is never an output.
    let (ok, _, err) = tawsim(&[
        "export",
        s(&project),
        "--format",
        "doccano",
        "-o",
        s(&exported),
    ]);
    assert!(!ok && err.contains("exists"), "{err}");
    let (ok, _, _) = tawsim(&[
        "export",
        s(&project),
        "--format",
        "doccano",
        "-o",
        s(&exported),
        "--force",
    ]);
    assert!(ok);
    let (ok, _, err) = tawsim(&[
        "export",
        s(&project),
        "--format",
        "doccano",
        "-o",
        s(&project),
        "--force",
    ]);
    assert!(!ok, "overwrote the project: {err}");
    assert!(tawsim(&["stats", s(&project)]).0, "project intact");
}

#[test]
fn a_bad_file_is_refused_whole_and_named_with_its_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, "{\"text\": \"جنيف\", \"label\": [[0, 4, \"LOC\"]]}\n{\"text\": \"وقّع\", \"label\": [[0, 2, \"PER\"]]}\n").expect("write");
    let project = dir.path().join("p.tawsim");
    let (ok, _, err) = tawsim(&["import", s(&project), s(&bad)]);
    assert!(!ok);
    assert!(err.contains("bad.jsonl:2"), "names file and line: {err}");
    assert!(err.contains("--lenient"), "{err}");
    // Nothing imported, and the project the import would have made is not left behind.
    assert!(!project.exists(), "no empty project");

    let (ok, out, err) = tawsim(&["import", s(&project), s(&bad), "--lenient"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("Imported 2 document(s) with 1 span(s)") && out.contains("bad.jsonl:2"),
        "{out}"
    );

    let (ok, out, _) = tawsim(&["validate", s(&bad), "--format", "doccano"]);
    assert!(!ok);
    assert!(
        out.contains("1 problem(s)") && out.contains("bad.jsonl:2"),
        "{out}"
    );
}

#[test]
fn a_file_with_more_problems_than_are_listed_says_how_many_and_of_what_kinds() {
    // 10,020 empty texts and 5 broken rows: more problems than a report keeps in full.
    let dir = tempfile::tempdir().expect("tmp");
    let bad = dir.path().join("many.jsonl");
    let mut rows = "{\"text\": \"\"}\n".repeat(10_020);
    rows.push_str(&"{\"text\": \n".repeat(5));
    rows.push_str("{\"text\": \"جنيف\", \"label\": [[0, 4, \"LOC\"]]}\n");
    std::fs::write(&bad, rows).expect("write");
    let project = dir.path().join("p.tawsim");
    let listed = |out: &str| {
        let lines: Vec<&str> = out.lines().filter(|l| l.starts_with("problem: ")).collect();
        let last = lines.last().copied().unwrap_or_default().to_string();
        (lines.len(), last)
    };
    let more = "problem: … 25 more not listed: 20 empty document, 5 invalid JSON";

    let (ok, out, err) = tawsim(&["import", s(&project), s(&bad), "--lenient"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("Imported 1 document(s) with 1 span(s), 10025 problem(s) skipped"),
        "{}",
        &out[..out.len().min(300)]
    );
    assert_eq!(listed(&out), (10_001, more.to_string()));
    assert!(out.contains("many.jsonl:1: ") && out.contains("many.jsonl:10000: "));
    assert!(!out.contains("many.jsonl:10001: "));

    let (ok, out, _) = tawsim(&["validate", s(&bad), "--format", "doccano"]);
    assert!(!ok);
    assert!(
        out.contains("0 warning(s), 10025 problem(s)"),
        "{}",
        &out[..out.len().min(300)]
    );
    assert_eq!(listed(&out), (10_001, more.to_string()));

    // A strict import names the first 50 and counts every one.
    let strict = dir.path().join("q.tawsim");
    let (ok, _, err) = tawsim(&["import", s(&strict), s(&bad)]);
    assert!(!ok);
    assert!(
        err.contains("nothing imported: 10025 problem(s)"),
        "{}",
        &err[..err.len().min(300)]
    );
    assert!(
        err.contains("many.jsonl:50: ") && err.contains("… and 9975 more"),
        "{err}"
    );
}

#[test]
fn a_newer_or_foreign_project_file_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("tmp");
    let fake = dir.path().join("fake.tawsim");
    std::fs::write(&fake, "not a database").expect("write");
    let (ok, _, err) = tawsim(&["stats", s(&fake)]);
    assert!(!ok);
    assert!(
        err.contains("fake.tawsim") && err.contains("not a tawsim project"),
        "{err}"
    );
}

/// Names of the `*.lock` files in `dir`.
fn lock_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("list")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".lock"))
        .collect()
}

fn seed_project(dir: &Path) -> std::path::PathBuf {
    let seed = dir.join("seed.jsonl");
    let lines = [
        serde_json::json!({"text": "زار الرئيس بنغازي أمس", "label": [[11, 17, "LOC"]]}),
        serde_json::json!({"text": "التقى خليفة حفتر الوفد", "label": [[6, 16, "PER"]]}),
    ];
    std::fs::write(
        &seed,
        lines.iter().map(|l| format!("{l}\n")).collect::<String>(),
    )
    .expect("write");
    let project = dir.join("p.tawsim");
    let (ok, out, err) = tawsim(&["import", s(&project), s(&seed)]);
    assert!(
        ok && out.contains("Imported 2 document(s) with 2 span(s)"),
        "{out}{err}"
    );
    project
}

#[test]
fn export_and_stats_read_a_project_a_window_has_open() {
    use tawsim::domain::{DocStatus, Edit};
    let dir = tempfile::tempdir().expect("tmp");
    let project = seed_project(dir.path());
    // This process is the window: it holds the project open as the writer, and has just
    // stored an edit (still in the WAL, not checkpointed into the file).
    let mut window = tawsim::store::Project::open(&project).expect("window opens it");
    let first = window.documents().expect("docs")[0].id;
    window
        .apply(
            first,
            &Edit::SetStatus {
                from: DocStatus::New,
                to: DocStatus::Done,
            },
        )
        .expect("edit");

    let (ok, out, err) = tawsim(&["stats", s(&project)]);
    assert!(ok, "stats refused while the window is open: {err}");
    assert!(
        out.contains("documents: 2")
            && out.contains("spans: 2")
            && out.contains("status done: 1")
            && out.contains("status new: 1")
            && out.contains("label LOC: 1")
            && out.contains("label PER: 1"),
        "{out}"
    );

    let exported = dir.path().join("done.jsonl");
    let (ok, out, err) = tawsim(&[
        "export",
        s(&project),
        "--format",
        "doccano",
        "--status",
        "done",
        "-o",
        s(&exported),
    ]);
    assert!(ok, "export refused while the window is open: {err}");
    assert!(
        out.contains("Exported 1 document(s) with 1 span(s)"),
        "{out}"
    );
    let back: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&exported).expect("read").trim())
            .expect("json");
    assert_eq!(back["text"], "زار الرئيس بنغازي أمس");
    assert_eq!(back["label"], serde_json::json!([[11, 17, "LOC"]]));

    // The window still writes after the readers came and went.
    window
        .apply(
            first,
            &Edit::SetStatus {
                from: DocStatus::Done,
                to: DocStatus::InProgress,
            },
        )
        .expect("window still writes");
    drop(window);
    let (_, out, _) = tawsim(&["stats", s(&project)]);
    assert!(out.contains("status in_progress: 1"), "{out}");
}

#[test]
fn a_second_writer_is_refused_while_a_window_has_the_project_open() {
    let dir = tempfile::tempdir().expect("tmp");
    let project = seed_project(dir.path());
    let more = dir.path().join("more.txt");
    std::fs::write(&more, "نص آخر").expect("write");
    let window = tawsim::store::Project::open(&project).expect("window opens it");
    let (ok, out, err) = tawsim(&["import", s(&project), s(&more)]);
    assert!(!ok, "a second writer got in: {out}");
    assert!(
        err.contains("p.tawsim") && err.contains("already open in another tawsim window"),
        "{err}"
    );
    // A second writer in this process is refused too; the window keeps its lock file.
    assert!(matches!(
        tawsim::store::Project::open(&project),
        Err(tawsim::store::StoreError::Locked { .. })
    ));
    assert_eq!(lock_files(dir.path()), vec!["p.tawsim.lock".to_string()]);
    drop(window);
    assert!(
        lock_files(dir.path()).is_empty(),
        "the window left its lock file"
    );
    let (ok, out, err) = tawsim(&["import", s(&project), s(&more)]);
    assert!(ok && out.contains("Imported 1 document(s)"), "{out}{err}");
}

/// Lock, WAL and shared-memory files in `dir`.
fn stray_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("list")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            [".lock", "-wal", "-shm", "-journal", ".building"]
                .iter()
                .any(|end| n.ends_with(end))
        })
        .collect()
}

#[test]
fn cli_commands_leave_no_lock_file_behind() {
    let dir = tempfile::tempdir().expect("tmp");
    let project = seed_project(dir.path());
    assert!(
        stray_files(dir.path()).is_empty(),
        "after import: {:?}",
        stray_files(dir.path())
    );
    let (ok, _, err) = tawsim(&["stats", s(&project)]);
    assert!(ok, "{err}");
    assert!(
        stray_files(dir.path()).is_empty(),
        "after stats: {:?}",
        stray_files(dir.path())
    );
    let out = dir.path().join("out.conll");
    let (ok, _, err) = tawsim(&["export", s(&project), "--format", "conll", "-o", s(&out)]);
    assert!(ok, "{err}");
    assert!(
        stray_files(dir.path()).is_empty(),
        "after export: {:?}",
        stray_files(dir.path())
    );
    // A failed command leaves none either.
    let (ok, _, _) = tawsim(&["import", s(&project), s(&dir.path().join("missing.txt"))]);
    assert!(!ok);
    assert!(
        stray_files(dir.path()).is_empty(),
        "after a failed import: {:?}",
        stray_files(dir.path())
    );
}

#[test]
fn a_killed_import_leaves_no_project_and_the_next_import_makes_it() {
    use std::fmt::Write;
    let dir = tempfile::tempdir().expect("tmp");
    // 40,000 documents: the import runs long enough to be killed in the middle.
    let mut lines = String::new();
    for i in 0..40_000 {
        let line = serde_json::json!({"text": format!("زار الوفد مدينة {i} أمس"), "label": [[0, 3, "PER"]]});
        writeln!(lines, "{line}").expect("write");
    }
    let input = dir.path().join("big.jsonl");
    std::fs::write(&input, lines).expect("write");
    let project = dir.path().join("p.tawsim");
    let mut child = Command::new(env!("CARGO_BIN_EXE_tawsim"))
        .args(["import", s(&project), s(&input)])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run tawsim");
    // The project is being built once its half-built file is there: kill it then.
    let building = dir.path().join(".p.tawsim.building");
    while !building.exists() {
        let done = child.try_wait().expect("wait");
        assert!(done.is_none(), "the import ended before it could be killed");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    child.kill().expect("kill");
    child.wait().expect("wait");
    assert!(!project.exists(), "a killed import left a project");
    // The next import of the path makes the project whole and tidies up after the first.
    let (ok, _, err) = tawsim(&["import", s(&project), s(&input)]);
    assert!(ok, "{err}");
    let (ok, out, err) = tawsim(&["stats", s(&project)]);
    assert!(ok, "{err}");
    assert!(out.contains("documents: 40000"), "{out}");
    assert!(
        stray_files(dir.path()).is_empty(),
        "{:?}",
        stray_files(dir.path())
    );
}

#[test]
fn nested_ner_imports_with_allow_overlap_and_a_failed_import_leaves_no_project() {
    let dir = tempfile::tempdir().expect("tmp");
    let wojood =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/corpora/wojood-sample/val.txt");
    // Without the option, nested spans are problems: the check says so, and an import that
    // would have created the project leaves nothing behind.
    let (ok, out, _) = tawsim(&["validate", s(&wojood), "--format", "conll"]);
    assert!(!ok);
    assert!(out.contains("this project forbids overlaps"), "{out}");
    let project = dir.path().join("wojood.tawsim");
    let (ok, _, err) = tawsim(&["import", s(&project), s(&wojood), "--format", "conll"]);
    assert!(!ok, "{err}");
    assert!(!project.exists(), "no empty project is left behind");
    assert!(lock_files(dir.path()).is_empty() && stray_files(dir.path()).is_empty());
    // With it: every span, and the new project allows overlaps from then on.
    let (ok, out, _) = tawsim(&[
        "validate",
        s(&wojood),
        "--format",
        "conll",
        "--allow-overlap",
    ]);
    assert!(ok, "{out}");
    assert!(
        out.contains("470 span(s), 0 warning(s), 0 problem(s)"),
        "{out}"
    );
    let (ok, out, err) = tawsim(&[
        "import",
        s(&project),
        s(&wojood),
        "--format",
        "conll",
        "--allow-overlap",
    ]);
    assert!(ok, "{err}");
    assert!(
        out.contains("Imported 3 document(s) with 470 span(s)"),
        "{out}"
    );
    let p = tawsim::store::Project::open_read_only(&project).expect("read");
    assert_eq!(p.settings().overlap, tawsim::domain::OverlapPolicy::Allow);
    drop(p);
    // A project that forbids overlaps refuses such an import and says how to allow them.
    let flat = dir.path().join("flat.tawsim");
    let text = dir.path().join("t.txt");
    std::fs::write(&text, "نص").expect("write");
    assert!(tawsim(&["import", s(&flat), s(&text)]).0);
    let (ok, _, err) = tawsim(&[
        "import",
        s(&flat),
        s(&wojood),
        "--format",
        "conll",
        "--allow-overlap",
    ]);
    assert!(!ok);
    assert!(
        err.contains("tawsim project set PROJECT overlap allow"),
        "{err}"
    );
    let (ok, _, err) = tawsim(&["project", "set", s(&flat), "overlap", "allow"]);
    assert!(ok, "{err}");
    let (ok, out, err) = tawsim(&[
        "import",
        s(&flat),
        s(&wojood),
        "--format",
        "conll",
        "--allow-overlap",
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("470 span(s)"), "{out}");
}

#[test]
fn spans_a_format_cannot_hold_make_the_export_fail_unless_lenient() {
    let dir = tempfile::tempdir().expect("tmp");
    let input = dir.path().join("in.jsonl");
    // One span across a line break: CoNLL has one token a line and cannot hold it.
    let line = serde_json::json!({"text": "زار محمد\nبنغازي يوم الأحد", "label": [[4, 15, "PER"], [20, 25, "DATE"]]});
    std::fs::write(&input, format!("{line}\n")).expect("write");
    let project = dir.path().join("p.tawsim");
    assert!(tawsim(&["import", s(&project), s(&input)]).0);
    let out = dir.path().join("out.conll");
    let (ok, text, err) = tawsim(&["export", s(&project), "--format", "conll", "-o", s(&out)]);
    assert!(!ok, "exit code non-zero: {text}");
    assert!(
        text.contains("not written:") && text.contains("crosses a line break"),
        "{text}"
    );
    assert!(err.contains("1 span(s) could not be written"), "{err}");
    assert!(
        std::fs::read_to_string(&out)
            .expect("written")
            .contains("B-DATE")
    );
    let (ok, _, err) = tawsim(&[
        "export",
        s(&project),
        "--format",
        "conll",
        "-o",
        s(&out),
        "--force",
        "--lenient",
    ]);
    assert!(ok, "{err}");
}

#[test]
fn export_conll_dialect_doccano_writes_two_tab_columns_and_an_unknown_one_is_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let project = seed_project(dir.path());
    let out = dir.path().join("doccano.conll");
    let (ok, text, err) = tawsim(&[
        "export",
        s(&project),
        "--format",
        "conll",
        "--conll-dialect",
        "doccano",
        "-o",
        s(&out),
    ]);
    assert!(ok, "{text}{err}");
    let body = std::fs::read_to_string(&out).expect("written");
    assert!(body.contains("بنغازي\tB-LOC\n"), "{body}");
    assert!(
        !body.contains("-DOCSTART-") && !body.contains('#'),
        "{body}"
    );
    assert!(
        body.lines()
            .all(|l| l.is_empty() || l.split('\t').count() == 2),
        "{body}"
    );
    let tab = dir.path().join("tab.conll");
    let (ok, _, err) = tawsim(&[
        "export",
        s(&project),
        "--format",
        "conll",
        "--conll-dialect",
        "tab",
        "-o",
        s(&tab),
    ]);
    assert!(ok, "{err}");
    assert!(
        std::fs::read_to_string(&tab)
            .expect("written")
            .starts_with("-DOCSTART-\tO\n# name = ")
    );
    let (ok, _, err) = tawsim(&[
        "export",
        s(&project),
        "--format",
        "conll",
        "--conll-dialect",
        "csv",
        "-o",
        s(&dir.path().join("x.conll")),
    ]);
    assert!(!ok && err.contains("unknown CoNLL dialect"), "{err}");
}

#[test]
fn a_reader_that_stops_early_ends_the_command_quietly_not_with_a_panic() {
    use std::io::BufRead as _;
    let dir = tempfile::tempdir().expect("tmp");
    // 20,000 bad lines: the report is far larger than a pipe holds.
    let bad = dir.path().join("bad.jsonl");
    let line = "{\"text\": \"وقّع\", \"label\": [[0, 2, \"PER\"]]}\n";
    std::fs::write(&bad, line.repeat(20_000)).expect("write");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tawsim"))
        .args(["validate", s(&bad), "--format", "doccano"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // Read one line, as `| head -1` does, then go away.
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("first line");
    assert!(first.contains("20000 problem(s)"), "{first}");
    let out = child.wait_with_output().expect("wait");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn hugging_face_tag_ids_are_the_projects_in_every_export_and_a_shared_labels_json_is_never_overwritten()
 {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let text = "زار محمد بنغازي يوم الأحد.";
    let cp = |needle: &str| {
        let b = text.find(needle).expect("needle");
        let s = text[..b].chars().count();
        (s, s + needle.chars().count())
    };
    let (p0, p1) = cp("محمد");
    let (l0, l1) = cp("بنغازي");
    let input = d.join("in.jsonl");
    std::fs::write(
        &input,
        format!(
            "{}\n",
            serde_json::json!({"text": text, "label": [[p0, p1, "PER"], [l0, l1, "LOC"]]})
        ),
    )
    .expect("write");
    let project = d.join("p.tawsim");
    let (ok, _, err) = tawsim(&["import", s(&project), s(&input)]);
    assert!(ok, "{err}");
    let out = d.join("hf");
    std::fs::create_dir(&out).expect("dir");
    let export = |name: &str, extra: &[&str]| {
        let o = out.join(name);
        let mut args = vec!["export", s(&project), "--format", "hf", "-o", s(&o)];
        args.extend(extra);
        let (ok, stdout, err) = tawsim(&args);
        assert!(ok, "{stdout}{err}");
        stdout
    };
    export("all.jsonl", &[]);
    export("loc.jsonl", &["--labels", "LOC"]);
    let tags = |f: &str| -> Vec<String> {
        serde_json::from_str(&std::fs::read_to_string(out.join(f)).expect(f)).expect("json")
    };
    // The project's label order (PER, LOC, ORG, MISC, ...), whatever --labels kept.
    assert_eq!(tags("all.labels.json"), tags("loc.labels.json"));
    assert_eq!(
        &tags("all.labels.json")[..5],
        ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
    );
    assert_eq!(tags("labels.json"), tags("all.labels.json"));
    let ids = |f: &str| -> Vec<u64> {
        let v: serde_json::Value =
            serde_json::from_str(std::fs::read_to_string(out.join(f)).expect(f).trim())
                .expect("json");
        v["ner_tags"]
            .as_array()
            .expect("tags")
            .iter()
            .map(|x| x.as_u64().expect("id"))
            .collect()
    };
    let loc = tags("all.labels.json")
        .iter()
        .position(|t| t == "B-LOC")
        .expect("B-LOC") as u64;
    assert!(
        ids("all.jsonl").contains(&loc) && ids("loc.jsonl").contains(&loc),
        "B-LOC has one id"
    );

    // Another project, other labels, into the same folder: labels.json is left as it was.
    let other_in = d.join("other.jsonl");
    std::fs::write(
        &other_in,
        format!(
            "{}\n",
            serde_json::json!({"text": text, "label": [[l0, l1, "CITY"]]})
        ),
    )
    .expect("write");
    let other = d.join("other.tawsim");
    let (ok, _, err) = tawsim(&["import", s(&other), s(&other_in)]);
    assert!(ok, "{err}");
    let before = std::fs::read(out.join("labels.json")).expect("labels.json");
    let o = out.join("other.jsonl");
    let (ok, stdout, err) = tawsim(&["export", s(&other), "--format", "hf", "-o", s(&o)]);
    assert!(ok, "{err}");
    assert!(
        stdout.contains("warning:") && stdout.contains("left as it was"),
        "{stdout}"
    );
    assert_eq!(
        std::fs::read(out.join("labels.json")).expect("labels.json"),
        before
    );
    // Each file decodes with its own tags: CITY comes back as CITY, LOC as LOC.
    for (file, want) in [("other.jsonl", "CITY"), ("loc.jsonl", "LOC")] {
        let (ok, stdout, err) = tawsim(&["validate", s(&out.join(file)), "--format", "hf"]);
        assert!(ok, "{stdout}{err}");
        let back = d.join(format!("back-{file}.tawsim"));
        let (ok, _, err) = tawsim(&["import", s(&back), s(&out.join(file)), "--format", "hf"]);
        assert!(ok, "{err}");
        let (_, stats, _) = tawsim(&["stats", s(&back)]);
        assert!(
            stats.contains(&format!("label {want}: 1")),
            "{file}: {stats}"
        );
    }
}

#[test]
fn a_hugging_face_export_splits_rows_at_sentences_or_max_tokens_never_inside_an_entity() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let text = "زار محمد بن سلمان بنغازي يوم الأحد . ثم سافر الوفد إلى جنيف .";
    let cp = |needle: &str| {
        let b = text.find(needle).expect("needle");
        let s = text[..b].chars().count();
        (s, s + needle.chars().count())
    };
    let (p0, p1) = cp("محمد بن سلمان");
    let (l0, l1) = cp("جنيف");
    let input = d.join("in.jsonl");
    std::fs::write(
        &input,
        format!(
            "{}\n",
            serde_json::json!({"text": text, "label": [[p0, p1, "PER"], [l0, l1, "LOC"]]})
        ),
    )
    .expect("write");
    let project = d.join("p.tawsim");
    assert!(tawsim(&["import", s(&project), s(&input)]).0);
    let rows = |extra: &[&str], name: &str| -> Vec<serde_json::Value> {
        let o = d.join(name);
        let mut args = vec!["export", s(&project), "--format", "hf", "-o", s(&o)];
        args.extend(extra);
        let (ok, out, err) = tawsim(&args);
        assert!(ok, "{out}{err}");
        std::fs::read_to_string(&o)
            .expect("rows")
            .lines()
            .map(|l| serde_json::from_str(l).expect("json"))
            .collect()
    };
    let sentences = rows(&["--split", "sentences"], "s.jsonl");
    assert_eq!(sentences.len(), 2);
    assert_eq!(sentences[0]["id"], "in-1#1");
    assert_eq!(sentences[0]["tokens"].as_array().expect("t").len(), 8);
    // At most 3 tokens a row: the three-token name stays in one row.
    let small = rows(&["--split", "max-tokens", "--max-tokens", "3"], "m.jsonl");
    let names: Vec<String> =
        serde_json::from_str(&std::fs::read_to_string(d.join("m.labels.json")).expect("labels"))
            .expect("json");
    assert!(
        small
            .iter()
            .all(|r| r["tokens"].as_array().expect("t").len() <= 3)
    );
    let with_name = small
        .iter()
        .find(|r| r["tokens"][0] == "محمد")
        .expect("a row starting with the name");
    let tags: Vec<&str> = with_name["ner_tags"]
        .as_array()
        .expect("tags")
        .iter()
        .map(|t| names[t.as_u64().expect("id") as usize].as_str())
        .collect();
    assert_eq!(tags, ["B-PER", "I-PER", "I-PER"]);
    // Every span survives the cut: importing the rows back finds both.
    let (ok, out, _) = tawsim(&["validate", s(&d.join("m.jsonl")), "--format", "hf"]);
    assert!(ok && out.contains("2 span(s)"), "{out}");
    let (ok, _, err) = tawsim(&[
        "export",
        s(&project),
        "--format",
        "doccano",
        "-o",
        s(&d.join("x.jsonl")),
        "--split",
        "sentences",
    ]);
    assert!(!ok && err.contains("for the hf format"), "{err}");
}

#[test]
fn agreement_of_two_annotators_matches_the_numbers_worked_by_hand() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    // Four tokens; bilal calls جنيف an ORG where amina has LOC.
    std::fs::write(
        d.join("amina.conll"),
        "زار O\nسلامة B-PER\nجنيف B-LOC\nأمس O\n",
    )
    .expect("a");
    std::fs::write(
        d.join("bilal.conll"),
        "زار O\nسلامة B-PER\nجنيف B-ORG\nأمس O\n",
    )
    .expect("b");
    let p = d.join("p.tawsim");
    for who in ["amina", "bilal"] {
        let file = d.join(format!("{who}.conll"));
        let (ok, out, err) = tawsim(&["import", s(&p), s(&file), "--annotator", who]);
        assert!(ok, "{out}{err}");
    }
    let (ok, out, err) = tawsim(&["agreement", s(&p), "--format", "json"]);
    assert!(ok, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let get = |x: &serde_json::Value| x.as_f64().expect("a number");
    let pair = &v["pairs"][0];
    assert_eq!(
        (pair["a"].as_str(), pair["b"].as_str()),
        (Some("amina"), Some("bilal"))
    );
    assert_eq!(pair["documents"], 1, "the same text joined as one document");
    // Cohen: p_o = 3/4, p_e = (2/4)² + (1/4)² = 0.3125, κ = 0.4375 / 0.6875 = 7/11.
    assert!((get(&pair["observed_agreement"]) - 0.75).abs() < 1e-12);
    assert!((get(&pair["expected_agreement"]) - 0.3125).abs() < 1e-12);
    assert!((get(&pair["cohen_kappa"]) - 7.0 / 11.0).abs() < 1e-12);
    // One of two spans each the same: exact F1 = 2·1/4; lenient: each finds one of two.
    assert!((get(&pair["span_f1_exact"]) - 0.5).abs() < 1e-12);
    assert!((get(&pair["span_f1_lenient"]) - 0.5).abs() < 1e-12);
    assert_eq!(
        pair["confusion"],
        serde_json::json!([{"a": "LOC", "b": "ORG", "spans": 1}, {"a": "PER", "b": "PER", "spans": 1}])
    );
    // Fleiss over 4 tokens × 2 raters: P̄ = 3/4, P̄_e = 0.34375, κ = 13/21. Krippendorff:
    // n = 8 values, 2 disagreeing pairs, 64 − 22 = 42 expected: α = 1 − 7·2/42 = 2/3.
    let overall = &v["overall"];
    assert!((get(&overall["fleiss_kappa"]) - 13.0 / 21.0).abs() < 1e-12);
    assert!((get(&overall["krippendorff_alpha"]) - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!(overall["tokens"], 4);
    // Unitizing α over characters: the PER spans coincide (α_u 1); جنيف is a unit of both
    // layers with different labels, so overall agreement is partial.
    assert_eq!(v["labels"]["PER"]["krippendorff_alpha_u"], 1.0);
    let au = get(&overall["krippendorff_alpha_u"]);
    assert!(au > 0.0 && au < 1.0, "{au}");
    // Per label: PER agrees perfectly; LOC and ORG each only in one layer.
    assert_eq!(v["labels"]["PER"]["krippendorff_alpha"], 1.0);
    assert_eq!(v["labels"]["LOC"]["span_f1_exact"], 0.0);
    assert!(v["documents"]["amina-1"].is_object(), "{}", v["documents"]);
    // The table and CSV forms; an unknown annotator is named.
    let (ok, table, _) = tawsim(&["agreement", s(&p)]);
    assert!(
        ok && table.contains("amina – bilal") && table.contains("LOC\tORG\t1"),
        "{table}"
    );
    let (ok, csv, _) = tawsim(&["agreement", s(&p), "--format", "csv", "--labels", "PER"]);
    assert!(ok, "{csv}");
    assert!(csv.contains("pair,amina|bilal,span_f1_exact,1\n"), "{csv}");
    let (ok, _, err) = tawsim(&["agreement", s(&p), "--annotators", "amina,zaid"]);
    assert!(!ok && err.contains("no annotator \"zaid\""), "{err}");
}

#[test]
fn the_agreement_report_gives_each_annotators_active_time() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    // Two documents; doccano's lead_time carries each annotator's time on each.
    let p = d.join("p.tawsim");
    for (who, t1, t2) in [("amina", "30.5", "12"), ("bilal", "61", "0")] {
        let file = d.join(format!("{who}.jsonl"));
        let lead = |t: &str| {
            if t == "0" {
                String::new()
            } else {
                format!(r#","lead_time":{t}"#)
            }
        };
        std::fs::write(
            &file,
            format!(
                "{{\"text\":\"زار سلامة جنيف\",\"label\":[[4,9,\"PER\"]]{}}}\n{{\"text\":\"عاد أمس\",\"label\":[]{}}}\n",
                lead(t1),
                lead(t2)
            ),
        )
        .expect("write");
        let (ok, out, err) = tawsim(&["import", s(&p), s(&file), "--annotator", who]);
        assert!(ok, "{out}{err}");
    }
    let (ok, out, err) = tawsim(&["agreement", s(&p), "--format", "json"]);
    assert!(ok, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["time"]["amina"]["active_seconds"], 42.5, "{}", v["time"]);
    assert_eq!(v["time"]["amina"]["documents_timed"], 2);
    assert_eq!(v["time"]["amina"]["seconds_per_document"], 21.25);
    assert_eq!(v["time"]["bilal"]["active_seconds"], 61.0);
    assert_eq!(v["time"]["bilal"]["documents_timed"], 1);
    let docs = v["documents"].as_object().expect("documents");
    let per_doc: Vec<(f64, f64)> = docs
        .values()
        .map(|m| {
            let t = &m["active_seconds"];
            (
                t["amina"].as_f64().expect("amina"),
                t["bilal"].as_f64().expect("bilal"),
            )
        })
        .collect();
    assert!(
        per_doc.contains(&(30.5, 61.0)) && per_doc.contains(&(12.0, 0.0)),
        "{per_doc:?}"
    );
    let (ok, table, _) = tawsim(&["agreement", s(&p)]);
    assert!(ok && table.contains("amina\t43 s\t1\t21 s"), "{table}");
    let (ok, csv, _) = tawsim(&["agreement", s(&p), "--format", "csv"]);
    assert!(
        ok && csv.contains("annotator,bilal,active_seconds,61\n"),
        "{csv}"
    );
}

#[test]
fn curate_premerges_by_rule_and_the_curated_layer_exports() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    // Three annotators: all mark سلامة PER; two of three call جنيف LOC, one ORG; only
    // zaid marks أمس.
    let rows = [
        ("amina", "B-PER", "B-LOC", "O"),
        ("bilal", "B-PER", "B-LOC", "O"),
        ("zaid", "B-PER", "B-ORG", "B-TIME"),
    ];
    let p = d.join("p.tawsim");
    for (who, per, loc, time) in rows {
        let file = d.join(format!("{who}.conll"));
        std::fs::write(
            &file,
            format!("زار O\nسلامة {per}\nجنيف {loc}\nأمس {time}\n"),
        )
        .expect("write");
        let (ok, out, err) = tawsim(&["import", s(&p), s(&file), "--annotator", who]);
        assert!(ok, "{out}{err}");
    }
    let (ok, _, err) = tawsim(&["curate", s(&p), "--rule", "most"]);
    assert!(!ok && err.contains("unknown rule"), "{err}");
    let (ok, out, err) = tawsim(&["curate", s(&p), "--rule", "unanimous"]);
    assert!(ok, "{out}{err}");
    // Regions: سلامة (agreed), جنيف (LOC/LOC/ORG), أمس (zaid only).
    assert!(
        out.contains("3 annotator(s), 1 span(s) merged, 2 disagreement(s) left"),
        "{out}"
    );
    // A second run by majority adds جنيف LOC (the region unanimous left empty); سلامة is
    // not written twice.
    let (ok, out, err) = tawsim(&["curate", s(&p)]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("1 span(s) merged"), "{out}");
    let out_file = d.join("gold.conll");
    let (ok, out, err) = tawsim(&[
        "export",
        s(&p),
        "--format",
        "conll",
        "--output",
        s(&out_file),
        "--layer",
        "gold",
    ]);
    assert!(ok, "{out}{err}");
    let gold = std::fs::read_to_string(&out_file).expect("read");
    assert!(
        gold.contains("سلامة B-PER") && gold.contains("جنيف B-LOC") && gold.contains("أمس O"),
        "{gold}"
    );
    // The curated layer is not an annotator in the agreement; stats count it apart.
    let (ok, table, _) = tawsim(&["agreement", s(&p)]);
    assert!(ok && !table.contains("curated"), "{table}");
    let (ok, stats, _) = tawsim(&["stats", s(&p), "--annotator", "amina"]);
    assert!(
        ok && stats.contains("curated layer: 2 span(s), 0 of 1 document(s) curated, 1 to curate"),
        "{stats}"
    );
}

#[test]
fn label_studio_lead_time_becomes_the_layers_active_time_in_stats_and_exports() {
    let dir = tempfile::tempdir().expect("tmp");
    let tasks = dir.path().join("tasks.json");
    let text = "زار غسان سلامة جنيف أمس";
    let json = serde_json::json!([
        {"id": 1, "data": {"text": text}, "annotations": [{"lead_time": 725.4, "result": [
            {"type": "labels", "from_name": "label", "to_name": "text",
             "value": {"start": 15, "end": 19, "text": "جنيف", "labels": ["LOC"]}}]}]},
        {"id": 2, "data": {"text": "نص ثان"}, "annotations": [{"lead_time": 30, "result": []}]}
    ]);
    std::fs::write(&tasks, json.to_string()).expect("write");
    let project = dir.path().join("p.tawsim");
    let (ok, _, err) = tawsim(&[
        "import",
        s(&project),
        s(&tasks),
        "--format",
        "labelstudio",
        "--annotator",
        "amina",
    ]);
    assert!(ok, "{err}");
    let (ok, out, err) = tawsim(&["stats", s(&project), "--annotator", "amina"]);
    assert!(ok, "{err}");
    assert!(
        out.contains(
            "annotator amina (manager): 1 span(s), 0 done, 0 in progress, active 12 min 35 s"
        ),
        "{out}"
    );
    let out_file = dir.path().join("out.jsonl");
    let (ok, _, err) = tawsim(&[
        "export",
        s(&project),
        "--format",
        "doccano",
        "-o",
        s(&out_file),
    ]);
    assert!(ok, "{err}");
    let lines = std::fs::read_to_string(&out_file).expect("read");
    assert!(lines.contains("\"lead_time\": 725.4"), "{lines}");
    assert!(lines.contains("\"lead_time\": 30.0"), "{lines}");
}

#[test]
fn doccano_relations_are_never_written_pointing_at_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    // doccano's relation shape: entity ids from its database, a relation between two.
    let input = d.join("rel.jsonl");
    std::fs::write(
        &input,
        concat!(
            r#"{"id": 5, "text": "التقى مصطفى مهراج بخليفة حفتر", "entities": ["#,
            r#"{"id": 17, "label": "PER", "start_offset": 6, "end_offset": 17}, "#,
            r#"{"id": 23, "label": "PER", "start_offset": 19, "end_offset": 29}], "#,
            r#""relations": [{"id": 2, "from_id": 17, "to_id": 23, "type": "met"}]}"#,
            "\n"
        ),
    )
    .expect("write");
    let p = d.join("p.tawsim");
    let (ok, out, err) = tawsim(&["import", s(&p), s(&input)]);
    assert!(ok, "{out}{err}");
    // The default label shape cannot carry them: the export says so and fails.
    let label = d.join("label.jsonl");
    let (ok, out, err) = tawsim(&["export", s(&p), "--format", "doccano", "-o", s(&label)]);
    assert!(!ok, "{out}");
    assert!(
        err.contains("1 relation(s) could not be written") && out.contains("--entities"),
        "{out}{err}"
    );
    // The entities shape writes them with the ids they came with.
    let ent = d.join("entities.jsonl");
    let (ok, out, err) = tawsim(&[
        "export",
        s(&p),
        "--format",
        "doccano",
        "--entities",
        "-o",
        s(&ent),
    ]);
    assert!(ok, "{out}{err}");
    let v: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&ent).expect("read").trim()).expect("json");
    let ids: Vec<u64> = v["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .filter_map(|e| e["id"].as_u64())
        .collect();
    assert_eq!(ids, [17, 23]);
    assert_eq!(v["relations"][0]["from_id"], 17);
    assert_eq!(v["relations"][0]["to_id"], 23);
}

#[test]
fn suggest_writes_a_gazetteer_of_anercorp_places_matched_over_a_fresh_article() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let gaz = gazetteer::anercorp_loc(d);
    let p = d.join("p.tawsim");
    let article = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/libya-ceasefire-ar.txt"
    );
    let (ok, out, err) = tawsim(&["import", s(&p), article]);
    assert!(ok, "{out}{err}");
    let sug = d.join("suggested.jsonl");
    let (ok, out, err) = tawsim(&[
        "suggest",
        s(&p),
        "--patterns",
        s(&gaz),
        "--source",
        "anercorp-loc",
        "-o",
        s(&sug),
    ]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("of anercorp-loc"), "{out}");
    let v: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&sug).expect("read").trim()).expect("json");
    let text: Vec<char> = v["text"].as_str().expect("text").chars().collect();
    let found: Vec<String> = v["label"]
        .as_array()
        .expect("spans")
        .iter()
        .map(|sp| {
            let at = |k: usize| usize::try_from(sp[k].as_u64().expect("offset")).expect("offset");
            assert_eq!(sp[2], "LOC");
            text[at(0)..at(1)].iter().collect()
        })
        .collect();
    // ليبيا four times; بجنيف as جنيف with the ب left out.
    assert_eq!(
        found.iter().filter(|t| *t == "ليبيا").count(),
        4,
        "{found:?}"
    );
    assert!(found.iter().any(|t| t == "جنيف"), "{found:?}");
    assert!(out.contains(&format!("LOC\t{}", found.len())), "{out}");
    // With -o the project is not written: no span, no suggestion source.
    let (ok, stats, _) = tawsim(&["stats", s(&p)]);
    assert!(ok && stats.contains("0 span"), "{stats}");
    assert!(!stats.contains("suggestions"), "{stats}");

    // Without -o they are kept as the source (named after the file), counted by stats and
    // exported as the layer suggestions:anercorp-loc, the same suggestions the file had.
    let (ok, out, err) = tawsim(&["suggest", s(&p), "--patterns", s(&gaz)]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("as source anercorp-loc"), "{out}");
    let (ok, stats, _) = tawsim(&["stats", s(&p)]);
    let n = found.len();
    assert!(
        ok && stats.contains(&format!(
            "suggestions anercorp-loc (patterns from {}): {n} open, 0 accepted, 0 rejected, {n} in all",
            gaz.display()
        )),
        "{stats}"
    );
    let kept = d.join("kept.jsonl");
    let (ok, out, err) = tawsim(&[
        "export",
        s(&p),
        "--format",
        "doccano",
        "--layer",
        "suggestions:anercorp-loc",
        "-o",
        s(&kept),
    ]);
    assert!(ok, "{out}{err}");
    let kept: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&kept).expect("read").trim()).expect("json");
    assert_eq!(kept["text"], v["text"]);
    assert_eq!(kept["label"], v["label"]);
    let (ok, _, err) = tawsim(&[
        "export",
        s(&p),
        "--format",
        "doccano",
        "--layer",
        "suggestions:places",
        "-o",
        s(&d.join("none.jsonl")),
    ]);
    assert!(
        !ok && err
            .contains("no suggestion source named \"places\" (the project has: anercorp-loc)"),
        "{err}"
    );
}

#[test]
fn predictions_import_as_suggestions_with_a_score_threshold_and_never_as_spans() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let text = include_str!("../assets/samples/libya-ceasefire-ar.txt");
    let at = |w: &str, nth: usize| {
        let b = text.match_indices(w).nth(nth).expect("word").0;
        let s = text[..b].chars().count();
        (s, s + w.chars().count())
    };
    let p = d.join("p.tawsim");
    let article = d.join("article.txt");
    std::fs::write(&article, text).expect("write");
    let (ok, out, err) = tawsim(&["import", s(&p), s(&article)]);
    assert!(ok, "{out}{err}");
    let region = |w: &str, nth: usize, label: &str, score: Option<f64>| {
        let (a, b) = at(w, nth);
        let mut r = serde_json::json!({
            "from_name": "label", "to_name": "text", "type": "labels",
            "value": {"start": a, "end": b, "text": w, "labels": [label]}
        });
        if let Some(sc) = score {
            r["score"] = sc.into();
        }
        r
    };
    // A task with the article: an annotation (not imported as anything) and a prediction
    // whose regions score 0.9, 0.3 and (none: the prediction's) 0.8; a task with a text the
    // project lacks, its prediction unscored.
    let tasks = serde_json::json!([
        {
            "data": {"text": text},
            "annotations": [{"result": [region("خليفة حفتر", 0, "PER", None)]}],
            "predictions": [{
                "model_version": "ner-v2", "score": 0.8,
                "result": [
                    region("ليبيا", 0, "LOC", Some(0.9)),
                    region("جنيف", 0, "LOC", Some(0.3)),
                    region("مصطفى مهراج", 0, "PER", None)
                ]
            }]
        },
        {
            "data": {"text": "وصل الوفد إلى طرابلس"},
            "predictions": [{"result": [{
                "from_name": "label", "to_name": "text", "type": "labels",
                "value": {"start": 14, "end": 20, "text": "طرابلس", "labels": ["LOC"]}
            }]}]
        }
    ]);
    let ls = d.join("model.json");
    std::fs::write(&ls, tasks.to_string()).expect("write");
    let (ok, out, err) = tawsim(&[
        "import",
        s(&p),
        s(&ls),
        "--as-suggestions",
        "--min-score",
        "0.5",
    ]);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("Kept 3 suggestion(s) as source model from 2 document(s) in 1 file(s): 1 already in the project, 1 added without spans"),
        "{out}"
    );
    assert!(
        out.contains("1 span(s) scored under 0.5 left out; 1 without a score kept"),
        "{out}"
    );
    let (ok, stats, _) = tawsim(&["stats", s(&p)]);
    assert!(ok, "{stats}");
    assert!(
        stats.contains("documents: 2") && stats.contains("spans: 0"),
        "{stats}"
    );
    assert!(
        stats.contains(&format!(
            "suggestions model (predictions from {}): 3 open, 0 accepted, 0 rejected, 3 in all",
            ls.display()
        )),
        "{stats}"
    );
    // The open suggestions as a file: the two of the article with their ranges, the new
    // document's one.
    let sug = d.join("open.jsonl");
    let (ok, out, err) = tawsim(&[
        "export",
        s(&p),
        "--format",
        "doccano",
        "--layer",
        "suggestions:model",
        "-o",
        s(&sug),
    ]);
    assert!(ok, "{out}{err}");
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&sug)
        .expect("read")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let (l0, p0) = (at("ليبيا", 0), at("مصطفى مهراج", 0));
    assert_eq!(
        lines[0]["label"],
        serde_json::json!([[l0.0, l0.1, "LOC"], [p0.0, p0.1, "PER"]])
    );
    assert_eq!(lines[1]["label"], serde_json::json!([[14, 20, "LOC"]]));

    // A doccano file of the same text imported as another source; running it again
    // replaces it (one source, not two).
    let (g0, g1) = at("جنيف", 0);
    let doc = d.join("rules.jsonl");
    std::fs::write(
        &doc,
        serde_json::json!({"text": text, "label": [[g0, g1, "LOC"]]}).to_string() + "\n",
    )
    .expect("write");
    for _ in 0..2 {
        let (ok, out, err) = tawsim(&[
            "import",
            s(&p),
            s(&doc),
            "--as-suggestions",
            "--source",
            "rules",
        ]);
        assert!(ok, "{out}{err}");
    }
    let (ok, stats, _) = tawsim(&["stats", s(&p)]);
    assert!(ok, "{stats}");
    assert!(
        stats.contains("suggestions rules (predictions from")
            && stats.contains("1 open, 0 accepted, 0 rejected, 1 in all"),
        "{stats}"
    );
    assert_eq!(stats.matches("suggestions rules").count(), 1, "{stats}");

    // A file with a bad span is refused whole unless --lenient.
    let bad = d.join("bad.jsonl");
    std::fs::write(
        &bad,
        serde_json::json!({"text": text, "label": [[5, 100000, "LOC"]]}).to_string() + "\n",
    )
    .expect("write");
    let (ok, _, err) = tawsim(&["import", s(&p), s(&bad), "--as-suggestions"]);
    assert!(!ok && err.contains("bad.jsonl"), "{err}");
    let (_, stats, _) = tawsim(&["stats", s(&p)]);
    assert!(!stats.contains("suggestions bad"), "{stats}");
}

/// A small Label Studio ML backend on 127.0.0.1: POST /predict answers each task by its
/// text: a LOC on ليبيا (score 0.9) and a PER on حفتر (score 0.2); "BADJSON" gets a body
/// that is not JSON, "SLOW" an answer after 3 s, "WRONG" offsets past the end, "FAIL" HTTP
/// 500, and a text with an emoji its entity in UTF-16 offsets (as a JavaScript client
/// counts). Returns the base URL and the requests' bodies as they came.
fn model_server() -> (
    String,
    std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>,
) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = std::sync::Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let log = std::sync::Arc::clone(&log);
            std::thread::spawn(move || {
                let mut r = BufReader::new(stream);
                let mut len = 0;
                let mut line = String::new();
                let mut first = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    if first.is_empty() {
                        first = line.clone();
                    }
                    let l = line.trim_end().to_ascii_lowercase();
                    if let Some(v) = l.strip_prefix("content-length:") {
                        len = v.trim().parse().unwrap_or(0);
                    }
                    if l.is_empty() {
                        break;
                    }
                }
                let mut body = vec![0; len];
                if r.read_exact(&mut body).is_err() {
                    return;
                }
                let req: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                log.lock().expect("log").push(req.clone());
                let text = req["tasks"][0]["data"]["text"]
                    .as_str()
                    .unwrap_or("")
                    .to_string();
                let at = |w: &str, utf16: bool| -> Option<(usize, usize)> {
                    let b = text.find(w)?;
                    Some(if utf16 {
                        let s = text[..b].encode_utf16().count();
                        (s, s + w.encode_utf16().count())
                    } else {
                        let s = text[..b].chars().count();
                        (s, s + w.chars().count())
                    })
                };
                let utf16 = text.contains('😀');
                let mut result = Vec::new();
                for (w, label, score) in [
                    ("ليبيا", "LOC", 0.9),
                    ("حفتر", "PER", 0.2),
                    ("جنيف", "LOC", 0.7),
                ] {
                    if let Some((s, e)) = at(w, utf16) {
                        let (s, e) = if text.contains("WRONG") {
                            (s + 9000, e + 9000)
                        } else {
                            (s, e)
                        };
                        result.push(serde_json::json!({
                            "from_name": "label", "to_name": "text", "type": "labels",
                            "value": {"start": s, "end": e, "text": w, "labels": [label]},
                            "score": score
                        }));
                    }
                }
                let (status, answer) = if text.contains("BADJSON") {
                    ("200 OK", "{\"results\": [".to_string())
                } else if text.contains("FAIL") {
                    ("500 Internal Server Error", "model crashed".to_string())
                } else {
                    if text.contains("SLOW") {
                        std::thread::sleep(std::time::Duration::from_secs(3));
                    }
                    (
                        "200 OK",
                        serde_json::json!({"results": [{"result": result, "score": 0.5, "model_version": "test-ner-1"}]})
                            .to_string(),
                    )
                };
                let mut s = r.into_inner();
                let _ = write!(
                    s,
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                    answer.len()
                );
                let _ = first;
            });
        }
    });
    (url, seen)
}

#[test]
fn a_model_servers_predictions_arrive_as_suggestions_and_bad_answers_are_named() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let docs = d.join("docs.jsonl");
    let lines = [
        ("good", "وصل خليفة حفتر إلى ليبيا أمس"),
        ("badjson", "BADJSON في ليبيا"),
        ("slow", "SLOW في ليبيا"),
        ("wrong", "WRONG في ليبيا"),
        ("fail", "FAIL في ليبيا"),
        ("emoji", "😀 وصل الوفد إلى جنيف"),
        ("none", "لا شيء هنا"),
    ];
    let body: String = lines
        .iter()
        .map(|(n, t)| serde_json::json!({"name": n, "text": t, "label": []}).to_string() + "\n")
        .collect();
    std::fs::write(&docs, body).expect("write");
    let p = d.join("p.tawsim");
    let (ok, out, err) = tawsim(&["import", s(&p), s(&docs)]);
    assert!(ok, "{out}{err}");
    let (url, seen) = model_server();
    let (ok, out, err) = tawsim(&[
        "suggest",
        s(&p),
        "--model-server",
        &url,
        "--timeout",
        "1",
        "--min-score",
        "0.5",
    ]);
    // Four documents got no usable answer: named, and the exit says so; the rest is kept.
    assert!(
        !ok && err.contains("4 document(s) got no usable answer"),
        "{out}{err}"
    );
    assert!(
        out.contains(&format!(
            "Kept 2 suggestion(s) in 2 of 7 document(s) from the model server {url} as source model (model test-ner-1)"
        )),
        "{out}"
    );
    assert!(
        out.contains("1 result(s) scored under the threshold left out"),
        "{out}"
    );
    for (name, why) in [
        ("badjson", "not JSON"),
        ("slow", "timed out"),
        ("wrong", "past the end of the text"),
        ("fail", "HTTP 500"),
    ] {
        assert!(
            out.lines()
                .any(|l| l.starts_with(&format!("problem: {name}: ")) && l.contains(why)),
            "{name}: {why}\n{out}"
        );
    }
    // The requests were Label Studio tasks with the project's labels in the config.
    let reqs = seen.lock().expect("seen").clone();
    assert_eq!(reqs.len(), 7);
    assert!(
        reqs[0]["label_config"]
            .as_str()
            .is_some_and(|c| c.contains(r#"<Label value="LOC"/>"#))
    );
    assert!(reqs[0]["tasks"][0]["id"].is_number());
    // ليبيا in "good" (code points) and جنيف after the emoji (UTF-16 offsets, read as such).
    let sug = d.join("open.jsonl");
    let (ok, out, err) = tawsim(&[
        "export",
        s(&p),
        "--format",
        "doccano",
        "--layer",
        "suggestions:model",
        "-o",
        s(&sug),
    ]);
    assert!(ok, "{out}{err}");
    let got: Vec<(String, Vec<String>)> = std::fs::read_to_string(&sug)
        .expect("read")
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json");
            let t: Vec<char> = v["text"].as_str().expect("text").chars().collect();
            let words = v["label"]
                .as_array()
                .expect("spans")
                .iter()
                .map(|sp| {
                    let n = |k: usize| sp[k].as_u64().expect("offset") as usize;
                    format!(
                        "{}:{}",
                        t[n(0)..n(1)].iter().collect::<String>(),
                        sp[2].as_str().expect("label")
                    )
                })
                .collect();
            (v["name"].as_str().unwrap_or_default().to_string(), words)
        })
        .filter(|(_, w): &(String, Vec<String>)| !w.is_empty())
        .collect();
    assert_eq!(
        got,
        [
            ("good".to_string(), vec!["ليبيا:LOC".to_string()]),
            ("emoji".to_string(), vec!["جنيف:LOC".to_string()])
        ]
    );

    // A server that is not there: nothing kept, a clear message.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let gone = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let (ok, _, err) = tawsim(&[
        "suggest",
        s(&p),
        "--model-server",
        &gone,
        "--source",
        "gone",
    ]);
    assert!(
        !ok && err.contains("cannot reach the model server"),
        "{err}"
    );
    let (_, stats, _) = tawsim(&["stats", s(&p)]);
    assert!(!stats.contains("suggestions gone"), "{stats}");
    assert!(stats.contains("suggestions model (model from"), "{stats}");
}

/// A project's relations and document labels as (from text, type, to text) and names.
fn relations_of(project: &Path) -> (Vec<(String, String, String)>, Vec<String>) {
    let c =
        rusqlite::Connection::open_with_flags(project, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open");
    let mut st = c
        .prepare(
            "SELECT substr(d.text, r.from_start + 1, r.from_end - r.from_start), l.name,
                    substr(d.text, r.to_start + 1, r.to_end - r.to_start)
             FROM layer_relations r JOIN documents d ON d.id = r.doc_id
             JOIN labels l ON l.id = r.label_id ORDER BY 1, 2, 3",
        )
        .expect("sql");
    let rel = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("rows");
    let mut st = c
        .prepare(
            "SELECT l.name FROM layer_doc_labels g JOIN labels l ON l.id = g.label_id ORDER BY 1",
        )
        .expect("sql");
    let labels = st
        .query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("rows");
    (rel, labels)
}

#[test]
fn relations_and_document_labels_survive_doccano_brat_label_studio_and_hf_round_trips() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let text = include_str!("../assets/samples/libya-ceasefire-ar.txt");
    let at = |w: &str| {
        let b = text.find(w).expect("word");
        let s = text[..b].chars().count();
        (s, s + w.chars().count())
    };
    let ent = |id: u32, w: &str, l: &str| {
        let (s, e) = at(w);
        serde_json::json!({"id": id, "start_offset": s, "end_offset": e, "label": l})
    };
    let line = serde_json::json!({
        "text": text,
        "entities": [
            ent(1, "السفير الفرنسي", "MISC"), ent(2, "مصطفى مهراج", "PER"),
            ent(3, "القيادة العامة", "ORG"), ent(4, "خليفة حفتر", "PER"),
        ],
        "relations": [
            {"id": 1, "from_id": 2, "to_id": 1, "type": "title"},
            {"id": 2, "from_id": 4, "to_id": 3, "type": "leads"},
        ],
        "cats": ["politics", "libya"],
    });
    let input = d.join("in.jsonl");
    std::fs::write(&input, format!("{line}\n")).expect("write");
    let p = d.join("p.tawsim");
    let (ok, out, err) = tawsim(&["import", s(&p), s(&input)]);
    assert!(ok, "{out}{err}");
    let want = relations_of(&p);
    assert_eq!(
        want.0,
        [
            ("خليفة حفتر".into(), "leads".into(), "القيادة العامة".into()),
            (
                "مصطفى مهراج".into(),
                "title".into(),
                "السفير الفرنسي".into()
            ),
        ]
    );
    assert_eq!(want.1, ["libya", "politics"]);
    // stats counts relations of a type and documents of a document label.
    let (ok, out, _) = tawsim(&["stats", s(&p)]);
    assert!(ok);
    assert!(
        out.contains("label title: 1") && out.contains("label politics: 1"),
        "{out}"
    );
    for (format, extra, out_name) in [
        ("doccano", Some("--entities"), "o.jsonl"),
        ("brat", None, "brat"),
        ("labelstudio", None, "o.json"),
        ("hf", None, "o.hf.jsonl"),
    ] {
        let out_path = d.join(out_name);
        let mut args = vec!["export", s(&p), "--format", format, "-o", s(&out_path)];
        args.extend(extra);
        let (ok, out, err) = tawsim(&args);
        assert!(ok, "{format}: {out}{err}");
        // The ids the doccano file gave its entities are its own: no other format writes them.
        if out_path.is_file() && format != "doccano" {
            let written = std::fs::read_to_string(&out_path).expect("read");
            assert!(
                !written.contains("doccano_entity_ids"),
                "{format}: {written}"
            );
        }
        let q = d.join(format!("{format}.tawsim"));
        let (ok, out, err) = tawsim(&["import", s(&q), s(&out_path), "--format", format]);
        assert!(ok, "{format}: {out}{err}");
        assert_eq!(relations_of(&q), want, "{format}");
    }
    // CoNLL cannot hold them: the export names what it left out and fails unless --lenient.
    let conll = d.join("o.conll");
    let (ok, out, err) = tawsim(&["export", s(&p), "--format", "conll", "-o", s(&conll)]);
    assert!(!ok, "{out}");
    assert!(
        err.contains("relation") && err.contains("document label"),
        "{out}{err}"
    );
}
