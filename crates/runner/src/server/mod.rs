//! `stockade serve`: the HTTP API (warp on tokio) in front of the executor, the warm pool and
//! the runtime monitor.
//!
//! Layout after warp's todos example: [`filters`] builds the route tree, [`handlers`] does the
//! work, [`models`] holds the bodies; [`auth`] decides who may call, [`openapi`] describes it.
//!
//! Not an open door: it listens on loopback by default (elsewhere only with named hosts);
//! execution, validation, cleanup, container listing and metrics need the bearer token (of at
//! least 128 bits); the Host header must name this service (DNS rebinding) and a browser Origin
//! must be this service or a configured one; bodies are capped; at most `max_concurrent`
//! executions run, `queue_depth` more wait, the rest get 429; validation runs on a bounded
//! blocking pool; connections are capped and every phase of one has a timeout ([`conn`]).

pub mod assets;
pub mod auth;
pub mod conn;
pub mod filters;
pub mod handlers;
pub mod jobs;
pub mod models;
pub mod openapi;
pub mod ratelimit;
pub mod workers;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::executor::Executor;
use crate::metrics::{self, Metrics};
use crate::pool::Pool;
use crate::seclog::{EventKind, SecurityEvent, SecurityLog};

/// Settings of the HTTP service (the sandbox's own settings live in the executor's config).
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Where to listen (default `127.0.0.1:8080`).
    pub listen: SocketAddr,
    /// The bearer token execution, cleanup and container listing require.
    pub token: String,
    /// Extra Host names the service answers to (beyond its address and, on loopback, localhost).
    pub allowed_hosts: Vec<String>,
    /// Cross origins allowed to call the API (CORS); none by default.
    pub allowed_origins: Vec<String>,
    /// Largest request body (default 1 MiB).
    pub body_limit_bytes: u64,
    /// Executions running at once (default 10).
    pub max_concurrent: usize,
    /// Executions waiting for a slot before 429 (default 20).
    pub queue_depth: usize,
    /// Added to an execution's timeout to give its deadline once it runs (start-up, result,
    /// cleanup; default 30 s). In queue mode the wait for a worker counts as well.
    pub deadline_slack: Duration,
    /// How long in-flight executions may finish after SIGTERM before they are killed.
    pub shutdown_grace: Duration,
    /// The editor's built static files (default `web/dist`); they take precedence over
    /// `web_assets`.
    pub web_dir: PathBuf,
    /// The editor built into the binary, served when `web_dir` does not have a file (default
    /// none).
    pub web_assets: assets::EmbeddedFiles,
    /// Datasets for strategy mode: one sub-directory per dataset (default `config/datasets`).
    pub datasets_dir: PathBuf,
    /// Whether requests may set `validate: false`.
    pub allow_unvalidated: bool,
    /// Whether `GET /metrics` on the metrics-only listener needs the token too (default
    /// false: that listener is loopback-only unless configured otherwise). On the API's
    /// listener `/metrics` always needs it.
    pub metrics_require_token: bool,
    /// A second listener that serves only `GET /metrics` (`monitoring.prometheus_port`);
    /// `None`: metrics are on the API's listener only.
    pub metrics_listen: Option<SocketAddr>,
    /// How often containers of dead runners are removed (and what is left counted for
    /// `docker_orphaned_containers`).
    pub orphan_scan_interval: Duration,
    /// Whether `POST /v1/validate` may be called without the token (then each client address
    /// gets `public_validate_per_minute` calls, with a burst of as many).
    pub public_validate: bool,
    /// Token-less validations per client address and minute when `public_validate` is set.
    pub public_validate_per_minute: u32,
    /// Validations running at once on the blocking pool; more get 429 `validation_busy`.
    pub validation_workers: usize,
    /// Findings a validation answer lists at most (`total_findings` counts them all).
    pub max_findings: usize,
    /// Open connections at most; more are answered 503 and closed at once.
    pub max_connections: usize,
    /// Time a client has to send a request's headers.
    pub header_read_timeout: Duration,
    /// Time a client has to send a request's body once its headers are in.
    pub body_read_timeout: Duration,
    /// A connection with no request running and nothing read or written for this long is closed.
    pub idle_timeout: Duration,
    /// A write the client does not take (it stopped reading) fails the connection after this long.
    pub write_timeout: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            token: String::new(),
            allowed_hosts: Vec::new(),
            allowed_origins: Vec::new(),
            body_limit_bytes: 1024 * 1024,
            max_concurrent: 10,
            queue_depth: 20,
            deadline_slack: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(10),
            web_dir: PathBuf::from("web/dist"),
            web_assets: &[],
            datasets_dir: PathBuf::from("config/datasets"),
            allow_unvalidated: false,
            metrics_require_token: false,
            metrics_listen: None,
            orphan_scan_interval: Duration::from_secs(30),
            public_validate: false,
            public_validate_per_minute: 60,
            validation_workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            max_findings: 100,
            max_connections: 256,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            write_timeout: Duration::from_secs(30),
        }
    }
}

