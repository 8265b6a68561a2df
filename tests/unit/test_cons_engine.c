/*
 * test_cons_engine.c — the consensus engine (consensus/engine.h) with the
 * kvstore example app through local ABCI clients, memory KV stores, WALs in
 * temporary directories, memory signers and a virtual clock.
 *
 * The cluster below is the host: an event queue ordered by (virtual time,
 * sequence) delivers timers and gossip (every broadcast to every other
 * node after 1 ms; messages the engine answers AG_ERR_AGAIN are held and
 * offered again on the node's next round-step change), plus catch-up: every
 * 200 ms a node whose height a peer has already stored gets that block and
 * its commit. Checked on every event: one block hash per height across
 * nodes (agreement), equal app hashes per height, and no validator ever
 * broadcasts two different votes or proposals for one height/round/step
 * (with crashes and restarts in between).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abci/client.h"
#include "abci/kvstore.h"
#include "abci/server.h"
#include "consensus/engine.h"
#include "lib/hex.h"
#include "lib/log.h"
#include "tests/harness/ag_test.h"

#define MAXN     6
#define MAXH     256
#define MS       1000000ull
#define GEN_TIME 1790000000LL

/* ---- an app: the kvstore plus "val:<66 hex pubkey>=<power>" validator updates ---- */

static const abci_app_ops *kv_ops;
static abci_app_ops val_ops;
/* Commit answers retain_height = height - retain_keep (0: keep all). */
static int64_t retain_keep;
static int64_t last_finalized;

static ag_err val_finalize(void *ctx, abci_arena *a, const abci_req_finalize_block *req,
                           abci_resp_finalize_block *resp)
{
    ag_err err = kv_ops->finalize_block(ctx, a, req, resp);
    if (err != AG_OK)
        return err;
    last_finalized = req->height;
    for (size_t i = 0; i < req->n_txs; i++) {
        const char *t = (const char *)req->txs[i].data;
        size_t n = req->txs[i].len;
        if (n < 4 + 66 + 2 || memcmp(t, "val:", 4) != 0 || t[70] != '=')
            continue;
        Tendermint__Abci__ValidatorUpdate *u = abci_arena_alloc(a, sizeof *u);
        Tendermint__Crypto__PublicKey *pk = abci_arena_alloc(a, sizeof *pk);
        uint8_t *key = abci_arena_alloc(a, 33);
        char hex[67];
        memcpy(hex, t + 4, 66);
        hex[66] = 0;
        char pw[24] = {0};
        memcpy(pw, t + 71, n - 71 < sizeof pw - 1 ? n - 71 : sizeof pw - 1);
        Tendermint__Abci__ValidatorUpdate **list =
            abci_arena_alloc(a, (resp->n_validator_updates + 1) * sizeof *list);
        if (!u || !pk || !key || !list || ag_hex_decode_exact(key, 33, hex) != AG_OK)
            continue;
        tendermint__abci__validator_update__init(u);
        tendermint__crypto__public_key__init(pk);
        pk->sum_case = TENDERMINT__CRYPTO__PUBLIC_KEY__SUM_SECP256K1;
        pk->secp256k1 = (ProtobufCBinaryData){33, key};
        u->pub_key = pk;
        u->power = strtoll(pw, NULL, 10);
        if (resp->n_validator_updates > 0)
            memcpy(list, resp->validator_updates, resp->n_validator_updates * sizeof *list);
        list[resp->n_validator_updates++] = u;
        resp->validator_updates = list;
    }
    return AG_OK;
}

static ag_err val_commit(void *ctx, abci_arena *a, const abci_req_commit *req,
                         abci_resp_commit *resp)
{
    ag_err err = kv_ops->commit(ctx, a, req, resp);
    if (err == AG_OK && retain_keep > 0 && last_finalized > retain_keep)
        resp->retain_height = last_finalized - retain_keep;
    return err;
}

/* The kvstore reads app_state as key=value lines; genesis holds "{}". */
static ag_err val_init_chain(void *ctx, abci_arena *a, const abci_req_init_chain *req,
                             abci_resp_init_chain *resp)
{
    abci_req_init_chain r = *req;
    if (r.app_state_bytes.len == 2 && memcmp(r.app_state_bytes.data, "{}", 2) == 0)
        r.app_state_bytes.len = 0;
    return kv_ops->init_chain(ctx, a, &r, resp);
}

/* ---- the cluster ---- */

enum { M_PROPOSAL = 1, M_PART, M_VOTE };
enum { EV_TIMER = 1, EV_MSG, EV_CATCHUP };

typedef struct msg {
    int kind;
    int64_t h;
    int32_t r;
    ag_buf enc;
} msg;

typedef struct cluster cluster;

typedef struct node {
    cluster *c;
    int id;
    bool exists, online, validator;
    char dir[64];
    state_kv *kv;
    cons_block_store *bs;
    cons_state_store *ss;
    cons_wal *wal;
    crypto_privkey key;
    crypto_pubkey pub;
    cons_privval *pv;
    abci_kvstore *app;
    abci_client *cli;
    pthread_mutex_t mu;
    cons_engine *eng;
    int inc;
    msg **held;
    size_t n_held;
    /* fault injection */
    cons_engine_point fault_at;
    int64_t fault_h;
    bool fault_hit;
    int restarts;
    cons_engine_config cfg;
} node;

typedef struct event {
    uint64_t t, seq;
    int kind, node, inc;
    uint64_t token;
    msg *m;
} event;

typedef struct signed_rec {
    crypto_address who;
    int64_t h;
    int32_t r;
    int type;
    cons_block_id id;
} signed_rec;

struct cluster {
    ag_env_sim sim;
    genesis_doc g;
    node nodes[MAXN];
    int n;
    event *ev;
    size_t n_ev, cap_ev;
    uint64_t seq;
    bool have_hash[MAXH];
    uint8_t block_hash[MAXH][32];
    cons_app_hash app_hash[MAXH];
    signed_rec *signs;
    size_t n_signs, cap_signs;
    size_t committed_txs;
    /* network faults (randomized runs): before gst_ns, drops and
     * duplicates; always a delay of 1 + jitter ms */
    ag_rng net;
    uint32_t jitter_ms, drop_permille, dup_permille;
    uint64_t gst_ns;
    /* every broadcast since the last pruning, re-offered after GST (the
     * gossip layer's eventual delivery) */
    msg **archive;
    size_t n_archive, cap_archive;
    /* random crashes: each node may crash this many more times */
    int crash_budget[MAXN];
    int crashes;
};

static void push(cluster *c, uint64_t at, int kind, int nd, uint64_t token, msg *m)
{
    if (c->n_ev == c->cap_ev) {
        c->cap_ev = c->cap_ev ? 2 * c->cap_ev : 256;
        c->ev = realloc(c->ev, c->cap_ev * sizeof *c->ev);
        ck_assert_ptr_nonnull(c->ev);
    }
    c->ev[c->n_ev++] = (event){at, c->seq++, kind, nd, c->nodes[nd].inc, token, m};
}

static bool pop(cluster *c, event *out)
{
    if (c->n_ev == 0)
        return false;
    size_t best = 0;
    for (size_t i = 1; i < c->n_ev; i++)
        if (c->ev[i].t < c->ev[best].t ||
            (c->ev[i].t == c->ev[best].t && c->ev[i].seq < c->ev[best].seq))
            best = i;
    *out = c->ev[best];
    c->ev[best] = c->ev[--c->n_ev];
    return true;
}

static void msg_free(msg *m)
{
    if (m) {
        ag_buf_free(&m->enc);
        free(m);
    }
}

