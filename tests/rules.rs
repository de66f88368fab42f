//! Every rule's passing case: a near miss of the catalogue example (which is the failing case,
//! checked in catalogue.rs) that must produce no diagnostic at all. A code without a passing case
//! here fails `every_code_has_a_passing_case`.

// Test code: a failed unwrap or panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use muster::payload::scim::BulkConfig;
use muster::{Code, Format, Options, PasswordPolicy};
use serde_json::{Value, json};

const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn bulk(operations: Value) -> Value {
    json!({"schemas": [BULK], "Operations": operations})
}

fn post_user(bulk_id: &str, data: Value) -> Value {
    let mut user = json!({"schemas": [USER], "userName": bulk_id});
    if let (Some(u), Some(d)) = (user.as_object_mut(), data.as_object()) {
        u.extend(d.clone());
    }
    json!({"method": "POST", "path": "/Users", "bulkId": bulk_id, "data": user})
}

fn group(bulk_id: &str, members: &[&str]) -> Value {
    let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
    json!({"method": "POST", "path": "/Groups", "bulkId": bulk_id,
           "data": {"schemas": [GROUP], "displayName": bulk_id, "members": members}})
}

fn patch_user(operations: Value) -> Value {
    json!({"method": "PATCH", "path": "/Users/2819c223", "data": {"schemas": [PATCH], "Operations": operations}})
}

