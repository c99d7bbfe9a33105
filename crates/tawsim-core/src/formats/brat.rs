//! brat standoff: a folder of `NAME.txt` + `NAME.ann`. Offsets are code points.
//!
//! Import: a folder's `.txt` files are read in natural order of their names (`a-2` before
//! `a-10`). The `.txt` is kept exactly as stored (BOM and CRLF included: brat counts them).
//! `T` lines become spans, checked against their text field. A discontinuous `T` whose
//! gaps hold only whitespace (how a span crossing a line break is written) is imported as
//! its outer range; one with words in a gap is imported as one span per fragment, with a
//! warning. `#` AnnotatorNotes are kept in meta `brat_notes` as `[start, end, label, note]`.
//!
//! Relations: `R3<TAB>Type Arg1:T1 Arg2:T2` is a relation of type `Type` from `Arg1` to
//! `Arg2` (other role names: from the first to the second, warned, written back as
//! `Arg1`/`Arg2`). `*<TAB>Equiv T1 T2 T3` (brat's equivalence groups, which have no
//! direction) becomes relations of type `Equiv` between consecutive members, `T1 -> T2`
//! and `T2 -> T3`; export writes relations of type `Equiv` back as `*` lines, a chain
//! `a -> b`, `b -> c` as one line `*<TAB>Equiv a b c`. An `R` or `*` naming a `T` id that no
//! `T` line of the file has is an error naming the `.ann` file and line; one naming a `T`
//! whose line was refused is an error too. One naming something tawsim does not model (an
//! event `E`, a discontinuous `T` imported as several spans, the same `T` twice) is kept
//! verbatim with the other lines.
//!
//! Other lines (E, A, N, ...) are kept verbatim in meta `brat_other` (warned). They point
//! at `T` ids, so a document with them or with relations keeps its spans' ids (meta
//! `brat_ids` as `[start, end, label, "T3"]`, never written): export writes each span with
//! the id it came with (a new span: a number above every id of the document) and writes a
//! kept line only while every `T` it names is still a span; one that names a deleted or
//! changed span is not written but reported (the export fails unless `--lenient`).
//!
//! Document labels: brat has no annotation of the whole document, and every line but a
//! `T` names a target (brat's own parser: a `#` line needs `TYPE TARGET`, else it is an
//! unparsed line shown as an error; a target that is no annotation's id is reported as
//! "ID ... not defined"; bratly's grammar check refuses a `#` line without a word target,
//! and pybrat skips `#` lines). So each document label is a note on the document's first
//! span: `#4<TAB>DocumentLabel T1<TAB>politics`, which brat, bratly and pybrat all read
//! without error (brat shows it on that span). Import reads every `DocumentLabel` note as
//! a document label, whatever its target. A document with document labels but no span has
//! nothing to attach them to: they are not written, and reported as left out.
//!
//! A `.txt` with CRLF line ends whose `.ann` offsets count each CRLF as one character (as
//! pybrat and bratly read the file): when the offsets do not all fit the text as stored but
//! all fit it so, they are mapped to the text as stored (which keeps its CRLF), with a
//! [`ProblemKind::CrlfCountedAsOne`] warning.
//!
//! Export: a folder (written as a temporary folder renamed into place): `T` lines in text
//! order, then `R` lines (numbered `R1`, `R2`, ... in order, skipping numbers of kept `R`
//! lines), `*` lines, `#` notes, document labels, kept lines. A span crossing a line break
//! is written as fragments split at the line break.

use super::name_sort::NameSort;
use super::seen_ids::SeenIds;
use super::{
    CandRelation, Candidate, ExportOptions, ExportReport, FormatError, ImportCtx, LineReader,
    Problem, ProblemKind, check_export_cancel, read_bytes, stem, utf8_string, werr,
};
use crate::domain::{AnnotatedDocument, IndexedText, Meta, TaggedSpan, check_range};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

