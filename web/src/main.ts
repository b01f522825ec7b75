// The editor page: validation as you type (wasm), and runs through `stockade serve`.
import type { EditorView } from "@codemirror/view";
import {
  ApiError,
  executeStream,
  fetchInfo,
  type ExecuteRequest,
  type ExecutionResult,
  type RunnerInfo,
  type StreamEvent,
} from "./api";
import { StatsChart } from "./chart";
import { byId, h } from "./dom";
import { createEditor, findingDetails, revealFinding, type LintReport } from "./editor";
import { inline } from "./markdown";
import { EXAMPLES } from "./examples";
import { outcome, renderError, renderFacts, renderSignal } from "./result";
import { loadValidator, type Finding, type Validator } from "./validator";

const TOKEN_KEY = "stockade.token";

/** Figures the browser tests read (time from keystroke to rendered diagnostics, etc.). */
interface Metrics {
  ready: boolean;
  lintRuns: number;
  lastValidateMs: number;
  lastEditAt: number;
  lastFindingsRenderedAt: number;
  lastFindingCodes: string[];
  runnerReachable: boolean | null;
  statsEvents: number;
  /** The editor's text and selection (UTF-16 offsets), for tests that must not scrape the DOM. */
  doc: () => string;
  selection: () => { anchor: number; head: number };
}

const metrics: Metrics = {
  ready: false,
  lintRuns: 0,
  lastValidateMs: 0,
  lastEditAt: 0,
  lastFindingsRenderedAt: 0,
  lastFindingCodes: [],
  runnerReachable: null,
  statsEvents: 0,
  doc: () => "",
  selection: () => ({ anchor: 0, head: 0 }),
};
(window as unknown as { __stockade: Metrics }).__stockade = metrics;

