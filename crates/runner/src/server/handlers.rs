//! What each route does. Handlers answer with a finished response: failures are
//! [`ApiError`]s rendered as JSON, never internals.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use stockade_validator::{Policy, Severity};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use warp::http::StatusCode;
use warp::reply::{self, Response};
use warp::sse;
use warp::Reply;

use super::models::{
    finding_views, ApiError, ExecuteRequest, Mode, ValidateRequest, ValidateResponse,
};
use super::{openapi, AppState};
use crate::config::Runtime;
use crate::error::RunnerError;
use crate::executor::{CleanupHook, ExecEvent, ExecOptions, ExecutionResult, ResourceSample};
use crate::image::Variant;
use crate::monitor;
use crate::seclog::{EventKind, SecurityEvent};

/// A streaming client gets a resource sample at least this often.
const STREAM_SAMPLE_PERIOD: Duration = Duration::from_secs(1);

fn json(value: &impl serde::Serialize, status: StatusCode) -> Response {
    reply::with_status(reply::json(value), status).into_response()
}

/// `GET /healthz`: the process is up.
pub fn healthz() -> Response {
    json(&serde_json::json!({"status": "ok"}), StatusCode::OK)
}

/// `GET /readyz`: the engine answers, the image is present and the warm pool has filled.
pub async fn readyz(state: Arc<AppState>) -> Response {
    let docker = state.executor.docker();
    let timeout = Duration::from_secs(3);
    let engine = matches!(
        tokio::time::timeout(timeout, docker.ping()).await,
        Ok(Ok(_))
    );
    let config = state.executor.config();
    let image = engine
        && matches!(
            tokio::time::timeout(
                timeout,
                docker.inspect_image(config.image_of(config.image_variant))
            )
            .await,
            Ok(Ok(_))
        );
    let pool = state.pool.is_ready();
    let shutting_down = state.shutting_down.load(Ordering::Relaxed);
    let mut reasons = Vec::new();
    if !engine {
        reasons.push("the Docker engine is not reachable");
    } else if !image {
        reasons.push("the sandbox image is missing (stockade image build)");
    }
    if !pool {
        reasons.push("the warm pool has not filled");
    }
    if shutting_down {
        reasons.push("shutting down");
    }
    let ready = reasons.is_empty();
    json(
        &serde_json::json!({
            "ready": ready,
            "checks": {"engine": engine, "image": image, "pool": pool},
            "pool": {"ready": state.pool.len(), "size": state.pool.capacity()},
            "reasons": reasons,
        }),
        if ready {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        },
    )
}

fn datasets(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().is_dir())
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| valid_dataset_name(n))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn valid_dataset_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// `GET /v1/info`: version, runtimes, limits and datasets.
pub fn info(state: Arc<AppState>) -> Response {
    let c = state.executor.config();
    // What a request may choose: allowed by the config and registered with the engine.
    let runtimes: Vec<&str> = c
        .allowed_runtimes()
        .into_iter()
        .filter(|r| state.executor.runtimes().iter().any(|a| a == r.as_str()))
        .map(Runtime::as_str)
        .collect();
    // Likewise the image variants: allowed, and built when the runner started.
    let images: Vec<&str> = c
        .allowed_images()
        .into_iter()
        .filter(|v| state.executor.image(*v).is_some())
        .map(Variant::name)
        .collect();
    json(
        &serde_json::json!({
            "version": env!("CARGO_PKG_VERSION"),
            "runtimes": runtimes,
            "default_runtime": c.runtime.as_str(),
            "images": images,
            "default_image": c.image_variant.name(),
            "limits": {
                "default_timeout_seconds": c.timeout.as_secs_f64(),
                "max_timeout_seconds": c.limits.max_timeout.as_secs_f64(),
                "default_memory_mb": c.memory_bytes / (1024 * 1024),
                "max_memory_mb": c.limits.max_memory_bytes / (1024 * 1024),
            },
            "allow_unvalidated": state.config.allow_unvalidated,
            "datasets": datasets(&state.config.datasets_dir),
            "pool_size": state.pool.capacity(),
            "max_concurrent": state.config.max_concurrent,
        }),
        StatusCode::OK,
    )
}

