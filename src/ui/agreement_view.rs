//! Project > Agreement: the pairwise heatmap (annotators × annotators, the measure chosen),
//! per-label bars, and the confusion matrix of a pair, drawn with egui_plot; a cell opens
//! the documents behind it, and a document there opens in the view. The numbers come from
//! the session's background computation (`tawsim_core::agreement`).

use crate::command::{Command, Request};
use crate::ui::AppView;
use egui_plot::{Bar, BarChart, Plot, PlotPoints, Polygon, Text};
use tawsim_core::agreement::{PairDocument, PairReport, Report};

/// The measure the heatmap and the document list show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Measure {
    #[default]
    CohenKappa,
    SpanF1Exact,
    SpanF1Lenient,
}

impl Measure {
    const ALL: [Measure; 3] = [
        Measure::CohenKappa,
        Measure::SpanF1Exact,
        Measure::SpanF1Lenient,
    ];

    fn title(self) -> &'static str {
        match self {
            Measure::CohenKappa => "Cohen's κ (tokens)",
            Measure::SpanF1Exact => "span F1, exact",
            Measure::SpanF1Lenient => "span F1, lenient",
        }
    }

    fn of_pair(self, p: &PairReport) -> Option<f64> {
        match self {
            Measure::CohenKappa => p.cohen.and_then(|k| k.value),
            Measure::SpanF1Exact => p.spans.f1_exact(),
            Measure::SpanF1Lenient => p.spans.f1_lenient(),
        }
    }

    fn of_document(self, d: &PairDocument) -> Option<f64> {
        match self {
            Measure::CohenKappa => d.cohen.and_then(|k| k.value),
            Measure::SpanF1Exact => d.spans.f1_exact(),
            Measure::SpanF1Lenient => d.spans.f1_lenient(),
        }
    }
}

/// What a click in the view chose.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pick {
    /// A heatmap cell: a pair (index into the report's pairs).
    Pair(usize),
    /// A confusion cell of the pair: a's label, b's label (`None`: only one of them).
    Swap(usize, Option<String>, Option<String>),
}

/// The view's own state.
#[derive(Default)]
pub struct AgreementView {
    pub open: bool,
    measure: Measure,
    /// The pair whose confusion matrix is shown.
    pair: usize,
    pick: Option<Pick>,
    /// Document names (often Arabic) are laid out by parley.
    bidi: crate::ui::bidi_label::BidiCache,
}

fn colour(v: Option<f64>) -> egui::Color32 {
    match v {
        None => egui::Color32::from_gray(90),
        Some(v) => {
            // Red (≤ 0) through amber to green (1).
            let t = v.clamp(0.0, 1.0) as f32;
            let r = (220.0 * (1.0 - t) + 40.0 * t) as u8;
            let g = (60.0 * (1.0 - t) + 170.0 * t) as u8;
            egui::Color32::from_rgb(r, g, 70)
        }
    }
}

fn shown(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), |v| format!("{v:.3}"))
}

/// Shows the Agreement window when it is open.
pub fn show(ctx: &egui::Context, view: &AppView, st: &mut AgreementView, out: &mut Vec<Request>) {
    if !st.open {
        return;
    }
    let mut open = true;
    egui::Window::new("Agreement")
        .open(&mut open)
        .default_size([760.0, 620.0])
        .vscroll(true)
        .show(ctx, |ui| {
            if let Some(job) = view.session.agreement_job() {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(&job.title);
                    ui.add(
                        egui::ProgressBar::new(job.fraction())
                            .desired_width(200.0)
                            .show_percentage(),
                    );
                });
                return;
            }
            let Some(report) = view.session.agreement.as_deref() else {
                ui.label("No agreement computed yet.");
                if ui.button("Compute").clicked() {
                    out.push(Command::Agreement.into());
                }
                return;
            };
            contents(ui, report, st, out);
        });
    st.open &= open;
}

fn contents(ui: &mut egui::Ui, r: &Report, st: &mut AgreementView, out: &mut Vec<Request>) {
    ui.horizontal(|ui| {
        ui.label(format!("Annotators: {}", r.annotators.join(", ")));
        if ui.button("Compute again").clicked() {
            out.push(Command::Agreement.into());
        }
    });
    if r.pairs.is_empty() {
        ui.label("Agreement needs two annotators who annotated the same documents.");
        return;
    }
    ui.label(format!(
        "Overall: Fleiss' κ {} · Krippendorff's α {} · α_u {} · span F1 exact {} · {} tokens",
        shown(r.overall.fleiss_kappa),
        shown(r.overall.krippendorff_alpha),
        shown(r.overall.krippendorff_alpha_u),
        shown(r.overall.span_f1_exact),
        r.overall.tokens
    ));
    ui.label(format!(
        "Active time: {}",
        r.annotators
            .iter()
            .zip(&r.time)
            .map(|(a, t)| format!(
                "{a} {} on {} document(s)",
                tawsim_core::domain::duration_text(t.active_seconds),
                t.documents
            ))
            .collect::<Vec<_>>()
            .join(" · ")
    ));
    egui::ComboBox::from_label("Measure")
        .selected_text(st.measure.title())
        .show_ui(ui, |ui| {
            for m in Measure::ALL {
                ui.selectable_value(&mut st.measure, m, m.title());
            }
        });
    ui.columns(2, |cols| {
        heatmap(&mut cols[0], r, st);
        label_bars(&mut cols[1], r);
    });
    ui.separator();
    confusion(ui, r, st);
    ui.separator();
    documents(ui, r, st, out);
}

