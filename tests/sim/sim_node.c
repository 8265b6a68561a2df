/* sim_node.c — the trivial node of the cluster simulation (see sim.h): the
 * consensus core driven like a real node would drive it, with a model signer,
 * an input log replayed on restart, a block store and a trivial app. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/hash.h"
#include "lib/buf.h"
#include "tests/sim/sim.h"

#define KNOWN_MAX 64

typedef enum in_kind {
    IN_START = 1,
    IN_PROPOSAL,
    IN_VOTE,
    IN_TIMEOUT,
    IN_PROPOSE,
    IN_COMMIT,
} in_kind;

/* One logged input (the WAL model). */
typedef struct sim_input {
    in_kind kind;
    int64_t h;
    int32_t r;
    cons_step step;
    cons_proposal prop;
    crypto_address signer;
    cons_vote vote;
    sim_block block;
    cons_block_id id;
    int32_t c_round;
    size_t n_sigs;
    cons_commit_sig sigs[SIM_MAX_NODES];
} sim_input;

typedef struct stored_block {
    sim_block block;
    cons_block_id id;
    int32_t round;
    size_t n_sigs;
    cons_commit_sig sigs[SIM_MAX_NODES];
} stored_block;

struct sim_node {
    sim_world *w;
    int id, n;
    uint32_t byz;
    uint8_t keys[SIM_MAX_NODES][32];
    crypto_address addrs[SIM_MAX_NODES];
    const cons_valset *vals;
    int node_of[SIM_MAX_NODES]; /* validator index -> node */
    /* Survives crashes ("disk"). */
    struct {
        bool has;
        int64_t h;
        int32_t r;
        int step;
        cons_block_id id;
        cons_timestamp ts;
        cons_sig sig;
    } signer;
    sim_input *log;
    size_t n_log, cap_log;
    stored_block *store; /* store[h - 1] */
    int64_t store_height;
    size_t cap_store;
    uint8_t app_hash[32];
    uint64_t evidence;
    /* Volatile. */
    bool up, replaying;
    uint64_t incarnation;
    cons_core *core;
    sim_block known[KNOWN_MAX];
    uint8_t known_hash[KNOWN_MAX][32];
    size_t n_known;
    uint64_t last_catchup_ms[SIM_MAX_NODES];
    bool has_alt; /* byzantine equivocation: the second block */
    sim_block alt;
};

static void handle_outputs(sim_node *nd);

/* ---- blocks and the app ---- */

static void block_hash(uint8_t out[32], const sim_block *b)
{
    uint8_t buf[8 + SIM_TXS_LEN];
    for (int i = 0; i < 8; i++)
        buf[i] = (uint8_t)((uint64_t)b->height >> (56 - 8 * i));
    memcpy(buf + 8, b->txs, SIM_TXS_LEN);
    crypto_sha256(out, buf, sizeof buf);
}

static cons_block_id block_id_of(const sim_block *b)
{
    cons_block_id id = {0};
    uint8_t h[32];
    block_hash(h, b);
    cons_hash_set(&id.hash, h);
    id.parts.total = 1;
    crypto_sha256(h, h, 32); /* the part set root of a one-part block */
    cons_hash_set(&id.parts.hash, h);
    return id;
}

static bool block_valid(const sim_block *b, int64_t height)
{
    return b->height == height && b->txs[0] != 0xFF;
}

static void remember_block(sim_node *nd, const sim_block *b)
{
    uint8_t h[32];
    block_hash(h, b);
    for (size_t i = 0; i < nd->n_known; i++)
        if (memcmp(nd->known_hash[i], h, 32) == 0)
            return;
    if (nd->n_known == KNOWN_MAX)
        return; /* bounded: a flood of blocks is not kept */
    nd->known[nd->n_known] = *b;
    memcpy(nd->known_hash[nd->n_known], h, 32);
    nd->n_known++;
}

