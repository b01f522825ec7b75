//! The security event log: one JSON line per rejection, violation, kill, timeout, cleanup
//! failure or refused request, written to a size-bounded, rotated file and to `tracing`.
//!
//! Each kind of event has its own rate (a burst, then a steady rate): a flood of refused
//! requests cannot rotate the kills and violations out of the log, nor flood stderr. Events
//! over the rate are counted (`docker_security_events_dropped_total`, and `dropped_before` on
//! the next event of that kind that is written) instead of written.
//!
//! ```
//! use stockade_runner::seclog::{SecurityEvent, SecurityLog, EventKind};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let log = SecurityLog::open(dir.path().join("security.log"), 1024 * 1024, 3).unwrap();
//! log.record(&SecurityEvent::new(EventKind::Rejection).code("import os").reason("SBX101"));
//! let text = std::fs::read_to_string(dir.path().join("security.log")).unwrap();
//! assert!(text.contains("\"event\":\"rejection\""));
//! ```

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Instant, SystemTime};

use serde::Serialize;
use sha2::{Digest, Sha256};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// Validation rejected the code; no container was created.
    Rejection,
    /// The runtime monitor found a policy violation (and killed the container).
    PolicyViolation,
    /// A container was killed for another reason (OOM, client gone, shutdown).
    Kill,
    /// An execution hit its deadline.
    Timeout,
    /// A container could not be removed.
    CleanupFailure,
    /// A request was refused before reaching a handler: auth, host, origin or a full queue.
    RefusedRequest,
}

impl EventKind {
    /// The snake_case name written in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Rejection => "rejection",
            EventKind::PolicyViolation => "policy_violation",
            EventKind::Kill => "kill",
            EventKind::Timeout => "timeout",
            EventKind::CleanupFailure => "cleanup_failure",
            EventKind::RefusedRequest => "refused_request",
        }
    }

    /// Position in a per-kind table.
    fn index(self) -> usize {
        match self {
            EventKind::Rejection => 0,
            EventKind::PolicyViolation => 1,
            EventKind::Kill => 2,
            EventKind::Timeout => 3,
            EventKind::CleanupFailure => 4,
            EventKind::RefusedRequest => 5,
        }
    }
}

/// Number of [`EventKind`]s.
const KINDS: usize = 6;

/// Longest `reason` written; longer ones are cut (with a marker).
const MAX_REASON_CHARS: usize = 512;

/// One line of the security log.
#[derive(Debug, Clone, Serialize)]
pub struct SecurityEvent {
    /// RFC 3339 UTC time.
    pub time: String,
    /// What happened.
    pub event: EventKind,
    /// The request's id, when the event belongs to a request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The client's socket address, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_addr: Option<String>,
    /// SHA-256 of the submitted code (never the code itself), when there was code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_sha256: Option<String>,
    /// The rule (finding code, monitor rule, refusal code).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Human-readable detail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The container involved, when there was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_id: Option<String>,
    /// Events of this kind dropped by the rate limit since the last one written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dropped_before: Option<u64>,
}

impl SecurityEvent {
    /// An event of `kind` stamped with the current time.
    pub fn new(kind: EventKind) -> SecurityEvent {
        SecurityEvent {
            time: humantime::format_rfc3339_millis(SystemTime::now()).to_string(),
            event: kind,
            request_id: None,
            client_addr: None,
            code_sha256: None,
            rule: None,
            reason: None,
            container_id: None,
            dropped_before: None,
        }
    }

