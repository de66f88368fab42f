//! Talking to a tenant's identity system, politely: what counts as worth retrying, and how long
//! to wait. One module per upstream dialect.

pub(crate) mod jumpcloud;
pub(crate) mod scim;

use crate::auth::Upstream;
use crate::error::ApiError;
use worker::{Fetch, Headers, Method, Request, RequestInit};

/// What the upstream answered, as it came.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: String,
    /// `Retry-After`, in seconds from now.
    pub(crate) retry_after: Option<u32>,
}

impl Reply {
    /// Worth another try later: throttling, timeouts, server trouble.
    pub(crate) fn is_retryable(&self) -> bool {
        matches!(self.status, 408 | 425 | 429) || self.status >= 500
    }
}

/// Sends one request to `upstream` and reads the whole answer, giving up after the upstream's
/// timeout (the signal covers the answer's body too): a request that hangs would otherwise hold
/// its job until the runtime ends the invocation. `Err(ApiError::Upstream)` means no answer
/// arrived, so the request may or may not have been applied: the caller looks up before sending
/// again.
async fn send(
    upstream: &Upstream,
    method: Method,
    url: &str,
    headers: Headers,
    body: Option<&str>,
) -> Result<Reply, ApiError> {
    let timeout_ms = upstream.timeout_ms();
    let mut init = RequestInit::new();
    init.with_method(method).with_headers(headers).with_body(body.map(Into::into));
    let request = Request::new_with_init(url, &init)?;
    let signal = worker::AbortSignal::from(worker::web_sys::AbortSignal::timeout_with_u32(timeout_ms));
    let why = |err: worker::Error, what: &str| {
        ApiError::Upstream(if signal.aborted() {
            format!("The upstream did not answer within {} s.", timeout_ms / 1000)
        } else {
            format!("{what}: {err}")
        })
    };
    let mut response = Fetch::Request(request)
        .send_with_signal(&signal)
        .await
        .map_err(|err| why(err, "The upstream could not be reached"))?;
    let retry_after = response.headers().get("retry-after").ok().flatten().and_then(|v| parse_retry_after(&v));
    let body = response.text().await.map_err(|err| why(err, "The upstream's answer was cut off"))?;
    Ok(Reply { status: response.status_code(), body, retry_after })
}

/// `Retry-After`: delta-seconds or an HTTP-date (RFC 9110 §10.2.3); past dates mean now.
fn parse_retry_after(value: &str) -> Option<u32> {
    if let Ok(seconds) = value.trim().parse::<u32>() {
        return Some(seconds);
    }
    let at = worker::js_sys::Date::parse(value.trim());
    if at.is_nan() {
        return None;
    }
    let now = worker::js_sys::Date::now();
    Some(((at - now) / 1000.0).max(0.0).ceil() as u32)
}

/// How long to wait before attempt `attempt` (1-based): the upstream's Retry-After or an
/// exponential backoff, whichever is longer, plus jitter, capped at 15 minutes.
pub(crate) fn retry_delay(attempt: u32, retry_after: Option<u32>) -> u32 {
    let backoff = 2u32.saturating_pow(attempt.min(10)).min(600);
    let jitter = (worker::js_sys::Math::random() * 3.0) as u32;
    (retry_after.unwrap_or(0).max(backoff) + jitter).min(900)
}