static const sim_block *find_block(const sim_node *nd, const cons_block_id *id)
{
    for (size_t i = 0; i < nd->n_known; i++)
        if (memcmp(nd->known_hash[i], id->hash.b, 32) == 0)
            return &nd->known[i];
    return NULL;
}

/* ---- model signatures ---- */

static void model_sig(cons_sig *sig, const uint8_t key[32], const ag_buf *sb)
{
    crypto_sha256_ctx ctx;
    crypto_sha256_init(&ctx);
    crypto_sha256_update(&ctx, key, 32);
    crypto_sha256_update(&ctx, sb->data, sb->len);
    crypto_sha256_final(&ctx, sig->b);
    crypto_sha256(sig->b + 32, sig->b, 32);
    sig->len = 64;
}

static void sign_vote_raw(const sim_node *nd, cons_vote *v)
{
    ag_buf sb;
    ag_buf_init(&sb, 0);
    if (cons_vote_sign_bytes(&sb, "agora-sim", v) != AG_OK)
        abort();
    model_sig(&v->signature, nd->keys[nd->id], &sb);
    ag_buf_free(&sb);
}

static void sign_proposal_raw(const sim_node *nd, cons_proposal *p)
{
    ag_buf sb;
    ag_buf_init(&sb, 0);
    if (cons_proposal_sign_bytes(&sb, "agora-sim", p) != AG_OK)
        abort();
    model_sig(&p->signature, nd->keys[nd->id], &sb);
    ag_buf_free(&sb);
}

static bool verify_vote(const sim_node *nd, const cons_vote *v)
{
    if (v->validator_index < 0 || (size_t)v->validator_index >= nd->vals->n)
        return false;
    ag_buf sb;
    ag_buf_init(&sb, 0);
    if (cons_vote_sign_bytes(&sb, "agora-sim", v) != AG_OK)
        abort();
    cons_sig s;
    model_sig(&s, nd->keys[nd->node_of[v->validator_index]], &sb);
    ag_buf_free(&sb);
    return v->signature.len == 64 && memcmp(s.b, v->signature.b, 64) == 0;
}

static bool verify_proposal(const sim_node *nd, const cons_proposal *p, int node)
{
    ag_buf sb;
    ag_buf_init(&sb, 0);
    if (cons_proposal_sign_bytes(&sb, "agora-sim", p) != AG_OK)
        abort();
    cons_sig s;
    model_sig(&s, nd->keys[node], &sb);
    ag_buf_free(&sb);
    return p->signature.len == 64 && memcmp(s.b, p->signature.b, 64) == 0;
}

/* The signer's double-sign protection (privval's rules): never sign below
 * the last (height, round, step); at the same one, only the same value, for
 * which the earlier timestamp and signature are returned. */
static bool signer_check(sim_node *nd, int64_t h, int32_t r, int step, const cons_block_id *id,
                         cons_timestamp *ts, cons_sig *sig, bool *reuse)
{
    *reuse = false;
    if (nd->signer.has) {
        if (h < nd->signer.h || (h == nd->signer.h && r < nd->signer.r) ||
            (h == nd->signer.h && r == nd->signer.r && step < nd->signer.step))
            return false;
        if (h == nd->signer.h && r == nd->signer.r && step == nd->signer.step) {
            if (!cons_block_id_equal(id, &nd->signer.id))
                return false;
            *ts = nd->signer.ts;
            *sig = nd->signer.sig;
            *reuse = true;
            return true;
        }
    }
    return true;
}

static void signer_record(sim_node *nd, int64_t h, int32_t r, int step, const cons_block_id *id,
                          const cons_timestamp *ts, const cons_sig *sig)
{
    nd->signer.has = true;
    nd->signer.h = h;
    nd->signer.r = r;
    nd->signer.step = step;
    nd->signer.id = *id;
    nd->signer.ts = *ts;
    nd->signer.sig = *sig;
}

