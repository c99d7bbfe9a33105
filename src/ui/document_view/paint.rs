//! Painting the visible part of the document, in order: span highlights (inset by nesting
//! depth), search hits and the selection, the glyphs as one mesh, the selected span's
//! outline, label tags, bidi marks and the caret.

use super::{DocumentView, LANE_BAR, LANE_GAP, MIN_TAG_SIZE, ViewModel};
use crate::domain::Span;
use crate::layout::{Direction, DocumentLayout, Rect as DRect};
use crate::ui::bidi_label::BidiCache;
use crate::ui::contrast;
use crate::ui::glyph_atlas::{GlyphToPaint, paint_glyphs};
use egui::{Color32, FontId, Pos2, Rect, Stroke, StrokeKind, pos2, vec2};
use std::collections::HashMap;
use std::time::Instant;

pub(super) type SpanRects = HashMap<(usize, usize), (u64, Vec<DRect>)>;

/// What every paint step shares.
pub(super) struct Frame<'a> {
    pub(super) painter: egui::Painter,
    pub(super) origin: Pos2,
    pub(super) dark: bool,
    pub(super) doc: &'a DocumentLayout,
    /// Code points of the visible paragraphs.
    pub(super) cs: usize,
    pub(super) ce: usize,
    /// Curation: the room each line box has above and below its letters for the lanes (the
    /// extra leading); highlights leave it out.
    lane_room: f32,
    /// The room added above and below the letters for relation arcs (highlights leave it
    /// out too).
    arc_room: f32,
}

impl Frame<'_> {
    fn to_screen(&self, r: DRect) -> Rect {
        Rect::from_min_max(
            self.origin + vec2(r.x0, r.y0),
            self.origin + vec2(r.x1, r.y1),
        )
    }

    /// A line box piece on screen without the lanes' and arcs' room: where the letters are.
    pub(super) fn text_rect(&self, r: DRect) -> Rect {
        let rect = self.to_screen(r);
        let room = self.lane_room + self.arc_room;
        if room <= 0.0 || rect.height() <= 2.0 * room {
            return rect;
        }
        rect.shrink2(vec2(0.0, room))
    }
}

