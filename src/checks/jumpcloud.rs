//! JumpCloud bulk users: `POST /bulk/users` (create) and `PATCH /bulk/users` (update) bodies,
//! checked against the V1 system-user rules (`shared/reference/jumpcloud-bulk.md` §2–3).

use super::resources::check_email_address;
use super::unique::{Key, Place, Seen};
use super::{Ctx, Expected, Ptr, check_type, type_name};
use crate::diag::Code;
use crate::options::{Format, PasswordPolicy};
use serde_json::{Map, Value};

/// The longest text a string field may hold (JumpCloud enforces 1024 on update; muster on both),
/// or `None` when the field is not a plain string field.
pub(crate) fn string_limit(field: &str) -> Option<usize> {
    match field {
        "username" | "email" | "firstname" | "lastname" | "middlename" | "displayname" | "jobTitle" | "department"
        | "company" | "costCenter" | "employeeType" | "location" | "description" | "managedAppleId" => Some(1024),
        "employeeIdentifier" => Some(256),
        "password"
        | "alternateEmail"
        | "manager"
        | "public_key"
        | "external_dn"
        | "external_source_type"
        | "external_password_expiration_date" => Some(usize::MAX),
        _ => None,
    }
}

fn is_boolean_field(field: &str) -> bool {
    matches!(
        field,
        "suspended"
            | "account_locked"
            | "activated"
            | "allow_public_key"
            | "sudo"
            | "passwordless_sudo"
            | "enable_managed_uid"
            | "enable_user_portal_multifactor"
            | "ldap_binding_user"
            | "samba_service_user"
            | "password_never_expires"
            | "disableDeviceMaxLoginAttempts"
            | "externally_managed"
    )
}

/// Fields JumpCloud returns but ignores or rejects on input (systemuserreturn); on create also
/// `id` and `organization`, which POST ignores.
fn is_read_only(field: &str, creating: bool) -> bool {
    matches!(
        field,
        "_id"
            | "created"
            | "badLoginAttempts"
            | "password_date"
            | "password_expired"
            | "password_expiration_date"
            | "totp_enabled"
            | "mfaEnrollment"
            | "mfaData"
            | "account_locked_date"
            | "creationSource"
            | "admin"
    ) || (creating && matches!(field, "id" | "organization"))
}

pub(super) fn check(body: &Value, ctx: &mut Ctx<'_>) -> u64 {
    let creating = ctx.format == Format::JumpcloudCreate;
    let Some(users) = body.as_array().filter(|users| !users.is_empty()) else {
        ctx.report(
            Code::JcNotArray,
            &"",
            None,
            format!(
                "A JumpCloud bulk body must be a non-empty JSON array of users, for example [{{\"username\": \"jdoe\", \"email\": \"jdoe@example.com\"}}]; this is {}.",
                if body.is_array() { "an empty array" } else { type_name(body) }
            ),
        );
        return 0;
    };
    let mut seen = Seen::new(ctx.output);
    let root = Ptr::new("");
    for (index, user) in users.iter().enumerate() {
        let pointer = root.index(index);
        match user.as_object() {
            Some(user) => check_user(user, index, &pointer, creating, &mut seen, ctx),
            None => ctx.report(
                Code::JcNotArray,
                &pointer,
                None,
                format!("User {} must be a JSON object, not {}.", index + 1, type_name(user)),
            ),
        }
    }
    users.len() as u64
}

/// One pass over the user's members (objects are B-trees: repeated lookups were the main cost).
fn check_user(
    user: &Map<String, Value>,
    index: usize,
    pointer: &Ptr<'_>,
    creating: bool,
    seen: &mut Seen,
    ctx: &mut Ctx<'_>,
) {
    check_required(user, pointer, creating, ctx);
    check_state(user, pointer, creating, ctx);
    let place = Place::new(index, 0);
    for (key, value) in user {
        let field = key.as_str();
        if let Some(limit) = string_limit(field) {
            if check_type(ctx, field, value, pointer, Expected::String) {
                check_length(value, limit, field, pointer, ctx);
            }
        } else if is_boolean_field(field) {
            check_type(ctx, field, value, pointer, Expected::Bool);
        }
        if is_read_only(field, creating) {
            ctx.report(
                Code::JcReadOnlyField,
                &pointer.key(field),
                Some(field),
                format!("`{field}` is set by JumpCloud and is ignored or refused on input; muster leaves it out."),
            );
        }
        match (field, value) {
            ("unix_uid" | "unix_guid", _) => check_positive(Some(value), &pointer.key(field), field, ctx),
            ("mfa", Value::Object(mfa)) => check_positive(
                mfa.get("exclusionDays"),
                &pointer.key("mfa").key("exclusionDays"),
                "mfa.exclusionDays",
                ctx,
            ),
            ("mfa", _) => {
                check_type(ctx, field, value, pointer, Expected::Object);
            }
            ("attributes", _) => check_attributes(value, pointer, ctx),
            ("addresses" | "phoneNumbers", _) => check_nested_ids(field, value, pointer, ctx),
            ("username", Value::String(username)) => {
                check_username(username, &pointer.key("username"), ctx);
                seen.note(Key::UserName, username, place, ctx);
            }
            ("email", Value::String(address)) => {
                if !address.is_empty() {
                    check_email_address(address, &pointer.key(field), field, ctx);
                }
                seen.note(Key::Email, address, place, ctx);
            }
            ("alternateEmail", Value::String(address)) if !address.is_empty() => {
                check_email_address(address, &pointer.key(field), field, ctx);
            }
            ("recoveryEmail", _) => {
                if let Some(address) = value.get("address").and_then(Value::as_str) {
                    let recovery = pointer.key("recoveryEmail");
                    let at = recovery.key("address");
                    check_email_address(address, &at, "recoveryEmail.address", ctx);
                }
            }
            // JumpCloud relates a manager by id; its own CSV import looks usernames up first.
            ("manager", Value::String(manager)) if !manager.is_empty() && !is_object_id(manager) => ctx.report(
                Code::JcIdInvalid,
                &pointer.key(field),
                Some(field),
                "`manager` must be the manager's 24-character hexadecimal ObjectId, for example 5f0c1b2e3d4a5b6c7d8e9f01: JumpCloud does not look a username or email up here. Give the manager's id, or leave the manager out.",
            ),
            ("employeeIdentifier", Value::String(employee)) => seen.note(Key::EmployeeId, employee, place, ctx),
            ("password", Value::String(password)) => check_password(password, user, pointer, ctx),
            _ => {}
        }
    }
}

