//! Dataset formats: one module per format, each an importer and an exporter.
//!
//! Offsets are Unicode code points (Python `str` indices), half-open, over the document text
//! exactly as stored. Importers stream record by record into a sink and validate every span
//! ([`check_range`](crate::domain::check_range) and the overlap policy); exporters write
//! document by document into a temporary file that is renamed into place only when complete.
//!
//! The shared machinery is split by concern: `options` (what importers and exporters read),
//! `report` (problems naming file and line, reports, errors), `lines` (reading input),
//! `import` (the import state and span validation), `offsets` (file offsets to code points),
//! `atomic` (writing outputs through a renamed temporary file), and `seen_ids` and
//! `name_sort` (the keys an import or export has seen and a folder's names in natural order,
//! in memory that does not grow with their number).
//!
//! A bad span, record or document is left out and listed in [`ImportReport::errors`] with
//! its file and line, and reading continues so the report lists every problem; the caller
//! commits a strict import only when `errors` is empty. A line or file that cannot be read
//! at all (invalid UTF-8, JSON that does not parse) stops a strict import with a
//! [`FormatError`] naming file and line; a lenient import ([`ImportOptions::lenient`]) lists
//! it as [`ProblemKind::Unreadable`] and goes on without it.

pub mod brat;
pub mod conll;
pub mod doccano;
pub mod hf_tokens;
pub mod labelstudio;
pub mod text;
pub(crate) mod tokens;

mod atomic;
mod import;
mod json_check;
mod lines;
mod name_sort;
mod offsets;
mod options;
mod report;
mod seen_ids;

pub use options::{
    ConllDialect, DoccanoShape, ExportOptions, ImportOptions, Split, TagScheme, TokenSplit,
};
pub use report::{ExportReport, FormatError, ImportReport, Problem, ProblemKind, Problems};

pub(crate) use atomic::{AtomicFile, werr};
pub(crate) use import::{CandRelation, Candidate, ImportCtx};
pub(crate) use lines::{LineReader, read_bytes, read_utf8, utf8_string};
pub(crate) use offsets::{from_char_offset, json_offset, to_char_offset};
pub(crate) use options::check_export_cancel;

use crate::domain::AnnotatedDocument;
use atomic::{check_output, with_writer};
use std::fmt;
use std::path::{Path, PathBuf};

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
            files.sort_by(|a, b| natural_cmp(a, b));
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

/// Streams documents from a file or folder into `sink`. A folder is read file by file in
/// natural order of their names (digit runs by value: `a-2` before `a-10`; brat: every `.txt`
/// with its `.ann`).
pub fn import_path(
    path: &Path,
    format: Format,
    opts: &ImportOptions,
    sink: &mut dyn FnMut(AnnotatedDocument) -> Result<(), FormatError>,
) -> Result<ImportReport, FormatError> {
    let mut ctx = ImportCtx::new(opts);
    if format == Format::Brat {
        brat::import(path, &mut ctx, sink)?;
        return Ok(strictly(ctx.report, opts));
    }
    let files = input_files(path, format)?;
    for file in &files {
        let read = match format {
            Format::Text => text::import_file(file, &mut ctx, sink),
            Format::Doccano => doccano::import_file(file, &mut ctx, sink),
            Format::Conll => conll::import_file(file, &mut ctx, sink),
            Format::LabelStudio => labelstudio::import_file(file, &mut ctx, sink),
            Format::HfTokens => hf_tokens::import_file(file, &mut ctx, sink),
            Format::Brat => Ok(()),
        };
        ctx.skip_unreadable(file, read)?;
    }
    Ok(strictly(ctx.report, opts))
}

