//! Talking to a tenant's SCIM service. The caller decides what a status means.

use crate::auth::Upstream;
use crate::error::ApiError;
use worker::{Fetch, Headers, Method, Request, RequestInit};

/// What the upstream answered, as it came.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: String,
}

impl Reply {
    /// RFC 7644 §3.7 errors worth another try later: throttling, timeouts, server trouble.
    pub(crate) fn is_retryable(&self) -> bool {
        matches!(self.status, 408 | 425 | 429) || self.status >= 500
    }
}

/// POSTs a bulk request to `{url}/Bulk`. `Err` means the upstream could not be reached at all.
pub(crate) async fn post_bulk(upstream: &Upstream, body: &str) -> Result<Reply, ApiError> {
    let headers = Headers::new();
    headers.set("content-type", "application/scim+json")?;
    headers.set("accept", "application/scim+json")?;
    if let Some(token) = &upstream.token {
        headers.set("authorization", &format!("Bearer {token}"))?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_headers(headers).with_body(Some(body.into()));
    let url = format!("{}/Bulk", upstream.url.trim_end_matches('/'));
    let request = Request::new_with_init(&url, &init)?;
    let mut response = Fetch::Request(request)
        .send()
        .await
        .map_err(|err| ApiError::Upstream(format!("The upstream could not be reached: {err}")))?;
    let body = response.text().await.unwrap_or_default();
    Ok(Reply { status: response.status_code(), body })
}
