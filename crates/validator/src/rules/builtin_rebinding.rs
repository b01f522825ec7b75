//! SBX202: rebinding builtin names.

use crate::checker::Checker;
use crate::names;
use crate::semantic::{BindKind, ScopeKind};
use crate::Span;

declare_rule! {
    /// ## What it does
    /// Rejects binding the name of a dangerous builtin (`exec`, `eval`, `getattr`,
    /// `setattr`, `memoryview`, ...) as a variable or parameter anywhere, and, at module
    /// level, making any builtin's name stand for another callable: `print = exec`,
    /// `len = my_len`, `def print(...)`, `class list`, `import x as sum`. Data that happens
    /// to use a builtin's name (`open = data.get("price:open")`, `type = "momentum"`, a
    /// parameter `id`) is fine, and so are methods and class attributes (`def filter(self)`),
    /// which shadow nothing, and `from math import pow`, a vetted module member under its
    /// own name.
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

pub(crate) fn check(checker: &mut Checker<'_>, name: &str, span: Span, kind: BindKind) {
    if !names::is_builtin(name) || names::is_dunder(name) {
        return;
    }
    let dangerous = names::dangerous_builtin(name).is_some()
        || matches!(
            name,
            "getattr" | "setattr" | "delattr" | "hasattr" | "memoryview"
        );
    // A class body's names are attributes, not variables: `def filter(self)` or
    // `def eval(self)` in a class shadows nothing outside it.
    let scope = checker.model.binding_scope(name);
    let stands_in = matches!(kind, BindKind::Alias | BindKind::Definition);
    if scope != ScopeKind::Class && (dangerous || (scope == ScopeKind::Module && stands_in)) {
        checker.report(
            &BuiltinRebinding::RULE,
            span,
            format!("rebinding the builtin name `{name}` is not allowed"),
            "choose a name that does not shadow a builtin",
        );
    }
}
