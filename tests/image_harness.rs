//! End-to-end: `stockade image build` makes (or finds) the sandbox image, and the harness
//! inside it behaves under the hardening the executor applies, with runc and with gVisor.
//!
//! Needs a Docker engine with the `runsc` runtime (scripts/setup-engine.sh) and mmdebstrap.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::{json, Value};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const IMAGE: &str = "stockade-sandbox:latest";

/// Build (or find) the image once per test binary; returns the build command's stdout.
fn image() -> &'static str {
    static BUILT: OnceLock<String> = OnceLock::new();
    BUILT.get_or_init(|| {
        let out = Command::new(env!("CARGO_BIN_EXE_stockade"))
            .args(["image", "build"])
            .current_dir(ROOT)
            .output()
            .expect("run stockade image build");
        assert!(
            out.status.success(),
            "stockade image build failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    })
}

fn nonce() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{:016x}{:016x}", std::process::id(), n)
}

/// Labels of the containers these tests make by hand. Without a managed-by label (the image
/// has none to inherit) no runner's sweep takes them for its own, whatever these say.
fn test_labels() -> Vec<String> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    vec![
        "--label".to_string(),
        format!("io.stockade.created-at={now}"),
        "--label".to_string(),
        "io.stockade.instance=image-tests".to_string(),
    ]
}

