//! Configuration loading: every key, defaults, substitution, overrides and the errors that
//! keep a typo or a weakening setting from slipping through. Fixtures: tests/fixtures/config.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use stockade_runner::config::{Runtime, SandboxConfig};

const MIB: u64 = 1024 * 1024;
const GIB: u64 = 1024 * MIB;

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn load_with(name: &str, env: &[(&str, &str)]) -> Result<SandboxConfig, String> {
    let env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    SandboxConfig::from_yaml_str_with_env(&fixture(name), |k| env.get(k).cloned())
        .map_err(|e| e.to_string())
}

fn load(name: &str) -> Result<SandboxConfig, String> {
    load_with(name, &[])
}

fn error(name: &str) -> String {
    match load(name) {
        Ok(c) => panic!("{name} should be refused, got {c:?}"),
        Err(e) => e,
    }
}

#[test]
fn every_key_is_read() {
    let c = load("full.yaml").expect("valid");
    assert!(c.enabled);
    assert_eq!(c.image, "stockade-sandbox@sha256:0123");
    assert_eq!(c.runtime, Runtime::Runsc);
    assert_eq!(c.memory_bytes, GIB);
    assert_eq!(c.memory_swap_bytes, GIB);
    assert_eq!(c.cpu_limit, 0.25);
    assert_eq!(c.timeout, Duration::from_secs(300));
    assert_eq!(c.network_mode, "none");
    assert!(c.read_only && !c.allow_network);
    assert_eq!(c.pids_limit, 64);
    assert_eq!(c.tmpfs.path, "/tmp");
    assert_eq!(c.tmpfs.size_bytes, 256 * MIB);
    assert_eq!(c.tmpfs.mount_options(), "rw,noexec,nosuid,size=268435456");
    assert_eq!(
        c.seccomp_profile,
        PathBuf::from("config/seccomp_profile.json")
    );
    assert_eq!(c.output_dir, Some(PathBuf::from("sandbox_output")));
    assert!(c.cleanup_on_exit);
    assert_eq!(c.stdout_limit_bytes, 512 * 1024);
    assert_eq!(c.stderr_limit_bytes, 2 * MIB as usize);
    assert_eq!(c.max_result_bytes, 4 * MIB as usize);
    assert_eq!(c.pool_size, 4);
    assert_eq!(c.limits.max_timeout, Duration::from_secs(900));
    assert_eq!(c.limits.max_memory_bytes, 2 * GIB);
    assert_eq!(c.limits.max_cpu_limit, 1.0);
    let m = &c.monitoring;
    assert!(m.runtime_monitor_enabled && !m.export_container_stats);
    assert_eq!(m.runtime_monitor_interval, Duration::from_secs(10));
    assert_eq!(m.alert_on_orphaned_containers, 5);
    assert_eq!(m.prometheus_port, 9100);
    assert_eq!(m.policy.max_cpu_percent, 90.0);
    assert_eq!(m.policy.max_memory_percent, 85.0);
    assert_eq!(m.policy.max_pids, 80);
    assert_eq!(m.policy.fork_bomb_pids, 70);
    assert_eq!(m.policy.cpu_window, Duration::from_secs(20));
    assert_eq!(m.policy.memory_window, Duration::from_secs(5));
    assert_eq!(m.policy.combined_percent, 75.0);
}

#[test]
fn defaults_follow_the_spec() {
    let c = load("empty.yaml").expect("valid");
    assert_eq!(c, SandboxConfig::default());
    assert!(c.enabled && c.read_only && c.cleanup_on_exit);
    assert_eq!(c.memory_bytes, 2 * GIB);
    assert_eq!(c.memory_swap_bytes, c.memory_bytes);
    assert_eq!(c.cpu_limit, 0.5);
    assert_eq!(c.timeout, Duration::from_secs(600));
    assert_eq!(c.network_mode, "none");
    assert_eq!(c.pids_limit, 100);
    assert_eq!(c.tmpfs.size_bytes, GIB);
    assert_eq!(c.tmpfs.options, ["rw", "noexec", "nosuid"]);
    assert_eq!(c.runtime, Runtime::Runc);
    assert_eq!(c.stdout_limit_bytes, MIB as usize);
    assert_eq!(c.stderr_limit_bytes, MIB as usize);
    assert_eq!(c.pool_size, 2);
    assert_eq!(
        c.monitoring.runtime_monitor_interval,
        Duration::from_secs(5)
    );
    assert_eq!(c.monitoring.alert_on_orphaned_containers, 3);
    assert_eq!(c.monitoring.prometheus_port, 8000);
    let p = &c.monitoring.policy;
    assert_eq!(
        (p.max_cpu_percent, p.max_memory_percent, p.combined_percent),
        (95.0, 95.0, 80.0)
    );
    assert_eq!((p.max_pids, p.fork_bomb_pids), (100, 90));
    assert_eq!(
        (p.cpu_window, p.memory_window),
        (Duration::from_secs(15), Duration::from_secs(10))
    );
}

#[test]
fn shipped_config_is_valid_and_safe() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config/docker_config.yaml");
    let c = SandboxConfig::load(&path).expect("config/docker_config.yaml");
    assert_eq!(c.network_mode, "none");
    assert!(c.read_only && !c.allow_network);
    assert!(c.tmpfs.options.iter().any(|o| o == "noexec"));
    assert!(
        c.seccomp_profile.exists(),
        "profile resolved: {}",
        c.seccomp_profile.display()
    );
}

