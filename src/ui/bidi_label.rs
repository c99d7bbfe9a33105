//! Short UI strings that may contain Arabic (document names, label descriptions, search
//! context), laid out with the same parley pipeline as the document (bidi, shaping, font
//! fallback) instead of egui's own text layout, which has no bidi.
//!
//! ```ignore
//! BidiLabel::new("وثيقة ليبيا 2020").size(14.0).show(ui, &mut cache);
//! ```
//! [`BidiCache`] keeps the laid-out strings (bounded; cleared when it grows past
//! [`BidiCache::MAX_ENTRIES`]) and its own small glyph atlas.

use super::glyph_atlas::{GlyphAtlas, GlyphToPaint, paint_glyphs};
use crate::layout::{Direction, Fonts};
use egui::{Color32, Pos2, Response, Sense, Ui, Vec2, pos2, vec2};
use std::collections::HashMap;

#[derive(Hash, PartialEq, Eq, Clone)]
struct Key {
    text: String,
    size_bits: u32,
    wrap_bits: Option<u32>,
    dir: u8,
}

/// Laid-out short strings and a glyph atlas for them. Keep one per app (or per panel).
pub struct BidiCache {
    fonts: Fonts,
    atlas: Option<GlyphAtlas>,
    layouts: HashMap<Key, parley::Layout<()>>,
}

impl Default for BidiCache {
    fn default() -> Self {
        Self::new()
    }
}

impl BidiCache {
    /// Laid-out strings kept before the cache is cleared.
    pub const MAX_ENTRIES: usize = 2048;

    #[must_use]
    pub fn new() -> Self {
        BidiCache {
            fonts: Fonts::new(),
            atlas: None,
            layouts: HashMap::new(),
        }
    }

    /// Number of cached layouts.
    #[must_use]
    pub fn len(&self) -> usize {
        self.layouts.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.layouts.is_empty()
    }

    fn layout(
        &mut self,
        text: &str,
        size: f32,
        dir: Direction,
        wrap: Option<f32>,
    ) -> &parley::Layout<()> {
        let key = Key {
            text: text.to_owned(),
            size_bits: size.to_bits(),
            wrap_bits: wrap.map(f32::to_bits),
            dir: dir as u8,
        };
        if self.layouts.len() >= Self::MAX_ENTRIES && !self.layouts.contains_key(&key) {
            self.layouts.clear();
        }
        let fonts = &mut self.fonts;
        self.layouts
            .entry(key)
            .or_insert_with(|| fonts.layout_short(text, size, dir, wrap))
    }

    /// Size in points of `text` laid out at `size`.
    pub fn measure(&mut self, text: &str, size: f32, dir: Direction, wrap: Option<f32>) -> Vec2 {
        let l = self.layout(text, size, dir, wrap);
        vec2(l.width(), l.height())
    }

    /// Paints the laid-out text with its top-left at `min`.
    #[allow(clippy::too_many_arguments)]
    pub fn paint(
        &mut self,
        ui: &Ui,
        painter: &egui::Painter,
        text: &str,
        size: f32,
        dir: Direction,
        wrap: Option<f32>,
        min: Pos2,
        color: Color32,
    ) {
        if self.atlas.is_none() {
            self.atlas = Some(GlyphAtlas::new(ui.ctx(), "tawsim-bidi-label-atlas", 1024));
        }
        let ppp = ui.ctx().pixels_per_point();
        let mut glyphs = Vec::new();
        {
            let layout = self.layout(text, size, dir, wrap);
            for line in layout.lines() {
                for item in line.items() {
                    let parley::PositionedLayoutItem::GlyphRun(gr) = item else {
                        continue;
                    };
                    let run = gr.run();
                    for g in gr.positioned_glyphs() {
                        glyphs.push((
                            run.font().clone(),
                            run.font_size(),
                            g.id,
                            pos2(min.x + g.x, min.y + g.y),
                        ));
                    }
                }
            }
        }
        let Some(atlas) = self.atlas.as_mut() else {
            return;
        };
        let (mesh, _) = paint_glyphs(
            atlas,
            || {
                glyphs
                    .iter()
                    .map(|(font, font_size, glyph_id, pos)| GlyphToPaint {
                        font,
                        font_size: *font_size,
                        glyph_id: *glyph_id,
                        pos: *pos,
                    })
            },
            ppp,
            color,
        );
        painter.add(egui::Shape::mesh(mesh));
    }

    /// A label-name tag (small pill) anchored at `anchor`: extending left of it when `rtl`.
    #[allow(clippy::too_many_arguments)]
    pub fn paint_tag(
        &mut self,
        ui: &Ui,
        painter: &egui::Painter,
        text: &str,
        size: f32,
        anchor: Pos2,
        rtl: bool,
        bg: Color32,
        fg: Color32,
    ) {
        let s = self.measure(text, size, Direction::Auto, None) + vec2(4.0, 0.0);
        let min = if rtl {
            pos2(anchor.x - s.x, anchor.y)
        } else {
            anchor
        };
        painter.rect_filled(egui::Rect::from_min_size(min, s), 2.0, bg);
        self.paint(
            ui,
            painter,
            text,
            size,
            Direction::Auto,
            None,
            min + vec2(2.0, 0.0),
            fg,
        );
    }
}

