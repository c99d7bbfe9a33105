//! The document list: name, status, span count, with filters by text, status and label.

use crate::command::{Command, Request};
use crate::ui::AppView;
use crate::ui::bidi_label::BidiCache;
use tawsim_core::domain::DocStatus;
use tawsim_core::session::DocFilter;

/// The list's own state: the filters being edited and its short-string layouts.
#[derive(Default)]
pub struct DocumentsPanel {
    pub filter: DocFilter,
    pub bidi: BidiCache,
}

/// A small circle: hollow for new, half for in progress, filled for done.
pub fn status_mark(ui: &mut egui::Ui, s: DocStatus) {
    let (r, _) = ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
    let (c, rad) = (r.center(), 5.0);
    let color = ui.visuals().text_color();
    let p = ui.painter();
    match s {
        DocStatus::New => {
            p.circle_stroke(c, rad, egui::Stroke::new(1.2, color));
        }
        DocStatus::InProgress => {
            p.circle_stroke(c, rad, egui::Stroke::new(1.2, color));
            p.rect_filled(
                egui::Rect::from_min_max(
                    egui::pos2(c.x - 3.0, c.y - 3.0),
                    egui::pos2(c.x, c.y + 3.0),
                ),
                0.0,
                color,
            );
        }
        DocStatus::Done => {
            p.circle_filled(c, rad, egui::Color32::from_rgb(60, 160, 90));
        }
    }
}

/// A document label beside the document's name: its name on its colour.
fn doc_label_chip(
    ui: &mut egui::Ui,
    bidi: &mut crate::ui::bidi_label::BidiCache,
    name: &str,
    color: [u8; 3],
) {
    let r = crate::ui::bidi_label::BidiLabel::new(name)
        .size(11.0)
        .show(ui, bidi);
    let fill = crate::ui::label_color(color, 90);
    ui.painter().rect_filled(r.rect.expand(1.5), 3.0, fill);
    let painter = ui.painter().clone();
    bidi.paint(
        ui,
        &painter,
        name,
        11.0,
        crate::layout::Direction::Auto,
        None,
        r.rect.min,
        ui.visuals().strong_text_color(),
    );
}

pub fn show(ui: &mut egui::Ui, view: &AppView, st: &mut DocumentsPanel, out: &mut Vec<Request>) {
    ui.heading("Documents");
    ui.add(
        egui::TextEdit::singleline(&mut st.filter.text)
            .hint_text("filter by name")
            .desired_width(f32::INFINITY),
    );
    let labels = view.labels;
    ui.horizontal_wrapped(|ui| {
        egui::ComboBox::new("status-filter", "Status")
            .width(90.0)
            .selected_text(st.filter.status.map_or("any status", DocStatus::title))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut st.filter.status, None, "any status");
                for s in DocStatus::ALL {
                    ui.selectable_value(&mut st.filter.status, Some(s), s.title());
                }
            });
        egui::ComboBox::new("label-filter", "Label")
            .width(80.0)
            .selected_text(
                st.filter
                    .label
                    .and_then(|l| labels.get(l))
                    .map_or("any label", |l| l.name.as_str()),
            )
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut st.filter.label, None, "any label");
                for l in labels.iter() {
                    ui.selectable_value(&mut st.filter.label, Some(l.id), &l.name);
                }
            });
    });
    if st.filter != *view.session.filter() {
        out.push(Request::SetFilter(st.filter.clone()));
    }
    ui.separator();
    let docs = view.documents;
    let current = view.session.current().map(|d| d.id);
    let row_h = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show_rows(ui, row_h, docs.len(), |ui, rows| {
            for d in &docs[rows] {
                ui.horizontal(|ui| {
                    status_mark(ui, d.status);
                    let r =
                        crate::ui::bidi_button(ui, &mut st.bidi, &d.name, current == Some(d.id));
                    ui.weak(d.spans.to_string());
                    for l in d.doc_labels.iter().filter_map(|l| labels.get(*l)) {
                        doc_label_chip(ui, &mut st.bidi, &l.name, l.color);
                    }
                    let r = r.on_hover_text(format!(
                        "{} · {} characters · {} spans",
                        d.status.title(),
                        d.chars,
                        d.spans
                    ));
                    if r.clicked() {
                        out.push(Command::SelectDocument(d.id).into());
                    }
                });
            }
        });
}
