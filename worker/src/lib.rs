//! muster's Cloudflare Worker: events and routes only. Every rule lives in the core crate.

mod auth;
mod cors;
mod error;
mod jobs;
mod scim;
mod sheets;
mod upstream;

use error::ApiError;
use worker::{Context, Env, MessageBatch, Request, Response, Result, RouteContext, Router, event};

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
        .post_async("/scim/v2/Bulk", |req, rc| authed(req, rc, scim::post_bulk))
        .get_async("/scim/v2/ServiceProviderConfig", |req, rc| authed(req, rc, scim::service_provider_config))
        .post_async("/jobs", |req, rc| authed(req, rc, sheets::post_job))
        .get_async("/jobs/:id", |req, rc| authed(req, rc, jobs::get_job))
        .get_async("/jobs/:id/results", |req, rc| authed(req, rc, jobs::get_results))
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

fn health() -> Result<Response> {
    Response::from_json(&serde_json::json!({ "status": "ok", "version": muster::version() }))
}

/// Runs `handler` for the tenant the request's API key belongs to; 401 without a valid key.
async fn authed<F, Fut>(mut req: Request, rc: RouteContext<()>, handler: F) -> Result<Response>
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
    outcome.or_else(ApiError::into_response)
}
