//! Spans: half-open code point ranges over a document's text with a label, and the sorted
//! set of them a document holds under the project's overlap policy.

use super::label::LabelId;
use super::text::IndexedText;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A labelled range `[start, end)` in Unicode code points. Invariant: `start < end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub label: LabelId,
}

impl Span {
    /// A span, or `None` when the range is empty or reversed.
    #[must_use]
    pub fn new(start: usize, end: usize, label: LabelId) -> Option<Self> {
        (start < end).then_some(Span { start, end, label })
    }

    #[must_use]
    pub fn len(self) -> usize {
        self.end - self.start
    }

    #[must_use]
    pub fn is_empty(self) -> bool {
        self.start >= self.end
    }

    /// True when the two ranges share at least one code point.
    #[must_use]
    pub fn overlaps(self, other: Span) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// True when `pos` lies inside `[start, end)`.
    #[must_use]
    pub fn contains(self, pos: usize) -> bool {
        self.start <= pos && pos < self.end
    }

    #[must_use]
    pub fn with_label(self, label: LabelId) -> Self {
        Span { label, ..self }
    }

    #[must_use]
    pub fn with_range(self, start: usize, end: usize) -> Option<Self> {
        Span::new(start, end, self.label)
    }
}

/// A span whose label is a name, as exchanged with file formats before labels get ids.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TaggedSpan {
    pub start: usize,
    pub end: usize,
    pub label: String,
}

impl TaggedSpan {
    #[must_use]
    pub fn new(start: usize, end: usize, label: impl Into<String>) -> Self {
        TaggedSpan {
            start,
            end,
            label: label.into(),
        }
    }
}

/// A typed link from one span to another of the same document (person → works for →
/// organisation). Its ends are spans by value, as edits name them: a span resized or
/// relabelled takes its relations along.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Relation {
    pub from: Span,
    pub to: Span,
    /// The relation type (a label of kind relation).
    pub label: LabelId,
}

impl Relation {
    /// Whether `span` is one of its ends.
    #[must_use]
    pub fn touches(self, span: Span) -> bool {
        self.from == span || self.to == span
    }

    /// The same relation the other way round.
    #[must_use]
    pub fn reversed(self) -> Self {
        Relation {
            from: self.to,
            to: self.from,
            label: self.label,
        }
    }
}

impl fmt::Display for Relation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} -[{}]-> {}", self.from, self.label.0, self.to)
    }
}

/// A relation as exchanged with file formats: its ends are indices into the document's
/// `spans`, its type a name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TaggedRelation {
    pub from: usize,
    pub to: usize,
    pub label: String,
}

/// Whether spans of one document may overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverlapPolicy {
    /// No two spans share a code point (the default: flat NER).
    #[default]
    Forbid,
    /// Nested and overlapping spans are allowed (Wojood-style nested NER); identical
    /// duplicates are still refused.
    Allow,
}

impl OverlapPolicy {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            OverlapPolicy::Forbid => "forbid",
            OverlapPolicy::Allow => "allow",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "forbid" | "none" | "flat" => Some(OverlapPolicy::Forbid),
            "allow" | "nested" => Some(OverlapPolicy::Allow),
            _ => None,
        }
    }
}

/// Why a span is not acceptable in a document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpanError {
    #[error("empty or reversed span [{start}, {end})")]
    EmptyOrReversed { start: usize, end: usize },
    #[error("span [{start}, {end}) is past the end of the text ({len} code points)")]
    OutOfRange {
        start: usize,
        end: usize,
        len: usize,
    },
    #[error("span [{start}, {end}) splits a grapheme cluster at code point {at}")]
    SplitsGrapheme { start: usize, end: usize, at: usize },
    #[error("span [{start}, {end}) covers {found:?} but the file says {expected:?}")]
    TextMismatch {
        start: usize,
        end: usize,
        expected: String,
        found: String,
    },
    #[error(
        "span [{start}, {end}) overlaps the span [{with_start}, {with_end}) and this project forbids overlaps"
    )]
    Overlap {
        start: usize,
        end: usize,
        with_start: usize,
        with_end: usize,
    },
    #[error("span [{start}, {end}) with this label already exists")]
    Duplicate { start: usize, end: usize },
}

/// [`check_range`] for the spans of one document without building the document's whole
/// grapheme table: only the span edges are asked about
/// ([`is_grapheme_boundary_at`](super::text::is_grapheme_boundary_at), the rules
/// `IndexedText` uses), over one [`OffsetIndex`] pass, so an import checks a document's spans
/// for the price of counting its characters.
pub struct RangeChecker<'t> {
    text: &'t str,
    offsets: super::OffsetIndex,
}

impl<'t> RangeChecker<'t> {
    #[must_use]
    pub fn new(text: &'t str) -> Self {
        RangeChecker {
            text,
            offsets: super::OffsetIndex::new(text),
        }
    }

    #[must_use]
    pub fn text(&self) -> &'t str {
        self.text
    }

    /// The text's length in code points.
    #[must_use]
    pub fn len_chars(&self) -> usize {
        self.offsets.len_chars()
    }

    /// The byte where code point `c` starts (`None` past the end).
    #[must_use]
    pub fn byte_of(&self, c: usize) -> Option<usize> {
        self.offsets.char_to_byte(self.text, c)
    }

    /// The text of `[start, end)` in code points.
    #[must_use]
    pub fn slice(&self, start: usize, end: usize) -> Option<&'t str> {
        self.offsets.slice(self.text, start, end)
    }

    /// Same answer as `IndexedText::is_grapheme_boundary`.
    #[must_use]
    pub fn is_boundary(&self, c: usize) -> bool {
        self.byte_of(c)
            .is_some_and(|b| super::text::is_grapheme_boundary_at(self.text, b))
    }

    /// Same checks, in the same order and with the same errors, as [`check_range`].
    pub fn check(&self, start: usize, end: usize, expected: Option<&str>) -> Result<(), SpanError> {
        checked(
            (start, end, expected),
            self.len_chars(),
            |c| self.is_boundary(c),
            |a, b| self.slice(a, b),
        )
    }
}

/// Checks a range against a document's text: non-empty, in range, on grapheme boundaries,
/// and (when the source gave one) covering exactly `expected` text.
pub fn check_range(
    text: &IndexedText,
    start: usize,
    end: usize,
    expected: Option<&str>,
) -> Result<(), SpanError> {
    checked(
        (start, end, expected),
        text.len_chars(),
        |c| text.is_grapheme_boundary(c),
        |a, b| text.slice(a, b),
    )
}

/// The checks of a range, in order, over a text of `len` code points that answers where its
/// grapheme boundaries are and what a range holds.
fn checked<'t>(
    (start, end, expected): (usize, usize, Option<&str>),
    len: usize,
    is_boundary: impl Fn(usize) -> bool,
    slice: impl Fn(usize, usize) -> Option<&'t str>,
) -> Result<(), SpanError> {
    if start >= end {
        return Err(SpanError::EmptyOrReversed { start, end });
    }
    if end > len {
        return Err(SpanError::OutOfRange { start, end, len });
    }
    for at in [start, end] {
        if !is_boundary(at) {
            return Err(SpanError::SplitsGrapheme { start, end, at });
        }
    }
    if let Some(expected) = expected {
        let found = slice(start, end).unwrap_or_default();
        if found != expected {
            return Err(SpanError::TextMismatch {
                start,
                end,
                expected: expected.to_string(),
                found: found.to_string(),
            });
        }
    }
    Ok(())
}

/// The spans of one document, kept sorted by `(start, end, label)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpanSet {
    spans: Vec<Span>,
}