    /// Sets the request id.
    pub fn request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }

    /// Sets the client address.
    pub fn client(mut self, addr: Option<std::net::SocketAddr>) -> Self {
        self.client_addr = addr.map(|a| a.to_string());
        self
    }

    /// Records the SHA-256 of `code`.
    pub fn code(mut self, code: &str) -> Self {
        self.code_sha256 = Some(hex::encode(Sha256::digest(code.as_bytes())));
        self
    }

    /// Sets the rule.
    pub fn rule(mut self, rule: impl Into<String>) -> Self {
        self.rule = Some(rule.into());
        self
    }

    /// Sets the human-readable reason (cut to 512 characters: it may quote input).
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        let mut reason = reason.into();
        if let Some((cut, _)) = reason.char_indices().nth(MAX_REASON_CHARS) {
            reason.truncate(cut);
            reason.push('…');
        }
        self.reason = Some(reason);
        self
    }

    /// Sets the container id.
    pub fn container(mut self, id: impl Into<String>) -> Self {
        self.container_id = Some(id.into());
        self
    }
}

struct Sink {
    path: PathBuf,
    file: File,
    size: u64,
}

/// A token bucket per event kind, and the drops since the last event written.
#[derive(Debug, Clone, Copy)]
struct Budget {
    tokens: f64,
    at: Instant,
    dropped: u64,
}

/// Events of one kind written at once before the steady rate applies.
pub const DEFAULT_BURST: u32 = 100;
/// Events of one kind written a second, steadily: at ~300 bytes a line, a 10 MiB file lasts
/// about an hour of a sustained flood of that kind.
pub const DEFAULT_PER_SECOND: u32 = 10;

/// A rotating JSON-lines file: when the next line would pass `max_bytes`, `log` becomes
/// `log.1`, `log.1` becomes `log.2`, ... and the oldest beyond `keep` is deleted.
pub struct SecurityLog {
    sink: Option<Mutex<Sink>>,
    max_bytes: u64,
    keep: usize,
    per_second: f64,
    burst: f64,
    budgets: Mutex<[Option<Budget>; KINDS]>,
    dropped: Option<prometheus::IntCounter>,
}

impl std::fmt::Debug for SecurityLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecurityLog")
            .field(
                "file",
                &self
                    .sink
                    .as_ref()
                    .map(|s| s.lock().map(|s| s.path.clone()).ok()),
            )
            .field("max_bytes", &self.max_bytes)
            .field("keep", &self.keep)
            .field("per_second", &self.per_second)
            .field("burst", &self.burst)
            .finish_non_exhaustive()
    }
}

fn open_append(path: &Path) -> io::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    OpenOptions::new().create(true).append(true).open(path)
}

fn rotated(path: &Path, n: usize) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(format!(".{n}"));
    PathBuf::from(s)
}

impl SecurityLog {
    /// Opens (creating directories as needed) the log at `path`, rotating at `max_bytes` and
    /// keeping `keep` rotated files.
    pub fn open(path: impl Into<PathBuf>, max_bytes: u64, keep: usize) -> io::Result<SecurityLog> {
        let path = path.into();
        let file = open_append(&path)?;
        let size = file.metadata()?.len();
        Ok(SecurityLog {
            sink: Some(Mutex::new(Sink { path, file, size })),
            max_bytes: max_bytes.max(1),
            keep,
            ..SecurityLog::tracing_only()
        })
    }

    /// A log that only reports to `tracing` (no file).
    pub fn tracing_only() -> SecurityLog {
        SecurityLog {
            sink: None,
            max_bytes: u64::MAX,
            keep: 0,
            per_second: f64::from(DEFAULT_PER_SECOND),
            burst: f64::from(DEFAULT_BURST),
            budgets: Mutex::new([None; KINDS]),
            dropped: None,
        }
    }

    /// Writes at most `burst` events of one kind at once and `per_second` a second after that
    /// (defaults [`DEFAULT_BURST`], [`DEFAULT_PER_SECOND`]).
    pub fn with_rate(mut self, per_second: u32, burst: u32) -> SecurityLog {
        self.per_second = f64::from(per_second.max(1));
        self.burst = f64::from(burst.max(1));
        self
    }

    /// Counts events dropped by the rate limit in `counter` too.
    pub fn count_drops_in(mut self, counter: prometheus::IntCounter) -> SecurityLog {
        self.dropped = Some(counter);
        self
    }

