#!/usr/bin/env bash
# The market application against CosmJS from the npm registry: CosmJS's
# QueryClient (auth, bank, tx extensions) and SigningStargateClient talk to
# the app run in-process by tests/tools/market_shell (market_compat.js).
# Usage: test_market_compat.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: test_market_compat.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
shell="$root/$build/tools/market_shell"
[[ "$build" = /* ]] && shell="$build/tools/market_shell"
[[ -x "$shell" ]] || { echo "test_market_compat: $shell not built"; exit 1; }
command -v node >/dev/null || { echo "test_market_compat: node not installed (scripts/deps.sh installs it)"; exit 1; }
export NPM_DIR="$root/build/npm"
pkgs=(@cosmjs/stargate@0.32.4 @cosmjs/proto-signing@0.32.4 @cosmjs/crypto@0.32.4
      @cosmjs/amino@0.32.4 @cosmjs/encoding@0.32.4 cosmjs-types@0.9.0)
if [[ ! -d "$NPM_DIR/node_modules/@cosmjs/stargate" || ! -d "$NPM_DIR/node_modules/@cosmjs/proto-signing" ]]; then
  mkdir -p "$NPM_DIR"
  (cd "$NPM_DIR" && npm install --no-audit --no-fund --silent --prefix . "${pkgs[@]}" >/dev/null) ||
    { echo "test_market_compat: npm install failed (network?)"; exit 1; }
fi
node "$here/market_compat.js" "$shell"
echo "test_market_compat: ok"
