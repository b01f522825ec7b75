//! `stockade._native`: the Rust half of the `stockade` Python package.
//!
//! Three things cross the boundary, each backed by the crate that owns it so that Python sees
//! exactly what the CLI and the HTTP API see: the validator (`stockade-validator`, in process),
//! the sandbox configuration with its checks (`stockade-runner`'s `config`), and the runner's
//! executor (`stockade-runner`'s `Executor`, driven on a private tokio runtime). The Python
//! package (`python/stockade`) wraps these in the spec's `SecurityValidator`, `DockerConfig`
//! and `DockerExecutor`. Every call that waits on the engine releases the GIL.
//!
//! ```python
//! from stockade import _native
//! findings = _native.validate("import os\n", _native.Policy())
//! assert findings[0][0] == "SBX101"
//! ```

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use pyo3::create_exception;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use stockade_runner::config::SandboxConfig;
use stockade_runner::defaults;
use stockade_runner::error::RunnerError;
use stockade_runner::executor::{ExecOptions, Executor};
use stockade_runner::monitor;
use stockade_runner::result::ExecutionResult;
use stockade_validator::{rule, LineIndex};

create_exception!(
    _native,
    StockadeError,
    PyRuntimeError,
    "Base class of Stockade's errors."
);
create_exception!(
    _native,
    EngineUnavailable,
    StockadeError,
    "The Docker engine (or the `stockade serve` at the URL) cannot be reached. Stockade never \
     runs code outside a container, so there is nothing to fall back to."
);
create_exception!(
    _native,
    ValidationRejected,
    StockadeError,
    "The validator rejected the code (raised only by APIs that promise accepted code)."
);

/// A validator policy (allowed imports and attributes, limits), parsed and checked once.
#[pyclass(frozen, module = "stockade._native")]
struct Policy {
    inner: stockade_validator::Policy,
}

#[pymethods]
impl Policy {
    /// The built-in default policy.
    #[new]
    fn new() -> Self {
        Policy {
            inner: stockade_validator::Policy::default(),
        }
    }

    /// Parses a policy from YAML or JSON text (as `stockade validate --policy` reads files).
    #[staticmethod]
    fn from_text(text: &str, json: bool) -> PyResult<Self> {
        let parsed = if json {
            stockade_validator::Policy::from_json(text)
        } else {
            stockade_validator::Policy::from_yaml(text)
        };
        parsed
            .map(|inner| Policy { inner })
            .map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// Modules the code may import.
    fn allowed_imports(&self) -> Vec<String> {
        self.inner.allowed_imports.clone()
    }
}

/// One finding as a tuple: code, rule name, severity, message, help, byte start, byte end,
/// line, column, end line, end column (1-based, columns in characters).
type FindingTuple = (
    &'static str,
    &'static str,
    &'static str,
    String,
    String,
    usize,
    usize,
    usize,
    usize,
    usize,
    usize,
);

/// Validates `code` against `policy` (the default policy when `None`), in process.
///
/// Returns the findings in source order; an empty list means the code may run. The GIL is
/// released while the validator works, so threads validate in parallel.
#[pyfunction]
#[pyo3(signature = (code, policy=None))]
fn validate(py: Python<'_>, code: &str, policy: Option<&Policy>) -> Vec<FindingTuple> {
    let default;
    let policy = match policy {
        Some(p) => &p.inner,
        None => {
            default = stockade_validator::Policy::default();
            &default
        }
    };
    py.detach(|| {
        let report = stockade_validator::validate(code, policy);
        let index = LineIndex::new(code);
        report
            .findings
            .into_iter()
            .map(|f| {
                let start = index.location(code, f.span.start);
                let end = index.location(code, f.span.end);
                (
                    f.code,
                    rule(f.code).map_or("", |r| r.name),
                    f.severity.as_str(),
                    f.message,
                    f.help,
                    f.span.start,
                    f.span.end,
                    start.line,
                    start.column,
                    end.line,
                    end.column,
                )
            })
            .collect()
    })
}

/// Every rule as a tuple: code, name, family, severity, summary, documentation (Markdown).
#[pyfunction]
fn rules() -> Vec<(
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    String,
)> {
    stockade_validator::rules()
        .iter()
        .map(|r| {
            (
                r.code,
                r.name,
                r.family,
                r.severity.as_str(),
                r.summary,
                r.markdown(),
            )
        })
        .collect()
}

/// A validated sandbox configuration (the runner's own type and checks).
#[pyclass(frozen, module = "stockade._native")]
struct Config {
    inner: SandboxConfig,
}

fn config_error(e: impl std::fmt::Display) -> PyErr {
    // ConfigError's messages start with the dotted key (`docker.memory_limit: ...`).
    PyValueError::new_err(e.to_string())
}

#[pymethods]
impl Config {
    /// Parses and checks configuration text (YAML or JSON, the `docker_config.yaml` format).
    /// With `use_env`, `${VAR}` is substituted and the `DOCKER_*` overrides apply; without,
    /// the text alone decides (what `DockerConfig(...)` with explicit values wants).
    #[staticmethod]
    fn from_text(text: &str, use_env: bool) -> PyResult<Self> {
        let inner = if use_env {
            SandboxConfig::from_yaml_str(text)
        } else {
            SandboxConfig::from_yaml_str_with_env(text, |_| None)
        };
        inner.map(|inner| Config { inner }).map_err(config_error)
    }

