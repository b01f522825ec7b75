//! SBX703: assigning `__class__`.

use crate::checker::Checker;
use crate::Span;

declare_rule! {
    /// ## What it does
    /// Rejects assignments to `obj.__class__`.
    ///
    /// ## Why is this bad?
    /// Changing an object's class changes what every method call on it does, for every
    /// holder of a reference, including the host: the `data` object, a returned frame.
    ///
    /// ## Example
    /// ```python
    /// def strategy(data):
    ///     data.__class__ = Fake
    /// ```
    ///
    /// Use instead: wrap the object.
    /// ```python
    /// class Cached:
    ///     def __init__(self, data):
    ///         self.data = data
    /// ```
    pub(crate) struct ClassAssignment {
        code: "SBX703",
        name: "class-assignment",
        family: "host-tampering",
        severity: Error,
        summary: "The code assigns an object's `__class__`.",
    }
}

pub(crate) fn report(checker: &mut Checker<'_>, span: Span) {
    checker.report(
        &ClassAssignment::RULE,
        span,
        "assigning `__class__` is not allowed",
        "wrap the object in a class of your own instead of changing its class",
    );
}
