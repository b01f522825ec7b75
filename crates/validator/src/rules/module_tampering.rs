//! SBX801: assigning or deleting attributes of modules, their classes and builtins.

use rustpython_parser::ast::{self, Expr, Ranged};

use crate::checker::{span_of, Checker};
use crate::names::{self, normalise};
use crate::Span;

declare_rule! {
    /// ## What it does
    /// Rejects assigning, augmenting or deleting an attribute anywhere along a path that
    /// starts at an imported module or a builtin: `pd.DataFrame.shift = ...`,
    /// `np.random.seed = ...`, `del math.pi`, `license._Printer__filenames = ...`.
    /// `setattr`/`delattr` on such a path count the same. Display and mode options under
    /// `pd.options` may be set.
    ///
    /// ## Why is this bad?
    /// Modules and builtins are shared by everything in the process. Patching them changes
    /// the host's behaviour for every later run: a `shift` that looks ahead silently
    /// corrupts every backtest, a patched `open` spies on every file the host reads.
    ///
    /// ## Example
    /// ```python
    /// import pandas as pd
    /// pd.DataFrame.shift = leaky_shift
    /// ```
    ///
    /// Use instead: a function of your own.
    /// ```python
    /// def lagged(frame, periods=1):
    ///     return frame.shift(periods)
    /// ```
    pub(crate) struct ModuleTampering {
        code: "SBX801",
        name: "module-tampering",
        family: "host-tampering",
        severity: Error,
        summary: "The code assigns or deletes an attribute of a module or builtin.",
    }
}

/// Paths under which assignment is configuration, not tampering.
const SETTABLE: &[&str] = &[
    "pandas.options.display.",
    "pandas.options.mode.",
    "pandas.options.future.",
];

pub(crate) fn check_module_path(checker: &mut Checker<'_>, path: &str, span: Span) {
    if SETTABLE.iter().any(|p| path.starts_with(p)) {
        return;
    }
    checker.report(
        &ModuleTampering::RULE,
        span,
        format!("assigning or deleting `{path}` changes a shared module and is not allowed"),
        "keep changes in your own variables and functions",
    );
}

pub(crate) fn report_builtin(checker: &mut Checker<'_>, name: &str, span: Span) {
    checker.report(
        &ModuleTampering::RULE,
        span,
        format!("assigning or deleting attributes of the builtin `{name}` is not allowed"),
        "keep changes in your own variables and functions",
    );
}

/// `setattr(pd.DataFrame, "shift", f)` / `delattr(math, "pi")`.
pub(crate) fn check_setattr(checker: &mut Checker<'_>, name: &str, call: &ast::ExprCall) {
    if !matches!(name, "setattr" | "delattr") {
        return;
    }
    let Some(target) = call.args.first() else {
        return;
    };
    let span = span_of(target.range());
    let paths = checker.resolve_paths(target);
    for path in &paths {
        check_module_path(checker, path, span);
    }
    if let (true, Expr::Name(n)) = (paths.is_empty(), target) {
        let id = normalise(&n.id);
        if names::is_builtin(&id) && !checker.definitely_shadowed(&id) {
            report_builtin(checker, &id, span);
        }
    }
}
