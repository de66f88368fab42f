//! `bulkId:` references between the operations of one request (RFC 7644 §3.7.2): where they are,
//! which operation creates each target, and which operations form cycles. Used by the checks and
//! by the planner.

use crate::checks::push_token;
use crate::payload::scim::BULK_ID_PREFIX;
use foldhash::{HashMap, HashMapExt, HashSet};
use petgraph::graph::{DiGraph, NodeIndex};
use serde_json::Value;
use std::collections::VecDeque;

/// serde_json refuses deeper input, so a walk never needs to go further.
const MAX_DEPTH: usize = 128;

/// The bulkId a string refers to: `bulkId:X`, or a URI whose last segment is (`$ref` values such
/// as `../Users/bulkId:X`).
pub fn reference_target(s: &str) -> Option<&str> {
    s.strip_prefix(BULK_ID_PREFIX)
        .or_else(|| s.rsplit_once('/').and_then(|(_, last)| last.strip_prefix(BULK_ID_PREFIX)))
}

/// One `bulkId:X` inside an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The bulkId referred to (`X`).
    pub target: String,
    /// Where it is, relative to the operation: `/path` or `/data/...`.
    pub pointer: String,
}

/// Every reference in an operation: a `path` segment `bulkId:X`, and every string in `data` that is
/// `bulkId:X` or a URI ending in it (member values, manager `value` and `$ref`, PatchOp values).
pub fn references_in(operation: &Value) -> Vec<Reference> {
    let mut found = Vec::new();
    if let Some(path) = operation.get("path").and_then(Value::as_str) {
        for segment in path.split('/') {
            if let Some(target) = segment.strip_prefix(BULK_ID_PREFIX) {
                found.push(Reference { target: target.to_owned(), pointer: "/path".to_owned() });
            }
        }
    }
    if let Some(data) = operation.get("data") {
        collect(data, &mut Vec::new(), &mut found);
    }
    found
}

/// Walks `value` looking for references. The pointer of a node is only built for a hit: most
/// nodes hold none, and building a pointer for every node dominated validation time.
fn collect<'v>(value: &'v Value, path: &mut Vec<Token<'v>>, found: &mut Vec<Reference>) {
    if path.len() > MAX_DEPTH {
        return;
    }
    match value {
        Value::String(s) => {
            if let Some(target) = reference_target(s) {
                let pointer = path.iter().fold(String::from("/data"), |p, t| match t {
                    Token::Key(k) => push_token(&p, k),
                    Token::Index(i) => push_token(&p, i),
                });
                found.push(Reference { target: target.to_owned(), pointer });
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Token::Index(i));
                collect(item, path, found);
                path.pop();
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                path.push(Token::Key(key));
                collect(item, path, found);
                path.pop();
            }
        }
        _ => {}
    }
}

enum Token<'v> {
    Key(&'v str),
    Index(usize),
}

/// Which operation creates each bulkId, and which operations each one depends on.
#[derive(Debug, Clone, Default)]
pub struct Graph<'v> {
    /// bulkId → index of the POST that creates it (the first, if repeated).
    pub creators: HashMap<&'v str, usize>,
    /// For each operation, the operations whose created ids it needs (no duplicates, in order).
    pub depends_on: Vec<Vec<usize>>,
    /// References to a bulkId no POST in the request creates: (operation index, reference).
    pub unknown: Vec<(usize, Reference)>,
}

