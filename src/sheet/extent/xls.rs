//! The extent of each sheet of an .xls file (BIFF records in the compound file's Workbook stream,
//! [MS-XLS]), read the way calamine reads them: from each sheet's first record (BoundSheet8) to
//! its end, skipping the substreams of embedded charts. calamine also makes room for as many cells
//! as a sheet's Dimensions record says it has, so that record is held to the limit too.

use super::{Extent, MAX_GRID_CELLS, grouped, too_big};
use std::io::{Cursor, Read};

const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;
const BOUND_SHEET: u16 = 0x0085;
const DIMENSIONS: u16 = 0x0200;
const MUL_RK: u16 = 0x00BD;
/// Records of one cell holding a value, its row and column first (Number, Label, RString,
/// BoolErr, RK, LabelSst, Formula); calamine reads no others into its grid.
const CELLS: [u16; 7] = [0x0203, 0x0204, 0x00D6, 0x0205, 0x027E, 0x00FD, 0x0006];

/// `Err` when a sheet's grid would be too big; files that are not XLS pass.
pub(super) fn check(bytes: &[u8]) -> Result<(), String> {
    let Ok(mut file) = cfb::CompoundFile::open(Cursor::new(bytes)) else { return Ok(()) };
    let mut stream = Vec::new();
    let read = match file.open_stream("/Workbook").or_else(|_| file.open_stream("/Book")) {
        Ok(mut workbook) => workbook.read_to_end(&mut stream),
        Err(_) => return Ok(()),
    };
    if read.is_err() {
        return Ok(());
    }
    let mut sheets = Vec::new();
    for (kind, data) in Records::at(&stream, 0) {
        match kind {
            BOUND_SHEET => sheets.extend(bound_sheet(data, sheets.len())),
            EOF => break,
            _ => {}
        }
    }
    for (position, name) in sheets {
        sheet(&stream, position, &name)?;
    }
    Ok(())
}

/// A sheet's name and where its records start.
fn bound_sheet(data: &[u8], index: usize) -> Option<(usize, String)> {
    let position = usize::try_from(long(data, 0)?).ok()?;
    // BIFF8: a ShortXLUnicodeString (length, then Latin-1 or UTF-16); any other, a number.
    let name = data.get(6..8).and_then(|head| {
        let (length, wide) = (usize::from(head[0]), head[1] & 1 == 1);
        let text = data.get(8..8 + if wide { length * 2 } else { length })?;
        Some(if wide {
            String::from_utf16_lossy(
                &text.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect::<Vec<_>>(),
            )
        } else {
            text.iter().map(|&b| char::from(b)).collect()
        })
    });
    Some((position, name.unwrap_or_else(|| format!("Sheet{}", index + 1))))
}

fn sheet(stream: &[u8], position: usize, name: &str) -> Result<(), String> {
    let mut extent = Extent::default();
    // What the size record says is checked after the cells, which name a cell to look at.
    let mut said = Ok(());
    let (mut seen_bof, mut depth) = (false, 0usize);
    for (kind, data) in Records::at(stream, position) {
        if depth > 0 {
            match kind {
                BOF => depth += 1,
                EOF => depth -= 1,
                _ => {}
            }
            continue;
        }
        match kind {
            BOF if seen_bof => depth += 1,
            BOF => seen_bof = true,
            EOF => break,
            DIMENSIONS => said = said.and(declared(data, name)),
            MUL_RK => {
                let last = data.len().checked_sub(2).and_then(|i| word(data, i));
                if let (Some(row), Some(first), Some(last)) = (word(data, 0), word(data, 2), last)
                    && last >= first
                {
                    extent.take(row, 1, first, last - first + 1);
                }
            }
            _ if CELLS.contains(&kind) => {
                if let (Some(row), Some(column)) = (word(data, 0), word(data, 2)) {
                    extent.take(row, 1, column, 1);
                }
            }
            _ => {}
        }
    }
    too_big(".xls", name, &extent)?;
    said
}

/// The room calamine makes for the cells a Dimensions record says the sheet has.
fn declared(data: &[u8], name: &str) -> Result<(), String> {
    let (first_row, end_row, first_column, end_column) = match data.len() {
        10 => (word(data, 0), word(data, 2), word(data, 4), word(data, 6)),
        14 | 16 => (long(data, 0), long(data, 4), word(data, 8), word(data, 10)),
        _ => return Ok(()), // calamine refuses the sheet
    };
    let (Some(first_row), Some(end_row), Some(mut first_column), Some(end_column)) =
        (first_row, end_row, first_column, end_column)
    else {
        return Ok(());
    };
    if first_column > 0xFF || end_column < first_column {
        first_column = 0;
    }
    if end_row == 0 || end_column == 0 {
        return Ok(()); // one cell
    }
    // Rows `first_row..end_row`, columns `first_column..end_column`: an end at or before the
    // start wraps around in calamine, into a room it cannot make.
    let (rows, columns) = (end_row.saturating_sub(first_row), end_column - first_column);
    if rows == 0 || columns == 0 {
        return Err(format!(
            "the sheet \"{name}\" cannot be read: the record of its size is damaged (it ends before it starts). Save the sheet again from the spreadsheet program, or as .xlsx or CSV."
        ));
    }
    if rows * columns <= MAX_GRID_CELLS {
        return Ok(());
    }
    Err(format!(
        "the sheet \"{name}\" is too big to read as .xls: it says it spans {} rows and {} columns, {} cells, and an .xls sheet is read whole, at most {} cells. Save the sheet again from the spreadsheet program, or as .xlsx or CSV, which are read a row at a time.",
        grouped(rows),
        grouped(columns),
        grouped(rows * columns),
        grouped(MAX_GRID_CELLS),
    ))
}

