#!/usr/bin/env bash
# Benchmarks of the Python package (crates/python/bench/bench.py): in-process validation of a
# 1,000-line strategy, and execute("print(1)") through a `stockade serve` (URL mode) against
# bare host python. Builds a release wheel (CLI included), installs it in a fresh virtualenv
# outside the tree and prints a table of medians. Needs the engine and the sandbox image.
#
#   scripts/bench-python.sh [--runs N] [--host-python PATH]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$STOCKADE_ROOT"

maturin=$(maturin_ensure)

step "Building the release wheel (CLI included)"
cargo build --release --locked --quiet --bin stockade
mkdir -p crates/python/stockade.data/scripts
cp target/release/stockade crates/python/stockade.data/scripts/stockade
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$maturin" build --quiet --locked --release -m crates/python/Cargo.toml \
    --compatibility linux --auditwheel skip --out "$work/wheels"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "$work"/wheels/stockade-*.whl

step "Benchmarks"
cd "$work"
"$work/venv/bin/python" "$STOCKADE_ROOT/crates/python/bench/bench.py" --repo "$STOCKADE_ROOT" "$@"
