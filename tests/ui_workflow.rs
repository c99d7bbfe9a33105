//! The annotation workflow driven through the keyboard in a headless harness: hotkey
//! labelling, relabel, delete, undo/redo, next document, mark done. Every check also reads
//! the project file's state, since each edit must be stored before the frame ends.

mod common;

use common::{SEED, app_with, cp, drag, drag_over, harness, project_with, sample_docs};
use egui::{Key, Modifiers};
use egui_kittest::kittest::{NodeT, Queryable};
use tawsim::domain::{DocStatus, Edit, Span};
use tawsim::store::Store;

fn stored_spans(h: &egui_kittest::Harness<'_, tawsim::app::TawsimApp>) -> Vec<Span> {
    let app = h.state();
    let doc = app.session.current().expect("open doc").id;
    app.session
        .project()
        .expect("project")
        .annotations(doc)
        .expect("stored")
        .spans
        .iter()
        .collect()
}

fn label(
    h: &egui_kittest::Harness<'_, tawsim::app::TawsimApp>,
    name: &str,
) -> tawsim::domain::LabelId {
    h.state().session.labels().by_name(name).expect("label").id
}

#[test]
fn a_hotkey_labels_the_selection_with_code_point_offsets_and_stores_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = harness(app_with(project_with(dir.path(), sample_docs())));
    h.run();
    let (s, e) = cp(SEED, "بنغازي");
    // Select from inside the word: word boundary mode widens it to the whole word.
    drag_over(&mut h, s + 1, e - 1);
    h.key_press(Key::Num2);
    h.run();
    let loc = label(&h, "LOC");
    assert_eq!(
        stored_spans(&h),
        vec![Span {
            start: s,
            end: e,
            label: loc
        }]
    );
    let app = h.state();
    assert_eq!(
        app.session.current().map(|d| d.ann.status),
        Some(DocStatus::InProgress),
        "first span starts the document"
    );
    assert_eq!(
        app.session.documents()[0].spans,
        1,
        "the list's count follows"
    );
}

#[test]
fn tab_selects_a_span_then_a_hotkey_relabels_and_delete_removes_with_undo_redo() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = harness(app_with(project_with(dir.path(), sample_docs())));
    h.run();
    let (s, e) = cp(SEED, "خليفة حفتر");
    drag_over(&mut h, s, e);
    h.key_press(Key::Num1);
    h.run();
    let (per, org) = (label(&h, "PER"), label(&h, "ORG"));
    assert_eq!(
        stored_spans(&h),
        vec![Span {
            start: s,
            end: e,
            label: per
        }]
    );

    h.key_press(Key::Tab);
    h.run();
    assert_eq!(
        h.state().session.selected_span,
        Some(Span {
            start: s,
            end: e,
            label: per
        })
    );
    h.key_press(Key::Num3);
    h.run();
    assert_eq!(
        stored_spans(&h),
        vec![Span {
            start: s,
            end: e,
            label: org
        }],
        "relabelled to ORG"
    );

    h.key_press(Key::Delete);
    h.run();
    assert!(stored_spans(&h).is_empty(), "deleted");

    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run();
    assert_eq!(
        stored_spans(&h),
        vec![Span {
            start: s,
            end: e,
            label: org
        }],
        "undo brings it back"
    );
    assert_eq!(
        h.state().session.status,
        "Undid removing a span",
        "names the edit undone"
    );
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run();
    assert_eq!(
        stored_spans(&h),
        vec![Span {
            start: s,
            end: e,
            label: per
        }],
        "undo the relabel"
    );
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
    h.run();
    assert_eq!(
        stored_spans(&h),
        vec![Span {
            start: s,
            end: e,
            label: org
        }],
        "redo the relabel"
    );
    h.key_press_modifiers(Modifiers::COMMAND, Key::Y);
    h.run();
    assert!(stored_spans(&h).is_empty(), "Ctrl+Y redoes too");
}

