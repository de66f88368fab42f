// One contender of bench/npm.mjs, in its own process: `node bench/npm-run.mjs NAME FILE REPS`.
// Prints JSON: each repetition's milliseconds (after one warm-up), peak RSS, and the rows flagged.
import { readFileSync } from "node:fs";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import Papa from "papaparse";
import { inferSchema, initParser } from "udsv";
import * as muster from "muster";
import { initSync as initFloor, read as floorRead, read_with_keys as floorReadWithKeys } from "../target/bench-floor/floor.js";

initFloor({ module: readFileSync(new URL("../target/bench-floor/floor_bg.wasm", import.meta.url)) });

const [name, file, reps = "7"] = process.argv.slice(2);
const bytes = new Uint8Array(readFileSync(file));
const text = new TextDecoder().decode(bytes);

// The same rules for the JS contenders as muster applies to these columns: a username, and an
// email address (ajv-formats' "email").
const ajv = new Ajv({ allErrors: true });
addFormats(ajv);
const check = ajv.compile({
  type: "object",
  required: ["Username", "Email"],
  properties: {
    Username: { type: "string", minLength: 1 },
    Email: { type: "string", format: "email" },
    "Employee ID": { type: "string", pattern: "^[0-9]+$" },
  },
});

const contenders = {
  muster() {
    const report = muster.validate(bytes, { format: "scim" });
    return report.diagnostics.filter((d) => d.code === "email-invalid").map((d) => d.row);
  },
  "muster convert"() {
    const checked = muster.checkSheet(bytes, { read: { filename: "users.csv" }, target: "scim" });
    return checked.body ? [] : checked.report.diagnostics.filter((d) => d.code === "email-invalid").map((d) => d.row);
  },
  "muster objects"() {
    return muster.__checkSheetCrossing(bytes, { read: { filename: "users.csv" }, target: "scim" }, "objects").report.diagnostics.length;
  },
  "muster json"() {
    return muster.__checkSheetCrossing(bytes, { read: { filename: "users.csv" }, target: "scim" }, "json").report.diagnostics.length;
  },
  // Floors (bench/floor): the csv crate alone in wasm, then with the three columns muster checks
  // for batch duplicates (Username, Email, Employee ID) hashed into sets. They flag nothing.
  "floor: parser"() {
    floorRead(bytes);
    return null;
  },
  "floor: +keys"() {
    floorReadWithKeys(bytes, new Uint32Array([0, 3, 4]));
    return null;
  },
  "papaparse+ajv"() {
    const { data } = Papa.parse(text, { header: true, skipEmptyLines: true });
    const bad = [];
    data.forEach((row, i) => check(row) || bad.push(i + 2));
    return bad;
  },
  "udsv+ajv"() {
    const parser = initParser(inferSchema(text));
    const bad = [];
    parser.stringObjs(text).forEach((row, i) => check(row) || bad.push(i + 2));
    return bad;
  },
};

const run = contenders[name];
let flagged = run(); // warm-up
const ms = [];
for (let i = 0; i < Number(reps); i++) {
  const t = performance.now();
  flagged = run();
  ms.push(performance.now() - t);
}
console.log(JSON.stringify({ ms, rss: process.resourceUsage().maxRSS * 1024, flagged }));
