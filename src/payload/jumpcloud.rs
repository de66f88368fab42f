//! JumpCloud API v2 bulk users (`POST/PATCH /bulk/users`, asynchronous jobs).
//!
//! The body is a JSON array of V1 system users (`systemuserputpost` / `systemuserput`, inlined by
//! JumpCloud's SDK as `bulk-user-create-sdk` / `-update-sdk` in `shared/specs/jumpcloud-v2-bulk.yaml`).
//! The upstream schemas forbid no extra fields, so unknown fields are kept in `extra`.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// Fields shared by create and update.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserFields {
    pub username: Option<String>,
    pub email: Option<String>,
    pub firstname: Option<String>,
    pub lastname: Option<String>,
    pub middlename: Option<String>,
    pub displayname: Option<String>,
    #[serde(rename = "jobTitle")]
    pub job_title: Option<String>,
    pub department: Option<String>,
    pub company: Option<String>,
    #[serde(rename = "costCenter")]
    pub cost_center: Option<String>,
    #[serde(rename = "employeeType")]
    pub employee_type: Option<String>,
    pub location: Option<String>,
    pub description: Option<String>,
    #[serde(rename = "employeeIdentifier")]
    pub employee_identifier: Option<String>,
    pub password: Option<String>,
    #[serde(rename = "alternateEmail")]
    pub alternate_email: Option<String>,
    #[serde(rename = "managedAppleId")]
    pub managed_apple_id: Option<String>,
    /// The manager's user ObjectId.
    pub manager: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<Address>,
    #[serde(rename = "phoneNumbers", default, skip_serializing_if = "Vec::is_empty")]
    pub phone_numbers: Vec<PhoneNumber>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relationships: Vec<Value>,
    pub state: Option<String>,
    pub suspended: Option<bool>,
    pub account_locked: Option<bool>,
    pub allow_public_key: Option<bool>,
    pub sudo: Option<bool>,
    pub passwordless_sudo: Option<bool>,
    pub enable_managed_uid: Option<bool>,
    pub enable_user_portal_multifactor: Option<bool>,
    pub ldap_binding_user: Option<bool>,
    pub samba_service_user: Option<bool>,
    pub password_never_expires: Option<bool>,
    #[serde(rename = "disableDeviceMaxLoginAttempts")]
    pub disable_device_max_login_attempts: Option<bool>,
    pub externally_managed: Option<bool>,
    pub unix_uid: Option<u64>,
    pub unix_guid: Option<u64>,
    pub public_key: Option<String>,
    pub mfa: Option<Mfa>,
    #[serde(rename = "delegatedAuthority")]
    pub delegated_authority: Option<Value>,
    #[serde(rename = "restrictedFields")]
    pub restricted_fields: Option<Value>,
    pub external_dn: Option<String>,
    pub external_source_type: Option<String>,
    pub external_password_expiration_date: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One element of a `POST /bulk/users` body.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BulkUserCreate {
    pub activated: Option<bool>,
    #[serde(rename = "recoveryEmail")]
    pub recovery_email: Option<RecoveryEmail>,
    #[serde(flatten)]
    pub user: UserFields,
}

/// One element of a `PATCH /bulk/users` body: `id` names the user to change.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BulkUserUpdate {
    #[serde(default)]
    pub id: String,
    pub organization: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ssh_keys: Vec<SshKey>,
    #[serde(flatten)]
    pub user: UserFields,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub po_box: Option<String>,
    pub extended_address: Option<String>,
    pub street_address: Option<String>,
    pub locality: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PhoneNumber {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub number: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A custom attribute: the name is `[A-Za-z0-9]+`, the value at most 1024 characters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribute {
    pub name: String,
    pub value: String,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Mfa {
    pub configured: Option<bool>,
    pub exclusion: Option<bool>,
    pub exclusion_days: Option<u32>,
    pub exclusion_until: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryEmail {
    pub address: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SshKey {
    pub name: String,
    pub public_key: String,
}

/// The answer to `POST/PATCH /bulk/users`. Older API versions said `id` instead of `jobId`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobId {
    #[serde(rename = "jobId")]
    pub job_id: String,
}

impl<'de> Deserialize<'de> for JobId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            #[serde(rename = "jobId")]
            job_id: Option<String>,
            id: Option<String>,
        }
        let raw = Raw::deserialize(d)?;
        raw.job_id
            .or(raw.id)
            .filter(|id| !id.is_empty())
            .map(|job_id| JobId { job_id })
            .ok_or_else(|| serde::de::Error::missing_field("jobId"))
    }
}