/// `POST /v1/validate`: findings with positions, nothing runs. Validation is CPU work of up
/// to the body limit: it runs on the validation workers (at a lower CPU priority), holding
/// `slot` (one of `validation_workers`, taken before the body was read), so the async workers
/// keep answering everything else. The answer lists the first `max_findings` findings and
/// counts them all.
pub async fn validate(
    state: Arc<AppState>,
    slot: tokio::sync::OwnedSemaphorePermit,
    req: ValidateRequest,
) -> Response {
    let max_findings = state.config.max_findings;
    let work = state.validation_pool.run(move || {
        let response = validate_now(&req, max_findings);
        drop(slot);
        response
    });
    match work.await {
        Some(response) => response,
        None => {
            tracing::error!("validation task failed");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error",
            )
            .into_response()
        }
    }
}

fn validate_now(req: &ValidateRequest, max_findings: usize) -> Response {
    let policy = match &req.policy {
        None => Policy::default(),
        Some(v) => match Policy::from_json(&v.to_string()) {
            Ok(p) => p,
            Err(e) => return ApiError::bad_request(e.to_string()).into_response(),
        },
    };
    let report = stockade_validator::validate(&req.code, &policy);
    let shown = &report.findings[..report.findings.len().min(max_findings)];
    json(
        &ValidateResponse {
            accepted: report.is_accepted(),
            total_findings: report.findings.len(),
            findings: finding_views(&req.code, shown),
        },
        StatusCode::OK,
    )
}

/// `GET /metrics`: Prometheus text format.
pub fn metrics(state: Arc<AppState>) -> Response {
    let mut r = state.metrics.render().into_response();
    r.headers_mut().insert(
        "content-type",
        warp::http::HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    r
}

/// `GET /openapi.json`.
pub fn openapi() -> Response {
    json(&openapi::document(), StatusCode::OK)
}

/// `GET /` when the editor has not been built.
pub fn editor_missing(dir: &Path) -> Response {
    let page = format!(
        "<!doctype html><meta charset=utf-8><title>Stockade: editor not built</title>\
         <h1>The editor has not been built</h1>\
         <p>No <code>index.html</code> in <code>{}</code>. Build it with \
         <code>scripts/build-web.sh</code> (or <code>cd web &amp;&amp; npm ci &amp;&amp; npm run build</code>), \
         or point <code>stockade serve --web-dir</code> at a built copy.</p>\
         <p>The API works without it: see <a href=\"/openapi.json\">/openapi.json</a>.</p>",
        html_escape(&dir.display().to_string())
    );
    reply::with_status(reply::html(page), StatusCode::NOT_FOUND).into_response()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `GET /v1/containers`: managed and orphaned containers.
pub async fn containers(state: Arc<AppState>) -> Response {
    let managed = state.executor.list_managed().await;
    let orphaned = state.executor.orphaned_containers().await;
    match (managed, orphaned) {
        (Ok(managed), Ok(orphaned)) => {
            state.metrics.orphaned_containers.set(orphaned.len() as i64);
            json(
                &serde_json::json!({"managed": managed, "orphaned": orphaned}),
                StatusCode::OK,
            )
        }
        (Err(e), _) | (_, Err(e)) => runner_error(&e).into_response(),
    }
}

/// `POST /v1/cleanup`: removes orphaned containers.
pub async fn cleanup(state: Arc<AppState>) -> Response {
    match state.executor.cleanup_orphaned_containers().await {
        Ok(report) => {
            state
                .metrics
                .container_cleanup_success_total
                .inc_by(report.removed as u64);
            state
                .metrics
                .container_cleanup_failed_total
                .inc_by(report.failed.len() as u64);
            for id in &report.failed {
                state.seclog.record(
                    &SecurityEvent::new(EventKind::CleanupFailure)
                        .container(id.clone())
                        .reason("orphan sweep could not remove the container"),
                );
            }
            state
                .metrics
                .orphaned_containers
                .set(report.failed.len() as i64);
            json(&report, StatusCode::OK)
        }
        Err(e) => runner_error(&e).into_response(),
    }
}

/// Maps executor errors to API errors without leaking engine details.
fn runner_error(e: &RunnerError) -> ApiError {
    tracing::warn!(error = %e, "request failed in the runner");
    match e {
        RunnerError::Request(msg) => {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_limits", msg.clone())
        }
        RunnerError::RuntimeMissing { runtime, .. } => ApiError::new(
            StatusCode::BAD_REQUEST,
            "runtime_unavailable",
            format!("the {runtime} runtime is not available on this server"),
        ),
        RunnerError::RuntimeNotAllowed { runtime, allowed } => ApiError::new(
            StatusCode::BAD_REQUEST,
            "runtime_not_allowed",
            format!("the {runtime} runtime is not allowed on this server (allowed: {allowed})"),
        ),
        RunnerError::ImageNotAllowed { variant, allowed } => ApiError::new(
            StatusCode::BAD_REQUEST,
            "image_not_allowed",
            format!("the {variant} image is not allowed on this server (allowed: {allowed})"),
        ),
        RunnerError::ImageVariantMissing { variant, .. } => ApiError::new(
            StatusCode::BAD_REQUEST,
            "image_unavailable",
            format!("the {variant} image is not built on this server"),
        ),
        // The path is the host's: not for the client.
        RunnerError::DataDir { .. } => ApiError::new(
            StatusCode::BAD_REQUEST,
            "dataset_refused",
            "the dataset cannot be mounted into a sandbox safely; see the server log",
        ),
        RunnerError::ImageMissing { .. } => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "image_missing",
            "the sandbox image is missing on the Docker engine",
        )
        .retry_after(30),
        RunnerError::DockerUnreachable { .. } | RunnerError::Docker { .. } => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "engine_unavailable",
            "the Docker engine is not available; try again later",
        )
        .retry_after(5),
        _ => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error",
        ),
    }
}

