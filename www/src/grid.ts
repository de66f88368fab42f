// The review grid: an ARIA grid that draws only the rows in view (a million rows scroll like a
// hundred), with one tab stop, arrow-key navigation, Enter to edit, Escape to cancel. Rows come
// from the Web Worker a window at a time. Cell text is only ever set as textContent.
import type { GridRow } from "./protocol";

const ROW_HEIGHT = 32;
const OVERSCAN = 10;

export interface GridSource {
  window(from: number, count: number): Promise<{ total: number; rows: GridRow[] }>;
  edit(index: number, column: number, value: string): void;
  /** The focused cell changed: its row and its findings (for the details line). */
  focused(row: GridRow | null, column: number): void;
}

export class Grid {
  private headers: string[] = [];
  private total = 0;
  private rows: GridRow[] = [];
  private first = 0;
  /** The active cell, in view coordinates: row in the view, column (0 = row number). */
  private active = { row: 0, column: 1 };
  private editing = false;
  private pending = 0;
  private readonly head: HTMLElement;
  private readonly body: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly list: HTMLElement;

  constructor(
    private readonly root: HTMLElement,
    private readonly source: GridSource,
  ) {
    root.setAttribute("role", "grid");
    root.setAttribute("aria-readonly", "false");
    this.head = el("div", "grid-head", { role: "rowgroup" });
    this.body = el("div", "grid-body", { role: "rowgroup" });
    this.spacer = el("div", "grid-spacer", { role: "none" });
    this.list = el("div", "grid-rows", { role: "none" });
    this.spacer.append(this.list);
    this.body.append(this.spacer);
    root.replaceChildren(this.head, this.body);
    this.body.addEventListener("scroll", () => {
      this.head.scrollLeft = this.body.scrollLeft; // the header follows sideways scrolling
      void this.draw();
    });
    root.addEventListener("keydown", (e) => this.key(e));
    root.addEventListener("click", (e) => this.click(e));
  }

  setColumns(headers: string[]) {
    this.headers = headers;
    const row = el("div", "grid-row", { role: "row", "aria-rowindex": "1" });
    const names = ["Row", ...headers, "Outcome"];
    names.forEach((name, i) => {
      const cell = el("div", "grid-cell head", { role: "columnheader", "aria-colindex": String(i + 1) });
      cell.textContent = name;
      row.append(cell);
    });
    this.head.replaceChildren(row);
    this.root.setAttribute("aria-colcount", String(names.length));
    this.root.style.setProperty("--columns", String(names.length));
  }

  /** The number of rows in view changed (more were read, or the filter changed). */
  setTotal(total: number) {
    this.total = total;
    this.root.setAttribute("aria-rowcount", String(total + 1));
    this.spacer.style.height = `${total * ROW_HEIGHT}px`;
    if (this.active.row >= total) this.active.row = Math.max(0, total - 1);
    void this.draw();
  }

  /** Draws again what is in view (after an edit, a re-check, results). */
  refresh() {
    void this.draw(true);
  }

  /** Moves to a row (by its index in the view) and column, scrolls it into view and focuses it. */
  async goTo(viewRow: number, column: number) {
    this.active = { row: Math.max(0, Math.min(viewRow, this.total - 1)), column: Math.max(0, column) };
    this.scrollToActive();
    await this.draw(true);
    this.focusActive();
  }

