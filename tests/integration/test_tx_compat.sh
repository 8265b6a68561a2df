#!/usr/bin/env bash
# Agora's transaction decoder, verifier and signer against CosmJS from the npm
# registry (offline signing; no network besides the one-time npm install).
#   1. CosmJS signs MsgSend txs (fixed mnemonic, prefix agora); tx_vectors
#      decodes and verifies them; every field, signer and hash must match, and
#      bad txs must be refused with the expected error code.
#   2. Agora's C code signs txs; CosmJS decodes them and verifies every
#      signature (and finds them identical to its own RFC 6979 signatures).
# Usage: test_tx_compat.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: test_tx_compat.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
export NPM_DIR=$(cd "$build/.." && pwd)/npm
pkgs=(@cosmjs/proto-signing@0.32.4 @cosmjs/crypto@0.32.4 @cosmjs/amino@0.32.4
      @cosmjs/encoding@0.32.4 cosmjs-types@0.9.0)
if [[ ! -d "$NPM_DIR/node_modules/@cosmjs/proto-signing" || ! -d "$NPM_DIR/node_modules/@cosmjs/amino" ]]; then
  mkdir -p "$NPM_DIR"
  (cd "$NPM_DIR" && npm install --no-audit --no-fund --silent --prefix . "${pkgs[@]}" >/dev/null)
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node "$here/tx_compat.js" make > "$tmp/vectors.jsonl"
"$build/tools/tx_vectors" verify < "$tmp/vectors.jsonl" > "$tmp/results.jsonl"
node "$here/tx_compat.js" check "$tmp/vectors.jsonl" "$tmp/results.jsonl"
"$build/tools/tx_vectors" sign | node "$here/tx_compat.js" c-signed
