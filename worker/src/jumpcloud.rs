//! The JumpCloud-compatible routes under `/api/v2`: a client written for JumpCloud's bulk user
//! jobs points at muster instead. Payloads are checked with the core before anything goes
//! upstream; jobs run through the queue like every other job.

use crate::auth::{Kind, Tenant};
use crate::body::MAX_JSON_BYTES;
use crate::error::{ApiError, checked_body};
use crate::jobs::{self, Dialect, Job, JobStatus};
use crate::upstream::jumpcloud::Params;
use muster::{Format, Options};
use serde_json::{Value, json};
use worker::{Request, Response, RouteContext};

/// `creation-source` values JumpCloud accepts; anything else is a 400 there too.
const CREATION_SOURCES: [&str; 6] = [
    "jumpcloud:gapps",
    "jumpcloud:o365",
    "jumpcloud:workday",
    "jumpcloud:scim",
    "jumpcloud:bulk",
    "jumpcloud:custom_integration",
];

/// `POST /api/v2/bulk/users`.
pub(crate) async fn create_users(req: Request, rc: RouteContext<()>, tenant: Tenant) -> Result<Response, ApiError> {
    submit(req, rc, tenant, Dialect::JumpcloudCreate).await
}

/// `PATCH /api/v2/bulk/users`.
pub(crate) async fn update_users(req: Request, rc: RouteContext<()>, tenant: Tenant) -> Result<Response, ApiError> {
    submit(req, rc, tenant, Dialect::JumpcloudUpdate).await
}

async fn submit(
    mut req: Request,
    rc: RouteContext<()>,
    tenant: Tenant,
    dialect: Dialect,
) -> Result<Response, ApiError> {
    if tenant.upstream.kind != Kind::Jumpcloud {
        let _ = req.bytes().await;
        return Err(ApiError::BadRequest(
            "This API key's upstream speaks SCIM: send a SCIM bulk request to POST /scim/v2/Bulk, or convert the users first (muster convert --to scim).".to_owned(),
        ));
    }
    // The body is read before any refusal: answering first makes the server drop the connection.
    let body = crate::body::read_up_to(&mut req, MAX_JSON_BYTES).await?;
    let params = params(&req)?;
    let body = body.map_err(|size| {
        ApiError::TooLarge(format!(
            "The body is {size} bytes; muster takes up to {MAX_JSON_BYTES} bytes per request. Split the users into several requests."
        ))
    })?;
    let format = if dialect == Dialect::JumpcloudUpdate { Format::JumpcloudUpdate } else { Format::JumpcloudCreate };
    let (users, report) = checked_body(&body, &Options { format, ..Options::default() })?;
    let plan = muster::plan::plan_jumpcloud(users, tenant.upstream.limits());
    if let Some(problem) = plan.diagnostics.first() {
        return Err(ApiError::TooLarge(problem.message.clone()));
    }
    let key = req.headers().get("idempotency-key")?;
    let submission =
        jobs::Submission { plan, operations: report.summary.rows, dialect, sheet: None, jumpcloud: Some(params) };
    let job = jobs::create_once(&rc.env, &tenant, key.as_deref(), submission).await?;
    // JumpCloud's spec says 201 (its live API has been seen to answer 200; clients take both).
    Ok(Response::from_json(&json!({ "jobId": job.id }))?.with_status(201))
}

/// `suppressEmail`, `creation-source` and `x-org-id`, checked as JumpCloud checks them.
fn params(req: &Request) -> Result<Params, ApiError> {
    let mut params = Params::default();
    for (key, value) in req.url()?.query_pairs() {
        if key == "suppressEmail" {
            params.suppress_email = Some(match value.as_ref() {
                "true" => true,
                "false" => false,
                other => {
                    return Err(ApiError::BadRequest(format!("suppressEmail must be true or false, not \"{other}\"")));
                }
            });
        }
    }
    if let Some(source) = req.headers().get("creation-source")? {
        if !CREATION_SOURCES.contains(&source.as_str()) {
            return Err(ApiError::BadRequest(format!(
                "creation-source must be one of {}, not \"{source}\"",
                CREATION_SOURCES.join(", ")
            )));
        }
        params.creation_source = Some(source);
    }
    params.org_id = req.headers().get("x-org-id")?;
    Ok(params)
}

/// `GET /api/v2/jobs/{id}`: JumpCloud's JobDetails, complete (the upstream's own is not public).
pub(crate) async fn job_details(_req: Request, rc: RouteContext<()>, tenant: Tenant) -> Result<Response, ApiError> {
    let job = jumpcloud_job(&rc, &tenant).await?;
    let counts = &job.counts;
    let status = match job.status {
        JobStatus::Queued => "queued",
        JobStatus::Running => "running",
        JobStatus::Finished => "finished",
        JobStatus::Partial => "partial",
        JobStatus::Failed => "failed",
    };
    let name = if job.dialect == Dialect::JumpcloudUpdate { "Bulk Users Update" } else { "Bulk Users Create" };
    Ok(Response::from_json(&json!({
        "id": job.id,
        "name": name,
        "status": status,
        "workUnitsCount": job.work_units_count,
        "counts": counts,
        "createdAt": job.created_at,
        "updatedAt": job.updated_at,
        "meta": {},
        "persistedFields": [],
    }))?)
}

/// `GET /api/v2/bulk/users/{job_id}/results` and `GET /api/v2/jobs/{id}/results`: one
/// `job-workresult` per submitted user, in submission order. `limit` 1–100 (default 10), `skip` ≥ 0.
pub(crate) async fn results(req: Request, rc: RouteContext<()>, tenant: Tenant) -> Result<Response, ApiError> {
    let job = jumpcloud_job(&rc, &tenant).await?;
    let (limit, skip) = jobs::page(&req)?.unwrap_or((jobs::DEFAULT_LIMIT, 0));
    let (_, entries) = jobs::entries(&rc.env, &tenant, &job, limit, skip).await?;
    let results: Vec<Value> = entries.into_iter().map(|e| workresult(&job, e)).collect();
    Ok(Response::from_json(&results)?)
}

async fn jumpcloud_job(rc: &RouteContext<()>, tenant: &Tenant) -> Result<Job, ApiError> {
    let id = rc.param("id").ok_or(ApiError::NotFound)?;
    let job = jobs::load(&rc.env, tenant, id).await?;
    // A SCIM job is not a JumpCloud job: its id means nothing under /api/v2.
    if job.dialect == Dialect::Scim {
        return Err(ApiError::NotFound);
    }
    Ok(job)
}

/// JumpCloud's own work result when the upstream gave one (clients may rely on its fields);
/// otherwise one made in its shape, `pending` or `failed` with the reason.
fn workresult(job: &Job, entry: jobs::Entry) -> Value {
    if let Some(upstream) = entry.upstream {
        return upstream;
    }
    let (status, message) = match &entry.outcome {
        muster::results::Outcome::Pending => ("pending", None),
        muster::results::Outcome::Failed { message, .. } => ("failed", Some(message.clone())),
        muster::results::Outcome::NotAttempted => {
            ("failed", Some("JumpCloud returned no result for this user".to_owned()))
        }
        _ => ("finished", None),
    };
    let user = |field: &str| entry.input.get(field).cloned().unwrap_or(Value::Null);
    json!({
        "id": format!("{}-{}", job.id, entry.index),
        "status": status,
        "statusMsg": message.unwrap_or_default(),
        "meta": {"SystemUser": {"username": user("username"), "email": user("email"), "_id": user("id")}},
        "persistedFields": {},
        "createdAt": job.created_at,
        "updatedAt": job.updated_at,
    })
}
