//! The window shell in a headless egui_kittest harness: the document list, opening a
//! document, status bar progress.

mod common;

use common::{SEED, app_with, cp, drag_over, harness, project_with, sample_docs};
use egui_kittest::kittest::Queryable;
use tawsim::app::TawsimApp;

#[test]
fn the_document_list_shows_the_sample_and_it_opens_first() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = harness(app_with(project_with(dir.path(), sample_docs())));
    h.run();
    h.get_by_label_contains("libya-ceasefire-ar");
    h.get_by_label_contains("second");
    let doc = h.state().session.current().expect("a document is open");
    assert_eq!(doc.name, "libya-ceasefire-ar");
    assert_eq!(doc.text.as_str(), SEED);
    h.get_by_label_contains("0/2 done");
}

#[test]
fn clicking_a_document_in_the_list_shows_its_text() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = harness(app_with(project_with(dir.path(), sample_docs())));
    h.run();
    h.get_by_label_contains("second").click();
    h.run();
    let doc = h.state().session.current().expect("open");
    assert_eq!(doc.name, "second");
    assert!(doc.text.as_str().starts_with("وقالت بعثة"));
}

#[test]
fn the_filter_narrows_the_list_with_arabic_normalisation() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut docs = sample_docs();
    docs.push(tawsim::domain::AnnotatedDocument {
        name: "وثيقة باريس".into(),
        text: "نص".into(),
        ..Default::default()
    });
    let mut h = harness(app_with(project_with(dir.path(), docs)));
    h.run();
    // ة and ه match through normalisation.
    h.get_by_role(egui::accesskit::Role::TextInput).click();
    h.run();
    h.get_by_role(egui::accesskit::Role::TextInput)
        .type_text("وثيقهx");
    h.run();
    // Backspace edits the field (it never deletes a span there).
    h.key_press(egui::Key::Backspace);
    h.run();
    assert_eq!(h.state().docs_panel.filter.text, "وثيقه");
    assert!(h.query_by_label_contains("second").is_none());
    h.get_by_label_contains("وثيقة باريس");
    assert!(h.query_by_label_contains("libya-ceasefire-ar").is_none());
}

#[test]
fn import_and_export_from_the_file_dialogs_run_in_the_background() {
    use egui::{Key, Modifiers};
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = harness(app_with(project_with(dir.path(), sample_docs())));
    h.run();
    // Import a doccano file through the dialog.
    let input = dir.path().join("more.jsonl");
    std::fs::write(
        &input,
        "{\"text\": \"زار الوفد جنيف\", \"label\": [[9, 13, \"LOC\"]]}\n",
    )
    .expect("write");
    h.key_press_modifiers(Modifiers::COMMAND, Key::I);
    h.run();
    // The path field has focus when the dialog opens: type the path.
    h.event(egui::Event::Text(input.display().to_string()));
    h.run();
    h.get_by_label("Import").click();
    h.step();
    assert!(
        h.state().session.job().is_some(),
        "the import runs as a background job"
    );
    let ctx = h.ctx.clone();
    h.state_mut().wait_for_job(&ctx);
    h.run();
    assert_eq!(
        h.state().session.documents().len(),
        3,
        "{}",
        h.state().session.status
    );
    assert!(
        h.state()
            .session
            .status
            .contains("Imported 1 document(s) with 1 span(s)"),
        "{}",
        h.state().session.status
    );

    // Export everything as doccano JSONL through the dialog.
    let out = dir.path().join("all.jsonl");
    h.key_press_modifiers(Modifiers::COMMAND, Key::E);
    h.run();
    h.event(egui::Event::Text(out.display().to_string()));
    h.run();
    h.get_by_label("Export").click();
    h.step();
    h.state_mut().wait_for_job(&ctx);
    h.run();
    let lines = std::fs::read_to_string(&out).expect("exported");
    assert_eq!(lines.lines().count(), 3);
    assert!(lines.contains("[9,13,\"LOC\"]"), "{lines}");

    // Exporting again asks before replacing the file.
    h.key_press_modifiers(Modifiers::COMMAND, Key::E);
    h.run();
    h.event(egui::Event::Text(out.display().to_string()));
    h.run();
    h.get_by_label("Export").click();
    h.run();
    h.get_by_label_contains("exists. Replace it?");
    h.get_by_label("Cancel").click();
    h.run();
    assert!(h.state().transfer.is_none());
}

