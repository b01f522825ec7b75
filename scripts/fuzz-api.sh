#!/usr/bin/env bash
# API fuzzing: schemathesis generates requests from the OpenAPI document of a real
# `stockade serve` (GET /openapi.json) and checks every answer: no 5xx, and status, content
# type and body as the document says, and protected routes refuse requests without the token.
# Bounded (--examples N per operation, default 10): a few minutes, most of them in the
# executions it sends. schemathesis is installed once into a cached virtualenv.
#
#   scripts/fuzz-api.sh [--examples N]
#
# Needs the Docker engine and the sandbox image (scripts/setup.sh): accepted code runs.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$STOCKADE_ROOT"

SCHEMATHESIS_VERSION=4.32.5
examples=10
while [ $# -gt 0 ]; do
    case $1 in
        --examples) examples=$2; shift 2 ;;
        *) die "unknown argument: $1" ;;
    esac
done

venv=${XDG_CACHE_HOME:-$HOME/.cache}/stockade/schemathesis-$SCHEMATHESIS_VERSION
if [ ! -x "$venv/bin/st" ]; then
    step "Installing schemathesis $SCHEMATHESIS_VERSION into $venv"
    python3 -m venv "$venv" 2>/dev/null || { apt_ensure python3-venv && python3 -m venv "$venv"; }
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

cargo build --locked --quiet --bin stockade
work=$(mktemp -d)
token=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
STOCKADE_TOKEN=$token target/debug/stockade serve --listen 127.0.0.1:0 --metrics-port 0 \
    --pool-size 1 --web-dir "$work/no-editor" --security-log "$work/security.log" \
    >"$work/serve.out" 2>"$work/serve.err" &
serve_pid=$!
stop() {
    kill -TERM "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap stop EXIT

addr=
for _ in $(seq 600); do
    addr=$(sed -n 's|^Stockade is serving on http://||p' "$work/serve.out")
    [ -n "$addr" ] && break
    kill -0 "$serve_pid" 2>/dev/null || { cat "$work/serve.err" >&2; die "stockade serve did not start"; }
    sleep 0.1
done
[ -n "$addr" ] || die "stockade serve did not start"

step "schemathesis against http://$addr/openapi.json ($examples examples per operation)"
# From the scratch directory: schemathesis keeps its example database in the working directory.
# One worker: with two, its threads call ast.parse at the same time (Hypothesis describing a
# lambda), which CPython 3.11 does not survive ("AST constructor recursion depth mismatch"):
# a flaky run on a loaded machine, not a finding about the API.
cd "$work"
"$venv/bin/st" run "http://$addr/openapi.json" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,ignored_auth \
    --max-examples "$examples" \
    --request-timeout 60 \
    --workers 1 \
    --no-color \
    --seed 1
