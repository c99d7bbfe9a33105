//! A tiny window showing the seed article in the document view with a few spans; selection
//! events are printed to stdout. `--mb` shows a ~1 MB document instead.
//!
//! cargo build --release --example view_demo && target/release/examples/view_demo

use eframe::egui;
use std::io::Write;
use tawsim::domain::{IndexedText, LabelSet, Span};
use tawsim::layout::Direction;
use tawsim::ui::bidi_label::{BidiCache, BidiLabel};
use tawsim::ui::document_view::{DocumentView, ViewEvent, ViewModel};

const SEED: &str = include_str!("../assets/samples/libya-ceasefire-ar.txt");

struct Demo {
    view: DocumentView,
    text: IndexedText,
    spans: Vec<Span>,
    labels: LabelSet,
    selected: Option<Span>,
    bidi: BidiCache,
    hints_printed: bool,
}

fn find(text: &IndexedText, needle: &str) -> Option<(usize, usize)> {
    let b = text.as_str().find(needle)?;
    let s = text.byte_to_char(b)?;
    Some((s, s + needle.chars().count()))
}

impl Demo {
    fn new(mb: bool) -> Self {
        let body = if mb {
            let mut t = String::new();
            while t.len() < 1_000_000 {
                t.push_str(SEED);
                t.push('\n');
            }
            t
        } else {
            SEED.to_string()
        };
        let text = IndexedText::new(body);
        let mut labels = LabelSet::arabic_news();
        for name in ["DATE"] {
            if let Some(id) = labels.by_name(name).map(|l| l.id)
                && let Some(l) = labels.get_mut(id)
            {
                l.enabled = true;
            }
        }
        let mut spans = Vec::new();
        for (needle, skip, label) in [
            ("بنغازي", 0, "LOC"),
            ("خليفة حفتر", 0, "PER"),
            ("الأمم المتحدة", 0, "ORG"),
            ("بجنيف", 1, "LOC"),
            ("5+5", 0, "MISC"),
            ("2020", 0, "DATE"),
            ("الـ23 من أكتوبر 2020", 0, "DATE"),
        ] {
            if let (Some((s, e)), Some(l)) = (find(&text, needle), labels.by_name(label)) {
                spans.push(Span {
                    start: s + skip,
                    end: e,
                    label: l.id,
                });
            }
        }
        spans.sort();
        spans.dedup_by(|a, b| a.start == b.start && a.end == b.end);
        Demo {
            view: DocumentView::new(),
            text,
            spans,
            labels,
            selected: None,
            bidi: BidiCache::new(),
            hints_printed: false,
        }
    }
}

impl eframe::App for Demo {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::Panel::top("top").show(ui, |ui| {
            ui.horizontal(|ui| {
                BidiLabel::new("تثبيت اتفاق وقف إطلاق النار — libya-ceasefire-ar.txt")
                    .size(15.0)
                    .show(ui, &mut self.bidi);
                let st = self.view.stats();
                ui.label(format!(
                    "  paint {:.2} ms | layout {:.2} ms | quads {} | pending {} | atlas {}",
                    st.paint_cpu.as_secs_f64() * 1e3,
                    st.layout_cpu.as_secs_f64() * 1e3,
                    st.glyph_quads,
                    st.pending_paragraphs,
                    st.atlas_glyphs
                ));
            });
        });
        egui::CentralPanel::default().show(ui, |ui| {
            let model = ViewModel {
                doc_key: 1,
                text: &self.text,
                spans: &self.spans,
                labels: &self.labels,
                selected_span: self.selected,
                search_hits: &[],
                direction: Direction::Auto,
                show_marks: true,
                font_size: 22.0,
                lanes: &[],
                disagreements: &[],
                current_region: None,
                suggestions: &[],
                relations: &[],
                selected_relation: None,
                linking: None,
            };
            for ev in self.view.show(ui, &model) {
                match ev {
                    ViewEvent::SelectionFinished { start, end }
                    | ViewEvent::SelectionChanged { start, end } => {
                        println!("{ev:?} «{}»", self.text.slice(start, end).unwrap_or(""));
                    }
                    ViewEvent::SpanClicked(sp) => {
                        self.selected = Some(sp);
                        println!(
                            "{ev:?} «{}»",
                            self.text.slice(sp.start, sp.end).unwrap_or("")
                        );
                    }
                    ViewEvent::CaretMoved(_)
                    | ViewEvent::SpanResized { .. }
                    | ViewEvent::RelationClicked(_)
                    | ViewEvent::RelationDragged { .. } => println!("{ev:?}"),
                }
            }
        });
        if !self.hints_printed {
            self.hints_printed = true;
            for needle in ["بنغازي", "بجنيف", "2020", "مهراج"] {
                if let Some((s, e)) = find(&self.text, needle) {
                    for r in self.view.screen_rects(s, e) {
                        println!(
                            "HINT {needle} {s}..{e} x {:.0}..{:.0} y {:.0}",
                            r.min.x,
                            r.max.x,
                            r.center().y
                        );
                    }
                }
            }
        }
        let _ = std::io::stdout().flush();
    }
}

fn main() -> eframe::Result {
    let mb = std::env::args().any(|a| a == "--mb");
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("tawsim view demo")
            .with_inner_size([1000.0, 720.0])
            .with_position([0.0, 0.0]),
        renderer: eframe::Renderer::Glow,
        ..Default::default()
    };
    eframe::run_native(
        "tawsim-view-demo",
        options,
        Box::new(move |cc| {
            tawsim::fonts::install(&cc.egui_ctx);
            cc.egui_ctx.set_theme(egui::Theme::Light);
            Ok(Box::new(Demo::new(mb)))
        }),
    )
}
