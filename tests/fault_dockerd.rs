//! The engine going away mid-run. This machine's main dockerd is shared, so the test runs a
//! second dockerd of its own (own socket, data-root, exec-root, pidfile; no bridge, no
//! iptables), loads the sandbox image into it from the main engine, points a `stockade serve`
//! at it, and stops and restarts that engine: requests get clear errors, the runner stays up,
//! /readyz fails, and it recovers when the engine returns.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const TOKEN: &str = "fault-token-dockerd-0123456789abcdef01";

struct Engine {
    dir: PathBuf,
    child: Option<Child>,
}

impl Engine {
    fn socket(&self) -> String {
        format!("unix://{}", self.dir.join("docker.sock").display())
    }

    fn start(&mut self) {
        let d = &self.dir;
        let log = std::fs::File::create(d.join("dockerd.log")).unwrap();
        let child = Command::new("dockerd")
            .arg(format!("--host={}", self.socket()))
            .arg(format!("--data-root={}", d.join("root").display()))
            .arg(format!("--exec-root={}", d.join("exec").display()))
            .arg(format!("--pidfile={}", d.join("docker.pid").display()))
            .args(["--bridge=none", "--iptables=false", "--ip-masq=false"])
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("dockerd (apt-get install docker.io)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self.docker(&["info"]).status.success() {
            assert!(Instant::now() < deadline, "second dockerd did not start");
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status()
                .unwrap();
            let deadline = Instant::now() + Duration::from_secs(30);
            while child.try_wait().unwrap().is_none() {
                if Instant::now() > deadline {
                    let _ = child.kill();
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    }

    fn docker(&self, args: &[&str]) -> std::process::Output {
        Command::new("docker")
            .env("DOCKER_HOST", self.socket())
            .args(args)
            .output()
            .unwrap()
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.stop();
        // Kept after a failure: dockerd.log and serve.log say why.
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn load_image(engine: &Engine, image: &str) {
    let mut save = Command::new("docker")
        .args(["save", image])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let load = Command::new("docker")
        .env("DOCKER_HOST", engine.socket())
        .arg("load")
        .stdin(save.stdout.take().unwrap())
        .output()
        .unwrap();
    assert!(save.wait().unwrap().success(), "docker save {image}");
    assert!(
        load.status.success(),
        "docker load: {}",
        String::from_utf8_lossy(&load.stderr)
    );
}

fn spawn_serve(engine: &Engine, log: &Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stockade"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--pool-size",
            "1",
            "--metrics-port",
            "0",
            "--security-log",
        ])
        .arg(log)
        .env("DOCKER_HOST", engine.socket())
        .env("STOCKADE_TOKEN", TOKEN)
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(engine.dir.join("serve.log")).unwrap())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line.trim().rsplit("http://").next().unwrap().to_string();
    (child, addr)
}

async fn wait_status(c: &reqwest::Client, url: &str, want: u16, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        if let Ok(r) = c.get(url).send().await {
            if r.status() == want {
                return;
            }
        }
        assert!(Instant::now() < deadline, "{url} never answered {want}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runner_survives_the_engine_going_away() {
    let mut engine = Engine {
        dir: tempfile::Builder::new()
            .prefix("stockade-dockerd-")
            .tempdir()
            .unwrap()
            .keep(),
        child: None,
    };
    engine.start();
    load_image(&engine, "stockade-sandbox:latest");
    let (mut serve, addr) = spawn_serve(&engine, &engine.dir.join("security.log"));
    let c = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = |p: &str| format!("http://{addr}{p}");
    let exec = |code: &'static str| {
        let c = c.clone();
        let u = url("/v1/execute");
        async move {
            c.post(u)
                .bearer_auth(TOKEN)
                .json(&json!({"code": code}))
                .send()
                .await
                .unwrap()
        }
    };
    wait_status(&c, &url("/readyz"), 200, Duration::from_secs(120)).await;
    let r: Value = exec("signal = 1").await.json().await.unwrap();
    assert_eq!(r["success"], true, "{r}");

    // Stop the engine while an execution runs.
    let inflight = tokio::spawn(exec("import time\ntime.sleep(30)"));
    tokio::time::sleep(Duration::from_secs(3)).await;
    engine.stop();
    let resp = inflight.await.unwrap();
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap();
    match status {
        200 => {
            assert_eq!(body["success"], false, "{body}");
            assert!(
                body["error"].as_str().is_some_and(|e| !e.is_empty()),
                "{body}"
            );
        }
        _ => assert!(body["error"]["code"].is_string(), "{status} {body}"),
    }

    // While it is down: clear errors, the process stays up, not ready.
    for _ in 0..3 {
        let resp = exec("signal = 1").await;
        assert_eq!(resp.status(), 503);
        assert!(resp.headers().contains_key("retry-after"));
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["error"]["code"], "engine_unavailable", "{v}");
        assert!(
            !v["error"]["message"].as_str().unwrap().contains("sock"),
            "leaks internals: {v}"
        );
    }
    assert_eq!(c.get(url("/healthz")).send().await.unwrap().status(), 200);
    let ready = c.get(url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    let ready: Value = ready.json().await.unwrap();
    assert_eq!(ready["checks"]["engine"], false);
    assert!(serve.try_wait().unwrap().is_none(), "the runner exited");

    // The engine returns: ready again, and executions work.
    engine.start();
    wait_status(&c, &url("/readyz"), 200, Duration::from_secs(90)).await;
    let r: Value = exec("signal = 2").await.json().await.unwrap();
    assert_eq!(r["success"], true, "{r}");
    assert_eq!(r["signal"], 2);

    Command::new("kill")
        .args(["-TERM", &serve.id().to_string()])
        .status()
        .unwrap();
    assert!(serve.wait().unwrap().success());
    let left = engine.docker(&[
        "ps",
        "-aq",
        "--filter",
        "label=io.stockade.managed-by=stockade",
    ]);
    let left = String::from_utf8_lossy(&left.stdout).trim().to_string();
    assert!(
        left.is_empty(),
        "containers left on the second engine: {left}"
    );
}
