//! No input can make the core panic: arbitrary bytes and arbitrary JSON, shaped like the payloads
//! muster reads, go through every entry point in every dialect.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use muster::plan::{Limits, plan};
use muster::results::reconcile_scim;
use muster::{Format, Options};
use proptest::prelude::*;
use serde_json::{Map, Value};

const FORMATS: [Format; 5] =
    [Format::Auto, Format::Scim, Format::Oracle, Format::JumpcloudCreate, Format::JumpcloudUpdate];

/// Keys and strings from the dialects, so generated values reach deep into the rules.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("schemas"),
        Just("Operations"),
        Just("method"),
        Just("path"),
        Just("bulkId"),
        Just("data"),
        Just("userName"),
        Just("emails"),
        Just("value"),
        Just("primary"),
        Just("type"),
        Just("members"),
        Just("op"),
        Just("status"),
        Just("response"),
        Just("location"),
        Just("failOnErrors"),
        Just("username"),
        Just("email"),
        Just("id"),
        Just("state"),
        Just("suspended"),
        Just("attributes"),
        Just("name"),
        Just("mfa"),
        Just("exclusionDays"),
        Just("unix_uid"),
        Just("operation"),
        Just("manager"),
        Just("$ref"),
        Just("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"),
    ]
    .prop_map(str::to_owned)
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("POST".to_owned()),
        Just("PATCH".to_owned()),
        Just("DELETE".to_owned()),
        Just("PUT".to_owned()),
        Just("/Users".to_owned()),
        Just("/Groups/bulkId:a".to_owned()),
        Just("/Roles/1".to_owned()),
        Just("bulkId:a".to_owned()),
        Just("bulkId:b".to_owned()),
        Just("../Users/bulkId:a".to_owned()),
        Just("urn:ietf:params:scim:api:messages:2.0:BulkRequest".to_owned()),
        Just("urn:ietf:params:scim:api:messages:2.0:PatchOp".to_owned()),
        Just("urn:ietf:params:scim:schemas:core:2.0:User".to_owned()),
        Just("urn:scim:schemas:core:2.0:User".to_owned()),
        Just("ADD".to_owned()),
        Just("add".to_owned()),
        Just("a".to_owned()),
        Just("b".to_owned()),
        Just("emails[type eq \"work\"]".to_owned()),
        ".{0,12}",
    ]
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 96, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn every_entry_point(bytes: &[u8]) {
    for format in FORMATS {
        let options = Options { format, ..Options::default() };
        let report = muster::validate(bytes, &options);
        assert_eq!(report.valid, report.summary.errors == 0);
        for to in &FORMATS[1..] {
            let _ = muster::convert(bytes, &options, *to);
        }
    }
    if let Ok(value) = serde_json::from_slice::<Value>(bytes) {
        for limits in [Limits::default(), Limits { max_operations: 1, max_payload_bytes: 64 }] {
            let p = plan(value.clone(), limits);
            for chunk in &p.chunks {
                let _ = chunk.resolve(&Default::default());
            }
        }
        let _ = reconcile_scim(&value, &value);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_json_never_panics(value in json()) {
        every_entry_point(&serde_json::to_vec(&value).unwrap());
        // The same value as the operations of a bulk request, and as a JumpCloud array.
        let wrapped = serde_json::json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [value.clone(), value.clone()]});
        every_entry_point(&serde_json::to_vec(&wrapped).unwrap());
        every_entry_point(&serde_json::to_vec(&Value::Array(vec![value.clone(), value])).unwrap());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        every_entry_point(&bytes);
    }

    /// Spreadsheet-ish bytes (delimiters, quotes, line breaks, UTF-8 and UTF-16 fragments), read
    /// one-shot and as a stream cut anywhere (keeping values in memory, or spilling them to disk):
    /// never a panic, and the same findings.
    #[test]
    fn arbitrary_sheets_stream_like_the_one_shot_check(
        bytes in prop::collection::vec(prop::sample::select(vec![b'a', b'@', b',', b';', b'"', b'\n', b'\r', b' ', b'1', 0xC3, 0xA9, 0xFF, 0xFE, 0]), 0..200),
        piece in 1usize..17,
        part_rows in 1usize..4,
    ) {
        use muster::spreadsheet::{SheetOptions, check, stream::{SheetStream, StreamOptions}};
        let options = SheetOptions { read: muster::sheet::ReadOptions { filename: Some("x.csv".into()), ..Default::default() }, ..Default::default() };
        let one_shot = check(&bytes, &options);
        let flags = StreamOptions { rows: false, body: false, part_rows };
        let streamed = SheetStream::new(options.clone(), flags).run(bytes.chunks(piece));
        // Also with every value checked for batch duplicates but the first of each kind on disk.
        let spill = muster::checks::Spill::new(Box::new(tempfile::tempfile), 1);
        let spilled = SheetStream::new(options, flags).spill(spill).run(bytes.chunks(piece));
        prop_assert_eq!(streamed.is_err(), one_shot.is_err());
        prop_assert_eq!(spilled.is_err(), one_shot.is_err());
        if let Ok(one_shot) = one_shot {
            let key = |d: &muster::Diagnostic| (d.row, d.column.clone(), d.code, d.message.clone());
            let mut b: Vec<_> = one_shot.report.diagnostics.iter().map(key).collect();
            b.sort();
            for updates in [streamed, spilled] {
                let mut a: Vec<_> = updates.into_iter().flatten().flat_map(|update| update.diagnostics).map(|d| key(&d)).collect();
                a.sort();
                prop_assert_eq!(&a, &b);
            }
        }
    }
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    every_entry_point(deep.as_bytes());
    let report = muster::validate(deep.as_bytes(), &Options::default());
    assert_eq!(report.diagnostics[0].code, muster::Code::JsonSyntax);
}
