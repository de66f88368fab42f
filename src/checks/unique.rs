//! Duplicates within one batch: userName, email, externalId and employee number. Each finding
//! names both places, so the user can decide which one to fix.

use super::{Ctx, push_token};
use crate::diag::Code;
use crate::payload::scim;
use serde_json::{Map, Value};
use std::collections::HashMap;
use unicode_normalization::UnicodeNormalization;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    UserName,
    Email,
    ExternalId,
    EmployeeId,
}

impl Key {
    fn code(self) -> Code {
        match self {
            Key::UserName => Code::DuplicateUserName,
            Key::Email => Code::DuplicateEmail,
            Key::ExternalId => Code::DuplicateExternalId,
            Key::EmployeeId => Code::DuplicateEmployeeId,
        }
    }

    /// userNames and emails compare case-insensitively (RFC 7643 §4.1, JumpCloud lowercases
    /// emails); userNames also after NFKC, so "ｊｄｏｅ" and "jdoe" collide as they would upstream.
    fn normalise(self, raw: &str) -> String {
        let raw = raw.trim();
        match self {
            Key::UserName | Key::Email if raw.is_ascii() => raw.to_ascii_lowercase(),
            Key::UserName | Key::Email => raw.nfkc().collect::<String>().to_lowercase(),
            Key::ExternalId | Key::EmployeeId => raw.to_owned(),
        }
    }

    fn rule(self) -> &'static str {
        match self {
            Key::UserName => "userNames must be unique, ignoring case",
            Key::Email => "email addresses must be unique, ignoring case",
            Key::ExternalId => "externalIds must be unique",
            Key::EmployeeId => "employee numbers must be unique",
        }
    }
}

/// The first place each value was seen.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    first: HashMap<(Key, String), (usize, String)>,
}

impl Seen {
    /// Notes `raw` (found at `pointer`, in the `index`th record) and reports it if an earlier record
    /// had the same value. Empty values are never duplicates.
    pub(crate) fn note(&mut self, key: Key, raw: &str, index: usize, pointer: &str, field: &str, ctx: &mut Ctx<'_>) {
        if raw.trim().is_empty() {
            return;
        }
        match self.first.entry((key, key.normalise(raw))) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert((index, pointer.to_owned()));
            }
            std::collections::hash_map::Entry::Occupied(first) => {
                let (first_index, first_pointer) = first.get();
                if *first_index == index {
                    return; // the same record listing a value twice is not a batch duplicate
                }
                let noun = if ctx.format.is_jumpcloud() { "user" } else { "operation" };
                ctx.report(
                    key.code(),
                    pointer,
                    Some(field),
                    format!(
                        "`{field}` in {noun} {} repeats the value of {noun} {} ({first_pointer}); {}.",
                        index + 1,
                        first_index + 1,
                        key.rule()
                    ),
                );
            }
        }
    }

    /// Notes the unique keys of a SCIM User.
    pub(super) fn record(&mut self, user: &Map<String, Value>, pointer: &str, index: usize, ctx: &mut Ctx<'_>) {
        if let Some(name) = user.get("userName").and_then(Value::as_str) {
            self.note(Key::UserName, name, index, &push_token(pointer, "userName"), "userName", ctx);
        }
        if let Some(id) = user.get("externalId").and_then(Value::as_str) {
            self.note(Key::ExternalId, id, index, &push_token(pointer, "externalId"), "externalId", ctx);
        }
        let emails = user.get("emails").and_then(Value::as_array).into_iter().flatten();
        for (i, email) in emails.enumerate() {
            if let Some(address) = email.get("value").and_then(Value::as_str) {
                let at = push_token(&push_token(&push_token(pointer, "emails"), i), "value");
                self.note(Key::Email, address, index, &at, &format!("emails[{i}].value"), ctx);
            }
        }
        let employee =
            user.get(scim::ENTERPRISE_USER_URN).and_then(|e| e.get("employeeNumber")).and_then(Value::as_str);
        if let Some(number) = employee {
            let at = push_token(&push_token(pointer, scim::ENTERPRISE_USER_URN), "employeeNumber");
            self.note(Key::EmployeeId, number, index, &at, "employeeNumber", ctx);
        }
    }
}
