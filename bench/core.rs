//! Core throughput on 100k synthetic users: `cargo bench --bench core` (criterion prints
//! `thrpt` in elements per second, here rows per second).
//! Goals: validate ≥ 4 M rows/s, convert to SCIM ≥ 1.5 M rows/s.
//!
//! The "floor" lines time what no validator of these bytes can skip: serde_json scanning the
//! request without keeping anything (`IgnoredAny`), building a `serde_json::Value` (what the
//! rules walk), the csv crate splitting the sheet into records, and that with the three columns a
//! batch-duplicate check reads hashed into sets (bench/floor's lines, as `bench/npm.mjs` times them
//! in wasm). A figure above its floor is out of reach without a faster parser.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

// The CLI's allocator, so the figures are what its users get.
#[cfg(feature = "cli")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use muster::plan::{Limits, plan};
use muster::{Format, Options};
use serde_json::{Value, json};
use std::hint::black_box;

const USERS: usize = 100_000;

/// A SCIM bulk request creating `n` users with the fields HR exports usually have; every 50th
/// user has a manager created earlier in the batch.
fn scim_request(n: usize) -> Vec<u8> {
    let ops: Vec<Value> = (0..n)
        .map(|i| {
            let mut ent = json!({"employeeNumber": format!("{i:06}"), "department": "Operations", "costCenter": "4130"});
            if i % 50 == 49 {
                ent["manager"] = json!({"value": format!("bulkId:u{}", i - 1), "$ref": format!("../Users/bulkId:u{}", i - 1)});
            }
            json!({"method": "POST", "path": "/Users", "bulkId": format!("u{i}"), "data": {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
                "userName": format!("user{i}"), "externalId": format!("hr-{i}"), "active": true, "title": "Analyst",
                "name": {"givenName": "Given", "familyName": format!("Family{i}")},
                "emails": [{"value": format!("user{i}@example.com"), "type": "work", "primary": true}],
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": ent}})
        })
        .collect();
    serde_json::to_vec(&json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": ops}))
        .unwrap()
}

fn jumpcloud_create(n: usize) -> Vec<u8> {
    let users: Vec<Value> = (0..n)
        .map(|i| {
            json!({"username": format!("user{i}"), "email": format!("user{i}@example.com"), "firstname": "Given",
                   "lastname": format!("Family{i}"), "employeeIdentifier": format!("{i:06}"), "jobTitle": "Analyst",
                   "department": "Operations", "attributes": [{"name": "costCenter", "value": "4130"}]})
        })
        .collect();
    serde_json::to_vec(&users).unwrap()
}

/// A 12-column HR export: quoted fields, zero-padded ids, 2 % invalid emails; the last column a
/// note (the npm bench's sheet), or with `managers` each user's manager, the user before.
fn csv_export(n: usize, managers: bool) -> Vec<u8> {
    let last = if managers { "Manager" } else { "Notes" };
    let mut out = format!(
        "Username,First Name,Last Name,Email,Employee ID,Department,Job Title,Mobile,City,Postal code,Country,{last}\n"
    );
    for i in 0..n {
        let email = if i % 50 == 7 { format!("user{i}.example.com") } else { format!("user{i}@example.com") };
        let last = match (managers, i) {
            (false, _) => "\"said \"\"hi\"\", left\"".to_owned(),
            (true, 0) => String::new(),
            (true, _) => format!("user{}", i - 1),
        };
        out.push_str(&format!(
            "user{i},Given,\"Family, {i}\",{email},{i:06},Operations,Analyst,+1 555 {:04},Boulder,80301,US,{last}\n",
            i % 10_000
        ));
    }
    out.into_bytes()
}

fn benches(c: &mut Criterion) {
    let scim = scim_request(USERS);
    let jc = jumpcloud_create(USERS);
    println!("inputs: SCIM {} MB, JumpCloud {} MB, {USERS} users each", scim.len() / 1_000_000, jc.len() / 1_000_000);
    let scim_value: Value = serde_json::from_slice(&scim).unwrap();

    let mut group = c.benchmark_group("100k users");
    group.sample_size(10).throughput(Throughput::Elements(USERS as u64));
    group.bench_function("validate SCIM bytes", |b| {
        b.iter(|| {
            black_box(muster::validate(black_box(&scim), &Options { format: Format::Scim, ..Options::default() }))
        })
    });
    group.bench_function("validate SCIM parsed", |b| {
        b.iter(|| {
            black_box(muster::validate_value(
                black_box(&scim_value),
                &Options { format: Format::Scim, ..Options::default() },
            ))
        })
    });
    group.bench_function("validate JumpCloud bytes", |b| {
        b.iter(|| {
            black_box(muster::validate(
                black_box(&jc),
                &Options { format: Format::JumpcloudCreate, ..Options::default() },
            ))
        })
    });
    group.bench_function("convert JumpCloud to SCIM", |b| {
        b.iter(|| black_box(muster::convert(black_box(&jc), &Options::default(), Format::Scim)))
    });
    group.bench_function("plan SCIM (1000 ops / 1 MiB)", |b| {
        // The plan takes the request; the copy it is given is made outside the timing.
        b.iter_batched(
            || scim_value.clone(),
            |value| black_box(plan(value, Limits { max_operations: 1000, max_payload_bytes: 1_048_576 })),
            BatchSize::LargeInput,
        )
    });
    let csv = csv_export(USERS, false);
    let managed = csv_export(USERS, true);
    let sheet_options = |target| muster::spreadsheet::SheetOptions {
        read: muster::sheet::ReadOptions { filename: Some("users.csv".into()), ..Default::default() },
        profile: None,
        target,
    };
    group.bench_function("spreadsheet CSV read only", |b| {
        b.iter(|| black_box(muster::sheet::read(black_box(&csv), &sheet_options(Format::Scim).read)))
    });
    for (sheet, bytes) in [("", &csv), (", Manager column", &managed)] {
        for (name, target) in [("JumpCloud", Format::JumpcloudCreate), ("SCIM", Format::Scim)] {
            group.bench_function(format!("spreadsheet CSV read+map+validate ({name}{sheet})"), |b| {
                b.iter(|| black_box(muster::spreadsheet::check_report(black_box(bytes), &sheet_options(target))))
            });
        }
    }
    group.bench_function("spreadsheet CSV read+map+validate+body (JumpCloud, Manager column)", |b| {
        b.iter(|| black_box(muster::spreadsheet::check(black_box(&managed), &sheet_options(Format::JumpcloudCreate))))
    });
    group.finish();

    let mut floor = c.benchmark_group("100k users, floor");
    floor.sample_size(10).throughput(Throughput::Elements(USERS as u64));
    for (name, bytes) in [("SCIM", &scim), ("JumpCloud", &jc)] {
        floor.bench_function(format!("serde_json scan {name} (IgnoredAny)"), |b| {
            b.iter(|| black_box(serde_json::from_slice::<serde::de::IgnoredAny>(black_box(bytes)).is_ok()))
        });
        floor.bench_function(format!("serde_json parse {name} to Value"), |b| {
            b.iter(|| black_box(serde_json::from_slice::<Value>(black_box(bytes)).is_ok()))
        });
    }
    floor.bench_function("csv crate read (ByteRecord, reused)", |b| {
        b.iter(|| black_box(muster_bench_floor::read(black_box(&csv))))
    });
    // The least an exact batch-duplicate check adds: Username, Email and Employee ID hashed.
    floor.bench_function("csv crate read + 3 key columns hashed", |b| {
        b.iter(|| black_box(muster_bench_floor::read_with_keys(black_box(&csv), &[0, 3, 4])))
    });
    floor.finish();
}

criterion_group!(core, benches);
criterion_main!(core);
