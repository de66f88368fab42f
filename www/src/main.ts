// The upload page: file → sheet and header row → column mapping → review grid (fix cells in
// place) → send → progress → results. The Web Worker (engine.ts) does the reading and checking;
// this thread draws, and never inserts cell text as HTML.
import type { Profile, Proposal } from "muster";
import { ApiError, type Job, MusterApi } from "./api";
import { Grid } from "./grid";
import type { ErrorLink, GridRow, Request, Response, Summary } from "./protocol";

/** Numbers as the reader writes them (1,000). Made once, as the page loads: the first
 *  `toLocaleString` of a page loads the locale's data, 20 ms that landed in the first view. */
const numbers = new Intl.NumberFormat();

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const PROFILES_KEY = "muster.mappings";

const engine = new Worker(new URL("./engine.ts", import.meta.url), { type: "module" });
const send = (request: Request) => engine.postMessage(request);

let fields: { key: string; label: string }[] = [];
let file: File | null = null;
let headers: string[] = [];
let mapping: Proposal[] = [];
let summary: Summary | null = null;
let windowId = 0;
const windows = new Map<number, (rows: { total: number; rows: GridRow[] }) => void>();
let onCsv: ((csv: string) => void) | null = null;
let firstView = 0;

const grid = new Grid($("grid"), {
  window: (from, count) =>
    new Promise((resolve) => {
      const id = ++windowId;
      windows.set(id, resolve);
      send({ type: "window", id, from, count });
    }),
  edit: (index, column, value) => {
    announce("Checking again…");
    send({ type: "edit", index, column, value });
  },
  focused: (row, column) => {
    const details = $("cell-details");
    if (!row) return void (details.textContent = "");
    const here = row.findings.filter((f) => f.columnIndex === column || (column < 0 && f.columnIndex < 0));
    const where = column >= 0 && column < headers.length ? `Row ${row.number}, ${headers[column]}` : `Row ${row.number}`;
    details.textContent = here.length ? here.map((f) => located(where, f.message)).join(" ") : `${where}: no problems.`;
  },
});

engine.onmessage = (event: MessageEvent<Response>) => {
  const message = event.data;
  switch (message.type) {
    case "ready":
      fields = message.fields;
      $("core").textContent = `Validator ready: muster core ${message.version} (WebAssembly, in a background thread)`;
      break;
    case "sheets":
      showSheets(message.names);
      break;
    case "header":
      headers = message.headers;
      mapping = message.mapping;
      grid.setColumns(headers);
      $<HTMLInputElement>("header-row").value = String(message.headerRow);
      drawMapping();
      break;
    case "progress":
      onProgress(message);
      break;
    case "checked":
      showSummary(message.summary, message.errors, message.notes);
      grid.setTotal(message.summary.shown);
      grid.refresh();
      announce(`Checked again: ${countsText(message.summary)}.`);
      break;
    case "window":
      windows.get(message.id)?.({ total: message.total, rows: message.rows });
      windows.delete(message.id);
      break;
    case "send-csv":
    case "findings-csv":
      onCsv?.(message.csv);
      onCsv = null;
      break;
    case "outcomes":
      grid.refresh();
      break;
    case "failed":
      fail(message.message);
      break;
  }
};

// --- 1. The file ------------------------------------------------------------------------------

$<HTMLInputElement>("file").addEventListener("change", (e) => {
  const chosen = (e.target as HTMLInputElement).files?.[0];
  if (chosen) open(chosen, {});
});

const drop = $("drop");
drop.addEventListener("dragover", (e) => {
  e.preventDefault();
  drop.classList.add("over");
});
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  const dropped = e.dataTransfer?.files?.[0];
  if (dropped) open(dropped, {});
});

$("reread").addEventListener("click", () => {
  if (!file) return;
  const sheet = $<HTMLSelectElement>("sheet").value || undefined;
  const row = Number($<HTMLInputElement>("header-row").value);
  open(file, { sheet, headerRow: row >= 1 ? row : undefined });
});

