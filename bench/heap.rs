//! The heap an XLSX workbook's check takes at its peak, against the file's size (not a test):
//! `cargo bench --bench heap -- FILE.xlsx`, which bench/sheets.sh runs on its 100,000-row
//! workbook (goal: ≤ 3× the file). The workbook is read from its file as `muster validate` reads
//! it. Counted are the bytes the program has asked for and not yet freed (as valgrind's massif
//! counts them): unlike the peak RSS bench/sheets.sh prints beside it, this leaves out the
//! program's own pages (about 3.5 MB before any file is read) and what the allocator keeps back.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use cap::Cap;
use muster::Format;
use muster::sheet::ReadOptions;
use muster::spreadsheet::{SheetOptions, XlsxWorkbook};
use std::io::BufReader;

#[global_allocator]
static ALLOCATOR: Cap<std::alloc::System> = Cap::new(std::alloc::System, usize::MAX);

fn main() {
    // `cargo bench` passes `--bench`; the file is the other argument.
    let path = std::env::args().skip(1).find(|a| !a.starts_with("--")).expect("usage: heap FILE.xlsx");
    let size = std::fs::metadata(&path).expect("the file").len();
    let before = ALLOCATOR.allocated();
    let options = SheetOptions {
        read: ReadOptions { filename: Some(path.clone()), ..ReadOptions::default() },
        profile: None,
        target: Format::JumpcloudCreate,
    };
    let file = BufReader::new(std::fs::File::open(&path).expect("the file"));
    let workbook = XlsxWorkbook::open(file).expect("an XLSX workbook");
    let report = workbook.check_report(&options).expect("a report");
    let peak = ALLOCATOR.max_allocated() - before;
    println!(
        "XLSX heap: {} rows, {:.2} MB file, peak heap {:.2} MB ({:.2}× the file)",
        report.summary.rows,
        size as f64 / 1e6,
        peak as f64 / 1e6,
        peak as f64 / size as f64
    );
}
