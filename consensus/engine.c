/* engine.c — the consensus engine's driver side: inputs from the host, the
 * WAL, the core's outputs (building, signing, broadcasting, deciding),
 * candidate blocks from parts, restart replay. See engine.h.
 *
 * WAL records (payload layouts; integers little-endian):
 *   PROPOSAL  signer address (20) | tendermint.types.Proposal
 *   PART      part set total u32 | part set hash (32) | tendermint.types.Part
 *   VOTE      tendermint.types.Vote
 *   TIMEOUT   height u64 | round u32 | step u8
 *   PROPOSE   height u64 | round u32 | block id (70)
 *   READY     block id (70) | valid u8        (ProcessProposal's verdict)
 *   COMMIT    tendermint.types.Commit         (catch-up; its block's parts precede it)
 * A block id is hash len u8 | hash (32) | parts total u32 | parts hash len
 * u8 | parts hash (32). Received messages are written buffered before they
 * are given to the core; the node's own proposal and votes are written with
 * write_sync before they are broadcast. Replay of height H feeds the records
 * after the end-of-height marker of H-1 through the same apply functions,
 * without signature checks (done before logging), ABCI calls or outputs.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "consensus/engine_internal.h"
#include "lib/log.h"

#define TOKEN_WAKE    (1ull << 63)
#define BLOCK_ID_WIRE 70u

/* ---- small helpers ---- */

cons_timestamp cons_eng_ts_from_ns(uint64_t ns)
{
    return (cons_timestamp){(int64_t)(ns / 1000000000ull), (int32_t)(ns % 1000000000ull)};
}

cons_timestamp cons_eng_ts_add_ms(cons_timestamp t, int64_t ms)
{
    int64_t ns = (int64_t)t.nanos + (ms % 1000) * 1000000;
    t.seconds += ms / 1000 + ns / 1000000000;
    t.nanos = (int32_t)(ns % 1000000000);
    return t;
}

int cons_eng_ts_cmp(cons_timestamp a, cons_timestamp b)
{
    if (a.seconds != b.seconds)
        return a.seconds < b.seconds ? -1 : 1;
    if (a.nanos != b.nanos)
        return a.nanos < b.nanos ? -1 : 1;
    return 0;
}

ag_err cons_eng_fail(cons_engine *e, ag_err err)
{
    if (err == AG_OK)
        return AG_OK;
    if (e->failed == AG_OK) {
        e->failed = err;
        snprintf(e->failed_detail, sizeof e->failed_detail, "%s", ag_err_detail());
        if (err != AG_ERR_CLOSED)
            ag_log_error("engine", "failed (%s): %s", ag_err_name(err), e->failed_detail);
    }
    return err;
}

bool cons_eng_fault(cons_engine *e, cons_engine_point p, int64_t height)
{
    if (e->a.fault == NULL || !e->a.fault(e->a.fault_ctx, p, height))
        return false;
    ag_err_set(AG_ERR_CLOSED, "engine: stopped by the fault hook at point %d, height %" PRId64,
               (int)p, height);
    cons_eng_fail(e, AG_ERR_CLOSED);
    return true;
}

static ag_err check_usable(const cons_engine *e)
{
    if (e->failed != AG_OK)
        return ag_err_set(AG_ERR_STATE, "engine: failed earlier: %s", e->failed_detail);
    if (!e->started)
        return ag_err_set(AG_ERR_STATE, "engine: not started");
    return AG_OK;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t get_u32(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)p[i] << (8 * i);
    return v;
}
static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void put_hash(uint8_t *p, const cons_hash *h)
{
    p[0] = h->len;
    memcpy(p + 1, h->b, CONS_HASH_LEN);
}
static bool get_hash(const uint8_t *p, cons_hash *h)
{
    if (p[0] != 0 && p[0] != CONS_HASH_LEN)
        return false;
    h->len = p[0];
    memcpy(h->b, p + 1, CONS_HASH_LEN);
    return true;
}

static void put_block_id(uint8_t *p, const cons_block_id *id)
{
    put_hash(p, &id->hash);
    put_u32(p + 33, id->parts.total);
    put_hash(p + 37, &id->parts.hash);
}
static bool get_block_id(const uint8_t *p, cons_block_id *id)
{
    memset(id, 0, sizeof *id);
    id->parts.total = get_u32(p + 33);
    return get_hash(p, &id->hash) && get_hash(p + 37, &id->parts.hash);
}

static bool psh_equal(const cons_part_set_header *a, const cons_part_set_header *b)
{
    return a->total == b->total && cons_hash_equal(&a->hash, &b->hash);
}

static uint64_t timer_token(int64_t h, int32_t r, cons_step s)
{
    return ((uint64_t)h << 24) | ((uint64_t)(uint32_t)r << 3) | (uint64_t)s;
}

static void schedule(cons_engine *e, uint32_t ms, uint64_t token)
{
    if (e->a.io.schedule_timer != NULL)
        e->a.io.schedule_timer(e->a.io.ctx, ms, token);
}

/* ---- the WAL ---- */

static ag_err wal_log(cons_engine *e, uint8_t type, const uint8_t *p, size_t len, bool sync)
{
    if (e->replaying)
        return AG_OK;
    ag_err err =
        sync ? cons_wal_write_sync(e->a.wal, type, p, len) : cons_wal_write(e->a.wal, type, p, len);
    if (err != AG_OK)
        return cons_eng_fail(e, ag_err_set(err, "engine: WAL: %s", ag_err_detail()));
    return AG_OK;
}

/* ---- candidate blocks ---- */

static eng_cand *cand_find(cons_engine *e, const cons_part_set_header *psh)
{
    for (size_t i = 0; i < ENG_CANDS_MAX; i++)
        if (e->cands[i].used && psh_equal(&e->cands[i].ps.header, psh))
            return &e->cands[i];
    return NULL;
}

static eng_cand *cand_find_id(cons_engine *e, const cons_block_id *id)
{
    for (size_t i = 0; i < ENG_CANDS_MAX; i++)
        if (e->cands[i].used && e->cands[i].have_block && cons_block_id_equal(&e->cands[i].id, id))
            return &e->cands[i];
    return NULL;
}