    /// Reads and checks a configuration file (environment substitution and overrides apply;
    /// a relative seccomp profile is resolved as the CLI resolves it).
    #[staticmethod]
    fn load(path: PathBuf) -> PyResult<Self> {
        SandboxConfig::load(&path)
            .map(|inner| Config { inner })
            .map_err(config_error)
    }

    /// What `stockade run` uses when no file is named: the file in `STOCKADE_CONFIG`, else
    /// `config/docker_config.yaml` in the working directory when there is one, else the
    /// configuration built into this module (whose seccomp profile is built in too).
    #[staticmethod]
    fn discover() -> PyResult<Self> {
        if let Some(path) = std::env::var_os("STOCKADE_CONFIG").filter(|p| !p.is_empty()) {
            return Self::load(PathBuf::from(path));
        }
        if Path::new(defaults::CONFIG_FILE).is_file() {
            return Self::load(PathBuf::from(defaults::CONFIG_FILE));
        }
        Self::from_text(defaults::CONFIG_YAML, true)
    }

    /// The configuration as JSON (units in the names: `memory_bytes`, `timeout` in seconds).
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner).map_err(|e| StockadeError::new_err(e.to_string()))
    }
}

/// The runner's executor on a private tokio runtime: what `DockerExecutor` uses when no
/// `stockade serve` URL is given.
#[pyclass(frozen, module = "stockade._native")]
struct Runner {
    runtime: tokio::runtime::Runtime,
    config: SandboxConfig,
    /// `None` until connected (the image may be missing at first) and after `close()`.
    executor: Mutex<Option<Executor>>,
}

/// Maps a runner error to the exception Python code should catch.
fn runner_error(e: RunnerError) -> PyErr {
    match e {
        RunnerError::DockerUnreachable { .. } => EngineUnavailable::new_err(e.to_string()),
        RunnerError::Config(c) => config_error(c),
        other => StockadeError::new_err(other.to_string()),
    }
}

fn to_json(result: &ExecutionResult) -> PyResult<String> {
    serde_json::to_string(result).map_err(|e| StockadeError::new_err(e.to_string()))
}

impl Runner {
    /// The connected executor, connecting first when needed. `Ok(Err(result))` is a failed
    /// result for a missing image, which the spec reports in the result, not as an exception.
    fn executor(&self) -> PyResult<Result<Executor, ExecutionResult>> {
        let mut slot = self
            .executor
            .lock()
            .map_err(|_| StockadeError::new_err("the executor's lock is poisoned"))?;
        if let Some(executor) = slot.as_ref() {
            return Ok(Ok(executor.clone()));
        }
        match self
            .runtime
            .block_on(Executor::connect(self.config.clone()))
        {
            Ok(executor) => {
                *slot = Some(executor.clone());
                Ok(Ok(executor))
            }
            Err(e @ RunnerError::ImageMissing { .. }) => Ok(Err(ExecutionResult {
                error: Some(e.to_string()),
                cleanup_success: Some(true),
                ..Default::default()
            })),
            Err(e) => Err(runner_error(e)),
        }
    }

    fn connected(&self) -> PyResult<Executor> {
        match self.executor()? {
            Ok(executor) => Ok(executor),
            Err(result) => Err(StockadeError::new_err(result.error.unwrap_or_default())),
        }
    }
}

