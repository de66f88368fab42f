// The "muster/validate" entry: the validator alone (no convert, plan, reconcile or CSV exports),
// in a wasm kept within its size budget, finding exactly what the whole package finds.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import * as whole from "muster";
import * as validator from "muster/validate";
import { ROOT } from "../support/stack.mjs";

const VALIDATOR = ["SheetValidator", "checkRows", "checkSheet", "fields", "parseSheet", "proposeMapping", "validate", "version"];
const SENDING = ["convert", "exportReportCsv", "findingsCsv", "plan", "reconcile", "sheetCsv"];

test("the validator entry exports the checks and leaves out what sends and reports", () => {
  for (const name of VALIDATOR) assert.equal(typeof validator[name], "function", name);
  for (const name of SENDING) {
    assert.equal(typeof whole[name], "function", `muster exports ${name}`);
    assert.equal(validator[name], undefined, `muster/validate leaves out ${name}`);
  }
});

test("the validator's wasm is within its budget: 200 KB gzip", () => {
  const size = (dir) => gzipSync(readFileSync(join(ROOT, "npm/dist", dir, "muster_bg.wasm")), { level: 9 }).length;
  const lean = size("validate");
  assert.ok(lean <= 200_000, `npm/dist/validate/muster_bg.wasm is ${lean} bytes gzip`);
  assert.ok(lean < size("."), "smaller than the whole package's");
});

test("the validator finds what the whole package finds, on every fixture", () => {
  const files = [];
  for (const dir of ["sheets", "scim", "jumpcloud", "oracle"]) {
    for (const name of readdirSync(join(ROOT, "tests/fixtures", dir)).filter((n) => /\.(csv|txt|json)$/.test(n))) {
      files.push({ name, bytes: new Uint8Array(readFileSync(join(ROOT, "tests/fixtures", dir, name))) });
    }
  }
  assert.ok(files.length > 20, `${files.length} fixtures`);
  for (const { name, bytes } of files) {
    for (const format of ["scim", "oracle", "jumpcloud-create"]) {
      const context = `${name} ${format}`;
      assert.deepEqual(validator.validate(bytes, { format }), whole.validate(bytes, { format }), context);
      if (name.endsWith(".json")) continue;
      const options = { read: { filename: name.replace(/\.txt$/, "") }, target: format };
      assert.deepEqual(validator.checkSheet(bytes, options), whole.checkSheet(bytes, options), context);
      const streamed = (pkg) => {
        const stream = new pkg.SheetValidator(options, undefined);
        stream.push(bytes);
        return stream.finish();
      };
      assert.deepEqual(streamed(validator), streamed(whole), context);
    }
  }
  assert.deepEqual(validator.proposeMapping(["E-mail", "Surname"]), whole.proposeMapping(["E-mail", "Surname"]));
});
