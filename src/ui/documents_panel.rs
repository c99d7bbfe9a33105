//! The document list: name, status, span count, with filters by text, status and label.

use crate::app::TawsimApp;
use crate::command::Command;
use crate::domain::DocStatus;

fn status_mark(s: DocStatus) -> &'static str {
    match s {
        DocStatus::New => "○",
        DocStatus::InProgress => "◐",
        DocStatus::Done => "●",
    }
}

pub fn show(ui: &mut egui::Ui, app: &mut TawsimApp, out: &mut Vec<Command>) {
    ui.heading("Documents");
    ui.add(egui::TextEdit::singleline(&mut app.filter.text).hint_text("filter by name").desired_width(f32::INFINITY));
    let labels = app.labels();
    ui.horizontal(|ui| {
        egui::ComboBox::from_id_salt("status-filter")
            .selected_text(app.filter.status.map_or("any status", DocStatus::title))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut app.filter.status, None, "any status");
                for s in DocStatus::ALL {
                    ui.selectable_value(&mut app.filter.status, Some(s), s.title());
                }
            });
        egui::ComboBox::from_id_salt("label-filter")
            .selected_text(app.filter.label.and_then(|l| labels.get(l)).map_or("any label", |l| l.name.as_str()))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut app.filter.label, None, "any label");
                for l in labels.iter() {
                    ui.selectable_value(&mut app.filter.label, Some(l.id), &l.name);
                }
            });
    });
    ui.separator();
    let docs = app.filtered_documents();
    let current = app.current().map(|d| d.id);
    let row_h = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
    egui::ScrollArea::vertical().auto_shrink([false, false]).show_rows(ui, row_h, docs.len(), |ui, rows| {
        for d in &docs[rows] {
            let text = format!("{} {}  ({})", status_mark(d.status), d.name, d.spans);
            let r = ui.add_sized([ui.available_width(), row_h - 2.0], egui::Button::selectable(current == Some(d.id), text));
            let r = r.on_hover_text(format!("{} · {} characters · {} spans", d.status.title(), d.chars, d.spans));
            if r.clicked() {
                out.push(Command::SelectDocument(d.id));
            }
        }
    });
}
