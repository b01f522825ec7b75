//! Queue mode: jobs on a Redis stream, run by workers on any number of hosts.
//!
//! The API ([`JobQueue`]) puts each job on the stream `{prefix}:jobs` and keeps its state in a
//! hash; workers ([`worker`]) read the stream through the consumer group `workers`, run each
//! job in their own sandbox backend, store the result under the job's id and only then
//! acknowledge the entry. Delivery is at least once: an entry whose worker stopped answering
//! (no heartbeat for the visibility timeout) is reclaimed by another worker with `XAUTOCLAIM`;
//! a job is attempted at most `max_attempts` times, then it goes to the dead-letter stream
//! `{prefix}:dead` with the reason; the first stored result wins, so a job that ran twice has
//! one result. Every state change is one Lua script ([`scripts`]).
//!
//! All keys share the hash tag `{prefix}`, so the scripts' keys sit in one slot. Redis is
//! reached over TLS with a `rediss://` address; [`QueueTls`] adds a private CA and a client
//! certificate ([`tls`]).
//!
//! ```no_run
//! use stockade_runner::queue::{JobQueue, JobSpec, QueueSettings};
//!
//! # async fn run() -> Result<(), stockade_runner::queue::QueueError> {
//! let queue = JobQueue::connect("redis://127.0.0.1:6379/0", QueueSettings::default()).await?;
//! let job: JobSpec = serde_json::from_str(r#"{"code": "signal = 1"}"#).expect("a job");
//! let batch = queue.submit(vec![job], true).await?;
//! println!("{}: {:?}", batch.batch_id.unwrap_or_default(), batch.job_ids);
//! # Ok(()) }
//! ```

pub mod exporter;
pub mod job;
pub mod scripts;
pub mod tls;
pub mod worker;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::AsyncCommands;
use serde::Serialize;

pub use job::{JobError, JobMode, JobSpec};
pub use tls::{ClientCertificate, QueueTls};

/// The consumer group every worker joins.
pub const GROUP: &str = "workers";

/// Settings of the API and the workers (both sides must agree on all but `tls`).
#[derive(Debug, Clone)]
pub struct QueueSettings {
    /// Key prefix, used as a hash tag (default `stockade`).
    pub prefix: String,
    /// An entry pending this long without its worker's heartbeat is reclaimed (default 60 s).
    pub visibility_timeout: Duration,
    /// Attempts before a job is dead-lettered (default 3).
    pub max_attempts: u32,
    /// How long a job's record and its batch live (default 24 h).
    pub job_ttl: Duration,
    /// How long a result lives (default 24 h).
    pub result_ttl: Duration,
    /// Entries on the stream (queued plus running) beyond which submissions get 429
    /// (default 100,000).
    pub max_queue_length: u64,
    /// A private CA and a client certificate for a `rediss://` address (default: none, the
    /// public roots).
    pub tls: QueueTls,
}

impl Default for QueueSettings {
    fn default() -> Self {
        QueueSettings {
            prefix: "stockade".into(),
            visibility_timeout: Duration::from_secs(60),
            max_attempts: 3,
            job_ttl: Duration::from_secs(24 * 3600),
            result_ttl: Duration::from_secs(24 * 3600),
            max_queue_length: 100_000,
            tls: QueueTls::default(),
        }
    }
}

/// Failures of queue mode.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueueError {
    /// The address is not a `redis://` or `rediss://` URL.
    #[error("invalid queue address {url}: {reason}")]
    Address {
        /// The address, password removed.
        url: String,
        /// Why.
        reason: String,
    },
    /// A CA, client certificate or key file that cannot be used.
    #[error("TLS file {}: {reason}", path.display())]
    TlsFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The TLS handshake failed: the server's certificate is not signed by a trusted CA, or the
    /// server refused the client's certificate (or wanted one).
    #[error(
        "TLS with Redis at {url} failed: {reason} (the server's certificate must be signed by \
         the CA in the CA file, or by a public CA when there is none; a server that asks for \
         client certificates needs one signed by a CA it trusts)"
    )]
    Tls {
        /// The address, password removed.
        url: String,
        /// What rustls said.
        reason: String,
    },
    /// Redis refused the user name or password.
    #[error(
        "Redis at {url} refused the credentials: {reason} (check the user and password in the URL)"
    )]
    Auth {
        /// The address, password removed.
        url: String,
        /// Redis's answer.
        reason: String,
    },
    /// Redis cannot be reached or failed a command.
    #[error("Redis at {url}: {reason}")]
    Redis {
        /// The address, password removed.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The stream would pass its cap.
    #[error("the queue is full ({length} jobs waiting or running, cap {cap})")]
    Full {
        /// Entries on the stream.
        length: u64,
        /// The cap.
        cap: u64,
    },
    /// A job id is already in use.
    #[error("job id {0:?} is already in use")]
    Duplicate(String),
    /// A job that cannot run as sent.
    #[error("job {index}: {error}")]
    Job {
        /// Its place in the request (0-based).
        index: usize,
        /// What is wrong.
        error: JobError,
    },
}

