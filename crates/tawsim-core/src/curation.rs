//! Curation: turning several annotators' layers of a document into one curated (gold) layer.
//!
//! The curated layer is the layer of a reserved annotator, [`CURATED`]: it is stored, undone,
//! exported (`--layer curated`) and counted like anyone's, and agreement leaves it out.
//! Annotators' spans are grouped into *regions* (runs of text their spans overlap, joined
//! transitively); annotators agree on a region when each made exactly the same spans there.
//! A pre-merge by a [`Rule`] writes the spans enough annotators made; what is left are the
//! regions they disagree on, which the curator settles one by one: accept one annotator's
//! version, reject all, or edit by hand. Each settlement is one [`Edit`] of the curated layer
//! (a batch), so undo takes it back like any edit.

use crate::domain::{Annotator, DocId, DocStatus, Edit, OverlapPolicy, Span};
use crate::store::{Store, StoreError};
use std::collections::BTreeMap;

/// The name of the curated layer's annotator.
pub const CURATED: &str = "curated";

/// Whether a layer name means the curated layer on the command line (`curated` or `gold`).
#[must_use]
pub fn is_curated_name(name: &str) -> bool {
    matches!(name.trim(), "curated" | "gold")
}

/// How many annotators must have made a span for the pre-merge to take it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Rule {
    /// Every annotator of the document.
    Unanimous,
    /// More than half of them.
    #[default]
    Majority,
    /// At least K of them.
    AtLeast(usize),
}

impl Rule {
    /// Reads `unanimous`, `majority` or `at-least-K` (also `at-least:K`, `K`).
    pub fn parse(s: &str) -> Result<Rule, String> {
        let s = s.trim();
        match s {
            "unanimous" | "all" => return Ok(Rule::Unanimous),
            "majority" => return Ok(Rule::Majority),
            _ => {}
        }
        let k = s
            .strip_prefix("at-least-")
            .or_else(|| s.strip_prefix("at-least:"))
            .unwrap_or(s);
        match k.parse::<usize>() {
            Ok(k) if k > 0 => Ok(Rule::AtLeast(k)),
            _ => Err(format!(
                "unknown rule {s:?} (unanimous, majority, at-least-K with K ≥ 1)"
            )),
        }
    }

    /// The number of `n` annotators a span needs.
    #[must_use]
    pub fn needed(self, n: usize) -> usize {
        match self {
            Rule::Unanimous => n,
            Rule::Majority => n / 2 + 1,
            Rule::AtLeast(k) => k,
        }
    }

    /// The rule's name as [`Rule::parse`] reads it.
    #[must_use]
    pub fn name(self) -> String {
        match self {
            Rule::Unanimous => "unanimous".into(),
            Rule::Majority => "majority".into(),
            Rule::AtLeast(k) => format!("at-least-{k}"),
        }
    }
}

/// A run of text that annotators' spans cover, and what each annotator made there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub start: usize,
    pub end: usize,
    /// Per annotator (in the order given), their spans in the region, sorted.
    pub versions: Vec<Vec<Span>>,
}

impl Region {
    /// Every annotator made exactly the same spans here.
    #[must_use]
    pub fn agreed(&self) -> bool {
        self.versions.windows(2).all(|w| w[0] == w[1])
    }

    /// Each distinct span in the region with the annotators (indices) who made it, in
    /// span order.
    #[must_use]
    pub fn votes(&self) -> Vec<(Span, Vec<usize>)> {
        let mut by: BTreeMap<Span, Vec<usize>> = BTreeMap::new();
        for (i, v) in self.versions.iter().enumerate() {
            for s in v {
                by.entry(*s).or_default().push(i);
            }
        }
        by.into_iter().collect()
    }

    /// The spans `rule` takes here among `n` annotators: those enough of them made, unless
    /// they overlap one another where the project forbids it (then none: the curator
    /// decides).
    #[must_use]
    pub fn merged(&self, rule: Rule, policy: OverlapPolicy) -> Vec<Span> {
        let need = rule.needed(self.versions.len()).max(1);
        let taken: Vec<Span> = self
            .votes()
            .into_iter()
            .filter(|(_, who)| who.len() >= need)
            .map(|(s, _)| s)
            .collect();
        let clash = policy == OverlapPolicy::Forbid
            && taken
                .iter()
                .enumerate()
                .any(|(i, a)| taken[i + 1..].iter().any(|b| a.overlaps(*b)));
        if clash { Vec::new() } else { taken }
    }

    /// Whether `[start, end)` touches the region.
    #[must_use]
    pub fn touches(&self, s: Span) -> bool {
        s.start < self.end && self.start < s.end
    }
}

