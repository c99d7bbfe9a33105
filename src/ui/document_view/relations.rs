//! Relations drawn above the text: from each end, a short stem up from the span's end edge
//! (the edge away from its label tag) to a level in the room above the line's tags, along
//! that level to the other end, and down to it with an arrowhead (none for an undirected
//! type). Levels stack: on one line the shortest relations take the lowest level, so nested
//! and crossing arcs stay apart; they stay in the leading above the tags, never over a
//! glyph. A relation whose ends are on different lines leaves its line towards the margin
//! in the reading direction (left in RTL when the target comes later), runs down or up the
//! margin, and comes in along the target line's level. An end off screen: the margin line
//! runs to the view's edge. The type's name is written on the longest level segment.

use super::paint::{Frame, SpanRects, placed, tag_text, tag_text_size};
use super::{MARGIN, ViewModel};
use crate::domain::{Relation, Span};
use crate::layout::Direction;
use egui::{Color32, Pos2, Rect, Stroke, pos2, vec2};
use std::collections::HashMap;

/// Room (points) added above and below each line while the document has relations.
pub const ARC_ROOM: f32 = 10.0;
/// Vertical distance between two stacked levels.
const LEVEL: f32 = 5.0;
const MAX_LEVELS: usize = 3;

/// Where a relation's end is on screen: the x of its stem, the top of its line's letters,
/// and the line it is on (keyed by the line box's top).
#[derive(Clone, Copy)]
struct End {
    x: f32,
    top: f32,
    line: i32,
    rtl: bool,
    /// How far the stem may move inwards and stay over the span.
    room: f32,
}

/// A relation as painted: its polyline (screen points) for hovering and clicking.
pub struct PaintedRelation {
    pub relation: Relation,
    pub points: Vec<Pos2>,
}

impl PaintedRelation {
    /// Distance from `p` to the polyline.
    #[must_use]
    pub fn distance(&self, p: Pos2) -> f32 {
        self.points
            .windows(2)
            .map(|w| {
                let (a, b) = (w[0], w[1]);
                let ab = b - a;
                let t = ((p - a).dot(ab) / ab.length_sq().max(1e-6)).clamp(0.0, 1.0);
                (a + ab * t - p).length()
            })
            .fold(f32::INFINITY, f32::min)
    }
}

/// Which levels are taken on each line, as x intervals per level.
#[derive(Default)]
struct Levels(HashMap<i32, Vec<Vec<(f32, f32)>>>);

impl Levels {
    /// The lowest level on `line` free over `[a, b]` (the highest when all are taken).
    fn take(&mut self, line: i32, a: f32, b: f32) -> usize {
        let (a, b) = (a.min(b) - 3.0, a.max(b) + 3.0);
        let levels = self.0.entry(line).or_default();
        for (k, taken) in levels.iter_mut().enumerate() {
            if taken.iter().all(|&(x0, x1)| b < x0 || a > x1) {
                taken.push((a, b));
                return k;
            }
        }
        if levels.len() < MAX_LEVELS {
            levels.push(vec![(a, b)]);
            return levels.len() - 1;
        }
        MAX_LEVELS - 1
    }
}

