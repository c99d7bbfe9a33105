//! Everything a user can ask of tawsim, as data. Menus, keyboard shortcuts, panels and the
//! document view all produce [`Command`]s; the app applies them once per frame. One enum
//! drives the menus, the shortcuts and the help list.

use crate::domain::{DocId, DocStatus, LabelId, LabelSet, ProjectSettings, Span};
use egui::{Key, KeyboardShortcut, Modifiers};
use std::path::PathBuf;

#[must_use]
#[derive(Debug, Clone)]
pub enum Command {
    // Project and files
    NewProject,
    OpenProject,
    OpenPath(PathBuf),
    Import,
    ImportPaths(Vec<PathBuf>),
    Export,
    Quit,
    /// Runs an import on a background thread.
    StartImport(crate::ui::transfer_dialog::ImportRequest),
    /// Runs an export on a background thread.
    StartExport(crate::ui::transfer_dialog::ExportRequest),
    /// Stops the running import or export.
    CancelJob,
    /// Writes edits kept in memory after a failed save.
    RetrySave,
    // Documents
    SelectDocument(DocId),
    NextDocument,
    PreviousDocument,
    MarkDoneAndNext,
    SetStatus(DocStatus),
    // Spans
    ApplyLabel(LabelId),
    ToggleSticky(LabelId),
    SelectSpan(Option<Span>),
    NextSpan,
    PreviousSpan,
    DeleteSelectedSpan,
    /// Moves the selected span's start/end by whole grapheme clusters (visual keys map to
    /// logical directions in the view).
    ResizeSelectedSpan {
        start: isize,
        end: isize,
    },
    /// A span's new extent after its edge was dragged (one undo step).
    ReplaceSpan {
        from: Span,
        to: Span,
    },
    /// Switches the selected span between the whole word and the word without its proclitic.
    ToggleProclitic,
    /// A new label set from the label panel (add, rename, recolour, reorder, hotkeys).
    SaveLabels(LabelSet),
    /// Deletes a label and its spans (after the user confirmed).
    DeleteLabel(LabelId),
    /// New overlap policy / boundary mode for the project.
    SaveSettings(ProjectSettings),
    Undo,
    Redo,
    // Search
    Find,
    LabelAll,
    /// Adds the search window's occurrences (all new ones, or the ticked ones) with `label`.
    AcceptOccurrences {
        label: LabelId,
        only_ticked: bool,
    },
    /// Opens a document and selects a range in it (a search result).
    GoToRange {
        doc: DocId,
        start: usize,
        end: usize,
    },
    // View
    ZoomIn,
    ZoomOut,
    ZoomReset,
    ToggleMarks,
    ToggleFrameMeter,
    /// Reading direction of the open document: auto (per paragraph), RTL or LTR.
    SetDirection(crate::layout::Direction),
}

