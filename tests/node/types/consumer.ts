// A TypeScript consumer of the package: `tsc --noEmit` over this file proves the generated
// declarations describe the API (scripts/test runs it).
import { SheetValidator, checkRows, checkSheet, convert, plan, proposeMapping, validate, version } from "muster";
import type { Diagnostic, Plan, Proposal, Report, SheetCheck, StreamUpdate } from "muster";
import { sheetNames } from "muster/xlsx";
import * as validateOnly from "muster/validate";

const report: Report = validate('{"Operations": []}', { format: "scim" });
const first: Diagnostic | undefined = report.diagnostics[0];
const where: string = `${first?.code} at ${first?.pointer ?? "?"} row ${first?.row ?? "-"}`;

const checked: SheetCheck = checkSheet(new TextEncoder().encode("Username\njdoe\n"), { target: "jumpcloud-create" });
const fields: (string | null | undefined)[] = checked.mapping.map((p: Proposal) => p.field);
const confident: boolean = proposeMapping(["Email"], undefined).every((p) => p.confidence > 0.5);

const conversion = convert("{}", "oracle", undefined);
const errors: number = conversion.report.summary.errors;
const split = convert("Username\njdoe\n", "scim", { maxOperations: 10, read: { filename: "hires.csv" } });
const requests: number = split.chunks?.length ?? 0;
const chunks: Plan = plan({ Operations: [] }, { maxOperations: 10, maxPayloadBytes: 1024 });

const validator = new SheetValidator({ target: "scim" }, { rows: true, body: false, partRows: 500 });
const update: StreamUpdate = validator.push(new Uint8Array([65, 10]));
const done: boolean = validator.finish().done && update.rows.every((r) => r.cells.length >= 0);
const again: SheetCheck = checkRows({ name: "x", headerRow: 1, headers: ["Username"], rows: [{ number: 2, cells: ["a"] }] }, undefined);
const names: string[] = sheetNames(new Uint8Array(), undefined);

// @ts-expect-error: a format outside the union is a type error
validate("{}", { format: "xml" });

// The validator entry: the same checks, typed the same; nothing that sends.
const lean: Report = validateOnly.validate("Username\njdoe\n", { format: "jumpcloud-create" });
// @ts-expect-error: muster/validate has no convert
validateOnly.convert("{}", "scim", undefined);

export const used = [version(), lean, where, fields, confident, errors, requests, chunks.chunks.length, done, again, names];
