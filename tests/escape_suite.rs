//! The escape suite: hostile programs against the real sandbox images (the default one and
//! `modern`, numpy 2 and pandas 2 from PyPI wheels), under runc and runsc.
//!
//! Every case runs with validation off (the container is the boundary under test), must be
//! contained and reported with the right flags, must leave no container behind (checked by
//! label), and the executor must still run ordinary code afterwards.

mod executor_common;

use std::sync::Arc;
use std::time::Duration;

use executor_common::{containers_with_label, executor, request_id, root};
use serde_json::Value;
use stockade_runner::cleanup::LABEL_REQUEST_ID;
use stockade_runner::config::Runtime;
use stockade_runner::executor::{ExecOptions, ExecutionResult, Executor};
use stockade_runner::image::Variant;
use tokio::sync::Semaphore;

type Check = fn(&ExecutionResult) -> Result<(), String>;

struct Case {
    name: &'static str,
    timeout_secs: u64,
    strategy: bool,
    check: Check,
}

fn ensure(cond: bool, what: &str, r: &ExecutionResult) -> Result<(), String> {
    if cond {
        Ok(())
    } else {
        Err(format!(
            "{what}; got success={} error={:?} signal={} exit={:?} timed_out={} oom={} stdout_len={} trunc={}/{}",
            r.success,
            r.error,
            r.signal,
            r.exit_code,
            r.timed_out,
            r.oom_killed,
            r.stdout.len(),
            r.stdout_truncated,
            r.stderr_truncated
        ))
    }
}

/// The code finished normally and every value it reports starts with "denied".
fn all_denied(r: &ExecutionResult) -> Result<(), String> {
    ensure(
        r.success && !r.timed_out && r.exit_code == Some(0),
        "finished normally",
        r,
    )?;
    let values: Vec<&Value> = match &r.signal {
        Value::Object(m) => m.values().collect(),
        v => vec![v],
    };
    let denied = values
        .iter()
        .all(|v| v.as_str().is_some_and(|s| s.starts_with("denied")));
    ensure(!values.is_empty() && denied, "every attempt denied", r)
}

fn timed_out(r: &ExecutionResult) -> Result<(), String> {
    ensure(
        r.timed_out && !r.success && r.killed_reason.as_deref() == Some("timeout"),
        "timed out",
        r,
    )?;
    ensure(
        r.error
            .as_deref()
            .is_some_and(|e| e.contains("timeout exceeded")),
        "timeout error message",
        r,
    )
}

fn oom(r: &ExecutionResult) -> Result<(), String> {
    ensure(r.oom_killed && !r.success && !r.timed_out, "OOM-killed", r)?;
    ensure(
        r.error
            .as_deref()
            .is_some_and(|e| e.contains("Memory limit exceeded")),
        "memory error message",
        r,
    )
}

fn survived(r: &ExecutionResult) -> Result<(), String> {
    ensure(
        r.success && r.signal == "survived",
        "finished with its own signal",
        r,
    )
}

const CAP: usize = 1024 * 1024;

/// Exit status of a harness whose native thread watch ended it (crates/sandbox-native).
const THREADS_EXIT: i64 = 125;

