//! Inter-annotator agreement: the numbers a dataset paper reports.
//!
//! - **Span F1** between two annotators, exact (same start, end and label) and lenient (a
//!   span counts as found when the other annotator has one of the same label overlapping it).
//!   Summed over the documents both annotated (micro), so long documents weigh more.
//! - **Cohen's κ** (two annotators), **Fleiss' κ** (every annotator; the documents all of
//!   them annotated) and **Krippendorff's α**, nominal (any number of annotators, a
//!   document not seen by everyone counts with those who saw it) over tokens with IOB2 tags.
//!   Tokens are the CoNLL export's (whitespace, every punctuation grapheme its own token, a
//!   line is a sentence). A token takes the tag of the outermost span that overlaps it:
//!   `B-` in the token where the span starts, `I-` after, `O` outside every span. So a span
//!   that leaves out a proclitic (و of وبنغازي) still tags its word.
//! - **Krippendorff's unitizing α** (α_u, [`UnitizingStudy`]) over characters, as INCEpTION
//!   offers it: the spans themselves, not tokens, with how far their edges differ; over the
//!   documents every annotator annotated, laid end to end as one continuum.
//! - A **confusion matrix** of labels between two annotators (each span of one paired with the
//!   other's span that overlaps it most) and the spans only one of them made.
//!
//! "Annotated" means the annotator's status for the document is not `new` (labelling a span
//! makes it in progress) or their layer of it has a span (an imported layer keeps `new`). The measures are `None` where they are undefined: no document in
//! common, or every token with the same tag (expected agreement 1).

mod unitizing;
pub use unitizing::UnitizingStudy;

use crate::domain::TaggedSpan;
use crate::formats::ExportOptions;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One document as the annotators left it.
#[derive(Debug, Clone)]
pub struct Item {
    pub name: String,
    pub text: String,
    /// Per annotator, in the report's order: their spans, or `None` when they have not
    /// annotated the document.
    pub layers: Vec<Option<Vec<TaggedSpan>>>,
    /// Per annotator, in the same order: their active annotation time on the document in
    /// seconds (idle over a minute not counted; 0 when none was recorded).
    pub seconds: Vec<f64>,
}

/// One annotator's active annotation time over the report's documents.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct AnnotatorTime {
    pub active_seconds: f64,
    /// Documents of the report the annotator annotated.
    pub documents: usize,
    /// Documents with time recorded (an imported layer may have none).
    pub timed: usize,
}

impl AnnotatorTime {
    /// Mean seconds per document that has time recorded.
    #[must_use]
    pub fn per_document(&self) -> Option<f64> {
        (self.timed > 0).then(|| self.active_seconds / self.timed as f64)
    }
}

/// Agreement of two raters, with its parts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Kappa {
    /// `None` when the expected agreement is 1 (every rating the same category).
    pub value: Option<f64>,
    pub observed: f64,
    pub expected: f64,
    /// Units rated.
    pub units: usize,
}

/// Cohen's κ (1960) over paired ratings `(a, b)`: `(p_o − p_e) / (1 − p_e)` with `p_e` from
/// each rater's own distribution. `None` without ratings.
#[must_use]
pub fn cohen_kappa<T: Ord>(pairs: &[(T, T)]) -> Option<Kappa> {
    if pairs.is_empty() {
        return None;
    }
    let n = pairs.len() as f64;
    let agree = pairs.iter().filter(|(a, b)| a == b).count() as f64;
    let mut ma: BTreeMap<&T, f64> = BTreeMap::new();
    let mut mb: BTreeMap<&T, f64> = BTreeMap::new();
    for (a, b) in pairs {
        *ma.entry(a).or_default() += 1.0;
        *mb.entry(b).or_default() += 1.0;
    }
    let expected: f64 = ma
        .iter()
        .map(|(c, na)| na / n * mb.get(c).copied().unwrap_or(0.0) / n)
        .sum();
    let observed = agree / n;
    Some(Kappa {
        value: kappa(observed, expected),
        observed,
        expected,
        units: pairs.len(),
    })
}

fn kappa(observed: f64, expected: f64) -> Option<f64> {
    ((1.0 - expected).abs() > 1e-12).then(|| (observed - expected) / (1.0 - expected))
}

/// Fleiss' κ (1971): `counts[u][c]` is how many raters put unit `u` in category `c`; every
/// unit has the same number of raters (at least 2). `None` without units or when the units
/// have different numbers of raters.
#[must_use]
pub fn fleiss_kappa(counts: &[Vec<usize>]) -> Option<Kappa> {
    let raters: usize = counts.first()?.iter().sum();
    if raters < 2 || counts.iter().any(|u| u.iter().sum::<usize>() != raters) {
        return None;
    }
    let units = counts.len() as f64;
    let r = raters as f64;
    let cats = counts.iter().map(Vec::len).max().unwrap_or(0);
    let mut p_j = vec![0.0; cats];
    let mut p_bar = 0.0;
    for u in counts {
        for (j, &c) in u.iter().enumerate() {
            p_j[j] += c as f64;
        }
        let agree: f64 = u.iter().map(|&c| (c * c) as f64).sum::<f64>() - r;
        p_bar += agree / (r * (r - 1.0));
    }
    let observed = p_bar / units;
    let expected: f64 = p_j.iter().map(|&s| (s / (units * r)).powi(2)).sum();
    Some(Kappa {
        value: kappa(observed, expected),
        observed,
        expected,
        units: counts.len(),
    })
}

