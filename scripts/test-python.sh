#!/usr/bin/env bash
# Builds the `stockade` Python wheel (the pyo3 module plus the `stockade` CLI), installs it
# into a fresh virtual environment outside the source tree and runs the pytest suite there
# against the real runner and Docker engine, so a file missing from the wheel fails here.
#
#   scripts/test-python.sh [pytest arguments]
#
# The wheel reuses the workspace's debug build: the same target directory and the CLI binary
# `cargo build --bin stockade` already made. maturin and the test dependencies are pinned;
# maturin lives in a cached virtualenv, the test environment is new on every run (pip's cache
# makes that quick). Needs the engine and the sandbox image (scripts/setup.sh); the queue-mode
# tests start their own redis-server (Debian's package, installed here when missing).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$STOCKADE_ROOT"

TEST_REQUIREMENTS=(pytest==8.4.2 pandas==2.3.3 tqdm==4.67.1)

maturin=$(maturin_ensure)
redis_ensure

step "Building the wheel (debug profile, CLI included)"
cargo build --locked --quiet --bin stockade
# maturin puts <module>.data/scripts/* on the installing environment's PATH.
scripts_dir=crates/python/stockade.data/scripts
mkdir -p "$scripts_dir"
cp target/debug/stockade "$scripts_dir/stockade"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$maturin" build --quiet --locked --profile dev -m crates/python/Cargo.toml \
    --compatibility linux --auditwheel skip --out "$work/wheels"

step "Installing it into a fresh virtualenv ($work/venv)"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "$work"/wheels/stockade-*.whl \
    "${TEST_REQUIREMENTS[@]}"

step "pytest against the installed wheel (real runner, real engine)"
# The tests are copied out too: nothing may be imported from the source tree.
cp -r crates/python/tests "$work/tests"
cd "$work/tests"
STOCKADE_REPO=$STOCKADE_ROOT "$work/venv/bin/python" -m pytest -p no:cacheprovider -q "$@"
