//! A tenant's SCIM service (RFC 7644, or Oracle HCM's flavour): send a bulk request (splitting it when the upstream says
//! 413), find users an interrupted attempt may already have created, and decide when to retry.

use super::Reply;
use crate::auth::Upstream;
use crate::error::ApiError;
use serde_json::{Value, json};
use worker::{Headers, Method};

/// Splitting a request on 413 stops after this many halvings.
const MAX_SPLITS: u32 = 6;
/// Users looked up per filter query when recovering from an ambiguous failure.
const LOOKUP_BATCH: usize = 20;

fn headers(upstream: &Upstream) -> Result<Headers, ApiError> {
    let headers = Headers::new();
    headers.set("content-type", "application/scim+json")?;
    headers.set("accept", "application/scim+json")?;
    if let Some(token) = &upstream.token {
        headers.set("authorization", &format!("Bearer {token}"))?;
    }
    Ok(headers)
}

/// POSTs a bulk request to `{url}/Bulk`. `Err(ApiError::Upstream)` means no answer arrived (the
/// request may or may not have been applied).
pub(crate) async fn post_bulk(upstream: &Upstream, body: &str) -> Result<Reply, ApiError> {
    let url = format!("{}/Bulk", upstream.base());
    super::send(upstream, Method::Post, &url, headers(upstream)?, Some(body)).await
}

/// Sends `request` (as `text`, when its JSON text is at hand); when the upstream refuses it as
/// too large (413), sends it in halves, in order, resolving references from the first half's
/// creations, and joins the answers.
pub(crate) async fn send_splitting(
    upstream: &Upstream,
    request: &Value,
    text: Option<String>,
) -> Result<Reply, ApiError> {
    let text = match text {
        Some(text) => text,
        None => to_text(request)?,
    };
    let reply = post_bulk(upstream, &text).await?;
    // The whole request went through, or was refused for another reason: its answer is the answer.
    let Some((first, second)) = halves(request).filter(|_| reply.status == 413) else { return Ok(reply) };
    let mut pending = vec![(second, 1u32), (first, 1u32)];
    let mut operations = Vec::new();
    let mut created = std::collections::HashMap::new();
    while let Some((part, depth)) = pending.pop() {
        let part = muster::plan::resolve_references(&part, &created);
        let reply = post_bulk(upstream, &to_text(&part)?).await?;
        if reply.status == 413
            && depth < MAX_SPLITS
            && let Some((first, second)) = halves(&part)
        {
            pending.push((second, depth + 1));
            pending.push((first, depth + 1));
            continue;
        }
        if !(200..300).contains(&reply.status) {
            return Ok(reply); // the caller decides: retry, or record the refusal
        }
        let answer: Value = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
        created.extend(crate::jobs::created_ids(&part, &answer));
        operations.extend(answer.get("Operations").and_then(Value::as_array).cloned().unwrap_or_default());
    }
    let body = json!({"schemas": [muster::payload::scim::BULK_RESPONSE_URN], "Operations": operations});
    Ok(Reply { status: 200, body: body.to_string(), retry_after: None })
}

fn to_text(request: &Value) -> Result<String, ApiError> {
    serde_json::to_string(request).map_err(|err| ApiError::Internal(err.to_string()))
}

/// The request's first and second half of operations, each a request; none for a single operation.
fn halves(request: &Value) -> Option<(Value, Value)> {
    let ops = request.get("Operations").and_then(Value::as_array).filter(|ops| ops.len() > 1)?;
    let (first, second) = ops.split_at(ops.len() / 2);
    let with = |ops: &[Value]| {
        let mut half = request.clone();
        half["Operations"] = Value::Array(ops.to_vec());
        half
    };
    Some((with(first), with(second)))
}

/// After an attempt whose answer never arrived, finds which of the request's user and group
/// creations the upstream already applied (by userName / displayName), so they are not created
/// twice. Returns bulkId → id.
pub(crate) async fn already_created(
    upstream: &Upstream,
    request: &Value,
) -> Result<Vec<(String, String, String)>, ApiError> {
    let mut wanted: Vec<(String, &str, String)> = Vec::new(); // (bulkId, resource, unique name)
    for op in request.get("Operations").and_then(Value::as_array).into_iter().flatten() {
        let (Some("POST"), Some(bulk_id)) = (op["method"].as_str(), op["bulkId"].as_str()) else { continue };
        match (op["path"].as_str(), op["data"]["userName"].as_str(), op["data"]["displayName"].as_str()) {
            (Some("/Users"), Some(name), _) => wanted.push((bulk_id.to_owned(), "Users", name.to_owned())),
            (Some("/Groups"), _, Some(name)) => wanted.push((bulk_id.to_owned(), "Groups", name.to_owned())),
            _ => {}
        }
    }
    let mut found = Vec::new();
    for resource in ["Users", "Groups"] {
        let attribute = if resource == "Users" { "userName" } else { "displayName" };
        let names: Vec<&(String, &str, String)> = wanted.iter().filter(|w| w.1 == resource).collect();
        for batch in names.chunks(LOOKUP_BATCH) {
            let filter = batch
                .iter()
                .map(|(_, _, name)| format!("{attribute} eq \"{}\"", name.replace('\\', "\\\\").replace('"', "\\\"")))
                .collect::<Vec<_>>()
                .join(" or ");
            let url = format!(
                "{}/{resource}?count={}&attributes={attribute}&filter={}",
                upstream.base(),
                batch.len(),
                worker::js_sys::encode_uri_component(&filter)
            );
            let reply = super::send(upstream, Method::Get, &url, headers(upstream)?, None).await?;
            if reply.status != 200 {
                return Err(ApiError::Upstream(format!("Looking up {resource} answered {}", reply.status)));
            }
            let list: Value = serde_json::from_str(&reply.body).map_err(|err| ApiError::Upstream(err.to_string()))?;
            for resource_found in list.get("Resources").and_then(Value::as_array).into_iter().flatten() {
                let (Some(name), Some(id)) = (resource_found[attribute].as_str(), resource_found["id"].as_str()) else {
                    continue;
                };
                // userName is case-insensitive (RFC 7643 §4.1); displayName is compared as written.
                let same = |w: &str| if resource == "Users" { w.eq_ignore_ascii_case(name) } else { w == name };
                if let Some((bulk_id, _, _)) = batch.iter().find(|(_, _, w)| same(w)) {
                    found.push((bulk_id.clone(), format!("/{resource}/{id}"), id.to_owned()));
                }
            }
        }
    }
    Ok(found)
}
