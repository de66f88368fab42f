//! Any input to a target's body, split for an upstream's limits when they are given: what
//! `muster convert` and the npm package's `convert` do, so every face converts alike. A JSON
//! payload is converted from its dialect ([`payload::convert`](crate::payload::convert)); a
//! spreadsheet is read, mapped and checked row by row ([`spreadsheet::check`]); the body is then
//! planned ([`plan`](crate::plan)) into requests the upstream accepts.

use crate::bytes::{self, Kind};
use crate::diag::Report;
use crate::options::{Format, Options};
use crate::payload::convert::{Conversion, convert};
use crate::payload::scim::BulkConfig;
use crate::plan::{Limits, plan, plan_jumpcloud};
use crate::records::columns::Profile;
use crate::sheet::ReadOptions;
use crate::spreadsheet::{self, SheetOptions};
use serde::{Deserialize, Serialize};

/// How to convert; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct ConvertOptions {
    /// The dialect of a JSON payload (`auto`: detected). A spreadsheet's rows are users whatever it says.
    pub format: Format,
    /// The upstream's `bulk.maxOperations`: the body comes back as requests of at most this many
    /// operations (users, for JumpCloud).
    pub max_operations: Option<u64>,
    /// The upstream's `bulk.maxPayloadSize`, in bytes: requests are filled to 90 % of it.
    pub max_payload_bytes: Option<u64>,
    /// How to read a spreadsheet (its file name tells CSV from TSV; sheet, header row, encoding,
    /// delimiter).
    pub read: ReadOptions,
    /// A saved column mapping for a spreadsheet; headers it does not know are mapped automatically.
    pub mapping: Option<Profile>,
}

/// Converts `input` (a JSON payload, or a spreadsheet: CSV, TSV, and workbooks in builds that
/// read them) to `to`. With limits, a valid body comes back as `chunks` and `body` is `None`; a
/// single operation too large for any request is an error, so nothing is split that could not be
/// sent. `Err` when a spreadsheet cannot be read at all.
pub fn convert_input(input: &[u8], to: Format, options: &ConvertOptions) -> Result<Conversion, String> {
    let conversion = match bytes::sniff(input, options.read.filename.as_deref()) {
        Kind::Json => convert(input, &Options { format: options.format, ..Options::default() }, to),
        _ => {
            let sheet = SheetOptions { read: options.read.clone(), profile: options.mapping.clone(), target: to };
            let checked = spreadsheet::check(input, &sheet)?;
            Conversion { body: checked.body, report: checked.report, chunks: None }
        }
    };
    let Conversion { body, report, .. } = conversion;
    let limited = options.max_operations.is_some() || options.max_payload_bytes.is_some();
    let body = match body.filter(|_| report.valid) {
        Some(body) if limited => body,
        body => return Ok(Conversion { body, report, chunks: None }),
    };
    let config = BulkConfig {
        supported: true,
        max_operations: options.max_operations,
        max_payload_size: options.max_payload_bytes,
    };
    let limits = Limits::from_config(Some(&config));
    let planned = if to.is_jumpcloud() { plan_jumpcloud(body, limits) } else { plan(body, limits) };
    let Report { summary, mut diagnostics, .. } = report;
    diagnostics.extend(planned.diagnostics);
    let report = Report::new(summary.rows, diagnostics);
    let chunks = report.valid.then(|| planned.chunks.into_iter().map(|c| c.request).collect());
    Ok(Conversion { body: None, report, chunks })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Code;
    use serde_json::Value;

    const SHEET: &str = "Login,Email\njdoe,jdoe@example.com\nasmith,asmith@example.com\nbwayne,bwayne@example.com\n";

    fn sheet_options() -> ConvertOptions {
        let read = ReadOptions { filename: Some("hires.csv".to_owned()), ..ReadOptions::default() };
        let mapping =
            Profile { columns: [("Login".to_owned(), Some("userName".to_owned()))].into(), ..Profile::default() };
        ConvertOptions { read, mapping: Some(mapping), ..ConvertOptions::default() }
    }

    fn operations(request: &Value) -> usize {
        request["Operations"].as_array().map_or(0, Vec::len)
    }

    #[test]
    fn a_sheet_converts_through_its_mapping_and_splits_for_the_limits() {
        let whole = convert_input(SHEET.as_bytes(), Format::Scim, &sheet_options()).unwrap();
        assert!(whole.report.valid, "{:?}", whole.report.diagnostics);
        let body = whole.body.unwrap();
        assert_eq!(body["Operations"][0]["data"]["userName"], "jdoe", "the profile mapped Login");
        assert_eq!(operations(&body), 3);
        assert!(whole.chunks.is_none());

        let limited = ConvertOptions { max_operations: Some(2), ..sheet_options() };
        let split = convert_input(SHEET.as_bytes(), Format::Scim, &limited).unwrap();
        assert!(split.body.is_none(), "a split body comes back as chunks only");
        let chunks = split.chunks.unwrap();
        assert_eq!(chunks.iter().map(operations).collect::<Vec<_>>(), [2, 1]);

        let users = convert_input(SHEET.as_bytes(), Format::JumpcloudCreate, &limited).unwrap();
        let sizes: Vec<usize> = users.chunks.unwrap().iter().map(|c| c.as_array().map_or(0, Vec::len)).collect();
        assert_eq!(sizes, [2, 1], "JumpCloud chunks are arrays of users");
    }

    #[test]
    fn errors_give_no_body_and_no_chunks() {
        let bad = "Username,Email\njdoe,not-an-address\n";
        let limited =
            ConvertOptions { max_operations: Some(1), read: sheet_options().read, ..ConvertOptions::default() };
        let refused = convert_input(bad.as_bytes(), Format::Scim, &limited).unwrap();
        assert_eq!((refused.body, refused.chunks), (None, None));
        assert_eq!(refused.report.diagnostics[0].code, Code::EmailInvalid);
    }

    #[test]
    fn an_operation_too_large_for_any_request_is_an_error_not_a_chunk() {
        let request = br#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [{"method": "POST", "path": "/Users", "bulkId": "a", "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a"}}]}"#;
        let fits = convert_input(
            request,
            Format::Scim,
            &ConvertOptions { max_operations: Some(1), ..ConvertOptions::default() },
        )
        .unwrap();
        assert_eq!(fits.chunks.map(|c| c.len()), Some(1));
        let tiny = ConvertOptions { max_payload_bytes: Some(20), ..ConvertOptions::default() };
        let refused = convert_input(request, Format::Scim, &tiny).unwrap();
        assert_eq!((refused.body, refused.chunks), (None, None));
        assert_eq!(
            refused.report.diagnostics.iter().map(|d| d.code).collect::<Vec<_>>(),
            [Code::PlanOperationTooLarge]
        );
    }

    #[test]
    fn a_sheet_that_cannot_be_read_is_an_err() {
        let beyond = ConvertOptions {
            read: ReadOptions { filename: Some("x.csv".to_owned()), header_row: Some(9), ..ReadOptions::default() },
            ..ConvertOptions::default()
        };
        assert!(convert_input(SHEET.as_bytes(), Format::Scim, &beyond).unwrap_err().contains("row 9 does not exist"));
    }
}