/// The hardening flags of the executor, plus runtime and seccomp profile.
fn hardened(runtime: &str) -> Vec<String> {
    [
        "run",
        "-i",
        "--rm",
        "--runtime",
        runtime,
        "--network",
        "none",
        "--read-only",
        "--tmpfs",
        "/tmp:rw,noexec,nosuid,size=64m",
        "--cap-drop",
        "ALL",
        "--security-opt",
        "no-new-privileges",
        "--user",
        "65432:65432",
        "--pids-limit",
        "100",
        "--memory",
        "1g",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain(test_labels())
    .chain([
        "--security-opt".to_string(),
        format!("seccomp={ROOT}/config/seccomp_profile.json"),
        "-v".to_string(),
        format!("{ROOT}/tests/harness/data:/data:ro"),
    ])
    .collect()
}

fn docker(args: &[String], stdin: &[u8]) -> Output {
    let mut child = Command::new("docker")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run docker");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin).expect("write request");
    drop(input);
    child.wait_with_output().expect("docker output")
}

struct Frame {
    value: Value,
    user_stdout: String,
    stderr: String,
}

/// Run one request through the image's harness and parse its frame.
fn run(runtime: &str, mode: &str, code: &str) -> Frame {
    image();
    let nonce = nonce();
    let request = json!({
        "nonce": nonce, "mode": mode, "code": code,
        "data_dir": "/data", "max_result_bytes": 8_388_608
    });
    let mut args = hardened(runtime);
    args.push(IMAGE.to_string());
    let out = docker(&args, request.to_string().as_bytes());
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let marker = format!("\n\x1eSTOCKADE-RESULT {nonce} ");
    let at = stdout.rfind(&marker).unwrap_or_else(|| {
        panic!(
            "no frame ({runtime}, exit {:?}):\nstdout: {stdout}\nstderr: {stderr}",
            out.status
        )
    });
    let rest = &stdout[at + marker.len()..];
    let line = rest.split('\n').next().expect("frame line");
    assert_eq!(
        out.status.code(),
        Some(0),
        "harness exits 0; stderr: {stderr}"
    );
    let user_stdout = stdout[..at]
        .strip_prefix("\x1eSTOCKADE-READY\n")
        .unwrap_or_else(|| panic!("the ready line comes first: {stdout:?}"));
    Frame {
        value: serde_json::from_str(line).expect("frame JSON"),
        user_stdout: user_stdout.to_string(),
        stderr,
    }
}

fn assert_blocked(runtime: &str, code: &str) {
    let frame = run(runtime, "execute", code);
    assert_eq!(frame.value["ok"], false, "{code} must fail under {runtime}");
    let kind = frame.value["error"]["type"].as_str().unwrap_or_default();
    assert!(
        kind == "SandboxViolation" || kind == "PermissionError",
        "{code} under {runtime}: {}",
        frame.value["error"]
    );
}

fn smoke(runtime: &str) {
    let f = run(runtime, "execute", "print(1)");
    assert_eq!(f.user_stdout, "1\n");
    assert_eq!(
        f.value,
        json!({"ok": true, "signal": null, "error": null, "result_truncated": false})
    );

    let f = run(
        runtime,
        "execute",
        "import pandas as pd\nsignal = pd.DataFrame({'stock': ['AAPL'], 'position': [1.0]})",
    );
    assert_eq!(
        f.value["signal"],
        json!({"__type__": "dataframe", "columns": ["stock", "position"], "index": [0], "data": [["AAPL", 1.0]]})
    );

    let f = run(
        runtime,
        "strategy",
        "from finlab import data\n\ndef strategy(data):\n    close = data.get('price:收盤價')\n    return close > close.shift(1)\n",
    );
    assert_eq!(f.value["ok"], true, "{}", f.value["error"]);
    assert_eq!(f.value["signal"]["__type__"], "dataframe");
    assert_eq!(
        f.value["signal"]["data"].as_array().map(Vec::len),
        Some(400)
    );

    assert_blocked(runtime, "import os\nos.system('id')");
    assert_blocked(
        runtime,
        "import socket\nsocket.create_connection(('10.0.0.1', 80))",
    );
    assert_blocked(runtime, "import os\nos.fork()");

    let f = run(
        runtime,
        "execute",
        "import threading, numpy as np, pandas as pd\nout = []\n\
         ts = [threading.Thread(target=lambda: out.append(float((np.ones((300, 300)) @ np.ones((300, 300))).sum()))) for _ in range(4)]\n\
         [t.start() for t in ts]\n[t.join() for t in ts]\n\
         signal = [out, float(pd.DataFrame(np.ones((100, 3))).rolling(10).mean().sum().sum())]",
    );
    assert_eq!(
        f.value["signal"],
        json!([
            [27_000_000.0, 27_000_000.0, 27_000_000.0, 27_000_000.0],
            273.0
        ])
    );
    assert!(
        !f.stderr.contains("Operation not permitted"),
        "{}",
        f.stderr
    );
}

#[test]
fn smoke_under_runc() {
    smoke("runc");
}

#[test]
fn smoke_under_runsc() {
    smoke("runsc");
}

/// Run a hardened container with `request` on its stdin and nobody reading its output or
/// stopping it (the client only relays, and is bounded by `timeout` so a hang fails the test
/// instead of blocking it). Returns the container's exit status from Docker.
fn exit_without_runner(runtime: &str, request: &Value) -> i64 {
    image();
    let name = format!("stockade-no-runner-{}", nonce());
    let mut args = vec!["300".to_string(), "docker".to_string()];
    args.extend(hardened(runtime).into_iter().filter(|a| a != "--rm"));
    args.extend(["--name".to_string(), name.clone(), IMAGE.to_string()]);
    let mut child = Command::new("timeout")
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run docker");
    let mut input = child.stdin.take().expect("stdin");
    input
        .write_all(request.to_string().as_bytes())
        .expect("write request");
    drop(input);
    let _ = child.wait();
    let state = Command::new("docker")
        .args([
            "inspect",
            "-f",
            "{{.State.Running}} {{.State.ExitCode}}",
            &name,
        ])
        .output()
        .expect("docker inspect");
    let _ = Command::new("docker").args(["rm", "-f", &name]).output();
    let state = String::from_utf8_lossy(&state.stdout).trim().to_string();
    let code = state
        .strip_prefix("false ")
        .unwrap_or_else(|| panic!("{name} did not end by itself: {state:?}"));
    code.parse().expect("exit code")
}

/// A run whose runner is gone still ends: the harness's native wall-clock alarm exits
/// (status 124) 10 s after the request's timeout, with nobody reading or killing it.
fn alarm_ends_an_unattended_run(runtime: &str) {
    let request = json!({
        "nonce": nonce(), "mode": "execute", "code": "import time\ntime.sleep(10**6)",
        "max_result_bytes": 1024, "timeout_ms": 1000, "cpus": 0.5, "max_threads": 100
    });
    assert_eq!(
        exit_without_runner(runtime, &request),
        124,
        "under {runtime}"
    );
}

#[test]
fn alarm_ends_an_unattended_run_under_runc() {
    alarm_ends_an_unattended_run("runc");
}

#[test]
fn alarm_ends_an_unattended_run_under_runsc() {
    alarm_ends_an_unattended_run("runsc");
}

/// A CPU burner is stopped by the kernel's CPU-time accounting (RLIMIT_CPU, from timeout x
/// cpus), long before the wall-clock alarm: 60 s x 0.02 cpus is a budget of 2 CPU seconds
/// (plus 5 of grace), the alarm is 70 s away. The harness is PID 1, which ignores SIGXCPU, so
/// the hard limit's SIGKILL (137) is what ends it (or SIGXCPU, 152, where it is delivered).
fn cpu_rlimit_stops_a_burner(runtime: &str) {
    let request = json!({
        "nonce": nonce(), "mode": "execute", "code": "while True:\n    pass",
        "max_result_bytes": 1024, "timeout_ms": 60_000, "cpus": 0.02, "max_threads": 100
    });
    let status = exit_without_runner(runtime, &request);
    assert!(
        status == 137 || status == 152,
        "under {runtime}: exit {status}"
    );
}

#[test]
fn cpu_rlimit_stops_a_burner_under_runc() {
    cpu_rlimit_stops_a_burner("runc");
}

#[test]
fn cpu_rlimit_stops_a_burner_under_runsc() {
    cpu_rlimit_stops_a_burner("runsc");
}

#[test]
fn build_again_is_cached_and_manifest_matches_docker() {
    image();
    let started = std::time::Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_stockade"))
        .args(["image", "build"])
        .current_dir(ROOT)
        .output()
        .expect("second build");
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("already present"), "{stdout}");
    assert!(
        started.elapsed().as_secs() < 30,
        "a cached build must be quick"
    );

    let manifest_path = Path::new(ROOT).join(".cache/stockade/image.json");
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(&manifest_path).expect("image.json written by the build"),
    )
    .expect("manifest JSON");
    let inspect = Command::new("docker")
        .args([
            "image",
            "inspect",
            "--format",
            "{{.Id}} {{json .Config}}",
            IMAGE,
        ])
        .output()
        .expect("docker inspect");
    let text = String::from_utf8_lossy(&inspect.stdout);
    let (id, config) = text.trim().split_once(' ').expect("id and config");
    assert_eq!(manifest["id"], id, "latest points at the manifest's image");
    let config: Value = serde_json::from_str(config).expect("config JSON");
    assert_eq!(config["User"], "65432:65432");
    assert_eq!(config["WorkingDir"], "/tmp");
    assert_eq!(
        config["Cmd"],
        json!(["python3", "-I", "/opt/stockade/harness.py"])
    );
    // No ownership label: a container created from the image by hand inherits these.
    assert!(
        config["Labels"]["io.stockade.managed-by"].is_null(),
        "{config}"
    );
    assert_eq!(
        config["Labels"]["io.stockade.image.recipe-hash"],
        manifest["recipe_hash"]
    );
    assert_eq!(
        config["Labels"]["io.stockade.image.version.pyarrow"],
        "18.1.0"
    );
}