function open(chosen: File, read: { sheet?: string; headerRow?: number }) {
  file = chosen;
  hideAlert();
  firstView = 0;
  $("step-review").hidden = true;
  $("step-results").hidden = true;
  $("step-progress").hidden = true;
  $("read-options").hidden = false;
  $("sheet-choice").hidden = !read.sheet;
  announce(`Reading ${chosen.name}…`);
  $("file-progress").textContent = `Reading ${chosen.name} (${formatBytes(chosen.size)})…`;
  const profile = savedProfiles()[$<HTMLSelectElement>("profiles").value];
  send({
    type: "open",
    file: chosen,
    options: { read: { filename: chosen.name, ...read }, target: target(), profile: profile ?? undefined },
  });
}

function showSheets(names: string[]) {
  const select = $<HTMLSelectElement>("sheet");
  const current = select.value;
  select.replaceChildren(
    ...names.map((name) => {
      const option = document.createElement("option");
      option.value = name;
      option.textContent = name;
      return option;
    }),
  );
  if (names.includes(current)) select.value = current;
  $("sheet-choice").hidden = names.length < 2;
}

function onProgress(message: Extract<Response, { type: "progress" }>) {
  const { summary: s, bytes, size, done } = message;
  const percent = size ? Math.min(100, Math.round((bytes / size) * 100)) : 100;
  $("file-progress").textContent = done
    ? `Read ${count(s.rows, "row")} in ${(message.ms / 1000).toFixed(1)} s.`
    : `Reading… ${percent}% (${count(s.rows, "row")} so far)`;
  showSummary(s, message.errors, message.notes);
  grid.setTotal(s.shown);
  if (!firstView && s.rows > 0) {
    // The first part is checked: show it now, the rest fills in as it is read.
    firstView = message.ms;
    document.body.dataset.firstView = String(Math.round(message.ms));
    $("step-review").hidden = false;
    $("step-send").hidden = false;
    const needsMapping = mapping.some((p) => !p.field || p.confidence < 0.9);
    $("step-mapping").hidden = !needsMapping;
    grid.refresh();
    (needsMapping ? $("mapping-heading") : $("review-heading")).focus();
  }
  if (done) {
    document.body.dataset.loaded = "true";
    if (!s.rows) {
      $("step-review").hidden = false;
      $("review-heading").focus();
    }
    announce(`Read ${file?.name ?? "the file"}: ${countsText(s)}.`);
  }
}

// --- 2. Mapping -------------------------------------------------------------------------------

function drawMapping() {
  const body = $("mapping").querySelector("tbody") as HTMLElement;
  body.replaceChildren(
    ...mapping.map((p, i) => {
      const row = document.createElement("tr");
      const header = document.createElement("th");
      header.scope = "row";
      header.textContent = p.header;
      const pick = document.createElement("td");
      const select = document.createElement("select");
      select.id = `map-${i}`;
      select.setAttribute("aria-label", `Field for column ${p.header}`);
      select.dataset.header = p.header;
      const none = document.createElement("option");
      none.value = "";
      none.textContent = "— not sent —";
      select.append(none);
      const keys = new Set(fields.map((f) => f.key));
      const choices = [...fields, ...(p.field && !keys.has(p.field) ? [{ key: p.field, label: p.field }] : [])];
      for (const f of choices) {
        const option = document.createElement("option");
        option.value = f.key;
        option.textContent = f.label === f.key ? f.key : `${f.label} (${f.key})`;
        select.append(option);
      }
      select.value = p.field ?? "";
      pick.append(select);
      const confidence = document.createElement("td");
      confidence.textContent = p.field ? `${Math.round(p.confidence * 100)}%` : "—";
      const reason = document.createElement("td");
      reason.textContent = p.reason;
      row.append(header, pick, confidence, reason);
      return row;
    }),
  );
}

