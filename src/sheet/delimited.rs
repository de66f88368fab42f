//! CSV, TSV and other delimited text, with the `csv` crate.

use super::{ReadOptions, Sheet, SheetBuilder};
use crate::bytes::lone_returns;
use crate::diag::Diagnostic;
use csv::{ByteRecord, ReaderBuilder};
use std::borrow::Cow;

/// The delimiters tried, in order of preference when they score the same.
const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];
/// Records read to guess the delimiter.
const SAMPLE_RECORDS: usize = 64;

/// Guesses the delimiter: the candidate that splits the first records into the same number of
/// fields (more than one) most consistently. Quoted fields are honoured while guessing.
pub fn sniff_delimiter(text: &str) -> u8 {
    let sample = &text[..floor_char_boundary(text, 64 * 1024)];
    let mut best = (b',', 0usize, 0usize); // (delimiter, consistent records, fields)
    for delimiter in CANDIDATES {
        let mut reader =
            ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(sample.as_bytes());
        let counts: Vec<usize> =
            reader.byte_records().take(SAMPLE_RECORDS).filter_map(Result::ok).map(|r| r.len()).collect();
        // The most common field count, and how many records have it.
        let mut tally: Vec<(usize, usize)> = Vec::new();
        for count in counts {
            match tally.iter_mut().find(|(c, _)| *c == count) {
                Some((_, n)) => *n += 1,
                None => tally.push((count, 1)),
            }
        }
        let Some(&(fields, consistent)) = tally.iter().max_by_key(|(fields, n)| (*n, *fields)) else { continue };
        if fields > 1 && (consistent, fields) > (best.1, best.2) {
            best = (delimiter, consistent, fields);
        }
    }
    best.0
}

fn floor_char_boundary(text: &str, at: usize) -> usize {
    if at >= text.len() {
        return text.len();
    }
    (0..=at).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0)
}

/// Reads delimited text into a sheet.
pub fn read_delimited(text: &str, options: &ReadOptions) -> Result<(Sheet, Vec<Diagnostic>), String> {
    // Copied only when a return stands alone (rare): most text is read as it is.
    let (alone, _) = lone_returns(text.as_bytes(), 0, true);
    let text = if alone.is_empty() {
        Cow::Borrowed(text)
    } else {
        let mut settled = text.to_owned();
        feed_lines(&mut settled, &alone);
        Cow::Owned(settled)
    };
    let delimiter = delimiter_for(&text, options)?;
    let mut builder = SheetBuilder::new(options.header_row);
    let next = read_records(&text, delimiter, 1, |number, record| builder.push_record(number, record))?;
    builder.finish(options.filename.clone().unwrap_or_default(), next.saturating_sub(1))
}

/// Line endings as the csv reader reads them: a carriage return alone (classic Mac OS, Excel's
/// "CSV (Macintosh)") ends a line as a line feed does. Each one in `text[from..]` becomes a line
/// feed, so rows are numbered, and a stream's records cut, at every line ending alike (one alone
/// inside a quoted cell becomes a line feed: the same line break). A return at the very end waits
/// for the next piece unless `last`, as a line feed may follow. Returns how far `text` is settled.
pub(crate) fn settle_line_endings(text: &mut String, from: usize, last: bool) -> usize {
    let (alone, settled) = lone_returns(text.as_bytes(), from, last);
    feed_lines(text, &alone);
    settled
}

/// Turns the carriage returns at `at` into line feeds (one byte for one: nothing moves).
fn feed_lines(text: &mut String, at: &[usize]) {
    for &i in at {
        text.replace_range(i..=i, "\n");
    }
}

/// The delimiter the options name, or the one the text suggests.
pub(crate) fn delimiter_for(text: &str, options: &ReadOptions) -> Result<u8, String> {
    match options.delimiter {
        Some(d) if d.is_ascii() => Ok(d as u8),
        Some(d) => Err(format!("the delimiter must be a single ASCII character, not '{d}'")),
        None => Ok(sniff_delimiter(text)),
    }
}

