//! Suggestions from patterns: an INCEpTION gazetteer (`text<TAB>label` lines) or Prodigy
//! patterns (JSONL: `{"label": "ORG", "pattern": "الأمم المتحدة"}` for an exact phrase,
//! `{"label": …, "pattern": [{"lower": …}, {"orth": …, "OP": "?"}]}` for tokens, with an
//! optional `id` kept), matched over a document's words.
//!
//! Matching goes through the Arabic normalisation of search (hamza forms, ة/ه, ى/ي, harakat,
//! tatweel and invisible marks do not matter) and whole words only. The first word of a match
//! may carry proclitics the pattern does not have (و ف ب ل ك, and the article when the
//! project counts it as one): a pattern بنغازي finds وبنغازي, and the suggestion leaves the
//! و out. At each word the longest match wins (then the pattern given first), and matches do
//! not overlap each other or any span already in the layer.
//!
//! Token attributes: `orth` and `text` (the word as written: case matters for Latin
//! letters), `lower` (case does not matter); `OP` is `?` (optional), `+` (one or more), `*`
//! (any number), `!` is refused (it needs a model's view of tokens that never match). Any
//! other attribute (`pos`, `lemma`, `is_digit`, …) needs a spaCy model and is refused with
//! the line that has it.

use crate::domain::TaggedSpan;
use crate::domain::arabic::{normalise_char, proclitic_prefixes, words};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

/// How a token pattern compares a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Attr {
    /// The word as written (through normalisation; case matters for Latin letters).
    Orth,
    /// The word in lower case (through normalisation).
    Lower,
}

/// How many words a token pattern takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    One,
    /// `?`
    Optional,
    /// `+`
    Plus,
    /// `*`
    Star,
}

/// One token of a pattern: a word compared by `attr` with `value` (kept normalised).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenPattern {
    pub attr: Attr,
    pub value: String,
    pub op: Op,
}

/// A pattern: its label, its `id` when the file gave one, and its tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    pub label: String,
    pub id: Option<String>,
    pub tokens: Vec<TokenPattern>,
    /// The line of the file it came from.
    pub line: usize,
}

/// A match: where, with which label, from which pattern (its index in
/// [`Matcher::patterns`], which has its id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub start: usize,
    pub end: usize,
    pub label: String,
    pub pattern: usize,
}

impl Suggestion {
    #[must_use]
    pub fn span(&self) -> TaggedSpan {
        TaggedSpan::new(self.start, self.end, self.label.clone())
    }
}

/// A word as `orth` compares it: normalised, but Latin capitals kept.
fn orth_key(s: &str) -> String {
    s.chars()
        .filter_map(|c| normalise_char(c).map(|m| if c.is_ascii_uppercase() { c } else { m }))
        .collect()
}

/// A word as `lower` compares it.
fn lower_key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().filter_map(normalise_char) {
        if c.is_ascii() || ('\u{0600}'..='\u{06FF}').contains(&c) {
            out.push(c.to_ascii_lowercase());
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

fn key(attr: Attr, s: &str) -> String {
    match attr {
        Attr::Orth => orth_key(s),
        Attr::Lower => lower_key(s),
    }
}

/// The words of a phrase, as a sequence of `orth` tokens.
fn phrase_tokens(phrase: &str) -> Vec<TokenPattern> {
    words(phrase)
        .into_iter()
        .map(|(s, e)| {
            let w: String = phrase.chars().skip(s).take(e - s).collect();
            TokenPattern {
                attr: Attr::Orth,
                value: orth_key(&w),
                op: Op::One,
            }
        })
        .filter(|t| !t.value.is_empty())
        .collect()
}

/// Reads a pattern file: Prodigy JSONL when its first line that is not blank starts with
/// `{`, else a gazetteer. Errors name the file and line.
pub fn read_patterns(path: &Path) -> Result<Vec<Pattern>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    let jsonl = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| l.trim_start().starts_with('{'));
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let l = raw.trim_end_matches('\r');
        if l.trim().is_empty() || (!jsonl && l.starts_with('#')) {
            continue;
        }
        let at = |m: String| format!("{}:{line}: {m}", path.display());
        let p = if jsonl {
            prodigy_line(l, line).map_err(at)?
        } else {
            gazetteer_line(l, line).map_err(at)?
        };
        if p.tokens.iter().all(|t| t.op != Op::One && t.op != Op::Plus) {
            return Err(at(
                "the pattern matches no word for sure (every token optional)".into(),
            ));
        }
        out.push(p);
    }
    if out.is_empty() {
        return Err(format!("{}: no patterns in the file", path.display()));
    }
    Ok(out)
}

