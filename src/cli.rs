//! The command line: `import`, `export`, `stats`, `validate` (no window, no egui).
//! `export` and `stats` only read: they open the project read-only, without its lock, so they
//! work while a window has it open; `import` is a writer and is refused then.

use crate::domain::DocStatus;
use crate::formats::{
    ConllDialect, DoccanoShape, ExportOptions, Format, ImportOptions, Split, TagScheme, TokenSplit,
};
use crate::ops;
use crate::store::{NextAssigned, PgProject, Project, Store, TeamLocation, is_team_location};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use tawsim_core::merge::{MergeInput, choose_layer, merge_projects};

/// `println!` for what a command prints: when the reader goes away (`tawsim stats P | head`)
/// the command ends quietly instead of panicking; any other write error is reported.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut o = std::io::stdout().lock();
        if let Err(e) = writeln!(o, $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
            eprintln!("tawsim: standard output: {e}");
            std::process::exit(1);
        }
    }};
}

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
    /// Annotate as NAME (the window remembers it; default: the name given before, else the
    /// OS user name). Each annotator has their own layer of spans and statuses.
    #[arg(long, value_name = "NAME")]
    pub annotator: Option<String>,
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
        /// Input format (text, doccano, conll, brat, labelstudio, hf); guessed from the
        /// extension when left out.
        #[arg(long)]
        format: Option<String>,
        /// Import what is valid and skip (and list) the rest.
        #[arg(long)]
        lenient: bool,
        /// Put the spans in NAME's layer; documents already in the project (same text) get
        /// them as NAME's layer instead of becoming new documents.
        #[arg(long, value_name = "NAME")]
        annotator: Option<String>,
        /// Keep the files' spans as suggestions (Label Studio: the tasks' predictions, with
        /// their scores), not as anyone's spans: each document goes to the project's
        /// document with the same text (a new one without spans when there is none).
        #[arg(long)]
        as_suggestions: bool,
        /// With --as-suggestions: the source's name (default: the first file's name without
        /// its extension); importing a source again replaces its suggestions.
        #[arg(long, value_name = "NAME", requires = "as_suggestions")]
        source: Option<String>,
        /// With --as-suggestions: leave out spans scored under this (spans without a score
        /// are kept).
        #[arg(long, value_name = "SCORE", requires = "as_suggestions")]
        min_score: Option<f64>,
        #[command(flatten)]
        read: ReadOptions,
    },
    /// Export a project to a dataset file (or a folder, for brat).
    Export {
        project: PathBuf,
        /// Output format: doccano, conll, brat, labelstudio, hf, text.
        #[arg(long)]
        format: String,
        /// Output file (folder for brat).
        #[arg(short, long)]
        output: PathBuf,
        /// Only documents with this status (new, in_progress, done).
        #[arg(long)]
        status: Option<String>,
        /// Only these labels, comma separated (PER,LOC).
        #[arg(long, value_delimiter = ',')]
        labels: Option<Vec<String>>,
        /// Replace an existing output.
        #[arg(long)]
        force: bool,
        /// CoNLL tag scheme: iob2 (default), iob1, bioes.
        #[arg(long)]
        scheme: Option<String>,
        /// CoNLL line layout: conll2003 (default: seqeval, spaCy convert, HF scripts),
        /// doccano (doccano's CoNLL import: token<TAB>tag only), tab (conll2003 with tabs).
        #[arg(long, value_name = "DIALECT")]
        conll_dialect: Option<String>,
        /// JSON formats: offsets in UTF-16 code units.
        #[arg(long)]
        utf16: bool,
        /// doccano: write the `entities` shape instead of `label`.
        #[arg(long)]
        entities: bool,
        /// CoNLL/HF: split proclitics off words where a span edge falls after them.
        #[arg(long)]
        clitic_tokens: bool,
        /// With --clitic-tokens: the article ال counts as a proclitic.
        #[arg(long)]
        with_article: bool,
        /// Export NAME's layer (default: yours, or the only annotator's).
        #[arg(long, value_name = "NAME")]
        annotator: Option<String>,
        /// Export this layer: an annotator's name, `curated` (also `gold`) for the
        /// curated layer, or `suggestions[:SOURCE]` for the open suggestions (of one source,
        /// or of all) that --annotator's layer has not accepted, rejected or covered.
        #[arg(long, value_name = "NAME", conflicts_with = "annotator")]
        layer: Option<String>,
        /// Exit 0 even when some spans cannot be written in the format (they are listed).
        #[arg(long)]
        lenient: bool,
        /// HF rows: documents (default), sentences, or max-tokens (whole sentences up to
        /// --max-tokens, 512 unless given).
        #[arg(long, value_name = "HOW")]
        split: Option<String>,
        /// With --split max-tokens: the most tokens a row holds.
        #[arg(long, value_name = "N")]
        max_tokens: Option<usize>,
    },
    /// Check a dataset file without importing it: the report lists every problem.
    Validate {
        file: PathBuf,
        #[arg(long)]
        format: Option<String>,
        #[command(flatten)]
        read: ReadOptions,
    },
    /// Searches every document of a project (the search's normalisation: hamza forms,
    /// ة/ه, ى/ي, harakat, tatweel, bidi marks and Latin case do not matter) and prints
    /// each hit as `document<TAB>start<TAB>end<TAB>text` (code points), in project order.
    /// Uses the project's search index where it is up to date (`tawsim index`).
    Search {
        project: PathBuf,
        query: String,
        /// Whole words only.
        #[arg(long)]
        whole_word: bool,
        /// Whole words that may carry proclitics (و ف ب ل ك, ال) in the text.
        #[arg(long)]
        clitics: bool,
        /// Stop after this many hits.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Builds or updates a project file's search index (`PROJECT.index`, beside it: the
    /// normalised text in SQLite FTS5 with trigrams; derived data, safe to delete). The
    /// window updates it in the background.
    Index { project: PathBuf },
    /// Counts: documents, spans per label, statuses (of one layer), and every annotator's
    /// progress.
    Stats {
        project: PathBuf,
        /// Count NAME's layer (default: yours, or the only annotator's).
        #[arg(long, value_name = "NAME")]
        annotator: Option<String>,
    },
    /// Inter-annotator agreement: span F1 (exact, lenient) and Cohen's κ per pair of
    /// annotators, Fleiss' κ, Krippendorff's α and span F1 overall, per label and per
    /// document, and which labels each pair swaps.
    Agreement {
        project: PathBuf,
        /// The annotators to compare (default: everyone who annotated a document).
        #[arg(long, value_delimiter = ',', value_name = "A,B,…")]
        annotators: Vec<String>,
        /// Only spans of these labels (default: all).
        #[arg(long, value_delimiter = ',', value_name = "LABEL,…")]
        labels: Vec<String>,
        /// table, json or csv.
        #[arg(long, default_value = "table")]
        format: String,
    },
    /// Curation: pre-merges the annotators' layers into the curated layer (`curated`, also
    /// called `gold`) of every document not yet marked curated, by a rule, and lists what is
    /// left to decide. Export it with `export --layer curated`.
    Curate {
        project: PathBuf,
        /// unanimous, majority (more than half of a document's annotators) or at-least-K.
        #[arg(long, default_value = "majority")]
        rule: String,
        /// The annotators to curate (default: everyone who annotated a document).
        #[arg(long, value_delimiter = ',', value_name = "A,B,…")]
        annotators: Vec<String>,
    },
    /// Suggestions from a gazetteer (`text<TAB>label` lines, as INCEpTION reads them) or
    /// Prodigy patterns (JSONL: a phrase, or tokens with orth/text/lower and OP ? + *),
    /// matched through the Arabic normalisation and proclitics, whole words, longest first,
    /// never over a span of the layer. Kept in the project as source NAME (replacing what
    /// NAME suggested before) for review in the window, counted by `stats`, exported with
    /// `export --layer suggestions:NAME`; with -o, written to OUTPUT instead.
    #[command(group(clap::ArgGroup::new("from").required(true).args(["patterns", "model_server"])))]
    Suggest {
        project: PathBuf,
        /// The gazetteer or patterns file.
        #[arg(long, value_name = "FILE")]
        patterns: Option<PathBuf>,
        /// Ask a model server that speaks the Label Studio ML backend protocol (POST
        /// URL/predict, one document a request) instead of matching patterns; kept in the
        /// project (source `model` unless --source).
        #[arg(long, value_name = "URL", conflicts_with_all = ["output", "patterns"])]
        model_server: Option<String>,
        /// Model server: seconds to wait for one document's answer.
        #[arg(
            long,
            value_name = "SECONDS",
            default_value_t = 30.0,
            requires = "model_server"
        )]
        timeout: f64,
        /// Model server: leave out results scored under this.
        #[arg(long, value_name = "SCORE", requires = "model_server")]
        min_score: Option<f64>,
        /// The source's name (default: the patterns file's name without its extension).
        #[arg(long, value_name = "NAME")]
        source: Option<String>,
        /// Match NAME's layer and leave its spans alone (default: yours, or the only one).
        #[arg(long, value_name = "NAME")]
        annotator: Option<String>,
        /// Write the suggestions to this file (in --format) instead of keeping them.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// doccano, conll, brat, labelstudio or hf.
        #[arg(long, default_value = "doccano")]
        format: String,
        /// Replace OUTPUT when it exists.
        #[arg(long)]
        force: bool,
    },
    /// Merge annotators' own project files into a new project: the same documents (same
    /// text) get each file's annotators as layers. `NAME=FILE` names the layer of a file
    /// with one annotator.
    Merge {
        output: PathBuf,
        #[arg(required = true, value_name = "FILE")]
        inputs: Vec<String>,
    },
    /// Project settings: `project set FILE overlap allow|forbid`, `project set FILE layers
    /// blind|visible`, `project role FILE NAME annotator|manager`.
    Project {
        #[command(subcommand)]
        action: ProjectAction,
    },
    /// A team project on a PostgreSQL server (`postgres://user@host:port/db?project=NAME`):
    /// `team init`, `team add-annotator`, `team push`. Such a URL is accepted wherever a
    /// project file is (import, export, stats, --script).
    Team {
        #[command(subcommand)]
        action: TeamAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum TeamAction {
    /// Creates a team project (schema, roles, row-level security, default labels) on the
    /// server; the role connecting becomes its first manager.
    Init {
        url: String,
        /// The project's name (lower-case letters, digits, _), unless the URL has ?project=.
        #[arg(long)]
        project: Option<String>,
    },
    /// Adds an annotator: a PostgreSQL login role of that name (unless it exists) in the
    /// project's annotator (or manager) group. Without --password-stdin a password is made
    /// and printed once.
    AddAnnotator {
        url: String,
        name: String,
        /// annotator (own layer only) or manager (labels, settings, documents, every layer).
        #[arg(long, default_value = "annotator")]
        role: String,
        /// Read the new role's password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Uploads a local project (documents, labels, settings, every annotator's layer with
    /// its history) into a new, empty team project, in one transaction.
    Push { file: PathBuf, url: String },
    /// Assigns each document not assigned yet to N annotators (round-robin, or random with
    /// --random SEED); with --lease, exclusive mode: a document handed out by "next
    /// document" is not handed to another annotator until done or the lease runs out.
    Assign {
        url: String,
        /// How many annotators get each document (2 for agreement).
        #[arg(long, default_value_t = 1)]
        per_doc: usize,
        /// Draw the annotators at random from this seed instead of round-robin.
        #[arg(long, value_name = "SEED")]
        random: Option<u64>,
        /// Only these annotators, comma separated (default: every annotator of role annotator).
        #[arg(long, value_delimiter = ',')]
        annotators: Vec<String>,
        /// Exclusive mode: a lease of this many minutes.
        #[arg(long, value_name = "MINUTES")]
        lease: Option<u64>,
    },
    /// Prints your next assigned document not done (taking its lease in exclusive mode).
    Next { url: String },
    /// Prints each change others make (labels, settings, documents, annotators,
    /// assignments, statuses) as it happens, a line each: `changed: TABLE`.
    Watch {
        url: String,
        /// Stop after this many seconds (default: until interrupted).
        #[arg(long)]
        seconds: Option<u64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProjectAction {
    /// Sets `overlap` (allow|forbid: nested spans) or `layers` (blind: annotators see only
    /// their own layer; visible: everyone's, read-only).
    Set {
        project: PathBuf,
        key: String,
        value: String,
    },
    /// Makes NAME an annotator or a manager (a manager sees every layer).
    Role {
        project: PathBuf,
        name: String,
        role: String,
    },
}

/// Options for reading dataset files.
#[derive(Debug, Clone, clap::Args)]
pub struct ReadOptions {
    /// Plain text: one document per file (whole), line, or paragraph.
    #[arg(long, default_value = "whole")]
    pub split: String,
    /// CoNLL tag scheme: iob2 (default), iob1, bioes.
    #[arg(long)]
    pub scheme: Option<String>,
    /// CoNLL: 0-based column of the tag (default: the trailing tag columns).
    #[arg(long)]
    pub tag_column: Option<usize>,
    /// JSON formats: offsets in the file count UTF-16 code units.
    #[arg(long)]
    pub utf16: bool,
    /// Spans may overlap (nested NER, e.g. Wojood); a project made by this import allows
    /// them from then on.
    #[arg(long)]
    pub allow_overlap: bool,
    /// Warnings count as problems: a span that cuts a word or has a space at an edge, a
    /// repaired tag, a cut document… (without --lenient they stop the import).
    #[arg(long)]
    pub strict: bool,
}

impl ReadOptions {
    fn to_options(&self, lenient: bool) -> Result<ImportOptions, String> {
        let split = match self.split.as_str() {
            "whole" | "file" => Split::Whole,
            "lines" | "line" => Split::Lines,
            "paragraphs" | "paragraph" => Split::Paragraphs,
            s => return Err(format!("unknown --split {s:?} (whole, lines, paragraphs)")),
        };
        Ok(ImportOptions {
            lenient,
            split,
            scheme: parse_scheme(self.scheme.as_deref())?,
            tag_column: self.tag_column,
            utf16_offsets: self.utf16,
            overlap: self
                .allow_overlap
                .then_some(crate::domain::OverlapPolicy::Allow),
            strict: self.strict,
            ..ImportOptions::default()
        })
    }
}

fn parse_scheme(s: Option<&str>) -> Result<TagScheme, String> {
    s.map_or(Ok(TagScheme::Iob2), |s| {
        TagScheme::parse(s).ok_or_else(|| format!("unknown tag scheme {s:?} (iob2, iob1, bioes)"))
    })
}

fn print_report(r: &crate::formats::ImportReport) {
    for l in r.warnings.lines("warning").chain(r.errors.lines("problem")) {
        out!("{l}");
    }
}

fn print_export_report(r: &crate::formats::ExportReport) {
    for l in r
        .warnings
        .lines("warning")
        .chain(r.misaligned.lines("not written"))
    {
        out!("{l}");
    }
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
            annotator,
            as_suggestions,
            source,
            min_score,
            read,
        } => {
            let format = parse_format(format.as_deref())?;
            let opts = read.to_options(lenient)?;
            if as_suggestions {
                return import_suggestions(&project, &files, format, &opts, source, min_score);
            }
            if let Some(url) = project.to_str().filter(|p| is_team_location(p)) {
                // On a team project a document already there (same text) gets the
                // importer's layer; a manager's new texts become new documents.
                let mut p = open_team(url, annotator.as_deref())?;
                let out = ops::import_paths_joining(&mut p, &files, format, &opts, true)
                    .map_err(|e| e.to_string())?;
                out!("{}", out.summary());
                print_report(&out.report);
                return Ok(());
            }
            let (_, out) =
                ops::import_new_as(&project, &files, format, &opts, annotator.as_deref())
                    .map_err(|e| e.to_string())?;
            out!("{}", out.summary());
            print_report(&out.report);
            Ok(())
        }
        cmd @ CliCommand::Export { .. } => export(cmd),
        CliCommand::Validate { file, format, read } => {
            let format = parse_format(format.as_deref())?
                .or_else(|| Format::guess(&file))
                .ok_or_else(|| {
                    format!("{}: cannot tell the format; give --format", file.display())
                })?;
            let opts = read.to_options(false)?;
            let r = crate::formats::validate(&file, format, &opts).map_err(|e| e.to_string())?;
            out!(
                "{}: {} document(s), {} span(s), {} warning(s), {} problem(s)",
                file.display(),
                r.documents,
                r.spans,
                r.warnings.len(),
                r.errors.len()
            );
            print_report(&r);
            if r.errors.is_empty() {
                Ok(())
            } else {
                Err(format!("{} problem(s) found", r.errors.len()))
            }
        }
        CliCommand::Stats { project, annotator } => stats(&project, annotator.as_deref()),
        CliCommand::Search {
            project,
            query,
            whole_word,
            clitics,
            limit,
        } => search(&project, &query, whole_word, clitics, limit),
        CliCommand::Index { project } => build_index(&project),
        CliCommand::Merge { output, inputs } => merge(&output, &inputs),
        CliCommand::Agreement {
            project,
            annotators,
            labels,
            format,
        } => agreement(&project, &annotators, &labels, &format),
        CliCommand::Curate {
            project,
            rule,
            annotators,
        } => curate(&project, &rule, &annotators),
        CliCommand::Suggest {
            project,
            patterns,
            model_server,
            timeout,
            min_score,
            source,
            annotator,
            output,
            format,
            force,
        } => match (patterns, model_server) {
            (_, Some(url)) => suggest_from_server(&project, &url, source, timeout, min_score),
            (Some(patterns), None) => suggest(
                &project,
                &patterns,
                source.as_deref(),
                annotator.as_deref(),
                output.as_deref(),
                &format,
                force,
            ),
            (None, None) => Err("give --patterns FILE or --model-server URL".into()),
        },
        CliCommand::Project { action } => project_action(action),
        CliCommand::Team { action } => team_action(action),
    }
}

/// A team project named by a URL, opened as the role it names (`--annotator`, when given,
/// must be that role).
fn open_team(url: &str, annotator: Option<&str>) -> Result<PgProject, String> {
    let loc = TeamLocation::parse(url, None)?;
    let mut p = PgProject::open(&loc).map_err(|e| e.to_string())?;
    if let Some(name) = annotator {
        p.set_annotator(name).map_err(|e| e.to_string())?;
    }
    Ok(p)
}

fn team_action(action: TeamAction) -> Result<(), String> {
    match action {
        TeamAction::Init { url, project } => {
            let loc = TeamLocation::parse(&url, project.as_deref())?;
            tawsim_core::store::pg::team_init(&loc).map_err(|e| e.to_string())?;
            out!("Created team project {}", loc.display);
            Ok(())
        }
        TeamAction::AddAnnotator {
            url,
            name,
            role,
            password_stdin,
        } => {
            let loc = TeamLocation::parse(&url, None)?;
            let role = crate::domain::Role::parse(&role)
                .ok_or_else(|| format!("unknown role {role:?} (annotator, manager)"))?;
            let (password, made) = if password_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .read_line(&mut line)
                    .map_err(|e| format!("standard input: {e}"))?;
                let pw = line.trim_end_matches(['\r', '\n']).to_string();
                if pw.is_empty() {
                    return Err("standard input: no password on its first line".into());
                }
                (pw, false)
            } else {
                (new_password()?, true)
            };
            let r = tawsim_core::store::pg::add_annotator(&loc, &name, role, Some(&password))
                .map_err(|e| e.to_string())?;
            out!("{}: {} is {}", loc.display, name.trim(), role.as_str());
            if !r.created_role {
                out!(
                    "(the role {} was already there; its password is unchanged)",
                    name.trim()
                );
            } else if made {
                out!("password for {}: {password}", name.trim());
            }
            Ok(())
        }
        TeamAction::Assign {
            url,
            per_doc,
            random,
            annotators,
            lease,
        } => team_assign(&url, per_doc, random, &annotators, lease),
        TeamAction::Next { url } => team_next(&url),
        TeamAction::Watch { url, seconds } => team_watch(&url, seconds),
        TeamAction::Push { file, url } => {
            let local = Project::open_read_only(&file).map_err(|e| e.to_string())?;
            let mut team = open_team(&url, None)?;
            let (docs, spans) = team.push(&local).map_err(|e| e.to_string())?;
            out!(
                "Pushed {docs} document(s) and {spans} span(s) from {} to {}",
                file.display(),
                url_shown(&url)
            );
            Ok(())
        }
    }
}

fn team_assign(
    url: &str,
    per_doc: usize,
    random: Option<u64>,
    annotators: &[String],
    lease: Option<u64>,
) -> Result<(), String> {
    use tawsim_core::store::pg::{Spread, assign};
    let loc = TeamLocation::parse(url, None)?;
    let spread = random.map_or(Spread::RoundRobin, Spread::Random);
    let lease = lease.map(|m| std::time::Duration::from_secs(m.saturating_mul(60)));
    let r = assign(&loc, per_doc, spread, annotators, lease).map_err(|e| e.to_string())?;
    out!(
        "Assigned {} document(s): {} assignment(s){}",
        r.documents,
        r.assignments,
        lease.map_or(String::new(), |l| format!(
            ", exclusive (lease {} min)",
            l.as_secs() / 60
        ))
    );
    Ok(())
}

fn team_watch(url: &str, seconds: Option<u64>) -> Result<(), String> {
    use std::io::Write as _;
    let loc = TeamLocation::parse(url, None)?;
    let w = tawsim_core::store::Watcher::start(&loc).map_err(|e| e.to_string())?;
    let mut out = std::io::stdout().lock();
    let say = |out: &mut std::io::StdoutLock<'_>, line: String| {
        writeln!(out, "{line}")
            .and_then(|()| out.flush())
            .map_err(|e| e.to_string())
    };
    say(&mut out, format!("watching {}", loc.display))?;
    let end = seconds.map(|s| std::time::Instant::now() + std::time::Duration::from_secs(s));
    while end.is_none_or(|e| std::time::Instant::now() < e) {
        if let Some(change) = w.next_change(std::time::Duration::from_millis(200)) {
            say(&mut out, format!("changed: {change}"))?;
        }
    }
    Ok(())
}

