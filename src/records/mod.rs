//! Stage 3: typed records. Every dialect (and, later, every spreadsheet) is read into the same
//! canonical [`User`], so one set of transforms serves every pair of dialects.

pub mod columns;
mod jumpcloud;
mod scim;
pub mod sheet;
pub(crate) mod view;

pub use jumpcloud::from_jumpcloud;
pub use scim::from_scim;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What a record asks the upstream to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Action {
    /// Create a user. `bulk_id` names it for references from other records.
    Create { bulk_id: Option<String> },
    /// Replace the user with this id entirely (SCIM PUT).
    Replace { id: String },
    /// Change only the fields that are set (JumpCloud PATCH, Oracle partial PATCH).
    Update { id: String },
}

/// One user from the input, with where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// 0-based position among the input's records.
    pub index: usize,
    /// JSON Pointer of the record in the input (`/Operations/3/data`, `/7`).
    pub pointer: String,
    pub action: Action,
    pub user: User,
}

/// The canonical user: the union of what SCIM (core + enterprise), Oracle HCM and JumpCloud can
/// say about a person. Empty means unset.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub user_name: Option<String>,
    pub external_id: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub middle_name: Option<String>,
    pub formatted_name: Option<String>,
    pub display_name: Option<String>,
    pub nick_name: Option<String>,
    pub title: Option<String>,
    pub user_type: Option<String>,
    pub preferred_language: Option<String>,
    pub locale: Option<String>,
    pub timezone: Option<String>,
    pub active: Option<bool>,
    pub password: Option<String>,
    pub emails: Vec<Email>,
    pub phones: Vec<Phone>,
    pub addresses: Vec<Address>,
    pub employee_number: Option<String>,
    pub cost_center: Option<String>,
    pub organization: Option<String>,
    pub division: Option<String>,
    pub department: Option<String>,
    /// The manager's id, or `bulkId:…` for a manager created in the same batch.
    pub manager: Option<String>,
    pub location: Option<String>,
    pub description: Option<String>,
    /// Custom attributes (JumpCloud `attributes`), in order.
    pub attributes: Vec<(String, String)>,
    /// Fields of the source dialect with no canonical home, by their source name. Kept for a
    /// round trip to the same dialect; reported when converting to another.
    pub extra: Map<String, Value>,
}

/// Email and phone kinds use RFC 7643's canonical words (`work`, `home`, `other`, `mobile`, …).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    pub value: String,
    pub kind: Option<String>,
    pub primary: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phone {
    pub value: String,
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    pub kind: Option<String>,
    pub street_address: Option<String>,
    pub extended_address: Option<String>,
    pub po_box: Option<String>,
    pub locality: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    pub formatted: Option<String>,
}

impl User {
    /// The primary email, else the first.
    pub fn primary_email(&self) -> Option<&Email> {
        self.emails.iter().find(|e| e.primary).or_else(|| self.emails.first())
    }
}

/// An operation of the input that is not a user record (a Group, a DELETE, a SCIM PatchOp…),
/// kept so a conversion can say what it did not carry over.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    pub pointer: String,
    pub why: String,
}

impl Address {
    /// Reads an address object. SCIM and JumpCloud share these key names; each adds a few of its own.
    pub(crate) fn from_json(a: &Value) -> Address {
        let t = |key: &str| text(a.get(key));
        Address {
            kind: t("type"),
            street_address: t("streetAddress"),
            extended_address: t("extendedAddress"),
            po_box: t("poBox"),
            locality: t("locality"),
            region: t("region"),
            postal_code: t("postalCode"),
            country: t("country"),
            formatted: t("formatted"),
        }
    }
}

impl Phone {
    /// Reads a phone object whose number is under `number_key` (SCIM `value`, JumpCloud `number`).
    pub(crate) fn from_json(p: &Value, number_key: &str) -> Option<Phone> {
        Some(Phone { value: text(p.get(number_key))?, kind: text(p.get("type")) })
    }
}

/// The elements of the array `object[key]`, or none.
pub(crate) fn list<'a>(object: &'a Map<String, Value>, key: &str) -> impl Iterator<Item = &'a Value> {
    object.get(key).and_then(Value::as_array).into_iter().flatten()
}

/// Treats blank strings as unset.
pub(crate) fn text(value: Option<&Value>) -> Option<String> {
    value.and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}