static void note_signed(cluster *c, const crypto_address *who, int64_t h, int32_t r, int type,
                        const cons_block_id *id)
{
    for (size_t i = 0; i < c->n_signs; i++) {
        signed_rec *s = &c->signs[i];
        if (s->h == h && s->r == r && s->type == type &&
            memcmp(s->who.b, who->b, CRYPTO_ADDRESS_LEN) == 0) {
            ck_assert_msg(cons_block_id_equal(&s->id, id), "double sign at %" PRId64 "/%d type %d",
                          h, (int)r, type);
            return;
        }
    }
    if (c->n_signs == c->cap_signs) {
        c->cap_signs = c->cap_signs ? 2 * c->cap_signs : 256;
        c->signs = realloc(c->signs, c->cap_signs * sizeof *c->signs);
        ck_assert_ptr_nonnull(c->signs);
    }
    c->signs[c->n_signs++] = (signed_rec){*who, h, r, type, *id};
}

static uint64_t now_ns(cluster *c)
{
    return c->sim.now_ns;
}

/* io callbacks (ctx = node) */

static void io_timer(void *ctx, uint32_t ms, uint64_t token)
{
    node *n = ctx;
    push(n->c, now_ns(n->c) + (uint64_t)ms * MS, EV_TIMER, n->id, token, NULL);
}

static msg *msg_copy(const msg *proto)
{
    msg *m = calloc(1, sizeof *m);
    ck_assert_ptr_nonnull(m);
    *m = *proto;
    ag_buf_init(&m->enc, 0);
    ck_assert_int_eq(ag_buf_append(&m->enc, proto->enc.data, proto->enc.len), AG_OK);
    return m;
}

static void send_all(node *n, msg *proto)
{
    cluster *c = n->c;
    if (c->gst_ns > 0) {
        if (c->n_archive == c->cap_archive) {
            c->cap_archive = c->cap_archive ? 2 * c->cap_archive : 256;
            c->archive = realloc(c->archive, c->cap_archive * sizeof *c->archive);
            ck_assert_ptr_nonnull(c->archive);
        }
        c->archive[c->n_archive++] = msg_copy(proto);
    }
    for (int i = 0; i < c->n; i++) {
        if (i == n->id || !c->nodes[i].exists)
            continue;
        bool faulty = now_ns(c) < c->gst_ns;
        if (faulty && ag_rng_below(&c->net, 1000) < c->drop_permille)
            continue;
        int copies = faulty && ag_rng_below(&c->net, 1000) < c->dup_permille ? 2 : 1;
        for (int k = 0; k < copies; k++) {
            msg *m = msg_copy(proto);
            uint64_t delay = 1 + (c->jitter_ms ? ag_rng_below(&c->net, c->jitter_ms) : 0);
            push(c, now_ns(c) + delay * MS, EV_MSG, i, 0, m);
        }
    }
    ag_buf_free(&proto->enc);
}

static void io_proposal(void *ctx, const cons_proposal *p)
{
    node *n = ctx;
    note_signed(n->c, cons_privval_address(n->pv), p->height, p->round, 32, &p->block_id);
    msg m = {.kind = M_PROPOSAL, .h = p->height, .r = p->round};
    ag_buf_init(&m.enc, 0);
    ck_assert_int_eq(cons_proposal_encode(&m.enc, p), AG_OK);
    send_all(n, &m);
}

static void io_part(void *ctx, int64_t h, int32_t r, const cons_part *part)
{
    msg m = {.kind = M_PART, .h = h, .r = r};
    ag_buf_init(&m.enc, 0);
    ck_assert_int_eq(cons_part_encode(&m.enc, part), AG_OK);
    send_all(ctx, &m);
}

static void io_vote(void *ctx, const cons_vote *v)
{
    node *n = ctx;
    note_signed(n->c, &v->validator_address, v->height, v->round, v->type, &v->block_id);
    msg m = {.kind = M_VOTE, .h = v->height, .r = v->round};
    ag_buf_init(&m.enc, 0);
    ck_assert_int_eq(cons_vote_encode(&m.enc, v), AG_OK);
    send_all(n, &m);
}

static void io_step(void *ctx, int64_t h, int32_t r, cons_step s)
{
    node *n = ctx;
    for (size_t i = 0; i < n->n_held; i++)
        push(n->c, now_ns(n->c), EV_MSG, n->id, 0, n->held[i]);
    n->n_held = 0;
}

static void io_committed(void *ctx, const cons_engine_committed *ci)
{
    node *n = ctx;
    cluster *c = n->c;
    ck_assert_int_lt(ci->height, MAXH);
    const cons_app_hash *ah = &ci->state->app_hash;
    if (!c->have_hash[ci->height]) {
        c->have_hash[ci->height] = true;
        memcpy(c->block_hash[ci->height], ci->block_id->hash.b, 32);
        c->app_hash[ci->height] = *ah;
        if (n->id == 0)
            c->committed_txs += ci->block->n_txs;
    } else {
        ck_assert_msg(memcmp(c->block_hash[ci->height], ci->block_id->hash.b, 32) == 0,
                      "node %d: another block at %" PRId64, n->id, ci->height);
        ck_assert_msg(c->app_hash[ci->height].len == ah->len &&
                          memcmp(c->app_hash[ci->height].b, ah->b, ah->len) == 0,
                      "node %d: another app hash at %" PRId64, n->id, ci->height);
    }
}

static bool fault_hook(void *ctx, cons_engine_point p, int64_t h)
{
    node *n = ctx;
    if (n->fault_hit || p != n->fault_at || h < n->fault_h)
        return false;
    n->fault_hit = true;
    return true;
}

/* ---- node lifecycle ---- */

static void node_open_app(node *n)
{
    ck_assert_int_eq(abci_kvstore_new(&n->app, NULL), AG_OK);
    abci_app app = abci_kvstore_app(n->app);
    kv_ops = app.ops;
    val_ops = *app.ops;
    val_ops.finalize_block = val_finalize;
    val_ops.init_chain = val_init_chain;
    val_ops.commit = val_commit;
    app.ops = &val_ops;
    ck_assert_int_eq(abci_local_new(&n->cli, &app, &n->mu), AG_OK);
}

static void node_close_app(node *n)
{
    abci_client_free(n->cli);
    abci_kvstore_free(n->app);
    n->cli = NULL;
    n->app = NULL;
}

static void check_call(node *n, ag_err err, const char *what);

static void node_start(node *n)
{
    ck_assert_msg(cons_wal_open(&n->wal, n->dir, NULL) == AG_OK, "%s", ag_err_detail());
    cons_engine_args a = {
        .genesis = &n->c->g,
        .block_store = n->bs,
        .state_store = n->ss,
        .wal = n->wal,
        .signer = n->validator ? n->pv : NULL,
        .consensus_conn = n->cli,
        .env = &n->c->sim.env,
        .config = n->cfg,
        .io = {.ctx = n,
               .schedule_timer = io_timer,
               .broadcast_proposal = io_proposal,
               .broadcast_part = io_part,
               .broadcast_vote = io_vote,
               .new_round_step = io_step,
               .committed = io_committed},
        .fault = fault_hook,
        .fault_ctx = n,
    };
    n->inc++;
    ck_assert_int_eq(cons_engine_new(&n->eng, &a), AG_OK);
    ag_err err = cons_engine_start(n->eng);
    n->online = true;
    if (err == AG_ERR_CLOSED && n->fault_hit) {
        check_call(n, err, "start"); /* crashed while starting: again */
        return;
    }
    ck_assert_msg(err == AG_OK, "node %d start: %s: %s", n->id, ag_err_name(err), ag_err_detail());
}

/* Destroy the engine without any shutdown (as a crash would) and close the
 * WAL; the stores, the signer and (unless lose_app) the app survive. */
static void node_crash(node *n, bool lose_app)
{
    cons_engine_free(n->eng);
    n->eng = NULL;
    cons_wal_close(n->wal);
    n->wal = NULL;
    for (size_t i = 0; i < n->n_held; i++)
        msg_free(n->held[i]);
    n->n_held = 0;
    n->online = false;
    if (lose_app) {
        node_close_app(n);
        node_open_app(n);
    }
}

