//! `stockade validate`: checks Python files with the validator and reports the findings.

mod inputs;

use std::ffi::OsStr;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use stockade_validator::{validate_bytes, Policy};

use crate::printers::{self, Format, Located, Options, Summary};
use crate::source::SourceFile;
use crate::terminal::{TerminalArgs, EXIT_CLEAN, EXIT_FINDINGS};

/// Inputs up to this size are always read whole (64 MiB).
const MIN_READ_LIMIT: u64 = 64 << 20;

/// Arguments of `stockade validate`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 when every file may run, 1 when some file has an error \
                        finding (warnings alone do not fail), 2 when the check itself failed."
)]
pub struct Args {
    /// Files and directories to check; directories are searched for `*.py` files (hidden
    /// files and directories, `__pycache__` and virtual environments are skipped; symbolic
    /// links are not followed). `-` reads standard input.
    #[arg(value_name = "PATH", default_value = ".")]
    paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,

    /// Policy file (YAML, or JSON when it ends in `.json` or starts with `{`); the built-in
    /// default policy otherwise.
    #[arg(long, value_name = "FILE", env = "STOCKADE_POLICY")]
    policy: Option<PathBuf>,

    /// The name to report standard input under.
    #[arg(long, value_name = "PATH")]
    stdin_filename: Option<PathBuf>,

    /// Print the findings only, without the summary line.
    #[arg(long, short)]
    quiet: bool,
}

/// Runs `stockade validate`.
pub fn run(args: Args, terminal: &TerminalArgs) -> Result<ExitCode> {
    let policy = match &args.policy {
        Some(path) => load_policy(path)?,
        None => Policy::default(),
    };
    // Well above any input the policy accepts, so that the validator still reports inputs that
    // are merely too long, while an endless one (`/dev/zero`) is refused instead of exhausting
    // memory.
    let limit = u64::try_from(policy.max_source_bytes)
        .unwrap_or(u64::MAX)
        .saturating_mul(4)
        .max(MIN_READ_LIMIT);
    let inputs = inputs::collect(&args.paths, args.stdin_filename.as_deref(), limit)?;

    let options = Options {
        color: terminal.stdout_color(),
        quiet: args.quiet,
    };
    let mut printer = printers::printer(args.format, options, std::env::current_dir().ok());
    let mut out = BufWriter::new(io::stdout().lock());
    let mut summary = Summary::default();
    let mut rejected = false;
    for input in inputs {
        let report = validate_bytes(&input.bytes, &policy);
        rejected |= !report.is_accepted();
        let file = SourceFile::new(input.name, &input.bytes);
        let findings: Vec<Located<'_>> = report
            .findings
            .iter()
            .map(|finding| Located {
                finding,
                region: file.region(finding.span),
            })
            .collect();
        summary.add(&findings);
        printer
            .file(&mut out, &file, &findings)
            .context("cannot write the report")?;
    }
    printer
        .finish(&mut out, &summary)
        .and_then(|()| out.flush())
        .context("cannot write the report")?;
    Ok(ExitCode::from(if rejected {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }))
}

/// Reads and checks a policy file, naming the file in any error.
fn load_policy(path: &Path) -> Result<Policy> {
    let text = fs::read_to_string(path)
        .with_context(|| format!("cannot read policy file `{}`", path.display()))?;
    let extension = path
        .extension()
        .and_then(OsStr::to_str)
        .map(str::to_ascii_lowercase);
    let json = match extension.as_deref() {
        Some("json") => true,
        Some("yaml" | "yml") => false,
        _ => text.trim_start().starts_with('{'),
    };
    let policy = if json {
        Policy::from_json(&text)
    } else {
        Policy::from_yaml(&text)
    };
    policy.with_context(|| format!("invalid policy file `{}`", path.display()))
}
