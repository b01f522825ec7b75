//! Executor behaviour against the real engine: pre-flight refusal, results, strategy mode,
//! request bounds, cancel-safety, orphan sweeps after a killed CLI, and the benign corpus.

mod executor_common;

use std::process::{Command, Stdio};
use std::time::Duration;

use executor_common::{containers_with_label, executor, request_id, root, test_config};
use serde_json::Value;
use stockade_runner::cleanup::{LABEL_MANAGED_BY, LABEL_REQUEST_ID, MANAGED_BY};
use stockade_runner::config::Runtime;
use stockade_runner::executor::{CleanupHook, ExecEvent, ExecOptions, Executor};

#[tokio::test]
async fn rejected_code_never_reaches_a_container() {
    let executor = executor().await;
    let id = request_id("rejected");
    let r = executor
        .execute(
            // Rejected by any policy: it does not parse.
            "def broken(:\n    open('/tmp/x', 'w')\n",
            ExecOptions {
                request_id: Some(id.clone()),
                ..Default::default()
            },
        )
        .await;
    assert!(!r.success && r.validated);
    let error = r.error.as_deref().unwrap_or_default();
    assert!(error.starts_with("Security validation failed: "), "{error}");
    assert!(r.container_id.is_none() && r.cleanup_success == Some(true));
    assert!(!r.findings.is_empty());
    assert!(
        containers_with_label(executor.docker(), LABEL_REQUEST_ID, &id)
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn result_carries_signal_output_and_provenance() {
    let executor = executor().await;
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let r = executor
        .execute(
            "import pandas as pd\nprint('hello')\nsignal = pd.Series([1.5, 2.5], name='s')\n",
            ExecOptions {
                events: Some(tx),
                ..Default::default()
            },
        )
        .await;
    assert!(r.success, "{r:?}");
    assert_eq!(r.signal["__type__"], "series");
    assert_eq!(r.signal["data"], serde_json::json!([1.5, 2.5]));
    assert_eq!(r.stdout, "hello\n");
    assert_eq!(r.exit_code, Some(0));
    assert!(r.cleanup_success == Some(true) && r.validated);
    assert_eq!(r.image.as_deref(), Some(executor.image_id()));
    assert!(r.image.as_deref().is_some_and(|i| i.starts_with("sha256:")));
    assert!(
        r.memory_peak_mb.is_some_and(|m| m > 1.0),
        "{:?}",
        r.memory_peak_mb
    );
    let mut streamed = Vec::new();
    let mut started = false;
    while let Ok(event) = rx.try_recv() {
        match event {
            ExecEvent::Started { container_id } => {
                started = Some(container_id) == r.container_id;
            }
            ExecEvent::Stdout(bytes) => streamed.extend(bytes),
            _ => {}
        }
    }
    assert!(started);
    assert_eq!(
        String::from_utf8_lossy(&streamed),
        "hello\n",
        "frame filtered from the stream"
    );
}

#[tokio::test]
async fn python_errors_are_reported_with_traceback() {
    let executor = executor().await;
    let r = executor
        .execute(
            "def f():\n    raise ValueError('bad input')\nf()\n",
            ExecOptions::default(),
        )
        .await;
    assert!(!r.success);
    assert_eq!(r.error.as_deref(), Some("ValueError: bad input"));
    assert_eq!(r.error_type.as_deref(), Some("ValueError"));
    assert!(r
        .traceback
        .as_deref()
        .is_some_and(|t| t.contains("<strategy>")));
    assert_eq!(r.exit_code, Some(0));
}

#[tokio::test]
async fn strategy_mode_reads_mounted_data() {
    let executor = executor().await;
    let code = "from finlab import data\n\ndef strategy(data):\n    close = data.get('price:收盤價')\n    return float(close.iloc[-1].sum()) > 0\n";
    let r = executor
        .execute_strategy(
            code,
            &root().join("tests/harness/data"),
            ExecOptions::default(),
        )
        .await;
    assert!(r.success, "{r:?}");
    assert_eq!(r.signal, Value::Bool(true));
}

/// A data directory only its owner may read (what `mktemp -d` makes) still reaches the
/// strategy, which runs as a user of its own.
#[tokio::test]
async fn a_private_data_directory_is_readable_in_the_sandbox() {
    use std::os::unix::fs::PermissionsExt;
    let executor = executor().await;
    let private = tempfile::tempdir().expect("tempdir");
    for entry in std::fs::read_dir(root().join("tests/harness/data")).expect("data") {
        let entry = entry.expect("entry");
        let to = private.path().join(entry.file_name());
        std::fs::copy(entry.path(), &to).expect("copy");
        std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    std::fs::set_permissions(private.path(), std::fs::Permissions::from_mode(0o700))
        .expect("chmod");
    let code =
        "def strategy(data):\n    return float(data.get('price:收盤價').iloc[-1].sum()) > 0\n";
    let r = executor
        .execute_strategy(code, private.path(), ExecOptions::default())
        .await;
    assert!(r.success, "{r:?}");
    assert_eq!(r.signal, Value::Bool(true));
}

#[tokio::test]
async fn overrides_beyond_server_limits_are_refused() {
    let executor = executor().await;
    let max = executor.config().limits.max_timeout;
    let r = executor
        .execute(
            "signal = 1\n",
            ExecOptions {
                timeout: Some(max + Duration::from_secs(1)),
                ..Default::default()
            },
        )
        .await;
    assert!(!r.success && r.container_id.is_none());
    assert!(
        r.error
            .as_deref()
            .is_some_and(|e| e.contains("max_timeout_seconds")),
        "{:?}",
        r.error
    );
    let r = executor
        .execute(
            "signal = 1\n",
            ExecOptions {
                memory_bytes: Some(64 << 30),
                ..Default::default()
            },
        )
        .await;
    assert!(
        r.error
            .as_deref()
            .is_some_and(|e| e.contains("max_memory_limit")),
        "{:?}",
        r.error
    );
}

#[tokio::test]
async fn a_deferred_cleanup_answers_first_and_removes_after() {
    let executor = executor().await;
    let id = request_id("deferred");
    let (tx, rx) = tokio::sync::oneshot::channel();
    let tx = std::sync::Mutex::new(Some(tx));
    let r = executor
        .execute(
            "import sys\nprint('out')\nsys.stderr.write('err')\nsignal = 7\n",
            ExecOptions {
                request_id: Some(id.clone()),
                validate: false,
                defer_cleanup: Some(CleanupHook(std::sync::Arc::new(move |removed| {
                    if let Some(tx) = tx.lock().expect("hook lock").take() {
                        let _ = tx.send(removed);
                    }
                }))),
                ..Default::default()
            },
        )
        .await;
    assert!(r.success, "{r:?}");
    assert_eq!(r.signal, 7);
    assert_eq!((r.stdout.as_str(), r.stderr.as_str()), ("out\n", "err"));
    assert_eq!((r.exit_code, r.cleanup_success), (None, None));
    let removed = tokio::time::timeout(Duration::from_secs(30), rx)
        .await
        .expect("the hook is called")
        .expect("the hook sends");
    assert!(removed);
    assert!(
        containers_with_label(executor.docker(), LABEL_REQUEST_ID, &id)
            .await
            .is_empty()
    );

    // Code that ends its own harness never writes the closing lines: the runner waits for
    // the exit as usual and says what happened.
    let r = executor
        .execute(
            "import os\nos._exit(5)\n",
            ExecOptions {
                validate: false,
                defer_cleanup: Some(CleanupHook(std::sync::Arc::new(|_| {}))),
                ..Default::default()
            },
        )
        .await;
    assert!(!r.success);
    assert_eq!(r.exit_code, Some(5), "{r:?}");
    assert_eq!(r.cleanup_success, Some(true));
}

#[tokio::test]
async fn dropping_an_execution_removes_its_container() {
    let executor = executor().await;
    let id = request_id("cancelled");
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let run = executor.execute(
        "import time\ntime.sleep(600)\n",
        ExecOptions {
            request_id: Some(id.clone()),
            events: Some(tx),
            ..Default::default()
        },
    );
    // Drop the execution once its container runs the code.
    tokio::select! {
        _ = run => panic!("the sleeping program cannot finish"),
        _ = async { while let Some(e) = rx.recv().await { if matches!(e, ExecEvent::Started { .. }) { break; } } } => {}
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut left = Vec::new();
    for _ in 0..50 {
        left = containers_with_label(executor.docker(), LABEL_REQUEST_ID, &id).await;
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(left.is_empty(), "cancelled execution left {left:?}");
}

/// `stockade run` killed with SIGKILL mid-run leaves a container; the next runner (and
/// `stockade cleanup --orphans`) removes it.
#[tokio::test]
async fn containers_of_a_killed_cli_are_swept() {
    let dir = std::env::temp_dir().join(format!("stockade-kill9-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("sleep.py");
    std::fs::write(&file, "import time\ntime.sleep(600)\n").expect("write");
    let docker = executor().await.docker().clone();
    let mut child = Command::new(env!("CARGO_BIN_EXE_stockade"))
        .args(["run", "--timeout", "300"])
        .arg(&file)
        .current_dir(root())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn stockade run");
    let pid = child.id().to_string();
    let mut theirs = Vec::new();
    for _ in 0..100 {
        theirs = containers_with_label(&docker, "io.stockade.owner-pid", &pid).await;
        if !theirs.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        !theirs.is_empty(),
        "stockade run never created its container"
    );
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    // The container outlives its runner...
    assert!(
        !containers_with_label(&docker, "io.stockade.owner-pid", &pid)
            .await
            .is_empty()
    );
    // ...until the orphan sweep.
    let status = Command::new(env!("CARGO_BIN_EXE_stockade"))
        .args(["cleanup", "--orphans"])
        .current_dir(root())
        .status()
        .expect("stockade cleanup");
    assert!(status.success());
    assert!(
        containers_with_label(&docker, "io.stockade.owner-pid", &pid)
            .await
            .is_empty()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A new executor's start-up sweep removes what a dead runner left.
#[tokio::test]
async fn connect_sweeps_orphans() {
    let dir = std::env::temp_dir().join(format!("stockade-sweep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("sleep.py");
    std::fs::write(&file, "import time\ntime.sleep(600)\n").expect("write");
    let docker = executor().await.docker().clone();
    let mut child = Command::new(env!("CARGO_BIN_EXE_stockade"))
        .args(["run"])
        .arg(&file)
        .current_dir(root())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let pid = child.id().to_string();
    for _ in 0..100 {
        if !containers_with_label(&docker, "io.stockade.owner-pid", &pid)
            .await
            .is_empty()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    let _fresh = Executor::connect(test_config()).await.expect("connect");
    assert!(
        containers_with_label(&docker, "io.stockade.owner-pid", &pid)
            .await
            .is_empty()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn benign_corpus_runs_under_the_profile() {
    let executor = executor().await;
    let data = root().join("tests/harness/data");
    let mut failures = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(root().join("crates/validator/tests/corpus/benign"))
        .expect("corpus")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    files.sort();
    assert!(files.len() >= 20);
    let runs = files.iter().map(|path| {
        let executor = executor.clone();
        let data = data.clone();
        async move {
            let code = std::fs::read_to_string(path).expect("read");
            let r = if code.contains("def strategy(") {
                executor
                    .execute_strategy(&code, &data, ExecOptions::default())
                    .await
            } else {
                executor.execute(&code, ExecOptions::default()).await
            };
            (path.clone(), r)
        }
    });
    use futures_util::StreamExt;
    let results: Vec<_> = futures_util::stream::iter(runs)
        .buffer_unordered(3)
        .collect()
        .await;
    for (path, r) in results {
        if !(r.success && r.cleanup_success == Some(true)) {
            failures.push(format!("{}: {:?}", path.display(), r.error));
        }
    }
    assert!(
        failures.is_empty(),
        "benign programs failed:\n{}",
        failures.join("\n")
    );
    let left = containers_with_label(executor.docker(), LABEL_MANAGED_BY, MANAGED_BY).await;
    let ours: Vec<_> = executor.orphaned_containers().await.expect("list");
    assert!(ours.is_empty(), "orphans: {ours:?} (all managed: {left:?})");
}

#[tokio::test]
async fn disabled_sandbox_and_missing_image_are_refused() {
    let mut config = test_config();
    config.enabled = false;
    let e = Executor::connect(config).await.expect_err("disabled");
    assert!(e.to_string().contains("no unsandboxed mode"), "{e}");
    let mut config = test_config();
    config.image = "stockade-sandbox:does-not-exist".into();
    let e = Executor::connect(config).await.expect_err("missing image");
    assert_eq!(
        e.to_string(),
        "Docker image not found: stockade-sandbox:does-not-exist (build it with `stockade image build`)"
    );
}

#[tokio::test]
async fn a_request_cannot_step_down_from_the_configured_runtime() {
    // gVisor is the default and the only runtime allowed: asking for runc is refused before
    // any container exists.
    let mut config = test_config();
    config.runtime = Runtime::Runsc;
    config.allowed_runtimes = Vec::new();
    let executor = Executor::connect(config).await.expect("connect");
    let id = request_id("runtime-step-down");
    let r = executor
        .execute(
            "signal = 1\n",
            ExecOptions {
                runtime: Some(Runtime::Runc),
                request_id: Some(id.clone()),
                ..Default::default()
            },
        )
        .await;
    assert!(!r.success && r.container_id.is_none(), "{r:?}");
    assert_eq!(
        r.error.as_deref(),
        Some("the runc runtime is not allowed here (docker.allowed_runtimes: runsc)")
    );
    assert!(
        containers_with_label(executor.docker(), LABEL_REQUEST_ID, &id)
            .await
            .is_empty()
    );
}

/// A container that floods its output is killed at its timeout, its capped output and the
/// reason come back, and it is removed. (The engine answers a SIGKILL only once the container
/// has stopped, and stops it only once its output is read: a runner that waited for that answer
/// before reading again returned the same result two minutes late. Catching that here would
/// take a bound on time, which a loaded machine can break; the soak reports it as 504s.)
#[tokio::test]
async fn an_output_flood_is_killed_at_its_timeout() {
    let executor = executor().await;
    let r = executor
        .execute(
            "line = 'x' * 4096\nwhile True:\n    print(line)\n",
            ExecOptions {
                timeout: Some(Duration::from_secs(2)),
                ..ExecOptions::default()
            },
        )
        .await;
    assert!(r.timed_out, "{r:?}");
    assert_eq!(r.killed_reason.as_deref(), Some("timeout"));
    assert!(r.stdout_truncated, "the flood passed the output cap");
    assert_eq!(r.cleanup_success, Some(true));
}

#[tokio::test]
async fn kill_refuses_containers_of_others() {
    let executor = executor().await;
    let e = executor
        .kill("0123456789ab", "test")
        .await
        .expect_err("not ours");
    assert!(
        e.to_string()
            .contains("not running an execution of this runner"),
        "{e}"
    );
}

/// The container's CPU accounting, read on the host from its cgroup (v1): the quota the engine
/// set and what the kernel counted against it.
#[derive(Debug, Clone, Copy)]
struct CpuAccounting {
    quota_us: i64,
    period_us: i64,
    nr_periods: u64,
    nr_throttled: u64,
    used_ns: u64,
}

fn cpu_accounting(id: &str) -> Option<CpuAccounting> {
    // cpu and cpuacct may be separate hierarchies: each file is read from its controller.
    let read = |name: &str| {
        let controller = name.split('.').next().unwrap_or_default();
        std::fs::read_to_string(format!("/sys/fs/cgroup/{controller}/docker/{id}/{name}")).ok()
    };
    let stat = read("cpu.stat")?;
    let value = |key: &str| {
        stat.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix(' ')?.trim().parse().ok())
    };
    Some(CpuAccounting {
        quota_us: read("cpu.cfs_quota_us")?.trim().parse().ok()?,
        period_us: read("cpu.cfs_period_us")?.trim().parse().ok()?,
        nr_periods: value("nr_periods")?,
        nr_throttled: value("nr_throttled")?,
        used_ns: read("cpuacct.usage")?.trim().parse().ok()?,
    })
}

#[tokio::test]
async fn resource_samples_describe_the_container() {
    let executor = executor().await;
    let (tx, mut rx) = tokio::sync::mpsc::channel(256);
    // Hold ~100 MiB and spin for two seconds of CPU time, under a quota of half a core.
    let code = "import numpy as np, time\nheld = np.ones(100 * 1024 * 1024 // 8)\n\
                t = time.process_time()\nwhile time.process_time() - t < 2.0:\n    pass\nsignal = 1\n";
    let run = executor.execute(
        code,
        ExecOptions {
            cpu_limit: Some(0.5),
            // Start-up alone can take tens of seconds on a loaded machine: the test is about
            // accounting, not speed.
            timeout: Some(Duration::from_secs(300)),
            events: Some(tx),
            stats_every: Some(Duration::from_millis(200)),
            ..Default::default()
        },
    );
    // Read the kernel's accounting beside the samples while the container lives: the last
    // reading before its cgroup goes away is the one that counts.
    let watch = async {
        let (mut samples, mut accounting) = (Vec::new(), None);
        let mut id = None;
        while let Some(event) = rx.recv().await {
            match event {
                ExecEvent::Started { container_id } => id = Some(container_id),
                ExecEvent::Stats(s) => {
                    samples.push(s);
                    if let Some(now) = id.as_deref().and_then(cpu_accounting) {
                        accounting = Some(now);
                    }
                }
                _ => {}
            }
        }
        (samples, accounting)
    };
    let (r, (samples, accounting)) = tokio::join!(run, watch);
    assert!(r.success, "{r:?}");
    assert!(samples.len() >= 5, "{samples:?}");
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    assert!(
        samples.iter().all(|s| s.memory_limit_bytes == 256 << 20),
        "{samples:?}"
    );
    assert!(samples.iter().all(|s| s.pids >= 1), "{samples:?}");
    assert!(
        samples.iter().any(|s| mib(s.memory_bytes) >= 100.0),
        "{samples:?}"
    );
    assert!(
        r.memory_peak_mb.is_some_and(|m| m >= 100.0),
        "{:?}",
        r.memory_peak_mb
    );
    // The quota is what was asked for, and the kernel enforced it: in every scheduler period
    // the container ran at most its quota, so its CPU time cannot exceed one quota per period
    // counted (plus the period in progress), however busy or idle the machine is. (Whether
    // any period was actually throttled depends on the machine's load: not asserted.)
    let a = accounting.expect("the container's cgroup was read while it ran");
    assert_eq!((a.quota_us, a.period_us), (50_000, 100_000), "{a:?}");
    assert!(
        a.used_ns >= 1_000_000_000,
        "read while the loop spun: {a:?}"
    );
    let quota_ns = a.quota_us as u64 * 1000;
    assert!(a.used_ns <= (a.nr_periods + 1) * quota_ns, "{a:?}");
    assert!(a.nr_throttled <= a.nr_periods, "{a:?}");
}

/// A creation cancelled while the engine is still creating the container (a client hanging up
/// early, a pool that stops) must not leave the container behind with no one owning it.
#[tokio::test]
async fn dropping_a_creation_in_flight_removes_its_container() {
    let executor = executor().await;
    let mut ids = Vec::new();
    for n in 0..5 {
        let id = request_id(&format!("create-dropped-{n}"));
        let spec = executor
            .spec_for(
                &ExecOptions {
                    request_id: Some(id.clone()),
                    ..Default::default()
                },
                None,
            )
            .expect("spec");
        // The engine takes far longer than this to create a container: the future is dropped
        // with the create request in flight.
        let _ = tokio::time::timeout(Duration::from_millis(1), executor.prepare(spec)).await;
        ids.push(id);
    }
    // Once the executor has settled (creations finished, guards gone, removals done), none of
    // them may exist. Without the guard taking over a creation, the engine finishes creating
    // containers that no one owns.
    assert!(executor.settle(Duration::from_secs(60)).await);
    let mut left = Vec::new();
    for id in &ids {
        left.extend(containers_with_label(executor.docker(), LABEL_REQUEST_ID, id).await);
    }
    assert!(left.is_empty(), "cancelled creations left {left:?}");
}
