//! A container's resources read straight from its cgroup (v1, Docker's cgroupfs driver).
//!
//! The engine's stats API costs dockerd a request per container per reading; the same figures
//! are a `pread` away in the kernel's cgroup files, which are served from memory and never
//! block. The files are opened once, when the container has started, and read at offset 0
//! each time. Where they are missing (cgroup v2, another cgroup driver, a runtime that puts the
//! container elsewhere) [`Cgroup::open`] returns `None` and the caller uses the stats API.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::time::Instant;

use crate::result::ResourceSample;

const ROOT: &str = "/sys/fs/cgroup";

/// Open cgroup files of one container.
#[derive(Debug)]
pub struct Cgroup {
    /// `memory.max_usage_in_bytes`: the kernel's high-water mark.
    peak: File,
    /// `memory.usage_in_bytes`, `memory.stat`, `cpuacct.usage`, `pids.current`: what a
    /// sample needs; `None` when any is missing (the peak alone is still useful).
    sampling: Option<Sampling>,
    memory_limit_bytes: u64,
}

#[derive(Debug)]
struct Sampling {
    usage: File,
    stat: File,
    cpu_ns: File,
    pids: File,
}

/// The CPU counter at one reading, for the rate over the next interval.
#[derive(Debug, Clone, Copy)]
pub struct CpuReading {
    used_ns: u64,
    at: Instant,
}

fn open(controller: &str, id: &str, file: &str) -> Option<File> {
    File::open(format!("{ROOT}/{controller}/docker/{id}/{file}")).ok()
}

/// Reads a whole (small) cgroup file from the start.
fn read(file: &File, buf: &mut [u8]) -> Option<usize> {
    file.read_at(buf, 0).ok()
}

fn read_u64(file: &File) -> Option<u64> {
    let mut buf = [0u8; 32];
    let n = read(file, &mut buf)?;
    std::str::from_utf8(&buf[..n]).ok()?.trim().parse().ok()
}

/// The value of `key` in a `memory.stat` text (`key value` lines).
fn stat_value(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|line| {
        let (k, v) = line.split_once(' ')?;
        (k == key).then(|| v.trim().parse().ok()).flatten()
    })
}

impl Cgroup {
    /// Opens the cgroup files of container `id`; `None` when its memory cgroup is not there.
    pub fn open(id: &str) -> Option<Cgroup> {
        let peak = open("memory", id, "memory.max_usage_in_bytes")?;
        let memory_limit_bytes = open("memory", id, "memory.limit_in_bytes")
            .and_then(|f| read_u64(&f))
            .unwrap_or(0);
        let sampling = (|| {
            Some(Sampling {
                usage: open("memory", id, "memory.usage_in_bytes")?,
                stat: open("memory", id, "memory.stat")?,
                cpu_ns: open("cpuacct", id, "cpuacct.usage")?,
                pids: open("pids", id, "pids.current")?,
            })
        })();
        Some(Cgroup {
            peak,
            sampling,
            memory_limit_bytes,
        })
    }

    /// Whether [`Cgroup::sample`] can work: every file it reads was there at the start.
    pub fn can_sample(&self) -> bool {
        self.sampling.is_some()
    }

    /// The memory high-water mark in bytes; `None` once the cgroup is gone.
    pub fn peak(&self) -> Option<u64> {
        read_u64(&self.peak)
    }

    /// The CPU counter now (the start of the next sample's interval).
    pub fn cpu(&self) -> Option<CpuReading> {
        Some(CpuReading {
            used_ns: read_u64(&self.sampling.as_ref()?.cpu_ns)?,
            at: Instant::now(),
        })
    }

    /// One sample: CPU in percent of one core since `previous` (0 without one), memory without
    /// the reclaimable page cache (as the stats API path and `docker stats` count it), the
    /// limit, and the task count. `None` when the files are missing or the cgroup is gone.
    pub fn sample(&self, previous: Option<CpuReading>) -> Option<(ResourceSample, CpuReading)> {
        let s = self.sampling.as_ref()?;
        let now = self.cpu()?;
        let usage = read_u64(&s.usage)?;
        let mut buf = [0u8; 4096];
        let n = read(&s.stat, &mut buf)?;
        let text = std::str::from_utf8(&buf[..n]).ok()?;
        let cpu_percent = match previous {
            Some(pre) if now.at > pre.at => {
                let used = now.used_ns.saturating_sub(pre.used_ns) as f64;
                used / now.at.duration_since(pre.at).as_nanos() as f64 * 100.0
            }
            _ => 0.0,
        };
        let sample = ResourceSample {
            cpu_percent,
            memory_bytes: crate::monitor::without_page_cache(usage, |key| stat_value(text, key)),
            memory_limit_bytes: self.memory_limit_bytes,
            pids: read_u64(&s.pids)?,
        };
        Some((sample, now))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn memory_stat_values_are_found_by_whole_key() {
        let text = "cache 4096\ninactive_file 100\ntotal_inactive_file 300\nrss 7\n";
        assert_eq!(stat_value(text, "total_inactive_file"), Some(300));
        assert_eq!(stat_value(text, "inactive_file"), Some(100));
        assert_eq!(stat_value(text, "rss"), Some(7));
        assert_eq!(stat_value(text, "file"), None);
    }

    #[test]
    fn a_container_that_does_not_exist_has_no_cgroup() {
        assert!(
            Cgroup::open("0000000000000000000000000000000000000000000000000000000000000000")
                .is_none()
        );
    }
}
