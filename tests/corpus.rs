//! The spreadsheet corpus: files shaped like the ones admins really export (Excel's UTF-16
//! "Unicode text", legacy Windows-1252, semicolons with a BOM, quoted line breaks, zero-padded
//! ids, duplicate headers, blank rows, a dozen attribute pairs, JumpCloud's template). Each one's
//! findings are asserted exactly (row, column, code), and the streaming reader must find the same
//! as the one-shot check however the bytes are cut.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use muster::checks::{Spill, SpillFiles};
use muster::sheet::ReadOptions;
use muster::spreadsheet::stream::{Gathered, GatheredOnDisk, SheetStream, StreamHeader, StreamOptions, StreamUpdate};
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

/// Everything a stream reports when it keeps `in_memory` values of each key before spilling them
/// to files from `files`.
fn streamed_spilling(bytes: &[u8], options: &SheetOptions, in_memory: usize, files: SpillFiles) -> Vec<Diagnostic> {
    let flags = StreamOptions { part_rows: 2, ..StreamOptions::default() };
    let stream = SheetStream::new(options.clone(), flags).spill(Spill::new(files, in_memory));
    stream.run(bytes.chunks(64)).unwrap().into_iter().flat_map(|update| update.diagnostics).collect()
}

#[test]
fn a_stream_spilling_duplicate_values_to_disk_finds_the_same_on_every_fixture() {
    for (name, target) in CORPUS {
        let bytes = fixture(name);
        let options = options(name, target);
        let one_shot = check(&bytes, &options).unwrap();
        for in_memory in [1, 2, 3, 1000] {
            let found = streamed_spilling(&bytes, &options, in_memory, Box::new(tempfile::tempfile));
            assert_eq!(sorted(&found), sorted(&one_shot.report.diagnostics), "{name}, {in_memory} in memory");
        }
    }
}

/// Values repeated within a run, across runs, before and after a key starts spilling, three
/// times, and twice in one row (two email columns: no batch duplicate) are reported as the
/// in-memory check reports them, each later row naming the first; also when no file can be had.
#[test]
fn spilled_duplicate_values_are_merged_into_the_findings_of_the_in_memory_check() {
    let mut csv = String::from("Username,Email,Other email,Employee ID\n");
    for i in 0..3_000 {
        let user = if i % 400 == 399 { format!("user{}", i - 397) } else { format!("user{i}") };
        let other = if i % 7 == 0 { format!("u{i}@example.com") } else { format!("u{}@example.com", i % 1_000) };
        let employee = if i % 250 == 3 { "000003".to_owned() } else { format!("{i:06}") };
        csv.push_str(&format!("{user},u{i}@example.com,{other},{employee}\n"));
    }
    let options = options("big.csv", Format::JumpcloudCreate);
    let one_shot = check(csv.as_bytes(), &options).unwrap();
    let count = |code| one_shot.report.diagnostics.iter().filter(|d| d.code == code).count();
    // 7 usernames, 11 employee ids, and the other email of 1,714 rows repeating an earlier row's email.
    assert_eq!(
        (count(Code::DuplicateUserName), count(Code::DuplicateEmployeeId), count(Code::DuplicateEmail)),
        (7, 11, 1_714)
    );
    let opened = std::rc::Rc::new(std::cell::Cell::new(0));
    let counted = opened.clone();
    let files: SpillFiles = Box::new(move || {
        counted.set(counted.get() + 1);
        tempfile::tempfile()
    });
    for (in_memory, files) in [(100, files), (1_000, Box::new(|| Err(std::io::Error::other("no disk"))) as SpillFiles)]
    {
        let found = streamed_spilling(csv.as_bytes(), &options, in_memory, files);
        assert_eq!(sorted(&found), sorted(&one_shot.report.diagnostics), "{in_memory} in memory");
    }
    assert_eq!(opened.get(), 3); // a file for each key that spilled, holding its 30 or more runs
}

/// The report as the CLI writes it from findings gathered on disk (or held, with no file), and
/// from findings gathered in memory.
fn both_ways(updates: Vec<StreamUpdate>) -> (String, String, String) {
    let mut in_memory = Gathered::default();
    let report = updates.iter().cloned().find_map(|u| in_memory.add(u)).unwrap();
    let gathered = |file: Option<std::fs::File>| {
        let mut on_disk = GatheredOnDisk::new(file);
        let report = updates.iter().cloned().find_map(|u| on_disk.add(u).unwrap()).unwrap();
        let mut json = Vec::new();
        report.write_json(&mut json).unwrap();
        String::from_utf8(json).unwrap()
    };
    (serde_json::to_string_pretty(&report).unwrap(), gathered(Some(tempfile::tempfile().unwrap())), gathered(None))
}

