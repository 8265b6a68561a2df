#!/usr/bin/env bash
# Proofs from Agora's store, verified by @confio/ics23 from the npm registry.
# Usage: test_ics23_compat.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: test_ics23_compat.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
export NPM_DIR=$(cd "$build/.." && pwd)/npm
if [[ ! -d "$NPM_DIR/node_modules/@confio/ics23" ]]; then
  mkdir -p "$NPM_DIR"
  (cd "$NPM_DIR" && npm install --no-audit --no-fund --silent --prefix . @confio/ics23@0.6.8 >/dev/null)
fi
"$build/tools/store_vectors" json 400 | node "$here/ics23_compat.js"
