// The upload page in Debian Chromium, served by the Worker in workerd, sending to a real
// scim2-server: every bad cell marked and described, fixed in place, mapping overridden, XLSX
// read, sent, followed and reported; cell text never becomes HTML; the whole flow by keyboard;
// axe-core finds nothing serious. A screenshot of every step goes to target/screenshots/.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { launchChromium, screenshot } from "../support/browser.mjs";
import { ROOT, VERSION, randomKey, startScimServer, startWorker, tenant } from "../support/stack.mjs";

const KEY = randomKey();
const XSS = "<img src=x onerror=alert(1)>";
const CSV = [
  "Username,First Name,Last Name,Email,Employee ID,Department,Favourite colour",
  "ada.page,Ada,Lovelace,ada@example.com,000001,R&D,green",
  "bob.page,Bob,Builder,bob.example.com,000002,Ops,blue",
  "cyd.page,Cyd,Charisse,cyd@example.com,000001,Ops,red",
  `xss.page,${XSS},Test,xss@example.com,000004,Ops,`,
].join("\n");

let scim;
let worker;
let browser;

before(async () => {
  scim = await startScimServer();
  worker = await startWorker({ tenants: [tenant("page", KEY, { url: scim.url, token: scim.token })] });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await worker?.stop();
  await scim?.stop();
});

async function newPage() {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = [];
  page.on("pageerror", (err) => problems.push(err.message));
  page.on("console", (msg) => msg.type() === "error" && problems.push(msg.text()));
  page.on("dialog", (dialog) => {
    problems.push(`a dialog opened: ${dialog.message()}`);
    void dialog.dismiss();
  });
  // The wasm builds fetched (the Web Worker's requests are the page's), by size in bytes.
  const wasm = [];
  page.on("response", async (res) => {
    if (res.url().endsWith(".wasm")) wasm.push((await res.body()).length);
  });
  await page.goto(worker.url);
  await page.getByTestId("core-version").filter({ hasText: "Validator ready" }).waitFor();
  return { page, problems, wasm };
}

/** The npm package's wasm builds as the page was built with them, by size. */
const BUILDS = {
  csv: readFileSync(join(ROOT, "npm/dist/muster_bg.wasm")).length,
  workbooks: readFileSync(join(ROOT, "npm/dist/xlsx/muster_bg.wasm")).length,
};

async function upload(page, name, buffer, mimeType = "text/csv") {
  await page.evaluate(() => delete document.body.dataset.loaded);
  await page.getByLabel("Spreadsheet file").setInputFiles({ name, mimeType, buffer });
  await page.waitForSelector("body[data-loaded=true]");
}

/** Every invalid cell: [row number, column header, the text its aria-describedby points at]. */
async function invalidCells(page) {
  return page.$$eval('#grid [aria-invalid="true"]', (cells) =>
    cells.map((cell) => {
      const headers = [...document.querySelectorAll("#grid [role=columnheader]")].map((h) => h.textContent);
      const row = cell.closest("[role=row]").querySelector("[role=rowheader] .value").textContent;
      const note = document.getElementById(cell.getAttribute("aria-describedby"));
      return [Number(row), headers[Number(cell.getAttribute("aria-colindex")) - 1], note?.textContent ?? ""];
    }),
  );
}

const counts = (page) => page.getByTestId("counts").textContent();

