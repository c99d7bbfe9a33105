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

    pub fn show(self, ui: &mut Ui, cache: &mut BidiCache) -> Response {
        let size = cache.measure(self.text, self.size, self.direction, self.wrap);
        let (rect, response) = ui.allocate_exact_size(size, self.sense);
        let text = self.text.to_owned();
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &text));
        if ui.is_rect_visible(rect) {
            let color = self.color.unwrap_or_else(|| ui.visuals().text_color());
            let painter = ui.painter().clone();
            cache.paint(
                ui,
                &painter,
                self.text,
                self.size,
                self.direction,
                self.wrap,
                rect.min,
                color,
            );
        }
        response
    }
}
