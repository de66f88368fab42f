//! Rows checked without a record. When only findings are wanted, most rows of a big sheet end the
//! whole path (a record built from the cells, the writer noting what the target leaves out,
//! [`quiet`](super::quiet) finding that the rules would pass) with nothing but joining the same
//! left-out groups as the clean rows of their shape before them. Under a mapping where every
//! column sets one plain text of its own field, the cells say all a record would: such a row is
//! screened by quiet's own rules read straight from the cells, and joins the groups a checked
//! clean row of its shape (the set of mapped columns holding a value) joined. Any other row, and
//! every row of a part where a cell reads as a reference, takes the whole path.

use super::quiet::{jumpcloud_user_passes, user_passes};
use crate::options::Format;
use crate::records::sheet::{email_kind, is_primary_kind, sets_plain_text};
use crate::records::view::{EmailRef, TextField, UserView};
use crate::refs::reference_target;
use crate::sheet::Row;
use crate::unicode::trim;

/// The mapping's columns, when it allows rows without records.
pub(super) struct Lean {
    target: Format,
    /// The mapped columns (at most 64: a shape is a bit set of them).
    columns: Vec<usize>,
    user_name: Option<usize>,
    /// Email columns in sheet order, with the kind each adds.
    emails: Vec<(usize, String)>,
    /// The column of each [`TextField`], by its position in the enum.
    texts: [Option<usize>; TEXT_FIELDS],
    /// Per shape, the left-out groups a clean row of that shape joined.
    joined: foldhash::HashMap<u64, Vec<usize>>,
}

const TEXT_FIELDS: usize = TextField::EmployeeNumber as usize + 1;

/// A row as screened: its shape, and whether it needs no record.
#[derive(Debug, Clone, Copy)]
pub(super) struct Screened {
    pub(super) shape: u64,
    pub(super) lean: bool,
}

impl Lean {
    /// The plan for a mapping (`fields[c]`: the field column c feeds): none unless every mapped
    /// column sets a plain text of a field no other column feeds, nothing is passed through,
    /// and every row creates a user in a target whose rules `quiet` reads from name, emails and
    /// texts alone (a JumpCloud update's rules read the id).
    pub(super) fn plan(fields: &[Option<String>], pass_through: bool, target: Format) -> Option<Lean> {
        if pass_through || !matches!(target, Format::Scim | Format::Oracle | Format::JumpcloudCreate) {
            return None;
        }
        let mut lean = Lean {
            target,
            columns: Vec::new(),
            user_name: None,
            emails: Vec::new(),
            texts: [None; TEXT_FIELDS],
            joined: foldhash::HashMap::default(),
        };
        let mut keys: Vec<&str> = Vec::new();
        for (column, key) in fields.iter().enumerate().filter_map(|(c, f)| Some((c, f.as_deref()?))) {
            // A field fed twice takes the later cell, and two equal emails of one kind are one to
            // JumpCloud's writer: values would decide, not shapes.
            if !sets_plain_text(key) || keys.contains(&key) {
                return None;
            }
            keys.push(key);
            lean.columns.push(column);
            if key == "userName" {
                lean.user_name = Some(column);
            } else if let Some(kind) = email_kind(key) {
                lean.emails.push((column, kind.to_owned()));
            } else if let Some(text) = TextField::of_key(key) {
                lean.texts[text as usize] = Some(column);
            }
        }
        (lean.columns.len() <= 64).then_some(lean)
    }

    /// Each row's shape and whether it needs no record; none when the whole part must take the
    /// whole path (a cell reads as a reference: what the rules say of one depends on the records
    /// around it).
    pub(super) fn screen(&self, rows: &[Row]) -> Option<Vec<Screened>> {
        let mut screened = Vec::with_capacity(rows.len());
        for row in rows {
            let mut shape = 0u64;
            for (bit, &column) in self.columns.iter().enumerate() {
                let Some(value) = cell(&row.cells, column) else { continue };
                // A reference names "bulkId:…": text without a colon is none (most text).
                if value.bytes().any(|b| b == b':') && reference_target(value).is_some() {
                    return None;
                }
                shape |= 1 << bit;
            }
            let lean = self.joined.contains_key(&shape) && self.passes(&self.view(row));
            screened.push(Screened { shape, lean });
        }
        Some(screened)
    }

    /// The target's rules, as `quiet` applies them to a record of this mapping.
    fn passes(&self, user: &RowUser<'_>) -> bool {
        match self.target {
            Format::JumpcloudCreate => jumpcloud_user_passes(user, true),
            _ => user_passes(user, self.target == Format::Oracle),
        }
    }

