//! The `stockade` binary on its own: copied alone into an empty directory with no checkout
//! around it (what `cargo install` leaves), it validates, shows its configuration, builds the
//! image, passes `doctor`, runs code and serves the editor, from its built-in config, seccomp
//! profile, image recipe and editor.
//!
//! Copying the built binary proves what `cargo install --root <tmp>` would, without a second
//! full release build of the workspace: the binary is the same file either way, and the test
//! makes sure it reads nothing from the repository.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// An empty working directory holding only a copy of the binary.
struct Standalone {
    dir: tempfile::TempDir,
    binary: PathBuf,
}

impl Standalone {
    fn new() -> Standalone {
        let dir = tempfile::Builder::new()
            .prefix("stockade-standalone-")
            .tempdir()
            .unwrap();
        let binary = dir.path().join("bin").join("stockade");
        std::fs::create_dir_all(binary.parent().unwrap()).unwrap();
        std::fs::copy(env!("CARGO_BIN_EXE_stockade"), &binary).unwrap();
        Standalone { dir, binary }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.binary);
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_remove("STOCKADE_CONFIG")
            .env_remove("STOCKADE_IMAGE")
            .env_remove("NO_COLOR")
            .stdin(Stdio::null());
        // Reuse the checkout's image cache (a rebuild of the root filesystem takes minutes);
        // the image itself is identified by the hash of what the binary carries.
        if std::env::var_os("STOCKADE_CACHE_DIR").is_none() {
            cmd.env("STOCKADE_CACHE_DIR", root().join(".cache").join("stockade"));
        }
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        output(&mut self.command(args))
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

/// Linux's "text file busy": another test thread forked while this test's copy of the
/// binary was still open for writing, and the child holds that descriptor until it execs.
const ETXTBSY: i32 = 26;

/// Runs `cmd`, retrying while the freshly copied binary is briefly busy (see [`ETXTBSY`]).
fn output(cmd: &mut Command) -> Output {
    spawn_retrying(|| cmd.output())
}

fn spawn_retrying<T>(mut start: impl FnMut() -> std::io::Result<T>) -> T {
    for _ in 0..100 {
        match start() {
            Err(e) if e.raw_os_error() == Some(ETXTBSY) => {
                std::thread::sleep(std::time::Duration::from_millis(20))
            }
            other => return other.unwrap(),
        }
    }
    panic!("the copied binary stayed busy")
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn validate_and_config_show_need_no_checkout() {
    let s = Standalone::new();
    let bad = s.write("bad.py", "import os\nos.system('id')\n");
    let out = s.run(&["validate", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("bad.py:1:"),
        "{}",
        text(&out.stdout)
    );

    let out = s.run(&["config", "show"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(
        shown.contains("# configuration: built-in config/docker_config.yaml"),
        "{shown}"
    );
    assert!(
        shown.contains("# seccomp profile: config/seccomp_profile.json (built into the binary)"),
        "{shown}"
    );
    assert!(shown.contains("docker.memory_limit: 2g"), "{shown}");
}

#[test]
fn config_show_names_the_source_of_each_value() {
    let s = Standalone::new();
    let file = s.write(
        "sandbox.yaml",
        "docker:\n  pids_limit: 64\n  image: ${MY_IMAGE:-x:1}\n",
    );
    let out = output(
        s.command(&[
            "config",
            "show",
            "--json",
            "--config",
            file.to_str().unwrap(),
            "--cpus",
            "1.5",
        ])
        .env("MY_IMAGE", "mine:2")
        .env("DOCKER_TIMEOUT", "42"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let entries: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let entry = |key: &str| {
        entries
            .iter()
            .find(|e| e["key"] == key)
            .unwrap_or_else(|| panic!("{key} missing"))
            .clone()
    };
    let file_source = format!("file {}", file.display());
    assert_eq!(entry("docker.pids_limit")["value"], "64");
    assert_eq!(entry("docker.pids_limit")["source"], file_source.as_str());
    assert_eq!(entry("docker.image")["value"], "mine:2");
    assert_eq!(entry("docker.image")["source"], "env MY_IMAGE");
    assert_eq!(entry("docker.timeout_seconds")["value"], "42");
    assert_eq!(
        entry("docker.timeout_seconds")["source"],
        "env DOCKER_TIMEOUT"
    );
    assert_eq!(entry("docker.cpu_limit")["value"], "1.5");
    assert_eq!(entry("docker.cpu_limit")["source"], "flag --cpus");
    assert_eq!(entry("docker.read_only")["source"], "default");
}

/// Image build (found by its content hash), doctor, run and serve, against the real engine.
#[test]
fn builds_checks_runs_and_serves_from_an_empty_directory() {
    let s = Standalone::new();
    let out = s.run(&["image", "build"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );

    let out = s.run(&["doctor"]);
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{report}{}", text(&out.stderr));
    assert!(
        report.contains("✓ seccomp profile: config/seccomp_profile.json (built into the binary)"),
        "{report}"
    );

    let script = s.write(
        "hello.py",
        "import pandas as pd\nsignal = int(pd.Series([1, 2, 3]).sum())\n",
    );
    // --wait-cleanup: the result is printed once the container is removed, and says so.
    let out = s.run(&["run", "--json", "--wait-cleanup", script.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let result: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["signal"], 6);
    assert_eq!(result["cleanup_success"], true);

    // Nothing was read from or written to a checkout layout in the working directory.
    assert!(!s.dir.path().join("config").exists());

    serve_answers_with_the_editor(&s);
}

fn serve_answers_with_the_editor(s: &Standalone) {
    let mut command = s.command(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--metrics-port",
        "0",
        "--pool-size",
        "0",
        "--token",
        "0123456789abcdef0123456789abcdef",
    ]);
    command.stdout(Stdio::piped()).stderr(Stdio::null());
    let mut child = spawn_retrying(|| command.spawn());
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let mut second = String::new();
    stdout.read_line(&mut second).unwrap();
    let addr = first
        .trim()
        .rsplit_once("http://")
        .map(|(_, a)| a.trim_end_matches('/').to_string())
        .unwrap_or_default();
    let page = get(&addr, "/");
    let _ = child.kill();
    let _ = child.wait();
    assert!(!addr.is_empty(), "serve printed no address: {first}");
    let built = root().join("web").join("dist").join("index.html");
    match std::fs::read_to_string(&built) {
        // The editor was built before the binary (as CI does): it is served from the binary.
        Ok(index) => {
            assert!(page.starts_with("HTTP/1.1 200"), "{page}");
            assert!(page.ends_with(&index), "the built index.html is served");
            assert!(second.contains("Open the editor"), "{second}");
        }
        Err(_) => {
            assert!(page.starts_with("HTTP/1.1 404"), "{page}");
            assert!(second.contains("not bundled"), "{second}");
        }
    }
}

/// A bare HTTP/1.1 GET; the whole response as text.
fn get(addr: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}
