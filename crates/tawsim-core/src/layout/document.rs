//! A whole document laid out lazily, one parley layout per paragraph.
//!
//! Paragraphs are the text split on '\n'; the '\n' itself belongs to no layout. A paragraph
//! that is not laid out yet has an estimated height (its length times the average advance
//! measured so far, over the column width), so the document height converges as more
//! paragraphs get laid out: visible ones first ([`DocumentLayout::ensure_range`]), the rest a
//! bounded amount at a time ([`DocumentLayout::layout_more`]). A width change only re-wraps
//! (the shaped runs are kept); a font size, line height or direction change re-shapes.

use super::shaper::{BackgroundShaping, ShapeParams, ShapeTask, Shaped};
use super::{Direction, Fonts, LayoutStyle, Motion, Rect, build_layout, resolve_direction};
use crate::domain::IndexedText;
use parley::editing::{Cursor, Selection};
use parley::layout::{Affinity, Cluster};
use parley::{Alignment, AlignmentOptions, Layout, PositionedLayoutItem};
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A fresh key, unique in the process: shaping keys (shaped paragraphs from a background job
/// started for another document or style are never installed) and paragraph stamps (callers'
/// caches of another document's or an older wrap's geometry never match).
fn next_key() -> u64 {
    static KEY: AtomicU64 = AtomicU64::new(1);
    KEY.fetch_add(1, Ordering::Relaxed)
}

struct Para {
    /// Byte range of the paragraph in the document text ('\n' excluded).
    bytes: Range<usize>,
    /// Global code point offset of the paragraph start, and its length in code points.
    char_start: usize,
    char_len: usize,
    /// Resolved base direction (never `Auto`).
    dir: Direction,
    /// Top in document coordinates, and the height (laid out or estimated), gap excluded.
    y: f32,
    height: f32,
    layout: Option<Layout<()>>,
    /// The width the layout was wrapped at (`NaN` when never wrapped).
    wrapped_at: f32,
    /// Changes whenever the layout is (re)wrapped, see [`DocumentLayout::range_key`].
    stamp: u64,
}

impl Para {
    fn is_current(&self, width: f32) -> bool {
        self.layout.is_some() && self.wrapped_at == width
    }
}

/// One positioned glyph: its run (font and size) in [`GlyphBatch::runs`], its glyph id and
/// its origin on the baseline in document coordinates.
#[derive(Debug, Clone, Copy)]
pub struct PlacedGlyph {
    pub run: u32,
    pub id: u32,
    pub x: f32,
    pub y: f32,
}

/// The glyphs to paint for a viewport (reused from frame to frame).
#[derive(Default)]
pub struct GlyphBatch {
    /// Font and size (points) of each glyph run.
    pub runs: Vec<(parley::FontData, f32)>,
    pub glyphs: Vec<PlacedGlyph>,
}

/// A document's paragraphs with their lazily built parley layouts.
pub struct DocumentLayout {
    text: IndexedText,
    style: LayoutStyle,
    paras: Vec<Para>,
    /// Number of paragraphs whose layout is missing or wrapped at another width.
    pending: usize,
    /// Measured average advance per code point (points), for height estimates.
    adv_sum: f64,
    adv_chars: f64,
    /// Where background layout continues.
    next_hint: usize,
    /// Set when a height changed and the y positions must be recomputed.
    ys_dirty: bool,
    total_height: f32,
    /// Identifies the current shaping (document and shaping style), see [`BackgroundShaping`].
    shape_key: u64,
    /// Non-empty paragraphs, and how many of them are shaped at the current shaping style.
    nonempty: usize,
    shaped: usize,
}

impl DocumentLayout {
    /// Splits the text into paragraphs and estimates their heights; lays out nothing.
    #[must_use]
    pub fn new(text: IndexedText, style: LayoutStyle) -> Self {
        let mut paras = Vec::new();
        {
            let s = text.as_str();
            let mut byte = 0usize;
            let mut chars = 0usize;
            for piece in s.split('\n') {
                let n = piece.chars().count();
                let dir = resolve_direction(style.direction, piece);
                paras.push(Para {
                    bytes: byte..byte + piece.len(),
                    char_start: chars,
                    char_len: n,
                    dir,
                    y: 0.0,
                    height: 0.0,
                    layout: None,
                    wrapped_at: f32::NAN,
                    stamp: 0,
                });
                byte += piece.len() + 1;
                chars += n + 1;
            }
        }
        let pending = paras.iter().filter(|p| p.char_len > 0).count();
        let mut doc = DocumentLayout {
            text,
            style,
            paras,
            pending,
            adv_sum: 0.0,
            adv_chars: 0.0,
            next_hint: 0,
            ys_dirty: true,
            total_height: 0.0,
            shape_key: next_key(),
            nonempty: pending,
            shaped: 0,
        };
        doc.reestimate();
        doc
    }

    #[must_use]
    pub fn text(&self) -> &IndexedText {
        &self.text
    }

    #[must_use]
    pub fn style(&self) -> &LayoutStyle {
        &self.style
    }

    /// Changes the style. A width change keeps the shaping and only re-wraps later (lazily);
    /// a font size, line height or direction change drops the layouts.
    pub fn set_style(&mut self, style: LayoutStyle) {
        if style == self.style {
            return;
        }
        let reshape = self.style.needs_reshape(&style);
        self.style = style;
        if reshape {
            for p in &mut self.paras {
                p.layout = None;
                p.wrapped_at = f32::NAN;
                p.dir = resolve_direction(style.direction, &self.text.as_str()[p.bytes.clone()]);
            }
            self.adv_sum = 0.0;
            self.adv_chars = 0.0;
            self.shape_key = next_key();
            self.shaped = 0;
        }
        self.pending = self
            .paras
            .iter()
            .filter(|p| p.char_len > 0 && !p.is_current(style.width))
            .count();
        self.reestimate();
    }

    /// Number of paragraphs.
    #[must_use]
    pub fn paragraph_count(&self) -> usize {
        self.paras.len()
    }

    /// Global code point range of paragraph `i` ('\n' excluded).
    #[must_use]
    pub fn paragraph_range(&self, i: usize) -> Range<usize> {
        self.paras
            .get(i)
            .map_or(0..0, |p| p.char_start..p.char_start + p.char_len)
    }

    /// The paragraph text.
    #[must_use]
    pub fn paragraph_text(&self, i: usize) -> &str {
        self.paras
            .get(i)
            .map_or("", |p| &self.text.as_str()[p.bytes.clone()])
    }

    /// Top y and height (gap excluded) of paragraph `i`.
    #[must_use]
    pub fn paragraph_box(&self, i: usize) -> (f32, f32) {
        self.paras.get(i).map_or((0.0, 0.0), |p| (p.y, p.height))
    }

    /// True when paragraph `i` is laid out at the current width (empty ones always are).
    #[must_use]
    pub fn is_laid_out(&self, i: usize) -> bool {
        self.paras
            .get(i)
            .is_some_and(|p| p.char_len == 0 || p.is_current(self.style.width))
    }

    /// Resolved base direction of paragraph `para` (`Rtl` or `Ltr`).
    #[must_use]
    pub fn paragraph_direction(&self, para: usize) -> Direction {
        self.paras.get(para).map_or(Direction::Rtl, |p| p.dir)
    }

    /// The paragraph containing code point `pos` (a '\n' counts with the paragraph before it).
    #[must_use]
    pub fn paragraph_of(&self, pos: usize) -> usize {
        self.paras
            .partition_point(|p| p.char_start <= pos)
            .saturating_sub(1)
    }

    /// The paragraph at document y (clamped to the first/last).
    #[must_use]
    pub fn paragraph_at_y(&self, y: f32) -> usize {
        self.paras.partition_point(|p| p.y <= y).saturating_sub(1)
    }

    /// Paragraphs intersecting `[y0, y1]`.
    #[must_use]
    pub fn paragraphs_in(&self, y0: f32, y1: f32) -> Range<usize> {
        if self.paras.is_empty() {
            return 0..0;
        }
        let first = self.paragraph_at_y(y0);
        let last = self.paragraph_at_y(y1);
        first..last + 1
    }

    /// Total document height in points (partly estimated while `pending() > 0`).
    #[must_use]
    pub fn height(&self) -> f32 {
        self.total_height
    }

    /// Paragraphs still to lay out (or re-wrap) at the current style.
    #[must_use]
    pub fn pending(&self) -> usize {
        self.pending
    }

    fn avg_advance(&self) -> f32 {
        if self.adv_chars > 200.0 {
            (self.adv_sum / self.adv_chars) as f32
        } else {
            // Noto Naskh Arabic running text, measured on the seed article.
            0.43 * self.style.font_size
        }
    }

    fn estimate(&self, p: &Para) -> f32 {
        let line = self.style.line_px();
        if p.char_len == 0 {
            return line;
        }
        let w = self.style.width.max(self.style.font_size);
        let lines = ((p.char_len as f32 * self.avg_advance()) / (w * 0.97))
            .ceil()
            .max(1.0);
        lines * line
    }

    /// Recomputes estimated heights of paragraphs not laid out, then all y positions.
    fn reestimate(&mut self) {
        let est: Vec<Option<f32>> = self
            .paras
            .iter()
            .map(|p| {
                if p.layout.is_some() || p.char_len == 0 {
                    None
                } else {
                    Some(self.estimate(p))
                }
            })
            .collect();
        let line = self.style.line_px();
        for (p, e) in self.paras.iter_mut().zip(est) {
            if let Some(h) = e {
                p.height = h;
            } else if p.char_len == 0 {
                p.height = line;
            }
        }
        self.ys_dirty = true;
        self.update_ys();
    }

    fn update_ys(&mut self) {
        if !self.ys_dirty {
            return;
        }
        let mut y = 0.0f32;
        for p in &mut self.paras {
            p.y = y;
            y += p.height + self.style.paragraph_gap;
        }
        self.total_height = y;
        self.ys_dirty = false;
    }

    /// Lays out (or re-wraps) paragraph `i` if needed. Returns true when it did work.
    fn layout_para(&mut self, fonts: &mut Fonts, i: usize) -> bool {
        let style = self.style;
        let Some(p) = self.paras.get_mut(i) else {
            return false;
        };
        if p.char_len == 0 || p.is_current(style.width) {
            return false;
        }
        if p.layout.is_none() {
            let text = &self.text.as_str()[p.bytes.clone()];
            p.layout = Some(build_layout(
                fonts,
                text,
                style.font_size,
                style.line_height,
                p.dir,
            ));
            self.shaped += 1;
        }
        let first_time = p.wrapped_at.is_nan();
        self.wrap_para(i, first_time);
        true
    }

    /// Re-wraps paragraph `i` if it is shaped but wrapped at another width.
    fn rewrap_para(&mut self, i: usize) -> bool {
        let width = self.style.width;
        match self.paras.get(i) {
            Some(p) if p.layout.is_some() && !p.is_current(width) => {
                let first_time = p.wrapped_at.is_nan();
                self.wrap_para(i, first_time);
                true
            }
            _ => false,
        }
    }

    /// Wraps paragraph `i`'s layout at the current width unless it already is, and takes
    /// its height (and, the first time, its advance for the estimates).
    fn wrap_para(&mut self, i: usize, first_time: bool) {
        let width = self.style.width;
        let Some(p) = self.paras.get_mut(i) else {
            return;
        };
        let Some(layout) = p.layout.as_mut() else {
            return;
        };
        if p.wrapped_at != width {
            layout.break_all_lines(Some(width));
            layout.align(Alignment::Start, AlignmentOptions::default());
            p.wrapped_at = width;
        }
        p.stamp = next_key();
        p.height = layout.height();
        if first_time {
            let adv: f32 = layout.lines().map(|l| l.metrics().advance).sum();
            self.adv_sum += f64::from(adv);
            self.adv_chars += p.char_len as f64;
        }
        self.pending = self.pending.saturating_sub(1);
        self.ys_dirty = true;
    }

    /// Paragraphs not shaped yet (a re-wrap is not shaping).
    #[must_use]
    pub fn unshaped(&self) -> usize {
        self.nonempty - self.shaped
    }

    /// Non-empty paragraphs (the ones that need shaping).
    #[must_use]
    pub fn shapeable(&self) -> usize {
        self.nonempty
    }

    /// Identifies the document and its shaping style (changes when paragraphs must be
    /// re-shaped; never repeats across documents).
    #[must_use]
    pub fn shaping_key(&self) -> u64 {
        self.shape_key
    }

    /// True when `job` was started for this document at its current shaping style.
    #[must_use]
    pub fn is_current_job(&self, job: &BackgroundShaping) -> bool {
        job.key == self.shape_key
    }

    /// Starts shaping every paragraph not shaped yet on `threads` worker threads, beginning
    /// after the last visible range and wrapping around. Feed the results back with
    /// [`absorb`](Self::absorb); a style change that needs re-shaping makes them stale.
    #[must_use]
    pub fn start_background(&self, threads: usize) -> BackgroundShaping {
        let n = self.paras.len();
        let from = self.next_hint.min(n);
        let tasks = (from..n)
            .chain(0..from)
            .filter_map(|i| {
                let p = &self.paras[i];
                (p.char_len > 0 && p.layout.is_none()).then(|| ShapeTask {
                    para: i,
                    bytes: p.bytes.clone(),
                    dir: p.dir,
                })
            })
            .collect();
        let params = ShapeParams {
            font_size: self.style.font_size,
            line_height: self.style.line_height,
            width: self.style.width,
        };
        BackgroundShaping::start(self.shape_key, self.text.arc(), tasks, params, threads)
    }

    /// Installs what `job` has shaped so far, for about `budget` at most (re-wrapping those
    /// shaped at another width). Results of a stale job are taken and dropped. Returns the number
    /// installed.
    pub fn absorb(&mut self, job: &mut BackgroundShaping, budget: Duration) -> usize {
        if job.key != self.shape_key {
            while job.try_next().is_some() {}
            return 0;
        }
        let t0 = Instant::now();
        let mut n = 0;
        while let Some(shaped) = job.try_next() {
            n += usize::from(self.install(shaped));
            if t0.elapsed() >= budget {
                break;
            }
        }
        if n > 0 {
            self.refresh_estimates();
        }
        n
    }

    fn install(&mut self, shaped: Shaped) -> bool {
        let Some(p) = self.paras.get_mut(shaped.para) else {
            return false;
        };
        if p.layout.is_some() || p.char_len == 0 {
            return false;
        }
        p.layout = Some(shaped.layout);
        p.wrapped_at = shaped.width;
        self.shaped += 1;
        self.wrap_para(shaped.para, true);
        true
    }

    /// Lays out every paragraph, shaping on `threads` worker threads (as many as there are
    /// cores is right: this thread only installs the results).
    pub fn layout_all_parallel(&mut self, fonts: &mut Fonts, threads: usize) {
        if threads > 1 && self.unshaped() > 1 {
            let mut job = self.start_background(threads);
            while let Some(shaped) = job.next_blocking() {
                self.install(shaped);
            }
        }
        // Whatever a worker could not do (and any re-wrap) is done here.
        self.layout_all(fonts);
        self.reestimate();
    }

    /// Lays out the paragraphs intersecting `[y0, y1]` (document coordinates). Heights
    /// change as estimates are replaced, so this repeats until the range is stable.
    pub fn ensure_range(&mut self, fonts: &mut Fonts, y0: f32, y1: f32) {
        for _ in 0..8 {
            let mut did = false;
            for i in self.paragraphs_in(y0, y1) {
                did |= self.layout_para(fonts, i);
            }
            self.update_ys();
            if !did {
                break;
            }
            self.next_hint = self.paragraphs_in(y0, y1).end;
        }
    }

    /// Lays out paragraph `i` (e.g. before scrolling to it).
    pub fn ensure_paragraph(&mut self, fonts: &mut Fonts, i: usize) {
        if self.layout_para(fonts, i) {
            self.update_ys();
        }
    }

    /// Lays out pending paragraphs for about `budget`, continuing after the last visible
    /// range and wrapping around. Returns the number still pending.
    pub fn layout_more(&mut self, fonts: &mut Fonts, budget: Duration) -> usize {
        self.work_more(Some(fonts), budget)
    }

    /// Like [`layout_more`](Self::layout_more) but only re-wraps paragraphs already shaped
    /// (while a [`BackgroundShaping`] shapes the others).
    pub fn rewrap_more(&mut self, budget: Duration) -> usize {
        self.work_more(None, budget)
    }

    fn work_more(&mut self, mut fonts: Option<&mut Fonts>, budget: Duration) -> usize {
        let t0 = Instant::now();
        let n = self.paras.len();
        let mut i = self.next_hint.min(n);
        let mut scanned = 0;
        while self.pending > 0 && scanned < n {
            if i >= n {
                i = 0;
            }
            let did = match fonts.as_deref_mut() {
                Some(fonts) => self.layout_para(fonts, i),
                None => self.rewrap_para(i),
            };
            i += 1;
            scanned += 1;
            if did && t0.elapsed() >= budget {
                break;
            }
        }
        self.next_hint = i;
        self.refresh_estimates();
        self.pending
    }

    /// Updates y positions after paragraphs got laid out; while few characters have been
    /// measured (or when all are done) the estimates of the others are refreshed too.
    fn refresh_estimates(&mut self) {
        if self.pending == 0 || self.adv_chars < 20_000.0 {
            self.reestimate();
        } else {
            self.update_ys();
        }
    }

    /// Lays out every paragraph.
    pub fn layout_all(&mut self, fonts: &mut Fonts) {
        for i in 0..self.paras.len() {
            self.layout_para(fonts, i);
        }
        self.update_ys();
    }

    // ------------------------------------------------------------ offsets

    /// Paragraph-local byte index of global code point `pos` (clamped into the paragraph).
    fn local_byte(&self, para: usize, pos: usize) -> usize {
        let p = &self.paras[para];
        let pos = pos.clamp(p.char_start, p.char_start + p.char_len);
        self.text
            .char_to_byte(pos)
            .map_or(0, |b| b.saturating_sub(p.bytes.start))
    }

    /// Global code point of a paragraph-local byte index.
    fn global_char(&self, para: usize, local: usize) -> usize {
        let p = &self.paras[para];
        let b = (p.bytes.start + local).min(p.bytes.end);
        self.text.byte_to_char(b).unwrap_or(p.char_start)
    }

    /// The line of paragraph `para`'s layout at paragraph-local `y`, and its cells.
    fn cells_at_y(&self, para: usize, y: f32) -> Option<Vec<ligature::Cell>> {
        let layout = self.paras[para].layout.as_ref()?;
        let li = layout.lines().position(|l| {
            let m = l.metrics();
            y >= m.block_min_coord && y < m.block_max_coord
        })?;
        Some(ligature::line_cells(layout, li, self.paragraph_text(para)))
    }

    /// The line of paragraph `para` holding local byte `b` (the first one), and its cells.
    fn cells_at_byte(&self, para: usize, b: usize) -> Option<(usize, Vec<ligature::Cell>)> {
        let layout = self.paras[para].layout.as_ref()?;
        let li = layout.lines().position(|l| l.text_range().contains(&b))?;
        Some((
            li,
            ligature::line_cells(layout, li, self.paragraph_text(para)),
        ))
    }

    fn local_y(&self, para: usize, y: f32) -> f32 {
        let p = &self.paras[para];
        (y - p.y).clamp(0.0, (p.height - 0.5).max(0.0))
    }

    // ------------------------------------------------------------ queries

    /// The caret position (global code point offset) nearest to the point.
    #[must_use]
    pub fn hit_test(&self, x: f32, y: f32) -> usize {
        if self.paras.is_empty() {
            return 0;
        }
        let i = self.paragraph_at_y(y);
        let p = &self.paras[i];
        if y < 0.0 {
            return 0;
        }
        let Some(layout) = p.layout.as_ref() else {
            return p.char_start;
        };
        let ly = self.local_y(i, y);
        if let Some(cell) = self.cells_at_y(i, ly).and_then(|cells| {
            cells
                .into_iter()
                .find(|c| c.group.is_some() && x >= c.x0 && x < c.x1)
        }) {
            return self.global_char(i, cell.nearest_boundary(x));
        }
        let c = Cursor::from_point(layout, x, ly);
        self.global_char(i, c.index())
    }

    /// The code point drawn under the point, if the point is on a character.
    #[must_use]
    pub fn char_at(&self, x: f32, y: f32) -> Option<usize> {
        if self.paras.is_empty() || y < 0.0 {
            return None;
        }
        let i = self.paragraph_at_y(y);
        let p = &self.paras[i];
        if y > p.y + p.height {
            return None;
        }
        let layout = p.layout.as_ref()?;
        let ly = self.local_y(i, y);
        if let Some(cell) = self.cells_at_y(i, ly).and_then(|cells| {
            cells
                .into_iter()
                .find(|c| c.group.is_some() && x >= c.x0 && x < c.x1)
        }) {
            return Some(self.global_char(i, cell.range.start));
        }
        let (cluster, _) = Cluster::from_point(layout, x, ly)?;
        Some(self.global_char(i, cluster.text_range().start))
    }

    /// Calls `f` with the visual rectangles (document coordinates) covering the logical code
    /// point range `[start, end)`: one per line and direction run, in line order. Paragraphs
    /// not laid out yet contribute nothing.
    pub fn range_rects(&self, start: usize, end: usize, mut f: impl FnMut(Rect)) {
        if start >= end || self.paras.is_empty() {
            return;
        }
        let first = self.paragraph_of(start);
        for i in first..self.paras.len() {
            let p = &self.paras[i];
            if p.char_start >= end {
                break;
            }
            let (ls, le) = (start.max(p.char_start), end.min(p.char_start + p.char_len));
            if ls >= le {
                continue;
            }
            let Some(layout) = p.layout.as_ref() else {
                continue;
            };
            let (b0, b1) = (self.local_byte(i, ls), self.local_byte(i, le));
            // An edge between two letters of one ligature shape: parley would give the whole
            // shape to the first letter, so the rectangles come from the shared-out cells.
            let split = [b0, b1].into_iter().any(|b| {
                self.cells_at_byte(i, b)
                    .is_some_and(|(_, cells)| ligature::inside_group(&cells, b).is_some())
            });
            if split {
                self.split_range_rects(i, b0, b1, &mut f);
                continue;
            }
            let sel = Selection::new(
                Cursor::from_byte_index(layout, b0, Affinity::Downstream),
                Cursor::from_byte_index(layout, b1, Affinity::Upstream),
            );
            let py = p.y;
            sel.geometry_with(layout, |bb, _line| {
                f(Rect::new(
                    bb.x0 as f32,
                    bb.y0 as f32 + py,
                    bb.x1 as f32,
                    bb.y1 as f32 + py,
                ));
            });
        }
    }

    /// [`range_rects`](Self::range_rects) for paragraph `para`, local bytes `[b0, b1)`, from
    /// the cells with ligature advances shared out (see [`ligature`]).
    fn split_range_rects(&self, para: usize, b0: usize, b1: usize, f: &mut impl FnMut(Rect)) {
        let p = &self.paras[para];
        let Some(layout) = p.layout.as_ref() else {
            return;
        };
        let text = self.paragraph_text(para);
        for (li, line) in layout.lines().enumerate() {
            let tr = line.text_range();
            if tr.end <= b0 || tr.start >= b1 {
                continue;
            }
            let m = line.metrics();
            let y0 = m.block_min_coord.min(m.content_block_min_coord) + p.y;
            let y1 = m.block_max_coord.max(m.content_block_max_coord) + p.y;
            let mut cur: Option<(f32, f32)> = None;
            for c in ligature::line_cells(layout, li, text) {
                if c.range.start >= b0 && c.range.start < b1 {
                    cur = Some(cur.map_or((c.x0, c.x1), |(a, _)| (a, c.x1)));
                } else if let Some((a, b)) = cur.take()
                    && b > a
                {
                    f(Rect::new(a, y0, b, y1));
                }
            }
            if let Some((a, b)) = cur
                && b > a
            {
                f(Rect::new(a, y0, b, y1));
            }
        }
    }

    /// The paragraph where `[start, end)` begins, and a key of the laid-out geometry of the
    /// paragraphs it covers: while the key is unchanged, the range's rectangles relative to
    /// that paragraph's top are unchanged, even if paragraphs elsewhere moved it up or down.
    #[must_use]
    pub fn range_key(&self, start: usize, end: usize) -> (usize, u64) {
        let first = self.paragraph_of(start);
        let mut key = 0xcbf2_9ce4_8422_2325_u64;
        for p in self.paras[first.min(self.paras.len())..]
            .iter()
            .take_while(|p| p.char_start < end.max(start + 1))
        {
            key = (key ^ p.stamp).wrapping_mul(0x0100_0000_01b3);
        }
        (first, key)
    }

    /// [`range_rect_vec`](Self::range_rect_vec) relative to the top of paragraph `para`.
    #[must_use]
    pub fn range_rects_from(&self, para: usize, start: usize, end: usize) -> Vec<Rect> {
        let top = self.paragraph_box(para).0;
        let mut v = Vec::new();
        self.range_rects(start, end, |r| {
            v.push(Rect::new(r.x0, r.y0 - top, r.x1, r.y1 - top));
        });
        v
    }

    /// The rectangles of a range, collected.
    #[must_use]
    pub fn range_rect_vec(&self, start: usize, end: usize) -> Vec<Rect> {
        let mut v = Vec::new();
        self.range_rects(start, end, |r| v.push(r));
        v
    }

    /// The caret rectangle (1.5 points wide, a line tall) for position `pos`.
    #[must_use]
    pub fn caret_rect(&self, pos: usize) -> Option<Rect> {
        if self.paras.is_empty() {
            return None;
        }
        let i = self.paragraph_of(pos);
        let p = &self.paras[i];
        if p.char_len == 0 {
            let x = if p.dir == Direction::Rtl {
                self.style.width - 1.5
            } else {
                0.0
            };
            return Some(Rect::new(x, p.y, x + 1.5, p.y + p.height));
        }
        let layout = p.layout.as_ref()?;
        let b = self.local_byte(i, pos);
        let aff = if b >= p.bytes.len() {
            Affinity::Upstream
        } else {
            Affinity::Downstream
        };
        let bb = Cursor::from_byte_index(layout, b, aff).geometry(layout, 1.5);
        if let Some(x) = self
            .cells_at_byte(i, b)
            .and_then(|(_, cells)| ligature::inside_group(&cells, b).map(ligature::Cell::leading_x))
        {
            return Some(Rect::new(
                x,
                bb.y0 as f32 + p.y,
                x + 1.5,
                bb.y1 as f32 + p.y,
            ));
        }
        Some(Rect::new(
            bb.x0 as f32,
            bb.y0 as f32 + p.y,
            bb.x1 as f32,
            bb.y1 as f32 + p.y,
        ))
    }

    /// Document y of the top of the line holding `pos` (estimated when not laid out).
    #[must_use]
    pub fn y_of(&self, pos: usize) -> f32 {
        if let Some(r) = self.caret_rect(pos) {
            return r.y0;
        }
        let i = self.paragraph_of(pos);
        let p = &self.paras[i];
        let frac = if p.char_len == 0 {
            0.0
        } else {
            (pos - p.char_start) as f32 / p.char_len as f32
        };
        p.y + frac * p.height
    }

    /// Moves a caret. Left/Right go to the visually adjacent position (in an RTL paragraph
    /// Right goes to the logically previous position) and continue into the neighbouring
    /// paragraph at a paragraph's visual edge; Up/Down keep the x position.
    #[must_use]
    pub fn move_visual(&self, pos: usize, dir: Motion) -> usize {
        if self.paras.is_empty() {
            return 0;
        }
        let i = self.paragraph_of(pos);
        let p = &self.paras[i];
        let end = p.char_start + p.char_len;
        let pos = pos.min(end);
        match dir {
            Motion::Left | Motion::Right => {
                let moved = p.layout.as_ref().map(|layout| {
                    let b = self.local_byte(i, pos);
                    let aff = if b >= p.bytes.len() {
                        Affinity::Upstream
                    } else {
                        Affinity::Downstream
                    };
                    let c = Cursor::from_byte_index(layout, b, aff);
                    let c2 = if dir == Motion::Left {
                        c.previous_visual(layout)
                    } else {
                        c.next_visual(layout)
                    };
                    self.global_char(i, c2.index())
                });
                match moved {
                    Some(m) if m != pos => m,
                    _ => {
                        // At the paragraph's visual edge: forwards (logically) goes on to the
                        // next paragraph's start, backwards to the previous paragraph's end.
                        let forward = (dir == Motion::Left) == (p.dir == Direction::Rtl);
                        if forward {
                            if i + 1 < self.paras.len() {
                                self.paras[i + 1].char_start
                            } else {
                                end
                            }
                        } else if i > 0 {
                            let q = &self.paras[i - 1];
                            q.char_start + q.char_len
                        } else {
                            p.char_start
                        }
                    }
                }
            }
            Motion::Up | Motion::Down => {
                let Some(r) = self.caret_rect(pos) else {
                    return pos;
                };
                let x = r.x0;
                if dir == Motion::Up {
                    let mut y = r.y0 - 1.0;
                    if y < 0.0 {
                        return self.paras[0].char_start;
                    }
                    let j = self.paragraph_at_y(y);
                    let q = &self.paras[j];
                    if y > q.y + q.height {
                        y = q.y + q.height - 1.0;
                    }
                    self.hit_test(x, y)
                } else {
                    let mut y = r.y1 + 1.0;
                    let j = self.paragraph_at_y(y);
                    let q = &self.paras[j];
                    if y > q.y + q.height {
                        if j + 1 >= self.paras.len() {
                            return q.char_start + q.char_len;
                        }
                        y = self.paras[j + 1].y + 1.0;
                    }
                    self.hit_test(x, y)
                }
            }
            Motion::LineStart | Motion::LineEnd => {
                let Some(layout) = p.layout.as_ref() else {
                    return if dir == Motion::LineStart {
                        p.char_start
                    } else {
                        end
                    };
                };
                let b = self.local_byte(i, pos);
                let aff = if b >= p.bytes.len() {
                    Affinity::Upstream
                } else {
                    Affinity::Downstream
                };
                let s = Selection::from_byte_index(layout, b, aff);
                let s2 = if dir == Motion::LineStart {
                    s.line_start(layout, false)
                } else {
                    s.line_end(layout, false)
                };
                self.global_char(i, s2.focus().index())
            }
        }
    }

    /// Collects the glyphs of the laid-out paragraphs whose lines intersect `[y0, y1]` into
    /// `out` (cleared first). Returns the number of glyphs.
    pub fn collect_glyphs(&self, y0: f32, y1: f32, out: &mut GlyphBatch) -> usize {
        out.runs.clear();
        out.glyphs.clear();
        for i in self.paragraphs_in(y0, y1) {
            let p = &self.paras[i];
            let Some(layout) = p.layout.as_ref() else {
                continue;
            };
            for line in layout.lines() {
                let m = line.metrics();
                // Glyphs overflow their line box a little (tall Naskh letters, harakat).
                let slack = m.line_height * 0.5;
                if p.y + m.block_max_coord + slack < y0 || p.y + m.block_min_coord - slack > y1 {
                    continue;
                }
                for item in line.items() {
                    let PositionedLayoutItem::GlyphRun(gr) = item else {
                        continue;
                    };
                    let run = gr.run();
                    let r = u32::try_from(out.runs.len()).unwrap_or(u32::MAX);
                    out.runs.push((run.font().clone(), run.font_size()));
                    for g in gr.positioned_glyphs() {
                        out.glyphs.push(PlacedGlyph {
                            run: r,
                            id: g.id,
                            x: g.x,
                            y: g.y + p.y,
                        });
                    }
                }
            }
        }
        out.glyphs.len()
    }

    /// The laid-out parley layout of paragraph `i` and its top y, if laid out.
    #[must_use]
    pub fn paragraph_layout(&self, i: usize) -> Option<(&Layout<()>, f32)> {
        self.paras
            .get(i)
            .and_then(|p| p.layout.as_ref().map(|l| (l, p.y)))
    }
}

mod ligature;
#[cfg(test)]
mod tests;
