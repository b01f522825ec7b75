//! The runtime monitor: a kill policy applied to the resource samples of each running
//! container (the executor streams them from the Docker stats API).
//!
//! Rules, with the thresholds of [`MonitorPolicy`]:
//! - `cpu_spike`: CPU above `max_cpu_percent` **of the container's own quota** (100 % = all of
//!   its `cpu_limit` cores busy) on every evaluation for `cpu_window`;
//! - `memory_spike`: memory above `max_memory_percent` of its limit for `memory_window`;
//! - `fork_bomb`: `fork_bomb_pids` or more processes/threads at any evaluation;
//! - `combined_anomaly`: CPU and memory both above `combined_percent` for `memory_window`.
//!
//! Samples arrive about once a second; the monitor evaluates at most one per
//! `runtime_monitor_interval`, so a window is judged on the samples spaced by that interval.
//!
//! ```
//! use std::time::Duration;
//! use stockade_runner::config::MonitorPolicy;
//! use stockade_runner::executor::ResourceSample;
//! use stockade_runner::monitor::{Rule, Tracker};
//!
//! let policy = MonitorPolicy {
//!     max_cpu_percent: 95.0, max_memory_percent: 95.0, max_pids: 100, fork_bomb_pids: 90,
//!     cpu_window: Duration::from_secs(15), memory_window: Duration::from_secs(10),
//!     combined_percent: 80.0,
//! };
//! // 0.5 cores: half a core busy is 100 % of the quota.
//! let mut t = Tracker::new(policy, Duration::from_secs(1), 0.5);
//! let busy = ResourceSample { cpu_percent: 50.0, memory_bytes: 1 << 20, memory_limit_bytes: 1 << 30, pids: 3 };
//! let mut hit = None;
//! for s in 0..=16 {
//!     hit = hit.or(t.observe(Duration::from_secs(s), &busy));
//! }
//! assert_eq!(hit.unwrap().rule, Rule::CpuSpike);
//! ```

use std::time::Duration;

use bollard::models::ContainerStatsResponse;
use bollard::query_parameters::StatsOptions;
use bollard::Docker;
use futures_util::{Stream, StreamExt};

use crate::config::MonitorPolicy;
use crate::executor::ResourceSample;
use crate::metrics::Metrics;

/// A monitor rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rule {
    /// Sustained CPU use.
    CpuSpike,
    /// Sustained memory use.
    MemorySpike,
    /// Too many processes or threads.
    ForkBomb,
    /// CPU and memory both high.
    CombinedAnomaly,
}

impl Rule {
    /// The rule's stable name (metric label, `killed_reason` prefix, security log).
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::CpuSpike => "cpu_spike",
            Rule::MemorySpike => "memory_spike",
            Rule::ForkBomb => "fork_bomb",
            Rule::CombinedAnomaly => "combined_anomaly",
        }
    }
}

/// A broken rule, with the figures that broke it.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// Which rule.
    pub rule: Rule,
    /// E.g. `cpu_spike: 99% of quota for 15.2 s (limit 95% for 15 s)`.
    pub reason: String,
}

impl Violation {
    /// Counts the violation in `metrics`.
    pub fn count(&self, metrics: &Metrics) {
        metrics
            .runtime_violations_total
            .with_label_values(&[self.rule.as_str()])
            .inc();
        match self.rule {
            Rule::CpuSpike => metrics.cpu_spike_kills_total.inc(),
            Rule::MemorySpike => metrics.memory_spike_kills_total.inc(),
            Rule::ForkBomb => metrics.fork_bomb_kills_total.inc(),
            Rule::CombinedAnomaly => {}
        }
    }
}

/// A condition that must hold on consecutive evaluations for a window.
#[derive(Debug, Default, Clone, Copy)]
struct Streak {
    since: Option<Duration>,
    sum: f64,
    count: u32,
}

impl Streak {
    /// Records whether the condition holds at `t` with `value`; returns (mean, duration) once
    /// it has held for `window`.
    fn update(
        &mut self,
        holds: bool,
        t: Duration,
        value: f64,
        window: Duration,
    ) -> Option<(f64, Duration)> {
        if !holds {
            *self = Streak::default();
            return None;
        }
        let since = *self.since.get_or_insert(t);
        self.sum += value;
        self.count += 1;
        let held = t.saturating_sub(since);
        (held >= window).then(|| (self.sum / f64::from(self.count), held))
    }
}

/// Per-container policy state.
#[derive(Debug)]
pub struct Tracker {
    policy: MonitorPolicy,
    interval: Duration,
    cpu_limit: f64,
    last_eval: Option<Duration>,
    cpu: Streak,
    memory: Streak,
    combined: Streak,
}

fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
}