/* WAL directories on tmpfs when there is one: the tests restart nodes
 * thousands of times and every own vote is fsynced (WAL durability itself is
 * tested in test_cons_wal on the disk). */
static void node_mkdir(char dir[64])
{
    snprintf(dir, 64, "/dev/shm/agora-engine-XXXXXX");
    if (mkdtemp(dir) == NULL)
        ag_test_mkdtemp(dir, "engine");
}

static void node_rmdir(const char *dir)
{
    if (strncmp(dir, "/dev/shm/agora-engine-", 22) != 0) {
        ag_test_rmdir(dir);
        return;
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static void cluster_init(cluster *c, int n, int validators, uint64_t stream)
{
    memset(c, 0, sizeof *c);
    ag_log_setup(getenv("ENGINE_LOG") ? AG_LOG_DEBUG : AG_LOG_OFF, AG_LOG_TEXT, stderr);
    ag_env_sim_init(&c->sim, stream, (uint64_t)(GEN_TIME + 10) * 1000000000ull);
    ag_rng rng;
    ag_test_rng(&rng, stream);
    ck_assert_int_eq(genesis_doc_init(&c->g), AG_OK);
    snprintf(c->g.chain_id, sizeof c->g.chain_id, "agora-engine-test");
    c->g.time_seconds = GEN_TIME;
    c->g.initial_height = 1;
    c->n = n;
    for (int i = 0; i < n; i++) {
        node *nd = &c->nodes[i];
        nd->c = c;
        nd->id = i;
        nd->exists = true;
        nd->validator = true;
        uint8_t kb[32];
        do
            ag_rng_fill(&rng, kb, sizeof kb);
        while (crypto_privkey_from_bytes(&nd->key, kb, sizeof kb) != AG_OK);
        ck_assert_int_eq(crypto_pubkey_from_privkey(&nd->pub, &nd->key), AG_OK);
        ck_assert_int_eq(cons_privval_new_memory(&nd->pv, &nd->key, NULL), AG_OK);
        if (i < validators) {
            char name[16];
            snprintf(name, sizeof name, "val%d", i);
            ck_assert_int_eq(genesis_doc_add_validator(&c->g, &nd->pub, 10, name), AG_OK);
        }
        node_mkdir(nd->dir);
        ck_assert_int_eq(state_kv_open_memory(&nd->kv), AG_OK);
        cons_block_store_options bo = {.sync = false};
        ck_assert_int_eq(cons_block_store_open(&nd->bs, nd->kv, &bo), AG_OK);
        ck_assert_int_eq(cons_state_store_open(&nd->ss, nd->kv, false), AG_OK);
        pthread_mutex_init(&nd->mu, NULL);
        node_open_app(nd);
        cons_engine_config_default(&nd->cfg);
        nd->cfg.timeouts = cons_core_config_fast();
    }
}

static void cluster_free(cluster *c)
{
    for (int i = 0; i < c->n; i++) {
        node *n = &c->nodes[i];
        if (n->online)
            node_crash(n, false);
        node_close_app(n);
        cons_block_store_close(n->bs);
        cons_state_store_close(n->ss);
        state_kv_close(n->kv);
        cons_privval_free(n->pv);
        for (size_t k = 0; k < n->n_held; k++)
            msg_free(n->held[k]);
        free(n->held);
        pthread_mutex_destroy(&n->mu);
        node_rmdir(n->dir);
    }
    for (size_t i = 0; i < c->n_ev; i++)
        msg_free(c->ev[i].m);
    free(c->ev);
    for (size_t i = 0; i < c->n_archive; i++)
        msg_free(c->archive[i]);
    free(c->archive);
    free(c->signs);
    genesis_doc_free(&c->g);
}

/* An engine call's result: AG_ERR_CLOSED is the fault hook -> crash and
 * restart the node at once. */
static void check_call(node *n, ag_err err, const char *what)
{
    if (err == AG_ERR_CLOSED && n->fault_hit) {
        cluster *c = n->c;
        n->restarts++;
        c->crashes++;
        /* randomized runs: sometimes the app is lost too */
        node_crash(n, c->crash_budget[n->id] > 0 && ag_rng_below(&c->net, 3) == 0);
        node_start(n);
        if (c->crash_budget[n->id] > 0) {
            c->crash_budget[n->id]--;
            n->fault_hit = false;
            n->fault_at = (cons_engine_point)(1 + ag_rng_below(&c->net, 8));
            n->fault_h = cons_engine_height(n->eng) + (int64_t)ag_rng_below(&c->net, 3);
        }
        return;
    }
    ck_assert_msg(err == AG_OK || err == AG_ERR_AGAIN, "node %d: %s: %s: %s", n->id, what,
                  ag_err_name(err), ag_err_detail());
}

static void deliver(node *n, msg *m)
{
    ag_err err = AG_OK;
    switch (m->kind) {
    case M_PROPOSAL: {
        cons_proposal p;
        ck_assert_int_eq(cons_proposal_decode(&p, m->enc.data, m->enc.len), AG_OK);
        err = cons_engine_receive_proposal(n->eng, &p);
        break;
    }
    case M_PART: {
        cons_part p = {0};
        ck_assert_int_eq(cons_part_decode(&p, m->enc.data, m->enc.len), AG_OK);
        err = cons_engine_receive_part(n->eng, m->h, m->r, &p);
        cons_part_clear(&p);
        break;
    }
    case M_VOTE: {
        cons_vote v = {0};
        ck_assert_int_eq(cons_vote_decode(&v, m->enc.data, m->enc.len), AG_OK);
        err = cons_engine_receive_vote(n->eng, &v);
        cons_vote_clear(&v);
        break;
    }
    }
    if (getenv("ENGINE_TRACE") && m->h == atoll(getenv("ENGINE_TRACE")))
        fprintf(stderr, "t=%" PRIu64 " node %d <- kind %d h%" PRId64 " r%d: %s (node at r%d)\n",
                (uint64_t)(now_ns(n->c) / MS), n->id, m->kind, m->h, (int)m->r, ag_err_name(err),
                n->eng ? (int)cons_engine_round(n->eng) : -1);
    if (err == AG_ERR_AGAIN && n->n_held < 4096) {
        n->held = realloc(n->held, (n->n_held + 1) * sizeof *n->held);
        ck_assert_ptr_nonnull(n->held);
        n->held[n->n_held++] = m;
        return;
    }
    msg_free(m);
    check_call(n, err, "receive");
}

/* After GST: offer every archived message of a node's height again. */
static void regossip(cluster *c)
{
    if (c->gst_ns == 0 || now_ns(c) < c->gst_ns)
        return;
    int64_t lo = INT64_MAX;
    for (int i = 0; i < c->n; i++) {
        node *n = &c->nodes[i];
        if (!n->online)
            continue;
        int64_t h = cons_engine_height(n->eng);
        if (h < lo)
            lo = h;
        for (size_t k = 0; k < c->n_archive; k++)
            if (c->archive[k]->h == h)
                push(c, now_ns(c) + 1 * MS, EV_MSG, i, 0, msg_copy(c->archive[k]));
    }
    size_t kept = 0;
    for (size_t k = 0; k < c->n_archive; k++) {
        if (c->archive[k]->h >= lo)
            c->archive[kept++] = c->archive[k];
        else
            msg_free(c->archive[k]);
    }
    c->n_archive = kept;
}

static void catch_up(cluster *c)
{
    for (int i = 0; i < c->n; i++) {
        node *n = &c->nodes[i];
        if (!n->online)
            continue;
        int64_t h = cons_engine_height(n->eng);
        for (int j = 0; j < c->n; j++) {
            node *p = &c->nodes[j];
            if (j == i || !p->exists || cons_block_store_height(p->bs) < h)
                continue;
            ag_buf blk;
            ag_buf_init(&blk, 0);
            cons_commit cm = {0};
            ck_assert_int_eq(cons_block_store_load_block(p->bs, h, &blk), AG_OK);
            ag_err e = cons_block_store_height(p->bs) > h
                           ? cons_block_store_load_commit(p->bs, h, &cm)
                           : cons_block_store_load_seen_commit(p->bs, h, &cm);
            ck_assert_int_eq(e, AG_OK);
            ag_err err = cons_engine_receive_commit(n->eng, blk.data, blk.len, &cm);
            cons_commit_clear(&cm);
            ag_buf_free(&blk);
            check_call(n, err, "catch-up");
            break;
        }
    }
}

static int64_t min_height(cluster *c)
{
    int64_t m = INT64_MAX;
    for (int i = 0; i < c->n; i++)
        if (c->nodes[i].online && cons_engine_state(c->nodes[i].eng)->last_block_height < m)
            m = cons_engine_state(c->nodes[i].eng)->last_block_height;
    return m;
}

/* Run until every online node committed `target`, at most max_ms of virtual
 * time. */
static void run_until(cluster *c, int64_t target, uint64_t max_ms)
{
    uint64_t end = now_ns(c) + max_ms * MS;
    bool have_catchup = false;
    for (size_t i = 0; i < c->n_ev; i++)
        have_catchup |= c->ev[i].kind == EV_CATCHUP;
    if (!have_catchup)
        push(c, now_ns(c) + 200 * MS, EV_CATCHUP, 0, 0, NULL);
    while (min_height(c) < target) {
        event ev;
        ck_assert_msg(pop(c, &ev), "no events left at height %" PRId64, min_height(c));
        if (ev.t > end)
            for (int i = 0; i < c->n; i++) {
                node *d = &c->nodes[i];
                if (d->online)
                    fprintf(stderr,
                            "node %d: h%" PRId64 " r%d s%d last %" PRId64 " held %zu restarts %d\n",
                            i, cons_engine_height(d->eng), (int)cons_engine_round(d->eng),
                            (int)cons_engine_step(d->eng),
                            cons_engine_state(d->eng)->last_block_height, d->n_held, d->restarts);
            }
        ck_assert_msg(ev.t <= end,
                      "not at height %" PRId64 " after %" PRIu64 " ms (at %" PRId64 ")", target,
                      max_ms, min_height(c));
        if (ev.t > c->sim.now_ns)
            ag_env_sim_advance(&c->sim, ev.t - c->sim.now_ns);
        node *n = &c->nodes[ev.node];
        switch (ev.kind) {
        case EV_TIMER:
            if (n->online && ev.inc == n->inc)
                check_call(n, cons_engine_on_timer(n->eng, ev.token), "timer");
            break;
        case EV_MSG:
            if (n->online)
                deliver(n, ev.m);
            else
                msg_free(ev.m);
            break;
        case EV_CATCHUP:
            catch_up(c);
            regossip(c);
            push(c, now_ns(c) + 200 * MS, EV_CATCHUP, 0, 0, NULL);
            break;
        }
    }
}

static void submit(node *n, const char *tx)
{
    ag_err err = cons_engine_submit_tx(n->eng, (const uint8_t *)tx, strlen(tx), NULL, NULL);
    ck_assert_msg(err == AG_OK, "submit %s: %s", tx, ag_err_detail());
}

/* Block store, state store and engine state agree; app hash of header h+1
 * is the state's app hash after h. */
static void check_stores(node *n)
{
    const cons_state *st = cons_engine_state(n->eng);
    int64_t top = st->last_block_height;
    ck_assert_int_eq(cons_block_store_height(n->bs), top);
    cons_state saved = {0};
    ck_assert_int_eq(cons_state_store_load(n->ss, &saved), AG_OK);
    ck_assert_int_eq(saved.last_block_height, top);
    ck_assert(cons_block_id_equal(&saved.last_block_id, &st->last_block_id));
    ck_assert_int_eq(saved.app_hash.len, st->app_hash.len);
    ck_assert_mem_eq(saved.app_hash.b, st->app_hash.b, st->app_hash.len);
    cons_state_clear(&saved);
    for (int64_t h = 1; h < top; h++) {
        cons_block_meta m;
        ck_assert_int_eq(cons_block_store_load_meta(n->bs, h + 1, &m), AG_OK);
        ck_assert_int_eq(m.header.height, h + 1);
        ag_buf raw;
        ag_buf_init(&raw, 0);
        ck_assert_int_eq(cons_state_store_load_finalize_response(n->ss, h, &raw), AG_OK);
        Tendermint__Abci__ResponseFinalizeBlock *r =
            tendermint__abci__response_finalize_block__unpack(NULL, raw.len, raw.data);
        ck_assert_ptr_nonnull(r);
        ck_assert_int_eq(m.header.app_hash.len, r->app_hash.len);
        ck_assert_mem_eq(m.header.app_hash.b, r->app_hash.data, r->app_hash.len);
        tendermint__abci__response_finalize_block__free_unpacked(r, NULL);
        ag_buf_free(&raw);
        if (n->c->have_hash[h]) {
            const cons_app_hash *want = &n->c->app_hash[h];
            ck_assert_int_eq(m.header.app_hash.len, want->len);
            ck_assert_mem_eq(m.header.app_hash.b, want->b, want->len);
        }
    }
    cons_block_meta m;
    ck_assert_int_eq(cons_block_store_load_meta(n->bs, top, &m), AG_OK);
    ck_assert(cons_block_id_equal(&m.block_id, &st->last_block_id));
}

/* Txs in the node's block store (blocks committed while replaying in the
 * handshake get no committed notification). */
static int64_t stored_txs(node *n)
{
    int64_t t = 0;
    for (int64_t h = 1; h <= cons_block_store_height(n->bs); h++) {
        cons_block_meta m;
        ck_assert_int_eq(cons_block_store_load_meta(n->bs, h, &m), AG_OK);
        t += m.num_txs;
    }
    return t;
}

static void app_query(node *n, const char *key, const char *want)
{
    abci_arena *a;
    ck_assert_int_eq(abci_arena_new(&a, 1 << 20), AG_OK);
    abci_req_query q;
    tendermint__abci__request_query__init(&q);
    q.data = (ProtobufCBinaryData){strlen(key), (uint8_t *)(uintptr_t)key};
    abci_resp_query *r = NULL;
    ck_assert_int_eq(abci_client_query(n->cli, a, &q, &r), AG_OK);
    ck_assert_int_eq(r->code, 0);
    ck_assert_int_eq(r->value.len, strlen(want));
    ck_assert_mem_eq(r->value.data, want, strlen(want));
    abci_arena_free(a);
}

/* ---- tests ---- */

START_TEST(single_validator_commits_txs)
{
    cluster c;
    cluster_init(&c, 1, 1, 1);
    node *n = &c.nodes[0];
    node_start(n);
    run_until(&c, 2, 10000);
    submit(n, "alpha=1");
    submit(n, "beta=2");
    run_until(&c, 4, 10000);
    submit(n, "gamma=3");
    ck_assert_int_eq(cons_engine_submit_tx(n->eng, (const uint8_t *)"gamma=3", 7, NULL, NULL),
                     AG_ERR_EXISTS);
    run_until(&c, 8, 10000);
    ck_assert_int_eq(c.committed_txs, 3);
    ck_assert_uint_eq(cons_mempool_size(cons_engine_mempool(n->eng)), 0);
    app_query(n, "alpha", "1");
    app_query(n, "gamma", "3");
    check_stores(n);
    /* the state's validators: the genesis one */
    ck_assert_uint_eq(cons_engine_state(n->eng)->validators.n, 1);
    cluster_free(&c);
}
END_TEST

START_TEST(no_empty_blocks_waits_for_txs)
{
    cluster c;
    cluster_init(&c, 1, 1, 2);
    node *n = &c.nodes[0];
    n->cfg.create_empty_blocks = false;
    node_start(n);
    /* The initial height needs a block anyway (proof block), then the app
     * hash after it equals... the kvstore's empty state both times, so the
     * node waits. */
    run_until(&c, 1, 10000);
    uint64_t t0 = now_ns(&c);
    /* Let a lot of virtual time pass: no new height without txs. */
    push(&c, now_ns(&c) + 20000 * MS, EV_CATCHUP, 0, 0, NULL);
    event ev;
    while (pop(&c, &ev) && ev.t <= t0 + 20000 * MS) {
        if (ev.t > c.sim.now_ns)
            ag_env_sim_advance(&c.sim, ev.t - c.sim.now_ns);
        if (ev.kind == EV_TIMER && ev.inc == n->inc)
            check_call(n, cons_engine_on_timer(n->eng, ev.token), "timer");
    }
    int64_t h = cons_engine_state(n->eng)->last_block_height;
    ck_assert_int_le(h, 2);
    submit(n, "k=v");
    run_until(&c, h + 1, 5000);
    ck_assert_uint_eq(c.committed_txs, 1);
    cluster_free(&c);
}
END_TEST

/* Process every event up to `ms` of virtual time from now. */
static void run_for(cluster *c, uint64_t ms)
{
    uint64_t end = now_ns(c) + ms * MS;
    event ev;
    while (c->n_ev > 0) {
        size_t best = 0;
        for (size_t i = 1; i < c->n_ev; i++)
            if (c->ev[i].t < c->ev[best].t ||
                (c->ev[i].t == c->ev[best].t && c->ev[i].seq < c->ev[best].seq))
                best = i;
        if (c->ev[best].t > end)
            break;
        ck_assert(pop(c, &ev));
        if (ev.t > c->sim.now_ns)
            ag_env_sim_advance(&c->sim, ev.t - c->sim.now_ns);
        node *n = &c->nodes[ev.node];
        if (ev.kind == EV_TIMER && n->online && ev.inc == n->inc)
            check_call(n, cons_engine_on_timer(n->eng, ev.token), "timer");
        else if (ev.kind == EV_MSG && n->online)
            deliver(n, ev.m);
        else if (ev.kind == EV_CATCHUP) {
            catch_up(c);
            push(c, now_ns(c) + 200 * MS, EV_CATCHUP, 0, 0, NULL);
        } else
            msg_free(ev.m);
    }
    if (end > c->sim.now_ns)
        ag_env_sim_advance(&c->sim, end - c->sim.now_ns);
}

START_TEST(no_empty_blocks_cluster_tx_at_non_proposer)
{
    cluster c;
    cluster_init(&c, 4, 4, 13);
    for (int i = 0; i < 4; i++) {
        c.nodes[i].cfg.create_empty_blocks = false;
        node_start(&c.nodes[i]);
    }
    run_until(&c, 1, 20000);
    run_for(&c, 20000);
    int64_t h = min_height(&c);
    ck_assert_int_le(h, 2);
    for (int i = 0; i < 4; i++)
        ck_assert_int_le(cons_engine_state(c.nodes[i].eng)->last_block_height, 2);
    /* a tx at a node that is not the proposer of the waiting round */
    cons_validator prop;
    ck_assert_int_eq(cons_core_proposer(cons_engine_core(c.nodes[0].eng), 0, &prop), AG_OK);
    int who = 0;
    for (int i = 0; i < 4; i++) {
        crypto_address a;
        crypto_address_from_pubkey(&a, &c.nodes[i].pub);
        if (memcmp(a.b, prop.address.b, 20) != 0)
            who = i;
    }
    submit(&c.nodes[who], "lonely=1");
    /* blocks of later rounds may come empty (their proposers do not wait)
     * until the holder of the tx proposes; then one proof block */
    int64_t target = h + 1;
    while (stored_txs(&c.nodes[0]) == 0) {
        ck_assert_int_lt(target, h + 12);
        run_until(&c, target++, 60000);
    }
    run_until(&c, target, 60000);
    app_query(&c.nodes[0], "lonely", "1");
    cluster_free(&c);
}
END_TEST

START_TEST(four_validators_agree)
{
    cluster c;
    cluster_init(&c, 4, 4, 3);
    for (int i = 0; i < 4; i++)
        node_start(&c.nodes[i]);
    run_until(&c, 3, 20000);
    submit(&c.nodes[1], "x=1");
    submit(&c.nodes[2], "y=2");
    run_until(&c, 10, 30000);
    for (int i = 0; i < 4; i++) {
        check_stores(&c.nodes[i]);
        app_query(&c.nodes[i], "x", "1");
    }
    cluster_free(&c);
}
END_TEST

START_TEST(one_offline_still_live_then_catches_up)
{
    cluster c;
    cluster_init(&c, 4, 4, 4);
    for (int i = 0; i < 3; i++)
        node_start(&c.nodes[i]);
    run_until(&c, 6, 60000);
    /* the fourth starts late: catch-up commits bring it to the others */
    node_start(&c.nodes[3]);
    run_until(&c, 9, 60000);
    for (int i = 0; i < 4; i++)
        check_stores(&c.nodes[i]);
    cluster_free(&c);
}
END_TEST

START_TEST(validator_set_change_at_h_plus_2)
{
    cluster c;
    cluster_init(&c, 5, 4, 5);
    for (int i = 0; i < 5; i++)
        node_start(&c.nodes[i]);
    run_until(&c, 2, 20000);
    char tx[128];
    char hex[67];
    ag_hex_encode(hex, c.nodes[4].pub.b, 33, false);
    snprintf(tx, sizeof tx, "val:%s=10", hex);
    submit(&c.nodes[0], tx);
    int64_t h0 = cons_engine_state(c.nodes[0].eng)->last_block_height;
    node *n = &c.nodes[0];
    int64_t hv = 0;
    for (int64_t h = h0 + 1; hv == 0; h++) {
        ck_assert_int_lt(h, h0 + 10);
        run_until(&c, h, 30000);
        cons_block_meta m;
        ck_assert_int_eq(cons_block_store_load_meta(n->bs, h, &m), AG_OK);
        if (m.num_txs == 1)
            hv = h;
    }
    run_until(&c, hv + 4, 30000);
    cons_valset vs = {0};
    ck_assert_int_eq(cons_state_store_load_validators(n->ss, hv + 1, &vs), AG_OK);
    ck_assert_uint_eq(vs.n, 4);
    cons_valset_free(&vs);
    ck_assert_int_eq(cons_state_store_load_validators(n->ss, hv + 2, &vs), AG_OK);
    ck_assert_uint_eq(vs.n, 5);
    cons_valset_free(&vs);
    /* the new validator signs commits from hv + 2 on */
    cons_commit cm = {0};
    ck_assert_int_eq(cons_block_store_load_commit(n->bs, hv + 1, &cm), AG_OK);
    ck_assert_uint_eq(cm.n_sigs, 4);
    cons_commit_clear(&cm);
    ck_assert_int_eq(cons_block_store_load_commit(n->bs, hv + 2, &cm), AG_OK);
    ck_assert_uint_eq(cm.n_sigs, 5);
    cons_commit_clear(&cm);
    for (int i = 0; i < 5; i++)
        check_stores(&c.nodes[i]);
    cluster_free(&c);
}
END_TEST

static const cons_engine_point crash_points[] = {
    CONS_ENGINE_AT_INPUT_LOGGED, CONS_ENGINE_AT_OWN_MSG_LOGGED, CONS_ENGINE_AT_BLOCK_SAVED,
    CONS_ENGINE_AT_FINALIZED,    CONS_ENGINE_AT_RESPONSE_SAVED, CONS_ENGINE_AT_APP_COMMITTED,
    CONS_ENGINE_AT_STATE_SAVED,  CONS_ENGINE_AT_HEIGHT_ENDED,
};
#define N_POINTS (sizeof crash_points / sizeof crash_points[0])

START_TEST(restart_single_at_every_point)
{
    cons_engine_point p = crash_points[_i];
    cluster c;
    cluster_init(&c, 1, 1, 10 + (uint64_t)_i);
    node *n = &c.nodes[0];
    n->fault_at = p;
    n->fault_h = 3;
    node_start(n);
    submit(n, "a=1");
    run_until(&c, 2, 10000);
    submit(n, "b=2");
    run_until(&c, 7, 20000);
    ck_assert_msg(n->fault_hit && n->restarts == 1, "point %d not hit", (int)p);
    ck_assert_int_eq(stored_txs(n), 2);
    app_query(n, "a", "1");
    app_query(n, "b", "2");
    check_stores(n);
    cluster_free(&c);
}
END_TEST

START_TEST(restart_cluster_member_at_every_point)
{
    cons_engine_point p = crash_points[_i];
    cluster c;
    cluster_init(&c, 4, 4, 30 + (uint64_t)_i);
    for (int i = 0; i < 4; i++) {
        c.nodes[i].fault_at = p;
        c.nodes[i].fault_h = 2 + i;
        node_start(&c.nodes[i]);
    }
    submit(&c.nodes[0], "a=1");
    run_until(&c, 9, 60000);
    int hits = 0;
    for (int i = 0; i < 4; i++) {
        hits += c.nodes[i].fault_hit;
        check_stores(&c.nodes[i]);
    }
    ck_assert_int_ge(hits, 3);
    cluster_free(&c);
}
END_TEST

START_TEST(restart_with_lost_app_replays_blocks)
{
    cluster c;
    cluster_init(&c, 1, 1, 6);
    node *n = &c.nodes[0];
    node_start(n);
    submit(n, "a=1");
    run_until(&c, 3, 10000);
    submit(n, "b=2");
    run_until(&c, 6, 10000);
    /* the app forgets everything (a fresh kvstore): the handshake replays
     * every stored block from genesis */
    node_crash(n, true);
    node_start(n);
    ck_assert_int_ge(cons_engine_state(n->eng)->last_block_height, 6);
    app_query(n, "a", "1");
    app_query(n, "b", "2");
    run_until(&c, 8, 10000);
    check_stores(n);
    /* crash at every point with the app lost too */
    for (size_t k = 0; k < N_POINTS; k++) {
        n->fault_at = crash_points[k];
        n->fault_h = cons_engine_state(n->eng)->last_block_height + 1;
        n->fault_hit = false;
        int64_t target = n->fault_h + 1;
        while (!n->fault_hit)
            run_until(&c, cons_engine_state(n->eng)->last_block_height + 1, 10000);
        node_crash(n, true);
        node_start(n);
        run_until(&c, target, 10000);
        check_stores(n);
    }
    cluster_free(&c);
}
END_TEST

START_TEST(handshake_refuses_foreign_app)
{
    cluster c;
    cluster_init(&c, 2, 1, 7);
    node *a = &c.nodes[0];
    c.nodes[1].exists = false;
    node_start(a);
    run_until(&c, 3, 10000);
    /* node 1's stores are empty but it gets node 0's app (at height 3):
     * the app is ahead of the block store */
    node *b = &c.nodes[1];
    b->validator = false;
    ck_assert_int_eq(cons_wal_open(&b->wal, b->dir, NULL), AG_OK);
    cons_engine_args args = {.genesis = &c.g,
                             .block_store = b->bs,
                             .state_store = b->ss,
                             .wal = b->wal,
                             .consensus_conn = a->cli,
                             .env = &c.sim.env,
                             .config = b->cfg};
    cons_engine *e;
    ck_assert_int_eq(cons_engine_new(&e, &args), AG_OK);
    ck_assert_int_eq(cons_engine_start(e), AG_ERR_STATE);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "ahead"));
    ck_assert_int_eq(cons_engine_on_timer(e, 1), AG_ERR_STATE);
    cons_engine_free(e);
    /* a stored chain whose app diverged: node 0's stores with node 1's app
     * that committed a different block 1 -> hash mismatch */
    node_crash(a, false);
    abci_arena *ar;
    ck_assert_int_eq(abci_arena_new(&ar, 1 << 20), AG_OK);
    abci_req_init_chain ic;
    tendermint__abci__request_init_chain__init(&ic);
    ic.chain_id = abci_str(c.g.chain_id);
    ic.initial_height = 1;
    abci_resp_init_chain *icr;
    ck_assert_int_eq(abci_client_init_chain(b->cli, ar, &ic, &icr), AG_OK);
    abci_req_finalize_block fb;
    tendermint__abci__request_finalize_block__init(&fb);
    ProtobufCBinaryData tx = {5, (uint8_t *)(uintptr_t) "evil="};
    fb.txs = &tx;
    fb.n_txs = 1;
    fb.height = 1;
    abci_resp_finalize_block *fr;
    ck_assert_int_eq(abci_client_finalize_block(b->cli, ar, &fb, &fr), AG_OK);
    abci_req_commit cr;
    tendermint__abci__request_commit__init(&cr);
    abci_resp_commit *crr;
    ck_assert_int_eq(abci_client_commit(b->cli, ar, &cr, &crr), AG_OK);
    abci_arena_free(ar);
    ck_assert_int_eq(cons_wal_open(&a->wal, a->dir, NULL), AG_OK);
    args.block_store = a->bs;
    args.state_store = a->ss;
    args.wal = a->wal;
    args.consensus_conn = b->cli;
    ck_assert_int_eq(cons_engine_new(&e, &args), AG_OK);
    ck_assert_int_eq(cons_engine_start(e), AG_ERR_VERIFY);
    cons_engine_free(e);
    cons_wal_close(a->wal);
    a->wal = NULL;
    cons_wal_close(b->wal);
    b->wal = NULL;
    cluster_free(&c);
}
END_TEST

