// Checks the Worker's answers against its own /openapi.json: the route, method and status must be
// described, and a JSON body must match the described schema. Tests fetch through `conforming`
// so every answer they see is checked.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import { ROOT } from "./stack.mjs";

export const OPENAPI = JSON.parse(readFileSync(join(ROOT, "worker/openapi.json"), "utf8"));

const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema({ $id: "muster.json", components: OPENAPI.components });
const compiled = new Map();

/** Rewrites `#/components/...` refs so they resolve inside the registered document. */
function rebase(schema) {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"muster.json#/components/'));
}

function operationFor(method, pathname) {
  for (const [template, item] of Object.entries(OPENAPI.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`);
    if (pattern.test(pathname) && item[method.toLowerCase()]) return { template, operation: item[method.toLowerCase()] };
  }
  return undefined;
}

/** Throws unless `status` + `body` is an answer the document describes for method + path. */
export function assertConforms(method, url, status, contentType, body) {
  const { pathname } = new URL(url);
  const found = operationFor(method, pathname);
  if (!found) throw new Error(`${method} ${pathname} is not in /openapi.json`);
  const response = found.operation.responses[String(status)];
  if (!response) throw new Error(`${method} ${found.template} answered ${status}, which /openapi.json does not describe`);
  if (!response.content) return;
  const type = Object.keys(response.content).find((t) => contentType?.startsWith(t));
  if (!type) throw new Error(`${method} ${found.template} ${status} answered ${contentType}, not ${Object.keys(response.content)}`);
  if (!type.includes("json")) return;
  const id = `${found.template} ${method} ${status} ${type}`;
  if (!compiled.has(id)) compiled.set(id, ajv.compile(rebase(response.content[type].schema)));
  const validate = compiled.get(id);
  if (!validate(JSON.parse(body))) {
    throw new Error(`${method} ${pathname} ${status} does not match /openapi.json: ${ajv.errorsText(validate.errors)}\n${body.slice(0, 500)}`);
  }
}

/** `fetch`, checking every answer against /openapi.json. The returned Response can still be read. */
export async function conforming(url, init = {}) {
  const res = await fetch(url, init);
  const text = await res.text();
  assertConforms(init.method ?? "GET", url, res.status, res.headers.get("content-type"), text);
  return new Response(text, { status: res.status, statusText: res.statusText, headers: res.headers });
}
