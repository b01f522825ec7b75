//! `stockade worker`: takes jobs from the stream through the consumer group and runs them on
//! a [`Backend`].
//!
//! One loop reads as many entries as there are free slots (new ones with `XREADGROUP`, and
//! every half visibility timeout the ones other workers left behind with `XAUTOCLAIM`); each
//! entry runs in its own task: take (count the attempt) → re-check the job as if it came from
//! a stranger (parse, limits, the validator unless this worker allows unvalidated code) → run
//! → store the result and acknowledge in one script. A heartbeat re-claims the entries in
//! flight (resetting their idle time, so slow jobs are not reclaimed while their worker lives)
//! and refreshes the worker's presence key. On shutdown the worker stops reading, lets its jobs
//! finish for the grace period, then puts the unfinished ones back on the stream without
//! counting the attempt. Its attempts by outcome and its busy slots go to the process's
//! metrics ([`crate::metrics::WorkerMetrics`]).

use std::collections::HashSet;
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redis::streams::{StreamAutoClaimReply, StreamId, StreamReadReply};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;

use super::{now, scripts, Connection, JobSpec, QueueError, QueueSettings, GROUP};
use crate::backend::{Backend, RunRequest};
use crate::metrics::WorkerMetrics;
use crate::result::ExecutionResult;

/// How long one blocking read waits for new entries.
const BLOCK: Duration = Duration::from_secs(1);
/// Pause after a failed Redis command before the loop tries again.
const BACKOFF: Duration = Duration::from_millis(500);

/// A worker's own settings.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// Its consumer name in the group; unique per process.
    pub name: String,
    /// Jobs run at once.
    pub concurrency: usize,
    /// Datasets for strategy mode.
    pub datasets_dir: PathBuf,
    /// Whether jobs may skip the validator (`validate: false`).
    pub allow_unvalidated: bool,
    /// How long in-flight jobs may finish after shutdown is asked for.
    pub drain_grace: Duration,
    /// How often sandboxes of dead runners on this host are swept.
    pub sweep_interval: Duration,
}

/// What a worker did, when it stops.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkerReport {
    /// Results it stored.
    pub stored: u64,
    /// Jobs it put back on the stream for another attempt.
    pub retried: u64,
    /// Jobs it dead-lettered.
    pub dead_lettered: u64,
    /// Jobs it handed back unfinished at shutdown.
    pub returned: u64,
}

#[derive(Default)]
struct Counters {
    stored: AtomicU64,
    retried: AtomicU64,
    dead_lettered: AtomicU64,
    returned: AtomicU64,
}

/// State the job tasks share.
struct Shared<B> {
    c: Connection,
    settings: WorkerSettings,
    backend: Arc<B>,
    /// Entry ids in flight (the heartbeat re-claims them).
    in_flight: Mutex<HashSet<String>>,
    /// Set once the grace period is over: unfinished jobs go back to the stream.
    abandon: watch::Sender<bool>,
    counters: Counters,
    /// This worker's series in the process's metrics.
    metrics: &'static WorkerMetrics,
}

impl<B> Shared<B> {
    /// Counts a finished attempt in the worker's metrics.
    fn finished(&self, outcome: &str) {
        self.metrics
            .jobs_total
            .with_label_values(&[&self.settings.name, outcome])
            .inc();
    }
}

/// A name unique to this process: host, pid and a random suffix.
pub fn default_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "host".into());
    let suffix: u16 = rand::random();
    format!("{host}-{}-{suffix:04x}", std::process::id())
}

/// A worker's connections to the queue, opened before anything else so that a wrong address
/// or password fails at once.
#[derive(Debug)]
pub struct Link {
    c: Connection,
    reader: Connection,
}

impl Link {
    /// Connects to the queue at `url` and makes sure the group exists.
    pub async fn open(url: &str, queue: QueueSettings) -> Result<Link, QueueError> {
        let c = Connection::open(url, queue, Duration::from_secs(10)).await?;
        let reader = c.another(BLOCK + Duration::from_secs(10)).await?;
        Ok(Link { c, reader })
    }
}