static void cand_clear(eng_cand *c)
{
    cons_part_set_free(&c->ps);
    cons_block_clear(&c->block);
    memset(c, 0, sizeof *c);
}

static void cands_clear(cons_engine *e)
{
    for (size_t i = 0; i < ENG_CANDS_MAX; i++)
        if (e->cands[i].used)
            cand_clear(&e->cands[i]);
}

/* A candidate for psh: the existing one, or a new one (NULL when the table is
 * full or psh is not acceptable). */
static eng_cand *cand_get(cons_engine *e, const cons_part_set_header *psh)
{
    eng_cand *c = cand_find(e, psh);
    if (c != NULL)
        return c;
    int64_t max = cons_params_max_block_bytes(&e->params);
    if ((int64_t)psh->total > max / CONS_BLOCK_PART_SIZE + 1)
        return NULL;
    c = NULL;
    for (size_t i = 0; i < ENG_CANDS_MAX && c == NULL; i++)
        if (!e->cands[i].used)
            c = &e->cands[i];
    if (c == NULL) {
        /* Full: drop the candidate of the oldest round before the current
         * one that is neither the node's own, nor its locked or valid block
         * (rounds go on without bound while a height is not decided). */
        int32_t cur = cons_core_round(e->core);
        cons_block_id locked, valid;
        bool has_locked = cons_core_locked(e->core, &locked) >= 0;
        bool has_valid = cons_core_valid(e->core, &valid) >= 0;
        for (size_t i = 0; i < ENG_CANDS_MAX; i++) {
            eng_cand *x = &e->cands[i];
            if (x->own || x->round >= cur)
                continue;
            if (x->have_block && ((has_locked && cons_block_id_equal(&x->id, &locked)) ||
                                  (has_valid && cons_block_id_equal(&x->id, &valid))))
                continue;
            if (c == NULL || x->round < c->round)
                c = x;
        }
        if (c == NULL)
            return NULL;
        cand_clear(c);
    }
    memset(c, 0, sizeof *c);
    if (cons_part_set_init(&c->ps, psh) != AG_OK)
        return NULL;
    c->used = true;
    c->round = cons_core_round(e->core);
    return c;
}

/* Decode a complete candidate. */
static void cand_complete(cons_engine *e, eng_cand *c)
{
    (void)e;
    if (c->have_block || c->broken || !cons_part_set_is_complete(&c->ps))
        return;
    if (cons_block_from_part_set(&c->block, &c->ps) != AG_OK ||
        cons_block_id_make(&c->id, &c->block, &c->ps) != AG_OK) {
        ag_log_warn("engine", "a proposed block does not decode: %s", ag_err_detail());
        cons_block_clear(&c->block);
        c->broken = true;
        return;
    }
    c->have_block = true;
}

/* ---- applying inputs (live and replay) ---- */

static void announce(cons_engine *e);
static ag_err drain(cons_engine *e);

static ag_err after_input(cons_engine *e, ag_err err)
{
    if (err != AG_OK)
        return cons_eng_fail(e, err);
    return drain(e);
}

static ag_err ap_proposal(cons_engine *e, const cons_proposal *p, const crypto_address *signer)
{
    cons_reject why;
    ag_err err = cons_core_add_proposal(e->core, p, signer, &why);
    if (!e->replaying && why != CONS_REJ_NONE)
        ag_log_debug("engine", "proposal %" PRId64 "/%d not used (reason %d)", p->height,
                     (int)p->round, (int)why);
    if (err == AG_OK && why == CONS_REJ_NONE) {
        eng_cand *c = cand_get(e, &p->block_id.parts);
        if (c == NULL)
            ag_log_warn("engine", "no room for the block of proposal %" PRId64 "/%d", p->height,
                        (int)p->round);
        if (c != NULL && p->round > c->round)
            c->round = p->round;
    }
    return after_input(e, err);
}

static ag_err ap_vote(cons_engine *e, const cons_vote *v)
{
    cons_reject why;
    return after_input(e, cons_core_add_vote(e->core, v, &why));
}

static ag_err ap_timeout(cons_engine *e, int64_t h, int32_t r, cons_step s)
{
    cons_reject why;
    return after_input(e, cons_core_timeout(e->core, h, r, s, &why));
}

static ag_err ap_propose(cons_engine *e, int64_t h, int32_t r, const cons_block_id *id)
{
    eng_cand *c = cand_find_id(e, id);
    if (c != NULL)
        c->own = true;
    cons_reject why;
    return after_input(e, cons_core_propose(e->core, h, r, id, &why));
}

static ag_err ap_ready(cons_engine *e, const cons_block_id *id, bool valid)
{
    eng_cand *c = cand_find_id(e, id);
    if (c != NULL) {
        c->has_verdict = true;
        c->valid = valid;
    }
    cons_reject why;
    return after_input(e, cons_core_block_ready(e->core, id, valid, &why));
}

static ag_err ap_commit(cons_engine *e, const cons_commit *c)
{
    cons_reject why;
    return after_input(e, cons_core_add_commit(e->core, c, &why));
}

/* Give the core ProcessProposal's verdict on a complete candidate (live). */
static ag_err give_verdict(cons_engine *e, eng_cand *c)
{
    if (e->replaying || !c->have_block || c->has_verdict)
        return AG_OK;
    bool valid = true;
    if (!c->own) {
        ag_err err = cons_eng_validate_block(e, &c->block);
        if (err == AG_ERR_NOMEM)
            return cons_eng_fail(e, err);
        if (err != AG_OK) {
            ag_log_warn("engine", "invalid block at %" PRId64 ": %s", c->block.header.height,
                        ag_err_detail());
            valid = false;
        } else {
            err = cons_eng_process_proposal(e, &c->block, &valid);
            if (err != AG_OK)
                return cons_eng_fail(
                    e, ag_err_set(err, "engine: ProcessProposal: %s", ag_err_detail()));
        }
    }
    ag_log_debug("engine", "block %" PRId64 " (%zu txs) is %s", c->block.header.height,
                 c->block.n_txs, valid ? "valid" : "invalid");
    uint8_t rec[BLOCK_ID_WIRE + 1];
    put_block_id(rec, &c->id);
    rec[BLOCK_ID_WIRE] = valid;
    ag_err err = wal_log(e, ENG_REC_READY, rec, sizeof rec, false);
    if (err != AG_OK)
        return err;
    cons_block_id id = c->id;
    return ap_ready(e, &id, valid);
}

