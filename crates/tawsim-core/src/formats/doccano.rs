//! doccano JSON Lines, both shapes: `{"text", "label": [[s, e, "TAG"], ...]}` and
//! `{"text", "entities": [{"id", "start_offset", "end_offset", "label"}], "relations":
//! [{"id", "from_id", "to_id", "type"}]}`, with document labels as `cats`.
//!
//! Import: the name is `name` (taken out of meta), else `id`, else `stem-LINE`; a `status`
//! that parses as a [`DocStatus`] is taken out of meta; every other key (`id`, ...) is kept
//! as metadata and written back. `entities` may also hold `[s, e, "TAG"]` triples (doccano's
//! intent detection and slot filling export).
//!
//! Relations (`{"id", "from_id", "to_id", "type"}`) point at entities by their ids and are
//! read into the document's relations; one naming an id no entity of the record has is an
//! error naming the file and line. A record with relations keeps its entities' ids (meta
//! [`ENTITY_IDS`], never written), so that the entities shape writes each span with the id
//! it came with (a new span: a new id, unused in the document) and an unchanged record
//! comes back as it was; entities of a record without relations are numbered 1, 2, ...
//! across the file. An empty `relations` list stays in meta, as it came.
//!
//! Document labels: doccano's `cats` (a list of label names: its intent detection export)
//! and, in a `label` list, plain strings (doccano 1.8's text classification export writes
//! `"label": ["politics"]`, where sequence labelling writes `[s, e, "TAG"]` triples).
//!
//! Export: the entities shape writes `entities` with ids and `relations` with `id`,
//! `from_id`, `to_id`, `type` (relation ids 1, 2, ... across the file); the label shape has
//! no entity ids for relations to point at: it writes none and reports each document's
//! relations as left out. Both shapes write the document labels as `cats`. A document
//! without relations and document labels is written exactly as before (`cats` only when
//! there are document labels).
//!
//! Export writes a `name` only where the record needs one to be read back with its name:
//! not when the name is the `id`, nor when it is the `stem-LINE` name the importer gave a
//! record that had neither (kept in meta [`DEFAULT_NAME`], never written), so such a line
//! is written back as it came, without a `name` it never had. A document renamed since, or
//! from another format, gets its `name`.

use super::{
    CandRelation, Candidate, DoccanoShape, ExportOptions, ExportReport, FormatError, ImportCtx,
    LineReader, ProblemKind, check_export_cancel, from_char_offset, json_offset, json_type, stem,
    to_char_offset, werr,
};
use crate::domain::{AnnotatedDocument, DocStatus, IndexedText, Meta};
use serde_json::Value;
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

pub(crate) fn import_file(
    file: &Path,
    ctx: &mut ImportCtx<'_>,
    sink: &mut dyn FnMut(AnnotatedDocument) -> Result<(), FormatError>,
) -> Result<(), FormatError> {
    let mut r = LineReader::open(file, true)?;
    let base = stem(file);
    while let Some(l) = r.next_line(ctx)? {
        let lno = l.no;
        let line = l.text.strip_suffix('\r').unwrap_or(l.text);
        if line.trim().is_empty() {
            continue;
        }
        if let Some(b) = line.find('\0') {
            let byte = l.start + b as u64;
            ctx.error(
                file,
                Some(lno),
                ProblemKind::Nul,
                format!("NUL byte at byte {byte}; record skipped"),
            );
            continue;
        }
        let Some(obj) = ctx.object_line(file, lno, line) else {
            continue;
        };
        if let Some((doc, cands, rels)) = read_record(file, lno, obj, &base, ctx) {
            ctx.finish_doc_with(file, Some(lno), doc, cands, rels, sink)?;
        }
    }
    Ok(())
}

fn id_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

type Record = (AnnotatedDocument, Vec<Candidate>, Vec<CandRelation>);