/// (code, format, a valid input close to the code's failing example)
fn passing_cases() -> Vec<(Code, Format, Value)> {
    use Code::*;
    let jc_user = |extra: Value| {
        let mut u = json!({"username": "jdoe", "email": "jdoe@example.com"});
        if let (Some(u), Some(e)) = (u.as_object_mut(), extra.as_object()) {
            u.extend(e.clone());
        }
        json!([u])
    };
    let jc_update = |extra: Value| {
        let mut u = json!({"id": "5f0c1b2e3d4a5b6c7d8e9f01"});
        if let (Some(u), Some(e)) = (u.as_object_mut(), extra.as_object()) {
            u.extend(e.clone());
        }
        json!([u])
    };
    let delete = json!({"method": "DELETE", "path": "/Users/1"});
    vec![
        (JsonSyntax, Format::Auto, bulk(json!([delete]))),
        (BulkNotObject, Format::Scim, bulk(json!([delete]))),
        (BulkSchemasMissing, Format::Scim, bulk(json!([delete]))),
        (BulkOperationsEmpty, Format::Scim, bulk(json!([delete]))),
        (BulkFailOnErrorsInvalid, Format::Scim, json!({"schemas": [BULK], "failOnErrors": 1, "Operations": [delete]})),
        (BulkTooManyOperations, Format::Scim, bulk(json!([delete, {"method": "DELETE", "path": "/Users/2"}]))),
        (
            BulkPayloadTooLarge,
            Format::Scim,
            bulk(json!([post_user("bjensen", json!({"name": {"givenName": "Barbara"}}))])),
        ),
        (
            BulkOracleUrn,
            Format::Oracle,
            json!({"schemas": ["urn:scim:schemas:core:2.0:BulkRequest"], "Operations": [delete]}),
        ),
        (OpNotObject, Format::Scim, bulk(json!([delete]))),
        (OpMethodInvalid, Format::Scim, bulk(json!([{"method": "DELETE", "path": "/Users/1"}]))),
        (OpPathInvalid, Format::Scim, bulk(json!([{"method": "DELETE", "path": "/Users/1"}]))),
        (OpBulkIdMissing, Format::Scim, bulk(json!([post_user("a", json!({}))]))),
        (OpBulkIdDuplicate, Format::Scim, bulk(json!([group("g", &[]), group("h", &[])]))),
        (OpIdReserved, Format::Scim, bulk(json!([post_user("a", json!({"externalId": "bulkId-1"}))]))),
        (
            OpDataMissing,
            Format::Scim,
            bulk(json!([{"method": "PUT", "path": "/Users/1", "data": {"schemas": [USER], "userName": "a"}}])),
        ),
        (OpDataIgnored, Format::Scim, bulk(json!([delete]))),
        (OpVersionIgnored, Format::Scim, bulk(json!([{"method": "DELETE", "path": "/Users/1", "version": "W/\"1\""}]))),
        (RefUnknownBulkId, Format::Scim, bulk(json!([post_user("u", json!({})), group("g", &["bulkId:u"])]))),
        (RefCycle, Format::Scim, bulk(json!([group("a", &["bulkId:b"]), group("b", &[])]))),
        (
            PatchNotPatchOp,
            Format::Scim,
            bulk(json!([patch_user(json!([{"op": "replace", "path": "active", "value": false}]))])),
        ),
        (
            PatchOpInvalid,
            Format::Scim,
            bulk(json!([patch_user(json!([{"op": "Replace", "path": "title", "value": "x"}]))])),
        ),
        (
            PatchMissingMember,
            Format::Scim,
            bulk(json!([patch_user(
                json!([{"op": "remove", "path": "title"}, {"op": "add", "value": {"title": "x"}}])
            )])),
        ),
        (
            PatchPathInvalid,
            Format::Scim,
            bulk(json!([patch_user(json!([
            {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "x@example.com"},
            {"op": "replace", "path": "name.givenName", "value": "X"},
            {"op": "replace", "path": format!("{ENTERPRISE}:employeeNumber"), "value": "7"}]))])),
        ),
        (ResourceSchemaMissing, Format::Scim, bulk(json!([post_user("a", json!({}))]))),
        (UserOracleUrn, Format::Scim, bulk(json!([post_user("a", json!({}))]))),
        (
            UserRfcUrnInOracle,
            Format::Oracle,
            json!({"Operations": [{"method": "POST", "path": "/Users", "bulkId": "a",
            "data": {"schemas": ["urn:scim:schemas:core:2.0:User"], "userName": "a", "emails": [{"value": "a@example.com", "type": "W"}]}}]}),
        ),
        (UserNameMissing, Format::Scim, bulk(json!([post_user("a", json!({}))]))),
        (EmailInvalid, Format::Scim, bulk(json!([post_user("a", json!({"emails": [{"value": "a@example.com"}]}))]))),
        (
            EmailPrimaryMultiple,
            Format::Scim,
            bulk(json!([post_user(
                "a",
                json!({"emails": [
            {"value": "a@example.com", "primary": true}, {"value": "b@example.com", "primary": false}]})
            )])),
        ),
        (
            EmailTypeDialect,
            Format::Scim,
            bulk(json!([post_user("a", json!({"emails": [{"value": "a@example.com", "type": "work"}]}))])),
        ),
        (TypeMismatch, Format::Scim, bulk(json!([post_user("a", json!({"active": true}))]))),
        (GroupDisplayNameMissing, Format::Scim, bulk(json!([group("g", &[])]))),
        (
            ManagerRefMissing,
            Format::Scim,
            bulk(json!([{"method": "PUT", "path": "/Users/1", "data": {"schemas": [USER, ENTERPRISE], "userName": "a",
                ENTERPRISE: {"manager": {"value": "26118915", "$ref": "../Users/26118915"}}}}])),
        ),
        (
            OracleRoleMembersInvalid,
            Format::Oracle,
            json!({"Operations": [{"method": "PATCH", "path": "/Roles/300", "bulkId": "r",
            "data": {"members": [{"value": "AB12", "operation": "ADD"}, {"value": "CD34", "operation": "REMOVE"}]}}]}),
        ),
        (
            DuplicateUserName,
            Format::JumpcloudCreate,
            json!([{"username": "jdoe", "email": "a@example.com"}, {"username": "jdoe2", "email": "b@example.com"}]),
        ),
        (
            DuplicateEmail,
            Format::JumpcloudCreate,
            json!([{"username": "a", "email": "x@example.com"}, {"username": "b", "email": "y@example.com"}]),
        ),
        (
            DuplicateExternalId,
            Format::Scim,
            bulk(json!([post_user("a", json!({"externalId": "7"})), post_user("b", json!({"externalId": "07"}))])),
        ),
        (
            DuplicateEmployeeId,
            Format::JumpcloudCreate,
            json!([
            {"username": "a", "email": "a@example.com", "employeeIdentifier": "007"},
            {"username": "b", "email": "b@example.com", "employeeIdentifier": "7"},
            {"username": "c", "email": "c@example.com", "employeeIdentifier": ""},
            {"username": "d", "email": "d@example.com", "employeeIdentifier": ""}]),
        ),
        (JcNotArray, Format::JumpcloudCreate, jc_user(json!({}))),
        (JcRequiredMissing, Format::JumpcloudCreate, jc_user(json!({}))),
        (JcIdInvalid, Format::JumpcloudUpdate, jc_update(json!({"firstname": "Jo"}))),
        (JcIdInvalid, Format::JumpcloudCreate, jc_user(json!({"manager": "5f0c1b2e3d4a5b6c7d8e9f01"}))),
        (
            JcTooLong,
            Format::JumpcloudCreate,
            jc_user(
                json!({"employeeIdentifier": "0".repeat(256), "attributes": [{"name": "a", "value": "v".repeat(1024)}]}),
            ),
        ),
        (JcStateInvalid, Format::JumpcloudUpdate, jc_update(json!({"state": "SUSPENDED"}))),
        (JcStateConflict, Format::JumpcloudCreate, jc_user(json!({"state": "SUSPENDED", "suspended": true}))),
        (
            JcAttributeInvalid,
            Format::JumpcloudCreate,
            jc_user(json!({"attributes": [{"name": "costCenter2", "value": "7"}]})),
        ),
        (
            JcNumberInvalid,
            Format::JumpcloudCreate,
            jc_user(json!({"unix_uid": 1, "unix_guid": 5001, "mfa": {"exclusion": true, "exclusionDays": 7}})),
        ),
        (JcUsernameInvalid, Format::JumpcloudCreate, jc_user(json!({"username": "j.doe_2"}))),
        (JcUsernameLong, Format::JumpcloudCreate, jc_user(json!({"username": "twentycharacterslong"}))),
        (JcPasswordPolicy, Format::JumpcloudCreate, jc_user(json!({"password": "correct horse battery"}))),
        (
            JcReadOnlyField,
            Format::JumpcloudCreate,
            jc_user(json!({"addresses": [{"type": "work", "locality": "Paris"}]})),
        ),
        (
            FieldNoEquivalent,
            Format::Scim,
            bulk(json!([post_user("a", json!({"emails": [{"value": "a@example.com"}], "name": {"givenName": "A"}}))])),
        ),
        (
            UpdateAddressReplaced,
            Format::JumpcloudUpdate,
            jc_update(json!({"addresses": [{"type": "work", "streetAddress": "1 Main St", "locality": "Boulder",
                                            "region": "CO", "postalCode": "80301", "country": "US"}]})),
        ),
        (PlanOperationTooLarge, Format::Scim, bulk(json!([post_user("bjensen", json!({"title": "Tour Guide"}))]))),
    ]
}