/// Runs jobs from the group until `shutdown` resolves; then drains.
pub async fn run<B: Backend>(
    link: Link,
    settings: WorkerSettings,
    backend: Arc<B>,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<WorkerReport, QueueError> {
    let block_ms = BLOCK.as_millis() as usize;
    let Link { c, reader } = link;
    let metrics = crate::metrics::global().worker();
    metrics.start(&settings.name, settings.concurrency.max(1));
    let shared = Arc::new(Shared {
        c,
        settings,
        backend,
        in_flight: Mutex::new(HashSet::new()),
        abandon: watch::channel(false).0,
        counters: Counters::default(),
        metrics,
    });
    let slots = Arc::new(Semaphore::new(shared.settings.concurrency.max(1)));
    tracing::info!(
        worker = %shared.settings.name,
        url = %shared.c.url,
        concurrency = shared.settings.concurrency,
        "worker joined the group"
    );
    let heartbeat = AbortOnDrop(tokio::spawn(heartbeat(shared.clone(), slots.clone())));
    let sweeper = AbortOnDrop(tokio::spawn(sweep(shared.clone())));
    let mut tasks = JoinSet::new();
    let mut last_reclaim: Option<Instant> = None;
    let reclaim_every = shared.c.settings.visibility_timeout / 2;
    tokio::pin!(shutdown);
    loop {
        let first = tokio::select! {
            () = &mut shutdown => break,
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            // Reap finished tasks as they end so the set does not grow.
            Some(_) = tasks.join_next(), if !tasks.is_empty() => continue,
        };
        let mut permits = vec![first];
        while let Ok(p) = slots.clone().try_acquire_owned() {
            permits.push(p);
        }
        let due = last_reclaim.is_none_or(|t| t.elapsed() >= reclaim_every);
        let read = async {
            let mut entries = Vec::new();
            if due {
                entries = reclaim(&shared, permits.len()).await?;
            }
            if entries.len() < permits.len() {
                let more = read_new(
                    &reader,
                    &shared.settings.name,
                    permits.len() - entries.len(),
                    block_ms,
                )
                .await?;
                entries.extend(more);
            }
            Ok::<_, redis::RedisError>(entries)
        };
        let entries = tokio::select! {
            () = &mut shutdown => break,
            r = read => r,
        };
        if due {
            last_reclaim = Some(Instant::now());
        }
        match entries {
            Ok(entries) => {
                for (entry, permit) in entries.into_iter().zip(permits) {
                    tasks.spawn(process(shared.clone(), entry, permit));
                }
            }
            Err(e) => {
                tracing::warn!(error = %shared.c.error(&e), "reading the stream failed; retrying");
                tokio::time::sleep(BACKOFF).await;
                // A Redis that lost its data (no persistence) lost the group too.
                if e.code() == Some("NOGROUP") {
                    let _ = shared.c.ensure_group().await;
                }
            }
        }
    }
    tracing::info!(
        in_flight = tasks.len(),
        grace = ?shared.settings.drain_grace,
        "draining: no new jobs, finishing in-flight ones"
    );
    let drained = tokio::time::timeout(shared.settings.drain_grace, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!("grace period over: returning unfinished jobs to the queue");
        let _ = shared.abandon.send(true);
        while tasks.join_next().await.is_some() {}
    }
    drop(heartbeat);
    drop(sweeper);
    shared.backend.shutdown(Duration::from_secs(30)).await;
    let mut conn = shared.c.conn.clone();
    let _: redis::RedisResult<()> = redis::pipe()
        .del(shared.c.keys.worker(&shared.settings.name))
        .ignore()
        .zrem(shared.c.keys.workers(), &shared.settings.name)
        .ignore()
        .query_async(&mut conn)
        .await;
    let k = &shared.counters;
    Ok(WorkerReport {
        stored: k.stored.load(Ordering::Relaxed),
        retried: k.retried.load(Ordering::Relaxed),
        dead_lettered: k.dead_lettered.load(Ordering::Relaxed),
        returned: k.returned.load(Ordering::Relaxed),
    })
}

/// New entries for this consumer, at most `count`, waiting up to the block time.
async fn read_new(
    reader: &Connection,
    consumer: &str,
    count: usize,
    block_ms: usize,
) -> Result<Vec<StreamId>, redis::RedisError> {
    let mut conn = reader.conn.clone();
    let reply: Option<StreamReadReply> = redis::cmd("XREADGROUP")
        .arg("GROUP")
        .arg(GROUP)
        .arg(consumer)
        .arg("COUNT")
        .arg(count)
        .arg("BLOCK")
        .arg(block_ms)
        .arg("STREAMS")
        .arg(reader.keys.stream())
        .arg(">")
        .query_async(&mut conn)
        .await?;
    Ok(reply
        .map(|r| r.keys.into_iter().flat_map(|k| k.ids).collect())
        .unwrap_or_default())
}

/// Entries idle past the visibility timeout (their worker stopped answering), now ours.
async fn reclaim<B>(shared: &Shared<B>, count: usize) -> Result<Vec<StreamId>, redis::RedisError> {
    let c = &shared.c;
    let mut conn = c.conn.clone();
    let reply: StreamAutoClaimReply = redis::cmd("XAUTOCLAIM")
        .arg(c.keys.stream())
        .arg(GROUP)
        .arg(&shared.settings.name)
        .arg(c.settings.visibility_timeout.as_millis() as u64)
        .arg("0-0")
        .arg("COUNT")
        .arg(count)
        .query_async(&mut conn)
        .await?;
    // Entries deleted while pending (a cancelled job) only need their acknowledgement.
    if !reply.deleted_ids.is_empty() {
        let _: redis::RedisResult<u64> = redis::cmd("XACK")
            .arg(c.keys.stream())
            .arg(GROUP)
            .arg(&reply.deleted_ids)
            .query_async(&mut conn)
            .await;
    }
    if !reply.claimed.is_empty() {
        tracing::warn!(
            count = reply.claimed.len(),
            "reclaimed jobs from a worker that stopped answering"
        );
    }
    Ok(reply.claimed)
}

/// Keeps the worker's presence key and its entries' idle times fresh.
async fn heartbeat<B>(shared: Arc<Shared<B>>, slots: Arc<Semaphore>) {
    let c = &shared.c;
    let every = (c.settings.visibility_timeout / 3).max(Duration::from_millis(100));
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let ids: Vec<String> = shared
            .in_flight
            .lock()
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default();
        let busy = shared
            .settings
            .concurrency
            .saturating_sub(slots.available_permits());
        let presence = serde_json::json!({
            "concurrency": shared.settings.concurrency,
            "busy": busy,
            "stored": shared.counters.stored.load(Ordering::Relaxed),
            "at": now(),
        });
        let mut pipe = redis::pipe();
        pipe.cmd("SET")
            .arg(c.keys.worker(&shared.settings.name))
            .arg(presence.to_string())
            .arg("PX")
            .arg((c.settings.visibility_timeout * 2).as_millis() as u64)
            .ignore()
            .zadd(c.keys.workers(), &shared.settings.name, now())
            .ignore();
        if !ids.is_empty() {
            pipe.cmd("XCLAIM")
                .arg(c.keys.stream())
                .arg(GROUP)
                .arg(&shared.settings.name)
                .arg(0)
                .arg(&ids)
                .arg("JUSTID")
                .ignore();
        }
        let mut conn = c.conn.clone();
        if let Err(e) = pipe.query_async::<()>(&mut conn).await {
            tracing::warn!(error = %c.error(&e), "heartbeat failed");
        }
    }
}

