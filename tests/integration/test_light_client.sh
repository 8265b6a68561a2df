#!/usr/bin/env bash
# The light client library against a real agorad (one market validator,
# a funded account in genesis): sync from genesis trust to the tip by
# skipping, verified balance queries and a proven absent key, a restart from
# the trusted store; then the same node behind a lying proxy
# (light_proxy.js), one lie at a time, each refused with its own reason;
# clock drift and an expired trust root; a lying witness dropped; a
# byzantine witness (a fork signed with the validator key) reported as a
# light client attack whose evidence the node accepts and commits.
# Usage: test_light_client.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: test_light_client.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
agorad=$build/bin/agorad
check=$build/tools/light_check
seed=${AGORA_TEST_SEED:-$(( $(date +%s) % 100000 ))}
echo "test_light_client: seed $seed (AGORA_TEST_SEED=$seed reproduces)"
base=$(( 20000 + (seed % 1200) * 10 + 7 )) # below the ephemeral ports (32768+)
rpc=$((base + 1))
tmp=$(mktemp -d)
pid=
proxies=()
cleanup() {
  for p in "${proxies[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ -n "$pid" ]] && kill -KILL "$pid" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

"$agorad" testnet --validators 1 --output "$tmp/net" --app market --fast --base-port $base \
  --chain-id light-test >/dev/null
addr=00112233445566778899aabbccddeeff00112233
absent=00112233445566778899aabbccddeeff00112234
bech=$("$check" bech32 $addr)
node -e '
  const fs = require("fs"); const [p, a] = process.argv.slice(1);
  const g = JSON.parse(fs.readFileSync(p));
  g.app_state = {bank: {balances: [{address: a, coins: [{denom: "uagora", amount: "123456789"}]}]}};
  fs.writeFileSync(p, JSON.stringify(g, null, 1));' "$tmp/net/node0/config/genesis.json" "$bech"
"$agorad" start --home "$tmp/net/node0" >"$tmp/agorad.log" 2>&1 &
pid=$!

height() { grep -o 'committed height=[0-9]*' "$tmp/agorad.log" | tail -n 1 | cut -d= -f2 || true; }
wait_height() {
  for ((t = 0; t < 600; t++)); do
    (( $(height || echo 0) >= $1 )) 2>/dev/null && return 0
    kill -0 $pid 2>/dev/null || { echo "agorad exited"; tail -n 20 "$tmp/agorad.log"; exit 1; }
    sleep 0.1
  done
  echo "no height $1"; exit 1
}
wait_height 30
hash=$(curl -s "http://127.0.0.1:$rpc/commit?height=1" |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).result.signed_header.commit.block_id.hash))')
[[ ${#hash} == 64 ]] || { echo "no trust hash"; exit 1; }

lc() { # lc HOME URL [options...] COMMAND...: light_check with the genesis trust root
  local home=$1 url=$2; shift 2
  "$check" --url "$url" --home "$home" --chain-id light-test --trust-height 1 --trust-hash "$hash" "$@"
}
expect() { # expect PATTERN OUTPUT WHAT
  [[ "$2" =~ $1 ]] || { echo "FAIL $3: got '$2', want /$1/"; tail -n 5 "$tmp/agorad.log"; exit 1; }
  echo "ok   $3: $2"
}

# ---- an honest node
out=$(lc "$tmp/lc" "http://127.0.0.1:$rpc" sync)
expect '^verified height=([0-9]+) hash=[0-9A-F]{64} steps=[0-9]+$' "$out" "sync from genesis trust"
tip=$(sed -E 's/.*height=([0-9]+) .*/\1/' <<<"$out")
steps=$(sed -E 's/.*steps=([0-9]+)$/\1/' <<<"$out")
(( tip >= 30 && steps <= 3 )) || { echo "FAIL skipping: height $tip in $steps steps"; exit 1; }
out=$(lc "$tmp/lc" "http://127.0.0.1:$rpc" balance $addr uagora)
expect '^balance height=[0-9]+ amount=123456789$' "$out" "verified balance"
out=$(lc "$tmp/lc" "http://127.0.0.1:$rpc" balance $addr uagora 5)
expect '^balance height=5 amount=123456789$' "$out" "verified balance at height 5 (backwards)"
out=$(lc "$tmp/lc" "http://127.0.0.1:$rpc" balance $absent uagora)
expect '^absent height=[0-9]+$' "$out" "proven absence"
ls "$tmp/lc"/*.lb >/dev/null || { echo "FAIL: nothing in the trusted store"; exit 1; }

# ---- one lie at a time (a proxy in front of the same node)
proxy() { # proxy NAME MODE: start a lying proxy, set $purl
  local fifo=$tmp/fifo.$1
  mkfifo "$fifo"
  node "$here/light_proxy.js" $rpc "$2" <"$fifo" >"$tmp/proxy.$1" &
  proxies+=($!)
  exec {keep}>"$fifo" # its stdin stays open until the test ends
  for ((t = 0; t < 100; t++)); do [[ -s "$tmp/proxy.$1" ]] && break; sleep 0.05; done
  purl="http://127.0.0.1:$(grep -o '[0-9]\+' "$tmp/proxy.$1")"
}
header_lie() { # header_lie MODE REASON: refused from genesis trust, and past a trusted height
  proxy "h-$1" "$1"
  local out
  out=$(lc "$tmp/h-$1" "$purl" sync || true)
  expect "^refused: $2" "$out" "$1 (from genesis trust)"
  lc "$tmp/h2-$1" "http://127.0.0.1:$rpc" sync >/dev/null
  wait_height $(( $(height) + 3 ))
  out=$(lc "$tmp/h2-$1" "$purl" sync || true)
  expect "^refused: $2" "$out" "$1 (past a trusted height)"
}
header_lie signature "invalid signature"
header_lie chain "wrong chain id"
header_lie valset "validator set does not match its hash"
header_lie app_hash "commit is for another block"

state_lie() { # state_lie MODE KEY REASON
  proxy "s-$1-$2" "$1"
  local out
  out=$(lc "$tmp/s-$1-$2" "$purl" balance "$2" uagora || true)
  expect "^refused: $3" "$out" "$1 (key $2)"
}
state_lie value $addr "proof does not verify"
state_lie proof $addr "proof does not verify"
state_lie absent $addr "proof does not verify"
state_lie height $addr "query response mismatch"
state_lie proof $absent "proof does not verify"
state_lie invent $absent "proof does not verify"

# ---- time: a header beyond the clock drift, an expired trust root
out=$(lc "$tmp/t1" "http://127.0.0.1:$rpc" --now-offset-s -3600 sync || true)
expect "^refused: header time beyond clock drift" "$out" "clock drift"
sleep 2
out=$("$check" --url "http://127.0.0.1:$rpc" --home "$tmp/t2" --chain-id light-test \
  --trust-height 1 --trust-hash "$hash" --trusting-period-s 1 sync || true)
expect "^refused: trusted header expired" "$out" "trusting period"

# ---- a lying witness is dropped; the honest primary's header stands
proxy w app_hash
out=$(lc "$tmp/w" "http://127.0.0.1:$rpc" --witness "$purl" sync)
expect '^verified height=' "$out" "lying witness dropped"

# ---- a byzantine witness: the same node's blocks forked (another app hash)
# and signed again with the validator's own key. The light client reports
# the attack; the evidence against the witness's block goes to the honest
# node's broadcast_evidence, which verifies and accepts it (the evidence
# against the primary's own block is refused by the node as not conflicting)
# and commits it in a later block.
out=$(lc "$tmp/f" "http://127.0.0.1:$rpc" --witness "http://127.0.0.1:$rpc" \
  --fork-key "$tmp/net/node0/config/priv_validator_key.json" sync || true)
expect 'refused: conflicting header' "$out" "byzantine witness: conflict refused"
expect 'attack height=[0-9]+ common=1 submitted=OK' "$out" "attack evidence accepted by the node"
expect 'submitted=[A-Z_]+: .*not conflicting' "$out" "the primary's own block is not evidence"
h=$(height)
found=
for ((t = 0; t < 200; t++)); do
  if (( h <= $(height) )); then
    n=$(curl -s "http://127.0.0.1:$rpc/block?height=$h" | node -e '
      let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const ev=JSON.parse(s).result.block.evidence.evidence;
      console.log(ev.filter(e=>e.type==="tendermint/LightClientAttackEvidence").length)})')
    if [[ "$n" != 0 ]]; then found=$h; break; fi
    h=$((h + 1))
  else
    sleep 0.1
  fi
done
[[ -n "$found" ]] || { echo "FAIL: no block carries the light client attack evidence"; exit 1; }
echo "ok   light client attack evidence committed in block $found"

kill -TERM $pid
rc=0; wait $pid || rc=$?; pid=
[[ $rc == 0 ]] || { echo "agorad exited with $rc after SIGTERM"; exit 1; }
echo "light client: synced to $tip in $steps steps; balances and absence verified; every lie refused"
