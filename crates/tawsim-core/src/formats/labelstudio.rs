//! Label Studio JSON: a list of tasks `{"id", "data": {"text", ...}, "annotations":
//! [{"result": [{"type": "labels", "value": {"start", "end", "text", "labels"}}]}],
//! "predictions": [...]}`. A file is checked whole first (valid UTF-8, valid JSON), reading
//! it in pieces; then its tasks are read one at a time, so memory holds one task, not the
//! file (a 94 MB export took 985 MB when parsed whole).
//!
//! Import: the first annotation not cancelled gives the spans; a task without one takes
//! its first prediction instead and gets meta `annotation_source: "predictions"` (export
//! writes such a document back as a prediction). Other `data` keys are kept as meta; the
//! name is `data.name`, else the task id, else `stem-N`. Problems name the line where the
//! task starts.
//!
//! Relations: a result `{"type": "relation", "from_id", "to_id", "direction", "labels"}`
//! links two label results by their `id`. `"right"` (or none) goes from `from_id` to
//! `to_id`, `"left"` the other way, `"bi"` both ways (two relations); each of its `labels` is
//! a relation of that type, and one without labels is of type [`UNLABELLED`] (`relation`).
//! A relation naming an id no label result of the task has is an error. A region with
//! several labels is several spans: its relations start or end at the first. A task with
//! relations keeps its regions' ids (meta [`REGION_IDS`], `[start, end, label, id]`, never
//! written into `data`), so export gives each span the id it came with.
//!
//! Document labels: every `choices` result not tied to a region (no `value.start`): its
//! `value.choices`, whatever its `from_name`. Per-region choices and results of other
//! types are warned and dropped.
//!
//! Export: a JSON list of tasks; each span a result with an `id` (the one it came with,
//! else `t<task>s<n>`), `from_name: "label"`, `to_name: "text"`, `type: "labels"`; then
//! each relation `{"from_id", "to_id", "type": "relation", "direction": "right", "labels":
//! [type]}`; then, when the document has document labels, one result `{"id", "from_name":
//! "doc_labels", "to_name": "text", "type": "choices", "value": {"choices": [...]}}` (a
//! labelling config needs `<Choices name="doc_labels" toName="text" choice="multiple">`
//! beside `<Labels name="label" toName="text">` and `<Relations>` for Label Studio to show
//! them). The task id is the name when it is a free integer, else the next one.

use super::doccano::push_field;
use super::seen_ids::SeenIds;
use super::{
    CandRelation, Candidate, ExportOptions, ExportReport, FormatError, ImportCtx, ProblemKind,
    check_export_cancel, from_char_offset, json_offset, json_type, read_utf8, stem, to_char_offset,
    werr,
};
use crate::domain::{AnnotatedDocument, IndexedText, Meta};
use serde_json::Value;
use std::collections::HashSet;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// A reader that checks UTF-8 as the bytes pass and counts lines and bytes, so that the
/// first invalid byte is reported where it is, as [`read_utf8`] would.
struct CheckedUtf8<'s, R> {
    inner: R,
    /// Set when the check is no longer wanted: the next read fails.
    stop: &'s AtomicBool,
    /// Bytes of a character cut by the end of the last read.
    carry: Vec<u8>,
    line: usize,
    byte: u64,
    bad: Option<(usize, u64)>,
}

impl<'s, R> CheckedUtf8<'s, R> {
    fn new(inner: R, stop: &'s AtomicBool) -> Self {
        CheckedUtf8 {
            inner,
            stop,
            carry: Vec::new(),
            line: 1,
            byte: 0,
            bad: None,
        }
    }
}

impl<R: std::io::Read> std::io::Read for CheckedUtf8<'_, R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.stop.load(Ordering::Relaxed) {
            return Err(std::io::Error::other("stopped"));
        }
        let n = self.inner.read(out)?;
        // The bytes read, after those of a character the last read cut (copied only then).
        let joined;
        let chunk: &[u8] = if self.carry.is_empty() {
            &out[..n]
        } else {
            let mut j = std::mem::take(&mut self.carry);
            j.extend_from_slice(&out[..n]);
            joined = j;
            &joined
        };
        let lines = |b: &[u8]| memchr::memchr_iter(b'\n', b).count();
        // The SIMD check that also says where it failed: a character cut by the end of a
        // read (every other read of Arabic) is no error, and is not checked twice.
        let valid = match simdutf8::compat::from_utf8(chunk) {
            Ok(_) => chunk.len(),
            Err(e) if e.error_len().is_none() && n > 0 => e.valid_up_to(),
            Err(e) => {
                let at = e.valid_up_to();
                self.bad = Some((self.line + lines(&chunk[..at]), self.byte + at as u64));
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "invalid UTF-8",
                ));
            }
        };
        self.line += lines(&chunk[..valid]);
        self.byte += valid as u64;
        self.carry = chunk[valid..].to_vec();
        Ok(n)
    }
}

