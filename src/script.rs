//! `tawsim --script FILE PROJECT`: replays annotation commands headless through the
//! [`Session`] the window uses (commands -> edits -> the store, one transaction each), and
//! prints `ok N` after command N is durable. A test-only, documented control: the SIGKILL
//! durability test drives the real binary with it.
//!
//! One command a line (`#` starts a comment):
//! - `doc N` opens the N-th document (0-based, project order)
//! - `add START END LABEL` adds a span (code points, label by name)
//! - `remove START END LABEL`, `relabel START END FROM TO`
//! - `status new|in_progress|done`
//! - `undo`, `redo`, `next`, `done-next` (mark done and go to the next document: the next
//!   assigned one on a team project with assignments), `next-assigned`
//! - `sleep MS`
//! - `panic` (panics on purpose: tests the crash report)

use std::io::Write as _;
use std::path::Path;
use tawsim_core::domain::{DocStatus, Edit, LabelSet, Span};
use tawsim_core::session::{Session, SessionOp};
use tawsim_core::store::{Project, Store};

/// One parsed script line.
#[derive(Debug, Clone)]
pub enum Step {
    Doc(usize),
    Edit(EditStep),
    Op(SessionOp),
    Sleep(u64),
    /// Panics on purpose (tests the crash report).
    Panic,
}

/// An edit named by label names (resolved against the project's label set when run).
#[derive(Debug, Clone, PartialEq)]
pub enum EditStep {
    Add(usize, usize, String),
    Remove(usize, usize, String),
    Relabel(usize, usize, String, String),
    Status(DocStatus),
}

/// Parses a script; errors name the line.
pub fn parse(text: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let w: Vec<&str> = line.split_whitespace().collect();
        let bad = || format!("line {}: cannot read {line:?}", i + 1);
        let num = |s: &str| s.parse::<usize>().map_err(|_| bad());
        let step = match w.as_slice() {
            ["doc", n] => Step::Doc(num(n)?),
            ["add", s, e, l] => Step::Edit(EditStep::Add(num(s)?, num(e)?, (*l).to_string())),
            ["remove", s, e, l] => Step::Edit(EditStep::Remove(num(s)?, num(e)?, (*l).to_string())),
            ["relabel", s, e, a, b] => Step::Edit(EditStep::Relabel(
                num(s)?,
                num(e)?,
                (*a).to_string(),
                (*b).to_string(),
            )),
            ["status", s] => Step::Edit(EditStep::Status(DocStatus::parse(s).ok_or_else(bad)?)),
            ["undo"] => Step::Op(SessionOp::Undo),
            ["redo"] => Step::Op(SessionOp::Redo),
            ["next"] => Step::Op(SessionOp::NextDocument),
            ["done-next"] => Step::Op(SessionOp::MarkDoneAndNext),
            ["next-assigned"] => Step::Op(SessionOp::NextAssigned),
            ["sleep", ms] => Step::Sleep(num(ms)? as u64),
            ["panic"] => Step::Panic,
            _ => return Err(bad()),
        };
        steps.push(step);
    }
    Ok(steps)
}

/// Resolves an edit step against the labels and the document's current status.
pub fn to_edit(step: &EditStep, labels: &LabelSet, status: DocStatus) -> Result<Edit, String> {
    let id = |n: &str| {
        labels
            .by_name(n)
            .map(|l| l.id)
            .ok_or_else(|| format!("no label {n}"))
    };
    let span = |s: usize, e: usize, l: &str| -> Result<Span, String> {
        Span::new(s, e, id(l)?).ok_or_else(|| format!("empty span [{s}, {e})"))
    };
    Ok(match step {
        EditStep::Add(s, e, l) => Edit::AddSpan {
            span: span(*s, *e, l)?,
        },
        EditStep::Remove(s, e, l) => Edit::RemoveSpan {
            span: span(*s, *e, l)?,
        },
        EditStep::Relabel(s, e, a, b) => Edit::ReplaceSpan {
            from: span(*s, *e, a)?,
            to: span(*s, *e, b)?,
        },
        EditStep::Status(to) => Edit::SetStatus {
            from: status,
            to: *to,
        },
    })
}

/// Runs a script against a project, printing `ok N` once command N is stored.
/// As `annotator` (their layer), or the OS user when `None`.
pub fn run(script: &Path, project: &Path, annotator: Option<&str>) -> Result<(), String> {
    let text = std::fs::read_to_string(script).map_err(|e| format!("{}: {e}", script.display()))?;
    let steps = parse(&text).map_err(|e| format!("{}: {e}", script.display()))?;
    if let Some(url) = project
        .to_str()
        .filter(|p| tawsim_core::store::is_team_location(p))
    {
        let loc = tawsim_core::store::TeamLocation::parse(url, None)?;
        let mut p = tawsim_core::store::PgProject::open(&loc).map_err(|e| e.to_string())?;
        if let Some(name) = annotator {
            p.set_annotator(name).map_err(|e| e.to_string())?;
        }
        let mut app: Session<tawsim_core::store::PgProject> = Session::new();
        app.set_project(p);
        return replay(&steps, app);
    }
    let name = annotator.map_or_else(tawsim_core::domain::annotator::os_user_name, str::to_string);
    let project = Project::open_as(project, &name).map_err(|e| e.to_string())?;
    crate::crash::set_project(project.path());
    let mut app = Session::new();
    app.set_project(project);
    replay(&steps, app)
}

/// Runs the steps on a session, printing `ok N` once step N is stored.
fn replay<S: Store>(steps: &[Step], mut app: Session<S>) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    for (n, step) in steps.iter().enumerate() {
        match step {
            Step::Doc(i) => {
                let id = app
                    .documents()
                    .get(*i)
                    .map(|d| d.id)
                    .ok_or_else(|| format!("no document {i}"))?;
                app.select_document(id);
            }
            Step::Edit(e) => {
                let status = app
                    .current()
                    .map(|d| d.ann.status)
                    .ok_or("no document open")?;
                let edit = to_edit(e, &app.labels(), status)?;
                if !app.edit(edit) {
                    return Err(format!("step {}: refused: {}", n + 1, app.status));
                }
            }
            Step::Op(op) => app.apply(*op),
            Step::Sleep(ms) => std::thread::sleep(std::time::Duration::from_millis(*ms)),
            Step::Panic => panic!("panic requested by the script at step {}", n + 1),
        }
        if let Some(e) = app.error.take() {
            return Err(format!("step {}: {e}", n + 1));
        }
        if app.unsaved_count() > 0 {
            return Err(format!("step {}: not stored", n + 1));
        }
        writeln!(out, "ok {}", n + 1)
            .and_then(|()| out.flush())
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}
