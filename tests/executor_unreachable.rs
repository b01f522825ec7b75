//! With no engine to talk to, the runner fails fast and clearly, and never runs code.

use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn dead_docker_socket_fails_fast_with_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("stockade-dead-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("hello.py");
    // Were this run outside a container, it would create the marker file.
    let marker = dir.join("ran-on-host");
    std::fs::write(
        &file,
        format!("open({:?}, 'w').write('x')\n", marker.display().to_string()),
    )
    .expect("write");
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_stockade"))
        .args(["run", "--no-validate"])
        .arg(&file)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("DOCKER_HOST", format!("unix://{}/dead.sock", dir.display()))
        .output()
        .expect("run stockade");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot reach the Docker engine"),
        "{stderr}"
    );
    assert!(stderr.contains("dead.sock"), "{stderr}");
    assert!(!marker.exists(), "code ran outside a container");
    let _ = std::fs::remove_dir_all(&dir);
}