/// Reads the records of `text` (whole records only), handing each to `each` with its row
/// number; `first_row` is the row the text starts on. Returns the row the next text starts on.
pub(crate) fn read_records(
    text: &str,
    delimiter: u8,
    first_row: u64,
    mut each: impl FnMut(u64, &ByteRecord),
) -> Result<u64, String> {
    let mut reader =
        ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut numbering = RowNumbering::default();
    let mut record = ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(err) => return Err(format!("the file could not be read as delimited text: {err}")),
        }
        let number = first_row - 1 + numbering.row_of(text.as_bytes(), &record);
        each(number, &record);
    }
    // Every byte has been read: the reader has counted every line break.
    let breaks = reader.position().line() - 1;
    Ok(first_row + breaks - numbering.embedded)
}

/// The cells of a record of text already decoded, written over `cells` (a row done with: its
/// strings are reused, so most cells cost no allocation). The text is valid UTF-8 cut at ASCII
/// delimiters and quotes, so the record is checked once, not cell by cell (in wasm, a tenth of
/// reading a sheet).
pub(crate) fn fill_cells(record: &ByteRecord, cells: &mut Vec<String>) {
    cells.truncate(record.len());
    let text = std::str::from_utf8(record.as_slice()).ok();
    for i in 0..record.len() {
        let cell = match text.and_then(|text| text.get(record.range(i)?)) {
            Some(cell) => Cow::Borrowed(cell),
            None => record.get(i).map(String::from_utf8_lossy).unwrap_or_default(),
        };
        match cells.get_mut(i) {
            Some(slot) => {
                slot.clear();
                slot.push_str(&cell);
            }
            None => cells.push(cell.into_owned()),
        }
    }
}

/// Finds where whole records end in delimited text that arrives in pieces: after a line break
/// outside quotes. Quoting follows the reader's rules: a quote opens a quoted field only at the
/// start of a field, and `""` inside one is a literal quote.
pub(crate) struct RecordCutter {
    delimiter: u8,
    state: Quoting,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Quoting {
    FieldStart,
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: the end of the field, or the first of `""`.
    QuoteInQuoted,
}

impl RecordCutter {
    pub(crate) fn new(delimiter: u8) -> Self {
        RecordCutter { delimiter, state: Quoting::FieldStart }
    }

    /// Scans more text; returns the length of its longest prefix that ends after a record.
    /// Jumps from quote to line break with `memchr` rather than stepping through every byte: a
    /// stream scans all of its text here before the reader parses it.
    pub(crate) fn scan(&mut self, text: &[u8]) -> Option<usize> {
        let mut cut = None;
        let mut i = 0;
        while i < text.len() {
            match self.state {
                // Inside quotes only a quote matters.
                Quoting::Quoted => match memchr::memchr(b'"', &text[i..]) {
                    Some(quote) => {
                        i += quote + 1;
                        self.state = Quoting::QuoteInQuoted;
                    }
                    None => return cut,
                },
                Quoting::QuoteInQuoted if text[i] == b'"' => {
                    i += 1;
                    self.state = Quoting::Quoted;
                }
                // The quoted field ended: the byte after it is read as any byte outside quotes.
                Quoting::QuoteInQuoted => {
                    self.state = self.after(text[i]);
                    if text[i] == b'\n' {
                        cut = Some(i + 1);
                    }
                    i += 1;
                }
                Quoting::FieldStart | Quoting::Unquoted => {
                    let Some(found) = memchr::memchr2(b'"', b'\n', &text[i..]).map(|o| i + o) else {
                        if let Some(&last) = text.last() {
                            self.state = self.after(last);
                        }
                        return cut;
                    };
                    if text[found] == b'\n' {
                        cut = Some(found + 1);
                        self.state = Quoting::FieldStart;
                    } else {
                        // A quote opens a quoted field only where a field starts.
                        let at_start = if found == i { self.state } else { self.after(text[found - 1]) };
                        self.state = if at_start == Quoting::FieldStart { Quoting::Quoted } else { Quoting::Unquoted };
                    }
                    i = found + 1;
                }
            }
        }
        cut
    }

