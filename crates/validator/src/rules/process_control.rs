//! SBX802: exceptions that end or interrupt the host process.

use crate::checker::{Checker, NameUse};
use crate::names::PROCESS_EXCEPTIONS;
use crate::Span;

declare_rule! {
    /// ## What it does
    /// Rejects `SystemExit`, `KeyboardInterrupt` and `GeneratorExit` anywhere except as
    /// the type in an `except` clause. (`exit()` and `quit()` are SBX201; `os._exit`,
    /// `os.kill` and `signal` are unreachable because their modules are not importable.)
    ///
    /// ## Why is this bad?
    /// Raising them is how code stops the host process instead of failing its own run:
    /// the harness never reports a result and the runner sees a crash.
    ///
    /// ## Example
    /// ```python
    /// raise SystemExit(0)
    /// ```
    ///
    /// Use instead: raise an ordinary exception, or return.
    /// ```python
    /// raise ValueError("not enough data")
    /// ```
    pub(crate) struct ProcessControl {
        code: "SBX802",
        name: "process-control",
        family: "process-control",
        severity: Error,
        summary: "The code uses an exception that stops the host process.",
    }
}

pub(crate) fn check(checker: &mut Checker<'_>, name: &str, span: Span, use_: NameUse) {
    if use_ == NameUse::ExceptType || !PROCESS_EXCEPTIONS.contains(&name) {
        return;
    }
    checker.report(
        &ProcessControl::RULE,
        span,
        format!("`{name}` stops the host process and is not allowed"),
        "raise an ordinary exception such as ValueError, or return from the strategy",
    );
}
