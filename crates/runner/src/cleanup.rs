//! Guaranteed removal of sandbox containers, and finding the ones a dead runner left behind.
//!
//! Every container carries labels naming the runner instance that made it and the domain of
//! that runner's liveness record ([`crate::liveness`]). A container is an orphan only when its
//! instance is provably dead: its record, in a state directory this process can see, is
//! absent or not held. Containers without an instance label (one created by hand from the
//! image, say) are not Stockade's and are never touched.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use bollard::query_parameters::{
    InspectContainerOptions, KillContainerOptions, ListContainersOptions, RemoveContainerOptions,
};
use bollard::Docker;
use serde::Serialize;

use crate::error::{is_not_found, RunnerError};
use crate::liveness::StateDir;

/// Label present on every container Stockade creates (never on the image: a container created
/// from the image by hand would inherit it).
pub const LABEL_MANAGED_BY: &str = "io.stockade.managed-by";
/// Value of [`LABEL_MANAGED_BY`].
pub const MANAGED_BY: &str = "stockade";
/// The runner instance (random id) that created the container.
pub const LABEL_INSTANCE: &str = "io.stockade.instance";
/// The domain (state directory) where that instance's liveness record can be tested.
pub const LABEL_LIVENESS_DOMAIN: &str = "io.stockade.liveness-domain";
/// The request the container serves (empty for warm-pool containers until used).
pub const LABEL_REQUEST_ID: &str = "io.stockade.request-id";
/// Creation time, Unix seconds.
pub const LABEL_CREATED_AT: &str = "io.stockade.created-at";
/// Host name of the creating runner, for people reading `docker ps` (it proves nothing).
pub const LABEL_OWNER_HOST: &str = "io.stockade.owner-host";
/// PID of the creating runner, for people reading `docker ps` (it proves nothing).
pub const LABEL_OWNER_PID: &str = "io.stockade.owner-pid";

/// Who owns the containers a runner creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Owner {
    pub instance: String,
    pub state: StateDir,
}

impl Owner {
    /// The labels for a new container.
    pub fn labels(&self, request_id: Option<&str>) -> HashMap<String, String> {
        let mut l = HashMap::new();
        l.insert(LABEL_MANAGED_BY.into(), MANAGED_BY.into());
        l.insert(LABEL_INSTANCE.into(), self.instance.clone());
        l.insert(LABEL_LIVENESS_DOMAIN.into(), self.state.domain().into());
        l.insert(
            LABEL_REQUEST_ID.into(),
            request_id.unwrap_or_default().to_string(),
        );
        l.insert(LABEL_CREATED_AT.into(), unix_now().to_string());
        l.insert(LABEL_OWNER_HOST.into(), hostname());
        l.insert(LABEL_OWNER_PID.into(), std::process::id().to_string());
        l
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
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
    /// False only when the creating runner is proven dead; true while it lives and when its
    /// liveness cannot be tested from here (another domain).
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

/// Decides whether the runner instance recorded in `labels` may still be alive, seen by
/// `viewer` (this runner's own instance id, if any, and state directory).
///
/// Only a record in the viewer's own domain can prove death; anything else counts as alive.
pub(crate) fn owner_alive(
    labels: &HashMap<String, String>,
    own_instance: Option<&str>,
    state: &StateDir,
) -> bool {
    let Some(instance) = labels.get(LABEL_INSTANCE) else {
        return true;
    };
    if Some(instance.as_str()) == own_instance {
        return true;
    }
    if labels.get(LABEL_LIVENESS_DOMAIN).map(String::as_str) != Some(state.domain()) {
        return true;
    }
    state.is_alive(instance)
}

/// Lists every container Stockade created (managed-by and instance labels), in any state.
pub(crate) async fn list_managed(
    docker: &Docker,
    own_instance: Option<&str>,
    state: &StateDir,
) -> Result<Vec<ManagedContainer>, RunnerError> {
    let mut filters = HashMap::new();
    filters.insert(
        "label".to_string(),
        vec![
            format!("{LABEL_MANAGED_BY}={MANAGED_BY}"),
            LABEL_INSTANCE.to_string(),
        ],
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
            let instance = labels
                .get(LABEL_INSTANCE)
                .filter(|i| !i.is_empty())?
                .clone();
            Some(ManagedContainer {
                owner_alive: owner_alive(&labels, own_instance, state),
                id,
                state: c.state.map(|s| s.to_string()).unwrap_or_default(),
                instance,
                request_id: labels.get(LABEL_REQUEST_ID).cloned().unwrap_or_default(),
                created_at: labels
                    .get(LABEL_CREATED_AT)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0),
            })
        })
        .collect())
}

