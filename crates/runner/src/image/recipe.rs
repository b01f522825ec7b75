//! The image recipe (`config/image/recipe.yaml`) and the content hash that names an image.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::ImageError;

/// What goes into the sandbox image, parsed from `config/image/recipe.yaml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    /// The Debian root filesystem made by mmdebstrap.
    pub debian: DebianRootfs,
    /// Wheels unpacked into the image's dist-packages.
    #[serde(default)]
    pub wheels: Vec<Wheel>,
    /// Globs of paths removed from the root filesystem (with everything below them).
    #[serde(default)]
    pub prune: Vec<String>,
    /// Globs of paths kept even when a prune glob matches them.
    #[serde(default)]
    pub keep: Vec<String>,
    /// The unprivileged account containers run as.
    pub user: SandboxUser,
}

/// Inputs of the mmdebstrap run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DebianRootfs {
    /// Debian suite, e.g. `bookworm`.
    pub suite: String,
    /// mmdebstrap variant, e.g. `essential`.
    pub variant: String,
    /// apt source lines (`deb URI SUITE COMPONENTS`).
    pub sources: Vec<String>,
    /// Packages installed on top of the variant.
    pub packages: Vec<String>,
}

/// A wheel pinned by file name and SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wheel {
    /// pip requirement used to download it, e.g. `pyarrow==18.1.0`.
    pub requirement: String,
    /// The exact wheel file name pip must produce.
    pub file: String,
    /// Lowercase hex SHA-256 of the wheel file.
    pub sha256: String,
    /// Target Python version for `pip download --python-version`.
    pub python_version: String,
    /// Target platform tag for `pip download --platform`.
    pub platform: String,
}

/// The user entry added to `/etc/passwd` and `/etc/group`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SandboxUser {
    /// Account and group name.
    pub name: String,
    /// User id.
    pub uid: u32,
    /// Group id.
    pub gid: u32,
    /// Home directory.
    pub home: String,
}

impl Recipe {
    /// Parse and check a recipe.
    pub fn from_yaml(text: &str) -> Result<Recipe, ImageError> {
        let recipe: Recipe =
            serde_yaml::from_str(text).map_err(|e| ImageError::Recipe(e.to_string()))?;
        recipe.check()?;
        Ok(recipe)
    }

    fn check(&self) -> Result<(), ImageError> {
        let bad = |what: String| Err(ImageError::Recipe(what));
        if self.debian.packages.is_empty() {
            return bad("debian.packages must not be empty".into());
        }
        let safe_word = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-._:=".contains(c))
        };
        for p in self
            .debian
            .packages
            .iter()
            .chain([&self.debian.suite, &self.debian.variant])
        {
            if !safe_word(p) {
                return bad(format!(
                    "invalid Debian package, suite or variant name {p:?}"
                ));
            }
        }
        for w in &self.wheels {
            if !w.file.ends_with(".whl") || w.file.contains('/') || !safe_word(&w.file) {
                return bad(format!("invalid wheel file name {:?}", w.file));
            }
            if w.sha256.len() != 64 || !w.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                return bad(format!("wheel {}: sha256 must be 64 hex digits", w.file));
            }
        }
        if self.user.uid == 0 || self.user.gid == 0 {
            return bad("the sandbox user must not be root".into());
        }
        // The runner starts containers as its own user; an image made for another would
        // leave files and the passwd entry disagreeing with the process.
        let (uid, gid) = (
            crate::executor::hardening::SANDBOX_UID,
            crate::executor::hardening::SANDBOX_GID,
        );
        if (self.user.uid, self.user.gid) != (uid, gid) {
            return bad(format!(
                "the sandbox user must be {uid}:{gid}, the id the runner runs code as (not {}:{})",
                self.user.uid, self.user.gid
            ));
        }
        if !safe_word(&self.user.name) || !self.user.home.starts_with('/') {
            return bad("invalid sandbox user name or home".into());
        }
        Ok(())
    }

    /// Hash of the inputs that determine the mmdebstrap output (suite, sources, packages,
    /// wheels and the wheel installer), used to name the cached root filesystem tarball.
    pub fn rootfs_key(&self, installer: &[u8]) -> String {
        let debian = serde_json::to_vec(&(&self.debian, &self.wheels)).unwrap_or_default();
        content_hash(&[
            ("rootfs-format", ROOTFS_FORMAT.as_bytes()),
            ("debian", &debian),
            ("install-wheels.py", installer),
        ])
    }
}

/// Bumped when the way the root filesystem is produced changes.
const ROOTFS_FORMAT: &str = "1";

