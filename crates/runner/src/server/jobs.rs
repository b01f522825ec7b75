//! Queue mode's routes (`stockade serve --queue`): jobs and batches go onto the Redis stream
//! for workers to run ([`crate::queue`]); `POST /v1/execute` enqueues and waits.
//!
//! Every route needs the bearer token. Without a queue they answer 404 `queue_mode_off`.
//! A job is checked at submit time as it would be for `/v1/execute` (its fields, its limits
//! against this server's ceilings); the worker checks it again, trusting nothing that came
//! through Redis. A submission that would pass the queue's cap gets 429 as a whole.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use serde::Deserialize;
use warp::http::{HeaderValue, StatusCode};
use warp::reply::Response;
use warp::sse;
use warp::{Filter, Rejection, Reply};

use super::filters::{authenticated, json_body, read_body, with_state};
use super::models::{ApiError, ExecuteRequest, Mode};
use super::AppState;
use crate::error::RunnerError;
use crate::queue::{JobMode, JobQueue, JobSpec, QueueError, MAX_BATCH};

/// What the API needs in queue mode.
#[derive(Debug)]
pub struct QueueApi {
    /// The queue.
    pub queue: JobQueue,
    /// Largest `POST /v1/batches` body (the ordinary body limit is for one job).
    pub batch_body_limit_bytes: u64,
}

/// Results a page of `GET /v1/batches/{id}/results` holds at most.
pub const MAX_PAGE: u64 = 1000;

fn queue_off() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "queue_mode_off",
        "this server runs jobs itself; start it with --queue redis://... for jobs and batches",
    )
}

fn queue_error(e: QueueError) -> ApiError {
    match e {
        QueueError::Full { .. } => {
            ApiError::new(StatusCode::TOO_MANY_REQUESTS, "queue_full", e.to_string()).retry_after(5)
        }
        QueueError::Duplicate(_) => {
            ApiError::new(StatusCode::CONFLICT, "duplicate_job_id", e.to_string())
        }
        QueueError::Job { ref error, .. } => {
            ApiError::new(StatusCode::BAD_REQUEST, error.code, e.to_string())
        }
        other => {
            tracing::error!(error = %other, "queue unavailable");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "queue_unavailable",
                "the job queue cannot be reached; retry shortly",
            )
            .retry_after(2)
        }
    }
}

fn json(value: &impl serde::Serialize, status: StatusCode) -> Response {
    warp::reply::with_status(warp::reply::json(value), status).into_response()
}

fn api(state: &AppState) -> Result<&QueueApi, ApiError> {
    state.queue.get().ok_or_else(queue_off)
}

/// Checks each job as `/v1/execute` would, before anything is enqueued.
fn check_jobs(state: &AppState, jobs: &[JobSpec]) -> Result<(), ApiError> {
    if jobs.is_empty() {
        return Err(ApiError::bad_request("the batch holds no jobs"));
    }
    if jobs.len() > MAX_BATCH {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
            format!("a batch holds at most {MAX_BATCH} jobs"),
        ));
    }
    for (i, job) in jobs.iter().enumerate() {
        let request = job
            .request(&state.config.datasets_dir, state.config.allow_unvalidated)
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.code, format!("job {i}: {e}")))?;
        // The same ceilings a worker applies (workers may have stricter ones of their own).
        state
            .executor
            .spec_for(&request.opts, request.data_dir.as_deref())
            .map_err(|e| {
                let code = match e {
                    RunnerError::ImageNotAllowed { .. } => "image_not_allowed",
                    RunnerError::ImageVariantMissing { .. } => "image_unavailable",
                    _ => "invalid_limits",
                };
                ApiError::new(StatusCode::BAD_REQUEST, code, format!("job {i}: {e}"))
            })?;
    }
    Ok(())
}

async fn submit(
    state: &AppState,
    jobs: Vec<JobSpec>,
    as_batch: bool,
) -> Result<Response, ApiError> {
    let q = api(state)?;
    if state
        .shutting_down
        .load(std::sync::atomic::Ordering::Relaxed)
    {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "shutting_down",
            "the server is shutting down",
        ));
    }
    check_jobs(state, &jobs)?;
    let submitted = q.queue.submit(jobs, as_batch).await.map_err(queue_error)?;
    Ok(json(&submitted, StatusCode::ACCEPTED))
}

fn done(r: Result<Response, ApiError>) -> Response {
    r.unwrap_or_else(ApiError::into_response)
}

