//! Every container setting that contains untrusted code, in one place.
//!
//! [`container_body`] is the only function that turns the configuration into Docker's
//! `ContainerCreateBody`/`HostConfig`; review changes to it as changes to the security boundary.

use std::collections::HashMap;
use std::path::PathBuf;

use bollard::models::{
    ContainerCreateBody, HostConfig, HostConfigCgroupnsModeEnum, HostConfigLogConfig, Mount,
    MountBindOptions, MountBindOptionsPropagationEnum, MountType, ResourcesUlimits,
};

use super::data::DataSource;
use super::preload::Preload;
use crate::config::{Runtime, SandboxConfig};
use crate::image::Variant;

/// Where market data appears inside the container (read-only).
pub const DATA_MOUNT: &str = "/data";

/// The harness command; the image sets the same, but the runner does not rely on it.
pub const HARNESS_CMD: [&str; 3] = ["python3", "-I", "/opt/stockade/harness.py"];

/// The uid the code runs as: a dedicated id that no host account uses (ordinary accounts
/// start at 1000, `nobody` is 65534). Files it writes to a mount, and the processes
/// `RLIMIT_NPROC` counts, belong to no real user. Below 65536, so Docker's userns-remap
/// (`scripts/setup-engine.sh`) maps it as well.
pub const SANDBOX_UID: u32 = 65432;
/// The gid the code runs as (its own group, as dedicated as the uid).
pub const SANDBOX_GID: u32 = 65432;
/// uid:gid the code runs as.
pub const SANDBOX_USER: &str = "65432:65432";

/// Per-container resource settings (the config's defaults, or a request's overrides).
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerSpec {
    /// Memory limit (and memory+swap limit) in bytes.
    pub memory_bytes: u64,
    /// CPU limit in cores.
    pub cpu_limit: f64,
    /// OCI runtime.
    pub runtime: Runtime,
    /// Which image the container runs (the config names each variant's reference).
    pub image: Variant,
    /// Host directory mounted read-only at `/data` (strategy mode). [`Executor::prepare`]
    /// binds a checked copy of it ([`super::data`]), never the directory itself.
    ///
    /// [`Executor::prepare`]: super::Executor::prepare
    pub data_dir: Option<PathBuf>,
    /// The request id written to the container's labels.
    pub request_id: Option<String>,
    /// What the harness imports before its filters go up.
    pub preload: Preload,
}

/// Paths the sandbox sees as empty (directories) or as `/dev/null` (files). Setting the list
/// replaces Docker's defaults, so they come first; then the terminal devices nothing in the
/// sandbox needs: `/dev/pts` (and with it `/dev/ptmx`, a link into it: no pseudo-terminals)
/// and `/dev/tty`.
pub const MASKED_PATHS: [&str; 14] = [
    "/proc/asound",
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
    "/dev/pts",
    "/dev/ptmx",
    "/dev/tty",
];

/// Open-file limit inside the sandbox (Python with pandas needs a few hundred at most).
const NOFILE: i64 = 1024;
/// RLIMIT_NPROC counts every process of the sandbox uid on the host (all sandboxes share it,
/// no host account does), so it is only a backstop above the per-container `pids_limit`,
/// which is the real cap.
const NPROC: i64 = 4096;

/// CPU seconds above the longest run for the harness's start-up (imports, warm-pool wait).
const CPU_STARTUP_SECS: i64 = 60;

/// RLIMIT_CPU of every container: the longest timeout at the largest CPU limit, plus start-up.
/// The harness lowers it for each request (timeout x cpus); this ceiling holds even for a
/// container whose harness never got that far, and with no runner watching.
fn cpu_seconds_ceiling(config: &SandboxConfig) -> i64 {
    (config.limits.max_timeout.as_secs_f64() * config.limits.max_cpu_limit).ceil() as i64
        + CPU_STARTUP_SECS
}

fn ulimit(name: &str, value: i64) -> ResourcesUlimits {
    ResourcesUlimits {
        name: Some(name.to_string()),
        soft: Some(value),
        hard: Some(value),
    }
}

