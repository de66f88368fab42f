//! CORS for the API: only origins in the `CORS_ALLOWED_ORIGINS` variable (comma-separated) may
//! call it from a browser. The page itself is same-origin and needs none of this.

use worker::{Env, Headers, Response, Result};

const ALLOWED_METHODS: &str = "GET, POST, PATCH, OPTIONS";
const ALLOWED_HEADERS: &str =
    "authorization, x-api-key, content-type, prefer, idempotency-key, x-muster-mapping, accept";

/// The request's origin, when the deployment allows it.
pub(crate) fn allowed_origin(origin: Option<&str>, env: &Env) -> Option<String> {
    let origin = origin?;
    let list = env.var("CORS_ALLOWED_ORIGINS").ok()?.to_string();
    list.split(',').map(str::trim).any(|allowed| !allowed.is_empty() && allowed == origin).then(|| origin.to_owned())
}

/// The answer to a preflight: allowed origins get the methods and headers; others get nothing.
pub(crate) fn preflight(allowed: Option<String>) -> Result<Response> {
    let response = Response::empty()?.with_status(204);
    let Some(origin) = allowed else { return Ok(response) };
    let headers = Headers::new();
    headers.set("access-control-allow-origin", &origin)?;
    headers.set("access-control-allow-methods", ALLOWED_METHODS)?;
    headers.set("access-control-allow-headers", ALLOWED_HEADERS)?;
    headers.set("access-control-max-age", "600")?;
    headers.set("vary", "origin")?;
    Ok(response.with_headers(headers))
}

pub(crate) fn with_headers(mut response: Response, allowed: Option<String>) -> Result<Response> {
    if let Some(origin) = allowed {
        let headers = response.headers_mut();
        headers.set("access-control-allow-origin", &origin)?;
        headers.set("access-control-expose-headers", "location")?;
        headers.set("vary", "origin")?;
    }
    Ok(response)
}