START_TEST(rejects_bad_messages)
{
    cluster c;
    cluster_init(&c, 2, 2, 8);
    c.nodes[1].exists = false;
    node *n = &c.nodes[0];
    node_start(n);
    /* a vote from validator 1 (not running) with a bad signature */
    const cons_valset *vs = &cons_engine_state(n->eng)->validators;
    long i1 = cons_valset_index_of(vs, &(crypto_address){{0}});
    ck_assert_int_lt(i1, 0);
    crypto_address a1;
    crypto_address_from_pubkey(&a1, &c.nodes[1].pub);
    long idx = cons_valset_index_of(vs, &a1);
    ck_assert_int_ge(idx, 0);
    cons_vote v = {.type = CONS_MSG_PREVOTE,
                   .height = 1,
                   .round = 0,
                   .timestamp = {GEN_TIME + 20, 0},
                   .validator_address = a1,
                   .validator_index = (int32_t)idx};
    ck_assert_int_eq(cons_vote_sign(&v, c.g.chain_id, &c.nodes[0].key, false), AG_OK);
    ck_assert_int_eq(cons_engine_receive_vote(n->eng, &v), AG_ERR_VERIFY);
    ck_assert_int_eq(cons_vote_sign(&v, c.g.chain_id, &c.nodes[1].key, false), AG_OK);
    ck_assert_int_eq(cons_engine_receive_vote(n->eng, &v), AG_OK);
    v.height = 5;
    ck_assert_int_eq(cons_vote_sign(&v, c.g.chain_id, &c.nodes[1].key, false), AG_OK);
    ck_assert_int_eq(cons_engine_receive_vote(n->eng, &v), AG_ERR_AGAIN);
    v.validator_index = 7;
    ck_assert_int_eq(cons_engine_receive_vote(n->eng, &v), AG_ERR_AGAIN);
    v.height = 1;
    ck_assert_int_eq(cons_engine_receive_vote(n->eng, &v), AG_ERR_VERIFY);
    /* a proposal signed by the wrong key */
    cons_proposal p = {.type = CONS_MSG_PROPOSAL,
                       .height = 1,
                       .round = 0,
                       .pol_round = -1,
                       .timestamp = {GEN_TIME + 20, 0}};
    p.block_id.hash.len = 32;
    p.block_id.parts.total = 1;
    p.block_id.parts.hash.len = 32;
    cons_validator prop;
    ck_assert_int_eq(cons_core_proposer(cons_engine_core(n->eng), 0, &prop), AG_OK);
    const crypto_privkey *wrong =
        memcmp(prop.address.b, a1.b, 20) == 0 ? &c.nodes[0].key : &c.nodes[1].key;
    ck_assert_int_eq(cons_proposal_sign(&p, c.g.chain_id, wrong), AG_OK);
    ck_assert_int_eq(cons_engine_receive_proposal(n->eng, &p), AG_ERR_VERIFY);
    /* a part before any proposal of round 3 */
    cons_part part = {0};
    ck_assert_int_eq(cons_engine_receive_part(n->eng, 1, 3, &part), AG_ERR_AGAIN);
    /* a garbage catch-up block */
    cons_commit cm = {.height = 1};
    ck_assert_int_eq(cons_engine_receive_commit(n->eng, (const uint8_t *)"\x0a\x01", 2, &cm),
                     AG_ERR_DECODE);
    ck_assert_int_eq(cons_engine_failed(n->eng), AG_OK);
    cluster_free(&c);
}
END_TEST

