//! XLSX, XLS and ODS workbooks, with `calamine`. Cells become the text the user sees: numbers
//! whose format pads zeros keep them (employee ID 000042), dates in either the 1900 or the 1904
//! date system become ISO 8601, and an Excel error (#N/A) is read as empty and reported.

use super::{ReadOptions, Sheet, SheetBuilder};
use crate::diag::{Code, Diagnostic};
use calamine::{Data, DataRef, Reader, Sheets, Style, StyleRange, Xlsx, XlsxError, open_workbook_auto_from_rs};
use std::io::{Cursor, Read, Seek};

/// The names of a workbook's sheets, in order.
pub fn sheet_names(bytes: &[u8]) -> Result<Vec<String>, String> {
    Ok(open(bytes)?.sheet_names())
}

pub(crate) fn open(bytes: &[u8]) -> Result<Sheets<Cursor<&[u8]>>, String> {
    super::extent::check(bytes)?;
    open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|err| format!("the workbook could not be opened: {err}"))
}

/// The XLSX workbook `source` holds, read from it as it is needed (a file: the workbook is then
/// not held in memory); `None` when it holds none (another format, or a damaged file: read it
/// whole then, for [`read_rows`] to say what it is or what is wrong). An XLSX makes no
/// grid (see `extent`), but its parts held whole are counted first (a damaged or hostile file is
/// then read whole too, to be refused), and is what opening the same bytes would find, as XLSX is
/// tried before ODS.
pub(crate) fn open_xlsx<RS: Read + Seek>(mut source: RS) -> Option<Sheets<RS>> {
    super::extent::check_parts(&mut source).ok()?;
    Xlsx::new(source).ok().map(Sheets::Xlsx)
}

