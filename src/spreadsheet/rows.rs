//! Rows → records → the target's body and every finding, for a whole sheet or for one part of
//! it at a time (a stream). What must span parts (batch duplicates, managers named by username
//! or email, which columns hold values) is remembered here, so the one-shot check is simply the
//! one-part case.

use super::lean::Lean;
use super::{check_mapping, place};
use crate::checks::RowDuplicates;
use crate::diag::{Code, Diagnostic};
use crate::options::Format;
use crate::payload::convert::{Finding, Subset, Written, carries, write, write_some};
use crate::payload::scim::BULK_ID_PREFIX;
use crate::records::columns::{Proposal, attribute_slot, propose};
use crate::records::sheet::{ManagerIndex, from_rows, referenced_row, row_bulk_id};
use crate::records::{Action, Record, User};
use crate::sheet::{Row, Sheet};
use serde_json::Value;

use super::SheetOptions;

/// What one part of the rows gave.
pub(crate) struct Part {
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// The target body's elements for these rows (SCIM operations or JumpCloud users).
    pub(crate) body: Vec<Value>,
    /// The spreadsheet row of each element of `body`.
    pub(crate) body_rows: Vec<u64>,
}

pub(crate) struct RowChecker {
    pub(crate) target: Format,
    /// The body is wanted (to send, or to hand back). Either way, records [`super::quiet`] knows
    /// the target's rules pass are left out: of the walk when the body is kept, else of the body.
    pub(crate) keep_body: bool,
    /// Leave such records out (off only to test that it changes nothing).
    pub(crate) quiet: bool,
    pub(crate) mapping: Vec<Proposal>,
    header_row: u64,
    headers: Vec<String>,
    fields: Vec<Option<String>>,
    pass_through: bool,
    managers: ManagerIndex,
    /// Every row's username and email is in `managers` already (a sheet held whole).
    managers_known: bool,
    duplicates: RowDuplicates,
    /// Column c holds a value in some row.
    has_values: Vec<bool>,
    /// Managers that named no row read so far: a later part may hold them. What the rules say
    /// about such a name (JumpCloud wants an id) waits for the end, when it is known whether
    /// the name is a row after all.
    unresolved: Vec<Unresolved>,
    /// Values a column loses in every row alike (the target has no field for them), reported
    /// once per column at the end rather than once per row.
    left_out: Vec<LeftOut>,
    /// The fields left out, and why, behind groups of `left_out` (`known_groups[i]` is the group
    /// of `known_left_out[i]`): the writer only notes them in later rows, which join the group
    /// without a finding being worded and placed again.
    known_left_out: Vec<(String, &'static str)>,
    known_groups: Vec<usize>,
    /// Rows read, and rows the target has an endpoint for: when none has, the sheet says so once
    /// instead of each part reporting an empty body.
    rows_read: u64,
    rows_carried: u64,
    /// Rows that may be checked without a record, when the mapping allows it.
    lean: Option<Lean>,
    /// Rows checked that way, without a record (for tests).
    pub(crate) lean_rows: u64,
}

/// Whether rows checked through records have had their batch duplicates noted.
enum Duplicates<'a> {
    ToNote,
    /// From their cells, with the lean shape of each row when what a clean row of each shape
    /// joins is to be learnt.
    Noted(Option<&'a [u64]>),
}

/// A manager named by a value no row read so far has as username or email.
struct Unresolved {
    row: u64,
    value: String,
    /// Findings about the value as written, said at the end unless a later row is the manager.
    findings: Vec<Diagnostic>,
}

/// A finding many rows repeat alike, about one column (or, with no column, about whole rows):
/// what the target cannot carry, or an address an update clears.
struct LeftOut {
    /// The finding as placed at the first row it came from.
    first: Diagnostic,
    /// What the finding says, without its row.
    says: String,
    rows: Vec<u64>,
    count: u64,
}

/// Rows a grouped finding names before "and N more".
const ROWS_NAMED: usize = 5;

impl RowChecker {
    pub(crate) fn new(header_row: u64, headers: Vec<String>, options: &SheetOptions) -> Self {
        let target = if options.target == Format::Auto { Format::JumpcloudCreate } else { options.target };
        let mapping = propose(&headers, options.profile.as_ref());
        let fields: Vec<Option<String>> = mapping.iter().map(|p| p.field.clone()).collect();
        let pass_through = options.profile.as_ref().is_some_and(|p| p.pass_through_unmapped);
        let lean = Lean::plan(&fields, pass_through, target);
        RowChecker {
            target,
            keep_body: true,
            quiet: true,
            mapping,
            header_row,
            has_values: vec![false; headers.len()],
            headers,
            fields,
            lean,
            lean_rows: 0,
            pass_through,
            managers: ManagerIndex::default(),
            managers_known: false,
            duplicates: RowDuplicates::default(),
            unresolved: Vec::new(),
            left_out: Vec::new(),
            known_left_out: Vec::new(),
            known_groups: Vec::new(),
            rows_read: 0,
            rows_carried: 0,
        }
    }

