#!/usr/bin/env bash
# fuzz.sh FUZZ_BUILD SECONDS TARGET... — run each libFuzzer target for SECONDS.
# New interesting inputs go to build/fuzz/corpus-<target> (merge them into
# tests/fuzz/corpus/<target> by hand if they add coverage worth keeping);
# crashes are written to tests/fuzz/crashers/<target>/ so they are committed
# and replayed by `make test` from then on.
set -uo pipefail
dir=${1:?}; secs=${2:?}; shift 2
status=0
for t in "$@"; do
  work="$dir/corpus-$t"
  mkdir -p "$work" "tests/fuzz/crashers/$t"
  echo "== $t for ${secs}s"
  if ! "$dir/$t" -max_total_time="$secs" -print_final_stats=1 \
      -artifact_prefix="tests/fuzz/crashers/$t/" "$work" "tests/fuzz/corpus/$t" \
      2>"$dir/$t.log"; then
    echo "$t: FINDING (see $dir/$t.log and tests/fuzz/crashers/$t/)"; status=1
  fi
  grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "$dir/$t.log" | sed "s/^/$t: /"
done
exit $status