/// The regions of a document from its annotators' layers (one slice of spans each), in text
/// order.
#[must_use]
pub fn regions(layers: &[&[Span]]) -> Vec<Region> {
    let mut all: Vec<(Span, usize)> = layers
        .iter()
        .enumerate()
        .flat_map(|(i, l)| l.iter().map(move |s| (*s, i)))
        .collect();
    all.sort_by_key(|(s, _)| (s.start, s.end, s.label));
    let mut out: Vec<Region> = Vec::new();
    for (s, i) in all {
        match out.last_mut() {
            Some(r) if s.start < r.end => {
                r.end = r.end.max(s.end);
                r.versions[i].push(s);
            }
            _ => {
                let mut versions = vec![Vec::new(); layers.len()];
                versions[i].push(s);
                out.push(Region {
                    start: s.start,
                    end: s.end,
                    versions,
                });
            }
        }
    }
    for r in &mut out {
        for v in &mut r.versions {
            v.sort();
        }
    }
    out
}

/// The curated spans touching a region.
fn curated_in(curated: &[Span], r: &Region) -> Vec<Span> {
    let mut v: Vec<Span> = curated.iter().copied().filter(|s| r.touches(*s)).collect();
    v.sort();
    v
}

/// The edit that makes the curated layer hold exactly `want` in region `r` (removing what
/// it has there first), or `None` when it already does.
#[must_use]
pub fn settle(curated: &[Span], r: &Region, want: &[Span]) -> Option<Edit> {
    let have = curated_in(curated, r);
    let mut want = want.to_vec();
    want.sort();
    if have == want {
        return None;
    }
    let mut edits: Vec<Edit> = have
        .iter()
        .filter(|s| !want.contains(s))
        .map(|s| Edit::RemoveSpan { span: *s })
        .collect();
    edits.extend(
        want.iter()
            .filter(|s| !have.contains(s))
            .map(|s| Edit::AddSpan { span: *s }),
    );
    Some(Edit::Batch { edits })
}

/// The pre-merge of a document: for every region the curated layer has nothing in yet, the
/// spans `rule` takes. One batch edit (`None` when there is nothing to add) and the number
/// of regions left to the curator (annotators disagree there).
#[must_use]
pub fn premerge(
    regions: &[Region],
    curated: &[Span],
    rule: Rule,
    policy: OverlapPolicy,
) -> (Option<Edit>, usize) {
    let mut edits = Vec::new();
    let mut left = 0;
    for r in regions {
        if !r.agreed() {
            left += 1;
        }
        if !curated_in(curated, r).is_empty() {
            continue;
        }
        edits.extend(
            r.merged(rule, policy)
                .into_iter()
                .map(|span| Edit::AddSpan { span }),
        );
    }
    ((!edits.is_empty()).then_some(Edit::Batch { edits }), left)
}

/// "Accept all agreements": the regions every annotator agrees on, written to the curated
/// layer where it has nothing there yet.
#[must_use]
pub fn accept_agreements(regions: &[Region], curated: &[Span]) -> Option<Edit> {
    premerge(
        &regions
            .iter()
            .filter(|r| r.agreed())
            .cloned()
            .collect::<Vec<_>>(),
        curated,
        Rule::Unanimous,
        OverlapPolicy::Allow,
    )
    .0
}

/// The index of the next region after `pos` (wrapping) where annotators disagree.
#[must_use]
pub fn next_disagreement(regions: &[Region], pos: Option<usize>, back: bool) -> Option<usize> {
    let open: Vec<usize> = (0..regions.len())
        .filter(|&i| !regions[i].agreed())
        .collect();
    let first = *open.first()?;
    let last = *open.last()?;
    Some(match (pos, back) {
        (None, false) => first,
        (None, true) => last,
        (Some(p), false) => open.iter().copied().find(|&i| i > p).unwrap_or(first),
        (Some(p), true) => open.iter().rev().copied().find(|&i| i < p).unwrap_or(last),
    })
}

