//! The `data` object: an object with a short attribute allowlist, never a module namespace.
//!
//! `from finlab import data` and the strategy's `data` argument are the same module object,
//! whose namespace also holds what it imported (`os`, `json`, `pd`) and its private state.
//! Its allowlist (`get`, `DataNotFound`) is part of the policy's attribute allowlist for
//! `finlab`; the names below are refused on *any* value, because `data` travels through
//! parameters, containers and aliases where the walk cannot tell it apart.

use crate::rules::module_attributes;
use crate::Span;

/// The dotted path of the data object.
pub(crate) const PATH: &str = "finlab.data";

/// Names the data module holds besides its API: modules it imported, reachable as
/// `data.os`, `data.pd`, `data.json` from any alias of it.
const MODULE_GLOBALS: &[&str] = &["os", "json", "pd"];

/// Whether an attribute of an arbitrary value could be one of the data module's imports.
pub(crate) fn is_module_global(attr: &str) -> bool {
    MODULE_GLOBALS.contains(&attr)
}

/// `value.os`, `value.pd`, `value.json`.
pub(crate) fn report(checker: &mut crate::checker::Checker<'_>, attr: &str, span: Span) {
    module_attributes::report(checker, &format!("data.{attr}"), PATH, span);
}
