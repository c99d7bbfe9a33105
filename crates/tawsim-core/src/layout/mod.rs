//! Text layout of documents with parley: bidi, shaping, line breaking, hit testing and
//! range geometry, per paragraph and lazily. No egui here.
//!
//! Coordinates are logical points ("document coordinates"): x from the left edge of the text
//! column, y from the top of the document. Offsets are Unicode code points over the whole
//! document text; parley's per-paragraph UTF-8 byte indices are converted at this boundary
//! with the document's [`IndexedText`](crate::domain::IndexedText).

mod bidi;
mod document;
mod shaper;

pub use bidi::{first_strong_direction, has_strong_rtl};
pub use document::{DocumentLayout, GlyphBatch, PlacedGlyph};
pub use shaper::BackgroundShaping;

use crate::fonts;
use parley::fontique::Blob;
use parley::{FontContext, FontFamily, FontFamilyName, LayoutContext};
use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

pub use crate::domain::Direction;

/// How a document is laid out. `width` is the text column width in points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayoutStyle {
    pub font_size: f32,
    /// Line height as a multiple of the font size.
    pub line_height: f32,
    pub direction: Direction,
    pub width: f32,
    /// Extra space after each paragraph, in points.
    pub paragraph_gap: f32,
}

impl Default for LayoutStyle {
    fn default() -> Self {
        LayoutStyle {
            font_size: 20.0,
            line_height: 1.75,
            direction: Direction::Auto,
            width: 600.0,
            paragraph_gap: 6.0,
        }
    }
}

impl LayoutStyle {
    /// True when switching from `self` to `other` needs re-shaping (not only re-wrapping).
    #[must_use]
    pub fn needs_reshape(&self, other: &LayoutStyle) -> bool {
        self.font_size != other.font_size
            || self.line_height != other.line_height
            || self.direction != other.direction
    }

    /// Height of one line in points.
    #[must_use]
    pub fn line_px(&self) -> f32 {
        self.font_size * self.line_height
    }
}

/// An axis-aligned rectangle in document coordinates (points).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rect {
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
}

impl Rect {
    #[must_use]
    pub fn new(x0: f32, y0: f32, x1: f32, y1: f32) -> Self {
        Rect { x0, y0, x1, y1 }
    }
    #[must_use]
    pub fn width(&self) -> f32 {
        self.x1 - self.x0
    }
    #[must_use]
    pub fn height(&self) -> f32 {
        self.y1 - self.y0
    }
    #[must_use]
    pub fn center(&self) -> (f32, f32) {
        ((self.x0 + self.x1) * 0.5, (self.y0 + self.y1) * 0.5)
    }
    #[must_use]
    pub fn contains(&self, x: f32, y: f32) -> bool {
        x >= self.x0 && x <= self.x1 && y >= self.y0 && y <= self.y1
    }
    #[must_use]
    pub fn union(&self, o: &Rect) -> Rect {
        Rect::new(
            self.x0.min(o.x0),
            self.y0.min(o.y0),
            self.x1.max(o.x1),
            self.y1.max(o.y1),
        )
    }
}

/// Caret motions. Left/Right are visual (on screen), Up/Down by lines, LineStart/LineEnd
/// are the logical start and end of the caret's line (Home/End).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Motion {
    Left,
    Right,
    Up,
    Down,
    LineStart,
    LineEnd,
}

/// parley's font and layout contexts with the bundled fonts registered (never system fonts).
pub struct Fonts {
    pub(crate) fcx: FontContext,
    pub(crate) lcx: LayoutContext<()>,
}

impl Default for Fonts {
    fn default() -> Self {
        Self::new()
    }
}

impl Fonts {
    #[must_use]
    pub fn new() -> Self {
        let mut fcx = FontContext::default();
        for blob in font_blobs() {
            fcx.collection.register_fonts(blob.clone(), None);
        }
        Fonts {
            fcx,
            lcx: LayoutContext::new(),
        }
    }

    /// Lays out one short string on a single line (no wrapping unless `max_width` is given),
    /// with the bundled family list. Used for UI strings (see `ui::bidi_label`).
    pub fn layout_short(
        &mut self,
        text: &str,
        font_size: f32,
        direction: Direction,
        max_width: Option<f32>,
    ) -> parley::Layout<()> {
        let dir = resolve_direction(direction, text);
        let mut layout = build_layout(self, text, font_size, 1.3, dir);
        layout.break_all_lines(max_width);
        layout.align(
            parley::Alignment::Start,
            parley::AlignmentOptions::default(),
        );
        layout
    }
}

/// The bundled fonts as blobs, made once: every font context (the view's, the background
/// shapers', the UI strings') registers these same blobs, so a glyph shaped anywhere has the
/// same font identity in the glyph atlas.
fn font_blobs() -> &'static [Blob<u8>] {
    static BLOBS: OnceLock<Vec<Blob<u8>>> = OnceLock::new();
    BLOBS.get_or_init(|| {
        fonts::ALL
            .iter()
            .map(|bytes| Blob::new(Arc::new(*bytes)))
            .collect()
    })
}

/// The family list every layout uses: Noto Naskh Arabic, then Noto Sans, then for what
/// neither has (emoji and symbols, common in social-media Arabic) Noto Emoji and Noto Sans
/// Symbols 2.
fn families() -> [FontFamilyName<'static>; 4] {
    [
        FontFamilyName::named(fonts::NASKH_FAMILY),
        FontFamilyName::named(fonts::SANS_FAMILY),
        FontFamilyName::named(fonts::EMOJI_FAMILY),
        FontFamilyName::named(fonts::SYMBOLS_FAMILY),
    ]
}

/// Resolves `Auto` to the direction of the first strong character (RTL when none).
#[must_use]
pub fn resolve_direction(direction: Direction, text: &str) -> Direction {
    match direction {
        Direction::Auto => first_strong_direction(text).unwrap_or(Direction::Rtl),
        d => d,
    }
}

/// Shapes `text` (one paragraph, no '\n') with an explicit base direction; not yet broken.
pub(crate) fn build_layout(
    fonts: &mut Fonts,
    text: &str,
    font_size: f32,
    line_height: f32,
    dir: Direction,
) -> parley::Layout<()> {
    let fams = families();
    let mut b = fonts.lcx.ranged_builder(&mut fonts.fcx, text, 1.0, true);
    b.push_default(parley::StyleProperty::FontFamily(FontFamily::List(
        Cow::Borrowed(&fams),
    )));
    b.push_default(parley::StyleProperty::FontSize(font_size));
    b.push_default(parley::StyleProperty::LineHeight(
        parley::LineHeight::FontSizeRelative(line_height),
    ));
    b.set_base_direction(match dir {
        Direction::Ltr => parley::BaseDirection::Ltr,
        Direction::Rtl => parley::BaseDirection::Rtl,
        Direction::Auto => parley::BaseDirection::Auto,
    });
    b.build(text)
}
