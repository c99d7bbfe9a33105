//! A document's text with the indexes built once for it: code point offsets and grapheme
//! cluster boundaries (a letter and its harakat form one cluster; a span never splits one).

use super::offsets::OffsetIndex;
use std::sync::Arc;
use unicode_segmentation::UnicodeSegmentation;

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
        for g in text.graphemes(true) {
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