static cons_timestamp now_ts(const sim_node *nd)
{
    uint64_t us = sim_now_us(nd->w);
    return (cons_timestamp){1700000000 + (int64_t)(us / 1000000), (int32_t)(us % 1000000) * 1000};
}

/* ---- the input log and the core ---- */

static void apply(sim_node *nd, const sim_input *in)
{
    ag_err e = AG_OK;
    cons_reject why;
    switch (in->kind) {
    case IN_START:
        nd->n_known = 0;
        nd->has_alt = false;
        e = cons_core_start_height(nd->core, in->h, nd->vals);
        break;
    case IN_PROPOSAL: {
        remember_block(nd, &in->block);
        e = cons_core_add_proposal(nd->core, &in->prop, &in->signer, &why);
        cons_block_id id = block_id_of(&in->block);
        if (e == AG_OK && cons_block_id_equal(&id, &in->prop.block_id))
            e = cons_core_block_ready(nd->core, &id, block_valid(&in->block, in->prop.height),
                                      &why);
        break;
    }
    case IN_VOTE:
        e = cons_core_add_vote(nd->core, &in->vote, &why);
        break;
    case IN_TIMEOUT:
        e = cons_core_timeout(nd->core, in->h, in->r, in->step, &why);
        break;
    case IN_PROPOSE:
        remember_block(nd, &in->block);
        e = cons_core_propose(nd->core, in->h, in->r, &in->id, &why);
        break;
    case IN_COMMIT: {
        remember_block(nd, &in->block);
        cons_commit_sig sigs[SIM_MAX_NODES];
        memcpy(sigs, in->sigs, sizeof sigs);
        cons_commit c = {.height = in->h,
                         .round = in->c_round,
                         .block_id = in->id,
                         .sigs = sigs,
                         .n_sigs = in->n_sigs};
        e = cons_core_add_commit(nd->core, &c, &why);
        break;
    }
    }
    if (e != AG_OK)
        sim_fail(nd->w, "node %d: core input %d failed: %s", nd->id, (int)in->kind,
                 ag_err_detail());
}

static void feed(sim_node *nd, const sim_input *in)
{
    if (in->kind == IN_START)
        nd->n_log = 0; /* the WAL keeps the inputs of the current height */
    if (nd->n_log == nd->cap_log) {
        nd->cap_log = nd->cap_log ? 2 * nd->cap_log : 64;
        nd->log = realloc(nd->log, nd->cap_log * sizeof *nd->log);
        if (nd->log == NULL)
            abort();
    }
    nd->log[nd->n_log++] = *in;
    apply(nd, in);
    handle_outputs(nd);
}

/* ---- outputs ---- */

static void send_split(sim_node *nd, const sim_msg *even, const sim_msg *odd)
{
    for (int i = 0; i < nd->n; i++)
        sim_send(nd->w, nd->id, i, (i % 2) ? odd : even);
}

