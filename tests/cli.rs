//! The native CLI's contract: exit codes, the `--json` shape, convert and plan.

// Test code: a failed unwrap or panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

/// (exit code, stdout, stderr)
fn muster(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_muster")).args(args).output().unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_valid_request_exits_0() {
    let (code, out, _) = muster(&["validate", &fixture("scim/create-one-user.json")]);
    assert_eq!(code, 0, "{out}");
    assert!(out.ends_with("1 record(s), 0 error(s), 0 warning(s)\n"), "{out}");
}

#[test]
fn an_invalid_request_exits_1_with_the_stable_json_shape() {
    let (code, out, _) = muster(&["validate", "--json", &fixture("scim/invalid-envelope.json")]);
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["valid"], false);
    assert_eq!(report["summary"], serde_json::json!({"rows": 0, "errors": 2, "warnings": 0}));
    let first = &report["diagnostics"][0];
    for key in ["severity", "code", "message", "pointer", "row", "column", "field"] {
        assert!(first.get(key).is_some(), "diagnostic lacks `{key}`: {first}");
    }
    assert_eq!(first["code"], "bulk-schemas-missing");
    assert_eq!(first["pointer"], "/schemas");
}

#[test]
fn human_output_points_at_the_place() {
    let (code, out, _) = muster(&["validate", "--format", "scim", &fixture("oracle/bulk-create-and-roles.json")]);
    assert_eq!(code, 1);
    assert!(out.contains("error[user-oracle-urn] at /Operations/0/data/schemas: "), "{out}");
}

#[test]
fn limits_are_checked_when_given() {
    let file = fixture("scim/rfc7644-3.7.3-request.json");
    assert_eq!(muster(&["validate", &file]).0, 0);
    let (code, out, _) = muster(&["validate", "--max-operations", "3", &file]);
    assert_eq!(code, 1);
    assert!(out.contains("error[bulk-too-many-operations]"), "{out}");
}

#[test]
fn usage_and_io_errors_exit_2() {
    assert_eq!(muster(&["validate", &fixture("does-not-exist.json")]).0, 2);
    assert_eq!(muster(&["frobnicate"]).0, 2);
    assert_eq!(muster(&["validate", "--format", "xml", &fixture("scim/create-one-user.json")]).0, 2);
    assert_eq!(muster(&["plan", "--max-operations", "0", &fixture("scim/create-one-user.json")]).0, 2);
}

