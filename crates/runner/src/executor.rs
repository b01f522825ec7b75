//! Runs code in single-use, hardened containers.
//!
//! One execution: validate (unless told not to) → create a container with every hardening
//! setting ([`hardening::container_body`]) → attach → start → write the request to the
//! harness over stdin → read stdout/stderr with caps until the container exits or the
//! wall-clock limit kills it → inspect (exit code, OOM) → remove (escalating) → build the
//! [`ExecutionResult`]. A guard removes the container even when the future is dropped midway.
//!
//! Choices where the specification contradicts itself:
//!
//! - It says seccomp blocks `fork`/`clone`/`execve`, yet the container must exec Python. The
//!   container profile allows what start-up needs; the harness then installs its own filter
//!   that denies exec, process creation and network sockets before any user code runs.
//! - It has results written to a bind-mounted directory, yet promises no host filesystem
//!   access. Nothing of the host is writable here: the result travels back in a nonce-tagged
//!   frame on stdout, and the only bind mount is the read-only `/data` of strategy mode.
//! - `fallback_to_direct` exists as a key, but direct execution is refused outright; when
//!   Docker is unreachable, connecting fails.
//! - `memory_swap_limit` is configurable in the spec, but swap is disabled: it must equal
//!   `memory_limit`.
//! - IPC: the container gets `ipc: none` (a private namespace with no `/dev/shm`), stricter
//!   than `private`, since nothing in the sandbox needs shared memory.
//! - No init process: the harness is PID 1, so the kernel ignores signals the code sends it,
//!   and no host binary is mounted into the container.
//!
//! ```no_run
//! use stockade_runner::config::SandboxConfig;
//! use stockade_runner::executor::{ExecOptions, Executor};
//!
//! # async fn run() -> Result<(), stockade_runner::error::RunnerError> {
//! let executor = Executor::connect(SandboxConfig::load("config/docker_config.yaml")?).await?;
//! let result = executor
//!     .execute("import pandas as pd\nsignal = pd.Series([1.0]).sum()\n", ExecOptions::default())
//!     .await;
//! assert!(result.success, "{:?}", result.error);
//! # Ok(()) }
//! ```

pub mod cgroup;
pub mod data;
pub mod frame;
pub mod hardening;
pub mod markers;
pub mod output;
pub mod preload;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bollard::container::LogOutput;
use bollard::query_parameters::{
    AttachContainerOptions, CreateContainerOptions, InspectContainerOptions, KillContainerOptions,
    StatsOptions, WaitContainerOptions,
};
use bollard::Docker;
use futures_util::{Stream, StreamExt};
use serde::Serialize;
use stockade_validator::{Finding, Policy, Severity};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

use crate::cleanup::{
    self, CleanupReport, ContainerGuard, LiveSet, ManagedContainer, Owner, Pending,
};
use crate::config::{human_bytes, join_names, join_runtimes, Runtime, SandboxConfig};
use crate::error::{is_not_found, RunnerError};
use crate::image::{Variant, LABEL_VERSION_PREFIX};
use crate::liveness::{Liveness, StateDir};
pub use crate::result::{ExecEvent, ExecutionResult, ResourceSample};
use data::StagedData;
use hardening::{ContainerSpec, DATA_MOUNT};
use output::StreamOutput;
use preload::Preload;

/// Per-request options. Limits above the configured server maxima are refused.
#[derive(Debug, Clone)]
pub struct ExecOptions {
    /// Wall-clock limit (default: the config's `timeout`).
    pub timeout: Option<Duration>,
    /// Memory limit in bytes (default: the config's).
    pub memory_bytes: Option<u64>,
    /// CPU limit in cores (default: the config's).
    pub cpu_limit: Option<f64>,
    /// OCI runtime (default: the config's).
    pub runtime: Option<Runtime>,
    /// Image variant (default: the config's `image_variant`).
    pub image: Option<Variant>,
    /// Run the validator first (default true). When it rejects, no container is created.
    pub validate: bool,
    /// Written to the container's request-id label.
    pub request_id: Option<String>,
    /// Receives live events. Sends never block the execution: events are dropped when the
    /// channel is full.
    pub events: Option<mpsc::Sender<ExecEvent>>,
    /// Read the container's resources this often and send them to `events` as
    /// [`ExecEvent::Stats`] (the runtime monitor's input): from its cgroup files where they
    /// are readable, which costs the engine nothing, else through the engine's stats API.
    /// `None`: no samples.
    pub stats_every: Option<Duration>,
    /// Answer as soon as the harness's result frame and closing line are read, and remove the
    /// container afterwards, in the background; the hook then hears whether the removal
    /// worked. Saves the time the engine takes to see the exit and remove the container
    /// (about 50 ms). The result then has no `exit_code`, and `cleanup_success` is `None`.
    /// `None`: the result waits for the exit and the removal.
    pub defer_cleanup: Option<CleanupHook>,
}

/// Called with the outcome of a removal that happened after the result was handed back
/// (`true`: the container is confirmed gone).
#[derive(Clone)]
pub struct CleanupHook(pub Arc<dyn Fn(bool) + Send + Sync>);

impl std::fmt::Debug for CleanupHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CleanupHook")
    }
}

impl Default for ExecOptions {
    fn default() -> Self {
        ExecOptions {
            timeout: None,
            memory_bytes: None,
            cpu_limit: None,
            runtime: None,
            image: None,
            validate: true,
            request_id: None,
            events: None,
            stats_every: None,
            defer_cleanup: None,
        }
    }
}

/// A started container whose harness is waiting for its request on stdin (what the warm pool
/// keeps). Dropping it removes the container.
pub struct PreparedContainer {
    guard: ContainerGuard,
    output: Pin<Box<dyn Stream<Item = Result<LogOutput, bollard::errors::Error>> + Send>>,
    input: Pin<Box<dyn AsyncWrite + Send>>,
    spec: ContainerSpec,
    /// The copy of the data directory bound at `/data`; removed after the container.
    staged: Option<StagedData>,
    created: Instant,
    /// The harness has written its ready line (read and dropped).
    ready: bool,
}