pub(crate) fn import(
    path: &Path,
    ctx: &mut ImportCtx<'_>,
    sink: &mut dyn FnMut(AnnotatedDocument) -> Result<(), FormatError>,
) -> Result<(), FormatError> {
    let meta = std::fs::metadata(path).map_err(|e| FormatError::io(path, e))?;
    if !meta.is_dir() {
        let txt = path.with_extension("txt");
        let read = import_pair(read_pair(txt.clone()), ctx, sink);
        return ctx.skip_unreadable(&txt, read);
    }
    let io = |e| FormatError::io(path, e);
    // Past 131,072 names the sort goes through temporary files, whose trouble is not the
    // folder's.
    let sorting = |e| {
        FormatError::Other(format!(
            "sorting the file names of {} (a temporary file): {e}",
            path.display()
        ))
    };
    let mut txts = NameSort::default();
    for entry in std::fs::read_dir(path).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name();
        if !Path::new(&name)
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("txt"))
        {
            continue;
        }
        // The type the listing gives (no `stat` per file); a link's is its target's.
        let kind = entry.file_type().map_err(io)?;
        if kind.is_file() || (kind.is_symlink() && entry.path().is_file()) {
            txts.push(name);
        }
    }
    if txts.is_empty() {
        return Err(FormatError::NoInput {
            path: path.to_path_buf(),
            format: super::Format::Brat,
        });
    }
    let names = txts.sorted().map_err(sorting)?;
    read_ahead(path, names, |pair| {
        let pair = pair.map_err(sorting)?;
        let txt = pair.txt.clone();
        let read = import_pair(pair, ctx, sink);
        ctx.skip_unreadable(&txt, read)
    })
}

/// Threads that read a folder's files ahead of the thread that parses them: opening and
/// reading two files a document is most of a brat import's time (BENCHMARKS.md).
const READERS: usize = 2;

/// A document's two files, read ahead.
struct Pair {
    txt: PathBuf,
    text: std::io::Result<Vec<u8>>,
    /// `None` when there is no `.ann`.
    ann: std::io::Result<Option<Vec<u8>>>,
}

/// Reads the `.ann` without asking first whether it is there (a `stat` per document).
fn read_pair(txt: PathBuf) -> Pair {
    let text = read_bytes(&txt);
    let ann = match read_bytes(&txt.with_extension("ann")) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    };
    Pair { txt, text, ann }
}

/// Calls `each` with the files of every name in `dir`, in the names' order, read by
/// [`READERS`] threads (the k-th reads every k-th document). Stops at the first error,
/// `each`'s or the names'.
fn read_ahead(
    dir: &Path,
    names: impl Iterator<Item = std::io::Result<OsString>> + Send,
    mut each: impl FnMut(std::io::Result<Pair>) -> Result<(), FormatError>,
) -> Result<(), FormatError> {
    type Job = std::io::Result<PathBuf>;
    std::thread::scope(|s| {
        let (mut jobs, mut pairs) = (Vec::new(), Vec::new());
        for _ in 0..READERS {
            let (to_read, job) = std::sync::mpsc::sync_channel::<Job>(64);
            let (to_parse, pair) = std::sync::mpsc::sync_channel(64);
            jobs.push(to_read);
            pairs.push(pair);
            s.spawn(move || {
                for j in job {
                    if to_parse.send(j.map(read_pair)).is_err() {
                        break;
                    }
                }
            });
        }
        s.spawn(move || {
            for (k, name) in names.enumerate() {
                let failed = name.is_err();
                if jobs[k % READERS].send(name.map(|n| dir.join(n))).is_err() || failed {
                    break;
                }
            }
        });
        // Every reader's channel ends once the names have: the first that ends, in turn,
        // is the end. Returning drops the channels, which stops the readers.
        for k in 0.. {
            match pairs[k % READERS].recv() {
                Ok(pair) => each(pair)?,
                Err(_) => break,
            }
        }
        Ok(())
    })
}

fn parse_fragments(s: &str) -> Result<Vec<(usize, usize)>, (ProblemKind, String)> {
    let mut out = Vec::new();
    for frag in s.split(';') {
        let mut it = frag.split(' ').filter(|x| !x.is_empty());
        let (Some(a), Some(b), None) = (it.next(), it.next(), it.next()) else {
            return Err((ProblemKind::Schema, format!("bad fragment {frag:?}")));
        };
        let num = |x: &str| {
            x.parse::<usize>().map_err(|_| {
                if x.starts_with('-') {
                    (ProblemKind::BadOffset, format!("negative offset {x}"))
                } else {
                    (
                        ProblemKind::BadOffset,
                        format!("offset {x:?} is not a number"),
                    )
                }
            })
        };
        out.push((num(a)?, num(b)?));
    }
    Ok(out)
}

