//! The whole path for spreadsheet input: read the file (stage 2), map its columns, read rows into
//! records (stage 3), write the target's body and run the target's own rules (stages 4–5). Every
//! finding is placed at the row and column the user sees.

use crate::checks::duplicates_in_records;
use crate::diag::{Code, Diagnostic, Report};
use crate::options::{Format, Options};
use crate::payload::convert::{Finding, write};
use crate::payload::jumpcloud::JobWorkresult;
use crate::records::columns::{FIELDS, Profile, Proposal, propose};
use crate::records::sheet::from_sheet;
use crate::report::RowOutcome;
use crate::results::{Outcome, Submitted, reconcile_jumpcloud, reconcile_scim};
use crate::sheet::{self, ReadOptions, Sheet, column_letter};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How to read and check a spreadsheet.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct SheetOptions {
    pub read: ReadOptions,
    /// A saved mapping; headers it does not know are mapped automatically.
    pub profile: Option<Profile>,
    /// The dialect the users will be sent in (`auto` means JumpCloud create).
    pub target: Format,
}

/// Everything a face shows about a checked spreadsheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct SheetCheck {
    pub report: Report,
    pub header_row: u64,
    pub headers: Vec<String>,
    pub mapping: Vec<Proposal>,
    /// The target body, when the sheet has no errors.
    #[cfg_attr(feature = "typescript", tsify(type = "unknown"))]
    pub body: Option<Value>,
    /// The target the body is for.
    pub target: Format,
    /// The spreadsheet row of each element of the body (operation or user).
    pub body_rows: Vec<u64>,
}

/// Reads, maps and checks a spreadsheet. `Err` when the file cannot be read at all.
pub fn check(bytes: &[u8], options: &SheetOptions) -> Result<SheetCheck, String> {
    read_and_check(bytes, options).map(|(_, check)| check)
}

/// [`check`], also handing back the sheet as read (for the results report).
pub fn read_and_check(bytes: &[u8], options: &SheetOptions) -> Result<(Sheet, SheetCheck), String> {
    let target = if options.target == Format::Auto { Format::JumpcloudCreate } else { options.target };
    let (sheet, mut out) = sheet::read(bytes, &options.read)?;
    let mapping = propose(&sheet.headers, options.profile.as_ref());
    let fields: Vec<Option<String>> = mapping.iter().map(|p| p.field.clone()).collect();
    let pass_through = options.profile.as_ref().is_some_and(|p| p.pass_through_unmapped);
    check_mapping(&sheet, &mapping, target, pass_through, &mut out);

    let (records, cells) = from_sheet(&sheet, &fields, pass_through);
    out.extend(cells);
    let rows: Vec<u64> = sheet.rows.iter().map(|r| r.number).collect();
    out.extend(duplicates_in_records(&records, rows.clone(), &Options { format: target, ..Options::default() }));

    let written = write(&records, target, target.is_jumpcloud());
    for finding in written.findings {
        if matches!(
            finding.diagnostic.code,
            Code::DuplicateUserName | Code::DuplicateEmail | Code::DuplicateExternalId | Code::DuplicateEmployeeId
        ) {
            continue; // reported above, by row
        }
        out.push(place(finding, &rows, &sheet, &fields));
    }
    // Top to bottom, and left to right within a row (row-level findings first).
    let position =
        |d: &Diagnostic| d.column.as_ref().and_then(|c| sheet.headers.iter().position(|h| h == c)).map_or(0, |p| p + 1);
    out.sort_by_key(|d| (d.row.unwrap_or(0), position(d)));
    let report = Report::new(records.len() as u64, out);
    let body = report.valid.then_some(written.body);
    let body_rows = written.emitted.iter().filter_map(|&r| rows.get(r).copied()).collect();
    let check = SheetCheck {
        report,
        header_row: sheet.header_row,
        headers: sheet.headers.clone(),
        mapping,
        body,
        target,
        body_rows,
    };
    Ok((sheet, check))
}

