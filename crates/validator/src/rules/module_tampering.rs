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
    /// `pd.options` may be set. Classes are reached by value too, so any attribute stored on
    /// `type(x)` (`type(frame).shift = ...`, `setattr(type(s), ...)`) is rejected, and so is
    /// storing a function (a `def`, a `lambda`, a `partial`) as an attribute of anything but
    /// the code's own plain classes and their instances: `kind.sum = lambda ...` with
    /// `kind = type(grouped)`, `data.get = cached`. A library class used as a value anywhere
    /// in the program (`install(pd.Series)`, `for k in [pd.Series]`, `k = type(frame)`,
    /// `x.mro()`, a dataclass field's `type` from `dataclasses.fields`, and the few classes
    /// not named with a capital, such as `np.vectorize` or `pd.option_context`) may reach
    /// any variable, so such a program may store attributes
    /// only on its own objects: `k.shift = k.ffill` in `def install(k)` is rejected there.
    /// Calling a class, decorating with it or using it in `with` does not count.
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
/// Whether a stored value is a function: a lambda, a name bound to a `def`, a `partial`, a
/// builtin, anything reached through an import.
fn is_function_value(checker: &Checker<'_>, value: &Expr) -> bool {
    match value {
        Expr::Lambda(_) => true,
        // `cls.cumsum`, `self.hook`: a method of the code's own classes, possibly one defined
        // further down.
        // A library's function or class (`pd.Series.ffill`) stored elsewhere is a patch too.
        Expr::Attribute(a) => {
            checker.model.is_own_method(&normalise(&a.attr))
                || matches!(&*a.value, Expr::Name(n) if checker.model.is_self_name(&normalise(&n.id)))
                || is_library_callable(checker, value)
        }
        Expr::Name(n) => {
            let id = normalise(&n.id);
            checker
                .model
                .bindings_of(&id)
                .is_some_and(|bound| bound.contains(&crate::semantic::Bound::Def))
                || is_library_callable(checker, value)
                || (names::is_builtin(&id) && !checker.model.is_bound_anywhere(&id))
        }
        Expr::Call(call) => checker
            .model
            .resolve_paths(&call.func)
            .iter()
            .any(|p| matches!(p.as_str(), "functools.partial" | "functools.wraps")),
        _ => false,
    }
}

/// Whether `value` reaches something of an import other than a plain value (`pd.NaT`,
/// `re.IGNORECASE`): a module, function or class.
fn is_library_callable(checker: &Checker<'_>, value: &Expr) -> bool {
    checker
        .model
        .resolve_paths(value)
        .iter()
        .any(|path| !names::is_library_value(path))
}

/// Whether an expression is `type(...)` or `x.__class__`: a class reached by value.
fn is_class_of(target: &Expr) -> bool {
    match target {
        Expr::Call(call) => matches!(&*call.func, Expr::Name(n) if normalise(&n.id) == "type"),
        _ => false,
    }
}

/// `target.attr = value`: patching a class reached by value, or installing a function on
/// an object the code does not own.
pub(crate) fn check_store(checker: &mut Checker<'_>, target: &Expr, value: &Expr) {
    let Expr::Attribute(attr) = target else {
        return;
    };
    // Paths rooted at a module and `__class__` assignment have findings of their own.
    if !checker.model.resolve_paths(target).is_empty() || normalise(&attr.attr) == "__class__" {
        return;
    }
    let base = &*attr.value;
    let span = span_of(target.range());
    if is_class_of(base) {
        report_value_store(checker, span, "an attribute of `type(...)`");
    } else if is_function_value(checker, value) && !checker.model.is_own_value(base) {
        report_value_store(
            checker,
            span,
            "a function on an object this code does not own",
        );
    }
}

/// `x.attr = ...`, `del x.attr`, `setattr(x, ...)` on an object the code does not own, in a
/// program that uses a library class as a value: `x` may be that class (a parameter given
/// `pd.Series`, a loop over classes, `type(frame)` kept in a variable), and the store would
/// patch it for everyone.
fn check_object_may_be_class(checker: &mut Checker<'_>, object: &Expr, span: Span) {
    // `type(...)` and builtins have findings of their own.
    let builtin = matches!(object, Expr::Name(n) if names::is_builtin(&normalise(&n.id))
        && !checker.model.definitely_shadowed(&normalise(&n.id)));
    if builtin || is_class_of(object) || checker.model.is_own_value(object) {
        return;
    }
    let Some(class) = checker.model.library_class_value() else {
        return;
    };
    checker.report(
        &ModuleTampering::RULE,
        span,
        format!(
            "this program uses {class} as a value, so the object whose attribute is set here \
             may be a library class, and the store would patch it for every later run"
        ),
        "use library classes only by calling them, reading their attributes or in \
         `isinstance`; or keep the value in a variable or an object of your own",
    );
}

/// An attribute store or deletion: `whole` is `target` in a store or `del` context.
pub(crate) fn check_attribute_write(
    checker: &mut Checker<'_>,
    whole: &Expr,
    target: &ast::ExprAttribute,
) {
    // Paths rooted at a module and `__class__` assignment have findings of their own.
    if checker.model.library_class_value().is_none()
        || normalise(&target.attr) == "__class__"
        || !checker.model.resolve_paths(whole).is_empty()
    {
        return;
    }
    check_object_may_be_class(checker, &target.value, span_of(target.range()));
}

fn report_value_store(checker: &mut Checker<'_>, span: Span, what: &str) {
    checker.report(
        &ModuleTampering::RULE,
        span,
        format!("storing {what} patches a shared class and is not allowed"),
        "keep changes in your own variables, functions and classes",
    );
}

pub(crate) fn check_setattr(checker: &mut Checker<'_>, name: &str, call: &ast::ExprCall) {
    if !matches!(name, "setattr" | "delattr") {
        return;
    }
    let Some(target) = call.args.first() else {
        return;
    };
    let span = span_of(target.range());
    if is_class_of(target) {
        report_value_store(checker, span, "an attribute of `type(...)`");
    } else if let Some(value) = call.args.get(2) {
        if is_function_value(checker, value) && !checker.model.is_own_value(target) {
            report_value_store(
                checker,
                span,
                "a function on an object this code does not own",
            );
        }
    }
    let paths = checker.model.resolve_paths(target);
    let class_assignment = matches!(call.args.get(1), Some(Expr::Constant(c))
        if matches!(&c.value, ast::Constant::Str(s) if s == "__class__"));
    if paths.is_empty() && !class_assignment {
        check_object_may_be_class(checker, target, span);
    }
    for path in &paths {
        check_module_path(checker, path, span);
    }
    if let (true, Expr::Name(n)) = (paths.is_empty(), target) {
        let id = normalise(&n.id);
        if names::is_builtin(&id) && !checker.model.definitely_shadowed(&id) {
            report_builtin(checker, &id, span);
        }
    }
}
