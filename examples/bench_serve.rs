//! Benchmarks `stockade serve` end to end (HTTP -> warm pool -> container -> result) against
//! bare host Python, plus throughput and the runtime monitor's overhead. Prints a table.
//!
//! Needs the Docker engine and the sandbox image (as the tests do); host Python with pandas
//! for the pandas row (`apt-get install python3-pandas`).
//!
//! ```text
//! cargo run --release --example bench_serve [-- --runs 20]
//! ```
#![allow(clippy::unwrap_used)]

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use stockade_runner::config::SandboxConfig;
use stockade_runner::executor::Executor;
use stockade_runner::seclog::SecurityLog;
use stockade_runner::server::{self, AppState, ServerConfig};

const TOKEN: &str = "bench-token-0123456789abcdef0123456789";
const PANDAS: &str = "import numpy as np\nimport pandas as pd\nclose = pd.DataFrame(np.random.default_rng(1).random((500, 50)))\nsignal = float((close > close.shift(1)).mean().mean())\nprint(signal)\n";

struct Server {
    addr: std::net::SocketAddr,
    state: Arc<AppState>,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

async fn start(yaml: &str, pool: usize) -> Server {
    let mut sandbox = SandboxConfig::from_yaml_str(yaml).unwrap();
    sandbox.pool_size = pool;
    let executor = Executor::connect(sandbox).await.unwrap();
    let config = ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        token: TOKEN.into(),
        max_concurrent: 10,
        queue_depth: 100,
        ..ServerConfig::default()
    };
    let state = AppState::new(config, executor, SecurityLog::tracing_only()).unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel();
    let (bound, service) = server::bind(state.clone(), async move {
        let _ = stopped.await;
    })
    .unwrap();
    let addr = bound.api;
    let task = tokio::spawn(service);
    // Wait for the warm pool.
    while state.pool.len() < pool {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Server {
        addr,
        state,
        stop,
        task,
    }
}

impl Server {
    async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }

    async fn wait_pool(&self) {
        while self.state.pool.len() < self.state.pool.capacity() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn execute(c: &reqwest::Client, addr: std::net::SocketAddr, code: &str) -> Duration {
    let t = Instant::now();
    let r: Value = c
        .post(format!("http://{addr}/v1/execute"))
        .bearer_auth(TOKEN)
        .json(&json!({"code": code}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let took = t.elapsed();
    assert_eq!(r["success"], true, "{r}");
    took
}

/// The host's Python: $HOST_PYTHON, else Debian's (the sandbox's own interpreter and
/// packages), else whatever `python3` is on PATH.
fn host_python(code: &str) -> Option<Duration> {
    let python = std::env::var("HOST_PYTHON").unwrap_or_else(|_| {
        if std::path::Path::new("/usr/bin/python3").exists() {
            "/usr/bin/python3".into()
        } else {
            "python3".into()
        }
    });
    let t = Instant::now();
    let out = Command::new(python).args(["-c", code]).output().ok()?;
    out.status.success().then(|| t.elapsed())
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// CPU seconds (user + system) used so far by process `pid`.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<f64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    // Fields 14 and 15 of the stat line (utime, stime), in clock ticks (100 Hz on Linux).
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / 100.0
}

fn dockerd_pid() -> Option<u32> {
    std::fs::read_to_string("/var/run/docker.pid")
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// How long CPU use is measured for each monitor setting.
const WINDOW: Duration = Duration::from_secs(15);

/// Runner and dockerd CPU (percent of one core) while ten sleeping executions run.
async fn ten_sleepers(yaml: &str) -> (f64, f64) {
    let s = start(yaml, 0).await;
    // Begin from a quiet engine: the previous setting's containers are still being removed
    // in the background for a moment after its server stops.
    for _ in 0..300 {
        if s.state.executor.list_managed().await.unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let c = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let c = c.clone();
        let addr = s.addr;
        tasks.push(tokio::spawn(async move {
            execute(&c, addr, "import time\ntime.sleep(30)").await;
        }));
    }
    // Let all ten start, then measure a quiet window.
    tokio::time::sleep(Duration::from_secs(8)).await;
    let me = std::process::id();
    let dockerd = dockerd_pid();
    let (r0, d0, t0) = (
        cpu_seconds(me),
        dockerd.map(cpu_seconds).unwrap_or(0.0),
        Instant::now(),
    );
    tokio::time::sleep(WINDOW).await;
    let wall = t0.elapsed().as_secs_f64();
    let runner = (cpu_seconds(me) - r0) / wall * 100.0;
    let engine = (dockerd.map(cpu_seconds).unwrap_or(0.0) - d0) / wall * 100.0;
    for t in tasks {
        t.await.unwrap();
    }
    s.stop().await;
    (runner, engine)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let runs: usize = std::env::args()
        .skip_while(|a| a != "--runs")
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let c = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut rows: Vec<(String, String, String)> = Vec::new();

    // Latency through the warm pool, one request at a time (pool refilled between runs).
    let s = start("", 2).await;
    for (name, code) in [("print(1)", "print(1)"), ("pandas strategy", PANDAS)] {
        let mut served = Vec::new();
        let mut host = Vec::new();
        execute(&c, s.addr, code).await; // warm-up
        for _ in 0..runs {
            s.wait_pool().await;
            served.push(execute(&c, s.addr, code).await);
            if let Some(d) = host_python(code) {
                host.push(d);
            }
        }
        served.sort();
        host.sort();
        let p50 = pct(&served, 0.5);
        let (host_p50, ratio) = if host.is_empty() {
            ("n/a (host python lacks it)".to_string(), "n/a".to_string())
        } else {
            let h = pct(&host, 0.5);
            (
                ms(h),
                format!("{:.2}x", p50.as_secs_f64() / h.as_secs_f64()),
            )
        };
        rows.push((
            format!("{name}: POST /v1/execute via pool, p50"),
            ms(p50),
            String::new(),
        ));
        rows.push((
            format!("{name}: bare host python3, p50"),
            host_p50,
            String::new(),
        ));
        rows.push((format!("{name}: served / host"), ratio, String::new()));
    }
    s.stop().await;

    // Throughput: ten clients, pool of ten.
    let s = start("", 10).await;
    let total = runs.max(10) * 3;
    let t = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut clients = Vec::new();
    for _ in 0..10 {
        let (c, next, addr) = (c.clone(), next.clone(), s.addr);
        clients.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < total {
                lat.push(execute(&c, addr, "signal = 1").await);
            }
            lat
        }));
    }
    let mut lat = Vec::new();
    for cl in clients {
        lat.extend(cl.await.unwrap());
    }
    let wall = t.elapsed();
    lat.sort();
    rows.push((
        format!("throughput, 10 clients, {total} executions"),
        format!("{:.1} exec/s", total as f64 / wall.as_secs_f64()),
        format!(
            "p50 {} / p95 {} / p99 {}",
            ms(pct(&lat, 0.5)),
            ms(pct(&lat, 0.95)),
            ms(pct(&lat, 0.99))
        ),
    ));
    s.stop().await;

    // Monitor overhead: ten sleeping containers with the monitor off, reading every second,
    // and at the default interval. Three alternating rounds, the median of each setting, so
    // that drift in the machine's background load does not land on one setting.
    let default_interval = SandboxConfig::default().monitoring.runtime_monitor_interval;
    let settings = [
        (
            "off".to_string(),
            "docker:\n  runtime_monitor_enabled: false\nmonitoring:\n  export_container_stats: false\n",
        ),
        (
            "interval 1 s".to_string(),
            "docker:\n  runtime_monitor_enabled: true\n  runtime_monitor_interval: 1\n",
        ),
        (
            format!("interval {} s (default)", default_interval.as_secs()),
            "docker:\n  runtime_monitor_enabled: true\n",
        ),
    ];
    const ROUNDS: usize = 3;
    let mut samples: Vec<(Vec<f64>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); settings.len()];
    for _round in 0..ROUNDS {
        for (i, (_, yaml)) in settings.iter().enumerate() {
            let (runner, engine) = ten_sleepers(yaml).await;
            samples[i].0.push(runner);
            samples[i].1.push(engine);
        }
    }
    let median = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let cpu: Vec<(f64, f64)> = samples
        .iter()
        .map(|(r, e)| (median(r), median(e)))
        .collect();
    let off = cpu[0];
    for (i, (label, _)) in settings.iter().enumerate().skip(1) {
        let on = cpu[i];
        rows.push((
            format!("monitor overhead, 10 containers, {label}"),
            {
                // CPU time is counted in 10 ms clock ticks: one tick per window is the
                // smallest difference this can see.
                let resolution = 0.01 / WINDOW.as_secs_f64() * 100.0;
                let overhead = (on.0 - off.0) + (on.1 - off.1);
                if overhead.abs() < resolution {
                    format!("< {resolution:.2}% of a core")
                } else {
                    format!("{overhead:.2}% of a core")
                }
            },
            format!(
                "runner {:+.2}%, dockerd {:+.2}% (medians of {ROUNDS}; on: {:.2}% / {:.2}%, off: {:.2}% / {:.2}%)",
                on.0 - off.0,
                on.1 - off.1,
                on.0,
                on.1,
                off.0,
                off.1
            ),
        ));
    }

    let w = rows.iter().map(|r| r.0.len()).max().unwrap_or(10);
    let w2 = rows.iter().map(|r| r.1.len()).max().unwrap_or(10);
    println!("{:<w$}  {:<w2$}  detail", "measure", "value");
    println!("{}", "-".repeat(w + w2 + 30));
    for (a, b, c) in rows {
        println!("{a:<w$}  {b:<w2$}  {c}");
    }
}