fn gazetteer_line(l: &str, line: usize) -> Result<Pattern, String> {
    let Some((text, label)) = l.split_once('\t') else {
        return Err(format!(
            "expected TEXT<TAB>LABEL, found no tab in {:?}",
            l.chars().take(60).collect::<String>()
        ));
    };
    let label = label.trim();
    if label.is_empty() || label.contains('\t') {
        return Err("expected TEXT<TAB>LABEL: the label is empty or has a tab".into());
    }
    let tokens = phrase_tokens(text);
    if tokens.is_empty() {
        return Err(format!("{text:?} has no word to match"));
    }
    Ok(Pattern {
        label: label.to_string(),
        id: None,
        tokens,
        line,
    })
}

fn prodigy_line(l: &str, line: usize) -> Result<Pattern, String> {
    let v: Value = serde_json::from_str(l).map_err(|e| format!("not JSON: {e}"))?;
    let label = match v.get("label") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        _ => return Err("missing \"label\" (a non-empty string)".into()),
    };
    let id = match v.get("id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(_) => return Err("\"id\" must be a string or a number".into()),
    };
    let tokens = match v.get("pattern") {
        Some(Value::String(s)) => phrase_tokens(s),
        Some(Value::Array(ts)) => ts
            .iter()
            .enumerate()
            .map(|(k, t)| token(t).map_err(|m| format!("pattern[{k}]: {m}")))
            .collect::<Result<_, _>>()?,
        _ => return Err("missing \"pattern\" (a string or a list of tokens)".into()),
    };
    if tokens.is_empty() {
        return Err("the pattern has no word to match".into());
    }
    Ok(Pattern {
        label,
        id,
        tokens,
        line,
    })
}

fn token(t: &Value) -> Result<TokenPattern, String> {
    let Value::Object(o) = t else {
        return Err("a token must be an object".into());
    };
    let mut attr = None;
    let mut op = Op::One;
    for (k, v) in o {
        match k.to_ascii_lowercase().as_str() {
            a @ ("orth" | "text" | "lower") => {
                let Value::String(s) = v else {
                    return Err(format!(
                        "{k} must be a string (sets and regexes need spaCy)"
                    ));
                };
                if attr.is_some() {
                    return Err("one of orth, text, lower per token".into());
                }
                let at = if a == "lower" {
                    Attr::Lower
                } else {
                    Attr::Orth
                };
                attr = Some((at, key(at, s)));
            }
            "op" => {
                op = match v.as_str() {
                    Some("?") => Op::Optional,
                    Some("+") => Op::Plus,
                    Some("*") => Op::Star,
                    Some("1") => Op::One,
                    other => {
                        return Err(format!(
                            "OP {} is not supported (?, +, *)",
                            other.map_or_else(|| v.to_string(), |s| format!("{s:?}"))
                        ));
                    }
                };
            }
            _ => {
                return Err(format!(
                    "attribute {k:?} needs a spaCy model; tawsim matches orth, text and lower"
                ));
            }
        }
    }
    let Some((attr, value)) = attr else {
        return Err("a token needs orth, text or lower".into());
    };
    if value.is_empty() {
        return Err("the token's text is empty after normalisation".into());
    }
    Ok(TokenPattern { attr, value, op })
}

/// A document's words with their keys, and where the keys of a word begin with its
/// proclitics left out.
struct Words {
    ranges: Vec<(usize, usize)>,
    orth: Vec<String>,
    /// `None`: the same as `orth` (no letter with a case: all of Arabic).
    lower: Vec<Option<String>>,
    /// Per word: (proclitic length in code points, byte offset of the rest in its keys) of
    /// each way to leave proclitics out.
    stripped: Vec<Vec<(usize, usize)>>,
}

