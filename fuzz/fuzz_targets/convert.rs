//! Any bytes, converted to every dialect: never a panic; a conversion with errors has no output
//! the caller would send.
#![no_main]
use libfuzzer_sys::fuzz_target;
use muster::{Format, Options};

fuzz_target!(|data: &[u8]| {
    for to in [Format::Scim, Format::Oracle, Format::JumpcloudCreate, Format::JumpcloudUpdate] {
        let _ = muster::convert(data, &Options::default(), to);
    }
});
