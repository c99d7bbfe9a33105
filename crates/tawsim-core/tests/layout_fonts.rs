//! The document layout's font fallback: emoji and symbols (common in social-media Arabic)
//! are drawn with a bundled font, never as the missing-glyph box (glyph id 0, `.notdef`).
//! Not covered: skin-tone modifiers (U+1F3FB..U+1F3FF), which no bundled font has (the
//! monochrome Noto Emoji lacks them); they still show as a box after the emoji.

use tawsim_core::domain::IndexedText;
use tawsim_core::layout::{Direction, DocumentLayout, Fonts, GlyphBatch, LayoutStyle};

/// The glyph ids the document view would paint for `text`.
fn glyph_ids(text: &str) -> Vec<u32> {
    let mut fonts = Fonts::new();
    let style = LayoutStyle {
        direction: Direction::Auto,
        width: 2000.0,
        ..LayoutStyle::default()
    };
    let mut doc = DocumentLayout::new(IndexedText::new(text), style);
    doc.layout_all(&mut fonts);
    let mut batch = GlyphBatch::default();
    doc.collect_glyphs(0.0, doc.height(), &mut batch);
    batch.glyphs.iter().map(|g| g.id).collect()
}

#[test]
fn emoji_and_symbols_in_arabic_text_have_glyphs() {
    let mut bad = Vec::new();
    for text in [
        "مرحبا 😀 ★ ✓",
        "😀",
        "★",
        "✓",
        "مبروك 🎉🎉 ❤ ✔ ☆ ♥ ✗",
        "#مصر 🔥 100%",
        "عاجل ⚡ الآن",
        "❤️",
        "👍",
        "👨‍👩‍👧",
    ] {
        let ids = glyph_ids(text);
        assert!(!ids.is_empty(), "{text}: nothing laid out");
        if ids.contains(&0) {
            bad.push(format!("{text}: {ids:?}"));
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn plain_arabic_has_no_missing_glyph_either() {
    let ids = glyph_ids("اتفاق وقف إطلاق النار في بنغازي");
    assert!(!ids.is_empty() && !ids.contains(&0), "{ids:?}");
}