fn import_pair(
    pair: Pair,
    ctx: &mut ImportCtx<'_>,
    sink: &mut dyn FnMut(AnnotatedDocument) -> Result<(), FormatError>,
) -> Result<(), FormatError> {
    ctx.check_cancel()?;
    let txt = pair.txt.as_path();
    let bytes = pair.text.map_err(|e| FormatError::io(txt, e))?;
    let text = utf8_string(txt, bytes, ctx)?;
    let indexed = IndexedText::new(text.as_str());
    let ann = txt.with_extension("ann");
    let mut cands: Vec<Candidate> = Vec::new();
    let mut tmap: HashMap<String, (usize, usize, String)> = HashMap::new();
    let mut notes: Vec<(String, String)> = Vec::new();
    let mut other: Vec<Value> = Vec::new();
    let mut rels: Vec<CandRelation> = Vec::new();
    let mut had_relations = false;
    let mut ts: Vec<TLine> = Vec::new();
    // Relation lines (R, *), read once every T is known.
    let mut rel_lines: Vec<(String, usize)> = Vec::new();
    let mut doc_labels: Vec<String> = Vec::new();
    // Every T id of the file, its candidate when it is one span, and those split in several.
    let mut seen_t: HashSet<String> = HashSet::new();
    let mut tidx: HashMap<String, usize> = HashMap::new();
    let mut split_t: HashSet<String> = HashSet::new();
    let (warned, erred) = (
        ctx.report.warnings.kept().len(),
        ctx.report.errors.kept().len(),
    );
    if let Some(bytes) = pair.ann.map_err(|e| FormatError::io(&ann, e))? {
        let mut r = LineReader::from_reader(Box::new(std::io::Cursor::new(bytes)), &ann, true);
        while let Some(l) = r.next_line(ctx)? {
            let lno = l.no;
            let line = l.text.strip_suffix('\r').unwrap_or(l.text).to_string();
            if line.trim().is_empty() {
                continue;
            }
            if line.starts_with('T') {
                let mut parts = line.splitn(3, '\t');
                let id = parts.next().unwrap_or_default().to_string();
                seen_t.insert(id.clone());
                let Some(mid) = parts.next() else {
                    ctx.error(
                        &ann,
                        Some(lno),
                        ProblemKind::Schema,
                        "a T line needs \"ID<TAB>TYPE START END<TAB>TEXT\"; skipped",
                    );
                    continue;
                };
                let given = parts.next();
                let Some((label, frags)) = mid.split_once(' ') else {
                    ctx.error(
                        &ann,
                        Some(lno),
                        ProblemKind::Schema,
                        format!("no offsets in {mid:?}; skipped"),
                    );
                    continue;
                };
                let frags = match parse_fragments(frags) {
                    Ok(f) => f,
                    Err((k, m)) => {
                        ctx.error(&ann, Some(lno), k, format!("{m}; span skipped"));
                        continue;
                    }
                };
                ts.push(TLine {
                    id,
                    label: label.to_string(),
                    frags,
                    given: given.map(String::from),
                    lno,
                });
            } else if line.starts_with('#') {
                let mut parts = line.splitn(3, '\t');
                let _ = parts.next();
                let mid = parts.next().unwrap_or_default();
                let note = parts.next().unwrap_or_default();
                if mid.split(' ').next() == Some(DOC_LABEL) {
                    let l = note.trim();
                    if l.is_empty() || l.chars().any(char::is_whitespace) {
                        ctx.error(
                            &ann,
                            Some(lno),
                            ProblemKind::Schema,
                            format!(
                                "document label {l:?} is not a label name (non-empty, without \
                                 spaces); left out"
                            ),
                        );
                    } else {
                        doc_labels.push(l.to_string());
                    }
                    continue;
                }
                let target = mid.split(' ').nth(1).unwrap_or_default().to_string();
                notes.push((target, note.to_string()));
            } else if line.starts_with('R') || line.starts_with('*') {
                rel_lines.push((line, lno));
            } else {
                ctx.warn(
                    &ann,
                    Some(lno),
                    ProblemKind::Unsupported,
                    "annotation kept in meta brat_other but not interpreted",
                );
                other.push(Value::String(line));
            }
        }
        if let Some(nl) = crlf_as_one(&text, &indexed, &ts) {
            for t in &mut ts {
                for f in &mut t.frags {
                    *f = (lf_to_stored(&nl, f.0), lf_to_stored(&nl, f.1));
                }
            }
            ctx.warn(
                &ann,
                None,
                ProblemKind::CrlfCountedAsOne,
                format!(
                    "the offsets count each CRLF line end of {} as one character (as pybrat \
                     and bratly read it), not two as stored; {} span(s) mapped to the text as \
                     stored, which keeps its CRLF",
                    txt.display(),
                    ts.len()
                ),
            );
        }
        for t in ts {
            let TLine {
                id,
                label,
                mut frags,
                given,
                lno,
            } = t;
            if frags.len() == 1 {
                let (s, e) = frags[0];
                tmap.insert(id.clone(), (s, e, label.clone()));
                tidx.insert(id, cands.len());
                cands.push(Candidate {
                    start: s,
                    end: e,
                    label: label.clone(),
                    expected: given,
                    line: Some(lno),
                });
                continue;
            }
            frags.sort_unstable();
            let mut bad = None;
            for &(s, e) in &frags {
                if let Err(err) = check_range(&indexed, s, e, None) {
                    bad = Some(err);
                    break;
                }
            }
            if let Some(err) = bad {
                ctx.report.errors.push(Problem::span(&ann, Some(lno), err));
                continue;
            }
            let pieces: Vec<&str> = frags
                .iter()
                .map(|&(s, e)| indexed.slice(s, e).unwrap_or(""))
                .collect();
            let joined = pieces.join(" ");
            let (outer_s, outer_e) = (frags[0].0, frags[frags.len() - 1].1);
            if let Some(g) = &given
                && *g != joined
            {
                let e = crate::domain::SpanError::TextMismatch {
                    start: outer_s,
                    end: outer_e,
                    expected: g.clone(),
                    found: joined,
                };
                ctx.report.errors.push(Problem::span(&ann, Some(lno), e));
                continue;
            }
            let gaps_blank = frags.windows(2).all(|w| {
                w[0].1 <= w[1].0
                    && indexed
                        .slice(w[0].1, w[1].0)
                        .is_some_and(|g| g.trim().is_empty())
            });
            if gaps_blank {
                tmap.insert(id.clone(), (outer_s, outer_e, label.clone()));
                tidx.insert(id, cands.len());
                cands.push(Candidate {
                    start: outer_s,
                    end: outer_e,
                    label: label.clone(),
                    expected: None,
                    line: Some(lno),
                });
            } else {
                ctx.warn(
                    &ann,
                    Some(lno),
                    ProblemKind::Discontinuous,
                    format!("discontinuous {id} imported as {} spans", frags.len()),
                );
                split_t.insert(id.clone());
                for (s, e) in frags {
                    cands.push(Candidate {
                        start: s,
                        end: e,
                        label: label.clone(),
                        expected: None,
                        line: Some(lno),
                    });
                }
            }
        }
        let known = KnownT {
            seen: &seen_t,
            index: &tidx,
            split: &split_t,
        };
        for (line, lno) in std::mem::take(&mut rel_lines) {
            match relation_line(&line, &known) {
                Ok((found, odd_roles)) => {
                    if let Some(m) = odd_roles {
                        ctx.warn(&ann, Some(lno), ProblemKind::Unsupported, m);
                    }
                    rels.extend(
                        found
                            .into_iter()
                            .map(|(from, to, label, what)| CandRelation {
                                from,
                                to,
                                label,
                                line: Some(lno),
                                what,
                            }),
                    );
                    had_relations = true;
                }
                Err(RelLine::Kept(why)) => {
                    ctx.warn(
                        &ann,
                        Some(lno),
                        ProblemKind::Unsupported,
                        format!("{why}: kept in meta brat_other but not interpreted"),
                    );
                    other.push(Value::String(line));
                }
                Err(RelLine::Bad(m)) => {
                    ctx.error(
                        &ann,
                        Some(lno),
                        ProblemKind::Schema,
                        format!("{m}; skipped"),
                    );
                }
            }
        }
        // The T lines were checked after the others: problems back in line order.
        ctx.report.warnings.sort_kept_from(warned, |p| p.line);
        ctx.report.errors.sort_kept_from(erred, |p| p.line);
    } else {
        ctx.warn(
            txt,
            None,
            ProblemKind::NoAnnFile,
            format!("no {} beside it; document has no spans", ann.display()),
        );
    }
    let mut meta = Meta::new();
    let notes: Vec<Value> = notes
        .into_iter()
        .filter_map(|(t, n)| {
            let (s, e, l) = tmap.get(&t)?;
            Some(super::span_row(*s, *e, l, Value::String(n)))
        })
        .collect();
    if !notes.is_empty() {
        meta.insert(NOTES.into(), Value::Array(notes));
    }
    if !other.is_empty() {
        meta.insert("brat_other".into(), Value::Array(other));
    }
    if meta.contains_key("brat_other") || had_relations {
        let mut ids: Vec<(&String, &(usize, usize, String))> = tmap.iter().collect();
        ids.sort();
        let ids: Vec<Value> = ids
            .into_iter()
            .map(|(id, (s, e, l))| super::span_row(*s, *e, l, Value::String(id.clone())))
            .collect();
        meta.insert(BRAT_IDS.into(), Value::Array(ids));
    }
    let doc = AnnotatedDocument {
        name: stem(txt),
        text,
        meta,
        doc_labels,
        ..Default::default()
    };
    ctx.finish_doc_with(&ann, None, doc, cands, rels, sink)
}

