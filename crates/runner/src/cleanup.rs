//! Guaranteed removal of sandbox containers, and finding the ones a dead runner left behind.
//!
//! Every container carries labels naming the runner that made it. A runner also records its
//! host, PID and the PID's start time, so another runner on the same host can tell a live
//! owner from a dead one without any shared state.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bollard::query_parameters::{
    InspectContainerOptions, KillContainerOptions, ListContainersOptions, RemoveContainerOptions,
};
use bollard::Docker;
use serde::Serialize;

use crate::error::{is_not_found, RunnerError};

/// Label present on every container Stockade creates.
pub const LABEL_MANAGED_BY: &str = "io.stockade.managed-by";
/// Value of [`LABEL_MANAGED_BY`].
pub const MANAGED_BY: &str = "stockade";
/// The runner instance (random id) that created the container.
pub const LABEL_INSTANCE: &str = "io.stockade.instance";
/// The request the container serves (empty for warm-pool containers until used).
pub const LABEL_REQUEST_ID: &str = "io.stockade.request-id";
/// Creation time, Unix seconds.
pub const LABEL_CREATED_AT: &str = "io.stockade.created-at";
/// Host name of the creating runner.
pub const LABEL_OWNER_HOST: &str = "io.stockade.owner-host";
/// PID of the creating runner.
pub const LABEL_OWNER_PID: &str = "io.stockade.owner-pid";
/// Start time (clock ticks since boot) of the creating runner's PID, against PID reuse.
pub const LABEL_OWNER_START: &str = "io.stockade.owner-start";

/// Who owns the containers a runner creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Owner {
    pub instance: String,
    pub host: String,
    pub pid: u32,
    pub start: Option<u64>,
}

impl Owner {
    pub fn current(instance: String) -> Owner {
        let pid = std::process::id();
        Owner {
            instance,
            host: hostname(),
            pid,
            start: process_start(pid),
        }
    }

    /// The labels for a new container.
    pub fn labels(&self, request_id: Option<&str>) -> HashMap<String, String> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let mut l = HashMap::new();
        l.insert(LABEL_MANAGED_BY.into(), MANAGED_BY.into());
        l.insert(LABEL_INSTANCE.into(), self.instance.clone());
        l.insert(
            LABEL_REQUEST_ID.into(),
            request_id.unwrap_or_default().to_string(),
        );
        l.insert(LABEL_CREATED_AT.into(), now.to_string());
        l.insert(LABEL_OWNER_HOST.into(), self.host.clone());
        l.insert(LABEL_OWNER_PID.into(), self.pid.to_string());
        if let Some(start) = self.start {
            l.insert(LABEL_OWNER_START.into(), start.to_string());
        }
        l
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// Field 22 of `/proc/<pid>/stat`: the process's start time in clock ticks since boot.
fn process_start(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces; fields after it follow the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// A container Stockade manages, as listed by its labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManagedContainer {
    /// Container id.
    pub id: String,
    /// Docker's state (`running`, `exited`, `created`, ...).
    pub state: String,
    /// Runner instance that created it.
    pub instance: String,
    /// Request id label.
    pub request_id: String,
    /// Creation time label (Unix seconds).
    pub created_at: u64,
    /// Whether the creating runner is known to be gone (or the container is old).
    pub owner_alive: bool,
}

/// How a cleanup sweep went.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CleanupReport {
    /// Containers the sweep tried to remove.
    pub total: usize,
    /// Containers confirmed gone.
    pub removed: usize,
    /// Ids that could not be removed.
    pub failed: Vec<String>,
}

