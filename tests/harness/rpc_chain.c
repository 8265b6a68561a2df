/* A real in-memory chain implementing rpc_backend (rpc_chain.h). */
#include "tests/harness/rpc_chain.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abci/client.h"
#include "abci/kvstore.h"
#include "consensus/mempool.h"
#include "consensus/state_store.h"
#include "consensus/vote.h"
#include "lib/rng.h"

struct tchain {
    pthread_mutex_t mu;
    pthread_mutex_t app_mu;
    abci_kvstore *app;
    abci_client *cons, *mem, *query;
    abci_arena *arena;
    cons_mempool *mp;
    state_kv *bkv, *skv, *ikv;
    cons_block_store *bs;
    cons_state_store *ss;
    crypto_privkey key;
    crypto_pubkey pub;
    crypto_address addr;
    cons_state st;
    cons_commit last_commit;
    rpc_server *srv;
    int64_t genesis_time;
    /* genesis doc (in the genesis.h sense): built on demand */
    void *genesis;
};

/* genesis.h cannot be included next to state_store.h (both define
 * CONS_PARAMS_ENCODED_MAX): the genesis doc lives in rpc_chain_genesis.c. */
void *tchain_genesis_new(const char *chain_id, int64_t time, const crypto_pubkey *pub);
void tchain_genesis_free(void *g);
void tchain_params(uint8_t *out, size_t cap, size_t *len, crypto_hash *hash);

static ag_err sign_commit(tchain *c, cons_commit *out, int64_t h, const cons_block_id *id)
{
    ag_err e = cons_commit_alloc(out, 1);
    if (e)
        return e;
    cons_vote v;
    memset(&v, 0, sizeof v);
    v.type = CONS_MSG_PRECOMMIT;
    v.height = h;
    v.round = 0;
    v.block_id = *id;
    v.timestamp = (cons_timestamp){c->genesis_time + h, 500000000};
    v.validator_index = 0;
    e = cons_vote_sign(&v, TCHAIN_ID, &c->key, false);
    if (e)
        return e;
    out->height = h;
    out->round = 0;
    out->block_id = *id;
    out->sigs[0].flag = CONS_BLOCK_ID_FLAG_COMMIT;
    out->sigs[0].has_address = true;
    out->sigs[0].validator_address = v.validator_address;
    out->sigs[0].timestamp = v.timestamp;
    out->sigs[0].signature = v.signature;
    cons_vote_clear(&v);
    return AG_OK;
}

