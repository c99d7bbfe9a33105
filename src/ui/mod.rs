//! egui widgets. Depends on `layout` (parley) and `domain`; the app shell embeds these.

pub mod bidi_label;
pub mod document_view;
pub mod glyph_atlas;