/* Add a part to candidate c; log it when new (live). */
static ag_err add_part(cons_engine *e, eng_cand *c, const cons_part *part, bool *added)
{
    ag_err err = cons_part_set_add(&c->ps, part, added);
    if (err != AG_OK)
        return err;
    if (!*added || e->replaying)
        return AG_OK;
    ag_buf rec;
    ag_buf_init(&rec, 0);
    uint8_t head[37];
    put_u32(head, c->ps.header.total);
    memcpy(head + 4, c->ps.header.hash.b, CONS_HASH_LEN);
    err = ag_buf_append(&rec, head, sizeof head);
    if (err == AG_OK)
        err = cons_part_encode(&rec, part);
    if (err == AG_OK)
        err = wal_log(e, ENG_REC_PART, rec.data, rec.len, false);
    else
        err = cons_eng_fail(e, err);
    ag_buf_free(&rec);
    return err;
}

/* ---- outputs ---- */

static bool need_proof_block(const cons_engine *e, int64_t h)
{
    return h == e->st.initial_height || e->last_header_app_hash.len != e->st.app_hash.len ||
           memcmp(e->last_header_app_hash.b, e->st.app_hash.b, e->st.app_hash.len) != 0;
}

static bool waiting_for_txs(const cons_engine *e, int64_t h, int32_t r)
{
    return !e->cfg.create_empty_blocks && r == 0 && !e->txs_available && !need_proof_block(e, h);
}

static cons_timestamp now_ts(const cons_engine *e)
{
    return cons_eng_ts_from_ns(ag_env_wall_ns(e->a.env));
}

static ag_err do_build(cons_engine *e, int64_t h, int32_t r)
{
    ag_log_debug("engine", "proposing at %" PRId64 "/%d", h, (int)r);
    cons_block b = {0};
    cons_part_set ps = {0};
    cons_block_id id;
    ag_err err = cons_eng_build_block(e, h, &b);
    if (err == AG_OK)
        err = cons_block_make_part_set(&ps, &b);
    if (err == AG_OK)
        err = cons_block_id_make(&id, &b, &ps);
    if (err != AG_OK) {
        cons_block_clear(&b);
        cons_part_set_free(&ps);
        return cons_eng_fail(
            e, ag_err_set(err, "engine: building block %" PRId64 ": %s", h, ag_err_detail()));
    }
    eng_cand *c = cand_get(e, &ps.header);
    if (c == NULL) {
        cons_block_clear(&b);
        cons_part_set_free(&ps);
        ag_log_warn("engine", "no room for the node's own block at %" PRId64 "/%d", h, (int)r);
        return AG_OK;
    }
    for (uint32_t i = 0; err == AG_OK && i < ps.header.total; i++) {
        bool added;
        err = add_part(e, c, cons_part_set_get(&ps, i), &added);
    }
    cons_block_clear(&b);
    cons_part_set_free(&ps);
    if (err != AG_OK)
        return cons_eng_fail(e, err);
    cand_complete(e, c);
    if (!c->have_block)
        return cons_eng_fail(e, ag_err_set(AG_ERR_INTERNAL, "engine: own block does not decode"));
    uint8_t rec[12 + BLOCK_ID_WIRE];
    put_u64(rec, (uint64_t)h);
    put_u32(rec + 8, (uint32_t)r);
    put_block_id(rec + 12, &id);
    if ((err = wal_log(e, ENG_REC_PROPOSE, rec, sizeof rec, false)) != AG_OK)
        return err;
    return ap_propose(e, h, r, &id);
}

static ag_err do_sign_proposal(cons_engine *e, cons_proposal *p)
{
    eng_cand *c = cand_find_id(e, &p->block_id);
    if (c == NULL)
        return cons_eng_fail(e, ag_err_set(AG_ERR_INTERNAL, "engine: no block for own proposal"));
    p->timestamp = now_ts(e);
    ag_err err = cons_privval_sign_proposal(e->a.signer, e->st.chain_id, p);
    if (err == AG_ERR_EXISTS || err == AG_ERR_STATE) {
        ag_log_warn("engine", "signer refused the proposal at %" PRId64 "/%d: %s", p->height,
                    (int)p->round, ag_err_detail());
        return AG_OK;
    }
    if (err != AG_OK)
        return cons_eng_fail(e, ag_err_set(err, "engine: signing a proposal: %s", ag_err_detail()));
    ag_buf rec;
    ag_buf_init(&rec, 0);
    err = ag_buf_append(&rec, cons_privval_address(e->a.signer)->b, CRYPTO_ADDRESS_LEN);
    if (err == AG_OK)
        err = cons_proposal_encode(&rec, p);
    if (err == AG_OK)
        err = wal_log(e, ENG_REC_PROPOSAL, rec.data, rec.len, true);
    else
        err = cons_eng_fail(e, err);
    ag_buf_free(&rec);
    if (err != AG_OK)
        return err;
    if (cons_eng_fault(e, CONS_ENGINE_AT_OWN_MSG_LOGGED, p->height))
        return AG_ERR_CLOSED;
    if (e->a.io.broadcast_proposal != NULL)
        e->a.io.broadcast_proposal(e->a.io.ctx, p);
    if (e->a.io.broadcast_part != NULL)
        for (uint32_t i = 0; i < c->ps.header.total; i++)
            e->a.io.broadcast_part(e->a.io.ctx, p->height, p->round, cons_part_set_get(&c->ps, i));
    if ((err = ap_proposal(e, p, cons_privval_address(e->a.signer))) != AG_OK)
        return err;
    c = cand_find_id(e, &p->block_id);
    return c != NULL ? give_verdict(e, c) : AG_OK;
}