static void do_sign_proposal(sim_node *nd, cons_proposal *p)
{
    const sim_block *b = find_block(nd, &p->block_id);
    if (b == NULL) {
        sim_fail(nd->w, "node %d: no block for its own proposal", nd->id);
        return;
    }
    p->timestamp = now_ts(nd);
    if (nd->byz == 0) {
        bool reuse;
        if (!signer_check(nd, p->height, p->round, 1, &p->block_id, &p->timestamp, &p->signature,
                          &reuse)) {
            sim_fail(nd->w, "node %d: signer refused the core's proposal at %lld/%d", nd->id,
                     (long long)p->height, (int)p->round);
            return;
        }
        if (!reuse) {
            sign_proposal_raw(nd, p);
            signer_record(nd, p->height, p->round, 1, &p->block_id, &p->timestamp, &p->signature);
        }
        sim_check_sign(nd->w, nd->id, CONS_MSG_PROPOSAL, p->height, p->round, &p->block_id);
    } else {
        sign_proposal_raw(nd, p);
    }
    uint8_t h[32];
    block_hash(h, b);
    sim_note_proposed(nd->w, h);
    if (getenv("SIM_TRACE"))
        fprintf(stderr, "t=%llu node %d byz%u: propose h%lld r%d pol%d %02x\n",
                (unsigned long long)sim_now_ms(nd->w), nd->id, nd->byz, (long long)p->height,
                (int)p->round, (int)p->pol_round, p->block_id.hash.b[0]);
    sim_msg m = {.kind = SIM_MSG_PROPOSAL, .proposal = *p, .block = *b};
    if ((nd->byz & SIM_BYZ_EQUIVOCATE) && nd->has_alt && p->pol_round == -1) {
        sim_msg m2 = m;
        m2.block = nd->alt;
        m2.proposal.block_id = block_id_of(&nd->alt);
        sign_proposal_raw(nd, &m2.proposal);
        block_hash(h, &nd->alt);
        sim_note_proposed(nd->w, h);
        send_split(nd, &m, &m2);
    } else {
        sim_broadcast(nd->w, nd->id, &m);
    }
    sim_input in = {.kind = IN_PROPOSAL, .prop = *p, .signer = nd->addrs[nd->id], .block = *b};
    feed(nd, &in);
}

static void do_sign_vote(sim_node *nd, cons_vote *v)
{
    if (nd->byz & SIM_BYZ_INVALID) {
        /* Vote for the round's proposal whatever its validity. */
        const cons_proposal *p = cons_core_proposal(nd->core, v->round);
        if (p != NULL)
            v->block_id = p->block_id;
    }
    v->timestamp = now_ts(nd);
    int step = v->type == CONS_MSG_PREVOTE ? 2 : 3;
    if (nd->byz == 0) {
        bool reuse;
        if (!signer_check(nd, v->height, v->round, step, &v->block_id, &v->timestamp, &v->signature,
                          &reuse)) {
            sim_fail(nd->w, "node %d: signer refused the core's vote at %lld/%d/%d", nd->id,
                     (long long)v->height, (int)v->round, step);
            return;
        }
        if (!reuse) {
            sign_vote_raw(nd, v);
            signer_record(nd, v->height, v->round, step, &v->block_id, &v->timestamp,
                          &v->signature);
        }
        sim_check_sign(nd->w, nd->id, v->type, v->height, v->round, &v->block_id);
    } else {
        sign_vote_raw(nd, v);
    }
    sim_msg m = {.kind = SIM_MSG_VOTE, .vote = *v};
    if (getenv("SIM_TRACE"))
        fprintf(stderr, "t=%llu node %d byz%u: %s h%lld r%d %02x\n",
                (unsigned long long)sim_now_ms(nd->w), nd->id, nd->byz,
                v->type == CONS_MSG_PREVOTE ? "prevote" : "precommit", (long long)v->height,
                (int)v->round, v->block_id.hash.len ? v->block_id.hash.b[0] : 0);
    if (nd->byz & SIM_BYZ_DOUBLE_VOTE) {
        sim_msg m2 = m;
        if (cons_block_id_is_zero(&v->block_id)) {
            sim_block fake = {.height = v->height};
            memset(fake.txs, 0x42, sizeof fake.txs);
            fake.txs[1] = (uint8_t)v->round;
            m2.vote.block_id = block_id_of(&fake);
        } else {
            memset(&m2.vote.block_id, 0, sizeof m2.vote.block_id);
        }
        sign_vote_raw(nd, &m2.vote);
        send_split(nd, &m, &m2);
    } else {
        sim_broadcast(nd->w, nd->id, &m);
    }
    if (nd->byz & SIM_BYZ_FUTURE) {
        /* Alone (f of the power) it must not make anyone skip rounds, and
         * the round past the window must be refused. */
        static const int32_t ahead[] = {1, CONS_CORE_FUTURE_ROUNDS, CONS_CORE_FUTURE_ROUNDS + 5};
        for (size_t k = 0; k < sizeof ahead / sizeof ahead[0]; k++) {
            sim_msg m3 = m;
            m3.vote.round = v->round + ahead[k];
            sign_vote_raw(nd, &m3.vote);
            sim_broadcast(nd->w, nd->id, &m3);
        }
    }
    sim_input in = {.kind = IN_VOTE, .vote = *v};
    feed(nd, &in);
}