/// Krippendorff's α with the nominal metric ("Computing Krippendorff's Alpha-Reliability",
/// 2011): each unit holds the values its raters gave (`None`: a rater did not rate it);
/// units with fewer than two values are left out. `1 − D_o / D_e` from the coincidence
/// matrix. `None` without a pairable unit or when every value is the same.
#[must_use]
pub fn krippendorff_alpha<T: Ord>(units: &[Vec<Option<T>>]) -> Option<f64> {
    let mut ids: BTreeMap<&T, u32> = BTreeMap::new();
    let width = units.iter().map(Vec::len).max().unwrap_or(0).max(1);
    let mut flat = Vec::with_capacity(units.len() * width);
    for u in units {
        for v in u {
            flat.push(v.as_ref().map_or(NO_VALUE, |v| {
                let next = ids.len() as u32;
                *ids.entry(v).or_insert(next)
            }));
        }
        // A shorter unit: the raters after its end did not rate it.
        flat.resize(flat.len() + width - u.len(), NO_VALUE);
    }
    krippendorff_of_ids(flat.chunks(width), ids.len())
}

/// No value: a rater who did not rate the unit.
const NO_VALUE: u32 = u32::MAX;

/// Krippendorff's nominal α of units given as value ids below `k` ([`NO_VALUE`] for none).
fn krippendorff_of_ids<'u>(units: impl Iterator<Item = &'u [u32]>, k: usize) -> Option<f64> {
    // Coincidences of different values (o_ck, c ≠ k) and each value's total (n_c).
    let mut n_c = vec![0.0; k];
    let mut counts = vec![0.0_f64; k];
    let mut disagree = 0.0;
    for u in units {
        let m = u.iter().filter(|&&v| v != NO_VALUE).count();
        if m < 2 {
            continue;
        }
        for &v in u.iter().filter(|&&v| v != NO_VALUE) {
            counts[v as usize] += 1.0;
        }
        // Ordered pairs of different values within the unit: m² − Σ count².
        let mut same = 0.0;
        for &v in u.iter().filter(|&&v| v != NO_VALUE) {
            let c = std::mem::take(&mut counts[v as usize]);
            same += c * c;
            n_c[v as usize] += c;
        }
        disagree += ((m * m) as f64 - same) / (m as f64 - 1.0);
    }
    let n: f64 = n_c.iter().sum();
    if n < 2.0 {
        return None;
    }
    let expected_pairs = n * n - n_c.iter().map(|c| c * c).sum::<f64>();
    if expected_pairs <= 0.0 {
        return None;
    }
    // α = 1 − D_o/D_e, D_o = Σ o_ck / n, D_e = Σ n_c n_k / (n (n − 1)).
    Some(1.0 - (n - 1.0) * disagree / expected_pairs)
}

// ------------------------------------------------------------------ tokens and spans

/// The CoNLL export's tokens of `text` (code point ranges, in text order).
#[must_use]
pub fn tokens(text: &str) -> Vec<(usize, usize)> {
    let opts = ExportOptions::default();
    crate::formats::tokens::tokenize(text, &[], &opts)
        .into_iter()
        .flatten()
        .collect()
}

/// A token's tag: `None` for `O`, else (begins here, label).
type Tag<'a> = Option<(bool, &'a str)>;

/// Each token's tag from `spans`: the outermost span over it (longest, then earliest).
fn tags_in<'a>(
    toks: &[(usize, usize)],
    spans: impl Iterator<Item = &'a TaggedSpan>,
) -> Vec<Tag<'a>> {
    let mut sorted: Vec<&TaggedSpan> = spans.collect();
    sorted.sort_by(|a, b| {
        (b.end - b.start)
            .cmp(&(a.end - a.start))
            .then(a.start.cmp(&b.start))
            .then(a.label.cmp(&b.label))
    });
    let mut tags: Vec<Tag<'a>> = vec![None; toks.len()];
    for sp in sorted {
        // The first token ending after the span's start, then every token it overlaps.
        let first = toks.partition_point(|t| t.1 <= sp.start);
        for (k, t) in toks.iter().enumerate().skip(first) {
            if t.0 >= sp.end {
                break;
            }
            if tags[k].is_none() {
                tags[k] = Some((sp.start >= t.0, sp.label.as_str()));
            }
        }
    }
    tags
}

/// The IOB2 tag of each token of `text` (the CoNLL export's tokens) from `spans`: the
/// outermost span over a token gives it `B-` where the span starts, `I-` after.
#[must_use]
pub fn token_tags(text: &str, spans: &[TaggedSpan]) -> Vec<String> {
    tags_in(&tokens(text), spans.iter())
        .into_iter()
        .map(|t| match t {
            None => "O".to_string(),
            Some((b, l)) => format!("{}-{l}", if b { 'B' } else { 'I' }),
        })
        .collect()
}

/// Counts behind span F1 between two annotators' spans.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SpanCounts {
    pub a: usize,
    pub b: usize,
    /// Spans in both (same start, end and label).
    pub exact: usize,
    /// a's spans that b overlaps with the same label, and b's that a does.
    pub a_found: usize,
    pub b_found: usize,
}

