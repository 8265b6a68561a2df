#!/usr/bin/env bash
# Four validators (market app, fast timeouts) on loopback, made by
# `agorad testnet` and started as separate processes:
#   1. all four reach height 10;
#   2. one validator (chosen by the seed) is killed with SIGKILL; the other
#      three (3 x 10 of 40 power > 2/3) keep committing 5 more heights;
#   3. it restarts, block sync starts (it is 5 or more heights behind) and it
#      catches up to the height the others had when it came back; its RPC
#      then reports catching_up false and serves a block it fetched;
#   4. all stop with SIGTERM (exit status 0), and `agorad inspect blocks`
#      shows the same block hash and app hash at every height on every node.
# The seed (AGORA_TEST_SEED reproduces) picks the victim and the base port.
# Usage: test_localnet.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: test_localnet.sh BUILD_DIR}
agorad=$build/bin/agorad
seed=${AGORA_TEST_SEED:-$(( $(date +%s) % 100000 ))}
echo "test_localnet: seed $seed (AGORA_TEST_SEED=$seed reproduces)"
RANDOM=$seed
n=4
victim=$(( RANDOM % n ))
base=$(( 20000 + (RANDOM % 1200) * 10 )) # below the ephemeral ports (32768+)
tmp=$(mktemp -d)
here=$(cd "$(dirname "$0")" && pwd)
source "$here/net_lib.sh"

"$agorad" testnet --validators $n --output "$tmp/net" --app market --fast --base-port $base \
  --chain-id localnet-test >"$tmp/testnet.out"
cat "$tmp/testnet.out"
for ((i = 0; i < n; i++)); do
  grep -c '^persistent_peer = ' "$tmp/net/node$i/config/config.ini" | grep -qx $((n - 1)) \
    || { echo "node$i: expected $((n - 1)) persistent peers"; exit 1; }
  cmp -s "$tmp/net/node0/config/genesis.json" "$tmp/net/node$i/config/genesis.json" \
    || { echo "node$i: genesis differs"; exit 1; }
done

# Refusals: an existing network is never overwritten; bad arguments.
if "$agorad" testnet --validators $n --output "$tmp/net" --base-port $base >"$tmp/err" 2>&1; then
  echo "testnet overwrote an existing network"; exit 1
fi
grep -q 'already exists' "$tmp/err" || { echo "no 'already exists' message"; cat "$tmp/err"; exit 1; }
for bad in "--validators 0" "--validators 65" "--validators 2 --base-port 65530" "--validators 2 --app nope"; do
  # shellcheck disable=SC2086
  if "$agorad" testnet $bad --output "$tmp/bad" >/dev/null 2>&1; then echo "testnet accepted $bad"; exit 1; fi
  [[ ! -e "$tmp/bad" ]] || { echo "testnet $bad wrote $tmp/bad"; exit 1; }
done

for ((i = 0; i < n; i++)); do start_node $i; done
wait_height 10 30 0 1 2 3
for ((i = 0; i < n; i++)); do
  grep -q 'peer .* added' "$tmp/net/node$i/agorad.log" || { echo "node$i: no peer line"; dump; exit 1; }
done
echo "all $n nodes at height >= 10"

kill -KILL "${pids[$victim]}"; wait "${pids[$victim]}" 2>/dev/null || true
others=(); for ((i = 0; i < n; i++)); do (( i != victim )) && others+=($i); done
h=$(height "${others[0]}")
wait_height $((h + 5)) 20 "${others[@]}"
echo "node$victim killed at height $(height $victim); the others reached $((h + 5))"

echo "--- restart after SIGKILL" >>"$tmp/net/node$victim/agorad.log"
start_node $victim
target=$(height "${others[0]}")
wait_height "$target" 20 $victim
sed -n '/^--- restart after SIGKILL/,$p' "$tmp/net/node$victim/agorad.log" | grep -q 'block sync started' \
  || { echo "node$victim caught up without block sync"; dump; exit 1; }
echo "node$victim caught up to $target (block sync)"

# Its RPC ([rpc] laddr P+10i+1) serves the blocks it fetched by block sync,
# and reports catching_up false once consensus took over.
rpc="http://127.0.0.1:$((base + 10 * victim + 1))"
ok=0
for ((t = 0; t < 50; t++)); do
  if curl -sf --max-time 2 "$rpc/status" 2>/dev/null | jq -e --argjson h "$target" \
      '.result.sync_info.catching_up == false and (.result.sync_info.latest_block_height | tonumber) >= $h' >/dev/null; then
    ok=1; break
  fi
  sleep 0.1
done
(( ok )) || { echo "node$victim: /status not caught up"; curl -s "$rpc/status"; dump; exit 1; }
curl -sf --max-time 2 "$rpc/block_results?height=$((target - 1))" | jq -e --argjson h $((target - 1)) \
  '.result.height == ($h | tostring)' >/dev/null \
  || { echo "node$victim: no block_results at $((target - 1)) over RPC"; exit 1; }
echo "node$victim's RPC: caught up, serves block $((target - 1))"

for ((i = 0; i < n; i++)); do kill -TERM "${pids[$i]}"; done
for ((i = 0; i < n; i++)); do
  rc=0; wait "${pids[$i]}" || rc=$?
  pids[$i]=
  [[ $rc == 0 ]] || { echo "node$i exited with $rc after SIGTERM"; dump; exit 1; }
done

# Same block hash and app hash at every height every node stored.
for ((i = 0; i < n; i++)); do
  "$agorad" inspect blocks --home "$tmp/net/node$i" | grep -v '^#' | awk '{print $1, $2, $3}' >"$tmp/blocks$i"
done
common=$(wc -l <"$tmp/blocks0")
for ((i = 1; i < n; i++)); do
  c=$(wc -l <"$tmp/blocks$i"); (( c < common )) && common=$c
done
(( common >= 10 )) || { echo "only $common common heights"; exit 1; }
for ((i = 1; i < n; i++)); do
  if ! diff <(head -n "$common" "$tmp/blocks0") <(head -n "$common" "$tmp/blocks$i") >/dev/null; then
    echo "node$i disagrees with node0:"; diff <(head -n "$common" "$tmp/blocks0") <(head -n "$common" "$tmp/blocks$i") | head; exit 1
  fi
done
echo "every node holds the same $common blocks (hash and app hash)"
