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
use stockade_runner::cleanup::{LABEL_OWNER_HOST, LABEL_OWNER_PID, LABEL_OWNER_START};

const IMAGE: &str = "stockade-sandbox:latest";

/// Owner labels naming this test process, so that a runner's orphan sweep (any executor
/// started meanwhile, e.g. by `adversarial_honest_run`) sees the probe's long-running
/// container as alive rather than older than an execution may last.
fn owner_labels() -> Vec<String> {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    // Field 22 of /proc/self/stat (start time), counted after the command name's ')'.
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let start = stat
        .rfind(')')
        .and_then(|i| stat[i + 1..].split_whitespace().nth(19))
        .unwrap_or_default()
        .to_string();
    vec![
        "--label".into(),
        format!("{LABEL_OWNER_HOST}={}", host.trim()),
        "--label".into(),
        format!("{LABEL_OWNER_PID}={}", std::process::id()),
        "--label".into(),
        format!("{LABEL_OWNER_START}={start}"),
    ]
}

/// Runs the probe over the whole malicious corpus in one container; file -> report.
fn probe_all() -> BTreeMap<String, Value> {
    ensure_image();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let corpus = corpus();
    let owner = owner_labels();
    let out = output(Command::new("docker").arg("run").args(&owner).args([
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
        "1000:1000",
        "--pids-limit",
        "100",
        "--memory",
        "1g",
        "--workdir",
        "/tmp",
        "--label",
        &format!("io.stockade.created-at={now}"),
        "--label",
        "io.stockade.instance=adversarial-reach",
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
