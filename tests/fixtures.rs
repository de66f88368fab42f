//! The fixture corpus: RFC 7644 §3.7 examples (made valid where the RFC's JSON is broken) and
//! request/response examples of both upstreams. Requests validate clean in their dialect (only
//! the expected warnings); responses read back into the outcomes they describe.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use muster::payload::jumpcloud::{JobId, JobWorkresult};
use muster::results::{Outcome, Submitted, reconcile_jumpcloud, reconcile_scim};
use muster::{Code, Format, Options};
use serde_json::Value;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn json(name: &str) -> Value {
    serde_json::from_slice(&fixture(name)).unwrap()
}

fn codes(name: &str, format: Format) -> Vec<Code> {
    let report = muster::validate(&fixture(name), &Options { format, ..Options::default() });
    report.diagnostics.iter().map(|d| d.code).collect()
}

#[test]
fn requests_are_valid_in_their_dialect() {
    for (name, format, expected) in [
        ("scim/create-one-user.json", Format::Scim, vec![]),
        ("scim/rfc7644-3.7.1-circular.json", Format::Scim, vec![Code::RefCycle]),
        ("scim/rfc7644-3.7.2-bulkid-references.json", Format::Scim, vec![]),
        ("scim/rfc7644-3.7.3-request.json", Format::Scim, vec![]),
        ("scim/enterprise-manager.json", Format::Scim, vec![]),
        ("oracle/bulk-create-and-roles.json", Format::Oracle, vec![]),
        ("jumpcloud/create.json", Format::JumpcloudCreate, vec![]),
        ("jumpcloud/update.json", Format::JumpcloudUpdate, vec![]),
    ] {
        assert_eq!(codes(name, format), expected, "{name}");
        assert_eq!(codes(name, Format::Auto), expected, "{name} with the format detected");
    }
}

#[test]
fn the_oracle_request_is_flagged_precisely_as_rfc() {
    let found = codes("oracle/bulk-create-and-roles.json", Format::Scim);
    assert!(found.contains(&Code::BulkOracleUrn), "{found:?}");
    assert!(found.contains(&Code::UserOracleUrn), "{found:?}");
    assert!(found.contains(&Code::EmailTypeDialect), "{found:?}");
}

#[test]
fn scim_responses_reconcile_with_their_requests() {
    let request = json("scim/rfc7644-3.7.3-request.json");
    let outcomes = reconcile_scim(&request, &json("scim/rfc7644-3.7.3-response.json")).unwrap();
    assert_eq!(
        outcomes,
        vec![
            Outcome::Created { id: Some("92b725cd-9465-4e7d-8c16-01f8e146b87a".into()) },
            Outcome::Updated { id: Some("b7c14771-226c-4d05-8860-134711653041".into()) },
            Outcome::Updated { id: Some("5d8d29d3-342c-4b5f-8683-a3cb6763ffcc".into()) },
            Outcome::Deleted,
        ]
    );
    let failed = reconcile_scim(&request, &json("scim/rfc7644-3.7.3-error-response.json")).unwrap();
    assert!(
        matches!(&failed[0], Outcome::Failed { status: Some(400), scim_type: Some(t), .. } if t == "invalidSyntax")
    );
    assert_eq!(&failed[1..], &[Outcome::NotAttempted, Outcome::NotAttempted, Outcome::NotAttempted]);

    let refs =
        reconcile_scim(&json("scim/rfc7644-3.7.2-bulkid-references.json"), &json("scim/scim2-server-response.json"))
            .unwrap();
    assert!(refs.iter().all(|o| matches!(o, Outcome::Created { id: Some(_) })), "{refs:?}");
}

#[test]
fn oracle_status_objects_and_reused_bulk_ids_reconcile_by_position() {
    let outcomes =
        reconcile_scim(&json("oracle/bulk-create-and-roles.json"), &json("oracle/bulk-response.json")).unwrap();
    assert_eq!(outcomes[0], Outcome::Created { id: Some("6A7B8C9D0E1F2A3B4C5D6E7F8A9B0C1D".into()) });
    assert_eq!(outcomes[1], Outcome::Updated { id: Some("3B9A4F6D2C1E4A5B8C7D6E5F4A3B2C1D".into()) });
    assert_eq!(outcomes[2], Outcome::Updated { id: Some("300000123456789".into()) });
}

#[test]
fn jumpcloud_answers_read_and_match() {
    let job: JobId = serde_json::from_value(json("jumpcloud/job-id.json")).unwrap();
    assert_eq!(job.job_id, "65a1b2c3d4e5f60718293a4b");
    let results: Vec<JobWorkresult> = serde_json::from_value(json("jumpcloud/workresults.json")).unwrap();
    let submitted: Vec<Submitted> =
        json("jumpcloud/create.json").as_array().unwrap().iter().map(Submitted::from_user).collect();
    let outcomes = reconcile_jumpcloud(&submitted, &results, true);
    assert!(matches!(&outcomes[0], Outcome::Failed { message, .. } if message == "email address already in use"));
    assert_eq!(outcomes[1], Outcome::Created { id: Some("5f0c1b2e3d4a5b6c7d8e9f10".into()) });
}

#[test]
fn conversions_between_dialects_round_trip_the_common_fields() {
    let options = Options::default();
    let to_jc = muster::convert(&fixture("jumpcloud/create.json"), &options, Format::Scim);
    assert!(to_jc.report.valid, "{:#?}", to_jc.report.diagnostics);
    let scim = serde_json::to_vec(&to_jc.body.unwrap()).unwrap();
    let back = muster::convert(&scim, &options, Format::JumpcloudCreate);
    let users = back.body.unwrap();
    assert_eq!(users[1]["employeeIdentifier"], "000042");
    assert_eq!(users[1]["phoneNumbers"][0]["number"], "+1 555 0100");
    assert_eq!(users[0]["email"], "jdoe@example.com");
    // SCIM had no place for the custom attribute or the STAGED state: both reported on the way out.
    let lost: Vec<&str> = to_jc
        .report
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::FieldNoEquivalent)
        .filter_map(|d| d.field.as_deref())
        .collect();
    assert!(lost.contains(&"attributes") && lost.contains(&"state") && lost.contains(&"mfa"), "{lost:?}");
}
