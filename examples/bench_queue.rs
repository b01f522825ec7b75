//! Queue mode's throughput: batches through `stockade serve --queue`, a `redis-server` and 1, 2
//! and 3 `stockade worker`s, with what each execution cost. Prints one table.
//!
//! ```text
//! cargo run --release --example bench_queue -- [--stockade PATH] [--workers 1,2,3]
//!     [--jobs 200] [--concurrency 2] [--code print1|pandas] [--config FILE]
//! ```
//!
//! It starts its own `redis-server` (Debian's, `scripts/setup.sh` installs it) on a free
//! loopback port with its data in a temporary directory and no persistence, one `stockade
//! serve --queue` for the API, and for each worker count W that many `stockade worker`
//! processes (`--concurrency` jobs at once each, a warm pool as large), all on this machine
//! and its one engine (`DOCKER_HOST`): the workers share its cores and its dockerd, so the
//! rows measure how far one host goes, not how hosts add up (`docs/scaling.md` models that
//! from these figures). Per row, after a warm-up batch has taught the pools the workload's
//! kind and the pools are full again, it submits `--jobs` jobs with one `POST /v1/batches`
//! and polls `GET /v1/batches/{id}` every 250 ms until the batch is done. The row has:
//!
//! - wall time from the submission to the poll that saw the batch done, and executions/s;
//! - slot-seconds per job: the time a job held a worker slot (all slots stay busy while the
//!   batch lasts, so slots × wall / jobs);
//! - CPU-seconds per execution: the whole machine's busy time (`/proc/stat`, shared with
//!   whatever else runs), and the runner side's split read from `/proc` as `bench` does
//!   (workers, engine = dockerd + containerd + shims + runc calls, containers), plus the
//!   API server. The CPU window closes once the pools are full again, so every container the
//!   batch used is paid for once;
//! - Redis's own CPU per job (`INFO cpu`, microseconds), and how much of it the batch polls
//!   cost (measured after the row by timing 50 more polls): the model's Redis input is the
//!   rest;
//! - the share of executions that found a warm container, and the load average.
//!
//! Every process it started is stopped at the end, also on an error or Ctrl-C: the workers
//! first (SIGTERM: they finish, drain their pools and remove their containers), then the API
//! server and Redis; any container a worker left behind is removed and reported.

use std::fs::File;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, ensure, Context, Result};
use clap::Parser;
use serde_json::{json, Value};
use stockade_runner::cleanup::LABEL_OWNER_PID;
use stockade_runner::config::SandboxConfig;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};

mod common;
use common::{
    engine_socket, load_average, serve_base, stat, CpuWindow, Engine, Group, PANDAS, PRINT_ONE,
    TOKEN,
};

/// How often the batch's counts are polled.
const POLL: Duration = Duration::from_millis(250);
/// Extra polls, after a row, that price one poll in Redis's CPU.
const POLL_PROBES: u32 = 50;
/// A batch whose progress does not move for this long is an error, not a slow row.
const STALLED: Duration = Duration::from_secs(300);

#[derive(Parser)]
#[command(about = "Queue mode's batch throughput with 1, 2, 3 workers on this machine")]
struct Args {
    /// The `stockade` binary (default: the one built next to this example).
    #[arg(long)]
    stockade: Option<PathBuf>,
    /// Worker counts, one row each.
    #[arg(long, value_delimiter = ',', default_values_t = [1, 2, 3])]
    workers: Vec<usize>,
    /// Jobs in each row's batch.
    #[arg(long, default_value_t = 200)]
    jobs: usize,
    /// Jobs each worker runs at once (and its warm pool's size).
    #[arg(long, default_value_t = 2)]
    concurrency: usize,
    /// The jobs' code.
    #[arg(long, value_enum, default_value_t = Code::Print1)]
    code: Code,
    /// Sandbox configuration of the workers and the API server.
    #[arg(long, default_value = "config/docker_config.yaml")]
    config: PathBuf,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Code {
    /// `print(1)`: the sandbox's own cost.
    Print1,
    /// A small pandas program.
    Pandas,
}

impl Code {
    fn source(self) -> &'static str {
        match self {
            Code::Print1 => PRINT_ONE,
            Code::Pandas => PANDAS,
        }
    }
}

/// A started `stockade worker`.
struct Worker {
    child: Child,
    /// Its `GET /metrics`.
    metrics: String,
    log: PathBuf,
}

