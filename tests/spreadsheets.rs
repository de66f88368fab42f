//! Spreadsheets end to end: every bad cell of a realistic file is reported at the row and column
//! the user sees, in one pass; encodings Excel writes all read the same.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use muster::sheet::ReadOptions;
use muster::spreadsheet::{SheetOptions, check, check_report};
use muster::{Code, Format};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/sheets/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn options(target: Format) -> SheetOptions {
    SheetOptions {
        read: ReadOptions { filename: Some("users.csv".into()), ..ReadOptions::default() },
        profile: None,
        target,
    }
}

fn placed(bytes: &[u8], target: Format) -> Vec<(u64, String, Code)> {
    let checked = check(bytes, &options(target)).unwrap();
    checked
        .report
        .diagnostics
        .iter()
        .map(|d| (d.row.unwrap_or(0), d.column.clone().unwrap_or_default(), d.code))
        .collect()
}

#[test]
fn every_bad_cell_of_the_template_is_placed_at_its_row_and_column() {
    let found = placed(&fixture("jumpcloud-template.csv"), Format::JumpcloudCreate);
    // Row 5 is blank; row 6's job title spans two lines of the file but is one row.
    let expected = vec![
        (1, "Favourite colour".to_owned(), Code::MapColumnUnmapped),
        (3, "Email".to_owned(), Code::EmailInvalid),
        (3, "manager".to_owned(), Code::FieldNoEquivalent),
        (4, String::new(), Code::DuplicateUserName),
        (4, "sudo".to_owned(), Code::CellBooleanInvalid),
        (4, "unix_uid".to_owned(), Code::CellIntegerInvalid),
        (6, String::new(), Code::DuplicateEmployeeId),
        (6, "Attribute1_name".to_owned(), Code::JcAttributeInvalid),
        (7, "Username".to_owned(), Code::JcUsernameInvalid),
    ];
    assert_eq!(found, expected, "{found:#?}");
}

#[test]
fn duplicates_name_both_rows_and_messages_name_the_column() {
    let checked = check(&fixture("jumpcloud-template.csv"), &options(Format::JumpcloudCreate)).unwrap();
    let d = |code| checked.report.diagnostics.iter().find(|d| d.code == code).unwrap();
    assert_eq!(
        d(Code::DuplicateUserName).message,
        "Row 4 repeats the value in row 2; userNames must be unique, ignoring case."
    );
    assert_eq!(d(Code::DuplicateEmployeeId).field.as_deref(), Some("employeeNumber"));
    assert!(
        d(Code::EmailInvalid).message.starts_with("Row 3, column \"Email\": "),
        "{}",
        d(Code::EmailInvalid).message
    );
    assert!(checked.body.is_none(), "a sheet with errors yields nothing to send");
    assert_eq!(checked.report.summary.rows, 5);
}

#[test]
fn a_value_one_row_lists_twice_is_no_batch_duplicate_but_another_rows_is() {
    // Row 2 gives one address as both its emails; row 3 gives row 2's as its alternate, and row 4
    // repeats row 3's username in capitals.
    let csv = "Username,Email,Alternate Email\nann,ann@example.com,ann@example.com\nbob,bob@example.com,ann@example.com\nBOB,b2@example.com,\n";
    for target in [Format::Scim, Format::JumpcloudCreate] {
        let whole = check(csv.as_bytes(), &options(target)).unwrap().report;
        let report = check_report(csv.as_bytes(), &options(target)).unwrap();
        assert_eq!(report, whole, "{target:?}");
        let duplicates: Vec<(Option<u64>, &str)> = report
            .diagnostics
            .iter()
            .filter(|d| matches!(d.code, Code::DuplicateEmail | Code::DuplicateUserName))
            .map(|d| (d.row, d.message.as_str()))
            .collect();
        assert_eq!(
            duplicates,
            [
                (Some(3), "Row 3 repeats the value in row 2; email addresses must be unique, ignoring case."),
                (Some(4), "Row 4 repeats the value in row 3; userNames must be unique, ignoring case."),
            ],
            "{target:?}"
        );
    }
}

