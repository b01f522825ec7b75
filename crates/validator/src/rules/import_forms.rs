//! SBX102 and SBX103: relative and star imports.

use rustpython_parser::ast::{self, Ranged};

use crate::checker::{span_of, Checker};

declare_rule! {
    /// ## What it does
    /// Rejects relative imports (`from . import x`, `from ..pkg import y`).
    ///
    /// ## Why is this bad?
    /// A strategy is a single file with no package around it; a relative import can only
    /// reach whatever package the host runs it from, which the allowlist cannot vouch for.
    ///
    /// ## Example
    /// ```python
    /// from . import settings
    /// ```
    ///
    /// Use instead: define what you need in the strategy itself.
    /// ```python
    /// SETTINGS = {"window": 20}
    /// ```
    pub(crate) struct RelativeImport {
        code: "SBX102",
        name: "relative-import",
        family: "dangerous-import",
        severity: Error,
        summary: "The code uses a relative import.",
    }
}

declare_rule! {
    /// ## What it does
    /// Rejects `from module import *`.
    ///
    /// ## Why is this bad?
    /// A star import binds names nobody listed, including members the attribute allowlist
    /// would refuse, and it hides which names the rest of the code refers to.
    ///
    /// ## Example
    /// ```python
    /// from math import *
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// from math import sqrt, log
    /// ```
    pub(crate) struct StarImport {
        code: "SBX103",
        name: "star-import",
        family: "dangerous-import",
        severity: Error,
        summary: "The code uses a star import.",
    }
}

pub(crate) fn check(checker: &mut Checker<'_>, stmt: &ast::StmtImportFrom) {
    let span = span_of(stmt.range());
    if stmt.level.is_some_and(|l| l.to_u32() > 0) {
        checker.report(
            &RelativeImport::RULE,
            span,
            "relative import is not allowed",
            "import allowed modules by their absolute name",
        );
    }
    if stmt.names.iter().any(|a| a.name.as_str() == "*") {
        let module = stmt.module.as_ref().map_or("", |m| m.as_str());
        checker.report(
            &StarImport::RULE,
            span,
            format!("`from {module} import *` is not allowed"),
            "import the names you use explicitly",
        );
    }
}
