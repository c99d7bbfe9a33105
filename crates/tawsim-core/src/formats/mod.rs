//! Dataset formats: one module per format, each an importer and an exporter.
//!
//! Offsets are Unicode code points (Python `str` indices), half-open, over the document text
//! exactly as stored. Importers stream record by record into a sink and validate every span
//! ([`check_range`] and the overlap policy); exporters write document by document into a
//! temporary file that is renamed into place only when complete.
//!
//! Strict and lenient imports behave the same here: a bad span or document is left out and
//! listed in [`ImportReport::errors`], and reading continues so the report lists every
//! problem. The caller commits a strict import only when `errors` is empty.

pub mod brat;
pub mod conll;
pub mod doccano;
pub mod hf_tokens;
pub mod labelstudio;
pub mod text;
pub(crate) mod tokens;

use crate::domain::{
    AnnotatedDocument, IndexedText, LabelId, OffsetIndex, OverlapPolicy, Span, SpanError, SpanSet,
    TaggedSpan,
};
use std::collections::HashMap;
use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use unicode_segmentation::GraphemeCursor;

/// The dataset formats tawsim reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Plain UTF-8 text, no annotations.
    Text,
    /// doccano JSON Lines (`label` or `entities` shape).
    Doccano,
    /// CoNLL token-per-line with IOB2 / IOB1 / BIOES tags.
    Conll,
    /// brat standoff: a folder of `.txt` + `.ann`.
    Brat,
    /// Label Studio JSON task list.
    LabelStudio,
    /// Hugging Face token classification JSONL with a `labels.json` sidecar.
    HfTokens,
}

impl Format {
    pub const ALL: [Format; 6] = [
        Format::Text,
        Format::Doccano,
        Format::Conll,
        Format::Brat,
        Format::LabelStudio,
        Format::HfTokens,
    ];

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Doccano => "doccano",
            Format::Conll => "conll",
            Format::Brat => "brat",
            Format::LabelStudio => "labelstudio",
            Format::HfTokens => "hf",
        }
    }

    /// Parses a format name or an obvious alias (case-insensitive).
    #[must_use]
    pub fn parse(s: &str) -> Option<Format> {
        let s = s.trim().to_ascii_lowercase();
        Some(match s.as_str() {
            "text" | "txt" | "plain" | "plaintext" => Format::Text,
            "doccano" | "jsonl" | "doccano-jsonl" => Format::Doccano,
            "conll" | "iob" | "iob1" | "iob2" | "bio" | "bioes" | "conll2003" => Format::Conll,
            "brat" | "standoff" | "ann" => Format::Brat,
            "labelstudio" | "label-studio" | "label_studio" | "ls" => Format::LabelStudio,
            "hf" | "huggingface" | "hugging-face" | "hf-tokens" | "hf_tokens" => Format::HfTokens,
            _ => return None,
        })
    }

    /// Guesses the format from a path where that is unambiguous: `.txt` text, `.jsonl`
    /// doccano, `.conll`/`.iob`/`.bio` CoNLL, `.json` Label Studio, a folder holding `.ann`
    /// files brat. Anything else (including a `.jsonl` HF file) gives `None`.
    #[must_use]
    pub fn guess(path: &Path) -> Option<Format> {
        if path.is_dir() {
            let entries = std::fs::read_dir(path).ok()?;
            let mut files: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect();
            files.sort();
            let has_ann = files
                .iter()
                .any(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("ann")));
            if has_ann {
                return Some(Format::Brat);
            }
            // A folder of documents: the format of its first file with a known one.
            return files.iter().find_map(|f| Format::guess(f));
        }
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "txt" if looks_like_conll(path) => Some(Format::Conll),
            "txt" => Some(Format::Text),
            "jsonl" => Some(Format::Doccano),
            "conll" | "iob" | "bio" | "bioes" => Some(Format::Conll),
            "json" => Some(Format::LabelStudio),
            "ann" => Some(Format::Brat),
            _ => None,
        }
    }

    #[must_use]
    pub fn can_import(self) -> bool {
        true
    }

    #[must_use]
    pub fn can_export(self) -> bool {
        true
    }

    /// File extensions this format's files have when importing a folder.
    fn extensions(self) -> &'static [&'static str] {
        match self {
            Format::Text => &["txt"],
            Format::Doccano | Format::HfTokens => &["jsonl"],
            Format::Conll => &["conll", "iob", "bio", "bioes", "txt", "tsv"],
            Format::Brat => &["txt"],
            Format::LabelStudio => &["json"],
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// CoNLL / HF tag schemes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TagScheme {
    /// `B-` starts every entity, `I-` continues it.
    #[default]
    Iob2,
    /// `I-` starts an entity; `B-` only separates two adjacent entities of one type.
    Iob1,
    /// `B-` begin, `I-` inside, `E-` end, `S-` single token.
    Bioes,
}

impl TagScheme {
    #[must_use]
    pub fn parse(s: &str) -> Option<TagScheme> {
        match s.to_ascii_lowercase().as_str() {
            "iob2" | "bio" => Some(TagScheme::Iob2),
            "iob1" | "iob" => Some(TagScheme::Iob1),
            "bioes" | "iobes" | "bilou" => Some(TagScheme::Bioes),
            _ => None,
        }
    }
}

/// How plain text is cut into documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Split {
    /// One file, one document.
    #[default]
    Whole,
    /// One document per non-blank line.
    Lines,
    /// One document per paragraph (runs of non-blank lines separated by blank lines).
    Paragraphs,
}

