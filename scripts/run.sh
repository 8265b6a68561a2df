#!/usr/bin/env bash
# run.sh — the README's main command (make run): a local validator network
# doing real market work. The network needs the P2P gossip wiring and the RPC
# that tenants and providers submit through; until both land in agorad, this
# says so and points at what runs today, rather than pretending.
echo "agora: 'make run' will start a local validator network and walk through a market deal;"
echo "agora: it needs the P2P gossip wiring and the RPC in agorad, which are not built yet."
echo "agora: what runs today is a single validator with the market app:"
echo "agora:   build/default/bin/agorad init --home /tmp/agora --fast"
echo "agora:   build/default/bin/agorad start --home /tmp/agora"
exit 1
