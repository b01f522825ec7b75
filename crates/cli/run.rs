//! `stockade run`: one file, one sandboxed execution.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;
use stockade_runner::config::{parse_size, Runtime, SandboxConfig};
use stockade_runner::executor::{CleanupHook, ExecOptions, ExecutionResult, Executor};

/// Default location of the sandbox configuration.
pub const DEFAULT_CONFIG: &str = "config/docker_config.yaml";

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
    /// Skip the validator (the container still contains the code).
    #[arg(long)]
    pub no_validate: bool,
    /// Print the result object as JSON.
    #[arg(long)]
    pub json: bool,
    /// Configuration file.
    #[arg(long, value_name = "FILE", env = "STOCKADE_CONFIG")]
    pub config: Option<PathBuf>,
}

/// Loads the configuration: the given file, else `config/docker_config.yaml` when present,
/// else the built-in defaults (environment overrides apply in every case).
pub fn load_config(path: Option<&Path>) -> Result<SandboxConfig> {
    match path {
        Some(p) => SandboxConfig::load(p).with_context(|| format!("loading {}", p.display())),
        None if Path::new(DEFAULT_CONFIG).exists() => {
            SandboxConfig::load(DEFAULT_CONFIG).with_context(|| format!("loading {DEFAULT_CONFIG}"))
        }
        None => SandboxConfig::from_yaml_str("").context("applying environment overrides"),
    }
}

/// Runs the subcommand.
pub fn run(args: RunArgs) -> Result<ExitCode> {
    let code = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let config = load_config(args.config.as_deref())?;
    let executor_output_dir = config.output_dir.clone();
    let memory_bytes = match &args.memory {
        Some(m) => Some(
            parse_size(m)
                .with_context(|| format!("--memory: {m:?} is not a size (use e.g. 512m, 2g)"))?,
        ),
        None => None,
    };
    let timeout = match args.timeout {
        Some(t) if t.is_finite() && t > 0.0 => Some(Duration::from_secs_f64(t)),
        Some(t) => anyhow::bail!("--timeout: {t} must be a positive number of seconds"),
        None => None,
    };
    // The result is printed as soon as the harness has delivered it; the container is removed
    // meanwhile, and the command waits for that only before exiting.
    let (removed_tx, removed) = std::sync::mpsc::channel::<bool>();
    let opts = ExecOptions {
        timeout,
        memory_bytes,
        cpu_limit: args.cpus,
        runtime: args.runtime,
        validate: !args.no_validate,
        defer_cleanup: Some(CleanupHook(Arc::new(move |ok| {
            let _ = removed_tx.send(ok);
        }))),
        ..Default::default()
    };
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let executor = runtime.block_on(Executor::connect(config))?;
    let result = runtime.block_on(async {
        let execution = async {
            match &args.data {
                Some(dir) => executor.execute_strategy(&code, dir, opts).await,
                None => executor.execute(&code, opts).await,
            }
        };
        tokio::select! {
            result = execution => Ok(Some(result)),
            _ = tokio::signal::ctrl_c() => {
                // The dropped execution's guard schedules removal; finish it before exiting.
                let _ = executor.cleanup_all().await;
                Ok::<_, anyhow::Error>(None)
            }
        }
    })?;
    let Some(result) = result else {
        eprintln!("interrupted; the container was removed");
        return Ok(ExitCode::from(130));
    };
    if let Some(dir) = &executor_output_dir {
        let name = result.container_id.as_deref().map_or_else(
            || "rejected".to_string(),
            |id| id.chars().take(12).collect(),
        );
        let path = dir.join(format!("{name}.json"));
        std::fs::create_dir_all(dir)
            .and_then(|()| std::fs::write(&path, serde_json::to_vec_pretty(&result)?))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if args.json {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, &result)?;
        writeln!(out)?;
    } else {
        print_text(&result)?;
    }
    std::io::stdout().flush()?;
    // A removal left to the background (the runtime's workers carry it on) must be over
    // before the process ends; its fallbacks (force, kill) are bounded, so this wait is too.
    let cleaned =
        result.cleanup_success.is_some() || removed.recv_timeout(SETTLE_TIMEOUT) == Ok(true);
    if !cleaned {
        eprintln!(
            "error: container {} could not be removed; `stockade cleanup` removes it",
            result.container_id.as_deref().unwrap_or("?")
        );
    }
    Ok(if result.success && cleaned {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
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
