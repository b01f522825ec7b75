//! `stockade image build`: make the sandbox image offline (Debian packages + a pinned
//! pyarrow wheel + the harness), import it into Docker and tag it.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use stockade_runner::image::{self, BuildOptions, Progress};

/// Arguments of `stockade image`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: ImageCommand,
}

#[derive(Debug, Subcommand)]
enum ImageCommand {
    /// Build the sandbox image (skipped when an image with the same content hash exists).
    Build(BuildArgs),
}

#[derive(Debug, clap::Args)]
struct BuildArgs {
    /// Rebuild even if the image exists, with a fresh Debian root filesystem.
    #[arg(long)]
    force: bool,

    /// Cache for the root filesystem tarball and wheels
    /// [default: $STOCKADE_CACHE_DIR or .cache/stockade].
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
}

/// Run `stockade image ...`.
pub fn run(args: Args) -> Result<ExitCode> {
    match args.command {
        ImageCommand::Build(build) => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .context("starting the async runtime")?;
            runtime.block_on(build_image(build))
        }
    }
}

async fn build_image(args: BuildArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let docker = bollard::Docker::connect_with_local_defaults()
        .context("cannot reach the Docker engine (run scripts/setup-engine.sh)")?
        .negotiate_version()
        .await
        .context("cannot reach the Docker engine (run scripts/setup-engine.sh)")?;
    let cache_dir = args
        .cache_dir
        .unwrap_or_else(BuildOptions::default_cache_dir);
    let options = BuildOptions::new(cache_dir).force(args.force);

    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("      {spinner} {wide_msg} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    let line = {
        let bar = bar.clone();
        move |text: String| {
            if bar.is_hidden() {
                eprintln!("{text}");
            } else {
                bar.println(text);
            }
        }
    };
    let mut on_progress = |p: Progress| match p {
        Progress::Detail(detail) => {
            if bar.is_hidden() {
                eprintln!("{}", Progress::Detail(detail));
            } else {
                bar.set_message(detail);
            }
        }
        other => {
            bar.set_message("");
            line(other.to_string());
        }
    };
    let outcome = image::build(&docker, &options, &mut on_progress).await;
    bar.finish_and_clear();
    let outcome = outcome.context("building the sandbox image")?;

    let info = &outcome.info;
    println!("image:    {} (tagged {})", info.reference, image::LATEST);
    println!("id:       {}", info.id);
    println!("size:     {:.0} MB", info.size_bytes as f64 / 1e6);
    let versions: Vec<String> = info
        .versions
        .iter()
        .map(|(name, version)| format!("{name} {version}"))
        .collect();
    println!("versions: {}", versions.join(", "));
    println!("manifest: {}", outcome.manifest.display());
    let verb = if outcome.built {
        "built"
    } else {
        "already present, checked"
    };
    println!("{verb} in {:.1}s", started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}
