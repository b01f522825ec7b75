//! SBX202: rebinding builtin names.

use crate::checker::{Checker, ScopeKind};
use crate::names;
use crate::Span;

declare_rule! {
    /// ## What it does
    /// Rejects binding a builtin's name at module or class level (assignment, `def`, `class`,
    /// `import ... as`, loop or `with` targets), and binding the name of a dangerous or
    /// call-only builtin (`exec`, `getattr`, `open`, ...) anywhere. Local variables and
    /// parameters named like harmless builtins (`id`, `type`, `filter`) are fine, and so is
    /// `from math import pow`, which binds a vetted module member under its own name.
    ///
    /// ## Why is this bad?
    /// `print = exec` turns every later `print(...)` into code execution while the calls
    /// still read as printing; rebinding names the rest of the program and the reviewer rely
    /// on is a classic way to hide intent.
    ///
    /// ## Example
    /// ```python
    /// print = exec
    /// print("import os; os.system('id')")
    /// ```
    ///
    /// Use instead: pick a new name.
    /// ```python
    /// log = print
    /// ```
    pub(crate) struct BuiltinRebinding {
        code: "SBX202",
        name: "builtin-rebinding",
        family: "eval-exec",
        severity: Error,
        summary: "The code rebinds the name of a builtin.",
    }
}

pub(crate) fn check(checker: &mut Checker<'_>, name: &str, span: Span, vetted_import: bool) {
    if !names::is_builtin(name) || names::is_dunder(name) {
        return;
    }
    let dangerous =
        names::dangerous_builtin(name).is_some() || names::CALL_ONLY_BUILTINS.contains(&name);
    let shared_scope = matches!(checker.scope(), ScopeKind::Module | ScopeKind::Class);
    if dangerous || (shared_scope && !vetted_import) {
        checker.report(
            &BuiltinRebinding::RULE,
            span,
            format!("rebinding the builtin name `{name}` is not allowed"),
            "choose a name that does not shadow a builtin",
        );
    }
}