/// Decides whether the owner recorded in `labels` is still alive, seen from `me`.
///
/// On this host a runner is alive while its PID exists with the same start time. For another
/// host nothing can be checked, so the container counts as alive until it is older than
/// `max_age` (the longest an execution may legitimately last).
pub(crate) fn owner_alive(
    labels: &HashMap<String, String>,
    me: &Owner,
    created_at: u64,
    max_age: Duration,
) -> bool {
    let instance = labels.get(LABEL_INSTANCE).map(String::as_str);
    if instance == Some(me.instance.as_str()) {
        return true;
    }
    let host = labels.get(LABEL_OWNER_HOST).map(String::as_str);
    let pid = labels
        .get(LABEL_OWNER_PID)
        .and_then(|p| p.parse::<u32>().ok());
    if host == Some(me.host.as_str()) {
        let Some(pid) = pid else { return false };
        let recorded = labels
            .get(LABEL_OWNER_START)
            .and_then(|s| s.parse::<u64>().ok());
        return match (process_start(pid), recorded) {
            (None, _) => false,
            (Some(now), Some(then)) => now == then,
            (Some(_), None) => true,
        };
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    now.saturating_sub(created_at) <= max_age.as_secs()
}

/// Lists every container with the managed-by label, in any state.
pub(crate) async fn list_managed(
    docker: &Docker,
    me: &Owner,
    max_age: Duration,
) -> Result<Vec<ManagedContainer>, RunnerError> {
    let mut filters = HashMap::new();
    filters.insert(
        "label".to_string(),
        vec![format!("{LABEL_MANAGED_BY}={MANAGED_BY}")],
    );
    let list = docker
        .list_containers(Some(ListContainersOptions {
            all: true,
            filters: Some(filters),
            ..Default::default()
        }))
        .await
        .map_err(RunnerError::docker("list containers"))?;
    Ok(list
        .into_iter()
        .filter_map(|c| {
            let id = c.id?;
            let labels = c.labels.unwrap_or_default();
            let created_at = labels
                .get(LABEL_CREATED_AT)
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            Some(ManagedContainer {
                owner_alive: owner_alive(&labels, me, created_at, max_age),
                id,
                state: c.state.map(|s| s.to_string()).unwrap_or_default(),
                instance: labels.get(LABEL_INSTANCE).cloned().unwrap_or_default(),
                request_id: labels.get(LABEL_REQUEST_ID).cloned().unwrap_or_default(),
                created_at,
            })
        })
        .collect())
}

/// Lists managed containers as seen by a process that owns none of them (the CLI).
pub async fn list_all(
    docker: &Docker,
    max_age: Duration,
) -> Result<Vec<ManagedContainer>, RunnerError> {
    list_managed(docker, &Owner::current(String::new()), max_age).await
}

/// Removes the containers whose runner is dead (or that are older than `max_age` and were made
/// on another host); returns what was found and how removal went.
pub async fn remove_orphans(
    docker: &Docker,
    max_age: Duration,
) -> Result<(Vec<ManagedContainer>, CleanupReport), RunnerError> {
    let orphans: Vec<ManagedContainer> = list_all(docker, max_age)
        .await?
        .into_iter()
        .filter(|c| !c.owner_alive)
        .collect();
    let report = remove_all(docker, orphans.iter().map(|c| c.id.clone()).collect()).await;
    Ok((orphans, report))
}

/// Removes every managed container, live runners' included.
pub async fn remove_every_managed(docker: &Docker) -> Result<CleanupReport, RunnerError> {
    let ids = list_all(docker, Duration::MAX)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    Ok(remove_all(docker, ids).await)
}

/// Removes a container, escalating: remove, then force-remove, then kill and force-remove.
/// Returns true only when the engine then reports the container gone (404).
pub async fn remove_container(docker: &Docker, id: &str) -> bool {
    let plain = RemoveContainerOptions {
        v: true,
        ..Default::default()
    };
    let force = RemoveContainerOptions {
        v: true,
        force: true,
        ..Default::default()
    };
    let mut gone = match docker.remove_container(id, Some(plain)).await {
        Ok(()) => true,
        Err(e) if is_not_found(&e) => true,
        Err(e) => {
            tracing::debug!(container = id, error = %e, "remove failed, forcing");
            false
        }
    };
    if !gone {
        gone = match docker.remove_container(id, Some(force.clone())).await {
            Ok(()) => true,
            Err(e) if is_not_found(&e) => true,
            Err(e) => {
                tracing::warn!(container = id, error = %e, "force remove failed, killing");
                false
            }
        };
    }
    if !gone {
        let _ = docker
            .kill_container(
                id,
                Some(KillContainerOptions {
                    signal: "SIGKILL".into(),
                }),
            )
            .await;
        if let Err(e) = docker.remove_container(id, Some(force)).await {
            if !is_not_found(&e) {
                tracing::error!(container = id, error = %e, "kill and remove failed");
            }
        }
    }
    confirm_gone(docker, id).await
}

/// True when inspecting the container answers 404.
pub async fn confirm_gone(docker: &Docker, id: &str) -> bool {
    match docker
        .inspect_container(id, None::<InspectContainerOptions>)
        .await
    {
        Err(e) if is_not_found(&e) => true,
        Ok(_) => false,
        Err(e) => {
            tracing::warn!(container = id, error = %e, "cannot confirm removal");
            false
        }
    }
}

/// Removes many containers concurrently.
pub(crate) async fn remove_all(docker: &Docker, ids: Vec<String>) -> CleanupReport {
    let total = ids.len();
    let results = futures_util::future::join_all(ids.into_iter().map(|id| async move {
        let ok = remove_container(docker, &id).await;
        (id, ok)
    }))
    .await;
    let mut report = CleanupReport {
        total,
        ..Default::default()
    };
    for (id, ok) in results {
        if ok {
            report.removed += 1;
        } else {
            report.failed.push(id);
        }
    }
    report
}

/// Ids of containers this runner is using right now.
pub(crate) type LiveSet = Arc<Mutex<HashSet<String>>>;

/// Owns one container: unless disarmed, dropping it kills and removes the container in the
/// background, so a cancelled execution (client hung up, future dropped) never leaks one.
#[derive(Debug)]
pub(crate) struct ContainerGuard {
    docker: Docker,
    id: String,
    live: LiveSet,
    armed: bool,
}

impl ContainerGuard {
    pub fn new(docker: Docker, id: String, live: LiveSet) -> Self {
        if let Ok(mut set) = live.lock() {
            set.insert(id.clone());
        }
        ContainerGuard {
            docker,
            id,
            live,
            armed: true,
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Removes the container now; returns whether it is confirmed gone.
    pub async fn remove(mut self) -> bool {
        let ok = remove_container(&self.docker, &self.id).await;
        self.release();
        ok
    }

    /// Leaves the container in place (cleanup_on_exit: false); later sweeps find it.
    pub fn keep(mut self) {
        self.release();
    }

    fn release(&mut self) {
        self.armed = false;
        if let Ok(mut set) = self.live.lock() {
            set.remove(&self.id);
        }
    }
}

impl Drop for ContainerGuard {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let docker = self.docker.clone();
        let id = std::mem::take(&mut self.id);
        let live = self.live.clone();
        let task = async move {
            let ok = remove_container(&docker, &id).await;
            if let Ok(mut set) = live.lock() {
                set.remove(&id);
            }
            if !ok {
                tracing::error!(container = %id, "abandoned container could not be removed");
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                handle.spawn(task);
            }
            Err(_) => {
                // Dropped outside a runtime: finish the removal on a short-lived thread.
                let _ = std::thread::Builder::new()
                    .name("stockade-cleanup".into())
                    .spawn(move || {
                        if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                            .enable_all()
                            .build()
                        {
                            rt.block_on(task);
                        }
                    });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn me() -> Owner {
        Owner::current("me".into())
    }

    #[test]
    fn own_start_time_is_readable() {
        assert!(process_start(std::process::id()).is_some());
    }

    #[test]
    fn liveness_from_labels() {
        let me = me();
        let age = Duration::from_secs(600);
        // Our own instance is alive.
        let ours = me.labels(None);
        assert!(owner_alive(&ours, &me, 0, age));
        // Another instance in this very process (same pid and start) is alive.
        let mut sibling = ours.clone();
        sibling.insert(LABEL_INSTANCE.into(), "other".into());
        assert!(owner_alive(&sibling, &me, 0, age));
        // A recycled PID (different start time) is dead.
        let mut recycled = sibling.clone();
        recycled.insert(LABEL_OWNER_START.into(), "1".into());
        assert!(!owner_alive(&recycled, &me, 0, age));
        // A PID that does not exist is dead.
        let mut gone = sibling.clone();
        gone.insert(LABEL_OWNER_PID.into(), u32::MAX.to_string());
        assert!(!owner_alive(&gone, &me, 0, age));
        // Another host: alive until older than the longest execution.
        let mut remote = sibling;
        remote.insert(LABEL_OWNER_HOST.into(), "elsewhere".into());
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        assert!(owner_alive(&remote, &me, now, age));
        assert!(!owner_alive(&remote, &me, now - 3600, age));
    }
}
