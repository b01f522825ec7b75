#!/usr/bin/env bash
# Make sure a Docker engine with the gVisor runtime (runsc) answers, on Debian 12, as root.
#
# Idempotent and fast when everything is in place (no apt call then):
#   - installs docker.io, runsc and mmdebstrap when missing;
#   - registers runtime "runsc" in /etc/docker/daemon.json, keeping every other key;
#   - starts dockerd in the background when no engine answers (these machines have no
#     systemd), logging to $STOCKADE_DOCKERD_LOG, and waits for it;
#   - if the engine is up but runsc is not registered, registers it and reloads dockerd.
#
# Environment: STOCKADE_DOCKERD_LOG (default /var/log/stockade-dockerd.log),
#              STOCKADE_ENGINE_TIMEOUT seconds to wait for the engine (default 60),
#              STOCKADE_DAEMON_JSON (default /etc/docker/daemon.json).
set -euo pipefail

LOG=${STOCKADE_DOCKERD_LOG:-/var/log/stockade-dockerd.log}
TIMEOUT=${STOCKADE_ENGINE_TIMEOUT:-60}
DAEMON_JSON=${STOCKADE_DAEMON_JSON:-/etc/docker/daemon.json}
RUNSC=/usr/bin/runsc

say() { printf 'setup-engine: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root"

engine_up() { docker info >/dev/null 2>&1; }
runsc_registered() { docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q '"runsc"'; }

# 1. Packages, only when something is missing.
missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v docker >/dev/null 2>&1 || missing+=(docker.io)
[ -x "$RUNSC" ] || missing+=(runsc)
command -v mmdebstrap >/dev/null 2>&1 || missing+=(mmdebstrap)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
    # shellcheck disable=SC2207
    pkgs=($(printf '%s\n' "${missing[@]}" | sort -u))
    say "installing ${pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null || die "apt-get update failed (are the Debian mirrors reachable?)"
    apt-get install -y -q --no-install-recommends "${pkgs[@]}" >/dev/null \
        || die "apt-get install ${pkgs[*]} failed"
fi

# 2. daemon.json: merge our runtime in, leave every other key alone.
# Prints "changed" when the file was rewritten.
merge_daemon_json() {
    mkdir -p "$(dirname "$DAEMON_JSON")"
    python3 - "$DAEMON_JSON" "$RUNSC" <<'PY'
import json, os, sys
path, runsc = sys.argv[1], sys.argv[2]
want = {"path": runsc, "runtimeArgs": ["--platform=ptrace", "--network=none"]}
try:
    with open(path) as f:
        text = f.read()
    config = json.loads(text) if text.strip() else {}
except FileNotFoundError:
    config = {}
except json.JSONDecodeError as e:
    sys.exit(f"{path} is not valid JSON ({e}); fix it by hand")
if not isinstance(config, dict):
    sys.exit(f"{path} must hold a JSON object")
runtimes = config.setdefault("runtimes", {})
if runtimes.get("runsc") == want:
    sys.exit(0)
runtimes["runsc"] = want
tmp = path + ".tmp"
with open(tmp, "w") as f:
    json.dump(config, f, indent=2)
    f.write("\n")
os.replace(tmp, path)
print("changed")
PY
}
changed=$(merge_daemon_json) || die "could not update $DAEMON_JSON"
[ -n "$changed" ] && say "registered runtime runsc in $DAEMON_JSON"

wait_engine() {
    local waited=0
    until engine_up; do
        if [ -n "${1:-}" ] && ! kill -0 "$1" 2>/dev/null; then
            die "dockerd exited during start-up; see $LOG (last lines: $(tail -n 3 "$LOG" 2>/dev/null | tr '\n' ' '))"
        fi
        [ "$waited" -ge "$((TIMEOUT * 2))" ] && die "the Docker engine did not answer within ${TIMEOUT}s; see $LOG"
        sleep 0.5
        waited=$((waited + 1))
    done
}

# 3. Start or reload the engine.
if ! engine_up; then
    say "starting dockerd (log: $LOG)"
    mkdir -p "$(dirname "$LOG")"
    # containerd is started by dockerd itself when no system containerd runs.
    nohup dockerd >>"$LOG" 2>&1 </dev/null &
    pid=$!
    wait_engine "$pid"
    say "engine up (dockerd pid $pid)"
elif ! runsc_registered; then
    pid=$(cat /var/run/docker.pid 2>/dev/null || pidof -s dockerd || true)
    if [ -n "$pid" ]; then
        say "reloading dockerd (pid $pid) to pick up runsc"
        kill -HUP "$pid"
        for _ in $(seq 1 20); do runsc_registered && break; sleep 0.5; done
    fi
fi

runsc_registered || die "the engine answers but runtime runsc is not registered; check $DAEMON_JSON and $LOG"
say "ok: $(docker version --format 'engine {{.Server.Version}}, API {{.Server.APIVersion}}'), runtimes: runc, runsc"
