#!/usr/bin/env bash
# Soak test (not part of CI): a release `stockade serve` under mixed honest and abusive clients
# for 30 minutes by default (`--minutes 3` for a short one), beside floods of 1 MiB
# validations, clients that never read their answers and half-sent requests; samples the
# runner's memory, open file descriptors, the engine's containers and the latency of /healthz,
# prints a table and a verdict, exits 1 on a leak (the /healthz p99 is reported, not judged).
#
#   scripts/soak.sh [--minutes N] [--clients N] [--validate-floods N] [--unread N]
#                   [--half-sent N] [--max-connections N] [--probe-ms N] [--sample-seconds N]
#                   [--pool-size N]
#
# The engine in DOCKER_HOST (or the default one) must hold no containers: use an engine of its
# own, since the count is part of the verdict.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$STOCKADE_ROOT"

step "Release build (stockade, the soak client)"
cargo build --release --locked --bin stockade --example soak

step "Sandbox image"
target/release/stockade image build

step "Soak"
exec target/release/examples/soak --stockade target/release/stockade "$@"