fn team_next(url: &str) -> Result<(), String> {
    let mut p = open_team(url, None)?;
    match p.next_assigned().map_err(|e| e.to_string())? {
        NextAssigned::Document(id) => {
            let d = p.document(id).map_err(|e| e.to_string())?;
            out!("document {} {}", id.0, d.name);
        }
        NextAssigned::Finished => out!("every document assigned to you is done"),
        NextAssigned::NotAssigned => out!("no documents are assigned to you"),
        NextAssigned::Asked => return Err("the server did not answer".into()),
    }
    Ok(())
}

/// A URL as messages show it (without its password).
fn url_shown(url: &str) -> String {
    TeamLocation::parse(url, None).map_or_else(|_| url.to_string(), |l| l.display)
}

/// A new random password (18 letters and digits) from the OS's random source.
fn new_password() -> Result<String, String> {
    use std::io::Read;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 18];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| format!("cannot make a password ({e}); give one with --password-stdin"))?;
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect())
}

/// The project a suggestion source is kept in: a project file (made when `create` and it
/// is not there), or a team project on its server (where a manager keeps them).
fn open_for_suggestions(
    project: &std::path::Path,
    create: bool,
) -> Result<tawsim_core::store::AnyStore, String> {
    use tawsim_core::store::AnyStore;
    if let Some(url) = project.to_str().filter(|p| is_team_location(p)) {
        return Ok(AnyStore::Server(open_team(url, None)?));
    }
    let p = if create {
        Project::open_or_create(project)
    } else {
        Project::open(project)
    };
    p.map(AnyStore::File).map_err(|e| e.to_string())
}

