//! Batch-duplicate values that outgrow memory. A stream of tens of millions of rows notes a
//! digest for every username, email and id it checks; past a budget, a key's digests are no
//! longer looked up as they come but gathered, sorted and appended to the key's file in runs, and
//! the runs are merged at the end, where values repeated across them are found. The findings are
//! those the in-memory check gives: each later row names the first row that held the value.

use super::unique::{Digest, Key};
use crate::diag::Diagnostic;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};

/// Each call gives a new, empty file, for one key's runs (the CLI's are unnamed temporary files).
pub type SpillFiles = Box<dyn FnMut() -> io::Result<File>>;

/// Values of one key kept in memory before the key spills: 4 MB of them.
pub const IN_MEMORY_VALUES: usize = 1 << 18;

/// A digest and the row that held it: what a run keeps, sorted.
type Entry = (Digest, u32);

const ENTRY_BYTES: u64 = 16;

/// Bytes of each run read at a time while merging (a 10 GB stream has some 400 runs a key).
const READ_BYTES: u64 = 16 * 1024;

/// Where batch-duplicate values go once a key has more than `in_memory` of them.
pub struct Spill {
    files: SpillFiles,
    in_memory: usize,
    keys: [Runs; 4],
}

#[derive(Default)]
struct Runs {
    /// Values gathered since the last run was written.
    gathered: Vec<Entry>,
    /// The key's file and its length; none until the first run, or after a write failed.
    file: Option<(File, u64)>,
    /// No more runs go to a file: one could not be had or written to.
    failed: bool,
    written: Vec<Run>,
    /// The key spills: its values are gathered, not looked up.
    spilling: bool,
}

enum Run {
    /// Entries from this byte of the key's file.
    OnDisk { start: u64, entries: u64 },
    /// A run that could not be written stays in memory: memory grows, nothing is lost.
    Memory(Vec<Entry>),
}

impl Spill {
    /// Spills a key's values to `files` once it has more than `in_memory` of them.
    pub fn new(files: SpillFiles, in_memory: usize) -> Spill {
        Spill { files, in_memory: in_memory.max(1), keys: Default::default() }
    }

    pub(crate) fn spilling(&self, key: Key) -> bool {
        self.keys[key as usize].spilling
    }

    /// Whether a key holding `held` values in memory should spill.
    pub(crate) fn full(&self, held: usize) -> bool {
        held >= self.in_memory
    }

    /// Starts spilling `key`, whose values so far (each seen first at its row) are `first`.
    pub(crate) fn start(&mut self, key: Key, first: Vec<Entry>) {
        let runs = &mut self.keys[key as usize];
        runs.spilling = true;
        runs.gathered = first;
        self.write_run(key);
    }

    /// Gathers `digest`, a value of `key` seen at `row`.
    pub(crate) fn gather(&mut self, key: Key, digest: Digest, row: u32) {
        let runs = &mut self.keys[key as usize];
        runs.gathered.push((digest, row));
        if runs.gathered.len() >= self.in_memory {
            self.write_run(key);
        }
    }

    fn write_run(&mut self, key: Key) {
        let runs = &mut self.keys[key as usize];
        let mut entries = std::mem::take(&mut runs.gathered);
        entries.sort_unstable();
        if runs.file.is_none() && !runs.failed {
            runs.file = (self.files)().ok().map(|file| (file, 0));
        }
        let written = match &mut runs.file {
            Some((file, len)) if !runs.failed => append(file, *len, &entries).ok().map(|bytes| (len, bytes)),
            _ => None,
        };
        match written {
            Some((len, bytes)) => {
                runs.written.push(Run::OnDisk { start: *len, entries: entries.len() as u64 });
                *len += bytes;
                entries.clear();
                runs.gathered = entries; // its room is reused for the next run
            }
            None => {
                // The runs already written are still read from the file.
                runs.failed = true;
                runs.written.push(Run::Memory(entries));
            }
        }
    }