impl SpanSet {
    #[must_use]
    pub fn new() -> Self {
        SpanSet::default()
    }

    /// Builds a set from spans in any order (duplicates collapse); no policy is checked.
    #[must_use]
    pub fn from_unchecked(mut spans: Vec<Span>) -> Self {
        spans.sort_unstable();
        spans.dedup();
        SpanSet { spans }
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Spans in reading (logical) order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = Span> + ExactSizeIterator + '_ {
        self.spans.iter().copied()
    }

    #[must_use]
    pub fn as_slice(&self) -> &[Span] {
        &self.spans
    }

    #[must_use]
    pub fn contains(&self, span: Span) -> bool {
        self.spans.binary_search(&span).is_ok()
    }

    /// The first existing span that would conflict with `span` under `policy`.
    #[must_use]
    pub fn conflict(&self, span: Span, policy: OverlapPolicy) -> Option<SpanError> {
        if self.contains(span) {
            return Some(SpanError::Duplicate {
                start: span.start,
                end: span.end,
            });
        }
        if policy == OverlapPolicy::Forbid
            && let Some(o) = self.overlapping(span.start, span.end).next()
        {
            return Some(SpanError::Overlap {
                start: span.start,
                end: span.end,
                with_start: o.start,
                with_end: o.end,
            });
        }
        None
    }

