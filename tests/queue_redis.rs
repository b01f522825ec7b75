//! Queue mode against a real `redis-server` (Debian's package, AOF on, one per test on its own
//! loopback port and data directory; TLS-only with a CA made at test time for the `rediss://`
//! tests) and the real engine: `stockade worker` processes run the jobs, `stockade serve
//! --queue` takes them over HTTP. Every assertion is on state (counts, results, stream
//! contents, container lists, error messages), never on timing; the waits are only bounds that
//! turn a hang into a failure.
#![allow(clippy::unwrap_used)]

mod serve_process;

use std::collections::HashSet;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use stockade_runner::queue::{ClientCertificate, JobQueue, JobSpec, QueueSettings, QueueTls};

const TOKEN: &str = "queue-test-token-0123456789abcdef0123";

/// The tests start several workers each; on two cores they take turns.
/// (An async lock: the guard is held across the tests' awaits; a failed test does not poison it.)
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `redis-server` of this test's own.
struct Redis {
    port: u16,
    dir: tempfile::TempDir,
    password: Option<String>,
    /// TLS only (no plain port), with these certificates.
    tls: Option<ServerTls>,
    child: Child,
}

/// A TLS-only server's certificate and key, the CA its clients' certificates must chain to
/// (and `redis-cli` trusts), and whether it asks clients for one.
#[derive(Clone)]
struct ServerTls {
    cert: PathBuf,
    key: PathBuf,
    ca: PathBuf,
    client_certs: bool,
    /// The certificate `redis-cli` presents when `client_certs` is on.
    cli_cert: PathBuf,
    cli_key: PathBuf,
}

impl Redis {
    fn start(password: Option<&str>) -> Redis {
        Redis::launch(password, None)
    }

    /// A server on a TLS port only, with a password.
    fn start_tls(password: &str, tls: ServerTls) -> Redis {
        Redis::launch(Some(password), Some(tls))
    }

    fn launch(password: Option<&str>, tls: Option<ServerTls>) -> Redis {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let child = Redis::spawn(port, dir.path(), password, tls.as_ref());
        let r = Redis {
            port,
            dir,
            password: password.map(String::from),
            tls,
            child,
        };
        r.wait_up();
        r
    }

