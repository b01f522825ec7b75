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

/// The data module's private names: its state (the data directory it reads from), loaders and
/// path checks. A method's other parameters are trusted with the class's own private names,
/// but the data object can be passed in their place, so these never are.
const PRIVATE_GLOBALS: &[&str] = &[
    "_MANIFEST",
    "_state",
    "_configure",
    "_data_dir",
    "_manifest",
    "_inside",
    "_resolve",
    "_load",
];

/// Whether a private attribute of a value that may be the data object is one of its module's.
pub(crate) fn is_private_global(attr: &str) -> bool {
    PRIVATE_GLOBALS.contains(&attr)
}

/// Whether an attribute of an arbitrary value could be one of the data module's imports.
pub(crate) fn is_module_global(attr: &str) -> bool {
    MODULE_GLOBALS.contains(&attr)
}

/// `value.os`, `value.pd`, `value.json`.
pub(crate) fn report(checker: &mut crate::checker::Checker<'_>, attr: &str, span: Span) {
    module_attributes::report(checker, &format!("data.{attr}"), PATH, span);
}

#[cfg(test)]
mod tests {
    use super::{MODULE_GLOBALS, PRIVATE_GLOBALS};

    /// The lists above must name every import and private global of the shim the sandbox
    /// image really ships, or a new one would be reachable through the data object.
    #[test]
    fn the_lists_match_the_shipped_data_module() {
        let shim = include_str!("../../../../config/image/python/finlab/data.py");
        for line in shim.lines() {
            let word = line
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .find(|w| !w.is_empty());
            if let Some(rest) = line.strip_prefix("import ") {
                let module = rest.split_whitespace().last().unwrap_or_default();
                assert!(
                    MODULE_GLOBALS.contains(&module),
                    "import {module} not listed"
                );
            } else if let Some(rest) = line.strip_prefix("def ") {
                let name = rest.split('(').next().unwrap_or_default();
                if name.starts_with('_') {
                    assert!(PRIVATE_GLOBALS.contains(&name), "def {name} not listed");
                }
            } else if let Some(name) =
                word.filter(|w| w.starts_with('_') && !w.starts_with("__") && line.starts_with(w))
            {
                if line[name.len()..].trim_start().starts_with('=') {
                    assert!(PRIVATE_GLOBALS.contains(&name), "{name} not listed");
                }
            }
        }
    }
}