    /// Learns every row's username and email before any part is checked (a sheet held whole), so
    /// a manager in a later part is a reference too, as in the one-part check.
    /// Also makes room for the sheet's batch-duplicate values at once.
    pub(crate) fn know_managers(&mut self, sheet: &Sheet) {
        self.managers.add(&sheet.rows, &self.fields);
        self.managers_known = true;
        self.duplicates.expect(sheet.rows.len(), &self.fields);
    }

    /// Spills the values checked for batch duplicates past a budget (a stream of any length).
    pub(crate) fn spill(&mut self, spill: crate::checks::Spill) {
        self.duplicates.spill(spill);
    }

    /// The batch duplicates among values spilled to disk, found once every row is in.
    pub(crate) fn spilled_duplicates(&mut self, out: &mut Vec<Diagnostic>) -> Result<(), String> {
        self.duplicates.finish(out).map_err(|err| {
            format!("the values checked for batch duplicates could not be read back from the temporary files: {err}")
        })
    }

    /// Checks the next rows (in sheet order). Findings come back sorted by row. The rows' text is
    /// moved into the records (see [`from_rows`]): pass a copy of rows that are still needed.
    pub(crate) fn check(&mut self, rows: &mut [Row]) -> Part {
        if rows.is_empty() {
            return Part { diagnostics: Vec::new(), body: Vec::new(), body_rows: Vec::new() };
        }
        // Once every column has shown a value (most sheets, in their first rows), no cell need be looked at.
        if self.has_values.contains(&false) {
            for row in rows.iter() {
                for (c, cell) in row.cells.iter().enumerate() {
                    if let Some(seen) = self.has_values.get_mut(c)
                        && !*seen
                    {
                        *seen = !crate::unicode::trim(cell).is_empty();
                    }
                }
            }
        }
        if !self.managers_known {
            self.managers.add(rows, &self.fields);
        }
        // Without a body to build, rows the mapping lets the cells speak for need no record.
        let Some(lean) = self.lean.as_ref().filter(|_| !self.keep_body && self.quiet) else {
            return self.check_records(rows, Duplicates::ToNote, Vec::new());
        };
        let mut out = Vec::new();
        let (mut shapes, mut no_record, mut refers) = (Vec::with_capacity(rows.len()), Vec::new(), false);
        let mut values = Vec::with_capacity(self.headers.len());
        for row in rows.iter() {
            let read = lean.read(row, &mut values);
            let user = lean.user(&values);
            self.duplicates.note_user(&user, row.number, &mut out);
            refers |= read.refers;
            no_record.push(!refers && !read.unreadable && lean.needs_no_record(read.shape, &user));
            shapes.push(read.shape);
        }
        if refers {
            return self.check_records(rows, Duplicates::Noted(None), out);
        }
        let carried = carries(self.target, &Action::Create { bulk_id: None });
        for ((row, &shape), _) in rows.iter().zip(&shapes).zip(&no_record).filter(|(_, lean)| **lean) {
            self.lean_rows += 1;
            self.rows_read += 1;
            self.rows_carried += u64::from(carried);
            for &group in lean.joined(shape) {
                if let Some(group) = self.left_out.get_mut(group) {
                    group.add(row.number);
                }
            }
        }
        let (mut whole, shapes): (Vec<Row>, Vec<u64>) = rows
            .iter_mut()
            .zip(shapes)
            .zip(&no_record)
            .filter(|(_, lean)| !**lean)
            .map(|((row, shape), _)| (std::mem::take(row), shape))
            .unzip();
        self.check_records(&mut whole, Duplicates::Noted(Some(&shapes)), out)
    }