#[test]
fn an_overlapping_span_is_refused_with_a_message() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = harness(app_with(project_with(dir.path(), sample_docs())));
    h.run();
    let (s, e) = cp(SEED, "الأمم المتحدة");
    drag_over(&mut h, s, e);
    h.key_press(Key::Num3);
    h.run();
    h.key_press(Key::Escape);
    h.run();
    let (s2, e2) = cp(SEED, "المتحدة بجنيف");
    drag_over(&mut h, s2, e2);
    h.key_press(Key::Num2);
    h.run();
    assert_eq!(stored_spans(&h).len(), 1);
    assert!(
        h.state().session.status.contains("overlaps"),
        "{}",
        h.state().session.status
    );
}

#[test]
fn ctrl_page_down_moves_on_and_ctrl_enter_marks_done() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = harness(app_with(project_with(dir.path(), sample_docs())));
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::Enter);
    h.run();
    let app = h.state();
    assert_eq!(
        app.session.current().map(|d| d.name.as_str()),
        Some("second")
    );
    assert_eq!(app.session.documents()[0].status, DocStatus::Done);
    let first = app.session.documents()[0].id;
    assert_eq!(
        app.session
            .project()
            .expect("p")
            .annotations(first)
            .expect("a")
            .status,
        DocStatus::Done,
        "stored"
    );
    h.key_press_modifiers(Modifiers::COMMAND, Key::PageUp);
    h.run();
    assert_eq!(
        h.state().session.current().map(|d| d.name.as_str()),
        Some("libya-ceasefire-ar")
    );
    h.key_press_modifiers(Modifiers::COMMAND, Key::PageDown);
    h.run();
    assert_eq!(
        h.state().session.current().map(|d| d.name.as_str()),
        Some("second")
    );
}

#[test]
fn undo_history_survives_reopening_the_project() {
    let dir = tempfile::tempdir().expect("tmp");
    let (s, e) = cp(SEED, "بنغازي");
    {
        let mut h = harness(app_with(project_with(dir.path(), sample_docs())));
        h.run();
        drag_over(&mut h, s, e);
        h.key_press(Key::Num2);
        h.run();
    }
    let project = tawsim::store::Project::open(&dir.path().join("test.tawsim")).expect("reopen");
    let mut h = harness(app_with(project));
    h.run();
    assert_eq!(stored_spans(&h).len(), 1);
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run();
    assert!(stored_spans(&h).is_empty(), "undo after a restart");
    assert_eq!(
        h.state().session.current().map(|d| d.ann.status),
        Some(DocStatus::New)
    );
}

#[test]
fn label_all_occurrences_is_one_undo_step_and_never_overwrites() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = harness(app_with(project_with(dir.path(), sample_docs())));
    h.run();
    let occurrences = SEED.matches("ليبيا").count();
    assert!(
        occurrences >= 3,
        "the seed mentions ليبيا {occurrences} times"
    );
    // An ORG span covering one later occurrence must stay.
    let (os, oe) = cp(SEED, "ليبيا، وأهمية");
    drag_over(&mut h, os, oe - "، وأهمية".chars().count());
    h.key_press(Key::Num3);
    h.run();
    assert_eq!(
        stored_spans(&h)
            .iter()
            .map(|s| (s.start, s.end))
            .collect::<Vec<_>>(),
        vec![(os, oe - "، وأهمية".chars().count())],
        "{}",
        h.state().session.status
    );
    // Label the first ليبيا as LOC, then Ctrl+L: label all occurrences with LOC.
    let (s, e) = cp(SEED, "ليبيا");
    h.key_press(Key::Escape);
    h.run();
    drag_over(&mut h, s, e);
    h.key_press(Key::Num2);
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::L);
    h.run();
    h.run();
    assert!(h.state().search_panel.open);
    assert_eq!(h.state().search_panel.query, "ليبيا");
    assert_eq!(h.state().session.search.hits.len(), occurrences);
    h.get_by_label_contains("Accept all").click();
    h.run();
    let spans = stored_spans(&h);
    let loc = label(&h, "LOC");
    let org = label(&h, "ORG");
    assert_eq!(
        spans.iter().filter(|s| s.label == loc).count(),
        occurrences - 1,
        "all but the ORG one"
    );
    assert!(
        spans.iter().any(|s| s.label == org && s.start == os),
        "the conflicting ORG span is untouched"
    );
    for s in spans.iter().filter(|s| s.label == loc) {
        assert_eq!(
            &SEED
                .chars()
                .skip(s.start)
                .take(s.end - s.start)
                .collect::<String>(),
            "ليبيا"
        );
    }
    // One undo removes the whole batch, not the first LOC span.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run();
    assert_eq!(
        stored_spans(&h).iter().filter(|s| s.label == loc).count(),
        1
    );
}

