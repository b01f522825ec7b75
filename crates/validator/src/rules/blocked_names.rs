//! SBX206: names the operator's policy blocks.

use crate::checker::Checker;
use crate::Span;

declare_rule! {
    /// ## What it does
    /// Rejects any name or attribute listed in the policy's `blocked_names`.
    ///
    /// ## Why is this bad?
    /// Operators know their own environment: a helper their harness exposes, or a library
    /// function they do not want strategies to call. This rule lets them forbid it without
    /// changing the validator. The default policy blocks nothing extra.
    ///
    /// ## Example
    /// With `blocked_names: [submit_order]`:
    /// ```python
    /// submit_order("2330", 1000)
    /// ```
    ///
    /// Use instead: return the signal and let the host act on it.
    /// ```python
    /// def strategy(data):
    ///     return data.get("price:close") > 100
    /// ```
    pub(crate) struct BlockedName {
        code: "SBX206",
        name: "policy-blocked-name",
        family: "policy",
        severity: Error,
        summary: "The code uses a name the policy blocks.",
    }
}

/// Reports a blocked name; true when it was one.
pub(crate) fn check(checker: &mut Checker<'_>, name: &str, span: Span) -> bool {
    if !checker.index.blocked(name) {
        return false;
    }
    checker.report(
        &BlockedName::RULE,
        span,
        format!("`{name}` is blocked by the policy"),
        "ask the operator which API to use instead",
    );
    true
}
