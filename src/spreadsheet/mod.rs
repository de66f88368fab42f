//! The whole path for spreadsheet input: read the file (stage 2), map its columns, read rows into
//! records (stage 3), write the target's body and run the target's own rules (stages 4–5). Every
//! finding is placed at the row and column the user sees. A check for findings alone writes into
//! the body only the records the target's rules may find something in ([`quiet`]).

mod gathered;
mod lean;
mod quiet;
mod rows;
pub mod stream;

#[cfg(feature = "xlsx")]
use crate::bytes::Kind;
use crate::diag::{Code, Diagnostic, Report};
use crate::options::Format;
use crate::payload::convert::Finding;
use crate::payload::jumpcloud::JobWorkresult;
use crate::records::columns::{FIELDS, Profile, Proposal};
use crate::report::RowOutcome;
use crate::results::{Outcome, Submitted, reconcile_jumpcloud, reconcile_scim};
use crate::sheet::{self, ReadOptions, Sheet, column_letter};
use rows::RowChecker;
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
    let (sheet, out) = sheet::read(bytes, &options.read)?;
    Ok(check_in_parts(Rows::Spent(sheet), out, options, true))
}

/// [`check`] with the target's rules walking every record, none left out by [`quiet`]: what that
/// shortcut is tested against.
#[doc(hidden)]
pub fn check_exhaustively(bytes: &[u8], options: &SheetOptions) -> Result<SheetCheck, String> {
    let (sheet, out) = sheet::read(bytes, &options.read)?;
    Ok(check_parts(Rows::Spent(sheet), out, options, true, false))
}

/// [`check`], also handing back the sheet as read (for the results report).
pub fn read_and_check(bytes: &[u8], options: &SheetOptions) -> Result<(Sheet, SheetCheck), String> {
    let (sheet, out) = sheet::read(bytes, &options.read)?;
    let check = check_sheet(&sheet, out, options);
    Ok((sheet, check))
}

/// Checks a sheet as a person edited it (a grid, after fixing cells): the header row and every
/// row, as [`check`] would, without the findings about how the file was encoded.
pub fn check_rows(sheet: &Sheet, options: &SheetOptions) -> SheetCheck {
    let mut out = Vec::new();
    sheet::check_headers(&sheet.headers, sheet.header_row, &mut out);
    check_sheet(sheet, out, options)
}

/// Maps and checks a sheet already read (or edited since): `out` holds what reading found.
pub fn check_sheet(sheet: &Sheet, out: Vec<Diagnostic>, options: &SheetOptions) -> SheetCheck {
    check_in_parts(Rows::Kept(sheet), out, options, true)
}

/// The sheet whose rows are checked: one still needed afterwards (each part is checked as a
/// copy), or one that is not (its text moves into the records instead of being copied).
enum Rows<'a> {
    Kept(&'a Sheet),
    Spent(Sheet),
}

/// Rows are checked a part at a time even when the sheet is held whole: the JSON written for a
/// part stays small, which keeps memory and time down on big sheets. `keep_body`: collect the
/// body to send (a report alone does not need it).
fn check_in_parts(rows: Rows<'_>, out: Vec<Diagnostic>, options: &SheetOptions, keep_body: bool) -> SheetCheck {
    check_parts(rows, out, options, keep_body, true)
}

fn check_parts(
    rows: Rows<'_>,
    mut out: Vec<Diagnostic>,
    options: &SheetOptions,
    keep_body: bool,
    quiet: bool,
) -> SheetCheck {
    let sheet = match &rows {
        Rows::Kept(sheet) => sheet,
        Rows::Spent(sheet) => sheet,
    };
    let (header_row, headers, count) = (sheet.header_row, sheet.headers.clone(), sheet.rows.len() as u64);
    let mut checker = RowChecker::new(header_row, headers.clone(), options);
    checker.keep_body = keep_body;
    checker.quiet = quiet;
    checker.know_managers(sheet);
    let (mut elements, mut body_rows) = (Vec::new(), Vec::new());
    let mut take = |part: rows::Part| {
        out.extend(part.diagnostics);
        if keep_body {
            elements.extend(part.body);
            body_rows.extend(part.body_rows);
        }
    };
    match rows {
        Rows::Kept(sheet) => sheet.rows.chunks(PART_ROWS).for_each(|part| take(checker.check(&mut part.to_vec()))),
        Rows::Spent(mut sheet) => sheet.rows.chunks_mut(PART_ROWS).for_each(|part| take(checker.check(part))),
    }
    out.extend(checker.finish());
    sort_findings(&mut out, &headers);
    let report = Report::new(count, out);
    let target = checker.target;
    let body = (keep_body && report.valid).then(|| crate::payload::body(target, elements));
    SheetCheck { report, header_row, headers, mapping: checker.mapping, body, target, body_rows }
}

