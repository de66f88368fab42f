//! A stream's updates gathered into the report a one-shot check gives: every finding, sorted top
//! to bottom and left to right once the last update is in. [`Gathered`] holds the findings;
//! [`GatheredOnDisk`] writes them to a file as they come and reads them back in order, so that a
//! file of millions of rows with findings in many of them is checked in flat memory too.

use super::stream::StreamUpdate;
use super::{sort_findings, sort_key};
use crate::diag::{Diagnostic, Report, Summary};
use serde::Serialize;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Seek, Write};

/// A stream's findings, held until the last update: every one, or with
/// [`listing`](Gathered::listing) only the first in the report's order.
#[derive(Debug)]
pub struct Gathered {
    diagnostics: Vec<Diagnostic>,
    headers: Vec<String>,
    mapped_columns: usize,
    /// Findings the report lists; the others are only counted.
    most: usize,
    counted: Summary,
}

impl Default for Gathered {
    fn default() -> Self {
        Gathered::listing(usize::MAX)
    }
}

impl Gathered {
    /// Gathers a report that lists the first `most` findings in its order (top to bottom, left to
    /// right) and counts every one in its summary. Findings past those are dropped as they come,
    /// so memory stays flat however many rows have findings.
    pub fn listing(most: usize) -> Self {
        Gathered { diagnostics: Vec::new(), headers: Vec::new(), mapped_columns: 0, most, counted: Summary::default() }
    }

    /// Takes the next update; the report when it is the last.
    pub fn add(&mut self, update: StreamUpdate) -> Option<Report> {
        if let Some(header) = update.header {
            self.headers = header.headers;
            self.mapped_columns = header.mapping.iter().filter(|p| p.field.is_some()).count();
        }
        update.diagnostics.iter().for_each(|d| self.counted.count(d.severity));
        self.diagnostics.extend(update.diagnostics);
        // Sorted only once the columns are known (as the report is), and not at every update: the
        // sort is stable, so what it keeps is what sorting every finding would put first.
        if !self.headers.is_empty() && self.diagnostics.len() / 2 > self.most {
            self.keep_first();
        }
        if !update.done {
            return None;
        }
        self.keep_first();
        let summary = Summary { rows: update.progress.rows, ..self.counted };
        Some(Report::listing(summary, std::mem::take(&mut self.diagnostics)))
    }

    fn keep_first(&mut self) {
        sort_findings(&mut self.diagnostics, &self.headers);
        self.diagnostics.truncate(self.most);
    }

    /// The columns the header's mapping feeds to a field (0 before the header).
    pub fn mapped_columns(&self) -> usize {
        self.mapped_columns
    }
}

/// A stream's findings written to a file as the updates come, one JSON line each. An update's
/// findings are about its own rows, which come after the last update's, so the file is in order
/// (this is checked as it is written); what only the end can tell (the mapping, columns left
/// out, duplicates among spilled values) is merged in as the file is read back.
pub struct GatheredOnDisk {
    /// None when no file could be had: the findings are then held.
    file: Option<BufWriter<File>>,
    held: Vec<Diagnostic>,
    headers: Vec<String>,
    /// Where the last finding written sorts, and how many were.
    last: (u64, usize),
    written: u64,
    in_order: bool,
    counted: Summary,
}

impl GatheredOnDisk {
    /// Gathers into `file`, a new empty file (the CLI's is an unnamed temporary file); without
    /// one, as [`Gathered`] does.
    pub fn new(file: Option<File>) -> Self {
        GatheredOnDisk {
            file: file.map(|file| BufWriter::with_capacity(1 << 16, file)),
            held: Vec::new(),
            headers: Vec::new(),
            last: (0, 0),
            written: 0,
            in_order: true,
            counted: Summary::default(),
        }
    }

    /// Takes the next update; the report when it is the last.
    pub fn add(&mut self, update: StreamUpdate) -> io::Result<Option<GatheredReport>> {
        if let Some(header) = update.header {
            // Findings written before sort by columns without their places (not expected).
            self.in_order &= self.written == 0;
            self.headers = header.headers;
        }
        let mut diagnostics = update.diagnostics;
        sort_findings(&mut diagnostics, &self.headers);
        diagnostics.iter().for_each(|d| self.counted.count(d.severity));
        if update.done {
            return self.finish(update.progress.rows, diagnostics).map(Some);
        }
        let Some(file) = &mut self.file else {
            self.held.extend(diagnostics);
            return Ok(None);
        };
        for d in &diagnostics {
            let key = sort_key(d, &self.headers);
            self.in_order &= key >= self.last;
            self.last = key;
            self.written += 1;
            serde_json::to_writer(&mut *file, d)?;
            file.write_all(b"\n")?;
        }
        Ok(None)
    }