/// `tawsim import --as-suggestions`: predictions kept as a suggestion source.
fn import_suggestions(
    project: &std::path::Path,
    files: &[PathBuf],
    format: Option<Format>,
    opts: &crate::formats::ImportOptions,
    source: Option<String>,
    min_score: Option<f64>,
) -> Result<(), String> {
    if let Some(m) = min_score.filter(|m| !m.is_finite()) {
        return Err(format!("--min-score {m} is not a number"));
    }
    let source = source.unwrap_or_else(|| {
        files.first().and_then(|f| f.file_stem()).map_or_else(
            || "predictions".into(),
            |s| s.to_string_lossy().into_owned(),
        )
    });
    let mut p = open_for_suggestions(project, true)?;
    let r = ops::import_predictions(&mut p, files, format, opts, &source, min_score)
        .map_err(|e| e.to_string())?;
    out!(
        "Kept {} suggestion(s) as source {source} from {} document(s) in {} file(s): {} already in the project, {} added without spans",
        r.kept,
        r.documents,
        r.files,
        r.matched,
        r.added
    );
    if let Some(m) = min_score {
        out!(
            "  {} span(s) scored under {m} left out; {} without a score kept",
            r.below_threshold,
            r.unscored
        );
    }
    print_report(&r.report);
    Ok(())
}

