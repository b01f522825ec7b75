#!/usr/bin/env bash
# The opt-in userns-remap mode (STOCKADE_USERNS_REMAP=1) on a real engine: a second dockerd,
# with userns-remap, on its own socket and data root; the sandbox images built into it (from
# the cached root file systems); then the cases that depend on who owns what on the host (the
# /data mount, host files, privileges, writes outside /tmp) under runc and runsc. The
# engine is stopped afterwards; its data root stays, so the next run finds the image.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$STOCKADE_ROOT"

name=stockade-userns
sock=/run/$name.sock
pidfile=/run/$name.pid
log=/var/log/$name.log
export DOCKER_HOST=unix://$sock

stop_engine() {
    local pid
    pid=$(cat "$pidfile" 2>/dev/null || true)
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
    die "the userns-remap engine (pid $pid) did not stop; see $log"
}

if ! docker info >/dev/null 2>&1; then
    mkdir -p /var/lib/$name /run/$name
    # The machine's daemon.json (scripts/setup-engine.sh) registers runsc with --oci-seccomp.
    nohup dockerd --config-file /etc/docker/daemon.json --userns-remap=default \
        --host="unix://$sock" --data-root=/var/lib/$name --exec-root=/run/$name --pidfile="$pidfile" \
        --bridge=none --iptables=false --ip-masq=false >>"$log" 2>&1 </dev/null &
    trap stop_engine EXIT
    for _ in $(seq 120); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
    docker info >/dev/null 2>&1 || die "the userns-remap engine did not start; see $log"
fi
docker info --format '{{.SecurityOptions}}' | grep -q 'name=userns' \
    || die "the engine on $sock answers without userns-remap"

cargo build --locked --bin stockade
"${CARGO_TARGET_DIR:-target}/debug/stockade" image build --variant all
STOCKADE_ESCAPE_CASES=write_data_mount,read_host_files,privilege,write_outside_tmp,device_proc_writes,exec_os_system \
    cargo test --locked --test escape_suite --test escape_data_mount