/// The URL with any password replaced, for messages and logs.
pub fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => "<unparsable address>".into(),
    }
}

/// Key names, all under the hash tag `{prefix}`.
#[derive(Debug, Clone)]
pub struct Keys {
    tag: String,
}

impl Keys {
    fn new(prefix: &str) -> Keys {
        Keys {
            tag: format!("{{{prefix}}}"),
        }
    }
    /// The jobs stream.
    pub fn stream(&self) -> String {
        format!("{}:jobs", self.tag)
    }
    /// The dead-letter stream.
    pub fn dead(&self) -> String {
        format!("{}:dead", self.tag)
    }
    /// Counters (enqueued, reclaimed, dead_lettered).
    pub fn stats(&self) -> String {
        format!("{}:stats", self.tag)
    }
    /// Prefix of job hashes.
    pub fn job_prefix(&self) -> String {
        format!("{}:job:", self.tag)
    }
    /// One job's hash.
    pub fn job(&self, id: &str) -> String {
        format!("{}:job:{id}", self.tag)
    }
    /// One job's result.
    pub fn result(&self, id: &str) -> String {
        format!("{}:result:{id}", self.tag)
    }
    /// One batch's hash.
    pub fn batch(&self, id: &str) -> String {
        format!("{}:batch:{id}", self.tag)
    }
    /// One batch's job ids, in submission order.
    pub fn batch_jobs(&self, id: &str) -> String {
        format!("{}:batch:{id}:jobs", self.tag)
    }
    /// Workers by the time of their last heartbeat (a sorted set).
    pub fn workers(&self) -> String {
        format!("{}:workers", self.tag)
    }
    /// A worker's heartbeat.
    pub fn worker(&self, name: &str) -> String {
        format!("{}:worker:{name}", self.tag)
    }
}

/// Seconds since the epoch, for the records.
pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A connection to the queue's Redis that reconnects by itself, with the settings.
#[derive(Clone)]
pub struct Connection {
    /// The address, password removed.
    pub url: String,
    /// Opens more connections to the same Redis, with the same certificates.
    client: redis::Client,
    /// Commands (scripts, reads of state).
    pub conn: ConnectionManager,
    /// Key names.
    pub keys: Keys,
    /// The settings.
    pub settings: QueueSettings,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("url", &self.url)
            .field("prefix", &self.settings.prefix)
            .finish()
    }
}

impl Connection {
    /// Connects (failing at once on a wrong address or credentials) and makes sure the
    /// stream and the consumer group exist. `response_timeout` bounds every command; blocking
    /// reads need it longer than their block time.
    pub async fn open(
        url: &str,
        settings: QueueSettings,
        response_timeout: Duration,
    ) -> Result<Connection, QueueError> {
        let shown = redacted(url);
        let parsed = url::Url::parse(url).map_err(|e| QueueError::Address {
            url: shown.clone(),
            reason: e.to_string(),
        })?;
        let address_error = |reason: String| QueueError::Address {
            url: shown.clone(),
            reason,
        };
        let client = match parsed.scheme() {
            "redis" if settings.tls.is_set() => {
                // Certificates for a plain connection are a mistake that would send the
                // password in clear: refuse rather than ignore them.
                return Err(address_error(
                    "a CA file or client certificate is set, but the address is redis:// \
                     (plain); use rediss:// for TLS"
                        .into(),
                ));
            }
            "redis" => redis::Client::open(url),
            "rediss" if settings.tls.is_set() => {
                redis::Client::build_with_tls(url, settings.tls.load()?)
            }
            "rediss" => redis::Client::open(url),
            _ => {
                return Err(address_error(
                    "use redis://[user:pass@]host:port/db or rediss:// for TLS".into(),
                ))
            }
        }
        .map_err(|e| address_error(e.to_string()))?;
        Connection::connect(client, shown, settings, response_timeout).await
    }