/// SHA-256 (lowercase hex) over named inputs.
///
/// Inputs are sorted by name and each name and content is length-prefixed, so the
/// hash does not depend on the order they are given in, and moving bytes from one
/// input to another (or renaming an input) changes it.
pub fn content_hash(inputs: &[(&str, &[u8])]) -> String {
    let mut sorted: Vec<&(&str, &[u8])> = inputs.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let mut hasher = Sha256::new();
    for (name, content) in sorted {
        hasher.update((name.len() as u64).to_le_bytes());
        hasher.update(name.as_bytes());
        hasher.update((content.len() as u64).to_le_bytes());
        hasher.update(content);
    }
    hex(&hasher.finalize())
}

/// SHA-256 of a byte stream read to its end, as lowercase hex.
pub(crate) fn sha256_reader(mut reader: impl std::io::Read) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECIPE: &str = include_str!("../../../../config/image/recipe.yaml");

    #[test]
    fn shipped_recipe_parses() {
        let recipe = Recipe::from_yaml(RECIPE).expect("recipe.yaml");
        assert!(recipe.debian.packages.iter().any(|p| p == "python3-pandas"));
        assert_eq!(recipe.user.uid, 65432);
        assert!(recipe
            .wheels
            .iter()
            .any(|w| w.requirement.starts_with("pyarrow==")));
    }

    #[test]
    fn hash_is_stable_and_order_independent() {
        let a = content_hash(&[("a", b"one"), ("b", b"two")]);
        let b = content_hash(&[("b", b"two"), ("a", b"one")]);
        assert_eq!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(a, content_hash(&[("a", b"one"), ("b", b"two")]));
    }

    #[test]
    fn hash_changes_with_any_input() {
        let base = content_hash(&[("a", b"one"), ("b", b"two")]);
        assert_ne!(base, content_hash(&[("a", b"one"), ("b", b"two!")]));
        assert_ne!(base, content_hash(&[("a", b"one"), ("c", b"two")]));
        assert_ne!(base, content_hash(&[("a", b"one")]));
        // Bytes moved across the boundary between name and content, or between inputs.
        assert_ne!(content_hash(&[("ab", b"c")]), content_hash(&[("a", b"bc")]));
        assert_ne!(
            content_hash(&[("a", b"xy"), ("b", b"z")]),
            content_hash(&[("a", b"x"), ("b", b"yz")])
        );
    }

    #[test]
    fn known_vector() {
        // sha256 of the framing for a single empty input named "" (16 zero bytes).
        assert_eq!(
            content_hash(&[("", b"")]),
            "374708fff7719dd5979ec875d56cd2286f6d3cf7ec317a3b25632aab28ec37bb"
        );
    }

    #[test]
    fn rootfs_key_ignores_prune_but_not_packages() {
        let recipe = Recipe::from_yaml(RECIPE).expect("recipe");
        let key = recipe.rootfs_key(b"installer");
        let mut pruned = recipe.clone();
        pruned.prune.push("usr/share/zoneinfo".into());
        assert_eq!(key, pruned.rootfs_key(b"installer"));
        let mut more = recipe.clone();
        more.debian.packages.push("python3-scipy".into());
        assert_ne!(key, more.rootfs_key(b"installer"));
        assert_ne!(key, recipe.rootfs_key(b"installer v2"));
    }

    #[test]
    fn rejects_unsafe_recipes() {
        let root = RECIPE.replace("uid: 65432", "uid: 0");
        assert!(matches!(
            Recipe::from_yaml(&root),
            Err(ImageError::Recipe(_))
        ));
        // A host account's id.
        let shared = RECIPE.replace("uid: 65432", "uid: 1000");
        assert!(matches!(
            Recipe::from_yaml(&shared),
            Err(ImageError::Recipe(m)) if m.contains("must be 65432:65432")
        ));
        let injected = RECIPE.replace("- tzdata", "- \"tzdata; rm -rf /\"");
        assert!(matches!(
            Recipe::from_yaml(&injected),
            Err(ImageError::Recipe(_))
        ));
        let bad_hash = RECIPE.replace(
            "e31e9417ba9c42627574bdbfeada7217ad8a4cbbe45b9d6bdd4b62abbca4c6f6",
            "nothex",
        );
        assert!(matches!(
            Recipe::from_yaml(&bad_hash),
            Err(ImageError::Recipe(_))
        ));
        let unknown = format!("{RECIPE}\nextra: 1\n");
        assert!(matches!(
            Recipe::from_yaml(&unknown),
            Err(ImageError::Recipe(_))
        ));
    }
}
