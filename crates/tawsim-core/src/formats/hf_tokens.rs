//! Hugging Face token classification JSON Lines: `{"id", "tokens": [...], "ner_tags":
//! [...]}` with the tag names in a sidecar `labels.json` (a list; `ner_tags` are indexes
//! into it; IOB2 names such as `O`, `B-PER`, `I-PER`).
//!
//! Import: `labels.json` is read from the file's folder (a list of names, or an object
//! `{"0": "O", ...}`); without it `ner_tags` must be tag names. The text is the tokens joined
//! by single spaces; the name is `id`. Other keys are kept as meta.
//!
//! Relations and document labels, tawsim's own columns: `"relations": [{"from": 0, "to":
//! 2, "type": "works_for"}]`, where `from` and `to` index the row's spans, the entities its
//! `ner_tags` give in the order they start; and `"doc_labels": ["politics"]`. Export writes
//! them only for a document that has some (on every row of such a document, `relations`
//! holding the row's own); a relation whose ends are in two rows (`--split`), or one of
//! whose spans is not written, is reported as left out. Import reads them back (a relation
//! naming a span the row does not have is an error naming the line).
//!
//! Export: one line per document, tokenised like CoNLL (line breaks become token
//! boundaries); the format is flat, so a span overlapping another is reported and left
//! out. The tag names are `O` then `B-X`, `I-X` per label of the project in its order
//! (the same ids in every export of the project, whatever `--labels` keeps), written to
//! `<stem>.labels.json` beside the file, and to `labels.json` when there is none yet or it
//! is the same; a `labels.json` that lists other tags is left as it was, and the report
//! says so. Import reads `<stem>.labels.json`, else `labels.json`.

use super::tokens::{self, Tag, TagDecoder, parse_tag};
use super::{
    AtomicFile, Candidate, ExportOptions, ExportReport, FormatError, ImportCtx, LineReader,
    Problem, ProblemKind, TagScheme, check_export_cancel, json_type, read_utf8, stem, werr,
};
use crate::domain::{AnnotatedDocument, Meta};
use serde_json::Value;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The folder's shared sidecar, `labels.json`, beside an HF file.
#[must_use]
pub fn labels_path(file: &Path) -> PathBuf {
    match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.join("labels.json"),
        _ => PathBuf::from("labels.json"),
    }
}

/// The file's own sidecar: `train.jsonl` -> `train.labels.json`.
#[must_use]
pub fn own_labels_path(file: &Path) -> PathBuf {
    let stem = file
        .file_stem()
        .map_or_else(|| "labels".into(), |s| s.to_string_lossy().into_owned());
    file.with_file_name(format!("{stem}.labels.json"))
}

