//! The rule registry and the checker. (Foundation placeholder: parse errors only; the rules land next.)

use crate::{Finding, Policy, Report, Severity, Span};

/// Documentation and identity of one rule.
#[derive(Debug)]
pub struct Rule {
    /// Stable code, such as `SBX301`.
    pub code: &'static str,
    /// Short kebab-case name.
    pub name: &'static str,
    /// The family of techniques the rule belongs to.
    pub family: &'static str,
    /// Severity of its findings.
    pub severity: Severity,
    /// One-line summary.
    pub summary: &'static str,
    /// Markdown doc: what it does, why it matters, an example.
    pub doc: &'static str,
}

static RULES: &[Rule] = &[Rule {
    code: "SBX001",
    name: "syntax-error",
    family: "syntax",
    severity: Severity::Error,
    summary: "The code does not parse as Python.",
    doc: "## What it does\nReports code that does not parse.\n",
}];

/// Every rule, ordered by code.
pub fn rules() -> &'static [Rule] {
    RULES
}

/// The rule with this code, if any.
pub fn rule(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code.eq_ignore_ascii_case(code))
}

pub(crate) fn check(source: &str, _policy: &Policy) -> Report {
    let mut findings = Vec::new();
    if let Err(err) =
        rustpython_parser::parse(source, rustpython_parser::Mode::Module, "<strategy>")
    {
        let at = usize::from(err.offset);
        findings.push(Finding {
            code: "SBX001",
            severity: Severity::Error,
            message: format!("syntax error: {}", err.error),
            help: "fix the syntax".into(),
            span: Span::new(at, at),
        });
    }
    Report { findings }
}

pub(crate) fn check_bytes(bytes: &[u8], policy: &Policy) -> Report {
    check(&String::from_utf8_lossy(bytes), policy)
}