    /// Checks rows through records, after `out`.
    fn check_records(&mut self, rows: &mut [Row], duplicates: Duplicates<'_>, mut out: Vec<Diagnostic>) -> Part {
        if rows.is_empty() {
            super::sort_findings(&mut out, &self.headers);
            return Part { diagnostics: out, body: Vec::new(), body_rows: Vec::new() };
        }
        let (mut records, found) = from_rows(rows, &self.headers, &self.fields, self.pass_through, &self.managers);
        out.extend(found);
        self.rows_read += records.len() as u64;
        self.rows_carried += records.iter().filter(|r| carries(self.target, &r.action)).count() as u64;
        let numbers: Vec<u64> = rows.iter().map(|r| r.number).collect();
        let shapes = match duplicates {
            Duplicates::ToNote => {
                out.extend(self.duplicates.note(&records, &numbers));
                None
            }
            Duplicates::Noted(shapes) => shapes,
        };
        let part_rows = numbers.first().copied().unwrap_or(0)..=numbers.last().copied().unwrap_or(0);
        // The row each record's manager reference names (`bulkId:rowN`), read before writing
        // moves the users into the body.
        let mut manager_rows = Vec::new();
        let mut unresolved_at = Vec::new(); // record → its entry in `unresolved`
        for (record, row) in records.iter().zip(&numbers) {
            let manager = record.user.manager.as_deref();
            let unresolved = manager.filter(|m| !m.starts_with(BULK_ID_PREFIX)).map(|value| {
                self.unresolved.push(Unresolved { row: *row, value: value.to_owned(), findings: Vec::new() });
                self.unresolved.len() - 1
            });
            unresolved_at.push(unresolved);
            manager_rows.push(manager.and_then(referenced_row));
        }

        let keep_extra = self.target.is_jumpcloud();
        // Records the target's rules would pass are left out: of the walk when the body is kept,
        // else of the body.
        let quiet = if self.quiet { super::quiet::to_write(&records, &numbers, self.target) } else { None };
        let marked = quiet.as_ref().map(|q| q.write.as_slice());
        let subset = if self.keep_body {
            Subset { written: None, walked: marked }
        } else {
            Subset { written: marked, walked: None }
        };
        let manager_known = |record: Option<usize>| {
            quiet.as_ref().zip(record).is_some_and(|(q, r)| q.manager_known.get(r) == Some(&true))
        };
        let written = write_some(&mut records, self.target, keep_extra, subset, &self.known_left_out);
        if let Some((shapes, quiet)) = shapes.zip(quiet.as_ref()) {
            self.learn_shapes(shapes, &quiet.write, &written);
        }
        for (record, known) in written.known_left_out {
            let row = numbers.get(record).copied().unwrap_or(0);
            if let Some(group) = self.known_groups.get(known).and_then(|&g| self.left_out.get_mut(g)) {
                group.add(row);
            }
        }
        for finding in written.findings {
            let code = finding.diagnostic.code;
            if matches!(
                code,
                Code::DuplicateUserName | Code::DuplicateEmail | Code::DuplicateExternalId | Code::DuplicateEmployeeId
            ) {
                continue; // reported above, by row
            }
            if finding.record.is_none() && matches!(code, Code::JcNotArray | Code::BulkOperationsEmpty) {
                continue; // an empty part; `finish` says so if the whole sheet is
            }
            // A manager in another part is a sound reference, although this part lacks its POST; so is
            // one `quiet` knows the whole body creates, although it left the POST out.
            let manager_row = finding.record.and_then(|r| manager_rows.get(r).copied().flatten());
            let about_manager = finding.field.as_deref().is_some_and(|f| super::canonical_key(f) == "manager");
            if code == Code::RefUnknownBulkId
                && about_manager
                && (manager_row.is_some_and(|n| !part_rows.contains(&n)) || manager_known(finding.record))
            {
                continue;
            }
            // A field left out the same way in every row (attribute pairs are renumbered per row,
            // so their findings are placed every time).
            let key = match (finding.left_out_why, &finding.field) {
                (Some(why), Some(field)) if !field.starts_with("attributes.") => Some((field.clone(), why)),
                _ => None,
            };
            let known = key.as_ref().and_then(|key| self.known_left_out.iter().position(|k| k == key));
            if let Some(group) = known.and_then(|k| self.known_groups.get(k)).and_then(|&g| self.left_out.get_mut(g)) {
                group.add(finding.record.and_then(|r| numbers.get(r)).copied().unwrap_or(0));
                continue;
            }
            let waits = finding.record.and_then(|r| unresolved_at.get(r).copied().flatten()).filter(|_| about_manager);
            let finding = self.original_attribute(finding, rows);
            let placed = place(finding, &numbers, &self.headers, &self.fields);
            if let Some(entry) = waits.and_then(|w| self.unresolved.get_mut(w))
                && placed.code != Code::FieldNoEquivalent
            {
                entry.findings.push(placed);
                continue;
            }
            match self.group_left_out(placed) {
                Ok(group) => {
                    if let Some(key) = key {
                        self.known_left_out.push(key);
                        self.known_groups.push(group);
                    }
                }
                Err(other) => out.push(other),
            }
        }
        super::sort_findings(&mut out, &self.headers);
        let body = super::elements(written.body);
        let body_rows = written.emitted.iter().filter_map(|&r| numbers.get(r).copied()).collect();
        Part { diagnostics: out, body, body_rows }
    }

