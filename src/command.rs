//! Everything a user can ask of tawsim, as data. Menus, keyboard shortcuts, panels and the
//! document view produce them; the app shell applies them once per frame. [`Command`] is a
//! small `Copy` value (what a menu item or a key triggers; one table in the keymap drives
//! the menus, the shortcuts and the help list); [`Request`] carries the payloads (paths,
//! label sets, import and export requests, searches).

use std::path::PathBuf;
use tawsim_core::curation::Rule;
use tawsim_core::domain::{
    Direction, DocId, DocStatus, LabelId, LabelSet, ProjectSettings, Relation, Span,
};
use tawsim_core::ops::{ExportRequest, ImportRequest};
use tawsim_core::session::{DocFilter, SearchSpec, SessionOp};

/// Which path a path dialog asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathPurpose {
    Open,
    New,
    Import,
    /// A gazetteer or Prodigy patterns file to suggest from.
    Suggest,
    /// The URL of a model server (a Label Studio ML backend) to suggest from.
    ModelServer,
}

#[must_use]
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Command {
    // Project and files
    NewProject,
    OpenProject,
    /// Asks a team project's URL (and password) and connects to it.
    OpenTeamProject,
    Import,
    Export,
    Quit,
    /// Stops the running import or export.
    CancelJob,
    /// Writes edits kept in memory after a failed save.
    RetrySave,
    /// Closes the error message.
    DismissError,
    /// Closes the import report.
    CloseReport,
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
    /// Ticks or unticks one search result.
    SetHitAccepted {
        index: usize,
        accept: bool,
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
    /// Asks the annotator's name again.
    AskAnnotator,
    /// Escape in the document: closes the help or search window, else clears the selection.
    Escape,
    /// Shows or hides the list of keys (F1).
    Help,
    /// Dark, light, or the system's theme.
    SetTheme(egui::ThemePreference),
    /// Computes inter-annotator agreement and shows the Agreement view.
    Agreement,
    /// Asks to delete the open document (a confirmation follows).
    DeleteDocument,
    /// Asks to delete the documents the last import added (a confirmation follows).
    DeleteLastImport,
    /// Reading direction of the open document: auto (per paragraph), RTL or LTR.
    SetDirection(Direction),
    // Curation
    /// Curation mode on or off: the curated layer is edited, every annotator's spans shown
    /// in lanes under the text.
    ToggleCuration,
    NextDisagreement,
    PreviousDisagreement,
    /// Accepts the k-th annotator's version (0-based) of the current region.
    AcceptVersion(u8),
    /// Rejects every version of the current region (the curated layer keeps nothing there).
    RejectRegion,
    /// Writes every region all annotators agree on into the curated layer.
    AcceptAgreements,
    /// Pre-merges the open document by the chosen rule.
    PremergeDocument,
    SetCurationRule(Rule),
    /// Goes to a region of the open document (an index into the curation's regions).
    GoToRegion(usize),
    // Suggestions
    /// Asks for a gazetteer or patterns file and suggests from it over the project.
    SuggestFromPatterns,
    /// Asks for a model server's URL and sends it every document.
    SuggestFromModelServer,
    NextSuggestion,
    PreviousSuggestion,
    AcceptSuggestion,
    RejectSuggestion,
    AcceptAllSuggestions,
    // Relations and document labels
    /// Starts a relation from the selected span.
    StartRelation,
    /// Moves the relation's target to the next (`back`: previous) span.
    StepRelationTarget {
        back: bool,
    },
    /// A click on a span while a relation is made.
    PickRelationTarget(Span),
    /// A drag from one span's tag to another: a relation between them (the type asked
    /// when several fit).
    LinkSpans {
        from: Span,
        to: Span,
    },
    ConfirmRelation,
    /// A relation type's key while a relation is made.
    FinishRelation(LabelId),
    CancelRelation,
    SelectRelation(Option<Relation>),
    DeleteRelation(Relation),
    ReverseRelation(Relation),
    /// Reverses the selected relation.
    ReverseSelectedRelation,
    RetypeRelation(Relation, LabelId),
    DeleteSpanWithRelations(Span),
    KeepSpan,
    ToggleDocLabel(LabelId),
    /// Document-label mode on or off: the next label key ticks a document label.
    DocLabelMode,
}

/// A request with a payload, or a [`Command`].
#[derive(Debug, Clone)]
pub enum Request {
    Command(Command),
    OpenPath(PathBuf),
    /// Files dropped on the window (a single `.tawsim` file opens as a project).
    ImportPaths(Vec<PathBuf>),
    /// A path typed or picked in a path dialog.
    PathChosen(PathPurpose, PathBuf),
    /// Runs an import on a background thread.
    StartImport(ImportRequest),
    /// Runs an export on a background thread.
    StartExport(ExportRequest),
    /// A new label set from the label panel (add, rename, recolour, reorder, hotkeys).
    SaveLabels(LabelSet),
    /// Writes the label set as JSON.
    ExportLabels(PathBuf),
    /// Reads a label set from JSON into the label editor's draft.
    ReadLabels(PathBuf),
    /// Deletes documents after the user confirmed.
    ConfirmDeleteDocuments(Vec<DocId>),
    /// The document list's filters.
    SetFilter(DocFilter),
    /// Runs the search window's query.
    Search(SearchSpec),
    /// Shows another annotator's layer read-only (`None`: one's own).
    ViewLayer(Option<tawsim_core::domain::AnnotatorId>),
    /// Annotates as this name from now on (kept in the preferences).
    SetAnnotator(String),
    /// Connects to a team project (the password is kept in memory only).
    OpenTeam {
        url: String,
        password: Password,
    },
    /// Closes the window although edits wait for an unreachable server (they are lost).
    CloseAnyway,
    /// Keeps the window open after closing it was asked while edits wait.
    KeepOpen,
}

/// A password typed in the window: kept in memory only, never shown (the request log
/// prints `<password>`).
#[derive(Clone, Default)]
pub struct Password(pub String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<password>")
    }
}