static void do_build(sim_node *nd, int64_t h, int32_t r)
{
    sim_block b = {.height = h};
    uint8_t seed[24];
    memcpy(seed, "txs-", 4);
    for (int i = 0; i < 8; i++) {
        seed[4 + i] = (uint8_t)((uint64_t)h >> (8 * i));
        seed[12 + i] = (uint8_t)((uint32_t)r >> (8 * (i % 4)));
    }
    seed[20] = (uint8_t)nd->id;
    seed[21] = seed[22] = seed[23] = 0;
    crypto_sha256(b.txs, seed, sizeof seed);
    if (b.txs[0] == 0xFF)
        b.txs[0] = 0; /* honest blocks are valid */
    if (nd->byz & SIM_BYZ_INVALID)
        b.txs[0] = 0xFF;
    if (nd->byz & SIM_BYZ_EQUIVOCATE) {
        nd->alt = b;
        nd->alt.txs[1] ^= 0x80;
        nd->has_alt = true;
    }
    sim_input in = {.kind = IN_PROPOSE, .h = h, .r = r, .block = b, .id = block_id_of(&b)};
    feed(nd, &in);
}

static void do_decide(sim_node *nd, const cons_core_out *o)
{
    if (o->height <= nd->store_height)
        return; /* re-emitted after a restart: already applied */
    const sim_block *b = find_block(nd, &o->block_id);
    if (b == NULL) {
        sim_fail(nd->w, "node %d decided %lld without the block", nd->id, (long long)o->height);
        return;
    }
    if ((size_t)nd->store_height == nd->cap_store) {
        nd->cap_store = nd->cap_store ? 2 * nd->cap_store : 32;
        nd->store = realloc(nd->store, nd->cap_store * sizeof *nd->store);
        if (nd->store == NULL)
            abort();
    }
    stored_block *s = &nd->store[nd->store_height];
    memset(s, 0, sizeof *s);
    s->block = *b;
    s->id = o->block_id;
    s->round = o->commit.round;
    s->n_sigs = o->commit.n_sigs;
    if (s->n_sigs > SIM_MAX_NODES)
        abort();
    memcpy(s->sigs, o->commit.sigs, s->n_sigs * sizeof *s->sigs);
    nd->store_height = o->height;
    uint8_t h[32], buf[64];
    block_hash(h, b);
    memcpy(buf, nd->app_hash, 32);
    memcpy(buf + 32, h, 32);
    crypto_sha256(nd->app_hash, buf, 64);
    sim_check_decide(nd->w, nd->id, o->height, h, block_valid(b, o->height), nd->app_hash);
    sim_note_round(nd->w, o->round);
}

static void handle_outputs(sim_node *nd)
{
    cons_core_out o;
    while (!sim_failed(nd->w) && cons_core_next_output(nd->core, &o)) {
        if (nd->replaying) {
            cons_core_out_clear(&o);
            continue;
        }
        switch (o.kind) {
        case CONS_OUT_BUILD_PROPOSAL:
            do_build(nd, o.height, o.round);
            break;
        case CONS_OUT_SIGN_PROPOSAL:
            do_sign_proposal(nd, &o.proposal);
            break;
        case CONS_OUT_SIGN_VOTE:
            do_sign_vote(nd, &o.vote);
            break;
        case CONS_OUT_TIMEOUT: {
            sim_timer t = {o.height, o.round, o.step, nd->incarnation};
            sim_set_timer(nd->w, nd->id, o.ms, &t);
            break;
        }
        case CONS_OUT_DECIDE:
            do_decide(nd, &o);
            break;
        case CONS_OUT_EVIDENCE:
            nd->evidence++;
            sim_note_evidence(nd->w, nd->id);
            break;
        case CONS_OUT_HEIGHT_DONE: {
            sim_input in = {.kind = IN_START, .h = o.height + 1};
            feed(nd, &in);
            break;
        }
        }
        cons_core_out_clear(&o);
    }
}

