//! The curation panel, under the document in curation mode: the pre-merge rule and its
//! buttons, the annotators with their lane colours, the region the curator is at with each
//! annotator's version and the key that accepts it, and the list of the document's regions
//! the annotators disagree on (a click goes there).

use crate::command::{Command, Request};
use crate::ui::AppView;
use crate::ui::bidi_label::{BidiCache, BidiLabel};
use egui::{Color32, RichText};
use tawsim_core::curation::{Region, Rule};
use tawsim_core::domain::{IndexedText, LabelSet, Span};
use tawsim_core::session::Curation;

/// Lane colours, one per annotator in the curation's order: deep, saturated tones, apart
/// from the light label colours the bars are filled with (a lane's colour heads each of its
/// bars); the ninth annotator on takes the first again.
const LANES: [[u8; 3]; 8] = [
    [213, 0, 109],
    [0, 121, 107],
    [48, 63, 159],
    [230, 81, 0],
    [93, 64, 55],
    [123, 31, 162],
    [46, 125, 50],
    [0, 131, 143],
];

/// The colour of annotator `k`'s lane.
#[must_use]
pub fn lane_color(k: usize) -> Color32 {
    let [r, g, b] = LANES[k % LANES.len()];
    Color32::from_rgb(r, g, b)
}

/// The rules the panel offers.
const RULES: [Rule; 5] = [
    Rule::Majority,
    Rule::Unanimous,
    Rule::AtLeast(1),
    Rule::AtLeast(2),
    Rule::AtLeast(3),
];

