//! Stage 4: rules over parsed input. Each family of rules has its own file.

mod envelope;

use crate::diag::{Code, Diagnostic, Report};
use serde_json::Value;

/// Validates a SCIM 2.0 bulk request given as raw bytes, returning every finding in one pass.
pub fn validate_scim_bulk(bytes: &[u8]) -> Report {
    let value: Value = match serde_json::from_slice(bytes) {
        Ok(value) => value,
        Err(err) => {
            let message = format!(
                "The request is not valid JSON (line {}, column {}): {err}. Fix the syntax and send it again.",
                err.line(),
                err.column()
            );
            return Report::new(
                0,
                vec![Diagnostic::new(Code::JsonSyntax, message).at_pointer("")],
            );
        }
    };
    let mut diagnostics = Vec::new();
    let rows = envelope::check(&value, &mut diagnostics);
    Report::new(rows, diagnostics)
}