    /// The state after `byte` outside quotes.
    fn after(&self, byte: u8) -> Quoting {
        if byte == b'\n' || byte == b'\r' || byte == self.delimiter { Quoting::FieldStart } else { Quoting::Unquoted }
    }
}

/// Turns record positions into Excel row numbers: each line of the file is a row, except the
/// line breaks inside quoted cells.
#[derive(Default)]
struct RowNumbering {
    /// Line breaks that were inside quoted cells of earlier records.
    embedded: u64,
}

impl RowNumbering {
    /// The row (1-based within `text`) of `record`, read next after the earlier ones.
    fn row_of(&mut self, text: &[u8], record: &ByteRecord) -> u64 {
        // The reader counts every line break it has passed (`line` is one more), but its position
        // can stop before the line ending and blank lines ahead of the record: count those too.
        let (position, line) = record.position().map_or((0, 1), |p| (p.byte() as usize, p.line()));
        let ahead = text.get(position..).unwrap_or_default();
        let ahead = ahead.iter().take_while(|&&b| b == b'\r' || b == b'\n').filter(|&&b| b == b'\n').count();
        let row = line + ahead as u64 - self.embedded;
        // Most records hold no line break: one search tells, before any counting.
        let cells = record.as_slice();
        if let Some(first) = memchr::memchr(b'\n', cells) {
            self.embedded += memchr::memchr_iter(b'\n', cells.get(first..).unwrap_or_default()).count() as u64;
        }
        row
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Code;

    fn read(text: &str) -> (Sheet, Vec<Diagnostic>) {
        read_delimited(text, &ReadOptions::default()).unwrap()
    }

    #[test]
    fn sniffs_the_delimiter_even_with_other_delimiters_inside_values() {
        assert_eq!(sniff_delimiter("a,b,c\n1,2,3\n"), b',');
        assert_eq!(sniff_delimiter("Nom;Prénom;Ville\nDupont;Jean;Paris, France\n"), b';');
        assert_eq!(sniff_delimiter("name\tnote\n\"Doe, John\"\ta, b, c\nx\ty\n"), b'\t');
        assert_eq!(sniff_delimiter("a|b\n1|2\n"), b'|');
        assert_eq!(sniff_delimiter("single\ncolumn\n"), b',');
    }

    #[test]
    fn rows_keep_the_numbers_excel_shows() {
        // Row 1 headers, row 2 a cell spanning two lines, row 3 blank, row 4 data (CRLF endings),
        // row 5 a row of empty cells, row 6 data.
        let text = "first,last\r\nAnn,\"multi\nline\"\r\n\r\nBob,Ray\r\n,\r\nCid,\"Q\"\"uote\"\n";
        let (sheet, diagnostics) = read(text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(sheet.header_row, 1);
        let numbers: Vec<u64> = sheet.rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [2, 4, 6]);
        assert_eq!(sheet.rows[0].cells, ["Ann", "multi\nline"]);
        assert_eq!(sheet.rows[2].cells, ["Cid", "Q\"uote"]);
    }

    #[test]
    fn a_carriage_return_alone_ends_a_row_as_a_line_feed_does() {
        let lf = "first,last\nAnn,\"multi\nline\"\n\nBob,Ray\n,\nCid,Q\n";
        let (want, _) = read(lf);
        let numbers = |sheet: &Sheet| sheet.rows.iter().map(|r| r.number).collect::<Vec<_>>();
        let (crlf, _) = read(&lf.replace('\n', "\r\n"));
        assert_eq!(numbers(&crlf), numbers(&want));
        let (cr, _) = read(&lf.replace('\n', "\r"));
        assert_eq!(cr.rows, want.rows);
        // Endings mixed in one file, and a return alone inside a quoted cell (a line break there).
        let (sheet, _) = read("first,last\rAnn,\"multi\rline\"\r\n\nBob,Ray\n,\rCid,Q");
        assert_eq!(sheet.rows, want.rows);
        // A stream settles a return at the end of a piece only once it sees what follows.
        let mut text = "a\rb\r".to_owned();
        assert_eq!(settle_line_endings(&mut text, 0, false), 3);
        assert_eq!(text, "a\nb\r");
        text.push_str("\nc\r");
        assert_eq!(settle_line_endings(&mut text, 3, true), text.len());
        assert_eq!(text, "a\nb\r\nc\n");
    }

    #[test]
    fn the_header_row_is_the_first_non_blank_one_or_the_chosen_one() {
        let text = "\n\nExport of 2026-11-22\nuser,mail\njdoe,j@example.com\n";
        let (sheet, _) = read(text);
        assert_eq!((sheet.header_row, sheet.headers.as_slice()), (3, ["Export of 2026-11-22".to_owned()].as_slice()));
        let chosen = ReadOptions { header_row: Some(4), ..ReadOptions::default() };
        let (sheet, _) = read_delimited(text, &chosen).unwrap();
        assert_eq!((sheet.header_row, sheet.headers.clone()), (4, vec!["user".to_owned(), "mail".to_owned()]));
        assert_eq!(sheet.rows[0].number, 5);
        let beyond = ReadOptions { header_row: Some(40), ..ReadOptions::default() };
        assert!(read_delimited(text, &beyond).unwrap_err().contains("row 40 does not exist"));
        let blank = ReadOptions { header_row: Some(2), ..ReadOptions::default() };
        assert!(read_delimited(text, &blank).unwrap_err().contains("row 2, chosen as the header row, is blank"));
    }

    #[test]
    fn trailing_empty_header_cells_name_no_column() {
        let (sheet, diagnostics) = read(
            "user,mail,,
jdoe,j@example.com,,
asmith,a@example.com,,note
",
        );
        assert_eq!(sheet.headers, ["user", "mail"]);
        assert_eq!(sheet.rows[1].cells, ["asmith", "a@example.com"]);
        let placed: Vec<_> = diagnostics.iter().map(|d| (d.code, d.row, d.column.as_deref())).collect();
        assert_eq!(placed, [(Code::SheetExtraCells, Some(3), Some("D"))]);
    }

    #[test]
    fn short_rows_are_padded_and_values_past_the_last_header_are_reported() {
        let (sheet, diagnostics) = read("a,b,c\n1\n1,2,3,\n1,2,3,4\n");
        assert_eq!(sheet.rows[0].cells, ["1", "", ""]);
        assert_eq!(diagnostics.len(), 1, "a trailing delimiter is fine: {diagnostics:?}");
        assert_eq!(
            (diagnostics[0].code, diagnostics[0].row, diagnostics[0].column.as_deref()),
            (Code::SheetExtraCells, Some(4), Some("D"))
        );
    }

    #[test]
    fn duplicate_headers_name_both_columns_and_empty_files_say_so() {
        let (_, diagnostics) = read("Email,Name,email\nx,y,z\n");
        assert_eq!(diagnostics[0].code, Code::SheetDuplicateHeader);
        assert!(diagnostics[0].message.contains("Columns A and C"), "{}", diagnostics[0].message);
        let (sheet, diagnostics) = read("\n ,\n");
        assert_eq!((sheet.rows.len(), diagnostics[0].code), (0, Code::SheetEmpty));
    }

    /// The cutter's rules, one byte at a time: what the jumping scan must agree with.
    fn cut_bytewise(delimiter: u8, state: &mut Quoting, text: &[u8]) -> Option<usize> {
        let mut cut = None;
        for (i, &b) in text.iter().enumerate() {
            *state = match (*state, b) {
                (Quoting::Quoted, b'"') => Quoting::QuoteInQuoted,
                (Quoting::Quoted, _) => Quoting::Quoted,
                (Quoting::QuoteInQuoted, b'"') => Quoting::Quoted,
                (Quoting::FieldStart, b'"') => Quoting::Quoted,
                (_, b'\n') => {
                    cut = Some(i + 1);
                    Quoting::FieldStart
                }
                (_, b'\r') => Quoting::FieldStart,
                (_, b) if b == delimiter => Quoting::FieldStart,
                _ => Quoting::Unquoted,
            };
        }
        cut
    }

    #[test]
    fn the_cutter_cuts_where_records_end_however_the_text_arrives() {
        // Every text over a small alphabet of the bytes that matter, cut in every pair of pieces.
        let alphabet = [b'a', b',', b'"', b'\n', b'\r'];
        let mut texts = vec![Vec::new()];
        for _ in 0..6 {
            texts = texts.iter().flat_map(|t| alphabet.map(|b| [t.as_slice(), &[b]].concat())).collect();
        }
        for text in &texts {
            for split in 0..=text.len() {
                let (mut cutter, mut state) = (RecordCutter::new(b','), Quoting::FieldStart);
                for piece in [&text[..split], &text[split..]] {
                    let expected = cut_bytewise(b',', &mut state, piece);
                    assert_eq!(cutter.scan(piece), expected, "{:?} split at {split}", String::from_utf8_lossy(text));
                    assert!(cutter.state == state, "{:?} split at {split}", String::from_utf8_lossy(text));
                }
            }
        }
    }

    #[test]
    fn leading_zeros_and_dates_stay_text() {
        let (sheet, _) = read("employeeId,start\n000042,03/04/2026\n");
        assert_eq!(sheet.rows[0].cells, ["000042", "03/04/2026"]);
    }
}
