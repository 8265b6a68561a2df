#!/usr/bin/env bash
# agora-provider end to end on a 1-validator market chain (fast timeouts),
# with --dry-run DIR as the cluster:
#   1. the daemon creates its offer from config.ini;
#   2. a tenant order is bid on automatically at the floor cost; the tenant
#      accepts; the lease's objects appear in DIR (lease-commit -> files
#      latency measured over several leases, p50/p99 printed);
#   3. closing a lease removes its namespace directory;
#   4. kill -9 of the daemon, a lease closed and one created while it is
#      down: after the restart DIR converges (no event replay needed);
#   5. agorad restarted: a new order is still bid on;
#   6. `agora-provider status` reports the offer, leases and objects;
#   7. the daemon restarted on a kubeconfig pointing at the stand-in API
#      server (kube_standin.js, a test stand-in validating every object
#      against the Kubernetes schemas): the running leases are applied to
#      the new cluster, a new lease's objects appear, a closed one's go;
#   8. [offer] capacity = cluster: the offer is the stand-in's nodes'
#      allocatable resources minus the reserve, and follows a node added
#      and one removed; a node with a hostile quantity changes nothing;
#   9. the daemon's feed (PUB and REP through a TCP relay) dropped with
#      passes every 10 minutes only: an order created while it is down is
#      bid on once it comes back, and the lease is reconciled.
# Usage: test_provider.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: test_provider.sh BUILD_DIR}
bin=$(cd "$build" && pwd)/bin
seed=${AGORA_TEST_SEED:-$(( $(date +%s) % 100000 ))}
echo "test_provider: seed $seed (AGORA_TEST_SEED=$seed reproduces)"
RANDOM=$seed
base=$(( 20000 + (RANDOM % 1200) * 10 )) # below the ephemeral ports (32768+)
tmp=$(mktemp -d)
pid= ppid_= standin_pid=
cleanup() {
  [[ -n "$ppid_" ]] && kill -KILL "$ppid_" 2>/dev/null || true
  [[ -n "$standin_pid" ]] && kill -KILL "$standin_pid" 2>/dev/null || true
  [[ -n "${relay_pid:-}" ]] && kill -KILL "$relay_pid" 2>/dev/null || true
  [[ -n "$pid" ]] && kill -KILL "$pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  [[ -f "$tmp/provider.log" ]] && { echo "--- provider log"; tail -n 30 "$tmp/provider.log"; }
  [[ -f "$tmp/node.log" ]] && { echo "--- node log"; tail -n 10 "$tmp/node.log"; }
  exit 1
}
node="http://127.0.0.1:$((base + 1))"
pub="tcp://127.0.0.1:$((base + 2))" rep="tcp://127.0.0.1:$((base + 3))" # as agorad testnet sets them
status_addr="127.0.0.1:$((base + 9))"
agora() { "$bin/agora" --home "$tmp/cli" --node "$node" --keyring-backend test "$@"; }
now_ms() { date +%s%3N; }
ev() { jq -r --arg t "$1" --arg k "$2" '.tx_result.events[] | select(.type == $t) | .attributes[] | select(.key == $k) | .value' "$3" | head -n 1; }
# wait_for SECONDS COMMAND...: poll every 20 ms until COMMAND succeeds.
wait_for() {
  local until=$(( $(now_ms) + $1 * 1000 )); shift
  while ! "$@" 2>/dev/null; do
    (( $(now_ms) < until )) || return 1
    sleep 0.02
  done
}

mnemonic="abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
echo "$mnemonic" | agora keys import tenant >/dev/null
agora keys add prov >/dev/null
tenant=$(agora keys show tenant --address)
provider=$(agora keys show prov --address)

"$bin/agorad" testnet --validators 1 --output "$tmp/net" --app market --fast --base-port "$base" \
  --account "$tenant=1000000000" --account "$provider=200000000uagora" >/dev/null
grep -q "^pub_listen = $pub\$" "$tmp/net/node0/config/config.ini" || fail "feed address not where expected"
start_node() {
  "$bin/agorad" start --home "$tmp/net/node0" >>"$tmp/node.log" 2>&1 &
  pid=$!
  wait_for 20 agora query block >/dev/null || fail "node did not start"
}
start_node

