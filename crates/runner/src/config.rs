//! The sandbox configuration: `config/docker_config.yaml`, environment substitution and
//! overrides, and validation into typed settings with units in their names.
//!
//! Loading is strict on purpose. Unknown keys are errors (a misspelt `pids_limt` must not
//! silently leave the default in place), every bad value is reported with its key, and
//! settings that would weaken the sandbox need an explicit opt-in.
//!
//! ```
//! use stockade_runner::config::{Runtime, SandboxConfig};
//!
//! let config = SandboxConfig::from_yaml_str_with_env(
//!     "docker:\n  memory_limit: 512m\n  timeout_seconds: ${T:-30}\n",
//!     |_| None,
//! )
//! .unwrap();
//! assert_eq!(config.memory_bytes, 512 * 1024 * 1024);
//! assert_eq!(config.timeout.as_secs(), 30);
//! assert_eq!(config.runtime, Runtime::Runc);
//! ```

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_yaml::Value;

use crate::error::ConfigError;
use crate::image::Variant;

/// The OCI runtime a container runs under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Runtime {
    /// Docker's default runtime.
    #[default]
    Runc,
    /// gVisor: a user-space kernel between the code and the host kernel.
    Runsc,
}

impl Runtime {
    /// The runtime's name as Docker knows it.
    pub fn as_str(self) -> &'static str {
        match self {
            Runtime::Runc => "runc",
            Runtime::Runsc => "runsc",
        }
    }
}

impl fmt::Display for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Runtime {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "runc" => Ok(Runtime::Runc),
            "runsc" | "gvisor" => Ok(Runtime::Runsc),
            other => Err(format!("unknown runtime {other:?} (use runc or runsc)")),
        }
    }
}

/// The writable scratch space mounted in an otherwise read-only container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TmpfsConfig {
    /// Mount point inside the container.
    pub path: String,
    /// Size cap of the tmpfs, in bytes.
    pub size_bytes: u64,
    /// Mount options without `size` (always containing `noexec` and `nosuid`).
    pub options: Vec<String>,
}

impl TmpfsConfig {
    /// The option string Docker expects, size included.
    pub fn mount_options(&self) -> String {
        let mut opts = self.options.clone();
        opts.push(format!("size={}", self.size_bytes));
        opts.join(",")
    }
}

/// Thresholds of the runtime monitor's kill policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonitorPolicy {
    /// CPU use (percent of the container's quota) that counts as a spike.
    pub max_cpu_percent: f64,
    /// Memory use (percent of the limit) that counts as a spike.
    pub max_memory_percent: f64,
    /// Process count at which the container is killed.
    pub max_pids: u64,
    /// Process count treated as a fork bomb.
    pub fork_bomb_pids: u64,
    /// How long a CPU spike must last before the container is killed.
    pub cpu_window: Duration,
    /// How long a memory spike must last before the container is killed.
    pub memory_window: Duration,
    /// CPU and memory both above this percentage count as a combined anomaly.
    pub combined_percent: f64,
}

/// Monitoring and metrics settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonitoringConfig {
    /// Whether the runtime monitor watches running containers.
    pub runtime_monitor_enabled: bool,
    /// How often the monitor samples a container.
    pub runtime_monitor_interval: Duration,
    /// Whether per-container resource metrics are exported.
    pub export_container_stats: bool,
    /// Orphan count at which an alert fires.
    pub alert_on_orphaned_containers: u32,
    /// Port of the Prometheus metrics endpoint.
    pub prometheus_port: u16,
    /// The monitor's kill thresholds.
    pub policy: MonitorPolicy,
}

/// Upper bounds for per-request overrides (HTTP API, CLI flags).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServerLimits {
    /// Largest timeout a request may ask for.
    pub max_timeout: Duration,
    /// Largest memory limit a request may ask for, in bytes.
    pub max_memory_bytes: u64,
    /// Largest CPU limit a request may ask for, in cores.
    pub max_cpu_limit: f64,
}

