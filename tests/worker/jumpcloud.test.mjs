// The JumpCloud-compatible routes under /api/v2, in workerd (KV + Queues), against the JumpCloud
// test double (tests/support/jumpcloud-double.mjs: JumpCloud cannot run here; the double is built
// from JumpCloud's spec). Every answer from the Worker is checked against /openapi.json.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startJumpcloudDouble } from "../support/jumpcloud-double.mjs";
import { conforming } from "../support/openapi.mjs";
import { jobEnded, randomKey, startWorker, tenant, waitFor } from "../support/stack.mjs";

const KEY = randomKey();
const SCIM_KEY = randomKey();
const UPSTREAM_KEY = randomKey();
const USERS = 120;

let double;
let worker;

before(async () => {
  // The first two submissions are refused (throttled, then a server error): the job must retry.
  double = await startJumpcloudDouble({ apiKey: UPSTREAM_KEY, orgId: "org-1", pendingPolls: 1, faults: [429, 500] });
  const upstream = { kind: "jumpcloud", url: double.url, token: UPSTREAM_KEY, orgId: "org-1", maxOperations: 50 };
  worker = await startWorker({
    tenants: [tenant("acme", KEY, upstream), tenant("other", SCIM_KEY, { url: "http://127.0.0.1:9/v2" })],
  });
});

after(async () => {
  await worker?.stop();
  await double?.stop();
});

const api = (path, init = {}, key = KEY) =>
  conforming(`${worker.url}/api/v2${path}`, {
    ...init,
    headers: { "x-api-key": key, "content-type": "application/json", ...init.headers },
  });

const finished = (jobId) => jobEnded(api, jobId, { timeoutMs: 90_000 });

const newHire = (i) => ({
  username: `jc.user${i}`,
  email: `jc.user${i}@example.com`,
  firstname: "Given",
  lastname: `Family${i}`,
  employeeIdentifier: String(i).padStart(6, "0"),
  attributes: [{ name: "costCenter", value: "4130" }],
});

test("a create job is validated, chunked, retried, polled and matched back to each user", { timeout: 120_000 }, async () => {
  // Someone already holds this username upstream: that one user must fail, the rest succeed.
  double.users.set("5f0c1b2e3d4a5b6c7d8e9f00", { _id: "5f0c1b2e3d4a5b6c7d8e9f00", username: "jc.user7", email: "old@example.com" });
  const users = Array.from({ length: USERS }, (_, i) => newHire(i));
  const res = await api("/bulk/users?suppressEmail=true", {
    method: "POST",
    headers: { "creation-source": "jumpcloud:bulk" },
    body: JSON.stringify(users),
  });
  assert.equal(res.status, 201);
  const { jobId } = await res.json();

  const job = await finished(jobId);
  assert.equal(job.status, "partial");
  assert.equal(job.workUnitsCount, USERS);
  assert.deepEqual(job.counts, { created: USERS - 1, updated: 0, deleted: 0, failed: 1, notAttempted: 0 });

  // Three chunks of at most 50, after a 429 and a 500; headers and query passed on.
  const submissions = double.seen.filter((r) => r.method === "POST" && r.path === "/api/v2/bulk/users");
  assert.equal(submissions.length, 5);
  assert.ok(submissions.every((s) => s.creationSource === "jumpcloud:bulk" && s.orgId === "org-1" && s.query.suppressEmail === "true"));
  for (let i = 0; i < USERS; i++) {
    assert.equal(double.findUsers(`jc.user${i}`).length, 1, `jc.user${i} exists exactly once`);
  }

  // Results in submission order, although the upstream answered in another order.
  const first = await (await api(`/bulk/users/${jobId}/results?limit=100`)).json();
  const rest = await (await api(`/bulk/users/${jobId}/results?limit=100&skip=100`)).json();
  const results = [...first, ...rest];
  assert.equal(first.length, 100);
  assert.equal(results.length, USERS);
  results.forEach((r, i) => assert.equal(r.meta.SystemUser.username, `jc.user${i}`));
  assert.equal(results[7].status, "failed");
  assert.match(results[7].statusMsg, /username already exists/);
  assert.ok(results.filter((_, i) => i !== 7).every((r) => r.status === "finished" && /^[0-9a-f]{24}$/.test(r.meta.SystemUser._id)));

  // The same through /jobs/{id}/results; the default page is 10.
  assert.equal((await (await api(`/jobs/${jobId}/results`)).json()).length, 10);
  assert.deepEqual(await (await api(`/jobs/${jobId}/results?skip=${USERS}`)).json(), []);
  for (const bad of ["limit=0", "limit=101", "skip=-1", "limit=ten"]) {
    const res = await api(`/bulk/users/${jobId}/results?${bad}`);
    assert.equal(res.status, 400, bad);
    assert.equal((await res.json()).status, "INVALID_ARGUMENT");
  }

  // An update job, by ObjectId.
  const ids = results.slice(0, 2).map((r) => r.meta.SystemUser._id);
  const update = await api("/bulk/users", {
    method: "PATCH",
    body: JSON.stringify(ids.map((id) => ({ id, department: "Finance" }))),
  });
  assert.equal(update.status, 201);
  const updated = await finished((await update.json()).jobId);
  assert.equal(updated.status, "finished");
  assert.equal(updated.counts.updated, 2);
  assert.deepEqual(ids.map((id) => double.users.get(id).department), ["Finance", "Finance"]);
});

