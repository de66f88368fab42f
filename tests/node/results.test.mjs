// parseSheet and reconcile through the package.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseSheet, reconcile } from "muster";

test("parseSheet reads rows as Excel numbers them, without checking cells", () => {
  const csv = "\uFEFFUser;Mail\njdoe;not-an-email\n\nasmith;a@example.com\n";
  const { sheet, diagnostics } = parseSheet(new TextEncoder().encode(csv), { filename: "x.csv" });
  assert.deepEqual(sheet.headers, ["User", "Mail"]);
  assert.deepEqual(sheet.rows.map((r) => [r.number, r.cells]), [[2, ["jdoe", "not-an-email"]], [4, ["asmith", "a@example.com"]]]);
  assert.deepEqual(diagnostics, []);
  assert.throws(() => parseSheet(new TextEncoder().encode("a\n"), { headerRow: 9 }), /row 9 does not exist/);
});

test("reconcile matches SCIM answers by bulkId and JumpCloud results by user", () => {
  const request = { Operations: [
    { method: "POST", path: "/Users", bulkId: "a", data: {} },
    { method: "POST", path: "/Users", bulkId: "b", data: {} },
    { method: "POST", path: "/Users", bulkId: "c", data: {} },
  ] };
  const answer = { Operations: [
    { method: "POST", bulkId: "b", status: { code: 409 }, response: { detail: "taken", status: "409" } },
    { method: "POST", bulkId: "a", status: "201", location: "https://idp/Users/1" },
  ] };
  assert.deepEqual(reconcile(request, answer).map((o) => o.outcome), ["created", "failed", "notAttempted"]);
  assert.equal(reconcile(JSON.stringify(request), JSON.stringify(answer))[0].id, "1");

  const users = [{ username: "jdoe", email: "j@example.com" }, { username: "asmith", email: "a@example.com" }];
  const results = [
    { status: "failed", statusMsg: "email taken", meta: { SystemUser: { email: "A@example.com" } } },
    { status: "finished", meta: { SystemUser: { username: "JDOE", _id: "5f0c1b2e3d4a5b6c7d8e9f01" } } },
  ];
  const outcomes = reconcile(users, results);
  assert.deepEqual(outcomes[0], { outcome: "created", id: "5f0c1b2e3d4a5b6c7d8e9f01" });
  assert.equal(outcomes[1].message, "email taken");
  assert.throws(() => reconcile("{", "{}"), /not JSON/);
});
