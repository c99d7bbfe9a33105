//! Layout of a ~1 MB Arabic document (the seed article repeated as paragraphs).
//! Budgets: first screen < 50 ms, full layout < 300 ms (with shaping on one worker thread
//! per core, as the app does; the one-thread figure is for reference).

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;
use tawsim::domain::IndexedText;
use tawsim::layout::{Direction, DocumentLayout, Fonts, LayoutStyle};

const SEED: &str = include_str!("../assets/samples/libya-ceasefire-ar.txt");

fn megabyte() -> IndexedText {
    let mut t = String::new();
    while t.len() < 1_000_000 {
        t.push_str(SEED);
        t.push('\n');
    }
    IndexedText::new(t)
}

fn style(width: f32) -> LayoutStyle {
    LayoutStyle {
        font_size: 20.0,
        line_height: 1.9,
        direction: Direction::Auto,
        width,
        paragraph_gap: 6.0,
    }
}

fn bench(c: &mut Criterion) {
    let text = megabyte();
    let mut fonts = Fonts::new();
    let mut g = c.benchmark_group("layout_1mb");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_millis(500));
    g.bench_function("new_and_first_screen", |b| {
        b.iter(|| {
            let mut doc = DocumentLayout::new(text.clone(), style(800.0));
            doc.ensure_range(&mut fonts, 0.0, 900.0);
            black_box(doc.height())
        });
    });
    g.bench_function("first_screen_mid_document", |b| {
        b.iter(|| {
            let mut doc = DocumentLayout::new(text.clone(), style(800.0));
            let mid = doc.height() / 2.0;
            doc.ensure_range(&mut fonts, mid, mid + 900.0);
            black_box(doc.height())
        });
    });
    g.bench_function("full_one_thread", |b| {
        b.iter(|| {
            let mut doc = DocumentLayout::new(text.clone(), style(800.0));
            doc.layout_all(&mut fonts);
            black_box(doc.height())
        });
    });
    // What the app does: shaping on one worker per core, this thread installing results.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    g.bench_function("full_background_workers", |b| {
        b.iter(|| {
            let mut doc = DocumentLayout::new(text.clone(), style(800.0));
            doc.layout_all_parallel(&mut fonts, cores);
            black_box(doc.height())
        });
    });
    let mut doc = DocumentLayout::new(text.clone(), style(800.0));
    doc.layout_all(&mut fonts);
    let mut w = 800.0;
    g.bench_function("rewrap_visible_after_width_change", |b| {
        b.iter(|| {
            w = if w == 800.0 { 640.0 } else { 800.0 };
            doc.set_style(style(w));
            doc.ensure_range(&mut fonts, 0.0, 900.0);
            black_box(doc.pending())
        });
    });
    g.bench_function("rewrap_full_after_width_change", |b| {
        b.iter(|| {
            w = if w == 800.0 { 640.0 } else { 800.0 };
            doc.set_style(style(w));
            doc.layout_all(&mut fonts);
            black_box(doc.height())
        });
    });
    let mid = doc.height() / 2.0;
    g.bench_function("hit_test_mid_document", |b| {
        let mut x = 10.0;
        b.iter(|| {
            x = (x + 37.0) % 780.0;
            black_box(doc.hit_test(x, mid + x * 0.1))
        });
    });
    let start = doc.hit_test(400.0, mid);
    g.bench_function("range_rects_mid_document_200_chars", |b| {
        b.iter(|| {
            let mut n = 0;
            doc.range_rects(start, start + 200, |_| n += 1);
            black_box(n)
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