impl SpanCounts {
    /// Counts between `a` and `b`.
    #[must_use]
    pub fn of(a: &[TaggedSpan], b: &[TaggedSpan]) -> SpanCounts {
        let key = |s: &TaggedSpan| (s.start, s.end, s.label.clone());
        let mut bs: HashMap<(usize, usize, String), usize> = HashMap::new();
        for s in b {
            *bs.entry(key(s)).or_default() += 1;
        }
        let mut exact = 0;
        for s in a {
            if let Some(c) = bs.get_mut(&key(s))
                && *c > 0
            {
                *c -= 1;
                exact += 1;
            }
        }
        let overlaps = |x: &TaggedSpan, ys: &[TaggedSpan]| {
            ys.iter()
                .any(|y| y.label == x.label && y.start < x.end && x.start < y.end)
        };
        SpanCounts {
            a: a.len(),
            b: b.len(),
            exact,
            a_found: a.iter().filter(|x| overlaps(x, b)).count(),
            b_found: b.iter().filter(|x| overlaps(x, a)).count(),
        }
    }

    fn add(&mut self, o: SpanCounts) {
        self.a += o.a;
        self.b += o.b;
        self.exact += o.exact;
        self.a_found += o.a_found;
        self.b_found += o.b_found;
    }

    /// `2·exact / (a + b)`; `None` when neither has a span.
    #[must_use]
    pub fn f1_exact(&self) -> Option<f64> {
        let all = self.a + self.b;
        (all > 0).then(|| 2.0 * self.exact as f64 / all as f64)
    }

    /// The harmonic mean of a's spans found by b and b's found by a; `None` when neither has
    /// a span.
    #[must_use]
    pub fn f1_lenient(&self) -> Option<f64> {
        if self.a + self.b == 0 {
            return None;
        }
        if self.a == 0 || self.b == 0 {
            return Some(0.0);
        }
        let r = self.a_found as f64 / self.a as f64;
        let p = self.b_found as f64 / self.b as f64;
        Some(if r + p > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        })
    }
}

/// Which labels two annotators gave the same stretch of text, and what only one marked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Confusion {
    /// `(a's label, b's label)`: spans of a paired with b's span overlapping it most.
    pub pairs: BTreeMap<(String, String), usize>,
    /// a's spans that no span of b overlaps, per label; and b's.
    pub only_a: BTreeMap<String, usize>,
    pub only_b: BTreeMap<String, usize>,
}

impl Confusion {
    fn merge(&mut self, o: &Confusion) {
        for (k, n) in &o.pairs {
            *self.pairs.entry(k.clone()).or_default() += n;
        }
        for (k, n) in &o.only_a {
            *self.only_a.entry(k.clone()).or_default() += n;
        }
        for (k, n) in &o.only_b {
            *self.only_b.entry(k.clone()).or_default() += n;
        }
    }

    fn add(&mut self, a: &[TaggedSpan], b: &[TaggedSpan]) {
        let overlap =
            |x: &TaggedSpan, y: &TaggedSpan| x.end.min(y.end).saturating_sub(x.start.max(y.start));
        for x in a {
            let best = b
                .iter()
                .map(|y| (overlap(x, y), y))
                .filter(|(o, _)| *o > 0)
                .max_by_key(|(o, y)| (*o, std::cmp::Reverse((y.start, y.label.clone()))));
            match best {
                Some((_, y)) => {
                    *self
                        .pairs
                        .entry((x.label.clone(), y.label.clone()))
                        .or_default() += 1;
                }
                None => *self.only_a.entry(x.label.clone()).or_default() += 1,
            }
        }
        for y in b {
            if !a.iter().any(|x| overlap(x, y) > 0) {
                *self.only_b.entry(y.label.clone()).or_default() += 1;
            }
        }
    }
}

// ------------------------------------------------------------------ the report

/// Two annotators' agreement.
#[derive(Debug, Clone, PartialEq)]
pub struct PairReport {
    pub a: String,
    pub b: String,
    /// Documents both annotated.
    pub documents: usize,
    pub spans: SpanCounts,
    pub cohen: Option<Kappa>,
    pub confusion: Confusion,
    /// Each document both annotated (its index in [`Report::documents`]) with its counts:
    /// what a cell of the window's matrices opens.
    pub per_document: Vec<PairDocument>,
}

/// Two annotators on one document.
#[derive(Debug, Clone, PartialEq)]
pub struct PairDocument {
    pub index: usize,
    pub spans: SpanCounts,
    pub cohen: Option<Kappa>,
    pub confusion: Confusion,
}

/// The measures of a scope (the whole project, a label, a document).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Measures {
    /// Over the documents every annotator annotated (at least two annotators).
    pub fleiss_kappa: Option<f64>,
    pub krippendorff_alpha: Option<f64>,
    /// Krippendorff's unitizing α over the characters of the documents every annotator
    /// annotated, one after another (of one document: those who annotated it).
    pub krippendorff_alpha_u: Option<f64>,
    /// Micro over every pair of annotators.
    pub span_f1_exact: Option<f64>,
    /// Tokens with at least two annotators' tags.
    pub tokens: usize,
}

/// What `tawsim agreement` prints.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub annotators: Vec<String>,
    pub pairs: Vec<PairReport>,
    pub overall: Measures,
    /// Per label name: each label against everything else (`O`).
    pub labels: Vec<(String, Measures)>,
    pub documents: Vec<(String, Measures)>,
    /// The project's id of each document (when the report was made from a project).
    pub document_ids: Vec<Option<crate::domain::DocId>>,
    /// Per annotator (in `annotators`' order): active annotation time.
    pub time: Vec<AnnotatorTime>,
    /// Per document (in `documents`' order), per annotator: active seconds.
    pub document_seconds: Vec<Vec<f64>>,
}