    /// Remembers, for rows of their shapes to come, what each clean record (left out of the body,
    /// with no finding of its own) joined.
    fn learn_shapes(&mut self, shapes: &[u64], write: &[bool], written: &Written) {
        let Some(lean) = &mut self.lean else { return };
        let clean = |record: usize| write.get(record) == Some(&false);
        let mut found = vec![false; shapes.len()];
        for record in written.findings.iter().filter_map(|f| f.record) {
            if let Some(found) = found.get_mut(record) {
                *found = true;
            }
        }
        let mut joined = vec![Vec::new(); shapes.len()];
        for &(record, known) in &written.known_left_out {
            if let (Some(joined), Some(&group)) = (joined.get_mut(record), self.known_groups.get(known)) {
                joined.push(group);
            }
        }
        for ((record, groups), &shape) in joined.into_iter().enumerate().zip(shapes) {
            if clean(record) && found.get(record) == Some(&false) {
                lean.learn(shape, groups);
            }
        }
    }

    /// Keeps a finding that rows repeat alike (a column's value left out, an address an update
    /// clears) for one finding at the end (`Ok`: the group it joined); hands any other back.
    fn group_left_out(&mut self, placed: Diagnostic) -> Result<usize, Diagnostic> {
        let grouped = matches!(placed.code, Code::FieldNoEquivalent | Code::UpdateAddressReplaced);
        if !grouped || (placed.column.is_none() && placed.row.is_none()) {
            return Err(placed);
        }
        let says = placed.message.split_once(": ").map_or(placed.message.as_str(), |(_, says)| says).to_owned();
        let row = placed.row.unwrap_or(0);
        let same = |l: &LeftOut| l.first.code == placed.code && l.first.column == placed.column && l.says == says;
        match self.left_out.iter_mut().enumerate().find(|(_, l)| same(l)) {
            Some((group, l)) => {
                l.add(row);
                Ok(group)
            }
            None => {
                self.left_out.push(LeftOut { first: placed, says, rows: vec![row], count: 1 });
                Ok(self.left_out.len() - 1)
            }
        }
    }

    /// Attribute pairs are renumbered without gaps, so a finding about `attributes.i` is turned
    /// back into the `AttributeN` columns the user wrote.
    fn original_attribute(&self, mut finding: Finding, rows: &[Row]) -> Finding {
        let Some((i, part)) = finding
            .field
            .as_deref()
            .and_then(|f| f.strip_prefix("attributes."))
            .and_then(|rest| rest.split_once('.'))
            .and_then(|(i, part)| Some((i.parse::<usize>().ok()?, part.to_owned())))
        else {
            return finding;
        };
        let Some(row) = finding.record.and_then(|r| rows.get(r)) else { return finding };
        let mut numbers: Vec<u32> = row
            .cells
            .iter()
            .zip(&self.fields)
            .filter(|(cell, _)| !cell.trim().is_empty())
            .filter_map(|(_, field)| attribute_slot(field.as_deref()?).map(|(n, _)| n))
            .collect();
        numbers.sort_unstable();
        numbers.dedup();
        if let Some(n) = numbers.get(i) {
            finding.field = Some(format!("attributes.{n}.{part}"));
        }
        finding
    }

