//! The central pane: the open document in the document view, or what to do when there is
//! none. View events become commands (a click on a span selects it, a finished selection
//! takes the sticky label, a dragged edge resizes the span).

use crate::command::{Command, Request};
use crate::ui::AppView;
use crate::ui::curation_panel::lane_color;
use crate::ui::document_view::{DocumentView, Lane, SuggestionMark, ViewEvent, ViewModel};

pub fn show(
    ui: &mut egui::Ui,
    view: &AppView,
    doc_view: &mut DocumentView,
    search_open: bool,
    out: &mut Vec<Request>,
) {
    let session = view.session;
    let Some(doc) = session.current() else {
        ui.centered_and_justified(|ui| {
            ui.label(if session.project().is_some() {
                "Import documents with File > Import, or drop files here."
            } else {
                "Open or create a project (File menu), or drop files here."
            });
        });
        return;
    };
    let ranges: Vec<(usize, usize)> = if search_open {
        session
            .search
            .hits
            .iter()
            .filter(|h| h.doc == doc.id)
            .map(|h| (h.start, h.end))
            .collect()
    } else {
        Vec::new()
    };
    // Curation: every annotator's layer in a lane of its own, and where they disagree.
    let curation = session.curation();
    let lanes: Vec<Lane<'_>> = curation.map_or_else(Vec::new, |c| {
        c.layers
            .iter()
            .enumerate()
            .map(|(k, (a, spans))| Lane {
                name: &a.name,
                color: lane_color(k),
                spans,
            })
            .collect()
    });
    let disagreements: Vec<(usize, usize)> = curation.map_or_else(Vec::new, |c| {
        c.regions
            .iter()
            .filter(|r| !r.agreed())
            .map(|r| (r.start, r.end))
            .collect()
    });
    let current_region = curation
        .and_then(|c| c.at.and_then(|i| c.regions.get(i)))
        .map(|r| (r.start, r.end));
    // Computed once a frame: the current one is marked among the open ones.
    let current = session.selected_suggestion;
    let suggestions: Vec<SuggestionMark<'_>> = session
        .open_suggestions()
        .into_iter()
        .map(|s| SuggestionMark {
            span: s.span,
            source: &s.source,
            score: s.score,
            current: Some(s.span) == current,
        })
        .collect();
    let relations: Vec<tawsim_core::domain::Relation> = doc.ann.relations.iter().copied().collect();
    let model = ViewModel {
        doc_key: doc.key,
        text: &doc.text,
        spans: doc.ann.spans.as_slice(),
        labels: view.labels,
        selected_span: session.selected_span,
        search_hits: &ranges,
        direction: doc.direction,
        show_marks: view.prefs.show_marks,
        font_size: view.prefs.font_size,
        lanes: &lanes,
        disagreements: &disagreements,
        current_region,
        suggestions: &suggestions,
        relations: &relations,
        selected_relation: session.selected_relation,
        linking: session.linking.map(|l| (l.from, l.target)),
    };
    for ev in doc_view.show(ui, &model) {
        let cmd = match ev {
            ViewEvent::SpanClicked(s) if session.linking.is_some() => {
                Command::PickRelationTarget(s)
            }
            ViewEvent::SpanClicked(s) => Command::SelectSpan(Some(s)),
            ViewEvent::RelationClicked(r) => Command::SelectRelation(Some(r)),
            ViewEvent::RelationDragged { from, to } => Command::LinkSpans { from, to },
            ViewEvent::SelectionFinished { .. } => match session.sticky {
                Some(l) => Command::ApplyLabel(l),
                None => continue,
            },
            ViewEvent::SelectionChanged { .. } => Command::SelectSpan(None),
            ViewEvent::SpanResized { from, start, end } => match from.with_range(start, end) {
                Some(to) => Command::ReplaceSpan { from, to },
                None => continue,
            },
            ViewEvent::CaretMoved(_) => continue,
        };
        out.push(cmd.into());
    }
}
