//! The native CLI's contract: exit codes and the `--json` shape.

// Test helpers: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

fn muster(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_muster"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_valid_request_exits_0() {
    let (code, out) = muster(&["validate", &fixture("scim/create-one-user.json")]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 operations, 0 errors, 0 warnings"), "{out}");
}

#[test]
fn an_invalid_request_exits_1_with_the_stable_json_shape() {
    let (code, out) = muster(&["validate", "--json", &fixture("scim/invalid-envelope.json")]);
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["valid"], false);
    assert_eq!(
        report["summary"],
        serde_json::json!({"rows": 0, "errors": 2, "warnings": 0})
    );
    let first = &report["diagnostics"][0];
    for key in [
        "severity", "code", "message", "pointer", "row", "column", "field",
    ] {
        assert!(
            first.get(key).is_some(),
            "diagnostic lacks `{key}`: {first}"
        );
    }
    assert_eq!(first["code"], "bulk-schemas-missing");
    assert_eq!(first["pointer"], "/schemas");
}

#[test]
fn usage_and_io_errors_exit_2() {
    assert_eq!(muster(&["validate", &fixture("does-not-exist.json")]).0, 2);
    assert_eq!(muster(&["frobnicate"]).0, 2);
}
