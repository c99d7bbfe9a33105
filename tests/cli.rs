//! The command line, run as a real process: import, stats, export, validate, refusals.

use std::path::Path;
use std::process::Command;

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
    let (_, out, _) = tawsim(&["stats", s(&project)]);
    assert!(out.contains("documents: 0"), "nothing imported: {out}");

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
