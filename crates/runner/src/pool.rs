//! The warm pool: single-use containers started ahead of time, their harness already past its
//! imports and blocked on stdin. A container joins the pool only once its harness has said so
//! (its ready line), so a request never waits for imports.
//!
//! Containers come in kinds ([`Preload`]): what their harness imported before its filters went
//! up. The pool keeps the kinds recent requests needed, in proportion to how many asked for
//! each (before any request, all of the kind that runs everything), and hands each request the
//! cheapest ready container that covers what its code imports.
//!
//! Only requests with the default settings (the config's memory, CPU, runtime and image
//! variant, execute mode) take a warm container; anything else is created cold with its own limits. Re-applying
//! limits with `update_container` would work for memory and CPU, but not for the runtime or a
//! `/data` mount, and a container whose limits changed after start is harder to reason about,
//! so the pool does not do it. A container is handed out once and never returns.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::executor::hardening::ContainerSpec;
use crate::executor::preload::Preload;
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

/// How many of the latest requests size the kinds.
const DEMAND_WINDOW: usize = 32;

/// Ready containers, one queue per kind (indexed by [`Preload::index`]).
type Shelves = [VecDeque<PreparedContainer>; Preload::COUNT];

/// A pool of prepared containers with the default settings. Cheap to clone.
#[derive(Clone)]
pub struct Pool {
    inner: Arc<Inner>,
}

