//! The npm package's wasm exports. Parse the JS input, call one core function, hand back plain data.

use wasm_bindgen::prelude::*;

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

/// Validates a SCIM 2.0 bulk request (JSON text) and returns the report as a JSON string:
/// `{"valid", "summary": {"rows", "errors", "warnings"}, "diagnostics": [...]}`.
#[wasm_bindgen(js_name = validateJson)]
pub fn validate_json(input: &str) -> Result<String, JsError> {
    let report = muster::validate_scim_bulk(input.as_bytes());
    serde_json::to_string(&report).map_err(|err| JsError::new(&err.to_string()))
}
