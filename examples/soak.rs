//! Soak test: a real `stockade serve` under several clients for N minutes of mixed honest and
//! abusive executions, while the runner's resident memory, its open file descriptors and the
//! engine's container count are sampled. Prints a table and a verdict, and exits 1 on a leak:
//! a metric whose median over the last third of the run is above its median over the first
//! third by more than noise (both thirds of the time after a warm-up, in which the allocator
//! reaches the high-water mark of the largest requests), containers left beyond the warm pool
//! once the clients stop, any container left after the runner exits, or any 5xx answer.
//!
//! Needs the Docker engine and the sandbox image (as the tests do). Not part of CI.
//!
//! ```text
//! scripts/soak.sh [--minutes 30] [--clients 6]
//! ```
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Parser;
use futures_util::StreamExt;
use serde_json::{json, Value};

#[derive(Parser)]
#[command(about = "Soak-test a real `stockade serve` with honest and abusive clients")]
struct Args {
    /// How long the clients run.
    #[arg(long, default_value_t = 30.0)]
    minutes: f64,
    /// Concurrent clients.
    #[arg(long, default_value_t = 6)]
    clients: usize,
    /// Seconds between samples.
    #[arg(long, default_value_t = 5)]
    sample_seconds: u64,
    /// The `stockade` binary to serve with.
    #[arg(long, default_value = "target/release/stockade")]
    stockade: PathBuf,
    /// Seconds at the start whose samples are printed but left out of the verdict.
    #[arg(long, default_value_t = 120)]
    warmup_seconds: u64,
    /// Warm pool size of the served runner.
    #[arg(long, default_value_t = 2)]
    pool_size: usize,
}

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
    body: Value,
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
    for (name, code) in python("examples/strategies")? {
        out.push(Workload {
            name: format!("strategy:{name}"),
            kind: Kind::Honest,
            call: Call::Execute,
            body: json!({"code": code, "mode": "strategy", "dataset": "sample", "timeout_seconds": 60}),
        });
    }
    for (name, code) in python("crates/validator/tests/corpus/benign")? {
        // Corpus programs that define `strategy(data)` run in strategy mode, the rest as scripts.
        let body = if code.contains("def strategy(data") {
            json!({"code": code, "mode": "strategy", "dataset": "sample", "timeout_seconds": 60})
        } else {
            json!({"code": code, "timeout_seconds": 60})
        };
        out.push(Workload {
            name: format!("corpus:{name}"),
            kind: Kind::Honest,
            call: Call::Execute,
            body,
        });
    }
    let abusive = |name: &str, call: Call, body: Value| Workload {
        name: name.into(),
        kind: Kind::Abusive,
        call,
        body,
    };
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
        abusive(
            "validate flood",
            Call::Validate,
            json!({"code": "exec(1)\n".repeat(20_000)}),
        ),
        abusive(
            "no token",
            Call::NoToken,
            json!({"code": "print(1)\n"}),
        ),
    ]);
    Ok(out)
}

/// Counts of answers per workload and status.
#[derive(Default)]
struct Tally {
    /// (workload, outcome) -> count.
    outcomes: BTreeMap<(Kind, String, String), u64>,
    server_errors: u64,
    transport_errors: u64,
}

impl Tally {
    fn add(&mut self, w: &Workload, outcome: String) {
        *self
            .outcomes
            .entry((w.kind, w.name.clone(), outcome))
            .or_default() += 1;
    }
}

/// Sums a result's outcome into a short word: ok, killed(reason), timeout, oom, rejected, ...
fn outcome_of(status: reqwest::StatusCode, body: &Value) -> String {
    if !status.is_success() {
        let code = body["error"]["code"].as_str().unwrap_or("");
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
    async fn run(&self, w: &Workload, tally: &Mutex<Tally>) {
        let url = match w.call {
            Call::Validate => format!("{}/v1/validate", self.base),
            Call::StreamHangUp => format!("{}/v1/execute/stream", self.base),
            _ => format!("{}/v1/execute", self.base),
        };
        let mut request = self.http.post(url).json(&w.body);
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
                        let n = body["findings"].as_array().map_or(0, Vec::len);
                        if n > 0 {
                            "findings".into()
                        } else {
                            "no findings".into()
                        }
                    }
                    _ => {
                        let body: Value = response.json().await.unwrap_or(Value::Null);
                        outcome_of(status, &body)
                    }
                }
            }
        };
        tally.lock().unwrap().add(w, outcome);
    }
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
    let docker = bollard::Docker::connect_with_local_defaults()?;
    let before = containers(&docker).await?;
    if before != 0 {
        bail!("the engine already has {before} containers; soak on an engine of its own");
    }
    let workloads = Arc::new(workloads(&root)?);
    let logs = tempfile::tempdir()?;
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
            "--allow-unvalidated",
        ])
        .arg("--security-log")
        .arg(logs.path().join("security.log"))
        .env("STOCKADE_TOKEN", &token)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(logs.path().join("serve.stderr"))?)
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {}", args.stockade.display()))?;
    let pid = serve.id().context("serve has no pid")?;
    let base = format!("http://127.0.0.1:{port}");
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
    println!(
        "soak: {} clients for {} min against {base} (pid {pid}), {} workloads, sample every {} s",
        args.clients,
        args.minutes,
        workloads.len(),
        args.sample_seconds
    );

    let tally = Arc::new(Mutex::new(Tally::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(args.minutes * 60.0);
    let mut clients = Vec::new();
    for i in 0..args.clients {
        let client = Client {
            http: http.clone(),
            base: base.clone(),
            token: token.clone(),
        };
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

    println!(
        "{:>7}  {:>9}  {:>5}  {:>10}  {:>8}",
        "time", "rss MiB", "fds", "containers", "answers"
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
        println!(
            "{:>6.0}s  {:>9.1}  {:>5}  {:>10}  {:>8}",
            sample.at.as_secs_f64(),
            sample.rss_kib as f64 / 1024.0,
            sample.fds,
            sample.containers,
            answers
        );
        samples.push(sample);
    }
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.await?;
    }

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
            "  {:<8} {:<40} {:<24} {n:>6}",
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

    let warm: Vec<Sample> = samples
        .iter()
        .filter(|s| s.at >= Duration::from_secs(args.warmup_seconds))
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
        "\nafter {} s of warm-up, {} samples:\n{:<12} {:>12} {:>12}  verdict",
        args.warmup_seconds,
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
        println!("\nverdict: FLAT");
        Ok(())
    } else {
        println!("\nverdict: LEAK\n  {}", leaks.join("\n  "));
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