/// Builds the create request for one sandbox container.
///
/// `seccomp_json` is the profile's contents (Docker expects the JSON itself, not a path);
/// `data` is what is bound at `/data` (the staged copy of `spec.data_dir`).
pub fn container_body(
    config: &SandboxConfig,
    seccomp_json: &str,
    spec: &ContainerSpec,
    data: Option<&DataSource>,
    labels: HashMap<String, String>,
) -> ContainerCreateBody {
    let memory = i64::try_from(spec.memory_bytes).unwrap_or(i64::MAX);
    let mut tmpfs = HashMap::new();
    tmpfs.insert(config.tmpfs.path.clone(), config.tmpfs.mount_options());

    let mounts = data.map(|data| {
        vec![Mount {
            target: Some(DATA_MOUNT.to_string()),
            source: Some(data.path.to_string_lossy().into_owned()),
            typ: Some(MountType::BIND),
            // runc's read-only remount would clear nosuid/nodev/noexec; from a sealed source
            // the bind mount keeps all four flags (read-only included) without it. gVisor
            // does not take mount flags from the host: it is told read-only.
            read_only: Some(!(data.sealed && spec.runtime == Runtime::Runc)),
            // Only the directory itself: nothing mounted below it on the host comes along
            // (submounts would not be read-only).
            bind_options: Some(MountBindOptions {
                propagation: Some(MountBindOptionsPropagationEnum::RPRIVATE),
                non_recursive: Some(true),
                ..Default::default()
            }),
            ..Default::default()
        }]
    });

    let host_config = HostConfig {
        // Filesystem: read-only root, one size-capped noexec/nosuid tmpfs, data read-only.
        readonly_rootfs: Some(config.read_only),
        tmpfs: Some(tmpfs),
        mounts,
        binds: None,
        // Network.
        network_mode: Some(config.network_mode.clone()),
        // Privileges: no capabilities, no setuid gains, syscall filter.
        privileged: Some(false),
        cap_drop: Some(vec!["ALL".to_string()]),
        cap_add: None,
        security_opt: Some(vec![
            "no-new-privileges:true".to_string(),
            format!("seccomp={seccomp_json}"),
        ]),
        // Namespaces: private IPC without /dev/shm (nothing in the sandbox needs it), private
        // cgroup namespace so host cgroup paths are not visible.
        ipc_mode: Some("none".to_string()),
        masked_paths: Some(MASKED_PATHS.iter().map(|p| p.to_string()).collect()),
        cgroupns_mode: Some(HostConfigCgroupnsModeEnum::PRIVATE),
        // The harness is PID 1: signals the code sends to PID 1 are ignored by the kernel and
        // no host binary (docker-init) is mounted in.
        init: Some(false),
        // Resources: memory without swap, CPU quota, process cap, ulimits.
        memory: Some(memory),
        memory_swap: Some(memory),
        memory_swappiness: (spec.runtime == Runtime::Runc).then_some(0),
        oom_kill_disable: Some(false),
        nano_cpus: Some((spec.cpu_limit * 1e9).round() as i64),
        pids_limit: Some(config.pids_limit),
        ulimits: Some(vec![
            ulimit("nofile", NOFILE),
            ulimit("nproc", NPROC),
            ulimit("core", 0),
            ulimit("cpu", cpu_seconds_ceiling(config)),
            ulimit(
                "fsize",
                i64::try_from(config.tmpfs.size_bytes).unwrap_or(i64::MAX),
            ),
        ]),
        // The host's OOM killer picks a sandbox before anything else.
        oom_score_adj: Some(500),
        // Output is captured over the attach stream; a log driver would copy a flood to disk.
        log_config: Some(HostConfigLogConfig {
            typ: Some("none".to_string()),
            config: None,
        }),
        auto_remove: Some(false),
        runtime: Some(spec.runtime.as_str().to_string()),
        ..Default::default()
    };

    let threads = (spec.cpu_limit.ceil() as i64).max(1);
    ContainerCreateBody {
        image: Some(config.image_of(spec.image).to_string()),
        cmd: Some(HARNESS_CMD.iter().map(|s| s.to_string()).collect()),
        entrypoint: Some(Vec::new()),
        user: Some(SANDBOX_USER.to_string()),
        working_dir: Some("/tmp".to_string()),
        hostname: Some("sandbox".to_string()),
        env: Some(vec![
            "PYTHONDONTWRITEBYTECODE=1".to_string(),
            "HOME=/tmp".to_string(),
            format!("OMP_NUM_THREADS={threads}"),
            format!("OPENBLAS_NUM_THREADS={threads}"),
            format!("MKL_NUM_THREADS={threads}"),
            format!("STOCKADE_PRELOAD={}", spec.preload),
        ]),
        // Code arrives over stdin, which closes after the request (stdin_once).
        open_stdin: Some(true),
        stdin_once: Some(true),
        attach_stdin: Some(true),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        tty: Some(false),
        network_disabled: Some(config.network_mode == "none"),
        labels: Some(labels),
        host_config: Some(host_config),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ContainerSpec {
        ContainerSpec {
            memory_bytes: 256 << 20,
            cpu_limit: 0.5,
            runtime: Runtime::Runc,
            image: Variant::Default,
            data_dir: None,
            request_id: None,
            preload: Preload::Plain,
        }
    }

    #[test]
    fn the_container_runs_the_variant_s_image() {
        let config = SandboxConfig::default();
        let body = |image| {
            container_body(
                &config,
                "{}",
                &ContainerSpec { image, ..spec() },
                None,
                HashMap::new(),
            )
            .image
        };
        assert_eq!(
            body(Variant::Default).as_deref(),
            Some("stockade-sandbox:latest")
        );
        assert_eq!(
            body(Variant::Modern).as_deref(),
            Some("stockade-sandbox-modern:latest")
        );
    }

    #[test]
    fn every_hardening_setting_is_present() {
        let body = container_body(
            &SandboxConfig::default(),
            "{}",
            &spec(),
            None,
            HashMap::new(),
        );
        let hc = body.host_config.expect("host config");
        assert_eq!(hc.network_mode.as_deref(), Some("none"));
        assert_eq!(hc.readonly_rootfs, Some(true));
        assert_eq!(hc.privileged, Some(false));
        assert_eq!(hc.cap_drop, Some(vec!["ALL".to_string()]));
        assert!(hc.cap_add.is_none());
        let sec = hc.security_opt.expect("security opts");
        assert!(sec.contains(&"no-new-privileges:true".to_string()));
        assert!(sec.contains(&"seccomp={}".to_string()));
        assert_eq!(hc.memory, Some(256 << 20));
        assert_eq!(hc.memory_swap, hc.memory, "no swap");
        assert_eq!(hc.nano_cpus, Some(500_000_000));
        assert_eq!(hc.pids_limit, Some(100));
        let tmp = hc.tmpfs.expect("tmpfs");
        assert_eq!(tmp["/tmp"], "rw,noexec,nosuid,size=1073741824");
        assert!(hc.mounts.is_none() && hc.binds.is_none(), "no host mounts");
        assert_eq!(hc.ipc_mode.as_deref(), Some("none"));
        let masked = hc.masked_paths.expect("masked paths");
        for path in [
            "/proc/kcore",
            "/sys/firmware",
            "/dev/pts",
            "/dev/ptmx",
            "/dev/tty",
        ] {
            assert!(masked.iter().any(|m| m == path), "{path} masked");
        }
        assert_eq!(hc.runtime.as_deref(), Some("runc"));
        let ulimits = hc.ulimits.expect("ulimits");
        let core = ulimits.iter().find(|u| u.name.as_deref() == Some("core"));
        assert_eq!(core.and_then(|u| u.hard), Some(0));
        let cpu = ulimits.iter().find(|u| u.name.as_deref() == Some("cpu"));
        let limits = &SandboxConfig::default().limits;
        let ceiling = (limits.max_timeout.as_secs_f64() * limits.max_cpu_limit).ceil() as i64;
        assert_eq!(cpu.and_then(|u| u.hard), Some(ceiling + CPU_STARTUP_SECS));
        assert_eq!(hc.log_config.and_then(|l| l.typ).as_deref(), Some("none"));
        assert_eq!(body.user.as_deref(), Some(SANDBOX_USER));
        assert_eq!(body.network_disabled, Some(true));
        assert_eq!(body.stdin_once, Some(true));
    }

    #[test]
    fn the_sandbox_user_is_the_dedicated_id() {
        assert_eq!(SANDBOX_USER, format!("{SANDBOX_UID}:{SANDBOX_GID}"));
        assert!((60_000..65_534).contains(&SANDBOX_UID) && (60_000..65_534).contains(&SANDBOX_GID));
    }

    #[test]
    fn data_dir_is_mounted_read_only() {
        let mut s = spec();
        s.data_dir = Some(PathBuf::from("/srv/market"));
        let copy = |sealed| DataSource {
            path: PathBuf::from("/tmp/stockade-data/ro/0123"),
            sealed,
        };
        for (runtime, sealed, told_read_only) in [
            (Runtime::Runc, false, true),
            // The sealed view is read-only itself, and telling runc would clear noexec.
            (Runtime::Runc, true, false),
            (Runtime::Runsc, false, true),
            (Runtime::Runsc, true, true),
        ] {
            s.runtime = runtime;
            let data = copy(sealed);
            let body = container_body(
                &SandboxConfig::default(),
                "{}",
                &s,
                Some(&data),
                HashMap::new(),
            );
            let hc = body.host_config.expect("host config");
            let mounts = hc.mounts.expect("mounts");
            assert_eq!(mounts.len(), 1);
            assert_eq!(mounts[0].target.as_deref(), Some(DATA_MOUNT));
            assert_eq!(
                mounts[0].source.as_deref(),
                Some("/tmp/stockade-data/ro/0123"),
                "the copy, never the directory"
            );
            assert_eq!(
                mounts[0].read_only,
                Some(told_read_only),
                "{runtime} sealed={sealed}"
            );
            let bind = mounts[0].bind_options.as_ref().expect("bind options");
            assert_eq!(bind.non_recursive, Some(true), "submounts stay out");
            assert_eq!(hc.runtime.as_deref(), Some(runtime.as_str()));
        }
    }
}
