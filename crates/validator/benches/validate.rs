//! End-to-end validation speed on realistic strategy code: a 1,000-line strategy and a
//! 50,000-line file, both assembled from the building blocks in `fixtures/strategy_blocks.py`.
//! `parse_only` times `rustpython-parser` alone on the same input, so the checker's own share
//! (guard, walk, rules) is visible next to the parser it cannot be faster than.
//!
//! Each case is measured twice: wall time, and the CPU time of the measuring thread
//! (`cpu/...`). On a shared machine wall time grows with whatever else runs; the thread's CPU
//! time does not, so it is the figure to compare across machines and loads.

use std::time::Duration;

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use stockade_validator::{validate, Policy};

/// The allocator the `stockade` binary uses, so the figures are the CLI's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// CPU time consumed by the calling thread (`CLOCK_THREAD_CPUTIME_ID`).
struct ThreadCpuTime;

fn thread_cpu_now() -> Duration {
    let ts = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

impl Measurement for ThreadCpuTime {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        thread_cpu_now()
    }
    fn end(&self, started: Duration) -> Duration {
        thread_cpu_now().saturating_sub(started)
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        // Nanoseconds either way: wall time's formatter prints them as durations.
        static WALL: WallTime = WallTime;
        WALL.formatter()
    }
}

const BLOCKS: &str = include_str!("fixtures/strategy_blocks.py");

/// A program of at least `lines` lines: the imports once, then the blocks repeated with
/// numbered names so every definition is distinct.
fn program(lines: usize) -> String {
    let mut parts = BLOCKS.split("# --- block\n");
    let header = parts.next().unwrap_or_default();
    let blocks: Vec<&str> = parts.collect();
    let mut out = String::from(header);
    let mut count = out.lines().count();
    for (i, block) in blocks.iter().cycle().enumerate() {
        if count >= lines || blocks.is_empty() {
            break;
        }
        let copy = i / blocks.len();
        let numbered = block.replace("_N", &format!("_{copy}"));
        count += numbered.lines().count();
        out.push_str(&numbered);
    }
    out
}

fn bench<M: Measurement>(c: &mut Criterion<M>, group_name: &str) {
    // 50,000 realistic lines are about 1.6 MB, above the default 1 MiB source limit.
    let policy = Policy {
        max_source_bytes: 8 << 20,
        ..Policy::default()
    };
    let mut group = c.benchmark_group(group_name);
    for lines in [1_000usize, 50_000] {
        let source = program(lines);
        let count = source.lines().count();
        assert!(
            validate(&source, &policy).is_accepted(),
            "the benchmark program must be accepted"
        );
        group.throughput(Throughput::Elements(count as u64));
        if count > 10_000 {
            group.sample_size(10);
        }
        group.bench_with_input(BenchmarkId::new("lines", count), &source, |b, source| {
            b.iter(|| validate(source, &policy))
        });
        group.bench_with_input(
            BenchmarkId::new("parse_only", count),
            &source,
            |b, source| {
                b.iter(|| {
                    rustpython_parser::parse(source, rustpython_parser::Mode::Module, "<bench>")
                        .is_ok()
                })
            },
        );
    }
    group.finish();
}

fn wall(c: &mut Criterion) {
    bench(c, "validate");
}

fn cpu(c: &mut Criterion<ThreadCpuTime>) {
    bench(c, "cpu/validate");
}

criterion_group!(wall_time, wall);
criterion_group! {
    name = cpu_time;
    config = Criterion::default().with_measurement(ThreadCpuTime);
    targets = cpu
}
criterion_main!(wall_time, cpu_time);
