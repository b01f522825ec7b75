//! The policy, indexed for lookups during one validation.

use std::collections::{HashMap, HashSet};

use crate::rules::io_paths;
use crate::Policy;

/// Attribute entries of one module.
#[derive(Default)]
struct ModuleAttrs<'p> {
    /// Allowed paths (values: attributes past them are ordinary value attributes).
    entries: HashSet<&'p str>,
    /// Proper prefixes of entries: namespaces that are only reachable on the way to an entry.
    namespaces: HashSet<&'p str>,
    /// Paths under which any public name is allowed (`""` for the module itself).
    wildcards: HashSet<&'p str>,
}

/// What an attribute path rooted at a module reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PathVerdict {
    /// Allowed; segments from this index on are attributes of a value.
    Allowed { value_from: usize },
    /// The segment at this index is not allowed.
    Denied { at: usize },
    /// The path stops at a module or namespace (using it as a value is not allowed).
    Namespace,
    /// The policy lists no attributes for this module: every public name is allowed.
    Unrestricted,
}

pub(crate) struct PolicyIndex<'p> {
    imports: HashSet<&'p str>,
    modules: HashMap<&'p str, ModuleAttrs<'p>>,
    blocked: HashSet<&'p str>,
    prefixes: Vec<String>,
}

impl<'p> PolicyIndex<'p> {
    pub(crate) fn new(policy: &'p Policy) -> Self {
        let modules = policy
            .allowed_attributes
            .iter()
            .map(|(module, paths)| {
                let mut attrs = ModuleAttrs::default();
                for path in paths {
                    if let Some(prefix) = path.strip_suffix('*') {
                        let prefix = prefix.trim_end_matches('.');
                        attrs.wildcards.insert(prefix);
                        add_namespaces(&mut attrs.namespaces, prefix, true);
                    } else {
                        attrs.entries.insert(path.as_str());
                        add_namespaces(&mut attrs.namespaces, path, false);
                    }
                }
                (module.as_str(), attrs)
            })
            .collect();
        PolicyIndex {
            imports: policy.allowed_imports.iter().map(String::as_str).collect(),
            modules,
            blocked: policy.blocked_names.iter().map(String::as_str).collect(),
            prefixes: policy
                .writable_path_prefixes
                .iter()
                .filter_map(|p| io_paths::normalise(p))
                .collect(),
        }
    }

    /// Whether `import module` (dotted) is allowed.
    pub(crate) fn import_allowed(&self, module: &str) -> bool {
        self.imports.contains(module)
    }

    /// Whether the policy blocks this name outright.
    pub(crate) fn blocked(&self, name: &str) -> bool {
        !self.blocked.is_empty() && self.blocked.contains(name)
    }

    /// Normalised directories literal paths must stay inside.
    pub(crate) fn path_prefixes(&self) -> &[String] {
        &self.prefixes
    }

    /// Judges the attribute path `segments` (module path first, e.g. `["numpy", "linalg", "inv"]`).
    pub(crate) fn check_path(&self, segments: &[&str]) -> PathVerdict {
        // The longest module key that prefixes the path.
        let mut key_len = 0;
        let mut attrs = None;
        let mut joined = String::new();
        for (i, seg) in segments.iter().enumerate() {
            if i > 0 {
                joined.push('.');
            }
            joined.push_str(seg);
            if let Some(found) = self.modules.get(joined.as_str()) {
                key_len = i + 1;
                attrs = Some(found);
            }
        }
        let Some(attrs) = attrs else {
            return PathVerdict::Unrestricted;
        };
        let mut rel = String::new();
        for (j, seg) in segments[key_len..].iter().enumerate() {
            let public = !seg.starts_with('_');
            if public && attrs.wildcards.contains(rel.as_str()) {
                return PathVerdict::Allowed {
                    value_from: key_len + j + 1,
                };
            }
            if j > 0 {
                rel.push('.');
            }
            rel.push_str(seg);
            if attrs.entries.contains(rel.as_str()) {
                return PathVerdict::Allowed {
                    value_from: key_len + j + 1,
                };
            }
            if !attrs.namespaces.contains(rel.as_str()) {
                return PathVerdict::Denied { at: key_len + j };
            }
        }
        PathVerdict::Namespace
    }
}

fn add_namespaces<'p>(namespaces: &mut HashSet<&'p str>, path: &'p str, include_self: bool) {
    for (i, c) in path.char_indices() {
        if c == '.' {
            namespaces.insert(&path[..i]);
        }
    }
    if include_self && !path.is_empty() {
        namespaces.insert(path);
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_paths_must_be_listed() {
        let policy = Policy::default();
        let index = PolicyIndex::new(&policy);
        assert_eq!(
            index.check_path(&["numpy", "linalg", "inv"]),
            PathVerdict::Allowed { value_from: 3 }
        );
        assert_eq!(
            index.check_path(&["pandas", "DataFrame", "shift"]),
            PathVerdict::Allowed { value_from: 2 }
        );
        assert_eq!(
            index.check_path(&["pandas", "io", "common"]),
            PathVerdict::Denied { at: 1 }
        );
        assert_eq!(
            index.check_path(&["numpy", "random"]),
            PathVerdict::Namespace
        );
        assert_eq!(
            index.check_path(&["numpy", "random", "os"]),
            PathVerdict::Denied { at: 2 }
        );
        assert_eq!(
            index.check_path(&["statistics", "sys"]),
            PathVerdict::Denied { at: 1 }
        );
    }

    #[test]
    fn wildcards_allow_public_names_only() {
        let mut policy = Policy::default();
        policy.allowed_imports.push("mylib".into());
        policy
            .allowed_attributes
            .insert("mylib".into(), vec!["tools.*".into()]);
        let index = PolicyIndex::new(&policy);
        assert_eq!(
            index.check_path(&["mylib", "tools", "rsi"]),
            PathVerdict::Allowed { value_from: 3 }
        );
        assert_eq!(
            index.check_path(&["mylib", "tools", "_os"]),
            PathVerdict::Denied { at: 2 }
        );
        assert_eq!(
            index.check_path(&["mylib", "other"]),
            PathVerdict::Denied { at: 1 }
        );
    }
}
