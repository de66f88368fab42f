//! Floor lines for `bench/npm.mjs`, built like the npm package (wasm32, opt-level s, talc): what
//! reading the bench's CSV costs with nothing else done, so each run shows how far `validate` is
//! from what its parser allows, and the best ratio to a competitor any validator built on it
//! could reach.

use std::collections::HashSet;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use wasm_bindgen::prelude::*;

#[cfg(target_family = "wasm")]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// The csv crate walking every record, no cell copied. Returns the number of cells.
#[wasm_bindgen]
pub fn read(bytes: &[u8]) -> usize {
    let mut cells = 0;
    each_record(bytes, |record| cells += record.len());
    cells
}

/// [`read`], and the cells of `columns` hashed into one set per column: the least an exact
/// batch-duplicate check (username, email, employee number) adds. Returns the repeats found.
#[wasm_bindgen]
pub fn read_with_keys(bytes: &[u8], columns: &[u32]) -> usize {
    let state = foldhash::quality::FixedState::with_seed(1);
    let mut seen: Vec<HashSet<u64, BuildHasherDefault<AsIs>>> = columns.iter().map(|_| HashSet::default()).collect();
    let mut repeats = 0;
    each_record(bytes, |record| {
        for (set, &column) in seen.iter_mut().zip(columns) {
            if let Some(cell) = record.get(column as usize)
                && !set.insert(state.hash_one(cell))
            {
                repeats += 1;
            }
        }
    });
    repeats
}

fn each_record(bytes: &[u8], mut each: impl FnMut(&csv::ByteRecord)) {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    while let Ok(true) = reader.read_byte_record(&mut record) {
        each(&record);
    }
}

/// The set's hash is the 64-bit hash already computed.
#[derive(Default)]
struct AsIs(u64);

impl Hasher for AsIs {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}