fn read_record(
    file: &Path,
    lno: usize,
    mut obj: Meta,
    base: &str,
    ctx: &mut ImportCtx<'_>,
) -> Option<Record> {
    let text = match obj.remove("text") {
        Some(Value::String(s)) => s,
        Some(other) => {
            ctx.error(
                file,
                Some(lno),
                ProblemKind::Schema,
                format!(
                    "\"text\" must be a string, found {}; record skipped",
                    json_type(&other)
                ),
            );
            return None;
        }
        None => {
            ctx.error(
                file,
                Some(lno),
                ProblemKind::Schema,
                "missing \"text\"; record skipped",
            );
            return None;
        }
    };
    if let Some(id) = obj.get("id").and_then(id_string)
        && !ctx.claim_id(file, Some(lno), &id)
    {
        return None;
    }
    // A key of that name in the input is the input's, not ours.
    obj.remove(DEFAULT_NAME);
    let name = match obj.remove("name") {
        Some(Value::String(s)) => s,
        Some(other) => {
            obj.insert("name".into(), other);
            default_name(&mut obj, base, lno)
        }
        None => default_name(&mut obj, base, lno),
    };
    // The annotator's active time (tawsim writes it as Label Studio names it).
    let lead_time = match obj.get("lead_time").and_then(Value::as_f64) {
        Some(t) if t.is_finite() && t >= 0.0 => {
            obj.remove("lead_time");
            Some(t)
        }
        _ => None,
    };
    let mut status = DocStatus::New;
    if let Some(st) = obj
        .get("status")
        .and_then(Value::as_str)
        .and_then(DocStatus::parse)
    {
        status = st;
        obj.remove("status");
    }
    let indexed = utf16_index(&text, ctx.opts.utf16_offsets);
    let mut cands = Vec::new();
    let bad = |ctx: &mut ImportCtx<'_>, (kind, msg): (ProblemKind, String)| {
        ctx.error(file, Some(lno), kind, format!("{msg}; span skipped"));
    };
    let mut doc_labels = Vec::new();
    match obj.remove("label") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                if let Value::String(l) = item {
                    doc_labels.push(l.clone());
                    continue;
                }
                match label_entry(item, indexed.as_ref()) {
                    Ok(c) => cands.push(c),
                    Err((k, m)) => bad(ctx, (k, format!("label[{i}]: {m}"))),
                }
            }
        }
        Some(other) => {
            bad(
                ctx,
                (
                    ProblemKind::Schema,
                    format!("\"label\" must be an array, found {}", json_type(&other)),
                ),
            );
        }
    }
    match obj.get("cats") {
        Some(Value::Array(cats)) if cats.iter().all(Value::is_string) => {
            doc_labels.extend(cats.iter().filter_map(Value::as_str).map(String::from));
            obj.remove("cats");
        }
        Some(_) => ctx.warn(
            file,
            Some(lno),
            ProblemKind::Unsupported,
            "\"cats\" is not a list of label names; kept as metadata",
        ),
        None => {}
    }
    // A key of that name in the input is the input's, not ours.
    obj.remove(ENTITY_IDS);
    let relations = match obj.get("relations") {
        Some(Value::Array(r)) if !r.is_empty() => {
            let r = r.clone();
            obj.remove("relations");
            r
        }
        _ => Vec::new(),
    };
    // Entity id -> its candidate (`None`: the entity was left out).
    let mut by_id: HashMap<String, Option<usize>> = HashMap::new();
    match obj.remove("entities") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            let mut ids = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let id = item.get("id").and_then(id_string);
                let entry = if item.is_array() {
                    label_entry(item, indexed.as_ref())
                } else {
                    entity_entry(item, indexed.as_ref())
                };
                match entry {
                    Ok(c) => {
                        let mut fresh_id = true;
                        if let Some(id) = &id {
                            if by_id.contains_key(id) {
                                fresh_id = false;
                                ctx.error(
                                    file,
                                    Some(lno),
                                    ProblemKind::Schema,
                                    format!(
                                        "entities[{i}]: id {id} is an earlier entity's; \
                                         relations name the first"
                                    ),
                                );
                            } else {
                                by_id.insert(id.clone(), Some(cands.len()));
                            }
                        }
                        if !relations.is_empty()
                            && fresh_id
                            && let Some(n) = item.get("id").filter(|v| v.is_u64())
                        {
                            ids.push(super::span_row(c.start, c.end, &c.label, n.clone()));
                        }
                        cands.push(c);
                    }
                    Err((k, m)) => {
                        if let Some(id) = id {
                            by_id.entry(id).or_insert(None);
                        }
                        bad(ctx, (k, format!("entities[{i}]: {m}")));
                    }
                }
            }
            if !ids.is_empty() {
                obj.insert(ENTITY_IDS.into(), Value::Array(ids));
            }
        }
        Some(other) => {
            bad(
                ctx,
                (
                    ProblemKind::Schema,
                    format!("\"entities\" must be an array, found {}", json_type(&other)),
                ),
            );
        }
    }
    let rels = ctx.read_relations(
        file,
        Some(lno),
        "relations",
        relations.iter().enumerate(),
        |r| relation_entry(r, &by_id).map(|x| vec![x]),
    );
    Some((
        AnnotatedDocument {
            doc_labels,
            name,
            text,
            meta: obj,
            status,
            active_seconds: lead_time,
            ..Default::default()
        },
        cands,
        rels,
    ))
}