fn read_labels(file: &Path, ctx: &ImportCtx<'_>) -> Result<Option<Vec<String>>, FormatError> {
    let own = own_labels_path(file);
    let path = if own.is_file() {
        own
    } else {
        labels_path(file)
    };
    if !path.is_file() {
        return Ok(None);
    }
    let s = read_utf8(&path, ctx)?;
    let v: Value =
        serde_json::from_str(s.trim_start_matches('\u{FEFF}')).map_err(|e| FormatError::Parse {
            file: path.clone(),
            line: e.line(),
            message: format!("invalid JSON: {e}"),
        })?;
    let bad = |m: String| FormatError::Parse {
        file: path.clone(),
        line: 1,
        message: m,
    };
    match v {
        Value::Array(a) => a
            .into_iter()
            .map(|x| match x {
                Value::String(s) => Ok(s),
                other => Err(bad(format!(
                    "a label must be a string, found {}",
                    json_type(&other)
                ))),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Value::Object(o) => {
            let mut pairs = Vec::new();
            for (k, v) in o {
                let (Ok(i), Value::String(s)) = (k.parse::<usize>(), v) else {
                    return Err(bad(format!(
                        "expected {{\"0\": \"O\", ...}}, found key {k:?}"
                    )));
                };
                pairs.push((i, s));
            }
            pairs.sort();
            if pairs.iter().enumerate().any(|(i, (k, _))| i != *k) {
                return Err(bad("label ids must be 0..n".into()));
            }
            Ok(Some(pairs.into_iter().map(|(_, s)| s).collect()))
        }
        other => Err(bad(format!(
            "expected a list of labels, found {}",
            json_type(&other)
        ))),
    }
}

/// A row whose `tokens` and `ner_tags` are lists and whose tokens are all strings (most
/// rows), read with each token borrowed from the line when it has no escapes: no JSON value
/// and no allocation per token. Any other line fails here and is read as a JSON value,
/// which names what is wrong with it; a row read either way gives the same document.
struct FastRow<'a> {
    tokens: Vec<Token<'a>>,
    ner_tags: Vec<Value>,
    /// The other keys, as a JSON object (the last of a repeated key, as for a JSON value).
    rest: Meta,
}

/// A token's text, borrowed from the line when it can be.
#[derive(serde::Deserialize)]
struct Token<'a>(#[serde(borrow)] std::borrow::Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for FastRow<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Row;
        impl<'de> serde::de::Visitor<'de> for Row {
            type Value = FastRow<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a row with tokens and ner_tags")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<FastRow<'de>, A::Error> {
                let (mut tokens, mut ner_tags, mut rest) = (None, None, Meta::new());
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "tokens" => tokens = Some(map.next_value()?),
                        "ner_tags" => ner_tags = Some(map.next_value()?),
                        _ => {
                            rest.insert(key, map.next_value()?);
                        }
                    }
                }
                match (tokens, ner_tags) {
                    (Some(tokens), Some(ner_tags)) => Ok(FastRow {
                        tokens,
                        ner_tags,
                        rest,
                    }),
                    _ => Err(serde::de::Error::custom("tokens or ner_tags missing")),
                }
            }
        }
        d.deserialize_map(Row)
    }
}

/// A row's tokens: all strings, or JSON values of which some may not be.
enum Tokens<'a> {
    Strings(Vec<Token<'a>>),
    Values(Vec<Value>),
}

impl Tokens<'_> {
    fn len(&self) -> usize {
        match self {
            Tokens::Strings(t) => t.len(),
            Tokens::Values(t) => t.len(),
        }
    }

    /// Token `k`'s text, or the value that is not a string.
    fn get(&self, k: usize) -> Result<&str, &Value> {
        match self {
            Tokens::Strings(t) => Ok(t.get(k).map_or("", |t| &t.0)),
            Tokens::Values(t) => match t.get(k) {
                Some(Value::String(s)) => Ok(s),
                other => Err(other.unwrap_or(&Value::Null)),
            },
        }
    }
}

