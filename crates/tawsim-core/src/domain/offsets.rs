//! Conversions between the three ways of counting a position in a document:
//! Unicode code points (our offsets, Python `str` indices), UTF-8 bytes (Rust `str`
//! indices) and UTF-16 code units (JavaScript and some tools' offsets).
//!
//! An [`OffsetIndex`] is built once per document in one pass and answers each lookup by a
//! binary search over checkpoints plus a scan of at most [`BLOCK`] characters.

/// Characters between two checkpoints.
pub const BLOCK: usize = 64;

/// Byte offset of the `n`-th character start at or after `byte` (itself a start).
fn nth_start(text: &str, byte: usize, n: usize) -> Option<usize> {
    text.as_bytes()[byte..]
        .iter()
        .enumerate()
        .filter(|&(_, &b)| !is_continuation(b))
        .nth(n)
        .map(|(b, _)| byte + b)
}

/// True for the bytes 0x80..0xC0 that continue a UTF-8 character.
#[inline]
fn is_continuation(b: u8) -> bool {
    (b as i8) < -0x40
}

/// Checkpointed offset tables for one text. The index does not own the text: pass the
/// same text it was built from to every lookup (checked in debug builds by its length).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OffsetIndex {
    /// `(byte, utf16)` offsets of every `BLOCK`-th character.
    checkpoints: Vec<(u32, u32)>,
    len_chars: usize,
    len_bytes: usize,
    len_utf16: usize,
}