/// Checks the whole file (UTF-8, then JSON syntax) without holding it: the same errors, with
/// the same lines, as parsing it whole. `Cancelled` once `stop` is set. A file the fast
/// check passes is done; any other is read by serde_json for the error to report.
fn check_file(file: &Path, stop: &AtomicBool) -> Result<(), FormatError> {
    if fast_check(file, stop)? {
        return Ok(());
    }
    exact_check(file, stop)
}

/// Whether the file is UTF-8 ([`CheckedUtf8`]) that [`super::json_check`] passes (a
/// leading BOM aside).
fn fast_check(file: &Path, stop: &AtomicBool) -> Result<bool, FormatError> {
    use std::io::Read;
    let f = std::fs::File::open(file).map_err(|e| FormatError::io(file, e))?;
    let mut f = CheckedUtf8::new(f, stop);
    let mut buf = vec![0; 1 << 16];
    let mut check = super::json_check::JsonCheck::default();
    let mut first = true;
    loop {
        let n = match f.read(&mut buf) {
            Ok(0) => return Ok(check.finish()),
            Ok(n) => n,
            Err(_) if stop.load(Ordering::Relaxed) => return Err(FormatError::Cancelled),
            Err(_) if f.bad.is_some() => return Ok(false),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(FormatError::io(file, e)),
        };
        let mut chunk = &buf[..n];
        if std::mem::take(&mut first) {
            chunk = chunk.strip_prefix(BOM).unwrap_or(chunk);
        }
        if !check.feed(chunk) {
            return Ok(false);
        }
    }
}

/// serde_json's reading of the whole file, for its error and line.
fn exact_check(file: &Path, stop: &AtomicBool) -> Result<(), FormatError> {
    use serde::de::IgnoredAny;
    use std::io::BufRead;
    let f = std::fs::File::open(file).map_err(|e| FormatError::io(file, e))?;
    // Buffered outside the check: the JSON reader asks for a byte at a time.
    let mut reader = std::io::BufReader::with_capacity(1 << 16, CheckedUtf8::new(f, stop));
    // A leading BOM is not JSON.
    let bom = reader
        .fill_buf()
        .map(|head| head.starts_with(BOM))
        .map_err(|e| utf8_or_io(file, reader.get_ref(), e))?;
    if bom {
        reader.consume(BOM.len());
    }
    let parsed: Result<IgnoredAny, serde_json::Error> = serde_json::from_reader(&mut reader);
    if stop.load(Ordering::Relaxed) {
        return Err(FormatError::Cancelled);
    }
    if let Some((line, byte)) = reader.get_ref().bad {
        return Err(FormatError::InvalidUtf8 {
            file: file.to_path_buf(),
            line,
            byte,
        });
    }
    parsed.map(drop).map_err(|e| FormatError::Parse {
        file: file.to_path_buf(),
        line: e.line(),
        message: format!("invalid JSON: {e}"),
    })
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

fn utf8_or_io<R>(file: &Path, r: &CheckedUtf8<'_, R>, e: std::io::Error) -> FormatError {
    match r.bad {
        Some((line, byte)) => FormatError::InvalidUtf8 {
            file: file.to_path_buf(),
            line,
            byte,
        },
        None => FormatError::io(file, e),
    }
}

/// Calls `each` with every element of the file's top-level array (already checked to be
/// valid JSON) and the line it starts on, one element in memory at a time. `false` when
/// the top level is not an array (nothing is called then).
fn for_each_element(
    file: &Path,
    mut each: impl FnMut(usize, &[u8]) -> Result<(), FormatError>,
) -> Result<bool, FormatError> {
    use std::io::BufRead;
    let f = std::fs::File::open(file).map_err(|e| FormatError::io(file, e))?;
    let mut r = std::io::BufReader::with_capacity(1 << 16, f);
    let (mut line, mut depth, mut in_str, mut esc) = (1usize, 0usize, false, false);
    let mut started = false;
    let mut elem: Vec<u8> = Vec::new();
    let mut elem_line = 0;
    let mut scalar = false;
    let mut first_read = true;
    loop {
        let buf = r.fill_buf().map_err(|e| FormatError::io(file, e))?;
        if buf.is_empty() {
            break;
        }
        let n = buf.len();
        let skip = if std::mem::take(&mut first_read) && buf.starts_with(BOM) {
            BOM.len()
        } else {
            0
        };
        let body = &buf[skip..];
        let mut i = 0;
        while i < body.len() {
            if in_str && !esc {
                // Most of a file is string contents (the texts): copied a run at a time, up
                // to the next byte that matters there.
                let run = memchr::memchr3(b'"', b'\\', b'\n', &body[i..]).unwrap_or(body.len() - i);
                elem.extend_from_slice(&body[i..i + run]);
                i += run;
                if i == body.len() {
                    break;
                }
            }
            let b = body[i];
            i += 1;
            if !started {
                match b {
                    b'\n' => line += 1,
                    b'[' => started = true,
                    b' ' | b'\t' | b'\r' => {}
                    _ => return Ok(false),
                }
                continue;
            }
            if in_str {
                elem.push(b);
                if b == b'\n' {
                    line += 1;
                }
                if esc {
                    esc = false;
                } else if b == b'\\' {
                    esc = true;
                } else if b == b'"' {
                    in_str = false;
                    if depth == 0 && scalar {
                        // A string element: ends here.
                        each(elem_line, &elem)?;
                        elem.clear();
                        scalar = false;
                    }
                }
                continue;
            }
            if depth == 0 && !scalar {
                match b {
                    b'\n' => line += 1,
                    b' ' | b'\t' | b'\r' | b',' => {}
                    b']' => return Ok(true),
                    _ => {
                        elem_line = line;
                        elem.push(b);
                        match b {
                            b'{' | b'[' => depth = 1,
                            b'"' => {
                                in_str = true;
                                scalar = true;
                            }
                            _ => scalar = true,
                        }
                    }
                }
                continue;
            }
            if depth == 0 && scalar {
                // A number, true, false or null: ends at a separator.
                if matches!(b, b',' | b']' | b' ' | b'\t' | b'\r' | b'\n') {
                    each(elem_line, &elem)?;
                    elem.clear();
                    scalar = false;
                    if b == b'\n' {
                        line += 1;
                    }
                    if b == b']' {
                        return Ok(true);
                    }
                } else {
                    elem.push(b);
                }
                continue;
            }
            elem.push(b);
            match b {
                b'\n' => line += 1,
                b'"' => in_str = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        each(elem_line, &elem)?;
                        elem.clear();
                    }
                }
                _ => {}
            }
        }
        r.consume(n);
    }
    Ok(started)
}

