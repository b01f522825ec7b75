//! Prometheus metrics: one process-wide registry holding every series the runner exports.
//!
//! Names follow the security document's monitoring section (`docker_*`), plus the service's own
//! series (`stockade_*`: queue depth, pool, HTTP). `GET /metrics` renders [`Metrics::render`].
//!
//! Queue mode adds two groups, registered only by the process that plays the part so that a
//! runner executing locally exports no queue (and no alert sees one without workers):
//! [`Metrics::queue`] (the queue-wide figures `serve --queue` reads from Redis) and
//! [`Metrics::worker`] (a `stockade worker`'s own throughput and busy slots).
//!
//! Every series whose labels are known in advance exists from the first scrape, at zero, so
//! dashboards and `absent()` alerts see a fresh runner. The per-container gauges cannot (their
//! label is a container id): they carry one series per running execution, and their `# HELP` /
//! `# TYPE` lines are rendered even when no container runs.
//!
//! ```
//! let m = stockade_runner::metrics::global();
//! m.security_rejections_total.inc();
//! assert!(m.render().contains("docker_security_rejections_total"));
//! ```

use std::sync::{LazyLock, OnceLock};

use prometheus::{
    Encoder, GaugeVec, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::queue::QueueStats;

/// Every rule of the runtime monitor, by its label (`crate::monitor::Rule::as_str`).
pub const MONITOR_RULES: [&str; 4] = ["cpu_spike", "memory_spike", "fork_bomb", "combined_anomaly"];

/// Every `kind` of `docker_resource_limit_exceeded_total`.
pub const RESOURCE_LIMIT_KINDS: [&str; 3] = ["memory", "result_size", "output"];

/// Every metric the runner exports, registered in [`Metrics::registry`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Metrics {
    /// The registry `GET /metrics` renders.
    pub registry: Registry,
    /// Containers created (warm pool and cold).
    pub container_created_total: IntCounter,
    /// Containers removed without error after use.
    pub container_cleanup_success_total: IntCounter,
    /// Containers whose removal failed (they may be left behind).
    pub container_cleanup_failed_total: IntCounter,
    /// Orphaned containers seen by the last scan (labelled ours, not owned by a live request).
    pub orphaned_containers: IntGauge,
    /// Code rejected by validation before any container was created.
    pub security_rejections_total: IntCounter,
    /// Runtime monitor policy violations, by rule.
    pub runtime_violations_total: IntCounterVec,
    /// Containers killed for sustained CPU use.
    pub cpu_spike_kills_total: IntCounter,
    /// Containers killed for sustained memory use.
    pub memory_spike_kills_total: IntCounter,
    /// Containers killed for running too many processes.
    pub fork_bomb_kills_total: IntCounter,
    /// Memory use of each running container, MiB, by container id (short).
    pub container_memory_usage_mb: GaugeVec,
    /// CPU use of each running container, percent of its own quota, by container id (short).
    pub container_cpu_percent: GaugeVec,
    /// Wall time of executions, seconds.
    pub container_execution_time_seconds: Histogram,
    /// Time to create and start a container up to a harness waiting on stdin, seconds.
    pub container_creation_time_seconds: Histogram,
    /// Executions that hit their deadline.
    pub execution_timeout_total: IntCounter,
    /// Executions stopped by a resource limit (OOM kill, pids, output, result size), by kind.
    pub resource_limit_exceeded_total: IntCounterVec,
    /// Execution requests waiting for a slot.
    pub queue_depth: IntGauge,
    /// Executions running now.
    pub executions_in_flight: IntGauge,
    /// Requests refused because the queue was full (429).
    pub queue_rejections_total: IntCounter,
    /// Warm containers ready in the pool.
    pub pool_size: IntGauge,
    /// Executions served by a warm container.
    pub pool_hits_total: IntCounter,
    /// Executions that needed a cold container (pool empty or non-default settings).
    pub pool_misses_total: IntCounter,
    /// HTTP requests by route, method and status.
    pub http_requests_total: IntCounterVec,
    /// HTTP request latency by route and method, seconds.
    pub http_request_duration_seconds: HistogramVec,
    /// Security-log events not written because their kind was over its rate.
    pub security_events_dropped_total: IntCounter,
    /// HTTP connections open now.
    pub http_connections_open: IntGauge,
    /// HTTP connections refused because `max_connections` were open.
    pub http_connections_refused_total: IntCounter,
    /// Queue-wide series, once [`Metrics::queue`] registered them.
    queue: OnceLock<QueueMetrics>,
    /// A worker's series, once [`Metrics::worker`] registered them.
    worker: OnceLock<WorkerMetrics>,
}