START_TEST(double_sign_check_refuses_start)
{
    cluster c;
    cluster_init(&c, 1, 1, 9);
    node *n = &c.nodes[0];
    node_start(n);
    run_until(&c, 4, 10000);
    node_crash(n, false);
    n->cfg.double_sign_check_height = 3;
    ck_assert_int_eq(cons_wal_open(&n->wal, n->dir, NULL), AG_OK);
    cons_engine_args a = {.genesis = &c.g,
                          .block_store = n->bs,
                          .state_store = n->ss,
                          .wal = n->wal,
                          .signer = n->pv,
                          .consensus_conn = n->cli,
                          .env = &c.sim.env,
                          .config = n->cfg};
    cons_engine *e;
    ck_assert_int_eq(cons_engine_new(&e, &a), AG_OK);
    ck_assert_int_eq(cons_engine_start(e), AG_ERR_EXISTS);
    cons_engine_free(e);
    cons_wal_close(n->wal);
    n->wal = NULL;
    cluster_free(&c);
}
END_TEST

/* Process events until every online node has started the height after its
 * last committed one. */
static void step_into_new_height(cluster *c)
{
    for (;;) {
        bool all = true;
        for (int i = 0; i < c->n; i++)
            if (c->nodes[i].online && cons_engine_height(c->nodes[i].eng) <=
                                          cons_engine_state(c->nodes[i].eng)->last_block_height)
                all = false;
        if (all)
            return;
        event ev;
        ck_assert(pop(c, &ev));
        if (ev.t > c->sim.now_ns)
            ag_env_sim_advance(&c->sim, ev.t - c->sim.now_ns);
        node *n = &c->nodes[ev.node];
        if (ev.kind == EV_TIMER && n->online && ev.inc == n->inc)
            check_call(n, cons_engine_on_timer(n->eng, ev.token), "timer");
        else if (ev.kind == EV_MSG && n->online)
            deliver(n, ev.m);
        else
            msg_free(ev.m);
    }
}

