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
    let flags = StreamOptions { rows: true, body: true, part_rows: 1 + usize::from(cut % 4) };
    let streamed = SheetStream::new(options, flags).run(bytes.chunks(1 + usize::from(cut / 4)));
    assert_eq!(streamed.is_err(), one_shot.is_err());
    let found: Vec<_> = streamed.into_iter().flatten().flat_map(|update| update.diagnostics).collect();
    if let Ok(one_shot) = one_shot {
        let key = |d: &muster::Diagnostic| (d.row, d.column.clone(), d.code, d.message.clone());
        let mut a: Vec<_> = found.iter().map(key).collect();
        let mut b: Vec<_> = one_shot.report.diagnostics.iter().map(key).collect();
        a.sort();
        b.sort();
        assert_eq!(a, b);
    }
});
