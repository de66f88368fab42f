// npm package benchmark (not a test): `node bench/npm.mjs [rows]` after `scripts/build npm`.
// One generated CSV (default 100,000 users, 12 columns with quoted fields and zero-padded ids,
// 2 % invalid emails) through (a) muster's validate, (b) papaparse + ajv (ajv-formats), (c) uDSV +
// ajv: each in a fresh process, one warm-up, 7 timed repetitions; median, min and peak RSS, rows/s
// and the ratio muster / each competitor. All three must flag the same rows (checked). Also:
// muster's convert-to-SCIM rows/s, and how a big result crosses into JS (serde-wasm-bindgen objects
// versus JSON text parsed by the engine). Two floor lines, built like the package (bench/floor):
// the csv crate alone reading the same bytes in wasm, and with the three batch-duplicate columns
// hashed; each competitor's time over the floor is the best ratio any validator on that parser
// could reach.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROWS = Number(process.argv[2] ?? 100_000);
const REPS = 7;

const lines = ["Username,First Name,Last Name,Email,Employee ID,Department,Job Title,Mobile,City,Postal code,Country,Notes"];
for (let i = 0; i < ROWS; i++) {
  const email = i % 50 === 7 ? `user${i}.example.com` : `user${i}@example.com`;
  lines.push(`user${i},Given,"Family, ${i}",${email},${String(i).padStart(6, "0")},Operations,Analyst,+1 555 ${String(i % 10000).padStart(4, "0")},Boulder,80301,US,"said ""hi"", left"`);
}
const file = join(mkdtempSync(join(tmpdir(), "muster-npm-bench-")), "users.csv");
writeFileSync(file, `${lines.join("\n")}\n`);

execFileSync("bash", [new URL("../scripts/build", import.meta.url).pathname, "bench-floor"], { stdio: "ignore" });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function measure(name) {
  const out = execFileSync(process.execPath, [new URL("./npm-run.mjs", import.meta.url).pathname, name, file, String(REPS)], {
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  const result = JSON.parse(out);
  return { name, ...result, median: median(result.ms), min: Math.min(...result.ms) };
}

const show = (r) =>
  `${r.name.padEnd(16)} median ${r.median.toFixed(0).padStart(6)} ms  min ${r.min.toFixed(0).padStart(6)} ms  ` +
  `${Math.round((ROWS * 1000) / r.median).toLocaleString().padStart(10)} rows/s  RSS ${(r.rss / 2 ** 20).toFixed(0)} MiB`;

console.log(`${ROWS.toLocaleString()} users, ${REPS} repetitions each after a warm-up, each contender in a fresh process`);
const [musterRun, papa, udsv] = ["muster", "papaparse+ajv", "udsv+ajv"].map(measure);
for (const r of [musterRun, papa, udsv]) console.log(show(r));
for (const other of [papa, udsv]) {
  const same = JSON.stringify(other.flagged) === JSON.stringify(musterRun.flagged);
  if (!same) throw new Error(`${other.name} flagged other rows than muster (${other.flagged.length} vs ${musterRun.flagged.length})`);
}
console.log(`all three flagged the same ${musterRun.flagged.length} rows`);
console.log(`muster / papaparse+ajv: ${(papa.median / musterRun.median).toFixed(2)}× (goal ≥ 10×)`);
console.log(`muster / uDSV+ajv:      ${(udsv.median / musterRun.median).toFixed(2)}× (goal ≥ 5×)`);
const floors = ["floor: parser", "floor: +keys"].map(measure);
for (const r of floors) console.log(show(r));
const [parser, keys] = floors;
for (const other of [papa, udsv]) {
  console.log(
    `${other.name} / floor: parser ${(other.median / parser.median).toFixed(2)}×, / floor: +keys ${(other.median / keys.median).toFixed(2)}× ` +
      "(the most any validator reading with the csv crate could reach; +keys: one that also finds batch duplicates)",
  );
}
console.log(`muster validate / floor: +keys: ${(musterRun.median / keys.median).toFixed(2)}× the floor`);
const convert = measure("muster convert");
console.log(`${show(convert)}  (convert to SCIM: check + build the bulk request)`);
const objects = measure("muster objects");
const json = measure("muster json");
console.log(`result crossing into JS, checkSheet with a ${ROWS.toLocaleString()}-operation body: serde-wasm-bindgen objects ${objects.median.toFixed(0)} ms, JSON text + JSON.parse ${json.median.toFixed(0)} ms`);