impl std::fmt::Debug for PreparedContainer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedContainer")
            .field("id", &self.guard.id())
            .field("spec", &self.spec)
            .finish()
    }
}

impl PreparedContainer {
    /// The container's id.
    pub fn id(&self) -> &str {
        self.guard.id()
    }

    /// The limits and runtime the container was created with.
    pub fn spec(&self) -> &ContainerSpec {
        &self.spec
    }

    /// How long ago the container was created.
    pub fn age(&self) -> Duration {
        self.created.elapsed()
    }

    /// Whether the container is still waiting for its request, judged without asking the
    /// engine: a ready harness writes nothing until it has its request, so an attach stream
    /// that has ended (the container died: killed from outside, the engine restarted) or has
    /// anything to say means the container cannot take one.
    pub fn is_alive(&mut self) -> bool {
        use futures_util::FutureExt;
        self.output.next().now_or_never().is_none()
    }

    /// Waits until the harness says it is ready: imports done, filter installed, waiting for
    /// its request. (What the warm pool keeps; a container handed over without it is waited
    /// for by [`Executor::run_prepared`], within the execution's timeout.)
    pub async fn wait_ready(&mut self, within: Duration) -> Result<(), RunnerError> {
        if self.ready {
            return Ok(());
        }
        let deadline = tokio::time::Instant::now() + within;
        match read_until_ready(&mut self.output, deadline).await {
            Readiness::Ready => {
                self.ready = true;
                Ok(())
            }
            Readiness::Ended => Err(RunnerError::NotReady(
                "its harness exited during start-up".into(),
            )),
            Readiness::Late => Err(RunnerError::NotReady(format!(
                "no ready line within {}s",
                within.as_secs()
            ))),
        }
    }
}

/// How the wait for the ready line ended.
enum Readiness {
    Ready,
    /// The streams closed first (the harness died).
    Ended,
    /// The deadline passed first.
    Late,
}

/// Reads start-up output until the harness's ready line. Anything before it is start-up noise
/// (logged at debug level); nothing comes after it until the request is written.
async fn read_until_ready(
    output: &mut Pin<Box<dyn Stream<Item = Result<LogOutput, bollard::errors::Error>> + Send>>,
    deadline: tokio::time::Instant,
) -> Readiness {
    let mut seen: Vec<u8> = Vec::new();
    loop {
        match tokio::time::timeout_at(deadline, output.next()).await {
            Err(_) => return Readiness::Late,
            Ok(None | Some(Err(_))) => return Readiness::Ended,
            Ok(Some(Ok(LogOutput::StdOut { message } | LogOutput::Console { message }))) => {
                seen.extend_from_slice(&message);
                if seen.windows(frame::READY.len()).any(|w| w == frame::READY) {
                    return Readiness::Ready;
                }
                // Keep only what could still be the start of the ready line.
                let keep = frame::READY.len() - 1;
                if seen.len() > keep {
                    seen.drain(..seen.len() - keep);
                }
            }
            Ok(Some(Ok(LogOutput::StdErr { message }))) => {
                tracing::debug!(output = %String::from_utf8_lossy(&message), "harness start-up stderr");
            }
            Ok(Some(Ok(LogOutput::StdIn { .. }))) => {}
        }
    }
}

/// What the harness is asked to do.
#[derive(Debug, Serialize)]
struct Request<'a> {
    nonce: &'a str,
    mode: &'static str,
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    data_dir: Option<&'static str>,
    max_result_bytes: usize,
    /// The harness arms limits from these that hold even if the runner is gone: a
    /// wall-clock alarm, `RLIMIT_CPU` (timeout x cpus) and a thread cap (which gVisor's
    /// pids limit does not give).
    timeout_ms: u128,
    cpus: f64,
    max_threads: i64,
}

/// Executes code in sandbox containers. Cheap to clone.
#[derive(Clone)]
pub struct Executor {
    inner: Arc<Inner>,
}

struct Inner {
    docker: Docker,
    config: SandboxConfig,
    seccomp_json: String,
    /// The variants whose image the engine had when the executor connected.
    images: BTreeMap<Variant, ImageRef>,
    runtimes: Vec<String>,
    owner: Owner,
    /// Held for the executor's life: it proves to other runners' sweeps that this instance's
    /// containers are not orphans.
    liveness: Arc<Liveness>,
    policy: Policy,
    live: LiveSet,
    pending: Pending,
    kill_reasons: Mutex<HashMap<String, String>>,
}

/// A variant's image as the engine reported it when the executor connected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// The configured reference (`stockade-sandbox:latest`, ...).
    pub reference: String,
    /// Docker image id (`sha256:...`).
    pub id: String,
    /// Component versions recorded by `stockade image build` (the image's
    /// `io.stockade.image.version.*` labels): python3, numpy, pandas, pyarrow, ...
    pub versions: BTreeMap<String, String>,
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("instance", &self.inner.owner.instance)
            .field("image", &self.inner.config.image)
            .field("images", &self.inner.images)
            .finish()
    }
}

/// How long to wait for the engine before declaring it unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// After a kill, how long to keep draining output and waiting for the exit.
const KILL_GRACE: Duration = Duration::from_secs(5);
/// Containers of this runner younger than this are never orphans (still being set up).
const OWN_GRACE: Duration = Duration::from_secs(60);
/// How often the stats API is read for the peak memory where the cgroup file is not readable.
const PEAK_PERIOD: Duration = Duration::from_millis(500);
/// The first stats reading waits this long: most executions are over by then and never cost
/// the engine a stats call.
const FIRST_READING: Duration = Duration::from_millis(250);
/// How often the cgroup's memory high-water mark is read, where it is readable.
const CGROUP_PERIOD: Duration = Duration::from_millis(50);

/// The Docker address bollard will use (for error messages).
pub fn docker_host() -> String {
    std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".to_string())
}

/// Connects to the engine named by `DOCKER_HOST` (or the default socket), negotiating the API
/// version; fails fast when it does not answer.
pub async fn connect_docker() -> Result<Docker, RunnerError> {
    let host = docker_host();
    let unreachable = |reason: String| RunnerError::DockerUnreachable {
        host: host.clone(),
        reason,
    };
    let docker = Docker::connect_with_defaults().map_err(|e| unreachable(e.to_string()))?;
    let docker = tokio::time::timeout(CONNECT_TIMEOUT, docker.negotiate_version())
        .await
        .map_err(|_| unreachable(format!("no answer within {}s", CONNECT_TIMEOUT.as_secs())))?
        .map_err(|e| unreachable(e.to_string()))?;
    Ok(docker)
}

