// The upload page, served by the Worker in workerd, in a real Chromium: the wasm loads and runs.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchChromium, screenshot } from "../support/browser.mjs";
import { VERSION, startWorker } from "../support/stack.mjs";

let worker;
let browser;

before(async () => {
  worker = await startWorker();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await worker?.stop();
});

test("the page loads the wasm validator and shows what it computes", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (err) => errors.push(err.message));
  page.on("console", (msg) => msg.type() === "error" && errors.push(msg.text()));

  await page.goto(worker.url);
  const core = page.getByTestId("core-version");
  await core.filter({ hasText: "Validator ready" }).waitFor();
  assert.equal(await core.textContent(), `Validator ready: muster core ${VERSION} (WebAssembly)`);

  await page.getByLabel("SCIM 2.0 bulk request (JSON)").fill('{"Operations": []}');
  await page.getByRole("button", { name: "Check" }).click();
  assert.equal(await page.getByTestId("summary").textContent(), "2 error(s), 0 warning(s) in 0 operation(s).");
  const items = await page.getByTestId("diagnostics").locator("li").allTextContents();
  assert.equal(items.length, 2);
  assert.match(items[0], /^bulk-schemas-missing /);
  await screenshot(page, "skeleton-page");
  assert.deepEqual(errors, []);
});