/// Removes sandboxes that dead runners on this host left (a worker killed mid-job).
async fn sweep<B: Backend>(shared: Arc<Shared<B>>) {
    let mut tick = tokio::time::interval(shared.settings.sweep_interval);
    loop {
        tick.tick().await;
        match shared.backend.sweep().await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(removed = n, "removed sandboxes of dead runners"),
            Err(e) => tracing::warn!(error = %e, "sweep failed"),
        }
    }
}

/// How one attempt ended.
enum Outcome {
    /// The code's own outcome, to store.
    Result(serde_json::Value, bool),
    /// No outcome of the code's own: try again (or dead-letter).
    Retry(String),
    /// Shutdown: hand the job back without counting the attempt.
    Return,
}

/// True when the container ended without the harness reporting an outcome and the runner
/// did not end it for a reason of its own (limits, monitor): the harness itself died, which a
/// job can cause on purpose, so it counts as a failed attempt rather than a result.
pub fn harness_lost(r: &ExecutionResult) -> bool {
    !r.success
        && r.container_id.is_some()
        && r.error_type.is_none()
        && !r.timed_out
        && !r.oom_killed
        && r.killed_reason.is_none()
}

fn failed_result(job_id: &str, error: impl Into<String>) -> serde_json::Value {
    serde_json::json!({"job_id": job_id, "success": false, "error": error.into()})
}

