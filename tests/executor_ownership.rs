//! Which containers a sweep may remove, against the real engine. Only a container whose runner
//! instance is proven dead (its liveness record absent or not held) is an orphan: not one made
//! by hand from the image, not one whose runner shares a host name and a dead PID with a dead
//! one, not an old warm container of a live runner, and `stockade cleanup` without options
//! leaves live runners alone.
#![allow(clippy::unwrap_used)]

mod executor_common;

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use bollard::models::ContainerCreateBody;
use bollard::query_parameters::{CreateContainerOptions, InspectContainerOptions};
use bollard::Docker;
use executor_common::{executor, root, test_config};
use stockade_runner::cleanup::{
    remove_container, LABEL_CREATED_AT, LABEL_INSTANCE, LABEL_LIVENESS_DOMAIN, LABEL_MANAGED_BY,
    LABEL_OWNER_HOST, LABEL_OWNER_PID, MANAGED_BY,
};
use stockade_runner::executor::Executor;
use stockade_runner::liveness::StateDir;

/// A fresh instance id, as a runner would draw one.
fn instance_id(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("test-{name}-{nanos:x}-{}", std::process::id())
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim()
        .to_string()
}

/// A PID that no process has now: a child that has exited and been reaped.
fn dead_pid() -> u32 {
    let mut child = Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

/// Another process holding `instance`'s liveness record, as a live runner does.
struct Holder(Child);

impl Holder {
    fn hold(state: &StateDir, instance: &str) -> Holder {
        let path = state.record_path(instance);
        let holder = Holder(
            Command::new("flock")
                .args(["--exclusive", "--no-fork"])
                .arg(&path)
                .args(["sleep", "600"])
                .stdout(Stdio::null())
                .spawn()
                .expect("flock(1) (util-linux)"),
        );
        // Held once `flock` runs its command (the file exists and the lock is taken).
        for _ in 0..100 {
            if state.is_alive(instance) {
                return holder;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("flock never took {}", path.display());
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Creates (does not start) a container from the sandbox image with `labels` added to the ones
/// it inherits from the image.
async fn create_from_image(docker: &Docker, labels: HashMap<String, String>) -> String {
    let body = ContainerCreateBody {
        image: Some(test_config().image),
        labels: Some(labels),
        network_disabled: Some(true),
        ..Default::default()
    };
    docker
        .create_container(None::<CreateContainerOptions>, body)
        .await
        .expect("create a container from the image")
        .id
}

/// Labels a runner instance would put on its container, with the host and PID given.
fn runner_labels(
    state: &StateDir,
    instance: &str,
    host: &str,
    pid: u32,
    created_at: u64,
) -> HashMap<String, String> {
    HashMap::from([
        (LABEL_MANAGED_BY.to_string(), MANAGED_BY.to_string()),
        (LABEL_INSTANCE.to_string(), instance.to_string()),
        (
            LABEL_LIVENESS_DOMAIN.to_string(),
            state.domain().to_string(),
        ),
        (LABEL_OWNER_HOST.to_string(), host.to_string()),
        (LABEL_OWNER_PID.to_string(), pid.to_string()),
        (LABEL_CREATED_AT.to_string(), created_at.to_string()),
    ])
}

async fn exists(docker: &Docker, id: &str) -> bool {
    docker
        .inspect_container(id, None::<InspectContainerOptions>)
        .await
        .is_ok()
}

/// Every way a sweep can run: a runner's start-up, its on-demand sweep, its periodic sweep,
/// and the CLI with and without `--orphans`.
async fn sweep_every_way(executor: &Executor) {
    let fresh = Executor::connect(test_config()).await.expect("connect");
    fresh.cleanup_orphaned_containers().await.expect("sweep");
    executor.sweep_dead_runners().await.expect("periodic sweep");
    for args in [&["cleanup"][..], &["cleanup", "--orphans"]] {
        let status = Command::new(env!("CARGO_BIN_EXE_stockade"))
            .args(args)
            .current_dir(root())
            .stdout(Stdio::null())
            .status()
            .expect("stockade cleanup");
        assert!(status.success(), "stockade {args:?}: {status:?}");
    }
}

#[tokio::test]
async fn a_container_made_by_hand_from_the_image_is_never_touched() {
    let executor = executor().await;
    let docker = executor.docker().clone();
    // The image describes itself only: nothing on it makes a container look like a runner's.
    let image = docker.inspect_image(&test_config().image).await.unwrap();
    let image_labels = image.config.and_then(|c| c.labels).unwrap_or_default();
    assert!(
        !image_labels.contains_key(LABEL_MANAGED_BY),
        "{image_labels:?}"
    );
    // Made by hand with the image's labels only, and one that copies the managed-by label.
    let plain = create_from_image(&docker, HashMap::new()).await;
    let copied = create_from_image(
        &docker,
        HashMap::from([(LABEL_MANAGED_BY.to_string(), MANAGED_BY.to_string())]),
    )
    .await;
    sweep_every_way(&executor).await;
    let kept = (
        exists(&docker, &plain).await,
        exists(&docker, &copied).await,
    );
    assert!(remove_container(&docker, &plain).await);
    assert!(remove_container(&docker, &copied).await);
    assert_eq!(kept, (true, true), "a sweep removed a hand-made container");
}

#[tokio::test]
async fn a_live_runner_with_a_dead_runners_host_and_pid_keeps_its_container() {
    let executor = executor().await;
    let docker = executor.docker().clone();
    let state = StateDir::locate().unwrap();
    // A runner in another PID namespace: same host name, and a PID that is dead here.
    let instance = instance_id("pidns");
    let holder = Holder::hold(&state, &instance);
    let id = create_from_image(
        &docker,
        runner_labels(&state, &instance, &hostname(), dead_pid(), unix_now()),
    )
    .await;
    sweep_every_way(&executor).await;
    let kept = exists(&docker, &id).await;
    // Once that runner dies, the same container is an orphan and the sweep removes it.
    drop(holder);
    executor.cleanup_orphaned_containers().await.unwrap();
    // The other tests' sweeps run beside this one and may be removing it at the same moment.
    let mut removed_once_dead = false;
    for _ in 0..100 {
        removed_once_dead = !exists(&docker, &id).await;
        if removed_once_dead {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    remove_container(&docker, &id).await;
    assert!(kept, "the container of a live runner was swept");
    assert!(removed_once_dead, "the dead runner's container survived");
    assert!(
        !state.record_path(&instance).exists(),
        "the dead runner's record was not forgotten"
    );
}

#[tokio::test]
async fn an_old_warm_container_of_a_live_runner_is_kept() {
    let executor = executor().await;
    let docker = executor.docker().clone();
    let state = StateDir::locate().unwrap();
    // A live runner elsewhere (another host name, as in a container of its own) whose warm
    // container has idled for an hour, far past the longest execution.
    let instance = instance_id("idle");
    let _holder = Holder::hold(&state, &instance);
    let id = create_from_image(
        &docker,
        runner_labels(
            &state,
            &instance,
            "runner-in-a-container",
            1,
            unix_now() - 3600,
        ),
    )
    .await;
    sweep_every_way(&executor).await;
    let kept = exists(&docker, &id).await;
    remove_container(&docker, &id).await;
    assert!(
        kept,
        "another runner's sweep removed a live runner's warm container"
    );
}

#[tokio::test]
async fn cleanup_without_options_leaves_a_live_runners_containers() {
    let live = executor().await;
    let docker = live.docker().clone();
    // A container of a live runner (this process's executor), as a warm one would be.
    let id = create_from_image(
        &docker,
        runner_labels(
            &StateDir::locate().unwrap(),
            live.instance_id(),
            &hostname(),
            std::process::id(),
            unix_now(),
        ),
    )
    .await;
    let cleanup = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_stockade"))
            .arg("cleanup")
            .args(args)
            .current_dir(root())
            .output()
            .expect("stockade cleanup");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    cleanup(&[]);
    assert!(
        exists(&docker, &id).await,
        "`stockade cleanup` removed a live runner's container"
    );
    // Named, it goes, even while its runner lives.
    let said = cleanup(&["--instance", live.instance_id()]);
    let removed = !exists(&docker, &id).await;
    remove_container(&docker, &id).await;
    assert!(removed, "`--instance` did not remove it: {said}");
    assert!(said.starts_with("removed 1/1 "), "{said}");
}
