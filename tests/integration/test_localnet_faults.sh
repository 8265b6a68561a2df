#!/usr/bin/env bash
# Faults beyond f on a network of four validators (market app, fast timeouts)
# and a full node joining late, all separate agorad processes on loopback:
#   1. the four validators reach height 5 (the full node is not started);
#   2. two validators (chosen by the seed) stop, one by SIGKILL, one by
#      SIGTERM: 20 of 40 power is not more than 2/3, so the other two commit
#      nothing more (checked over a few seconds after the heights settle)
#      and keep running;
#   3. the first one restarts: 30 of 40 power, the chain resumes (3 more
#      heights on the three running validators);
#   4. the second one restarts and catches up with the others;
#   5. the full node (`agorad testnet --full-nodes 1`: same genesis, own node
#      key, a validator key outside the set) starts, syncs the whole chain by
#      block sync, switches to consensus (its RPC reports catching_up false)
#      and follows 3 more heights;
#   6. everyone stops with SIGTERM (exit status 0), and `agorad inspect
#      blocks` shows the same block hash and app hash at every height on all
#      five nodes: the halt forked nothing.
# The seed (AGORA_TEST_SEED reproduces) picks the two stopped validators and
# the base port.
# Usage: test_localnet_faults.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: test_localnet_faults.sh BUILD_DIR}
agorad=$build/bin/agorad
seed=${AGORA_TEST_SEED:-$(( $(date +%s) % 100000 ))}
echo "test_localnet_faults: seed $seed (AGORA_TEST_SEED=$seed reproduces)"
RANDOM=$seed
n=4
full=$n # node index of the full node
first=$(( RANDOM % n ))
second=$(( (first + 1 + RANDOM % (n - 1)) % n ))
base=$(( 20000 + (RANDOM % 1200) * 10 )) # below the ephemeral ports (32768+)
tmp=$(mktemp -d)
here=$(cd "$(dirname "$0")" && pwd)
source "$here/net_lib.sh"

alive_or_fail() {
  local i
  for i in "$@"; do
    kill -0 "${pids[$i]}" 2>/dev/null || { echo "node$i exited"; dump; exit 1; }
  done
}

# max_height NODE...: the highest committed height among the nodes.
max_height() {
  local m=0 i h
  for i in "$@"; do h=$(height "$i"); (( h > m )) && m=$h; done
  echo "$m"
}

"$agorad" testnet --validators $n --full-nodes 1 --output "$tmp/net" --app market --fast \
  --base-port $base --chain-id localnet-faults >"$tmp/testnet.out"
cat "$tmp/testnet.out"
grep -q "node$full .*(full node)" "$tmp/testnet.out" || { echo "no full node listed"; exit 1; }

for ((i = 0; i < n; i++)); do start_node $i; done
wait_height 5 40 0 1 2 3
echo "4 validators at height >= 5"

# 2. Two of four stop: the chain halts.
kill -KILL "${pids[$first]}"; wait "${pids[$first]}" 2>/dev/null || true; pids[$first]=
kill -TERM "${pids[$second]}"
rc=0; wait "${pids[$second]}" || rc=$?; pids[$second]=
[[ $rc == 0 ]] || { echo "node$second exited with $rc after SIGTERM"; dump; exit 1; }
live=(); for ((i = 0; i < n; i++)); do (( i != first && i != second )) && live+=($i); done
# A height whose precommits were already out may still commit: let it settle
# (1.5 s without a new height, for a loaded machine).
prev=-1; halted=; same=0
for ((t = 0; t < 60; t++)); do
  sleep 0.5
  h=$(max_height "${live[@]}")
  if (( h == prev )); then same=$((same + 1)); else same=0; fi
  if (( same >= 3 )); then halted=$h; break; fi
  prev=$h
done
[[ -n "$halted" ]] || { echo "the two remaining validators kept committing"; dump; exit 1; }
sleep 4
alive_or_fail "${live[@]}"
h=$(max_height "${live[@]}")
(( h == halted )) || { echo "height moved from $halted to $h with 20 of 40 power"; dump; exit 1; }
echo "node$first (SIGKILL) and node$second (SIGTERM) stopped: halted at $halted for 4 s"

# 3. One comes back: 30 of 40, the chain resumes.
echo "--- restart after SIGKILL" >>"$tmp/net/node$first/agorad.log"
start_node $first
live+=("$first")
wait_height $((halted + 3)) 60 "${live[@]}"
# (For the record: the round the first height after the halt took. Without
# +2/3 of any prevotes nobody times out of round 0's prevote step, so 0 is
# possible.)
r=$(grep -o "committed height=$((halted + 1)) .* round=[0-9]*" "$tmp/net/node${live[0]}/agorad.log" \
    | sed 's/.*round=//')
echo "node$first back: the chain resumed (height $((halted + 1)) in round $r, now $(max_height "${live[@]}"))"

# 4. The other comes back and catches up.
echo "--- restart after SIGTERM" >>"$tmp/net/node$second/agorad.log"
start_node $second
target=$(max_height "${live[@]}")
wait_height "$target" 60 $second
live+=("$second")
echo "node$second back: caught up to $target"

# 5. A full node joins late: block sync of the whole chain, then consensus.
target=$(max_height "${live[@]}")
start_node $full
wait_height "$target" 60 $full
grep -q 'block sync started' "$tmp/net/node$full/agorad.log" \
  || { echo "the full node did not block sync"; dump; exit 1; }
rpc="http://127.0.0.1:$((base + 10 * full + 1))"
ok=0
for ((t = 0; t < 100; t++)); do
  if curl -sf --max-time 2 "$rpc/status" 2>/dev/null | jq -e \
      '.result.sync_info.catching_up == false and (.result.validator_info.voting_power | tonumber) == 0' >/dev/null; then
    ok=1; break
  fi
  sleep 0.1
done
(( ok )) || { echo "full node: /status not caught up or has power"; curl -s "$rpc/status"; dump; exit 1; }
synced=$(height $full)
wait_height $((synced + 3)) 40 $full "${live[@]}"
echo "full node synced $synced heights, then followed consensus to $(height $full)"

for ((i = 0; i <= full; i++)); do kill -TERM "${pids[$i]}"; done
for ((i = 0; i <= full; i++)); do
  rc=0; wait "${pids[$i]}" || rc=$?
  pids[$i]=
  [[ $rc == 0 ]] || { echo "node$i exited with $rc after SIGTERM"; dump; exit 1; }
done

# Same block hash and app hash at every height on every node.
for ((i = 0; i <= full; i++)); do
  "$agorad" inspect blocks --home "$tmp/net/node$i" | grep -v '^#' | awk '{print $1, $2, $3}' >"$tmp/blocks$i"
done
common=$(wc -l <"$tmp/blocks0")
for ((i = 1; i <= full; i++)); do
  c=$(wc -l <"$tmp/blocks$i"); (( c < common )) && common=$c
done
(( common >= synced )) || { echo "only $common common heights (full node synced $synced)"; exit 1; }
[[ $(head -n 1 "$tmp/blocks$full" | cut -d' ' -f1) == 1 ]] || { echo "full node lacks height 1"; exit 1; }
for ((i = 1; i <= full; i++)); do
  if ! diff <(head -n "$common" "$tmp/blocks0") <(head -n "$common" "$tmp/blocks$i") >/dev/null; then
    echo "node$i disagrees with node0:"; diff <(head -n "$common" "$tmp/blocks0") <(head -n "$common" "$tmp/blocks$i") | head; exit 1
  fi
done
echo "all 5 nodes hold the same $common blocks (hash and app hash), from height 1"
