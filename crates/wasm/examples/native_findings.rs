//! Prints the native validator's findings for each file named on the command line, as one JSON
//! object per line: `{"path", "findings": [{code, severity, span, start, end}]}`.
//!
//! The wasm parity test (`tests/wasm_parity/`) compares this with what the WebAssembly build
//! returns for the same text. It calls the validator directly (not this crate's rendering), so
//! the two sides share nothing but the validator's source.
//!
//! ```text
//! cargo run -p stockade-wasm --example native_findings -- a.py b.py
//! ```

use std::io::Write;

use serde_json::json;
use stockade_validator::{validate, LineIndex, Policy};

fn main() -> std::process::ExitCode {
    let policy = Policy::default();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for path in std::env::args().skip(1) {
        let source = match std::fs::read_to_string(&path) {
            Ok(s) => s,
            Err(err) => {
                eprintln!("{path}: {err}");
                return std::process::ExitCode::from(2);
            }
        };
        let index = LineIndex::new(&source);
        let findings: Vec<_> = validate(&source, &policy)
            .findings
            .iter()
            .map(|f| {
                json!({
                    "code": f.code,
                    "severity": f.severity.as_str(),
                    "span": f.span,
                    "start": index.location(&source, f.span.start),
                    "end": index.location(&source, f.span.end),
                })
            })
            .collect();
        let line = json!({ "path": path, "findings": findings });
        if writeln!(out, "{line}").is_err() {
            return std::process::ExitCode::from(2);
        }
    }
    std::process::ExitCode::SUCCESS
}