fn options(format: Format) -> Options {
    let (max_operations, max_payload_size) = muster::diag::EXAMPLE_LIMITS;
    Options {
        format,
        limits: Some(BulkConfig {
            supported: true,
            max_operations: Some(max_operations),
            max_payload_size: Some(max_payload_size),
        }),
        password_policy: Some(PasswordPolicy { min_length: Some(12), ..Default::default() }),
    }
}

#[test]
fn every_passing_case_is_clean() {
    for (code, format, input) in passing_cases() {
        let bytes = serde_json::to_vec(&input).unwrap();
        let report = muster::validate(&bytes, &options(format));
        assert!(report.diagnostics.is_empty(), "passing case of {code}: {:#?}", report.diagnostics);
        let converted_to = match code {
            Code::FieldNoEquivalent => Some(Format::JumpcloudCreate),
            Code::UpdateAddressReplaced => Some(Format::Scim),
            _ => None,
        };
        if let Some(to) = converted_to {
            let converted = muster::convert(&bytes, &Options::default(), to);
            assert!(converted.report.diagnostics.is_empty(), "{:#?}", converted.report.diagnostics);
        }
    }
}

/// (code, a clean spreadsheet close to the code's failing example), checked for JumpCloud create
fn passing_sheets() -> Vec<(Code, &'static [u8])> {
    vec![
        (Code::EncodingFallback, "Username,Email,Prénom\nrenee,renee@example.com,Renée\n".as_bytes()),
        (Code::SheetEmpty, b"Username,Email\njdoe,jdoe@example.com\n"),
        (Code::SheetDuplicateHeader, b"Email,Username,Alternate email\na@example.com,a,b@example.com\n"),
        (Code::SheetExtraCells, b"Username,Email\njdoe,jdoe@example.com,\n"),
        (Code::SheetNothingToSend, b"id,Username,Email\n,jdoe,jdoe@example.com\n"),
        (Code::MapRequiredMissing, b"Given name,Surname,Username,Email\nJohn,Doe,jdoe,jdoe@example.com\n"),
        (Code::MapColumnUnmapped, b"Username,Email,Department\njdoe,jdoe@example.com,R&D\n"),
        (Code::CellBooleanInvalid, b"Username,Email,Active\njdoe,jdoe@example.com,yes\n"),
        (Code::CellIntegerInvalid, b"Username,Email,unix_uid\njdoe,jdoe@example.com,5001\n"),
    ]
}