/// Reads a seccomp profile (the built-in one for the default name when no such file exists,
/// see [`crate::defaults::seccomp_source`]) and checks it is a JSON object with a default action.
pub fn load_seccomp_profile(path: &Path) -> Result<String, RunnerError> {
    let err = |reason: String| RunnerError::Seccomp {
        path: path.to_path_buf(),
        reason,
    };
    let text = match crate::defaults::seccomp_source(path) {
        crate::defaults::SeccompSource::BuiltIn => {
            crate::defaults::SECCOMP_PROFILE_JSON.to_string()
        }
        crate::defaults::SeccompSource::File(file) => {
            std::fs::read_to_string(file).map_err(|e| err(e.to_string()))?
        }
    };
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| err(format!("not valid JSON: {e}")))?;
    if value
        .get("defaultAction")
        .and_then(|v| v.as_str())
        .is_none()
    {
        return Err(err("has no \"defaultAction\"".into()));
    }
    // Compact it: it travels in every create request.
    Ok(value.to_string())
}

impl Executor {
    /// Connects to Docker, checks the image, runtime and seccomp profile, and removes
    /// containers that dead runners left behind.
    pub async fn connect(config: SandboxConfig) -> Result<Executor, RunnerError> {
        config.validate()?;
        if !config.enabled {
            return Err(RunnerError::SandboxDisabled);
        }
        let seccomp_json = load_seccomp_profile(&config.seccomp_profile)?;
        let docker = connect_docker().await?;
        let info = docker
            .info()
            .await
            .map_err(RunnerError::docker("system info"))?;
        let mut runtimes: Vec<String> = info.runtimes.unwrap_or_default().into_keys().collect();
        runtimes.sort();
        // The default variant's image must be there; another allowed variant that is not
        // built is refused when a request asks for it.
        let mut images = BTreeMap::new();
        let mut variants = config.allowed_images();
        variants.push(config.image_variant);
        variants.sort();
        variants.dedup();
        for variant in variants {
            let reference = config.image_of(variant);
            match docker.inspect_image(reference).await {
                Ok(image) => {
                    let versions = image
                        .config
                        .and_then(|c| c.labels)
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|(k, v)| {
                            Some((k.strip_prefix(LABEL_VERSION_PREFIX)?.to_string(), v))
                        })
                        .collect();
                    images.insert(
                        variant,
                        ImageRef {
                            reference: reference.to_string(),
                            id: image.id.unwrap_or_default(),
                            versions,
                        },
                    );
                }
                Err(e) if is_not_found(&e) && variant != config.image_variant => {
                    tracing::info!(
                        variant = %variant,
                        image = reference,
                        "image variant not built; requests for it are refused"
                    );
                }
                Err(e) if is_not_found(&e) => {
                    return Err(RunnerError::ImageMissing {
                        image: reference.to_string(),
                    })
                }
                Err(e) => return Err(RunnerError::docker("image inspect")(e)),
            }
        }
        let instance = {
            let bytes: [u8; 16] = rand::random();
            bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
        };
        let state = StateDir::locate()?;
        let liveness = Arc::new(Liveness::hold(&state, &instance)?);
        let executor = Executor {
            inner: Arc::new(Inner {
                docker,
                seccomp_json,
                images,
                runtimes,
                owner: Owner { instance, state },
                liveness,
                policy: Policy::default(),
                live: Arc::new(Mutex::new(HashSet::new())),
                pending: Pending::default(),
                kill_reasons: Mutex::new(HashMap::new()),
                config,
            }),
        };
        executor.check_runtime(executor.inner.config.runtime)?;
        // A copy outlives its run only when its runner died: no run lasts past max_timeout.
        let stale =
            data::sweep_stale(executor.inner.config.limits.max_timeout + Duration::from_secs(300));
        if stale > 0 {
            tracing::warn!(
                removed = stale,
                "removed data copies left behind by dead runners"
            );
        }
        let swept = executor.cleanup_orphaned_containers().await?;
        if swept.total > 0 {
            tracing::warn!(
                removed = swept.removed,
                failed = swept.failed.len(),
                "removed containers left behind by dead runners"
            );
        }
        Ok(executor)
    }

    /// Replaces the validator policy used for pre-flight checks.
    pub fn with_policy(self, policy: Policy) -> Executor {
        let inner = match Arc::try_unwrap(self.inner) {
            Ok(mut inner) => {
                inner.policy = policy;
                inner
            }
            Err(shared) => Inner {
                docker: shared.docker.clone(),
                config: shared.config.clone(),
                seccomp_json: shared.seccomp_json.clone(),
                images: shared.images.clone(),
                runtimes: shared.runtimes.clone(),
                owner: shared.owner.clone(),
                liveness: shared.liveness.clone(),
                policy,
                live: shared.live.clone(),
                pending: shared.pending.clone(),
                kill_reasons: Mutex::new(HashMap::new()),
            },
        };
        Executor {
            inner: Arc::new(inner),
        }
    }

    /// The configuration in force.
    pub fn config(&self) -> &SandboxConfig {
        &self.inner.config
    }

    /// The Docker client (shared with the monitor and pool).
    pub fn docker(&self) -> &Docker {
        &self.inner.docker
    }

    /// Id (digest) of the default variant's sandbox image.
    pub fn image_id(&self) -> &str {
        self.image(self.inner.config.image_variant)
            .map_or("", |i| i.id.as_str())
    }

    /// A variant's image, if the engine had it when the executor connected and the
    /// configuration allows it.
    pub fn image(&self, variant: Variant) -> Option<&ImageRef> {
        self.inner.images.get(&variant)
    }

    /// This runner's instance id (the `io.stockade.instance` label).
    pub fn instance_id(&self) -> &str {
        &self.inner.owner.instance
    }

    /// Runtimes the engine offers.
    pub fn runtimes(&self) -> &[String] {
        &self.inner.runtimes
    }

    fn check_runtime(&self, runtime: Runtime) -> Result<(), RunnerError> {
        if self.inner.runtimes.iter().any(|r| r == runtime.as_str()) {
            Ok(())
        } else {
            Err(RunnerError::RuntimeMissing {
                runtime: runtime.to_string(),
                available: self.inner.runtimes.join(", "),
            })
        }
    }

    /// Runs `code` in execute mode: the result is the top-level variable `signal`.
    pub async fn execute(&self, code: &str, opts: ExecOptions) -> ExecutionResult {
        self.run(code, None, opts).await
    }

    /// Runs `code` in strategy mode: it must define `strategy(data)`; `data_dir` is mounted
    /// read-only at `/data`.
    pub async fn execute_strategy(
        &self,
        code: &str,
        data_dir: &Path,
        opts: ExecOptions,
    ) -> ExecutionResult {
        self.run(code, Some(data_dir), opts).await
    }

    /// The validator's verdict: the findings to attach to the result, or a finished result
    /// that refuses the code (no container is created for it).
    pub fn preflight(
        &self,
        code: &str,
        opts: &ExecOptions,
    ) -> Result<Vec<Finding>, Box<ExecutionResult>> {
        if !opts.validate {
            return Ok(Vec::new());
        }
        let report = stockade_validator::validate(code, &self.inner.policy);
        if report.is_accepted() {
            return Ok(report.findings);
        }
        let first = report
            .findings
            .iter()
            .find(|f| f.severity == Severity::Error)
            .map(|f| format!("{}: {}", f.code, f.message))
            .unwrap_or_default();
        let mut result = self.blank_result(opts);
        result.error = Some(format!("Security validation failed: {first}"));
        result.findings = report.findings;
        Err(Box::new(result))
    }

    fn blank_result(&self, opts: &ExecOptions) -> ExecutionResult {
        let mut result = ExecutionResult {
            validated: opts.validate,
            cleanup_success: Some(true),
            runtime: Some(opts.runtime.unwrap_or(self.inner.config.runtime)),
            ..Default::default()
        };
        self.set_image(
            &mut result,
            opts.image.unwrap_or(self.inner.config.image_variant),
        );
        result
    }

    /// Records which image a result comes from: variant, id and component versions.
    fn set_image(&self, result: &mut ExecutionResult, variant: Variant) {
        let image = self.image(variant);
        result.image = image.map(|i| i.id.clone());
        result.image_variant = Some(variant);
        result.image_versions = image.map(|i| i.versions.clone()).unwrap_or_default();
    }

    /// The container settings for a request, or why its overrides are refused.
    pub fn spec_for(
        &self,
        opts: &ExecOptions,
        data_dir: Option<&Path>,
    ) -> Result<ContainerSpec, RunnerError> {
        let c = &self.inner.config;
        let memory_bytes = opts.memory_bytes.unwrap_or(c.memory_bytes);
        if memory_bytes > c.limits.max_memory_bytes || memory_bytes < 16 << 20 {
            return Err(RunnerError::Request(format!(
                "memory limit {} is outside 16m..{} (docker.limits.max_memory_limit)",
                human_bytes(memory_bytes),
                human_bytes(c.limits.max_memory_bytes)
            )));
        }
        let cpu_limit = opts.cpu_limit.unwrap_or(c.cpu_limit);
        if !(cpu_limit.is_finite() && cpu_limit > 0.0 && cpu_limit <= c.limits.max_cpu_limit) {
            return Err(RunnerError::Request(format!(
                "cpu limit {cpu_limit} is outside (0, {}] (docker.limits.max_cpu_limit)",
                c.limits.max_cpu_limit
            )));
        }
        if let Some(t) = opts.timeout {
            if t.is_zero() || t > c.limits.max_timeout {
                return Err(RunnerError::Request(format!(
                    "timeout {}s is outside (0, {}s] (docker.limits.max_timeout_seconds)",
                    t.as_secs_f64(),
                    c.limits.max_timeout.as_secs_f64()
                )));
            }
        }
        let runtime = opts.runtime.unwrap_or(c.runtime);
        let allowed = c.allowed_runtimes();
        if !allowed.contains(&runtime) {
            return Err(RunnerError::RuntimeNotAllowed {
                runtime: runtime.to_string(),
                allowed: join_runtimes(&allowed),
            });
        }
        self.check_runtime(runtime)?;
        let image = opts.image.unwrap_or(c.image_variant);
        let allowed = c.allowed_images();
        if !allowed.contains(&image) {
            return Err(RunnerError::ImageNotAllowed {
                variant: image.to_string(),
                allowed: join_names(&allowed),
            });
        }
        if self.image(image).is_none() {
            return Err(RunnerError::ImageVariantMissing {
                variant: image.to_string(),
                image: c.image_of(image).to_string(),
            });
        }
        let data_dir = match data_dir {
            None => None,
            Some(dir) => {
                let canonical = dir.canonicalize().map_err(|e| {
                    RunnerError::Request(format!("data directory {}: {e}", dir.display()))
                })?;
                if !canonical.is_dir() {
                    return Err(RunnerError::Request(format!(
                        "data directory {} is not a directory",
                        dir.display()
                    )));
                }
                Some(canonical)
            }
        };
        Ok(ContainerSpec {
            memory_bytes,
            cpu_limit,
            runtime,
            image,
            data_dir,
            request_id: opts.request_id.clone(),
            // What the harness always loaded; [`Executor::spec_for_code`] narrows it.
            preload: Preload::Full,
        })
    }

    /// [`Executor::spec_for`] with the cheapest container kind that runs `code`.
    pub fn spec_for_code(
        &self,
        code: &str,
        opts: &ExecOptions,
        data_dir: Option<&Path>,
    ) -> Result<ContainerSpec, RunnerError> {
        let mut spec = self.spec_for(opts, data_dir)?;
        spec.preload = Preload::needed_by(code, data_dir.is_some());
        Ok(spec)
    }

    async fn run(&self, code: &str, data_dir: Option<&Path>, opts: ExecOptions) -> ExecutionResult {
        let findings = match self.preflight(code, &opts) {
            Ok(findings) => findings,
            Err(refused) => return *refused,
        };
        let spec = match self.spec_for_code(code, &opts, data_dir) {
            Ok(spec) => spec,
            Err(e) => {
                let mut result = self.blank_result(&opts);
                result.error = Some(e.to_string());
                result.findings = findings;
                return result;
            }
        };
        let prepared = match self.prepare(spec).await {
            Ok(p) => p,
            Err(e) => {
                let mut result = self.blank_result(&opts);
                result.error = Some(e.to_string());
                result.findings = findings;
                return result;
            }
        };
        self.run_prepared(prepared, code, opts, findings).await
    }

    /// Creates, attaches and starts a container whose harness then waits for its request.
    pub async fn prepare(&self, spec: ContainerSpec) -> Result<PreparedContainer, RunnerError> {
        let inner = &self.inner;
        let labels = inner.owner.labels(spec.request_id.as_deref());
        // The container gets a checked, neutral copy of the data directory, never the
        // directory itself.
        let staged = match spec.data_dir.clone() {
            None => None,
            Some(dir) => Some(
                tokio::task::spawn_blocking(move || StagedData::stage(&dir))
                    .await
                    .map_err(|e| RunnerError::DataDir {
                        path: spec.data_dir.clone().unwrap_or_default(),
                        reason: format!("staging stopped: {e}"),
                    })??,
            ),
        };
        let body = hardening::container_body(
            &inner.config,
            &inner.seccomp_json,
            &spec,
            staged.as_ref().map(StagedData::source),
            labels,
        );
        let created = Instant::now();
        // The create runs in a task of its own that puts its container under a guard
        // whatever happens to this future: dropped while the engine is creating (a cancelled
        // request, a pool stopping), it would otherwise leave a container no one owns.
        let creating = inner.pending.token();
        let (docker, live, pending) = (
            inner.docker.clone(),
            inner.live.clone(),
            inner.pending.clone(),
        );
        let guard = tokio::spawn(async move {
            let response = docker
                .create_container(None::<CreateContainerOptions>, body)
                .await;
            let guard = response.map(|r| ContainerGuard::new(docker, r.id, live, &pending));
            drop(creating);
            guard
        })
        .await
        .map_err(|e| RunnerError::Protocol(format!("container create task: {e}")))?
        .map_err(|e| match e {
            ref err if is_not_found(err) => RunnerError::ImageMissing {
                image: inner.config.image_of(spec.image).to_string(),
            },
            other => RunnerError::docker("container create")(other),
        })?;
        // From here on the guard owns the container: any early return removes it.
        let attach = inner
            .docker
            .attach_container(
                guard.id(),
                Some(AttachContainerOptions {
                    stdin: true,
                    stdout: true,
                    stderr: true,
                    stream: true,
                    logs: false,
                    detach_keys: None,
                }),
            )
            .await
            .map_err(RunnerError::docker("container attach"))?;
        inner
            .docker
            .start_container(guard.id(), None)
            .await
            .map_err(RunnerError::docker("container start"))?;
        Ok(PreparedContainer {
            guard,
            output: attach.output,
            input: attach.input,
            spec,
            staged,
            created,
            ready: false,
        })
    }

    /// Kills a running container on behalf of the runtime monitor; `reason` ends up in the
    /// execution's `killed_reason`.
    ///
    /// Only containers this runner is using can be killed: an id from elsewhere is refused.
    ///
    /// Returns once the kill is recorded and its request is on its way, not when the engine
    /// answers: the engine answers a SIGKILL only once the container has stopped, and it
    /// stops a container only once its output has been read, which the caller may be the one
    /// to do (the execution's own loop, or the task that also drives it). Waiting here made a
    /// container that floods its output outlive its timeout by the engine client's two-minute
    /// timeout.
    pub async fn kill(&self, container_id: &str, reason: &str) -> Result<(), RunnerError> {
        let ours = self
            .inner
            .live
            .lock()
            .map(|live| live.contains(container_id))
            .unwrap_or(false);
        if !ours {
            return Err(RunnerError::Request(format!(
                "container {container_id} is not running an execution of this runner"
            )));
        }
        if let Ok(mut reasons) = self.inner.kill_reasons.lock() {
            reasons.insert(container_id.to_string(), reason.to_string());
        }
        let docker = self.inner.docker.clone();
        let id = container_id.to_string();
        tokio::spawn(async move {
            let killed = docker
                .kill_container(
                    &id,
                    Some(KillContainerOptions {
                        signal: "SIGKILL".into(),
                    }),
                )
                .await;
            match killed {
                // Already gone or already stopped: nothing left to kill.
                Ok(())
                | Err(bollard::errors::Error::DockerResponseServerError {
                    status_code: 404 | 409,
                    ..
                }) => {}
                // The execution's own deadline and removal still end the container.
                Err(e) => tracing::warn!(container = %id, error = %e, "container kill failed"),
            }
        });
        Ok(())
    }

    /// Hands `code` to a prepared container and collects the result. `findings` are the
    /// validator's (see [`Executor::preflight`]); the container's limits are the ones it was
    /// prepared with, only `opts.timeout` and `opts.events` apply here.
    pub async fn run_prepared(
        &self,
        prepared: PreparedContainer,
        code: &str,
        opts: ExecOptions,
        findings: Vec<Finding>,
    ) -> ExecutionResult {
        let inner = &self.inner;
        let PreparedContainer {
            guard,
            mut output,
            mut input,
            spec,
            staged,
            created: _,
            ready,
        } = prepared;
        let id = guard.id().to_string();
        let timeout = opts.timeout.unwrap_or(inner.config.timeout);
        let events = opts.events.clone();
        let emit = |event: ExecEvent| {
            if let Some(tx) = &events {
                let _ = tx.try_send(event);
            }
        };
        let mut result = self.blank_result(&opts);
        // What the container was made with (a warm container's spec is the pool's).
        self.set_image(&mut result, spec.image);
        result.runtime = Some(spec.runtime);
        result.findings = findings;
        result.container_id = Some(id.clone());
        emit(ExecEvent::Started {
            container_id: id.clone(),
        });

        let nonce = frame::new_nonce();
        let request = Request {
            nonce: &nonce,
            mode: if spec.data_dir.is_some() {
                "strategy"
            } else {
                "execute"
            },
            code,
            data_dir: spec.data_dir.as_ref().map(|_| DATA_MOUNT),
            max_result_bytes: inner.config.max_result_bytes,
            timeout_ms: timeout.as_millis(),
            cpus: spec.cpu_limit,
            max_threads: inner.config.pids_limit,
        };
        let mut payload = serde_json::to_vec(&request).unwrap_or_default();
        payload.push(b'\n');

        let peak = Arc::new(AtomicU64::new(0));
        let _stats = AbortOnDrop(tokio::spawn(watch_stats(
            inner.docker.clone(),
            id.clone(),
            peak.clone(),
            events.clone().zip(opts.stats_every),
        )));

        let started = Instant::now();
        let deadline = tokio::time::Instant::now() + timeout;
        let mut stdout = StreamOutput::new(
            inner.config.stdout_limit_bytes,
            inner.config.max_result_bytes + 256,
            frame::marker(&nonce),
        );
        let mut stderr = StreamOutput::new(
            inner.config.stderr_limit_bytes,
            0,
            frame::end_marker(&nonce),
        );
        let mut timed_out = false;

        // A cold container is still starting: its harness reads the request once ready.
        if !ready {
            match read_until_ready(&mut output, deadline).await {
                Readiness::Ready => {}
                // What happened shows below (exit code, OOM) once the exit is seen.
                Readiness::Ended => {}
                Readiness::Late => timed_out = true,
            }
        }
        // Hand over the request; stdin then closes so the harness sees EOF.
        let write = async {
            input.write_all(&payload).await?;
            input.flush().await?;
            input.shutdown().await
        };
        match tokio::time::timeout_at(deadline, write).await {
            Ok(Ok(())) => emit(ExecEvent::Running),
            Ok(Err(e)) => tracing::debug!(container = %id, error = %e, "stdin write failed"),
            Err(_) => timed_out = true,
        }
        drop(input);

        // Returns whether the harness is done: its closing line and result frame are in.
        let mut handle_output = |item: LogOutput| {
            match item {
                LogOutput::StdOut { message } | LogOutput::Console { message } => {
                    let live = stdout.push(&message);
                    if !live.is_empty() {
                        emit(ExecEvent::Stdout(live));
                    }
                }
                LogOutput::StdErr { message } => {
                    let live = stderr.push(&message);
                    if !live.is_empty() {
                        emit(ExecEvent::Stderr(live));
                    }
                }
                LogOutput::StdIn { .. } => {}
            }
            stdout.closing_line().is_some() && stderr.closing_line().is_some()
        };

        // Read until the streams close (or, when the answer need not wait for the exit, the
        // harness is done) or the deadline passes.
        let early = opts.defer_cleanup.is_some();
        let mut done_early = false;
        if !timed_out {
            loop {
                tokio::select! {
                    item = output.next() => match item {
                        Some(Ok(item)) => {
                            if handle_output(item) && early {
                                done_early = true;
                                break;
                            }
                        }
                        Some(Err(e)) => {
                            tracing::debug!(container = %id, error = %e, "attach stream error");
                            break;
                        }
                        None => break,
                    },
                    _ = tokio::time::sleep_until(deadline) => {
                        timed_out = true;
                        break;
                    }
                }
            }
        }
        // The streams can close before the process ends (the code closed its fds), so wait
        // for the exit itself, still under the deadline.
        if !timed_out && !done_early && !wait_exit(&inner.docker, &id, Some(deadline)).await {
            timed_out = true;
        }
        if timed_out {
            let _ = self.kill(&id, "timeout").await;
            // Collect what was written before the kill, briefly.
            let grace = tokio::time::Instant::now() + KILL_GRACE;
            while let Ok(Some(Ok(item))) = tokio::time::timeout_at(grace, output.next()).await {
                handle_output(item);
            }
            wait_exit(&inner.docker, &id, Some(grace)).await;
        }
        let elapsed = started.elapsed();
        drop(output);
        for (rest, stream) in [(stdout.finish(), 0), (stderr.finish(), 1)] {
            if !rest.is_empty() {
                emit(if stream == 0 {
                    ExecEvent::Stdout(rest)
                } else {
                    ExecEvent::Stderr(rest)
                });
            }
        }

        // Done early, the container is still winding down: there is no exit state to read.
        let inspected = if done_early {
            None
        } else {
            inner
                .docker
                .inspect_container(&id, None::<InspectContainerOptions>)
                .await
                .ok()
        };
        // The image the container really ran (the tag may have moved since connect).
        if let Some(image) = inspected.as_ref().and_then(|c| c.image.clone()) {
            result.image = Some(image);
        }
        let state = inspected.and_then(|c| c.state);
        let exit_code = state.as_ref().and_then(|s| s.exit_code);
        let mut oom_killed = state.as_ref().and_then(|s| s.oom_killed).unwrap_or(false);
        let peak_bytes = peak.load(Ordering::Relaxed);
        let monitor_reason = inner
            .kill_reasons
            .lock()
            .ok()
            .and_then(|mut r| r.remove(&id));

        result.cleanup_success = if !inner.config.cleanup_on_exit {
            guard.keep();
            Some(false)
        } else if let (true, Some(CleanupHook(hook))) = (done_early, opts.defer_cleanup) {
            tokio::spawn(async move {
                let removed = guard.remove_finished().await;
                drop(staged);
                hook(removed)
            });
            None
        } else {
            let removed = guard.remove().await;
            drop(staged);
            Some(removed)
        };

        result.execution_time = elapsed.as_secs_f64();
        result.exit_code = exit_code;
        result.timed_out = timed_out;
        result.memory_peak_mb = (peak_bytes > 0).then(|| peak_bytes as f64 / (1024.0 * 1024.0));

        let stderr_end = stderr.closing_line();
        let (stdout, stderr) = (stdout.capture(), stderr.capture());
        let (tail, tail_start) = stdout.tail();
        let found = frame::find(tail, tail_start, &nonce);
        if !timed_out && monitor_reason.is_none() && !oom_killed {
            oom_killed = ended_at_memory_limit(
                matches!(found, frame::Found::Missing),
                exit_code,
                peak_bytes,
                spec.memory_bytes,
            );
        }
        result.oom_killed = oom_killed;
        let frame_offset = match &found {
            frame::Found::Frame { offset, .. } | frame::Found::Garbled { offset, .. } => *offset,
            frame::Found::Missing => stdout.total(),
        };
        let (out, out_truncated) = stdout.head_until(frame_offset);
        let (err, err_truncated) = stderr.head_until(stderr_end.unwrap_or_else(|| stderr.total()));
        result.stdout = String::from_utf8_lossy(out).into_owned();
        result.stderr = String::from_utf8_lossy(err).into_owned();
        result.stdout_truncated = out_truncated;
        result.stderr_truncated = err_truncated;
        result.logs = if result.stderr.is_empty() {
            result.stdout.clone()
        } else {
            format!("{}{}", result.stdout, result.stderr)
        };

        let code_desc = exit_code.map_or_else(|| "unknown".to_string(), |c| c.to_string());
        if timed_out {
            result.killed_reason = Some("timeout".into());
            result.error = Some(format!(
                "Container execution timeout exceeded ({}s)",
                fmt_secs(timeout)
            ));
        } else if let Some(reason) = monitor_reason {
            result.error = Some(format!("Killed by the runtime monitor: {reason}"));
            result.killed_reason = Some(reason);
        } else if oom_killed {
            result.killed_reason = Some("memory limit".into());
            result.error = Some(format!(
                "Memory limit exceeded ({}): the process was killed by the OOM killer",
                human_bytes(spec.memory_bytes)
            ));
        } else {
            match found {
                frame::Found::Frame { frame, .. } => {
                    result.signal = frame.signal;
                    if frame.ok && result.signal.is_null() {
                        // Programs written for the original print their result instead.
                        if let Some(signal) = markers::signal_from_stdout(&result.stdout) {
                            result.signal = signal;
                        }
                    }
                    result.result_truncated = frame.result_truncated;
                    if let Some(e) = frame.error {
                        result.error = Some(if e.message.is_empty() {
                            e.kind.clone()
                        } else {
                            format!("{}: {}", e.kind, e.message)
                        });
                        result.error_type = Some(e.kind);
                        result.traceback = (!e.traceback.is_empty()).then_some(e.traceback);
                    }
                    if !done_early && exit_code != Some(0) {
                        result.error.get_or_insert_with(|| {
                            format!("the program exited with code {code_desc} after reporting its result")
                        });
                    } else if !frame.ok {
                        result.error.get_or_insert_with(|| {
                            "the code failed without an error message".into()
                        });
                    } else {
                        result.success = result.error.is_none();
                    }
                }
                frame::Found::Garbled { reason, .. } => {
                    result.error = Some(format!("garbled result frame: {reason}"));
                }
                frame::Found::Missing => {
                    let why = match exit_code {
                        Some(0) => " (it may have closed or redirected its stdout)".to_string(),
                        Some(137) => " (killed by SIGKILL)".to_string(),
                        Some(139) => " (segmentation fault)".to_string(),
                        // The harness's native limits (crates/sandbox-native).
                        Some(124) => " (the harness's wall-clock alarm ended it)".to_string(),
                        Some(125) => {
                            " (it started more threads than the sandbox allows)".to_string()
                        }
                        Some(c) if c > 128 => format!(" (signal {})", c - 128),
                        _ => String::new(),
                    };
                    result.error = Some(format!(
                        "no result frame: the program exited with code {code_desc} before finishing{why}"
                    ));
                }
            }
        }
        result
    }

    /// Every container Stockade manages on this engine (all runners).
    pub async fn list_managed(&self) -> Result<Vec<ManagedContainer>, RunnerError> {
        let owner = &self.inner.owner;
        cleanup::list_managed(&self.inner.docker, Some(&owner.instance), &owner.state).await
    }

    /// Containers left behind: their runner is dead, or they belong to this runner but no
    /// execution is using them.
    pub async fn orphaned_containers(&self) -> Result<Vec<ManagedContainer>, RunnerError> {
        let live: HashSet<String> = self
            .inner
            .live
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default();
        let ours = &self.inner.owner.instance;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Ok(self
            .list_managed()
            .await?
            .into_iter()
            .filter(|c| {
                if &c.instance == ours {
                    // A container this runner is creating right now is not registered yet;
                    // give it time before calling it abandoned.
                    !live.contains(&c.id) && now.saturating_sub(c.created_at) > OWN_GRACE.as_secs()
                } else {
                    !c.owner_alive
                }
            })
            .collect())
    }

    /// Removes [`Executor::orphaned_containers`].
    pub async fn cleanup_orphaned_containers(&self) -> Result<CleanupReport, RunnerError> {
        let owner = &self.inner.owner;
        let orphans = self.orphaned_containers().await?;
        Ok(cleanup::remove_dead_instances(&self.inner.docker, &owner.state, &orphans).await)
    }

    /// Removes the containers of other runner instances proven dead, leaving this runner's
    /// own (those kept by `cleanup_on_exit: false` stay until asked for); returns how many
    /// orphans, this runner's included, are left.
    pub async fn sweep_dead_runners(&self) -> Result<(CleanupReport, usize), RunnerError> {
        let owner = &self.inner.owner;
        let (theirs, ours): (Vec<_>, Vec<_>) = self
            .orphaned_containers()
            .await?
            .into_iter()
            .partition(|c| c.instance != owner.instance);
        let report =
            cleanup::remove_dead_instances(&self.inner.docker, &owner.state, &theirs).await;
        Ok((report.clone(), ours.len() + report.failed.len()))
    }

    /// Waits (at most `within`) until no container of this runner is being created, held or
    /// removed in the background; false when time ran out first. A runner that is stopping
    /// calls this before its final sweep and before it exits.
    pub async fn settle(&self, within: Duration) -> bool {
        tokio::time::timeout(within, self.inner.pending.settled())
            .await
            .is_ok()
    }

    /// Removes every container this runner created (in-flight executions then fail).
    pub async fn cleanup_all(&self) -> Result<CleanupReport, RunnerError> {
        let ours = &self.inner.owner.instance;
        let ids = self
            .list_managed()
            .await?
            .into_iter()
            .filter(|c| &c.instance == ours)
            .map(|c| c.id)
            .collect();
        Ok(cleanup::remove_all(&self.inner.docker, ids).await)
    }

    /// Removes every Stockade container on the engine, whichever runner owns it.
    pub async fn cleanup_every_managed(&self) -> Result<CleanupReport, RunnerError> {
        cleanup::remove_every_managed(&self.inner.docker).await
    }
}