static cons_timestamp vote_time(cons_engine *e, const cons_vote *v)
{
    cons_timestamp now = now_ts(e);
    cons_timestamp min = cons_eng_ts_add_ms(e->st.last_block_time, 1);
    if (!cons_block_id_is_zero(&v->block_id)) {
        eng_cand *c = cand_find_id(e, &v->block_id);
        if (c != NULL) {
            cons_timestamp bt = cons_eng_ts_add_ms(c->block.header.time, 1);
            if (cons_eng_ts_cmp(bt, min) > 0)
                min = bt;
        }
    }
    return cons_eng_ts_cmp(now, min) > 0 ? now : min;
}

static ag_err do_sign_vote(cons_engine *e, cons_vote *v)
{
    v->timestamp = vote_time(e, v);
    ag_err err = cons_privval_sign_vote(e->a.signer, e->st.chain_id, v, false);
    if (err == AG_ERR_EXISTS || err == AG_ERR_STATE) {
        ag_log_warn("engine", "signer refused a vote at %" PRId64 "/%d: %s", v->height,
                    (int)v->round, ag_err_detail());
        return AG_OK;
    }
    if (err != AG_OK)
        return cons_eng_fail(e, ag_err_set(err, "engine: signing a vote: %s", ag_err_detail()));
    ag_buf rec;
    ag_buf_init(&rec, 0);
    err = cons_vote_encode(&rec, v);
    if (err == AG_OK)
        err = wal_log(e, ENG_REC_VOTE, rec.data, rec.len, true);
    else
        err = cons_eng_fail(e, err);
    ag_buf_free(&rec);
    if (err != AG_OK)
        return err;
    if (cons_eng_fault(e, CONS_ENGINE_AT_OWN_MSG_LOGGED, v->height))
        return AG_ERR_CLOSED;
    if (e->a.io.broadcast_vote != NULL)
        e->a.io.broadcast_vote(e->a.io.ctx, v);
    return ap_vote(e, v);
}

static ag_err do_decide(cons_engine *e, const cons_core_out *o)
{
    if (o->height <= e->st.last_block_height)
        return AG_OK; /* re-emitted after a restart: already committed */
    eng_cand *c = cand_find_id(e, &o->block_id);
    if (c == NULL) {
        /* its parts were dropped for newer rounds' blocks: the host's
         * catch-up (cons_engine_receive_commit) brings it */
        ag_log_warn("engine", "decided %" PRId64 " without its block: waiting for catch-up",
                    o->height);
        cons_commit_clear(&e->await_commit);
        ag_buf enc;
        ag_buf_init(&enc, 0);
        ag_err err = cons_commit_encode(&enc, &o->commit);
        if (err == AG_OK)
            err = cons_commit_decode(&e->await_commit, enc.data, enc.len);
        ag_buf_free(&enc);
        if (err != AG_OK)
            return cons_eng_fail(e, err);
        e->await_block = true;
        e->await_id = o->block_id;
        return AG_OK;
    }
    ag_err err = cons_eng_commit_block(e, &c->block, &c->ps, &o->block_id, &o->commit);
    return cons_eng_fail(e, err);
}

static ag_err start_next_height(cons_engine *e);

/* The decided block arrived after all (parts or catch-up): commit it. */
static ag_err finish_awaited(cons_engine *e)
{
    if (!e->await_block)
        return AG_OK;
    eng_cand *c = cand_find_id(e, &e->await_id);
    if (c == NULL)
        return AG_OK;
    e->await_block = false;
    ag_err err = cons_eng_commit_block(e, &c->block, &c->ps, &e->await_id, &e->await_commit);
    cons_commit_clear(&e->await_commit);
    if (err != AG_OK)
        return cons_eng_fail(e, err);
    if (e->start_pending)
        return start_next_height(e);
    return AG_OK;
}

static ag_err start_next_height(cons_engine *e)
{
    int64_t h = e->st.last_block_height + 1;
    if (cons_core_height(e->core) >= h) {
        /* decided but not committed (its block is awaited): start later */
        e->start_pending = e->await_block;
        return AG_OK;
    }
    e->start_pending = false;
    cands_clear(e);
    e->deferred_build = e->deferred_timeout = false;
    e->await_block = false;
    cons_commit_clear(&e->await_commit);
    return after_input(e, cons_core_start_height(e->core, h, &e->st.validators));
}

static void keep_conflict(cons_engine *e, const cons_core_out *o)
{
    if (o->vote.height <= e->st.last_block_height) {
        /* late votes of a committed height: its block time is known */
        cons_eng_add_evidence(e, &o->vote, &o->vote_b);
        return;
    }
    if (e->n_conflicts == ENG_CONFLICTS_MAX)
        return;
    eng_conflict *c = &e->conflicts[e->n_conflicts];
    memset(c, 0, sizeof *c);
    if (cons_vote_copy(&c->a, &o->vote) != AG_OK || cons_vote_copy(&c->b, &o->vote_b) != AG_OK) {
        cons_vote_clear(&c->a);
        cons_vote_clear(&c->b);
        return;
    }
    e->n_conflicts++;
}

static ag_err handle_output(cons_engine *e, cons_core_out *o)
{
    switch (o->kind) {
    case CONS_OUT_BUILD_PROPOSAL:
        if (e->a.signer == NULL)
            return AG_OK;
        if (waiting_for_txs(e, o->height, o->round)) {
            e->deferred_build = true;
            e->deferred_h = o->height;
            return AG_OK;
        }
        return do_build(e, o->height, o->round);
    case CONS_OUT_SIGN_PROPOSAL:
        return e->a.signer ? do_sign_proposal(e, &o->proposal) : AG_OK;
    case CONS_OUT_SIGN_VOTE:
        return e->a.signer ? do_sign_vote(e, &o->vote) : AG_OK;
    case CONS_OUT_TIMEOUT:
        if (o->step == CONS_STEP_PROPOSE && waiting_for_txs(e, o->height, o->round)) {
            e->deferred_timeout = true;
            e->deferred_h = o->height;
            e->deferred_ms = o->ms;
            return AG_OK;
        }
        schedule(e, o->ms, timer_token(o->height, o->round, o->step));
        return AG_OK;
    case CONS_OUT_DECIDE:
        return do_decide(e, o);
    case CONS_OUT_EVIDENCE:
        keep_conflict(e, o);
        return AG_OK;
    case CONS_OUT_HEIGHT_DONE:
        return start_next_height(e);
    }
    return AG_OK;
}

