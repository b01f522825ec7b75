#!/usr/bin/env bash
# Builds the browser editor: the validator to WebAssembly (web/pkg/), then the static site
# (web/dist/) that `stockade serve` serves at `/`. Installs what it needs, skips what is current,
# and prints the .wasm sizes (raw, after wasm-opt, gzip).
#
# Usage: scripts/build-web.sh
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

log() { printf '==> %s\n' "$*" >&2; }

apt_updated=
apt_install() {
  if [ -z "$apt_updated" ]; then
    apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

# 1. The Rust target.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# 2. wasm-bindgen's CLI must be exactly the version of the wasm-bindgen crate in Cargo.lock.
want=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
if [ -z "$want" ]; then
  echo "error: no wasm-bindgen package in Cargo.lock" >&2
  exit 2
fi
have=$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)
if [ "$have" != "$want" ]; then
  log "installing wasm-bindgen-cli $want (found: ${have:-none})"
  # Not --locked: the registry mirror lacks one of its pinned dependencies.
  cargo install wasm-bindgen-cli --version "$want"
fi

# 3. wasm-opt, from Debian's binaryen.
if ! command -v wasm-opt >/dev/null; then
  log "installing binaryen (wasm-opt)"
  apt_install binaryen
fi

# 4. The validator, compiled for the browser with the size-tuned `wasm` profile.
#    The parser's Unicode-name table (for `\N{...}` escapes, ~700 KB of .wasm) is swapped for
#    a subset here only (crates/wasm/unicode-names-subset/Cargo.toml says why). The patch makes
#    cargo rewrite Cargo.lock, so the committed lock file is put back afterwards.
log "cargo build -p stockade-wasm (wasm32, profile wasm)"
mkdir -p target
cp Cargo.lock target/Cargo.lock.committed
trap 'cp target/Cargo.lock.committed Cargo.lock' EXIT
#    opt-level "s" rather than the profile's "z": measured here ~30% faster validation (CPU time
#    of a 1,000-line file) for ~7% more .wasm, well inside the 1.5 MB budget.
cargo build -p stockade-wasm --target wasm32-unknown-unknown --profile wasm \
  --config 'patch.crates-io.unicode_names2.path="crates/wasm/unicode-names-subset"' \
  --config 'profile.wasm.opt-level="s"'
cp target/Cargo.lock.committed Cargo.lock
trap - EXIT
raw=target/wasm32-unknown-unknown/wasm/stockade_wasm.wasm

# 5. Size optimisation, then the JS bindings, when the compiled module changed. wasm-opt runs
#    before wasm-bindgen: Debian's binaryen (108) rewrites the export of wasm-bindgen's externref
#    table to the wrong table, and wasm-bindgen itself only strips what it no longer needs.
pkg=web/pkg
out="$pkg/stockade_wasm_bg.wasm"
if [ ! -f "$out" ] || [ "$raw" -nt "$out" ] || [ ! -f "$pkg/stockade_wasm.js" ]; then
  opt_dir=target/wasm-opt
  mkdir -p "$opt_dir"
  log "wasm-opt -Oz"
  # Rust enables these post-MVP features by default; Debian's binaryen must be told.
  wasm-opt -Oz --strip-debug --strip-producers \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    -o "$opt_dir/stockade_wasm.wasm" "$raw"
  log "wasm-bindgen --target web -> $pkg"
  rm -rf "$pkg"
  wasm-bindgen --target web --out-dir "$pkg" "$opt_dir/stockade_wasm.wasm"
fi

size() { stat -c %s "$1"; }
raw_b=$(size "$raw")
opt_b=$(size "$out")
gz_b=$(gzip -9 -c "$out" | wc -c)
limit=1500000 # 1.5 MB
awk -v r="$raw_b" -v o="$opt_b" -v g="$gz_b" -v l="$limit" 'BEGIN {
  printf "wasm size: raw %d B (%.0f KiB), wasm-opt + wasm-bindgen %d B (%.0f KiB), gzip %d B (%.0f KiB); limit %d B\n",
    r, r / 1024, o, o / 1024, g, g / 1024, l
}' | tee target/wasm-size.txt
if [ "$opt_b" -gt "$limit" ]; then
  echo "error: $out is over 1.5 MB after wasm-opt" >&2
  exit 1
fi

# 6. npm dependencies, when package-lock.json changed since the last install.
stamp=web/node_modules/.stockade-lock.sha256
lock_hash=$(sha256sum web/package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  log "npm ci"
  (cd web && npm ci --no-audit --no-fund)
  echo "$lock_hash" >"$stamp"
fi

# 7. The static site.
log "npm run build -> web/dist"
(cd web && npm run build --silent)
log "done: web/dist/"
