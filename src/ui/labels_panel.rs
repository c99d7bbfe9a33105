//! The label set (click or press a label's key to apply it; pin it for sticky mode), an
//! editor for the set, and the list of the document's spans in reading order.

use crate::command::{Command, Request};
use crate::ui::bidi_label::BidiCache;
use crate::ui::{AppView, label_color};
use tawsim_core::domain::{Label, LabelId, LabelKind, LabelSet};

/// Panel state kept between frames (not project state).
#[derive(Default)]
pub struct LabelsPanelState {
    pub bidi: BidiCache,
    /// The label set being edited, until Save.
    pub draft: Option<LabelSet>,
    pub new_name: String,
    pub confirm_delete: Option<LabelId>,
    pub json_path: String,
    pub message: String,
    /// The kind of the next label added in the editor.
    pub new_kind: LabelKind,
}

/// A colour swatch that opens the label palette (no text, so no glyph can be missing, and
/// a fixed size, so the panel never moves).
fn palette_button(ui: &mut egui::Ui, id: LabelId, color: &mut [u8; 3]) {
    let (r, resp) = ui.allocate_exact_size(egui::vec2(18.0, 18.0), egui::Sense::click());
    ui.painter().rect_filled(r, 3.0, label_color(*color, 255));
    let popup = egui::Popup::menu(&resp).id(egui::Id::unique(("label-colour", id.0)));
    popup.show(|ui| {
        ui.horizontal_wrapped(|ui| {
            ui.set_max_width(6.0 * 24.0);
            for c in crate::domain::label::PALETTE {
                let (r, resp) =
                    ui.allocate_exact_size(egui::vec2(20.0, 20.0), egui::Sense::click());
                ui.painter().rect_filled(r, 3.0, label_color(c, 255));
                if c == *color {
                    ui.painter().rect_stroke(
                        r,
                        3.0,
                        egui::Stroke::new(2.0, ui.visuals().strong_text_color()),
                        egui::StrokeKind::Outside,
                    );
                }
                if resp.clicked() {
                    *color = c;
                    ui.close();
                }
            }
        });
    });
}

fn swatch(ui: &mut egui::Ui, l: &Label) {
    let (r, _) = ui.allocate_exact_size(egui::vec2(14.0, 14.0), egui::Sense::hover());
    ui.painter().rect_filled(r, 3.0, label_color(l.color, 255));
}

pub fn show(ui: &mut egui::Ui, view: &AppView, st: &mut LabelsPanelState, out: &mut Vec<Request>) {
    ui.heading("Labels");
    let labels = view.labels;
    let counts = view
        .session
        .current()
        .map(|d| d.ann.spans.count_by_label())
        .unwrap_or_default();
    for l in labels.enabled() {
        ui.horizontal(|ui| {
            swatch(ui, l);
            let key = l.hotkey.map(|k| format!("[{k}] ")).unwrap_or_default();
            let n = counts.get(&l.id).copied().unwrap_or(0);
            if ui
                .button(format!("{key}{}  ({n})", l.name))
                .on_hover_text(&l.description)
                .clicked()
            {
                out.push(Command::ApplyLabel(l.id).into());
            }
            let pinned = view.session.sticky == Some(l.id);
            if ui
                .selectable_label(pinned, "sticky")
                .on_hover_text("Sticky: every selection becomes this label (Shift+key)")
                .clicked()
            {
                out.push(Command::ToggleSticky(l.id).into());
            }
        });
        if !l.description.is_empty() {
            let w = ui.available_width();
            crate::ui::bidi_label::BidiLabel::new(&l.description)
                .size(12.0)
                .wrap(w)
                .color(ui.visuals().weak_text_color())
                .show(ui, &mut st.bidi);
        }
    }
    doc_labels(ui, view, out);
    ui.collapsing("Edit labels", |ui| editor(ui, view, st, out));
    ui.separator();
    crate::ui::relations_list::show(ui, view, &mut st.bidi, out);
    spans_list(ui, view, st, out);
}

/// The project's document labels, ticked on the open document (a click or, after F7, the
/// label's key toggles one; one of a group is a single choice).
fn doc_labels(ui: &mut egui::Ui, view: &AppView, out: &mut Vec<Request>) {
    let labels = view.labels;
    if labels.enabled_of(LabelKind::Document).next().is_none() {
        return;
    }
    let on = view.session.current().map(|d| &d.ann.doc_labels);
    ui.separator();
    ui.strong("Document labels (F7, then the key)")
        .on_hover_text("Labels of the whole document: topic, sentiment, dialect");
    for l in labels.enabled_of(LabelKind::Document) {
        ui.horizontal(|ui| {
            swatch(ui, l);
            let mut ticked = on.is_some_and(|on| on.contains(&l.id));
            let key = l.hotkey.map(|k| format!("[{k}] ")).unwrap_or_default();
            let group = if l.options.group.is_empty() {
                String::new()
            } else {
                format!("  · {}", l.options.group)
            };
            if ui
                .checkbox(&mut ticked, format!("{key}{}{group}", l.name))
                .on_hover_text(&l.description)
                .clicked()
            {
                out.push(Command::ToggleDocLabel(l.id).into());
            }
        });
    }
}