static ag_err drain(cons_engine *e)
{
    cons_core_out o;
    while (cons_core_next_output(e->core, &o)) {
        if (!e->replaying && e->failed == AG_OK)
            (void)handle_output(e, &o);
        cons_core_out_clear(&o);
    }
    if (!e->replaying && e->failed == AG_OK)
        announce(e);
    return e->failed;
}

static void announce(cons_engine *e)
{
    int64_t h = cons_core_height(e->core);
    int32_t r = cons_core_round(e->core);
    cons_step s = cons_core_step(e->core);
    if (h == e->ann_h && r == e->ann_r && s == e->ann_s)
        return;
    e->ann_h = h;
    e->ann_r = r;
    e->ann_s = s;
    if (e->a.io.new_round_step != NULL)
        e->a.io.new_round_step(e->a.io.ctx, h, r, s);
}

/* ---- the mempool's txs-available callback (must not call the mempool) ---- */

static void on_txs_available(void *user)
{
    cons_engine *e = user;
    e->txs_available = true;
    if (e->deferred_build || e->deferred_timeout)
        schedule(e, 0, TOKEN_WAKE);
}

/* ---- lifecycle ---- */

void cons_engine_config_default(cons_engine_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->timeouts = cons_core_config_default();
    cfg->create_empty_blocks = true;
    cons_mempool_opts_default(&cfg->mempool);
    cfg->evidence_max_count = 1000;
    cfg->evidence_max_bytes = 1u << 20;
}

ag_err cons_engine_new(cons_engine **out, const cons_engine_args *args)
{
    *out = NULL;
    const char *missing = NULL;
    if (args == NULL)
        missing = "args";
    else if (args->genesis == NULL)
        missing = "genesis";
    else if (args->block_store == NULL)
        missing = "block_store";
    else if (args->state_store == NULL)
        missing = "state_store";
    else if (args->wal == NULL)
        missing = "wal";
    else if (args->consensus_conn == NULL)
        missing = "consensus_conn";
    else if (args->env == NULL)
        missing = "env";
    if (missing != NULL)
        return ag_err_set(AG_ERR_INVALID_ARG, "engine: %s is missing", missing);
    cons_engine *e = calloc(1, sizeof *e);
    if (e == NULL)
        return ag_err_set(AG_ERR_NOMEM, "engine");
    e->a = *args;
    if (e->a.mempool_conn == NULL)
        e->a.mempool_conn = e->a.consensus_conn;
    e->cfg = args->config;
    if (e->cfg.evidence_max_count == 0)
        e->cfg.evidence_max_count = 1000;
    if (e->cfg.evidence_max_bytes == 0)
        e->cfg.evidence_max_bytes = 1u << 20;
    e->genesis = args->genesis;
    ag_err err = abci_arena_new(&e->arena_exec, ENG_ARENA_MAX);
    if (err == AG_OK)
        err = abci_arena_new(&e->arena_misc, ENG_ARENA_MAX);
    if (err == AG_OK)
        err = cons_mempool_new(&e->mp, e->a.mempool_conn, &e->cfg.mempool);
    if (err != AG_OK) {
        cons_engine_free(e);
        return err;
    }
    cons_mempool_set_txs_available(e->mp, on_txs_available, e);
    *out = e;
    return AG_OK;
}

void cons_engine_free(cons_engine *e)
{
    if (e == NULL)
        return;
    cands_clear(e);
    cons_commit_clear(&e->await_commit);
    for (size_t i = 0; i < e->n_conflicts; i++) {
        cons_vote_clear(&e->conflicts[i].a);
        cons_vote_clear(&e->conflicts[i].b);
    }
    cons_core_free(e->core);
    cons_mempool_free(e->mp);
    cons_evpool_free(e->ev);
    cons_state_clear(&e->st);
    cons_valset_free(&e->ev_vs);
    abci_arena_free(e->arena_exec);
    abci_arena_free(e->arena_misc);
    free(e);
}

/* Decode and apply one WAL record during replay. */
static ag_err replay_record(cons_engine *e, const cons_wal_record *r)
{
    const uint8_t *p = r->payload;
    size_t n = r->len;
    ag_err err = AG_OK;
    switch (r->type) {
    case ENG_REC_PROPOSAL: {
        cons_proposal pr;
        crypto_address signer;
        if (n < CRYPTO_ADDRESS_LEN ||
            cons_proposal_decode(&pr, p + CRYPTO_ADDRESS_LEN, n - CRYPTO_ADDRESS_LEN) != AG_OK)
            break;
        memcpy(signer.b, p, CRYPTO_ADDRESS_LEN);
        return ap_proposal(e, &pr, &signer);
    }
    case ENG_REC_PART: {
        cons_part part = {0};
        cons_part_set_header psh = {0};
        if (n < 37 || cons_part_decode(&part, p + 37, n - 37) != AG_OK)
            break;
        psh.total = get_u32(p);
        cons_hash_set(&psh.hash, p + 4);
        eng_cand *c = cand_get(e, &psh);
        bool added;
        if (c != NULL && add_part(e, c, &part, &added) == AG_OK)
            cand_complete(e, c);
        cons_part_clear(&part);
        return AG_OK;
    }
    case ENG_REC_VOTE: {
        cons_vote v = {0};
        if (cons_vote_decode(&v, p, n) != AG_OK)
            break;
        err = ap_vote(e, &v);
        cons_vote_clear(&v);
        return err;
    }
    case ENG_REC_TIMEOUT:
        if (n != 13 || p[12] < CONS_STEP_PROPOSE || p[12] > CONS_STEP_COMMIT)
            break;
        return ap_timeout(e, (int64_t)get_u64(p), (int32_t)get_u32(p + 8), (cons_step)p[12]);
    case ENG_REC_PROPOSE: {
        cons_block_id id;
        if (n != 12 + BLOCK_ID_WIRE || !get_block_id(p + 12, &id))
            break;
        return ap_propose(e, (int64_t)get_u64(p), (int32_t)get_u32(p + 8), &id);
    }
    case ENG_REC_READY: {
        cons_block_id id;
        if (n != BLOCK_ID_WIRE + 1 || !get_block_id(p, &id))
            break;
        return ap_ready(e, &id, p[BLOCK_ID_WIRE] != 0);
    }
    case ENG_REC_COMMIT: {
        cons_commit c = {0};
        if (cons_commit_decode(&c, p, n) != AG_OK)
            break;
        err = ap_commit(e, &c);
        cons_commit_clear(&c);
        return err;
    }
    case CONS_WAL_END_HEIGHT:
        return AG_OK;
    default:
        break;
    }
    return ag_err_set(AG_ERR_CORRUPT, "engine: WAL record of type %u (%zu bytes) does not decode",
                      (unsigned)r->type, n);
}

