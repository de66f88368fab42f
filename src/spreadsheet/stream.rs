//! Stages 1–5 for a file that arrives in pieces (the page's Web Worker, the CLI on big files):
//! push byte chunks, get rows and findings back part by part, with progress.
//!
//! Delimited text is read as it comes: decoded piece by piece, cut after whole records, parsed by
//! the same reader as the one-shot path, and checked a part at a time by the same
//! [`RowChecker`]. Memory holds the current part, plus what has to span parts: the values checked
//! for batch duplicates and the usernames and emails a manager may name (a few dozen bytes per
//! row, never the rows themselves; with a [`Spill`], the values checked for batch duplicates go
//! to files past a budget, so memory stays flat unless a column holds managers). Workbooks (ZIP
//! or OLE containers) cannot be read in pieces: they are gathered, and
//! [`finish`](SheetStream::finish) reads their rows one after another into the same checker, a
//! part at a time (a stream that hands back the body reads the sheet whole first, so that every
//! manager is known before the first row is written).
//!
//! Parts are cut every [`StreamOptions::part_rows`] rows, as the one-shot check cuts them, so with
//! the default the results equal the one-shot [`check`](super::check), in another order (each part
//! is sorted by row; header, mapping and encoding findings come when they are known), with one
//! exception: a manager row that comes after the referring row's part makes the referring row's
//! streamed body element keep the manager's name instead of a `bulkId:` reference (findings are
//! still equal).

use super::SheetOptions;
pub use super::gathered::{Gathered, GatheredOnDisk, GatheredReport};
use super::rows::RowChecker;
use crate::bytes::{self, Kind, StreamDecoder};
use crate::checks::Spill;
use crate::diag::{Diagnostic, Severity};
use crate::options::Format;
use crate::records::columns::Proposal;
use crate::sheet::{RecordCutter, Row, SheetBuilder, check_headers, delimiter_for, read_records, settle_line_endings};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Bytes gathered before deciding the kind, the encoding and the delimiter (the delimiter is
/// guessed from the first 64 KiB of text, which UTF-16 takes 128 KiB of bytes to give).
const PROBE_BYTES: usize = 256 * 1024;

/// What a stream hands back besides findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct StreamOptions {
    /// Return the rows read (for a grid).
    pub rows: bool,
    /// Return the target body's elements (SCIM operations or JumpCloud users) for the rows.
    pub body: bool,
    /// Rows checked together (default 250); a push hands back findings once this many rows
    /// have arrived.
    pub part_rows: usize,
}

impl Default for StreamOptions {
    fn default() -> Self {
        StreamOptions { rows: false, body: false, part_rows: super::PART_ROWS }
    }
}

/// How far the stream has got.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct Progress {
    /// Bytes pushed so far.
    pub bytes: u64,
    /// Data rows read and checked so far.
    pub rows: u64,
    pub errors: u64,
    pub warnings: u64,
}

/// The header, once found: where it is, what it says, how it maps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct StreamHeader {
    pub header_row: u64,
    pub headers: Vec<String>,
    pub mapping: Vec<Proposal>,
    pub target: Format,
    /// The encoding the text was read in (`UTF-8`, `UTF-16LE`, `windows-1252`, …); none for workbooks.
    pub encoding: Option<String>,
}

/// What one push (or the finish) gave.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct StreamUpdate {
    /// Set in the update that found the header row.
    pub header: Option<StreamHeader>,
    /// The rows checked in this update (with [`StreamOptions::rows`]).
    pub rows: Vec<Row>,
    pub diagnostics: Vec<Diagnostic>,
    /// Body elements for these rows (with [`StreamOptions::body`]) and the row of each.
    #[cfg_attr(feature = "typescript", tsify(type = "unknown[]"))]
    pub body: Vec<Value>,
    pub body_rows: Vec<u64>,
    pub progress: Progress,
    /// True in the last update.
    pub done: bool,
}