/// A service configuration that must not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A listener on a non-loopback address without `allowed_hosts`: the Host check would
    /// accept only a bare IP, and an operator who exposes the service should name it.
    #[error(
        "refusing to listen on {0}, which is not loopback, without --allowed-host: name the \
         host(s) clients use to reach the service"
    )]
    PublicWithoutHost(SocketAddr),
    /// The configured token is too weak.
    #[error(transparent)]
    Token(#[from] auth::TokenError),
}

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BindError {
    /// The settings are refused.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The address could not be bound.
    #[error("binding {addr}: {source}")]
    Io {
        /// The address.
        addr: SocketAddr,
        /// What the OS said.
        source: std::io::Error,
    },
}

impl ServerConfig {
    /// Refuses settings that would expose the service: a non-loopback listener without named
    /// hosts, or a token shorter than 128 bits.
    pub fn check(&self) -> Result<(), ConfigError> {
        auth::check_token(&self.token)?;
        for addr in std::iter::once(self.listen).chain(self.metrics_listen) {
            if !addr.ip().is_loopback() && self.allowed_hosts.is_empty() {
                return Err(ConfigError::PublicWithoutHost(addr));
            }
        }
        Ok(())
    }
}

/// Admission control: a semaphore of `max_concurrent` slots and a bounded waiting line.
/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct Admission {
    inner: Arc<AdmissionInner>,
}

#[derive(Debug)]
struct AdmissionInner {
    slots: Arc<Semaphore>,
    admitted: AtomicUsize,
    max_admitted: usize,
    metrics: &'static Metrics,
}

/// A place in line (or in a slot); dropping it frees the place.
#[derive(Debug)]
pub struct Ticket {
    inner: Arc<AdmissionInner>,
}

impl Admission {
    /// `max_concurrent` slots plus `queue_depth` waiting places.
    pub fn new(max_concurrent: usize, queue_depth: usize, metrics: &'static Metrics) -> Admission {
        Admission {
            inner: Arc::new(AdmissionInner {
                slots: Arc::new(Semaphore::new(max_concurrent.max(1))),
                admitted: AtomicUsize::new(0),
                max_admitted: max_concurrent.max(1) + queue_depth,
                metrics,
            }),
        }
    }

    /// A place, or `None` when every slot and waiting place is taken.
    pub fn try_admit(&self) -> Option<Ticket> {
        let max = self.inner.max_admitted;
        self.inner
            .admitted
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()
            .map(|_| Ticket {
                inner: self.inner.clone(),
            })
    }

    /// Requests admitted now (running or waiting).
    pub fn admitted(&self) -> usize {
        self.inner.admitted.load(Ordering::Acquire)
    }
}

