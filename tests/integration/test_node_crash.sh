#!/usr/bin/env bash
# The SIGKILL acceptance test: a single-validator node killed at random points
# over many restarts. After each kill:
#   - the block store still holds every block seen before, unchanged (height,
#     block hash, app hash: `agorad inspect blocks`);
#   - the signer's state file is kept as a snapshot (and a watcher copies
#     it every 20 ms while the test runs, whenever it changed); `agorad inspect
#     signatures --history` then checks that every stored commit carries our
#     valid precommit, that the signer state never went backwards across the
#     crashes, that every recorded precommit at a committed height/round
#     is the one in the chain, and that the WAL holds no two different
#     votes/proposals of ours at one height/round/type (node/README.md says
#     what this proves);
# every height the node logged as committed is in the store; and after each
# restart the chain reaches a height above the one before.
# Kill points: a random delay (0..500 ms) after the node reached a new
# height, and in a quarter of the rounds a random delay (0..400 ms) right
# after start (during the handshake and WAL replay); then one kill at each
# step of the engine's commit path (AGORA_TEST_KILL_AT).
#   AGORA_TEST_SEED=N  reproduce a run (the seed is printed)
#   AGORA_TEST_FULL=1  200 restarts instead of 20
#   AGORA_NODE_APP=kvstore the example kvstore instead of the builtin market
#                      (test_node_kvstore_crash.sh runs it that way)
#   AGORA_KEEP_TMP=1   keep the home and the log
# Usage: test_node_crash.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: test_node_crash.sh BUILD_DIR}
agorad=$build/bin/agorad
here=$(cd "$(dirname "$0")" && pwd)
source "$here/node_lib.sh"
seed=${AGORA_TEST_SEED:-$(( $(date +%s%N) % 1000000007 ))}
rounds=20
[[ "${AGORA_TEST_FULL:-0}" == 1 ]] && rounds=200
echo "test_node_crash: seed $seed ($rounds kills, app ${AGORA_NODE_APP:-market}; AGORA_TEST_SEED=$seed reproduces the kill points)"
RANDOM=$seed

tmp=$(mktemp -d)
watcher=
trap 'node_cleanup; { [[ -z "$watcher" ]] || kill "$watcher" 2>/dev/null || true; }; [[ -n "${AGORA_KEEP_TMP:-}" ]] && echo "kept $tmp" || rm -rf "$tmp"' EXIT
home=$tmp/node log=$tmp/node.log hist=$tmp/history
mkdir -p "$hist"
"$agorad" init --home "$home" --fast --app "${AGORA_NODE_APP:-market}" --chain-id crash-test --moniker crash >/dev/null
node_p2p_any_port "$home"
state=$home/data/priv_validator_state.json

# snap: copy the signer state into the history, named by the time taken
# before reading it (fixed width, so names sort in time order), unless it
# equals this process's last copy. The signer replaces the file atomically,
# so a copy is always a whole state.
snap() {
  local t=${EPOCHREALTIME/./} last=$tmp/last_snap.$BASHPID
  cp "$state" "$tmp/snap.$BASHPID" 2>/dev/null || return 0 # replaced while copied: next time
  if ! cmp -s "$tmp/snap.$BASHPID" "$last" 2>/dev/null; then
    cp "$tmp/snap.$BASHPID" "$hist/$t.$BASHPID.json"
    mv "$tmp/snap.$BASHPID" "$last"
  fi
}
( while :; do snap; sleep 0.02; done ) &
watcher=$!
: >"$tmp/seen" # every block seen so far: "height hash app_hash ..."

check_blocks() {
  if ! "$agorad" inspect blocks --home "$home" >"$tmp/inspect"; then
    echo "kill $1: agorad inspect blocks failed"; return 1
  fi
  grep -v '^#' "$tmp/inspect" | cut -d' ' -f1-3 >"$tmp/now" || true
  local n
  n=$(wc -l <"$tmp/seen")
  if ! head -n "$n" "$tmp/now" | diff -q "$tmp/seen" - >/dev/null; then
    echo "kill $1: committed blocks changed or were lost:"
    head -n "$n" "$tmp/now" | diff "$tmp/seen" - | head -n 20
    return 1
  fi
  cp "$tmp/now" "$tmp/seen"
}

