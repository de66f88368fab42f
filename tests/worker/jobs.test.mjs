// A large bulk request becomes a chunked job in workerd (KV + Queues): chunks run in order, later
// chunks resolve the ids earlier ones created, a reference cycle is closed with a follow-up PATCH,
// and everything is read back from the real scim2-server.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { jobEnded, randomKey, startScimServer, startWorker, tenant } from "../support/stack.mjs";
import { conforming } from "../support/openapi.mjs";

const KEY = randomKey();
const BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const USERS = 2000;

let scim;
let worker;

before(async () => {
  scim = await startScimServer();
  const upstream = { url: scim.url, token: scim.token, maxOperations: 400, maxPayloadSize: 1048576 };
  worker = await startWorker({ tenants: [tenant("acme", KEY, upstream)] });
});

after(async () => {
  await worker?.stop();
  await scim?.stop();
});

async function scimGet(path) {
  const res = await fetch(`${scim.url}${path}`, { headers: { authorization: `Bearer ${scim.token}` } });
  assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
  return res.json();
}

function request() {
  const group = (bulkId, displayName, members) => ({
    method: "POST", path: "/Groups", bulkId,
    data: { schemas: [GROUP], displayName, members: members.map((m) => ({ value: `bulkId:${m}` })) },
  });
  // Groups come first, so every reference points forward; two groups contain each other.
  const operations = [
    group("staff", "All staff", Array.from({ length: 1500 }, (_, i) => `u${i}`)),
    group("red", "Red team", ["blue", "u0"]),
    group("blue", "Blue team", ["red"]),
  ];
  for (let i = 0; i < USERS; i++) {
    const manager = i % 100 === 0 && i + 1 < USERS ? { manager: { value: `bulkId:u${i + 1}`, $ref: `../Users/bulkId:u${i + 1}` } } : {};
    operations.push({
      method: "POST", path: "/Users", bulkId: `u${i}`,
      data: { schemas: [USER, ENTERPRISE], userName: `job.user${i}`, [ENTERPRISE]: { employeeNumber: String(i).padStart(6, "0"), ...manager } },
    });
  }
  return { schemas: [BULK], Operations: operations };
}

test("a request over the upstream's limits runs as a chunked job and creates everything", { timeout: 300_000 }, async () => {
  // No Prefer header: it cannot fit one upstream request, so it becomes a job anyway.
  const res = await conforming(`${worker.url}/scim/v2/Bulk`, {
    method: "POST",
    headers: { "x-api-key": KEY, "content-type": "application/scim+json" },
    body: JSON.stringify(request()),
  });
  assert.equal(res.status, 202, await res.clone().text());
  const job = await res.json();
  assert.ok(job.chunks >= 5, `${job.chunks} chunks`);
  assert.equal(job.workUnitsCount, USERS + 3);

  const read = (path) => conforming(`${worker.url}${path}`, { headers: { "x-api-key": KEY } });
  const done = await jobEnded(read, job.id, { timeoutMs: 240_000, intervalMs: 500 });
  assert.equal(done.status, "finished", JSON.stringify(done));
  assert.equal(done.chunksDone, done.chunks);
  // The record shows progress, not how the job is stored (chunk sizes, pages, upstream parameters).
  assert.deepEqual(Object.keys(done).sort(), [
    "chunks", "chunksDone", "counts", "createdAt", "dialect", "id", "retries", "source", "status", "updatedAt", "workUnitsCount",
  ]);
  assert.equal(done.source, "json");
  // Every user and group created once, plus one follow-up PATCH closing the cycle.
  assert.deepEqual(done.counts, { created: USERS + 3, updated: 1, deleted: 0, failed: 0, notAttempted: 0 });

  const users = await scimGet(`/Users?count=1`);
  assert.equal(users.totalResults, USERS, "no user created twice, none missing");
  const byName = async (name) => (await scimGet(`/Users?filter=${encodeURIComponent(`userName eq "${name}"`)}`)).Resources[0];
  const [u0, u1] = [await byName("job.user0"), await byName("job.user1")];
  assert.equal(u0[ENTERPRISE].manager.value, u1.id, "a forward manager reference resolved to the real id");

  const group = async (name) => (await scimGet(`/Groups?filter=${encodeURIComponent(`displayName eq "${name}"`)}`)).Resources[0];
  const staff = await group("All staff");
  assert.equal(staff.members.length, 1500);
  assert.ok(staff.members.every((m) => !m.value.startsWith("bulkId:")), "ids carried from earlier chunks");
  assert.ok(staff.members.some((m) => m.value === u0.id));
  // Paged results, one per operation (users, groups and the follow-up PATCH), by arithmetic.
  const page = async (query) => conforming(`${worker.url}/jobs/${job.id}/results?${query}`, { headers: { "x-api-key": KEY } });
  const last = await (await page("limit=100&skip=1990")).json();
  assert.equal(last.total, USERS + 4);
  assert.equal(last.items.length, 14);
  assert.deepEqual(last.items.map((i) => i.index), Array.from({ length: 14 }, (_, k) => 1990 + k));
  assert.ok(last.items.every((i) => ["created", "updated"].includes(i.result.outcome)), JSON.stringify(last.items));
  const first = await (await page("limit=3")).json();
  assert.deepEqual([first.skip, first.limit, first.items.length], [0, 3, 3]);
  assert.equal(first.items[0].result.outcome, "created");
  assert.ok(first.items[0].result.id);
  assert.deepEqual((await (await page("skip=5000")).json()).items, []);
  for (const bad of ["limit=0", "limit=101", "skip=-1", "limit=ten"]) {
    const res = await page(bad);
    assert.equal(res.status, 400, bad);
    assert.match((await res.json()).detail, /limit|skip/);
  }

  const [red, blue] = [await group("Red team"), await group("Blue team")];
  assert.deepEqual(blue.members.map((m) => m.value), [red.id]);
  assert.deepEqual(new Set(red.members.map((m) => m.value)), new Set([blue.id, u0.id]), "the cycle closed by the follow-up PATCH");
});
