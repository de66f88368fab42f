//! Properties of the bulk planner over generated requests with forward references, self
//! references and cycles, under random limits.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use muster::plan::{Limits, Origin, plan};
use muster::refs::references_in;
use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone)]
enum Op {
    User { refs: Vec<usize> },
    Group { refs: Vec<usize> },
    Delete,
    Patch { target: usize, refs: Vec<usize> },
}

fn op_strategy(n: usize) -> impl Strategy<Value = Op> {
    let refs = prop::collection::vec(0..n, 0..4);
    prop_oneof![
        3 => refs.clone().prop_map(|refs| Op::User { refs }),
        3 => refs.clone().prop_map(|refs| Op::Group { refs }),
        1 => Just(Op::Delete),
        1 => (0..n, refs).prop_map(|(target, refs)| Op::Patch { target, refs }),
    ]
}

/// Operation i is a POST with bulkId "b{i}" (when it is one); references point at POSTs only.
fn build(ops: &[Op]) -> Value {
    let posts: Vec<usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, o)| matches!(o, Op::User { .. } | Op::Group { .. }))
        .map(|(i, _)| i)
        .collect();
    let target = |r: usize| posts.get(r % posts.len().max(1)).map(|p| format!("bulkId:b{p}"));
    let operations: Vec<Value> = ops
        .iter()
        .enumerate()
        .map(|(i, op)| match op {
            Op::User { refs } => {
                let manager = refs.first().and_then(|&r| target(r));
                let mut data = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": format!("user{i}")});
                if let Some(m) = manager {
                    data["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] = json!({"manager": {"value": m.clone(), "$ref": format!("../Users/{m}")}, "department": "x"});
                }
                json!({"method": "POST", "path": "/Users", "bulkId": format!("b{i}"), "data": data})
            }
            Op::Group { refs } => {
                let members: Vec<Value> = refs.iter().filter_map(|&r| target(r)).map(|v| json!({"value": v})).collect();
                json!({"method": "POST", "path": "/Groups", "bulkId": format!("b{i}"),
                       "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": format!("g{i}"), "members": members}})
            }
            Op::Delete => json!({"method": "DELETE", "path": format!("/Users/existing{i}")}),
            Op::Patch { target: t, refs } => {
                let path = target(*t).map_or_else(|| format!("/Groups/existing{i}"), |b| format!("/Groups/{b}"));
                let members: Vec<Value> = refs.iter().filter_map(|&r| target(r)).map(|v| json!({"value": v})).collect();
                json!({"method": "PATCH", "path": path, "data": {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                       "Operations": [{"op": "add", "path": "members", "value": members}]}})
            }
        })
        .collect();
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": operations})
}

fn sorted_targets(op: &Value) -> Vec<String> {
    let mut t: Vec<String> = references_in(op).into_iter().map(|r| r.target).collect();
    t.sort();
    t
}

/// References carried over from the input: a follow-up's own path (`/Groups/bulkId:self`) is new.
fn moved_targets(op: &Value, origin: Origin) -> Vec<String> {
    let follow_up = matches!(origin, Origin::CycleFollowUp { .. });
    references_in(op).into_iter().filter(|r| !(follow_up && r.pointer == "/path")).map(|r| r.target).collect()
}

fn requests() -> impl Strategy<Value = (Value, usize, usize)> {
    (1usize..60)
        .prop_flat_map(|n| prop::collection::vec(op_strategy(n), n))
        .prop_flat_map(|ops| (Just(build(&ops)), 1usize..12, 0usize..4000))
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn plans_are_complete_within_limits_and_resolvable((request, max_operations, extra) in requests()) {
        let input = request["Operations"].as_array().unwrap().clone();
        // Every operation must fit on its own: the limit is at least the largest one plus envelope.
        let largest = input.iter().map(|o| serde_json::to_vec(o).unwrap().len()).max().unwrap_or(0);
        let max_payload_bytes = (largest + 200) * 10 / 9 + 10 + extra;
        let limits = Limits { max_operations, max_payload_bytes };
        let plan = plan(request.clone(), limits);
        prop_assert!(plan.diagnostics.is_empty(), "{:?}", plan.diagnostics);

        // Within the limits.
        for chunk in &plan.chunks {
            prop_assert!(chunk.origins.len() <= max_operations);
            prop_assert!(chunk.bytes <= limits.budget(), "chunk {} is {} bytes > {}", chunk.index, chunk.bytes, limits.budget());
            prop_assert_eq!(chunk.bytes, serde_json::to_vec(&chunk.request).unwrap().len());
        }

        // Nothing dropped, nothing duplicated; references only moved to follow-ups, never lost.
        let mut seen = vec![0usize; input.len()];
        let mut targets_after: HashMap<usize, Vec<String>> = HashMap::new();
        for chunk in &plan.chunks {
            for (origin, op) in chunk.origins.iter().zip(chunk.request["Operations"].as_array().unwrap()) {
                let of = match *origin { Origin::Input { index } => { seen[index] += 1; index } Origin::CycleFollowUp { of } => of };
                targets_after.entry(of).or_default().extend(moved_targets(op, *origin));
            }
        }
        prop_assert!(seen.iter().all(|&c| c == 1), "operation counts {:?}", seen);
        for (i, op) in input.iter().enumerate() {
            let mut after = targets_after.remove(&i).unwrap_or_default();
            after.sort();
            prop_assert_eq!(after, sorted_targets(op), "references of operation {}", i);
        }

        // Every reference resolvable when its chunk runs: created by an earlier chunk (and
        // carried) or earlier in the same chunk.
        let mut created_before: HashSet<String> = HashSet::new();
        for chunk in &plan.chunks {
            let mut created_here: HashSet<String> = HashSet::new();
            for op in chunk.request["Operations"].as_array().unwrap() {
                for target in sorted_targets(op) {
                    let earlier_chunk = created_before.contains(&target);
                    prop_assert!(earlier_chunk || created_here.contains(&target), "chunk {}: bulkId:{} not created yet", chunk.index, target);
                    if earlier_chunk {
                        prop_assert!(chunk.carried.contains(&target), "chunk {} does not carry {}", chunk.index, target);
                    }
                }
                if op["method"] == "POST" {
                    created_here.insert(op["bulkId"].as_str().unwrap().to_owned());
                }
            }
            prop_assert_eq!(created_here.len(), chunk.creates.len());
            created_before.extend(created_here);
        }
    }
}
