// The README's main-job command: scripts/dev brings up scim2-server, wrangler dev (workerd) and the
// page, answers on its port, relays to the local upstream, and on Ctrl-C (SIGINT) leaves nothing behind.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT, VERSION, freePort, waitFor } from "../support/stack.mjs";

/** Command lines of live processes mentioning `needle`. */
function processesMentioning(needle) {
  const ps = execFileSync("ps", ["-eo", "stat=,args="], { encoding: "utf8" });
  return ps
    .split("\n")
    .filter((line) => line.includes(needle) && !line.trimStart().startsWith("Z"))
    .filter((line) => !line.includes("ps -eo"));
}

test("make dev serves page and API, relays to scim2-server, and Ctrl-C stops every process", { timeout: 600_000 }, async () => {
  const port = await freePort();
  const dev = spawn("bash", [join(ROOT, "scripts/dev")], {
    cwd: ROOT,
    env: { ...process.env, MUSTER_PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  dev.stdout.on("data", (d) => (output += d));
  dev.stderr.on("data", (d) => (output += d));
  let ended = null;
  const exited = new Promise((resolve) => dev.on("exit", (code, signal) => resolve((ended = { code, signal }))));

  try {
    // A build that fails ends scripts/dev: that fails the test at once, with its output.
    await waitFor(() => output.includes("Press Ctrl-C to stop.") || ended, { timeoutMs: 540_000, intervalMs: 250, what: "make dev to be up" });
    assert.equal(ended, null, `make dev ended before it was up:\n${output.slice(-3000)}`);
    const base = `http://127.0.0.1:${port}`;
    assert.match(output, new RegExp(`muster is running at ${base}`));

    assert.deepEqual(await (await fetch(`${base}/healthz`)).json(), { status: "ok", version: VERSION });
    assert.match(await (await fetch(`${base}/`)).text(), /<title>muster/);

    // The printed key is the local tenant's, and the embedded default upstream is scim2-server.
    const key = output.match(/API key:\s+([0-9a-f]{48})/)[1];
    assert.equal(key, readFileSync(join(ROOT, ".wrangler/dev-api-key"), "utf8").trim());
    const userName = `dev.smoke.${Date.now()}`;
    const fixture = JSON.parse(readFileSync(join(ROOT, "tests/fixtures/scim/create-one-user.json"), "utf8"));
    fixture.Operations[0].data.userName = userName;
    const res = await fetch(`${base}/scim/v2/Bulk`, {
      method: "POST",
      headers: { "x-api-key": key, "content-type": "application/scim+json" },
      body: JSON.stringify(fixture),
    });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).Operations[0].status, "201");
  } finally {
    dev.kill("SIGINT");
  }

  const { code } = await exited;
  assert.equal(code, 0, output.slice(-2000));
  assert.match(output, /stopped every process it started/);
  await waitFor(() => processesMentioning(`--port ${port}`).length === 0, { what: "wrangler and workerd to exit" });
  const scimPort = output.match(/127\.0\.0\.1:(\d+)\/v2/)[1];
  assert.deepEqual(processesMentioning(`--port ${scimPort}`), []);
  await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`));
});
