//! `kill -9` of `stockade serve` with five executions in flight leaves their containers
//! behind; the next start sweeps every one of them.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "fault-token-kill9";

/// Starts the service with its metrics listener on `metrics_port`.
fn spawn_serve(metrics_port: u16) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stockade"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--pool-size",
            "2",
            "--metrics-port",
            &metrics_port.to_string(),
            "--security-log",
        ])
        .arg(std::env::temp_dir().join(format!("stockade-kill9-{}.log", std::process::id())))
        .env("STOCKADE_TOKEN", TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .rsplit("http://")
        .next()
        .unwrap()
        .trim_end_matches('/')
        .to_string();
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_runner_leaves_nothing_after_restart() {
    let metrics_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (mut first, addr) = spawn_serve(metrics_port);
    let pid = first.id();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    // Five streaming executions; each tells us once its code is running.
    let (running_tx, mut running_rx) = tokio::sync::mpsc::channel::<()>(5);
    let mut inflight = Vec::new();
    for _ in 0..5 {
        let (c, running) = (client.clone(), running_tx.clone());
        let url = format!("http://{addr}/v1/execute/stream");
        inflight.push(tokio::spawn(async move {
            let code = "import time\nprint('code-is-running', flush=True)\ntime.sleep(120)";
            let mut resp = c
                .post(url)
                .bearer_auth(TOKEN)
                .json(&serde_json::json!({ "code": code }))
                .send()
                .await?;
            let mut seen = Vec::new();
            // Read until the killed runner cuts the stream; only an error ends it early.
            while let Some(chunk) = resp.chunk().await? {
                seen.extend_from_slice(&chunk);
                if seen.windows(15).any(|w| w == b"code-is-running") {
                    let _ = running.try_send(());
                    seen.clear();
                }
            }
            Ok::<_, reqwest::Error>(String::from_utf8_lossy(&seen).into_owned())
        }));
    }
    drop(running_tx);
    for n in 0..5 {
        tokio::time::timeout(Duration::from_secs(90), running_rx.recv())
            .await
            .unwrap_or_else(|_| panic!("only {n} of 5 executions started"))
            .expect("an execution ended before its code ran");
    }
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
    let (mut second, _addr) = spawn_serve(metrics_port);
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
