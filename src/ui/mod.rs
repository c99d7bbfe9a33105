//! The egui layer: widgets (document view, glyph atlas, bidi labels) and panels. A panel is
//! `show(ui, view: &AppView, state: &mut ItsState, out: &mut Vec<Request>)`: it reads the
//! session through [`AppView`], keeps only its own UI state, and returns
//! [`crate::command::Request`]s. No panel changes project state, reads a file or runs a query.

use crate::prefs::Prefs;
use tawsim_core::domain::{LabelId, LabelSet};
use tawsim_core::session::Session;
use tawsim_core::store::{AnyStore, DocSummary};

pub mod agreement_view;
pub mod bidi_label;
pub mod contrast;
pub mod curation_panel;
pub mod dialogs;
pub mod document_pane;
pub mod document_view;
pub mod documents_panel;
pub mod glyph_atlas;
pub mod help;
pub mod labels_panel;
pub mod menu;
pub mod path_field;
pub mod relations_list;
pub mod search_panel;
pub mod status_bar;
pub mod transfer_dialog;

/// What panels show: a read-only borrow of the session and the window's state.
pub struct AppView<'a> {
    pub session: &'a Session<AnyStore>,
    /// A team project being connected to (its URL without the password).
    pub connecting: Option<&'a std::path::Path>,
    pub prefs: &'a Prefs,
    pub labels: &'a LabelSet,
    /// The documents that pass the list's filters.
    pub documents: &'a [DocSummary],
    /// Spans per label in the whole project.
    pub label_usage: &'a [(LabelId, usize)],
    /// The document view's layout and paint figures (status bar).
    pub view_stats: document_view::ViewStats,
    /// CPU milliseconds of the last frame (frame-time meter).
    pub last_frame_ms: f32,
}

/// An egui colour for a label colour, with alpha.
#[must_use]
pub fn label_color(c: [u8; 3], alpha: u8) -> egui::Color32 {
    egui::Color32::from_rgba_unmultiplied(c[0], c[1], c[2], alpha)
}

/// A clickable line of text that may hold Arabic, laid out by parley (never a plain egui
/// label); highlighted when `selected` or hovered.
pub fn bidi_button(
    ui: &mut egui::Ui,
    cache: &mut bidi_label::BidiCache,
    text: &str,
    selected: bool,
) -> egui::Response {
    bidi_button_in(ui, cache, text, selected, crate::layout::Direction::Auto)
}

/// [`bidi_button`] laid out in the direction given (`Ltr` for a line that starts with Latin
/// names and ends with Arabic words).
pub fn bidi_button_in(
    ui: &mut egui::Ui,
    cache: &mut bidi_label::BidiCache,
    text: &str,
    selected: bool,
    direction: crate::layout::Direction,
) -> egui::Response {
    let r = bidi_label::BidiLabel::new(text)
        .size(14.0)
        .direction(direction)
        .sense(egui::Sense::click())
        .show(ui, cache);
    if selected || r.hovered() {
        let fill = if selected {
            ui.visuals().selection.bg_fill.gamma_multiply(0.5)
        } else {
            ui.visuals().widgets.hovered.weak_bg_fill
        };
        ui.painter().rect_filled(r.rect.expand(2.0), 3.0, fill);
        // Paint the text again over the fill (the label was painted before we knew).
        let painter = ui.painter().clone();
        cache.paint(
            ui,
            &painter,
            text,
            14.0,
            direction,
            None,
            r.rect.min,
            ui.visuals().strong_text_color(),
        );
    }
    r
}
