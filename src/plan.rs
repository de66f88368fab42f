//! Stage 6: one bulk request → the chunks an upstream accepts, in an order that keeps every
//! `bulkId:` reference resolvable (RFC 7644 §3.7.1–§3.7.4).
//!
//! * Creations come before the operations that refer to them (input order otherwise kept).
//! * A reference cycle is broken: the POSTs go out without the references that close the circle,
//!   and a follow-up PATCH adds them once every member exists.
//! * Chunks respect `maxOperations` and `maxPayloadSize` (serialized UTF-8 bytes, with headroom).
//! * A chunk that refers to resources created by an earlier chunk lists those bulkIds in `carried`;
//!   whoever runs the plan replaces them with the created ids ([`Chunk::resolve`]) before sending.
//!
//! The plan is data, so the Worker can store it and run it chunk by chunk.

use crate::checks::push_token;
use crate::diag::{Code, Diagnostic};
use crate::payload::object;
use crate::payload::scim::{BULK_ID_PREFIX, BulkConfig, PATCH_OP_URN};
use crate::refs::{Graph, reference_target, references_in};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};

/// When the upstream does not say: small enough for every server surveyed (Janssen allows 30).
pub const DEFAULT_MAX_OPERATIONS: usize = 30;
pub const DEFAULT_MAX_PAYLOAD_BYTES: usize = 1_048_576;
/// Chunks are filled to this share of maxPayloadSize: servers measure bodies in different ways.
const HEADROOM_PERCENT: usize = 90;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct Limits {
    pub max_operations: usize,
    pub max_payload_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_operations: DEFAULT_MAX_OPERATIONS, max_payload_bytes: DEFAULT_MAX_PAYLOAD_BYTES }
    }
}

impl Limits {
    /// The upstream's advertised limits, with the defaults for whatever it leaves out.
    pub fn from_config(config: Option<&BulkConfig>) -> Limits {
        let to_usize = |v: Option<u64>| v.and_then(|v| usize::try_from(v).ok()).filter(|&v| v > 0);
        Limits {
            max_operations: to_usize(config.and_then(|c| c.max_operations)).unwrap_or(DEFAULT_MAX_OPERATIONS),
            max_payload_bytes: to_usize(config.and_then(|c| c.max_payload_size)).unwrap_or(DEFAULT_MAX_PAYLOAD_BYTES),
        }
    }

    /// The bytes a chunk may fill.
    pub fn budget(&self) -> usize {
        self.max_payload_bytes / 100 * HEADROOM_PERCENT + self.max_payload_bytes % 100 * HEADROOM_PERCENT / 100
    }
}

/// Where a planned operation came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub enum Origin {
    /// The input's operation at this index (possibly without references deferred to a follow-up).
    Input { index: usize },
    /// The PATCH that adds back the references removed from input operation `of` to break a cycle.
    CycleFollowUp { of: usize },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct Chunk {
    pub index: usize,
    /// Where each operation of `request` came from, in the same order.
    pub origins: Vec<Origin>,
    /// bulkIds created by earlier chunks that this one refers to.
    pub carried: Vec<String>,
    /// bulkIds this chunk creates; their ids are needed by later chunks' `carried`.
    pub creates: Vec<String>,
    /// Size of `request` as compact JSON.
    pub bytes: usize,
    /// The bulk request to send (after [`Chunk::resolve`]).
    #[cfg_attr(feature = "typescript", tsify(type = "unknown"))]
    pub request: Value,
}

impl Chunk {
    /// A chunk with no operations (for a job whose stored input is gone).
    pub fn empty() -> Chunk {
        Chunk {
            index: 0,
            origins: Vec::new(),
            carried: Vec::new(),
            creates: Vec::new(),
            bytes: 0,
            request: Value::Null,
        }
    }

    /// The request with every carried `bulkId:X` replaced by the id the upstream gave `X`.
    /// References the map does not know are left alone.
    pub fn resolve(&self, created: &HashMap<String, String>) -> Value {
        resolve_references(&self.request, created)
    }
}

