// Hostile input through every export of the package: results or a thrown Error with a message,
// never a wasm trap (`RuntimeError: unreachable`, which is what a Rust panic becomes).
import assert from "node:assert/strict";
import { test } from "node:test";
import * as muster from "muster/xlsx";

/** A deterministic stream of awkward inputs: random bytes, broken JSON, deep nesting, huge numbers. */
function* hostile() {
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let i = 0; i < 300; i++) {
    const bytes = new Uint8Array(next() % 400);
    for (let j = 0; j < bytes.length; j++) bytes[j] = "a,;\"\n\r\t{}[]:@\u00e90\u0000\uffff".charCodeAt(next() % 18) & 0xff;
    yield bytes;
  }
  yield new TextEncoder().encode("[".repeat(100_000));
  yield new TextEncoder().encode('{"Operations": [' + '{"method":"POST","path":"/Users","bulkId":"a","data":{"userName":"x"}},'.repeat(2000) + "1]}");
  yield new TextEncoder().encode('[{"username": "a", "unix_uid": 1e999, "email": "a@b.c"}]');
  yield new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0xff, 0xff, 0xff, 0xff]); // a broken ZIP (an "XLSX")
  yield new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]); // a broken XLS
  yield new Uint8Array([0xff, 0xfe, 0x41]); // UTF-16 with half a character
}

function survives(what, call) {
  try {
    call();
  } catch (err) {
    assert.ok(!(err instanceof WebAssembly.RuntimeError), `${what} trapped: ${err}`);
    assert.ok(err instanceof Error && err.message.length > 0, `${what} threw something without a message`);
  }
}

test("no input makes any export trap", () => {
  for (const bytes of hostile()) {
    const text = new TextDecoder().decode(bytes);
    for (const format of ["auto", "scim", "oracle", "jumpcloud-create", "jumpcloud-update"]) {
      survives("validate", () => muster.validate(bytes, { format }));
      survives("validate(text)", () => muster.validate(text, { format }));
      survives("convert", () => muster.convert(bytes, "scim", { format }));
    }
    for (const filename of ["x.csv", "x.xlsx", "x.ods", "x.xls", undefined]) {
      survives("checkSheet", () => muster.checkSheet(bytes, { read: { filename } }));
      survives("sheetNames", () => muster.sheetNames(bytes, filename));
      survives("SheetValidator", () => {
        const v = new muster.SheetValidator({ read: { filename } }, { rows: true, body: true, partRows: 3 });
        for (let at = 0; at < bytes.length; at += 7) v.push(bytes.subarray(at, at + 7));
        v.finish();
      });
    }
    survives("plan", () => muster.plan(text, { maxOperations: 1, maxPayloadBytes: 10 }));
    survives("exportReportCsv", () => muster.exportReportCsv(bytes, { Operations: [] }, { read: { filename: "x.csv" } }));
  }
  for (const bad of [null, 42, "x", [], { rows: "no" }, { headers: [1], rows: [{ number: -1, cells: [null] }] }]) {
    survives("checkRows", () => muster.checkRows(bad, undefined));
    survives("sheetCsv", () => muster.sheetCsv(bad));
    survives("findingsCsv", () => muster.findingsCsv(bad));
    survives("proposeMapping", () => muster.proposeMapping(bad, bad));
  }
});