/// Shape of doccano records on export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DoccanoShape {
    /// `{"text", "label": [[s, e, "TAG"], ...]}`
    #[default]
    Label,
    /// `{"text", "entities": [{"id", "start_offset", "end_offset", "label"}], "relations": []}`
    Entities,
}

/// Options for every importer (each reads the ones that apply to it).
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Only tells the caller to keep an import with errors; importers behave the same.
    pub lenient: bool,
    pub overlap: OverlapPolicy,
    /// Plain text only.
    pub split: Split,
    /// CoNLL only (HF is always IOB2).
    pub scheme: TagScheme,
    /// CoNLL: 0-based column holding the tag (the token is column 0). `None`: the trailing
    /// run of tag-looking columns (several = nested spans, Wojood style), else the last.
    pub tag_column: Option<usize>,
    /// JSON formats: offsets in the file count UTF-16 code units.
    pub utf16_offsets: bool,
    /// CoNLL files without `-DOCSTART-`: a document is cut at the first sentence end (blank
    /// line, or a `.`/`!`/`?`/`؟` token outside an entity) once it holds this many tokens.
    /// `0` keeps the whole file as one document.
    pub max_doc_tokens: usize,
    /// Set to stop an import; it then returns [`FormatError::Cancelled`].
    pub cancel: Option<Arc<AtomicBool>>,
    /// Bytes read so far (across all files of the import), for a progress bar.
    pub progress: Option<Arc<AtomicU64>>,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            lenient: false,
            overlap: OverlapPolicy::Forbid,
            split: Split::Whole,
            scheme: TagScheme::Iob2,
            tag_column: None,
            utf16_offsets: false,
            max_doc_tokens: 1000,
            cancel: None,
            progress: None,
        }
    }
}

/// Options for every exporter.
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// JSON formats: write offsets in UTF-16 code units.
    pub utf16_offsets: bool,
    /// CoNLL tag scheme (HF is always IOB2).
    pub scheme: TagScheme,
    /// CoNLL/HF: split a proclitic (و ف ب ل ك) off a word where a span edge falls after it.
    pub clitic_tokens: bool,
    /// With `clitic_tokens`: the article ال counts as a proclitic too.
    pub with_article: bool,
    pub doccano_shape: DoccanoShape,
    /// Replace an existing output.
    pub force: bool,
    /// Paths the documents came from: the output may never be one of them, even with force.
    pub inputs: Vec<PathBuf>,
    /// Set to stop an export; nothing is written then.
    pub cancel: Option<Arc<AtomicBool>>,
}

/// What kind of problem a [`Problem`] is (for callers and tests that match on it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// A span that fails [`check_range`] or the overlap policy.
    Span(SpanError),
    /// An offset that is negative, not an integer, or inside a UTF-16 surrogate pair.
    BadOffset,
    /// A record that is not valid JSON.
    Json,
    /// A field with the wrong type or missing.
    Schema,
    /// A document with empty text (skipped).
    EmptyDocument,
    /// A document id seen before in this import (skipped).
    DuplicateId,
    /// A NUL byte in the input.
    Nul,
    /// A tag that is not `O` or `X-LABEL` in the scheme.
    BadTag,
    /// `I-` (or `E-`) without an entity to continue: repaired to start one.
    Repaired,
    /// A CoNLL line with an empty token (skipped).
    EmptyToken,
    /// A CoNLL token holding a space (kept).
    TokenWithSpace,
    /// Two CoNLL lines run together (split in two).
    MissingNewline,
    /// The file does not end with a newline.
    NoFinalNewline,
    /// brat: a discontinuous span imported as its fragments.
    Discontinuous,
    /// An annotation the format has that tawsim does not model (kept in meta or dropped).
    Unsupported,
    /// A span not on token edges, or overlapping, on a token export (left out).
    Misaligned,
    /// Anything else.
    Other,
}

/// One problem found while importing or exporting, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub kind: ProblemKind,
    pub message: String,
}

impl Problem {
    pub fn new(
        file: &Path,
        line: Option<usize>,
        kind: ProblemKind,
        message: impl Into<String>,
    ) -> Self {
        Problem {
            file: file.to_path_buf(),
            line,
            kind,
            message: message.into(),
        }
    }