/// The note type of a document label: `#1<TAB>DocumentLabel T1<TAB>politics`.
const DOC_LABEL: &str = "DocumentLabel";

/// The `T` ids of an `.ann`: every one seen, those that are one candidate (by its index),
/// those imported as several spans.
struct KnownT<'a> {
    seen: &'a HashSet<String>,
    index: &'a HashMap<String, usize>,
    split: &'a HashSet<String>,
}

/// Why an `R` or `*` line is not read as relations.
enum RelLine {
    /// It names something tawsim does not model: kept verbatim, warned.
    Kept(String),
    /// It is malformed or names a `T` that is not there: an error.
    Bad(String),
}

/// A relation read from a line: (from, to) as candidates, type, how problems name it.
type FoundRelation = (usize, usize, String, String);

/// The relations of an `R` or `*` line, and a warning when an `R` line's role names are
/// not `Arg1`/`Arg2`.
fn relation_line(
    line: &str,
    known: &KnownT<'_>,
) -> Result<(Vec<FoundRelation>, Option<String>), RelLine> {
    let mut parts = line.split('\t');
    let id = parts.next().unwrap_or_default();
    let words: Vec<&str> = parts
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    let resolve = |t: &str| -> Result<usize, RelLine> {
        if let Some(&c) = known.index.get(t) {
            return Ok(c);
        }
        if known.split.contains(t) {
            return Err(RelLine::Kept(format!(
                "{t} is a discontinuous span imported as several spans"
            )));
        }
        if !t.starts_with('T') {
            return Err(RelLine::Kept(format!(
                "{t} is not a text-bound (T) annotation"
            )));
        }
        if known.seen.contains(t) {
            return Err(RelLine::Bad(format!(
                "{id} names {t}, whose line was left out (see its own problem)"
            )));
        }
        Err(RelLine::Bad(format!(
            "{id} names {t}, but no T line of this file has that id"
        )))
    };
    if id == "*" {
        // `*<TAB>Equiv T1 T2 ...`
        let [ty, members @ ..] = words.as_slice() else {
            return Err(RelLine::Bad(
                "a * line needs \"*<TAB>TYPE ID1 ID2 ...\"".into(),
            ));
        };
        if members.len() < 2 {
            return Err(RelLine::Bad(format!(
                "an equivalence needs two members or more, found {}",
                members.len()
            )));
        }
        let mut seen = HashSet::new();
        if let Some(t) = members.iter().find(|t| !seen.insert(**t)) {
            return Err(RelLine::Kept(format!("{t} is named twice")));
        }
        let cands = members
            .iter()
            .map(|t| resolve(t))
            .collect::<Result<Vec<_>, _>>()?;
        let found = cands
            .windows(2)
            .zip(members.windows(2))
            .map(|(c, m)| {
                (
                    c[0],
                    c[1],
                    (*ty).to_string(),
                    format!("{ty} {} {}", m[0], m[1]),
                )
            })
            .collect();
        return Ok((found, None));
    }
    // `R1<TAB>Type Arg1:T1 Arg2:T2`
    let [ty, a, b] = words.as_slice() else {
        return Err(RelLine::Bad(
            "an R line needs \"ID<TAB>TYPE Arg1:T1 Arg2:T2\"".into(),
        ));
    };
    fn arg(x: &str) -> Result<(&str, &str), RelLine> {
        x.split_once(':')
            .filter(|(r, t)| !r.is_empty() && !t.is_empty())
            .ok_or_else(|| RelLine::Bad(format!("bad argument {x:?} (ROLE:ID)")))
    }
    let ((ra, ta), (rb, tb)) = (arg(a)?, arg(b)?);
    let (ca, cb) = (resolve(ta)?, resolve(tb)?);
    let (from, to, odd) = match (ra, rb) {
        ("Arg1", "Arg2") => (ca, cb, None),
        ("Arg2", "Arg1") => (cb, ca, None),
        _ => (
            ca,
            cb,
            Some(format!(
                "{id}: role names {ra} and {rb} read as from and to; written back as Arg1 \
                 and Arg2"
            )),
        ),
    };
    Ok((vec![(from, to, (*ty).to_string(), id.to_string())], odd))
}