/// One user's result in `GET /bulk/users/{job_id}/results`. `status` is `pending` until the user
/// is processed, then `finished` or a failure; `meta.SystemUser` identifies the user.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobWorkresult {
    pub id: Option<String>,
    #[serde(default)]
    pub status: String,
    pub status_msg: Option<String>,
    pub meta: Option<Value>,
    pub persisted_fields: Option<Value>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl JobWorkresult {
    /// Still being processed upstream. Statuses are compared case-insensitively.
    pub fn is_pending(&self) -> bool {
        self.status.eq_ignore_ascii_case("pending")
    }

    pub fn is_finished(&self) -> bool {
        self.status.eq_ignore_ascii_case("finished")
    }

    /// The `meta.SystemUser` field named `key` (`username`, `email`, `_id`), used to match results
    /// to submitted users: results do not come back in submission order.
    pub fn system_user(&self, key: &str) -> Option<&str> {
        self.meta.as_ref()?.get("SystemUser")?.get(key)?.as_str()
    }
}

/// `GET /jobs/{id}`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobDetails {
    pub id: String,
    pub status: String,
    #[serde(default)]
    pub work_units_count: u64,
    pub admin_id: Option<String>,
    pub name: Option<String>,
    pub meta: Option<Value>,
    pub persisted_fields: Option<Value>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// JumpCloud's error body; `ErrorDetails` adds `details` (google.rpc error details).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Error {
    pub code: u16,
    pub message: String,
    #[serde(default)]
    pub status: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn job_id_reads_job_id_then_id() {
        let a: JobId = serde_json::from_value(json!({"jobId": "j1"})).unwrap();
        let b: JobId = serde_json::from_value(json!({"id": "j2"})).unwrap();
        assert_eq!((a.job_id.as_str(), b.job_id.as_str()), ("j1", "j2"));
        assert!(serde_json::from_value::<JobId>(json!({"job": "x"})).is_err());
        assert_eq!(serde_json::to_value(&a).unwrap(), json!({"jobId": "j1"}));
    }

    #[test]
    fn create_and_update_round_trip_with_unknown_fields() {
        let create = json!({
            "username": "jdoe", "email": "jdoe@example.com", "activated": true,
            "recoveryEmail": {"address": "r@example.com"}, "unix_uid": 5001,
            "attributes": [{"name": "badge", "value": "7"}],
            "mfa": {"exclusion": true, "exclusionDays": 7}, "futureField": [1]
        });
        let parsed: BulkUserCreate = serde_json::from_value(create.clone()).unwrap();
        assert_eq!(parsed.user.extra.get("futureField"), Some(&json!([1])));
        assert_eq!(serde_json::to_value(&parsed).unwrap(), create);

        let update = json!({"id": "5f0c1b2e3d4a5b6c7d8e9f01", "state": "SUSPENDED", "ssh_keys": [{"name": "k", "public_key": "ssh-ed25519 AAAA"}]});
        let parsed: BulkUserUpdate = serde_json::from_value(update.clone()).unwrap();
        assert_eq!(serde_json::to_value(&parsed).unwrap(), update);
    }

    #[test]
    fn workresults_match_by_system_user_and_status_is_case_insensitive() {
        let r: JobWorkresult = serde_json::from_value(json!({
            "status": "Finished", "meta": {"SystemUser": {"username": "jdoe", "email": "jdoe@example.com"}}
        }))
        .unwrap();
        assert!(r.is_finished() && !r.is_pending());
        assert_eq!(r.system_user("username"), Some("jdoe"));
        assert_eq!(r.system_user("_id"), None);
    }
}
