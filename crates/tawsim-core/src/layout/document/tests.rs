use super::*;
use crate::layout::Fonts;
use parley::PositionedLayoutItem;

const SEED: &str = include_str!("../../../../../assets/samples/libya-ceasefire-ar.txt");

fn style(width: f32) -> LayoutStyle {
    LayoutStyle {
        font_size: 20.0,
        line_height: 1.75,
        direction: Direction::Auto,
        width,
        paragraph_gap: 6.0,
    }
}

fn seed_doc(width: f32) -> (DocumentLayout, Fonts) {
    let mut fonts = Fonts::new();
    let mut doc = DocumentLayout::new(IndexedText::new(SEED), style(width));
    doc.layout_all(&mut fonts);
    (doc, fonts)
}

/// Code point range of the first occurrence of `needle` (after byte `from`).
fn find(text: &IndexedText, needle: &str, from: usize) -> (usize, usize) {
    let b = text.as_str()[from..].find(needle).map(|b| b + from);
    let s = b.and_then(|b| text.byte_to_char(b));
    let s = s.unwrap_or_else(|| panic!("{needle} not in text"));
    (s, s + needle.chars().count())
}

/// Horizontal extents (document coordinates) of the glyph clusters of `[s, e)`, with the
/// baseline y of their line, read from the glyph runs independently of `range_rects`.
fn cluster_extents(doc: &DocumentLayout, s: usize, e: usize) -> Vec<(f32, f32, f32)> {
    let para = doc.paragraph_of(s);
    let (layout, py) = doc.paragraph_layout(para).expect("laid out");
    let (b0, b1) = (doc.local_byte(para, s), doc.local_byte(para, e));
    let mut out = Vec::new();
    for line in layout.lines() {
        for item in line.items() {
            let PositionedLayoutItem::GlyphRun(gr) = item else {
                continue;
            };
            let mut x = gr.offset();
            for cluster in gr.run().visual_clusters() {
                let r = cluster.text_range();
                if r.start >= b0 && r.start < b1 && cluster.advance() > 0.0 {
                    out.push((x, x + cluster.advance(), gr.baseline() + py));
                }
                x += cluster.advance();
            }
        }
    }
    out
}

#[test]
fn words_geometry_matches_glyphs_and_hit_tests_back() {
    let (doc, _f) = seed_doc(600.0);
    let text = doc.text().clone();
    for needle in ["بنغازي", "الأمم المتحدة", "5+5", "2020", "خليفة حفتر"]
    {
        let (s, e) = find(&text, needle, 0);
        let rects = doc.range_rect_vec(s, e);
        assert!(!rects.is_empty(), "{needle}: no geometry");
        let ext = cluster_extents(&doc, s, e);
        assert!(!ext.is_empty(), "{needle}: no glyph clusters");
        for (x0, x1, base) in ext {
            assert!(
                rects
                    .iter()
                    .any(|r| r.x0 - 0.5 <= x0 && x1 <= r.x1 + 0.5 && r.y0 < base && base < r.y1),
                "{needle}: glyph cluster {x0}..{x1} @ {base} outside {rects:?}"
            );
        }
        for r in &rects {
            assert!(r.width() > 0.0 && r.height() > 0.0);
            let (cx, cy) = r.center();
            let h = doc.hit_test(cx, cy);
            assert!(s < h && h < e, "{needle}: hit {h} not inside {s}..{e}");
            let c = doc.char_at(cx, cy).expect("a char under the centre");
            assert!(s <= c && c < e, "{needle}: char {c} not in {s}..{e}");
        }
    }
}