pub(crate) fn import_file(
    file: &Path,
    ctx: &mut ImportCtx<'_>,
    sink: &mut dyn FnMut(AnnotatedDocument) -> Result<(), FormatError>,
) -> Result<(), FormatError> {
    ctx.check_cancel()?;
    let (stop, failed) = (AtomicBool::new(false), AtomicBool::new(false));
    if ctx.opts.lenient {
        // A file that fails the check is skipped whole, so none of its tasks may reach the
        // sink before the check has passed.
        check_file(file, &stop)?;
        return import_tasks(file, ctx, sink, &failed);
    }
    // Otherwise a failed check fails the whole import (nothing it read is kept), so the
    // check runs on a thread of its own beside the reading of the tasks, and its error is
    // the one reported: it is at or before any the reading finds. Each stops the other.
    std::thread::scope(|s| {
        let check = s.spawn(|| {
            let checked = check_file(file, &stop);
            failed.store(checked.is_err(), Ordering::Relaxed);
            checked
        });
        let read = import_tasks(file, ctx, sink, &failed);
        if matches!(read, Err(FormatError::Cancelled)) {
            stop.store(true, Ordering::Relaxed);
        }
        match check
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        {
            Err(FormatError::Cancelled) | Ok(()) => read,
            Err(e) => Err(e),
        }
    })
}

