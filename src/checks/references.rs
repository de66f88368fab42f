//! `bulkId:` references: every one must name a POST of the request; cycles are reported with
//! their chain (the planner breaks them, RFC 7644 §3.7.1 lets servers refuse them).

use super::Ctx;
use crate::diag::Code;
use crate::refs::{Graph, Reference};
use serde_json::Value;

/// `references[i]`: the references in operation i ([`crate::refs::references_in`]).
pub(super) fn check(operations: &[Value], references: Vec<Vec<Reference>>, ctx: &mut Ctx<'_>) {
    let graph = Graph::with_references(operations, references);
    for (index, reference) in &graph.unknown {
        ctx.report(
            Code::RefUnknownBulkId,
            &format!("/Operations/{index}{}", reference.pointer),
            Some(reference.pointer.trim_start_matches("/data/")),
            format!(
                "Operation {} refers to bulkId \"{}\", but no POST in this request has that bulkId. Add the POST, fix the name, or use the resource's id.",
                index + 1,
                reference.target
            ),
        );
    }
    for cycle in graph.cycles() {
        let name = |i: usize| operations[i].get("bulkId").and_then(Value::as_str).unwrap_or("?").to_owned();
        let mut chain: Vec<String> = cycle.iter().map(|&i| name(i)).collect();
        chain.push(name(cycle[0]));
        ctx.report(
            Code::RefCycle,
            &format!("/Operations/{}", cycle[0]),
            Some("bulkId"),
            format!(
                "These operations refer to each other in a circle: {}. Some servers refuse this with 409; muster's plan creates them without the references first and adds them with a PATCH.",
                chain.join(" → ")
            ),
        );
    }
}
