//! SBX205: builtins that may only be called directly.

use crate::checker::{Checker, NameUse};
use crate::names;
use crate::Span;

declare_rule! {
    /// ## What it does
    /// Rejects using `getattr`, `setattr`, `delattr`, `hasattr`, `open`, `memoryview`,
    /// `dir` or `type` (a metaclass: `T = type; T("X", (), {})` builds classes) as a value,
    /// unless a binding of that name by the code itself definitely reaches the use (like
    /// `open = data.get("price:open")` earlier in the same or an enclosing scope; a binding
    /// in a branch that may not run, annotation-only `open: str` or one undone by `del`
    /// does not count). A value is anything but a direct call: passed to `reduce`, `map`,
    /// `sorted(key=...)`, stored in a list or dict, used as a decorator, ... Called directly, their arguments are checked by
    /// other rules. `type` and `type[C]` in an annotation are types, not values, except in a
    /// class body of a program that reads annotations back through `dataclasses.fields`.
    ///
    /// ## Why is this bad?
    /// The checks on these builtins look at their arguments at the call site. Handed
    /// around as values they are called elsewhere with arguments no rule sees:
    /// `reduce(getattr, ["__class__", "__base__", "__subclasses__"], ())` walks to every
    /// class in the interpreter.
    ///
    /// ## Example
    /// ```python
    /// from functools import reduce
    /// listing = reduce(getattr, path, ())
    /// ```
    ///
    /// Use instead: call it directly with a literal name.
    /// ```python
    /// window = getattr(config, "window", 20)
    /// ```
    pub(crate) struct CallOnlyBuiltinAsValue {
        code: "SBX205",
        name: "call-only-builtin-as-value",
        family: "lambda-decorator",
        severity: Error,
        summary: "A builtin whose arguments must be checked is used as a value.",
    }
}

pub(crate) fn check(checker: &mut Checker<'_>, name: &str, span: Span, use_: NameUse) {
    if use_ == NameUse::Callee || !names::CALL_ONLY_BUILTINS.contains(&name) {
        return;
    }
    // `open` may be the code's own variable (`open = data.get("price:open")`), but only a
    // binding that definitely reaches this use counts: not `open: str`, not one in a branch
    // that may not run, not one undone by `del`.
    if !checker.model.definitely_shadowed(name) {
        report(checker, name, span);
    }
}

pub(crate) fn report(checker: &mut Checker<'_>, name: &str, span: Span) {
    checker.report(
        &CallOnlyBuiltinAsValue::RULE,
        span,
        format!("`{name}` may only be called directly, not used as a value"),
        "call it directly where it is needed, with literal arguments",
    );
}