fn check_password(password: &str, user: &Map<String, Value>, pointer: &Ptr<'_>, ctx: &mut Ctx<'_>) {
    let Some(policy) = &ctx.options.password_policy else { return };
    let username = user.get("username").and_then(Value::as_str);
    if let Some(problem) = policy_violation(policy, password, username) {
        ctx.report(
            Code::JcPasswordPolicy,
            &pointer.key("password"),
            Some("password"),
            format!("The password {problem}, as the organisation's password policy requires."),
        );
    }
}

fn check_length(value: &Value, limit: usize, field: &str, pointer: &Ptr<'_>, ctx: &mut Ctx<'_>) {
    let Some(text) = value.as_str() else { return };
    // Byte length bounds the character count: skip counting short values.
    if text.len() <= limit {
        return;
    }
    let length = text.chars().count();
    if length > limit {
        ctx.report(
            Code::JcTooLong,
            &pointer.key(field),
            Some(field),
            format!("`{field}` is {length} characters long; JumpCloud accepts at most {limit}."),
        );
    }
}

fn check_required(user: &Map<String, Value>, pointer: &Ptr<'_>, creating: bool, ctx: &mut Ctx<'_>) {
    let present = |key: &str| user.get(key).and_then(Value::as_str).is_some_and(|v| !v.trim().is_empty());
    if creating {
        for key in ["username", "email"] {
            if !present(key) {
                ctx.report(
                    Code::JcRequiredMissing,
                    &pointer.key(key),
                    Some(key),
                    format!("Creating a JumpCloud user needs a non-empty `{key}`."),
                );
            }
        }
        return;
    }
    let at = pointer.key("id");
    match user.get("id").and_then(Value::as_str) {
        None => ctx.report(
            Code::JcRequiredMissing,
            &at,
            Some("id"),
            "Updating a JumpCloud user needs its `id` (the 24-character ObjectId shown in the console URL).",
        ),
        Some(id) if !is_object_id(id) => ctx.report(
            Code::JcIdInvalid,
            &at,
            Some("id"),
            "`id` must be a 24-character hexadecimal ObjectId, for example 5f0c1b2e3d4a5b6c7d8e9f01.",
        ),
        Some(_) => {}
    }
}

