//! Escape cases against strategy mode's `/data` mount, each with a host-side set-up the main
//! escape suite cannot make: a tmpfs mounted below the data directory, a Unix socket a host
//! process serves there, an executable file in it, and the host path in the mount table.
//!
//! The attacks run as the sandbox user in a real sandbox container (`docker exec` beside the
//! harness), i.e. as code that got past the Python-level layer would: the container's own
//! settings are the boundary under test. Needs root (mounts) and the real engine.

mod executor_common;

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use bollard::exec::{StartExecOptions, StartExecResults};
use bollard::models::ExecConfig;
use executor_common::{containers_with_label, executor, request_id};
use futures_util::StreamExt;
use stockade_runner::cleanup::LABEL_REQUEST_ID;
use stockade_runner::executor::hardening::SANDBOX_USER;
use stockade_runner::executor::{ExecOptions, Executor, PreparedContainer};

/// A data directory with a price file, removed (and unmounted below) at the end.
struct DataDir {
    path: PathBuf,
    mounted: Vec<PathBuf>,
}

impl DataDir {
    fn new(name: &str) -> DataDir {
        let path = PathBuf::from(format!(
            "/var/tmp/stockade-escape-data-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(path.join("daily")).expect("data dir");
        std::fs::write(path.join("daily/prices.csv"), "close\n1.0\n2.0\n").expect("prices");
        DataDir {
            path,
            mounted: Vec::new(),
        }
    }

    fn mount_tmpfs(&mut self, below: &str) -> PathBuf {
        let point = self.path.join(below);
        std::fs::create_dir_all(&point).expect("mount point");
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=1m,mode=1777", "tmpfs"])
            .arg(&point)
            .status()
            .expect("mount");
        assert!(ok.success(), "mounting a tmpfs needs root");
        self.mounted.push(point.clone());
        point
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        for point in &self.mounted {
            let _ = Command::new("umount").arg(point).status();
        }
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Starts a sandbox container for strategy mode over `dir`, or the runner's refusal.
async fn prepare(
    executor: &Executor,
    dir: &Path,
    id: &str,
) -> Result<PreparedContainer, stockade_runner::error::RunnerError> {
    let opts = ExecOptions {
        request_id: Some(id.to_string()),
        ..Default::default()
    };
    let spec = executor.spec_for(&opts, Some(dir))?;
    let mut container = executor.prepare(spec).await?;
    container
        .wait_ready(Duration::from_secs(60))
        .await
        .expect("harness ready");
    Ok(container)
}

/// Runs `python3 -c code` in the container as the sandbox user; returns (exit code, output).
async fn attack(executor: &Executor, container: &str, code: &str) -> (i64, String) {
    let docker = executor.docker();
    let exec = docker
        .create_exec(
            container,
            ExecConfig {
                cmd: Some(vec![
                    "python3".into(),
                    "-I".into(),
                    "-c".into(),
                    code.into(),
                ]),
                user: Some(SANDBOX_USER.into()),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                ..Default::default()
            },
        )
        .await
        .expect("create exec");
    let mut text = String::new();
    if let StartExecResults::Attached { mut output, .. } = docker
        .start_exec(&exec.id, None::<StartExecOptions>)
        .await
        .expect("start exec")
    {
        while let Some(Ok(chunk)) = output.next().await {
            text.push_str(&chunk.to_string());
        }
    }
    let code = docker
        .inspect_exec(&exec.id)
        .await
        .expect("inspect exec")
        .exit_code
        .unwrap_or(-1);
    (code, text)
}

/// After each case: nothing of it is left on the engine.
async fn assert_gone(executor: &Executor, id: &str) {
    for _ in 0..50 {
        if containers_with_label(executor.docker(), LABEL_REQUEST_ID, id)
            .await
            .is_empty()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("containers of {id} left behind");
}

#[tokio::test]
async fn a_tmpfs_below_the_data_directory_never_reaches_the_sandbox() {
    let executor = executor().await;
    let mut data = DataDir::new("tmpfs");
    let scratch = data.mount_tmpfs("scratch");
    let id = request_id("data-tmpfs");
    let outcome = prepare(&executor, &data.path, &id).await;
    // Evidence first: whatever the runner did, the sandbox must not have written to the host.
    let written = match &outcome {
        Ok(container) => {
            let (_, out) = attack(
                &executor,
                container.id(),
                "open('/data/scratch/escaped', 'w').write('from the sandbox')",
            )
            .await;
            format!("attack output: {out}")
        }
        Err(_) => String::new(),
    };
    assert!(
        !scratch.join("escaped").exists(),
        "the sandbox wrote through /data to a host tmpfs; {written}"
    );
    let error = outcome.err().map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(
        error,
        format!(
            "data directory {}: is a mount point inside the data directory",
            scratch.display()
        )
    );
    assert_gone(&executor, &id).await;
}

#[tokio::test]
async fn a_unix_socket_in_the_data_directory_connects_to_nothing() {
    let executor = executor().await;
    let data = DataDir::new("socket");
    let socket = data.path.join("daily/agent.sock");
    let listener = std::os::unix::net::UnixListener::bind(&socket).expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let id = request_id("data-socket");
    let outcome = prepare(&executor, &data.path, &id).await;
    let mut heard = String::new();
    if let Ok(container) = &outcome {
        attack(
            &executor,
            container.id(),
            "import socket\ns = socket.socket(socket.AF_UNIX)\n\
             s.connect('/data/daily/agent.sock')\ns.sendall(b'hello from the sandbox')\n",
        )
        .await;
        if let Ok((mut stream, _)) = listener.accept() {
            stream.set_nonblocking(false).expect("blocking");
            let _ = stream.read_to_string(&mut heard);
        }
    }
    assert_eq!(heard, "", "a host process heard from the sandbox");
    let error = outcome.err().map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(
        error,
        format!(
            "data directory {}: contains a Unix socket (a channel to a host process)",
            socket.display()
        )
    );
    assert_gone(&executor, &id).await;
}

#[tokio::test]
async fn data_is_read_only_and_says_nothing_of_the_host() {
    let executor = executor().await;
    let data = DataDir::new("plain");
    let tool = data.path.join("tool");
    std::fs::write(&tool, "#!/usr/bin/python3\nprint('ran from /data')\n").expect("tool");
    std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let id = request_id("data-plain");
    let container = prepare(&executor, &data.path, &id)
        .await
        .expect("an ordinary data directory is accepted");

    let (code, out) = attack(
        &executor,
        container.id(),
        "print(open('/proc/self/mountinfo').read())\n\
         print('prices:', open('/data/daily/prices.csv').read().split())\n\
         try:\n    open('/data/new', 'w')\nexcept OSError as e:\n    print('write:', e.strerror)\n",
    )
    .await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("prices: ['close', '1.0', '2.0']"), "{out}");
    assert!(out.contains("write: Read-only file system"), "{out}");
    let host = data.path.display().to_string();
    assert!(
        !out.contains(&host),
        "the mount table shows the host path {host}:\n{out}"
    );
    let line = out
        .lines()
        .find(|l| l.split(' ').nth(4) == Some("/data"))
        .unwrap_or_else(|| panic!("no /data mount:\n{out}"));
    let options: Vec<&str> = line
        .split(' ')
        .nth(5)
        .unwrap_or_default()
        .split(',')
        .collect();
    for flag in ["ro", "nosuid", "nodev", "noexec"] {
        assert!(options.contains(&flag), "/data lacks {flag}: {line}");
    }
    // The path within its filesystem: the staged copy (the test host's /tmp is on the root
    // filesystem, so it is also the host path).
    let source = line.split(' ').nth(3).unwrap_or_default();
    assert!(
        source.contains("/stockade-data/"),
        "bound from a neutral copy: {line}"
    );

    let (code, out) = attack(
        &executor,
        container.id(),
        "import os\nos.execv('/data/tool', ['tool'])\n",
    )
    .await;
    assert!(
        code != 0 && !out.contains("ran from /data"),
        "a program in /data ran: exit {code}, {out}"
    );
    // The copy goes with the container.
    let copy = PathBuf::from(source);
    assert!(copy.exists(), "{line}");
    drop(container);
    assert_gone(&executor, &id).await;
    assert!(!copy.exists(), "the data copy {} stayed", copy.display());
}