#[test]
fn digits_and_latin_run_left_to_right_inside_arabic() {
    let mut fonts = Fonts::new();
    let t =
        IndexedText::new("وقالت بعثة الأمم المتحدة (UNSMIL) إن الجولة ستعقد في Geneva عام 2020.");
    let mut doc = DocumentLayout::new(t.clone(), style(900.0));
    doc.layout_all(&mut fonts);
    assert_eq!(doc.paragraph_direction(0), Direction::Rtl);
    for needle in ["UNSMIL", "Geneva", "2020"] {
        let (s, e) = find(&t, needle, 0);
        let xs: Vec<f32> = (s + 1..e)
            .map(|p| doc.caret_rect(p).expect("caret").x0)
            .collect();
        assert!(
            xs.windows(2).all(|w| w[0] < w[1]),
            "{needle} not LTR: {xs:?}"
        );
    }
    // ... while Arabic goes right to left.
    let (s, e) = find(&t, "بعثة", 0);
    let xs: Vec<f32> = (s + 1..e)
        .map(|p| doc.caret_rect(p).expect("caret").x0)
        .collect();
    assert!(xs.windows(2).all(|w| w[0] > w[1]), "Arabic not RTL: {xs:?}");
}

#[test]
fn range_across_a_direction_change_is_several_rects() {
    let (doc, _f) = seed_doc(900.0);
    let text = doc.text().clone();
    let (s, _) = find(&text, "أكتوبر 2020", 0);
    let n = "أكتوبر 20".chars().count();
    let rects = doc.range_rect_vec(s, s + n);
    assert!(rects.len() >= 2, "أكتوبر + 20 gave {rects:?}");
    // The two pieces are on the same line and do not touch: "20" sits at the left end of
    // the number, separated from أكتوبر by the other "20".
    assert!((rects[0].y0 - rects[1].y0).abs() < 0.01);
    let (s2, e2) = find(&text, "2020 وقّع", 0);
    let rects = doc.range_rect_vec(s2 + 2, e2);
    assert!(rects.len() >= 2, "20 + وقّع gave {rects:?}");
}

#[test]
fn range_inside_a_joined_word_hit_tests_back_to_itself() {
    let (doc, _f) = seed_doc(600.0);
    let text = doc.text().clone();
    for (word, inner_from) in [("بجنيف", 1usize), ("بينوفرنسا", 3)] {
        let (ws, we) = find(&text, word, 0);
        let (s, e) = (ws + inner_from, we);
        let rects = doc.range_rect_vec(s, e);
        assert_eq!(rects.len(), 1, "{word}: {rects:?}");
        let r = rects[0];
        let whole = doc.range_rect_vec(ws, we)[0];
        assert!(
            r.width() < whole.width() - 1.0,
            "the inner part is narrower than {word}"
        );
        let cy = r.center().1;
        // RTL: the logical start is the right edge, the end the left edge.
        assert_eq!(doc.hit_test(r.x1 - 0.5, cy), s, "{word}: right edge");
        assert_eq!(doc.hit_test(r.x0 + 0.5, cy), e, "{word}: left edge");
        assert!((r.x1 - whole.x1).abs() > 1.0, "{word}: prefix has width");
        assert!((r.x0 - whole.x0).abs() < 0.5, "{word}: same left end");
    }
}

#[test]
fn rtl_paragraphs_are_right_aligned_and_ltr_first_left_aligned() {
    let (doc, _f) = seed_doc(600.0);
    let r = doc.range_rect_vec(doc.paragraph_range(0).start, doc.paragraph_range(0).end);
    let right = r.iter().map(|r| r.x1).fold(f32::MIN, f32::max);
    let left = r.iter().map(|r| r.x0).fold(f32::MAX, f32::min);
    assert!((right - 600.0).abs() < 1.0, "title right edge {right}");
    assert!(
        left > 50.0,
        "the title is one short line, starting at the right: {left}"
    );

    let mut fonts = Fonts::new();
    let t = IndexedText::new("UNSMIL said in Geneva في ليبيا\n2020 في ليبيا\nليبيا Geneva");
    let mut doc = DocumentLayout::new(t, style(600.0));
    doc.layout_all(&mut fonts);
    assert_eq!(doc.paragraph_direction(0), Direction::Ltr);
    assert_eq!(doc.paragraph_direction(1), Direction::Rtl);
    assert_eq!(doc.paragraph_direction(2), Direction::Rtl);
    let r0 = doc.range_rect_vec(doc.paragraph_range(0).start, doc.paragraph_range(0).end);
    assert!(
        r0.iter().map(|r| r.x0).fold(f32::MAX, f32::min) < 1.0,
        "LTR left aligned: {r0:?}"
    );
    for p in [1, 2] {
        let r = doc.range_rect_vec(doc.paragraph_range(p).start, doc.paragraph_range(p).end);
        assert!(
            r.iter().map(|r| r.x1).fold(f32::MIN, f32::max) > 599.0,
            "RTL right aligned: {r:?}"
        );
    }
    // The per-document override wins over the first strong character.
    let mut st = style(600.0);
    st.direction = Direction::Rtl;
    doc.set_style(st);
    assert_eq!(doc.paragraph_direction(0), Direction::Rtl);
}

