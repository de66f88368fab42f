//! The npm package's wasm exports: parse the JS input, call one core function, hand back plain
//! JSON-compatible objects. Bad input or options throw an `Error`; findings in the data are
//! returned as diagnostics, never thrown. The TypeScript interfaces come from the core's types.

use muster::Options;
use muster::records::columns::{Profile, Proposal};
use muster::sheet::Sheet;
use muster::spreadsheet::SheetOptions;
use muster::spreadsheet::stream::{SheetStream, StreamOptions};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

#[cfg(feature = "sending")]
pub mod sending;

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

/// Plain objects (not Maps) so results can be JSON-stringified, compared and posted as they are:
/// written as JSON text in wasm and parsed by the engine's `JSON.parse`, faster for big results
/// than building them object by object (bench/npm.mjs).
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    let text = serde_json::to_string(value).map_err(|err| JsError::new(&err.to_string()))?;
    js_sys::JSON::parse(&text).map_err(|_| JsError::new("the result could not be handed to JavaScript"))
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
