//! Soak test: a real `stockade serve` under several clients for N minutes of mixed honest and
//! abusive executions, beside the abusive loads of the security audit (floods of 1 MiB
//! validations, clients that never read their answers, half-sent requests), while the runner's
//! resident memory, its open file descriptors, the engine's container count and the latency of
//! `GET /healthz` are sampled. Prints a table and a verdict, and exits 1 on a leak: a metric
//! whose median over the last third of the run is above its median over the first third by
//! more than noise (both thirds of the time after a warm-up, in which the allocator reaches
//! the high-water mark of the largest requests), containers left beyond the warm pool once the
//! clients stop, any container left after the runner exits, or any 5xx answer. The `/healthz`
//! latency is reported, with whether its p99 stayed under 50 ms, but never fails the soak: the
//! machine may be shared.
//!
//! Needs the Docker engine and the sandbox image (as the tests do). Not part of CI.
//!
//! ```text
//! scripts/soak.sh [--minutes 30] [--clients 6] [--validate-floods 8] [--unread 24] [--half-sent 300]
//! ```
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Parser;
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;

#[derive(Parser)]
#[command(about = "Soak-test a real `stockade serve` with honest and abusive clients")]
struct Args {
    /// How long the clients run (3 for a short soak).
    #[arg(long, default_value_t = 30.0)]
    minutes: f64,
    /// Concurrent clients of the mixed honest and abusive workloads.
    #[arg(long, default_value_t = 6)]
    clients: usize,
    /// Clients that each send 1 MiB of `exec(1)` lines to /v1/validate, one after another.
    #[arg(long, default_value_t = 8)]
    validate_floods: usize,
    /// Clients that send requests for large answers and never read them.
    #[arg(long, default_value_t = 24)]
    unread: usize,
    /// Half-sent requests (headers never finished) held open at once, as far as the
    /// connection cap leaves room beside the other clients.
    #[arg(long, default_value_t = 300)]
    half_sent: usize,
    /// Open connections the served runner allows (its --max-connections).
    #[arg(long, default_value_t = 512)]
    max_connections: usize,
    /// Milliseconds between two /healthz probes.
    #[arg(long, default_value_t = 100)]
    probe_ms: u64,
    /// Seconds between samples.
    #[arg(long, default_value_t = 5)]
    sample_seconds: u64,
    /// The `stockade` binary to serve with.
    #[arg(long, default_value = "target/release/stockade")]
    stockade: PathBuf,
    /// Seconds at the start whose samples are printed but left out of the verdict [default:
    /// 120, or a third of a shorter run].
    #[arg(long)]
    warmup_seconds: Option<u64>,
    /// Warm pool size of the served runner.
    #[arg(long, default_value_t = 2)]
    pool_size: usize,
}

/// Lines of `exec(1)` in a flood: 9 bytes each in JSON (`\n` escaped), so the body is
/// 1,044,011 bytes, the most whole lines under the server's 1 MiB body limit. Each line is a
/// finding.
const FLOOD_LINES: usize = 116_000;

/// How long an unread client keeps its socket: beyond the server's 30 s write timeout.
const UNREAD_HOLD: Duration = Duration::from_secs(45);

/// Requests an unread client pipelines for `/openapi.json`: megabytes of answers, more than
/// the socket buffers take, so the server's writes stall.
const UNREAD_PIPELINED: usize = 1000;

/// How long a half-sent request waits for the server: beyond its 10 s header timeout.
const HALF_SENT_HOLD: Duration = Duration::from_secs(40);

/// A probe without an answer by then is a failure.
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// The /healthz p99 the security audit asks for under the abusive loads.
const HEALTHZ_P99_GOAL: Duration = Duration::from_millis(50);

/// What a workload is expected to do to the runner.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Kind {
    /// Real strategy or data code; should succeed.
    Honest,
    /// Meant to hurt: the runner must contain it and stay flat.
    Abusive,
}

/// How the client talks to the API for one workload.
#[derive(Clone, Copy)]
enum Call {
    /// `POST /v1/execute`, reading the whole answer.
    Execute,
    /// `POST /v1/execute/stream`, hanging up after the first event.
    StreamHangUp,
    /// `POST /v1/execute`, hanging up after a second.
    ExecuteHangUp,
    /// `POST /v1/validate`, reading the findings.
    Validate,
    /// `POST /v1/execute` without the token.
    NoToken,
}

struct Workload {
    name: String,
    kind: Kind,
    call: Call,
    /// The JSON body, encoded once: encoding a megabyte for every request would put the
    /// soak's own CPU into what it measures.
    body: String,
}

