// Client for `stockade serve` (the HTTP API contract): /v1/info and /v1/execute/stream.

export interface RunnerInfo {
  version: string;
  runtimes: string[];
  default_runtime: string;
  /** Image variants a request may choose (`default`: Debian's numpy 1.24 and pandas 1.5, `modern`: numpy 2 and pandas 2). */
  images: string[];
  default_image: string;
  limits: {
    default_timeout_seconds: number;
    max_timeout_seconds: number;
    default_memory_mb: number;
    max_memory_mb: number;
  };
  allow_unvalidated: boolean;
  datasets: string[];
}

export interface ExecuteRequest {
  code: string;
  timeout_seconds?: number;
  memory_mb?: number;
  validate?: boolean;
  runtime?: string;
  image?: string;
  mode?: "execute" | "strategy";
  dataset?: string;
}

export interface ApiFinding {
  code: string;
  severity: string;
  message: string;
  help: string;
  span: { start: number; end: number };
  start?: { line: number; column: number; column_utf16?: number };
}

export interface ExecutionResult {
  success: boolean;
  signal: unknown;
  error: unknown;
  execution_time: number;
  container_id: string | null;
  validated: boolean;
  /** null: the container was being removed when the answer was sent. */
  cleanup_success: boolean | null;
  exit_code: number | null;
  stdout: string;
  stderr: string;
  stdout_truncated: boolean;
  stderr_truncated: boolean;
  timed_out: boolean;
  oom_killed: boolean;
  memory_peak_mb: number | null;
  killed_reason: string | null;
  image: string | null;
  image_variant: string | null;
  image_versions: Record<string, string>;
  runtime: string | null;
  findings: ApiFinding[] | null;
}

export interface StatsEvent {
  cpu_percent: number;
  memory_mb: number;
  memory_limit_mb: number;
  pids: number;
  t: number;
}

export interface ApiErrorBody {
  code: string;
  message: string;
}

export type StreamEvent =
  | { event: "started"; data: { request_id: string; container_id: string } }
  | { event: "stdout"; data: { data: string } }
  | { event: "stderr"; data: { data: string } }
  | { event: "stats"; data: StatsEvent }
  | { event: "result"; data: ExecutionResult }
  | { event: "error"; data: { error: ApiErrorBody } };

/** A failure to talk to the runner, with what the user should know. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    /** The ExecutionResult carried by a 422 (validation rejection), if any. */
    readonly result?: ExecutionResult,
  ) {
    super(message);
  }
}

function url(path: string): string {
  return new URL(path, window.location.origin).toString();
}

/** GET /v1/info; rejects when no runner answers (network error, non-2xx, or not our JSON). */
export async function fetchInfo(signal?: AbortSignal): Promise<RunnerInfo> {
  const res = await fetch(url("/v1/info"), { headers: { Accept: "application/json" }, signal });
  if (!res.ok) throw new ApiError(`GET /v1/info answered ${res.status}`, res.status, "unreachable");
  const body = (await res.json()) as Partial<RunnerInfo>;
  if (!body || typeof body !== "object" || !body.limits || !Array.isArray(body.runtimes)) {
    throw new ApiError("GET /v1/info did not return runner info", res.status, "unreachable");
  }
  return body as RunnerInfo;
}

async function errorFrom(res: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  const b = body as { error?: ApiErrorBody } & Partial<ExecutionResult>;
  if (res.status === 422 && b && Array.isArray(b.findings)) {
    return new ApiError("Rejected by the validator", 422, "validation_failed", b as ExecutionResult);
  }
  if (res.status === 401 || res.status === 403) {
    const detail = b?.error?.message ?? "the token is missing or wrong";
    return new ApiError(
      `Not authorised (${detail}). Open the URL that \`stockade serve\` printed (it carries ?token=).`,
      res.status,
      b?.error?.code ?? "unauthorized",
    );
  }
  if (res.status === 429) {
    const retry = res.headers.get("Retry-After");
    return new ApiError(
      `The runner is busy${retry ? `: retry in ${retry} s` : ""}.`,
      429,
      b?.error?.code ?? "queue_full",
    );
  }
  const message = b?.error?.message ?? `HTTP ${res.status}`;
  return new ApiError(message, res.status, b?.error?.code ?? "http_error");
}

/** Parses one server-sent event block ("event: x\ndata: {...}"). */
export function parseEventBlock(block: string): StreamEvent | undefined {
  let event = "message";
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  if (data.length === 0) return undefined;
  return { event, data: JSON.parse(data.join("\n")) } as StreamEvent;
}

/**
 * POST /v1/execute/stream, read as server-sent events through fetch (EventSource cannot send
 * the Authorization header). Calls `onEvent` for each event; resolves when the stream ends.
 */
export async function executeStream(
  request: ExecuteRequest,
  token: string | null,
  onEvent: (ev: StreamEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    Accept: "text/event-stream",
  };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(url("/v1/execute/stream"), {
    method: "POST",
    headers,
    body: JSON.stringify(request),
    signal,
  });
  if (!res.ok) throw await errorFrom(res);
  const type = res.headers.get("Content-Type") ?? "";
  if (!type.includes("text/event-stream")) {
    // A plain JSON answer: an ExecutionResult or an error body.
    const body = (await res.json()) as ExecutionResult | { error: ApiErrorBody };
    if ("error" in body && body.error && typeof body.error === "object" && "code" in body.error) {
      onEvent({ event: "error", data: body as { error: ApiErrorBody } });
    } else {
      onEvent({ event: "result", data: body as ExecutionResult });
    }
    return;
  }
  if (!res.body) throw new ApiError("empty response", res.status, "empty_response");
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (value) buffer += value;
    let boundary = buffer.search(/\r?\n\r?\n/);
    while (boundary >= 0) {
      const block = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary).replace(/^\r?\n\r?\n/, "");
      const ev = parseEventBlock(block);
      if (ev) onEvent(ev);
      boundary = buffer.search(/\r?\n\r?\n/);
    }
    if (done) break;
  }
  const tail = parseEventBlock(buffer);
  if (tail) onEvent(tail);
}