/// Too many threads: refused by the kernel (runc's pids limit: RuntimeError), or the harness's
/// thread watch ended the process (gVisor, where the pids limit does not count threads).
fn threads_capped(r: &ExecutionResult) -> Result<(), String> {
    if r.exit_code == Some(THREADS_EXIT) {
        ensure(!r.success && !r.timed_out, "ended by the thread cap", r)?;
        return ensure(
            r.stderr.contains("threads exceed the sandbox's limit")
                && r.error
                    .as_deref()
                    .is_some_and(|e| e.contains("more threads than the sandbox allows")),
            "thread cap named on stderr and in the error",
            r,
        );
    }
    all_denied(r)?;
    ensure(
        r.signal
            .as_str()
            .is_some_and(|s| s.contains("RuntimeError")),
        "thread creation refused",
        r,
    )
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "fork_bomb",
            timeout_secs: 20,
            strategy: false,
            check: all_denied,
        },
        Case {
            name: "thread_storm",
            timeout_secs: 20,
            strategy: false,
            check: |r| {
                // gVisor keeps application threads inside one sandbox process: the memory limit
                // may end the storm before the thread cap does.
                if r.oom_killed {
                    return oom(r);
                }
                threads_capped(r)
            },
        },
        Case {
            name: "thread_5000",
            timeout_secs: 60,
            strategy: false,
            check: threads_capped,
        },
        Case {
            name: "memory_bomb",
            timeout_secs: 30,
            strategy: false,
            check: oom,
        },
        Case {
            name: "slow_memory_growth",
            timeout_secs: 30,
            strategy: false,
            check: oom,
        },
        Case {
            name: "tmpfs_fill",
            timeout_secs: 30,
            strategy: false,
            check: |r| {
                all_denied(r)?;
                let s = r.signal.as_str().unwrap_or_default();
                ensure(
                    s.contains("No space left") || s.contains("File too large"),
                    "tmpfs size enforced",
                    r,
                )
            },
        },
        Case {
            name: "write_outside_tmp",
            timeout_secs: 20,
            strategy: false,
            check: all_denied,
        },
        Case {
            name: "write_data_mount",
            timeout_secs: 20,
            strategy: true,
            check: all_denied,
        },
        Case {
            name: "read_host_files",
            timeout_secs: 20,
            strategy: false,
            check: |r| {
                ensure(r.success, "finished", r)?;
                let s = &r.signal;
                let denied_or = |key: &str, ok: &dyn Fn(&str) -> bool| {
                    s[key]
                        .as_str()
                        .is_some_and(|v| v.starts_with("denied") || ok(v))
                };
                ensure(denied_or("shadow", &|_| false), "shadow unreadable", r)?;
                ensure(
                    s["host_marker_visible"] != Value::Bool(true),
                    "host file invisible",
                    r,
                )?;
                ensure(
                    denied_or("pid1", &|v| v.contains("harness.py")),
                    "PID 1 is the harness",
                    r,
                )?;
                ensure(
                    denied_or("hostname", &|v| v.trim_end() == "read: sandbox"),
                    "own hostname",
                    r,
                )?;
                ensure(
                    s["docker_sock"] == Value::Bool(false),
                    "no Docker socket",
                    r,
                )
            },
        },
        Case {
            name: "network",
            timeout_secs: 20,
            strategy: false,
            check: all_denied,
        },
        Case {
            name: "privilege",
            timeout_secs: 20,
            strategy: false,
            check: all_denied,
        },
        Case {
            name: "device_proc_writes",
            timeout_secs: 20,
            strategy: false,
            check: all_denied,
        },
        Case {
            name: "busy_loop",
            timeout_secs: 3,
            strategy: false,
            check: timed_out,
        },
        Case {
            name: "sleep_forever",
            timeout_secs: 3,
            strategy: false,
            check: timed_out,
        },
        Case {
            name: "stdout_flood",
            timeout_secs: 30,
            strategy: false,
            check: |r| {
                survived(r)?;
                ensure(
                    r.stdout_truncated && r.stdout.len() == CAP,
                    "stdout capped at 1 MiB",
                    r,
                )
            },
        },
        Case {
            name: "stdout_flood_forever",
            timeout_secs: 10,
            strategy: false,
            check: |r| {
                timed_out(r)?;
                ensure(
                    r.stdout_truncated && r.stdout.len() == CAP,
                    "stdout capped at 1 MiB",
                    r,
                )
            },
        },
        Case {
            name: "stderr_flood",
            timeout_secs: 30,
            strategy: false,
            check: |r| {
                survived(r)?;
                ensure(
                    r.stderr_truncated && r.stderr.len() == CAP && !r.stdout_truncated,
                    "stderr capped at 1 MiB",
                    r,
                )
            },
        },
        Case {
            name: "huge_line",
            timeout_secs: 30,
            strategy: false,
            check: |r| {
                survived(r)?;
                ensure(
                    r.stdout_truncated && r.stdout.len() == CAP,
                    "line capped",
                    r,
                )
            },
        },
        Case {
            name: "binary_output",
            timeout_secs: 20,
            strategy: false,
            check: |r| {
                survived(r)?;
                ensure(
                    r.stdout.contains('\u{fffd}') && !r.stdout_truncated,
                    "binary kept (lossy)",
                    r,
                )
            },
        },
        Case {
            name: "close_stdout",
            timeout_secs: 20,
            strategy: false,
            check: |r| {
                survived(r)?;
                ensure(
                    r.stdout == "before close\n",
                    "output before the close kept",
                    r,
                )
            },
        },
        Case {
            name: "signal_pid1",
            timeout_secs: 20,
            strategy: false,
            check: |r| {
                // Whatever the code manages to send, the harness (PID 1) survives and reports.
                ensure(
                    r.success && !r.timed_out && r.exit_code == Some(0),
                    "harness survived",
                    r,
                )
            },
        },
        Case {
            name: "forged_frame",
            timeout_secs: 20,
            strategy: false,
            check: |r| {
                ensure(
                    r.success && r.signal == "genuine",
                    "forged frames ignored",
                    r,
                )?;
                ensure(
                    r.stdout.contains("forged"),
                    "forged frames are just output",
                    r,
                )
            },
        },
        Case {
            name: "nonce_from_frames",
            timeout_secs: 60,
            strategy: false,
            check: |r| ensure(r.success && r.signal == "genuine", "no forged result", r),
        },
        Case {
            name: "audit_hook_closure",
            timeout_secs: 60,
            strategy: false,
            check: all_denied,
        },
        Case {
            name: "deep_recursion",
            timeout_secs: 30,
            strategy: false,
            check: |r| {
                ensure(!r.success && !r.timed_out, "crash reported", r)?;
                let e = r.error.as_deref().unwrap_or_default();
                ensure(
                    e.contains("RecursionError")
                        || e.contains("MemoryError")
                        || e.contains("no result frame")
                        || r.oom_killed,
                    "clear error",
                    r,
                )
            },
        },
        Case {
            name: "exec_os_system",
            timeout_secs: 20,
            strategy: false,
            check: all_denied,
        },
        Case {
            name: "exec_subprocess",
            timeout_secs: 20,
            strategy: false,
            check: all_denied,
        },
        Case {
            name: "exec_ctypes",
            timeout_secs: 20,
            strategy: false,
            check: all_denied,
        },
        Case {
            name: "exec_tmp_script",
            timeout_secs: 20,
            strategy: false,
            check: all_denied,
        },
        Case {
            name: "memfd_create",
            timeout_secs: 20,
            strategy: false,
            check: all_denied,
        },
        Case {
            name: "pty_and_ioctl",
            timeout_secs: 20,
            strategy: false,
            check: |r| {
                all_denied(r)?;
                // The ioctls are refused by the profile (EPERM), not merely inapplicable.
                let eperm = |key: &str| {
                    r.signal[key]
                        .as_str()
                        .is_some_and(|s| s.contains("Operation not permitted"))
                };
                ensure(
                    eperm("tiocsti") && eperm("fs_ioc_getflags"),
                    "ioctl requests outside the list refused by seccomp",
                    r,
                )
            },
        },
    ]
}

