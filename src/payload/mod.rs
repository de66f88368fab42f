//! Stage 5: the bodies muster sends upstream, as serde types. Unknown fields survive a round trip.

pub mod convert;
pub mod jumpcloud;
pub mod oracle;
pub mod scim;

use crate::options::Format;
use serde_json::Value;

/// A `target` body of these elements: a bulk request of these operations (with Oracle HCM's URN
/// for Oracle), or JumpCloud's array of users.
pub(crate) fn body(target: Format, elements: Vec<Value>) -> Value {
    if target.is_jumpcloud() {
        return Value::Array(elements);
    }
    let urn = if target == Format::Oracle { oracle::BULK_REQUEST_URN } else { scim::BULK_REQUEST_URN };
    object([("schemas", Value::Array(vec![urn.into()])), ("Operations", Value::Array(elements))])
}

/// The elements of a body [`body`] wrote: a bulk request's operations, or a JumpCloud users array.
pub(crate) fn elements_mut(body: &mut Value) -> Option<&mut Vec<Value>> {
    match body {
        Value::Array(elements) => Some(elements),
        Value::Object(request) => request.get_mut("Operations").and_then(Value::as_array_mut),
        _ => None,
    }
}

/// A JSON object from owned members. `json!` copies every interpolated `Value` by serialising it
/// again, which was a quarter of the time spent writing a spreadsheet's body.
pub(crate) fn object<const N: usize>(members: [(&str, Value); N]) -> Value {
    Value::Object(members.into_iter().map(|(key, value)| (key.to_owned(), value)).collect())
}
