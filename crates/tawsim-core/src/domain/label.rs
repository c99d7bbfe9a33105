//! Label sets: the entity types a project annotates, with colour, hotkey and description.

use serde::{Deserialize, Serialize};

/// A label's id inside a project (stable across renames).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LabelId(pub u32);

/// What a label marks: a span of text (an entity type), a relation between two spans, or a
/// whole document (topic, sentiment, dialect).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelKind {
    #[default]
    Span,
    Relation,
    Document,
}

impl LabelKind {
    pub const ALL: [LabelKind; 3] = [LabelKind::Span, LabelKind::Relation, LabelKind::Document];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            LabelKind::Span => "span",
            LabelKind::Relation => "relation",
            LabelKind::Document => "document",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        LabelKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Words an annotator reads.
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            LabelKind::Span => "entity",
            LabelKind::Relation => "relation",
            LabelKind::Document => "document",
        }
    }
}

/// What only relation types and document labels have, stored as one JSON value.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LabelOptions {
    /// A relation type whose two ends are interchangeable (drawn without an arrowhead).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub undirected: bool,
    /// Entity labels a relation may start from (empty: any).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from: Vec<LabelId>,
    /// Entity labels a relation may point to (empty: any).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<LabelId>,
    /// Document labels of one non-empty group are a single choice (topic: one of them);
    /// labels without a group are ticked independently (multi-label).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group: String,
}

impl LabelOptions {
    /// The stored form (`{}` when nothing is set).
    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }

    /// Reads the stored form; anything unreadable is the default.
    #[must_use]
    pub fn from_json(s: &str) -> Self {
        serde_json::from_str(s).unwrap_or_default()
    }
}

/// One label: an entity type, a relation type or a document label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    pub id: LabelId,
    pub name: String,
    /// sRGB colour of its highlight.
    pub color: [u8; 3],
    /// Key that applies it (`1`–`9`, then letters).
    #[serde(default)]
    pub hotkey: Option<char>,
    #[serde(default)]
    pub description: String,
    /// Shown in the label panel and bound to its hotkey.
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "is_span")]
    pub kind: LabelKind,
    #[serde(default, skip_serializing_if = "is_default")]
    pub options: LabelOptions,
}

fn is_span(k: &LabelKind) -> bool {
    *k == LabelKind::Span
}

fn is_default(o: &LabelOptions) -> bool {
    *o == LabelOptions::default()
}

impl Label {
    /// Whether a relation of this type may go from a span labelled `from` to one labelled
    /// `to` (always, for a type that names no argument labels).
    #[must_use]
    pub fn allows(&self, from: LabelId, to: LabelId) -> bool {
        let ok = |list: &[LabelId], l: LabelId| list.is_empty() || list.contains(&l);
        ok(&self.options.from, from) && ok(&self.options.to, to)
            || self.options.undirected && ok(&self.options.from, to) && ok(&self.options.to, from)
    }
}

fn yes() -> bool {
    true
}

/// Why a label-set change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabelError {
    #[error("a label named {0:?} already exists")]
    DuplicateName(String),
    #[error("a label name must be non-empty and without spaces or tabs: {0:?}")]
    BadName(String),
    #[error("no label with id {0:?}")]
    Unknown(LabelId),
    #[error("hotkey {0:?} is already used by {1}")]
    HotkeyTaken(char, String),
    #[error("{0:?} is already a label of another kind ({1})")]
    WrongKind(String, &'static str),
    #[error("not a label set: {0}")]
    Json(String),
}

/// Colours for new labels, distinct on a light page.
pub const PALETTE: [[u8; 3]; 12] = [
    [255, 179, 71],  // orange
    [102, 187, 255], // blue
    [129, 212, 130], // green
    [206, 147, 216], // purple
    [255, 138, 128], // red
    [255, 224, 102], // yellow
    [128, 222, 234], // cyan
    [188, 170, 164], // brown
    [244, 143, 177], // pink
    [174, 213, 129], // lime
    [159, 168, 218], // indigo
    [176, 190, 197], // grey
];

/// The hotkeys handed out in order.
pub const HOTKEYS: &str = "123456789abcdefghijklmnopqrstuvwxyz";

/// An ordered set of labels; the order is the display order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LabelSet {
    labels: Vec<Label>,
}

impl LabelSet {
    /// The default set for Arabic news NER: PER, LOC, ORG, MISC on; GPE, DATE, EVENT off.
    #[must_use]
    pub fn arabic_news() -> Self {
        let mut set = LabelSet::default();
        for (name, desc, on) in [
            ("PER", "شخص — person", true),
            ("LOC", "مكان — location", true),
            ("ORG", "منظمة — organisation", true),
            ("MISC", "متفرقات — other named entity", true),
            ("GPE", "كيان جغرافي سياسي — country, city, state", false),
            ("DATE", "تاريخ — date or period", false),
            ("EVENT", "حدث — named event", false),
        ] {
            if let Ok(id) = set.add(name)
                && let Some(l) = set.get_mut(id)
            {
                l.description = desc.to_string();
                l.enabled = on;
            }
        }
        set.reassign_hotkeys();
        set
    }

