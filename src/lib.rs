//! tawsim (توسيم): a native desktop annotator for named entities in Arabic documents.
//!
//! Dependencies point one way: [`domain`] <- [`store`] / [`formats`] / [`layout`] <- [`ui`]
//! <- [`app`]. The domain, store, formats and layout modules have no egui; [`ops`] joins the
//! formats and the store for the CLI and the window.

pub mod app;
pub mod cli;
pub mod command;
pub mod crash;
pub mod domain;
pub mod fonts;
pub mod formats;
pub mod keymap;
pub mod layout;
pub mod ops;
pub mod script;
pub mod startup;
pub mod store;
pub mod ui;
#[cfg(target_os = "linux")]
pub mod x11_focus;