/* Validator 3 (offline) signs a nil prevote and one for another block at
 * each running node's current height and round. */
static int64_t equivocate(cluster *c)
{
    crypto_address a3;
    crypto_address_from_pubkey(&a3, &c->nodes[3].pub);
    int64_t hmin = INT64_MAX;
    for (int i = 0; i < 3; i++) {
        node *n = &c->nodes[i];
        const cons_valset *vs = cons_core_valset(cons_engine_core(n->eng));
        long idx = cons_valset_index_of(vs, &a3);
        ck_assert_int_ge(idx, 0);
        cons_vote v = {.type = CONS_MSG_PREVOTE,
                       .height = cons_engine_height(n->eng),
                       .round = cons_engine_round(n->eng),
                       .timestamp = {GEN_TIME + 30, 0},
                       .validator_address = a3,
                       .validator_index = (int32_t)idx};
        if (v.height < hmin)
            hmin = v.height;
        uint64_t before = cons_core_get_stats(cons_engine_core(n->eng))->evidence;
        ck_assert_int_eq(cons_vote_sign(&v, c->g.chain_id, &c->nodes[3].key, false), AG_OK);
        ck_assert_int_eq(cons_engine_receive_vote(n->eng, &v), AG_OK);
        v.block_id.hash.len = 32;
        memset(v.block_id.hash.b, 0xEE, 32);
        v.block_id.parts.total = 1;
        v.block_id.parts.hash.len = 32;
        ck_assert_int_eq(cons_vote_sign(&v, c->g.chain_id, &c->nodes[3].key, false), AG_OK);
        ck_assert_int_eq(cons_engine_receive_vote(n->eng, &v), AG_OK);
        ck_assert_uint_eq(cons_core_get_stats(cons_engine_core(n->eng))->evidence, before + 1);
    }
    return hmin;
}

