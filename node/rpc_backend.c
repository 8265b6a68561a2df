/* rpc_backend.c — the RPC server's backend in a running node (locking model in the header). */
#include "node/host.h"
#include "node/rpc_backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "consensus/evidence.h"
#include "consensus/privval.h"
#include "lib/log.h"
#include "p2p/gossip.h"
#include "p2p/peer.h"

#define LOG                 "rpc"
#define RPC_VERSION         "0.38.x-agora"
#define BROADCAST_QUEUE_MAX 10000 /* txs waiting for the loop */
#define BROADCAST_BATCH_MAX 256   /* CheckTx calls per loop iteration */

typedef struct pending_tx {
    struct pending_tx *next;
    rpc_submit_cb cb;
    void *user;
    node_metrics *metrics; /* CheckTx timing; NULL: none */
    uint64_t submit_ns;    /* monotonic time of the submission */
    size_t len;
    uint8_t tx[]; /* copied */
} pending_tx;

struct node_rpc {
    node_rpc_args a;
    char node_id[NODE_ID_LEN + 1];
    pthread_mutex_t mu;  /* the node mutex */
    pthread_mutex_t qmu; /* the broadcast queue */
    pending_tx *head, *tail;
    size_t queued;
    bool closed; /* under qmu: no more broadcasts */
    bool async_open;
    uv_async_t async;
};

/* ---- broadcast: RPC thread -> loop ---- */

static void on_checked(void *user, ag_err result, uint32_t code)
{
    pending_tx *p = user;
    if (p->metrics) {
        double secs = (double)(ag_env_mono_ns(ag_env_system()) - p->submit_ns) / 1e9;
        pthread_mutex_lock(&p->metrics->mu);
        node_histogram_observe(&p->metrics->v.check_tx, secs);
        pthread_mutex_unlock(&p->metrics->mu);
    }
    if (result == AG_OK || result == AG_ERR_VERIFY) {
        abci_resp_check_tx r = TENDERMINT__ABCI__RESPONSE_CHECK_TX__INIT;
        r.code = code;
        p->cb(p->user, AG_OK, &r);
    } else {
        p->cb(p->user, result, NULL);
    }
    free(p);
}

static pending_tx *take_all(node_rpc *r)
{
    pthread_mutex_lock(&r->qmu);
    pending_tx *p = r->head;
    r->head = r->tail = NULL;
    r->queued = 0;
    pthread_mutex_unlock(&r->qmu);
    return p;
}

/* Put the unprocessed rest of a taken list back in front of the queue. */
static void put_back(node_rpc *r, pending_tx *rest)
{
    size_t n = 0;
    pending_tx *last = rest;
    for (; last->next; last = last->next)
        n++;
    pthread_mutex_lock(&r->qmu);
    last->next = r->head;
    if (!r->head)
        r->tail = last;
    r->head = rest;
    r->queued += n + 1;
    uv_async_send(&r->async);
    pthread_mutex_unlock(&r->qmu);
}

/* Loop thread, node mutex held by the host. At most BROADCAST_BATCH_MAX
 * txs per call: under a flood, CheckTx must not hold the loop for long
 * stretches while proposals and votes wait (the rest runs on the next
 * iteration, after the loop has seen its timers and sockets). */
static void on_async(uv_async_t *a)
{
    node_rpc *r = a->data;
    bool submitted = false;
    size_t done = 0;
    for (pending_tx *p = take_all(r), *next; p; p = next) {
        if (done++ == BROADCAST_BATCH_MAX) {
            put_back(r, p);
            break;
        }
        next = p->next;
        ag_err_clear();
        p->metrics = r->a.metrics;
        p->submit_ns = ag_env_mono_ns(ag_env_system());
        ag_err e = cons_engine_submit_tx(r->a.engine, p->tx, p->len, on_checked, p);
        if (e == AG_OK) {
            submitted = true;
            continue;
        }
        if (e == AG_ERR_EXISTS)
            e = ag_err_set(AG_ERR_EXISTS, "tx already exists in cache");
        p->cb(p->user, e, NULL);
        free(p);
    }
    /* A socket application answers CheckTx only at a flush. */
    if (submitted && cons_mempool_flush_app_conn(cons_engine_mempool(r->a.engine)) != AG_OK)
        ag_log_warn(LOG, "mempool connection flush: %s", ag_err_detail());
}