/// A relation of the entities shape: (from, to) as candidates, and its type.
fn relation_entry(
    r: &Value,
    by_id: &HashMap<String, Option<usize>>,
) -> Result<(usize, usize, String), String> {
    let Value::Object(o) = r else {
        return Err(format!(
            "expected {{\"id\", \"from_id\", \"to_id\", \"type\"}}, found {}",
            json_type(r)
        ));
    };
    let end = |k: &str| -> Result<usize, String> {
        let Some(id) = o.get(k).and_then(id_string) else {
            return Err(format!("\"{k}\" must be an entity id"));
        };
        match by_id.get(&id) {
            Some(Some(c)) => Ok(*c),
            Some(None) => Err(format!(
                "{k} {id} names an entity that was left out (see its own problem)"
            )),
            None => Err(format!("{k} {id} names no entity of the record")),
        }
    };
    let (from, to) = (end("from_id")?, end("to_id")?);
    match o.get("type") {
        Some(Value::String(t)) => Ok((from, to, t.clone())),
        Some(other) => Err(format!(
            "\"type\" must be a string, found {}",
            json_type(other)
        )),
        None => Err("missing \"type\"".into()),
    }
}

/// Meta key holding the name the importer made up (`stem-LINE`) for a record with neither a
/// string `name` nor an `id`, so that export does not add a `name` the record did not have.
/// Exporters never write it.
pub(crate) const DEFAULT_NAME: &str = "doccano_default_name";

/// Meta key holding, for a record with relations, the ids its entities came with:
/// `[[start, end, "LABEL", id], ...]` in code points. Exporters never write it.
pub(crate) const ENTITY_IDS: &str = "doccano_entity_ids";

/// Whether meta holds a non-empty `relations` list (one kept by an older tawsim, before
/// relations were read as such): never written as metadata.
fn legacy_relations(meta: &Meta) -> bool {
    matches!(meta.get("relations"), Some(Value::Array(r)) if !r.is_empty())
}

/// The name of a record without a string `name`: its `id`, else `stem-LINE` (then noted in
/// meta [`DEFAULT_NAME`]).
fn default_name(obj: &mut Meta, base: &str, lno: usize) -> String {
    if let Some(id) = obj.get("id").and_then(id_string) {
        return id;
    }
    let name = format!("{base}-{lno}");
    obj.insert(DEFAULT_NAME.into(), Value::String(name.clone()));
    name
}

type EntryResult = Result<Candidate, (ProblemKind, String)>;

fn label_entry(item: &Value, text: Option<&IndexedText>) -> EntryResult {
    let Value::Array(a) = item else {
        return Err((
            ProblemKind::Schema,
            format!(
                "expected [start, end, \"LABEL\"], found {}",
                json_type(item)
            ),
        ));
    };
    if a.len() < 3 {
        return Err((
            ProblemKind::Schema,
            format!("expected [start, end, \"LABEL\"], found {} items", a.len()),
        ));
    }
    let s = json_offset(a.first(), "start")?;
    let e = json_offset(a.get(1), "end")?;
    let label = match a.get(2) {
        Some(Value::String(l)) => l.clone(),
        Some(other) => {
            return Err((
                ProblemKind::Schema,
                format!("label must be a string, found {}", json_type(other)),
            ));
        }
        None => return Err((ProblemKind::Schema, "missing label".into())),
    };
    Ok(Candidate {
        start: to_char_offset(text, s)?,
        end: to_char_offset(text, e)?,
        label,
        expected: None,
        line: None,
    })
}

fn entity_entry(item: &Value, text: Option<&IndexedText>) -> EntryResult {
    let Value::Object(o) = item else {
        return Err((
            ProblemKind::Schema,
            format!("expected an entity object, found {}", json_type(item)),
        ));
    };
    let s = json_offset(o.get("start_offset"), "start_offset")?;
    let e = json_offset(o.get("end_offset"), "end_offset")?;
    let label = match o.get("label") {
        Some(Value::String(l)) => l.clone(),
        Some(other) => {
            return Err((
                ProblemKind::Schema,
                format!("label must be a string, found {}", json_type(other)),
            ));
        }
        None => return Err((ProblemKind::Schema, "missing label".into())),
    };
    Ok(Candidate {
        start: to_char_offset(text, s)?,
        end: to_char_offset(text, e)?,
        label,
        expected: None,
        line: None,
    })
}

/// The ids a record's entities came with, by (start, end, label) in code points.
fn given_ids(meta: &Meta) -> HashMap<(usize, usize, &str), u64> {
    super::span_rows(meta, ENTITY_IDS)
        .filter_map(|(span, id)| Some((span, id.as_u64()?)))
        .collect()
}

