//! XLSX, XLS and ODS workbooks, with `calamine`. Cells become the text the user sees: numbers
//! whose format pads zeros keep them (employee ID 000042), dates in either the 1900 or the 1904
//! date system become ISO 8601, and an Excel error (#N/A) is read as empty and reported.

use super::{ReadOptions, Sheet, SheetBuilder};
use crate::diag::{Code, Diagnostic};
use calamine::{Data, DataRef, Reader, Sheets, Style, StyleRange, Xlsx, XlsxError, open_workbook_auto_from_rs};
use std::io::Cursor;

/// The names of a workbook's sheets, in order.
pub fn sheet_names(bytes: &[u8]) -> Result<Vec<String>, String> {
    Ok(open(bytes)?.sheet_names())
}

fn open(bytes: &[u8]) -> Result<Sheets<Cursor<&[u8]>>, String> {
    open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|err| format!("the workbook could not be opened: {err}"))
}

/// Reads one sheet (`options.sheet`, or the first) of a workbook.
pub fn read_workbook(bytes: &[u8], options: &ReadOptions) -> Result<(Sheet, Vec<Diagnostic>), String> {
    let (builder, end) = read_rows(bytes, options, Way::CellsOrGrid, || SheetBuilder::new(options.header_row))?
        .ok_or("the sheet could not be read")?;
    builder.finish(end.name, end.last_row)
}

/// [`read_workbook`] through calamine's grid of cells for XLSX too: what the cell-by-cell reading
/// of XLSX is tested against.
#[doc(hidden)]
pub fn read_workbook_grid(bytes: &[u8], options: &ReadOptions) -> Result<(Sheet, Vec<Diagnostic>), String> {
    let (builder, end) =
        read_rows(bytes, options, Way::Grid, || SheetBuilder::new(options.header_row))?.ok_or("not read")?;
    builder.finish(end.name, end.last_row)
}

/// [`read_workbook`] of an XLSX sheet cell by cell, rows handed on as they are read; `None` when
/// the sheet had to be read again through the grid (rows out of order, or a row wider than the
/// header row). What tests use to see that common workbooks are read without the grid.
#[doc(hidden)]
pub fn read_workbook_cells(bytes: &[u8], options: &ReadOptions) -> Result<Option<(Sheet, Vec<Diagnostic>)>, String> {
    match read_rows(bytes, options, Way::Cells, || SheetBuilder::new(options.header_row))? {
        Some((builder, end)) => builder.finish(end.name, end.last_row).map(Some),
        None => Ok(None),
    }
}

/// What a workbook's rows are read into: a sheet being built, or a stream checking them a part
/// at a time.
pub(crate) trait RowSink {
    /// The next row: rows come in order, each as wide as the widest read so far.
    fn push(&mut self, number: u64, cells: Vec<String>);
    /// A finding about a cell (an Excel error), before its row is pushed.
    fn note(&mut self, diagnostic: Diagnostic);
    /// Whether the header row has been pushed.
    fn has_header(&self) -> bool;
    /// The cells of a row done with, to read the next row into (empty if none is spare).
    fn spare_row(&mut self) -> Vec<String> {
        Vec::new()
    }
}

impl RowSink for SheetBuilder {
    fn push(&mut self, number: u64, cells: Vec<String>) {
        SheetBuilder::push(self, number, cells);
    }

    fn note(&mut self, diagnostic: Diagnostic) {
        SheetBuilder::note(self, diagnostic);
    }

    fn has_header(&self) -> bool {
        self.header().is_some()
    }

    fn spare_row(&mut self) -> Vec<String> {
        SheetBuilder::spare_row(self)
    }
}

