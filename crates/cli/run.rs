//! `stockade run`: one file, one sandboxed execution.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;
use stockade_runner::config::{parse_size, Runtime};
use stockade_runner::executor::{CleanupHook, ExecOptions, ExecutionResult, Executor};
use stockade_runner::image::Variant;
use stockade_runner::monitor;

use crate::config::load_config;
use crate::terminal::EXIT_ERROR;

/// How long the command waits, after printing, for its container's removal.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Arguments of `stockade run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The Python file to run.
    pub file: PathBuf,
    /// Market-data directory, mounted read-only at /data (strategy mode: the file defines
    /// `strategy(data)`).
    #[arg(long)]
    pub data: Option<PathBuf>,
    #[command(flatten)]
    pub request: RequestFlags,
    /// Skip the validator (the container still contains the code).
    #[arg(long)]
    pub no_validate: bool,
    /// Print the result object as JSON.
    #[arg(long)]
    pub json: bool,
    /// Print only once the container is removed, so the result says whether that worked
    /// (`cleanup_success`); by default the result is printed as soon as the code is done and
    /// the command waits for the removal before exiting.
    #[arg(long)]
    pub wait_cleanup: bool,
    /// Configuration file [default: ./config/docker_config.yaml when present, else the
    /// built-in one].
    #[arg(long, value_name = "FILE", env = "STOCKADE_CONFIG")]
    pub config: Option<PathBuf>,
}

/// A request's overrides of the configured limits (checked against its ceilings).
#[derive(Debug, Args)]
pub struct RequestFlags {
    /// Wall-clock limit in seconds.
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
    /// Memory limit (e.g. 512m, 2g).
    #[arg(long, value_name = "SIZE")]
    pub memory: Option<String>,
    /// CPU limit in cores.
    #[arg(long, value_name = "CORES")]
    pub cpus: Option<f64>,
    /// OCI runtime: runc or runsc (gVisor).
    #[arg(long)]
    pub runtime: Option<Runtime>,
    /// Image variant: default (Debian's numpy 1.24, pandas 1.5) or modern (numpy 2,
    /// pandas 2); must be in docker.allowed_images.
    #[arg(long, value_name = "VARIANT")]
    pub image: Option<Variant>,
}

impl RequestFlags {
    /// The flags as execution options, or why one is malformed.
    pub fn options(&self) -> Result<ExecOptions> {
        let memory_bytes =
            match &self.memory {
                Some(m) => Some(parse_size(m).with_context(|| {
                    format!("--memory: {m:?} is not a size (use e.g. 512m, 2g)")
                })?),
                None => None,
            };
        let timeout = match self.timeout {
            Some(t) if t.is_finite() && t > 0.0 => Some(Duration::from_secs_f64(t)),
            Some(t) => anyhow::bail!("--timeout: {t} must be a positive number of seconds"),
            None => None,
        };
        Ok(ExecOptions {
            timeout,
            memory_bytes,
            cpu_limit: self.cpus,
            runtime: self.runtime,
            image: self.image,
            ..Default::default()
        })
    }
}

/// What became of a run.
enum Outcome {
    /// The code ran (or the validator rejected it): its result.
    Finished(ExecutionResult),
    /// The request was refused before anything ran (a limit over its ceiling, a runtime that
    /// is not allowed, a bad data directory).
    Refused(ExecutionResult),
    /// Ctrl-C; the container was removed.
    Interrupted,
}