fn fmt_secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{}", s as u64)
    } else {
        format!("{s:.1}")
    }
}

/// Waits until the container is not running; false when `deadline` passed first.
async fn wait_exit(docker: &Docker, id: &str, deadline: Option<tokio::time::Instant>) -> bool {
    let mut wait = docker.wait_container(
        id,
        Some(WaitContainerOptions {
            condition: "not-running".into(),
        }),
    );
    // Any answer (including a non-zero exit, reported as an error by bollard) means it ended.
    let done = wait.next();
    match deadline {
        Some(d) => tokio::time::timeout_at(d, done).await.is_ok(),
        None => {
            done.await;
            true
        }
    }
}

/// Aborts the task when dropped (the stats watcher must not outlive its execution).
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Whether a run the runner did not end was ended by the OOM killer, when the engine did not
/// say so. The engine learns of an OOM kill from an event that can arrive after the exit, and
/// under gVisor the killed process is the sandbox itself, whose end the engine reports as 137
/// or as runsc's own failure (2). So the kernel's high-water mark decides: a run that ended
/// unfinished (no result frame, a non-zero exit) with its cgroup at the limit.
fn ended_at_memory_limit(
    unfinished: bool,
    exit_code: Option<i64>,
    peak_bytes: u64,
    limit_bytes: u64,
) -> bool {
    unfinished && exit_code != Some(0) && peak_bytes as f64 >= 0.9 * limit_bytes as f64
}