/// Lists managed containers as seen by a process that owns none of them (the CLI).
pub async fn list_all(docker: &Docker) -> Result<Vec<ManagedContainer>, RunnerError> {
    list_managed(docker, None, &StateDir::locate()?).await
}

/// Removes the containers of runner instances proven dead; returns what was found and how
/// removal went.
pub async fn remove_orphans(
    docker: &Docker,
) -> Result<(Vec<ManagedContainer>, CleanupReport), RunnerError> {
    let state = StateDir::locate()?;
    let orphans: Vec<ManagedContainer> = list_managed(docker, None, &state)
        .await?
        .into_iter()
        .filter(|c| !c.owner_alive)
        .collect();
    let report = remove_dead_instances(docker, &state, &orphans).await;
    Ok((orphans, report))
}

/// Removes `orphans` (containers of dead instances), then forgets the records of the
/// instances that have nothing left.
pub(crate) async fn remove_dead_instances(
    docker: &Docker,
    state: &StateDir,
    orphans: &[ManagedContainer],
) -> CleanupReport {
    let report = remove_all(docker, orphans.iter().map(|c| c.id.clone()).collect()).await;
    let failed: HashSet<&str> = report.failed.iter().map(String::as_str).collect();
    let mut instances: HashSet<&str> = orphans.iter().map(|c| c.instance.as_str()).collect();
    for c in orphans {
        if failed.contains(c.id.as_str()) {
            instances.remove(c.instance.as_str());
        }
    }
    for instance in instances {
        state.forget_dead(instance);
    }
    report
}

/// Removes the containers of one runner instance, alive or not.
pub async fn remove_instance(
    docker: &Docker,
    instance: &str,
) -> Result<CleanupReport, RunnerError> {
    let state = StateDir::locate()?;
    let ids = list_managed(docker, None, &state)
        .await?
        .into_iter()
        .filter(|c| c.instance == instance)
        .map(|c| c.id)
        .collect();
    Ok(remove_all(docker, ids).await)
}

/// Removes every managed container, live runners' included.
pub async fn remove_every_managed(docker: &Docker) -> Result<CleanupReport, RunnerError> {
    let ids = list_all(docker).await?.into_iter().map(|c| c.id).collect();
    Ok(remove_all(docker, ids).await)
}

/// Removes a container, escalating: remove, then force-remove, then kill and force-remove.
/// Returns true only when the engine reports the container gone (removed, or 404).
pub async fn remove_container(docker: &Docker, id: &str) -> bool {
    remove_escalating(docker, id, false).await
}

/// [`remove_container`] for a container whose work is over but which may still be exiting
/// (its result is complete): forced from the first call, which spares the engine a refused
/// plain removal (409, still running) per execution.
pub async fn remove_finished(docker: &Docker, id: &str) -> bool {
    remove_escalating(docker, id, true).await
}

async fn remove_escalating(docker: &Docker, id: &str, force_first: bool) -> bool {
    let plain = RemoveContainerOptions {
        v: true,
        force: force_first,
        ..Default::default()
    };
    let force = RemoveContainerOptions {
        v: true,
        force: true,
        ..Default::default()
    };
    // The engine answers a removal only once the container is gone: no need to ask again.
    match docker.remove_container(id, Some(plain)).await {
        Ok(()) => return true,
        Err(e) if is_not_found(&e) => return true,
        Err(e) => tracing::debug!(container = id, error = %e, "remove failed, forcing"),
    }
    match docker.remove_container(id, Some(force.clone())).await {
        Ok(()) => return true,
        Err(e) if is_not_found(&e) => return true,
        Err(e) => tracing::warn!(container = id, error = %e, "force remove failed, killing"),
    }
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
            tracing::warn!(container = id, error = %e, "kill and remove failed");
        }
    }
    // Another runner's sweep may be removing the same container (the engine then answers
    // 409, removal already in progress): let it finish before calling the removal failed.
    for _ in 0..CONFIRM_TRIES {
        if confirm_gone(docker, id).await {
            return true;
        }
        tokio::time::sleep(CONFIRM_PAUSE).await;
    }
    tracing::error!(container = id, "container could not be removed");
    false
}