/// Reads the tasks of a file that is (or is being) checked to be valid JSON in UTF-8.
/// Stops (`Cancelled`) once `failed` is set.
fn import_tasks(
    file: &Path,
    ctx: &mut ImportCtx<'_>,
    sink: &mut dyn FnMut(AnnotatedDocument) -> Result<(), FormatError>,
    failed: &AtomicBool,
) -> Result<(), FormatError> {
    let base = stem(file);
    let mut i = 0;
    let listed = for_each_element(file, |lno, bytes| {
        ctx.check_cancel()?;
        if failed.load(Ordering::Relaxed) {
            return Err(FormatError::Cancelled);
        }
        let task: Value = serde_json::from_slice(bytes).map_err(|e| FormatError::Parse {
            file: file.to_path_buf(),
            line: lno + e.line() - 1,
            message: format!("invalid JSON: {e}"),
        })?;
        let index = i;
        i += 1;
        if let Some((doc, cands, rels)) = read_task(file, Some(lno), index, task, &base, ctx) {
            ctx.finish_doc_with(file, Some(lno), doc, cands, rels, sink)?;
        }
        Ok(())
    })?;
    if listed {
        if let Ok(m) = std::fs::metadata(file) {
            ctx.add_progress(m.len());
        }
        return Ok(());
    }
    // Not a list: one task (an object), read whole, or an error.
    let content = read_utf8(file, ctx)?;
    let body = content.strip_prefix('\u{FEFF}').unwrap_or(&content);
    let value: Value = serde_json::from_str(body).map_err(|e| FormatError::Parse {
        file: file.to_path_buf(),
        line: e.line(),
        message: format!("invalid JSON: {e}"),
    })?;
    if !value.is_object() {
        return Err(FormatError::Parse {
            file: file.to_path_buf(),
            line: 1,
            message: format!("expected a list of tasks, found {}", json_type(&value)),
        });
    }
    if let Some((doc, cands, rels)) = read_task(file, Some(1), 0, value, &base, ctx) {
        ctx.finish_doc_with(file, Some(1), doc, cands, rels, sink)?;
    }
    Ok(())
}

type Task = (AnnotatedDocument, Vec<Candidate>, Vec<CandRelation>);

