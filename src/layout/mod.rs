//! Text layout of documents with parley: bidi, shaping, line breaking, hit testing and
//! range geometry, per paragraph and lazily. No egui here.