#[test]
fn convert_writes_the_target_or_refuses_with_the_reason() {
    let (code, out, err) = muster(&["convert", &fixture("jumpcloud/create.json"), "--to", "scim"]);
    assert_eq!(code, 0, "{err}");
    let request: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(request["Operations"][0]["data"]["userName"], "jdoe");
    assert!(err.contains("warning[field-no-equivalent]"), "{err}");

    // A SCIM userName that is an email address is no JumpCloud username: nothing is written.
    let (code, out, err) = muster(&["convert", &fixture("scim/create-one-user.json"), "--to", "jumpcloud-create"]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(err.contains("error[jc-username-invalid]") && err.contains("not converted"), "{err}");

    let target = std::env::temp_dir().join(format!("muster-cli-{}.json", std::process::id()));
    let target_arg = target.to_string_lossy().into_owned();
    let args = [
        "convert",
        &fixture("scim/enterprise-manager.json"),
        "--to",
        "scim",
        "--max-operations",
        "1",
        "-o",
        &target_arg,
    ];
    assert_eq!(muster(&args).0, 0);
    let chunks: serde_json::Value = serde_json::from_slice(&std::fs::read(&target).unwrap()).unwrap();
    let _ = std::fs::remove_file(&target);
    assert_eq!(chunks.as_array().map(Vec::len), Some(2), "one request per chunk");
}

#[test]
fn plan_shows_chunks_carried_ids_and_cycle_follow_ups() {
    let (code, out, _) = muster(&["plan", "--max-operations", "2", &fixture("scim/rfc7644-3.7.1-circular.json")]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("3 operations in 2 chunk(s)"), "{out}");
    assert!(
        out.contains("chunk 2: 1 operations") && out.contains("needs ids from earlier chunks for qwerty, ytrewq"),
        "{out}"
    );
    assert!(out.contains("1 follow-up PATCH(es)"), "{out}");
    let (code, out, _) = muster(&["plan", "--json", &fixture("scim/rfc7644-3.7.2-bulkid-references.json")]);
    assert_eq!(code, 0);
    let plan: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(plan["chunks"][0]["request"]["Operations"].as_array().map(Vec::len), Some(2));
}

#[test]
fn spreadsheets_validate_map_and_convert() {
    let sheet = fixture("sheets/jumpcloud-template.csv");
    let (code, out, _) = muster(&["validate", &sheet]);
    assert_eq!(code, 1);
    assert!(out.contains("error[email-invalid]: Row 3, column \"Email\": "), "{out}");
    assert!(out.ends_with("5 record(s), 7 error(s), 2 warning(s)\n"), "{out}");

    let (code, out, _) = muster(&["map", &sheet]);
    assert_eq!(code, 0);
    assert!(out.contains("E   employeeIdentifier           → employeeNumber"), "{out}");

    // Save the mapping, leave the unmapped column out on purpose, and convert a clean sheet with it.
    let dir = std::env::temp_dir().join(format!("muster-cli-sheet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("users.csv");
    std::fs::write(&csv, "Login;Mail;Badge\njdoe;jdoe@example.com;000042\n").unwrap();
    let profile = dir.join("profile.json");
    let (csv_arg, profile_arg) = (csv.to_string_lossy().into_owned(), profile.to_string_lossy().into_owned());
    assert_eq!(muster(&["map", &csv_arg, "-o", &profile_arg]).0, 0);
    let mut saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&profile).unwrap()).unwrap();
    assert_eq!(saved["columns"]["Badge"], serde_json::Value::Null, "no field looks like Badge");
    saved["columns"]["Badge"] = "employeeNumber".into();
    std::fs::write(&profile, saved.to_string()).unwrap();
    let (code, out, err) = muster(&["convert", &csv_arg, "--mapping", &profile_arg, "--to", "jumpcloud-create"]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(code, 0, "{err}");
    let users: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        users,
        serde_json::json!([{"username": "jdoe", "email": "jdoe@example.com", "employeeIdentifier": "000042"}])
    );
}

#[test]
fn report_puts_an_answer_back_onto_the_sheet() {
    let dir = std::env::temp_dir().join(format!("muster-cli-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("users.csv");
    std::fs::write(&csv, "Username,Email\njdoe,jdoe@example.com\n").unwrap();
    let answer = dir.join("answer.json");
    std::fs::write(
        &answer,
        r#"{"Operations": [{"method": "POST", "bulkId": "row2", "location": "/Users/92b7", "status": "201"}]}"#,
    )
    .unwrap();
    let (csv_arg, answer_arg) = (csv.to_string_lossy().into_owned(), answer.to_string_lossy().into_owned());
    let (code, out, err) = muster(&["report", &answer_arg, "--input", &csv_arg, "--format", "scim"]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "Username,Email,muster outcome,muster id,muster message\njdoe,jdoe@example.com,created,92b7,\n");
}

/// `muster validate big.csv | head`: the reader goes away after a few lines, and muster ends
/// quietly (exit 2, an I/O error) instead of panicking on the closed pipe.
#[test]
fn a_reader_that_stops_early_ends_the_run_quietly() {
    use std::io::Read as _;
    let mut csv = String::from("Username,Email\n");
    for i in 0..5000 {
        csv.push_str(&format!("user{i},not-an-address-{i}\n"));
    }
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("closed-pipe.csv");
    std::fs::write(&path, csv).unwrap();
    for json in [true, false] {
        let mut args = vec!["validate", path.to_str().unwrap()];
        if json {
            args.push("--json");
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_muster"))
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 64];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap(); // then the pipe closes
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "json {json}: {stderr}");
        assert!(stderr.is_empty(), "json {json}: {stderr}");
    }
}

/// A stream keeping few values in memory (`MUSTER_SPILL_AFTER`) writes the rest to temporary
/// files and reports the same; a budget that is not a number is refused.
#[test]
fn a_csv_validated_with_values_spilled_to_disk_reports_the_same() {
    let dir = std::env::temp_dir().join(format!("muster-cli-spill-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("users.csv");
    let mut text = String::from("Username,Email,Employee ID\n");
    for i in 0..500 {
        text.push_str(&format!("user{},user{i}@example.com,{:06}\n", if i % 100 == 99 { i - 50 } else { i }, i % 480));
    }
    std::fs::write(&csv, text).unwrap();
    let run = |budget: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_muster"));
        command.args(["validate", "--json", csv.to_str().unwrap()]).env("TMPDIR", &dir);
        if let Some(budget) = budget {
            command.env("MUSTER_SPILL_AFTER", budget);
        }
        let out = command.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, in_memory, _) = run(None);
    assert_eq!(code, Some(1));
    assert_eq!(in_memory.matches("\"code\": \"duplicate-").count(), 25, "{in_memory}"); // 5 usernames, 20 ids
    assert_eq!(run(Some("7")), (Some(1), in_memory, String::new()));
    let (code, _, err) = run(Some("lots"));
    assert_eq!(code, Some(2));
    assert!(err.contains("MUSTER_SPILL_AFTER must be a number of values (such as 1000000), not \"lots\""), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