/// What the user did to the draft's rows this frame.
#[derive(Default)]
struct RowEdits {
    remove: Option<LabelId>,
    moves: Vec<(LabelId, isize)>,
    hotkey_change: Option<(LabelId, Option<char>)>,
}

/// A label's kind and what only relation types (undirected; which entity labels may be
/// their ends) and document labels (a group: a single choice) have.
fn kind_menu(ui: &mut egui::Ui, id: LabelId, l: &mut Label, entities: &[(LabelId, String)]) {
    ui.menu_button(l.kind.title(), |ui| {
        for k in LabelKind::ALL {
            ui.radio_value(&mut l.kind, k, k.title());
        }
        match l.kind {
            LabelKind::Span => {}
            LabelKind::Relation => {
                ui.separator();
                ui.checkbox(&mut l.options.undirected, "undirected (no arrowhead)");
                for (title, list) in [
                    ("from (none ticked: any)", &mut l.options.from),
                    ("to (none ticked: any)", &mut l.options.to),
                ] {
                    ui.label(title);
                    ui.horizontal_wrapped(|ui| {
                        for (e, name) in entities {
                            let mut on = list.contains(e);
                            if ui.checkbox(&mut on, name).changed() {
                                if on {
                                    list.push(*e);
                                } else {
                                    list.retain(|x| x != e);
                                }
                            }
                        }
                    });
                }
            }
            LabelKind::Document => {
                ui.separator();
                ui.label("group (labels of one group are a single choice)");
                ui.add(
                    egui::TextEdit::singleline(&mut l.options.group)
                        .id_salt(("label-group", id.0))
                        .hint_text("e.g. topic")
                        .desired_width(120.0),
                );
            }
        }
    })
    .response
    .on_hover_text("kind: entity (spans), relation (between two spans) or document");
}

/// One row per label of the draft: colour, name, hotkey, enabled, kind, order, delete, and
/// the description under it.
fn draft_rows(ui: &mut egui::Ui, draft: &mut LabelSet) -> RowEdits {
    let mut edits = RowEdits::default();
    let entities: Vec<(LabelId, String)> = draft
        .of_kind(LabelKind::Span)
        .map(|l| (l.id, l.name.clone()))
        .collect();
    let ids: Vec<LabelId> = draft.iter().map(|l| l.id).collect();
    for id in ids {
        let Some(l) = draft.get_mut(id) else { continue };
        ui.horizontal(|ui| {
            palette_button(ui, id, &mut l.color);
            ui.add(egui::TextEdit::singleline(&mut l.name).desired_width(70.0))
                .on_hover_text("name");
            let mut key = l.hotkey.map(String::from).unwrap_or_default();
            if ui
                .add(
                    egui::TextEdit::singleline(&mut key)
                        .char_limit(2)
                        .desired_width(22.0)
                        .font(egui::TextStyle::Monospace),
                )
                .on_hover_text("hotkey: a Latin letter or a digit")
                .changed()
            {
                edits.hotkey_change = Some((id, key.chars().last()));
            }
            ui.checkbox(&mut l.enabled, "").on_hover_text("enabled");
            kind_menu(ui, id, l, &entities);
            if ui.small_button("up").clicked() {
                edits.moves.push((id, -1));
            }
            if ui.small_button("down").clicked() {
                edits.moves.push((id, 1));
            }
            if ui.small_button("del").clicked() {
                edits.remove = Some(id);
            }
        });
        ui.add(
            egui::TextEdit::singleline(&mut l.description)
                .hint_text("description (shown under the label)")
                .desired_width(f32::INFINITY),
        );
    }
    edits
}

fn editor(ui: &mut egui::Ui, view: &AppView, st: &mut LabelsPanelState, out: &mut Vec<Request>) {
    let labels = view.labels;
    let usage = view.label_usage;
    let draft = st.draft.get_or_insert_with(|| labels.clone());
    let RowEdits {
        remove,
        moves,
        hotkey_change,
    } = draft_rows(ui, draft);
    if let Some((id, key)) = hotkey_change {
        let checked = key.map_or(Ok(()), |k| crate::keymap::check_hotkey(k).map(drop));
        st.message =
            match checked.and_then(|()| draft.set_hotkey(id, key).map_err(|e| e.to_string())) {
                Ok(()) => String::new(),
                Err(e) => e,
            };
    }
    for (id, d) in moves {
        let _ = draft.move_by(id, d);
    }
    if let Some(id) = remove {
        let used = usage.iter().find(|(l, _)| *l == id).map_or(0, |u| u.1);
        if used == 0 || labels.get(id).is_none() {
            let _ = draft.remove(id);
        } else {
            st.confirm_delete = Some(id);
        }
    }
    confirm_delete(ui, view, st, out);
    add_save_and_files(ui, labels, st, out);
}