impl Ticket {
    /// Waits for a slot, counting this request in the queue depth meanwhile.
    pub async fn slot(&self) -> Option<OwnedSemaphorePermit> {
        let m = self.inner.metrics;
        m.queue_depth.inc();
        let permit = self.inner.slots.clone().acquire_owned().await.ok();
        m.queue_depth.dec();
        permit
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.inner.admitted.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn admission_is_bounded_and_frees_places() {
        let m = Box::leak(Box::new(Metrics::new()));
        let a = Admission::new(1, 1, m);
        let first = a.try_admit().unwrap();
        let second = a.try_admit().unwrap();
        assert!(
            a.try_admit().is_none(),
            "one running + one waiting is the limit"
        );
        let slot = first.slot().await;
        assert!(slot.is_some());
        // The second waits for the slot and is counted in the queue depth meanwhile.
        let waiting = tokio::spawn(async move {
            let s = second.slot().await;
            drop(s);
            drop(second);
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(m.queue_depth.get(), 1);
        drop(slot);
        drop(first);
        waiting.await.unwrap();
        assert_eq!(m.queue_depth.get(), 0);
        assert_eq!(a.admitted(), 0);
        assert!(a.try_admit().is_some());
    }
}

/// Everything a handler needs, shared by all requests.
#[derive(Debug)]
pub struct AppState {
    /// Service settings (the listen address is the bound one).
    pub config: ServerConfig,
    /// The Host values accepted, known once the listener is bound.
    hosts: std::sync::OnceLock<auth::HostPolicy>,
    /// The executor.
    pub executor: Executor,
    /// Warm containers.
    pub pool: Pool,
    /// Metrics.
    pub metrics: &'static Metrics,
    /// The security event log.
    pub seclog: SecurityLog,
    /// Admission control for executions.
    pub admission: Admission,
    /// Places on the validation workers (taken before a validation's body is read).
    pub validation_slots: Arc<Semaphore>,
    /// The validation workers, at a lower CPU priority than the rest of the runner.
    pub validation_pool: workers::ValidationPool,
    /// Per-client budget of token-less validations (with `public_validate`).
    pub validate_limiter: ratelimit::RateLimiter,
    /// Set once shutdown starts: new executions are refused with 503.
    pub shutting_down: AtomicBool,
    /// Flips to true when the grace period is over: in-flight executions are cancelled
    /// (their containers killed and removed) and answered with 503.
    pub cancel: tokio::sync::watch::Sender<bool>,
    /// Queue mode (`serve --queue`): jobs go to Redis for workers instead of running here.
    pub queue: std::sync::OnceLock<jobs::QueueApi>,
}

impl AppState {
    /// True when `host` names this service (false until it is bound).
    pub fn host_allowed(&self, host: Option<&str>) -> bool {
        self.hosts.get().is_some_and(|p| p.allows(host))
    }

    /// Resolves once in-flight executions must stop.
    pub async fn cancelled(&self) {
        let mut rx = self.cancel.subscribe();
        let _ = rx.wait_for(|c| *c).await;
    }
}

impl AppState {
    /// Builds the shared state for a service bound to `config.listen`; its warm pool starts
    /// filling once [`bind`] has bound the listeners. Fails only when the validation workers'
    /// threads cannot be started.
    pub fn new(
        config: ServerConfig,
        executor: Executor,
        seclog: SecurityLog,
    ) -> std::io::Result<Arc<AppState>> {
        let metrics = metrics::global();
        let seclog = seclog.count_drops_in(metrics.security_events_dropped_total.clone());
        let pool = Pool::new(executor.clone(), executor.config().pool_size, metrics);
        let validation_pool = workers::ValidationPool::new(config.validation_workers)?;
        Ok(Arc::new(AppState {
            hosts: std::sync::OnceLock::new(),
            admission: Admission::new(config.max_concurrent, config.queue_depth, metrics),
            validation_slots: Arc::new(Semaphore::new(config.validation_workers.max(1))),
            validation_pool,
            validate_limiter: ratelimit::RateLimiter::per_minute(config.public_validate_per_minute),
            config,
            executor,
            pool,
            metrics,
            seclog,
            shutting_down: AtomicBool::new(false),
            cancel: tokio::sync::watch::channel(false).0,
            queue: std::sync::OnceLock::new(),
        }))
    }
}

/// Where a bound service listens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bound {
    /// The API (and editor).
    pub api: SocketAddr,
    /// The metrics-only listener, when configured.
    pub metrics: Option<SocketAddr>,
}

/// Binds `state.config.listen` (port 0 picks a port), and `metrics_listen` when set, and
/// returns the bound addresses and the service future. The future serves until `shutdown`
/// resolves, then shuts down gracefully: stops accepting, lets in-flight requests finish for
/// `shutdown_grace`, cancels the rest (their containers are killed and removed), drains the
/// pool and removes every container of this runner.
///
/// Refuses (before binding anything) a configuration that [`ServerConfig::check`] refuses.
pub fn bind(
    state: Arc<AppState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(Bound, impl std::future::Future<Output = ()> + Send), BindError> {
    state.config.check()?;
    let listen =
        |addr: SocketAddr| conn::listen(addr).map_err(|source| BindError::Io { addr, source });
    let api_listener = listen(state.config.listen)?;
    let metrics_listener = state.config.metrics_listen.map(listen).transpose()?;
    let local = |l: &tokio::net::TcpListener, addr: SocketAddr| {
        l.local_addr()
            .map_err(|source| BindError::Io { addr, source })
    };
    let bound = Bound {
        api: local(&api_listener, state.config.listen)?,
        metrics: match (&metrics_listener, state.config.metrics_listen) {
            (Some(l), Some(addr)) => Some(local(l, addr)?),
            _ => None,
        },
    };
    let mut hosts = auth::HostPolicy::new(bound.api, &state.config.allowed_hosts);
    if let Some(m) = bound.metrics {
        hosts.add_listener(m, &state.config.allowed_hosts);
    }
    let _ = state.hosts.set(hosts);
    state.pool.start();

    let limits = conn::Limits::from_config(&state.config);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let server = conn::serve(
        api_listener,
        warp::service(filters::routes(state.clone())),
        limits,
        state.metrics,
        stop_rx,
    );
    // The metrics listener is for one scraper: a handful of connections is plenty.
    let metrics_server = metrics_listener.map(|l| {
        conn::serve(
            l,
            warp::service(filters::metrics_only(state.clone())),
            conn::Limits {
                max_connections: 16,
                ..limits
            },
            state.metrics,
            tokio::sync::watch::channel(false).1,
        )
    });
    Ok((bound, run(state, server, metrics_server, stop_tx, shutdown)))
}

async fn run(
    state: Arc<AppState>,
    server: impl std::future::Future<Output = ()> + Send + 'static,
    metrics_server: Option<impl std::future::Future<Output = ()> + Send + 'static>,
    stop_tx: tokio::sync::watch::Sender<bool>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    // Scrapes go on through the shutdown: they show it happening.
    let _metrics = metrics_server.map(|s| AbortOnDrop(tokio::spawn(s)));
    let mut server = tokio::spawn(server);
    let scan = tokio::spawn(scan_orphans(state.clone()));
    tokio::select! {
        _ = &mut server => {}
        () = shutdown => {
            tracing::info!("shutting down: no new connections, finishing in-flight requests");
            state.shutting_down.store(true, Ordering::Relaxed);
            let _ = stop_tx.send(true);
            if tokio::time::timeout(state.config.shutdown_grace, &mut server).await.is_err() {
                tracing::warn!(grace = ?state.config.shutdown_grace, "grace period over: cancelling in-flight executions");
                let _ = state.cancel.send(true);
                // Cancelled handlers answer 503 at once; give their connections a moment.
                if tokio::time::timeout(Duration::from_secs(5), &mut server).await.is_err() {
                    server.abort();
                }
            }
        }
    }
    scan.abort();
    state.pool.drain();
    // Guards of cancelled executions and drained warm containers are removing theirs in the
    // background, and a creation may still be in flight: wait for all of it (the process
    // must outlive it), then sweep until nothing of ours is left.
    if !state.executor.settle(SETTLE_TIMEOUT).await {
        tracing::warn!(within = ?SETTLE_TIMEOUT, "container work still in flight; sweeping anyway");
    }
    for attempt in 1..=5 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        match state.executor.cleanup_all().await {
            Ok(report) if report.failed.is_empty() => {
                tracing::info!(removed = report.removed, "all containers removed");
                return;
            }
            Ok(report) => tracing::warn!(
                attempt,
                failed = report.failed.len(),
                "some containers not removed yet"
            ),
            Err(e) => tracing::error!(attempt, error = %e, "final cleanup failed"),
        }
    }
}

/// How long a stopping runner waits for its container creations and removals to finish.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(30);

/// Aborts the task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Removes, every `orphan_scan_interval`, the containers of runners that died (a `kill -9`
/// leaves them running and nothing else would stop them before this runner restarts), and
/// keeps `docker_orphaned_containers` at what is left.
async fn scan_orphans(state: Arc<AppState>) {
    let mut tick = tokio::time::interval(state.config.orphan_scan_interval);
    loop {
        tick.tick().await;
        match state.executor.sweep_dead_runners().await {
            Ok((report, left)) => {
                if report.total > 0 {
                    tracing::warn!(
                        removed = report.removed,
                        failed = report.failed.len(),
                        "removed containers of dead runners"
                    );
                }
                let metrics = &state.metrics;
                metrics
                    .container_cleanup_success_total
                    .inc_by(report.removed as u64);
                metrics
                    .container_cleanup_failed_total
                    .inc_by(report.failed.len() as u64);
                for id in &report.failed {
                    state.seclog.record(
                        &SecurityEvent::new(EventKind::CleanupFailure)
                            .container(id.clone())
                            .reason("orphan sweep could not remove the container"),
                    );
                }
                metrics.orphaned_containers.set(left as i64);
            }
            Err(e) => tracing::warn!(error = %e, "orphan scan failed"),
        }
    }
}