    /// Adds `span` unless it conflicts under `policy`.
    pub fn insert(&mut self, span: Span, policy: OverlapPolicy) -> Result<(), SpanError> {
        if let Some(e) = self.conflict(span, policy) {
            return Err(e);
        }
        let at = self.spans.partition_point(|s| *s < span);
        self.spans.insert(at, span);
        Ok(())
    }

    /// Removes `span`; false when it was not there.
    pub fn remove(&mut self, span: Span) -> bool {
        match self.spans.binary_search(&span) {
            Ok(i) => {
                self.spans.remove(i);
                true
            }
            Err(_) => false,
        }
    }

    /// Spans that share at least one code point with `[start, end)`, in order.
    pub fn overlapping(&self, start: usize, end: usize) -> impl Iterator<Item = Span> + '_ {
        // Spans are sorted by start; any overlapping one starts before `end`.
        let upto = self.spans.partition_point(|s| s.start < end);
        self.spans[..upto]
            .iter()
            .copied()
            .filter(move |s| s.end > start)
    }

    /// The innermost (shortest) span containing `pos`.
    #[must_use]
    pub fn innermost_at(&self, pos: usize) -> Option<Span> {
        self.overlapping(pos, pos + 1).min_by_key(|s| s.len())
    }

    /// Counts spans per label.
    #[must_use]
    pub fn count_by_label(&self) -> std::collections::BTreeMap<LabelId, usize> {
        let mut m = std::collections::BTreeMap::new();
        for s in &self.spans {
            *m.entry(s.label).or_insert(0) += 1;
        }
        m
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}, {})", self.start, self.end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PER: LabelId = LabelId(1);
    const LOC: LabelId = LabelId(2);

    fn sp(s: usize, e: usize, l: LabelId) -> Span {
        Span::new(s, e, l).expect("non-empty")
    }

    #[test]
    fn empty_and_reversed_spans_do_not_exist() {
        assert!(Span::new(3, 3, PER).is_none());
        assert!(Span::new(4, 3, PER).is_none());
    }

    #[test]
    fn forbid_policy_refuses_overlap_but_allows_touching() {
        let mut set = SpanSet::new();
        set.insert(sp(0, 5, PER), OverlapPolicy::Forbid)
            .expect("first");
        set.insert(sp(5, 9, LOC), OverlapPolicy::Forbid)
            .expect("touching is fine");
        let err = set
            .insert(sp(4, 6, LOC), OverlapPolicy::Forbid)
            .expect_err("overlap");
        assert_eq!(
            err,
            SpanError::Overlap {
                start: 4,
                end: 6,
                with_start: 0,
                with_end: 5
            }
        );
        assert_eq!(set.len(), 2);
    }

    #[test]
    fn allow_policy_keeps_nested_spans_sorted_but_refuses_duplicates() {
        let mut set = SpanSet::new();
        set.insert(sp(10, 20, LOC), OverlapPolicy::Allow)
            .expect("outer");
        set.insert(sp(12, 15, PER), OverlapPolicy::Allow)
            .expect("nested");
        set.insert(sp(0, 11, PER), OverlapPolicy::Allow)
            .expect("crossing");
        assert_eq!(
            set.iter().map(|s| (s.start, s.end)).collect::<Vec<_>>(),
            vec![(0, 11), (10, 20), (12, 15)]
        );
        assert!(matches!(
            set.insert(sp(12, 15, PER), OverlapPolicy::Allow),
            Err(SpanError::Duplicate { .. })
        ));
        assert_eq!(set.innermost_at(13), Some(sp(12, 15, PER)));
        assert_eq!(set.overlapping(11, 12).count(), 1);
        assert!(set.remove(sp(12, 15, PER)));
        assert!(!set.remove(sp(12, 15, PER)));
    }

    #[test]
    fn check_range_reports_each_problem() {
        let t = IndexedText::new("وقّع في جنيف");
        assert!(check_range(&t, 8, 12, Some("جنيف")).is_ok());
        assert_eq!(
            check_range(&t, 2, 4, None),
            Err(SpanError::SplitsGrapheme {
                start: 2,
                end: 4,
                at: 2
            })
        );
        assert!(matches!(
            check_range(&t, 8, 13, None),
            Err(SpanError::OutOfRange { len: 12, .. })
        ));
        assert!(matches!(
            check_range(&t, 8, 12, Some("باريس")),
            Err(SpanError::TextMismatch { .. })
        ));
        assert!(matches!(
            check_range(&t, 5, 5, None),
            Err(SpanError::EmptyOrReversed { .. })
        ));
    }
}
