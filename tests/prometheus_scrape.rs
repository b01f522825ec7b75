//! Prometheus against the real service: the shipped rules and config pass promtool, the
//! dashboard only queries metrics the service exports, and a real Prometheus server scraping
//! a running service sees the executions it served.
#![allow(clippy::unwrap_used)]

mod server_support;

use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};
use server_support::{client, post_json, start};
use stockade_runner::metrics::SPEC_METRICS;

fn ensure_prometheus() {
    if Command::new("promtool").arg("--version").output().is_err() {
        let ok = Command::new("sh")
            .arg("scripts/setup-prometheus.sh")
            .status()
            .unwrap();
        assert!(ok.success(), "scripts/setup-prometheus.sh failed");
    }
}

#[test]
fn shipped_rules_and_config_pass_promtool() {
    ensure_prometheus();
    for args in [
        ["check", "rules", "config/prometheus/alerts.yml"],
        ["check", "config", "config/prometheus/prometheus.yml"],
        // The queue-mode alerts fire (and stay quiet) on the series the tests feed them.
        ["test", "rules", "config/prometheus/alerts_test.yml"],
    ] {
        let out = Command::new("promtool").args(args).output().unwrap();
        assert!(
            out.status.success(),
            "promtool {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The orphan alert uses the configured threshold.
    let alerts = std::fs::read_to_string("config/prometheus/alerts.yml").unwrap();
    let config = std::fs::read_to_string("config/docker_config.yaml").unwrap();
    let threshold = config
        .lines()
        .find_map(|l| l.trim().strip_prefix("alert_on_orphaned_containers:"))
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| "3".into());
    assert!(alerts.contains(&format!("docker_orphaned_containers > {threshold}")));
}

#[test]
fn the_dashboard_queries_only_exported_metrics() {
    let dash: Value =
        serde_json::from_str(&std::fs::read_to_string("config/grafana/stockade.json").unwrap())
            .unwrap();
    let m = stockade_runner::metrics::Metrics::new();
    m.runtime_violations_total
        .with_label_values(&["cpu_spike"])
        .inc();
    m.resource_limit_exceeded_total
        .with_label_values(&["memory"])
        .inc();
    m.container_memory_usage_mb
        .with_label_values(&["x"])
        .set(1.0);
    m.container_cpu_percent.with_label_values(&["x"]).set(1.0);
    m.http_requests_total
        .with_label_values(&["/", "GET", "200"])
        .inc();
    // Queue mode's series, as `serve --queue` and a worker register them.
    m.queue();
    m.worker().start("w", 2);
    let exported = m.render();
    let panels = dash["panels"].as_array().unwrap();
    let titles: Vec<&str> = panels
        .iter()
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    for wanted in [
        "lifecycle",
        "rejection",
        "heatmap",
        "violations",
        "orphaned",
        "job queue",
        "worker throughput",
        "busy slots",
        "live workers",
    ] {
        assert!(
            panels.iter().any(|p| {
                let t = p["title"].as_str().unwrap().to_lowercase();
                t.contains(wanted) || p["type"] == wanted
            }),
            "no {wanted} panel in {titles:?}"
        );
    }
    let mut n = 0;
    for p in panels {
        for t in p["targets"].as_array().unwrap() {
            let expr = t["expr"].as_str().unwrap();
            for name in expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                if name.starts_with("docker_") || name.starts_with("stockade_") {
                    let base = name.trim_end_matches("_bucket");
                    assert!(
                        exported.contains(&format!("# TYPE {base} ")),
                        "{name} is not exported"
                    );
                    n += 1;
                }
            }
        }
    }
    assert!(n >= 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_runner_exports_every_spec_metric_from_the_first_scrape() {
    let s = start("docker:\n  pool_size: 0\n", |_| {}).await;
    let text = client()
        .get(s.url("/metrics"))
        .bearer_auth(server_support::TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for name in SPEC_METRICS {
        assert!(
            text.contains(&format!("# TYPE {name} ")),
            "{name} not described"
        );
        // Labelled by container id, these have a series per running execution only.
        if name == "docker_container_memory_usage_mb" || name == "docker_container_cpu_percent" {
            continue;
        }
        assert!(
            text.lines().any(|l| !l.starts_with('#')
                && l.strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with([' ', '{', '_']))),
            "{name} has no series in a fresh scrape:\n{text}"
        );
    }
    for rule in ["cpu_spike", "memory_spike", "fork_bomb", "combined_anomaly"] {
        assert!(text.contains(&format!(
            "docker_runtime_violations_total{{rule=\"{rule}\"}}"
        )));
    }
    for kind in ["memory", "result_size", "output"] {
        assert!(text.contains(&format!(
            "docker_resource_limit_exceeded_total{{kind=\"{kind}\"}}"
        )));
    }
    s.stop().await;
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn query(prom: &str, q: &str) -> Option<f64> {
    let v: Value = client()
        .get(format!("{prom}/api/v1/query"))
        .query(&[("query", q)])
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    v["data"]["result"][0]["value"][1].as_str()?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_prometheus_scrapes_the_service() {
    ensure_prometheus();
    let s = start("docker:\n  pool_size: 1\n", |c| {
        c.metrics_listen = Some("127.0.0.1:0".parse().unwrap())
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    // The metrics-only listener, as config/prometheus/prometheus.yml scrapes it.
    let config = format!(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: stockade\n    static_configs:\n      - targets: [\"{}\"]\n",
        s.metrics_addr.unwrap()
    );
    std::fs::write(dir.path().join("prometheus.yml"), config).unwrap();
    let mut prom = Command::new("prometheus")
        .arg(format!(
            "--config.file={}",
            dir.path().join("prometheus.yml").display()
        ))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");

    for i in 0..3 {
        let r: Value = post_json(
            &s.url("/v1/execute"),
            json!({"code": format!("signal = {i}")}),
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(r["success"], true);
    }
    let resp = post_json(&s.url("/v1/execute"), json!({"code": "def (:"})).await;
    assert_eq!(resp.status(), 422);

    // Prometheus must see the service up and the counters the executions moved.
    let mut seen = (None, None, None, None);
    for _ in 0..60 {
        seen = (
            query(&base, "up{job=\"stockade\"}").await,
            query(&base, "docker_container_created_total").await,
            query(&base, "docker_security_rejections_total").await,
            query(
                &base,
                "sum(stockade_http_requests_total{route=\"/v1/execute\",status=\"200\"})",
            )
            .await,
        );
        if seen.0 == Some(1.0)
            && seen.1.is_some_and(|v| v >= 3.0)
            && seen.2.is_some_and(|v| v >= 1.0)
            && seen.3.is_some_and(|v| v >= 3.0)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let _ = prom.kill();
    let _ = prom.wait();
    assert_eq!(seen.0, Some(1.0), "target not up: {seen:?}");
    assert!(seen.1.is_some_and(|v| v >= 3.0), "{seen:?}");
    assert!(seen.2.is_some_and(|v| v >= 1.0), "{seen:?}");
    assert!(seen.3.is_some_and(|v| v >= 3.0), "{seen:?}");
    s.stop().await;
}
