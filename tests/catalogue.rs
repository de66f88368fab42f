//! docs/diagnostics.md is generated from the catalogue; this fails when it is stale.

#[test]
fn the_committed_catalogue_doc_is_up_to_date() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/diagnostics.md");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == muster::diag::catalogue_markdown(),
        "docs/diagnostics.md is stale: run `cargo run -- codes --markdown > docs/diagnostics.md`"
    );
}

#[test]
fn every_code_is_triggered_by_its_own_example() {
    for code in muster::Code::ALL {
        let report = muster::validate_scim_bulk(code.example().as_bytes());
        assert!(
            report.diagnostics.iter().any(|d| d.code == *code),
            "the example of {code} does not produce it: {report:?}"
        );
    }
}
