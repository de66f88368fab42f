#!/usr/bin/env node
// `npx muster validate FILE [--format F] [--json]`: the package's own wasm, on a file.
// Exit status as the native CLI: 0 valid, 1 invalid, 2 usage or I/O error.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
// The validator entry: the smallest wasm that checks JSON and delimited text.
import { checkSheet, validate, version } from "../dist/validate/node.js";

const USAGE = "usage: muster validate FILE [--format auto|scim|oracle|jumpcloud-create|jumpcloud-update] [--json]\n       muster --version";

function fail(message) {
  process.stderr.write(`muster: ${message}\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
if (args.includes("--version")) {
  console.log(version());
  process.exit(0);
}
const [command, ...rest] = args;
if (command !== "validate") fail(`unknown command "${command ?? ""}"\n${USAGE}`);
let file;
let format = "auto";
let json = false;
for (let i = 0; i < rest.length; i++) {
  if (rest[i] === "--json") json = true;
  else if (rest[i] === "--format") format = rest[++i] ?? fail("--format needs a value");
  else if (!file) file = rest[i];
  else fail(`unexpected argument "${rest[i]}"\n${USAGE}`);
}
if (!file) fail(USAGE);

let bytes;
try {
  bytes = readFileSync(file);
} catch (err) {
  fail(`cannot read ${file}: ${err.message}`);
}

// Delimited text goes through `validate`, which checks a sheet for its report alone (read a
// megabyte at a time, no body built), as does an XLSX or XLS workbook, with the build that reads
// workbooks (its rows checked as they are read). An ODS workbook (a ZIP, told from XLSX by its
// name), or a .csv whose text opens like JSON, needs its name to be read as a sheet: `checkSheet`
// takes it.
const magic = (...start) => start.every((b, i) => bytes[i] === b);
const workbook = magic(0x50, 0x4b, 0x03, 0x04) || magic(0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1);
const first = bytes.subarray(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0).find((b) => b > 0x20);
const named = /\.ods$/i.test(file) || (!workbook && /\.(csv|tsv|txt|tab)$/i.test(file) && (first === 0x7b || first === 0x5b));
const muster = workbook ? await import("../dist/xlsx/node.js") : { checkSheet, validate };

let report;
try {
  report = named
    ? muster.checkSheet(bytes, { read: { filename: basename(file) }, target: format }).report
    : muster.validate(bytes, { format });
} catch (err) {
  fail(err.message);
}

if (json) {
  console.log(JSON.stringify(report, null, 2));
} else {
  for (const d of report.diagnostics) {
    const place = d.pointer != null ? ` at ${d.pointer === "" ? "/" : d.pointer}` : "";
    console.log(`${file}: ${d.severity}[${d.code}]${place}: ${d.message}`);
  }
  const { rows, errors, warnings } = report.summary;
  console.log(`${file}: ${rows} record(s), ${errors} error(s), ${warnings} warning(s)`);
}
process.exit(report.valid ? 0 : 1);
