//! Per-project annotation rules: overlap policy and how selections snap to words.

use super::span::OverlapPolicy;
use serde::{Deserialize, Serialize};

/// How a selection becomes a span's boundaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BoundaryMode {
    /// Exactly the selected grapheme clusters (trimmed of edge spaces and punctuation).
    Characters,
    /// Widened to whole words.
    #[default]
    Words,
    /// Whole words, then a leading proclitic (و ف ب ل ك, and ال when the project says so)
    /// is left out when the evidence says the remainder is the name.
    WordsWithoutProclitics,
}

impl BoundaryMode {
    pub const ALL: [BoundaryMode; 3] = [
        BoundaryMode::Characters,
        BoundaryMode::Words,
        BoundaryMode::WordsWithoutProclitics,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            BoundaryMode::Characters => "characters",
            BoundaryMode::Words => "words",
            BoundaryMode::WordsWithoutProclitics => "words_without_proclitics",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        BoundaryMode::ALL.into_iter().find(|m| m.as_str() == s)
    }

    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            BoundaryMode::Characters => "Characters",
            BoundaryMode::Words => "Words",
            BoundaryMode::WordsWithoutProclitics => "Words without proclitics",
        }
    }
}

/// A project's annotation settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ProjectSettings {
    pub overlap: OverlapPolicy,
    pub boundary: BoundaryMode,
    /// Treat the article ال as a proclitic in "words without proclitics" mode.
    pub article_is_proclitic: bool,
    /// Annotators see each other's layers (read-only). Off by default: blind annotation,
    /// where only a manager sees every layer.
    #[serde(default)]
    pub others_visible: bool,
}
