//! The `stockade serve` process under signals. `kill -9` with five executions in flight leaves
//! their containers behind, and the next start sweeps every one of them; SIGTERM lets a short
//! run finish, cancels a long one, removes every container and exits 0.
#![allow(clippy::unwrap_used)]

mod serve_process;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "fault-token-kill9-0123456789abcdef0123";

/// Starts the service with its metrics listener on `metrics_port` (0: none) and `extra`
/// arguments.
fn spawn_serve(metrics_port: u16, extra: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stockade"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--pool-size",
            "2",
            "--metrics-port",
            &metrics_port.to_string(),
        ])
        .args(extra)
        .arg("--security-log")
        .arg(std::env::temp_dir().join(format!("stockade-signals-{}.log", std::process::id())))
        .env("STOCKADE_TOKEN", TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let addr = serve_process::read_address(&mut child);
    (child, addr)
}

/// Containers made by runner process `pid`: all of them, or only the running ones.
fn containers_of(pid: u32, running_only: bool) -> Vec<String> {
    let owner = format!("label=io.stockade.owner-pid={pid}");
    let mut args = vec!["ps", "-q", "--filter", &owner];
    if !running_only {
        args.push("-a");
    }
    let out = Command::new("docker").args(&args).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(String::from)
        .collect()
}

/// Marker the executions print once their code runs.
const RUNNING: &[u8] = b"code-is-running";

/// Streams an execution of `code`, which must print [`RUNNING`] first; sends on `running` when
/// that arrives, and returns the whole event stream once it ends.
fn stream_execution(
    client: &reqwest::Client,
    addr: &str,
    code: &'static str,
    running: tokio::sync::mpsc::Sender<()>,
) -> tokio::task::JoinHandle<Result<String, reqwest::Error>> {
    let c = client.clone();
    let url = format!("http://{addr}/v1/execute/stream");
    tokio::spawn(async move {
        let mut resp = c
            .post(url)
            .bearer_auth(TOKEN)
            .json(&serde_json::json!({ "code": code }))
            .send()
            .await?;
        let mut seen = Vec::new();
        let mut told = false;
        while let Some(chunk) = resp.chunk().await? {
            seen.extend_from_slice(&chunk);
            if !told && seen.windows(RUNNING.len()).any(|w| w == RUNNING) {
                told = true;
                let _ = running.try_send(());
            }
        }
        Ok(String::from_utf8_lossy(&seen).into_owned())
    })
}

/// Waits until `n` executions have said their code runs.
async fn wait_running(rx: &mut tokio::sync::mpsc::Receiver<()>, n: usize) {
    for i in 0..n {
        tokio::time::timeout(Duration::from_secs(90), rx.recv())
            .await
            .unwrap_or_else(|_| panic!("only {i} of {n} executions started"))
            .expect("an execution ended before its code ran");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_runner_leaves_nothing_after_restart() {
    let metrics_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (mut first, addr) = spawn_serve(metrics_port, &[]);
    let pid = first.id();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    // Five streaming executions; each tells us once its code is running.
    let (running_tx, mut running_rx) = tokio::sync::mpsc::channel::<()>(5);
    let inflight: Vec<_> = (0..5)
        .map(|_| {
            stream_execution(
                &client,
                &addr,
                "import time\nprint('code-is-running', flush=True)\ntime.sleep(120)",
                running_tx.clone(),
            )
        })
        .collect();
    wait_running(&mut running_rx, 5).await;
    // Five executing containers plus the warm pool.
    let deadline = Instant::now() + Duration::from_secs(60);
    while containers_of(pid, true).len() < 7 {
        assert!(
            Instant::now() < deadline,
            "the pool did not refill: {:?}",
            containers_of(pid, false)
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    first.kill().unwrap(); // SIGKILL: no shutdown code runs
    first.wait().unwrap();
    for r in inflight {
        let ended = r.await.unwrap();
        assert!(
            ended.is_err(),
            "a stream ended cleanly from a killed process: {ended:?}"
        );
    }
    let left = containers_of(pid, false);
    assert!(
        left.len() >= 7,
        "the kill should have orphaned the containers: {left:?}"
    );

    // The restarted runner gets the killed one's metrics port back.
    let (mut second, _addr) = spawn_serve(metrics_port, &[]);
    let metrics = client
        .get(format!("http://127.0.0.1:{metrics_port}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), 200);
    assert!(metrics
        .text()
        .await
        .unwrap()
        .contains("docker_container_created_total"));
    // Start-up sweeps before it serves: by the time the URL is printed they are gone.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !containers_of(pid, false).is_empty() {
        assert!(
            Instant::now() < deadline,
            "orphans survived the restart: {:?}",
            containers_of(pid, false)
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // And the new runner shuts down cleanly on SIGTERM, removing its own pool.
    let new_pid = second.id();
    Command::new("kill")
        .args(["-TERM", &new_pid.to_string()])
        .status()
        .unwrap();
    let status = second.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(
        containers_of(new_pid, false).is_empty(),
        "{:?}",
        containers_of(new_pid, false)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_short_runs_cancels_long_ones_and_removes_everything() {
    let (mut serve, addr) = spawn_serve(0, &["--shutdown-grace", "4"]);
    let pid = serve.id();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let (running_tx, mut running_rx) = tokio::sync::mpsc::channel::<()>(2);
    let short = stream_execution(
        &client,
        &addr,
        "import time\nprint('code-is-running', flush=True)\ntime.sleep(1.5)\nsignal = 7",
        running_tx.clone(),
    );
    let long = stream_execution(
        &client,
        &addr,
        "import time\nprint('code-is-running', flush=True)\ntime.sleep(120)",
        running_tx,
    );
    wait_running(&mut running_rx, 2).await;

    Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    // No new work once the signal is in: the listener is closed or the answer is 503.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let late = client
        .post(format!("http://{addr}/v1/execute"))
        .bearer_auth(TOKEN)
        .json(&serde_json::json!({"code": "signal = 1"}))
        .send()
        .await;
    if let Ok(resp) = late {
        assert_eq!(resp.status(), 503, "a request was taken during shutdown");
    }

    // The short run finishes inside the grace period with its result.
    let short = short.await.unwrap().expect("the short run's stream");
    assert!(short.contains("event:result"), "{short}");
    assert!(short.contains("\"signal\":7"), "{short}");
    assert!(short.contains("\"success\":true"), "{short}");
    // The long one is cancelled after it, with a JSON error event, not a cut connection.
    let long = long.await.unwrap().expect("the long run's stream");
    assert!(long.contains("event:error"), "{long}");
    assert!(long.contains("shutting_down"), "{long}");

    let status = serve.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(
        containers_of(pid, false).is_empty(),
        "containers left after SIGTERM: {:?}",
        containers_of(pid, false)
    );
}