static ag_err replay_wal(cons_engine *e)
{
    int64_t last = e->st.last_block_height;
    int64_t marker = cons_wal_last_height(e->a.wal);
    ag_err err;
    if (marker > last)
        return ag_err_set(AG_ERR_CORRUPT,
                          "engine: the WAL ends height %" PRId64 " but the state is at %" PRId64
                          " (the WAL is not this node's state's)",
                          marker, last);
    if (last > 0 && marker < last) {
        /* Crash after the state save and before the end-of-height marker:
         * that height is complete; close it in the log. */
        if ((err = cons_wal_end_height(e->a.wal, last)) != AG_OK)
            return err;
    }
    cons_wal_iter *it = NULL;
    if ((err = cons_wal_replay_from(e->a.wal, last > 0 ? last + 1 : 0, &it)) != AG_OK)
        return err;
    e->replaying = true;
    size_t count = 0;
    for (;;) {
        cons_wal_record r;
        err = cons_wal_iter_next(it, &r);
        if (err == AG_ERR_NOT_FOUND) {
            err = AG_OK;
            break;
        }
        if (err == AG_OK)
            err = replay_record(e, &r);
        if (err != AG_OK)
            break;
        count++;
    }
    e->replaying = false;
    cons_wal_iter_free(it);
    if (err == AG_OK && count > 0)
        ag_log_info("engine", "replayed %zu WAL records of height %" PRId64, count, last + 1);
    return err;
}

/* After a restart: send again the node's own proposals and votes of the
 * current height that the WAL gave back (a crash may have come between
 * their write_sync and their broadcast, and the core does not ask for them
 * again). */
static void rebroadcast_own(cons_engine *e)
{
    if (e->a.signer == NULL)
        return;
    const crypto_address *self = cons_privval_address(e->a.signer);
    long idx = cons_valset_index_of(cons_core_valset(e->core), self);
    if (idx < 0)
        return;
    int32_t top = cons_core_round(e->core);
    for (int32_t r = 0; r <= top; r++) {
        const cons_proposal *p = cons_core_proposal(e->core, r);
        cons_validator prop;
        if (p != NULL && cons_core_proposer(e->core, r, &prop) == AG_OK &&
            memcmp(prop.address.b, self->b, CRYPTO_ADDRESS_LEN) == 0) {
            eng_cand *c = cand_find_id(e, &p->block_id);
            if (e->a.io.broadcast_proposal != NULL)
                e->a.io.broadcast_proposal(e->a.io.ctx, p);
            if (c != NULL && e->a.io.broadcast_part != NULL)
                for (uint32_t i = 0; i < c->ps.header.total; i++)
                    e->a.io.broadcast_part(e->a.io.ctx, p->height, r, cons_part_set_get(&c->ps, i));
        }
        static const cons_msg_type types[] = {CONS_MSG_PREVOTE, CONS_MSG_PRECOMMIT};
        for (size_t t = 0; t < 2; t++) {
            const cons_vote_set *vs = cons_core_votes(e->core, r, types[t]);
            const cons_vote *v = vs ? cons_vote_set_get(vs, (size_t)idx) : NULL;
            if (v != NULL && e->a.io.broadcast_vote != NULL)
                e->a.io.broadcast_vote(e->a.io.ctx, v);
        }
    }
}

ag_err cons_engine_start(cons_engine *e)
{
    if (e->failed != AG_OK || e->started)
        return ag_err_set(AG_ERR_STATE, "engine: already started or failed");
    ag_err err = cons_eng_handshake(e);
    if (err == AG_OK)
        err = cons_eng_double_sign_check(e);
    if (err == AG_OK && e->params.vote_extensions_enable_height > 0)
        err = ag_err_set(AG_ERR_UNSUPPORTED,
                         "engine: vote extensions (enabled from height %" PRId64
                         ") are not supported yet",
                         e->params.vote_extensions_enable_height);
    if (err == AG_OK && e->st.validators.n == 0)
        err = ag_err_set(AG_ERR_STATE, "engine: no validators");
    cons_evidence_state es;
    cons_eng_evidence_state(e, &es);
    if (err == AG_OK)
        err = cons_evpool_new(&e->ev, &es, e->cfg.evidence_max_count, e->cfg.evidence_max_bytes);
    if (err == AG_OK)
        err =
            cons_core_new(&e->core, e->st.chain_id,
                          e->a.signer ? cons_privval_address(e->a.signer) : NULL, &e->cfg.timeouts);
    int64_t h = e->st.last_block_height ? e->st.last_block_height + 1 : e->st.initial_height;
    if (err == AG_OK)
        err = cons_core_start_height(e->core, h, &e->st.validators);
    e->txs_available = cons_mempool_size(e->mp) > 0;
    if (err == AG_OK)
        err = replay_wal(e);
    e->genesis = NULL;
    if (err != AG_OK) {
        cons_eng_fail(e, err);
        return err;
    }
    e->started = true;
    /* Verdicts the log does not hold yet (a crash before READY was written). */
    for (size_t i = 0; i < ENG_CANDS_MAX && e->failed == AG_OK; i++)
        if (e->cands[i].used)
            give_verdict(e, &e->cands[i]);
    if (e->failed == AG_OK)
        after_input(e, cons_core_resume(e->core));
    if (e->failed == AG_OK)
        rebroadcast_own(e);
    return e->failed;
}