/// Every `outcome` of `stockade_worker_jobs_total`.
pub const WORKER_OUTCOMES: [&str; 5] = [
    "succeeded",
    "failed",
    "retried",
    "dead_lettered",
    "returned",
];

/// Queue mode's figures as `serve --queue` reads them from Redis ([`QueueStats`]): the same
/// for every server on one queue, so dashboards aggregate them with `max`, not `sum`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct QueueMetrics {
    /// Entries on the jobs stream: waiting for a worker or running.
    pub length: IntGauge,
    /// Entries delivered to a worker and not acknowledged yet (running, or held by a worker
    /// that died until they are reclaimed).
    pub pending: IntGauge,
    /// Entries on the dead-letter stream.
    pub dead_letters: IntGauge,
    /// Workers whose heartbeat is recent.
    pub workers_live: IntGauge,
    /// Jobs ever enqueued.
    pub enqueued_total: IntCounter,
    /// Jobs taken over from a worker that stopped answering.
    pub reclaimed_total: IntCounter,
    /// Jobs given up after their attempts.
    pub dead_lettered_total: IntCounter,
}

impl QueueMetrics {
    fn register(r: &Registry) -> QueueMetrics {
        QueueMetrics {
            length: gauge(
                r,
                "stockade_jobs_queue_length",
                "Jobs on the queue's stream, waiting for a worker or running",
            ),
            pending: gauge(
                r,
                "stockade_jobs_pending",
                "Jobs delivered to a worker and not acknowledged yet",
            ),
            dead_letters: gauge(
                r,
                "stockade_jobs_dead_letters",
                "Entries on the dead-letter stream",
            ),
            workers_live: gauge(
                r,
                "stockade_workers_live",
                "Queue workers with a recent heartbeat",
            ),
            enqueued_total: counter(r, "stockade_jobs_enqueued_total", "Jobs put on the queue"),
            reclaimed_total: counter(
                r,
                "stockade_jobs_reclaimed_total",
                "Jobs taken over from a worker that stopped answering",
            ),
            dead_lettered_total: counter(
                r,
                "stockade_jobs_dead_lettered_total",
                "Jobs dead-lettered after their attempts",
            ),
        }
    }

    /// Sets every series to what Redis holds now.
    pub fn observe(&self, s: &QueueStats) {
        let gauge = |g: &IntGauge, v: u64| g.set(i64::try_from(v).unwrap_or(i64::MAX));
        gauge(&self.length, s.length);
        gauge(&self.pending, s.pending);
        gauge(&self.dead_letters, s.dead_letters);
        gauge(&self.workers_live, s.workers);
        follow(&self.enqueued_total, s.enqueued);
        follow(&self.reclaimed_total, s.reclaimed);
        follow(&self.dead_lettered_total, s.dead_lettered);
    }
}

/// Moves a counter to `value`, a count Redis keeps. The count falls only when Redis lost
/// its data; the counter then starts again from zero, which Prometheus reads as a reset.
fn follow(c: &IntCounter, value: u64) {
    let now = c.get();
    if value < now {
        c.reset();
        c.inc_by(value);
    } else {
        c.inc_by(value - now);
    }
}

/// A `stockade worker`'s own series, labelled by its consumer name in the group (the name a
/// job's record shows as its `worker`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct WorkerMetrics {
    /// Jobs this worker finished an attempt of, by outcome ([`WORKER_OUTCOMES`]).
    pub jobs_total: IntCounterVec,
    /// Jobs running now.
    pub busy_slots: IntGaugeVec,
    /// Jobs it runs at once at most.
    pub slots: IntGaugeVec,
}

impl WorkerMetrics {
    fn register(r: &Registry) -> WorkerMetrics {
        let gauges = |name: &str, help: &str| {
            let g = IntGaugeVec::new(Opts::new(name, help), &["worker"])
                .expect("static metric definition");
            r.register(Box::new(g.clone())).expect("unique metric name");
            g
        };
        WorkerMetrics {
            jobs_total: counter_vec(
                r,
                "stockade_worker_jobs_total",
                "Job attempts a queue worker finished, by outcome",
                &["worker", "outcome"],
            ),
            busy_slots: gauges("stockade_worker_busy_slots", "Jobs a queue worker runs now"),
            slots: gauges(
                "stockade_worker_slots",
                "Jobs a queue worker runs at once at most",
            ),
        }
    }

