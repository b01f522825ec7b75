//! The warm pool: single-use containers started ahead of time, their harness already past the
//! numpy/pandas imports and blocked on stdin. A container joins the pool only once its harness
//! has said so (its ready line), so a request never waits for imports.
//!
//! Only requests with the default settings (the config's memory, CPU and runtime, execute mode)
//! take a warm container; anything else is created cold with its own limits. Re-applying
//! limits with `update_container` would work for memory and CPU, but not for the runtime or a
//! `/data` mount, and a container whose limits changed after start is harder to reason about,
//! so the pool does not do it. A container is handed out once and never returns.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bollard::query_parameters::InspectContainerOptions;
use tokio::sync::Notify;

use crate::executor::hardening::ContainerSpec;
use crate::executor::{ExecOptions, Executor, PreparedContainer};
use crate::metrics::Metrics;

/// Warm containers older than this are replaced: a long-idle container is not trusted to be
/// in the state it was started in. (Age never makes a container an orphan: other runners'
/// sweeps go by this runner's liveness record.)
const MAX_IDLE: Duration = Duration::from_secs(15 * 60);

/// Containers the refill task starts at once.
const REFILL_PARALLEL: usize = 4;

/// How long a new container may take to become ready (imports, under load or gVisor).
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// A pool of prepared containers with the default settings. Cheap to clone.
#[derive(Clone)]
pub struct Pool {
    inner: Arc<Inner>,
}

struct Inner {
    executor: Executor,
    spec: Option<ContainerSpec>,
    size: usize,
    ready: Mutex<VecDeque<PreparedContainer>>,
    wake: Notify,
    stopped: AtomicBool,
    /// Set once, by [`Pool::drain`]: interrupts a refill in progress.
    stop: tokio::sync::watch::Sender<bool>,
    /// Whether the last attempt to start a container worked (readiness).
    healthy: AtomicBool,
    /// Whether the pool has been full since it last failed.
    filled: AtomicBool,
    /// Whether the refill task has been started.
    started: AtomicBool,
    metrics: &'static Metrics,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("size", &self.inner.size)
            .field("ready", &self.len())
            .finish()
    }
}

impl Pool {
    /// A pool of `size` containers (0 disables it), empty until [`Pool::start`].
    pub fn new(executor: Executor, size: usize, metrics: &'static Metrics) -> Pool {
        // The default spec; if the config itself cannot produce one the pool stays empty and
        // every request goes cold (and reports the same error).
        let spec = executor.spec_for(&ExecOptions::default(), None).ok();
        Pool {
            inner: Arc::new(Inner {
                executor,
                spec,
                size,
                ready: Mutex::new(VecDeque::new()),
                wake: Notify::new(),
                stopped: AtomicBool::new(false),
                stop: tokio::sync::watch::channel(false).0,
                healthy: AtomicBool::new(true),
                filled: AtomicBool::new(size == 0),
                started: AtomicBool::new(false),
                metrics,
            }),
        }
    }

    /// Starts the background task that fills the pool and keeps it full (once; later calls
    /// do nothing). A service calls it only once it is bound: a runner that cannot listen
    /// must not have created containers.
    pub fn start(&self) {
        let inner = &self.inner;
        if inner.size > 0
            && inner.spec.is_some()
            && !inner.started.swap(true, Ordering::Relaxed)
            && !inner.stopped.load(Ordering::Relaxed)
        {
            tokio::spawn(refill(inner.clone()));
        }
    }

    /// Containers ready now.
    pub fn len(&self) -> usize {
        self.inner.ready.lock().map(|r| r.len()).unwrap_or(0)
    }

    /// True when no container is ready.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The configured size.
    pub fn capacity(&self) -> usize {
        self.inner.size
    }

    /// Ready for traffic: the pool has filled up since its last failure to start a container.
    pub fn is_ready(&self) -> bool {
        self.inner.filled.load(Ordering::Relaxed) && self.inner.healthy.load(Ordering::Relaxed)
    }

