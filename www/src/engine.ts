// The page's Web Worker: all heavy work happens here, with the npm package's wasm (the same
// artifact users install). It streams the file through the checker, keeps the rows and findings,
// and answers the page's questions (a window of rows, a re-check after an edit, CSV to send or
// download) so the main thread only ever draws. The page starts with "muster" (CSV and TSV,
// 267 KB gzip); "muster/xlsx" (622 KB) is fetched only when a workbook is opened.
import { SheetValidator, checkRows, fields, findingsCsv, sheetCsv, version } from "muster";
import type { Diagnostic, Proposal, Row, SheetOptions, StreamUpdate } from "muster";
import type { Request, Response, Summary } from "./protocol";

/** The workbook build, loaded once, on the first workbook. */
let workbooks: Promise<typeof import("muster/xlsx")> | undefined;

const WORKBOOK = /\.(xlsx|xlsm|xls|ods)$/i;

let options: SheetOptions = {};
let filename = "";
let headerRow = 0;
let headers: string[] = [];
let mapping: Proposal[] = [];
let rows: Row[] = [];
/** Row number → index into `rows`. */
let indexOf = new Map<number, number>();
let errorCount = 0;
let warningCount = 0;
/** Findings about the file itself (encoding), kept across re-checks of the rows. */
let fileFindings: Diagnostic[] = [];
let diagnostics: Diagnostic[] = [];
/** Row number → its findings. */
let byRow = new Map<number, Diagnostic[]>();
/** The rows shown: all of them, or those with findings. */
let view: number[] = [];
let onlyProblems = false;
let outcomes = new Map<number, { outcome: string; id: string; message: string }>();

const post = (message: Response) => (self as unknown as Worker).postMessage(message);

post({ type: "ready", version: version(), fields: fields() });

self.onmessage = async (event: MessageEvent<Request>) => {
  const request = event.data;
  try {
    switch (request.type) {
      case "open":
        await open(request.file, request.options);
        break;
      case "window":
        post({ type: "window", id: request.id, ...window(request.from, request.count) });
        break;
      case "filter":
        onlyProblems = request.onlyProblems;
        rebuildView();
        post({ type: "checked", summary: summary(), ...listed() });
        break;
      case "edit":
        edit(request.index, request.column, request.value);
        break;
      case "remap":
        if (request.profile) options = { ...options, profile: request.profile };
        if (request.target) options = { ...options, target: request.target };
        if (rows.length || headers.length) recheck();
        break;
      case "send-csv":
        post({ type: "send-csv", csv: sheetCsv({ name: filename, headerRow, headers, rows }) });
        break;
      case "findings-csv":
        post({ type: "findings-csv", csv: findingsCsv(diagnostics) });
        break;
      case "outcomes":
        setOutcomes(request.csv);
        break;
    }
  } catch (err) {
    post({ type: "failed", message: err instanceof Error ? err.message : String(err) });
  }
};

/** Reads `file` in chunks through the streaming checker, reporting every part as it is checked. */
async function open(file: File, sheetOptions: SheetOptions) {
  options = sheetOptions;
  filename = file.name;
  rows = [];
  indexOf = new Map();
  diagnostics = [];
  errorCount = 0;
  warningCount = 0;
  fileFindings = [];
  byRow = new Map();
  outcomes = new Map();
  headers = [];
  const started = performance.now();
  if (WORKBOOK.test(file.name)) {
    // A failed fetch is tried again with the next workbook.
    workbooks ??= import("muster/xlsx").catch((err) => {
      workbooks = undefined;
      throw err;
    });
    const xlsx = await workbooks;
    const bytes = new Uint8Array(await file.arrayBuffer());
    post({ type: "sheets", names: xlsx.sheetNames(bytes, file.name) });
    const validator = new xlsx.SheetValidator(options, { rows: true, body: false });
    validator.push(bytes);
    take(validator.finish(), file.size, started);
    return;
  }
  const validator = new SheetValidator(options, { rows: true, body: false });
  const reader = file.stream().getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    take(validator.push(value), file.size, started);
  }
  take(validator.finish(), file.size, started);
}

function take(update: StreamUpdate, size: number, started: number) {
  if (update.header) {
    headerRow = update.header.headerRow;
    headers = update.header.headers;
    mapping = update.header.mapping;
    post({ type: "header", headerRow, headers, mapping, encoding: update.header.encoding ?? null });
  }
  for (const row of update.rows) {
    indexOf.set(row.number, rows.length);
    rows.push(row);
  }
  for (const d of update.diagnostics) {
    diagnostics.push(d);
    d.severity === "error" ? errorCount++ : warningCount++;
    if (!d.row || d.row === headerRow) fileFindings.push(d);
    addToRow(d);
  }
  if (update.rows.length || update.diagnostics.length || update.done) {
    extendView(update.rows);
    post({
      type: "progress",
      bytes: update.progress.bytes,
      size,
      done: update.done,
      ms: performance.now() - started,
      summary: summary(),
      ...listed(),
    });
  }
}

