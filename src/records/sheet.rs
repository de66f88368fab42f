//! Sheet rows → canonical users. An empty cell is unset; yes/no and number cells are checked
//! here, where the row and column are known.

use super::columns::attribute_slot;
use super::{Action, Address, Email, Phone, Record, User};
use crate::checks::{DigestMap, lowercase_digest};
use crate::diag::{Code, Diagnostic};
use crate::payload::scim::BULK_ID_PREFIX;
use crate::sheet::{Row, Sheet};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// JumpCloud settings read as yes/no.
const JC_BOOLEANS: &[&str] = &[
    "enable_user_portal_multifactor",
    "ldap_binding_user",
    "account_locked",
    "allow_public_key",
    "enable_managed_uid",
    "externally_managed",
    "passwordless_sudo",
    "sudo",
    "password_never_expires",
];
/// JumpCloud settings read as whole numbers.
const JC_INTEGERS: &[&str] = &["unix_uid", "unix_guid", "EnrollmentDays"];

/// The bulkId muster gives the user of spreadsheet row `n`.
pub fn row_bulk_id(row: u64) -> String {
    numbered(&["row"], row)
}

/// `bulkId:rowN`: a reference to the user of spreadsheet row `n`.
fn row_reference(row: u32) -> String {
    numbered(&[BULK_ID_PREFIX, "row"], row)
}

/// `prefix` (in parts) followed by `n`, without the formatting machinery: a few of these are
/// made for every row of a sheet, and `format!` was a fourteenth of checking one.
fn numbered(prefix: &[&str], n: impl itoa::Integer) -> String {
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(n);
    let mut text = String::with_capacity(prefix.iter().map(|p| p.len()).sum::<usize>() + digits.len());
    prefix.iter().for_each(|p| text.push_str(p));
    text.push_str(digits);
    text
}

/// The row a manager reference to another row's user names (`bulkId:rowN` → N).
pub(crate) fn referenced_row(reference: &str) -> Option<u64> {
    reference.strip_prefix(BULK_ID_PREFIX)?.strip_prefix("row")?.parse().ok()
}

/// Reads every row of `sheet` into a record. `fields[i]` is the field column i feeds; with
/// `pass_through`, unmapped columns become custom attributes named after their header.
pub fn from_sheet(sheet: &Sheet, fields: &[Option<String>], pass_through: bool) -> (Vec<Record>, Vec<Diagnostic>) {
    let mut managers = ManagerIndex::default();
    managers.add(&sheet.rows, fields);
    from_rows(&mut sheet.rows.clone(), &sheet.headers, fields, pass_through, &managers)
}

/// [`from_sheet`] with the managers known from elsewhere: a stream reads a sheet in parts, and a
/// manager may be in an earlier part. The text of each cell that feeds a field of its own is
/// moved into the record, not copied, leaving the cell empty; custom attribute cells are copied
/// and stay (findings about renumbered attributes read them back).
pub(crate) fn from_rows(
    rows: &mut [Row],
    headers: &[String],
    fields: &[Option<String>],
    pass_through: bool,
    managers: &ManagerIndex,
) -> (Vec<Record>, Vec<Diagnostic>) {
    let mut out = Vec::new();
    let feeds: Vec<Feed<'_>> = (0..headers.len().max(fields.len()))
        .map(|column| match fields.get(column).and_then(Option::as_deref) {
            Some(key) => Feed::of(key),
            None if pass_through => {
                let name: String = headers
                    .get(column)
                    .into_iter()
                    .flat_map(|h| h.chars())
                    .filter(char::is_ascii_alphanumeric)
                    .collect();
                if name.is_empty() { Feed::Nothing } else { Feed::PassThrough(name) }
            }
            None => Feed::Nothing,
        })
        .collect();
    let records = rows
        .iter_mut()
        .enumerate()
        .map(|(index, row)| {
            let mut reader = RowReader { row: row.number, headers, out: &mut out, user: User::default() };
            let mut id = None;
            let mut attributes: BTreeMap<u32, (Option<String>, Option<String>)> = BTreeMap::new();
            let mut extra_attributes = Vec::new();
            for ((column, cell), feed) in row.cells.iter_mut().enumerate().zip(&feeds) {
                let value = crate::unicode::trim(cell);
                if value.is_empty() {
                    continue;
                }
                match feed {
                    Feed::Nothing => {}
                    Feed::Id => id = Some(take_trimmed(cell)),
                    Feed::Attribute(n, is_name) => {
                        let slot = attributes.entry(*n).or_default();
                        if *is_name { slot.0 = Some(value.to_owned()) } else { slot.1 = Some(value.to_owned()) }
                    }
                    Feed::Field(key, slot) => reader.set(key, *slot, column, take_trimmed(cell), managers),
                    Feed::PassThrough(name) => extra_attributes.push((name.clone(), value.to_owned())),
                }
            }
            // JumpCloud's AttributeN pairs, in N order and renumbered without gaps.
            let mut user = reader.user;
            user.attributes = attributes
                .into_values()
                .map(|(name, value)| (name.unwrap_or_default(), value.unwrap_or_default()))
                .chain(extra_attributes)
                .collect();
            let action = match id {
                Some(id) => Action::Update { id },
                None => Action::Create { bulk_id: Some(row_bulk_id(row.number)) },
            };
            Record { index, pointer: numbered(&["/rows/"], index), action, user }
        })
        .collect();
    (records, out)
}

