//! `POST /scim/v2/Bulk`: validate at the edge, then relay now or run as a job.

use crate::auth::Tenant;
use crate::body::MAX_JSON_BYTES;
use crate::error::{ApiError, checked_body};
use crate::{jobs, upstream};
use worker::{Headers, Request, Response, RouteContext};

/// Operations in one request to muster (it splits them for the upstream).
const MAX_OPERATIONS: usize = 100_000;

pub(crate) async fn post_bulk(mut req: Request, rc: RouteContext<()>, tenant: Tenant) -> Result<Response, ApiError> {
    let body = crate::body::read_up_to(&mut req, MAX_JSON_BYTES).await?.map_err(|size| {
        ApiError::TooLarge(format!(
            "The payload is {size} bytes, over the maxPayloadSize ({MAX_JSON_BYTES} bytes). Split it into smaller requests."
        ))
    })?;
    let format = tenant.upstream.scim_format().ok_or_else(|| {
        ApiError::BadRequest(
            "This API key's upstream is JumpCloud: send users to POST /api/v2/bulk/users instead.".to_owned(),
        )
    })?;
    // RFC 7644 or Oracle HCM, as the tenant's upstream speaks. Parsed once, for the checks and the plan.
    let options = muster::Options { format, ..muster::Options::default() };
    let (request, report) = checked_body(&body, &options)?;
    if report.summary.rows as usize > MAX_OPERATIONS {
        return Err(ApiError::TooLarge(format!(
            "The number of operations exceeds the maxOperations ({MAX_OPERATIONS}). Split the request."
        )));
    }
    let submitted = request["Operations"].as_array().map_or(0, Vec::len);
    let plan = muster::plan::plan(request, tenant.upstream.limits());
    if let Some(problem) = plan.diagnostics.first() {
        return Err(ApiError::TooLarge(problem.message.clone()));
    }

    // A request that needs more than one upstream request (or a follow-up to close a reference
    // cycle) runs as a job even when the client did not ask for one: a synchronous answer would
    // have to hide partial failures between chunks.
    let fits = plan.chunks.len() == 1 && plan.operation_count() == submitted;
    if prefers_async(&req) || !fits {
        let key = req.headers().get("idempotency-key")?;
        let submission = jobs::Submission {
            plan,
            operations: report.summary.rows,
            dialect: jobs::Dialect::Scim,
            sheet: None,
            jumpcloud: None,
        };
        let job = jobs::create_once(&rc.env, &tenant, key.as_deref(), submission).await?;
        return jobs::accepted(&job);
    }

    // The planned request: the same operations, creations ahead of the operations that need them.
    let text = serde_json::to_string(&plan.chunks[0].request).map_err(|err| ApiError::Internal(err.to_string()))?;
    let reply = upstream::scim::post_bulk(&tenant.upstream, &text).await?;
    let headers = Headers::new();
    headers.set("content-type", "application/scim+json")?;
    Ok(Response::ok(reply.body)?.with_status(reply.status).with_headers(headers))
}

/// `GET /scim/v2/ServiceProviderConfig` (RFC 7643 §5): muster's own limits. Requests over the
/// upstream's limits are split into jobs, so muster takes far more than most upstreams.
pub(crate) async fn service_provider_config(
    _req: Request,
    _rc: RouteContext<()>,
    _tenant: Tenant,
) -> Result<Response, ApiError> {
    let config = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "documentationUri": "https://example.invalid/muster",
        "patch": {"supported": true},
        "bulk": {"supported": true, "maxOperations": MAX_OPERATIONS, "maxPayloadSize": MAX_JSON_BYTES},
        "filter": {"supported": false, "maxResults": 0},
        "changePassword": {"supported": false},
        "sort": {"supported": false},
        "etag": {"supported": false},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "API key",
            "description": "A muster API key, in Authorization: Bearer or x-api-key",
        }],
    });
    let headers = Headers::new();
    headers.set("content-type", "application/scim+json")?;
    Ok(Response::ok(config.to_string())?.with_headers(headers))
}

/// RFC 7240 `Prefer: respond-async`.
fn prefers_async(req: &Request) -> bool {
    req.headers()
        .get("prefer")
        .ok()
        .flatten()
        .is_some_and(|p| p.split(',').any(|v| v.trim().eq_ignore_ascii_case("respond-async")))
}
