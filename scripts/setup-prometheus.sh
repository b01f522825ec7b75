#!/bin/sh
# Installs Prometheus and promtool (Debian's `prometheus` package) when missing. Idempotent.
# The package's own service is not needed: tests and operators start `prometheus` with
# config/prometheus/prometheus.yml themselves.
set -eu
if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "setup-prometheus: need root to apt-get install prometheus" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends prometheus >/dev/null
# Debian starts the packaged service on :9090; it is not ours to run.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
command -v prometheus >/dev/null && command -v promtool >/dev/null
