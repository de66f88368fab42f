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

impl Summary {
    /// Counts one more finding of `severity`.
    pub(crate) fn count(&mut self, severity: Severity) {
        match severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
        }
    }
}

impl Report {
    pub fn new(rows: u64, diagnostics: Vec<Diagnostic>) -> Self {
        let mut summary = Summary { rows, ..Summary::default() };
        diagnostics.iter().for_each(|d| summary.count(d.severity));
        Report::listing(summary, diagnostics)
    }

    /// The report of the findings `summary` counts, listing `diagnostics` of them (all, or the
    /// first ones when only those were kept).
    pub(crate) fn listing(summary: Summary, diagnostics: Vec<Diagnostic>) -> Self {
        Report { valid: summary.errors == 0, summary, diagnostics }
    }
}