impl Command {
    /// The commands with a fixed shortcut, in the order they are matched.
    pub const WITH_SHORTCUTS: &'static [Command] = &[
        Command::Redo, // before Undo: Ctrl+Shift+Z must not be read as Ctrl+Z
        Command::Undo,
        Command::MarkDoneAndNext,
        Command::NextDocument,
        Command::PreviousDocument,
        Command::DeleteSelectedSpan,
        Command::Find,
        Command::ZoomIn,
        Command::ZoomOut,
        Command::ZoomReset,
        Command::OpenProject,
        Command::Import,
        Command::Export,
        Command::ToggleProclitic,
        Command::LabelAll,
    ];

    /// What the command is called in menus and help.
    #[must_use]
    pub fn title(&self) -> &'static str {
        match self {
            Command::NewProject => "New project…",
            Command::OpenProject | Command::OpenPath(_) => "Open project…",
            Command::Import | Command::ImportPaths(_) => "Import…",
            Command::Export => "Export…",
            Command::Quit => "Quit",
            Command::StartImport(_) => "Import",
            Command::StartExport(_) => "Export",
            Command::CancelJob => "Cancel",
            Command::RetrySave => "Retry saving",
            Command::SelectDocument(_) => "Open document",
            Command::NextDocument => "Next document",
            Command::PreviousDocument => "Previous document",
            Command::MarkDoneAndNext => "Mark done and go to next",
            Command::SetStatus(_) => "Set status",
            Command::ApplyLabel(_) => "Label the selection",
            Command::ToggleSticky(_) => "Sticky label",
            Command::SelectSpan(_) => "Select span",
            Command::NextSpan => "Next span",
            Command::PreviousSpan => "Previous span",
            Command::DeleteSelectedSpan => "Delete span",
            Command::ResizeSelectedSpan { .. } | Command::ReplaceSpan { .. } => "Resize span",
            Command::ToggleProclitic => "Toggle proclitic on span",
            Command::SaveLabels(_) => "Save labels",
            Command::DeleteLabel(_) => "Delete label",
            Command::SaveSettings(_) => "Project settings",
            Command::Undo => "Undo",
            Command::Redo => "Redo",
            Command::Find => "Find…",
            Command::LabelAll => "Label all occurrences…",
            Command::AcceptOccurrences { .. } => "Accept occurrences",
            Command::GoToRange { .. } => "Go to",
            Command::ZoomIn => "Zoom in",
            Command::ZoomOut => "Zoom out",
            Command::ZoomReset => "Actual size",
            Command::ToggleMarks => "Show bidi marks",
            Command::ToggleFrameMeter => "Frame-time meter",
            Command::SetDirection(_) => "Reading direction",
        }
    }

    /// The main shortcut, if the command has one.
    #[must_use]
    pub fn shortcut(&self) -> Option<KeyboardShortcut> {
        let k = |m, key| Some(KeyboardShortcut::new(m, key));
        let cmd = Modifiers::COMMAND;
        match self {
            Command::Undo => k(cmd, Key::Z),
            Command::Redo => k(cmd | Modifiers::SHIFT, Key::Z),
            Command::MarkDoneAndNext => k(cmd, Key::Enter),
            Command::NextDocument => k(Modifiers::NONE, Key::PageDown),
            Command::PreviousDocument => k(Modifiers::NONE, Key::PageUp),
            Command::DeleteSelectedSpan => k(Modifiers::NONE, Key::Delete),
            Command::Find => k(cmd, Key::F),
            Command::ZoomIn => k(cmd, Key::Plus),
            Command::ZoomOut => k(cmd, Key::Minus),
            Command::ZoomReset => k(cmd, Key::Num0),
            Command::OpenProject => k(cmd, Key::O),
            Command::Import => k(cmd, Key::I),
            Command::Export => k(cmd, Key::E),
            Command::ToggleProclitic => k(cmd, Key::P),
            Command::LabelAll => k(cmd, Key::L),
            _ => None,
        }
    }

    /// Further shortcuts for the same command.
    #[must_use]
    pub fn alternative_shortcuts(&self) -> Vec<KeyboardShortcut> {
        let k = KeyboardShortcut::new;
        match self {
            Command::Redo => vec![k(Modifiers::COMMAND, Key::Y)],
            Command::NextDocument => vec![k(Modifiers::ALT, Key::ArrowLeft)],
            Command::PreviousDocument => vec![k(Modifiers::ALT, Key::ArrowRight)],
            Command::DeleteSelectedSpan => vec![k(Modifiers::NONE, Key::Backspace)],
            Command::ZoomIn => vec![k(Modifiers::COMMAND, Key::Equals)],
            _ => Vec::new(),
        }
    }

    /// The shortcut as text without a context, for status messages ("Ctrl+P").
    #[must_use]
    pub fn shortcut_text_plain(&self) -> String {
        self.shortcut()
            .map(|s| s.format(&egui::ModifierNames::NAMES, false))
            .unwrap_or_default()
    }

    /// The shortcut as text for menus ("Ctrl+Z").
    #[must_use]
    pub fn shortcut_text(&self, ctx: &egui::Context) -> String {
        self.shortcut()
            .map(|s| ctx.format_shortcut(&s))
            .unwrap_or_default()
    }
}

/// Reads this frame's fixed shortcuts (consuming them) into commands.
pub fn read_shortcuts(ctx: &egui::Context, out: &mut Vec<Command>) {
    ctx.input_mut(|i| {
        for c in Command::WITH_SHORTCUTS {
            let shortcuts = c.shortcut().into_iter().chain(c.alternative_shortcuts());
            for s in shortcuts {
                if i.consume_shortcut(&s) {
                    out.push(c.clone());
                    break;
                }
            }
        }
    });
}

/// Label hotkeys (`1`–`9`, letters) pressed without modifiers this frame, as label ids.
/// Only read when no text field has focus.
pub fn read_label_hotkeys(
    ctx: &egui::Context,
    labels: &LabelSet,
    sticky_with_shift: bool,
    out: &mut Vec<Command>,
) {
    if ctx.egui_wants_keyboard_input() {
        return;
    }
    ctx.input(|i| {
        for e in &i.events {
            if let egui::Event::Key {
                key,
                pressed: true,
                modifiers,
                repeat: false,
                ..
            } = e
            {
                if modifiers.ctrl || modifiers.alt || modifiers.command || modifiers.mac_cmd {
                    continue;
                }
                let Some(ch) = key_char(*key) else { continue };
                if let Some(l) = labels.by_hotkey(ch) {
                    out.push(if modifiers.shift && sticky_with_shift {
                        Command::ToggleSticky(l.id)
                    } else {
                        Command::ApplyLabel(l.id)
                    });
                }
            }
        }
    });
}

fn key_char(key: Key) -> Option<char> {
    let name = key.name();
    let mut chars = name.chars();
    let c = chars.next()?;
    (chars.next().is_none() && c.is_ascii_alphanumeric()).then(|| c.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortcuts_are_unique() {
        let mut seen = Vec::new();
        for c in Command::WITH_SHORTCUTS {
            for s in c.shortcut().into_iter().chain(c.alternative_shortcuts()) {
                assert!(!seen.contains(&s), "{s:?} bound twice");
                seen.push(s);
            }
        }
    }

    #[test]
    fn digit_and_letter_keys_map_to_hotkey_chars() {
        assert_eq!(key_char(Key::Num1), Some('1'));
        assert_eq!(key_char(Key::A), Some('a'));
        assert_eq!(key_char(Key::Enter), None);
    }
}