impl DocumentView {
    pub(super) fn paint(
        &mut self,
        ui: &egui::Ui,
        top: f32,
        view_h: f32,
        model: &ViewModel<'_>,
        focused: bool,
    ) {
        let t0 = Instant::now();
        let Some(doc) = self.doc.as_ref() else { return };
        let Some(atlas) = self.atlas.as_mut() else {
            return;
        };
        let dark = ui.visuals().dark_mode;
        // The page and text colours the highlight fills are computed against.
        let (page, text_color) = contrast::base(dark);
        let (y0, y1) = (top - 20.0, top + view_h + 20.0);
        let vis = doc.paragraphs_in(y0, y1);
        let f = Frame {
            painter: ui.painter_at(self.clip),
            origin: self.origin,
            dark,
            doc,
            cs: doc.paragraph_range(vis.start).start,
            ce: doc.paragraph_range(vis.end.saturating_sub(1)).end + 1,
            lane_room: model.lanes.len() as f32 * (LANE_BAR + LANE_GAP),
            arc_room: super::arc_room(model),
        };
        f.painter.rect_filled(self.clip, 0.0, page);
        let (spans, depths) = visible_spans(model.spans, f.cs, f.ce);
        let lane_spans: Vec<Vec<Span>> = model
            .lanes
            .iter()
            .map(|l| visible_spans(l.spans, f.cs, f.ce).0)
            .collect();
        if lane_spans.is_empty() {
            update_span_rects(&mut self.span_rects, doc, &spans);
        } else {
            let all: Vec<Span> = spans
                .iter()
                .chain(lane_spans.iter().flatten())
                .copied()
                .collect();
            update_span_rects(&mut self.span_rects, doc, &all);
        }
        paint_spans(&f, &self.span_rects, &spans, &depths, model);
        self.lane_rects.clear();
        paint_lanes(
            &f,
            &self.span_rects,
            model,
            &lane_spans,
            &mut self.lane_rects,
        );
        let selection = {
            let (a, b) = (self.anchor.min(self.focus), self.anchor.max(self.focus));
            (a < b).then(|| doc.text().snap_out(a, b))
        };
        paint_hits_and_selection(&f, model, selection);
        self.suggestion_rects.clear();
        paint_suggestions(&f, model, &mut self.suggestion_rects);

        // ---- glyphs: one textured mesh
        let ppp = ui.ctx().pixels_per_point();
        let batch = &mut self.glyphs;
        doc.collect_glyphs(y0, y1, batch);
        let glyphs = || {
            batch.glyphs.iter().map(|g| {
                let (font, font_size) = &batch.runs[g.run as usize];
                GlyphToPaint {
                    font,
                    font_size: *font_size,
                    glyph_id: g.id,
                    pos: pos2(f.origin.x + g.x, f.origin.y + g.y),
                }
            })
        };
        let (mesh, quads) = paint_glyphs(atlas, glyphs, ppp, text_color);
        // Where ink may be (each glyph's bitmap box): label tags never go there.
        self.ink_rects.clear();
        self.ink_rects
            .extend(mesh.vertices.chunks_exact(4).map(|q| {
                q.iter().fold(Rect::NOTHING, |r, v| {
                    r.union(Rect::from_min_max(v.pos, v.pos))
                })
            }));
        f.painter.add(egui::Shape::mesh(mesh));

        paint_selected_outline(&f, model);
        self.tag_rects.clear();
        self.tag_spans.clear();
        let lane_bars: Vec<Rect> = self.lane_rects.iter().map(|(r, _, _)| *r).collect();
        let mut tags = Tags {
            cache: &mut self.tags,
            ink: &self.ink_rects,
            lanes: &lane_bars,
            placed: &mut self.tag_rects,
            spans: &mut self.tag_spans,
        };
        tags.paint(ui, &f, &self.span_rects, &spans, model);
        if f.arc_room > 0.0 {
            // The ends' rectangles (an end may be a span outside the visible ones' list).
            let ends: Vec<Span> = model
                .relations
                .iter()
                .flat_map(|r| [r.from, r.to])
                .chain(
                    model
                        .linking
                        .into_iter()
                        .flat_map(|(a, b)| [Some(a), b])
                        .flatten(),
                )
                .filter(|s| s.start >= f.cs && s.start < f.ce)
                .collect();
            update_span_rects(&mut self.span_rects, doc, &ends);
            let tag_height = (model.font_size * 0.42).clamp(7.0, 13.0) * 1.15;
            self.relation_paths = super::relations::paint_relations(
                &f,
                &self.span_rects,
                model,
                tag_height,
                self.hovered_relation,
                &mut self.tags,
                ui,
            );
        } else {
            self.relation_paths.clear();
        }
        if model.show_marks {
            paint_marks(&f, vis.clone());
        }
        // ---- caret
        if focused
            && selection.is_none()
            && let Some(r) = doc.caret_rect(self.focus)
        {
            f.painter.rect_filled(f.text_rect(r), 0.0, text_color);
        }
        self.stats.paint_cpu = t0.elapsed();
        self.stats.glyph_quads = quads;
        self.stats.pending_paragraphs = doc.pending();
        self.stats.atlas_glyphs = atlas.len();
    }
}

/// The spans touching `[cs, ce)` in start order (longer first), with their nesting depth.
fn visible_spans(all: &[Span], cs: usize, ce: usize) -> (Vec<Span>, Vec<usize>) {
    let mut spans: Vec<Span> = all
        .iter()
        .filter(|s| s.start < ce && s.end > cs)
        .copied()
        .collect();
    spans.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end)));
    let depths = spans
        .iter()
        .enumerate()
        .map(|(i, s)| {
            spans
                .iter()
                .enumerate()
                .filter(|&(j, o)| {
                    j != i && o.start <= s.start && s.end <= o.end && (o.len() > s.len() || j < i)
                })
                .count()
        })
        .collect();
    (spans, depths)
}

/// Span rectangles stay valid while their paragraphs keep their wrap (they move with the
/// paragraph's top as heights elsewhere change).
fn update_span_rects(span_rects: &mut SpanRects, doc: &DocumentLayout, spans: &[Span]) {
    if span_rects.len() > 16_384 {
        span_rects.clear();
    }
    for s in spans {
        let (para, key) = doc.range_key(s.start, s.end);
        let entry = span_rects
            .entry((s.start, s.end))
            .or_insert_with(|| (key, doc.range_rects_from(para, s.start, s.end)));
        if entry.0 != key {
            *entry = (key, doc.range_rects_from(para, s.start, s.end));
        }
    }
}

/// A span's rectangles in document coordinates.
pub(super) fn placed<'a>(
    doc: &'a DocumentLayout,
    span_rects: &'a SpanRects,
    s: &Span,
) -> impl Iterator<Item = DRect> + Clone + 'a {
    let top = doc.paragraph_box(doc.paragraph_of(s.start)).0;
    span_rects
        .get(&(s.start, s.end))
        .map(|(_, v)| v.as_slice())
        .unwrap_or_default()
        .iter()
        .map(move |r| DRect::new(r.x0, r.y0 + top, r.x1, r.y1 + top))
}

