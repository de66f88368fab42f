//! Jobs in KV, processed through the queue. Keys are tenant-scoped, so one tenant can never
//! read another's job: `job/{tenant}/{id}` (the record), `…/in/{n}` (chunk input, written once),
//! `…/res/{n}` (chunk result, written once).

use crate::auth::{self, Tenant};
use crate::error::ApiError;
use crate::upstream;
use serde::{Deserialize, Serialize};
use worker::{Env, KvStore, Message, MessageExt, QueueRetryOptionsBuilder, Request, Response, RouteContext};

const KV_BINDING: &str = "JOBS";
const QUEUE_BINDING: &str = "JOBQ";
/// The dead-letter queue's name in wrangler.toml; its messages mark chunks failed.
pub(crate) const DEAD_LETTER_QUEUE: &str = "muster-jobs-dlq";
const DEFAULT_TTL_SECONDS: u64 = 7 * 24 * 3600;

/// A queue message names a chunk; the payload stays in KV (messages are capped at 128 KB).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ChunkMessage {
    tenant: String,
    job: String,
    chunk: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum JobStatus {
    Queued,
    Finished,
    Failed,
}

/// What `GET /jobs/{id}` returns.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Job {
    pub(crate) id: String,
    status: JobStatus,
    /// Operations in the job.
    work_units_count: u64,
    chunks: u32,
    created_at: String,
    updated_at: String,
}

/// One chunk's outcome: the upstream's status and body, or why there is none.
#[derive(Debug, Serialize, Deserialize)]
struct ChunkResult {
    chunk: u32,
    status: Option<u16>,
    response: Option<serde_json::Value>,
    error: Option<String>,
}

fn job_key(tenant: &str, id: &str) -> String {
    format!("job/{tenant}/{id}")
}

fn input_key(tenant: &str, id: &str, chunk: u32) -> String {
    format!("job/{tenant}/{id}/in/{chunk:06}")
}

fn result_key(tenant: &str, id: &str, chunk: u32) -> String {
    format!("job/{tenant}/{id}/res/{chunk:06}")
}

fn now() -> String {
    String::from(worker::js_sys::Date::new_0().to_iso_string())
}

fn ttl(env: &Env) -> u64 {
    env.var("JOB_TTL_SECONDS")
        .ok()
        .and_then(|v| v.to_string().parse().ok())
        .filter(|&s| s >= 60) // KV refuses expirations under a minute
        .unwrap_or(DEFAULT_TTL_SECONDS)
}

/// Writes `value` as JSON text. (Handing serde values to the KV binding directly turns
/// `serde_json::Value` objects into JS Maps, which serialise as `{}`.)
async fn put_json<T: Serialize>(kv: &KvStore, key: &str, value: &T, ttl: u64) -> Result<(), ApiError> {
    let text = serde_json::to_string(value).map_err(|err| ApiError::Internal(err.to_string()))?;
    kv.put(key, text)?.expiration_ttl(ttl).execute().await?;
    Ok(())
}

fn new_id() -> Result<String, ApiError> {
    use worker::js_sys::{Function, Reflect, global};
    use worker::wasm_bindgen::JsCast;
    let missing =
        |_: worker::wasm_bindgen::JsValue| ApiError::Internal("crypto.randomUUID is not available".to_owned());
    let crypto = Reflect::get(&global(), &"crypto".into()).map_err(missing)?;
    let random_uuid: Function =
        Reflect::get(&crypto, &"randomUUID".into()).map_err(missing)?.dyn_into().map_err(missing)?;
    random_uuid.call0(&crypto).map_err(missing)?.as_string().ok_or_else(|| missing(worker::wasm_bindgen::JsValue::NULL))
}

/// Stores the input and the record, then enqueues the work.
pub(crate) async fn create(env: &Env, tenant: &Tenant, body: &str, operations: u64) -> Result<Job, ApiError> {
    let kv = env.kv(KV_BINDING)?;
    let ttl = ttl(env);
    let id = new_id()?;
    let stamp = now();
    let job = Job {
        id: id.clone(),
        status: JobStatus::Queued,
        work_units_count: operations,
        chunks: 1,
        created_at: stamp.clone(),
        updated_at: stamp,
    };
    kv.put(&input_key(&tenant.id, &id, 0), body)?.expiration_ttl(ttl).execute().await?;
    put_json(&kv, &job_key(&tenant.id, &id), &job, ttl).await?;
    let message = ChunkMessage { tenant: tenant.id.clone(), job: id, chunk: 0 };
    env.queue(QUEUE_BINDING)?.send(&message).await?;
    Ok(job)
}

