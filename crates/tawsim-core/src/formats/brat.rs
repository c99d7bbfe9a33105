//! brat standoff: a folder of `NAME.txt` + `NAME.ann`. Offsets are code points.
//!
//! Import: a folder's `.txt` files are read in natural order of their names (`a-2` before
//! `a-10`). The `.txt` is kept exactly as stored (BOM and CRLF included: brat counts them).
//! `T` lines become spans, checked against their text field. A discontinuous `T` whose
//! gaps hold only whitespace (how a span crossing a line break is written) is imported as
//! its outer range; one with words in a gap is imported as one span per fragment, with a
//! warning. `#` AnnotatorNotes are kept in meta `brat_notes` as `[start, end, label, note]`;
//! other lines (R, E, A, N, *, ...) are kept verbatim in meta `brat_other` (warned). Those
//! lines point at `T` ids, so a document with them keeps its spans' ids (meta `brat_ids` as
//! `[start, end, label, "T3"]`, never written): export writes each span with the id it came
//! with (a new span: a number above every id of the document) and writes a kept line only
//! while every `T` it names is still a span; one that names a deleted or changed span is
//! not written but reported (the export fails unless `--lenient`).
//! A `.txt` with CRLF line ends whose `.ann` offsets count each CRLF as one character (as
//! pybrat and bratly read the file): when the offsets do not all fit the text as stored but
//! all fit it so, they are mapped to the text as stored (which keeps its CRLF), with a
//! [`ProblemKind::CrlfCountedAsOne`] warning.
//!
//! Export: a folder (written as a temporary folder renamed into place). A span crossing a
//! line break is written as fragments split at the line break.

use super::{
    Candidate, ExportOptions, ExportReport, FormatError, ImportCtx, LineReader, Problem,
    ProblemKind, check_export_cancel, read_utf8, stem, werr,
};
use crate::domain::{AnnotatedDocument, IndexedText, Meta, TaggedSpan, check_range};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

pub(crate) fn import(
    path: &Path,
    ctx: &mut ImportCtx<'_>,
    sink: &mut dyn FnMut(AnnotatedDocument) -> Result<(), FormatError>,
) -> Result<(), FormatError> {
    let meta = std::fs::metadata(path).map_err(|e| FormatError::io(path, e))?;
    let mut txts = Vec::new();
    if meta.is_dir() {
        for entry in std::fs::read_dir(path).map_err(|e| FormatError::io(path, e))? {
            let p = entry.map_err(|e| FormatError::io(path, e))?.path();
            if p.is_file() && p.extension().is_some_and(|x| x.eq_ignore_ascii_case("txt")) {
                txts.push(p);
            }
        }
        txts.sort_by(|a, b| super::natural_cmp(a, b));
    } else {
        txts.push(path.with_extension("txt"));
    }
    if txts.is_empty() {
        return Err(FormatError::NoInput {
            path: path.to_path_buf(),
            format: super::Format::Brat,
        });
    }
    for txt in txts {
        let read = import_pair(&txt, ctx, sink);
        ctx.skip_unreadable(&txt, read)?;
    }
    Ok(())
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
    txt: &Path,
    ctx: &mut ImportCtx<'_>,
    sink: &mut dyn FnMut(AnnotatedDocument) -> Result<(), FormatError>,
) -> Result<(), FormatError> {
    let text = read_utf8(txt, ctx)?;
    let indexed = IndexedText::new(text.as_str());
    let ann = txt.with_extension("ann");
    let mut cands: Vec<Candidate> = Vec::new();
    let mut tmap: HashMap<String, (usize, usize, String)> = HashMap::new();
    let mut notes: Vec<(String, String)> = Vec::new();
    let mut other: Vec<Value> = Vec::new();
    let mut ts: Vec<TLine> = Vec::new();
    let (warned, erred) = (ctx.report.warnings.len(), ctx.report.errors.len());
    if ann.is_file() {
        let mut r = LineReader::open(&ann, true)?;
        while let Some(l) = r.next_line(ctx)? {
            let lno = l.no;
            let line = l.text.strip_suffix('\r').unwrap_or(l.text).to_string();
            if line.trim().is_empty() {
                continue;
            }
            if line.starts_with('T') {
                let mut parts = line.splitn(3, '\t');
                let id = parts.next().unwrap_or_default().to_string();
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
                let target = parts
                    .next()
                    .and_then(|m| m.split(' ').nth(1))
                    .unwrap_or_default()
                    .to_string();
                notes.push((target, parts.next().unwrap_or_default().to_string()));
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
                tmap.insert(id, (s, e, label.clone()));
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
                tmap.insert(id, (outer_s, outer_e, label.clone()));
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
        // The T lines were checked after the others: problems back in line order.
        ctx.report.warnings[warned..].sort_by_key(|p| p.line);
        ctx.report.errors[erred..].sort_by_key(|p| p.line);
    } else {
        ctx.warn(
            txt,
            None,
            ProblemKind::Other,
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
        ..Default::default()
    };
    ctx.finish_doc(&ann, None, doc, cands, sink)
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
fn safe_name(name: &str, used: &mut HashSet<String>) -> String {
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
    while !used.insert(cand.clone()) {
        n += 1;
        cand = format!("{base}-{n}");
    }
    cand
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
const BRAT_IDS: &str = "brat_ids";

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

/// A document's `.ann` text, its number of spans, and the kept lines left out because a
/// span they name is gone.
fn ann_for(doc: &AnnotatedDocument) -> (String, usize, Vec<String>) {
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
    let mut n = 0;
    for (span, note) in super::span_rows(&doc.meta, NOTES) {
        if let (Some(id), Some(t)) = (ids.get(&span), note.as_str()) {
            n += 1;
            out.push_str(&format!("#{n}\tAnnotatorNotes T{id}\t{t}\n"));
        }
    }
    let mut left = Vec::new();
    if let Some(Value::Array(other)) = doc.meta.get("brat_other") {
        // Without kept ids (a file from an older tawsim) the lines are written as they were.
        let check = doc.meta.contains_key(BRAT_IDS);
        for o in other.iter().filter_map(Value::as_str) {
            if check && let Some(gone) = t_refs(o).find(|t| !written.contains(t)) {
                left.push(format!(
                    "document {:?}: {o:?} not written: T{gone} is no longer a span of the document",
                    doc.name
                ));
                continue;
            }
            out.push_str(o);
            out.push('\n');
        }
    }
    (out, spans.len(), left)
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
    let mut report = ExportReport::default();
    let mut used = HashSet::new();
    for doc in docs {
        check_export_cancel(opts)?;
        let name = safe_name(&doc.name, &mut used);
        let txt = tmp.path().join(format!("{name}.txt"));
        let ann = tmp.path().join(format!("{name}.ann"));
        std::fs::write(&txt, doc.text.as_bytes()).map_err(werr(&txt))?;
        let (body, n, left) = ann_for(&doc);
        let shown = out.join(format!("{name}.ann"));
        for m in left {
            report
                .misaligned
                .push(Problem::new(&shown, None, ProblemKind::RelationLeftOut, m));
        }
        let mut f = std::fs::File::create(&ann).map_err(werr(&ann))?;
        f.write_all(body.as_bytes()).map_err(werr(&ann))?;
        report.documents += 1;
        report.spans += n;
    }
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