/// `POST /v1/jobs`: one job.
pub async fn post_job(state: Arc<AppState>, job: JobSpec) -> Response {
    done(submit(&state, vec![job], false).await)
}

/// A batch body: `{"jobs": [...]}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// The jobs, each the object `/v1/execute` takes (optionally with `job_id`).
    pub jobs: Vec<JobSpec>,
}

/// Parses a batch body: JSON `{"jobs": [...]}`, or NDJSON with one job per line.
pub fn parse_batch(content_type: Option<&str>, body: &[u8]) -> Result<Vec<JobSpec>, ApiError> {
    let media = content_type
        .and_then(|c| c.split(';').next())
        .map(|c| c.trim().to_ascii_lowercase());
    match media.as_deref() {
        Some("application/json") => serde_json::from_slice::<BatchRequest>(body)
            .map(|b| b.jobs)
            .map_err(|e| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_json",
                    format!("the request body is not valid: {e}"),
                )
            }),
        Some("application/x-ndjson") => body
            .split(|b| *b == b'\n')
            .enumerate()
            .filter(|(_, line)| !line.iter().all(u8::is_ascii_whitespace))
            .map(|(n, line)| {
                serde_json::from_slice::<JobSpec>(line).map_err(|e| {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "invalid_json",
                        format!("line {}: {e}", n + 1),
                    )
                })
            })
            .collect(),
        _ => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send a batch as application/json ({\"jobs\": [...]}) or application/x-ndjson",
        )),
    }
}

/// `POST /v1/batches`.
pub async fn post_batch(
    state: Arc<AppState>,
    content_type: Option<String>,
    body: Bytes,
) -> Response {
    done(
        async {
            let jobs = parse_batch(content_type.as_deref(), &body)?;
            submit(&state, jobs, true).await
        }
        .await,
    )
}

/// `GET /v1/jobs/{id}`.
pub async fn get_job(id: String, state: Arc<AppState>) -> Response {
    done(
        async {
            let q = api(&state)?;
            match q.queue.job(&id).await.map_err(queue_error)? {
                Some(status) => Ok(json(&status, StatusCode::OK)),
                None => Err(ApiError::new(
                    StatusCode::NOT_FOUND,
                    "unknown_job",
                    "no such job",
                )),
            }
        }
        .await,
    )
}

/// `DELETE /v1/jobs/{id}`: cancels it if no worker has taken it yet.
pub async fn cancel_job(id: String, state: Arc<AppState>) -> Response {
    done(
        async {
            let q = api(&state)?;
            if q.queue.job(&id).await.map_err(queue_error)?.is_none() {
                return Err(ApiError::new(
                    StatusCode::NOT_FOUND,
                    "unknown_job",
                    "no such job",
                ));
            }
            let n = q.queue.cancel(&[id]).await.map_err(queue_error)?;
            Ok(json(&serde_json::json!({"cancelled": n}), StatusCode::OK))
        }
        .await,
    )
}

fn unknown_batch() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "unknown_batch", "no such batch")
}

/// `GET /v1/batches/{id}`: counts by state and progress.
pub async fn get_batch(id: String, state: Arc<AppState>) -> Response {
    done(
        async {
            let q = api(&state)?;
            let counts = q.queue.batch(&id).await.map_err(queue_error)?;
            counts
                .map(|c| json(&c, StatusCode::OK))
                .ok_or_else(unknown_batch)
        }
        .await,
    )
}

/// `DELETE /v1/batches/{id}`: cancels the jobs no worker has taken yet.
pub async fn cancel_batch(id: String, state: Arc<AppState>) -> Response {
    done(
        async {
            let q = api(&state)?;
            let n = q.queue.cancel_batch(&id).await.map_err(queue_error)?;
            n.map(|n| {
                json(
                    &serde_json::json!({"batch_id": id, "cancelled": n}),
                    StatusCode::OK,
                )
            })
            .ok_or_else(unknown_batch)
        }
        .await,
    )
}

/// Paging of `GET /v1/batches/{id}/results`.
#[derive(Debug, Deserialize)]
pub struct Page {
    /// Position in the batch (submission order) to start at.
    #[serde(default)]
    pub offset: u64,
    /// Jobs to look at, at most [`MAX_PAGE`] (default).
    #[serde(default)]
    pub limit: Option<u64>,
}