async fn run_case(
    executor: &Executor,
    case: &Case,
    runtime: Runtime,
    image: Variant,
    marker: &str,
) -> Result<String, String> {
    let path = root()
        .join("tests/fixtures/escape")
        .join(format!("{}.py", case.name));
    let mut code = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
    if case.name == "read_host_files" {
        code = format!("MARKER = {marker:?}\n{code}");
    }
    let id = request_id(case.name);
    let opts = ExecOptions {
        timeout: Some(Duration::from_secs(case.timeout_secs)),
        runtime: Some(runtime),
        image: Some(image),
        validate: false,
        request_id: Some(id.clone()),
        ..Default::default()
    };
    let result = if case.strategy {
        executor
            .execute_strategy(&code, &root().join("tests/harness/data"), opts)
            .await
    } else {
        executor.execute(&code, opts).await
    };
    (case.check)(&result)?;
    ensure(
        result.cleanup_success == Some(true),
        "cleanup confirmed",
        &result,
    )?;
    ensure(
        result.image_variant == Some(image)
            && result.image.as_deref() == executor.image(image).map(|i| i.id.as_str()),
        &format!("ran on the {image} image"),
        &result,
    )?;
    let left = containers_with_label(executor.docker(), LABEL_REQUEST_ID, &id).await;
    if !left.is_empty() {
        return Err(format!("containers left behind: {left:?}"));
    }
    let flags = [
        (result.timed_out, "timed_out"),
        (result.oom_killed, "oom_killed"),
        (result.stdout_truncated, "stdout_truncated"),
        (result.stderr_truncated, "stderr_truncated"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, n)| *n)
    .collect::<Vec<_>>()
    .join(",");
    Ok(format!(
        "contained (exit {}{}{})",
        result.exit_code.map_or("-".into(), |c| c.to_string()),
        if flags.is_empty() { "" } else { ", " },
        flags
    ))
}

