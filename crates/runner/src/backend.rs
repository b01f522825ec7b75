//! Where sandboxed code runs: the small interface queue workers execute jobs through.
//!
//! A worker does not care how a sandbox is made, only that a request turns into an
//! [`ExecutionResult`], or into an error saying the sandbox itself could not be provided (the
//! job then goes back to the queue for another attempt, possibly on another host). The Docker
//! engine ([`DockerBackend`]: the executor and its warm pool) is the one backend today; a
//! Kubernetes backend (pods with the same security context under a gVisor RuntimeClass) plugs
//! in beside it, see `docs/kubernetes.md`.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use crate::executor::{ExecOptions, Executor};
use crate::metrics;
use crate::monitor;
use crate::pool::Pool;
use crate::result::ExecutionResult;

/// One execution a backend is asked for.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// The Python source.
    pub code: String,
    /// Limits and switches; `validate` is decided by the caller, never by the job's sender alone.
    pub opts: ExecOptions,
    /// The dataset to mount read-only at `/data` (strategy mode).
    pub data_dir: Option<PathBuf>,
}

/// The backend could not provide a sandbox: nothing ran, and another attempt may succeed.
#[derive(Debug, thiserror::Error)]
#[error("no sandbox: {0}")]
pub struct Unavailable(pub String);

/// A place that runs requests in sandboxes.
pub trait Backend: Send + Sync + 'static {
    /// Checks a request's limits against the backend's ceilings without running it: the
    /// reason it would be refused, if it would.
    fn check(&self, request: &RunRequest) -> Result<(), String>;

    /// Runs one request. `Ok` is the execution's own outcome, including a refusal by the
    /// validator and every way the code can fail; `Err` means no sandbox could be had.
    fn run(
        &self,
        request: RunRequest,
    ) -> impl Future<Output = Result<ExecutionResult, Unavailable>> + Send;

    /// Removes sandboxes that runners which died left behind on this backend; how many.
    fn sweep(&self) -> impl Future<Output = Result<usize, Unavailable>> + Send;

    /// Stops starting sandboxes and waits (at most `within`) for the ones of this process to
    /// be gone.
    fn shutdown(&self, within: Duration) -> impl Future<Output = ()> + Send;
}

/// The local Docker engine: the executor's hardened containers, warm ones first.
#[derive(Debug, Clone)]
pub struct DockerBackend {
    executor: Executor,
    pool: Pool,
}

impl DockerBackend {
    /// Starts a warm pool of `pool_size` containers in front of `executor`.
    pub fn new(executor: Executor, pool_size: usize) -> DockerBackend {
        let pool = Pool::new(executor.clone(), pool_size, metrics::global());
        pool.start();
        DockerBackend { executor, pool }
    }

    /// The executor (for its configuration and instance id).
    pub fn executor(&self) -> &Executor {
        &self.executor
    }
}

impl Backend for DockerBackend {
    fn check(&self, request: &RunRequest) -> Result<(), String> {
        self.executor
            .spec_for(&request.opts, request.data_dir.as_deref())
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    async fn run(&self, request: RunRequest) -> Result<ExecutionResult, Unavailable> {
        let ex = &self.executor;
        // Validation is CPU work of up to the body limit (a megabyte of code): off the async
        // threads, which also keep this worker's claims, heartbeats and other runs going.
        let (checker, code, opts) = (ex.clone(), request.code.clone(), request.opts.clone());
        let checked = tokio::task::spawn_blocking(move || checker.preflight(&code, &opts))
            .await
            .map_err(|e| Unavailable(format!("the validation task failed: {e}")))?;
        let findings = match checked {
            Ok(findings) => findings,
            Err(refused) => return Ok(*refused),
        };
        let spec = match ex.spec_for(&request.opts, request.data_dir.as_deref()) {
            Ok(spec) => spec,
            Err(e) => {
                // The job's own limits are refused: no attempt elsewhere would differ.
                return Ok(ExecutionResult {
                    error: Some(e.to_string()),
                    validated: request.opts.validate,
                    cleanup_success: Some(true),
                    findings,
                    ..Default::default()
                });
            }
        };
        let cpu_limit = spec.cpu_limit;
        let prepared = match self.pool.take(&spec).await {
            Some(p) => p,
            None => ex
                .prepare(spec)
                .await
                .map_err(|e| Unavailable(e.to_string()))?,
        };
        let code = &request.code;
        Ok(
            monitor::under_monitor(ex, request.opts, cpu_limit, &mut (), |opts| {
                ex.run_prepared(prepared, code, opts, findings)
            })
            .await,
        )
    }

    async fn sweep(&self) -> Result<usize, Unavailable> {
        let (report, _left) = self
            .executor
            .sweep_dead_runners()
            .await
            .map_err(|e| Unavailable(e.to_string()))?;
        Ok(report.removed)
    }

    async fn shutdown(&self, within: Duration) {
        self.pool.drain();
        if !self.executor.settle(within).await {
            tracing::warn!(?within, "container work still in flight; sweeping anyway");
        }
        for attempt in 1..=5 {
            match self.executor.cleanup_all().await {
                Ok(report) if report.failed.is_empty() => return,
                Ok(report) => {
                    tracing::warn!(
                        attempt,
                        failed = report.failed.len(),
                        "some containers not removed yet"
                    );
                }
                Err(e) => tracing::error!(attempt, error = %e, "final cleanup failed"),
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
}