test("invalid users are refused before anything goes upstream, with every element's diagnostics", async () => {
  const before = double.seen.length;
  const res = await api("/bulk/users", {
    method: "POST",
    body: JSON.stringify([{ username: "1bad", email: "not-an-email" }, { email: "ok@example.com", state: "ASLEEP" }]),
  });
  assert.equal(res.status, 400);
  const body = await res.json();
  assert.equal(body.code, 400);
  assert.equal(body.status, "INVALID_ARGUMENT");
  const at = (index, field) => body.details.find((d) => d.index === index && d.field === field);
  assert.match(at(0, "username").message, /letter/);
  assert.ok(at(0, "email"), JSON.stringify(body.details));
  assert.ok(at(1, "username"), "a missing username is reported for element 1");
  assert.ok(at(1, "state"));
  assert.equal(double.seen.length, before, "nothing was sent upstream");

  const update = await api("/bulk/users", { method: "PATCH", body: JSON.stringify([{ department: "x" }]) });
  assert.equal(update.status, 400);
  assert.ok((await update.json()).details.some((d) => d.index === 0 && d.field === "id"));

  // More findings than a 400 lists: the first 1,000 details, every one counted in the message.
  const many = Array.from({ length: 1_200 }, (_, i) => ({ username: `many.${i}`, email: `not-an-email-${i}` }));
  const listed = await (await api("/bulk/users", { method: "POST", body: JSON.stringify(many) })).json();
  assert.deepEqual(listed.details.slice(0, 2).map((d) => [d.index, d.field]), [[0, "email"], [1, "email"]]);
  assert.equal(listed.details.length, 1_000);
  assert.match(listed.message, /^The request has 1200 error\(s\) and 0 warning\(s\); the first 1000 are listed/);
  assert.equal(double.seen.length, before, "nothing was sent upstream");
});