#[test]
fn sticky_mode_turns_each_dragged_selection_into_a_span() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = harness(app_with(project_with(dir.path(), sample_docs())));
    for _ in 0..4 {
        h.step();
    }
    // Shift+2: LOC becomes the sticky label.
    h.key_press_modifiers(Modifiers::SHIFT, Key::Num2);
    h.step();
    let loc = label(&h, "LOC");
    assert_eq!(h.state().session.sticky, Some(loc));
    let (s, e) = cp(SEED, "بنغازي");
    drag_over(&mut h, s, e);
    let (s2, e2) = cp(SEED, "ليبيا");
    drag_over(&mut h, s2, e2);
    assert_eq!(
        stored_spans(&h),
        vec![
            Span {
                start: s2,
                end: e2,
                label: loc
            },
            Span {
                start: s,
                end: e,
                label: loc
            }
        ]
    );
}

#[test]
fn a_full_disk_keeps_the_edit_in_memory_and_retry_saves_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut project = project_with(dir.path(), sample_docs());
    // Fill the "disk": the file may not grow by a single page.
    let pages = project.page_count().expect("pages");
    project.set_page_limit(Some(pages)).expect("limit");
    let mut h = harness(app_with(project));
    h.run();
    // A batch of one span per word (label all) needs new pages, which the full disk refuses.
    let loc = label(&h, "LOC");
    let edits: Vec<Edit> = tawsim::domain::arabic::words(SEED)
        .into_iter()
        .map(|(s, e)| Edit::AddSpan {
            span: Span {
                start: s,
                end: e,
                label: loc,
            },
        })
        .collect();
    let n = edits.len();
    assert!(h.state_mut().session.edit(Edit::Batch { edits }));
    h.run();
    let app = h.state();
    assert!(
        app.session
            .error
            .as_deref()
            .is_some_and(|m| m.contains("Could not save")),
        "{:?}",
        app.session.error
    );
    assert_eq!(app.session.unsaved_count(), 1);
    assert_eq!(
        app.session.current().map(|d| d.ann.spans.len()),
        Some(n),
        "the edit is kept in memory"
    );
    assert!(stored_spans(&h).is_empty(), "and not in the file");
    h.get_by_label_contains("NOT SAVED");
    // Space is freed; Retry writes it.
    h.state_mut()
        .session
        .project_mut()
        .and_then(tawsim::store::AnyStore::file_mut)
        .expect("p")
        .set_page_limit(None)
        .expect("unlimit");
    h.get_by_label("Retry").click();
    h.run();
    assert_eq!(h.state().session.unsaved_count(), 0);
    assert!(h.state().session.error.is_none());
    assert_eq!(stored_spans(&h).len(), n);
}

#[test]
fn a_project_file_deleted_underneath_is_reported_not_silently_lost() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = harness(app_with(project_with(dir.path(), sample_docs())));
    h.run();
    let path = dir.path().join("test.tawsim");
    let moved = dir.path().join("moved.tawsim");
    std::fs::rename(&path, &moved).expect("move away");
    let (s, e) = cp(SEED, "بنغازي");
    drag_over(&mut h, s, e);
    h.key_press(Key::Num2);
    h.run();
    assert!(
        h.state()
            .session
            .error
            .as_deref()
            .is_some_and(|m| m.contains("deleted or moved")),
        "{:?}",
        h.state().session.error
    );
    assert_eq!(h.state().session.unsaved_count(), 1);
    std::fs::rename(&moved, &path).expect("put back");
    h.get_by_label("Retry").click();
    h.run();
    assert_eq!(h.state().session.unsaved_count(), 0);
    assert_eq!(stored_spans(&h).len(), 1);
}