/// Spans behind the text, inset by nesting depth (a nested span is underlined too).
fn paint_spans(
    f: &Frame<'_>,
    span_rects: &SpanRects,
    spans: &[Span],
    depths: &[usize],
    model: &ViewModel<'_>,
) {
    for (s, &depth) in spans.iter().zip(depths) {
        let [r, g, b] = model
            .labels
            .get(s.label)
            .map_or([128, 128, 128], |l| l.color);
        let fill = contrast::span_fill([r, g, b], f.dark);
        let line = Color32::from_rgb(r, g, b);
        let inset = (depth as f32 * 3.0).min(9.0);
        for rr in placed(f.doc, span_rects, s) {
            let rect = f.text_rect(rr).shrink2(vec2(0.0, inset));
            f.painter.rect_filled(rect, 3.0, fill);
            if depth > 0 {
                let yb = rect.max.y - 1.0;
                f.painter.line_segment(
                    [pos2(rect.min.x, yb), pos2(rect.max.x, yb)],
                    Stroke::new(2.0, line),
                );
            }
        }
    }
}

/// Curation lanes: under each line, a lane per annotator (in the curation's order), each of
/// their spans a bar in the label's colour headed by the annotator's colour at its start
/// edge; the regions they disagree on outlined across the lanes (the current one thicker).
fn paint_lanes(
    f: &Frame<'_>,
    span_rects: &SpanRects,
    model: &ViewModel<'_>,
    lane_spans: &[Vec<Span>],
    out: &mut Vec<(Rect, usize, Span)>,
) {
    if model.lanes.is_empty() {
        return;
    }
    let pitch = LANE_BAR + LANE_GAP;
    let band = f.lane_room;
    for (k, (lane, spans)) in model.lanes.iter().zip(lane_spans).enumerate() {
        for s in spans {
            let [r, g, b] = model
                .labels
                .get(s.label)
                .map_or([128, 128, 128], |l| l.color);
            let fill = Color32::from_rgb(r, g, b);
            let rtl = f.doc.paragraph_direction(f.doc.paragraph_of(s.start)) == Direction::Rtl;
            for rr in placed(f.doc, span_rects, s) {
                let line = f.to_screen(rr);
                let y0 = line.max.y - band + k as f32 * pitch + LANE_GAP / 2.0;
                let bar = Rect::from_min_max(
                    pos2(line.min.x + 1.0, y0),
                    pos2((line.max.x - 1.0).max(line.min.x + 2.0), y0 + LANE_BAR),
                );
                f.painter.rect_filled(bar, 1.5, fill);
                let head = (bar.width() / 3.0).min(7.0);
                let head = if rtl {
                    Rect::from_min_max(pos2(bar.max.x - head, bar.min.y), bar.max)
                } else {
                    Rect::from_min_max(bar.min, pos2(bar.min.x + head, bar.max.y))
                };
                f.painter.rect_filled(head, 1.5, lane.color);
                out.push((bar, k, *s));
            }
        }
    }
    let warn = Color32::from_rgb(220, 50, 47);
    for &(a, b) in model
        .disagreements
        .iter()
        .filter(|&&(a, b)| a < f.ce && b > f.cs)
    {
        let width = if model.current_region == Some((a, b)) {
            2.0
        } else {
            1.0
        };
        f.doc.range_rects(a, b, |rr| {
            let line = f.to_screen(rr);
            let lanes = Rect::from_min_max(pos2(line.min.x, line.max.y - band), line.max);
            f.painter
                .rect_stroke(lanes, 2.0, Stroke::new(width, warn), StrokeKind::Inside);
        });
    }
}

fn paint_hits_and_selection(
    f: &Frame<'_>,
    model: &ViewModel<'_>,
    selection: Option<(usize, usize)>,
) {
    let hit_fill = contrast::hit_fill(f.dark);
    let (cs, ce) = (f.cs, f.ce);
    for &(s, e) in model.search_hits.iter().filter(|&&(s, e)| s < ce && e > cs) {
        f.doc.range_rects(s, e, |rr| {
            let rect = f.text_rect(rr);
            f.painter.rect_filled(rect, 2.0, hit_fill);
            f.painter.line_segment(
                [
                    pos2(rect.min.x, rect.max.y - 1.0),
                    pos2(rect.max.x, rect.max.y - 1.0),
                ],
                Stroke::new(1.5, Color32::from_rgb(230, 180, 0)),
            );
        });
    }
    if let Some((s, e)) = selection {
        let sel_fill = contrast::selection_fill(f.dark);
        f.doc.range_rects(s.max(cs), e.min(ce), |rr| {
            f.painter.rect_filled(f.text_rect(rr), 0.0, sel_fill);
        });
    }
}

