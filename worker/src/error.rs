//! Errors a route can answer with, in the shape of the API the route belongs to: RFC 7644 §3.12
//! for SCIM and muster's own routes, JumpCloud's `Error` / `ErrorDetails` under `/api/v2`.
//! Internal detail stays in logs.

use muster::{Report, Summary};
use serde_json::{Value, json};
use worker::{Response, Result};

pub(crate) const SCIM_ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// A JSON body parsed once and checked with `options`: the value (for the plan) and its report,
/// or [`ApiError::Invalid`] with its findings (for bad syntax, where it breaks); only the findings
/// a 400 lists are kept, so a body wrong everywhere takes no more memory than a clean one.
pub(crate) fn checked_body(body: &[u8], options: &muster::Options) -> std::result::Result<(Value, Report), ApiError> {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Err(ApiError::Invalid(muster::validate(body, options)));
    };
    let report = muster::validate_value_listing(&value, options, LISTED_FINDINGS);
    if !report.valid {
        return Err(ApiError::Invalid(report));
    }
    Ok((value, report))
}

/// Findings a 400 lists (the first, top to bottom); its message and `summary` count every one. A
/// 20 MiB sheet with every row wrong has about a million: listing them all would take more memory
/// than an isolate has, and make an answer no client reads whole.
pub(crate) const LISTED_FINDINGS: usize = 1_000;

#[derive(Debug)]
pub(crate) enum ApiError {
    Unauthorized,
    NotFound,
    /// The payload broke muster's rules; the diagnostics go back to the client, up to
    /// [`LISTED_FINDINGS`] of them.
    Invalid(Report),
    BadRequest(String),
    /// RFC 7644 §3.7.4: the payload is over a limit; the message names it.
    TooLarge(String),
    /// The resource exists, but not in the representation asked for.
    NotAcceptable(String),
    /// Something on our side or the upstream's failed; the message is safe to show.
    Upstream(String),
    Internal(String),
}

/// Which API a route belongs to, so its errors keep that API's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Face {
    /// SCIM and muster's own routes.
    Scim,
    /// The JumpCloud-compatible routes under `/api/v2`.
    Jumpcloud,
}

impl ApiError {
    pub(crate) fn into_response(self) -> Result<Response> {
        self.render(Face::Scim)
    }

    pub(crate) fn render(mut self, face: Face) -> Result<Response> {
        // The checks keep no more than this already; a report from elsewhere is held to it here.
        if let ApiError::Invalid(report) = &mut self {
            report.diagnostics.truncate(LISTED_FINDINGS);
        }
        let (status, message) = (self.status(), self.message());
        let body = match (face, self) {
            (Face::Scim, ApiError::Invalid(report)) => json!({
                "schemas": [SCIM_ERROR_URN], "status": status.to_string(), "detail": message,
                "scimType": "invalidValue", "summary": report.summary, "diagnostics": report.diagnostics,
            }),
            (Face::Scim, ApiError::BadRequest(_)) => json!({
                "schemas": [SCIM_ERROR_URN], "status": status.to_string(), "detail": message, "scimType": "invalidSyntax",
            }),
            (Face::Scim, _) => json!({ "schemas": [SCIM_ERROR_URN], "status": status.to_string(), "detail": message }),
            (Face::Jumpcloud, ApiError::Invalid(report)) => json!({
                "code": status, "message": message, "status": grpc_status(status), "details": details(&report),
            }),
            (Face::Jumpcloud, _) => json!({ "code": status, "message": message, "status": grpc_status(status) }),
        };
        Ok(Response::from_json(&body)?.with_status(status))
    }

    fn status(&self) -> u16 {
        match self {
            ApiError::Unauthorized => 401,
            ApiError::NotFound => 404,
            ApiError::Invalid(_) | ApiError::BadRequest(_) => 400,
            ApiError::TooLarge(_) => 413,
            ApiError::NotAcceptable(_) => 406,
            ApiError::Upstream(_) => 502,
            ApiError::Internal(_) => 500,
        }
    }

    fn message(&self) -> String {
        match self {
            ApiError::Unauthorized => "Send a valid API key in `x-api-key` or `Authorization: Bearer`.".to_owned(),
            ApiError::NotFound => "No such resource.".to_owned(),
            ApiError::Invalid(report) => {
                let Summary { errors, warnings, .. } = report.summary;
                let listed = report.diagnostics.len() as u64;
                if listed >= errors + warnings {
                    format!("The request has {errors} error(s); every one is listed with where it is.")
                } else {
                    format!(
                        "The request has {errors} error(s) and {warnings} warning(s); the first {listed} are listed with where they are. Check the whole file with the upload page or `muster validate` to see every one."
                    )
                }
            }
            ApiError::BadRequest(detail)
            | ApiError::TooLarge(detail)
            | ApiError::NotAcceptable(detail)
            | ApiError::Upstream(detail) => detail.clone(),
            ApiError::Internal(detail) => {
                worker::console_error!("internal error: {detail}");
                "Internal error; the request was not processed.".to_owned()
            }
        }
    }
}

/// google.rpc status names, as JumpCloud's `Error.status` uses them.
fn grpc_status(status: u16) -> &'static str {
    match status {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        404 => "NOT_FOUND",
        406 => "FAILED_PRECONDITION",
        413 => "RESOURCE_EXHAUSTED",
        502 => "UNAVAILABLE",
        _ => "INTERNAL",
    }
}

/// One `ErrorDetails.details` entry per diagnostic: the element's index in the submitted array,
/// the field, and the message that says what to do.
fn details(report: &Report) -> Vec<Value> {
    report
        .diagnostics
        .iter()
        .map(|d| {
            let index = d.pointer.as_deref().and_then(|p| p.split('/').nth(1)).and_then(|i| i.parse::<u64>().ok());
            json!({
                "@type": "type.muster.dev/Diagnostic",
                "index": index, "field": d.field, "message": d.message,
                "code": d.code, "severity": d.severity, "pointer": d.pointer,
            })
        })
        .collect()
}

impl From<worker::Error> for ApiError {
    fn from(err: worker::Error) -> Self {
        ApiError::Internal(err.to_string())
    }
}

impl From<worker::KvError> for ApiError {
    fn from(err: worker::KvError) -> Self {
        ApiError::Internal(format!("KV: {err}"))
    }
}
