//! End-to-end tests of the real binary in a real X server: each test starts Xvfb, runs the
//! `tawsim` binary on a fresh HOME, drives it with xdotool (pointer presses, moves, releases,
//! key presses, typed text — only what a user can do) and reads the project file (SQLite,
//! read-only) afterwards.
//!
//! They need `Xvfb` and `xdotool` (`apt-get install xvfb xdotool`; `.ci/run` installs them).
//! Without them the tests fail: they never skip.

#[path = "support/gazetteer.rs"]
mod gazetteer;
#[path = "../crates/tawsim-core/tests/support/pg.rs"]
mod pg;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Display numbers are picked one test at a time.
static DISPLAYS: Mutex<u32> = Mutex::new(0);

/// One window test at a time: two X servers and two software-rendered windows starting side
/// by side on two cores made the app's X connection fail now and then.
static SERIAL: Mutex<()> = Mutex::new(());

const WORD: &str = "بنغازي";

struct Display {
    num: u32,
    xvfb: Child,
}

impl Display {
    fn start() -> Display {
        for tool in ["Xvfb", "xdotool"] {
            let found = Command::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            assert!(
                found,
                "{tool} is not installed: the window tests need it (apt-get install xvfb xdotool)"
            );
        }
        let mut next = DISPLAYS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let base = 200 + (std::process::id() % 50) * 8;
        for _ in 0..200 {
            let num = base + *next;
            *next += 1;
            if Path::new(&format!("/tmp/.X{num}-lock")).exists()
                || Path::new(&format!("/tmp/.X11-unix/X{num}")).exists()
            {
                continue;
            }
            let Ok(mut xvfb) = Command::new("Xvfb")
                .args([
                    &format!(":{num}"),
                    "-screen",
                    "0",
                    "1280x800x24",
                    "-nolisten",
                    "tcp",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
            else {
                continue;
            };
            let t0 = Instant::now();
            while t0.elapsed() < Duration::from_secs(10) {
                // The socket can exist before the server takes connections: ask it.
                let ready = Path::new(&format!("/tmp/.X11-unix/X{num}")).exists()
                    && Command::new("xdotool")
                        .arg("getmouselocation")
                        .env("DISPLAY", format!(":{num}"))
                        .stdout(Stdio::null())
                        .stderr(Stdio::null())
                        .status()
                        .is_ok_and(|s| s.success());
                if ready {
                    return Display { num, xvfb };
                }
                if xvfb.try_wait().ok().flatten().is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = xvfb.kill();
            let _ = xvfb.wait();
        }
        panic!("could not start Xvfb on any display");
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        let _ = self.xvfb.kill();
        let _ = self.xvfb.wait();
    }
}

/// The running app in its window.
struct App {
    display: Display,
    child: Child,
    dir: tempfile::TempDir,
    /// The command line it runs with.
    args: Vec<PathBuf>,
    window: String,
    /// Window origin and size on the screen.
    x: i32,
    y: i32,
    w: i32,
    h: i32,
    /// Held for the whole test (dropped last); `None` for a second window of one test.
    _serial: Option<std::sync::MutexGuard<'static, ()>>,
}

impl App {
    /// Runs tawsim on `files` (paths inside a fresh temporary HOME made by `setup`).
    fn start(setup: impl FnOnce(&Path) -> Vec<PathBuf>) -> App {
        App::start_with(setup, true)
    }

    /// `focus`: give the window the keyboard focus as a window manager would; without, the
    /// X server has no one handing focus out (a bare Xvfb).
    fn start_with(setup: impl FnOnce(&Path) -> Vec<PathBuf>, focus: bool) -> App {
        let serial = SERIAL
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        App::launch(setup, focus, Some(serial))
    }

    /// Starts a window; `serial`: the test's turn, or `None` when the test holds it.
    fn launch(
        setup: impl FnOnce(&Path) -> Vec<PathBuf>,
        focus: bool,
        serial: Option<std::sync::MutexGuard<'static, ()>>,
    ) -> App {
        let display = Display::start();
        let dir = tempfile::tempdir().expect("tmp");
        let args = setup(dir.path());
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home).expect("home");
        let child = spawn_app(display.num, dir.path(), &home, &args);
        let mut app = App {
            display,
            child,
            dir,
            args,
            window: String::new(),
            x: 0,
            y: 0,
            w: 0,
            h: 0,
            _serial: serial,
        };
        app.find_window(focus);
        app
    }

    /// The home folder the app runs with (kept across [`App::kill_and_start_again`]).
    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// Kills the app (SIGKILL: nothing of it runs after).
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts it again on the same home folder, arguments and display.
    fn start_again(&mut self) {
        self.child = spawn_app(self.display.num, self.dir.path(), &self.home(), &self.args);
        self.find_window(true);
    }

    /// Waits for the app's window (starting the app again when the fresh X server refused
    /// it), focuses it and reads its geometry.
    fn find_window(&mut self, focus: bool) {
        let home = self.home();
        let dir_path = self.dir.path().to_path_buf();
        let t0 = Instant::now();
        let mut tries = 0;
        loop {
            let out = self.xdotool_out(&[
                "search",
                "--onlyvisible",
                "--pid",
                &self.child.id().to_string(),
            ]);
            if let Some(w) = out.lines().next().filter(|l| !l.trim().is_empty()) {
                self.window = w.trim().to_string();
                break;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                // Now and then the fresh X server refuses the first connection: start again.
                if self.log().contains("connection to X server") && tries < 3 {
                    tries += 1;
                    std::thread::sleep(Duration::from_millis(500));
                    self.child = spawn_app(self.display.num, &dir_path, &home, &self.args);
                    continue;
                }
                panic!(
                    "tawsim exited ({status}) before showing a window: {}",
                    self.log()
                );
            }
            assert!(
                t0.elapsed() < Duration::from_secs(60),
                "no window after 60 s: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        // Let the first frames lay out the document.
        std::thread::sleep(Duration::from_millis(2500));
        // No window manager runs: focus the window directly.
        if focus {
            self.xdotool(&["windowfocus", "--sync", &self.window.clone()]);
        }
        let geo = self.xdotool_out(&["getwindowgeometry", "--shell", &self.window.clone()]);
        for line in geo.lines() {
            let (k, v) = line.split_once('=').unwrap_or(("", ""));
            let v: i32 = v.trim().parse().unwrap_or(0);
            match k {
                "X" => self.x = v,
                "Y" => self.y = v,
                "WIDTH" => self.w = v,
                "HEIGHT" => self.h = v,
                _ => {}
            }
        }
        assert!(self.w > 600 && self.h > 400, "window geometry: {geo}");
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("app.log")).unwrap_or_default()
    }

    fn xdotool_out(&self, args: &[&str]) -> String {
        let out = Command::new("xdotool")
            .args(args)
            .env("DISPLAY", format!(":{}", self.display.num))
            .output()
            .expect("run xdotool");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn xdotool(&self, args: &[&str]) {
        let st = Command::new("xdotool")
            .args(args)
            .env("DISPLAY", format!(":{}", self.display.num))
            .status()
            .expect("run xdotool");
        assert!(st.success(), "xdotool {args:?} failed");
        // A few frames for the app to see it.
        std::thread::sleep(Duration::from_millis(250));
    }

    /// A point in the document view (the middle of the window between the side panels),
    /// `fy` down from its top.
    fn text_at(&self, fx: f32, fy: f32) -> (i32, i32) {
        // The side panels are 260 and 300 points wide.
        let left = self.x + 280;
        let right = self.x + self.w - 320;
        (
            left + ((right - left) as f32 * fx) as i32,
            self.y + (self.h as f32 * fy) as i32,
        )
    }

    fn move_to(&self, p: (i32, i32)) {
        self.xdotool(&["mousemove", &p.0.to_string(), &p.1.to_string()]);
    }

    fn double_click(&self, p: (i32, i32)) {
        self.move_to(p);
        self.xdotool(&["click", "--repeat", "2", "--delay", "80", "1"]);
        std::thread::sleep(Duration::from_millis(300));
    }

    fn click(&self, p: (i32, i32)) {
        self.move_to(p);
        self.xdotool(&["click", "1"]);
    }

    /// Press, move over several frames, release.
    fn drag(&self, from: (i32, i32), to: (i32, i32)) {
        self.move_to(from);
        self.xdotool(&["mousedown", "1"]);
        for k in 1..=6 {
            let t = k as f32 / 6.0;
            let p = (
                from.0 + ((to.0 - from.0) as f32 * t) as i32,
                from.1 + ((to.1 - from.1) as f32 * t) as i32,
            );
            self.move_to(p);
        }
        self.xdotool(&["mouseup", "1"]);
        std::thread::sleep(Duration::from_millis(300));
    }

    fn key(&self, keys: &str) {
        self.xdotool(&["key", "--clearmodifiers", keys]);
    }

    /// The query of the last search request the app logged.
    fn last_query(&self) -> Option<String> {
        let log = self.log();
        let tag = "Search(SearchSpec { query: \"";
        let at = log.rfind(tag)? + tag.len();
        let rest = &log[at..];
        Some(rest[..rest.find('"')?].to_string())
    }

    /// Types `text` into the find field a character at a time, as a user does, and waits for
    /// the search each key starts. xdotool types a letter the keyboard map lacks by remapping a
    /// spare key for it; when the app reads the map after the next remap it sees the next letter
    /// instead. Such a key is taken back with BackSpace and typed again.
    fn type_query(&self, text: &str) {
        let mut typed = String::new();
        for c in text.chars() {
            typed.push(c);
            let mut tries = 0;
            loop {
                self.xdotool(&["type", "--delay", "60", &c.to_string()]);
                let t0 = Instant::now();
                let mut got = self.last_query();
                while got.as_deref() != Some(typed.as_str())
                    && t0.elapsed() < Duration::from_secs(3)
                {
                    std::thread::sleep(Duration::from_millis(100));
                    got = self.last_query();
                }
                if got.as_deref() == Some(typed.as_str()) {
                    break;
                }
                tries += 1;
                assert!(
                    tries < 4,
                    "the find field did not get {typed:?}; app log: {}",
                    self.log()
                );
                // Take back what arrived beyond the last good prefix.
                let have = got.map_or(0, |g| g.chars().count());
                let good = typed.chars().count() - 1;
                for _ in good..have {
                    self.key("BackSpace");
                }
            }
        }
    }

    fn type_text(&self, text: &str) {
        self.xdotool(&["type", "--delay", "60", text]);
        std::thread::sleep(Duration::from_millis(300));
    }

    /// The project file's rows, read-only, while the app runs.
    fn query<T>(
        &self,
        project: &Path,
        sql: &str,
        f: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Vec<T> {
        let conn = rusqlite::Connection::open_with_flags(
            project,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap_or_else(|e| panic!("open {}: {e}; app log: {}", project.display(), self.log()));
        let mut st = conn.prepare(sql).expect("prepare");
        st.query_map([], f)
            .expect("query")
            .collect::<Result<Vec<_>, _>>()
            .expect("rows")
    }

    /// Spans as (document name, start, end, label name), in document order.
    fn spans(&self, project: &Path) -> Vec<(String, usize, usize, String)> {
        self.query(
            project,
            "SELECT d.name, s.start, s.end, l.name FROM layer_spans s JOIN documents d ON d.id = s.doc_id
             JOIN labels l ON l.id = s.label_id ORDER BY d.id, s.start, s.end",
            |r| {
                Ok((
                    r.get(0)?,
                    r.get::<_, i64>(1)? as usize,
                    r.get::<_, i64>(2)? as usize,
                    r.get(3)?,
                ))
            },
        )
    }
}

/// Runs tawsim with `args` on display `num`, with `home` as its home and its log in `dir`.
fn spawn_app(num: u32, dir: &Path, home: &Path, args: &[PathBuf]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_tawsim"))
        .args(args)
        .env("DISPLAY", format!(":{num}"))
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("TAWSIM_DATA_DIR", home.join("tawsim"))
        .env("LIBGL_ALWAYS_SOFTWARE", "1")
        .env("TAWSIM_LOG_REQUESTS", "1")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("PGPASSWORD")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("app.log")).expect("log"))
        .spawn()
        .expect("run tawsim")
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One text file of the same word over many lines (every click in the text hits that word),
/// and the project tawsim makes beside it.
fn words_file(dir: &Path, name: &str, lines: usize) -> (PathBuf, PathBuf) {
    let file = dir.join(format!("{name}.txt"));
    let line = [WORD; 12].join(" ");
    let text: Vec<String> = (0..lines).map(|_| line.clone()).collect();
    std::fs::write(&file, text.join("\n") + "\n").expect("write");
    (file, dir.join(format!("{name}.tawsim")))
}

/// Whether `[s, e)` is exactly one occurrence of WORD in the words file.
fn is_whole_word(s: usize, e: usize) -> bool {
    let n = WORD.chars().count();
    // Each word is followed by one space or newline.
    e - s == n && s.is_multiple_of(n + 1)
}

fn wait_for<T>(what: &str, app: &App, mut f: impl FnMut() -> Option<T>) -> T {
    let t0 = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(15),
            "{what}; app log: {}",
            app.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn double_click_a_word_then_a_label_key_stores_that_word() {
    let mut project = PathBuf::new();
    let app = App::start(|d| {
        let (f, p) = words_file(d, "words", 40);
        project = p;
        vec![f]
    });
    app.double_click(app.text_at(0.5, 0.3));
    app.key("1");
    let spans = wait_for("a span after double-click + 1", &app, || {
        Some(app.spans(&project)).filter(|s| !s.is_empty())
    });
    assert_eq!(spans.len(), 1, "{spans:?}");
    let (_, s, e, label) = &spans[0];
    assert!(is_whole_word(*s, *e), "one whole word: {spans:?}");
    assert_eq!(label, "PER");

    // A click elsewhere in the text, then Tab: the span is selected (the view keeps Tab; it
    // never reaches the menu's focus ring), and 3 relabels it.
    app.click(app.text_at(0.5, 0.6));
    app.key("Tab");
    app.key("3");
    let relabelled = wait_for("relabelled to ORG", &app, || {
        Some(app.spans(&project)).filter(|s| s.first().is_some_and(|x| x.3 == "ORG"))
    });
    assert_eq!(relabelled.len(), 1);
    assert_eq!((relabelled[0].1, relabelled[0].2), (*s, *e), "same extent");

    // Alt+Left moves the start one grapheme; Alt+Shift+Left the end.
    app.key("alt+Left");
    let moved = wait_for("start moved", &app, || {
        Some(app.spans(&project)).filter(|v| v.first().is_some_and(|x| x.1 != *s))
    });
    assert_eq!(
        (moved[0].1, moved[0].2),
        (s + 1, *e),
        "Alt+Left shrinks from the start in RTL"
    );
    app.key("alt+shift+Right");
    let moved = wait_for("end moved", &app, || {
        Some(app.spans(&project)).filter(|v| v.first().is_some_and(|x| x.2 != *e))
    });
    assert_eq!((moved[0].1, moved[0].2), (s + 1, e - 1));

    // Undo twice, redo once.
    app.key("ctrl+z");
    app.key("ctrl+z");
    let undone = wait_for("two undos", &app, || {
        Some(app.spans(&project)).filter(|v| v.first().is_some_and(|x| (x.1, x.2) == (*s, *e)))
    });
    assert_eq!(undone[0].3, "ORG");
    app.key("ctrl+shift+z");
    let redone = wait_for("redo", &app, || {
        Some(app.spans(&project)).filter(|v| v.first().is_some_and(|x| x.1 == s + 1))
    });
    assert_eq!((redone[0].1, redone[0].2), (s + 1, *e));

    // Delete removes the selected span.
    app.key("Delete");
    wait_for("deleted", &app, || {
        Some(()).filter(|()| app.spans(&project).is_empty())
    });
}

#[test]
fn drag_over_words_then_a_label_key_stores_them() {
    let mut project = PathBuf::new();
    let app = App::start(|d| {
        let (f, p) = words_file(d, "words", 40);
        project = p;
        vec![f]
    });
    // Drag from right to left (reading order) over the middle of a line.
    let y = 0.3;
    app.drag(app.text_at(0.6, y), app.text_at(0.4, y));
    app.key("2");
    let spans = wait_for("a span after drag + 2", &app, || {
        Some(app.spans(&project)).filter(|s| !s.is_empty())
    });
    assert_eq!(spans.len(), 1, "{spans:?}");
    let (_, s, e, label) = &spans[0];
    let n = WORD.chars().count();
    assert_eq!(label, "LOC");
    assert!(e - s > n, "more than one word: {spans:?}");
    assert!(
        s % (n + 1) == 0 && (e + 1) % (n + 1) == 0,
        "whole words: {spans:?}"
    );
}

#[test]
fn backspace_in_the_filter_box_edits_the_filter_and_leaves_spans_alone() {
    let mut project = PathBuf::new();
    let app = App::start(|d| {
        let folder = d.join("docs");
        std::fs::create_dir_all(&folder).expect("dir");
        words_file(&folder, "alpha", 10);
        words_file(&folder, "beta", 10);
        project = d.join("docs.tawsim");
        vec![folder]
    });
    // A span in the first document, selected.
    app.double_click(app.text_at(0.5, 0.3));
    app.key("1");
    wait_for("span", &app, || {
        Some(()).filter(|()| app.spans(&project).len() == 1)
    });
    // Type into the filter field (left panel, under its heading; 66 points down at the
    // default size), then Backspace.
    app.click((app.x + 130, app.y + 66));
    app.type_text("betax");
    app.key("BackSpace");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        app.spans(&project).len(),
        1,
        "Backspace in the filter deleted a span"
    );
    // The filter now reads "beta": its one row is the first of the list; open it and label.
    app.click((app.x + 60, app.y + 149));
    app.double_click(app.text_at(0.5, 0.3));
    app.key("1");
    let spans = wait_for("a span in beta", &app, || {
        Some(app.spans(&project)).filter(|s| s.len() == 2)
    });
    let docs: Vec<&str> = spans.iter().map(|s| s.0.as_str()).collect();
    assert!(
        docs.contains(&"beta") || docs.contains(&"beta.txt"),
        "{spans:?}"
    );
}

#[test]
fn page_down_scrolls_the_text() {
    let mut project = PathBuf::new();
    let app = App::start(|d| {
        let (f, p) = words_file(d, "words", 400);
        project = p;
        vec![f]
    });
    let at = app.text_at(0.5, 0.3);
    app.double_click(at);
    app.key("1");
    let first = wait_for("first span", &app, || {
        Some(app.spans(&project)).filter(|s| s.len() == 1)
    })[0]
        .1;
    app.key("Escape");
    app.key("Next");
    app.key("Next");
    app.double_click(at);
    app.key("1");
    let spans = wait_for("second span", &app, || {
        Some(app.spans(&project)).filter(|s| s.len() == 2)
    });
    let second = spans.iter().map(|s| s.1).max().unwrap_or(0);
    let line = 12 * (WORD.chars().count() + 1);
    assert!(
        second > first + 10 * line,
        "two pages down the same screen point is at least ten lines further: {first} -> {second}"
    );
    assert!(
        spans.iter().all(|s| s.0.starts_with("words")),
        "still one document"
    );
    // End goes to the end of the document; Home back to the start.
    app.key("End");
    app.double_click(at);
    app.key("2");
    let spans = wait_for("third span", &app, || {
        Some(app.spans(&project)).filter(|s| s.len() == 3)
    });
    let last = spans.iter().map(|s| s.1).max().unwrap_or(0);
    assert!(last > 300 * line, "End shows the end: {last}");
}

#[test]
fn find_types_arabic_and_enter_selects_the_hit_for_a_label_key() {
    let mut project = PathBuf::new();
    let app = App::start(|d| {
        let file = d.join("article.txt");
        std::fs::write(
            &file,
            "قال المتحدث إن الجولة القادمة ستعقد في جنيف الأسبوع المقبل.\nوأضاف أن الوفود وصلت إلى بنغازي.\n",
        )
        .expect("write");
        project = d.join("article.tawsim");
        vec![file]
    });
    app.key("ctrl+f");
    app.type_query("جنيف");
    app.key("Return");
    app.key("Escape");
    app.key("2");
    let spans = wait_for("a span at the hit", &app, || {
        Some(app.spans(&project)).filter(|s| !s.is_empty())
    });
    let text = "قال المتحدث إن الجولة القادمة ستعقد في ";
    let s = text.chars().count();
    assert_eq!(
        spans,
        vec![("article".into(), s, s + 4, "LOC".into())],
        "the hit for جنيف"
    );
}

#[test]
fn file_import_with_the_path_field() {
    let mut project = PathBuf::new();
    let mut extra = PathBuf::new();
    let app = App::start(|d| {
        let (f, p) = words_file(d, "words", 5);
        project = p;
        extra = d.join("more.txt");
        std::fs::write(&extra, "وصل الوفد إلى جنيف.\n").expect("write");
        vec![f]
    });
    // File > Import… from the menu bar (File sits at the window's top left).
    app.click((app.x + 20, app.y + 12));
    std::thread::sleep(Duration::from_millis(300));
    app.click((app.x + 50, app.y + 140));
    app.type_text(&extra.display().to_string());
    app.key("Return");
    let names = wait_for("the imported document", &app, || {
        let n: Vec<String> = app.query(&project, "SELECT name FROM documents ORDER BY id", |r| {
            r.get(0)
        });
        Some(n).filter(|n| n.len() == 2)
    });
    assert!(names[1].starts_with("more"), "{names:?}");
}

#[test]
fn keyboard_only_selection_works_without_clicking_the_text() {
    let mut project = PathBuf::new();
    let app = App::start(|d| {
        let file = d.join("line.txt");
        std::fs::write(&file, format!("{WORD} في ليبيا\n")).expect("write");
        project = d.join("line.tawsim");
        vec![file]
    });
    // The view has focus when the document opens: Shift+Left (forward in RTL) selects.
    for _ in 0..3 {
        app.key("shift+Left");
    }
    app.key("2");
    let spans = wait_for("a span from the keyboard", &app, || {
        Some(app.spans(&project)).filter(|s| !s.is_empty())
    });
    // Word boundaries mode widens the three letters to the whole word.
    assert_eq!(
        spans,
        vec![("line".into(), 0, WORD.chars().count(), "LOC".into())]
    );
}

#[test]
fn on_a_bare_x_server_a_click_gives_the_window_the_keys() {
    // Nobody focuses the window (no window manager, no xdotool windowfocus): the click that
    // selects the word must bring the keyboard along, or the label key is lost.
    let mut project = PathBuf::new();
    let app = App::start_with(
        |d| {
            let (f, p) = words_file(d, "words", 40);
            project = p;
            vec![f]
        },
        false,
    );
    app.double_click(app.text_at(0.5, 0.3));
    app.key("1");
    let spans = wait_for(
        "a span after double-click + 1 without a window manager",
        &app,
        || Some(app.spans(&project)).filter(|s| !s.is_empty()),
    );
    assert_eq!(spans.len(), 1, "{spans:?}");
    assert!(is_whole_word(spans[0].1, spans[0].2), "{spans:?}");
}

/// The last line a window logged about what it shows (`tawsim: shown NAME layer WHO …`).
fn last_shown(app: &App) -> Option<String> {
    app.log()
        .lines()
        .rev()
        .find(|l| l.starts_with("tawsim: shown "))
        .map(str::to_string)
}

/// Spans of a team project's layers on the server: (annotator, start, end, label).
fn team_spans(server: &pg::Server, project: &str) -> Vec<(String, usize, usize, String)> {
    let q = format!("tawsim_{project}");
    let mut c = server.client("postgres");
    c.query(
        &format!(
            "SELECT a.name, s.start, s.\"end\", l.name FROM {q}.layer_spans s
             JOIN {q}.annotators a ON a.id = s.annotator_id JOIN {q}.labels l ON l.id = s.label_id
             ORDER BY a.id, s.start"
        ),
        &[],
    )
    .expect("spans")
    .iter()
    .map(|r| {
        (
            r.get(0),
            r.get::<_, i64>(1) as usize,
            r.get::<_, i64>(2) as usize,
            r.get(3),
        )
    })
    .collect()
}

/// A team project on `server` with one document of the repeated word (40 lines of 12) and
/// `annotators` (with `password`, when given), opened as its manager.
fn team_words_project(
    server: &pg::Server,
    project: &str,
    annotators: &[&str],
    password: Option<&str>,
) -> tawsim::store::PgProject {
    use tawsim::store::Store as _;
    let mloc = tawsim::store::TeamLocation::parse(&server.project_url("postgres", project), None)
        .expect("url");
    tawsim::store::pg::team_init(&mloc).expect("init");
    for who in annotators {
        tawsim::store::pg::add_annotator(&mloc, who, tawsim::domain::Role::Annotator, password)
            .expect("add");
    }
    let text = vec![[WORD; 12].join(" "); 40].join("\n");
    let mut m = tawsim::store::PgProject::open(&mloc).expect("open");
    m.import(
        |sink| {
            sink.add(tawsim::domain::AnnotatedDocument {
                name: "words".into(),
                text: text.clone(),
                ..Default::default()
            })
        },
        |_| true,
    )
    .expect("import");
    m
}

#[test]
fn two_windows_as_two_annotators_label_one_team_document_blind_and_the_manager_sees_both() {
    let test = "two_windows_as_two_annotators_label_one_team_document_blind";
    let Some(server) = pg::server(test) else {
        return;
    };
    use tawsim::store::Store as _;
    // One test's turn for its three windows.
    let _turn = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let project = pg::unique("win");
    let (amina, bilal) = (pg::unique("amina"), pg::unique("bilal"));
    let mut m = team_words_project(server, &project, &[&amina, &bilal], None);
    let url = |who: &str| PathBuf::from(server.project_url(who, &project));
    let n = WORD.chars().count();

    // amina's window: double-click a word, press 1 (PER).
    let a = App::launch(|_| vec![url(&amina)], true, None);
    wait_for("amina's window shows the document", &a, || {
        last_shown(&a).filter(|l| l.contains(&format!("layer {amina} ")))
    });
    a.double_click(a.text_at(0.5, 0.3));
    a.key("1");
    let mine = wait_for("amina's span on the server", &a, || {
        Some(team_spans(server, &project)).filter(|s| s.len() == 1)
    });
    let (who, s, e, label) = &mine[0];
    assert_eq!((who, label.as_str()), (&amina, "PER"));
    assert!(e - s == n && s % (n + 1) == 0, "one whole word: {mine:?}");

    // bilal's window, open at the same time: blind, it shows none of amina's spans.
    let b = App::launch(|_| vec![url(&bilal)], true, None);
    let shown = wait_for("bilal's window shows the document", &b, || {
        last_shown(&b).filter(|l| l.contains(&format!("layer {bilal} ")))
    });
    assert!(shown.contains("spans []"), "blind: {shown}");
    b.double_click(b.text_at(0.5, 0.5));
    b.key("2");
    let both = wait_for("bilal's span on the server", &b, || {
        Some(team_spans(server, &project)).filter(|s| s.len() == 2)
    });
    let theirs = both.iter().find(|x| x.0 == bilal).expect("bilal's").clone();
    assert_eq!(theirs.3, "LOC");
    assert_ne!(theirs.1, *s, "another word: {both:?}");
    let span = |x: &(String, usize, usize, String)| format!("{}-{} {}", x.1, x.2, x.3);
    let b_shown = wait_for("bilal's window shows his span", &b, || {
        last_shown(&b).filter(|l| l.contains(&span(&theirs)))
    });
    assert!(
        b_shown.contains(&format!("spans [{}]", span(&theirs))),
        "bilal sees his span only, never amina's: {b_shown}"
    );
    let a_shown = last_shown(&a).unwrap_or_default();
    assert!(
        a_shown.contains(&format!("spans [{}]", span(&mine[0]))),
        "amina sees her span only: {a_shown}"
    );

    // The manager adds a label: both open windows show it without a restart.
    let mut labels = m.labels().clone();
    labels.add("FAC").expect("add");
    m.save_labels(&labels).expect("save");
    for w in [&a, &b] {
        wait_for("the manager's new label in an open window", w, || {
            last_shown(w).filter(|l| l.contains("FAC]"))
        });
    }
    drop(b);
    drop(a);

    // The manager's window: Layers > amina, then Layers > bilal, each read-only.
    let mw = App::launch(|_| vec![url("postgres")], true, None);
    wait_for("the manager's window shows the document", &mw, || {
        last_shown(&mw).filter(|l| l.contains("layer postgres "))
    });
    // The Layers menu lists the manager, then amina, then bilal, 21 points apart.
    let layers = (mw.x + 227, mw.y + 12);
    for (row, who, x) in [(152, &amina, &mine[0]), (173, &bilal, &theirs)] {
        mw.click(layers);
        mw.click((mw.x + 270, mw.y + row));
        wait_for("the manager sees the layer", &mw, || {
            last_shown(&mw).filter(|l| {
                l.contains(&format!("layer {who} ")) && l.contains(&format!("spans [{}]", span(x)))
            })
        });
    }
    // bilal marks the document done from his own session (a script, as another process):
    // the manager's open window, showing his layer, shows it done without a restart.
    let script = mw.dir.path().join("done.txt");
    std::fs::write(&script, "doc 0\nstatus done\n").expect("script");
    let out = Command::new(env!("CARGO_BIN_EXE_tawsim"))
        .arg("--script")
        .arg(&script)
        .arg(url(&bilal))
        .output()
        .expect("run the script");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    wait_for("bilal's status in the manager's window", &mw, || {
        last_shown(&mw).filter(|l| l.contains(&format!("layer {bilal} status done ")))
    });
}

/// The journal files of a window's home (edits waiting for a team server).
fn journal_lines(app: &App) -> usize {
    std::fs::read_dir(app.home().join("tawsim").join("team-journal"))
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| {
                    std::fs::read_to_string(e.path())
                        .unwrap_or_default()
                        .lines()
                        .count()
                })
                .sum()
        })
        .unwrap_or(0)
}

#[test]
fn a_team_window_keeps_an_edit_made_while_the_server_is_down_through_a_kill() {
    let test = "a_team_window_keeps_an_edit_made_while_the_server_is_down_through_a_kill";
    // A server of this test's own that wants passwords (and is stopped and started again).
    let Some(server) = pg::own_server(test, &["hba_file={dir}/hba.conf"], |dir| {
        std::fs::write(
            dir.join("hba.conf"),
            "local all all trust\nhost all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n",
        )
        .map_err(|e| e.to_string())
    }) else {
        return;
    };
    let project = pg::unique("pw");
    let amina = pg::unique("amina");
    team_words_project(&server, &project, &[&amina], Some("s3cret"));
    let url = PathBuf::from(server.project_url(&amina, &project));

    // The password from ~/.pgpass, as libpq reads it (the dialog that asks for it is tested
    // in tests/ui_team.rs, where no X server's focus comes into it).
    let mut app = App::start(|d| {
        let home = d.join("home");
        std::fs::create_dir_all(&home).expect("home");
        let pgpass = home.join(".pgpass");
        std::fs::write(
            &pgpass,
            format!("127.0.0.1:{}:*:{amina}:s3cret\n", server.port),
        )
        .expect("pgpass");
        std::fs::set_permissions(&pgpass, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .expect("chmod");
        vec![url.clone()]
    });
    wait_for("the project opens", &app, || {
        last_shown(&app).filter(|l| l.contains(&format!("layer {amina} ")))
    });
    app.double_click(app.text_at(0.5, 0.3));
    app.key("1");
    wait_for("the first span on the server", &app, || {
        Some(team_spans(&server, &project)).filter(|s| s.len() == 1)
    });

    // The server goes away; an edit made now waits on the local disk; the window is killed.
    server.stop();
    app.double_click(app.text_at(0.5, 0.5));
    app.key("2");
    wait_for("the edit kept in the journal", &app, || {
        Some(()).filter(|()| journal_lines(&app) == 1)
    });
    app.kill();
    server.restart();
    assert_eq!(
        team_spans(&server, &project).len(),
        1,
        "the killed window never reached the server"
    );
    app.start_again();
    let spans = wait_for("the kept edit on the server", &app, || {
        Some(team_spans(&server, &project)).filter(|s| s.len() == 2)
    });
    assert_eq!(
        spans.iter().map(|s| s.3.as_str()).collect::<Vec<_>>(),
        ["PER", "LOC"],
        "{spans:?}"
    );
    let both = format!(
        "spans [{}-{} PER, {}-{} LOC]",
        spans[0].1, spans[0].2, spans[1].1, spans[1].2
    );
    wait_for("the window shows both", &app, || {
        last_shown(&app).filter(|l| l.contains(&both))
    });
    let mut c = server.client("postgres");
    let ops: i64 = c
        .query_one(
            &format!("SELECT COUNT(*) FROM tawsim_{project}.applied_ops"),
            &[],
        )
        .expect("ops")
        .get(0);
    assert_eq!(ops, 2, "each edit written once");
    assert_eq!(journal_lines(&app), 0, "the journal is empty again");
}

/// A project file with one document and three annotators' layers of it: all three mark
/// غسان سلامة PER; جنيف is LOC for amina and chadi, ORG for bilal; only bilal marks أمس MISC.
fn three_layers_project(dir: &Path) -> PathBuf {
    use tawsim::domain::{AnnotatedDocument, Edit, Span};
    use tawsim::store::{Project, StoreError};
    let path = dir.join("curate.tawsim");
    let mut p = Project::create(&path).expect("create");
    p.import(
        |sink| {
            sink.add(AnnotatedDocument {
                name: "news".into(),
                text: "زار غسان سلامة جنيف أمس".into(),
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
    let layers: [(&str, Vec<(usize, usize, _)>); 3] = [
        ("amina", vec![(4, 14, per), (15, 19, loc)]),
        ("bilal", vec![(4, 14, per), (15, 19, org), (20, 23, misc)]),
        ("chadi", vec![(4, 14, per), (15, 19, loc)]),
    ];
    for (who, spans) in layers {
        p.set_annotator(who).expect("annotator");
        for (s, e, label) in spans {
            let span = Span::new(s, e, label).expect("span");
            p.apply(doc, &Edit::AddSpan { span }).expect("apply");
        }
    }
    path
}

/// One layer's spans in a project file: (start, end, label).
fn layer_spans(app: &App, project: &Path, who: &str) -> Vec<(usize, usize, String)> {
    app.query(
        project,
        &format!(
            "SELECT s.start, s.end, l.name FROM layer_spans s JOIN annotators a ON a.id = s.annotator_id
             JOIN labels l ON l.id = s.label_id WHERE a.name = '{who}' ORDER BY s.start, s.end"
        ),
        |r| {
            Ok((
                r.get::<_, i64>(0)? as usize,
                r.get::<_, i64>(1)? as usize,
                r.get(2)?,
            ))
        },
    )
}

#[test]
fn a_curator_settles_three_annotators_layers_with_the_keyboard_in_curation_mode() {
    let mut project = PathBuf::new();
    let app = App::start(|d| {
        project = three_layers_project(d);
        vec![
            project.clone(),
            PathBuf::from("--annotator"),
            PathBuf::from("curator"),
        ]
    });
    let curated = |want: &[(usize, usize, &str)]| {
        let want: Vec<(usize, usize, String)> = want
            .iter()
            .map(|&(s, e, l)| (s, e, l.to_string()))
            .collect();
        wait_for(&format!("the curated layer {want:?}"), &app, || {
            Some(()).filter(|()| layer_spans(&app, &project, "curated") == want)
        });
    };
    app.click(app.text_at(0.5, 0.6));
    // Curation mode: the curated layer is shown (empty), the annotators' lanes under it.
    app.key("ctrl+shift+c");
    wait_for("the curated layer shown", &app, || {
        last_shown(&app).filter(|l| l.contains("layer curated status new spans []"))
    });
    // Accept every agreement: غسان سلامة PER.
    app.key("ctrl+shift+a");
    curated(&[(4, 14, "PER")]);
    // F8: جنيف, where they disagree; Alt+2 takes bilal's ORG, Alt+1 amina's LOC instead.
    app.key("F8");
    app.key("alt+2");
    curated(&[(4, 14, "PER"), (15, 19, "ORG")]);
    app.key("alt+1");
    curated(&[(4, 14, "PER"), (15, 19, "LOC")]);
    // F8 again: أمس, bilal's alone. Accepting it, then undoing, leaves it out.
    app.key("F8");
    app.key("alt+2");
    curated(&[(4, 14, "PER"), (15, 19, "LOC"), (20, 23, "MISC")]);
    app.key("ctrl+z");
    curated(&[(4, 14, "PER"), (15, 19, "LOC")]);
    // Shift+F8 goes back to جنيف; Alt+0 rejects every version there, Ctrl+Z brings LOC back.
    app.key("shift+F8");
    app.key("alt+0");
    curated(&[(4, 14, "PER")]);
    app.key("ctrl+z");
    curated(&[(4, 14, "PER"), (15, 19, "LOC")]);
    // Mark curated: the curated layer's status is done; the annotators' layers are as they were.
    app.key("ctrl+Return");
    wait_for("the document curated", &app, || {
        app.query(
            &project,
            "SELECT st.status FROM layer_status st JOIN annotators a ON a.id = st.annotator_id
             WHERE a.name = 'curated'",
            |r| r.get::<_, String>(0),
        )
        .first()
        .filter(|s| s.as_str() == "done")
        .cloned()
    });
    assert_eq!(
        layer_spans(&app, &project, "bilal"),
        [
            (4, 14, "PER".to_string()),
            (15, 19, "ORG".to_string()),
            (20, 23, "MISC".to_string())
        ]
    );
    // Curation mode off: the curator's own (empty) layer again.
    app.key("ctrl+shift+c");
    wait_for("the curator's own layer", &app, || {
        last_shown(&app).filter(|l| l.contains("layer curator "))
    });
}

#[test]
fn the_manager_curates_a_team_document_in_the_window_with_the_keyboard() {
    let test = "the_manager_curates_a_team_document_in_the_window";
    let Some(server) = pg::server(test) else {
        return;
    };
    use tawsim::store::Store as _;
    let _turn = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let project = pg::unique("wincur");
    let (amina, bilal) = (pg::unique("amina"), pg::unique("bilal"));
    let m = team_words_project(server, &project, &[&amina, &bilal], None);
    let doc = m.documents().expect("docs")[0].id;
    let n = WORD.chars().count();
    let word = |k: usize| (k * (n + 1), k * (n + 1) + n);
    // The two annotators' layers, as their own sessions wrote them: the first word PER for
    // both; the second LOC for amina, ORG for bilal.
    for (who, second) in [(&amina, "LOC"), (&bilal, "ORG")] {
        let loc = tawsim::store::TeamLocation::parse(&server.project_url(who, &project), None)
            .expect("url");
        let mut p = tawsim::store::PgProject::open(&loc).expect("open");
        for (k, label) in [(0, "PER"), (1, second)] {
            let id = p.labels().by_name(label).expect("label").id;
            let (s, e) = word(k);
            let span = tawsim::domain::Span::new(s, e, id).expect("span");
            p.apply(doc, &tawsim::domain::Edit::AddSpan { span })
                .expect("apply");
        }
    }
    let curated = || {
        team_spans(server, &project)
            .into_iter()
            .filter(|x| x.0 == "curated")
            .map(|x| (x.1, x.2, x.3))
            .collect::<Vec<_>>()
    };
    let mw = App::launch(
        |_| vec![PathBuf::from(server.project_url("postgres", &project))],
        true,
        None,
    );
    wait_for("the manager's window shows the document", &mw, || {
        last_shown(&mw).filter(|l| l.contains("layer postgres "))
    });
    mw.click(mw.text_at(0.5, 0.5));
    mw.key("ctrl+shift+c");
    wait_for("the curated layer shown", &mw, || {
        last_shown(&mw).filter(|l| l.contains("layer curated status new spans []"))
    });
    // Accept the agreement (the first word), then go to the second and take amina's LOC.
    mw.key("ctrl+shift+a");
    let (s0, e0) = word(0);
    wait_for("the agreed PER on the server", &mw, || {
        Some(()).filter(|()| curated() == [(s0, e0, "PER".to_string())])
    });
    // Lanes go in the order the annotators joined: amina's is the first.
    mw.key("F8");
    mw.key("alt+1");
    let (s1, e1) = word(1);
    wait_for(
        "amina's LOC in the curated layer on the server",
        &mw,
        || {
            Some(()).filter(|()| {
                curated() == [(s0, e0, "PER".to_string()), (s1, e1, "LOC".to_string())]
            })
        },
    );
}

#[test]
fn time_spent_working_on_a_document_is_recorded_for_it() {
    let mut project = PathBuf::new();
    let app = App::start(|d| {
        // Two files: the project is named after their folder.
        let folder = d.join("corpus");
        std::fs::create_dir(&folder).expect("folder");
        let (a, _) = words_file(&folder, "words", 20);
        let b = folder.join("second.txt");
        std::fs::write(&b, format!("{WORD} {WORD}\n")).expect("write");
        project = folder.join("corpus.tawsim");
        vec![a, b]
    });
    // About three seconds of work on the first document: a click, the pointer moving over
    // the text, a selection and a label, then the next document.
    app.click(app.text_at(0.5, 0.3));
    for k in 0..6 {
        app.move_to(app.text_at(0.3 + 0.05 * k as f32, 0.4));
        std::thread::sleep(Duration::from_millis(250));
    }
    app.double_click(app.text_at(0.5, 0.3));
    app.key("1");
    app.key("ctrl+Next");
    let seconds = wait_for("the first document's time recorded", &app, || {
        app.query(
            &project,
            "SELECT t.seconds FROM layer_time t JOIN documents d ON d.id = t.doc_id WHERE d.name = 'words'",
            |r| r.get::<_, f64>(0),
        )
        .first()
        .copied()
    });
    assert!(
        (2.0..60.0).contains(&seconds),
        "about three seconds of work: {seconds}"
    );
}

/// The suggestions kept in a project file: (start, end, label), by start.
fn kept_suggestions(app: &App, project: &Path) -> Vec<(usize, usize, String)> {
    app.query(
        project,
        "SELECT DISTINCT x.start, x.end, l.name FROM suggestions x JOIN labels l ON l.id = x.label_id
         ORDER BY x.start, x.end",
        |r| {
            Ok((
                r.get::<_, i64>(0)? as usize,
                r.get::<_, i64>(1)? as usize,
                r.get(2)?,
            ))
        },
    )
}

fn rejections(app: &App, project: &Path, who: &str) -> Vec<(usize, usize, String)> {
    app.query(
        project,
        &format!(
            "SELECT r.start, r.end, l.name FROM layer_rejections r JOIN annotators a ON a.id = r.annotator_id
             JOIN labels l ON l.id = r.label_id WHERE a.name = '{who}' ORDER BY r.start"
        ),
        |r| {
            Ok((
                r.get::<_, i64>(0)? as usize,
                r.get::<_, i64>(1)? as usize,
                r.get(2)?,
            ))
        },
    )
}

#[test]
fn suggestions_from_a_gazetteer_are_reviewed_with_the_keyboard_and_remembered_after_a_restart() {
    let mut project = PathBuf::new();
    let mut gaz = PathBuf::new();
    let mut app = App::start(|d| {
        let article = d.join("article.txt");
        std::fs::copy(
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/data/libya-ceasefire-ar.txt"
            ),
            &article,
        )
        .expect("article");
        gaz = gazetteer::anercorp_loc(d);
        project = d.join("article.tawsim");
        vec![
            article,
            PathBuf::from("--annotator"),
            PathBuf::from("amina"),
        ]
    });
    // Project > Suggest from a gazetteer or patterns…, the path typed in the path field.
    app.click((app.x + 175, app.y + 12));
    std::thread::sleep(Duration::from_millis(400));
    app.click((app.x + 200, app.y + 62));
    std::thread::sleep(Duration::from_millis(400));
    app.type_text(&gaz.display().to_string());
    app.key("Return");
    let all = wait_for("the suggestions kept in the project", &app, || {
        Some(kept_suggestions(&app, &project)).filter(|s| s.len() >= 5)
    });
    let text: Vec<char> = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/libya-ceasefire-ar.txt"
    ))
    .expect("article")
    .chars()
    .collect();
    let words = |(s, e, _): &(usize, usize, String)| text[*s..*e].iter().collect::<String>();
    assert_eq!(
        all.iter().filter(|s| words(s) == "ليبيا").count(),
        4,
        "{:?}",
        all.iter().map(words).collect::<Vec<_>>()
    );
    let sp = |k: usize, label: &str| (all[k].0, all[k].1, label.to_string());

    // From the document's start, F9: the first suggestion; Enter accepts it, X rejects the
    // next, the ORG key (3) accepts the one after as ORG.
    app.click(app.text_at(0.5, 0.3));
    app.key("ctrl+Home");
    app.key("F9");
    app.key("Return");
    wait_for("the first suggestion accepted", &app, || {
        Some(()).filter(|()| layer_spans(&app, &project, "amina") == [sp(0, "LOC")])
    });
    app.key("x");
    wait_for("the second suggestion rejected", &app, || {
        Some(()).filter(|()| rejections(&app, &project, "amina") == [sp(1, "LOC")])
    });
    app.key("3");
    wait_for("the third suggestion accepted as ORG", &app, || {
        Some(()).filter(|()| layer_spans(&app, &project, "amina") == [sp(0, "LOC"), sp(2, "ORG")])
    });

    // Killed and started again: the accepted spans and the rejection are remembered, so
    // the first open suggestion is now the fourth.
    app.kill();
    app.start_again();
    app.click(app.text_at(0.5, 0.3));
    app.key("ctrl+Home");
    app.key("F9");
    app.key("Return");
    wait_for(
        "the fourth suggestion accepted after the restart",
        &app,
        || {
            Some(()).filter(|()| {
                layer_spans(&app, &project, "amina") == [sp(0, "LOC"), sp(2, "ORG"), sp(3, "LOC")]
            })
        },
    );
    assert_eq!(rejections(&app, &project, "amina"), [sp(1, "LOC")]);

    // The CLI counts the same.
    let out = Command::new(env!("CARGO_BIN_EXE_tawsim"))
        .args(["stats", "--annotator", "amina"])
        .arg(&project)
        .output()
        .expect("stats");
    let stats = String::from_utf8_lossy(&out.stdout);
    let n = all.len();
    assert!(
        stats.contains(&format!(
            "suggestions anercorp-loc (patterns from {}): {} open, 3 accepted, 1 rejected, {n} in all",
            gaz.display(),
            n - 4
        )),
        "{stats}"
    );
}

/// The sample article with four spans (السفير الفرنسي MISC, مصطفى مهراج PER, القيادة
/// العامة ORG, خليفة حفتر PER at their first places) and a label set with two relation
/// types (title: PER → MISC, key t; leads: PER → ORG, key l) and a document label group
/// (politics p, economy e: topic).
fn relations_project(dir: &Path) -> PathBuf {
    use tawsim::domain::{AnnotatedDocument, LabelKind, LabelOptions, TaggedSpan};
    use tawsim::store::{Project, StoreError};
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/libya-ceasefire-ar.txt"
    ))
    .expect("article");
    let cp = |needle: &str| {
        let b = text.find(needle).expect("needle");
        let s = text[..b].chars().count();
        (s, s + needle.chars().count())
    };
    let spans = [
        ("السفير الفرنسي", "MISC"),
        ("مصطفى مهراج", "PER"),
        ("القيادة العامة", "ORG"),
        ("خليفة حفتر", "PER"),
    ]
    .map(|(w, l)| {
        let (s, e) = cp(w);
        TaggedSpan::new(s, e, l)
    });
    let path = dir.join("article.tawsim");
    let mut p = Project::create(&path).expect("create");
    p.import(
        |sink| {
            sink.add(AnnotatedDocument {
                name: "article".into(),
                text: text.clone(),
                spans: spans.to_vec(),
                ..Default::default()
            })?;
            Ok::<_, StoreError>(())
        },
        |_| true,
    )
    .expect("import");
    let mut set = p.labels().clone();
    let id = |set: &tawsim::domain::LabelSet, n: &str| set.by_name(n).expect(n).id;
    let (per, org, misc) = (id(&set, "PER"), id(&set, "ORG"), id(&set, "MISC"));
    for (name, kind, key, options) in [
        (
            "title",
            LabelKind::Relation,
            't',
            LabelOptions {
                from: vec![per],
                to: vec![misc],
                ..LabelOptions::default()
            },
        ),
        (
            "leads",
            LabelKind::Relation,
            'l',
            LabelOptions {
                from: vec![per],
                to: vec![org],
                ..LabelOptions::default()
            },
        ),
        (
            "politics",
            LabelKind::Document,
            'p',
            LabelOptions {
                group: "topic".into(),
                ..LabelOptions::default()
            },
        ),
        (
            "economy",
            LabelKind::Document,
            'e',
            LabelOptions {
                group: "topic".into(),
                ..LabelOptions::default()
            },
        ),
    ] {
        let l = set.add_kind(name, kind).expect("label");
        set.set_hotkey(l, Some(key)).expect("hotkey");
        if let Some(x) = set.get_mut(l) {
            x.options = options;
        }
    }
    p.save_labels(&set).expect("labels");
    path
}

/// The relations in a project file: (from start, from end, type, to start, to end).
fn relations(app: &App, project: &Path) -> Vec<(usize, usize, String, usize, usize)> {
    app.query(
        project,
        "SELECT r.from_start, r.from_end, l.name, r.to_start, r.to_end FROM layer_relations r
         JOIN labels l ON l.id = r.label_id ORDER BY r.from_start, r.to_start",
        |r| {
            Ok((
                r.get::<_, i64>(0)? as usize,
                r.get::<_, i64>(1)? as usize,
                r.get(2)?,
                r.get::<_, i64>(3)? as usize,
                r.get::<_, i64>(4)? as usize,
            ))
        },
    )
}

#[test]
fn relations_and_a_document_label_are_made_with_the_keyboard_and_kept_after_a_restart() {
    let mut project = PathBuf::new();
    let mut app = App::start(|d| {
        project = relations_project(d);
        vec![project.clone()]
    });
    let spans: Vec<(usize, usize)> = app.query(
        &project,
        "SELECT start, end FROM layer_spans ORDER BY start",
        |r| Ok((r.get::<_, i64>(0)? as usize, r.get::<_, i64>(1)? as usize)),
    );
    let [safir, mahraj, qiyada, haftar] = [spans[0], spans[1], spans[2], spans[3]];
    app.click(app.text_at(0.5, 0.3));
    app.key("ctrl+Home");
    // Tab, Tab: مصطفى مهراج. R: the nearest span after it that a type fits (القيادة
    // العامة); Shift+Tab: السفير الفرنسي. Only "title" fits PER → MISC, so Enter makes it.
    app.key("Tab");
    app.key("Tab");
    app.key("r");
    app.key("shift+Tab");
    app.key("Return");
    let title = (mahraj.0, mahraj.1, "title".to_string(), safir.0, safir.1);
    wait_for("the title relation stored", &app, || {
        Some(()).filter(|()| relations(&app, &project) == [title.clone()])
    });
    // Tab, Tab: خليفة حفتر (after القيادة العامة). R targets القيادة العامة (nothing after
    // it fits); the "leads" key makes the relation.
    app.key("Tab");
    app.key("Tab");
    app.key("r");
    app.key("l");
    let leads = (haftar.0, haftar.1, "leads".to_string(), qiyada.0, qiyada.1);
    wait_for("the leads relation stored", &app, || {
        Some(()).filter(|()| relations(&app, &project) == [title.clone(), leads.clone()])
    });
    // F7 then p: the document is about politics; F7 then e: economy instead (one topic).
    app.key("F7");
    app.key("p");
    let doc_labels = |app: &App| {
        app.query(
            &project,
            "SELECT l.name FROM layer_doc_labels d JOIN labels l ON l.id = d.label_id",
            |r| r.get::<_, String>(0),
        )
    };
    wait_for("politics ticked", &app, || {
        Some(()).filter(|()| doc_labels(&app) == ["politics"])
    });
    app.key("F7");
    app.key("e");
    wait_for("economy instead", &app, || {
        Some(()).filter(|()| doc_labels(&app) == ["economy"])
    });
    // Ctrl+Z takes economy back to politics; a plain "p" outside the mode is no document
    // label (no entity label has that key either).
    app.key("ctrl+z");
    wait_for("politics again", &app, || {
        Some(()).filter(|()| doc_labels(&app) == ["politics"])
    });

    // Killed and started again: the window shows both relations and the label.
    app.kill();
    app.start_again();
    let want = format!(
        "relations [{}-{} title {}-{}, {}-{} leads {}-{}] document labels [politics]",
        mahraj.0, mahraj.1, safir.0, safir.1, haftar.0, haftar.1, qiyada.0, qiyada.1
    );
    wait_for("the relations shown after the restart", &app, || {
        last_shown(&app).filter(|l| l.contains(&want))
    });
    // Deleting خليفة حفتر asks first; Enter deletes it with its relation.
    app.click(app.text_at(0.5, 0.3));
    app.key("ctrl+Home");
    for _ in 0..4 {
        app.key("Tab");
    }
    app.key("Delete");
    std::thread::sleep(Duration::from_millis(400));
    app.key("Return");
    wait_for("the span and its relation deleted", &app, || {
        Some(()).filter(|()| relations(&app, &project) == [title.clone()])
    });
}