#[test]
fn a_column_the_target_cannot_carry_is_one_finding_not_one_per_row() {
    // `Notes` maps to `description`, which SCIM has no attribute for.
    let many = "Username,Email,Notes\na,a@example.com,x\nb,b@example.com,\nc,c@example.com,y\nd,d@example.com,z\n";
    let found = check(many.as_bytes(), &options(Format::Scim)).unwrap().report.diagnostics;
    let left_out: Vec<_> = found.iter().filter(|d| d.code == Code::FieldNoEquivalent).collect();
    assert_eq!(left_out.len(), 1, "{found:?}");
    assert_eq!((left_out[0].row, left_out[0].column.as_deref()), (None, Some("Notes")));
    assert_eq!(
        left_out[0].message,
        "Column \"Notes\", 3 rows (2, 4, 5): the value has no SCIM equivalent, so it is left out. Map the column to another field, or leave it out of the mapping."
    );
    // One row alone keeps its row.
    let one = "Username,Email,Notes\na,a@example.com,\nb,b@example.com,x\n";
    let found = placed(one.as_bytes(), Format::Scim);
    assert_eq!(found, vec![(3, "Notes".to_owned(), Code::FieldNoEquivalent)]);
}

#[test]
fn a_clean_sheet_yields_the_target_body_with_typed_values_and_references() {
    let csv = "Username,Email,FirstName,manager,sudo,unix_uid,EnrollmentDays,Attribute2_name,Attribute2_value,Attribute5_name,Attribute5_value,work_city,work_postalCode\n\
               boss,boss@example.com,Bo,,yes,5001,7,badge,7,floor,3,Boulder,80301\n\
               jdoe,jdoe@example.com,John,boss@example.com,n,5002,,,,,,,\n";
    let scim = check(csv.as_bytes(), &options(Format::Scim)).unwrap();
    assert!(
        scim.report.diagnostics.iter().all(|d| d.severity == muster::Severity::Warning),
        "{:#?}",
        scim.report.diagnostics
    );
    let body = scim.body.unwrap();
    assert_eq!(body["schemas"], serde_json::json!(["urn:ietf:params:scim:api:messages:2.0:BulkRequest"]));
    assert_eq!(body["Operations"][1]["bulkId"], "row3");
    // Oracle HCM's body is Oracle's bulk request, as `convert --to oracle` writes it.
    let oracle = check(csv.as_bytes(), &options(Format::Oracle)).unwrap().body.unwrap();
    assert_eq!(oracle["schemas"], serde_json::json!(["urn:scim:schemas:core:2.0:BulkRequest"]));
    let ent = &body["Operations"][1]["data"]["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"];
    assert_eq!(ent["manager"]["value"], "bulkId:row2", "a manager given by email becomes a reference to that row");

    let jc = check(csv.as_bytes(), &options(Format::JumpcloudCreate)).unwrap();
    let users = jc.body.unwrap();
    assert_eq!(users[0]["sudo"], true);
    assert_eq!(users[0]["unix_uid"], 5001);
    assert_eq!(users[0]["mfa"], serde_json::json!({"exclusion": true, "exclusionDays": 7}));
    assert_eq!(
        users[0]["attributes"],
        serde_json::json!([{"name": "badge", "value": "7"}, {"name": "floor", "value": "3"}])
    );
    assert_eq!(
        users[0]["addresses"],
        serde_json::json!([{"type": "work", "locality": "Boulder", "postalCode": "80301"}])
    );
    assert!(users[1].get("addresses").is_none(), "no address when no part is set");
    assert!(
        jc.report.diagnostics.iter().any(|d| d.code == Code::FieldNoEquivalent && d.row == Some(3)),
        "JumpCloud cannot reference a manager created in the same job"
    );
}