#[test]
fn findings_gathered_on_disk_give_the_report_gathered_in_memory_gives() {
    for (name, target) in CORPUS {
        let bytes = fixture(name);
        let flags = StreamOptions { part_rows: 2, ..StreamOptions::default() };
        let updates = SheetStream::new(options(name, target), flags).run(bytes.chunks(50)).unwrap();
        let (want, on_disk, held) = both_ways(updates);
        assert!(want.contains("\"code\""), "{name} has findings");
        assert_eq!(on_disk, want, "{name}");
        assert_eq!(held, want, "{name}");
    }
    // Findings of an update before the last one's (which a stream does not give) are sorted too;
    // the last update's findings are merged in, after those that came earlier on a tie.
    let at = |row, column: &str, message: &str| {
        Diagnostic::new(Code::EmailInvalid, message).at_row(row).at_column(column.to_owned())
    };
    let header = StreamHeader {
        header_row: 1,
        headers: vec!["A".into(), "B".into()],
        mapping: Vec::new(),
        target: Format::Scim,
        encoding: None,
    };
    let update = |diagnostics, done| StreamUpdate { diagnostics, done, ..StreamUpdate::default() };
    for second in [vec![at(6, "A", "second")], vec![at(3, "A", "late")]] {
        let updates = vec![
            StreamUpdate { header: Some(header.clone()), ..update(vec![at(5, "B", "first"), at(4, "A", "x")], false) },
            update(second, false),
            update(vec![at(6, "A", "end"), at(1, "B", "mapping"), at(9, "B", "y")], true),
        ];
        let (want, on_disk, held) = both_ways(updates);
        assert_eq!((&on_disk, &held), (&want, &want));
    }
    // Findings written before the header was known sorted without column places.
    let updates = vec![
        update(vec![at(2, "B", "before"), at(2, "A", "the header")], false),
        StreamUpdate { header: Some(header), ..update(vec![at(3, "A", "after")], false) },
        update(Vec::new(), true),
    ];
    let (want, on_disk, held) = both_ways(updates);
    assert!(want.find("the header").unwrap() < want.find("before").unwrap());
    assert_eq!((&on_disk, &held), (&want, &want));
}

/// `measure` gives the report-only check's report, and the sheet's size: its rows and the columns
/// mapped to a field (an unmapped column counts for nothing), as the sheet's own check sees them.
#[test]
fn a_sheet_is_measured_by_its_rows_and_mapped_columns() {
    let options = options("users.csv", Format::Scim);
    let csv = b"Username,Email,Favourite colour,First Name\njdoe,jdoe@example.com,green,John\n\nasmith,bad,blue,Ann\n";
    let (report, size) = muster::spreadsheet::measure(csv, &options, usize::MAX).unwrap();
    assert_eq!(report, muster::spreadsheet::check_report(csv, &options).unwrap());
    assert_eq!(size, muster::spreadsheet::SheetSize { rows: 2, mapped_columns: 3 });
    assert_eq!(size.mapped_cells(), 6);
    let checked = check(csv, &options).unwrap();
    assert_eq!(checked.report, report);
    assert_eq!(checked.mapping.iter().filter(|p| p.field.is_some()).count(), size.mapped_columns);
    let (_, empty) = muster::spreadsheet::measure(b"", &options, usize::MAX).unwrap();
    assert_eq!(empty, muster::spreadsheet::SheetSize { rows: 0, mapped_columns: 0 });
}

/// A report may list only its first findings (the Worker's 400 does): exactly the first ones of
/// the whole report, in its order, with every finding counted. Findings past them are dropped as
/// the updates come, also when one the end tells (a column left unmapped, at the header row)
/// sorts before every row's.
#[test]
fn a_report_may_list_only_its_first_findings_and_count_them_all() {
    let mut csv = String::from("Username,Email,Favourite colour\n");
    for i in 0..3_000 {
        let email = if i % 3 == 0 { format!("bad{i}") } else { format!("u{i}@example.com") };
        // Every 700th row repeats the first row's username.
        let name = if i % 700 == 699 { "u0".to_owned() } else { format!("u{i}") };
        csv.push_str(&format!("{name},{email},green\n"));
    }
    for target in [Format::Scim, Format::JumpcloudCreate] {
        let options = options("users.csv", target);
        let whole = muster::spreadsheet::check_report(csv.as_bytes(), &options).unwrap();
        assert!(whole.diagnostics.len() > 1_000, "{}", whole.diagnostics.len());
        assert_eq!(whole.diagnostics[0].code, Code::MapColumnUnmapped);
        let flags = StreamOptions { part_rows: 7, ..StreamOptions::default() };
        let updates = SheetStream::new(options.clone(), flags).run(csv.as_bytes().chunks(1_000)).unwrap();
        for most in [0, 1, 10, 999, whole.diagnostics.len(), usize::MAX] {
            let want = &whole.diagnostics[..most.min(whole.diagnostics.len())];
            let (listed, _) = muster::spreadsheet::measure(csv.as_bytes(), &options, most).unwrap();
            assert_eq!((listed.valid, listed.summary), (whole.valid, whole.summary), "{most}");
            assert_eq!(listed.diagnostics, want, "{most}");
            // Gathered from many small updates, pruned along the way.
            let mut gathered = Gathered::listing(most);
            let report = updates.iter().cloned().find_map(|u| gathered.add(u)).unwrap();
            assert_eq!((report.summary, report.diagnostics.as_slice()), (whole.summary, want), "{most}, streamed");
        }
    }
}