function addToRow(d: Diagnostic) {
  if (d.row == null) return;
  const list = byRow.get(d.row);
  if (list) list.push(d);
  else byRow.set(d.row, [d]);
}

/** Adds newly read rows to the view (cheaper than rebuilding it on every part). */
function extendView(added: Row[]) {
  if (onlyProblems) return rebuildView(); // findings can arrive for rows read earlier
  for (const row of added) view.push(indexOf.get(row.number) ?? -1);
}

function rebuildView() {
  view = [];
  for (let i = 0; i < rows.length; i++) {
    if (!onlyProblems || byRow.has(rows[i].number)) view.push(i);
  }
}

function summary(): Summary {
  return { rows: rows.length, errors: errorCount, warnings: warningCount, shown: view.length, headerRow, headers };
}

/** The findings listed above the grid: the first errors (each links to its cell), and the
 * warnings no grid row shows, about the file, the header row or a whole column (a column the
 * target cannot carry is one finding naming its first rows, not one per row). */
function listed() {
  const links = (keep: (d: Diagnostic) => boolean, limit: number) => {
    const out = [];
    for (const d of diagnostics) {
      if (!keep(d)) continue;
      const index = d.row != null ? (indexOf.get(d.row) ?? -1) : -1;
      out.push({ row: d.row ?? null, index, column: columnOf(d), message: d.message, code: d.code });
      if (out.length >= limit) break;
    }
    return out;
  };
  return {
    errors: links((d) => d.severity === "error", 50),
    notes: links((d) => d.severity === "warning" && (d.row == null || d.row === headerRow), 20),
  };
}

/** The grid column a finding belongs to: its header, else the column feeding its field. */
function columnOf(d: Diagnostic): number {
  if (d.column) {
    const at = headers.indexOf(d.column);
    if (at >= 0) return at;
  }
  if (d.field) {
    const at = mapping.findIndex((p) => p.field === d.field || (p.field ?? "").startsWith(`${d.field}.`));
    if (at >= 0) return at;
  }
  return -1;
}

function window(from: number, count: number) {
  const slice = view.slice(from, from + count).map((index) => {
    const row = rows[index];
    const found = (byRow.get(row.number) ?? []).map((d) => ({ ...d, columnIndex: columnOf(d) }));
    return { index, number: row.number, cells: row.cells, findings: found, outcome: outcomes.get(row.number) ?? null };
  });
  return { from, total: view.length, rows: slice };
}

function edit(index: number, column: number, value: string) {
  const row = rows[index];
  if (!row || column < 0 || column >= row.cells.length) throw new Error("no such cell");
  row.cells[column] = value;
  recheck();
}

/** Every row again (batch duplicates depend on all of them), keeping the file's own findings. */
function recheck() {
  const checked = checkRows({ name: filename, headerRow, headers, rows }, options);
  mapping = checked.mapping;
  diagnostics = [...fileFindings.filter((d) => d.code.startsWith("encoding")), ...checked.report.diagnostics];
  errorCount = diagnostics.filter((d) => d.severity === "error").length;
  warningCount = diagnostics.length - errorCount;
  byRow = new Map();
  for (const d of diagnostics) addToRow(d);
  rebuildView();
  post({ type: "header", headerRow, headers, mapping, encoding: null });
  post({ type: "checked", summary: summary(), ...listed() });
}

/** Outcomes from the Worker's results CSV (the sent rows in order, three outcome columns last). */
function setOutcomes(csv: string) {
  const validator = new SheetValidator({ read: { filename: "results.csv" } }, { rows: true, body: false, partRows: 100000 });
  const got = [...validator.push(new TextEncoder().encode(csv)).rows, ...validator.finish().rows];
  outcomes = new Map();
  got.forEach((r, i) => {
    const n = r.cells.length;
    if (rows[i]) outcomes.set(rows[i].number, { outcome: r.cells[n - 3], id: r.cells[n - 2], message: r.cells[n - 1] });
  });
  const counts: Record<string, number> = {};
  for (const o of outcomes.values()) counts[o.outcome] = (counts[o.outcome] ?? 0) + 1;
  post({ type: "outcomes", counts });
}