/// True for a character whose lower case may differ (Arabic has none).
fn cased(c: char) -> bool {
    c.is_ascii_uppercase()
        || (!c.is_ascii() && !('\u{0600}'..='\u{06FF}').contains(&c) && c.is_uppercase())
}

impl Words {
    fn new(text: &str, article: bool) -> Self {
        let chars: Vec<char> = text.chars().collect();
        let ranges = words(text);
        let mut orth = Vec::with_capacity(ranges.len());
        let mut lower = Vec::with_capacity(ranges.len());
        let mut stripped = Vec::with_capacity(ranges.len());
        let mut w = String::new();
        for &(s, e) in &ranges {
            w.clear();
            w.extend(&chars[s..e]);
            let o = orth_key(&w);
            lower.push(o.chars().any(cased).then(|| lower_key(&w)));
            // Only a word that begins like a proclitic can have one.
            let mut st = Vec::new();
            if matches!(chars[s], 'و' | 'ف' | 'ب' | 'ل' | 'ك' | 'ا') {
                for p in proclitic_prefixes(&w, article) {
                    let n = chars[s..s + p]
                        .iter()
                        .filter_map(|&c| normalise_char(c))
                        .count();
                    let at = o.char_indices().nth(n).map_or(o.len(), |(b, _)| b);
                    st.push((p, at));
                }
            }
            stripped.push(st);
            orth.push(o);
        }
        Words {
            ranges,
            orth,
            lower,
            stripped,
        }
    }

    fn key(&self, i: usize, attr: Attr) -> &str {
        match attr {
            Attr::Orth => &self.orth[i],
            Attr::Lower => self.lower[i].as_deref().unwrap_or(&self.orth[i]),
        }
    }

    /// Word `i`'s ways to be read as a match's first word: (proclitic length, orth key,
    /// lower key), as written first.
    fn firsts(&self, i: usize) -> impl Iterator<Item = (usize, &str, &str)> {
        let (o, l) = (self.key(i, Attr::Orth), self.key(i, Attr::Lower));
        std::iter::once((0, o, l)).chain(
            self.stripped[i]
                .iter()
                .map(move |&(p, at)| (p, &o[at.min(o.len())..], l.get(at..).unwrap_or(""))),
        )
    }
}

/// A node of the trie of fixed patterns (every token taken once): the words that lead on,
/// compared as written or in lower case, and the patterns that end here.
#[derive(Default)]
struct Node {
    orth: HashMap<String, usize>,
    lower: HashMap<String, usize>,
    /// The first pattern (in file order) that ends here.
    ends: Option<usize>,
}

/// Patterns ready to match: the fixed ones in a trie of words, those with operators indexed
/// by the key of their first word where it is certain.
pub struct Matcher {
    patterns: Vec<Pattern>,
    trie: Vec<Node>,
    by_first: HashMap<(Attr, String), Vec<usize>>,
    /// Patterns whose first token is optional: tried at every word.
    anywhere: Vec<usize>,
    article: bool,
}

impl Matcher {
    /// `article`: the article ال counts as a proclitic (the project's setting).
    #[must_use]
    pub fn new(patterns: Vec<Pattern>, article: bool) -> Self {
        let mut by_first: HashMap<(Attr, String), Vec<usize>> = HashMap::new();
        let mut anywhere = Vec::new();
        let mut trie = vec![Node::default()];
        for (k, p) in patterns.iter().enumerate() {
            if p.tokens.iter().all(|t| t.op == Op::One) {
                let mut at = 0;
                for t in &p.tokens {
                    let n = trie.len();
                    let edges = match t.attr {
                        Attr::Orth => &mut trie[at].orth,
                        Attr::Lower => &mut trie[at].lower,
                    };
                    let next = *edges.entry(t.value.clone()).or_insert(n);
                    if next == n {
                        trie.push(Node::default());
                    }
                    at = next;
                }
                trie[at].ends.get_or_insert(k);
                continue;
            }
            match p.tokens.first() {
                Some(t) if matches!(t.op, Op::One | Op::Plus) => {
                    by_first
                        .entry((t.attr, t.value.clone()))
                        .or_default()
                        .push(k);
                }
                _ => anywhere.push(k),
            }
        }
        Matcher {
            patterns,
            trie,
            by_first,
            anywhere,
            article,
        }
    }

