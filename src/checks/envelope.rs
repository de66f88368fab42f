//! The bulk request envelope (RFC 7644 §3.7): `schemas` and `Operations`.

use crate::diag::{Code, Diagnostic};
use crate::payload::scim::BULK_REQUEST_URN;
use serde_json::Value;

/// Checks the envelope and returns how many operations it carries.
pub(super) fn check(request: &Value, out: &mut Vec<Diagnostic>) -> u64 {
    let Some(object) = request.as_object() else {
        out.push(
            Diagnostic::new(
                Code::BulkNotObject,
                "A bulk request must be a JSON object with `schemas` and `Operations`.",
            )
            .at_pointer(""),
        );
        return 0;
    };

    let names_urn = object
        .get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|schemas| schemas.iter().any(|s| s.as_str() == Some(BULK_REQUEST_URN)));
    if !names_urn {
        out.push(
            Diagnostic::new(
                Code::BulkSchemasMissing,
                format!("`schemas` must be an array containing \"{BULK_REQUEST_URN}\"."),
            )
            .at_pointer("/schemas")
            .at_field("schemas"),
        );
    }

    match object.get("Operations").and_then(Value::as_array) {
        Some(operations) if !operations.is_empty() => operations.len() as u64,
        _ => {
            out.push(
                Diagnostic::new(
                    Code::BulkOperationsEmpty,
                    "`Operations` must be an array with at least one operation.",
                )
                .at_pointer("/Operations")
                .at_field("Operations"),
            );
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Code, validate_scim_bulk};

    fn codes(input: &str) -> Vec<Code> {
        validate_scim_bulk(input.as_bytes())
            .diagnostics
            .iter()
            .map(|d| d.code)
            .collect()
    }

    #[test]
    fn a_minimal_valid_request_passes() {
        let ok = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
                     "Operations":[{"method":"DELETE","path":"/Users/1"}]}"#;
        let report = validate_scim_bulk(ok.as_bytes());
        assert!(report.valid, "{report:?}");
        assert_eq!(report.summary.rows, 1);
    }

    #[test]
    fn envelope_failures_are_all_reported_at_once() {
        assert_eq!(
            codes(r#"{"Operations": []}"#),
            [Code::BulkSchemasMissing, Code::BulkOperationsEmpty]
        );
        assert_eq!(codes("[]"), [Code::BulkNotObject]);
        assert_eq!(codes("{"), [Code::JsonSyntax]);
    }
}
