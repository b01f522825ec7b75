//! `stockade serve`: the HTTP API and the editor, on loopback by default, behind a token.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use stockade_runner::executor::Executor;
use stockade_runner::seclog::SecurityLog;
use stockade_runner::server::{self, auth, AppState, ServerConfig};

use crate::config::load_config;
use crate::terminal::EXIT_CLEAN;

/// Arguments of `stockade serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on. Anything but loopback is refused without --allowed-host names.
    #[arg(long, default_value = "127.0.0.1:8080", env = "STOCKADE_LISTEN")]
    listen: SocketAddr,
    /// Bearer token for execution, validation, cleanup, container listing and metrics; at
    /// least 32 characters (128 bits as hex). Default: a random one, printed at start.
    #[arg(long, env = "STOCKADE_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Sandbox configuration (YAML) [default: ./config/docker_config.yaml when present, else
    /// the built-in one].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// An extra Host name the service answers to (repeatable).
    #[arg(long = "allowed-host", value_name = "NAME")]
    allowed_hosts: Vec<String>,
    /// A cross origin allowed to call the API, e.g. https://editor.example (repeatable).
    #[arg(long = "allowed-origin", value_name = "ORIGIN")]
    allowed_origins: Vec<String>,
    /// Executions running at once.
    #[arg(long, default_value_t = 10)]
    max_concurrent: usize,
    /// Executions waiting for a slot before requests get 429.
    #[arg(long, default_value_t = 20)]
    queue_depth: usize,
    /// Largest request body, bytes.
    #[arg(long, default_value_t = 1024 * 1024)]
    body_limit: u64,
    /// Warm containers kept ready (overrides the config's pool_size).
    #[arg(long)]
    pool_size: Option<usize>,
    /// The editor's built static files [default: ./web/dist when present, else the editor
    /// built into the binary].
    #[arg(long, value_name = "DIR")]
    web_dir: Option<PathBuf>,
    /// Datasets for strategy mode, one sub-directory each.
    #[arg(long, default_value = "config/datasets")]
    datasets_dir: PathBuf,
    /// The security event log (JSON lines, rotated at 10 MiB, 3 kept).
    #[arg(long, default_value = "logs/sandbox_security.log")]
    security_log: PathBuf,
    /// Seconds in-flight executions may finish after SIGTERM/Ctrl-C before they are killed.
    #[arg(long, default_value_t = 10.0)]
    shutdown_grace: f64,
    /// Let requests set "validate": false.
    #[arg(long)]
    allow_unvalidated: bool,
    /// Require the bearer token on the metrics-only listener too (on the API's port /metrics
    /// always needs it).
    #[arg(long)]
    metrics_token: bool,
    /// Also serve /metrics alone on this port (default: the config's
    /// monitoring.prometheus_port; 0: only on the API's port, behind the token).
    #[arg(long, value_name = "PORT")]
    metrics_port: Option<u16>,
    /// Address of the metrics-only listener. Anything but loopback is refused without
    /// --allowed-host names.
    #[arg(long, value_name = "IP", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    metrics_address: IpAddr,
    /// Let callers without the token use POST /v1/validate, each client address within
    /// --public-validate-per-minute.
    #[arg(long)]
    public_validate: bool,
    /// Token-less validations per client address and minute with --public-validate.
    #[arg(long, default_value_t = 60, value_name = "N")]
    public_validate_per_minute: u32,
    /// Validations running at once, for POST /v1/validate and for the check before an
    /// execution [default: one per core].
    #[arg(long, value_name = "N")]
    validation_workers: Option<usize>,
    /// Open connections at most; more are answered 503 and closed.
    #[arg(long, default_value_t = 256, value_name = "N")]
    max_connections: usize,
    /// Seconds a client has to send a request's headers.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    header_timeout: f64,
    /// Seconds a connection with no request running and no traffic stays open.
    #[arg(long, default_value_t = 60.0, value_name = "SECONDS")]
    idle_timeout: f64,
    /// Seconds a write may wait for a client that does not read before the connection is dropped.
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    write_timeout: f64,
    /// Queue mode: put jobs on this Redis (redis://[user:pass@]host:port/db, rediss:// for
    /// TLS) for `stockade worker`s instead of running them here.
    #[arg(long, env = "STOCKADE_QUEUE", hide_env_values = true)]
    queue: Option<String>,
    #[command(flatten)]
    queue_args: crate::worker::QueueArgs,
    /// Largest POST /v1/batches body, bytes (queue mode).
    #[arg(long, default_value_t = 64 * 1024 * 1024, value_name = "BYTES")]
    batch_body_limit: u64,
}

fn seconds(s: f64) -> Duration {
    // Clap parsed a float; keep nonsense (negative, NaN, huge) from panicking the conversion.
    Duration::try_from_secs_f64(s.max(0.1)).unwrap_or(Duration::from_secs(3600))
}

/// Runs the service until SIGTERM or Ctrl-C.
pub fn run(args: Args) -> Result<ExitCode> {
    let runtime = crate::service_runtime()?;
    runtime.block_on(serve(args))?;
    Ok(ExitCode::from(EXIT_CLEAN))
}