/// Every process the benchmark started. Dropping it stops them in order (see the module
/// docs), so an error, a panic or Ctrl-C leaves nothing running.
#[derive(Default)]
struct Fleet {
    redis: Option<Child>,
    serve: Option<Child>,
    workers: Vec<Worker>,
}

impl Fleet {
    /// SIGTERM to the last `n` workers, and waits for them.
    fn stop_workers(&mut self, n: usize) -> Vec<u32> {
        let from = self.workers.len().saturating_sub(n);
        let stopping: Vec<Worker> = self.workers.drain(from..).collect();
        for w in &stopping {
            terminate(w.child.id());
        }
        stopping
            .into_iter()
            .map(|mut w| {
                // Their drain grace is 5 s; removing the pool's containers takes a few more.
                wait_or_kill(&mut w.child, Duration::from_secs(60));
                w.child.id()
            })
            .collect()
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        let mut owners = self.stop_workers(self.workers.len());
        if let Some(serve) = &mut self.serve {
            owners.push(serve.id());
            terminate(serve.id());
            wait_or_kill(serve, Duration::from_secs(30));
        }
        if let Some(redis) = &mut self.redis {
            let _ = redis.kill();
            let _ = redis.wait();
        }
        let left = remove_containers_of(&owners);
        if left > 0 {
            eprintln!("removed {left} container(s) the workers left behind");
        }
    }
}

fn terminate(pid: u32) {
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
}

fn wait_or_kill(child: &mut Child, within: Duration) {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if !matches!(child.try_wait(), Ok(None)) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Removes the containers (any state) that processes `owners` created; how many there were.
fn remove_containers_of(owners: &[u32]) -> usize {
    let mut ids = Vec::new();
    for pid in owners {
        let Ok(out) = Command::new("docker")
            .args(["ps", "-aq", "--filter"])
            .arg(format!("label={LABEL_OWNER_PID}={pid}"))
            .output()
        else {
            continue;
        };
        ids.extend(
            String::from_utf8_lossy(&out.stdout)
                .split_whitespace()
                .map(String::from),
        );
    }
    if !ids.is_empty() {
        let _ = Command::new("docker")
            .args(["rm", "-f"])
            .args(&ids)
            .stdout(Stdio::null())
            .status();
    }
    ids.len()
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// The last lines of a child's log, for an error message.
fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(10)..].join("\n")
}

/// One command to Redis in its inline form; the reply's text (a status or a bulk string).
async fn redis_command(port: u16, command: &str) -> Result<String> {
    let stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    let mut stream = tokio::io::BufReader::new(stream);
    stream
        .get_mut()
        .write_all(format!("{command}\r\n").as_bytes())
        .await?;
    let mut head = String::new();
    stream.read_line(&mut head).await?;
    match head.as_bytes().first() {
        Some(b'+') => Ok(head[1..].trim().to_string()),
        Some(b'$') => {
            let n: usize = head[1..].trim().parse()?;
            let mut body = vec![0; n + 2];
            stream.read_exact(&mut body).await?;
            Ok(String::from_utf8_lossy(&body[..n]).into_owned())
        }
        _ => bail!("redis answered {command:?} with {head:?}"),
    }
}

/// Redis's CPU-seconds so far, all its threads (`INFO cpu`, from getrusage: microseconds,
/// where `/proc` counts 10 ms ticks).
async fn redis_cpu_seconds(port: u16) -> Result<f64> {
    let info = redis_command(port, "INFO cpu").await?;
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse::<f64>().ok())
            .with_context(|| format!("no {name} in INFO cpu"))
    };
    Ok(field("used_cpu_sys:")? + field("used_cpu_user:")?)
}

/// Sum of a Prometheus exposition's samples of `name` (over its labels).
fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| {
            l.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with(' ') || rest.starts_with('{'))
        })
        .filter_map(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
        .sum()
}

struct Bench {
    args: Args,
    stockade: PathBuf,
    http: reqwest::Client,
    dir: tempfile::TempDir,
    redis_port: u16,
    queue: String,
    base: String,
}

/// One row of the table.
struct Row {
    workers: usize,
    jobs: usize,
    failed: u64,
    wall: f64,
    /// The CPU window: from the submission until the pools were full again.
    window: f64,
    machine: f64,
    split: std::collections::HashMap<Group, f64>,
    api: f64,
    redis: f64,
    redis_polls: f64,
    warm: f64,
    load: String,
}