    /// Another connection to the same Redis (for blocking reads, which would hold up every
    /// other command on a shared one), with its own response timeout.
    pub async fn another(&self, response_timeout: Duration) -> Result<Connection, QueueError> {
        Connection::connect(
            self.client.clone(),
            self.url.clone(),
            self.settings.clone(),
            response_timeout,
        )
        .await
    }

    async fn connect(
        client: redis::Client,
        shown: String,
        settings: QueueSettings,
        response_timeout: Duration,
    ) -> Result<Connection, QueueError> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Duration::from_secs(5))
            .set_response_timeout(response_timeout)
            // Reconnection goes on in the background between commands; a command that fails
            // meanwhile is retried by the caller.
            .set_number_of_retries(2)
            .set_max_delay(2_000);
        let conn = client
            .get_connection_manager_with_config(config)
            .await
            .map_err(|e| classify(&shown, &e))?;
        let c = Connection {
            url: shown,
            client,
            conn,
            keys: Keys::new(&settings.prefix),
            settings,
        };
        c.ensure_group().await?;
        Ok(c)
    }

    /// Creates the stream and the group if missing (they are also lost when Redis restarts
    /// without persistence, so workers call this again after errors).
    pub async fn ensure_group(&self) -> Result<(), QueueError> {
        let mut conn = self.conn.clone();
        let created: redis::RedisResult<()> = redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(self.keys.stream())
            .arg(GROUP)
            .arg("0")
            .arg("MKSTREAM")
            .query_async(&mut conn)
            .await;
        match created {
            Ok(()) => Ok(()),
            Err(e) if e.code() == Some("BUSYGROUP") => Ok(()),
            Err(e) => Err(self.error(&e)),
        }
    }

    /// A Redis error in this connection's terms.
    pub fn error(&self, e: &redis::RedisError) -> QueueError {
        classify(&self.url, e)
    }
}

fn classify(url: &str, e: &redis::RedisError) -> QueueError {
    if let Some(reason) = tls::failure(e) {
        return QueueError::Tls {
            url: url.to_string(),
            reason,
        };
    }
    let auth = e.kind() == redis::ErrorKind::AuthenticationFailed
        || matches!(e.code(), Some("WRONGPASS" | "NOAUTH" | "NOPERM"));
    if auth {
        QueueError::Auth {
            url: url.to_string(),
            reason: e.to_string(),
        }
    } else {
        QueueError::Redis {
            url: url.to_string(),
            reason: e.to_string(),
        }
    }
}

/// The answer to a submission.
#[derive(Debug, Clone, Serialize)]
pub struct Submitted {
    /// The batch, when the jobs were submitted as one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_id: Option<String>,
    /// The jobs' ids, in the order they were sent.
    pub job_ids: Vec<String>,
}

/// A job's state as `GET /v1/jobs/{id}` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct JobStatus {
    /// The job.
    pub job_id: String,
    /// `queued`, `running`, `succeeded`, `failed`, `dead` or `cancelled`.
    pub state: String,
    /// Attempts so far.
    pub attempts: u32,
    /// Its batch, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_id: Option<String>,
    /// The worker that has it (or had it last).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker: Option<String>,
    /// Why the last attempt ended without a result, or why it was dead-lettered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// The stored result, once there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<serde_json::Value>,
}

/// Counts of a batch's jobs by state.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BatchCounts {
    /// The batch.
    pub batch_id: String,
    /// Jobs in it.
    pub total: u64,
    /// Waiting on the stream.
    pub queued: u64,
    /// Taken by a worker.
    pub running: u64,
    /// Ran, and the code succeeded.
    pub succeeded: u64,
    /// Ran, and the code failed (or was refused).
    pub failed: u64,
    /// Dead-lettered after their attempts.
    pub dead: u64,
    /// Cancelled before a worker took them.
    pub cancelled: u64,
    /// Records gone (past their TTL).
    pub expired: u64,
    /// Jobs that will not change any more, over `total` (0..1).
    pub progress: f64,
    /// Nothing queued or running any more.
    pub done: bool,
}

