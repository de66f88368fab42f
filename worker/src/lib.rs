//! muster's Cloudflare Worker: events and routes only. Every rule lives in the core crate.

mod auth;
mod body;
mod cors;
mod error;
mod jobs;
mod jumpcloud;
mod pages;
mod scim;
mod sheets;
mod upstream;

use error::{ApiError, Face};
use worker::{
    Context, Env, MessageBatch, Request, Response, Result, RouteContext, Router, ScheduleContext, ScheduledEvent, event,
};

// Talc instead of the default dlmalloc: faster and smaller in wasm (a job's chunks and answers
// are many small JSON values).
#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// The API's own description, served at `/openapi.json` (the tests check every answer against it).
const OPENAPI: &str = include_str!("../openapi.json");

#[event(start)]
fn start() {
    console_error_panic_hook::set_once();
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let origin = req.headers().get("origin")?;
    let allowed = cors::allowed_origin(origin.as_deref(), &env);
    if req.method() == worker::Method::Options {
        return cors::preflight(allowed);
    }
    let response = Router::new()
        .get("/healthz", |_, _| health())
        .get("/openapi.json", |_, _| openapi())
        .post_async("/scim/v2/Bulk", |req, rc| authed(req, rc, Face::Scim, scim::post_bulk))
        .get_async("/scim/v2/ServiceProviderConfig", |req, rc| {
            authed(req, rc, Face::Scim, scim::service_provider_config)
        })
        .post_async("/jobs", |req, rc| authed(req, rc, Face::Scim, sheets::post_job))
        .get_async("/jobs/:id", |req, rc| authed(req, rc, Face::Scim, jobs::get_job))
        .get_async("/jobs/:id/results", |req, rc| authed(req, rc, Face::Scim, jobs::get_results))
        .post_async("/api/v2/bulk/users", |req, rc| authed(req, rc, Face::Jumpcloud, jumpcloud::create_users))
        .patch_async("/api/v2/bulk/users", |req, rc| authed(req, rc, Face::Jumpcloud, jumpcloud::update_users))
        .get_async("/api/v2/bulk/users/:id/results", |req, rc| authed(req, rc, Face::Jumpcloud, jumpcloud::results))
        .get_async("/api/v2/jobs/:id", |req, rc| authed(req, rc, Face::Jumpcloud, jumpcloud::job_details))
        .get_async("/api/v2/jobs/:id/results", |req, rc| authed(req, rc, Face::Jumpcloud, jumpcloud::results))
        .or_else_any_method("/api/v2/*path", |_, _| ApiError::NotFound.render(Face::Jumpcloud))
        .or_else_any_method("/*path", |_, _| ApiError::NotFound.into_response())
        .run(req, env)
        .await?;
    cors::with_headers(response, allowed)
}

/// One chunk of a job per message; the dead-letter queue marks what could not be done.
#[event(queue)]
async fn queue(batch: MessageBatch<jobs::ChunkMessage>, env: Env, _ctx: Context) -> Result<()> {
    let dead_letters = batch.queue() == jobs::DEAD_LETTER_QUEUE;
    for message in batch.messages()? {
        jobs::consume(&env, message, dead_letters).await;
    }
    Ok(())
}

/// The cron trigger: re-drives jobs that lost their queue message.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    match jobs::sweep(&env).await {
        Ok(0) => {}
        Ok(n) => worker::console_log!("sweeper: sent {n} stalled job(s) on"),
        Err(err) => worker::console_error!("sweeper failed: {err:?}"),
    }
}

fn openapi() -> Result<Response> {
    let headers = worker::Headers::new();
    headers.set("content-type", "application/json")?;
    Ok(Response::ok(OPENAPI)?.with_headers(headers))
}

fn health() -> Result<Response> {
    Response::from_json(&serde_json::json!({ "status": "ok", "version": muster::version() }))
}

/// Runs `handler` for the tenant the request's API key belongs to; 401 without a valid key.
async fn authed<F, Fut>(mut req: Request, rc: RouteContext<()>, face: Face, handler: F) -> Result<Response>
where
    F: FnOnce(Request, RouteContext<()>, auth::Tenant) -> Fut,
    Fut: std::future::Future<Output = std::result::Result<Response, ApiError>>,
{
    let outcome = match auth::tenant_for(&req, &rc.env) {
        Ok(tenant) => handler(req, rc, tenant).await,
        Err(err) => {
            // Read the unread body before refusing: answering first makes the server close the
            // connection, and a client's next request on it fails.
            let _ = req.bytes().await;
            Err(err)
        }
    };
    outcome.or_else(|err| err.render(face))
}