#[test]
fn wrapped_lines_go_top_to_bottom_in_logical_order() {
    let (doc, _f) = seed_doc(300.0);
    let text = doc.text().clone();
    let (s, _) = find(&text, "بعد ترأسه", 0);
    let p = doc.paragraph_of(s);
    let range = doc.paragraph_range(p);
    let (layout, _) = doc.paragraph_layout(p).expect("laid out");
    assert!(
        layout.len() >= 4,
        "paragraph wraps at 300pt: {} lines",
        layout.len()
    );
    let mut last_y = f32::MIN;
    for pos in (range.start..range.end).step_by(7) {
        let y = doc.caret_rect(pos).expect("caret").y0;
        assert!(y >= last_y - 0.01, "position {pos} goes up: {y} < {last_y}");
        last_y = y;
    }
    // And each line is right-aligned (RTL), the first starting at the right edge.
    let first = doc.range_rect_vec(range.start, range.start + 3);
    assert!(first[0].x1 > 299.0);
}

#[test]
fn right_arrow_in_rtl_goes_logically_back_and_left_forward() {
    let (doc, _f) = seed_doc(600.0);
    let text = doc.text().clone();
    let (s, _) = find(&text, "بنغازي", 0);
    assert_eq!(doc.move_visual(s + 3, Motion::Right), s + 2);
    assert_eq!(doc.move_visual(s + 3, Motion::Left), s + 4);
    let (d, _) = find(&text, "2020", 0);
    assert_eq!(
        doc.move_visual(d + 2, Motion::Right),
        d + 3,
        "LTR digits inside RTL"
    );
    // Up/Down change line, Home/End stay on the line.
    let (s, _) = find(&text, "بعد ترأسه", 0);
    let down = doc.move_visual(s + 5, Motion::Down);
    assert!(doc.caret_rect(down).expect("caret").y0 > doc.caret_rect(s + 5).expect("caret").y0);
    assert_eq!(
        doc.move_visual(down, Motion::Up),
        doc.hit_test(
            doc.caret_rect(down).expect("c").x0,
            doc.caret_rect(s + 5).expect("c").center().1
        )
    );
    assert_eq!(doc.move_visual(s + 5, Motion::LineStart), s);
}

fn megabyte() -> String {
    let mut out = String::new();
    while out.len() < 1_000_000 {
        out.push_str(SEED);
        out.push('\n');
    }
    out
}

#[test]
fn lazy_layout_lays_out_only_what_is_visible() {
    let text = IndexedText::new(megabyte());
    let mut fonts = Fonts::new();
    let mut doc = DocumentLayout::new(text, style(700.0));
    let total = doc.pending();
    assert!(total > 1000, "{total} paragraphs pending");
    assert!(
        (0..doc.paragraph_count()).all(|i| doc.paragraph_layout(i).is_none()),
        "nothing laid out by new"
    );
    assert!(
        doc.height() > 100_000.0,
        "estimated height {}",
        doc.height()
    );
    doc.ensure_range(&mut fonts, 0.0, 800.0);
    let laid = total - doc.pending();
    assert!(laid > 0 && laid < 30, "{laid} laid out for one screen");
    for i in doc.paragraphs_in(0.0, 800.0) {
        assert!(doc.is_laid_out(i));
    }
    // The middle of the document, then a re-wrap after a width change: visible first.
    let mid = doc.height() / 2.0;
    doc.ensure_range(&mut fonts, mid, mid + 800.0);
    for i in doc.paragraphs_in(mid, mid + 800.0) {
        assert!(doc.is_laid_out(i));
    }
    let mut st = *doc.style();
    st.width = 500.0;
    doc.set_style(st);
    assert_eq!(
        doc.pending(),
        total,
        "every laid-out paragraph needs re-wrapping"
    );
    doc.ensure_range(&mut fonts, 0.0, 800.0);
    assert!(total - doc.pending() < 30);
    for i in doc.paragraphs_in(0.0, 800.0) {
        assert!(doc.is_laid_out(i));
    }
}

