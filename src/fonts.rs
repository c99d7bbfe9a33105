//! The bundled fonts installed into egui (the font files themselves are in
//! [`tawsim_core::fonts`]).

pub use tawsim_core::fonts::*;

/// egui font definitions: the bundled Noto Sans first for Latin UI text, Noto Naskh Arabic
/// next so short Arabic strings never hit a missing glyph, then egui's own embedded fonts
/// (Ubuntu Light or Hack, and its icons), then the bundled Noto Emoji and Noto Sans Symbols 2
/// (egui's own emoji fonts are behind a feature this build leaves off, so as not to embed
/// Noto Emoji twice). Nothing is read from the system.
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
    // Scaled down as egui does its own copy: emoji outlines fill the whole em.
    defs.font_data.insert(
        "noto-emoji".into(),
        Arc::new(FontData::from_static(EMOJI).tweak(egui::FontTweak {
            scale: 0.81,
            ..Default::default()
        })),
    );
    defs.font_data.insert(
        "noto-symbols2".into(),
        Arc::new(FontData::from_static(SYMBOLS)),
    );
    for (family, at) in [(FontFamily::Proportional, 0), (FontFamily::Monospace, 1)] {
        let list = defs.families.entry(family).or_default();
        list.insert(at, "noto-naskh".into());
        list.insert(at, "noto-sans".into());
        list.push("noto-emoji".into());
        list.push("noto-symbols2".into());
    }
    defs
}

/// Installs the bundled fonts into an egui context.
pub fn install(ctx: &egui::Context) {
    ctx.set_fonts(egui_font_definitions());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn egui_ui_fonts_fall_back_to_emoji_and_symbols() {
        let defs = egui_font_definitions();
        for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
            let list = &defs.families[&family];
            let at = |name: &str| list.iter().position(|n| n == name);
            let (Some(sans), Some(emoji), Some(symbols)) =
                (at("noto-sans"), at("noto-emoji"), at("noto-symbols2"))
            else {
                panic!("{family:?}: {list:?}");
            };
            assert!(sans < emoji && emoji < symbols, "{family:?}: {list:?}");
            assert!(at("noto-naskh").is_some_and(|n| n < emoji), "{list:?}");
        }
        for name in ["noto-sans", "noto-naskh", "noto-emoji", "noto-symbols2"] {
            assert!(defs.font_data.contains_key(name), "{name}");
        }
    }
}
