//! JumpCloud API v2 bulk user jobs: submit a chunk (`POST`/`PATCH /bulk/users` → `{jobId}`), then
//! read `GET /bulk/users/{job_id}/results` a hundred at a time until nothing is `pending`.

use super::Reply;
use crate::auth::Upstream;
use crate::error::ApiError;
use muster::payload::jumpcloud::JobId;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use worker::{Headers, Method};

/// JumpCloud's own wrapper reads results a hundred at a time, its documented maximum.
const RESULTS_PAGE: usize = 100;
/// A job with more results than this is not one muster submitted (chunks are far smaller).
const MAX_RESULT_PAGES: usize = 100;

/// What the client asked of JumpCloud beside the users, kept with the job and sent with each chunk.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Params {
    /// `creation-source` header (for example `jumpcloud:bulk`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) creation_source: Option<String>,
    /// `suppressEmail` query parameter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) suppress_email: Option<bool>,
    /// `x-org-id` header: the client's, else the tenant's configured one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) org_id: Option<String>,
}

fn headers(upstream: &Upstream, params: &Params) -> Result<Headers, ApiError> {
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    headers.set("accept", "application/json")?;
    if let Some(key) = &upstream.token {
        headers.set("x-api-key", key)?;
    }
    if let Some(org) = params.org_id.as_ref().or(upstream.org_id.as_ref()) {
        headers.set("x-org-id", org)?;
    }
    if let Some(source) = &params.creation_source {
        headers.set("creation-source", source)?;
    }
    Ok(headers)
}

/// Submits `users` as one JumpCloud bulk job (`PATCH` when `update`).
pub(crate) async fn submit(
    upstream: &Upstream,
    update: bool,
    users: &Value,
    params: &Params,
) -> Result<Reply, ApiError> {
    let body = serde_json::to_string(users).map_err(|err| ApiError::Internal(err.to_string()))?;
    let mut url = format!("{}/bulk/users", upstream.base());
    if let Some(suppress) = params.suppress_email {
        url.push_str(&format!("?suppressEmail={suppress}"));
    }
    let method = if update { Method::Patch } else { Method::Post };
    super::send(upstream, method, &url, headers(upstream, params)?, Some(&body)).await
}

/// The upstream job id in an accepted submission (JumpCloud answers 200 or 201).
pub(crate) fn accepted_job_id(reply: &Reply) -> Option<String> {
    if !matches!(reply.status, 200 | 201) {
        return None;
    }
    serde_json::from_str::<JobId>(&reply.body).ok().map(|j| j.job_id)
}

/// Every result of upstream job `job_id` so far, or the reply that refused to give them.
pub(crate) async fn results(
    upstream: &Upstream,
    job_id: &str,
    params: &Params,
) -> Result<Result<Vec<Value>, Reply>, ApiError> {
    let mut all = Vec::new();
    for page in 0..MAX_RESULT_PAGES {
        let url = format!(
            "{}/bulk/users/{}/results?limit={RESULTS_PAGE}&skip={}",
            upstream.base(),
            worker::js_sys::encode_uri_component(job_id),
            page * RESULTS_PAGE
        );
        let reply = super::send(upstream, Method::Get, &url, headers(upstream, params)?, None).await?;
        if reply.status != 200 {
            return Ok(Err(reply));
        }
        let items: Vec<Value> = serde_json::from_str(&reply.body)
            .map_err(|err| ApiError::Upstream(format!("JumpCloud's job results are not a JSON array: {err}")))?;
        let short = items.len() < RESULTS_PAGE;
        all.extend(items);
        if short {
            break;
        }
    }
    Ok(Ok(all))
}

/// After a submission whose answer was lost, finds which of `users` JumpCloud already holds, so
/// they are not submitted again (they would fail as duplicates, though created). A user counts
/// as found when both its username and email match: a stranger holding the username is not ours.
/// Returns a finished work result for each one found, as the lost job would have reported it.
pub(crate) async fn already_created(
    upstream: &Upstream,
    users: &[Value],
    params: &Params,
) -> Result<Vec<Value>, ApiError> {
    let mut found = Vec::new();
    for user in users {
        let (Some(username), Some(email)) = (user["username"].as_str(), user["email"].as_str()) else { continue };
        if let Some(id) = find_user(upstream, params, username, email).await? {
            found.push(serde_json::json!({
                "id": "",
                "status": "finished",
                "statusMsg": "created by an earlier attempt whose answer was lost",
                "meta": {"SystemUser": {"_id": id, "username": username, "email": email}},
                "persistedFields": {},
            }));
        }
    }
    Ok(found)
}

/// The id of the user with this username and email, through JumpCloud's v1 user search
/// (`GET /api/systemusers?filter=username:$eq:…`; the bulk API has no lookup). The v1 base is
/// the configured v2 base without its `/v2`.
async fn find_user(
    upstream: &Upstream,
    params: &Params,
    username: &str,
    email: &str,
) -> Result<Option<String>, ApiError> {
    let v1 = upstream.base().strip_suffix("/v2").unwrap_or(upstream.base());
    let filter = format!("username:$eq:{username}");
    let url = format!("{v1}/systemusers?limit=10&filter={}", worker::js_sys::encode_uri_component(&filter));
    let reply = super::send(upstream, Method::Get, &url, headers(upstream, params)?, None).await?;
    if reply.status != 200 {
        return Err(ApiError::Upstream(format!("JumpCloud answered {} to a user lookup", reply.status)));
    }
    let page: SearchPage = serde_json::from_str(&reply.body)
        .map_err(|err| ApiError::Upstream(format!("JumpCloud's user lookup is not a result page: {err}")))?;
    let text = |user: &Value, field: &str| user.get(field).and_then(Value::as_str).map(str::to_owned);
    Ok(page.results.iter().find_map(|user| {
        let same = |field, wanted: &str| text(user, field).is_some_and(|v| v.eq_ignore_ascii_case(wanted));
        // v1 users carry `_id` (and sometimes `id` too).
        (same("username", username) && same("email", email)).then(|| text(user, "_id").or_else(|| text(user, "id")))?
    }))
}

/// A page of JumpCloud v1 `systemusers`.
#[derive(Deserialize)]
struct SearchPage {
    #[serde(default)]
    results: Vec<Value>,
}
