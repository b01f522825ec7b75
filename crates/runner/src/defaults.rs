//! The project's default files, built into every binary so that `stockade` works from any
//! directory and after `cargo install`: the repository's `config/` files stay the only source,
//! compiled in here, and files named on the command line or in the configuration override them.
//!
//! ```
//! use std::path::Path;
//! use stockade_runner::config::SandboxConfig;
//! use stockade_runner::defaults::{seccomp_source, SeccompSource, CONFIG_YAML};
//!
//! let config = SandboxConfig::from_yaml_str_with_env(CONFIG_YAML, |_| None).unwrap();
//! // The default profile is the built-in one wherever there is no such file.
//! let source = seccomp_source(Path::new("config/seccomp_profile.json"));
//! assert!(matches!(source, SeccompSource::BuiltIn) || Path::new("config").exists());
//! # let _ = config;
//! ```

use std::path::{Path, PathBuf};

/// Where the default configuration lives in a checkout (and the CLI's working directory).
pub const CONFIG_FILE: &str = "config/docker_config.yaml";

/// The default configuration, `config/docker_config.yaml` as it was at build time.
pub const CONFIG_YAML: &str = include_str!("../../../config/docker_config.yaml");

/// The default seccomp profile's name: the configuration's default `docker.seccomp_profile`.
pub const SECCOMP_PROFILE_FILE: &str = "config/seccomp_profile.json";

/// The default seccomp profile, `config/seccomp_profile.json` as it was at build time.
pub const SECCOMP_PROFILE_JSON: &str = include_str!("../../../config/seccomp_profile.json");

/// Where a configured seccomp profile is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeccompSource {
    /// A file on disk.
    File(PathBuf),
    /// The copy of `config/seccomp_profile.json` built into the binary.
    BuiltIn,
}

/// Resolves a configured profile path: the default name stands for the built-in profile
/// unless a file of that name exists (a checkout, or the user's own copy); any other path is
/// a file, which must exist.
pub fn seccomp_source(path: &Path) -> SeccompSource {
    if path == Path::new(SECCOMP_PROFILE_FILE) && !path.exists() {
        SeccompSource::BuiltIn
    } else {
        SeccompSource::File(path.to_path_buf())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SandboxConfig;

    #[test]
    fn the_built_in_configuration_is_valid_and_names_the_built_in_profile() {
        let config = SandboxConfig::from_yaml_str_with_env(CONFIG_YAML, |_| None)
            .expect("the default configuration is valid");
        assert_eq!(config.seccomp_profile, Path::new(SECCOMP_PROFILE_FILE));
    }

    #[test]
    fn another_path_is_always_a_file() {
        let path = Path::new("/nonexistent/profile.json");
        assert_eq!(
            seccomp_source(path),
            SeccompSource::File(path.to_path_buf())
        );
    }
}
