//! How big calamine's grid of each sheet of an .ods or .xls file would be, before calamine builds
//! it. calamine reads every sheet of those files into a grid of cells as soon as it opens the
//! file, as tall and as wide as the cells that hold values (and, in .xls, as big as each sheet
//! says it is): one value far right or far down of a small sheet (a file of a few hundred KB)
//! asks for gigabytes, which ends the process (the CLI) or the isolate (the Worker). The file is
//! looked over first, and a sheet whose grid would be too big is refused with the cell that makes
//! it so. XLSX and CSV are read a row at a time, without a grid.

mod ods;
mod parts;
mod xls;

pub(crate) use parts::check as check_parts;

use super::column_letter;

/// Cells a sheet's grid may have (calamine keeps 32 bytes a cell, so 64 MB): 100,000 rows of 20
/// columns.
pub(crate) const MAX_GRID_CELLS: u64 = 2_000_000;

/// `Err` naming the sheet and the cell when a sheet of an .ods or .xls file would make a grid of
/// more than [`MAX_GRID_CELLS`] cells, or naming the part when a part of an XLSX or ODS file held
/// whole unpacks to too much (see [`parts`]). Other files, and files whose content cannot be
/// read, pass: the reader says what is wrong with them.
pub(crate) fn check(bytes: &[u8]) -> Result<(), String> {
    use crate::bytes::{Kind, sniff};
    match sniff(bytes, None) {
        Kind::Xlsx | Kind::Ods => {
            parts::check(&mut std::io::Cursor::new(bytes))?;
            ods::check(bytes) // a ZIP: ODS if it holds content.xml
        }
        Kind::Xls => xls::check(bytes),
        Kind::Delimited | Kind::Json => Ok(()),
    }
}

/// The extent of one sheet's values: rows and columns from 0.
#[derive(Default)]
struct Extent {
    rows: Option<(u64, u64)>,
    columns: Option<(u64, u64)>,
    /// A cell at the far right and one at the bottom (row, column).
    far_right: (u64, u64),
    far_down: (u64, u64),
}

impl Extent {
    /// Takes cells `column..column + repeats` of rows `row..row + row_repeats`, which hold a value.
    fn take(&mut self, row: u64, row_repeats: u64, column: u64, repeats: u64) {
        let (last_row, last_column) = (row.saturating_add(row_repeats - 1), column.saturating_add(repeats - 1));
        let rows = self.rows.get_or_insert((row, last_row));
        rows.0 = rows.0.min(row); // .xls cells may come in any order
        rows.1 = rows.1.max(last_row);
        if rows.1 == last_row {
            self.far_down = (last_row, column);
        }
        let columns = self.columns.get_or_insert((column, last_column));
        columns.0 = columns.0.min(column);
        if last_column >= columns.1 {
            columns.1 = last_column;
            self.far_right = (row, last_column);
        }
    }

    fn cells(&self) -> u64 {
        match (self.rows, self.columns) {
            (Some((top, bottom)), Some((left, right))) => span(top, bottom).saturating_mul(span(left, right)),
            _ => 0,
        }
    }
}

fn too_big(kind: &str, sheet: &str, extent: &Extent) -> Result<(), String> {
    let cells = extent.cells();
    if cells <= MAX_GRID_CELLS {
        return Ok(());
    }
    let (Some((top, bottom)), Some((left, right))) = (extent.rows, extent.columns) else { return Ok(()) };
    let wide = span(left, right).saturating_mul(50) > span(top, bottom); // more striking across than down
    let (row, column) = if wide { extent.far_right } else { extent.far_down };
    Err(format!(
        "the sheet \"{sheet}\" is too big to read as {kind}: its values span {} rows and {} columns ({} to {}), {} cells, and an {kind} sheet is read whole, at most {} cells. A value far from the rest may be why: row {}, column {}. Delete what is not data, or save the sheet as .xlsx or CSV, which are read a row at a time.",
        grouped(span(top, bottom)),
        grouped(span(left, right)),
        letter(left),
        letter(right),
        grouped(cells),
        grouped(MAX_GRID_CELLS),
        grouped(row.saturating_add(1)),
        letter(column),
    ))
}

fn letter(column: u64) -> String {
    column_letter(usize::try_from(column).unwrap_or(usize::MAX))
}

/// How many rows (or columns) from `first` to `last`, both counted.
fn span(first: u64, last: u64) -> u64 {
    last.saturating_sub(first).saturating_add(1)
}

/// 1234567 as "1,234,567".
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}
