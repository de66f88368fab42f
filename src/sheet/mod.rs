//! Stage 2: bytes → a [`Sheet`]: header cells and data rows, each row numbered as the user sees it
//! in Excel, so every later finding can say "row 12, column Email".

mod delimited;
#[cfg(feature = "xlsx")]
mod extent;
#[cfg(feature = "xlsx")]
mod workbook;

pub(crate) use delimited::{RecordCutter, delimiter_for, read_records, settle_line_endings};
pub use delimited::{read_delimited, sniff_delimiter};
#[cfg(feature = "xlsx")]
pub(crate) use workbook::{RowSink, Way, open, open_xlsx, read_opened};
#[cfg(feature = "xlsx")]
pub use workbook::{read_workbook, read_workbook_cells, read_workbook_grid, sheet_names};

use crate::bytes::{self, Kind};
use crate::diag::{Code, Diagnostic};
use serde::{Deserialize, Serialize};

/// A table read from a file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct Sheet {
    /// The sheet's name (the file name for delimited text).
    pub name: String,
    /// The spreadsheet row that holds the headers (1-based).
    pub header_row: u64,
    /// Header cells, trimmed; `headers[i]` names `cells[i]` of every row.
    pub headers: Vec<String>,
    /// Data rows, blank rows left out.
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct Row {
    /// The spreadsheet's own row number, as the user sees it (1-based; blank rows count).
    pub number: u64,
    /// One cell per header (missing trailing cells are empty).
    pub cells: Vec<String>,
}

/// How to read a file; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct ReadOptions {
    /// Used to tell formats apart and to name the sheet.
    pub filename: Option<String>,
    /// A WHATWG encoding label overriding detection (`windows-1252`, `utf-16le`, …).
    pub encoding: Option<String>,
    /// The delimiter, overriding detection.
    pub delimiter: Option<char>,
    /// The header row (1-based, as the user sees it); by default the first non-blank row.
    pub header_row: Option<u64>,
    /// The workbook sheet to read (by name); by default the first.
    pub sheet: Option<String>,
}

/// Reads a spreadsheet file. `Err` means it cannot be read at all (a format not supported yet,
/// an unknown encoding, a header row past the end); problems in its content are diagnostics.
pub fn read(bytes: &[u8], options: &ReadOptions) -> Result<(Sheet, Vec<Diagnostic>), String> {
    match bytes::sniff(bytes, options.filename.as_deref()) {
        Kind::Delimited => {
            let (text, mut diagnostics) = bytes::decode(bytes, options.encoding.as_deref())?;
            let (sheet, more) = read_delimited(&text.text, options)?;
            diagnostics.extend(more);
            Ok((sheet, diagnostics))
        }
        Kind::Json => Err("this is JSON, not a spreadsheet: validate it as a bulk payload instead".to_owned()),
        #[cfg(feature = "xlsx")]
        Kind::Xlsx | Kind::Ods | Kind::Xls => read_workbook(bytes, options),
        #[cfg(not(feature = "xlsx"))]
        Kind::Xlsx | Kind::Ods | Kind::Xls => {
            Err("this build reads no Excel or OpenDocument workbooks (the npm package's \"muster/xlsx\" entry does): save the sheet as \"CSV UTF-8\"".to_owned())
        }
    }
}

/// Turns numbered rows of cells (from any reader) into a sheet: finds the header row, skips
/// blank rows, pads short rows and reports values past the last header.
pub(crate) struct SheetBuilder {
    wanted_header: Option<u64>,
    header: Option<(u64, Vec<String>)>,
    rows: Vec<Row>,
    out: Vec<Diagnostic>,
    /// The cells of rows done with, to read later records into (see [`recycle`](Self::recycle)).
    spare: Vec<Vec<String>>,
}

/// A recycled cell larger than this is let go rather than kept for later rows.
const SPARE_CELL_BYTES: usize = 1024;

impl SheetBuilder {
    /// `header_row`: the row the user chose, or `None` for the first non-blank one.
    pub(crate) fn new(header_row: Option<u64>) -> Self {
        SheetBuilder { wanted_header: header_row, header: None, rows: Vec::new(), out: Vec::new(), spare: Vec::new() }
    }

