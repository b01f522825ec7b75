//! The runtime monitor: a kill policy applied to the resource samples of each running
//! container (the executor reads them once per `runtime_monitor_interval`, from the
//! container's cgroup files where they are readable, see
//! [`crate::executor::cgroup::Cgroup::sample`], else from the Docker stats API, see
//! [`sample_of`]).
//!
//! Rules, with the thresholds of [`MonitorPolicy`]:
//! - `cpu_spike`: CPU above `max_cpu_percent` **of the container's own quota** (100 % = all of
//!   its `cpu_limit` cores busy) on every evaluation for `cpu_window`;
//! - `memory_spike`: memory above `max_memory_percent` of its limit for `memory_window`;
//! - `fork_bomb`: `fork_bomb_pids` or more processes/threads at any evaluation;
//! - `combined_anomaly`: CPU and memory both above `combined_percent` for `memory_window`.
//!
//! The monitor evaluates at most one sample per `runtime_monitor_interval` (a streaming client
//! may get samples more often), so a window is judged on samples spaced by that interval.
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

use std::future::Future;
use std::path::Path;
use std::time::{Duration, Instant};

use bollard::models::ContainerStatsResponse;

use crate::config::MonitorPolicy;
use crate::executor::{ExecEvent, ExecOptions, ExecutionResult, Executor, ResourceSample};
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

/// The CPU counters of one stats reading, kept to turn the next reading into a rate.
///
/// One-shot readings (`one_shot: true`) come without the engine's previous reading, so the
/// rate is taken between two consecutive readings of the caller's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuCounters {
    /// The container's CPU time, in nanoseconds.
    container_ns: u64,
    /// The host's CPU time over all CPUs, in nanoseconds.
    system_ns: u64,
}

/// Memory in use without the reclaimable page cache, as `docker stats` counts it: `usage`
/// less the inactive file pages that `stat` (a `memory.stat` lookup) reports.
pub(crate) fn without_page_cache(usage: u64, stat: impl Fn(&str) -> Option<u64>) -> u64 {
    let cache = stat("total_inactive_file")
        .or_else(|| stat("inactive_file"))
        .unwrap_or(0);
    usage.saturating_sub(cache)
}

/// Converts one stats reading: CPU in percent of one core over the interval since `previous`
/// (0 without one); memory without the reclaimable page cache (as `docker stats` shows it).
/// Also returns this reading's counters for the next call.
pub fn sample_of(
    stats: &ContainerStatsResponse,
    previous: Option<CpuCounters>,
) -> (ResourceSample, Option<CpuCounters>) {
    let counters = stats.cpu_stats.as_ref().and_then(|cpu| {
        Some(CpuCounters {
            container_ns: cpu.cpu_usage.as_ref()?.total_usage?,
            system_ns: cpu.system_cpu_usage?,
        })
    });
    let online = stats
        .cpu_stats
        .as_ref()
        .and_then(|c| c.online_cpus)
        .unwrap_or(1)
        .max(1) as f64;
    let cpu_percent = match (previous, counters) {
        (Some(pre), Some(cur)) if cur.system_ns > pre.system_ns => {
            let container = cur.container_ns.saturating_sub(pre.container_ns) as f64;
            let system = (cur.system_ns - pre.system_ns) as f64;
            container / system * online * 100.0
        }
        _ => 0.0,
    };
    let memory = stats.memory_stats.as_ref();
    let usage = memory.and_then(|m| m.usage).unwrap_or(0);
    let stat = memory.and_then(|m| m.stats.as_ref());
    let sample = ResourceSample {
        cpu_percent,
        memory_bytes: without_page_cache(usage, |key| stat.and_then(|s| s.get(key)).copied()),
        memory_limit_bytes: memory.and_then(|m| m.limit).unwrap_or(0),
        pids: stats
            .pids_stats
            .as_ref()
            .and_then(|p| p.current)
            .unwrap_or(0),
    };
    (sample, counters)
}

/// Runs one execution (strategy mode with `data_dir`) under the runtime monitor, as the HTTP
/// API does, for the runner's other callers (`stockade run`, the Python package's local mode).
/// See [`under_monitor`].
pub async fn supervise(
    executor: &Executor,
    code: &str,
    data_dir: Option<&Path>,
    opts: ExecOptions,
) -> ExecutionResult {
    // The limit the container gets; a spec the config cannot make fails in the run itself,
    // which then has nothing to watch.
    let cpu_limit = executor
        .spec_for(&opts, data_dir)
        .map_or(executor.config().cpu_limit, |spec| spec.cpu_limit);
    under_monitor(executor, opts, cpu_limit, &mut (), |opts| async move {
        match data_dir {
            Some(dir) => executor.execute_strategy(code, dir, opts).await,
            None => executor.execute(code, opts).await,
        }
    })
    .await
}

/// What a caller of [`under_monitor`] does with a run's live events besides the monitor's
/// verdict: stream them, export them, log a kill. `()` does nothing with them.
pub trait Observer {
    /// Samples are wanted this often even with the monitor off (a stream, exported gauges).
    fn samples_every(&self) -> Option<Duration> {
        None
    }

