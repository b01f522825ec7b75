//! `_stockade_native`: the part of the sandbox harness that Python code cannot reach.
//!
//! The harness (`config/image/harness.py`) imports this module first and only calls it. What
//! must survive hostile Python lives here, in Rust data that no Python object refers to:
//!
//! - the **audit hook**, registered with `PySys_AddAuditHook`: it is not in `sys`'s hook list
//!   as a Python function, so `gc` cannot find it and there are no closure cells to rewrite;
//!   its policy (denied events and imports, readable and writable roots) is frozen here;
//! - the **request's nonce**: [`read_request`] reads the request from stdin itself and hands
//!   Python the request without it, so no frame, local or attribute ever holds it;
//! - the **result writer**: [`finish`] runs the harness's last step once and then writes the
//!   closing line and the framed result to private duplicates of the original stdout and
//!   stderr, and ends the process; a second call (from user code) is refused;
//! - the **limits** that hold without the runner (see [`limits`]).
//!
//! Built as an abi3 extension for the image's CPython (3.11) and copied into the image by
//! `stockade image build`.
//!
//! ```python
//! import _stockade_native as native          # first: duplicates fds 1 and 2
//! native.install(["/tmp"], ["/data", ...])  # hook and policy, once
//! native.ready()                            # the ready line
//! request = json.loads(native.read_request(64 << 20))
//! native.finish(lambda: run_and_encode(request))   # never returns
//! ```

mod limits;
mod policy;

use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use pyo3::create_exception;
use pyo3::exceptions::{PyPermissionError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use serde_json::Value;

create_exception!(
    _stockade_native,
    SandboxViolation,
    PyPermissionError,
    "Raised by the audit hook when user code attempts a forbidden operation."
);

const READY_LINE: &[u8] = b"\x1eSTOCKADE-READY\n";
const END_TAG: &[u8] = b"\n\x1eSTOCKADE-END ";
const RESULT_TAG: &[u8] = b"\n\x1eSTOCKADE-RESULT ";
/// Exit status when the private result fd is gone (user code closed it).
const NO_FRAME_EXIT: i32 = 3;

/// Private duplicates of the original stdout (results) and stderr (closing line).
struct Fds {
    result: i32,
    end: i32,
}

static FDS: OnceLock<Fds> = OnceLock::new();
static NONCE: OnceLock<String> = OnceLock::new();
static FINISHED: AtomicBool = AtomicBool::new(false);

fn fds() -> PyResult<&'static Fds> {
    FDS.get()
        .ok_or_else(|| PyRuntimeError::new_err("the harness fds are not set up"))
}

/// Duplicate `fd` above the standard ones, close-on-exec.
fn private_dup(fd: i32) -> std::io::Result<i32> {
    // SAFETY: F_DUPFD_CLOEXEC only creates a new descriptor.
    let new = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
    if new < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(new)
}

/// Write all of `data` to `fd`.
fn write_all(fd: i32, mut data: &[u8]) -> std::io::Result<()> {
    while !data.is_empty() {
        // SAFETY: the pointer and length describe `data`, which outlives the call.
        let n = unsafe { libc::write(fd, data.as_ptr().cast(), data.len()) };
        if n < 0 {
            let err = std::io::Error::last_os_error();
            if err.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(err);
        }
        if n == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        data = &data[n as usize..];
    }
    Ok(())
}

fn exit_now(code: i32) -> ! {
    // SAFETY: _exit skips atexit handlers and thread joins that user code may have set up.
    unsafe { libc::_exit(code) }
}

/// Register the audit hook with its policy: writes under `writable`, reads under those and
/// `readable` (symlinks in the roots are resolved now). Once per process.
#[pyfunction]
fn install(py: Python<'_>, writable: Vec<String>, readable: Vec<String>) -> PyResult<()> {
    policy::install(py, writable, readable)
}

/// Write the ready line (the first bytes on stdout).
#[pyfunction]
fn ready() -> PyResult<()> {
    Ok(write_all(fds()?.result, READY_LINE)?)
}