async function axe(page, step) {
  const require = createRequire(import.meta.url);
  await page.addScriptTag({ path: require.resolve("axe-core/axe.min.js") });
  const violations = await page.evaluate(async () => (await window.axe.run(document)).violations);
  const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`), [], step);
}

test("a CSV with known errors: exactly those cells are invalid, fixed in place, mapped, sent and reported", { timeout: 120_000 }, async () => {
  const { page, problems, wasm } = await newPage();
  assert.match(await page.getByTestId("core-version").textContent(), new RegExp(`muster core ${VERSION}`));
  await screenshot(page, "page-1-start");

  await upload(page, "new-hires.csv", Buffer.from(CSV));
  assert.deepEqual(wasm, [BUILDS.csv], "a CSV needs only the build without workbooks");
  await screenshot(page, "page-2-review");
  assert.equal(await counts(page), "4 rows, 2 errors, 1 warning");
  // The warning no row shows (an unmapped column) is listed on its own, as text.
  const notes = page.getByTestId("notes");
  assert.ok(await notes.isVisible());
  assert.match(await notes.innerText(), /Favourite colour/);
  const invalid = await invalidCells(page);
  assert.deepEqual(invalid.map(([row, column]) => [row, column]), [[3, "Email"], [4, "Employee ID"]]);
  assert.match(invalid[0][2], /^Error: Row 3, column "Email": the value is not a valid email address/);
  assert.match(invalid[1][2], /^Error: Row 4 repeats the value in row 2; employee numbers must be unique/);

  // Cell text is text: the XSS row shows its markup literally and runs nothing.
  const xssCell = page.locator("#grid [role=gridcell]", { hasText: XSS });
  assert.equal(await xssCell.locator(".value").textContent(), XSS);
  assert.equal(await page.locator("#grid img").count(), 0);

  // The error summary links to the cell; Enter edits it, Enter keeps the change.
  await page.locator("#error-list a").first().click();
  await page.waitForFunction(() => document.activeElement?.getAttribute("aria-invalid") === "true");
  assert.match(await page.getByTestId("cell-details").textContent(), /^Row 3, column "Email": the value is not a valid email address/);
  await page.keyboard.press("Enter");
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("bob@example.com");
  await page.keyboard.press("Enter");
  await page.getByTestId("counts").filter({ hasText: "1 error" }).waitFor();
  assert.deepEqual((await invalidCells(page)).map(([row, column]) => [row, column]), [[4, "Employee ID"]]);
  await screenshot(page, "page-3-fixed-one");

  // Escape drops an edit.
  await page.locator("#error-list a").first().click();
  await page.waitForFunction(() => document.activeElement?.getAttribute("aria-invalid") === "true");
  await page.keyboard.press("Enter");
  await page.keyboard.type("999");
  await page.keyboard.press("Escape");
  await page.waitForFunction(() => document.activeElement?.getAttribute("role") === "gridcell");
  assert.equal(await counts(page), "4 rows, 1 error, 1 warning");
  await page.keyboard.press("Enter");
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("000003");
  await page.keyboard.press("Enter");
  await page.getByTestId("counts").filter({ hasText: "0 errors" }).waitFor();

  // Override a mapping: the unmapped column's warning goes.
  await page.getByRole("button", { name: "Change column mapping" }).click();
  await page.getByLabel("Field for column Favourite colour").selectOption("nickName");
  await screenshot(page, "page-4-mapping");
  await page.getByRole("button", { name: "Apply mapping" }).click();
  await page.getByTestId("counts").filter({ hasText: "4 rows, 0 errors, 0 warnings" }).waitFor();
  // Saved by name in localStorage, offered again after a reload.
  await page.getByLabel("Save as").fill("HR export");
  await page.getByRole("button", { name: "Save mapping" }).click();
  const saved = await page.evaluate(() => JSON.parse(localStorage.getItem("muster.mappings"))["HR export"].columns["Favourite colour"]);
  assert.equal(saved, "nickName");
  await axe(page, "review");

  // Send to the Worker, which sends to scim2-server; follow the job; read the results.
  await page.getByLabel("API key").fill(KEY);
  const created = page.waitForResponse((r) => r.url().endsWith("/jobs?target=scim&filename=muster-upload.csv"));
  await page.getByRole("button", { name: "Send" }).click();
  const job = await (await created).json();
  await page.getByTestId("results-summary").filter({ hasText: "4 created" }).waitFor({ timeout: 60_000 });
  const bar = page.getByRole("progressbar");
  assert.equal(await bar.getAttribute("aria-valuenow"), "4");
  assert.equal(await bar.getAttribute("aria-valuemax"), "4");
  await screenshot(page, "page-5-results");
  await axe(page, "results");

  for (const name of ["ada.page", "bob.page", "cyd.page", "xss.page"]) {
    assert.equal((await scim.findUsers(name)).length, 1, `${name} exists upstream`);
  }
  const xssUser = (await scim.findUsers("xss.page"))[0];
  assert.equal(xssUser.name.givenName, XSS, "sent exactly as written");
  const outcomes = await page.$$eval("#grid .grid-body [role=row] [aria-colindex='9']", (cells) => cells.map((c) => c.textContent));
  assert.deepEqual(outcomes, ["created", "created", "created", "created"]);

  // Sending the same rows again gives back the same job: nobody is created twice.
  const again = page.waitForResponse((r) => r.url().endsWith("/jobs?target=scim&filename=muster-upload.csv"));
  await page.getByRole("button", { name: "Send" }).click();
  assert.equal((await (await again).json()).id, job.id);
  await page.getByTestId("results-summary").filter({ hasText: "4 created" }).waitFor();

  // The downloaded results are the Worker's report, byte for byte.
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download results (CSV)" }).click();
  const file = readFileSync(await (await download).path(), "utf8");
  const report = await (await fetch(`${worker.url}/jobs/${job.id}/results`, { headers: { "x-api-key": KEY, accept: "text/csv" } })).text();
  assert.equal(file, report);
  assert.match(file.split("\n")[0], /muster outcome,muster id,muster message$/);

  // The saved mapping is offered again after a reload.
  await page.reload();
  await page.getByTestId("core-version").filter({ hasText: "Validator ready" }).waitFor();
  assert.deepEqual(await page.locator("#profiles option").allTextContents(), ["(none)", "HR export"]);
  assert.deepEqual(problems, []);
});

test("an XLSX workbook is read in the browser, with its sheet and header row choosable", { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "muster-page-"));
  execFileSync(join(ROOT, ".tools/venv/bin/python"), ["-c", `
import openpyxl
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "Readme"
ws.append(["Export of new hires"])
people = wb.create_sheet("People")
people.append(["Username", "Email", "Employee ID"])
people.append(["xl.one", "one@example.com", "000123"])
people.append(["xl.two", "two.example.com", "000124"])
wb.save("${dir}/hires.xlsx")
`]);
  const { page, problems, wasm } = await newPage();
  await upload(page, "hires.xlsx", readFileSync(join(dir, "hires.xlsx")), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  assert.deepEqual(wasm, [BUILDS.csv, BUILDS.workbooks], "the workbook build is fetched for the first workbook");
  assert.equal(await page.getByLabel("Sheet", { exact: true }).inputValue(), "Readme");
  await page.getByLabel("Sheet", { exact: true }).selectOption("People");
  await page.evaluate(() => delete document.body.dataset.loaded);
  await page.getByRole("button", { name: "Read again" }).click();
  await page.waitForSelector("body[data-loaded=true]");
  await page.getByTestId("counts").filter({ hasText: "2 rows, 1 error" }).waitFor();
  assert.deepEqual((await invalidCells(page)).map(([row, column]) => [row, column]), [[3, "Email"]]);
  const ids = await page.$$eval("#grid .grid-body [role=row] [aria-colindex='4'] .value", (cells) => cells.map((c) => c.textContent));
  assert.deepEqual(ids, ["000123", "000124"], "zero-padded ids stay as written");
  await screenshot(page, "page-6-xlsx");
  assert.deepEqual(problems, []);
});

test("a sheet with an id column updates the user it names and creates the rest", { timeout: 90_000 }, async () => {
  const headers = { authorization: `Bearer ${scim.token}`, "content-type": "application/scim+json" };
  const user = { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "upd.page", title: "Intern" };
  const existing = await (await fetch(`${scim.url}/Users`, { method: "POST", headers, body: JSON.stringify(user) })).json();

  const { page, problems } = await newPage();
  await upload(page, "changes.csv", Buffer.from(`Object ID,Username,Job title\n${existing.id},upd.page,Controller\n,new.page,Clerk\n`));
  assert.equal(await counts(page), "2 rows, 0 errors, 0 warnings");
  // A column that makes rows updates is never taken on trust: the mapping step opens by itself,
  // focused, and says what the column does before anything is sent.
  assert.ok(await page.locator("#step-mapping").isVisible(), "the mapping step asks to confirm");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "mapping-heading");
  assert.equal(await page.getByLabel("Field for column Object ID").inputValue(), "id");
  assert.match(await page.locator("#mapping").innerText(), /updates that existing user instead of creating one/);
  await screenshot(page, "page-7-update-mapping");
  await page.getByRole("button", { name: "Apply mapping" }).click();

  await page.getByLabel("API key").fill(KEY);
  await page.getByRole("button", { name: "Send" }).click();
  await page.getByTestId("results-summary").filter({ hasText: "1 created, 1 updated" }).waitFor({ timeout: 60_000 });
  await screenshot(page, "page-8-update-results");
  const [changed] = await scim.findUsers("upd.page");
  assert.deepEqual([changed.id, changed.title], [existing.id, "Controller"], "changed in place, not created again");
  assert.equal((await scim.findUsers("new.page")).length, 1);
  assert.deepEqual(problems, []);
});

test("the whole flow by keyboard alone", { timeout: 90_000 }, async () => {
  const { page, problems } = await newPage();
  const csv = "Username,Email\nkey.one,key.one@example.com\nkey.two,key.two.example.com\n";
  /** Presses Tab until `check` holds for the focused element (at most 60 times). */
  const tabTo = async (what, check) => {
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press("Tab");
      if (await page.evaluate(check)) return;
    }
    throw new Error(`Tab never reached ${what}`);
  };
  await tabTo("the file input", () => document.activeElement?.id === "file");
  // Space on the focused input opens the file chooser. On a loaded machine Chromium once let the
  // first press pass without opening it (a clean-clone run): one more press, still by keyboard.
  const open = async () => {
    const chooser = page.waitForEvent("filechooser", { timeout: 10_000 });
    await page.keyboard.press("Space");
    return chooser;
  };
  const chooser = await open().catch(open);
  await chooser.setFiles({ name: "keys.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.waitForSelector("body[data-loaded=true]");
  await page.waitForFunction(() => document.activeElement?.id === "review-heading"); // focus moved to the review
  await tabTo("the grid", () => document.activeElement?.getAttribute("role") === "gridcell");
  await page.keyboard.press("ArrowDown");
  await page.waitForFunction(() => document.activeElement?.closest("[role=row]")?.getAttribute("aria-rowindex") === "3");
  await page.keyboard.press("ArrowRight");
  await page.waitForFunction(() => document.activeElement?.getAttribute("aria-invalid") === "true");
  await page.keyboard.press("Enter");
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("key.two@example.com");
  await page.keyboard.press("Enter");
  await page.getByTestId("counts").filter({ hasText: "0 errors" }).waitFor();
  await tabTo("the API key", () => document.activeElement?.id === "api-key");
  await page.keyboard.type(KEY);
  await tabTo("Send", () => document.activeElement?.id === "send");
  await page.keyboard.press("Enter");
  await page.getByTestId("results-summary").filter({ hasText: "2 created" }).waitFor({ timeout: 60_000 });
  await page.waitForFunction(() => document.activeElement?.id === "results-heading"); // focus moved to the results
  await screenshot(page, "page-7-keyboard-done");
  assert.deepEqual(problems, []);
});
