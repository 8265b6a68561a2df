#!/usr/bin/env bash
# The full end-to-end benchmark (issue #11): the four scenarios of
# bench/loadgen, one after another, each printing its figures next to the
# ceiling measured in the same run. Several minutes; the machine should be
# otherwise idle (every figure shares its 2 cores with the nodes).
#
#   scenario 1  one validator, bank sends, as fast as accepted (30 s)
#   scenario 2  four validators, bank sends, stepped to 60% of the ceiling
#               while p50 <= 0.5 s and p99 <= 1 s hold (15 s per step)
#   scenario 3  four validators, the market flows (30 s)
#   scenario 4  four validators, bank sends, the saturation sweep (15 s
#               per step, until p99 > 2 s or the network falls behind)
#
# Usage: scripts/bench-e2e-full.sh [BUILD_DIR] [LOG]  (defaults build/default,
# bench-e2e-<date>.log); `make all` first.
set -euo pipefail
build=${1:-build/default}
log=${2:-bench-e2e-$(date -u +%Y%m%d-%H%M).log}
lg=$build/bench/loadgen
[[ -x $lg ]] || { echo "no $lg: run make first" >&2; exit 1; }
{
  "$lg" --scenario 1 --seconds 30
  echo
  "$lg" --scenario 2 --seconds 15
  echo
  "$lg" --scenario 3 --seconds 30 --flows 600
  echo
  "$lg" --scenario 4 --seconds 15
} 2>&1 | tee "$log"
echo "figures kept in $log"
