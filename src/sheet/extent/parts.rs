//! How big the parts of a ZIP workbook (XLSX or ODS) are once unpacked, before calamine reads
//! them. calamine holds an XLSX's shared strings whole as soon as it opens the file: one of under
//! 2 MB can unpack to half a gigabyte of them (a "zip bomb"), which ends the process (the CLI),
//! the isolate (the Worker) or the tab. Every XML part is counted, worksheets aside.

use super::grouped;
use std::io::{self, Read, Seek, SeekFrom};

/// Bytes a part held whole may unpack to: 64 MiB of shared strings are some 500,000 rows of
/// distinct names and emails.
pub(crate) const MAX_UNPACKED_PART: u64 = 64 * 1024 * 1024;

/// `Err` naming the part when a part of the workbook in `source` that is held whole unpacks to
/// more than [`MAX_UNPACKED_PART`] bytes. Parts are unpacked to be counted, since the sizes a ZIP
/// declares may lie; an XLSX's worksheets, read a row at a time, are not. `source` is left at its
/// start. What is not a ZIP, or cannot be read, passes: the reader says what is wrong with it.
pub(crate) fn check<RS: Read + Seek>(source: &mut RS) -> Result<(), String> {
    let found = first_too_big(&mut *source);
    source.seek(SeekFrom::Start(0)).map_err(|err| format!("the workbook could not be read: {err}"))?;
    match found {
        Some(name) => Err(format!(
            "the workbook's part \"{name}\" unpacks to more than {} bytes, more than muster reads: the file is damaged or made to exhaust memory (a \"zip bomb\"). Open it in a spreadsheet program and save it again, or save the sheet as CSV.",
            grouped(MAX_UNPACKED_PART)
        )),
        None => Ok(()),
    }
}

/// The name of the first part held whole that unpacks to more than the limit.
fn first_too_big<RS: Read + Seek>(source: RS) -> Option<String> {
    let mut zip = zip::ZipArchive::new(source).ok()?;
    for index in 0..zip.len() {
        let Ok(part) = zip.by_index(index) else { continue };
        let Ok(name) = part.name().map(|name| name.into_owned()) else { continue };
        if !held_whole(&name) {
            continue;
        }
        // Counted up to one byte past the limit; a part that cannot be unpacked is the reader's to report.
        let unpacked = io::copy(&mut part.take(MAX_UNPACKED_PART + 1), &mut io::sink()).unwrap_or(0);
        if unpacked > MAX_UNPACKED_PART {
            return Some(name);
        }
    }
    None
}

/// XML parts, but an XLSX's worksheets (and their relationships, which are small and streamed alike).
fn held_whole(name: &str) -> bool {
    (name.ends_with(".xml") || name.ends_with(".rels")) && !name.starts_with("xl/worksheets/")
}
