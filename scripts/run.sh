#!/usr/bin/env bash
# run.sh — the README's main command (make run). It will build a local
# validator network and walk through a market deal; the node does not exist yet.
echo "agora: the node (agorad) is not built yet."
echo "agora: this foundation provides the build, tests, crypto and encoding libraries;"
echo "agora: 'make run' starts a local network once the node lands (see README, Status)."
exit 1
