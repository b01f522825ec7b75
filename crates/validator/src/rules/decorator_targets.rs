//! SBX803: library decorators that write attributes onto objects the code does not own.

use rustpython_parser::ast::{self, Expr, Ranged};

use crate::checker::{span_of, Checker};
use crate::names::normalise;
use crate::semantic::Bound;
use crate::Span;

declare_rule! {
    /// ## What it does
    /// Allows the library decorators that write attributes onto what they decorate
    /// (`dataclasses.dataclass`, `functools.total_ordering`, `functools.update_wrapper`,
    /// `functools.wraps(...)`, `typing.final`, `typing.no_type_check`,
    /// `typing.runtime_checkable`, `abc.abstractmethod` and its class and static forms) only
    /// on the code's own functions, classes and lambdas: as a decorator (`@dataclass`,
    /// `@wraps(fn)`), or called directly on a name bound only by `def` or `class`.
    /// Handing one to anything else, storing it or passing it around (`map(final, ...)`,
    /// `deco = wraps(fn)`) is a finding.
    ///
    /// ## Why is this bad?
    /// These helpers set attributes on their argument: `typing.final(pd.DataFrame)` sets
    /// `DataFrame.__final__`, `dataclass(pd.Series)` installs a new `__eq__`, `__match_args__`
    /// and field tables on `Series`, and `update_wrapper(pd.DataFrame, f)` renames the class.
    /// pandas and numpy classes are shared by everything in the process, so this is the
    /// same tampering as `pd.DataFrame.x = ...`, done by a library call the tree shows only
    /// as a call.
    ///
    /// ## Example
    /// ```python
    /// from dataclasses import dataclass
    /// dataclass(pd.Series)
    /// ```
    ///
    /// Use instead: decorate your own classes.
    /// ```python
    /// @dataclass
    /// class Params:
    ///     window: int = 20
    /// ```
    pub(crate) struct DecoratorOnLibraryObject {
        code: "SBX803",
        name: "decorator-on-library-object",
        family: "host-tampering",
        severity: Error,
        summary: "A library decorator that writes attributes is applied to something the code does not own.",
    }
}

/// Decorators that write attributes onto their first argument.
const WRITERS: &[&str] = &[
    "abc.abstractmethod",
    "abc.abstractclassmethod",
    "abc.abstractstaticmethod",
    "dataclasses.dataclass",
    "functools.total_ordering",
    "functools.update_wrapper",
    "typing.final",
    "typing.no_type_check",
    "typing.runtime_checkable",
];

/// Calls that return a decorator which writes attributes onto its argument.
const FACTORIES: &[&str] = &["dataclasses.dataclass", "functools.wraps"];

fn is_writer_path(path: &str) -> bool {
    WRITERS.contains(&path)
}

fn is_factory_path(path: &str) -> bool {
    FACTORIES.contains(&path)
}

fn is_factory(checker: &Checker<'_>, func: &Expr) -> bool {
    checker
        .model
        .resolve_paths(func)
        .iter()
        .any(|p| is_factory_path(p))
}

/// Whether a decorator or a decorator factory's product may be here as a value: the head
/// of a decorator, or a factory call that is called at once.
fn allowed_here(checker: &Checker<'_>, span: Span) -> bool {
    checker.decorator_head == Some(span) || checker.called_result == Some(span)
}

/// Keywords a writer takes its target by (`update_wrapper(wrapper=...)`, `dataclass(cls=...)`).
const TARGET_KEYWORDS: &[&str] = &["wrapper", "cls", "funcobj", "callable", "arg", "f"];

/// The object a call of a writer changes, if it names one.
fn target_of(call: &ast::ExprCall) -> Option<&Expr> {
    call.args.first().or_else(|| {
        call.keywords
            .iter()
            .find(|k| {
                k.arg
                    .as_ref()
                    .is_none_or(|a| TARGET_KEYWORDS.contains(&normalise(a).as_ref()))
            })
            .map(|k| &k.value)
    })
}

