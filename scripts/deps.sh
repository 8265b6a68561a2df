#!/usr/bin/env bash
# deps.sh — install every Debian package Agora needs to build, test, fuzz and
# benchmark. Idempotent: silent and fast when everything is present; uses sudo
# when not root. Called by `make run` and `make test`, and by CI.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential pkg-config git
  # the design card's libraries
  libsecp256k1-dev librocksdb-dev libnng-dev libprotobuf-c-dev protobuf-c-compiler libuv1-dev
  # crypto (SHA-256, RIPEMD-160, ChaCha20-Poly1305, HKDF), JSON, config, HTTP, YAML
  libssl-dev libjansson-dev libinih-dev libcurl4-openssl-dev libyaml-dev
  # tests: Check (unit tests), valgrind, clang + libFuzzer, clang-format
  check libsubunit-dev valgrind clang libclang-rt-14-dev clang-format
  # integration tests: talking to a running node's RPC
  curl jq
)

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
# Node.js and npm run the compatibility tests (clients we did not write:
# CosmJS, protobufjs, @confio/ics23). Debian's packages unless a node exists.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  missing+=(nodejs npm)
fi
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "deps: installing ${missing[*]}"
SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "deps: need root or sudo to install packages" >&2; exit 1; }
  SUDO=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done"