    /// What can only be said once every row has been seen: unmapped columns that hold values,
    /// required fields without a column, and managers named by a row that came later.
    pub(crate) fn finish(&mut self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        check_mapping(self.header_row, &self.mapping, &self.has_values, self.target, self.pass_through, &mut out);
        let mapped = !out.iter().any(|d| d.code == Code::MapRequiredMissing); // else that says why
        if self.rows_read > 0 && self.rows_carried == 0 && mapped {
            out.push(self.nothing_to_send());
        }
        for Unresolved { row, value, findings } in std::mem::take(&mut self.unresolved) {
            match self.managers.reference(&value, row) {
                Some(resolved) => {
                    for finding in self.late_manager(row, value, resolved) {
                        out.extend(self.group_left_out(finding).err());
                    }
                }
                None => out.extend(findings),
            }
        }
        self.known_left_out.clear();
        self.known_groups.clear();
        out.extend(std::mem::take(&mut self.left_out).into_iter().map(LeftOut::into_diagnostic));
        out
    }

    /// Every row is of the kind the target has no endpoint for (JumpCloud creates and updates
    /// users through two).
    fn nothing_to_send(&self) -> Diagnostic {
        let message = if self.target == Format::JumpcloudUpdate {
            "No row has a User ID, so no row updates a user and nothing would be sent. To create these users, convert with --to jumpcloud-create; to update them, fill in their User IDs."
        } else {
            "Every row has a User ID, so every row updates a user and nothing would be created. To update these users, convert with --to jumpcloud-update; to create them, leave the id column out of the mapping."
        };
        Diagnostic::new(Code::SheetNothingToSend, message).at_row(self.header_row)
    }

    /// The findings a manager reference gets when its row came after the part being checked
    /// (JumpCloud cannot carry one), written exactly as a one-part check writes them; but not
    /// those the manager's name (`raw`, written when the row was checked) got already (Oracle HCM
    /// carries no manager at all, named or referred to).
    fn late_manager(&self, row: u64, raw: String, reference: String) -> Vec<Diagnostic> {
        let findings = |manager: String| {
            let user = User { manager: Some(manager), ..User::default() };
            let action = Action::Create { bulk_id: Some(row_bulk_id(row)) };
            let record = Record { index: 0, pointer: "/rows/0".to_owned(), action, user };
            write(&mut [record], self.target, self.target.is_jumpcloud())
                .findings
                .into_iter()
                .filter(|f| f.field.as_deref() == Some("manager") && !f.target_rule)
        };
        let already: Vec<String> = findings(raw).map(|f| f.diagnostic.message).collect();
        findings(reference)
            .filter(|f| !already.contains(&f.diagnostic.message))
            .map(|f| place(f, &[row], &self.headers, &self.fields))
            .collect()
    }
}

impl LeftOut {
    /// Counts one more row, keeping the first rows by number (a stream learns of some rows'
    /// managers only at the end).
    fn add(&mut self, row: u64) {
        self.count += 1;
        if self.rows.len() < ROWS_NAMED || self.rows.last().is_some_and(|&last| row < last) {
            let at = self.rows.partition_point(|&r| r < row);
            self.rows.insert(at, row);
            self.rows.truncate(ROWS_NAMED);
        }
    }

    /// A single row keeps its row finding; more become one finding about the column, which
    /// names the first rows and counts the rest (a column the target has no field for would
    /// otherwise give as many identical warnings as the sheet has rows).
    fn into_diagnostic(self) -> Diagnostic {
        let LeftOut { mut first, says, rows, count } = self;
        if count == 1 {
            return first;
        }
        let named = rows.iter().map(u64::to_string).collect::<Vec<_>>().join(", ");
        let more = count - rows.len() as u64;
        let rows = if more > 0 { format!("{named} and {more} more") } else { named };
        first.message = match &first.column {
            Some(column) if first.code != Code::FieldNoEquivalent => {
                format!("Column \"{column}\", {count} rows ({rows}): {says}")
            }
            Some(column) => format!(
                "Column \"{column}\", {count} rows ({rows}): {says} Map the column to another field, or leave it out of the mapping."
            ),
            None => format!("{count} rows ({rows}): {says}"),
        };
        first.row = None;
        first
    }
}
