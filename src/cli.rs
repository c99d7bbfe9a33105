//! The command line: `import`, `export`, `stats`, `validate` (no window, no egui).

use crate::formats::{Format, ImportOptions};
use crate::ops;
use crate::store::Project;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "tawsim",
    version,
    about = "Annotate named entities in Arabic documents",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<CliCommand>,
    /// A project (.tawsim) to open, or text files / folders to annotate (a project is made beside them).
    pub paths: Vec<PathBuf>,
    /// Test control: replay annotation commands from FILE on PROJECT without a window,
    /// printing `ok N` as each is stored (see src/script.rs for the commands).
    #[arg(long, value_name = "FILE", requires = "paths")]
    pub script: Option<PathBuf>,
    /// Startup benchmark: close the window right after the first frame is drawn and print
    /// the time from process start.
    #[arg(long, hide = true)]
    pub exit_after_first_frame: bool,
}

#[derive(Debug, Subcommand)]
pub enum CliCommand {
    /// Import documents (and their annotations) into a project, creating it if needed.
    Import {
        project: PathBuf,
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Input format; guessed from the extension when left out.
        #[arg(long)]
        format: Option<String>,
        /// Import what is valid and skip (and list) the rest.
        #[arg(long)]
        lenient: bool,
    },
    /// Counts: documents, spans per label, statuses.
    Stats { project: PathBuf },
}

fn parse_format(name: Option<&str>) -> Result<Option<Format>, String> {
    match name {
        None => Ok(None),
        Some(n) => Format::parse(n)
            .map(Some)
            .ok_or_else(|| format!("unknown format {n:?}")),
    }
}

/// Runs one subcommand, printing results to stdout and errors to stderr.
#[must_use]
pub fn run_command(cmd: CliCommand) -> ExitCode {
    match run(cmd) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tawsim: {}", e.trim_end());
            ExitCode::FAILURE
        }
    }
}

fn run(cmd: CliCommand) -> Result<(), String> {
    match cmd {
        CliCommand::Import {
            project,
            files,
            format,
            lenient,
        } => {
            let format = parse_format(format.as_deref())?;
            let opts = ImportOptions {
                lenient,
                ..ImportOptions::default()
            };
            let (_, out) =
                ops::import_new(&project, &files, format, &opts).map_err(|e| e.to_string())?;
            println!("{}", out.summary());
            for w in &out.report.warnings {
                println!("warning: {w}");
            }
            for e in &out.report.errors {
                println!("skipped: {e}");
            }
            Ok(())
        }
        CliCommand::Stats { project } => {
            let p = Project::open(&project).map_err(|e| e.to_string())?;
            let s = p.stats().map_err(|e| e.to_string())?;
            println!("documents: {}", s.documents);
            println!("spans: {}", s.spans);
            for (status, n) in &s.by_status {
                println!("status {status}: {n}");
            }
            for (label, n) in &s.by_label {
                println!("label {label}: {n}");
            }
            Ok(())
        }
    }
}