/// One dead-letter entry.
#[derive(Debug, Clone, Serialize)]
pub struct DeadLetter {
    /// The job.
    pub job_id: String,
    /// Its batch ('' for none).
    pub batch_id: String,
    /// Attempts made.
    pub attempts: u32,
    /// Why it was given up.
    pub reason: String,
}

/// The API's side of the queue: submit, look up, cancel.
#[derive(Debug, Clone)]
pub struct JobQueue {
    c: Connection,
}

/// Jobs a submission may hold.
pub const MAX_BATCH: usize = 10_000;

impl JobQueue {
    /// Connects to Redis at `url` (`redis://[user:pass@]host:port/db`, `rediss://` for TLS).
    pub async fn connect(url: &str, settings: QueueSettings) -> Result<JobQueue, QueueError> {
        Ok(JobQueue {
            c: Connection::open(url, settings, Duration::from_secs(10)).await?,
        })
    }

    /// The settings in force.
    pub fn settings(&self) -> &QueueSettings {
        &self.c.settings
    }

    /// The address, password removed.
    pub fn url(&self) -> &str {
        &self.c.url
    }

    /// Puts `jobs` on the stream, all or none. Ids the client did not choose are made up;
    /// `as_batch` also records them as one batch.
    pub async fn submit(
        &self,
        jobs: Vec<JobSpec>,
        as_batch: bool,
    ) -> Result<Submitted, QueueError> {
        let mut seen = HashSet::new();
        let mut ids = Vec::with_capacity(jobs.len());
        let mut args: Vec<String> = Vec::with_capacity(jobs.len() * 2);
        for (index, mut job) in jobs.into_iter().enumerate() {
            let id = match job.job_id.take() {
                Some(id) if !job::valid_job_id(&id) => {
                    return Err(QueueError::Job {
                        index,
                        error: JobError {
                            code: "invalid_job_id",
                            message: format!(
                                "job_id {id:?} must be 1 to {} letters, digits, '-', '_' or '.'",
                                job::MAX_JOB_ID
                            ),
                        },
                    })
                }
                Some(id) => id,
                None => uuid::Uuid::new_v4().to_string(),
            };
            if !seen.insert(id.clone()) {
                return Err(QueueError::Duplicate(id));
            }
            job.job_id = Some(id.clone());
            let spec = serde_json::to_string(&job).map_err(|e| QueueError::Job {
                index,
                error: JobError {
                    code: "invalid_job",
                    message: e.to_string(),
                },
            })?;
            args.push(id.clone());
            args.push(spec);
            ids.push(id);
        }
        let batch_id = as_batch.then(|| uuid::Uuid::new_v4().to_string());
        let b = batch_id.clone().unwrap_or_default();
        let s = &self.c.settings;
        let mut conn = self.c.conn.clone();
        let reply: (String, redis::Value) = scripts::enqueue()
            .key(self.c.keys.stream())
            .key(self.c.keys.batch(&b))
            .key(self.c.keys.batch_jobs(&b))
            .key(self.c.keys.stats())
            .arg(s.max_queue_length)
            .arg(s.job_ttl.as_secs().max(1))
            .arg(self.c.keys.job_prefix())
            .arg(&b)
            .arg(now())
            .arg(&args)
            .invoke_async(&mut conn)
            .await
            .map_err(|e| self.c.error(&e))?;
        match (reply.0.as_str(), reply.1) {
            ("ok", _) => Ok(Submitted {
                batch_id,
                job_ids: ids,
            }),
            ("full", v) => Err(QueueError::Full {
                length: redis::from_redis_value(&v).unwrap_or(0),
                cap: s.max_queue_length,
            }),
            (_, v) => Err(QueueError::Duplicate(
                redis::from_redis_value(&v).unwrap_or_default(),
            )),
        }
    }

    /// A job's state and, once stored, its result; `None` for an unknown (or expired) job.
    pub async fn job(&self, id: &str) -> Result<Option<JobStatus>, QueueError> {
        if !job::valid_job_id(id) {
            return Ok(None);
        }
        let mut conn = self.c.conn.clone();
        let (fields, result): (HashMap<String, String>, Option<String>) = redis::pipe()
            .hgetall(self.c.keys.job(id))
            .get(self.c.keys.result(id))
            .query_async(&mut conn)
            .await
            .map_err(|e| self.c.error(&e))?;
        if fields.is_empty() && result.is_none() {
            return Ok(None);
        }
        let field = |k: &str| fields.get(k).filter(|v| !v.is_empty()).cloned();
        Ok(Some(JobStatus {
            job_id: id.to_string(),
            state: field("state").unwrap_or_else(|| "expired".into()),
            attempts: field("attempts").and_then(|a| a.parse().ok()).unwrap_or(0),
            batch_id: field("batch"),
            worker: field("worker"),
            last_error: field("last_error"),
            result: result.and_then(|r| serde_json::from_str(&r).ok()),
        }))
    }

