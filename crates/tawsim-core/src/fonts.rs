//! The bundled fonts (Noto Naskh Arabic, Noto Sans, and for emoji and symbols Noto Emoji and
//! Noto Sans Symbols 2; all SIL OFL 1.1, see assets/fonts/OFL.txt), embedded in the binary:
//! no font is ever read from a system path.

pub const NASKH_REGULAR: &[u8] =
    include_bytes!("../../../assets/fonts/NotoNaskhArabic-Regular.ttf");
pub const NASKH_BOLD: &[u8] = include_bytes!("../../../assets/fonts/NotoNaskhArabic-Bold.ttf");
pub const SANS_REGULAR: &[u8] = include_bytes!("../../../assets/fonts/NotoSans-Regular.ttf");
pub const SANS_BOLD: &[u8] = include_bytes!("../../../assets/fonts/NotoSans-Bold.ttf");
/// Monochrome emoji (the file egui ships in `epaint_default_fonts`).
pub const EMOJI: &[u8] = include_bytes!("../../../assets/fonts/NotoEmoji-Regular.ttf");
/// Stars, check marks, dingbats and other symbols that neither Noto Emoji nor Noto Sans has
/// (★ ☆ ✓ ✗ ➤ …).
pub const SYMBOLS: &[u8] = include_bytes!("../../../assets/fonts/NotoSansSymbols2-Regular.ttf");

/// Family names as the font files declare them (used by the layout engine).
pub const NASKH_FAMILY: &str = "Noto Naskh Arabic";
pub const SANS_FAMILY: &str = "Noto Sans";
pub const EMOJI_FAMILY: &str = "Noto Emoji";
pub const SYMBOLS_FAMILY: &str = "Noto Sans Symbols2";

/// All bundled font files.
pub const ALL: [&[u8]; 6] = [
    NASKH_REGULAR,
    NASKH_BOLD,
    SANS_REGULAR,
    SANS_BOLD,
    EMOJI,
    SYMBOLS,
];