  private async draw(force = false) {
    const height = this.body.clientHeight || 480;
    const first = Math.max(0, Math.floor(this.body.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const count = Math.ceil(height / ROW_HEIGHT) + 2 * OVERSCAN;
    if (!force && first === this.first && this.rows.length >= Math.min(count, this.total - first)) return;
    const ticket = ++this.pending;
    const { rows } = await this.source.window(first, count);
    if (ticket !== this.pending || this.editing) return; // a newer draw, or an edit in progress
    const hadFocus = this.root.contains(document.activeElement);
    this.first = first;
    this.rows = rows;
    this.list.style.transform = `translateY(${first * ROW_HEIGHT}px)`;
    this.list.replaceChildren(...rows.map((row, i) => this.drawRow(row, first + i)));
    if (hadFocus) this.focusActive();
  }

  private drawRow(row: GridRow, viewRow: number): HTMLElement {
    const line = el("div", "grid-row", { role: "row", "aria-rowindex": String(viewRow + 2) });
    const cells = [String(row.number), ...row.cells, row.outcome?.outcome ?? ""];
    cells.forEach((text, c) => {
      const header = c === 0;
      const cell = el("div", header ? "grid-cell rowhead" : "grid-cell", {
        role: header ? "rowheader" : "gridcell",
        "aria-colindex": String(c + 1),
        tabindex: viewRow === this.active.row && c === this.active.column ? "0" : "-1",
        "data-row": String(viewRow),
        "data-col": String(c),
      });
      const value = el("span", "value", {});
      value.textContent = text;
      cell.append(value);
      // Findings on this cell (column c − 1), or on the whole row (shown on the row number).
      const column = c - 1;
      const findings = row.findings.filter((f) => (header ? f.columnIndex < 0 : f.columnIndex === column));
      if (findings.length && c <= this.headers.length) {
        const errors = findings.some((f) => f.severity === "error");
        cell.classList.add(errors ? "invalid" : "warned");
        if (errors) cell.setAttribute("aria-invalid", "true");
        const id = `finding-${row.index}-${c}`;
        const note = el("span", "sr-only", { id });
        note.textContent = findings.map((f) => `${f.severity === "error" ? "Error" : "Warning"}: ${f.message}`).join(" ");
        const badge = el("span", "badge", { "aria-hidden": "true", title: note.textContent });
        badge.textContent = errors ? "✖" : "!";
        cell.append(badge, note);
        cell.setAttribute("aria-describedby", id);
      }
      if (c === cells.length - 1 && row.outcome) {
        cell.classList.add(`outcome-${row.outcome.outcome.replace(/\W+/g, "-")}`);
        if (row.outcome.message) cell.title = row.outcome.message;
      }
      line.append(cell);
    });
    return line;
  }

  private cellAt(viewRow: number, column: number): HTMLElement | null {
    return this.list.querySelector(`[data-row="${viewRow}"][data-col="${column}"]`);
  }

  private focusActive() {
    for (const old of this.list.querySelectorAll('[tabindex="0"]')) old.setAttribute("tabindex", "-1");
    const cell = this.cellAt(this.active.row, this.active.column);
    if (!cell) return;
    cell.setAttribute("tabindex", "0");
    cell.focus({ preventScroll: true });
    this.source.focused(this.rows[this.active.row - this.first] ?? null, this.active.column - 1);
  }

  private scrollToActive() {
    const top = this.active.row * ROW_HEIGHT;
    const view = this.body.clientHeight || 480;
    if (top < this.body.scrollTop) this.body.scrollTop = top;
    else if (top + ROW_HEIGHT > this.body.scrollTop + view) this.body.scrollTop = top + ROW_HEIGHT - view;
  }

  private click(e: MouseEvent) {
    const cell = (e.target as HTMLElement).closest<HTMLElement>("[data-row]");
    if (!cell || this.editing) return;
    this.active = { row: Number(cell.dataset.row), column: Number(cell.dataset.col) };
    this.focusActive();
  }

  private key(e: KeyboardEvent) {
    if (this.editing || !this.total) return;
    const columns = this.headers.length + 2;
    const page = Math.max(1, Math.floor((this.body.clientHeight || 480) / ROW_HEIGHT) - 1);
    const moves: Record<string, [number, number]> = {
      ArrowUp: [-1, 0],
      ArrowDown: [1, 0],
      ArrowLeft: [0, -1],
      ArrowRight: [0, 1],
      PageUp: [-page, 0],
      PageDown: [page, 0],
    };
    let { row, column } = this.active;
    if (e.key in moves) {
      row += moves[e.key][0];
      column += moves[e.key][1];
    } else if (e.key === "Home") {
      column = 0;
      if (e.ctrlKey) row = 0;
    } else if (e.key === "End") {
      column = columns - 1;
      if (e.ctrlKey) row = this.total - 1;
    } else if ((e.key === "Enter" || e.key === "F2") && column >= 1 && column <= this.headers.length) {
      e.preventDefault();
      this.startEdit();
      return;
    } else {
      return;
    }
    e.preventDefault();
    void this.goTo(Math.max(0, Math.min(row, this.total - 1)), Math.max(0, Math.min(column, columns - 1)));
  }

  /** Replaces the active cell's text with an input: Enter keeps the change, Escape drops it. */
  private startEdit() {
    const cell = this.cellAt(this.active.row, this.active.column);
    const row = this.rows[this.active.row - this.first];
    if (!cell || !row) return;
    const column = this.active.column - 1;
    this.editing = true;
    const input = el("input", "grid-input", {
      type: "text",
      "aria-label": `Edit row ${row.number}, ${this.headers[column]}`,
    }) as HTMLInputElement;
    input.value = row.cells[column];
    cell.replaceChildren(input);
    input.focus();
    input.select();
    const finish = (keep: boolean) => {
      if (!this.editing) return;
      this.editing = false;
      if (keep && input.value !== row.cells[column]) {
        this.source.edit(row.index, column, input.value);
      }
      void this.draw(true).then(() => this.focusActive());
    };
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        e.preventDefault();
        finish(true);
      } else if (e.key === "Escape") {
        e.preventDefault();
        finish(false);
      }
      e.stopPropagation();
    });
    input.addEventListener("blur", () => finish(true));
  }
}

function el(tag: string, className: string, attributes: Record<string, string>): HTMLElement {
  const node = document.createElement(tag);
  node.className = className;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}
