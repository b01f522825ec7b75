//! The operator's policy: what strategy code may import, reach and write.

use std::collections::BTreeMap;

use crate::defaults;

/// What validated code may do. Loaded from YAML or JSON by the operator; the code never changes it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(default, deny_unknown_fields)
)]
pub struct Policy {
    /// Largest source accepted, in bytes.
    pub max_source_bytes: usize,
    /// Deepest nesting accepted: brackets, blocks, `elif` chains, unary operators, `lambda`,
    /// conditional expressions, and operator, call and attribute chains, as estimated by a
    /// lexical pre-scan that runs before the parser. The default keeps the parser and the
    /// checker well inside a 256 KiB thread stack (release builds).
    pub max_nesting_depth: usize,
    /// Modules the code may import. `a.b` allows `import a.b` (which binds `a`).
    pub allowed_imports: Vec<String>,
    /// Attribute paths reachable on each importable module, relative to it (`"linalg.inv"` for
    /// `numpy`). An entry ending in `*` allows any public name at that point. A module with no
    /// entry here allows every public attribute (only sensible for modules the operator adds).
    pub allowed_attributes: BTreeMap<String, Vec<String>>,
    /// Extra names the code may not use at all, as names or attributes (for example a helper
    /// the operator's harness exposes).
    pub blocked_names: Vec<String>,
    /// Directories that literal file paths must normalise under (reading and writing).
    pub writable_path_prefixes: Vec<String>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_source_bytes: 1024 * 1024,
            max_nesting_depth: 100,
            allowed_imports: defaults::IMPORTS.iter().map(|m| m.to_string()).collect(),
            allowed_attributes: defaults::ATTRIBUTES
                .iter()
                .map(|(module, names)| {
                    let names = names.split_whitespace().map(str::to_string).collect();
                    (module.to_string(), names)
                })
                .collect(),
            blocked_names: Vec::new(),
            writable_path_prefixes: defaults::PATH_PREFIXES
                .iter()
                .map(|p| p.to_string())
                .collect(),
        }
    }
}

/// The highest `max_nesting_depth` a policy may set.
pub const MAX_NESTING_DEPTH_LIMIT: usize = 400;

/// A policy file that could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The YAML did not parse or has unknown or mistyped keys.
    #[cfg(feature = "serde")]
    #[error("invalid policy YAML: {0}")]
    Yaml(#[from] serde_yaml::Error),
    /// The JSON did not parse or has unknown or mistyped keys.
    #[cfg(feature = "serde")]
    #[error("invalid policy JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A value is out of range.
    #[error("invalid policy: {0}")]
    Invalid(String),
}

impl Policy {
    /// Parses a policy from YAML (JSON is YAML too, but see [`Policy::from_json`]).
    #[cfg(feature = "serde")]
    pub fn from_yaml(text: &str) -> Result<Policy, PolicyError> {
        let policy: Policy = serde_yaml::from_str(text)?;
        policy.check()?;
        Ok(policy)
    }

    /// Parses a policy from JSON.
    #[cfg(feature = "serde")]
    pub fn from_json(text: &str) -> Result<Policy, PolicyError> {
        let policy: Policy = serde_json::from_str(text)?;
        policy.check()?;
        Ok(policy)
    }

    /// Rejects values that would make the policy unusable or unsafe.
    pub fn check(&self) -> Result<(), PolicyError> {
        if self.max_source_bytes == 0 {
            return Err(PolicyError::Invalid(
                "max_source_bytes must be above 0".into(),
            ));
        }
        if self.max_nesting_depth == 0 {
            return Err(PolicyError::Invalid(
                "max_nesting_depth must be above 0".into(),
            ));
        }
        if self.max_nesting_depth > MAX_NESTING_DEPTH_LIMIT {
            return Err(PolicyError::Invalid(format!(
                "max_nesting_depth must be at most {MAX_NESTING_DEPTH_LIMIT}: deeper trees \
                 risk exhausting the stack of the parser and the checker"
            )));
        }
        for prefix in &self.writable_path_prefixes {
            let normal = crate::rules::io_paths::normalise(prefix);
            if !prefix.starts_with('/') || normal.as_deref() == Some("/") || normal.is_none() {
                return Err(PolicyError::Invalid(format!(
                    "writable path prefix {prefix:?} must be an absolute directory other than /"
                )));
            }
        }
        for module in self.allowed_attributes.keys() {
            if !self.allowed_imports.contains(module) {
                return Err(PolicyError::Invalid(format!(
                    "allowed_attributes names module {module:?}, which is not in allowed_imports"
                )));
            }
        }
        Ok(())
    }
}
