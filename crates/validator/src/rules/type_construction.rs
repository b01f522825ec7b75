//! SBX204: building classes and function types with `type`.

use rustpython_parser::ast::{self, Expr};

use crate::checker::{span_of, Checker};

declare_rule! {
    /// ## What it does
    /// Rejects `type(...)` called with anything but a single positional argument, and
    /// `type(lambda: ...)`, which yields the function type.
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
    }
}