#[test]
fn superseded_build_tags_are_removed_and_others_kept() {
    image();
    let tag = |name: &str| {
        let ok = Command::new("docker")
            .args(["tag", IMAGE, name])
            .status()
            .expect("docker tag")
            .success();
        assert!(ok, "tagging {name}");
    };
    let exists = |name: &str| {
        Command::new("docker")
            .args(["image", "inspect", name])
            .output()
            .expect("docker inspect")
            .status
            .success()
    };
    let old = "stockade-sandbox:0000000000000000";
    let other = "stockade-sandbox:image-tests-keep";
    tag(old);
    tag(other);
    let out = Command::new(env!("CARGO_BIN_EXE_stockade"))
        .args(["image", "build"])
        .current_dir(ROOT)
        .output()
        .expect("build");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!exists(old), "an older build tag is removed");
    assert!(exists(other), "tags the build did not make are left alone");
    assert!(exists(IMAGE));
    let _ = Command::new("docker").args(["rmi", other]).output();
}

#[test]
fn cache_dir_flag_and_env_choose_where_the_manifest_goes() {
    image();
    let flag_dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_stockade"))
        .args(["image", "build", "--cache-dir"])
        .arg(flag_dir.path())
        .output()
        .expect("build with --cache-dir");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(flag_dir.path().join("image.json").is_file());

    let env_dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_stockade"))
        .args(["image", "build"])
        .env("STOCKADE_CACHE_DIR", env_dir.path())
        .output()
        .expect("build with STOCKADE_CACHE_DIR");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(env_dir.path().join("image.json").is_file());
}

