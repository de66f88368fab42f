//! Any pair of JSON documents read as a bulk request and its response: never a panic, and one
//! outcome per request operation.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mid = data.len() / 2;
    let (Ok(request), Ok(response)) =
        (serde_json::from_slice::<serde_json::Value>(&data[..mid]), serde_json::from_slice::<serde_json::Value>(&data[mid..]))
    else {
        return;
    };
    if let Ok(outcomes) = muster::results::reconcile_scim(&request, &response) {
        let ops = request.get("Operations").and_then(|o| o.as_array()).map_or(0, Vec::len);
        assert_eq!(outcomes.len(), ops);
    }
});
