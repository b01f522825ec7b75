//! Request and response bodies of the HTTP API, and the JSON error every failure turns into.

use serde::{Deserialize, Serialize};
use stockade_validator::{Finding, LineIndex, Location};
use warp::http::StatusCode;

/// `POST /v1/validate`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidateRequest {
    /// The Python source.
    pub code: String,
    /// A validator policy replacing the server's for this call.
    #[serde(default)]
    pub policy: Option<serde_json::Value>,
}

/// What code runs as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Plain code; the result is the top-level variable `signal`.
    #[default]
    Execute,
    /// A `strategy(data)` function run against a dataset mounted at `/data`.
    Strategy,
}

/// `POST /v1/execute` and `POST /v1/execute/stream`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecuteRequest {
    /// The Python source.
    pub code: String,
    /// Wall-clock limit, seconds (default: the config's).
    #[serde(default)]
    pub timeout_seconds: Option<f64>,
    /// Memory limit, MiB (default: the config's).
    #[serde(default)]
    pub memory_mb: Option<u64>,
    /// Run the validator first (default true; false only when the server allows it).
    #[serde(default = "yes")]
    pub validate: bool,
    /// `runc` or `runsc` (default: the config's).
    #[serde(default)]
    pub runtime: Option<String>,
    /// Image variant, `default` or `modern` (default: the config's `image_variant`).
    #[serde(default)]
    pub image: Option<String>,
    /// `execute` (default) or `strategy`.
    #[serde(default)]
    pub mode: Mode,
    /// Dataset name for strategy mode (default `sample`).
    #[serde(default)]
    pub dataset: Option<String>,
    /// Answer only once the container has exited and is removed, with its exit code and a
    /// confirmed `cleanup_success` (default false: answer as soon as the result is in and
    /// remove the container right after, about 50 ms sooner).
    #[serde(default)]
    pub wait_for_cleanup: bool,
}

fn yes() -> bool {
    true
}

/// A finding as the editor wants it: byte span plus 1-based line/column positions.
#[derive(Debug, Serialize)]
pub struct FindingView<'a> {
    /// Rule code.
    pub code: &'a str,
    /// `error` or `warning`.
    pub severity: &'static str,
    /// What is wrong.
    pub message: &'a str,
    /// What to do instead.
    pub help: &'a str,
    /// Byte offsets.
    pub span: SpanView,
    /// Start position.
    pub start: Position,
    /// End position.
    pub end: Position,
}

/// Byte offsets of a finding.
#[derive(Debug, Serialize)]
pub struct SpanView {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// A 1-based position.
#[derive(Debug, Serialize)]
pub struct Position {
    /// Line.
    pub line: usize,
    /// Column in characters.
    pub column: usize,
    /// Column in UTF-16 code units (the browser's).
    pub column_utf16: usize,
}

impl From<Location> for Position {
    fn from(l: Location) -> Self {
        Position {
            line: l.line,
            column: l.column,
            column_utf16: l.column_utf16,
        }
    }
}

/// Renders findings with positions computed against `source`.
pub fn finding_views<'a>(source: &str, findings: &'a [Finding]) -> Vec<FindingView<'a>> {
    let index = LineIndex::new(source);
    findings
        .iter()
        .map(|f| FindingView {
            code: f.code,
            severity: f.severity.as_str(),
            message: &f.message,
            help: &f.help,
            span: SpanView {
                start: f.span.start,
                end: f.span.end,
            },
            start: index.location(source, f.span.start).into(),
            end: index.location(source, f.span.end).into(),
        })
        .collect()
}

/// `POST /v1/validate` response.
#[derive(Debug, Serialize)]
pub struct ValidateResponse<'a> {
    /// True when no finding is an error (of all of them, listed or not).
    pub accepted: bool,
    /// How many findings there are in all.
    pub total_findings: usize,
    /// The first findings, in source order, at most the server's `max_findings`.
    pub findings: Vec<FindingView<'a>>,
}

/// A failure as the API reports it: a status, a stable snake_case code and a human message.
/// It is also a warp rejection, so filters can fail with it.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code.
    pub code: &'static str,
    /// Human-readable message (never internals).
    pub message: String,
    /// Seconds for a `Retry-After` header.
    pub retry_after: Option<u64>,
}

impl warp::reject::Reject for ApiError {}

impl ApiError {
    /// An error with `status`, `code` and `message`.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// 400 `bad_request`.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// Adds a `Retry-After` header.
    pub fn retry_after(mut self, seconds: u64) -> ApiError {
        self.retry_after = Some(seconds);
        self
    }

    /// The `{"error": {...}}` body.
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({"error": {"code": self.code, "message": self.message}})
    }

    /// The complete response.
    pub fn into_response(self) -> warp::reply::Response {
        let mut response =
            warp::reply::with_status(warp::reply::json(&self.body()), self.status).into_response();
        if let Some(secs) = self.retry_after {
            if let Ok(v) = secs.to_string().parse() {
                response.headers_mut().insert("retry-after", v);
            }
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                "www-authenticate",
                warp::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

use warp::Reply;