#[test]
fn background_layout_converges_to_the_full_height() {
    let text: String = [SEED; 6].join("\n");
    let mut fonts = Fonts::new();
    let mut doc = DocumentLayout::new(IndexedText::new(text.clone()), style(500.0));
    doc.ensure_range(&mut fonts, 0.0, 600.0);
    let mut rounds = 0;
    while doc.layout_more(&mut fonts, Duration::from_millis(2)) > 0 {
        rounds += 1;
        assert!(rounds < 10_000);
    }
    let mut full = DocumentLayout::new(IndexedText::new(text), style(500.0));
    full.layout_all(&mut fonts);
    assert_eq!(full.pending(), 0);
    assert!(
        (doc.height() - full.height()).abs() < 0.01,
        "{} vs {}",
        doc.height(),
        full.height()
    );
}

#[test]
fn paragraph_offsets_are_global_code_points() {
    let (doc, _f) = seed_doc(600.0);
    let text = doc.text().clone();
    // Last paragraph, deep in the text: hit-testing its first word returns global offsets.
    let last = doc.paragraph_count() - 1;
    let range = doc.paragraph_range(last);
    assert!(range.start > 1000);
    let r = doc.range_rect_vec(range.start, range.start + 1)[0];
    let h = doc.hit_test(r.x1 - 0.3, r.center().1);
    assert_eq!(h, range.start);
    assert_eq!(
        text.slice(range.start, range.end),
        Some(doc.paragraph_text(last))
    );
}

/// Every paragraph's box and the positions of a few words, for comparing two layouts.
fn geometry(doc: &DocumentLayout) -> Vec<(f32, f32)> {
    (0..doc.paragraph_count())
        .map(|i| doc.paragraph_box(i))
        .collect()
}

fn assert_same_geometry(a: &DocumentLayout, b: &DocumentLayout) {
    assert_eq!(a.pending(), 0);
    assert_eq!(b.pending(), 0);
    assert_eq!(geometry(a), geometry(b));
    assert_eq!(a.height(), b.height());
    let text = a.text().clone();
    let mut from = 0;
    for word in ["بنغازي", "جنيف", "وفرنسا"] {
        let (s, e) = find(&text, word, from);
        assert_eq!(a.range_rect_vec(s, e), b.range_rect_vec(s, e), "{word}");
        let r = a.range_rect_vec(s, e)[0];
        let (x, y) = r.center();
        assert_eq!(a.hit_test(x, y), b.hit_test(x, y));
        from = text.char_to_byte(e).unwrap_or(0);
    }
}

#[test]
fn worker_threads_lay_out_exactly_what_one_thread_does() {
    let text = IndexedText::new([SEED; 12].join("\n"));
    let mut fonts = Fonts::new();
    let mut one = DocumentLayout::new(text.clone(), style(520.0));
    one.layout_all(&mut fonts);
    let mut many = DocumentLayout::new(text, style(520.0));
    assert!(many.unshaped() > 50);
    many.layout_all_parallel(&mut fonts, 3);
    assert_eq!(many.unshaped(), 0);
    assert_same_geometry(&one, &many);
}

