//! The npm package's wasm exports: parse the JS input, call one core function, hand back plain
//! JSON-compatible objects. Bad input or options throw an `Error`; findings in the data are
//! returned as diagnostics, never thrown. The TypeScript interfaces come from the core's types.

use muster::conversion::ConvertOptions;
use muster::plan::Limits;
use muster::records::columns::{Profile, Proposal};
use muster::sheet::Sheet;
use muster::spreadsheet::SheetOptions;
use muster::spreadsheet::stream::{SheetStream, StreamOptions};
use muster::{Format, Options};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

// Talc instead of the default dlmalloc: checking a sheet allocates much (one JSON value per
// cell), and talc is both faster and smaller in wasm.
#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[wasm_bindgen(start)]
fn start() {
    // A Rust panic becomes a readable console error instead of a bare `unreachable`.
    console_error_panic_hook::set_once();
}

/// The version of the muster core inside this package.
#[wasm_bindgen]
pub fn version() -> String {
    muster::version().to_owned()
}

/// How a result crosses into JS: built object by object through serde-wasm-bindgen, or written
/// as JSON text in wasm and parsed by the engine's `JSON.parse`. bench/npm.mjs measures both.
#[derive(Clone, Copy)]
enum Crossing {
    Objects,
    JsonText,
}

/// Plain objects (not Maps) so results can be JSON-stringified, compared and posted as they are.
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    cross(value, Crossing::JsonText)
}

fn cross<T: Serialize>(value: &T, how: Crossing) -> Result<JsValue, JsError> {
    match how {
        Crossing::Objects => value
            .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .map_err(|err| JsError::new(&err.to_string())),
        Crossing::JsonText => {
            let text = serde_json::to_string(value).map_err(|err| JsError::new(&err.to_string()))?;
            js_sys::JSON::parse(&text).map_err(|_| JsError::new("the result could not be handed to JavaScript"))
        }
    }
}

/// `checkSheet`, crossing into JS the way `how` says ("objects" or "json"): for bench/npm.mjs.
#[doc(hidden)]
#[wasm_bindgen(js_name = __checkSheetCrossing)]
pub fn check_sheet_crossing(bytes: &[u8], options: JsValue, how: &str) -> Result<JsValue, JsError> {
    let options: SheetOptions = self::options(options, "sheet options")?;
    let how = if how == "objects" { Crossing::Objects } else { Crossing::JsonText };
    cross(&muster::spreadsheet::check(bytes, &options).map_err(|err| JsError::new(&err))?, how)
}

/// Options from JS; `undefined` or `null` means the defaults.
fn options<T: DeserializeOwned + Default>(value: JsValue, what: &str) -> Result<T, JsError> {
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    serde_wasm_bindgen::from_value(value).map_err(|err| JsError::new(&format!("invalid {what}: {err}")))
}

/// The bytes of a `string | Uint8Array` input, or `None` for anything else.
fn input_bytes(input: &JsValue) -> Option<Vec<u8>> {
    if let Some(text) = input.as_string() {
        return Some(text.into_bytes());
    }
    input.dyn_ref::<js_sys::Uint8Array>().map(js_sys::Uint8Array::to_vec)
}

/// Validates a payload: a JSON bulk payload (SCIM, Oracle HCM, JumpCloud) as text, bytes or an
/// object, or a spreadsheet (CSV/TSV) as text or bytes. Returns the report
/// `{valid, summary: {rows, errors, warnings}, diagnostics}`.
#[wasm_bindgen(unchecked_return_type = "Report")]
pub fn validate(
    #[wasm_bindgen(unchecked_param_type = "string | Uint8Array | object")] input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Options | undefined")] options: JsValue,
) -> Result<JsValue, JsError> {
    let options: Options = self::options(options, "options")?;
    let report = match input_bytes(&input) {
        Some(bytes) if muster::bytes::sniff(&bytes, None) != muster::bytes::Kind::Json => {
            let sheet = SheetOptions { target: options.format, ..SheetOptions::default() };
            muster::spreadsheet::check_report(&bytes, &sheet).map_err(|err| JsError::new(&err))?
        }
        Some(bytes) => muster::validate(&bytes, &options),
        None if input.is_object() => {
            let value: serde_json::Value =
                serde_wasm_bindgen::from_value(input).map_err(|err| JsError::new(&format!("invalid input: {err}")))?;
            muster::validate_value(&value, &options)
        }
        None => return Err(JsError::new("validate() takes a string, a Uint8Array or an object")),
    };
    to_js(&report)
}

/// Reads, maps and checks a spreadsheet: the report, the header row, the mapping used and, when
/// there are no errors, the body to send.
#[wasm_bindgen(js_name = checkSheet, unchecked_return_type = "SheetCheck")]
pub fn check_sheet(
    bytes: &[u8],
    #[wasm_bindgen(unchecked_param_type = "SheetOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsError> {
    let options: SheetOptions = self::options(options, "sheet options")?;
    to_js(&muster::spreadsheet::check(bytes, &options).map_err(|err| JsError::new(&err))?)
}