/// The annotators whose layers are curated: `only` by name (checked), else everyone but the
/// curated layer.
pub fn annotators_to_curate<S: Store>(s: &S, only: &[String]) -> Result<Vec<Annotator>, String> {
    let all = s.annotators().map_err(|e| e.to_string())?;
    if only.is_empty() {
        return Ok(all.into_iter().filter(|a| a.name != CURATED).collect());
    }
    only.iter()
        .map(|n| {
            all.iter()
                .find(|a| a.name == n.trim() && a.name != CURATED)
                .cloned()
                .ok_or_else(|| {
                    format!(
                        "{}: no annotator {n:?} to curate in this project (it has: {})",
                        s.path().display(),
                        all.iter()
                            .filter(|a| a.name != CURATED)
                            .map(|a| a.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })
        })
        .collect()
}

/// A document's layers to curate: of `annotators`, those who made a span or set a status
/// there (someone who never opened it does not vote), with their spans.
pub fn document_layers<S: Store>(
    s: &S,
    doc: DocId,
    annotators: &[Annotator],
) -> Result<Vec<(Annotator, Vec<Span>)>, StoreError> {
    let mut out = Vec::new();
    for a in annotators {
        let ann = s.annotations_of(doc, a.id)?;
        if !ann.spans.is_empty() || ann.status != DocStatus::New {
            out.push((a.clone(), ann.spans.as_slice().to_vec()));
        }
    }
    Ok(out)
}

/// What `tawsim curate` did to one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CuratedDoc {
    pub name: String,
    /// Annotators with a layer of the document.
    pub annotators: usize,
    /// Spans the pre-merge wrote.
    pub added: usize,
    /// Regions the annotators disagree on (left to the curator).
    pub disagreements: usize,
}

/// Pre-merges every document whose curated layer is not done into the curated layer of `s`
/// (a handle opened as [`CURATED`]): one undoable edit per document.
pub fn premerge_project<S: Store>(
    s: &mut S,
    annotators: &[Annotator],
    rule: Rule,
) -> Result<(Vec<CuratedDoc>, usize), StoreError> {
    let policy = s.settings().overlap;
    let mut out = Vec::new();
    let mut done = 0;
    for d in s.documents()? {
        let curated = s.annotations(d.id)?;
        if curated.status == DocStatus::Done {
            done += 1;
            continue;
        }
        let layers = document_layers(s, d.id, annotators)?;
        if layers.is_empty() {
            continue;
        }
        let slices: Vec<&[Span]> = layers.iter().map(|(_, v)| v.as_slice()).collect();
        let regions = regions(&slices);
        let (edit, left) = premerge(&regions, curated.spans.as_slice(), rule, policy);
        let added = match &edit {
            Some(Edit::Batch { edits }) => edits.len(),
            _ => 0,
        };
        if let Some(e) = edit {
            s.apply(d.id, &e)?;
        }
        out.push(CuratedDoc {
            name: d.name.clone(),
            annotators: layers.len(),
            added,
            disagreements: left,
        });
    }
    Ok((out, done))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::LabelId;

    fn sp(s: usize, e: usize, l: u32) -> Span {
        Span::new(s, e, LabelId(l)).expect("span")
    }

    #[test]
    fn rules_read_and_count() {
        assert_eq!(Rule::parse("majority"), Ok(Rule::Majority));
        assert_eq!(Rule::parse("unanimous"), Ok(Rule::Unanimous));
        assert_eq!(Rule::parse("at-least-2"), Ok(Rule::AtLeast(2)));
        assert_eq!(Rule::parse("at-least:3"), Ok(Rule::AtLeast(3)));
        assert!(Rule::parse("at-least-0").is_err());
        assert!(Rule::parse("most").is_err());
        assert_eq!(Rule::Majority.needed(2), 2);
        assert_eq!(Rule::Majority.needed(3), 2);
        assert_eq!(Rule::Majority.needed(5), 3);
        assert_eq!(Rule::Unanimous.needed(4), 4);
        for r in [Rule::Unanimous, Rule::Majority, Rule::AtLeast(4)] {
            assert_eq!(Rule::parse(&r.name()), Ok(r));
        }
    }

    #[test]
    fn regions_join_overlapping_spans_of_everyone() {
        let a = [sp(0, 5, 1), sp(10, 14, 2)];
        let b = [sp(0, 5, 1), sp(12, 20, 3)];
        let c = [sp(3, 8, 1)];
        let r = regions(&[&a, &b, &c]);
        assert_eq!(r.len(), 2);
        assert_eq!((r[0].start, r[0].end), (0, 8));
        assert_eq!(
            r[0].versions,
            vec![vec![sp(0, 5, 1)], vec![sp(0, 5, 1)], vec![sp(3, 8, 1)]]
        );
        assert!(!r[0].agreed());
        assert_eq!((r[1].start, r[1].end), (10, 20));
        assert_eq!(r[1].versions[2], Vec::<Span>::new());
        // Touching is not overlapping: [0,5) and [5,9) are two regions.
        let r = regions(&[&[sp(0, 5, 1), sp(5, 9, 1)], &[sp(0, 5, 1), sp(5, 9, 1)]]);
        assert_eq!(r.len(), 2);
        assert!(r.iter().all(Region::agreed));
    }

    #[test]
    fn premerge_takes_what_the_rule_allows_and_leaves_disagreements() {
        // Three annotators: all agree on [0,5) PER; two of three say [10,14) LOC, one ORG;
        // only one marks [30,35).
        let a = [sp(0, 5, 1), sp(10, 14, 2), sp(30, 35, 1)];
        let b = [sp(0, 5, 1), sp(10, 14, 2)];
        let c = [sp(0, 5, 1), sp(10, 14, 3)];
        let r = regions(&[&a, &b, &c]);
        let (edit, left) = premerge(&r, &[], Rule::Majority, OverlapPolicy::Forbid);
        assert_eq!(left, 2);
        assert_eq!(
            edit,
            Some(Edit::Batch {
                edits: vec![
                    Edit::AddSpan { span: sp(0, 5, 1) },
                    Edit::AddSpan {
                        span: sp(10, 14, 2)
                    },
                ]
            })
        );
        let (edit, _) = premerge(&r, &[], Rule::Unanimous, OverlapPolicy::Forbid);
        assert_eq!(
            edit,
            Some(Edit::Batch {
                edits: vec![Edit::AddSpan { span: sp(0, 5, 1) }]
            })
        );
        let (edit, _) = premerge(&r, &[], Rule::AtLeast(1), OverlapPolicy::Forbid);
        // At least one: [10,14) has two candidates that overlap → left to the curator.
        assert_eq!(
            edit,
            Some(Edit::Batch {
                edits: vec![
                    Edit::AddSpan { span: sp(0, 5, 1) },
                    Edit::AddSpan {
                        span: sp(30, 35, 1)
                    },
                ]
            })
        );
        // Nested projects keep both.
        let (edit, _) = premerge(&r, &[], Rule::AtLeast(1), OverlapPolicy::Allow);
        assert!(matches!(edit, Some(Edit::Batch { edits }) if edits.len() == 4));
        // Regions the curator already settled are not touched again.
        let (edit, _) = premerge(&r, &[sp(10, 14, 3)], Rule::Majority, OverlapPolicy::Forbid);
        assert_eq!(
            edit,
            Some(Edit::Batch {
                edits: vec![Edit::AddSpan { span: sp(0, 5, 1) }]
            })
        );
        // Nothing to add: no edit.
        let (edit, left) = premerge(&[], &[], Rule::Majority, OverlapPolicy::Forbid);
        assert_eq!((edit, left), (None, 0));
    }

    #[test]
    fn settling_a_region_replaces_what_the_curated_layer_has_there() {
        let a = [sp(10, 14, 2)];
        let b = [sp(10, 16, 3)];
        let r = regions(&[&a, &b]);
        let curated = [sp(0, 3, 1), sp(10, 14, 2)];
        assert_eq!(settle(&curated, &r[0], &r[0].versions[0]), None);
        assert_eq!(
            settle(&curated, &r[0], &r[0].versions[1]),
            Some(Edit::Batch {
                edits: vec![
                    Edit::RemoveSpan {
                        span: sp(10, 14, 2)
                    },
                    Edit::AddSpan {
                        span: sp(10, 16, 3)
                    },
                ]
            })
        );
        // Reject all: the region is emptied; spans elsewhere stay.
        assert_eq!(
            settle(&curated, &r[0], &[]),
            Some(Edit::Batch {
                edits: vec![Edit::RemoveSpan {
                    span: sp(10, 14, 2)
                }]
            })
        );
    }

    #[test]
    fn agreements_and_navigation() {
        let a = [sp(0, 2, 1), sp(5, 7, 1), sp(9, 11, 1), sp(20, 22, 2)];
        let b = [sp(0, 2, 1), sp(5, 7, 2), sp(9, 11, 1)];
        let r = regions(&[&a, &b]);
        assert_eq!(
            accept_agreements(&r, &[sp(9, 11, 1)]),
            Some(Edit::Batch {
                edits: vec![Edit::AddSpan { span: sp(0, 2, 1) }]
            })
        );
        // Disagreements: regions 1 (label) and 3 (only a).
        assert_eq!(next_disagreement(&r, None, false), Some(1));
        assert_eq!(next_disagreement(&r, Some(1), false), Some(3));
        assert_eq!(next_disagreement(&r, Some(3), false), Some(1));
        assert_eq!(next_disagreement(&r, Some(1), true), Some(3));
        assert_eq!(next_disagreement(&r, Some(2), true), Some(1));
        let agreed = regions(&[&a, &a]);
        assert_eq!(next_disagreement(&agreed, None, false), None);
        assert!(is_curated_name("gold") && is_curated_name("curated") && !is_curated_name("amina"));
    }
}