/// A `T` line as read, before its offsets are checked.
struct TLine {
    id: String,
    label: String,
    frags: Vec<(usize, usize)>,
    /// Its text field.
    given: Option<String>,
    lno: usize,
}

/// Whether the fragments of `t` fit `text`: in range, on grapheme edges, and covering its
/// text field (fragments joined by a space) when it has one.
fn fits(text: &IndexedText, t: &TLine) -> bool {
    let mut frags = t.frags.clone();
    frags.sort_unstable();
    if frags
        .iter()
        .any(|&(s, e)| check_range(text, s, e, None).is_err())
    {
        return false;
    }
    t.given.as_ref().is_none_or(|g| {
        let pieces: Vec<&str> = frags
            .iter()
            .map(|&(s, e)| text.slice(s, e).unwrap_or(""))
            .collect();
        pieces.join(" ") == *g
    })
}

/// When the `T` lines do not all fit `text` as stored but all fit it with each CRLF counted
/// as one character (as pybrat and bratly read a `.txt`): the code point offset, in that LF
/// text, of the `\n` of each CRLF. `None` otherwise (the offsets are taken as they are).
fn crlf_as_one(text: &str, indexed: &IndexedText, ts: &[TLine]) -> Option<Vec<usize>> {
    if ts.is_empty() || !text.contains("\r\n") || ts.iter().all(|t| fits(indexed, t)) {
        return None;
    }
    let lf = text.replace("\r\n", "\n");
    let lf_indexed = IndexedText::new(lf.as_str());
    if !ts.iter().all(|t| fits(&lf_indexed, t)) {
        return None;
    }
    let mut nl = Vec::new();
    let mut at = 0usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' && chars.peek() == Some(&'\n') {
            // Dropped from the LF text; the '\n' after it is at `at` there.
            nl.push(at);
            continue;
        }
        at += 1;
    }
    Some(nl)
}