START_TEST(equivocation_becomes_evidence_in_a_block)
{
    cluster c;
    cluster_init(&c, 4, 4, 12);
    for (int i = 0; i < 3; i++)
        node_start(&c.nodes[i]);
    c.nodes[3].exists = false;
    /* once in a decided height (late votes: evidence at once), once in a
     * height being decided (evidence after its commit) */
    run_until(&c, 3, 20000);
    int64_t hmin = equivocate(&c);
    step_into_new_height(&c);
    equivocate(&c);
    run_until(&c, hmin + 8, 30000);
    node *n = &c.nodes[0];
    crypto_address a3;
    crypto_address_from_pubkey(&a3, &c.nodes[3].pub);
    size_t found = 0;
    for (int64_t h = hmin + 1; h <= hmin + 8; h++) {
        ag_buf raw;
        ag_buf_init(&raw, 0);
        ck_assert_int_eq(cons_block_store_load_block(n->bs, h, &raw), AG_OK);
        cons_block b = {0};
        ck_assert_int_eq(cons_block_decode(&b, raw.data, raw.len), AG_OK);
        for (size_t k = 0; k < b.n_evidence; k++) {
            ck_assert_mem_eq(b.evidence[k].vote_a.validator_address.b, a3.b, 20);
            found++;
        }
        cons_block_clear(&b);
        ag_buf_free(&raw);
    }
    ck_assert_uint_eq(found, 2);
    ck_assert_uint_eq(cons_evpool_size(cons_engine_evpool(n->eng)), 0);
    for (int i = 0; i < 3; i++)
        check_stores(&c.nodes[i]);
    cluster_free(&c);
}
END_TEST

/* A seeded scenario: 4 validators, random delays, drops and duplicates
 * until GST, every node crashing at random points (sometimes losing its
 * app) before GST; after GST the cluster must reach height 12. Agreement,
 * equal app hashes and no double sign are checked throughout. */