pub(crate) fn import_file(
    file: &Path,
    ctx: &mut ImportCtx<'_>,
    sink: &mut dyn FnMut(AnnotatedDocument) -> Result<(), FormatError>,
) -> Result<(), FormatError> {
    let names = read_labels(file, ctx)?;
    // Each id's tag, parsed once for the whole file.
    let id_tags: Option<Vec<Option<Tag<'_>>>> = names
        .as_ref()
        .map(|names| names.iter().map(|n| parse_tag(n)).collect());
    let mut r = LineReader::open(file, true)?;
    let base = stem(file);
    while let Some(l) = r.next_line(ctx)? {
        let lno = l.no;
        let line = l.text.strip_suffix('\r').unwrap_or(l.text);
        if line.trim().is_empty() {
            continue;
        }
        let (toks, tags, mut obj) = if let Ok(row) = serde_json::from_str::<FastRow<'_>>(line) {
            (Tokens::Strings(row.tokens), row.ner_tags, row.rest)
        } else {
            let Some(mut obj) = ctx.object_line(file, lno, line) else {
                continue;
            };
            let (Some(Value::Array(toks)), Some(Value::Array(tags))) =
                (obj.remove("tokens"), obj.remove("ner_tags"))
            else {
                ctx.error(
                    file,
                    Some(lno),
                    ProblemKind::Schema,
                    "\"tokens\" and \"ner_tags\" must be lists; record skipped",
                );
                continue;
            };
            (Tokens::Values(toks), tags, obj)
        };
        if toks.len() != tags.len() {
            let m = format!(
                "{} tokens but {} ner_tags; record skipped",
                toks.len(),
                tags.len()
            );
            ctx.error(file, Some(lno), ProblemKind::Schema, m);
            continue;
        }
        let name = match obj.remove("id") {
            Some(Value::String(s)) => s,
            Some(Value::Number(n)) => n.to_string(),
            Some(other) => {
                obj.insert("id".into(), other);
                format!("{base}-{lno}")
            }
            None => format!("{base}-{lno}"),
        };
        if !ctx.claim_id(file, Some(lno), &name) {
            continue;
        }
        let mut text = String::new();
        let mut chars = 0usize;
        let mut spans_tok: Vec<(usize, usize)> = Vec::new();
        let mut dec = TagDecoder::new(TagScheme::Iob2);
        let mut ok = true;
        for (k, tag) in tags.iter().enumerate() {
            let tok = match toks.get(k) {
                Ok(tok) => tok,
                Err(other) => {
                    ctx.error(
                        file,
                        Some(lno),
                        ProblemKind::Schema,
                        format!(
                            "a token must be a string, found {}; record skipped",
                            json_type(other)
                        ),
                    );
                    ok = false;
                    break;
                }
            };
            let parsed = match (tag, &id_tags) {
                (Value::Number(n), Some(id_tags)) => n
                    .as_u64()
                    .and_then(|i| id_tags.get(usize::try_from(i).ok()?).copied().flatten()),
                (Value::String(s), _) => parse_tag(s),
                _ => None,
            };
            let Some(parsed) = parsed else {
                ctx.error(
                    file,
                    Some(lno),
                    ProblemKind::BadTag,
                    format!("ner_tag {tag} is not a known tag; record skipped"),
                );
                ok = false;
                break;
            };
            if tok.is_empty() {
                ctx.warn(
                    file,
                    Some(lno),
                    ProblemKind::EmptyToken,
                    "empty token; skipped",
                );
                continue;
            }
            if !spans_tok.is_empty() {
                text.push(' ');
                chars += 1;
            }
            let n = tok.chars().count();
            text.push_str(tok);
            let idx = spans_tok.len();
            spans_tok.push((chars, chars + n));
            chars += n;
            for label in dec.token(idx, std::slice::from_ref(&parsed), lno) {
                ctx.report.repaired += 1;
                ctx.warn(
                    file,
                    Some(lno),
                    ProblemKind::Repaired,
                    format!("I-{label} without B-{label}: starts an entity"),
                );
            }
        }
        if !ok {
            continue;
        }
        dec.close_all(spans_tok.len());
        let mut cands: Vec<Candidate> = dec
            .take()
            .into_iter()
            .map(|s| Candidate {
                start: spans_tok[s.start].0,
                end: spans_tok[s.end - 1].1,
                label: s.label,
                expected: None,
                line: None,
            })
            .collect();
        // The row's spans in the order they start: what `relations` index.
        cands.sort_by(|a, b| (a.start, a.end, &a.label).cmp(&(b.start, b.end, &b.label)));
        let mut rels = Vec::new();
        match obj.remove("relations") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                let n = cands.len();
                rels = ctx.read_relations(
                    file,
                    Some(lno),
                    "relations",
                    items.iter().enumerate(),
                    |r| row_relation(r, n).map(|x| vec![x]),
                );
            }
            Some(other) => ctx.error(
                file,
                Some(lno),
                ProblemKind::Schema,
                format!(
                    "\"relations\" must be a list, found {}; relations skipped",
                    json_type(&other)
                ),
            ),
        }
        let mut doc_labels = Vec::new();
        match obj.remove("doc_labels") {
            None | Some(Value::Null) => {}
            Some(Value::Array(l)) if l.iter().all(Value::is_string) => {
                doc_labels.extend(l.iter().filter_map(Value::as_str).map(String::from));
            }
            Some(_) => ctx.error(
                file,
                Some(lno),
                ProblemKind::Schema,
                "\"doc_labels\" must be a list of label names; document labels skipped",
            ),
        }
        let meta: Meta = obj;
        ctx.finish_doc_with(
            file,
            Some(lno),
            AnnotatedDocument {
                name,
                text,
                meta,
                doc_labels,
                ..Default::default()
            },
            cands,
            rels,
            sink,
        )?;
    }
    Ok(())
}