/// `GET /v1/batches/{id}/results`: NDJSON, one stored result (with its `job_id`) per line;
/// jobs without a result yet are skipped. `X-Next-Offset` names the next page.
pub async fn batch_results(id: String, page: Page, state: Arc<AppState>) -> Response {
    done(
        async {
            let q = api(&state)?;
            let limit = page.limit.unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE);
            let (lines, next) = q
                .queue
                .batch_results(&id, page.offset, limit)
                .await
                .map_err(queue_error)?
                .ok_or_else(unknown_batch)?;
            let mut body = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
            for line in lines {
                body.push_str(&line);
                body.push('\n');
            }
            let mut r = Response::new(body.into());
            let h = r.headers_mut();
            h.insert(
                "content-type",
                HeaderValue::from_static("application/x-ndjson"),
            );
            if let Some(next) = next.and_then(|n| HeaderValue::from_str(&n.to_string()).ok()) {
                h.insert("x-next-offset", next);
            }
            Ok(r)
        }
        .await,
    )
}

/// How often the progress stream reports.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// `GET /v1/batches/{id}/events`: server-sent `progress` events (the counts) every second,
/// then `done` once nothing is queued or running.
pub async fn batch_events(id: String, state: Arc<AppState>) -> Response {
    let q = match api(&state) {
        Ok(q) => q.queue.clone(),
        Err(e) => return e.into_response(),
    };
    match q.batch(&id).await {
        Ok(Some(_)) => {}
        Ok(None) => return unknown_batch().into_response(),
        Err(e) => return queue_error(e).into_response(),
    }
    let stream = futures_util::stream::unfold(Some((q, id, true)), |st| async move {
        let (q, id, first) = st?;
        if !first {
            tokio::time::sleep(PROGRESS_EVERY).await;
        }
        let event = match q.batch(&id).await {
            Ok(Some(c)) if c.done => {
                let e = sse::Event::default().event("done").json_data(&c).ok()?;
                return Some((Ok::<_, Infallible>(e), None));
            }
            Ok(Some(c)) => sse::Event::default().event("progress").json_data(&c).ok()?,
            Ok(None) => return None,
            // Redis restarting: say so and keep going.
            Err(e) => sse::Event::default()
                .event("error")
                .json_data(serde_json::json!({"message": e.to_string()}))
                .ok()?,
        };
        Some((Ok(event), Some((q, id, false))))
    });
    sse::reply(sse::keep_alive().stream(stream.boxed())).into_response()
}

/// `POST /v1/execute` in queue mode: one job, and the answer once a worker stored its result.
pub async fn execute(state: Arc<AppState>, req: ExecuteRequest) -> Response {
    done(async {
        let q = api(&state)?;
        let job = JobSpec {
            job_id: None,
            code: req.code,
            timeout_seconds: req.timeout_seconds,
            memory_mb: req.memory_mb,
            validate: req.validate,
            runtime: req.runtime,
            image: req.image,
            mode: match req.mode {
                Mode::Execute => JobMode::Execute,
                Mode::Strategy => JobMode::Strategy,
            },
            dataset: req.dataset,
            wait_for_cleanup: req.wait_for_cleanup,
        };
        let timeout = job
            .timeout_seconds
            .and_then(|t| Duration::try_from_secs_f64(t).ok())
            .unwrap_or(state.executor.config().timeout);
        check_jobs(&state, std::slice::from_ref(&job))?;
        let submitted = q.queue.submit(vec![job], false).await.map_err(queue_error)?;
        let id = submitted.job_ids.into_iter().next().unwrap_or_default();
        // Queue wait is part of the deadline: a busy queue answers 504 with the job's id, and
        // the client can still fetch the result later.
        let within = timeout + state.config.deadline_slack;
        let wait = q.queue.wait_result(&id, within);
        let result = tokio::select! {
            r = wait => r.map_err(queue_error)?,
            () = state.cancelled() => None,
        };
        match result {
            Some(mut value) => {
                if let Some(o) = value.as_object_mut() {
                    o.remove("state");
                }
                Ok(json(&value, StatusCode::OK))
            }
            None => Err(ApiError::new(
                StatusCode::GATEWAY_TIMEOUT,
                "deadline_exceeded",
                format!("no worker finished job {id} within the deadline; GET /v1/jobs/{id} for its result later"),
            )),
        }
    }
    .await)
}

