//! One table of every key binding: fixed shortcuts, the document view's keys, span keys and
//! the label hotkeys a project sets, each with the contexts it applies in. The app reads keys
//! through [`read`] only; menus, the Help (F1) window and the README's key table are made
//! from the same table, and a test fails on any two bindings that clash in one context.
//!
//! The rule (as in rerun's `re_ui`): while a text field has focus no key without Ctrl or Alt
//! is read, so Backspace, Delete, letters and digits edit the text; label keys work whenever
//! the document view or no widget has focus; while a modal is open only the modal's own keys
//! (Escape, Enter) act.

use crate::command::Command;
use crate::domain::{LabelKind, LabelSet};
use crate::layout::Motion;
use egui::{Key, Modifiers};

/// Where the keyboard is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyContext {
    /// The document view has focus, or no widget has.
    Document,
    /// A text field (filter, search, label editor, path) has focus.
    TextField,
    /// A modal dialog is open: only its own keys act.
    Modal,
    /// A relation is being made (after the relation key): Tab chooses the target, a
    /// relation type's key or Enter makes it, Escape cancels.
    Linking,
    /// Document-label mode (after F7): a document label's key ticks or unticks it.
    DocLabels,
}

impl KeyContext {
    /// The context of this frame's keys, from what has focus now.
    #[must_use]
    pub fn current(ctx: &egui::Context, modal_open: bool) -> KeyContext {
        if modal_open {
            KeyContext::Modal
        } else if ctx.text_edit_focused() {
            KeyContext::TextField
        } else {
            KeyContext::Document
        }
    }

    /// The document's context in a mode (a relation being made, document-label mode).
    #[must_use]
    pub fn in_mode(self, linking: bool, doc_labels: bool) -> KeyContext {
        match self {
            KeyContext::Document if linking => KeyContext::Linking,
            KeyContext::Document if doc_labels => KeyContext::DocLabels,
            c => c,
        }
    }
}

/// A key the document view handles (caret, selection, scrolling).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewKey {
    /// Moves the caret; with `extend`, the selection's moving end.
    Move {
        motion: Motion,
        extend: bool,
    },
    /// Scrolls by a page (down for `+1`), the caret with it.
    Page(i8),
    DocumentStart,
    DocumentEnd,
}

/// What a key does.
#[derive(Debug, Clone)]
pub enum Action {
    Command(Command),
    View(ViewKey),
}

/// A key with its modifiers. Keys that need Shift on common layouts (`+`) match with or
/// without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chord {
    pub mods: Modifiers,
    pub key: Key,
}

impl Chord {
    #[must_use]
    pub const fn new(mods: Modifiers, key: Key) -> Chord {
        Chord { mods, key }
    }

    fn shift_free(self) -> bool {
        matches!(self.key, Key::Plus | Key::Minus | Key::Equals)
    }

    /// Whether a key event with `mods` is this chord (modifiers matched exactly, so Alt+Left
    /// is never read as Alt+Shift+Left).
    #[must_use]
    pub fn matches(self, key: Key, mods: Modifiers) -> bool {
        if key != self.key {
            return false;
        }
        if self.shift_free() {
            let mut m = mods;
            m.shift = self.mods.shift;
            m.matches_exact(self.mods)
        } else {
            mods.matches_exact(self.mods)
        }
    }

    /// Whether two chords can be the same key press.
    #[must_use]
    pub fn overlaps(self, other: Chord) -> bool {
        other.matches(self.key, self.mods) || self.matches(other.key, other.mods)
    }

    /// "Ctrl+Shift+Z", "Alt+←".
    #[must_use]
    pub fn text(self) -> String {
        let mut s = String::new();
        for (on, name) in [
            (self.mods.command || self.mods.ctrl, "Ctrl+"),
            (self.mods.alt, "Alt+"),
            (self.mods.shift, "Shift+"),
        ] {
            if on {
                s.push_str(name);
            }
        }
        s.push_str(match self.key {
            Key::ArrowLeft => "←",
            Key::ArrowRight => "→",
            Key::ArrowUp => "↑",
            Key::ArrowDown => "↓",
            Key::Plus => "+",
            Key::Minus => "−",
            Key::Num0 => "0",
            k => k.name(),
        });
        s
    }
}

