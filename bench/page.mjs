// Upload-page benchmark (not a test): `node bench/page.mjs [rows]` after `scripts/build`.
// A generated CSV (default 1,000,000 rows, 12 columns, 2 % invalid emails) is chosen in the page,
// served by the Worker in workerd and opened in Debian Chromium. Reported: time until the first
// checked rows are in the grid (goal ≤ 3 s), time until every row is read and checked, and the
// main thread's long tasks (PerformanceObserver; goal: none over 50 ms), also while scrolling.
import { closeSync, mkdtempSync, openSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchChromium } from "../tests/support/browser.mjs";
import { startWorker } from "../tests/support/stack.mjs";

const ROWS = Number(process.argv[2] ?? 1_000_000);

/** Writes the CSV a part at a time (a 1 GB file is longer than a JS string may be). */
function writeCsv(path, rows) {
  const out = openSync(path, "w");
  writeSync(out, "Username,First Name,Last Name,Email,Employee ID,Department,Job Title,Mobile,City,Postal code,Country,Manager\n");
  for (let start = 0; start < rows; start += 100_000) {
    const lines = [];
    for (let i = start; i < Math.min(rows, start + 100_000); i++) {
      const email = i % 50 === 7 ? `user${i}.example.com` : `user${i}@example.com`;
      lines.push(`user${i},Given,"Family, ${i}",${email},${String(i).padStart(6, "0")},Operations,Analyst,+1 555 ${String(i % 10000).padStart(4, "0")},Boulder,80301,US,${i ? `user${i - 1}` : ""}\n`);
    }
    writeSync(out, lines.join(""));
  }
  closeSync(out);
}

const file = join(mkdtempSync(join(tmpdir(), "muster-page-bench-")), "hires.csv");
writeCsv(file, ROWS);
const worker = await startWorker();
const browser = await launchChromium();
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
await page.addInitScript(() => {
  window.longTasks = [];
  new PerformanceObserver((list) => window.longTasks.push(...list.getEntries().map((e) => e.duration))).observe({ type: "longtask", buffered: true });
});
await page.goto(worker.url);
await page.getByTestId("core-version").filter({ hasText: "Validator ready" }).waitFor();
await page.evaluate(() => (window.longTasks = []));

const started = Date.now();
await page.getByLabel("Spreadsheet file").setInputFiles(file);
await page.waitForSelector("body[data-first-view]", { timeout: 120_000 });
const firstView = Date.now() - started;
const firstViewInPage = Number(await page.evaluate(() => document.body.dataset.firstView));
await page.waitForSelector("body[data-loaded=true]", { timeout: 1_200_000 });
const loaded = Date.now() - started;
const counts = await page.getByTestId("counts").textContent();

// Scroll through the grid while everything is loaded.
await page.evaluate(async () => {
  const body = document.querySelector(".grid-body");
  for (let i = 0; i < 40; i++) {
    body.scrollTop = (body.scrollHeight * i) / 40;
    await new Promise((r) => setTimeout(r, 25));
  }
});
const longTasks = await page.evaluate(() => window.longTasks);
await browser.close();
await worker.stop();

const over = longTasks.filter((d) => d > 50);
console.log(`page, ${ROWS.toLocaleString()} rows (${Math.round(statSync(file).size / 1e6)} MB): ${counts}`);
console.log(`first checked rows in the grid: ${firstView} ms after choosing the file (${firstViewInPage} ms inside the page) — goal ≤ 3000 ms`);
console.log(`every row read and checked: ${(loaded / 1000).toFixed(1)} s (${Math.round((ROWS * 1000) / loaded).toLocaleString()} rows/s in the Web Worker)`);
console.log(`main-thread long tasks: ${longTasks.length} in all, ${over.length} over 50 ms${over.length ? ` (longest ${Math.round(Math.max(...over))} ms)` : ""} — goal: none over 50 ms`);
