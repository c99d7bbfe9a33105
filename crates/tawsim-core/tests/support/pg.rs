//! A PostgreSQL server for the team-backend tests.
//!
//! `TAWSIM_TEST_PG_URL` (a superuser URL, as `.ci/run` exports for the throwaway server it
//! starts) names one. Without it, a throwaway server is started here for this test binary
//! when PostgreSQL is installed (Debian's postgresql package: /usr/lib/postgresql/*/bin):
//! its own data directory in a temporary folder, on 127.0.0.1, run as the `postgres` user
//! when the tests run as root, stopped and removed when the test binary exits. When there
//! is no server and no PostgreSQL, a test says on stderr that it did not run, and fails
//! under `CI=true`.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A server to test against: a superuser URL without a database query part.
pub struct Server {
    /// `postgres://postgres@127.0.0.1:PORT/postgres`
    pub url: String,
    pub host: String,
    pub port: u16,
    /// For a server this test binary started: how to stop and start it again.
    own: Option<Own>,
}

struct Own {
    pg_ctl: PathBuf,
    data: PathBuf,
    /// The shell command that runs the server under its watcher.
    watcher: String,
}

impl Server {
    /// Stops a server this test binary started (fast shutdown: connections are cut).
    pub fn stop(&self) {
        let own = self.own.as_ref().expect("a server of this test's own");
        let mut c = as_postgres(own.pg_ctl.clone());
        c.arg("-D")
            .arg(&own.data)
            .args(["-m", "fast", "-w", "stop"]);
        run(&mut c).expect("pg_ctl stop");
    }

    /// Starts it again on the same port and data, and waits until it takes connections.
    pub fn restart(&self) {
        let own = self.own.as_ref().expect("a server of this test's own");
        spawn_watcher(&own.watcher).expect("restart");
        wait_ready(&self.url, Duration::from_secs(30)).expect("the server is back");
    }

    /// The URL of a team project on this server, as `user` (no password: the test servers
    /// trust loopback connections).
    pub fn project_url(&self, user: &str, project: &str) -> String {
        format!(
            "postgres://{user}@{}:{}/postgres?project={project}",
            self.host, self.port
        )
    }

    /// A plain client as `user`.
    pub fn client(&self, user: &str) -> postgres::Client {
        let url = format!("postgres://{user}@{}:{}/postgres", self.host, self.port);
        postgres::Client::connect(&url, postgres::NoTls)
            .unwrap_or_else(|e| panic!("connect as {user}: {e}"))
    }
}

/// A name unique to this test run (project names and role names are shared by every test
/// on the server).
pub fn unique(prefix: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// The server, or `None` (after saying so on stderr) when none can be had outside CI.
pub fn server(test: &str) -> Option<&'static Server> {
    static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
    match SERVER.get_or_init(start) {
        Ok(s) => Some(s),
        Err(why) => {
            assert!(
                std::env::var("CI").map_or(true, |v| v != "true"),
                "{test}: no PostgreSQL server for the team tests under CI=true: {why}"
            );
            eprintln!("{test}: did not run: {why}");
            None
        }
    }
}

fn parse_url(url: &str) -> Result<Server, String> {
    let rest = url
        .split_once("://")
        .map(|(_, r)| r)
        .ok_or_else(|| format!("TAWSIM_TEST_PG_URL={url}: not a URL"))?;
    let rest = rest.split_once('?').map_or(rest, |(a, _)| a);
    let hostport = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    let hostport = hostport.split_once('/').map_or(hostport, |(h, _)| h);
    let (host, port) = hostport.rsplit_once(':').unwrap_or((hostport, "5432"));
    Ok(Server {
        url: url.to_string(),
        host: host.to_string(),
        port: port
            .parse()
            .map_err(|_| format!("TAWSIM_TEST_PG_URL={url}: bad port"))?,
        own: None,
    })
}

fn start() -> Result<Server, String> {
    if let Ok(url) = std::env::var("TAWSIM_TEST_PG_URL") {
        return parse_url(&url);
    }
    start_own(&[], |_| Ok(()))
}

/// Whether the tests run as root (the server then runs as the `postgres` user).
pub fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// Makes `path` the server's own (it runs as `postgres` when the tests run as root).
pub fn give_to_server(path: &std::path::Path) -> Result<(), String> {
    if is_root() {
        run(Command::new("chown").arg("-R").arg("postgres").arg(path))
    } else {
        Ok(())
    }
}

