//! Records of a sheet whose part of the body the target's own rules would pass. Checking a sheet
//! without sending it (`muster validate`, the npm `validate`, a stream without a body) needs only
//! the findings: such records are not written into the body at all (its JSON is two thirds of
//! what checking a row allocates); the others are written and walked by the rules as before
//! ([`write_some`](crate::payload::convert::write_some)).
//!
//! The test is conservative. It may say a record needs writing where the rules would pass; it
//! must never leave out a record the rules would find something in, or change what they find in
//! the records written (a record left out must not be one they refer to, or be needed to see a
//! reference cycle). Each condition names the rule it stands for, and the tests below hold it to
//! that on random parts.

use crate::checks::{
    ATTRIBUTE_VALUE_MAX, USERNAME_WINDOWS_MAX, is_object_id, is_valid_email, string_limit, username_problem,
};
use crate::options::Format;
use crate::payload::convert::carries;
use crate::payload::oracle::EMAIL_TYPE_WORK;
use crate::payload::scim::BULK_ID_PREFIX;
use crate::records::sheet::{referenced_row, row_bulk_id};
use crate::records::view::{TextField, UserView};
use crate::records::{Action, Address, Email, Phone, Record, User};
use crate::refs::reference_target;
use std::ops::RangeInclusive;

/// Which of `records` must be written for the target's rules to see what they would find.
pub(super) struct ToWrite {
    /// Record i is written.
    pub(super) write: Vec<bool>,
    /// Record i is written, and its SCIM manager names a user the whole body creates earlier or
    /// another part does: its `ref-unknown-bulk-id` findings (the manager's, as it has no other
    /// reference) only say that user was left out of the body, and are not findings.
    pub(super) manager_known: Vec<bool>,
}

/// Which of `records` (from the sheet rows `rows`, record i from row `rows[i]`) must be written
/// for the target's rules to see what they would find; `None` when all must (the whole part is
/// then written, as for a body that is sent).
pub(super) fn to_write(records: &[Record], rows: &[u64], target: Format) -> Option<ToWrite> {
    match target {
        Format::JumpcloudCreate | Format::JumpcloudUpdate => {
            let creating = target == Format::JumpcloudCreate;
            // A part with a record of the other kind (which the writer leaves out) is written
            // whole: rare, and then exact without more thought.
            if records.iter().any(|r| !carries(target, &r.action)) {
                return None;
            }
            let write = records.iter().map(|r| !jumpcloud_passes(r, creating)).collect();
            Some(ToWrite { write, manager_known: Vec::new() })
        }
        Format::Scim | Format::Oracle | Format::Auto => {
            let part = rows.first().copied().unwrap_or(0)..=rows.last().copied().unwrap_or(0);
            let oracle = target == Format::Oracle;
            let mut write = Vec::with_capacity(records.len());
            let mut manager_known = Vec::with_capacity(records.len());
            for (i, record) in records.iter().enumerate() {
                // Only POSTs: a PATCH's path and PatchOp have rules of their own.
                if !matches!(record.action, Action::Create { .. }) {
                    return None;
                }
                let u = &record.user;
                let manager = u.manager.as_deref().filter(|_| !oracle); // Oracle HCM gets no manager
                let text_refers = any_text_refers(u);
                let manager_passes = manager.is_none_or(|m| manager_passes(m, i, records, rows, &part));
                let passes = user_passes(u, oracle) && !text_refers && manager_passes;
                // A record the rules find something in is written. One whose references are not
                // all known good makes the whole part written: the records referred to would have
                // to be, and what the rules say about those references names operations by position.
                if !passes && (text_refers || !manager_passes) {
                    return None;
                }
                write.push(!passes);
                manager_known.push(!passes && manager.is_some_and(refers_to));
            }
            Some(ToWrite { write, manager_known })
        }
    }
}

/// The rules of one SCIM or Oracle HCM user.
pub(super) fn user_passes(u: &impl UserView, oracle: bool) -> bool {
    // user-name-missing
    u.user_name().is_some_and(|n| !n.trim().is_empty())
        // email-primary-multiple
        && u.emails().filter(|e| e.primary).count() <= 1
        // email-invalid; email-type-dialect ("W" in RFC mode; Oracle's writer codes work as "W")
        && u.emails().all(|e| is_valid_email(e.value) && (oracle || e.kind != Some(EMAIL_TYPE_WORK)))
}

/// Whether a SCIM manager's `value` or its `$ref` ("../Users/<value>") reads as a reference.
fn refers_to(m: &str) -> bool {
    m.contains(':')
        && (reference_target(m).is_some() || m.rsplit('/').next().is_some_and(|last| last.starts_with(BULK_ID_PREFIX)))
}

/// A SCIM manager is written as `value` and `$ref` "../Users/<value>", both references when the
/// value is `bulkId:rowN`. That passes when row N is outside this part (the sheet checker answers
/// for those) or is created earlier in it: references that only point back form no cycle.
fn manager_passes(m: &str, i: usize, records: &[Record], rows: &[u64], part: &RangeInclusive<u64>) -> bool {
    if !refers_to(m) {
        return true;
    }
    let Some(row) = referenced_row(m).filter(|_| !m.contains('/')) else { return false };
    if !part.contains(&row) {
        return true;
    }
    let creator = rows.iter().position(|&r| r == row).and_then(|j| Some((j, records.get(j)?)));
    matches!(creator, Some((j, r)) if j < i
        && matches!(&r.action, Action::Create { bulk_id: Some(id) } if *id == row_bulk_id(row)))
}

