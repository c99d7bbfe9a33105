//! File > Open team project in the window (egui_kittest, key and text events only): the URL
//! and the password typed into the dialog open a team project on a server that wants a
//! password, and the password is never kept in the preferences.

mod common;
#[path = "../crates/tawsim-core/tests/support/pg.rs"]
mod pg;

use egui::{Event, Key, Modifiers};
use egui_kittest::kittest::{NodeT as _, Queryable};
use tawsim::app::{Prefs, TawsimApp};

#[test]
fn the_team_dialog_takes_a_url_and_a_password_and_opens_the_project() {
    let test = "the_team_dialog_takes_a_url_and_a_password_and_opens_the_project";
    let Some(server) = pg::own_server(test, &["hba_file={dir}/hba.conf"], |dir| {
        std::fs::write(
            dir.join("hba.conf"),
            "local all all trust\nhost all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n",
        )
        .map_err(|e| e.to_string())
    }) else {
        return;
    };
    let project = pg::unique("dlg");
    let amina = pg::unique("amina");
    let mloc = tawsim::store::TeamLocation::parse(&server.project_url("postgres", &project), None)
        .expect("url");
    tawsim::store::pg::team_init(&mloc).expect("init");
    tawsim::store::pg::add_annotator(
        &mloc,
        &amina,
        tawsim::domain::Role::Annotator,
        Some("s3cret"),
    )
    .expect("add");
    // The role is new to this run: no PGPASSWORD or ~/.pgpass line can hold its password.
    let app = TawsimApp::new(Prefs {
        annotator: Some("someone".into()),
        ..Prefs::default()
    });
    let mut h = common::harness(app);
    h.run();
    // Ctrl+Shift+O, the URL, Tab, the password, Enter.
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::O);
    h.run();
    assert!(h.state().dialogs.team.is_some(), "the dialog opened");
    let url = server.project_url(&amina, &project);
    h.event(Event::Text(url.clone()));
    h.run();
    h.key_press(Key::Tab);
    h.run();
    h.event(Event::Text("s3cret".into()));
    h.run();
    h.key_press(Key::Enter);
    h.step();
    let mut opened = false;
    for _ in 0..300 {
        h.step();
        if h.state().session.project().is_some() {
            opened = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(
        opened,
        "the project did not open: {} {:?}",
        h.state().session.status,
        h.state().session.error
    );
    assert_eq!(
        h.state().session.annotator(),
        amina,
        "one annotates as the role"
    );
    h.get_by_label_contains(&format!("team project {project}"));
    // An annotator keeps no suggestions for everyone: the menu says so by disabling them.
    h.get_by_label("Project").click();
    h.run();
    assert!(
        h.get_by_label_contains("Suggest from a gazetteer")
            .accesskit_node()
            .is_disabled(),
        "an annotator's Suggest is disabled"
    );
    h.key_press(Key::Escape);
    h.run();
    // The preferences keep the URL, never the password.
    let prefs = serde_json::to_string(&h.state().prefs).expect("prefs");
    assert!(prefs.contains(&project), "{prefs}");
    assert!(!prefs.contains("s3cret"), "{prefs}");

    // A wrong password: the dialog comes back saying why, the password field empty.
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::O);
    h.step();
    h.event(Event::Text(url));
    h.step();
    h.key_press(Key::Tab);
    h.event(Event::Text("wrong".into()));
    h.key_press(Key::Enter);
    let mut asked = None;
    for _ in 0..300 {
        h.step();
        if let Some(d) = &h.state().dialogs.team
            && !d.message.is_empty()
        {
            asked = Some((d.message.clone(), d.password.clone()));
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let (why, typed) = asked.expect("asked again");
    assert!(why.contains("password"), "{why}");
    assert!(typed.is_empty());
}
