//! A real `stockade serve` under the abusive loads of the security audit: floods of large
//! validations (to `/v1/validate` and to `/v1/execute`'s pre-flight check), clients that
//! never read their answers, half-sent requests, more connections than the cap, and
//! configurations that would expose it. The service must keep answering
//! `/healthz`, keep its memory bounded (the kernel's VmRSS), and drop what it cannot serve.
//! `/healthz` latency under the flood is printed (p50/p99), not asserted.
#![allow(clippy::unwrap_used)]

mod serve_process;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const TOKEN: &str = "abuse-token-0123456789abcdef0123456789";

/// A `stockade serve` child process, killed on drop.
struct Serve {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Serve {
    fn start(extra: &[&str]) -> Serve {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_stockade"))
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--pool-size",
                "0",
                "--metrics-port",
                "0",
            ])
            .args(extra)
            .arg("--security-log")
            .arg(dir.path().join("security.log"))
            .arg("--web-dir")
            .arg(dir.path().join("no-editor"))
            .env("STOCKADE_TOKEN", TOKEN)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let addr = serve_process::read_address(&mut child);
        assert!(addr.starts_with("127.0.0.1:"), "no address in {addr:?}");
        Serve {
            child,
            addr,
            _dir: dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The runner's resident memory, MiB, as the kernel counts it.
    fn rss_mib(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap()
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
            .unwrap()
            / 1024
    }

    fn security_log(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("security.log")).unwrap_or_default()
    }

