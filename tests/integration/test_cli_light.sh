#!/usr/bin/env bash
# `agora light` end to end against a real 1-validator market chain:
#   1. two funded keys (agorad testnet --account) make a market deal through
#      `agora tx` (offer, order, bid, lease);
#   2. `agora light init` from the genesis-height trust (the hash of header 1
#      from /commit?height=1) with an honest witness (light_proxy.js, mode
#      none), `agora light sync` by skipping to the tip, `agora light status`;
#   3. `agora light query` of a balance, an account, the offer, order, bid and
#      lease records (the same values `agora query` prints), an absent offer
#      and an absent raw key proven absent;
#   4. lies through light_proxy.js as --node: a tampered value and a tampered
#      proof refused with "proof does not verify", a forged commit signature
#      refused with "invalid signature", each with a non-zero exit and no value;
#      a lying witness (app hash changed) dropped; an expired trust root refused.
# The seed (AGORA_TEST_SEED reproduces) picks the base port.
# Usage: test_cli_light.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: test_cli_light.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
agorad=$(cd "$build" && pwd)/bin/agorad
agora_bin=$(cd "$build" && pwd)/bin/agora
seed=${AGORA_TEST_SEED:-$(( $(date +%s) % 100000 ))}
echo "test_cli_light: seed $seed (AGORA_TEST_SEED=$seed reproduces)"
RANDOM=$seed
base=$(( 20005 + (RANDOM % 1200) * 10 )) # below the ephemeral ports (32768+)
rpc=$((base + 1))
node="http://127.0.0.1:$rpc"
tmp=$(mktemp -d)
pid=
proxies=()
cleanup() {
  for p in "${proxies[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ -n "$pid" ]] && kill -KILL "$pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [[ -f "$tmp/node.log" ]] && tail -n 20 "$tmp/node.log"; exit 1; }
agora() { "$agora_bin" --home "$tmp/cli" --node "$node" --keyring-backend test "$@"; }

# ---- 1. a funded chain and a market deal
agora keys add tenant >/dev/null
agora keys add provider >/dev/null
tenant=$(agora keys show tenant --address)
provider=$(agora keys show provider --address)
"$agorad" testnet --validators 1 --output "$tmp/net" --app market --fast --base-port "$base" \
  --account "$tenant=1000000000" --account "$provider=200000000uagora" >/dev/null
"$agorad" start --home "$tmp/net/node0" >"$tmp/node.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  agora query balance provider --denom uagora --output json 2>/dev/null | jq -e '.balance.amount == "200000000"' >/dev/null && break
  sleep 0.1
done
ev() { jq -r --arg t "$1" --arg k "$2" '.tx_result.events[] | select(.type == $t) | .attributes[] | select(.key == $k) | .value' "$3" | head -n 1; }
agora tx market offer create provider --cpu 8000 --memory 16Gi --storage 100Gi --endpoints 2 --price-cpu 10 \
  --price-memory 5 --attr region=eu --host-uri https://provider.example --yes --output json > "$tmp/offer.json" || fail "offer"
offer=$(ev offer_created offer_id "$tmp/offer.json")
agora tx market order create tenant --image nginx:1.25 --cpu 1000 --memory 1Gi --max-price 100uagora \
  --deposit 5000000uagora --auction-blocks 500 --yes --output json > "$tmp/order.json" || fail "order"
order=$(ev order_created order_id "$tmp/order.json")
agora tx market bid create provider "$order" "$offer" --price 40uagora --deposit 500000uagora \
  --yes --output json > "$tmp/bid.json" || fail "bid"
bid=$(ev bid_created bid_id "$tmp/bid.json")
agora tx market lease create tenant "$bid" --yes --output json > "$tmp/lease.json" || fail "lease"
lease=$(ev lease_created lease_id "$tmp/lease.json")
[[ -n "$offer" && -n "$order" && -n "$bid" && -n "$lease" ]] || fail "ids: $offer $order $bid $lease"
echo "deal: ok (offer $offer, order $order, bid $bid, lease $lease)"