/// Reads one sheet (`options.sheet`, or the first) of a workbook.
pub fn read_workbook(bytes: &[u8], options: &ReadOptions) -> Result<(Sheet, Vec<Diagnostic>), String> {
    let (builder, end) = read_rows(bytes, options, Way::Cells, || SheetBuilder::new(options.header_row))?
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

/// [`read_workbook`] of an XLSX sheet whose rows are in order, each handed on as it is read;
/// `None` when they are not (they are then gathered first). What tests use to see that common
/// workbooks are read a row at a time.
#[doc(hidden)]
pub fn read_workbook_cells(bytes: &[u8], options: &ReadOptions) -> Result<Option<(Sheet, Vec<Diagnostic>)>, String> {
    match read_rows(bytes, options, Way::CellsInOrder, || SheetBuilder::new(options.header_row))? {
        Some((builder, end)) => builder.finish(end.name, end.last_row).map(Some),
        None => Ok(None),
    }
}

/// What a workbook's rows are read into: a sheet being built, or a stream checking them a part
/// at a time.
pub(crate) trait RowSink {
    /// The next row (rows come in order): its cells up to its last value, or to the header's
    /// width, and the first column right of the header holding a value (not kept).
    fn push(&mut self, number: u64, cells: Vec<String>, extra: Option<usize>);
    /// A finding about a cell (an Excel error), before its row is pushed.
    fn note(&mut self, diagnostic: Diagnostic);
    /// How many columns rows are read to, once the header row has been pushed.
    fn width(&self) -> Option<usize>;
    /// The cells of a row done with, to read the next row into (empty if none is spare).
    fn spare_row(&mut self) -> Vec<String> {
        Vec::new()
    }
}

impl RowSink for SheetBuilder {
    fn push(&mut self, number: u64, cells: Vec<String>, extra: Option<usize>) {
        self.push_row(number, cells, extra);
    }

    fn note(&mut self, diagnostic: Diagnostic) {
        SheetBuilder::note(self, diagnostic);
    }

    fn width(&self) -> Option<usize> {
        SheetBuilder::width(self)
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
    /// XLSX cell by cell, each row handed on as it is read; rows out of order are gathered first.
    Cells,
    /// XLSX cell by cell, each row handed on as it is read, or `None` for rows out of order.
    CellsInOrder,
    /// calamine's grid of the sheet's cells (XLS and ODS always).
    Grid,
}

/// Why a cell-by-cell reading stopped.
enum Stop {
    Unreadable(String),
    /// A row came after a later one: the rows are gathered and put in order.
    OutOfOrder,
}

/// Reads one sheet (`options.sheet`, or the first) into a sink made by `start`, made anew if the
/// sheet's rows turn out to be out of order. `None` only for [`Way::CellsInOrder`] then.
pub(crate) fn read_rows<S: RowSink>(
    bytes: &[u8],
    options: &ReadOptions,
    way: Way,
    start: impl Fn() -> S,
) -> Result<Option<(S, SheetEnd)>, String> {
    read_opened(open(bytes)?, options, way, start)
}

/// [`read_rows`] of a workbook opened already.
pub(crate) fn read_opened<RS: Read + Seek, S: RowSink>(
    mut workbook: Sheets<RS>,
    options: &ReadOptions,
    way: Way,
    start: impl Fn() -> S,
) -> Result<Option<(S, SheetEnd)>, String> {
    let names = workbook.sheet_names();
    let name = match &options.sheet {
        Some(wanted) => names
            .iter()
            .find(|n| n.eq_ignore_ascii_case(wanted))
            .cloned()
            .ok_or_else(|| format!("there is no sheet \"{wanted}\"; the sheets are: {}", names.join(", ")))?,
        None => names.first().cloned().ok_or("the workbook has no sheets")?,
    };
    if let (Sheets::Xlsx(xlsx), Way::Cells | Way::CellsInOrder) = (&mut workbook, way) {
        let mut sink = start();
        match read_xlsx_cells(xlsx, &name, &mut sink, false) {
            Ok(last_row) => return Ok(Some((sink, SheetEnd { name, last_row }))),
            Err(Stop::Unreadable(err)) => return Err(err),
            Err(Stop::OutOfOrder) if way == Way::CellsInOrder => return Ok(None),
            Err(Stop::OutOfOrder) => {
                let mut sink = start();
                return match read_xlsx_cells(xlsx, &name, &mut sink, true) {
                    Ok(last_row) => Ok(Some((sink, SheetEnd { name, last_row }))),
                    Err(Stop::Unreadable(err)) => Err(err),
                    Err(Stop::OutOfOrder) => Err("the sheet's rows could not be put in order".to_owned()),
                };
            }
        }
    }
    let mut sink = start();
    let last_row = read_range(&mut workbook, &name, &mut sink)?;
    Ok(Some((sink, SheetEnd { name, last_row })))
}

fn unreadable(name: &str, err: XlsxError) -> Stop {
    Stop::Unreadable(format!("sheet \"{name}\" could not be read: {err}"))
}

/// An XLSX sheet cell by cell, each with its style in the same pass, each row handed on once the
/// next begins: neither a grid of every cell (ten times the file for a 100k-row sheet, and
/// 16,384 columns wide for one value in column XFD) nor the rows held. Once the header row is in,
/// a value right of it is reported and not kept. A row that comes after a later one (some writers
/// split or reorder rows) stops the reading; read again with `gather`, every row is gathered, put
/// in order (a row written in pieces merged) and then handed on.
fn read_xlsx_cells<RS: Read + Seek>(
    xlsx: &mut Xlsx<RS>,
    name: &str,
    sink: &mut impl RowSink,
    gather: bool,
) -> Result<u64, Stop> {
    let mut cells = match xlsx.worksheet_cells_reader(name) {
        Ok(cells) => cells,
        // A chart sheet holds no cells: read as an empty sheet, as calamine's grid reads it.
        Err(XlsxError::NotAWorksheet(_)) => return Ok(0),
        Err(err) => return Err(unreadable(name, err)),
    };
    let mut rows = RowsInOrder { next: None };
    let mut gathered: Vec<RowRead> = Vec::new();
    let mut current: Option<RowRead> = None;
    while let Some((cell, style)) = cells.next_cell_with_style_id().map_err(|err| unreadable(name, err))? {
        let value = cell.get_value();
        if *value == DataRef::Empty {
            continue;
        }
        let (r, c) = cell.get_position();
        if current.as_ref().is_none_or(|row| row.r != r) {
            if current.as_ref().is_some_and(|row| row.r > r) && !gather {
                return Err(Stop::OutOfOrder);
            }
            if let Some(done) = current.take() {
                if gather { gathered.push(done) } else { rows.push(done, sink) }
            }
            // The cells of a row done with, emptied: their strings are written into again.
            let mut texts = sink.spare_row();
            texts.iter_mut().for_each(String::clear);
            current = Some(RowRead { r, texts, extra: None, found: Vec::new() });
        }
        let Some(row) = current.as_mut() else { continue };
        let c = c as usize;
        let found = &mut row.found;
        match sink.width() {
            // Right of the header: only whether it holds a value counts, said once per row.
            Some(width) if c >= width => {
                if row.extra.is_none()
                    && !value_text(value, style, cells.styles(), r, |d| found.push(d)).trim().is_empty()
                {
                    row.extra = Some(c);
                }
            }
            _ => {
                if row.texts.len() <= c {
                    row.texts.resize(c + 1, String::new());
                }
                if let Some(text) = row.texts.get_mut(c) {
                    match value {
                        // Text, by far the most cells, is copied straight from the XML or shared strings.
                        DataRef::SharedString(s) => text.push_str(s),
                        DataRef::String(s) => text.push_str(s),
                        _ => *text = value_text(value, style, cells.styles(), r, |d| found.push(d)),
                    }
                }
            }
        }
    }
    // Left to hand on: the last row read, and when gathering, every row (put in order first).
    gathered.extend(current);
    if gather {
        gathered.sort_by_key(|row| row.r);
        gathered.dedup_by(|later, kept| {
            let same = later.r == kept.r;
            if same {
                let texts = std::mem::take(&mut later.texts);
                if kept.texts.len() < texts.len() {
                    kept.texts.resize(texts.len(), String::new());
                }
                for (to, from) in kept.texts.iter_mut().zip(texts) {
                    if !from.is_empty() {
                        *to = from;
                    }
                }
                kept.found.append(&mut later.found);
            }
            same
        });
    }
    for row in gathered {
        rows.push(row, sink);
    }
    Ok(rows.next.map_or(0, u64::from))
}

/// A row being read: its cells, the first column right of the header holding a value, and what
/// was found in its cells (Excel errors).
struct RowRead {
    r: u32,
    texts: Vec<String>,
    extra: Option<usize>,
    found: Vec<Diagnostic>,
}

/// A cell's text, as [`cell_text`] gives it, with the padding its number format asks for.
fn value_text(value: &DataRef<'_>, style: usize, styles: &[Style], r: u32, note: impl FnMut(Diagnostic)) -> String {
    let value = Data::from(value.clone());
    let zero_pad = match value {
        Data::Int(_) | Data::Float(_) => styles.get(style).and_then(format_zero_pad),
        _ => None,
    };
    cell_text(value, zero_pad, u64::from(r) + 1, note)
}

/// Rows handed on in order, with the blank rows between them.
struct RowsInOrder {
    /// The row after the last one pushed (0-based).
    next: Option<u32>,
}

impl RowsInOrder {
    fn push(&mut self, row: RowRead, sink: &mut impl RowSink) {
        row.found.into_iter().for_each(|d| sink.note(d));
        // Rows between hold no value, but one of them may be the header row the user chose.
        for blank in self.next.unwrap_or(row.r)..row.r {
            let mut cells = sink.spare_row();
            cells.clear();
            sink.push(u64::from(blank) + 1, cells, None);
        }
        sink.push(u64::from(row.r) + 1, row.texts, row.extra);
        self.next = Some(row.r + 1);
    }
}

/// XLS and ODS sheets, through calamine's grid of the sheet's cells.
fn read_range<RS: Read + Seek>(workbook: &mut Sheets<RS>, name: &str, sink: &mut impl RowSink) -> Result<u64, String> {
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
                    let first = styles.is_none();
                    let styles = styles.get_or_insert_with(|| number_styles(workbook, name));
                    if first && styles.is_none() {
                        sink.note(number_format_unread(row, first_col as usize + j));
                    }
                    zero_pad(styles.as_ref(), (first_row + i as u32, first_col + j as u32))
                }
                _ => None,
            };
            texts.push(cell_text(cell.clone(), zero_pad, row, |d| sink.note(d)));
        }
        sink.push(row, texts, None);
    }
    Ok(last_row)
}

/// The first number of an XLS or ODS sheet: said once, since its format, and so any leading
/// zeros it shows, cannot be read.
fn number_format_unread(row: u64, column: usize) -> Diagnostic {
    let column = super::column_letter(column);
    Diagnostic::new(
        Code::SheetNumberFormat,
        format!(
            "Row {row}, column {column} holds a number, and numbers in .xls and .ods files are read without their format: leading zeros the program shows (000042) are lost. If a column holds IDs with leading zeros, save the sheet as .xlsx or \"CSV UTF-8\", or format the column as text."
        ),
    )
    .at_row(row)
    .at_column(column)
}

/// The styles of a sheet's cells, for XLSX (other formats keep none that muster reads).
fn number_styles<RS: Read + Seek>(workbook: &mut Sheets<RS>, name: &str) -> Option<StyleRange> {
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
