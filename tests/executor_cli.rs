//! `stockade run` and `stockade doctor` end to end, against the real engine and image.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn stockade(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stockade"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run stockade")
}

/// Whether the engine no longer knows container `id`.
fn container_gone(id: &str) -> bool {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let docker = stockade_runner::executor::connect_docker()
            .await
            .expect("engine");
        stockade_runner::cleanup::confirm_gone(&docker, id).await
    })
}

fn script(name: &str, code: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stockade-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, code).expect("write script");
    path
}

#[test]
fn run_json_prints_the_result_object() {
    let file = script("ok.py", "print('out')\nsignal = {'a': [1, 2.5, None]}\n");
    let out = stockade(&["run", "--json", file.to_str().expect("utf-8 path")]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON result");
    assert_eq!(v["success"], true);
    assert_eq!(v["signal"], serde_json::json!({"a": [1, 2.5, null]}));
    assert_eq!(v["stdout"], "out\n");
    // The result is printed before the container's removal is over (so its outcome is not
    // in it); the command exits only once the container is gone.
    assert_eq!(v["cleanup_success"], Value::Null);
    let id = v["container_id"].as_str().expect("container id");
    assert!(container_gone(id), "container {id} is still there");
    assert_eq!(v["runtime"], "runc");
    for key in [
        "execution_time",
        "container_id",
        "validated",
        "logs",
        "exit_code",
        "image",
        "timed_out",
        "oom_killed",
        "memory_peak_mb",
        "findings",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
}

#[test]
fn run_text_reports_failures_with_exit_code_1() {
    let file = script("fail.py", "import time\ntime.sleep(30)\n");
    let out = stockade(&[
        "run",
        "--timeout",
        "1",
        "--runtime",
        "runc",
        file.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error: Container execution timeout exceeded (1s)"),
        "{stderr}"
    );
    assert!(stderr.contains("[timed out]"), "{stderr}");
}

/// `stockade run` is under the runtime monitor too, not only the HTTP API: a busy loop over
/// the policy's CPU threshold is killed with the rule named, long before its timeout.
#[test]
fn run_is_under_the_runtime_monitor() {
    // A tenth of a core: what even a heavily loaded 2-core machine still gives one runnable
    // thread, so the loop really holds its whole quota.
    let config = script(
        "monitor.yaml",
        "docker:\n  cpu_limit: 0.1\n  runtime_monitor_enabled: true\n  runtime_monitor_interval: 1\n\
         monitoring:\n  policy:\n    max_cpu_percent: 50\n    cpu_window_seconds: 3\n",
    );
    let file = script("spin.py", "while True:\n    pass\n");
    let out = stockade(&[
        "run",
        "--json",
        "--timeout",
        "120",
        "--config",
        config.to_str().expect("utf-8 path"),
        file.to_str().expect("utf-8 path"),
    ]);
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let reason = v["killed_reason"].as_str().unwrap_or_default();
    assert!(reason.starts_with("cpu_spike: "), "{v}");
    assert_eq!(v["timed_out"], false, "{v}");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn run_rejects_bad_flags_with_exit_code_2() {
    let file = script("any.py", "signal = 1\n");
    let out = stockade(&[
        "run",
        "--memory",
        "lots",
        file.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--memory: \"lots\" is not a size"));
    // Over the ceiling: refused before running, so also exit 2.
    let out = stockade(&["run", "--memory", "64g", file.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("max_memory_limit"));
}

#[test]
fn doctor_passes_on_a_working_machine() {
    let out = stockade(&["doctor"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    for line in [
        "✓ Docker engine",
        "✓ sandbox image",
        "✓ runtime runc",
        "✓ memory limit enforced (runc)",
        "all checks passed",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in\n{stdout}");
    }
    assert!(!stdout.contains('✗'), "{stdout}");
}