/// A version of a region in words: `«جنيف» LOC, «غسان سلامة» PER`, or `nothing`.
#[must_use]
pub fn version_text(text: &IndexedText, labels: &LabelSet, spans: &[Span]) -> String {
    if spans.is_empty() {
        return "nothing".into();
    }
    spans
        .iter()
        .map(|s| {
            let words = text.slice(s.start, s.end).unwrap_or("?");
            let label = labels.get(s.label).map_or("?", |l| l.name.as_str());
            format!("«{words}» {label}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Shows the panel; nothing when not curating.
pub fn show(ui: &mut egui::Ui, view: &AppView, text: &mut BidiCache, out: &mut Vec<Request>) {
    let session = view.session;
    let (Some(c), Some(doc)) = (session.curation(), session.current()) else {
        return;
    };
    ui.horizontal_wrapped(|ui| toolbar(ui, view, c, out));
    ui.separator();
    if c.layers.is_empty() {
        ui.label("No annotator has a layer of this document.");
        return;
    }
    let height = ui.available_height().max(60.0);
    ui.columns(2, |cols| {
        egui::ScrollArea::vertical()
            .id_salt("curation-versions-scroll")
            .auto_shrink([false, false])
            .max_height(height)
            .show(&mut cols[0], |ui| {
                versions(ui, view, c, &doc.text, text, out)
            });
        egui::ScrollArea::vertical()
            .id_salt("curation-list-scroll")
            .auto_shrink([false, false])
            .max_height(height)
            .show(&mut cols[1], |ui| {
                disagreement_list(ui, view, c, &doc.text, text, out);
            });
    });
}

fn key(cmd: Command) -> String {
    cmd.shortcut_text_plain()
}

/// The rule, the buttons that act on the whole document, the way through the
/// disagreements, and progress.
fn toolbar(ui: &mut egui::Ui, view: &AppView, c: &Curation, out: &mut Vec<Request>) {
    ui.label(RichText::new("Curation").strong());
    ui.label("· editing the curated layer");
    ui.separator();
    egui::ComboBox::new("curation-rule", "rule")
        .selected_text(c.rule.name())
        .show_ui(ui, |ui| {
            for r in RULES {
                if ui.selectable_label(c.rule == r, r.name()).clicked() {
                    out.push(Command::SetCurationRule(r).into());
                }
            }
        });
    let mut button = |ui: &mut egui::Ui, title: String, hover: &str, cmd: Command| {
        if ui.button(title).on_hover_text(hover).clicked() {
            out.push(cmd.into());
        }
    };
    button(
        ui,
        format!("Pre-merge ({})", key(Command::PremergeDocument)),
        "Writes the spans enough annotators made (by the rule) into the curated layer, where it has nothing yet",
        Command::PremergeDocument,
    );
    button(
        ui,
        format!("Accept all agreements ({})", key(Command::AcceptAgreements)),
        "Writes every region all annotators agree on into the curated layer",
        Command::AcceptAgreements,
    );
    ui.separator();
    button(
        ui,
        format!("◀ {}", key(Command::PreviousDisagreement)),
        "Previous disagreement",
        Command::PreviousDisagreement,
    );
    button(
        ui,
        format!("{} ▶", key(Command::NextDisagreement)),
        "Next disagreement",
        Command::NextDisagreement,
    );
    ui.label(format!(
        "{} disagreement(s) in {} region(s)",
        c.disagreements(),
        c.regions.len()
    ));
    if let Some((done, total)) = view.session.curation_progress() {
        ui.separator();
        ui.label(format!("{done} of {total} documents curated"));
    }
    button(
        ui,
        format!("Mark curated and next ({})", key(Command::MarkDoneAndNext)),
        "The curated layer of this document is done; the next document opens",
        Command::MarkDoneAndNext,
    );
    button(
        ui,
        format!("End curation ({})", key(Command::ToggleCuration)),
        "Back to your own layer",
        Command::ToggleCuration,
    );
}

/// The region the curator is at: each annotator (lane colour, name) with their version and
/// the button (and key) that accepts it; reject all.
fn versions(
    ui: &mut egui::Ui,
    view: &AppView,
    c: &Curation,
    doc: &IndexedText,
    text: &mut BidiCache,
    out: &mut Vec<Request>,
) {
    let current: Option<&Region> = c.at.and_then(|i| c.regions.get(i));
    match current {
        Some(r) => {
            let state = if r.agreed() {
                "all agree"
            } else {
                "they disagree"
            };
            let snippet = doc.slice(r.start, r.end).unwrap_or_default();
            BidiLabel::new(&format!("Region «{snippet}» ({state}):"))
                .size(14.0)
                .show(ui, text);
        }
        None => {
            ui.label(format!(
                "Press {} for the next disagreement; each annotator's spans are in the lanes under the text:",
                key(Command::NextDisagreement)
            ));
        }
    }
    egui::Grid::new("curation-versions")
        .striped(true)
        .show(ui, |ui| {
            for (k, (a, spans)) in c.layers.iter().enumerate() {
                let (rect, _) =
                    ui.allocate_exact_size(egui::vec2(18.0, 10.0), egui::Sense::hover());
                ui.painter().rect_filled(rect, 2.0, lane_color(k));
                ui.painter().rect_stroke(
                    rect,
                    2.0,
                    egui::Stroke::new(1.0, ui.visuals().strong_text_color()),
                    egui::StrokeKind::Outside,
                );
                BidiLabel::new(&a.name).size(14.0).show(ui, text);
                if let Some(r) = current {
                    let v = version_text(doc, view.labels, &r.versions[k]);
                    BidiLabel::new(&v).size(14.0).show(ui, text);
                    let cmd = Command::AcceptVersion(u8::try_from(k).unwrap_or(u8::MAX));
                    let chord = crate::keymap::exact_chord_of(&cmd)
                        .map(|c| format!(" ({})", c.text()))
                        .unwrap_or_default();
                    if ui.button(format!("Accept{chord}")).clicked() {
                        out.push(cmd.into());
                    }
                } else {
                    ui.label(format!("{} span(s) in this document", spans.len()));
                    ui.label("");
                }
                ui.end_row();
            }
        });
    if current.is_some()
        && ui
            .button(format!(
                "Reject every version ({})",
                key(Command::RejectRegion)
            ))
            .clicked()
    {
        out.push(Command::RejectRegion.into());
    }
}

/// The document's regions the annotators disagree on, each with who said what; a click goes
/// there.
fn disagreement_list(
    ui: &mut egui::Ui,
    view: &AppView,
    c: &Curation,
    doc: &IndexedText,
    text: &mut BidiCache,
    out: &mut Vec<Request>,
) {
    ui.label("Disagreements in this document (a click goes there):");
    for (i, r) in c.regions.iter().enumerate().filter(|(_, r)| !r.agreed()) {
        let snippet = doc.slice(r.start, r.end).unwrap_or_default();
        let who: Vec<String> = c
            .layers
            .iter()
            .zip(&r.versions)
            .map(|((a, _), v)| {
                let labels: Vec<&str> = v
                    .iter()
                    .map(|s| view.labels.get(s.label).map_or("?", |l| l.name.as_str()))
                    .collect();
                let said = if labels.is_empty() {
                    "—".to_string()
                } else {
                    labels.join("+")
                };
                format!("{} {said}", a.name)
            })
            .collect();
        // Names first, read left to right; the words last.
        let line = format!("{}   «{snippet}»", who.join(" · "));
        let dir = tawsim_core::layout::Direction::Ltr;
        if crate::ui::bidi_button_in(ui, text, &line, c.at == Some(i), dir).clicked() {
            out.push(Command::GoToRegion(i).into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_names_each_span_and_its_label_or_says_nothing() {
        let text = IndexedText::new("زار غسان سلامة جنيف".to_string());
        let labels = LabelSet::arabic_news();
        let per = labels.by_name("PER").expect("PER").id;
        let loc = labels.by_name("LOC").expect("LOC").id;
        let spans = [
            Span::new(4, 14, per).expect("span"),
            Span::new(15, 19, loc).expect("span"),
        ];
        assert_eq!(
            version_text(&text, &labels, &spans),
            "«غسان سلامة» PER, «جنيف» LOC"
        );
        assert_eq!(version_text(&text, &labels, &[]), "nothing");
    }

    #[test]
    fn lanes_have_distinct_colours_for_eight_annotators() {
        let colours: std::collections::HashSet<_> = (0..8).map(lane_color).collect();
        assert_eq!(colours.len(), 8);
        assert_eq!(lane_color(8), lane_color(0));
    }
}
