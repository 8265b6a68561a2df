# node_lib.sh — helpers for the agorad integration tests (sourced).
# Needs: $agorad (the binary), $tmp (a scratch directory).

node_pid=

# node_p2p_any_port HOME: P2P on 127.0.0.1 with a port chosen by the system
# (a single node has no peers; the default 26656 could be taken by another
# test or node on this machine).
node_p2p_any_port() {
  sed -i 's|^laddr = tcp://0.0.0.0:26656$|laddr = tcp://127.0.0.1:0|' "$1/config/config.ini"
  grep -q '^laddr = tcp://127.0.0.1:0$' "$1/config/config.ini" || { echo "p2p laddr edit failed"; return 1; }
}

# node_start HOME LOG: start agorad in the background, appending to LOG.
node_start() {
  "$agorad" start --home "$1" >>"$2" 2>&1 &
  node_pid=$!
}

# node_height LOG: the highest height of a "committed" log line (0 if none).
node_height() {
  local h
  h=$(grep -o 'committed height=[0-9]*' "$1" 2>/dev/null | tail -n 1 | cut -d= -f2)
  echo "${h:-0}"
}

# node_wait_height LOG TARGET SECONDS: wait until a committed height >= TARGET
# appears in LOG; fails if the node exits or the time runs out.
node_wait_height() {
  local log=$1 target=$2 secs=$3 i
  for ((i = 0; i < secs * 20; i++)); do
    if (( $(node_height "$log") >= target )); then return 0; fi
    if ! kill -0 "$node_pid" 2>/dev/null; then
      echo "agorad exited before height $target; log tail:"; tail -n 30 "$log"; return 1
    fi
    sleep 0.05
  done
  echo "no height $target within ${secs}s; log tail:"; tail -n 30 "$log"; return 1
}

# node_stop SIGNAL: send SIGNAL and reap; the exit status goes to $node_rc
# (not printed: a command substitution runs in a subshell, which cannot wait).
node_rc=
node_stop() {
  node_rc=0
  kill -"$1" "$node_pid" 2>/dev/null || true
  wait "$node_pid" 2>/dev/null || node_rc=$?
  node_pid=
}

# node_store_height HOME: the block store's height (agorad inspect).
node_store_height() {
  "$agorad" inspect blocks --home "$1" --from 999999999999 | sed -n 's/^# base [0-9]* height \([0-9]*\)$/\1/p'
}

node_cleanup() {
  if [[ -n "$node_pid" ]]; then kill -KILL "$node_pid" 2>/dev/null || true; wait "$node_pid" 2>/dev/null || true; fi
}
