//! PATCH bodies (RFC 7644 §3.5.2) carried in bulk `data`.

use super::{Ctx, Ptr, type_name};
use crate::diag::Code;
use crate::payload::scim::PATCH_OP_URN;
use serde_json::{Map, Value};

pub(super) fn check(data: &Map<String, Value>, pointer: &Ptr<'_>, ctx: &mut Ctx<'_>) {
    let has_urn = data
        .get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|s| s.as_str() == Some(PATCH_OP_URN)));
    let operations = data.get("Operations").and_then(Value::as_array).filter(|ops| !ops.is_empty());
    let Some(operations) = operations.filter(|_| has_urn) else {
        ctx.report(
            Code::PatchNotPatchOp,
            pointer,
            Some("data"),
            format!(
                "PATCH `data` must be a PatchOp message: {{\"schemas\": [\"{PATCH_OP_URN}\"], \"Operations\": [{{\"op\": \"replace\", \"path\": \"…\", \"value\": …}}]}}."
            ),
        );
        return;
    };
    let base = pointer.key("Operations");
    for (i, operation) in operations.iter().enumerate() {
        check_operation(operation, &base.index(i), ctx);
    }
}

fn check_operation(operation: &Value, pointer: &Ptr<'_>, ctx: &mut Ctx<'_>) {
    let Some(operation) = operation.as_object() else {
        ctx.report(
            Code::PatchOpInvalid,
            pointer,
            None,
            format!("Each PATCH operation must be an object with `op`, not {}.", type_name(operation)),
        );
        return;
    };
    // Servers take `op` case-insensitively (Entra ID sends "Replace").
    let op = operation.get("op").and_then(Value::as_str).map(str::to_ascii_lowercase);
    let op_pointer = pointer.key("op");
    let Some(op) = op.filter(|o| ["add", "remove", "replace"].contains(&o.as_str())) else {
        ctx.report(Code::PatchOpInvalid, &op_pointer, Some("op"), "`op` must be \"add\", \"remove\" or \"replace\".");
        return;
    };

    let path = operation.get("path");
    if let Some(path) = path {
        check_path(path, &pointer.key("path"), ctx);
    }
    if op == "remove" && path.is_none() {
        ctx.report(
            Code::PatchMissingMember,
            &pointer.key("path"),
            Some("path"),
            "A remove operation needs a `path` naming what to remove, for example emails[type eq \"work\"].",
        );
    }
    if op != "remove" && !operation.contains_key("value") {
        ctx.report(
            Code::PatchMissingMember,
            &pointer.key("value"),
            Some("value"),
            format!("An {op} operation needs a `value`."),
        );
    }
}

fn check_path(path: &Value, pointer: &Ptr<'_>, ctx: &mut Ctx<'_>) {
    let Some(text) = path.as_str() else {
        ctx.report(
            Code::PatchPathInvalid,
            pointer,
            Some("path"),
            format!("`path` must be a string, not {}.", type_name(path)),
        );
        return;
    };
    if !super::patch_path::is_valid(text) {
        ctx.report(
            Code::PatchPathInvalid,
            pointer,
            Some("path"),
            "`path` does not follow RFC 7644 §3.5.2: use an attribute (title), a sub-attribute (name.givenName) or a filtered value (emails[type eq \"work\"].value), with string values in double quotes.",
        );
    }
}