/// Open suggestions: a dashed outline in the label's colour under each piece of the range
/// (never a fill: they are not spans yet); the current one solid, thicker, lightly filled.
fn paint_suggestions(f: &Frame<'_>, model: &ViewModel<'_>, placed: &mut Vec<(Rect, usize)>) {
    for (k, s) in model.suggestions.iter().enumerate() {
        let sp = s.span;
        if sp.end <= f.cs || sp.start >= f.ce {
            continue;
        }
        let [r, g, b] = model
            .labels
            .get(sp.label)
            .map_or([150, 150, 150], |l| l.color);
        let color = Color32::from_rgb(r, g, b);
        f.doc
            .range_rects(sp.start.max(f.cs), sp.end.min(f.ce), |rr| {
                let rect = f.text_rect(rr).expand(1.0);
                placed.push((rect, k));
                if s.current {
                    f.painter
                        .rect_filled(rect, 3.0, Color32::from_rgba_unmultiplied(r, g, b, 40));
                    f.painter
                        .rect_stroke(rect, 3.0, Stroke::new(2.5, color), StrokeKind::Outside);
                } else {
                    let pts = [
                        rect.left_top(),
                        rect.right_top(),
                        rect.right_bottom(),
                        rect.left_bottom(),
                        rect.left_top(),
                    ];
                    f.painter.extend(egui::Shape::dashed_line(
                        &pts,
                        Stroke::new(1.5, color),
                        4.0,
                        3.0,
                    ));
                }
            });
    }
}

fn paint_selected_outline(f: &Frame<'_>, model: &ViewModel<'_>) {
    let Some(sel) = model.selected_span else {
        return;
    };
    let [r, g, b] = model
        .labels
        .get(sel.label)
        .map_or([200, 200, 200], |l| l.color);
    f.doc
        .range_rects(sel.start.max(f.cs), sel.end.min(f.ce), |rr| {
            f.painter.rect_stroke(
                f.text_rect(rr).expand(1.0),
                3.0,
                Stroke::new(2.0, Color32::from_rgb(r, g, b)),
                StrokeKind::Outside,
            );
        });
}

/// Label tags: the glyph boxes they avoid and the tags already placed this frame.
struct Tags<'a> {
    cache: &'a mut BidiCache,
    ink: &'a [Rect],
    /// Curation lane bars: a tag never covers them either.
    lanes: &'a [Rect],
    placed: &'a mut Vec<Rect>,
    /// The span of each placed tag (a drag from a tag starts a relation).
    spans: &'a mut Vec<Span>,
}

impl Tags<'_> {
    /// One tag per span that starts in view, above its first line at its start edge.
    fn paint(
        &mut self,
        ui: &egui::Ui,
        f: &Frame<'_>,
        span_rects: &SpanRects,
        spans: &[Span],
        model: &ViewModel<'_>,
    ) {
        let tag_size = (model.font_size * 0.42).clamp(7.0, 13.0);
        for s in spans.iter().filter(|s| s.start >= f.cs) {
            let Some(label) = model.labels.get(s.label) else {
                continue;
            };
            let rtl = f.doc.paragraph_direction(f.doc.paragraph_of(s.start)) == Direction::Rtl;
            // The span's first line: its start edge is the right (RTL) or left (LTR) end.
            let rects = placed(f.doc, span_rects, s);
            let Some(top) = rects.clone().map(|r| r.y0).reduce(f32::min) else {
                continue;
            };
            let Some(line) = rects
                .filter(|r| (r.y0 - top).abs() < 0.5)
                .map(|r| f.text_rect(r))
                .reduce(|a, b| a.union(b))
            else {
                continue;
            };
            let edge = if rtl { line.max.x } else { line.min.x };
            let Some((rect, size)) = place_tag(
                self.cache,
                self.ink,
                self.lanes,
                self.placed,
                &label.name,
                tag_size,
                edge,
                line,
                rtl,
                &f.painter,
            ) else {
                continue;
            };
            self.paint_one(ui, f, rect, size, &label.name, label.color);
            self.placed.push(rect);
            self.spans.push(*s);
        }
    }

    fn paint_one(
        &mut self,
        ui: &egui::Ui,
        f: &Frame<'_>,
        rect: Rect,
        size: f32,
        name: &str,
        [r, g, b]: [u8; 3],
    ) {
        let fg = if u32::from(r) * 299 + u32::from(g) * 587 + u32::from(b) * 114 > 140_000 {
            Color32::BLACK
        } else {
            Color32::WHITE
        };
        f.painter.rect_filled(rect, 2.0, Color32::from_rgb(r, g, b));
        tag_text(ui, self.cache, &f.painter, rect, size, name, fg);
    }
}