#[test]
fn dragging_a_selected_spans_edge_resizes_it_in_one_undo_step() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = harness(app_with(project_with(dir.path(), sample_docs())));
    for _ in 0..4 {
        h.step();
    }
    let (s, e) = cp(SEED, "بنغازي");
    drag_over(&mut h, s, e);
    h.key_press(Key::Num2);
    h.run();
    let loc = label(&h, "LOC");
    assert_eq!(
        h.state().session.selected_span,
        Some(Span {
            start: s,
            end: e,
            label: loc
        })
    );
    // RTL: the span's start edge is the word's right edge. Drag it over "إلى " to its right.
    let word = h.state().view.screen_rects(s, e)[0];
    let (ps, _) = cp(SEED, "إلى بنغازي");
    let to_rect = h.state().view.screen_rects(ps, ps + 3)[0];
    let from = egui::pos2(word.right(), word.center().y);
    let to = egui::pos2(to_rect.right() - 0.5, to_rect.center().y);
    drag(&mut h, from, to);
    assert_eq!(
        stored_spans(&h),
        vec![Span {
            start: ps,
            end: e,
            label: loc
        }],
        "start moved to إلى"
    );
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run();
    assert_eq!(
        stored_spans(&h),
        vec![Span {
            start: s,
            end: e,
            label: loc
        }],
        "one undo restores it"
    );
}

#[test]
fn label_all_over_the_project_runs_in_the_background_one_undo_step_per_document() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut docs = sample_docs();
    for i in 0..40 {
        docs.push(tawsim::domain::AnnotatedDocument {
            name: format!("extra-{i:02}"),
            text: format!("خبر رقم {i}: وصل الوفد إلى ليبيا، ثم غادر ليبيا مساء."),
            ..Default::default()
        });
    }
    let texts: Vec<(String, String)> = docs
        .iter()
        .map(|d| (d.name.clone(), d.text.clone()))
        .collect();
    let total: usize = texts.iter().map(|(_, t)| t.matches("ليبيا").count()).sum();
    let mut h = harness(app_with(project_with(dir.path(), docs)));
    h.run();
    let (s, e) = cp(SEED, "ليبيا");
    drag_over(&mut h, s, e);
    h.key_press(Key::Num2);
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::L);
    h.run();
    h.get_by_label("Whole project").click();
    h.step();
    h.step();
    let ctx = h.ctx.clone();
    settle(&mut h, &ctx);
    let hits = h.state().session.search.hits.clone();
    assert_eq!(hits.len(), total, "every occurrence in every document");
    let docs_hit: std::collections::BTreeSet<_> = hits.iter().map(|h| h.doc).collect();
    assert_eq!(docs_hit.len(), texts.len());

    h.get_by_label_contains("Accept all").click();
    h.step();
    assert!(
        h.state().session.job().is_some(),
        "the other documents are labelled in the background"
    );
    h.state_mut().wait_for_job(&ctx);
    settle(&mut h, &ctx);
    assert!(
        h.state().session.status.contains("Labelled"),
        "{}",
        h.state().session.status
    );

    let loc = label(&h, "LOC");
    let project = h.state().session.project().expect("project");
    let listed = project.documents().expect("list");
    for d in &listed {
        let text = &texts.iter().find(|(n, _)| *n == d.name).expect("doc").1;
        let spans: Vec<Span> = project
            .annotations(d.id)
            .expect("spans")
            .spans
            .iter()
            .collect();
        assert_eq!(spans.len(), text.matches("ليبيا").count(), "{}", d.name);
        for sp in spans {
            assert_eq!(sp.label, loc);
            let got: String = text
                .chars()
                .skip(sp.start)
                .take(sp.end - sp.start)
                .collect();
            assert_eq!(got, "ليبيا", "{}", d.name);
        }
    }
    // The search re-ran: nothing is left to label.
    settle(&mut h, &ctx);
    let after = &h.state().session.search.hits;
    assert_eq!(after.len(), total);
    assert!(
        after
            .iter()
            .all(|h| h.proposal == tawsim::domain::search::Proposal::AlreadyLabelled)
    );
    // Each other document got one undo step holding its whole batch.
    let extra = listed
        .iter()
        .find(|d| d.name == "extra-07")
        .expect("doc")
        .id;
    let project = h
        .state_mut()
        .session
        .project_mut()
        .and_then(tawsim::store::AnyStore::file_mut)
        .expect("project");
    project.undo(extra).expect("undo");
    assert!(project.annotations(extra).expect("spans").spans.is_empty());
}

