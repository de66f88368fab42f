// The Worker in workerd (Miniflare) with real KV and Queues, relaying to a real scim2-server.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { VERSION, randomKey, startScimServer, startWorker, tenant, waitFor } from "../support/stack.mjs";
import { conforming } from "../support/openapi.mjs";

const ACME_KEY = randomKey();
const GLOBEX_KEY = randomKey();
const ORACLE_KEY = randomKey();
const BULK_URN = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
const USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User";

let scim;
let worker;

before(async () => {
  scim = await startScimServer();
  const upstream = { url: scim.url, token: scim.token };
  worker = await startWorker({
    tenants: [
      tenant("acme", ACME_KEY, upstream),
      tenant("globex", GLOBEX_KEY, upstream),
      tenant("initech", ORACLE_KEY, { ...upstream, kind: "oracle" }),
    ],
  });
});

after(async () => {
  await worker?.stop();
  await scim?.stop();
});

function api(path, { key = ACME_KEY, headers = {}, ...init } = {}) {
  return conforming(`${worker.url}${path}`, {
    ...init,
    headers: { ...(key ? { "x-api-key": key } : {}), ...headers },
  });
}

function createUsers(...userNames) {
  return JSON.stringify({
    schemas: [BULK_URN],
    Operations: userNames.map((userName, i) => ({
      method: "POST",
      path: "/Users",
      bulkId: `u${i}`,
      data: { schemas: [USER_URN], userName },
    })),
  });
}

test("GET /healthz answers without a key and names the core version", async () => {
  const res = await conforming(`${worker.url}/healthz`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: "ok", version: VERSION });
});

test("API routes refuse a missing or wrong key with a SCIM error", async () => {
  for (const key of [null, "not-a-key", ACME_KEY.slice(1)]) {
    const res = await api("/scim/v2/Bulk", { key, method: "POST", body: createUsers("nobody") });
    assert.equal(res.status, 401, `key ${key}`);
    const body = await res.json();
    assert.equal(body.status, "401");
    assert.ok(!JSON.stringify(body).includes(ACME_KEY), "the error must not echo keys");
  }
  assert.equal((await api("/jobs/anything", { key: null })).status, 401);
});

test("a SCIM bulk request is relayed to scim2-server and the user exists there", async () => {
  const res = await api("/scim/v2/Bulk", {
    method: "POST",
    headers: { authorization: `Bearer ${ACME_KEY}`, "content-type": "application/scim+json" },
    key: null,
    body: createUsers("relay.alice"),
  });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.Operations[0].status, "201");
  const users = await scim.findUsers("relay.alice");
  assert.equal(users.length, 1);
  assert.ok(body.Operations[0].location.endsWith(users[0].id));
});

test("an invalid bulk request is refused at the edge with every diagnostic", async () => {
  const res = await api("/scim/v2/Bulk", { method: "POST", body: '{"Operations": []}' });
  assert.equal(res.status, 400);
  const body = await res.json();
  assert.equal(body.scimType, "invalidValue");
  assert.deepEqual(
    body.diagnostics.map((d) => d.code),
    ["bulk-schemas-missing", "bulk-operations-empty"],
  );
  assert.deepEqual(body.summary, { rows: 0, errors: 2, warnings: 0 });
  assert.equal(body.detail, "The request has 2 error(s); every one is listed with where it is.");
});

test("a bulk request with more findings than a 400 lists gives the first 1,000 and counts them all", async () => {
  const request = JSON.parse(createUsers(...Array.from({ length: 1_200 }, (_, i) => `many.${i}`)));
  request.Operations.forEach((op, i) => { op.data.emails = [{ value: `not-an-email-${i}`, type: "work" }]; });
  const res = await api("/scim/v2/Bulk", { method: "POST", body: JSON.stringify(request) });
  assert.equal(res.status, 400);
  const body = await res.json();
  assert.equal(body.diagnostics.length, 1_000);
  assert.deepEqual(body.diagnostics.slice(0, 2).map((d) => d.pointer),
    ["/Operations/0/data/emails/0/value", "/Operations/1/data/emails/0/value"]);
  assert.equal(body.summary.errors, 1_200);
  assert.equal(body.detail,
    "The request has 1200 error(s) and 0 warning(s); the first 1000 are listed with where they are. Check the whole file with the upload page or `muster validate` to see every one.");
});

