//! `stockade image build`: make the sandbox image offline (Debian packages + pinned wheels +
//! the harness), import it into Docker and tag it; `--variant modern` (or `all`) makes the
//! image with numpy 2 and pandas 2 from PyPI wheels.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use stockade_runner::image::{BuildOptions, Progress, Variant};

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

    /// Which image: default (Debian's numpy and pandas), modern (numpy 2, pandas 2 from
    /// PyPI wheels) or all.
    #[arg(long, value_name = "VARIANT", default_value = "default")]
    variant: VariantChoice,
}

/// `--variant`: one variant, or every one.
#[derive(Debug, Clone, Copy)]
enum VariantChoice {
    One(Variant),
    All,
}

impl std::str::FromStr for VariantChoice {
    type Err = String;

    fn from_str(s: &str) -> Result<VariantChoice, String> {
        if s == "all" {
            Ok(VariantChoice::All)
        } else {
            s.parse().map(VariantChoice::One)
        }
    }
}

impl VariantChoice {
    fn variants(self) -> Vec<Variant> {
        match self {
            VariantChoice::One(v) => vec![v],
            VariantChoice::All => Variant::ALL.to_vec(),
        }
    }
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
    let docker = bollard::Docker::connect_with_local_defaults()
        .context("cannot reach the Docker engine (run scripts/setup-engine.sh)")?
        .negotiate_version()
        .await
        .context("cannot reach the Docker engine (run scripts/setup-engine.sh)")?;
    let cache_dir = args
        .cache_dir
        .unwrap_or_else(BuildOptions::default_cache_dir);
    for variant in args.variant.variants() {
        let options = BuildOptions::new(cache_dir.clone())
            .force(args.force)
            .variant(variant);
        build_variant(&docker, &options).await?;
    }
    Ok(ExitCode::SUCCESS)
}

async fn build_variant(docker: &bollard::Docker, options: &BuildOptions) -> Result<()> {
    let started = Instant::now();
    let variant = options.variant;

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
    let outcome = stockade_runner::image::build(docker, options, &mut on_progress).await;
    bar.finish_and_clear();
    let outcome = outcome.with_context(|| format!("building the {variant} sandbox image"))?;

    let info = &outcome.info;
    println!("variant:  {variant}");
    println!("image:    {} (tagged {})", info.reference, variant.latest());
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
    Ok(())
}
