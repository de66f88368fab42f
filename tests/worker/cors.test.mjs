// CORS: only origins in CORS_ALLOWED_ORIGINS get access-control headers; preflights need no key.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startWorker } from "../support/stack.mjs";

let worker;
before(async () => {
  worker = await startWorker({ bindings: { CORS_ALLOWED_ORIGINS: "https://admin.example.com, https://hr.example.com" } });
});
after(async () => worker?.stop());

test("an allowed origin gets CORS headers, others none", async () => {
  const allowed = await fetch(`${worker.url}/healthz`, { headers: { origin: "https://hr.example.com" } });
  assert.equal(allowed.headers.get("access-control-allow-origin"), "https://hr.example.com");
  const other = await fetch(`${worker.url}/healthz`, { headers: { origin: "https://evil.example" } });
  assert.equal(other.headers.get("access-control-allow-origin"), null);
});

test("preflights answer without a key, and only for allowed origins", async () => {
  const preflight = (origin) =>
    fetch(`${worker.url}/scim/v2/Bulk`, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST" } });
  const ok = await preflight("https://admin.example.com");
  assert.equal(ok.status, 204);
  assert.match(ok.headers.get("access-control-allow-headers"), /x-api-key/);
  const refused = await preflight("https://evil.example");
  assert.equal(refused.status, 204);
  assert.equal(refused.headers.get("access-control-allow-origin"), null);
});