pub(crate) fn is_object_id(id: &str) -> bool {
    id.len() == 24 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

fn check_nested_ids(list: &str, items: &Value, pointer: &Ptr<'_>, ctx: &mut Ctx<'_>) {
    if !check_type(ctx, list, items, pointer, Expected::Array) {
        return;
    }
    for (i, item) in items.as_array().into_iter().flatten().enumerate() {
        for key in ["_id", "id"] {
            if item.get(key).is_some() {
                ctx.report(
                    Code::JcReadOnlyField,
                    &pointer.key(list).index(i).key(key),
                    Some(&format!("{list}[{i}].{key}")),
                    format!(
                        "`{key}` inside {list} is assigned by JumpCloud and refused on input; muster leaves it out."
                    ),
                );
            }
        }
    }
}

fn check_state(user: &Map<String, Value>, pointer: &Ptr<'_>, creating: bool, ctx: &mut Ctx<'_>) {
    let allowed: &[&str] = if creating { &["STAGED", "ACTIVATED", "SUSPENDED"] } else { &["ACTIVATED", "SUSPENDED"] };
    let state = user.get("state");
    let at = pointer.key("state");
    if let Some(state) = state
        && !state.as_str().is_some_and(|s| allowed.contains(&s))
    {
        let extra =
            if !creating && state.as_str() == Some("STAGED") { " A user cannot be moved back to STAGED." } else { "" };
        ctx.report(
            Code::JcStateInvalid,
            &at,
            Some("state"),
            format!(
                "`state` must be one of {} when {}.{extra}",
                allowed.join(", "),
                if creating { "creating" } else { "updating" }
            ),
        );
    }
    let suspended = user.get("suspended").and_then(Value::as_bool);
    let conflict = matches!(
        (state.and_then(Value::as_str), suspended),
        (Some("STAGED" | "ACTIVATED"), Some(true)) | (Some("SUSPENDED"), Some(false))
    );
    if conflict {
        ctx.report(
            Code::JcStateConflict,
            &pointer.key("suspended"),
            Some("suspended"),
            "`suspended` contradicts `state`: use state SUSPENDED with suspended true (or leave suspended out).",
        );
    }
}

fn check_positive(value: Option<&Value>, pointer: &Ptr<'_>, field: &str, ctx: &mut Ctx<'_>) {
    let Some(value) = value else { return };
    if value.as_u64().is_none_or(|n| n < 1) {
        ctx.report(
            Code::JcNumberInvalid,
            pointer,
            Some(field),
            format!("`{field}` must be a whole number of at least 1."),
        );
    }
}

fn check_attributes(attributes: &Value, pointer: &Ptr<'_>, ctx: &mut Ctx<'_>) {
    if !check_type(ctx, "attributes", attributes, pointer, Expected::Array) {
        return;
    }
    let base = pointer.key("attributes");
    for (i, attribute) in attributes.as_array().into_iter().flatten().enumerate() {
        let at = base.index(i);
        let name = attribute.get("name").and_then(Value::as_str).unwrap_or("");
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric()) {
            ctx.report(
                Code::JcAttributeInvalid,
                &at.key("name"),
                Some(&format!("attributes[{i}].name")),
                "A custom attribute name may only contain letters and digits (no spaces, dots or dashes).",
            );
        }
        match attribute.get("value") {
            Some(Value::String(v)) if !v.is_empty() && v.chars().count() <= ATTRIBUTE_VALUE_MAX => {}
            Some(Value::String(v)) if !v.is_empty() => ctx.report(
                Code::JcTooLong,
                &at.key("value"),
                Some(&format!("attributes[{i}].value")),
                "A custom attribute value may be at most 1024 characters long.",
            ),
            _ => ctx.report(
                Code::JcAttributeInvalid,
                &at.key("value"),
                Some(&format!("attributes[{i}].value")),
                "A custom attribute needs a non-empty text `value`; remove attributes you have no value for.",
            ),
        }
    }
}

/// JumpCloud's username conventions: hard errors for what breaks device accounts, a warning for
/// what only Windows refuses.
fn check_username(username: &str, pointer: &Ptr<'_>, ctx: &mut Ctx<'_>) {
    if let Some(problem) = username_problem(username) {
        ctx.report(Code::JcUsernameInvalid, pointer, Some("username"), format!("The username {problem}."));
    } else if username.chars().count() > USERNAME_WINDOWS_MAX {
        ctx.report(
            Code::JcUsernameLong,
            pointer,
            Some("username"),
            format!("The username has {} characters; Windows devices accept at most 20.", username.chars().count()),
        );
    }
}

/// The longest custom attribute value JumpCloud accepts, in characters.
pub(crate) const ATTRIBUTE_VALUE_MAX: usize = 1024;

/// The longest username Windows devices accept.
pub(crate) const USERNAME_WINDOWS_MAX: usize = 20;

/// What makes `username` break device accounts, if anything.
pub(crate) fn username_problem(username: &str) -> Option<&'static str> {
    if !username.chars().next().is_some_and(char::is_alphabetic) {
        Some("must start with a letter")
    } else if username.chars().any(char::is_whitespace) {
        Some("may not contain spaces")
    } else if username.contains('@') {
        Some("may not contain @ (put the address in `email`)")
    } else {
        None
    }
}

/// What the password lacks, if anything. Never echoes the password.
fn policy_violation(policy: &PasswordPolicy, password: &str, username: Option<&str>) -> Option<String> {
    if let Some(min) = policy.min_length.filter(|&min| password.chars().count() < min) {
        return Some(format!("must be at least {min} characters long"));
    }
    let lacks = [
        (policy.needs_lowercase, password.chars().any(char::is_lowercase), "a lowercase letter"),
        (policy.needs_uppercase, password.chars().any(char::is_uppercase), "an uppercase letter"),
        (policy.needs_numeric, password.chars().any(|c| c.is_ascii_digit()), "a digit"),
        (policy.needs_symbolic, password.chars().any(|c| !c.is_alphanumeric()), "a symbol"),
    ];
    if let Some((_, _, what)) = lacks.iter().find(|(needed, has, _)| *needed && !has) {
        return Some(format!("must contain {what}"));
    }
    let forbids_username = policy.allow_username_substring == Some(false);
    match username {
        Some(name)
            if forbids_username && !name.is_empty() && password.to_lowercase().contains(&name.to_lowercase()) =>
        {
            Some("may not contain the username".to_owned())
        }
        _ => None,
    }
}
