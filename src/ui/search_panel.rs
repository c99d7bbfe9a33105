//! Ctrl+F: search the document or the project through Arabic normalisation, jump to
//! results, and "label all occurrences" with a list to accept all, one by one, or skip.

use crate::command::{Command, Request};
use crate::ui::AppView;
use crate::ui::bidi_label::BidiCache;
use tawsim_core::domain::LabelId;
use tawsim_core::domain::search::{Hit, Proposal};
use tawsim_core::session::{MAX_HITS, Scope, SearchSpec};

/// The search window's own state: the query being typed and its options (the results are
/// the session's).
#[derive(Default)]
pub struct SearchPanel {
    pub open: bool,
    pub query: String,
    pub whole_word: bool,
    pub clitic_aware: bool,
    pub scope: Scope,
    /// Label for "label all"; results then carry proposals.
    pub label: Option<LabelId>,
    /// Set when the window was opened with a new query: the shell searches before the
    /// panels are drawn.
    pub dirty: bool,
    /// Give the query field the keyboard focus (Ctrl+F), until it has it.
    pub focus_query: bool,
    /// The hit Enter goes to next.
    pub next_hit: usize,
    pub bidi: BidiCache,
}

impl SearchPanel {
    /// The search the window's fields describe.
    #[must_use]
    pub fn spec(&self) -> SearchSpec {
        SearchSpec {
            query: self.query.clone(),
            whole_word: self.whole_word,
            clitic_aware: self.clitic_aware,
            scope: self.scope,
            label: self.label,
        }
    }
}

pub fn show(ctx: &egui::Context, view: &AppView, st: &mut SearchPanel, out: &mut Vec<Request>) {
    let mut open = st.open;
    egui::Window::new("Search")
        .open(&mut open)
        .default_width(460.0)
        .default_pos([340.0, 90.0])
        .show(ctx, |ui| {
            let mut changed = query_field(ui, view, st, out);
            changed |= options(ui, view, st);
            // Searched at the end of this frame: the next one lists the hits.
            if changed {
                out.push(Request::Search(st.spec()));
            }
            summary(ui, view, st, out);
            ui.separator();
            results(ui, view, st, out);
        });
    st.open = open;
}

fn go_to(h: &Hit) -> Request {
    Command::GoToRange {
        doc: h.doc,
        start: h.start,
        end: h.end,
    }
    .into()
}

/// The query; Enter goes to the next hit (and selects it, ready for a label key).
fn query_field(
    ui: &mut egui::Ui,
    view: &AppView,
    st: &mut SearchPanel,
    out: &mut Vec<Request>,
) -> bool {
    let hits = &view.session.search.hits;
    let r = ui.add(
        egui::TextEdit::singleline(&mut st.query)
            .hint_text("word or phrase (hamza, ة/ه, ى/ي, harakat ignored)")
            .desired_width(f32::INFINITY),
    );
    // Asked again until the field has it: a window's first frame only measures it (its
    // widgets are disabled then and a focus request is dropped).
    if st.focus_query {
        if r.has_focus() {
            st.focus_query = false;
        } else {
            r.request_focus();
            // The query the window was opened with is selected: what the user types
            // replaces it.
            let ctx = ui.ctx();
            let mut state = egui::text_edit::TextEditState::load(ctx, r.id).unwrap_or_default();
            let all = egui::text::CCursorRange::two(
                egui::text::CCursor::new(0),
                egui::text::CCursor::new(st.query.chars().count()),
            );
            state.cursor.set_char_range(Some(all));
            state.store(ctx, r.id);
        }
    }
    if r.changed() {
        st.next_hit = 0;
    }
    if r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) && !hits.is_empty() {
        out.push(go_to(&hits[st.next_hit % hits.len()]));
        st.next_hit = (st.next_hit + 1) % hits.len();
    }
    r.changed()
}

