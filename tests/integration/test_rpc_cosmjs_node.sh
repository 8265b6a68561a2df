#!/usr/bin/env bash
# An unmodified @cosmjs/tendermint-rpc (Comet38Client, npm) against a real
# `agorad start`: one kvstore validator from `agorad testnet --validators 1
# --fast`; status, block, validators, abciInfo, broadcastTxSync, tx,
# blockResults, txSearch, blockSearch, abciQuery and websocket
# subscriptions (rpc_compat.js --node). Usage: test_rpc_cosmjs_node.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: test_rpc_cosmjs_node.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
agorad=$build/bin/agorad
export NPM_DIR=$(cd "$build/.." && pwd)/npm
pkgs=(@cosmjs/tendermint-rpc@0.32.4 @cosmjs/encoding@0.32.4)
if [[ ! -d "$NPM_DIR/node_modules/@cosmjs/tendermint-rpc" ]]; then
  mkdir -p "$NPM_DIR"
  (cd "$NPM_DIR" && npm install --no-audit --no-fund --silent --prefix . "${pkgs[@]}" >/dev/null)
fi
seed=${AGORA_TEST_SEED:-$(( $(date +%s) % 100000 ))}
echo "test_rpc_cosmjs_node: seed $seed (AGORA_TEST_SEED=$seed reproduces)"
base=$(( 20000 + (seed % 1200) * 10 + 5 )) # below the ephemeral ports (32768+)
tmp=$(mktemp -d)
pid=
trap '[[ -n "$pid" ]] && kill -KILL $pid 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
"$agorad" testnet --validators 1 --output "$tmp/net" --app kvstore --fast --base-port $base \
  --chain-id cosmjs-node >/dev/null
"$agorad" start --home "$tmp/net/node0" >"$tmp/agorad.log" 2>&1 &
pid=$!
port=$((base + 1))
for ((t = 0; t < 300; t++)); do
  h=$(grep -o 'committed height=[0-9]*' "$tmp/agorad.log" | tail -n 1 | cut -d= -f2 || true)
  (( ${h:-0} >= 3 )) && break
  kill -0 $pid 2>/dev/null || { echo "agorad exited"; cat "$tmp/agorad.log"; exit 1; }
  sleep 0.1
done
if ! timeout 120 node "$here/rpc_compat.js" "$port" --node cosmjs-node; then
  tail -n 20 "$tmp/agorad.log"; exit 1
fi
kill -TERM $pid
rc=0; wait $pid || rc=$?; pid=
[[ $rc == 0 ]] || { echo "agorad exited with $rc after SIGTERM"; tail -n 20 "$tmp/agorad.log"; exit 1; }
