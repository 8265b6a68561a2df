/*
 * rpc_backend.h — the node's side of the RPC server (rpc/backend.h): the
 * rpc_backend_ops of a running node, answered from its engine, stores,
 * mempool, ABCI query connection and P2P switch.
 *
 * Locking model. The RPC server runs its own thread; the engine, the
 * mempool, the stores' writers and the switch run on the node's loop thread.
 * One node mutex (node_rpc_mutex) is held by the loop thread whenever it runs
 * callbacks (node_host_set_lock: it is released only while the loop waits for
 * events), so every engine call, P2P event and store save happens under it.
 * The backend takes the same mutex for everything that reads loop-owned
 * state: stores_lock/unlock (around every method that reads the block or
 * state store), sync_info, validator_info, node_info, unconfirmed_txs and
 * net_info. While the RPC thread holds it the loop is paused, so methods
 * keep it short (they do). ABCI Info/Query/CheckTx use the query connection,
 * which only the RPC thread uses (builtin apps serialize the four
 * connections with their own mutex), so they do not take the node mutex.
 * Lock order: node mutex, then the server's and the application's.
 *
 * broadcast_tx copies the tx into a queue (its own small mutex) and wakes the
 * loop (uv_async); the loop calls cons_engine_submit_tx and answers from the
 * mempool's CheckTx callback (code only: the mempool keeps no log/data).
 */
#ifndef AGORA_NODE_RPC_BACKEND_H
#define AGORA_NODE_RPC_BACKEND_H

#include <pthread.h>

#include "consensus/engine.h"
#include "node/home.h"
#include "node/metrics.h"
#include "p2p/gossip.h"
#include "p2p/switch.h"
#include "rpc/backend.h"

typedef struct node_rpc node_rpc;

typedef struct node_rpc_args {
    const node_home *home;      /* borrowed until node_rpc_free */
    const genesis_doc *genesis; /* borrowed until node_rpc_free */
    cons_engine *engine;        /* borrowed until node_rpc_free */
    cons_block_store *blocks;   /* borrowed until node_rpc_free */
    cons_state_store *states;   /* borrowed until node_rpc_free */
    const cons_privval *signer; /* borrowed until node_rpc_free */
    abci_client *query_conn;    /* borrowed until node_rpc_free */
    p2p_switch *sw;             /* borrowed until node_rpc_close */
    const p2p_gossip *gossip;   /* borrowed until node_rpc_close: catching_up */
    struct uv_loop_s *loop;     /* the node's loop (the uv_async lives there) */
    const char *node_id;        /* copied */
    node_metrics *metrics;      /* borrowed until node_rpc_free: CheckTx timing; NULL: none */
    /* Called on the RPC thread with each broadcast tx before it is queued
     * for CheckTx (the application's signature pre-verification); thread
     * safe; NULL: none. */
    void (*preverify)(void *ctx, const uint8_t *tx, size_t len);
    void *preverify_ctx;
} node_rpc_args;

/* The backend context and its loop handle (call on the loop thread, before
 * the loop takes the mutex). AG_ERR_NOMEM, libuv errors. *out: caller frees
 * with node_rpc_close then node_rpc_free. */
ag_err node_rpc_new(node_rpc **out, const node_rpc_args *args);

/* The node mutex: pass it to node_host_set_lock. Borrowed until node_rpc_free. */
pthread_mutex_t *node_rpc_mutex(node_rpc *r);

/* The backend table (ctx = r), for rpc_server_start. */
rpc_backend node_rpc_backend(node_rpc *r);

/* Refuse further broadcasts, answer queued ones with AG_ERR_CLOSED, flush
 * the mempool connection (so pending CheckTx callbacks run) and close the
 * uv_async (the loop must run until it is closed: node_host_run_once or
 * node_host_free). Loop thread, mutex not held; before rpc_server_free. */
void node_rpc_close(node_rpc *r);

/* Free (after the loop closed the handle: after node_host_free). NULL: no-op. */
void node_rpc_free(node_rpc *r);

#endif