/// One entry of the table.
#[derive(Debug, Clone)]
pub struct Binding {
    pub chord: Chord,
    pub action: Action,
    pub contexts: &'static [KeyContext],
    /// What the help list says it does.
    pub help: &'static str,
}

const DOC: &[KeyContext] = &[KeyContext::Document];
const LINK: &[KeyContext] = &[KeyContext::Linking];
const DOC_LABELS: &[KeyContext] = &[KeyContext::DocLabels];
/// Chords with Ctrl: in the document and in text fields, never behind a modal.
const ANY: &[KeyContext] = &[KeyContext::Document, KeyContext::TextField];

const NONE: Modifiers = Modifiers::NONE;
const CTRL: Modifiers = Modifiers::COMMAND;
const SHIFT: Modifiers = Modifiers::SHIFT;
const ALT: Modifiers = Modifiers::ALT;
const CTRL_SHIFT: Modifiers = Modifiers {
    shift: true,
    ..Modifiers::COMMAND
};
const ALT_SHIFT: Modifiers = Modifiers {
    shift: true,
    ..Modifiers::ALT
};

const fn cmd(
    mods: Modifiers,
    key: Key,
    c: Command,
    contexts: &'static [KeyContext],
    help: &'static str,
) -> Binding {
    Binding {
        chord: Chord::new(mods, key),
        action: Action::Command(c),
        contexts,
        help,
    }
}

const fn view(mods: Modifiers, key: Key, v: ViewKey, help: &'static str) -> Binding {
    Binding {
        chord: Chord::new(mods, key),
        action: Action::View(v),
        contexts: DOC,
        help,
    }
}

const fn mv(motion: Motion, extend: bool) -> ViewKey {
    ViewKey::Move { motion, extend }
}