fn read_task(
    file: &Path,
    lno: Option<usize>,
    index: usize,
    task: Value,
    base: &str,
    ctx: &mut ImportCtx<'_>,
) -> Option<Task> {
    let Value::Object(mut task) = task else {
        ctx.error(
            file,
            lno,
            ProblemKind::Schema,
            format!(
                "a task must be an object, found {}; skipped",
                json_type(&task)
            ),
        );
        return None;
    };
    let id = match task.get("id") {
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    let annotations = task.remove("annotations");
    let predictions = task.remove("predictions");
    let mut data = match task.remove("data") {
        Some(Value::Object(d)) => d,
        Some(other) => {
            ctx.error(
                file,
                lno,
                ProblemKind::Schema,
                format!(
                    "\"data\" must be an object, found {}; task skipped",
                    json_type(&other)
                ),
            );
            return None;
        }
        None => std::mem::take(&mut task),
    };
    let text = match data.remove("text") {
        Some(Value::String(s)) => s,
        Some(other) => {
            ctx.error(
                file,
                lno,
                ProblemKind::Schema,
                format!(
                    "data.text must be a string, found {}; task skipped",
                    json_type(&other)
                ),
            );
            return None;
        }
        None => {
            ctx.error(
                file,
                lno,
                ProblemKind::Schema,
                "missing data.text; task skipped",
            );
            return None;
        }
    };
    if let Some(id) = &id
        && !ctx.claim_id(file, lno, id)
    {
        return None;
    }
    let name = match data.remove("name") {
        Some(Value::String(s)) => s,
        Some(other) => {
            data.insert("name".into(), other);
            id.clone()
                .unwrap_or_else(|| format!("{base}-{}", index + 1))
        }
        None => id
            .clone()
            .unwrap_or_else(|| format!("{base}-{}", index + 1)),
    };
    data.remove("annotation_source");
    let mut meta: Meta = data;
    let utf16 = ctx
        .opts
        .utf16_offsets
        .then(|| IndexedText::new(text.as_str()));
    let mut results: Option<Vec<Value>> = None;
    let mut lead_time = None;
    let mut pred_score = None;
    // The first prediction: what a predictions import reads, and what a task without a live
    // annotation gives.
    let first_prediction = match &predictions {
        Some(Value::Array(preds)) => preds.first(),
        _ => None,
    };
    if ctx.opts.predictions
        && let Some(p) = first_prediction
    {
        results = Some(result_list(p));
        pred_score = p.get("score").and_then(Value::as_f64);
        if let Some(v) = p.get("model_version").filter(|v| !v.is_null()) {
            meta.insert(super::MODEL_VERSION.into(), v.clone());
        }
    }
    if let Some(Value::Array(anns)) = annotations.filter(|_| results.is_none()) {
        let live: Vec<&Value> = anns
            .iter()
            .filter(|a| a.get("was_cancelled").and_then(Value::as_bool) != Some(true))
            .collect();
        if live.len() > 1 {
            ctx.warn(
                file,
                lno,
                ProblemKind::Unsupported,
                format!("task has {} annotations; the first is imported", live.len()),
            );
        }
        if let Some(a) = live.first() {
            results = Some(result_list(a));
            lead_time = a
                .get("lead_time")
                .and_then(Value::as_f64)
                .filter(|t| t.is_finite() && *t >= 0.0);
        }
    }
    if results.is_none()
        && let Some(p) = first_prediction
    {
        results = Some(result_list(p));
        meta.insert(
            "annotation_source".into(),
            Value::String("predictions".into()),
        );
    }
    let mut cands = Vec::new();
    let results = results.unwrap_or_default();
    let mut relations = Vec::new();
    let mut doc_labels = Vec::new();
    // Region id -> its first span (a candidate).
    let mut by_id: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut regions = Vec::new();
    let mut scores = Vec::new();
    for (k, r) in results.iter().enumerate() {
        match r.get("type").and_then(Value::as_str) {
            Some("relation") => {
                relations.push((k, r));
                continue;
            }
            Some("choices") if r.pointer("/value/start").is_none() => {
                match r.pointer("/value/choices").and_then(Value::as_array) {
                    Some(c) if c.iter().all(Value::is_string) => {
                        doc_labels.extend(c.iter().filter_map(Value::as_str).map(String::from));
                    }
                    _ => ctx.error(
                        file,
                        lno,
                        ProblemKind::Schema,
                        format!(
                            "result[{k}]: value.choices must be a list of strings; document \
                             labels skipped"
                        ),
                    ),
                }
                continue;
            }
            _ => {}
        }
        match result_spans(r, utf16.as_ref()) {
            Ok(Some(mut c)) => {
                if let Some(first) = c.first() {
                    if let Some(id) = r.get("id").filter(|i| i.is_string()) {
                        regions.push(super::span_row(
                            first.start,
                            first.end,
                            &first.label,
                            id.clone(),
                        ));
                    }
                    if let Some(id) = r.get("id").and_then(region_id) {
                        by_id.entry(id).or_insert(cands.len());
                    }
                }
                if ctx.opts.predictions
                    && let Some(sc) = r.get("score").and_then(Value::as_f64).or(pred_score)
                {
                    scores.extend(
                        c.iter()
                            .map(|x| super::span_row(x.start, x.end, &x.label, sc.into())),
                    );
                }
                cands.append(&mut c);
            }
            Ok(None) => ctx.warn(
                file,
                lno,
                ProblemKind::Unsupported,
                format!("result[{k}] is not of type \"labels\"; dropped"),
            ),
            Err((kind, m)) => ctx.error(file, lno, kind, format!("result[{k}]: {m}; span skipped")),
        }
    }
    let rels = ctx.read_relations(file, lno, "result", relations.iter().copied(), |r| {
        relation_result(r, &by_id)
    });
    // Ours, not the input's, whatever its data held under this name.
    meta.remove(REGION_IDS);
    if !relations.is_empty() {
        meta.insert(REGION_IDS.into(), Value::Array(regions));
    }
    if !scores.is_empty() {
        meta.insert(super::SCORES.into(), Value::Array(scores));
    }
    Some((
        AnnotatedDocument {
            name,
            text,
            meta,
            active_seconds: lead_time,
            doc_labels,
            ..Default::default()
        },
        cands,
        rels,
    ))
}

/// A region id as Label Studio writes it (a string; a number is read as its digits).
fn region_id(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The type a relation without labels gets.
pub const UNLABELLED: &str = "relation";

/// The `from_name` of the `choices` result holding a task's document labels.
pub const DOC_LABELS: &str = "doc_labels";

/// The relations of a relation result: (from, to) as candidates, and the type; one per
/// label, both ways for `"bi"`.
fn relation_result(
    r: &Value,
    by_id: &std::collections::HashMap<String, usize>,
) -> Result<Vec<(usize, usize, String)>, String> {
    let end = |k: &str| -> Result<usize, String> {
        let Some(id) = r.get(k).and_then(region_id) else {
            return Err(format!("\"{k}\" must be a region id"));
        };
        by_id
            .get(&id)
            .copied()
            .ok_or_else(|| format!("{k} {id:?} names no labels result of the task"))
    };
    let (a, b) = (end("from_id")?, end("to_id")?);
    let labels: Vec<String> = match r.get("labels") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(l)) if l.iter().all(Value::is_string) => l
            .iter()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect(),
        Some(_) => return Err("\"labels\" must be a list of strings".into()),
    };
    let labels = if labels.is_empty() {
        vec![UNLABELLED.to_string()]
    } else {
        labels
    };
    let ends: &[(usize, usize)] = match r.get("direction").and_then(Value::as_str) {
        Some("left") => &[(b, a)],
        Some("bi") => &[(a, b), (b, a)],
        _ => &[(a, b)],
    };
    Ok(labels
        .iter()
        .flat_map(|l| ends.iter().map(move |&(f, t)| (f, t, l.clone())))
        .collect())
}

