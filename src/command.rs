//! Everything a user can ask of tawsim, as data. Menus, keyboard shortcuts, panels and the
//! document view all produce [`Command`]s; the app applies them once per frame. One enum
//! drives the menus, the shortcuts and the help list.

use crate::domain::{DocId, DocStatus, LabelId, LabelSet, ProjectSettings, Span};
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
    /// Escape in the document: closes the help or search window, else clears the selection.
    Escape,
    /// Shows or hides the list of keys (F1).
    Help,
    /// Dark, light, or the system's theme.
    SetTheme(egui::ThemePreference),
    /// Asks to delete the open document (a confirmation follows).
    DeleteDocument,
    /// Asks to delete the documents the last import added (a confirmation follows).
    DeleteLastImport,
    /// Deletes documents after the user confirmed.
    ConfirmDeleteDocuments(Vec<DocId>),
    /// Reading direction of the open document: auto (per paragraph), RTL or LTR.
    SetDirection(crate::layout::Direction),
}

impl Command {
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
            Command::Escape => "Close / clear selection",
            Command::Help => "Keys…",
            Command::SetTheme(_) => "Theme",
            Command::DeleteDocument | Command::ConfirmDeleteDocuments(_) => "Delete document…",
            Command::DeleteLastImport => "Delete the last import…",
        }
    }

    /// The shortcut as text ("Ctrl+P"), from the keymap.
    #[must_use]
    pub fn shortcut_text_plain(&self) -> String {
        crate::keymap::chord_of(self)
            .map(crate::keymap::Chord::text)
            .unwrap_or_default()
    }
}
