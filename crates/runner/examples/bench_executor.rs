//! Executor benchmarks, printed as a table of medians.
//!
//! ```text
//! cargo run --release -p stockade-runner --example bench_executor -- [--runs N] [--host-python PATH] [--config FILE]
//! ```
//!
//! 1. A CPU-bound pandas workload timed inside the sandbox, against the same code run directly
//!    on the host (`--host-python`, which needs pandas).
//! 2. Removal of a finished container.
//!
//! Cold start, warm latency, throughput and CPU per execution against the user's alternatives
//! are the root package's `bench` example.

use std::process::Command;
use std::time::{Duration, Instant};

use stockade_runner::cleanup::remove_container;
use stockade_runner::config::{human_bytes, SandboxConfig};
use stockade_runner::executor::{ExecOptions, Executor};

/// Deterministic CPU-bound pandas work; reports its own compute time in seconds.
const CPU_WORKLOAD: &str = r#"
import time
import numpy as np
import pandas as pd

t0 = time.perf_counter()
rng = np.random.default_rng(7)
prices = pd.DataFrame(rng.normal(0, 1, size=(2000, 300)).cumsum(axis=0) + 100)
total = 0.0
for window in (5, 10, 20, 60, 120):
    ma = prices.rolling(window).mean()
    sd = prices.rolling(window).std()
    z = (prices - ma) / sd
    rank = z.rank(axis=1, pct=True)
    total += float(rank.iloc[-1].sum())
    ewm = prices.ewm(span=window).mean()
    total += float((prices > ewm).sum().sum())
signal = time.perf_counter() - t0
"#;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

struct Args {
    runs: usize,
    host_python: String,
    config: String,
}

fn args() -> Args {
    let mut a = Args {
        runs: 9,
        host_python: "python3".into(),
        config: "config/docker_config.yaml".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_default();
        match flag.as_str() {
            "--runs" => a.runs = value.parse().unwrap_or(a.runs).max(1),
            "--host-python" => a.host_python = value,
            "--config" => a.config = value,
            other => eprintln!("ignoring unknown argument {other}"),
        }
    }
    a
}

fn host_run(python: &str) -> Result<f64, String> {
    let script = format!("{CPU_WORKLOAD}\nprint(signal)\n");
    let out = Command::new(python)
        .args(["-c", &script])
        .env("OMP_NUM_THREADS", "1")
        .env("OPENBLAS_NUM_THREADS", "1")
        .output()
        .map_err(|e| format!("{python}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{python} failed (does it have pandas?): {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or_default()
        ));
    }
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|e| format!("unexpected output: {e}"))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = args();
    let mut config = SandboxConfig::load(&args.config)?;
    // The host run may use every core, so the sandbox gets the same (within the configured
    // ceiling); BLAS is single-threaded on both sides.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    config.cpu_limit = cores.min(config.limits.max_cpu_limit);
    let executor = Executor::connect(config.clone()).await?;
    let opts = || ExecOptions {
        timeout: Some(Duration::from_secs(120)),
        ..Default::default()
    };
    println!(
        "image {} ({}), runtime {}, memory {}, cpus {}, {} runs",
        config.image,
        executor.image_id(),
        config.runtime,
        human_bytes(config.memory_bytes),
        config.cpu_limit,
        args.runs
    );

    let (mut inside, mut host) = (Vec::new(), Vec::new());
    let mut host_error = None;
    for _ in 0..args.runs {
        let r = executor.execute(CPU_WORKLOAD, opts()).await;
        match r.signal.as_f64() {
            Some(s) if r.success => inside.push(s),
            _ => return Err(format!("workload failed: {:?}", r.error).into()),
        }
        match host_run(&args.host_python) {
            Ok(s) => host.push(s),
            Err(e) => {
                host_error = Some(e);
                break;
            }
        }
    }

    let mut cleanup_times = Vec::new();
    let mut keep = config.clone();
    keep.cleanup_on_exit = false;
    let keeper = Executor::connect(keep).await?;
    for _ in 0..args.runs {
        let r = keeper.execute("signal = 1\n", opts()).await;
        let Some(id) = r.container_id else {
            return Err("no container".into());
        };
        let t0 = Instant::now();
        let gone = remove_container(keeper.docker(), &id).await;
        cleanup_times.push(t0.elapsed().as_secs_f64());
        if !gone {
            return Err(format!("container {id} not removed").into());
        }
    }

    println!();
    println!("| measurement | median | baseline | ratio | target |");
    println!("|---|---|---|---|---|");
    match host_error {
        None => {
            let (m_in, m_host) = (median(inside), median(host));
            println!(
                "| CPU-bound pandas, sandbox vs host python | {:.3} s | {:.3} s | {:+.1} % | <= +3 % |",
                m_in,
                m_host,
                (m_in / m_host - 1.0) * 100.0
            );
        }
        Some(e) => println!(
            "| CPU-bound pandas, sandbox vs host python | {:.3} s | skipped: {e} | - | <= +3 % |",
            median(inside)
        ),
    }
    println!(
        "| cleanup of a finished container | {:.1} ms | - | - | < 200 ms |",
        median(cleanup_times) * 1000.0
    );
    Ok(())
}