/// A relation of a row: (from, to) as indices into its `n` spans, and its type.
fn row_relation(r: &Value, n: usize) -> Result<(usize, usize, String), String> {
    let Value::Object(o) = r else {
        return Err(format!(
            "expected {{\"from\", \"to\", \"type\"}}, found {}",
            json_type(r)
        ));
    };
    let end = |k: &str| -> Result<usize, String> {
        let i = o
            .get(k)
            .and_then(Value::as_u64)
            .and_then(|i| usize::try_from(i).ok())
            .ok_or_else(|| format!("\"{k}\" must be the index of a span of the row"))?;
        if i < n {
            Ok(i)
        } else {
            Err(format!(
                "\"{k}\": {i} names a span the row does not have ({n} spans)"
            ))
        }
    };
    let (from, to) = (end("from")?, end("to")?);
    match o.get("type") {
        Some(Value::String(t)) => Ok((from, to, t.clone())),
        _ => Err("\"type\" must be a string".into()),
    }
}

/// The rows `[a, b)` of a document's tokens under `split`: sentences end after a token
/// that may end one, unless the next token continues an entity; `MaxTokens` packs whole
/// sentences into rows of at most N tokens and cuts a longer sentence where no entity
/// continues (inside one only when an entity alone is longer than N).
fn rows(inside: &[bool], ends: &[bool], split: super::TokenSplit) -> Vec<(usize, usize)> {
    use super::TokenSplit;
    let n = inside.len();
    if n == 0 || split == TokenSplit::Documents {
        return vec![(0, n)];
    }
    let mut sentences = Vec::new();
    let mut start = 0;
    for i in 0..n {
        let next_continues = i + 1 < n && inside[i + 1];
        if (ends[i] && !next_continues) || i + 1 == n {
            sentences.push((start, i + 1));
            start = i + 1;
        }
    }
    let TokenSplit::MaxTokens(max) = split else {
        return sentences;
    };
    let max = max.max(1);
    // Sentences longer than max, cut where no entity continues.
    let mut pieces = Vec::new();
    for (a, b) in sentences {
        let mut a = a;
        while b - a > max {
            let cut = (a + 1..=a + max)
                .rev()
                .find(|&j| !inside[j])
                .unwrap_or(a + max);
            pieces.push((a, cut));
            a = cut;
        }
        pieces.push((a, b));
    }
    // Whole pieces packed into rows of at most max.
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (a, b) in pieces {
        match out.last_mut() {
            Some(last) if b - last.0 <= max => last.1 = b,
            _ => out.push((a, b)),
        }
    }
    out
}