    #[must_use]
    pub fn patterns(&self) -> &[Pattern] {
        &self.patterns
    }

    /// The suggestions for `text`, in text order, none overlapping another or `existing`.
    #[must_use]
    pub fn find(&self, text: &str, existing: &[TaggedSpan]) -> Vec<Suggestion> {
        let w = Words::new(text, self.article);
        // The layer's spans by start, with the furthest end of each one and those before it
        // (spans may nest: ends are not in order).
        let mut taken: Vec<(usize, usize)> = existing.iter().map(|s| (s.start, s.end)).collect();
        taken.sort_unstable();
        let reach: Vec<usize> = taken
            .iter()
            .scan(0, |m, t| {
                *m = (*m).max(t.1);
                Some(*m)
            })
            .collect();
        // No span starting before `e` reaches past `s`. Suggestions never overlap each other:
        // the next one starts at a word after the last one's end.
        let free = |s: usize, e: usize| {
            let k = taken.partition_point(|t| t.0 < e);
            k == 0 || reach[k - 1] <= s
        };
        let mut out: Vec<Suggestion> = Vec::new();
        let mut stack: Vec<(usize, usize)> = Vec::new();
        let mut i = 0;
        while i < w.ranges.len() {
            // (words taken, proclitic length, pattern): longest first, then earliest pattern.
            let mut best: Option<(usize, usize, usize)> = None;
            let mut consider = |k: usize, n: usize, pre: usize| {
                let better = best.is_none_or(|(bn, _, bk)| n > bn || (n == bn && k < bk));
                if n > 0 && better {
                    best = Some((n, pre, k));
                }
            };
            // The first word as written, then with proclitics left out.
            for (pre, o, l) in w.firsts(i) {
                // Fixed patterns: down the trie, as written or in lower case at each word.
                stack.clear();
                stack.push((0usize, 0usize));
                while let Some((node, n)) = stack.pop() {
                    if let Some(k) = self.trie[node].ends {
                        consider(k, n, pre);
                    }
                    let j = i + n;
                    if j >= w.ranges.len() {
                        continue;
                    }
                    let (ok, lk) = if n == 0 {
                        (o, l)
                    } else {
                        (w.key(j, Attr::Orth), w.key(j, Attr::Lower))
                    };
                    let nd = &self.trie[node];
                    if let Some(&next) = nd.orth.get(ok) {
                        stack.push((next, n + 1));
                    }
                    if let Some(&next) = nd.lower.get(lk) {
                        stack.push((next, n + 1));
                    }
                }
                for attr in [Attr::Orth, Attr::Lower] {
                    if self.by_first.is_empty() {
                        break;
                    }
                    let k0 = if attr == Attr::Orth { o } else { l };
                    let Some(ps) = self.by_first.get(&(attr, k0.to_string())) else {
                        continue;
                    };
                    for &k in ps {
                        let p = &self.patterns[k];
                        if let Some(n) = longest(&p.tokens, &w, i, Some(k0)) {
                            consider(k, n, pre);
                        }
                    }
                }
            }
            for &k in &self.anywhere {
                if let Some(n) = longest(&self.patterns[k].tokens, &w, i, None) {
                    consider(k, n, 0);
                }
            }
            let Some((n, pre, k)) = best else {
                i += 1;
                continue;
            };
            let start = w.ranges[i].0 + pre;
            let end = w.ranges[i + n - 1].1;
            if free(start, end) {
                out.push(Suggestion {
                    start,
                    end,
                    label: self.patterns[k].label.clone(),
                    pattern: k,
                });
                i += n;
            } else {
                i += 1;
            }
        }
        out
    }
}

