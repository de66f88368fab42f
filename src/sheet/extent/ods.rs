//! The extent of each sheet of an .ods file, from its content.xml (see the parent module).

use super::{Extent, too_big};
use quick_xml::events::{BytesStart, Event};
use std::io::{BufReader, Cursor};

/// `Err` when a sheet's grid would be too big; files that are not ODS pass.
pub(super) fn check(bytes: &[u8]) -> Result<(), String> {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else { return Ok(()) };
    let Ok(content) = zip.by_name("content.xml") else { return Ok(()) };
    let mut reader = quick_xml::Reader::from_reader(BufReader::new(content));
    let mut buffer = Vec::new();
    let (mut sheet, mut extent) = (String::new(), Extent::default());
    let (mut row, mut row_repeats, mut column) = (0u64, 1u64, 0u64);
    loop {
        let (event, open) = match reader.read_event_into(&mut buffer) {
            Ok(Event::Start(e)) => (e, true),
            Ok(Event::Empty(e)) => (e, false),
            Ok(Event::End(e)) => {
                match e.name().as_ref() {
                    "table:table-row" => row = row.saturating_add(row_repeats),
                    "table:table" => too_big(".ods", &sheet, &extent)?,
                    _ => {}
                }
                buffer.clear();
                continue;
            }
            Ok(Event::Eof) | Err(_) => return Ok(()),
            Ok(_) => {
                buffer.clear();
                continue;
            }
        };
        match event.name().as_ref() {
            "table:table" => {
                sheet = attribute(&event, "table:name").unwrap_or_default();
                (extent, row) = (Extent::default(), 0);
            }
            "table:table-row" => {
                row_repeats = number(&event, "table:number-rows-repeated").max(1);
                column = 0;
                if !open {
                    row = row.saturating_add(row_repeats);
                }
            }
            "table:table-cell" | "table:covered-table-cell" => {
                let repeats = number(&event, "table:number-columns-repeated").max(1);
                let has_value = open || attribute(&event, "office:value-type").is_some();
                if has_value {
                    extent.take(row, row_repeats, column, repeats);
                }
                column = column.saturating_add(repeats);
            }
            _ => {}
        }
        buffer.clear();
    }
}

fn attribute(event: &BytesStart<'_>, name: &str) -> Option<String> {
    let attribute = event.try_get_attribute(name).ok()??;
    quick_xml::escape::unescape(&attribute.value).ok().map(std::borrow::Cow::into_owned)
}

fn number(event: &BytesStart<'_>, name: &str) -> u64 {
    attribute(event, name).and_then(|n| n.trim().parse().ok()).unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn ods(table: &str) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file("content.xml", zip::write::SimpleFileOptions::default()).unwrap();
        let content = format!(
            r#"<office:document-content><office:body><office:spreadsheet><table:table table:name="S &amp; P">{table}</table:table></office:spreadsheet></office:body></office:document-content>"#
        );
        zip.write_all(content.as_bytes()).unwrap();
        zip.finish().unwrap().into_inner()
    }

    const CELL: &str = r#"<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>"#;

    #[test]
    fn repeats_count_and_the_largest_never_overflow() {
        let row = |attrs: &str, cells: &str| format!("<table:table-row {attrs}>{cells}</table:table-row>");
        let far = |n: &str| format!(r#"<table:table-cell table:number-columns-repeated="{n}"/>{CELL}"#);
        // 2,000 rows of 1,000 cells: at the limit, read.
        let wide = format!("{CELL}{}", far("998"));
        assert_eq!(check(&ods(&row(r#"table:number-rows-repeated="2000""#, &wide))), Ok(()));
        let err = check(&ods(&row(r#"table:number-rows-repeated="2001""#, &wide))).unwrap_err();
        assert!(err.starts_with("the sheet \"S & P\" is too big to read as .ods: its values span 2,001 rows and 1,000 columns (A to ALL), 2,001,000 cells"), "{err}");
        let huge = u64::MAX.to_string();
        let far_row = row("", &far(&huge));
        for table in [
            row(&format!(r#"table:number-rows-repeated="{huge}""#), &format!("{CELL}{}", far(&huge))),
            format!("{}{}{far_row}", row("", CELL), row(&format!(r#"table:number-rows-repeated="{huge}""#), "")),
            row(
                "",
                &format!(r#"<table:table-cell table:number-columns-repeated="{huge}" office:value-type="float"/>"#),
            ),
        ] {
            assert!(check(&ods(&table)).is_err(), "{table}");
        }
        // One value, however far off, is one cell.
        let blank_rows = row(&format!(r#"table:number-rows-repeated="{huge}""#), "");
        assert_eq!(check(&ods(&format!("{blank_rows}{far_row}"))), Ok(()));
        // Empty cells and rows, however repeated, take no room.
        let blank = row(
            &format!(r#"table:number-rows-repeated="{huge}""#),
            r#"<table:table-cell table:number-columns-repeated="99999"/>"#,
        );
        assert_eq!(check(&ods(&format!("{}{}", row("", CELL), blank))), Ok(()));
        // Not ODS, or not readable: left to the reader.
        assert_eq!(check(b"not a zip"), Ok(()));
        assert_eq!(check(&ods("<table:table-row><unclosed")), Ok(()));
    }
}
