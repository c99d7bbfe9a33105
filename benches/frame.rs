//! CPU cost of one frame of the document view, scrolled to the middle of a ~1 MB Arabic
//! document with 20,000 spans, headless (a bare `egui::Context`, no renderer).
//!
//! What is timed: `ViewStats::paint_cpu`, i.e. only the view's paint code for the frame
//! (visible span highlights with nesting, selection, glyph quads from the atlas, label tags),
//! not egui's tessellation nor layout (the document is fully laid out first). A second
//! benchmark times the whole `DocumentView::show` inside `Context::run_ui` for reference.
//! A third times a whole frame right after a width change (re-wrap, new highlight
//! rectangles). Budget: frame CPU < 2 ms. The curation group times the same frame in curation
//! mode: five annotators' layers (each the 20,000 spans with its own differences) in lanes
//! under the text, with their disagreements outlined.

use criterion::{Criterion, criterion_group, criterion_main};
use std::time::{Duration, Instant};
use tawsim::domain::{IndexedText, LabelSet, Span};
use tawsim::layout::Direction;
use tawsim::ui::document_view::{DocumentView, Lane, ViewModel};

const SEED: &str = include_str!("../assets/samples/libya-ceasefire-ar.txt");

struct Setup {
    ctx: egui::Context,
    view: DocumentView,
    text: IndexedText,
    spans: Vec<Span>,
    labels: LabelSet,
    frame: u64,
    width: f32,
    /// Curation: each annotator's spans (none: not curating), and their disagreements.
    lanes: Vec<Vec<Span>>,
    disagreements: Vec<(usize, usize)>,
}

impl Setup {
    fn new() -> Self {
        let mut t = String::new();
        while t.len() < 1_000_000 {
            t.push_str(SEED);
            t.push('\n');
        }
        let text = IndexedText::new(t);
        let labels = LabelSet::arabic_news();
        let ids: Vec<_> = labels.iter().map(|l| l.id).collect();
        let n = text.len_chars();
        let step = n / 20_000;
        let spans: Vec<Span> = (0..20_000)
            .map(|i| Span {
                start: i * step,
                end: i * step + 3 + i % 9,
                label: ids[i % ids.len()],
            })
            .collect();
        let ctx = egui::Context::default();
        tawsim::fonts::install(&ctx);
        let mut s = Setup {
            ctx,
            view: DocumentView::new(),
            text,
            spans,
            labels,
            frame: 0,
            width: 1200.0,
            lanes: Vec::new(),
            disagreements: Vec::new(),
        };
        s.view.scroll_to(n / 2);
        // Let background layout finish so frames measure painting only; meanwhile, report
        // the frames spent while worker threads shape the document (after the first two:
        // the document's split and first screen, budgeted separately).
        let mut during = Vec::new();
        for _ in 0..20_000 {
            let t = Instant::now();
            s.run();
            if s.frame > 2 {
                during.push(t.elapsed());
            }
            if s.view.stats().pending_paragraphs == 0 && s.frame > 5 {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        during.sort();
        if let (Some(max), false) = (during.last(), during.is_empty()) {
            eprintln!(
                "frames while laying out in the background: {}, median {:?}, 95th pct {:?}, max {:?}",
                during.len(),
                during[during.len() / 2],
                during[during.len() * 95 / 100],
                max
            );
        }
        s
    }

    fn run(&mut self) {
        self.frame += 1;
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(self.width, 900.0),
            )),
            time: Some(self.frame as f64 / 60.0),
            ..Default::default()
        };
        let Setup {
            ctx,
            view,
            text,
            spans,
            labels,
            lanes,
            disagreements,
            ..
        } = self;
        let names = ["amina", "bilal", "chadi", "dalia", "emad"];
        let lanes: Vec<Lane<'_>> = lanes
            .iter()
            .enumerate()
            .map(|(k, v)| Lane {
                name: names[k % names.len()],
                color: tawsim::ui::curation_panel::lane_color(k),
                spans: v,
            })
            .collect();
        let _ = ctx.run_ui(input, |ui| {
            egui::CentralPanel::default().show(ui, |ui| {
                let model = ViewModel {
                    doc_key: 7,
                    text,
                    spans,
                    labels,
                    selected_span: spans.get(10_000).copied(),
                    search_hits: &[],
                    direction: Direction::Auto,
                    show_marks: false,
                    font_size: 20.0,
                    lanes: &lanes,
                    disagreements,
                    current_region: disagreements.get(500).copied(),
                    suggestions: &[],
                    relations: &[],
                    selected_relation: None,
                    linking: None,
                };
                let _ = view.show(ui, &model);
            });
        });
    }
}