impl From<Command> for Request {
    fn from(c: Command) -> Self {
        Request::Command(c)
    }
}

impl Command {
    /// What the command is called in menus and help.
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            Command::NewProject => "New project…",
            Command::OpenProject => "Open project…",
            Command::OpenTeamProject => "Open team project…",
            Command::Import => "Import…",
            Command::Export => "Export…",
            Command::Quit => "Quit",
            Command::CancelJob => "Cancel",
            Command::RetrySave => "Retry saving",
            Command::DismissError => "OK",
            Command::CloseReport => "Close the report",
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
            Command::DeleteLabel(_) => "Delete label",
            Command::SaveSettings(_) => "Project settings",
            Command::Undo => "Undo",
            Command::Redo => "Redo",
            Command::Find => "Find…",
            Command::LabelAll => "Label all occurrences…",
            Command::AcceptOccurrences { .. } => "Accept occurrences",
            Command::SetHitAccepted { .. } => "Tick an occurrence",
            Command::GoToRange { .. } => "Go to",
            Command::ZoomIn => "Zoom in",
            Command::ZoomOut => "Zoom out",
            Command::ZoomReset => "Actual size",
            Command::ToggleMarks => "Show bidi marks",
            Command::ToggleFrameMeter => "Frame-time meter",
            Command::AskAnnotator => "Annotator name…",
            Command::SetDirection(_) => "Reading direction",
            Command::Escape => "Close / clear selection",
            Command::Help => "Keys…",
            Command::SetTheme(_) => "Theme",
            Command::Agreement => "Agreement…",
            Command::DeleteDocument => "Delete document…",
            Command::DeleteLastImport => "Delete the last import…",
            Command::ToggleCuration => "Curation mode",
            Command::NextDisagreement => "Next disagreement",
            Command::PreviousDisagreement => "Previous disagreement",
            Command::AcceptVersion(_) => "Accept an annotator's version",
            Command::RejectRegion => "Reject every version",
            Command::AcceptAgreements => "Accept all agreements",
            Command::PremergeDocument => "Pre-merge the document by the rule",
            Command::SetCurationRule(_) => "Pre-merge rule",
            Command::GoToRegion(_) => "Go to the region",
            Command::SuggestFromPatterns => "Suggest from a gazetteer or patterns…",
            Command::SuggestFromModelServer => "Suggest from a model server…",
            Command::NextSuggestion => "Next suggestion",
            Command::PreviousSuggestion => "Previous suggestion",
            Command::AcceptSuggestion => "Accept the suggestion",
            Command::RejectSuggestion => "Reject the suggestion",
            Command::AcceptAllSuggestions => "Accept all suggestions in the document",
            Command::StartRelation => "Link the selected span (relation)",
            Command::StepRelationTarget { .. } => "Next relation target",
            Command::PickRelationTarget(_) => "Choose the relation's target",
            Command::LinkSpans { .. } => "Link two spans",
            Command::ConfirmRelation => "Make the relation",
            Command::FinishRelation(_) => "Relation type",
            Command::CancelRelation => "Cancel the relation",
            Command::SelectRelation(_) => "Select relation",
            Command::DeleteRelation(_) => "Delete relation",
            Command::ReverseRelation(_) | Command::ReverseSelectedRelation => "Reverse relation",
            Command::RetypeRelation(..) => "Change the relation's type",
            Command::DeleteSpanWithRelations(_) => "Delete the span and its relations",
            Command::KeepSpan => "Keep the span",
            Command::ToggleDocLabel(_) => "Document label",
            Command::DocLabelMode => "Document labels…",
        }
    }

    /// The shortcut as text ("Ctrl+P"), from the keymap.
    #[must_use]
    pub fn shortcut_text_plain(self) -> String {
        crate::keymap::chord_of(&self)
            .map(crate::keymap::Chord::text)
            .unwrap_or_default()
    }
}

