//! What one execution produces, and the events it streams while running.

use std::collections::BTreeMap;

use serde::Serialize;
use stockade_validator::Finding;

use crate::config::Runtime;
use crate::image::Variant;

/// The outcome of one execution: the spec's result fields plus what the runner observed.
///
/// `timed_out`, `oom_killed` and `exit_code` come from the runner's own view of Docker, never
/// from anything the code printed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ExecutionResult {
    /// The code ran to completion without raising, inside its limits.
    pub success: bool,
    /// The value the code produced (`signal` variable or `strategy()` return), JSON-encoded.
    pub signal: serde_json::Value,
    /// Why the execution failed, in one line.
    pub error: Option<String>,
    /// The Python exception type when the code raised.
    pub error_type: Option<String>,
    /// The Python traceback when the code raised.
    pub traceback: Option<String>,
    /// Wall-clock seconds from handing over the code to its end (the container's exit, or the
    /// harness's last line when the result does not wait for the exit).
    pub execution_time: f64,
    /// The container that ran the code (absent when none was created).
    pub container_id: Option<String>,
    /// The code went through the validator first.
    pub validated: bool,
    /// `Some(true)`: the container is gone (the engine answered 404), or none was created.
    /// `None`: its removal was still under way when the result was handed back (see
    /// `ExecOptions::defer_cleanup`).
    pub cleanup_success: Option<bool>,
    /// stdout then stderr, as text (both capped).
    pub logs: String,
    /// The process's exit code, when the runner waited for its exit.
    pub exit_code: Option<i64>,
    /// What the code wrote to stdout (capped, result frame removed, lossy UTF-8).
    pub stdout: String,
    /// What the code wrote to stderr (capped, lossy UTF-8).
    pub stderr: String,
    /// stdout exceeded its cap; the rest was read and discarded.
    pub stdout_truncated: bool,
    /// stderr exceeded its cap; the rest was read and discarded.
    pub stderr_truncated: bool,
    /// The wall-clock limit was reached and the container killed.
    pub timed_out: bool,
    /// The kernel's OOM killer ended the process (memory limit).
    pub oom_killed: bool,
    /// The harness replaced the value because it exceeded `max_result_bytes`.
    pub result_truncated: bool,
    /// Peak memory of the container in MiB (best effort, from the engine's stats).
    pub memory_peak_mb: Option<f64>,
    /// Why the runner (or its monitor) killed the container, if it did.
    pub killed_reason: Option<String>,
    /// Id (digest) of the image the container ran.
    pub image: Option<String>,
    /// The image variant (`default` or `modern`) the code ran on, or was meant to.
    pub image_variant: Option<Variant>,
    /// Versions of the image's main components as its build recorded them (`python3`,
    /// `numpy`, `pandas`, `pyarrow`, ...; Debian package versions in the default image,
    /// PyPI versions for its wheels).
    pub image_versions: BTreeMap<String, String>,
    /// The OCI runtime the container ran under.
    pub runtime: Option<Runtime>,
    /// The validator's findings (warnings included).
    pub findings: Vec<Finding>,
}

/// One resource sample of a running container.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ResourceSample {
    /// CPU use in percent of one core (100 = one full core).
    pub cpu_percent: f64,
    /// Memory in use, in bytes.
    pub memory_bytes: u64,
    /// The container's memory limit, in bytes.
    pub memory_limit_bytes: u64,
    /// Processes and threads in the container.
    pub pids: u64,
}

/// Streamed while an execution runs (for the monitor and live output).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ExecEvent {
    /// This container will run the code (it may still be starting).
    Started {
        /// The container's id.
        container_id: String,
    },
    /// The harness is past its own start-up (imports, filters) and has the request: from
    /// here on, what the container does is the user's code.
    Running,
    /// A chunk of stdout (result frame filtered out; only up to the cap).
    Stdout(Vec<u8>),
    /// A chunk of stderr (only up to the cap).
    Stderr(Vec<u8>),
    /// A resource sample.
    Stats(ResourceSample),
}