/// Rows checked together: few enough that the body written for a part is still in the CPU's
/// cache when the target's rules walk it (2,000 rows took a quarter longer, and twice the memory).
pub(crate) const PART_ROWS: usize = 250;

/// Reads and checks a spreadsheet for its report only (no body is built up), as a stream reads
/// it: delimited text a megabyte at a time, a workbook's rows as they are read. No part of the
/// sheet is held beyond the rows being checked, which keeps memory at about twice the file
/// instead of six times, and each part is checked while its text is still in the CPU's cache.
pub fn check_report(bytes: &[u8], options: &SheetOptions) -> Result<Report, String> {
    measure(bytes, options, usize::MAX).map(|(report, _)| report)
}

/// How big a sheet is, for what building its body will take: a body holds about one value per
/// mapped cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SheetSize {
    /// Data rows.
    pub rows: u64,
    /// Columns the mapping feeds to a field.
    pub mapped_columns: usize,
}

impl SheetSize {
    /// The cells a body is built from.
    pub fn mapped_cells(&self) -> u64 {
        self.rows.saturating_mul(self.mapped_columns as u64)
    }
}

/// [`check_report`], and the sheet's size: what a caller with little memory (a Worker's isolate)
/// needs to know before building the body with [`check`]. The report lists the first `most`
/// findings (top to bottom, left to right) and counts every one: a caller that answers over the
/// network lists a few, so neither its memory nor its answer grows with the rows in error.
pub fn measure(bytes: &[u8], options: &SheetOptions, most: usize) -> Result<(Report, SheetSize), String> {
    #[cfg(feature = "xlsx")]
    if let Kind::Xlsx | Kind::Ods | Kind::Xls = crate::bytes::sniff(bytes, options.read.filename.as_deref()) {
        // Read where it lies: a stream would gather a copy of the workbook first.
        return workbook_report(crate::sheet::open(bytes)?, options, most);
    }
    let mut stream = stream::SheetStream::new(options.clone(), stream::StreamOptions::default());
    let mut gathered = stream::Gathered::listing(most);
    for piece in bytes.chunks(1 << 20) {
        gathered.add(stream.push(piece)?);
    }
    let end = stream.finish()?;
    gathered_size(gathered, end)
}

/// The report and size `gathered` gives with the stream's last update.
fn gathered_size(mut gathered: stream::Gathered, end: stream::StreamUpdate) -> Result<(Report, SheetSize), String> {
    let report = gathered.add(end).ok_or("the check did not finish")?;
    let size = SheetSize { rows: report.summary.rows, mapped_columns: gathered.mapped_columns() };
    Ok((report, size))
}

/// An XLSX workbook read from a reader as it is needed (a file: the workbook is not held in
/// memory, which a big one would double).
#[cfg(feature = "xlsx")]
pub struct XlsxWorkbook<RS>(calamine::Sheets<RS>);

#[cfg(feature = "xlsx")]
impl<RS: std::io::Read + std::io::Seek> XlsxWorkbook<RS> {
    /// The XLSX workbook `source` holds; `None` when it holds none (read it whole then, and call
    /// [`check_report`], which says what it is or what is wrong with it).
    pub fn open(source: RS) -> Option<Self> {
        crate::sheet::open_xlsx(source).map(XlsxWorkbook)
    }

    /// [`check_report`] of the workbook.
    pub fn check_report(self, options: &SheetOptions) -> Result<Report, String> {
        workbook_report(self.0, options, usize::MAX).map(|(report, _)| report)
    }
}

