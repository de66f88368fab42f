//! SCIM (RFC and Oracle HCM) bulk requests → records. Only user creations and replacements (and
//! Oracle's partial user PATCH) are user records; every other operation is listed as skipped.

use super::{Action, Address, Email, Phone, Record, Skipped, User, list, text};
use crate::checks::push_token;
use crate::payload::{oracle, scim};
use serde_json::{Map, Value};

/// Attributes the canonical user models; anything else lands in `User::extra`.
const MODELLED: &[&str] = &[
    "schemas",
    "id",
    "meta",
    "userName",
    "externalId",
    "name",
    "displayName",
    "nickName",
    "title",
    "userType",
    "preferredLanguage",
    "locale",
    "timezone",
    "active",
    "password",
    "emails",
    "phoneNumbers",
    "addresses",
    scim::ENTERPRISE_USER_URN,
];

pub fn from_scim(request: &Value) -> (Vec<Record>, Vec<Skipped>) {
    let mut records = Vec::new();
    let mut skipped = Vec::new();
    let operations = request.get("Operations").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    for (i, op) in operations.iter().enumerate() {
        let pointer = push_token("/Operations", i);
        let method = op.get("method").and_then(Value::as_str).unwrap_or("");
        let path = op.get("path").and_then(Value::as_str).unwrap_or("");
        let mut segments = path.trim_start_matches('/').split('/');
        let (resource, id) = (segments.next().unwrap_or(""), segments.next());
        let data = op.get("data").and_then(Value::as_object);
        let is_oracle_user = data.is_some_and(|d| names(d, oracle::USER_URN));
        let action = match (method, resource, id, data) {
            ("POST", "Users", None, Some(_)) => Action::Create { bulk_id: text(op.get("bulkId")) },
            ("PUT", "Users", Some(id), Some(_)) => Action::Replace { id: id.to_owned() },
            ("PATCH", "Users", Some(id), Some(_)) if is_oracle_user => Action::Update { id: id.to_owned() },
            _ => {
                let why = format!("{method} {path} is not a user creation or replacement");
                skipped.push(Skipped { pointer, why });
                continue;
            }
        };
        let Some(data) = data else { continue };
        records.push(Record { index: records.len(), pointer: push_token(&pointer, "data"), action, user: user(data) });
    }
    (records, skipped)
}

fn names(data: &Map<String, Value>, urn: &str) -> bool {
    data.get("schemas").and_then(Value::as_array).is_some_and(|s| s.iter().any(|s| s.as_str() == Some(urn)))
}

fn user(data: &Map<String, Value>) -> User {
    let name = data.get("name");
    let field = |key: &str| text(name.and_then(|n| n.get(key)));
    let enterprise = data.get(scim::ENTERPRISE_USER_URN);
    let ent = |key: &str| text(enterprise.and_then(|e| e.get(key)));
    User {
        user_name: text(data.get("userName")),
        external_id: text(data.get("externalId")),
        given_name: field("givenName"),
        family_name: field("familyName"),
        middle_name: field("middleName"),
        formatted_name: field("formatted"),
        display_name: text(data.get("displayName")),
        nick_name: text(data.get("nickName")),
        title: text(data.get("title")),
        user_type: text(data.get("userType")),
        preferred_language: text(data.get("preferredLanguage")),
        locale: text(data.get("locale")),
        timezone: text(data.get("timezone")),
        active: data.get("active").and_then(Value::as_bool),
        password: text(data.get("password")),
        emails: list(data, "emails")
            .filter_map(|e| {
                Some(Email {
                    value: text(e.get("value"))?,
                    kind: text(e.get("type")).map(|k| canonical_email_kind(&k)),
                    primary: e.get("primary").and_then(Value::as_bool).unwrap_or(false),
                })
            })
            .collect(),
        phones: list(data, "phoneNumbers").filter_map(|p| Phone::from_json(p, "value")).collect(),
        addresses: list(data, "addresses").map(Address::from_json).collect(),
        employee_number: ent("employeeNumber"),
        cost_center: ent("costCenter"),
        organization: ent("organization"),
        division: ent("division"),
        department: ent("department"),
        manager: text(enterprise.and_then(|e| e.get("manager")).and_then(|m| m.get("value"))),
        extra: data
            .iter()
            .filter(|(k, _)| !MODELLED.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        ..User::default()
    }
}

/// Oracle HCM's `W` is RFC 7643's `work`.
fn canonical_email_kind(kind: &str) -> String {
    if kind == oracle::EMAIL_TYPE_WORK { "work".to_owned() } else { kind.to_owned() }
}
