//! Dialogs and windows driven as a user does (keys, clicks, typed text): every modal closes
//! with Escape, long reports scroll, Enter confirms, the key list opens with F1, a document
//! is deleted after a confirmation, and label tags never cover a glyph.

mod common;

use common::{SEED, app_with, cp, drag_over, harness, project_with, sample_docs};
use egui::{Event, Key, Modifiers};
use egui_kittest::kittest::Queryable;
use tawsim::store::Store;

#[test]
fn an_error_from_a_typed_path_closes_with_escape() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = harness(app_with(project_with(dir.path(), sample_docs())));
    h.run();
    // File > Open (Ctrl+O) without a portal asks for a path; Enter submits it.
    h.key_press_modifiers(Modifiers::COMMAND, Key::O);
    h.run();
    let missing = dir.path().join("nowhere").join("x.tawsim");
    h.event(Event::Text(missing.display().to_string()));
    h.run();
    h.key_press(Key::Enter);
    h.run();
    assert!(
        h.state().session.error.is_some(),
        "opening a missing project is an error"
    );
    h.get_by_label("Something went wrong");
    // Behind a modal no shortcut acts: Ctrl+F does not open the search.
    h.key_press_modifiers(Modifiers::COMMAND, Key::F);
    h.run();
    assert!(!h.state().search_panel.open);
    h.key_press(Key::Escape);
    h.run();
    assert!(h.state().session.error.is_none(), "Escape closes the error");
    assert!(h.query_by_label("Something went wrong").is_none());
}

#[test]
fn the_path_dialog_closes_with_escape_and_the_import_dialog_too() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = harness(app_with(project_with(dir.path(), sample_docs())));
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::O);
    h.run();
    assert!(h.state().dialogs.path_dialog.is_some());
    h.key_press(Key::Escape);
    h.run();
    assert!(h.state().dialogs.path_dialog.is_none());
    h.key_press_modifiers(Modifiers::COMMAND, Key::I);
    h.run();
    assert!(h.state().transfer.is_some());
    h.key_press(Key::Escape);
    h.run();
    assert!(h.state().transfer.is_none());
}

/// File > Import (Ctrl+I) of `input`, typed into the path field, Enter; then the
/// background job's end.
fn import_through_the_dialog(
    h: &mut egui_kittest::Harness<'static, tawsim::app::TawsimApp>,
    input: &std::path::Path,
) {
    h.key_press_modifiers(Modifiers::COMMAND, Key::I);
    h.run();
    h.event(Event::Text(input.display().to_string()));
    h.run();
    h.key_press(Key::Enter);
    h.step();
    let ctx = h.ctx.clone();
    h.state_mut().wait_for_job(&ctx);
    h.run();
}

/// A report of long lines (wider than its window) scrolls to its last line with the mouse
/// wheel: one line a row, never wrapped, so the list is as tall as its rows.
#[test]
fn a_long_report_of_long_lines_scrolls_to_its_last_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = harness(app_with(project_with(dir.path(), sample_docs())));
    h.run();
    // 400 documents, each with a span that ends inside a word: a warning a line.
    let input = dir
        .path()
        .join("a-file-with-a-rather-long-name-for-its-warnings.jsonl");
    let rows: String = (0..400)
        .map(|i| {
            format!("{{\"text\": \"جنيف مدينة سويسرية {i}\", \"label\": [[0, 2, \"LOC\"]]}}\n")
        })
        .collect();
    std::fs::write(&input, rows).expect("write");
    import_through_the_dialog(&mut h, &input);
    let window = h.get_by_label("Import report").rect();
    assert!(
        h.query_by_label_contains("jsonl:400: ").is_none(),
        "not yet in view"
    );
    h.event(Event::PointerMoved(window.center() + egui::vec2(0.0, 40.0)));
    for _ in 0..100 {
        h.event(Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, -400.0),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Wheel,
            modifiers: Modifiers::NONE,
        });
        h.run();
    }
    // Shown inside the window, not laid out below its bottom edge.
    let last = h.get_by_label_contains("jsonl:400: span [0, 2) LOC").rect();
    let window = h.get_by_label("Import report").rect();
    assert!(
        last.bottom() <= window.bottom() && last.top() >= window.top(),
        "the last line {last:?} inside the window {window:?}"
    );
}

#[test]
fn an_import_with_warnings_shows_its_report_line_by_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = harness(app_with(project_with(dir.path(), sample_docs())));
    h.run();
    // A CoNLL file whose I- tags lack their B- (repaired, with a warning per line).
    let input = dir.path().join("news.conll");
    std::fs::write(&input, "زار O\nالوفد O\nجنيف I-LOC\n\nثم O\nبنغازي I-LOC\n").expect("write");
    import_through_the_dialog(&mut h, &input);
    let report = h.state().session.report.clone().unwrap_or_default();
    assert!(
        h.state()
            .session
            .status
            .contains("Imported 1 document(s) with 2 span(s), 2 warning(s)"),
        "{}",
        h.state().session.status
    );
    h.get_by_label("Import report");
    let lines: Vec<&str> = report.lines().skip(1).collect();
    assert!(!lines.is_empty(), "the warnings are listed: {report}");
    for l in &lines {
        assert!(l.contains("news.conll:"), "file:line on each: {l}");
    }
    h.key_press(Key::Escape);
    h.run();
    assert!(
        h.state().session.report.is_none(),
        "Escape closes the report"
    );
    // The import is undone by deleting the documents it added.
    assert_eq!(h.state().session.documents().len(), 3);
    h.get_by_label("Document").click();
    h.run();
    h.get_by_label_contains("Delete the last import (1 documents)")
        .click();
    h.run();
    h.get_by_label("Delete").click();
    h.run();
    let names: Vec<String> = h
        .state()
        .session
        .project()
        .expect("project")
        .documents()
        .expect("docs")
        .into_iter()
        .map(|d| d.name)
        .collect();
    assert_eq!(names, vec!["libya-ceasefire-ar", "second"]);
}

