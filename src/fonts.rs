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

/// egui font definitions: the bundled Noto Sans first for Latin UI text, Noto Naskh Arabic
/// next so short Arabic strings never hit a missing glyph, then egui's own embedded fonts
/// (symbols and emoji icons). Nothing is read from the system.
#[must_use]
pub fn egui_font_definitions() -> egui::FontDefinitions {
    use egui::{FontData, FontDefinitions, FontFamily};
    use std::sync::Arc;
    let mut defs = FontDefinitions::default();
    defs.font_data.insert(
        "noto-sans".into(),
        Arc::new(FontData::from_static(SANS_REGULAR)),
    );
    defs.font_data.insert(
        "noto-naskh".into(),
        Arc::new(FontData::from_static(NASKH_REGULAR)),
    );
    for (family, at) in [(FontFamily::Proportional, 0), (FontFamily::Monospace, 1)] {
        let list = defs.families.entry(family).or_default();
        list.insert(at, "noto-naskh".into());
        list.insert(at, "noto-sans".into());
    }
    defs
}

/// Installs the bundled fonts into an egui context.
pub fn install(ctx: &egui::Context) {
    ctx.set_fonts(egui_font_definitions());
}