/// A checked execution request, before it waits for a slot.
struct Job {
    request_id: String,
    /// Answer only after the container is removed.
    wait_for_cleanup: bool,
    code: String,
    opts: ExecOptions,
    data_dir: Option<PathBuf>,
    client: Option<SocketAddr>,
}

/// Checks the body, runs the validator and takes a place in line. Validation rejections come
/// back as `Err` with the 422 response.
fn admit_checks(
    state: &AppState,
    client: Option<SocketAddr>,
    req: ExecuteRequest,
) -> Result<Job, Box<Response>> {
    let request_id = uuid::Uuid::new_v4().to_string();
    if !req.validate && !state.config.allow_unvalidated {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "validation_required",
            "this server does not run unvalidated code",
        )
        .into_response()
        .into());
    }
    let timeout = match req.timeout_seconds {
        None => None,
        Some(t) if t.is_finite() && t > 0.0 && t <= 86_400.0 => Some(Duration::from_secs_f64(t)),
        Some(_) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_limits",
                "timeout_seconds must be a positive number",
            )
            .into_response()
            .into())
        }
    };
    let runtime = match req.runtime.as_deref().map(str::parse::<Runtime>) {
        None => None,
        Some(Ok(r)) => Some(r),
        Some(Err(msg)) => {
            return Err(
                ApiError::new(StatusCode::BAD_REQUEST, "invalid_runtime", msg)
                    .into_response()
                    .into(),
            )
        }
    };
    let image = match req.image.as_deref().map(str::parse::<Variant>) {
        None => None,
        Some(Ok(v)) => Some(v),
        Some(Err(msg)) => {
            return Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_image", msg)
                .into_response()
                .into())
        }
    };
    let data_dir = match req.mode {
        Mode::Execute => None,
        Mode::Strategy => {
            let name = req.dataset.as_deref().unwrap_or("sample");
            let dir = state.config.datasets_dir.join(name);
            if !valid_dataset_name(name) || !dir.is_dir() {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "unknown_dataset",
                    format!("no dataset named {name:?} (see GET /v1/info)"),
                )
                .into_response()
                .into());
            }
            Some(dir)
        }
    };
    let opts = ExecOptions {
        timeout,
        memory_bytes: req.memory_mb.map(|mb| mb.saturating_mul(1024 * 1024)),
        runtime,
        image,
        validate: req.validate,
        request_id: Some(request_id.clone()),
        ..ExecOptions::default()
    };
    Ok(Job {
        request_id,
        wait_for_cleanup: req.wait_for_cleanup,
        code: req.code,
        opts,
        data_dir,
        client,
    })
}

