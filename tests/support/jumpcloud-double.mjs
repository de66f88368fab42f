// A test double of JumpCloud's API v2 bulk user jobs. JumpCloud is a hosted service that cannot
// run here, so the Worker's JumpCloud adapter is tested against this instead. It is built from
// JumpCloud's own spec (tests/fixtures/jumpcloud/openapi-extract.yaml, a copy of
// ../shared/specs/jumpcloud-v2-bulk.yaml): request bodies are validated against the spec's
// bulk-user-*-sdk schemas, and every answer is checked against job-id, job-workresult, Error or
// ErrorDetails before it is sent, so the double cannot drift from the contract.
//
// Behaviour follows the reference notes (shared/reference/jumpcloud-bulk.md §4): jobs are
// asynchronous, results stay `pending` for a few polls, come back in no particular order, and
// name the user in `meta.SystemUser`; usernames and emails are unique (case-insensitive).
import { createServer } from "node:http";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { parse } from "yaml";
import { ROOT, freePort } from "./stack.mjs";

const SPEC = parse(readFileSync(join(ROOT, "tests/fixtures/jumpcloud/openapi-extract.yaml"), "utf8"));

function validators() {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: "jumpcloud.json", components: SPEC.components });
  const schema = (name) => ajv.compile({ $ref: `jumpcloud.json#/components/schemas/${name}` });
  return {
    create: ajv.compile({ type: "array", items: { $ref: "jumpcloud.json#/components/schemas/bulk-user-create-sdk" } }),
    update: ajv.compile({ type: "array", items: { $ref: "jumpcloud.json#/components/schemas/bulk-user-update-sdk" } }),
    jobId: schema("job-id"),
    workresult: schema("job-workresult"),
    error: schema("Error"),
    errorDetails: schema("ErrorDetails"),
  };
}

const objectId = () => randomBytes(12).toString("hex");
const key = (s) => String(s ?? "").trim().toLowerCase();

/**
 * Starts the double on a free loopback port. `apiKey` is required on every request; `orgId`, when
 * set, must arrive as `x-org-id`. `pendingPolls`: how many result reads see `pending` first.
 * `faults`: statuses to answer the next submissions with instead of accepting them (429 carries
 * `Retry-After: 1`), or "drop": accept and run the submission, then cut the connection unanswered. `acceptStatus`: 201 as the spec says, or 200 as the live API is reported to.
 */
