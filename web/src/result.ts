// Renders an ExecutionResult: how the run ended (a "Contained" banner when the sandbox killed
// it), the `signal` value (DataFrames and Series as tables), and the run's figures.
import type { ExecutionResult } from "./api";
import { h } from "./dom";

const MAX_ROWS = 200;

type Tagged = { __type__: string; [k: string]: unknown };

function isTagged(v: unknown): v is Tagged {
  return typeof v === "object" && v !== null && typeof (v as Tagged).__type__ === "string";
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return "NaN";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toPrecision(6).replace(/\.?0+$/, "");
  if (typeof v === "string") return v;
  if (isTagged(v) && v.__type__ === "repr") return String(v.repr);
  return JSON.stringify(v);
}

function table(
  caption: string,
  columns: unknown[],
  index: unknown[],
  rows: unknown[][],
): HTMLElement {
  const shown = rows.slice(0, MAX_ROWS);
  const thead = h("thead", {}, h("tr", {}, h("th", { scope: "col" }, ""), ...columns.map((c) => h("th", { scope: "col" }, cell(c)))));
  const tbody = h(
    "tbody",
    {},
    ...shown.map((row, i) =>
      h("tr", {}, h("th", { scope: "row" }, cell(index[i])), ...row.map((v) => h("td", {}, cell(v)))),
    ),
  );
  const note =
    rows.length > shown.length ? h("p", { class: "muted" }, `Showing ${shown.length} of ${rows.length} rows.`) : null;
  return h(
    "div",
    { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption },
    h("table", { class: "signal-table" }, h("caption", {}, caption), thead, tbody),
    note,
  );
}

/** The `signal` value as DOM: tables for DataFrames, Series and 2-D arrays, text otherwise. */
export function renderSignal(signal: unknown): HTMLElement {
  if (signal === null || signal === undefined) {
    return h("p", { class: "muted" }, "No signal: the program did not set `signal` (or returned None).");
  }
  if (isTagged(signal)) {
    if (signal.__type__ === "dataframe") {
      const columns = (signal.columns as unknown[]) ?? [];
      const data = (signal.data as unknown[][]) ?? [];
      return table(`DataFrame: ${data.length} rows × ${columns.length} columns`, columns, (signal.index as unknown[]) ?? [], data);
    }
    if (signal.__type__ === "series") {
      const data = (signal.data as unknown[]) ?? [];
      const name = signal.name === null || signal.name === undefined ? "value" : cell(signal.name);
      return table(`Series ${name}: ${data.length} values`, [name], (signal.index as unknown[]) ?? [], data.map((v) => [v]));
    }
    if (signal.__type__ === "repr") {
      return h("pre", { class: "signal-json" }, String(signal.repr));
    }
  }
  if (Array.isArray(signal) && signal.length > 0 && signal.every((r) => Array.isArray(r))) {
    const rows = signal as unknown[][];
    const width = Math.max(...rows.map((r) => r.length));
    return table(`Array: ${rows.length} × ${width}`, [...Array(width).keys()], [...rows.keys()], rows);
  }
  if (typeof signal !== "object") {
    return h("p", { class: "signal-scalar" }, cell(signal));
  }
  return h("pre", { class: "signal-json" }, JSON.stringify(signal, null, 2));
}

export interface Outcome {
  kind: "ok" | "error" | "contained";
  text: string;
}

/** One sentence on how the run ended; "contained" when the sandbox stopped it. */
export function outcome(r: ExecutionResult, timeoutSeconds: number | undefined, memoryMb: number | undefined): Outcome {
  const t = r.execution_time?.toFixed(1);
  if (r.timed_out) {
    const limit = timeoutSeconds === undefined ? "" : ` ${timeoutSeconds.toFixed(1)} s`;
    return { kind: "contained", text: `Contained: killed after${limit} timeout (ran ${t} s)` };
  }
  if (r.oom_killed) {
    const limit = memoryMb === undefined ? "" : ` (limit ${memoryMb} MB)`;
    return { kind: "contained", text: `Contained: killed for running out of memory${limit}` };
  }
  if (r.killed_reason) {
    return { kind: "contained", text: `Contained: killed by the monitor: ${r.killed_reason}` };
  }
  if (r.findings && r.findings.some((f) => f.severity === "error") && !r.success) {
    return { kind: "contained", text: `Rejected by the validator: ${r.findings.length} finding(s), no container was started` };
  }
  if (r.success) return { kind: "ok", text: `Finished in ${t} s` };
  const err = r.error as { type?: string; message?: string } | string | null;
  if (err && typeof err === "object" && err.type) {
    return { kind: "error", text: `Failed: ${err.type}: ${err.message ?? ""}` };
  }
  if (typeof err === "string" && err) return { kind: "error", text: `Failed: ${err}` };
  if (r.exit_code !== null && r.exit_code !== 0) {
    return { kind: "contained", text: `Contained: the process exited with code ${r.exit_code}` };
  }
  return { kind: "error", text: "Failed" };
}

/** The server removes the container right after answering unless asked to wait. */
function cleanupText(c: boolean | null | undefined): string {
  if (c === true) return "yes";
  if (c === false) return "FAILED";
  return "right after the answer";
}

/** The image variant and its main versions, e.g. `modern (python3 3.11.2-1+b1, numpy 2.4.6, pandas 2.3.3, pyarrow 26.0.1)`. */
function imageText(r: ExecutionResult): string {
  if (!r.image_variant) return "n/a";
  const versions = ["python3", "numpy", "pandas", "pyarrow"]
    .filter((name) => r.image_versions?.[name])
    .map((name) => `${name} ${r.image_versions[name]}`);
  return versions.length ? `${r.image_variant} (${versions.join(", ")})` : r.image_variant;
}

/** The figures of a run, as a definition list. */
export function renderFacts(r: ExecutionResult): HTMLElement {
  const facts: Array<[string, string]> = [
    ["Execution time", `${r.execution_time?.toFixed(3)} s`],
    ["Peak memory", r.memory_peak_mb === null || r.memory_peak_mb === undefined ? "n/a" : `${r.memory_peak_mb.toFixed(1)} MB`],
    ["Exit code", r.exit_code === null || r.exit_code === undefined ? "not waited for" : String(r.exit_code)],
    ["Timed out", r.timed_out ? "yes" : "no"],
    ["Out of memory", r.oom_killed ? "yes" : "no"],
    ["Killed reason", r.killed_reason ?? "none"],
    ["Validated", r.validated ? "yes" : "no"],
    ["Runtime", r.runtime ?? "n/a"],
    ["Image", imageText(r)],
    ["Container", r.container_id ? r.container_id.slice(0, 12) : "none"],
    ["Cleaned up", cleanupText(r.cleanup_success)],
  ];
  return h("dl", { class: "facts" }, ...facts.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

/** A Python error from the result, with its traceback. */
export function renderError(r: ExecutionResult): HTMLElement | null {
  const err = r.error as { type?: string; message?: string; traceback?: string } | string | null;
  if (!err) return null;
  if (typeof err === "string") return h("pre", { class: "error-text" }, err);
  return h(
    "div",
    {},
    h("p", { class: "error-text" }, `${err.type ?? "Error"}: ${err.message ?? ""}`),
    err.traceback ? h("details", {}, h("summary", {}, "Traceback"), h("pre", {}, err.traceback)) : null,
  );
}