/// The most words `tokens` can take from word `i` on (`first`: the key word `i` is read as,
/// when its proclitics were left out), or `None` when it does not match there.
fn longest(tokens: &[TokenPattern], w: &Words, i: usize, first: Option<&str>) -> Option<usize> {
    fn go(
        tokens: &[TokenPattern],
        w: &Words,
        at: usize,
        start: usize,
        first: Option<&str>,
    ) -> Option<usize> {
        let Some((t, rest)) = tokens.split_first() else {
            return Some(at - start);
        };
        let matches = |j: usize| {
            j < w.ranges.len()
                && if j == start
                    && let Some(f) = first
                {
                    // Only the first token may read the word with its proclitics left out.
                    f == t.value
                } else {
                    w.key(j, t.attr) == t.value
                }
        };
        let (min, max) = match t.op {
            Op::One => (1, 1),
            Op::Optional => (0, 1),
            Op::Plus => (1, usize::MAX),
            Op::Star => (0, usize::MAX),
        };
        // How many words this token can take, then the rest from each (most first).
        let mut n = 0;
        while n < max && matches(at + n) {
            n += 1;
        }
        let mut best = None;
        for take in (min..=n).rev() {
            if let Some(m) = go(rest, w, at + take, start, first) {
                best = best.max(Some(m));
            }
        }
        best
    }
    go(tokens, w, i, i, first)
}

/// What a run over a store found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    pub documents: usize,
    /// Documents with at least one suggestion.
    pub suggested: usize,
    pub spans: usize,
    /// Suggestions per label, by name.
    pub by_label: std::collections::BTreeMap<String, usize>,
}

/// Matches every document of `layer` (this annotator's when `None`) of a store, leaving out
/// what its spans already cover, and hands each document with its suggestions as spans
/// (name and text as stored, no meta) to an exporter.
pub fn over_store<S: crate::store::Store, T>(
    s: &S,
    layer: Option<crate::domain::AnnotatorId>,
    m: &Matcher,
    export: impl FnOnce(&mut dyn Iterator<Item = crate::domain::AnnotatedDocument>) -> Result<T, String>,
) -> Result<(T, Found), String> {
    let docs = s
        .export_docs(layer, None, None)
        .map_err(|e| e.to_string())?;
    let mut found = Found::default();
    let mut failed = None;
    let mut it = docs
        .map_while(|d| match d {
            Ok(d) => Some(d),
            Err(e) => {
                failed = Some(e.to_string());
                None
            }
        })
        .map(|d| {
            let spans: Vec<TaggedSpan> = m
                .find(&d.text, &d.spans)
                .iter()
                .map(Suggestion::span)
                .collect();
            found.documents += 1;
            found.suggested += usize::from(!spans.is_empty());
            found.spans += spans.len();
            for sp in &spans {
                *found.by_label.entry(sp.label.clone()).or_default() += 1;
            }
            crate::domain::AnnotatedDocument {
                name: d.name,
                text: d.text,
                spans,
                ..Default::default()
            }
        });
    let out = export(&mut it)?;
    drop(it);
    if let Some(e) = failed {
        return Err(e);
    }
    Ok((out, found))
}