/// Runs the validator on the validation workers, once one of them is free (the
/// slots `POST /v1/validate` takes too): a megabyte of code keeps the validator busy for a
/// while, and on an async worker it would hold up every other request, `/healthz` included.
/// A rejection is logged, counted and answered with 422. Either way the result lists the
/// first `max_findings` findings, as `POST /v1/validate` does: a megabyte of `exec(1)` lines
/// has a hundred thousand of them.
async fn preflight(
    state: &AppState,
    job: Job,
) -> Result<(Job, Vec<stockade_validator::Finding>), Box<Response>> {
    if !job.opts.validate {
        return Ok((job, Vec::new()));
    }
    let internal = || {
        Box::new(
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error",
            )
            .into_response(),
        )
    };
    // The semaphore is never closed.
    let slot = state
        .validation_slots
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| internal())?;
    let executor = state.executor.clone();
    let checked = state
        .validation_pool
        .run(move || {
            let verdict = executor.preflight(&job.code, &job.opts);
            drop(slot);
            (job, verdict)
        })
        .await;
    let (job, verdict) = checked.ok_or_else(|| {
        tracing::error!("validation task failed");
        internal()
    })?;
    let max_findings = state.config.max_findings;
    match verdict {
        Ok(mut findings) => {
            findings.truncate(max_findings);
            Ok((job, findings))
        }
        Err(mut refused) => {
            state.metrics.security_rejections_total.inc();
            let rule = refused
                .findings
                .iter()
                .find(|f| f.severity == Severity::Error)
                .map(|f| f.code)
                .unwrap_or("validation");
            state.seclog.record(
                &SecurityEvent::new(EventKind::Rejection)
                    .request_id(job.request_id.clone())
                    .client(job.client)
                    .code(&job.code)
                    .rule(rule)
                    .reason(refused.error.clone().unwrap_or_default()),
            );
            refused.findings.truncate(max_findings);
            Err(Box::new(json(&*refused, StatusCode::UNPROCESSABLE_ENTITY)))
        }
    }
}

fn queue_full(state: &AppState, job: &Job) -> Response {
    state.metrics.queue_rejections_total.inc();
    state.seclog.record(
        &SecurityEvent::new(EventKind::RefusedRequest)
            .request_id(job.request_id.clone())
            .client(job.client)
            .code(&job.code)
            .rule("queue_full"),
    );
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "queue_full",
        "too many executions are running or waiting; retry later",
    )
    .retry_after(2)
    .into_response()
}

fn shutting_down() -> Response {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "shutting_down",
        "the server is shutting down",
    )
    .into_response()
}

/// Where live events go (the SSE stream), if anywhere.
type Sink = Option<mpsc::Sender<sse::Event>>;

fn sse_json(name: &str, value: &impl serde::Serialize) -> sse::Event {
    sse::Event::default()
        .event(name)
        .json_data(value)
        .unwrap_or_else(|_| sse::Event::default().event(name).data("{}"))
}

async fn send(sink: &Sink, event: sse::Event) {
    if let Some(tx) = sink {
        let _ = tx.send(event).await;
    }
}

