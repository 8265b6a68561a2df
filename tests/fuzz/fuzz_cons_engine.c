/* The consensus engine under hostile peers: the data is a program run
 * against the engine of validator 0 of a 4-validator chain (kvstore app,
 * memory stores, a WAL on tmpfs or /tmp). Each operation is a tag byte and
 * arguments:
 *   0 raw vote:     u8 len, bytes decoded as a Vote, given to receive_vote
 *   1 raw proposal: u8 len, bytes decoded as a Proposal
 *   2 raw part:     u8 round, u8 len, bytes decoded as a Part
 *   3 raw catch-up: u8 block len, block bytes, u8 commit len, commit bytes
 *   4 timer:        fire the earliest pending timer (virtual time moves)
 *   5 signed vote:  u8 type (prevote/precommit), u8 round, u8 validator
 *                   (1 + v mod 3: never the node's own key), u8 block (0 nil, 1 the round's
 * proposal or nil without one, else a made-up id), signed with that validator's key 6 tx: u8 len,
 * bytes submitted to the mempool 7 restart:      the engine is dropped and started again on the
 * same stores, WAL, signer and app (handshake + WAL replay) Properties: no crash; nothing a peer
 * sends fails the engine (cons_engine_failed stays AG_OK); the node never broadcasts two different
 * votes or proposals for one height/round/type. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abci/client.h"
#include "abci/kvstore.h"
#include "consensus/engine.h"
#include "lib/log.h"
#include "tests/fuzz/fuzz.h"

#define NV         4
#define TIMERS_MAX 512
#define SIGNED_MAX 512

static crypto_privkey keys[NV];
static crypto_pubkey pubs[NV];
static bool ready;

static const abci_app_ops *kv_ops;
static abci_app_ops ops;

static ag_err init_chain(void *ctx, abci_arena *a, const abci_req_init_chain *req,
                         abci_resp_init_chain *resp)
{
    abci_req_init_chain r = *req;
    r.app_state_bytes.len = 0; /* the kvstore reads key=value lines */
    return kv_ops->init_chain(ctx, a, &r, resp);
}

typedef struct signed_rec {
    int64_t h;
    int32_t r;
    int type;
    cons_block_id id;
} signed_rec;

typedef struct host {
    ag_env_sim sim;
    uint64_t due[TIMERS_MAX];
    uint64_t token[TIMERS_MAX];
    size_t n;
    signed_rec signs[SIGNED_MAX];
    size_t n_signs;
} host;

static void note(host *h, int64_t height, int32_t round, int type, const cons_block_id *id)
{
    for (size_t i = 0; i < h->n_signs; i++)
        if (h->signs[i].h == height && h->signs[i].r == round && h->signs[i].type == type) {
            FUZZ_ASSERT(cons_block_id_equal(&h->signs[i].id, id));
            return;
        }
    if (h->n_signs < SIGNED_MAX)
        h->signs[h->n_signs++] = (signed_rec){height, round, type, *id};
}

static void io_timer(void *ctx, uint32_t ms, uint64_t token)
{
    host *h = ctx;
    if (h->n == TIMERS_MAX)
        return; /* dropped: a lost timer only stalls the program */
    h->due[h->n] = h->sim.now_ns + (uint64_t)ms * 1000000u;
    h->token[h->n++] = token;
}

static void io_proposal(void *ctx, const cons_proposal *p)
{
    note(ctx, p->height, p->round, 32, &p->block_id);
}

static void io_vote(void *ctx, const cons_vote *v)
{
    note(ctx, v->height, v->round, v->type, &v->block_id);
}

static void init(void)
{
    if (ready)
        return;
    ag_log_setup(AG_LOG_OFF, AG_LOG_TEXT, NULL);
    for (int i = 0; i < NV; i++) {
        uint8_t sk[32] = {0};
        sk[31] = (uint8_t)(i + 1);
        if (crypto_privkey_from_bytes(&keys[i], sk, 32) != AG_OK ||
            crypto_pubkey_from_privkey(&pubs[i], &keys[i]) != AG_OK)
            abort();
    }
    ready = true;
}

