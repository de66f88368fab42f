//! Request bodies read up to a limit. Past it, the rest is read and dropped, not kept: a body of
//! any size costs the isolate no more memory than the limit (`req.bytes()` would hold all of it,
//! twice, in JS and in wasm, before its size could be checked), and the answer still comes after
//! the whole request (answering first makes the server drop the connection, and the client's
//! next request on it fails).

use futures_util::StreamExt;
use worker::Request;

/// A JSON body (a bulk request, a JumpCloud users array) above this is refused before parsing.
/// Parsed, it is held as JSON values while checked and planned: an 8 MiB SCIM request of 33,000
/// operations grew the npm build's wasm memory to about 100 MiB (`validate` then `plan`), near
/// the 128 MB an isolate has for all the requests it serves; 4 MiB leaves room for two at once.
pub(crate) const MAX_JSON_BYTES: usize = 4 * 1024 * 1024;

/// The body, or `Err(size)`, the body's size in bytes, when it is bigger than `limit`.
pub(crate) async fn read_up_to(req: &mut Request, limit: usize) -> worker::Result<Result<Vec<u8>, u64>> {
    // A request without a body (none was sent) has nothing to stream.
    if req.inner().body().is_none() {
        return Ok(Ok(Vec::new()));
    }
    let mut stream = req.stream()?;
    let (mut body, mut size) = (Vec::new(), 0u64);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        size = size.saturating_add(chunk.len() as u64);
        if size <= limit as u64 {
            body.extend_from_slice(&chunk);
        } else if body.capacity() > 0 {
            body = Vec::new();
        }
    }
    Ok(if size > limit as u64 { Err(size) } else { Ok(body) })
}
