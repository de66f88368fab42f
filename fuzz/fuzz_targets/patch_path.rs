//! Any text as a PATCH path: the recognizer never panics or overflows.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(path) = std::str::from_utf8(data) {
        let _ = muster::checks::is_valid_patch_path(path);
    }
});