typedef struct rig {
    host h;
    genesis_doc g;
    state_kv *kv;
    cons_block_store *bs;
    cons_state_store *ss;
    cons_wal *wal;
    cons_privval *pv;
    abci_kvstore *app;
    abci_client *cli;
    cons_engine *e;
    char dir[64];
} rig;

static void start(rig *r)
{
    FUZZ_ASSERT(cons_wal_open(&r->wal, r->dir, NULL) == AG_OK);
    cons_engine_args a = {.genesis = &r->g,
                          .block_store = r->bs,
                          .state_store = r->ss,
                          .wal = r->wal,
                          .signer = r->pv,
                          .consensus_conn = r->cli,
                          .env = &r->h.sim.env,
                          .io = {.ctx = &r->h,
                                 .schedule_timer = io_timer,
                                 .broadcast_proposal = io_proposal,
                                 .broadcast_vote = io_vote}};
    cons_engine_config_default(&a.config);
    a.config.timeouts = cons_core_config_fast();
    FUZZ_ASSERT(cons_engine_new(&r->e, &a) == AG_OK);
    r->h.n = 0; /* the old engine's timers die with it */
    FUZZ_ASSERT(cons_engine_start(r->e) == AG_OK);
}

static void stop(rig *r)
{
    cons_engine_free(r->e);
    r->e = NULL;
    cons_wal_close(r->wal);
    r->wal = NULL;
}

static void setup(rig *r)
{
    memset(r, 0, sizeof *r);
    ag_env_sim_init(&r->h.sim, 1, 1700000100ull * 1000000000ull);
    FUZZ_ASSERT(genesis_doc_init(&r->g) == AG_OK);
    snprintf(r->g.chain_id, sizeof r->g.chain_id, "fuzz-engine");
    r->g.time_seconds = 1700000000;
    for (int i = 0; i < NV; i++)
        FUZZ_ASSERT(genesis_doc_add_validator(&r->g, &pubs[i], 10, "v") == AG_OK);
    snprintf(r->dir, sizeof r->dir, "/dev/shm/agora-fuzz-engine-XXXXXX");
    if (mkdtemp(r->dir) == NULL) {
        snprintf(r->dir, sizeof r->dir, "/tmp/agora-fuzz-engine-XXXXXX");
        FUZZ_ASSERT(mkdtemp(r->dir) != NULL);
    }
    cons_block_store_options bo = {.sync = false};
    FUZZ_ASSERT(state_kv_open_memory(&r->kv) == AG_OK);
    FUZZ_ASSERT(cons_block_store_open(&r->bs, r->kv, &bo) == AG_OK);
    FUZZ_ASSERT(cons_state_store_open(&r->ss, r->kv, false) == AG_OK);
    FUZZ_ASSERT(cons_privval_new_memory(&r->pv, &keys[0], NULL) == AG_OK);
    FUZZ_ASSERT(abci_kvstore_new(&r->app, NULL) == AG_OK);
    abci_app app = abci_kvstore_app(r->app);
    kv_ops = app.ops;
    ops = *app.ops;
    ops.init_chain = init_chain;
    app.ops = &ops;
    FUZZ_ASSERT(abci_local_new(&r->cli, &app, NULL) == AG_OK);
    start(r);
}

static void teardown(rig *r)
{
    stop(r);
    abci_client_free(r->cli);
    abci_kvstore_free(r->app);
    cons_privval_free(r->pv);
    cons_block_store_close(r->bs);
    cons_state_store_close(r->ss);
    state_kv_close(r->kv);
    genesis_doc_free(&r->g);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", r->dir);
    if (system(cmd) != 0)
        abort();
}

static void fire(rig *r)
{
    if (r->h.n == 0)
        return;
    size_t best = 0;
    for (size_t i = 1; i < r->h.n; i++)
        if (r->h.due[i] < r->h.due[best])
            best = i;
    uint64_t due = r->h.due[best], tok = r->h.token[best];
    r->h.due[best] = r->h.due[--r->h.n];
    r->h.token[best] = r->h.token[r->h.n];
    if (due > r->h.sim.now_ns)
        ag_env_sim_advance(&r->h.sim, due - r->h.sim.now_ns);
    (void)cons_engine_on_timer(r->e, tok);
}

