//! How big the grid of each sheet of an .ods file would be, before calamine builds it. calamine
//! reads every sheet of an .ods file into a grid of cells as soon as it opens the file, as tall
//! and as wide as the cells that hold values: one value far right or far down of a small sheet
//! (a file of a few hundred KB) asks for gigabytes, which ends the process (the CLI) or the
//! isolate (the Worker). The content is looked over first, and a sheet whose grid would be too
//! big is refused with the cell that makes it so.

use super::column_letter;
use quick_xml::events::{BytesStart, Event};
use std::io::{BufReader, Cursor};

/// Cells an .ods sheet's grid may have (calamine keeps 32 bytes a cell, so 64 MB): 100,000 rows
/// of 20 columns. XLSX and CSV are read a row at a time, without a grid.
pub(crate) const MAX_GRID_CELLS: u64 = 2_000_000;

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

/// `Err` naming the sheet and the cell when a sheet's grid would have more than
/// [`MAX_GRID_CELLS`] cells. Files that are not ODS, or whose content cannot be read, pass: the
/// reader says what is wrong with them.
pub(crate) fn check(bytes: &[u8]) -> Result<(), String> {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else { return Ok(()) };
    let Ok(content) = zip.by_name("content.xml") else { return Ok(()) };
    let mut reader = quick_xml::Reader::from_reader(BufReader::new(content));
    let mut buffer = Vec::new();
    let (mut sheet, mut extent) = (String::new(), Extent::default());
    let (mut row, mut row_repeats, mut column) = (0u64, 1u64, 0u64);
    loop {
        let (event, open) = match reader.read_event_into(&mut buffer) {
            Ok(Event::Start(e)) => (e, true),
            Ok(Event::Empty(e)) => (e, false),
            Ok(Event::End(e)) => {
                match e.name().as_ref() {
                    "table:table-row" => row = row.saturating_add(row_repeats),
                    "table:table" => too_big(&sheet, &extent)?,
                    _ => {}
                }
                buffer.clear();
                continue;
            }
            Ok(Event::Eof) | Err(_) => return Ok(()),
            Ok(_) => {
                buffer.clear();
                continue;
            }
        };
        match event.name().as_ref() {
            "table:table" => {
                sheet = attribute(&event, "table:name").unwrap_or_default();
                (extent, row) = (Extent::default(), 0);
            }
            "table:table-row" => {
                row_repeats = number(&event, "table:number-rows-repeated").max(1);
                column = 0;
                if !open {
                    row = row.saturating_add(row_repeats);
                }
            }
            "table:table-cell" | "table:covered-table-cell" => {
                let repeats = number(&event, "table:number-columns-repeated").max(1);
                let has_value = open || attribute(&event, "office:value-type").is_some();
                if has_value {
                    extent.take(row, row_repeats, column, repeats);
                }
                column = column.saturating_add(repeats);
            }
            _ => {}
        }
        buffer.clear();
    }
}

fn too_big(sheet: &str, extent: &Extent) -> Result<(), String> {
    let cells = extent.cells();
    if cells <= MAX_GRID_CELLS {
        return Ok(());
    }
    let (Some((top, bottom)), Some((left, right))) = (extent.rows, extent.columns) else { return Ok(()) };
    let wide = span(left, right).saturating_mul(50) > span(top, bottom); // more striking across than down
    let (row, column) = if wide { extent.far_right } else { extent.far_down };
    Err(format!(
        "the sheet \"{sheet}\" is too big to read as .ods: its values span {} rows and {} columns ({} to {}), {} cells, and an .ods sheet is read whole, at most {} cells. A value far from the rest may be why: row {}, column {}. Delete what is not data, or save the sheet as .xlsx or CSV, which are read a row at a time.",
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

fn attribute(event: &BytesStart<'_>, name: &str) -> Option<String> {
    let attribute = event.try_get_attribute(name).ok()??;
    quick_xml::escape::unescape(&attribute.value).ok().map(std::borrow::Cow::into_owned)
}

fn number(event: &BytesStart<'_>, name: &str) -> u64 {
    attribute(event, name).and_then(|n| n.trim().parse().ok()).unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn ods(table: &str) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file("content.xml", zip::write::SimpleFileOptions::default()).unwrap();
        let content = format!(
            r#"<office:document-content><office:body><office:spreadsheet><table:table table:name="S &amp; P">{table}</table:table></office:spreadsheet></office:body></office:document-content>"#
        );
        zip.write_all(content.as_bytes()).unwrap();
        zip.finish().unwrap().into_inner()
    }

    const CELL: &str = r#"<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>"#;

    #[test]
    fn repeats_count_and_the_largest_never_overflow() {
        let row = |attrs: &str, cells: &str| format!("<table:table-row {attrs}>{cells}</table:table-row>");
        let far = |n: &str| format!(r#"<table:table-cell table:number-columns-repeated="{n}"/>{CELL}"#);
        // 2,000 rows of 1,000 cells: at the limit, read.
        let wide = format!("{CELL}{}", far("998"));
        assert_eq!(check(&ods(&row(r#"table:number-rows-repeated="2000""#, &wide))), Ok(()));
        let err = check(&ods(&row(r#"table:number-rows-repeated="2001""#, &wide))).unwrap_err();
        assert!(err.starts_with("the sheet \"S & P\" is too big to read as .ods: its values span 2,001 rows and 1,000 columns (A to ALL), 2,001,000 cells"), "{err}");
        let huge = u64::MAX.to_string();
        let far_row = row("", &far(&huge));
        for table in [
            row(&format!(r#"table:number-rows-repeated="{huge}""#), &format!("{CELL}{}", far(&huge))),
            format!("{}{}{far_row}", row("", CELL), row(&format!(r#"table:number-rows-repeated="{huge}""#), "")),
            row(
                "",
                &format!(r#"<table:table-cell table:number-columns-repeated="{huge}" office:value-type="float"/>"#),
            ),
        ] {
            assert!(check(&ods(&table)).is_err(), "{table}");
        }
        // One value, however far off, is one cell.
        let blank_rows = row(&format!(r#"table:number-rows-repeated="{huge}""#), "");
        assert_eq!(check(&ods(&format!("{blank_rows}{far_row}"))), Ok(()));
        // Empty cells and rows, however repeated, take no room.
        let blank = row(
            &format!(r#"table:number-rows-repeated="{huge}""#),
            r#"<table:table-cell table:number-columns-repeated="99999"/>"#,
        );
        assert_eq!(check(&ods(&format!("{}{}", row("", CELL), blank))), Ok(()));
        // Not ODS, or not readable: left to the reader.
        assert_eq!(check(b"not a zip"), Ok(()));
        assert_eq!(check(&ods("<table:table-row><unclosed")), Ok(()));
    }
}
