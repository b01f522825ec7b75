//! `stockade cleanup`: remove sandbox containers.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use stockade_runner::cleanup;
use stockade_runner::executor::{connect_docker, max_age};

use crate::run::load_config;

/// Arguments of `stockade cleanup`.
#[derive(Debug, Args)]
pub struct CleanupArgs {
    /// Only remove containers whose runner is gone; without it, every Stockade container
    /// (including those of running runners) is removed.
    #[arg(long)]
    pub orphans: bool,
    /// Configuration file (for the longest legitimate execution time).
    #[arg(long, value_name = "FILE", env = "STOCKADE_CONFIG")]
    pub config: Option<std::path::PathBuf>,
}

/// Runs the subcommand.
pub fn run(args: CleanupArgs) -> Result<ExitCode> {
    let config = load_config(args.config.as_deref())?;
    let runtime = tokio::runtime::Runtime::new()?;
    let report = runtime.block_on(async {
        let docker = connect_docker().await?;
        if args.orphans {
            let (_, report) = cleanup::remove_orphans(&docker, max_age(&config)).await?;
            Ok::<_, anyhow::Error>(report)
        } else {
            Ok(cleanup::remove_every_managed(&docker).await?)
        }
    })?;
    let what = if args.orphans {
        "orphaned containers"
    } else {
        "containers"
    };
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