#[test]
fn background_results_are_rewrapped_after_a_width_change_and_dropped_after_a_reshape() {
    let text = IndexedText::new([SEED; 6].join("\n"));
    let mut fonts = Fonts::new();
    let wait = |doc: &mut DocumentLayout, job: &mut BackgroundShaping| {
        let mut got = 0;
        while let Some(s) = job.next_blocking() {
            got += usize::from(doc.install(s));
        }
        got
    };

    // Shaped at 600, installed after the column became 450: re-wrapped at 450.
    let mut doc = DocumentLayout::new(text.clone(), style(600.0));
    let mut job = doc.start_background(2);
    assert!(doc.is_current_job(&job));
    doc.set_style(style(450.0));
    assert!(doc.is_current_job(&job), "a width change keeps the shaping");
    let n = job.total();
    assert_eq!(wait(&mut doc, &mut job), n);
    assert!(job.is_finished());
    assert_eq!(doc.unshaped(), 0);
    doc.layout_all(&mut fonts);
    let mut fresh = DocumentLayout::new(text.clone(), style(450.0));
    fresh.layout_all(&mut fonts);
    assert_same_geometry(&fresh, &doc);

    // A font size change makes the job stale: absorb installs nothing from it.
    let mut doc = DocumentLayout::new(text.clone(), style(600.0));
    let mut job = doc.start_background(2);
    let bigger = LayoutStyle {
        font_size: 26.0,
        ..style(600.0)
    };
    doc.set_style(bigger);
    assert!(!doc.is_current_job(&job));
    while !job.is_finished() {
        assert_eq!(doc.absorb(&mut job, Duration::from_secs(1)), 0);
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(doc.unshaped(), doc.shapeable());
    doc.layout_all(&mut fonts);
    let mut fresh = DocumentLayout::new(text, bigger);
    fresh.layout_all(&mut fonts);
    assert_same_geometry(&fresh, &doc);
}

#[test]
fn dropping_a_background_job_stops_its_workers_early() {
    let text = IndexedText::new([SEED; 40].join("\n"));
    let doc = DocumentLayout::new(text, style(600.0));
    let mut job = doc.start_background(2);
    let total = job.total();
    // Take one result, then cancel as the view does when the document changes.
    assert!(job.next_blocking().is_some());
    job.cancel();
    let mut more = 0;
    while job.next_blocking().is_some() {
        more += 1;
    }
    assert!(job.is_finished());
    // The workers stop after the paragraph each was on (plus whatever was already queued).
    assert!(
        more + 1 < total / 2,
        "{more} of {total} shaped after cancelling"
    );
}

#[test]
fn range_key_holds_while_other_paragraphs_move_it_and_changes_on_rewrap() {
    let text = IndexedText::new([SEED; 4].join("\n"));
    let mut fonts = Fonts::new();
    let mut doc = DocumentLayout::new(text.clone(), style(600.0));
    let last = doc.paragraph_count() - 1;
    let range = doc.paragraph_range(last);
    let (s, e) = (range.start + 3, range.start + 40);
    doc.ensure_paragraph(&mut fonts, last);
    let (para, key) = doc.range_key(s, e);
    assert_eq!(para, last);
    let rel = doc.range_rects_from(para, s, e);
    let y_before = doc.paragraph_box(para).0;

    // Laying out everything above replaces estimates: the paragraph moves, its key stays,
    // and the relative rectangles placed at the new top are the absolute ones.
    doc.layout_all(&mut fonts);
    let y_after = doc.paragraph_box(para).0;
    assert!((y_after - y_before).abs() > 1.0, "estimates were replaced");
    assert_eq!(doc.range_key(s, e), (para, key));
    let placed: Vec<Rect> = rel
        .iter()
        .map(|r| Rect::new(r.x0, r.y0 + y_after, r.x1, r.y1 + y_after))
        .collect();
    assert_eq!(placed, doc.range_rect_vec(s, e));

    // A re-wrap at another width changes the key; a range over two paragraphs has a key
    // that changes with either.
    doc.set_style(style(480.0));
    doc.layout_all(&mut fonts);
    assert_ne!(doc.range_key(s, e).1, key);
    let i = (0..last)
        .find(|&i| !doc.paragraph_range(i).is_empty() && !doc.paragraph_range(i + 1).is_empty())
        .expect("two paragraphs in a row");
    let across = (
        doc.paragraph_range(i).end - 2,
        doc.paragraph_range(i + 1).start + 2,
    );
    let k0 = doc.range_key(across.0, across.1);
    assert_eq!(k0.0, i);
    doc.set_style(style(600.0));
    doc.ensure_paragraph(&mut fonts, i + 1);
    assert_ne!(doc.range_key(across.0, across.1), k0);
}

#[test]
fn a_range_over_half_of_the_lam_alef_ligature_paints_only_that_half() {
    let mut fonts = Fonts::new();
    let text = IndexedText::new("وقّع الطرفان على الاتفاق أمس");
    let mut doc = DocumentLayout::new(text.clone(), style(600.0));
    doc.layout_all(&mut fonts);
    let (ws, we) = find(&text, "الاتفاق", 0);
    // ا ل ا ت ف ا ق: the lam (ws + 1) and the alef after it (ws + 2) are drawn as one shape.
    let (lam, alef) = (ws + 1, ws + 2);
    let one = |s: usize, e: usize| {
        let v = doc.range_rect_vec(s, e);
        assert_eq!(v.len(), 1, "[{s}, {e}): {v:?}");
        v[0]
    };
    let whole = one(lam, alef + 1);
    let only_lam = one(lam, alef);
    let only_alef = one(alef, alef + 1);
    assert!(whole.width() > 4.0, "{whole:?}");
    assert!(
        only_lam.width() > 1.0 && only_lam.width() < whole.width() - 1.0,
        "lam {only_lam:?} of {whole:?}"
    );
    assert!(
        only_alef.width() > 1.0,
        "alef alone paints something: {only_alef:?}"
    );
    // RTL: the lam on the right, the alef on the left, together the whole shape.
    assert!((only_lam.x1 - whole.x1).abs() < 0.01 && (only_alef.x0 - whole.x0).abs() < 0.01);
    assert!(
        (only_lam.x0 - only_alef.x1).abs() < 0.01,
        "{only_lam:?} {only_alef:?}"
    );
    // A range from inside the shape to the end of the word starts at the split.
    let tail = one(alef, we);
    assert!((tail.x1 - only_alef.x1).abs() < 0.01, "{tail:?}");
    // The caret between the two letters is at the split; clicks and drags agree with it.
    let caret = doc.caret_rect(alef).expect("caret");
    assert!((caret.x0 - only_lam.x0).abs() < 0.01, "{caret:?}");
    let cy = whole.center().1;
    let q = whole.width() / 4.0;
    assert_eq!(doc.hit_test(whole.x1 - q * 0.5, cy), lam);
    assert_eq!(doc.hit_test(whole.x1 - q * 1.5, cy), alef);
    assert_eq!(doc.hit_test(whole.x0 + q * 1.5, cy), alef);
    assert_eq!(doc.hit_test(whole.x0 + q * 0.5, cy), alef + 1);
    assert_eq!(doc.char_at(only_lam.center().0, cy), Some(lam));
    assert_eq!(doc.char_at(only_alef.center().0, cy), Some(alef));
}

#[test]
fn shared_out_cells_give_parleys_rectangles_wherever_no_ligature_is_cut() {
    let (doc, _f) = seed_doc(300.0);
    let text = doc.text().as_str().to_string();
    let mut checked = 0;
    let mut at = 0usize;
    let starts: Vec<usize> = text
        .char_indices()
        .filter(|(_, c)| *c == ' ')
        .filter_map(|(b, _)| doc.text().byte_to_char(b + 1))
        .collect();
    for w in starts.windows(3) {
        let (s, e) = (w[0], w[2] + 3);
        at += 1;
        let para = doc.paragraph_of(s);
        if doc.paragraph_of(e) != para || !at.is_multiple_of(3) {
            continue;
        }
        let (b0, b1) = (doc.local_byte(para, s), doc.local_byte(para, e));
        let mut mine = Vec::new();
        doc.split_range_rects(para, b0, b1, &mut |r| mine.push(r));
        let theirs = doc.range_rect_vec(s, e);
        assert_eq!(
            mine.len(),
            theirs.len(),
            "[{s}, {e}): {mine:?} vs {theirs:?}"
        );
        for (a, b) in mine.iter().zip(&theirs) {
            assert!(
                (a.x0 - b.x0).abs() < 0.01
                    && (a.x1 - b.x1).abs() < 0.01
                    && (a.y0 - b.y0).abs() < 0.01
                    && (a.y1 - b.y1).abs() < 0.01,
                "[{s}, {e}): {a:?} vs {b:?}"
            );
        }
        checked += 1;
    }
    assert!(checked > 20, "{checked}");
}
