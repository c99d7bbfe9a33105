//! First-strong-character direction detection (UAX #9 rules P2/P3, simplified to the scripts
//! an Arabic annotator meets).

use super::Direction;

/// True for characters of bidi class R or AL (Hebrew, Arabic, Syriac, Thaana, NKo, ... and
/// their presentation forms) plus RLM and ALM.
fn is_strong_rtl(c: char) -> bool {
    let u = c as u32;
    if matches!(c, '\u{200F}' | '\u{061C}') {
        return true;
    }
    let in_rtl_block = matches!(u,
        0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF | 0x10800..=0x10FFF | 0x1E800..=0x1EFFF);
    // Arabic-Indic digits are AN/EN, harakat are NSM: not strong.
    in_rtl_block
        && !matches!(u, 0x0660..=0x0669 | 0x06F0..=0x06F9 | 0x064B..=0x065F | 0x0670 | 0x06D6..=0x06ED)
        && (c.is_alphabetic() || matches!(u, 0x061B | 0x061F | 0x06D4))
}

fn is_strong_ltr(c: char) -> bool {
    c == '\u{200E}' || (c.is_alphabetic() && !is_strong_rtl(c) && !is_combining(c))
}

fn is_combining(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x064B..=0x065F | 0x0670 | 0x06D6..=0x06ED)
}

/// True when `text` has a right-to-left letter (egui's own text layout would show it in
/// the wrong order: it goes through the bidi layout instead).
#[must_use]
pub fn has_strong_rtl(text: &str) -> bool {
    text.chars().any(is_strong_rtl)
}

/// The direction of the first strong character of `text`, if it has one.
#[must_use]
pub fn first_strong_direction(text: &str) -> Option<Direction> {
    for c in text.chars() {
        if is_strong_rtl(c) {
            return Some(Direction::Rtl);
        }
        if is_strong_ltr(c) {
            return Some(Direction::Ltr);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn right_to_left_letters_anywhere_count_but_digits_and_harakat_alone_do_not() {
        assert!(has_strong_rtl("Labelled بنغازي"));
        assert!(has_strong_rtl("tagged \u{200F}"));
        assert!(!has_strong_rtl("Labelled 3 occurrence(s)"));
        assert!(!has_strong_rtl("٢٠٢٠ \u{064E}"));
        assert!(!has_strong_rtl(""));
    }

    #[test]
    fn first_strong() {
        assert_eq!(
            first_strong_direction("2020 في ليبيا"),
            Some(Direction::Rtl)
        );
        assert_eq!(
            first_strong_direction("UNSMIL في ليبيا"),
            Some(Direction::Ltr)
        );
        assert_eq!(first_strong_direction("«5+5»"), None);
        assert_eq!(
            first_strong_direction("\u{200F}Geneva"),
            Some(Direction::Rtl)
        );
        assert_eq!(first_strong_direction("\u{200E}جنيف"), Some(Direction::Ltr));
    }
}
