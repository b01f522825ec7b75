//! Every honest file of the adversarial corpus runs successfully in the sandbox through the
//! product: `stockade run --json`, with the market sample mounted for strategy-mode files.
//!
//! Three tests: the final form with validation on (an honest file the validator rejects fails
//! it), and the same run with `--no-validate`, so that whether the sandbox runs the honest
//! corpus is shown apart from what the validator of the day thinks of it; then that run again
//! on the `modern` image (numpy 2, pandas 2), where every result must say it ran there.

mod adversarial_common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use adversarial_common::{
    corpus, ensure_image, ensure_modern_image, is_strategy, output, py_files, sample_data, ROOT,
};
use serde_json::Value;

/// Containers at a time: the machine's two cores are shared, and runs queue on the engine.
const PARALLEL: usize = 2;

/// Runs one file through `stockade run --json` on the `image` variant; `Err` says why it did
/// not succeed (or did not run on that image).
fn run(path: &Path, validate: bool, image: &str) -> Result<(), String> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_stockade"));
    // A generous wall-clock limit: on a loaded machine the interpreter's start alone is slow,
    // and this test is about whether the code runs, not how fast.
    cmd.current_dir(ROOT)
        .args(["run", "--json", "--timeout", "300", "--image", image]);
    if !validate {
        cmd.arg("--no-validate");
    }
    if is_strategy(path) {
        cmd.arg("--data").arg(sample_data());
    }
    let out = output(cmd.arg(path));
    let result: Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "no JSON result ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    if result["image_variant"] != image {
        return Err(format!("ran on {} instead", result["image_variant"]));
    }
    if result["success"] == Value::Bool(true) {
        return Ok(());
    }
    let findings: Vec<String> = result["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| format!("{} {}", f["code"], f["message"]))
                .collect()
        })
        .unwrap_or_default();
    Err(format!(
        "{} {} {}{}",
        result["error_type"],
        result["error"],
        result["traceback"].as_str().unwrap_or_default(),
        findings.join("; ")
    ))
}

/// Runs every honest file on the `image` variant; the names and reasons of those that failed.
fn failures(validate: bool, image: &str) -> (usize, Vec<String>) {
    if image == "modern" {
        ensure_modern_image();
    } else {
        ensure_image();
    }
    let files: Vec<PathBuf> = py_files(&corpus().join("honest"));
    assert!(files.len() >= 60, "only {} honest files", files.len());
    let queue = Mutex::new(files.clone());
    let failed = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..PARALLEL {
            scope.spawn(|| loop {
                let next = queue.lock().map(|mut q| q.pop()).unwrap_or(None);
                let Some(path) = next else { break };
                if let Err(why) = run(&path, validate, image) {
                    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
                    if let Ok(mut f) = failed.lock() {
                        f.push(format!("{}: {why}", name.unwrap_or_default()));
                    }
                }
            });
        }
    });
    let mut failed = failed.into_inner().unwrap_or_default();
    failed.sort();
    (files.len(), failed)
}

#[test]
fn honest_files_run_in_the_sandbox_with_validation_off() {
    let (total, failed) = failures(false, "default");
    assert!(
        failed.is_empty(),
        "{} of {total} honest files failed in the sandbox (validation off):\n{}",
        failed.len(),
        failed.join("\n")
    );
}

#[test]
fn honest_files_run_on_the_modern_image_with_validation_off() {
    let (total, failed) = failures(false, "modern");
    assert!(
        failed.is_empty(),
        "{} of {total} honest files failed on the modern image (validation off):\n{}",
        failed.len(),
        failed.join("\n")
    );
}

#[test]
fn honest_files_run_through_the_product_with_validation_on() {
    let (total, failed) = failures(true, "default");
    assert!(
        failed.is_empty(),
        "{} of {total} honest files were rejected or failed (validation on):\n{}",
        failed.len(),
        failed.join("\n")
    );
}
