//! Workbooks, written by tests/fixtures/sheets/make_workbooks.py (openpyxl, odfpy and xlwt, from
//! the venv): sheets listed and chosen, zero-padded IDs kept, dates in both date systems as ISO
//! 8601, numbers stored as text kept, Excel errors reported, rows and columns numbered as Excel
//! shows them, XLSX read cell by cell exactly as calamine's grid of the sheet reads it, and ODS
//! and XLS read too.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use muster::sheet::{ReadOptions, read, read_workbook_cells, read_workbook_grid, sheet_names};
use muster::spreadsheet::stream::{SheetStream, StreamOptions};
use muster::spreadsheet::{SheetOptions, XlsxWorkbook, check, check_report};
use muster::{Code, Format};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The generated workbooks, written once per test run.
fn workbooks() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let python = root.join(".tools/venv/bin/python");
        assert!(python.exists(), "{} is missing: run scripts/bootstrap (make test does)", python.display());
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("workbooks");
        let out =
            Command::new(python).arg(root.join("tests/fixtures/sheets/make_workbooks.py")).arg(&dir).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        dir
    })
}

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(workbooks().join(name)).unwrap()
}

fn options(name: &str) -> ReadOptions {
    ReadOptions { filename: Some(name.to_owned()), ..ReadOptions::default() }
}

#[test]
fn both_date_systems_read_to_the_same_text() {
    for name in ["users-1900.xlsx", "users-1904.xlsx"] {
        let (sheet, diagnostics) = read(&bytes(name), &options(name)).unwrap();
        assert_eq!(sheet.name, "New hires", "{name}");
        assert_eq!(
            sheet.headers,
            ["Username", "Email", "Employee ID", "Start date", "Active", "unix_uid", "Note", "Check"]
        );
        assert_eq!(sheet.rows.iter().map(|r| r.number).collect::<Vec<_>>(), [2, 4], "{name}: row 3 is blank");
        assert_eq!(
            sheet.rows[0].cells,
            ["jdoe", "jdoe@example.com", "000042", "2026-03-04", "true", "5001", "plain", "ok"],
            "{name}"
        );
        assert_eq!(
            sheet.rows[1].cells,
            ["asmith", "asmith@example.com", "000123", "2026-12-31T09:30:00", "false", "5002", "=1+1", ""],
            "{name}"
        );
        assert_eq!(diagnostics.len(), 1, "{name}: {diagnostics:?}");
        assert_eq!((diagnostics[0].code, diagnostics[0].row), (Code::SheetCellError, Some(4)));
        assert!(diagnostics[0].message.contains("#N/A"), "{}", diagnostics[0].message);
    }
}

#[test]
fn sheets_are_listed_and_chosen_by_name() {
    assert_eq!(sheet_names(&bytes("users-1900.xlsx")).unwrap(), ["New hires", "Notes"]);
    let chosen = ReadOptions { sheet: Some("notes".to_owned()), ..options("users-1900.xlsx") };
    let (sheet, _) = read(&bytes("users-1900.xlsx"), &chosen).unwrap();
    assert_eq!((sheet.name.as_str(), sheet.rows[0].cells[0].as_str()), ("Notes", "bwayne"));
    let missing = ReadOptions { sheet: Some("Leavers".to_owned()), ..options("users-1900.xlsx") };
    assert!(read(&bytes("users-1900.xlsx"), &missing).unwrap_err().contains("the sheets are: New hires, Notes"));
}

#[test]
fn a_workbook_goes_through_the_whole_spreadsheet_path() {
    let options = SheetOptions { read: options("users-1900.xlsx"), profile: None, target: Format::JumpcloudCreate };
    let checked = check(&bytes("users-1900.xlsx"), &options).unwrap();
    let codes: Vec<Code> = checked.report.diagnostics.iter().map(|d| d.code).collect();
    // "Start date" and "Check" feed no field ("Note" is close to "notes": description); the error cell is reported.
    assert_eq!(codes, [Code::MapColumnUnmapped, Code::MapColumnUnmapped, Code::SheetCellError]);
    let note = checked.mapping.iter().find(|p| p.header == "Note").unwrap();
    assert_eq!((note.field.as_deref(), note.matched), (Some("description"), muster::records::columns::Match::Fuzzy));
    let users = checked.body.unwrap();
    assert_eq!(users[0]["employeeIdentifier"], "000042");
    assert_eq!(users[1]["unix_uid"], 5002);
    assert_eq!((users[0]["state"].as_str(), users[1]["state"].as_str()), (Some("ACTIVATED"), Some("SUSPENDED")));
}

