#![no_main]
//! Offset conversions never panic on any text and any index, and round-trip where defined.
use libfuzzer_sys::fuzz_target;
use tawsim::domain::{IndexedText, OffsetIndex};

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let (idx, rest) = data.split_at(4);
    let text = String::from_utf8_lossy(rest);
    let text = text.as_ref();
    let raw = [
        usize::from(idx[0]),
        usize::from(idx[1]),
        usize::from(idx[2]) * 7,
        usize::from(idx[3]) * 64,
    ];
    let oi = OffsetIndex::new(text);
    let it = IndexedText::new(text);
    let n = oi.len_chars();
    assert_eq!(n, text.chars().count());
    assert_eq!(oi.len_utf16(), text.encode_utf16().count());
    for &i in raw.iter().chain([n, n + 1, usize::MAX].iter()) {
        let b = oi.char_to_byte(text, i);
        assert_eq!(
            b,
            text.char_indices()
                .map(|(b, _)| b)
                .chain([text.len()])
                .nth(i)
        );
        if let Some(b) = b {
            assert_eq!(oi.byte_to_char(text, b), Some(i));
        }
        let _ = oi.byte_to_char(text, i);
        if let Some(u) = oi.char_to_utf16(text, i) {
            assert_eq!(oi.utf16_to_char(text, u), Some(i));
        }
        let _ = oi.utf16_to_char(text, i);
        for &j in &raw {
            if let Some(s) = oi.slice(text, i, j) {
                assert_eq!(s.chars().count(), j - i);
            }
            let _ = it.slice(i, j);
            let (a, z) = it.snap_out(i.min(n), j.min(n));
            assert!(it.is_grapheme_boundary(a) && it.is_grapheme_boundary(z));
        }
        let _ = it.is_grapheme_boundary(i);
        let a = it.boundary_at_or_before(i);
        let z = it.boundary_at_or_after(i);
        assert!(a <= z || i > n);
        let _ = (
            it.char_to_byte(i),
            it.byte_to_char(i),
            it.char_to_utf16(i),
            it.utf16_to_char(i),
        );
    }
});