/// Where a suggestion key starts looking: the selection's (or caret's) first position.
fn from(selection: Option<(usize, usize)>) -> Option<usize> {
    selection.map(|(a, b)| a.min(b))
}

impl Command {
    /// The session's half of the command (`selection`: the document view's selection, for
    /// a label key); `None` for what the window does itself (dialogs, zoom, theme).
    #[must_use]
    pub fn session_op(self, selection: Option<(usize, usize)>) -> Option<SessionOp> {
        Some(match self {
            Command::CancelJob => SessionOp::CancelJob,
            Command::RetrySave => SessionOp::RetrySave,
            Command::SelectDocument(d) => SessionOp::SelectDocument(d),
            Command::NextDocument => SessionOp::NextDocument,
            Command::PreviousDocument => SessionOp::PreviousDocument,
            Command::MarkDoneAndNext => SessionOp::MarkDoneAndNext,
            Command::SetStatus(s) => SessionOp::SetStatus(s),
            Command::ApplyLabel(label) => SessionOp::ApplyLabel { label, selection },
            Command::ToggleSticky(l) => SessionOp::ToggleSticky(l),
            Command::SelectSpan(s) => SessionOp::SelectSpan(s),
            Command::NextSpan => SessionOp::NextSpan,
            Command::PreviousSpan => SessionOp::PreviousSpan,
            Command::DeleteSelectedSpan => SessionOp::DeleteSelectedSpan,
            Command::ResizeSelectedSpan { start, end } => {
                SessionOp::ResizeSelectedSpan { start, end }
            }
            Command::ReplaceSpan { from, to } => SessionOp::ReplaceSpan { from, to },
            Command::ToggleProclitic => SessionOp::ToggleProclitic,
            Command::DeleteLabel(l) => SessionOp::DeleteLabel(l),
            Command::Undo => SessionOp::Undo,
            Command::Redo => SessionOp::Redo,
            Command::AcceptOccurrences { label, only_ticked } => {
                SessionOp::AcceptOccurrences { label, only_ticked }
            }
            Command::SetHitAccepted { index, accept } => {
                SessionOp::SetHitAccepted { index, accept }
            }
            Command::GoToRange { doc, start, end } => SessionOp::GoToRange { doc, start, end },
            Command::SetDirection(d) => SessionOp::SetDirection(d),
            Command::NextDisagreement => SessionOp::NextDisagreement { back: false },
            Command::PreviousDisagreement => SessionOp::NextDisagreement { back: true },
            Command::AcceptVersion(k) => SessionOp::SettleRegion(Some(usize::from(k))),
            Command::RejectRegion => SessionOp::SettleRegion(None),
            Command::AcceptAgreements => SessionOp::AcceptAgreements,
            Command::PremergeDocument => SessionOp::PremergeDocument,
            Command::SetCurationRule(r) => SessionOp::SetCurationRule(r),
            Command::GoToRegion(i) => SessionOp::GoToRegion(i),
            Command::NextSuggestion => SessionOp::NextSuggestion {
                back: false,
                from: from(selection),
            },
            Command::PreviousSuggestion => SessionOp::NextSuggestion {
                back: true,
                from: from(selection),
            },
            Command::AcceptSuggestion => SessionOp::AcceptSuggestion {
                from: from(selection),
            },
            Command::RejectSuggestion => SessionOp::RejectSuggestion {
                from: from(selection),
            },
            Command::AcceptAllSuggestions => SessionOp::AcceptAllSuggestions,
            Command::StartRelation => SessionOp::StartRelation,
            Command::StepRelationTarget { back } => SessionOp::StepRelationTarget { back },
            Command::PickRelationTarget(s) => SessionOp::PickRelationTarget(s),
            Command::LinkSpans { from, to } => SessionOp::LinkSpans { from, to },
            Command::ConfirmRelation => SessionOp::ConfirmRelation,
            Command::FinishRelation(l) => SessionOp::FinishRelation(l),
            Command::CancelRelation => SessionOp::CancelRelation,
            Command::SelectRelation(r) => SessionOp::SelectRelation(r),
            Command::DeleteRelation(r) => SessionOp::DeleteRelation(r),
            Command::ReverseRelation(r) => SessionOp::ReverseRelation(r),
            Command::RetypeRelation(r, l) => SessionOp::RetypeRelation(r, l),
            Command::DeleteSpanWithRelations(s) => SessionOp::DeleteSpanWithRelations(s),
            Command::KeepSpan => SessionOp::KeepSpan,
            Command::ToggleDocLabel(l) => SessionOp::ToggleDocLabel(l),
            _ => return None,
        })
    }
}
