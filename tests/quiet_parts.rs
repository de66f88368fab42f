//! Records the target's rules would pass (`spreadsheet::quiet`) are left out of the body when
//! only findings are wanted, and out of the rules' walk when the body is kept. Either way the
//! findings (and the body) must be exactly those of the exhaustive check, which walks every
//! record: random sheets full of what those rules catch (bad emails, usernames and attribute
//! names, over-long text, text that reads as a bulkId reference, managers named before, after, in
//! pairs and in other parts), in every target, through the one-shot checks and the stream.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use muster::Format;
use muster::records::columns::Profile;
use muster::sheet::ReadOptions;
use muster::spreadsheet::stream::{SheetStream, StreamOptions};
use muster::spreadsheet::{SheetOptions, check, check_exhaustively, check_report};
use proptest::prelude::*;

/// Header → field, so every column feeds the field meant.
const COLUMNS: &[(&str, &str)] = &[
    ("U", "userName"),
    ("E", "emails.work"),
    ("H", "emails.home"),
    ("G", "name.givenName"),
    ("T", "title"),
    ("N", "employeeNumber"),
    ("M", "manager"),
    ("AN", "attributes.1.name"),
    ("AV", "attributes.1.value"),
    ("D", "description"),
    ("A", "active"),
    ("X", "jumpcloud.unix_uid"),
    ("P", "phones.mobile"),
    ("L", "location"),
    ("O", "emails.other"),
    ("S", "addresses.work.streetAddress"),
    ("C", "addresses.work.locality"),
    ("B", "addresses.home.poBox"),
    ("I", "externalId"),
    ("Z", "locale"),
];

/// The columns that set plain text only, and a yes/no `active`: sheets of these alone let clean
/// rows be checked without a record (`spreadsheet::lean`).
const PLAIN: &[&str] = &["U", "E", "H", "G", "T", "N", "D", "P", "L", "O", "S", "C", "B", "I", "Z", "A"];

/// One cell of column `c` in row `i` of `n`; `pick` chooses among what that column may hold.
/// A manager cell left clean follows the sheet's `managers` pattern: none, the row before, the
/// row paired with it (each manages the other: a cycle), the row after, or one further away.
fn cell(c: usize, i: usize, n: usize, pick: usize, managers: usize) -> String {
    let other = (i + pick) % n.max(1);
    if COLUMNS[c].0 == "M" && pick == 0 {
        return match managers {
            1 if i > 0 => format!("u{}", i - 1),
            2 => format!("u{}", i ^ 1),
            3 => format!("u{}", i + 1),
            4 => format!("u{}", (i * 7 + 3) % n.max(1)),
            _ => String::new(),
        };
    }
    let choices: Vec<String> = match COLUMNS[c].0 {
        "U" => vec![
            format!("u{i}"),
            format!("u{i}"),
            String::new(),
            "j doe".into(),
            "1abc".into(),
            "a@b".into(),
            "averyveryverylongusername".into(),
            "bulkId:row3".into(),
            "../Users/bulkId:row2".into(),
            format!("U{other}"),
        ],
        "E" => vec![
            format!("u{i}@example.com"),
            format!("u{i}@example.com"),
            String::new(),
            "not-an-address".into(),
            "bulkId:row4".into(),
            format!("u{other}@example.com"),
        ],
        "H" => vec![String::new(), String::new(), format!("h{i}@example.com"), "bad@".into()],
        "G" => vec![String::new(), "Ann".into(), "bulkId:row2".into(), "x".repeat(1100)],
        "T" => vec![String::new(), "Analyst".into(), "a/bulkId:row5".into(), "bulkId:nope".into()],
        "N" => vec![String::new(), format!("{i:06}"), "e".repeat(300), format!("{other:06}")],
        "M" => vec![
            String::new(),
            String::new(),
            format!("u{other}"),
            format!("u{}", i.saturating_sub(1)),
            format!("u{}", i + 1),
            format!("u{}", i ^ 1),
            format!("u{other}@example.com"),
            format!("bulkId:row{}", other + 2),
            "bulkId:foo".into(),
            "a/bulkId:row2".into(),
            "5f0c1b2e3d4a5b6c7d8e9f01".into(),
            format!("u{i}"),
            "nobody".into(),
        ],
        "AN" => vec![String::new(), "costCenter".into(), "cost center".into()],
        "AV" => vec![String::new(), "4130".into(), "v".repeat(1100)],
        "D" => vec![String::new(), "note".into()],
        "A" => vec![String::new(), "yes".into(), "no".into(), "maybe".into()],
        "X" => vec![String::new(), String::new(), "5001".into(), "0".into()],
        "P" => vec![String::new(), "+1 555 0100".into()],
        "O" => vec![String::new(), format!("o{i}@example.com"), "bad@@x".into(), format!("u{other}@example.com")],
        "S" => vec![String::new(), "1 Main St".into(), "bulkId:row2".into()],
        "C" => vec![String::new(), "Boulder".into(), "c".repeat(1100)],
        "B" => vec![String::new(), "PO 1".into()],
        "I" => vec![String::new(), format!("x{i}"), format!("x{other}")],
        "Z" => vec![String::new(), "en-US".into()],
        _ => vec![String::new(), "Boulder".into(), "l".repeat(1100)],
    };
    choices[pick % choices.len()].clone()
}

