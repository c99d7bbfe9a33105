//! Search through Arabic normalisation: hamza forms, ة/ه, ى/ي, harakat, tatweel and
//! invisible marks do not matter; results come back as ranges of the original text.
//! Whole-word matching can be clitic-aware: فيروس then also matches inside بالفيروس and
//! الفيروس, where a proclitic (and the article) stands before the word.

use super::arabic::{self, Normalised, normalise, normalise_str};
use super::text::IndexedText;

/// How to match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SearchOptions {
    /// The match must be a whole word.
    pub whole_word: bool,
    /// With `whole_word`: a proclitic sequence (و ف ب ل ك and the article) may stand before it.
    pub clitic_aware: bool,
}

/// A text prepared for repeated searches.
#[derive(Debug, Clone)]
pub struct Searchable {
    norm: Normalised,
    chars: Vec<char>,
}

impl Searchable {
    #[must_use]
    pub fn new(text: &str) -> Self {
        let norm = normalise(text);
        let chars = norm.text.chars().collect();
        Searchable { norm, chars }
    }

    /// Every match of `query` as original code point ranges, widened to grapheme clusters.
    #[must_use]
    pub fn find_all(
        &self,
        text: &IndexedText,
        query: &str,
        opts: SearchOptions,
    ) -> Vec<(usize, usize)> {
        let q: Vec<char> = normalise_str(query.trim()).chars().collect();
        if q.is_empty() || q.len() > self.chars.len() {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut i = 0;
        while i + q.len() <= self.chars.len() {
            if self.chars[i..i + q.len()] == q[..] && self.accept(i, i + q.len(), opts) {
                let (s, e) = self.norm.to_original(i, i + q.len());
                out.push(text.snap_out(s, e));
                i += q.len();
            } else {
                i += 1;
            }
        }
        out
    }

    fn is_word(&self, i: usize) -> bool {
        self.chars.get(i).is_some_and(|c| arabic::is_word_char(*c))
    }

    fn accept(&self, s: usize, e: usize, opts: SearchOptions) -> bool {
        if !opts.whole_word {
            return true;
        }
        if self.is_word(e) {
            return false;
        }
        if s == 0 || !self.is_word(s - 1) {
            return true;
        }
        if !opts.clitic_aware {
            return false;
        }
        let mut ws = s;
        while ws > 0 && self.is_word(ws - 1) {
            ws -= 1;
        }
        let word: String = self.chars[ws..e].iter().collect();
        arabic::proclitic_prefixes(&word, true).contains(&(s - ws))
    }
}

/// `width` characters of context on each side of a match, on one line.
#[must_use]
pub fn context(
    text: &IndexedText,
    start: usize,
    end: usize,
    width: usize,
) -> (String, String, String) {
    let clean = |s: &str| s.replace(['\n', '\r', '\t'], " ");
    let a = text.boundary_at_or_before(start.saturating_sub(width));
    let b = text.boundary_at_or_after((end + width).min(text.len_chars()));
    (
        clean(text.slice(a, start).unwrap_or_default()),
        clean(text.slice(start, end).unwrap_or_default()),
        clean(text.slice(end, b).unwrap_or_default()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str, q: &str, opts: SearchOptions) -> Vec<String> {
        let t = IndexedText::new(text);
        Searchable::new(text)
            .find_all(&t, q, opts)
            .into_iter()
            .map(|(s, e)| t.slice(s, e).unwrap_or_default().to_string())
            .collect()
    }

    #[test]
    fn matches_through_normalisation_and_maps_back_to_the_original() {
        let text = "الأمم المتّحدة، الامم المتحده\u{200F}، إلى الأمـم";
        assert_eq!(
            found(text, "الامم", SearchOptions::default()),
            ["الأمم", "الامم", "الأمـم"]
        );
        assert_eq!(
            found(text, "المتحدة", SearchOptions::default()),
            ["المتّحدة", "المتحده"]
        );
        assert_eq!(found(text, "الى", SearchOptions::default()), ["إلى"]);
    }

    #[test]
    fn harakat_after_the_last_letter_stay_in_the_match() {
        let text = "وقّعَ الاتفاق";
        assert_eq!(found(text, "وقع", SearchOptions::default()), ["وقّعَ"]);
    }

    #[test]
    fn whole_words_and_clitic_aware_words() {
        let text = "الفيروس وبالفيروس فيروس فيروسات";
        let whole = SearchOptions {
            whole_word: true,
            clitic_aware: false,
        };
        let clitic = SearchOptions {
            whole_word: true,
            clitic_aware: true,
        };
        assert_eq!(found(text, "فيروس", SearchOptions::default()).len(), 4);
        assert_eq!(found(text, "فيروس", whole), ["فيروس"]);
        assert_eq!(
            found(text, "فيروس", clitic),
            ["فيروس", "فيروس", "فيروس"],
            "الفيروس, وبالفيروس, فيروس; not فيروسات"
        );
        let t = IndexedText::new(text);
        let hits = Searchable::new(text).find_all(&t, "فيروس", clitic);
        assert_eq!(hits[1], (12, 17), "the span starts after وبال");
    }

    #[test]
    fn context_is_one_line() {
        let t = IndexedText::new("سطر أول\nفي جنيف اليوم");
        let (b, m, a) = context(&t, 11, 15, 6);
        assert_eq!(
            (b.as_str(), m.as_str(), a.as_str()),
            ("ول في ", "جنيف", " اليوم")
        );
    }
}

/// What accepting one occurrence would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proposal {
    /// A new span.
    New,
    /// A span with this label is already there.
    AlreadyLabelled,
    /// Another span is in the way; it is never overwritten.
    Conflict(super::span::Span),
}

/// Classifies each occurrence for "label all occurrences" with `label`.
#[must_use]
pub fn propose(
    spans: &super::span::SpanSet,
    hits: &[(usize, usize)],
    label: super::label::LabelId,
    policy: super::span::OverlapPolicy,
) -> Vec<Proposal> {
    use super::span::{OverlapPolicy, Span};
    hits.iter()
        .map(|&(s, e)| {
            let Some(span) = Span::new(s, e, label) else {
                return Proposal::AlreadyLabelled;
            };
            if spans.contains(span) {
                return Proposal::AlreadyLabelled;
            }
            let mut over = spans.overlapping(s, e);
            match policy {
                OverlapPolicy::Forbid => over.next().map_or(Proposal::New, Proposal::Conflict),
                // Nested spans are fine, but the same range under another label conflicts.
                OverlapPolicy::Allow => over
                    .find(|o| o.start == s && o.end == e)
                    .map_or(Proposal::New, Proposal::Conflict),
            }
        })
        .collect()
}

/// One occurrence found by a search, with what labelling it would do.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub doc: super::document::DocId,
    pub doc_name: String,
    pub start: usize,
    pub end: usize,
    /// Text before, the match, text after (one line).
    pub context: (String, String, String),
    pub proposal: Proposal,
    /// Ticked for "accept selected".
    pub accept: bool,
}

