//! XLSX, XLS and ODS workbooks, with `calamine`. Cells become the text the user sees: numbers
//! whose format pads zeros keep them (employee ID 000042), dates in either the 1900 or the 1904
//! date system become ISO 8601, and an Excel error (#N/A) is read as empty and reported.

use super::{ReadOptions, Sheet, SheetBuilder};
use crate::diag::{Code, Diagnostic};
use calamine::{Data, Reader, Sheets, Style, StyleRange, Xlsx, XlsxError, open_workbook_auto_from_rs};
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
    read_sheet(bytes, options, false)
}

/// [`read_workbook`] through calamine's grid of cells for XLSX too: what the cell-by-cell reading
/// of XLSX is tested against.
#[doc(hidden)]
pub fn read_workbook_grid(bytes: &[u8], options: &ReadOptions) -> Result<(Sheet, Vec<Diagnostic>), String> {
    read_sheet(bytes, options, true)
}

fn read_sheet(bytes: &[u8], options: &ReadOptions, grid: bool) -> Result<(Sheet, Vec<Diagnostic>), String> {
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
    let mut out = Vec::new();
    let mut builder = SheetBuilder::new(options.header_row);
    let last_row = match &mut workbook {
        Sheets::Xlsx(xlsx) if !grid => read_xlsx_cells(xlsx, &name, &mut builder, &mut out)?,
        _ => read_range(&mut workbook, &name, &mut builder, &mut out)?,
    };
    let (sheet, mut diagnostics) = builder.finish(name, last_row)?;
    diagnostics.extend(out);
    Ok((sheet, diagnostics))
}

/// An XLSX sheet cell by cell, each with its style in the same pass: neither a grid of every cell
/// (ten times the file for a 100k-row sheet) nor a second pass for number formats. The rows come
/// out as [`read_range`] gives them: from the first to the last row holding a value, each as
/// wide as the widest.
fn read_xlsx_cells(
    xlsx: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
    builder: &mut SheetBuilder,
    out: &mut Vec<Diagnostic>,
) -> Result<u64, String> {
    let unreadable = |err: XlsxError| format!("sheet \"{name}\" could not be read: {err}");
    let mut cells = match xlsx.worksheet_cells_reader(name) {
        Ok(cells) => cells,
        // A chart sheet holds no cells: read as an empty sheet, as calamine's grid reads it.
        Err(XlsxError::NotAWorksheet(_)) => return Ok(0),
        Err(err) => return Err(unreadable(err)),
    };
    let mut rows: Vec<(u32, Vec<String>)> = Vec::new();
    let mut width = 0;
    while let Some((cell, style)) = cells.next_cell_with_style_id().map_err(unreadable)? {
        let value = Data::from(cell.get_value().clone());
        if value == Data::Empty {
            continue;
        }
        let (r, c) = cell.get_position();
        let zero_pad = match value {
            Data::Int(_) | Data::Float(_) => cells.styles().get(style).and_then(format_zero_pad),
            _ => None,
        };
        if rows.last().is_none_or(|(last, _)| *last != r) {
            rows.push((r, Vec::new()));
        }
        let Some((_, texts)) = rows.last_mut() else { continue };
        let c = c as usize;
        if texts.len() <= c {
            texts.resize(c + 1, String::new());
        }
        if let Some(text) = texts.get_mut(c) {
            *text = cell_text(value, zero_pad, u64::from(r) + 1, out);
        }
        width = width.max(c + 1);
    }
    // Writers put rows in order; should one not, its rows are put in order and merged here.
    if !rows.is_sorted_by(|a, b| a.0 < b.0) {
        rows.sort_by_key(|(r, _)| *r);
        rows.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1.resize(width, String::new());
                for (to, from) in kept.1.iter_mut().zip(std::mem::take(&mut later.1)) {
                    if !from.is_empty() {
                        *to = from;
                    }
                }
            }
            same
        });
    }
    let mut next = rows.first().map_or(0, |(r, _)| *r);
    let mut last_row = 0;
    for (r, mut texts) in rows {
        // Rows between hold no value, but one of them may be the header row the user chose.
        for blank in next..r {
            builder.push(u64::from(blank) + 1, vec![String::new(); width]);
        }
        texts.resize(width, String::new());
        last_row = u64::from(r) + 1;
        builder.push(last_row, texts);
        next = r + 1;
    }
    Ok(last_row)
}

/// XLS and ODS sheets, through calamine's grid of the sheet's cells.
fn read_range(
    workbook: &mut Sheets<Cursor<&[u8]>>,
    name: &str,
    builder: &mut SheetBuilder,
    out: &mut Vec<Diagnostic>,
) -> Result<u64, String> {
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
            texts.push(cell_text(cell.clone(), zero_pad, row, out));
        }
        builder.push(row, texts);
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

fn cell_text(cell: Data, zero_pad: Option<usize>, row: u64, out: &mut Vec<Diagnostic>) -> String {
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
            out.push(
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