pub(crate) async fn get_job(_req: Request, rc: RouteContext<()>, tenant: Tenant) -> Result<Response, ApiError> {
    let id = rc.param("id").ok_or(ApiError::NotFound)?;
    let job: Job = rc.env.kv(KV_BINDING)?.get(&job_key(&tenant.id, id)).json().await?.ok_or(ApiError::NotFound)?;
    Ok(Response::from_json(&job)?)
}

pub(crate) async fn get_results(_req: Request, rc: RouteContext<()>, tenant: Tenant) -> Result<Response, ApiError> {
    let id = rc.param("id").ok_or(ApiError::NotFound)?;
    let kv = rc.env.kv(KV_BINDING)?;
    let job: Job = kv.get(&job_key(&tenant.id, id)).json().await?.ok_or(ApiError::NotFound)?;
    let mut results = Vec::new();
    for chunk in 0..job.chunks {
        if let Some(result) = kv.get(&result_key(&tenant.id, id, chunk)).json::<ChunkResult>().await? {
            results.push(result);
        }
    }
    Ok(Response::from_json(&serde_json::json!({ "job": job, "results": results }))?)
}

/// Processes one chunk message. Never fails the batch: each message is acked or retried alone.
pub(crate) async fn consume(env: &Env, message: Message<ChunkMessage>, dead_letter: bool) {
    let outcome = if dead_letter { give_up(env, message.body()).await } else { run_chunk(env, message.body()).await };
    match outcome {
        Ok(Step::Done) => message.ack(),
        Ok(Step::RetryIn(seconds)) => {
            message.retry_with_options(&QueueRetryOptionsBuilder::new().with_delay_seconds(seconds).build())
        }
        Err(err) => {
            worker::console_error!("chunk {}/{} failed: {err:?}", message.body().job, message.body().chunk);
            message.retry();
        }
    }
}

enum Step {
    Done,
    RetryIn(u32),
}

async fn run_chunk(env: &Env, msg: &ChunkMessage) -> Result<Step, ApiError> {
    let kv = env.kv(KV_BINDING)?;
    let res_key = result_key(&msg.tenant, &msg.job, msg.chunk);
    // At-least-once delivery: a chunk that already has its result is never sent again.
    if kv.get(&res_key).text().await?.is_some() {
        return Ok(Step::Done);
    }
    let tenant = auth::tenant_by_id(env, &msg.tenant)?;
    let Some(body) = kv.get(&input_key(&msg.tenant, &msg.job, msg.chunk)).text().await? else {
        return finish(env, msg, ChunkResult::failed(msg.chunk, "the job's input has expired")).await;
    };
    let reply = match upstream::post_bulk(&tenant.upstream, &body).await {
        Ok(reply) if !reply.is_retryable() => reply,
        Ok(_) | Err(ApiError::Upstream(_)) => return Ok(Step::RetryIn(5)),
        Err(err) => return Err(err),
    };
    let response = serde_json::from_str(&reply.body).unwrap_or(serde_json::Value::String(reply.body));
    let result = ChunkResult { chunk: msg.chunk, status: Some(reply.status), response: Some(response), error: None };
    finish(env, msg, result).await
}

async fn give_up(env: &Env, msg: &ChunkMessage) -> Result<Step, ApiError> {
    let result = ChunkResult::failed(msg.chunk, "the upstream did not accept the chunk after every retry");
    finish(env, msg, result).await
}

/// Writes the chunk's result once and settles the job's status.
async fn finish(env: &Env, msg: &ChunkMessage, result: ChunkResult) -> Result<Step, ApiError> {
    let kv = env.kv(KV_BINDING)?;
    let ttl = ttl(env);
    let succeeded = result.status.is_some_and(|s| (200..300).contains(&s));
    put_json(&kv, &result_key(&msg.tenant, &msg.job, msg.chunk), &result, ttl).await?;
    let key = job_key(&msg.tenant, &msg.job);
    if let Some(mut job) = kv.get(&key).json::<Job>().await? {
        job.status = if succeeded { JobStatus::Finished } else { JobStatus::Failed };
        job.updated_at = now();
        put_json(&kv, &key, &job, ttl).await?;
    }
    Ok(Step::Done)
}

impl ChunkResult {
    fn failed(chunk: u32, why: &str) -> Self {
        ChunkResult { chunk, status: None, response: None, error: Some(why.to_owned()) }
    }
}
