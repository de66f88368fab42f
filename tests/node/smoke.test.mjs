// The npm package as users import it, in Node: resolved through its `exports` map.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkSheet, convert, exportReportCsv, plan, proposeMapping, validate, version } from "muster";
import { VERSION } from "../support/stack.mjs";

const BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
const USER = "urn:ietf:params:scim:schemas:core:2.0:User";

test("version() comes from the wasm core and matches Cargo.toml", () => {
  assert.equal(version(), VERSION);
});

test("validate reports every envelope problem with code, pointer and message", () => {
  const report = validate('{"Operations": []}', { format: "scim" });
  assert.equal(report.valid, false);
  assert.deepEqual(report.summary, { rows: 0, errors: 2, warnings: 0 });
  assert.deepEqual(
    report.diagnostics.map((d) => [d.code, d.pointer]),
    [
      ["bulk-schemas-missing", "/schemas"],
      ["bulk-operations-empty", "/Operations"],
    ],
  );
  assert.match(report.diagnostics[0].message, /urn:ietf:params:scim:api:messages:2\.0:BulkRequest/);
});

test("validate takes a string, bytes or an object and gives the same report", () => {
  const request = { schemas: [BULK], Operations: [{ method: "POST", path: "/Users", bulkId: "a", data: { schemas: [USER], userName: "a", emails: [{ value: "nope" }] } }] };
  const text = JSON.stringify(request);
  const fromText = validate(text);
  assert.deepEqual(validate(new TextEncoder().encode(text)), fromText);
  assert.deepEqual(validate(request), fromText);
  assert.deepEqual(fromText.diagnostics.map((d) => d.code), ["email-invalid"]);
});

test("validate reads a CSV as a spreadsheet, with rows and columns", () => {
  const report = validate("Username,Email\njdoe,jdoe.example.com\n");
  assert.deepEqual(
    report.diagnostics.map((d) => [d.code, d.row, d.column]),
    [["email-invalid", 2, "Email"]],
  );
});

test("checkSheet maps the headers and returns the body to send", () => {
  const csv = new TextEncoder().encode("Login;E-mail;Given name\njdoe;jdoe@example.com;John\n");
  const checked = checkSheet(csv, { target: "jumpcloud-create" });
  assert.equal(checked.report.valid, true);
  assert.deepEqual(checked.mapping.map((p) => [p.header, p.field, p.match]), [
    ["Login", "userName", "synonym"],
    ["E-mail", "emails.work", "exact"],
    ["Given name", "name.givenName", "synonym"],
  ]);
  assert.deepEqual(checked.body, [{ username: "jdoe", email: "jdoe@example.com", firstname: "John" }]);
  assert.equal(JSON.stringify(checked.body), '[{"email":"jdoe@example.com","firstname":"John","username":"jdoe"}]', "plain objects, not Maps");
});

test("proposeMapping gives a confidence and a reason, and a profile decides", () => {
  const [surname, badge] = proposeMapping(["Surname", "Badge"]);
  assert.equal(surname.field, "name.familyName");
  assert.ok(surname.confidence > 0.9 && surname.reason.length > 0);
  assert.equal(badge.field, null);
  const [, saved] = proposeMapping(["Surname", "Badge"], { columns: { Badge: "employeeNumber" } });
  assert.deepEqual([saved.field, saved.match], ["employeeNumber", "profile"]);
});

// The wasm builds normalise Unicode with the JS host's tables (String.prototype.normalize), the
// native build with compiled-in ones: both must fold the same way.
test("Unicode: full-width usernames collide after NFKC, accented headers map without their accents", () => {
  const users = [{ username: "ｊｄｏｅ", email: "a@example.com" }, { username: "JDoe", email: "b@example.com" }];
  const report = validate(JSON.stringify(users), { format: "jumpcloud-create" });
  const duplicate = report.diagnostics.find((d) => d.code === "duplicate-user-name");
  assert.ok(duplicate, JSON.stringify(report.diagnostics));
  assert.equal(duplicate.pointer, "/1/username");
  const [given, family] = proposeMapping(["Prénom", "NOM"]);
  assert.deepEqual([given.field, given.match], ["name.givenName", "synonym"]);
  assert.equal(family.field, "name.familyName");
});

test("convert refuses output the target would reject, and says why", () => {
  const request = JSON.stringify({ schemas: [BULK], Operations: [{ method: "POST", path: "/Users", bulkId: "a", data: { schemas: [USER], userName: "a@b.example", emails: [{ value: "a@b.example" }] } }] });
  const refused = convert(request, "jumpcloud-create");
  assert.equal(refused.body, null);
  assert.deepEqual(refused.report.diagnostics.map((d) => d.code), ["jc-username-invalid"]);
  const ok = convert(request, "oracle");
  assert.equal(ok.body.Operations[0].data.emails[0].type, "W");
});

test("convert takes a spreadsheet too, mapped by a saved profile and split for an upstream's limits", () => {
  const csv = "Login,Email\njdoe,jdoe@example.com\nasmith,asmith@example.com\nbwayne,bwayne@example.com\n";
  const mapping = { columns: { Login: "userName" }, passThroughUnmapped: false };
  const whole = convert(csv, "scim", { read: { filename: "hires.csv" }, mapping });
  assert.equal(whole.report.valid, true, JSON.stringify(whole.report.diagnostics));
  assert.deepEqual(whole.body.Operations.map((o) => o.data.userName), ["jdoe", "asmith", "bwayne"]);
  assert.equal(whole.chunks, undefined);
  const split = convert(new TextEncoder().encode(csv), "jumpcloud-create", { mapping, maxOperations: 2 });
  assert.equal(split.body, null);
  assert.deepEqual(split.chunks.map((users) => users.map((u) => u.username)), [["jdoe", "asmith"], ["bwayne"]]);
  const bad = convert("Username,Email\njdoe,not-an-address\n", "scim", { maxOperations: 2 });
  assert.deepEqual([bad.body, bad.chunks, bad.report.diagnostics[0].code], [null, undefined, "email-invalid"]);
});