/// A spreadsheet check fed in pieces: [`push`](SheetStream::push) bytes as they arrive, then
/// [`finish`](SheetStream::finish).
pub struct SheetStream {
    options: SheetOptions,
    flags: StreamOptions,
    stage: Stage,
    progress: Progress,
    spill: Option<Spill>,
}

enum Stage {
    /// Gathering the first bytes.
    Probe(Vec<u8>),
    Text(Box<Text>),
    /// A workbook, read at the end.
    Whole(Vec<u8>),
    Done,
}

struct Text {
    decoder: StreamDecoder,
    delimiter: u8,
    cutter: RecordCutter,
    /// Decoded text not yet parsed (the start of a record still arriving).
    pending: String,
    /// Bytes of `pending` the cutter has already seen.
    scanned: usize,
    /// Bytes of `pending` whose line endings are settled (see [`settle_line_endings`]).
    settled: usize,
    /// The row the pending text starts on.
    next_row: u64,
    rows: Checking,
}

/// Rows being read and checked a part at a time: the builder that finds the header row and fits
/// the rows to it, and the checker, made once the header is known.
struct Checking {
    builder: SheetBuilder,
    checker: Option<RowChecker>,
    /// The encoding the text was read in; none for a workbook.
    encoding: Option<&'static str>,
    /// Where the checker's batch-duplicate values go past a budget.
    spill: Option<Spill>,
}

impl SheetStream {
    pub fn new(options: SheetOptions, flags: StreamOptions) -> Self {
        SheetStream { options, flags, stage: Stage::Probe(Vec::new()), progress: Progress::default(), spill: None }
    }

    /// Keeps memory flat on delimited text of any length: past a budget, the values checked for
    /// batch duplicates go to `spill`'s files, and the duplicates among them come in the last
    /// update. (A workbook is held whole, and its rows are few enough for memory.)
    pub fn spill(mut self, spill: Spill) -> Self {
        self.spill = Some(spill);
        self
    }

    pub fn progress(&self) -> Progress {
        self.progress
    }

    /// Takes the next piece of the file. `Err` when the file cannot be read at all.
    pub fn push(&mut self, piece: &[u8]) -> Result<StreamUpdate, String> {
        self.progress.bytes += piece.len() as u64;
        let mut update = StreamUpdate::default();
        match &mut self.stage {
            Stage::Probe(probe) => {
                probe.extend_from_slice(piece);
                if probe.len() >= PROBE_BYTES {
                    let probe = std::mem::take(probe);
                    self.start(&probe, false, &mut update)?;
                }
            }
            Stage::Text(text) => text.take(piece, false, &self.options, &self.flags, &mut update)?,
            Stage::Whole(bytes) => bytes.extend_from_slice(piece),
            Stage::Done => return Err("the stream is finished".to_owned()),
        }
        Ok(self.count(update))
    }