/// A sheet can change users that exist: a column of their ids makes each row with one an update
/// (JumpCloud's update array, a SCIM PATCH); rows without one are still created.
#[test]
fn an_id_column_turns_its_rows_into_updates() {
    let csv = "JumpCloud ID,FirstName,Department\n5f0c1b2e3d4a5b6c7d8e9f01,Jo,Sales\n5f0c1b2e3d4a5b6c7d8e9f02,,Legal\n";
    let update = check(csv.as_bytes(), &options(Format::JumpcloudUpdate)).unwrap();
    assert!(update.report.diagnostics.is_empty(), "{:#?}", update.report.diagnostics);
    // The page asks to confirm a mapping below 90 %: a column that makes rows updates always is.
    assert!(update.mapping[0].field.as_deref() == Some("id") && update.mapping[0].confidence < 0.9);
    assert_eq!(
        update.body.unwrap(),
        serde_json::json!([
            {"id": "5f0c1b2e3d4a5b6c7d8e9f01", "firstname": "Jo", "department": "Sales"},
            {"id": "5f0c1b2e3d4a5b6c7d8e9f02", "department": "Legal"},
        ])
    );
    // The same column headed as the field's own name, with a username for SCIM.
    let csv = "id,Username,Department\n2819c223,bjensen,Sales\n,newhire,Legal\n";
    let scim = check(csv.as_bytes(), &options(Format::Scim)).unwrap();
    assert!(scim.report.diagnostics.is_empty(), "{:#?}", scim.report.diagnostics);
    let ops = &scim.body.unwrap()["Operations"];
    assert_eq!((ops[0]["method"].as_str(), ops[0]["path"].as_str()), (Some("PATCH"), Some("/Users/2819c223")));
    assert_eq!((ops[1]["method"].as_str(), ops[1]["bulkId"].as_str()), (Some("POST"), Some("row3")));
    // An update sets a typed address whole: a sheet that gives part of one says what is cleared,
    // once for the column.
    let csv = "id,City\n2819c223,Boulder\n2819c224,Denver\n";
    let found = check(csv.as_bytes(), &options(Format::Scim)).unwrap().report.diagnostics;
    let messages: Vec<_> = found.iter().map(|d| (d.code, d.message.as_str())).collect();
    assert_eq!(
        messages,
        vec![(
            Code::UpdateAddressReplaced,
            "Column \"City\", 2 rows (2, 3): An update replaces the user's work address as a whole, so its street, region, postal code and country would be cleared. Give every part of the address, or leave the address out of the update."
        )]
    );
    // An id that cannot name a user is placed at its cell.
    let found = placed("id,Username\n../x,jo\n".as_bytes(), Format::Scim);
    assert_eq!(found, vec![(2, "id".to_owned(), Code::OpPathInvalid)]);
    // Creating users from a sheet of ids sends nothing: said once for the sheet, and at each row.
    let found = placed("id,Username,Email\n42,jo,jo@example.com\n".as_bytes(), Format::JumpcloudCreate);
    assert_eq!(
        found,
        vec![(1, String::new(), Code::SheetNothingToSend), (2, "id".to_owned(), Code::FieldNoEquivalent)]
    );
    // A sheet mixing both kinds sends the rows its target takes, even when a whole part of the
    // sheet (250 rows) is of the other kind.
    let mut mixed = String::from("id,Username,Email\n");
    for n in 0..300 {
        mixed.push_str(&format!("{n:024x},u{n},u{n}@example.com\n"));
    }
    mixed.push_str(",new,new@example.com\n");
    let create = check(mixed.as_bytes(), &options(Format::JumpcloudCreate)).unwrap();
    // The rows left out are one finding for the column, however many parts they span.
    let found = &create.report.diagnostics;
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].message.starts_with("Column \"id\", 300 rows (2, 3, 4, 5, 6 and 295 more): The user has an id"));
    assert_eq!(create.body.unwrap(), serde_json::json!([{"username": "new", "email": "new@example.com"}]));
    // Without an id column there is nothing to update: said for the sheet, and once for its rows.
    let update = check("Username\njo\nmo\n".as_bytes(), &options(Format::JumpcloudUpdate)).unwrap();
    let found: Vec<_> = update.report.diagnostics.iter().map(|d| (d.row, d.code, d.message.as_str())).collect();
    assert_eq!(
        found,
        vec![
            (
                None,
                Code::FieldNoEquivalent,
                "2 rows (2, 3): The user has no id, so it would be created: convert it with --to jumpcloud-create. It is left out."
            ),
            (
                Some(1),
                Code::MapRequiredMissing,
                "No column is mapped to User ID (to update), which every user needs for this target. Add the column or map an existing one to it."
            ),
        ]
    );
}

