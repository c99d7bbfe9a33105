//! tawsim's core, without a window: the annotation model ([`domain`]), the project file
//! ([`store`]), the import/export formats ([`formats`]), document layout with parley
//! ([`layout`]), the operations that join them ([`ops`]), and the annotation [`session`]
//! the window, the CLI and the scripts drive.
//!
//! Dependencies point one way: `domain <- store <- formats <- layout <- ops/session`. This
//! crate has no egui, eframe or rfd.

pub mod agreement;
pub mod curation;
pub mod domain;
pub mod fonts;
pub mod formats;
pub mod job;
pub mod layout;
pub mod merge;
pub mod model_server;
pub mod ops;
pub mod session;
pub mod store;
pub mod suggest;