/// Tags of one scope: per item, per annotator, its tokens' tags (`None`: not annotated).
type Tags<'a> = Vec<Vec<Option<Vec<Tag<'a>>>>>;

fn tags_of<'a>(items: &'a [Item], toks: &[Vec<(usize, usize)>], label: Option<&str>) -> Tags<'a> {
    items
        .iter()
        .zip(toks)
        .map(|(it, t)| {
            it.layers
                .iter()
                .map(|l| {
                    l.as_ref().map(|spans| {
                        tags_in(
                            t,
                            spans.iter().filter(|s| label.is_none_or(|x| s.label == x)),
                        )
                    })
                })
                .collect()
        })
        .collect()
}

/// The id of `t` in `cats`, added when new.
fn intern<'a>(cats: &mut Vec<Tag<'a>>, t: Tag<'a>) -> u32 {
    if let Some(k) = cats.iter().position(|c| *c == t) {
        return k as u32;
    }
    cats.push(t);
    (cats.len() - 1) as u32
}

fn measures(items: &[Item], tags: &Tags<'_>, label: Option<&str>) -> Measures {
    let raters = items.first().map_or(0, |i| i.layers.len());
    let width = raters.max(1);
    // Each token's tag per annotator as an id into `cats` (few: O and B-/I- of each label).
    let mut cats: Vec<Tag<'_>> = Vec::new();
    // Krippendorff: every token, with whoever annotated its document; Fleiss: the tokens
    // of documents every annotator annotated (`full`).
    let mut flat: Vec<u32> = Vec::new();
    let mut full: Vec<bool> = Vec::new();
    for doc in tags {
        let Some(len) = doc.iter().flatten().map(Vec::len).next() else {
            continue;
        };
        let all = raters >= 2 && doc.iter().all(Option::is_some);
        for t in 0..len {
            for l in doc {
                flat.push(
                    l.as_ref()
                        .map_or(NO_VALUE, |tags| intern(&mut cats, tags[t])),
                );
            }
            full.push(all);
        }
    }
    let k = cats.len();
    let table: Vec<Vec<usize>> = flat
        .chunks(width)
        .zip(&full)
        .filter(|(_, all)| **all)
        .map(|(u, _)| {
            let mut row = vec![0; k];
            for &v in u.iter().filter(|&&v| v != NO_VALUE) {
                row[v as usize] += 1;
            }
            row
        })
        .collect();
    let mut spans = SpanCounts::default();
    for it in items {
        for i in 0..raters {
            for j in i + 1..raters {
                if let (Some(a), Some(b)) = (&it.layers[i], &it.layers[j]) {
                    let keep = |v: &Vec<TaggedSpan>| -> Vec<TaggedSpan> {
                        v.iter()
                            .filter(|s| label.is_none_or(|x| s.label == x))
                            .cloned()
                            .collect()
                    };
                    spans.add(SpanCounts::of(&keep(a), &keep(b)));
                }
            }
        }
    }
    Measures {
        fleiss_kappa: fleiss_kappa(&table).and_then(|k| k.value),
        krippendorff_alpha: krippendorff_of_ids(flat.chunks(width), k),
        krippendorff_alpha_u: unitizing_alpha(items, label),
        span_f1_exact: spans.f1_exact(),
        tokens: flat
            .chunks(width)
            .filter(|u| u.iter().filter(|&&v| v != NO_VALUE).count() >= 2)
            .count(),
    }
}

/// α_u of a scope: the documents every annotator annotated laid end to end as one
/// continuum of characters (a single document: with those who annotated it), units the
/// spans (of `label` only, when given), categories their labels.
fn unitizing_alpha(items: &[Item], label: Option<&str>) -> Option<f64> {
    let raters: Vec<usize> = match items {
        [one] => (0..one.layers.len())
            .filter(|&r| one.layers[r].is_some())
            .collect(),
        _ => (0..items.first().map_or(0, |i| i.layers.len())).collect(),
    };
    let docs: Vec<&Item> = items
        .iter()
        .filter(|it| raters.iter().all(|&r| it.layers[r].is_some()))
        .collect();
    let lens: Vec<u64> = docs
        .iter()
        .map(|it| it.text.chars().count() as u64)
        .collect();
    let mut study = UnitizingStudy::new(raters.len(), lens.iter().sum());
    let mut at = 0;
    for (it, len) in docs.iter().zip(&lens) {
        for (k, &r) in raters.iter().enumerate() {
            for sp in it.layers[r].iter().flatten() {
                if label.is_none_or(|l| sp.label == l) {
                    study.add(k, at + sp.start as u64, at + sp.end as u64, &sp.label);
                }
            }
        }
        at += len;
    }
    study.alpha()
}

