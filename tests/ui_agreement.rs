//! Project > Agreement in the window: the user opens it from the menu, the numbers are
//! computed in the background, a count in the confusion matrix lists the documents behind
//! it, and a click there opens that document.

mod common;

use common::{cp, harness};
use egui_kittest::kittest::Queryable;
use tawsim::domain::{AnnotatedDocument, Edit, Span};
use tawsim::store::{Project, StoreError};

const D1: &str = "زار غسان سلامة جنيف أمس.";
const D2: &str = "وصل الوفد إلى طرابلس صباح الاثنين.";

#[test]
fn the_agreement_view_shows_the_pair_and_opens_the_document_a_swap_is_in() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("test.tawsim");
    let mut p = Project::create(&path).expect("create");
    p.import(
        |sink| {
            for (name, text) in [("first", D1), ("second", D2)] {
                sink.add(AnnotatedDocument {
                    name: name.into(),
                    text: text.into(),
                    ..Default::default()
                })?;
            }
            Ok::<_, StoreError>(())
        },
        |_| true,
    )
    .expect("import");
    let docs = p.documents().expect("docs");
    let label = |p: &Project, n: &str| p.labels().by_name(n).expect("label").id;
    let (per, loc, org) = (label(&p, "PER"), label(&p, "LOC"), label(&p, "ORG"));
    // Two annotators' layers, as their own sessions would have written them: they agree on
    // the first document; on the second bilal calls طرابلس an ORG.
    let add = |p: &mut Project, doc, text: &str, needle: &str, l| {
        let (s, e) = cp(text, needle);
        p.apply(
            doc,
            &Edit::AddSpan {
                span: Span::new(s, e, l).expect("span"),
            },
        )
        .expect("apply");
    };
    for (who, second) in [("amina", loc), ("bilal", org)] {
        p.set_annotator(who).expect("annotator");
        add(&mut p, docs[0].id, D1, "غسان سلامة", per);
        add(&mut p, docs[0].id, D1, "جنيف", loc);
        add(&mut p, docs[1].id, D2, "طرابلس", second);
    }
    p.set_annotator("amina").expect("annotator");
    let mut h = harness(common::app_with(p));
    h.run();

    // Project > Agreement…
    h.get_by_label("Project").click();
    h.run();
    h.get_by_label_contains("Agreement").click();
    // While the job runs the view shows a spinner, which repaints every frame: step frames
    // one by one (Harness::run would give up on a UI that never settles).
    for _ in 0..500 {
        h.step();
        if h.state().session.agreement.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    h.run();
    let report = h.state().session.agreement.clone().expect("computed");
    assert_eq!(report.annotators, ["amina", "bilal"]);
    // 3 spans each, 2 the same: exact F1 = 2·2/6.
    assert_eq!(report.pairs[0].spans.f1_exact(), Some(2.0 / 3.0));
    h.get_by_label_contains("amina – bilal: ");
    // The overall line carries unitizing α; each annotator's active time is shown (none
    // recorded here: the spans were put in by the store).
    h.get_by_label_contains("· α_u ");
    h.get_by_label("Active time: amina 0 s on 2 document(s) · bilal 0 s on 2 document(s)");

    // The LOC → ORG count opens the list of its documents; a click opens the document.
    assert_ne!(
        h.state()
            .session
            .current()
            .map(|d| d.name.clone())
            .as_deref(),
        Some("second")
    );
    h.get_by_label("LOC → ORG: 1").click();
    h.run();
    h.get_by_label("second: 1 span(s)").click();
    h.run();
    assert_eq!(
        h.state()
            .session
            .current()
            .map(|d| d.name.clone())
            .as_deref(),
        Some("second")
    );
    // Escape closes the view.
    h.key_press(egui::Key::Escape);
    h.run();
    assert!(!h.state().agreement_view.open);
}