#[test]
fn a_hand_kept_layout_keeps_excel_rows_and_columns() {
    for name in ["edges.xlsx", "edges-unordered.xlsx"] {
        let (sheet, diagnostics) = read(&bytes(name), &options(name)).unwrap();
        assert_eq!(sheet.header_row, 2, "{name}");
        assert_eq!(sheet.headers, ["", "Username", "Email", "Employee ID"], "{name}");
        assert_eq!(sheet.rows.iter().map(|r| r.number).collect::<Vec<_>>(), [3, 5], "{name}: row 4 is blank");
        assert_eq!(sheet.rows[0].cells, ["", "jdoe", "jdoe@example.com", "0007"], "{name}");
        assert_eq!(sheet.rows[1].cells, ["", "asmith", "asmith@example.com", "8"], "{name}");
        // "stray" in F5 has no header: it would be lost, as a CSV's value past the last header is.
        let placed: Vec<_> = diagnostics.iter().map(|d| (d.code, d.row, d.column.as_deref())).collect();
        assert_eq!(placed, [(Code::SheetExtraCells, Some(5), Some("F"))], "{name}");
    }
}

/// XLSX is read cell by cell, each row handed on as soon as it is read (the grid of a 100k-row
/// sheet is ten times the file); XLS and ODS through the grid. Both readings must give the same
/// sheet and findings, whichever header row. Only a sheet whose rows come out of order is
/// gathered before its rows are handed on.
#[test]
fn xlsx_read_cell_by_cell_equals_the_grid() {
    for name in ["users-1900.xlsx", "users-1904.xlsx", "edges.xlsx", "edges-unordered.xlsx"] {
        let bytes = bytes(name);
        for sheet in sheet_names(&bytes).unwrap() {
            for header_row in [None, Some(1), Some(2), Some(3), Some(4), Some(9)] {
                let options = ReadOptions { sheet: Some(sheet.clone()), header_row, ..options(name) };
                let grid = read_workbook_grid(&bytes, &options);
                assert_eq!(read(&bytes, &options), grid, "{name} {sheet} {header_row:?}");
                match read_workbook_cells(&bytes, &options) {
                    Ok(Some(cells)) => {
                        assert_ne!(name, "edges-unordered.xlsx", "{sheet} {header_row:?}: rows out of order");
                        assert_eq!(Ok(cells), grid, "{name} {sheet} {header_row:?}");
                    }
                    Ok(None) => assert_eq!(name, "edges-unordered.xlsx", "{sheet} {header_row:?}: rows in order"),
                    Err(err) => assert_eq!(Err(err), grid, "{name} {sheet} {header_row:?}"),
                }
            }
        }
    }
}

