//! How a job's chunks are kept in KV: a page at a time, up to `PAGE_CHUNKS` consecutive chunks
//! (and `PAGE_BYTES`) in one value. Storing a job is then a write per page rather than per chunk,
//! and a run of chunks reads its input once. KV values may hold 25 MiB; bodies are capped at
//! 8 MiB, so a page always fits.

use muster::plan::Chunk;
use worker::KvStore;
use worker::kv::KvError;

/// As many chunks as one queue message runs back to back.
pub(crate) const PAGE_CHUNKS: usize = 16;
const PAGE_BYTES: usize = 8 * 1024 * 1024;

/// Consecutive chunks of a job, as read from one KV value.
pub(crate) struct Page {
    chunks: Vec<Chunk>,
}

impl Page {
    /// Takes chunk `n` out of the page, if the page holds it.
    pub(crate) fn take(&mut self, n: u32) -> Option<Chunk> {
        let i = self.chunks.iter().position(|c| c.index as u64 == u64::from(n))?;
        Some(self.chunks.swap_remove(i))
    }
}

/// A page as stored: an array of chunks, or one chunk (jobs written before pages held one chunk
/// per key). Told apart by the first character rather than by an untagged enum, which buffers the
/// whole value before it can choose: that made reading a 2,000-user page ~6× slower.
fn parse(text: &str) -> Result<Vec<Chunk>, serde_json::Error> {
    if text.trim_start().starts_with('[') {
        serde_json::from_str(text)
    } else {
        serde_json::from_str(text).map(|chunk| vec![chunk])
    }
}

/// The pages of a plan's chunks, in order: each a run of consecutive chunks.
pub(crate) fn layout(chunks: &[Chunk]) -> Vec<&[Chunk]> {
    let mut pages = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, chunk) in chunks.iter().enumerate() {
        if i > start && (i - start >= PAGE_CHUNKS || bytes + chunk.bytes > PAGE_BYTES) {
            pages.push(&chunks[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += chunk.bytes;
    }
    if start < chunks.len() {
        pages.push(&chunks[start..]);
    }
    pages
}

/// The first chunk of the page that holds chunk `n`, given each page's first chunk (none
/// recorded: a page per chunk).
pub(crate) fn page_of(firsts: &[u32], n: u32) -> u32 {
    match firsts.partition_point(|&first| first <= n) {
        0 => n,
        i => firsts[i - 1],
    }
}

/// Chunk `n`, from `cached` when it holds it, else from its page in KV (`key` names a page by its
/// first chunk). Hands back the page it came from, for the chunks after it.
pub(crate) async fn load(
    kv: &KvStore,
    key: impl Fn(u32) -> String,
    firsts: &[u32],
    n: u32,
    cached: Option<Page>,
) -> Result<(Option<Chunk>, Option<Page>), KvError> {
    if let Some(mut page) = cached
        && let Some(chunk) = page.take(n)
    {
        return Ok((Some(chunk), Some(page)));
    }
    let Some(text) = kv.get(&key(page_of(firsts, n))).text().await? else { return Ok((None, None)) };
    let mut page = Page { chunks: parse(&text)? };
    Ok((page.take(n), Some(page)))
}
