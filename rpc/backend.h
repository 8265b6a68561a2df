/*
 * backend.h — what the node gives the RPC server.
 *
 * The server never reaches into the node: every method is answered from
 * this table (and the block and state stores it hands out), so the same
 * server runs on a full node and on the test backend of tests/unit/test_rpc.c
 * (a real chain in memory, built with the consensus libraries).
 *
 * Threads: every callback is called on the RPC server's thread, one at a
 * time. They may run concurrently with the node's own threads, so each must
 * be safe against them (the stores allow concurrent loads but not loads
 * during a save: stores_lock/unlock bracket every method that reads them;
 * the mempool is driven by the node's loop, so broadcast_tx hands the tx
 * over to it). submit callbacks may be called from any thread, once.
 *
 * Ownership: the table and ctx are borrowed until rpc_server_free. Outputs
 * are written into the caller's structures; ABCI responses are allocated in
 * the caller's arena.
 */
#ifndef AGORA_RPC_BACKEND_H
#define AGORA_RPC_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abci/arena.h"
#include "abci/types.h"
#include "consensus/block_store.h"
#include "consensus/header.h"
#include "consensus/mempool.h"

/* Declared, not included: consensus/state_store.h and consensus/params.h
 * (under genesis.h) both define CONS_PARAMS_ENCODED_MAX, so no file can
 * include both; C11 allows repeating these typedefs. */
typedef struct cons_state_store cons_state_store;
typedef struct genesis_doc genesis_doc;
typedef struct cons_evidence cons_evidence;

#define RPC_STR_MAX 256

/* DefaultNodeInfo (p2p) as /status and /net_info show it. */
typedef struct rpc_node_info {
    uint64_t p2p_version, block_version, app_version; /* protocol_version */
    char id[41];                                      /* node id: hex of the node key address */
    char listen_addr[RPC_STR_MAX];                    /* p2p listen address */
    char network[CONS_CHAIN_ID_MAX + 1];              /* the chain id */
    char version[64];                                 /* "0.38.x-agora" */
    char channels[64];                                /* hex of the channel ids */
    char moniker[RPC_STR_MAX];
    char tx_index[8];              /* "on" / "off" */
    char rpc_address[RPC_STR_MAX]; /* the RPC listen address */
} rpc_node_info;

/* SyncInfo of /status. */
typedef struct rpc_sync_info {
    cons_hash latest_block_hash;
    cons_app_hash latest_app_hash;
    int64_t latest_block_height;
    cons_timestamp latest_block_time;
    cons_hash earliest_block_hash;
    cons_app_hash earliest_app_hash;
    int64_t earliest_block_height;
    cons_timestamp earliest_block_time;
    bool catching_up;
} rpc_sync_info;

/* ValidatorInfo of /status (this node's validator key; power 0 when not
 * in the set). */
typedef struct rpc_validator_info {
    crypto_address address;
    crypto_pubkey pub_key;
    int64_t voting_power;
} rpc_validator_info;

typedef struct rpc_peer {
    rpc_node_info node_info;
    bool is_outbound;
    char remote_ip[64];
} rpc_peer;

/* The outcome of a tx handed to the mempool: err AG_OK and resp the
 * application's CheckTx answer (code 0 or not, borrowed for the call), or an
 * error before the application answered (full mempool, already known,
 * too large, connection) with resp NULL. Called exactly once. */
typedef void (*rpc_submit_cb)(void *user, ag_err err, const abci_resp_check_tx *resp);

typedef struct rpc_backend_ops {
    void (*node_info)(void *ctx, rpc_node_info *out);
    /* Heights/hashes/times of the latest and earliest stored blocks. */
    ag_err (*sync_info)(void *ctx, rpc_sync_info *out);
    void (*validator_info)(void *ctx, rpc_validator_info *out);
    /* The genesis document (borrowed until rpc_server_free). */
    const genesis_doc *(*genesis)(void *ctx);
    /* The stores (borrowed until rpc_server_free; safe for concurrent loads). */
    cons_block_store *(*block_store)(void *ctx);
    cons_state_store *(*state_store)(void *ctx);
    /* ABCI Info and Query on the query connection; *out in arena. */
    ag_err (*abci_info)(void *ctx, abci_arena *arena, abci_resp_info **out);
    ag_err (*abci_query)(void *ctx, abci_arena *arena, const abci_req_query *req,
                         abci_resp_query **out);
    /* CheckTx without adding to the mempool (the check_tx method). */
    ag_err (*check_tx)(void *ctx, abci_arena *arena, const uint8_t *tx, size_t len,
                       abci_resp_check_tx **out);
    /* Hand tx (copied) to the mempool. AG_OK: cb runs once with the result,
     * possibly before this returns. An error: cb does not run. */
    ag_err (*broadcast_tx)(void *ctx, const uint8_t *tx, size_t len, rpc_submit_cb cb, void *user);
    /* Up to `limit` mempool txs (copies, in FIFO order), with the total
     * count and bytes of the mempool. */
    ag_err (*unconfirmed_txs)(void *ctx, long limit, cons_mempool_txs *out, size_t *total,
                              size_t *total_bytes);
    /* Verify ev (borrowed) against the node's chain and add it to the
     * evidence pool (broadcast_evidence). AG_OK also when it is already
     * pending or committed (CometBFT answers those with the hash too);
     * AG_ERR_VERIFY/AG_ERR_DECODE/AG_ERR_STATE naming the rule it breaks,
     * AG_ERR_AGAIN if the pool is full or the node not started. May be NULL
     * (the method then answers that the node takes no evidence). */
    ag_err (*add_evidence)(void *ctx, const cons_evidence *ev);
    /* Peers (up to cap) and whether the node listens. Empty until P2P. */
    ag_err (*net_info)(void *ctx, rpc_peer *peers, size_t cap, size_t *n, bool *listening);
    /* Held around every method that reads the block or state store, so the
     * node can keep its saves (which may not run concurrently with loads)
     * out of the way; both NULL when the stores need no lock. Not
     * recursive: no other backend callback is called while it is held. */
    void (*stores_lock)(void *ctx);
    void (*stores_unlock)(void *ctx);
} rpc_backend_ops;

typedef struct rpc_backend {
    const rpc_backend_ops *ops;
    void *ctx;
} rpc_backend;

#endif
