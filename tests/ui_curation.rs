//! Curation mode in the window: the curator turns it on from the Project menu, sees every
//! annotator's spans in a lane of their own under the text (clear of the letters and the
//! label tags, each bar named on hover), and settles the document with the curation
//! panel's buttons; what they settle is the curated layer in the project file.

mod common;

use common::{cp, harness};
use egui_kittest::kittest::Queryable;
use tawsim::domain::{AnnotatedDocument, Edit, Span};
use tawsim::store::{Project, StoreError};

const TEXT: &str = "زار غسان سلامة جنيف أمس";

/// Three annotators' layers of one document: all mark غسان سلامة PER; جنيف is LOC for amina
/// and chadi, ORG for bilal; only bilal marks أمس MISC.
fn three_layers(path: &std::path::Path) -> Project {
    let mut p = Project::create(path).expect("create");
    p.import(
        |sink| {
            sink.add(AnnotatedDocument {
                name: "news".into(),
                text: TEXT.into(),
                ..Default::default()
            })?;
            Ok::<_, StoreError>(())
        },
        |_| true,
    )
    .expect("import");
    let doc = p.documents().expect("docs")[0].id;
    let l = |p: &Project, n: &str| p.labels().by_name(n).expect("label").id;
    let (per, loc, org, misc) = (l(&p, "PER"), l(&p, "LOC"), l(&p, "ORG"), l(&p, "MISC"));
    let at = |needle: &str, label| {
        let (s, e) = cp(TEXT, needle);
        Span::new(s, e, label).expect("span")
    };
    for (who, spans) in [
        ("amina", vec![at("غسان سلامة", per), at("جنيف", loc)]),
        (
            "bilal",
            vec![at("غسان سلامة", per), at("جنيف", org), at("أمس", misc)],
        ),
        ("chadi", vec![at("غسان سلامة", per), at("جنيف", loc)]),
    ] {
        p.set_annotator(who).expect("annotator");
        for span in spans {
            p.apply(doc, &Edit::AddSpan { span }).expect("apply");
        }
    }
    p.set_annotator("curator").expect("annotator");
    p
}

fn curated(path: &std::path::Path) -> Vec<(usize, usize, String)> {
    let p = Project::open_read_only_as(path, tawsim::curation::CURATED).expect("open");
    let doc = p.documents().expect("docs")[0].id;
    let ann = p.annotations(doc).expect("ann");
    ann.spans
        .iter()
        .map(|s| {
            let name = p.labels().get(s.label).expect("label").name.clone();
            (s.start, s.end, name)
        })
        .collect()
}

#[test]
fn curation_mode_shows_lanes_and_its_panel_settles_the_document() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("curate.tawsim");
    let mut h = harness(common::app_with(three_layers(&path)));
    h.run();
    assert!(h.state().view.painted_lanes().is_empty(), "no lanes yet");

    // Project > Curation mode.
    h.get_by_label("Project").click();
    h.run();
    h.get_by_label_contains("Curation mode").click();
    for _ in 0..20 {
        h.run();
    }
    assert!(h.state().session.curation().is_some());

    // A bar per annotator's span, in the annotator's lane (top to bottom: amina, bilal,
    // chadi), never over a letter's box.
    let lanes = h.state().view.painted_lanes().to_vec();
    let mut per_lane = [0; 3];
    for (_, k, _) in &lanes {
        per_lane[*k] += 1;
    }
    assert_eq!(per_lane, [2, 3, 2], "{lanes:?}");
    let ink = h.state().view.painted_ink().to_vec();
    for (bar, k, s) in &lanes {
        assert!(
            !ink.iter().any(|g| g.shrink(0.5).intersects(*bar)),
            "lane {k}'s bar of {s:?} covers a letter"
        );
    }
    for tag in h.state().view.painted_tags() {
        assert!(
            !lanes.iter().any(|(bar, _, _)| bar.intersects(*tag)),
            "a label tag covers a lane"
        );
    }
    let y = |k: usize| lanes.iter().find(|l| l.1 == k).expect("lane").0.center().y;
    assert!(y(0) < y(1) && y(1) < y(2), "lanes in order under the line");

    // Hovering bilal's جنيف bar names him, the words and his label.
    let (g, e) = cp(TEXT, "جنيف");
    let bar = lanes
        .iter()
        .find(|(_, k, s)| *k == 1 && (s.start, s.end) == (g, e))
        .expect("bilal's bar")
        .0;
    h.hover_at(bar.center());
    h.run();
    h.get_by_label("bilal: «جنيف» ORG");

    // The panel: accept all agreements, then the جنيف row of the disagreements, then
    // amina's version of it.
    h.get_by_label_contains("Accept all agreements").click();
    h.run();
    let (p0, p1) = cp(TEXT, "غسان سلامة");
    assert_eq!(curated(&path), [(p0, p1, "PER".to_string())]);
    h.get_by_label_contains("amina LOC · bilal ORG · chadi LOC")
        .click();
    h.run();
    eprintln!(
        "at {:?} status {}",
        h.state().session.curation().map(|c| c.at),
        h.state().session.status
    );
    let accept: Vec<_> = h.query_all_by_label_contains("Accept (").collect();
    assert_eq!(accept.len(), 3, "an Accept button per annotator");
    accept[1].click();
    h.run();
    assert_eq!(
        curated(&path),
        [(p0, p1, "PER".to_string()), (g, e, "ORG".to_string())]
    );
    // Rejecting every version there empties it again.
    h.get_by_label_contains("Reject every version").click();
    h.run();
    assert_eq!(curated(&path), [(p0, p1, "PER".to_string())]);
    // The curated layer is what the view shows in curation mode.
    let shown: Vec<(usize, usize)> = h
        .state()
        .session
        .current()
        .expect("doc")
        .ann
        .spans
        .iter()
        .map(|s| (s.start, s.end))
        .collect();
    assert_eq!(shown, [(p0, p1)]);
}
