//! Label Studio JSON: a list of tasks `{"id", "data": {"text", ...}, "annotations":
//! [{"result": [{"type": "labels", "value": {"start", "end", "text", "labels"}}]}],
//! "predictions": [...]}`. The file is parsed whole (a single JSON document).
//!
//! Import: the first annotation not cancelled gives the spans; a task without one takes
//! its first prediction instead and gets meta `annotation_source: "predictions"` (export
//! writes such a document back as a prediction). Other `data` keys are kept as meta; the
//! name is `data.name`, else the task id, else `stem-N`. Results of other types are warned
//! and dropped. Problems name the line where the task starts.
//!
//! Export: a JSON list of tasks with `from_name: "label"`, `to_name: "text"`,
//! `type: "labels"`; the task id is the name when it is a free integer, else the next one.

use super::doccano::push_field;
use super::{
    Candidate, ExportOptions, ExportReport, FormatError, ImportCtx, ProblemKind,
    check_export_cancel, from_char_offset, json_offset, json_type, read_utf8, stem, to_char_offset,
    werr,
};
use crate::domain::{AnnotatedDocument, IndexedText, Meta};
use serde_json::Value;
use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

/// Line numbers where each element of the top-level array starts.
fn element_lines(s: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let (mut depth, mut in_str, mut esc, mut line) = (0usize, false, false, 1usize);
    for b in s.bytes() {
        if b == b'\n' {
            line += 1;
        }
        if in_str {
            if esc {
                esc = false;
            } else if b == b'\\' {
                esc = true;
            } else if b == b'"' {
                in_str = false;
            }
            continue;
        }
        match b {
            b'"' => {
                if depth == 1 {
                    out.push(line);
                }
                in_str = true;
            }
            b'{' | b'[' => {
                if depth == 1 {
                    out.push(line);
                }
                depth += 1;
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            b' ' | b'\t' | b'\r' | b'\n' | b',' | b':' => {}
            _ => {
                if depth == 1 {
                    // A scalar element: record only its first byte.
                    if out.last() != Some(&line) {
                        out.push(line);
                    }
                }
            }
        }
    }
    out
}

pub(crate) fn import_file(
    file: &Path,
    ctx: &mut ImportCtx<'_>,
    sink: &mut dyn FnMut(AnnotatedDocument) -> Result<(), FormatError>,
) -> Result<(), FormatError> {
    let content = read_utf8(file, ctx)?;
    let body = content.strip_prefix('\u{FEFF}').unwrap_or(&content);
    let value: Value = serde_json::from_str(body).map_err(|e| FormatError::Parse {
        file: file.to_path_buf(),
        line: e.line(),
        message: format!("invalid JSON: {e}"),
    })?;
    let (tasks, lines) = match value {
        Value::Array(a) => (a, element_lines(body)),
        Value::Object(o) => (vec![Value::Object(o)], vec![1]),
        other => {
            return Err(FormatError::Parse {
                file: file.to_path_buf(),
                line: 1,
                message: format!("expected a list of tasks, found {}", json_type(&other)),
            });
        }
    };
    let base = stem(file);
    for (i, task) in tasks.into_iter().enumerate() {
        ctx.check_cancel()?;
        let lno = lines.get(i).copied();
        if let Some((doc, cands)) = read_task(file, lno, i, task, &base, ctx) {
            ctx.finish_doc(file, lno, doc, cands, sink)?;
        }
    }
    Ok(())
}

fn read_task(
    file: &Path,
    lno: Option<usize>,
    index: usize,
    task: Value,
    base: &str,
    ctx: &mut ImportCtx<'_>,
) -> Option<(AnnotatedDocument, Vec<Candidate>)> {
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
    if let Some(Value::Array(anns)) = annotations {
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
            results = Some(
                a.get("result")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
            );
        }
    }
    if results.is_none()
        && let Some(Value::Array(preds)) = predictions
        && let Some(p) = preds.first()
    {
        results = Some(
            p.get("result")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        );
        meta.insert(
            "annotation_source".into(),
            Value::String("predictions".into()),
        );
    }
    let mut cands = Vec::new();
    for (k, r) in results.unwrap_or_default().iter().enumerate() {
        match result_spans(r, utf16.as_ref()) {
            Ok(Some(mut c)) => cands.append(&mut c),
            Ok(None) => ctx.warn(
                file,
                lno,
                ProblemKind::Unsupported,
                format!("result[{k}] is not of type \"labels\"; dropped"),
            ),
            Err((kind, m)) => ctx.error(file, lno, kind, format!("result[{k}]: {m}; span skipped")),
        }
    }
    Some((
        AnnotatedDocument {
            name,
            text,
            meta,
            ..Default::default()
        },
        cands,
    ))
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

pub(crate) fn export(
    docs: &mut dyn Iterator<Item = AnnotatedDocument>,
    w: &mut dyn Write,
    out: &Path,
    opts: &ExportOptions,
) -> Result<ExportReport, FormatError> {
    let mut report = ExportReport::default();
    let mut used: HashSet<u64> = HashSet::new();
    let mut next = 1u64;
    w.write_all(b"[").map_err(werr(out))?;
    let mut buf = String::new();
    for doc in docs {
        check_export_cancel(opts)?;
        let indexed = IndexedText::new(doc.text.as_str());
        let utf16 = opts.utf16_offsets.then(|| indexed.clone());
        let off = |c: usize| Value::from(from_char_offset(utf16.as_ref(), c));
        let named_id = doc
            .name
            .parse::<u64>()
            .ok()
            .filter(|n| n.to_string() == doc.name && !used.contains(n));
        let id = match named_id {
            Some(n) => n,
            None => {
                while used.contains(&next) {
                    next += 1;
                }
                next
            }
        };
        used.insert(id);
        let mut spans = doc.spans.clone();
        spans.sort();
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
            if !matches!(k.as_str(), "text" | "name" | "annotation_source")
                && k != super::doccano::DEFAULT_NAME
            {
                push_field(&mut data, &mut df, k, v);
            }
        }
        data.push('}');
        buf.push_str(", \"data\": ");
        buf.push_str(&data);
        let mut results = Vec::with_capacity(spans.len());
        for (k, s) in spans.iter().enumerate() {
            let mut r = String::from("{");
            let mut rf = true;
            push_field(
                &mut r,
                &mut rf,
                "id",
                &Value::String(format!("t{id}s{}", k + 1)),
            );
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
        let predicted =
            doc.meta.get("annotation_source").and_then(Value::as_str) == Some("predictions");
        let key = if predicted {
            "predictions"
        } else {
            "annotations"
        };
        buf.push_str(&format!(
            ", \"{key}\": [{{\"result\": [{}]}}]}}",
            results.join(", ")
        ));
        w.write_all(buf.as_bytes()).map_err(werr(out))?;
        report.documents += 1;
        report.spans += spans.len();
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
    use super::element_lines;

    #[test]
    fn task_lines_are_found() {
        let s = "[\n  {\"a\": [1, {\"b\": \"}{\"}]},\n  {\"c\": 2}\n]";
        assert_eq!(element_lines(s), vec![2, 3]);
    }
}
