//! Any bytes as a spreadsheet, read one-shot and as a stream cut where the first byte says: must
//! never panic, and both must find the same things.
#![no_main]
use libfuzzer_sys::fuzz_target;
use muster::spreadsheet::stream::{SheetStream, StreamOptions};
use muster::spreadsheet::{SheetOptions, check};

fuzz_target!(|data: &[u8]| {
    let Some((&cut, bytes)) = data.split_first() else { return };
    let options = SheetOptions {
        read: muster::sheet::ReadOptions { filename: Some("fuzz.csv".into()), ..Default::default() },
        ..Default::default()
    };
    let one_shot = check(bytes, &options);
    let mut stream = SheetStream::new(options, StreamOptions { rows: true, body: true, part_rows: 1 + usize::from(cut % 4) });
    let mut found = Vec::new();
    let mut failed = false;
    for piece in bytes.chunks(1 + usize::from(cut / 4)) {
        match stream.push(piece) {
            Ok(update) => found.extend(update.diagnostics),
            Err(_) => {
                failed = true;
                break;
            }
        }
    }
    if !failed {
        match stream.finish() {
            Ok(update) => found.extend(update.diagnostics),
            Err(_) => failed = true,
        }
    }
    assert_eq!(failed, one_shot.is_err());
    if let Ok(one_shot) = one_shot {
        let key = |d: &muster::Diagnostic| (d.row, d.column.clone(), d.code, d.message.clone());
        let mut a: Vec<_> = found.iter().map(key).collect();
        let mut b: Vec<_> = one_shot.report.diagnostics.iter().map(key).collect();
        a.sort();
        b.sort();
        assert_eq!(a, b);
    }
});
