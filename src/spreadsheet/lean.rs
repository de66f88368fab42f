//! Rows checked without a record. When only findings are wanted, most rows of a big sheet end the
//! whole path (a record built from the cells, the writer noting what the target leaves out,
//! [`quiet`](super::quiet) finding that the rules would pass) with nothing but joining the same
//! left-out groups as the clean rows of their shape before them. Under a mapping where every
//! column sets one plain text of its own field, the cells say all a record would: such a row is
//! screened by quiet's own rules read straight from the cells, and joins the groups a checked
//! clean row of its shape (the set of mapped columns holding a value) joined. A yes/no `active`
//! column is allowed too: no rule reads it, and a cell that is not yes or no takes the whole
//! path for its finding. Any other row, and every row of a part where a cell reads as a
//! reference, takes the whole path.

use super::quiet::{jumpcloud_user_passes, user_passes};
use crate::options::Format;
use crate::records::sheet::{email_kind, is_primary_kind, parse_boolean, sets_active, sets_plain_text};
use crate::records::view::{EmailRef, TextField, UserView};
use crate::refs::reference_target;
use crate::sheet::Row;
use crate::unicode::trim;

/// The mapping's columns, when it allows rows without records.
pub(super) struct Lean {
    target: Format,
    /// The mapped columns (at most 64: a shape is a bit set of them). Each field below is kept
    /// as a position in this list, which is also the position of its value in a row's values.
    columns: Vec<usize>,
    user_name: Option<usize>,
    active: Option<usize>,
    /// Emails in sheet order, with the kind each adds.
    emails: Vec<(usize, String)>,
    /// The position of each [`TextField`], by its position in the enum.
    texts: [Option<usize>; TEXT_FIELDS],
    /// Per shape, the left-out groups a clean row of that shape joined.
    joined: foldhash::HashMap<u64, Vec<usize>>,
}

const TEXT_FIELDS: usize = TextField::EmployeeNumber as usize + 1;

/// What reading a row's mapped cells told.
pub(super) struct Read {
    /// The set of mapped columns holding a value.
    pub(super) shape: u64,
    /// A cell reads as a reference (`bulkId:…`): what the rules say of one depends on the
    /// records around it, so its part is checked whole.
    pub(super) refers: bool,
    /// The `active` cell is neither empty nor yes or no: its finding needs the whole path.
    pub(super) unreadable: bool,
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
            active: None,
            emails: Vec::new(),
            texts: [None; TEXT_FIELDS],
            joined: foldhash::HashMap::default(),
        };
        let mut keys: Vec<&str> = Vec::new();
        for (column, key) in fields.iter().enumerate().filter_map(|(c, f)| Some((c, f.as_deref()?))) {
            // A field fed twice takes the later cell, and two equal emails of one kind are one to
            // JumpCloud's writer: values would decide, not shapes.
            if !(sets_plain_text(key) || sets_active(key)) || keys.contains(&key) {
                return None;
            }
            let at = lean.columns.len();
            keys.push(key);
            lean.columns.push(column);
            if key == "userName" {
                lean.user_name = Some(at);
            } else if sets_active(key) {
                lean.active = Some(at);
            } else if let Some(kind) = email_kind(key) {
                lean.emails.push((at, kind.to_owned()));
            } else if let Some(text) = TextField::of_key(key) {
                lean.texts[text as usize] = Some(at);
            }
        }
        (lean.columns.len() <= 64).then_some(lean)
    }

    /// Reads the mapped cells of `row` into `values` as a record holds them (trimmed; empty is
    /// unset), in the order of the plan's columns.
    pub(super) fn read<'a>(&self, row: &'a Row, values: &mut Vec<&'a str>) -> Read {
        values.clear();
        let (mut shape, mut refers) = (0u64, false);
        for (bit, &column) in self.columns.iter().enumerate() {
            let value = row.cells.get(column).map_or("", |c| trim(c));
            if !value.is_empty() {
                shape |= 1 << bit;
                // A reference names "bulkId:…": text without a colon is none (most text).
                refers |= memchr::memchr(b':', value.as_bytes()).is_some() && reference_target(value).is_some();
            }
            values.push(value);
        }
        let active = self.active.and_then(|at| values.get(at)).filter(|v| !v.is_empty());
        Read { shape, refers, unreadable: active.is_some_and(|v| parse_boolean(v).is_none()) }
    }

    /// The user a row's values (from [`read`](Lean::read)) give.
    pub(super) fn user<'a>(&'a self, values: &'a [&'a str]) -> RowUser<'a> {
        RowUser { lean: self, values }
    }

    /// Whether a row of `shape` whose user is `user` needs no record: a clean row of its shape
    /// has been checked whole, and the target's rules pass it as `quiet` applies them.
    pub(super) fn needs_no_record(&self, shape: u64, user: &RowUser<'_>) -> bool {
        self.joined.contains_key(&shape)
            && match self.target {
                Format::JumpcloudCreate => jumpcloud_user_passes(user, true),
                _ => user_passes(user, self.target == Format::Oracle),
            }
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
    values: &'a [&'a str],
}

impl RowUser<'_> {
    fn value(&self, at: Option<usize>) -> Option<&str> {
        self.values.get(at?).copied().filter(|v| !v.is_empty())
    }
}

impl UserView for RowUser<'_> {
    fn user_name(&self) -> Option<&str> {
        self.value(self.lean.user_name)
    }

    fn emails(&self) -> impl Iterator<Item = EmailRef<'_>> {
        self.lean.emails.iter().filter_map(|(at, kind)| {
            Some(EmailRef { value: self.value(Some(*at))?, kind: Some(kind), primary: is_primary_kind(kind) })
        })
    }

    fn text(&self, field: TextField) -> Option<&str> {
        self.value(self.lean.texts.get(field as usize).copied().flatten())
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
    fn only_mappings_of_plain_text_or_active_fed_once_allow_rows_without_records() {
        let plain =
            ["userName", "emails.work", "emails.home", "name.givenName", "addresses.work.locality", "active", ""];
        for target in [Format::Scim, Format::Oracle, Format::JumpcloudCreate] {
            assert!(Lean::plan(&fields(&plain), false, target).is_some(), "{target:?}");
        }
        assert!(Lean::plan(&fields(&plain), false, Format::JumpcloudUpdate).is_none());
        assert!(Lean::plan(&fields(&plain), true, Format::Scim).is_none(), "pass-through");
        for other in ["id", "manager", "attributes.1.name", "jumpcloud.unix_uid", "userName", "emails.home", "active"] {
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