/// Paints the relations (and the one being made) and returns their paths.
pub(super) fn paint_relations(
    f: &Frame<'_>,
    span_rects: &SpanRects,
    model: &ViewModel<'_>,
    tag_height: f32,
    hovered: Option<Relation>,
    cache: &mut crate::ui::bidi_label::BidiCache,
    ui: &egui::Ui,
) -> Vec<PaintedRelation> {
    let mut out = Vec::new();
    let clip = f.painter.clip_rect();
    let (left, right) = (
        f.origin.x - MARGIN * 0.5,
        f.origin.x + f.doc.style().width + MARGIN * 0.5,
    );
    let end_of = |s: Span| -> Option<End> {
        if s.start < f.cs || s.start >= f.ce {
            return None;
        }
        let rects = placed(f.doc, span_rects, &s);
        let first = rects.clone().map(|r| r.y0).reduce(f32::min)?;
        let line = rects
            .filter(|r| (r.y0 - first).abs() < 0.5)
            .map(|r| f.text_rect(r))
            .reduce(|a, b| a.union(b))?;
        let rtl = f.doc.paragraph_direction(f.doc.paragraph_of(s.start)) == Direction::Rtl;
        // The end edge: away from the label tag at the start edge.
        let x = if rtl {
            line.min.x + (line.width() * 0.25).min(6.0)
        } else {
            line.max.x - (line.width() * 0.25).min(6.0)
        };
        Some(End {
            x,
            top: line.min.y,
            line: first.round() as i32,
            rtl,
            room: (line.width() * 0.75 - 6.0).max(0.0),
        })
    };
    let mut list: Vec<(Relation, bool)> = model.relations.iter().map(|r| (*r, false)).collect();
    if let Some((from, Some(to))) = model.linking {
        list.push((
            Relation {
                from,
                to,
                label: crate::domain::LabelId(0),
            },
            true,
        ));
    }
    // Short relations first: they take the low levels.
    list.sort_by_key(|(r, _)| r.from.start.abs_diff(r.to.start));
    let mut levels = Levels::default();
    // Relations that meet at one span get stems of their own, a few points apart inwards.
    let mut stems: HashMap<Span, usize> = HashMap::new();
    let mut stem = |s: Span, e: Option<End>| {
        e.map(|mut e| {
            let k = stems.entry(s).or_insert(0);
            let dx = (*k as f32 * 4.0).min(e.room);
            e.x += if e.rtl { dx } else { -dx };
            *k += 1;
            e
        })
    };
    for (r, preview) in list {
        let (a, b) = (stem(r.from, end_of(r.from)), stem(r.to, end_of(r.to)));
        if a.is_none() && b.is_none() {
            // Both ends off screen: drawn only when the view is between them.
            let (lo, hi) = (r.from.start.min(r.to.start), r.from.start.max(r.to.start));
            if !(lo < f.cs && hi >= f.ce) {
                continue;
            }
        }
        let level_y = |e: End, k: usize| e.top - tag_height - 3.0 - k as f32 * LEVEL;
        let forward = r.to.start > r.from.start;
        let rtl = a.or(b).is_some_and(|e| e.rtl);
        // The margin a cross-line relation runs down.
        let margin = if forward == rtl { left } else { right };
        let mut pts: Vec<Pos2> = Vec::new();
        match (a, b) {
            (Some(a), Some(b)) if a.line == b.line => {
                let k = levels.take(a.line, a.x, b.x);
                let y = level_y(a, k);
                pts.extend([
                    pos2(a.x, a.top - 1.0),
                    pos2(a.x, y),
                    pos2(b.x, y),
                    pos2(b.x, b.top - 1.0),
                ]);
            }
            _ => {
                let out_of = |e: Option<End>, pts: &mut Vec<Pos2>, levels: &mut Levels, start| {
                    if let Some(e) = e {
                        let k = levels.take(e.line, e.x, margin);
                        let y = level_y(e, k);
                        let seg = [pos2(e.x, e.top - 1.0), pos2(e.x, y), pos2(margin, y)];
                        if start {
                            pts.extend(seg);
                        } else {
                            pts.extend(seg.into_iter().rev());
                        }
                    }
                };
                out_of(a, &mut pts, &mut levels, true);
                if a.is_none() {
                    let y = if r.from.start < f.cs {
                        clip.min.y - 4.0
                    } else {
                        clip.max.y + 4.0
                    };
                    pts.push(pos2(margin, y));
                }
                if b.is_none() {
                    let y = if r.to.start < f.cs {
                        clip.min.y - 4.0
                    } else {
                        clip.max.y + 4.0
                    };
                    pts.push(pos2(margin, y));
                }
                out_of(b, &mut pts, &mut levels, false);
            }
        }
        let label = model.labels.get(r.label);
        let [cr, cg, cb] = if preview {
            [60, 120, 220]
        } else {
            label.map_or([120, 120, 120], |l| l.color)
        };
        let strong = Color32::from_rgb(
            (f32::from(cr) * 0.6) as u8,
            (f32::from(cg) * 0.6) as u8,
            (f32::from(cb) * 0.6) as u8,
        );
        let color = if f.dark {
            Color32::from_rgb(cr, cg, cb)
        } else {
            strong
        };
        let chosen = model.selected_relation == Some(r) || hovered == Some(r);
        let width = if chosen { 2.5 } else { 1.3 };
        if preview {
            f.painter.extend(egui::Shape::dashed_line(
                &pts,
                Stroke::new(1.5, color),
                5.0,
                3.0,
            ));
        } else {
            f.painter
                .add(egui::Shape::line(pts.clone(), Stroke::new(width, color)));
        }
        let directed = !label.is_some_and(|l| l.options.undirected);
        if directed && b.is_some() && pts.len() >= 2 {
            let tip = pts[pts.len() - 1];
            let h = if chosen { 6.0 } else { 5.0 };
            f.painter.add(egui::Shape::convex_polygon(
                vec![tip, tip + vec2(-h * 0.6, -h), tip + vec2(h * 0.6, -h)],
                color,
                Stroke::NONE,
            ));
        }
        if chosen {
            for s in [r.from, r.to] {
                for rr in placed(f.doc, span_rects, &s) {
                    f.painter.rect_stroke(
                        f.text_rect(rr).expand(1.5),
                        3.0,
                        Stroke::new(2.0, color),
                        egui::StrokeKind::Outside,
                    );
                }
            }
        }
        if let Some(l) = label.filter(|_| !preview) {
            name_on_longest_level(f, ui, cache, &pts, &l.name, color);
        }
        if !preview {
            out.push(PaintedRelation {
                relation: r,
                points: pts,
            });
        }
    }
    out
}

/// The type's name on the longest horizontal segment, on a page-coloured pill.
fn name_on_longest_level(
    f: &Frame<'_>,
    ui: &egui::Ui,
    cache: &mut crate::ui::bidi_label::BidiCache,
    pts: &[Pos2],
    name: &str,
    color: Color32,
) {
    let Some(seg) = pts
        .windows(2)
        .filter(|w| (w[0].y - w[1].y).abs() < 0.5)
        .max_by(|a, b| (a[0].x - a[1].x).abs().total_cmp(&(b[0].x - b[1].x).abs()))
    else {
        return;
    };
    let size = 9.0;
    let mid = pos2((seg[0].x + seg[1].x) / 2.0, seg[0].y);
    let (page, _) = crate::ui::contrast::base(f.dark);
    let w = tag_text_size(cache, &f.painter, name, size).x;
    let rect = Rect::from_center_size(mid, vec2(w + 4.0, size + 1.0));
    f.painter.rect_filled(rect, 2.0, page);
    tag_text(ui, cache, &f.painter, rect, size, name, color);
}