/// The sheet read and the last row number seen (for the error when a chosen header row is past
/// the end).
pub(crate) struct SheetEnd {
    pub(crate) name: String,
    pub(crate) last_row: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Way {
    /// XLSX cell by cell, read again through the grid when that cannot give the grid's rows.
    CellsOrGrid,
    /// XLSX cell by cell only (`None` where the grid is needed).
    Cells,
    /// calamine's grid of the sheet's cells.
    Grid,
}

/// Why a cell-by-cell reading stopped.
enum Stop {
    Unreadable(String),
    /// Rows out of order, or a row wider than the header row: only the grid gives the rows.
    Reread,
}

/// Reads one sheet (`options.sheet`, or the first) into a sink made by `start`, made anew if the
/// sheet has to be read again. `None` only for [`Way::Cells`] when the grid is needed.
pub(crate) fn read_rows<S: RowSink>(
    bytes: &[u8],
    options: &ReadOptions,
    way: Way,
    start: impl Fn() -> S,
) -> Result<Option<(S, SheetEnd)>, String> {
    let mut workbook = open(bytes)?;
    let names = workbook.sheet_names();
    let name = match &options.sheet {
        Some(wanted) => names
            .iter()
            .find(|n| n.eq_ignore_ascii_case(wanted))
            .cloned()
            .ok_or_else(|| format!("there is no sheet \"{wanted}\"; the sheets are: {}", names.join(", ")))?,
        None => names.first().cloned().ok_or("the workbook has no sheets")?,
    };
    if let (Sheets::Xlsx(xlsx), Way::Cells | Way::CellsOrGrid) = (&mut workbook, way) {
        let mut sink = start();
        match read_xlsx_cells(xlsx, &name, &mut sink) {
            Ok(last_row) => return Ok(Some((sink, SheetEnd { name, last_row }))),
            Err(Stop::Unreadable(err)) => return Err(err),
            Err(Stop::Reread) if way == Way::Cells => return Ok(None),
            Err(Stop::Reread) => {}
        }
    }
    let mut sink = start();
    let last_row = read_range(&mut workbook, &name, &mut sink)?;
    Ok(Some((sink, SheetEnd { name, last_row })))
}

/// An XLSX sheet cell by cell, each with its style in the same pass, each row handed on once the
/// next begins: neither a grid of every cell (ten times the file for a 100k-row sheet) nor the
/// rows held. The rows are the ones [`read_range`] gives: from the first to the last row holding a
/// value, each as wide as the widest. That width is known here only as far as the sheet is read,
/// so the header row is pushed as wide as the rows so far; should a later row be wider, or come
/// out of order (some writers split or reorder rows), the sheet is read again through the grid.
fn read_xlsx_cells(xlsx: &mut Xlsx<Cursor<&[u8]>>, name: &str, sink: &mut impl RowSink) -> Result<u64, Stop> {
    let unreadable = |err: XlsxError| Stop::Unreadable(format!("sheet \"{name}\" could not be read: {err}"));
    let mut cells = match xlsx.worksheet_cells_reader(name) {
        Ok(cells) => cells,
        // A chart sheet holds no cells: read as an empty sheet, as calamine's grid reads it.
        Err(XlsxError::NotAWorksheet(_)) => return Ok(0),
        Err(err) => return Err(unreadable(err)),
    };
    let mut rows = RowsInOrder { width: 0, header_width: None, next: None };
    let mut current: Option<(u32, Vec<String>)> = None;
    while let Some((cell, style)) = cells.next_cell_with_style_id().map_err(unreadable)? {
        let value = cell.get_value();
        if *value == DataRef::Empty {
            continue;
        }
        let (r, c) = cell.get_position();
        match &current {
            Some((row, _)) if *row == r => {}
            Some((row, _)) if *row > r => return Err(Stop::Reread),
            _ => {
                if let Some((row, texts)) = current.take() {
                    rows.push(row, texts, sink)?;
                }
                // The cells of a row done with, emptied: their strings are written into again.
                let mut texts = sink.spare_row();
                texts.iter_mut().for_each(String::clear);
                current = Some((r, texts));
            }
        }
        let Some((_, texts)) = current.as_mut() else { continue };
        let c = c as usize;
        if texts.len() <= c {
            texts.resize(c + 1, String::new());
        }
        let Some(text) = texts.get_mut(c) else { continue };
        match value {
            // Text, by far the most cells, is copied straight from the sheet's XML or shared strings.
            DataRef::SharedString(s) => text.push_str(s),
            DataRef::String(s) => text.push_str(s),
            _ => {
                let value = Data::from(value.clone());
                let zero_pad = match value {
                    Data::Int(_) | Data::Float(_) => cells.styles().get(style).and_then(format_zero_pad),
                    _ => None,
                };
                *text = cell_text(value, zero_pad, u64::from(r) + 1, |d| sink.note(d));
            }
        }
        rows.width = rows.width.max(c + 1);
    }
    if let Some((row, texts)) = current {
        rows.push(row, texts, sink)?;
    }
    Ok(rows.next.map_or(0, u64::from))
}

/// Rows handed on in order, as the grid gives them.
struct RowsInOrder {
    /// The widest row so far.
    width: usize,
    /// The width the header row was pushed at, once it is.
    header_width: Option<usize>,
    /// The row after the last one pushed (0-based).
    next: Option<u32>,
}

impl RowsInOrder {
    fn push(&mut self, r: u32, mut texts: Vec<String>, sink: &mut impl RowSink) -> Result<(), Stop> {
        if self.header_width.is_some_and(|w| self.width > w) {
            return Err(Stop::Reread);
        }
        // Rows between hold no value, but one of them may be the header row the user chose.
        for blank in self.next.unwrap_or(r)..r {
            let mut cells = sink.spare_row();
            cells.iter_mut().for_each(String::clear);
            cells.resize(self.width, String::new());
            self.push_one(blank, cells, sink);
        }
        texts.resize(self.width, String::new());
        self.push_one(r, texts, sink);
        self.next = Some(r + 1);
        Ok(())
    }