    /// Creates `worker`'s series at zero (so its first scrape has them all) with its slots.
    pub fn start(&self, worker: &str, slots: usize) {
        for outcome in WORKER_OUTCOMES {
            self.jobs_total.with_label_values(&[worker, outcome]);
        }
        self.busy_slots.with_label_values(&[worker]).set(0);
        self.slots
            .with_label_values(&[worker])
            .set(i64::try_from(slots).unwrap_or(i64::MAX));
    }
}

/// Names and help of the gauges labelled by container id.
const PER_CONTAINER: [(&str, &str); 2] = [
    (
        "docker_container_memory_usage_mb",
        "Memory use of a running sandbox container, MiB",
    ),
    (
        "docker_container_cpu_percent",
        "CPU use of a running sandbox container, percent of its CPU quota",
    ),
];

static GLOBAL: LazyLock<Metrics> = LazyLock::new(Metrics::new);

/// The process-wide metrics.
pub fn global() -> &'static Metrics {
    &GLOBAL
}

fn counter(registry: &Registry, name: &str, help: &str) -> IntCounter {
    let c = IntCounter::new(name, help).expect("static metric definition");
    registry
        .register(Box::new(c.clone()))
        .expect("unique metric name");
    c
}

fn counter_vec(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    let c = IntCounterVec::new(Opts::new(name, help), labels).expect("static metric definition");
    registry
        .register(Box::new(c.clone()))
        .expect("unique metric name");
    c
}

fn gauge(registry: &Registry, name: &str, help: &str) -> IntGauge {
    let g = IntGauge::new(name, help).expect("static metric definition");
    registry
        .register(Box::new(g.clone()))
        .expect("unique metric name");
    g
}

fn gauge_vec(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> GaugeVec {
    let g = GaugeVec::new(Opts::new(name, help), labels).expect("static metric definition");
    registry
        .register(Box::new(g.clone()))
        .expect("unique metric name");
    g
}

fn histogram(registry: &Registry, name: &str, help: &str, buckets: Vec<f64>) -> Histogram {
    let h = Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets))
        .expect("static metric definition");
    registry
        .register(Box::new(h.clone()))
        .expect("unique metric name");
    h
}

