// Starts real components for the tests: scim2-server (the SCIM upstream, from the project's venv)
// and the built Worker in workerd through Miniflare, configured from wrangler.toml, with real KV,
// Queues and the page as static assets. Everything listens on 127.0.0.1 only.
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Log, LogLevel, Miniflare } from "miniflare";
import { parse } from "smol-toml";

export const ROOT = new URL("../../", import.meta.url).pathname;

/** The workspace version from Cargo.toml: what every face must report. */
export const VERSION = parse(readFileSync(join(ROOT, "Cargo.toml"), "utf8")).workspace.package.version;

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns a truthy value; fails with `what` after `timeoutMs`. */
export async function waitFor(check, { timeoutMs = 30_000, intervalMs = 100, what = "condition" } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError}` : ""}`);
}

/**
 * Polls `GET /jobs/{id}` through `get` (a path → Response function carrying the caller's base URL
 * and key) until the job has ended; returns its record.
 */
export function jobEnded(get, id, { timeoutMs = 60_000, intervalMs = 250 } = {}) {
  return waitFor(
    async () => {
      const job = await (await get(`/jobs/${id}`)).json();
      return ["finished", "partial", "failed"].includes(job.status) && job;
    },
    { timeoutMs, intervalMs, what: `job ${id} to finish` },
  );
}

export const sha256 = (text) => createHash("sha256").update(text).digest("hex");
export const randomKey = () => randomBytes(24).toString("hex");

/** A tenant entry for the MUSTER_TENANTS secret. */
/** A tenant of the test stack. The local upstream answers within a second or two, so a request
 * it leaves hanging is given up after 15 s (not the default 60) and a job recovers within a test. */
export function tenant(id, apiKey, upstream) {
  return { id, keySha256: sha256(apiKey), upstream: { timeoutSeconds: 15, ...upstream } };
}

/**
 * Starts scim2-server on a free port with a bearer token. `serviceProviderConfig` (an object)
 * replaces its default SPC, for example to set small bulk limits.
 */
export async function startScimServer({ serviceProviderConfig } = {}) {
  const port = await freePort();
  const token = randomKey();
  const args = ["--port", String(port), "--bearer-token", token];
  if (serviceProviderConfig) {
    const file = join(mkdtempSync(join(tmpdir(), "muster-spc-")), "spc.json");
    writeFileSync(file, JSON.stringify(serviceProviderConfig));
    args.push("--service-provider-config", file);
  }
  // Its own command line, through a launcher that makes workerd open a connection per request
  // (scripts/scim-upstream.py says why).
  const launcher = [join(ROOT, "scripts/scim-upstream.py"), ...args];
  const child = spawn(join(ROOT, ".tools/venv/bin/python"), launcher, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const url = `http://127.0.0.1:${port}/v2`;
  const headers = { authorization: `Bearer ${token}`, accept: "application/scim+json" };
  try {
    await waitFor(async () => (await fetch(`${url}/ServiceProviderConfig`, { headers })).ok, {
      what: "scim2-server to answer",
    });
  } catch (err) {
    child.kill();
    throw new Error(`${err.message}\nscim2-server output:\n${output}`);
  }
  return {
    url,
    token,
    /** The users whose userName equals `userName` (SCIM filter, case-insensitive per RFC 7643). */
    async findUsers(userName) {
      const filter = encodeURIComponent(`userName eq "${userName}"`);
      const res = await fetch(`${url}/Users?filter=${filter}`, { headers });
      if (!res.ok) throw new Error(`GET /Users answered ${res.status}: ${await res.text()}`);
      return (await res.json()).Resources ?? [];
    },
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Miniflare options for the built Worker, read from wrangler.toml so tests and `make dev` agree. */
export function workerOptions({ bindings = {}, port = 0 } = {}) {
  const config = parse(readFileSync(join(ROOT, "wrangler.toml"), "utf8"));
  return {
    scriptPath: join(ROOT, config.main),
    modules: true,
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"], fallthrough: true }],
    compatibilityDate: config.compatibility_date,
    kvNamespaces: config.kv_namespaces.map((kv) => kv.binding),
    queueProducers: Object.fromEntries(config.queues.producers.map((p) => [p.binding, p.queue])),
    queueConsumers: Object.fromEntries(
      config.queues.consumers.map((c) => [
        c.queue,
        {
          maxBatchSize: c.max_batch_size,
          maxBatchTimeout: c.max_batch_timeout,
          maxRetries: c.max_retries,
          deadLetterQueue: c.dead_letter_queue,
        },
      ]),
    ),
    assets: { directory: join(ROOT, config.assets.directory), routerConfig: { has_user_worker: true } },
    bindings: { ...config.vars, ...bindings },
    cf: false,
    host: "127.0.0.1",
    port,
    log: new Log(process.env.MUSTER_LOG ? LogLevel.DEBUG : LogLevel.WARN),
  };
}

/** Starts the Worker in workerd. `tenants` becomes the MUSTER_TENANTS secret. */
export async function startWorker({ tenants = [], bindings = {} } = {}) {
  const mf = new Miniflare(workerOptions({ bindings: { MUSTER_TENANTS: JSON.stringify(tenants), ...bindings } }));
  const url = (await mf.ready).href.replace(/\/$/, "");
  return {
    mf,
    url,
    kv: () => mf.getKVNamespace("JOBS"),
    stop: () => mf.dispose(),
  };
}
