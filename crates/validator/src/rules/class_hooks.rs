//! SBX701 and SBX702: classes that hook into the interpreter or the host.

use rustpython_parser::ast::{self, Constant, Expr, Ranged};

use crate::checker::{span_of, Checker};
use crate::semantic::Owner;
use crate::Span;

declare_rule! {
    /// ## What it does
    /// Rejects metaclasses: keywords in a class statement (`metaclass=...`, `**kwargs`, and
    /// any keyword other than `total=True/False` for `TypedDict`) and classes derived from
    /// `type`, whose instances are classes built from a name, bases and a namespace dict.
    ///
    /// ## Why is this bad?
    /// A metaclass runs code when the class is created and controls attribute access on
    /// the class itself; other class keywords are passed to the base classes'
    /// `__init_subclass__` hooks.
    ///
    /// ## Example
    /// ```python
    /// class Strategy(metaclass=Loader):
    ///     pass
    /// ```
    ///
    /// Use instead: a plain class or a dataclass.
    /// ```python
    /// from dataclasses import dataclass
    ///
    /// @dataclass
    /// class Strategy:
    ///     window: int = 20
    /// ```
    pub(crate) struct ClassKeyword {
        code: "SBX701",
        name: "class-keyword",
        family: "class-metaclass",
        severity: Error,
        summary: "A class statement uses a metaclass or other class keyword.",
    }
}

declare_rule! {
    /// ## What it does
    /// Allows a class to define only these dunder members: `__init__`, `__post_init__`,
    /// `__repr__`, `__str__`, `__len__`, `__iter__`, `__next__`, `__getitem__`,
    /// `__setitem__`, `__delitem__`, `__contains__`, `__reversed__`, `__enter__`,
    /// `__exit__`, comparisons (`__eq__`, `__ne__`, `__lt__`, `__le__`, `__gt__`, `__ge__`),
    /// `__hash__`, arithmetic (`__add__`, `__sub__`, `__mul__`, `__truediv__`, ..., their
    /// reflected forms, `__neg__`, `__abs__`, `__round__`), `__call__`, `__init_subclass__`,
    /// and the class attributes `__slots__`, `__doc__` and `__match_args__` (a literal tuple
    /// of public attribute names, each checked as an attribute read, since a class pattern
    /// `case C(x)` reads them from the subject). Everything else is rejected: `__del__`,
    /// `__reduce__`, `__reduce_ex__`, `__getstate__`, `__setstate__`, `__getattr__`,
    /// `__getattribute__`, `__setattr__`, `__delattr__`, `__new__`, `__class_getitem__`,
    /// `__set_name__`, and the conversions the host calls on returned objects (`__bool__`,
    /// `__format__`, `__array__`, `__array_ufunc__`, `__float__`, `__index__`, ...). Dunder
    /// functions outside classes (a module-level `__getattr__`) are rejected by SBX301.
    ///
    /// ## Why is this bad?
    /// These hooks run code at moments the strategy does not control: when a subclass is
    /// defined, when an object is garbage-collected, copied or pickled (`copy.copy` calls
    /// `__reduce_ex__`), or when the host compares, hashes, formats or converts the result
    /// the strategy returned.
    ///
    /// ## Example
    /// ```python
    /// class Params:
    ///     def __reduce__(self):
    ///         return (print, ("side effect",))
    /// ```
    ///
    /// Use instead: plain methods the strategy calls itself.
    /// ```python
    /// class Params:
    ///     def __repr__(self):
    ///         return "Params()"
    /// ```
    pub(crate) struct HostCalledDunder {
        code: "SBX702",
        name: "host-called-dunder",
        family: "class-metaclass",
        severity: Error,
        summary: "A class defines a dunder hook that runs outside the strategy's control.",
    }
}