/// The little-endian 16-bit number at byte `i` of `data` (BIFF's row, column and record fields).
fn word(data: &[u8], i: usize) -> Option<u64> {
    data.get(i..i.checked_add(2)?).map(|b| u64::from(u16::from_le_bytes([b[0], b[1]])))
}

/// The little-endian 32-bit number at byte `i` of `data`.
fn long(data: &[u8], i: usize) -> Option<u64> {
    data.get(i..i.checked_add(4)?).map(|b| u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])))
}

/// BIFF records from a byte of the stream: (type, data) until the stream ends or a record is cut.
struct Records<'a> {
    stream: &'a [u8],
    at: usize,
}

impl<'a> Records<'a> {
    fn at(stream: &'a [u8], at: usize) -> Self {
        Records { stream, at }
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = (u16, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let head = self.stream.get(self.at..self.at.checked_add(4)?)?;
        let (kind, length) = (word(head, 0)?, word(head, 2)?);
        let (kind, length) = (u16::try_from(kind).ok()?, usize::try_from(length).ok()?);
        let start = self.at + 4;
        let data = self.stream.get(start..start + length)?;
        self.at = start + length;
        Some((kind, data))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn record(kind: u16, data: &[u8]) -> Vec<u8> {
        let mut out = kind.to_le_bytes().to_vec();
        out.extend((data.len() as u16).to_le_bytes());
        out.extend(data);
        out
    }

    fn cell(kind: u16, row: u16, column: u16) -> Vec<u8> {
        let mut data = [row.to_le_bytes(), column.to_le_bytes()].concat();
        data.extend([0; 10]);
        record(kind, &data)
    }

    fn dimensions(first_row: u32, end_row: u32, first_column: u16, end_column: u16) -> Vec<u8> {
        let data = [
            &first_row.to_le_bytes()[..],
            &end_row.to_le_bytes(),
            &first_column.to_le_bytes(),
            &end_column.to_le_bytes(),
            &[0, 0],
        ]
        .concat();
        record(DIMENSIONS, &data)
    }

    /// An .xls file whose one sheet, "Users", holds `records` (after its BOF).
    fn xls(records: &[Vec<u8>]) -> Vec<u8> {
        let globals_tail = record(EOF, &[]);
        let name = b"Users";
        let bound =
            |at: u32| record(BOUND_SHEET, &[&at.to_le_bytes()[..], &[0, 0, name.len() as u8, 0], name].concat());
        let head = record(BOF, &[0; 16]);
        let at = (head.len() + bound(0).len() + globals_tail.len()) as u32;
        let mut stream = [head.clone(), bound(at), globals_tail].concat();
        stream.extend(head);
        records.iter().for_each(|r| stream.extend(r));
        stream.extend(record(EOF, &[]));
        let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
        file.create_stream("/Workbook").unwrap().write_all(&stream).unwrap();
        file.flush().unwrap();
        file.into_inner().into_inner()
    }

    #[test]
    fn the_cells_and_the_size_a_sheet_gives_are_held_to_the_limit() {
        // 2,000 rows by 1,000 columns: at the limit.
        let corners = [cell(0x0203, 0, 0), cell(0x00FD, 1999, 999)];
        assert_eq!(check(&xls(&corners)), Ok(()));
        let err = check(&xls(&[cell(0x0203, 0, 0), cell(0x027E, 2000, 999)])).unwrap_err();
        assert!(err.starts_with("the sheet \"Users\" is too big to read as .xls: its values span 2,001 rows and 1,000 columns (A to ALL)"), "{err}");
        assert!(err.contains("row 2,001, column ALL"), "{err}");
        // A MulRk record spans columns; cells of an embedded chart are not the sheet's.
        let mul_rk = record(
            MUL_RK,
            &[&3u16.to_le_bytes()[..], &0u16.to_le_bytes(), &[0; 6 * 256], &255u16.to_le_bytes()].concat(),
        );
        assert!(check(&xls(&[mul_rk.clone(), cell(0x0203, 60_000, 0)])).unwrap_err().contains("256 columns"));
        let chart = [record(BOF, &[0; 16]), cell(0x0203, 65_535, 255), record(EOF, &[])].concat();
        assert_eq!(check(&xls(&[cell(0x0203, 0, 0), chart, cell(0x0203, 10, 10)])), Ok(()));
        // What the Dimensions record says calamine makes room for.
        assert_eq!(check(&xls(&[dimensions(0, 2000, 0, 1000)])), Ok(()));
        let err = check(&xls(&[dimensions(0, 65_536, 0, 256)])).unwrap_err();
        assert!(err.contains("it says it spans 65,536 rows and 256 columns, 16,777,216 cells"), "{err}");
        assert!(check(&xls(&[dimensions(0, u32::MAX, 0, 256)])).is_err());
        for damaged in [dimensions(10, 5, 0, 3), dimensions(10, 10, 0, 3), dimensions(0, 5, 3, 3)] {
            let err = check(&xls(&[damaged])).unwrap_err();
            assert!(err.contains("the record of its size is damaged"), "{err}");
        }
        assert_eq!(check(&xls(&[dimensions(0, 0, 0, 0)])), Ok(())); // an empty sheet
        // Not a compound file, or cut short: left to the reader.
        assert_eq!(check(b"not an xls"), Ok(()));
        let cut = xls(&corners);
        assert_eq!(check(&cut[..cut.len() / 2]), Ok(()));
    }
}