test("Prefer: respond-async queues a job, kept in KV, that creates the user upstream", async () => {
  const res = await api("/scim/v2/Bulk", {
    method: "POST",
    headers: { prefer: "respond-async" },
    body: createUsers("async.bob"),
  });
  assert.equal(res.status, 202);
  const job = await res.json();
  assert.equal(res.headers.get("location"), `/jobs/${job.id}`);
  assert.equal(job.status, "queued");
  assert.equal(job.workUnitsCount, 1);

  const done = await waitFor(
    async () => {
      const current = await (await api(`/jobs/${job.id}`)).json();
      return current.status !== "queued" && current;
    },
    { what: "the job to finish" },
  );
  assert.equal(done.status, "finished");

  // The record is really in KV, under the tenant's prefix.
  const stored = await (await worker.kv()).get(`job/acme/${job.id}`, "json");
  assert.equal(stored.status, "finished");

  const results = await (await api(`/jobs/${job.id}/results`)).json();
  assert.equal(results.results[0].status, 200);
  assert.equal(results.results[0].response.Operations[0].status, "201");
  assert.equal((await scim.findUsers("async.bob")).length, 1);

  // Another tenant cannot see it.
  assert.equal((await api(`/jobs/${job.id}`, { key: GLOBEX_KEY })).status, 404);
  assert.equal((await api(`/jobs/${job.id}/results`, { key: GLOBEX_KEY })).status, 404);
});

test("unknown routes answer 404 in SCIM error form", async () => {
  // Not through `api`: an unknown route is, by definition, not in /openapi.json.
  const res = await fetch(`${worker.url}/no/such/route`, { headers: { "x-api-key": ACME_KEY } });
  assert.equal(res.status, 404);
  assert.equal((await res.json()).status, "404");
});

test("the same Idempotency-Key gives the same job; another tenant's key is its own", async () => {
  const send = (key, apiKey = ACME_KEY) =>
    api("/scim/v2/Bulk", { key: apiKey, method: "POST", headers: { prefer: "respond-async", "idempotency-key": key }, body: createUsers(`idem.${key}.${apiKey.slice(0, 4)}`) });
  const first = await (await send("k-1")).json();
  const again = await send("k-1");
  assert.equal(again.status, 202);
  assert.equal((await again.json()).id, first.id);
  assert.notEqual((await (await send("k-2")).json()).id, first.id);
  assert.notEqual((await (await send("k-1", GLOBEX_KEY)).json()).id, first.id);
});

test("ServiceProviderConfig advertises muster's own bulk limits", async () => {
  const res = await api("/scim/v2/ServiceProviderConfig");
  assert.equal(res.status, 200);
  const config = await res.json();
  assert.deepEqual(config.bulk, { supported: true, maxOperations: 100000, maxPayloadSize: 4194304 });
  assert.equal((await api("/scim/v2/ServiceProviderConfig", { key: null })).status, 401);
});

test("a body over the limit is refused with 413 whether its length is declared or streamed, and the connection serves on", async () => {
  const limit = 4 * 1024 * 1024;
  const declared = await api("/scim/v2/Bulk", { method: "POST", body: "x".repeat(limit + 1) });
  assert.equal(declared.status, 413);
  assert.match((await declared.json()).detail, new RegExp(`The payload is ${limit + 1} bytes, over the maxPayloadSize \\(${limit} bytes\\)`));
  // Sent in pieces without a Content-Length: counted as it arrives (what is past the limit is
  // dropped, which the answer cannot show), and still refused with its whole size.
  const piece = new Uint8Array(64 * 1024).fill(0x78);
  let sent = 0;
  const body = new ReadableStream({
    pull(controller) {
      if (sent >= limit + piece.length) return controller.close();
      controller.enqueue(piece);
      sent += piece.length;
    },
  });
  const streamed = await api("/scim/v2/Bulk", { method: "POST", body, duplex: "half" });
  assert.equal(streamed.status, 413);
  assert.match((await streamed.json()).detail, new RegExp(`The payload is ${limit + piece.length} bytes`));
  // A body just at the limit is read whole (and then checked: it is no JSON).
  const atLimit = await api("/scim/v2/Bulk", { method: "POST", body: "x".repeat(limit) });
  assert.equal(atLimit.status, 400);
  const res = await api("/scim/v2/Bulk", { method: "POST", body: createUsers("after.limit") });
  assert.equal(res.status, 200);
});

test("each tenant's payloads are checked in its upstream's dialect (RFC 7644 or Oracle HCM)", async () => {
  const rfc = createUsers("dialect.rfc");
  const oracle = rfc.replaceAll(USER_URN, "urn:scim:schemas:core:2.0:User");
  const codes = async (key, body) => {
    const res = await api("/scim/v2/Bulk", { key, method: "POST", body });
    assert.equal(res.status, 400);
    return (await res.json()).diagnostics.map((d) => d.code);
  };
  assert.ok((await codes(ORACLE_KEY, rfc)).includes("user-rfc-urn-in-oracle"));
  assert.ok((await codes(ACME_KEY, oracle)).includes("user-oracle-urn"));
});