    async fn metrics(&self) -> String {
        client()
            .get(self.url("/metrics"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap()
}

fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("{name} not in the scrape"))
}

/// A JSON body of almost 1 MiB of `exec(1)` lines: one finding per line.
fn exec_flood() -> String {
    serde_json::json!({"code": "exec(1)\n".repeat(110_000)}).to_string()
}

/// A raw HTTP/1.1 request for `/v1/validate` with the token.
fn raw_validate(addr: &str, body: &str) -> Vec<u8> {
    format!(
        "POST /v1/validate HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {TOKEN}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Reads until the server closes the connection (or resets it); false if it is still open
/// after `within`.
async fn closed_by_server(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn validation_floods_leave_healthz_answering_and_memory_bounded() {
    let s = Serve::start(&["--max-connections", "512"]);
    let body = exec_flood();
    let started_mib = s.rss_mib();
    // 24 clients send a flood each and never read the answer.
    let mut silent = Vec::new();
    for _ in 0..24 {
        let mut c = TcpStream::connect(&s.addr).await.unwrap();
        c.write_all(&raw_validate(&s.addr, &body)).await.unwrap();
        silent.push(c);
    }
    // 8 clients send floods and read the answers, retrying as told while every worker is busy,
    // until each has one answer.
    let mut floods = Vec::new();
    for _ in 0..8 {
        let (url, body) = (s.url("/v1/validate"), body.clone());
        floods.push(tokio::spawn(async move {
            // A debug build on a busy machine validates a megabyte slowly: be patient.
            let c = reqwest::Client::builder()
                .no_proxy()
                .timeout(Duration::from_secs(900))
                .build()
                .unwrap();
            let mut answers = Vec::new();
            let deadline = Instant::now() + Duration::from_secs(1800);
            while Instant::now() < deadline {
                let r = c
                    .post(&url)
                    .bearer_auth(TOKEN)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap();
                let status = r.status().as_u16();
                let retry = r
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
                let bytes = r.bytes().await.unwrap();
                answers.push((status, bytes));
                if status != 429 {
                    break;
                }
                tokio::time::sleep(Duration::from_secs(retry.unwrap_or(1))).await;
            }
            answers
        }));
    }
    // Meanwhile /healthz answers, every time.
    let c = client();
    let mut latencies = Vec::new();
    let mut peak_mib = 0;
    while latencies.len() < 200 || floods.iter().any(|f| !f.is_finished()) {
        let t = Instant::now();
        let r = c.get(s.url("/healthz")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        latencies.push(t.elapsed());
        peak_mib = peak_mib.max(s.rss_mib());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (mut served, mut busy) = (0, 0);
    for f in floods {
        for (status, bytes) in f.await.unwrap() {
            peak_mib = peak_mib.max(s.rss_mib());
            let v: Value = serde_json::from_slice(&bytes).unwrap();
            match status {
                200 => {
                    served += 1;
                    // The first findings and a count of all, not 37 MB of them.
                    assert_eq!(v["findings"].as_array().unwrap().len(), 100);
                    assert_eq!(v["total_findings"], 110_000);
                    assert_eq!(v["accepted"], false);
                    assert!(bytes.len() < 100_000, "{} bytes", bytes.len());
                }
                429 => {
                    busy += 1;
                    assert_eq!(v["error"]["code"], "validation_busy");
                }
                other => panic!("{other}: {v}"),
            }
        }
    }
    assert_eq!(served, 8, "every flood client is served in the end");
    // Every validation has finished (the silent clients' too) once the pool is idle again.
    let deadline = Instant::now() + Duration::from_secs(1800);
    while c
        .post(s.url("/v1/validate"))
        .bearer_auth(TOKEN)
        .json(&serde_json::json!({"code": "x = 1"}))
        .send()
        .await
        .unwrap()
        .status()
        == 429
    {
        assert!(
            Instant::now() < deadline,
            "the validation pool never drained"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    peak_mib = peak_mib.max(s.rss_mib());
    drop(silent);
    latencies.sort();
    println!(
        "flood: {served} validations served, {busy} refused busy; /healthz p50 {:?}, p99 {:?}, \
         max {:?}; runner RSS {started_mib} MiB at start, peak {peak_mib} MiB",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies[latencies.len() - 1],
    );
    // Uncapped, the 24 unread answers alone held about a gigabyte.
    assert!(peak_mib < 400, "runner RSS reached {peak_mib} MiB");
}

/// The same megabyte sent to run: the pre-flight check refuses it with the first findings, as
/// `/v1/validate` answers, not a 422 of tens of megabytes held until the client reads it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_execution_lists_its_first_findings_only() {
    let s = Serve::start(&[]);
    // A debug build on a busy machine validates a megabyte slowly: be patient.
    let patient = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(900))
        .build()
        .unwrap();
    let r = patient
        .post(s.url("/v1/execute"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body(exec_flood())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.len() < 100_000, "{} bytes", bytes.len());
    let v: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 100);
    // The error names the first finding, listed or not.
    let first = v["findings"][0]["code"].as_str().unwrap();
    assert!(v["error"].as_str().unwrap().contains(first), "{v}");
}

/// The pre-flight check of an execution is validation work like `/v1/validate`: it waits for
/// one of the same workers, never running on the threads that answer everything else (a
/// megabyte of code to `/v1/execute` held them up, `/healthz` included). With the only worker
/// held by a validation whose body never comes, a refused execution is answered only once
/// that worker is free.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_check_before_an_execution_waits_for_a_validation_worker() {
    let s = Serve::start(&["--validation-workers", "1"]);
    let c = client();
    // A validation takes its worker before reading the body: a holder whose body never comes
    // keeps it. The holder may lose the worker to the check of the one before (then it is
    // refused and idle): a new one until a validation finds the worker taken.
    let deadline = Instant::now() + Duration::from_secs(60);
    let holder = loop {
        let holder = validation_without_its_body(&s.addr).await;
        let r = c
            .post(s.url("/v1/validate"))
            .bearer_auth(TOKEN)
            .json(&serde_json::json!({"code": "x = 1"}))
            .send()
            .await
            .unwrap();
        if r.status() == 429 {
            break holder;
        }
        assert!(Instant::now() < deadline, "the worker was never taken");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let released = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let execution = {
        let (url, released) = (s.url("/v1/execute"), released.clone());
        tokio::spawn(async move {
            let r = client()
                .post(url)
                .bearer_auth(TOKEN)
                .json(&serde_json::json!({"code": "import os\nos.system('id')\n"}))
                .send()
                .await
                .unwrap();
            let freed_first = released.load(std::sync::atomic::Ordering::SeqCst);
            (r.status().as_u16(), freed_first)
        })
    };
    // Time for an execution that does not wait to be answered; the verdict does not depend
    // on it.
    tokio::time::sleep(Duration::from_secs(2)).await;
    released.store(true, std::sync::atomic::Ordering::SeqCst);
    drop(holder);
    let (status, freed_first) = execution.await.unwrap();
    assert_eq!(status, 422);
    assert!(
        freed_first,
        "the execution was checked while the only validation worker was busy"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_requests_and_idle_connections_are_dropped() {
    let s = Serve::start(&[
        "--header-timeout",
        "2",
        "--idle-timeout",
        "3",
        "--max-connections",
        "1000",
    ]);
    let mut half = Vec::new();
    for i in 0..300 {
        let mut c = TcpStream::connect(&s.addr).await.unwrap();
        let partial = if i % 2 == 0 {
            // Headers that never end.
            format!("POST /v1/validate HTTP/1.1\r\nhost: {}\r\nx-slow: ", s.addr)
        } else {
            // Nothing after the request line.
            "GET /healthz HTTP/1.1\r\n".to_string()
        };
        c.write_all(partial.as_bytes()).await.unwrap();
        half.push(c);
    }
    // A kept-alive connection that goes quiet after one request.
    let mut idle = TcpStream::connect(&s.addr).await.unwrap();
    idle.write_all(format!("GET /healthz HTTP/1.1\r\nhost: {}\r\n\r\n", s.addr).as_bytes())
        .await
        .unwrap();
    // A body announced and never sent.
    let mut no_body = validation_without_its_body(&s.addr).await;
    // Generous bounds: this asserts that the server closes them, not how fast.
    for (i, c) in half.iter_mut().enumerate() {
        assert!(
            closed_by_server(c, Duration::from_secs(60)).await,
            "half-sent request {i} still open"
        );
    }
    assert!(
        closed_by_server(&mut idle, Duration::from_secs(60)).await,
        "idle connection still open"
    );
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(120), no_body.read_to_end(&mut answer))
        .await
        .expect("the connection without its body is closed");
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 408") && answer.contains("request_timeout"),
        "{answer}"
    );
    let text = s.metrics().await;
    // Only the scrape's own connection is left.
    assert_eq!(metric(&text, "stockade_http_connections_open"), 1.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_are_refused() {
    let s = Serve::start(&["--max-connections", "20", "--header-timeout", "60"]);
    let mut held = Vec::new();
    for _ in 0..20 {
        held.push(TcpStream::connect(&s.addr).await.unwrap());
    }
    // Accepting is asynchronous: wait until the 21st is refused.
    let deadline = Instant::now() + Duration::from_secs(60);
    let refused = loop {
        let mut extra = TcpStream::connect(&s.addr).await.unwrap();
        let _ = extra
            .write_all(format!("GET /healthz HTTP/1.1\r\nhost: {}\r\n\r\n", s.addr).as_bytes())
            .await;
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(10), extra.read_to_end(&mut answer)).await;
        let answer = String::from_utf8_lossy(&answer).to_string();
        if answer.starts_with("HTTP/1.1 503") {
            break answer;
        }
        assert!(Instant::now() < deadline, "never refused: {answer}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(refused.contains("too_many_connections"), "{refused}");
    // Closing the held connections frees their places.
    drop(held);
    let c = client();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = c.get(s.url("/healthz")).send().await {
            if r.status() == 200 {
                break;
            }
        }
        assert!(Instant::now() < deadline, "places never freed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let text = s.metrics().await;
    assert!(metric(&text, "stockade_http_connections_refused_total") >= 1.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_a_client_does_not_read_do_not_pin_the_connection() {
    let s = Serve::start(&["--write-timeout", "2"]);
    // Pipelined requests whose answers are never read: the server's writes stall once the
    // socket buffers are full, and the write timeout drops the connection.
    let mut c = TcpStream::connect(&s.addr).await.unwrap();
    let request = format!("GET /openapi.json HTTP/1.1\r\nhost: {}\r\n\r\n", s.addr);
    let writer = tokio::spawn(async move {
        let many = request.repeat(200);
        for _ in 0..500 {
            if c.write_all(many.as_bytes()).await.is_err() {
                break;
            }
        }
        c
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let text = s.metrics().await;
        if metric(&text, "stockade_http_connections_open") == 1.0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the stalled connection is still open"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    writer.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validation_needs_the_token_unless_public_and_then_is_rate_limited() {
    let s = Serve::start(&[]);
    let c = client();
    let body = serde_json::json!({"code": "x = 1"});
    let r = c
        .post(s.url("/v1/validate"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    drop(s);

    let s = Serve::start(&["--public-validate", "--public-validate-per-minute", "5"]);
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let r = c
            .post(s.url("/v1/validate"))
            .json(&body)
            .send()
            .await
            .unwrap();
        statuses.push((
            r.status().as_u16(),
            r.headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_string()),
            r.json::<Value>().await.unwrap(),
        ));
    }
    assert!(
        statuses[..5].iter().all(|(s, _, _)| *s == 200),
        "{statuses:?}"
    );
    for (status, retry, v) in &statuses[5..] {
        assert_eq!(*status, 429);
        assert_eq!(v["error"]["code"], "rate_limited");
        assert!(retry.as_deref().unwrap().parse::<u64>().unwrap() >= 1);
    }
    // The token is not rate limited.
    let r = c
        .post(s.url("/v1/validate"))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_refused_requests_is_cut_in_the_security_log_and_counted() {
    let s = Serve::start(&[]);
    let c = client();
    for _ in 0..1000 {
        let r = c.get(s.url("/v1/containers")).send().await.unwrap();
        assert_eq!(r.status(), 401);
    }
    let log = s.security_log();
    let written = log.lines().count();
    // The burst (100) plus ten a second while the flood ran.
    assert!(
        (100..1000).contains(&written),
        "{written} refusals in the security log"
    );
    let text = s.metrics().await;
    let dropped = metric(&text, "docker_security_events_dropped_total");
    assert_eq!(dropped as usize + written, 1000, "{text}");
}

/// Exits with a clear error, before touching the engine.
fn refuses(args: &[&str], token: &str, wanted: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_stockade"))
        .arg("serve")
        .args(args)
        .env("STOCKADE_TOKEN", token)
        // An engine that does not exist: the refusal must come first.
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{args:?} started");
    assert!(stderr.contains(wanted), "{args:?}: {stderr}");
}

#[test]
fn exposed_or_weakly_guarded_configurations_do_not_start() {
    let no_metrics = ["--metrics-port", "0"];
    refuses(
        &["--listen", "0.0.0.0:0", no_metrics[0], no_metrics[1]],
        TOKEN,
        "not loopback",
    );
    refuses(
        &["--listen", "[::]:0", no_metrics[0], no_metrics[1]],
        TOKEN,
        "not loopback",
    );
    refuses(
        &["--listen", "127.0.0.1:0", no_metrics[0], no_metrics[1]],
        "short-token",
        "at least 32 are required",
    );
    refuses(
        &[
            "--listen",
            "127.0.0.1:0",
            "--metrics-port",
            "9",
            "--metrics-address",
            "0.0.0.0",
        ],
        TOKEN,
        "not loopback",
    );
}

/// A `POST /v1/validate` whose headers announce 1,000 bytes of body and whose body stops
/// after a few: the connection stays open, waiting for the rest.
async fn validation_without_its_body(addr: &str) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(
            format!(
                "POST /v1/validate HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {TOKEN}\r\n\
                 content-type: application/json\r\ncontent-length: 1000\r\n\r\n{{\"code\":"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    stream
}
