#!/usr/bin/env bash
# Make sure a Docker engine with the gVisor runtime (runsc) answers, on Debian 12, as root.
#
# Idempotent and fast when everything is in place (no apt call then):
#   - installs docker.io, runsc and mmdebstrap when missing;
#   - registers runtime "runsc" in /etc/docker/daemon.json, keeping every other key, with
#     --oci-seccomp so that the container's seccomp profile applies inside gVisor too
#     (without it runsc ignores the profile);
#   - starts dockerd in the background when no engine answers (these machines have no
#     systemd), logging to $STOCKADE_DOCKERD_LOG, and waits for it;
#   - if the engine is up but its runsc registration is missing or outdated, updates it and
#     reloads dockerd (SIGHUP: running containers are not touched).
#
# Opt-in: STOCKADE_USERNS_REMAP=1 also sets "userns-remap": "default" (Docker creates the
# `dockremap` user and its /etc/subuid range): uid 0..65535 in every container then map to an
# unprivileged host range, so even the sandbox's uid is nobody on the host. This needs a
# restart of dockerd (a reload cannot switch it), which the script does only when no
# container is running, and the sandbox image must be built again (`stockade image build`),
# since the engine keeps remapped images apart.
#
# Environment: STOCKADE_DOCKERD_LOG (default /var/log/stockade-dockerd.log),
#              STOCKADE_ENGINE_TIMEOUT seconds to wait for the engine (default 60),
#              STOCKADE_DAEMON_JSON (default /etc/docker/daemon.json),
#              STOCKADE_DOCKERD_PIDFILE (default /var/run/docker.pid),
#              STOCKADE_USERNS_REMAP (default 0).
set -euo pipefail

LOG=${STOCKADE_DOCKERD_LOG:-/var/log/stockade-dockerd.log}
TIMEOUT=${STOCKADE_ENGINE_TIMEOUT:-60}
DAEMON_JSON=${STOCKADE_DAEMON_JSON:-/etc/docker/daemon.json}
RUNSC=/usr/bin/runsc
PIDFILE=${STOCKADE_DOCKERD_PIDFILE:-/var/run/docker.pid}
USERNS_REMAP=${STOCKADE_USERNS_REMAP:-0}
case "$USERNS_REMAP" in 0|1) ;; *) printf 'setup-engine: STOCKADE_USERNS_REMAP must be 0 or 1\n' >&2; exit 2 ;; esac

say() { printf 'setup-engine: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root"

engine_up() { docker info >/dev/null 2>&1; }
# The running engine knows runsc with our profile applied inside the sandbox.
runsc_current() {
    docker info --format '{{json .Runtimes}}' 2>/dev/null \
        | python3 -c 'import json,sys; r=json.load(sys.stdin).get("runsc") or {}; sys.exit("--oci-seccomp" not in (r.get("runtimeArgs") or []))'
}
userns_current() {
    local opts
    opts=$(docker info --format '{{json .SecurityOptions}}' 2>/dev/null) || return 1
    if [ "$USERNS_REMAP" = 1 ]; then grep -q 'name=userns' <<<"$opts"; else return 0; fi
}

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

# 2. daemon.json: merge our runtime (and, when asked, userns-remap) in, leave every other key
# alone. Prints "changed" when the file was rewritten.
merge_daemon_json() {
    mkdir -p "$(dirname "$DAEMON_JSON")"
    python3 - "$DAEMON_JSON" "$RUNSC" "$USERNS_REMAP" <<'PY'
import json, os, sys
path, runsc, remap = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
want = {"path": runsc, "runtimeArgs": ["--platform=ptrace", "--network=none", "--oci-seccomp"]}
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
if runtimes.get("runsc") == want and (not remap or config.get("userns-remap")):
    sys.exit(0)
runtimes["runsc"] = want
if remap and not config.get("userns-remap"):
    config["userns-remap"] = "default"
tmp = path + ".tmp"
with open(tmp, "w") as f:
    json.dump(config, f, indent=2)
    f.write("\n")
os.replace(tmp, path)
print("changed")
PY
}
changed=$(merge_daemon_json) || die "could not update $DAEMON_JSON"
[ -n "$changed" ] && say "registered runtime runsc (--oci-seccomp) in $DAEMON_JSON"

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
else
    pid=$(cat "$PIDFILE" 2>/dev/null || pidof -s dockerd || true)
    if ! userns_current; then
        [ -n "$pid" ] || die "userns-remap needs a restart of dockerd, whose pid is unknown (STOCKADE_DOCKERD_PIDFILE)"
        running=$(docker ps -q | wc -l)
        [ "$running" -eq 0 ] || die "userns-remap needs a restart of dockerd; $running containers are running: stop them and run this again"
        say "restarting dockerd (pid $pid) for userns-remap"
        args=$(tr '\0' ' ' <"/proc/$pid/cmdline")
        kill "$pid"
        for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        # shellcheck disable=SC2086
        nohup $args >>"$LOG" 2>&1 </dev/null &
        wait_engine "$!"
    elif ! runsc_current; then
        [ -n "$pid" ] || die "runsc needs a reload of dockerd, whose pid is unknown (STOCKADE_DOCKERD_PIDFILE)"
        say "reloading dockerd (pid $pid) to pick up runsc --oci-seccomp"
        kill -HUP "$pid"
        for _ in $(seq 1 20); do runsc_current && break; sleep 0.5; done
    fi
fi

runsc_current || die "the engine answers but runtime runsc is not registered with --oci-seccomp; check $DAEMON_JSON and $LOG"
userns_current || die "the engine answers but userns-remap is not on; check $DAEMON_JSON and $LOG"
say "ok: $(docker version --format 'engine {{.Server.Version}}, API {{.Server.APIVersion}}'), runtimes: runc, runsc (--oci-seccomp)$([ "$USERNS_REMAP" = 1 ] && echo ', userns-remap')"