#[test]
fn every_passing_sheet_is_clean() {
    for (code, bytes) in passing_sheets() {
        let read = muster::sheet::ReadOptions { filename: Some("users.csv".into()), ..Default::default() };
        let options = muster::spreadsheet::SheetOptions { read, ..Default::default() };
        let checked = muster::spreadsheet::check(bytes, &options).unwrap();
        assert!(checked.report.diagnostics.is_empty(), "passing case of {code}: {:#?}", checked.report.diagnostics);
        assert!(checked.body.is_some(), "passing case of {code}");
    }
}

#[test]
fn every_code_has_a_passing_case() {
    let mut covered: Vec<Code> = passing_cases().into_iter().map(|(code, _, _)| code).collect();
    // Their passing cases are in tests/workbooks.rs: every clean cell, and every number of an
    // XLSX workbook (its format is read).
    covered.extend([Code::SheetCellError, Code::SheetNumberFormat]);
    covered.extend(passing_sheets().into_iter().map(|(code, _)| code));
    let missing: Vec<&Code> = Code::ALL.iter().filter(|c| !covered.contains(c)).collect();
    assert!(missing.is_empty(), "codes without a passing case: {missing:?}");
}

/// A report may list only its first findings (the Worker's 400 does): exactly the first ones of
/// the whole report, with every finding counted, warnings too, for each dialect.
#[test]
fn a_report_may_list_only_its_first_findings_and_count_them_all() {
    // Every user has a bad email; every tenth repeats the first user's name; Oracle warns about
    // what it cannot carry.
    let users = |n: usize| -> Vec<Value> {
        (0..n)
            .map(|i| {
                let name = if i % 10 == 9 { "u0".to_owned() } else { format!("u{i}") };
                json!({"userName": name, "emails": [{"value": format!("bad{i}"), "type": "work"}], "nickName": "N"})
            })
            .collect()
    };
    let scim =
        bulk(Value::Array(users(300).into_iter().enumerate().map(|(i, u)| post_user(&format!("b{i}"), u)).collect()));
    let jumpcloud = Value::Array(
        (0..300).map(|i| json!({"username": if i % 10 == 9 { "u0".to_owned() } else { format!("u{i}") }, "email": format!("bad{i}")})).collect(),
    );
    for (format, payload) in [(Format::Scim, &scim), (Format::Oracle, &scim), (Format::JumpcloudCreate, &jumpcloud)] {
        let options = Options { format, ..Options::default() };
        let whole = muster::validate_value(payload, &options);
        assert!(whole.diagnostics.len() > 300, "{format:?}: {}", whole.diagnostics.len());
        for most in [0, 1, 100, whole.diagnostics.len() - 1, whole.diagnostics.len(), usize::MAX] {
            let listed = muster::validate_value_listing(payload, &options, most);
            assert_eq!((listed.valid, listed.summary), (whole.valid, whole.summary), "{format:?} {most}");
            assert_eq!(listed.diagnostics, whole.diagnostics[..most.min(whole.diagnostics.len())], "{format:?} {most}");
        }
    }
}
