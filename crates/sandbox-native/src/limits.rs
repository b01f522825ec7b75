//! Limits that hold without the runner: a CPU-time rlimit, a wall-clock alarm and a cap on
//! live threads. They are armed once, from the request, before user code runs.

use std::sync::OnceLock;
use std::time::Duration;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

/// Exit status of a harness ended by its own wall-clock alarm (as timeout(1) uses).
pub const ALARM_EXIT: i32 = 124;
/// Exit status of a harness that ended itself because the code started too many threads.
pub const THREADS_EXIT: i32 = 125;
/// How often the thread watch counts threads.
const THREAD_POLL: Duration = Duration::from_millis(20);
/// Time past the request's timeout before the alarm fires: the runner's own timeout (which
/// reports the run properly) always comes first while the runner is alive.
const ALARM_GRACE: Duration = Duration::from_secs(10);
/// CPU seconds past timeout × cpus before SIGXCPU, for the same reason.
const CPU_GRACE_SECS: u64 = 5;

static ARMED: OnceLock<()> = OnceLock::new();

/// The limits a request carries.
#[derive(Debug, Clone, Copy, Default)]
pub struct Limits {
    /// Wall-clock limit of the run.
    pub timeout: Option<Duration>,
    /// CPU cores the run may use.
    pub cpus: Option<f64>,
    /// Most threads the process may have at once.
    pub max_threads: Option<usize>,
}

/// Arm every limit the request names. Only the first call counts.
pub fn arm(limits: Limits, end_fd: i32) -> PyResult<()> {
    if ARMED.set(()).is_err() {
        return Err(PyRuntimeError::new_err(
            "the sandbox limits are already armed",
        ));
    }
    if let Some(max) = limits.max_threads {
        start_thread_watch(max, end_fd)?;
    }
    if let Some(timeout) = limits.timeout {
        if let Some(cpus) = limits.cpus {
            set_cpu_limit(timeout, cpus)?;
        }
        start_alarm(timeout + ALARM_GRACE, end_fd)?;
    }
    Ok(())
}

/// `RLIMIT_CPU` at the CPU time used so far (start-up) plus timeout × cpus and a margin:
/// the kernel sends SIGXCPU at the soft limit and SIGKILL one second later, whether or not
/// anyone is watching the container. Never above a ceiling the container already has.
fn set_cpu_limit(timeout: Duration, cpus: f64) -> PyResult<()> {
    // SAFETY: getrusage/getrlimit/setrlimit only write the structs passed to them.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return Err(std::io::Error::last_os_error().into());
    }
    let used = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + 1) as u64;
    let budget = (timeout.as_secs_f64() * cpus.max(0.0)).ceil() as u64;
    let mut current = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    if unsafe { libc::getrlimit(libc::RLIMIT_CPU, &mut current) } != 0 {
        return Err(std::io::Error::last_os_error().into());
    }
    let soft = (used + budget + CPU_GRACE_SECS).min(current.rlim_max);
    let limit = libc::rlimit {
        rlim_cur: soft,
        rlim_max: soft.saturating_add(1).min(current.rlim_max),
    };
    if unsafe { libc::setrlimit(libc::RLIMIT_CPU, &limit) } != 0 {
        return Err(std::io::Error::last_os_error().into());
    }
    Ok(())
}

/// A native thread that ends the process when `after` has passed. User code cannot reach
/// it: it is no Python object, holds no Python state and needs nothing from the interpreter.
fn start_alarm(after: Duration, end_fd: i32) -> PyResult<()> {
    std::thread::Builder::new()
        .name("stockade-alarm".into())
        .spawn(move || {
            std::thread::sleep(after);
            let message = format!(
                "\nstockade harness: wall-clock limit of {} s reached\n",
                after.as_secs()
            );
            crate::write_all(end_fd, message.as_bytes()).ok();
            // SAFETY: _exit ends the process without running any handler user code set.
            unsafe { libc::_exit(ALARM_EXIT) }
        })
        .map(|_| ())
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start the wall-clock alarm: {e}")))
}

/// A native thread that counts the process's threads in the kernel's own list and ends the
/// process once there are more than `max`. Python 3.11 raises no audit event for a new
/// thread, and gVisor does not apply the container's pids limit to threads, so this is what
/// caps them there; under runc the pids limit refuses them first.
fn start_thread_watch(max: usize, end_fd: i32) -> PyResult<()> {
    std::thread::Builder::new()
        .name("stockade-threads".into())
        .spawn(move || loop {
            std::thread::sleep(THREAD_POLL);
            let live = std::fs::read_dir("/proc/self/task").map_or(0, |entries| entries.count());
            if live > max {
                let message = format!(
                    "\nstockade harness: {live} threads exceed the sandbox's limit of {max}\n"
                );
                crate::write_all(end_fd, message.as_bytes()).ok();
                // SAFETY: as for the alarm.
                unsafe { libc::_exit(THREADS_EXIT) }
            }
        })
        .map(|_| ())
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start the thread watch: {e}")))
}