/// A cell's text without surrounding space, moved out of the cell when it has none to lose.
fn take_trimmed(cell: &mut String) -> String {
    let trimmed = crate::unicode::trim(cell);
    if trimmed.len() == cell.len() { std::mem::take(cell) } else { trimmed.to_owned() }
}

/// Usernames and emails of the sheet's rows, so a manager given as either becomes a reference.
#[derive(Debug, Default)]
pub(crate) struct ManagerIndex(DigestMap<u32>);

impl ManagerIndex {
    /// Adds the usernames and emails of `sheet`'s rows (the first row to hold a value keeps it).
    pub(crate) fn add(&mut self, rows: &[Row], fields: &[Option<String>]) {
        // Only a manager column consults the index: without one, keeping it costs time and, on a
        // stream of millions of rows, memory for nothing.
        if !fields.iter().any(|f| f.as_deref() == Some("manager")) {
            return;
        }
        let columns: Vec<usize> = fields
            .iter()
            .enumerate()
            .filter(|(_, f)| matches!(f.as_deref(), Some("userName" | "emails.work" | "emails.other" | "emails.home")))
            .map(|(i, _)| i)
            .collect();
        for row in rows {
            for &c in &columns {
                if let Some(cell) = row.cells.get(c).map(|c| crate::unicode::trim(c)).filter(|c| !c.is_empty()) {
                    // Rows past 4 billion are not indexed: a manager cannot name them.
                    if let Ok(number) = u32::try_from(row.number) {
                        self.0.entry(lowercase_digest(cell)).or_insert(number);
                    }
                }
            }
        }
    }

    /// `bulkId:rowN` when `value` names another row's user.
    pub(crate) fn reference(&self, value: &str, own_row: u64) -> Option<String> {
        match self.0.get(&lowercase_digest(value)) {
            Some(&row) if u64::from(row) != own_row => Some(row_reference(row)),
            _ => None,
        }
    }

    /// The [`reference`](ManagerIndex::reference) `value` makes, else the value (an upstream id).
    pub(crate) fn resolve(&self, value: String, own_row: u64) -> String {
        self.reference(&value, own_row).unwrap_or(value)
    }
}

/// Whether a column feeding `key` sets one plain text of the user and nothing else: no typed
/// value (and so no finding about the cell), no id, manager, attribute or JumpCloud-only setting.
/// A row's cells then say all its record would (see `spreadsheet::lean`).
pub(crate) fn sets_plain_text(key: &str) -> bool {
    matches!(Feed::of(key), Feed::Field(_, Slot::Text(_) | Slot::Email(_) | Slot::Phone(_) | Slot::Address(..)))
}

/// Whether a column feeding `key` sets the user's `active` (a yes/no cell).
pub(crate) fn sets_active(key: &str) -> bool {
    matches!(Slot::of(key), Slot::Active)
}