fn csv(picks: &[Vec<usize>], columns: &[usize], managers: usize) -> Vec<u8> {
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut out = columns.iter().map(|&c| COLUMNS[c].0).collect::<Vec<_>>().join(",") + "\n";
    for (i, row) in picks.iter().enumerate() {
        let cells: Vec<String> = columns.iter().map(|&c| quote(&cell(c, i, picks.len(), row[c], managers))).collect();
        out += &(cells.join(",") + "\n");
    }
    out.into_bytes()
}

fn options(target: Format) -> SheetOptions {
    let mut profile = Profile::default();
    for (header, field) in COLUMNS {
        profile.columns.insert((*header).to_owned(), Some((*field).to_owned()));
    }
    SheetOptions {
        read: ReadOptions { filename: Some("users.csv".into()), ..Default::default() },
        profile: Some(profile),
        target,
    }
}

fn streamed(bytes: &[u8], options: &SheetOptions, body: bool) -> Vec<muster::Diagnostic> {
    let flags = StreamOptions { body, ..StreamOptions::default() };
    let updates = SheetStream::new(options.clone(), flags).run(bytes.chunks(4096)).unwrap();
    let mut found: Vec<_> = updates.into_iter().flat_map(|u| u.diagnostics).collect();
    found.sort_by_key(|d| (d.row, d.column.clone(), d.code, d.message.clone()));
    found
}

/// Rows whose cells are clean (choice 0) but for one or two: a record then has a single thing
/// the rules may catch, the case where leaving it out of the body or not decides.
fn row() -> impl Strategy<Value = Vec<usize>> {
    let defect = (0..COLUMNS.len(), 0usize..13);
    (defect.clone(), proptest::option::weighted(0.3, defect)).prop_map(|(first, second)| {
        let mut picks = vec![0; COLUMNS.len()];
        for (column, pick) in std::iter::once(first).chain(second) {
            picks[column] = pick;
        }
        picks
    })
}

fn targets() -> impl Strategy<Value = Format> {
    prop_oneof![Just(Format::Scim), Just(Format::Oracle), Just(Format::JumpcloudCreate), Just(Format::JumpcloudUpdate)]
}

fn sheets() -> impl Strategy<Value = (Vec<Vec<usize>>, Vec<usize>, usize, Format)> {
    let rows = prop_oneof![4 => 1usize..40, 1 => 240usize..300];
    let target = targets();
    let columns = proptest::sample::subsequence((0..COLUMNS.len()).collect::<Vec<_>>(), 2..=COLUMNS.len());
    (rows, columns, 0usize..5, target).prop_flat_map(move |(n, columns, managers, target)| {
        (proptest::collection::vec(row(), n), Just(columns), Just(managers), Just(target))
    })
}

/// Sheets of plain-text columns whose rows mostly repeat a few clean shapes (cells of choice 0 or
/// 1 are clean), with a defect here and there, long enough to span parts: rows of a shape seen
/// clean before are then checked from their cells alone.
fn plain_sheets() -> impl Strategy<Value = (Vec<Vec<usize>>, Vec<usize>, usize, Format)> {
    let plain: Vec<usize> = PLAIN.iter().map(|h| COLUMNS.iter().position(|(c, _)| c == h).unwrap()).collect();
    let rows = prop_oneof![1 => 1usize..40, 2 => 240usize..700];
    let target = targets();
    let columns = proptest::sample::subsequence(plain, 1..=PLAIN.len());
    let base = proptest::collection::vec(0usize..2, COLUMNS.len());
    (rows, columns, base, target).prop_flat_map(|(n, columns, base, target)| {
        let clean = proptest::collection::vec(0usize..2, COLUMNS.len());
        let row = prop_oneof![14 => Just(base), 4 => clean, 2 => row()];
        (proptest::collection::vec(row, n), Just(columns), Just(0), Just(target))
    })
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn findings_without_a_body_equal_findings_with_one((picks, columns, managers, target) in sheets()) {
        let bytes = csv(&picks, &columns, managers);
        let options = options(target);
        let exhaustive = check_exhaustively(&bytes, &options).unwrap();
        let with_body = check(&bytes, &options).unwrap();
        prop_assert_eq!(&with_body, &exhaustive);
        prop_assert_eq!(&check_report(&bytes, &options).unwrap(), &exhaustive.report);
        // A stream cuts its parts as the one-shot check does, wherever its pushes end.
        let mut one_shot = exhaustive.report.diagnostics.clone();
        one_shot.sort_by_key(|d| (d.row, d.column.clone(), d.code, d.message.clone()));
        prop_assert_eq!(&streamed(&bytes, &options, true), &one_shot);
        prop_assert_eq!(&streamed(&bytes, &options, false), &one_shot);
    }

    #[test]
    fn rows_checked_from_their_cells_find_what_records_find((picks, columns, managers, target) in plain_sheets()) {
        let bytes = csv(&picks, &columns, managers);
        let options = options(target);
        let exhaustive = check_exhaustively(&bytes, &options).unwrap();
        prop_assert_eq!(&check_report(&bytes, &options).unwrap(), &exhaustive.report);
        let mut one_shot = exhaustive.report.diagnostics.clone();
        one_shot.sort_by_key(|d| (d.row, d.column.clone(), d.code, d.message.clone()));
        prop_assert_eq!(&streamed(&bytes, &options, false), &one_shot);
    }
}
