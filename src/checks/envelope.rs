//! The SCIM bulk request (RFC 7644 §3.7) and each of its operations, in RFC or Oracle HCM dialect.

use super::{Ctx, Expected, Ptr, expect_type, patch, references, resources, type_name, unique};
use crate::diag::Code;
use crate::payload::{oracle, scim};
use foldhash::{HashMap, HashMapExt};
use serde_json::{Map, Value};

/// Checks the whole request and returns how many operations it carries.
pub(super) fn check(request: &Value, ctx: &mut Ctx<'_>) -> u64 {
    let Some(object) = request.as_object() else {
        ctx.report(
            Code::BulkNotObject,
            &"",
            None,
            format!(
                "A bulk request must be a JSON object with `schemas` and `Operations`, not {}.",
                type_name(request)
            ),
        );
        return 0;
    };
    check_schemas(object, ctx);
    check_fail_on_errors(object, ctx);

    let operations = match object.get("Operations").and_then(Value::as_array) {
        Some(operations) if !operations.is_empty() => operations,
        _ => {
            ctx.report(
                Code::BulkOperationsEmpty,
                &"/Operations",
                Some("Operations"),
                "`Operations` must be an array with at least one operation.",
            );
            return 0;
        }
    };

    let mut bulk_ids: HashMap<&str, usize> = HashMap::with_capacity(operations.len());
    let mut users = unique::Seen::new(ctx.output);
    let root = Ptr::new("/Operations");
    let mut references = Vec::with_capacity(operations.len());
    for (index, operation) in operations.iter().enumerate() {
        let pointer = root.index(index);
        check_operation(operation, index, &pointer, &mut bulk_ids, &mut users, ctx);
        references.push(crate::refs::references_in(operation));
    }
    references::check(operations, references, ctx);
    super::limits::check_operation_count(operations.len(), ctx);
    super::limits::check_operation_sizes(operations, ctx);
    operations.len() as u64
}

fn check_schemas(object: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    let schemas: Vec<&str> = object
        .get("schemas")
        .and_then(Value::as_array)
        .map_or_else(Vec::new, |s| s.iter().filter_map(Value::as_str).collect());
    let has = |urn: &str| schemas.contains(&urn);
    if ctx.is_oracle() {
        // Oracle HCM scripts send Oracle's URN, the RFC one, or no `schemas` at all: all work there.
        return;
    }
    if has(oracle::BULK_REQUEST_URN) && !has(scim::BULK_REQUEST_URN) {
        ctx.report(
            Code::BulkOracleUrn,
            &"/schemas",
            Some("schemas"),
            format!(
                "\"{}\" is Oracle HCM's URN. An RFC 7644 server expects \"{}\"; validate as Oracle (format \"oracle\") if the target is Oracle HCM.",
                oracle::BULK_REQUEST_URN,
                scim::BULK_REQUEST_URN
            ),
        );
    } else if !has(scim::BULK_REQUEST_URN) {
        ctx.report(
            Code::BulkSchemasMissing,
            &"/schemas",
            Some("schemas"),
            format!("`schemas` must be an array containing \"{}\".", scim::BULK_REQUEST_URN),
        );
    }
}

fn check_fail_on_errors(object: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    let Some(value) = object.get("failOnErrors") else {
        return;
    };
    if value.as_u64().is_some_and(|n| n >= 1 && n <= u64::from(u32::MAX)) {
        return;
    }
    ctx.report(
        Code::BulkFailOnErrorsInvalid,
        &"/failOnErrors",
        Some("failOnErrors"),
        "`failOnErrors` must be a whole number of at least 1; leave it out to let the server process every operation (servers disagree on what 0 or a negative value means).",
    );
}

fn check_operation<'v>(
    operation: &'v Value,
    index: usize,
    pointer: &Ptr<'_>,
    bulk_ids: &mut HashMap<&'v str, usize>,
    users: &mut unique::Seen,
    ctx: &mut Ctx<'_>,
) {
    let Some(op) = operation.as_object() else {
        ctx.report(
            Code::OpNotObject,
            pointer,
            None,
            format!(
                "Operation {} must be an object with `method` and `path`, not {}.",
                index + 1,
                type_name(operation)
            ),
        );
        return;
    };
    let method = check_method(op, pointer, ctx);
    let resource_type = check_path(op, method, pointer, ctx);
    check_bulk_id(op, method, index, pointer, bulk_ids, ctx);
    expect_type(ctx, op, "version", pointer, Expected::String);
    if method == Some(scim::Method::Post) && op.contains_key("version") {
        ctx.report(
            Code::OpVersionIgnored,
            &pointer.key("version"),
            Some("version"),
            "`version` (an ETag) only applies to PUT, PATCH and DELETE; remove it from this POST.",
        );
    }

    let data_pointer = pointer.key("data");
    match (method, op.get("data")) {
        (Some(scim::Method::Delete), Some(_)) => ctx.report(
            Code::OpDataIgnored,
            &data_pointer,
            Some("data"),
            "A DELETE operation takes no `data`; the server ignores it. Remove it.",
        ),
        (Some(scim::Method::Delete) | None, _) => {}
        (Some(m), None) => ctx.report(
            Code::OpDataMissing,
            &data_pointer,
            Some("data"),
            format!(
                "A {} operation needs `data`: the resource{} to send.",
                m.as_str(),
                if m == scim::Method::Patch { " changes" } else { "" }
            ),
        ),
        (Some(m), Some(data)) => check_data(data, m, resource_type, &data_pointer, index, users, ctx),
    }
}