    /// Polls until the job has a result (or `within` passes: `None`).
    pub async fn wait_result(
        &self,
        id: &str,
        within: Duration,
    ) -> Result<Option<serde_json::Value>, QueueError> {
        let deadline = tokio::time::Instant::now() + within;
        let key = self.c.keys.result(id);
        let mut pause = Duration::from_millis(20);
        loop {
            let mut conn = self.c.conn.clone();
            let got: redis::RedisResult<Option<String>> = conn.get(&key).await;
            match got {
                Ok(Some(r)) => {
                    return Ok(serde_json::from_str(&r).ok());
                }
                Ok(None) => {}
                // Redis restarting: keep waiting within the deadline.
                Err(e) if e.is_io_error() || e.is_connection_dropped() || e.is_timeout() => {}
                Err(e) => return Err(self.c.error(&e)),
            }
            if tokio::time::Instant::now() + pause > deadline {
                return Ok(None);
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(250));
        }
    }

    /// The batch's job ids from `offset`, at most `limit`.
    async fn batch_ids(
        &self,
        batch: &str,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<String>, QueueError> {
        let mut conn = self.c.conn.clone();
        let end = (offset + limit.max(1) - 1) as isize;
        conn.lrange(self.c.keys.batch_jobs(batch), offset as isize, end)
            .await
            .map_err(|e| self.c.error(&e))
    }

    /// How many jobs a batch has; `None` for an unknown batch (or an id no batch can have).
    async fn batch_total(&self, batch: &str) -> Result<Option<u64>, QueueError> {
        if !job::valid_job_id(batch) {
            return Ok(None);
        }
        let mut conn = self.c.conn.clone();
        conn.hget(self.c.keys.batch(batch), "total")
            .await
            .map_err(|e| self.c.error(&e))
    }

    /// Counts of a batch's jobs by state; `None` for an unknown batch.
    pub async fn batch(&self, batch: &str) -> Result<Option<BatchCounts>, QueueError> {
        let Some(total) = self.batch_total(batch).await? else {
            return Ok(None);
        };
        let ids = self.batch_ids(batch, 0, total).await?;
        let mut pipe = redis::pipe();
        for id in &ids {
            pipe.hget(self.c.keys.job(id), "state");
        }
        let mut conn = self.c.conn.clone();
        let states: Vec<Option<String>> = pipe
            .query_async(&mut conn)
            .await
            .map_err(|e| self.c.error(&e))?;
        let mut c = BatchCounts {
            batch_id: batch.to_string(),
            total,
            ..Default::default()
        };
        for s in states {
            match s.as_deref() {
                Some("queued") => c.queued += 1,
                Some("running") => c.running += 1,
                Some("succeeded") => c.succeeded += 1,
                Some("failed") => c.failed += 1,
                Some("dead") => c.dead += 1,
                Some("cancelled") => c.cancelled += 1,
                _ => c.expired += 1,
            }
        }
        let settled = total - c.queued - c.running;
        c.progress = if total == 0 {
            1.0
        } else {
            settled as f64 / total as f64
        };
        c.done = c.queued == 0 && c.running == 0;
        Ok(Some(c))
    }

    /// The stored results of a batch's jobs `offset..offset+limit` (in submission order; jobs
    /// without a result yet are left out), and the offset of the next page if there is one.
    /// `None` for an unknown batch.
    pub async fn batch_results(
        &self,
        batch: &str,
        offset: u64,
        limit: u64,
    ) -> Result<Option<(Vec<String>, Option<u64>)>, QueueError> {
        let Some(total) = self.batch_total(batch).await? else {
            return Ok(None);
        };
        let ids = self.batch_ids(batch, offset, limit).await?;
        if ids.is_empty() {
            return Ok(Some((Vec::new(), None)));
        }
        let keys: Vec<String> = ids.iter().map(|id| self.c.keys.result(id)).collect();
        let mut conn = self.c.conn.clone();
        let results: Vec<Option<String>> = redis::cmd("MGET")
            .arg(&keys)
            .query_async(&mut conn)
            .await
            .map_err(|e| self.c.error(&e))?;
        let next = offset + ids.len() as u64;
        Ok(Some((
            results.into_iter().flatten().collect(),
            (next < total).then_some(next),
        )))
    }

    /// Cancels the batch's jobs that no worker has taken yet; how many. `None` for an unknown
    /// batch.
    pub async fn cancel_batch(&self, batch: &str) -> Result<Option<u64>, QueueError> {
        let Some(total) = self.batch_total(batch).await? else {
            return Ok(None);
        };
        let ids = self.batch_ids(batch, 0, total).await?;
        self.cancel(&ids).await.map(Some)
    }

    /// Cancels these jobs where they are still queued; how many were.
    pub async fn cancel(&self, ids: &[String]) -> Result<u64, QueueError> {
        let mut conn = self.c.conn.clone();
        let mut n = 0;
        // A few thousand ids per script call keeps each call short for the server.
        for chunk in ids.chunks(1000) {
            let cancelled: u64 = scripts::cancel()
                .key(self.c.keys.stream())
                .arg(self.c.keys.job_prefix())
                .arg(chunk)
                .invoke_async(&mut conn)
                .await
                .map_err(|e| self.c.error(&e))?;
            n += cancelled;
        }
        Ok(n)
    }

    /// Entries of the dead-letter stream, oldest first, at most `count`.
    pub async fn dead_letters(&self, count: usize) -> Result<Vec<DeadLetter>, QueueError> {
        let mut conn = self.c.conn.clone();
        let reply: redis::streams::StreamRangeReply = conn
            .xrange_count(self.c.keys.dead(), "-", "+", count)
            .await
            .map_err(|e| self.c.error(&e))?;
        Ok(reply
            .ids
            .iter()
            .map(|e| {
                let s = |k: &str| e.get::<String>(k).unwrap_or_default();
                DeadLetter {
                    job_id: s("job"),
                    batch_id: s("batch"),
                    attempts: s("attempts").parse().unwrap_or(0),
                    reason: s("reason"),
                }
            })
            .collect())
    }

    /// Queue figures for metrics and `GET /v1/queue`.
    pub async fn stats(&self) -> Result<QueueStats, QueueError> {
        stats(&self.c).await
    }
}

/// What the queue holds now, and its counters since it was created.
#[derive(Debug, Clone, Default, Serialize)]
pub struct QueueStats {
    /// Entries on the stream (queued and running).
    pub length: u64,
    /// Entries read by a worker and not acknowledged yet.
    pub pending: u64,
    /// Dead-letter entries.
    pub dead_letters: u64,
    /// Jobs ever enqueued.
    pub enqueued: u64,
    /// Jobs taken over from a worker that stopped answering.
    pub reclaimed: u64,
    /// Jobs dead-lettered.
    pub dead_lettered: u64,
    /// Workers with a live heartbeat.
    pub workers: u64,
}

pub(crate) async fn stats(c: &Connection) -> Result<QueueStats, QueueError> {
    let mut conn = c.conn.clone();
    let (length, pending, dead, counters): (u64, redis::Value, u64, HashMap<String, u64>) =
        redis::pipe()
            .xlen(c.keys.stream())
            .cmd("XPENDING")
            .arg(c.keys.stream())
            .arg(GROUP)
            .xlen(c.keys.dead())
            .hgetall(c.keys.stats())
            .query_async(&mut conn)
            .await
            .map_err(|e| c.error(&e))?;
    // XPENDING's summary starts with the count.
    let pending = match pending {
        redis::Value::Array(items) => items
            .first()
            .and_then(|v| redis::from_redis_value::<u64>(v).ok())
            .unwrap_or(0),
        _ => 0,
    };
    let alive_since = now().saturating_sub((c.settings.visibility_timeout * 2).as_secs());
    let workers: u64 = conn
        .zcount(c.keys.workers(), alive_since, "+inf")
        .await
        .map_err(|e| c.error(&e))?;
    let counter = |k: &str| counters.get(k).copied().unwrap_or(0);
    Ok(QueueStats {
        length,
        pending,
        dead_letters: dead,
        enqueued: counter("enqueued"),
        reclaimed: counter("reclaimed"),
        dead_lettered: counter("dead_lettered"),
        workers,
    })
}
