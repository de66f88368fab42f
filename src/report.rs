//! Stage 7's output for people: each spreadsheet row's outcome, exported as CSV (the original
//! columns plus outcome columns) or JSON. Every CSV cell that a spreadsheet program would run as
//! a formula is neutralised: the report contains upstream messages and user data, both untrusted.

use crate::results::Outcome;
use crate::sheet::Sheet;
use serde::{Deserialize, Serialize};

/// One row's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct RowOutcome {
    pub row: u64,
    /// created, updated, deleted, failed, not attempted, pending.
    pub outcome: String,
    pub id: Option<String>,
    pub message: Option<String>,
}

impl RowOutcome {
    pub fn new(row: u64, outcome: &Outcome) -> Self {
        let (word, id, message) = match outcome {
            Outcome::Created { id } => ("created", id.clone(), None),
            Outcome::Updated { id } => ("updated", id.clone(), None),
            Outcome::Deleted => ("deleted", None, None),
            Outcome::Failed { status, message, .. } => {
                let message = match status {
                    Some(status) => format!("{message} (HTTP {status})"),
                    None => message.clone(),
                };
                ("failed", None, Some(message))
            }
            Outcome::NotAttempted => ("not attempted", None, Some("the upstream stopped before this row".to_owned())),
            Outcome::Pending => ("pending", None, None),
        };
        RowOutcome { row, outcome: word.to_owned(), id, message }
    }
}

/// The headers added after the sheet's own.
pub const OUTCOME_HEADERS: [&str; 3] = ["muster outcome", "muster id", "muster message"];

/// Makes a cell safe to open in a spreadsheet program: a leading `=`, `+`, `-`, `@`, tab or
/// carriage return would start a formula (or DDE), so the cell gets a leading `'`.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// The sheet with three outcome columns, as CSV. Rows without an outcome keep empty outcome cells.
pub fn to_csv(sheet: &Sheet, outcomes: &[RowOutcome]) -> Result<String, String> {
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    let fail = |err: csv::Error| format!("cannot write the report: {err}");
    let header = sheet.headers.iter().map(String::as_str).chain(OUTCOME_HEADERS);
    writer.write_record(header.map(neutralise).map(|c| c.into_owned())).map_err(fail)?;
    let by_row: std::collections::HashMap<u64, &RowOutcome> = outcomes.iter().map(|o| (o.row, o)).collect();
    for row in &sheet.rows {
        let outcome = by_row.get(&row.number).copied();
        let extra = [
            outcome.map(|o| o.outcome.as_str()).unwrap_or(""),
            outcome.and_then(|o| o.id.as_deref()).unwrap_or(""),
            outcome.and_then(|o| o.message.as_deref()).unwrap_or(""),
        ];
        let cells = row.cells.iter().map(String::as_str).chain(extra).map(|c| neutralise(c).into_owned());
        writer.write_record(cells).map_err(fail)?;
    }
    let bytes = writer.into_inner().map_err(|err| format!("cannot write the report: {err}"))?;
    String::from_utf8(bytes).map_err(|err| format!("cannot write the report: {err}"))
}

/// The findings as CSV (row, column, field, severity, code, message), for people to work through
/// in a spreadsheet program; neutralised like the report, since messages quote cell values.
pub fn findings_csv(diagnostics: &[crate::diag::Diagnostic]) -> Result<String, String> {
    let records = diagnostics.iter().map(|d| {
        vec![
            d.row.map(|r| r.to_string()).unwrap_or_default(),
            d.column.clone().unwrap_or_default(),
            d.field.clone().unwrap_or_default(),
            match d.severity {
                crate::diag::Severity::Error => "error".to_owned(),
                crate::diag::Severity::Warning => "warning".to_owned(),
            },
            d.code.id().to_owned(),
            d.message.clone(),
        ]
    });
    let header = ["row", "column", "field", "severity", "code", "message"].map(str::to_owned).to_vec();
    write_csv(std::iter::once(header).chain(records), true)
}

/// A sheet (as edited) back to CSV, to send on: header row first, then the rows in order. Cells
/// are written exactly (no neutralising): this is data for the upstream, not for a person.
pub fn sheet_csv(sheet: &Sheet) -> Result<String, String> {
    write_csv(std::iter::once(sheet.headers.clone()).chain(sheet.rows.iter().map(|r| r.cells.clone())), false)
}

fn write_csv(records: impl Iterator<Item = Vec<String>>, safe: bool) -> Result<String, String> {
    let fail = |err: csv::Error| format!("cannot write CSV: {err}");
    let mut writer = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
    for record in records {
        if safe {
            writer.write_record(record.iter().map(|c| neutralise(c).into_owned())).map_err(fail)?;
        } else {
            writer.write_record(&record).map_err(fail)?;
        }
    }
    let bytes = writer.into_inner().map_err(|err| format!("cannot write CSV: {err}"))?;
    String::from_utf8(bytes).map_err(|err| format!("cannot write CSV: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet::Row;

    #[test]
    fn findings_export_neutralises_and_sheets_export_exactly() {
        let d = crate::diag::Diagnostic::new(crate::diag::Code::EmailInvalid, "=HYPERLINK(\"x\")")
            .at_row(3)
            .at_column("Email");
        let csv = findings_csv(&[d]).unwrap();
        assert!(csv.contains("3,Email,,error,email-invalid,\"'=HYPERLINK(\"\"x\"\")\""), "{csv}");
        let sheet = Sheet {
            name: String::new(),
            header_row: 1,
            headers: vec!["Username".into(), "Phone".into()],
            rows: vec![Row { number: 2, cells: vec!["a,b".into(), "+1 555".into()] }],
        };
        assert_eq!(sheet_csv(&sheet).unwrap(), "Username,Phone\n\"a,b\",+1 555\n");
    }

    #[test]
    fn formulas_and_dde_are_neutralised_everywhere() {
        for dangerous in ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1"] {
            assert!(neutralise(dangerous).starts_with('\''), "{dangerous:?}");
        }
        for safe in ["jdoe", "jdoe@example.com", "1-2", " =x", "'quoted"] {
            assert_eq!(neutralise(safe), safe);
        }
    }

    #[test]
    fn the_report_keeps_every_row_and_adds_outcomes() {
        let sheet = Sheet {
            name: "users.csv".into(),
            header_row: 1,
            headers: vec!["Username".into(), "Note".into()],
            rows: vec![
                Row { number: 2, cells: vec!["jdoe".into(), "=HYPERLINK(\"http://x\")".into()] },
                Row { number: 4, cells: vec!["asmith".into(), "multi\nline, \"quoted\"".into()] },
                Row { number: 5, cells: vec!["bwayne".into(), String::new()] },
            ],
        };
        let outcomes = vec![
            RowOutcome::new(2, &Outcome::Created { id: Some("92b7".into()) }),
            RowOutcome::new(
                4,
                &Outcome::Failed { status: Some(409), scim_type: Some("uniqueness".into()), message: "=taken".into() },
            ),
        ];
        let csv = to_csv(&sheet, &outcomes).unwrap_or_default();
        let expected = "Username,Note,muster outcome,muster id,muster message\n\
                        jdoe,\"'=HYPERLINK(\"\"http://x\"\")\",created,92b7,\n\
                        asmith,\"multi\nline, \"\"quoted\"\"\",failed,,'=taken (HTTP 409)\n\
                        bwayne,,,,\n";
        assert_eq!(csv, expected);
    }
}
