//! A glyph atlas: glyphs rasterized with swash into one egui texture, uploaded with partial
//! updates, and drawn as textured quads.
//!
//! * Glyphs are rasterized at their physical pixel size (`font_size * pixels_per_point`),
//!   with [`SUBPX_BINS`] horizontal sub-pixel positions and the baseline snapped to a pixel,
//!   so text is crisp at any scale factor and font size.
//! * The atlas is a fixed square texture packed in shelves (rows). A CPU copy of the alpha
//!   is kept; new glyphs mark a dirty rectangle that is uploaded once per frame with
//!   [`egui::TextureHandle::set_partial`].
//! * Eviction: when a glyph does not fit, the atlas is cleared (all entries dropped, the
//!   generation number bumped) and the caller repaints the frame, so it re-rasterizes only
//!   the glyphs the current frame needs ([`paint_glyphs`] does this transparently). If one
//!   frame alone needs more than the atlas holds, the glyphs that do not fit are skipped.

use egui::{Color32, ColorImage, Mesh, Pos2, Rect, TextureHandle, TextureOptions, pos2, vec2};
use std::collections::HashMap;

/// Horizontal sub-pixel positions per pixel.
pub const SUBPX_BINS: u8 = 4;

#[derive(Hash, PartialEq, Eq, Clone, Copy, Debug)]
pub struct GlyphKey {
    pub font_id: u64,
    pub font_index: u32,
    pub glyph: u32,
    /// Physical pixel size, as f32 bits.
    pub size_bits: u32,
    pub subpx: u8,
}

/// Where a rasterized glyph is in the atlas, with its placement relative to the pen.
#[derive(Clone, Copy, Debug)]
pub struct AtlasGlyph {
    pub uv: Rect,
    pub left: f32,
    pub top: f32,
    pub w: f32,
    pub h: f32,
}

/// The atlas ran out of space for a glyph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AtlasFull;

pub struct GlyphAtlas {
    size: usize,
    alpha: Vec<u8>,
    tex: TextureHandle,
    /// Shelf packer state.
    x: usize,
    y: usize,
    row_h: usize,
    map: HashMap<GlyphKey, Option<AtlasGlyph>>,
    scale_cx: swash::scale::ScaleContext,
    /// Dirty rectangle `[x0, y0, x1, y1)` in texels, to upload at the end of the frame.
    dirty: Option<[usize; 4]>,
    generation: u64,
    rasterized: u64,
}

impl GlyphAtlas {
    /// An atlas of `size` x `size` texels.
    #[must_use]
    pub fn new(ctx: &egui::Context, name: &str, size: usize) -> Self {
        let image = ColorImage::filled([size, size], Color32::TRANSPARENT);
        let tex = ctx.load_texture(name, image, TextureOptions::LINEAR);
        GlyphAtlas {
            size,
            alpha: vec![0; size * size],
            tex,
            x: 1,
            y: 1,
            row_h: 0,
            map: HashMap::new(),
            scale_cx: swash::scale::ScaleContext::new(),
            dirty: None,
            generation: 0,
            rasterized: 0,
        }
    }

    #[must_use]
    pub fn texture_id(&self) -> egui::TextureId {
        self.tex.id()
    }

