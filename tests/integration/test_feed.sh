#!/usr/bin/env bash
# The event feed of a real node: one kvstore validator (fast timeouts) with
# [feed] pub_listen/rep_listen. A subscriber (`agorad feed --from 1`) runs
# while txs are sent, is killed with SIGKILL halfway, more txs are sent while
# it is away, and a second one starts with --from H:I (the cursor after the
# last line the first printed). Together they must print exactly the events
# of the chain, each once and in order: the same lines as a catch-up-only
# read of heights 1..final, and one "kv" event per tx sent. /metrics on the
# same node: the height gauge grows. Then the node restarts without the RPC
# and the feed serves the same events from the stores.
# Usage: test_feed.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: test_feed.sh BUILD_DIR}
agorad=$build/bin/agorad
here=$(cd "$(dirname "$0")" && pwd)
source "$here/node_lib.sh"
seed=${AGORA_TEST_SEED:-$(( $(date +%s) % 100000 ))}
echo "test_feed: seed $seed (AGORA_TEST_SEED=$seed reproduces)"
RANDOM=$seed
tmp=$(mktemp -d)
sub_pid=
cleanup() {
  [[ -n "$sub_pid" ]] && { kill -KILL "$sub_pid" 2>/dev/null || true; wait "$sub_pid" 2>/dev/null || true; }
  node_cleanup; rm -rf "$tmp"
}
trap cleanup EXIT
home=$tmp/node log=$tmp/node.log
port=$(( 20000 + RANDOM % 12000 )) # below the ephemeral ports (32768+)
rpc=127.0.0.1:$port pub=tcp://127.0.0.1:$((port + 1)) rep=tcp://127.0.0.1:$((port + 2))
metrics=127.0.0.1:$((port + 3))

"$agorad" init --home "$home" --fast --app kvstore --chain-id feed-test --moniker feed >/dev/null
node_p2p_any_port "$home"
cfg=$home/config/config.ini
sed -i "s|^laddr = tcp://127.0.0.1:26657\$|laddr = tcp://$rpc|; s|^pub_listen = \$|pub_listen = $pub|; s|^rep_listen = \$|rep_listen = $rep|; s|^prometheus = false\$|prometheus = true|; s|^prometheus_listen_addr = .*\$|prometheus_listen_addr = tcp://$metrics|" "$cfg"
grep -q "^pub_listen = $pub\$" "$cfg" && grep -q "^rep_listen = $rep\$" "$cfg" \
  && grep -q "^laddr = tcp://$rpc\$" "$cfg" || { echo "config edit failed"; exit 1; }
node_start "$home" "$log"
node_wait_height "$log" 2 60
grep -q "event feed: PUB $pub, REP $rep" "$log" || { echo "no feed line in the log"; tail -n 20 "$log"; exit 1; }

send_txs() { # FIRST LAST: txs fk<i>=v<i>, a few ms apart
  local i r
  for ((i = $1; i <= $2; i++)); do
    r=$(curl -sf "http://$rpc/broadcast_tx_sync?tx=\"fk$i=v$i\"")
    [[ $(jq -r .result.code <<<"$r") == 0 ]] || { echo "tx $i refused: $r"; exit 1; }
    sleep 0.0$(( RANDOM % 5 ))
  done
}

"$agorad" feed --connect "$pub" --req "$rep" --from 1 >"$tmp/a.out" 2>"$tmp/a.err" &
sub_pid=$!
n1=$(( 10 + RANDOM % 10 )) n2=$(( 10 + RANDOM % 10 ))
send_txs 1 "$n1"
# Wait until the subscriber printed the first batch's last tx, then kill it.
for ((i = 0; i < 200; i++)); do grep -q "\"fk$n1\"" "$tmp/a.out" && break; sleep 0.05; done
grep -q "\"fk$n1\"" "$tmp/a.out" || { echo "subscriber did not see tx $n1"; cat "$tmp/a.err"; exit 1; }
kill -KILL "$sub_pid"; wait "$sub_pid" 2>/dev/null || true; sub_pid=
# A line cut by the kill is not printed (the restart repeats it).
[[ -z $(tail -c 1 "$tmp/a.out") ]] || sed -i '$d' "$tmp/a.out"
last=$(tail -n 1 "$tmp/a.out")
from="$(jq -r .height <<<"$last"):$(( $(jq -r .index <<<"$last") + 1 ))"