fn pair(items: &[Item], tags: &Tags<'_>, names: &[String], i: usize, j: usize) -> PairReport {
    let mut spans = SpanCounts::default();
    let mut confusion = Confusion::default();
    let mut ratings = Vec::new();
    let mut documents = 0;
    let mut per_document = Vec::new();
    for (index, (it, doc)) in items.iter().zip(tags).enumerate() {
        let (Some(a), Some(b)) = (&it.layers[i], &it.layers[j]) else {
            continue;
        };
        documents += 1;
        let counts = SpanCounts::of(a, b);
        spans.add(counts);
        let mut here = Confusion::default();
        here.add(a, b);
        confusion.merge(&here);
        let mut doc_ratings = Vec::new();
        if let (Some(ta), Some(tb)) = (&doc[i], &doc[j]) {
            doc_ratings.extend(ta.iter().copied().zip(tb.iter().copied()));
        }
        per_document.push(PairDocument {
            index,
            spans: counts,
            cohen: cohen_kappa(&doc_ratings),
            confusion: here,
        });
        ratings.extend(doc_ratings);
    }
    PairReport {
        a: names[i].clone(),
        b: names[j].clone(),
        documents,
        spans,
        cohen: cohen_kappa(&ratings),
        confusion,
        per_document,
    }
}

/// Agreement between `annotators` on `items` (whose layers are in the same order), per pair,
/// overall, per label (in `labels`' order) and per document.
#[must_use]
pub fn compute(annotators: &[String], items: &[Item], labels: &[String]) -> Report {
    let toks: Vec<Vec<(usize, usize)>> = items.iter().map(|it| tokens(&it.text)).collect();
    let tags = tags_of(items, &toks, None);
    let n = annotators.len();
    let pairs = (0..n)
        .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
        .map(|(i, j)| pair(items, &tags, annotators, i, j))
        .collect();
    let used: BTreeSet<&str> = items
        .iter()
        .flat_map(|it| it.layers.iter().flatten().flatten())
        .map(|s| s.label.as_str())
        .collect();
    let labels = labels
        .iter()
        .filter(|l| used.contains(l.as_str()))
        .map(|l| {
            let t = tags_of(items, &toks, Some(l));
            (l.clone(), measures(items, &t, Some(l)))
        })
        .collect();
    let documents = items
        .iter()
        .zip(&tags)
        .map(|(it, t)| {
            let one = std::slice::from_ref(it);
            (it.name.clone(), measures(one, &vec![t.clone()], None))
        })
        .collect();
    let mut time = vec![AnnotatorTime::default(); n];
    for it in items {
        for (k, t) in time.iter_mut().enumerate() {
            if it.layers.get(k).is_some_and(Option::is_some) {
                t.documents += 1;
            }
            let secs = it.seconds.get(k).copied().unwrap_or(0.0);
            if secs > 0.0 && secs.is_finite() {
                t.active_seconds += secs;
                t.timed += 1;
            }
        }
    }
    let document_seconds = items
        .iter()
        .map(|it| {
            (0..n)
                .map(|k| it.seconds.get(k).copied().unwrap_or(0.0))
                .collect()
        })
        .collect();
    Report {
        annotators: annotators.to_vec(),
        time,
        document_seconds,
        overall: measures(items, &tags, None),
        pairs,
        labels,
        documents,
        document_ids: vec![None; items.len()],
    }
}

// ------------------------------------------------------------------ from a project

