//! Builds the sandbox harness's native module (`crates/sandbox-native`) with the same cargo,
//! so that `stockade image build` can put it into the image (see `src/image.rs`).
//!
//! The nested build uses its own target directory beside this build's (cargo's lock on that
//! directory is then not the one this build holds), and remaps source paths so the module's
//! bytes, which the image's content hash covers, do not depend on where the checkout is.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const PACKAGE: &str = "stockade-sandbox-native";
const ARTIFACT: &str = "lib_stockade_native.so";
/// The name CPython looks for (`import _stockade_native`, stable ABI).
const MODULE_FILE: &str = "_stockade_native.abi3.so";

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let workspace = manifest_dir
        .parent()
        .and_then(Path::parent)
        .expect("crates/runner sits two levels below the workspace root")
        .to_path_buf();
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    for watched in ["crates/sandbox-native", "Cargo.lock"] {
        println!(
            "cargo:rerun-if-changed={}",
            workspace.join(watched).display()
        );
    }

    // OUT_DIR is <target>/<profile>/build/<pkg>-<hash>/out: share one nested target dir
    // between profiles and check/build runs instead of rebuilding pyo3 for each.
    let target_dir = out_dir
        .ancestors()
        .nth(4)
        .filter(|t| t.join("CACHEDIR.TAG").exists())
        .map(|t| t.join("sandbox-native"))
        .unwrap_or_else(|| out_dir.join("sandbox-native"));
    let cargo_home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    let mut rustflags = vec![format!(
        "--remap-path-prefix={}=/stockade",
        workspace.display()
    )];
    if let Some(home) = cargo_home {
        rustflags.push(format!("--remap-path-prefix={}=/cargo", home.display()));
    }

    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--locked",
            "-p",
            PACKAGE,
            "--manifest-path",
        ])
        .arg(workspace.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir)
        .env("CARGO_ENCODED_RUSTFLAGS", rustflags.join("\u{1f}"))
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .status()
        .expect("run cargo to build the sandbox native module");
    assert!(status.success(), "building {PACKAGE} failed ({status})");
    std::fs::copy(
        target_dir.join("release").join(ARTIFACT),
        out_dir.join(MODULE_FILE),
    )
    .expect("copy the sandbox native module");
}
