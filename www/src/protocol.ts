// Messages between the page and its Web Worker (engine.ts).
import type { Diagnostic, Profile, Proposal, SheetOptions } from "muster";

export type Request =
  | { type: "open"; file: File; options: SheetOptions }
  | { type: "window"; id: number; from: number; count: number }
  | { type: "filter"; onlyProblems: boolean }
  | { type: "edit"; index: number; column: number; value: string }
  | { type: "remap"; profile?: Profile; target?: SheetOptions["target"] }
  | { type: "send-csv" }
  | { type: "findings-csv" }
  | { type: "outcomes"; csv: string };

export interface Summary {
  rows: number;
  errors: number;
  warnings: number;
  /** Rows in the current view (all, or those with findings). */
  shown: number;
  headerRow: number;
  headers: string[];
}

/** An error for the summary list: where it is and what it says. */
export interface ErrorLink {
  row: number | null;
  /** Index into the rows (−1 when the finding is about the header or the file). */
  index: number;
  /** Grid column, −1 for the whole row. */
  column: number;
  message: string;
  code: string;
}

export interface GridRow {
  index: number;
  number: number;
  cells: string[];
  findings: (Diagnostic & { columnIndex: number })[];
  outcome: { outcome: string; id: string; message: string } | null;
}

export type Response =
  | { type: "ready"; version: string; fields: { key: string; label: string }[] }
  | { type: "sheets"; names: string[] }
  | { type: "header"; headerRow: number; headers: string[]; mapping: Proposal[]; encoding: string | null }
  | { type: "progress"; bytes: number; size: number; done: boolean; ms: number; summary: Summary; errors: ErrorLink[]; notes: ErrorLink[] }
  | { type: "checked"; summary: Summary; errors: ErrorLink[]; notes: ErrorLink[] }
  | { type: "window"; id: number; from: number; total: number; rows: GridRow[] }
  | { type: "send-csv"; csv: string }
  | { type: "findings-csv"; csv: string }
  | { type: "outcomes"; counts: Record<string, number> }
  | { type: "failed"; message: string };