/// Every fixed binding, in help order. Label hotkeys come from the project ([`bindings`]).
pub static FIXED: &[Binding] = &[
    // Spans
    cmd(
        NONE,
        Key::Tab,
        Command::NextSpan,
        DOC,
        "select the next span in reading order",
    ),
    cmd(
        SHIFT,
        Key::Tab,
        Command::PreviousSpan,
        DOC,
        "select the previous span",
    ),
    cmd(
        NONE,
        Key::Delete,
        Command::DeleteSelectedSpan,
        DOC,
        "delete the selected span",
    ),
    cmd(
        NONE,
        Key::Backspace,
        Command::DeleteSelectedSpan,
        DOC,
        "delete the selected span",
    ),
    cmd(
        NONE,
        Key::Escape,
        Command::Escape,
        DOC,
        "close the search or help window; else clear the selection",
    ),
    cmd(
        ALT,
        Key::ArrowLeft,
        Command::ResizeSelectedSpan { start: 1, end: 0 },
        DOC,
        "move the selected span's start one grapheme cluster left (forward in RTL)",
    ),
    cmd(
        ALT,
        Key::ArrowRight,
        Command::ResizeSelectedSpan { start: -1, end: 0 },
        DOC,
        "move the selected span's start one grapheme cluster right (back in RTL)",
    ),
    cmd(
        ALT_SHIFT,
        Key::ArrowLeft,
        Command::ResizeSelectedSpan { start: 0, end: 1 },
        DOC,
        "move the selected span's end one grapheme cluster left (forward in RTL)",
    ),
    cmd(
        ALT_SHIFT,
        Key::ArrowRight,
        Command::ResizeSelectedSpan { start: 0, end: -1 },
        DOC,
        "move the selected span's end one grapheme cluster right (back in RTL)",
    ),
    cmd(
        CTRL,
        Key::P,
        Command::ToggleProclitic,
        ANY,
        "toggle the proclitic (و ف ب ل ك) on the selected span",
    ),
    cmd(
        CTRL,
        Key::L,
        Command::LabelAll,
        ANY,
        "label all occurrences of the selected span or selection",
    ),
    cmd(
        CTRL,
        Key::Z,
        Command::Undo,
        DOC,
        "undo (unlimited, per document, kept in the project file)",
    ),
    cmd(CTRL_SHIFT, Key::Z, Command::Redo, DOC, "redo"),
    cmd(CTRL, Key::Y, Command::Redo, DOC, "redo"),
    // Documents
    cmd(
        CTRL,
        Key::Enter,
        Command::MarkDoneAndNext,
        DOC,
        "mark the document done and open the next",
    ),
    cmd(
        CTRL,
        Key::PageDown,
        Command::NextDocument,
        ANY,
        "next document",
    ),
    cmd(
        CTRL,
        Key::PageUp,
        Command::PreviousDocument,
        ANY,
        "previous document",
    ),
    cmd(
        CTRL,
        Key::F,
        Command::Find,
        ANY,
        "search the document or project (hamza forms, ة/ه, ى/ي, harakat, tatweel, U+200E/F ignored)",
    ),
    // Curation
    cmd(
        CTRL_SHIFT,
        Key::C,
        Command::ToggleCuration,
        ANY,
        "curation mode on or off: edit the curated layer, every annotator's spans in lanes under the text",
    ),
    cmd(
        NONE,
        Key::F8,
        Command::NextDisagreement,
        DOC,
        "curation: go to the next region the annotators disagree on",
    ),
    cmd(
        SHIFT,
        Key::F8,
        Command::PreviousDisagreement,
        DOC,
        "curation: go to the previous disagreement",
    ),
    cmd(
        ALT,
        Key::Num1,
        Command::AcceptVersion(0),
        DOC,
        "curation: accept annotator 1's version of the region (lane 1)",
    ),
    cmd(
        ALT,
        Key::Num2,
        Command::AcceptVersion(1),
        DOC,
        "curation: accept annotator 2's version of the region (lane 2)",
    ),
    cmd(
        ALT,
        Key::Num3,
        Command::AcceptVersion(2),
        DOC,
        "curation: accept annotator 3's version of the region (lane 3)",
    ),
    cmd(
        ALT,
        Key::Num4,
        Command::AcceptVersion(3),
        DOC,
        "curation: accept annotator 4's version of the region (lane 4)",
    ),
    cmd(
        ALT,
        Key::Num5,
        Command::AcceptVersion(4),
        DOC,
        "curation: accept annotator 5's version of the region (lane 5)",
    ),
    cmd(
        ALT,
        Key::Num6,
        Command::AcceptVersion(5),
        DOC,
        "curation: accept annotator 6's version of the region (lane 6)",
    ),
    cmd(
        ALT,
        Key::Num7,
        Command::AcceptVersion(6),
        DOC,
        "curation: accept annotator 7's version of the region (lane 7)",
    ),
    cmd(
        ALT,
        Key::Num8,
        Command::AcceptVersion(7),
        DOC,
        "curation: accept annotator 8's version of the region (lane 8)",
    ),
    cmd(
        ALT,
        Key::Num9,
        Command::AcceptVersion(8),
        DOC,
        "curation: accept annotator 9's version of the region (lane 9)",
    ),
    cmd(
        ALT,
        Key::Num0,
        Command::RejectRegion,
        DOC,
        "curation: reject every version of the region",
    ),
    cmd(
        CTRL_SHIFT,
        Key::A,
        Command::AcceptAgreements,
        DOC,
        "curation: accept every region all annotators agree on",
    ),
    cmd(
        CTRL_SHIFT,
        Key::M,
        Command::PremergeDocument,
        DOC,
        "curation: pre-merge the document by the chosen rule",
    ),
    // Suggestions
    cmd(
        NONE,
        Key::F9,
        Command::NextSuggestion,
        DOC,
        "suggestions: go to the next open suggestion (dashed outline)",
    ),
    cmd(
        SHIFT,
        Key::F9,
        Command::PreviousSuggestion,
        DOC,
        "suggestions: go to the previous open suggestion",
    ),
    cmd(
        NONE,
        Key::Enter,
        Command::AcceptSuggestion,
        DOC,
        "suggestions: accept the current suggestion (or the next one) and go to the next",
    ),
    cmd(
        NONE,
        Key::X,
        Command::RejectSuggestion,
        DOC,
        "suggestions: reject the current suggestion (not shown to you again) and go to the next",
    ),
    cmd(
        CTRL_SHIFT,
        Key::Enter,
        Command::AcceptAllSuggestions,
        DOC,
        "suggestions: accept every open suggestion in the document (one undo step)",
    ),
    // Relations and document labels
    cmd(
        NONE,
        Key::R,
        Command::StartRelation,
        DOC,
        "relations: link the selected span to another (then Tab, and the type's key or Enter)",
    ),
    cmd(
        SHIFT,
        Key::R,
        Command::ReverseSelectedRelation,
        DOC,
        "relations: reverse the selected relation",
    ),
    cmd(
        NONE,
        Key::Tab,
        Command::StepRelationTarget { back: false },
        LINK,
        "relations: the next span as the target",
    ),
    cmd(
        SHIFT,
        Key::Tab,
        Command::StepRelationTarget { back: true },
        LINK,
        "relations: the previous span as the target",
    ),
    cmd(
        NONE,
        Key::Enter,
        Command::ConfirmRelation,
        LINK,
        "relations: make the relation (asks the type when several fit)",
    ),
    cmd(
        NONE,
        Key::Escape,
        Command::CancelRelation,
        LINK,
        "relations: cancel the relation being made",
    ),
    cmd(
        NONE,
        Key::F7,
        Command::DocLabelMode,
        DOC,
        "document labels: the next label key ticks or unticks a document label",
    ),
    cmd(
        NONE,
        Key::Escape,
        Command::DocLabelMode,
        DOC_LABELS,
        "document labels: leave document-label mode",
    ),
    cmd(
        NONE,
        Key::F7,
        Command::DocLabelMode,
        DOC_LABELS,
        "document labels: leave document-label mode",
    ),
    // Reading and selecting
    view(
        NONE,
        Key::ArrowLeft,
        mv(Motion::Left, false),
        "move the caret left",
    ),
    view(
        NONE,
        Key::ArrowRight,
        mv(Motion::Right, false),
        "move the caret right",
    ),
    view(
        NONE,
        Key::ArrowUp,
        mv(Motion::Up, false),
        "move the caret up a line",
    ),
    view(
        NONE,
        Key::ArrowDown,
        mv(Motion::Down, false),
        "move the caret down a line",
    ),
    view(
        SHIFT,
        Key::ArrowLeft,
        mv(Motion::Left, true),
        "extend the selection left (visual order)",
    ),
    view(
        SHIFT,
        Key::ArrowRight,
        mv(Motion::Right, true),
        "extend the selection right (visual order)",
    ),
    view(
        SHIFT,
        Key::ArrowUp,
        mv(Motion::Up, true),
        "extend the selection up a line",
    ),
    view(
        SHIFT,
        Key::ArrowDown,
        mv(Motion::Down, true),
        "extend the selection down a line",
    ),
    view(
        SHIFT,
        Key::Home,
        mv(Motion::LineStart, true),
        "extend the selection to the line's start",
    ),
    view(
        SHIFT,
        Key::End,
        mv(Motion::LineEnd, true),
        "extend the selection to the line's end",
    ),
    view(NONE, Key::PageDown, ViewKey::Page(1), "scroll down a page"),
    view(NONE, Key::PageUp, ViewKey::Page(-1), "scroll up a page"),
    view(
        NONE,
        Key::Home,
        ViewKey::DocumentStart,
        "go to the start of the document",
    ),
    view(
        NONE,
        Key::End,
        ViewKey::DocumentEnd,
        "go to the end of the document",
    ),
    view(
        CTRL,
        Key::Home,
        ViewKey::DocumentStart,
        "go to the start of the document",
    ),
    view(
        CTRL,
        Key::End,
        ViewKey::DocumentEnd,
        "go to the end of the document",
    ),
    // Zoom, files, help
    cmd(CTRL, Key::Plus, Command::ZoomIn, ANY, "zoom in"),
    cmd(CTRL, Key::Equals, Command::ZoomIn, ANY, "zoom in"),
    cmd(CTRL, Key::Minus, Command::ZoomOut, ANY, "zoom out"),
    cmd(CTRL, Key::Num0, Command::ZoomReset, ANY, "actual size"),
    cmd(CTRL, Key::O, Command::OpenProject, ANY, "open a project"),
    cmd(
        CTRL_SHIFT,
        Key::O,
        Command::OpenTeamProject,
        ANY,
        "open a team project (PostgreSQL)",
    ),
    cmd(CTRL, Key::I, Command::Import, ANY, "import documents"),
    cmd(CTRL, Key::E, Command::Export, ANY, "export the project"),
    cmd(NONE, Key::F1, Command::Help, ANY, "show this list of keys"),
];