# ---- 2. init from the genesis-height trust, sync, status
proxy() { # proxy NAME MODE: a light_proxy.js in front of the node; sets $purl
  local fifo=$tmp/fifo.$1
  mkfifo "$fifo"
  node "$here/light_proxy.js" "$rpc" "$2" <"$fifo" >"$tmp/proxy.$1" &
  proxies+=($!)
  exec {keep}>"$fifo" # its stdin stays open until the test ends
  for ((t = 0; t < 100; t++)); do [[ -s "$tmp/proxy.$1" ]] && break; sleep 0.05; done
  purl="http://127.0.0.1:$(grep -o '[0-9]\+' "$tmp/proxy.$1")"
}
hash=$(curl -s "$node/commit?height=1" | jq -r .result.signed_header.commit.block_id.hash)
[[ ${#hash} == 64 ]] || fail "no trust hash: $hash"
proxy witness none
wurl=$purl
out=$(agora light init --trust-height 2 --trust-hash "$hash" 2>&1) && fail "a wrong trust hash accepted: $out"
grep -q "Error: refused: " <<<"$out" || fail "wrong trust hash: $out"
agora light init --trust-height 1 --trust-hash "$hash" --trusting-period 336h --trust-level 1/3 \
  --max-clock-drift 10s --witness "$wurl" --output json > "$tmp/init.json" || fail "init: $(cat "$tmp/init.json")"
jq -e --arg h "$hash" '.trusted_height == 1 and .trusted_hash == $h and .witnesses == 1' "$tmp/init.json" >/dev/null \
  || fail "init: $(cat "$tmp/init.json")"
out=$(agora light init --trust-height 1 --trust-hash "$hash" 2>&1) && fail "second init accepted"
grep -q "already set up" <<<"$out" || fail "second init: $out"
agora light sync --output json > "$tmp/sync.json" || fail "sync"
tip=$(jq -r .height "$tmp/sync.json")
steps=$(jq -r .steps "$tmp/sync.json")
(( tip > 5 && steps <= 3 )) || fail "sync: $(cat "$tmp/sync.json")"
jq -e '.witnesses == 1 and (.hash | test("^[0-9A-F]{64}$"))' "$tmp/sync.json" >/dev/null || fail "sync: $(cat "$tmp/sync.json")"
agora light sync | grep -q "^steps: " || fail "sync text output"
agora light status --output json > "$tmp/status.json"
jq -e --argjson t "$tip" '.trust_root.height == 1 and .store.blocks >= 2 and .store.highest >= $t and
  .newest.expired == false and (.witnesses | length) == 1' "$tmp/status.json" >/dev/null \
  || fail "status: $(cat "$tmp/status.json")"
echo "sync: ok (height 1 to $tip in $steps steps, cross-checked with a witness)"

# ---- 3. verified queries
agora light query balance provider --output json > "$tmp/q_bal.json" || fail "balance"
want=$(agora query balance provider --denom uagora --height "$(jq -r .height "$tmp/q_bal.json")" --output json | jq -r .balance.amount)
jq -e --arg w "$want" '.exists and .value.balance.amount == $w and .header_height == .height + 1' "$tmp/q_bal.json" >/dev/null \
  || fail "balance: $(cat "$tmp/q_bal.json") (want $want)"
agora light query balance tenant > "$tmp/q_bal.txt" || fail "balance text"
grep -q "^verified: value at height [0-9]* against app hash [0-9A-F]\{64\} of light-verified header" "$tmp/q_bal.txt" \
  || fail "balance text: $(cat "$tmp/q_bal.txt")"
agora light query account tenant --output json | jq -e --arg a "$tenant" '.exists and .value.address == $a and
  (.value.sequence | tonumber) >= 2' >/dev/null || fail "account"
check_record() { # check_record KIND ID FIELD: the verified record equals `agora query`'s
  local got want
  got=$(agora light query "$1" --id "$2" --output json) || fail "light query $1 $2"
  jq -e '.exists' <<<"$got" >/dev/null || fail "$1 $2 absent: $got"
  h=$(jq -r .height <<<"$got")
  want=$(agora query "$1" --id "$2" --height "$h" --output json | jq -c ".$3")
  [[ $(jq -c .value <<<"$got") == "$want" ]] || fail "$1 $2: light $(jq -c .value <<<"$got") vs query $want"
}
check_record offers "$offer" offer
check_record orders "$order" order
check_record bids "$bid" bid
check_record leases "$lease" lease
agora light query leases --id "$lease" | grep -q "state: LEASE_STATE_ACTIVE" || fail "lease text"
agora light query offers --id 999999 --output json | jq -e '.exists == false and .value == null' >/dev/null \
  || fail "absent offer"
agora light query offer --id 999999 | grep -q "^offer 999999 does not exist (proven absent)" || fail "absent offer text"
agora light query raw 07deadbeef | grep -q "^verified: absence at height" || fail "absent raw key"
agora light query balance "$tenant" --height 3 --output json | jq -e '.height == 3 and .value.balance.amount == "1000000000"' >/dev/null \
  || fail "balance at height 3 (backwards)"
echo "queries: ok (balance, account, offer, order, bid, lease, two proven absences)"

# ---- 4. lying nodes: refused, with the reason, nothing printed on stdout
refused() { # refused MODE REASON ARGS...: agora light ... --node <proxy MODE> fails with REASON
  local mode=$1 reason=$2; shift 2
  proxy "$mode" "$mode"
  local out err rc=0
  out=$("$agora_bin" --home "$tmp/cli" --node "$purl" --keyring-backend test light "$@" 2>"$tmp/err") || rc=$?
  err=$(cat "$tmp/err")
  [[ $rc != 0 && -z "$out" ]] || fail "$mode: exit $rc, stdout '$out'"
  grep -q "^Error: refused: $reason" <<<"$err" || fail "$mode: $err"
  echo "ok   $mode: $(head -n 1 <<<"$err")"
}
refused value "proof does not verify" query balance tenant
refused proof "proof does not verify" query leases --id "$lease"
refused signature "invalid signature" sync

# a lying witness is dropped (the honest primary's header stands); an
# expired trust root is refused
lagora() { "$agora_bin" --home "$tmp/$1" --node "$node" light "${@:2}"; }
proxy liar app_hash
lagora w init --trust-height 1 --trust-hash "$hash" --witness "$purl" >/dev/null || fail "init with a lying witness"
lagora w sync --output json | jq -e '.witnesses == 0' >/dev/null || fail "lying witness not dropped"
echo "ok   lying witness dropped"
out=$(lagora t2 init --trust-height 1 --trust-hash "$hash" --trusting-period 1ms 2>&1) && fail "expired trust root accepted: $out"
grep -q "^Error: refused: trusted header expired" <<<"$out" || fail "expired: $out"
echo "ok   expired trust root: $(head -n 1 <<<"$out")"

kill -0 "$pid" 2>/dev/null || fail "agorad exited before the end of the test"
kill -TERM "$pid"; wait "$pid" || fail "agorad exit status $?"; pid=
echo "test_cli_light: ok"