function currentProfile(): Profile {
  const columns: Record<string, string | null> = {};
  for (const select of $("mapping").querySelectorAll<HTMLSelectElement>("select")) {
    columns[select.dataset.header ?? ""] = select.value || null;
  }
  return { columns, passThroughUnmapped: false };
}

$("apply-mapping").addEventListener("click", () => {
  announce("Applying the mapping…");
  send({ type: "remap", profile: currentProfile() });
  $("review-heading").focus();
});

$("show-mapping").addEventListener("click", () => {
  $("step-mapping").hidden = false;
  $("mapping-heading").focus();
});

function savedProfiles(): Record<string, Profile> {
  try {
    return JSON.parse(localStorage.getItem(PROFILES_KEY) ?? "{}");
  } catch {
    return {};
  }
}

function drawProfiles() {
  const select = $<HTMLSelectElement>("profiles");
  const names = Object.keys(savedProfiles());
  const none = document.createElement("option");
  none.value = "";
  none.textContent = "(none)";
  select.replaceChildren(
    none,
    ...names.map((name) => {
      const option = document.createElement("option");
      option.value = name;
      option.textContent = name;
      return option;
    }),
  );
}

$("save-profile").addEventListener("click", () => {
  const name = $<HTMLInputElement>("profile-name").value.trim();
  if (!name) return fail("Give the mapping a name to save it.");
  localStorage.setItem(PROFILES_KEY, JSON.stringify({ ...savedProfiles(), [name]: currentProfile() }));
  drawProfiles();
  $<HTMLSelectElement>("profiles").value = name;
  announce(`Saved the mapping as “${name}”.`);
});

$("use-profile").addEventListener("click", () => {
  const profile = savedProfiles()[$<HTMLSelectElement>("profiles").value];
  if (!profile) return;
  announce("Applying the saved mapping…");
  send({ type: "remap", profile });
});

drawProfiles();

// --- 3. Review --------------------------------------------------------------------------------

$<HTMLInputElement>("only-problems").addEventListener("change", (e) => {
  send({ type: "filter", onlyProblems: (e.target as HTMLInputElement).checked });
});

$("download-findings").addEventListener("click", () => {
  onCsv = (csv) => download(csv, "muster-problems.csv");
  send({ type: "findings-csv" });
});

function countsText(s: Summary) {
  return `${count(s.rows, "row")}, ${count(s.errors, "error")}, ${count(s.warnings, "warning")}`;
}

/** "1 row", "2 rows", "1,000 rows"; "1 retry", "2 retries". */
function count(n: number, noun: string) {
  const plural = noun.endsWith("y") ? `${noun.slice(0, -1)}ies` : `${noun}s`;
  return `${numbers.format(n)} ${n === 1 ? noun : plural}`;
}

function showSummary(s: Summary, errors: ErrorLink[], notes: ErrorLink[]) {
  $("note-summary").hidden = notes.length === 0;
  $("note-list").replaceChildren(
    ...notes.map((n) => {
      const item = document.createElement("li");
      const where = n.column >= 0 ? `Column ${headers[n.column]}` : n.row == null ? "File" : `Header row ${n.row}`;
      item.textContent = located(where, n.message); // text, never markup
      return item;
    }),
  );
  summary = s;
  $("counts").textContent = countsText(s);
  const box = $("error-summary");
  box.hidden = errors.length === 0;
  $("error-list").replaceChildren(
    ...errors.map((e) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = "#grid";
      const where = e.row == null ? "File" : e.column >= 0 ? `Row ${e.row}, ${headers[e.column]}` : `Row ${e.row}`;
      link.textContent = located(where, e.message);
      link.addEventListener("click", (event) => {
        event.preventDefault();
        if (e.index < 0) return;
        const only = $<HTMLInputElement>("only-problems");
        if (only.checked) {
          only.checked = false;
          send({ type: "filter", onlyProblems: false });
        }
        void grid.goTo(e.index, e.column + 1);
      });
      item.append(link);
      return item;
    }),
  );
}