/// Annotators × annotators, each cell the measure for that pair (the diagonal is 1).
fn heatmap(ui: &mut egui::Ui, r: &Report, st: &mut AgreementView) {
    ui.strong(format!("Pairs: {}", st.measure.title()));
    let n = r.annotators.len();
    let names = r.annotators.clone();
    let value = |i: usize, j: usize| -> (Option<f64>, Option<usize>) {
        if i == j {
            return (Some(1.0), None);
        }
        let (a, b) = (i.min(j), i.max(j));
        r.pairs
            .iter()
            .position(|p| p.a == names[a] && p.b == names[b])
            .map_or((None, None), |k| (st.measure.of_pair(&r.pairs[k]), Some(k)))
    };
    let axis = names.clone();
    let shown_plot = Plot::new("agreement-heatmap")
        .height(240.0)
        .data_aspect(1.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .show_grid(false)
        .x_axis_formatter(move |m, _| label_at(&axis, m.value))
        .y_axis_formatter({
            // The first annotator's row at the top, as a matrix is read.
            let axis: Vec<String> = names.iter().rev().cloned().collect();
            move |m, _| label_at(&axis, m.value)
        })
        .show(ui, |p| {
            for i in 0..n {
                for j in 0..n {
                    let (v, _) = value(i, j);
                    let (x, y) = (j as f64, (n - 1 - i) as f64);
                    let cell = vec![
                        [x - 0.5, y - 0.5],
                        [x + 0.5, y - 0.5],
                        [x + 0.5, y + 0.5],
                        [x - 0.5, y + 0.5],
                    ];
                    p.polygon(
                        Polygon::new(format!("{}–{}", names[i], names[j]), PlotPoints::new(cell))
                            .fill_color(colour(v))
                            .stroke(egui::Stroke::new(1.0, egui::Color32::from_gray(30))),
                    );
                    p.text(Text::new("", [x, y].into(), shown(v)).color(egui::Color32::WHITE));
                }
            }
            p.pointer_coordinate()
        });
    if shown_plot.response.clicked()
        && let Some(at) = shown_plot.inner
    {
        let (j, i) = (at.x.round(), (n as f64 - 1.0) - at.y.round());
        if (0.0..n as f64).contains(&i)
            && (0.0..n as f64).contains(&j)
            && let (_, Some(k)) = value(i as usize, j as usize)
        {
            st.pair = k;
            st.pick = Some(Pick::Pair(k));
        }
    }
    // The same cells as buttons (keyboard and screen readers).
    ui.horizontal_wrapped(|ui| {
        for (k, p) in r.pairs.iter().enumerate() {
            let text = format!("{} – {}: {}", p.a, p.b, shown(st.measure.of_pair(p)));
            if ui.selectable_label(st.pair == k, text).clicked() {
                st.pair = k;
                st.pick = Some(Pick::Pair(k));
            }
        }
    });
}

fn label_at(names: &[String], v: f64) -> String {
    let k = v.round();
    if (v - k).abs() < 1e-6 && k >= 0.0 && (k as usize) < names.len() {
        names[k as usize].clone()
    } else {
        String::new()
    }
}

/// Krippendorff's α per label (that label against everything else).
fn label_bars(ui: &mut egui::Ui, r: &Report) {
    ui.strong("Labels: Krippendorff's α");
    let names: Vec<String> = r.labels.iter().map(|(l, _)| l.clone()).collect();
    let bars: Vec<Bar> = r
        .labels
        .iter()
        .enumerate()
        .map(|(k, (l, m))| {
            let v = m.krippendorff_alpha.unwrap_or(0.0);
            Bar::new(k as f64, v)
                .name(format!("{l}: {}", shown(m.krippendorff_alpha)))
                .fill(colour(m.krippendorff_alpha))
        })
        .collect();
    Plot::new("agreement-labels")
        .height(240.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .include_y(0.0)
        .include_y(1.0)
        .x_axis_formatter(move |m, _| label_at(&names, m.value))
        .show(ui, |p| p.bar_chart(BarChart::new("α", bars).width(0.6)));
}

/// The chosen pair's labels against each other; a count opens its documents.
fn confusion(ui: &mut egui::Ui, r: &Report, st: &mut AgreementView) {
    let Some(p) = r.pairs.get(st.pair) else {
        return;
    };
    ui.strong(format!(
        "Labels of {} (rows) against {} (columns)",
        p.a, p.b
    ));
    let rows: std::collections::BTreeSet<&String> = p
        .confusion
        .pairs
        .keys()
        .map(|(a, _)| a)
        .chain(p.confusion.only_a.keys())
        .collect();
    let cols: std::collections::BTreeSet<&String> = p
        .confusion
        .pairs
        .keys()
        .map(|(_, b)| b)
        .chain(p.confusion.only_b.keys())
        .collect();
    let k = st.pair;
    let mut cell =
        |ui: &mut egui::Ui, n: usize, a: Option<&String>, b: Option<&String>, what: String| {
            if n == 0 {
                ui.label("");
                return;
            }
            let pick = Pick::Swap(k, a.cloned(), b.cloned());
            let on = st.pick.as_ref() == Some(&pick);
            let resp = ui.selectable_label(on, n.to_string()).on_hover_text(&what);
            // The accessible name says what the count is.
            resp.widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::Button, true, format!("{what}: {n}"))
            });
            if resp.clicked() {
                st.pick = Some(pick);
            }
        };
    egui::Grid::new("agreement-confusion")
        .striped(true)
        .show(ui, |ui| {
            ui.label("");
            for c in &cols {
                ui.strong(c.as_str());
            }
            ui.strong(format!("only {}", p.a));
            ui.end_row();
            for a in &rows {
                ui.strong(a.as_str());
                for b in &cols {
                    let n = p
                        .confusion
                        .pairs
                        .get(&((*a).clone(), (*b).clone()))
                        .copied()
                        .unwrap_or(0);
                    cell(ui, n, Some(a), Some(b), format!("{a} → {b}"));
                }
                let n = p.confusion.only_a.get(*a).copied().unwrap_or(0);
                cell(ui, n, Some(a), None, format!("{a} only in {}", p.a));
                ui.end_row();
            }
            ui.strong(format!("only {}", p.b));
            for b in &cols {
                let n = p.confusion.only_b.get(*b).copied().unwrap_or(0);
                cell(ui, n, None, Some(b), format!("{b} only in {}", p.b));
            }
            ui.end_row();
        });
}

