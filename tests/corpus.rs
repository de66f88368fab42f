//! The spreadsheet corpus: files shaped like the ones admins really export (Excel's UTF-16
//! "Unicode text", legacy Windows-1252, semicolons with a BOM, quoted line breaks, zero-padded
//! ids, duplicate headers, blank rows, a dozen attribute pairs, JumpCloud's template). Each one's
//! findings are asserted exactly (row, column, code), and the streaming reader must find the same
//! as the one-shot check however the bytes are cut.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use muster::sheet::ReadOptions;
use muster::spreadsheet::stream::{SheetStream, StreamOptions};
use muster::spreadsheet::{SheetOptions, check};
use muster::{Code, Diagnostic, Format};

/// A fixture's bytes. `*.txt` sources are UTF-8 text that the test encodes as Excel would have
/// written it: `.tsv.txt` as UTF-16 LE with a BOM, `-cp1252.csv.txt` as Windows-1252, `mac-*.txt`
/// as Mac Roman with a carriage return alone ending each line (Excel's "CSV (Macintosh)").
fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/sheets/{name}", env!("CARGO_MANIFEST_DIR"));
    let raw = std::fs::read(&path).unwrap();
    if name.ends_with(".tsv.txt") {
        let text = String::from_utf8(raw).unwrap();
        return [0xFF, 0xFE].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect();
    }
    if name.ends_with("-cp1252.csv.txt") {
        let text = String::from_utf8(raw).unwrap();
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
        assert!(!unmappable);
        return bytes.into_owned();
    }
    if name.starts_with("mac-") {
        let text = String::from_utf8(raw).unwrap().replace('\n', "\r");
        let (bytes, _, unmappable) = encoding_rs::MACINTOSH.encode(&text);
        assert!(!unmappable);
        return bytes.into_owned();
    }
    raw
}

const CORPUS: [(&str, Format); 7] = [
    ("jumpcloud-template.csv", Format::JumpcloudCreate),
    ("hr-export-semicolon-bom.csv", Format::Scim),
    ("excel-unicode.tsv.txt", Format::JumpcloudCreate),
    ("legacy-cp1252.csv.txt", Format::JumpcloudCreate),
    ("duplicate-headers.csv", Format::Scim),
    ("attributes-12.csv", Format::JumpcloudCreate),
    ("mac-classic.csv.txt", Format::Scim),
];

fn options(name: &str, target: Format) -> SheetOptions {
    let filename = name.trim_end_matches(".txt").to_owned();
    SheetOptions { read: ReadOptions { filename: Some(filename), ..ReadOptions::default() }, profile: None, target }
}

fn placed(diagnostics: &[Diagnostic]) -> Vec<(u64, String, Code)> {
    diagnostics.iter().map(|d| (d.row.unwrap_or(0), d.column.clone().unwrap_or_default(), d.code)).collect()
}