fn check_method(op: &Map<String, Value>, pointer: &Ptr<'_>, ctx: &mut Ctx<'_>) -> Option<scim::Method> {
    let raw = op.get("method");
    let method = match raw.and_then(Value::as_str) {
        Some("POST") => Some(scim::Method::Post),
        Some("PUT") => Some(scim::Method::Put),
        Some("PATCH") => Some(scim::Method::Patch),
        Some("DELETE") => Some(scim::Method::Delete),
        _ => None,
    };
    if method.is_none() {
        let hint = match raw.and_then(Value::as_str) {
            Some(m) if ["POST", "PUT", "PATCH", "DELETE"].contains(&m.to_ascii_uppercase().as_str()) => {
                format!(" Write it in capitals: \"{}\".", m.to_ascii_uppercase())
            }
            _ => String::new(),
        };
        ctx.report(
            Code::OpMethodInvalid,
            &pointer.key("method"),
            Some("method"),
            format!("`method` must be one of \"POST\", \"PUT\", \"PATCH\", \"DELETE\".{hint}"),
        );
    }
    method
}

/// Returns the resource type the path names (`Users`, `Groups`, `Roles`…).
fn check_path<'v>(
    op: &'v Map<String, Value>,
    method: Option<scim::Method>,
    pointer: &Ptr<'_>,
    ctx: &mut Ctx<'_>,
) -> Option<&'v str> {
    let at = pointer.key("path");
    let Some(path) = op.get("path").and_then(Value::as_str) else {
        ctx.report(
            Code::OpPathInvalid,
            &at,
            Some("path"),
            "Every operation needs a `path`: /Users for a POST, /Users/{id} for PUT, PATCH and DELETE.",
        );
        return None;
    };
    let segments = || path.trim_start_matches('/').split('/');
    let well_formed = path.starts_with('/') && segments().all(|s| !s.is_empty());
    let resource_type = segments().next().filter(|s| !s.is_empty());
    let expected = match method {
        Some(scim::Method::Post) => 1,
        Some(_) => 2,
        None => return resource_type,
    };
    if !well_formed || segments().count() != expected {
        let message = if expected == 1 {
            "A POST's `path` must be a resource type endpoint such as /Users or /Groups, without an id.".to_owned()
        } else {
            format!(
                "A {}'s `path` must name one resource, for example /Users/2819c223-7f76-453a-919d-413861904646.",
                method.map_or("", scim::Method::as_str)
            )
        };
        ctx.report(Code::OpPathInvalid, &at, Some("path"), message);
    }
    resource_type
}

fn check_bulk_id<'v>(
    op: &'v Map<String, Value>,
    method: Option<scim::Method>,
    index: usize,
    pointer: &Ptr<'_>,
    seen: &mut HashMap<&'v str, usize>,
    ctx: &mut Ctx<'_>,
) {
    let at = pointer.key("bulkId");
    match op.get("bulkId") {
        None if method == Some(scim::Method::Post) => ctx.report(
            Code::OpBulkIdMissing,
            &at,
            Some("bulkId"),
            "A POST needs a `bulkId`: a name of your choosing, unique in the request, that the response will carry back.",
        ),
        None => {}
        Some(Value::String(id)) if !id.trim().is_empty() => {
            // Oracle HCM scripts reuse one bulkId on every operation; only POSTs create referable ids.
            if ctx.is_oracle() && method != Some(scim::Method::Post) {
                return;
            }
            if let Some(first) = seen.insert(id.as_str(), index) {
                seen.insert(id.as_str(), first);
                ctx.report(
                    Code::OpBulkIdDuplicate,
                    &at,
                    Some("bulkId"),
                    format!(
                        "Operation {} uses the same `bulkId` as operation {} (/Operations/{first}/bulkId); each must be unique.",
                        index + 1,
                        first + 1
                    ),
                );
            }
        }
        Some(other) => ctx.report(
            Code::OpBulkIdMissing,
            &at,
            Some("bulkId"),
            format!("`bulkId` must be a non-empty string, not {}.", type_name(other)),
        ),
    }
}

fn check_data(
    data: &Value,
    method: scim::Method,
    resource_type: Option<&str>,
    pointer: &Ptr<'_>,
    index: usize,
    users: &mut unique::Seen,
    ctx: &mut Ctx<'_>,
) {
    let Some(object) = data.as_object() else {
        ctx.report(
            Code::TypeMismatch,
            pointer,
            Some("data"),
            format!("`data` must be an object, not {}.", type_name(data)),
        );
        return;
    };
    match (method, resource_type) {
        (scim::Method::Patch, Some("Roles")) if ctx.is_oracle() => resources::check_oracle_roles(object, pointer, ctx),
        // Oracle HCM patches users with a partial resource, not a PatchOp.
        (scim::Method::Patch, Some("Users")) if ctx.is_oracle() => {
            resources::check_user(object, resources::Mode::Partial, pointer, ctx);
        }
        (scim::Method::Patch, _) => patch::check(object, pointer, ctx),
        (_, Some("Users")) => {
            resources::check_user(
                object,
                resources::Mode::Full { creating: method == scim::Method::Post },
                pointer,
                ctx,
            );
            users.record(object, index, ctx);
        }
        (_, Some("Groups")) => resources::check_group(object, pointer, ctx),
        _ => {}
    }
}
