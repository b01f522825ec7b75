//! SBX205: builtins that may only be called directly.

use crate::checker::{Checker, Deferred, NameUse};
use crate::names;
use crate::Span;

declare_rule! {
    /// ## What it does
    /// Rejects using `getattr`, `setattr`, `delattr`, `hasattr`, `open`, `memoryview`,
    /// `dir` or `type` (a metaclass: `T = type; T("X", (), {})` builds classes) (unless the code binds that name itself in a scope the use can see, like
    /// `open = data.get("price:open")`)
    /// as a value (passed to `reduce`, `map`, `sorted(key=...)`, stored in a list or
    /// dict, used as a decorator, ...). Called directly, their arguments are checked by
    /// other rules.
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
    // `open` may be the code's own variable (`open = data.get("price:open")`): decided after
    // the walk, once every binding is known.
    let visible = checker.visible_scopes();
    checker.deferred.push(Deferred::BuiltinValue {
        name: name.to_string(),
        span,
        visible,
    });
}

/// A call-only builtin used as a value, and the code never binds that name itself.
pub(crate) fn report(checker: &mut Checker<'_>, name: &str, span: Span) {
    checker.report(
        &CallOnlyBuiltinAsValue::RULE,
        span,
        format!("`{name}` may only be called directly, not used as a value"),
        "call it directly where it is needed, with literal arguments",
    );
}
