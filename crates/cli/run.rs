//! `stockade run`: one file, one sandboxed execution.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;
use stockade_runner::config::{parse_size, Runtime};
use stockade_runner::executor::{ExecOptions, ExecutionResult, Executor};

use crate::config::load_config;
use crate::terminal::EXIT_ERROR;

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
    let outcome = match execute(&args) {
        Ok(outcome) => outcome,
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
    Ok(if refused {
        ExitCode::from(EXIT_ERROR)
    } else if result.success {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The result object of a request that never reached a container.
pub fn not_run(error: String) -> ExecutionResult {
    ExecutionResult {
        validated: false,
        error: Some(error),
        ..Default::default()
    }
}

fn execute(args: &RunArgs) -> Result<Outcome> {
    let code = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let config = load_config(args.config.as_deref())?;
    let executor_output_dir = config.output_dir.clone();
    let opts = ExecOptions {
        validate: !args.no_validate,
        ..args.request.options()?
    };
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let outcome = runtime.block_on(async {
        let executor = Executor::connect(config).await?;
        // Refusals are decided before any container exists, and exit 2, not 1.
        if let Err(refusal) = executor.spec_for(&opts, args.data.as_deref()) {
            return Ok::<_, anyhow::Error>(Outcome::Refused(not_run(refusal.to_string())));
        }
        let execution = async {
            match &args.data {
                Some(dir) => executor.execute_strategy(&code, dir, opts).await,
                None => executor.execute(&code, opts).await,
            }
        };
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
    Ok(outcome)
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
    let exit = r
        .exit_code
        .map_or_else(|| "-".to_string(), |c| c.to_string());
    let peak = r
        .memory_peak_mb
        .map_or_else(|| "-".to_string(), |m| format!("{m:.0} MiB"));
    writeln!(
        e,
        "time: {:.2}s  exit: {exit}  memory peak: {peak}  runtime: {runtime}{}",
        r.execution_time,
        if flags.is_empty() {
            String::new()
        } else {
            format!("  [{}]", flags.join(", "))
        }
    )?;
    Ok(())
}