/// Matches every document of a project file and keeps the matches as source `source`'s
/// suggestions (replacing what that source suggested before). Every match is kept, over
/// spans or not: whether one is shown depends on each annotator's own layer. `done` counts
/// the documents read (for a progress bar); `cancel` stops before anything is written.
pub fn into_project<S: crate::store::Store>(
    p: &mut S,
    m: &Matcher,
    source: &str,
    origin: &str,
    done: Option<&std::sync::atomic::AtomicU64>,
    cancel: Option<&std::sync::atomic::AtomicBool>,
) -> Result<Found, String> {
    use crate::store::StoreError;
    use std::sync::atomic::Ordering;
    // A second handle reads and matches on a thread of its own while this one writes the
    // matches as they come, in one transaction: the matches are never all in memory.
    let reader = p.worker().map_err(|e| e.to_string())?;
    let (tx, rx) =
        std::sync::mpsc::sync_channel::<Result<crate::store::SuggestionRow, StoreError>>(8192);
    let path = p.path().to_path_buf();
    std::thread::scope(|sc| {
        let matching = sc.spawn(move || {
            let mut found = Found::default();
            let read = reader.for_each_document(|id, _, text| {
                if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                    let _ = tx.send(Err(StoreError::Invalid {
                        path: path.clone(),
                        message: "cancelled; no suggestion was kept".into(),
                    }));
                    return Ok(false);
                }
                let found_here = m.find(text, &[]);
                found.documents += 1;
                found.suggested += usize::from(!found_here.is_empty());
                found.spans += found_here.len();
                for s in found_here {
                    *found.by_label.entry(s.label.clone()).or_default() += 1;
                    if tx.send(Ok((id, s.start, s.end, s.label, None))).is_err() {
                        return Ok(false);
                    }
                }
                if let Some(d) = done {
                    d.fetch_add(1, Ordering::Relaxed);
                }
                Ok(true)
            });
            if let Err(e) = read {
                let _ = tx.send(Err(e));
            }
            found
        });
        let kept = p.replace_suggestions(source, "patterns", origin, &mut rx.iter());
        // The writer stopped reading on an error: let the reader finish.
        drop(rx);
        let found = matching
            .join()
            .map_err(|_| "the matching thread failed".to_string())?;
        kept.map_err(|e| e.to_string())?;
        Ok(found)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cp(text: &str, needle: &str) -> (usize, usize) {
        let b = text.find(needle).expect("needle");
        let s = text[..b].chars().count();
        (s, s + needle.chars().count())
    }

    fn write(dir: &Path, name: &str, body: &str) -> std::path::PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, body).expect("write");
        p
    }

    fn found(m: &Matcher, text: &str) -> Vec<(String, String)> {
        let chars: Vec<char> = text.chars().collect();
        m.find(text, &[])
            .into_iter()
            .map(|s| (s.label, chars[s.start..s.end].iter().collect()))
            .collect()
    }

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn a_gazetteer_finds_names_through_normalisation_and_proclitics() {
        let dir = tempfile::tempdir().expect("tmp");
        let g = write(
            dir.path(),
            "g.tsv",
            "# LOC names\nبنغازي\tLOC\nالأمم المتحدة\tORG\nليبيا\tLOC\n\nطرابلس\tLOC\n",
        );
        let m = Matcher::new(read_patterns(&g).expect("read"), false);
        // وبنغازي: the و left out; الامم with a bare alef and المتّحدة with a shadda match.
        let text = "وصل الوفد إلى وبنغازي ثم إلى مقر الامم المتّحدة، وقال إن ليبيا آمنة";
        assert_eq!(
            found(&m, text),
            pairs(&[("LOC", "بنغازي"), ("ORG", "الامم المتّحدة"), ("LOC", "ليبيا")])
        );
        // Whole words only: بنغازيون is not بنغازي.
        assert!(found(&m, "قال البنغازيون").is_empty());
        // Offsets are code points of the text as stored.
        let s = m.find(text, &[]);
        assert_eq!((s[0].start, s[0].end), cp(text, "بنغازي"));
    }

    #[test]
    fn the_article_is_left_out_only_when_the_project_counts_it() {
        let dir = tempfile::tempdir().expect("tmp");
        let g = write(dir.path(), "g.tsv", "مجلس\tORG\n");
        let text = "اجتمع المجلس";
        let without = Matcher::new(read_patterns(&g).expect("read"), false);
        assert!(found(&without, text).is_empty());
        let with = Matcher::new(read_patterns(&g).expect("read"), true);
        assert_eq!(found(&with, text), pairs(&[("ORG", "مجلس")]));
    }

    #[test]
    fn the_longest_match_wins_and_matches_never_overlap_spans() {
        let dir = tempfile::tempdir().expect("tmp");
        let g = write(
            dir.path(),
            "g.tsv",
            "خليفة\tPER\nخليفة حفتر\tPER\nحفتر\tPER\nبنغازي\tLOC\n",
        );
        let m = Matcher::new(read_patterns(&g).expect("read"), false);
        let text = "التقى خليفة حفتر في بنغازي";
        assert_eq!(
            found(&m, text),
            pairs(&[("PER", "خليفة حفتر"), ("LOC", "بنغازي")])
        );
        // A span already over بنغازي: no suggestion there.
        let (s, e) = cp(text, "في بنغازي");
        let got = m.find(text, &[TaggedSpan::new(s, e, "LOC")]);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].label, "PER");
        // Nested spans (an overlap-allowing project): one over the whole sentence, two small
        // ones inside it near the start; nothing is suggested anywhere under the big one.
        let all = text.chars().count();
        let nested = [
            TaggedSpan::new(0, all, "EVENT"),
            TaggedSpan::new(0, 2, "X"),
            TaggedSpan::new(3, 4, "X"),
        ];
        assert!(m.find(text, &nested).is_empty());
        // Touching is not overlapping: a span that ends where خليفة begins.
        let (k, _) = cp(text, "خليفة");
        assert_eq!(m.find(text, &[TaggedSpan::new(0, k, "X")]).len(), 2);
    }

    #[test]
    fn prodigy_patterns_phrases_and_tokens_with_ops_and_ids() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = write(
            dir.path(),
            "p.jsonl",
            concat!(
                "{\"label\": \"ORG\", \"pattern\": \"الأمم المتحدة\", \"id\": \"un\"}\n",
                "{\"label\": \"PER\", \"pattern\": [{\"lower\": \"خليفة\"}, {\"ORTH\": \"بلقاسم\", \"OP\": \"?\"}, {\"orth\": \"حفتر\"}], \"id\": 7}\n",
                "{\"label\": \"ORG\", \"pattern\": [{\"lower\": \"bank\"}, {\"lower\": \"of\", \"OP\": \"*\"}, {\"text\": \"Libya\"}]}\n",
            ),
        );
        let pats = read_patterns(&p).expect("read");
        assert_eq!(pats[0].id.as_deref(), Some("un"));
        assert_eq!(pats[1].id.as_deref(), Some("7"));
        let m = Matcher::new(pats, false);
        let text = "قال خليفة بلقاسم حفتر ثم خليفة حفتر أمام الأمم المتحدة و BANK of of Libya لا bank of libya";
        let got = m.find(text, &[]);
        let chars: Vec<char> = text.chars().collect();
        let shown: Vec<(String, String, Option<String>)> = got
            .iter()
            .map(|s| {
                (
                    s.label.clone(),
                    chars[s.start..s.end].iter().collect(),
                    m.patterns()[s.pattern].id.clone(),
                )
            })
            .collect();
        let t = |l: &str, x: &str, id: Option<&str>| {
            (l.to_string(), x.to_string(), id.map(String::from))
        };
        assert_eq!(
            shown,
            [
                t("PER", "خليفة بلقاسم حفتر", Some("7")),
                t("PER", "خليفة حفتر", Some("7")),
                t("ORG", "الأمم المتحدة", Some("un")),
                // orth keeps case: Libya, not libya; lower does not: BANK.
                t("ORG", "BANK of of Libya", None),
            ]
        );
    }

    #[test]
    fn bad_pattern_files_name_the_file_and_line() {
        let dir = tempfile::tempdir().expect("tmp");
        let cases = [
            (
                "a.tsv",
                "بنغازي\tLOC\nطرابلس LOC\n",
                ":2: expected TEXT<TAB>LABEL",
            ),
            (
                "b.jsonl",
                "{\"label\": \"X\", \"pattern\": \"ا ب\"}\n{\"pattern\": \"x\"}\n",
                ":2: missing \"label\"",
            ),
            (
                "c.jsonl",
                "{\"label\": \"X\", \"pattern\": [{\"pos\": \"NOUN\"}]}\n",
                ":1: pattern[0]: attribute \"pos\" needs a spaCy model",
            ),
            (
                "d.jsonl",
                "{\"label\": \"X\", \"pattern\": [{\"orth\": \"a\", \"OP\": \"!\"}]}\n",
                "OP \"!\" is not supported",
            ),
            (
                "e.jsonl",
                "{\"label\": \"X\", \"pattern\": [{\"orth\": \"a\", \"OP\": \"?\"}]}\n",
                ":1: the pattern matches no word for sure",
            ),
            (
                "f.jsonl",
                "{\"label\": \"X\", \"pattern\": [{\"lower\": {\"IN\": [\"a\"]}}]}\n",
                "sets and regexes need spaCy",
            ),
            ("g.tsv", "# only a comment\n", "no patterns in the file"),
            (
                "h.jsonl",
                "{\"label\": \"X\", \"pattern\": \"ok\"}\n{not json\n",
                ":2: not JSON",
            ),
        ];
        for (name, body, want) in cases {
            let f = write(dir.path(), name, body);
            let err = read_patterns(&f).expect_err(name);
            assert!(err.contains(name) && err.contains(want), "{name}: {err}");
        }
    }
}