    fn span(file: &Path, line: Option<usize>, e: SpanError) -> Self {
        let message = e.to_string();
        Problem::new(file, line, ProblemKind::Span(e), message)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}: {}", self.file.display(), l, self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub documents: usize,
    pub spans: usize,
    /// Never block an import (repairs, empty tokens, missing final newline, ...).
    pub warnings: Vec<Problem>,
    /// Spans or documents left out.
    pub errors: Vec<Problem>,
    /// Tags repaired (`I-` without `B-`).
    pub repaired: usize,
}

impl ImportReport {
    /// True when a strict import may be committed.
    #[must_use]
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty()
    }
}

/// What an export did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportReport {
    pub documents: usize,
    pub spans: usize,
    /// Spans not written because they do not fall on token edges (CoNLL/HF), or overlap
    /// another span where the format is flat (HF). Reported, never moved.
    pub misaligned: Vec<Problem>,
}

/// Errors that stop an import or export.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}: {message}", file.display())]
    Parse {
        file: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{}:{line}: invalid UTF-8 at byte {byte}", file.display())]
    InvalidUtf8 {
        file: PathBuf,
        line: usize,
        byte: u64,
    },
    #[error("{}: already exists (use force to replace it)", .0.display())]
    OutputExists(PathBuf),
    #[error("{}: is one of the inputs; refusing to overwrite it", .0.display())]
    SameAsInput(PathBuf),
    #[error("{}: no {format} files found", path.display())]
    NoInput { path: PathBuf, format: Format },
    #[error("cancelled")]
    Cancelled,
    #[error("{0}")]
    Other(String),
}

impl FormatError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        FormatError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Streams documents from a file or folder into `sink`. A folder is read file by file,
/// sorted by name (brat: every `.txt` with its `.ann`).
pub fn import_path(
    path: &Path,
    format: Format,
    opts: &ImportOptions,
    sink: &mut dyn FnMut(AnnotatedDocument) -> Result<(), FormatError>,
) -> Result<ImportReport, FormatError> {
    let mut ctx = ImportCtx::new(opts);
    if format == Format::Brat {
        brat::import(path, &mut ctx, sink)?;
        return Ok(ctx.report);
    }
    let files = input_files(path, format)?;
    for file in &files {
        match format {
            Format::Text => text::import_file(file, &mut ctx, sink)?,
            Format::Doccano => doccano::import_file(file, &mut ctx, sink)?,
            Format::Conll => conll::import_file(file, &mut ctx, sink)?,
            Format::LabelStudio => labelstudio::import_file(file, &mut ctx, sink)?,
            Format::HfTokens => hf_tokens::import_file(file, &mut ctx, sink)?,
            Format::Brat => {}
        }
    }
    Ok(ctx.report)
}

/// Imports into a sink that discards: the report alone.
pub fn validate(
    path: &Path,
    format: Format,
    opts: &ImportOptions,
) -> Result<ImportReport, FormatError> {
    import_path(path, format, opts, &mut |_| Ok(()))
}

/// Writes documents to `out` (a file; a folder for brat) through a temporary file renamed
/// into place. Refuses an existing `out` unless `opts.force`, and an `out` that is one of
/// `opts.inputs` always. HF also writes `labels.json` beside `out`.
pub fn export_documents(
    docs: &mut dyn Iterator<Item = AnnotatedDocument>,
    format: Format,
    out: &Path,
    opts: &ExportOptions,
) -> Result<ExportReport, FormatError> {
    check_output(out, opts)?;
    if format == Format::HfTokens {
        check_output(&hf_tokens::labels_path(out), opts)?;
    }
    match format {
        Format::Brat => brat::export(docs, out, opts),
        Format::Text => with_writer(out, opts, |w| text::export(docs, w, out, opts)),
        Format::Doccano => with_writer(out, opts, |w| doccano::export(docs, w, out, opts)),
        Format::Conll => with_writer(out, opts, |w| conll::export(docs, w, out, opts)),
        Format::LabelStudio => with_writer(out, opts, |w| labelstudio::export(docs, w, out, opts)),
        Format::HfTokens => hf_tokens::export(docs, out, opts),
    }
}

// ---------------------------------------------------------------------------------------
// Shared machinery

/// State of one import: options, report, label interning, ids seen.
pub(crate) struct ImportCtx<'o> {
    pub opts: &'o ImportOptions,
    pub report: ImportReport,
    labels: HashMap<String, LabelId>,
    label_names: Vec<String>,
    pub ids: std::collections::HashSet<String>,
}

impl<'o> ImportCtx<'o> {
    fn new(opts: &'o ImportOptions) -> Self {
        ImportCtx {
            opts,
            report: ImportReport::default(),
            labels: HashMap::new(),
            label_names: Vec::new(),
            ids: std::collections::HashSet::new(),
        }
    }