#[test]
fn missing_tools_are_named_with_a_hint() {
    image();
    let cache = tempfile::tempdir().expect("tempdir");
    let cached_wheels = Path::new(ROOT).join(".cache/stockade/wheels");
    if let Ok(entries) = std::fs::read_dir(&cached_wheels) {
        std::fs::create_dir_all(cache.path().join("wheels")).expect("wheels dir");
        for entry in entries.flatten() {
            if entry.path().extension().is_some_and(|e| e == "whl") {
                std::fs::copy(
                    entry.path(),
                    cache.path().join("wheels").join(entry.file_name()),
                )
                .expect("copy wheel");
            }
        }
    }
    // The build gets past the download only when every wheel the default recipe pins is
    // cached (the cache may hold only the modern variant's, when the default image was
    // already in the engine and nothing was downloaded for it).
    let recipe =
        std::fs::read_to_string(Path::new(ROOT).join("config/image/recipe.yaml")).expect("recipe");
    let have_wheels = recipe
        .lines()
        .filter_map(|line| line.trim().strip_prefix("file: "))
        .all(|file| cache.path().join("wheels").join(file.trim()).is_file());
    let empty_path = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_stockade"))
        .args(["image", "build", "--force", "--cache-dir"])
        .arg(cache.path())
        .env("PATH", empty_path.path())
        .output()
        .expect("build without tools");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let expected = if have_wheels {
        "mmdebstrap is not available: install it with `apt-get install mmdebstrap`"
    } else {
        "python3 is not available"
    };
    assert!(stderr.contains(expected), "{stderr}");
}

#[test]
fn harness_unit_tests_pass_inside_the_image() {
    image();
    let args: Vec<String> = [
        "run",
        "--rm",
        "--network",
        "none",
        "--read-only",
        "--tmpfs",
        "/tmp:rw,noexec,nosuid,size=256m",
        "--cap-drop",
        "ALL",
        "--security-opt",
        "no-new-privileges",
        "--user",
        "65432:65432",
        "-e",
        "STOCKADE_HARNESS=/opt/stockade/harness.py",
        "--entrypoint",
        "python3",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain(test_labels())
    .chain([
        "-v".to_string(),
        format!("{ROOT}/tests/harness:/t:ro"),
        IMAGE.to_string(),
        "-m".to_string(),
        "unittest".to_string(),
        "discover".to_string(),
        "-s".to_string(),
        "/t".to_string(),
    ])
    .collect();
    let out = docker(&args, b"");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "harness unit tests failed:\n{stderr}");
    assert!(stderr.contains("\nOK"), "{stderr}");
}

/// The same unit tests outside Docker: the image's filesystem (exported from a created,
/// never started container) in a chroot, as uid 65432, with no container runtime,
/// namespaces or container seccomp profile.
#[test]
fn harness_unit_tests_pass_outside_docker() {
    image();
    let root = tempfile::tempdir().expect("tempdir");
    let mut create = vec!["create".to_string()];
    create.extend(test_labels());
    create.push(IMAGE.to_string());
    let created = docker(&create, b"");
    assert!(created.status.success(), "docker create");
    let id = String::from_utf8_lossy(&created.stdout).trim().to_string();
    let mut export = Command::new("docker")
        .args(["export", &id])
        .stdout(Stdio::piped())
        .spawn()
        .expect("docker export");
    let untar = Command::new("tar")
        .arg("-C")
        .arg(root.path())
        .arg("-xf")
        .arg("-")
        .stdin(export.stdout.take().expect("export stdout"))
        .status()
        .expect("tar");
    let exported = export.wait().expect("export status");
    let _ = Command::new("docker").args(["rm", "-f", &id]).output();
    assert!(
        exported.success() && untar.success(),
        "exporting the image filesystem"
    );
    // The image has no device nodes (Docker provides /dev); the harness opens /dev/null.
    let null = root.path().join("dev/null");
    let ok = Command::new("mknod")
        .args(["-m", "666"])
        .arg(&null)
        .args(["c", "1", "3"])
        .status()
        .expect("mknod")
        .success();
    assert!(ok, "mknod {}", null.display());
    let ok = Command::new("cp")
        .arg("-r")
        .arg(Path::new(ROOT).join("tests/harness"))
        .arg(root.path().join("t"))
        .status()
        .expect("cp")
        .success();
    assert!(ok, "copying the tests");
    // The image has no `env`: the environment is set here and python3 run directly.
    let out = Command::new("/usr/sbin/chroot")
        .arg("--userspec=65432:65432")
        .arg(root.path())
        .args(["/usr/bin/python3", "-m", "unittest", "discover", "-s", "/t"])
        .env_clear()
        .env("PATH", "/usr/bin")
        .env("HOME", "/tmp")
        .env("LANG", "C.UTF-8")
        .env("STOCKADE_HARNESS", "/opt/stockade/harness.py")
        .output()
        .expect("chroot");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "harness unit tests failed outside Docker:\n{stderr}"
    );
    assert!(stderr.contains("\nOK"), "{stderr}");
}

