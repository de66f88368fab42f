// A proxy in front of a real upstream (scim2-server) that injects faults into POST /Bulk, one per
// request, in the order scripted; everything else is forwarded untouched. Faults:
//   { status: 429, retryAfter: 1 }  answer this status without forwarding
//   { drop: "before" }               close the connection without forwarding
//   { drop: "after" }                forward (the upstream applies it), then close without answering
//   { hang: "after" }                forward (the upstream applies it), then never answer
// and, for every bulk request, `maxOperations`: more operations than this get a 413.
import { createServer } from "node:http";
import { freePort } from "./stack.mjs";

export async function startFaultProxy(target, { faults = [], maxOperations = Infinity } = {}) {
  const origin = new URL(target).origin;
  const script = [...faults];
  const log = [];
  const stats = { lookups: 0 }; // GETs passed through: the Worker looking resources up
  const hung = [];
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const bulk = req.method === "POST" && req.url.endsWith("/Bulk");
    const forward = () =>
      fetch(`${origin}${req.url}`, {
        method: req.method,
        headers: { authorization: req.headers.authorization ?? "", "content-type": req.headers["content-type"] ?? "application/json" },
        body: ["GET", "HEAD"].includes(req.method) ? undefined : body,
      });
    if (!bulk) {
      if (req.method === "GET") stats.lookups += 1;
      const answer = await forward();
      res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" });
      res.end(Buffer.from(await answer.arrayBuffer()));
      return;
    }
    const operations = JSON.parse(body.toString()).Operations?.length ?? 0;
    if (operations > maxOperations) {
      log.push(`413 (${operations} operations)`);
      res.writeHead(413, { "content-type": "application/scim+json" });
      res.end(JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "413", detail: `The number of operations exceeds the maxOperations (${maxOperations})` }));
      return;
    }
    const fault = script.shift();
    if (fault?.status) {
      log.push(`${fault.status}`);
      res.writeHead(fault.status, { "content-type": "application/scim+json", ...(fault.retryAfter ? { "retry-after": String(fault.retryAfter) } : {}) });
      res.end(JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: String(fault.status), detail: "injected" }));
      return;
    }
    if (fault?.drop === "before") {
      log.push("dropped before");
      req.socket.destroy();
      return;
    }
    const answer = await forward();
    const text = await answer.text();
    if (fault?.drop === "after") {
      log.push(`dropped after the upstream answered ${answer.status}`);
      req.socket.destroy();
      return;
    }
    if (fault?.hang === "after") {
      log.push(`hung after the upstream answered ${answer.status}`);
      hung.push(req.socket); // closed when the proxy stops
      return;
    }
    log.push(`${answer.status} (${operations} operations)`);
    res.writeHead(answer.status, { "content-type": "application/scim+json" });
    res.end(text);
  });
  const port = await freePort();
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}${new URL(target).pathname}`,
    log,
    stats,
    stop: () => {
      for (const socket of hung) socket.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