/// The code of a flood: one `exec(1)` per line.
fn exec_flood() -> String {
    "exec(1)\n".repeat(FLOOD_LINES)
}

fn workloads(root: &Path) -> Result<Vec<Workload>> {
    let mut out = Vec::new();
    let python = |dir: &str| -> Result<Vec<(String, String)>> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(root.join(dir)).with_context(|| format!("reading {dir}"))? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "py") {
                let name = path.file_stem().unwrap().to_string_lossy().into_owned();
                files.push((name, std::fs::read_to_string(&path)?));
            }
        }
        files.sort();
        Ok(files)
    };
    // Programs that define `strategy(data)` run in strategy mode on the dataset they were
    // written for (see `datasets`), the rest as scripts.
    let honest = |source: &str, dataset: &str, name: String, code: String| {
        let body = if code.contains("def strategy(data") {
            json!({"code": code, "mode": "strategy", "dataset": dataset, "timeout_seconds": 60})
        } else {
            json!({"code": code, "timeout_seconds": 60})
        };
        Workload {
            name: format!("{source}:{name}"),
            kind: Kind::Honest,
            call: Call::Execute,
            body: body.to_string(),
        }
    };
    for (name, code) in python("examples/strategies")? {
        out.push(honest("strategy", "sample", name, code));
    }
    for (name, code) in python("crates/validator/tests/corpus/benign")? {
        out.push(honest("corpus", "finlab", name, code));
    }
    out.extend([
        abusive(
            "memory bomb",
            Call::Execute,
            // Written bytes: a zeroed bytearray would stay unbacked and never reach the limit.
            json!({"code": "chunks = []\nwhile True:\n    chunks.append(b'x' * (32 * 1024 * 1024))\n",
                   "memory_mb": 256, "timeout_seconds": 20}),
        ),
        abusive(
            "fork bomb",
            Call::Execute,
            json!({"code": "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n",
                   "validate": false, "timeout_seconds": 15}),
        ),
        abusive(
            "busy loop",
            Call::Execute,
            json!({"code": "while True:\n    pass\n", "timeout_seconds": 3}),
        ),
        abusive(
            "output flood",
            Call::Execute,
            json!({"code": "line = 'x' * 4096\nwhile True:\n    print(line)\n", "timeout_seconds": 4}),
        ),
        abusive(
            "sleep past timeout",
            Call::Execute,
            json!({"code": "import time\ntime.sleep(60)\n", "timeout_seconds": 2}),
        ),
        abusive(
            "rejected code",
            Call::Execute,
            json!({"code": "import os\nos.system('cat /etc/shadow')\n"}),
        ),
        abusive(
            "hang up mid-stream",
            Call::StreamHangUp,
            json!({"code": "import time\nfor i in range(600):\n    print(i, flush=True)\n    time.sleep(0.1)\n",
                   "timeout_seconds": 120}),
        ),
        abusive(
            "hang up mid-run",
            Call::ExecuteHangUp,
            json!({"code": "while True:\n    pass\n", "timeout_seconds": 120}),
        ),
        validate_flood(),
        // The same megabyte to the execution route, whose pre-flight check validates it too.
        abusive(
            "execute flood (1 MiB)",
            Call::Execute,
            json!({"code": exec_flood()}),
        ),
        abusive(
            "no token",
            Call::NoToken,
            json!({"code": "print(1)\n"}),
        ),
    ]);
    Ok(out)
}

fn abusive(name: &str, call: Call, body: Value) -> Workload {
    Workload {
        name: name.into(),
        kind: Kind::Abusive,
        call,
        body: body.to_string(),
    }
}

/// 1 MiB of `exec(1)` lines to `/v1/validate`.
fn validate_flood() -> Workload {
    abusive(
        "validate flood (1 MiB)",
        Call::Validate,
        json!({"code": exec_flood()}),
    )
}

/// Counts of answers per workload and status.
#[derive(Default)]
struct Tally {
    /// (kind, workload, outcome) -> count.
    outcomes: BTreeMap<(Kind, String, String), u64>,
    server_errors: u64,
    transport_errors: u64,
}

impl Tally {
    fn add(&mut self, kind: Kind, name: &str, outcome: String) {
        *self
            .outcomes
            .entry((kind, name.to_string(), outcome))
            .or_default() += 1;
    }
}