/// Dunder methods a strategy's classes may define (and call on `self`/`super()`).
pub(crate) const DEFINABLE_DUNDERS: &[&str] = &[
    "__init__",
    "__post_init__",
    "__repr__",
    "__str__",
    "__len__",
    "__iter__",
    "__next__",
    "__getitem__",
    "__contains__",
    "__enter__",
    "__exit__",
    "__lt__",
    "__le__",
    "__gt__",
    "__ge__",
    "__add__",
    "__radd__",
    "__sub__",
    "__rsub__",
    "__mul__",
    "__rmul__",
    "__truediv__",
    "__rtruediv__",
    "__neg__",
    "__abs__",
    "__call__",
    // Value objects: the code's own comparisons, hashing and containers. pandas and numpy
    // call these only on objects the strategy put in front of them, as the strategy would.
    "__eq__",
    "__ne__",
    "__hash__",
    "__setitem__",
    "__delitem__",
    "__reversed__",
    "__floordiv__",
    "__rfloordiv__",
    "__mod__",
    "__rmod__",
    "__pow__",
    "__rpow__",
    "__pos__",
    "__invert__",
    "__round__",
    // Runs when the code subclasses its own class; class keywords reach only it.
    "__init_subclass__",
];

/// Dunder class attributes that are plain data.
const CLASS_DATA: &[&str] = &["__slots__", "__doc__", "__match_args__"];

/// A dunder member defined or assigned in a class body.
pub(crate) fn check_class_member(checker: &mut Checker<'_>, name: &str, span: Span) {
    if DEFINABLE_DUNDERS.contains(&name) || CLASS_DATA.contains(&name) {
        return;
    }
    checker.report(
        &HostCalledDunder::RULE,
        span,
        format!("defining `{name}` on a class is not allowed"),
        "use ordinary methods that the strategy calls itself",
    );
}

/// `__match_args__ = ("x", "y")`: a class pattern `case C(a, b)` reads these attributes of
/// the subject, so each must be a literal name that would pass as `subject.name`.
pub(crate) fn check_match_args(checker: &mut Checker<'_>, value: &Expr) {
    let elts = match value {
        Expr::Tuple(t) => &t.elts,
        Expr::List(l) => &l.elts,
        other => {
            checker.report(
                &HostCalledDunder::RULE,
                span_of(other.range()),
                "`__match_args__` must be a literal tuple of attribute names",
                "list the public attribute names a class pattern may read, as string literals",
            );
            return;
        }
    };
    for elt in elts {
        let span = span_of(elt.range());
        match elt {
            Expr::Constant(ast::ExprConstant {
                value: Constant::Str(name),
                ..
            }) if !name.starts_with('_') => {
                let name = crate::names::normalise(name).into_owned();
                checker.check_value_attr(&Owner::Other, &name, span, false);
            }
            _ => checker.report(
                &HostCalledDunder::RULE,
                span,
                "`__match_args__` may only name public attributes, as string literals",
                "list the public attribute names a class pattern may read, as string literals",
            ),
        }
    }
}

/// `class Meta(type)`: a metaclass, which builds classes the way three-argument `type` does.
pub(crate) fn check_class_bases(checker: &mut Checker<'_>, bases: &[Expr]) {
    for base in bases {
        // `class M(type(int))` derives from `type` just the same.
        let base = match base {
            Expr::Call(call) => &*call.func,
            other => other,
        };
        if let Expr::Name(n) = base {
            if crate::names::normalise(&n.id) == "type" {
                checker.report(
                    &ClassKeyword::RULE,
                    span_of(n.range),
                    "deriving from `type` defines a metaclass, which is not allowed",
                    "define a plain class (or a dataclass)",
                );
            }
        }
    }
}

/// `own_bases`: every base is one of the code's own plain classes, so a class keyword other
/// than `metaclass` goes to the code's own `__init_subclass__`.
pub(crate) fn check_class_keywords(
    checker: &mut Checker<'_>,
    keywords: &[ast::Keyword],
    own_bases: bool,
) {
    for keyword in keywords {
        let name = keyword.arg.as_ref().map(|a| a.as_str());
        let allowed = (name == Some("total")
            && matches!(&keyword.value, Expr::Constant(c) if matches!(c.value, Constant::Bool(_))))
            || (own_bases && name.is_some_and(|n| n != "metaclass"));
        if allowed {
            continue;
        }
        let message = match name {
            Some("metaclass") => "a metaclass is not allowed".to_string(),
            Some(other) => format!("the class keyword `{other}` is not allowed"),
            None => "`**` keywords in a class statement are not allowed".to_string(),
        };
        checker.report(
            &ClassKeyword::RULE,
            span_of(keyword.range),
            message,
            "define a plain class (or a dataclass) without class keywords",
        );
    }
}