    /// Glyphs currently in the atlas.
    #[must_use]
    pub fn len(&self) -> usize {
        self.map.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Bumped every time the atlas is cleared.
    #[must_use]
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Glyphs rasterized since creation.
    #[must_use]
    pub fn rasterized(&self) -> u64 {
        self.rasterized
    }

    /// Drops every glyph (the texture is overwritten as glyphs come back).
    pub fn clear(&mut self) {
        self.map.clear();
        self.x = 1;
        self.y = 1;
        self.row_h = 0;
        self.alpha.fill(0);
        self.dirty = Some([0, 0, self.size, self.size]);
        self.generation += 1;
    }

    /// The atlas entry of a glyph, rasterizing it on first use. `Ok(None)` for glyphs without
    /// ink (spaces); `Err(AtlasFull)` when it does not fit.
    pub fn get(
        &mut self,
        key: GlyphKey,
        font_data: &[u8],
        px_size: f32,
    ) -> Result<Option<AtlasGlyph>, AtlasFull> {
        if let Some(g) = self.map.get(&key) {
            return Ok(*g);
        }
        use swash::scale::{Render, Source};
        use swash::zeno::{Format, Vector};
        let Some(font) = swash::FontRef::from_index(font_data, key.font_index as usize) else {
            self.map.insert(key, None);
            return Ok(None);
        };
        let mut scaler = self
            .scale_cx
            .builder(font)
            .size(px_size)
            .hint(false)
            .build();
        let img = Render::new(&[Source::Outline])
            .format(Format::Alpha)
            .offset(Vector::new(
                f32::from(key.subpx) / f32::from(SUBPX_BINS),
                0.0,
            ))
            .render(&mut scaler, u16::try_from(key.glyph).unwrap_or(0));
        self.rasterized += 1;
        let Some(img) = img else {
            self.map.insert(key, None);
            return Ok(None);
        };
        let (w, h) = (img.placement.width as usize, img.placement.height as usize);
        if w == 0 || h == 0 {
            self.map.insert(key, None);
            return Ok(None);
        }
        if w + 2 >= self.size || h + 2 >= self.size {
            self.map.insert(key, None);
            return Ok(None);
        }
        if self.x + w + 1 >= self.size {
            self.x = 1;
            self.y += self.row_h + 1;
            self.row_h = 0;
        }
        if self.y + h + 1 >= self.size {
            return Err(AtlasFull);
        }
        let (x0, y0) = (self.x, self.y);
        for row in 0..h {
            let dst = (y0 + row) * self.size + x0;
            self.alpha[dst..dst + w].copy_from_slice(&img.data[row * w..row * w + w]);
        }
        let d = self.dirty.get_or_insert([x0, y0, x0 + w, y0 + h]);
        *d = [
            d[0].min(x0),
            d[1].min(y0),
            d[2].max(x0 + w),
            d[3].max(y0 + h),
        ];
        let s = self.size as f32;
        let entry = AtlasGlyph {
            uv: Rect::from_min_size(
                pos2(x0 as f32 / s, y0 as f32 / s),
                vec2(w as f32 / s, h as f32 / s),
            ),
            left: img.placement.left as f32,
            top: img.placement.top as f32,
            w: w as f32,
            h: h as f32,
        };
        self.x += w + 1;
        self.row_h = self.row_h.max(h);
        self.map.insert(key, Some(entry));
        Ok(Some(entry))
    }

    /// Uploads the texels changed since the last upload (one partial update).
    pub fn upload(&mut self) {
        let Some([x0, y0, x1, y1]) = self.dirty.take() else {
            return;
        };
        let (w, h) = (x1 - x0, y1 - y0);
        let mut pixels = Vec::with_capacity(w * h);
        for row in y0..y1 {
            let src = &self.alpha[row * self.size + x0..row * self.size + x1];
            pixels.extend(src.iter().map(|&a| Color32::from_white_alpha(a)));
        }
        let image = ColorImage::new([w, h], pixels);
        self.tex
            .set_partial([x0, y0], image, TextureOptions::LINEAR);
    }
}

/// One glyph to draw: font bytes and identity, size in points, pen position in points
/// (screen coordinates, on the baseline).
#[derive(Clone, Copy)]
pub struct GlyphToPaint<'a> {
    pub font: &'a parley::FontData,
    pub font_size: f32,
    pub glyph_id: u32,
    pub pos: Pos2,
}

