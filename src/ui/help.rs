//! The Help (F1) window: every key binding from the keymap, with this project's label keys.

use crate::domain::LabelSet;
use crate::keymap::{self, KeyContext};

pub fn show(ui: &mut egui::Ui, labels: &LabelSet) {
    ui.label("While a text field has focus, only keys with Ctrl or Alt act; label keys work whenever the document or nothing has focus. Escape closes any dialog.");
    ui.separator();
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            egui::Grid::new("keys").striped(true).show(ui, |ui| {
                for l in labels.enabled() {
                    if let Some(k) = l.hotkey {
                        ui.monospace(format!(
                            "{}  /  Shift+{}",
                            k.to_ascii_uppercase(),
                            k.to_ascii_uppercase()
                        ));
                        ui.label("document");
                        ui.label(format!("label {} / sticky {}", l.name, l.name));
                        ui.end_row();
                    }
                }
                for b in keymap::FIXED {
                    ui.monospace(b.chord.text());
                    ui.label(if b.contexts.contains(&KeyContext::TextField) {
                        "anywhere"
                    } else {
                        "document"
                    });
                    ui.label(b.help);
                    ui.end_row();
                }
            });
        });
}