/* ---- the world's calls ---- */

static void send_catchup(sim_node *nd, int to, int64_t h)
{
    if (h < 1 || h > nd->store_height)
        return;
    uint64_t now = sim_now_ms(nd->w);
    if (nd->last_catchup_ms[to] != 0 && now - nd->last_catchup_ms[to] < 50)
        return;
    nd->last_catchup_ms[to] = now == 0 ? 1 : now;
    const stored_block *s = &nd->store[h - 1];
    sim_msg m = {.kind = SIM_MSG_COMMIT,
                 .block = s->block,
                 .commit_height = h,
                 .commit_round = s->round,
                 .commit_block_id = s->id,
                 .n_sigs = s->n_sigs};
    memcpy(m.sigs, s->sigs, s->n_sigs * sizeof *s->sigs);
    sim_send(nd->w, nd->id, to, &m);
}

static bool commit_verifies(const sim_node *nd, const sim_msg *m)
{
    if (m->n_sigs != nd->vals->n)
        return false;
    cons_block_id id = block_id_of(&m->block);
    if (!cons_block_id_equal(&id, &m->commit_block_id) || m->block.height != m->commit_height)
        return false;
    for (size_t i = 0; i < m->n_sigs; i++) {
        const cons_commit_sig *cs = &m->sigs[i];
        if (cs->flag != CONS_BLOCK_ID_FLAG_COMMIT)
            continue;
        cons_vote v = {.type = CONS_MSG_PRECOMMIT,
                       .height = m->commit_height,
                       .round = m->commit_round,
                       .block_id = m->commit_block_id,
                       .timestamp = cs->timestamp,
                       .validator_address = cs->validator_address,
                       .validator_index = (int32_t)i,
                       .signature = cs->signature};
        if (!verify_vote(nd, &v))
            return false;
    }
    return true;
}

static void node_on_message(void *p, const sim_msg *m)
{
    sim_node *nd = p;
    if (!nd->up)
        return;
    int64_t h = cons_core_height(nd->core);
    switch (m->kind) {
    case SIM_MSG_PROPOSAL: {
        if (m->proposal.height < h) {
            send_catchup(nd, m->from, m->proposal.height);
            return;
        }
        if (m->proposal.height != h)
            return;
        cons_validator prop;
        if (cons_core_proposer(nd->core, m->proposal.round, &prop) != AG_OK)
            return;
        long vi = cons_valset_index_of(nd->vals, &prop.address);
        if (vi < 0 || !verify_proposal(nd, &m->proposal, nd->node_of[vi]))
            return;
        const cons_proposal *have = cons_core_proposal(nd->core, m->proposal.round);
        if (have != NULL && cons_block_id_equal(&have->block_id, &m->proposal.block_id))
            return; /* already have it: not logged again */
        sim_input in = {
            .kind = IN_PROPOSAL, .prop = m->proposal, .signer = prop.address, .block = m->block};
        feed(nd, &in);
        break;
    }
    case SIM_MSG_VOTE: {
        if (m->vote.height < h) {
            send_catchup(nd, m->from, m->vote.height);
            return;
        }
        if (m->vote.height != h || !verify_vote(nd, &m->vote))
            return;
        const cons_vote_set *s = cons_core_votes(nd->core, m->vote.round, m->vote.type);
        if (s != NULL && m->vote.validator_index >= 0) {
            const cons_vote *all[2 + CONS_VOTE_SET_WANTED_MAX];
            size_t k = cons_vote_set_votes_of(s, (size_t)m->vote.validator_index, all);
            for (size_t j = 0; j < k; j++)
                if (cons_block_id_equal(&all[j]->block_id, &m->vote.block_id))
                    return; /* duplicate: not logged */
            /* A third value is logged only if the core may keep it (for a
             * wanted block id); otherwise it is a conflict already reported. */
            bool wanted = false;
            for (size_t j = 0; j < s->n_wanted; j++)
                wanted |= cons_block_id_equal(&s->wanted[j], &m->vote.block_id);
            if (k >= 2 && !wanted)
                return;
        }
        sim_input in = {.kind = IN_VOTE, .vote = m->vote};
        feed(nd, &in);
        break;
    }
    case SIM_MSG_COMMIT: {
        if (m->commit_height != h || cons_core_decided(nd->core, NULL) || !commit_verifies(nd, m))
            return;
        sim_input in = {.kind = IN_COMMIT,
                        .h = m->commit_height,
                        .c_round = m->commit_round,
                        .id = m->commit_block_id,
                        .block = m->block,
                        .n_sigs = m->n_sigs};
        memcpy(in.sigs, m->sigs, m->n_sigs * sizeof *m->sigs);
        sim_note_catchup(nd->w);
        feed(nd, &in);
        break;
    }
    }
}