#[test]
fn unknown_keys_are_errors() {
    let e = error("unknown_key.yaml");
    assert!(e.contains("pids_limt"), "{e}");
    let e = error("unknown_section.yaml");
    assert!(e.contains("dokcer"), "{e}");
}

#[test]
fn bad_values_name_key_and_value() {
    assert_eq!(
        error("bad_memory.yaml"),
        r#"docker.memory_limit: "2x" is not a size (use e.g. 512m, 2g)"#
    );
    assert_eq!(
        error("zero_cpu.yaml"),
        "docker.cpu_limit: 0 must be a positive number of cores"
    );
    assert_eq!(
        error("negative_timeout.yaml"),
        "docker.timeout_seconds: -5 must be a positive number of seconds"
    );
    let e = error("bad_runtime.yaml");
    assert!(
        e.starts_with("docker.runtime:") && e.contains("kata"),
        "{e}"
    );
    let e = error("wrong_type.yaml");
    assert_eq!(
        e,
        r#"docker.read_only: invalid type: string "sometimes", expected a boolean"#
    );
}

#[test]
fn tmpfs_must_stay_noexec_and_nosuid() {
    let e = error("tmpfs_exec.yaml");
    assert!(
        e.starts_with("docker.tmpfs.options:") && e.contains("noexec"),
        "{e}"
    );
    let e = error("tmpfs_no_nosuid.yaml");
    assert!(e.contains("nosuid"), "{e}");
    let e = error("tmpfs_suid.yaml");
    assert!(e.contains("\"suid\" would weaken the sandbox"), "{e}");
}

#[test]
fn there_is_no_direct_fallback() {
    let e = error("fallback_true.yaml");
    assert!(e.starts_with("docker.fallback_to_direct:"), "{e}");
    assert!(e.contains("never runs code outside a container"), "{e}");
}

#[test]
fn network_needs_an_explicit_opt_in() {
    let e = error("network_bridge.yaml");
    assert!(e.contains("allow_network"), "{e}");
    let c = load("network_bridge_allowed.yaml").expect("opted in");
    assert_eq!(c.network_mode, "bridge");
    let e = error("network_host.yaml");
    assert!(e.contains("never allowed"), "{e}");
}

#[test]
fn swap_stays_disabled() {
    let e = error("swap.yaml");
    assert!(
        e.starts_with("docker.memory_swap_limit:") && e.contains("swap is disabled"),
        "{e}"
    );
}

#[test]
fn variables_are_substituted() {
    let c = load_with("substitution.yaml", &[("SANDBOX_TIMEOUT", "45")]).expect("valid");
    assert_eq!(c.image, "stockade-sandbox:latest");
    assert_eq!(c.timeout, Duration::from_secs(45));
    assert_eq!(c.memory_bytes, 768 * MIB);
    assert!(c.read_only);
    assert_eq!(
        c.seccomp_profile,
        PathBuf::from("config/seccomp_profile.json")
    );
    let c = load_with(
        "substitution.yaml",
        &[
            ("SANDBOX_TIMEOUT", "45"),
            ("SANDBOX_IMAGE", "mine:1"),
            ("SANDBOX_READ_ONLY", "false"),
        ],
    )
    .expect("valid");
    assert_eq!(c.image, "mine:1");
    assert!(!c.read_only);
    let e = load("substitution.yaml").expect_err("SANDBOX_TIMEOUT unset");
    assert!(
        e.contains("docker.timeout_seconds") && e.contains("SANDBOX_TIMEOUT is not set"),
        "{e}"
    );
}

#[test]
fn environment_overrides_apply() {
    let c = load_with(
        "full.yaml",
        &[
            ("DOCKER_SANDBOX_ENABLED", "false"),
            ("DOCKER_MEMORY_LIMIT", "512m"),
            ("DOCKER_CPU_LIMIT", "1.0"),
            ("DOCKER_TIMEOUT", "120"),
            ("DOCKER_NETWORK_MODE", "none"),
            ("DOCKER_READ_ONLY", "true"),
        ],
    )
    .expect("valid");
    assert!(!c.enabled);
    assert_eq!(c.memory_bytes, 512 * MIB);
    assert_eq!(c.memory_swap_bytes, 512 * MIB, "swap follows the override");
    assert_eq!(c.cpu_limit, 1.0);
    assert_eq!(c.timeout, Duration::from_secs(120));
    let e = load_with("empty.yaml", &[("DOCKER_MEMORY_LIMIT", "lots")]).expect_err("bad");
    assert_eq!(
        e,
        r#"docker.memory_limit: "lots" is not a size (use e.g. 512m, 2g)"#
    );
    let e = load_with("empty.yaml", &[("DOCKER_READ_ONLY", "maybe")]).expect_err("bad");
    assert!(e.starts_with("DOCKER_READ_ONLY:"), "{e}");
    let e = load_with("empty.yaml", &[("DOCKER_NETWORK_MODE", "bridge")]).expect_err("no opt-in");
    assert!(e.contains("allow_network"), "{e}");
    let e = load_with("empty.yaml", &[("DOCKER_TIMEOUT", "-1")]).expect_err("negative");
    assert!(e.starts_with("docker.timeout_seconds: -1"), "{e}");
}

#[test]
fn load_reports_missing_files() {
    let e = SandboxConfig::load("/nonexistent/docker_config.yaml").expect_err("missing");
    assert!(e.to_string().contains("/nonexistent/docker_config.yaml"));
}
