//! The document view: a scrollable, lazily laid out Arabic (or mixed) document with span
//! highlights, a selection mapped to code point offsets, label tags and a keyboard caret.
//!
//! Paint order per frame, all limited to the visible viewport: span highlights (rectangles
//! behind the text, inset by nesting depth), search hits, the selection, then the glyphs as
//! one textured mesh from the [`GlyphAtlas`], then outlines, label tags, bidi marks and the
//! caret. The text is shaped once per paragraph; highlights never split it.

use super::bidi_label::BidiCache;
use super::glyph_atlas::GlyphAtlas;
use crate::domain::{IndexedText, LabelSet, Relation, Span, arabic};
use crate::layout::{
    BackgroundShaping, Direction, DocumentLayout, Fonts, GlyphBatch, LayoutStyle, Rect as DRect,
};
use egui::{Pos2, Rect, Sense, vec2};
use std::time::{Duration, Instant};

mod paint;
mod relations;

pub use relations::PaintedRelation;

/// The room above and below each line for relation arcs: some while the document has
/// relations or one is being made.
fn arc_room(model: &ViewModel<'_>) -> f32 {
    if model.relations.is_empty() && model.linking.is_none() {
        0.0
    } else {
        relations::ARC_ROOM
    }
}

/// What the view shows this frame.
pub struct ViewModel<'a> {
    /// Changes when the document changes (the layout is rebuilt).
    pub doc_key: u64,
    pub text: &'a IndexedText,
    pub spans: &'a [Span],
    pub labels: &'a LabelSet,
    pub selected_span: Option<Span>,
    /// Code point ranges `[start, end)` to mark as search hits.
    pub search_hits: &'a [(usize, usize)],
    pub direction: Direction,
    pub show_marks: bool,
    pub font_size: f32,
    /// Curation: every annotator's spans, a lane each under the text (empty otherwise).
    pub lanes: &'a [Lane<'a>],
    /// Curation: the regions the annotators disagree on (marked across the lanes), and the
    /// one the curator is at.
    pub disagreements: &'a [(usize, usize)],
    pub current_region: Option<(usize, usize)>,
    /// Open suggestions, drawn dashed in their label's colour (the current one solid).
    pub suggestions: &'a [SuggestionMark<'a>],
    /// The document's relations, drawn as arcs above the text.
    pub relations: &'a [Relation],
    pub selected_relation: Option<Relation>,
    /// A relation being made: its start and the target the keys point at (dashed).
    pub linking: Option<(Span, Option<Span>)>,
}

/// A suggestion as the view draws it.
pub struct SuggestionMark<'a> {
    pub span: Span,
    /// The source that made it (named on hover).
    pub source: &'a str,
    pub score: Option<f64>,
    /// The one under review (Enter accepts it, X rejects it).
    pub current: bool,
}

/// One annotator's spans, shown as bars in a lane of their own under each line.
pub struct Lane<'a> {
    pub name: &'a str,
    pub color: egui::Color32,
    pub spans: &'a [Span],
}

/// Height of a lane's bars and the space between lanes (points).
pub const LANE_BAR: f32 = 4.0;
pub const LANE_GAP: f32 = 2.0;

/// What happened in the view this frame. Offsets are code points, `start < end`,
/// grapheme-snapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewEvent {
    SelectionChanged {
        start: usize,
        end: usize,
    },
    /// Mouse released after a drag, a double-click, a shift+click, or Shift released after
    /// shift+arrows: the moment a sticky label applies.
    SelectionFinished {
        start: usize,
        end: usize,
    },
    /// A click (no drag) on a span: the innermost span under the pointer.
    SpanClicked(Span),
    /// A click on a relation's line.
    RelationClicked(Relation),
    /// The caret moved (click or arrow key without Shift).
    CaretMoved(usize),
    /// A drag from a span's label tag released over another span: a relation between them.
    RelationDragged {
        from: Span,
        to: Span,
    },
    /// One edge of the selected span was dragged to a new place (mouse released): the span
    /// `from` becomes `[start, end)`. A whole drag is one event, so one undo step.
    SpanResized {
        from: Span,
        start: usize,
        end: usize,
    },
}

/// How close (in points) to a selected span's edge a press grabs that edge for resizing.
pub const EDGE_GRAB: f32 = 5.0;

