#!/usr/bin/env bash
# run.sh — the README's main command (make run): a local validator network
# doing real market work, each step through the `agora` CLI.
#   1. keys for a tenant and a provider (a test keyring in DIR/cli: demo only);
#   2. `agorad testnet --account` funds both, scripts/localnet.sh starts N
#      validators (first run; later runs reuse the running network);
#   3. the provider registers an offer, the tenant posts an order, the
#      provider bids, the tenant accepts (the lease), blocks pass and
#      settlement pays the provider, who withdraws; the tenant closes the
#      lease and gets the rest of the escrow back;
#   4. the network keeps running; the end says how to query and stop it.
# Environment: AGORA_RUN_DIR (default ./localnet), AGORA_RUN_VALIDATORS (4).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/build/default/bin
dir=${AGORA_RUN_DIR:-$root/localnet}
n=${AGORA_RUN_VALIDATORS:-4}
node=http://127.0.0.1:26657
agora() { "$bin/agora" --home "$dir/cli" --keyring-backend test --node "$node" "$@"; }
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
ev() { jq -r --arg t "$1" --arg k "$2" '.tx_result.events[] | select(.type == $t) | .attributes[] | select(.key == $k) | .value' "$3" | head -n 1; }
tx() { # tx OUT ARGS...: run `agora tx ARGS --output json`, print hash and height
  local out=$1; shift
  if ! agora tx "$@" --yes --output json >"$out"; then echo "agora tx $*: failed"; exit 1; fi
  echo "   tx $(jq -r .hash "$out") in block $(jq -r .height "$out") (gas $(jq -r .tx_result.gas_used "$out"))"
}
command -v jq >/dev/null || { echo "run: jq is missing (scripts/deps.sh installs it)"; exit 1; }
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

say "1. keys (test keyring in $dir/cli)"
for k in tenant provider; do
  agora keys show "$k" >/dev/null 2>&1 || agora keys add "$k" --output json >"$dir/cli-$k.json"
  echo "   $k: $(agora keys show "$k" --address)"
done
tenant=$(agora keys show tenant --address)
provider=$(agora keys show provider --address)

say "2. a $n-validator network with funded accounts"
if [[ ! -d "$dir/node0" ]]; then
  "$bin/agorad" testnet --validators "$n" --output "$dir" --app market --fast \
    --account "$tenant=1000000000" --account "$provider=1000000000" | sed 's/^/   /'
fi
AGORAD=$bin/agorad "$root/scripts/localnet.sh" start "$dir" "$n" | sed 's/^/   /'
for _ in $(seq 1 300); do
  h=$(agora query block --output json 2>/dev/null | jq -r '.block.header.height // 0' || echo 0)
  (( ${h:-0} >= 2 )) && break
  sleep 0.1
done
(( ${h:-0} >= 2 )) || { echo "the network did not start: see $dir/node0/agorad.log"; exit 1; }
echo "   height $h; balances: tenant $(agora query balance tenant --denom uagora --output json | jq -r .balance.amount)uagora," \
     "provider $(agora query balance provider --denom uagora --output json | jq -r .balance.amount)uagora"

say "3. the provider registers an offer (8 CPUs, 16 GiB, 100 GiB, 4 endpoints, region=eu)"
tx "$tmp/offer" market offer create provider --cpu 8000 --memory 16Gi --storage 100Gi --endpoints 4 \
  --price-cpu 10 --price-memory 5 --attr region=eu --host-uri https://provider.example
offer=$(ev offer_created offer_id "$tmp/offer")
echo "   offer $offer"

say "4. the tenant posts an order (nginx, 1 CPU, 1 GiB, a load balancer; at most 100uagora per block)"
tx "$tmp/order" market order create tenant --image nginx:1.25 --cpu 1000 --memory 1Gi --port 80 \
  --expose load-balancer --placement region=eu --max-price 100uagora --deposit 5000000uagora --auction-blocks 100
order=$(ev order_created order_id "$tmp/order")
echo "   order $order, auction open until height $(ev order_created closing_height "$tmp/order")"

say "5. the provider bids 40uagora per block"
tx "$tmp/bid" market bid create provider "$order" "$offer" --price 40uagora --deposit 500000uagora
bid=$(ev bid_created bid_id "$tmp/bid")
echo "   bid $bid"

say "6. the tenant accepts the bid: the lease"
tx "$tmp/lease" market lease create tenant "$bid"
lease=$(ev lease_created lease_id "$tmp/lease")
echo "   lease $lease at 40uagora per block, escrow $(ev lease_created escrow "$tmp/lease")"

say "7. blocks pass; settlement pays the provider block by block"
start=$(jq -r .height "$tmp/lease")
while (( $(agora query block --output json | jq -r .block.header.height) < start + 20 )); do sleep 0.2; done
tx "$tmp/withdraw" market lease withdraw provider "$lease"
echo "   the provider withdrew $(ev withdrawn amount "$tmp/withdraw") (take rate $(ev settled take "$tmp/withdraw") to the community pool)"

say "8. the tenant closes the lease; the rest of the escrow comes back"
tx "$tmp/close" market lease close tenant "$lease" --reason "walkthrough done"
agora query leases --id "$lease" --prove | grep -E '^(  )?(state|paid|withdrawn|close_reason|proof):' | sed 's/^ */   /'
echo "   balances: tenant $(agora query balance tenant --denom uagora --output json | jq -r .balance.amount)uagora," \
     "provider $(agora query balance provider --denom uagora --output json | jq -r .balance.amount)uagora"

say "the network keeps running"
cat <<EOT
   agora --home $dir/cli --keyring-backend test query leases          # or offers, orders, bids
   agora --home $dir/cli --keyring-backend test query balance tenant --prove
   curl -s localhost:26657/status | jq .result.sync_info
   scripts/localnet.sh status $dir
   scripts/localnet.sh stop $dir                 # stop; rm -rf $dir to start over
   (agora is $bin/agora)
EOT