fn expected(name: &str) -> Vec<(u64, &'static str, Code)> {
    match name {
        // Row 5 is blank; row 6's job title spans two lines of the file but is one row.
        "jumpcloud-template.csv" => vec![
            (1, "Favourite colour", Code::MapColumnUnmapped),
            (3, "Email", Code::EmailInvalid),
            (3, "manager", Code::FieldNoEquivalent),
            (4, "", Code::DuplicateUserName),
            (4, "sudo", Code::CellBooleanInvalid),
            (4, "unix_uid", Code::CellIntegerInvalid),
            (6, "", Code::DuplicateEmployeeId),
            (6, "Attribute1_name", Code::JcAttributeInvalid),
            (7, "Username", Code::JcUsernameInvalid),
        ],
        // BOM + semicolons; row 2's title holds a line break, so the blank line is row 5; the
        // email in row 6 repeats row 2's in another case; managers by username and by email.
        "hr-export-semicolon-bom.csv" => {
            vec![(1, "Start date", Code::MapColumnUnmapped), (6, "", Code::DuplicateEmail)]
        }
        // UTF-16 LE with a BOM, tab-separated, CJK and accents; the zero-padded id repeats.
        "excel-unicode.tsv.txt" => vec![(4, "", Code::DuplicateEmployeeId), (4, "Username", Code::JcUsernameInvalid)],
        // Not UTF-8: read as Windows-1252 (said once), accents and Œ/– intact.
        "legacy-cp1252.csv.txt" => vec![(2, "", Code::EncodingFallback), (3, "sudo", Code::CellBooleanInvalid)],
        "duplicate-headers.csv" => vec![
            (1, "Name", Code::MapColumnUnmapped),
            (1, "email", Code::SheetDuplicateHeader),
            (1, "email", Code::MapColumnUnmapped),
        ],
        // Twelve pairs with gaps: findings land on the columns the user wrote (11 and 12), not
        // on the renumbered positions.
        "attributes-12.csv" => {
            vec![(3, "Attribute11_name", Code::JcAttributeInvalid), (3, "Attribute12_value", Code::JcAttributeInvalid)]
        }
        // Carriage returns alone end the lines: row 2's title spans two of them, row 3 is blank,
        // and row 5 repeats row 2's username (with every row numbered 1, it once hid as the same row).
        "mac-classic.csv.txt" => {
            vec![(2, "", Code::EncodingFallback), (4, "Email", Code::EmailInvalid), (5, "", Code::DuplicateUserName)]
        }
        other => panic!("no expectations for {other}"),
    }
}

#[test]
fn every_fixture_has_exactly_its_findings() {
    for (name, target) in CORPUS {
        let checked = check(&fixture(name), &options(name, target)).unwrap();
        let found = placed(&checked.report.diagnostics);
        let want: Vec<(u64, String, Code)> =
            expected(name).into_iter().map(|(row, column, code)| (row, column.to_owned(), code)).collect();
        assert_eq!(found, want, "{name}: {:#?}", checked.report.diagnostics);
    }
}

#[test]
fn text_is_decoded_and_cells_kept_as_written() {
    let cells = |name: &str, row: usize| {
        let (sheet, _) = muster::sheet::read(&fixture(name), &options(name, Format::Scim).read).unwrap();
        sheet.rows[row].cells.clone()
    };
    assert_eq!(cells("excel-unicode.tsv.txt", 0)[..3], ["lchen", "Li", "陈"]);
    assert_eq!(
        cells("legacy-cp1252.csv.txt", 1)[..5],
        ["nandre", "Noël", "André", "noel@example.com", "Œnologue – chef"]
    );
    assert_eq!(cells("mac-classic.csv.txt", 0)[4], "Sales,\nÎle-de-France");
    assert_eq!(cells("mac-classic.csv.txt", 1)[4], "Analyste financière");
    let hr = cells("hr-export-semicolon-bom.csv", 0);
    assert_eq!((hr[0].as_str(), hr[3].as_str(), hr[5].as_str()), ("Renée", "000101", "Controller,\nEMEA"));
}

/// Everything a stream reports, fed `piece` bytes at a time and checked `part_rows` rows at a time.
fn streamed(bytes: &[u8], options: &SheetOptions, piece: usize, part_rows: usize) -> (Vec<Diagnostic>, Vec<u64>, u64) {
    let flags = StreamOptions { rows: true, body: false, part_rows };
    let updates = SheetStream::new(options.clone(), flags).run(bytes.chunks(piece.max(1))).unwrap();
    let last = updates.last().map(|update| update.progress).unwrap_or_default();
    assert_eq!(last.bytes, bytes.len() as u64);
    let diagnostics = updates.iter().flat_map(|update| update.diagnostics.clone()).collect();
    let rows = updates.iter().flat_map(|update| update.rows.iter().map(|r| r.number)).collect();
    (diagnostics, rows, last.rows)
}