prev=0 early=0 t0=$(date +%s)
for ((k = 1; k <= rounds; k++)); do
  echo "--- start $k" >>"$log"
  node_start "$home" "$log"
  if (( RANDOM % 4 == 0 )); then
    early=$((early + 1))
    sleep "$(printf '0.%03d' $((RANDOM % 400)))"
  else
    node_wait_height "$log" $((prev + 1)) 60 || { echo "kill $k: no progress after the restart (seed $seed)"; exit 1; }
    sleep "$(printf '0.%03d' $((RANDOM % 500)))"
  fi
  node_stop KILL
  snap
  check_blocks "$k" || { echo "seed $seed"; exit 1; }
  prev=$(tail -n 1 "$tmp/seen" | cut -d' ' -f1)
  prev=${prev:-0}
  # Every block the node reported committed before the kill is stored.
  logged=$(node_height "$log")
  if (( logged > prev )); then
    echo "kill $k: the node logged height $logged committed, the store ends at $prev (seed $seed)"; exit 1
  fi
  "$agorad" inspect signatures --home "$home" --history "$hist" >"$tmp/sig" 2>&1 \
    || { echo "kill $k: signature check failed (seed $seed):"; cat "$tmp/sig"; exit 1; }
done

# Exact kill points: the node kills itself (AGORA_TEST_KILL_AT, a test hook
# of agorad start) at each step of the engine's commit path in turn --
# 1 input logged, 2 own message logged, 3 block saved, 4 FinalizeBlock done,
# 5 its response saved, 6 app Commit done, 7 state saved, 8 height ended --
# two heights above the last stored one; then the same checks.
for point in 1 2 3 4 5 6 7 8; do
  echo "--- start, kill at point $point height $((prev + 2))" >>"$log"
  export AGORA_TEST_KILL_AT="$point:$((prev + 2))"
  node_start "$home" "$log"
  unset AGORA_TEST_KILL_AT
  # Wait for the hook's SIGKILL (a watchdog ends a node that never gets there).
  ( for ((i = 0; i < 600; i++)); do sleep 0.1; kill -0 "$node_pid" 2>/dev/null || exit 0; done
    kill -KILL "$node_pid" 2>/dev/null ) &
  watchdog=$!
  node_rc=0
  wait "$node_pid" 2>/dev/null || node_rc=$?
  node_pid=
  wait "$watchdog" 2>/dev/null || true
  [[ "$node_rc" == 137 ]] || { echo "point $point: exit status $node_rc, not the hook's SIGKILL"; tail -n 20 "$log"; exit 1; }
  grep -q "killing the process at point $point," "$log" || { echo "point $point: the hook did not fire"; exit 1; }
  snap
  check_blocks "point $point" || { echo "seed $seed"; exit 1; }
  prev=$(tail -n 1 "$tmp/seen" | cut -d' ' -f1)
  logged=$(node_height "$log")
  (( logged <= prev )) || { echo "point $point: logged height $logged, stored $prev"; exit 1; }
  "$agorad" inspect signatures --home "$home" --history "$hist" >"$tmp/sig" 2>&1 \
    || { echo "point $point: signature check failed:"; cat "$tmp/sig"; exit 1; }
done

# A last clean run: progress, then SIGTERM with exit status 0.
echo "--- final start" >>"$log"
node_start "$home" "$log"
node_wait_height "$log" $((prev + 1)) 60 || { echo "no progress after the last kill (seed $seed)"; exit 1; }
node_stop TERM
[[ "$node_rc" == 0 ]] || { echo "exit status $node_rc after SIGTERM (seed $seed)"; tail -n 20 "$log"; exit 1; }
check_blocks final
"$agorad" inspect signatures --home "$home" --history "$hist"

# Negative control: the same check must fail on a history in which the
# signer state went back (the newest snapshot, then the oldest).
mkdir -p "$tmp/control"
# (An array, not `sort | head`: under pipefail, head exiting early can kill
# sort with SIGPIPE once the listing passes one 4 KiB write, ending the test.)
mapfile -t snaps < <(ls "$hist" | sort)
newest=${snaps[${#snaps[@]} - 1]} oldest=${snaps[1]}
cp "$hist/$newest" "$tmp/control/1.json"
cp "$hist/$oldest" "$tmp/control/2.json"
if "$agorad" inspect signatures --home "$home" --history "$tmp/control" >/dev/null 2>&1; then
  echo "the double-sign check accepted a signer state that went back"; exit 1
fi
echo "test_node_crash: $rounds random kills ($early during startup) and 8 at exact commit-path points, final height $(tail -n 1 "$tmp/seen" | cut -d' ' -f1), $(($(date +%s) - t0))s, seed $seed"