START_TEST(randomized_faults)
{
    uint64_t runs = ag_test_iters(8, 80);
    int crashes = 0;
    uint64_t first = getenv("ENGINE_RUN") ? strtoull(getenv("ENGINE_RUN"), NULL, 10) : 0;
    for (uint64_t run = first; run < runs; run++) {
        if (getenv("ENGINE_LOG"))
            fprintf(stderr, "run %" PRIu64 "\n", run);
        cluster c;
        cluster_init(&c, 4, 4, 1000 + run);
        ag_test_rng(&c.net, 5000 + run);
        c.jitter_ms = 1 + (uint32_t)ag_rng_below(&c.net, 40);
        c.drop_permille = (uint32_t)ag_rng_below(&c.net, 100);
        c.dup_permille = (uint32_t)ag_rng_below(&c.net, 100);
        c.gst_ns = (5000 + ag_rng_below(&c.net, 5000)) * MS;
        for (int i = 0; i < 4; i++) {
            node *n = &c.nodes[i];
            c.crash_budget[i] = (int)ag_rng_below(&c.net, 3);
            n->fault_at = (cons_engine_point)(1 + ag_rng_below(&c.net, 8));
            n->fault_h = 1 + (int64_t)ag_rng_below(&c.net, 4);
            node_start(n);
        }
        char tx[32];
        for (int k = 0; k < 6; k++) {
            snprintf(tx, sizeof tx, "r%d=%d", k, k);
            submit(&c.nodes[k % 4], tx);
        }
        run_until(&c, 12, 300000);
        for (int i = 0; i < 4; i++)
            check_stores(&c.nodes[i]);
        ck_assert_int_eq(stored_txs(&c.nodes[0]) <= 6, 1);
        if (getenv("ENGINE_LOG"))
            fprintf(stderr,
                    "run %" PRIu64 ": %d crashes, %" PRIu64 " ms, jitter %u drop %u dup %u\n", run,
                    c.crashes, (uint64_t)(now_ns(&c) / MS), c.jitter_ms, c.drop_permille,
                    c.dup_permille);
        crashes += c.crashes;
        cluster_free(&c);
    }
    ck_assert_int_gt(crashes, 0);
}
END_TEST

START_TEST(retain_height_prunes_both_stores)
{
    retain_keep = 3;
    cluster c;
    cluster_init(&c, 1, 1, 14);
    node *n = &c.nodes[0];
    node_start(n);
    submit(n, "p=1");
    run_until(&c, 12, 20000);
    int64_t top = cons_engine_state(n->eng)->last_block_height;
    int64_t base = cons_block_store_base(n->bs);
    ck_assert_int_ge(base, top - 4);
    ck_assert_int_le(base, top - 2);
    cons_block_meta m;
    ck_assert_int_eq(cons_block_store_load_meta(n->bs, base - 1, &m), AG_ERR_NOT_FOUND);
    ag_buf raw;
    ag_buf_init(&raw, 0);
    ck_assert_int_eq(cons_state_store_load_finalize_response(n->ss, base - 1, &raw),
                     AG_ERR_NOT_FOUND);
    ck_assert_int_eq(cons_state_store_load_finalize_response(n->ss, base, &raw), AG_OK);
    ag_buf_free(&raw);
    cons_valset vs = {0};
    ck_assert_int_eq(cons_state_store_load_validators(n->ss, base, &vs), AG_OK);
    cons_valset_free(&vs);
    /* a restart with the app kept works on the pruned stores */
    node_crash(n, false);
    node_start(n);
    run_until(&c, top + 3, 20000);
    /* a lost app cannot be replayed from genesis any more: a clear error */
    node_crash(n, true);
    ck_assert_int_eq(cons_wal_open(&n->wal, n->dir, NULL), AG_OK);
    cons_engine_args a = {.genesis = &c.g,
                          .block_store = n->bs,
                          .state_store = n->ss,
                          .wal = n->wal,
                          .signer = n->pv,
                          .consensus_conn = n->cli,
                          .env = &c.sim.env,
                          .config = n->cfg};
    cons_engine *e;
    ck_assert_int_eq(cons_engine_new(&e, &a), AG_OK);
    ck_assert_int_eq(cons_engine_start(e), AG_ERR_STATE);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "pruned"));
    cons_engine_free(e);
    cons_wal_close(n->wal);
    n->wal = NULL;
    cluster_free(&c);
    retain_keep = 0;
}
END_TEST

/* The app behind the ABCI socket protocol over TCP: a consensus and a
 * mempool connection, CheckTx answers arriving asynchronously. */
START_TEST(single_validator_over_socket_clients)
{
    cluster c;
    cluster_init(&c, 1, 1, 15);
    node *n = &c.nodes[0];
    abci_app app = {.ops = &val_ops, .ctx = n->app};
    abci_server_opts so = {0};
    so.app_mutex = &n->mu;
    abci_server *srv;
    ck_assert_int_eq(abci_server_new(&srv, &app, &so), AG_OK);
    ck_assert_int_eq(abci_server_listen(srv, "tcp://127.0.0.1:0"), AG_OK);
    ck_assert_int_eq(abci_server_start(srv), AG_OK);
    abci_socket_opts o;
    abci_socket_opts_default(&o);
    o.io_timeout_ms = 10000;
    abci_client *cons_cli, *mp_cli;
    ck_assert_int_eq(abci_socket_new(&cons_cli, abci_server_address(srv), &o), AG_OK);
    ck_assert_int_eq(abci_socket_new(&mp_cli, abci_server_address(srv), &o), AG_OK);
    ck_assert_int_eq(cons_wal_open(&n->wal, n->dir, NULL), AG_OK);
    cons_engine_args a = {.genesis = &c.g,
                          .block_store = n->bs,
                          .state_store = n->ss,
                          .wal = n->wal,
                          .signer = n->pv,
                          .consensus_conn = cons_cli,
                          .mempool_conn = mp_cli,
                          .env = &c.sim.env,
                          .config = n->cfg,
                          .io = {.ctx = n, .schedule_timer = io_timer, .committed = io_committed}};
    n->inc++;
    ck_assert_int_eq(cons_engine_new(&n->eng, &a), AG_OK);
    ck_assert_int_eq(cons_engine_start(n->eng), AG_OK);
    n->online = true;
    run_until(&c, 2, 10000);
    submit(n, "s1=a");
    submit(n, "s2=b");
    run_until(&c, 5, 10000);
    ck_assert_int_eq(stored_txs(n), 2);
    check_stores(n);
    cons_engine_free(n->eng);
    n->eng = NULL;
    n->online = false;
    cons_wal_close(n->wal);
    n->wal = NULL;
    abci_client_free(cons_cli);
    abci_client_free(mp_cli);
    abci_server_free(srv);
    app_query(n, "s2", "b");
    cluster_free(&c);
}
END_TEST

START_TEST(new_checks_arguments)
{
    cons_engine *e = (void *)1;
    cons_engine_args a = {0};
    ck_assert_int_eq(cons_engine_new(&e, &a), AG_ERR_INVALID_ARG);
    ck_assert_ptr_null(e);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "genesis"));
    cons_engine_free(NULL);
}
END_TEST

static Suite *cons_engine_suite(void)
{
    Suite *s = suite_create("cons_engine");
    TCase *tc = ag_test_tcase("single");
    tcase_add_test(tc, new_checks_arguments);
    tcase_add_test(tc, single_validator_commits_txs);
    tcase_add_test(tc, no_empty_blocks_waits_for_txs);
    tcase_add_test(tc, rejects_bad_messages);
    tcase_add_test(tc, double_sign_check_refuses_start);
    tcase_add_test(tc, handshake_refuses_foreign_app);
    tcase_add_test(tc, retain_height_prunes_both_stores);
    tcase_add_test(tc, single_validator_over_socket_clients);
    suite_add_tcase(s, tc);
    tc = ag_test_tcase("cluster");
    tcase_add_test(tc, four_validators_agree);
    tcase_add_test(tc, no_empty_blocks_cluster_tx_at_non_proposer);
    tcase_add_test(tc, one_offline_still_live_then_catches_up);
    tcase_add_test(tc, validator_set_change_at_h_plus_2);
    tcase_add_test(tc, equivocation_becomes_evidence_in_a_block);
    suite_add_tcase(s, tc);
    tc = ag_test_tcase("restart");
    tcase_add_loop_test(tc, restart_single_at_every_point, 0, (int)N_POINTS);
    tcase_add_loop_test(tc, restart_cluster_member_at_every_point, 0, (int)N_POINTS);
    tcase_add_test(tc, restart_with_lost_app_replays_blocks);
    tcase_add_test(tc, randomized_faults);
    suite_add_tcase(s, tc);
    return s;
}

AG_TEST_MAIN(cons_engine_suite)
