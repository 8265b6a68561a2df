#!/usr/bin/env bash
# Four validators (kvstore app, fast timeouts) on loopback, each serving the
# RPC ([rpc] laddr from `agorad testnet`):
#   1. /status and /block on node0 answer CometBFT-shaped JSON;
#   2. a "key=value" tx sent with curl to node0 (broadcast_tx_sync, JSON-RPC
#      POST) answers code 0 and its hash;
#   3. it is committed on all 4 nodes: `tx` by hash on every node's RPC
#      finds it at the same height, and abci_query on node3 reads the value;
#   4. net_info on node0 lists 3 peers; a duplicate is refused; all stop
#      with SIGTERM (exit status 0).
# The seed (AGORA_TEST_SEED reproduces) picks the base port and the key.
# Usage: test_localnet_tx.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: test_localnet_tx.sh BUILD_DIR}
agorad=$build/bin/agorad
seed=${AGORA_TEST_SEED:-$(( $(date +%s) % 100000 ))}
echo "test_localnet_tx: seed $seed (AGORA_TEST_SEED=$seed reproduces)"
RANDOM=$seed
n=4
base=$(( 20000 + (RANDOM % 1200) * 10 )) # below the ephemeral ports (32768+)
tmp=$(mktemp -d)
here=$(cd "$(dirname "$0")" && pwd)
source "$here/net_lib.sh"
fail() { echo "FAIL: $*"; dump; exit 1; }

# The RPC address of node i (`agorad testnet`: p2p base+10i, rpc +1).
rpc() { echo "http://127.0.0.1:$((base + 10 * $1 + 1))"; }

# post NODE JSON: a JSON-RPC POST.
post() { curl -sS --max-time 15 -H 'Content-Type: application/json' -d "$2" "$(rpc "$1")/"; }

"$agorad" testnet --validators $n --output "$tmp/net" --app kvstore --fast --base-port $base \
  --chain-id localnet-tx >"$tmp/testnet.out"
grep -q "tcp://127.0.0.1:$((base + 1))" "$tmp/net/node0/config/config.ini" \
  || fail "node0's config has no rpc laddr tcp://127.0.0.1:$((base + 1))"

for ((i = 0; i < n; i++)); do start_node $i; done

# Every node's RPC answers /health and the chain reaches height 3.
for ((i = 0; i < n; i++)); do
  for ((t = 0; t < 300; t++)); do
    curl -sf --max-time 2 "$(rpc $i)/health" >/dev/null 2>&1 && break
    kill -0 "${pids[$i]}" 2>/dev/null || fail "node$i exited"
    sleep 0.1
  done
  curl -sf --max-time 2 "$(rpc $i)/health" >/dev/null || fail "node$i: no RPC"
done
for ((t = 0; t < 300; t++)); do (( $(height 0) >= 3 )) && break; sleep 0.1; done
(( $(height 0) >= 3 )) || fail "height 3 not reached"
echo "RPC up on $n nodes, height $(height 0)"

