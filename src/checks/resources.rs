//! Users and Groups in bulk `data` (RFC 7643 §4), and Oracle HCM's Roles membership PATCH.

use super::{Ctx, Expected, Ptr, check_type, expect_type, type_name};
use crate::diag::Code;
use crate::payload::{oracle, scim};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// A whole resource (POST, PUT); `creating` for a POST.
    Full { creating: bool },
    /// Oracle HCM's partial-resource PATCH: only what is present is checked.
    Partial,
}

/// One pass over the user's members (objects are B-trees: repeated lookups were the main cost).
pub(super) fn check_user(user: &Map<String, Value>, mode: Mode, pointer: &Ptr<'_>, ctx: &mut Ctx<'_>) {
    check_user_schema(user, mode, pointer, ctx);
    let mut user_name = None;
    for (key, value) in user {
        match key.as_str() {
            "userName" => user_name = Some(value),
            "id" => check_id(value, mode, pointer, ctx),
            "active" => {
                check_type(ctx, key, value, pointer, Expected::Bool);
            }
            "externalId" | "displayName" | "nickName" | "title" | "password" | "userType" | "locale" | "timezone" => {
                check_type(ctx, key, value, pointer, Expected::String);
            }
            "name" => {
                check_type(ctx, key, value, pointer, Expected::Object);
            }
            "emails" if check_type(ctx, key, value, pointer, Expected::Array) => {
                check_emails(value, pointer, ctx);
            }
            scim::ENTERPRISE_USER_URN => check_enterprise(value, pointer, ctx),
            _ => {}
        }
    }
    if mode != Mode::Partial && user_name.and_then(Value::as_str).is_none_or(|n| n.trim().is_empty()) {
        let message = match user_name {
            Some(v) if !v.is_string() => format!("`userName` must be a string, not {}.", type_name(v)),
            _ => "Every User needs a non-empty `userName`, unique across the service provider.".to_owned(),
        };
        ctx.report(Code::UserNameMissing, &pointer.key("userName"), Some("userName"), message);
    }
}

fn check_enterprise(enterprise: &Value, pointer: &Ptr<'_>, ctx: &mut Ctx<'_>) {
    let at = pointer.key(scim::ENTERPRISE_USER_URN);
    let Some(ext) = enterprise.as_object() else {
        ctx.report(
            Code::TypeMismatch,
            &at,
            Some("enterprise extension"),
            format!("The enterprise extension must be an object, not {}.", type_name(enterprise)),
        );
        return;
    };
    for (key, value) in ext {
        match key.as_str() {
            "employeeNumber" | "costCenter" | "organization" | "division" | "department" => {
                check_type(ctx, key, value, &at, Expected::String);
            }
            "manager" if check_type(ctx, key, value, &at, Expected::Object) => {
                check_manager(value, &at.key("manager"), ctx);
            }
            _ => {}
        }
    }
}

/// RFC 7643 §4.3: a manager has `value` (the manager's id) and `$ref` (its URI), both REQUIRED.
fn check_manager(manager: &Value, pointer: &Ptr<'_>, ctx: &mut Ctx<'_>) {
    let Some(manager) = manager.as_object() else { return };
    let value = manager.get("value").and_then(Value::as_str);
    if value.is_some() && !manager.contains_key("$ref") {
        ctx.report(
            Code::ManagerRefMissing,
            &pointer.key("$ref"),
            Some("manager.$ref"),
            "RFC 7643 §4.3 requires `$ref` beside the manager's `value`, and strict servers refuse it without: add \"$ref\": \"../Users/<the same id or bulkId:…>\".",
        );
    }
}

