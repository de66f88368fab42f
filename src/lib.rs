//! muster validates and transforms bulk user-provisioning payloads.
//!
//! The pipeline, one module per stage: bytes → sheet → records → diagnostics → payload → chunks →
//! results. Every stage reports problems in the user's data as [`Diagnostic`]s (data, never an
//! `Err`); the same catalogue ([`Code`]) serves the CLI, the npm package, the page and the Worker.
//!
//! ```
//! let report = muster::validate_scim_bulk(br#"{"Operations": []}"#);
//! assert!(!report.valid);
//! let codes: Vec<&str> = report.diagnostics.iter().map(|d| d.code.id()).collect();
//! assert_eq!(codes, ["bulk-schemas-missing", "bulk-operations-empty"]);
//! ```

pub mod bytes;
pub mod checks;
pub mod conversion;
pub mod diag;
pub mod options;
pub mod payload;
pub mod plan;
pub mod records;
pub mod refs;
pub mod report;
pub mod results;
pub mod sheet;
pub mod spreadsheet;
mod unicode;

pub use checks::{validate, validate_scim_bulk, validate_value, validate_value_listing};
pub use diag::{Code, Diagnostic, Report, Severity, Summary};
pub use options::{Format, Options, PasswordPolicy};
pub use payload::convert::{Conversion, convert, convert_codes};

/// The version of this build of the core, the same in every face (CLI, npm, Worker).
pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}
