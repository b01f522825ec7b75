//! `stockade cleanup`: remove sandbox containers.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use stockade_runner::cleanup;
use stockade_runner::executor::connect_docker;

/// Arguments of `stockade cleanup`.
///
/// Without options it removes the containers of runners proven dead (their liveness record is
/// gone or no longer held), which is also what `--orphans` says. A live runner's containers
/// are removed only when named: `--instance` for one runner, `--all` for every one.
#[derive(Debug, Args)]
pub struct CleanupArgs {
    /// Only remove containers whose runner is gone (the default).
    #[arg(long, conflicts_with_all = ["instance", "all"])]
    pub orphans: bool,
    /// Remove the containers of this runner instance (the `io.stockade.instance` label), even
    /// while it runs.
    #[arg(long, value_name = "ID", conflicts_with = "all")]
    pub instance: Option<String>,
    /// Remove every Stockade container on the engine, live runners' included.
    #[arg(long)]
    pub all: bool,
}

/// Runs the subcommand.
pub fn run(args: CleanupArgs) -> Result<ExitCode> {
    let runtime = tokio::runtime::Runtime::new()?;
    let (report, what) = runtime.block_on(async {
        let docker = connect_docker().await?;
        Ok::<_, anyhow::Error>(match (&args.instance, args.all) {
            (Some(id), _) => (
                cleanup::remove_instance(&docker, id).await?,
                format!("containers of instance {id}"),
            ),
            (None, true) => (
                cleanup::remove_every_managed(&docker).await?,
                "containers".to_string(),
            ),
            (None, false) => (
                cleanup::remove_orphans(&docker).await?.1,
                "orphaned containers".to_string(),
            ),
        })
    })?;
    println!("removed {}/{} {what}", report.removed, report.total);
    for id in &report.failed {
        eprintln!("could not remove {id}");
    }
    Ok(if report.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
