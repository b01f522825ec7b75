//! The adversarial corpus (`crates/validator/tests/adversarial/`) as the end-to-end tests see
//! it: malicious files by class with their declared target, honest files with their mode.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

/// Repository root (the tests' working directory is the package root).
pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The corpus directory.
pub fn corpus() -> PathBuf {
    Path::new(ROOT).join("crates/validator/tests/adversarial")
}

/// The market data strategy-mode files get, mounted read-only at /data.
pub fn sample_data() -> PathBuf {
    Path::new(ROOT).join("config/datasets/sample")
}

/// `.py` files directly in `dir`, sorted.
pub fn py_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    out.sort();
    out
}

/// A malicious file and the target its first line declares.
pub struct Malicious {
    pub path: PathBuf,
    pub class: String,
    pub target: String,
}

impl Malicious {
    /// `class/file.py`, how failures name the file.
    pub fn name(&self) -> String {
        let file = self.path.file_name().map(|n| n.to_string_lossy());
        format!("{}/{}", self.class, file.unwrap_or_default())
    }
}

/// Every malicious file, by class directory.
pub fn malicious() -> Vec<Malicious> {
    let root = corpus().join("malicious");
    let mut classes: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("malicious corpus")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_dir())
        .collect();
    classes.sort();
    let mut out = Vec::new();
    for dir in classes {
        let class = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for path in py_files(&dir) {
            let text = std::fs::read_to_string(&path).expect("corpus file");
            let first = text.lines().next().unwrap_or_default();
            let target = header_field(first, "target:")
                .unwrap_or_else(|| panic!("{}: no target on line 1", path.display()));
            out.push(Malicious {
                path,
                class: class.clone(),
                target,
            });
        }
    }
    out
}

/// The value after `key` on a header line (`# expect: reject  class: c  target: t`).
pub fn header_field(line: &str, key: &str) -> Option<String> {
    let rest = &line[line.find(key)? + key.len()..];
    rest.split_whitespace().next().map(str::to_string)
}

/// Whether a file defines `strategy(data)` at top level (strategy mode) or sets `signal`.
pub fn is_strategy(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .expect("corpus file")
        .lines()
        .any(|l| l.starts_with("def strategy("))
}

/// Builds (or finds) the default sandbox image once per test binary.
pub fn ensure_image() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| build_image("default"));
}

/// Builds (or finds) the `modern` sandbox image once per test binary.
pub fn ensure_modern_image() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| build_image("modern"));
}

fn build_image(variant: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_stockade"))
        .args(["image", "build", "--variant", variant])
        .current_dir(ROOT)
        .output()
        .expect("run stockade image build");
    assert!(
        out.status.success(),
        "stockade image build --variant {variant} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs a command to completion with stdin closed.
pub fn output(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("run command")
}
