#!/usr/bin/env bash
# Fuzzes the validator with cargo-fuzz (libFuzzer), setting up what is missing first (the
# nightly toolchain, cargo-fuzz; both kept once installed).
#
#   scripts/fuzz.sh [MINUTES] [TARGET...]   fuzz for MINUTES (default 10) shared between the
#                                           targets (default: all three), growing the working
#                                           corpus in fuzz/corpus/TARGET
#   scripts/fuzz.sh --ci                    the short, bounded pass CI runs: the seeds plus a
#                                           fixed number of mutations per target
#
# Targets: validate_bytes (raw bytes, as the CLI reads files), validate (UTF-8 text, as the
# service and the editor call it), validate_python (corpus files mutated into new Python).
# Each input is validated on a 1 MiB stack; a panic, a stack overflow, an input slower than
# TIMEOUT seconds or an unsound finding span is a crash, saved in fuzz/artifacts/TARGET/, and
# the script exits 1. Put each crashing input into crates/validator/tests/robustness.rs.
#
# Seeds: the repository's Python (validator corpus and fixtures, examples) and fuzz/seeds/, the
# inputs earlier runs found that cover more than those files do, minimised with libFuzzer's
# -merge=1 -use_counters=0.
#
# Environment: FUZZ_SANITIZER (none, the default: the validator has no unsafe code; address
# for ASan), FUZZ_TIMEOUT (seconds per input, default 10), FUZZ_CI_RUNS (inputs per target in
# --ci, seeds included, default 2000). The checks and the mutator have their own tests:
# (cd fuzz && cargo +nightly test --lib).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$STOCKADE_ROOT"

CARGO_FUZZ_VERSION=0.13.2
ALL_TARGETS=(validate_bytes validate validate_python)
sanitizer=${FUZZ_SANITIZER:-none}
timeout=${FUZZ_TIMEOUT:-10}
max_len=65536
# Read-only seeds: the minimised finds of earlier runs, and the repository's own Python.
SEEDS=(fuzz/seeds crates/validator/tests/corpus/benign crates/validator/tests/corpus/malicious
    crates/validator/tests/fixtures crates/validator/tests/variants/benign examples/strategies
    examples/rejected)

ci=
minutes=10
if [ "${1:-}" = --ci ]; then
    ci=1
    shift
elif [[ "${1:-}" =~ ^[0-9]+$ ]]; then
    minutes=$1
    shift
fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${ALL_TARGETS[@]}")
for t in "${targets[@]}"; do
    [[ " ${ALL_TARGETS[*]} " == *" $t "* ]] || die "unknown fuzz target: $t (one of: ${ALL_TARGETS[*]})"
done

step "Fuzzing tools (nightly toolchain, cargo-fuzz $CARGO_FUZZ_VERSION)"
if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    command -v rustup >/dev/null || die "cargo-fuzz needs a nightly Rust toolchain and rustup is not installed"
    rustup toolchain install nightly --profile minimal \
        || die "cargo-fuzz needs a nightly Rust toolchain (libFuzzer's coverage instrumentation); installing it failed: run 'rustup toolchain install nightly'"
fi
if [ "$(cargo fuzz --version 2>/dev/null | awk '{ print $2 }')" != "$CARGO_FUZZ_VERSION" ]; then
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

# Release build with debug assertions: overflow checks are on, as in the validator's tests.
fuzz_flags=(--sanitizer "$sanitizer" --debug-assertions)

step "Building the fuzz targets"
cargo +nightly fuzz build "${fuzz_flags[@]}"

# Runs one target; the libFuzzer log goes to a file, its summary to the terminal.
run_target() {
    local target=$1
    shift
    local log=fuzz/artifacts/$target.log
    mkdir -p "fuzz/artifacts/$target"
    local status=0
    cargo +nightly fuzz run "${fuzz_flags[@]}" "$target" "$@" >"$log" 2>&1 || status=$?
    local runs cov corpus
    runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{ s += $2 } END { print s + 0 }')
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n1 | awk '{ print $2 }')
    corpus=$(grep -o 'corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" | tail -n1 | awk '{ print $2 }')
    printf '%-16s %10s inputs  coverage %6s  corpus %s\n' "$target" "$runs" "${cov:-?}" "${corpus:-?}"
    if [ "$status" -ne 0 ]; then
        grep -E 'panicked|overflow|ERROR: libFuzzer|SUMMARY|Test unit written' "$log" | head -n 20 >&2 || true
        echo "fuzz target $target failed (log: $log, inputs: fuzz/artifacts/$target/)" >&2
        return 1
    fi
}

failed=0
common=(-timeout="$timeout" -max_len="$max_len" -print_final_stats=1)
if [ -n "$ci" ]; then
    step "Fuzzing pass: the seeds, then mutations up to ${FUZZ_CI_RUNS:-2000} inputs per target"
    for target in "${targets[@]}"; do
        # A scratch first corpus directory: libFuzzer adds new inputs to it, not to the seeds.
        scratch=$(mktemp -d)
        run_target "$target" "$scratch" "${SEEDS[@]}" -- "${common[@]}" -seed=1 \
            -runs="${FUZZ_CI_RUNS:-2000}" || failed=1
        rm -rf "$scratch"
    done
else
    per_target=$((minutes * 60 / ${#targets[@]}))
    step "Fuzzing ${targets[*]} for $minutes min ($per_target s each)"
    for target in "${targets[@]}"; do
        mkdir -p "fuzz/corpus/$target"
        run_target "$target" "fuzz/corpus/$target" "${SEEDS[@]}" -- "${common[@]}" \
            -max_total_time="$per_target" || failed=1
    done
fi
[ "$failed" -eq 0 ] || exit 1
step "No crash"