dry=$tmp/dry
cat > "$tmp/provider.ini" <<INI
[key]
name = prov
home = $tmp/cli
backend = test
[node]
rpc = $node
feed_pub = $pub
feed_rep = $rep
[offer]
host_uri = https://provider.example:8443
attributes = region=eu,tier=gold
cpu_millis = 8000
memory_bytes = 17179869184
storage_bytes = 107374182400
endpoints = 8
[pricing]
denom = uagora
cpu = 10
memory = 5
[bid]
deposit = 500000uagora
[withdraw]
interval_s = 3
[status]
listen = $status_addr
[daemon]
poll_ms = 1000
INI
start_provider() {
  "$bin/agora-provider" start --config "$tmp/provider.ini" --dry-run "$dry" >>"$tmp/provider.log" 2>&1 &
  ppid_=$!
}
start_provider

# ---- 1. the offer
has_offer() { agora query offers --provider "$provider" --output json | jq -e '.offers | length == 1' >/dev/null; }
wait_for 30 has_offer || fail "no offer created"
offer=$(agora query offers --provider "$provider" --output json | jq -r '.offers[0].id')
echo "offer: $offer created by the daemon"

# new_order: create an order; prints its id.
new_order() {
  agora tx market order create tenant --image nginx:1.25 --cpu 1000 --memory 1Gi --port 80 \
    --max-price 100uagora --deposit 5000000uagora --auction-blocks 400 --placement region=eu \
    --yes --output json > "$tmp/order.json" || fail "order"
  ev order_created order_id "$tmp/order.json"
}
bid_of() { agora query bids --order "$1" --output json | jq -r --arg p "$provider" '[.bids[] | select(.provider == $p)][0].id // empty'; }
has_bid() { [[ -n $(bid_of "$1") ]]; }
ns_dir() { echo "$dry/agora-lease-$1"; }
objects_exist() { [[ -d $(ns_dir "$1") ]] && ls "$(ns_dir "$1")" | grep -q '^Deployment-'; }
gone() { [[ ! -e $(ns_dir "$1") ]]; }

# ---- 2. bid, accept, objects; latency over several leases
lat=()
leases=()
for i in 1 2 3 4 5; do
  order=$(new_order)
  wait_for 20 has_bid "$order" || fail "no bid on order $order"
  bid=$(bid_of "$order")
  price=$(agora query bids --id "$bid" --output json | jq -r '.bid.price | "\(.amount)\(.denom)"')
  # The floor cost: 1 cpu x 10 + 1 GiB x 5 = 15 per block.
  [[ "$price" == 15uagora ]] || fail "bid price $price, want the floor cost 15uagora"
  agora tx market lease create tenant "$bid" --yes --output json > "$tmp/lease.json" || fail "accept"
  lease=$(ev lease_created lease_id "$tmp/lease.json")
  wait_for 10 objects_exist "$lease" || fail "objects of lease $lease not written"
  # The newest file of the lease's objects: when the last one was written
  # (the dry-run sink rewrites a file only when its content changes).
  t1=$(find "$(ns_dir "$lease")" -type f -printf '%T@\n' | sort -n | tail -n 1 | awk '{printf "%.0f", $1 * 1000}')
  # From the node's "committed height=H" log line (millisecond timestamps).
  h=$(jq -r '.height' "$tmp/lease.json")
  t0=$(date -d "$(grep -m1 "node: committed height=$h " "$tmp/node.log" | cut -d' ' -f1)" +%s%3N)
  lat+=( $(( t1 - t0 )) )
  leases+=( "$lease" )
done
sorted=$(printf '%s\n' "${lat[@]}" | sort -n)
p50=$(sed -n 3p <<<"$sorted") p99=$(tail -n 1 <<<"$sorted")
echo "leases: ${leases[*]} bid at the floor, objects written; lease commit (node log) -> all its files written: p50 ${p50} ms, p99 (max of 5) ${p99} ms (limit 1000 ms)"
(( p99 <= 1000 )) || fail "objects later than 1 s after the lease's commit: ${lat[*]}"
for k in Namespace ResourceQuota LimitRange NetworkPolicy Deployment Service; do
  ls -R "$dry" | grep -q "^$k-" || fail "no $k written: $(ls -R "$dry")"
done

# ---- 3. closing a lease removes its objects
agora tx market lease close tenant "${leases[0]}" --yes --output json >/dev/null || fail "close"
wait_for 10 gone "${leases[0]}" || fail "objects of closed lease ${leases[0]} still there"
echo "close: lease ${leases[0]} torn down"

