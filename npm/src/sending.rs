//! What a caller needs past checking, to send the users and report back: `convert`, `plan`,
//! `reconcile` and the CSV exports. Left out of the "muster/validate" entry (feature `sending`),
//! which is the validator alone, a quarter smaller.

use crate::{input_bytes, to_js};
use muster::Format;
use muster::conversion::ConvertOptions;
use muster::plan::Limits;
use muster::sheet::Sheet;
use muster::spreadsheet::SheetOptions;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// `checkSheet`, crossing into JS as serde-wasm-bindgen objects (`how`: "objects") or as JSON
/// text parsed by the engine's `JSON.parse` (what every export does): bench/npm.mjs measures both.
#[doc(hidden)]
#[wasm_bindgen(js_name = __checkSheetCrossing)]
pub fn check_sheet_crossing(bytes: &[u8], options: JsValue, how: &str) -> Result<JsValue, JsError> {
    let options: SheetOptions = crate::options(options, "sheet options")?;
    let check = muster::spreadsheet::check(bytes, &options).map_err(|err| JsError::new(&err))?;
    if how != "objects" {
        return to_js(&check);
    }
    check.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|err| JsError::new(&err.to_string()))
}

/// Converts a JSON payload or a spreadsheet to a dialect (`to`: scim, oracle, jumpcloud-create,
/// jumpcloud-update). `body` is null when the input or the output has errors; with
/// `maxOperations` or `maxPayloadBytes`, a valid body comes back as `chunks`, one request per
/// upstream call.
#[wasm_bindgen(unchecked_return_type = "Conversion")]
pub fn convert(
    #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Format")] to: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ConvertOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsError> {
    let bytes = input_bytes(&input).ok_or_else(|| JsError::new("convert() takes a string or a Uint8Array"))?;
    let to: Format = serde_wasm_bindgen::from_value(to).map_err(|err| {
        JsError::new(&format!("invalid target: {err}; use scim, oracle, jumpcloud-create or jumpcloud-update"))
    })?;
    let options: ConvertOptions = crate::options(options, "options")?;
    to_js(&muster::conversion::convert_input(&bytes, to, &options).map_err(|err| JsError::new(&err))?)
}

/// Orders and splits a SCIM bulk request for an upstream's limits (default: 30 operations, 1 MiB).
#[wasm_bindgen(unchecked_return_type = "Plan")]
pub fn plan(
    #[wasm_bindgen(unchecked_param_type = "string | object")] request: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Limits | undefined")] limits: JsValue,
) -> Result<JsValue, JsError> {
    let request: serde_json::Value = match request.as_string() {
        Some(text) => {
            serde_json::from_str(&text).map_err(|err| JsError::new(&format!("the request is not JSON: {err}")))?
        }
        None => {
            serde_wasm_bindgen::from_value(request).map_err(|err| JsError::new(&format!("invalid request: {err}")))?
        }
    };
    let limits: Limits = crate::options(limits, "limits")?;
    to_js(&muster::plan::plan(request, limits))
}

/// The spreadsheet with outcome columns added from the upstream's answer, as CSV; every cell a
/// spreadsheet program would run as a formula is neutralised.
#[wasm_bindgen(js_name = exportReportCsv)]
pub fn export_report_csv(
    bytes: &[u8],
    #[wasm_bindgen(unchecked_param_type = "unknown")] answer: JsValue,
    #[wasm_bindgen(unchecked_param_type = "SheetOptions | undefined")] options: JsValue,
) -> Result<String, JsError> {
    let options: SheetOptions = crate::options(options, "sheet options")?;
    let answer: serde_json::Value =
        serde_wasm_bindgen::from_value(answer).map_err(|err| JsError::new(&format!("invalid answer: {err}")))?;
    let (sheet, check) = muster::spreadsheet::read_and_check(bytes, &options).map_err(|err| JsError::new(&err))?;
    let outcomes = muster::spreadsheet::outcomes(&check, &answer).map_err(|err| JsError::new(&err))?;
    muster::report::to_csv(&sheet, &outcomes).map_err(|err| JsError::new(&err))
}

/// Findings as CSV (row, column, field, severity, code, message), safe to open in a spreadsheet.
#[wasm_bindgen(js_name = findingsCsv)]
pub fn findings_csv(
    #[wasm_bindgen(unchecked_param_type = "Diagnostic[]")] diagnostics: JsValue,
) -> Result<String, JsError> {
    let diagnostics: Vec<muster::Diagnostic> = serde_wasm_bindgen::from_value(diagnostics)
        .map_err(|err| JsError::new(&format!("invalid diagnostics: {err}")))?;
    muster::report::findings_csv(&diagnostics).map_err(|err| JsError::new(&err))
}

/// A sheet (as edited) as CSV, exactly, to send on.
#[wasm_bindgen(js_name = sheetCsv)]
pub fn sheet_csv(#[wasm_bindgen(unchecked_param_type = "Sheet")] sheet: JsValue) -> Result<String, JsError> {
    let sheet: Sheet =
        serde_wasm_bindgen::from_value(sheet).map_err(|err| JsError::new(&format!("invalid sheet: {err}")))?;
    muster::report::sheet_csv(&sheet).map_err(|err| JsError::new(&err))
}

/// Upstream answers → one outcome per submitted operation or user: a SCIM BulkResponse against
/// the bulk request it answers (matched by bulkId, "not attempted" after a failOnErrors stop), or
/// JumpCloud job results against the submitted users array (matched by username, email or id).
#[wasm_bindgen(unchecked_return_type = "Outcome[]")]
pub fn reconcile(
    #[wasm_bindgen(unchecked_param_type = "unknown")] submitted: JsValue,
    #[wasm_bindgen(unchecked_param_type = "unknown")] answer: JsValue,
) -> Result<JsValue, JsError> {
    let json = |value: JsValue, what: &str| -> Result<serde_json::Value, JsError> {
        match value.as_string() {
            Some(text) => {
                serde_json::from_str(&text).map_err(|err| JsError::new(&format!("{what} is not JSON: {err}")))
            }
            None => {
                serde_wasm_bindgen::from_value(value).map_err(|err| JsError::new(&format!("invalid {what}: {err}")))
            }
        }
    };
    let submitted = json(submitted, "the submitted payload")?;
    let answer = json(answer, "the answer")?;
    let outcomes = match (&submitted, &answer) {
        (serde_json::Value::Array(users), serde_json::Value::Array(_)) => {
            let results: Vec<muster::payload::jumpcloud::JobWorkresult> = serde_json::from_value(answer.clone())
                .map_err(|err| JsError::new(&format!("not JumpCloud job results: {err}")))?;
            let submitted: Vec<muster::results::Submitted> =
                users.iter().map(muster::results::Submitted::from_user).collect();
            // Updates carry an id; creations do not.
            let creating = users.iter().all(|u| u.get("id").is_none());
            muster::results::reconcile_jumpcloud(&submitted, &results, creating)
        }
        _ => muster::results::reconcile_scim(&submitted, &answer).map_err(|err| JsError::new(&err))?,
    };
    to_js(&outcomes)
}
