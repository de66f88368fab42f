// Upstream trouble during a job: 429 with Retry-After, a 500, a connection dropped after the
// upstream applied a chunk, and a stricter limit than advertised (413). The job still completes,
// every operation has exactly one final outcome, and no user exists twice. An upstream that
// never answers is given up on after the tenant's timeoutSeconds and treated the same way.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startFaultProxy } from "../support/faults.mjs";
import { jobEnded, randomKey, startScimServer, startWorker, tenant } from "../support/stack.mjs";
import { conforming } from "../support/openapi.mjs";

const KEY = randomKey();
const USERS = 250;
let scim;
let proxy;
let worker;

before(async () => {
  scim = await startScimServer();
  proxy = await startFaultProxy(scim.url, {
    faults: [{ status: 429, retryAfter: 1 }, { status: 500 }, { drop: "after" }],
    maxOperations: 60, // the upstream says 100 but refuses more than 60
  });
  const upstream = { url: proxy.url, token: scim.token, maxOperations: 100, maxPayloadSize: 1048576 };
  worker = await startWorker({ tenants: [tenant("acme", KEY, upstream)] });
});

/** The arguments of a fetch submitting `n` new users as an asynchronous SCIM bulk job. */
function asyncJob(base, key, n, prefix) {
  const operations = Array.from({ length: n }, (_, i) => ({
    method: "POST",
    path: "/Users",
    bulkId: `u${i}`,
    data: { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: `${prefix}${i}` },
  }));
  const body = JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], Operations: operations });
  return [`${base}/scim/v2/Bulk`, { method: "POST", headers: { "x-api-key": key, prefer: "respond-async" }, body }];
}

/** `GET {base}{path}` with `key`, through `get` (fetch, or `conforming` to check the answer too). */
const reader = (base, key, get = fetch) => (path) => get(`${base}${path}`, { headers: { "x-api-key": key } });

after(async () => {
  await worker?.stop();
  await proxy?.stop();
  await scim?.stop();
});

test("retries, re-chunking and an ambiguous failure end with each user created exactly once", { timeout: 180_000 }, async () => {
  const res = await conforming(...asyncJob(worker.url, KEY, USERS, "fault.user"));
  assert.equal(res.status, 202);
  const { id, chunks } = await res.json();
  assert.equal(chunks, 3);

  const done = await jobEnded(reader(worker.url, KEY, conforming), id, { timeoutMs: 150_000, intervalMs: 500 });
  assert.equal(done.status, "finished", `${JSON.stringify(done)}\nproxy: ${proxy.log.join(" | ")}`);
  assert.deepEqual(done.counts, { created: USERS, updated: 0, deleted: 0, failed: 0, notAttempted: 0 });
  assert.equal(done.retries, 3, "the 429, the 500 and the dropped answer were each tried again, and counted");

  // The faults really happened, in order (each attempt was first refused as too large and split),
  // and after the dropped answer only the 50 users the upstream had not yet seen were sent again.
  const trail = proxy.log.join(" | ");
  const faults = proxy.log.filter((entry) => !entry.startsWith("413"));
  assert.deepEqual(faults.slice(0, 4), ["429", "500", "dropped after the upstream answered 200", "200 (50 operations)"], trail);
  assert.ok(proxy.log.includes("413 (100 operations)"), trail);
  // Lookups (20 users per filter, so 5 per 100-operation chunk) only where the upstream may have
  // applied something: after the 500 and after the lost answer. Not after the 429, which says
  // nothing was done, and not for the chunk waiting behind them.
  assert.equal(proxy.stats.lookups, 10, trail);
  assert.ok(!proxy.log.some((entry) => /^\d+ \((6[1-9]|[7-9]\d|100) operations\)$/.test(entry) && !entry.startsWith("413")), trail);

  const list = await (await fetch(`${scim.url}/Users?count=1`, { headers: { authorization: `Bearer ${scim.token}` } })).json();
  assert.equal(list.totalResults, USERS, "no user created twice");

  // Every operation has exactly one final result, with the id the upstream gave it.
  const { results } = await (await conforming(`${worker.url}/jobs/${id}/results`, { headers: { "x-api-key": KEY } })).json();
  const answered = results.flatMap((r) => r.response.Operations);
  assert.equal(answered.length, USERS);
  assert.equal(new Set(answered.map((o) => o.bulkId)).size, USERS);
  assert.ok(answered.every((o) => o.status === "201" && o.location));
});

test("an upstream that applies a chunk and never answers is given up on after timeoutSeconds, looked up, not repeated", { timeout: 120_000 }, async () => {
  const upstream = await startScimServer();
  const hanging = await startFaultProxy(upstream.url, { faults: [{ hang: "after" }] });
  const key = randomKey();
  const slowWorker = await startWorker({
    tenants: [tenant("slow", key, { url: hanging.url, token: upstream.token, maxOperations: 100, timeoutSeconds: 2 })],
  });
  try {
    const res = await fetch(...asyncJob(slowWorker.url, key, 5, "hang.user"));
    assert.equal(res.status, 202);
    const { id } = await res.json();
    const done = await jobEnded(reader(slowWorker.url, key), id);
    const trail = hanging.log.join(" | ");
    assert.equal(done.status, "finished", `${JSON.stringify(done)}\nproxy: ${trail}`);
    assert.equal(done.counts.created, 5);
    assert.ok(done.retries >= 1, JSON.stringify(done));
    assert.equal(hanging.log[0], "hung after the upstream answered 200", trail);
    assert.ok(hanging.stats.lookups >= 1, "looked up before sending again");
    const list = await (await fetch(`${upstream.url}/Users?count=1`, { headers: { authorization: `Bearer ${upstream.token}` } })).json();
    assert.equal(list.totalResults, 5, "the users the hung request created were found, not created again");
  } finally {
    await slowWorker.stop();
    await hanging.stop();
    await upstream.stop();
  }
});

test("a retry in the middle of a run keeps the counts of the chunks before it", { timeout: 120_000 }, async () => {
  // A run writes the job record at most once a second; a chunk refused mid-run (here the fourth
  // of six, within the run's first second) must not lose the counts of the three before it.
  const upstream = await startScimServer();
  const flaky = await startFaultProxy(upstream.url, { faults: [{}, {}, {}, { status: 503 }] });
  const key = randomKey();
  const flakyWorker = await startWorker({
    tenants: [tenant("flaky", key, { url: flaky.url, token: upstream.token, maxOperations: 10 })],
  });
  try {
    const res = await fetch(...asyncJob(flakyWorker.url, key, 60, "mid.user"));
    assert.equal(res.status, 202);
    const { id, chunks } = await res.json();
    assert.equal(chunks, 6);
    const done = await jobEnded(reader(flakyWorker.url, key), id);
    const trail = flaky.log.join(" | ");
    assert.equal(flaky.log[3], "503", trail);
    assert.equal(done.status, "finished", `${JSON.stringify(done)}\nproxy: ${trail}`);
    assert.deepEqual(done.counts, { created: 60, updated: 0, deleted: 0, failed: 0, notAttempted: 0 });
    assert.equal(done.chunksDone, 6);
    assert.equal(done.retries, 1);
  } finally {
    await flakyWorker.stop();
    await flaky.stop();
    await upstream.stop();
  }
});
