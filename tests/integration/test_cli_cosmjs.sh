#!/usr/bin/env bash
# The `agora` CLI and a real agorad against CosmJS (tests/integration/cli_cosmjs.js):
#   1. for the fixed mnemonic and 5 fresh `agora keys add` mnemonics, CosmJS's
#      DirectSecp256k1HdWallet (prefix agora) derives the address agora printed;
#   2. on a 1-validator market chain funded by `agorad testnet --account`,
#      SigningStargateClient queries a balance, sends tokens with gas "auto"
#      and broadcasts a protobufjs-encoded MsgCreateOffer; `agora query offers`
#      then shows the offer.
# npm packages go to build/npm (installed once, as the other compat tests do).
# Usage: test_cli_cosmjs.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: test_cli_cosmjs.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
agorad=$(cd "$build" && pwd)/bin/agorad
agora_bin=$(cd "$build" && pwd)/bin/agora
command -v node >/dev/null || { echo "test_cli_cosmjs: node not installed (scripts/deps.sh installs it)"; exit 1; }
export NPM_DIR=$root/build/npm
pkgs=(@cosmjs/proto-signing@0.32.4 @cosmjs/stargate@0.32.4 protobufjs@7)
if [[ ! -d "$NPM_DIR/node_modules/@cosmjs/stargate" || ! -d "$NPM_DIR/node_modules/protobufjs" ]]; then
  mkdir -p "$NPM_DIR"
  (cd "$NPM_DIR" && npm install --no-audit --no-fund --silent --prefix . "${pkgs[@]}" >/dev/null)
fi
seed=${AGORA_TEST_SEED:-$(( $(date +%s) % 100000 ))}
echo "test_cli_cosmjs: seed $seed (AGORA_TEST_SEED=$seed reproduces)"
RANDOM=$seed
base=$(( 20000 + (RANDOM % 1200) * 10 )) # below the ephemeral ports (32768+)
tmp=$(mktemp -d)
pid=
cleanup() {
  [[ -n "$pid" ]] && kill -KILL "$pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [[ -f "$tmp/node.log" ]] && tail -n 20 "$tmp/node.log"; exit 1; }
node="http://127.0.0.1:$((base + 1))"
agora() { "$agora_bin" --home "$tmp/cli" --keyring-backend test --node "$node" "$@"; }

mnemonic="abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
echo "$mnemonic" | agora keys import fixed >/dev/null
printf '%s\t%s\n' "$mnemonic" "$(agora keys show fixed --address)" > "$tmp/pairs"
for i in 1 2 3 4 5; do
  agora keys add "k$i" --words $(( 12 + 3 * (i % 5) )) --output json | jq -r '[.mnemonic, .address] | @tsv' >> "$tmp/pairs"
done
timeout 60 node "$here/cli_cosmjs.js" keys "$tmp/pairs" || fail "keys"

"$agorad" testnet --validators 1 --output "$tmp/net" --app market --fast --base-port "$base" \
  --account "$(agora keys show fixed --address)=1000000000" >/dev/null
"$agorad" start --home "$tmp/net/node0" >"$tmp/node.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  agora query block >/dev/null 2>&1 && break
  sleep 0.1
done
timeout 120 node "$here/cli_cosmjs.js" chain "$node" "$root/proto" "$mnemonic" "$(agora keys show k1 --address)" \
  | tee "$tmp/out" || fail "CosmJS against agorad"
id=$(sed -n 's/^OFFER_ID //p' "$tmp/out")
agora query offers --id "$id" --output json | jq -e '.offer.host_uri == "https://cosmjs.example"' >/dev/null \
  || fail "agora query offers --id $id does not show the CosmJS offer"
kill -0 "$pid" 2>/dev/null || fail "agorad exited before the end of the test"
kill -TERM "$pid"; wait "$pid" || fail "agorad exit status $?"; pid=
echo "test_cli_cosmjs: ok"