// --- 4–6. Send, progress, results -------------------------------------------------------------

const endpoint = $<HTMLInputElement>("endpoint");
endpoint.value = location.origin;
const apiKey = $<HTMLInputElement>("api-key");
apiKey.value = sessionStorage.getItem("muster.key") ?? "";

function target() {
  return $<HTMLSelectElement>("target").value as "scim" | "oracle" | "jumpcloud-create" | "jumpcloud-update";
}

$("target").addEventListener("change", () => {
  announce("Checking again for the new target…");
  send({ type: "remap", target: target() });
});

$("send").addEventListener("click", async () => {
  hideAlert();
  if (!summary || summary.rows === 0) return fail("Choose a spreadsheet with at least one row first.");
  if (summary.errors > 0) {
    return fail(`Fix the ${summary.errors} error(s) first: nothing is sent while a row has an error.`);
  }
  if (!apiKey.value) {
    apiKey.focus();
    return fail("Enter the API key for the muster endpoint.");
  }
  sessionStorage.setItem("muster.key", apiKey.value);
  const csv = await new Promise<string>((resolve) => {
    onCsv = resolve;
    send({ type: "send-csv" });
  });
  const api = new MusterApi(endpoint.value, apiKey.value);
  try {
    const job = await api.createSheetJob(csv, target(), currentProfile());
    $("step-progress").hidden = false;
    $("progress-heading").focus();
    announce(`Sent: job ${job.id} is ${job.status}.`);
    await follow(api, job);
  } catch (err) {
    fail(err instanceof ApiError ? `The endpoint refused the job (${err.status}): ${err.message}` : `Could not reach the endpoint: ${err}`);
  }
});

async function follow(api: MusterApi, started: Job) {
  let job = started;
  const bar = $("progress");
  for (;;) {
    const { created, updated, deleted, failed, notAttempted } = job.counts;
    const done = created + updated + deleted + failed + notAttempted;
    const total = job.workUnitsCount;
    bar.setAttribute("aria-valuemax", String(total));
    bar.setAttribute("aria-valuenow", String(done));
    bar.setAttribute("aria-valuetext", `${done} of ${total} rows`);
    (bar.firstElementChild as HTMLElement).style.width = `${total ? (done / total) * 100 : 0}%`;
    $("progress-text").textContent =
      `${numbers.format(done)} of ${count(total, "row")} · chunk ${job.chunksDone} of ${job.chunks} · ${count(job.retries, "retry")} · ${job.status}`;
    if (["finished", "partial", "failed"].includes(job.status)) break;
    await new Promise((r) => setTimeout(r, 500));
    job = await api.job(job.id);
  }
  const csv = await api.resultsCsv(job.id);
  send({ type: "outcomes", csv });
  const link = $<HTMLAnchorElement>("download-results");
  URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([csv], { type: "text/csv" }));
  const c = job.counts;
  $("results-summary").textContent =
    `Job ${job.status}: ${c.created} created, ${c.updated} updated, ${c.failed} failed, ${c.notAttempted} not attempted.`;
  $("step-results").hidden = false;
  $("results-heading").focus();
  announce(`Done: ${$("results-summary").textContent}`);
}

// --- Helpers ----------------------------------------------------------------------------------

/** A finding with its place: messages about a row or a whole column already start with it. */
function located(where: string, message: string) {
  return /^(Row \d+|Column )/.test(message) ? message : `${where}: ${message}`;
}

function announce(text: string) {
  $("status").textContent = text;
}

function fail(text: string) {
  const alert = $("alert");
  alert.textContent = text;
  alert.hidden = false;
}

function hideAlert() {
  $("alert").hidden = true;
}

function download(text: string, name: string) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

function formatBytes(n: number) {
  return n < 1024 * 1024 ? `${Math.ceil(n / 1024)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`;
}