/// With `--strict`, warnings are problems.
fn strictly(mut report: ImportReport, opts: &ImportOptions) -> ImportReport {
    if opts.strict {
        let w = std::mem::take(&mut report.warnings);
        report.errors.extend(w);
    }
    report
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
        check_output(&hf_tokens::own_labels_path(out), opts)?;
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

/// Files to import for `path` in `format`: the file itself, or a folder's matching files
/// in natural order of their names.
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
    files.sort_by(|a, b| natural_cmp(a, b));
    if files.is_empty() {
        return Err(FormatError::NoInput {
            path: path.to_path_buf(),
            format,
        });
    }
    Ok(files)
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

/// The value of a decimal digit: ASCII, Arabic-Indic (٠-٩) or Extended Arabic-Indic (۰-۹).
fn digit_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        '\u{0660}'..='\u{0669}' => Some(c as u32 - 0x0660),
        '\u{06F0}'..='\u{06F9}' => Some(c as u32 - 0x06F0),
        _ => None,
    }
}

/// Natural order of file names, the order a folder's files are imported in: runs of digits
/// compare by their value (`ANERCorp-2` before `ANERCorp-10`), everything else code point by
/// code point. Names equal that way (`a-01`, `a-1`) fall back to plain order, so the order is
/// total and the same on every run.
pub(crate) fn natural_cmp(a: &Path, b: &Path) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (na, nb) = (
        a.file_name().unwrap_or(a.as_os_str()).to_string_lossy(),
        b.file_name().unwrap_or(b.as_os_str()).to_string_lossy(),
    );
    let (mut x, mut y) = (na.chars().peekable(), nb.chars().peekable());
    loop {
        let (cx, cy) = match (x.peek().copied(), y.peek().copied()) {
            (None, None) => break,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(cx), Some(cy)) => (cx, cy),
        };
        if digit_value(cx).is_some() && digit_value(cy).is_some() {
            // Compare the digit runs by value: without leading zeros, the longer is larger,
            // else the first differing digit decides.
            let run = |it: &mut std::iter::Peekable<std::str::Chars<'_>>| {
                let mut v = Vec::new();
                while let Some(d) = it.peek().copied().and_then(digit_value) {
                    if !(v.is_empty() && d == 0) {
                        v.push(d);
                    }
                    it.next();
                }
                v
            };
            let (dx, dy) = (run(&mut x), run(&mut y));
            let ord = dx.len().cmp(&dy.len()).then_with(|| dx.cmp(&dy));
            if ord != Ordering::Equal {
                return ord;
            }
            continue;
        }
        if cx != cy {
            return cx.cmp(&cy);
        }
        x.next();
        y.next();
    }
    na.cmp(&nb).then_with(|| a.cmp(b))
}

/// The stem of a file name, for naming documents.
pub(crate) fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "document".into())
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
        .filter(|l| {
            !l.trim().is_empty() && !l.starts_with("-DOCSTART-") && !l.starts_with("# name =")
        })
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

/// Seconds of active annotation time as a JSON number, to the millisecond (`lead_time`).
/// Rows `[start, end, "LABEL", value]` that a format keeps in meta under `key` about its
/// spans (the ids relations name, brat's notes): each with its span's (start, end, label),
/// in order; a malformed row is left out.
/// Meta keys a format keeps for itself (the ids a file's spans came with, a made-up name),
/// which no export writes as a key of its own: ids of one file mean nothing in another.
pub(crate) fn is_internal_meta(k: &str) -> bool {
    matches!(
        k,
        doccano::ENTITY_IDS | doccano::DEFAULT_NAME | labelstudio::REGION_IDS | brat::BRAT_IDS
    )
}

/// The meta key a predictions import keeps its spans' scores in (`[start, end, label,
/// score]` rows; see [`ImportOptions::predictions`]).
pub const SCORES: &str = "suggestion_scores";

/// The meta key of a predictions import's model version (Label Studio's `model_version`).
pub const MODEL_VERSION: &str = "model_version";

/// A predictions import's score of a span, by range and label.
#[must_use]
pub fn span_score(
    meta: &crate::domain::Meta,
    start: usize,
    end: usize,
    label: &str,
) -> Option<f64> {
    span_rows(meta, SCORES)
        .find(|((s, e, l), _)| (*s, *e, *l) == (start, end, label))
        .and_then(|(_, v)| v.as_f64())
}

