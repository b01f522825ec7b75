#!/usr/bin/env bash
# Runs Stockade's whole test suite on this machine, setting up whatever is missing first.
# This is the command CI runs (.ci/run calls it).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$STOCKADE_ROOT"

bash scripts/setup.sh debug

step "Formatting"
cargo fmt --all --check

step "Lints (native)"
cargo clippy --locked --workspace --all-targets -- -D warnings

step "Lints and build (wasm32)"
cargo clippy --locked -p stockade-validator -p stockade-wasm --target wasm32-unknown-unknown -- -D warnings
cargo build --locked -p stockade-validator --target wasm32-unknown-unknown

step "Rust tests (validator, CLI, runner, escape suite, service, Prometheus, faults)"
cargo test --locked --workspace --no-fail-fast

step "userns-remap (a second engine with Docker's userns-remap: ownership and /data cases)"
bash scripts/test-userns.sh

step "Python package (wheel built, installed in a fresh virtualenv, pytest against the engine)"
bash scripts/test-python.sh

step "API fuzzing (schemathesis against a real stockade serve's /openapi.json)"
bash scripts/fuzz-api.sh

step "Fuzzing the validator (a bounded pass over fuzz/seeds)"
bash scripts/fuzz.sh --ci

step "Wasm parity (node module vs native CLI, whole corpus)"
node --test tests/wasm_parity/

step "Browser tests (Debian's Chromium, against a real stockade serve)"
STOCKADE_REQUIRE_SERVER=1 node tests/browser/run.mjs

step "All tests passed"