/// Per-frame figures for the frame-time meter.
#[derive(Debug, Clone, Copy, Default)]
pub struct ViewStats {
    /// CPU time spent building this frame's paint (highlights, glyph quads, tags).
    pub paint_cpu: Duration,
    /// CPU time spent laying out this frame (visible paragraphs + background budget).
    pub layout_cpu: Duration,
    pub glyph_quads: usize,
    pub pending_paragraphs: usize,
    pub atlas_glyphs: usize,
    /// While paragraphs are shaped on worker threads: the fraction done.
    pub layout_progress: Option<f32>,
}

const MARGIN: f32 = 16.0;
/// The smallest label tag text (points) before a tag is left out for want of room.
const MIN_TAG_SIZE: f32 = 7.0;
const PARAGRAPH_GAP: f32 = 6.0;
/// Atlas side in texels (2048² alpha = 4 MB CPU + 16 MB texture).
const ATLAS_SIZE: usize = 2048;

pub struct DocumentView {
    id: egui::Id,
    fonts: Fonts,
    doc: Option<DocumentLayout>,
    doc_key: u64,
    atlas: Option<GlyphAtlas>,
    tags: BidiCache,
    glyphs: GlyphBatch,
    /// Highlight rectangles per span range, relative to the top of the span's first
    /// paragraph, with the [`DocumentLayout::range_key`] they were computed at.
    span_rects: std::collections::HashMap<(usize, usize), (u64, Vec<DRect>)>,
    anchor: usize,
    focus: usize,
    dragging: bool,
    /// Dragging an edge of the selected span: the span and whether it is its start edge.
    resizing: Option<(Span, bool)>,
    kbd_extending: bool,
    pending_scroll: Option<usize>,
    scroll_fix: Option<f32>,
    /// Screen position of document (0, 0) and the visible clip rect, last frame.
    origin: Pos2,
    clip: Rect,
    stats: ViewStats,
    /// Line height multiplier.
    pub line_height: f32,
    /// Layout time per frame while paragraphs are pending: the visible ones first, then
    /// background work on this thread (installing what the workers shaped, re-wrapping,
    /// shaping small documents) for what is left. Kept well under the 2 ms frame budget.
    pub layout_budget: Duration,
    /// Worker threads that shape a big document's paragraphs (0: all on the UI thread).
    pub shaping_threads: usize,
    shaping: Option<BackgroundShaping>,
    /// The shaping key the last background job was started for (one job per key: what it
    /// could not do is done on this thread).
    shaping_started: u64,
    /// Glyph boxes and label tags painted last frame (screen coordinates).
    ink_rects: Vec<Rect>,
    tag_rects: Vec<Rect>,
    /// The span of each tag in `tag_rects`.
    tag_spans: Vec<Span>,
    /// A drag from a span's label tag: the span a relation starts from.
    linking_from: Option<Span>,
    /// Lane bars painted last frame (screen coordinates) with their lane and span: what a
    /// hover names.
    lane_rects: Vec<(Rect, usize, Span)>,
    /// Suggestion outlines painted last frame: the rect and the suggestion's index.
    suggestion_rects: Vec<(Rect, usize)>,
    /// Relation lines painted last frame (screen coordinates).
    relation_paths: Vec<PaintedRelation>,
    /// The relation under the pointer (its ends are outlined).
    hovered_relation: Option<Relation>,
    /// Keys the keymap gave the view this frame.
    keys: Vec<crate::keymap::ViewKey>,
    /// Take keyboard focus next frame (a document was opened).
    want_focus: bool,
    /// The first character at the top of the viewport last frame, and the font size then
    /// (a zoom keeps that character at the top).
    top_char: usize,
    last_font_size: f32,
}

/// Background layout time per frame even when the visible paragraphs took the whole budget.
const MIN_BACKGROUND_BUDGET: Duration = Duration::from_micros(200);
/// A document with at least this many paragraphs still to shape gets worker threads.
const BACKGROUND_MIN_PARAGRAPHS: usize = 48;

impl Default for DocumentView {
    fn default() -> Self {
        Self::new()
    }
}

