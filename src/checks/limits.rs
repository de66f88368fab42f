//! The upstream's bulk limits (RFC 7644 §3.7.4), checked only when a ServiceProviderConfig is given.

use super::{Ctx, push_token};
use crate::diag::Code;
use serde_json::Value;

pub(super) fn check_operation_count(count: usize, ctx: &mut Ctx<'_>) {
    let Some(max) = ctx.options.limits.as_ref().and_then(|l| l.max_operations) else {
        return;
    };
    if count as u64 > max {
        ctx.report(
            Code::BulkTooManyOperations,
            &"/Operations",
            Some("Operations"),
            format!(
                "The request has {count} operations; the upstream accepts at most {max} (maxOperations). Split it (`muster plan` does this, keeping bulkId references resolvable)."
            ),
        );
    }
}

pub(super) fn check_operation_sizes(operations: &[Value], ctx: &mut Ctx<'_>) {
    let Some(max) = ctx.options.limits.as_ref().and_then(|l| l.max_payload_size) else {
        return;
    };
    for (i, operation) in operations.iter().enumerate() {
        let size = serde_json::to_vec(operation).map_or(0, |v| v.len()) as u64;
        if size > max {
            ctx.report(
                Code::PlanOperationTooLarge,
                &push_token("/Operations", i),
                None,
                format!(
                    "Operation {} alone is {size} bytes; the upstream accepts at most {max} bytes per request (maxPayloadSize), so it can never be sent. Make it smaller, for example by splitting a large PATCH.",
                    i + 1
                ),
            );
        }
    }
}

pub(super) fn check_payload_size(size: usize, ctx: &mut Ctx<'_>) {
    if ctx.format.is_jumpcloud() {
        return;
    }
    let Some(max) = ctx.options.limits.as_ref().and_then(|l| l.max_payload_size) else {
        return;
    };
    if size as u64 > max {
        ctx.report(
            Code::BulkPayloadTooLarge,
            &"",
            None,
            format!(
                "The request is {size} bytes; the upstream accepts at most {max} bytes (maxPayloadSize). Split it into smaller requests (`muster plan` does this)."
            ),
        );
    }
}
