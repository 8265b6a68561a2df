#!/usr/bin/env bash
# The `agora` CLI end to end against a real 1-validator chain (market app,
# fast timeouts):
#   1. keys: the fixed mnemonic imports to the address CosmJS gives
#      (agora19rl4...); a provider key encrypted with a passphrase file; a
#      wrong passphrase and an unknown key are refused with clear errors;
#   2. `agorad testnet --account` funds both in the genesis;
#   3. `agora tx bank send` to a third key, the balance shows it; --dry-run
#      simulates; a stale --sequence and an overdraft are refused with advice;
#   4. a market deal through the CLI: offer, order, bid, lease (accept),
#      withdraw, close; queries show the closed lease and the provider paid;
#      an order from a YAML workload file (two services) and a bad file refused;
#   5. `--prove` verifies a balance, an account and the lease record against
#      the app hash of the next header, and the absence of a missing offer.
# The seed (AGORA_TEST_SEED reproduces) picks the base port.
# Usage: test_cli.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: test_cli.sh BUILD_DIR}
agorad=$(cd "$build" && pwd)/bin/agorad
agora_bin=$(cd "$build" && pwd)/bin/agora
seed=${AGORA_TEST_SEED:-$(( $(date +%s) % 100000 ))}
echo "test_cli: seed $seed (AGORA_TEST_SEED=$seed reproduces)"
RANDOM=$seed
base=$(( 20000 + (RANDOM % 1200) * 10 )) # below the ephemeral ports (32768+)
tmp=$(mktemp -d)
pid=
cleanup() {
  [[ -n "$pid" ]] && kill -KILL "$pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [[ -f "$tmp/node.log" ]] && tail -n 20 "$tmp/node.log"; exit 1; }
node="http://127.0.0.1:$((base + 1))"
agora() { "$agora_bin" --home "$tmp/cli" --node "$node" "$@"; }
tagora() { agora --keyring-backend test "$@"; }

# ---- 1. keys
mnemonic="abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
echo "  $mnemonic  " | tagora keys import tenant >/dev/null
tenant=$(tagora keys show tenant --address)
[[ "$tenant" == agora19rl4cm2hmr8afy4kldpxz3fka4jguq0aemhkp7 ]] || fail "import gave $tenant"
echo "provider-secret" > "$tmp/pass"; chmod 600 "$tmp/pass"
agora keys add provider --passphrase-file "$tmp/pass" --output json > "$tmp/provider.json"
provider=$(jq -r .address "$tmp/provider.json")
[[ $(jq -r .mnemonic "$tmp/provider.json" | wc -w) == 24 ]] || fail "keys add did not print 24 words"
[[ $(stat -c %a "$tmp/cli/keyring/provider.json") == 600 ]] || fail "key file mode"
grep -q '"encryption": "scrypt-chacha20poly1305"' "$tmp/cli/keyring/provider.json" || fail "not encrypted"
tagora keys add spare >/dev/null
spare=$(tagora keys show spare --address)
echo "wrong" > "$tmp/wrong"
out=$(agora tx bank send provider "$tenant" 1uagora --passphrase-file "$tmp/wrong" 2>&1) && fail "wrong passphrase accepted"
grep -q "wrong passphrase" <<<"$out" || fail "wrong passphrase: $out"
out=$(tagora tx bank send nobody "$tenant" 1uagora 2>&1) && fail "unknown key accepted"
grep -q '"nobody" is neither an agora1... address nor a key name' <<<"$out" || fail "unknown key: $out"
echo "keys: ok (tenant $tenant, provider $provider)"

# ---- 2. a funded 1-validator chain
"$agorad" testnet --validators 1 --output "$tmp/net" --app market --fast --base-port "$base" \
  --account "$tenant=1000000000" --account "$provider=200000000uagora" >/dev/null
"$agorad" start --home "$tmp/net/node0" >"$tmp/node.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  tagora query block >/dev/null 2>&1 && break
  sleep 0.1
done
tagora query balance tenant --denom uagora --output json | jq -e '.balance.amount == "1000000000"' >/dev/null \
  || fail "tenant not funded"

# ---- 3. bank send, dry run, refusals
tagora tx bank send tenant spare 1234567uagora --yes --output json > "$tmp/send.json" || fail "send"
jq -e '.tx_result.code == 0' "$tmp/send.json" >/dev/null || fail "send code"
tagora query balance spare --output json | jq -e '.balances[0].amount == "1234567"' >/dev/null || fail "spare balance"
tagora tx bank send tenant spare 1uagora --dry-run | grep -q "simulation: ok, gas used" || fail "dry run"
out=$(tagora tx bank send tenant spare 1uagora --sequence 0 --yes 2>&1) && fail "stale sequence accepted"
grep -q "Hint: the account's sequence changed" <<<"$out" || fail "sequence advice: $out"
out=$(tagora tx bank send spare tenant 999999999uagora --yes 2>&1) && fail "overdraft accepted"
grep -q "insufficient" <<<"$out" || fail "overdraft: $out"
echo "bank: ok"

# ---- 4. a market deal
ev() { jq -r --arg t "$1" --arg k "$2" '.tx_result.events[] | select(.type == $t) | .attributes[] | select(.key == $k) | .value' "$3" | head -n 1; }
pagora() { agora --passphrase-file "$tmp/pass" "$@"; }
pagora tx market offer create provider --cpu 8000 --memory 16Gi --storage 100Gi --endpoints 4 --price-cpu 10 \
  --price-memory 5 --attr region=eu --host-uri https://provider.example --yes --output json > "$tmp/offer.json" || fail "offer"
offer=$(ev offer_created offer_id "$tmp/offer.json")
tagora tx market order create tenant --image nginx:1.25 --cpu 1000 --memory 1Gi --port 80 \
  --expose load-balancer --max-price 100uagora --deposit 5000000uagora --auction-blocks 500 \
  --placement region=eu --yes --output json > "$tmp/order.json" || fail "order"
order=$(ev order_created order_id "$tmp/order.json")
pagora tx market bid create provider "$order" "$offer" --price 40uagora --deposit 500000uagora \
  --yes --output json > "$tmp/bid.json" || fail "bid"
bid=$(ev bid_created bid_id "$tmp/bid.json")
tagora tx market lease create tenant "$bid" --yes --output json > "$tmp/lease.json" || fail "lease"
lease=$(ev lease_created lease_id "$tmp/lease.json")
[[ -n "$offer" && -n "$order" && -n "$bid" && -n "$lease" ]] || fail "ids: $offer $order $bid $lease"
tagora query leases --id "$lease" --output json | jq -e '.lease.state == "LEASE_STATE_ACTIVE"' >/dev/null || fail "lease active"
pagora tx market lease withdraw provider "$lease" --yes --output json > "$tmp/withdraw.json" || fail "withdraw"
[[ $(ev withdrawn amount "$tmp/withdraw.json") =~ ^[1-9][0-9]*uagora$ ]] || fail "nothing withdrawn"
tagora tx market lease close tenant "$lease" --reason "walkthrough done" --yes --output json > "$tmp/close.json" || fail "close"
tagora query leases --id "$lease" --output json > "$tmp/q_lease.json"
jq -e '.lease.state == "LEASE_STATE_CLOSED" and .lease.close_note == "walkthrough done"' "$tmp/q_lease.json" >/dev/null \
  || fail "lease not closed: $(cat "$tmp/q_lease.json")"
tagora query orders --tenant tenant --output json | jq -e --arg o "$order" '[.orders[] | select(.id == $o)] | length == 1' >/dev/null || fail "orders by tenant"
tagora query bids --order "$order" --output json | jq -e '.bids[0].state == "BID_STATE_WON"' >/dev/null || fail "bid won"
tagora query offers | grep -q "host_uri: https://provider.example" || fail "offers text output"
cat > "$tmp/workload.yaml" <<'YAML'
services:
  web:
    image: nginx:1.25
    env: {LOG_LEVEL: info}
    replicas: 2
    ports:
      - {port: 80, protocol: tcp, expose: load-balancer}
    resources: {cpu: 500m, memory: 512Mi, storage: 1Gi}
  db:
    image: postgres:16
    env: [POSTGRES_PASSWORD=secret]
    ports: [{port: 5432}]
    resources: {cpu: "0.25", memory: 1Gi}
placement: {region: eu}
pricing: {max_price: 100uagora, deposit: 5000000uagora, auction_blocks: 300}
YAML
tagora tx market order create tenant --workload "$tmp/workload.yaml" --yes --output json > "$tmp/order2.json" || fail "YAML order"
[[ $(ev order_created services "$tmp/order2.json") == 2 && $(ev order_created cpu_millis "$tmp/order2.json") == 1250 &&
   $(ev order_created endpoints "$tmp/order2.json") == 2 && $(ev order_created placement "$tmp/order2.json") == region=eu ]] \
  || fail "YAML order summary: $(jq -c '.tx_result.events[] | select(.type == "order_created")' "$tmp/order2.json")"
printf 'services:\n  web:\n    image: x\n    resources: {cpu: 1, memory: 1Gi, disk: 3}\n' > "$tmp/bad.yaml"
out=$(tagora tx market order create tenant --workload "$tmp/bad.yaml" --max-price 1uagora --deposit 5000000uagora 2>&1) && fail "bad YAML accepted"
grep -q "line 4: resources.disk: unknown key" <<<"$out" || fail "bad YAML: $out"
echo "market: ok (offer $offer, order $order, bid $bid, lease $lease, YAML order $(ev order_created order_id "$tmp/order2.json"))"

# ---- 5. proofs (spare paid a 5000uagora fee for its refused overdraft)
tagora query balance spare --prove > "$tmp/p1" || fail "balance proof: $(cat "$tmp/p1")"
grep -q "amount: 1229567" "$tmp/p1" && grep -q "^proof: verified (value) against app hash [0-9A-F]\{64\} of header" "$tmp/p1" \
  || fail "balance --prove: $(cat "$tmp/p1")"
tagora query account provider --prove | grep -q "^proof: verified (value)" || fail "account --prove"
tagora query leases --id "$lease" --prove > "$tmp/p2" || fail "lease proof"
grep -q "state: LEASE_STATE_CLOSED" "$tmp/p2" && grep -q "^proof: verified" "$tmp/p2" || fail "lease --prove"
out=$(tagora query offers --id 999999 --prove 2>&1) && fail "absent offer reported"
grep -q "proof: verified (absence)" <<<"$out" || fail "absence proof: $out"
tagora query tx "$(jq -r .hash "$tmp/close.json")" | grep -q "lease_closed" || fail "query tx"
echo "prove: ok"

kill -0 "$pid" 2>/dev/null || fail "agorad exited before the end of the test"
kill -TERM "$pid"; wait "$pid" || fail "agorad exit status $?"; pid=
echo "test_cli: ok"