/// `tawsim suggest --model-server`: a Label Studio ML backend's predictions kept as a source.
fn suggest_from_server(
    project: &std::path::Path,
    url: &str,
    source: Option<String>,
    timeout: f64,
    min_score: Option<f64>,
) -> Result<(), String> {
    if !(timeout.is_finite() && timeout > 0.0) {
        return Err(format!(
            "--timeout {timeout}: give a number of seconds above 0"
        ));
    }
    let source = source.unwrap_or_else(|| "model".into());
    let mut p = open_for_suggestions(project, false)?;
    let opts = tawsim_core::model_server::ServerOptions {
        timeout: std::time::Duration::from_secs_f64(timeout),
        min_score,
    };
    let run = tawsim_core::model_server::predict_into(&mut p, url, &source, &opts, None, None)?;
    out!(
        "Kept {} suggestion(s) in {} of {} document(s) from the model server {url} as source {source}{}",
        run.kept,
        run.suggested,
        run.documents,
        if run.model_versions.is_empty() {
            String::new()
        } else {
            format!(" (model {})", run.model_versions.join(", "))
        }
    );
    if run.below_threshold > 0 {
        out!(
            "  {} result(s) scored under the threshold left out",
            run.below_threshold
        );
    }
    for p in &run.problems {
        out!("problem: {p}");
    }
    if run.problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} document(s) got no usable answer (listed above); the other documents' suggestions were kept",
            run.problems.len()
        ))
    }
}

