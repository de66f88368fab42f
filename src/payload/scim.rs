//! SCIM 2.0 Bulk messages (RFC 7644 §3.7).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub const BULK_REQUEST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
pub const BULK_RESPONSE_URN: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

/// A bulk request envelope.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BulkRequest {
    #[serde(default)]
    pub schemas: Vec<String>,
    #[serde(rename = "failOnErrors", skip_serializing_if = "Option::is_none")]
    pub fail_on_errors: Option<Value>,
    #[serde(rename = "Operations", default)]
    pub operations: Vec<Operation>,
    /// Fields muster does not model, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One operation of a bulk request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    #[serde(default)]
    pub method: String,
    #[serde(rename = "bulkId", skip_serializing_if = "Option::is_none")]
    pub bulk_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default)]
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
