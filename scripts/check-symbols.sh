#!/usr/bin/env bash
# check-symbols.sh LIB.a — every symbol libagora.a exports must carry a module
# prefix, so modules cannot collide with each other or with dependencies.
# Generated protobuf-c code exports its own (package-derived) names.
set -euo pipefail
lib=${1:?}
prefixes='^(ag_|crypto_|state_|cons_|abci_|p2p_|node_|genesis_|provider_|cli_|light_|market_|rpc_|feed_)'
generated='^([a-z0-9_]+__)+[a-z0-9_]+$'
bad=$(nm -g --defined-only "$lib" 2>/dev/null | awk 'NF==3 {print $3}' | grep -vE "$prefixes" | grep -vE "$generated" || true)
if [[ -n "$bad" ]]; then
  echo "check-symbols: exported symbols without a module prefix:"; echo "$bad" | sed 's/^/  /'
  exit 1
fi
echo "check-symbols: ok ($(nm -g --defined-only "$lib" | awk 'NF==3' | wc -l) exported symbols)"