/// The label hotkeys of `labels` as bindings: the key applies the label, Shift+key pins it
/// (sticky mode). A hotkey a fixed binding took (a label set made before X rejected
/// suggestions) gives no binding: the label editor asks for another.
#[must_use]
pub fn label_bindings(labels: &LabelSet) -> Vec<Binding> {
    let mut v = Vec::new();
    for l in labels.enabled() {
        let Some(key) = l.hotkey.and_then(|c| check_hotkey(c).ok()) else {
            continue;
        };
        v.push(Binding {
            chord: Chord::new(NONE, key),
            action: Action::Command(Command::ApplyLabel(l.id)),
            contexts: DOC,
            help: "apply the label to the selection, or relabel the selected span",
        });
        v.push(Binding {
            chord: Chord::new(SHIFT, key),
            action: Action::Command(Command::ToggleSticky(l.id)),
            contexts: DOC,
            help: "sticky mode: every selection becomes a span of the label",
        });
    }
    v
}

/// The hotkeys of relation types (while a relation is made) and of document labels (in
/// document-label mode).
#[must_use]
pub fn mode_bindings(labels: &LabelSet) -> Vec<Binding> {
    let mut v = Vec::new();
    for (kind, contexts, make, help) in [
        (
            LabelKind::Relation,
            LINK,
            Command::FinishRelation as fn(_) -> _,
            "relations: make the relation of this type",
        ),
        (
            LabelKind::Document,
            DOC_LABELS,
            Command::ToggleDocLabel as fn(_) -> _,
            "document labels: tick or untick the label",
        ),
    ] {
        for l in labels.enabled_of(kind) {
            let Some(key) = l.hotkey.and_then(|c| check_hotkey(c).ok()) else {
                continue;
            };
            v.push(Binding {
                chord: Chord::new(NONE, key),
                action: Action::Command(make(l.id)),
                contexts,
                help,
            });
        }
    }
    v
}