/// The index UTF-16 offsets need, only when they are used.
pub(crate) fn utf16_index(text: &str, utf16: bool) -> Option<IndexedText> {
    utf16.then(|| IndexedText::new(text))
}

/// Appends `"key": value` (with a leading comma unless first).
pub(crate) fn push_field(out: &mut String, first: &mut bool, key: &str, value: &Value) {
    push_key(out, first, key);
    match value {
        Value::String(s) => push_json_str(out, s),
        other => out.push_str(&other.to_string()),
    }
}

/// Appends `"key": "text"` without making a JSON value of the text first.
pub(crate) fn push_str_field(out: &mut String, first: &mut bool, key: &str, text: &str) {
    push_key(out, first, key);
    push_json_str(out, text);
}

/// Appends `"key": ` (after `, ` unless it is the first field); the value is the caller's.
pub(crate) fn push_key(out: &mut String, first: &mut bool, key: &str) {
    if !*first {
        out.push_str(", ");
    }
    *first = false;
    push_json_str(out, key);
    out.push_str(": ");
}

/// Appends `items` as a JSON array the way `serde_json` writes one (`[a,b]`, no spaces),
/// each written by `item`.
pub(crate) fn push_array<T>(
    out: &mut String,
    items: impl IntoIterator<Item = T>,
    mut item: impl FnMut(&mut String, T),
) {
    out.push('[');
    for (k, t) in items.into_iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        item(out, t);
    }
    out.push(']');
}

/// Appends `s` as a JSON string, escaped exactly as `serde_json` escapes it (`"` and `\`,
/// the short escapes `\b \f \n \r \t`, other control characters as `\u00XX`; nothing
/// else), so exports stay byte for byte what they were.
pub(crate) fn push_json_str(out: &mut String, s: &str) {
    // 0: as it is; b'u': \u00XX; else the letter of a short escape.
    const ESCAPE: [u8; 256] = {
        let mut t = [0u8; 256];
        let mut b = 0;
        while b < 0x20 {
            t[b] = b'u';
            b += 1;
        }
        t[0x08] = b'b';
        t[0x0c] = b'f';
        t[b'\n' as usize] = b'n';
        t[b'\r' as usize] = b'r';
        t[b'\t' as usize] = b't';
        t[b'"' as usize] = b'"';
        t[b'\\' as usize] = b'\\';
        t
    };
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(s.len() + 2);
    out.push('"');
    let bytes = s.as_bytes();
    let mut from = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let e = ESCAPE[usize::from(b)];
        if e == 0 {
            continue;
        }
        out.push_str(&s[from..i]);
        out.push('\\');
        if e == b'u' {
            out.push_str("u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        } else {
            out.push(char::from(e));
        }
        from = i + 1;
    }
    out.push_str(&s[from..]);
    out.push('"');
}