#[pymethods]
impl Runner {
    /// Connects to the engine named by `DOCKER_HOST`. Raises `EngineUnavailable` when it does
    /// not answer; a missing image is reported by each execution instead.
    #[new]
    fn new(py: Python<'_>, config: &Config) -> PyResult<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("stockade-runner")
            .enable_all()
            .build()
            .map_err(|e| StockadeError::new_err(format!("cannot start the async runtime: {e}")))?;
        let runner = Runner {
            runtime,
            config: config.inner.clone(),
            executor: Mutex::new(None),
        };
        // Connect now so that an unreachable engine fails here, as the spec's constructor did;
        // a missing image is left for each execution to report in its result.
        let _image_missing = py.detach(|| runner.executor())?;
        Ok(runner)
    }

    /// Runs `code` (strategy mode when `data_dir` is given) and returns the result as JSON.
    #[pyo3(signature = (code, timeout=None, validate=true, data_dir=None))]
    fn execute(
        &self,
        py: Python<'_>,
        code: &str,
        timeout: Option<f64>,
        validate: bool,
        data_dir: Option<PathBuf>,
    ) -> PyResult<String> {
        let timeout = match timeout {
            Some(t) if t.is_finite() && t > 0.0 => Some(Duration::from_secs_f64(t)),
            Some(t) => {
                return Err(PyValueError::new_err(format!(
                    "timeout: {t} must be a positive number of seconds"
                )))
            }
            None => None,
        };
        py.detach(|| {
            let executor = match self.executor()? {
                Ok(executor) => executor,
                Err(mut result) => {
                    result.validated = validate;
                    return to_json(&result);
                }
            };
            let opts = ExecOptions {
                timeout,
                validate,
                ..Default::default()
            };
            let result = self.runtime.block_on(monitor::supervise(
                &executor,
                code,
                data_dir.as_deref(),
                opts,
            ));
            to_json(&result)
        })
    }

    /// Removes every container this runner created: `(total, removed, failed ids)`.
    fn cleanup_all(&self, py: Python<'_>) -> PyResult<(usize, usize, Vec<String>)> {
        py.detach(|| {
            let Some(executor) = self.current()? else {
                return Ok((0, 0, Vec::new()));
            };
            let report = self
                .runtime
                .block_on(executor.cleanup_all())
                .map_err(runner_error)?;
            Ok((report.total, report.removed, report.failed))
        })
    }

    /// Containers left behind (dead runners', or this runner's unused ones), as JSON.
    fn orphaned_containers(&self, py: Python<'_>) -> PyResult<String> {
        py.detach(|| {
            let executor = self.connected()?;
            let orphans = self
                .runtime
                .block_on(executor.orphaned_containers())
                .map_err(runner_error)?;
            serde_json::to_string(&orphans).map_err(|e| StockadeError::new_err(e.to_string()))
        })
    }

    /// Removes the orphaned containers: `(total, removed, failed ids)`.
    fn cleanup_orphaned_containers(&self, py: Python<'_>) -> PyResult<(usize, usize, Vec<String>)> {
        py.detach(|| {
            let executor = self.connected()?;
            let report = self
                .runtime
                .block_on(executor.cleanup_orphaned_containers())
                .map_err(runner_error)?;
            Ok((report.total, report.removed, report.failed))
        })
    }

    /// Waits for background removals, removes what is left of this runner's containers and
    /// drops the connection (and the runner's liveness record). Idempotent.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        py.detach(|| {
            let taken = self
                .executor
                .lock()
                .map_err(|_| StockadeError::new_err("the executor's lock is poisoned"))?
                .take();
            if let Some(executor) = taken {
                self.runtime.block_on(async {
                    executor.settle(Duration::from_secs(30)).await;
                    executor.cleanup_all().await.map_err(runner_error)
                })?;
            }
            Ok(())
        })
    }
}

impl Runner {
    /// The executor if connected, without connecting.
    fn current(&self) -> PyResult<Option<Executor>> {
        Ok(self
            .executor
            .lock()
            .map_err(|_| StockadeError::new_err("the executor's lock is poisoned"))?
            .clone())
    }
}

/// The Rust half of the `stockade` package.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("StockadeError", py.get_type::<StockadeError>())?;
    m.add("EngineUnavailable", py.get_type::<EngineUnavailable>())?;
    m.add("ValidationRejected", py.get_type::<ValidationRejected>())?;
    m.add_class::<Policy>()?;
    m.add_class::<Config>()?;
    m.add_class::<Runner>()?;
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    m.add_function(wrap_pyfunction!(rules, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