test("a sheet with an id column runs as a JumpCloud update job and reports each row updated", { timeout: 120_000 }, async () => {
  const ids = ["5f0c1b2e3d4a5b6c7d8e9f11", "5f0c1b2e3d4a5b6c7d8e9f12"];
  ids.forEach((id, i) => double.users.set(id, { _id: id, username: `jc.sheet${i}`, email: `jc.sheet${i}@example.com` }));
  const csv = `JumpCloud ID,Department,Job title\n${ids[0]},Finance,Controller\n${ids[1]},Legal,\n`;
  const jobs = (path, init = {}) =>
    conforming(`${worker.url}${path}`, { ...init, headers: { "x-api-key": KEY, ...(init.headers ?? {}) } });
  const res = await jobs("/jobs?target=jumpcloud-update&filename=changes.csv", { method: "POST", body: csv });
  assert.equal(res.status, 202, await res.clone().text());
  const job = await finished((await res.json()).id);
  assert.equal(job.status, "finished", JSON.stringify(job));
  assert.equal(job.counts.updated, 2);
  assert.deepEqual(ids.map((id) => [double.users.get(id).department, double.users.get(id).jobTitle]), [["Finance", "Controller"], ["Legal", undefined]]);
  const report = await (await jobs(`/jobs/${job.id}/results`, { headers: { accept: "text/csv" } })).text();
  assert.deepEqual(report.trimEnd().split("\n").slice(1), [
    `${ids[0]},Finance,Controller,updated,${ids[0]},`,
    `${ids[1]},Legal,,updated,${ids[1]},`,
  ]);
});

test("JumpCloud's headers and parameters are checked as JumpCloud checks them", async () => {
  const source = await api("/bulk/users", { method: "POST", headers: { "creation-source": "bogus" }, body: "[]" });
  assert.equal(source.status, 400);
  assert.match((await source.json()).message, /creation-source/);
  const suppress = await api("/bulk/users?suppressEmail=maybe", { method: "POST", body: JSON.stringify([newHire(900)]) });
  assert.equal(suppress.status, 400);
});

test("a body over 4 MiB is refused with 413 and its size", async () => {
  const res = await api("/bulk/users", { method: "POST", body: `[${" ".repeat(4 * 1024 * 1024)}]` });
  assert.equal(res.status, 413);
  assert.match((await res.json()).message, /The body is 4194306 bytes; muster takes up to 4194304 bytes per request/);
});

test("auth and tenants: no key is 401, another tenant's job is 404, a SCIM tenant is pointed to /scim/v2", async () => {
  const res = await api("/bulk/users", { method: "POST", body: JSON.stringify([newHire(901)]) });
  const { jobId } = await res.json();
  const anonymous = await conforming(`${worker.url}/api/v2/jobs/${jobId}`);
  assert.equal(anonymous.status, 401);
  assert.equal((await anonymous.json()).status, "UNAUTHENTICATED");
  assert.equal((await api(`/jobs/${jobId}`, {}, SCIM_KEY)).status, 404);
  assert.equal((await api(`/bulk/users/${jobId}/results`, {}, SCIM_KEY)).status, 404);
  const wrongDialect = await api("/bulk/users", { method: "POST", body: JSON.stringify([newHire(902)]) }, SCIM_KEY);
  assert.equal(wrongDialect.status, 400);
  assert.match((await wrongDialect.json()).message, /scim\/v2\/Bulk/);
  await finished(jobId);
});

test("the cron sweeper sends on a job whose queue message was lost", { timeout: 60_000 }, async () => {
  // A job as `create` leaves it, but its message never arrived (the process died after the KV writes).
  const kv = await worker.kv();
  const id = "stalled-job";
  const user = newHire(950);
  const long_ago = new Date(Date.now() - 3600_000).toISOString();
  await kv.put(`job/acme/${id}/in/000000`, JSON.stringify({ index: 0, origins: [{ kind: "input", index: 0 }], carried: [], creates: [], bytes: 100, request: [user] }));
  await kv.put(`job/acme/${id}`, JSON.stringify({
    id, status: "queued", workUnitsCount: 1, chunks: 1, chunksDone: 0,
    counts: { created: 0, updated: 0, deleted: 0, failed: 0, notAttempted: 0 },
    createdAt: long_ago, updatedAt: long_ago, chunkSizes: [1], dialect: "jumpcloud-create", jumpcloud: {},
  }));
  await kv.put(`active/acme/${id}`, "");
  await (await worker.mf.getWorker()).scheduled({ cron: "*/5 * * * *" });
  const job = await finished(id);
  assert.equal(job.status, "finished");
  assert.equal(double.findUsers(user.username).length, 1);
  await waitFor(async () => (await kv.get(`active/acme/${id}`)) === null, { what: "the job to leave the sweeper's list" });
});