static ag_err be_broadcast_tx(void *ctx, const uint8_t *tx, size_t len, rpc_submit_cb cb,
                              void *user)
{
    node_rpc *r = ctx;
    /* Off the loop: a signature checked here is a cache hit in CheckTx. */
    if (r->a.preverify && len)
        r->a.preverify(r->a.preverify_ctx, tx, len);
    pending_tx *p = malloc(sizeof *p + (len ? len : 1));
    if (!p)
        return ag_err_set(AG_ERR_NOMEM, "broadcast_tx");
    p->next = NULL;
    p->cb = cb;
    p->user = user;
    p->len = len;
    if (len)
        memcpy(p->tx, tx, len);
    pthread_mutex_lock(&r->qmu);
    ag_err e = AG_OK;
    if (r->closed)
        e = ag_err_set(AG_ERR_CLOSED, "the node is shutting down");
    else if (r->queued >= BROADCAST_QUEUE_MAX)
        e = ag_err_set(AG_ERR_AGAIN, "mempool is full: %d txs wait for the node's loop",
                       BROADCAST_QUEUE_MAX);
    if (e == AG_OK) {
        if (r->tail)
            r->tail->next = p;
        else
            r->head = p;
        r->tail = p;
        r->queued++;
        uv_async_send(&r->async);
    }
    pthread_mutex_unlock(&r->qmu);
    if (e)
        free(p);
    return e;
}

/* ---- reads under the node mutex ---- */

static void be_lock(void *ctx)
{
    node_host_lock_other(&((node_rpc *)ctx)->mu);
}

static void be_unlock(void *ctx)
{
    pthread_mutex_unlock(&((node_rpc *)ctx)->mu);
}

static void channels_hex(char *out, size_t cap, bool pex)
{
    static const uint8_t ch[] = {
        P2P_CH_BLOCKSYNC,      P2P_CH_CONS_STATE, P2P_CH_CONS_DATA, P2P_CH_CONS_VOTE,
        P2P_CH_CONS_VOTE_BITS, P2P_CH_MEMPOOL,    P2P_CH_EVIDENCE,  P2P_CH_PEX};
    size_t n = sizeof ch - (pex ? 0 : 1), used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && used + 3 <= cap; i++)
        used += (size_t)snprintf(out + used, cap - used, "%02x", ch[i]);
}

static void be_node_info(void *ctx, rpc_node_info *o)
{
    node_rpc *r = ctx;
    const node_config *cfg = &r->a.home->cfg;
    memset(o, 0, sizeof *o);
    o->p2p_version = 8; /* CometBFT v0.38's P2PProtocol */
    o->block_version = CONS_BLOCK_PROTOCOL;
    node_host_lock_other(&r->mu);
    o->app_version = cons_engine_state(r->a.engine)->version.app;
    pthread_mutex_unlock(&r->mu);
    snprintf(o->id, sizeof o->id, "%s", r->node_id);
    snprintf(o->listen_addr, sizeof o->listen_addr, "%s", cfg->p2p_laddr);
    snprintf(o->network, sizeof o->network, "%s", r->a.genesis->chain_id);
    snprintf(o->version, sizeof o->version, "%s", RPC_VERSION);
    channels_hex(o->channels, sizeof o->channels, cfg->p2p_pex);
    snprintf(o->moniker, sizeof o->moniker, "%s", cfg->moniker);
    snprintf(o->tx_index, sizeof o->tx_index, "on");
    snprintf(o->rpc_address, sizeof o->rpc_address, "%s", cfg->rpc_laddr);
}

static ag_err be_sync_info(void *ctx, rpc_sync_info *o)
{
    node_rpc *r = ctx;
    memset(o, 0, sizeof *o);
    ag_err e = AG_OK;
    node_host_lock_other(&r->mu);
    int64_t base = cons_block_store_base(r->a.blocks), h = cons_block_store_height(r->a.blocks);
    if (h > 0) {
        cons_block_meta m;
        e = cons_block_store_load_meta(r->a.blocks, h, &m);
        if (!e) {
            o->latest_block_height = h;
            o->latest_block_hash = m.block_id.hash;
            o->latest_block_time = m.header.time;
            o->latest_app_hash = m.header.app_hash; /* as CometBFT: the latest header's */
            e = cons_block_store_load_meta(r->a.blocks, base, &m);
        }
        if (!e) {
            o->earliest_block_height = base;
            o->earliest_block_hash = m.block_id.hash;
            o->earliest_block_time = m.header.time;
            o->earliest_app_hash = m.header.app_hash;
        }
    }
    o->catching_up = r->a.gossip && p2p_gossip_syncing(r->a.gossip); /* block sync */
    pthread_mutex_unlock(&r->mu);
    return e;
}

