//! tawsim (توسيم): a native desktop annotator for named entities in Arabic documents.
//!
//! Dependencies point one way: [`domain`] <- [`store`] / [`formats`] / [`layout`] <- [`ui`]
//! <- [`app`]. The domain, store, formats and layout modules have no egui.

pub mod domain;
pub mod fonts;
pub mod formats;
pub mod layout;
pub mod store;
pub mod ui;
