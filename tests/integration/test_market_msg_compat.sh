#!/usr/bin/env bash
# test_market_msg_compat.sh BUILD_DIR — the market message decoders against
# protobufjs: messages encoded from Agora's agora.market.v1 protos (text
# fields declared `string`, as clients do) decode in C through the registry
# with matching fields; bad ones are refused with the expected code.
# protobufjs comes from build/npm/ (installed as test_abci_compat.sh does).
set -euo pipefail
build=${1:?usage: test_market_msg_compat.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tool="$root/$build/tools/market_vectors"
[[ "$build" = /* ]] && tool="$build/tools/market_vectors"
[[ -x "$tool" ]] || { echo "test_market_msg_compat: $tool not built"; exit 1; }
command -v node >/dev/null || { echo "test_market_msg_compat: node not installed (scripts/deps.sh installs it)"; exit 1; }
npmdir="$root/build/npm"
if [[ ! -f "$npmdir/node_modules/protobufjs/package.json" ]]; then
  mkdir -p "$npmdir"
  npm install --prefix "$npmdir" --no-audit --no-fund --silent protobufjs@7 >/dev/null 2>&1 ||
    { echo "test_market_msg_compat: npm install protobufjs@7 failed (network?)"; exit 1; }
fi
export NODE_PATH="$npmdir/node_modules"
tmp=$(mktemp -d /tmp/agora-market-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
node "$here/market_msg_compat.js" make "$root/proto" > "$tmp/lines"
"$tool" decode < "$tmp/lines" > "$tmp/results"
node "$here/market_msg_compat.js" check "$root/proto" "$tmp/lines" "$tmp/results"
