//! A runner killed with SIGKILL leaves its containers running; a live runner's periodic orphan
//! scan removes them, without any runner restarting. (Alone in its binary: no other runner may
//! start here and sweep them at its start-up instead.)
#![allow(clippy::unwrap_used)]

mod serve_process;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "fault-token-orphan-scan-0123456789abcdef";

/// Starts a runner with a warm pool of two and waits until it serves.
fn spawn_serve() -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stockade"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--pool-size",
            "2",
            "--metrics-port",
            "0",
        ])
        .arg("--security-log")
        .arg(std::env::temp_dir().join(format!("stockade-scan-{}.log", std::process::id())))
        .env("STOCKADE_TOKEN", TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    assert!(
        !serve_process::read_address(&mut child).is_empty(),
        "the runner did not start"
    );
    child
}

/// Containers (any state) made by runner process `pid`.
fn containers_of(pid: u32) -> Vec<String> {
    let out = Command::new("docker")
        .args([
            "ps",
            "-aq",
            "--filter",
            &format!("label=io.stockade.owner-pid={pid}"),
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(String::from)
        .collect()
}

/// Waits (bounded) until `pid` has `n` containers.
fn wait_for(pid: u32, n: usize, within: Duration, what: &str) {
    let deadline = Instant::now() + within;
    while containers_of(pid).len() != n {
        assert!(
            Instant::now() < deadline,
            "{what}: {:?}",
            containers_of(pid)
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn a_live_runners_periodic_scan_removes_a_killed_runners_containers() {
    let mut survivor = spawn_serve();
    let mut killed = spawn_serve();
    let killed_pid = killed.id();
    wait_for(
        killed_pid,
        2,
        Duration::from_secs(60),
        "the pool never filled",
    );
    killed.kill().unwrap(); // SIGKILL: its containers stay, running
    killed.wait().unwrap();
    // The scan runs every 30 s (ServerConfig's default); two periods are enough.
    wait_for(
        killed_pid,
        0,
        Duration::from_secs(75),
        "the live runner's scan left the killed runner's containers",
    );
    // The live runner's own warm containers are untouched.
    assert_eq!(containers_of(survivor.id()).len(), 2);
    Command::new("kill")
        .args(["-TERM", &survivor.id().to_string()])
        .status()
        .unwrap();
    assert!(survivor.wait().unwrap().success());
    assert!(containers_of(survivor.id()).is_empty());
}
