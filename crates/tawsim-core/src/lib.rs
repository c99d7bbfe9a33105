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
mod spill;
pub mod store;
pub mod suggest;

/// `bytes` as UTF-8 text: `std::str::from_utf8` with a SIMD check first (imports and exports
/// check every byte of a corpus, and on Arabic text the standard check cost a tenth of an
/// export); the standard check runs only to describe an error.
pub(crate) fn utf8(bytes: &[u8]) -> Result<&str, std::str::Utf8Error> {
    simdutf8::basic::from_utf8(bytes).or_else(|_| std::str::from_utf8(bytes))
}

/// A 128-bit hash of `key`: two SipHashes with keys drawn once for this process. Two
/// different keys share one with odds of about n²/2¹²⁹ for n keys (10⁻²⁵ for ten million),
/// and the random keys leave no way to make them collide on purpose. The ids an import has
/// seen and the texts an import joins by are told apart by it alone.
pub(crate) fn hash128<K: std::hash::Hash + ?Sized>(key: &K) -> u128 {
    use std::hash::{BuildHasher, RandomState};
    static KEYS: std::sync::OnceLock<[RandomState; 2]> = std::sync::OnceLock::new();
    let [a, b] = KEYS.get_or_init(Default::default);
    u128::from(a.hash_one(key)) << 64 | u128::from(b.hash_one(key))
}
