//! Errors of the runner, one enum per concern.

use std::path::PathBuf;

/// A configuration file or value that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The text is not YAML.
    #[error("not valid YAML: {0}")]
    Syntax(String),
    /// The YAML does not have the expected shape (unknown key, wrong type).
    #[error("{0}")]
    Schema(String),
    /// A value is out of range or unsafe. `key` is the dotted path or environment variable.
    #[error("{key}: {message}")]
    Invalid {
        /// The dotted key (`docker.memory_limit`) or environment variable.
        key: String,
        /// What is wrong, quoting the bad value.
        message: String,
    },
}

/// Failures of the runner outside one execution's own outcome.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunnerError {
    /// The configuration is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The Docker engine cannot be reached; no code is ever run outside a container.
    #[error("cannot reach the Docker engine at {host}: {reason}. Start dockerd (scripts/setup-engine.sh) or set DOCKER_HOST; Stockade never runs code outside a container")]
    DockerUnreachable {
        /// The address tried.
        host: String,
        /// What went wrong.
        reason: String,
    },
    /// The sandbox image is not present in the engine.
    #[error("Docker image not found: {image} (build it with `stockade image build`)")]
    ImageMissing {
        /// The configured image.
        image: String,
    },
    /// The configured runtime is not registered with the engine.
    #[error(
        "the {runtime} runtime is not registered with the Docker engine (available: {available})"
    )]
    RuntimeMissing {
        /// The requested runtime.
        runtime: String,
        /// What the engine offers.
        available: String,
    },
    /// The request asked for a runtime the configuration does not allow.
    #[error("the {runtime} runtime is not allowed here (docker.allowed_runtimes: {allowed})")]
    RuntimeNotAllowed {
        /// The requested runtime.
        runtime: String,
        /// What the configuration allows.
        allowed: String,
    },
    /// The request asked for an image variant the configuration does not allow.
    #[error("the {variant} image is not allowed here (docker.allowed_images: {allowed})")]
    ImageNotAllowed {
        /// The requested variant.
        variant: String,
        /// What the configuration allows.
        allowed: String,
    },
    /// The request asked for an allowed image variant whose image the engine does not have.
    #[error("the {variant} image ({image}) is not built on this server (build it with `stockade image build --variant {variant}`, then restart)")]
    ImageVariantMissing {
        /// The requested variant.
        variant: String,
        /// The image the configuration names for it.
        image: String,
    },
    /// A data directory cannot be mounted into a sandbox safely.
    #[error("data directory {}: {reason}", path.display())]
    DataDir {
        /// The offending path (the directory, or the entry inside it).
        path: PathBuf,
        /// Why it is refused.
        reason: String,
    },
    /// The seccomp profile cannot be used.
    #[error("seccomp profile {}: {reason}", path.display())]
    Seccomp {
        /// The profile file.
        path: PathBuf,
        /// Why it was refused.
        reason: String,
    },
    /// `docker.enabled` is false; there is no unsandboxed mode to fall back to.
    #[error("the Docker sandbox is disabled (docker.enabled: false) and Stockade has no unsandboxed mode")]
    SandboxDisabled,
    /// A per-request override is outside the server's bounds.
    #[error("{0}")]
    Request(String),
    /// A Docker API call failed.
    #[error("Docker {action} failed: {source}")]
    Docker {
        /// What was being done.
        action: &'static str,
        /// The engine's error.
        source: bollard::errors::Error,
    },
    /// The engine accepted a request but violated the protocol.
    #[error("{0}")]
    Protocol(String),
    /// A started container's harness never said it was ready.
    #[error("the sandbox container did not become ready: {0}")]
    NotReady(String),
    /// The runner's liveness record (which proves its containers are not orphans) cannot be
    /// kept.
    #[error("liveness record {}: {reason}", path.display())]
    Liveness {
        /// The file or directory.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
}

impl RunnerError {
    pub(crate) fn docker(action: &'static str) -> impl FnOnce(bollard::errors::Error) -> Self {
        move |source| RunnerError::Docker { action, source }
    }
}

/// True when a Docker error means "no such object".
pub(crate) fn is_not_found(e: &bollard::errors::Error) -> bool {
    matches!(
        e,
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}