impl DocumentView {
    #[must_use]
    pub fn new() -> Self {
        DocumentView {
            id: egui::Id::unique("tawsim-document-view"),
            fonts: Fonts::new(),
            doc: None,
            doc_key: 0,
            atlas: None,
            tags: BidiCache::new(),
            glyphs: GlyphBatch::default(),
            span_rects: std::collections::HashMap::new(),
            anchor: 0,
            focus: 0,
            dragging: false,
            resizing: None,
            kbd_extending: false,
            pending_scroll: None,
            scroll_fix: None,
            origin: Pos2::ZERO,
            clip: Rect::NOTHING,
            stats: ViewStats::default(),
            line_height: 1.9,
            layout_budget: Duration::from_micros(1000),
            shaping_threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            shaping: None,
            shaping_started: 0,
            ink_rects: Vec::new(),
            tag_rects: Vec::new(),
            tag_spans: Vec::new(),
            linking_from: None,
            lane_rects: Vec::new(),
            suggestion_rects: Vec::new(),
            relation_paths: Vec::new(),
            hovered_relation: None,
            keys: Vec::new(),
            want_focus: true,
            top_char: 0,
            last_font_size: 0.0,
        }
    }

    /// The current selection, normalised and grapheme-snapped; `None` when empty.
    #[must_use]
    pub fn selection(&self) -> Option<(usize, usize)> {
        let (a, b) = (self.anchor.min(self.focus), self.anchor.max(self.focus));
        if a == b {
            return None;
        }
        let text = self.doc.as_ref()?.text();
        Some(text.snap_out(a, b))
    }

    /// The caret (the selection's moving end), in code points.
    #[must_use]
    pub fn caret(&self) -> usize {
        self.focus
    }

    pub fn set_selection(&mut self, start: usize, end: usize) {
        self.anchor = start;
        self.focus = end;
    }

    /// A key for the view (from the keymap), handled in the next `show`.
    pub fn key(&mut self, k: crate::keymap::ViewKey) {
        self.keys.push(k);
    }

    pub fn clear_selection(&mut self) {
        self.anchor = self.focus;
    }

    /// Scrolls so that `pos` is visible (next frame).
    pub fn scroll_to(&mut self, pos: usize) {
        self.pending_scroll = Some(pos);
    }

    /// Where the range was painted last frame (screen coordinates, one rect per visual piece).
    #[must_use]
    pub fn screen_rects(&self, start: usize, end: usize) -> Vec<Rect> {
        let Some(doc) = self.doc.as_ref() else {
            return Vec::new();
        };
        let mut v = Vec::new();
        doc.range_rects(start, end, |r| v.push(self.to_screen(r)));
        v
    }

    /// The glyph boxes painted last frame (screen coordinates).
    #[must_use]
    pub fn painted_ink(&self) -> &[Rect] {
        &self.ink_rects
    }

    /// The label tags painted last frame (screen coordinates).
    #[must_use]
    pub fn painted_tags(&self) -> &[Rect] {
        &self.tag_rects
    }

    /// The lane bars painted last frame (screen coordinates), with their lane and span.
    #[must_use]
    pub fn painted_lanes(&self) -> &[(Rect, usize, Span)] {
        &self.lane_rects
    }

    #[must_use]
    pub fn stats(&self) -> ViewStats {
        self.stats
    }

    /// The document layout (for tests and benches).
    #[must_use]
    pub fn layout(&self) -> Option<&DocumentLayout> {
        self.doc.as_ref()
    }

    fn to_screen(&self, r: DRect) -> Rect {
        Rect::from_min_max(
            self.origin + vec2(r.x0, r.y0),
            self.origin + vec2(r.x1, r.y1),
        )
    }

    fn style(&self, model: &ViewModel<'_>, width: f32) -> LayoutStyle {
        // Lanes take the bottom of each line box: the extra leading parley shares out above
        // and below the letters makes room for them under the letters (and more for the
        // label tags above).
        let lanes = model.lanes.len() as f32 * (LANE_BAR + LANE_GAP) + arc_room(model);
        LayoutStyle {
            font_size: model.font_size,
            line_height: self.line_height + 2.0 * lanes / model.font_size.max(1.0),
            direction: model.direction,
            width,
            paragraph_gap: PARAGRAPH_GAP,
        }
    }

