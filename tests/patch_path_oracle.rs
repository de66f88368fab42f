//! muster's PATCH path recognizer agrees with an independent SCIM filter parser (scim_v2, a
//! dev-dependency only: it is too large for the wasm builds) on a corpus of valid and broken paths,
//! and on generated paths.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use muster::checks::is_valid_patch_path;
use proptest::prelude::*;
use std::str::FromStr;

fn oracle(path: &str) -> bool {
    scim_v2::filter::PatchPath::from_str(path).is_ok()
}

#[test]
fn agrees_on_the_corpus() {
    let corpus = [
        "members",
        "name.familyName",
        "addresses[type eq \"work\"]",
        "members[value eq \"2819c223\"].displayName",
        "emails[type eq \"work\" and value ew \"example.com\"]",
        "emails[type eq \"work\" or type eq \"home\"]",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        "emails[not (type eq \"home\")]",
        "x509Certificates[value pr]",
        "emails[primary eq true]",
        "meta[version gt 3]",
        "emails[type eq work]",
        "emails[type eq \"work\"",
        "emails[]",
        "1abc",
        "",
        "a b",
        "name.",
        "emails[type xx \"x\"]",
        "meta[version eq 42.]",
        "meta[version eq -1.5e3]",
    ];
    for path in corpus {
        assert_eq!(is_valid_patch_path(path), oracle(path), "disagree on {path:?}");
    }
}

fn attr() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("emails".to_owned()),
        Just("name.givenName".to_owned()),
        Just("type".to_owned()),
        Just("value".to_owned()),
        "[a-z][a-zA-Z0-9_-]{0,6}",
    ]
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![Just("true".to_owned()), Just("null".to_owned()), Just("42".to_owned()), "\"[a-z@. ]{0,6}\""]
}

fn comparison() -> impl Strategy<Value = String> {
    (attr(), prop_oneof![Just("eq"), Just("ne"), Just("co"), Just("sw"), Just("gt")], value())
        .prop_map(|(a, op, v)| format!("{a} {op} {v}"))
}

fn filter() -> impl Strategy<Value = String> {
    comparison().prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            (inner.clone(), prop_oneof![Just("and"), Just("or")], inner.clone())
                .prop_map(|(a, op, b)| format!("{a} {op} {b}")),
            inner.clone().prop_map(|f| format!("({f})")),
            inner.prop_map(|f| format!("not ({f})")),
        ]
    })
}

proptest! {
    // Integration tests have no lib.rs for proptest to file regressions beside; found cases go
    // into the corpus above instead.
    #![proptest_config(ProptestConfig { failure_persistence: None, cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn agrees_on_generated_valid_paths(a in attr(), f in filter(), sub in prop::option::of("[a-z]{1,5}")) {
        let path = match sub { Some(s) => format!("{a}[{f}].{s}"), None => format!("{a}[{f}]") };
        prop_assert!(is_valid_patch_path(&path), "muster refused {path:?}");
        prop_assert_eq!(is_valid_patch_path(&path), oracle(&path), "disagree on {:?}", path);
    }

    #[test]
    fn never_panics_and_agrees_on_mutations(a in attr(), f in filter(), cut in 0usize..40, junk in "[\\[\\]() \"a.]{0,3}") {
        let mut path = format!("{a}[{f}]");
        let cut = cut.min(path.len());
        if path.is_char_boundary(cut) { path.insert_str(cut, &junk); }
        let ours = is_valid_patch_path(&path);
        if ours { prop_assert!(oracle(&path), "muster accepted {path:?}, the oracle did not"); }
    }
}
