//! `stockade`: validate and run untrusted Python strategies.
//!
//! Each subcommand lives in its own module with an `Args` struct and a `run` function that
//! returns the exit status; `main` only parses the command line and dispatches.

mod image;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Validate and run untrusted, LLM-generated Python strategies safely.
#[derive(Debug, Parser)]
#[command(name = "stockade", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build and manage the sandbox image.
    Image(image::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Image(args) => image::run(args),
    };
    result.unwrap_or_else(|err| {
        eprintln!("error: {err:#}");
        ExitCode::from(2)
    })
}
