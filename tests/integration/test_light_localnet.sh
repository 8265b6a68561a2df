#!/usr/bin/env bash
# The light client library against a local network of four market
# validators (`agorad testnet --validators 4`, a funded account in the
# shared genesis): node0 is the primary, node1..node3 the witnesses.
#   1. sync from genesis trust to the tip by skipping, cross-checked with
#      the three witnesses; verified balance and proven absence;
#   2. one validator (a witness) is SIGKILLed: the other three keep
#      committing with 30 of 40 power, so commits now carry an absent
#      signature; the client syncs past that (the dead witness is skipped)
#      and verifies the balance again at the new tip.
# Usage: test_light_localnet.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: test_light_localnet.sh BUILD_DIR}
agorad=$build/bin/agorad
check=$build/tools/light_check
seed=${AGORA_TEST_SEED:-$(( $(date +%s) % 100000 ))}
echo "test_light_localnet: seed $seed (AGORA_TEST_SEED=$seed reproduces)"
base=$(( 20000 + (seed % 1200) * 10 )) # below the ephemeral ports (32768+)
n=4
tmp=$(mktemp -d)
here=$(cd "$(dirname "$0")" && pwd)
source "$here/net_lib.sh" # pids, the EXIT trap; height/wait_height below are node0's

"$agorad" testnet --validators $n --output "$tmp/net" --app market --fast --base-port $base \
  --chain-id light-net >/dev/null
addr=00112233445566778899aabbccddeeff00112233
absent=00112233445566778899aabbccddeeff00112234
bech=$("$check" bech32 $addr)
for ((i = 0; i < n; i++)); do
  node -e '
    const fs = require("fs"); const [p, a] = process.argv.slice(1);
    const g = JSON.parse(fs.readFileSync(p));
    g.app_state = {bank: {balances: [{address: a, coins: [{denom: "uagora", amount: "777"}]}]}};
    fs.writeFileSync(p, JSON.stringify(g, null, 1));' "$tmp/net/node$i/config/genesis.json" "$bech"
done
for ((i = 0; i < n; i++)); do start_node $i; done
height() { grep -o 'committed height=[0-9]*' "$tmp/net/node0/agorad.log" | tail -n 1 | cut -d= -f2 || true; }
wait_height() {
  for ((t = 0; t < 1200; t++)); do
    (( $(height || echo 0) >= $1 )) 2>/dev/null && return 0
    kill -0 "${pids[0]}" 2>/dev/null || { echo "node0 exited"; tail -n 20 "$tmp/net/node0/agorad.log"; exit 1; }
    sleep 0.1
  done
  echo "no height $1 on node0"; tail -n 20 "$tmp/net/node0/agorad.log"; exit 1
}
rpc() { echo "http://127.0.0.1:$((base + 10 * $1 + 1))"; }
wait_height 20
hash=$(curl -s "$(rpc 0)/commit?height=1" |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).result.signed_header.commit.block_id.hash))')
[[ ${#hash} == 64 ]] || { echo "no trust hash"; exit 1; }
lc() {
  "$check" --url "$(rpc 0)" --witness "$(rpc 1)" --witness "$(rpc 2)" --witness "$(rpc 3)" \
    --home "$tmp/lc" --chain-id light-net --trust-height 1 --trust-hash "$hash" "$@"
}
expect() {
  [[ "$2" =~ $1 ]] || { echo "FAIL $3: got '$2', want /$1/"; exit 1; }
  echo "ok   $3: $2"
}

out=$(lc sync)
expect '^verified height=[0-9]+ hash=[0-9A-F]{64} steps=1$' "$out" "4 validators: sync from genesis trust, 3 witnesses"
tip=$(sed -E 's/.*height=([0-9]+) .*/\1/' <<<"$out")
out=$(lc balance $addr uagora)
expect '^balance height=[0-9]+ amount=777$' "$out" "verified balance"
out=$(lc balance $absent uagora)
expect '^absent height=[0-9]+$' "$out" "proven absence"

kill -KILL "${pids[3]}"; wait "${pids[3]}" 2>/dev/null || true; pids[3]=
wait_height $(( $(height) + 5 ))
# a commit after the kill has node3's signature absent
absents=$(curl -s "$(rpc 0)/commit?height=$(( $(height) - 1 ))" |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).result.signed_header.commit.signatures.filter(x=>x.block_id_flag===1).length))')
(( absents >= 1 )) || { echo "FAIL: no absent signature after the kill"; exit 1; }
out=$(lc sync)
expect '^verified height=[0-9]+ ' "$out" "3 of 4 signing, one witness down"
new=$(sed -E 's/.*height=([0-9]+) .*/\1/' <<<"$out")
(( new > tip )) || { echo "FAIL: no progress past $tip"; exit 1; }
out=$(lc balance $addr uagora)
expect '^balance height=[0-9]+ amount=777$' "$out" "verified balance after the kill"

for ((i = 0; i < 3; i++)); do kill -TERM "${pids[$i]}"; done
for ((i = 0; i < 3; i++)); do rc=0; wait "${pids[$i]}" || rc=$?; pids[$i]=; [[ $rc == 0 ]] || { echo "node$i exited with $rc"; exit 1; }; done
echo "light client on 4 validators: heights 1..$tip by skipping with 3 witnesses, then $new with a validator down"