pub(crate) fn span_rows<'m>(
    meta: &'m crate::domain::Meta,
    key: &str,
) -> impl Iterator<Item = ((usize, usize, &'m str), &'m serde_json::Value)> {
    meta.get(key)
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| {
            let num = |i: usize| r.get(i)?.as_u64().and_then(|n| usize::try_from(n).ok());
            Some(((num(0)?, num(1)?, r.get(2)?.as_str()?), r.get(3)?))
        })
}

/// One row of [`span_rows`].
pub(crate) fn span_row(
    start: usize,
    end: usize,
    label: &str,
    value: serde_json::Value,
) -> serde_json::Value {
    serde_json::json!([start, end, label, value])
}

/// A relation for people, in problems: its type and its ends (`works_for [3, 14) PER
/// "مصطفى مهراج" -> [20, 26) ORG "..."`); an end past the document's spans by its index.
pub(crate) fn describe_relation(
    doc: &AnnotatedDocument,
    r: &crate::domain::TaggedRelation,
) -> String {
    let end = |i: usize| match doc.spans.get(i) {
        Some(s) => {
            let text: String = doc
                .text
                .chars()
                .skip(s.start)
                .take(s.end - s.start)
                .collect();
            format!("[{}, {}) {} {text:?}", s.start, s.end, s.label)
        }
        None => format!("span {i}"),
    };
    format!("{} {} -> {}", r.label, end(r.from), end(r.to))
}

/// Why a relation naming an index past its document's spans is not written.
pub(crate) const NO_SUCH_SPAN: &str = "it names a span the document does not have";

