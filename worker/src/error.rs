//! Errors a route can answer with, rendered in RFC 7644 §3.12 form. Internal detail stays in logs.

use muster::Report;
use serde_json::json;
use worker::{Response, Result};

pub(crate) const SCIM_ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

#[derive(Debug)]
pub(crate) enum ApiError {
    Unauthorized,
    NotFound,
    /// The payload broke muster's rules; every diagnostic goes back to the client.
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

impl ApiError {
    pub(crate) fn into_response(self) -> Result<Response> {
        let (status, detail, extra) = match self {
            ApiError::Unauthorized => {
                (401, "Send a valid API key in `x-api-key` or `Authorization: Bearer`.".to_owned(), json!({}))
            }
            ApiError::NotFound => (404, "No such resource.".to_owned(), json!({})),
            ApiError::Invalid(report) => (
                400,
                format!("The request has {} error(s); see `diagnostics`.", report.summary.errors),
                json!({ "scimType": "invalidValue", "diagnostics": report.diagnostics }),
            ),
            ApiError::BadRequest(detail) => (400, detail, json!({ "scimType": "invalidSyntax" })),
            ApiError::TooLarge(detail) => (413, detail, json!({})),
            ApiError::NotAcceptable(detail) => (406, detail, json!({})),
            ApiError::Upstream(detail) => (502, detail, json!({})),
            ApiError::Internal(detail) => {
                worker::console_error!("internal error: {detail}");
                (500, "Internal error; the request was not processed.".to_owned(), json!({}))
            }
        };
        let mut body = json!({ "schemas": [SCIM_ERROR_URN], "status": status.to_string(), "detail": detail });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        Ok(Response::from_json(&body)?.with_status(status))
    }
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
