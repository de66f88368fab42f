//! The catalogue is the contract: docs/diagnostics.md is generated from it, and every code's
//! example really produces that code.

// Test code: a failed unwrap or panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use muster::payload::scim::BulkConfig;
use muster::{Code, Format, Options};

#[test]
fn the_committed_catalogue_doc_is_up_to_date() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/diagnostics.md");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == muster::diag::catalogue_markdown(),
        "docs/diagnostics.md is stale: run `cargo run -- codes --markdown > docs/diagnostics.md`"
    );
}

/// The codes one example produces, run as the catalogue says (`validate FORMAT` or `convert TARGET`).
fn produced_by(how: &str, input: &str) -> Vec<Code> {
    let (verb, target) = how.split_once(' ').unwrap_or((how, ""));
    match verb {
        "validate" => {
            let (max_operations, max_payload_size) = muster::diag::EXAMPLE_LIMITS;
            let options = Options {
                format: Format::parse(target).unwrap_or_else(|| panic!("unknown format {target}")),
                limits: Some(BulkConfig {
                    supported: true,
                    max_operations: Some(max_operations),
                    max_payload_size: Some(max_payload_size),
                }),
                password_policy: Some(muster::PasswordPolicy { min_length: Some(12), ..Default::default() }),
            };
            muster::validate(input.as_bytes(), &options).diagnostics.iter().map(|d| d.code).collect()
        }
        "convert" => muster::convert_codes(input.as_bytes(), target),
        "read" => {
            // `read csv` or `read csv TARGET`
            let (kind, to) = target.split_once(' ').unwrap_or((target, "auto"));
            let read = muster::sheet::ReadOptions { filename: Some(format!("example.{kind}")), ..Default::default() };
            let target = Format::parse(to).unwrap_or_else(|| panic!("unknown format {to}"));
            let options = muster::spreadsheet::SheetOptions { read, target, ..Default::default() };
            let checked = muster::spreadsheet::check(&unescape_bytes(input), &options).unwrap();
            checked.report.diagnostics.iter().map(|d| d.code).collect()
        }
        other => panic!("unknown example verb {other}"),
    }
}

/// Examples are text; `\xHH` in a `read` example stands for a raw byte (a non-UTF-8 file).
fn unescape_bytes(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = text.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        if b == b'\\'
            && tail.first() == Some(&b'x')
            && tail.len() >= 3
            && let Ok(byte) = u8::from_str_radix(std::str::from_utf8(&tail[1..3]).unwrap_or(""), 16)
        {
            out.push(byte);
            rest = &tail[3..];
            continue;
        }
        out.push(b);
        rest = tail;
    }
    out
}

/// Codes whose example is a binary file, produced by the named test instead.
const SHOWN_ELSEWHERE: &[(Code, &str)] =
    &[(Code::SheetCellError, "tests/workbooks.rs"), (Code::SheetNumberFormat, "tests/workbooks.rs")];

#[test]
fn every_code_is_produced_by_its_own_example() {
    for code in Code::ALL {
        if SHOWN_ELSEWHERE.iter().any(|(c, _)| c == code) {
            continue;
        }
        let (how, input) = code.example();
        let codes = produced_by(how, input);
        assert!(codes.contains(code), "the example of {code} ({how}) produces {codes:?}");
    }
}
