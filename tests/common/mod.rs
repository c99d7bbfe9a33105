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

pub fn app_with(project: Project) -> TawsimApp {
    let mut app = TawsimApp::new(Prefs::default());
    app.set_project(project);
    app
}

pub fn harness(app: TawsimApp) -> Harness<'static, TawsimApp> {
    Harness::builder()
        .with_size([1280.0, 800.0])
        .with_context_setup(tawsim::fonts::install)
        .build_ui_state(|ui, app: &mut TawsimApp| app.frame(ui), app)
}