    #[must_use]
    pub fn from_labels(labels: Vec<Label>) -> Self {
        LabelSet { labels }
    }

    pub fn iter(&self) -> impl Iterator<Item = &Label> {
        self.labels.iter()
    }

    /// Enabled entity labels in display order.
    pub fn enabled(&self) -> impl Iterator<Item = &Label> {
        self.enabled_of(LabelKind::Span)
    }

    /// Enabled labels of one kind in display order.
    pub fn enabled_of(&self, kind: LabelKind) -> impl Iterator<Item = &Label> {
        self.labels
            .iter()
            .filter(move |l| l.enabled && l.kind == kind)
    }

    /// Labels of one kind (enabled or not) in display order.
    pub fn of_kind(&self, kind: LabelKind) -> impl Iterator<Item = &Label> {
        self.labels.iter().filter(move |l| l.kind == kind)
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    #[must_use]
    pub fn get(&self, id: LabelId) -> Option<&Label> {
        self.labels.iter().find(|l| l.id == id)
    }

    pub fn get_mut(&mut self, id: LabelId) -> Option<&mut Label> {
        self.labels.iter_mut().find(|l| l.id == id)
    }

    #[must_use]
    pub fn by_name(&self, name: &str) -> Option<&Label> {
        self.labels.iter().find(|l| l.name == name)
    }

    /// The enabled entity label bound to `key` (case-insensitive).
    #[must_use]
    pub fn by_hotkey(&self, key: char) -> Option<&Label> {
        self.by_hotkey_of(LabelKind::Span, key)
    }

    /// The enabled label of `kind` bound to `key` (case-insensitive).
    #[must_use]
    pub fn by_hotkey_of(&self, kind: LabelKind, key: char) -> Option<&Label> {
        let key = key.to_ascii_lowercase();
        self.enabled_of(kind).find(|l| l.hotkey == Some(key))
    }

    fn next_id(&self) -> LabelId {
        LabelId(
            self.labels
                .iter()
                .map(|l| l.id.0)
                .max()
                .map_or(1, |m| m + 1),
        )
    }

    fn free_hotkey(&self) -> Option<char> {
        HOTKEYS
            .chars()
            .find(|k| self.labels.iter().all(|l| l.hotkey != Some(*k)))
    }

    fn check_name(&self, name: &str, except: Option<LabelId>) -> Result<(), LabelError> {
        if name.is_empty() || name.chars().any(char::is_whitespace) {
            return Err(LabelError::BadName(name.to_string()));
        }
        if self
            .labels
            .iter()
            .any(|l| l.name == name && Some(l.id) != except)
        {
            return Err(LabelError::DuplicateName(name.to_string()));
        }
        Ok(())
    }

    /// Adds an enabled entity label with the next free colour and hotkey.
    pub fn add(&mut self, name: &str) -> Result<LabelId, LabelError> {
        self.add_kind(name, LabelKind::Span)
    }

    /// Adds (or returns) the label of `kind` with this name; a label of another kind with
    /// the name is refused.
    pub fn ensure_kind(&mut self, name: &str, kind: LabelKind) -> Result<LabelId, LabelError> {
        match self.by_name(name) {
            Some(l) if l.kind == kind => Ok(l.id),
            Some(l) => Err(LabelError::WrongKind(name.to_string(), l.kind.title())),
            None => self.add_kind(name, kind),
        }
    }

    /// Adds an enabled label of `kind` with the next free colour and hotkey.
    pub fn add_kind(&mut self, name: &str, kind: LabelKind) -> Result<LabelId, LabelError> {
        self.check_name(name, None)?;
        let id = self.next_id();
        let color = PALETTE[self.labels.len() % PALETTE.len()];
        let hotkey = self.free_hotkey();
        self.labels.push(Label {
            id,
            name: name.to_string(),
            color,
            hotkey,
            description: String::new(),
            enabled: true,
            kind,
            options: LabelOptions::default(),
        });
        Ok(id)
    }

    /// Adds (or returns) the label with this name.
    pub fn ensure(&mut self, name: &str) -> Result<LabelId, LabelError> {
        self.ensure_kind(name, LabelKind::Span)
    }

    pub fn rename(&mut self, id: LabelId, name: &str) -> Result<(), LabelError> {
        self.check_name(name, Some(id))?;
        self.get_mut(id).ok_or(LabelError::Unknown(id))?.name = name.to_string();
        Ok(())
    }

    pub fn set_hotkey(&mut self, id: LabelId, key: Option<char>) -> Result<(), LabelError> {
        let key = key.map(|k| k.to_ascii_lowercase());
        if let Some(k) = key
            && let Some(other) = self
                .labels
                .iter()
                .find(|l| l.hotkey == Some(k) && l.id != id)
        {
            return Err(LabelError::HotkeyTaken(k, other.name.clone()));
        }
        self.get_mut(id).ok_or(LabelError::Unknown(id))?.hotkey = key;
        Ok(())
    }

    /// Moves a label one place up (`-1`) or down (`+1`) in the display order.
    pub fn move_by(&mut self, id: LabelId, delta: isize) -> Result<(), LabelError> {
        let i = self
            .labels
            .iter()
            .position(|l| l.id == id)
            .ok_or(LabelError::Unknown(id))?;
        let j = i
            .saturating_add_signed(delta)
            .min(self.labels.len().saturating_sub(1));
        self.labels.swap(i, j);
        Ok(())
    }

    pub fn remove(&mut self, id: LabelId) -> Result<Label, LabelError> {
        let i = self
            .labels
            .iter()
            .position(|l| l.id == id)
            .ok_or(LabelError::Unknown(id))?;
        Ok(self.labels.remove(i))
    }

    /// Gives enabled labels `1`–`9` then letters in display order; disabled ones none.
    pub fn reassign_hotkeys(&mut self) {
        let mut keys = HOTKEYS.chars();
        for l in &mut self.labels {
            l.hotkey = if l.enabled { keys.next() } else { None };
        }
    }

    /// The label set as pretty JSON (`{"labels": [...]}`), for sharing between projects.
    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads a label set written by [`LabelSet::to_json`], or a plain list of names.
    pub fn from_json(json: &str) -> Result<Self, LabelError> {
        if let Ok(set) = serde_json::from_str::<LabelSet>(json) {
            let mut seen = std::collections::HashSet::new();
            for l in &set.labels {
                if !seen.insert(l.name.as_str()) {
                    return Err(LabelError::DuplicateName(l.name.clone()));
                }
            }
            return Ok(set);
        }
        let names: Vec<String> =
            serde_json::from_str(json).map_err(|e| LabelError::Json(e.to_string()))?;
        let mut set = LabelSet::default();
        for n in names {
            set.add(&n)?;
        }
        Ok(set)
    }
}

/// `#rrggbb` for a colour.
#[must_use]
pub fn hex(color: [u8; 3]) -> String {
    format!("#{:02x}{:02x}{:02x}", color[0], color[1], color[2])
}

/// Parses `#rrggbb` or `rrggbb`.
#[must_use]
pub fn parse_hex(s: &str) -> Option<[u8; 3]> {
    let s = s.strip_prefix('#').unwrap_or(s);
    if s.len() != 6 || !s.is_ascii() {
        return None;
    }
    let p = |i: usize| u8::from_str_radix(&s[i..i + 2], 16).ok();
    Some([p(0)?, p(2)?, p(4)?])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_set_has_four_enabled_labels_with_number_keys() {
        let set = LabelSet::arabic_news();
        let on: Vec<_> = set.enabled().map(|l| (l.name.as_str(), l.hotkey)).collect();
        assert_eq!(
            on,
            vec![
                ("PER", Some('1')),
                ("LOC", Some('2')),
                ("ORG", Some('3')),
                ("MISC", Some('4'))
            ]
        );
        assert!(
            set.by_name("GPE")
                .is_some_and(|l| !l.enabled && l.hotkey.is_none())
        );
        assert_eq!(set.by_hotkey('2').map(|l| l.name.as_str()), Some("LOC"));
    }

    #[test]
    fn names_are_unique_and_hotkeys_do_not_collide() {
        let mut set = LabelSet::arabic_news();
        assert_eq!(set.add("PER"), Err(LabelError::DuplicateName("PER".into())));
        assert!(matches!(set.add("two words"), Err(LabelError::BadName(_))));
        let per = set.by_name("PER").map(|l| l.id).expect("PER");
        let loc = set.by_name("LOC").map(|l| l.id).expect("LOC");
        assert!(matches!(
            set.set_hotkey(loc, Some('1')),
            Err(LabelError::HotkeyTaken('1', _))
        ));
        assert!(matches!(
            set.rename(loc, "PER"),
            Err(LabelError::DuplicateName(_))
        ));
        set.rename(per, "PERS").expect("rename");
        assert_eq!(set.get(per).map(|l| l.name.as_str()), Some("PERS"));
    }

    #[test]
    fn json_round_trip_and_plain_name_lists() {
        let mut set = LabelSet::arabic_news();
        let id = set.add("WEAPON").expect("add");
        set.move_by(id, -1).expect("move");
        let back = LabelSet::from_json(&set.to_json()).expect("parse");
        assert_eq!(back, set);
        let plain = LabelSet::from_json(r#"["PERS","LOC"]"#).expect("names");
        assert_eq!(
            plain.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(),
            ["PERS", "LOC"]
        );
        assert!(LabelSet::from_json("{").is_err());
    }

    #[test]
    fn hex_colours() {
        assert_eq!(parse_hex(&hex([1, 171, 255])), Some([1, 171, 255]));
        assert_eq!(parse_hex("#12345"), None);
    }
}
