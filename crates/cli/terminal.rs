//! What every subcommand shares about the terminal: colour choice and how errors end the run.

use std::io;
use std::process::ExitCode;

use anstream::ColorChoice;

/// Exit status of a run that found nothing wrong.
pub const EXIT_CLEAN: u8 = 0;
/// Exit status of a run that found code which must not run.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit status of a run that could not do its job (bad arguments, unreadable input, ...).
pub const EXIT_ERROR: u8 = 2;

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Color {
    /// Colour when writing to a terminal and `NO_COLOR` is unset.
    #[default]
    Auto,
    /// Colour even when not writing to a terminal.
    Always,
    /// Do not colour.
    Never,
}

/// Terminal options accepted by every subcommand.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct TerminalArgs {
    /// When to colour the output.
    #[arg(long, value_enum, default_value_t = Color::Auto, global = true)]
    color: Color,
    /// Never colour the output (same as `--color never`).
    #[arg(long, global = true)]
    no_color: bool,
}

impl TerminalArgs {
    /// Makes the choice the process-wide default (it also governs error messages).
    pub fn apply(&self) {
        let choice = match (self.no_color, self.color) {
            (true, _) | (false, Color::Never) => ColorChoice::Never,
            (false, Color::Always) => ColorChoice::Always,
            (false, Color::Auto) => ColorChoice::Auto,
        };
        choice.write_global();
    }

    /// Whether to colour what goes to standard output. `auto` means a terminal with `NO_COLOR`
    /// unset (`CLICOLOR`, `CLICOLOR_FORCE` and `TERM=dumb` are honoured too).
    pub fn stdout_color(&self) -> bool {
        anstream::AutoStream::choice(&io::stdout()) != ColorChoice::Never
    }
}

/// `err` and its causes in one line, each part said once (some errors repeat their source in
/// their own message).
pub fn one_line(err: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if !parts.last().is_some_and(|last| last.ends_with(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

/// Reports `err` on standard error as one line and returns the error exit status.
pub fn fail(err: &anyhow::Error) -> ExitCode {
    // A closed pipe (`stockade validate | head`) is not worth a message.
    let broken_pipe = err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    });
    if !broken_pipe {
        anstream::eprintln!(
            "{style}error:{style:#} {}",
            one_line(err),
            style = anstyle::Style::new()
                .fg_color(Some(anstyle::AnsiColor::Red.into()))
                .bold()
        );
    }
    ExitCode::from(EXIT_ERROR)
}
