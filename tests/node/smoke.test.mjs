// The npm package as users import it, in Node: resolved through its `exports` map.
import assert from "node:assert/strict";
import { test } from "node:test";
import { validateJson, version } from "muster";
import { VERSION } from "../support/stack.mjs";

test("version() comes from the wasm core and matches Cargo.toml", () => {
  assert.equal(version(), VERSION);
});

test("validateJson reports every envelope problem with code, pointer and message", () => {
  const report = JSON.parse(validateJson('{"Operations": []}'));
  assert.equal(report.valid, false);
  assert.deepEqual(report.summary, { rows: 0, errors: 2, warnings: 0 });
  assert.deepEqual(
    report.diagnostics.map((d) => [d.code, d.pointer]),
    [
      ["bulk-schemas-missing", "/schemas"],
      ["bulk-operations-empty", "/Operations"],
    ],
  );
  assert.match(report.diagnostics[0].message, /urn:ietf:params:scim:api:messages:2\.0:BulkRequest/);
});

test("validateJson accepts a valid request", () => {
  const request = {
    schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
    Operations: [{ method: "DELETE", path: "/Users/2819c223" }],
  };
  const report = JSON.parse(validateJson(JSON.stringify(request)));
  assert.deepEqual(report, { valid: true, summary: { rows: 1, errors: 0, warnings: 0 }, diagnostics: [] });
});