/* ---- inbound ---- */

static ag_err result(cons_engine *e, ag_err err)
{
    if (e->failed != AG_OK)
        return e->failed;
    return err;
}

ag_err cons_engine_on_timer(cons_engine *e, uint64_t token)
{
    ag_err err = check_usable(e);
    if (err != AG_OK)
        return err;
    if (token & TOKEN_WAKE) {
        int64_t h = cons_core_height(e->core);
        if (e->deferred_h != h) {
            e->deferred_build = e->deferred_timeout = false;
            return AG_OK;
        }
        if (e->deferred_timeout) {
            e->deferred_timeout = false;
            schedule(e, e->deferred_ms, timer_token(h, 0, CONS_STEP_PROPOSE));
        }
        if (e->deferred_build && cons_core_round(e->core) == 0 &&
            cons_core_step(e->core) == CONS_STEP_PROPOSE) {
            e->deferred_build = false;
            return result(e, do_build(e, h, 0));
        }
        e->deferred_build = false;
        return AG_OK;
    }
    int64_t h = (int64_t)(token >> 24);
    int32_t r = (int32_t)((token >> 3) & 0x1FFFFF);
    cons_step s = (cons_step)(token & 7);
    if (h != cons_core_height(e->core))
        return AG_OK; /* stale */
    uint8_t rec[13];
    put_u64(rec, (uint64_t)h);
    put_u32(rec + 8, (uint32_t)r);
    rec[12] = (uint8_t)s;
    if ((err = wal_log(e, ENG_REC_TIMEOUT, rec, sizeof rec, false)) != AG_OK)
        return err;
    if (cons_eng_fault(e, CONS_ENGINE_AT_INPUT_LOGGED, h))
        return AG_ERR_CLOSED;
    return result(e, ap_timeout(e, h, r, s));
}

/* AG_OK to go on; otherwise the value to return (AG_OK included via *done). */
static bool height_gate(cons_engine *e, int64_t h, ag_err *ret)
{
    int64_t cur = cons_core_height(e->core);
    if (h > cur) {
        *ret =
            ag_err_set(AG_ERR_AGAIN, "engine: message for height %" PRId64 ", at %" PRId64, h, cur);
        return false;
    }
    if (h < cur) {
        *ret = AG_OK;
        return false;
    }
    return true;
}

ag_err cons_engine_receive_proposal(cons_engine *e, const cons_proposal *p)
{
    ag_err err = check_usable(e);
    if (err != AG_OK)
        return err;
    if (cons_proposal_validate_basic(p) != AG_OK)
        return ag_err_set(AG_ERR_DECODE, "engine: proposal: %s", ag_err_detail());
    if (!height_gate(e, p->height, &err))
        return err;
    const cons_proposal *have = cons_core_proposal(e->core, p->round);
    if (have != NULL && have->signature.len == p->signature.len &&
        memcmp(have->signature.b, p->signature.b, p->signature.len) == 0)
        return AG_OK;
    cons_validator prop;
    if (cons_core_proposer(e->core, p->round, &prop) != AG_OK)
        return AG_OK; /* outside the round window or a skipped round */
    if (cons_proposal_verify(p, e->st.chain_id, &prop.pub_key) != AG_OK)
        return ag_err_set(AG_ERR_VERIFY, "engine: proposal %" PRId64 "/%d: bad signature",
                          p->height, (int)p->round);
    ag_buf rec;
    ag_buf_init(&rec, 0);
    err = ag_buf_append(&rec, prop.address.b, CRYPTO_ADDRESS_LEN);
    if (err == AG_OK)
        err = cons_proposal_encode(&rec, p);
    if (err == AG_OK)
        err = wal_log(e, ENG_REC_PROPOSAL, rec.data, rec.len, false);
    ag_buf_free(&rec);
    if (err != AG_OK)
        return result(e, cons_eng_fail(e, err));
    if (cons_eng_fault(e, CONS_ENGINE_AT_INPUT_LOGGED, p->height))
        return AG_ERR_CLOSED;
    return result(e, ap_proposal(e, p, &prop.address));
}

ag_err cons_engine_receive_part(cons_engine *e, int64_t height, int32_t round,
                                const cons_part *part)
{
    ag_err err = check_usable(e);
    if (err != AG_OK)
        return err;
    if (!height_gate(e, height, &err))
        return err;
    if (cons_core_decided(e->core, NULL) && !e->await_block)
        return AG_OK; /* the block is here already */
    const cons_proposal *p = round >= 0 ? cons_core_proposal(e->core, round) : NULL;
    if (p == NULL)
        return ag_err_set(AG_ERR_AGAIN, "engine: part for %" PRId64 "/%d before its proposal",
                          height, (int)round);
    eng_cand *c = cand_get(e, &p->block_id.parts);
    if (c == NULL)
        return AG_OK;
    if (c->have_block || c->broken)
        return AG_OK;
    bool added = false;
    err = add_part(e, c, part, &added);
    if (err == AG_ERR_VERIFY || err == AG_ERR_INVALID_ARG || err == AG_ERR_TOO_LARGE)
        return ag_err_set(AG_ERR_VERIFY, "engine: block part %u: %s", part->index, ag_err_detail());
    if (err != AG_OK)
        return result(e, cons_eng_fail(e, err));
    if (!added)
        return AG_OK;
    if (cons_eng_fault(e, CONS_ENGINE_AT_INPUT_LOGGED, height))
        return AG_ERR_CLOSED;
    cand_complete(e, c);
    if (e->await_block)
        return result(e, finish_awaited(e));
    return result(e, give_verdict(e, c));
}