pub(crate) fn export(
    docs: &mut dyn Iterator<Item = AnnotatedDocument>,
    w: &mut dyn Write,
    out: &Path,
    opts: &ExportOptions,
) -> Result<ExportReport, FormatError> {
    let mut report = ExportReport::default();
    let mut entity_id = 0u64;
    let mut relation_id = 0u64;
    let mut line = String::new();
    for doc in docs {
        check_export_cancel(opts)?;
        let indexed = utf16_index(&doc.text, opts.utf16_offsets);
        let off = |c: usize| Value::from(from_char_offset(indexed.as_ref(), c));
        // The spans in order, each with its index in `doc.spans` (what relations name).
        let mut order: Vec<usize> = (0..doc.spans.len()).collect();
        order.sort_by(|&a, &b| doc.spans[a].cmp(&doc.spans[b]));
        line.clear();
        line.push('{');
        let mut first = true;
        if let Some(id) = doc.meta.get("id") {
            push_field(&mut line, &mut first, "id", id);
        }
        push_str_field(&mut line, &mut first, "text", &doc.text);
        match opts.doccano_shape {
            DoccanoShape::Label => {
                for r in &doc.relations {
                    report.relations_left(
                        out,
                        1,
                        format!(
                            "document {:?}: relation {} not written: the label shape has no \
                             entity ids for it to point at (--entities writes them)",
                            doc.name,
                            super::describe_relation(&doc, r)
                        ),
                    );
                }
                let arr: Vec<Value> = order
                    .iter()
                    .map(|&i| {
                        let s = &doc.spans[i];
                        Value::Array(vec![
                            off(s.start),
                            off(s.end),
                            Value::String(s.label.clone()),
                        ])
                    })
                    .collect();
                push_field(&mut line, &mut first, "label", &Value::Array(arr));
            }
            DoccanoShape::Entities => {
                let given = given_ids(&doc.meta);
                // A new span's id: above every id of this document and of the file so far.
                if let Some(max) = given.values().max() {
                    entity_id = entity_id.max(*max);
                }
                // Each span's id, by its index in `doc.spans`.
                let mut ids = vec![0u64; doc.spans.len()];
                let mut arr = Vec::with_capacity(order.len());
                for &i in &order {
                    let s = &doc.spans[i];
                    let id = match given.get(&(s.start, s.end, s.label.as_str())) {
                        Some(&id) => id,
                        None => {
                            entity_id += 1;
                            entity_id
                        }
                    };
                    ids[i] = id;
                    let mut o = String::from("{");
                    let mut f = true;
                    push_field(&mut o, &mut f, "id", &Value::from(id));
                    push_field(&mut o, &mut f, "label", &Value::String(s.label.clone()));
                    push_field(&mut o, &mut f, "start_offset", &off(s.start));
                    push_field(&mut o, &mut f, "end_offset", &off(s.end));
                    o.push('}');
                    arr.push(o);
                }
                push_key(&mut line, &mut first, "entities");
                line.push('[');
                line.push_str(&arr.join(", "));
                line.push(']');
                let mut rels = Vec::with_capacity(doc.relations.len());
                for r in &doc.relations {
                    let (Some(&a), Some(&b)) = (ids.get(r.from), ids.get(r.to)) else {
                        report.relations_left(
                            out,
                            1,
                            format!(
                                "document {:?}: relation {} not written: {}",
                                doc.name,
                                super::describe_relation(&doc, r),
                                super::NO_SUCH_SPAN
                            ),
                        );
                        continue;
                    };
                    relation_id += 1;
                    let mut o = String::from("{");
                    let mut f = true;
                    push_field(&mut o, &mut f, "id", &Value::from(relation_id));
                    push_field(&mut o, &mut f, "from_id", &Value::from(a));
                    push_field(&mut o, &mut f, "to_id", &Value::from(b));
                    push_str_field(&mut o, &mut f, "type", &r.label);
                    o.push('}');
                    rels.push(o);
                }
                push_key(&mut line, &mut first, "relations");
                line.push('[');
                line.push_str(&rels.join(", "));
                line.push(']');
            }
        }
        if !doc.doc_labels.is_empty() {
            let cats: Vec<Value> = doc.doc_labels.iter().cloned().map(Value::String).collect();
            push_field(&mut line, &mut first, "cats", &Value::Array(cats));
        }
        let name_is_id = doc
            .meta
            .get("id")
            .and_then(id_string)
            .is_some_and(|id| id == doc.name);
        let name_is_default =
            doc.meta.get(DEFAULT_NAME).and_then(Value::as_str) == Some(doc.name.as_str());
        let write_name = !name_is_id && !name_is_default;
        if write_name {
            push_field(
                &mut line,
                &mut first,
                "name",
                &Value::String(doc.name.clone()),
            );
        }
        let write_status = doc.status != DocStatus::New;
        if write_status {
            push_field(
                &mut line,
                &mut first,
                "status",
                &Value::String(doc.status.as_str().into()),
            );
        }
        if let Some(t) = doc.active_seconds {
            push_field(&mut line, &mut first, "lead_time", &super::seconds_json(t));
        }
        for (k, v) in &doc.meta {
            let taken = matches!(k.as_str(), "id" | "text" | "label" | "entities")
                || super::is_internal_meta(k)
                || (k == "relations"
                    && (opts.doccano_shape == DoccanoShape::Entities
                        || !doc.relations.is_empty()
                        || legacy_relations(&doc.meta)))
                || (k == "cats" && !doc.doc_labels.is_empty())
                || (k == "lead_time" && doc.active_seconds.is_some())
                || (k == "name" && write_name)
                || (k == "status" && write_status);
            if !taken {
                push_field(&mut line, &mut first, k, v);
            }
        }
        line.push_str("}\n");
        w.write_all(line.as_bytes()).map_err(werr(out))?;
        report.documents += 1;
        report.spans += order.len();
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    proptest::proptest! {
        #[test]
        fn strings_are_escaped_as_serde_json_escapes_them(s in "\\PC*|[\\x00-\\x7f]*") {
            let mut out = String::new();
            super::push_json_str(&mut out, &s);
            proptest::prop_assert_eq!(out, serde_json::to_string(&s).expect("json"));
        }
    }
}
