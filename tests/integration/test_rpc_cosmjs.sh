#!/usr/bin/env bash
# Agora's RPC server against an unmodified @cosmjs/tendermint-rpc
# (Comet38Client) from the npm registry: status, block, blockResults,
# validators, abciQuery, abciInfo, broadcastTxSync, tx, txSearch,
# blockSearch and websocket subscriptions (NewBlockHeader, Tx), served by
# tools/rpc_fixture (a real in-memory chain, see tests/harness/rpc_chain.c).
# Usage: test_rpc_cosmjs.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: test_rpc_cosmjs.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
export NPM_DIR=$(cd "$build/.." && pwd)/npm
pkgs=(@cosmjs/tendermint-rpc@0.32.4 @cosmjs/encoding@0.32.4)
if [[ ! -d "$NPM_DIR/node_modules/@cosmjs/tendermint-rpc" ]]; then
  mkdir -p "$NPM_DIR"
  (cd "$NPM_DIR" && npm install --no-audit --no-fund --silent --prefix . "${pkgs[@]}" >/dev/null)
fi
tmp=$(mktemp -d)
fifo="$tmp/in"
mkfifo "$fifo"
"$build/tools/rpc_fixture" 0 < "$fifo" > "$tmp/out" 2> "$tmp/err" &
pid=$!
exec 3> "$fifo"   # the fixture runs until this closes
trap 'exec 3>&-; wait $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 1 100); do
  [[ -s "$tmp/out" ]] && break
  sleep 0.1
done
port=$(sed -n 's/.*"port": \([0-9]*\).*/\1/p' "$tmp/out")
[[ -n "$port" ]] || { echo "rpc_fixture did not start"; cat "$tmp/err"; exit 1; }
timeout 120 node "$here/rpc_compat.js" "$port"
