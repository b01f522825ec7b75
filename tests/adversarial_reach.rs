//! Every malicious file of the adversarial corpus reaches the target it declares, with no
//! validator at all: the probe (`crates/validator/tests/adversarial/probe.py`) runs each file
//! in a hardened container of the sandbox image (no network, read-only root, tmpfs /tmp,
//! non-root, no capabilities) and reports what the program reached. A file that does not
//! reach its target proves nothing about the validator and must be fixed or deleted.

mod adversarial_common;

use std::collections::BTreeMap;
use std::process::Command;

use adversarial_common::{corpus, ensure_image, malicious, output, sample_data};
use serde_json::Value;

const IMAGE: &str = "stockade-sandbox:latest";

/// Runs the probe over the whole malicious corpus in one container; file -> report.
fn probe_all() -> BTreeMap<String, Value> {
    ensure_image();
    let corpus = corpus();
    // No runner labels: the image carries none either, so no runner's orphan sweep counts
    // the probe's long-running container as its own.
    let out = output(Command::new("docker").arg("run").args([
        "--rm",
        "--network",
        "none",
        "--read-only",
        "--tmpfs",
        "/tmp:rw,noexec,nosuid,size=64m",
        "--cap-drop",
        "ALL",
        "--security-opt",
        "no-new-privileges",
        "--user",
        "65432:65432",
        "--pids-limit",
        "100",
        "--memory",
        "1g",
        "--workdir",
        "/tmp",
        "-v",
        &format!("{}:/corpus:ro", corpus.display()),
        "-v",
        &format!("{}:/data:ro", sample_data().display()),
        IMAGE,
        "python3",
        "-I",
        "/corpus/probe.py",
        "/corpus/malicious",
    ]));
    if !out.status.success() {
        // Reports printed before the end still count; missing files are named by the caller.
        eprintln!(
            "the probe's container ended with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut reports = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let report: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("probe output is not JSON ({e}): {line}"));
        let file = report["file"].as_str().unwrap_or_default();
        let relative = file.trim_start_matches("/corpus/malicious/").to_string();
        reports.insert(relative, report);
    }
    reports
}

#[test]
fn every_malicious_file_reaches_its_declared_target_without_the_validator() {
    let files = malicious();
    let reports = probe_all();
    let mut failures = Vec::new();
    let mut by_target: BTreeMap<&str, usize> = BTreeMap::new();
    for file in &files {
        let name = file.name();
        let Some(report) = reports.get(&name) else {
            failures.push(format!("{name}: no report from the probe"));
            continue;
        };
        let reached: Vec<&str> = report["reached"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if reached.contains(&file.target.as_str()) {
            *by_target.entry(file.target.as_str()).or_default() += 1;
        } else {
            failures.push(format!(
                "{name}: declared {}, reached {reached:?} ({}; error: {})",
                file.target, report["detail"], report["error"]
            ));
        }
    }
    println!("targets proven: {by_target:?}");
    assert!(
        failures.is_empty(),
        "{} of {} malicious files do not reach their target:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