impl Metrics {
    /// A fresh registry with every metric registered (tests use their own; the service uses [`global`]).
    pub fn new() -> Metrics {
        let r = Registry::new();
        let exec_buckets = vec![
            0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0,
        ];
        let create_buckets = vec![0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0];
        let m = Metrics {
            container_created_total: counter(
                &r,
                "docker_container_created_total",
                "Sandbox containers created (warm pool and cold)",
            ),
            container_cleanup_success_total: counter(
                &r,
                "docker_container_cleanup_success_total",
                "Sandbox containers removed after use",
            ),
            container_cleanup_failed_total: counter(
                &r,
                "docker_container_cleanup_failed_total",
                "Sandbox containers whose removal failed",
            ),
            orphaned_containers: gauge(
                &r,
                "docker_orphaned_containers",
                "Orphaned sandbox containers found by the last scan",
            ),
            security_rejections_total: counter(
                &r,
                "docker_security_rejections_total",
                "Code rejected by validation before execution",
            ),
            runtime_violations_total: counter_vec(
                &r,
                "docker_runtime_violations_total",
                "Runtime monitor policy violations",
                &["rule"],
            ),
            cpu_spike_kills_total: counter(
                &r,
                "docker_cpu_spike_kills_total",
                "Containers killed for sustained CPU use",
            ),
            memory_spike_kills_total: counter(
                &r,
                "docker_memory_spike_kills_total",
                "Containers killed for sustained memory use",
            ),
            fork_bomb_kills_total: counter(
                &r,
                "docker_fork_bomb_kills_total",
                "Containers killed for too many processes",
            ),
            container_memory_usage_mb: gauge_vec(
                &r,
                PER_CONTAINER[0].0,
                PER_CONTAINER[0].1,
                &["container"],
            ),
            container_cpu_percent: gauge_vec(
                &r,
                PER_CONTAINER[1].0,
                PER_CONTAINER[1].1,
                &["container"],
            ),
            container_execution_time_seconds: histogram(
                &r,
                "docker_container_execution_time_seconds",
                "Execution wall time",
                exec_buckets,
            ),
            container_creation_time_seconds: histogram(
                &r,
                "docker_container_creation_time_seconds",
                "Time to create and start a sandbox container",
                create_buckets,
            ),
            execution_timeout_total: counter(
                &r,
                "docker_execution_timeout_total",
                "Executions that hit their deadline",
            ),
            resource_limit_exceeded_total: counter_vec(
                &r,
                "docker_resource_limit_exceeded_total",
                "Executions stopped by a resource limit",
                &["kind"],
            ),
            queue_depth: gauge(
                &r,
                "stockade_queue_depth",
                "Execution requests waiting for a slot",
            ),
            executions_in_flight: gauge(
                &r,
                "stockade_executions_in_flight",
                "Executions running now",
            ),
            queue_rejections_total: counter(
                &r,
                "stockade_queue_rejections_total",
                "Execution requests refused because the queue was full",
            ),
            pool_size: gauge(
                &r,
                "stockade_pool_size",
                "Warm containers ready in the pool",
            ),
            pool_hits_total: counter(
                &r,
                "stockade_pool_hits_total",
                "Executions served by a warm container",
            ),
            pool_misses_total: counter(
                &r,
                "stockade_pool_misses_total",
                "Executions that needed a cold container",
            ),
            http_requests_total: counter_vec(
                &r,
                "stockade_http_requests_total",
                "HTTP requests",
                &["route", "method", "status"],
            ),
            http_request_duration_seconds: {
                let h = HistogramVec::new(
                    HistogramOpts::new(
                        "stockade_http_request_duration_seconds",
                        "HTTP request latency",
                    )
                    .buckets(vec![
                        0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
                    ]),
                    &["route", "method"],
                )
                .expect("static metric definition");
                r.register(Box::new(h.clone())).expect("unique metric name");
                h
            },
            security_events_dropped_total: counter(
                &r,
                "docker_security_events_dropped_total",
                "Security-log events dropped by the log's rate limit",
            ),
            http_connections_open: gauge(
                &r,
                "stockade_http_connections_open",
                "HTTP connections open now",
            ),
            http_connections_refused_total: counter(
                &r,
                "stockade_http_connections_refused_total",
                "HTTP connections refused because too many were open",
            ),
            queue: OnceLock::new(),
            worker: OnceLock::new(),
            registry: r,
        };
        for rule in MONITOR_RULES {
            m.runtime_violations_total.with_label_values(&[rule]);
        }
        for kind in RESOURCE_LIMIT_KINDS {
            m.resource_limit_exceeded_total.with_label_values(&[kind]);
        }
        m
    }

    /// Queue mode's queue-wide series, registered on first use.
    pub fn queue(&self) -> &QueueMetrics {
        self.queue
            .get_or_init(|| QueueMetrics::register(&self.registry))
    }

