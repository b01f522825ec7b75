//! Embeds the repository's Python sources (validator corpus and fixtures, example strategies)
//! as the fragment pool of the `validate_python` mutator.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const DIRS: [&str; 5] = [
    "../crates/validator/tests/corpus/benign",
    "../crates/validator/tests/corpus/malicious",
    "../crates/validator/tests/fixtures",
    "../crates/validator/tests/variants/benign",
    "../examples/strategies",
];

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in DIRS {
        let dir = root.join(dir);
        println!("cargo:rerun-if-changed={}", dir.display());
        let entries =
            std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.extension().is_some_and(|e| e == "py") {
                files.push(path.canonicalize().expect("canonical path"));
            }
        }
    }
    // Sorted, so a seed replays the same mutation on every machine.
    files.sort();
    let mut out = String::from(
        "/// The embedded Python sources, sorted by path.\npub static SOURCES: &[&[u8]] = &[\n",
    );
    for file in &files {
        writeln!(out, "    include_bytes!({:?}),", file.display().to_string()).expect("write");
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("sources.rs");
    std::fs::write(dest, out).expect("writing sources.rs");
}
