//! The document view driven through egui_kittest (no GPU): drags, double-click, span
//! clicks and keyboard selection, checked against code point offsets in the text.

mod common;

use common::drag;
use egui::{Event, Modifiers, PointerButton, Pos2, Rect, pos2, vec2};
use egui_kittest::{Harness, HarnessBuilder};
use tawsim::domain::{IndexedText, LabelSet, Relation, Span};
use tawsim::layout::Direction;
use tawsim::ui::document_view::{DocumentView, ViewEvent, ViewModel};

const SEED: &str = include_str!("../assets/samples/libya-ceasefire-ar.txt");

struct State {
    view: DocumentView,
    text: IndexedText,
    spans: Vec<Span>,
    labels: LabelSet,
    relations: Vec<Relation>,
    events: Vec<ViewEvent>,
}

fn find(text: &IndexedText, needle: &str) -> (usize, usize) {
    let b = text
        .as_str()
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in the text"));
    let s = text.byte_to_char(b).expect("char boundary");
    (s, s + needle.chars().count())
}

fn label(labels: &LabelSet, name: &str) -> tawsim::domain::LabelId {
    labels
        .by_name(name)
        .map(|l| l.id)
        .unwrap_or_else(|| panic!("label {name}"))
}

fn harness() -> Harness<'static, State> {
    harness_for(IndexedText::new(SEED))
}

fn harness_for(text: IndexedText) -> Harness<'static, State> {
    let labels = LabelSet::arabic_news();
    let (s, e) = find(&text, "بنغازي");
    let (s2, e2) = find(&text, "إلى بنغازي");
    let spans = vec![
        Span {
            start: s2,
            end: e2,
            label: label(&labels, "MISC"),
        },
        Span {
            start: s,
            end: e,
            label: label(&labels, "LOC"),
        },
    ];
    let state = State {
        view: DocumentView::new(),
        text,
        spans,
        labels,
        relations: Vec::new(),
        events: Vec::new(),
    };
    let mut h = HarnessBuilder::<State>::default()
        .with_size(vec2(900.0, 700.0))
        .with_step_dt(1.0 / 60.0)
        .with_context_setup(tawsim::fonts::install)
        .build_ui_state(
            |ui, st: &mut State| {
                // Keys reach the view through the keymap, as in the app.
                let context = tawsim::keymap::KeyContext::current(ui.ctx(), false);
                for a in tawsim::keymap::read(ui.ctx(), context, &st.labels) {
                    if let tawsim::keymap::Action::View(k) = a {
                        st.view.key(k);
                    }
                }
                let model = ViewModel {
                    doc_key: 1,
                    text: &st.text,
                    spans: &st.spans,
                    labels: &st.labels,
                    selected_span: None,
                    search_hits: &[],
                    direction: Direction::Auto,
                    show_marks: false,
                    font_size: 20.0,
                    lanes: &[],
                    disagreements: &[],
                    current_region: None,
                    suggestions: &[],
                    relations: &st.relations,
                    selected_relation: None,
                    linking: None,
                };
                let ev = st.view.show(ui, &model);
                st.events.extend(ev);
            },
            state,
        );
    for _ in 0..3 {
        h.step();
    }
    h.state_mut().events.clear();
    h
}

fn rect_of(h: &Harness<'_, State>, s: usize, e: usize) -> Rect {
    let rects = h.state().view.screen_rects(s, e);
    assert_eq!(rects.len(), 1, "one visual piece for {s}..{e}: {rects:?}");
    rects[0]
}

/// Drags over the one-piece word `s..e` from its start (RTL: the right edge) to its end.
fn drag_across_rtl_word(h: &mut Harness<'_, State>, s: usize, e: usize) {
    let r = rect_of(h, s, e);
    drag(
        h,
        pos2(r.max.x - 1.0, r.center().y),
        pos2(r.min.x + 1.0, r.center().y),
    );
}

fn click(h: &mut Harness<'_, State>, at: Pos2, modifiers: Modifiers) {
    h.hover_at(at);
    h.step();
    for pressed in [true, false] {
        h.event(Event::PointerButton {
            pos: at,
            button: PointerButton::Primary,
            pressed,
            modifiers,
        });
    }
    h.step();
    h.step();
}

fn finished(h: &Harness<'_, State>) -> Vec<(usize, usize)> {
    h.state()
        .events
        .iter()
        .filter_map(|e| match *e {
            ViewEvent::SelectionFinished { start, end } => Some((start, end)),
            _ => None,
        })
        .collect()
}

