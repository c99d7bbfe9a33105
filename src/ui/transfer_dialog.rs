//! File > Import and File > Export: a path (typed, picked, or dropped), a format picker and
//! the format's options. Starting one hands a request to the app, which runs it on a
//! background thread with a progress bar and a cancel button.

use crate::command::Request;
use std::path::PathBuf;
use tawsim_core::domain::DocStatus;
use tawsim_core::formats::{DoccanoShape, ExportOptions, Format, ImportOptions, Split, TagScheme};
use tawsim_core::ops::{ExportFilter, ExportRequest, ImportRequest};

/// Which dialog is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Import,
    Export,
}

/// The dialog's fields (UI state).
#[derive(Debug, Clone)]
pub struct TransferDialog {
    pub direction: Direction,
    pub path: String,
    pub format: Option<Format>,
    pub lenient: bool,
    pub split: Split,
    pub scheme: TagScheme,
    pub utf16: bool,
    pub status: Option<DocStatus>,
    pub labels: String,
    pub entities_shape: bool,
    pub clitic_tokens: bool,
    /// The output exists: asked once before replacing it.
    pub confirm_overwrite: bool,
}

impl TransferDialog {
    #[must_use]
    pub fn new(direction: Direction) -> Self {
        TransferDialog {
            direction,
            path: String::new(),
            format: if direction == Direction::Export {
                Some(Format::Doccano)
            } else {
                None
            },
            lenient: false,
            split: Split::Whole,
            scheme: TagScheme::Iob2,
            utf16: false,
            status: None,
            labels: String::new(),
            entities_shape: false,
            clitic_tokens: false,
            confirm_overwrite: false,
        }
    }

    fn import_request(&self) -> ImportRequest {
        ImportRequest {
            paths: vec![PathBuf::from(self.path.trim())],
            format: self.format,
            options: ImportOptions {
                lenient: self.lenient,
                split: self.split,
                scheme: self.scheme,
                utf16_offsets: self.utf16,
                ..ImportOptions::default()
            },
        }
    }

    fn export_request(&self, force: bool) -> Option<ExportRequest> {
        let labels: Vec<String> = self
            .labels
            .split(',')
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect();
        Some(ExportRequest {
            out: PathBuf::from(self.path.trim()),
            format: self.format?,
            filter: ExportFilter {
                // The session fills in the layer on show (another annotator's, when viewed).
                layer: None,
                status: self.status,
                labels: (!labels.is_empty()).then_some(labels),
                suggestions: None,
            },
            options: ExportOptions {
                utf16_offsets: self.utf16,
                scheme: self.scheme,
                clitic_tokens: self.clitic_tokens,
                doccano_shape: if self.entities_shape {
                    DoccanoShape::Entities
                } else {
                    DoccanoShape::Label
                },
                force,
                ..ExportOptions::default()
            },
        })
    }
}

fn browse(d: &mut TransferDialog) {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        return;
    }
    let picked = match d.direction {
        Direction::Import => rfd::FileDialog::new().pick_file(),
        Direction::Export => rfd::FileDialog::new().save_file(),
    };
    if let Some(p) = picked {
        d.path = p.display().to_string();
    }
}

/// Shows the dialog; returns false when it was closed.
pub fn show(ctx: &egui::Context, d: &mut TransferDialog, out: &mut Vec<Request>) -> bool {
    let mut keep = true;
    let title = if d.direction == Direction::Import {
        "Import documents"
    } else {
        "Export dataset"
    };
    let modal = egui::Modal::new(egui::Id::unique("transfer")).show(ctx, |ui| {
        ui.set_width(460.0);
        ui.heading(title);
        path_row(ui, d);
        let fmt = format_row(ui, d);
        match d.direction {
            Direction::Import => import_options(ui, d, fmt),
            Direction::Export => export_options(ui, d, fmt),
        }
        if matches!(fmt, Some(Format::Conll)) {
            ui.horizontal(|ui| {
                ui.label("Tags");
                ui.radio_value(&mut d.scheme, TagScheme::Iob2, "IOB2");
                ui.radio_value(&mut d.scheme, TagScheme::Iob1, "IOB1");
                ui.radio_value(&mut d.scheme, TagScheme::Bioes, "BIOES");
            });
        }
        if matches!(fmt, Some(Format::Doccano | Format::LabelStudio)) {
            ui.checkbox(&mut d.utf16, "Offsets count UTF-16 units");
        }
        if d.confirm_overwrite {
            ui.colored_label(
                egui::Color32::RED,
                format!("{} exists. Replace it?", d.path.trim()),
            );
        }
        ui.separator();
        keep = buttons(ui, d, out);
    });
    keep && !modal.should_close()
}