    /// A queue worker's series, registered on first use.
    pub fn worker(&self) -> &WorkerMetrics {
        self.worker
            .get_or_init(|| WorkerMetrics::register(&self.registry))
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        let families = self.registry.gather();
        // Encoding into a Vec cannot fail for well-formed families.
        if TextEncoder::new().encode(&families, &mut buf).is_err() {
            return String::new();
        }
        let mut text = String::from_utf8(buf).unwrap_or_default();
        // The registry leaves out families without a series; the per-container gauges have
        // none while no container runs, yet their names belong in every scrape.
        for (name, help) in PER_CONTAINER {
            if !families.iter().any(|f| f.name() == name) {
                text.push_str(&format!("# HELP {name} {help}\n# TYPE {name} gauge\n"));
            }
        }
        text
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

/// The metric names of the security document's monitoring section: every one is in the
/// first scrape of a fresh runner.
pub const SPEC_METRICS: [&str; 15] = [
    "docker_container_created_total",
    "docker_container_cleanup_success_total",
    "docker_container_cleanup_failed_total",
    "docker_orphaned_containers",
    "docker_security_rejections_total",
    "docker_runtime_violations_total",
    "docker_cpu_spike_kills_total",
    "docker_memory_spike_kills_total",
    "docker_fork_bomb_kills_total",
    "docker_container_memory_usage_mb",
    "docker_container_cpu_percent",
    "docker_container_execution_time_seconds",
    "docker_container_creation_time_seconds",
    "docker_execution_timeout_total",
    "docker_resource_limit_exceeded_total",
];

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_spec_metric_is_in_a_fresh_scrape() {
        let text = Metrics::new().render();
        for name in SPEC_METRICS.into_iter().chain([
            "stockade_queue_depth",
            "stockade_pool_size",
            "docker_security_events_dropped_total",
        ]) {
            assert!(text.contains(&format!("# TYPE {name} ")), "{name} missing");
            // A series, not only its description, except where the label is a container id.
            let per_container = PER_CONTAINER.iter().any(|(n, _)| *n == name);
            let sample = text
                .lines()
                .any(|l| !l.starts_with('#') && l.starts_with(name));
            assert!(sample || per_container, "{name} has no series");
        }
        for rule in MONITOR_RULES {
            assert!(
                text.contains(&format!(
                    "docker_runtime_violations_total{{rule=\"{rule}\"}} 0"
                )),
                "{rule}"
            );
        }
        for kind in RESOURCE_LIMIT_KINDS {
            assert!(text.contains(&format!(
                "docker_resource_limit_exceeded_total{{kind=\"{kind}\"}} 0"
            )));
        }
    }

    #[test]
    fn per_container_gauges_render_once_with_series() {
        let m = Metrics::new();
        m.container_memory_usage_mb
            .with_label_values(&["abc"])
            .set(1.0);
        let text = m.render();
        assert_eq!(
            text.matches("# TYPE docker_container_memory_usage_mb gauge")
                .count(),
            1
        );
        assert!(text.contains("docker_container_memory_usage_mb{container=\"abc\"} 1"));
    }

    #[test]
    fn queue_series_appear_only_where_queue_mode_registers_them() {
        let m = Metrics::new();
        assert!(
            !m.render().contains("stockade_jobs_"),
            "a local runner has no queue"
        );
        m.queue().observe(&QueueStats {
            length: 7,
            pending: 2,
            dead_letters: 1,
            enqueued: 40,
            reclaimed: 3,
            dead_lettered: 1,
            workers: 2,
        });
        let text = m.render();
        for line in [
            "stockade_jobs_queue_length 7",
            "stockade_jobs_pending 2",
            "stockade_jobs_dead_letters 1",
            "stockade_workers_live 2",
            "stockade_jobs_enqueued_total 40",
            "stockade_jobs_reclaimed_total 3",
            "stockade_jobs_dead_lettered_total 1",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "{line} missing in:\n{text}"
            );
        }
        assert!(!text.contains("stockade_worker_"), "not a worker");
    }

    #[test]
    fn queue_counters_follow_redis_and_restart_when_it_lost_its_counts() {
        let m = Metrics::new();
        let q = m.queue();
        let at = |reclaimed| QueueStats {
            reclaimed,
            ..QueueStats::default()
        };
        q.observe(&at(5));
        q.observe(&at(8));
        assert_eq!(q.reclaimed_total.get(), 8);
        // Redis restarted without its data: the counter resets instead of sticking at 8.
        q.observe(&at(1));
        assert_eq!(q.reclaimed_total.get(), 1);
    }

    #[test]
    fn a_workers_series_exist_from_its_start() {
        let m = Metrics::new();
        m.worker().start("w1", 4);
        let text = m.render();
        for outcome in WORKER_OUTCOMES {
            assert!(
                text.contains(&format!(
                    "stockade_worker_jobs_total{{outcome=\"{outcome}\",worker=\"w1\"}} 0"
                )),
                "{outcome}: {text}"
            );
        }
        assert!(text.contains("stockade_worker_busy_slots{worker=\"w1\"} 0"));
        assert!(text.contains("stockade_worker_slots{worker=\"w1\"} 4"));
    }

    #[test]
    fn every_monitor_rule_is_initialised() {
        use crate::monitor::Rule;
        // Adding a rule breaks this match until MONITOR_RULES has it too.
        let all = |r: Rule| match r {
            Rule::CpuSpike | Rule::MemorySpike | Rule::ForkBomb | Rule::CombinedAnomaly => {
                MONITOR_RULES.contains(&r.as_str())
            }
        };
        for r in [
            Rule::CpuSpike,
            Rule::MemorySpike,
            Rule::ForkBomb,
            Rule::CombinedAnomaly,
        ] {
            assert!(all(r), "{}", r.as_str());
        }
    }
}
