//! Annotators from the command line, run as real processes: `import --annotator` joins the
//! documents a project already holds, `export --annotator` writes one layer, `stats` counts
//! every annotator, `--script --annotator` edits one layer, `merge` makes one project of
//! annotators' own files, and an old project file is upgraded or read through a copy.

use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

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

const A: &str = "زار محمد بنغازي يوم الأحد.";
const B: &str = "اجتمع وفد الأمم المتحدة في جنيف.";

/// A doccano file of the two sentences with these spans on each.
fn doccano(dir: &Path, name: &str, spans: [&[(usize, usize, &str)]; 2]) -> PathBuf {
    let path = dir.join(name);
    let lines: Vec<String> = [A, B]
        .iter()
        .zip(spans)
        .map(|(text, spans)| {
            let label: Vec<serde_json::Value> = spans
                .iter()
                .map(|(s, e, l)| serde_json::json!([s, e, l]))
                .collect();
            serde_json::json!({"text": text, "label": label}).to_string()
        })
        .collect();
    std::fs::write(&path, lines.join("\n") + "\n").expect("write");
    path
}

fn exported(path: &Path) -> Vec<(String, Vec<serde_json::Value>)> {
    std::fs::read_to_string(path)
        .expect("read export")
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json");
            (
                v["text"].as_str().unwrap_or_default().to_string(),
                v["label"].as_array().cloned().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn two_annotators_files_become_one_project_with_two_layers() {
    let dir = tempfile::tempdir().expect("tmp");
    let amina = doccano(
        dir.path(),
        "amina.jsonl",
        [&[(4, 8, "PER"), (9, 15, "LOC")], &[(10, 23, "ORG")]],
    );
    let bilal = doccano(
        dir.path(),
        "bilal.jsonl",
        [&[(4, 8, "PER")], &[(10, 23, "ORG"), (27, 31, "LOC")]],
    );
    let project = dir.path().join("team.tawsim");
    let (ok, out, err) = tawsim(&["import", s(&project), s(&amina), "--annotator", "amina"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("Imported 2 document(s) with 3 span(s)"),
        "{out}"
    );
    let (ok, out, err) = tawsim(&["import", s(&project), s(&bilal), "--annotator", "bilal"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("2 joined documents already in the project"),
        "{out}"
    );

    let (ok, out, err) = tawsim(&["stats", s(&project), "--annotator", "bilal"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("documents: 2\n"),
        "the same texts joined: {out}"
    );
    assert!(
        out.contains("annotator amina (manager): 3 span(s)"),
        "{out}"
    );
    assert!(
        out.contains("annotator bilal (annotator): 3 span(s)"),
        "{out}"
    );
    assert!(out.contains("layer: bilal"), "{out}");

    // Without --annotator there are two layers and the OS user is neither: asked to choose.
    let out_a = dir.path().join("a.jsonl");
    let (ok, _, err) = tawsim(&[
        "export",
        s(&project),
        "--format",
        "doccano",
        "-o",
        s(&out_a),
    ]);
    assert!(!ok);
    assert!(
        err.contains("layers by amina, bilal") && err.contains("--annotator"),
        "{err}"
    );
    let (ok, _, err) = tawsim(&[
        "export",
        s(&project),
        "--format",
        "doccano",
        "-o",
        s(&out_a),
        "--annotator",
        "nobody",
    ]);
    assert!(!ok);
    assert!(err.contains("no annotator \"nobody\""), "{err}");

    // Each layer exports as it was imported.
    for (name, input) in [("amina", &amina), ("bilal", &bilal)] {
        let out = dir.path().join(format!("{name}-out.jsonl"));
        let (ok, _, err) = tawsim(&[
            "export",
            s(&project),
            "--format",
            "doccano",
            "-o",
            s(&out),
            "--annotator",
            name,
        ]);
        assert!(ok, "{err}");
        assert_eq!(exported(&out), exported(input), "{name}'s layer");
    }

    // A script as bilal edits his layer only.
    let script = dir.path().join("s.txt");
    std::fs::write(&script, "doc 0\nadd 20 25 DATE\n").expect("script");
    let (ok, out, err) = tawsim(&["--script", s(&script), s(&project), "--annotator", "bilal"]);
    assert!(ok, "{err}");
    assert!(out.contains("ok 2"), "{out}");
    let (_, out, _) = tawsim(&["stats", s(&project), "--annotator", "amina"]);
    assert!(
        out.contains("annotator amina (manager): 3 span(s)"),
        "{out}"
    );
    assert!(
        out.contains("annotator bilal (annotator): 4 span(s)"),
        "{out}"
    );
}

#[test]
fn merge_joins_annotators_own_files_and_reports_changed_texts() {
    let dir = tempfile::tempdir().expect("tmp");
    let a_in = doccano(
        dir.path(),
        "a.jsonl",
        [&[(4, 8, "PER")], &[(10, 23, "ORG")]],
    );
    let b_in = doccano(dir.path(), "b.jsonl", [&[(9, 15, "LOC")], &[]]);
    let a = dir.path().join("amina.tawsim");
    let b = dir.path().join("bilal.tawsim");
    assert!(tawsim(&["import", s(&a), s(&a_in), "--annotator", "amina"]).0);
    assert!(tawsim(&["import", s(&b), s(&b_in)]).0);
    // A third file whose first document has the same name and another text.
    let c_in = dir.path().join("c.jsonl");
    std::fs::write(
        &c_in,
        serde_json::json!({"text": "نص آخر", "name": "a-1", "label": [[0, 2, "MISC"]]}).to_string()
            + "\n",
    )
    .expect("write");
    let c = dir.path().join("c.tawsim");
    assert!(tawsim(&["import", s(&c), s(&c_in), "--annotator", "chadi"]).0);
    let (_, names, _) = tawsim(&["stats", s(&c)]);
    assert!(names.contains("documents: 1"), "{names}");

    let before: Vec<Vec<u8>> = [&a, &b, &c]
        .iter()
        .map(|p| std::fs::read(p).expect("read"))
        .collect();
    let out = dir.path().join("merged.tawsim");
    let renamed = format!("bilal={}", s(&b));
    let (ok, text, err) = tawsim(&["merge", s(&out), s(&a), &renamed, s(&c)]);
    assert!(ok, "{err}");
    assert!(
        text.contains("layer amina: 2 document(s), 2 span(s)"),
        "{text}"
    );
    assert!(
        text.contains("layer bilal: 2 document(s), 1 span(s)"),
        "{text}"
    );
    assert!(
        text.contains("not merged:") && text.contains("its text differs"),
        "{text}"
    );
    assert!(text.contains("Merged 2 document(s)"), "{text}");
    let after: Vec<Vec<u8>> = [&a, &b, &c]
        .iter()
        .map(|p| std::fs::read(p).expect("read"))
        .collect();
    assert!(before == after, "inputs are never written");

    let (ok, stats, err) = tawsim(&["stats", s(&out), "--annotator", "bilal"]);
    assert!(ok, "{err}");
    assert!(
        stats.contains("annotator amina (manager): 2 span(s)"),
        "{stats}"
    );
    assert!(
        stats.contains("annotator bilal (annotator): 1 span(s)"),
        "{stats}"
    );
    let e = dir.path().join("bilal-merged.jsonl");
    assert!(
        tawsim(&[
            "export",
            s(&out),
            "--format",
            "doccano",
            "-o",
            s(&e),
            "--annotator",
            "bilal"
        ])
        .0
    );
    assert_eq!(exported(&e), exported(&b_in));

    // An output that exists is refused; the same layer name twice is refused.
    let (ok, _, err) = tawsim(&["merge", s(&out), s(&a)]);
    assert!(!ok && err.contains("already there"), "{err}");
    let twice = dir.path().join("twice.tawsim");
    let (ok, _, err) = tawsim(&["merge", s(&twice), s(&a), s(&a)]);
    assert!(
        !ok && err.contains("both have a layer by \"amina\""),
        "{err}"
    );
    assert!(!twice.exists());
}

#[test]
fn an_old_project_is_upgraded_by_export_and_read_through_a_copy_by_merge() {
    let dir = tempfile::tempdir().expect("tmp");
    let fixture = Path::new(ROOT).join("tests/data/projects/schema-v1.tawsim");
    let old = dir.path().join("old.tawsim");
    std::fs::copy(&fixture, &old).expect("copy");
    // merge reads it without writing it.
    let merged = dir.path().join("m.tawsim");
    let before = std::fs::read(&old).expect("read");
    let (ok, out, err) = tawsim(&["merge", s(&merged), &format!("amina={}", s(&old))]);
    assert!(ok, "{err}");
    assert!(
        out.contains("layer amina: 3 document(s), 7 span(s)"),
        "{out}"
    );
    assert_eq!(std::fs::read(&old).expect("read"), before);
    // export upgrades the project in place once (it is the user's own file), then reads it;
    // the old spans become the layer of the annotator who upgraded it.
    let e = dir.path().join("e.jsonl");
    let (ok, out, err) = tawsim(&[
        "export",
        s(&old),
        "--format",
        "doccano",
        "-o",
        s(&e),
        "--annotator",
        "amina",
    ]);
    assert!(ok, "{err}");
    assert!(
        err.contains(&format!(
            "upgraded from project schema 1 to {}",
            tawsim::store::SCHEMA_VERSION
        )),
        "{err}"
    );
    assert!(
        out.contains("Exported 3 document(s) with 7 span(s)"),
        "{out}"
    );
    let (ok, out, err) = tawsim(&["stats", s(&old)]);
    assert!(ok, "{err}");
    assert!(!err.contains("upgraded"), "once: {err}");
    assert!(
        out.contains("annotator amina (manager): 7 span(s), 1 done, 1 in progress"),
        "{out}"
    );
}