ag_err tchain_new(tchain **out, uint64_t seed)
{
    *out = NULL;
    tchain *c = calloc(1, sizeof *c);
    if (!c)
        return AG_ERR_NOMEM;
    pthread_mutex_init(&c->mu, NULL);
    pthread_mutex_init(&c->app_mu, NULL);
    ag_rng rng;
    ag_rng_seed(&rng, seed);
    uint8_t kb[32];
    do
        ag_rng_fill(&rng, kb, 32);
    while (crypto_privkey_from_bytes(&c->key, kb, 32) != AG_OK);
    crypto_pubkey_from_privkey(&c->pub, &c->key);
    crypto_address_from_pubkey(&c->addr, &c->pub);
    c->genesis_time = 1767225600; /* 2026-01-01T00:00:00Z */
    ag_err e = abci_kvstore_new(&c->app, NULL);
    abci_app app = abci_kvstore_app(c->app);
    if (!e)
        e = abci_local_new(&c->cons, &app, &c->app_mu);
    if (!e)
        e = abci_local_new(&c->mem, &app, &c->app_mu);
    if (!e)
        e = abci_local_new(&c->query, &app, &c->app_mu);
    if (!e)
        e = abci_arena_new(&c->arena, 0);
    cons_mempool_opts mo;
    cons_mempool_opts_default(&mo);
    if (!e)
        e = cons_mempool_new(&c->mp, c->mem, &mo);
    if (!e)
        e = state_kv_open_memory(&c->bkv);
    if (!e)
        e = state_kv_open_memory(&c->skv);
    if (!e)
        e = state_kv_open_memory(&c->ikv);
    if (!e)
        e = cons_block_store_open(&c->bs, c->bkv, NULL);
    if (!e)
        e = cons_state_store_open(&c->ss, c->skv, false);
    c->genesis = tchain_genesis_new(TCHAIN_ID, c->genesis_time, &c->pub);
    if (!e && !c->genesis)
        e = AG_ERR_NOMEM;
    /* InitChain and the genesis state */
    if (!e) {
        abci_req_init_chain req = TENDERMINT__ABCI__REQUEST_INIT_CHAIN__INIT;
        Google__Protobuf__Timestamp t = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
        t.seconds = c->genesis_time;
        req.time = &t;
        req.chain_id = abci_str(TCHAIN_ID);
        req.initial_height = 1;
        abci_resp_init_chain *r;
        e = abci_client_init_chain(c->cons, c->arena, &req, &r);
        if (!e && r->app_hash.len <= CONS_APP_HASH_MAX) {
            c->st.app_hash.len = (uint8_t)r->app_hash.len;
            memcpy(c->st.app_hash.b, r->app_hash.data, r->app_hash.len);
        }
        abci_arena_reset(c->arena);
    }
    if (!e) {
        cons_state *st = &c->st;
        st->version.block = CONS_BLOCK_PROTOCOL;
        st->version.app = ABCI_KV_APP_VERSION;
        strcpy(st->software, "0.38.17-agora");
        strcpy(st->chain_id, TCHAIN_ID);
        st->initial_height = 1;
        st->last_block_time = (cons_timestamp){c->genesis_time, 0};
        cons_validator v;
        cons_validator_init(&v, &c->pub, 10);
        e = cons_valset_new(&st->validators, &v, 1);
        if (!e)
            e = cons_valset_copy(&st->next_validators, &st->validators);
        if (!e)
            e = cons_valset_increment(&st->next_validators, 1);
        st->last_height_validators_changed = 1;
        uint8_t p[512];
        size_t pl;
        crypto_hash ph;
        tchain_params(p, sizeof p, &pl, &ph);
        if (!e)
            e = cons_state_set_params(st, p, pl);
        st->last_height_consensus_params_changed = 1;
        /* the genesis state, as CometBFT saves it before the first block */
        if (!e)
            e = cons_state_store_save(c->ss, st);
    }
    if (e) {
        tchain_free(c);
        return e;
    }
    *out = c;
    return AG_OK;
}

void tchain_free(tchain *c)
{
    if (!c)
        return;
    cons_mempool_free(c->mp);
    abci_client_free(c->cons);
    abci_client_free(c->mem);
    abci_client_free(c->query);
    abci_arena_free(c->arena);
    abci_kvstore_free(c->app);
    cons_block_store_close(c->bs);
    cons_state_store_close(c->ss);
    state_kv_close(c->bkv);
    state_kv_close(c->skv);
    state_kv_close(c->ikv);
    cons_state_clear(&c->st);
    cons_commit_clear(&c->last_commit);
    tchain_genesis_free(c->genesis);
    pthread_mutex_destroy(&c->mu);
    pthread_mutex_destroy(&c->app_mu);
    free(c);
}

void tchain_set_server(tchain *c, rpc_server *s)
{
    pthread_mutex_lock(&c->mu);
    c->srv = s;
    pthread_mutex_unlock(&c->mu);
}

