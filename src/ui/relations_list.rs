//! The open document's relations as a list (from → type → to): a click selects one (its
//! arc is drawn thicker, its ends outlined); the selected one can be reversed, retyped or
//! deleted here too.

use crate::command::{Command, Request};
use crate::ui::AppView;
use crate::ui::bidi_label::BidiCache;
use tawsim_core::domain::{IndexedText, LabelKind, LabelSet, Relation, Span};

/// A relation as one line of text, `from › type › to` (its words; bidi mirrors `›` in RTL,
/// so it points along the reading order, and the bundled fonts have it, unlike `→`).
#[must_use]
pub fn relation_line(text: &IndexedText, labels: &LabelSet, r: Relation) -> String {
    let words = |s: Span| text.slice(s.start, s.end).unwrap_or_default();
    let name = labels.get(r.label).map_or("?", |l| l.name.as_str());
    format!("{} › {name} › {}", words(r.from), words(r.to))
}

pub fn show(ui: &mut egui::Ui, view: &AppView, bidi: &mut BidiCache, out: &mut Vec<Request>) {
    let Some(doc) = view.session.current() else {
        return;
    };
    let labels = view.labels;
    if doc.ann.relations.is_empty() && labels.enabled_of(LabelKind::Relation).next().is_none() {
        return;
    }
    ui.heading(format!("Relations ({})", doc.ann.relations.len()));
    if doc.ann.relations.is_empty() {
        ui.weak("Select a span (Tab), press R, Tab to the target, then the type's key.");
        ui.separator();
        return;
    }
    let selected = view.session.selected_relation;
    let mut list: Vec<Relation> = doc.ann.relations.iter().copied().collect();
    list.sort_by_key(|r| (r.from.start, r.to.start));
    egui::ScrollArea::vertical()
        .id_salt("relations")
        .max_height(160.0)
        .auto_shrink([false, true])
        .show(ui, |ui| {
            for r in list {
                let line = relation_line(&doc.text, labels, r);
                let clicked =
                    crate::ui::bidi_button(ui, bidi, &line, selected == Some(r)).clicked();
                if clicked {
                    out.push(Command::SelectRelation(Some(r)).into());
                }
                if selected == Some(r) {
                    ui.horizontal(|ui| {
                        if ui
                            .small_button("reverse")
                            .on_hover_text("Shift+R")
                            .clicked()
                        {
                            out.push(Command::ReverseRelation(r).into());
                        }
                        ui.menu_button("type", |ui| {
                            for l in labels.enabled_of(LabelKind::Relation) {
                                if ui.radio(l.id == r.label, &l.name).clicked() {
                                    out.push(Command::RetypeRelation(r, l.id).into());
                                    ui.close();
                                }
                            }
                        });
                        if ui.small_button("delete").on_hover_text("Delete").clicked() {
                            out.push(Command::DeleteRelation(r).into());
                        }
                    });
                }
            }
        });
    ui.separator();
}