/// A label for short strings with Arabic, laid out by parley (see the module docs).
#[must_use = "call .show(ui, cache)"]
pub struct BidiLabel<'a> {
    text: &'a str,
    size: f32,
    color: Option<Color32>,
    wrap: Option<f32>,
    direction: Direction,
    sense: Sense,
    truncate: bool,
}

impl<'a> BidiLabel<'a> {
    pub fn new(text: &'a str) -> Self {
        BidiLabel {
            text,
            size: 14.0,
            color: None,
            wrap: None,
            direction: Direction::Auto,
            sense: Sense::hover(),
            truncate: false,
        }
    }
    /// Font size in points.
    pub fn size(mut self, size: f32) -> Self {
        self.size = size;
        self
    }
    pub fn color(mut self, color: Color32) -> Self {
        self.color = Some(color);
        self
    }
    /// Wraps at this width (default: one line).
    pub fn wrap(mut self, width: f32) -> Self {
        self.wrap = Some(width);
        self
    }
    pub fn direction(mut self, direction: Direction) -> Self {
        self.direction = direction;
        self
    }
    pub fn sense(mut self, sense: Sense) -> Self {
        self.sense = sense;
        self
    }
    /// On one line that does not fit the width left, shows the longest start that fits
    /// (whole grapheme clusters) with an ellipsis, and the whole text on hover.
    pub fn truncate(mut self) -> Self {
        self.truncate = true;
        self
    }

    pub fn show(self, ui: &mut Ui, cache: &mut BidiCache) -> Response {
        let shown = if self.truncate && self.wrap.is_none() {
            fitting(
                cache,
                self.text,
                self.size,
                self.direction,
                ui.available_width(),
            )
        } else {
            None
        };
        let text = shown.as_deref().unwrap_or(self.text);
        let size = cache.measure(text, self.size, self.direction, self.wrap);
        let (rect, response) = ui.allocate_exact_size(size, self.sense);
        let whole = self.text.to_owned();
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &whole));
        if ui.is_rect_visible(rect) {
            let color = self.color.unwrap_or_else(|| ui.visuals().text_color());
            let painter = ui.painter().clone();
            cache.paint(
                ui,
                &painter,
                text,
                self.size,
                self.direction,
                self.wrap,
                rect.min,
                color,
            );
        }
        if shown.is_none() {
            return response;
        }
        response.on_hover_ui(|ui| {
            BidiLabel::new(self.text)
                .size(self.size)
                .direction(self.direction)
                .wrap(ui.available_width().max(200.0))
                .show(ui, cache);
        })
    }
}

/// The longest start of `text` (whole grapheme clusters) that fits `width` with an ellipsis
/// after it, or `None` when the whole text fits.
fn fitting(
    cache: &mut BidiCache,
    text: &str,
    size: f32,
    dir: Direction,
    width: f32,
) -> Option<String> {
    if cache.measure(text, size, dir, None).x <= width {
        return None;
    }
    let indexed = tawsim_core::domain::IndexedText::new(text);
    let cuts: Vec<usize> = (0..indexed.len_chars())
        .filter(|&c| indexed.is_grapheme_boundary(c))
        .filter_map(|c| indexed.char_to_byte(c))
        .collect();
    let with_ellipsis = |k: usize| format!("{}…", text[..cuts[k]].trim_end());
    // The last cut that fits (the first, empty, always counts as fitting).
    let (mut lo, mut hi) = (0, cuts.len());
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if cache.measure(&with_ellipsis(mid), size, dir, None).x <= width {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(with_ellipsis(lo))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A message too wide is cut at a grapheme cluster with an ellipsis, to the longest start
    /// that fits; one that fits is left whole.
    #[test]
    fn a_long_line_is_cut_to_the_longest_start_that_fits() {
        let mut cache = BidiCache::new();
        let text = "Labelled النارُ الدائمُ as LOC in وثيقة ليبيا";
        let (size, dir) = (13.0, Direction::Ltr);
        let whole = cache.measure(text, size, dir, None).x;
        assert_eq!(fitting(&mut cache, text, size, dir, whole + 1.0), None);
        for width in [40.0, 90.0, whole * 0.6, whole - 1.0] {
            let cut = fitting(&mut cache, text, size, dir, width).expect("cut");
            let start = cut.strip_suffix('…').expect("ellipsis");
            assert!(text.starts_with(start), "{cut:?}");
            assert!(
                cache.measure(&cut, size, dir, None).x <= width,
                "{cut:?} fits {width}"
            );
            // Never inside a cluster: the damma stays with its letter.
            assert!(!text[start.len()..].starts_with('\u{064F}'), "{cut:?}");
            // One cluster more would not fit.
            let indexed = tawsim_core::domain::IndexedText::new(text);
            let next = (start.chars().count() + 1..=indexed.len_chars())
                .find(|&c| indexed.is_grapheme_boundary(c))
                .and_then(|c| indexed.char_to_byte(c))
                .expect("a next cluster");
            let longer = format!("{}…", text[..next].trim_end());
            assert!(
                longer == cut || cache.measure(&longer, size, dir, None).x > width,
                "{longer:?} would fit {width} too"
            );
        }
        assert_eq!(
            fitting(&mut cache, text, size, dir, 1.0).as_deref(),
            Some("…")
        );
    }
}
