//! API keys → tenants. Keys are stored only as SHA-256 hashes, in the `MUSTER_TENANTS` secret,
//! next to each tenant's upstream; the comparison is constant-time.

use crate::error::ApiError;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use worker::{Env, Request};

const TENANTS_SECRET: &str = "MUSTER_TENANTS";

/// A tenant as configured in the secret. Tenant ids are `[a-z0-9-]`, so they are safe in KV keys.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Tenant {
    pub(crate) id: String,
    #[serde(rename = "keySha256")]
    key_sha256: String,
    pub(crate) upstream: Upstream,
}

/// The identity system behind a tenant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Kind {
    /// SCIM 2.0 Bulk (RFC 7644).
    #[default]
    Scim,
    /// Oracle HCM's SCIM flavour: the same `/Bulk`, its own User URN and type codes.
    Oracle,
    /// JumpCloud API v2 bulk user jobs (asynchronous; results are polled).
    Jumpcloud,
}

/// Where a tenant's jobs go. The token never leaves the Worker except towards this URL.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Upstream {
    #[serde(default)]
    pub(crate) kind: Kind,
    /// Base URL: of the SCIM service (`https://idp.example/scim/v2`), or JumpCloud's API v2
    /// (`https://console.jumpcloud.com/api/v2`).
    pub(crate) url: String,
    /// The SCIM bearer token, or the JumpCloud API key.
    pub(crate) token: Option<String>,
    /// JumpCloud `x-org-id`, for multi-tenant admins' keys; a client's own `x-org-id` wins.
    #[serde(rename = "orgId", default)]
    pub(crate) org_id: Option<String>,
    /// The upstream's bulk limits (its ServiceProviderConfig `bulk`); muster's conservative
    /// defaults when unset.
    #[serde(rename = "maxOperations", default)]
    pub(crate) max_operations: Option<u64>,
    #[serde(rename = "maxPayloadSize", default)]
    pub(crate) max_payload_size: Option<u64>,
    /// Seconds one upstream request may take; a slower one counts as a lost answer (looked up,
    /// then tried again). 60 when unset.
    #[serde(rename = "timeoutSeconds", default)]
    pub(crate) timeout_seconds: Option<u32>,
}

impl Upstream {
    /// How long one request may take, in milliseconds (1 s to 15 min).
    pub(crate) fn timeout_ms(&self) -> u32 {
        self.timeout_seconds.unwrap_or(60).clamp(1, 900) * 1000
    }

    pub(crate) fn limits(&self) -> muster::plan::Limits {
        let config = muster::payload::scim::BulkConfig {
            supported: true,
            max_operations: self.max_operations,
            max_payload_size: self.max_payload_size,
        };
        let mut limits = muster::plan::Limits::from_config(Some(&config));
        if self.kind == Kind::Jumpcloud && self.max_operations.is_none() {
            limits.max_operations = muster::plan::JUMPCLOUD_MAX_USERS;
        }
        limits
    }

    /// The base URL without a trailing slash, for joining paths to.
    pub(crate) fn base(&self) -> &str {
        self.url.trim_end_matches('/')
    }

    /// The dialect `POST /scim/v2/Bulk` payloads must follow for this upstream.
    pub(crate) fn scim_format(&self) -> Option<muster::Format> {
        match self.kind {
            Kind::Scim => Some(muster::Format::Scim),
            Kind::Oracle => Some(muster::Format::Oracle),
            Kind::Jumpcloud => None,
        }
    }
}

/// The tenant whose API key the request carries.
pub(crate) fn tenant_for(req: &Request, env: &Env) -> Result<Tenant, ApiError> {
    let key = presented_key(req).ok_or(ApiError::Unauthorized)?;
    let tenants = tenants(env)?;
    let digest = Sha256::digest(key.as_bytes());
    // Look at every tenant so the time taken does not depend on which one matched.
    let mut found = None;
    for tenant in tenants {
        let Ok(expected) = hex::decode(&tenant.key_sha256) else {
            continue;
        };
        if bool::from(expected.as_slice().ct_eq(digest.as_slice())) && valid_id(&tenant.id) {
            found = Some(tenant);
        }
    }
    found.ok_or(ApiError::Unauthorized)
}

/// The tenant a queued job belongs to, looked up again so credentials never travel in messages.
pub(crate) fn tenant_by_id(env: &Env, id: &str) -> Result<Tenant, ApiError> {
    tenants(env)?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| ApiError::Internal(format!("tenant {id} is no longer configured")))
}

fn tenants(env: &Env) -> Result<Vec<Tenant>, ApiError> {
    let secret = env
        .secret(TENANTS_SECRET)
        .map_err(|_| ApiError::Internal(format!("the {TENANTS_SECRET} secret is not set")))?;
    serde_json::from_str(&secret.to_string())
        .map_err(|err| ApiError::Internal(format!("{TENANTS_SECRET} is not valid JSON: {err}")))
}

fn presented_key(req: &Request) -> Option<String> {
    let headers = req.headers();
    if let Ok(Some(key)) = headers.get("x-api-key") {
        return Some(key);
    }
    let auth = headers.get("authorization").ok()??;
    let (scheme, token) = auth.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned())
}

fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}
