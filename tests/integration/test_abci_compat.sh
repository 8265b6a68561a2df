#!/usr/bin/env bash
# test_abci_compat.sh BUILD_DIR — CometBFT wire compatibility of the ABCI
# server: starts `agorad app` (over a Unix socket, then TCP on a free
# loopback port) and drives it with a client protobufjs generates from
# CometBFT v0.38's own .proto files (abci_compat.js). protobufjs is installed
# by this script into build/npm/ (git-ignored). Exit 0 = pass.
#   AGORA_COMETBFT_PROTO  the reference proto/ directory
#                         (default /work/shared/reference/cometbft-v0.38/proto)
set -euo pipefail
build=${1:?usage: test_abci_compat.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ref=${AGORA_COMETBFT_PROTO:-/work/shared/reference/cometbft-v0.38/proto}
agorad="$root/$build/bin/agorad"
[[ "$build" = /* ]] && agorad="$build/bin/agorad"

[[ -x "$agorad" ]] || { echo "test_abci_compat: $agorad not built"; exit 1; }
[[ -f "$ref/tendermint/abci/types.proto" ]] || { echo "test_abci_compat: reference protos not found in $ref"; exit 1; }
command -v node >/dev/null || { echo "test_abci_compat: node not installed (scripts/deps.sh installs it)"; exit 1; }

npmdir="$root/build/npm"
if [[ ! -f "$npmdir/node_modules/protobufjs/package.json" ]]; then
  mkdir -p "$npmdir"
  npm install --prefix "$npmdir" --no-audit --no-fund --silent protobufjs@7 >/dev/null 2>&1 ||
    { echo "test_abci_compat: npm install protobufjs@7 failed (network?)"; exit 1; }
fi

tmp=$(mktemp -d /tmp/agora-compat-XXXXXX)
pid=
ready=0
rc=0
# stop_agorad: SIGTERM once agorad has said it serves (before that the child
# may still be the forked shell, which would swallow the signal before exec),
# SIGKILL otherwise; then wait at most 10 s (a watchdog sends SIGKILL). Sets
# $rc to agorad's exit status (137 if it had to be killed).
stop_agorad() {
  rc=0
  if [[ $ready -eq 1 ]]; then kill -TERM "$pid" 2>/dev/null || true; else kill -KILL "$pid" 2>/dev/null || true; fi
  ( sleep 10; kill -KILL "$pid" 2>/dev/null ) >/dev/null 2>&1 &
  local watchdog=$!
  wait "$pid" || rc=$?
  kill "$watchdog" 2>/dev/null || true
  wait "$watchdog" 2>/dev/null || true
  pid= ready=0
}
cleanup() {
  [[ -n "$pid" ]] && stop_agorad
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_server ADDR: runs agorad app in the background, waits until it serves,
# sets $pid and $bound (the address it reports, e.g. the port picked for :0).
start_server() {
  : >"$tmp/agorad.log"
  "$agorad" app --abci "$1" --log-level info >"$tmp/agorad.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    bound=$(sed -n 's/.*over ABCI on \(.*\)$/\1/p' "$tmp/agorad.log" || true)
    [[ -n "$bound" ]] && { ready=1; return 0; }
    kill -0 "$pid" 2>/dev/null || { echo "agorad exited:"; cat "$tmp/agorad.log"; return 1; }
    sleep 0.05
  done
  echo "agorad did not start in 5 s:"; cat "$tmp/agorad.log"; return 1
}

# stop_server: SIGTERM must stop it cleanly (exit 0) and promptly.
stop_server() {
  stop_agorad
  if [[ $rc -eq 137 ]]; then
    echo "agorad did not stop within 10 s of SIGTERM (killed):"; cat "$tmp/agorad.log"; return 1
  fi
  [[ $rc -eq 0 ]] || { echo "agorad exited $rc on SIGTERM:"; cat "$tmp/agorad.log"; return 1; }
}

for addr in "unix://$tmp/app.sock" "tcp://127.0.0.1:0"; do
  start_server "$addr"
  NODE_PATH="$npmdir/node_modules" timeout 60 node "$here/abci_compat.js" --addr "$bound" \
    --ref "$ref" --ours "$root/proto" --shim "$here/proto-shim"
  stop_server
  if [[ "$addr" == unix://* && -e "$tmp/app.sock" ]]; then
    echo "agorad left its socket file behind"; exit 1
  fi
done
echo "test_abci_compat: protobufjs client from CometBFT's protos talked to agorad app over unix and tcp"