# 1. /status and /block shapes.
curl -sf "$(rpc 0)/status" >"$tmp/status.json" || fail "/status"
jq -e '.jsonrpc == "2.0" and .id == -1
  and .result.node_info.network == "localnet-tx"
  and (.result.node_info.id | test("^[0-9a-f]{40}$"))
  and (.result.node_info.protocol_version.block == "11")
  and (.result.sync_info.latest_block_height | test("^[0-9]+$"))
  and (.result.sync_info.latest_block_hash | test("^[0-9A-F]{64}$"))
  and (.result.sync_info.latest_block_time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T"))
  and .result.sync_info.catching_up == false
  and (.result.validator_info.address | test("^[0-9A-F]{40}$"))
  and .result.validator_info.pub_key.type == "tendermint/PubKeySecp256k1"
  and .result.validator_info.voting_power == "10"' "$tmp/status.json" >/dev/null \
  || { cat "$tmp/status.json"; fail "/status shape"; }
curl -sf "$(rpc 0)/block?height=2" >"$tmp/block.json" || fail "/block?height=2"
jq -e '.result.block.header.height == "2" and .result.block.header.chain_id == "localnet-tx"
  and (.result.block_id.hash | test("^[0-9A-F]{64}$"))
  and (.result.block_id.parts.total | type == "number")
  and (.result.block.last_commit.signatures | length) >= 3' "$tmp/block.json" >/dev/null \
  || { cat "$tmp/block.json"; fail "/block shape"; }
echo "/status and /block are CometBFT-shaped"

# 2. broadcast_tx_sync to node0.
key="k$seed"; val="v$RANDOM"
tx64=$(printf '%s=%s' "$key" "$val" | base64 -w0)
post 0 "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"broadcast_tx_sync\",\"params\":{\"tx\":\"$tx64\"}}" \
  >"$tmp/bcast.json" || fail "broadcast_tx_sync"
jq -e '.id == 7 and .result.code == 0 and (.result.hash | test("^[0-9A-F]{64}$"))' "$tmp/bcast.json" \
  >/dev/null || { cat "$tmp/bcast.json"; fail "broadcast_tx_sync answer"; }
hash=$(jq -r .result.hash "$tmp/bcast.json")
echo "tx $key=$val accepted by node0: $hash"

# The same tx again: refused by the mempool's cache.
post 0 "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"broadcast_tx_sync\",\"params\":{\"tx\":\"$tx64\"}}" \
  >"$tmp/dup.json" || fail "second broadcast_tx_sync"
jq -e '.error.data | test("already exists")' "$tmp/dup.json" >/dev/null \
  || { cat "$tmp/dup.json"; fail "duplicate not refused"; }

# 3. committed on every node: `tx` by hash (the same height everywhere).
heights=()
for ((i = 0; i < n; i++)); do
  ok=0
  for ((t = 0; t < 200; t++)); do
    post $i "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tx\",\"params\":{\"hash\":\"$hash\"}}" >"$tmp/tx$i.json" || true
    if jq -e '.result.hash' "$tmp/tx$i.json" >/dev/null 2>&1; then ok=1; break; fi
    sleep 0.1
  done
  (( ok )) || { cat "$tmp/tx$i.json"; fail "node$i: tx $hash not found"; }
  jq -e --arg tx "$tx64" '.result.tx == $tx and .result.tx_result.code == 0
    and (.result.height | test("^[0-9]+$")) and (.result.index | type == "number")' "$tmp/tx$i.json" \
    >/dev/null || { cat "$tmp/tx$i.json"; fail "node$i: tx shape"; }
  heights+=("$(jq -r .result.height "$tmp/tx$i.json")")
done
for ((i = 1; i < n; i++)); do
  [[ ${heights[$i]} == "${heights[0]}" ]] || fail "tx at height ${heights[0]} on node0, ${heights[$i]} on node$i"
done
echo "tx committed at height ${heights[0]} on all $n nodes"

# abci_query on node3 (data is hex).
keyhex=$(printf '%s' "$key" | od -An -tx1 | tr -d ' \n')
post 3 "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"abci_query\",\"params\":{\"path\":\"\",\"data\":\"$keyhex\"}}" \
  >"$tmp/query.json" || fail "abci_query"
got=$(jq -r '.result.response.value // empty' "$tmp/query.json" | base64 -d 2>/dev/null || true)
[[ $got == "$val" ]] || { cat "$tmp/query.json"; fail "abci_query on node3: '$got', expected '$val'"; }
echo "abci_query on node3: $key = $got"

# 4. net_info lists the 3 peers.
curl -sf "$(rpc 0)/net_info" >"$tmp/net.json" || fail "/net_info"
jq -e '.result.listening == true and .result.n_peers == "3" and (.result.peers | length) == 3
  and (.result.peers[0].node_info.id | test("^[0-9a-f]{40}$"))' "$tmp/net.json" >/dev/null \
  || { cat "$tmp/net.json"; fail "/net_info"; }
echo "net_info: 3 peers"

for ((i = 0; i < n; i++)); do kill -TERM "${pids[$i]}"; done
for ((i = 0; i < n; i++)); do
  rc=0; wait "${pids[$i]}" || rc=$?
  pids[$i]=
  [[ $rc == 0 ]] || fail "node$i exited with $rc after SIGTERM"
done
echo "all $n nodes stopped cleanly"