# Txs while the subscriber is away, then let a few more blocks commit.
send_txs $(( n1 + 1 )) $(( n1 + n2 ))
h=$(node_height "$log")
node_wait_height "$log" $(( h + 3 )) 60
final=$(node_height "$log")

timeout 60 "$agorad" feed --connect "$pub" --req "$rep" --from "$from" --until "$final" \
  >"$tmp/b.out" 2>"$tmp/b.err" || { echo "restarted subscriber failed"; cat "$tmp/b.err"; exit 1; }
timeout 60 "$agorad" feed --connect "$pub" --req "$rep" --from 1 --until "$final" \
  >"$tmp/ref.out" 2>"$tmp/ref.err" || { echo "reference read failed"; cat "$tmp/ref.err"; exit 1; }
cat "$tmp/a.out" "$tmp/b.out" >"$tmp/both.out"
# The restarted one may print events of heights above final before it stops.
jq -c "select(.height <= $final)" "$tmp/both.out" >"$tmp/both.cut"
diff "$tmp/ref.out" "$tmp/both.cut" >"$tmp/diff" \
  || { echo "subscriber output differs from the chain's events:"; head -n 20 "$tmp/diff"; exit 1; }
# Each tx's event exactly once.
total=$(( n1 + n2 ))
for ((i = 1; i <= total; i++)); do
  c=$(jq -c "select(.type == \"kv\" and .attributes[0].value == \"fk$i\")" "$tmp/both.cut" | wc -l)
  [[ "$c" == 1 ]] || { echo "tx fk$i: $c events (want 1)"; exit 1; }
done
jq -c "select(.type == \"kv\")" "$tmp/both.cut" | wc -l | grep -qx "$total" || { echo "unexpected kv events"; exit 1; }

# /metrics: the height gauge grows, the feed counted its requests, CheckTx was timed.
metric() { curl -sf "http://$metrics/metrics" | sed -n "s/^$1{chain_id=\"feed-test\"} //p"; }
m1=$(metric agora_consensus_height)
node_wait_height "$log" $(( $(node_height "$log") + 2 )) 60
m2=$(metric agora_consensus_height)
(( m1 >= final && m2 > m1 )) || { echo "metrics height did not grow: $m1 -> $m2 (final $final)"; exit 1; }
(( $(metric agora_feed_requests_total) > 0 )) || { echo "no feed requests counted"; exit 1; }
ct=$(curl -sf "http://$metrics/metrics" | sed -n 's/^agora_abci_method_timing_seconds_count{method="check_tx",chain_id="feed-test"} //p')
(( ct == total )) || { echo "check_tx timings: $ct (want $total)"; exit 1; }

node_stop TERM
[[ "$node_rc" == 0 ]] || { echo "agorad exited with $node_rc after SIGTERM"; tail -n 20 "$log"; exit 1; }

# Restarted without the RPC (the feed then brings its own node mutex): the
# same events are read back from the stores, and new blocks follow.
sed -i "s|^laddr = tcp://$rpc\$|laddr =|" "$cfg"
grep -q '^laddr =$' "$cfg" || { echo "config edit (rpc off) failed"; exit 1; }
echo "--- restart without RPC" >>"$log"
node_start "$home" "$log"
node_wait_height "$log" $(( $(node_height "$log") + 3 )) 60
last2=$(node_height "$log")
timeout 60 "$agorad" feed --connect "$pub" --req "$rep" --from 1 --until "$last2" \
  >"$tmp/c.out" 2>"$tmp/c.err" || { echo "read without RPC failed"; cat "$tmp/c.err"; exit 1; }
jq -c "select(.height <= $final)" "$tmp/c.out" | diff "$tmp/ref.out" - >/dev/null \
  || { echo "events differ after the restart"; exit 1; }
(( $(tail -n 1 "$tmp/c.out" | jq .height) <= last2 )) || { echo "events beyond --until"; exit 1; }
node_stop TERM
[[ "$node_rc" == 0 ]] || { echo "agorad (no RPC) exited with $node_rc"; tail -n 20 "$log"; exit 1; }
echo "metrics: height $m1 -> $m2, $ct CheckTx timed"
echo "feed: $total txs over heights 1..$final; subscriber killed after $(wc -l <"$tmp/a.out") events, restarted --from $from; $(wc -l <"$tmp/ref.out") events, none missing or repeated ($(tail -n 1 "$tmp/b.err"))"