#[test]
fn dragging_across_a_word_selects_exactly_its_offsets() {
    let mut h = harness();
    let (s, e) = find(&h.state().text, "بنغازي");
    drag_across_rtl_word(&mut h, s, e);
    assert_eq!(h.state().view.selection(), Some((s, e)));
    assert_eq!(finished(&h), vec![(s, e)]);
    assert!(
        h.state()
            .events
            .iter()
            .any(|e| matches!(e, ViewEvent::SelectionChanged { .. }))
    );
}

#[test]
fn dragging_inside_a_joined_word_selects_the_clitic_split() {
    let mut h = harness();
    for (word, skip) in [("بجنيف", 1usize), ("بينوفرنسا", 4)] {
        let (ws, we) = find(&h.state().text, word);
        let (s, e) = (ws + skip, we);
        let r = rect_of(&h, s, e);
        let whole = rect_of(&h, ws, we);
        assert!(r.width() < whole.width());
        h.state_mut().events.clear();
        drag(
            &mut h,
            pos2(r.max.x - 0.5, r.center().y),
            pos2(r.min.x + 0.5, r.center().y),
        );
        assert_eq!(h.state().view.selection(), Some((s, e)), "{word}");
        let got = h.state().text.slice(s, e).map(str::to_owned);
        assert_eq!(
            got.as_deref(),
            Some(&word[word.char_indices().nth(skip).map_or(0, |(b, _)| b)..])
        );
        assert_eq!(finished(&h), vec![(s, e)], "{word}");
    }
}

#[test]
fn double_click_selects_the_word() {
    let mut h = harness();
    let (s, e) = find(&h.state().text, "مهراج");
    let r = rect_of(&h, s, e);
    let at = r.center();
    h.hover_at(at);
    h.step();
    for pressed in [true, false, true, false] {
        h.event(Event::PointerButton {
            pos: at,
            button: PointerButton::Primary,
            pressed,
            modifiers: Modifiers::NONE,
        });
    }
    h.step();
    h.step();
    assert_eq!(h.state().view.selection(), Some((s, e)));
    assert!(finished(&h).contains(&(s, e)));
}

#[test]
fn clicking_a_span_reports_the_innermost_one() {
    let mut h = harness();
    let (s, e) = find(&h.state().text, "بنغازي");
    let r = rect_of(&h, s, e);
    click(&mut h, r.center(), Modifiers::NONE);
    let clicked: Vec<Span> = h
        .state()
        .events
        .iter()
        .filter_map(|e| {
            if let ViewEvent::SpanClicked(sp) = e {
                Some(*sp)
            } else {
                None
            }
        })
        .collect();
    assert_eq!(clicked.len(), 1, "{:?}", h.state().events);
    assert_eq!(
        (clicked[0].start, clicked[0].end),
        (s, e),
        "the LOC inside the MISC span"
    );
    assert_eq!(
        h.state().view.selection(),
        None,
        "a click is not a selection"
    );
    // Clicking "إلى" (only in the outer span) reports the outer one.
    let (s2, e2) = find(&h.state().text, "إلى بنغازي");
    let r2 = rect_of(&h, s2, s2 + 3);
    h.state_mut().events.clear();
    click(&mut h, r2.center(), Modifiers::NONE);
    assert!(
        h.state()
            .events
            .iter()
            .any(|e| matches!(e, ViewEvent::SpanClicked(sp) if sp.start == s2 && sp.end == e2))
    );
}

#[test]
fn shift_arrows_select_visually_and_finish_on_release() {
    let mut h = harness();
    let (s, _) = find(&h.state().text, "بنغازي");
    let r = rect_of(&h, s, s + 1);
    // Click at the right edge of the word: the caret goes to its logical start.
    click(&mut h, pos2(r.max.x - 0.5, r.center().y), Modifiers::NONE);
    assert!(
        h.state().events.contains(&ViewEvent::CaretMoved(s)),
        "{:?}",
        h.state().events
    );
    h.state_mut().events.clear();
    // In an RTL paragraph Shift+Left extends forward in logical order.
    for _ in 0..3 {
        h.key_press_modifiers(Modifiers::SHIFT, egui::Key::ArrowLeft);
        h.step();
    }
    h.step();
    assert_eq!(h.state().view.selection(), Some((s, s + 3)));
    assert!(h.state().events.contains(&ViewEvent::SelectionChanged {
        start: s,
        end: s + 3
    }));
    assert_eq!(finished(&h).last(), Some(&(s, s + 3)));
    // Plain Right moves the caret back (visually right = logically previous) and collapses.
    h.state_mut().events.clear();
    h.key_press(egui::Key::ArrowRight);
    h.step();
    assert_eq!(h.state().view.selection(), None);
    assert!(
        h.state().events.contains(&ViewEvent::CaretMoved(s + 2)),
        "{:?}",
        h.state().events
    );
}

