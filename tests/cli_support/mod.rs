//! Shared helpers for the CLI's end-to-end tests: run the built `stockade` binary from the
//! package root with an environment that cannot change its output.

#![allow(dead_code)] // Each test crate uses a different part of this module.

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Variables that would change what `stockade` prints.
const NOISY_ENV: &[&str] = &[
    "STOCKADE_POLICY",
    "NO_COLOR",
    "CLICOLOR",
    "CLICOLOR_FORCE",
    "TERM",
];

/// `stockade` with `args`, run from the package root (fixture paths are relative to it).
pub fn stockade(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_stockade"));
    cmd.args(args).current_dir(env!("CARGO_MANIFEST_DIR"));
    for var in NOISY_ENV {
        cmd.env_remove(var);
    }
    cmd
}

/// What one run produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `cmd` with `stdin` as its standard input.
pub fn run_with_stdin(cmd: &mut Command, stdin: &[u8]) -> Run {
    use std::io::Write;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("stockade starts");
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(stdin)
        .expect("stdin is written");
    into_run(child.wait_with_output().expect("stockade finishes"))
}

/// Runs `cmd` with an empty standard input.
pub fn run(cmd: &mut Command) -> Run {
    into_run(cmd.stdin(Stdio::null()).output().expect("stockade runs"))
}

fn into_run(output: Output) -> Run {
    Run {
        code: output.status.code().expect("stockade exits, not killed"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// The package root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}