/// A JumpCloud create or update of the user.
fn jumpcloud_passes(record: &Record, creating: bool) -> bool {
    let u = &record.user;
    jumpcloud_user_passes(u, creating)
        // jc-id-invalid
        && (creating || matches!(&record.action, Action::Update { id } | Action::Replace { id } if is_object_id(id)))
        // jc-attribute-invalid, jc-too-long
        && u.attributes.iter().all(|(name, value)| {
            !name.is_empty()
                && name.bytes().all(|b| b.is_ascii_alphanumeric())
                && !value.is_empty()
                && value.len() <= ATTRIBUTE_VALUE_MAX
        })
        // jc-id-invalid: a manager the writer sends (a reference to a row it leaves out)
        && u.manager.as_deref().is_none_or(|m| m.is_empty() || m.starts_with(BULK_ID_PREFIX) || is_object_id(m))
        // JumpCloud-only settings have rules of their own; the writer turns `state` into one it allows
        && u.extra.keys().all(|k| k == "state")
}

/// The JumpCloud rules about a user's name, emails and texts (all a create's rules read of a user
/// without attributes, manager or JumpCloud-only settings).
pub(super) fn jumpcloud_user_passes(u: &impl UserView, creating: bool) -> bool {
    // The email and alternate email the writer picks.
    let primary = u.emails().find(|e| e.primary).or_else(|| u.emails().next());
    let alternate = u.emails().find(|e| Some(*e) != primary);
    let email = primary.map(|e| e.value);
    let limited = [
        ("firstname", TextField::GivenName),
        ("lastname", TextField::FamilyName),
        ("middlename", TextField::MiddleName),
        ("displayname", TextField::DisplayName),
        ("jobTitle", TextField::Title),
        ("department", TextField::Department),
        ("company", TextField::Organization),
        ("costCenter", TextField::CostCenter),
        ("employeeType", TextField::UserType),
        ("location", TextField::Location),
        ("description", TextField::Description),
        ("employeeIdentifier", TextField::EmployeeNumber),
    ];
    let present = |v: Option<&str>| v.is_some_and(|v| !v.trim().is_empty());
    let fits = |field: &str, v: Option<&str>| v.is_none_or(|v| v.len() <= string_limit(field).unwrap_or(usize::MAX));
    // jc-required-missing
    (!creating || (present(u.user_name()) && present(email)))
        // jc-username-invalid, jc-username-long
        && u.user_name().is_none_or(|n| {
            username_problem(n).is_none() && n.chars().count() <= USERNAME_WINDOWS_MAX
        })
        // email-invalid
        && [email, alternate.map(|e| e.value)].into_iter().flatten().all(|a| a.is_empty() || is_valid_email(a))
        // jc-too-long (bytes bound characters)
        && fits("email", email)
        && limited.iter().all(|&(field, text)| fits(field, u.text(text)))
}

/// Whether any text of the user but its manager reads as a reference (`bulkId:…`). Fields are
/// named one by one, so a field added to [`User`] does not compile until it is considered here.
/// Plain loops, not a chain of iterators: this runs over every text of every row.
fn any_text_refers(u: &User) -> bool {
    let User {
        user_name,
        external_id,
        given_name,
        family_name,
        middle_name,
        formatted_name,
        display_name,
        nick_name,
        title,
        user_type,
        preferred_language,
        locale,
        timezone,
        active: _,
        password,
        emails,
        phones,
        addresses,
        employee_number,
        cost_center,
        organization,
        division,
        department,
        manager: _,
        location,
        description,
        attributes,
        extra: _, // never written to SCIM or Oracle HCM (the writer reports each as left out)
    } = u;
    let fields = [
        user_name,
        external_id,
        given_name,
        family_name,
        middle_name,
        formatted_name,
        display_name,
        nick_name,
        title,
        user_type,
        preferred_language,
        locale,
        timezone,
        password,
        employee_number,
        cost_center,
        organization,
        division,
        department,
        location,
        description,
    ];
    // A reference names "bulkId:…": text without a colon is none (most text).
    let refers = |t: &str| t.bytes().any(|b| b == b':') && reference_target(t).is_some();
    let maybe = |t: &Option<String>| t.as_deref().is_some_and(refers);
    if fields.into_iter().any(maybe) {
        return true;
    }
    for Email { value, kind, primary: _ } in emails {
        if refers(value) || maybe(kind) {
            return true;
        }
    }
    for Phone { value, kind } in phones {
        if refers(value) || maybe(kind) {
            return true;
        }
    }
    for Address { kind, street_address, extended_address, po_box, locality, region, postal_code, country, formatted } in
        addresses
    {
        let parts = [kind, street_address, extended_address, po_box, locality, region, postal_code, country, formatted];
        if parts.into_iter().any(maybe) {
            return true;
        }
    }
    attributes.iter().any(|(name, value)| refers(name) || refers(value))
}