ag_err cons_engine_receive_vote(cons_engine *e, const cons_vote *v)
{
    ag_err err = check_usable(e);
    if (err != AG_OK)
        return err;
    if (cons_vote_validate_basic(v) != AG_OK)
        return ag_err_set(AG_ERR_DECODE, "engine: vote: %s", ag_err_detail());
    if (!height_gate(e, v->height, &err))
        return err;
    if (v->extension_len > 0 || v->extension_signature.len > 0)
        return ag_err_set(AG_ERR_VERIFY, "engine: vote extension while extensions are disabled");
    const cons_valset *vs = cons_core_valset(e->core);
    if (v->validator_index < 0 || (size_t)v->validator_index >= vs->n ||
        memcmp(vs->vals[v->validator_index].address.b, v->validator_address.b,
               CRYPTO_ADDRESS_LEN) != 0)
        return ag_err_set(AG_ERR_VERIFY, "engine: vote from an unknown validator");
    const cons_vote_set *set = cons_core_votes(e->core, v->round, v->type);
    if (set != NULL && cons_vote_set_has(set, (size_t)v->validator_index)) {
        const cons_vote *old = cons_vote_set_get(set, (size_t)v->validator_index);
        if (old != NULL && old->signature.len == v->signature.len &&
            memcmp(old->signature.b, v->signature.b, v->signature.len) == 0)
            return AG_OK;
    }
    if (cons_vote_verify(v, e->st.chain_id, &vs->vals[v->validator_index].pub_key) != AG_OK)
        return ag_err_set(AG_ERR_VERIFY,
                          "engine: vote %" PRId64 "/%d from validator %d: bad "
                          "signature",
                          v->height, (int)v->round, (int)v->validator_index);
    ag_buf rec;
    ag_buf_init(&rec, 0);
    err = cons_vote_encode(&rec, v);
    if (err == AG_OK)
        err = wal_log(e, ENG_REC_VOTE, rec.data, rec.len, false);
    ag_buf_free(&rec);
    if (err != AG_OK)
        return result(e, cons_eng_fail(e, err));
    if (cons_eng_fault(e, CONS_ENGINE_AT_INPUT_LOGGED, v->height))
        return AG_ERR_CLOSED;
    if (e->deferred_timeout && e->deferred_h == v->height) {
        /* Someone else votes at this height (it had txs, or timed out):
         * stop waiting for txs, or a tx that reached only that node's
         * mempool (no mempool gossip yet) would stall the height. */
        e->deferred_timeout = false;
        schedule(e, e->deferred_ms, timer_token(v->height, 0, CONS_STEP_PROPOSE));
    }
    return result(e, ap_vote(e, v));
}

ag_err cons_engine_receive_commit(cons_engine *e, const uint8_t *block, size_t len,
                                  const cons_commit *commit)
{
    ag_err err = check_usable(e);
    if (err != AG_OK)
        return err;
    if (!height_gate(e, commit->height, &err))
        return err;
    if (cons_core_decided(e->core, NULL) && !e->await_block)
        return AG_OK;
    cons_block b = {0};
    cons_part_set ps = {0};
    cons_block_id id;
    if ((err = cons_block_decode(&b, block, len)) != AG_OK)
        return ag_err_set(AG_ERR_DECODE, "engine: catch-up block: %s", ag_err_detail());
    err = cons_part_set_from_data(&ps, block, len);
    if (err == AG_OK)
        err = cons_block_id_make(&id, &b, &ps);
    if (err != AG_OK)
        goto out;
    if (b.header.height != commit->height || !cons_block_id_equal(&id, &commit->block_id)) {
        err = ag_err_set(AG_ERR_VERIFY, "engine: catch-up commit is not for this block");
        goto out;
    }
    err = cons_eng_verify_commit(e->st.chain_id, &e->st.validators, &id, commit->height, commit);
    if (err == AG_OK)
        err = cons_eng_validate_block(e, &b);
    if (err != AG_OK)
        goto out;
    eng_cand *c = cand_get(e, &ps.header);
    if (c == NULL) {
        err = ag_err_set(AG_ERR_AGAIN, "engine: no room for a catch-up block");
        goto out;
    }
    for (uint32_t i = 0; err == AG_OK && i < ps.header.total; i++) {
        bool added;
        err = add_part(e, c, cons_part_set_get(&ps, i), &added);
    }
    if (err != AG_OK) {
        err = cons_eng_fail(e, err);
        goto out;
    }
    cand_complete(e, c);
    if (e->await_block) {
        err = finish_awaited(e);
        goto out;
    }
    ag_buf rec;
    ag_buf_init(&rec, 0);
    err = cons_commit_encode(&rec, commit);
    if (err == AG_OK)
        err = wal_log(e, ENG_REC_COMMIT, rec.data, rec.len, false);
    ag_buf_free(&rec);
    if (err != AG_OK) {
        err = cons_eng_fail(e, err);
        goto out;
    }
    if (cons_eng_fault(e, CONS_ENGINE_AT_INPUT_LOGGED, commit->height)) {
        err = AG_ERR_CLOSED;
        goto out;
    }
    err = ap_commit(e, commit);
out:
    cons_block_clear(&b);
    cons_part_set_free(&ps);
    return result(e, err);
}

ag_err cons_engine_submit_tx(cons_engine *e, const uint8_t *tx, size_t len,
                             cons_mempool_check_cb cb, void *user)
{
    if (e->failed != AG_OK)
        return check_usable(e);
    return cons_mempool_check_tx(e->mp, tx, len, cb, user);
}

ag_err cons_engine_idle(cons_engine *e, bool *more)
{
    *more = false;
    ag_err err = check_usable(e);
    if (err != AG_OK)
        return err;
    return cons_mempool_recheck_step(e->mp, more);
}

/* ---- introspection ---- */

int64_t cons_engine_height(const cons_engine *e)
{
    return e->core ? cons_core_height(e->core) : 0;
}
int32_t cons_engine_round(const cons_engine *e)
{
    return e->core ? cons_core_round(e->core) : 0;
}
cons_step cons_engine_step(const cons_engine *e)
{
    return e->core ? cons_core_step(e->core) : CONS_STEP_PROPOSE;
}
const cons_state *cons_engine_state(const cons_engine *e)
{
    return &e->st;
}
cons_mempool *cons_engine_mempool(cons_engine *e)
{
    return e->mp;
}
cons_evpool *cons_engine_evpool(cons_engine *e)
{
    return e->ev;
}
const cons_core *cons_engine_core(const cons_engine *e)
{
    return e->core;
}
ag_err cons_engine_failed(const cons_engine *e)
{
    return e->failed;
}