fn check_user_schema(user: &Map<String, Value>, mode: Mode, pointer: &Ptr<'_>, ctx: &mut Ctx<'_>) {
    let schemas = user.get("schemas").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    let has = |urn: &str| schemas.iter().any(|s| s.as_str() == Some(urn));
    let at = pointer.key("schemas");
    let (own, other) =
        if ctx.is_oracle() { (oracle::USER_URN, scim::USER_URN) } else { (scim::USER_URN, oracle::USER_URN) };
    if has(own) {
        return;
    }
    if has(other) {
        let (code, message) = if ctx.is_oracle() {
            (
                Code::UserRfcUrnInOracle,
                format!(
                    "Oracle HCM expects the User schema \"{}\", not the RFC 7643 \"{}\".",
                    oracle::USER_URN,
                    scim::USER_URN
                ),
            )
        } else {
            (
                Code::UserOracleUrn,
                format!(
                    "\"{}\" is Oracle HCM's User URN; an RFC 7643 server expects \"{}\". Validate as Oracle (format \"oracle\") if the target is Oracle HCM.",
                    oracle::USER_URN,
                    scim::USER_URN
                ),
            )
        };
        ctx.report(code, &at, Some("schemas"), message);
    } else if mode != Mode::Partial {
        ctx.report(
            Code::ResourceSchemaMissing,
            &at,
            Some("schemas"),
            format!("A User's `schemas` must contain \"{own}\"."),
        );
    }
}

/// RFC 7643 §3.1: ids are issued by the server and never contain the reserved word "bulkId".
fn check_id(id: &Value, mode: Mode, pointer: &Ptr<'_>, ctx: &mut Ctx<'_>) {
    let at = pointer.key("id");
    if id.as_str().is_some_and(|id| id.contains("bulkId")) {
        ctx.report(
            Code::OpIdReserved,
            &at,
            Some("id"),
            "\"bulkId\" is a reserved word (RFC 7643 §3.1) and may not appear in an `id`; use `bulkId` on the operation instead.",
        );
    } else if mode == (Mode::Full { creating: true }) {
        ctx.report(
            Code::OpIdReserved,
            &at,
            Some("id"),
            "The server assigns `id` (RFC 7643 §3.1); leave it out of a POST and use `externalId` for your own identifier.",
        );
    }
}

fn check_emails(emails: &Value, pointer: &Ptr<'_>, ctx: &mut Ctx<'_>) {
    let Some(emails) = emails.as_array() else { return };
    let base = pointer.key("emails");
    let mut first_primary: Option<usize> = None;
    for (i, email) in emails.iter().enumerate() {
        let at = base.index(i);
        let Some(email) = email.as_object() else {
            ctx.report(Code::TypeMismatch, &at, Some("emails"), "Each email must be an object with `value`.");
            continue;
        };
        let field = format_args!("emails[{i}].value");
        match email.get("value") {
            Some(Value::String(address)) => check_email_address(address, &at.key("value"), field, ctx),
            _ => ctx.report(
                Code::EmailInvalid,
                &at.key("value"),
                Some(&field.to_string()),
                "Each email needs a `value`: the address.",
            ),
        }
        if email.get("primary") == Some(&Value::Bool(true)) {
            match first_primary {
                Some(first) => ctx.report(
                    Code::EmailPrimaryMultiple,
                    &at.key("primary"),
                    Some(&format!("emails[{i}].primary")),
                    format!("Email {} is also marked primary (as email {} is); only one may be.", i + 1, first + 1),
                ),
                None => first_primary = Some(i),
            }
        }
        expect_type(ctx, email, "primary", &at, Expected::Bool);
        check_email_type(email, &at, i, ctx);
    }
}

fn check_email_type(email: &Map<String, Value>, pointer: &Ptr<'_>, i: usize, ctx: &mut Ctx<'_>) {
    let Some(kind) = email.get("type").and_then(Value::as_str) else {
        return;
    };
    let field = || Some(format!("emails[{i}].type"));
    let at = pointer.key("type");
    if ctx.is_oracle() && kind.eq_ignore_ascii_case("work") {
        ctx.report(
            Code::EmailTypeDialect,
            &at,
            field().as_deref(),
            format!("Oracle HCM codes a work email as \"{}\", not \"{kind}\".", oracle::EMAIL_TYPE_WORK),
        );
    } else if !ctx.is_oracle() && kind == oracle::EMAIL_TYPE_WORK {
        ctx.report(
            Code::EmailTypeDialect,
            &at,
            field().as_deref(),
            "\"W\" is Oracle HCM's code for a work email; RFC 7643 uses \"work\" (or \"home\", \"other\").",
        );
    }
}