    /// Takes one event of `kind` from its budget: `Some(dropped since the last one)`, or `None`
    /// when it is over the rate.
    fn admit(&self, kind: EventKind) -> Option<u64> {
        let now = Instant::now();
        let mut budgets = self
            .budgets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let b = budgets[kind.index()].get_or_insert(Budget {
            tokens: self.burst,
            at: now,
            dropped: 0,
        });
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + elapsed * self.per_second).min(self.burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Some(std::mem::take(&mut b.dropped))
        } else {
            b.dropped += 1;
            None
        }
    }

    /// Writes `event` to `tracing` and, as one JSON line, to the file, unless its kind is
    /// over its rate (then it is only counted).
    pub fn record(&self, event: &SecurityEvent) {
        let Some(dropped) = self.admit(event.event) else {
            if let Some(c) = &self.dropped {
                c.inc();
            }
            return;
        };
        let line = if dropped > 0 {
            let mut with_count = event.clone();
            with_count.dropped_before = Some(dropped);
            serde_json::to_string(&with_count)
        } else {
            serde_json::to_string(event)
        };
        let Ok(mut line) = line else {
            return;
        };
        tracing::warn!(target: "stockade::security", event = event.event.as_str(),
            request_id = event.request_id.as_deref(), rule = event.rule.as_deref(),
            reason = event.reason.as_deref(), dropped_before = dropped, "security event");
        line.push('\n');
        let Some(sink) = &self.sink else { return };
        let Ok(mut sink) = sink.lock() else { return };
        if let Err(err) = self.write_line(&mut sink, line.as_bytes()) {
            tracing::error!(path = %sink.path.display(), %err, "cannot write the security log");
        }
    }

    fn write_line(&self, sink: &mut Sink, line: &[u8]) -> io::Result<()> {
        if sink.size > 0 && sink.size + line.len() as u64 > self.max_bytes {
            self.rotate(sink)?;
        }
        if let Err(err) = sink.file.write_all(line) {
            // A full disk can leave part of the line behind; cut it off so the next event
            // does not start in the middle of a broken one.
            let _ = sink.file.set_len(sink.size);
            return Err(err);
        }
        sink.size += line.len() as u64;
        Ok(())
    }

    fn rotate(&self, sink: &mut Sink) -> io::Result<()> {
        if self.keep == 0 {
            sink.file = File::create(&sink.path)?;
        } else {
            let _ = std::fs::remove_file(rotated(&sink.path, self.keep));
            for n in (1..self.keep).rev() {
                let from = rotated(&sink.path, n);
                if from.exists() {
                    std::fs::rename(&from, rotated(&sink.path, n + 1))?;
                }
            }
            std::fs::rename(&sink.path, rotated(&sink.path, 1))?;
            sink.file = open_append(&sink.path)?;
        }
        sink.size = 0;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_json_with_a_code_hash_not_the_code() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("logs/sec.log");
        let log = SecurityLog::open(&path, 1 << 20, 3).unwrap();
        log.record(
            &SecurityEvent::new(EventKind::Rejection)
                .request_id("r1")
                .code("import os")
                .rule("SBX101"),
        );
        let text = std::fs::read_to_string(&path).unwrap();
        let v: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(v["event"], "rejection");
        assert_eq!(v["request_id"], "r1");
        assert_eq!(v["rule"], "SBX101");
        assert_eq!(
            v["code_sha256"],
            hex::encode(Sha256::digest(b"import os")).as_str()
        );
        assert!(!text.contains("import os"));
        assert!(v["time"].as_str().unwrap().ends_with('Z'));
    }

    /// A 16 KiB tmpfs, unmounted on drop (needs root, as the Docker tests do).
    struct SmallDisk(tempfile::TempDir);

    impl SmallDisk {
        fn mount() -> SmallDisk {
            let dir = tempfile::tempdir().unwrap();
            let status = std::process::Command::new("mount")
                .args(["-t", "tmpfs", "-o", "size=16k", "tmpfs"])
                .arg(dir.path())
                .status()
                .expect("mount(8)");
            assert!(status.success(), "mounting a tmpfs needs root");
            SmallDisk(dir)
        }
    }

    impl Drop for SmallDisk {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount")
                .arg(self.0.path())
                .status();
        }
    }

    #[test]
    fn a_full_disk_loses_the_event_that_did_not_fit_and_nothing_else() {
        let disk = SmallDisk::mount();
        let path = disk.0.path().join("sec.log");
        let log = SecurityLog::open(&path, 1 << 20, 0).unwrap();
        log.record(&SecurityEvent::new(EventKind::Kill).request_id("before"));
        // Larger than the whole disk: part of it is written, then ENOSPC.
        log.record(
            &SecurityEvent::new(EventKind::Kill)
                .request_id("too-big")
                .container("x".repeat(64 * 1024)),
        );
        log.record(&SecurityEvent::new(EventKind::Kill).request_id("after"));
        let text = std::fs::read_to_string(&path).unwrap();
        let ids: Vec<String> = text
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).expect("whole JSON lines");
                v["request_id"].as_str().unwrap().to_string()
            })
            .collect();
        assert_eq!(ids, ["before", "after"]);
    }

    #[test]
    fn a_flood_of_one_kind_is_cut_to_its_rate_and_counted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sec.log");
        let dropped = prometheus::IntCounter::new("d", "d").unwrap();
        let log = SecurityLog::open(&path, 1 << 30, 1)
            .unwrap()
            .with_rate(1, 50)
            .count_drops_in(dropped.clone());
        let began = Instant::now();
        for i in 0..10_000 {
            log.record(
                &SecurityEvent::new(EventKind::RefusedRequest)
                    .rule("unauthorized")
                    .request_id(format!("flood-{i}")),
            );
        }
        let refilled = began.elapsed().as_secs() as usize + 1;
        // Another kind still has its whole budget.
        log.record(&SecurityEvent::new(EventKind::Kill).request_id("kill"));
        let text = std::fs::read_to_string(&path).unwrap();
        let refused = text.matches("refused_request").count();
        // The burst, plus what the rate refilled while the loop ran.
        assert!(
            (50..=50 + refilled).contains(&refused),
            "{refused} refusals written"
        );
        assert!(text.contains("\"request_id\":\"kill\""));
        assert_eq!(dropped.get() as usize, 10_000 - refused);
        // The next refusal written says how many were lost before it.
        std::thread::sleep(std::time::Duration::from_millis(1100));
        log.record(&SecurityEvent::new(EventKind::RefusedRequest).request_id("after"));
        let text = std::fs::read_to_string(&path).unwrap();
        let last: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
        assert_eq!(last["request_id"], "after");
        let before = last["dropped_before"].as_u64().unwrap();
        assert!(before > 0 && before <= dropped.get());
    }

    #[test]
    fn long_reasons_are_cut() {
        let e = SecurityEvent::new(EventKind::RefusedRequest).reason("é".repeat(10_000));
        assert_eq!(e.reason.unwrap().chars().count(), MAX_REASON_CHARS + 1);
    }

    #[test]
    fn rotates_and_keeps_a_bounded_number_of_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sec.log");
        let log = SecurityLog::open(&path, 400, 2).unwrap();
        for i in 0..40 {
            log.record(&SecurityEvent::new(EventKind::Timeout).request_id(format!("req-{i}")));
        }
        assert!(std::fs::metadata(&path).unwrap().len() <= 400);
        assert!(rotated(&path, 1).exists());
        assert!(rotated(&path, 2).exists());
        assert!(!rotated(&path, 3).exists());
        // The newest event is in the live file, the oldest ones are gone.
        let live = std::fs::read_to_string(&path).unwrap();
        assert!(live.contains("req-39"));
        let all: String = [path.clone(), rotated(&path, 1), rotated(&path, 2)]
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect();
        assert!(!all.contains("\"req-0\""));
    }
}
