//! Stage 7: upstream answers → one outcome per submitted operation or user.
//!
//! SCIM: responses are matched to requests by `bulkId` when it is unique, else by position and
//! method; operations a server never reached (after a `failOnErrors` cut-off) are `NotAttempted`.
//! JumpCloud: results come back in any order, so they are matched by `meta.SystemUser` username,
//! then email; anything still `pending` stays pending.

use crate::payload::jumpcloud::JobWorkresult;
use crate::payload::scim::{BulkResponse, OperationResponse};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;

/// What happened to one operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "camelCase")]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub enum Outcome {
    Created {
        id: Option<String>,
    },
    Updated {
        id: Option<String>,
    },
    Deleted,
    Failed {
        status: Option<u16>,
        scim_type: Option<String>,
        message: String,
    },
    /// The upstream stopped before this operation (or never reported it).
    NotAttempted,
    /// The upstream has not finished it yet (JumpCloud jobs).
    Pending,
}

impl Outcome {
    pub fn is_final(&self) -> bool {
        !matches!(self, Outcome::Pending)
    }
}

/// Reads a SCIM BulkResponse (any of the shapes servers send) against the request it answers.
/// Returns one outcome per request operation, in request order.
pub fn reconcile_scim(request: &Value, response: &Value) -> Result<Vec<Outcome>, String> {
    let requests: &[Value] = request.get("Operations").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let response = BulkResponse::deserialize(response).map_err(|err| format!("not a bulk response: {err}"))?;

    let mut bulk_id_count: HashMap<&str, usize> = HashMap::new();
    for op in requests {
        if let Some(id) = op.get("bulkId").and_then(Value::as_str) {
            *bulk_id_count.entry(id).or_default() += 1;
        }
    }
    let mut outcomes: Vec<Option<Outcome>> = vec![None; requests.len()];
    for (position, answer) in response.operations.iter().enumerate() {
        let by_bulk_id = answer
            .bulk_id
            .as_deref()
            .filter(|id| bulk_id_count.get(id) == Some(&1))
            .and_then(|id| requests.iter().position(|op| op.get("bulkId").and_then(Value::as_str) == Some(id)));
        let same_method = |i: usize| {
            answer.method.is_none_or(|m| requests[i].get("method").and_then(Value::as_str) == Some(m.as_str()))
        };
        let by_position =
            (position < requests.len() && outcomes[position].is_none() && same_method(position)).then_some(position);
        let first_free = || (0..requests.len()).find(|&i| outcomes[i].is_none() && same_method(i));
        if let Some(i) = by_bulk_id.filter(|&i| outcomes[i].is_none()).or(by_position).or_else(first_free) {
            let method = requests[i].get("method").and_then(Value::as_str).unwrap_or("");
            outcomes[i] = Some(outcome_of(answer, method));
        }
    }
    Ok(outcomes.into_iter().map(|o| o.unwrap_or(Outcome::NotAttempted)).collect())
}

fn outcome_of(answer: &OperationResponse, method: &str) -> Outcome {
    if !answer.status.is_success() {
        let error = answer.error();
        let message = error
            .as_ref()
            .and_then(|e| e.detail.clone())
            .or_else(|| answer.response.as_ref().and_then(|r| r.as_str().map(str::to_owned)))
            .unwrap_or_else(|| format!("the upstream answered {}", answer.status.0));
        return Outcome::Failed { status: Some(answer.status.0), scim_type: error.and_then(|e| e.scim_type), message };
    }
    let id = answer.resource_id().map(str::to_owned);
    match method {
        "POST" => Outcome::Created { id },
        "DELETE" => Outcome::Deleted,
        _ => Outcome::Updated { id },
    }
}

/// Identifies a submitted JumpCloud user for matching.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Submitted {
    pub username: Option<String>,
    pub email: Option<String>,
    /// The user's ObjectId, for updates (which may carry neither username nor email).
    pub id: Option<String>,
}

impl Submitted {
    /// The identifying fields of one element of a JumpCloud bulk array.
    pub fn from_user(user: &Value) -> Submitted {
        let field = |name: &str| user.get(name).and_then(Value::as_str).map(str::to_owned);
        Submitted { username: field("username"), email: field("email"), id: field("id") }
    }
}

/// For each submitted user, the index of its result in `results`: by `meta.SystemUser` username,
/// then email (both case-insensitively), then ObjectId (`_id` or `id`). Results arrive in any order.
pub fn match_jumpcloud(submitted: &[Submitted], results: &[JobWorkresult]) -> Vec<Option<usize>> {
    let key = |s: &str| s.trim().to_lowercase();
    let mut by_username: HashMap<String, usize> = HashMap::new();
    let mut by_email: HashMap<String, usize> = HashMap::new();
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    for (i, s) in submitted.iter().enumerate() {
        if let Some(u) = &s.username {
            by_username.entry(key(u)).or_insert(i);
        }
        if let Some(e) = &s.email {
            by_email.entry(key(e)).or_insert(i);
        }
        if let Some(id) = &s.id {
            by_id.entry(id.as_str()).or_insert(i);
        }
    }
    let mut matched = vec![None; submitted.len()];
    for (r, result) in results.iter().enumerate() {
        let index = result
            .system_user("username")
            .and_then(|u| by_username.get(&key(u)))
            .or_else(|| result.system_user("email").and_then(|e| by_email.get(&key(e))))
            .or_else(|| result.system_user("_id").or(result.system_user("id")).and_then(|id| by_id.get(id)));
        if let Some(&i) = index {
            matched[i] = Some(r);
        }
    }
    matched
}