/// Tracks the container's peak memory and, when asked, sends resource samples.
///
/// Where the host's cgroup v1 files are readable ([`cgroup::Cgroup`]), the kernel's own
/// high-water mark is read often and samples come from the same files, which costs the engine
/// nothing. Otherwise the engine's stats API (slower, and work for dockerd) is read once per
/// `samples` period, and for the peak.
async fn watch_stats(
    docker: Docker,
    id: String,
    peak: Arc<AtomicU64>,
    samples: Option<(mpsc::Sender<ExecEvent>, Duration)>,
) {
    let cgroup = cgroup::Cgroup::open(&id);
    let started = Instant::now();
    let mut tick = tokio::time::interval(CGROUP_PERIOD);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_reading = None::<Instant>;
    let mut counters = None;
    // The CPU counter at the start, so the first sample already has a rate.
    let mut cpu_reading = cgroup.as_ref().and_then(cgroup::Cgroup::cpu);
    loop {
        tick.tick().await;
        let from_cgroup = cgroup.as_ref().and_then(cgroup::Cgroup::peak);
        if let Some(bytes) = from_cgroup {
            peak.fetch_max(bytes, Ordering::Relaxed);
        }
        let period = match (&samples, from_cgroup) {
            (Some((_, every)), _) => *every,
            (None, None) => PEAK_PERIOD,
            (None, Some(_)) => continue,
        };
        let due = match last_reading {
            None => started.elapsed() >= FIRST_READING.min(period),
            Some(t) => t.elapsed() >= period,
        };
        if !due {
            continue;
        }
        last_reading = Some(Instant::now());
        if let (Some((tx, _)), Some(c)) = (&samples, cgroup.as_ref().filter(|c| c.can_sample())) {
            // The files go away with the container, and a cgroup with no task left is a run
            // that has ended: nothing more to sample.
            let Some((sample, now)) = c.sample(cpu_reading).filter(|(s, _)| s.pids > 0) else {
                break;
            };
            cpu_reading = Some(now);
            let _ = tx.try_send(ExecEvent::Stats(sample));
            continue;
        }
        let mut stream = docker.stats(
            &id,
            Some(StatsOptions {
                stream: false,
                one_shot: true,
            }),
        );
        let Some(Ok(stats)) = stream.next().await else {
            break;
        };
        // A stopped container's reading is empty (no limit), and one with no task left has
        // ended: neither is a sample of the run.
        let ended = stats.pids_stats.as_ref().and_then(|p| p.current) == Some(0);
        if ended
            || stats
                .memory_stats
                .as_ref()
                .and_then(|m| m.limit)
                .is_none_or(|l| l == 0)
        {
            break;
        }
        let memory = stats.memory_stats.as_ref();
        // cgroup v1 reports the high-water mark; elsewhere the samples' maximum is the best
        // available estimate.
        let high = memory
            .and_then(|m| m.max_usage)
            .unwrap_or(0)
            .max(memory.and_then(|m| m.usage).unwrap_or(0));
        peak.fetch_max(high, Ordering::Relaxed);
        let (sample, now) = crate::monitor::sample_of(&stats, counters);
        counters = now;
        if let Some((tx, _)) = &samples {
            let _ = tx.try_send(ExecEvent::Stats(sample));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ended_at_memory_limit;

    const LIMIT: u64 = 2 << 30;

    #[test]
    fn an_unfinished_run_at_the_memory_limit_was_ended_by_the_oom_killer() {
        // runc's SIGKILL, and runsc's own failure when its sandbox process was the one killed.
        assert!(ended_at_memory_limit(true, Some(137), LIMIT, LIMIT));
        assert!(ended_at_memory_limit(
            true,
            Some(2),
            LIMIT - (100 << 20),
            LIMIT
        ));
    }

    #[test]
    fn a_finished_run_a_clean_exit_or_memory_to_spare_is_not_an_oom_kill() {
        assert!(!ended_at_memory_limit(false, Some(1), LIMIT, LIMIT));
        assert!(!ended_at_memory_limit(true, Some(0), LIMIT, LIMIT));
        assert!(!ended_at_memory_limit(true, Some(137), LIMIT / 2, LIMIT));
    }
}