/// The fixed bindings and the project's label hotkeys.
#[must_use]
pub fn bindings(labels: &LabelSet) -> Vec<Binding> {
    let mut v = FIXED.to_vec();
    v.extend(label_bindings(labels));
    v.extend(mode_bindings(labels));
    v
}

/// Pairs of bindings that one key press in one context would both trigger.
#[must_use]
pub fn clashes(bindings: &[Binding]) -> Vec<(String, String, KeyContext)> {
    let mut out = Vec::new();
    for (i, a) in bindings.iter().enumerate() {
        for b in &bindings[i + 1..] {
            if !a.chord.overlaps(b.chord) {
                continue;
            }
            for c in a.contexts.iter().filter(|c| b.contexts.contains(c)) {
                out.push((
                    format!("{} ({})", a.chord.text(), a.help),
                    format!("{} ({})", b.chord.text(), b.help),
                    *c,
                ));
            }
        }
    }
    out
}

/// Whether a label may take `ch` as its hotkey: a letter or digit no fixed binding uses.
pub fn check_hotkey(ch: char) -> Result<Key, String> {
    let key = key_for_char(ch)
        .ok_or_else(|| format!("«{ch}» cannot be a hotkey: use a Latin letter or a digit"))?;
    for b in FIXED {
        for chord in [Chord::new(NONE, key), Chord::new(SHIFT, key)] {
            if b.chord.overlaps(chord) && b.contexts.contains(&KeyContext::Document) {
                return Err(format!("{} is already bound to: {}", chord.text(), b.help));
            }
        }
    }
    Ok(key)
}

