#!/usr/bin/env bash
# Prepares this machine for Stockade, idempotently: Debian packages, the Docker engine with the
# gVisor runtime, the Rust targets and tools, the web editor's build, and the sandbox images.
# Every step is skipped when its result is already there, so a second run takes seconds.
#
#   scripts/setup.sh [debug|release]    (the profile the stockade binary is built with)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$STOCKADE_ROOT"
profile=${1:-debug}

step "Debian packages"
apt_ensure docker.io runsc mmdebstrap binaryen chromium prometheus ca-certificates

step "Redis (queue mode: a local redis-server with AOF on, for development and tests)"
redis_start_local

step "Docker engine (runc + runsc)"
bash scripts/setup-engine.sh

step "Web editor (wasm validator + CodeMirror bundle)"
bash scripts/build-web.sh
bash scripts/setup-browser.sh

step "stockade binary ($profile)"
if [ "$profile" = release ]; then cargo build --release --locked --bin stockade; else cargo build --locked --bin stockade; fi

step "Sandbox images (default, and modern: numpy 2 and pandas 2 from pinned wheels)"
"target/$profile/stockade" image build --variant all