    pub fn warn(
        &mut self,
        file: &Path,
        line: Option<usize>,
        kind: ProblemKind,
        msg: impl Into<String>,
    ) {
        self.report
            .warnings
            .push(Problem::new(file, line, kind, msg));
    }

    pub fn error(
        &mut self,
        file: &Path,
        line: Option<usize>,
        kind: ProblemKind,
        msg: impl Into<String>,
    ) {
        self.report.errors.push(Problem::new(file, line, kind, msg));
    }

    pub fn check_cancel(&self) -> Result<(), FormatError> {
        match &self.opts.cancel {
            Some(c) if c.load(Ordering::Relaxed) => Err(FormatError::Cancelled),
            _ => Ok(()),
        }
    }

    pub fn add_progress(&self, bytes: u64) {
        if let Some(p) = &self.opts.progress {
            p.fetch_add(bytes, Ordering::Relaxed);
        }
    }

    fn label_id(&mut self, name: &str) -> LabelId {
        if let Some(id) = self.labels.get(name) {
            return *id;
        }
        let id = LabelId(u32::try_from(self.label_names.len()).unwrap_or(u32::MAX));
        self.labels.insert(name.to_string(), id);
        self.label_names.push(name.to_string());
        id
    }

    /// Registers a document id; false (with an error recorded) when it was seen before.
    pub fn claim_id(&mut self, file: &Path, line: Option<usize>, id: &str) -> bool {
        if self.ids.insert(id.to_string()) {
            return true;
        }
        self.error(
            file,
            line,
            ProblemKind::DuplicateId,
            format!("duplicate document id {id:?}; document skipped"),
        );
        false
    }

    /// Validates candidate spans against `text` and the overlap policy, recording each bad
    /// one as an error, hands the document to the sink and counts it.
    pub fn finish_doc(
        &mut self,
        file: &Path,
        line: Option<usize>,
        mut doc: AnnotatedDocument,
        cands: Vec<Candidate>,
        sink: &mut dyn FnMut(AnnotatedDocument) -> Result<(), FormatError>,
    ) -> Result<(), FormatError> {
        if doc.text.is_empty() {
            self.error(
                file,
                line,
                ProblemKind::EmptyDocument,
                format!("document {:?} is empty; skipped", doc.name),
            );
            return Ok(());
        }
        let mut checker = SpanChecker::new(&doc.text);
        // A stable order, so which of two overlapping spans is refused does not depend on
        // the order a decoder closed them in.
        let mut cands = cands;
        cands.sort_by(|a, b| (a.start, a.end, &a.label).cmp(&(b.start, b.end, &b.label)));
        let mut set = SpanSet::new();
        let mut kept: Vec<TaggedSpan> = Vec::with_capacity(cands.len());
        for c in cands {
            let cline = c.line.or(line);
            if c.label.trim().is_empty() || c.label.contains(['\t', '\n']) {
                self.error(
                    file,
                    cline,
                    ProblemKind::Schema,
                    format!(
                        "span [{}, {}) has an empty or invalid label {:?}",
                        c.start, c.end, c.label
                    ),
                );
                continue;
            }
            if let Err(e) = checker.check(c.start, c.end, c.expected.as_deref()) {
                self.report.errors.push(Problem::span(file, cline, e));
                continue;
            }
            let id = self.label_id(&c.label);
            let span = Span {
                start: c.start,
                end: c.end,
                label: id,
            };
            if let Err(e) = set.insert(span, self.opts.overlap) {
                self.report.errors.push(Problem::span(file, cline, e));
                continue;
            }
            kept.push(TaggedSpan {
                start: c.start,
                end: c.end,
                label: c.label,
            });
        }
        kept.sort();
        self.report.spans += kept.len();
        self.report.documents += 1;
        doc.spans = kept;
        sink(doc)
    }
}

/// [`check_range`](crate::domain::check_range) for the spans of one document, without
/// building the document's whole grapheme table: only the span edges are asked about, each
/// with a [`GraphemeCursor`] (the same rules `IndexedText` uses), so an import does one
/// cheap offset pass per document instead of a full grapheme segmentation.
pub(crate) struct SpanChecker<'t> {
    text: &'t str,
    offsets: OffsetIndex,
    /// Built only if a cursor ever asks for context it cannot have (never with the whole
    /// text as its chunk; kept as a safe fallback).
    full: Option<IndexedText>,
}

impl<'t> SpanChecker<'t> {
    pub fn new(text: &'t str) -> Self {
        SpanChecker {
            text,
            offsets: OffsetIndex::new(text),
            full: None,
        }
    }

    /// Same answer as `IndexedText::is_grapheme_boundary`.
    pub fn is_boundary(&mut self, c: usize) -> bool {
        let len = self.offsets.len_chars();
        if c == 0 || c == len {
            return true;
        }
        let Some(b) = self.offsets.char_to_byte(self.text, c) else {
            return false;
        };
        match GraphemeCursor::new(b, self.text.len(), true).is_boundary(self.text, 0) {
            Ok(yes) => yes,
            Err(_) => self
                .full
                .get_or_insert_with(|| IndexedText::new(self.text))
                .is_grapheme_boundary(c),
        }
    }

