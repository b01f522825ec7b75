# Shared helpers for Stockade's scripts. Sourced, not run.

# Repository root, whatever the caller's working directory.
STOCKADE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export STOCKADE_ROOT

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Installs the Debian packages given as arguments that are not installed yet (one apt run).
apt_ensure() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    [ "$(id -u)" -eq 0 ] || die "need root to install: ${missing[*]}"
    step "Installing Debian packages: ${missing[*]}"
    apt-get update -q >/dev/null || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null \
        || die "apt-get install failed for: ${missing[*]}"
}

# Queue mode: Debian's redis-server, and one local instance for development on 127.0.0.1:6379
# with its append-only file on (every write logged before it is answered), data under
# target/redis. Idempotent: an instance that answers is left alone. The tests start their own.
redis_ensure() {
    apt_ensure redis-server redis-tools
}
redis_start_local() {
    redis_ensure
    if redis-cli -p 6379 PING 2>/dev/null | grep -q PONG; then return 0; fi
    local dir="$STOCKADE_ROOT/target/redis"
    mkdir -p "$dir"
    redis-server --bind 127.0.0.1 --port 6379 --dir "$dir" --appendonly yes \
        --appendfsync everysec --daemonize yes --logfile "$dir/redis.log" \
        || die "redis-server did not start; see $dir/redis.log"
    for _ in $(seq 50); do redis-cli -p 6379 PING 2>/dev/null | grep -q PONG && return 0; sleep 0.1; done
    die "redis-server did not answer on 127.0.0.1:6379; see $dir/redis.log"
}

# Installs the pinned maturin (the Python package's build tool) into a cached virtualenv once;
# prints the path of its executable.
maturin_ensure() {
    local version=1.16.0
    local tools=${XDG_CACHE_HOME:-$HOME/.cache}/stockade/maturin-$version
    if [ ! -x "$tools/bin/maturin" ]; then
        step "Installing maturin $version into $tools" >&2
        python3 -m venv "$tools" 2>/dev/null || { apt_ensure python3-venv >&2 && python3 -m venv "$tools"; }
        "$tools/bin/pip" install --quiet --disable-pip-version-check "maturin==$version" >&2
    fi
    printf '%s\n' "$tools/bin/maturin"
}