    fn finish(&mut self, rows: u64, end: Vec<Diagnostic>) -> io::Result<GatheredReport> {
        let summary = Summary { rows, ..self.counted };
        let headers = std::mem::take(&mut self.headers);
        let written = match self.file.take() {
            Some(file) => {
                let mut file = file.into_inner().map_err(io::IntoInnerError::into_error)?;
                file.rewind()?;
                Some(Lines(BufReader::with_capacity(1 << 16, file)))
            }
            None => None,
        };
        if written.is_some() && self.in_order {
            return Ok(GatheredReport { summary, written, end: end.into_iter().peekable(), headers });
        }
        // Held, or (not expected) written out of order: sorted in memory, as `Gathered` sorts them.
        let mut all = std::mem::take(&mut self.held);
        if let Some(mut written) = written {
            while let Some(d) = written.next_finding()? {
                all.push(d);
            }
        }
        all.extend(end);
        sort_findings(&mut all, &headers);
        Ok(GatheredReport { summary, written: None, end: all.into_iter().peekable(), headers })
    }
}

/// The findings written, read back one line at a time.
struct Lines(BufReader<File>);

impl Lines {
    fn next_finding(&mut self) -> io::Result<Option<Diagnostic>> {
        let mut line = String::new();
        if self.0.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        serde_json::from_str(&line).map(Some).map_err(io::Error::other)
    }
}

/// A gathered stream's report, its findings read back from disk as they are written out.
pub struct GatheredReport {
    pub summary: Summary,
    written: Option<Lines>,
    end: std::iter::Peekable<std::vec::IntoIter<Diagnostic>>,
    headers: Vec<String>,
}

impl GatheredReport {
    pub fn valid(&self) -> bool {
        self.summary.errors == 0
    }

    /// Every finding, in the order [`Gathered`]'s report has them.
    pub fn diagnostics(mut self) -> impl Iterator<Item = io::Result<Diagnostic>> {
        let mut next_written = None;
        std::iter::from_fn(move || {
            if next_written.is_none()
                && let Some(lines) = &mut self.written
            {
                match lines.next_finding() {
                    Ok(Some(d)) => next_written = Some(d),
                    Ok(None) => self.written = None,
                    Err(err) => return Some(Err(err)),
                }
            }
            // On a tie, the finding that came first (the written one) goes first, as in a stable sort.
            let end_first = match (&next_written, self.end.peek()) {
                (Some(w), Some(e)) => sort_key(e, &self.headers) < sort_key(w, &self.headers),
                (None, _) => true,
                (Some(_), None) => false,
            };
            if end_first { self.end.next().map(Ok) } else { next_written.take().map(Ok) }
        })
    }

    /// Writes the report as `serde_json::to_writer_pretty` writes a [`Report`], reading the
    /// findings back as it goes.
    pub fn write_json(self, out: impl Write) -> serde_json::Result<()> {
        let valid = self.valid();
        let summary = self.summary;
        let diagnostics = Streamed(std::cell::RefCell::new(Some(self.diagnostics())));
        serde_json::to_writer_pretty(out, &Shape { valid, summary, diagnostics })
    }
}

/// The fields of a [`Report`], in its order.
#[derive(Serialize)]
struct Shape<D> {
    valid: bool,
    summary: Summary,
    diagnostics: D,
}

/// Findings serialized as a JSON array as they are read.
struct Streamed<I>(std::cell::RefCell<Option<I>>);

impl<I: Iterator<Item = io::Result<Diagnostic>>> Serialize for Streamed<I> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let mut seq = serializer.serialize_seq(None)?;
        for d in self.0.borrow_mut().take().into_iter().flatten() {
            seq.serialize_element(&d.map_err(S::Error::custom)?)?;
        }
        seq.end()
    }
}