async fn process<B: Backend>(
    shared: Arc<Shared<B>>,
    entry: StreamId,
    _permit: OwnedSemaphorePermit,
) {
    let Some(job_id) = entry.get::<String>("job") else {
        // Not one of ours: acknowledge it so it is not redelivered for ever.
        let _ = ack(&shared, &entry.id).await;
        return;
    };
    let track = |add: bool| {
        if let Ok(mut s) = shared.in_flight.lock() {
            if add {
                s.insert(entry.id.clone());
            } else {
                s.remove(&entry.id);
            }
        }
    };
    let busy = shared
        .metrics
        .busy_slots
        .with_label_values(&[&shared.settings.name]);
    track(true);
    busy.inc();
    if let Err(e) = attempt(&shared, &entry.id, &job_id).await {
        // The entry stays pending: after the visibility timeout a worker reclaims it.
        tracing::warn!(job = %job_id, error = %shared.c.error(&e), "Redis failed during a job");
    }
    busy.dec();
    track(false);
}

async fn ack<B>(shared: &Shared<B>, entry: &str) -> Result<(), redis::RedisError> {
    let c = &shared.c;
    let mut conn = c.conn.clone();
    redis::pipe()
        .xack(c.keys.stream(), GROUP, &[entry])
        .ignore()
        .xdel(c.keys.stream(), &[entry])
        .ignore()
        .query_async::<()>(&mut conn)
        .await
}

async fn attempt<B: Backend>(
    shared: &Shared<B>,
    entry: &str,
    job_id: &str,
) -> Result<(), redis::RedisError> {
    let c = &shared.c;
    let s = &c.settings;
    let mut conn = c.conn.clone();
    let taken: Vec<String> = scripts::take()
        .key(c.keys.job(job_id))
        .key(c.keys.dead())
        .key(c.keys.result(job_id))
        .key(c.keys.stats())
        .arg(s.max_attempts)
        .arg(&shared.settings.name)
        .arg(now())
        .arg(s.result_ttl.as_secs().max(1))
        .arg(job_id)
        .invoke_async(&mut conn)
        .await?;
    let spec = match taken.first().map(String::as_str) {
        Some("run") => taken.get(2).cloned().unwrap_or_default(),
        Some("dead") => {
            shared
                .counters
                .dead_lettered
                .fetch_add(1, Ordering::Relaxed);
            shared.finished("dead_lettered");
            tracing::warn!(job = %job_id, reason = ?taken.get(1), "dead-lettered");
            return ack(shared, entry).await;
        }
        _ => return ack(shared, entry).await,
    };
    let outcome = execute(shared, job_id, &spec).await;
    match outcome {
        Outcome::Result(result, success) => store(shared, entry, job_id, &result, success).await,
        Outcome::Retry(reason) => requeue(shared, entry, job_id, &reason, false).await,
        Outcome::Return => requeue(shared, entry, job_id, "the worker stopped", true).await,
    }
}

/// Runs one job, trusting nothing in it: the spec is parsed and checked again here.
async fn execute<B: Backend>(shared: &Shared<B>, job_id: &str, spec: &str) -> Outcome {
    let job: JobSpec = match serde_json::from_str(spec) {
        Ok(j) => j,
        Err(e) => {
            return Outcome::Result(failed_result(job_id, format!("invalid job: {e}")), false)
        }
    };
    let request: RunRequest = match job.request(
        &shared.settings.datasets_dir,
        shared.settings.allow_unvalidated,
    ) {
        Ok(mut r) => {
            r.opts.request_id = Some(job_id.to_string());
            r
        }
        Err(e) => return Outcome::Result(failed_result(job_id, e.message), false),
    };
    if let Err(reason) = shared.backend.check(&request) {
        return Outcome::Result(failed_result(job_id, reason), false);
    }
    let mut abandon = shared.abandon.subscribe();
    let run = shared.backend.run(request);
    let ran = tokio::select! {
        r = run => r,
        _ = abandon.wait_for(|a| *a) => return Outcome::Return,
    };
    match ran {
        Ok(r) if harness_lost(&r) => Outcome::Retry(
            r.error
                .unwrap_or_else(|| "the sandbox ended without a result".into()),
        ),
        Ok(r) => {
            let success = r.success;
            let mut value = serde_json::to_value(&r).unwrap_or_else(|e| {
                failed_result(job_id, format!("the result could not be encoded: {e}"))
            });
            if let Some(obj) = value.as_object_mut() {
                obj.insert("job_id".into(), job_id.into());
            }
            Outcome::Result(value, success)
        }
        Err(e) => Outcome::Retry(e.to_string()),
    }
}

