#![no_main]
//! The project opener returns an error, never panics, on any file.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let p = dir.path().join("p.tawsim");
    if std::fs::write(&p, data).is_ok() {
        let _ = tawsim::store::Project::open(&p);
    }
});