static void signed_vote(rig *r, const uint8_t a[4])
{
    int k = 1 + a[2] % (NV - 1);
    crypto_address addr;
    crypto_address_from_pubkey(&addr, &pubs[k]);
    const cons_valset *vs = cons_core_valset(cons_engine_core(r->e));
    long idx = cons_valset_index_of(vs, &addr);
    if (idx < 0)
        return;
    cons_vote v = {.type = (a[0] & 1) ? CONS_MSG_PRECOMMIT : CONS_MSG_PREVOTE,
                   .height = cons_engine_height(r->e),
                   .round = a[1] % 12,
                   .timestamp = {1700000200 + a[1], 0},
                   .validator_address = addr,
                   .validator_index = (int32_t)idx};
    if (a[3] == 1) {
        const cons_proposal *p = cons_core_proposal(cons_engine_core(r->e), v.round);
        if (p != NULL)
            v.block_id = p->block_id;
    } else if (a[3] > 1) {
        v.block_id.hash.len = 32;
        memset(v.block_id.hash.b, a[3], 32);
        v.block_id.parts.total = 1;
        v.block_id.parts.hash.len = 32;
        memset(v.block_id.parts.hash.b, a[3] ^ 0x5a, 32);
    }
    FUZZ_ASSERT(cons_vote_sign(&v, r->g.chain_id, &keys[k], false) == AG_OK);
    (void)cons_engine_receive_vote(r->e, &v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init();
    rig r;
    setup(&r);
    size_t i = 0;
    while (i < size) {
        uint8_t op = data[i++] % 8;
        switch (op) {
        case 0:
        case 1: {
            if (i >= size)
                break;
            size_t n = data[i++];
            if (n > size - i)
                n = size - i;
            if (op == 0) {
                cons_vote v = {0};
                if (cons_vote_decode(&v, data + i, n) == AG_OK)
                    (void)cons_engine_receive_vote(r.e, &v);
                cons_vote_clear(&v);
            } else {
                cons_proposal p;
                if (cons_proposal_decode(&p, data + i, n) == AG_OK)
                    (void)cons_engine_receive_proposal(r.e, &p);
            }
            i += n;
            break;
        }
        case 2: {
            if (size - i < 2) {
                i = size;
                break;
            }
            int32_t round = data[i];
            size_t n = data[i + 1];
            i += 2;
            if (n > size - i)
                n = size - i;
            cons_part p = {0};
            if (cons_part_decode(&p, data + i, n) == AG_OK)
                (void)cons_engine_receive_part(r.e, cons_engine_height(r.e), round, &p);
            cons_part_clear(&p);
            i += n;
            break;
        }
        case 3: {
            if (i >= size)
                break;
            size_t bn = data[i++];
            if (bn > size - i)
                bn = size - i;
            const uint8_t *blk = data + i;
            i += bn;
            if (i >= size)
                break;
            size_t cn = data[i++];
            if (cn > size - i)
                cn = size - i;
            cons_commit c = {0};
            if (cons_commit_decode(&c, data + i, cn) == AG_OK)
                (void)cons_engine_receive_commit(r.e, blk, bn, &c);
            cons_commit_clear(&c);
            i += cn;
            break;
        }
        case 4:
            fire(&r);
            break;
        case 5:
            if (size - i < 4) {
                i = size;
                break;
            }
            signed_vote(&r, data + i);
            i += 4;
            break;
        case 6: {
            if (i >= size)
                break;
            size_t n = data[i++];
            if (n > size - i)
                n = size - i;
            (void)cons_engine_submit_tx(r.e, data + i, n, NULL, NULL);
            i += n;
            break;
        }
        case 7:
            stop(&r);
            start(&r);
            break;
        }
        FUZZ_ASSERT(cons_engine_failed(r.e) == AG_OK);
    }
    teardown(&r);
    return 0;
}