/// The validated sandbox configuration. Build it with [`SandboxConfig::load`],
/// [`SandboxConfig::from_yaml_str`] or start from [`SandboxConfig::default`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SandboxConfig {
    /// Whether the sandbox may run code at all. There is no unsandboxed mode: `false` refuses.
    pub enabled: bool,
    /// The `default` variant's sandbox image (name or id).
    pub image: String,
    /// The `modern` variant's sandbox image (name or id).
    pub modern_image: String,
    /// The image variant a request runs on when it does not choose one.
    pub image_variant: Variant,
    /// Image variants a request may choose. Empty: only `image_variant`. See
    /// [`SandboxConfig::allowed_images`].
    pub allowed_images: Vec<Variant>,
    /// The default OCI runtime.
    pub runtime: Runtime,
    /// Runtimes a request may choose. Empty: only `runtime`, so that a request cannot step
    /// down from gVisor to runc. See [`SandboxConfig::allowed_runtimes`].
    pub allowed_runtimes: Vec<Runtime>,
    /// Memory limit in bytes.
    pub memory_bytes: u64,
    /// Memory plus swap in bytes; always equal to `memory_bytes` (no swap).
    pub memory_swap_bytes: u64,
    /// CPU limit in cores.
    pub cpu_limit: f64,
    /// Wall-clock limit of one execution.
    pub timeout: Duration,
    /// Docker network mode (`none` unless `allow_network` was set).
    pub network_mode: String,
    /// Explicit opt-in to any network mode other than `none`.
    pub allow_network: bool,
    /// Read-only root filesystem.
    pub read_only: bool,
    /// Maximum number of processes and threads in the container.
    pub pids_limit: i64,
    /// The writable tmpfs.
    pub tmpfs: TmpfsConfig,
    /// Seccomp profile applied to the container (a JSON file; the default name stands for the
    /// built-in profile where no such file exists, see [`crate::defaults::seccomp_source`]).
    pub seccomp_profile: PathBuf,
    /// Where the CLI may write results; `None` keeps them in memory only.
    pub output_dir: Option<PathBuf>,
    /// Remove containers when an execution ends.
    pub cleanup_on_exit: bool,
    /// Bytes of stdout kept per execution.
    pub stdout_limit_bytes: usize,
    /// Bytes of stderr kept per execution.
    pub stderr_limit_bytes: usize,
    /// Largest encoded result the harness may return.
    pub max_result_bytes: usize,
    /// Warm containers kept ready.
    pub pool_size: usize,
    /// Bounds for per-request overrides.
    pub limits: ServerLimits,
    /// Monitoring settings.
    pub monitoring: MonitoringConfig,
}

const MIB: u64 = 1024 * 1024;
const GIB: u64 = 1024 * MIB;

