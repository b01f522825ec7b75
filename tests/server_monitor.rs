//! The runtime monitor on real containers: sustained CPU against the container's own quota,
//! too many threads, and memory near the limit are killed with the rule and figures named.
#![allow(clippy::unwrap_used)]

mod server_support;

use serde_json::{json, Value};
use server_support::{post_json, start};

const CONFIG: &str = "
docker:
  pool_size: 0
  # A tenth of a core: what even a heavily loaded 2-core machine still gives one runnable
  # thread, so a busy loop really holds its whole quota and the rule has something to judge.
  cpu_limit: 0.1
  runtime_monitor_enabled: true
  runtime_monitor_interval: 1
monitoring:
  policy:
    max_cpu_percent: 50
    cpu_window_seconds: 3
    max_memory_percent: 70
    memory_window_seconds: 2
    fork_bomb_pids: 40
    combined_percent: 99
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_violations_kill_the_container_and_say_why() {
    // The thread bomb below needs `threading`, which validation rejects: the monitor is the
    // layer that must stop it when validation is off.
    let s = start(CONFIG, |c| c.allow_unvalidated = true).await;
    let m = s.state.metrics;

    // A busy loop uses all of its quota (the threshold is relative to the quota, and the
    // quota is small enough for a loaded machine to deliver).
    let cpu_before = m.cpu_spike_kills_total.get();
    let r: Value = post_json(
        &s.url("/v1/execute"),
        json!({"code": "while True:\n    pass\n", "timeout_seconds": 60}),
    )
    .await
    .json()
    .await
    .unwrap();
    let reason = r["killed_reason"].as_str().unwrap_or_default();
    assert!(reason.starts_with("cpu_spike: "), "{r}");
    assert!(
        reason.contains("of quota") && reason.contains("(limit 50% for 3 s)"),
        "{reason}"
    );
    assert_eq!(r["success"], false);
    assert_eq!(r["timed_out"], false);
    assert_eq!(m.cpu_spike_kills_total.get(), cpu_before + 1);

    // Threads count as processes: a thread bomb trips the fork-bomb rule.
    let fork_before = m.fork_bomb_kills_total.get();
    let code = "import threading, time\nfor _ in range(60):\n    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()\ntime.sleep(60)\n";
    let r: Value = post_json(
        &s.url("/v1/execute"),
        json!({"code": code, "timeout_seconds": 60, "validate": false}),
    )
    .await
    .json()
    .await
    .unwrap();
    let reason = r["killed_reason"].as_str().unwrap_or_default();
    assert!(reason.starts_with("fork_bomb: "), "{r}");
    assert!(reason.ends_with("(limit 40)"), "{reason}");
    assert_eq!(m.fork_bomb_kills_total.get(), fork_before + 1);

    // Memory held above 70 % of a 256 MiB limit.
    let mem_before = m.memory_spike_kills_total.get();
    // Allocated in steps with pauses, so the CPU it takes never looks like a CPU spike
    // however slowly a loaded machine zero-fills the pages.
    let code = "import time\nblocks = []\nfor _ in range(10):\n    blocks.append(bytearray(20 * 1024 * 1024))\n    time.sleep(0.5)\ntime.sleep(60)\n";
    let r: Value = post_json(
        &s.url("/v1/execute"),
        json!({"code": code, "memory_mb": 256, "timeout_seconds": 60}),
    )
    .await
    .json()
    .await
    .unwrap();
    let reason = r["killed_reason"].as_str().unwrap_or_default();
    assert!(reason.starts_with("memory_spike: "), "{r}");
    assert_eq!(m.memory_spike_kills_total.get(), mem_before + 1);

    assert!(
        m.runtime_violations_total
            .with_label_values(&["cpu_spike"])
            .get()
            >= 1
    );
    let log = s.security_log();
    for rule in ["cpu_spike", "fork_bomb", "memory_spike"] {
        assert!(
            log.lines()
                .any(|l| l.contains("\"event\":\"policy_violation\"")
                    && l.contains(&format!("\"rule\":\"{rule}\""))),
            "{rule} not in the security log:\n{log}"
        );
    }
    s.wait_containers_at_most(0, std::time::Duration::from_secs(60))
        .await;
    s.stop().await;
}

/// A cold container's start-up (the interpreter, the harness, numpy and pandas imported under
/// a small CPU quota) is not the code's doing: the monitor judges only what runs after the
/// harness has the request. Under a fifth of a core those imports keep the quota busy for
/// several seconds, longer than this policy's window.
const COLD_START: &str = "
docker:
  pool_size: 0
  cpu_limit: 0.2
  runtime_monitor_enabled: true
  runtime_monitor_interval: 1
monitoring:
  policy:
    max_cpu_percent: 50
    cpu_window_seconds: 2
    max_memory_percent: 95
    memory_window_seconds: 10
    fork_bomb_pids: 40
    combined_percent: 99
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cold_start_is_not_judged_as_the_codes_cpu() {
    // The result says whether the monitor killed it; the kill counters are process-wide and
    // the other test of this binary, running beside this one, moves them.
    let s = start(COLD_START, |_| {}).await;
    let code =
        "import numpy as np\nimport pandas as pd\nsignal = int(pd.Series(np.arange(3)).sum())\n";
    let r: Value = post_json(
        &s.url("/v1/execute"),
        json!({"code": code, "timeout_seconds": 120}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(r["success"], true, "{r}");
    assert_eq!(r["signal"], 3, "{r}");
    assert!(r["killed_reason"].is_null(), "{r}");
    s.wait_containers_at_most(0, std::time::Duration::from_secs(60))
        .await;
    s.stop().await;
}