#[test]
fn shift_click_extends_the_selection() {
    let mut h = harness();
    let (s, e) = find(&h.state().text, "خليفة حفتر");
    let r0 = rect_of(&h, s, s + 1);
    click(&mut h, pos2(r0.max.x - 0.5, r0.center().y), Modifiers::NONE);
    let r1 = rect_of(&h, e - 1, e);
    h.state_mut().events.clear();
    h.event(Event::ModifiersChanged(Modifiers::SHIFT));
    click(
        &mut h,
        pos2(r1.min.x + 0.5, r1.center().y),
        Modifiers::SHIFT,
    );
    h.event(Event::ModifiersChanged(Modifiers::NONE));
    h.step();
    assert_eq!(h.state().view.selection(), Some((s, e)));
    assert!(finished(&h).contains(&(s, e)));
}

#[test]
fn bidi_label_lays_out_arabic_once_and_reuses_it() {
    use tawsim::ui::bidi_label::{BidiCache, BidiLabel};
    let mut cache = BidiCache::new();
    let mut sizes = Vec::new();
    {
        let mut h = HarnessBuilder::default()
            .with_context_setup(tawsim::fonts::install)
            .build_ui(|ui| {
                let a = BidiLabel::new("وثيقة ليبيا 2020")
                    .size(14.0)
                    .show(ui, &mut cache);
                let b = BidiLabel::new("وثيقة ليبيا 2020")
                    .size(28.0)
                    .show(ui, &mut cache);
                sizes.push((a.rect.size(), b.rect.size()));
            });
        h.step();
        h.step();
    }
    let (a, b) = *sizes.last().expect("shown");
    assert!(a.x > 40.0 && a.y > 10.0, "{a:?}");
    assert!((b.x / a.x - 2.0).abs() < 0.2, "twice the size: {a:?} {b:?}");
    assert_eq!(
        cache.len(),
        2,
        "one layout per string and size, reused across frames"
    );
}

#[test]
fn a_big_document_is_shaped_on_workers_and_ends_as_one_thread_lays_it_out() {
    let text = IndexedText::new([SEED; 25].join("\n"));
    let mut h = harness_for(text.clone());
    for _ in 0..20_000 {
        if h.state().view.stats().pending_paragraphs == 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
        h.step();
    }
    let view = &h.state().view;
    assert_eq!(view.stats().pending_paragraphs, 0);
    assert_eq!(view.stats().layout_progress, None);
    let doc = view.layout().expect("laid out");
    let mut fonts = tawsim::layout::Fonts::new();
    let mut one = tawsim::layout::DocumentLayout::new(text.clone(), *doc.style());
    one.layout_all(&mut fonts);
    assert_eq!(doc.height(), one.height());
    for i in 0..doc.paragraph_count() {
        assert_eq!(doc.paragraph_box(i), one.paragraph_box(i), "paragraph {i}");
    }

    // Deep in the document, a paragraph a worker shaped: a drag selects exact offsets.
    let b = text.as_str().rfind("بنغازي").expect("word");
    let s = text.byte_to_char(b).expect("boundary");
    let e = s + "بنغازي".chars().count();
    h.state_mut().view.scroll_to(s);
    for _ in 0..4 {
        h.step();
    }
    drag_across_rtl_word(&mut h, s, e);
    assert_eq!(h.state().view.selection(), Some((s, e)));
}

/// Whether the segment from `a` to `b` passes through `r` (sampled every half point).
fn crosses(a: Pos2, b: Pos2, r: Rect) -> bool {
    let n = ((b - a).length() * 2.0).ceil().max(1.0) as usize;
    (0..=n).any(|i| r.shrink(0.5).contains(a + (b - a) * (i as f32 / n as f32)))
}