    /// Shows the view in a scroll area filling the available space.
    pub fn show(&mut self, ui: &mut egui::Ui, model: &ViewModel<'_>) -> Vec<ViewEvent> {
        let mut events = Vec::new();
        if self.atlas.is_none() {
            self.atlas = Some(GlyphAtlas::new(
                ui.ctx(),
                "tawsim-document-atlas",
                ATLAS_SIZE,
            ));
        }
        let width = (ui.available_width() - 2.0 * MARGIN).max(40.0);
        if self.doc.is_none() || self.doc_key != model.doc_key {
            self.shaping = None;
            self.doc = Some(DocumentLayout::new(
                model.text.clone(),
                self.style(model, width),
            ));
            self.doc_key = model.doc_key;
            self.anchor = 0;
            self.focus = 0;
            self.dragging = false;
            self.scroll_fix = Some(0.0);
            self.top_char = 0;
            self.want_focus = true;
        } else if (self.last_font_size - model.font_size).abs() > f32::EPSILON
            && self.pending_scroll.is_none()
            && self.top_char > 0
        {
            // Zoom: keep the line at the top of the view where it is.
            let style = self.style(model, width);
            if let Some(doc) = self.doc.as_mut() {
                doc.set_style(style);
                let para = doc.paragraph_of(self.top_char);
                doc.ensure_paragraph(&mut self.fonts, para);
                self.scroll_fix = Some(doc.y_of(self.top_char) + MARGIN);
            }
        }
        self.last_font_size = model.font_size;
        let mut scroll = egui::ScrollArea::vertical()
            .id_salt(self.id.with("scroll"))
            .auto_shrink([false, false])
            // Dragging selects text; it never scrolls.
            .scroll_source(egui::scroll_area::ScrollSource {
                drag: egui::scroll_area::DragScroll::Never,
                ..Default::default()
            });
        if let Some(pos) = self.pending_scroll.take() {
            let view_h = ui.available_height();
            let style = self.style(model, width);
            if let Some(doc) = self.doc.as_mut() {
                doc.set_style(style);
                let para = doc.paragraph_of(pos);
                doc.ensure_paragraph(&mut self.fonts, para);
                let y = doc.y_of(pos);
                self.scroll_fix = Some((y + MARGIN - view_h * 0.4).max(0.0));
            }
        }
        if let Some(y) = self.scroll_fix.take() {
            scroll = scroll.vertical_scroll_offset(y);
        }
        scroll.show_viewport(ui, |ui, viewport| {
            self.body(ui, viewport, model, &mut events)
        });
        events
    }