/// Matches JumpCloud job results to the submitted users ([`match_jumpcloud`]), one outcome per
/// submitted user. Users with no result yet are `Pending`.
pub fn reconcile_jumpcloud(submitted: &[Submitted], results: &[JobWorkresult], creating: bool) -> Vec<Outcome> {
    match_jumpcloud(submitted, results)
        .into_iter()
        .map(|found| found.map_or(Outcome::Pending, |r| jumpcloud_outcome(&results[r], creating)))
        .collect()
}

/// One JumpCloud work result as an outcome: `finished` is success, `pending` is not done yet, and
/// any other status is a failure (JumpCloud documents no list of them).
pub fn jumpcloud_outcome(result: &JobWorkresult, creating: bool) -> Outcome {
    if result.is_pending() {
        Outcome::Pending
    } else if result.is_finished() {
        let id = result.system_user("_id").or(result.system_user("id")).map(str::to_owned);
        if creating { Outcome::Created { id } } else { Outcome::Updated { id } }
    } else {
        let message = result.status_msg.clone().unwrap_or_else(|| format!("JumpCloud reported {}", result.status));
        Outcome::Failed { status: None, scim_type: None, message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request() -> Value {
        json!({"Operations": [
            {"method": "POST", "path": "/Users", "bulkId": "a", "data": {}},
            {"method": "PUT", "path": "/Users/b7c1", "data": {}},
            {"method": "POST", "path": "/Users", "bulkId": "c", "data": {}},
            {"method": "DELETE", "path": "/Users/e9e3"}
        ]})
    }

    #[test]
    fn reads_mixed_status_shapes_and_marks_the_unreached_not_attempted() {
        // failOnErrors 1: the server stopped after the second operation failed.
        let response = json!({"Operations": [
            {"method": "POST", "bulkId": "a", "location": "https://x/v2/Users/92b7", "status": {"code": "201"}},
            {"method": "PUT", "location": "/Users/b7c1", "status": 412,
             "response": "{\"status\": \"412\", \"detail\": \"Resource has changed\"}"}
        ]});
        let outcomes = reconcile_scim(&request(), &response).unwrap();
        assert_eq!(
            outcomes,
            vec![
                Outcome::Created { id: Some("92b7".to_owned()) },
                Outcome::Failed { status: Some(412), scim_type: None, message: "Resource has changed".to_owned() },
                Outcome::NotAttempted,
                Outcome::NotAttempted,
            ]
        );
    }

    #[test]
    fn matches_by_bulk_id_when_the_server_reorders() {
        let response = json!({"Operations": [
            {"method": "DELETE", "location": "/Users/e9e3", "status": "204"},
            {"method": "POST", "bulkId": "c", "status": "409",
             "response": {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "409", "scimType": "uniqueness", "detail": "taken"}},
            {"method": "POST", "bulkId": "a", "location": "/Users/1", "status": "201"},
            {"method": "PUT", "location": "/Users/b7c1", "status": "200"}
        ]});
        let outcomes = reconcile_scim(&request(), &response).unwrap();
        assert_eq!(outcomes[0], Outcome::Created { id: Some("1".to_owned()) });
        assert_eq!(outcomes[1], Outcome::Updated { id: Some("b7c1".to_owned()) });
        assert!(
            matches!(&outcomes[2], Outcome::Failed { status: Some(409), scim_type: Some(t), .. } if t == "uniqueness")
        );
        assert_eq!(outcomes[3], Outcome::Deleted);
    }

    #[test]
    fn jumpcloud_results_match_by_username_then_email_in_any_order() {
        let submitted = vec![
            Submitted { username: Some("jdoe".to_owned()), email: Some("jdoe@example.com".to_owned()), id: None },
            Submitted { username: Some("asmith".to_owned()), email: Some("asmith@example.com".to_owned()), id: None },
            Submitted { username: Some("bwayne".to_owned()), email: Some("b@example.com".to_owned()), id: None },
        ];
        let results: Vec<JobWorkresult> = serde_json::from_value(json!([
            {"status": "failed", "statusMsg": "email already in use", "meta": {"SystemUser": {"email": "ASmith@example.com"}}},
            {"status": "finished", "meta": {"SystemUser": {"username": "JDoe", "_id": "5f0c1b2e3d4a5b6c7d8e9f01"}}},
            {"status": "pending", "meta": {"SystemUser": {"username": "bwayne"}}}
        ]))
        .unwrap();
        let outcomes = reconcile_jumpcloud(&submitted, &results, true);
        assert_eq!(outcomes[0], Outcome::Created { id: Some("5f0c1b2e3d4a5b6c7d8e9f01".to_owned()) });
        assert_eq!(
            outcomes[1],
            Outcome::Failed { status: None, scim_type: None, message: "email already in use".to_owned() }
        );
        assert_eq!(outcomes[2], Outcome::Pending);
    }

    #[test]
    fn jumpcloud_updates_match_by_object_id() {
        let submitted = vec![Submitted::from_user(&json!({"id": "5f0c1b2e3d4a5b6c7d8e9f01", "department": "Ops"}))];
        let results: Vec<JobWorkresult> = serde_json::from_value(json!([
            {"status": "finished", "meta": {"SystemUser": {"_id": "5f0c1b2e3d4a5b6c7d8e9f01", "username": "jdoe"}}}
        ]))
        .unwrap();
        assert_eq!(match_jumpcloud(&submitted, &results), [Some(0)]);
        assert_eq!(
            reconcile_jumpcloud(&submitted, &results, false),
            [Outcome::Updated { id: Some("5f0c1b2e3d4a5b6c7d8e9f01".to_owned()) }]
        );
    }
}
