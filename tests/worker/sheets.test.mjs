// Spreadsheet jobs in workerd: POST /jobs with a CSV or XLSX body, checked by the core, run as a
// chunked job against scim2-server, and reported back as CSV with each row's outcome.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ROOT, jobEnded, randomKey, startScimServer, startWorker, tenant } from "../support/stack.mjs";
import { conforming } from "../support/openapi.mjs";

const KEY = randomKey();
let scim;
let worker;

before(async () => {
  scim = await startScimServer();
  const upstream = { url: scim.url, token: scim.token, maxOperations: 50, maxPayloadSize: 1048576 };
  worker = await startWorker({ tenants: [tenant("acme", KEY, upstream)] });
});

after(async () => {
  await worker?.stop();
  await scim?.stop();
});

const api = (path, init = {}) => conforming(`${worker.url}${path}`, { ...init, headers: { "x-api-key": KEY, ...(init.headers ?? {}) } });

const finished = (id) => jobEnded(api, id, { intervalMs: 300 });

async function scimUser(userName) {
  const filter = encodeURIComponent(`userName eq "${userName}"`);
  const list = await (await fetch(`${scim.url}/Users?filter=${filter}`, { headers: { authorization: `Bearer ${scim.token}` } })).json();
  return list.Resources?.[0];
}

test("a sheet with a bad cell is refused with its row and column, before anything is sent", async () => {
  const csv = "Username,Email\nsheet.ok,ok@example.com\nsheet.bad,bad.example.com\n";
  const res = await api("/jobs?target=scim&filename=users.csv", { method: "POST", body: csv });
  assert.equal(res.status, 400);
  const body = await res.json();
  assert.deepEqual(body.diagnostics.map((d) => [d.code, d.row, d.column]), [["email-invalid", 3, "Email"]]);
  assert.equal(await scimUser("sheet.ok"), undefined, "nothing half applied");
});

test("a sheet with more findings than a 400 lists gives the first 1,000, top to bottom, and counts them all", async () => {
  // Every row's email is wrong; the unmapped column is said at the end but sorts first (row 1).
  const rows = Array.from({ length: 3_000 }, (_, i) => `many.${i},not-an-email-${i},green`);
  const csv = ["Username,Email,Favourite colour", ...rows].join("\n");
  const res = await api("/jobs?target=scim&filename=users.csv", { method: "POST", body: csv });
  assert.equal(res.status, 400);
  const body = await res.json();
  assert.deepEqual(body.summary, { rows: 3_000, errors: 3_000, warnings: 1 });
  assert.equal(body.diagnostics.length, 1_000);
  assert.deepEqual(body.diagnostics[0].code, "map-column-unmapped");
  assert.deepEqual(body.diagnostics.slice(1).map((d) => d.row), Array.from({ length: 999 }, (_, i) => i + 2));
  assert.match(body.detail, /^The request has 3000 error\(s\) and 1 warning\(s\); the first 1000 are listed/);
});

test("a workbook that would unpack to too much (a zip bomb) is refused with what is wrong", async () => {
  const dir = mkdtempSync(join(tmpdir(), "muster-bomb-"));
  execFileSync(join(ROOT, ".tools/venv/bin/python"), ["-c", `
import sys
from pathlib import Path
sys.path.insert(0, ${JSON.stringify(join(ROOT, "tests/fixtures/sheets"))})
from make_workbooks import make, make_strings_bomb
d = Path(${JSON.stringify(dir)})
make(d / "users.xlsx", epoch_1904=False)
make_strings_bomb(d / "users.xlsx", d / "bomb.xlsx")
`]);
  const bomb = readFileSync(join(dir, "bomb.xlsx"));
  assert.ok(bomb.length < 1_000_000, `${bomb.length} bytes`);
  const res = await api("/jobs?target=scim&filename=bomb.xlsx", { method: "POST", body: bomb });
  assert.equal(res.status, 400);
  assert.match((await res.json()).detail, /part "xl\/sharedStrings\.xml" unpacks to more than 67,108,864 bytes.*zip bomb/);
});

test("a file over 20 MiB is refused with 413 and its size; a bad option is a 400", async () => {
  const big = await api("/jobs?target=scim&filename=users.csv", { method: "POST", body: "x".repeat(20 * 1024 * 1024 + 1) });
  assert.equal(big.status, 413);
  assert.match((await big.json()).detail, /The file is 20971521 bytes; jobs take spreadsheets up to 20971520 bytes/);
  const badOption = await api("/jobs?target=scim&filename=users.csv&headerRow=zero", { method: "POST", body: "Username\na\n" });
  assert.equal(badOption.status, 400);
});

test("a sheet too big to build a job from in the Worker's memory is refused with where to split it; its findings come first", async () => {
  const rows = (n) => Array.from({ length: n }, (_, i) => `big.${i},big.${i}@example.com,Given,Family`);
  const header = "Username,Email,First Name,Last Name";
  // 25,001 rows of 4 mapped columns: 100,004 cells, over the 100,000 a job takes.
  const big = await api("/jobs?target=scim&filename=users.csv", { method: "POST", body: [header, ...rows(25_001)].join("\n") });
  assert.equal(big.status, 413);
  assert.equal((await big.json()).detail,
    "The sheet has 25001 rows of 4 mapped columns (100004 cells); a job takes up to 100000 cells, which is what the Worker can build in its memory. Split it into files of at most 25000 rows.");
  // The same sheet with a bad cell: its findings, not its size, are what the user needs first.
  const lines = [header, ...rows(25_001)];
  lines[5] = "big.bad,not-an-email,Given,Family";
  const invalid = await api("/jobs?target=scim&filename=users.csv", { method: "POST", body: lines.join("\n") });
  assert.equal(invalid.status, 400);
  assert.deepEqual((await invalid.json()).diagnostics.map((d) => [d.code, d.row]), [["email-invalid", 6]]);
  assert.equal(await scimUser("big.0"), undefined, "nothing sent");
});

