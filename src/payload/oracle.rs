//! Oracle HCM's SCIM flavour (Fusion `/hcmRestApi/scim`). Not RFC-shaped: older URNs, email type
//! codes, partial-resource PATCH, and Roles membership changes as `members[{value, operation}]`.
//! Bulk responses carry `status` as `{"code": …}`, which `scim::Status` already reads.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub const USER_URN: &str = "urn:scim:schemas:core:2.0:User";
pub const BULK_REQUEST_URN: &str = "urn:scim:schemas:core:2.0:BulkRequest";
pub const BULK_RESPONSE_URN: &str = "urn:scim:schemas:core:2.0:BulkResponse";
/// Oracle's user extension, returned with `{"userCategory": …}`.
pub const FA_USER_URN: &str = "urn:scim:schemas:extension:fa:2.0:faUser";
/// The one email type code Oracle documents: a work address.
pub const EMAIL_TYPE_WORK: &str = "W";

/// A user as Oracle HCM takes it in `POST /Users` and in bulk `data` (also the partial body of a
/// user PATCH, which is not a PatchOp).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    #[serde(default)]
    pub schemas: Vec<String>,
    pub user_name: Option<String>,
    pub name: Option<Name>,
    pub display_name: Option<String>,
    pub active: Option<bool>,
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<Email>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Name {
    pub family_name: Option<String>,
    pub given_name: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Email {
    pub value: String,
    /// A type code such as `W`, not RFC 7643's `work`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub primary: Option<bool>,
}

/// `PATCH /Roles/{id}` (alone or as bulk `data`): add or remove members, answered with 204.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleMembersPatch {
    pub members: Vec<RoleMember>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleMember {
    /// The user's GUID, or `bulkId:…`.
    pub value: String,
    pub operation: RoleOperation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RoleOperation {
    Add,
    Remove,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn oracle_bodies_round_trip() {
        let user = json!({
            "schemas": [USER_URN], "userName": "X@example.com", "active": true,
            "name": {"familyName": "X", "givenName": "Y"},
            "emails": [{"primary": true, "value": "X@example.com", "type": "W"}], "displayName": "Y X"
        });
        let parsed: User = serde_json::from_value(user.clone()).unwrap();
        assert_eq!(parsed.emails[0].kind.as_deref(), Some(EMAIL_TYPE_WORK));
        assert_eq!(serde_json::to_value(&parsed).unwrap(), user);

        let roles =
            json!({"members": [{"value": "AB12", "operation": "ADD"}, {"value": "CD34", "operation": "REMOVE"}]});
        let parsed: RoleMembersPatch = serde_json::from_value(roles.clone()).unwrap();
        assert_eq!(parsed.members[1].operation, RoleOperation::Remove);
        assert_eq!(serde_json::to_value(&parsed).unwrap(), roles);
        assert!(
            serde_json::from_value::<RoleMembersPatch>(json!({"members": [{"value": "a", "operation": "MOVE"}]}))
                .is_err()
        );
    }
}