/// The same sheet as Excel writes it: UTF-8 with BOM and semicolons, UTF-16 LE tab-separated,
/// Windows-1252 (with a warning), reads to the same cells.
#[test]
fn excel_encodings_read_the_same() {
    let text = "Username;Email;FirstName;employeeIdentifier\nrenee;renee@example.com;Renée;000042\n";
    let utf8_bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
    let tsv = text.replace(';', "\t");
    let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain(tsv.encode_utf16().flat_map(u16::to_le_bytes)).collect();
    let cp1252: Vec<u8> = text.chars().map(|c| if c == 'é' { 0xE9 } else { c as u8 }).collect();
    for (name, bytes, warnings) in [("utf8-bom", utf8_bom, 0), ("utf16", utf16, 0), ("cp1252", cp1252, 1)] {
        let checked = check(&bytes, &options(Format::JumpcloudCreate)).unwrap();
        assert_eq!(checked.report.summary.warnings, warnings, "{name}: {:#?}", checked.report.diagnostics);
        assert_eq!(checked.headers, ["Username", "Email", "FirstName", "employeeIdentifier"], "{name}");
        let users = checked.body.unwrap();
        assert_eq!(
            (users[0]["firstname"].as_str(), users[0]["employeeIdentifier"].as_str()),
            (Some("Renée"), Some("000042")),
            "{name}"
        );
    }
}

#[test]
fn upstream_answers_go_back_onto_the_rows_and_export_safely() {
    let csv = "Username,Email,Note\njdoe,jdoe@example.com,=1+1\n\nasmith,asmith@example.com,ok\n";
    let (sheet, checked) = muster::spreadsheet::read_and_check(csv.as_bytes(), &options(Format::Scim)).unwrap();
    assert_eq!(checked.body_rows, [2, 4]);
    // Chunked: one answer per chunk, in any order; bulkIds tie them to rows.
    let answer = serde_json::json!([
        {"Operations": [{"method": "POST", "bulkId": "row4", "status": "409",
            "response": {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "409", "scimType": "uniqueness", "detail": "userName taken"}}]},
        {"Operations": [{"method": "POST", "bulkId": "row2", "location": "/Users/92b7", "status": "201"}]}
    ]);
    let outcomes = muster::spreadsheet::outcomes(&checked, &answer).unwrap();
    let report = muster::report::to_csv(&sheet, &outcomes).unwrap();
    assert_eq!(
        report,
        "Username,Email,Note,muster outcome,muster id,muster message\n\
         jdoe,jdoe@example.com,'=1+1,created,92b7,\n\
         asmith,asmith@example.com,ok,failed,,userName taken (HTTP 409)\n"
    );

    let jc = check(csv.as_bytes(), &options(Format::JumpcloudCreate)).unwrap();
    let results = serde_json::json!([
        {"status": "pending", "meta": {"SystemUser": {"username": "asmith"}}},
        {"status": "finished", "meta": {"SystemUser": {"username": "jdoe", "_id": "5f0c1b2e3d4a5b6c7d8e9f01"}}}
    ]);
    let outcomes = muster::spreadsheet::outcomes(&jc, &results).unwrap();
    let words: Vec<(u64, &str)> = outcomes.iter().map(|o| (o.row, o.outcome.as_str())).collect();
    assert_eq!(words, [(2, "created"), (4, "pending")]);
}

/// A manager in another part of the sheet is a sound reference although the part lacks its POST;
/// that must not hide a broken reference elsewhere in the same row.
#[test]
fn a_manager_in_another_part_hides_no_other_broken_reference() {
    let mut csv = String::from("Username,Email,Job title,Manager\n");
    for n in 0..300 {
        let (title, manager) = if n == 0 { ("bulkId:nope", "u280") } else { ("Clerk", "") };
        csv.push_str(&format!("u{n},u{n}@example.com,{title},{manager}\n"));
    }
    let found = placed(csv.as_bytes(), Format::Scim);
    assert_eq!(found, vec![(2, "Job title".to_owned(), Code::RefUnknownBulkId)]);
}

/// JumpCloud relates a manager by id and cannot refer to one created in the same job: a manager
/// named by a username no row has is an error at its cell, not sent to fail upstream.
#[test]
fn a_jumpcloud_manager_must_be_an_id() {
    let csv = "Username,Email,Manager\nann,ann@example.com,bob.smith\nbob,bob@example.com,5f0c1b2e3d4a5b6c7d8e9f01\ncat,cat@example.com,ann\n";
    let found = placed(csv.as_bytes(), Format::JumpcloudCreate);
    assert_eq!(
        found,
        vec![(2, "Manager".to_owned(), Code::JcIdInvalid), (4, "Manager".to_owned(), Code::FieldNoEquivalent)]
    );
    // SCIM keeps such a name as the manager's id.
    assert_eq!(placed(csv.as_bytes(), Format::Scim), vec![]);
}
