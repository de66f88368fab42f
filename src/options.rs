//! What a run is asked to do: which dialect the input is in, and the limits it must respect.

use crate::payload::scim::BulkConfig;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The dialect of a JSON payload.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub enum Format {
    /// Decide from the payload itself (see [`Format::detect`]).
    #[default]
    Auto,
    /// SCIM 2.0 bulk request, RFC 7644 §3.7.
    Scim,
    /// Oracle HCM's SCIM flavour.
    Oracle,
    /// JumpCloud `POST /bulk/users`: an array of users to create.
    JumpcloudCreate,
    /// JumpCloud `PATCH /bulk/users`: an array of users to update, each with `id`.
    JumpcloudUpdate,
}

impl Format {
    pub const NAMES: &'static [&'static str] = &["auto", "scim", "oracle", "jumpcloud-create", "jumpcloud-update"];

    pub fn parse(name: &str) -> Option<Format> {
        Some(match name {
            "auto" => Format::Auto,
            "scim" => Format::Scim,
            "oracle" => Format::Oracle,
            "jumpcloud-create" => Format::JumpcloudCreate,
            "jumpcloud-update" => Format::JumpcloudUpdate,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::Scim => "scim",
            Format::Oracle => "oracle",
            Format::JumpcloudCreate => "jumpcloud-create",
            Format::JumpcloudUpdate => "jumpcloud-update",
        }
    }

    /// An array is a JumpCloud body (an update when every element has an `id`); an object is a SCIM
    /// bulk request, Oracle's when it uses Oracle's URNs.
    pub fn detect(value: &Value) -> Format {
        match value {
            Value::Array(items) => {
                let all_have_id = !items.is_empty() && items.iter().all(|i| i.get("id").is_some());
                if all_have_id { Format::JumpcloudUpdate } else { Format::JumpcloudCreate }
            }
            _ if uses_oracle_urns(value) => Format::Oracle,
            _ => Format::Scim,
        }
    }

    /// The dialect to validate as: `self`, or what the payload looks like when `self` is `Auto`.
    pub fn resolve(self, value: &Value) -> Format {
        if self == Format::Auto { Format::detect(value) } else { self }
    }

    pub fn is_jumpcloud(self) -> bool {
        matches!(self, Format::JumpcloudCreate | Format::JumpcloudUpdate)
    }
}

fn uses_oracle_urns(value: &Value) -> bool {
    use crate::payload::oracle;
    let names = |v: &Value, urn: &str| {
        v.get("schemas").and_then(Value::as_array).is_some_and(|s| s.iter().any(|s| s.as_str() == Some(urn)))
    };
    names(value, oracle::BULK_REQUEST_URN)
        || value
            .get("Operations")
            .and_then(Value::as_array)
            .is_some_and(|ops| ops.iter().any(|op| op.get("data").is_some_and(|d| names(d, oracle::USER_URN))))
}

/// An organisation's password policy (JumpCloud `settings.passwordPolicy`), when the caller has it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct PasswordPolicy {
    pub min_length: Option<usize>,
    pub needs_lowercase: bool,
    pub needs_uppercase: bool,
    pub needs_numeric: bool,
    pub needs_symbolic: bool,
    /// When false, a password may not contain the username.
    pub allow_username_substring: Option<bool>,
}

/// Options for validation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct Options {
    pub format: Format,
    /// The upstream's bulk limits (its ServiceProviderConfig `bulk`), when known.
    pub limits: Option<BulkConfig>,
    pub password_policy: Option<PasswordPolicy>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn detects_each_dialect() {
        assert_eq!(Format::detect(&json!([{"username": "a"}])), Format::JumpcloudCreate);
        assert_eq!(Format::detect(&json!([{"id": "x"}, {"id": "y"}])), Format::JumpcloudUpdate);
        assert_eq!(Format::detect(&json!([])), Format::JumpcloudCreate);
        assert_eq!(Format::detect(&json!({"Operations": []})), Format::Scim);
        assert_eq!(Format::detect(&json!({"schemas": ["urn:scim:schemas:core:2.0:BulkRequest"]})), Format::Oracle);
        let oracle_data = json!({"Operations": [{"data": {"schemas": ["urn:scim:schemas:core:2.0:User"]}}]});
        assert_eq!(Format::detect(&oracle_data), Format::Oracle);
        for name in Format::NAMES {
            assert_eq!(Format::parse(name).map(Format::name), Some(*name));
        }
    }
}