/// Read the request (JSON) from stdin until EOF, at most `max_bytes`. Keeps its nonce here,
/// arms the limits it names (`timeout_ms`, `cpus`, `max_threads`) and returns the request
/// without the nonce, as JSON text. Once per process.
#[pyfunction]
fn read_request(py: Python<'_>, max_bytes: u64) -> PyResult<String> {
    if NONCE.get().is_some() {
        return Err(PyRuntimeError::new_err("the request has already been read"));
    }
    let mut data = Vec::new();
    py.detach(|| {
        std::io::stdin()
            .lock()
            .take(max_bytes + 1)
            .read_to_end(&mut data)
    })?;
    if data.len() as u64 > max_bytes {
        return Err(PyValueError::new_err("request too large"));
    }
    let mut request: Value = serde_json::from_slice(&data)
        .map_err(|e| PyValueError::new_err(format!("request is not JSON: {e}")))?;
    let object = request
        .as_object_mut()
        .ok_or_else(|| PyValueError::new_err("request must be a JSON object"))?;
    let nonce = match object.remove("nonce") {
        Some(Value::String(n)) if is_nonce(&n) => n,
        _ => {
            return Err(PyValueError::new_err(
                "nonce must be 32 lowercase hex digits",
            ))
        }
    };
    let number = |key: &str| {
        object
            .get(key)
            .and_then(Value::as_f64)
            .filter(|v| v.is_finite() && *v > 0.0)
    };
    let limits = limits::Limits {
        timeout: number("timeout_ms").map(|ms| Duration::from_secs_f64(ms / 1000.0)),
        cpus: number("cpus"),
        max_threads: number("max_threads").map(|n| n as usize),
    };
    limits::arm(limits, fds()?.end)?;
    NONCE
        .set(nonce)
        .map_err(|_| PyRuntimeError::new_err("the request has already been read"))?;
    Ok(request.to_string())
}

fn is_nonce(text: &str) -> bool {
    text.len() == 32
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Run `produce()` (the harness's last step: run the code, encode the outcome) and write its
/// result: the closing line on the private stderr fd, then the frame on the private stdout fd,
/// then end the process (status 0, or 3 if the frame cannot be written). Never returns; a
/// second call, from code that `produce` runs, is refused.
#[pyfunction]
fn finish(py: Python<'_>, produce: Bound<'_, PyAny>) -> PyResult<()> {
    let fds = fds()?;
    let nonce = NONCE
        .get()
        .ok_or_else(|| PyRuntimeError::new_err("no request has been read"))?;
    if FINISHED.swap(true, Ordering::SeqCst) {
        return Err(PyRuntimeError::new_err(
            "the result has already been written",
        ));
    }
    let body = match produce.call0().and_then(|b| b.extract::<String>()) {
        Ok(text) if is_body(&text) => text,
        Ok(_) => failure_body("the harness produced a malformed result"),
        Err(err) => failure_body(&format!("the harness failed: {}", describe(py, &err))),
    };
    let mut end = END_TAG.to_vec();
    end.extend_from_slice(nonce.as_bytes());
    end.push(b'\n');
    // Without the closing line the runner waits for the exit instead: not fatal.
    write_all(fds.end, &end).ok();
    let mut frame = RESULT_TAG.to_vec();
    frame.extend_from_slice(nonce.as_bytes());
    frame.push(b' ');
    frame.extend_from_slice(body.as_bytes());
    frame.push(b'\n');
    match write_all(fds.result, &frame) {
        Ok(()) => exit_now(0),
        Err(_) => exit_now(NO_FRAME_EXIT),
    }
}

/// One line of ASCII JSON with the result's keys: what the runner can parse.
fn is_body(text: &str) -> bool {
    if !text.is_ascii() || text.contains('\n') {
        return false;
    }
    let Ok(Value::Object(body)) = serde_json::from_str::<Value>(text) else {
        return false;
    };
    body.len() == 4
        && body.get("ok").is_some_and(Value::is_boolean)
        && body.contains_key("signal")
        && body
            .get("error")
            .is_some_and(|e| e.is_null() || e.is_object())
        && body.get("result_truncated").is_some_and(Value::is_boolean)
}

fn failure_body(message: &str) -> String {
    serde_json::json!({
        "ok": false,
        "signal": null,
        "error": {"type": "HarnessError", "message": message, "traceback": ""},
        "result_truncated": false,
    })
    .to_string()
}

/// The exception's type name only: its message could be anything user code made it.
fn describe(py: Python<'_>, err: &PyErr) -> String {
    let kind = err
        .get_type(py)
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "exception".into());
    kind.chars().filter(char::is_ascii).take(200).collect()
}

/// The module: duplicates fds 1 and 2 as it loads, before anything else can touch them.
#[pymodule]
fn _stockade_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    if FDS.get().is_none() {
        let fds = Fds {
            result: private_dup(1)?,
            end: private_dup(2)?,
        };
        FDS.set(fds)
            .map_err(|_| PyRuntimeError::new_err("the harness fds are already set up"))?;
    }
    m.add("SandboxViolation", m.py().get_type::<SandboxViolation>())?;
    m.add("ALARM_EXIT", limits::ALARM_EXIT)?;
    m.add("THREADS_EXIT", limits::THREADS_EXIT)?;
    m.add_function(wrap_pyfunction!(install, m)?)?;
    m.add_function(wrap_pyfunction!(ready, m)?)?;
    m.add_function(wrap_pyfunction!(read_request, m)?)?;
    m.add_function(wrap_pyfunction!(finish, m)?)?;
    Ok(())
}