# ---- 4. kill -9 mid-way; changes while it is down; restart converges
kill -KILL "$ppid_"; wait "$ppid_" 2>/dev/null || true; ppid_=
agora tx market lease close tenant "${leases[1]}" --yes --output json >/dev/null || fail "close while down"
order=$(new_order)
start_provider
wait_for 30 has_bid "$order" || fail "no bid on order $order after the daemon restart"
agora tx market lease create tenant "$(bid_of "$order")" --yes --output json > "$tmp/lease.json" || fail "accept"
lease=$(ev lease_created lease_id "$tmp/lease.json")
wait_for 10 objects_exist "$lease" || fail "objects of lease $lease not written after restart"
wait_for 10 gone "${leases[1]}" || fail "lease ${leases[1]} closed while down, objects remain"
for l in "${leases[@]:2}"; do objects_exist "$l" || fail "lease $l lost its objects"; done
echo "kill -9: restarted, converged (lease ${leases[1]} removed, lease $lease created)"

# ---- 5. agorad restart: bidding continues
kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=
start_node
order=$(new_order)
wait_for 30 has_bid "$order" || fail "no bid on order $order after the node restart"
echo "node restart: order $order bid on"

# ---- 6. status
"$bin/agora-provider" status --addr "$status_addr" > "$tmp/status.json" || fail "status"
jq -e --arg o "$offer" '.offer.id == ($o | tonumber) and (.leases | length) >= 3 and (.objects.leases | length) >= 3
  and ([.objects.leases[] | select(.outcome == "applied")] | length) >= 3' "$tmp/status.json" >/dev/null \
  || fail "status: $(cat "$tmp/status.json")"
jq -e '[.bids[] | select(.state == "won")] | length >= 6' "$tmp/status.json" >/dev/null || fail "status bids: $(jq -c .bids "$tmp/status.json")"
w=$(agora query leases --id "${leases[2]}" --output json | jq -r '.lease.withdrawn')
[[ "$w" =~ ^[1-9][0-9]*$ ]] || fail "lease ${leases[2]}: nothing withdrawn by the daemon ($w)"
"$bin/agora-provider" status --config "$tmp/provider.ini" | jq -e '.provider' >/dev/null || fail "status --config"
echo "status: offer $offer, $(jq '.leases | length' "$tmp/status.json") leases, $(jq '.bids | length' "$tmp/status.json") bids reported; lease ${leases[2]} withdrawn $w"
kill -TERM "$ppid_"; wait "$ppid_" || fail "the daemon did not stop cleanly on SIGTERM"; ppid_=

# ---- 7. a (stand-in) Kubernetes API server instead of --dry-run
export NPM_DIR=$(cd "$build/.." && pwd)/npm
if [[ ! -d "$NPM_DIR/node_modules/kubernetes-models" ]]; then
  mkdir -p "$NPM_DIR"
  (cd "$NPM_DIR" && npm install --no-audit --no-fund --silent --prefix . kubernetes-models@4.4.2 >/dev/null)
fi
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=test-ca \
  -keyout "$tmp/ca.key" -out "$tmp/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
  -keyout "$tmp/srv.key" -out "$tmp/srv.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' > "$tmp/ext"
openssl x509 -req -in "$tmp/srv.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" -CAcreateserial \
  -days 1 -extfile "$tmp/ext" -out "$tmp/srv.crt" 2>/dev/null
token=t0k3n-$RANDOM
STANDIN_TOKEN=$token node "$(dirname "$0")/kube_standin.js" --port-file "$tmp/kport" \
  --tls-cert "$tmp/srv.crt" --tls-key "$tmp/srv.key" > "$tmp/standin.log" 2>&1 &
standin_pid=$!
wait_for 10 test -s "$tmp/kport" || fail "stand-in did not start"
kurl="https://127.0.0.1:$(cat "$tmp/kport")"
cat > "$tmp/kubeconfig" <<KC
apiVersion: v1
kind: Config
current-context: test
contexts:
- name: test
  context: {cluster: standin, user: provider}
clusters:
- name: standin
  cluster:
    server: $kurl
    certificate-authority-data: $(base64 -w0 < "$tmp/ca.crt")
users:
- name: provider
  user:
    token: $token
