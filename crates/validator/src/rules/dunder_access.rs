//! SBX301: dunder names and attributes.

use crate::checker::Checker;
use crate::names::is_dunder;
use crate::rules::class_hooks;
use crate::semantic::{Owner, ScopeKind};
use crate::Span;

declare_rule! {
    /// ## What it does
    /// Rejects dunder (`__x__`) attributes and names, except a short list of harmless ones:
    /// reading `__name__`, `__qualname__`, `__doc__`, `__module__`, `__version__` (also on
    /// modules: `pd.__version__`) and an enum's `__members__`; `self.__class__.__name__`;
    /// the `if __name__ == "__main__":`
    /// idiom; calling the dunder methods a strategy may define (`__init__`, `__post_init__`,
    /// `__repr__`, ...) on `self`, `cls`, `super()` or the code's own classes; and
    /// module-level `__all__`, `__version__`, `__author__`, bound and read back. Attribute
    /// names are compared
    /// after NFKC normalisation.
    ///
    /// ## Why is this bad?
    /// Dunder attributes are how Python code climbs out of any sandbox: `__globals__`,
    /// `__code__`, `__closure__`, `__self__`, `__func__`, `__subclasses__`, `__bases__`,
    /// `__mro__`, `__class__`, `__dict__`, `__builtins__`, `__loader__`, `__spec__`,
    /// `__traceback__` each lead from an ordinary object to the builtins, to every class
    /// in the interpreter, or to the host's frames.
    ///
    /// ## Example
    /// ```python
    /// for cls in ().__class__.__base__.__subclasses__():
    ///     ...
    /// ```
    ///
    /// Use instead: work with your own objects through their public attributes.
    /// ```python
    /// class Params:
    ///     def __init__(self, window):
    ///         self.window = window
    /// ```
    pub(crate) struct DunderAccess {
        code: "SBX301",
        name: "dunder-access",
        family: "namespace-introspection",
        severity: Error,
        summary: "The code reaches a dunder attribute or name.",
    }
}

/// Dunder attributes anyone may read: plain strings and enum member tables.
pub(crate) const READABLE: &[&str] = &[
    "__name__",
    "__qualname__",
    "__doc__",
    "__module__",
    "__version__",
    "__members__",
];

/// Dunder names code may bind outside classes.
const MODULE_BINDABLE: &[&str] = &["__all__", "__version__", "__author__", "__doc__"];

/// Reports a dunder name in a load; true when it was reported.
pub(crate) fn check_name(checker: &mut Checker<'_>, name: &str, span: Span) -> bool {
    // The module-level names the code may bind hold only what it bound there (no builtin
    // is so named): reading them back is harmless.
    if !is_dunder(name)
        || matches!(name, "__name__" | "__doc__" | "__debug__")
        || MODULE_BINDABLE.contains(&name)
    {
        return false;
    }
    report(
        checker,
        span,
        format!("the dunder name `{name}` is not allowed"),
    );
    true
}

/// A dunder name being bound (`__all__ = ...`, `def __getattr__(name)`).
pub(crate) fn check_dunder_binding(checker: &mut Checker<'_>, name: &str, span: Span) {
    if !is_dunder(name) {
        return;
    }
    if checker.model.scope() == ScopeKind::Class {
        class_hooks::check_class_member(checker, name, span);
    } else if !(checker.model.scope() == ScopeKind::Module && MODULE_BINDABLE.contains(&name)) {
        report(
            checker,
            span,
            format!("binding the dunder name `{name}` is not allowed"),
        );
    }
}

/// Reports a dunder attribute unless it is harmless here; true when it was a dunder.
pub(crate) fn check_attr(
    checker: &mut Checker<'_>,
    owner: &Owner,
    attr: &str,
    span: Span,
    store: bool,
) -> bool {
    if !is_dunder(attr) {
        return false;
    }
    if !store && READABLE.contains(&attr) {
        return true;
    }
    let own = match owner {
        Owner::SelfLike | Owner::Super => true,
        Owner::Name(name) => checker.model.is_own_class(name),
        Owner::Peer | Owner::UncheckedPeer { .. } | Owner::Other => false,
    };
    if !store && own && class_hooks::DEFINABLE_DUNDERS.contains(&attr) {
        return true;
    }
    report(
        checker,
        span,
        format!("the dunder attribute `{attr}` is not allowed"),
    );
    true
}

pub(crate) fn report(checker: &mut Checker<'_>, span: Span, message: String) {
    checker.report(
        &DunderAccess::RULE,
        span,
        message,
        "use public attributes and your own objects; interpreter internals are off limits",
    );
}