    /// The user of `row`, read from its cells.
    pub(super) fn view<'a>(&'a self, row: &'a Row) -> RowUser<'a> {
        RowUser { lean: self, cells: &row.cells }
    }

    /// The groups a clean row of `shape` joins, once one has been checked whole.
    pub(super) fn joined(&self, shape: u64) -> &[usize] {
        self.joined.get(&shape).map_or(&[], Vec::as_slice)
    }

    /// Remembers the groups a clean row of `shape`, checked whole, joined without a new finding.
    pub(super) fn learn(&mut self, shape: u64, groups: Vec<usize>) {
        self.joined.entry(shape).or_insert(groups);
    }
}

/// A row's user as its cells give it (see `records::sheet::from_rows`).
pub(super) struct RowUser<'a> {
    lean: &'a Lean,
    cells: &'a [String],
}

/// A cell's text as a record holds it: trimmed, and unset when empty.
fn cell(cells: &[String], column: usize) -> Option<&str> {
    cells.get(column).map(|c| trim(c)).filter(|c| !c.is_empty())
}

impl UserView for RowUser<'_> {
    fn user_name(&self) -> Option<&str> {
        cell(self.cells, self.lean.user_name?)
    }

    fn emails(&self) -> impl Iterator<Item = EmailRef<'_>> {
        self.lean.emails.iter().filter_map(|(column, kind)| {
            Some(EmailRef { value: cell(self.cells, *column)?, kind: Some(kind), primary: is_primary_kind(kind) })
        })
    }

    fn text(&self, field: TextField) -> Option<&str> {
        cell(self.cells, self.lean.texts.get(field as usize).copied().flatten()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::columns::Profile;
    use crate::spreadsheet::SheetOptions;
    use crate::spreadsheet::rows::RowChecker;

    fn fields(keys: &[&str]) -> Vec<Option<String>> {
        keys.iter().map(|k| (!k.is_empty()).then(|| (*k).to_owned())).collect()
    }

    #[test]
    fn only_mappings_of_plain_text_fed_once_allow_rows_without_records() {
        let plain = ["userName", "emails.work", "emails.home", "name.givenName", "addresses.work.locality", ""];
        for target in [Format::Scim, Format::Oracle, Format::JumpcloudCreate] {
            assert!(Lean::plan(&fields(&plain), false, target).is_some(), "{target:?}");
        }
        assert!(Lean::plan(&fields(&plain), false, Format::JumpcloudUpdate).is_none());
        assert!(Lean::plan(&fields(&plain), true, Format::Scim).is_none(), "pass-through");
        for other in ["id", "manager", "active", "attributes.1.name", "jumpcloud.unix_uid", "userName", "emails.home"] {
            let mut keys = plain.to_vec();
            keys.push(other);
            assert!(Lean::plan(&fields(&keys), false, Format::Scim).is_none(), "{other}");
        }
    }

    /// Clean rows of a shape a part before has shown clean are checked from their cells; a row
    /// with an invalid email, and every row of a part where a cell reads as a reference, are not.
    #[test]
    fn clean_rows_of_a_known_shape_need_no_record() {
        let headers: Vec<String> = ["Username", "Email", "City"].map(str::to_owned).to_vec();
        let mut profile = Profile::default();
        for (header, field) in headers.iter().zip(["userName", "emails.work", "addresses.work.locality"]) {
            profile.columns.insert(header.clone(), Some(field.to_owned()));
        }
        let options = SheetOptions { profile: Some(profile), target: Format::Scim, ..SheetOptions::default() };
        let mut checker = RowChecker::new(1, headers, &options);
        checker.keep_body = false;
        let row = |n: u64, email: &str, city: &str| Row {
            number: n,
            cells: vec![format!("u{n}"), email.replace('#', &n.to_string()), city.to_owned()],
        };
        let part = |rows: std::ops::Range<u64>| rows.map(|n| row(n, "u#@example.com", "Boulder")).collect::<Vec<_>>();
        assert!(checker.check(&mut part(2..12)).diagnostics.is_empty());
        assert_eq!(checker.lean_rows, 0, "no shape is known before a part is checked");
        let mut second = part(12..22);
        second[5] = row(17, "not an address", "Boulder");
        let found = checker.check(&mut second).diagnostics;
        assert_eq!(checker.lean_rows, 9, "all but the bad row");
        assert_eq!(found.iter().map(|d| d.row).collect::<Vec<_>>(), [Some(17)]);
        let mut referring = part(22..32);
        referring[5] = row(27, "u#@example.com", "bulkId:row3");
        checker.check(&mut referring);
        assert_eq!(checker.lean_rows, 9);
        checker.check(&mut part(32..42));
        assert_eq!(checker.lean_rows, 19);
    }
}