/// Takes a slot, a container (warm or cold), runs the code under the monitor and records the
/// outcome. Dropping this future (client gone, deadline) kills and removes the container.
async fn run_job(
    state: &Arc<AppState>,
    job: Job,
    findings: Vec<stockade_validator::Finding>,
    sink: Sink,
) -> Result<ExecutionResult, ApiError> {
    let ex = &state.executor;
    let spec = ex
        .spec_for_code(&job.code, &job.opts, job.data_dir.as_deref())
        .map_err(|e| runner_error(&e))?;
    let prepared = match state.pool.take(&spec).await {
        Some(p) => p,
        None => {
            let started = Instant::now();
            let p = ex
                .prepare(spec.clone())
                .await
                .map_err(|e| runner_error(&e))?;
            state.metrics.container_created_total.inc();
            state
                .metrics
                .container_creation_time_seconds
                .observe(started.elapsed().as_secs_f64());
            p
        }
    };
    let container_id = prepared.id().to_string();
    let short: String = container_id.chars().take(12).collect();
    send(
        &sink,
        sse_json(
            "started",
            &serde_json::json!({"request_id": job.request_id, "container_id": container_id}),
        ),
    )
    .await;

    let export = ex.config().monitoring.export_container_stats;
    let mut opts = job.opts.clone();
    if !job.wait_for_cleanup {
        let state = state.clone();
        let failure = security_event(&job, EventKind::CleanupFailure, Some(&container_id));
        opts.defer_cleanup = Some(CleanupHook(Arc::new(move |removed| {
            record_cleanup(&state, &failure, removed);
        })));
    }
    let mut observer = RunObserver {
        state,
        job: &job,
        short: &short,
        sink: &sink,
        export,
        began: Instant::now(),
    };
    let result = monitor::under_monitor(ex, opts, spec.cpu_limit, &mut observer, |opts| {
        ex.run_prepared(prepared, &job.code, opts, findings)
    })
    .await;
    if export {
        let _ = state
            .metrics
            .container_memory_usage_mb
            .remove_label_values(&[&short]);
        let _ = state
            .metrics
            .container_cpu_percent
            .remove_label_values(&[&short]);
    }
    record_outcome(state, &job, &result);
    Ok(result)
}

/// What the API does with the live events of one execution: output and samples to a streaming
/// client, samples to the per-container gauges, monitor kills to the security log.
struct RunObserver<'a> {
    state: &'a AppState,
    job: &'a Job,
    short: &'a str,
    sink: &'a Sink,
    export: bool,
    began: Instant,
}

impl monitor::Observer for RunObserver<'_> {
    /// A streaming client sees a sample at least every second; the gauges take what comes.
    fn samples_every(&self) -> Option<Duration> {
        match (self.sink.is_some(), self.export) {
            (true, _) => Some(STREAM_SAMPLE_PERIOD),
            (false, true) => Some(
                self.state
                    .executor
                    .config()
                    .monitoring
                    .runtime_monitor_interval,
            ),
            (false, false) => None,
        }
    }

    async fn event(&mut self, event: ExecEvent, quota_percent: Option<f64>) {
        let (name, data) = match event {
            ExecEvent::Stdout(bytes) => (
                "stdout",
                serde_json::json!({"data": String::from_utf8_lossy(&bytes)}),
            ),
            ExecEvent::Stderr(bytes) => (
                "stderr",
                serde_json::json!({"data": String::from_utf8_lossy(&bytes)}),
            ),
            ExecEvent::Stats(sample) => ("stats", self.on_sample(&sample, quota_percent)),
            ExecEvent::Started { .. } | ExecEvent::Running => return,
        };
        send(self.sink, sse_json(name, &data)).await;
    }

    fn violation(&mut self, v: &monitor::Violation, container: &str) {
        self.state.seclog.record(
            &SecurityEvent::new(EventKind::PolicyViolation)
                .request_id(self.job.request_id.clone())
                .client(self.job.client)
                .code(&self.job.code)
                .container(container)
                .rule(v.rule.as_str())
                .reason(v.reason.clone()),
        );
    }
}

impl RunObserver<'_> {
    /// Sets the gauges for a sample; returns its `stats` event.
    fn on_sample(&self, sample: &ResourceSample, quota_percent: Option<f64>) -> serde_json::Value {
        let cpu = quota_percent.unwrap_or(sample.cpu_percent);
        let memory_mb = sample.memory_bytes as f64 / (1024.0 * 1024.0);
        if self.export {
            let m = self.state.metrics;
            m.container_memory_usage_mb
                .with_label_values(&[self.short])
                .set(memory_mb);
            m.container_cpu_percent
                .with_label_values(&[self.short])
                .set(cpu);
        }
        serde_json::json!({
            "cpu_percent": (cpu * 10.0).round() / 10.0,
            "memory_mb": (memory_mb * 10.0).round() / 10.0,
            "memory_limit_mb": sample.memory_limit_bytes / (1024 * 1024),
            "pids": sample.pids,
            "t": (self.began.elapsed().as_secs_f64() * 100.0).round() / 100.0,
        })
    }
}