/// A check for the report alone reads a workbook's rows as they come, a part at a time, and finds
/// exactly what the whole check finds, in the same order; a stream's rows are the sheet's rows.
#[test]
fn a_workbook_checked_as_it_is_read_finds_what_the_whole_check_finds() {
    for name in ["many.xlsx", "users-1900.xlsx", "users-1904.xlsx", "edges.xlsx", "edges-unordered.xlsx"] {
        let bytes = bytes(name);
        for header_row in [None, Some(2), Some(4)] {
            for target in [Format::JumpcloudCreate, Format::Scim, Format::Oracle] {
                let options = SheetOptions { read: ReadOptions { header_row, ..options(name) }, profile: None, target };
                let context = format!("{name}, header row {header_row:?}, {}", target.name());
                let whole = check(&bytes, &options).map(|c| c.report);
                assert_eq!(check_report(&bytes, &options), whole, "{context}");
                // The CLI's way: read from the file as it is needed.
                let file = std::fs::File::open(workbooks().join(name)).unwrap();
                let from_file = XlsxWorkbook::open(file).map(|workbook| workbook.check_report(&options));
                assert_eq!(from_file, Some(whole.clone()), "{context}, from a file");
                let Ok(whole) = whole else { continue };
                let rows: Vec<u64> = read(&bytes, &options.read).unwrap().0.rows.iter().map(|r| r.number).collect();
                for part_rows in [1, 7, 250] {
                    let flags = StreamOptions { rows: true, body: false, part_rows };
                    let updates = SheetStream::new(options.clone(), flags).run(bytes.chunks(1000)).unwrap();
                    let mut gathered = muster::spreadsheet::stream::Gathered::default();
                    let streamed_rows: Vec<u64> =
                        updates.iter().flat_map(|u| u.rows.iter().map(|r| r.number)).collect();
                    let report = updates.into_iter().find_map(|u| gathered.add(u));
                    assert_eq!(report.as_ref(), Some(&whole), "{context}, parts of {part_rows}");
                    assert_eq!(streamed_rows, rows, "{context}, parts of {part_rows}");
                }
            }
        }
    }
    // The big sheet's findings span its parts: a repeated email 608 rows apart, an Excel error.
    let options = SheetOptions { read: options("many.xlsx"), profile: None, target: Format::JumpcloudCreate };
    let report = check_report(&bytes("many.xlsx"), &options).unwrap();
    assert_eq!(report.summary.rows, 700);
    let duplicate = report.diagnostics.iter().find(|d| d.code == Code::DuplicateEmail).unwrap();
    assert!(duplicate.message.contains("row 5"), "{}", duplicate.message);
    assert!(report.diagnostics.iter().any(|d| d.code == Code::SheetCellError && d.row == Some(338)));
    assert_eq!(report.diagnostics.iter().filter(|d| d.code == Code::EmailInvalid).count(), 16);
    // Listing only the first findings, as the Worker's 400 does: those of the whole report.
    for most in [0, 1, 5, report.diagnostics.len() - 1] {
        let (listed, _) = muster::spreadsheet::measure(&bytes("many.xlsx"), &options, most).unwrap();
        assert_eq!((listed.summary, listed.diagnostics.as_slice()), (report.summary, &report.diagnostics[..most]));
    }
}

/// Forty workbooks laid out at random (make_workbooks.py, seeded): the cells read as the grid reads
/// them, and the report-only check, reading rows as they come, equals the whole check.
#[test]
fn random_layouts_read_as_the_grid_and_check_as_a_whole() {
    let mut gathered = 0;
    for seed in 0..40 {
        let name = format!("random-{seed}.xlsx");
        let bytes = bytes(&name);
        for header_row in [None, Some(1), Some(2), Some(3), Some(4)] {
            let read_options = ReadOptions { header_row, ..options(&name) };
            let grid = read_workbook_grid(&bytes, &read_options);
            assert_eq!(read(&bytes, &read_options), grid, "{name} {header_row:?}");
            match read_workbook_cells(&bytes, &read_options) {
                Ok(Some(cells)) => assert_eq!(Ok(cells), grid, "{name} {header_row:?}"),
                Ok(None) => gathered += 1,
                Err(err) => assert_eq!(Err(err), grid, "{name} {header_row:?}"),
            }
            for target in [Format::JumpcloudCreate, Format::Scim] {
                let options = SheetOptions { read: read_options.clone(), profile: None, target };
                let whole = check(&bytes, &options).map(|c| c.report);
                assert_eq!(check_report(&bytes, &options), whole, "{name} {header_row:?} {}", target.name());
            }
        }
    }
    // Both ways are taken: the rows of some layouts are out of order, most are in order.
    assert!((1..100).contains(&gathered), "{gathered} of 200 readings gathered the rows first");
}

