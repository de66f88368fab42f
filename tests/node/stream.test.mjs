// Streaming, edits and exports through the npm package, against the one-shot check, on the whole
// spreadsheet corpus; the "muster/xlsx" entry for workbooks.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { SheetValidator, checkRows, checkSheet, fields, findingsCsv, sheetCsv, validate } from "muster";
import * as full from "muster/xlsx";
import { ROOT } from "../support/stack.mjs";

const SHEETS = join(ROOT, "tests/fixtures/sheets");

/** `text` in a single-byte code page (a reverse of TextDecoder's table for it). */
function legacy(text, encoding) {
  const decoder = new TextDecoder(encoding);
  const table = new Map(Array.from({ length: 256 }, (_, b) => [decoder.decode(new Uint8Array([b])), b]));
  return new Uint8Array(Array.from(text, (c) => table.get(c) ?? 0x3f));
}

/** The corpus as bytes; `.txt` sources encoded as Excel writes them (see tests/corpus.rs). */
function corpus() {
  return readdirSync(SHEETS)
    .filter((name) => /\.(csv|txt)$/.test(name))
    .map((name) => {
      const raw = readFileSync(join(SHEETS, name));
      let bytes = new Uint8Array(raw);
      let utf8 = true;
      if (name.endsWith(".tsv.txt")) bytes = new Uint8Array(Buffer.from(`\ufeff${raw.toString("utf8")}`, "utf16le"));
      if (name.endsWith("-cp1252.csv.txt")) [bytes, utf8] = [legacy(raw.toString("utf8"), "windows-1252"), false];
      if (name.startsWith("mac-")) [bytes, utf8] = [legacy(raw.toString("utf8").replaceAll("\n", "\r"), "macintosh"), false];
      return { name: name.replace(/\.txt$/, ""), bytes, utf8 };
    });
}

const key = (d) => `${d.row}|${d.column ?? ""}|${d.code}|${d.message}`;

function streamed(bytes, options, piece) {
  const validator = new SheetValidator(options, { rows: true, partRows: 2 });
  const diagnostics = [];
  const rows = [];
  let last;
  for (let at = 0; at < bytes.length; at += piece) {
    last = validator.push(bytes.subarray(at, at + piece));
    diagnostics.push(...last.diagnostics);
    rows.push(...last.rows);
  }
  last = validator.finish();
  diagnostics.push(...last.diagnostics);
  rows.push(...last.rows);
  return { diagnostics, rows, last };
}

test("streaming equals one-shot on every fixture, however the bytes are cut", () => {
  for (const { name, bytes } of corpus()) {
    for (const target of ["scim", "jumpcloud-create"]) {
      const options = { read: { filename: name }, target };
      const oneShot = checkSheet(bytes, options);
      for (const piece of [1, 5, 4096]) {
        const { diagnostics, rows, last } = streamed(bytes, options, piece);
        const context = `${name} ${target} pieces of ${piece}`;
        assert.deepEqual(diagnostics.map(key).sort(), oneShot.report.diagnostics.map(key).sort(), context);
        assert.equal(last.done, true, context);
        assert.equal(last.progress.bytes, bytes.length, context);
        assert.equal(last.progress.rows, oneShot.report.summary.rows, context);
        assert.equal(last.progress.errors, oneShot.report.summary.errors, context);
        assert.equal(rows.length, oneShot.report.summary.rows, context);
      }
    }
  }
});

test("Uint8Array and string inputs agree", () => {
  for (const { name, bytes } of corpus().filter((f) => f.name.endsWith(".csv") && f.utf8)) {
    const text = new TextDecoder().decode(bytes);
    assert.deepEqual(validate(text, { format: "scim" }), validate(bytes, { format: "scim" }), name);
  }
});

test("the package finds what the native CLI finds on the whole corpus", () => {
  const cli = join(ROOT, "target/debug/muster");
  const dir = mkdtempSync(join(tmpdir(), "muster-corpus-"));
  for (const { name, bytes } of corpus()) {
    for (const format of ["scim", "jumpcloud-create"]) {
      const file = join(dir, name);
      writeFileSync(file, bytes);
      const run = spawnSync(cli, ["validate", file, "--format", format, "--json"], { encoding: "utf8" });
      assert.ok(run.status === 0 || run.status === 1, `${name}: ${run.stderr}`);
      const native = JSON.parse(run.stdout);
      const wasm = checkSheet(bytes, { read: { filename: name }, target: format }).report;
      assert.deepEqual(wasm.summary, native.summary, `${name} ${format}`);
      assert.deepEqual(wasm.diagnostics.map(key).sort(), native.diagnostics.map(key).sort(), `${name} ${format}`);
    }
  }
});

test("an edited sheet is checked again, batch duplicates included", () => {
  const csv = "Username,Email\njdoe,jdoe@example.com\nasmith,not-an-email\n";
  const options = { read: { filename: "users.csv" }, target: "jumpcloud-create" };
  const { last, rows } = streamed(new TextEncoder().encode(csv), options, 1024);
  assert.equal(last.progress.errors, 1);
  const sheet = { name: "users.csv", headerRow: 1, headers: ["Username", "Email"], rows };
  sheet.rows[1].cells[1] = "asmith@example.com";
  assert.equal(checkRows(sheet, options).report.valid, true);
  sheet.rows[1].cells[0] = "JDOE";
  const dup = checkRows(sheet, options).report.diagnostics;
  assert.deepEqual(dup.map((d) => [d.row, d.code]), [[3, "duplicate-user-name"]]);
  assert.equal(sheetCsv(sheet), "Username,Email\njdoe,jdoe@example.com\nJDOE,asmith@example.com\n");
});

test("findings export neutralises formulas; fields lists every mapping target", () => {
  const report = checkSheet(new TextEncoder().encode("Username,Email\n=cmd,=1+1\n"), { target: "jumpcloud-create" });
  const csv = findingsCsv(report.report.diagnostics);
  assert.match(csv, /^row,column,field,severity,code,message\n/);
  assert.ok(!/(^|,)=/m.test(csv), csv);
  const keys = fields().map((f) => f.key);
  for (const k of ["userName", "emails.work", "name.givenName", "manager"]) assert.ok(keys.includes(k), k);
});

test("workbooks need the muster/xlsx entry; the lean one says so", () => {
  const xlsx = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0]);
  assert.throws(() => checkSheet(xlsx, { read: { filename: "a.xlsx" } }), /muster\/xlsx/);
  assert.throws(() => full.checkSheet(xlsx, { read: { filename: "a.xlsx" } }), /workbook|zip|archive/i);
  assert.equal(typeof full.sheetNames, "function");
  assert.equal(full.version(), full.version());
});

test("bad options throw an Error, not a wasm trap", () => {
  assert.throws(() => new SheetValidator({ target: "xml" }), /invalid sheet options/);
  const v = new SheetValidator();
  v.finish();
  assert.throws(() => v.push(new Uint8Array([1])), /finished/);
});
