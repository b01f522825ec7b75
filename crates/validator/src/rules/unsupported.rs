//! SBX006: syntax the checker does not support.

use rustpython_parser::ast::text_size::TextRange;

use crate::checker::{span_of, Checker};

declare_rule! {
    /// ## What it does
    /// Rejects syntax the checker does not analyse: the `type` statement and type parameter
    /// lists (`def f[T](x: T)`, `class Box[T]`), which the sandbox's Python does not run.
    ///
    /// ## Why is this bad?
    /// The validator only accepts what it has fully checked. A construct it skips could hide
    /// code, so unknown or unsupported nodes are rejected rather than ignored.
    ///
    /// ## Example
    /// ```python
    /// type Prices = list[float]
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from typing import List
    /// Prices = List[float]
    /// ```
    pub(crate) struct UnsupportedSyntax {
        code: "SBX006",
        name: "unsupported-syntax",
        family: "ast-corner",
        severity: Error,
        summary: "The code uses syntax the validator does not support.",
    }
}

pub(crate) fn report(checker: &mut Checker<'_>, range: TextRange, what: &str) {
    checker.report(
        &UnsupportedSyntax::RULE,
        span_of(range),
        format!("{what} is not supported"),
        "use the Python 3.11 equivalent (typing.TypeVar, plain assignment)",
    );
}