/// Each row's `relations` (`{"from", "to", "type"}`, indices into the row's spans in the
/// order they start); a relation whose ends are not both written spans of one row is
/// reported as left out.
fn row_relations(
    doc: &AnnotatedDocument,
    written: &[bool],
    tok_start: &[usize],
    (starts_entity, inside): (&[bool], &[bool]),
    rows: &[(usize, usize)],
    out: &Path,
    report: &mut ExportReport,
) -> Vec<Vec<Value>> {
    let mut per_row = vec![Vec::new(); rows.len()];
    if doc.relations.is_empty() {
        return per_row;
    }
    // A written span's (row, index among the row's spans).
    let place = |i: usize| -> Option<(usize, usize)> {
        if !*written.get(i)? {
            return None;
        }
        let t = tok_start.binary_search(&doc.spans[i].start).ok()?;
        let r = rows.partition_point(|&(_, b)| b <= t);
        let (a, _) = *rows.get(r)?;
        // A row starting inside an entity starts with it, for an importer.
        let n = (a..t)
            .filter(|&k| starts_entity[k] || (k == a && inside[k]))
            .count();
        Some((r, n))
    };
    for rel in &doc.relations {
        let why = match (place(rel.from), place(rel.to)) {
            (Some((ra, a)), Some((rb, b))) if ra == rb => {
                per_row[ra].push(serde_json::json!({"from": a, "to": b, "type": rel.label}));
                continue;
            }
            (Some(_), Some(_)) => "its spans are in two rows",
            _ if rel.from.max(rel.to) >= doc.spans.len() => super::NO_SUCH_SPAN,
            _ => "one of its spans is not written",
        };
        report.relations_left(
            out,
            1,
            format!(
                "document {:?}: relation {} not written: {why}",
                doc.name,
                super::describe_relation(doc, rel)
            ),
        );
    }
    per_row
}