/// A search as the search window asks for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub text: String,
    pub opts: SearchOptions,
    /// With a label ("label all"), each hit carries a [`Proposal`].
    pub label: Option<super::label::LabelId>,
    pub policy: super::span::OverlapPolicy,
}

/// Appends the hits of `query` in one document to `out`, at most up to `max` hits in all.
/// Returns false when `out` is full.
pub fn collect_hits(
    query: &Query,
    doc: super::document::DocId,
    name: &str,
    text: &IndexedText,
    spans: &super::span::SpanSet,
    max: usize,
    out: &mut Vec<Hit>,
) -> bool {
    let found = Searchable::new(text.as_str()).find_all(text, &query.text, query.opts);
    if found.is_empty() {
        return out.len() < max;
    }
    let proposals = query.label.map(|l| propose(spans, &found, l, query.policy));
    for (i, &(s, e)) in found.iter().enumerate() {
        if out.len() >= max {
            return false;
        }
        out.push(Hit {
            doc,
            doc_name: name.to_owned(),
            start: s,
            end: e,
            context: context(text, s, e, 30),
            proposal: proposals.as_ref().map_or(Proposal::New, |p| p[i]),
            accept: true,
        });
    }
    out.len() < max
}

#[cfg(test)]
mod propose_tests {
    use super::*;
    use crate::domain::{LabelId, OverlapPolicy, Span, SpanSet};

    #[test]
    fn existing_spans_are_never_overwritten() {
        let (loc, per) = (LabelId(2), LabelId(1));
        let spans = SpanSet::from_unchecked(vec![
            Span {
                start: 0,
                end: 4,
                label: loc,
            },
            Span {
                start: 10,
                end: 14,
                label: per,
            },
        ]);
        let hits = [(0, 4), (10, 14), (20, 24), (12, 16)];
        assert_eq!(
            propose(&spans, &hits, loc, OverlapPolicy::Forbid),
            vec![
                Proposal::AlreadyLabelled,
                Proposal::Conflict(Span {
                    start: 10,
                    end: 14,
                    label: per
                }),
                Proposal::New,
                Proposal::Conflict(Span {
                    start: 10,
                    end: 14,
                    label: per
                }),
            ]
        );
        assert_eq!(
            propose(&spans, &hits, loc, OverlapPolicy::Allow)[3],
            Proposal::New,
            "nesting allowed"
        );
    }
}