/// The image `stockade image build` produces.
pub const DEFAULT_IMAGE: &str = "stockade-sandbox:latest";
/// The image `stockade image build --variant modern` produces.
pub const MODERN_IMAGE: &str = "stockade-sandbox-modern:latest";

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            enabled: true,
            image: DEFAULT_IMAGE.to_string(),
            modern_image: MODERN_IMAGE.to_string(),
            image_variant: Variant::Default,
            allowed_images: Vec::new(),
            runtime: Runtime::Runc,
            allowed_runtimes: Vec::new(),
            memory_bytes: 2 * GIB,
            memory_swap_bytes: 2 * GIB,
            cpu_limit: 0.5,
            timeout: Duration::from_secs(600),
            network_mode: "none".to_string(),
            allow_network: false,
            read_only: true,
            pids_limit: 100,
            tmpfs: TmpfsConfig {
                path: "/tmp".to_string(),
                size_bytes: GIB,
                options: vec!["rw".into(), "noexec".into(), "nosuid".into()],
            },
            seccomp_profile: PathBuf::from("config/seccomp_profile.json"),
            output_dir: None,
            cleanup_on_exit: true,
            stdout_limit_bytes: MIB as usize,
            stderr_limit_bytes: MIB as usize,
            max_result_bytes: 8 * MIB as usize,
            pool_size: 2,
            limits: ServerLimits {
                max_timeout: Duration::from_secs(600),
                max_memory_bytes: 4 * GIB,
                max_cpu_limit: 2.0,
            },
            monitoring: MonitoringConfig {
                runtime_monitor_enabled: true,
                runtime_monitor_interval: Duration::from_secs(5),
                export_container_stats: true,
                alert_on_orphaned_containers: 3,
                prometheus_port: 8000,
                policy: MonitorPolicy {
                    max_cpu_percent: 95.0,
                    max_memory_percent: 95.0,
                    max_pids: 100,
                    fork_bomb_pids: 90,
                    cpu_window: Duration::from_secs(15),
                    memory_window: Duration::from_secs(10),
                    combined_percent: 80.0,
                },
            },
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The file format. Every struct denies unknown keys; every field is optional so that a file
// only states what it changes. Values stay loosely typed here (sizes may be strings or
// numbers) so that validation can name the key and the value in its message.

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    docker: Option<FileDocker>,
    monitoring: Option<FileMonitoring>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDocker {
    enabled: Option<bool>,
    image: Option<String>,
    modern_image: Option<String>,
    image_variant: Option<String>,
    allowed_images: Option<Value>,
    runtime: Option<String>,
    allowed_runtimes: Option<Value>,
    memory_limit: Option<Value>,
    memory_swap_limit: Option<Value>,
    cpu_limit: Option<Value>,
    timeout_seconds: Option<Value>,
    network_mode: Option<String>,
    allow_network: Option<bool>,
    read_only: Option<bool>,
    pids_limit: Option<Value>,
    tmpfs: Option<FileTmpfs>,
    seccomp_profile: Option<String>,
    output_dir: Option<String>,
    cleanup_on_exit: Option<bool>,
    runtime_monitor_enabled: Option<bool>,
    runtime_monitor_interval: Option<Value>,
    fallback_to_direct: Option<bool>,
    stdout_limit: Option<Value>,
    stderr_limit: Option<Value>,
    max_result_bytes: Option<Value>,
    pool_size: Option<Value>,
    limits: Option<FileLimits>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileTmpfs {
    path: Option<String>,
    size: Option<Value>,
    options: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLimits {
    max_timeout_seconds: Option<Value>,
    max_memory_limit: Option<Value>,
    max_cpu_limit: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileMonitoring {
    export_container_stats: Option<bool>,
    alert_on_orphaned_containers: Option<Value>,
    prometheus_port: Option<Value>,
    policy: Option<FilePolicy>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FilePolicy {
    max_cpu_percent: Option<Value>,
    max_memory_percent: Option<Value>,
    max_pids: Option<Value>,
    fork_bomb_pids: Option<Value>,
    cpu_window_seconds: Option<Value>,
    memory_window_seconds: Option<Value>,
    combined_percent: Option<Value>,
}

impl SandboxConfig {
    /// Reads and validates a YAML file, with `${VAR}` substitution and the `DOCKER_*`
    /// environment overrides. A relative `seccomp_profile` is resolved against the working
    /// directory, then against the file's directory and its parent.
    pub fn load(path: impl AsRef<Path>) -> Result<SandboxConfig, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut config = Self::from_yaml_str(&text)?;
        config.resolve_seccomp_path(path.parent());
        Ok(config)
    }

    /// Parses and validates YAML text using the process environment.
    pub fn from_yaml_str(text: &str) -> Result<SandboxConfig, ConfigError> {
        Self::from_yaml_str_with_env(text, |name| std::env::var(name).ok())
    }

    /// Parses and validates YAML text, looking variables up with `env` (for substitution and
    /// the `DOCKER_*` overrides). Tests pass a closure instead of touching the process.
    pub fn from_yaml_str_with_env(
        text: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<SandboxConfig, ConfigError> {
        let mut value: Value = if text.trim().is_empty() {
            Value::Mapping(Default::default())
        } else {
            serde_yaml::from_str(text).map_err(|e| ConfigError::Syntax(e.to_string()))?
        };
        if value.is_null() {
            value = Value::Mapping(Default::default());
        }
        substitute(&mut value, "", &env)?;
        let mut file: FileConfig = serde_path_to_error::deserialize(value).map_err(|e| {
            // Name where it went wrong: "docker: unknown field `pids_limt`, expected ...".
            let path = e.path().to_string();
            let inner = e.into_inner();
            ConfigError::Schema(if path == "." {
                inner.to_string()
            } else {
                format!("{path}: {inner}")
            })
        })?;
        apply_env_overrides(&mut file, &env)?;
        let config = build(file)?;
        config.validate()?;
        Ok(config)
    }

    /// Checks invariants that must hold however the config was made (also for configs built in
    /// code). Called by the loaders and by `Executor::connect`.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key: &str, message: String| ConfigError::Invalid {
            key: key.to_string(),
            message,
        };
        if self.image.trim().is_empty() {
            return Err(invalid("docker.image", "must not be empty".into()));
        }
        if self.modern_image.trim().is_empty() {
            return Err(invalid("docker.modern_image", "must not be empty".into()));
        }
        if !self.allowed_images.is_empty() && !self.allowed_images.contains(&self.image_variant) {
            return Err(invalid(
                "docker.allowed_images",
                format!(
                    "{} must include the default image variant ({})",
                    join_names(&self.allowed_images),
                    self.image_variant
                ),
            ));
        }
        if self.memory_bytes < 16 * MIB {
            return Err(invalid(
                "docker.memory_limit",
                format!(
                    "{} is below the 16m minimum Python needs",
                    human_bytes(self.memory_bytes)
                ),
            ));
        }
        if self.memory_swap_bytes != self.memory_bytes {
            return Err(invalid(
                "docker.memory_swap_limit",
                format!(
                    "{} must equal memory_limit ({}): swap is disabled in the sandbox",
                    human_bytes(self.memory_swap_bytes),
                    human_bytes(self.memory_bytes)
                ),
            ));
        }
        if !(self.cpu_limit.is_finite() && self.cpu_limit > 0.0) {
            return Err(invalid(
                "docker.cpu_limit",
                format!("{} must be a positive number of cores", self.cpu_limit),
            ));
        }
        if self.timeout.is_zero() {
            return Err(invalid(
                "docker.timeout_seconds",
                "0 must be a positive number of seconds".into(),
            ));
        }
        match self.network_mode.as_str() {
            "none" => {}
            "host" => {
                return Err(invalid(
                    "docker.network_mode",
                    "\"host\" shares the host's network stack and is never allowed".into(),
                ))
            }
            mode if mode.starts_with("container:") => {
                return Err(invalid(
                    "docker.network_mode",
                    format!("{mode:?} joins another container's network and is never allowed"),
                ))
            }
            mode if !self.allow_network => {
                return Err(invalid(
                    "docker.network_mode",
                    format!("{mode:?} gives untrusted code a network; set docker.allow_network: true to accept that"),
                ))
            }
            _ => {}
        }
        if self.pids_limit < 8 {
            return Err(invalid(
                "docker.pids_limit",
                format!(
                    "{} must be at least 8 (Python and its libraries start threads)",
                    self.pids_limit
                ),
            ));
        }
        if !self.allowed_runtimes.is_empty() && !self.allowed_runtimes.contains(&self.runtime) {
            return Err(invalid(
                "docker.allowed_runtimes",
                format!(
                    "{} must include the default runtime ({})",
                    join_names(&self.allowed_runtimes),
                    self.runtime
                ),
            ));
        }
        check_tmpfs(&self.tmpfs)?;
        if self.seccomp_profile.as_os_str().is_empty() {
            return Err(invalid(
                "docker.seccomp_profile",
                "must name a JSON profile; running unconfined is not supported".into(),
            ));
        }
        for (key, value) in [
            ("docker.stdout_limit", self.stdout_limit_bytes),
            ("docker.stderr_limit", self.stderr_limit_bytes),
            ("docker.max_result_bytes", self.max_result_bytes),
        ] {
            if value < 1024 {
                return Err(invalid(
                    key,
                    format!("{value} bytes is below the 1k minimum"),
                ));
            }
        }
        if self.pool_size > 64 {
            return Err(invalid(
                "docker.pool_size",
                format!("{} is above the maximum of 64", self.pool_size),
            ));
        }
        if self.limits.max_timeout < self.timeout {
            return Err(invalid(
                "docker.limits.max_timeout_seconds",
                format!(
                    "{}s is below timeout_seconds ({}s)",
                    self.limits.max_timeout.as_secs_f64(),
                    self.timeout.as_secs_f64()
                ),
            ));
        }
        if self.limits.max_memory_bytes < self.memory_bytes {
            return Err(invalid(
                "docker.limits.max_memory_limit",
                format!(
                    "{} is below memory_limit ({})",
                    human_bytes(self.limits.max_memory_bytes),
                    human_bytes(self.memory_bytes)
                ),
            ));
        }
        if !(self.limits.max_cpu_limit.is_finite() && self.limits.max_cpu_limit >= self.cpu_limit) {
            return Err(invalid(
                "docker.limits.max_cpu_limit",
                format!(
                    "{} is below cpu_limit ({})",
                    self.limits.max_cpu_limit, self.cpu_limit
                ),
            ));
        }
        let m = &self.monitoring;
        if m.runtime_monitor_interval.is_zero() {
            return Err(invalid(
                "docker.runtime_monitor_interval",
                "0 must be a positive number of seconds".into(),
            ));
        }
        let p = &m.policy;
        for (key, value) in [
            ("monitoring.policy.max_cpu_percent", p.max_cpu_percent),
            ("monitoring.policy.max_memory_percent", p.max_memory_percent),
            ("monitoring.policy.combined_percent", p.combined_percent),
        ] {
            if !(value.is_finite() && value > 0.0 && value <= 100.0) {
                return Err(invalid(key, format!("{value} must be in (0, 100]")));
            }
        }
        if p.fork_bomb_pids == 0 || p.fork_bomb_pids > p.max_pids {
            return Err(invalid(
                "monitoring.policy.fork_bomb_pids",
                format!(
                    "{} must be between 1 and max_pids ({})",
                    p.fork_bomb_pids, p.max_pids
                ),
            ));
        }
        if !self.enabled {
            tracing::warn!("docker.enabled is false: executions will be refused (there is no unsandboxed mode)");
        }
        if self.allow_network && self.network_mode != "none" {
            tracing::warn!(
                network_mode = %self.network_mode,
                "SANDBOX NETWORK ENABLED: untrusted code can reach the network (docker.allow_network: true)"
            );
        }
        if !self.read_only {
            tracing::warn!("docker.read_only is false: untrusted code can write to the container's root filesystem");
        }
        Ok(())
    }

    /// The runtimes a request may choose: `allowed_runtimes`, or the default runtime alone
    /// when that list is empty.
    pub fn allowed_runtimes(&self) -> Vec<Runtime> {
        if self.allowed_runtimes.is_empty() {
            vec![self.runtime]
        } else {
            self.allowed_runtimes.clone()
        }
    }

    /// The image variants a request may choose: `allowed_images`, or the default variant
    /// alone when that list is empty.
    pub fn allowed_images(&self) -> Vec<Variant> {
        if self.allowed_images.is_empty() {
            vec![self.image_variant]
        } else {
            self.allowed_images.clone()
        }
    }

    /// The configured image (name or id) of a variant.
    pub fn image_of(&self, variant: Variant) -> &str {
        match variant {
            Variant::Default => &self.image,
            Variant::Modern => &self.modern_image,
        }
    }

    fn resolve_seccomp_path(&mut self, config_dir: Option<&Path>) {
        if self.seccomp_profile.is_absolute() || self.seccomp_profile.exists() {
            return;
        }
        let Some(dir) = config_dir else { return };
        for base in [Some(dir), dir.parent()].into_iter().flatten() {
            let candidate = base.join(&self.seccomp_profile);
            if candidate.exists() {
                self.seccomp_profile = candidate;
                return;
            }
        }
    }
}

/// `runc, runsc` (for messages).
pub fn join_runtimes(runtimes: &[Runtime]) -> String {
    join_names(runtimes)
}

/// `default, modern`, `runc, runsc` (for messages).
pub fn join_names<T: fmt::Display>(names: &[T]) -> String {
    names
        .iter()
        .map(|r| r.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A list of names (runtimes, image variants): a YAML sequence, or a comma-separated string
/// (as an environment variable gives it). Duplicates are dropped.
fn name_list<T>(key: &str, value: &Value, what: &str) -> Result<Vec<T>, ConfigError>
where
    T: std::str::FromStr<Err = String> + PartialEq,
{
    let invalid = |message: String| ConfigError::Invalid {
        key: key.to_string(),
        message,
    };
    let names: Vec<String> = match value {
        Value::Null => Vec::new(),
        Value::String(s) => s
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(String::from)
            .collect(),
        Value::Sequence(items) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(String::from)
                    .ok_or_else(|| invalid(format!("{item:?} is not a {what} name")))
            })
            .collect::<Result<_, _>>()?,
        other => return Err(invalid(format!("{other:?} must be a list of {what}s"))),
    };
    let mut out = Vec::new();
    for name in names {
        let item: T = name.parse().map_err(invalid)?;
        if !out.contains(&item) {
            out.push(item);
        }
    }
    Ok(out)
}

fn check_tmpfs(tmpfs: &TmpfsConfig) -> Result<(), ConfigError> {
    let invalid = |key: &str, message: String| ConfigError::Invalid {
        key: key.to_string(),
        message,
    };
    if !tmpfs.path.starts_with('/') || tmpfs.path.contains(',') || tmpfs.path.contains(':') {
        return Err(invalid(
            "docker.tmpfs.path",
            format!("{:?} must be an absolute path", tmpfs.path),
        ));
    }
    if tmpfs.size_bytes == 0 {
        return Err(invalid("docker.tmpfs.size", "0 must be positive".into()));
    }
    let options = tmpfs.options.join(",");
    for required in ["noexec", "nosuid"] {
        if !tmpfs.options.iter().any(|o| o == required) {
            return Err(invalid(
                "docker.tmpfs.options",
                format!("{options:?} must include {required}"),
            ));
        }
    }
    for option in &tmpfs.options {
        let allowed = matches!(option.as_str(), "rw" | "noexec" | "nosuid" | "nodev")
            || option
                .strip_prefix("mode=")
                .is_some_and(|m| !m.is_empty() && m.len() <= 4 && m.chars().all(|c| c.is_digit(8)));
        if !allowed {
            let why = match option.as_str() {
                "exec" | "suid" | "dev" => "would weaken the sandbox",
                o if o.starts_with("size=") => "is set by docker.tmpfs.size",
                _ => "is not supported (allowed: rw, noexec, nosuid, nodev, mode=NNNN)",
            };
            return Err(invalid(
                "docker.tmpfs.options",
                format!("{options:?}: option {option:?} {why}"),
            ));
        }
    }
    Ok(())
}

/// Replaces `${VAR}` and `${VAR:-default}` in every string scalar. A scalar that is one whole
/// `${...}` expression is re-read as YAML after substitution, so `${DOCKER_TIMEOUT:-600}` can
/// fill a number.
fn substitute(
    value: &mut Value,
    path: &str,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<(), ConfigError> {
    match value {
        Value::String(s) if s.contains("${") => {
            let whole = s.starts_with("${") && s.ends_with('}') && s.matches("${").count() == 1;
            let replaced = expand(s, path, env)?;
            *value = if whole {
                match serde_yaml::from_str::<Value>(&replaced) {
                    Ok(v @ (Value::Bool(_) | Value::Number(_) | Value::String(_))) => v,
                    _ => Value::String(replaced),
                }
            } else {
                Value::String(replaced)
            };
        }
        Value::Mapping(map) => {
            for (k, v) in map.iter_mut() {
                let key = k.as_str().unwrap_or("?");
                let child = if path.is_empty() {
                    key.to_string()
                } else {
                    format!("{path}.{key}")
                };
                substitute(v, &child, env)?;
            }
        }
        Value::Sequence(seq) => {
            for v in seq {
                substitute(v, path, env)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn expand(
    s: &str,
    path: &str,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<String, ConfigError> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            return Err(ConfigError::Invalid {
                key: path.to_string(),
                message: format!("{s:?} has an unclosed ${{"),
            });
        };
        let expr = &after[..end];
        let (name, default) = match expr.split_once(":-") {
            Some((name, default)) => (name, Some(default)),
            None => (expr, None),
        };
        let valid_name = !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit());
        if !valid_name {
            return Err(ConfigError::Invalid {
                key: path.to_string(),
                message: format!("{s:?}: {name:?} is not a variable name"),
            });
        }
        match (env(name).filter(|v| !v.is_empty()), default) {
            (Some(v), _) => out.push_str(&v),
            (None, Some(d)) => out.push_str(d),
            (None, None) => {
                return Err(ConfigError::Invalid {
                    key: path.to_string(),
                    message: format!("environment variable {name} is not set (write ${{{name}:-default}} to give a default)"),
                })
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Environment variables that override single keys, as the spec lists them.
pub const ENV_OVERRIDES: &[(&str, &str)] = &[
    ("DOCKER_SANDBOX_ENABLED", "docker.enabled"),
    ("DOCKER_MEMORY_LIMIT", "docker.memory_limit"),
    ("DOCKER_CPU_LIMIT", "docker.cpu_limit"),
    ("DOCKER_TIMEOUT", "docker.timeout_seconds"),
    ("DOCKER_NETWORK_MODE", "docker.network_mode"),
    ("DOCKER_READ_ONLY", "docker.read_only"),
];

fn apply_env_overrides(
    file: &mut FileConfig,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<(), ConfigError> {
    let docker = file.docker.get_or_insert_with(Default::default);
    let get = |name: &str| {
        env(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let parse_bool = |name: &str, v: &str| match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::Invalid {
            key: name.to_string(),
            message: format!("{v:?} is not a boolean (use true or false)"),
        }),
    };
    if let Some(v) = get("DOCKER_SANDBOX_ENABLED") {
        docker.enabled = Some(parse_bool("DOCKER_SANDBOX_ENABLED", &v)?);
    }
    if let Some(v) = get("DOCKER_MEMORY_LIMIT") {
        // Swap stays disabled: the swap limit follows the overridden memory limit.
        docker.memory_limit = Some(Value::String(v.clone()));
        docker.memory_swap_limit = Some(Value::String(v));
    }
    if let Some(v) = get("DOCKER_CPU_LIMIT") {
        docker.cpu_limit = Some(serde_yaml::from_str(&v).unwrap_or(Value::String(v)));
    }
    if let Some(v) = get("DOCKER_TIMEOUT") {
        docker.timeout_seconds = Some(serde_yaml::from_str(&v).unwrap_or(Value::String(v)));
    }
    if let Some(v) = get("DOCKER_NETWORK_MODE") {
        docker.network_mode = Some(v);
    }
    if let Some(v) = get("DOCKER_READ_ONLY") {
        docker.read_only = Some(parse_bool("DOCKER_READ_ONLY", &v)?);
    }
    Ok(())
}

fn build(file: FileConfig) -> Result<SandboxConfig, ConfigError> {
    let mut c = SandboxConfig::default();
    let d = file.docker.unwrap_or_default();
    if d.fallback_to_direct == Some(true) {
        return Err(ConfigError::Invalid {
            key: "docker.fallback_to_direct".into(),
            message: "true is not supported: Stockade never runs code outside a container. \
                      Remove the key or set it to false; when Docker is unreachable, executions fail"
                .into(),
        });
    }
    if let Some(v) = d.enabled {
        c.enabled = v;
    }
    if let Some(v) = d.image {
        c.image = v;
    }
    if let Some(v) = d.runtime {
        c.runtime = v.parse().map_err(|e| ConfigError::Invalid {
            key: "docker.runtime".into(),
            message: e,
        })?;
    }
    if let Some(v) = d.allowed_runtimes {
        c.allowed_runtimes = name_list("docker.allowed_runtimes", &v, "runtime")?;
    }
    if let Some(v) = d.modern_image {
        c.modern_image = v;
    }
    if let Some(v) = d.image_variant {
        c.image_variant = v.parse().map_err(|e| ConfigError::Invalid {
            key: "docker.image_variant".into(),
            message: e,
        })?;
    }
    if let Some(v) = d.allowed_images {
        c.allowed_images = name_list("docker.allowed_images", &v, "image variant")?;
    }
    if let Some(v) = d.memory_limit {
        c.memory_bytes = size("docker.memory_limit", &v)?;
        c.memory_swap_bytes = c.memory_bytes;
    }
    if let Some(v) = d.memory_swap_limit {
        c.memory_swap_bytes = size("docker.memory_swap_limit", &v)?;
    }
    if let Some(v) = d.cpu_limit {
        c.cpu_limit = positive_f64("docker.cpu_limit", &v, "cores")?;
    }
    if let Some(v) = d.timeout_seconds {
        c.timeout = seconds("docker.timeout_seconds", &v)?;
    }
    if let Some(v) = d.network_mode {
        c.network_mode = v;
    }
    if let Some(v) = d.allow_network {
        c.allow_network = v;
    }
    if let Some(v) = d.read_only {
        c.read_only = v;
    }
    if let Some(v) = d.pids_limit {
        c.pids_limit = integer("docker.pids_limit", &v)? as i64;
    }
    if let Some(t) = d.tmpfs {
        if let Some(p) = t.path {
            c.tmpfs.path = p;
        }
        if let Some(s) = t.size {
            c.tmpfs.size_bytes = size("docker.tmpfs.size", &s)?;
        }
        if let Some(o) = t.options {
            c.tmpfs.options = o
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
        }
    }
    if let Some(v) = d.seccomp_profile {
        c.seccomp_profile = PathBuf::from(v);
    }
    c.output_dir = d.output_dir.filter(|s| !s.is_empty()).map(PathBuf::from);
    if let Some(v) = d.cleanup_on_exit {
        c.cleanup_on_exit = v;
    }
    if let Some(v) = d.runtime_monitor_enabled {
        c.monitoring.runtime_monitor_enabled = v;
    }
    if let Some(v) = d.runtime_monitor_interval {
        c.monitoring.runtime_monitor_interval = seconds("docker.runtime_monitor_interval", &v)?;
    }
    if let Some(v) = d.stdout_limit {
        c.stdout_limit_bytes = size_usize("docker.stdout_limit", &v)?;
    }
    if let Some(v) = d.stderr_limit {
        c.stderr_limit_bytes = size_usize("docker.stderr_limit", &v)?;
    }
    if let Some(v) = d.max_result_bytes {
        c.max_result_bytes = size_usize("docker.max_result_bytes", &v)?;
    }
    if let Some(v) = d.pool_size {
        c.pool_size = integer("docker.pool_size", &v)? as usize;
    }
    if let Some(l) = d.limits {
        if let Some(v) = l.max_timeout_seconds {
            c.limits.max_timeout = seconds("docker.limits.max_timeout_seconds", &v)?;
        }
        if let Some(v) = l.max_memory_limit {
            c.limits.max_memory_bytes = size("docker.limits.max_memory_limit", &v)?;
        }
        if let Some(v) = l.max_cpu_limit {
            c.limits.max_cpu_limit = positive_f64("docker.limits.max_cpu_limit", &v, "cores")?;
        }
    }
    if let Some(m) = file.monitoring {
        if let Some(v) = m.export_container_stats {
            c.monitoring.export_container_stats = v;
        }
        if let Some(v) = m.alert_on_orphaned_containers {
            c.monitoring.alert_on_orphaned_containers = bounded(
                "monitoring.alert_on_orphaned_containers",
                &v,
                u32::MAX as u64,
            )? as u32;
        }
        if let Some(v) = m.prometheus_port {
            c.monitoring.prometheus_port =
                bounded("monitoring.prometheus_port", &v, u16::MAX as u64)? as u16;
        }
        if let Some(p) = m.policy {
            let pol = &mut c.monitoring.policy;
            if let Some(v) = p.max_cpu_percent {
                pol.max_cpu_percent =
                    positive_f64("monitoring.policy.max_cpu_percent", &v, "percent")?;
            }
            if let Some(v) = p.max_memory_percent {
                pol.max_memory_percent =
                    positive_f64("monitoring.policy.max_memory_percent", &v, "percent")?;
            }
            if let Some(v) = p.max_pids {
                pol.max_pids = integer("monitoring.policy.max_pids", &v)?;
            }
            if let Some(v) = p.fork_bomb_pids {
                pol.fork_bomb_pids = integer("monitoring.policy.fork_bomb_pids", &v)?;
            }
            if let Some(v) = p.cpu_window_seconds {
                pol.cpu_window = seconds("monitoring.policy.cpu_window_seconds", &v)?;
            }
            if let Some(v) = p.memory_window_seconds {
                pol.memory_window = seconds("monitoring.policy.memory_window_seconds", &v)?;
            }
            if let Some(v) = p.combined_percent {
                pol.combined_percent =
                    positive_f64("monitoring.policy.combined_percent", &v, "percent")?;
            }
        }
    }
    Ok(c)
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        other => serde_yaml::to_string(other)
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| "?".into()),
    }
}

fn invalid(key: &str, v: &Value, what: &str) -> ConfigError {
    ConfigError::Invalid {
        key: key.to_string(),
        message: format!("{} {what}", show(v)),
    }
}

/// Parses a Docker-style size: a byte count or a number with a `b`, `k`, `m` or `g` suffix
/// (binary units, case-insensitive, optional trailing `b`/`ib`: `512m`, `2g`, `1GiB`).
pub fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim().to_ascii_lowercase();
    let digits_end = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(digits_end);
    if number.is_empty() {
        return None;
    }
    let multiplier: u64 = match unit.trim() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1024,
        "m" | "mb" | "mib" => MIB,
        "g" | "gb" | "gib" => GIB,
        _ => return None,
    };
    if number.contains('.') {
        let n: f64 = number.parse().ok()?;
        let bytes = n * multiplier as f64;
        (bytes.is_finite() && bytes >= 0.0 && bytes < u64::MAX as f64).then_some(bytes as u64)
    } else {
        number.parse::<u64>().ok()?.checked_mul(multiplier)
    }
}

fn size(key: &str, v: &Value) -> Result<u64, ConfigError> {
    let parsed = match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => parse_size(s),
        _ => None,
    };
    match parsed {
        Some(n) if n > 0 => Ok(n),
        _ => Err(invalid(key, v, "is not a size (use e.g. 512m, 2g)")),
    }
}

fn size_usize(key: &str, v: &Value) -> Result<usize, ConfigError> {
    let n = size(key, v)?;
    usize::try_from(n).map_err(|_| invalid(key, v, "is too large"))
}

fn positive_f64(key: &str, v: &Value, unit: &str) -> Result<f64, ConfigError> {
    let parsed = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match parsed {
        Some(n) if n.is_finite() && n > 0.0 => Ok(n),
        _ => Err(invalid(
            key,
            v,
            &format!("must be a positive number of {unit}"),
        )),
    }
}

fn seconds(key: &str, v: &Value) -> Result<Duration, ConfigError> {
    let secs = positive_f64(key, v, "seconds")?;
    if secs > 7.0 * 24.0 * 3600.0 {
        return Err(invalid(key, v, "is longer than a week"));
    }
    Ok(Duration::from_secs_f64(secs))
}

fn integer(key: &str, v: &Value) -> Result<u64, ConfigError> {
    bounded(key, v, i64::MAX as u64)
}

fn bounded(key: &str, v: &Value, max: u64) -> Result<u64, ConfigError> {
    let parsed = match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    };
    match parsed {
        Some(n) if n <= max => Ok(n),
        _ => Err(invalid(
            key,
            v,
            &format!("must be a whole number between 0 and {max}"),
        )),
    }
}

/// Formats a byte count the way the config file writes it (`512m`, `2g`, `1536k`).
pub fn human_bytes(n: u64) -> String {
    if n >= GIB && n % GIB == 0 {
        format!("{}g", n / GIB)
    } else if n >= MIB && n % MIB == 0 {
        format!("{}m", n / MIB)
    } else if n >= 1024 && n % 1024 == 0 {
        format!("{}k", n / 1024)
    } else {
        format!("{n}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("512m"), Some(512 * MIB));
        assert_eq!(parse_size("2g"), Some(2 * GIB));
        assert_eq!(parse_size("2G"), Some(2 * GIB));
        assert_eq!(parse_size("1GiB"), Some(GIB));
        assert_eq!(parse_size("1.5g"), Some(GIB + GIB / 2));
        assert_eq!(parse_size("1024"), Some(1024));
        assert_eq!(parse_size("2x"), None);
        assert_eq!(parse_size(""), None);
        assert_eq!(parse_size("m"), None);
        assert_eq!(parse_size("99999999999999999999g"), None);
    }

    #[test]
    fn human_bytes_round_trips() {
        for n in [512 * MIB, 2 * GIB, 1536 * 1024, 1000] {
            assert_eq!(parse_size(&human_bytes(n)), Some(n));
        }
    }

    #[test]
    fn a_request_chooses_only_among_the_allowed_image_variants() {
        let load = |yaml: &str| SandboxConfig::from_yaml_str_with_env(yaml, |_| None);
        let c = load("docker:\n  image_variant: modern\n").expect("valid");
        assert_eq!(c.allowed_images(), vec![Variant::Modern]);
        assert_eq!(
            c.image_of(Variant::Modern),
            "stockade-sandbox-modern:latest"
        );
        let c = load("docker:\n  allowed_images: default, modern\n").expect("valid");
        assert_eq!(c.allowed_images(), vec![Variant::Default, Variant::Modern]);
        assert_eq!(c.image_variant, Variant::Default);
        let e = load("docker:\n  image_variant: modern\n  allowed_images: [default]\n")
            .expect_err("default variant not allowed")
            .to_string();
        assert_eq!(
            e,
            "docker.allowed_images: default must include the default image variant (modern)"
        );
        let e = load("docker:\n  allowed_images: [default, newest]\n")
            .expect_err("unknown variant")
            .to_string();
        assert!(
            e.starts_with("docker.allowed_images: unknown image variant \"newest\""),
            "{e}"
        );
        let e = load("docker:\n  image_variant: latest\n")
            .expect_err("unknown variant")
            .to_string();
        assert!(
            e.starts_with("docker.image_variant: unknown image variant"),
            "{e}"
        );
    }

    #[test]
    fn a_request_chooses_only_among_the_allowed_runtimes() {
        let load = |yaml: &str| SandboxConfig::from_yaml_str_with_env(yaml, |_| None);
        // Unset: the default runtime alone, so a request cannot step down from runsc to runc.
        let c = load("docker:\n  runtime: runsc\n").expect("valid");
        assert_eq!(c.allowed_runtimes(), vec![Runtime::Runsc]);
        let c = load("docker:\n  allowed_runtimes: [runc, runsc, runc]\n").expect("valid");
        assert_eq!(c.allowed_runtimes(), vec![Runtime::Runc, Runtime::Runsc]);
        // The comma-separated form an environment variable gives.
        let c =
            load("docker:\n  runtime: runsc\n  allowed_runtimes: runsc, runc\n").expect("valid");
        assert_eq!(c.allowed_runtimes(), vec![Runtime::Runsc, Runtime::Runc]);
        let e = load("docker:\n  runtime: runsc\n  allowed_runtimes: [runc]\n")
            .expect_err("default not allowed")
            .to_string();
        assert_eq!(
            e,
            "docker.allowed_runtimes: runc must include the default runtime (runsc)"
        );
        let e = load("docker:\n  allowed_runtimes: [runc, kata]\n")
            .expect_err("unknown runtime")
            .to_string();
        assert!(
            e.starts_with("docker.allowed_runtimes: unknown runtime \"kata\""),
            "{e}"
        );
    }

    #[test]
    fn substitution() {
        let env = |n: &str| (n == "A").then(|| "x".to_string());
        assert_eq!(expand("${A}-${B:-y}", "k", &env).expect("expands"), "x-y");
        let err = expand("${B}", "docker.image", &env)
            .expect_err("B is unset")
            .to_string();
        assert!(
            err.contains("docker.image") && err.contains("B is not set"),
            "{err}"
        );
        assert!(expand("${A", "k", &env).is_err());
        assert!(expand("${1A}", "k", &env).is_err());
    }
}