/// Agreement between `annotators` (names; every annotator with an annotated document when
/// empty) on a project, over the spans of `labels` (all when empty). The caller checks that
/// this store may see each layer.
pub fn of_store<S: crate::store::Store>(
    s: &S,
    annotators: &[String],
    labels: &[String],
    progress: Option<&crate::job::Progress>,
) -> Result<Report, String> {
    use crate::domain::DocStatus;
    let all = s.annotators().map_err(|e| e.to_string())?;
    let chosen: Vec<crate::domain::Annotator> = if annotators.is_empty() {
        // The curated layer is not an annotator (compare with it by naming it).
        all.iter()
            .filter(|a| a.name != crate::curation::CURATED)
            .cloned()
            .collect()
    } else {
        annotators
            .iter()
            .map(|n| {
                all.iter()
                    .find(|a| a.name == n.trim())
                    .cloned()
                    .ok_or_else(|| {
                        format!(
                            "{}: no annotator {n:?} in this project (it has: {})",
                            s.path().display(),
                            all.iter()
                                .map(|a| a.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    })
            })
            .collect::<Result<_, _>>()?
    };
    let keep = |sp: &TaggedSpan| labels.is_empty() || labels.contains(&sp.label);
    let mut items: Vec<Item> = Vec::new();
    let mut names = Vec::new();
    for (k, a) in chosen.iter().enumerate() {
        let docs = s
            .export_docs(Some(a.id), None, None)
            .map_err(|e| e.to_string())?;
        for (i, d) in docs.enumerate() {
            let d = d.map_err(|e| e.to_string())?;
            if let Some(p) = progress {
                if p.cancelled() {
                    return Err("cancelled".into());
                }
                p.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            if k == 0 {
                items.push(Item {
                    name: d.name.clone(),
                    text: d.text.clone(),
                    layers: Vec::new(),
                    seconds: Vec::new(),
                });
            }
            let Some(item) = items.get_mut(i) else {
                return Err(format!(
                    "{}: the documents changed while they were read; run it again",
                    s.path().display()
                ));
            };
            let annotated = d.status != DocStatus::New || !d.spans.is_empty();
            item.seconds.push(d.active_seconds.unwrap_or(0.0));
            item.layers
                .push(annotated.then(|| d.spans.into_iter().filter(|sp| keep(sp)).collect()));
        }
        names.push(a.name.clone());
    }
    // Without names given: only annotators who annotated something.
    if annotators.is_empty() {
        let active: Vec<usize> = (0..names.len())
            .filter(|&k| {
                items
                    .iter()
                    .any(|it| it.layers.get(k).is_some_and(Option::is_some))
            })
            .collect();
        names = active.iter().map(|&k| names[k].clone()).collect();
        for it in &mut items {
            it.layers = active.iter().map(|&k| it.layers[k].take()).collect();
            it.seconds = active.iter().map(|&k| it.seconds[k]).collect();
        }
    }
    let order: Vec<String> = s
        .labels()
        .iter()
        .map(|l| l.name.clone())
        .filter(|n| labels.is_empty() || labels.contains(n))
        .collect();
    let mut report = compute(&names, &items, &order);
    // Documents come in the project's order, as its list has them.
    if let Ok(list) = s.documents()
        && list.len() == items.len()
    {
        report.document_ids = list.iter().map(|d| Some(d.id)).collect();
    }
    Ok(report)
}

// ------------------------------------------------------------------ output

fn num(v: Option<f64>) -> serde_json::Value {
    v.filter(|x| x.is_finite())
        .map_or(serde_json::Value::Null, |x| serde_json::json!(x))
}

fn measures_json(m: &Measures) -> serde_json::Value {
    serde_json::json!({
        "fleiss_kappa": num(m.fleiss_kappa),
        "krippendorff_alpha": num(m.krippendorff_alpha),
        "krippendorff_alpha_u": num(m.krippendorff_alpha_u),
        "span_f1_exact": num(m.span_f1_exact),
        "tokens": m.tokens,
    })
}

fn counts_json(m: &BTreeMap<String, usize>) -> serde_json::Value {
    serde_json::Value::Object(
        m.iter()
            .map(|(k, v)| (k.clone(), serde_json::json!(v)))
            .collect(),
    )
}

impl Report {
    /// The report as JSON: `annotators`, `pairs`, `overall`, `labels`, `documents`.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        let pairs: Vec<serde_json::Value> = self
            .pairs
            .iter()
            .map(|p| {
                serde_json::json!({
                    "a": p.a,
                    "b": p.b,
                    "documents": p.documents,
                    "span_f1_exact": num(p.spans.f1_exact()),
                    "span_f1_lenient": num(p.spans.f1_lenient()),
                    "cohen_kappa": num(p.cohen.and_then(|k| k.value)),
                    "observed_agreement": num(p.cohen.map(|k| k.observed)),
                    "expected_agreement": num(p.cohen.map(|k| k.expected)),
                    "tokens": p.cohen.map_or(0, |k| k.units),
                    "spans_a": p.spans.a,
                    "spans_b": p.spans.b,
                    "spans_same": p.spans.exact,
                    "confusion": p.confusion.pairs.iter().map(|((x, y), n)| {
                        serde_json::json!({"a": x, "b": y, "spans": n})
                    }).collect::<Vec<_>>(),
                    "only_a": counts_json(&p.confusion.only_a),
                    "only_b": counts_json(&p.confusion.only_b),
                })
            })
            .collect();
        let by = |v: &[(String, Measures)]| {
            serde_json::Value::Object(
                v.iter()
                    .map(|(k, m)| (k.clone(), measures_json(m)))
                    .collect(),
            )
        };
        let mut documents = by(&self.documents);
        if let serde_json::Value::Object(docs) = &mut documents {
            for ((name, _), secs) in self.documents.iter().zip(&self.document_seconds) {
                if let Some(serde_json::Value::Object(d)) = docs.get_mut(name) {
                    d.insert("active_seconds".into(), self.per_annotator(secs));
                }
            }
        }
        let time: serde_json::Map<String, serde_json::Value> = self
            .annotators
            .iter()
            .zip(&self.time)
            .map(|(a, t)| {
                (
                    a.clone(),
                    serde_json::json!({
                        "active_seconds": t.active_seconds,
                        "documents": t.documents,
                        "documents_timed": t.timed,
                        "seconds_per_document": num(t.per_document()),
                    }),
                )
            })
            .collect();
        serde_json::json!({
            "annotators": self.annotators,
            "pairs": pairs,
            "overall": measures_json(&self.overall),
            "labels": by(&self.labels),
            "documents": documents,
            "time": time,
        })
    }

    fn per_annotator(&self, secs: &[f64]) -> serde_json::Value {
        serde_json::Value::Object(
            self.annotators
                .iter()
                .zip(secs)
                .map(|(a, s)| (a.clone(), serde_json::json!(s)))
                .collect(),
        )
    }

    /// One `scope,name,measure,value` line per number (scope: pair, overall, label,
    /// document, annotator; a pair's name is `a|b`); an undefined measure has an empty value.
    #[must_use]
    pub fn to_csv(&self) -> String {
        let mut out = String::from("scope,name,measure,value\n");
        let field = |s: &str| {
            if s.contains([',', '"', '\n']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_string()
            }
        };
        let v = |x: Option<f64>| {
            x.filter(|x| x.is_finite())
                .map_or(String::new(), |x| format!("{x}"))
        };
        let mut line = |scope: &str, name: &str, measure: &str, value: String| {
            out.push_str(&format!("{scope},{},{measure},{value}\n", field(name)));
        };
        for p in &self.pairs {
            let name = format!("{}|{}", p.a, p.b);
            line("pair", &name, "span_f1_exact", v(p.spans.f1_exact()));
            line("pair", &name, "span_f1_lenient", v(p.spans.f1_lenient()));
            line(
                "pair",
                &name,
                "cohen_kappa",
                v(p.cohen.and_then(|k| k.value)),
            );
        }
        let mut scope = |scope: &str, name: &str, m: &Measures| {
            line(scope, name, "fleiss_kappa", v(m.fleiss_kappa));
            line(scope, name, "krippendorff_alpha", v(m.krippendorff_alpha));
            line(
                scope,
                name,
                "krippendorff_alpha_u",
                v(m.krippendorff_alpha_u),
            );
            line(scope, name, "span_f1_exact", v(m.span_f1_exact));
        };
        scope("overall", "", &self.overall);
        for (l, m) in &self.labels {
            scope("label", l, m);
        }
        for (d, m) in &self.documents {
            scope("document", d, m);
        }
        for (a, t) in self.annotators.iter().zip(&self.time) {
            line("annotator", a, "active_seconds", v(Some(t.active_seconds)));
            line("annotator", a, "documents", t.documents.to_string());
        }
        out
    }

    /// A table for people.
    #[must_use]
    pub fn to_table(&self) -> String {
        let f = |x: Option<f64>| x.map_or_else(|| "—".to_string(), |x| format!("{x:.3}"));
        let mut out = format!("annotators: {}\n\n", self.annotators.join(", "));
        out.push_str(
            "pair\tdocuments\tspan F1 exact\tspan F1 lenient\tCohen's κ\tobserved\texpected\n",
        );
        for p in &self.pairs {
            out.push_str(&format!(
                "{} – {}\t{}\t{}\t{}\t{}\t{}\t{}\n",
                p.a,
                p.b,
                p.documents,
                f(p.spans.f1_exact()),
                f(p.spans.f1_lenient()),
                f(p.cohen.and_then(|k| k.value)),
                f(p.cohen.map(|k| k.observed)),
                f(p.cohen.map(|k| k.expected)),
            ));
        }
        out.push_str("\nscope\tFleiss' κ\tKrippendorff's α\tα_u\tspan F1 exact\ttokens\n");
        let mut row = |name: &str, m: &Measures| {
            out.push_str(&format!(
                "{name}\t{}\t{}\t{}\t{}\t{}\n",
                f(m.fleiss_kappa),
                f(m.krippendorff_alpha),
                f(m.krippendorff_alpha_u),
                f(m.span_f1_exact),
                m.tokens
            ));
        };
        row("overall", &self.overall);
        for (l, m) in &self.labels {
            row(&format!("label {l}"), m);
        }
        for (d, m) in self.documents.iter().filter(|(_, m)| m.tokens > 0) {
            row(&format!("document {d}"), m);
        }
        out.push_str("\nannotator\tactive time\tdocuments\tper timed document\n");
        for (a, t) in self.annotators.iter().zip(&self.time) {
            out.push_str(&format!(
                "{a}\t{}\t{}\t{}\n",
                crate::domain::duration_text(t.active_seconds),
                t.documents,
                t.per_document()
                    .map_or_else(|| "—".to_string(), crate::domain::duration_text),
            ));
        }
        for p in &self.pairs {
            if p.confusion.pairs.is_empty()
                && p.confusion.only_a.is_empty()
                && p.confusion.only_b.is_empty()
            {
                continue;
            }
            out.push_str(&format!(
                "\nlabels of {} (rows) against {} (columns)\n",
                p.a, p.b
            ));
            for ((x, y), n) in &p.confusion.pairs {
                out.push_str(&format!("{x}\t{y}\t{n}\n"));
            }
            for (l, n) in &p.confusion.only_a {
                out.push_str(&format!("only {}: {l}\t{n}\n", p.a));
            }
            for (l, n) in &p.confusion.only_b {
                out.push_str(&format!("only {}: {l}\t{n}\n", p.b));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() < tol
    }

    #[test]
    fn cohen_1960_worked_example() {
        // Wikipedia's worked example of Cohen's κ: 50 proposals, yes/yes 20, yes/no 5,
        // no/yes 10, no/no 15: p_o = 0.7, p_e = 0.5, κ = 0.4.
        let mut pairs = Vec::new();
        for (a, b, n) in [
            ("y", "y", 20),
            ("y", "n", 5),
            ("n", "y", 10),
            ("n", "n", 15),
        ] {
            pairs.extend(std::iter::repeat_n((a, b), n));
        }
        let k = cohen_kappa(&pairs).expect("kappa");
        assert!(close(k.observed, 0.7, 1e-12));
        assert!(close(k.expected, 0.5, 1e-12));
        assert!(close(k.value.expect("defined"), 0.4, 1e-12));
    }

    #[test]
    fn fleiss_1971_worked_example() {
        // Fleiss' κ worked example (Wikipedia, after Fleiss 1971): 10 subjects, 14 raters,
        // 5 categories. P̄ = 0.378, P̄_e = 0.2128…, κ = 0.2099…
        let t = [
            [0, 0, 0, 0, 14],
            [0, 2, 6, 4, 2],
            [0, 0, 3, 5, 6],
            [0, 3, 9, 2, 0],
            [2, 2, 8, 1, 1],
            [7, 7, 0, 0, 0],
            [3, 2, 6, 3, 0],
            [2, 5, 3, 2, 2],
            [6, 5, 2, 1, 0],
            [0, 2, 2, 3, 7],
        ];
        let counts: Vec<Vec<usize>> = t.iter().map(|r| r.to_vec()).collect();
        let k = fleiss_kappa(&counts).expect("kappa");
        // Exact (with fractions): P̄ = 0.378021978…, P̄_e = 0.212755102…
        assert!(
            close(k.observed, 0.378_021_978_021_978, 1e-9),
            "{}",
            k.observed
        );
        assert!(
            close(k.expected, 0.212_755_102_040_816, 1e-9),
            "{}",
            k.expected
        );
        let v = k.value.expect("defined");
        assert!(close(v, 0.209_930_704_421_955, 1e-9), "{v}");
    }

    #[test]
    fn krippendorff_2011_reliability_data_nominal() {
        // "Computing Krippendorff's Alpha-Reliability" (2011), the 4 observers × 12 units
        // example with missing values; nominal α = 0.743 (published to 3 places).
        // 0: the observer gave no value.
        let rows: [[u8; 12]; 4] = [
            [1, 2, 3, 3, 2, 1, 4, 1, 2, 0, 0, 0],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, 0, 3],
            [0, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 0],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, 0],
        ];
        let units: Vec<Vec<Option<u8>>> = (0..12)
            .map(|u| rows.iter().map(|r| Some(r[u]).filter(|v| *v > 0)).collect())
            .collect();
        let a = krippendorff_alpha(&units).expect("alpha");
        // Exactly 113/152 from the paper's coincidence matrix (n = 40 pairable values),
        // computed with exact fractions.
        assert!(close(a, 0.743, 5e-4), "{a}");
        assert!(close(a, 113.0 / 152.0, 1e-12), "{a}");
    }

    #[test]
    fn edge_cases_are_undefined_or_perfect_never_nan() {
        // Perfect agreement with two categories: κ = α = 1.
        let pairs = [("a", "a"), ("b", "b"), ("a", "a")];
        assert_eq!(cohen_kappa(&pairs).and_then(|k| k.value), Some(1.0));
        let units = vec![vec![Some("a"), Some("a")], vec![Some("b"), Some("b")]];
        assert_eq!(krippendorff_alpha(&units), Some(1.0));
        // Every rating the same: undefined, not NaN.
        let same = [("O", "O"), ("O", "O")];
        let k = cohen_kappa(&same).expect("ratings");
        assert_eq!(k.value, None);
        assert_eq!(krippendorff_alpha(&[vec![Some("O"), Some("O")]]), None);
        // All disagreement: below zero.
        let apart = [("a", "b"), ("b", "a")];
        assert!(cohen_kappa(&apart).and_then(|k| k.value).expect("defined") < 0.0);
        // One annotator per unit (missing data everywhere): nothing to pair.
        assert_eq!(krippendorff_alpha(&[vec![Some(1), None]]), None);
        assert_eq!(cohen_kappa::<u8>(&[]), None);
        // Fleiss needs the same raters for every unit.
        assert_eq!(fleiss_kappa(&[vec![2, 0], vec![1, 0]]), None);
    }

    #[test]
    fn tokens_take_the_outermost_span_and_a_cut_proclitic_still_tags_its_word() {
        let text = "زار وبنغازي الأمم المتحدة.";
        // بنغازي without its و (starts inside the token وبنغازي): B on that token.
        let s = |a: &str, l: &str| {
            let b = text.find(a).expect("in text");
            let st = text[..b].chars().count();
            TaggedSpan::new(st, st + a.chars().count(), l)
        };
        let tags = token_tags(
            text,
            &[
                s("بنغازي", "LOC"),
                s("الأمم المتحدة", "ORG"),
                s("الأمم", "MISC"),
            ],
        );
        assert_eq!(tags, ["O", "B-LOC", "B-ORG", "I-ORG", "O"]);
    }

    #[test]
    fn span_f1_exact_and_lenient_and_the_confusion_of_two_layers() {
        let a = vec![
            TaggedSpan::new(0, 5, "PER"),
            TaggedSpan::new(10, 20, "ORG"),
            TaggedSpan::new(30, 35, "LOC"),
        ];
        let b = vec![
            TaggedSpan::new(0, 5, "PER"),
            TaggedSpan::new(10, 15, "ORG"),
            TaggedSpan::new(30, 35, "GPE"),
            TaggedSpan::new(40, 45, "PER"),
        ];
        let c = SpanCounts::of(&a, &b);
        assert_eq!(c.f1_exact(), Some(2.0 / 7.0));
        // Lenient: a's PER and ORG found (2/3); b's PER and ORG found (2/4).
        let (r, p) = (2.0 / 3.0, 0.5);
        assert!(close(
            c.f1_lenient().expect("f1"),
            2.0 * p * r / (p + r),
            1e-12
        ));
        let mut conf = Confusion::default();
        conf.add(&a, &b);
        assert_eq!(conf.pairs.get(&("LOC".into(), "GPE".into())), Some(&1));
        assert_eq!(conf.pairs.get(&("ORG".into(), "ORG".into())), Some(&1));
        assert_eq!(conf.only_b.get("PER"), Some(&1));
        assert!(conf.only_a.is_empty());
        assert_eq!(SpanCounts::of(&[], &[]).f1_exact(), None);
    }
}
