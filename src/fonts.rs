//! The bundled fonts (Noto Naskh Arabic and Noto Sans, SIL OFL 1.1, see assets/fonts/OFL.txt),
//! embedded in the binary: no font is ever read from a system path.

pub const NASKH_REGULAR: &[u8] = include_bytes!("../assets/fonts/NotoNaskhArabic-Regular.ttf");
pub const NASKH_BOLD: &[u8] = include_bytes!("../assets/fonts/NotoNaskhArabic-Bold.ttf");
pub const SANS_REGULAR: &[u8] = include_bytes!("../assets/fonts/NotoSans-Regular.ttf");
pub const SANS_BOLD: &[u8] = include_bytes!("../assets/fonts/NotoSans-Bold.ttf");

/// Family names as the font files declare them (used by the layout engine).
pub const NASKH_FAMILY: &str = "Noto Naskh Arabic";
pub const SANS_FAMILY: &str = "Noto Sans";

/// All bundled font files.
pub const ALL: [&[u8]; 4] = [NASKH_REGULAR, NASKH_BOLD, SANS_REGULAR, SANS_BOLD];

/// egui font definitions using only the bundled fonts: Noto Sans first for Latin UI text,
/// Noto Naskh Arabic as fallback so short Arabic strings never hit a missing glyph.
#[must_use]
pub fn egui_font_definitions() -> egui::FontDefinitions {
    use egui::{FontData, FontDefinitions, FontFamily};
    use std::sync::Arc;
    let mut defs = FontDefinitions::empty();
    defs.font_data.insert("noto-sans".into(), Arc::new(FontData::from_static(SANS_REGULAR)));
    defs.font_data.insert("noto-naskh".into(), Arc::new(FontData::from_static(NASKH_REGULAR)));
    for family in [FontFamily::Proportional, FontFamily::Monospace] {
        defs.families.insert(family, vec!["noto-sans".into(), "noto-naskh".into()]);
    }
    defs
}

/// Installs the bundled fonts into an egui context.
pub fn install(ctx: &egui::Context) {
    ctx.set_fonts(egui_font_definitions());
}