/// One value in column XFD, the 16,384th, made every row that wide (a 220 KB workbook asked for
/// 10 GB and the process aborted): a value right of the header is reported where it is and not
/// kept, and a header row is read to 1,000 columns at most.
#[test]
fn a_value_far_right_is_reported_not_padded_to() {
    let bytes = bytes("wide.xlsx");
    let (sheet, diagnostics) = read(&bytes, &options("wide.xlsx")).unwrap();
    assert_eq!((sheet.headers.len(), sheet.rows.len()), (2, 60_000));
    let placed: Vec<_> = diagnostics.iter().map(|d| (d.code, d.row, d.column.as_deref())).collect();
    assert_eq!(placed, [(Code::SheetExtraCells, Some(6), Some("XFD"))]);
    let options = SheetOptions { read: options("wide.xlsx"), profile: None, target: Format::Scim };
    assert_eq!(check_report(&bytes, &options).unwrap().summary.errors, 1);

    let header = ReadOptions { sheet: Some("Wide header".to_owned()), ..options.read.clone() };
    let (sheet, diagnostics) = read(&bytes, &header).unwrap();
    assert_eq!(sheet.headers, ["Username", "Email"]);
    assert_eq!(sheet.rows[0].cells, ["u1", "u1@example.com"]);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!((diagnostics[0].row, diagnostics[0].column.as_deref()), (Some(1), Some("XFD")));
    assert!(
        diagnostics[0].message.contains("past column ALL, the last of the 1000 muster reads"),
        "{}",
        diagnostics[0].message
    );
}

/// A workbook of a few hundred KB with a part that would unpack past 64 MiB (a "zip bomb": shared
/// strings, which calamine holds whole; an ODS's content) is refused by name before calamine
/// opens it: from its bytes, in a stream, listing its sheets, and from its file (which then falls
/// back to the bytes, to be refused there).
#[test]
fn a_workbook_that_unpacks_to_too_much_is_refused_before_it_is_read() {
    for (name, part) in [("bomb.xlsx", "xl/sharedStrings.xml"), ("bomb.ods", "content.xml")] {
        let bytes = bytes(name);
        assert!(bytes.len() < 1_000_000, "{name}: {} bytes", bytes.len());
        let options = SheetOptions { read: options(name), profile: None, target: Format::Scim };
        let want = format!("the workbook's part \"{part}\" unpacks to more than 67,108,864 bytes");
        let stream = SheetStream::new(options.clone(), StreamOptions::default()).run(bytes.chunks(4096));
        for err in [check_report(&bytes, &options).unwrap_err(), sheet_names(&bytes).unwrap_err(), stream.unwrap_err()]
        {
            assert!(err.starts_with(&want), "{name}: {err}");
            assert!(err.contains("zip bomb"), "{err}");
        }
        let file = std::fs::File::open(workbooks().join(name)).unwrap();
        assert!(XlsxWorkbook::open(file).is_none(), "{name}");
    }
    // The workbooks they were made from are read.
    assert!(
        check_report(
            &bytes("users-1900.xlsx"),
            &SheetOptions { read: options("users-1900.xlsx"), ..SheetOptions::default() }
        )
        .is_ok()
    );
    assert!(sheet_names(&bytes("users.ods")).is_ok());
}

/// Only an XLSX workbook is read from its file as it is needed: anything else is read whole.
#[test]
fn only_xlsx_is_read_from_a_file() {
    let options = |name: &str| SheetOptions { read: options(name), profile: None, target: Format::Scim };
    let file = |name: &str| std::fs::File::open(workbooks().join(name)).unwrap();
    let report = XlsxWorkbook::open(file("users-1900.xlsx")).unwrap().check_report(&options("users-1900.xlsx"));
    assert_eq!(report.unwrap().summary.rows, 2);
    // Measured as the whole check maps it.
    let (_, size) =
        muster::spreadsheet::measure(&bytes("users-1900.xlsx"), &options("users-1900.xlsx"), usize::MAX).unwrap();
    let mapped = check(&bytes("users-1900.xlsx"), &options("users-1900.xlsx")).unwrap().mapping;
    assert_eq!((size.rows, size.mapped_columns), (2, mapped.iter().filter(|p| p.field.is_some()).count()));
    assert!(size.mapped_columns >= 3, "{size:?}");
    for name in ["users.ods", "users.xls"] {
        assert!(XlsxWorkbook::open(file(name)).is_none(), "{name}");
    }
    assert!(XlsxWorkbook::open(std::io::Cursor::new(b"Username,Email\njdoe,jdoe@example.com\n")).is_none());
}