test("plan splits and orders a request, carrying ids across chunks", () => {
  const request = {
    schemas: [BULK],
    Operations: [
      { method: "POST", path: "/Groups", bulkId: "g", data: { displayName: "G", members: [{ value: "bulkId:u" }] } },
      { method: "POST", path: "/Users", bulkId: "u", data: { schemas: [USER], userName: "u" } },
    ],
  };
  const p = plan(request, { maxOperations: 1, maxPayloadBytes: 1048576 });
  assert.deepEqual(p.chunks.map((c) => c.creates), [["u"], ["g"]]);
  assert.deepEqual(p.chunks[1].carried, ["u"]);
});

test("exportReportCsv adds outcomes and neutralises formulas", () => {
  const csv = new TextEncoder().encode("Username,Email\n=jdoe,jdoe@example.com\n");
  const answer = { Operations: [{ method: "POST", bulkId: "row2", location: "/Users/92b7", status: "201" }] };
  const report = exportReportCsv(csv, answer, { target: "scim" });
  assert.equal(report, "Username,Email,muster outcome,muster id,muster message\n'=jdoe,jdoe@example.com,created,92b7,\n");
});

test("bad arguments throw an Error that says what is wrong, never a wasm trap", () => {
  assert.throws(() => validate(42), (err) => err instanceof Error && /string, a Uint8Array or an object/.test(err.message));
  assert.throws(() => validate("{}", { format: "xml" }), (err) => err instanceof Error && /invalid options/.test(err.message));
  assert.throws(() => convert("{}", "ldif"), (err) => err instanceof Error && /invalid target/.test(err.message));
  assert.throws(() => plan("{not json"), (err) => err instanceof Error && /not JSON/.test(err.message));
  // The module still works after the throws.
  assert.equal(validate("{}", { format: "scim" }).valid, false);
});

test("npx muster validate runs the same wasm on a file, with the CLI's exit codes", async () => {
  const { spawnSync } = await import("node:child_process");
  const { join } = await import("node:path");
  const { ROOT } = await import("../support/stack.mjs");
  const run = (...args) => spawnSync(process.execPath, [join(ROOT, "npm/bin/muster.mjs"), ...args], { encoding: "utf8" });
  const sheet = join(ROOT, "tests/fixtures/sheets/jumpcloud-template.csv");
  const human = run("validate", sheet);
  assert.equal(human.status, 1);
  assert.match(human.stdout, /error\[email-invalid\]: Row 3, column "Email": /);
  assert.match(human.stdout, /5 record\(s\), 7 error\(s\), 2 warning\(s\)\n$/);
  const clean = run("validate", "--json", join(ROOT, "tests/fixtures/scim/create-one-user.json"));
  assert.equal(clean.status, 0);
  assert.equal(JSON.parse(clean.stdout).valid, true);
  // A .csv whose text opens like JSON is still read as a sheet (its name decides, as in the CLI).
  const { mkdtempSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const braced = join(mkdtempSync(join(tmpdir(), "muster-")), "braced.csv");
  writeFileSync(braced, "{team},Username,Email\nops,u1,not-an-email\n");
  const sheet2 = run("validate", "--format", "scim", braced);
  assert.equal(sheet2.status, 1);
  assert.match(sheet2.stdout, /error\[email-invalid\]: Row 2, column "Email": /);
  assert.equal(run("validate", join(ROOT, "no-such-file.csv")).status, 2);
  assert.equal(run("frobnicate").status, 2);
  // A workbook (XLSX, ODS, XLS) is read by the build that reads workbooks, and found as the native
  // CLI finds it.
  const { execFileSync } = await import("node:child_process");
  const books = mkdtempSync(join(tmpdir(), "muster-books-"));
  execFileSync(join(ROOT, ".tools/venv/bin/python"), [join(ROOT, "tests/fixtures/sheets/make_workbooks.py"), books]);
  for (const name of ["many.xlsx", "users-1900.xlsx", "users.ods", "users.xls"]) {
    const args = ["validate", "--json", "--format", "scim", join(books, name)];
    const wasm = run(...args);
    const native = spawnSync(join(ROOT, "target/debug/muster"), args, { encoding: "utf8" });
    assert.equal(wasm.status, native.status, `${name}: ${wasm.stderr}`);
    assert.deepEqual(JSON.parse(wasm.stdout), JSON.parse(native.stdout), name);
  }
  // A small .ods or .xls whose values would span a grid of millions of cells is refused with the
  // far cell named, not read until memory runs out (which traps the wasm).
  const far = run("validate", join(books, "far-right.ods"));
  assert.equal(far.status, 2, far.stderr);
  assert.match(far.stderr, /the sheet "Users" is too big to read as \.ods: .* row 3, column WQM\./);
  const farXls = run("validate", join(books, "far.xls"));
  assert.equal(farXls.status, 2, farXls.stderr);
  assert.match(farXls.stderr, /the sheet "Users" is too big to read as \.xls: .* row 65,536, column IV\./);
});