/// Frames until background searches have reported (they keep the window repainting while
/// they run, so `Harness::run` cannot be used to wait for them).
fn settle(h: &mut egui_kittest::Harness<'_, tawsim::app::TawsimApp>, ctx: &egui::Context) {
    for _ in 0..3 {
        h.step();
        h.state_mut().wait_for_search(ctx);
    }
    h.step();
}

#[test]
fn zooming_keeps_the_reading_position() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut docs = sample_docs();
    // A long document: the seed five times.
    docs[0].text = [SEED; 5].join("\n");
    let text = docs[0].text.clone();
    let mut h = harness(app_with(project_with(dir.path(), docs)));
    h.run_steps(60);
    for _ in 0..4 {
        h.key_press(Key::PageDown);
        h.run_steps(60);
    }
    // A word near the top of the view now.
    let mut best = None;
    let n = text.chars().count();
    for s in (0..n - 6).step_by(7) {
        if let Some(r) = h.state().view.screen_rects(s, s + 1).first()
            && r.top() > 60.0
            && r.top() < 400.0
        {
            best = Some((s, r.top()));
            break;
        }
    }
    let (s, y0) = best.expect("a word on screen after paging");
    assert!(s > 1000, "paged well into the document: {s}");
    for _ in 0..2 {
        h.key_press_modifiers(Modifiers::COMMAND, Key::Plus);
        h.run_steps(60);
    }
    let y1 = h
        .state()
        .view
        .screen_rects(s, s + 1)
        .first()
        .map_or(f32::MAX, |r| r.top());
    assert!(
        (y1 - y0).abs() < 80.0,
        "the word stays near where it was on screen: {y0} -> {y1}"
    );
}

#[test]
fn shutting_down_cancels_a_running_import_and_waits_for_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = harness(app_with(project_with(dir.path(), sample_docs())));
    h.run();
    // A big import, started from the dialog.
    let input = dir.path().join("big.jsonl");
    let line = "{\"text\": \"زار الوفد جنيف\", \"label\": [[9, 13, \"LOC\"]]}\n";
    std::fs::write(&input, line.repeat(200_000)).expect("write");
    h.key_press_modifiers(Modifiers::COMMAND, Key::I);
    h.run();
    h.event(egui::Event::Text(input.display().to_string()));
    h.run();
    h.key_press(Key::Enter);
    h.step();
    assert!(h.state().session.job().is_some(), "the import runs");
    h.state_mut().shut_down();
    assert!(h.state().session.job().is_none(), "nothing left running");
    // The cancelled import left the project as it was (one transaction, rolled back) or
    // whole; never half.
    let n = h
        .state()
        .session
        .project()
        .expect("p")
        .documents()
        .expect("docs")
        .len();
    assert!(n == 2 || n == 200_002, "{n} documents");
}

#[test]
fn ctrl_f_after_labelling_selects_the_prefilled_query_so_typing_replaces_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = harness(app_with(project_with(dir.path(), sample_docs())));
    h.run();
    let (s, e) = cp(SEED, "ليبيا");
    drag_over(&mut h, s, e);
    h.key_press(Key::Num2);
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::F);
    h.run();
    h.run();
    assert_eq!(
        h.state().search_panel.query,
        "ليبيا",
        "prefilled from the span"
    );
    h.event(egui::Event::Text("بنغازي".into()));
    h.run();
    h.run();
    assert_eq!(h.state().search_panel.query, "بنغازي", "typing replaced it");
    let hits = h.state().session.search.hits.len();
    assert_eq!(hits, SEED.matches("بنغازي").count());
    assert!(hits > 0);
}

/// Clicks the widget labelled `name` on the row of the label editor's Add button.
fn click_on_add_row(h: &mut egui_kittest::Harness<'_, tawsim::app::TawsimApp>, name: &str) {
    let add_y = h.get_by_label("Add").rect().center().y;
    h.get_all_by_label(name)
        .find(|n| (n.rect().center().y - add_y).abs() < 6.0)
        .unwrap_or_else(|| panic!("{name} on the Add row"))
        .click();
    h.run();
}