/// An offset in the LF text of [`crlf_as_one`] as an offset in the stored text: one more for
/// each CRLF before it.
fn lf_to_stored(nl: &[usize], o: usize) -> usize {
    o + nl.partition_point(|&n| n < o)
}

/// A file name for a document name: path separators and control characters replaced.
fn safe_name(name: &str, used: &mut SeenIds) -> Result<String, FormatError> {
    let mut base: String = name
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() || c == ':' {
                '_'
            } else {
                c
            }
        })
        .collect();
    if base.is_empty() || base.starts_with('.') {
        base.insert_str(0, "doc");
    }
    let mut cand = base.clone();
    let mut n = 1;
    while !used.insert(&cand).map_err(|e| {
        FormatError::Other(format!(
            "the file names given so far (a temporary file): {e}"
        ))
    })? {
        n += 1;
        cand = format!("{base}-{n}");
    }
    Ok(cand)
}

/// Fragments of `[s, e)` split at line breaks (`\n`, `\r`), code point ranges.
fn fragments(text: &IndexedText, s: usize, e: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut cur = None;
    for (i, ch) in text.slice(s, e).unwrap_or("").chars().enumerate() {
        let at = s + i;
        if ch == '\n' || ch == '\r' {
            if let Some(st) = cur.take() {
                out.push((st, at));
            }
        } else if cur.is_none() {
            cur = Some(at);
        }
    }
    if let Some(st) = cur {
        out.push((st, e));
    }
    out
}

/// Meta key of the `#` AnnotatorNotes: `[[start, end, "LABEL", "note"], ...]`.
const NOTES: &str = "brat_notes";

/// Meta key of the `T` ids a document's spans came with (kept when other lines refer to
/// them): `[[start, end, "LABEL", "T3"], ...]`.
pub(crate) const BRAT_IDS: &str = "brat_ids";

/// The `T` ids a document's spans came with, by (start, end, label), as numbers.
fn given_ids(meta: &Meta) -> HashMap<(usize, usize, &str), usize> {
    super::span_rows(meta, BRAT_IDS)
        .filter_map(|(span, id)| Some((span, id.as_str()?.strip_prefix('T')?.parse().ok()?)))
        .collect()
}