/// The view's paint CPU and the whole egui frame, the view scrolled still.
fn steady_frames(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    s: &mut Setup,
) {
    g.sample_size(10)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_millis(500));
    g.bench_function("view_paint_cpu", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                s.run();
                total += s.view.stats().paint_cpu;
            }
            total
        });
    });
    g.bench_function("whole_egui_frame", |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            for _ in 0..iters {
                s.run();
            }
            t.elapsed()
        });
    });
}

fn bench(c: &mut Criterion) {
    let mut s = Setup::new();
    let st = s.view.stats();
    eprintln!(
        "frame setup: {} glyph quads, {} atlas glyphs, {} pending paragraphs",
        st.glyph_quads, st.atlas_glyphs, st.pending_paragraphs
    );
    let mut g = c.benchmark_group("frame_1mb_20k_spans");
    steady_frames(&mut g, &mut s);
    // A layout change: the window narrows or widens by a few points, so the visible
    // paragraphs re-wrap and every highlight rectangle on screen is recomputed.
    g.bench_function("first_frame_after_width_change", |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            for _ in 0..iters {
                s.width = if s.width == 1200.0 { 1180.0 } else { 1200.0 };
                s.run();
            }
            t.elapsed()
        });
    });
    g.finish();
    let (mut lay, mut paint, n) = (Duration::ZERO, Duration::ZERO, 200u32);
    for _ in 0..n {
        s.width = if s.width == 1200.0 { 1180.0 } else { 1200.0 };
        s.run();
        lay += s.view.stats().layout_cpu;
        paint += s.view.stats().paint_cpu;
    }
    eprintln!(
        "after a width change: view layout {:?} + view paint {:?} per frame",
        lay / n,
        paint / n
    );
}

/// Five annotators: each keeps the 20,000 spans but drops every (k+3)-th, relabels every
/// (k+5)-th and moves the end of every (k+7)-th by one.
fn curating(s: &mut Setup) {
    let ids: Vec<_> = s.labels.iter().map(|l| l.id).collect();
    s.lanes = (0..5)
        .map(|k| {
            s.spans
                .iter()
                .enumerate()
                .filter(|(i, _)| i % (k + 3) != 0)
                .map(|(i, sp)| {
                    let mut sp = *sp;
                    if i % (k + 5) == 0 {
                        sp.label = ids[(i + k) % ids.len()];
                    }
                    if i % (k + 7) == 0 {
                        sp.end += 1;
                    }
                    sp
                })
                .collect()
        })
        .collect();
    let slices: Vec<&[Span]> = s.lanes.iter().map(Vec::as_slice).collect();
    s.disagreements = tawsim::curation::regions(&slices)
        .iter()
        .filter(|r| !r.agreed())
        .map(|r| (r.start, r.end))
        .collect();
    // Lay out again with the lanes' room, to the end, before timing.
    for _ in 0..20_000 {
        s.run();
        if s.view.stats().pending_paragraphs == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn bench_curation(c: &mut Criterion) {
    let mut s = Setup::new();
    curating(&mut s);
    eprintln!(
        "curation setup: 5 lanes, {} disagreements, {} lane bars painted",
        s.disagreements.len(),
        s.view.painted_lanes().len()
    );
    let mut g = c.benchmark_group("frame_1mb_curation_5_annotators");
    steady_frames(&mut g, &mut s);
    g.finish();
}

criterion_group!(benches, bench, bench_curation);
criterion_main!(benches);