async fn serve(args: Args) -> Result<()> {
    let shutdown = shutdown_signal()?;
    let mut sandbox = load_config(args.config.as_deref())?;
    if let Some(n) = args.pool_size {
        sandbox.pool_size = n;
    } else if args.queue.is_some() {
        // Workers run the jobs: warm containers here would only sit idle.
        sandbox.pool_size = 0;
    }
    let metrics_port = args
        .metrics_port
        .unwrap_or(sandbox.monitoring.prometheus_port);
    // A directory given on the command line is the editor; otherwise a checkout's build
    // output wins over the copy built into the binary.
    let (web_dir, web_assets) = match args.web_dir {
        Some(dir) => (dir, &[][..]),
        None => (PathBuf::from("web/dist"), crate::WEB_ASSETS),
    };
    let editor_bundled = !web_assets.is_empty() || web_dir.join("index.html").is_file();
    let token = args.token.filter(|t| !t.is_empty());
    let printed_token = token.is_none();
    let defaults = ServerConfig::default();
    let config = ServerConfig {
        listen: args.listen,
        token: token.unwrap_or_else(auth::generate_token),
        allowed_hosts: args.allowed_hosts,
        allowed_origins: args.allowed_origins,
        body_limit_bytes: args.body_limit,
        max_concurrent: args.max_concurrent,
        queue_depth: args.queue_depth,
        shutdown_grace: Duration::from_secs_f64(args.shutdown_grace.max(0.0)),
        web_dir,
        web_assets,
        datasets_dir: args.datasets_dir,
        allow_unvalidated: args.allow_unvalidated,
        metrics_require_token: args.metrics_token,
        metrics_listen: (metrics_port != 0)
            .then(|| SocketAddr::new(args.metrics_address, metrics_port)),
        public_validate: args.public_validate,
        public_validate_per_minute: args.public_validate_per_minute,
        max_connections: args.max_connections,
        header_read_timeout: seconds(args.header_timeout),
        idle_timeout: seconds(args.idle_timeout),
        write_timeout: seconds(args.write_timeout),
        validation_workers: args
            .validation_workers
            .unwrap_or(defaults.validation_workers),
        ..defaults
    };
    // Before anything touches the engine: a refused configuration leaves nothing behind.
    config.check().context("refusing to start")?;
    // The queue before the engine: a wrong address or password is reported first.
    let queue = match &args.queue {
        Some(url) => Some(
            stockade_runner::queue::JobQueue::connect(url, args.queue_args.settings())
                .await
                .context("connecting to the queue")?,
        ),
        None => None,
    };
    // Connecting also sweeps containers that dead runners (e.g. a kill -9) left behind.
    let executor = Executor::connect(sandbox).await?;
    let seclog = SecurityLog::open(&args.security_log, 10 * 1024 * 1024, 3)
        .with_context(|| format!("opening the security log {}", args.security_log.display()))?;
    let token = config.token.clone();
    let state =
        AppState::new(config, executor, seclog).context("starting the validation workers")?;
    if let Some(queue) = queue {
        tracing::info!(queue = %queue.url(), "queue mode: jobs go to the workers");
        // The queue's figures (depth, pending, dead letters, live workers) for /metrics.
        tokio::spawn(stockade_runner::queue::exporter::refresh(
            queue.clone(),
            state.metrics.queue(),
            stockade_runner::queue::exporter::REFRESH_EVERY,
        ));
        let _ = state.queue.set(server::jobs::QueueApi {
            queue,
            batch_body_limit_bytes: args.batch_body_limit,
        });
    }
    let (bound, service) = server::bind(state, shutdown).with_context(|| match metrics_port {
        0 => format!("listening on {}", args.listen),
        port => format!(
            "listening on {} and, for metrics, on {}:{port} \
             (monitoring.prometheus_port; --metrics-port 0 turns it off)",
            args.listen, args.metrics_address
        ),
    })?;
    let addr = bound.api;
    let url = if printed_token {
        format!("http://{addr}/?token={token}")
    } else {
        format!("http://{addr}/ (token from STOCKADE_TOKEN / --token)")
    };
    // The URL is for whoever started the service; if they stopped reading (a closed pipe),
    // serving goes on regardless instead of panicking on the write.
    let mut stdout = std::io::stdout().lock();
    let metrics = bound
        .metrics
        .map(|m| format!("\n    Prometheus metrics: http://{m}/metrics"))
        .unwrap_or_default();
    let editor = if editor_bundled {
        format!("Open the editor: {url}")
    } else {
        format!(
            "The editor is not bundled in this binary (build it with scripts/build-web.sh \
             before cargo build, or pass --web-dir); the API is at {url}"
        )
    };
    let _ = writeln!(
        stdout,
        "Stockade is serving on http://{addr}\n    {editor}{metrics}"
    )
    .and_then(|()| stdout.flush());
    drop(stdout);
    tracing::info!(%addr, "listening");
    service.await;
    tracing::info!("stopped");
    Ok(())
}

/// Registers the SIGINT and SIGTERM handlers now, before anything is printed, so that a signal
/// arriving right after start-up still shuts down gracefully; returns the future that waits for one.
pub fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut interrupt = signal(SignalKind::interrupt()).context("handling SIGINT")?;
    let mut terminate = signal(SignalKind::terminate()).context("handling SIGTERM")?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}