    /// Pushes every piece in order, then finishes: each update, in order. `Err` at the first
    /// piece that shows the file cannot be read.
    pub fn run<'a>(mut self, pieces: impl IntoIterator<Item = &'a [u8]>) -> Result<Vec<StreamUpdate>, String> {
        let mut updates = pieces.into_iter().map(|piece| self.push(piece)).collect::<Result<Vec<_>, _>>()?;
        updates.push(self.finish()?);
        Ok(updates)
    }

    /// Reads what is left and says what can only be said at the end.
    pub fn finish(&mut self) -> Result<StreamUpdate, String> {
        let mut update = StreamUpdate::default();
        if let Stage::Probe(probe) = &mut self.stage {
            let probe = std::mem::take(probe);
            self.start(&probe, true, &mut update)?;
        }
        match std::mem::replace(&mut self.stage, Stage::Done) {
            Stage::Text(mut text) => {
                text.take(&[], true, &self.options, &self.flags, &mut update)?;
                text.finish(&self.options, &mut update)?;
            }
            Stage::Whole(bytes) => self.whole(&bytes, &mut update)?,
            Stage::Probe(_) | Stage::Done => return Err("the stream is finished".to_owned()),
        }
        update.done = true;
        Ok(self.count(update))
    }

    /// Decides what the file is from its first bytes (`complete`: they are all of it).
    fn start(&mut self, probe: &[u8], complete: bool, update: &mut StreamUpdate) -> Result<(), String> {
        let read = &self.options.read;
        match bytes::sniff(probe, read.filename.as_deref()) {
            Kind::Json => {
                return Err("this is JSON, not a spreadsheet: validate it as a bulk payload instead".to_owned());
            }
            Kind::Xlsx | Kind::Ods | Kind::Xls => {
                self.stage = Stage::Whole(probe.to_vec());
                return Ok(());
            }
            Kind::Delimited => {}
        }
        let (mut decoder, found) = StreamDecoder::start(probe, read.encoding.as_deref(), complete)?;
        update.diagnostics.extend(found);
        let encoding = decoder.encoding;
        let mut first = String::new();
        decoder.decode(probe, false, &mut first);
        let settled = settle_line_endings(&mut first, 0, false);
        let delimiter = delimiter_for(&first, read)?;
        let mut text = Box::new(Text {
            decoder,
            delimiter,
            cutter: RecordCutter::new(delimiter),
            pending: first,
            scanned: 0,
            settled,
            next_row: 1,
            rows: Checking::new(read.header_row, Some(encoding), self.spill.take()),
        });
        text.parse_whole_records(&self.options, &self.flags, update)?;
        self.stage = Stage::Text(text);
        Ok(())
    }

    fn whole(&mut self, bytes: &[u8], update: &mut StreamUpdate) -> Result<(), String> {
        // A body needs every manager known before the first row is written (`know_managers`).
        #[cfg(feature = "xlsx")]
        if !self.flags.body {
            (*update, _) = check_workbook(crate::sheet::open(bytes)?, &self.options, &self.flags, None)?;
            return Ok(());
        }
        let (sheet, out) = crate::sheet::read(bytes, &self.options.read)?;
        update.progress.rows = sheet.rows.len() as u64;
        // Rows handed back are checked as copies; otherwise their text moves into the records.
        let check = if self.flags.rows {
            let check = super::check_in_parts(super::Rows::Kept(&sheet), out, &self.options, self.flags.body);
            update.rows = sheet.rows;
            check
        } else {
            super::check_in_parts(super::Rows::Spent(sheet), out, &self.options, self.flags.body)
        };
        update.header = Some(StreamHeader {
            header_row: check.header_row,
            headers: check.headers,
            mapping: check.mapping,
            target: check.target,
            encoding: None,
        });
        update.diagnostics = check.report.diagnostics;
        if self.flags.body {
            update.body = check.body.map(super::elements).unwrap_or_default();
            update.body_rows = check.body_rows;
        }
        Ok(())
    }

    fn count(&mut self, mut update: StreamUpdate) -> StreamUpdate {
        self.progress.rows += update.progress.rows;
        for d in &update.diagnostics {
            match d.severity {
                Severity::Error => self.progress.errors += 1,
                Severity::Warning => self.progress.warnings += 1,
            }
        }
        update.progress = self.progress;
        update
    }
}

impl Text {
    /// Decodes `piece` and parses every record it completes.
    fn take(
        &mut self,
        piece: &[u8],
        last: bool,
        options: &SheetOptions,
        flags: &StreamOptions,
        update: &mut StreamUpdate,
    ) -> Result<(), String> {
        self.decoder.decode(piece, last, &mut self.pending);
        self.settled = settle_line_endings(&mut self.pending, self.settled, last);
        if last {
            // Whatever is left is the last record, with or without a line break.
            let rest = std::mem::take(&mut self.pending);
            self.read(&rest, options, flags, update)?;
            self.rows.check_waiting(options, flags, update, true);
            return Ok(());
        }
        self.parse_whole_records(options, flags, update)
    }