/// A yes/no cell's value: true/false, yes/no, y/n or 1/0 in any case; none for anything else.
pub(crate) fn parse_boolean(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().trim_start_matches('$') {
        "true" | "yes" | "y" | "1" => Some(true),
        "false" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

/// The kind of email a column feeding `key` adds (`emails.home` → `home`).
pub(crate) fn email_kind(key: &str) -> Option<&str> {
    match Slot::of(key) {
        Slot::Email(kind) => Some(kind),
        _ => None,
    }
}

/// An email of this kind is the user's primary one.
pub(crate) fn is_primary_kind(kind: &str) -> bool {
    kind == "work"
}

/// What a column feeds, worked out once per part rather than for every cell.
enum Feed<'f> {
    Nothing,
    Id,
    /// JumpCloud's `AttributeN` pair: N, and whether this is the name (else the value).
    Attribute(u32, bool),
    /// A field of the user: its key, and where the value goes.
    Field(&'f str, Slot<'f>),
    /// An unmapped column passed through as a custom attribute of this name.
    PassThrough(String),
}

impl<'f> Feed<'f> {
    fn of(key: &'f str) -> Feed<'f> {
        match (key, attribute_slot(key)) {
            ("id", _) => Feed::Id,
            (_, Some((n, is_name))) => Feed::Attribute(n, is_name),
            _ => Feed::Field(key, Slot::of(key)),
        }
    }
}

/// Where a field's value goes in a [`User`].
#[derive(Clone, Copy)]
enum Slot<'f> {
    Text(fn(&mut User) -> &mut Option<String>),
    Active,
    Manager,
    /// `emails.KIND`, `phones.KIND`.
    Email(&'f str),
    Phone(&'f str),
    /// `addresses.KIND.PART`.
    Address(&'f str, fn(&mut Address) -> &mut Option<String>),
    /// `jumpcloud.NAME`: a JumpCloud-only setting.
    JumpCloud(&'f str),
    Unknown,
}

impl<'f> Slot<'f> {
    fn of(key: &'f str) -> Slot<'f> {
        match key {
            "active" => Slot::Active,
            "manager" => Slot::Manager,
            "userName" => Slot::Text(|u| &mut u.user_name),
            "externalId" => Slot::Text(|u| &mut u.external_id),
            "name.givenName" => Slot::Text(|u| &mut u.given_name),
            "name.familyName" => Slot::Text(|u| &mut u.family_name),
            "name.middleName" => Slot::Text(|u| &mut u.middle_name),
            "displayName" => Slot::Text(|u| &mut u.display_name),
            "nickName" => Slot::Text(|u| &mut u.nick_name),
            "title" => Slot::Text(|u| &mut u.title),
            "userType" => Slot::Text(|u| &mut u.user_type),
            "preferredLanguage" => Slot::Text(|u| &mut u.preferred_language),
            "locale" => Slot::Text(|u| &mut u.locale),
            "timezone" => Slot::Text(|u| &mut u.timezone),
            "password" => Slot::Text(|u| &mut u.password),
            "employeeNumber" => Slot::Text(|u| &mut u.employee_number),
            "costCenter" => Slot::Text(|u| &mut u.cost_center),
            "organization" => Slot::Text(|u| &mut u.organization),
            "division" => Slot::Text(|u| &mut u.division),
            "department" => Slot::Text(|u| &mut u.department),
            "location" => Slot::Text(|u| &mut u.location),
            "description" => Slot::Text(|u| &mut u.description),
            _ => Slot::structured(key),
        }
    }

    fn structured(key: &'f str) -> Slot<'f> {
        let mut parts = key.split('.');
        match [parts.next(), parts.next(), parts.next(), parts.next()] {
            [Some("emails"), Some(kind), None, _] => Slot::Email(kind),
            [Some("phones"), Some(kind), None, _] => Slot::Phone(kind),
            [Some("addresses"), Some(kind), Some(part), None] => Slot::Address(
                kind,
                match part {
                    "streetAddress" => |a| &mut a.street_address,
                    "poBox" => |a| &mut a.po_box,
                    "locality" => |a| &mut a.locality,
                    "region" => |a| &mut a.region,
                    "postalCode" => |a| &mut a.postal_code,
                    _ => |a| &mut a.country,
                },
            ),
            [Some("jumpcloud"), Some(name), None, _] => Slot::JumpCloud(name),
            _ => Slot::Unknown,
        }
    }
}

struct RowReader<'a> {
    row: u64,
    headers: &'a [String],
    out: &'a mut Vec<Diagnostic>,
    user: User,
}

impl RowReader<'_> {
    fn report(&mut self, code: Code, column: usize, field: &str, message: String) {
        let header = self.headers.get(column).cloned().unwrap_or_default();
        self.out.push(Diagnostic::new(code, message).at_row(self.row).at_column(header).at_field(field));
    }

    fn set(&mut self, key: &str, slot: Slot<'_>, column: usize, value: String, managers: &ManagerIndex) {
        let u = &mut self.user;
        match slot {
            Slot::Text(field) => *field(u) = Some(value),
            Slot::Active => self.user.active = self.boolean(column, key, &value),
            Slot::Manager => u.manager = Some(managers.resolve(value, self.row)),
            Slot::Email(kind) => {
                u.emails.push(Email { value, kind: Some(kind.to_owned()), primary: is_primary_kind(kind) })
            }
            Slot::Phone(kind) => u.phones.push(Phone { value, kind: Some(kind.to_owned()) }),
            Slot::Address(kind, part) => {
                let index = match u.addresses.iter().position(|a| a.kind.as_deref() == Some(kind)) {
                    Some(i) => i,
                    None => {
                        u.addresses.push(Address { kind: Some(kind.to_owned()), ..Address::default() });
                        u.addresses.len() - 1
                    }
                };
                if let Some(address) = u.addresses.get_mut(index) {
                    *part(address) = Some(value);
                }
            }
            Slot::JumpCloud(name) => self.set_jumpcloud(name, key, column, value),
            Slot::Unknown => {}
        }
    }

    /// JumpCloud-only settings go to `extra` under their JumpCloud names, typed.
    fn set_jumpcloud(&mut self, name: &str, key: &str, column: usize, value: String) {
        let typed = if JC_BOOLEANS.contains(&name) {
            self.boolean(column, key, &value).map(Value::Bool)
        } else if JC_INTEGERS.contains(&name) {
            self.integer(column, key, &value).map(Value::from)
        } else {
            Some(Value::String(value))
        };
        let Some(typed) = typed else { return };
        let extra: &mut Map<String, Value> = &mut self.user.extra;
        if name == "EnrollmentDays" {
            extra.insert("mfa".to_owned(), json!({"exclusion": true, "exclusionDays": typed}));
        } else {
            extra.insert(name.to_owned(), typed);
        }
    }

    fn boolean(&mut self, column: usize, field: &str, value: &str) -> Option<bool> {
        let parsed = parse_boolean(value);
        if parsed.is_none() {
            let header = self.headers.get(column).cloned().unwrap_or_default();
            self.report(
                Code::CellBooleanInvalid,
                column,
                field,
                format!("Row {}, column \"{header}\": write true or false (yes/no, y/n and 1/0 work too).", self.row),
            );
        }
        parsed
    }

    fn integer(&mut self, column: usize, field: &str, value: &str) -> Option<u64> {
        let parsed = value.parse::<u64>().ok();
        if parsed.is_none() {
            let header = self.headers.get(column).cloned().unwrap_or_default();
            self.report(
                Code::CellIntegerInvalid,
                column,
                field,
                format!("Row {}, column \"{header}\": write a whole number such as 5001.", self.row),
            );
        }
        parsed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_reference_reads_back_as_its_row() {
        assert_eq!(referenced_row(&format!("{BULK_ID_PREFIX}{}", row_bulk_id(42))), Some(42));
        assert_eq!(referenced_row("bulkId:u42"), None);
        assert_eq!(referenced_row("row42"), None);
        assert_eq!(referenced_row("5f0c1b2e3d4a5b6c7d8e9f01"), None);
    }
}