/// Email syntax (RFC 5321/5322), shared by every dialect and the spreadsheet rules.
pub(crate) fn check_email_address(address: &str, pointer: &Ptr<'_>, field: impl std::fmt::Display, ctx: &mut Ctx<'_>) {
    if !is_valid_email(address) {
        ctx.report(
            Code::EmailInvalid,
            pointer,
            Some(&field.to_string()),
            format!("`{field}` is not a valid email address; write it as name@example.com."),
        );
    }
}

pub(crate) fn is_valid_email(address: &str) -> bool {
    plainly_valid_email(address)
        || (crate::unicode::trim(address) == address && email_address::EmailAddress::is_valid(address))
}

/// The everyday address (`jane.doe+hr@mail.example.com`: ASCII letters, digits and a few marks),
/// which `email_address` accepts, told in one pass over the bytes. The crate decides every other
/// address; it walks each one char by char and copies it, a tenth of checking a sheet.
fn plainly_valid_email(address: &str) -> bool {
    let bytes = address.as_bytes();
    let Some(at) = memchr::memchr(b'@', bytes) else { return false };
    let (local, domain) = (bytes.get(..at).unwrap_or_default(), bytes.get(at + 1..).unwrap_or_default());
    if !(1..=64).contains(&local.len()) || !(1..=254).contains(&domain.len()) {
        return false;
    }
    // Dot-separated atoms, none empty.
    let mut after_dot = true;
    for &b in local {
        match b {
            b'.' if after_dot => return false,
            b'.' => after_dot = true,
            _ if LOCAL_BYTES[usize::from(b)] => after_dot = false,
            _ => return false,
        }
    }
    if after_dot {
        return false;
    }
    // Dot-separated labels of 1 to 63 letters, digits and hyphens, neither starting nor ending
    // with a hyphen.
    let (mut label, mut last) = (0usize, b'.');
    for &b in domain {
        match b {
            b'.' if label == 0 || last == b'-' => return false,
            b'.' => label = 0,
            b'-' if label == 0 => return false,
            _ if b.is_ascii_alphanumeric() || b == b'-' => {
                label += 1;
                if label > 63 {
                    return false;
                }
            }
            _ => return false,
        }
        last = b;
    }
    label > 0 && last != b'-'
}

/// The bytes of a dot-atom's atoms (RFC 5322 `atext`, ASCII only).
const LOCAL_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let marks = b"!#$%&'*+-/=?^_`{|}~";
    let mut b = 0;
    while b < 256 {
        table[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    let mut i = 0;
    while i < marks.len() {
        table[marks[i] as usize] = true;
        i += 1;
    }
    table
};

pub(super) fn check_group(group: &Map<String, Value>, pointer: &Ptr<'_>, ctx: &mut Ctx<'_>) {
    let has_urn = group
        .get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|s| s.as_str() == Some(scim::GROUP_URN)));
    if !has_urn {
        ctx.report(
            Code::ResourceSchemaMissing,
            &pointer.key("schemas"),
            Some("schemas"),
            format!("A Group's `schemas` must contain \"{}\".", scim::GROUP_URN),
        );
    }
    if group.get("displayName").and_then(Value::as_str).is_none_or(|n| n.trim().is_empty()) {
        ctx.report(
            Code::GroupDisplayNameMissing,
            &pointer.key("displayName"),
            Some("displayName"),
            "Every Group needs a non-empty `displayName`.",
        );
    }
    if let Some(id) = group.get("id") {
        check_id(id, Mode::Full { creating: false }, pointer, ctx);
    }
    if expect_type(ctx, group, "members", pointer, Expected::Array) {
        let base = pointer.key("members");
        for (i, member) in group.get("members").and_then(Value::as_array).into_iter().flatten().enumerate() {
            if !member.get("value").is_some_and(Value::is_string) {
                ctx.report(
                    Code::TypeMismatch,
                    &base.index(i).key("value"),
                    Some(&format!("members[{i}].value")),
                    "Each member needs a `value`: the member's id, or bulkId:… for one created in this request.",
                );
            }
        }
    }
}