/// `tawsim export`: one layer of a project file or a team project to a dataset file.
fn export(cmd: CliCommand) -> Result<(), String> {
    let CliCommand::Export {
        project,
        format,
        output,
        status,
        labels,
        force,
        scheme,
        conll_dialect,
        utf16,
        entities,
        clitic_tokens,
        with_article,
        annotator,
        layer,
        lenient,
        split,
        max_tokens,
    } = cmd
    else {
        return Err("not an export".into());
    };
    let (layer, suggestions) = match layer.as_deref().map(str::trim) {
        Some("suggestions") => (None, Some(None)),
        Some(l) if l.starts_with("suggestions:") => (
            None,
            Some(Some(l["suggestions:".len()..].trim().to_string())),
        ),
        _ => (layer, None),
    };
    let annotator = layer.or(annotator).map(|n| {
        if crate::curation::is_curated_name(&n) {
            crate::curation::CURATED.to_string()
        } else {
            n
        }
    });
    let format = parse_format(Some(&format))?.ok_or("no format")?;
    let status = status
        .map(|s| {
            DocStatus::parse(&s)
                .ok_or_else(|| format!("unknown status {s:?} (new, in_progress, done)"))
        })
        .transpose()?;
    let opts = ExportOptions {
        utf16_offsets: utf16,
        scheme: parse_scheme(scheme.as_deref())?,
        conll_dialect: conll_dialect
            .map(|d| {
                ConllDialect::parse(&d)
                    .ok_or_else(|| format!("unknown CoNLL dialect {d:?} (conll2003, doccano, tab)"))
            })
            .transpose()?
            .unwrap_or_default(),
        clitic_tokens,
        with_article,
        doccano_shape: if entities {
            DoccanoShape::Entities
        } else {
            DoccanoShape::Label
        },
        force,
        token_split: match (split.as_deref(), max_tokens) {
            (None | Some("documents"), None) => TokenSplit::Documents,
            (Some("sentences"), None) => TokenSplit::Sentences,
            (Some("max-tokens") | None, n) => TokenSplit::MaxTokens(n.unwrap_or(512)),
            (Some("documents" | "sentences"), Some(_)) => {
                return Err("--max-tokens goes with --split max-tokens".into());
            }
            (Some(s), _) => {
                return Err(format!(
                    "unknown --split {s:?} for an export (documents, sentences, max-tokens)"
                ));
            }
        },
        ..ExportOptions::default()
    };
    if opts.token_split != TokenSplit::Documents && format != Format::HfTokens {
        return Err("--split and --max-tokens are for the hf format".into());
    }
    let mut filter = ops::ExportFilter {
        layer: None,
        status,
        labels,
        suggestions,
    };
    let r = if let Some(url) = project.to_str().filter(|p| is_team_location(p)) {
        let p = open_team(url, None)?;
        filter.layer = team_layer(&p, annotator.as_deref())?;
        ops::export_project(&p, format, &output, &filter, &opts, None)
    } else {
        let (p, _copy) = open_reading(&project, annotator.as_deref())?;
        filter.layer = choose_layer(&p, annotator.as_deref())?.map(|(id, _)| id);
        ops::export_project(&p, format, &output, &filter, &opts, None)
    }
    .map_err(|e| e.to_string())?;
    out!(
        "Exported {} document(s) with {} span(s) to {}",
        r.documents,
        r.spans,
        output.display()
    );
    print_export_report(&r);
    if r.misaligned.is_empty() || lenient {
        Ok(())
    } else {
        Err(format!(
            "{} could not be written in this format (listed above); {} was written without them (--lenient accepts that)",
            r.not_written(),
            output.display()
        ))
    }
}

