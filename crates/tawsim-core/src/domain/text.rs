//! A document's text with the indexes built once for it: code point offsets and grapheme
//! cluster boundaries (a letter and its harakat form one cluster; a span never splits one).
//!
//! The grapheme rules live here once: `graphemes` segments a text and
//! `is_grapheme_boundary_at` answers for one position; [`IndexedText`], the formats' span
//! checks and the exporters' tokeniser all use them.

use super::offsets::OffsetIndex;
use std::sync::Arc;
use unicode_segmentation::{GraphemeCursor, UnicodeSegmentation};

/// Characters that never join a neighbour into a grapheme cluster (no extend, ZWJ, spacing
/// mark, prepend, Hangul, regional indicator, CR/LF/control): printable ASCII and the basic
/// Arabic letters. Between two of them there is always a cluster boundary (UAX #29).
fn simple(c: char) -> bool {
    matches!(c, ' '..='~' | '\u{0621}'..='\u{063A}' | '\u{0641}'..='\u{064A}')
}

/// The extended grapheme clusters of `text`, as `text.graphemes(true)` gives them, with a
/// fast path for runs of [`simple`] characters (most of an Arabic news text).
pub(crate) fn graphemes(text: &str) -> impl Iterator<Item = &str> {
    let mut at = 0usize;
    std::iter::from_fn(move || {
        let rest = text.get(at..)?;
        let mut it = rest.chars();
        let c = it.next()?;
        let next = it.next();
        let end = if simple(c) && next.is_none_or(simple) {
            at + c.len_utf8()
        } else {
            let mut cur = GraphemeCursor::new(at, text.len(), true);
            match cur.next_boundary(text, 0) {
                Ok(Some(e)) if e > at => e,
                _ => at + rest.graphemes(true).next().map_or(c.len_utf8(), str::len),
            }
        };
        let g = text.get(at..end)?;
        at = end;
        Some(g)
    })
}

/// True when a grapheme cluster of `text` starts at byte `b`, or `b` is the end of the text
/// (the same answer as [`IndexedText::is_grapheme_boundary`] at that position, without
/// segmenting the whole text). False inside a character and past the end.
pub(crate) fn is_grapheme_boundary_at(text: &str, b: usize) -> bool {
    if b == 0 || b == text.len() {
        return true;
    }
    if !text.is_char_boundary(b) {
        return false;
    }
    let before = text[..b].chars().next_back();
    let after = text[b..].chars().next();
    if before.is_some_and(simple) && after.is_some_and(simple) {
        return true;
    }
    // With the whole text as its chunk the cursor never asks for more context; should it
    // ever, segmenting from the start gives the same answer.
    GraphemeCursor::new(b, text.len(), true)
        .is_boundary(text, 0)
        .unwrap_or_else(|_| {
            graphemes(text)
                .scan(0usize, |at, g| {
                    *at += g.len();
                    Some(*at)
                })
                .take_while(|&end| end <= b)
                .any(|end| end == b)
        })
}

/// Immutable text plus its offset and grapheme indexes. Cheap to clone.
#[derive(Debug, Clone)]
pub struct IndexedText {
    text: Arc<str>,
    offsets: OffsetIndex,
    /// One bit per code point position `0..=len`: set when a grapheme cluster starts there
    /// (the end of the text counts as a boundary).
    boundaries: Vec<u64>,
}