KC
{ cat "$tmp/provider.ini"; printf '[cluster]\nkubeconfig = %s\n' "$tmp/kubeconfig"; } > "$tmp/provider-kube.ini"
"$bin/agora-provider" start --config "$tmp/provider-kube.ini" >>"$tmp/provider.log" 2>&1 &
ppid_=$!
kapi() { curl -sS --cacert "$tmp/ca.crt" -H "Authorization: Bearer $token" "$@"; }
kdeploys() { kapi "$kurl/apis/apps/v1/namespaces/agora-lease-$1/deployments" | jq -e '.items | length >= 1' >/dev/null; }
kgone() { [[ $(kapi -o /dev/null -w '%{http_code}' "$kurl/api/v1/namespaces/agora-lease-$1") == 404 ]]; }
for l in "${leases[@]:2}"; do wait_for 15 kdeploys "$l" || fail "running lease $l not applied to the new cluster"; done
order=$(new_order)
wait_for 20 has_bid "$order" || fail "no bid on order $order (kubeconfig)"
agora tx market lease create tenant "$(bid_of "$order")" --yes --output json > "$tmp/lease.json" || fail "accept"
t0=$(now_ms)
lease=$(ev lease_created lease_id "$tmp/lease.json")
wait_for 10 kdeploys "$lease" || fail "lease $lease not in the stand-in"
kl=$(( $(now_ms) - t0 ))
agora tx market lease close tenant "$lease" --yes --output json >/dev/null || fail "close (kubeconfig)"
wait_for 10 kgone "$lease" || fail "closed lease $lease still in the stand-in"
echo "stand-in API: running leases applied after the switch, lease $lease deployed (seen ${kl} ms after the CLI saw the commit) and torn down on close (the stand-in refuses objects its schemas reject)"
kill -TERM "$ppid_"; wait "$ppid_" || fail "the daemon did not stop cleanly (kubeconfig)"; ppid_=

# ---- 8. capacity = cluster: the offer follows the stand-in's nodes
# (allocatable cpu/memory/ephemeral-storage summed, minus the reserve).
knode() { # NAME CPU MEMORY STORAGE
  kapi -X POST -H 'Content-Type: application/json' "$kurl/api/v1/nodes" -o /dev/null -w '%{http_code}' \
    -d "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"$1\"},\"status\":{\"allocatable\":{\"cpu\":\"$2\",\"memory\":\"$3\",\"ephemeral-storage\":\"$4\",\"pods\":\"110\"}}}"
}
[[ $(knode worker-1 3910m 16318004Ki 95551679124) == 201 ]] || fail "node worker-1 not created"
[[ $(knode worker-2 4 8Gi 100G) == 201 ]] || fail "node worker-2 not created"
{ cat "$tmp/provider-kube.ini"
  printf '[offer]\ncapacity = cluster\nreserve_cpu_millis = 410\nreserve_memory_bytes = 1073741824\nreserve_storage_bytes = 0\n'; } > "$tmp/provider-cap.ini"
"$bin/agora-provider" start --config "$tmp/provider-cap.ini" >>"$tmp/provider.log" 2>&1 &
ppid_=$!
# offer_is CPU MEMORY STORAGE: the offer on chain, as the daemon's status reports it
offer_is() {
  "$bin/agora-provider" status --addr "$status_addr" 2>/dev/null |
    jq -e --argjson c "$1" --argjson m "$2" --argjson s "$3" \
      '.offer.capacity | .cpu_millis == $c and .memory_bytes == $m and .storage_bytes == $s' >/dev/null
}
mem2=$(( 16318004 * 1024 + 8 * 1024 ** 3 - 1024 ** 3 ))
wait_for 20 offer_is $(( 3910 + 4000 - 410 )) $mem2 $(( 95551679124 + 100000000000 )) \
  || fail "offer not from the two nodes: $("$bin/agora-provider" status --addr "$status_addr" | jq -c .offer)"
[[ $(knode worker-3 2500m 4Gi 50Gi) == 201 ]] || fail "node worker-3 not created"
wait_for 20 offer_is $(( 3910 + 4000 + 2500 - 410 )) $(( mem2 + 4 * 1024 ** 3 )) $(( 95551679124 + 100000000000 + 50 * 1024 ** 3 )) \
  || fail "offer did not grow with worker-3: $("$bin/agora-provider" status --addr "$status_addr" | jq -c .offer)"
[[ $(kapi -X DELETE -o /dev/null -w '%{http_code}' "$kurl/api/v1/nodes/worker-1") == 200 ]] || fail "node delete"
wait_for 20 offer_is $(( 4000 + 2500 - 410 )) $(( 8 * 1024 ** 3 + 4 * 1024 ** 3 - 1024 ** 3 )) $(( 100000000000 + 50 * 1024 ** 3 )) \
  || fail "offer did not shrink without worker-1: $("$bin/agora-provider" status --addr "$status_addr" | jq -c .offer)"