/// The key that types `ch` (a Latin letter or digit).
#[must_use]
pub fn key_for_char(ch: char) -> Option<Key> {
    if !ch.is_ascii_alphanumeric() {
        return None;
    }
    Key::from_name(&ch.to_ascii_uppercase().to_string())
}

/// The main key of a command (for menus).
#[must_use]
pub fn chord_of(c: &Command) -> Option<Chord> {
    FIXED.iter().find_map(|b| match &b.action {
        Action::Command(x) if std::mem::discriminant(x) == std::mem::discriminant(c) => {
            Some(b.chord)
        }
        _ => None,
    })
}

/// The key of exactly this command (`Alt+3` for the third annotator's version).
#[must_use]
pub fn exact_chord_of(c: &Command) -> Option<Chord> {
    FIXED.iter().find_map(|b| match &b.action {
        Action::Command(x) if x == c => Some(b.chord),
        _ => None,
    })
}

/// Reads this frame's key presses that a binding takes in `context`, consuming them so no
/// widget sees them too. Keys no binding takes are left for the widgets (text fields).
pub fn read(ctx: &egui::Context, context: KeyContext, labels_set: &LabelSet) -> Vec<Action> {
    let labels = labels_set;
    if context == KeyContext::Modal {
        return Vec::new();
    }
    let mut labels = label_bindings(labels);
    labels.extend(mode_bindings(labels_set));
    let mut out = Vec::new();
    ctx.input_mut(|i| {
        i.events.retain(|e| {
            let egui::Event::Key {
                key,
                pressed: true,
                modifiers,
                repeat,
                ..
            } = e
            else {
                return true;
            };
            let found = FIXED
                .iter()
                .chain(labels.iter())
                .find(|b| b.contexts.contains(&context) && b.chord.matches(*key, *modifiers));
            let Some(b) = found else { return true };
            // A held label key applies once.
            let is_label = matches!(
                b.action,
                Action::Command(Command::ApplyLabel(_) | Command::ToggleSticky(_))
            );
            if !(is_label && *repeat) {
                out.push(b.action.clone());
            }
            false
        });
    });
    if matches!(context, KeyContext::Document | KeyContext::Linking) && !out.is_empty() {
        // Tab and the arrows act on spans and the caret here, never on egui's focus ring.
        ctx.memory_mut(|m| m.move_focus(egui::FocusDirection::None));
    }
    out
}