async fn suite(runtime: Runtime, image: Variant) {
    let executor = executor().await;
    assert!(
        executor.image(image).is_some(),
        "the {image} image is not built (stockade image build --variant {image})"
    );
    let marker = format!("/var/tmp/stockade-escape-marker-{}", std::process::id());
    std::fs::write(&marker, "host secret").expect("host marker");
    let permits = Arc::new(Semaphore::new(3));
    let mut tasks = Vec::new();
    // STOCKADE_ESCAPE_CASES=a,b runs only those cases (to show one fail without its defence).
    let only = std::env::var("STOCKADE_ESCAPE_CASES").ok();
    let selected = |name: &str| {
        only.as_deref()
            .is_none_or(|list| list.split(',').any(|n| n.trim() == name))
    };
    for case in cases().into_iter().filter(|c| selected(c.name)) {
        let executor = executor.clone();
        let permits = permits.clone();
        let marker = marker.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = permits.acquire_owned().await;
            let outcome = run_case(&executor, &case, runtime, image, &marker).await;
            (case.name, outcome)
        }));
    }
    let mut failures = Vec::new();
    println!("| case | {runtime}, {image} image |\n|---|---|");
    for task in tasks {
        let (name, outcome) = task.await.expect("case task");
        match outcome {
            Ok(summary) => println!("| {name} | ✓ {summary} |"),
            Err(why) => {
                println!("| {name} | ✗ {why} |");
                failures.push(name);
            }
        }
    }
    let _ = std::fs::remove_file(&marker);
    // The executor still works after all of that.
    let after = executor
        .execute(
            "signal = 40 + 2\n",
            ExecOptions {
                runtime: Some(runtime),
                image: Some(image),
                ..Default::default()
            },
        )
        .await;
    assert!(
        after.success && after.signal == 42,
        "executor broken afterwards: {after:?}"
    );
    assert!(
        failures.is_empty(),
        "escape cases failed under {runtime} on the {image} image: {failures:?}"
    );
    let orphans = executor.orphaned_containers().await.expect("list");
    assert!(orphans.is_empty(), "orphans remain: {orphans:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escape_suite_runc() {
    suite(Runtime::Runc, Variant::Default).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escape_suite_runsc() {
    suite(Runtime::Runsc, Variant::Default).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escape_suite_modern_runc() {
    suite(Runtime::Runc, Variant::Modern).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escape_suite_modern_runsc() {
    suite(Runtime::Runsc, Variant::Modern).await;
}
