#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (tests/browser), when it is missing.
# The tests drive it with playwright-core; no tool ever downloads a browser of its own.
set -euo pipefail
if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
fi
/usr/bin/chromium --version