static ag_err add_block(tchain *c, const ag_slice *txs, size_t n)
{
    cons_state *st = &c->st;
    int64_t h = st->last_block_height + 1;
    cons_header hd;
    memset(&hd, 0, sizeof hd);
    hd.version = st->version;
    strcpy(hd.chain_id, TCHAIN_ID);
    hd.height = h;
    hd.time = (cons_timestamp){c->genesis_time + h, 0};
    hd.last_block_id = st->last_block_id;
    crypto_hash vh, nh, ph;
    cons_valset_hash(&vh, &st->validators);
    cons_valset_hash(&nh, &st->next_validators);
    uint8_t p[512];
    size_t pl;
    tchain_params(p, sizeof p, &pl, &ph);
    cons_hash_set(&hd.validators_hash, vh.b);
    cons_hash_set(&hd.next_validators_hash, nh.b);
    cons_hash_set(&hd.consensus_hash, ph.b);
    hd.app_hash = st->app_hash;
    hd.last_results_hash = st->last_results_hash;
    hd.proposer_address = c->addr;
    cons_block b = {0};
    ag_err e = cons_block_make(&b, &hd, txs, n, NULL, 0, &c->last_commit);
    if (e)
        return e;
    cons_part_set ps;
    e = cons_block_make_part_set(&ps, &b);
    if (e) {
        cons_block_clear(&b);
        return e;
    }
    cons_block_id id;
    e = cons_block_id_make(&id, &b, &ps);
    /* FinalizeBlock and Commit */
    abci_req_finalize_block req = TENDERMINT__ABCI__REQUEST_FINALIZE_BLOCK__INIT;
    ProtobufCBinaryData *bin = calloc(n ? n : 1, sizeof *bin);
    for (size_t i = 0; bin && i < n; i++)
        bin[i] = (ProtobufCBinaryData){b.txs[i].len, (uint8_t *)(uintptr_t)b.txs[i].ptr};
    Google__Protobuf__Timestamp t = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    t.seconds = hd.time.seconds;
    req.txs = bin;
    req.n_txs = n;
    req.height = h;
    req.time = &t;
    req.hash = (ProtobufCBinaryData){32, id.hash.b};
    req.proposer_address = (ProtobufCBinaryData){CRYPTO_ADDRESS_LEN, c->addr.b};
    abci_resp_finalize_block *fr = NULL;
    if (!e && !bin)
        e = AG_ERR_NOMEM;
    if (!e)
        e = abci_client_finalize_block(c->cons, c->arena, &req, &fr);
    ag_buf enc;
    ag_buf_init(&enc, 0);
    if (!e) {
        size_t sz = protobuf_c_message_get_packed_size(&fr->base);
        e = ag_buf_reserve(&enc, sz);
        if (!e)
            enc.len = protobuf_c_message_pack(&fr->base, enc.data);
    }
    if (!e)
        e = cons_state_store_save_finalize_response(c->ss, h, enc.data, enc.len);
    abci_req_commit creq = TENDERMINT__ABCI__REQUEST_COMMIT__INIT;
    abci_resp_commit *cr;
    abci_arena *carena = NULL;
    if (!e)
        e = abci_arena_new(&carena, 0);
    if (!e)
        e = abci_client_commit(c->cons, carena, &creq, &cr);
    abci_arena_free(carena);
    cons_commit seen = {0};
    if (!e)
        e = sign_commit(c, &seen, h, &id);
    if (!e)
        e = cons_block_store_save(c->bs, &b.header, &ps, (int64_t)n, h > 1 ? &c->last_commit : NULL,
                                  &seen);
    if (!e) {
        /* the state after block h */
        cons_valset_free(&st->last_validators);
        st->last_validators = st->validators;
        st->validators = st->next_validators;
        memset(&st->next_validators, 0, sizeof st->next_validators);
        e = cons_valset_copy(&st->next_validators, &st->validators);
        if (!e)
            e = cons_valset_increment(&st->next_validators, 1);
        st->last_block_height = h;
        st->last_block_id = id;
        st->last_block_time = hd.time;
        if (fr->app_hash.len <= CONS_APP_HASH_MAX) {
            st->app_hash.len = (uint8_t)fr->app_hash.len;
            memcpy(st->app_hash.b, fr->app_hash.data, fr->app_hash.len);
        }
        if (!e)
            e = cons_state_store_save(c->ss, st);
    }
    if (!e) {
        uint32_t *codes = calloc(n ? n : 1, sizeof *codes);
        for (size_t i = 0; codes && i < n; i++)
            codes[i] = fr->tx_results[i]->code;
        e = codes ? cons_mempool_update(c->mp, h, b.txs, codes, n) : AG_ERR_NOMEM;
        free(codes);
    }
    if (!e && c->srv)
        e = rpc_server_publish_block(c->srv, &b, fr);
    if (!e) {
        cons_commit_clear(&c->last_commit);
        c->last_commit = seen;
        memset(&seen, 0, sizeof seen);
    }
    cons_commit_clear(&seen);
    ag_buf_free(&enc);
    abci_arena_reset(c->arena);
    free(bin);
    cons_part_set_free(&ps);
    cons_block_clear(&b);
    return e;
}

