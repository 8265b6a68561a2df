/*
 * runtime.h — a running node: everything `agorad start` opens, wired
 * together on the libuv host.
 *
 *   node_runtime_open   genesis, the node key, the two RocksDB stores
 *                       (data/blockstore.db, data/state.db, synced writes),
 *                       the WAL (data/cs.wal), the signer, the ABCI
 *                       application (app.h), the event loop (host.h), the
 *                       P2P switch on that loop with the gossip reactors
 *                       (p2p/gossip.h) and, if [p2p] pex, the address book
 *                       (config/addrbook.json) and the PEX reactor; then the
 *                       consensus engine, whose io is the reactors' (they
 *                       gossip, then call the host's timers and commit log)
 *   node_runtime_start  the switch (listen on [p2p] laddr, dial every
 *                       persistent peer; our own ID and repeats are skipped),
 *                       then the engine's startup (InitChain or handshake
 *                       and replay, WAL replay, resume), then the RPC server,
 *                       the event feed ([feed], feed/server.h) and the
 *                       /metrics listener ([instrumentation] prometheus)
 *   node_runtime_run    the loop, until SIGINT/SIGTERM or an engine failure
 *   node_runtime_close  clean shutdown: the metrics listener and the feed
 *                       (its threads joined), the RPC, then the switch (the loop
 *                       runs until its handles are closed; every peer gets
 *                       its "removed" line), PEX (saves the book) and the
 *                       reactors freed, then the engine (pending timers
 *                       closed with the loop), WAL synced and closed, stores
 *                       closed, the application closed, the keys wiped
 *
 * The switch logs one line per peer (module "p2p"): "peer ID added
 * (outbound|inbound, IP)" and "peer ID removed: reason".
 *
 * Test hook: AGORA_TEST_KILL_AT=<point>:<height> makes the process SIGKILL
 * itself at that cons_engine_point (consensus/engine.h) at or above that
 * height (the crash test's exact kill points); a malformed value refuses
 * to start.
 *
 * One line is logged per committed block (module "node"):
 *   committed height=H txs=N app_hash=HEX round=R ms=T
 * where app_hash is the application's hash after the block and T the
 * milliseconds since the previous commit (wall time of this process).
 */
#ifndef AGORA_NODE_RUNTIME_H
#define AGORA_NODE_RUNTIME_H

#include "lib/err.h"
#include "node/home.h"

typedef struct node_runtime node_runtime;

/* Open everything (home is copied). AG_ERR_AGAIN when another process holds
 * the stores; the errors of each part, with a detail naming the file.
 * *out: caller frees with node_runtime_close. */
ag_err node_runtime_open(node_runtime **out, const node_home *home);

/* Errors of cons_engine_start (the detail says what the operator can do). */
ag_err node_runtime_start(node_runtime *n);

/* Run until a signal (AG_OK; *signo set) or a failure of the engine or the
 * host (that error). */
ag_err node_runtime_run(node_runtime *n, int *signo);

/* The height being decided. */
int64_t node_runtime_height(const node_runtime *n);

/* Clean shutdown (above). NULL is a no-op. */
void node_runtime_close(node_runtime *n);

#endif
