//! SBX704: a method of the code's own class called, or taken, with a foreign object as `self`.

use rustpython_parser::ast::{self, Constant, Expr, Ranged};

use crate::checker::{span_of, Checker};
use crate::names::normalise;
use crate::Span;

declare_rule! {
    /// ## What it does
    /// Rejects calling a method of one of the code's own classes through a class
    /// (`Helper.method(x, ...)`, `cls.method(x)`, `type(self).method(x)`, a subclass, a
    /// name the class was assigned to) unless the first argument is `self` (or `cls`) of the
    /// method making the call, or an instance of the code's own plain classes. Taking such a
    /// method from a class without calling it at once (`Helper.method` passed to `map`,
    /// `partial` or a decorator, stored, `Helper.prop.fget`, `getattr(Helper, "method")`) or
    /// naming it in the class body after its `def` is rejected too: whoever calls the
    /// function then chooses `self`. Static and class methods, `super().method(...)` in an
    /// instance method and `Base.__init__(self, ...)` are fine.
    ///
    /// ## Why is this bad?
    /// Inside a method, `self` is trusted to be the code's own object: it may store
    /// functions on it and reach attributes the class defined. Calling the method through
    /// the class with a library object (`Mixin.install(pd.DataFrame)`, `Loader.setup(data)`)
    /// turns that trust into patching pandas or the `data` object.
    ///
    /// ## Example
    /// ```python
    /// class Filled:
    ///     def wrap(self):
    ///         self.get = lambda name: ...
    /// Filled.wrap(data)
    /// ```
    ///
    /// Use instead: a plain function that takes the object as an argument.
    pub(crate) struct ForeignSelf {
        code: "SBX704",
        name: "foreign-self",
        family: "class-metaclass",
        severity: Error,
        summary: "A method of the code's own class is called with a foreign object as `self`.",
    }
}

/// `Class.method(x, ...)`: a direct call through something that may be an own class.
pub(crate) fn check(checker: &mut Checker<'_>, call: &ast::ExprCall) {
    let Expr::Attribute(func) = &*call.func else {
        return;
    };
    let method = normalise(&func.attr).into_owned();
    if !checker.model.may_be_class(&func.value)
        || !checker.model.is_self_method(&func.value, &method)
    {
        return;
    }
    let trusted = match call.args.first() {
        Some(Expr::Name(n)) => {
            let id = normalise(&n.id);
            (checker.model.is_self_name(&id) && !checker.model.is_class_self())
                || checker.model.is_own_value(&call.args[0])
        }
        Some(other) => checker.model.is_own_value(other),
        None => false,
    };
    if !trusted {
        let span = call
            .args
            .first()
            .map_or(span_of(call.range), |a| span_of(a.range()));
        let class = describe(&func.value);
        checker.report(
            &ForeignSelf::RULE,
            span,
            format!(
                "`{class}.{method}` is called with an object that is not this code's own as `self`"
            ),
            "call the method on your own instance, or write a plain function",
        );
    }
}

/// `Class.method` read without calling it at once (the first attribute of a chain whose
/// base may be an own class).
pub(crate) fn check_reference(checker: &mut Checker<'_>, base: &Expr, method: &str, span: Span) {
    if checker.model.may_be_class(base) && checker.model.is_self_method(base, method) {
        report_reference(checker, &format!("{}.{method}", describe(base)), span);
    }
}

/// `getattr(Class, "method")`: the same as `Class.method`.
pub(crate) fn check_getattr(checker: &mut Checker<'_>, call: &ast::ExprCall) {
    let (Some(base), Some(Expr::Constant(name))) = (call.args.first(), call.args.get(1)) else {
        return;
    };
    if let Constant::Str(method) = &name.value {
        let method = normalise(method);
        checker.model.record_method_reference(&method);
        check_reference(checker, base, &method, span_of(call.range));
    }
}

/// A method's name loaded in its class body after the `def`: the bare function.
pub(crate) fn check_class_body_name(checker: &mut Checker<'_>, name: &str, span: Span) {
    if checker.model.is_class_body_method(name) {
        report_reference(checker, name, span);
    }
}

fn report_reference(checker: &mut Checker<'_>, what: &str, span: Span) {
    checker.report(
        &ForeignSelf::RULE,
        span,
        format!("`{what}` is a method taken without its instance: its caller chooses `self`"),
        "call the method on your own instance (`obj.method(...)`), or write a plain function",
    );
}

/// How a class-valued expression is named in messages.
fn describe(base: &Expr) -> String {
    match base {
        Expr::Name(n) => normalise(&n.id).into_owned(),
        Expr::Call(call) => match &*call.func {
            Expr::Name(n) => format!("{}(...)", normalise(&n.id)),
            _ => "the class".to_string(),
        },
        _ => "the class".to_string(),
    }
}