impl Bench {
    async fn start(args: Args, fleet: &mut Fleet) -> Result<Bench> {
        let stockade = match &args.stockade {
            Some(p) => p.clone(),
            // target/<profile>/examples/bench_queue -> target/<profile>/stockade
            None => std::env::current_exe()?
                .parent()
                .and_then(Path::parent)
                .context("no directory above the example")?
                .join("stockade"),
        };
        ensure!(
            stockade.is_file(),
            "{} is missing: cargo build --release (or --stockade PATH)",
            stockade.display()
        );
        let dir = tempfile::tempdir()?;
        let redis_port = free_port()?;
        // Children get process groups of their own: Ctrl-C reaches only this process, which
        // then stops them in order.
        fleet.redis = Some(
            Command::new("redis-server")
                .args(["--bind", "127.0.0.1", "--port", &redis_port.to_string()])
                .arg("--dir")
                .arg(dir.path())
                .args(["--save", "", "--appendonly", "no"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()
                .context("redis-server (scripts/setup.sh installs it)")?,
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        while !redis_command(redis_port, "PING")
            .await
            .is_ok_and(|r| r == "PONG")
        {
            ensure!(Instant::now() < deadline, "redis-server did not answer");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let queue = format!("redis://127.0.0.1:{redis_port}/0");
        let log = dir.path().join("serve.log");
        let mut serve = Command::new(&stockade)
            .args(["serve", "--listen", "127.0.0.1:0", "--metrics-port", "0"])
            .args(["--queue", &queue, "--config"])
            .arg(&args.config)
            .arg("--security-log")
            .arg(dir.path().join("security.log"))
            .env("STOCKADE_TOKEN", TOKEN)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(File::create(&log)?)
            .process_group(0)
            .spawn()?;
        let stdout = serve.stdout.take().context("serve's stdout")?;
        fleet.serve = Some(serve);
        let base = tokio::task::spawn_blocking(move || serve_base(stdout))
            .await?
            .ok_or_else(|| anyhow!("stockade serve --queue did not start:\n{}", log_tail(&log)))?;
        Ok(Bench {
            args,
            stockade,
            http: reqwest::Client::builder().no_proxy().build()?,
            dir,
            redis_port,
            queue,
            base,
        })
    }

    fn spawn_worker(&self, i: usize) -> Result<Worker> {
        let port = free_port()?;
        let log = self.dir.path().join(format!("worker-{i}.log"));
        let slots = self.args.concurrency.to_string();
        let child = Command::new(&self.stockade)
            .args([
                "worker",
                "--queue",
                &self.queue,
                "--name",
                &format!("bench-w{i}"),
            ])
            .args(["--concurrency", &slots, "--pool-size", &slots])
            .args(["--drain-grace", "5", "--metrics-listen"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("--config")
            .arg(&self.args.config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(&log)?)
            .process_group(0)
            .spawn()?;
        Ok(Worker {
            child,
            metrics: format!("http://127.0.0.1:{port}/metrics"),
            log,
        })
    }

    /// Starts or stops workers until there are `n`.
    fn scale(&self, fleet: &mut Fleet, n: usize) -> Result<()> {
        while fleet.workers.len() < n {
            let w = self.spawn_worker(fleet.workers.len())?;
            fleet.workers.push(w);
        }
        let extra = fleet.workers.len() - n;
        let stopped = fleet.stop_workers(extra);
        let left = remove_containers_of(&stopped);
        ensure!(left == 0, "stopped workers left {left} container(s)");
        Ok(())
    }

    /// Fails with its log when a worker has exited.
    fn check_alive(fleet: &mut Fleet) -> Result<()> {
        for w in &mut fleet.workers {
            if let Some(status) = w.child.try_wait()? {
                bail!("a worker exited ({status}):\n{}", log_tail(&w.log));
            }
        }
        Ok(())
    }

    async fn scrape(&self, w: &Worker) -> Option<String> {
        let r = self.http.get(&w.metrics).send().await.ok()?;
        r.text().await.ok()
    }

    /// Until every worker is idle with its pool full (`stockade_pool_size` counts containers
    /// whose harness is ready), twice in a row.
    async fn wait_ready(&self, fleet: &mut Fleet, within: Duration) -> Result<()> {
        let deadline = Instant::now() + within;
        let mut steady = 0;
        loop {
            Bench::check_alive(fleet)?;
            let mut ready = true;
            for w in &fleet.workers {
                ready &= self.scrape(w).await.is_some_and(|t| {
                    metric(&t, "stockade_pool_size") >= self.args.concurrency as f64
                        && metric(&t, "stockade_worker_busy_slots") == 0.0
                });
            }
            steady = if ready { steady + 1 } else { 0 };
            if steady == 2 {
                return Ok(());
            }
            ensure!(
                Instant::now() < deadline,
                "the workers' pools did not fill within {within:?}"
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// Warm executions and cold ones, summed over the workers.
    async fn pool_counts(&self, fleet: &Fleet) -> (f64, f64) {
        let mut sum = (0.0, 0.0);
        for w in &fleet.workers {
            if let Some(t) = self.scrape(w).await {
                sum.0 += metric(&t, "stockade_pool_hits_total");
                sum.1 += metric(&t, "stockade_pool_misses_total");
            }
        }
        sum
    }

    async fn submit(&self, jobs: usize) -> Result<String> {
        let code = self.args.code.source();
        let jobs: Vec<Value> = (0..jobs).map(|_| json!({ "code": code })).collect();
        let r = self
            .http
            .post(format!("{}/v1/batches", self.base))
            .bearer_auth(TOKEN)
            .json(&json!({ "jobs": jobs }))
            .send()
            .await?;
        ensure!(r.status() == 202, "POST /v1/batches: {}", r.status());
        let body: Value = r.json().await?;
        body["batch_id"]
            .as_str()
            .map(String::from)
            .context("no batch_id")
    }

    async fn batch(&self, id: &str) -> Result<Value> {
        Ok(self
            .http
            .get(format!("{}/v1/batches/{id}", self.base))
            .bearer_auth(TOKEN)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?)
    }

    /// Polls the batch until it is done: its final counts and how many polls it took.
    async fn wait_done(&self, fleet: &mut Fleet, id: &str) -> Result<(Value, u32)> {
        let (mut polls, mut progress, mut moved) = (0, -1.0, Instant::now());
        loop {
            tokio::time::sleep(POLL).await;
            polls += 1;
            let counts = self.batch(id).await?;
            if counts["done"] == true {
                return Ok((counts, polls));
            }
            let p = counts["progress"].as_f64().unwrap_or(0.0);
            if p != progress {
                (progress, moved) = (p, Instant::now());
            }
            ensure!(
                moved.elapsed() < STALLED,
                "the batch stopped moving: {counts}"
            );
            Bench::check_alive(fleet)?;
        }
    }

    async fn row(&self, fleet: &mut Fleet, workers: usize) -> Result<Row> {
        self.scale(fleet, workers)?;
        self.wait_ready(fleet, Duration::from_secs(180)).await?;
        // The pools start with the kind that runs everything; a few jobs per slot teach them
        // this workload's kind.
        let warm_up = self.submit(4 * workers * self.args.concurrency).await?;
        self.wait_done(fleet, &warm_up).await?;
        self.wait_ready(fleet, Duration::from_secs(180)).await?;

        let engine = Engine::find(&engine_socket())
            .context("the engine's dockerd (DOCKER_HOST) in /proc")?;
        let pids: Vec<u32> = fleet.workers.iter().map(|w| w.child.id()).collect();
        let serve = fleet.serve.as_ref().map(Child::id).unwrap_or_default();
        let api_ticks = || stat(serve).map(|s| s.own + s.reaped).unwrap_or(0);
        let pool0 = self.pool_counts(fleet).await;
        let (redis0, api0) = (redis_cpu_seconds(self.redis_port).await?, api_ticks());
        let window = CpuWindow::start(&engine, &pids);
        let t = Instant::now();
        let id = self.submit(self.args.jobs).await?;
        let (counts, polls) = self.wait_done(fleet, &id).await?;
        let wall = t.elapsed().as_secs_f64();
        self.wait_ready(fleet, Duration::from_secs(120)).await?;
        let (split, machine) = window.finish();
        let window = t.elapsed().as_secs_f64();
        let redis = redis_cpu_seconds(self.redis_port).await? - redis0;
        let api = api_ticks().saturating_sub(api0) as f64 / 100.0;
        let pool1 = self.pool_counts(fleet).await;

        // The price of one poll, outside the window.
        let before = redis_cpu_seconds(self.redis_port).await?;
        for _ in 0..POLL_PROBES {
            self.batch(&id).await?;
        }
        let per_poll = (redis_cpu_seconds(self.redis_port).await? - before) / POLL_PROBES as f64;

        let (hits, misses) = (pool1.0 - pool0.0, pool1.1 - pool0.1);
        let n = |k: &str| counts[k].as_u64().unwrap_or(0);
        Ok(Row {
            workers,
            jobs: self.args.jobs,
            failed: n("failed") + n("dead") + n("expired"),
            wall,
            window,
            machine,
            split,
            api,
            redis,
            redis_polls: per_poll * f64::from(polls),
            warm: hits / (hits + misses).max(1.0),
            load: load_average(),
        })
    }
}

fn print_table(bench_header: &str, rows: &[Row], slots: usize) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("{bench_header}");
    println!(
        "| workers × slots | jobs (failed) | wall s | executions/s | slot-s per job | machine busy | \
         machine CPU-s/exec | runner side CPU-s/exec: workers + engine + containers | API CPU-ms/job | \
         Redis CPU-ms/job (of which polls) | warm | load average after |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for r in rows {
        let jobs = r.jobs as f64;
        let g = |group: Group| r.split.get(&group).copied().unwrap_or(0.0) / jobs;
        let engine = g(Group::Dockerd) + g(Group::Containerd) + g(Group::Shims) + g(Group::Runc);
        let (workers, containers) = (g(Group::Runner), g(Group::Containers));
        println!(
            "| {} × {slots} | {} ({}) | {:.1} | {:.2} | {:.2} | {:.0} % | {:.3} | {:.3} = {workers:.3} + \
             {engine:.3} + {containers:.3} | {:.2} | {:.3} ({:.3}) | {:.0} % | {} |",
            r.workers,
            r.jobs,
            r.failed,
            r.wall,
            jobs / r.wall,
            (r.workers * slots) as f64 * r.wall / jobs,
            100.0 * r.machine / (r.window * cores as f64),
            r.machine / jobs,
            workers + engine + containers,
            1000.0 * r.api / jobs,
            1000.0 * r.redis / jobs,
            1000.0 * r.redis_polls / jobs,
            100.0 * r.warm,
            r.load,
        );
    }
}

async fn interrupted() -> Result<&'static str> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r.map(|()| "Ctrl-C").map_err(Into::into),
        _ = term.recv() => Ok("SIGTERM"),
    }
}

async fn run(args: Args, fleet: &mut Fleet, rows: &mut Vec<Row>) -> Result<()> {
    let bench = Bench::start(args, fleet).await?;
    let counts = bench.args.workers.clone();
    for w in counts {
        ensure!(w > 0, "--workers takes counts of 1 or more");
        let row = bench.row(fleet, w).await?;
        eprintln!("{w} worker(s): {} jobs in {:.1} s", row.jobs, row.wall);
        rows.push(row);
    }
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let args = Args::parse();
    let config = SandboxConfig::load(&args.config)
        .with_context(|| format!("loading {}", args.config.display()))?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let header = format!(
        "{} | {} jobs a row | {} per worker | image {} | runtime {} | cpus {} | memory {} | \
         {cores} cores, one engine ({}): every worker, the API and Redis on this one machine | \
         load average before {}",
        match args.code {
            Code::Print1 => "print(1)",
            Code::Pandas => "pandas",
        },
        args.jobs,
        args.concurrency,
        config.image,
        config.runtime,
        config.cpu_limit,
        config.memory_bytes,
        engine_socket().display(),
        load_average(),
    );
    let slots = args.concurrency;
    let mut rows = Vec::new();
    let mut fleet = Fleet::default();
    let outcome = tokio::select! {
        r = run(args, &mut fleet, &mut rows) => r,
        r = interrupted() => r.and_then(|signal| Err(anyhow!("stopped by {signal}"))),
    };
    // Stops the workers, the API server and Redis, and removes what the workers left.
    drop(fleet);
    if !rows.is_empty() {
        print_table(&header, &rows, slots);
        let _ = std::io::stdout().flush();
    }
    outcome
}