/// Sums a result's outcome into a short word: ok, killed(reason), timeout, oom, rejected, ...
fn outcome_of(status: reqwest::StatusCode, body: &Value) -> String {
    if !status.is_success() {
        let code = body["error"]["code"].as_str().unwrap_or("");
        if code.is_empty() && body["findings"].is_array() {
            return format!("{} rejected", status.as_u16());
        }
        return format!("{} {code}", status.as_u16());
    }
    if body["success"] == true {
        return "ok".into();
    }
    if let Some(reason) = body["killed_reason"].as_str() {
        let word = reason.split(':').next().unwrap_or(reason);
        return format!("killed({word})");
    }
    if body["timed_out"] == true {
        return "timeout".into();
    }
    if body["oom_killed"] == true {
        return "oom".into();
    }
    if body["findings"].as_array().is_some_and(|f| !f.is_empty()) {
        return "rejected".into();
    }
    format!("failed({})", body["error_type"].as_str().unwrap_or("?"))
}

struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    /// Sends one request of `w`, counts its outcome and returns it.
    async fn run(&self, w: &Workload, tally: &Mutex<Tally>) -> String {
        let url = match w.call {
            Call::Validate => format!("{}/v1/validate", self.base),
            Call::StreamHangUp => format!("{}/v1/execute/stream", self.base),
            _ => format!("{}/v1/execute", self.base),
        };
        let mut request = self
            .http
            .post(url)
            .header("content-type", "application/json")
            .body(w.body.clone());
        // The token goes with /v1/validate too, so the flood reaches the validator whether or
        // not the service asks for it there.
        if !matches!(w.call, Call::NoToken) {
            request = request.bearer_auth(&self.token);
        }
        if let Call::ExecuteHangUp = w.call {
            request = request.timeout(Duration::from_secs(1));
        }
        let outcome = match request.send().await {
            Err(e) if e.is_timeout() && matches!(w.call, Call::ExecuteHangUp) => {
                "hung up".to_string()
            }
            Err(_) => {
                tally.lock().unwrap().transport_errors += 1;
                "transport error".to_string()
            }
            Ok(response) => {
                let status = response.status();
                if status.is_server_error() {
                    tally.lock().unwrap().server_errors += 1;
                }
                match w.call {
                    Call::StreamHangUp if status.is_success() => {
                        // Wait for the first event (the container is running), then drop.
                        let mut stream = response.bytes_stream();
                        let first = tokio::time::timeout(Duration::from_secs(60), stream.next());
                        match first.await {
                            Ok(Some(Ok(_))) => "hung up".to_string(),
                            _ => "no event".to_string(),
                        }
                    }
                    Call::Validate if status.is_success() => {
                        let body: Value = response.json().await.unwrap_or(Value::Null);
                        let listed = body["findings"].as_array().map_or(0, Vec::len);
                        let total = body["total_findings"].as_u64().unwrap_or(0);
                        match (listed, total) {
                            (0, _) => "no findings".into(),
                            (n, t) if (n as u64) < t => format!("{n} of {t} findings"),
                            (n, _) => format!("{n} findings"),
                        }
                    }
                    _ => {
                        let body: Value = response.json().await.unwrap_or(Value::Null);
                        outcome_of(status, &body)
                    }
                }
            }
        };
        tally.lock().unwrap().add(w.kind, &w.name, outcome.clone());
        outcome
    }
}

