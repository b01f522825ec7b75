//! SBX704: a method of the code's own class called with a foreign object as `self`.

use rustpython_parser::ast::{self, Expr, Ranged};

use crate::checker::{span_of, Checker};
use crate::names::normalise;

declare_rule! {
    /// ## What it does
    /// Rejects calling a method of one of the code's own classes through the class
    /// (`Helper.method(x, ...)`) unless the first argument is `self` (or `cls`) of the method
    /// making the call, or an instance of the code's own plain classes. Static and class
    /// methods, `super().method(...)` and `Base.__init__(self, ...)` are fine.
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

pub(crate) fn check(checker: &mut Checker<'_>, call: &ast::ExprCall) {
    let Expr::Attribute(func) = &*call.func else {
        return;
    };
    let Expr::Name(class) = &*func.value else {
        return;
    };
    let class = normalise(&class.id).into_owned();
    if !checker.model.is_own_class(&class) || !checker.model.aliases_of(&class).is_empty() {
        return;
    }
    let method = normalise(&func.attr).into_owned();
    if !checker.model.is_instance_method(&class, &method) {
        return;
    }
    let trusted = match call.args.first() {
        Some(Expr::Name(n)) => {
            let id = normalise(&n.id);
            checker.model.is_self_name(&id) || checker.model.is_own_value(&call.args[0])
        }
        Some(other) => checker.model.is_own_value(other),
        None => false,
    };
    if !trusted {
        let span = call
            .args
            .first()
            .map_or(span_of(call.range), |a| span_of(a.range()));
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