/** Reads `?token=` once, keeps it for the tab's session, and removes it from the address bar. */
function takeToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get("token");
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete("token");
    history.replaceState(null, "", url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

function banner(id: string, kind: "info" | "warn" | "danger", ...content: Array<Node | string>) {
  const box = byId("banners");
  box.querySelector(`[data-banner="${id}"]`)?.remove();
  box.append(h("div", { class: `banner banner-${kind}`, "data-banner": id, role: kind === "danger" ? "alert" : "status" }, ...content));
}

function clearBanner(id: string) {
  byId("banners").querySelector(`[data-banner="${id}"]`)?.remove();
}

class App {
  private view!: EditorView;
  private info: RunnerInfo | null = null;
  private running: AbortController | null = null;
  private chart = new StatsChart(byId("chart"));
  private token = takeToken();
  private lastFindings: Finding[] = [];

  constructor(private validator: Validator) {}

  start() {
    byId("version").textContent = `validator ${this.validator.version}`;
    const select = byId<HTMLSelectElement>("examples");
    for (const ex of EXAMPLES) select.append(h("option", { value: ex.id }, ex.title));
    select.addEventListener("change", () => this.loadExample(select.value));

    this.view = createEditor({
      parent: byId("editor"),
      doc: EXAMPLES[0].code,
      validator: this.validator,
      onLint: (r) => this.showFindings(r),
      onRun: () => void this.run(),
      onChange: () => {
        metrics.lastEditAt = performance.now();
      },
    });

    metrics.doc = () => this.view.state.doc.toString();
    metrics.selection = () => {
      const { anchor, head } = this.view.state.selection.main;
      return { anchor, head };
    };
    byId("run").addEventListener("click", () => void this.run());
    byId("cancel").addEventListener("click", () => this.running?.abort());
    byId("settings").addEventListener("submit", (e) => e.preventDefault());
    byId<HTMLSelectElement>("mode").addEventListener("change", () => this.syncMode());
    // Ctrl/Cmd+Enter from anywhere on the page, not only inside the editor.
    document.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.defaultPrevented) {
        e.preventDefault();
        void this.run();
      }
    });
    void this.connect();
  }

  private loadExample(id: string) {
    const ex = EXAMPLES.find((e) => e.id === id);
    if (!ex) return;
    this.view.dispatch({ changes: { from: 0, to: this.view.state.doc.length, insert: ex.code } });
    byId<HTMLSelectElement>("mode").value = ex.mode;
    this.syncMode();
  }

  private syncMode() {
    const strategy = byId<HTMLSelectElement>("mode").value === "strategy";
    byId("dataset-label").hidden = !strategy;
  }

  /** Asks the runner what it offers; without an answer the page is a validator alone. */
  private async connect() {
    const status = byId("status");
    try {
      const ctl = new AbortController();
      const timer = setTimeout(() => ctl.abort(), 5000);
      this.info = await fetchInfo(ctl.signal).finally(() => clearTimeout(timer));
    } catch {
      this.info = null;
    }
    metrics.runnerReachable = this.info !== null;
    const run = byId<HTMLButtonElement>("run");
    if (!this.info) {
      run.disabled = true;
      run.title = "No runner answered: validation only";
      status.textContent = "validation only";
      const retry = h("button", { type: "button", class: "link" }, "Retry");
      retry.addEventListener("click", () => void this.connect());
      banner(
        "runner",
        "warn",
        h("strong", {}, "Runner not reachable: validation only. "),
        "Findings still update as you type. Start ",
        h("code", {}, "stockade serve"),
        " and open the URL it prints to run code. ",
        retry,
      );
      return;
    }
    clearBanner("runner");
    run.disabled = false;
    run.title = "Run the code in the sandbox (Ctrl/⌘+Enter)";
    status.textContent = `runner ${this.info.version}`;
    if (!this.token) {
      banner(
        "token",
        "info",
        "No access token: open the URL that ",
        h("code", {}, "stockade serve"),
        " printed (it ends in ",
        h("code", {}, "?token=…"),
        ") to run code.",
      );
    }
    this.fillSettings(this.info);
  }

  private fillSettings(info: RunnerInfo) {
    byId("settings-card").hidden = false;
    const { limits } = info;
    const timeout = byId<HTMLInputElement>("timeout");
    timeout.max = String(limits.max_timeout_seconds);
    timeout.value = String(limits.default_timeout_seconds);
    const memory = byId<HTMLInputElement>("memory");
    memory.max = String(limits.max_memory_mb);
    memory.value = String(limits.default_memory_mb);
    const runtime = byId<HTMLSelectElement>("runtime");
    runtime.replaceChildren(
      ...info.runtimes.map((r) => h("option", { value: r, selected: r === info.default_runtime }, r)),
    );
    const image = byId<HTMLSelectElement>("image");
    image.replaceChildren(
      ...info.images.map((v) => h("option", { value: v, selected: v === info.default_image }, v)),
    );
    const dataset = byId<HTMLSelectElement>("dataset");
    dataset.replaceChildren(...info.datasets.map((d) => h("option", { value: d }, d)));
    byId("unvalidated-label").hidden = !info.allow_unvalidated;
    if (!info.allow_unvalidated) byId<HTMLInputElement>("unvalidated").checked = false;
    byId("limits").textContent =
      `Limits: timeout ≤ ${limits.max_timeout_seconds} s, memory ≤ ${limits.max_memory_mb} MB.`;
    this.syncMode();
  }

  private showFindings(report: LintReport) {
    const { result, validateMs } = report;
    this.lastFindings = result.findings;
    metrics.lintRuns++;
    metrics.lastValidateMs = validateMs;
    metrics.lastFindingCodes = result.findings.map((f) => f.code);
    byId("findings-count").textContent = String(result.findings.length);
    byId("validate-time").textContent = `validated in ${validateMs.toFixed(1)} ms`;
    const list = byId("findings");
    if (result.findings.length === 0) {
      list.replaceChildren(h("li", { class: "muted" }, "No findings: the validator accepts this code."));
    } else {
      list.replaceChildren(
        ...result.findings.map((f) => {
          const button = h(
            "button",
            { type: "button", class: `finding finding-${f.severity}`, "data-code": f.code },
            h("span", { class: "pos" }, `${f.start.line}:${f.start.column_utf16}`),
            h("span", { class: "code" }, f.code),
            h("span", { class: "msg" }, ...inline(f.message)),
          );
          button.setAttribute("aria-label", `${f.severity} ${f.code} at line ${f.start.line}, column ${f.start.column_utf16}: ${f.message}. Go to code.`);
          button.addEventListener("click", () => revealFinding(this.view, f));
          const detail = findingDetails(f, this.validator.rules.get(f.code));
          detail.classList.add("finding-more");
          return h("li", {}, button, detail);
        }),
      );
    }
    requestAnimationFrame(() => {
      metrics.lastFindingsRenderedAt = performance.now();
    });
  }

  private request(): { req: ExecuteRequest; timeout?: number; memory?: number } {
    const num = (id: string, max: number | undefined) => {
      const v = Number(byId<HTMLInputElement>(id).value);
      if (!Number.isFinite(v) || v <= 0) return undefined;
      return max === undefined ? v : Math.min(v, max);
    };
    const limits = this.info?.limits;
    const timeout = num("timeout", limits?.max_timeout_seconds);
    const memory = num("memory", limits?.max_memory_mb);
    const mode = byId<HTMLSelectElement>("mode").value as "execute" | "strategy";
    const req: ExecuteRequest = {
      code: this.view.state.doc.toString(),
      timeout_seconds: timeout,
      memory_mb: memory === undefined ? undefined : Math.round(memory),
      runtime: byId<HTMLSelectElement>("runtime").value || undefined,
      image: byId<HTMLSelectElement>("image").value || undefined,
      mode,
      validate: !(this.info?.allow_unvalidated && byId<HTMLInputElement>("unvalidated").checked),
    };
    if (mode === "strategy") req.dataset = byId<HTMLSelectElement>("dataset").value || undefined;
    return { req, timeout, memory };
  }

  private setRunning(running: boolean) {
    byId<HTMLButtonElement>("run").disabled = running || !this.info;
    byId("cancel").hidden = !running;
    byId("run-card").setAttribute("aria-busy", String(running));
  }

  private async run() {
    if (this.running || !this.info) return;
    const { req, timeout, memory } = this.request();
    const out = byId("stdout");
    const err = byId("stderr");
    const outcomeBox = byId("outcome");
    out.textContent = "";
    err.textContent = "";
    byId("result").replaceChildren(h("p", { class: "muted" }, "Running…"));
    byId("error").replaceChildren();
    byId("facts").replaceChildren();
    this.chart.reset();
    metrics.statsEvents = 0;
    const localErrors = this.lastFindings.filter((f) => f.severity === "error").length;
    outcomeBox.replaceChildren(
      h(
        "p",
        { class: "muted" },
        req.validate === false
          ? "Running without validation…"
          : localErrors
            ? `Sending to the runner; the validator reports ${localErrors} error(s), so expect a rejection…`
            : "Running…",
      ),
    );
    const controller = new AbortController();
    this.running = controller;
    this.setRunning(true);
    let finished = false;
    const onEvent = (ev: StreamEvent) => {
      switch (ev.event) {
        case "started":
          outcomeBox.replaceChildren(h("p", { class: "muted" }, `Running in container ${ev.data.container_id.slice(0, 12)}…`));
          break;
        case "stdout":
          out.append(ev.data.data);
          break;
        case "stderr":
          err.append(ev.data.data);
          break;
        case "stats":
          metrics.statsEvents++;
          this.chart.push(ev.data);
          break;
        case "result":
          finished = true;
          this.showResult(ev.data, timeout, memory);
          break;
        case "error":
          finished = true;
          this.showFailure(`${ev.data.error.message} (${ev.data.error.code})`);
          break;
      }
    };
    try {
      await executeStream(req, this.token, onEvent, controller.signal);
      if (!finished) this.showFailure("The stream ended without a result.");
    } catch (e) {
      if (controller.signal.aborted) {
        this.showFailure("Cancelled: the runner stops and removes the container.");
      } else if (e instanceof ApiError && e.result) {
        this.showResult(e.result, timeout, memory);
      } else if (e instanceof ApiError) {
        this.showFailure(e.message);
      } else {
        this.showFailure(`Runner not reachable: ${(e as Error).message}`);
      }
    } finally {
      this.running = null;
      this.setRunning(false);
    }
  }

  private showFailure(text: string) {
    byId("outcome").replaceChildren(h("div", { class: "banner banner-danger", role: "alert" }, text));
    byId("result").replaceChildren();
  }

  private showResult(r: ExecutionResult, timeout: number | undefined, memory: number | undefined) {
    const o = outcome(r, timeout, memory);
    const kind = o.kind === "ok" ? "ok" : o.kind === "contained" ? "danger" : "warn";
    byId("outcome").replaceChildren(
      h("div", { class: `banner banner-${kind}`, role: o.kind === "ok" ? "status" : "alert", "data-outcome": o.kind }, o.text),
    );
    // The streamed output is authoritative; the result's copy fills in when nothing streamed.
    const out = byId("stdout");
    const err = byId("stderr");
    if (!out.textContent && r.stdout) out.textContent = r.stdout;
    if (!err.textContent && r.stderr) err.textContent = r.stderr;
    if (r.stdout_truncated) out.append(h("span", { class: "muted" }, "\n[stdout truncated]"));
    if (r.stderr_truncated) err.append(h("span", { class: "muted" }, "\n[stderr truncated]"));
    byId("result").replaceChildren(renderSignal(r.signal));
    const errorBox = byId("error");
    errorBox.replaceChildren();
    const pyErr = renderError(r);
    if (pyErr) errorBox.append(pyErr);
    if (r.findings && r.findings.length) {
      errorBox.append(
        h(
          "ul",
          { class: "server-findings" },
          ...r.findings.map((f) => h("li", {}, h("strong", {}, f.code), ` ${f.message}`)),
        ),
      );
    }
    byId("facts").replaceChildren(renderFacts(r));
  }
}

async function main() {
  try {
    const validator = await loadValidator();
    new App(validator).start();
    metrics.ready = true;
  } catch (e) {
    banner("wasm", "danger", `The validator failed to load: ${(e as Error).message}`);
  }
}

void main();