static void be_validator_info(void *ctx, rpc_validator_info *o)
{
    node_rpc *r = ctx;
    memset(o, 0, sizeof *o);
    if (!r->a.signer)
        return;
    o->address = *cons_privval_address(r->a.signer);
    o->pub_key = *cons_privval_pubkey(r->a.signer);
    node_host_lock_other(&r->mu);
    const cons_valset *vs = &cons_engine_state(r->a.engine)->validators;
    long i = cons_valset_index_of(vs, &o->address);
    if (i >= 0)
        o->voting_power = vs->vals[i].voting_power;
    pthread_mutex_unlock(&r->mu);
}

static const genesis_doc *be_genesis(void *ctx)
{
    return ((node_rpc *)ctx)->a.genesis;
}

static cons_block_store *be_block_store(void *ctx)
{
    return ((node_rpc *)ctx)->a.blocks;
}

static cons_state_store *be_state_store(void *ctx)
{
    return ((node_rpc *)ctx)->a.states;
}

static ag_err be_unconfirmed(void *ctx, long limit, cons_mempool_txs *out, size_t *total,
                             size_t *bytes)
{
    node_rpc *r = ctx;
    node_host_lock_other(&r->mu);
    cons_mempool *mp = cons_engine_mempool(r->a.engine);
    ag_err e = cons_mempool_reap_max_txs(mp, limit, out);
    *total = cons_mempool_size(mp);
    *bytes = cons_mempool_bytes(mp);
    pthread_mutex_unlock(&r->mu);
    return e;
}

/* broadcast_evidence: the pool belongs to the loop thread, so it is touched
 * only under the node mutex (the loop is then waiting, not committing). */
static ag_err be_add_evidence(void *ctx, const cons_evidence *ev)
{
    node_rpc *r = ctx;
    node_host_lock_other(&r->mu);
    cons_evpool *p = cons_engine_evpool(r->a.engine);
    ag_err e = p ? cons_evpool_add(p, ev)
                 : ag_err_set(AG_ERR_AGAIN, "the node has not started consensus yet");
    pthread_mutex_unlock(&r->mu);
    if (e == AG_ERR_EXISTS)
        e = AG_OK; /* already pending or committed: CometBFT answers with the hash */
    if (e == AG_OK)
        ag_log_info(LOG, "evidence at height %lld accepted from RPC",
                    (long long)cons_evidence_height(ev));
    return e;
}

/* Copy a string, cut to fit. */
static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void peer_info(rpc_node_info *o, const p2p_node_info *in)
{
    memset(o, 0, sizeof *o);
    o->p2p_version = 8;
    o->block_version = CONS_BLOCK_PROTOCOL;
    copy_str(o->id, sizeof o->id, in->id);
    copy_str(o->listen_addr, sizeof o->listen_addr, in->listen_addr);
    copy_str(o->network, sizeof o->network, in->network);
    copy_str(o->version, sizeof o->version, in->version);
    copy_str(o->moniker, sizeof o->moniker, in->moniker);
    size_t used = 0;
    for (size_t i = 0; i < in->n_channels && used + 3 <= sizeof o->channels; i++)
        used += (size_t)snprintf(o->channels + used, sizeof o->channels - used, "%02x",
                                 in->channels[i]);
    snprintf(o->tx_index, sizeof o->tx_index, "on");
}

static ag_err be_net_info(void *ctx, rpc_peer *peers, size_t cap, size_t *n, bool *listening)
{
    node_rpc *r = ctx;
    *n = 0;
    *listening = false;
    p2p_peer **list = calloc(cap ? cap : 1, sizeof *list);
    if (!list)
        return ag_err_set(AG_ERR_NOMEM, "net_info");
    node_host_lock_other(&r->mu);
    if (r->a.sw) {
        *listening = p2p_switch_listen_addr(r->a.sw) != NULL;
        size_t k = p2p_switch_peers(r->a.sw, list, cap);
        for (size_t i = 0; i < k; i++) {
            peer_info(&peers[i].node_info, p2p_peer_info(list[i]));
            peers[i].is_outbound = p2p_peer_is_outbound(list[i]);
            const char *ip = p2p_peer_remote_ip(list[i]);
            snprintf(peers[i].remote_ip, sizeof peers[i].remote_ip, "%s", ip ? ip : "");
        }
        *n = k;
    }
    pthread_mutex_unlock(&r->mu);
    free(list);
    return AG_OK;
}

