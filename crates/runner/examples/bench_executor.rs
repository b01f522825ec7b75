//! Executor benchmarks, printed as a table of medians.
//!
//! ```text
//! cargo run --release -p stockade-runner --example bench_executor -- [--runs N] [--host-python PATH] [--config FILE]
//! ```
//!
//! 1. Cold `print(1)` end to end through the executor, against a raw `docker run --rm -i` with
//!    the same hardening flags and the same request, interleaved in the same run.
//! 2. A CPU-bound pandas workload timed inside the sandbox, against the same code run directly
//!    on the host (`--host-python`, which needs pandas).
//! 3. Removal of a finished container.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use stockade_runner::cleanup::remove_container;
use stockade_runner::config::{human_bytes, SandboxConfig};
use stockade_runner::executor::{ExecOptions, Executor};

const PRINT_ONE: &str = "print(1)\n";

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

/// `docker run` with the flags the executor sets, for the baseline.
fn raw_docker_args(c: &SandboxConfig) -> Vec<String> {
    let mut v: Vec<String> = vec!["run", "--rm", "-i", "--log-driver", "none"]
        .into_iter()
        .map(String::from)
        .collect();
    let mut push = |a: &str, b: String| {
        v.push(a.into());
        v.push(b);
    };
    push("--network", c.network_mode.clone());
    push(
        "--tmpfs",
        format!("{}:{}", c.tmpfs.path, c.tmpfs.mount_options()),
    );
    push("--cap-drop", "ALL".into());
    push("--security-opt", "no-new-privileges:true".into());
    // The docker CLI reads the profile from the file, as the executor does.
    push(
        "--security-opt",
        format!("seccomp={}", c.seccomp_profile.display()),
    );
    push(
        "--user",
        stockade_runner::executor::hardening::SANDBOX_USER.into(),
    );
    push("--workdir", "/tmp".into());
    push("--pids-limit", c.pids_limit.to_string());
    push("--memory", c.memory_bytes.to_string());
    push("--memory-swap", c.memory_bytes.to_string());
    push("--cpus", c.cpu_limit.to_string());
    push("--ipc", "none".into());
    push("--cgroupns", "private".into());
    push("--ulimit", "nofile=1024:1024".into());
    push("--ulimit", "nproc=4096:4096".into());
    push("--ulimit", "core=0:0".into());
    push("--ulimit", format!("fsize={0}:{0}", c.tmpfs.size_bytes));
    push("--runtime", c.runtime.to_string());
    v.push("--read-only".into());
    v.push(c.image.clone());
    for part in ["python3", "-I", "/opt/stockade/harness.py"] {
        v.push(part.into());
    }
    v
}

fn raw_docker_run(args: &[String], request: &[u8]) -> std::io::Result<f64> {
    let t0 = Instant::now();
    let mut child = Command::new("docker")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(request)?;
    }
    let out = child.wait_with_output()?;
    if !String::from_utf8_lossy(&out.stdout).contains("STOCKADE-RESULT") {
        return Err(std::io::Error::other(
            "raw docker run produced no result frame",
        ));
    }
    Ok(t0.elapsed().as_secs_f64())
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
    let raw_args = raw_docker_args(&config);
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

    // Warm the page cache and the engine once on each path.
    let request = format!(
        "{{\"nonce\":\"{}\",\"mode\":\"execute\",\"code\":\"print(1)\\n\",\"max_result_bytes\":1024}}\n",
        "0".repeat(32)
    );
    let _ = executor.execute(PRINT_ONE, opts()).await;
    let _ = raw_docker_run(&raw_args, request.as_bytes());

    let (mut ours, mut raw) = (Vec::new(), Vec::new());
    for _ in 0..args.runs {
        let t0 = Instant::now();
        let r = executor.execute(PRINT_ONE, opts()).await;
        if !r.success {
            return Err(format!("print(1) failed: {:?}", r.error).into());
        }
        ours.push(t0.elapsed().as_secs_f64());
        raw.push(raw_docker_run(&raw_args, request.as_bytes())?);
    }

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

    let (m_ours, m_raw) = (median(ours), median(raw));
    println!();
    println!("| measurement | median | baseline | ratio | target |");
    println!("|---|---|---|---|---|");
    println!(
        "| cold print(1), executor vs raw docker run | {:.3} s | {:.3} s | {:.2}x | <= 1.15x |",
        m_ours,
        m_raw,
        m_ours / m_raw
    );
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