/// The queue routes (token required on each).
pub fn routes(
    state: Arc<AppState>,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let limit = state.config.body_limit_bytes;
    let body_timeout = state.config.body_read_timeout;
    let batch_limit = state
        .queue
        .get()
        .map_or(limit, |q| q.batch_body_limit_bytes);
    let auth = || authenticated(state.clone());
    let s = || with_state(state.clone());
    let post_job = warp::path!("v1" / "jobs")
        .and(warp::post())
        .and(auth())
        .and(s())
        .and(json_body(limit, body_timeout))
        .then(post_job);
    let get_job = warp::path!("v1" / "jobs" / String)
        .and(warp::get())
        .and(auth())
        .and(s())
        .then(get_job);
    let cancel_job = warp::path!("v1" / "jobs" / String)
        .and(warp::delete())
        .and(auth())
        .and(s())
        .then(cancel_job);
    let post_batch = warp::path!("v1" / "batches")
        .and(warp::post())
        .and(auth())
        .and(s())
        .and(warp::header::optional::<String>("content-type"))
        .and(warp::body::content_length_limit(batch_limit))
        .and(warp::body::stream().and_then(move |body| read_body(body, body_timeout)))
        .then(post_batch);
    let get_batch = warp::path!("v1" / "batches" / String)
        .and(warp::get())
        .and(auth())
        .and(s())
        .then(get_batch);
    let cancel_batch = warp::path!("v1" / "batches" / String)
        .and(warp::delete())
        .and(auth())
        .and(s())
        .then(cancel_batch);
    let results = warp::path!("v1" / "batches" / String / "results")
        .and(warp::get())
        .and(auth())
        .and(warp::query::<Page>())
        .and(s())
        .then(batch_results);
    let events = warp::path!("v1" / "batches" / String / "events")
        .and(warp::get())
        .and(auth())
        .and(s())
        .then(batch_events);
    post_job
        .or(get_job)
        .unify()
        .or(cancel_job)
        .unify()
        .or(post_batch)
        .unify()
        .or(get_batch)
        .unify()
        .or(cancel_batch)
        .unify()
        .or(results)
        .unify()
        .or(events)
        .unify()
}