pub(crate) fn seconds_json(t: f64) -> serde_json::Value {
    let ms = (t * 1000.0).round() / 1000.0;
    serde_json::Number::from_f64(ms).map_or(serde_json::Value::Null, serde_json::Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn natural_order_compares_digit_runs_by_value() {
        let mut names = vec![
            "ANERCorp-100.txt",
            "ANERCorp-10.txt",
            "ANERCorp-2.txt",
            "ANERCorp-1.txt",
            "ANERCorp-02.txt",
            "b.txt",
            "a10b2.txt",
            "a10b10.txt",
            "a9.txt",
            "وثيقة-١٠.txt",
            "وثيقة-٢.txt",
            "x-99999999999999999999999.txt",
            "x-100000000000000000000000.txt",
        ];
        names.sort_by(|a, b| natural_cmp(Path::new(a), Path::new(b)));
        assert_eq!(
            names,
            [
                "ANERCorp-1.txt",
                "ANERCorp-02.txt",
                "ANERCorp-2.txt",
                "ANERCorp-10.txt",
                "ANERCorp-100.txt",
                "a9.txt",
                "a10b2.txt",
                "a10b10.txt",
                "b.txt",
                "x-99999999999999999999999.txt",
                "x-100000000000000000000000.txt",
                "وثيقة-٢.txt",
                "وثيقة-١٠.txt",
            ]
        );
        // Only the names count, not the folders they are in.
        assert_eq!(
            natural_cmp(Path::new("z/a-2.txt"), Path::new("a/a-10.txt")),
            std::cmp::Ordering::Less
        );
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

    fn import_all(
        path: &Path,
        format: Format,
        lenient: bool,
    ) -> Result<(Vec<String>, ImportReport), FormatError> {
        let opts = ImportOptions {
            lenient,
            ..ImportOptions::default()
        };
        let mut names = Vec::new();
        let rep = import_path(path, format, &opts, &mut |d| {
            names.push(d.name);
            Ok(())
        })?;
        Ok((names, rep))
    }

    fn unreadable(rep: &ImportReport) -> Vec<String> {
        rep.errors
            .iter()
            .filter(|p| p.kind == ProblemKind::Unreadable)
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn a_line_of_invalid_utf8_stops_a_strict_import_and_is_skipped_by_a_lenient_one() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("d.jsonl");
        let body: &[u8] = b"{\"text\": \"\xD8\xAC\", \"id\": \"a\"}\n{\"text\": \"\xFF\", \"id\": \"b\"}\n{\"text\": \"c\", \"id\": \"c\"}\n";
        std::fs::write(&p, body).expect("write");
        match import_all(&p, Format::Doccano, false) {
            Err(FormatError::InvalidUtf8 { file, line: 2, .. }) => assert_eq!(file, p),
            other => panic!("strict: expected invalid UTF-8 on line 2, got {other:?}"),
        }
        let (names, rep) = import_all(&p, Format::Doccano, true).expect("lenient");
        assert_eq!(names, ["a", "c"]);
        assert_eq!((rep.documents, rep.errors.len()), (2, 1));
        assert_eq!(
            unreadable(&rep),
            [format!(
                "{}:2: invalid UTF-8 at byte 36; line skipped",
                p.display()
            )]
        );
    }

    #[test]
    fn an_unparseable_file_stops_a_strict_import_and_a_lenient_one_goes_on_without_it() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(
            dir.path().join("a.json"),
            "[\n  {\"data\": {\"text\": \"جنيف\"}},\n  {\"data\": \n",
        )
        .expect("write");
        std::fs::write(
            dir.path().join("b.json"),
            "[{\"data\": {\"text\": \"نص\"}}]\n",
        )
        .expect("write");
        let bad = dir.path().join("a.json");
        match import_all(dir.path(), Format::LabelStudio, false) {
            Err(FormatError::Parse { file, line: 4, .. }) => assert_eq!(file, bad),
            other => panic!("strict: expected a parse error on line 4, got {other:?}"),
        }
        let (names, rep) = import_all(dir.path(), Format::LabelStudio, true).expect("lenient");
        assert_eq!((names.len(), rep.documents), (1, 1), "b.json imported");
        let u = unreadable(&rep);
        assert_eq!(u.len(), 1, "{u:?}");
        assert!(
            u[0].starts_with(&format!("{}:4: invalid JSON", bad.display()))
                && u[0].ends_with("; file skipped"),
            "{u:?}"
        );
    }

    #[test]
    fn lenient_brat_and_hf_skip_the_document_or_file_they_cannot_read() {
        // brat: a .txt with invalid UTF-8 is left out with its .ann; the next pair imports.
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("a.txt"), b"ok\n\xC3(\n").expect("write");
        std::fs::write(dir.path().join("a.ann"), "T1\tLOC 0 2\tok\n").expect("write");
        std::fs::write(dir.path().join("b.txt"), "في جنيف").expect("write");
        std::fs::write(dir.path().join("b.ann"), "T1\tLOC 3 7\tجنيف\n").expect("write");
        let a = dir.path().join("a.txt");
        assert!(matches!(
            import_all(dir.path(), Format::Brat, false),
            Err(FormatError::InvalidUtf8 {
                line: 2,
                byte: 3,
                ..
            })
        ));
        let (names, rep) = import_all(dir.path(), Format::Brat, true).expect("lenient");
        assert_eq!((names, rep.spans), (vec!["b".to_string()], 1));
        assert_eq!(
            unreadable(&rep),
            [format!(
                "{}:2: invalid UTF-8 at byte 3; file skipped",
                a.display()
            )]
        );
        // HF: a bad labels.json names itself, and the data file it left unread.
        let hf = tempfile::tempdir().expect("tmp");
        let data = hf.path().join("train.jsonl");
        std::fs::write(&data, "{\"tokens\": [\"a\"], \"ner_tags\": [0]}\n").expect("write");
        std::fs::write(hf.path().join("labels.json"), "{\"O\": 0}").expect("write");
        assert!(matches!(
            import_all(&data, Format::HfTokens, false),
            Err(FormatError::Parse { .. })
        ));
        let (names, rep) = import_all(&data, Format::HfTokens, true).expect("lenient");
        assert!(names.is_empty());
        let u = unreadable(&rep);
        assert_eq!(u.len(), 1, "{u:?}");
        assert!(
            u[0].starts_with(&hf.path().join("labels.json:1:").display().to_string())
                && u[0].ends_with(&format!("; {} skipped", data.display())),
            "{u:?}"
        );
    }
}
