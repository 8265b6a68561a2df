# net_lib.sh — helpers for the tests that run a network of agorad processes
# made by `agorad testnet` in $tmp/net (sourced after $agorad and $tmp are
# set). Node i's pid is pids[i]; an EXIT trap kills every node still running
# and removes $tmp (AGORA_KEEP_TMP=1 keeps it for reading the nodes' logs).

pids=()

net_cleanup() {
  local p
  for p in "${pids[@]}"; do [[ -n "$p" ]] && kill -KILL "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [[ "${AGORA_KEEP_TMP:-0}" == 1 ]]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap net_cleanup EXIT

# height I: node I's last committed height from its log (0 before the first).
height() {
  local h
  h=$(grep -o 'committed height=[0-9]*' "$tmp/net/node$1/agorad.log" 2>/dev/null | tail -n 1 | cut -d= -f2)
  echo "${h:-0}"
}

# start_node I: start node I in the background, appending to its log.
start_node() {
  "$agorad" start --home "$tmp/net/node$1" >>"$tmp/net/node$1/agorad.log" 2>&1 &
  pids[$1]=$!
}

# dump: the height and last log lines of every node of the network.
dump() {
  local d i
  for d in "$tmp"/net/node*; do
    i=${d##*/node}
    echo "--- node$i (height $(height "$i"))"; tail -n 15 "$d/agorad.log" 2>/dev/null || true
  done
}

# wait_height TARGET SECONDS NODE...: every listed node reaches TARGET; fails
# (after a dump) if one exits or the time runs out. The limits callers pass
# are generous (a loaded 2-core machine); the healthy case takes a fraction.
wait_height() {
  local target=$1 secs=$2; shift 2
  local t i ok
  for ((t = 0; t < secs * 10; t++)); do
    ok=1
    for i in "$@"; do
      kill -0 "${pids[$i]}" 2>/dev/null || { echo "node$i exited"; dump; return 1; }
      (( $(height "$i") >= target )) || ok=0
    done
    (( ok )) && return 0
    sleep 0.1
  done
  echo "height $target not reached by nodes $* within ${secs}s"; dump; return 1
}
