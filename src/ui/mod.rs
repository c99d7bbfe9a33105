//! The egui layer: widgets (document view, glyph atlas, bidi labels) and panels. Panels return
//! [`crate::command::Command`]s and never change project state.

pub mod bidi_label;
pub mod document_view;
pub mod documents_panel;
pub mod glyph_atlas;
pub mod labels_panel;
pub mod menu;
pub mod search_panel;
pub mod status_bar;
pub mod transfer_dialog;

/// An egui colour for a label colour, with alpha.
#[must_use]
pub fn label_color(c: [u8; 3], alpha: u8) -> egui::Color32 {
    egui::Color32::from_rgba_unmultiplied(c[0], c[1], c[2], alpha)
}

/// A clickable line of text that may hold Arabic.
pub fn bidi_button(ui: &mut egui::Ui, text: &str) -> egui::Response {
    ui.add(egui::Button::new(text).frame(false))
}
