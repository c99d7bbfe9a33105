//! TEMPORARY read-only text view; replaced by the parley RTL view on merge.

use crate::domain::{IndexedText, LabelSet, Span};

pub struct ViewModel<'a> {
    pub doc_key: u64,
    pub text: &'a IndexedText,
    pub spans: &'a [Span],
    pub labels: &'a LabelSet,
    pub selected_span: Option<Span>,
    pub search_hits: &'a [(usize, usize)],
    pub show_marks: bool,
    pub font_size: f32,
}

pub enum ViewEvent {
    SelectionChanged { start: usize, end: usize },
    SelectionFinished { start: usize, end: usize },
    SpanClicked(Span),
    CaretMoved(usize),
}

#[derive(Default)]
pub struct DocumentView {
    selection: Option<(usize, usize)>,
}

impl DocumentView {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
    pub fn show(&mut self, ui: &mut egui::Ui, model: &ViewModel<'_>) -> Vec<ViewEvent> {
        egui::ScrollArea::vertical().show(ui, |ui| ui.label(model.text.as_str()));
        Vec::new()
    }
    #[must_use]
    pub fn selection(&self) -> Option<(usize, usize)> {
        self.selection
    }
    pub fn set_selection(&mut self, start: usize, end: usize) {
        self.selection = Some((start.min(end), start.max(end)));
    }
    pub fn clear_selection(&mut self) {
        self.selection = None;
    }
    pub fn scroll_to(&mut self, _pos: usize) {}
}
