//! tawsim (توسيم): a native desktop annotator for named entities in Arabic documents.
//!
//! This crate is the window and the command line; everything without egui is in
//! [`tawsim_core`] (re-exported here under the same module names). Dependencies point one
//! way: `tawsim_core` <- [`ui`] (panels read an `AppView` and return commands) <- [`app`]
//! (the shell that applies them).

pub use tawsim_core::{agreement, curation, domain, formats, layout, merge, ops, store};

pub mod app;
pub mod cli;
pub mod command;
pub mod crash;
pub mod fonts;
pub mod keymap;
pub mod prefs;
pub mod script;
pub mod startup;
pub mod ui;
#[cfg(target_os = "linux")]
pub mod x11_focus;