/// Every call: a writer called on something, or a factory's product called on something.
pub(crate) fn check_call(checker: &mut Checker<'_>, call: &ast::ExprCall) {
    let product_called =
        matches!(&*call.func, Expr::Call(inner) if is_factory(checker, &inner.func));
    let paths = checker.model.resolve_paths(&call.func);
    let writer = paths.iter().any(|p| is_writer_path(p));
    let factory = paths.iter().any(|p| is_factory_path(p));
    if !(product_called || writer || factory) {
        return;
    }
    let target = target_of(call);
    if product_called || (writer && target.is_some()) {
        check_target(checker, call, target);
    }
    // `dataclass(frozen=True)` and `wraps(fn)` return the decorator that does the writing.
    let span = span_of(call.range);
    if factory && !(writer && target.is_some()) && !allowed_here(checker, span) {
        report(
            checker,
            span,
            "the decorator this call returns may only be applied directly".into(),
        );
    }
}

/// A decorator list, top first. Decorators apply bottom-up: each one receives what the one
/// below it returned, so a writer is applied to the code's own function or class only when
/// everything below it hands that object on: other writers (which return their argument) and
/// the builtins `staticmethod`, `classmethod` and `property` (fresh objects of the code's own).
/// An own decorator may return anything, a pandas class or the data object.
pub(crate) fn check_stack(checker: &mut Checker<'_>, decorators: &[Expr]) {
    for (i, decorator) in decorators.iter().enumerate() {
        if !is_writer(checker, decorator) {
            continue;
        }
        if let Some(below) = decorators[i + 1..]
            .iter()
            .find(|d| !(is_writer(checker, d) || is_builtin_wrapper(checker, d)))
        {
            report(
                checker,
                span_of(below.range()),
                "a decorator above this one writes attributes onto what this one returns, which may not be the code's own function or class".into(),
            );
        }
    }
}

/// `@typing.final`, `@dataclass(frozen=True)`, `@functools.wraps(f)`.
fn is_writer(checker: &Checker<'_>, decorator: &Expr) -> bool {
    let head = match decorator {
        Expr::Call(call) => &*call.func,
        other => other,
    };
    checker
        .model
        .resolve_paths(head)
        .iter()
        .any(|p| is_decorator_path(p))
}

/// `@staticmethod`, `@classmethod`, `@property`, `@x.setter` of an own property.
fn is_builtin_wrapper(checker: &Checker<'_>, decorator: &Expr) -> bool {
    match decorator {
        Expr::Name(n) => {
            let id = normalise(&n.id);
            matches!(id.as_ref(), "staticmethod" | "classmethod" | "property")
                && checker.model.is_untouched_builtin(&id)
        }
        _ => false,
    }
}

/// Whether a library path is a decorator that writes attributes, or a factory of one.
pub(crate) fn is_decorator_path(path: &str) -> bool {
    is_writer_path(path) || is_factory_path(path)
}

/// Such a decorator named at `span` anywhere but as a callee or a decorator.
pub(crate) fn check_reference(checker: &mut Checker<'_>, span: Span) {
    if !allowed_here(checker, span) {
        report(
            checker,
            span,
            "a decorator that writes attributes may only be applied directly".into(),
        );
    }
}

/// The object a writer changes must be the code's own function, class or lambda.
fn check_target(checker: &mut Checker<'_>, call: &ast::ExprCall, target: Option<&Expr>) {
    let own = match target {
        Some(Expr::Lambda(_)) => true,
        Some(Expr::Name(n)) => {
            let id = normalise(&n.id);
            checker.model.alias(&id).is_none()
                && checker
                    .model
                    .bindings_of(&id)
                    .is_some_and(|bound| bound.iter().all(|b| *b == Bound::Def))
        }
        _ => false,
    };
    if !own {
        let span = target.map_or(span_of(call.range), |t| span_of(t.range()));
        report(
            checker,
            span,
            "this decorator writes attributes onto its argument, which is not the code's own function or class".into(),
        );
    }
}

fn report(checker: &mut Checker<'_>, span: Span, message: String) {
    checker.report(
        &DecoratorOnLibraryObject::RULE,
        span,
        message,
        "apply the decorator with `@` to your own functions and classes",
    );
}