    fn spawn(port: u16, dir: &Path, password: Option<&str>, tls: Option<&ServerTls>) -> Child {
        let mut cmd = Command::new("redis-server");
        cmd.args(["--bind", "127.0.0.1"]);
        match tls {
            None => cmd.args(["--port", &port.to_string()]),
            // `--port 0`: nothing listens in clear.
            Some(t) => cmd
                .args(["--port", "0", "--tls-port", &port.to_string()])
                .arg("--tls-cert-file")
                .arg(&t.cert)
                .arg("--tls-key-file")
                .arg(&t.key)
                .arg("--tls-ca-cert-file")
                .arg(&t.ca)
                .args([
                    "--tls-auth-clients",
                    if t.client_certs { "yes" } else { "no" },
                ]),
        };
        cmd.arg("--dir")
            .arg(dir)
            // Every write reaches the disk before Redis answers: a kill -9 loses nothing
            // acknowledged.
            .args([
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(p) = password {
            cmd.args(["--requirepass", p]);
        }
        cmd.spawn()
            .expect("redis-server (scripts/setup.sh installs it)")
    }

    /// `redis-cli` for this server: its port, password and certificates.
    fn cli_command(&self) -> Command {
        let mut cmd = Command::new("redis-cli");
        cmd.args(["-p", &self.port.to_string()]);
        if let Some(p) = &self.password {
            cmd.args(["--no-auth-warning", "-a", p]);
        }
        if let Some(t) = &self.tls {
            cmd.arg("--tls").arg("--cacert").arg(&t.ca);
            if t.client_certs {
                cmd.arg("--cert")
                    .arg(&t.cli_cert)
                    .arg("--key")
                    .arg(&t.cli_key);
            }
        }
        cmd
    }

    fn wait_up(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let out = self.cli_command().arg("PING").output().unwrap();
            if String::from_utf8_lossy(&out.stdout).contains("PONG") {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("redis-server on port {} did not start", self.port);
    }

    fn url(&self) -> String {
        let scheme = if self.tls.is_some() {
            "rediss"
        } else {
            "redis"
        };
        match &self.password {
            Some(p) => format!("{scheme}://:{p}@127.0.0.1:{}/0", self.port),
            None => format!("{scheme}://127.0.0.1:{}/0", self.port),
        }
    }

    /// `kill -9`, then a new server on the same port, data and settings.
    fn crash_and_restart(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        self.child = Redis::spawn(
            self.port,
            self.dir.path(),
            self.password.as_deref(),
            self.tls.as_ref(),
        );
        self.wait_up();
    }

    fn cli(&self, args: &[&str]) -> String {
        let out = self.cli_command().args(args).output().unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Queue settings of the tests: a short visibility timeout so a dead worker's job is
/// reclaimed quickly.
const VISIBILITY: &str = "3";

fn settings() -> QueueSettings {
    QueueSettings {
        visibility_timeout: Duration::from_secs(3),
        ..QueueSettings::default()
    }
}

/// A `stockade worker` process, killed when dropped.
struct Worker(Child);

impl Worker {
    fn spawn(url: &str, name: &str, extra: &[&str]) -> Worker {
        let child = Command::new(env!("CARGO_BIN_EXE_stockade"))
            .args(["worker", "--queue", url, "--name", name])
            .args(["--concurrency", "2", "--pool-size", "1"])
            .args(["--visibility-timeout", VISIBILITY, "--drain-grace", "5"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Worker(child)
    }

    fn pid(&self) -> u32 {
        self.0.id()
    }

    fn kill9(&mut self) {
        self.0.kill().unwrap();
        self.0.wait().unwrap();
    }

    /// SIGTERM, and the exit status.
    fn terminate(mut self) -> std::process::ExitStatus {
        Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status()
            .unwrap();
        self.0.wait().unwrap()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.terminate_in_place();
        }
    }
}

impl Worker {
    fn terminate_in_place(&mut self) -> std::io::Result<()> {
        Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status()?;
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if self.0.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        self.0.kill()
    }
}

/// `stockade serve --queue`, killed when dropped.
struct Serve {
    child: Child,
    addr: String,
}

impl Serve {
    fn spawn(url: &str, extra: &[&str]) -> Serve {
        let mut child = Command::new(env!("CARGO_BIN_EXE_stockade"))
            .args(["serve", "--listen", "127.0.0.1:0", "--metrics-port", "0"])
            .args(["--queue", url, "--visibility-timeout", VISIBILITY])
            .args(extra)
            .arg("--security-log")
            .arg(std::env::temp_dir().join(format!("stockade-queue-{}.log", std::process::id())))
            .env("STOCKADE_TOKEN", TOKEN)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let addr = serve_process::read_address(&mut child);
        assert!(!addr.is_empty(), "serve --queue did not start");
        Serve { child, addr }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `POST /v1/batches` of `jobs` as JSON; the 202 answer's body.
async fn submit_batch(serve: &Serve, jobs: &[serde_json::Value]) -> serde_json::Value {
    let resp = reqwest::Client::new()
        .post(serve.url("/v1/batches"))
        .bearer_auth(TOKEN)
        .json(&serde_json::json!({ "jobs": jobs }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
    resp.json().await.unwrap()
}

fn job(code: &str, id: Option<String>) -> JobSpec {
    let mut spec: JobSpec = serde_json::from_value(serde_json::json!({ "code": code })).unwrap();
    spec.job_id = id;
    spec
}

/// Polls the batch's counts until nothing is queued or running.
async fn wait_done(
    q: &JobQueue,
    batch: &str,
    within: Duration,
) -> stockade_runner::queue::BatchCounts {
    let deadline = Instant::now() + within;
    loop {
        if let Ok(Some(c)) = q.batch(batch).await {
            if c.done {
                return c;
            }
            assert!(Instant::now() < deadline, "batch not done: {c:?}");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Scrapes `url` until its exposition has every line of `want` (the figures settle once the
/// server's refresh has read the queue); the bound turns a missing series into a failure.
async fn scrape_until(url: &str, token: Option<&str>, want: &[&str]) -> String {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut req = client.get(url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let text = match req.send().await {
            Ok(r) if r.status() == 200 => r.text().await.unwrap_or_default(),
            _ => String::new(),
        };
        if want.iter().all(|w| text.lines().any(|l| l == *w)) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "{url} lacks some of {want:?}:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Containers made by runner process `pid` (any state).
fn containers_of(pid: u32) -> Vec<String> {
    let owner = format!("label=io.stockade.owner-pid={pid}");
    let out = Command::new("docker")
        .args(["ps", "-aq", "--filter", &owner])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(String::from)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_workers_run_a_300_job_batch_with_exactly_300_results() {
    let _serial = SERIAL.lock().await;
    let redis = Redis::start(None);
    let serve = Serve::spawn(&redis.url(), &[]);
    let workers: Vec<Worker> = (0..3)
        .map(|i| Worker::spawn(&redis.url(), &format!("w{i}"), &[]))
        .collect();
    let client = reqwest::Client::new();
    let jobs: Vec<serde_json::Value> = (0..300)
        .map(|i| serde_json::json!({"code": format!("signal = {i} * 2\n"), "job_id": format!("j{i}")}))
        .collect();
    let body = submit_batch(&serve, &jobs).await;
    let batch = body["batch_id"].as_str().unwrap().to_string();
    assert_eq!(body["job_ids"].as_array().unwrap().len(), 300);

    let q = JobQueue::connect(&redis.url(), settings()).await.unwrap();
    let counts = wait_done(&q, &batch, Duration::from_secs(900)).await;
    assert_eq!((counts.total, counts.succeeded), (300, 300), "{counts:?}");
    assert_eq!(counts.failed + counts.dead + counts.cancelled, 0);

    // The API's view, paged NDJSON: one line per job, each the job's own result.
    let mut seen = HashSet::new();
    let mut offset = 0;
    loop {
        let resp = client
            .get(serve.url(&format!(
                "/v1/batches/{batch}/results?offset={offset}&limit=128"
            )))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let next = resp
            .headers()
            .get("x-next-offset")
            .map(|v| v.to_str().unwrap().parse::<u64>().unwrap());
        for line in resp.text().await.unwrap().lines() {
            let r: serde_json::Value = serde_json::from_str(line).unwrap();
            let id = r["job_id"].as_str().unwrap().to_string();
            let i: i64 = id[1..].parse().unwrap();
            assert_eq!(r["success"], true, "{r}");
            assert_eq!(r["signal"], i * 2, "{r}");
            assert!(seen.insert(id), "a job listed twice");
        }
        match next {
            Some(n) => offset = n,
            None => break,
        }
    }
    assert_eq!(seen.len(), 300);
    // Exactly one stored result per job, and nothing left on the stream or pending.
    let stats = q.stats().await.unwrap();
    assert_eq!((stats.length, stats.pending), (0, 0), "{stats:?}");
    assert_eq!(
        redis.cli(&[
            "EVAL",
            "return #redis.call('KEYS', '{stockade}:result:*')",
            "0"
        ]),
        "300"
    );
    let status = client
        .get(serve.url(&format!("/v1/batches/{batch}")))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    let status: serde_json::Value = status.json().await.unwrap();
    assert_eq!(status["succeeded"], 300);

    // /v1/execute goes through the queue too.
    let r: serde_json::Value = client
        .post(serve.url("/v1/execute"))
        .bearer_auth(TOKEN)
        .json(&serde_json::json!({"code": "signal = 'via the queue'"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["signal"], "via the queue", "{r}");
    // Every worker stops cleanly on SIGTERM, leaving none of its containers.
    for w in workers {
        let pid = w.pid();
        assert!(w.terminate().success());
        assert!(containers_of(pid).is_empty());
    }
}

/// One server-sent event, parsed as the SSE spec (WHATWG HTML, "event stream interpretation")
/// reads it.
#[derive(Debug)]
struct SseEvent {
    /// The `event` field (`message` when there is none).
    event: String,
    /// The `data` lines, joined by newlines.
    data: String,
}

impl SseEvent {
    /// The data as the JSON object every event of ours carries.
    fn json(&self) -> serde_json::Value {
        let v: serde_json::Value = serde_json::from_str(&self.data)
            .unwrap_or_else(|e| panic!("{self:?}: data is not JSON: {e}"));
        assert!(v.is_object(), "{self:?}");
        v
    }
}

/// A `text/event-stream` body read event by event. A block with no data (a keep-alive
/// comment) is no event; a field other than the spec's four is a malformed stream.
struct EventStream {
    body: reqwest::Response,
    pending: Vec<u8>,
}

impl EventStream {
    fn new(body: reqwest::Response) -> EventStream {
        EventStream {
            body,
            pending: Vec::new(),
        }
    }

    /// The next event, or `None` once the server ended the stream (at an event boundary).
    async fn next(&mut self) -> Option<SseEvent> {
        loop {
            if let Some(end) = self.pending.windows(2).position(|w| w == b"\n\n") {
                let block: Vec<u8> = self.pending.drain(..end + 2).collect();
                match parse_sse_block(std::str::from_utf8(&block).unwrap()) {
                    Some(event) => return Some(event),
                    None => continue,
                }
            }
            match self.body.chunk().await.unwrap() {
                Some(chunk) => self.pending.extend_from_slice(&chunk),
                None => {
                    assert!(
                        self.pending.iter().all(u8::is_ascii_whitespace),
                        "the stream ended inside an event: {:?}",
                        String::from_utf8_lossy(&self.pending)
                    );
                    return None;
                }
            }
        }
    }
}

fn parse_sse_block(block: &str) -> Option<SseEvent> {
    let mut event = None;
    let mut data: Option<String> = None;
    for line in block
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with(':'))
    {
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => {
                assert!(event.is_none(), "two event fields in {block:?}");
                event = Some(value.to_string());
            }
            "data" => match &mut data {
                Some(d) => {
                    d.push('\n');
                    d.push_str(value);
                }
                None => data = Some(value.to_string()),
            },
            "id" | "retry" => {}
            other => panic!("unknown field {other:?} in {block:?}"),
        }
    }
    Some(SseEvent {
        event: event.unwrap_or_else(|| "message".into()),
        data: data?,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_events_report_monotone_counts_then_done_and_end() {
    let _serial = SERIAL.lock().await;
    let redis = Redis::start(None);
    let serve = Serve::spawn(&redis.url(), &[]);
    let client = reqwest::Client::new();
    let jobs: Vec<_> = (0..5)
        .map(|i| serde_json::json!({"code": format!("signal = {i}")}))
        .collect();
    let batch = submit_batch(&serve, &jobs).await["batch_id"]
        .as_str()
        .unwrap()
        .to_string();
    let events_url = serve.url(&format!("/v1/batches/{batch}/events"));

    // The stream needs the token, and an unknown batch has none.
    let anonymous = client.get(&events_url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let wrong = client
        .get(&events_url)
        .bearer_auth("wrong-token-0123456789abcdef0123456789")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let unknown = client
        .get(serve.url("/v1/batches/no-such-batch/events"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    assert_eq!(
        unknown.json::<serde_json::Value>().await.unwrap()["error"]["code"],
        "unknown_batch"
    );

    let resp = client
        .get(&events_url)
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let media = resp.headers()["content-type"].to_str().unwrap().to_string();
    assert!(media.starts_with("text/event-stream"), "{media}");
    let mut stream = EventStream::new(resp);
    // No worker yet, so the first event (sent at once) has the whole batch queued.
    let first = stream.next().await.expect("a first event");
    assert_eq!(first.event, "progress", "{first:?}");
    let c = first.json();
    assert_eq!(
        (c["total"].as_u64(), c["queued"].as_u64()),
        (Some(5), Some(5)),
        "{c}"
    );
    assert_eq!(c["done"], false, "{c}");

    let _worker = Worker::spawn(&redis.url(), "w", &[]);
    let mut events = vec![first];
    // A bound that turns a stream that never ends into a failure.
    let ended = tokio::time::timeout(Duration::from_secs(600), async {
        while let Some(e) = stream.next().await {
            events.push(e);
        }
    })
    .await;
    assert!(ended.is_ok(), "the stream did not end: {events:#?}");

    let (last, progress) = events.split_last().unwrap();
    assert_eq!(last.event, "done", "the stream ends with done: {events:#?}");
    for e in progress {
        assert_eq!(e.event, "progress", "{events:#?}");
    }
    let counts: Vec<serde_json::Value> = events.iter().map(SseEvent::json).collect();
    let n = |c: &serde_json::Value, k: &str| c[k].as_u64().unwrap_or_else(|| panic!("{k}: {c}"));
    for c in &counts {
        assert_eq!(c["batch_id"], batch.as_str(), "{c}");
        assert_eq!(n(c, "total"), 5, "{c}");
        let by_state: u64 = [
            "queued",
            "running",
            "succeeded",
            "failed",
            "dead",
            "cancelled",
            "expired",
        ]
        .into_iter()
        .map(|k| n(c, k))
        .sum();
        assert_eq!(by_state, 5, "every job in one state: {c}");
        let busy = n(c, "queued") + n(c, "running");
        assert_eq!(c["done"], busy == 0, "{c}");
    }
    // Jobs only move towards a final state: no final count and no progress ever goes back.
    for pair in counts.windows(2) {
        for k in ["succeeded", "failed", "dead", "cancelled"] {
            assert!(n(&pair[0], k) <= n(&pair[1], k), "{k} went back: {pair:?}");
        }
        let p = |c: &serde_json::Value| c["progress"].as_f64().unwrap();
        assert!(p(&pair[0]) <= p(&pair[1]), "progress went back: {pair:?}");
    }
    let done = counts.last().unwrap();
    assert_eq!(done["done"], true, "{done}");
    assert_eq!(n(done, "succeeded"), 5, "{done}");
    assert_eq!(done["progress"].as_f64(), Some(1.0), "{done}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_of_a_worker_killed_mid_run_completes_on_another_and_no_container_is_left() {
    let _serial = SERIAL.lock().await;
    let redis = Redis::start(None);
    let q = JobQueue::connect(&redis.url(), settings()).await.unwrap();
    let metrics_port = free_port().to_string();
    let mut first = Worker::spawn(
        &redis.url(),
        "first",
        &["--metrics-listen", &format!("127.0.0.1:{metrics_port}")],
    );
    let code = "import time\nprint('started', flush=True)\ntime.sleep(10)\nsignal = 'finished'\n";
    let submitted = q
        .submit(vec![job(code, Some("slow".into()))], true)
        .await
        .unwrap();
    let batch = submitted.batch_id.unwrap();
    // Until the first worker runs it, with its container up.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let s = q.job("slow").await.unwrap().unwrap();
        if s.state == "running" && !containers_of(first.pid()).is_empty() {
            assert_eq!(s.worker.as_deref(), Some("first"));
            break;
        }
        assert!(Instant::now() < deadline, "never started: {s:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Its one job holds one of its two slots (the job sleeps long enough for this scrape
    // and the kill to land while it runs).
    scrape_until(
        &format!("http://127.0.0.1:{metrics_port}/metrics"),
        None,
        &[
            "stockade_worker_busy_slots{worker=\"first\"} 1",
            "stockade_worker_slots{worker=\"first\"} 2",
        ],
    )
    .await;
    let dead_pid = first.pid();
    first.kill9();
    assert!(
        !containers_of(dead_pid).is_empty(),
        "the killed worker leaves its containers behind"
    );
    // The next worker on this host sweeps them and, once the visibility timeout has passed,
    // takes the job over.
    let _second = Worker::spawn(&redis.url(), "second", &[]);
    let counts = wait_done(&q, &batch, Duration::from_secs(300)).await;
    assert_eq!(counts.succeeded, 1, "{counts:?}");
    let s = q.job("slow").await.unwrap().unwrap();
    assert_eq!(s.worker.as_deref(), Some("second"));
    assert_eq!(s.attempts, 2);
    assert_eq!(s.result.unwrap()["signal"], "finished");
    assert!(q.stats().await.unwrap().reclaimed >= 1);
    assert!(
        containers_of(dead_pid).is_empty(),
        "the dead worker's containers are gone"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarting_redis_mid_batch_loses_nothing() {
    let _serial = SERIAL.lock().await;
    let mut redis = Redis::start(None);
    let serve = Serve::spawn(&redis.url(), &[]);
    let _workers: Vec<Worker> = (0..2)
        .map(|i| Worker::spawn(&redis.url(), &format!("w{i}"), &[]))
        .collect();
    let q = JobQueue::connect(&redis.url(), settings()).await.unwrap();
    let jobs = (0..40)
        .map(|i| job(&format!("signal = {i}\n"), Some(format!("r{i}"))))
        .collect();
    let batch = q.submit(jobs, true).await.unwrap().batch_id.unwrap();
    // Some done, not all.
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let c = q.batch(&batch).await.unwrap().unwrap();
        if c.succeeded >= 5 {
            assert!(!c.done, "the batch finished before the restart: {c:?}");
            break;
        }
        assert!(Instant::now() < deadline, "{c:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    redis.crash_and_restart();
    // The server reconnects: its API answers from the restarted Redis.
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(600);
    let counts = loop {
        let resp = client
            .get(serve.url(&format!("/v1/batches/{batch}")))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        if resp.status() == 200 {
            let c: serde_json::Value = resp.json().await.unwrap();
            if c["done"] == true {
                break c;
            }
        }
        assert!(
            Instant::now() < deadline,
            "batch never finished after the restart"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(counts["succeeded"], 40, "{counts}");
    let q = JobQueue::connect(&redis.url(), settings()).await.unwrap();
    let (lines, next) = q.batch_results(&batch, 0, 100).await.unwrap().unwrap();
    assert_eq!((lines.len(), next), (40, None));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_that_kills_its_harness_every_time_is_dead_lettered_after_its_attempts() {
    let _serial = SERIAL.lock().await;
    let redis = Redis::start(None);
    let q = JobQueue::connect(&redis.url(), settings()).await.unwrap();
    let serve = Serve::spawn(&redis.url(), &[]);
    let metrics_port = free_port().to_string();
    let worker_metrics = format!("http://127.0.0.1:{metrics_port}/metrics");
    let _worker = Worker::spawn(
        &redis.url(),
        "w",
        &[
            "--allow-unvalidated",
            "--max-attempts",
            "3",
            "--metrics-listen",
            &format!("127.0.0.1:{metrics_port}"),
        ],
    );
    let mut poison = job("import os\nos._exit(3)\n", Some("poison".into()));
    poison.validate = false;
    let fine = job("signal = 1\n", Some("fine".into()));
    let batch = q
        .submit(vec![poison, fine], true)
        .await
        .unwrap()
        .batch_id
        .unwrap();
    let counts = wait_done(&q, &batch, Duration::from_secs(300)).await;
    assert_eq!((counts.dead, counts.succeeded), (1, 1), "{counts:?}");
    let dead = q.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0].job_id, "poison");
    assert_eq!(dead[0].batch_id, batch);
    assert_eq!(dead[0].attempts, 3);
    assert!(
        dead[0].reason.contains("no result frame"),
        "{}",
        dead[0].reason
    );
    let s = q.job("poison").await.unwrap().unwrap();
    assert_eq!(s.state, "dead");
    assert_eq!(s.result.unwrap()["success"], false);

    // The worker's own series: each attempt by outcome, and no slot busy once idle.
    let worker = |outcome: &str, n: u64| {
        format!("stockade_worker_jobs_total{{outcome=\"{outcome}\",worker=\"w\"}} {n}")
    };
    scrape_until(
        &worker_metrics,
        None,
        &[
            &worker("succeeded", 1),
            &worker("failed", 0),
            &worker("retried", 2),
            &worker("dead_lettered", 1),
            &worker("returned", 0),
            "stockade_worker_busy_slots{worker=\"w\"} 0",
            "stockade_worker_slots{worker=\"w\"} 2",
        ],
    )
    .await;
    // The server's view of the whole queue, read from Redis.
    scrape_until(
        &serve.url("/metrics"),
        Some(TOKEN),
        &[
            "stockade_jobs_enqueued_total 2",
            "stockade_jobs_dead_lettered_total 1",
            "stockade_jobs_dead_letters 1",
            "stockade_jobs_reclaimed_total 0",
            "stockade_jobs_queue_length 0",
            "stockade_jobs_pending 0",
            "stockade_workers_live 1",
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_refuses_unvalidated_jobs_unless_allowed() {
    let _serial = SERIAL.lock().await;
    let redis = Redis::start(None);
    let q = JobQueue::connect(&redis.url(), settings()).await.unwrap();
    let _worker = Worker::spawn(&redis.url(), "strict", &[]);
    // Straight onto the queue, past any API: the worker still validates.
    let mut sneaky = job("import os\nsignal = os.getcwd()\n", Some("sneaky".into()));
    sneaky.validate = false;
    let escape = job("import subprocess\nsignal = 1\n", Some("escape".into()));
    let batch = q
        .submit(vec![sneaky, escape], true)
        .await
        .unwrap()
        .batch_id
        .unwrap();
    let counts = wait_done(&q, &batch, Duration::from_secs(300)).await;
    assert_eq!(counts.failed, 2, "{counts:?}");
    let r = q.job("sneaky").await.unwrap().unwrap().result.unwrap();
    assert!(r["error"].as_str().unwrap().contains("unvalidated"), "{r}");
    let r = q.job("escape").await.unwrap().unwrap().result.unwrap();
    assert!(
        r["error"]
            .as_str()
            .unwrap()
            .starts_with("Security validation failed"),
        "{r}"
    );
    assert!(r["container_id"].is_null(), "no container for refused code");
}

/// Workers run jobs under the runtime monitor, as the HTTP API runs requests: a busy loop
/// over the policy's CPU threshold is killed with the rule named, long before its timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_runs_jobs_under_the_runtime_monitor() {
    let _serial = SERIAL.lock().await;
    let redis = Redis::start(None);
    let dir = tempfile::tempdir().unwrap();
    // A tenth of a core: what even a heavily loaded 2-core machine still gives one runnable
    // thread, so the loop really holds its whole quota.
    let config = dir.path().join("monitor.yaml");
    std::fs::write(
        &config,
        "docker:\n  cpu_limit: 0.1\n  runtime_monitor_enabled: true\n  runtime_monitor_interval: 1\n\
         monitoring:\n  policy:\n    max_cpu_percent: 50\n    cpu_window_seconds: 3\n",
    )
    .unwrap();
    let q = JobQueue::connect(&redis.url(), settings()).await.unwrap();
    let _worker = Worker::spawn(
        &redis.url(),
        "monitored",
        &["--config", config.to_str().unwrap()],
    );
    let mut spin = job("while True:\n    pass\n", Some("spin".into()));
    spin.timeout_seconds = Some(120.0);
    let batch = q.submit(vec![spin], true).await.unwrap().batch_id.unwrap();
    let counts = wait_done(&q, &batch, Duration::from_secs(300)).await;
    assert_eq!(counts.failed, 1, "{counts:?}");
    let r = q.job("spin").await.unwrap().unwrap().result.unwrap();
    let reason = r["killed_reason"].as_str().unwrap_or_default();
    assert!(reason.starts_with("cpu_spike: "), "{r}");
    assert_eq!(r["timed_out"], false, "{r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_batch_keeps_its_queued_jobs_from_running() {
    let _serial = SERIAL.lock().await;
    let redis = Redis::start(None);
    let serve = Serve::spawn(&redis.url(), &[]);
    let client = reqwest::Client::new();
    let ndjson: String = (0..20)
        .map(|i| format!("{{\"code\": \"signal = {i}\", \"job_id\": \"c{i}\"}}\n"))
        .collect();
    let resp = client
        .post(serve.url("/v1/batches"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/x-ndjson")
        .body(ndjson)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
    let batch = resp.json::<serde_json::Value>().await.unwrap()["batch_id"]
        .as_str()
        .unwrap()
        .to_string();
    let resp = client
        .delete(serve.url(&format!("/v1/batches/{batch}")))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.json::<serde_json::Value>().await.unwrap()["cancelled"],
        20
    );
    assert_eq!(
        redis.cli(&["XLEN", "{stockade}:jobs"]),
        "0",
        "entries deleted"
    );
    // A worker that starts now runs the next batch and none of the cancelled jobs.
    let q = JobQueue::connect(&redis.url(), settings()).await.unwrap();
    let _worker = Worker::spawn(&redis.url(), "w", &[]);
    let after = q
        .submit(vec![job("signal = 'after'", None)], true)
        .await
        .unwrap();
    let c = wait_done(&q, &after.batch_id.unwrap(), Duration::from_secs(300)).await;
    assert_eq!(c.succeeded, 1);
    let c = q.batch(&batch).await.unwrap().unwrap();
    assert_eq!((c.cancelled, c.queued, c.succeeded), (20, 0, 0), "{c:?}");
    let (lines, _) = q.batch_results(&batch, 0, 100).await.unwrap().unwrap();
    assert!(lines.is_empty(), "cancelled jobs have no results");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_refuses_over_the_cap_and_over_the_ceilings_at_submit_time() {
    let _serial = SERIAL.lock().await;
    let redis = Redis::start(None);
    let serve = Serve::spawn(&redis.url(), &["--max-queue-length", "5"]);
    let client = reqwest::Client::new();
    let post = |body: serde_json::Value| {
        client
            .post(serve.url("/v1/batches"))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
    };
    let six: Vec<_> = (0..6)
        .map(|i| serde_json::json!({"code": format!("signal = {i}")}))
        .collect();
    let resp = post(serde_json::json!({ "jobs": six })).await.unwrap();
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().contains_key("retry-after"));
    assert_eq!(
        resp.json::<serde_json::Value>().await.unwrap()["error"]["code"],
        "queue_full"
    );
    let huge = serde_json::json!({"jobs": [{"code": "signal = 1", "memory_mb": 1_000_000}]});
    let resp = post(huge).await.unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(
        resp.json::<serde_json::Value>().await.unwrap()["error"]["code"],
        "invalid_limits"
    );
    // Refused submissions put nothing on the stream.
    assert_eq!(redis.cli(&["XLEN", "{stockade}:jobs"]), "0");
    let five: Vec<_> = (0..5)
        .map(|i| serde_json::json!({"code": format!("signal = {i}")}))
        .collect();
    assert_eq!(
        post(serde_json::json!({ "jobs": five }))
            .await
            .unwrap()
            .status(),
        202
    );
    let unauth = client
        .post(serve.url("/v1/jobs"))
        .json(&serde_json::json!({"code": "signal = 1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(unauth.status(), 401);
}

#[test]
fn a_wrong_redis_password_is_a_clear_error() {
    let _serial = SERIAL.blocking_lock();
    let redis = Redis::start(Some("right-password-0123"));
    let url = format!("redis://:wrong-password-4567@127.0.0.1:{}/0", redis.port);
    for args in [
        vec!["worker", "--queue", &url],
        vec![
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--metrics-port",
            "0",
            "--queue",
            &url,
        ],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_stockade"))
            .args(&args)
            .env("STOCKADE_TOKEN", TOKEN)
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("refused the credentials"), "{err}");
        assert!(
            !err.contains("wrong-password-4567"),
            "the password is not printed: {err}"
        );
    }
}

/// The password of the TLS servers.
const TLS_PASSWORD: &str = "tls-password-0123";

/// A CA of the test's own and what it signed, as PEM files: `ca.pem`, `server.pem` and
/// `server.key` (for 127.0.0.1), `client.pem` and `client.key`.
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new(name: &str) -> Pki {
        use rcgen::{
            BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
            KeyPair, KeyUsagePurpose,
        };
        let dir = tempfile::tempdir().unwrap();
        let write = |file: &str, pem: String| std::fs::write(dir.path().join(file), pem).unwrap();
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.distinguished_name.push(DnType::CommonName, name);
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        write("ca.pem", ca.self_signed(&ca_key).unwrap().pem());
        let issuer = Issuer::new(ca, ca_key);
        for (leaf, san, usage) in [
            ("server", "127.0.0.1", ExtendedKeyUsagePurpose::ServerAuth),
            (
                "client",
                "queue-worker",
                ExtendedKeyUsagePurpose::ClientAuth,
            ),
        ] {
            let key = KeyPair::generate().unwrap();
            let mut params = CertificateParams::new(vec![san.to_string()]).unwrap();
            params
                .distinguished_name
                .push(DnType::CommonName, format!("{name} {leaf}"));
            params.extended_key_usages = vec![usage];
            write(
                &format!("{leaf}.pem"),
                params.signed_by(&key, &issuer).unwrap().pem(),
            );
            write(&format!("{leaf}.key"), key.serialize_pem());
        }
        Pki { dir }
    }

    fn path(&self, file: &str) -> String {
        self.dir.path().join(file).to_str().unwrap().to_string()
    }

    /// A TLS-only server with this CA's server certificate, trusting this CA for clients.
    fn server(&self, client_certs: bool) -> ServerTls {
        ServerTls {
            cert: self.path("server.pem").into(),
            key: self.path("server.key").into(),
            ca: self.path("ca.pem").into(),
            client_certs,
            cli_cert: self.path("client.pem").into(),
            cli_key: self.path("client.key").into(),
        }
    }

    /// The options of `serve` and `worker` that trust this CA and present its client
    /// certificate.
    fn client_args(&self) -> Vec<String> {
        vec![
            "--queue-ca-file".into(),
            self.path("ca.pem"),
            "--queue-client-cert".into(),
            self.path("client.pem"),
            "--queue-client-key".into(),
            self.path("client.key"),
        ]
    }

    /// The same for the library.
    fn queue_tls(&self) -> QueueTls {
        QueueTls {
            ca_file: Some(self.path("ca.pem").into()),
            client: Some(ClientCertificate {
                cert_file: self.path("client.pem").into(),
                key_file: self.path("client.key").into(),
            }),
        }
    }
}

/// Runs `stockade` with `args` until it exits (one still running after a minute fails the
/// test: a start-up that hangs instead of failing); its status and standard error.
fn start_up(args: &[&str]) -> (std::process::ExitStatus, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stockade"))
        .args(args)
        .env("STOCKADE_TOKEN", TOKEN)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("stockade {args:?} neither started nor failed");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    (status, err)
}

/// `worker` and `serve` with the queue at `url` and `extra` options, as they start.
fn both_commands<'a>(url: &'a str, extra: &[&'a str]) -> [Vec<&'a str>; 2] {
    let mut worker = vec!["worker", "--queue", url];
    worker.extend_from_slice(extra);
    let mut serve = vec![
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--metrics-port",
        "0",
        "--queue",
        url,
    ];
    serve.extend_from_slice(extra);
    [worker, serve]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_runs_over_tls_with_a_private_ca_a_client_certificate_and_a_password() {
    let _serial = SERIAL.lock().await;
    let pki = Pki::new("Stockade test CA");
    let redis = Redis::start_tls(TLS_PASSWORD, pki.server(true));
    let url = redis.url();
    assert!(url.starts_with("rediss://:"), "{url}");
    let tls = pki.client_args();
    let tls: Vec<&str> = tls.iter().map(String::as_str).collect();
    let serve = Serve::spawn(&url, &tls);
    let _worker = Worker::spawn(&url, "tls", &tls);
    let jobs: Vec<serde_json::Value> = (0..3)
        .map(|i| serde_json::json!({"code": format!("signal = {i} + 40\n"), "job_id": format!("t{i}")}))
        .collect();
    let batch = submit_batch(&serve, &jobs).await["batch_id"]
        .as_str()
        .unwrap()
        .to_string();
    // The library over the same TLS: the worker stored every result.
    let tls_settings = QueueSettings {
        tls: pki.queue_tls(),
        ..settings()
    };
    let q = JobQueue::connect(&url, tls_settings).await.unwrap();
    let counts = wait_done(&q, &batch, Duration::from_secs(300)).await;
    assert_eq!((counts.total, counts.succeeded), (3, 3), "{counts:?}");
    for i in 0..3 {
        let s = q.job(&format!("t{i}")).await.unwrap().unwrap();
        assert_eq!(s.worker.as_deref(), Some("tls"));
        assert_eq!(s.result.unwrap()["signal"], 40 + i);
    }
    // And Redis has them, read by redis-cli over its own TLS connection.
    assert_eq!(
        redis.cli(&[
            "EVAL",
            "return #redis.call('KEYS', '{stockade}:result:*')",
            "0"
        ]),
        "3"
    );
}

#[test]
fn an_untrusted_server_or_a_refused_client_certificate_is_a_clear_error_at_start_up() {
    let _serial = SERIAL.blocking_lock();
    let pki = Pki::new("Stockade test CA");
    let other = Pki::new("Another CA");
    let redis = Redis::start_tls(TLS_PASSWORD, pki.server(true));
    let url = redis.url();
    let (ca, other_ca) = (pki.path("ca.pem"), other.path("ca.pem"));
    let (other_cert, other_key) = (other.path("client.pem"), other.path("client.key"));
    let cases: [(&str, Vec<&str>, &str); 4] = [
        // The public roots do not know the test CA.
        (
            "no CA file",
            vec![],
            "invalid peer certificate: UnknownIssuer",
        ),
        (
            "another CA",
            vec!["--queue-ca-file", &other_ca],
            "invalid peer certificate: UnknownIssuer",
        ),
        (
            "no client certificate",
            vec!["--queue-ca-file", &ca],
            "received fatal alert: CertificateRequired",
        ),
        (
            "a client certificate of another CA",
            vec![
                "--queue-ca-file",
                &ca,
                "--queue-client-cert",
                &other_cert,
                "--queue-client-key",
                &other_key,
            ],
            "received fatal alert: UnknownCA",
        ),
    ];
    for (case, extra, reason) in cases {
        for args in both_commands(&url, &extra) {
            let (status, err) = start_up(&args);
            assert!(!status.success(), "{case}: {args:?} started");
            assert!(
                err.contains("TLS with Redis at rediss://:***@127.0.0.1"),
                "{case}: {err}"
            );
            assert!(err.contains(reason), "{case}: {err}");
            assert!(!err.contains(TLS_PASSWORD), "{case}: {err}");
        }
    }
}

#[test]
fn tls_files_are_checked_before_connecting_and_refused_with_a_plain_address() {
    let pki = Pki::new("Stockade test CA");
    let other = Pki::new("Another CA");
    // Nothing listens on port 1: each error comes before any connection.
    let tls_url = "rediss://127.0.0.1:1/0";
    let missing = pki.path("missing.pem");
    let (ca, cert, key) = (
        pki.path("ca.pem"),
        pki.path("client.pem"),
        pki.path("client.key"),
    );
    let other_key = other.path("client.key");
    let mismatched = format!("TLS file {other_key}: not the key of {cert}");
    let cases: [(&str, Vec<&str>, String); 4] = [
        (
            tls_url,
            vec!["--queue-ca-file", &missing],
            format!("TLS file {missing}: No such file"),
        ),
        (
            tls_url,
            vec!["--queue-ca-file", &key],
            format!("TLS file {key}: no PEM certificate"),
        ),
        (
            tls_url,
            vec![
                "--queue-ca-file",
                &ca,
                "--queue-client-cert",
                &cert,
                "--queue-client-key",
                &other_key,
            ],
            mismatched,
        ),
        (
            "redis://127.0.0.1:1/0",
            vec!["--queue-ca-file", &ca],
            "the address is redis:// (plain); use rediss:// for TLS".into(),
        ),
    ];
    for (url, extra, message) in &cases {
        for args in both_commands(url, extra) {
            let (status, err) = start_up(&args);
            assert!(!status.success(), "{args:?} started");
            assert!(err.contains(message.as_str()), "{args:?}: {err}");
        }
    }
    // A certificate without its key is a usage error.
    let (status, err) = start_up(&["worker", "--queue", tls_url, "--queue-client-cert", &cert]);
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(err.contains("--queue-client-key"), "{err}");
}