/// Appends a textured quad for a glyph. Returns whether a quad was added.
pub fn add_glyph(
    atlas: &mut GlyphAtlas,
    mesh: &mut Mesh,
    g: &GlyphToPaint<'_>,
    ppp: f32,
    color: Color32,
) -> Result<bool, AtlasFull> {
    let px_size = g.font_size * ppp;
    let px = g.pos.x * ppp;
    let py = (g.pos.y * ppp).round();
    let fx = px.floor();
    let bins = f32::from(SUBPX_BINS);
    let subpx = (((px - fx) * bins).floor() as u8).min(SUBPX_BINS - 1);
    let key = GlyphKey {
        font_id: g.font.data.id(),
        font_index: g.font.index,
        glyph: g.glyph_id,
        size_bits: px_size.to_bits(),
        subpx,
    };
    let Some(ag) = atlas.get(key, g.font.data.as_ref(), px_size)? else {
        return Ok(false);
    };
    let min = pos2((fx + ag.left) / ppp, (py - ag.top) / ppp);
    mesh.add_rect_with_uv(
        Rect::from_min_size(min, vec2(ag.w / ppp, ag.h / ppp)),
        ag.uv,
        color,
    );
    Ok(true)
}

/// Builds a mesh of glyph quads from `glyphs` (called again if the atlas had to be cleared
/// mid-way, so the mesh only references glyphs of the current atlas generation).
/// Returns the mesh and the number of quads.
pub fn paint_glyphs<'a, I>(
    atlas: &mut GlyphAtlas,
    glyphs: impl Fn() -> I,
    ppp: f32,
    color: Color32,
) -> (Mesh, usize)
where
    I: Iterator<Item = GlyphToPaint<'a>>,
{
    for attempt in 0..2 {
        let mut mesh = Mesh::with_texture(atlas.texture_id());
        let mut quads = 0;
        let mut full = false;
        for g in glyphs() {
            match add_glyph(atlas, &mut mesh, &g, ppp, color) {
                Ok(true) => quads += 1,
                Ok(false) => {}
                Err(AtlasFull) => {
                    full = true;
                    if attempt == 0 {
                        break;
                    }
                }
            }
        }
        if full && attempt == 0 {
            atlas.clear();
            continue;
        }
        atlas.upload();
        return (mesh, quads);
    }
    atlas.upload();
    (Mesh::with_texture(atlas.texture_id()), 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{Direction, Fonts};

    #[test]
    fn atlas_evicts_by_clearing_and_keeps_the_current_frame() {
        let ctx = egui::Context::default();
        let mut fonts = Fonts::new();
        // A tiny atlas: one frame of text fits, two different sizes do not.
        let mut atlas = GlyphAtlas::new(&ctx, "test-atlas", 128);
        let layout = fonts.layout_short("بنغازي جنيف ليبيا", 18.0, Direction::Auto, None);
        let glyphs = |size_mul: f32| {
            let mut v = Vec::new();
            for line in layout.lines() {
                for item in line.items() {
                    let parley::PositionedLayoutItem::GlyphRun(gr) = item else {
                        continue;
                    };
                    let font = gr.run().font().clone();
                    let fs = gr.run().font_size() * size_mul;
                    for g in gr.positioned_glyphs() {
                        v.push((font.clone(), fs, g.id, pos2(g.x, g.y + 20.0)));
                    }
                }
            }
            v
        };
        let mut quads = Vec::new();
        for mul in [1.0, 1.5, 2.0, 2.5, 1.0] {
            let frame = glyphs(mul);
            let (mesh, q) = paint_glyphs(
                &mut atlas,
                || {
                    frame.iter().map(|(f, s, id, p)| GlyphToPaint {
                        font: f,
                        font_size: *s,
                        glyph_id: *id,
                        pos: *p,
                    })
                },
                1.0,
                Color32::WHITE,
            );
            assert_eq!(mesh.vertices.len(), q * 4);
            assert!(atlas.len() <= frame.len() * 6);
            quads.push(q);
        }
        assert!(quads[0] > 5);
        assert!(
            quads.iter().all(|&q| q == quads[0]),
            "every frame draws all its glyphs: {quads:?}"
        );
        assert!(
            atlas.generation() >= 1,
            "the atlas was cleared at least once"
        );
    }
}
