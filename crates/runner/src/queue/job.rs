//! What travels on the stream: one job, the same object `POST /v1/execute` takes, plus an
//! optional client-chosen id.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::backend::RunRequest;
use crate::config::Runtime;
use crate::executor::ExecOptions;
use crate::image::Variant;

/// One job as a client submits it and as it is stored in Redis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobSpec {
    /// The client's id for the job (letters, digits, `-`, `_`, `.`, at most 64); default: a
    /// random one. Results are keyed by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    /// The Python source.
    pub code: String,
    /// Wall-clock limit, seconds (default: the worker's config).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<f64>,
    /// Memory limit, MiB (default: the worker's config).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_mb: Option<u64>,
    /// Run the validator first (default true; false only where server and worker allow it).
    #[serde(default = "yes")]
    pub validate: bool,
    /// `runc` or `runsc` (default: the worker's config).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    /// Image variant, `default` or `modern` (default: the worker's config).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// `execute` (default) or `strategy`.
    #[serde(default)]
    pub mode: JobMode,
    /// Dataset name for strategy mode (default `sample`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<String>,
    /// Accepted for compatibility with `/v1/execute`; a worker always waits for the removal.
    #[serde(default)]
    pub wait_for_cleanup: bool,
}

fn yes() -> bool {
    true
}

/// What a job's code is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobMode {
    /// A script whose result is the top-level `signal`.
    #[default]
    Execute,
    /// A `strategy(data)` function run against a dataset mounted at `/data`.
    Strategy,
}

/// A job that cannot run as sent (answered 400 at submit, stored as a failed result by a
/// worker that finds it anyway).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct JobError {
    /// Stable code for the API (`invalid_limits`, `invalid_runtime`, ...).
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
}

fn refuse(code: &'static str, message: impl Into<String>) -> JobError {
    JobError {
        code,
        message: message.into(),
    }
}

/// Longest client job id.
pub const MAX_JOB_ID: usize = 64;

/// Whether `id` may name a job (it becomes part of Redis keys and URLs).
pub fn valid_job_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_JOB_ID
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn valid_dataset_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

impl JobSpec {
    /// The execution this job asks for. `allow_unvalidated`: whether this side (server or
    /// worker) runs code the validator has not seen; when it does not, `validate: false` is
    /// refused. Limits are checked against the ceilings by the backend, not here.
    pub fn request(
        &self,
        datasets_dir: &Path,
        allow_unvalidated: bool,
    ) -> Result<RunRequest, JobError> {
        if !self.validate && !allow_unvalidated {
            return Err(refuse(
                "validation_required",
                "this service does not run unvalidated code",
            ));
        }
        let timeout = match self.timeout_seconds {
            None => None,
            Some(t) if t.is_finite() && t > 0.0 && t <= 86_400.0 => {
                Some(Duration::from_secs_f64(t))
            }
            Some(_) => {
                return Err(refuse(
                    "invalid_limits",
                    "timeout_seconds must be a positive number",
                ))
            }
        };
        let runtime = match self.runtime.as_deref().map(str::parse::<Runtime>) {
            None => None,
            Some(Ok(r)) => Some(r),
            Some(Err(msg)) => return Err(refuse("invalid_runtime", msg)),
        };
        let image = match self.image.as_deref().map(str::parse::<Variant>) {
            None => None,
            Some(Ok(v)) => Some(v),
            Some(Err(msg)) => return Err(refuse("invalid_image", msg)),
        };
        let data_dir: Option<PathBuf> = match self.mode {
            JobMode::Execute => None,
            JobMode::Strategy => {
                let name = self.dataset.as_deref().unwrap_or("sample");
                let dir = datasets_dir.join(name);
                if !valid_dataset_name(name) || !dir.is_dir() {
                    return Err(refuse(
                        "unknown_dataset",
                        format!("no dataset named {name:?}"),
                    ));
                }
                Some(dir)
            }
        };
        Ok(RunRequest {
            code: self.code.clone(),
            opts: ExecOptions {
                timeout,
                memory_bytes: self.memory_mb.map(|mb| mb.saturating_mul(1024 * 1024)),
                runtime,
                image,
                validate: self.validate,
                request_id: self.job_id.clone(),
                ..ExecOptions::default()
            },
            data_dir,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn spec(json: &str) -> JobSpec {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn unvalidated_jobs_need_the_side_that_runs_them_to_allow_it() {
        let job = spec(r#"{"code": "signal = 1", "validate": false}"#);
        let dir = Path::new("/nonexistent");
        assert_eq!(
            job.request(dir, false).unwrap_err().code,
            "validation_required"
        );
        assert!(!job.request(dir, true).unwrap().opts.validate);
    }

    #[test]
    fn limits_and_names_are_checked() {
        let dir = Path::new("/nonexistent");
        let bad = spec(r#"{"code": "", "timeout_seconds": -1}"#);
        assert_eq!(bad.request(dir, false).unwrap_err().code, "invalid_limits");
        let bad = spec(r#"{"code": "", "runtime": "kata"}"#);
        assert_eq!(bad.request(dir, false).unwrap_err().code, "invalid_runtime");
        let bad = spec(r#"{"code": "", "image": "newest"}"#);
        assert_eq!(bad.request(dir, false).unwrap_err().code, "invalid_image");
        let modern = spec(r#"{"code": "", "image": "modern"}"#);
        assert_eq!(
            modern.request(dir, false).expect("valid").opts.image,
            Some(Variant::Modern)
        );
        let bad = spec(r#"{"code": "", "mode": "strategy", "dataset": "../etc"}"#);
        assert_eq!(bad.request(dir, false).unwrap_err().code, "unknown_dataset");
        let ok = spec(r#"{"code": "", "memory_mb": 256, "job_id": "a-1"}"#);
        let req = ok.request(dir, false).unwrap();
        assert_eq!(req.opts.memory_bytes, Some(256 << 20));
        assert_eq!(req.opts.request_id.as_deref(), Some("a-1"));
    }

    #[test]
    fn unknown_fields_are_refused() {
        assert!(serde_json::from_str::<JobSpec>(r#"{"code": "", "priority": 9}"#).is_err());
    }

    #[test]
    fn job_ids_are_key_and_url_safe() {
        assert!(valid_job_id("batch-7_job.12"));
        assert!(!valid_job_id(""));
        assert!(!valid_job_id("a:b"));
        assert!(!valid_job_id("a/b"));
        assert!(!valid_job_id(&"x".repeat(65)));
    }
}