/// A confusion cell: a's label and b's (`None`: only the other made a span there).
type SwapCell<'a> = (&'a Option<String>, &'a Option<String>);

/// The documents behind the chosen cell, worst first; a click opens one.
fn documents(ui: &mut egui::Ui, r: &Report, st: &mut AgreementView, out: &mut Vec<Request>) {
    let Some(pick) = &st.pick else {
        ui.weak("Click a cell to list the documents behind it.");
        return;
    };
    let (k, filter): (usize, Option<SwapCell<'_>>) = match pick {
        Pick::Pair(k) => (*k, None),
        Pick::Swap(k, a, b) => (*k, Some((a, b))),
    };
    let Some(p) = r.pairs.get(k) else { return };
    let mut rows: Vec<(&PairDocument, usize)> = p
        .per_document
        .iter()
        .filter_map(|d| {
            let n = match filter {
                None => 1,
                Some((Some(a), Some(b))) => d
                    .confusion
                    .pairs
                    .get(&(a.clone(), b.clone()))
                    .copied()
                    .unwrap_or(0),
                Some((Some(a), None)) => d.confusion.only_a.get(a).copied().unwrap_or(0),
                Some((None, Some(b))) => d.confusion.only_b.get(b).copied().unwrap_or(0),
                Some((None, None)) => 0,
            };
            (n > 0).then_some((d, n))
        })
        .collect();
    rows.sort_by(|x, y| {
        let v = |d: &PairDocument| st.measure.of_document(d).unwrap_or(f64::INFINITY);
        v(x.0).total_cmp(&v(y.0))
    });
    ui.strong(format!("Documents ({})", rows.len()));
    for (d, n) in rows {
        let Some((name, _)) = r.documents.get(d.index) else {
            continue;
        };
        let text = match filter {
            None => format!("{name}: {}", shown(st.measure.of_document(d))),
            Some(_) => format!("{name}: {n} span(s)"),
        };
        let id = r.document_ids.get(d.index).copied().flatten();
        let resp = crate::ui::bidi_button(ui, &mut st.bidi, &text, false);
        resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &text));
        if resp.clicked()
            && let Some(id) = id
        {
            out.push(Command::SelectDocument(id).into());
        }
    }
}
