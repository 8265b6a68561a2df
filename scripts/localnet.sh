#!/usr/bin/env bash
# localnet.sh start|stop|status [DIR] [N] — a network of N validators
# (default 4) on loopback, homes in DIR (default ./localnet).
#   start   build agorad if needed, run `agorad testnet` once if DIR has no
#           network, start every node in the background: DIR/nodeI/agorad.log,
#           DIR/nodeI/agorad.pid
#   status  each node's pid, whether it is alive, its last committed height
#   stop    SIGTERM every node and wait for it to exit
# Environment: AGORAD (the binary; default build/default/bin/agorad),
#   LOCALNET_APP (market|kvstore, default market), LOCALNET_BASE_PORT (26656),
#   LOCALNET_CHAIN_ID (agora-localnet), LOCALNET_FAST (1: fast timeouts, the default),
#   LOCALNET_FULL_NODES (0: full nodes DIR/nodeN.. made with the network and started
#   with it; start one later by hand with `agorad start --home DIR/nodeI`).
set -euo pipefail
cmd=${1:-}
dir=${2:-localnet}
n=${3:-4}
root=$(cd "$(dirname "$0")/.." && pwd)
agorad=${AGORAD:-$root/build/default/bin/agorad}

usage() { echo "usage: $0 start|stop|status [DIR] [N]" >&2; exit 2; }

nodes() { # the node directories of DIR, in order
  local i=0
  while [[ -d "$dir/node$i" ]]; do echo "$dir/node$i"; i=$((i + 1)); done
}

alive() { [[ -f "$1/agorad.pid" ]] && kill -0 "$(cat "$1/agorad.pid")" 2>/dev/null; }

height() { # last committed height in a node's log (0 if none)
  local h
  h=$(grep -o 'committed height=[0-9]*' "$1/agorad.log" 2>/dev/null | tail -n 1 | cut -d= -f2)
  echo "${h:-0}"
}

case "$cmd" in
start)
  if [[ ! -x "$agorad" ]]; then
    echo "building agorad"; make -C "$root" -j2 >/dev/null
  fi
  if [[ ! -d "$dir/node0" ]]; then
    fast=(); [[ "${LOCALNET_FAST:-1}" == 1 ]] && fast=(--fast)
    "$agorad" testnet --validators "$n" --output "$dir" --app "${LOCALNET_APP:-market}" \
      --base-port "${LOCALNET_BASE_PORT:-26656}" --chain-id "${LOCALNET_CHAIN_ID:-agora-localnet}" \
      --full-nodes "${LOCALNET_FULL_NODES:-0}" "${fast[@]}"
  fi
  for d in $(nodes); do
    if alive "$d"; then echo "$d: already running (pid $(cat "$d/agorad.pid"))"; continue; fi
    nohup "$agorad" start --home "$d" >>"$d/agorad.log" 2>&1 </dev/null &
    echo $! >"$d/agorad.pid"
    echo "$d: started (pid $!, log $d/agorad.log)"
  done
  ;;
status)
  [[ -d "$dir/node0" ]] || { echo "no network in $dir"; exit 1; }
  printf '%-32s %-8s %-6s %s\n' node pid alive height
  for d in $(nodes); do
    pid=$(cat "$d/agorad.pid" 2>/dev/null || echo -)
    a=no; alive "$d" && a=yes
    printf '%-32s %-8s %-6s %s\n' "$d" "$pid" "$a" "$(height "$d")"
  done
  ;;
stop)
  [[ -d "$dir/node0" ]] || { echo "no network in $dir"; exit 1; }
  pids=()
  for d in $(nodes); do
    if alive "$d"; then pid=$(cat "$d/agorad.pid"); kill -TERM "$pid"; pids+=("$pid"); fi
  done
  for pid in "${pids[@]}"; do
    for ((i = 0; i < 300; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then echo "pid $pid still running after 30 s"; fi
  done
  for d in $(nodes); do alive "$d" || rm -f "$d/agorad.pid"; done
  echo "stopped ${#pids[@]} node(s)"
  ;;
*) usage ;;
esac