/// Metrics and security log entries for a finished execution.
fn record_outcome(state: &AppState, job: &Job, r: &ExecutionResult) {
    let m = state.metrics;
    m.container_execution_time_seconds.observe(r.execution_time);
    let event = |kind| security_event(job, kind, r.container_id.as_deref());
    // A removal still under way is counted when it ends (the cleanup hook).
    if let Some(removed) = r.cleanup_success {
        record_cleanup(state, &event(EventKind::CleanupFailure), removed);
    }
    if r.timed_out {
        m.execution_timeout_total.inc();
        state.seclog.record(
            &event(EventKind::Timeout).rule("timeout").reason(
                r.error
                    .clone()
                    .unwrap_or_else(|| "execution timed out".into()),
            ),
        );
    }
    if r.oom_killed {
        m.resource_limit_exceeded_total
            .with_label_values(&["memory"])
            .inc();
        state.seclog.record(
            &event(EventKind::Kill)
                .rule("oom")
                .reason("killed at the memory limit"),
        );
    }
    if r.result_truncated {
        m.resource_limit_exceeded_total
            .with_label_values(&["result_size"])
            .inc();
    }
    if r.stdout_truncated || r.stderr_truncated {
        m.resource_limit_exceeded_total
            .with_label_values(&["output"])
            .inc();
    }
}

/// A security event about `job` (and its container).
fn security_event(job: &Job, kind: EventKind, container: Option<&str>) -> SecurityEvent {
    SecurityEvent::new(kind)
        .request_id(job.request_id.clone())
        .client(job.client)
        .code(&job.code)
        .container(container.unwrap_or_default().to_string())
}

/// Counts a container removal; a failed one is logged as `failure`.
fn record_cleanup(state: &AppState, failure: &SecurityEvent, removed: bool) {
    if removed {
        state.metrics.container_cleanup_success_total.inc();
    } else {
        state.metrics.container_cleanup_failed_total.inc();
        state
            .seclog
            .record(&failure.clone().reason("the container could not be removed"));
    }
}

/// How long an execution may take once it has its slot: its timeout plus the slack for
/// container start, result and removal. Waiting in line for the slot does not count: the line
/// is bounded by admission and every run ahead is bounded by its own deadline, so a busy server
/// delays an answer instead of failing a run that never started.
fn deadline(state: &AppState, job: &Job) -> Duration {
    job.opts.timeout.unwrap_or(state.executor.config().timeout) + state.config.deadline_slack
}

/// Logs a `kill` security event if the execution future is dropped before it finishes
/// (client gone, deadline, shutdown): its container is then killed and removed by the
/// executor's guard.
struct AbandonedLog<'a> {
    state: &'a AppState,
    request_id: String,
    client: Option<SocketAddr>,
    reason: &'static str,
    armed: bool,
}

impl Drop for AbandonedLog<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.state.seclog.record(
                &SecurityEvent::new(EventKind::Kill)
                    .request_id(self.request_id.clone())
                    .client(self.client)
                    .rule("abandoned")
                    .reason(self.reason),
            );
        }
    }
}

fn cancelled() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "shutting_down",
        "the server shut down during the execution; its container was removed",
    )
}

fn deadline_exceeded() -> ApiError {
    ApiError::new(
        StatusCode::GATEWAY_TIMEOUT,
        "deadline_exceeded",
        "the request did not finish within its deadline; its container was removed",
    )
}