impl<'v> Graph<'v> {
    pub fn build(operations: &'v [Value]) -> Graph<'v> {
        Graph::with_references(operations, operations.iter().map(references_in).collect())
    }

    /// [`build`](Graph::build) from each operation's [`references_in`], found by a caller that
    /// walks each operation anyway: while an operation is still in the cache, not in a second
    /// pass over a request of many megabytes.
    pub fn with_references(operations: &'v [Value], references: Vec<Vec<Reference>>) -> Graph<'v> {
        let mut creators = HashMap::with_capacity(operations.len());
        for (i, op) in operations.iter().enumerate() {
            let is_post = op.get("method").and_then(Value::as_str) == Some("POST");
            if let (true, Some(id)) = (is_post, op.get("bulkId").and_then(Value::as_str)) {
                creators.entry(id).or_insert(i);
            }
        }
        let mut depends_on = Vec::with_capacity(operations.len());
        let mut unknown = Vec::new();
        for (i, found) in references.into_iter().enumerate() {
            let mut deps: Vec<usize> = Vec::new();
            for reference in found {
                match creators.get(reference.target.as_str()) {
                    Some(&creator) if !deps.contains(&creator) => deps.push(creator),
                    Some(_) => {}
                    None => unknown.push((i, reference)),
                }
            }
            depends_on.push(deps);
        }
        Graph { creators, depends_on, unknown }
    }

    /// The sets of operations that depend on each other in a circle (strongly connected
    /// components with a cycle; a self-reference counts), each sorted, in order of first member.
    pub fn cyclic_groups(&self) -> Vec<Vec<usize>> {
        // Most requests refer to nothing: no graph to build.
        if self.depends_on.iter().all(Vec::is_empty) {
            return Vec::new();
        }
        let mut graph: DiGraph<(), ()> = DiGraph::with_capacity(self.depends_on.len(), 0);
        let nodes: Vec<NodeIndex> = (0..self.depends_on.len()).map(|_| graph.add_node(())).collect();
        for (from, deps) in self.depends_on.iter().enumerate() {
            for &to in deps {
                graph.add_edge(nodes[from], nodes[to], ());
            }
        }
        let mut groups: Vec<Vec<usize>> = petgraph::algo::kosaraju_scc(&graph)
            .into_iter()
            .map(|scc| {
                let mut members: Vec<usize> = scc.iter().map(|n| n.index()).collect();
                members.sort_unstable();
                members
            })
            .filter(|m| m.len() > 1 || self.depends_on[m[0]].contains(&m[0]))
            .collect();
        groups.sort();
        groups
    }

    /// One cycle through each cyclic group, in dependency order (a → b → … → a), starting at the
    /// group's lowest index.
    pub fn cycles(&self) -> Vec<Vec<usize>> {
        self.cyclic_groups()
            .into_iter()
            .map(|group| {
                let members: HashSet<usize> = group.iter().copied().collect();
                self.cycle_through(group[0], &members)
            })
            .collect()
    }

    /// The shortest dependency path from `start` back to itself inside `members` (BFS).
    fn cycle_through(&self, start: usize, members: &HashSet<usize>) -> Vec<usize> {
        let mut came_from: HashMap<usize, usize> = HashMap::new();
        let mut queue = VecDeque::from([start]);
        while let Some(node) = queue.pop_front() {
            for &next in &self.depends_on[node] {
                if !members.contains(&next) {
                    continue;
                }
                if next == start {
                    let mut path = vec![node];
                    let mut at = node;
                    while at != start {
                        at = came_from[&at];
                        path.push(at);
                    }
                    path.reverse();
                    return path;
                }
                if next != start && !came_from.contains_key(&next) {
                    came_from.insert(next, node);
                    queue.push_back(next);
                }
            }
        }
        vec![start]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn post(bulk_id: &str, refs: &[&str]) -> Value {
        let members: Vec<Value> = refs.iter().map(|r| json!({"value": format!("bulkId:{r}")})).collect();
        json!({"method": "POST", "path": "/Groups", "bulkId": bulk_id, "data": {"displayName": bulk_id, "members": members}})
    }

    #[test]
    fn finds_references_in_path_data_and_extensions() {
        let op = json!({"method": "PATCH", "path": "/Groups/bulkId:g", "data": {
            "Operations": [{"op": "add", "path": "members", "value": [{"value": "bulkId:u"}]}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "bulkId:m", "$ref": "../Users/bulkId:m"}},
            "note": "not bulkId:x"}});
        let targets: Vec<(String, String)> = references_in(&op).into_iter().map(|r| (r.target, r.pointer)).collect();
        assert_eq!(
            targets,
            [
                ("g".to_owned(), "/path".to_owned()),
                ("u".to_owned(), "/data/Operations/0/value/0/value".to_owned()),
                (
                    "m".to_owned(),
                    "/data/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/manager/$ref".to_owned()
                ),
                (
                    "m".to_owned(),
                    "/data/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/manager/value".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn builds_dependencies_and_unknown_references() {
        let ops = [post("a", &["b", "zz"]), post("b", &[]), post("c", &["a", "a"])];
        let graph = Graph::build(&ops);
        assert_eq!(graph.depends_on, vec![vec![1], vec![], vec![0]]);
        assert_eq!(graph.unknown.len(), 1);
        assert_eq!(graph.unknown[0].0, 0);
        assert_eq!(graph.unknown[0].1.target, "zz");
        assert!(graph.cycles().is_empty());
    }

    #[test]
    fn reports_each_cycle_once_in_order() {
        let ops = [post("a", &["b"]), post("b", &["c"]), post("c", &["a"]), post("d", &["d"]), post("e", &["a"])];
        assert_eq!(Graph::build(&ops).cycles(), vec![vec![0, 1, 2], vec![3]]);
    }

    #[test]
    fn a_long_chain_does_not_overflow_the_stack() {
        let n = 50_000;
        let ops: Vec<Value> = (0..n).map(|i| post(&i.to_string(), &[&((i + 1) % n).to_string()])).collect();
        let cycles = Graph::build(&ops).cycles();
        assert_eq!(cycles.len(), 1);
        assert_eq!(cycles[0].len(), n);
    }
}
