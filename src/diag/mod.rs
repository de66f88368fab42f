//! Diagnostics as data, shared by every stage. Imports nothing from the stages.

mod code;
pub use code::catalogue_markdown;
mod report;

pub use code::{Code, EXAMPLE_LIMITS};
pub use report::{Report, Summary};

use serde::{Deserialize, Serialize};

/// How bad a finding is: errors block sending, warnings are shown but do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub enum Severity {
    Error,
    Warning,
}

/// One problem, located where a person can look: a JSON pointer (RFC 6901) for JSON input, and a
/// spreadsheet row / column header / target field when the data came from a sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable id from the catalogue (docs/diagnostics.md), such as `email-invalid`.
    #[cfg_attr(feature = "typescript", tsify(type = "string"))]
    pub code: Code,
    /// What is wrong and how to fix it. Names the place, never echoes personal data.
    pub message: String,
    pub pointer: Option<String>,
    /// The spreadsheet's own 1-based row number, as the user sees it.
    pub row: Option<u64>,
    /// The column header as written in the sheet.
    pub column: Option<String>,
    /// The target attribute, for example `userName` or `emails[0].value`.
    pub field: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with the code's default severity and no location yet.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: code.severity(),
            code,
            message: message.into(),
            pointer: None,
            row: None,
            column: None,
            field: None,
        }
    }

    pub fn at_pointer(mut self, pointer: impl Into<String>) -> Self {
        self.pointer = Some(pointer.into());
        self
    }

    pub fn at_row(mut self, row: u64) -> Self {
        self.row = Some(row);
        self
    }

    pub fn at_column(mut self, column: impl Into<String>) -> Self {
        self.column = Some(column.into());
        self
    }

    pub fn at_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}