    /// Same checks, in the same order and with the same errors, as `check_range`.
    pub fn check(
        &mut self,
        start: usize,
        end: usize,
        expected: Option<&str>,
    ) -> Result<(), SpanError> {
        if start >= end {
            return Err(SpanError::EmptyOrReversed { start, end });
        }
        let len = self.offsets.len_chars();
        if end > len {
            return Err(SpanError::OutOfRange { start, end, len });
        }
        for at in [start, end] {
            if !self.is_boundary(at) {
                return Err(SpanError::SplitsGrapheme { start, end, at });
            }
        }
        if let Some(expected) = expected {
            let found = self
                .offsets
                .slice(self.text, start, end)
                .unwrap_or_default();
            if found != expected {
                return Err(SpanError::TextMismatch {
                    start,
                    end,
                    expected: expected.to_string(),
                    found: found.to_string(),
                });
            }
        }
        Ok(())
    }
}

/// A span as read from a file, before validation.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub start: usize,
    pub end: usize,
    pub label: String,
    /// The text the file says the span covers, if it gives one.
    pub expected: Option<String>,
    /// The line it came from, when that differs from the document's line.
    pub line: Option<usize>,
}

/// Files to import for `path` in `format`: the file itself, or a folder's matching files
/// sorted by name.
fn input_files(path: &Path, format: Format) -> Result<Vec<PathBuf>, FormatError> {
    let meta = std::fs::metadata(path).map_err(|e| FormatError::io(path, e))?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).map_err(|e| FormatError::io(path, e))? {
        let p = entry.map_err(|e| FormatError::io(path, e))?.path();
        if !p.is_file() {
            continue;
        }
        let ext_ok = p.extension().and_then(|x| x.to_str()).is_some_and(|x| {
            format
                .extensions()
                .iter()
                .any(|e| x.eq_ignore_ascii_case(e))
        });
        let sidecar = p.file_name().is_some_and(|n| n == "labels.json");
        if ext_ok && !sidecar {
            files.push(p);
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(FormatError::NoInput {
            path: path.to_path_buf(),
            format,
        });
    }
    Ok(files)
}

/// A line-by-line reader over bytes that checks UTF-8, tracks line numbers and byte
/// positions, drops a leading BOM (when asked), and reports progress and cancellation.
pub(crate) struct LineReader<'p> {
    inner: BufReader<Box<dyn Read>>,
    pub file: &'p Path,
    buf: Vec<u8>,
    /// Bytes of the read buffer holding the line last returned, consumed on the next call.
    pending: usize,
    /// 1-based number of the line last returned.
    pub line: usize,
    /// Byte offset of the start of the line last returned.
    pub line_start: u64,
    pos: u64,
    strip_bom: bool,
    /// Whether the line last returned ended with `\n`.
    pub had_newline: bool,
    /// Whether the file began with a BOM (dropped).
    pub had_bom: bool,
}

impl<'p> LineReader<'p> {
    pub fn open(file: &'p Path, strip_bom: bool) -> Result<Self, FormatError> {
        let f = std::fs::File::open(file).map_err(|e| FormatError::io(file, e))?;
        Ok(Self::from_reader(Box::new(f), file, strip_bom))
    }

    pub fn from_reader(r: Box<dyn Read>, file: &'p Path, strip_bom: bool) -> Self {
        LineReader {
            inner: BufReader::with_capacity(1 << 16, r),
            file,
            buf: Vec::new(),
            pending: 0,
            line: 0,
            line_start: 0,
            pos: 0,
            strip_bom,
            had_newline: true,
            had_bom: false,
        }
    }

