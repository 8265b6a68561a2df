#!/usr/bin/env bash
# The SIGKILL test (test_node_crash.sh) with the example kvstore app instead
# of the market: the engine's recovery must not depend on which app it runs.
# Usage: test_node_kvstore_crash.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
AGORA_NODE_APP=kvstore exec bash "$here/test_node_crash.sh" "$@"
