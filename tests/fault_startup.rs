//! Signals at random points of a runner's start-up and pool refill, with a second runner
//! working beside it. SIGTERM must leave none of the stopped runner's containers behind, by
//! the time it has exited; SIGKILL leaves what it leaves, and the restarted runner's sweep
//! removes it. The runner working beside them never loses a container to their sweeps.
//!
//! The delays are drawn from a seed printed at the start (set `FAULT_SEED` to replay one).
#![allow(clippy::unwrap_used)]

mod serve_process;

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const TOKEN: &str = "fault-token-startup-0123456789abcdef01234";
/// SIGTERM rounds at a random point of start-up and the first pool fill.
const TERM_AT_START: usize = 6;
/// SIGTERM rounds just after the runner starts serving, while its pool's first containers
/// are being created and started.
const TERM_AT_FIRST_FILL: usize = 8;
/// SIGTERM rounds while the pool refills after two takes.
const TERM_AT_REFILL: usize = 4;
/// SIGKILL rounds, each followed by a restart.
const KILL_ROUNDS: usize = 4;

/// A small xorshift generator: the test needs varied, replayable delays, not good randomness.
struct Delays(u64);

impl Delays {
    fn from_env() -> Delays {
        let seed = std::env::var("FAULT_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        eprintln!("FAULT_SEED={seed}");
        Delays(seed)
    }

    /// A delay in `0..max_ms` milliseconds.
    fn next(&mut self, max_ms: u64) -> Duration {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        Duration::from_millis(x % max_ms)
    }
}

fn serve_command() -> Command {
    serve_on("127.0.0.1:0")
}

fn serve_on(listen: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_stockade"));
    cmd.args([
        "serve",
        "--listen",
        listen,
        "--pool-size",
        "2",
        "--metrics-port",
        "0",
        "--shutdown-grace",
        "2",
    ])
    .arg("--security-log")
    .arg(std::env::temp_dir().join(format!("stockade-startup-{}.log", std::process::id())))
    .env("STOCKADE_TOKEN", TOKEN)
    .stderr(Stdio::null());
    cmd
}

/// Starts a runner and waits for its URL (its start-up sweep is done by then).
fn spawn_serving() -> (Child, String) {
    let mut child = serve_command().stdout(Stdio::piped()).spawn().unwrap();
    let addr = serve_process::read_address(&mut child);
    assert!(!addr.is_empty(), "the runner did not start");
    (child, addr)
}

/// Starts a runner without waiting for anything.
fn spawn_quiet() -> Child {
    serve_command().stdout(Stdio::null()).spawn().unwrap()
}

fn signal(child: &Child, name: &str) {
    Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
}

/// Waits for the process to exit (bounded: a runner that never stops is a failure too).
fn wait_exit(child: &mut Child, what: &str) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "{what}: the runner did not exit");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Containers (any state) made by runner process `pid`, with their state.
fn containers_of(pid: u32) -> Vec<String> {
    let out = Command::new("docker")
        .args([
            "ps",
            "-a",
            "--filter",
            &format!("label=io.stockade.owner-pid={pid}"),
            "--format",
            "{{.ID}} {{.Status}}",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "docker ps failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(String::from)
        .collect()
}

/// Clients of the bystander. Several at once keep the engine busy creating and removing
/// containers, as the runs of a production runner beside a restarting one would.
const BYSTANDER_CLIENTS: usize = 3;

/// The bystander: executes small programs against `addr` until told to stop; counts outcomes.
struct Bystander {
    stop: Arc<AtomicBool>,
    ok: Arc<AtomicUsize>,
    failed: Arc<std::sync::Mutex<Vec<String>>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Bystander {
    fn start(client: reqwest::Client, addr: String) -> Bystander {
        let stop = Arc::new(AtomicBool::new(false));
        let ok = Arc::new(AtomicUsize::new(0));
        let failed = Arc::new(std::sync::Mutex::new(Vec::new()));
        let tasks = (0..BYSTANDER_CLIENTS)
            .map(|_| Bystander::client(client.clone(), addr.clone(), &stop, &ok, &failed))
            .collect();
        Bystander {
            stop,
            ok,
            failed,
            tasks,
        }
    }

    fn client(
        client: reqwest::Client,
        addr: String,
        stop: &Arc<AtomicBool>,
        ok: &Arc<AtomicUsize>,
        failed: &Arc<std::sync::Mutex<Vec<String>>>,
    ) -> tokio::task::JoinHandle<()> {
        let (s, o, f) = (stop.clone(), ok.clone(), failed.clone());
        tokio::spawn(async move {
            while !s.load(Ordering::Relaxed) {
                let answer = client
                    .post(format!("http://{addr}/v1/execute"))
                    .bearer_auth(TOKEN)
                    .json(&serde_json::json!({
                        "code": "import time\ntime.sleep(0.5)\nsignal = 3"
                    }))
                    .send()
                    .await;
                let body = match answer {
                    Ok(resp) => resp.text().await.unwrap_or_default(),
                    Err(e) => e.to_string(),
                };
                if body.contains("\"success\":true") && body.contains("\"signal\":3") {
                    o.fetch_add(1, Ordering::Relaxed);
                } else {
                    f.lock().unwrap().push(body);
                }
            }
        })
    }
}

// Waiting on child processes blocks a worker; the bystander's requests run on the others.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn signals_during_start_up_and_refill_leave_no_container() {
    let mut delays = Delays::from_env();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let (mut beside, beside_addr) = spawn_serving();
    let bystander = Bystander::start(client.clone(), beside_addr);

    // SIGTERM somewhere in start-up: before, during or after the start-up sweep, the pool's
    // first creations, its readiness waits.
    for round in 0..TERM_AT_START {
        let mut victim = spawn_quiet();
        let pid = victim.id();
        let at = delays.next(6000);
        tokio::time::sleep(at).await;
        signal(&victim, "TERM");
        wait_exit(&mut victim, "SIGTERM in start-up");
        let left = containers_of(pid);
        assert!(
            left.is_empty(),
            "round {round}: SIGTERM {at:?} into start-up left {left:?}"
        );
    }

    // SIGTERM while the pool's first containers are being created: they were asked for just
    // before the runner printed its URL.
    for round in 0..TERM_AT_FIRST_FILL {
        let (mut victim, _) = spawn_serving();
        let pid = victim.id();
        let at = delays.next(400);
        tokio::time::sleep(at).await;
        signal(&victim, "TERM");
        wait_exit(&mut victim, "SIGTERM in the first fill");
        let left = containers_of(pid);
        assert!(
            left.is_empty(),
            "round {round}: SIGTERM {at:?} into the first fill left {left:?}"
        );
    }

    // SIGTERM while the pool replaces containers that executions took.
    for round in 0..TERM_AT_REFILL {
        let (mut victim, addr) = spawn_serving();
        let pid = victim.id();
        for _ in 0..2 {
            let c = client.clone();
            let url = format!("http://{addr}/v1/execute");
            tokio::spawn(async move {
                let _ = c
                    .post(url)
                    .bearer_auth(TOKEN)
                    .json(&serde_json::json!({"code": "signal = 1"}))
                    .send()
                    .await;
            });
        }
        let at = delays.next(3000);
        tokio::time::sleep(at).await;
        signal(&victim, "TERM");
        wait_exit(&mut victim, "SIGTERM in refill");
        let left = containers_of(pid);
        assert!(
            left.is_empty(),
            "round {round}: SIGTERM {at:?} into the refill left {left:?}"
        );
    }

    // SIGKILL anywhere in start-up; the restarted runner's sweep removes what it left.
    for round in 0..KILL_ROUNDS {
        let mut victim = spawn_quiet();
        let pid = victim.id();
        let at = delays.next(6000);
        tokio::time::sleep(at).await;
        victim.kill().unwrap();
        victim.wait().unwrap();
        let (mut restarted, _) = spawn_serving();
        let left = containers_of(pid);
        assert!(
            left.is_empty(),
            "round {round}: after SIGKILL {at:?} into start-up, the restart left {left:?}"
        );
        signal(&restarted, "TERM");
        let status = wait_exit(&mut restarted, "SIGTERM after a restart");
        assert!(status.success(), "{status:?}");
        let left = containers_of(restarted.id());
        assert!(left.is_empty(), "the restarted runner left {left:?}");
    }

    // The runner beside them kept working: no sweep of theirs took one of its containers.
    bystander.stop.store(true, Ordering::Relaxed);
    for task in bystander.tasks {
        task.await.unwrap();
    }
    let failed = bystander.failed.lock().unwrap().clone();
    assert!(
        failed.is_empty(),
        "executions of the live runner failed: {failed:?}"
    );
    assert!(bystander.ok.load(Ordering::Relaxed) > 0);
    signal(&beside, "TERM");
    let status = wait_exit(&mut beside, "SIGTERM of the bystander");
    assert!(status.success(), "{status:?}");
    let left = containers_of(beside.id());
    assert!(left.is_empty(), "the bystander left {left:?}");
}

/// Containers (any state) the engine created for runner process `pid` between `since` (Unix
/// seconds) and now, removed ones included: the engine's event log keeps them.
fn created_by(pid: u32, since: u64) -> Vec<String> {
    let until = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 1;
    let out = Command::new("docker")
        .args([
            "events",
            "--since",
            &since.to_string(),
            "--until",
            &until.to_string(),
            "--filter",
            "type=container",
            "--filter",
            "event=create",
            "--filter",
            &format!("label=io.stockade.owner-pid={pid}"),
            "--format",
            "{{.Actor.ID}}",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "docker events failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(String::from)
        .collect()
}

/// A runner that cannot listen (the port is taken) says so and exits without ever having
/// created a container: its warm pool starts filling only once it is bound.
#[test]
fn a_taken_port_creates_no_container() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 1;
    let mut cmd = serve_on(&format!("127.0.0.1:{port}"));
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    let child = cmd.spawn().unwrap();
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success(), "the runner served on a taken port");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&port.to_string()), "{stderr}");
    // Let the engine finish any creation that was in flight when the process exited.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(created_by(pid, since), Vec::<String>::new());
    assert!(containers_of(pid).is_empty());
    drop(taken);
}