/// The status code at the start of a raw HTTP/1.1 answer.
fn status_of(answer: &[u8]) -> Option<u16> {
    let head = std::str::from_utf8(answer.get(..12)?).ok()?;
    head.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

/// Counts a raw client's answer in the tally; a 5xx other than the connection cap's 503 is a
/// server error, as it is for the other clients.
fn tally_raw(tally: &Mutex<Tally>, name: &str, status: Option<u16>, outcome: String) {
    let mut tally = tally.lock().unwrap();
    if status.is_some_and(|s| s >= 500 && s != 503) {
        tally.server_errors += 1;
    }
    tally.add(Kind::Abusive, name, outcome);
}

/// Counts sockets a load holds open while it lives (aborted tasks included).
struct Held(Arc<AtomicUsize>);

impl Held {
    fn new(count: &Arc<AtomicUsize>) -> Held {
        count.fetch_add(1, Ordering::Relaxed);
        Held(count.clone())
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Reads what the server sent (up to 64 MiB) until it closes the connection or goes quiet for
/// a second: the answer's status, and whether the server had closed.
async fn drain(stream: &mut TcpStream) -> (Option<u16>, bool) {
    let mut head = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut read = 0usize;
    while read < 64 * 1024 * 1024 {
        match tokio::time::timeout(Duration::from_secs(1), stream.read(&mut buf)).await {
            Err(_) => return (status_of(&head), false),
            Ok(Ok(0)) | Ok(Err(_)) => return (status_of(&head), true),
            Ok(Ok(n)) => {
                if head.len() < 12 {
                    head.extend_from_slice(&buf[..n.min(12)]);
                }
                read += n;
            }
        }
    }
    (status_of(&head), false)
}

/// A client that asks for a large answer and never reads it: either 1 MiB to validate (the
/// answer is the findings) or a thousand pipelined `GET /openapi.json`. It keeps the socket
/// beyond the write timeout, then looks at what the server did and hangs up.
async fn unread_client(
    addr: String,
    token: String,
    pipelined: bool,
    tally: Arc<Mutex<Tally>>,
    open: Arc<AtomicUsize>,
) {
    let (name, request) = if pipelined {
        let one = format!("GET /openapi.json HTTP/1.1\r\nhost: {addr}\r\n\r\n");
        ("unread pipelined answers", one.repeat(UNREAD_PIPELINED))
    } else {
        let body = json!({ "code": exec_flood() }).to_string();
        let request = format!(
            "POST /v1/validate HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {token}\r\n\
             content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        ("unread validate answer", request)
    };
    loop {
        let Ok(mut stream) = TcpStream::connect(&addr).await else {
            tally_raw(&tally, name, None, "connect failed".into());
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        };
        let _held = Held::new(&open);
        // A refused request (busy validators, the connection cap) may be answered and closed
        // before the whole body is in.
        let sent = tokio::time::timeout(UNREAD_HOLD, stream.write_all(request.as_bytes())).await;
        if !matches!(sent, Ok(Ok(()))) {
            let (status, _) = drain(&mut stream).await;
            let word = status.map_or("no answer".into(), |s| s.to_string());
            tally_raw(
                &tally,
                name,
                status,
                format!("{word}, closed while sending"),
            );
            // Refused before its body was read: come back as a 429's Retry-After says.
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        tokio::time::sleep(UNREAD_HOLD).await;
        let (status, closed) = drain(&mut stream).await;
        let word = status.map_or("no answer".into(), |s| s.to_string());
        let end = if closed {
            "closed by server"
        } else {
            "open at hang-up"
        };
        tally_raw(&tally, name, status, format!("{word}, {end}"));
    }
}

/// One request whose headers never end, held until the server closes it or `HALF_SENT_HOLD`
/// passes: its outcome, and how long the server took to close it when it did so unasked.
async fn half_sent(addr: String, i: usize, open: Arc<AtomicUsize>) -> (String, Option<Duration>) {
    let started = Instant::now();
    let Ok(mut stream) = TcpStream::connect(&addr).await else {
        return ("connect failed".into(), None);
    };
    let partial = if i % 2 == 0 {
        // Headers that never end.
        format!("POST /v1/validate HTTP/1.1\r\nhost: {addr}\r\nx-slow: ")
    } else {
        // Nothing after the request line.
        "GET /healthz HTTP/1.1\r\n".to_string()
    };
    if stream.write_all(partial.as_bytes()).await.is_err() {
        return ("closed while sending".into(), None);
    }
    let _held = Held::new(&open);
    let deadline = tokio::time::Instant::from_std(started + HALF_SENT_HOLD);
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return ("open at hang-up".into(), None),
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => answer.extend_from_slice(&buf[..n]),
        }
    }
    match status_of(&answer) {
        Some(503) => ("refused (503)".into(), None),
        Some(s) => (format!("{s}, closed by server"), Some(started.elapsed())),
        None => ("closed by server".into(), Some(started.elapsed())),
    }
}

/// Waves of `n` half-sent requests at once: each wave ends when every one is closed (by the
/// server, or by us after `HALF_SENT_HOLD`), and the next starts a second later.
async fn half_sent_waves(
    addr: String,
    n: usize,
    tally: Arc<Mutex<Tally>>,
    closed_after: Arc<Mutex<Vec<Duration>>>,
    open: Arc<AtomicUsize>,
) {
    loop {
        let mut wave = JoinSet::new();
        for i in 0..n {
            wave.spawn(half_sent(addr.clone(), i, open.clone()));
        }
        while let Some(done) = wave.join_next().await {
            if let Ok((outcome, after)) = done {
                tally_raw(&tally, "half-sent request", None, outcome);
                if let Some(after) = after {
                    closed_after.lock().unwrap().push(after);
                }
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// `/healthz` latencies of the probes that got their 200: of the current sampling period and
/// of the whole soak; failures by kind.
#[derive(Default)]
struct Probes {
    period: Vec<Duration>,
    period_failed: u64,
    all: Vec<Duration>,
    failures: BTreeMap<String, u64>,
}

/// One probe: a new connection, `GET /healthz`, the whole answer.
async fn probe(addr: &str) -> Result<(), String> {
    let mut stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect: {}", e.kind()))?;
    let request = format!("GET /healthz HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| format!("send: {}", e.kind()))?;
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .await
        .map_err(|e| format!("read: {}", e.kind()))?;
    match status_of(&answer) {
        Some(200) => Ok(()),
        Some(s) => Err(format!("status {s}")),
        None => Err("no answer".into()),
    }
}

/// Probes `/healthz` every `every`, each probe on a new connection, as an orchestrator's
/// probe or a new client comes: so the accept loop and the connection cap are measured too,
/// which a kept-alive connection would skip. Each probe is its own task at a fixed rate: a
/// stalled server shows in every probe sent during the stall, not in one that holds up the
/// rest.
async fn prober(addr: String, every: Duration, probes: Arc<Mutex<Probes>>) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut in_flight = JoinSet::new();
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let (addr, probes) = (addr.clone(), probes.clone());
                in_flight.spawn(async move {
                    let started = Instant::now();
                    let result = tokio::time::timeout(PROBE_TIMEOUT, probe(&addr))
                        .await
                        .unwrap_or_else(|_| Err("timeout".into()));
                    let took = started.elapsed();
                    let mut p = probes.lock().unwrap();
                    match result {
                        Ok(()) => {
                            p.period.push(took);
                            p.all.push(took);
                        }
                        Err(kind) => {
                            p.period_failed += 1;
                            *p.failures.entry(kind).or_default() += 1;
                        }
                    }
                });
            }
            Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
        }
    }
}

/// The prober's own thread and runtime, so that it measures the server and not the soak's
/// clients: with them on one runtime, a probe whose answer had come waited behind the clients'
/// megabyte bodies before its clock was read, as an orchestrator's probe (another process)
/// never does.
struct Prober {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn spawn_prober(addr: String, every: Duration, probes: Arc<Mutex<Probes>>) -> Result<Prober> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("prober".into())
        .spawn(move || {
            runtime.block_on(async move {
                tokio::select! {
                    () = prober(addr, every, probes) => {}
                    _ = stopped => {}
                }
            });
        })?;
    Ok(Prober {
        stop: Some(stop),
        thread: Some(thread),
    })
}

impl Prober {
    fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Percentiles of a set of latencies.
struct Spread {
    n: usize,
    p50: Duration,
    p95: Duration,
    p99: Duration,
    max: Duration,
}

impl Spread {
    /// Nearest-rank percentiles; `None` for no values.
    fn of(mut values: Vec<Duration>) -> Option<Spread> {
        values.sort();
        let max = *values.last()?;
        let at = |p: f64| values[((values.len() - 1) as f64 * p).round() as usize];
        Some(Spread {
            n: values.len(),
            p50: at(0.50),
            p95: at(0.95),
            p99: at(0.99),
            max,
        })
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// One sample of the runner process and the engine.
#[derive(Clone, Copy)]
struct Sample {
    at: Duration,
    rss_kib: u64,
    fds: usize,
    containers: usize,
}

fn rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmRSS")
}

fn open_fds(pid: u32) -> Result<usize> {
    Ok(std::fs::read_dir(format!("/proc/{pid}/fd"))?.count())
}

/// The machine's load averages (1, 5 and 15 minutes), as `/proc/loadavg` has them.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

async fn containers(docker: &bollard::Docker) -> Result<usize> {
    let options = bollard::query_parameters::ListContainersOptions {
        all: true,
        ..Default::default()
    };
    Ok(docker.list_containers(Some(options)).await?.len())
}

/// One metric of the verdict: how to read it from a sample, and the noise allowed on top of
/// the first third's median.
struct Check {
    name: &'static str,
    metric: fn(&Sample) -> f64,
    slack: fn(f64) -> f64,
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// Compares the medians of the first and last thirds; `slack` is the noise allowed.
fn trend(
    samples: &[Sample],
    metric: fn(&Sample) -> f64,
    slack: fn(f64) -> f64,
) -> (f64, f64, bool) {
    let third = (samples.len() / 3).max(1);
    let mut first: Vec<f64> = samples[..third].iter().map(metric).collect();
    let mut last: Vec<f64> = samples[samples.len() - third..]
        .iter()
        .map(metric)
        .collect();
    let (a, b) = (median(&mut first), median(&mut last));
    (a, b, b <= a + slack(a))
}

/// The served datasets: `sample` (config/datasets/sample, what the example strategies read)
/// and `finlab` (the test fixtures with finlab's table names, what the corpus reads), copied
/// into `dir`.
fn datasets(root: &Path, dir: &Path) -> Result<()> {
    for (name, from) in [
        ("sample", "config/datasets/sample"),
        ("finlab", "tests/harness/data"),
    ] {
        let to = dir.join(name);
        std::fs::create_dir_all(&to)?;
        for entry in
            std::fs::read_dir(root.join(from)).with_context(|| format!("reading {from}"))?
        {
            let entry = entry?;
            std::fs::copy(entry.path(), to.join(entry.file_name()))?;
        }
    }
    Ok(())
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    std::env::set_current_dir(&root)?;
    let warmup_seconds = args
        .warmup_seconds
        .unwrap_or_else(|| 120.min((args.minutes * 20.0) as u64));
    // Kept-alive connections of the HTTP clients may outlive their request: two each.
    let reserved = 2 * (args.clients + args.validate_floods) + args.unread + 16;
    let half_sent_n = args
        .half_sent
        .min(args.max_connections.saturating_sub(reserved));
    let docker = bollard::Docker::connect_with_local_defaults()?;
    let before = containers(&docker).await?;
    if before != 0 {
        bail!("the engine already has {before} containers; soak on an engine of its own");
    }
    let workloads = Arc::new(workloads(&root)?);
    let logs = tempfile::tempdir()?;
    let data = tempfile::tempdir()?;
    datasets(&root, data.path())?;
    let port = free_port()?;
    let token = format!("soak-{:032x}", random_u128()?);
    let mut serve = tokio::process::Command::new(&args.stockade)
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--metrics-port",
            "0",
        ])
        .args([
            "--pool-size",
            &args.pool_size.to_string(),
            "--max-connections",
            &args.max_connections.to_string(),
            "--allow-unvalidated",
        ])
        .arg("--security-log")
        .arg(logs.path().join("security.log"))
        .arg("--datasets-dir")
        .arg(data.path())
        .env("STOCKADE_TOKEN", &token)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(logs.path().join("serve.stderr"))?)
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {}", args.stockade.display()))?;
    let pid = serve.id().context("serve has no pid")?;
    let addr = format!("127.0.0.1:{port}");
    let base = format!("http://{addr}");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(180))
        .build()?;
    let ready = Instant::now();
    loop {
        let r = http.get(format!("{base}/readyz")).send().await;
        if r.is_ok_and(|r| r.status().is_success()) {
            break;
        }
        if ready.elapsed() > Duration::from_secs(180) || serve.try_wait()?.is_some() {
            let stderr = std::fs::read_to_string(logs.path().join("serve.stderr"))?;
            bail!("stockade serve did not become ready:\n{stderr}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let load_at_start = load_average();
    println!(
        "soak: {} clients for {} min against {base} (pid {pid}), {} workloads, sample every {} s",
        args.clients,
        args.minutes,
        workloads.len(),
        args.sample_seconds
    );
    println!(
        "beside them: {} validate floods of 1 MiB, {} clients that never read, {half_sent_n} \
         half-sent requests at once (cap {} connections); /healthz probed every {} ms on a new \
         connection; load average {load_at_start}",
        args.validate_floods, args.unread, args.max_connections, args.probe_ms
    );
    if half_sent_n < args.half_sent {
        println!(
            "  ({} half-sent asked for: the cap leaves room for {half_sent_n} beside the other clients)",
            args.half_sent
        );
    }

    let tally = Arc::new(Mutex::new(Tally::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let probes = Arc::new(Mutex::new(Probes::default()));
    let prober = spawn_prober(
        addr.clone(),
        Duration::from_millis(args.probe_ms.max(1)),
        probes.clone(),
    )?;
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(args.minutes * 60.0);
    let new_client = || Client {
        http: http.clone(),
        base: base.clone(),
        token: token.clone(),
    };
    let mut clients = Vec::new();
    for i in 0..args.clients {
        let client = new_client();
        let (workloads, tally, stop) = (workloads.clone(), tally.clone(), stop.clone());
        clients.push(tokio::spawn(async move {
            let mut state = 0x9e37_79b9_7f4a_7c15_u64 ^ (i as u64 + 1);
            while !stop.load(Ordering::Relaxed) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let w = &workloads[(state % workloads.len() as u64) as usize];
                client.run(w, &tally).await;
            }
        }));
    }
    let flood = Arc::new(validate_flood());
    for _ in 0..args.validate_floods {
        let client = new_client();
        let (flood, tally, stop) = (flood.clone(), tally.clone(), stop.clone());
        clients.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                // Retry-After is 1 s when every validation worker is busy: a flood that
                // ignored it would burn the soak's own CPU, not the runner's.
                if client.run(&flood, &tally).await.starts_with("429") {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }));
    }
    // Loads that hold sockets for tens of seconds: aborted (their sockets closed) at the end.
    let mut holders = JoinSet::new();
    let unread_open = Arc::new(AtomicUsize::new(0));
    for i in 0..args.unread {
        holders.spawn(unread_client(
            addr.clone(),
            token.clone(),
            i % 2 == 1,
            tally.clone(),
            unread_open.clone(),
        ));
    }
    let half_open = Arc::new(AtomicUsize::new(0));
    let half_closed_after = Arc::new(Mutex::new(Vec::new()));
    if half_sent_n > 0 {
        holders.spawn(half_sent_waves(
            addr.clone(),
            half_sent_n,
            tally.clone(),
            half_closed_after.clone(),
            half_open.clone(),
        ));
    }

    println!(
        "\n{:>7}  {:>7}  {:>5}  {:>5}  {:>7}  {:>4}  {:>6}  {:>5}   {:>6}  {:>6}  {:>6}  {:>6}  {:>7}  {:>4}",
        "time",
        "rss MiB",
        "fds",
        "cont.",
        "answers",
        "half",
        "unread",
        "load1",
        "probes",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "fail"
    );
    let mut samples = Vec::new();
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_secs(args.sample_seconds)).await;
        let sample = Sample {
            at: started.elapsed(),
            rss_kib: rss_kib(pid)?,
            fds: open_fds(pid)?,
            containers: containers(&docker).await?,
        };
        let answers: u64 = tally.lock().unwrap().outcomes.values().sum();
        let (period, failed) = {
            let mut p = probes.lock().unwrap();
            (
                std::mem::take(&mut p.period),
                std::mem::take(&mut p.period_failed),
            )
        };
        let latency = match Spread::of(period) {
            Some(s) => format!(
                "{:>6}  {:>6.1}  {:>6.1}  {:>6.1}  {:>7.1}",
                s.n,
                ms(s.p50),
                ms(s.p95),
                ms(s.p99),
                ms(s.max)
            ),
            None => format!("{:>6}  {:>6}  {:>6}  {:>6}  {:>7}", 0, "-", "-", "-", "-"),
        };
        let load = load_average();
        println!(
            "{:>6.0}s  {:>7.1}  {:>5}  {:>5}  {:>7}  {:>4}  {:>6}  {:>5}   {latency}  {failed:>4}",
            sample.at.as_secs_f64(),
            sample.rss_kib as f64 / 1024.0,
            sample.fds,
            sample.containers,
            answers,
            half_open.load(Ordering::Relaxed),
            unread_open.load(Ordering::Relaxed),
            load.split(' ').next().unwrap_or("?"),
        );
        samples.push(sample);
    }
    stop.store(true, Ordering::Relaxed);
    holders.abort_all();
    while holders.join_next().await.is_some() {}
    for c in clients {
        c.await?;
    }
    prober.stop();
    let load_at_end = load_average();

    // Quiet: every run has answered; only the warm pool may remain once removals finish.
    let settle = Instant::now();
    let mut idle = containers(&docker).await?;
    while idle > args.pool_size && settle.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_secs(1)).await;
        idle = containers(&docker).await?;
    }
    let idle_rss = rss_kib(pid)?;
    let idle_fds = open_fds(pid)?;

    // SIGTERM: the runner drains its pool and removes every container before it exits.
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()?;
    if !kill.success() {
        bail!("could not send SIGTERM to {pid}");
    }
    let exit = tokio::time::timeout(Duration::from_secs(60), serve.wait()).await;
    let after_exit = containers(&docker).await?;

    let tally = tally.lock().unwrap();
    println!("\nanswers by workload:");
    for ((kind, name, outcome), n) in &tally.outcomes {
        println!(
            "  {:<8} {:<40} {:<32} {n:>6}",
            format!("{kind:?}"),
            name,
            outcome
        );
    }
    let honest: u64 = tally
        .outcomes
        .iter()
        .filter(|((k, _, _), _)| *k == Kind::Honest)
        .map(|(_, n)| n)
        .sum();
    let honest_ok: u64 = tally
        .outcomes
        .iter()
        .filter(|((k, _, o), _)| *k == Kind::Honest && o == "ok")
        .map(|(_, n)| n)
        .sum();
    let total: u64 = tally.outcomes.values().sum();
    println!(
        "  {total} answers, honest {honest_ok}/{honest} ok, {} 5xx, {} transport errors",
        tally.server_errors, tally.transport_errors
    );
    if let Some(s) = Spread::of(half_closed_after.lock().unwrap().clone()) {
        println!(
            "  half-sent requests closed by the server after {:.1} s (p50), {:.1} s (max)",
            s.p50.as_secs_f64(),
            s.max.as_secs_f64()
        );
    }

    let probes = probes.lock().unwrap();
    let failed: u64 = probes.failures.values().sum();
    let failures = probes
        .failures
        .iter()
        .map(|(kind, n)| format!("{n} {kind}"))
        .collect::<Vec<_>>()
        .join(", ");
    let healthz = Spread::of(probes.all.clone());
    println!(
        "\n/healthz over the whole soak (a new connection every {} ms):",
        args.probe_ms
    );
    let healthz_line = match &healthz {
        Some(s) => {
            let under = s.p99 < HEALTHZ_P99_GOAL;
            println!(
                "  {} answered: p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {failed} failed{}",
                s.n,
                ms(s.p50),
                ms(s.p95),
                ms(s.p99),
                ms(s.max),
                if failed > 0 { format!(" ({failures})") } else { String::new() }
            );
            format!(
                "/healthz p99 {:.1} ms, {} {} ms; {failed} probes failed",
                ms(s.p99),
                if under { "under" } else { "NOT under" },
                HEALTHZ_P99_GOAL.as_millis()
            )
        }
        None => {
            println!("  none answered; {failed} failed ({failures})");
            format!("/healthz never answered; {failed} probes failed")
        }
    };
    println!("load average: {load_at_start} at the start, {load_at_end} at the end");

    let warm: Vec<Sample> = samples
        .iter()
        .filter(|s| s.at >= Duration::from_secs(warmup_seconds))
        .copied()
        .collect();
    if warm.len() < 3 {
        bail!("too few samples after the warm-up for a verdict: run for longer");
    }
    let mut leaks = Vec::new();
    // Noise allowed between the thirds: allocator arenas and in-flight work come and go.
    let checks = [
        Check {
            name: "rss MiB",
            metric: |s| s.rss_kib as f64 / 1024.0,
            slack: |a| (a * 0.15).max(24.0),
        },
        Check {
            name: "open fds",
            metric: |s| s.fds as f64,
            slack: |a| (a * 0.20).max(16.0),
        },
        Check {
            name: "containers",
            metric: |s| s.containers as f64,
            slack: |_| 2.0,
        },
    ];
    println!(
        "\nafter {warmup_seconds} s of warm-up, {} samples:\n{:<12} {:>12} {:>12}  verdict",
        warm.len(),
        "metric",
        "first third",
        "last third"
    );
    for Check {
        name,
        metric,
        slack,
    } in checks
    {
        let (a, b, flat) = trend(&warm, metric, slack);
        println!(
            "{name:<12} {a:>12.1} {b:>12.1}  {}",
            if flat { "flat" } else { "GROWING" }
        );
        if !flat {
            leaks.push(format!("{name} grew from {a:.1} to {b:.1}"));
        }
    }
    println!(
        "idle after the clients stopped: rss {:.1} MiB, {idle_fds} fds, {idle} containers (pool {})",
        idle_rss as f64 / 1024.0,
        args.pool_size
    );
    println!("after SIGTERM: exit {exit:?}, {after_exit} containers left");
    if idle > args.pool_size {
        leaks.push(format!(
            "{idle} containers once idle, pool is {}",
            args.pool_size
        ));
    }
    if after_exit != 0 {
        leaks.push(format!(
            "{after_exit} containers left after the runner exited"
        ));
    }
    if !matches!(exit, Ok(Ok(status)) if status.success()) {
        leaks.push(format!(
            "the runner did not exit cleanly on SIGTERM: {exit:?}"
        ));
    }
    if tally.server_errors > 0 {
        leaks.push(format!("{} answers were 5xx", tally.server_errors));
    }
    if leaks.is_empty() {
        println!("\nverdict: FLAT ({healthz_line})");
        Ok(())
    } else {
        println!("\nverdict: LEAK ({healthz_line})\n  {}", leaks.join("\n  "));
        std::process::exit(1);
    }
}

/// 128 random bits for the token, from the kernel.
fn random_u128() -> Result<u128> {
    use std::io::Read;
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(u128::from_le_bytes(bytes))
}