static void node_on_timer(void *p, const sim_timer *t)
{
    sim_node *nd = p;
    if (!nd->up || t->incarnation != nd->incarnation)
        return;
    sim_input in = {.kind = IN_TIMEOUT, .h = t->height, .r = t->round, .step = t->step};
    feed(nd, &in);
}

static void relay(sim_node *nd, int to, const cons_vote *v)
{
    if (v == NULL)
        return;
    sim_msg m = {.kind = SIM_MSG_VOTE, .vote = *v};
    m.vote.extension = NULL;
    m.vote.extension_len = 0;
    sim_send(nd->w, nd->id, to, &m);
}

/* Re-send what this node holds for its height to one random peer: the
 * current round's proposal and block, and the votes of this round and the
 * previous one (lost messages are re-sent; a peer behind gets what it needs;
 * a peer ahead answers with a catch-up commit). */
static void node_on_gossip(void *p)
{
    sim_node *nd = p;
    if (!nd->up || nd->n < 2)
        return;
    int to = (int)ag_rng_below(sim_rng(nd->w), (uint64_t)nd->n - 1);
    if (to >= nd->id)
        to++;
    int32_t r = cons_core_round(nd->core);
    const cons_proposal *pr = cons_core_proposal(nd->core, r);
    if (pr != NULL) {
        const sim_block *b = find_block(nd, &pr->block_id);
        if (b != NULL) {
            sim_msg m = {.kind = SIM_MSG_PROPOSAL, .proposal = *pr, .block = *b};
            sim_send(nd->w, nd->id, to, &m);
        }
    }
    /* The prevotes of the proposal's POL round (L28 needs them) and of the
     * node's valid round (what it would re-propose), then the last two rounds. */
    int32_t extra[2] = {pr != NULL ? pr->pol_round : -1, cons_core_valid(nd->core, NULL)};
    for (int k = 0; k < 2; k++) {
        if (extra[k] < 0 || extra[k] >= r - 1)
            continue;
        const cons_vote_set *s = cons_core_votes(nd->core, extra[k], CONS_MSG_PREVOTE);
        for (size_t i = 0; s != NULL && i < nd->vals->n; i++) {
            const cons_vote *all[2 + CONS_VOTE_SET_WANTED_MAX];
            size_t k2 = cons_vote_set_votes_of(s, i, all);
            for (size_t j = 0; j < k2; j++)
                relay(nd, to, all[j]);
        }
    }
    for (int32_t rr = r > 0 ? r - 1 : 0; rr <= r; rr++) {
        for (int t = 0; t < 2; t++) {
            const cons_vote_set *s =
                cons_core_votes(nd->core, rr, t ? CONS_MSG_PRECOMMIT : CONS_MSG_PREVOTE);
            if (s == NULL)
                continue;
            for (size_t i = 0; i < nd->vals->n; i++) {
                const cons_vote *all[2 + CONS_VOTE_SET_WANTED_MAX];
                size_t k2 = cons_vote_set_votes_of(s, i, all);
                for (size_t j = 0; j < k2; j++)
                    relay(nd, to, all[j]);
            }
        }
    }
}