#[test]
fn the_label_editor_adds_a_relation_type_and_a_document_label_that_the_panel_ticks() {
    use tawsim::domain::LabelKind;
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = harness(app_with(project_with(dir.path(), sample_docs())));
    h.run();
    h.get_by_label("Edit labels").click();
    h.run();
    for (name, kind) in [("works_for", "relation"), ("politics", "document")] {
        let add_y = h.get_by_label("Add").rect().center().y;
        h.get_all_by_role(egui::accesskit::Role::TextInput)
            .find(|n| (n.rect().center().y - add_y).abs() < 4.0)
            .expect("the new-label field")
            .click();
        h.run();
        h.event(egui::Event::Text(name.into()));
        h.run();
        // The kind beside the field: entity -> the kind asked for.
        click_on_add_row(&mut h, "kind");
        // (The document view is labelled "document" too: the list's item is a small one.)
        h.get_all_by_label(kind)
            .rfind(|n| n.rect().height() < 40.0)
            .expect("the kind in the list")
            .click();
        h.run();
        h.get_by_label("Add").click();
        h.run();
    }
    h.get_by_label("Save labels").click();
    h.run();
    let stored = h
        .state()
        .session
        .project()
        .expect("project")
        .labels()
        .clone();
    let kind = |n: &str| stored.by_name(n).map(|l| l.kind);
    assert_eq!(kind("works_for"), Some(LabelKind::Relation));
    assert_eq!(kind("politics"), Some(LabelKind::Document));
    // The panel lists the document label; a click ticks it on the open document, stored.
    let politics = stored.by_name("politics").expect("politics").id;
    h.get_all_by_label_contains("politics")
        .find(|n| n.accesskit_node().role() == egui::accesskit::Role::CheckBox)
        .expect("the politics checkbox")
        .click();
    h.run();
    let app = h.state();
    let doc = app.session.current().expect("doc").id;
    let ann = app
        .session
        .project()
        .expect("project")
        .annotations(doc)
        .expect("stored");
    assert!(ann.doc_labels.contains(&politics));
}

#[test]
fn a_drag_from_a_spans_tag_to_another_span_makes_the_relation() {
    use tawsim::domain::{LabelKind, LabelOptions, Relation};
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = harness(app_with(project_with(dir.path(), sample_docs())));
    h.run();
    // Two spans labelled as a user does, and a relation type PER → MISC in the label set.
    let (m, f) = (cp(SEED, "مصطفى مهراج"), cp(SEED, "السفير الفرنسي"));
    drag_over(&mut h, m.0, m.1);
    h.key_press(Key::Num1);
    h.run();
    drag_over(&mut h, f.0, f.1);
    h.key_press(Key::Num4);
    h.run();
    let (per, misc) = (label(&h, "PER"), label(&h, "MISC"));
    let mut set = h.state().session.labels();
    let title = set.add_kind("title", LabelKind::Relation).expect("type");
    if let Some(l) = set.get_mut(title) {
        l.options = LabelOptions {
            from: vec![per],
            to: vec![misc],
            ..LabelOptions::default()
        };
    }
    h.state_mut().session.save_labels(&set);
    h.key_press(Key::Escape);
    h.run();
    let mahraj = Span::new(m.0, m.1, per).expect("span");
    let safir = Span::new(f.0, f.1, misc).expect("span");
    // Press on مصطفى مهراج's tag, drag onto السفير الفرنسي, release.
    let tag = h.state().view.tag_of(mahraj).expect("the PER tag painted");
    let target = h.state().view.screen_rects(f.0, f.1)[0].center();
    drag(&mut h, tag.center(), target);
    h.run();
    let stored = |h: &egui_kittest::Harness<'_, tawsim::app::TawsimApp>| {
        let app = h.state();
        let doc = app.session.current().expect("doc").id;
        app.session
            .project()
            .expect("project")
            .annotations(doc)
            .expect("stored")
            .relations
    };
    assert_eq!(
        stored(&h).into_iter().collect::<Vec<_>>(),
        [Relation {
            from: mahraj,
            to: safir,
            label: title
        }]
    );
    // The drag selected no text and labelled nothing else.
    assert_eq!(stored_spans(&h), vec![safir, mahraj]);
}