impl Tracker {
    /// A tracker for a container limited to `cpu_limit` cores, evaluating at most once per
    /// `interval`.
    pub fn new(policy: MonitorPolicy, interval: Duration, cpu_limit: f64) -> Tracker {
        Tracker {
            policy,
            interval,
            cpu_limit: if cpu_limit > 0.0 { cpu_limit } else { 1.0 },
            last_eval: None,
            cpu: Streak::default(),
            memory: Streak::default(),
            combined: Streak::default(),
        }
    }

    /// CPU use of `sample` in percent of this container's quota.
    pub fn cpu_quota_percent(&self, sample: &ResourceSample) -> f64 {
        sample.cpu_percent / self.cpu_limit
    }

    /// Feeds the sample taken `t` after the start; returns the first rule it breaks.
    pub fn observe(&mut self, t: Duration, sample: &ResourceSample) -> Option<Violation> {
        if let Some(last) = self.last_eval {
            // Tolerate jitter in Docker's roughly 1 s cadence.
            if t.saturating_sub(last) + Duration::from_millis(250) < self.interval {
                return None;
            }
        }
        self.last_eval = Some(t);
        let p = &self.policy;
        if p.fork_bomb_pids > 0 && sample.pids >= p.fork_bomb_pids {
            return Some(Violation {
                rule: Rule::ForkBomb,
                reason: format!(
                    "fork_bomb: {} processes/threads (limit {})",
                    sample.pids, p.fork_bomb_pids
                ),
            });
        }
        let cpu = self.cpu_quota_percent(sample);
        let mem = if sample.memory_limit_bytes > 0 {
            sample.memory_bytes as f64 * 100.0 / sample.memory_limit_bytes as f64
        } else {
            0.0
        };
        let (cpu_window, memory_window) = (p.cpu_window, p.memory_window);
        let (max_cpu, max_mem, combined) =
            (p.max_cpu_percent, p.max_memory_percent, p.combined_percent);
        if let Some((mean, held)) = self.cpu.update(cpu > max_cpu, t, cpu, cpu_window) {
            return Some(Violation {
                rule: Rule::CpuSpike,
                reason: format!(
                    "cpu_spike: {mean:.0}% of quota for {} (limit {max_cpu:.0}% for {})",
                    secs(held),
                    secs(cpu_window)
                ),
            });
        }
        if let Some((mean, held)) = self.memory.update(mem > max_mem, t, mem, memory_window) {
            return Some(Violation {
                rule: Rule::MemorySpike,
                reason: format!(
                    "memory_spike: {mean:.0}% of the memory limit for {} (limit {max_mem:.0}% for {})",
                    secs(held),
                    secs(memory_window)
                ),
            });
        }
        let both = cpu > combined && mem > combined;
        if let Some((mean, held)) = self.combined.update(both, t, cpu.min(mem), memory_window) {
            return Some(Violation {
                rule: Rule::CombinedAnomaly,
                reason: format!(
                    "combined_anomaly: CPU and memory both at {mean:.0}% or more for {} (limit {combined:.0}% for {})",
                    secs(held),
                    secs(memory_window)
                ),
            });
        }
        None
    }
}

/// The container's resource samples, about one a second, from Docker's streaming stats API
/// (which carries the previous reading, so CPU use is a true rate over the last interval).
/// Ends when the container stops.
pub fn samples(
    docker: &Docker,
    container_id: &str,
) -> impl Stream<Item = ResourceSample> + Send + 'static {
    docker
        .stats(
            container_id,
            Some(StatsOptions {
                stream: true,
                one_shot: false,
            }),
        )
        .take_while(|r| std::future::ready(r.is_ok()))
        .filter_map(|r| std::future::ready(r.ok().map(|s| sample_of(&s))))
}