/// OpenDocument and Excel 97-2003 workbooks are read too (through calamine's grid): rows numbered
/// as the program shows them, numbers, dates and booleans as text, each finding at its cell.
/// Their number formats cannot be read, so the first number says that leading zeros are lost.
#[test]
fn ods_and_xls_workbooks_are_read() {
    for name in ["users.ods", "users.xls"] {
        let bytes = bytes(name);
        assert_eq!(sheet_names(&bytes).unwrap(), ["New hires"], "{name}");
        let (sheet, diagnostics) = read(&bytes, &options(name)).unwrap();
        let placed: Vec<_> = diagnostics.iter().map(|d| (d.code, d.row, d.column.as_deref())).collect();
        assert_eq!(placed, [(Code::SheetNumberFormat, Some(2), Some("C"))], "{name}");
        assert!(diagnostics[0].message.contains("leading zeros"), "{}", diagnostics[0].message);
        assert_eq!(sheet.headers, ["Username", "Email", "Employee ID", "Start date", "Active"], "{name}");
        assert_eq!(sheet.rows.iter().map(|r| r.number).collect::<Vec<_>>(), [2, 4], "{name}: row 3 is blank");
        assert_eq!(sheet.rows[0].cells, ["jdoe", "jdoe@example.com", "42", "2026-03-04", "true"], "{name}");
        assert_eq!(sheet.rows[1].cells, ["asmith", "not-an-email", "000123", "2026-12-31", "false"], "{name}");
        let options = SheetOptions { read: options(name), profile: None, target: Format::Scim };
        let report = check_report(&bytes, &options).unwrap();
        let placed: Vec<_> = report.diagnostics.iter().map(|d| (d.code, d.row, d.column.as_deref())).collect();
        assert_eq!(
            placed,
            [
                (Code::MapColumnUnmapped, Some(1), Some("Start date")),
                (Code::SheetNumberFormat, Some(2), Some("C")),
                (Code::EmailInvalid, Some(4), Some("Email"))
            ],
            "{name}"
        );
        assert_eq!(Ok(report), check(&bytes, &options).map(|c| c.report), "{name}");
    }
}

/// calamine reads an .ods or .xls sheet into a grid as tall and wide as its values: a small file with
/// one value far right or far down would ask for gigabytes and end the process (or the Worker's
/// isolate). Such a sheet is refused before, naming the far cell; a stray value near the rest
/// is read, and reported where it lies.
#[test]
fn an_ods_or_xls_sheet_too_big_for_a_grid_is_refused_naming_the_far_cell() {
    for (name, span, cell) in [
        ("far-right.ods", "its values span 60,001 rows and 16,003 columns (A to WQM", "row 3, column WQM"),
        ("far-down.ods", "its values span 1,000,004 rows and 16,003 columns (A to WQM", "row 1,000,004, column WQM"),
    ] {
        let bytes = bytes(name);
        assert!(bytes.len() < 500_000, "{name} is a small file");
        let options = SheetOptions { read: options(name), profile: None, target: Format::Scim };
        for err in [
            sheet_names(&bytes).unwrap_err(),
            read(&bytes, &options.read).unwrap_err(),
            check_report(&bytes, &options).unwrap_err(),
        ] {
            assert!(err.starts_with("the sheet \"Users\" is too big to read as .ods: "), "{name}: {err}");
            assert!(err.contains(span) && err.contains(cell), "{name}: {err}");
            assert!(err.ends_with("save the sheet as .xlsx or CSV, which are read a row at a time."), "{err}");
        }
    }
    // The same for .xls, whose sheets also say how big they are.
    let xls = bytes("far.xls");
    let xls_options = SheetOptions { read: options("far.xls"), profile: None, target: Format::Scim };
    for err in [sheet_names(&xls).unwrap_err(), check_report(&xls, &xls_options).unwrap_err()] {
        let span =
            "the sheet \"Users\" is too big to read as .xls: its values span 65,536 rows and 256 columns (A to IV)";
        assert!(err.starts_with(span) && err.contains("row 65,536, column IV"), "{err}");
    }
    let bytes = bytes("near.ods");
    let options = SheetOptions { read: options("near.ods"), profile: None, target: Format::Scim };
    let report = check_report(&bytes, &options).unwrap();
    let extra: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::SheetExtraCells)
        .map(|d| (d.row, d.column.as_deref()))
        .collect();
    assert_eq!(extra, [(Some(3), Some("W"))]);
}
