//! One helper builds every UI test harness: bundled fonts installed, a real project file in a
//! temporary folder, the app driven frame by frame.
#![allow(dead_code)]

use egui_kittest::Harness;
use tawsim::app::{Prefs, TawsimApp};
use tawsim::domain::AnnotatedDocument;
use tawsim::store::{Project, StoreError};

pub const SEED: &str = include_str!("../../assets/samples/libya-ceasefire-ar.txt");

/// Code point range of the first `needle` in `text`.
pub fn cp(text: &str, needle: &str) -> (usize, usize) {
    let b = text.find(needle).expect("needle in text");
    let s = text[..b].chars().count();
    (s, s + needle.chars().count())
}

/// A project with the seed article and a second short document.
pub fn project_with(dir: &std::path::Path, docs: Vec<AnnotatedDocument>) -> Project {
    let mut p = Project::create(&dir.join("test.tawsim")).expect("create project");
    p.import(
        |sink| {
            for d in docs {
                sink.add(d)?;
            }
            Ok::<_, StoreError>(())
        },
        |_| true,
    )
    .expect("import");
    p
}

pub fn sample_docs() -> Vec<AnnotatedDocument> {
    vec![
        AnnotatedDocument {
            name: "libya-ceasefire-ar".into(),
            text: SEED.into(),
            ..Default::default()
        },
        AnnotatedDocument {
            name: "second".into(),
            text: "وقالت بعثة الأمم المتحدة للدعم في ليبيا إن الجولة القادمة ستعقد في جنيف.".into(),
            ..Default::default()
        },
    ]
}

/// The app on `project`, with the annotator's name already given (not asked).
pub fn app_with(project: Project) -> TawsimApp {
    let mut app = TawsimApp::new(Prefs {
        annotator: Some(tawsim::domain::annotator::os_user_name()),
        ..Prefs::default()
    });
    app.set_project(project);
    app
}

pub fn harness(app: TawsimApp) -> Harness<'static, TawsimApp> {
    Harness::builder()
        .with_size([1280.0, 800.0])
        .with_context_setup(tawsim::fonts::install)
        .build_ui_state(|ui, app: &mut TawsimApp| app.frame(ui), app)
}

/// Selects `[s, e)` as a user does: a mouse drag from the range's start edge to its end edge
/// (where the view painted them last frame), in small steps.
pub fn drag_over(h: &mut Harness<'_, TawsimApp>, s: usize, e: usize) {
    // Off screen: page there first, as a reader would.
    for _ in 0..40 {
        let y = h
            .state()
            .view
            .screen_rects(s, e)
            .first()
            .map(|r| r.center().y);
        match y {
            Some(y) if y > 740.0 => h.key_press(egui::Key::PageDown),
            Some(y) if y < 60.0 => h.key_press(egui::Key::PageUp),
            _ => break,
        }
        h.run();
    }
    let first = h.state().view.screen_rects(s, s + 1);
    let last = h.state().view.screen_rects(e - 1, e);
    let (Some(a), Some(b)) = (first.first(), last.last()) else {
        panic!("[{s}, {e}) is not on screen");
    };
    // Right to left when the last character sits left of the first (on one line) or the
    // paragraph reads so; press just inside the start edge, release just inside the end edge.
    let rtl = a.center().x > b.center().x || (a.center().y < b.center().y && a.right() > b.right());
    let (from, to) = if rtl {
        (
            egui::pos2(a.right() - 1.0, a.center().y),
            egui::pos2(b.left() + 1.0, b.center().y),
        )
    } else {
        (
            egui::pos2(a.left() + 1.0, a.center().y),
            egui::pos2(b.right() - 1.0, b.center().y),
        )
    };
    drag(h, from, to);
}

/// A mouse drag in small steps, as a hand would do it (any harness state).
pub fn drag<S>(h: &mut Harness<'_, S>, from: egui::Pos2, to: egui::Pos2) {
    h.hover_at(from);
    h.step();
    h.drag_at(from);
    h.step();
    h.hover_at(from.lerp(to, 0.5));
    h.step();
    h.hover_at(to);
    h.step();
    h.drop_at(to);
    h.step();
    h.step();
}