#[test]
fn f1_lists_the_keys_and_escape_closes_the_list() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = harness(app_with(project_with(dir.path(), sample_docs())));
    h.run();
    h.key_press(Key::F1);
    h.run();
    h.get_by_label("Keys");
    h.get_by_label("Ctrl+Shift+Z");
    h.get_by_label("scroll down a page");
    h.key_press(Key::Escape);
    h.run();
    assert!(h.query_by_label("scroll down a page").is_none());
}

#[test]
fn delete_document_asks_first_then_removes_it_from_the_project() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = harness(app_with(project_with(dir.path(), sample_docs())));
    h.run();
    h.get_by_label("Document").click();
    h.run();
    h.get_by_label_contains("Delete document").click();
    h.run();
    // "Keep them" keeps it.
    h.get_by_label("Keep them").click();
    h.run();
    assert_eq!(h.state().session.documents().len(), 2);
    h.get_by_label("Document").click();
    h.run();
    h.get_by_label_contains("Delete document").click();
    h.run();
    h.get_by_label("Delete").click();
    h.run();
    let stored = h
        .state()
        .session
        .project()
        .expect("project")
        .documents()
        .expect("docs");
    assert_eq!(stored.len(), 1, "one left in the file");
    assert_eq!(stored[0].name, "second");
    assert_eq!(
        h.state().session.current().map(|d| d.name.as_str()),
        Some("second")
    );
}

#[test]
fn label_tags_never_cover_a_glyph() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut docs = sample_docs();
    // Harakat and hamza on the span's first letter (where a tag used to sit).
    docs[0].text = format!("وقّع اتِّفَاقَ السلام مع أبوجناح في بنغازي.\n{SEED}");
    let text = docs[0].text.clone();
    let mut h = harness(app_with(project_with(dir.path(), docs)));
    h.run();
    let words = ["اتِّفَاقَ", "أبوجناح", "بنغازي", "ليبيا", "جنيف"];
    for (i, w) in words.iter().enumerate() {
        let (s, e) = cp(&text, w);
        drag_over(&mut h, s, e);
        h.key_press([Key::Num1, Key::Num2, Key::Num3, Key::Num4][i % 4]);
        h.run();
    }
    h.key_press(Key::Escape);
    h.run();
    assert_eq!(
        h.state().session.current().map(|d| d.ann.spans.len()),
        Some(words.len())
    );
    let view = &h.state().view;
    let tags = view.painted_tags();
    assert_eq!(tags.len(), words.len(), "every span on screen has its tag");
    let ink = view.painted_ink();
    assert!(ink.len() > 100, "glyphs painted: {}", ink.len());
    for t in tags {
        for g in ink {
            assert!(!t.intersects(*g), "tag {t:?} covers the glyph box {g:?}");
        }
    }
}

#[test]
fn a_label_draft_never_carries_over_into_another_project() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = harness(app_with(project_with(dir.path(), sample_docs())));
    h.run();
    let other = dir.path().join("other");
    std::fs::create_dir_all(&other).expect("dir");
    drop(project_with(&other, sample_docs()));
    // An unsaved draft in the label editor of the first project.
    h.get_by_label("Edit labels").click();
    h.run();
    // The field on the row of the Add button.
    let add_y = h.get_by_label("Add").rect().center().y;
    let new_label = h
        .get_all_by_role(egui::accesskit::Role::TextInput)
        .find(|n| (n.rect().center().y - add_y).abs() < 4.0)
        .expect("the new-label field");
    new_label.click();
    h.run();
    h.event(Event::Text("EVENTX".into()));
    h.run();
    h.get_by_label("Add").click();
    h.run();
    assert!(
        h.state()
            .labels_panel
            .draft
            .as_ref()
            .is_some_and(|d| d.by_name("EVENTX").is_some())
    );
    // Open the other project by typing its path.
    h.key_press(Key::Escape);
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::O);
    h.run();
    h.event(Event::Text(other.join("test.tawsim").display().to_string()));
    h.run();
    h.key_press(Key::Enter);
    h.run();
    let p = h.state().session.project().expect("project");
    assert!(p.path().starts_with(&other), "{}", p.path().display());
    assert!(
        h.state()
            .labels_panel
            .draft
            .as_ref()
            .is_none_or(|d| d.by_name("EVENTX").is_none())
    );
    assert!(p.labels().by_name("EVENTX").is_none());
}
