#!/usr/bin/env bash
# Sets up this machine and runs Stockade's main job: the runner's HTTP API with the browser
# editor, on http://127.0.0.1:8080/ (the URL with its access token is printed at start).
# Extra arguments go to `stockade serve` (e.g. --listen 127.0.0.1:9000).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$STOCKADE_ROOT"

bash scripts/setup.sh release
step "Starting the runner"
exec target/release/stockade serve "$@"
