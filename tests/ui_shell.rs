//! The window shell in a headless egui_kittest harness: the document list, opening a
//! document, status bar progress.

mod common;

use common::{SEED, app_with, harness, project_with, sample_docs};
use egui_kittest::kittest::Queryable;

#[test]
fn the_document_list_shows_the_sample_and_it_opens_first() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = harness(app_with(project_with(dir.path(), sample_docs())));
    h.run();
    h.get_by_label_contains("libya-ceasefire-ar");
    h.get_by_label_contains("second");
    let doc = h.state().current().expect("a document is open");
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
    let doc = h.state().current().expect("open");
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
    h.state_mut().filter.text = "وثيقه".into();
    h.run();
    assert!(h.query_by_label_contains("second").is_none());
    h.get_by_label_contains("وثيقة باريس");
    assert!(h.query_by_label_contains("libya-ceasefire-ar").is_none());
}
