// The package inside workerd (Miniflare): a Worker bundled with esbuild and the "workerd"
// condition, where compiling wasm from bytes at run time is forbidden, so the package must import
// its .wasm as a module.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Log, LogLevel, Miniflare } from "miniflare";
import { ROOT, VERSION } from "../support/stack.mjs";

test("the package (muster and muster/validate) validates inside workerd", { timeout: 60_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), "muster-workerd-"));
  execFileSync(join(ROOT, "node_modules/.bin/esbuild"), [
    join(ROOT, "tests/node/workerd/consumer.mjs"),
    "--bundle",
    "--format=esm",
    "--platform=neutral",
    "--conditions=workerd,worker,browser",
    "--loader:.wasm=copy",
    "--asset-names=[name]-[hash]",
    `--outfile=${join(out, "worker.mjs")}`,
    "--log-level=warning",
  ]);
  const mf = new Miniflare({
    scriptPath: join(out, "worker.mjs"),
    modules: true,
    modulesRoot: out,
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: "2025-09-23",
    cf: false,
    log: new Log(LogLevel.WARN),
  });
  try {
    const res = await mf.dispatchFetch("http://muster.test/", {
      method: "POST",
      body: "Username,Email\njdoe,jdoe@example.com\n1bad,not-an-email\n",
    });
    const body = await res.json();
    assert.equal(body.version, VERSION);
    assert.equal(body.report.valid, false);
    assert.deepEqual(body.report.diagnostics.map((d) => [d.row, d.column, d.code]).sort(), [
      [3, "Email", "email-invalid"],
      [3, "Username", "jc-username-invalid"],
    ]);
    assert.equal(body.streamedErrors, 2);
    assert.deepEqual(body.lean, body.report, "muster/validate finds the same");
  } finally {
    await mf.dispose();
  }
});