ag_err tchain_add_block(tchain *c, const ag_slice *txs, size_t n)
{
    pthread_mutex_lock(&c->mu);
    ag_err e;
    if (txs) {
        e = add_block(c, txs, n);
    } else {
        cons_mempool_txs t = {0};
        e = cons_mempool_reap(c->mp, -1, -1, &t);
        if (!e)
            e = add_block(c, t.txs, t.n);
        cons_mempool_txs_free(&t);
    }
    pthread_mutex_unlock(&c->mu);
    return e;
}

int64_t tchain_height(tchain *c)
{
    pthread_mutex_lock(&c->mu);
    int64_t h = c->st.last_block_height;
    pthread_mutex_unlock(&c->mu);
    return h;
}

crypto_address tchain_validator(tchain *c)
{
    return c->addr;
}

ag_err tchain_block_hash(tchain *c, int64_t h, crypto_hash *out)
{
    pthread_mutex_lock(&c->mu);
    cons_block_meta m;
    ag_err e = cons_block_store_load_meta(c->bs, h, &m);
    if (!e)
        memcpy(out->b, m.block_id.hash.b, 32);
    pthread_mutex_unlock(&c->mu);
    return e;
}

state_kv *tchain_index_kv(tchain *c)
{
    return c->ikv;
}

/* ---- the backend -------------------------------------------------------- */

static void be_node_info(void *ctx, rpc_node_info *o)
{
    tchain *c = ctx;
    o->p2p_version = 8;
    o->block_version = CONS_BLOCK_PROTOCOL;
    o->app_version = ABCI_KV_APP_VERSION;
    for (int i = 0; i < 20; i++)
        snprintf(o->id + 2 * i, 3, "%02x", c->addr.b[i]);
    strcpy(o->listen_addr, "tcp://0.0.0.0:26656");
    strcpy(o->network, TCHAIN_ID);
    strcpy(o->version, "0.38.17-agora");
    strcpy(o->channels, "40202122233038606100");
    strcpy(o->moniker, "rpc-test");
    strcpy(o->tx_index, "on");
    strcpy(o->rpc_address, "tcp://127.0.0.1:0");
}

static ag_err be_sync_info(void *ctx, rpc_sync_info *o)
{
    tchain *c = ctx;
    pthread_mutex_lock(&c->mu);
    ag_err e = AG_OK;
    int64_t base = cons_block_store_base(c->bs), h = cons_block_store_height(c->bs);
    o->catching_up = false;
    if (h > 0) {
        cons_block_meta m;
        e = cons_block_store_load_meta(c->bs, h, &m);
        if (!e) {
            o->latest_block_height = h;
            o->latest_block_hash = m.block_id.hash;
            o->latest_block_time = m.header.time;
            o->latest_app_hash = c->st.app_hash;
            e = cons_block_store_load_meta(c->bs, base, &m);
        }
        if (!e) {
            o->earliest_block_height = base;
            o->earliest_block_hash = m.block_id.hash;
            o->earliest_block_time = m.header.time;
            o->earliest_app_hash = m.header.app_hash;
        }
    }
    pthread_mutex_unlock(&c->mu);
    return e;
}

static void be_validator_info(void *ctx, rpc_validator_info *o)
{
    tchain *c = ctx;
    o->address = c->addr;
    o->pub_key = c->pub;
    o->voting_power = 10;
}

const genesis_doc *tchain_genesis_doc(void *g);