/// Proposes a field for each header, with a confidence and a reason; a saved profile decides for
/// the headers it knows.
#[wasm_bindgen(js_name = proposeMapping, unchecked_return_type = "Proposal[]")]
pub fn propose_mapping(
    headers: Vec<String>,
    #[wasm_bindgen(unchecked_param_type = "Profile | undefined")] profile: JsValue,
) -> Result<JsValue, JsError> {
    let profile: Option<Profile> = self::options(profile, "profile")?;
    let proposals: Vec<Proposal> = muster::records::columns::propose(&headers, profile.as_ref());
    to_js(&proposals)
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
    let options: ConvertOptions = self::options(options, "options")?;
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
    let limits: Limits = self::options(limits, "limits")?;
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
    let options: SheetOptions = self::options(options, "sheet options")?;
    let answer: serde_json::Value =
        serde_wasm_bindgen::from_value(answer).map_err(|err| JsError::new(&format!("invalid answer: {err}")))?;
    let (sheet, check) = muster::spreadsheet::read_and_check(bytes, &options).map_err(|err| JsError::new(&err))?;
    let outcomes = muster::spreadsheet::outcomes(&check, &answer).map_err(|err| JsError::new(&err))?;
    muster::report::to_csv(&sheet, &outcomes).map_err(|err| JsError::new(&err))
}

/// A spreadsheet check fed in pieces, for files too big to hold (a page's Web Worker reading a
/// `File` stream): `push` each chunk, then `finish`. Each call returns the rows and findings it
/// completed, and the progress so far.
#[wasm_bindgen]
pub struct SheetValidator {
    stream: SheetStream,
}

#[wasm_bindgen]
impl SheetValidator {
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "SheetOptions | undefined")] options: JsValue,
        #[wasm_bindgen(unchecked_param_type = "StreamOptions | undefined")] stream: JsValue,
    ) -> Result<SheetValidator, JsError> {
        let options: SheetOptions = self::options(options, "sheet options")?;
        let flags: StreamOptions = self::options(stream, "stream options")?;
        Ok(SheetValidator { stream: SheetStream::new(options, flags) })
    }

    /// Takes the next chunk of the file.
    #[wasm_bindgen(unchecked_return_type = "StreamUpdate")]
    pub fn push(&mut self, chunk: &[u8]) -> Result<JsValue, JsError> {
        to_js(&self.stream.push(chunk).map_err(|err| JsError::new(&err))?)
    }

    /// Reads what is left; the update has `done: true`.
    #[wasm_bindgen(unchecked_return_type = "StreamUpdate")]
    pub fn finish(&mut self) -> Result<JsValue, JsError> {
        to_js(&self.stream.finish().map_err(|err| JsError::new(&err))?)
    }

    /// Bytes and rows so far, and the errors and warnings found.
    #[wasm_bindgen(getter, unchecked_return_type = "Progress")]
    pub fn progress(&self) -> Result<JsValue, JsError> {
        to_js(&self.stream.progress())
    }
}

/// Checks a sheet as a person edited it (`{name, headerRow, headers, rows: [{number, cells}]}`):
/// every row again, with batch duplicates, as `checkSheet` would.
#[wasm_bindgen(js_name = checkRows, unchecked_return_type = "SheetCheck")]
pub fn check_rows(
    #[wasm_bindgen(unchecked_param_type = "Sheet")] sheet: JsValue,
    #[wasm_bindgen(unchecked_param_type = "SheetOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsError> {
    let sheet: Sheet =
        serde_wasm_bindgen::from_value(sheet).map_err(|err| JsError::new(&format!("invalid sheet: {err}")))?;
    let options: SheetOptions = self::options(options, "sheet options")?;
    to_js(&muster::spreadsheet::check_rows(&sheet, &options))
}

/// The names of a workbook's sheets (XLSX, XLS, ODS), in order ("muster/xlsx" only).
#[cfg(feature = "xlsx")]
#[wasm_bindgen(js_name = sheetNames)]
pub fn sheet_names(bytes: &[u8], filename: Option<String>) -> Result<Vec<String>, JsError> {
    let _ = filename; // workbooks are told apart by their bytes; the name is for symmetry
    muster::sheet::sheet_names(bytes).map_err(|err| JsError::new(&err))
}

/// Every field a column can map to: `{key, label}`.
#[wasm_bindgen(unchecked_return_type = "{ key: string; label: string }[]")]
pub fn fields() -> Result<JsValue, JsError> {
    let fields: Vec<serde_json::Value> = muster::records::columns::FIELDS
        .iter()
        .map(|f| serde_json::json!({ "key": f.key, "label": f.label }))
        .collect();
    to_js(&fields)
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

/// Reads a spreadsheet into rows as the user sees them (`{sheet: {name, headerRow, headers, rows},
/// diagnostics}`: what reading found, such as the encoding used or duplicate headers), without
/// mapping or checking the cells.
#[wasm_bindgen(js_name = parseSheet, unchecked_return_type = "{ sheet: Sheet; diagnostics: Diagnostic[] }")]
pub fn parse_sheet(
    bytes: &[u8],
    #[wasm_bindgen(unchecked_param_type = "ReadOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsError> {
    let options: muster::sheet::ReadOptions = self::options(options, "read options")?;
    let (sheet, diagnostics) = muster::sheet::read(bytes, &options).map_err(|err| JsError::new(&err))?;
    to_js(&serde_json::json!({ "sheet": sheet, "diagnostics": diagnostics }))
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
