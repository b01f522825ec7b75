//! `stockade`: validate and run untrusted Python strategies.
//!
//! Each subcommand lives in its own module with an `Args` struct and a `run` function that
//! returns the exit status; `main` only parses the command line and dispatches.

mod cleanup;
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
    /// Check that this machine can run the sandbox.
    Doctor(doctor::DoctorArgs),
    /// Build and manage the sandbox image.
    Image(image::Args),
    /// Serve the HTTP API and the editor (loopback, bearer token).
    Serve(Box<serve::Args>),
    /// Run jobs from a Redis queue (scale-out: one worker per host, any number of hosts).
    Worker(worker::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
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
        Command::Doctor(args) => doctor::run(args),
        Command::Image(args) => image::run(args),
        Command::Serve(args) => serve::run(*args),
        Command::Worker(args) => worker::run(args),
    };
    result.unwrap_or_else(|err| terminal::fail(&err))
}