pub(crate) fn export(
    docs: &mut dyn Iterator<Item = AnnotatedDocument>,
    out: &Path,
    opts: &ExportOptions,
) -> Result<ExportReport, FormatError> {
    let mut report = ExportReport::default();
    let mut file = AtomicFile::create(out)?;
    let mut names: Vec<String> = vec!["O".into()];
    let mut ids: HashMap<String, usize> = HashMap::from([("O".to_string(), 0)]);
    // The project's labels first, in its order: stable ids across exports and subsets.
    for label in &opts.label_order {
        for p in ["B-", "I-"] {
            let n = format!("{p}{label}");
            if !ids.contains_key(&n) {
                ids.insert(n.clone(), names.len());
                names.push(n);
            }
        }
    }
    {
        let mut w = std::io::BufWriter::with_capacity(1 << 16, file.writer());
        let mut line = String::new();
        let mut name_buf = String::new();
        let mut row_id = String::new();
        use std::fmt::Write as _;
        for doc in docs {
            check_export_cancel(opts)?;
            let bytes = tokens::TokenText::new(&doc.text);
            let lines = tokens::tokenize(&doc.text, &doc.spans, opts);
            let tagged = tokens::assign_tags(&lines, &doc.spans, TagScheme::Iob2, true);
            // Which spans are written: the ends relations may have.
            let written: Vec<bool> = doc
                .spans
                .iter()
                .map(|s| !tagged.misaligned.iter().any(|(m, _)| m == s))
                .collect();
            for (sp, why) in tagged.misaligned {
                let msg = format!(
                    "document {:?}: span [{}, {}) {} {why}; not written",
                    doc.name, sp.start, sp.end, sp.label
                );
                report
                    .misaligned
                    .push(Problem::new(out, None, ProblemKind::Misaligned, msg));
            }
            let mut toks = Vec::new();
            let mut tag_ids = Vec::new();
            // Per token: inside an entity (an I- tag), and whether a sentence may end after it.
            let mut inside = Vec::new();
            let mut ends = Vec::new();
            // Per token: where it starts, and whether an importer starts an entity there.
            let mut tok_start = Vec::new();
            let mut starts_entity = Vec::new();
            let mut prev: Option<&str> = None;
            for (l, t) in lines.iter().zip(&tagged.tags) {
                for (k, (&tok, tags)) in l.iter().zip(t).enumerate() {
                    let word = bytes.tok(tok);
                    tok_start.push(tok.0);
                    let tag = tags.first();
                    starts_entity
                        .push(tag.is_some_and(|t| t.prefix == 'B' || prev != Some(t.label)));
                    prev = tag.map(|t| t.label);
                    inside.push(tags.first().is_some_and(|t| t.prefix == 'I'));
                    ends.push(
                        k + 1 == l.len()
                            || matches!(word, "." | "!" | "?" | "؟" | "…" | "..." | "!?" | "؟!"),
                    );
                    toks.push(word);
                    let Some(t) = tags.first() else {
                        tag_ids.push(0); // O
                        continue;
                    };
                    name_buf.clear();
                    t.push_to(&mut name_buf);
                    let name = name_buf.as_str();
                    if !ids.contains_key(name) {
                        // Register B- and I- together so ids are stable and paired.
                        let label = name.get(2..).unwrap_or(name);
                        for p in ["B-", "I-"] {
                            let n = format!("{p}{label}");
                            if !ids.contains_key(&n) {
                                ids.insert(n.clone(), names.len());
                                names.push(n);
                            }
                        }
                    }
                    tag_ids.push(ids.get(name).copied().unwrap_or(0));
                }
            }
            let rows = rows(&inside, &ends, opts.token_split);
            let row_rels = row_relations(
                &doc,
                &written,
                &tok_start,
                (&starts_entity, &inside),
                &rows,
                out,
                &mut report,
            );
            if rows.iter().any(|&(a, b)| b > a && inside[a]) {
                report.warnings.push(Problem::new(
                    out,
                    None,
                    ProblemKind::Misaligned,
                    format!(
                        "document {:?}: an entity longer than a row was cut between rows",
                        doc.name
                    ),
                ));
            }
            for (r, &(a, b)) in rows.iter().enumerate() {
                line.clear();
                line.push('{');
                let mut first = true;
                let id = if rows.len() == 1 {
                    doc.name.as_str()
                } else {
                    row_id.clear();
                    let _ = write!(row_id, "{}#{}", doc.name, r + 1);
                    row_id.as_str()
                };
                super::doccano::push_str_field(&mut line, &mut first, "id", id);
                super::doccano::push_key(&mut line, &mut first, "tokens");
                super::doccano::push_array(&mut line, &toks[a..b], |l, t| {
                    super::doccano::push_json_str(l, t);
                });
                super::doccano::push_key(&mut line, &mut first, "ner_tags");
                super::doccano::push_array(&mut line, &tag_ids[a..b], |l, t| {
                    let _ = write!(l, "{t}");
                });
                if !doc.relations.is_empty() {
                    super::doccano::push_field(
                        &mut line,
                        &mut first,
                        "relations",
                        &Value::Array(row_rels[r].clone()),
                    );
                }
                if !doc.doc_labels.is_empty() {
                    let l = doc.doc_labels.iter().cloned().map(Value::String).collect();
                    super::doccano::push_field(
                        &mut line,
                        &mut first,
                        "doc_labels",
                        &Value::Array(l),
                    );
                }
                for (k, v) in &doc.meta {
                    let taken = matches!(k.as_str(), "id" | "tokens" | "ner_tags")
                        || super::is_internal_meta(k)
                        || (k == "relations" && !doc.relations.is_empty())
                        || (k == "doc_labels" && !doc.doc_labels.is_empty());
                    if !taken {
                        super::doccano::push_field(&mut line, &mut first, k, v);
                    }
                }
                line.push_str("}\n");
                w.write_all(line.as_bytes()).map_err(werr(out))?;
            }
            report.documents += 1;
            report.spans += tagged.written;
        }
        w.flush().map_err(werr(out))?;
    }
    let body =
        serde_json::to_string_pretty(&names).map_err(|e| FormatError::Other(e.to_string()))? + "\n";
    let own = own_labels_path(out);
    let mut lfile = AtomicFile::create(&own)?;
    lfile
        .writer()
        .write_all(body.as_bytes())
        .map_err(werr(&own))?;
    // The folder's labels.json (what loaders look for): written when there is none or it
    // lists the same tags; one that lists other tags (another project's export in this
    // folder) is never overwritten.
    let shared = labels_path(out);
    let existing = std::fs::read_to_string(&shared).ok();
    let same = existing
        .as_deref()
        .is_some_and(|e| serde_json::from_str::<Vec<String>>(e).is_ok_and(|v| v == names));
    let mut shared_file = None;
    match existing {
        None => {
            let mut f = AtomicFile::create(&shared)?;
            f.writer().write_all(body.as_bytes()).map_err(werr(&shared))?;
            shared_file = Some(f);
        }
        Some(_) if same => {}
        Some(_) => report.warnings.push(Problem::new(
            &shared,
            None,
            ProblemKind::Other,
            format!(
                "lists other tags than this export's, so it was left as it was; {} holds this export's tags",
                own.display()
            ),
        )),
    }
    file.commit(opts.force)?;
    lfile.commit(opts.force)?;
    if let Some(f) = shared_file {
        f.commit(true)?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row read the fast way holds what the same row read as a JSON value holds; rows
    /// the fast way cannot take are left to the JSON value, which names their fault.
    #[test]
    fn a_row_read_fast_is_the_row_read_as_a_json_value() {
        let taken = [
            r#"{"id": "a", "tokens": ["زار", "الوفد"], "ner_tags": [0, 1]}"#,
            r#"{"tokens": ["\"quoted\"", "a\\b", "\u0645"], "ner_tags": ["O", "B-PER", 2], "x": {"k": [1, 2.5, null]}}"#,
            r#"{"ner_tags": [], "tokens": [], "id": 7, "relations": []}"#,
            r#"{"tokens": ["a"], "tokens": ["last", "wins"], "ner_tags": [0, 0], "id": "b", "id": "c"}"#,
        ];
        for line in taken {
            let fast = serde_json::from_str::<FastRow<'_>>(line).expect(line);
            let Ok(Value::Object(mut obj)) = serde_json::from_str::<Value>(line) else {
                panic!("{line}");
            };
            let tokens: Vec<&str> = fast.tokens.iter().map(|t| t.0.as_ref()).collect();
            let Some(Value::Array(want)) = obj.remove("tokens") else {
                panic!("{line}");
            };
            let want: Vec<&str> = want.iter().filter_map(Value::as_str).collect();
            assert_eq!(tokens, want, "{line}");
            assert_eq!(
                Some(Value::Array(fast.ner_tags)),
                obj.remove("ner_tags"),
                "{line}"
            );
            assert_eq!(fast.rest, obj, "{line}");
        }
        let left = [
            r#"{"tokens": ["a", 5], "ner_tags": [0, 0]}"#,
            r#"{"tokens": 5, "tokens": ["a"], "ner_tags": [0]}"#,
            r#"{"tokens": "a b", "ner_tags": [0]}"#,
            r#"{"tokens": ["a"]}"#,
            r#"{"tokens": ["a"], "ner_tags": 0}"#,
            r#"["a"]"#,
            r#"{"tokens": ["a"], "ner_tags": [0]"#,
        ];
        for line in left {
            assert!(serde_json::from_str::<FastRow<'_>>(line).is_err(), "{line}");
        }
    }

    #[test]
    fn rows_end_at_sentence_ends_never_inside_an_entity_and_pack_up_to_max_tokens() {
        use crate::formats::TokenSplit;
        // tokens: A B . C(entity start) D(inside) . E F G H
        let inside = [
            false, false, false, false, true, false, false, false, false, false,
        ];
        let ends = [
            false, false, true, true, false, true, false, false, false, true,
        ];
        assert_eq!(rows(&inside, &ends, TokenSplit::Documents), [(0, 10)]);
        // A sentence end before an I- token does not cut the entity.
        assert_eq!(
            rows(&inside, &ends, TokenSplit::Sentences),
            [(0, 3), (3, 6), (6, 10)]
        );
        assert_eq!(
            rows(&inside, &ends, TokenSplit::MaxTokens(6)),
            [(0, 6), (6, 10)],
            "whole sentences packed"
        );
        // A sentence longer than max is cut where no entity continues.
        assert_eq!(
            rows(&inside, &ends, TokenSplit::MaxTokens(2)),
            [(0, 2), (2, 3), (3, 5), (5, 6), (6, 8), (8, 10)]
        );
    }
}
