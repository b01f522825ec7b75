//! Shared by the server, Prometheus and fault tests: an in-process `stockade serve` on a
//! loopback port, backed by the real executor and Docker engine.
#![allow(dead_code)] // each test binary uses a different part of it
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use stockade_runner::config::SandboxConfig;
use stockade_runner::executor::Executor;
use stockade_runner::seclog::SecurityLog;
use stockade_runner::server::{self, AppState, ServerConfig};

pub const TOKEN: &str = "test-token-0123456789abcdef-0123456789abcdef";

pub struct TestServer {
    pub addr: SocketAddr,
    pub state: Arc<AppState>,
    /// The metrics-only listener, when the test configured one.
    pub metrics_addr: Option<std::net::SocketAddr>,
    pub seclog: PathBuf,
    pub dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// Starts a server with the sandbox config `yaml` (empty: defaults) and `tweak`ed settings.
pub async fn start(yaml: &str, tweak: impl FnOnce(&mut ServerConfig)) -> TestServer {
    let sandbox = SandboxConfig::from_yaml_str(yaml).expect("test config");
    let executor = Executor::connect(sandbox)
        .await
        .expect("Docker engine and sandbox image");
    let dir = tempfile::tempdir().unwrap();
    let seclog = dir.path().join("security.log");
    let mut config = ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        token: TOKEN.into(),
        web_dir: dir.path().join("no-editor"),
        ..ServerConfig::default()
    };
    tweak(&mut config);
    let state = AppState::new(
        config,
        executor,
        SecurityLog::open(&seclog, 1 << 20, 2).unwrap(),
    )
    .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel();
    let (bound, service) = server::bind(state.clone(), async move {
        let _ = stopped.await;
    })
    .unwrap();
    let addr = bound.api;
    let task = tokio::spawn(service);
    TestServer {
        addr,
        metrics_addr: bound.metrics,
        state,
        seclog,
        dir,
        stop: Some(stop),
        task: Some(task),
    }
}

impl TestServer {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Stops the server (graceful shutdown, containers removed).
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    pub fn security_log(&self) -> String {
        std::fs::read_to_string(&self.seclog).unwrap_or_default()
    }

    /// Ids of this server's containers still on the engine.
    pub async fn containers(&self) -> Vec<String> {
        let me = self.state.executor.instance_id().to_string();
        self.state
            .executor
            .list_managed()
            .await
            .unwrap()
            .into_iter()
            .filter(|c| c.instance == me)
            .map(|c| c.id)
            .collect()
    }

    /// Waits until only `keep` of this server's containers remain (warm pool), or panics.
    pub async fn wait_containers_at_most(&self, keep: usize, within: Duration) {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = self.containers().await;
            if left.len() <= keep {
                return;
            }
            if tokio::time::Instant::now() > deadline {
                panic!("containers left behind: {left:?}");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

pub async fn post_json(url: &str, body: serde_json::Value) -> reqwest::Response {
    client()
        .post(url)
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// Reads a `text/event-stream` response to its end: (event, data) pairs.
pub async fn read_sse(resp: reqwest::Response) -> Vec<(String, serde_json::Value)> {
    let text = resp.text().await.unwrap();
    parse_sse(&text)
}

pub fn parse_sse(text: &str) -> Vec<(String, serde_json::Value)> {
    text.split("\n\n")
        .filter_map(|block| {
            let mut event = None;
            let mut data = String::new();
            for line in block.lines() {
                if let Some(e) = line.strip_prefix("event:") {
                    event = Some(e.trim().to_string());
                } else if let Some(d) = line.strip_prefix("data:") {
                    data.push_str(d);
                }
            }
            Some((event?, serde_json::from_str(&data).ok()?))
        })
        .collect()
}