    pub(crate) fn push(&mut self, number: u64, cells: Vec<String>) {
        self.push_row(number, cells, None);
    }

    /// [`push`](Self::push) of a row read only up to its header's width: `extra` is the first
    /// column right of it holding a value.
    pub(crate) fn push_row(&mut self, number: u64, cells: Vec<String>, extra: Option<usize>) {
        let blank = extra.is_none() && cells.iter().all(|c| crate::unicode::trim(c).is_empty());
        match &self.header {
            None => {
                // A blank row names no column, even when chosen: `finish` says so.
                if !blank && self.wanted_header.is_none_or(|h| number == h) {
                    self.header = Some((number, header_cells(number, &cells, &mut self.out)));
                }
            }
            Some((_, headers)) if !blank => {
                let row = fit_row(number, cells, headers.len(), &mut self.out);
                if let Some(column) = extra.filter(|&c| c >= row.cells.len()) {
                    self.out.push(extra_cell(number, column));
                }
                self.rows.push(row);
            }
            Some(_) => {}
        }
    }

    /// A finding about what was read (a cell holding an Excel error), handed back with the part
    /// holding its row.
    #[cfg(feature = "xlsx")]
    pub(crate) fn note(&mut self, diagnostic: Diagnostic) {
        self.out.push(diagnostic);
    }

    /// [`push`](Self::push) of a delimited record, read into the cells of a recycled row.
    pub(crate) fn push_record(&mut self, number: u64, record: &csv::ByteRecord) {
        let mut cells = self.spare_row();
        delimited::fill_cells(record, &mut cells);
        self.push(number, cells);
    }

    /// The cells of a row done with (see [`recycle`](Self::recycle)), as they were; empty if none is.
    pub(crate) fn spare_row(&mut self) -> Vec<String> {
        self.spare.pop().unwrap_or_default()
    }

    /// Takes back rows done with: later records are read into their cells, which saves
    /// allocating a string per cell (the most of reading a sheet after parsing it).
    pub(crate) fn recycle(&mut self, rows: Vec<Row>) {
        for Row { mut cells, .. } in rows {
            if cells.capacity() == 0 {
                continue; // its text went into a record
            }
            for cell in cells.iter_mut().filter(|c| c.capacity() > SPARE_CELL_BYTES) {
                *cell = String::new();
            }
            self.spare.push(cells);
        }
    }

    /// The header row and its cells, once found.
    pub(crate) fn header(&self) -> Option<&(u64, Vec<String>)> {
        self.header.as_ref()
    }

    /// How many columns rows are read to, once the header row is found.
    #[cfg(feature = "xlsx")]
    pub(crate) fn width(&self) -> Option<usize> {
        self.header.as_ref().map(|(_, headers)| headers.len())
    }

    /// The data rows pushed since the last call, and what was found about them.
    pub(crate) fn take(&mut self) -> (Vec<Row>, Vec<Diagnostic>) {
        (std::mem::take(&mut self.rows), std::mem::take(&mut self.out))
    }

    /// The first `n` rows waiting and the findings about them; the rest wait on.
    pub(crate) fn take_first(&mut self, n: usize) -> (Vec<Row>, Vec<Diagnostic>) {
        if n >= self.rows.len() {
            return self.take();
        }
        let rest = self.rows.split_off(n);
        let taken = std::mem::replace(&mut self.rows, rest);
        let last = taken.last().map_or(0, |r| r.number);
        let (found, later) = std::mem::take(&mut self.out).into_iter().partition(|d| d.row.is_none_or(|r| r <= last));
        self.out = later;
        (taken, found)
    }

    pub(crate) fn rows_waiting(&self) -> usize {
        self.rows.len()
    }

