//! Preferences saved between runs (eframe storage), apart from runtime state.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

pub const DEFAULT_FONT_SIZE: f32 = 22.0;

/// Preferences saved between runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Prefs {
    pub last_project: Option<PathBuf>,
    pub recent: Vec<PathBuf>,
    pub font_size: f32,
    pub show_marks: bool,
    pub frame_meter: bool,
    pub theme: egui::ThemePreference,
    /// The annotator's name, asked once (default: the OS user name).
    pub annotator: Option<String>,
}

impl Default for Prefs {
    fn default() -> Self {
        Prefs {
            last_project: None,
            recent: Vec::new(),
            font_size: DEFAULT_FONT_SIZE,
            show_marks: false,
            frame_meter: false,
            theme: egui::ThemePreference::System,
            annotator: None,
        }
    }
}

impl Prefs {
    /// Puts `path` first in the recent projects (at most ten) and makes it the last one.
    pub fn opened(&mut self, path: &std::path::Path) {
        self.last_project = Some(path.to_path_buf());
        self.recent.retain(|p| p != path);
        self.recent.insert(0, path.to_path_buf());
        self.recent.truncate(10);
    }
}
