//! Jobs in KV, processed through the queue, one chunk of the core's plan at a time.
//!
//! Keys are tenant-scoped, so one tenant can never read another's job:
//! `job/{tenant}/{id}` the record; `…/in/{n}` the page of planned chunks starting at chunk n
//! (written once, at submission; see [`pages`]);
//! `…/res/{n}` what the upstream answered (written once); `…/ids/{n}` the ids chunk n created,
//! by bulkId (written once), which later chunks need to resolve their references.
//! `…/upjob/{n}` the upstream's own job id for chunk n (JumpCloud, whose jobs are asynchronous),
//! with the users an unanswered earlier submission had created. `…/sent/{n}`: chunk n went (or
//! was about to go) upstream, so a new attempt looks up what exists before sending again.
//! `active/{tenant}/{id}` marks a job not yet done, for the sweeper ([`sweep`]).
//! Chunks run in order: the consumer of chunk n enqueues chunk n + 1 (SCIM chunks run several
//! to a message, see [`run_scim_chunks`]). KV sees a few writes per chunk, never one per user, and
//! the record at most once a second while a run goes on.

use crate::auth::{self, Tenant};
use crate::error::ApiError;
use crate::pages::{self, Page};
use crate::upstream;
use crate::upstream::jumpcloud::Params;
use futures_util::future::{join, join3, try_join, try_join_all, try_join3};
use muster::payload::jumpcloud::JobWorkresult;
use muster::plan::{Chunk, Plan};
use muster::results::{Outcome, Submitted, jumpcloud_outcome, match_jumpcloud, reconcile_scim};
use muster::spreadsheet::SheetOptions;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::HashMap;
use worker::{Env, KvStore, Message, MessageExt, Request, Response, RouteContext};

const KV_BINDING: &str = "JOBS";
const QUEUE_BINDING: &str = "JOBQ";
/// The dead-letter queue's name in wrangler.toml; its messages mark chunks failed.
pub(crate) const DEAD_LETTER_QUEUE: &str = "muster-jobs-dlq";
const DEFAULT_TTL_SECONDS: u64 = 7 * 24 * 3600;

/// A queue message names a chunk; the payload stays in KV (messages are capped at 128 KB).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ChunkMessage {
    tenant: String,
    job: String,
    chunk: u32,
    /// Attempts already made (workers-rs does not expose the queue's own count).
    #[serde(default)]
    attempt: u32,
}

/// A chunk is given up (marked failed) after this many attempts.
const MAX_ATTEMPTS: u32 = 8;
/// SCIM chunks one queue message runs back to back (see [`run_scim_chunks`]): two pages, so a
/// run starts at a page boundary; within the Free plan's 50 subrequests per invocation.
const CHUNKS_PER_INVOCATION: u32 = 2 * pages::PAGE_CHUNKS as u32;
/// No chunk is started after a run has gone on this long: a queue consumer has 15 minutes of
/// wall time, and a slow upstream may take minutes per chunk.
const RUN_BUDGET_MS: f64 = 5.0 * 60.0 * 1000.0;
/// A run writes the job record at most this often, and once more when it ends (KV takes one write
/// per second per key). Every chunk's result has its own key and is written at once; a record
/// that lags behind them is caught up by whoever walks past those chunks next.
const RECORD_EVERY_MS: f64 = 1000.0;
/// KV calls made at once (chunks stored, ids read).
const KV_AT_ONCE: usize = 16;
/// An upstream JumpCloud job still pending after this many polls is given up.
const MAX_POLLS: u32 = 120;
/// A job whose record has not moved for this long lost its queue message (the longest retry
/// delay is 15 minutes); the sweeper sends it again.
const STALE_AFTER_MS: f64 = 30.0 * 60.0 * 1000.0;

/// What a job's chunks are: SCIM bulk requests (RFC 7644 or Oracle), or JumpCloud user arrays.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Dialect {
    #[default]
    Scim,
    JumpcloudCreate,
    JumpcloudUpdate,
}

impl Dialect {
    fn is_jumpcloud(self) -> bool {
        self != Dialect::Scim
    }
}

/// Everything a new job is made of.
pub(crate) struct Submission<'a> {
    pub(crate) plan: Plan,
    /// Operations or users as submitted.
    pub(crate) operations: u64,
    pub(crate) dialect: Dialect,
    /// For a spreadsheet job: the file and how it was read.
    pub(crate) sheet: Option<(&'a [u8], &'a SheetOptions)>,
    pub(crate) jumpcloud: Option<Params>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum JobStatus {
    Queued,
    Running,
    Finished,
    /// Done, but some operations failed or were not attempted.
    Partial,
    Failed,
}

/// Counts over the operations of a job, as chunks finish.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Counts {
    created: u64,
    updated: u64,
    deleted: u64,
    failed: u64,
    not_attempted: u64,
}

/// A job's record in KV. Clients see its [`JobView`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Job {
    pub(crate) id: String,
    pub(crate) status: JobStatus,
    /// Operations as submitted.
    pub(crate) work_units_count: u64,
    chunks: u32,
    chunks_done: u32,
    pub(crate) counts: Counts,
    pub(crate) created_at: String,
    pub(crate) updated_at: String,
    /// Operations per chunk, so a page of results reads only the chunks it covers.
    #[serde(default)]
    chunk_sizes: Vec<u32>,
    /// For a job made from a spreadsheet: how it was read (the file is kept beside the job).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sheet: Option<SheetOptions>,
    /// Upstream attempts that had to be made again (throttling, server errors, no answer).
    #[serde(default)]
    retries: u32,
    #[serde(default)]
    pub(crate) dialect: Dialect,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    jumpcloud: Option<Params>,
    /// The first chunk of each page of input (see [`pages`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pages: Vec<u32>,
}

/// What `GET /jobs/{id}` (and a `202`) shows of a job: its progress, not how it is stored.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct JobView<'a> {
    id: &'a str,
    status: JobStatus,
    work_units_count: u64,
    chunks: u32,
    chunks_done: u32,
    counts: &'a Counts,
    retries: u32,
    dialect: Dialect,
    /// `spreadsheet` for a job made from a CSV or XLSX file, else `json`.
    source: &'static str,
    created_at: &'a str,
    updated_at: &'a str,
}

impl Job {
    pub(crate) fn view(&self) -> JobView<'_> {
        JobView {
            id: &self.id,
            status: self.status,
            work_units_count: self.work_units_count,
            chunks: self.chunks,
            chunks_done: self.chunks_done,
            counts: &self.counts,
            retries: self.retries,
            dialect: self.dialect,
            source: if self.sheet.is_some() { "spreadsheet" } else { "json" },
            created_at: &self.created_at,
            updated_at: &self.updated_at,
        }
    }

    fn is_done(&self) -> bool {
        matches!(self.status, JobStatus::Finished | JobStatus::Partial | JobStatus::Failed)
    }

    /// Adds chunk n's counts, once: chunks finish in order, so one already counted is below
    /// `chunks_done`. That lets a chunk's result and the record be written at the same time, and a
    /// redelivery count a chunk whose record write was lost. Returns whether it counted.
    fn count_chunk(&mut self, chunk: u32, counts: &Counts) -> bool {
        if chunk < self.chunks_done {
            return false;
        }
        self.chunks_done = chunk + 1;
        self.counts.add(counts);
        let done = self.chunks_done >= self.chunks;
        self.status = match (done, self.counts.failed + self.counts.not_attempted) {
            (false, _) => JobStatus::Running,
            (true, 0) => JobStatus::Finished,
            (true, _) if self.counts.created + self.counts.updated + self.counts.deleted == 0 => JobStatus::Failed,
            (true, _) => JobStatus::Partial,
        };
        self.updated_at = now();
        true
    }
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