fn path_row(ui: &mut egui::Ui, d: &mut TransferDialog) {
    ui.horizontal(|ui| {
        let l = ui.label(if d.direction == Direction::Import {
            "File or folder"
        } else {
            "Output"
        });
        ui.vertical(|ui| {
            crate::ui::path_field::show(ui, &mut d.path, 300.0, l.id);
        });
        if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() && ui.button("Browse…").clicked()
        {
            browse(d);
        }
    });
}

/// The format picker; returns the format chosen or guessed from the path.
fn format_row(ui: &mut egui::Ui, d: &mut TransferDialog) -> Option<Format> {
    let formats: Vec<Format> = Format::ALL
        .into_iter()
        .filter(|f| {
            if d.direction == Direction::Import {
                f.can_import()
            } else {
                f.can_export()
            }
        })
        .collect();
    // Radio buttons, not a drop-down: a pop-up list can open behind the modal.
    ui.horizontal_wrapped(|ui| {
        ui.label("Format:");
        if d.direction == Direction::Import {
            ui.radio_value(&mut d.format, None, "guess from the file");
        }
        for f in formats {
            ui.radio_value(&mut d.format, Some(f), f.name());
        }
    });
    d.format
        .or_else(|| Format::guess(std::path::Path::new(d.path.trim())))
}

fn import_options(ui: &mut egui::Ui, d: &mut TransferDialog, fmt: Option<Format>) {
    if fmt == Some(Format::Text) {
        ui.horizontal(|ui| {
            ui.label("One document per");
            ui.radio_value(&mut d.split, Split::Whole, "file");
            ui.radio_value(&mut d.split, Split::Paragraphs, "paragraph");
            ui.radio_value(&mut d.split, Split::Lines, "line");
        });
    }
    ui.checkbox(
        &mut d.lenient,
        "Lenient: import what is valid, skip and list the rest",
    );
}

fn export_options(ui: &mut egui::Ui, d: &mut TransferDialog, fmt: Option<Format>) {
    ui.horizontal_wrapped(|ui| {
        ui.label("Documents:");
        ui.radio_value(&mut d.status, None, "all");
        for s in DocStatus::ALL {
            ui.radio_value(&mut d.status, Some(s), s.title());
        }
    });
    ui.horizontal(|ui| {
        let l = ui.label("Only labels");
        ui.add(
            egui::TextEdit::singleline(&mut d.labels)
                .hint_text("PER,LOC (empty: all)")
                .desired_width(160.0),
        )
        .labelled_by(l.id);
    });
    if fmt == Some(Format::Doccano) {
        ui.checkbox(
            &mut d.entities_shape,
            "doccano \"entities\" shape (instead of \"label\")",
        );
    }
    if matches!(fmt, Some(Format::Conll | Format::HfTokens)) {
        ui.checkbox(
            &mut d.clitic_tokens,
            "Split proclitics off tokens where a span starts after them",
        );
    }
}

/// Import / Export (asking once before replacing an output) and Cancel; false when the
/// dialog is done.
fn buttons(ui: &mut egui::Ui, d: &mut TransferDialog, out: &mut Vec<Request>) -> bool {
    let mut keep = true;
    ui.horizontal(|ui| {
        let ready =
            !d.path.trim().is_empty() && (d.direction == Direction::Import || d.format.is_some());
        let go = match (d.direction, d.confirm_overwrite) {
            (Direction::Import, _) => "Import",
            (Direction::Export, false) => "Export",
            (Direction::Export, true) => "Replace",
        };
        let enter = ui.input(|i| i.key_pressed(egui::Key::Enter));
        if ui.add_enabled(ready, egui::Button::new(go)).clicked() || (ready && enter) {
            match d.direction {
                Direction::Import => {
                    out.push(Request::StartImport(d.import_request()));
                    keep = false;
                }
                Direction::Export => {
                    let exists = std::path::Path::new(d.path.trim()).exists();
                    if exists && !d.confirm_overwrite {
                        d.confirm_overwrite = true;
                    } else if let Some(r) = d.export_request(exists) {
                        out.push(Request::StartExport(r));
                        keep = false;
                    }
                }
            }
        }
        if ui.button("Cancel").clicked() {
            keep = false;
        }
    });
    keep
}