/// The layer of a team project to read: NAME's when given (if this role may see it), else
/// the role's own.
fn team_layer(
    p: &PgProject,
    annotator: Option<&str>,
) -> Result<Option<crate::domain::AnnotatorId>, String> {
    let Some(name) = annotator else {
        return Ok(None);
    };
    let (id, _) = choose_layer(p, Some(name))?.ok_or("no such annotator")?;
    if !p.may_view(id) {
        return Err(format!(
            "{}: {}'s layer is not shown to {} (the project is blind: a manager may show layers with tawsim project set URL layers visible)",
            p.path().display(),
            name.trim(),
            p.annotator().1
        ));
    }
    Ok(Some(id))
}

/// `tawsim index`: the project file's search index brought up to date.
fn build_index(project: &std::path::Path) -> Result<(), String> {
    let t0 = std::time::Instant::now();
    if let Some(url) = project.to_str().filter(|p| is_team_location(p)) {
        let p = open_team(url, None)?;
        if p.annotator().2 != crate::domain::Role::Manager {
            return Err(format!(
                "{}: only a manager indexes a team project's documents ({} is an annotator); the documents a manager imports are indexed as they come",
                p.path().display(),
                p.annotator().1
            ));
        }
        let n = p
            .update_text_index(&std::sync::atomic::AtomicBool::new(false))
            .map_err(|e| e.to_string())?;
        out!(
            "Indexed {n} document(s) in {:.1} s in the team project's search index",
            t0.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    let p = Project::open(project).map_err(|e| e.to_string())?;
    let mut ix = tawsim_core::store::TextIndex::open(project).map_err(|e| e.to_string())?;
    let n = ix.update(&p, None, None).map_err(|e| e.to_string())?;
    out!(
        "Indexed {n} document(s) in {:.1} s into {}",
        t0.elapsed().as_secs_f64(),
        tawsim_core::store::TextIndex::path_for(project).display()
    );
    Ok(())
}

/// `tawsim search`: hits of a query over a project, in project order.
fn search(
    project: &std::path::Path,
    query: &str,
    whole_word: bool,
    clitics: bool,
    limit: usize,
) -> Result<(), String> {
    use tawsim_core::domain::search::{Query, SearchOptions};
    if query.trim().is_empty() {
        return Err("give a query".into());
    }
    let q = Query {
        text: query.to_string(),
        opts: SearchOptions {
            whole_word: whole_word || clitics,
            clitic_aware: clitics,
        },
        label: None,
        policy: crate::domain::OverlapPolicy::Allow,
    };
    let found = if let Some(url) = project.to_str().filter(|p| is_team_location(p)) {
        ops::search_project(&open_team(url, None)?, &q, None, limit.max(1), None, None)
    } else {
        let (p, _copy) = open_reading(project, None)?;
        ops::search_project(&p, &q, None, limit.max(1), None, None)
    }
    .map_err(|e| e.to_string())?;
    let (hits, more) = found.unwrap_or_default();
    for h in &hits {
        out!("{}\t{}\t{}\t{}", h.doc_name, h.start, h.end, h.context.1);
    }
    if more {
        out!("(stopped at {limit} hits; --limit N for more)");
    }
    Ok(())
}

/// `tawsim stats`: one layer's counts, then every annotator's progress.
fn stats(project: &std::path::Path, annotator: Option<&str>) -> Result<(), String> {
    if let Some(url) = project.to_str().filter(|p| is_team_location(p)) {
        let p = open_team(url, None)?;
        if let Some(name) = annotator {
            team_layer(&p, Some(name))?;
            if name.trim() != p.annotator().1 {
                return Err(format!(
                    "{}: stats of another annotator's layer: use export --annotator {name}; every layer you may see is listed below your own",
                    p.path().display()
                ));
            }
        }
        out!("layer: {}", p.annotator().1);
        let s = p.stats().map_err(|e| e.to_string())?;
        print_stats(&s)?;
        return print_suggestion_stats(&p);
    }
    let (mut p, _copy) = open_reading(project, annotator)?;
    if let Some((_, name)) = choose_layer(&p, annotator)? {
        p.set_annotator(&name).map_err(|e| e.to_string())?;
        out!("layer: {name}");
    }
    let s = p.stats().map_err(|e| e.to_string())?;
    print_stats(&s)?;
    print_suggestion_stats(&p)
}

/// One line per suggestion source: what the layer read did with its suggestions.
fn print_suggestion_stats(p: &impl Store) -> Result<(), String> {
    for src in p.suggestion_stats(None).map_err(|e| e.to_string())? {
        out!(
            "suggestions {} ({} from {}): {} open, {} accepted, {} rejected, {} in all",
            src.name,
            src.kind,
            src.origin,
            src.open,
            src.accepted,
            src.rejected,
            src.total
        );
    }
    Ok(())
}

fn print_stats(s: &crate::store::ProjectStats) -> Result<(), String> {
    out!("documents: {}", s.documents);
    out!("spans: {}", s.spans);
    for (status, n) in &s.by_status {
        out!("status {status}: {n}");
    }
    for (label, n) in &s.by_label {
        out!("label {label}: {n}");
    }
    for l in &s.layers {
        let time = if l.active_seconds > 0.0 {
            format!(
                ", active {}",
                tawsim_core::session::duration_text(l.active_seconds)
            )
        } else {
            String::new()
        };
        if l.annotator.name == crate::curation::CURATED {
            out!(
                "curated layer: {} span(s), {} of {} document(s) curated, {} to curate{time}",
                l.spans,
                l.done,
                s.documents,
                s.documents.saturating_sub(l.done)
            );
            continue;
        }
        out!(
            "annotator {} ({}): {} span(s), {} done, {} in progress{time}",
            l.annotator.name,
            l.annotator.role.as_str(),
            l.spans,
            l.done,
            l.in_progress
        );
        if l.assigned > 0 {
            out!(
                "  assigned to {}: {} document(s), {} done",
                l.annotator.name,
                l.assigned,
                l.assigned_done
            );
        }
    }
    Ok(())
}

/// `tawsim agreement`: on a project file (every layer), or a team project (the layers this
/// role may see: a manager's, or everyone's when the project shows layers).
fn agreement(
    project: &std::path::Path,
    annotators: &[String],
    labels: &[String],
    format: &str,
) -> Result<(), String> {
    if !["table", "json", "csv"].contains(&format) {
        return Err(format!("unknown --format {format:?} (table, json, csv)"));
    }
    let report = if let Some(url) = project.to_str().filter(|p| is_team_location(p)) {
        let p = open_team(url, None)?;
        let all = p.annotators().map_err(|e| e.to_string())?;
        let hidden: Vec<&str> = all
            .iter()
            .filter(|a| annotators.is_empty() || annotators.iter().any(|n| n.trim() == a.name))
            .filter(|a| !p.may_view(a.id))
            .map(|a| a.name.as_str())
            .collect();
        if !hidden.is_empty() {
            return Err(format!(
                "{}: the layers of {} are not shown to {} (the project is blind): agreement is for a manager, or for everyone once the project shows layers",
                p.path().display(),
                hidden.join(", "),
                p.annotator().1
            ));
        }
        crate::agreement::of_store(&p, annotators, labels, None)?
    } else {
        let (p, _copy) = open_reading(project, None)?;
        crate::agreement::of_store(&p, annotators, labels, None)?
    };
    match format {
        "json" => out!(
            "{}",
            serde_json::to_string_pretty(&report.to_json()).map_err(|e| e.to_string())?
        ),
        "csv" => out!("{}", report.to_csv().trim_end()),
        _ => out!("{}", report.to_table().trim_end()),
    }
    Ok(())
}

/// `tawsim curate`: the pre-merge of a project's layers into its curated layer (a project
/// file, or a team project as one of its managers).
/// `tawsim suggest`: the patterns' matches over a layer, written to a file.
fn suggest(
    project: &std::path::Path,
    patterns: &std::path::Path,
    source: Option<&str>,
    annotator: Option<&str>,
    output: Option<&std::path::Path>,
    format: &str,
    force: bool,
) -> Result<(), String> {
    use tawsim_core::suggest::{Matcher, into_project, over_store, read_patterns};
    let pats = read_patterns(patterns)?;
    let n = pats.len();
    let source = source.map_or_else(
        || {
            patterns
                .file_stem()
                .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
        },
        str::to_string,
    );
    let Some(output) = output else {
        let mut p = open_for_suggestions(project, false)?;
        let m = Matcher::new(pats, p.settings().article_is_proclitic);
        let found = into_project(
            &mut p,
            &m,
            &source,
            &patterns.display().to_string(),
            None,
            None,
        )?;
        out!(
            "Kept {} suggestion(s) in {} of {} document(s) from {n} pattern(s) as source {source} of {}",
            found.spans,
            found.suggested,
            found.documents,
            project.display()
        );
        for (label, k) in &found.by_label {
            out!("  {label}\t{k}");
        }
        return Ok(());
    };
    let format = parse_format(Some(format))?.ok_or("no format")?;
    let opts = ExportOptions {
        force,
        ..ExportOptions::default()
    };
    let write = |it: &mut dyn Iterator<Item = crate::domain::AnnotatedDocument>| {
        tawsim_core::formats::export_documents(it, format, output, &opts).map_err(|e| e.to_string())
    };
    let (report, found) = if let Some(url) = project.to_str().filter(|p| is_team_location(p)) {
        let p = open_team(url, None)?;
        let layer = team_layer(&p, annotator)?;
        let m = Matcher::new(pats, p.settings().article_is_proclitic);
        over_store(&p, layer, &m, write)?
    } else {
        let (p, _copy) = open_reading(project, annotator)?;
        let layer = choose_layer(&p, annotator)?.map(|(id, _)| id);
        let m = Matcher::new(pats, p.settings().article_is_proclitic);
        over_store(&p, layer, &m, write)?
    };
    out!(
        "Suggested {} span(s) in {} of {} document(s) from {n} pattern(s) of {source}, written to {}",
        found.spans,
        found.suggested,
        found.documents,
        output.display()
    );
    for (label, k) in &found.by_label {
        out!("  {label}\t{k}");
    }
    print_export_report(&report);
    Ok(())
}

fn curate(project: &std::path::Path, rule: &str, annotators: &[String]) -> Result<(), String> {
    use crate::curation::{CURATED, Rule};
    let rule = Rule::parse(rule)?;
    if let Some(url) = project.to_str().filter(|p| is_team_location(p)) {
        let mut p = open_team(url, None)?;
        p.set_annotator(CURATED).map_err(|e| e.to_string())?;
        return premerge_and_report(&mut p, rule, annotators);
    }
    let mut p = Project::open_as(project, CURATED).map_err(|e| e.to_string())?;
    premerge_and_report(&mut p, rule, annotators)
}

fn premerge_and_report<S: crate::store::Store>(
    p: &mut S,
    rule: crate::curation::Rule,
    annotators: &[String],
) -> Result<(), String> {
    use crate::curation::{annotators_to_curate, premerge_project};
    let who = annotators_to_curate(p, annotators)?;
    if who.is_empty() {
        return Err(format!(
            "{}: no annotator's layer to curate",
            p.path().display()
        ));
    }
    let (docs, done) = premerge_project(p, &who, rule).map_err(|e| e.to_string())?;
    for d in &docs {
        out!(
            "{}: {} annotator(s), {} span(s) merged, {} disagreement(s) left",
            d.name,
            d.annotators,
            d.added,
            d.disagreements
        );
    }
    let added: usize = docs.iter().map(|d| d.added).sum();
    let left: usize = docs.iter().map(|d| d.disagreements).sum();
    let open = docs.iter().filter(|d| d.disagreements > 0).count();
    out!(
        "Pre-merged {} document(s) by rule {} ({}): {added} span(s) into the curated layer; {left} disagreement(s) left in {open} document(s); {done} document(s) already curated were not touched",
        docs.len(),
        rule.name(),
        who.iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}

/// `tawsim merge`: annotators' own files into one project.
fn merge(output: &std::path::Path, inputs: &[String]) -> Result<(), String> {
    let inputs: Vec<MergeInput> = inputs.iter().map(|s| MergeInput::parse(s)).collect();
    let r = merge_projects(output, &inputs).map_err(|e| e.to_string())?;
    out!(
        "Merged {} document(s) into {}",
        r.documents,
        output.display()
    );
    for (name, docs, spans) in &r.layers {
        out!("layer {name}: {docs} document(s), {spans} span(s)");
    }
    for d in &r.differing {
        out!("not merged: {d}");
    }
    Ok(())
}

/// Opens a project for a read-only command as `annotator` (an older schema is upgraded
/// once, in place: the project is the user's own file).
fn open_reading(
    path: &std::path::Path,
    annotator: Option<&str>,
) -> Result<(Project, Option<tempfile::TempDir>), String> {
    let name = annotator.map_or_else(crate::domain::annotator::os_user_name, str::to_string);
    crate::merge::open_reading(path, &name, true).map_err(|e| e.to_string())
}

/// `project set KEY VALUE` on either backend.
fn set_setting(p: &mut impl Store, key: &str, value: &str) -> Result<(), String> {
    let mut s = p.settings();
    match (key, value) {
        ("overlap", v) => {
            s.overlap = crate::domain::OverlapPolicy::parse(v)
                .ok_or_else(|| format!("unknown overlap {v:?} (allow, forbid)"))?;
        }
        ("layers", "blind") => s.others_visible = false,
        ("layers", "visible") => s.others_visible = true,
        ("layers", v) => return Err(format!("unknown layers {v:?} (blind, visible)")),
        (k, _) => return Err(format!("unknown setting {k:?} (overlap, layers)")),
    }
    p.save_settings(s).map_err(|e| e.to_string())
}

fn project_action(action: ProjectAction) -> Result<(), String> {
    match action {
        ProjectAction::Set {
            project,
            key,
            value,
        } => {
            match project.to_str().filter(|p| is_team_location(p)) {
                Some(url) => set_setting(&mut open_team(url, None)?, &key, &value)?,
                None => set_setting(
                    &mut Project::open(&project).map_err(|e| e.to_string())?,
                    &key,
                    &value,
                )?,
            }
            out!(
                "{}: {key} = {value}",
                url_shown(&project.display().to_string())
            );
            Ok(())
        }
        ProjectAction::Role {
            project,
            name,
            role,
        } => {
            let role = crate::domain::Role::parse(&role)
                .ok_or_else(|| format!("unknown role {role:?} (annotator, manager)"))?;
            let mut p = Project::open(&project).map_err(|e| e.to_string())?;
            p.set_role(&name, role).map_err(|e| e.to_string())?;
            out!(
                "{}: {} is {}",
                project.display(),
                name.trim(),
                role.as_str()
            );
            Ok(())
        }
    }
}
