//! Embeds the built editor (`web/dist/`, the output of `scripts/build-web.sh`) in the
//! `stockade` binary, so that `stockade serve` has it from any directory and after
//! `cargo install`. The repository's build output stays the only source: nothing is copied
//! into the tree, the files are included from where the build left them.
//!
//! Without a built editor the binary still builds; it then carries no files and says so
//! (`stockade serve`, `stockade config show`).

use std::env;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let dist = root.join("web").join("dist");
    let mut files = Vec::new();
    if dist.join("index.html").is_file() {
        collect(&dist, &dist, &mut files);
        // Cargo watches a directory's whole tree: a rebuilt editor rebuilds the binary.
        println!("cargo:rerun-if-changed={}", dist.display());
    } else {
        // Watch `web/` itself so that building the editor later is noticed.
        println!("cargo:rerun-if-changed={}", root.join("web").display());
    }
    files.sort();
    let mut out = String::from(
        "/// The built editor's files (path under `web/dist/`, contents); empty when it was not\n\
         /// built before this binary.\n\
         pub static WEB_ASSETS: &[(&str, &[u8])] = &[\n",
    );
    for (name, path) in &files {
        writeln!(out, "    ({name:?}, include_bytes!({path:?})),").expect("write to a String");
    }
    out.push_str("];\n");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    std::fs::write(out_dir.join("web_assets.rs"), out).expect("write web_assets.rs");
}

/// Every regular file under `dir` as (path relative to `base` with `/`, absolute path).
fn collect(base: &Path, dir: &Path, files: &mut Vec<(String, String)>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            collect(base, &path, files);
        } else if path.is_file() {
            let relative = path.strip_prefix(base).expect("under the base directory");
            let name = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let absolute = path
                .to_str()
                .unwrap_or_else(|| panic!("{} is not UTF-8; rename it", path.display()));
            files.push((name, absolute.to_string()));
        }
    }
}
