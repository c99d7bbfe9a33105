//! Ligatures drawn as one shape over several letters, such as لا (lam-alef).
//!
//! Noto Naskh Arabic shapes لا as a lam glyph carrying the whole advance and an alef glyph
//! of zero advance drawn over it, so parley's cluster geometry gives the lam the whole
//! shape and the alef nothing: a range holding only the lam painted the whole ligature, and
//! one holding only the alef painted nothing. Here such a group (a cluster with an advance
//! followed, in logical order, by zero-advance letter clusters) shares its advance evenly
//! among its letters, the first letter on the run's leading side, so a range's rectangles,
//! carets and hit tests inside the shape match the stored offsets.

use parley::{Layout, PositionedLayoutItem};
use std::ops::Range;

/// One grapheme cluster of a line, in visual order, with its share of the advance.
#[derive(Debug, Clone)]
pub(super) struct Cell {
    /// Paragraph-local byte range.
    pub range: Range<usize>,
    pub x0: f32,
    pub x1: f32,
    pub rtl: bool,
    /// The ligature group the cell belongs to (its advance was shared out), and whether it
    /// is the group's first letter.
    pub group: Option<(usize, bool)>,
}

impl Cell {
    /// The caret position nearest to `x` inside this cell (its start or its end).
    pub fn nearest_boundary(&self, x: f32) -> usize {
        let leading_half = if self.rtl {
            x >= (self.x0 + self.x1) * 0.5
        } else {
            x < (self.x0 + self.x1) * 0.5
        };
        if leading_half {
            self.range.start
        } else {
            self.range.end
        }
    }

    /// The x of the caret before this cell (on the run's leading side).
    pub fn leading_x(&self) -> f32 {
        if self.rtl { self.x1 } else { self.x0 }
    }
}

/// The cells of line `line` of `layout` (over paragraph text `text`), in visual order.
pub(super) fn line_cells(layout: &Layout<()>, line: usize, text: &str) -> Vec<Cell> {
    let mut cells = Vec::new();
    let Some(line) = layout.get(line) else {
        return cells;
    };
    let mut groups = 0;
    for item in line.items() {
        match item {
            PositionedLayoutItem::GlyphRun(gr) => {
                let run = gr.run();
                let rtl = run.is_rtl();
                // Logical order, to find the groups.
                let mut logical: Vec<(Range<usize>, f32)> = run
                    .visual_clusters()
                    .map(|c| (c.text_range(), c.advance()))
                    .collect();
                if rtl {
                    logical.reverse();
                }
                let mut group: Vec<Option<(usize, bool)>> = vec![None; logical.len()];
                let mut i = 0;
                while i < logical.len() {
                    let mut j = i + 1;
                    if logical[i].1 > 0.0 {
                        while j < logical.len()
                            && logical[j].1 == 0.0
                            && text
                                .get(logical[j].0.clone())
                                .and_then(|s| s.chars().next())
                                .is_some_and(char::is_alphabetic)
                        {
                            j += 1;
                        }
                    }
                    if j > i + 1 {
                        let share = logical[i].1 / (j - i) as f32;
                        for (n, (cell, g)) in
                            logical[i..j].iter_mut().zip(&mut group[i..j]).enumerate()
                        {
                            cell.1 = share;
                            *g = Some((groups, n == 0));
                        }
                        groups += 1;
                    }
                    i = j;
                }
                let mut order: Vec<usize> = (0..logical.len()).collect();
                if rtl {
                    order.reverse();
                }
                let mut cx = gr.offset();
                for k in order {
                    let (range, adv) = logical[k].clone();
                    cells.push(Cell {
                        range,
                        x0: cx,
                        x1: cx + adv,
                        rtl,
                        group: group[k],
                    });
                    cx += adv;
                }
            }
            PositionedLayoutItem::InlineBox(_) => {}
        }
    }
    cells
}

/// The cell that starts at byte `b` when `b` falls strictly inside a ligature group (between
/// two of its letters).
pub(super) fn inside_group(cells: &[Cell], b: usize) -> Option<&Cell> {
    cells
        .iter()
        .find(|c| c.range.start == b && matches!(c.group, Some((_, false))))
}