/// Runs the subcommand. Exit status: 0 success, 1 the code failed or was rejected by the
/// validator, 2 nothing ran (bad arguments, unreadable file, configuration, engine or image
/// unavailable, request refused), 130 interrupted. With `--json` every failure that can be
/// described is a result object with `error` on stdout.
pub fn run(args: RunArgs) -> Result<ExitCode> {
    let (outcome, settle) = match execute(&args) {
        Ok(done) => done,
        Err(err) if args.json => {
            // Nothing ran; say why in the same shape as a result.
            print_json(&not_run(crate::terminal::one_line(&err)))?;
            return Ok(ExitCode::from(EXIT_ERROR));
        }
        Err(err) => return Err(err),
    };
    let (result, refused) = match outcome {
        Outcome::Finished(result) => (result, false),
        Outcome::Refused(result) => (result, true),
        Outcome::Interrupted => {
            eprintln!("interrupted; the container was removed");
            return Ok(ExitCode::from(130));
        }
    };
    if args.json {
        print_json(&result)?;
    } else {
        print_text(&result)?;
    }
    std::io::stdout().flush()?;
    let removed = settle.wait(&result);
    if !removed {
        eprintln!(
            "error: container {} could not be removed; `stockade cleanup` removes it",
            result.container_id.as_deref().unwrap_or("?")
        );
    }
    Ok(if refused {
        ExitCode::from(EXIT_ERROR)
    } else if result.success && removed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The removal of a run's container, which may still be going on in the background after
/// the result is printed: the runtime that carries it lives until [`Settle::wait`].
struct Settle {
    _runtime: tokio::runtime::Runtime,
    removed: mpsc::Receiver<bool>,
}

impl Settle {
    /// Waits (bounded: the removal's fallbacks are) until the container is gone; whether it is.
    fn wait(self, result: &ExecutionResult) -> bool {
        match (result.cleanup_success, &result.container_id) {
            (Some(removed), _) => removed,
            // Nothing was created (rejected, refused): nothing to remove.
            (None, None) => true,
            (None, Some(_)) => self.removed.recv_timeout(SETTLE_TIMEOUT) == Ok(true),
        }
    }
}

/// The result object of a request that never reached a container.
pub fn not_run(error: String) -> ExecutionResult {
    ExecutionResult {
        validated: false,
        error: Some(error),
        ..Default::default()
    }
}

fn execute(args: &RunArgs) -> Result<(Outcome, Settle)> {
    let code = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let config = load_config(args.config.as_deref())?;
    let executor_output_dir = config.output_dir.clone();
    // Unless asked to wait, the result comes as soon as the harness has delivered it and the
    // container is removed meanwhile; the command waits for that only before exiting.
    let (removed_tx, removed) = mpsc::channel::<bool>();
    let opts = ExecOptions {
        validate: !args.no_validate,
        defer_cleanup: (!args.wait_cleanup).then(|| {
            CleanupHook(Arc::new(move |ok| {
                let _ = removed_tx.send(ok);
            }))
        }),
        ..args.request.options()?
    };
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let outcome = runtime.block_on(async {
        let executor = Executor::connect(config).await?;
        // Refusals are decided before any container exists, and exit 2, not 1.
        if let Err(refusal) = executor.spec_for(&opts, args.data.as_deref()) {
            return Ok::<_, anyhow::Error>(Outcome::Refused(not_run(refusal.to_string())));
        }
        let execution = monitor::supervise(&executor, &code, args.data.as_deref(), opts);
        tokio::select! {
            result = execution => Ok(Outcome::Finished(result)),
            _ = tokio::signal::ctrl_c() => {
                // The dropped execution's guard schedules removal; finish it before exiting.
                let _ = executor.cleanup_all().await;
                Ok(Outcome::Interrupted)
            }
        }
    })?;
    if let (Outcome::Finished(result), Some(dir)) = (&outcome, &executor_output_dir) {
        let name = result.container_id.as_deref().map_or_else(
            || "rejected".to_string(),
            |id| id.chars().take(12).collect(),
        );
        let path = dir.join(format!("{name}.json"));
        std::fs::create_dir_all(dir)
            .and_then(|()| std::fs::write(&path, serde_json::to_vec_pretty(result)?))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let settle = Settle {
        _runtime: runtime,
        removed,
    };
    Ok((outcome, settle))
}

fn print_json(result: &ExecutionResult) -> Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, result)?;
    writeln!(out)?;
    Ok(())
}

fn print_text(r: &ExecutionResult) -> Result<()> {
    std::io::stdout().write_all(r.stdout.as_bytes())?;
    std::io::stderr().write_all(r.stderr.as_bytes())?;
    let mut e = std::io::stderr().lock();
    writeln!(e, "──")?;
    if r.success {
        let signal = crate::signal::render(&r.signal);
        if signal.contains('\n') {
            writeln!(e, "signal:\n{signal}")?;
        } else {
            writeln!(e, "signal: {signal}")?;
        }
    }
    if let Some(error) = &r.error {
        writeln!(e, "error: {error}")?;
    }
    if let Some(tb) = &r.traceback {
        writeln!(e, "{}", tb.trim_end())?;
    }
    for f in &r.findings {
        writeln!(e, "{}: {} {}", f.severity.as_str(), f.code, f.message)?;
    }
    let mut flags = Vec::new();
    for (on, name) in [
        (r.timed_out, "timed out"),
        (r.oom_killed, "OOM killed"),
        (r.stdout_truncated, "stdout truncated"),
        (r.stderr_truncated, "stderr truncated"),
        (r.result_truncated, "result truncated"),
        (r.cleanup_success == Some(false), "CLEANUP FAILED"),
    ] {
        if on {
            flags.push(name);
        }
    }
    let runtime = r.runtime.map(|r| r.to_string()).unwrap_or_default();
    let image = r.image_variant.map(|v| v.to_string()).unwrap_or_default();
    let exit = r
        .exit_code
        .map_or_else(|| "-".to_string(), |c| c.to_string());
    let peak = r
        .memory_peak_mb
        .map_or_else(|| "-".to_string(), |m| format!("{m:.0} MiB"));
    writeln!(
        e,
        "time: {:.2}s  exit: {exit}  memory peak: {peak}  runtime: {runtime}  image: {image}{}",
        r.execution_time,
        if flags.is_empty() {
            String::new()
        } else {
            format!("  [{}]", flags.join(", "))
        }
    )?;
    Ok(())
}