    fn body(
        &mut self,
        ui: &mut egui::Ui,
        viewport: Rect,
        model: &ViewModel<'_>,
        events: &mut Vec<ViewEvent>,
    ) {
        let ctx = ui.ctx().clone();
        let width = (ui.available_width() - 2.0 * MARGIN).max(40.0);
        let style = self.style(model, width);
        let t_layout = Instant::now();
        let Some(doc) = self.doc.as_mut() else { return };
        doc.set_style(style);
        // Lay out what is visible; keep the paragraph at the top of the viewport still while
        // heights above it change from estimates to real values.
        let top = (viewport.min.y - MARGIN).max(0.0);
        let anchor_para = doc.paragraph_at_y(top);
        let anchor_y = doc.paragraph_box(anchor_para).0;
        doc.ensure_range(
            &mut self.fonts,
            top - 100.0,
            top + viewport.height() + 100.0,
        );
        self.layout_in_background(&ctx, t_layout);
        let Some(doc) = self.doc.as_mut() else { return };
        let shift = if viewport.min.y > 0.0 {
            doc.paragraph_box(anchor_para).0 - anchor_y
        } else {
            0.0
        };
        if shift.abs() > 0.01 {
            self.scroll_fix = Some(viewport.min.y + shift);
            ctx.request_repaint();
            doc.ensure_range(
                &mut self.fonts,
                top + shift - 100.0,
                top + shift + viewport.height() + 100.0,
            );
        }
        self.stats.layout_cpu = t_layout.elapsed();
        let height = doc.height();

        let (rect, _) = ui.allocate_exact_size(
            vec2(ui.available_width(), height + 2.0 * MARGIN),
            Sense::hover(),
        );
        let response = ui.interact(rect, self.id, Sense::click_and_drag());
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Document, true, "document"));
        self.origin = rect.min + vec2(MARGIN, MARGIN - shift);
        self.clip = ui.clip_rect();

        if std::mem::take(&mut self.want_focus) {
            response.request_focus();
        }
        self.top_char = doc_top_char(self.doc.as_ref(), top + shift);
        self.handle_pointer(ui, &response, model, events);
        if response.has_focus() {
            // Tab and the arrows stay with the view (the keymap reads them).
            ui.memory_mut(|m| {
                m.set_focus_lock_filter(
                    self.id,
                    egui::EventFilter {
                        horizontal_arrows: true,
                        vertical_arrows: true,
                        tab: true,
                        escape: false,
                    },
                );
            });
        }
        self.handle_keys(ui, viewport, events);
        self.paint(
            ui,
            top + shift,
            viewport.height(),
            model,
            response.has_focus(),
        );
        self.lane_tooltip(&response, model);
        self.suggestion_tooltip(&response, model);
        self.relation_hover(&response, model);
    }

    /// Where `span`'s label tag was painted last frame (screen coordinates).
    #[must_use]
    pub fn tag_of(&self, span: Span) -> Option<Rect> {
        let k = self.tag_spans.iter().position(|s| *s == span)?;
        self.tag_rects.get(k).copied()
    }

    /// Relation lines painted last frame (screen coordinates).
    #[must_use]
    pub fn painted_relations(&self) -> &[PaintedRelation] {
        &self.relation_paths
    }

    /// The relation whose line is within a few points of `p`.
    fn relation_at(&self, p: Pos2) -> Option<Relation> {
        self.relation_paths
            .iter()
            .map(|r| (r.distance(p), r.relation))
            .filter(|(d, _)| *d <= 4.0)
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, r)| r)
    }

    /// Hovering a relation's line outlines both its ends and names it.
    fn relation_hover(&mut self, response: &egui::Response, model: &ViewModel<'_>) {
        let now = response.hover_pos().and_then(|p| self.relation_at(p));
        if now != self.hovered_relation {
            self.hovered_relation = now;
            response.ctx.request_repaint();
        }
        let Some(r) = now else { return };
        let name = |id| model.labels.get(id).map_or("?", |l| l.name.as_str());
        // Two lines: the words (their arrows follow the text's direction), then the labels.
        let tip = crate::ui::relations_list::relation_line(model.text, model.labels, r);
        let kinds = format!(
            "{} › {} › {}",
            name(r.from.label),
            name(r.label),
            name(r.to.label)
        );
        let cache = &mut self.tags;
        response.clone().on_hover_ui_at_pointer(|ui| {
            super::bidi_label::BidiLabel::new(&tip)
                .size(14.0)
                .show(ui, cache);
            super::bidi_label::BidiLabel::new(&kinds)
                .size(12.0)
                .show(ui, cache);
        });
    }

    /// Where suggestions were outlined last frame (screen coordinates), with their index.
    #[must_use]
    pub fn painted_suggestions(&self) -> &[(Rect, usize)] {
        &self.suggestion_rects
    }

    /// Hovering a suggestion names its words, its label and its source.
    fn suggestion_tooltip(&mut self, response: &egui::Response, model: &ViewModel<'_>) {
        let Some(p) = response.hover_pos() else {
            return;
        };
        let Some(&(_, k)) = self
            .suggestion_rects
            .iter()
            .find(|(r, _)| r.expand(1.0).contains(p))
        else {
            return;
        };
        let Some(s) = model.suggestions.get(k) else {
            return;
        };
        let words = model
            .text
            .slice(s.span.start, s.span.end)
            .unwrap_or_default();
        let label = model
            .labels
            .get(s.span.label)
            .map_or("?", |l| l.name.as_str());
        let score = s
            .score
            .map_or_else(String::new, |v| format!(", score {v:.2}"));
        let line = format!(
            "suggested by {}{score}: «{words}» {label} (F9 to review; Enter accepts, X rejects)",
            s.source
        );
        let tags = &mut self.tags;
        response.clone().on_hover_ui_at_pointer(|ui| {
            super::bidi_label::BidiLabel::new(&line)
                .size(14.0)
                .show(ui, tags);
        });
    }

    /// Hovering a lane bar names its annotator, its words and its label.
    fn lane_tooltip(&mut self, response: &egui::Response, model: &ViewModel<'_>) {
        let Some(p) = response.hover_pos() else {
            return;
        };
        let Some(&(_, k, s)) = self
            .lane_rects
            .iter()
            .find(|(r, _, _)| r.expand(1.0).contains(p))
        else {
            return;
        };
        let Some(lane) = model.lanes.get(k) else {
            return;
        };
        let words = model.text.slice(s.start, s.end).unwrap_or_default();
        let label = model.labels.get(s.label).map_or("?", |l| l.name.as_str());
        let line = format!("{}: «{words}» {label}", lane.name);
        let tags = &mut self.tags;
        response.clone().on_hover_ui_at_pointer(|ui| {
            super::bidi_label::BidiLabel::new(&line)
                .size(14.0)
                .show(ui, tags);
        });
    }

    /// What is left of this frame's layout time after the visible paragraphs goes to the
    /// rest of the document (a little always, so background work never stalls).
    fn layout_in_background(&mut self, ctx: &egui::Context, t_layout: Instant) {
        self.stats.layout_progress = None;
        let Some(doc) = self.doc.as_mut() else { return };
        if doc.pending() > 0 {
            // What is left of this frame's layout time after the visible paragraphs (a little
            // always, so background work never stalls).
            let budget = self
                .layout_budget
                .saturating_sub(t_layout.elapsed())
                .max(MIN_BACKGROUND_BUDGET);
            // Big documents are shaped on worker threads; this thread installs what they
            // finished and re-wraps. Small ones, or when no worker can run, are done here a
            // few milliseconds per frame.
            if self
                .shaping
                .as_ref()
                .is_some_and(|job| !doc.is_current_job(job))
            {
                self.shaping = None;
            }
            if self.shaping.is_none()
                && self.shaping_threads > 0
                && self.shaping_started != doc.shaping_key()
                && doc.unshaped() >= BACKGROUND_MIN_PARAGRAPHS
            {
                self.shaping_started = doc.shaping_key();
                self.shaping = Some(doc.start_background(self.shaping_threads));
            }
            match self.shaping.as_mut() {
                Some(job) => {
                    let t = Instant::now();
                    doc.absorb(job, budget);
                    doc.rewrap_more(budget.saturating_sub(t.elapsed()));
                    if job.is_finished() {
                        self.shaping = None;
                    } else {
                        let n = doc.shapeable().max(1);
                        self.stats.layout_progress = Some((n - doc.unshaped()) as f32 / n as f32);
                    }
                }
                None => {
                    doc.layout_more(&mut self.fonts, budget);
                }
            }
            ctx.request_repaint();
        } else {
            self.shaping = None;
        }
    }

    fn to_doc(&self, p: Pos2) -> (f32, f32) {
        (p.x - self.origin.x, p.y - self.origin.y)
    }

    /// Document offset under a screen point.
    fn hit(&self, p: Pos2) -> usize {
        let (x, y) = self.to_doc(p);
        self.doc.as_ref().map_or(0, |d| d.hit_test(x, y))
    }

    fn handle_pointer(
        &mut self,
        ui: &egui::Ui,
        response: &egui::Response,
        model: &ViewModel<'_>,
        events: &mut Vec<ViewEvent>,
    ) {
        let shift_held = ui.input(|i| {
            i.modifiers.shift
                || i.events.iter().any(|e| matches!(e, egui::Event::PointerButton { modifiers, .. } if modifiers.shift))
        });
        if response.double_clicked() {
            self.double_click(response, events);
            return;
        }
        if self.tag_drag(ui, response, model, events) {
            return;
        }
        if self.resize_drag(ui, response, model, events) {
            return;
        }
        self.select_drag(ui, response, shift_held, events);
        if response.clicked() {
            self.click(response, model, shift_held, events);
        }
    }

    /// A double-click selects the word (or the whole date, number, e-mail… token) under it,
    /// or the nearest word on punctuation and spaces.
    fn double_click(&mut self, response: &egui::Response, events: &mut Vec<ViewEvent>) {
        let (Some(doc), Some(p)) = (self.doc.as_ref(), response.interact_pointer_pos()) else {
            return;
        };
        let (x, y) = self.to_doc(p);
        let c = doc.char_at(x, y).unwrap_or_else(|| doc.hit_test(x, y));
        let para = doc.paragraph_of(c);
        let start = doc.paragraph_range(para).start;
        if let Some((s, e)) = arabic::token_at(doc.paragraph_text(para), c - start) {
            let (s, e) = doc.text().snap_out(start + s, start + e);
            self.anchor = s;
            self.focus = e;
            events.push(ViewEvent::SelectionChanged { start: s, end: e });
            events.push(ViewEvent::SelectionFinished { start: s, end: e });
        }
    }

    /// The innermost span of `spans` under a screen point.
    fn span_at(&self, p: Pos2, spans: &[Span]) -> Option<Span> {
        let (x, y) = self.to_doc(p);
        let c = self.doc.as_ref()?.char_at(x, y)?;
        spans
            .iter()
            .filter(|s| s.contains(c))
            .min_by_key(|s| (s.len(), s.start))
            .copied()
    }

    /// A press on a span's label tag and a drag to another span makes a relation between
    /// them (released elsewhere: nothing). A dashed line follows the pointer. True while
    /// such a drag is held.
    fn tag_drag(
        &mut self,
        ui: &egui::Ui,
        response: &egui::Response,
        model: &ViewModel<'_>,
        events: &mut Vec<ViewEvent>,
    ) -> bool {
        if response.drag_started()
            && let Some(p0) = ui.input(|i| i.pointer.press_origin())
            && let Some(k) = self.tag_rects.iter().position(|r| r.contains(p0))
        {
            self.linking_from = self.tag_spans.get(k).copied();
        }
        let Some(from) = self.linking_from else {
            return false;
        };
        response.request_focus();
        let pointer = ui.input(|i| i.pointer.latest_pos());
        if let (Some(p), Some(tag)) = (pointer, self.tag_of(from)) {
            let stroke = egui::Stroke::new(1.5, ui.visuals().selection.stroke.color);
            ui.painter_at(self.clip).extend(egui::Shape::dashed_line(
                &[tag.center(), p],
                stroke,
                5.0,
                3.0,
            ));
            ui.ctx().request_repaint();
        }
        if response.drag_stopped() || !ui.input(|i| i.pointer.any_down()) {
            self.linking_from = None;
            if let Some(to) = pointer.and_then(|p| self.span_at(p, model.spans))
                && to != from
            {
                events.push(ViewEvent::RelationDragged { from, to });
            }
        }
        true
    }

    /// A press within a few points of the selected span's start or end edge grabs it; the
    /// drag moves that edge (snapped to grapheme clusters) and the release resizes the span.
    /// True while an edge is held.
    fn resize_drag(
        &mut self,
        ui: &egui::Ui,
        response: &egui::Response,
        model: &ViewModel<'_>,
        events: &mut Vec<ViewEvent>,
    ) -> bool {
        let Some(doc) = self.doc.as_ref() else {
            return false;
        };
        if response.drag_started()
            && let (Some(span), Some(p0)) =
                (model.selected_span, ui.input(|i| i.pointer.press_origin()))
        {
            let h = self.hit(p0);
            let near = |pos: usize| {
                doc.caret_rect(pos)
                    .map(|r| self.to_screen(r))
                    .is_some_and(|r| {
                        (r.center().x - p0.x).abs() <= EDGE_GRAB
                            && p0.y >= r.top() - 2.0
                            && p0.y <= r.bottom() + 2.0
                    })
            };
            if near(span.start) && h.abs_diff(span.start) <= 1 {
                self.resizing = Some((span, true));
            } else if near(span.end) && h.abs_diff(span.end) <= 1 {
                self.resizing = Some((span, false));
            }
        }
        let Some((span, is_start)) = self.resizing else {
            return false;
        };
        response.request_focus();
        let Some(h) = ui.input(|i| i.pointer.latest_pos()).map(|p| self.hit(p)) else {
            return true;
        };
        let (s, e) = if is_start {
            (h.min(span.end), span.end)
        } else {
            (span.start, h.max(span.start))
        };
        let (s, e) = doc.text().snap_out(s, e);
        self.anchor = s;
        self.focus = e;
        if response.drag_stopped() || !ui.input(|i| i.pointer.any_down()) {
            self.resizing = None;
            if s < e && (s, e) != (span.start, span.end) {
                events.push(ViewEvent::SpanResized {
                    from: span,
                    start: s,
                    end: e,
                });
            }
            self.anchor = e;
            self.focus = e;
        }
        true
    }

    /// A drag selects from the press to the pointer (shift extends the selection).
    fn select_drag(
        &mut self,
        ui: &egui::Ui,
        response: &egui::Response,
        shift_held: bool,
        events: &mut Vec<ViewEvent>,
    ) {
        if response.drag_started() {
            response.request_focus();
            if let Some(p0) = ui.input(|i| i.pointer.press_origin()) {
                let h = self.hit(p0);
                if !(shift_held && self.anchor != self.focus) {
                    self.anchor = h;
                }
                self.focus = h;
                self.dragging = true;
            }
        }
        if self.dragging
            && response.dragged()
            && let Some(p) = response.interact_pointer_pos()
        {
            self.move_focus(self.hit(p), events);
        }
        if self.dragging && response.drag_stopped() {
            self.dragging = false;
            // The release may come in the same frame as the last move.
            if let Some(p) = ui.input(|i| i.pointer.latest_pos()) {
                self.move_focus(self.hit(p), events);
            }
            if let Some((s, e)) = self.selection() {
                events.push(ViewEvent::SelectionFinished { start: s, end: e });
            }
        }
    }

    fn move_focus(&mut self, h: usize, events: &mut Vec<ViewEvent>) {
        if h != self.focus {
            self.focus = h;
            if let Some((s, e)) = self.selection() {
                events.push(ViewEvent::SelectionChanged { start: s, end: e });
            }
        }
    }

    /// A click puts the caret (shift+click extends the selection) and selects the innermost
    /// span under it.
    fn click(
        &mut self,
        response: &egui::Response,
        model: &ViewModel<'_>,
        shift_held: bool,
        events: &mut Vec<ViewEvent>,
    ) {
        response.request_focus();
        let Some(p) = response.interact_pointer_pos() else {
            return;
        };
        let Some(doc) = self.doc.as_ref() else { return };
        let (x, y) = self.to_doc(p);
        let h = doc.hit_test(x, y);
        if shift_held {
            self.focus = h;
            if let Some((s, e)) = self.selection() {
                events.push(ViewEvent::SelectionChanged { start: s, end: e });
                events.push(ViewEvent::SelectionFinished { start: s, end: e });
            }
            return;
        }
        if let Some(r) = self.relation_at(p) {
            events.push(ViewEvent::RelationClicked(r));
            return;
        }
        self.anchor = h;
        self.focus = h;
        events.push(ViewEvent::CaretMoved(h));
        if let Some(span) = self.span_at(p, model.spans) {
            events.push(ViewEvent::SpanClicked(span));
        }
    }

    fn handle_keys(&mut self, ui: &egui::Ui, viewport: Rect, events: &mut Vec<ViewEvent>) {
        use crate::keymap::ViewKey;
        let mut moves = Vec::new();
        for k in std::mem::take(&mut self.keys) {
            let Some(doc) = self.doc.as_ref() else { return };
            match k {
                ViewKey::Move { motion, extend } => moves.push((motion, extend)),
                ViewKey::Page(d) => {
                    // Scroll a page (less a line), the caret to the same place on screen.
                    let step = (viewport.height() * 0.9).max(40.0);
                    let y = (viewport.min.y + f32::from(d) * step).max(0.0);
                    self.scroll_fix = Some(y);
                    let caret_y = doc.y_of(self.focus) + f32::from(d) * step;
                    let (x, _) = doc
                        .caret_rect(self.focus)
                        .map_or((0.0, 0.0), |r| (r.x0, r.y0));
                    let h = doc.hit_test(x, caret_y.clamp(0.0, doc.height()));
                    self.anchor = h;
                    self.focus = h;
                }
                ViewKey::DocumentStart => {
                    self.scroll_fix = Some(0.0);
                    self.anchor = 0;
                    self.focus = 0;
                }
                ViewKey::DocumentEnd => {
                    let end = doc.text().len_chars();
                    self.scroll_fix = Some(doc.height());
                    self.pending_scroll = Some(end);
                    self.anchor = end;
                    self.focus = end;
                }
            }
        }
        let shift_held = ui.input(|i| i.modifiers.shift);
        for (motion, extend) in moves {
            let Some(doc) = self.doc.as_mut() else { return };
            // Make sure the neighbourhood of the caret is laid out.
            let y = doc.y_of(self.focus);
            doc.ensure_range(&mut self.fonts, y - 400.0, y + 400.0);
            let old = self.focus;
            let new = doc.move_visual(old, motion);
            let text = doc.text();
            let new = if new > old {
                text.boundary_at_or_after(new)
            } else {
                text.boundary_at_or_before(new)
            };
            let caret = doc.caret_rect(new);
            self.focus = new;
            if extend {
                self.kbd_extending = true;
                if let Some((s, e)) = self.selection() {
                    events.push(ViewEvent::SelectionChanged { start: s, end: e });
                }
            } else {
                self.anchor = new;
                events.push(ViewEvent::CaretMoved(new));
            }
            if let Some(r) = caret {
                ui.scroll_to_rect(self.to_screen(r).expand(4.0), None);
            }
        }
        if self.kbd_extending && !shift_held {
            self.kbd_extending = false;
            if let Some((s, e)) = self.selection() {
                events.push(ViewEvent::SelectionFinished { start: s, end: e });
            }
        }
    }
}

/// The first character of the paragraph at document height `y` (the top of the view).
fn doc_top_char(doc: Option<&DocumentLayout>, y: f32) -> usize {
    doc.map_or(0, |d| d.hit_test(0.0, y.max(0.0)).min(d.text().len_chars()))
}