/// How often, and how far apart, a removal is re-checked before it counts as failed.
const CONFIRM_TRIES: usize = 20;
const CONFIRM_PAUSE: std::time::Duration = std::time::Duration::from_millis(100);

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

/// Container work a runner must see finish before it exits: creations in flight, containers
/// held by a guard, and the removals dropped guards started in the background. A shutdown
/// that only swept would miss a container whose creation the engine completes after the
/// sweep, and the tasks still removing containers die with the process.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pending(Arc<PendingInner>);

#[derive(Debug, Default)]
struct PendingInner {
    count: Mutex<usize>,
    idle: tokio::sync::Notify,
}

/// One unit of [`Pending`] work; dropping it ends the unit.
#[derive(Debug)]
pub(crate) struct PendingToken(Arc<PendingInner>);

impl Pending {
    /// Starts a unit of work.
    pub fn token(&self) -> PendingToken {
        if let Ok(mut n) = self.0.count.lock() {
            *n += 1;
        }
        PendingToken(self.0.clone())
    }

    fn count(&self) -> usize {
        self.0.count.lock().map(|n| *n).unwrap_or(0)
    }

    /// Resolves once no unit of work is left.
    pub async fn settled(&self) {
        loop {
            // Registered before the check, so a unit ending in between still wakes us.
            let idle = self.0.idle.notified();
            if self.count() == 0 {
                return;
            }
            idle.await;
        }
    }
}

impl Drop for PendingToken {
    fn drop(&mut self) {
        let idle = match self.0.count.lock() {
            Ok(mut n) => {
                *n = n.saturating_sub(1);
                *n == 0
            }
            Err(_) => false,
        };
        if idle {
            self.0.idle.notify_waiters();
        }
    }
}

/// Owns one container: unless disarmed, dropping it kills and removes the container in the
/// background, so a cancelled execution (client hung up, future dropped) never leaks one.
#[derive(Debug)]
pub(crate) struct ContainerGuard {
    docker: Docker,
    id: String,
    live: LiveSet,
    armed: bool,
    /// Held while the guard owns the container, then by its background removal.
    pending: Option<PendingToken>,
}

impl ContainerGuard {
    pub fn new(docker: Docker, id: String, live: LiveSet, pending: &Pending) -> Self {
        if let Ok(mut set) = live.lock() {
            set.insert(id.clone());
        }
        ContainerGuard {
            docker,
            id,
            live,
            armed: true,
            pending: Some(pending.token()),
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

    /// Removes a container whose result is complete but which may still be exiting
    /// ([`remove_finished`]); returns whether it is confirmed gone.
    pub async fn remove_finished(mut self) -> bool {
        let ok = remove_finished(&self.docker, &self.id).await;
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
        let pending = self.pending.take();
        let task = async move {
            let _pending = pending;
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
    use crate::liveness::Liveness;

    #[test]
    fn liveness_from_labels_and_records() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let state = StateDir::open(tmp.path()).expect("state dir");
        let owner = Owner {
            instance: "me".into(),
            state: state.clone(),
        };
        let ours = owner.labels(None);
        // Our own instance is alive even without a record.
        assert!(owner_alive(&ours, Some("me"), &state));
        // Another instance in this domain: dead without a record, alive while it is held.
        let mut other = ours.clone();
        other.insert(LABEL_INSTANCE.into(), "other".into());
        assert!(!owner_alive(&other, Some("me"), &state));
        let held = Liveness::hold(&state, "other").expect("hold");
        assert!(owner_alive(&other, Some("me"), &state));
        drop(held);
        assert!(!owner_alive(&other, Some("me"), &state));
        // Another domain cannot be judged from here, whatever its host and PID say.
        let mut foreign = other.clone();
        foreign.insert(LABEL_LIVENESS_DOMAIN.into(), "elsewhere".into());
        assert!(owner_alive(&foreign, Some("me"), &state));
        let mut undated = other;
        undated.remove(LABEL_LIVENESS_DOMAIN);
        assert!(owner_alive(&undated, None, &state));
        // No instance label: not a runner's container at all.
        assert!(owner_alive(&HashMap::new(), None, &state));
    }
}
