//! SBX302: private attributes of objects the code did not define.

use crate::checker::{Checker, Deferred};
use crate::names::is_dunder;
use crate::semantic::Owner;
use crate::Span;

declare_rule! {
    /// ## What it does
    /// Rejects single-underscore attributes (`obj._x`) unless the code defined that
    /// attribute itself (`self._cache = ...`, a `_helper` method or class attribute) and
    /// reads it from a method's own `self`/`cls` (not a shadowing parameter of a nested
    /// function or a static method's argument, and not one the method rebinds), `super()`,
    /// one of its own classes or an instance it created from one, or another parameter of
    /// the method that an `isinstance(other, OwnClass)` check on the way vouches for (or
    /// that every call of the method, none of them implicit, fills with such an instance). The public `namedtuple` helpers (`_asdict`, `_replace`, `_fields`,
    /// `_make`, `_field_defaults`) are allowed on anything.
    ///
    /// ## Why is this bad?
    /// Private attributes of modules and library objects are where the dangerous things
    /// live: `random._os`, `license._Printer__filenames`, a DataFrame's `_mgr`, the host
    /// data object's loader. They are not part of any API a strategy needs.
    ///
    /// ## Example
    /// ```python
    /// import random
    /// random._os.system("id")
    /// ```
    ///
    /// Use instead: private state on your own objects is fine.
    /// ```python
    /// class Tracker:
    ///     def __init__(self):
    ///         self._history = []
    /// ```
    pub(crate) struct PrivateAttribute {
        code: "SBX302",
        name: "private-attribute",
        family: "module-leak",
        severity: Error,
        summary: "The code reaches a private attribute it did not define.",
    }
}

const NAMEDTUPLE_API: &[&str] = &["_asdict", "_replace", "_fields", "_make", "_field_defaults"];

/// Handles a private attribute; true when it was one (reported now or after the walk).
pub(crate) fn check(
    checker: &mut Checker<'_>,
    owner: &Owner,
    attr: &str,
    span: Span,
    store: bool,
) -> bool {
    if !attr.starts_with('_') || is_dunder(attr) {
        return false;
    }
    if NAMEDTUPLE_API.contains(&attr) || (store && *owner == Owner::SelfLike) {
        return true;
    }
    checker.deferred.push(Deferred::Private {
        owner: owner.clone(),
        attr: attr.to_string(),
        span,
    });
    true
}

/// After the walk: is this the code's own private attribute on its own object?
pub(crate) fn resolve(checker: &mut Checker<'_>, owner: &Owner, attr: &str, span: Span) {
    let own_object = match owner {
        Owner::SelfLike => true,
        // Another parameter of an own method is usually another instance, but a caller can
        // pass the data object instead: never its module's private names.
        Owner::Peer => !crate::rules::data_object::is_private_global(attr),
        Owner::UncheckedPeer {
            name,
            method,
            index,
        } => {
            let proven = checker.model.peer_proven(method, *index, name)
                && !crate::rules::data_object::is_private_global(attr);
            if checker.model.is_own_attr(attr) && !proven {
                report_unchecked_peer(checker, span, attr, name);
                return;
            }
            proven
        }
        Owner::Super => !checker.model.is_bound_anywhere("super"),
        Owner::Name(name) => {
            checker.model.is_only_own_class(name, false)
                || checker.model.holds_own_instance(name, false)
        }
        Owner::Other => false,
    };
    if own_object && checker.model.is_own_attr(attr) {
        return;
    }
    report(checker, span, attr);
}

/// `other._x` in a method with no `isinstance(other, ...)` check: the caller decides what
/// `other` is.
fn report_unchecked_peer(checker: &mut Checker<'_>, span: Span, attr: &str, name: &str) {
    checker.report(
        &PrivateAttribute::RULE,
        span,
        format!(
            "the private attribute `{attr}` is read from the parameter `{name}`, which a caller may fill with any object"
        ),
        format!(
            "check `isinstance({name}, YourClass)` first (return or raise when it fails), or use a public attribute"
        ),
    );
}

pub(crate) fn report(checker: &mut Checker<'_>, span: Span, attr: &str) {
    checker.report(
        &PrivateAttribute::RULE,
        span,
        format!("the private attribute `{attr}` belongs to an object this code did not define"),
        "use the object's public API; private attributes are only allowed on `self` of your own \
         classes, while the class is not used as a value (keep instances or factory functions \
         in registries) and `self` is not rebound",
    );
}