/// The `T` ids a kept line (R, E, A, N, *) names: `Arg1:T3`, `T3`.
fn t_refs(line: &str) -> impl Iterator<Item = usize> + '_ {
    line.split('\t')
        .nth(1)
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|w| w.rsplit(':').next()?.strip_prefix('T')?.parse().ok())
}

/// What [`ann_for`] made of a document.
struct Ann {
    body: String,
    spans: usize,
    /// Relations and kept lines left out: how many (relations), and why.
    left: Vec<(usize, String)>,
    /// Document labels left out: how many, and why.
    labels_left: Option<(usize, String)>,
}

/// A document's `.ann` text, with what could not be written.
fn ann_for(doc: &AnnotatedDocument) -> Ann {
    let indexed = IndexedText::new(doc.text.as_str());
    let mut spans: Vec<&TaggedSpan> = doc.spans.iter().collect();
    spans.sort();
    let mut out = String::new();
    let given = given_ids(&doc.meta);
    let mut next = given.values().max().copied().unwrap_or(0);
    let mut ids: HashMap<(usize, usize, &str), usize> = HashMap::new();
    for sp in &spans {
        let id = given
            .get(&(sp.start, sp.end, sp.label.as_str()))
            .copied()
            .unwrap_or_else(|| {
                next += 1;
                next
            });
        let frags = fragments(&indexed, sp.start, sp.end);
        let frags = if frags.is_empty() {
            vec![(sp.start, sp.end)]
        } else {
            frags
        };
        let offs: Vec<String> = frags.iter().map(|(s, e)| format!("{s} {e}")).collect();
        let texts: Vec<&str> = frags
            .iter()
            .map(|&(s, e)| indexed.slice(s, e).unwrap_or(""))
            .collect();
        out.push_str(&format!(
            "T{id}\t{} {}\t{}\n",
            sp.label,
            offs.join(";"),
            texts.join(" ")
        ));
        ids.insert((sp.start, sp.end, sp.label.as_str()), id);
    }
    let written: HashSet<usize> = ids.values().copied().collect();
    let kept: Vec<&str> = match doc.meta.get("brat_other") {
        Some(Value::Array(other)) => other.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let mut left = Vec::new();
    // The T id of the span at index `i` of `doc.spans`.
    let tid = |i: usize| {
        let s = doc.spans.get(i)?;
        ids.get(&(s.start, s.end, s.label.as_str())).copied()
    };
    // R ids of kept lines are theirs.
    let kept_r: HashSet<usize> = kept
        .iter()
        .filter_map(|l| l.split('\t').next()?.strip_prefix('R')?.parse().ok())
        .collect();
    let mut rn = 0usize;
    let mut equiv: Vec<Vec<usize>> = Vec::new();
    for r in &doc.relations {
        let (Some(a), Some(b)) = (tid(r.from), tid(r.to)) else {
            left.push((
                1,
                format!(
                    "document {:?}: relation {} not written: {}",
                    doc.name,
                    super::describe_relation(doc, r),
                    super::NO_SUCH_SPAN
                ),
            ));
            continue;
        };
        if r.label == EQUIV {
            match equiv.last_mut() {
                Some(chain) if chain.last() == Some(&a) => chain.push(b),
                _ => equiv.push(vec![a, b]),
            }
            continue;
        }
        rn += 1;
        while kept_r.contains(&rn) {
            rn += 1;
        }
        out.push_str(&format!("R{rn}\t{} Arg1:T{a} Arg2:T{b}\n", r.label));
    }
    for chain in equiv {
        out.push_str("*\t");
        out.push_str(EQUIV);
        for t in chain {
            out.push_str(&format!(" T{t}"));
        }
        out.push('\n');
    }
    let mut n = 0;
    for (span, note) in super::span_rows(&doc.meta, NOTES) {
        if let (Some(id), Some(t)) = (ids.get(&span), note.as_str()) {
            n += 1;
            out.push_str(&format!("#{n}\tAnnotatorNotes T{id}\t{t}\n"));
        }
    }
    let mut labels_left = None;
    if !doc.doc_labels.is_empty() {
        // Notes on the first span: brat has nothing else to attach them to.
        match spans
            .first()
            .and_then(|s| ids.get(&(s.start, s.end, s.label.as_str())))
        {
            Some(first) => {
                for l in &doc.doc_labels {
                    n += 1;
                    out.push_str(&format!("#{n}\t{DOC_LABEL} T{first}\t{l}\n"));
                }
            }
            None => {
                labels_left = Some((
                    doc.doc_labels.len(),
                    format!(
                        "document {:?}: document label(s) {} not written: brat writes them as \
                         notes on a span, and the document has none",
                        doc.name,
                        doc.doc_labels.join(", ")
                    ),
                ));
            }
        }
    }
    // Without kept ids (a file from an older tawsim) the lines are written as they were.
    let check = doc.meta.contains_key(BRAT_IDS);
    for o in kept {
        if check && let Some(gone) = t_refs(o).find(|t| !written.contains(t)) {
            left.push((
                1,
                format!(
                    "document {:?}: {o:?} not written: T{gone} is no longer a span of the document",
                    doc.name
                ),
            ));
            continue;
        }
        out.push_str(o);
        out.push('\n');
    }
    Ann {
        body: out,
        spans: spans.len(),
        left,
        labels_left,
    }
}

/// The relation type brat writes as `*` lines.
const EQUIV: &str = "Equiv";

/// Threads that write an export's files. Creating a file is most of a brat export's time
/// (one `.txt` and one `.ann` per document), and the kernel creates files in one folder on
/// two threads at once (BENCHMARKS.md).
const WRITERS: usize = 2;

/// Names each document's files and makes their contents on this thread, in order; the
/// writers create them in `dir`. The first error stops it: a writer's, a name's, or Cancel.
fn write_files(
    docs: &mut dyn Iterator<Item = AnnotatedDocument>,
    dir: &Path,
    out: &Path,
    opts: &ExportOptions,
) -> Result<ExportReport, FormatError> {
    std::thread::scope(|s| {
        let (mut to_write, mut writers) = (Vec::new(), Vec::new());
        for _ in 0..WRITERS {
            let (tx, rx) = std::sync::mpsc::sync_channel::<(PathBuf, String)>(128);
            to_write.push(tx);
            writers.push(s.spawn(move || {
                rx.into_iter()
                    .try_for_each(|(path, body)| std::fs::write(&path, body).map_err(werr(&path)))
            }));
        }
        let mut report = ExportReport::default();
        let mut used = SeenIds::default();
        let mut sent = 0usize;
        let mut send = |job| {
            sent += 1;
            to_write[sent % WRITERS].send(job).is_ok()
        };
        let mut stopped = Ok(());
        for doc in docs {
            let a = ann_for(&doc);
            let name =
                match check_export_cancel(opts).and_then(|()| safe_name(&doc.name, &mut used)) {
                    Ok(name) => name,
                    Err(e) => {
                        stopped = Err(e);
                        break;
                    }
                };
            let shown = out.join(format!("{name}.ann"));
            for (n, m) in a.left {
                report.relations_left(&shown, n, m);
            }
            if let Some((n, m)) = a.labels_left {
                report.doc_labels_left(&shown, n, m);
            }
            // A writer that stopped has its error, returned below.
            if !send((dir.join(format!("{name}.txt")), doc.text))
                || !send((dir.join(format!("{name}.ann")), a.body))
            {
                break;
            }
            report.documents += 1;
            report.spans += a.spans;
        }
        drop(to_write);
        for w in writers {
            let written = w.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
            if let (Ok(()), Err(e)) = (&stopped, written) {
                stopped = Err(e);
            }
        }
        stopped.map(|()| report)
    })
}

pub(crate) fn export(
    docs: &mut dyn Iterator<Item = AnnotatedDocument>,
    out: &Path,
    opts: &ExportOptions,
) -> Result<ExportReport, FormatError> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = super::atomic::user_builder(0o777)
        .tempdir_in(&parent)
        .map_err(|e| FormatError::io(&parent, e))?;
    let report = write_files(docs, tmp.path(), out, opts)?;
    let tmp_path = tmp.keep();
    let result = if out.exists() {
        if !opts.force {
            Err(FormatError::OutputExists(out.to_path_buf()))
        } else {
            let backup = parent.join(format!(".tawsim-old-{}", std::process::id()));
            std::fs::rename(out, &backup)
                .and_then(|()| std::fs::rename(&tmp_path, out))
                .and_then(|()| {
                    if backup.is_dir() {
                        std::fs::remove_dir_all(&backup)
                    } else {
                        std::fs::remove_file(&backup)
                    }
                })
                .map_err(werr(out))
        }
    } else {
        std::fs::rename(&tmp_path, out).map_err(werr(out))
    };
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp_path);
    }
    result.map(|()| report)
}