    /// Reads whole records, checking each part as soon as its rows are in: only one part's rows
    /// are held, and they are checked while their text is still in the CPU's cache.
    fn read(
        &mut self,
        text: &str,
        options: &SheetOptions,
        flags: &StreamOptions,
        update: &mut StreamUpdate,
    ) -> Result<(), String> {
        let rows = &mut self.rows;
        self.next_row = read_records(text, self.delimiter, self.next_row, |n, record| {
            rows.builder.push_record(n, record);
            rows.row_read(options, flags, update);
        })?;
        // The header, as soon as it is read, even before a part's rows are.
        self.rows.check_waiting(options, flags, update, false);
        Ok(())
    }

    fn parse_whole_records(
        &mut self,
        options: &SheetOptions,
        flags: &StreamOptions,
        update: &mut StreamUpdate,
    ) -> Result<(), String> {
        let unseen = self.pending.as_bytes().get(self.scanned..self.settled).unwrap_or_default();
        let Some(cut) = self.cutter.scan(unseen).map(|c| self.scanned + c) else {
            self.scanned = self.settled;
            return Ok(());
        };
        let rest = self.pending.split_off(cut);
        let whole = std::mem::replace(&mut self.pending, rest);
        self.settled -= cut;
        self.scanned = self.settled;
        self.read(&whole, options, flags, update)
    }

    fn finish(self, options: &SheetOptions, update: &mut StreamUpdate) -> Result<(), String> {
        if self.decoder.replaced {
            update.diagnostics.push(bytes::replaced_warning(self.decoder.encoding));
        }
        let name = options.read.filename.clone().unwrap_or_default();
        self.rows.finish(name, self.next_row.saturating_sub(1), options, update)
    }
}

impl Checking {
    fn new(header_row: Option<u64>, encoding: Option<&'static str>, spill: Option<Spill>) -> Self {
        Checking { builder: SheetBuilder::new(header_row), checker: None, encoding, spill }
    }

    /// Checks a part once its rows are in.
    fn row_read(&mut self, options: &SheetOptions, flags: &StreamOptions, update: &mut StreamUpdate) {
        if self.builder.rows_waiting() >= flags.part_rows.max(1) {
            self.check_waiting(options, flags, update, false);
        }
    }

    /// Checks the rows waiting, a part at a time (all of them at the end). The checker is made
    /// once the header is known.
    fn check_waiting(&mut self, options: &SheetOptions, flags: &StreamOptions, update: &mut StreamUpdate, last: bool) {
        if self.checker.is_none() {
            let Some((header_row, headers)) = self.builder.header().cloned() else { return };
            check_headers(&headers, header_row, &mut update.diagnostics);
            let mut checker = RowChecker::new(header_row, headers.clone(), options);
            checker.keep_body = flags.body;
            update.header = Some(StreamHeader {
                header_row,
                headers,
                mapping: checker.mapping.clone(),
                target: checker.target,
                encoding: self.encoding.map(str::to_owned),
            });
            if let Some(spill) = self.spill.take() {
                checker.spill(spill);
            }
            self.checker = Some(checker);
        }
        // Parts are cut every `part_rows` rows, wherever pushes end, as the one-shot check cuts
        // them: what spans a cut (a reference cycle) is then found alike.
        let part = flags.part_rows.max(1);
        let whole_parts = self.builder.rows_waiting() / part * part;
        if !last && whole_parts == 0 {
            return;
        }
        let (mut rows, found) = if last { self.builder.take() } else { self.builder.take_first(whole_parts) };
        update.diagnostics.extend(found);
        let Some(checker) = &mut self.checker else { return };
        // Rows are checked a part at a time (the reader calls in as each part fills, so this is
        // mostly one), which keeps what checking holds (records, the written body) to one part. Rows
        // handed back are checked as copies, since checking moves their text into the records.
        for part_rows in rows.chunks_mut(part) {
            let part = if flags.rows { checker.check(&mut part_rows.to_vec()) } else { checker.check(part_rows) };
            update.diagnostics.extend(part.diagnostics);
            if flags.body {
                update.body.extend(part.body);
                update.body_rows.extend(part.body_rows);
            }
        }
        update.progress.rows += rows.len() as u64; // rows of this update; `count` adds them up
        if flags.rows {
            update.rows.extend(rows);
        } else {
            self.builder.recycle(rows);
        }
    }