#[cfg(feature = "xlsx")]
fn workbook_report<RS: std::io::Read + std::io::Seek>(
    workbook: calamine::Sheets<RS>,
    options: &SheetOptions,
    most: usize,
) -> Result<(Report, SheetSize), String> {
    let flags = stream::StreamOptions::default();
    let (mut end, gathered) = stream::check_workbook(workbook, options, &flags, Some(most))?;
    end.done = true;
    gathered_size(gathered.unwrap_or_else(|| stream::Gathered::listing(most)), end)
}

/// The elements of a target body: a bulk request's operations, or a JumpCloud users array.
pub(crate) fn elements(mut body: Value) -> Vec<Value> {
    crate::payload::elements_mut(&mut body).map(std::mem::take).unwrap_or_default()
}

/// Top to bottom, and left to right within a row (row-level findings first).
pub fn sort_findings(out: &mut [Diagnostic], headers: &[String]) {
    out.sort_by_key(|d| sort_key(d, headers));
}

/// Where [`sort_findings`] puts a finding: its row, then its column's place (none first).
pub(crate) fn sort_key(d: &Diagnostic, headers: &[String]) -> (u64, usize) {
    let position = d.column.as_ref().and_then(|c| headers.iter().position(|h| h == c)).map_or(0, |p| p + 1);
    (d.row.unwrap_or(0), position)
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

/// Unmapped columns are said out loud (`has_values[c]`: column c holds a value somewhere); a
/// target's required fields must have a column.
fn check_mapping(
    header_row: u64,
    mapping: &[Proposal],
    has_values: &[bool],
    target: Format,
    pass_through: bool,
    out: &mut Vec<Diagnostic>,
) {
    for p in mapping.iter().filter(|p| p.field.is_none()) {
        if !has_values.get(p.column).copied().unwrap_or(false) || pass_through {
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
            .at_row(header_row)
            .at_column(p.header.clone()),
        );
    }
    let updates = mapping.iter().any(|p| p.field.as_deref() == Some("id"));
    let required: &[&str] = match target {
        Format::JumpcloudCreate => &["userName", "emails.work"],
        Format::JumpcloudUpdate => &["id"],
        // A SCIM PATCH needs no userName; a POST without one is still refused row by row.
        _ if updates => &[],
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
            .at_row(header_row)
            .at_field(*key),
        );
    }
}

/// A writer or target-rule finding, placed at its row and the column feeding its field.
fn place(finding: Finding, rows: &[u64], headers: &[String], fields: &[Option<String>]) -> Diagnostic {
    let mut d = finding.diagnostic;
    d.pointer = None;
    let Some(record) = finding.record else { return d };
    let row = rows.get(record).copied().unwrap_or(0);
    let canonical = finding.field.as_deref().map(canonical_key).unwrap_or("");
    // The column that feeds exactly this field (`attributes.11.name`), else the first feeding it.
    let exact = finding.field.as_deref().and_then(|f| fields.iter().position(|c| c.as_deref() == Some(f)));
    let column = exact.or_else(|| {
        (!canonical.is_empty())
            .then(|| {
                fields.iter().position(|f| {
                    f.as_deref().is_some_and(|f| f == canonical || f.starts_with(&format!("{canonical}.")))
                })
            })
            .flatten()
    });
    d.row = Some(row);
    d.field = Some(canonical.to_owned()).filter(|c| !c.is_empty()).or(d.field);
    d.message = match column {
        Some(c) => {
            d.column = headers.get(c).cloned();
            format!(
                "Row {row}, column \"{}\": {}",
                headers.get(c).map_or("", String::as_str),
                in_cell_terms(&d.message)
            )
        }
        None => format!("Row {row}: {}", d.message),
    };
    d
}

/// A rule's message as a spreadsheet user reads it: a message that opens by naming the target's
/// field (`` `emails[0].value` is not… ``) is about the cell the sentence is already placed at.
fn in_cell_terms(message: &str) -> String {
    match message.strip_prefix('`').and_then(|rest| rest.split_once("` ")) {
        Some((field, rest)) if !field.contains(' ') => format!("the value {rest}"),
        _ => message.to_owned(),
    }
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
        "id" | "path" => "id", // a PATCH's path is made of the id
        "costCenter" | "department" | "location" | "description" | "password" | "manager" | "externalId"
        | "nickName" => first,
        _ if field.contains("employeeNumber") => "employeeNumber",
        _ if field.contains("manager") => "manager",
        _ => first,
    }
}