#[test]
fn the_filtered_list_follows_status_changes() {
    use egui::{Key, Modifiers};
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = harness(app_with(project_with(dir.path(), sample_docs())));
    h.run();
    h.state_mut().docs_panel.filter.status = Some(tawsim::domain::DocStatus::Done);
    h.run();
    assert!(h.state_mut().session.filtered_documents().is_empty());
    h.state_mut().docs_panel.filter.status = None;
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::Enter);
    h.run();
    h.state_mut().docs_panel.filter.status = Some(tawsim::domain::DocStatus::Done);
    h.run();
    let done: Vec<String> = h
        .state_mut()
        .session
        .filtered_documents()
        .iter()
        .map(|d| d.name.clone())
        .collect();
    assert_eq!(
        done,
        ["libya-ceasefire-ar"],
        "the cached list saw the status change"
    );
}

#[test]
fn the_first_run_asks_the_annotators_name_without_blocking_and_labels_go_to_their_layer() {
    let dir = tempfile::tempdir().expect("tmp");
    let project = project_with(dir.path(), sample_docs());
    let path = project.path().to_path_buf();
    let mut app = TawsimApp::new(tawsim::app::Prefs::default());
    app.set_project(project);
    let mut h = harness(app);
    h.run();
    h.get_by_label_contains("Who is annotating?");
    // The window does not take the keys: a label key on a selection still labels (as the
    // OS user, the name offered).
    let (s, e) = cp(SEED, "خليفة حفتر");
    drag_over(&mut h, s, e);
    h.key_press(egui::Key::Num1);
    h.run();
    // Now the user types a name in the field and presses Enter.
    let field = h
        .get_all_by_role(egui::accesskit::Role::TextInput)
        .find(|n| {
            n.value()
                .is_some_and(|v| v == tawsim::domain::annotator::os_user_name())
        })
        .expect("the name field, with the OS user name offered");
    field.click();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.run();
    h.get_all_by_role(egui::accesskit::Role::TextInput)
        .find(|n| {
            n.value()
                .is_some_and(|v| v == tawsim::domain::annotator::os_user_name())
        })
        .expect("the name field, its text selected")
        .type_text("أمينة");
    h.run();
    h.key_press(egui::Key::Enter);
    h.run();
    h.run();
    assert!(h.query_by_label_contains("Who is annotating?").is_none());
    assert_eq!(h.state().prefs.annotator.as_deref(), Some("أمينة"));
    assert_eq!(h.state().session.annotator(), "أمينة");
    // Her layer is empty: the span made before belongs to the OS user's layer.
    let (b, f) = cp(SEED, "بنغازي");
    drag_over(&mut h, b, f);
    h.key_press(egui::Key::Num2);
    h.run();
    drop(h);
    let her = tawsim::store::Project::open_read_only_as(&path, "أمينة").expect("read");
    let doc = her.documents().expect("docs")[0].id;
    let spans: Vec<(usize, usize)> = her
        .annotations(doc)
        .expect("ann")
        .spans
        .iter()
        .map(|s| (s.start, s.end))
        .collect();
    assert_eq!(spans, vec![(b, f)]);
    let first = tawsim::store::Project::open_read_only(&path).expect("read");
    let spans: Vec<(usize, usize)> = first
        .annotations(doc)
        .expect("ann")
        .spans
        .iter()
        .map(|s| (s.start, s.end))
        .collect();
    assert_eq!(spans, vec![(s, e)]);
}