    /// Merges each spilled key's runs: every value a row holds that an earlier row held first.
    pub(crate) fn finish(&mut self, out: &mut Vec<Diagnostic>) -> io::Result<()> {
        for key in Key::ALL {
            let runs = &mut self.keys[key as usize];
            if !runs.spilling {
                continue;
            }
            let mut last = std::mem::take(&mut runs.gathered);
            last.sort_unstable();
            let file = runs.file.take().map(|(file, _)| file);
            let mut sources: Vec<Source<'_>> = Vec::new();
            for run in std::mem::take(&mut runs.written) {
                sources.push(match (run, &file) {
                    (Run::OnDisk { start, entries }, Some(file)) => {
                        Source::OnDisk(RunReader::new(file, start, entries))
                    }
                    (Run::Memory(entries), _) => Source::Memory(entries.into_iter()),
                    (Run::OnDisk { .. }, None) => return Err(io::Error::other("a run's file was lost")),
                });
            }
            sources.push(Source::Memory(last.into_iter()));
            merge(key, sources, out)?;
        }
        Ok(())
    }
}

/// Writes `entries` at byte `at` of `file` (its end); the bytes written.
fn append(file: &mut File, at: u64, entries: &[Entry]) -> io::Result<u64> {
    file.seek(SeekFrom::Start(at))?;
    let mut out = BufWriter::with_capacity(1 << 16, &*file);
    for ([a, b, c], row) in entries {
        for word in [a, b, c, row] {
            out.write_all(&word.to_le_bytes())?;
        }
    }
    out.flush()?;
    Ok(entries.len() as u64 * ENTRY_BYTES)
}

/// A run being read back, in order.
enum Source<'a> {
    OnDisk(RunReader<'a>),
    Memory(std::vec::IntoIter<Entry>),
}

impl Source<'_> {
    fn next(&mut self) -> io::Result<Option<Entry>> {
        match self {
            Source::Memory(entries) => Ok(entries.next()),
            Source::OnDisk(reader) => reader.next(),
        }
    }
}

/// One run of a file that holds many: each refill seeks to where this run's reading stopped, so
/// the runs share one open file.
struct RunReader<'a> {
    file: &'a File,
    next: u64,
    end: u64,
    buffer: Vec<u8>,
    at: usize,
}

impl<'a> RunReader<'a> {
    fn new(file: &'a File, start: u64, entries: u64) -> Self {
        RunReader { file, next: start, end: start + entries * ENTRY_BYTES, buffer: Vec::new(), at: 0 }
    }

    fn next(&mut self) -> io::Result<Option<Entry>> {
        if self.at >= self.buffer.len() {
            let want = READ_BYTES.min(self.end - self.next);
            if want == 0 {
                return Ok(None);
            }
            self.buffer.resize(want as usize, 0);
            let mut file = self.file;
            file.seek(SeekFrom::Start(self.next))?;
            file.read_exact(&mut self.buffer)?;
            self.next += want;
            self.at = 0;
        }
        let bytes = self.buffer.get(self.at..self.at + ENTRY_BYTES as usize).unwrap_or_default();
        self.at += ENTRY_BYTES as usize;
        let mut words = bytes.chunks_exact(4).map(|w| u32::from_le_bytes(w.try_into().unwrap_or_default()));
        let mut word = || words.next().ok_or_else(|| io::Error::other("a run ends inside an entry"));
        Ok(Some(([word()?, word()?, word()?], word()?)))
    }
}

/// Reads the sorted runs of `key` together; within each digest the first row is the one seen
/// first, and every other row repeats it (a row holding the value twice is no batch duplicate,
/// as in the in-memory check).
fn merge(key: Key, mut sources: Vec<Source<'_>>, out: &mut Vec<Diagnostic>) -> io::Result<()> {
    let mut heap = BinaryHeap::with_capacity(sources.len());
    for (i, source) in sources.iter_mut().enumerate() {
        if let Some(entry) = source.next()? {
            heap.push(Reverse((entry, i)));
        }
    }
    let mut first: Option<Entry> = None;
    while let Some(Reverse(((digest, row), i))) = heap.pop() {
        match first {
            Some((seen, first_row)) if seen == digest => {
                if row != first_row {
                    out.push(key.row_duplicate(row, first_row));
                }
            }
            _ => first = Some((digest, row)),
        }
        if let Some(entry) = sources[i].next()? {
            heap.push(Reverse((entry, i)));
        }
    }
    Ok(())
}