/* ---- the query connection (RPC thread only) ---- */

static ag_err be_abci_info(void *ctx, abci_arena *arena, abci_resp_info **out)
{
    node_rpc *r = ctx;
    abci_req_info req = TENDERMINT__ABCI__REQUEST_INFO__INIT;
    req.version = abci_str("0.38.17");
    req.block_version = CONS_BLOCK_PROTOCOL;
    req.p2p_version = 8;
    req.abci_version = abci_str("2.0.0");
    return abci_client_info(r->a.query_conn, arena, &req, out);
}

static ag_err be_abci_query(void *ctx, abci_arena *arena, const abci_req_query *req,
                            abci_resp_query **out)
{
    return abci_client_query(((node_rpc *)ctx)->a.query_conn, arena, req, out);
}

static ag_err be_check_tx(void *ctx, abci_arena *arena, const uint8_t *tx, size_t len,
                          abci_resp_check_tx **out)
{
    abci_req_check_tx req = TENDERMINT__ABCI__REQUEST_CHECK_TX__INIT;
    req.tx = (ProtobufCBinaryData){len, (uint8_t *)(uintptr_t)tx};
    return abci_client_check_tx(((node_rpc *)ctx)->a.query_conn, arena, &req, out);
}

static const rpc_backend_ops OPS = {
    .node_info = be_node_info,
    .sync_info = be_sync_info,
    .validator_info = be_validator_info,
    .genesis = be_genesis,
    .block_store = be_block_store,
    .state_store = be_state_store,
    .abci_info = be_abci_info,
    .abci_query = be_abci_query,
    .check_tx = be_check_tx,
    .broadcast_tx = be_broadcast_tx,
    .add_evidence = be_add_evidence,
    .unconfirmed_txs = be_unconfirmed,
    .net_info = be_net_info,
    .stores_lock = be_lock,
    .stores_unlock = be_unlock,
};

/* ---- lifecycle ---- */

ag_err node_rpc_new(node_rpc **out, const node_rpc_args *args)
{
    *out = NULL;
    node_rpc *r = calloc(1, sizeof *r);
    if (!r)
        return ag_err_set(AG_ERR_NOMEM, "rpc backend");
    r->a = *args;
    snprintf(r->node_id, sizeof r->node_id, "%s", args->node_id);
    pthread_mutex_init(&r->mu, NULL);
    pthread_mutex_init(&r->qmu, NULL);
    int rc = uv_async_init(args->loop, &r->async, on_async);
    if (rc) {
        node_rpc_free(r);
        return ag_err_from_uv(rc, "uv_async_init");
    }
    r->async.data = r;
    r->async_open = true;
    *out = r;
    return AG_OK;
}

pthread_mutex_t *node_rpc_mutex(node_rpc *r)
{
    return &r->mu;
}

rpc_backend node_rpc_backend(node_rpc *r)
{
    return (rpc_backend){&OPS, r};
}

void node_rpc_close(node_rpc *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->qmu);
    r->closed = true;
    pthread_mutex_unlock(&r->qmu);
    for (pending_tx *p = take_all(r), *next; p; p = next) {
        next = p->next;
        p->cb(p->user, ag_err_set(AG_ERR_CLOSED, "the node is shutting down"), NULL);
        free(p);
    }
    node_host_lock_other(&r->mu); /* the RPC thread may still read the mempool */
    if (cons_mempool_flush_app_conn(cons_engine_mempool(r->a.engine)) != AG_OK)
        ag_log_warn(LOG, "mempool connection flush at shutdown: %s", ag_err_detail());
    r->a.sw = NULL;
    r->a.gossip = NULL;
    pthread_mutex_unlock(&r->mu);
    if (r->async_open) {
        uv_close((uv_handle_t *)&r->async, NULL);
        r->async_open = false;
    }
}

void node_rpc_free(node_rpc *r)
{
    if (!r)
        return;
    pthread_mutex_destroy(&r->qmu);
    pthread_mutex_destroy(&r->mu);
    free(r);
}
