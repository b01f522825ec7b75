//! Stockade's validator: decides, from the parsed tree alone, whether untrusted Python may run.
//!
//! The crate does no I/O and builds for `wasm32-unknown-unknown`, so the same rules run in the
//! CLI, in the runner's pre-flight check and in the browser editor.
//!
//! ```
//! use stockade_validator::{rule, validate, LineIndex, Policy};
//!
//! let source = "import os\nos.system('id')\n";
//! let report = validate(source, &Policy::default());
//! assert!(!report.is_accepted());
//! let finding = &report.findings[0];
//! assert_eq!(finding.code, "SBX101");
//! assert_eq!(&source[finding.span.start..finding.span.end], "os");
//! let at = LineIndex::new(source).location(source, finding.span.start);
//! assert_eq!((at.line, at.column), (1, 8));
//! assert!(rule(finding.code).is_some_and(|r| r.doc.contains("## Why is this bad?")));
//!
//! let report = validate("import pandas as pd\nsignal = pd.Series([1.0])\n", &Policy::default());
//! assert!(report.is_accepted());
//! ```
//!
//! # How code is judged
//!
//! 1. **Decode as Python would** ([`validate_bytes`]): UTF-8 only, a `coding:` cookie naming
//!    anything else is rejected, and so is a BOM that contradicts the cookie.
//! 2. **Guard** before the parser sees the text: the size limit, then a cheap lexical scan that
//!    over-approximates how deep the syntax tree can be, so hostile nesting is a finding and
//!    never a stack overflow.
//! 3. **Parse** with `rustpython-parser`; a syntax error is a finding with its position.
//! 4. **Walk once**: one walk visits every node (annotations, defaults, decorators, bases,
//!    keywords, handlers, patterns, guards, f-string parts, slices, ...) and dispatches each to
//!    the rules, one rule or tight family per file under [`mod@rules`]. Names and attributes are
//!    NFKC-normalised first, as Python does. Comments are never read, so no suppression
//!    comment (`# noqa`, `# type: ignore`, ...) can switch a rule off. As it goes, the walk
//!    keeps a semantic model (scopes, bindings in execution order, which bindings definitely
//!    ran, what each name may stand for) that rules ask what a node is, rather than trusting
//!    how it is spelt.
//!
//! Imports and module attribute paths are allowlists held in the [`Policy`], which the operator
//! loads from YAML or JSON; the code being checked cannot change it. Codes are stable:
//! `SBX0xx` syntax, limits and encoding, `SBX1xx` imports, `SBX2xx` builtins, `SBX3xx`
//! attributes, `SBX4xx` module leaks, `SBX5xx` strings that become code, `SBX6xx` I/O and
//! deserialisation, `SBX7xx` classes, `SBX8xx` tampering. [`rules()`] lists them all with
//! their documentation.

mod checker;
mod defaults;
mod dispatch;
mod finding;
mod guard;
mod imports;
mod index;
mod names;
mod policy;
pub mod rules;
mod semantic;
mod source;

pub use finding::{Finding, LineIndex, Location, Severity, Span};
pub use imports::imported_packages;
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
