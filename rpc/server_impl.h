/*
 * server_impl.h — the server's internal structures, shared by server.c and
 * the method handlers (internal to rpc/; not part of the public API).
 */
#ifndef AGORA_RPC_SERVER_IMPL_H
#define AGORA_RPC_SERVER_IMPL_H

#include <jansson.h>
#include <pthread.h>
#include <uv.h>

#include "abci/arena.h"
#include "rpc/backend.h"
#include "rpc/indexer.h"
#include "rpc/jsonrpc.h"
#include "rpc/query.h"
#include "rpc/server.h"

typedef struct rpc_conn rpc_conn;
typedef struct rpc_batch rpc_batch;

typedef struct rpc_call {
    rpc_server *srv;
    rpc_batch *batch;
    size_t slot;
    json_t *id; /* owned reference */
    bool done;
} rpc_call;

struct rpc_batch {
    rpc_conn *conn;
    bool is_array;
    bool uri; /* a URI GET call: an error is answered with HTTP 500, as CometBFT */
    size_t n, pending;
    rpc_call *calls;
    json_t **responses;
};

typedef struct rpc_sub {
    struct rpc_sub *next;
    rpc_query q;
    json_t *id;
} rpc_sub;

/* A broadcast_tx_commit waiting for its tx in a block. */
typedef struct rpc_commit_wait {
    struct rpc_commit_wait *next;
    rpc_call *call;
    crypto_hash hash;
    uint64_t deadline;
    json_t *check_tx;
} rpc_commit_wait;

struct rpc_conn {
    uv_tcp_t tcp;
    rpc_server *srv;
    rpc_conn *prev, *next;
    ag_buf in;
    size_t out_pending; /* bytes written but not yet flushed */
    uint64_t last_activity;
    uint64_t last_ping;
    bool ws;
    bool closing;
    bool keep_alive; /* of the HTTP request being answered */
    bool in_process; /* inside process_http: completions must not re-enter it */
    size_t batches;  /* batches not yet answered (the conn outlives them) */
    ag_buf ws_msg;   /* a fragmented message being assembled */
    uint8_t ws_op;
    rpc_sub *subs;
    size_t n_subs;
};

struct rpc_server {
    rpc_backend be;
    rpc_server_opts opts;
    char laddr[256];
    uv_loop_t loop;
    uv_tcp_t listener;
    uv_async_t wake;
    uv_timer_t tick;
    pthread_t thread;
    int port;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    struct rpc_post *posts, *posts_tail; /* guarded by mu */
    size_t n_posts_blocks;
    uint64_t published, processed; /* guarded by mu */
    size_t submits_out;            /* submit callbacks not yet run (mu) */
    bool stopping;
    rpc_conn *conns;
    size_t n_conns;
    size_t n_subs;
    rpc_indexer *ix;
    abci_arena *arena;
    rpc_commit_wait *waits;
};

/* Finish a call (exactly once): result is stolen. */
void rpc_call_result(rpc_call *call, json_t *result);
void rpc_call_error(rpc_call *call, int code, const char *data);
/* -32603 with the current ag_err detail (or the error's name). */
void rpc_call_fail(rpc_call *call, ag_err e);

/* The connection of a call (NULL for none). */
rpc_conn *rpc_call_conn(rpc_call *call);

/* Hand a tx to the mempool. ASYNC answers at once (after the mempool took
 * it); SYNC when CheckTx answers; COMMIT when the tx is in a block (or the
 * timeout passes). */
typedef enum rpc_submit_mode {
    RPC_SUBMIT_ASYNC,
    RPC_SUBMIT_SYNC,
    RPC_SUBMIT_COMMIT
} rpc_submit_mode;
void rpc_submit(rpc_call *call, const uint8_t *tx, size_t len, rpc_submit_mode mode);

/* CometBFT's page/per_page rules over `total` items: the slice to return.
 * false (and the call answered with an error) for a page out of range. */
bool rpc_paging(rpc_call *c, const rpc_arg *page, const rpc_arg *per_page, size_t total,
                size_t *skip, size_t *count);

/* Monotonic milliseconds of the server loop. */
uint64_t rpc_now(rpc_server *s);

#endif
