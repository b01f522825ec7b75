//! `stockade run`: every failure it can describe is a result object with `error` under
//! `--json`, refusals before running exit 2, and programs written for the original get their
//! result from the `__SIGNAL_JSON_START__`/`__SIGNAL_JSON_END__` markers.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn stockade(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_stockade"));
    cmd.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("STOCKADE_IMAGE")
        .stdin(Stdio::null());
    cmd
}

fn script(dir: &tempfile::TempDir, name: &str, code: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, code).unwrap();
    path
}

/// The JSON result object on stdout, with the exit status.
fn json_result(out: &Output) -> (i32, serde_json::Value) {
    let value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not a JSON result ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), value)
}

fn assert_not_run(value: &serde_json::Value, error_part: &str) {
    assert_eq!(value["success"], false, "{value}");
    let error = value["error"].as_str().unwrap_or_default();
    assert!(
        error.contains(error_part),
        "{error_part:?} not in {error:?}"
    );
    assert_eq!(value["container_id"], serde_json::Value::Null, "{value}");
}

#[test]
fn an_engine_that_does_not_answer_is_a_json_error_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = script(&dir, "ok.py", "signal = 1\n");
    let out = stockade(&["run", "--json", file.to_str().unwrap()])
        .env(
            "DOCKER_HOST",
            format!("unix://{}/dead.sock", dir.path().display()),
        )
        .output()
        .unwrap();
    let (code, value) = json_result(&out);
    assert_eq!(code, 2);
    assert_not_run(&value, "cannot reach the Docker engine");
}

#[test]
fn a_missing_image_is_a_json_error_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = script(&dir, "ok.py", "signal = 1\n");
    let out = stockade(&["run", "--json", file.to_str().unwrap()])
        .env("STOCKADE_IMAGE", "stockade-no-such-image:never-built")
        .output()
        .unwrap();
    let (code, value) = json_result(&out);
    assert_eq!(code, 2);
    assert_not_run(&value, "stockade-no-such-image:never-built");
}

#[test]
fn an_unreadable_file_and_bad_flags_are_json_errors_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.py");
    let out = stockade(&["run", "--json", missing.to_str().unwrap()])
        .output()
        .unwrap();
    let (code, value) = json_result(&out);
    assert_eq!(code, 2);
    assert_not_run(&value, "missing.py");

    let file = script(&dir, "ok.py", "signal = 1\n");
    let out = stockade(&["run", "--json", "--memory", "lots", file.to_str().unwrap()])
        .output()
        .unwrap();
    let (code, value) = json_result(&out);
    assert_eq!(code, 2);
    assert_not_run(&value, "--memory");

    // Refused by the command-line parser itself.
    let out = stockade(&["run", "--json", "--timeout", "soon", file.to_str().unwrap()])
        .output()
        .unwrap();
    let (code, value) = json_result(&out);
    assert_eq!(code, 2);
    assert_not_run(&value, "--timeout");
}

#[test]
fn a_limit_over_its_ceiling_is_refused_before_running_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let file = script(
        &dir,
        "limit.py",
        &format!("open({:?}, 'w').write('x')\n", marker.display().to_string()),
    );
    let out = stockade(&[
        "run",
        "--json",
        "--no-validate",
        "--memory",
        "64g",
        file.to_str().unwrap(),
    ])
    .output()
    .unwrap();
    let (code, value) = json_result(&out);
    assert_eq!(code, 2);
    assert_not_run(&value, "docker.limits.max_memory_limit");

    // Without --json: the same exit status, the reason on stderr.
    let out = stockade(&["run", "--cpus", "64", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("docker.limits.max_cpu_limit"), "{stderr}");
}

#[test]
fn the_signal_markers_give_the_result_when_no_signal_is_set() {
    let dir = tempfile::tempdir().unwrap();
    let file = script(
        &dir,
        "original.py",
        "import json\n\
         metrics = {'sharpe': 1.25, 'trades': [1, 2]}\n\
         print('computing')\n\
         print('__SIGNAL_JSON_START__')\n\
         print(json.dumps(metrics))\n\
         print('__SIGNAL_JSON_END__')\n",
    );
    let out = stockade(&["run", "--json", file.to_str().unwrap()])
        .output()
        .unwrap();
    let (code, value) = json_result(&out);
    assert_eq!(code, 0, "{value}");
    assert_eq!(
        value["signal"],
        serde_json::json!({"sharpe": 1.25, "trades": [1, 2]})
    );
    assert!(value["stdout"]
        .as_str()
        .unwrap()
        .contains("__SIGNAL_JSON_START__"));

    // A `signal` the code sets wins over the markers.
    let file = script(
        &dir,
        "both.py",
        "print('__SIGNAL_JSON_START__ 1 __SIGNAL_JSON_END__')\nsignal = 2\n",
    );
    let out = stockade(&["run", "--json", file.to_str().unwrap()])
        .output()
        .unwrap();
    let (code, value) = json_result(&out);
    assert_eq!(code, 0, "{value}");
    assert_eq!(value["signal"], 2);
}
