/*
 * server.h — the CometBFT v0.38-compatible RPC server: JSON-RPC 2.0 over
 * HTTP POST (single and batch), URI GET (/status, /block?height=5) and
 * WebSocket (/websocket, with subscriptions), answered from an rpc_backend.
 *
 * The server runs its own thread with a libuv loop; every backend callback
 * and the indexer run there. The node calls rpc_server_publish_block from
 * its consensus thread for every committed block: the server copies the
 * block and its FinalizeBlock response, then (on its thread) indexes them,
 * sends NewBlock / NewBlockHeader / NewBlockEvents / Tx events to matching
 * subscriptions and answers broadcast_tx_commit calls waiting for its txs.
 *
 * Limits (rpc/limits.h and the options): request head and body size, open
 * connections, subscriptions per client and in total, pending output per
 * client (a slow reader is disconnected, never buffered without bound),
 * idle/partial request timeout, websocket message size.
 */
#ifndef AGORA_RPC_SERVER_H
#define AGORA_RPC_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "abci/types.h"
#include "consensus/block.h"
#include "rpc/backend.h"
#include "state/kv.h"

typedef struct rpc_server rpc_server;

typedef struct rpc_server_opts {
    const char *laddr;             /* "tcp://host:port" or "host:port"; port 0 picks one */
    size_t max_body_bytes;         /* request body and websocket message cap */
    uint32_t max_open_connections; /* further connections are closed at once */
    uint32_t max_subscriptions_per_client;
    uint32_t timeout_broadcast_tx_commit_ms;
    uint32_t request_timeout_ms; /* idle or partial HTTP request; 0: RPC_REQUEST_TIMEOUT_MS */
    state_kv *index_kv; /* the indexer's store (borrowed until rpc_server_free); NULL: off */
} rpc_server_opts;

/* CometBFT's defaults (tcp://127.0.0.1:26657, 1 MB bodies, 900 connections,
 * 5 subscriptions per client, 10 s broadcast_tx_commit), no indexer. */
void rpc_server_opts_default(rpc_server_opts *opts);

/* The [rpc] section of config.toml (node/config.h) over the defaults; laddr
 * is borrowed from cfg. Zero values keep the defaults. */
struct node_config;
void rpc_server_opts_from_config(rpc_server_opts *opts, const struct node_config *cfg);

/* Bind, then start the server thread. backend (table and ctx) is borrowed
 * until rpc_server_free. AG_ERR_ADDR_IN_USE and the other bind errors;
 * AG_ERR_DECODE for a bad laddr. *out: caller frees with rpc_server_free. */
ag_err rpc_server_start(rpc_server **out, const rpc_backend *backend, const rpc_server_opts *opts);

/* The bound TCP port (useful after port 0). */
int rpc_server_port(const rpc_server *s);

/* A committed block and its FinalizeBlock response (one tx result per tx).
 * Any thread; both are copied (encoded) before this returns. AG_ERR_AGAIN
 * when RPC_PUBLISH_QUEUE_MAX blocks wait already (the server is far behind;
 * the caller may retry or drop). */
ag_err rpc_server_publish_block(rpc_server *s, const cons_block *block,
                                const abci_resp_finalize_block *resp);

/* Wait until every block published before this call has been indexed and
 * its events sent (tests; a clean shutdown). */
void rpc_server_sync(rpc_server *s);

/* Stop the thread, close every connection, free. Backend submit callbacks
 * must have run (flush the mempool before). NULL is a no-op. */
void rpc_server_free(rpc_server *s);

#endif
