//! Any bytes, validated in every dialect: must never panic, and `valid` must match the counts.
#![no_main]
use libfuzzer_sys::fuzz_target;
use muster::{Format, Options};

fuzz_target!(|data: &[u8]| {
    for format in [Format::Auto, Format::Scim, Format::Oracle, Format::JumpcloudCreate, Format::JumpcloudUpdate] {
        let report = muster::validate(data, &Options { format, ..Options::default() });
        assert_eq!(report.valid, report.summary.errors == 0);
    }
});