export async function startJumpcloudDouble({ apiKey, orgId, pendingPolls = 2, faults = [], acceptStatus = 201 } = {}) {
  const check = validators();
  const users = new Map(); // _id → user
  const jobs = new Map(); // jobId → { results, polls }
  const seen = []; // every request: method, path, headers that matter
  const pendingFaults = [...faults];

  const answer = (res, status, body, schema, headers = {}) => {
    if (schema && !schema(body)) {
      throw new Error(`the double's own ${status} answer breaks the spec: ${JSON.stringify(schema.errors)}`);
    }
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };
  const fail = (res, status, message, details) =>
    details
      ? answer(res, status, { code: status, message, status: "INVALID_ARGUMENT", details }, check.errorDetails)
      : answer(res, status, { code: status, message, status: String(status) }, check.error);

  function taken(field, value, exceptId) {
    for (const [id, user] of users) if (id !== exceptId && key(user[field]) === key(value)) return true;
    return false;
  }

  function runCreate(list) {
    return list.map((input) => {
      const clash = ["username", "email"].find((f) => taken(f, input[f]));
      if (clash) return { status: "failed", statusMsg: `${clash} already exists`, user: input };
      const user = { ...input, _id: objectId() };
      users.set(user._id, user);
      return { status: "finished", statusMsg: "", user };
    });
  }

  function runUpdate(list) {
    return list.map((input) => {
      const user = users.get(input.id);
      if (!user) return { status: "failed", statusMsg: "user not found", user: input };
      const clash = ["username", "email"].find((f) => input[f] !== undefined && taken(f, input[f], input.id));
      if (clash) return { status: "failed", statusMsg: `${clash} already exists`, user: input };
      const { id, ...changes } = input;
      Object.assign(user, changes);
      return { status: "finished", statusMsg: "", user };
    });
  }

  async function handle(req, res) {
    const url = new URL(req.url, "http://double");
    seen.push({
      method: req.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      creationSource: req.headers["creation-source"],
      orgId: req.headers["x-org-id"],
    });
    let body = "";
    for await (const chunk of req) body += chunk;
    if (req.headers["x-api-key"] !== apiKey) return fail(res, 401, "Unauthorized");
    if (orgId && req.headers["x-org-id"] !== orgId) return fail(res, 401, "x-org-id is required for this key");

    if (url.pathname === "/api/v2/bulk/users" && (req.method === "POST" || req.method === "PATCH")) {
      const fault = pendingFaults.shift();
      // "drop": the job is accepted and run, then the connection is cut before the answer.
      const dropAnswer = fault === "drop";
      if (fault && !dropAnswer) {
        const headers = fault === 429 ? { "retry-after": "1" } : {};
        return answer(res, fault, { code: fault, message: "injected fault", status: String(fault) }, check.error, headers);
      }
      let list;
      try {
        list = JSON.parse(body);
      } catch {
        return fail(res, 400, "body is not JSON");
      }
      const update = req.method === "PATCH";
      const schema = update ? check.update : check.create;
      if (!schema(list)) {
        const details = schema.errors.map((e) => ({ "@type": "type.googleapis.com/google.rpc.BadRequest", field: e.instancePath, description: e.message }));
        return fail(res, 400, "invalid bulk user payload", details);
      }
      const now = new Date().toISOString();
      const outcomes = update ? runUpdate(list) : runCreate(list);
      const results = outcomes.map(({ status, statusMsg, user }) => ({
        id: objectId(),
        status,
        statusMsg,
        meta: { SystemUser: { _id: user._id ?? user.id, username: user.username, email: user.email } },
        persistedFields: {},
        createdAt: now,
        updatedAt: now,
      }));
      results.reverse(); // JumpCloud promises no order: the adapter must match by meta.SystemUser
      const jobId = objectId();
      jobs.set(jobId, { results, polls: 0 });
      if (dropAnswer) return req.socket.destroy();
      return answer(res, acceptStatus, { jobId }, check.jobId);
    }

    const match = url.pathname.match(/^\/api\/v2\/bulk\/users\/([^/]+)\/results$/);
    if (match && req.method === "GET") {
      const job = jobs.get(match[1]);
      if (!job) return fail(res, 404, "job not found");
      const limit = Number(url.searchParams.get("limit") ?? 10);
      const skip = Number(url.searchParams.get("skip") ?? 0);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100 || !Number.isInteger(skip) || skip < 0) {
        return fail(res, 400, "limit must be 1-100 and skip 0 or more");
      }
      job.polls += 1;
      const done = job.polls > pendingPolls;
      const page = job.results.slice(skip, skip + limit).map((r) => (done ? r : { ...r, status: "pending", statusMsg: "" }));
      for (const item of page) {
        if (!check.workresult(item)) throw new Error(`work result breaks the spec: ${JSON.stringify(check.workresult.errors)}`);
      }
      return answer(res, 200, page);
    }
    // v1 user search, as JumpCloud documents it (GET /api/systemusers?filter=field:$eq:value):
    // not in the bulk spec extract, but the adapter needs it to look users up after a lost answer.
    if (url.pathname === "/api/systemusers" && req.method === "GET") {
      const [field, op, ...rest] = (url.searchParams.get("filter") ?? "").split(":");
      if (op !== "$eq" || !["username", "email"].includes(field)) return fail(res, 400, "filter must be username:$eq:value or email:$eq:value");
      const value = rest.join(":");
      const results = [...users.values()].filter((u) => key(u[field]) === key(value)).map(({ _id, username, email }) => ({ _id, id: _id, username, email }));
      return answer(res, 200, { totalCount: results.length, results });
    }
    return fail(res, 404, "no such route in the double");
  }

  const port = await freePort();
  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(err?.stack ?? err));
    });
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}/api/v2`,
    users,
    seen,
    /** The users whose username is `name` (case-insensitive). */
    findUsers: (name) => [...users.values()].filter((u) => key(u.username) === key(name)),
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}