/// Deleting a label that spans use asks first.
fn confirm_delete(
    ui: &mut egui::Ui,
    view: &AppView,
    st: &mut LabelsPanelState,
    out: &mut Vec<Request>,
) {
    let (labels, usage) = (view.labels, view.label_usage);
    if let Some(id) = st.confirm_delete {
        let used = usage.iter().find(|(l, _)| *l == id).map_or(0, |u| u.1);
        let name = labels.get(id).map_or_else(String::new, |l| l.name.clone());
        ui.colored_label(
            egui::Color32::RED,
            format!("{name} is used by {used} spans. Delete the label and all of them?"),
        );
        ui.horizontal(|ui| {
            if ui.button("Delete label and spans").clicked() {
                out.push(Command::DeleteLabel(id).into());
                st.confirm_delete = None;
                st.draft = None;
            }
            if ui.button("Keep it").clicked() {
                st.confirm_delete = None;
            }
        });
    }
}

/// A new label, Save / Revert, and the label set as a JSON file.
fn add_save_and_files(
    ui: &mut egui::Ui,
    labels: &LabelSet,
    st: &mut LabelsPanelState,
    out: &mut Vec<Request>,
) {
    ui.horizontal(|ui| {
        ui.add(
            egui::TextEdit::singleline(&mut st.new_name)
                .hint_text("new label")
                .desired_width(90.0),
        );
        egui::ComboBox::new("new-label-kind", "kind")
            .selected_text(st.new_kind.title())
            .width(80.0)
            .show_ui(ui, |ui| {
                for k in LabelKind::ALL {
                    ui.selectable_value(&mut st.new_kind, k, k.title());
                }
            });
        if ui.button("Add").clicked()
            && let Some(d) = st.draft.as_mut()
        {
            match d.add_kind(st.new_name.trim(), st.new_kind) {
                Ok(_) => st.new_name.clear(),
                Err(e) => st.message = e.to_string(),
            }
        }
    });
    ui.horizontal(|ui| {
        let changed = st.draft.as_ref().is_some_and(|d| d != labels);
        if ui
            .add_enabled(changed, egui::Button::new("Save labels"))
            .clicked()
            && let Some(d) = st.draft.take()
        {
            out.push(Request::SaveLabels(d));
        }
        if ui
            .add_enabled(changed, egui::Button::new("Revert"))
            .clicked()
        {
            st.draft = None;
        }
    });
    ui.horizontal(|ui| {
        ui.add(
            egui::TextEdit::singleline(&mut st.json_path)
                .hint_text("labels.json")
                .desired_width(110.0),
        );
        let path = std::path::PathBuf::from(st.json_path.trim());
        if ui
            .button("Export")
            .on_hover_text("Write the label set as JSON")
            .clicked()
        {
            out.push(Request::ExportLabels(path.clone()));
        }
        if ui
            .button("Import")
            .on_hover_text("Read a label set from JSON (then Save)")
            .clicked()
        {
            out.push(Request::ReadLabels(path));
        }
    });
    if !st.message.is_empty() {
        ui.label(&st.message);
    }
}

fn spans_list(
    ui: &mut egui::Ui,
    view: &AppView,
    st: &mut LabelsPanelState,
    out: &mut Vec<Request>,
) {
    let selected = view.session.selected_span;
    let Some(doc) = view.session.current() else {
        return;
    };
    let labels = view.labels;
    ui.heading(format!("Spans ({})", doc.ann.spans.len()));
    let spans = doc.ann.spans.as_slice();
    let row_h = ui.text_style_height(&egui::TextStyle::Body) + 8.0;
    egui::ScrollArea::vertical()
        .id_salt("spans")
        .auto_shrink([false, false])
        .show_rows(ui, row_h, spans.len(), |ui, rows| {
            for s in &spans[rows] {
                let label = labels.get(s.label);
                let text = doc.text.slice(s.start, s.end).unwrap_or_default();
                ui.horizontal(|ui| {
                    if let Some(l) = label {
                        swatch(ui, l);
                    }
                    ui.label(label.map_or("?", |l| l.name.as_str()));
                    let r = crate::ui::bidi_button(ui, &mut st.bidi, text, selected == Some(*s));
                    ui.weak(format!("[{}, {})", s.start, s.end));
                    if r.clicked() {
                        out.push(Command::SelectSpan(Some(*s)).into());
                    }
                });
            }
        });
}
