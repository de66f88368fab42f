//! Every SCIM request muster emits (conversions from each dialect, planned chunks, cycle
//! follow-up PATCHes) is accepted by scim2-models, run from the project's venv (scripts/bootstrap).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use muster::plan::{Limits, plan};
use muster::{Format, Options};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(root().join("tests/fixtures").join(name)).unwrap()
}

/// The SCIM requests muster produces from the fixture corpus.
fn emitted() -> Vec<(String, serde_json::Value)> {
    let mut out = Vec::new();
    for name in ["jumpcloud/create.json", "scim/enterprise-manager.json", "scim/create-one-user.json"] {
        let conversion = muster::convert(&fixture(name), &Options::default(), Format::Scim);
        assert!(conversion.report.valid, "{name}: {:#?}", conversion.report.diagnostics);
        out.push((format!("convert {name}"), conversion.body.unwrap()));
    }
    let update = muster::convert(&fixture("jumpcloud/update.json"), &Options::default(), Format::Scim);
    out.push(("convert jumpcloud/update.json".into(), update.body.unwrap()));
    for name in [
        "scim/rfc7644-3.7.1-circular.json",
        "scim/rfc7644-3.7.2-bulkid-references.json",
        "scim/enterprise-manager.json",
    ] {
        let request: serde_json::Value = serde_json::from_slice(&fixture(name)).unwrap();
        for chunk in plan(request.clone(), Limits { max_operations: 2, ..Limits::default() }).chunks {
            out.push((format!("plan {name} chunk {}", chunk.index), chunk.request));
        }
    }
    out
}

#[test]
fn scim2_models_accepts_every_request_muster_emits() {
    let python = root().join(".tools/venv/bin/python");
    assert!(python.exists(), "{} is missing: run scripts/bootstrap (make test does)", python.display());
    let dir = std::env::temp_dir().join(format!("muster-scim2-models-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let files: Vec<PathBuf> = emitted()
        .into_iter()
        .enumerate()
        .map(|(i, (_, request))| {
            let path = dir.join(format!("{i}.json"));
            std::fs::write(&path, serde_json::to_vec(&request).unwrap()).unwrap();
            path
        })
        .collect();
    let output =
        Command::new(&python).arg(root().join("tests/support/scim2_models_check.py")).args(&files).output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "scim2-models refused:\n{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains(&format!("checked {} request(s): 0 problem(s)", files.len())), "{stdout}");
}
