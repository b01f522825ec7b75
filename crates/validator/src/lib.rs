//! Stockade's validator: decides, from the parsed tree alone, whether untrusted Python may run.
//!
//! The crate does no I/O and builds for `wasm32-unknown-unknown`, so the same rules run in the
//! CLI, in the runner's pre-flight check and in the browser editor.
//!
//! ```
//! use stockade_validator::{validate, Policy};
//!
//! let report = validate("import os\nos.system('id')\n", &Policy::default());
//! assert!(!report.is_accepted());
//! assert!(report.findings.iter().any(|f| f.code.starts_with("SBX")));
//!
//! let report = validate("import pandas as pd\nsignal = pd.Series([1.0])\n", &Policy::default());
//! assert!(report.is_accepted());
//! ```

mod checker;
mod defaults;
mod dispatch;
mod finding;
mod guard;
mod index;
mod names;
mod policy;
pub mod rules;
mod source;

pub use finding::{Finding, LineIndex, Location, Severity, Span};
pub use policy::{Policy, PolicyError, MAX_NESTING_DEPTH_LIMIT};
pub use rules::{rule, rules, Rule};

/// The outcome of validating one source text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Report {
    /// Every finding, ordered by position.
    pub findings: Vec<Finding>,
}

impl Report {
    /// True when no finding is an error: the code may run.
    pub fn is_accepted(&self) -> bool {
        !self.findings.iter().any(|f| f.severity == Severity::Error)
    }
}

/// Validates Python source text against `policy`.
pub fn validate(source: &str, policy: &Policy) -> Report {
    rules::check(source, policy)
}

/// Validates raw bytes, decoding them as Python would (BOM, `coding:` cookie); anything that is
/// not UTF-8 is a finding, not an error.
pub fn validate_bytes(bytes: &[u8], policy: &Policy) -> Report {
    rules::check_bytes(bytes, policy)
}
