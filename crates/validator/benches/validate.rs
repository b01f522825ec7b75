//! End-to-end validation speed on realistic strategy code: a 1,000-line strategy and a
//! 50,000-line file, both assembled from the building blocks in `fixtures/strategy_blocks.py`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use stockade_validator::{validate, Policy};

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

fn bench(c: &mut Criterion) {
    // 50,000 realistic lines are about 1.6 MB, above the default 1 MiB source limit.
    let policy = Policy {
        max_source_bytes: 8 << 20,
        ..Policy::default()
    };
    let mut group = c.benchmark_group("validate");
    for lines in [1_000usize, 50_000] {
        let source = program(lines);
        let count = source.lines().count();
        assert!(
            validate(&source, &policy).is_accepted(),
            "the benchmark program must be accepted"
        );
        group.throughput(Throughput::Elements(count as u64));
        group.bench_with_input(BenchmarkId::new("lines", count), &source, |b, source| {
            b.iter(|| validate(source, &policy))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
