//! The report every face returns: the CLI's `--json`, the npm package's `validate`, the Worker's 400.

use super::{Diagnostic, Severity};
use serde::{Deserialize, Serialize};

/// Counts over a whole input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct Summary {
    /// Records seen (operations for JSON input, data rows for a sheet).
    pub rows: u64,
    pub errors: u64,
    pub warnings: u64,
}

/// `{"valid", "summary": {"rows", "errors", "warnings"}, "diagnostics": [...]}`: a stable shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct Report {
    pub valid: bool,
    pub summary: Summary,
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    pub fn new(rows: u64, diagnostics: Vec<Diagnostic>) -> Self {
        let errors = diagnostics.iter().filter(|d| d.severity == Severity::Error).count() as u64;
        let warnings = diagnostics.len() as u64 - errors;
        Report { valid: errors == 0, summary: Summary { rows, errors, warnings }, diagnostics }
    }
}