impl OffsetIndex {
    /// Builds the index for `text` in one pass.
    #[must_use]
    pub fn new(text: &str) -> Self {
        let mut checkpoints = Vec::with_capacity(text.len() / BLOCK + 1);
        let mut utf16 = 0usize;
        let mut chars = 0usize;
        // A character starts at every byte that is not a continuation byte, and takes two
        // UTF-16 units when it is four bytes long (lead byte 0xF0..). Chunks of bytes in
        // which no checkpoint falls are only counted (the compiler vectorises the counts);
        // the others are walked byte by byte.
        const CHUNK: usize = 32;
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if let Some(chunk) = bytes.get(i..i + CHUNK) {
                let starts = chunk.iter().filter(|&&b| !is_continuation(b)).count();
                let into_block = chars % BLOCK;
                if into_block != 0 && into_block + starts <= BLOCK {
                    let wide = chunk.iter().filter(|&&b| b >= 0xF0).count();
                    chars += starts;
                    utf16 += starts + wide;
                    i += CHUNK;
                    continue;
                }
            }
            let end = (i + CHUNK).min(bytes.len());
            for (byte, &b) in bytes[i..end].iter().enumerate() {
                if !is_continuation(b) {
                    if chars.is_multiple_of(BLOCK) {
                        checkpoints.push((to_u32(i + byte), to_u32(utf16)));
                    }
                    chars += 1;
                    utf16 += 1 + usize::from(b >= 0xF0);
                }
            }
            i = end;
        }
        OffsetIndex {
            checkpoints,
            len_chars: chars,
            len_bytes: text.len(),
            len_utf16: utf16,
        }
    }

    /// Number of code points in the text.
    #[must_use]
    pub fn len_chars(&self) -> usize {
        self.len_chars
    }

    /// Number of UTF-16 code units in the text.
    #[must_use]
    pub fn len_utf16(&self) -> usize {
        self.len_utf16
    }

    /// True when every character is one byte, so all three counts agree.
    #[must_use]
    pub fn is_ascii(&self) -> bool {
        self.len_chars == self.len_bytes
    }

    fn check(&self, text: &str) {
        debug_assert_eq!(
            text.len(),
            self.len_bytes,
            "OffsetIndex used with another text"
        );
    }

    /// Byte offset of code point `c`; `c == len_chars` gives the text's byte length.
    #[must_use]
    pub fn char_to_byte(&self, text: &str, c: usize) -> Option<usize> {
        self.check(text);
        if c > self.len_chars {
            return None;
        }
        if c == self.len_chars {
            return Some(self.len_bytes);
        }
        if self.is_ascii() {
            return Some(c);
        }
        let (byte, _) = self.checkpoints[c / BLOCK];
        nth_start(text, byte as usize, c % BLOCK)
    }

    /// [`OffsetIndex::char_to_byte`], walking on from a known position `from` (a code point
    /// and its byte offset, as an earlier call gave them) when `c` is at most a block after
    /// it: callers that go through a text in order walk only the characters between.
    #[must_use]
    pub fn char_to_byte_after(&self, text: &str, from: (usize, usize), c: usize) -> Option<usize> {
        let (at_char, at_byte) = from;
        if c < at_char || c - at_char > BLOCK || c >= self.len_chars || at_byte > text.len() {
            return self.char_to_byte(text, c);
        }
        nth_start(text, at_byte, c - at_char)
    }

    /// Code point index of byte offset `b`, which must lie on a character boundary.
    #[must_use]
    pub fn byte_to_char(&self, text: &str, b: usize) -> Option<usize> {
        self.check(text);
        if b > self.len_bytes || !text.is_char_boundary(b) {
            return None;
        }
        if b == self.len_bytes {
            return Some(self.len_chars);
        }
        if self.is_ascii() {
            return Some(b);
        }
        let block = self
            .checkpoints
            .partition_point(|&(cb, _)| cb as usize <= b)
            - 1;
        let start = self.checkpoints[block].0 as usize;
        Some(block * BLOCK + text[start..b].chars().count())
    }

    /// UTF-16 offset of code point `c`.
    #[must_use]
    pub fn char_to_utf16(&self, text: &str, c: usize) -> Option<usize> {
        self.check(text);
        if c > self.len_chars {
            return None;
        }
        if c == self.len_chars {
            return Some(self.len_utf16);
        }
        let (byte, u16) = self.checkpoints[c / BLOCK];
        let extra: usize = text[byte as usize..]
            .chars()
            .take(c % BLOCK)
            .map(char::len_utf16)
            .sum();
        Some(u16 as usize + extra)
    }

    /// Code point index of UTF-16 offset `u`; `None` when `u` falls inside a surrogate pair
    /// or past the end.
    #[must_use]
    pub fn utf16_to_char(&self, text: &str, u: usize) -> Option<usize> {
        self.check(text);
        if u > self.len_utf16 {
            return None;
        }
        if u == self.len_utf16 {
            return Some(self.len_chars);
        }
        let block = self
            .checkpoints
            .partition_point(|&(_, cu)| cu as usize <= u)
            - 1;
        let (byte, mut at) = self.checkpoints[block];
        let mut c = block * BLOCK;
        for ch in text[byte as usize..].chars() {
            if at as usize == u {
                return Some(c);
            }
            if at as usize > u {
                return None;
            }
            at += ch.len_utf16() as u32;
            c += 1;
        }
        (at as usize == u).then_some(c)
    }

    /// The substring for the code point range `[start, end)`.
    #[must_use]
    pub fn slice<'t>(&self, text: &'t str, start: usize, end: usize) -> Option<&'t str> {
        if start > end {
            return None;
        }
        let s = self.char_to_byte(text, start)?;
        let e = self.char_to_byte(text, end)?;
        Some(&text[s..e])
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Code point length of `s` (a convenience for callers without an index).
#[must_use]
pub fn char_len(s: &str) -> usize {
    s.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive_c2b(s: &str, c: usize) -> usize {
        s.char_indices().nth(c).map_or(s.len(), |(b, _)| b)
    }

    #[test]
    fn arabic_offsets_match_python_indices() {
        // "في مقر الأمم المتحدة بجنيف": code point 13..23 is 25..44 in bytes (data/README.md).
        let text = "في مقر الأمم المتحدة بجنيف. ";
        let idx = OffsetIndex::new(text);
        let s = "في مقر الأمم".chars().count() + 1;
        assert_eq!(idx.slice(text, 7, 12), Some("الأمم"));
        assert_eq!(idx.slice(text, s, s + 7), Some("المتحدة"));
        assert_eq!(idx.char_to_byte(text, s), Some("في مقر الأمم ".len()));
    }

    #[test]
    fn readme_example_13_23_is_bytes_25_44() {
        let text = "اتفاق وقف في مقر الأمم المتحدة";
        let idx = OffsetIndex::new(text);
        let (b0, b1) = (idx.char_to_byte(text, 13), idx.char_to_byte(text, 23));
        assert_eq!(
            (b0, b1),
            (Some(naive_c2b(text, 13)), Some(naive_c2b(text, 23)))
        );
        assert_eq!(
            b0.zip(b1).map(|(a, b)| b - a),
            Some(text[naive_c2b(text, 13)..naive_c2b(text, 23)].len())
        );
    }

    #[test]
    fn every_position_round_trips_across_blocks() {
        let text: String = "Geneva جنيف 2020 😀 ".repeat(40);
        let idx = OffsetIndex::new(&text);
        let mut u16 = 0;
        for (c, (b, ch)) in text.char_indices().enumerate() {
            assert_eq!(idx.char_to_byte(&text, c), Some(b));
            assert_eq!(idx.byte_to_char(&text, b), Some(c));
            assert_eq!(idx.char_to_utf16(&text, c), Some(u16));
            assert_eq!(idx.utf16_to_char(&text, u16), Some(c));
            if ch.len_utf16() == 2 {
                assert_eq!(
                    idx.utf16_to_char(&text, u16 + 1),
                    None,
                    "inside a surrogate pair"
                );
            }
            if ch.len_utf8() > 1 {
                assert_eq!(idx.byte_to_char(&text, b + 1), None, "inside a character");
            }
            u16 += ch.len_utf16();
        }
        let n = idx.len_chars();
        assert_eq!(idx.char_to_byte(&text, n), Some(text.len()));
        assert_eq!(idx.char_to_byte(&text, n + 1), None);
        assert_eq!(idx.utf16_to_char(&text, idx.len_utf16()), Some(n));
    }

    #[test]
    fn checkpoints_are_right_for_every_length_and_mix() {
        // Chunk skipping must not miss a checkpoint whatever the byte widths before it.
        let pieces = ["a", "ج", "€", "😀", "ِ", " "];
        for len in 0..400 {
            let text: String = (0..len)
                .map(|i| pieces[(i * 7 + i / 3) % pieces.len()])
                .collect();
            let idx = OffsetIndex::new(&text);
            assert_eq!(idx.len_chars(), text.chars().count());
            assert_eq!(idx.len_utf16(), text.encode_utf16().count());
            for c in 0..=idx.len_chars() {
                assert_eq!(idx.char_to_byte(&text, c), Some(naive_c2b(&text, c)));
            }
        }
    }

    /// Every conversion, against a count over `char_indices`, at every code point, byte and
    /// UTF-16 position (and one past the end).
    fn agrees_with_naive(text: &str) {
        let idx = OffsetIndex::new(text);
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        assert_eq!(idx.len_chars(), chars.len());
        assert_eq!(idx.len_utf16(), text.encode_utf16().count());
        let mut u16_at = Vec::with_capacity(chars.len() + 1);
        let mut u = 0;
        for &(_, ch) in &chars {
            u16_at.push(u);
            u += ch.len_utf16();
        }
        u16_at.push(u);
        for c in 0..=chars.len() + 1 {
            let byte = chars
                .get(c)
                .map(|&(b, _)| b)
                .or((c == chars.len()).then_some(text.len()));
            assert_eq!(idx.char_to_byte(text, c), byte, "{text:?} char {c}");
            assert_eq!(
                idx.char_to_utf16(text, c),
                u16_at.get(c).copied(),
                "{text:?} char {c}"
            );
        }
        for b in 0..=text.len() + 1 {
            let want = if b == text.len() {
                Some(chars.len())
            } else {
                chars.iter().position(|&(cb, _)| cb == b)
            };
            assert_eq!(idx.byte_to_char(text, b), want, "{text:?} byte {b}");
        }
        for v in 0..=u + 1 {
            assert_eq!(
                idx.utf16_to_char(text, v),
                u16_at.iter().position(|&x| x == v),
                "{text:?} utf16 {v}"
            );
        }
        for s in [0, chars.len() / 3, chars.len() / 2] {
            let e = (s + 70).min(chars.len());
            let want: String = text.chars().skip(s).take(e - s).collect();
            assert_eq!(idx.slice(text, s, e), Some(want.as_str()));
        }
    }

    proptest::proptest! {
        #[test]
        fn the_table_agrees_with_a_naive_count_on_mixed_1_to_4_byte_text(
            t in "[a-z ج-ي\u{064B}-\u{0652}€\u{20AC}-\u{20AF}😀-😏\u{10000}-\u{10010}\n]{0,300}"
        ) {
            agrees_with_naive(&t);
        }
    }

    #[test]
    fn empty_and_ascii_texts() {
        let idx = OffsetIndex::new("");
        assert_eq!(idx.char_to_byte("", 0), Some(0));
        assert_eq!(idx.byte_to_char("", 1), None);
        let idx = OffsetIndex::new("UNSMIL");
        assert!(idx.is_ascii());
        assert_eq!(idx.slice("UNSMIL", 2, 4), Some("SM"));
        assert_eq!(idx.slice("UNSMIL", 4, 2), None);
    }
}