    /// The next line without its `\n` (a `\r` before it is kept: callers decide), or
    /// `None` at the end of the file.
    pub fn next_line(&mut self, ctx: &ImportCtx<'_>) -> Result<Option<Line<'_>>, FormatError> {
        ctx.check_cancel()?;
        // The line returned last time was borrowed from the read buffer: consume it now.
        self.inner.consume(std::mem::take(&mut self.pending));
        let io = |e| FormatError::io(self.file, e);
        // A whole line in the read buffer is borrowed from it; one that straddles the
        // buffer's end (or a last line without '\n') is copied together into `buf`.
        let in_buffer = {
            let avail = self.inner.fill_buf().map_err(io)?;
            avail.iter().position(|&b| b == b'\n')
        };
        let (bytes, n): (&[u8], usize) = match in_buffer {
            Some(i) => {
                self.pending = i + 1;
                let avail = self.inner.fill_buf().map_err(io)?;
                (&avail[..=i], i + 1)
            }
            None => {
                self.buf.clear();
                let n = self.inner.read_until(b'\n', &mut self.buf).map_err(io)?;
                (&self.buf[..], n)
            }
        };
        if n == 0 {
            return Ok(None);
        }
        ctx.add_progress(n as u64);
        self.line += 1;
        self.line_start = self.pos;
        self.pos += n as u64;
        self.had_newline = bytes.last() == Some(&b'\n');
        let mut bytes = bytes;
        if self.had_newline {
            bytes = &bytes[..bytes.len() - 1];
        }
        let mut skip = 0;
        if self.line == 1 && self.strip_bom && bytes.starts_with(b"\xEF\xBB\xBF") {
            skip = 3;
            self.had_bom = true;
        }
        match std::str::from_utf8(&bytes[skip..]) {
            Ok(text) => Ok(Some(Line {
                text,
                no: self.line,
                start: self.line_start,
                had_newline: self.had_newline,
            })),
            Err(e) => Err(FormatError::InvalidUtf8 {
                file: self.file.to_path_buf(),
                line: self.line,
                byte: self.line_start + (skip + e.valid_up_to()) as u64,
            }),
        }
    }
}

/// One line from a [`LineReader`].
pub(crate) struct Line<'a> {
    pub text: &'a str,
    /// 1-based line number.
    pub no: usize,
    /// Byte offset of the line in the file.
    pub start: u64,
    pub had_newline: bool,
}

/// Reads a whole (single-JSON or brat) file as UTF-8, reporting invalid bytes by position.
pub(crate) fn read_utf8(file: &Path, ctx: &ImportCtx<'_>) -> Result<String, FormatError> {
    ctx.check_cancel()?;
    let bytes = std::fs::read(file).map_err(|e| FormatError::io(file, e))?;
    ctx.add_progress(bytes.len() as u64);
    String::from_utf8(bytes).map_err(|e| {
        let byte = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line = bytes[..byte].iter().filter(|&&b| b == b'\n').count() + 1;
        FormatError::InvalidUtf8 {
            file: file.to_path_buf(),
            line,
            byte: byte as u64,
        }
    })
}

/// Reads an offset from JSON: a non-negative integer, converted from UTF-16 when asked.
pub(crate) fn json_offset(
    v: Option<&serde_json::Value>,
    what: &str,
) -> Result<u64, (ProblemKind, String)> {
    match v {
        None => Err((ProblemKind::Schema, format!("missing {what}"))),
        Some(serde_json::Value::Number(n)) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Ok(u),
            (None, Some(i)) => Err((ProblemKind::BadOffset, format!("negative {what} {i}"))),
            _ => Err((
                ProblemKind::BadOffset,
                format!("{what} {n} is not an integer"),
            )),
        },
        Some(other) => Err((
            ProblemKind::Schema,
            format!("{what} must be an integer, found {}", json_type(other)),
        )),
    }
}

/// Converts a file offset to code points: as is, or from UTF-16 units when given the
/// document's index (`utf16`).
pub(crate) fn to_char_offset(
    utf16: Option<&IndexedText>,
    off: u64,
) -> Result<usize, (ProblemKind, String)> {
    let off = usize::try_from(off).unwrap_or(usize::MAX);
    let Some(text) = utf16 else { return Ok(off) };
    let len16 = text.offsets().len_utf16();
    if off > len16 {
        // Let check_range report it as out of range, in code points past the end.
        return Ok(text.len_chars().saturating_add(off - len16));
    }
    text.utf16_to_char(off).ok_or_else(|| {
        (
            ProblemKind::BadOffset,
            format!("UTF-16 offset {off} falls inside a surrogate pair"),
        )
    })
}

/// Converts a code point offset to what the file should hold.
pub(crate) fn from_char_offset(utf16: Option<&IndexedText>, c: usize) -> usize {
    utf16.and_then(|t| t.char_to_utf16(c)).unwrap_or(c)
}

pub(crate) fn json_type(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// The stem of a file name, for naming documents.
pub(crate) fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "document".into())
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn check_output(out: &Path, opts: &ExportOptions) -> Result<(), FormatError> {
    if opts.inputs.iter().any(|i| same_file(i, out)) {
        return Err(FormatError::SameAsInput(out.to_path_buf()));
    }
    if out.exists() && !opts.force {
        return Err(FormatError::OutputExists(out.to_path_buf()));
    }
    Ok(())
}

pub(crate) fn check_export_cancel(opts: &ExportOptions) -> Result<(), FormatError> {
    match &opts.cancel {
        Some(c) if c.load(Ordering::Relaxed) => Err(FormatError::Cancelled),
        _ => Ok(()),
    }
}

/// A file written through a temporary file in the same folder and renamed into place.
pub(crate) struct AtomicFile {
    tmp: tempfile::NamedTempFile,
    out: PathBuf,
}

