//! `stockade`: validate and run untrusted Python strategies.
//!
//! Each subcommand lives in its own module with an `Args` struct and a `run` function that
//! returns the exit status; `main` only parses the command line and dispatches.

mod cleanup;
mod config;
mod doctor;
mod image;
mod printers;
mod rules;
mod run;
mod serve;
mod signal;
mod source;
mod terminal;
mod validate;
mod worker;

use std::process::ExitCode;

// The built editor, `WEB_ASSETS` (see build.rs).
include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));

use clap::{Parser, Subcommand};

/// Validate and run untrusted, LLM-generated Python strategies in hardened containers.
#[derive(Debug, Parser)]
#[command(name = "stockade", version, about)]
struct Cli {
    #[command(flatten)]
    terminal: terminal::TerminalArgs,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check Python files against the validator's rules.
    Validate(validate::Args),
    /// List the validator's rules, or show one rule's documentation.
    Rules(rules::Args),
    /// Run a Python file in the sandbox.
    Run(run::RunArgs),
    /// Remove sandbox containers.
    Cleanup(cleanup::CleanupArgs),
    /// Show the effective configuration.
    Config(config::Args),
    /// Check that this machine can run the sandbox.
    Doctor(doctor::DoctorArgs),
    /// Build and manage the sandbox image.
    Image(image::Args),
    /// Serve the HTTP API and the editor (loopback, bearer token).
    Serve(Box<serve::Args>),
    /// Run jobs from a Redis queue (scale-out: one worker per host, any number of hosts).
    Worker(worker::Args),
}

/// Parsing and checking allocate many small nodes; mimalloc does that faster than glibc's
/// allocator (the validator bench uses it too, so its figures are the CLI's).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The multi-threaded runtime of the long-running commands (`serve`, `worker`). A request's
/// future (admission, pool, execution, monitor, cleanup) is deep; unoptimised builds keep
/// every level's state on the worker's stack, which overflowed tokio's 2 MiB default.
fn service_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    use anyhow::Context;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(16 * 1024 * 1024)
        .build()
        .context("starting the async runtime")
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(err),
    };
    cli.terminal.apply();
    // The service logs its requests and security events; one-shot commands only warnings.
    let default_filter = match cli.command {
        Command::Serve(_) | Command::Worker(_) => "info,warp=warn,hyper=warn",
        _ => "warn",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("STOCKADE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter)),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.command {
        Command::Validate(args) => validate::run(args, &cli.terminal),
        Command::Rules(args) => rules::run(args),
        Command::Run(args) => run::run(args),
        Command::Cleanup(args) => cleanup::run(args),
        Command::Config(args) => config::run(args),
        Command::Doctor(args) => doctor::run(args),
        Command::Image(args) => image::run(args),
        Command::Serve(args) => serve::run(*args),
        Command::Worker(args) => worker::run(args),
    };
    result.unwrap_or_else(|err| terminal::fail(&err))
}

/// Reports a command line clap refused. `stockade run --json` still gets a result object on
/// stdout, so a script that asked for JSON always gets JSON.
fn usage_error(err: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    let informational = matches!(
        err.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    );
    let args: Vec<String> = std::env::args().skip(1).collect();
    if informational || !wants_run_json(&args) {
        err.exit();
    }
    // clap's first paragraph on one line, without its "error: " prefix (the rest is tips and
    // usage help).
    let text = err.to_string();
    let message = text
        .lines()
        .take_while(|line| !line.trim().is_empty())
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ");
    let message = message
        .strip_prefix("error: ")
        .unwrap_or(&message)
        .to_string();
    let result = run::not_run(message);
    match serde_json::to_string_pretty(&result) {
        Ok(json) => println!("{json}"),
        Err(e) => eprintln!("error: {e}"),
    }
    ExitCode::from(terminal::EXIT_ERROR)
}

/// Whether the command line is `stockade [--color WHEN] run ... --json ...`.
fn wants_run_json(args: &[String]) -> bool {
    let mut positional = args
        .iter()
        .enumerate()
        .filter(|(i, a)| !a.starts_with('-') && (*i == 0 || args[i - 1] != "--color"));
    positional.next().is_some_and(|(_, a)| a == "run") && args.iter().any(|a| a == "--json")
}