/// Gives each sent row its outcome from the upstream's answer: a SCIM BulkResponse (or an array
/// of them, one per chunk), or JumpCloud's job results (an array of work results).
pub fn outcomes(check: &SheetCheck, answer: &Value) -> Result<Vec<RowOutcome>, String> {
    let body = check.body.as_ref().ok_or("the sheet has errors, so nothing was sent")?;
    let per_element: Vec<Outcome> = if check.target.is_jumpcloud() {
        let results: Vec<JobWorkresult> =
            serde_json::from_value(answer.clone()).map_err(|err| format!("not JumpCloud job results: {err}"))?;
        let submitted: Vec<Submitted> = body.as_array().into_iter().flatten().map(Submitted::from_user).collect();
        reconcile_jumpcloud(&submitted, &results, check.target == Format::JumpcloudCreate)
    } else {
        // Chunked runs answer once per chunk; bulkIds (rowN) tie the operations back together.
        let operations: Vec<Value> = match answer {
            Value::Array(responses) => {
                responses.iter().filter_map(|r| r.get("Operations")?.as_array().cloned()).flatten().collect()
            }
            _ => answer.get("Operations").and_then(Value::as_array).cloned().unwrap_or_default(),
        };
        reconcile_scim(body, &serde_json::json!({ "Operations": operations }))?
    };
    Ok(per_element.iter().zip(&check.body_rows).map(|(outcome, &row)| RowOutcome::new(row, outcome)).collect())
}

/// Unmapped columns are said out loud; a target's required fields must have a column.
fn check_mapping(sheet: &Sheet, mapping: &[Proposal], target: Format, pass_through: bool, out: &mut Vec<Diagnostic>) {
    for p in mapping.iter().filter(|p| p.field.is_none()) {
        let has_values = sheet.rows.iter().any(|r| r.cells.get(p.column).is_some_and(|c| !c.trim().is_empty()));
        if !has_values || pass_through {
            continue;
        }
        out.push(
            Diagnostic::new(
                Code::MapColumnUnmapped,
                format!(
                    "Column {} (\"{}\") is not mapped to any field ({}), so its values will not be sent. Map it, or pass unmapped columns through as custom attributes.",
                    column_letter(p.column),
                    p.header,
                    p.reason
                ),
            )
            .at_row(sheet.header_row)
            .at_column(p.header.clone()),
        );
    }
    let required: &[&str] = match target {
        Format::JumpcloudCreate => &["userName", "emails.work"],
        Format::JumpcloudUpdate => &["id"],
        _ => &["userName"],
    };
    for key in required {
        if mapping.iter().any(|p| p.field.as_deref() == Some(*key)) {
            continue;
        }
        let label = FIELDS.iter().find(|f| f.key == *key).map_or(*key, |f| f.label);
        out.push(
            Diagnostic::new(
                Code::MapRequiredMissing,
                format!("No column is mapped to {label}, which every user needs for this target. Add the column or map an existing one to it."),
            )
            .at_row(sheet.header_row)
            .at_field(*key),
        );
    }
}

/// A writer or target-rule finding, placed at its row and the column feeding its field.
fn place(finding: Finding, rows: &[u64], sheet: &Sheet, fields: &[Option<String>]) -> Diagnostic {
    let mut d = finding.diagnostic;
    d.pointer = None;
    let Some(record) = finding.record else { return d };
    let row = rows.get(record).copied().unwrap_or(0);
    let canonical = finding.field.as_deref().map(canonical_key).unwrap_or("");
    let column = (!canonical.is_empty())
        .then(|| {
            fields
                .iter()
                .position(|f| f.as_deref().is_some_and(|f| f == canonical || f.starts_with(&format!("{canonical}."))))
        })
        .flatten();
    d.row = Some(row);
    d.field = Some(canonical.to_owned()).filter(|c| !c.is_empty()).or(d.field);
    d.message = match column {
        Some(c) => {
            d.column = Some(sheet.headers[c].clone());
            format!("Row {row}, column \"{}\": {}", sheet.headers[c], d.message)
        }
        None => format!("Row {row}: {}", d.message),
    };
    d
}

/// The canonical field key behind a target's field name or path (`username`, `emails.0.value`,
/// `urn:…:User.employeeNumber`); the first segment decides.
fn canonical_key(field: &str) -> &str {
    let first = field.split(['.', '[']).next().unwrap_or(field);
    match first {
        "username" | "userName" => "userName",
        "email" | "emails" => "emails.work",
        "alternateEmail" => "emails.other",
        "firstname" | "name" if field.contains("given") || first == "firstname" => "name.givenName",
        "lastname" => "name.familyName",
        "middlename" => "name.middleName",
        "displayname" | "displayName" => "displayName",
        "jobTitle" | "title" => "title",
        "employeeIdentifier" | "employeeNumber" => "employeeNumber",
        "company" | "organization" => "organization",
        "employeeType" | "userType" => "userType",
        "phoneNumbers" | "phones" => "phones",
        "addresses" => "addresses",
        "attributes" => "attributes",
        "state" | "suspended" | "active" => "active",
        "id" => "id",
        "costCenter" | "department" | "location" | "description" | "password" | "manager" | "externalId"
        | "nickName" => first,
        _ if field.contains("employeeNumber") => "employeeNumber",
        _ if field.contains("manager") => "manager",
        _ => first,
    }
}