static const genesis_doc *be_genesis(void *ctx)
{
    return tchain_genesis_doc(((tchain *)ctx)->genesis);
}

static cons_block_store *be_block_store(void *ctx)
{
    return ((tchain *)ctx)->bs;
}

static cons_state_store *be_state_store(void *ctx)
{
    return ((tchain *)ctx)->ss;
}

static ag_err be_abci_info(void *ctx, abci_arena *arena, abci_resp_info **out)
{
    tchain *c = ctx;
    abci_req_info req = TENDERMINT__ABCI__REQUEST_INFO__INIT;
    req.version = abci_str("0.38.17");
    pthread_mutex_lock(&c->mu);
    ag_err e = abci_client_info(c->query, arena, &req, out);
    pthread_mutex_unlock(&c->mu);
    return e;
}

static ag_err be_abci_query(void *ctx, abci_arena *arena, const abci_req_query *req,
                            abci_resp_query **out)
{
    tchain *c = ctx;
    pthread_mutex_lock(&c->mu);
    ag_err e = abci_client_query(c->query, arena, req, out);
    pthread_mutex_unlock(&c->mu);
    return e;
}

static ag_err be_check_tx(void *ctx, abci_arena *arena, const uint8_t *tx, size_t len,
                          abci_resp_check_tx **out)
{
    tchain *c = ctx;
    abci_req_check_tx req = TENDERMINT__ABCI__REQUEST_CHECK_TX__INIT;
    req.tx = (ProtobufCBinaryData){len, (uint8_t *)(uintptr_t)tx};
    pthread_mutex_lock(&c->mu);
    ag_err e = abci_client_check_tx(c->query, arena, &req, out);
    pthread_mutex_unlock(&c->mu);
    return e;
}

typedef struct submit {
    rpc_submit_cb cb;
    void *user;
} submit;

static void on_checked(void *user, ag_err result, uint32_t code)
{
    submit *s = user;
    if (result == AG_OK || result == AG_ERR_VERIFY) {
        abci_resp_check_tx r = TENDERMINT__ABCI__RESPONSE_CHECK_TX__INIT;
        r.code = code;
        s->cb(s->user, AG_OK, &r);
    } else {
        s->cb(s->user, result, NULL);
    }
}

static ag_err be_broadcast_tx(void *ctx, const uint8_t *tx, size_t len, rpc_submit_cb cb,
                              void *user)
{
    tchain *c = ctx;
    submit s = {cb, user};
    pthread_mutex_lock(&c->mu);
    /* a local client answers inside the call, so s outlives the callback */
    ag_err e = cons_mempool_check_tx(c->mp, tx, len, on_checked, &s);
    if (e == AG_ERR_EXISTS)
        e = ag_err_set(AG_ERR_EXISTS, "tx already exists in cache");
    pthread_mutex_unlock(&c->mu);
    return e;
}

static ag_err be_unconfirmed(void *ctx, long limit, cons_mempool_txs *out, size_t *total,
                             size_t *bytes)
{
    tchain *c = ctx;
    pthread_mutex_lock(&c->mu);
    ag_err e = cons_mempool_reap_max_txs(c->mp, limit, out);
    *total = cons_mempool_size(c->mp);
    *bytes = cons_mempool_bytes(c->mp);
    pthread_mutex_unlock(&c->mu);
    return e;
}

static ag_err be_net_info(void *ctx, rpc_peer *peers, size_t cap, size_t *n, bool *listening)
{
    *n = 0;
    *listening = true;
    return AG_OK;
}

static void be_lock(void *ctx)
{
    pthread_mutex_lock(&((tchain *)ctx)->mu);
}

static void be_unlock(void *ctx)
{
    pthread_mutex_unlock(&((tchain *)ctx)->mu);
}

static const rpc_backend_ops OPS = {
    .stores_lock = be_lock,
    .stores_unlock = be_unlock,
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
    .unconfirmed_txs = be_unconfirmed,
    .net_info = be_net_info,
};

rpc_backend tchain_backend(tchain *c)
{
    return (rpc_backend){&OPS, c};
}