/// The `result` list of an annotation or a prediction (empty when it has none).
fn result_list(v: &Value) -> Vec<Value> {
    v.get("result")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

fn result_spans(
    r: &Value,
    text: Option<&IndexedText>,
) -> Result<Option<Vec<Candidate>>, (ProblemKind, String)> {
    let Value::Object(o) = r else {
        return Err((
            ProblemKind::Schema,
            format!("expected an object, found {}", json_type(r)),
        ));
    };
    let ty = o.get("type").and_then(Value::as_str);
    let Some(Value::Object(v)) = o.get("value") else {
        return if ty == Some("labels") {
            Err((ProblemKind::Schema, "missing value".into()))
        } else {
            Ok(None)
        };
    };
    if ty.is_some_and(|t| t != "labels") || (ty.is_none() && !v.contains_key("labels")) {
        return Ok(None);
    }
    let s = to_char_offset(text, json_offset(v.get("start"), "value.start")?)?;
    let e = to_char_offset(text, json_offset(v.get("end"), "value.end")?)?;
    let expected = match v.get("text") {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) => Some(t.clone()),
        Some(other) => {
            return Err((
                ProblemKind::Schema,
                format!("value.text must be a string, found {}", json_type(other)),
            ));
        }
    };
    let Some(Value::Array(labels)) = v.get("labels") else {
        return Err((
            ProblemKind::Schema,
            "value.labels must be a list of strings".into(),
        ));
    };
    let mut out = Vec::new();
    for l in labels {
        let Value::String(l) = l else {
            return Err((
                ProblemKind::Schema,
                format!("a label must be a string, found {}", json_type(l)),
            ));
        };
        out.push(Candidate {
            start: s,
            end: e,
            label: l.clone(),
            expected: expected.clone(),
            line: None,
        });
    }
    Ok(Some(out))
}

/// A span of a prediction, with its score.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictedSpan {
    pub start: usize,
    pub end: usize,
    pub label: String,
    pub score: Option<f64>,
}

/// The spans of one prediction's results over `text` (label results only; relations and
/// other types are passed over), each with its score (the result's, else `score`). Offsets are read as code points (Python `str` indices, what an ML backend
/// in Python writes), or as UTF-16 units when only that reading fits the text each result
/// quotes. An error names the result and why.
pub fn prediction_spans(
    results: &[Value],
    text: &IndexedText,
    score: Option<f64>,
) -> Result<Vec<PredictedSpan>, String> {
    let mut out = Vec::new();
    for (k, r) in results.iter().enumerate() {
        let fits = |c: &[Candidate]| {
            c.iter().all(|x| {
                crate::domain::check_range(text, x.start, x.end, x.expected.as_deref()).is_ok()
            })
        };
        let cands = match result_spans(r, None) {
            Ok(Some(c)) if fits(&c) => c,
            Ok(Some(c)) => match result_spans(r, Some(text)) {
                Ok(Some(u)) if fits(&u) => u,
                _ => {
                    let x = &c[0];
                    let why =
                        crate::domain::check_range(text, x.start, x.end, x.expected.as_deref())
                            .err()
                            .map_or_else(String::new, |e| e.to_string());
                    return Err(format!(
                        "result[{k}] [{}, {}) {}: {why}",
                        x.start, x.end, x.label
                    ));
                }
            },
            Ok(None) => continue,
            Err((_, m)) => return Err(format!("result[{k}]: {m}")),
        };
        let sc = r.get("score").and_then(Value::as_f64).or(score);
        out.extend(cands.into_iter().map(|c| PredictedSpan {
            start: c.start,
            end: c.end,
            label: c.label,
            score: sc,
        }));
    }
    Ok(out)
}

/// Meta key an older tawsim kept a task's relation results in: never written into `data`.
const LEGACY_RELATIONS: &str = "ls_relations";
/// Meta key of the ids its label results came with: `[[start, end, "LABEL", "id"], ...]`.
pub(crate) const REGION_IDS: &str = "ls_region_ids";

/// The region ids a task's spans came with, by (start, end, label) in code points.
fn region_ids(meta: &Meta) -> std::collections::HashMap<(usize, usize, &str), &str> {
    super::span_rows(meta, REGION_IDS)
        .filter_map(|(span, id)| Some((span, id.as_str()?)))
        .collect()
}