/// `POST /v1/execute`: runs the code and answers with the result.
pub async fn execute(
    state: Arc<AppState>,
    client: Option<SocketAddr>,
    req: ExecuteRequest,
) -> Response {
    // Queue mode: a worker runs it; this waits for the result it stores.
    if state.queue.get().is_some() {
        return super::jobs::execute(state, req).await;
    }
    let job = match admit_checks(&state, client, req) {
        Ok(job) => job,
        Err(r) => return *r,
    };
    if state.shutting_down.load(Ordering::Relaxed) {
        return shutting_down();
    }
    // A place in line before the validator runs: executions waiting for a validation worker
    // hold their code, and the line bounds how many do.
    let Some(ticket) = state.admission.try_admit() else {
        return queue_full(&state, &job);
    };
    let (job, findings) = match preflight(&state, job).await {
        Ok(checked) => checked,
        Err(r) => return *r,
    };
    let limit = deadline(&state, &job);
    let mut abandoned = AbandonedLog {
        state: &state,
        request_id: job.request_id.clone(),
        client: job.client,
        reason:
            "request abandoned (client gone, deadline or shutdown): container killed and removed",
        armed: true,
    };
    let work = async {
        let _slot = ticket.slot().await;
        state.metrics.executions_in_flight.inc();
        let r = tokio::time::timeout(limit, run_job(&state, job, findings, None)).await;
        state.metrics.executions_in_flight.dec();
        r
    };
    tokio::select! {
        outcome = work => match outcome {
            Ok(Ok(result)) => {
                abandoned.armed = false;
                json(&result, StatusCode::OK)
            }
            Ok(Err(e)) => {
                abandoned.armed = false;
                e.into_response()
            }
            Err(_) => deadline_exceeded().into_response(),
        },
        () = state.cancelled() => cancelled().into_response(),
    }
}

/// `POST /v1/execute/stream`: the same, as server-sent events.
pub async fn execute_stream(
    state: Arc<AppState>,
    client: Option<SocketAddr>,
    req: ExecuteRequest,
) -> Response {
    let job = match admit_checks(&state, client, req) {
        Ok(job) => job,
        Err(r) => return *r,
    };
    if state.shutting_down.load(Ordering::Relaxed) {
        return shutting_down();
    }
    // Take the place in line now so a full queue is a plain 429, not a stream (and before
    // the validator, as for `execute`).
    let Some(ticket) = state.admission.try_admit() else {
        return queue_full(&state, &job);
    };
    let (job, findings) = match preflight(&state, job).await {
        Ok(checked) => checked,
        Err(r) => return *r,
    };
    let (tx, rx) = mpsc::channel::<sse::Event>(64);
    let task_state = state.clone();
    tokio::spawn(async move {
        let state = task_state;
        let limit = deadline(&state, &job);
        let mut abandoned = AbandonedLog {
            state: &state,
            request_id: job.request_id.clone(),
            client: job.client,
            reason:
                "stream abandoned (client gone, deadline or shutdown): container killed and removed",
            armed: true,
        };
        let sink = Some(tx.clone());
        let work = async {
            let _slot = ticket.slot().await;
            state.metrics.executions_in_flight.inc();
            let r = tokio::time::timeout(limit, run_job(&state, job, findings, sink)).await;
            state.metrics.executions_in_flight.dec();
            r
        };
        // A client that hangs up closes the channel: dropping `work` removes the container.
        let outcome = tokio::select! {
            r = work => Some(r),
            () = tx.closed() => None,
            () = state.cancelled() => Some(Ok(Err(cancelled()))),
        };
        let event = match outcome {
            None => {
                tracing::info!("client left mid-stream; its container was removed");
                return;
            }
            Some(Ok(Ok(result))) => {
                abandoned.armed = false;
                sse_json("result", &result)
            }
            Some(Ok(Err(e))) => {
                abandoned.armed = e.code == "shutting_down";
                sse_json("error", &e.body())
            }
            Some(Err(_)) => sse_json("error", &deadline_exceeded().body()),
        };
        let _ = tx.send(event).await;
    });
    let stream = ReceiverStream::new(rx).map(Ok::<_, Infallible>);
    sse::reply(
        sse::keep_alive()
            .interval(Duration::from_secs(5))
            .stream(stream),
    )
    .into_response()
}
