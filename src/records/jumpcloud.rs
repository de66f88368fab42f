//! JumpCloud bulk bodies → records: a create array gives creations, an update array updates.

use super::{Action, Address, Email, Phone, Record, User, list, text};
use crate::checks::push_token;
use serde_json::{Map, Value};

const MODELLED: &[&str] = &[
    "id",
    "username",
    "email",
    "alternateEmail",
    "firstname",
    "lastname",
    "middlename",
    "displayname",
    "jobTitle",
    "department",
    "company",
    "costCenter",
    "employeeType",
    "location",
    "description",
    "employeeIdentifier",
    "password",
    "manager",
    "addresses",
    "phoneNumbers",
    "attributes",
    "suspended",
    "state",
];

/// `creating` says whether the body is for `POST` (true) or `PATCH` (false) `/bulk/users`.
pub fn from_jumpcloud(body: &Value, creating: bool) -> Vec<Record> {
    let users = body.as_array().map(Vec::as_slice).unwrap_or_default();
    users
        .iter()
        .enumerate()
        .filter_map(|(index, user)| {
            let user = user.as_object()?;
            let action = if creating {
                Action::Create { bulk_id: text(user.get("username")) }
            } else {
                Action::Update { id: text(user.get("id")).unwrap_or_default() }
            };
            Some(Record { index, pointer: push_token("", index), action, user: canonical(user) })
        })
        .collect()
}

fn canonical(u: &Map<String, Value>) -> User {
    let t = |key: &str| text(u.get(key));
    let mut emails = Vec::new();
    if let Some(value) = t("email") {
        emails.push(Email { value, kind: Some("work".to_owned()), primary: true });
    }
    if let Some(value) = t("alternateEmail") {
        emails.push(Email { value, kind: Some("other".to_owned()), primary: false });
    }
    // JumpCloud has `state` and `suspended`; the canonical user only knows active or not.
    let active = match (t("state").as_deref(), u.get("suspended").and_then(Value::as_bool)) {
        (Some("SUSPENDED"), _) | (_, Some(true)) => Some(false),
        (Some("ACTIVATED"), _) | (_, Some(false)) => Some(true),
        _ => None,
    };
    let mut extra: Map<String, Value> =
        u.iter().filter(|(k, _)| !MODELLED.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
    if t("state").as_deref() == Some("STAGED") {
        extra.insert("state".to_owned(), Value::String("STAGED".to_owned()));
    }
    User {
        user_name: t("username"),
        given_name: t("firstname"),
        family_name: t("lastname"),
        middle_name: t("middlename"),
        display_name: t("displayname"),
        title: t("jobTitle"),
        user_type: t("employeeType"),
        active,
        password: t("password"),
        emails,
        phones: list(u, "phoneNumbers").filter_map(|p| Phone::from_json(p, "number")).collect(),
        addresses: list(u, "addresses").map(Address::from_json).collect(),
        employee_number: t("employeeIdentifier"),
        cost_center: t("costCenter"),
        organization: t("company"),
        department: t("department"),
        manager: t("manager"),
        location: t("location"),
        description: t("description"),
        attributes: list(u, "attributes").filter_map(|a| Some((text(a.get("name"))?, text(a.get("value"))?))).collect(),
        extra,
        ..User::default()
    }
}