/// The size of a short name at `size` points: Latin through egui, anything else laid out
/// by parley (a label tag, a relation's name).
pub(super) fn tag_text_size(
    cache: &mut BidiCache,
    painter: &egui::Painter,
    name: &str,
    size: f32,
) -> egui::Vec2 {
    if name.is_ascii() {
        painter
            .layout_no_wrap(name.to_string(), FontId::proportional(size), Color32::WHITE)
            .size()
    } else {
        cache.measure(name, size, Direction::Auto, None)
    }
}

/// Paints a short name in `rect` (2 points in from its start), as [`tag_text_size`] sized it.
pub(super) fn tag_text(
    ui: &egui::Ui,
    cache: &mut BidiCache,
    painter: &egui::Painter,
    rect: Rect,
    size: f32,
    name: &str,
    fg: Color32,
) {
    if name.is_ascii() {
        let galley = painter.layout_no_wrap(name.to_string(), FontId::proportional(size), fg);
        let y = rect.center().y - galley.size().y / 2.0;
        painter.galley(pos2(rect.min.x + 2.0, y), galley, fg);
    } else {
        cache.paint_tag(
            ui,
            painter,
            name,
            size,
            rect.min,
            false,
            Color32::TRANSPARENT,
            fg,
        );
    }
}

/// Invisible bidi marks (LRM, RLM, ALM) as small flagged bars.
fn paint_marks(f: &Frame<'_>, paragraphs: std::ops::Range<usize>) {
    let mark_color = Color32::from_rgb(150, 150, 150);
    for p in paragraphs {
        let start = f.doc.paragraph_range(p).start;
        for (k, ch) in f.doc.paragraph_text(p).chars().enumerate() {
            if !matches!(ch, '\u{200E}' | '\u{200F}' | '\u{061C}') {
                continue;
            }
            let Some(r) = f.doc.caret_rect(start + k) else {
                continue;
            };
            let r = f.to_screen(r);
            let x = r.center().x;
            let (yt, yb) = (r.min.y + r.height() * 0.2, r.max.y - r.height() * 0.2);
            f.painter
                .line_segment([pos2(x, yt), pos2(x, yb)], Stroke::new(1.0, mark_color));
            let dx = if ch == '\u{200E}' { 4.0 } else { -4.0 };
            f.painter.line_segment(
                [pos2(x, yt), pos2(x + dx, yt + 2.5)],
                Stroke::new(1.0, mark_color),
            );
        }
    }
}

/// Where a label tag for a span whose first line is `line` goes: above that line's
/// letters at the span's start `edge`, in the gap to the line above, never over a glyph
/// box or another tag. Shrinks the text to fit; `None` when even the smallest does not.
#[allow(clippy::too_many_arguments)]
fn place_tag(
    tags: &mut BidiCache,
    ink: &[Rect],
    lanes: &[Rect],
    placed: &[Rect],
    name: &str,
    size: f32,
    edge: f32,
    line: Rect,
    rtl: bool,
    painter: &egui::Painter,
) -> Option<(Rect, f32)> {
    let mut size = size;
    while size >= MIN_TAG_SIZE {
        let text = tag_text_size(tags, painter, name, size);
        let (w, h) = (text.x + 4.0, (size * 1.15).min(text.y));
        let (x0, x1) = if rtl {
            (edge - w, edge)
        } else {
            (edge, edge + w)
        };
        let over = |r: &Rect| r.max.x > x0 && r.min.x < x1;
        // The top of this line's letters under the tag, and the bottom of the line above.
        let ink_top = ink
            .iter()
            .filter(|r| over(r) && r.center().y >= line.min.y && r.center().y <= line.max.y)
            .map(|r| r.min.y)
            .fold(line.center().y, f32::min);
        let bottom = ink_top - 1.0;
        let rect = Rect::from_min_max(pos2(x0, bottom - h), pos2(x1, bottom));
        let clear = !ink
            .iter()
            .chain(lanes)
            .chain(placed)
            .any(|r| r.intersects(rect));
        if clear {
            return Some((rect, size));
        }
        size -= 1.0;
    }
    None
}