    /// One event of the run. A resource sample comes with its CPU as a percentage of the
    /// container's quota when the monitor is on.
    fn event(
        &mut self,
        event: ExecEvent,
        quota_percent: Option<f64>,
    ) -> impl Future<Output = ()> + Send {
        let _ = (event, quota_percent);
        async {}
    }

    /// The monitor is about to kill `container` for `violation`.
    fn violation(&mut self, violation: &Violation, container: &str) {
        let _ = (violation, container);
    }
}

impl Observer for () {}

/// Runs `run` (an execution given `opts`, in a container of `cpu_limit` cores) under the
/// runtime monitor: with `runtime_monitor_enabled`, samples are read every
/// `runtime_monitor_interval` (or as often as `observer` wants them) once the code has the
/// container, and the first rule broken kills the container, its reason in the result's
/// `killed_reason`. `observer` sees every event, and each kill before it is sent. `opts.events`
/// must be unset: the monitor takes the events (with it set, `run` runs unwatched).
pub async fn under_monitor<F, Fut, O>(
    executor: &Executor,
    mut opts: ExecOptions,
    cpu_limit: f64,
    observer: &mut O,
    run: F,
) -> ExecutionResult
where
    F: FnOnce(ExecOptions) -> Fut,
    Fut: Future<Output = ExecutionResult>,
    O: Observer,
{
    let monitoring = &executor.config().monitoring;
    let interval = monitoring.runtime_monitor_interval;
    let every = match (monitoring.runtime_monitor_enabled, observer.samples_every()) {
        (true, wanted) => Some(wanted.map_or(interval, |w| w.min(interval))),
        (false, wanted) => wanted,
    };
    let Some(every) = every.filter(|_| opts.events.is_none()) else {
        return run(opts).await;
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel(256);
    opts.events = Some(tx);
    opts.stats_every = Some(every);
    let mut tracker = monitoring
        .runtime_monitor_enabled
        .then(|| Tracker::new(monitoring.policy.clone(), interval, cpu_limit));
    // On the heap: an execution's future is large, and polling it from this one's frame would
    // add both to the stack of the worker thread.
    let mut run = Box::pin(run(opts));
    let (mut container, mut running_since, mut killed) = (None, None::<Instant>, false);
    let result = loop {
        tokio::select! {
            result = &mut run => break result,
            Some(event) = rx.recv() => {
                let mut verdict = None;
                let mut quota_percent = None;
                match (&event, tracker.as_mut()) {
                    (ExecEvent::Started { container_id }, _) => container = Some(container_id.clone()),
                    (ExecEvent::Running, _) => running_since = Some(Instant::now()),
                    (ExecEvent::Stats(sample), Some(tracker)) => {
                        quota_percent = Some(tracker.cpu_quota_percent(sample));
                        // Only what came after the code got the container is the code's doing
                        // (not a cold container's own imports).
                        if let (Some(since), false) = (running_since, killed) {
                            verdict = tracker.observe(since.elapsed(), sample);
                        }
                    }
                    _ => {}
                }
                observer.event(event, quota_percent).await;
                let (Some(v), Some(id)) = (verdict, &container) else { continue };
                killed = true;
                v.count(crate::metrics::global());
                observer.violation(&v, id);
                if let Err(e) = executor.kill(id, &v.reason).await {
                    tracing::error!(container = %id, error = %e, "monitor could not kill the container");
                }
            }
        }
    };
    // What the run sent in its last moments (the end of its output).
    while let Ok(event) = rx.try_recv() {
        observer.event(event, None).await;
    }
    result
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

    fn reading(container_ns: u64, system_ns: u64) -> ContainerStatsResponse {
        serde_json::from_value(serde_json::json!({
            "cpu_stats": {
                "cpu_usage": {"total_usage": container_ns},
                "system_cpu_usage": system_ns,
                "online_cpus": 2
            },
            "memory_stats": {
                "usage": 300u64 << 20,
                "limit": 512u64 << 20,
                "stats": {"total_inactive_file": 100u64 << 20}
            },
            "pids_stats": {"current": 7}
        }))
        .unwrap()
    }

    #[test]
    fn cpu_is_a_rate_between_two_readings() {
        // No previous reading: no rate yet.
        let (first, counters) = sample_of(&reading(1_000_000_000, 50_000_000_000), None);
        assert_eq!(first.cpu_percent, 0.0);
        assert_eq!(first.memory_bytes, 200 << 20, "page cache is not counted");
        assert_eq!((first.memory_limit_bytes, first.pids), (512 << 20, 7));
        // 1.5 s of container CPU while the 2-CPU host ran 2 s of CPU time: 150 % of one core.
        let (next, _) = sample_of(&reading(2_500_000_000, 52_000_000_000), counters);
        assert!(
            (next.cpu_percent - 150.0).abs() < 1e-9,
            "{}",
            next.cpu_percent
        );
        // A reading without the host counter (or a counter that went backwards) is no rate.
        let (same, _) = sample_of(&reading(2_500_000_000, 50_000_000_000), counters);
        assert_eq!(same.cpu_percent, 0.0);
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