impl AtomicFile {
    pub fn create(out: &Path) -> Result<Self, FormatError> {
        let dir = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let tmp = tempfile::Builder::new()
            .prefix(".tawsim-export-")
            .tempfile_in(&dir)
            .map_err(|e| FormatError::io(&dir, e))?;
        Ok(AtomicFile {
            tmp,
            out: out.to_path_buf(),
        })
    }

    pub fn writer(&mut self) -> &mut std::fs::File {
        self.tmp.as_file_mut()
    }

    /// Flushes and renames into place (replacing `out` only when `force`).
    pub fn commit(self, force: bool) -> Result<(), FormatError> {
        let out = self.out;
        self.tmp
            .as_file()
            .sync_all()
            .map_err(|e| FormatError::io(&out, e))?;
        let res = if force {
            self.tmp.persist(&out)
        } else {
            self.tmp.persist_noclobber(&out)
        };
        res.map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                FormatError::OutputExists(out.clone())
            } else {
                FormatError::io(&out, e.error)
            }
        })?;
        Ok(())
    }
}

/// An error writing to `path`.
pub(crate) fn werr(path: &Path) -> impl Fn(std::io::Error) -> FormatError + '_ {
    move |e| FormatError::io(path, e)
}

fn with_writer(
    out: &Path,
    opts: &ExportOptions,
    f: impl FnOnce(&mut dyn Write) -> Result<ExportReport, FormatError>,
) -> Result<ExportReport, FormatError> {
    let mut file = AtomicFile::create(out)?;
    let report = {
        let mut w = std::io::BufWriter::with_capacity(1 << 16, file.writer());
        let r = f(&mut w)?;
        w.flush().map_err(werr(out))?;
        r
    };
    file.commit(opts.force)?;
    Ok(report)
}

