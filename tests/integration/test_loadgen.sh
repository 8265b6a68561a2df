#!/usr/bin/env bash
# The end-to-end load generator (bench/loadgen) on short runs, so `make
# test` keeps it working and checks what it reports:
#   1. scenario 1 (one validator, bank sends, as fast as accepted) for 3 s:
#      every tx of the window committed with code 0, none refused or lost,
#      a committed rate and a commit latency printed next to the ceiling;
#   2. scenario 3 (four validators, the market flows) for 4 s: the offers of
#      the setup committed, and whole deals (order, bid, accepted bid,
#      withdrawal, close) completed with no tx failing in its block.
# The seed (AGORA_TEST_SEED reproduces) picks the base port and the keys.
# Usage: test_loadgen.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: test_loadgen.sh BUILD_DIR}
seed=${AGORA_TEST_SEED:-$(( $(date +%s) % 100000 ))}
echo "test_loadgen: seed $seed (AGORA_TEST_SEED=$seed reproduces)"
RANDOM=$seed
base=$(( 20000 + (RANDOM % 1200) * 10 )) # below the ephemeral ports (32768+)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
fail() { echo "FAIL: $*"; cat "$out"; exit 1; }

# the figure after `label` on its line of the report
figure() { grep -m1 "$1" "$out" | sed -E "s/.*$1 *([0-9]+).*/\1/"; }

"$build/bench/loadgen" --scenario 1 --seconds 3 --accounts 600 --base-port $base \
  --seed "$seed" --agorad "$build/bin/agorad" >"$out" 2>&1 || fail "scenario 1 exited $?"
grep -q "^ceiling: " "$out" || fail "no ceiling line"
line=$(grep -m1 "of the window's txs" "$out") || fail "no tx accounting"
[[ "$line" =~ ([0-9]+)\ committed\ ok,\ 0\ failed\ in\ the\ block,\ 0\ never\ committed ]] \
  || fail "scenario 1: txs failed or were lost: $line"
(( BASH_REMATCH[1] > 0 )) || fail "scenario 1: nothing committed"
grep -q "refused by the RPC: 0" "$out" || fail "scenario 1: the RPC refused txs"
rate=$(figure "committed  ")
(( rate > 0 )) || fail "scenario 1: no committed rate"
grep -qE "commit latency +p50 [0-9]+ ms, p99 [0-9]+ ms" "$out" || fail "scenario 1: no latency"
echo "scenario 1: $rate tx/s committed, $(grep -m1 'commit latency' "$out" | sed 's/^ *//')"

"$build/bench/loadgen" --scenario 3 --seconds 4 --flows 24 --base-port $((base + 200)) \
  --seed "$seed" --agorad "$build/bin/agorad" >"$out" 2>&1 || fail "scenario 3 exited $?"
grep -q "setup: 24 offers committed (0 failed, 0 refused)" "$out" || fail "scenario 3: offers"
deals=$(figure "deals completed")
(( deals > 0 )) || fail "scenario 3: no deal completed"
for kind in "create order" "create bid" "accept bid" "withdraw" "close lease"; do
  grep -qE "^ +$kind +[1-9][0-9]* ok, 0 failed in the block, 0 refused" "$out" \
    || fail "scenario 3: $kind"
done
echo "scenario 3: $deals deals completed, $(figure 'committed  ') tx/s committed"