impl IndexedText {
    #[must_use]
    pub fn new(text: impl Into<Arc<str>>) -> Self {
        let text: Arc<str> = text.into();
        let offsets = OffsetIndex::new(&text);
        let n = offsets.len_chars();
        let mut boundaries = vec![0u64; n / 64 + 1];
        let mut set = |c: usize| boundaries[c / 64] |= 1 << (c % 64);
        let mut c = 0usize;
        for g in graphemes(&text) {
            set(c);
            c += g.chars().count();
        }
        set(n);
        IndexedText {
            text,
            offsets,
            boundaries,
        }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    #[must_use]
    pub fn arc(&self) -> Arc<str> {
        Arc::clone(&self.text)
    }

    #[must_use]
    pub fn offsets(&self) -> &OffsetIndex {
        &self.offsets
    }

    /// Length in code points.
    #[must_use]
    pub fn len_chars(&self) -> usize {
        self.offsets.len_chars()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// True when a grapheme cluster starts (or the text ends) at code point `c`.
    #[must_use]
    pub fn is_grapheme_boundary(&self, c: usize) -> bool {
        c <= self.len_chars() && self.boundaries[c / 64] & (1 << (c % 64)) != 0
    }

    /// The nearest grapheme boundary at or before `c`.
    #[must_use]
    pub fn boundary_at_or_before(&self, c: usize) -> usize {
        let mut c = c.min(self.len_chars());
        while !self.is_grapheme_boundary(c) {
            c -= 1;
        }
        c
    }

    /// The nearest grapheme boundary at or after `c`.
    #[must_use]
    pub fn boundary_at_or_after(&self, c: usize) -> usize {
        let mut c = c.min(self.len_chars());
        while !self.is_grapheme_boundary(c) {
            c += 1;
        }
        c
    }

    /// Widens `[start, end)` so both ends fall on grapheme boundaries.
    #[must_use]
    pub fn snap_out(&self, start: usize, end: usize) -> (usize, usize) {
        (
            self.boundary_at_or_before(start),
            self.boundary_at_or_after(end),
        )
    }

    /// The text of the code point range `[start, end)`, if it is in range.
    #[must_use]
    pub fn slice(&self, start: usize, end: usize) -> Option<&str> {
        self.offsets.slice(&self.text, start, end)
    }

    #[must_use]
    pub fn char_to_byte(&self, c: usize) -> Option<usize> {
        self.offsets.char_to_byte(&self.text, c)
    }

    #[must_use]
    pub fn byte_to_char(&self, b: usize) -> Option<usize> {
        self.offsets.byte_to_char(&self.text, b)
    }

    #[must_use]
    pub fn char_to_utf16(&self, c: usize) -> Option<usize> {
        self.offsets.char_to_utf16(&self.text, c)
    }

    #[must_use]
    pub fn utf16_to_char(&self, u: usize) -> Option<usize> {
        self.offsets.utf16_to_char(&self.text, u)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same_clusters(t: &str) {
        let want: Vec<&str> = t.graphemes(true).collect();
        let got: Vec<&str> = graphemes(t).collect();
        assert_eq!(got, want, "{t:?}");
        // The point query agrees with the segmentation at every byte (and past the end).
        let mut starts = vec![false; t.len() + 2];
        let mut at = 0;
        for g in &want {
            starts[at] = true;
            at += g.len();
        }
        starts[t.len()] = true;
        for (b, &want) in starts.iter().enumerate() {
            assert_eq!(is_grapheme_boundary_at(t, b), want, "{t:?} at byte {b}");
        }
    }

    #[test]
    fn fast_graphemes_match_unicode_segmentation() {
        for t in [
            "",
            "وَقَّعَ طرفا النزاع في ليبيا",
            "\u{0600}١٢ \u{06DD}٣ a\r\nb\n\u{200F}ج\u{200E}x",
            " \u{064E}ب\u{200D}ج 👩\u{200D}👩\u{200D}👧 🇱🇾🇫🇷🇱 x",
            "각\u{1100}\u{1161}\u{11A8}e\u{301}\u{0903}a\u{0915}\u{094D}\u{0937}",
        ] {
            same_clusters(t);
        }
    }

    proptest::proptest! {
        #[test]
        fn fast_graphemes_match_on_any_text(t in "\\PC{0,40}", a in "[ا-ي َُِّ\u{200D}\u{0600}a-c\r\n]{0,40}") {
            same_clusters(&t);
            same_clusters(&a);
        }
    }

    #[test]
    fn harakat_stay_with_their_letter() {
        // وقّع: waw, qaf + shadda (one cluster), ain.
        let t = IndexedText::new("وقّع");
        assert_eq!(t.len_chars(), 4);
        assert!(t.is_grapheme_boundary(0));
        assert!(t.is_grapheme_boundary(1));
        assert!(
            !t.is_grapheme_boundary(2),
            "the shadda belongs to the qaf before it"
        );
        assert!(t.is_grapheme_boundary(3));
        assert!(t.is_grapheme_boundary(4));
        assert_eq!(t.snap_out(2, 3), (1, 3));
        assert_eq!(t.snap_out(0, 2), (0, 3));
        assert_eq!(t.boundary_at_or_before(2), 1);
        assert_eq!(t.boundary_at_or_after(2), 3);
    }

    #[test]
    fn end_is_a_boundary_and_out_of_range_is_not() {
        let t = IndexedText::new("ab");
        assert!(t.is_grapheme_boundary(2));
        assert!(!t.is_grapheme_boundary(3));
        let e = IndexedText::new("");
        assert!(e.is_grapheme_boundary(0));
    }
}