/// The table as Markdown rows (`| key | context | what it does |`), for the README.
#[must_use]
pub fn markdown_table() -> String {
    let mut s = String::from("| key | where | what it does |\n|---|---|---|\n");
    s.push_str(
        "| `1`–`9`, letters (the label's hotkey) | document | apply the label to the selection, or relabel the selected span |\n",
    );
    s.push_str("| `Shift`+hotkey | document | sticky mode: every selection becomes a span of the label |\n");
    s.push_str(
        "| a relation type's hotkey | making a relation | make the relation of this type |\n",
    );
    s.push_str("| a document label's hotkey | document-label mode | tick or untick the document label (a label of a group unticks the others of its group) |\n");
    for b in FIXED {
        let wherever = if b.contexts == ANY {
            "anywhere"
        } else if b.contexts == LINK {
            "making a relation"
        } else if b.contexts == DOC_LABELS {
            "document-label mode"
        } else {
            "document"
        };
        s.push_str(&format!(
            "| `{}` | {} | {} |\n",
            b.chord.text(),
            wherever,
            b.help
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_keys_labels() -> LabelSet {
        // Every letter and digit a user can give a label.
        let mut set = LabelSet::default();
        for (i, ch) in ('a'..='z').chain('0'..='9').enumerate() {
            if let Ok(id) = set.add(&format!("L{i}")) {
                let _ = set.set_hotkey(id, None);
                let _ = set.set_hotkey(id, Some(ch));
            }
        }
        set
    }

    #[test]
    fn no_two_bindings_clash_in_one_context() {
        assert_eq!(clashes(&bindings(&LabelSet::arabic_news())), vec![]);
        let every = all_keys_labels();
        assert!(every.enabled().count() >= 36, "a label for every key");
        assert_eq!(clashes(&bindings(&every)), vec![]);
        // X rejects a suggestion: a label whose hotkey is x gets no binding.
        assert!(check_hotkey('x').is_err());
        assert!(label_bindings(&every).iter().all(|b| b.chord.key != Key::X));
    }

    #[test]
    fn a_clash_is_found() {
        // The old keymap bound Alt+Left to the next document and to resizing.
        let mut b = FIXED.to_vec();
        b.push(cmd(ALT, Key::ArrowLeft, Command::NextDocument, DOC, "next"));
        assert_eq!(clashes(&b).len(), 1);
        // A label key clashes with a plain key binding of the document.
        b.pop();
        b.push(cmd(NONE, Key::A, Command::NextDocument, DOC, "next"));
        let mut labels = LabelSet::arabic_news();
        let id = labels.by_name("PER").map(|l| l.id).expect("PER");
        labels.set_hotkey(id, Some('a')).expect("free");
        b.extend(label_bindings(&labels));
        assert_eq!(clashes(&b).len(), 1);
    }

    #[test]
    fn no_plain_key_is_read_in_a_text_field() {
        for b in FIXED {
            if b.contexts.contains(&KeyContext::TextField) {
                let m = b.chord.mods;
                assert!(
                    m.command || m.ctrl || m.alt || b.chord.key == Key::F1,
                    "{} acts in text fields",
                    b.chord.text()
                );
            }
            assert!(
                !b.contexts.contains(&KeyContext::Modal),
                "{}",
                b.chord.text()
            );
        }
    }

    #[test]
    fn exact_modifiers() {
        let alt_left = Chord::new(ALT, Key::ArrowLeft);
        assert!(alt_left.matches(Key::ArrowLeft, ALT));
        assert!(!alt_left.matches(Key::ArrowLeft, ALT_SHIFT));
        assert!(!Chord::new(NONE, Key::Num1).matches(Key::Num1, CTRL));
        // Ctrl++ is typed with Shift on many layouts.
        assert!(Chord::new(CTRL, Key::Plus).matches(Key::Plus, CTRL_SHIFT));
    }

    #[test]
    fn hotkeys_that_fixed_keys_use_are_refused() {
        assert!(check_hotkey('a').is_ok());
        assert!(check_hotkey('7').is_ok());
        assert!(check_hotkey('ب').is_err());
        assert!(check_hotkey(' ').is_err());
    }

    #[test]
    fn readme_key_table_is_the_keymap() {
        let readme = include_str!("../README.md");
        let table = markdown_table();
        assert!(
            readme.contains(&table),
            "README.md's key table differs from the keymap; paste this between the keymap markers:\n{table}"
        );
    }
}