struct Inner {
    executor: Executor,
    /// The default spec; the pool varies only its `preload`.
    spec: Option<ContainerSpec>,
    size: usize,
    ready: Mutex<Shelves>,
    /// The kinds the latest requests needed, newest last.
    demand: Mutex<VecDeque<Preload>>,
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
                ready: Mutex::new(Default::default()),
                demand: Mutex::new(VecDeque::with_capacity(DEMAND_WINDOW)),
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
        self.inner.ready.lock().map(|r| total(&r)).unwrap_or(0)
    }

    /// Containers ready now, per kind (indexed by [`Preload::index`]).
    pub fn ready_by_kind(&self) -> [usize; Preload::COUNT] {
        self.inner
            .ready
            .lock()
            .map(|r| lengths(&r))
            .unwrap_or_default()
    }

    /// How many containers of each kind the pool is filling up to, from recent demand.
    pub fn targets(&self) -> [usize; Preload::COUNT] {
        let demand = self
            .inner
            .demand
            .lock()
            .map(|d| d.clone())
            .unwrap_or_default();
        targets(&demand, self.inner.size)
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

    /// A warm container for `spec`: the cheapest ready kind that covers `spec.preload`, if
    /// the rest of the spec is the pool's and the container is still running. Counts the hit
    /// or miss, and the demand for the kind.
    pub async fn take(&self, spec: &ContainerSpec) -> Option<PreparedContainer> {
        let inner = &self.inner;
        let matches = inner.spec.as_ref().is_some_and(|p| {
            p.memory_bytes == spec.memory_bytes
                && p.cpu_limit == spec.cpu_limit
                && p.runtime == spec.runtime
                // A request for another image variant never gets this image's container.
                && p.image == spec.image
                && p.data_dir == spec.data_dir
        });
        if matches {
            if let Ok(mut demand) = inner.demand.lock() {
                if demand.len() == DEMAND_WINDOW {
                    demand.pop_front();
                }
                demand.push_back(spec.preload);
            }
            loop {
                let next = inner.ready.lock().ok().and_then(|mut r| {
                    Preload::ALL
                        .iter()
                        .filter(|kind| kind.covers(spec.preload))
                        .find_map(|kind| r[kind.index()].pop_front())
                });
                let Some(mut container) = next else { break };
                inner.metrics.pool_size.set(self.len() as i64);
                inner.wake.notify_one();
                if container.age() < MAX_IDLE && container.is_alive() {
                    inner.metrics.pool_hits_total.inc();
                    return Some(container);
                }
                // Dead (engine restarted, killed from outside) or stale: dropping removes it.
                tracing::info!(
                    container = container.id(),
                    "discarding a warm container that is no longer usable"
                );
            }
            // Nothing fits now: the refill may have to change kinds.
            inner.wake.notify_one();
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
            .map(|mut r| r.iter_mut().flat_map(|q| q.drain(..)).collect())
            .unwrap_or_default();
        self.inner.metrics.pool_size.set(0);
        // Each container's guard removes it in the background; the shutdown sweep that
        // follows (`Executor::cleanup_all`) confirms nothing is left.
        drop(drained);
    }
}

fn lengths(shelves: &Shelves) -> [usize; Preload::COUNT] {
    std::array::from_fn(|i| shelves[i].len())
}

fn total(shelves: &Shelves) -> usize {
    shelves.iter().map(VecDeque::len).sum()
}

/// How many containers of each kind a pool of `size` keeps for `demand` (the kinds recent
/// requests needed): each kind its share, rounded down, and what rounding leaves to the most
/// capable kind asked for, which serves every request. Before any demand: all of the kind
/// that runs everything.
fn targets(demand: &VecDeque<Preload>, size: usize) -> [usize; Preload::COUNT] {
    let mut out = [0; Preload::COUNT];
    let Some(top) = demand.iter().max() else {
        out[Preload::Full.index()] = size;
        return out;
    };
    for kind in Preload::ALL {
        let asked = demand.iter().filter(|k| **k == kind).count();
        out[kind.index()] = size * asked / demand.len();
    }
    let placed: usize = out.iter().sum();
    out[top.index()] += size - placed;
    out
}

/// Keeps each kind filled to its target; backs off while the engine fails.
async fn refill(inner: Arc<Inner>) {
    let Some(base) = inner.spec.clone() else {
        return;
    };
    let mut backoff = Duration::from_millis(500);
    while !inner.stopped.load(Ordering::Relaxed) {
        let demand = inner.demand.lock().map(|d| d.clone()).unwrap_or_default();
        let want = targets(&demand, inner.size);
        let (have, surplus) = match inner.ready.lock() {
            Ok(mut r) => {
                let mut have = lengths(&r);
                // A full pool of kinds no longer asked for gives way, one container per
                // round, to a kind that is short: the oldest of the kind most over target.
                let short = (0..Preload::COUNT).any(|i| have[i] < want[i]);
                let surplus = if short && total(&r) >= inner.size {
                    (0..Preload::COUNT)
                        .filter(|&i| have[i] > want[i])
                        .max_by_key(|&i| have[i] - want[i])
                        .and_then(|i| {
                            have[i] -= 1;
                            r[i].pop_front()
                        })
                } else {
                    None
                };
                (have, surplus)
            }
            Err(_) => break,
        };
        drop(surplus);
        let room = inner.size.saturating_sub(have.iter().sum());
        let mut kinds: Vec<Preload> = Vec::new();
        for kind in Preload::ALL.into_iter().rev() {
            let i = kind.index();
            let missing = want[i].saturating_sub(have[i]);
            kinds.extend(std::iter::repeat_n(kind, missing));
        }
        kinds.truncate(room.min(REFILL_PARALLEL));
        if kinds.is_empty() {
            inner.filled.store(true, Ordering::Relaxed);
            // Wake on a take, or now and then to replace stale containers.
            let _ = tokio::time::timeout(MAX_IDLE / 4, inner.wake.notified()).await;
            let stale: Vec<PreparedContainer> = match inner.ready.lock() {
                Ok(mut r) => r
                    .iter_mut()
                    .flat_map(|q| {
                        let (old, fresh): (Vec<_>, Vec<_>) =
                            q.drain(..).partition(|c| c.age() >= MAX_IDLE);
                        q.extend(fresh);
                        old
                    })
                    .collect(),
                Err(_) => Vec::new(),
            };
            drop(stale);
            continue;
        }
        // Start the missing containers concurrently (a few at a time): after a burst of
        // takes, refilling one by one would leave later requests to cold starts.
        let started = Instant::now();
        let starting = futures_util::future::join_all(kinds.into_iter().map(|kind| {
            let spec = ContainerSpec {
                preload: kind,
                ..base.clone()
            };
            async {
                let mut container = inner.executor.prepare(spec).await?;
                container.wait_ready(STARTUP_TIMEOUT).await?;
                Ok::<_, crate::error::RunnerError>(container)
            }
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
                        r[container.spec().preload.index()].push_back(container);
                        inner.metrics.pool_size.set(total(&r) as i64);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn demand(kinds: &[Preload]) -> VecDeque<Preload> {
        kinds.iter().copied().collect()
    }

    #[test]
    fn before_any_request_every_container_runs_everything() {
        assert_eq!(targets(&VecDeque::new(), 4), [0, 0, 0, 4]);
    }

    #[test]
    fn kinds_follow_recent_demand() {
        use Preload::{Full, Numpy, Pandas, Plain};
        assert_eq!(
            targets(&demand(&[Plain, Plain, Plain, Plain]), 4),
            [4, 0, 0, 0]
        );
        assert_eq!(
            targets(&demand(&[Plain, Pandas, Plain, Pandas]), 4),
            [2, 0, 2, 0]
        );
        // Rounding leaves a container over: it goes to the most capable kind asked for.
        assert_eq!(targets(&demand(&[Plain, Plain, Numpy]), 4), [2, 2, 0, 0]);
        assert_eq!(targets(&demand(&[Plain, Numpy, Full]), 4), [1, 1, 0, 2]);
        assert_eq!(targets(&demand(&[Plain; 5]), 0), [0, 0, 0, 0]);
    }
}