    fn push_one(&mut self, r: u32, texts: Vec<String>, sink: &mut impl RowSink) {
        sink.push(u64::from(r) + 1, texts);
        if self.header_width.is_none() && sink.has_header() {
            self.header_width = Some(self.width);
        }
    }
}

/// XLS and ODS sheets, through calamine's grid of the sheet's cells.
fn read_range(workbook: &mut Sheets<Cursor<&[u8]>>, name: &str, sink: &mut impl RowSink) -> Result<u64, String> {
    let range = workbook.worksheet_range(name).map_err(|err| format!("sheet \"{name}\" could not be read: {err}"))?;
    // The cells' number formats take a second pass over the sheet: made only once a cell holds
    // a number, the one kind of cell whose text depends on its format.
    let mut styles: Option<Option<StyleRange>> = None;
    let (first_row, first_col) = range.start().unwrap_or((0, 0));
    let mut last_row = 0;
    for (i, cells) in range.rows().enumerate() {
        let row = u64::from(first_row) + i as u64 + 1;
        last_row = row;
        // Columns left of the used range stay, empty, so column letters match Excel's.
        let mut texts = vec![String::new(); first_col as usize];
        for (j, cell) in cells.iter().enumerate() {
            let zero_pad = match cell {
                Data::Int(_) | Data::Float(_) => {
                    let styles = styles.get_or_insert_with(|| number_styles(workbook, name));
                    zero_pad(styles.as_ref(), (first_row + i as u32, first_col + j as u32))
                }
                _ => None,
            };
            texts.push(cell_text(cell.clone(), zero_pad, row, |d| sink.note(d)));
        }
        sink.push(row, texts);
    }
    Ok(last_row)
}

/// The styles of a sheet's cells, for XLSX (other formats keep none that muster reads).
fn number_styles(workbook: &mut Sheets<Cursor<&[u8]>>, name: &str) -> Option<StyleRange> {
    match workbook {
        Sheets::Xlsx(xlsx) => xlsx.worksheet_style(name).ok(),
        _ => None,
    }
}

/// The zero-padding width of the number format of the cell at `position` ("000000" → 6).
fn zero_pad(styles: Option<&StyleRange>, position: (u32, u32)) -> Option<usize> {
    format_zero_pad(styles?.get(position)?)
}

/// The zero-padding width of a style's number format, if it pads.
fn format_zero_pad(style: &Style) -> Option<usize> {
    let code = &style.number_format.as_ref()?.format_code;
    (!code.is_empty() && code.chars().all(|c| c == '0')).then_some(code.len())
}

/// A cell's text; `note` takes the finding about an Excel error.
fn cell_text(cell: Data, zero_pad: Option<usize>, row: u64, mut note: impl FnMut(Diagnostic)) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s,
        Data::Bool(b) => b.to_string(),
        Data::Int(i) => pad(i as f64, zero_pad).unwrap_or_else(|| i.to_string()),
        Data::Float(f) => pad(f, zero_pad).unwrap_or_else(|| number_text(f)),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, hh, mm, ss, _) = dt.to_ymd_hms_milli();
            if (hh, mm, ss) == (0, 0, 0) {
                format!("{y:04}-{m:02}-{d:02}")
            } else {
                format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}")
            }
        }
        Data::DateTime(dt) => number_text(dt.as_f64()),
        Data::Error(err) => {
            note(
                Diagnostic::new(
                    Code::SheetCellError,
                    format!(
                        "Row {row} holds the Excel error {err}; it is read as empty. Fix the formula or type the value."
                    ),
                )
                .at_row(row),
            );
            String::new()
        }
    }
}

/// A whole number written with the cell format's leading zeros.
fn pad(value: f64, width: Option<usize>) -> Option<String> {
    let width = width?;
    (value.fract() == 0.0 && (0.0..1e15).contains(&value)).then(|| format!("{:0width$}", value as u64))
}

/// Whole numbers without ".0"; others as Rust's shortest round-trip form.
fn number_text(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 { format!("{}", value as i64) } else { value.to_string() }
}
