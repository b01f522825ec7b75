//! `stockade worker`: joins the queue's consumer group on Redis and runs its jobs in this
//! host's sandbox (the local Docker engine and a warm pool).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use stockade_runner::backend::DockerBackend;
use stockade_runner::executor::Executor;
use stockade_runner::queue::worker::{self, WorkerSettings};
use stockade_runner::queue::{ClientCertificate, QueueSettings, QueueTls};

use crate::terminal::EXIT_CLEAN;

/// Queue settings of `serve --queue` and `worker` (both sides must agree on all but the TLS
/// files).
#[derive(Debug, Clone, clap::Args)]
pub struct QueueArgs {
    /// Key prefix of the queue in Redis (one prefix, one queue).
    #[arg(long, default_value = "stockade", env = "STOCKADE_QUEUE_PREFIX")]
    pub queue_prefix: String,
    /// Seconds a job may go without its worker's heartbeat before another worker takes it.
    #[arg(long, default_value_t = 60.0, value_name = "SECONDS")]
    pub visibility_timeout: f64,
    /// Attempts before a job goes to the dead-letter stream.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub max_attempts: u32,
    /// Seconds a job's record and its batch are kept.
    #[arg(long, default_value_t = 86_400, value_name = "SECONDS")]
    pub job_ttl: u64,
    /// Seconds a result is kept.
    #[arg(long, default_value_t = 86_400, value_name = "SECONDS")]
    pub result_ttl: u64,
    /// Jobs waiting or running beyond which submissions get 429.
    #[arg(long, default_value_t = 100_000, value_name = "N")]
    pub max_queue_length: u64,
    /// CA certificate(s), PEM, that signed the Redis server's certificate: trusted instead of
    /// the public roots (a rediss:// queue with its own CA).
    #[arg(long, value_name = "PEM", env = "STOCKADE_QUEUE_CA_FILE")]
    pub queue_ca_file: Option<PathBuf>,
    /// Client certificate, PEM, for a Redis that asks for one (tls-auth-clients); needs
    /// --queue-client-key.
    #[arg(
        long,
        value_name = "PEM",
        env = "STOCKADE_QUEUE_CLIENT_CERT",
        requires = "queue_client_key"
    )]
    pub queue_client_cert: Option<PathBuf>,
    /// The client certificate's private key, PEM.
    #[arg(
        long,
        value_name = "PEM",
        env = "STOCKADE_QUEUE_CLIENT_KEY",
        requires = "queue_client_cert"
    )]
    pub queue_client_key: Option<PathBuf>,
}

impl QueueArgs {
    /// The library's settings.
    pub fn settings(&self) -> QueueSettings {
        QueueSettings {
            prefix: self.queue_prefix.clone(),
            visibility_timeout: Duration::try_from_secs_f64(self.visibility_timeout.max(0.2))
                .unwrap_or(Duration::from_secs(60)),
            max_attempts: self.max_attempts.max(1),
            job_ttl: Duration::from_secs(self.job_ttl.max(1)),
            result_ttl: Duration::from_secs(self.result_ttl.max(1)),
            max_queue_length: self.max_queue_length,
            tls: QueueTls {
                ca_file: self.queue_ca_file.clone(),
                client: self
                    .queue_client_cert
                    .clone()
                    .zip(self.queue_client_key.clone())
                    .map(|(cert_file, key_file)| ClientCertificate {
                        cert_file,
                        key_file,
                    }),
            },
        }
    }
}

/// Arguments of `stockade worker`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The queue: redis://[user:pass@]host:port/db, or rediss://... for TLS.
    #[arg(long, env = "STOCKADE_QUEUE", hide_env_values = true)]
    queue: String,
    #[command(flatten)]
    queue_args: QueueArgs,
    /// Jobs run at once.
    #[arg(long, default_value_t = 2, value_name = "N")]
    concurrency: usize,
    /// Warm containers kept ready (default: the config's pool_size).
    #[arg(long)]
    pool_size: Option<usize>,
    /// Sandbox configuration (YAML); default config/docker_config.yaml when present.
    #[arg(long, value_name = "FILE", env = "STOCKADE_CONFIG")]
    config: Option<PathBuf>,
    /// Datasets for strategy mode, one sub-directory each.
    #[arg(long, default_value = "config/datasets")]
    datasets_dir: PathBuf,
    /// Run jobs that ask for "validate": false (otherwise they fail).
    #[arg(long)]
    allow_unvalidated: bool,
    /// Name in the consumer group (default: host, pid and a random suffix).
    #[arg(long)]
    name: Option<String>,
    /// Seconds in-flight jobs may finish after SIGTERM before they go back to the queue.
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    drain_grace: f64,
    /// Serve this worker's Prometheus metrics (GET /metrics, no token) on this address,
    /// e.g. 0.0.0.0:9101 for a Prometheus on another host.
    #[arg(long, value_name = "ADDR", env = "STOCKADE_METRICS_LISTEN")]
    metrics_listen: Option<SocketAddr>,
}

/// Runs the worker until SIGTERM or Ctrl-C.
pub fn run(args: Args) -> Result<ExitCode> {
    let runtime = crate::service_runtime()?;
    runtime.block_on(work(args))?;
    Ok(ExitCode::from(EXIT_CLEAN))
}

async fn work(args: Args) -> Result<()> {
    let shutdown = crate::serve::shutdown_signal()?;
    let mut sandbox = crate::config::load_config(args.config.as_deref())?;
    if let Some(n) = args.pool_size {
        sandbox.pool_size = n;
    }
    let pool_size = sandbox.pool_size;
    // The queue first: a wrong address or password is reported before the engine is touched.
    let link = worker::Link::open(&args.queue, args.queue_args.settings())
        .await
        .context("joining the queue")?;
    // Bound before the engine is touched too: a port in use is reported at once. Served
    // until the worker returns.
    let _metrics = match args.metrics_listen {
        Some(addr) => {
            let (bound, serve) =
                stockade_runner::queue::exporter::listen(addr, stockade_runner::metrics::global())
                    .with_context(|| format!("listening for metrics on {addr}"))?;
            tracing::info!(%bound, "Prometheus metrics on http://{bound}/metrics");
            Some(AbortOnDrop(tokio::spawn(serve)))
        }
        None => None,
    };
    // Connecting also removes containers that dead runners on this host (a worker killed
    // mid-job) left behind.
    let executor = Executor::connect(sandbox).await?;
    let backend = Arc::new(DockerBackend::new(executor, pool_size));
    let settings = WorkerSettings {
        name: args.name.unwrap_or_else(worker::default_name),
        concurrency: args.concurrency.max(1),
        datasets_dir: args.datasets_dir,
        allow_unvalidated: args.allow_unvalidated,
        drain_grace: Duration::try_from_secs_f64(args.drain_grace.max(0.0))
            .unwrap_or(Duration::from_secs(30)),
        sweep_interval: Duration::from_secs(30),
    };
    let name = settings.name.clone();
    let report = worker::run(link, settings, backend, shutdown)
        .await
        .context("running the queue worker")?;
    tracing::info!(
        worker = %name,
        stored = report.stored,
        retried = report.retried,
        dead_lettered = report.dead_lettered,
        returned = report.returned,
        "worker stopped"
    );
    Ok(())
}

/// Aborts the task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
