//! SBX204: building classes and function types with `type`.

use rustpython_parser::ast::{self, Expr};

use crate::checker::{span_of, Checker};
use crate::names::normalise;
use crate::semantic::Alias;

declare_rule! {
    /// ## What it does
    /// Rejects `type(...)` called with anything but a single positional argument,
    /// `type(lambda: ...)`, which yields the function type, `type()` of something that is
    /// certainly a class (`type(int)`, `type(MyClass)`, `type(type(x))`), which yields a
    /// metaclass, and calling the result of `type(...)` with several arguments.
    ///
    /// ## Why is this bad?
    /// Three-argument `type(name, bases, namespace)` builds a class from a dict, so hooks
    /// such as `__del__` or `__init_subclass__` slip past the class-definition rules.
    /// `type(lambda: 0)` is `FunctionType`, the constructor of functions from raw code
    /// objects.
    ///
    /// ## Example
    /// ```python
    /// Hook = type("Hook", (object,), {"__del__": lambda self: print("bye")})
    /// ```
    ///
    /// Use instead: a class statement.
    /// ```python
    /// class Hook:
    ///     pass
    /// ```
    pub(crate) struct TypeConstruction {
        code: "SBX204",
        name: "type-construction",
        family: "type-construction",
        severity: Error,
        summary: "The code builds a class or function type with `type`.",
    }
}

pub(crate) fn check(checker: &mut Checker<'_>, name: &str, call: &ast::ExprCall) {
    if name != "type" {
        return;
    }
    let single = call.args.len() == 1
        && call.keywords.is_empty()
        && !matches!(call.args[0], Expr::Starred(_));
    if !single {
        checker.report(
            &TypeConstruction::RULE,
            span_of(call.range),
            "`type()` with more than one argument builds a class and is not allowed",
            "define the class with a `class` statement",
        );
    } else if matches!(call.args[0], Expr::Lambda(_)) {
        checker.report(
            &TypeConstruction::RULE,
            span_of(call.range),
            "`type(lambda ...)` yields the function constructor and is not allowed",
            "define functions with `def` or `lambda`",
        );
    } else if names_a_class(checker, &call.args[0]) {
        checker.report(
            &TypeConstruction::RULE,
            span_of(call.range),
            "`type()` of a class yields its metaclass, which builds classes, and is not allowed",
            "compare or name types directly (`isinstance(x, int)`, `type(x).__name__`)",
        );
    }
}

/// `type(...)(name, bases, namespace)`: calling whatever `type()` returned with several
/// arguments builds a class, however the metaclass was obtained.
pub(crate) fn check_call_of_call(checker: &mut Checker<'_>, call: &ast::ExprCall) {
    let Expr::Call(inner) = &*call.func else {
        return;
    };
    let calls_type = matches!(&*inner.func, Expr::Name(n) if normalise(&n.id) == "type");
    // `type(self)(a, b)` builds another instance of the code's own plain class.
    let own_instance = match inner.args.as_slice() {
        [arg @ Expr::Name(n)] => {
            !checker.model.is_own_class(&normalise(&n.id)) && checker.model.is_own_value(arg)
        }
        _ => false,
    } && inner.keywords.is_empty();
    if calls_type && !own_instance && call.args.len() + call.keywords.len() >= 2 {
        checker.report(
            &TypeConstruction::RULE,
            span_of(call.range),
            "calling the result of `type()` with several arguments builds a class and is not allowed",
            "define the class with a `class` statement",
        );
    }
}

/// Whether `expr` certainly names a class: a builtin type, one of the code's own classes, a
/// class reached through a module, or another `type(...)` call.
fn names_a_class(checker: &Checker<'_>, expr: &Expr) -> bool {
    match expr {
        Expr::Name(n) => {
            let id = normalise(&n.id);
            BUILTIN_TYPES.contains(&id.as_ref())
                || checker.model.is_own_class(&id)
                || matches!(checker.model.alias(&id), Some(Alias::Value(_)))
        }
        Expr::Attribute(_) => checker.model.resolve_path(expr).is_some(),
        Expr::Call(inner) => matches!(&*inner.func, Expr::Name(n) if normalise(&n.id) == "type"),
        _ => false,
    }
}

const BUILTIN_TYPES: &[&str] = &[
    "type",
    "object",
    "int",
    "float",
    "complex",
    "bool",
    "str",
    "bytes",
    "bytearray",
    "list",
    "tuple",
    "dict",
    "set",
    "frozenset",
    "range",
    "slice",
    "property",
    "classmethod",
    "staticmethod",
    "super",
    "memoryview",
    "BaseException",
    "Exception",
];