pub(crate) fn export(
    docs: &mut dyn Iterator<Item = AnnotatedDocument>,
    w: &mut dyn Write,
    out: &Path,
    opts: &ExportOptions,
) -> Result<ExportReport, FormatError> {
    let mut report = ExportReport::default();
    // Task ids given so far: a document's own number when it is one and still free.
    let mut used = SeenIds::default();
    let mut take = |n: u64| {
        used.insert(&n).map_err(|e| {
            FormatError::Other(format!("the task ids given so far (a temporary file): {e}"))
        })
    };
    let mut next = 1u64;
    w.write_all(b"[").map_err(werr(out))?;
    let mut buf = String::new();
    for doc in docs {
        check_export_cancel(opts)?;
        let indexed = IndexedText::new(doc.text.as_str());
        let utf16 = opts.utf16_offsets.then(|| indexed.clone());
        let off = |c: usize| Value::from(from_char_offset(utf16.as_ref(), c));
        let own = doc
            .name
            .parse::<u64>()
            .ok()
            .filter(|n| n.to_string() == doc.name);
        let named_id = match own {
            Some(n) if take(n)? => Some(n),
            _ => None,
        };
        let id = match named_id {
            Some(n) => n,
            None => {
                while !take(next)? {
                    next += 1;
                }
                next
            }
        };
        buf.clear();
        buf.push_str(if report.documents == 0 {
            "\n  {"
        } else {
            ",\n  {"
        });
        let mut first = true;
        push_field(&mut buf, &mut first, "id", &Value::from(id));
        let mut data = String::from("{");
        let mut df = true;
        push_field(&mut data, &mut df, "text", &Value::String(doc.text.clone()));
        if named_id.is_none() {
            push_field(&mut data, &mut df, "name", &Value::String(doc.name.clone()));
        }
        for (k, v) in &doc.meta {
            if !matches!(
                k.as_str(),
                "text" | "name" | "annotation_source" | LEGACY_RELATIONS
            ) && !super::is_internal_meta(k)
            {
                push_field(&mut data, &mut df, k, v);
            }
        }
        data.push('}');
        buf.push_str(", \"data\": ");
        buf.push_str(&data);
        let given = region_ids(&doc.meta);
        let taken: HashSet<&str> = given.values().copied().collect();
        let fresh = |n: String| {
            let mut n = n;
            while taken.contains(n.as_str()) {
                n.push('_');
            }
            n
        };
        // Each span's region id, by its index in `doc.spans`.
        let mut rids = vec![String::new(); doc.spans.len()];
        let mut order: Vec<usize> = (0..doc.spans.len()).collect();
        order.sort_by(|&a, &b| doc.spans[a].cmp(&doc.spans[b]));
        let mut results = Vec::with_capacity(order.len() + doc.relations.len() + 1);
        for (k, &i) in order.iter().enumerate() {
            let s = &doc.spans[i];
            let mut r = String::from("{");
            let mut rf = true;
            let rid = match given.get(&(s.start, s.end, s.label.as_str())) {
                Some(g) => (*g).to_string(),
                None => fresh(format!("t{id}s{}", k + 1)),
            };
            push_field(&mut r, &mut rf, "id", &Value::String(rid.clone()));
            rids[i] = rid;
            push_field(&mut r, &mut rf, "from_name", &Value::String("label".into()));
            push_field(&mut r, &mut rf, "to_name", &Value::String("text".into()));
            push_field(&mut r, &mut rf, "type", &Value::String("labels".into()));
            let mut v = String::from("{");
            let mut vf = true;
            push_field(&mut v, &mut vf, "start", &off(s.start));
            push_field(&mut v, &mut vf, "end", &off(s.end));
            push_field(
                &mut v,
                &mut vf,
                "text",
                &Value::String(indexed.slice(s.start, s.end).unwrap_or("").to_string()),
            );
            push_field(
                &mut v,
                &mut vf,
                "labels",
                &Value::Array(vec![Value::String(s.label.clone())]),
            );
            v.push('}');
            r.push_str(", \"value\": ");
            r.push_str(&v);
            r.push('}');
            results.push(r);
        }
        for rel in &doc.relations {
            let (Some(a), Some(b)) = (rids.get(rel.from), rids.get(rel.to)) else {
                report.relations_left(
                    out,
                    1,
                    format!(
                        "task {:?}: relation {} not written: {}",
                        doc.name,
                        super::describe_relation(&doc, rel),
                        super::NO_SUCH_SPAN
                    ),
                );
                continue;
            };
            let mut r = String::from("{");
            let mut rf = true;
            push_field(&mut r, &mut rf, "from_id", &Value::String(a.clone()));
            push_field(&mut r, &mut rf, "to_id", &Value::String(b.clone()));
            push_field(&mut r, &mut rf, "type", &Value::String("relation".into()));
            push_field(&mut r, &mut rf, "direction", &Value::String("right".into()));
            push_field(
                &mut r,
                &mut rf,
                "labels",
                &Value::Array(vec![Value::String(rel.label.clone())]),
            );
            r.push('}');
            results.push(r);
        }
        if !doc.doc_labels.is_empty() {
            let mut r = String::from("{");
            let mut rf = true;
            push_field(
                &mut r,
                &mut rf,
                "id",
                &Value::String(fresh(format!("t{id}d"))),
            );
            push_field(
                &mut r,
                &mut rf,
                "from_name",
                &Value::String(DOC_LABELS.into()),
            );
            push_field(&mut r, &mut rf, "to_name", &Value::String("text".into()));
            push_field(&mut r, &mut rf, "type", &Value::String("choices".into()));
            let choices: Vec<Value> = doc.doc_labels.iter().cloned().map(Value::String).collect();
            r.push_str(", \"value\": {\"choices\": ");
            r.push_str(&Value::Array(choices).to_string());
            r.push_str("}}");
            results.push(r);
        }
        let predicted =
            doc.meta.get("annotation_source").and_then(Value::as_str) == Some("predictions");
        let key = if predicted {
            "predictions"
        } else {
            "annotations"
        };
        // The annotator's active time on the task, as Label Studio keeps it.
        let lead = match doc.active_seconds.filter(|_| !predicted) {
            Some(t) => format!(", \"lead_time\": {}", super::seconds_json(t)),
            None => String::new(),
        };
        buf.push_str(&format!(
            ", \"{key}\": [{{\"result\": [{}]{lead}}}]}}",
            results.join(", ")
        ));
        w.write_all(buf.as_bytes()).map_err(werr(out))?;
        report.documents += 1;
        report.spans += doc.spans.len();
    }
    w.write_all(if report.documents == 0 {
        b"]\n" as &[u8]
    } else {
        b"\n]\n"
    })
    .map_err(werr(out))?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::for_each_element;

    #[test]
    fn task_lines_are_found() {
        let dir = tempfile::tempdir().expect("tmp");
        let f = dir.path().join("t.json");
        std::fs::write(
            &f,
            "\u{FEFF}[\n  {\"a\": [1, {\"b\": \"}{\\\"\"}]},\n  {\"c\": 2}, 5,\n \"x,]\"\n]",
        )
        .expect("write");
        let mut seen = Vec::new();
        let listed = for_each_element(&f, |line, bytes| {
            seen.push((line, String::from_utf8_lossy(bytes).into_owned()));
            Ok(())
        })
        .expect("read");
        assert!(listed);
        assert_eq!(
            seen,
            [
                (2, "{\"a\": [1, {\"b\": \"}{\\\"\"}]}".to_string()),
                (3, "{\"c\": 2}".to_string()),
                (3, "5".to_string()),
                (4, "\"x,]\"".to_string()),
            ]
        );
        std::fs::write(&f, " {\"data\": {}}").expect("write");
        assert!(!for_each_element(&f, |_, _| Ok(())).expect("read"));
    }

    /// Texts with escaped quotes and backslashes, of every length, so that every kind of
    /// byte falls on the edge of the 64 KB read buffer somewhere in the file.
    #[test]
    fn elements_across_read_buffers_come_out_whole() {
        let dir = tempfile::tempdir().expect("tmp");
        let f = dir.path().join("t.json");
        let elements: Vec<String> = (0..3000)
            .map(|i| {
                let text = format!("{}\\\"}}]ن{}", "ب".repeat(i % 97), "\\".repeat(i % 5));
                serde_json::json!({"data": {"text": text}, "id": i}).to_string()
            })
            .collect();
        std::fs::write(&f, format!("[\n{}\n]\n", elements.join(",\n"))).expect("write");
        let mut seen = Vec::new();
        assert!(
            for_each_element(&f, |line, bytes| {
                seen.push((line, String::from_utf8_lossy(bytes).into_owned()));
                Ok(())
            })
            .expect("read")
        );
        let expected: Vec<(usize, String)> =
            elements.into_iter().zip(2..).map(|(e, l)| (l, e)).collect();
        assert!(seen == expected, "{} elements read", seen.len());
    }
}
