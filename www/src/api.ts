// A small typed client for muster's Worker API (the shapes are those of /openapi.json). Written
// in TypeScript rather than as Rust (gloo-net) in the wasm: it is a handful of fetch calls, and
// keeping HTTP out of the wasm keeps the package the page shares with users small and free of
// browser-only code.

export interface Counts {
  created: number;
  updated: number;
  deleted: number;
  failed: number;
  notAttempted: number;
}

export interface Job {
  id: string;
  status: "queued" | "running" | "finished" | "partial" | "failed";
  workUnitsCount: number;
  chunks: number;
  chunksDone: number;
  counts: Counts;
  retries: number;
  dialect: "scim" | "jumpcloud-create" | "jumpcloud-update";
  source: "json" | "spreadsheet";
  createdAt: string;
  updatedAt: string;
}

/** What an error answer says, whichever API shape it came in. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
}

export class MusterApi {
  constructor(
    private readonly base: string,
    private readonly apiKey: string,
  ) {}

  private async call(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("x-api-key", this.apiKey);
    const response = await fetch(`${this.base.replace(/\/$/, "")}${path}`, { ...init, headers });
    if (!response.ok) {
      const text = await response.text();
      let body: unknown = text;
      let message = `${response.status} ${response.statusText}`;
      try {
        body = JSON.parse(text);
        const b = body as { detail?: string; message?: string };
        message = b.detail ?? b.message ?? message;
      } catch {
        /* not JSON: keep the status line */
      }
      throw new ApiError(response.status, message, body);
    }
    return response;
  }

  /**
   * `POST /jobs`: the sheet (as CSV) becomes a job for the target. The Idempotency-Key is a
   * digest of what is sent, so sending the same rows again (a double click, a retry after a lost
   * answer) returns the job already made instead of creating the users twice.
   */
  async createSheetJob(csv: string, target: string, profile: unknown): Promise<Job> {
    const query = new URLSearchParams({ target, filename: "muster-upload.csv" });
    const mapping = asciiJson(profile);
    const response = await this.call(`/jobs?${query}`, {
      method: "POST",
      headers: {
        "content-type": "text/csv",
        "x-muster-mapping": mapping,
        "idempotency-key": await digest(`${target}\n${mapping}\n${csv}`),
      },
      body: csv,
    });
    return (await response.json()) as Job;
  }

  async job(id: string): Promise<Job> {
    return (await (await this.call(`/jobs/${encodeURIComponent(id)}`)).json()) as Job;
  }

  /** The results report: the sheet sent, with outcome columns (formula-injection safe). */
  async resultsCsv(id: string): Promise<string> {
    return (await this.call(`/jobs/${encodeURIComponent(id)}/results`, { headers: { accept: "text/csv" } })).text();
  }
}

/** JSON with every non-ASCII character escaped: HTTP header values must be ASCII. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Hex SHA-256 of `text`. */
async function digest(text: string): Promise<string> {
  const bytes = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