/// `request` (a bulk request) with every `bulkId:X` whose `X` is in `created` replaced by that
/// id, in operation paths and anywhere in `data`. Other references are left alone.
pub fn resolve_references(request: &Value, created: &HashMap<String, String>) -> Value {
    let mut request = request.clone();
    if created.is_empty() {
        return request;
    }
    let operations = request.get_mut("Operations").and_then(Value::as_array_mut).into_iter().flatten();
    for operation in operations {
        if let Some(Value::String(path)) = operation.get_mut("path") {
            let resolved: Vec<String> = path
                .split('/')
                .map(|segment| {
                    segment
                        .strip_prefix(BULK_ID_PREFIX)
                        .and_then(|id| created.get(id))
                        .map_or_else(|| segment.to_owned(), Clone::clone)
                })
                .collect();
            *path = resolved.join("/");
        }
        if let Some(data) = operation.get_mut("data") {
            replace_references(data, created, 0);
        }
    }
    request
}

fn replace_references(value: &mut Value, created: &HashMap<String, String>, depth: usize) {
    if depth > 128 {
        return;
    }
    match value {
        Value::String(s) => {
            if let Some(id) = reference_target(s).and_then(|target| created.get(target)) {
                // `bulkId:X` becomes the id; a `$ref` such as `../Users/bulkId:X` keeps its prefix.
                let keep = s.len() - s.rsplit('/').next().map_or(0, str::len);
                *s = format!("{}{id}", &s[..keep]);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| replace_references(v, created, depth + 1)),
        Value::Object(map) => map.values_mut().for_each(|v| replace_references(v, created, depth + 1)),
        _ => {}
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct Plan {
    pub limits: Limits,
    pub chunks: Vec<Chunk>,
    /// Problems planning found (an operation too large for any request).
    pub diagnostics: Vec<Diagnostic>,
}

impl Plan {
    pub fn operation_count(&self) -> usize {
        self.chunks.iter().map(|c| c.origins.len()).sum()
    }
}

/// Plans a (validated) SCIM bulk request for an upstream with `limits`. Takes the request: its
/// operations move into the chunks rather than being copied (planning is on the accept path).
pub fn plan(mut request: Value, limits: Limits) -> Plan {
    let operations = match request.get_mut("Operations").map(Value::take) {
        Some(Value::Array(operations)) => operations,
        _ => Vec::new(),
    };
    let graph = Graph::build(&operations);
    let groups = graph.cyclic_groups();
    // Breaking a cycle looks creators up again, after the operations have moved into the plan.
    let creators: Creators = if groups.is_empty() {
        Creators::default()
    } else {
        graph.creators.iter().map(|(id, &index)| ((*id).to_owned(), index)).collect()
    };
    let depends_on = graph.depends_on;
    let mut planned: Vec<Planned> = operations
        .into_iter()
        .zip(depends_on)
        .enumerate()
        .map(|(index, (operation, depends_on))| Planned { origin: Origin::Input { index }, operation, depends_on })
        .collect();
    for group in groups {
        break_cycle(&group, &creators, &mut planned);
    }
    let order = dependency_order(&planned);
    let mut envelope = match request {
        Value::Object(envelope) => envelope,
        _ => Map::new(),
    };
    envelope.insert("Operations".to_owned(), Value::Array(Vec::new()));
    let mut diagnostics = Vec::new();
    let chunks = chunk(planned, &order, &envelope, limits, &mut diagnostics);
    Plan { limits, chunks, diagnostics }
}

/// bulkId → index of the operation creating it.
type Creators = foldhash::HashMap<String, usize>;

struct Planned {
    origin: Origin,
    operation: Value,
    /// Indices into the planned list.
    depends_on: Vec<usize>,
}

/// Removes from each member of a cyclic group its references to members at or after it, and
/// adds one follow-up PATCH per member that lost references. What remains points only backwards.
fn break_cycle(group: &[usize], creators: &Creators, planned: &mut Vec<Planned>) {
    let members: HashSet<usize> = group.iter().copied().collect();
    for &member in group {
        // Each member changes only itself, so its references are read as submitted.
        let deferred: Vec<String> = references_in(&planned[member].operation)
            .into_iter()
            .filter(|r| creators.get(&r.target).is_some_and(|&c| members.contains(&c) && c >= member))
            .filter_map(|r| r.pointer.strip_prefix("/data").map(str::to_owned))
            .collect();
        if deferred.is_empty() {
            continue;
        }
        let Some(data) = planned[member].operation.get_mut("data") else {
            continue;
        };
        let patch_operations = take_attributes(data, &deferred);
        planned[member].depends_on.retain(|d| !(members.contains(d) && *d >= member));

        let operation = &planned[member].operation;
        let endpoint = operation.get("path").and_then(Value::as_str).unwrap_or("/Users").trim_end_matches('/');
        let bulk_id = operation.get("bulkId").and_then(Value::as_str).unwrap_or_default();
        let data = object([
            ("schemas", Value::Array(vec![PATCH_OP_URN.into()])),
            ("Operations", Value::Array(patch_operations)),
        ]);
        let follow_up = object([
            ("method", "PATCH".into()),
            ("path", format!("{endpoint}/{BULK_ID_PREFIX}{bulk_id}").into()),
            ("data", data),
        ]);
        let mut depends_on: Vec<usize> = vec![member];
        for reference in references_in(&follow_up) {
            if let Some(&creator) = creators.get(&reference.target)
                && !depends_on.contains(&creator)
            {
                depends_on.push(creator);
            }
        }
        planned.push(Planned { origin: Origin::CycleFollowUp { of: member }, operation: follow_up, depends_on });
    }
}

/// Takes out of `data` the attributes holding the references at `pointers` (relative to `data`)
/// and returns PatchOp `add` operations that put them back. A reference inside a multi-valued
/// attribute moves only its element; one inside an extension moves that extension attribute.
fn take_attributes(data: &mut Value, pointers: &[String]) -> Vec<Value> {
    let Some(object) = data.as_object_mut() else {
        return Vec::new();
    };
    // attribute path → elements to move (by index) or the whole value (None)
    let mut moves: BTreeMap<(String, Option<String>), Option<Vec<usize>>> = BTreeMap::new();
    for pointer in pointers {
        let tokens: Vec<String> = pointer.split('/').skip(1).map(unescape).collect();
        let Some(attribute) = tokens.first() else {
            continue;
        };
        let value = object.get(attribute);
        let sub = tokens.get(1);
        let key = match (value, sub) {
            (Some(Value::Object(_)), Some(sub)) if attribute.contains(':') => (attribute.clone(), Some(sub.clone())),
            _ => (attribute.clone(), None),
        };
        let element = match (value, sub) {
            (Some(Value::Array(_)), Some(i)) if key.1.is_none() => i.parse::<usize>().ok(),
            _ => None,
        };
        let entry = moves.entry(key).or_insert_with(|| element.map(|_| Vec::new()));
        match (entry, element) {
            (Some(indices), Some(i)) if !indices.contains(&i) => indices.push(i),
            (entry @ Some(_), None) => *entry = None,
            _ => {}
        }
    }
    let mut patch = Vec::new();
    for ((attribute, sub), elements) in moves {
        let (path, value) = match (sub, elements) {
            (Some(sub), _) => {
                let taken = object.get_mut(&attribute).and_then(Value::as_object_mut).and_then(|ext| ext.remove(&sub));
                (format!("{attribute}:{sub}"), taken)
            }
            (None, Some(mut indices)) => {
                indices.sort_unstable_by(|a, b| b.cmp(a));
                let taken = object.get_mut(&attribute).and_then(Value::as_array_mut).map(|items| {
                    let len = items.len();
                    let mut moved: Vec<Value> =
                        indices.iter().filter(|&&i| i < len).map(|&i| items.remove(i)).collect();
                    moved.reverse();
                    Value::Array(moved)
                });
                (attribute, taken)
            }
            (None, None) => {
                let taken = object.remove(&attribute);
                (attribute, taken)
            }
        };
        if let Some(value) = value {
            patch.push(crate::payload::object([("op", "add".into()), ("path", path.into()), ("value", value)]));
        }
    }
    patch
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// Kahn's algorithm, always taking the lowest ready index: creations move ahead of the operations
/// that need them and everything else keeps its input order. Never drops an operation.
fn dependency_order(planned: &[Planned]) -> Vec<usize> {
    let n = planned.len();
    let mut waiting_on = vec![0usize; n];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, p) in planned.iter().enumerate() {
        for &d in &p.depends_on {
            if d < n && d != i {
                waiting_on[i] += 1;
                dependents[d].push(i);
            }
        }
    }
    let mut ready: BinaryHeap<Reverse<usize>> = (0..n).filter(|&i| waiting_on[i] == 0).map(Reverse).collect();
    let mut order = Vec::with_capacity(n);
    let mut placed = vec![false; n];
    while let Some(Reverse(i)) = ready.pop() {
        order.push(i);
        placed[i] = true;
        for &j in &dependents[i] {
            waiting_on[j] -= 1;
            if waiting_on[j] == 0 {
                ready.push(Reverse(j));
            }
        }
    }
    // Only a cycle the breaker could not cut (references outside `data`) lands here: keep it all.
    order.extend((0..n).filter(|&i| !placed[i]));
    order
}

fn chunk(
    planned: Vec<Planned>,
    order: &[usize],
    envelope: &Map<String, Value>,
    limits: Limits,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Chunk> {
    let envelope_bytes = json_len(envelope);
    let budget = limits.budget();
    let mut slots: Vec<Option<Planned>> = planned.into_iter().map(Some).collect();
    // Each group with its size as compact JSON (operations are measured once).
    let mut groups: Vec<(Vec<Planned>, usize)> = Vec::new();
    let mut current: Vec<Planned> = Vec::new();
    let mut bytes = envelope_bytes;
    for &i in order {
        let Some(op) = slots.get_mut(i).and_then(Option::take) else {
            continue;
        };
        let size = json_len(&op.operation);
        let separator = usize::from(!current.is_empty());
        if !current.is_empty() && (current.len() >= limits.max_operations.max(1) || bytes + separator + size > budget) {
            groups.push((std::mem::take(&mut current), bytes));
            bytes = envelope_bytes;
        }
        if envelope_bytes + size > limits.max_payload_bytes {
            let place = match op.origin {
                Origin::Input { index } => push_token("/Operations", index),
                Origin::CycleFollowUp { of } => push_token("/Operations", of),
            };
            diagnostics.push(
                Diagnostic::new(
                    Code::PlanOperationTooLarge,
                    format!(
                        "This operation is {size} bytes; with the request envelope it exceeds the upstream's maxPayloadSize of {} bytes, so no chunk can carry it.",
                        limits.max_payload_bytes
                    ),
                )
                .at_pointer(place),
            );
        }
        bytes += usize::from(!current.is_empty()) + size;
        current.push(op);
    }
    if !current.is_empty() {
        groups.push((current, bytes));
    }

    let mut created_in: HashMap<String, usize> = HashMap::new();
    let mut chunks = Vec::with_capacity(groups.len());
    for (index, (group, bytes)) in groups.into_iter().enumerate() {
        let mut carried: Vec<String> = Vec::new();
        let mut creates = Vec::new();
        for p in &group {
            for reference in references_in(&p.operation) {
                if created_in.get(&reference.target).is_some_and(|&c| c < index) && !carried.contains(&reference.target)
                {
                    carried.push(reference.target);
                }
            }
            if p.operation.get("method").and_then(Value::as_str) == Some("POST")
                && let Some(id) = p.operation.get("bulkId").and_then(Value::as_str)
            {
                created_in.entry(id.to_owned()).or_insert(index);
                creates.push(id.to_owned());
            }
        }
        let origins = group.iter().map(|p| p.origin).collect();
        let mut request = envelope.clone();
        request.insert("Operations".to_owned(), Value::Array(group.into_iter().map(|p| p.operation).collect()));
        chunks.push(Chunk { index, origins, carried, creates, bytes, request: Value::Object(request) });
    }
    chunks
}

/// JumpCloud takes up to this many users per bulk request by default: it documents no limit,
/// and its own tooling sends a hundred at a time.
pub const JUMPCLOUD_MAX_USERS: usize = 100;

/// Plans a (validated) JumpCloud bulk array (`POST`/`PATCH /bulk/users`): consecutive users, at
/// most `limits.max_operations` per request and within the payload budget. Users do not refer to
/// one another by bulkId, so order is kept and nothing is carried.
pub fn plan_jumpcloud(users: Value, limits: Limits) -> Plan {
    let users = match users {
        Value::Array(users) => users,
        _ => Vec::new(),
    };
    let budget = limits.budget();
    let mut diagnostics = Vec::new();
    // Consecutive users with the group's size as compact JSON.
    let mut groups: Vec<(Vec<Value>, Vec<Origin>, usize)> = Vec::new();
    for (index, user) in users.into_iter().enumerate() {
        let size = json_len(&user);
        if 2 + size > limits.max_payload_bytes {
            diagnostics.push(
                Diagnostic::new(
                    Code::PlanOperationTooLarge,
                    format!(
                        "This user is {size} bytes, over the upstream's payload limit of {} bytes, so no request can carry it.",
                        limits.max_payload_bytes
                    ),
                )
                .at_pointer(push_token("", index)),
            );
        }
        let origin = Origin::Input { index };
        match groups.last_mut() {
            Some((group, origins, bytes))
                if group.len() < limits.max_operations.max(1) && *bytes + 1 + size <= budget =>
            {
                group.push(user);
                origins.push(origin);
                *bytes += 1 + size;
            }
            _ => groups.push((vec![user], vec![origin], 2 + size)), // [ ]
        }
    }
    let chunks = groups
        .into_iter()
        .enumerate()
        .map(|(index, (group, origins, bytes))| Chunk {
            index,
            origins,
            carried: Vec::new(),
            creates: Vec::new(),
            bytes,
            request: Value::Array(group),
        })
        .collect();
    Plan { limits, chunks, diagnostics }
}

/// The size of `value` as compact JSON, counted without writing it anywhere.
fn json_len(value: &impl Serialize) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    serde_json::to_writer(&mut count, value).map_or(0, |()| count.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn group(id: &str, members: &[&str]) -> Value {
        let members: Vec<Value> = members.iter().map(|m| json!({"value": format!("bulkId:{m}")})).collect();
        json!({"method": "POST", "path": "/Groups", "bulkId": id, "data": {"displayName": id, "members": members}})
    }

    fn request(ops: Vec<Value>) -> Value {
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": ops})
    }

    #[test]
    fn creations_move_ahead_of_their_referrers_and_nothing_else_moves() {
        let ops = vec![
            json!({"method": "DELETE", "path": "/Users/9"}),
            group("g", &["u"]),
            json!({"method": "POST", "path": "/Users", "bulkId": "u", "data": {"userName": "u"}}),
            json!({"method": "DELETE", "path": "/Users/8"}),
        ];
        let plan = plan(request(ops), Limits::default());
        assert_eq!(plan.chunks.len(), 1);
        let order: Vec<Origin> = plan.chunks[0].origins.clone();
        let idx = |i| Origin::Input { index: i };
        assert_eq!(order, vec![idx(0), idx(2), idx(1), idx(3)]);
    }

    #[test]
    fn the_rfc_cycle_becomes_two_posts_and_a_patch() {
        // RFC 7644 §3.7.1: two groups that are members of each other.
        let plan = plan(request(vec![group("g1", &["g2"]), group("g2", &["g1"])]), Limits::default());
        let ops = plan.chunks[0].request["Operations"].as_array().cloned().unwrap_or_default();
        assert_eq!(ops.len(), 3);
        assert_eq!(ops[0]["data"]["members"], json!([]));
        assert_eq!(ops[1]["data"]["members"], json!([{"value": "bulkId:g1"}]));
        assert_eq!(ops[2]["method"], "PATCH");
        assert_eq!(ops[2]["path"], "/Groups/bulkId:g1");
        assert_eq!(
            ops[2]["data"]["Operations"],
            json!([{"op": "add", "path": "members", "value": [{"value": "bulkId:g2"}]}])
        );
        assert_eq!(plan.chunks[0].origins[2], Origin::CycleFollowUp { of: 0 });
    }

    #[test]
    fn a_manager_cycle_defers_the_extension_attribute() {
        let ext = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        let user = |id: &str, manager: &str| {
            json!({"method": "POST", "path": "/Users", "bulkId": id,
                   "data": {"userName": id, ext: {"employeeNumber": "1",
                            "manager": {"value": format!("bulkId:{manager}"), "$ref": format!("../Users/bulkId:{manager}")}}}})
        };
        let plan = plan(request(vec![user("a", "b"), user("b", "a")]), Limits::default());
        let ops = plan.chunks[0].request["Operations"].as_array().cloned().unwrap_or_default();
        assert_eq!(ops[0]["data"][ext], json!({"employeeNumber": "1"}));
        assert_eq!(
            ops[2]["data"]["Operations"][0],
            json!({"op": "add", "path": format!("{ext}:manager"), "value": {"value": "bulkId:b", "$ref": "../Users/bulkId:b"}})
        );
        let created = HashMap::from([("a".to_owned(), "11".to_owned()), ("b".to_owned(), "22".to_owned())]);
        let sent = plan.chunks[0].resolve(&created);
        assert_eq!(
            sent["Operations"][2]["data"]["Operations"][0]["value"],
            json!({"value": "22", "$ref": "../Users/22"})
        );
        assert_eq!(sent["Operations"][2]["path"], "/Users/11");
    }

    #[test]
    fn later_chunks_carry_the_ids_they_need_and_resolve_replaces_them() {
        let ops = vec![
            json!({"method": "POST", "path": "/Users", "bulkId": "u", "data": {"userName": "u"}}),
            group("g", &["u"]),
        ];
        let plan = plan(request(ops), Limits { max_operations: 1, ..Limits::default() });
        assert_eq!(plan.chunks.len(), 2);
        assert_eq!(plan.chunks[0].creates, vec!["u"]);
        assert_eq!(plan.chunks[1].carried, vec!["u"]);
        let created = HashMap::from([("u".to_owned(), "2819c223".to_owned())]);
        let sent = plan.chunks[1].resolve(&created);
        assert_eq!(sent["Operations"][0]["data"]["members"][0]["value"], "2819c223");
    }

    #[test]
    fn an_operation_too_large_for_any_request_is_reported_not_dropped() {
        let big = json!({"method": "POST", "path": "/Users", "bulkId": "a", "data": {"userName": "x".repeat(500)}});
        let plan = plan(request(vec![big]), Limits { max_operations: 10, max_payload_bytes: 300 });
        assert_eq!(plan.operation_count(), 1);
        assert_eq!(plan.diagnostics[0].code, Code::PlanOperationTooLarge);
    }

    #[test]
    fn missing_limits_fall_back_to_conservative_defaults() {
        let limits = Limits::from_config(Some(&BulkConfig {
            supported: false,
            max_operations: None,
            max_payload_size: Some(0),
        }));
        assert_eq!(limits, Limits::default());
        assert_eq!(Limits { max_operations: 1, max_payload_bytes: 1000 }.budget(), 900);
    }

    #[test]
    fn jumpcloud_users_are_split_in_order_within_the_limits() {
        let users: Vec<Value> =
            (0..7).map(|i| json!({"username": format!("u{i}"), "email": format!("u{i}@example.com")})).collect();
        let plan = plan_jumpcloud(Value::Array(users.clone()), Limits { max_operations: 3, max_payload_bytes: 1000 });
        let sizes: Vec<usize> = plan.chunks.iter().map(|c| c.origins.len()).collect();
        assert_eq!(sizes, [3, 3, 1]);
        let sent: Vec<Value> =
            plan.chunks.iter().flat_map(|c| c.request.as_array().cloned().unwrap_or_default()).collect();
        assert_eq!(sent, users);
        assert!(plan.chunks.iter().all(|c| c.bytes <= 900));

        let tight = plan_jumpcloud(Value::Array(users), Limits { max_operations: 100, max_payload_bytes: 100 });
        assert!(
            tight.chunks.iter().all(|c| c.bytes <= 90),
            "{:?}",
            tight.chunks.iter().map(|c| c.bytes).collect::<Vec<_>>()
        );
        assert_eq!(tight.operation_count(), 7);
        assert!(tight.diagnostics.is_empty());
    }

    #[test]
    fn a_jumpcloud_user_too_large_for_any_request_is_reported() {
        let users = json!([{"username": "a", "description": "x".repeat(300)}]);
        let plan = plan_jumpcloud(users, Limits { max_operations: 10, max_payload_bytes: 200 });
        assert_eq!(plan.diagnostics.len(), 1);
        assert_eq!(plan.diagnostics[0].pointer.as_deref(), Some("/0"));
    }
}