fn active_key(tenant: &str, id: &str) -> String {
    format!("active/{tenant}/{id}")
}

fn sheet_key(tenant: &str, id: &str) -> String {
    format!("job/{tenant}/{id}/sheet")
}

fn chunk_key(tenant: &str, id: &str, kind: &str, chunk: u32) -> String {
    format!("job/{tenant}/{id}/{kind}/{chunk:06}")
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

/// Reads a JSON value as text and parses it in Rust. `get(..).json()` would have KV parse it
/// in JS and copy it into Rust a field at a time, many times slower on a big value.
async fn get_json<T: serde::de::DeserializeOwned>(kv: &KvStore, key: &str) -> Result<Option<T>, worker::kv::KvError> {
    match kv.get(key).text().await? {
        Some(text) => Ok(Some(serde_json::from_str(&text)?)),
        None => Ok(None),
    }
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

/// Like [`create`], but a replayed `Idempotency-Key` (same tenant, same key) gets the job it made
/// before instead of a new one.
pub(crate) async fn create_once(
    env: &Env,
    tenant: &Tenant,
    idempotency_key: Option<&str>,
    submission: Submission<'_>,
) -> Result<Job, ApiError> {
    if let Some(key) = idempotency_key
        && let Some(job) = for_idempotency_key(env, tenant, key).await?
    {
        return Ok(job);
    }
    let job = create(env, tenant, submission).await?;
    if let Some(key) = idempotency_key {
        remember_idempotency_key(env, tenant, key, &job).await?;
    }
    Ok(job)
}

/// The `202 Accepted` answer for a job: the record, with `Location: /jobs/{id}`.
pub(crate) fn accepted(job: &Job) -> Result<Response, ApiError> {
    let headers = worker::Headers::new();
    headers.set("content-type", "application/json")?;
    headers.set("location", &format!("/jobs/{}", job.id))?;
    headers.set("preference-applied", "respond-async")?;
    Ok(Response::from_json(&job.view())?.with_status(202).with_headers(headers))
}

/// Stores every chunk of the plan (and the spreadsheet it came from, if any) and the record,
/// then enqueues the first chunk.
async fn create(env: &Env, tenant: &Tenant, submission: Submission<'_>) -> Result<Job, ApiError> {
    let Submission { plan, operations, dialect, sheet, jumpcloud } = submission;
    let kv = env.kv(KV_BINDING)?;
    let ttl = ttl(env);
    let id = new_id()?;
    if let Some((bytes, _)) = sheet {
        kv.put_bytes(&sheet_key(&tenant.id, &id), bytes)?.expiration_ttl(ttl).execute().await?;
    }
    let stamp = now();
    let chunks =
        u32::try_from(plan.chunks.len()).map_err(|_| ApiError::TooLarge("The job has too many chunks.".to_owned()))?;
    // A page of chunks per value, the pages written a group at a time, each group at once
    // (workerd queues what is over its limit on open requests); the record and the active marker
    // go with them. Only the queue message waits for all of them.
    let layout = pages::layout(&plan.chunks);
    let firsts: Vec<u32> = layout.iter().filter_map(|page| page.first()).map(|c| c.index as u32).collect();
    let store_pages = async {
        for group in layout.chunks(KV_AT_ONCE) {
            let keys: Vec<String> = group
                .iter()
                .filter_map(|page| page.first())
                .map(|c| chunk_key(&tenant.id, &id, "in", c.index as u32))
                .collect();
            try_join_all(group.iter().zip(&keys).map(|(page, key)| put_json(&kv, key, page, ttl))).await?;
        }
        Ok::<_, ApiError>(())
    };
    let job = Job {
        id: id.clone(),
        status: JobStatus::Queued,
        work_units_count: operations,
        chunks,
        chunks_done: 0,
        counts: Counts::default(),
        chunk_sizes: plan.chunks.iter().map(|c| c.origins.len() as u32).collect(),
        created_at: stamp.clone(),
        updated_at: stamp,
        sheet: sheet.map(|(_, options)| options.clone()),
        retries: 0,
        dialect,
        jumpcloud,
        pages: firsts,
    };
    let (job_key, active_key) = (job_key(&tenant.id, &id), active_key(&tenant.id, &id));
    let mark_active = async { Ok::<_, ApiError>(kv.put(&active_key, "")?.expiration_ttl(ttl).execute().await?) };
    try_join3(store_pages, put_json(&kv, &job_key, &job, ttl), mark_active).await?;
    enqueue(env, &tenant.id, &id, 0, 0, 0).await?;
    Ok(job)
}

/// The job an `Idempotency-Key` already made for this tenant, if any. KV is eventually
/// consistent: a replay at the same location within a minute is caught; two first attempts
/// racing through different locations can still make two jobs.
async fn for_idempotency_key(env: &Env, tenant: &Tenant, key: &str) -> Result<Option<Job>, ApiError> {
    let kv = env.kv(KV_BINDING)?;
    let Some(id) = kv.get(&idempotency_key(&tenant.id, key)).text().await? else { return Ok(None) };
    Ok(get_json(&kv, &job_key(&tenant.id, &id)).await?)
}

async fn remember_idempotency_key(env: &Env, tenant: &Tenant, key: &str, job: &Job) -> Result<(), ApiError> {
    let kv = env.kv(KV_BINDING)?;
    kv.put(&idempotency_key(&tenant.id, key), job.id.clone())?.expiration_ttl(ttl(env)).execute().await?;
    Ok(())
}

/// Keys are hashed: they are the client's strings, of any length.
fn idempotency_key(tenant: &str, key: &str) -> String {
    use sha2::{Digest, Sha256};
    format!("idem/{tenant}/{}", hex::encode(Sha256::digest(key.as_bytes())))
}

async fn enqueue(
    env: &Env,
    tenant: &str,
    job: &str,
    chunk: u32,
    attempt: u32,
    delay_seconds: u32,
) -> Result<(), ApiError> {
    let message = ChunkMessage { tenant: tenant.to_owned(), job: job.to_owned(), chunk, attempt };
    let queue = env.queue(QUEUE_BINDING)?;
    if delay_seconds == 0 {
        queue.send(&message).await?;
    } else {
        queue.send(worker::MessageBuilder::new(message).delay_seconds(delay_seconds).build()).await?;
    }
    Ok(())
}

pub(crate) async fn get_job(_req: Request, rc: RouteContext<()>, tenant: Tenant) -> Result<Response, ApiError> {
    let id = rc.param("id").ok_or(ApiError::NotFound)?;
    Ok(Response::from_json(&load(&rc.env, &tenant, id).await?.view())?)
}

/// The tenant's job `id`; 404 for another tenant's, or an expired one.
pub(crate) async fn load(env: &Env, tenant: &Tenant, id: &str) -> Result<Job, ApiError> {
    get_json(&env.kv(KV_BINDING)?, &job_key(&tenant.id, id)).await?.ok_or(ApiError::NotFound)
}

/// Results paging: `limit` 1 to 100 (default 10), `skip` 0 or more.
pub(crate) const DEFAULT_LIMIT: usize = 10;
const MAX_LIMIT: usize = 100;

pub(crate) async fn get_results(req: Request, rc: RouteContext<()>, tenant: Tenant) -> Result<Response, ApiError> {
    let id = rc.param("id").ok_or(ApiError::NotFound)?;
    let kv = rc.env.kv(KV_BINDING)?;
    let job: Job = get_json(&kv, &job_key(&tenant.id, id)).await?.ok_or(ApiError::NotFound)?;
    let wants_csv = req.headers().get("accept")?.is_some_and(|a| a.contains("text/csv"));
    let page = page(&req)?;
    if let (Some((limit, skip)), false) = (page, wants_csv) {
        return results_page(&rc.env, &tenant, &job, limit, skip).await;
    }
    let mut results = Vec::new();
    for chunk in 0..job.chunks {
        if let Some(result) = get_json::<ChunkResult>(&kv, &chunk_key(&tenant.id, id, "res", chunk)).await? {
            results.push(result);
        }
    }
    if wants_csv {
        return results_csv(&kv, &tenant, &job, &results).await;
    }
    Ok(Response::from_json(&serde_json::json!({ "job": job.view(), "results": results }))?)
}

/// `limit` and `skip` from the query, when either is there; 400 on values out of range.
pub(crate) fn page(req: &Request) -> Result<Option<(usize, usize)>, ApiError> {
    let url = req.url()?;
    let mut limit = None;
    let mut skip = None;
    for (key, value) in url.query_pairs() {
        let number = || value.parse::<usize>().ok();
        match key.as_ref() {
            "limit" => {
                limit = Some(number().filter(|l| (1..=MAX_LIMIT).contains(l)).ok_or_else(|| {
                    ApiError::BadRequest(format!("limit must be a whole number from 1 to {MAX_LIMIT}, not \"{value}\""))
                })?)
            }
            "skip" => {
                skip = Some(number().ok_or_else(|| {
                    ApiError::BadRequest(format!("skip must be a whole number, 0 or more, not \"{value}\""))
                })?)
            }
            _ => {}
        }
    }
    Ok((limit.is_some() || skip.is_some()).then(|| (limit.unwrap_or(DEFAULT_LIMIT), skip.unwrap_or(0))))
}

/// One submitted operation (SCIM) or user (JumpCloud) and what became of it.
pub(crate) struct Entry {
    /// Its position in the submission.
    pub(crate) index: usize,
    /// As sent (after planning).
    pub(crate) input: serde_json::Value,
    pub(crate) outcome: Outcome,
    /// JumpCloud's own work result for it, when the upstream gave one.
    pub(crate) upstream: Option<serde_json::Value>,
}

/// The entries `skip .. skip + limit` in plan order, and how many there are in all. Only the
/// chunks the page covers are read.
pub(crate) async fn entries(
    env: &Env,
    tenant: &Tenant,
    job: &Job,
    limit: usize,
    skip: usize,
) -> Result<(usize, Vec<Entry>), ApiError> {
    let kv = env.kv(KV_BINDING)?;
    let total: usize = job.chunk_sizes.iter().map(|&n| n as usize).sum();
    let mut entries = Vec::new();
    let mut first_of_chunk = 0usize;
    let mut page = None;
    for (chunk, &size) in job.chunk_sizes.iter().enumerate() {
        let (start, end) = (first_of_chunk, first_of_chunk + size as usize);
        first_of_chunk = end;
        if end <= skip || start >= skip.saturating_add(limit) {
            continue;
        }
        let result = get_json::<ChunkResult>(&kv, &chunk_key(&tenant.id, &job.id, "res", chunk as u32)).await?;
        let page_key = |first| chunk_key(&tenant.id, &job.id, "in", first);
        let input;
        (input, page) = pages::load(&kv, page_key, &job.pages, chunk as u32, page.take()).await?;
        let inputs = input.as_ref().map(|c| sent_items(job.dialect, &c.request)).unwrap_or_default();
        let mut outcomes = match (&result, &input) {
            (Some(result), Some(input)) => chunk_outcomes(job.dialect, input, result),
            (Some(result), None) => {
                vec![(failed(result.error.as_deref().unwrap_or("the job's input has expired")), None); size as usize]
            }
            (None, _) => Vec::new(),
        }
        .into_iter();
        for i in start..end {
            let (outcome, upstream) = outcomes.next().unwrap_or((Outcome::Pending, None));
            if i >= skip && i < skip.saturating_add(limit) {
                let input = inputs.get(i - start).cloned().unwrap_or_default();
                entries.push(Entry { index: i, input, outcome, upstream });
            }
        }
    }
    Ok((total, entries))
}

/// The operations or users of a chunk's request.
fn sent_items(dialect: Dialect, request: &serde_json::Value) -> Vec<serde_json::Value> {
    let items = if dialect.is_jumpcloud() { Some(request) } else { request.get("Operations") };
    items.and_then(serde_json::Value::as_array).cloned().unwrap_or_default()
}

fn failed(message: &str) -> Outcome {
    Outcome::Failed { status: None, scim_type: None, message: message.to_owned() }
}

/// Each operation's outcome in a finished chunk, in order, with JumpCloud's work result when the
/// upstream is JumpCloud.
fn chunk_outcomes(dialect: Dialect, chunk: &Chunk, result: &ChunkResult) -> Vec<(Outcome, Option<serde_json::Value>)> {
    let operations = chunk.origins.len();
    let (Some(status), Some(response)) = (result.status, &result.response) else {
        let why = result.error.as_deref().unwrap_or("the upstream gave no answer");
        return vec![(failed(why), None); operations];
    };
    if !(200..300).contains(&status) {
        let detail = response.get("detail").or_else(|| response.get("message")).and_then(serde_json::Value::as_str);
        let message = detail.map_or_else(|| format!("the upstream refused the request ({status})"), str::to_owned);
        return vec![(Outcome::Failed { status: Some(status), scim_type: None, message }, None); operations];
    }
    if !dialect.is_jumpcloud() {
        return match reconcile_scim(&chunk.request, response) {
            Ok(outcomes) => outcomes.into_iter().map(|o| (o, None)).collect(),
            Err(why) => vec![(failed(&why), None); operations],
        };
    }
    let raw: Vec<serde_json::Value> = response.as_array().cloned().unwrap_or_default();
    let results: Vec<JobWorkresult> = raw.iter().filter_map(|r| serde_json::from_value(r.clone()).ok()).collect();
    let submitted: Vec<Submitted> = sent_items(dialect, &chunk.request).iter().map(Submitted::from_user).collect();
    let creating = dialect == Dialect::JumpcloudCreate;
    match_jumpcloud(&submitted, &results)
        .into_iter()
        .map(|found| match found {
            Some(r) => (jumpcloud_outcome(&results[r], creating), raw.get(r).cloned()),
            None => (Outcome::NotAttempted, None),
        })
        .collect()
}

/// `GET /jobs/{id}/results?limit&skip`: one item per operation or user, in plan order; `pending`
/// while its chunk has not run.
async fn results_page(env: &Env, tenant: &Tenant, job: &Job, limit: usize, skip: usize) -> Result<Response, ApiError> {
    let (total, entries) = entries(env, tenant, job, limit, skip).await?;
    let items: Vec<serde_json::Value> = entries
        .into_iter()
        .map(|e| {
            let result = serde_json::to_value(&e.outcome).unwrap_or_default();
            let field = |name: &str| e.input.get(name).cloned();
            if job.dialect.is_jumpcloud() {
                serde_json::json!({"index": e.index, "username": field("username"), "email": field("email"), "id": field("id"), "result": result})
            } else {
                serde_json::json!({"index": e.index, "method": field("method"), "path": field("path"), "bulkId": field("bulkId"), "result": result})
            }
        })
        .collect();
    Ok(Response::from_json(&serde_json::json!({ "total": total, "skip": skip, "limit": limit, "items": items }))?)
}

/// The spreadsheet with each row's outcome, as CSV (formula-injection safe).
async fn results_csv(kv: &KvStore, tenant: &Tenant, job: &Job, results: &[ChunkResult]) -> Result<Response, ApiError> {
    let Some(options) = &job.sheet else {
        return Err(ApiError::NotAcceptable(
            "This job was not made from a spreadsheet; ask for application/json.".to_owned(),
        ));
    };
    let bytes = kv.get(&sheet_key(&tenant.id, &job.id)).bytes().await?.ok_or(ApiError::NotFound)?;
    let (sheet, check) = muster::spreadsheet::read_and_check(&bytes, options).map_err(ApiError::Internal)?;
    let answers: Vec<serde_json::Value> = if job.dialect.is_jumpcloud() {
        // One array of work results per chunk; the report wants them all in one.
        results.iter().filter_map(|r| r.response.as_ref()?.as_array().cloned()).flatten().collect()
    } else {
        results.iter().filter_map(|r| r.response.clone()).collect()
    };
    let outcomes =
        muster::spreadsheet::outcomes(&check, &serde_json::Value::Array(answers)).map_err(ApiError::Internal)?;
    let csv = muster::report::to_csv(&sheet, &outcomes).map_err(ApiError::Internal)?;
    let headers = worker::Headers::new();
    headers.set("content-type", "text/csv; charset=utf-8")?;
    headers.set("content-disposition", &format!("attachment; filename=\"muster-results-{}.csv\"", job.id))?;
    Ok(Response::ok(csv)?.with_headers(headers))
}

/// Processes one chunk message. Never fails the batch: each message is acked or retried alone.
/// Upstream trouble is retried as a new, delayed message carrying the attempt count, so a
/// handled chunk is always acknowledged; only muster's own failures (KV, the queue) retry this one.
pub(crate) async fn consume(env: &Env, message: Message<ChunkMessage>, dead_letter: bool) {
    let outcome = if dead_letter { give_up(env, message.body()).await } else { run_chunk(env, message.body()).await };
    match outcome {
        Ok(()) => message.ack(),
        Err(err) => {
            worker::console_error!("chunk {}/{} failed: {err:?}", message.body().job, message.body().chunk);
            message.retry();
        }
    }
}

async fn run_chunk(env: &Env, msg: &ChunkMessage) -> Result<(), ApiError> {
    let kv = env.kv(KV_BINDING)?;
    let record_key = job_key(&msg.tenant, &msg.job);
    // The record and the chunk's input are read at once: a message's chunk usually begins a page
    // (runs start at page boundaries), and the key of such a page needs no record to be found.
    let (job, first_try) = try_join(get_json::<Job>(&kv, &record_key), read_input(&kv, msg, &[], None)).await?;
    let Some(mut job) = job else {
        return Ok(()); // expired: nothing left to do it for
    };
    let (input, page) = if pages::page_of(&job.pages, msg.chunk) == msg.chunk {
        first_try
    } else {
        read_input(&kv, msg, &job.pages, None).await?
    };
    // At-least-once delivery: a chunk that already has its result is never sent again; only make
    // sure it is counted (a crash can come between the two writes) and the next one is on its way.
    if let Some(answer) = input.answered {
        if job.chunks_done <= msg.chunk
            && let Ok(result) = serde_json::from_str::<ChunkResult>(&answer)
        {
            let chunk = input.chunk.unwrap_or_else(Chunk::empty);
            if job.count_chunk(msg.chunk, &outcome_counts(job.dialect, &chunk, &result)) {
                put_json(&kv, &record_key, &job, ttl(env)).await?;
            }
        }
        return send_next(env, msg, &job).await;
    }
    let tenant = auth::tenant_by_id(env, &msg.tenant)?;
    let Some(chunk) = input.chunk else {
        let result = ChunkResult::failed(msg.chunk, "the job's input has expired");
        return record_and_go_on(env, msg, job, &Chunk::empty(), result, HashMap::new()).await;
    };
    if job.dialect.is_jumpcloud() {
        return run_jumpcloud_chunk(env, msg, &job, &tenant, chunk, input.sent).await;
    }
    run_scim_chunks(env, msg.clone(), &tenant, job, (chunk, page), input.sent).await
}

/// What KV holds for one chunk.
struct ChunkInput {
    /// Its stored result (JSON text), if it has one.
    answered: Option<String>,
    chunk: Option<Chunk>,
    /// It was sent before: the upstream may have applied it.
    sent: bool,
    /// Its request as JSON text, written ahead while the chunk before it was at the upstream.
    text: Option<String>,
}

/// Chunk n's result, input and sent marker, read at once; the input comes from `cached` when that
/// page holds it. Hands back the page, for the chunks after it.
async fn read_input(
    kv: &KvStore,
    msg: &ChunkMessage,
    pages: &[u32],
    cached: Option<Page>,
) -> Result<(ChunkInput, Option<Page>), worker::kv::KvError> {
    let (res_key, sent_key) = (chunk_key(&msg.tenant, &msg.job, "res", msg.chunk), sent_key(msg));
    let page_key = |first| chunk_key(&msg.tenant, &msg.job, "in", first);
    let ((chunk, page), answered, sent) = try_join3(
        pages::load(kv, page_key, pages, msg.chunk, cached),
        kv.get(&res_key).text(),
        kv.get(&sent_key).text(),
    )
    .await?;
    Ok((ChunkInput { answered, chunk, sent: sent.is_some(), text: None }, page))
}

/// Marks that chunk n was sent at least once: a later attempt that finds it cannot know what the
/// upstream applied, so it looks first.
fn sent_key(msg: &ChunkMessage) -> String {
    chunk_key(&msg.tenant, &msg.job, "sent", msg.chunk)
}

/// SCIM chunks run back to back in one invocation, up to `CHUNKS_PER_INVOCATION` and
/// `RUN_BUDGET_MS`, as a pipeline: while the upstream works on chunk n, chunk n − 1's answer is
/// read and recorded, and chunk n + 1's input is read, marked sent and written as JSON text, so
/// between two sends there is only the send. A queue hop and KV round trips between chunks were
/// most of muster's own time on a job. Nothing is lost if the invocation dies: its message is
/// acknowledged only at the end, a redelivery walks past every chunk that has its result, and a
/// chunk marked sent is looked up before it is sent again.
async fn run_scim_chunks(
    env: &Env,
    mut msg: ChunkMessage,
    tenant: &Tenant,
    mut job: Job,
    (mut chunk, mut page): (Chunk, Option<Page>),
    mut sent_before: bool,
) -> Result<(), ApiError> {
    let kv = env.kv(KV_BINDING)?;
    let pages = job.pages.clone();
    let mut run = Run { first: msg.chunk, created: HashMap::new(), marked: false };
    let mut unrecorded: Option<(ChunkMessage, Pending)> = None;
    let mut text = None;
    let started = worker::js_sys::Date::now();
    let mut recorded_at = started;
    for n in 1..=CHUNKS_PER_INVOCATION {
        let in_budget = n < CHUNKS_PER_INVOCATION && worker::js_sys::Date::now() - started < RUN_BUDGET_MS;
        let next = (msg.chunk + 1 < job.chunks && in_budget).then(|| ChunkMessage {
            chunk: msg.chunk + 1,
            attempt: 0,
            ..msg.clone()
        });
        let now = worker::js_sys::Date::now();
        let write_record = now - recorded_at >= RECORD_EVERY_MS;
        if write_record {
            recorded_at = now;
        }
        let (sent, recorded, next_input) = join3(
            send_scim_chunk(env, &msg, tenant, (chunk, text.take()), sent_before, &run),
            record_pending(env, unrecorded.take(), job, write_record),
            prepare(env, &kv, next.as_ref(), &pages, page.take()),
        )
        .await;
        let (recorded, ids) = recorded?;
        job = recorded;
        run.created.extend(ids);
        let (next_input, next_page) = next_input?;
        page = next_page;
        let reply = match sent? {
            Sent::Answered(reply) => reply,
            Sent::Retry(why, after) => {
                // The next chunk was marked sent ahead of time but will not go now: unmark it,
                // or its turn would start with a needless lookup. A marker it had before stays.
                if let (Some(next), Some(input)) = (&next, &next_input)
                    && !input.sent
                    && input.answered.is_none()
                    && input.chunk.is_some()
                {
                    kv.delete(&sent_key(next)).await?;
                }
                // The record in hand counts chunks whose record writes were left for later, and
                // what comes next (a retry, or giving up) starts from KV's.
                put_json(&kv, &job_key(&msg.tenant, &msg.job), &job, ttl(env)).await?;
                return retry_later(env, &msg, &why, after).await;
            }
        };
        // Read now only what the next chunk's references need; otherwise while it is away.
        let answer = match &next_input {
            Some(ChunkInput { chunk: Some(next_chunk), .. }) if reply.needed_by(next_chunk) => {
                let answer = reply.read();
                run.created.extend(answer.ids.iter().map(|(k, v)| (k.clone(), v.clone())));
                Pending::Read(answer)
            }
            _ => Pending::Unread(reply),
        };
        unrecorded = Some((msg.clone(), answer));
        // Go on here only with a chunk that has its input and no result yet; anything else is
        // left to the queue, which handles every case.
        match (next, next_input) {
            (Some(next), Some(ChunkInput { answered: None, chunk: Some(next_chunk), sent, text: next_text })) => {
                (msg, chunk, sent_before, run.marked, text) = (next, next_chunk, sent, true, next_text);
            }
            _ => break,
        }
    }
    let (job, _) = record_pending(env, unrecorded, job, true).await?;
    send_next(env, &msg, &job).await
}

/// What a run of chunks knows that KV may not have yet.
struct Run {
    /// The chunk the run started with: ids of earlier chunks are in KV.
    first: u32,
    /// bulkId → id of what the run's chunks created.
    created: HashMap<String, String>,
    /// The current chunk's sent marker was written while the previous one was at the upstream.
    marked: bool,
}

/// Lets the runtime send what was just started: workerd dispatches a fetch only when the wasm
/// hands control back, so work done first by a future joined beside it would delay the request.
async fn after_dispatch() {
    worker::Delay::from(std::time::Duration::ZERO).await;
}

/// A chunk's answer waiting to be recorded.
enum Pending {
    /// Read already (the chunk after it needed its ids).
    Read(Answer),
    Unread(RawAnswer),
}

/// Records the previous chunk's answer, if there is one, reading it first if nobody has (and
/// writes the job record counting it when `write_record`); returns the record as it now is, and
/// the ids the answer gave if it was read here.
async fn record_pending(
    env: &Env,
    pending: Option<(ChunkMessage, Pending)>,
    job: Job,
    write_record: bool,
) -> Result<(Job, HashMap<String, String>), ApiError> {
    after_dispatch().await;
    let Some((msg, pending)) = pending else { return Ok((job, HashMap::new())) };
    let (answer, ids) = match pending {
        Pending::Read(answer) => (answer, HashMap::new()),
        Pending::Unread(reply) => {
            let answer = reply.read();
            let ids = answer.ids.clone();
            (answer, ids)
        }
    };
    Ok((record_chunk(env, &msg, answer, job, write_record).await?, ids))
}

/// Reads the next chunk's input and, when it is to be sent, marks it sent (before it is: a
/// marker without a send only costs a lookup on a retry).
async fn prepare(
    env: &Env,
    kv: &KvStore,
    next: Option<&ChunkMessage>,
    pages: &[u32],
    cached: Option<Page>,
) -> Result<(Option<ChunkInput>, Option<Page>), ApiError> {
    let Some(next) = next else { return Ok((None, cached)) };
    after_dispatch().await;
    let (mut input, page) = read_input(kv, next, pages, cached).await?;
    if let (None, Some(chunk)) = (&input.answered, &input.chunk) {
        let mark = kv.put(&sent_key(next), "0")?.expiration_ttl(ttl(env)).execute();
        // Its text is written while the marker is on its way; a chunk with carried references
        // waits for their ids.
        let write = async {
            after_dispatch().await;
            chunk.carried.is_empty().then(|| serde_json::to_string(&chunk.request).ok()).flatten()
        };
        let (marked, text) = join(mark, write).await;
        marked?;
        input.text = text;
    }
    Ok((Some(input), page))
}

/// A chunk's answer as it is recorded.
struct Answer {
    result: ChunkResult,
    /// bulkId → id of what it created, for later chunks' references.
    ids: HashMap<String, String>,
    counts: Counts,
    /// Attempts made again at once on the way (counted on the record).
    retries: u32,
}

/// How sending a chunk went.
enum Sent {
    Answered(RawAnswer),
    /// To be tried again later (why), after at least this many seconds if the upstream said.
    Retry(String, Option<u32>),
}

/// A SCIM chunk (and its request's text, if written ahead): resolve carried references, send
/// (halving on 413), hand back the answer.
async fn send_scim_chunk(
    env: &Env,
    msg: &ChunkMessage,
    tenant: &Tenant,
    (mut chunk, text): (Chunk, Option<String>),
    sent_before: bool,
    run: &Run,
) -> Result<Sent, ApiError> {
    let kv = env.kv(KV_BINDING)?;
    let created = carried_ids(&kv, msg, &chunk, run).await?;
    let (full_request, mut text) =
        if created.is_empty() { (std::mem::take(&mut chunk.request), text) } else { (chunk.resolve(&created), None) };

    if !run.marked {
        kv.put(&sent_key(msg), msg.attempt.to_string())?.expiration_ttl(ttl(env)).execute().await?;
    }
    // A lost connection is tried again once at once (a pooled connection the upstream had
    // closed is the usual cause); the queue's backoff takes over after that.
    let (mut sent_before, mut quick_retries) = (sent_before, 0);
    let (reply, recovered) = loop {
        // An earlier attempt got no answer, so the upstream may have applied it: find what
        // exists before sending again, so nothing is created twice.
        let mut recovered = Vec::new();
        if sent_before {
            match upstream::scim::already_created(&tenant.upstream, &full_request).await {
                Ok(found) => recovered = found,
                Err(ApiError::Upstream(why)) => return Ok(Sent::Retry(why, None)),
                Err(err) => return Err(err),
            }
        }
        let (request, text) = if recovered.is_empty() {
            (Cow::Borrowed(&full_request), text.take())
        } else {
            (Cow::Owned(without_bulk_ids(&full_request, &recovered)), None)
        };
        let remaining = request.get("Operations").and_then(serde_json::Value::as_array).map_or(0, Vec::len);
        if remaining == 0 {
            let nothing_left = r#"{"Operations": []}"#.to_owned();
            break (upstream::Reply { status: 200, body: nothing_left, retry_after: None }, recovered);
        }
        match upstream::scim::send_splitting(&tenant.upstream, &request, text).await {
            Ok(reply) if reply.is_retryable() => {
                // 429 means nothing was done (RFC 6585): the next attempt need not look first,
                // unless an earlier attempt left that doubt.
                if reply.status == 429 && !sent_before {
                    kv.delete(&sent_key(msg)).await?;
                }
                return Ok(Sent::Retry(format!("the upstream answered {}", reply.status), reply.retry_after));
            }
            Ok(reply) => break (reply, recovered),
            Err(ApiError::Upstream(why)) if quick_retries == 0 => {
                worker::console_warn!(
                    "job {} chunk {}: {why}; looking up and sending again at once",
                    msg.job,
                    msg.chunk
                );
                (sent_before, quick_retries) = (true, 1);
            }
            Err(ApiError::Upstream(why)) => return Ok(Sent::Retry(why, None)),
            Err(err) => return Err(err),
        }
    };
    let chunk = Chunk { request: full_request, ..chunk };
    Ok(Sent::Answered(RawAnswer { chunk, index: msg.chunk, reply, recovered, retries: quick_retries }))
}

/// A SCIM chunk's answer as it came, not read yet: reading it (parse, match to the operations)
/// is left until the next chunk is on its way, unless that chunk needs the ids it holds.
struct RawAnswer {
    /// The chunk as sent, carried references resolved.
    chunk: Chunk,
    index: u32,
    reply: upstream::Reply,
    /// What an unanswered earlier attempt had already created: `(bulkId, location, id)`.
    recovered: Vec<(String, String, String)>,
    retries: u32,
}

impl RawAnswer {
    /// Chunk `next` refers to something this chunk creates.
    fn needed_by(&self, next: &Chunk) -> bool {
        next.carried.iter().any(|b| self.chunk.creates.contains(b))
    }

    /// Reads the answer: the result to store, the created ids and the counts, from one reading.
    fn read(self) -> Answer {
        let RawAnswer { chunk, index, reply, recovered, retries } = self;
        let mut response = serde_json::from_str(&reply.body).unwrap_or(serde_json::Value::String(reply.body));
        // What an unanswered attempt had already created counts as created by this chunk.
        if let Some(operations) = response.get_mut("Operations").and_then(serde_json::Value::as_array_mut) {
            for (bulk_id, location, _) in &recovered {
                operations.push(
                    serde_json::json!({"method": "POST", "bulkId": bulk_id, "location": location, "status": "201"}),
                );
            }
        }
        let result = ChunkResult { chunk: index, status: Some(reply.status), response: Some(response), error: None };
        let outcomes: Vec<Outcome> =
            chunk_outcomes(Dialect::Scim, &chunk, &result).into_iter().map(|(o, _)| o).collect();
        let ids = ids_of(&chunk.request, &outcomes);
        Answer { result, ids, counts: counts_of(&outcomes), retries }
    }
}

/// A JumpCloud chunk runs in two steps, each a message: submit the users as an upstream job
/// (its id is kept, so a redelivered message polls instead of submitting again), then poll its
/// results until none is `pending`, and record them. A submission whose answer was lost (`sent`)
/// may have been applied: users JumpCloud already holds are looked up and not submitted again.
async fn run_jumpcloud_chunk(
    env: &Env,
    msg: &ChunkMessage,
    job: &Job,
    tenant: &Tenant,
    chunk: Chunk,
    sent: bool,
) -> Result<(), ApiError> {
    let kv = env.kv(KV_BINDING)?;
    let params = job.jumpcloud.clone().unwrap_or_default();
    let upjob_key = chunk_key(&msg.tenant, &msg.job, "upjob", msg.chunk);
    let Some(upstream_job) = kv.get(&upjob_key).text().await? else {
        let update = job.dialect == Dialect::JumpcloudUpdate;
        let mut users = chunk.request.as_array().cloned().unwrap_or_default();
        // An update applied twice changes nothing; a creation would fail the second time.
        let mut recovered = Vec::new();
        if sent && !update {
            match upstream::jumpcloud::already_created(&tenant.upstream, &users, &params).await {
                Ok(found) => recovered = found,
                Err(ApiError::Upstream(why)) => return retry_later(env, msg, &why, None).await,
                Err(err) => return Err(err),
            }
            let names: Vec<&str> =
                recovered.iter().filter_map(|r| r["meta"]["SystemUser"]["username"].as_str()).collect();
            users.retain(|u| !u["username"].as_str().is_some_and(|name| names.contains(&name)));
        }
        if users.is_empty() {
            let result = ChunkResult {
                chunk: msg.chunk,
                status: Some(200),
                response: Some(serde_json::Value::Array(recovered)),
                error: None,
            };
            return finish_chunk(env, msg, &chunk, result, HashMap::new()).await;
        }
        kv.put(&sent_key(msg), msg.attempt.to_string())?.expiration_ttl(ttl(env)).execute().await?;
        let users = serde_json::Value::Array(users);
        let reply = match upstream::jumpcloud::submit(&tenant.upstream, update, &users, &params).await {
            Ok(reply) if reply.is_retryable() => {
                let why = format!("JumpCloud answered {}", reply.status);
                return retry_later(env, msg, &why, reply.retry_after).await;
            }
            Ok(reply) => reply,
            Err(ApiError::Upstream(why)) => return retry_later(env, msg, &why, None).await,
            Err(err) => return Err(err),
        };
        let Some(id) = upstream::jumpcloud::accepted_job_id(&reply) else {
            let response = serde_json::from_str(&reply.body).unwrap_or(serde_json::Value::String(reply.body));
            let result =
                ChunkResult { chunk: msg.chunk, status: Some(reply.status), response: Some(response), error: None };
            return finish_chunk(env, msg, &chunk, result, HashMap::new()).await;
        };
        let submitted = UpstreamJob { id, recovered };
        put_json(&kv, &upjob_key, &submitted, ttl(env)).await?;
        return poll_later(env, msg, 0).await;
    };
    let UpstreamJob { id: upstream_job, recovered } = UpstreamJob::read(upstream_job);
    let mut results = match upstream::jumpcloud::results(&tenant.upstream, &upstream_job, &params).await {
        Ok(Ok(results)) => results,
        Ok(Err(reply)) if !reply.is_retryable() => {
            let why = format!("JumpCloud answered {} when asked for job {upstream_job}'s results", reply.status);
            return finish_chunk(env, msg, &chunk, ChunkResult::failed(msg.chunk, &why), HashMap::new()).await;
        }
        Ok(Err(_)) | Err(ApiError::Upstream(_)) => return poll_later(env, msg, msg.attempt + 1).await,
        Err(err) => return Err(err),
    };
    results.extend(recovered);
    let pending = results.iter().any(|r| {
        r.get("status").and_then(serde_json::Value::as_str).is_some_and(|s| s.eq_ignore_ascii_case("pending"))
    });
    if pending || results.len() < chunk.origins.len() {
        return poll_later(env, msg, msg.attempt + 1).await;
    }
    let result = ChunkResult {
        chunk: msg.chunk,
        status: Some(200),
        response: Some(serde_json::Value::Array(results)),
        error: None,
    };
    finish_chunk(env, msg, &chunk, result, HashMap::new()).await
}

/// The upstream job a JumpCloud chunk became, with the work results of users an earlier,
/// unanswered submission had already created (they were not submitted again).
#[derive(Serialize, Deserialize)]
struct UpstreamJob {
    id: String,
    #[serde(default)]
    recovered: Vec<serde_json::Value>,
}

impl UpstreamJob {
    /// Reads the stored record; a bare id is a job with nothing recovered.
    fn read(text: String) -> UpstreamJob {
        serde_json::from_str(&text).unwrap_or(UpstreamJob { id: text, recovered: Vec::new() })
    }
}

/// Polls a JumpCloud chunk again shortly (1 s, growing to 10 s); gives up after `MAX_POLLS`.
async fn poll_later(env: &Env, msg: &ChunkMessage, polls: u32) -> Result<(), ApiError> {
    if polls >= MAX_POLLS {
        return fail_chunk(env, msg, "JumpCloud's job was still pending after every poll").await;
    }
    enqueue(env, &msg.tenant, &msg.job, msg.chunk, polls, (1 + polls / 3).min(10)).await
}

/// Tries the chunk again later, as a new message carrying the attempt count; gives up after
/// `MAX_ATTEMPTS`.
async fn retry_later(env: &Env, msg: &ChunkMessage, why: &str, retry_after: Option<u32>) -> Result<(), ApiError> {
    let attempt = msg.attempt + 1;
    if attempt >= MAX_ATTEMPTS {
        return give_up(env, msg).await;
    }
    let delay = upstream::retry_delay(attempt, retry_after);
    worker::console_warn!("job {} chunk {}: {why}; attempt {} in {delay} s", msg.job, msg.chunk, attempt + 1);
    enqueue(env, &msg.tenant, &msg.job, msg.chunk, attempt, delay).await?;
    // Counted on the record for progress displays (one more KV write, only when retrying).
    let kv = env.kv(KV_BINDING)?;
    let key = job_key(&msg.tenant, &msg.job);
    if let Some(mut job) = get_json::<Job>(&kv, &key).await? {
        job.retries += 1;
        job.updated_at = now();
        put_json(&kv, &key, &job, ttl(env)).await?;
    }
    Ok(())
}

fn without_bulk_ids(request: &serde_json::Value, recovered: &[(String, String, String)]) -> serde_json::Value {
    let mut request = request.clone();
    if let Some(operations) = request.get_mut("Operations").and_then(serde_json::Value::as_array_mut) {
        operations.retain(|op| {
            let bulk_id = op.get("bulkId").and_then(serde_json::Value::as_str);
            !recovered.iter().any(|(b, _, _)| Some(b.as_str()) == bulk_id)
        });
    }
    request
}

/// The ids created by earlier chunks for the bulkIds this chunk refers to: from KV for chunks
/// before the run, from memory for the run's own (their records may still be on the way).
async fn carried_ids(
    kv: &KvStore,
    msg: &ChunkMessage,
    chunk: &Chunk,
    run: &Run,
) -> Result<HashMap<String, String>, ApiError> {
    let mut created = HashMap::new();
    if chunk.carried.is_empty() {
        return Ok(created);
    }
    let keys: Vec<String> = (0..run.first.min(msg.chunk)).map(|e| chunk_key(&msg.tenant, &msg.job, "ids", e)).collect();
    for group in keys.chunks(KV_AT_ONCE) {
        let stored = try_join_all(group.iter().map(|key| get_json::<HashMap<String, String>>(kv, key))).await?;
        for ids in stored.into_iter().flatten() {
            created.extend(ids.into_iter().filter(|(bulk_id, _)| chunk.carried.contains(bulk_id)));
        }
    }
    created.extend(
        run.created.iter().filter(|(bulk_id, _)| chunk.carried.contains(*bulk_id)).map(|(k, v)| (k.clone(), v.clone())),
    );
    Ok(created)
}

/// bulkId → id for every operation of the answer that created something.
pub(crate) fn created_ids(request: &serde_json::Value, response: &serde_json::Value) -> HashMap<String, String> {
    reconcile_scim(request, response).map(|outcomes| ids_of(request, &outcomes)).unwrap_or_default()
}

/// bulkId → id for the request's operations whose outcome is a creation with an id.
fn ids_of(request: &serde_json::Value, outcomes: &[Outcome]) -> HashMap<String, String> {
    let operations =
        request.get("Operations").and_then(serde_json::Value::as_array).map(Vec::as_slice).unwrap_or_default();
    operations
        .iter()
        .zip(outcomes)
        .filter_map(|(op, outcome)| match outcome {
            Outcome::Created { id: Some(id) } => Some((op.get("bulkId")?.as_str()?.to_owned(), id.clone())),
            _ => None,
        })
        .collect()
}

async fn give_up(env: &Env, msg: &ChunkMessage) -> Result<(), ApiError> {
    fail_chunk(env, msg, "the upstream did not accept the chunk after every retry").await
}

/// Records chunk n as failed for `why`, every operation of it (its input is read to know them),
/// and starts the next chunk.
async fn fail_chunk(env: &Env, msg: &ChunkMessage, why: &str) -> Result<(), ApiError> {
    let kv = env.kv(KV_BINDING)?;
    let Some(job) = get_json::<Job>(&kv, &job_key(&msg.tenant, &msg.job)).await? else { return Ok(()) };
    let page_key = |first| chunk_key(&msg.tenant, &msg.job, "in", first);
    let (chunk, _) = pages::load(&kv, page_key, &job.pages, msg.chunk, None).await?;
    let chunk = chunk.unwrap_or_else(Chunk::empty);
    record_and_go_on(env, msg, job, &chunk, ChunkResult::failed(msg.chunk, why), HashMap::new()).await
}

/// Records a chunk's result (counted from its answer) and starts the next chunk.
async fn finish_chunk(
    env: &Env,
    msg: &ChunkMessage,
    chunk: &Chunk,
    result: ChunkResult,
    ids: HashMap<String, String>,
) -> Result<(), ApiError> {
    let kv = env.kv(KV_BINDING)?;
    // The record is read again here, not carried from the start: a retry counted meanwhile must
    // not be lost.
    let Some(job) = get_json::<Job>(&kv, &job_key(&msg.tenant, &msg.job)).await? else { return Ok(()) };
    record_and_go_on(env, msg, job, chunk, result, ids).await
}

/// Records a chunk's result, counted from its answer, and starts the next chunk.
async fn record_and_go_on(
    env: &Env,
    msg: &ChunkMessage,
    job: Job,
    chunk: &Chunk,
    result: ChunkResult,
    ids: HashMap<String, String>,
) -> Result<(), ApiError> {
    let counts = outcome_counts(job.dialect, chunk, &result);
    let job = record_chunk(env, msg, Answer { result, ids, counts, retries: 0 }, job, true).await?;
    send_next(env, msg, &job).await
}

/// Writes the chunk's result and created ids (once) and, when `write_record` or the job is done,
/// the record counting it, all at once (counting is idempotent, see [`Job::count_chunk`]).
/// Returns the record as counted.
async fn record_chunk(
    env: &Env,
    msg: &ChunkMessage,
    answer: Answer,
    mut job: Job,
    write_record: bool,
) -> Result<Job, ApiError> {
    let kv = env.kv(KV_BINDING)?;
    let ttl = ttl(env);
    let Answer { result, ids, counts, retries } = answer;
    if job.count_chunk(msg.chunk, &counts) {
        job.retries += retries;
    }
    let (ids_key, res_key) =
        (chunk_key(&msg.tenant, &msg.job, "ids", msg.chunk), chunk_key(&msg.tenant, &msg.job, "res", msg.chunk));
    let record_key = job_key(&msg.tenant, &msg.job);
    let put_ids = async { if ids.is_empty() { Ok(()) } else { put_json(&kv, &ids_key, &ids, ttl).await } };
    let put_record =
        async { if write_record || job.is_done() { put_json(&kv, &record_key, &job, ttl).await } else { Ok(()) } };
    try_join3(put_ids, put_json(&kv, &res_key, &result, ttl), put_record).await?;
    if job.is_done() {
        kv.delete(&active_key(&msg.tenant, &msg.job)).await?;
    }
    Ok(job)
}

/// The counts of a chunk's outcomes, read from its answer.
fn outcome_counts(dialect: Dialect, chunk: &Chunk, result: &ChunkResult) -> Counts {
    let outcomes: Vec<Outcome> = chunk_outcomes(dialect, chunk, result).into_iter().map(|(o, _)| o).collect();
    counts_of(&outcomes)
}

/// Enqueues the next chunk, if there is one.
async fn send_next(env: &Env, msg: &ChunkMessage, job: &Job) -> Result<(), ApiError> {
    if msg.chunk + 1 < job.chunks {
        enqueue(env, &msg.tenant, &msg.job, msg.chunk + 1, 0, 0).await?;
    }
    Ok(())
}

/// The cron sweeper: a job whose record has not moved for `STALE_AFTER_MS` lost its queue
/// message (a crash, a dropped delivery); its next chunk is sent again. Safe to repeat: a chunk
/// with a result is skipped, and one already sent is looked up before it is sent again.
pub(crate) async fn sweep(env: &Env) -> Result<u32, ApiError> {
    let kv = env.kv(KV_BINDING)?;
    let now = worker::js_sys::Date::now();
    let mut resent = 0;
    let mut cursor = None;
    loop {
        let mut list = kv.list().prefix("active/".to_owned());
        if let Some(c) = cursor.take() {
            list = list.cursor(c);
        }
        let page = list.execute().await?;
        for key in &page.keys {
            let Some((tenant, id)) = key.name.strip_prefix("active/").and_then(|k| k.split_once('/')) else { continue };
            let Some(job) = get_json::<Job>(&kv, &job_key(tenant, id)).await? else {
                kv.delete(&key.name).await?; // expired
                continue;
            };
            if job.is_done() {
                kv.delete(&key.name).await?;
            } else if now - worker::js_sys::Date::parse(&job.updated_at) > STALE_AFTER_MS {
                enqueue(env, tenant, id, job.chunks_done, 0, 0).await?;
                resent += 1;
            }
        }
        if page.list_complete {
            return Ok(resent);
        }
        cursor = page.cursor;
    }
}

fn counts_of(outcomes: &[Outcome]) -> Counts {
    let mut counts = Counts::default();
    for outcome in outcomes {
        match outcome {
            Outcome::Created { .. } => counts.created += 1,
            Outcome::Updated { .. } => counts.updated += 1,
            Outcome::Deleted => counts.deleted += 1,
            Outcome::Failed { .. } => counts.failed += 1,
            Outcome::NotAttempted | Outcome::Pending => counts.not_attempted += 1,
        }
    }
    counts
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.created += other.created;
        self.updated += other.updated;
        self.deleted += other.deleted;
        self.failed += other.failed;
        self.not_attempted += other.not_attempted;
    }
}

impl ChunkResult {
    fn failed(chunk: u32, why: &str) -> Self {
        ChunkResult { chunk, status: None, response: None, error: Some(why.to_owned()) }
    }
}