/// Oracle HCM `PATCH /Roles/{id}`: `{"members": [{"value": …, "operation": "ADD" | "REMOVE"}]}`.
pub(super) fn check_oracle_roles(data: &Map<String, Value>, pointer: &Ptr<'_>, ctx: &mut Ctx<'_>) {
    let Some(members) = data.get("members").and_then(Value::as_array).filter(|m| !m.is_empty()) else {
        ctx.report(
            Code::OracleRoleMembersInvalid,
            &pointer.key("members"),
            Some("members"),
            "An Oracle HCM Roles PATCH needs `members`: [{\"value\": \"<user GUID>\", \"operation\": \"ADD\"}].",
        );
        return;
    };
    let base = pointer.key("members");
    for (i, member) in members.iter().enumerate() {
        let at = base.index(i);
        let value_ok = member.get("value").and_then(Value::as_str).is_some_and(|v| !v.is_empty());
        let operation = member.get("operation").and_then(Value::as_str);
        if !value_ok {
            ctx.report(
                Code::OracleRoleMembersInvalid,
                &at.key("value"),
                Some(&format!("members[{i}].value")),
                "Each role member needs a `value`: the user's GUID.",
            );
        }
        if !matches!(operation, Some("ADD" | "REMOVE")) {
            let hint = match operation {
                Some(op) if matches!(op.to_ascii_uppercase().as_str(), "ADD" | "REMOVE") => {
                    format!(" Oracle HCM expects capitals: \"{}\".", op.to_ascii_uppercase())
                }
                _ => String::new(),
            };
            ctx.report(
                Code::OracleRoleMembersInvalid,
                &at.key("operation"),
                Some(&format!("members[{i}].operation")),
                format!("`operation` must be \"ADD\" or \"REMOVE\".{hint}"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crate_accepts(address: &str) -> bool {
        email_address::EmailAddress::is_valid(address)
    }

    #[test]
    fn the_quick_email_path_accepts_only_what_the_crate_accepts() {
        // Every text of up to six symbols from an alphabet of the bytes that matter.
        let alphabet = ["a", "0", ".", "@", "-", "+", "\"", "é", "<"];
        let mut texts = vec![String::new()];
        let mut quick = 0;
        for _ in 0..6 {
            texts = texts.iter().flat_map(|t| alphabet.map(|s| format!("{t}{s}"))).collect();
            for text in &texts {
                if plainly_valid_email(text) {
                    quick += 1;
                    assert!(crate_accepts(text), "{text:?}");
                }
            }
        }
        assert!(quick > 1000, "the quick path took only {quick} texts");
    }

    #[test]
    fn the_quick_email_path_keeps_the_crate_length_limits() {
        let label = |n: usize| "a".repeat(n);
        let domain = |labels: usize, n: usize| vec![label(n); labels].join(".");
        for address in [
            format!("{}@example.com", label(64)),
            format!("{}@example.com", label(65)),
            format!("jdoe@{}.com", label(63)),
            format!("jdoe@{}.com", label(64)),
            format!("jdoe@{}", domain(4, 63) + ".a"),  // 254
            format!("jdoe@{}", domain(4, 63) + ".ab"), // 255
        ] {
            assert_eq!(plainly_valid_email(&address), crate_accepts(&address), "{} bytes", address.len());
        }
    }

    #[test]
    fn everyday_addresses_take_the_quick_path() {
        for address in ["user1@example.com", "jane.doe+hr@mail.example-co.com", "O'Brien@x.ie", "a@localhost"] {
            assert!(plainly_valid_email(address) && crate_accepts(address), "{address}");
        }
        for address in ["user1.example.com", "Jane <jane@example.com>", "\"j d\"@example.com", "zoë@example.com"] {
            assert!(!plainly_valid_email(address), "{address}");
            assert_eq!(is_valid_email(address), crate_accepts(address), "{address}");
        }
    }
}