test("/openapi.json is public and describes the JumpCloud routes", async () => {
  const res = await conforming(`${worker.url}/openapi.json`);
  assert.equal(res.status, 200);
  const doc = await res.json();
  for (const path of ["/api/v2/bulk/users", "/api/v2/bulk/users/{id}/results", "/api/v2/jobs/{id}", "/scim/v2/Bulk", "/jobs"]) {
    assert.ok(doc.paths[path], path);
  }
});

test("a submission whose answer was lost is looked up, not repeated: each user is created once and reported created", { timeout: 120_000 }, async () => {
  // Its own double: the first submission is run, then the connection is cut before the answer.
  const upstreamKey = randomKey();
  const lossy = await startJumpcloudDouble({ apiKey: upstreamKey, pendingPolls: 0, faults: ["drop"] });
  const key = randomKey();
  const lossyWorker = await startWorker({ tenants: [tenant("lossy", key, { kind: "jumpcloud", url: lossy.url, token: upstreamKey, maxOperations: 50 })] });
  try {
    // A stranger already holds one username (with another email): that user is not "recovered".
    lossy.users.set("5f0c1b2e3d4a5b6c7d8e9f01", { _id: "5f0c1b2e3d4a5b6c7d8e9f01", username: "jc.lost3", email: "stranger@example.com" });
    const users = Array.from({ length: 60 }, (_, i) => ({ ...newHire(i), username: `jc.lost${i}`, email: `jc.lost${i}@example.com` }));
    const call = (path, init = {}) =>
      conforming(`${lossyWorker.url}/api/v2${path}`, { ...init, headers: { "x-api-key": key, "content-type": "application/json", ...init.headers } });
    const res = await call("/bulk/users", { method: "POST", body: JSON.stringify(users) });
    assert.equal(res.status, 201);
    const { jobId } = await res.json();
    const job = await jobEnded(call, jobId, { timeoutMs: 90_000 });
    assert.deepEqual(job.counts, { created: 59, updated: 0, deleted: 0, failed: 1, notAttempted: 0 }, JSON.stringify(job));
    for (let i = 0; i < 60; i++) {
      const held = lossy.findUsers(`jc.lost${i}`).filter((u) => u.email === `jc.lost${i}@example.com`);
      assert.equal(held.length, i === 3 ? 0 : 1, `jc.lost${i} is held exactly ${i === 3 ? "never" : "once"}`);
    }
    // The first chunk's users were looked up by username, and only the stranger's clash went
    // upstream again; the second chunk was submitted once.
    const lookups = lossy.seen.filter((r) => r.method === "GET" && r.path === "/api/systemusers");
    assert.equal(lookups.length, 50);
    const submissions = lossy.seen.filter((r) => r.method === "POST" && r.path === "/api/v2/bulk/users");
    assert.equal(submissions.length, 3, "chunk 1 (dropped), chunk 1 again with only jc.lost3, chunk 2");
    const results = await (await call(`/bulk/users/${jobId}/results?limit=100`)).json();
    assert.equal(results.length, 60);
    results.forEach((r, i) => assert.equal(r.meta.SystemUser.username, `jc.lost${i}`));
    assert.equal(results[3].status, "failed");
    assert.match(results[3].statusMsg, /username already exists/);
    const recovered = results[0];
    assert.equal(recovered.status, "finished");
    assert.equal(recovered.meta.SystemUser._id, lossy.findUsers("jc.lost0")[0]._id, "the id JumpCloud gave, found by the lookup");
  } finally {
    await lossyWorker.stop();
    await lossy.stop();
  }
});