# A node reporting a hostile quantity: the pass fails with a clear error,
# the offer stays as it was (nothing guessed), and it recovers once it goes.
[[ $(knode evil 100Ei 1Gi 1Gi) == 201 ]] || fail "node evil not created"
wait_for 20 grep -q 'node evil: allocatable cpu' "$tmp/provider.log" || fail "hostile quantity not reported"
offer_is $(( 4000 + 2500 - 410 )) $(( 8 * 1024 ** 3 + 4 * 1024 ** 3 - 1024 ** 3 )) $(( 100000000000 + 50 * 1024 ** 3 )) \
  || fail "offer changed on a hostile node"
kapi -X DELETE "$kurl/api/v1/nodes/evil" >/dev/null
echo "capacity = cluster: the offer followed worker-3 added and worker-1 removed; a hostile quantity was refused"
kill -TERM "$ppid_"; wait "$ppid_" || fail "the daemon did not stop cleanly (capacity = cluster)"; ppid_=
kill "$standin_pid" 2>/dev/null || true; wait "$standin_pid" 2>/dev/null || true; standin_pid=

# ---- 9. the feed connection dropped: events missed, then converged.
# The daemon follows the feed through a TCP relay (both PUB and REP) and
# polls only every 10 minutes, so only the feed (or its reconnect) wakes
# it. The relay is killed, an order is created (its events never reach the
# daemon), the relay comes back: the daemon's reconnect catches up and bids.
relay_pid=
start_relay() {
  node -e '
const net = require("net");
for (const [from, to] of [[+process.argv[1], +process.argv[2]], [+process.argv[3], +process.argv[4]]])
  net.createServer((c) => { const u = net.connect(to, "127.0.0.1"); c.pipe(u).pipe(c);
    u.on("error", () => c.destroy()); c.on("error", () => u.destroy()); }).listen(from, "127.0.0.1");
' $((base + 7)) $((base + 2)) $((base + 8)) $((base + 3)) >>"$tmp/relay.log" 2>&1 &
  relay_pid=$!
  wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$((base + 7))" || fail "relay did not start"
}
start_relay
sed -e "s|^feed_pub = .*|feed_pub = tcp://127.0.0.1:$((base + 7))|; s|^feed_rep = .*|feed_rep = tcp://127.0.0.1:$((base + 8))|; s|^poll_ms = .*|poll_ms = 600000|" \
  "$tmp/provider.ini" > "$tmp/provider-relay.ini"
"$bin/agora-provider" start --config "$tmp/provider-relay.ini" --dry-run "$dry" >>"$tmp/provider.log" 2>&1 &
ppid_=$!
order=$(new_order)
wait_for 20 has_bid "$order" || fail "no bid on order $order through the relay"
# Let the daemon go idle first: its own bid's events, still arriving through
# the relay, wake one more pass, which would see an order created meanwhile
# (a slow, sanitized run did). Idle = the status's pass count unchanged for
# 1.5 s; polls are every 10 minutes, so only the feed wakes it after that.
passes() { "$bin/agora-provider" status --addr "$status_addr" 2>/dev/null | jq -r '.passes // -1'; }
idle() { local a; a=$(passes); sleep 1.5; [[ "$a" != -1 && "$a" == "$(passes)" ]]; }
wait_for 30 idle || fail "the daemon did not go idle"
kill -KILL "$relay_pid"; wait "$relay_pid" 2>/dev/null || true; relay_pid=
order=$(new_order)
sleep 3
has_bid "$order" && fail "order $order bid on while the feed was down: the test would not show a missed event"
start_relay
wait_for 20 has_bid "$order" || fail "no bid on order $order after the feed came back"
agora tx market lease create tenant "$(bid_of "$order")" --yes --output json > "$tmp/lease.json" || fail "accept (relay)"
lease=$(ev lease_created lease_id "$tmp/lease.json")
wait_for 10 objects_exist "$lease" || fail "objects of lease $lease not written after the feed came back"
echo "feed dropped: order $order created while the daemon's feed was down was bid on after the reconnect; lease $lease reconciled (passes only on feed events)"
kill -TERM "$ppid_"; wait "$ppid_" || fail "the daemon did not stop cleanly (relay)"; ppid_=
kill -KILL "$relay_pid"; wait "$relay_pid" 2>/dev/null || true; relay_pid=
kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=
echo "test_provider: ok"
