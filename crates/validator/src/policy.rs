//! The operator's policy: what strategy code may import, reach and write.

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
    /// Deepest nesting of brackets, unary operators and blocks accepted.
    pub max_nesting_depth: usize,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_source_bytes: 1024 * 1024,
            max_nesting_depth: 100,
        }
    }
}

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
        Ok(())
    }
}