    /// The sheet; `last_row` is the last row number seen (for the error when the chosen header
    /// row is past the end).
    pub(crate) fn finish(mut self, name: String, last_row: u64) -> Result<(Sheet, Vec<Diagnostic>), String> {
        let Some((header_row, headers)) = self.header else {
            return match self.wanted_header {
                Some(h) if h <= last_row => Err(format!(
                    "row {h}, chosen as the header row, is blank: choose the row that holds the column names"
                )),
                Some(h) => Err(format!("row {h} does not exist: the sheet has {last_row} row(s)")),
                None => {
                    self.out.push(Diagnostic::new(
                        Code::SheetEmpty,
                        "The file has no rows with content: it is empty or every row is blank.",
                    ));
                    Ok((Sheet { name, ..Sheet::default() }, self.out))
                }
            };
        };
        check_headers(&headers, header_row, &mut self.out);
        Ok((Sheet { name, header_row, headers, rows: self.rows }, self.out))
    }
}

/// The most columns a header row is read to. A sheet is padded to its header's width, so a value
/// typed far to the right of a header row (Excel goes to column XFD, the 16,384th) would make every
/// row of a 100,000-row sheet take 400 KB.
pub const MAX_COLUMNS: usize = 1000;

/// The header row's cells, trimmed, up to its last non-empty one: empty cells after it name no
/// column, and rows are read as wide as their header. A header wider than [`MAX_COLUMNS`] is cut
/// there, and the first value past it reported.
fn header_cells(number: u64, cells: &[String], out: &mut Vec<Diagnostic>) -> Vec<String> {
    let mut headers: Vec<String> = cells.iter().take(MAX_COLUMNS).map(|c| c.trim().to_owned()).collect();
    if let Some(i) = cells.iter().skip(MAX_COLUMNS).position(|c| !c.trim().is_empty()) {
        let column = column_letter(MAX_COLUMNS + i);
        let last = column_letter(MAX_COLUMNS - 1);
        out.push(
            Diagnostic::new(
                Code::SheetExtraCells,
                format!(
                    "The header row (row {number}) has a value in column {column}, past column {last}, the last of the {MAX_COLUMNS} muster reads; that column and the ones after it would be lost. Delete the columns you do not use, or remove the value."
                ),
            )
            .at_row(number)
            .at_column(column),
        );
    }
    let named = headers.iter().rposition(|h| !h.is_empty()).map_or(0, |last| last + 1);
    headers.truncate(named);
    headers
}

/// Pads short rows; keeps cells past the last header only if they are blank (a trailing
/// delimiter), otherwise reports them, since they would be lost.
fn fit_row(number: u64, mut cells: Vec<String>, width: usize, out: &mut Vec<Diagnostic>) -> Row {
    if cells.len() > width {
        let extra = cells.split_off(width);
        if let Some(i) = extra.iter().position(|c| !c.trim().is_empty()) {
            out.push(extra_cell(number, width + i));
        }
    }
    cells.resize(width, String::new());
    Row { number, cells }
}

/// Row `number` has a value in column `index`, right of the last header.
pub(crate) fn extra_cell(number: u64, index: usize) -> Diagnostic {
    let column = column_letter(index);
    Diagnostic::new(
        Code::SheetExtraCells,
        format!(
            "Row {number} has a value in column {column}, past the last header; it would be lost. Add a header for it or remove the value."
        ),
    )
    .at_row(number)
    .at_column(column)
}

/// Excel's column letters: 0 → A, 25 → Z, 26 → AA.
pub fn column_letter(index: usize) -> String {
    let mut n = index.saturating_add(1); // the last index names the one before it: no sheet is that wide
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// Checks the header row: present, and no two columns with the same name.
pub fn check_headers(headers: &[String], header_row: u64, out: &mut Vec<Diagnostic>) {
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, header) in headers.iter().enumerate() {
        if header.is_empty() {
            continue;
        }
        let key = header.to_lowercase();
        if let Some(&first) = seen.get(&key) {
            out.push(
                Diagnostic::new(
                    Code::SheetDuplicateHeader,
                    format!(
                        "Columns {} and {} are both headed \"{header}\", so muster cannot tell which one to use. Rename one of them.",
                        column_letter(first),
                        column_letter(i)
                    ),
                )
                .at_row(header_row)
                .at_column(header.clone()),
            );
        } else {
            seen.insert(key, i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::column_letter;

    #[test]
    fn column_letters_follow_excel() {
        let letters: Vec<String> = [0, 1, 25, 26, 27, 51, 52, 701, 702].iter().map(|&i| column_letter(i)).collect();
        assert_eq!(letters, ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]);
    }
}