fn sorted(diagnostics: &[Diagnostic]) -> Vec<(u64, String, Code, String)> {
    let mut all: Vec<_> = diagnostics
        .iter()
        .map(|d| (d.row.unwrap_or(0), d.column.clone().unwrap_or_default(), d.code, d.message.clone()))
        .collect();
    all.sort();
    all
}

#[test]
fn streaming_finds_what_the_one_shot_check_finds_however_the_bytes_are_cut() {
    for (name, target) in CORPUS {
        let bytes = fixture(name);
        for target in [target, Format::Scim, Format::JumpcloudCreate, Format::Oracle] {
            let options = options(name, target);
            let (sheet, _) = muster::sheet::read(&bytes, &options.read).unwrap();
            let one_shot = check(&bytes, &options).unwrap();
            let rows: Vec<u64> = sheet.rows.iter().map(|r| r.number).collect();
            for piece in [1, 2, 3, 7, 64, 4096, bytes.len()] {
                for part_rows in [1, 2, 2000] {
                    let (diagnostics, streamed_rows, count) = streamed(&bytes, &options, piece, part_rows);
                    let context = format!("{name} as {} in pieces of {piece}, parts of {part_rows}", target.name());
                    assert_eq!(sorted(&diagnostics), sorted(&one_shot.report.diagnostics), "{context}");
                    assert_eq!(streamed_rows, rows, "{context}");
                    assert_eq!(count, rows.len() as u64, "{context}");
                }
            }
        }
    }
}

#[test]
fn a_stream_over_many_rows_keeps_batch_checks_across_parts() {
    let mut csv = String::from("Username,Email,Manager\n");
    for i in 0..5_000 {
        // Row 4,002 repeats row 2's email; every user's manager is the next row (forward).
        let email = if i == 4_000 { "user0@example.com".to_owned() } else { format!("user{i}@example.com") };
        csv.push_str(&format!("user{i},{email},user{}\n", i + 1));
    }
    let options = options("big.csv", Format::JumpcloudCreate);
    let one_shot = check(csv.as_bytes(), &options).unwrap();
    let (diagnostics, _, rows) = streamed(csv.as_bytes(), &options, 10_000, 700);
    assert_eq!(rows, 5_000);
    assert_eq!(sorted(&diagnostics), sorted(&one_shot.report.diagnostics));
    assert!(diagnostics.iter().any(|d| d.code == Code::DuplicateEmail && d.message.contains("row 2")));
    // JumpCloud cannot take a manager created in the same job: said once for the column, counting
    // every row whose manager is a later row, also when that row is in a later part.
    let left_out: Vec<_> = diagnostics.iter().filter(|d| d.code == Code::FieldNoEquivalent).collect();
    assert_eq!(left_out.len(), 1);
    assert_eq!((left_out[0].row, left_out[0].column.as_deref()), (None, Some("Manager")));
    assert!(left_out[0].message.starts_with("Column \"Manager\", 4999 rows (2, 3, 4, 5, 6 and 4994 more): "));
}

/// Oracle HCM carries no manager, named or referred to: a stream that learns of a manager's row
/// only in a later part says so once for that row, as the one-shot check does (it said it twice).
#[test]
fn a_stream_counts_a_late_manager_once_where_no_manager_is_carried() {
    let mut csv = String::from("Username,Email,Manager\n");
    for i in 0..1_000 {
        csv.push_str(&format!("user{i},user{i}@example.com,user{}\n", i + 1));
    }
    let options = options("big.csv", Format::Oracle);
    let one_shot = check(csv.as_bytes(), &options).unwrap();
    let (diagnostics, _, _) = streamed(csv.as_bytes(), &options, 10_000, 700);
    let manager = |found: &[Diagnostic]| {
        found.iter().filter(|d| d.column.as_deref() == Some("Manager")).map(|d| d.message.clone()).collect::<Vec<_>>()
    };
    assert_eq!(manager(&diagnostics), manager(&one_shot.report.diagnostics));
    assert!(manager(&diagnostics)[0].starts_with("Column \"Manager\", 1000 rows (2, 3, 4, 5, 6 and 995 more): "));
}