    /// A warm container for `spec`, if the spec is the pool's and one is ready and still
    /// running. Counts the hit or miss.
    pub async fn take(&self, spec: &ContainerSpec) -> Option<PreparedContainer> {
        let inner = &self.inner;
        let matches = inner.spec.as_ref().is_some_and(|p| {
            p.memory_bytes == spec.memory_bytes
                && p.cpu_limit == spec.cpu_limit
                && p.runtime == spec.runtime
                && p.data_dir == spec.data_dir
        });
        if matches {
            loop {
                let next = inner.ready.lock().ok().and_then(|mut r| r.pop_front());
                let Some(container) = next else { break };
                inner.metrics.pool_size.set(self.len() as i64);
                inner.wake.notify_one();
                if container.age() < MAX_IDLE && is_running(&inner.executor, container.id()).await {
                    inner.metrics.pool_hits_total.inc();
                    return Some(container);
                }
                // Dead (engine restarted, killed from outside) or stale: dropping removes it.
                tracing::info!(
                    container = container.id(),
                    "discarding a warm container that is no longer usable"
                );
            }
        }
        inner.metrics.pool_misses_total.inc();
        None
    }

    /// Stops refilling and removes every warm container. Containers the refill was starting
    /// are removed too; [`Executor::settle`] waits for all of it.
    pub fn drain(&self) {
        self.inner.stopped.store(true, Ordering::Relaxed);
        self.inner.stop.send_replace(true);
        self.inner.wake.notify_one();
        let drained: Vec<PreparedContainer> = self
            .inner
            .ready
            .lock()
            .map(|mut r| r.drain(..).collect())
            .unwrap_or_default();
        self.inner.metrics.pool_size.set(0);
        // Each container's guard removes it in the background; the shutdown sweep that
        // follows (`Executor::cleanup_all`) confirms nothing is left.
        drop(drained);
    }
}

async fn is_running(executor: &Executor, id: &str) -> bool {
    match executor
        .docker()
        .inspect_container(id, None::<InspectContainerOptions>)
        .await
    {
        Ok(c) => c.state.and_then(|s| s.running).unwrap_or(false),
        Err(_) => false,
    }
}

/// Keeps the pool full; backs off while the engine fails.
async fn refill(inner: Arc<Inner>) {
    let Some(spec) = inner.spec.clone() else {
        return;
    };
    let mut backoff = Duration::from_millis(500);
    while !inner.stopped.load(Ordering::Relaxed) {
        let have = inner.ready.lock().map(|r| r.len()).unwrap_or(inner.size);
        if have >= inner.size {
            inner.filled.store(true, Ordering::Relaxed);
            // Wake on a take, or now and then to replace stale containers.
            let _ = tokio::time::timeout(MAX_IDLE / 4, inner.wake.notified()).await;
            let stale: Vec<PreparedContainer> = match inner.ready.lock() {
                Ok(mut r) => {
                    let (old, fresh): (Vec<_>, Vec<_>) =
                        r.drain(..).partition(|c| c.age() >= MAX_IDLE);
                    r.extend(fresh);
                    old
                }
                Err(_) => Vec::new(),
            };
            drop(stale);
            continue;
        }
        // Start the missing containers concurrently (a few at a time): after a burst of
        // takes, refilling one by one would leave later requests to cold starts.
        let missing = (inner.size - have).min(REFILL_PARALLEL);
        let started = Instant::now();
        let starting = futures_util::future::join_all((0..missing).map(|_| async {
            let mut container = inner.executor.prepare(spec.clone()).await?;
            container.wait_ready(STARTUP_TIMEOUT).await?;
            Ok::<_, crate::error::RunnerError>(container)
        }));
        // A drain must not wait out a start-up (up to STARTUP_TIMEOUT): dropping the starts
        // removes what they created.
        let mut stop = inner.stop.subscribe();
        let results = tokio::select! {
            results = starting => results,
            _ = stop.wait_for(|stopped| *stopped) => return,
        };
        let mut failed = None;
        for result in results {
            match result {
                Ok(container) => {
                    inner.metrics.container_created_total.inc();
                    inner
                        .metrics
                        .container_creation_time_seconds
                        .observe(started.elapsed().as_secs_f64());
                    if inner.stopped.load(Ordering::Relaxed) {
                        drop(container);
                        continue;
                    }
                    if let Ok(mut r) = inner.ready.lock() {
                        r.push_back(container);
                        inner.metrics.pool_size.set(r.len() as i64);
                    }
                }
                Err(e) => failed = Some(e),
            }
        }
        match failed {
            None => {
                inner.healthy.store(true, Ordering::Relaxed);
                backoff = Duration::from_millis(500);
            }
            Some(e) => {
                tracing::warn!(error = %e, retry_in = ?backoff, "warm pool could not start a container");
                inner.healthy.store(false, Ordering::Relaxed);
                inner.filled.store(false, Ordering::Relaxed);
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
}