    /// What can only be said once every row is checked. `name` names the sheet, and `last_row`
    /// is the last row read.
    fn finish(
        self,
        name: String,
        last_row: u64,
        options: &SheetOptions,
        update: &mut StreamUpdate,
    ) -> Result<(), String> {
        match self.checker {
            Some(mut checker) => {
                update.diagnostics.extend(checker.finish());
                checker.spilled_duplicates(&mut update.diagnostics)?;
            }
            None => {
                // No header row: the one-shot reader says why (an empty file, a row past the end).
                let (sheet, found) = self.builder.finish(name, last_row)?;
                update.diagnostics.extend(found);
                update.diagnostics.extend(RowChecker::new(sheet.header_row, sheet.headers, options).finish());
            }
        }
        Ok(())
    }
}

/// A workbook's rows checked a part at a time as they are read, none of them held after (with
/// [`StreamOptions::rows`], they are handed back): everything a stream finds in the workbook, or
/// with a `listing`, its findings gathered into a [`Gathered::listing`] of that many as they come
/// (and the update without them).
#[cfg(feature = "xlsx")]
pub(crate) fn check_workbook<RS: std::io::Read + std::io::Seek>(
    workbook: calamine::Sheets<RS>,
    options: &SheetOptions,
    flags: &StreamOptions,
    listing: Option<usize>,
) -> Result<(StreamUpdate, Option<Gathered>), String> {
    let start = || WorkbookRows {
        rows: Checking::new(options.read.header_row, None, None),
        update: StreamUpdate::default(),
        gathered: listing.map(Gathered::listing),
        options,
        flags,
    };
    let (mut sink, end) = crate::sheet::read_opened(workbook, &options.read, crate::sheet::Way::Cells, start)?
        .ok_or("the sheet could not be read")?;
    sink.rows.check_waiting(options, flags, &mut sink.update, true);
    sink.rows.finish(end.name, end.last_row, options, &mut sink.update)?;
    gather(&mut sink.gathered, &mut sink.update);
    Ok((sink.update, sink.gathered))
}

/// A workbook's rows, checked as they are read; made anew should the sheet be read again (what
/// was gathered from the first reading goes with it).
#[cfg(feature = "xlsx")]
struct WorkbookRows<'a> {
    rows: Checking,
    update: StreamUpdate,
    gathered: Option<Gathered>,
    options: &'a SheetOptions,
    flags: &'a StreamOptions,
}

/// Moves the update's findings (and the header, which places them) into `gathered`, if any.
#[cfg(feature = "xlsx")]
fn gather(gathered: &mut Option<Gathered>, update: &mut StreamUpdate) {
    if let Some(gathered) = gathered.as_mut().filter(|_| update.header.is_some() || !update.diagnostics.is_empty()) {
        let diagnostics = std::mem::take(&mut update.diagnostics);
        gathered.add(StreamUpdate { header: update.header.take(), diagnostics, ..StreamUpdate::default() });
    }
}

#[cfg(feature = "xlsx")]
impl crate::sheet::RowSink for WorkbookRows<'_> {
    fn push(&mut self, number: u64, cells: Vec<String>, extra: Option<usize>) {
        self.rows.builder.push_row(number, cells, extra);
        self.rows.row_read(self.options, self.flags, &mut self.update);
        gather(&mut self.gathered, &mut self.update);
    }

    fn note(&mut self, diagnostic: Diagnostic) {
        self.rows.builder.note(diagnostic);
    }

    fn width(&self) -> Option<usize> {
        self.rows.builder.width()
    }

    fn spare_row(&mut self) -> Vec<String> {
        self.rows.builder.spare_row()
    }
}