/// Whether a `.txt` file is CoNLL: most of its first non-blank lines (up to 64 KB) are
/// `token TAG` or `token<TAB>TAG` with a tag `O` or `B-`/`I-`/`E-`/`S-`/`L-`/`U-` and a type.
fn looks_like_conll(path: &Path) -> bool {
    use std::io::Read;
    let mut buf = Vec::new();
    let Ok(f) = std::fs::File::open(path) else {
        return false;
    };
    if f.take(64 * 1024).read_to_end(&mut buf).is_err() {
        return false;
    }
    let text = String::from_utf8_lossy(&buf);
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.trim_start_matches('\u{FEFF}').trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty() && !l.starts_with("-DOCSTART-"))
        .take(200)
        .collect();
    // The last line may be cut by the 64 KB limit.
    let lines = &lines[..lines
        .len()
        .saturating_sub(usize::from(buf.len() == 64 * 1024))];
    if lines.len() < 2 {
        return false;
    }
    let is_tag = |t: &str| {
        t == "O"
            || t.split_once('-').is_some_and(|(p, ty)| {
                matches!(p, "B" | "I" | "E" | "S" | "L" | "U") && !ty.is_empty()
            })
    };
    let tagged = lines
        .iter()
        .filter(|l| {
            let cols: Vec<&str> = l.split(['\t', ' ']).filter(|c| !c.is_empty()).collect();
            cols.len() >= 2 && cols.last().is_some_and(|t| is_tag(t))
        })
        .count();
    tagged * 10 >= lines.len() * 9
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_read_the_same_whether_borrowed_or_straddling_the_read_buffer() {
        // Lines of every length up to ~3 KB (many straddle the 64 KB buffer's end), Arabic
        // and CRLF mixed, a BOM first, and a last line without '\n'.
        let mut text = String::from("\u{FEFF}");
        for i in 0..400 {
            let word = if i % 3 == 0 { "جنيف" } else { "ab" };
            text.push_str(&word.repeat(i * 3 % 700 + 1));
            text.push_str(if i % 5 == 0 { "\r\n" } else { "\n" });
        }
        text.push_str("آخر");
        let opts = ImportOptions::default();
        let ctx = ImportCtx::new(&opts);
        let path = Path::new("mem.txt");
        let mut r =
            LineReader::from_reader(Box::new(std::io::Cursor::new(text.clone())), path, true);
        let body = &text["\u{FEFF}".len()..];
        let mut start = "\u{FEFF}".len() as u64;
        for (k, want) in body.split('\n').enumerate() {
            let line = r.next_line(&ctx).expect("read").expect("a line");
            assert_eq!(line.text, want, "line {}", k + 1);
            assert_eq!(line.no, k + 1);
            assert_eq!(line.had_newline, k < 400);
            if k > 0 {
                assert_eq!(line.start, start);
            }
            start += want.len() as u64 + 1;
        }
        assert!(r.next_line(&ctx).expect("read").is_none());
        assert!(r.had_bom);
    }

    #[test]
    fn format_names_parse_back_and_aliases_work() {
        for f in Format::ALL {
            assert_eq!(Format::parse(f.name()), Some(f));
        }
        assert_eq!(Format::parse("jsonl"), Some(Format::Doccano));
        assert_eq!(Format::parse("TXT"), Some(Format::Text));
        assert_eq!(Format::parse("bio"), Some(Format::Conll));
        assert_eq!(Format::parse("label-studio"), Some(Format::LabelStudio));
        assert_eq!(Format::parse("huggingface"), Some(Format::HfTokens));
        assert_eq!(Format::parse("xml"), None);
    }

    #[test]
    fn guess_by_extension() {
        assert_eq!(Format::guess(Path::new("a/b.txt")), Some(Format::Text));
        // A .txt file is sniffed: `token TAG` lines are CoNLL, prose stays text.
        let dir = tempfile::tempdir().expect("tmp");
        let conll = dir.path().join("anercorp.txt");
        std::fs::write(
            &conll,
            "\u{FEFF}فرانكفورت B-LOC\r\n(د O\r\nب O\r\n\r\nأ) O\r\n",
        )
        .expect("write");
        assert_eq!(Format::guess(&conll), Some(Format::Conll));
        let prose = dir.path().join("article.txt");
        std::fs::write(&prose, "قال المتحدث O\nإن الجولة القادمة ستعقد في جنيف.\n").expect("write");
        assert_eq!(Format::guess(&prose), Some(Format::Text));
        assert_eq!(Format::guess(Path::new("b.jsonl")), Some(Format::Doccano));
        assert_eq!(Format::guess(Path::new("b.iob")), Some(Format::Conll));
        assert_eq!(
            Format::guess(Path::new("b.json")),
            Some(Format::LabelStudio)
        );
        assert_eq!(Format::guess(Path::new("b.csv")), None);
        assert_eq!(Format::guess(Path::new("noext")), None);
    }

    #[test]
    fn guess_a_brat_folder_and_validate_discards() -> Result<(), FormatError> {
        let dir = tempfile::tempdir().map_err(|e| FormatError::io(Path::new("tmp"), e))?;
        assert_eq!(
            Format::guess(dir.path()),
            None,
            "an empty folder is not brat"
        );
        std::fs::write(dir.path().join("a.txt"), "في جنيف")
            .map_err(|e| FormatError::io(dir.path(), e))?;
        std::fs::write(dir.path().join("a.ann"), "T1\tLOC 3 7\tجنيف\n")
            .map_err(|e| FormatError::io(dir.path(), e))?;
        assert_eq!(Format::guess(dir.path()), Some(Format::Brat));
        // A folder of text files is text.
        let texts = tempfile::tempdir().expect("tmp");
        std::fs::write(texts.path().join("a.txt"), "نص قصير.\n").expect("write");
        assert_eq!(Format::guess(texts.path()), Some(Format::Text));
        let rep = validate(dir.path(), Format::Brat, &ImportOptions::default())?;
        assert_eq!((rep.documents, rep.spans, rep.errors.len()), (1, 1, 0));
        Ok(())
    }

    #[test]
    fn span_checker_agrees_with_check_range_on_tricky_text() {
        let texts = [
            "وَقَّعَ طرفا النزاع",
            "\u{0600}١٢ \u{06DD}٣",
            "a\r\nb\n\u{200F}ج\u{200E}",
            "👩\u{200D}👩\u{200D}👧 🇱🇾🇫🇷🇱 x",
            "각\u{1100}\u{1161}\u{11A8}e\u{301}\u{0903}",
        ];
        for t in texts {
            agree(t);
        }
    }

    fn agree(t: &str) {
        let it = IndexedText::new(t);
        let mut ck = SpanChecker::new(t);
        let n = it.len_chars();
        for c in 0..=n + 1 {
            assert_eq!(
                ck.is_boundary(c),
                it.is_grapheme_boundary(c),
                "{t:?} at {c}"
            );
        }
        for s in 0..=n + 1 {
            for e in 0..=n + 1 {
                let exp = it.slice(s, e).map(|x| format!("{x}!"));
                for x in [None, it.slice(s, e), exp.as_deref()] {
                    assert_eq!(
                        ck.check(s, e, x),
                        crate::domain::check_range(&it, s, e, x),
                        "{t:?} [{s}, {e})"
                    );
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn span_checker_agrees_with_check_range(t in "\\PC{0,12}") {
            if !t.is_empty() {
                agree(&t);
            }
        }
    }

    #[test]
    fn problem_display_names_file_and_line() {
        let p = Problem::new(Path::new("x.jsonl"), Some(3), ProblemKind::Json, "bad");
        assert_eq!(p.to_string(), "x.jsonl:3: bad");
        let e = FormatError::InvalidUtf8 {
            file: "t.txt".into(),
            line: 2,
            byte: 17,
        };
        assert_eq!(e.to_string(), "t.txt:2: invalid UTF-8 at byte 17");
    }
}