/// Runs a script until Redis takes it: a restart in the middle of a job must not lose its
/// result. Gives up after the visibility timeout (the entry is then reclaimed and the job run
/// again) or when the worker is abandoning its jobs.
async fn persist<T: redis::FromRedisValue>(
    shared: &Shared<impl Send + Sync>,
    what: &str,
    invocation: &redis::ScriptInvocation<'_>,
) -> Result<T, redis::RedisError> {
    let deadline = Instant::now() + shared.c.settings.visibility_timeout;
    loop {
        let mut conn = shared.c.conn.clone();
        match invocation.invoke_async(&mut conn).await {
            Ok(v) => return Ok(v),
            Err(e) if Instant::now() < deadline && !*shared.abandon.borrow() => {
                tracing::warn!(error = %shared.c.error(&e), what, "Redis unavailable; retrying");
                tokio::time::sleep(BACKOFF).await;
            }
            Err(e) => return Err(e),
        }
    }
}

async fn store<B>(
    shared: &Shared<B>,
    entry: &str,
    job_id: &str,
    result: &serde_json::Value,
    success: bool,
) -> Result<(), redis::RedisError>
where
    B: Send + Sync,
{
    let c = &shared.c;
    let script = scripts::finish();
    let mut inv = script.prepare_invoke();
    inv.key(c.keys.job(job_id))
        .key(c.keys.result(job_id))
        .key(c.keys.stream())
        .arg(result.to_string())
        .arg(c.settings.result_ttl.as_secs().max(1))
        .arg(if success { "succeeded" } else { "failed" })
        .arg(GROUP)
        .arg(entry)
        .arg(now());
    let stored: u64 = persist(shared, "storing a result", &inv).await?;
    if stored == 1 {
        shared.counters.stored.fetch_add(1, Ordering::Relaxed);
        shared.finished(if success { "succeeded" } else { "failed" });
    } else {
        tracing::info!(job = %job_id, "the job already had a result; this run's is dropped");
    }
    Ok(())
}

async fn requeue<B>(
    shared: &Shared<B>,
    entry: &str,
    job_id: &str,
    reason: &str,
    refund: bool,
) -> Result<(), redis::RedisError>
where
    B: Send + Sync,
{
    let c = &shared.c;
    let script = scripts::retry();
    let mut inv = script.prepare_invoke();
    inv.key(c.keys.job(job_id))
        .key(c.keys.dead())
        .key(c.keys.result(job_id))
        .key(c.keys.stream())
        .key(c.keys.stats())
        .arg(c.settings.max_attempts)
        .arg(reason)
        .arg(GROUP)
        .arg(entry)
        .arg(c.settings.result_ttl.as_secs().max(1))
        .arg(job_id)
        .arg(now())
        .arg(if refund { "1" } else { "0" });
    let verdict: String = persist(shared, "returning a job", &inv).await?;
    match (verdict.as_str(), refund) {
        ("dead", _) => {
            shared
                .counters
                .dead_lettered
                .fetch_add(1, Ordering::Relaxed);
            shared.finished("dead_lettered");
            tracing::warn!(job = %job_id, reason, "dead-lettered");
        }
        ("requeued", true) => {
            shared.counters.returned.fetch_add(1, Ordering::Relaxed);
            shared.finished("returned");
        }
        ("requeued", false) => {
            shared.counters.retried.fetch_add(1, Ordering::Relaxed);
            shared.finished("retried");
            tracing::warn!(job = %job_id, reason, "attempt failed; job back on the queue");
        }
        _ => {}
    }
    Ok(())
}

/// Aborts the task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dead_harness_is_a_failed_attempt_but_the_codes_own_failures_are_results() {
        let lost = ExecutionResult {
            container_id: Some("c".into()),
            error: Some("no result frame: the program exited with code 3".into()),
            ..Default::default()
        };
        assert!(harness_lost(&lost));
        let raised = ExecutionResult {
            error_type: Some("ValueError".into()),
            ..lost.clone()
        };
        assert!(!harness_lost(&raised));
        let timed_out = ExecutionResult {
            timed_out: true,
            ..lost.clone()
        };
        assert!(!harness_lost(&timed_out));
        let refused = ExecutionResult {
            container_id: None,
            ..lost.clone()
        };
        assert!(!harness_lost(&refused), "a validator refusal is final");
    }
}
