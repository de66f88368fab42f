//! SCIM 2.0 messages and resources (RFC 7643, RFC 7644 §3.5.2, §3.7, §3.12).
//!
//! Muster emits these strictly (string `status`, the BulkRequest URN, PatchOp `data`) and reads them
//! tolerantly: a `status` may come as `"201"`, `201` or `{"code": …}`, and `response` as an object or
//! a JSON string. Every struct keeps fields it does not model in `extra`, so a round trip loses nothing.

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

pub const BULK_REQUEST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
pub const BULK_RESPONSE_URN: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";
pub const PATCH_OP_URN: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
pub const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE_USER_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// RFC 7644 §3.7.2: a reference to a resource created in the same bulk request.
pub const BULK_ID_PREFIX: &str = "bulkId:";

/// A bulk request (RFC 7644 §3.7).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BulkRequest {
    #[serde(default)]
    pub schemas: Vec<String>,
    /// Never sent when unset: peers disagree on what 0 or a negative value means.
    #[serde(rename = "failOnErrors")]
    pub fail_on_errors: Option<u32>,
    #[serde(rename = "Operations", default)]
    pub operations: Vec<Operation>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl BulkRequest {
    /// A request with the RFC URN and the given operations.
    pub fn new(operations: Vec<Operation>) -> Self {
        BulkRequest { schemas: vec![BULK_REQUEST_URN.to_owned()], operations, ..Default::default() }
    }
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// One operation of a bulk request.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    pub method: Method,
    #[serde(rename = "bulkId")]
    pub bulk_id: Option<String>,
    pub version: Option<String>,
    pub path: String,
    pub data: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A bulk response (RFC 7644 §3.7.3).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BulkResponse {
    #[serde(default)]
    pub schemas: Vec<String>,
    #[serde(rename = "Operations", default)]
    pub operations: Vec<OperationResponse>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The outcome of one operation, as a server reported it.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationResponse {
    pub method: Option<Method>,
    #[serde(rename = "bulkId")]
    pub bulk_id: Option<String>,
    pub version: Option<String>,
    /// Absent for failed POSTs, and sometimes relative.
    pub location: Option<String>,
    pub status: Status,
    /// The error (or, rarely, the resource); some servers send it as a JSON string.
    #[serde(default, deserialize_with = "object_or_json_string", skip_serializing_if = "Option::is_none")]
    pub response: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl OperationResponse {
    /// The `response` read as a SCIM error, when it is one.
    pub fn error(&self) -> Option<ScimError> {
        self.response.as_ref().and_then(|r| ScimError::deserialize(r).ok())
    }

    /// The created or changed resource's id: the last segment of `location`.
    pub fn resource_id(&self) -> Option<&str> {
        let location = self.location.as_deref()?.trim_end_matches('/');
        location.rsplit('/').next().filter(|id| !id.is_empty())
    }
}

/// An HTTP status code. Written as a JSON string (RFC 7644 §3.12); read from a string, a number or
/// an object `{"code": …}` (Oracle HCM, WSO2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Status(pub u16);

impl Status {
    pub fn is_success(self) -> bool {
        (200..300).contains(&self.0)
    }
}

impl Serialize for Status {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        fn from_value<E: de::Error>(value: &Value) -> Result<Status, E> {
            let code = match value {
                Value::String(s) => s.trim().parse::<u16>().ok(),
                Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
                Value::Object(o) => {
                    return o.get("code").map_or(Err(E::missing_field("code")), from_value);
                }
                _ => None,
            };
            code.filter(|c| (100..600).contains(c))
                .map(Status)
                .ok_or_else(|| E::custom(format!("not an HTTP status: {value}")))
        }
        from_value(&Value::deserialize(d)?)
    }
}

fn object_or_json_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(text)) => Some(serde_json::from_str(&text).unwrap_or(Value::String(text))),
        other => other,
    })
}

/// An error body (RFC 7644 §3.12).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScimError {
    #[serde(default)]
    pub schemas: Vec<String>,
    pub status: Status,
    #[serde(rename = "scimType")]
    pub scim_type: Option<String>,
    pub detail: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ScimError {
    pub fn new(status: u16, scim_type: Option<&str>, detail: impl Into<String>) -> Self {
        ScimError {
            schemas: vec![ERROR_URN.to_owned()],
            status: Status(status),
            scim_type: scim_type.map(str::to_owned),
            detail: Some(detail.into()),
            extra: Map::new(),
        }
    }
}