#[test]
fn a_relation_is_drawn_above_the_letters_from_its_start_to_its_end_in_rtl() {
    let mut h = harness();
    let text = h.state().text.clone();
    let labels = h.state().labels.clone();
    let (per, misc) = (label(&labels, "PER"), label(&labels, "MISC"));
    let (a, b) = (find(&text, "مصطفى مهراج"), find(&text, "السفير الفرنسي"));
    let (q, k) = (find(&text, "القيادة العامة"), find(&text, "خليفة حفتر"));
    let mahraj = Span::new(a.0, a.1, per).expect("span");
    let safir = Span::new(b.0, b.1, misc).expect("span");
    let haftar = Span::new(k.0, k.1, per).expect("span");
    let qiyada = Span::new(q.0, q.1, label(&labels, "ORG")).expect("span");
    let from_right = Relation {
        from: mahraj,
        to: safir,
        label: per,
    };
    let far = Relation {
        from: haftar,
        to: qiyada,
        label: per,
    };
    h.state_mut().spans = vec![safir, mahraj, qiyada, haftar];
    h.state_mut().relations = vec![from_right, far];
    for _ in 0..3 {
        h.step();
    }
    let view = &h.state().view;
    let path = |r: Relation| {
        view.painted_relations()
            .iter()
            .find(|p| p.relation == r)
            .map(|p| p.points.clone())
            .unwrap_or_else(|| panic!("{r} painted"))
    };
    let pts = path(from_right);
    let (ra, rb) = (rect_of(&h, a.0, a.1), rect_of(&h, b.0, b.1));
    // RTL: السفير الفرنسي is read first, so it is to the right of مصطفى مهراج; the line
    // starts over مهراج (left) and its arrowhead comes down on السفير (right).
    assert!(rb.center().x > ra.center().x, "{ra:?} {rb:?}");
    let (first, last) = (pts[0], pts[pts.len() - 1]);
    assert!(ra.x_range().contains(first.x), "{first:?} over {ra:?}");
    assert!(rb.x_range().contains(last.x), "{last:?} over {rb:?}");
    assert!(
        last.x > first.x,
        "it points rightward, to the span read first"
    );
    // The level runs above both spans' letters.
    let level = pts.iter().map(|p| p.y).fold(f32::INFINITY, f32::min);
    assert!(
        level < ra.top().min(rb.top()),
        "{level} above {ra:?} {rb:?}"
    );
    // No part of any relation's line crosses a glyph.
    let ink = view.painted_ink();
    assert!(!ink.is_empty());
    for p in view.painted_relations() {
        for w in p.points.windows(2) {
            for g in ink {
                assert!(
                    !crosses(w[0], w[1], *g),
                    "{} crosses a glyph at {g:?}",
                    p.relation
                );
            }
        }
    }
    // The other relation is painted too (across lines when it must be).
    assert!(path(far).len() >= 4);
}

#[test]
fn relations_over_one_stretch_of_a_line_stack_on_levels_of_their_own() {
    let mut h = harness();
    let text = h.state().text.clone();
    let labels = h.state().labels.clone();
    let per = label(&labels, "PER");
    // Four spans on one line: a→b and c→d side by side, a→d over both.
    let words = ["ترأسه", "اجتماعات", "العمل", "الأمنية"];
    let spans: Vec<Span> = words
        .iter()
        .map(|w| {
            let (s, e) = find(&text, w);
            Span::new(s, e, per).expect("span")
        })
        .collect();
    let rel = |a: usize, b: usize| Relation {
        from: spans[a],
        to: spans[b],
        label: per,
    };
    let all = [rel(0, 1), rel(2, 3), rel(0, 3)];
    h.state_mut().spans = spans.clone();
    h.state_mut().relations = all.to_vec();
    for _ in 0..3 {
        h.step();
    }
    let tops: Vec<f32> = spans
        .iter()
        .map(|s| rect_of(&h, s.start, s.end).top())
        .collect();
    assert!(
        tops.iter().all(|t| (t - tops[0]).abs() < 0.5),
        "one line: {tops:?}"
    );
    let level = |r: Relation| {
        let view = &h.state().view;
        let p = view
            .painted_relations()
            .iter()
            .find(|p| p.relation == r)
            .unwrap_or_else(|| panic!("{r} painted"));
        p.points.iter().map(|q| q.y).fold(f32::INFINITY, f32::min)
    };
    let (short1, short2, long) = (level(all[0]), level(all[1]), level(all[2]));
    // The two short ones do not overlap: one level; the long one spans both: above them.
    assert!((short1 - short2).abs() < 0.5, "{short1} {short2}");
    assert!(
        long < short1 - 2.0,
        "the long relation {long} above {short1}"
    );
}
