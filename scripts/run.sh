#!/usr/bin/env bash
# run.sh — the README's main command (make run): a local validator network
# doing real market work: the tenant through the `agora` CLI, the provider
# as the agora-provider daemon in dry-run mode.
#   1. keys for a tenant and a provider (a test keyring in DIR/cli: demo only);
#   2. `agorad testnet --account` funds both, scripts/localnet.sh starts N
#      validators (first run; later runs reuse the running network);
#   3. agora-provider registers its offer; the tenant posts an order; the
#      daemon bids; the tenant accepts (the lease) and the daemon writes the
#      lease's Kubernetes objects to DIR/provider-objects; blocks pass,
#      settlement pays the provider and the daemon withdraws; the tenant
#      closes the lease, gets the rest of the escrow back, the objects go;
#   4. the network and the daemon keep running; the end says how to query
#      and stop them.
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

# The provider's side is the agora-provider daemon with --dry-run: it
# registers the offer, bids on fitting orders, writes the Kubernetes objects
# of each lease it wins (one JSON file per object, what it would apply to a
# cluster) and withdraws its earnings; the tenant's side is the CLI.
objects=$dir/provider-objects
cat > "$dir/provider.ini" <<INI
[key]
name = provider
home = $dir/cli
backend = test
[node]
rpc = $node
feed_pub = tcp://127.0.0.1:26658
feed_rep = tcp://127.0.0.1:26659
[offer]
host_uri = https://provider.example
attributes = region=eu
cpu_millis = 8000
memory_bytes = 17179869184
storage_bytes = 107374182400
endpoints = 4
[pricing]
denom = uagora
cpu = 10
memory = 5
[bid]
deposit = 500000uagora
[withdraw]
interval_s = 2
[status]
listen = 127.0.0.1:26665
INI
say "3. agora-provider starts (dry run: objects as files in $objects) and registers its offer"
if [[ -f "$dir/provider.pid" ]] && kill -0 "$(cat "$dir/provider.pid")" 2>/dev/null; then
  echo "   already running (pid $(cat "$dir/provider.pid"))"
else
  nohup "$bin/agora-provider" start --config "$dir/provider.ini" --dry-run "$objects" \
    >>"$dir/provider.log" 2>&1 </dev/null &
  echo $! >"$dir/provider.pid"
  echo "   pid $!, log $dir/provider.log"
fi
# wait_for SECONDS CMD...: poll CMD until it succeeds.
wait_for() {
  local n=$(( $1 * 10 )); shift
  for ((t = 0; t < n; t++)); do "$@" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}
offer_id() { agora query offers --provider provider --output json | jq -er '.offers[0].id'; }
wait_for 30 offer_id >/dev/null || { echo "no offer from agora-provider: see $dir/provider.log"; exit 1; }
offer=$(offer_id)
echo "   offer $offer: 8 CPUs, 16 GiB, 100 GiB, 4 endpoints in region=eu, floor 10uagora per CPU and 5 per GiB per block"

say "4. the tenant posts an order (nginx, 1 CPU, 1 GiB, a load balancer; at most 100uagora per block)"
tx "$tmp/order" market order create tenant --image nginx:1.25 --cpu 1000 --memory 1Gi --port 80 \
  --expose load-balancer --placement region=eu --max-price 100uagora --deposit 5000000uagora --auction-blocks 100
order=$(ev order_created order_id "$tmp/order")
echo "   order $order, auction open until height $(ev order_created closing_height "$tmp/order")"

say "5. agora-provider bids on it by itself (its floor cost for 1 CPU + 1 GiB)"
bid_id() { agora query bids --order "$order" --output json | jq -er '.bids[0].id'; }
wait_for 30 bid_id >/dev/null || { echo "no bid from agora-provider: see $dir/provider.log"; exit 1; }
bid=$(bid_id)
price=$(agora query bids --id "$bid" --output json | jq -r '.bid.price | "\(.amount)\(.denom)"')
echo "   bid $bid at $price per block"

say "6. the tenant accepts the bid: the lease; agora-provider writes its Kubernetes objects"
tx "$tmp/lease" market lease create tenant "$bid"
lease=$(ev lease_created lease_id "$tmp/lease")
echo "   lease $lease at $price per block, escrow $(ev lease_created escrow "$tmp/lease")"
has_objects() { ls "$objects/agora-lease-$lease" 2>/dev/null | grep -q '^Deployment-'; }
wait_for 10 has_objects || { echo "no objects for lease $lease: see $dir/provider.log"; exit 1; }
ls "$objects/agora-lease-$lease" | sed "s|^|   $objects/agora-lease-$lease/|"

say "7. blocks pass; settlement pays the provider block by block, agora-provider withdraws"
withdrawn() { agora query leases --id "$lease" --output json | jq -e '(.lease.withdrawn | tonumber) > 0' >/dev/null; }
wait_for 60 withdrawn || { echo "no withdrawal by agora-provider: see $dir/provider.log"; exit 1; }
agora query leases --id "$lease" --output json |
  jq -r '"   paid to the provider so far \(.lease.paid)uagora, withdrawn \(.lease.withdrawn)uagora (after the take rate)"'

say "8. the tenant closes the lease; the rest of the escrow comes back and the objects go"
tx "$tmp/close" market lease close tenant "$lease" --reason "walkthrough done"
no_objects() { [[ ! -e "$objects/agora-lease-$lease" ]]; }
wait_for 10 no_objects && echo "   $objects/agora-lease-$lease removed" || echo "   objects still present: see $dir/provider.log"
agora query leases --id "$lease" --prove | grep -E '^(  )?(state|paid|withdrawn|close_reason|proof):' | sed 's/^ */   /'
echo "   balances: tenant $(agora query balance tenant --denom uagora --output json | jq -r .balance.amount)uagora," \
     "provider $(agora query balance provider --denom uagora --output json | jq -r .balance.amount)uagora"

say "the network keeps running"
cat <<EOT
   agora --home $dir/cli --keyring-backend test query leases          # or offers, orders, bids
   agora --home $dir/cli --keyring-backend test query balance tenant --prove
   curl -s localhost:26657/status | jq .result.sync_info
   $bin/agora-provider status --addr 127.0.0.1:26665   # offer, bids, leases, objects
   scripts/localnet.sh status $dir
   kill \$(cat $dir/provider.pid)                  # stop agora-provider
   scripts/localnet.sh stop $dir                 # stop the validators; rm -rf $dir to start over
   (agora is $bin/agora)
EOT
