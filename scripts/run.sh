#!/usr/bin/env bash
# run.sh — the README's main command (make run): a local validator network
# doing real market work. The network runs today (scripts/localnet.sh); the
# market work needs the RPC served by agorad and the CLI that tenants and
# providers submit through. Until both land this says so, rather than
# starting a network that only commits empty blocks and calling it the demo.
echo "agora: 'make run' will start a local validator network and walk through a market deal"
echo "agora: (offer, order, bids, lease, settlement); that needs the RPC in agorad and the CLI,"
echo "agora: which are not built yet. What runs today:"
echo "agora:   scripts/localnet.sh start ./localnet 4    # 4 validators on 127.0.0.1, market app"
echo "agora:   scripts/localnet.sh status ./localnet     # last committed height of each node"
echo "agora:   scripts/localnet.sh stop ./localnet"
exit 1
