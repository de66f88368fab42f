//! Any JSON, planned under tight and default limits: never a panic, never a lost operation.
#![no_main]
use libfuzzer_sys::fuzz_target;
use muster::plan::{Limits, plan};

fuzz_target!(|data: &[u8]| {
    let Ok(request) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let inputs = request.get("Operations").and_then(|o| o.as_array()).map_or(0, Vec::len);
    for limits in [Limits::default(), Limits { max_operations: 2, max_payload_bytes: 200 }] {
        let p = plan(request.clone(), limits);
        let from_input = p.chunks.iter().flat_map(|c| &c.origins).filter(|o| matches!(o, muster::plan::Origin::Input { .. })).count();
        assert_eq!(from_input, inputs);
    }
});