test("a clean CSV runs as a chunked job and its report has every row's outcome", { timeout: 120_000 }, async () => {
  const rows = Array.from({ length: 120 }, (_, i) => {
    const manager = i === 0 ? "" : "boss@example.com";
    const note = i === 1 ? "=1+1" : "";
    return `sheet.user${i},${i === 0 ? "boss@example.com" : `user${i}@example.com`},Given${i},${manager},${note}`;
  });
  const csv = ["Username,Email,First Name,Manager,Remarks", ...rows].join("\n") + "\n";
  const res = await api("/jobs?target=scim&filename=users.csv", { method: "POST", body: csv });
  assert.equal(res.status, 202, await res.clone().text());
  const job = await res.json();
  assert.equal(job.chunks, 3);
  const done = await finished(job.id);
  assert.equal(done.status, "finished", JSON.stringify(done));
  assert.equal(done.counts.created, 120);
  assert.equal(done.source, "spreadsheet");

  const [boss, user7] = [await scimUser("sheet.user0"), await scimUser("sheet.user7")];
  assert.equal(user7["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].manager.value, boss.id, "manager given by email → the boss's id");

  const report = await api(`/jobs/${job.id}/results`, { headers: { accept: "text/csv" } });
  assert.equal(report.status, 200);
  assert.match(report.headers.get("content-type"), /^text\/csv/);
  const lines = (await report.text()).trimEnd().split("\n");
  assert.equal(lines.length, 121);
  assert.equal(lines[0], "Username,Email,First Name,Manager,Remarks,muster outcome,muster id,muster message");
  assert.equal(lines[1], `sheet.user0,boss@example.com,Given0,,,created,${boss.id},`);
  assert.ok(lines[2].includes(",'=1+1,created,"), `a formula-looking cell is neutralised: ${lines[2]}`);
  assert.ok(lines.slice(1).every((l) => l.includes(",created,")));
});

test("an XLSX workbook becomes a job too; a JSON job has no CSV report", { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "muster-xlsx-"));
  execFileSync(join(ROOT, ".tools/venv/bin/python"), [join(ROOT, "tests/fixtures/sheets/make_workbooks.py"), dir]);
  const xlsx = readFileSync(join(dir, "users-1904.xlsx"));
  const res = await api("/jobs?target=scim&filename=users-1904.xlsx&sheet=New%20hires", { method: "POST", body: xlsx });
  assert.equal(res.status, 202, await res.clone().text());
  const done = await finished((await res.json()).id);
  assert.equal(done.counts.created, 2);
  const asmith = await scimUser("asmith");
  assert.equal(asmith.active, false);
  assert.equal(asmith["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].employeeNumber, "000123");

  const bulk = await api("/scim/v2/Bulk", {
    method: "POST",
    headers: { prefer: "respond-async" },
    body: JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], Operations: [{ method: "DELETE", path: "/Users/nobody" }] }),
  });
  const { id } = await bulk.json();
  await finished(id);
  assert.equal((await api(`/jobs/${id}/results`, { headers: { accept: "text/csv" } })).status, 406);
});

test("a sheet with an id column updates the users it names, keeping what the sheet does not set; rows without one are created", { timeout: 120_000 }, async () => {
  const headers = { authorization: `Bearer ${scim.token}`, "content-type": "application/scim+json" };
  const existing = {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
    userName: "upd.one",
    name: { givenName: "Una", familyName: "One" },
    emails: [{ type: "home", value: "una@home.example" }, { type: "work", value: "una@old.example", primary: true }],
    phoneNumbers: [{ type: "work", value: "+1 555 0100" }],
  };
  const one = await (await fetch(`${scim.url}/Users`, { method: "POST", headers, body: JSON.stringify(existing) })).json();

  const csv = `id,Username,First Name,Email,Mobile,Job title\n${one.id},upd.one,Ursula,una@new.example,+1 555 0199,Controller\n,upd.two,,two@example.com,,Clerk\n`;
  const res = await api("/jobs?target=scim&filename=changes.csv", { method: "POST", body: csv });
  assert.equal(res.status, 202, await res.clone().text());
  const job = await res.json();
  const done = await finished(job.id);
  assert.equal(done.status, "finished", JSON.stringify(done));
  assert.deepEqual([done.counts.updated, done.counts.created], [1, 1], JSON.stringify(done.counts));

  // The cells the sheet has are set; what it has no column for stays: the family name, the home
  // email, the work phone. The work email is replaced, not added beside the old one.
  const changed = await scimUser("upd.one");
  assert.equal(changed.id, one.id, "changed in place, not created again");
  assert.equal(changed.title, "Controller");
  assert.deepEqual(changed.name, { givenName: "Ursula", familyName: "One" });
  const typed = (values) => Object.fromEntries((values ?? []).map((v) => [v.type, v.value]));
  assert.deepEqual(typed(changed.emails), { home: "una@home.example", work: "una@new.example" });
  assert.deepEqual(typed(changed.phoneNumbers), { work: "+1 555 0100", mobile: "+1 555 0199" });
  assert.equal((await scimUser("upd.two")).title, "Clerk");

  const lines = (await (await api(`/jobs/${job.id}/results`, { headers: { accept: "text/csv" } })).text()).trimEnd().split("\n");
  assert.equal(lines[1], `${one.id},upd.one,Ursula,una@new.example,'+1 555 0199,Controller,updated,${one.id},`);
  assert.match(lines[2], /^,upd\.two,,two@example\.com,,Clerk,created,[^,]+,$/);
});