/// The queue routes' part of the OpenAPI document (merged by [`super::openapi::document`]).
pub fn openapi_paths() -> serde_json::Value {
    use serde_json::json;
    let auth = json!([{"bearer": []}]);
    let err = |d: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let ok = |d: &str, schema: serde_json::Value| json!({"description": d, "content": {"application/json": {"schema": schema}}});
    let id = |what: &str| json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$"}, "description": what}]);
    let job = json!({"allOf": [{"$ref": "#/components/schemas/ExecuteRequest"}, {"type": "object", "properties": {
        "job_id": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$", "description": "Your id for the job (default: a random one); results are keyed by it"}
    }}]});
    let submitted = json!({"type": "object", "required": ["job_ids"], "properties": {
        "batch_id": {"type": "string"}, "job_ids": {"type": "array", "items": {"type": "string"}}
    }});
    let counts = json!({"type": "object", "properties": {
        "batch_id": {"type": "string"}, "total": {"type": "integer"}, "queued": {"type": "integer"},
        "running": {"type": "integer"}, "succeeded": {"type": "integer"}, "failed": {"type": "integer"},
        "dead": {"type": "integer"}, "cancelled": {"type": "integer"}, "expired": {"type": "integer"},
        "progress": {"type": "number"}, "done": {"type": "boolean"}
    }});
    let status = json!({"type": "object", "properties": {
        "job_id": {"type": "string"}, "state": {"type": "string", "enum": ["queued", "running", "succeeded", "failed", "dead", "cancelled", "expired"]},
        "attempts": {"type": "integer"}, "batch_id": {"type": "string"}, "worker": {"type": "string"},
        "last_error": {"type": "string"}, "result": {"$ref": "#/components/schemas/ExecutionResult"}
    }});
    let cancelled = json!({"type": "object", "properties": {"cancelled": {"type": "integer"}, "batch_id": {"type": "string"}}});
    let off = "Unknown job or batch, or the server is not in queue mode (queue_mode_off)";
    json!({
        "/v1/jobs": {"post": {
            "summary": "Queue mode: enqueue one job (the /v1/execute body, optionally with job_id)",
            "security": auth,
            "requestBody": {"required": true, "content": {"application/json": {"schema": job, "example": {"code": "signal = 1"}}}},
            "responses": {
                "202": ok("Enqueued", submitted.clone()), "400": err("Invalid job or limits above the server's ceilings"),
                "401": err("Missing or wrong bearer token"), "404": err(off), "409": err("job_id already in use"),
                "411": err("No Content-Length"), "413": err("Body too large"), "415": err("Not JSON"), "429": err("The queue is full (Retry-After)"),
                "503": err("Queue unreachable or shutting down")
            }
        }},
        "/v1/jobs/{id}": {
            "get": {
                "summary": "Queue mode: a job's state and, once stored, its result",
                "security": auth, "parameters": id("The job id"),
                "responses": {"200": ok("The job", status), "401": err("Missing or wrong bearer token"), "404": err(off), "503": err("Queue unreachable")}
            },
            "delete": {
                "summary": "Queue mode: cancel a job no worker has taken yet",
                "security": auth, "parameters": id("The job id"),
                "responses": {"200": ok("How many were cancelled (0 or 1)", cancelled.clone()), "401": err("Missing or wrong bearer token"), "404": err(off), "503": err("Queue unreachable")}
            }
        },
        "/v1/batches": {"post": {
            "summary": "Queue mode: enqueue a batch, all or none",
            "security": auth,
            "requestBody": {"required": true, "content": {
                "application/json": {
                    "schema": {"type": "object", "required": ["jobs"], "properties": {"jobs": {"type": "array", "items": job, "maxItems": MAX_BATCH}}},
                    "example": {"jobs": [{"code": "signal = 1"}, {"code": "signal = 2", "job_id": "second"}]}
                },
                "application/x-ndjson": {"schema": {"type": "string", "description": "One job object per line"}}
            }},
            "responses": {
                "202": ok("Enqueued", submitted), "400": err("Invalid job or limits above the server's ceilings"),
                "401": err("Missing or wrong bearer token"), "404": err(off), "409": err("A job_id already in use"),
                "411": err("No Content-Length (a batch is read whole, so its length must be known)"),
                "413": err("Body or batch too large"), "415": err("Neither JSON nor NDJSON"),
                "429": err("The queue would pass its cap (Retry-After)"), "503": err("Queue unreachable or shutting down")
            }
        }},
        "/v1/batches/{id}": {
            "get": {
                "summary": "Queue mode: a batch's counts by state and progress",
                "security": auth, "parameters": id("The batch id"),
                "responses": {"200": ok("Counts", counts), "401": err("Missing or wrong bearer token"), "404": err(off), "503": err("Queue unreachable")}
            },
            "delete": {
                "summary": "Queue mode: cancel the batch's jobs no worker has taken yet",
                "security": auth, "parameters": id("The batch id"),
                "responses": {"200": ok("How many were cancelled", cancelled), "401": err("Missing or wrong bearer token"), "404": err(off), "503": err("Queue unreachable")}
            }
        },
        "/v1/batches/{id}/results": {"get": {
            "summary": "Queue mode: stored results as NDJSON, one result object (with job_id) per line, in submission order; X-Next-Offset names the next page",
            "security": auth,
            "parameters": [
                {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}}
            ],
            "responses": {
                "200": {"description": "Results", "content": {"application/x-ndjson": {}}},
                "400": err("Invalid query"), "401": err("Missing or wrong bearer token"), "404": err(off), "503": err("Queue unreachable")
            }
        }},
        "/v1/batches/{id}/events": {"get": {
            "summary": "Queue mode: server-sent progress events (the counts) every second, then done",
            "security": auth, "parameters": id("The batch id"),
            "responses": {
                "200": {"description": "Event stream", "content": {"text/event-stream": {}}},
                "401": err("Missing or wrong bearer token"), "404": err(off), "503": err("Queue unreachable")
            }
        }}
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn batches_come_as_json_or_ndjson() {
        let json = br#"{"jobs": [{"code": "signal = 1"}, {"code": "signal = 2", "job_id": "b"}]}"#;
        let jobs = parse_batch(Some("application/json; charset=utf-8"), json).unwrap();
        assert_eq!(jobs.len(), 2);
        assert_eq!(jobs[1].job_id.as_deref(), Some("b"));
        let nd = b"{\"code\": \"signal = 1\"}\n\n{\"code\": \"signal = 2\"}\n";
        assert_eq!(
            parse_batch(Some("application/x-ndjson"), nd).unwrap().len(),
            2
        );
        let bad = b"{\"code\": \"signal = 1\"}\n{\"cod\": 1}\n";
        let e = parse_batch(Some("application/x-ndjson"), bad).unwrap_err();
        assert!(e.message.starts_with("line 2"), "{}", e.message);
        let e = parse_batch(Some("text/plain"), json).unwrap_err();
        assert_eq!(e.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
}