/// Whole word, proclitics, scope and the "label all" label; true when one changed.
fn options(ui: &mut egui::Ui, view: &AppView, st: &mut SearchPanel) -> bool {
    let mut changed = false;
    ui.horizontal_wrapped(|ui| {
        changed |= ui.checkbox(&mut st.whole_word, "Whole word").changed();
        changed |= ui
            .add_enabled(
                st.whole_word,
                egui::Checkbox::new(&mut st.clitic_aware, "with proclitics (بال…)"),
            )
            .changed();
        changed |= ui
            .radio_value(&mut st.scope, Scope::Document, "This document")
            .changed();
        changed |= ui
            .radio_value(&mut st.scope, Scope::Project, "Whole project")
            .changed();
    });
    let labels = view.labels;
    ui.horizontal(|ui| {
        let name = st
            .label
            .and_then(|l| labels.get(l))
            .map_or("(just search)", |l| l.name.as_str());
        egui::ComboBox::new("label-all-label", "Label all as")
            .selected_text(name)
            .show_ui(ui, |ui| {
                changed |= ui
                    .selectable_value(&mut st.label, None, "(just search)")
                    .changed();
                for l in labels.enabled() {
                    changed |= ui
                        .selectable_value(&mut st.label, Some(l.id), &l.name)
                        .changed();
                }
            });
    });
    changed
}

/// How many were found (or the project search's progress), and the accept buttons.
fn summary(ui: &mut egui::Ui, view: &AppView, st: &SearchPanel, out: &mut Vec<Request>) {
    let results = &view.session.search;
    let busy = view.session.job().is_some();
    let new = results
        .hits
        .iter()
        .filter(|h| h.proposal == Proposal::New)
        .count();
    let ticked = results
        .hits
        .iter()
        .filter(|h| h.accept && h.proposal == Proposal::New)
        .count();
    ui.horizontal(|ui| {
        if let Some(f) = view.session.search_progress() {
            ui.spinner();
            ui.label("Searching the project");
            ui.add(
                egui::ProgressBar::new(f)
                    .desired_width(120.0)
                    .show_percentage(),
            );
            return;
        }
        ui.label(format!(
            "{} found{}",
            results.hits.len(),
            if results.truncated {
                format!(" (first {MAX_HITS})")
            } else {
                String::new()
            }
        ));
        let Some(label) = st.label else { return };
        let (new, ticked) = if busy { (0, 0) } else { (new, ticked) };
        for (n, only_ticked, text) in [(new, false, "Accept all"), (ticked, true, "Accept ticked")]
        {
            if ui
                .add_enabled(n > 0, egui::Button::new(format!("{text} ({n})")))
                .clicked()
            {
                out.push(Command::AcceptOccurrences { label, only_ticked }.into());
            }
        }
    });
}

/// The occurrences, one a row: tick box (label all), document, context.
fn results(ui: &mut egui::Ui, view: &AppView, st: &mut SearchPanel, out: &mut Vec<Request>) {
    let hits = &view.session.search.hits;
    let row_h = ui.text_style_height(&egui::TextStyle::Body) + 8.0;
    let show_doc = st.scope == Scope::Project;
    let labelling = st.label.is_some();
    egui::ScrollArea::vertical()
        .max_height(360.0)
        .auto_shrink([false, true])
        .show_rows(ui, row_h, hits.len(), |ui, rows| {
            for i in rows {
                let h = &hits[i];
                ui.horizontal(|ui| {
                    if labelling {
                        proposal(ui, h, i, out);
                    }
                    if show_doc {
                        ui.label(&h.doc_name);
                    }
                    let text = format!("…{} «{}» {}…", h.context.0, h.context.1, h.context.2);
                    if crate::ui::bidi_button(ui, &mut st.bidi, &text, false).clicked() {
                        out.push(go_to(h));
                    }
                });
            }
        });
}

fn proposal(ui: &mut egui::Ui, h: &Hit, index: usize, out: &mut Vec<Request>) {
    match h.proposal {
        Proposal::New => {
            let mut accept = h.accept;
            if ui.checkbox(&mut accept, "add").changed() {
                out.push(Command::SetHitAccepted { index, accept }.into());
            }
        }
        Proposal::AlreadyLabelled => {
            ui.label("done");
        }
        Proposal::Conflict(_) => {
            ui.label("conflict")
                .on_hover_text("Another span is there; it is left as it is");
        }
    }
}