/// A server of `test`'s own (to stop and start again, or with `extra` options), or `None`
/// (after saying so on stderr) when none can be started outside CI; under `CI=true` it fails.
pub fn own_server(
    test: &str,
    extra: &[&str],
    prepare: impl FnOnce(&std::path::Path) -> Result<(), String>,
) -> Option<Server> {
    match start_own(extra, prepare) {
        Ok(s) => Some(s),
        Err(why) => {
            assert!(
                std::env::var("CI").map_or(true, |v| v != "true"),
                "{test}: no PostgreSQL under CI=true: {why}"
            );
            eprintln!("{test}: did not run: {why}");
            None
        }
    }
}

/// Starts a throwaway server of this test binary's own, with `extra` server options;
/// `prepare` gets its folder first (to put files the options name there).
pub fn start_own(
    extra: &[&str],
    prepare: impl FnOnce(&std::path::Path) -> Result<(), String>,
) -> Result<Server, String> {
    let bin = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|_| {
            "PostgreSQL is not installed (apt-get install postgresql) and TAWSIM_TEST_PG_URL is not set".to_string()
        })?
        .filter_map(Result::ok)
        .map(|e| e.path().join("bin"))
        .filter(|b| b.join("initdb").exists())
        .max()
        .ok_or("PostgreSQL's initdb was not found under /usr/lib/postgresql")?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port: {e}"))?
        .port();
    let dir = tempfile::Builder::new()
        .prefix("tawsim-pg-")
        .tempdir()
        .map_err(|e| e.to_string())?
        .keep();
    prepare(&dir)?;
    give_to_server(&dir)?;
    let data = dir.join("data");
    run(as_postgres(bin.join("initdb"))
        .arg("-D")
        .arg(&data)
        .args(["-A", "trust", "-U", "postgres", "-E", "UTF8"]))?;
    let extra: String = extra
        .iter()
        .map(|o| format!(" -c '{}'", o.replace("{dir}", &dir.display().to_string())))
        .collect();
    // The server runs under a watcher that stops it and removes its folder once this test
    // process has gone.
    let watcher = format!(
        r#""{postgres}" -D "{data}" -p {port} -k "{dir}" -c listen_addresses=127.0.0.1 -c fsync=off{extra} >"{dir}/server.log" 2>&1 &
pg=$!
while [ -d /proc/{parent} ] && kill -0 $pg 2>/dev/null; do sleep 1; done
# A server that stopped on its own leaves its folder (and log) for the test to report.
if [ ! -d /proc/{parent} ]; then kill -INT $pg 2>/dev/null; wait $pg; rm -rf "{dir}"; fi"#,
        postgres = bin.join("postgres").display(),
        data = data.display(),
        dir = dir.display(),
        parent = std::process::id(),
    );
    spawn_watcher(&watcher)?;
    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    let own = Own {
        pg_ctl: bin.join("pg_ctl"),
        data: data.clone(),
        watcher: watcher.clone(),
    };
    let t0 = Instant::now();
    loop {
        if postgres::Client::connect(&url, postgres::NoTls).is_ok() {
            eprintln!(
                "started a throwaway PostgreSQL on port {port} ({})",
                dir.display()
            );
            let mut s = parse_url(&url)?;
            s.own = Some(own);
            return Ok(s);
        }
        let log = dir.join("server.log");
        let died = std::fs::read_to_string(&log).is_ok_and(|l| l.contains("FATAL"));
        if died || t0.elapsed() > Duration::from_secs(30) {
            let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
            return Err(format!("the throwaway PostgreSQL did not start: {log}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn as_postgres(program: PathBuf) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn spawn_watcher(watcher: &str) -> Result<(), String> {
    let mut sh = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", "sh", "-c", watcher]);
        c
    } else {
        let mut c = Command::new("sh");
        c.args(["-c", watcher]);
        c
    };
    sh.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    sh.spawn()
        .map(drop)
        .map_err(|e| format!("start postgres: {e}"))
}

fn wait_ready(url: &str, limit: Duration) -> Result<(), String> {
    let t0 = Instant::now();
    while t0.elapsed() < limit {
        if postgres::Client::connect(url, postgres::NoTls).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("{url}: no connection after {limit:?}"))
}

pub fn run(c: &mut Command) -> Result<(), String> {
    let out = c.output().map_err(|e| format!("{c:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{c:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}