/// A PATCH body (RFC 7644 §3.5.2), carried as a bulk operation's `data`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchOp {
    #[serde(default)]
    pub schemas: Vec<String>,
    #[serde(rename = "Operations")]
    pub operations: Vec<PatchOperation>,
}

impl PatchOp {
    pub fn new(operations: Vec<PatchOperation>) -> Self {
        PatchOp { schemas: vec![PATCH_OP_URN.to_owned()], operations }
    }

    /// Sets what `user` holds and leaves everything else as it is (RFC 7644 §3.5.2). A pathless
    /// `replace` would not: it replaces each multi-valued attribute whole, so a sheet's work email
    /// would drop the user's home email. So each attribute gets a path of its own:
    /// - a sub-attribute (`name.givenName`, `urn:…:User:employeeNumber`) or a single value is
    ///   replaced by path (a missing one is added, §3.5.2.3);
    /// - each typed value of a multi-valued attribute (the work email) replaces the values of its
    ///   type: `remove emails[type eq "work"]`, then one `add` of the new values. A `replace` by
    ///   that filter would fail with `noTarget` where the user has no value of the type yet.
    pub fn setting(user: Map<String, Value>) -> Self {
        let mut removes = Vec::new();
        let mut added = Map::new();
        let mut replaces = Vec::new();
        let replace = |path: String, value: Value| PatchOperation {
            op: PatchOpKind::Replace,
            path: Some(path),
            value: Some(value),
        };
        for (name, value) in user {
            match value {
                // An extension's attributes follow its URN after a colon, a complex attribute's
                // sub-attributes after a dot. The enterprise manager, complex itself, is replaced
                // as a whole.
                Value::Object(parts) => {
                    let joint = if name.starts_with("urn:") { ':' } else { '.' };
                    replaces
                        .extend(parts.into_iter().map(|(part, value)| replace(format!("{name}{joint}{part}"), value)));
                }
                Value::Array(values) => {
                    for kind in values.iter().filter_map(|v| v.get("type")?.as_str()) {
                        let quoted = kind.replace('\\', "\\\\").replace('"', "\\\"");
                        let filter = format!("{name}[type eq \"{quoted}\"]");
                        if !removes.iter().any(|r: &PatchOperation| r.path.as_deref() == Some(filter.as_str())) {
                            removes.push(PatchOperation { op: PatchOpKind::Remove, path: Some(filter), value: None });
                        }
                    }
                    added.insert(name, Value::Array(values));
                }
                other => replaces.push(replace(name, other)),
            }
        }
        let mut operations = removes;
        if !added.is_empty() {
            operations.push(PatchOperation { op: PatchOpKind::Add, path: None, value: Some(Value::Object(added)) });
        }
        operations.extend(replaces);
        PatchOp::new(operations)
    }
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PatchOpKind {
    Add,
    Remove,
    Replace,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchOperation {
    pub op: PatchOpKind,
    pub path: Option<String>,
    pub value: Option<Value>,
}

/// A User (RFC 7643 §4.1) with the enterprise extension (§4.3).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    #[serde(default)]
    pub schemas: Vec<String>,
    pub id: Option<String>,
    pub external_id: Option<String>,
    pub user_name: Option<String>,
    pub name: Option<Name>,
    pub display_name: Option<String>,
    pub nick_name: Option<String>,
    pub title: Option<String>,
    pub user_type: Option<String>,
    pub preferred_language: Option<String>,
    pub locale: Option<String>,
    pub timezone: Option<String>,
    pub active: Option<bool>,
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<MultiValued>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phone_numbers: Vec<MultiValued>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<Address>,
    #[serde(rename = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")]
    pub enterprise: Option<EnterpriseUser>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Name {
    pub formatted: Option<String>,
    pub family_name: Option<String>,
    pub given_name: Option<String>,
    pub middle_name: Option<String>,
    pub honorific_prefix: Option<String>,
    pub honorific_suffix: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A multi-valued attribute value: an email or a phone number.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MultiValued {
    pub value: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub primary: Option<bool>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub formatted: Option<String>,
    pub street_address: Option<String>,
    pub locality: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    pub primary: Option<bool>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The enterprise User extension (RFC 7643 §4.3).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnterpriseUser {
    pub employee_number: Option<String>,
    pub cost_center: Option<String>,
    pub organization: Option<String>,
    pub division: Option<String>,
    pub department: Option<String>,
    pub manager: Option<Manager>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Manager {
    /// The manager's id, or `bulkId:…` for a manager created in the same request.
    pub value: Option<String>,
    #[serde(rename = "$ref")]
    pub reference: Option<String>,
    #[serde(rename = "displayName")]
    pub display_name: Option<String>,
}

/// A Group (RFC 7643 §4.2).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    #[serde(default)]
    pub schemas: Vec<String>,
    pub id: Option<String>,
    #[serde(default)]
    pub display_name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<Member>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub value: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(rename = "$ref")]
    pub reference: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The part of a ServiceProviderConfig (RFC 7643 §5) that bulk planning needs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceProviderConfig {
    #[serde(default)]
    pub bulk: BulkConfig,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `bulk` limits. Servers that do not support bulk often omit the limits: they are optional here.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct BulkConfig {
    #[serde(default)]
    pub supported: bool,
    pub max_operations: Option<u64>,
    pub max_payload_size: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_update_sets_each_value_by_path_and_each_typed_value_by_its_type() {
        let user = json!({
            "userName": "bjensen",
            "name": {"givenName": "Barbara"},
            "emails": [{"type": "work", "value": "b@example.com", "primary": true}, {"type": "say \"hi\"", "value": "c@example.com"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "42"}},
        });
        let Value::Object(user) = user else { unreachable!() };
        let patch = serde_json::to_value(PatchOp::setting(user)).unwrap();
        assert_eq!(
            patch["Operations"],
            json!([
                {"op": "remove", "path": "emails[type eq \"work\"]"},
                {"op": "remove", "path": "emails[type eq \"say \\\"hi\\\"\"]"},
                {"op": "add", "value": {"emails": [{"type": "work", "value": "b@example.com", "primary": true}, {"type": "say \"hi\"", "value": "c@example.com"}]}},
                {"op": "replace", "path": "name.givenName", "value": "Barbara"},
                {"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": {"value": "42"}},
                {"op": "replace", "path": "userName", "value": "bjensen"},
            ])
        );
    }

    #[test]
    fn status_reads_every_shape_servers_send_and_writes_a_string() {
        for raw in [json!("201"), json!(201), json!({"code": "201"}), json!({"code": 201, "description": "x"})] {
            let status: Status = serde_json::from_value(raw.clone()).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(status, Status(201));
        }
        assert!(serde_json::from_value::<Status>(json!("created")).is_err());
        assert!(serde_json::from_value::<Status>(json!(99)).is_err());
        assert_eq!(serde_json::to_value(Status(409)).ok(), Some(json!("409")));
    }

    #[test]
    fn a_response_given_as_a_json_string_is_read_as_an_error() {
        let op: OperationResponse = serde_json::from_value(json!({
            "method": "POST", "bulkId": "a", "status": {"code": 400},
            "response": "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:Error\"],\"status\":\"400\",\"detail\":\"bad\"}"
        }))
        .unwrap();
        let error = op.error().unwrap();
        assert_eq!((error.status, error.detail.as_deref()), (Status(400), Some("bad")));
        assert_eq!(op.resource_id(), None);
    }

    #[test]
    fn resource_id_comes_from_absolute_or_relative_locations() {
        for location in ["https://x.example/v2/Users/92b7", "/Users/92b7", "Users/92b7/"] {
            let op = OperationResponse {
                method: None,
                bulk_id: None,
                version: None,
                location: Some(location.to_owned()),
                status: Status(201),
                response: None,
                extra: Map::new(),
            };
            assert_eq!(op.resource_id(), Some("92b7"), "{location}");
        }
    }

    #[test]
    fn unknown_fields_survive_a_round_trip() {
        let raw = json!({
            "schemas": [USER_URN, ENTERPRISE_USER_URN], "userName": "bjensen", "x-custom": {"a": 1},
            "name": {"givenName": "Barbara", "nickname2": "B"},
            "emails": [{"value": "b@example.com", "type": "work", "primary": true, "display": "B"}],
            ENTERPRISE_USER_URN: {"employeeNumber": "701984", "manager": {"value": "26118915"}, "badge": 7}
        });
        let user: User = serde_json::from_value(raw.clone()).unwrap();
        assert_eq!(user.enterprise.as_ref().and_then(|e| e.employee_number.as_deref()), Some("701984"));
        assert_eq!(serde_json::to_value(&user).unwrap(), raw);

        let request = json!({"schemas": [BULK_REQUEST_URN], "failOnErrors": 1, "Operations": [
            {"method": "PATCH", "path": "/Users/1", "version": "W/\"3\"", "data": {}, "extension": true}
        ], "vendor": "x"});
        let parsed: BulkRequest = serde_json::from_value(request.clone()).unwrap();
        assert_eq!(serde_json::to_value(&parsed).unwrap(), request);
    }
}