static void node_crash(void *p)
{
    sim_node *nd = p;
    cons_core_free(nd->core);
    nd->core = NULL;
    nd->up = false;
    nd->n_known = 0;
    nd->has_alt = false;
    memset(nd->last_catchup_ms, 0, sizeof nd->last_catchup_ms);
}

static void new_core(sim_node *nd)
{
    long vi = cons_valset_index_of(nd->vals, &nd->addrs[nd->id]);
    if (cons_core_new(&nd->core, "agora-sim", vi >= 0 ? &nd->addrs[nd->id] : NULL,
                      &sim_cfg(nd->w)->core) != AG_OK)
        abort();
    nd->up = true;
    nd->incarnation++;
}

/* Rebuild from the log: replay with outputs dropped, then resume. */
static void node_restart(void *p)
{
    sim_node *nd = p;
    new_core(nd);
    if (nd->n_log == 0) {
        sim_input in = {.kind = IN_START, .h = nd->store_height + 1};
        feed(nd, &in);
        return;
    }
    nd->replaying = true;
    for (size_t i = 0; i < nd->n_log && !sim_failed(nd->w); i++) {
        apply(nd, &nd->log[i]);
        handle_outputs(nd);
    }
    nd->replaying = false;
    if (cons_core_resume(nd->core) != AG_OK)
        sim_fail(nd->w, "node %d: resume failed", nd->id);
    handle_outputs(nd);
}

static int64_t node_height(const void *p)
{
    const sim_node *nd = p;
    return nd->core ? cons_core_height(nd->core) : nd->store_height + 1;
}

static void node_describe(const void *p, char *buf, size_t len)
{
    const sim_node *nd = p;
    if (nd->core == NULL) {
        snprintf(buf, len, "down");
        return;
    }
    snprintf(buf, len, "h%lld r%d s%d lock%d valid%d log%zu", (long long)cons_core_height(nd->core),
             (int)cons_core_round(nd->core), (int)cons_core_step(nd->core),
             (int)cons_core_locked(nd->core, NULL), (int)cons_core_valid(nd->core, NULL),
             nd->n_log);
}

const sim_node_api sim_node_ops = {node_on_message, node_on_timer, node_on_gossip, node_crash,
                                   node_restart,    node_height,   node_describe};

sim_node *sim_node_new(sim_world *w, int id, uint32_t byz, const uint8_t (*keys)[32],
                       const cons_valset *vals, const crypto_address *addrs, int n)
{
    sim_node *nd = calloc(1, sizeof *nd);
    if (nd == NULL)
        abort();
    nd->w = w;
    nd->id = id;
    nd->n = n;
    nd->byz = byz;
    nd->vals = vals;
    for (int i = 0; i < n; i++) {
        memcpy(nd->keys[i], keys[i], 32);
        nd->addrs[i] = addrs[i];
        long vi = cons_valset_index_of(vals, &addrs[i]);
        if (vi >= 0)
            nd->node_of[vi] = i;
    }
    new_core(nd);
    sim_input in = {.kind = IN_START, .h = 1};
    feed(nd, &in);
    return nd;
}

void sim_node_free(sim_node *nd)
{
    if (nd == NULL)
        return;
    cons_core_free(nd->core);
    free(nd->log);
    free(nd->store);
    free(nd);
}

uint64_t sim_node_evidence(const sim_node *nd)
{
    return nd->evidence;
}