/// x86_64 syscall numbers of calls the container profile must refuse on its own
/// (no harness filter in place), with the errno expected.
const DENIED_SYSCALLS: [(&str, i64, i32); 20] = [
    ("ptrace", 101, 1),
    ("mount", 165, 1),
    ("umount2", 166, 1),
    ("unshare", 272, 1),
    ("setns", 308, 1),
    ("bpf", 321, 1),
    ("keyctl", 250, 1),
    ("add_key", 248, 1),
    ("userfaultfd", 323, 1),
    ("perf_event_open", 298, 1),
    ("io_uring_setup", 425, 1),
    ("kexec_load", 246, 1),
    ("init_module", 175, 1),
    ("pivot_root", 155, 1),
    ("chroot", 161, 1),
    ("acct", 163, 1),
    ("open_by_handle_at", 304, 1),
    ("fork", 57, 1),
    ("vfork", 58, 1),
    ("clone3", 435, 38),
];

#[test]
fn container_profile_alone_denies_kernel_attack_surface() {
    image();
    let calls: Vec<String> = DENIED_SYSCALLS
        .iter()
        .map(|(name, nr, _)| format!("('{name}', {nr})"))
        .collect();
    let probe = format!(
        "import ctypes, os, socket\n\
         libc = ctypes.CDLL(None, use_errno=True)\n\
         out = {{}}\n\
         for name, nr in [{}]:\n\
         \x20   ctypes.set_errno(0)\n\
         \x20   rc = libc.syscall(nr, 0, 0, 0, 0, 0)\n\
         \x20   out[name] = ctypes.get_errno() if rc == -1 else 'allowed'\n\
         ctypes.set_errno(0)\n\
         out['personality'] = ctypes.get_errno() if libc.personality(0x0040000) == -1 else 'allowed'\n\
         for fam in ('AF_INET', 'AF_INET6', 'AF_NETLINK', 'AF_PACKET'):\n\
         \x20   try:\n\
         \x20       socket.socket(getattr(socket, fam), socket.SOCK_RAW if fam == 'AF_PACKET' else socket.SOCK_DGRAM)\n\
         \x20       out[fam] = 'allowed'\n\
         \x20   except OSError as e:\n\
         \x20       out[fam] = e.errno\n\
         socket.socket(socket.AF_UNIX)\n\
         print(out)\n",
        calls.join(", ")
    );
    let mut args = hardened("runc");
    args.extend([
        "--entrypoint".to_string(),
        "python3".to_string(),
        IMAGE.to_string(),
        "-c".to_string(),
        probe,
    ]);
    let out = docker(&args, b"");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "probe failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = stdout.trim().replace('\'', "\"");
    let results: Value = serde_json::from_str(&line).expect("probe output");
    for (name, _, errno) in DENIED_SYSCALLS {
        assert_eq!(results[name], errno, "{name} under the container profile");
    }
    assert_eq!(results["personality"], 1);
    for fam in ["AF_INET", "AF_INET6", "AF_NETLINK", "AF_PACKET"] {
        assert_eq!(results[fam], 1, "socket({fam})");
    }
}

fn corpus_dir() -> PathBuf {
    let candidates = [
        std::env::var_os("STOCKADE_CORPUS_DIR").map(PathBuf::from),
        Some(Path::new(ROOT).join("../shared/corpus/validator/benign")),
        Some(PathBuf::from("/work/shared/corpus/validator/benign")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|p| p.is_dir())
        .expect("the benign corpus (shared/corpus/validator/benign, or set STOCKADE_CORPUS_DIR)")
}

#[test]
fn benign_corpus_runs_under_the_profile() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("corpus dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let check = |file: &PathBuf| -> Option<String> {
        let code = std::fs::read_to_string(file).expect("corpus file");
        let mode = if code.contains("def strategy(") {
            "strategy"
        } else {
            "execute"
        };
        let f = run("runc", mode, &code);
        let text = format!("{}{}{}", f.user_stdout, f.stderr, f.value);
        (f.value["ok"] != true || text.contains("Operation not permitted"))
            .then(|| format!("{}: {}", file.display(), f.value["error"]))
    };
    // Two at a time: most of each run is container start-up and imports.
    let (evens, odds): (Vec<_>, Vec<_>) = files.iter().enumerate().partition(|(i, _)| i % 2 == 0);
    let failures: Vec<String> = std::thread::scope(|scope| {
        let other = scope.spawn(|| {
            odds.iter()
                .filter_map(|(_, f)| check(f))
                .collect::<Vec<_>>()
        });
        let mut failures: Vec<String> = evens.iter().filter_map(|(_, f)| check(f)).collect();
        failures.extend(other.join().expect("corpus thread"));
        failures
    });
    assert!(failures.is_empty(), "{failures:#?}");
}