/// Converts one stats reading: CPU in percent of one core over the interval since the
/// previous reading; memory without the reclaimable page cache (as `docker stats` shows it).
pub fn sample_of(stats: &ContainerStatsResponse) -> ResourceSample {
    let cpu_percent = match (&stats.cpu_stats, &stats.precpu_stats) {
        (Some(cur), Some(pre)) => {
            let total = |s: &bollard::models::ContainerCpuStats| {
                s.cpu_usage
                    .as_ref()
                    .and_then(|u| u.total_usage)
                    .unwrap_or(0)
            };
            let cpu = total(cur).saturating_sub(total(pre)) as f64;
            let system = cur
                .system_cpu_usage
                .unwrap_or(0)
                .saturating_sub(pre.system_cpu_usage.unwrap_or(0)) as f64;
            let cpus = cur.online_cpus.unwrap_or(1).max(1) as f64;
            // The first reading has no previous one (system delta is the whole uptime).
            if system > 0.0 && pre.system_cpu_usage.unwrap_or(0) > 0 {
                cpu / system * cpus * 100.0
            } else {
                0.0
            }
        }
        _ => 0.0,
    };
    let memory = stats.memory_stats.as_ref();
    let usage = memory.and_then(|m| m.usage).unwrap_or(0);
    let cache = memory
        .and_then(|m| m.stats.as_ref())
        .and_then(|s| {
            s.get("total_inactive_file")
                .or_else(|| s.get("inactive_file"))
                .copied()
        })
        .unwrap_or(0);
    ResourceSample {
        cpu_percent,
        memory_bytes: usage.saturating_sub(cache),
        memory_limit_bytes: memory.and_then(|m| m.limit).unwrap_or(0),
        pids: stats
            .pids_stats
            .as_ref()
            .and_then(|p| p.current)
            .unwrap_or(0),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn policy() -> MonitorPolicy {
        MonitorPolicy {
            max_cpu_percent: 95.0,
            max_memory_percent: 95.0,
            max_pids: 100,
            fork_bomb_pids: 90,
            cpu_window: Duration::from_secs(15),
            memory_window: Duration::from_secs(10),
            combined_percent: 80.0,
        }
    }

    fn sample(cpu: f64, mem_pct: f64, pids: u64) -> ResourceSample {
        ResourceSample {
            cpu_percent: cpu,
            memory_bytes: (mem_pct * 10.0) as u64,
            memory_limit_bytes: 1000,
            pids,
        }
    }

    fn run(t: &mut Tracker, seconds: u64, s: ResourceSample) -> Option<(u64, Violation)> {
        (0..=seconds).find_map(|i| t.observe(Duration::from_secs(i), &s).map(|v| (i, v)))
    }

    #[test]
    fn cpu_is_measured_against_the_quota() {
        // Half a core busy with a 0.5-core quota is 100 %: killed after the window.
        let mut t = Tracker::new(policy(), Duration::from_secs(1), 0.5);
        let (at, v) = run(&mut t, 30, sample(50.0, 10.0, 5)).unwrap();
        assert_eq!(at, 15);
        assert_eq!(v.rule, Rule::CpuSpike);
        assert_eq!(
            v.reason,
            "cpu_spike: 100% of quota for 15 s (limit 95% for 15 s)"
        );
        // The same use with a 2-core quota is 25 %: never killed.
        let mut t = Tracker::new(policy(), Duration::from_secs(1), 2.0);
        assert!(run(&mut t, 60, sample(50.0, 10.0, 5)).is_none());
    }

    #[test]
    fn a_dip_resets_the_window() {
        let mut t = Tracker::new(policy(), Duration::from_secs(1), 1.0);
        for i in 0..14 {
            assert!(t
                .observe(Duration::from_secs(i), &sample(99.0, 10.0, 5))
                .is_none());
        }
        assert!(t
            .observe(Duration::from_secs(14), &sample(10.0, 10.0, 5))
            .is_none());
        for i in 15..29 {
            assert!(
                t.observe(Duration::from_secs(i), &sample(99.0, 10.0, 5))
                    .is_none(),
                "{i}"
            );
        }
        assert!(t
            .observe(Duration::from_secs(30), &sample(99.0, 10.0, 5))
            .is_some());
    }

    #[test]
    fn memory_fork_bomb_and_combined() {
        let mut t = Tracker::new(policy(), Duration::from_secs(1), 1.0);
        let (at, v) = run(&mut t, 30, sample(1.0, 97.0, 5)).unwrap();
        assert_eq!((at, v.rule), (10, Rule::MemorySpike));
        assert!(
            v.reason
                .starts_with("memory_spike: 97% of the memory limit for 10 s"),
            "{}",
            v.reason
        );

        let mut t = Tracker::new(policy(), Duration::from_secs(1), 1.0);
        let (at, v) = run(&mut t, 30, sample(1.0, 10.0, 95)).unwrap();
        assert_eq!((at, v.rule), (0, Rule::ForkBomb));
        assert_eq!(v.reason, "fork_bomb: 95 processes/threads (limit 90)");

        let mut t = Tracker::new(policy(), Duration::from_secs(1), 1.0);
        let (at, v) = run(&mut t, 30, sample(85.0, 85.0, 5)).unwrap();
        assert_eq!((at, v.rule), (10, Rule::CombinedAnomaly));
    }

    #[test]
    fn samples_closer_than_the_interval_are_skipped() {
        let mut t = Tracker::new(policy(), Duration::from_secs(5), 1.0);
        // A fork bomb seen between evaluations waits for the next one.
        assert!(t
            .observe(Duration::from_secs(0), &sample(1.0, 1.0, 5))
            .is_none());
        assert!(t
            .observe(Duration::from_secs(2), &sample(1.0, 1.0, 95))
            .is_none());
        assert!(t
            .observe(Duration::from_secs(5), &sample(1.0, 1.0, 95))
            .is_some());
    }

    #[test]
    fn violations_are_counted() {
        let m = Metrics::new();
        let v = Violation {
            rule: Rule::ForkBomb,
            reason: String::new(),
        };
        v.count(&m);
        assert_eq!(m.fork_bomb_kills_total.get(), 1);
        assert_eq!(
            m.runtime_violations_total
                .with_label_values(&["fork_bomb"])
                .get(),
            1
        );
    }
}
