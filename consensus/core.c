/* core.c — the Tendermint algorithm (paper Algorithm 1) as a state machine.
 * Comments "Lnn" name the paper's lines. */
#include "consensus/core.h"

#include <stdlib.h>
#include <string.h>

typedef struct core_round {
    bool has_pv, has_pc;
    cons_vote_set pv, pc;
    uint8_t *seen;      /* validators with any vote in this round (L55) */
    int64_t seen_power; /* their power */
    bool has_prop;
    cons_proposal prop;
    crypto_address prop_signer;
    bool has_proposer; /* the round was entered: its proposer is known */
    crypto_address proposer;
    bool pv_timeout, pc_timeout, l36_done;
    bool asked_proposal, asked_build; /* own proposal requested */
    cons_block_id own_prop_id;
    int32_t own_prop_pol;
    bool asked_prevote, asked_precommit;
    cons_block_id own_prevote, own_precommit;
} core_round;

typedef struct core_block {
    cons_block_id id;
    bool valid;
} core_block;

struct cons_core {
    char chain_id[CONS_CHAIN_ID_MAX + 1];
    bool is_val;
    crypto_address self;
    cons_core_config cfg;

    bool started;
    int64_t height;
    int32_t round;
    cons_step step;
    cons_valset vals0; /* the height's set, priorities of round 0 */
    cons_valset valsr; /* the current round's set */
    long self_index;

    core_round *rounds; /* rounds[0 .. n_rounds) */
    size_t n_rounds;
    core_block *blocks; /* verdicts of this height */
    size_t n_blocks, cap_blocks;

    int32_t locked_round, valid_round;
    cons_block_id locked, valid;
    bool decided, height_done, ext_decided;
    int32_t decided_round;
    cons_block_id decision;
    cons_commit ext_commit; /* the commit of a catch-up decision */

    cons_core_stats stats;
    cons_core_out q[CONS_CORE_OUTPUTS_MAX];
    size_t q_head, q_len;
};

/* ---- configuration ---- */

cons_core_config cons_core_config_default(void)
{
    return (cons_core_config){3000, 500, 1000, 500, 1000, 500, 1000};
}

cons_core_config cons_core_config_fast(void)
{
    return (cons_core_config){400, 100, 100, 50, 100, 50, 100};
}

uint32_t cons_core_timeout_ms(const cons_core_config *cfg, cons_step step, int32_t round)
{
    uint64_t base, delta;
    switch (step) {
    case CONS_STEP_PROPOSE:
        base = cfg->propose_ms, delta = cfg->propose_delta_ms;
        break;
    case CONS_STEP_PREVOTE:
        base = cfg->prevote_ms, delta = cfg->prevote_delta_ms;
        break;
    case CONS_STEP_PRECOMMIT:
        base = cfg->precommit_ms, delta = cfg->precommit_delta_ms;
        break;
    default:
        base = cfg->commit_ms, delta = 0;
        break;
    }
    uint64_t ms = base + delta * (uint64_t)(round < 0 ? 0 : round);
    return ms > CONS_CORE_TIMEOUT_MAX_MS ? CONS_CORE_TIMEOUT_MAX_MS : (uint32_t)ms;
}

/* ---- outputs ---- */

void cons_core_out_clear(cons_core_out *o)
{
    cons_vote_clear(&o->vote);
    cons_vote_clear(&o->vote_b);
    cons_commit_clear(&o->commit);
    memset(o, 0, sizeof *o);
}

/* Queue o (moved). The queue cannot overflow when drained after each input:
 * one input emits far fewer than CONS_CORE_OUTPUTS_MAX outputs. */
static ag_err push(cons_core *c, cons_core_out *o)
{
    if (c->q_len == CONS_CORE_OUTPUTS_MAX) {
        cons_core_out_clear(o);
        return ag_err_set(AG_ERR_INTERNAL, "consensus core: output queue not drained");
    }
    c->q[(c->q_head + c->q_len) % CONS_CORE_OUTPUTS_MAX] = *o;
    c->q_len++;
    memset(o, 0, sizeof *o);
    return AG_OK;
}

bool cons_core_next_output(cons_core *c, cons_core_out *out)
{
    if (c->q_len == 0)
        return false;
    *out = c->q[c->q_head];
    memset(&c->q[c->q_head], 0, sizeof c->q[c->q_head]);
    c->q_head = (c->q_head + 1) % CONS_CORE_OUTPUTS_MAX;
    c->q_len--;
    return true;
}

static ag_err emit_timeout(cons_core *c, cons_step step)
{
    cons_core_out o = {
        .kind = CONS_OUT_TIMEOUT, .height = c->height, .round = c->round, .step = step};
    o.ms = cons_core_timeout_ms(&c->cfg, step, c->round);
    return push(c, &o);
}

static ag_err emit_vote(cons_core *c, cons_msg_type type, const cons_block_id *id)
{
    cons_core_out o = {.kind = CONS_OUT_SIGN_VOTE, .height = c->height, .round = c->round};
    o.vote.type = type;
    o.vote.height = c->height;
    o.vote.round = c->round;
    o.vote.block_id = *id;
    o.vote.timestamp = CONS_TIME_ZERO;
    o.vote.validator_address = c->self;
    o.vote.validator_index = (int32_t)c->self_index;
    return push(c, &o);
}

static ag_err emit_sign_proposal(cons_core *c, const cons_block_id *id, int32_t pol)
{
    cons_core_out o = {.kind = CONS_OUT_SIGN_PROPOSAL, .height = c->height, .round = c->round};
    o.proposal.type = CONS_MSG_PROPOSAL;
    o.proposal.height = c->height;
    o.proposal.round = c->round;
    o.proposal.pol_round = pol;
    o.proposal.block_id = *id;
    o.proposal.timestamp = CONS_TIME_ZERO;
    return push(c, &o);
}

/* ---- per-height state ---- */

static void round_free(core_round *r)
{
    if (r->has_pv)
        cons_vote_set_free(&r->pv);
    if (r->has_pc)
        cons_vote_set_free(&r->pc);
    free(r->seen);
    memset(r, 0, sizeof *r);
}

static void height_free(cons_core *c)
{
    for (size_t i = 0; i < c->n_rounds; i++)
        round_free(&c->rounds[i]);
    free(c->rounds);
    c->rounds = NULL;
    c->n_rounds = 0;
    free(c->blocks);
    c->blocks = NULL;
    c->n_blocks = c->cap_blocks = 0;
    cons_commit_clear(&c->ext_commit);
    cons_valset_free(&c->vals0);
    cons_valset_free(&c->valsr);
}

/* Make rounds[0..r] exist. */
static ag_err ensure_round(cons_core *c, int32_t r)
{
    size_t need = (size_t)r + 1;
    if (need <= c->n_rounds)
        return AG_OK;
    core_round *nr = realloc(c->rounds, need * sizeof *nr);
    if (nr == NULL)
        return ag_err_set(AG_ERR_NOMEM, "consensus core: %zu rounds", need);
    memset(nr + c->n_rounds, 0, (need - c->n_rounds) * sizeof *nr);
    c->rounds = nr;
    c->n_rounds = need;
    return AG_OK;
}

/* 0 unknown, 1 valid, 2 invalid. */
static int verdict(const cons_core *c, const cons_block_id *id)
{
    for (size_t i = 0; i < c->n_blocks; i++)
        if (cons_block_id_equal(&c->blocks[i].id, id))
            return c->blocks[i].valid ? 1 : 2;
    return 0;
}

static bool self_voted(const core_round *r, const cons_vote_set *s, bool has, long idx)
{
    (void)r;
    return has && idx >= 0 && cons_vote_set_has(s, (size_t)idx);
}

/* Tell the vote sets which block ids need their votes kept even from an
 * equivocator: each round's proposal (L36, L49) and, in a proposal's POL
 * round, its value (L28). See vote_set.h. */
static void want_ids(cons_core *c)
{
    for (size_t i = 0; i < c->n_rounds; i++) {
        core_round *r = &c->rounds[i];
        if (!r->has_prop)
            continue;
        if (r->has_pv)
            (void)cons_vote_set_want(&r->pv, &r->prop.block_id);
        if (r->has_pc)
            (void)cons_vote_set_want(&r->pc, &r->prop.block_id);
        int32_t pol = r->prop.pol_round;
        if (pol >= 0 && (size_t)pol < c->n_rounds && c->rounds[pol].has_pv)
            (void)cons_vote_set_want(&c->rounds[pol].pv, &r->prop.block_id);
    }
}

/* ---- the algorithm ---- */

static ag_err prevote(cons_core *c, const cons_block_id *id)
{
    core_round *r = &c->rounds[c->round];
    c->step = CONS_STEP_PREVOTE;
    if (!c->is_val || c->self_index < 0)
        return AG_OK;
    r->asked_prevote = true;
    r->own_prevote = *id;
    return emit_vote(c, CONS_MSG_PREVOTE, id);
}

static ag_err precommit(cons_core *c, const cons_block_id *id)
{
    core_round *r = &c->rounds[c->round];
    c->step = CONS_STEP_PRECOMMIT;
    if (!c->is_val || c->self_index < 0)
        return AG_OK;
    r->asked_precommit = true;
    r->own_precommit = *id;
    return emit_vote(c, CONS_MSG_PRECOMMIT, id);
}

/* Ask for this node's proposal of the current round (L14-L19). */
static ag_err request_proposal(cons_core *c)
{
    core_round *r = &c->rounds[c->round];
    r->asked_proposal = true;
    if (c->valid_round >= 0) { /* L15-L16: re-propose the valid value */
        r->own_prop_id = c->valid;
        r->own_prop_pol = c->valid_round;
        return emit_sign_proposal(c, &c->valid, c->valid_round);
    }
    r->asked_build = true;
    cons_core_out o = {.kind = CONS_OUT_BUILD_PROPOSAL, .height = c->height, .round = c->round};
    return push(c, &o);
}

/* L11 StartRound(r). */
static ag_err start_round(cons_core *c, int32_t round)
{
    ag_err e = ensure_round(c, round);
    if (e != AG_OK)
        return e;
    if (round > c->round) {
        e = cons_valset_increment(&c->valsr, round - c->round);
        if (e != AG_OK)
            return e;
    }
    c->round = round;
    c->step = CONS_STEP_PROPOSE;
    core_round *r = &c->rounds[round];
    cons_validator prop;
    e = cons_valset_proposer(&c->valsr, &prop);
    if (e != AG_OK)
        return e;
    r->has_proposer = true;
    r->proposer = prop.address;
    if (r->has_prop && memcmp(r->prop_signer.b, prop.address.b, sizeof prop.address.b) != 0) {
        r->has_prop = false; /* kept from before the round started: not its proposer */
        c->stats.rejected[CONS_REJ_WRONG_PROPOSER]++;
    }
    if (c->is_val && memcmp(prop.address.b, c->self.b, sizeof c->self.b) == 0) {
        e = request_proposal(c);
        if (e != AG_OK)
            return e;
    }
    return emit_timeout(c, CONS_STEP_PROPOSE); /* L21 */
}

static ag_err emit_decide(cons_core *c)
{
    cons_core_out o = {.kind = CONS_OUT_DECIDE,
                       .height = c->height,
                       .round = c->decided_round,
                       .block_id = c->decision};
    ag_err e;
    if (c->ext_decided) {
        e = cons_commit_alloc(&o.commit, c->ext_commit.n_sigs);
        if (e == AG_OK) {
            memcpy(o.commit.sigs, c->ext_commit.sigs, c->ext_commit.n_sigs * sizeof *o.commit.sigs);
            o.commit.height = c->ext_commit.height;
            o.commit.round = c->ext_commit.round;
            o.commit.block_id = c->ext_commit.block_id;
        }
    } else {
        e = cons_vote_set_make_commit(&c->rounds[c->decided_round].pc, &o.commit);
    }
    if (e != AG_OK) {
        cons_core_out_clear(&o);
        return e;
    }
    return push(c, &o);
}

/* L49-L54: decide. */
static ag_err decide(cons_core *c, int32_t round, const cons_block_id *id)
{
    c->decided = true;
    c->decided_round = round;
    c->decision = *id;
    c->step = CONS_STEP_COMMIT;
    ag_err e = emit_decide(c);
    if (e != AG_OK)
        return e;
    return emit_timeout(c, CONS_STEP_COMMIT);
}

static bool pv_maj(const core_round *r, cons_block_id *id)
{
    return r->has_pv && cons_vote_set_two_thirds_majority(&r->pv, id);
}

/* Apply every rule whose condition holds, until none does. */
static ag_err evaluate(cons_core *c)
{
    ag_err e = AG_OK;
    for (int guard = 0; guard < 64 && !c->decided; guard++) {
        bool changed = false;
        /* L49: +2/3 precommits for a block of any round, with its block. */
        for (size_t i = 0; i < c->n_rounds; i++) {
            core_round *r = &c->rounds[i];
            cons_block_id id;
            if (r->has_pc && cons_vote_set_two_thirds_majority(&r->pc, &id) &&
                !cons_block_id_is_zero(&id) && verdict(c, &id) != 0)
                return decide(c, (int32_t)i, &id);
        }
        /* L55: f+1 of the power sent messages of a higher round: skip to it. */
        for (size_t i = c->n_rounds; i-- > (size_t)c->round + 1;) {
            if (c->rounds[i].seen_power * 3 > c->vals0.total_power) {
                if ((e = start_round(c, (int32_t)i)) != AG_OK)
                    return e;
                changed = true;
                break;
            }
        }
        if (changed)
            continue;
        core_round *r = &c->rounds[c->round];
        const cons_proposal *p = r->has_prop ? &r->prop : NULL;
        int v = p ? verdict(c, &p->block_id) : 0;
        cons_block_id maj, nil = {0};
        if (c->step == CONS_STEP_PROPOSE && p != NULL && v != 0) {
            if (p->pol_round == -1) { /* L22-L27 */
                bool ok = v == 1 &&
                          (c->locked_round == -1 || cons_block_id_equal(&c->locked, &p->block_id));
                if ((e = prevote(c, ok ? &p->block_id : &nil)) != AG_OK)
                    return e;
                changed = true;
            } else if (p->pol_round < c->round && (size_t)p->pol_round < c->n_rounds &&
                       pv_maj(&c->rounds[p->pol_round], &maj) &&
                       cons_block_id_equal(&maj, &p->block_id)) { /* L28-L33 */
                bool ok = v == 1 && (c->locked_round <= p->pol_round ||
                                     cons_block_id_equal(&c->locked, &p->block_id));
                if ((e = prevote(c, ok ? &p->block_id : &nil)) != AG_OK)
                    return e;
                changed = true;
            }
        }
        if (changed)
            continue;
        if (c->step == CONS_STEP_PREVOTE && r->has_pv && cons_vote_set_has_two_thirds_any(&r->pv) &&
            !r->pv_timeout) { /* L34-L35 */
            r->pv_timeout = true;
            if ((e = emit_timeout(c, CONS_STEP_PREVOTE)) != AG_OK)
                return e;
        }
        if ((c->step == CONS_STEP_PREVOTE || c->step == CONS_STEP_PRECOMMIT) && p != NULL &&
            v == 1 && !r->l36_done && pv_maj(r, &maj) &&
            cons_block_id_equal(&maj, &p->block_id)) { /* L36-L43 */
            r->l36_done = true;
            if (c->step == CONS_STEP_PREVOTE) {
                c->locked = p->block_id;
                c->locked_round = c->round;
                if ((e = precommit(c, &p->block_id)) != AG_OK)
                    return e;
            }
            c->valid = p->block_id;
            c->valid_round = c->round;
            changed = true;
        }
        if (c->step == CONS_STEP_PREVOTE && pv_maj(r, &maj) &&
            cons_block_id_is_zero(&maj)) { /* L44-L46 */
            if ((e = precommit(c, &nil)) != AG_OK)
                return e;
            changed = true;
        }
        if (r->has_pc && cons_vote_set_has_two_thirds_any(&r->pc) && !r->pc_timeout) { /* L47 */
            r->pc_timeout = true;
            if ((e = emit_timeout(c, CONS_STEP_PRECOMMIT)) != AG_OK)
                return e;
        }
        if (!changed)
            break;
    }
    return e;
}

/* ---- lifecycle ---- */

ag_err cons_core_new(cons_core **out, const char *chain_id, const crypto_address *self,
                     const cons_core_config *cfg)
{
    *out = NULL;
    if (chain_id == NULL || strlen(chain_id) > CONS_CHAIN_ID_MAX || cfg == NULL)
        return ag_err_set(AG_ERR_INVALID_ARG, "consensus core: bad chain id or config");
    cons_core *c = calloc(1, sizeof *c);
    if (c == NULL)
        return ag_err_set(AG_ERR_NOMEM, "consensus core");
    strcpy(c->chain_id, chain_id);
    c->is_val = self != NULL;
    if (self != NULL)
        c->self = *self;
    c->cfg = *cfg;
    c->self_index = -1;
    c->locked_round = c->valid_round = -1;
    *out = c;
    return AG_OK;
}

void cons_core_free(cons_core *c)
{
    if (c == NULL)
        return;
    height_free(c);
    for (size_t i = 0; i < c->q_len; i++)
        cons_core_out_clear(&c->q[(c->q_head + i) % CONS_CORE_OUTPUTS_MAX]);
    free(c);
}

ag_err cons_core_start_height(cons_core *c, int64_t height, const cons_valset *vals)
{
    if (height <= 0 || (c->started && height <= c->height) || vals == NULL || vals->n == 0)
        return ag_err_set(AG_ERR_INVALID_ARG, "consensus core: cannot start height %lld",
                          (long long)height);
    height_free(c);
    ag_err e = cons_valset_copy(&c->vals0, vals);
    if (e != AG_OK)
        return e;
    if ((e = cons_valset_copy(&c->valsr, vals)) != AG_OK) {
        cons_valset_free(&c->vals0);
        return e;
    }
    c->started = true;
    c->height = height;
    c->round = 0;
    c->locked_round = c->valid_round = -1;
    memset(&c->locked, 0, sizeof c->locked);
    memset(&c->valid, 0, sizeof c->valid);
    c->decided = c->height_done = c->ext_decided = false;
    c->decided_round = -1;
    memset(&c->decision, 0, sizeof c->decision);
    c->self_index = c->is_val ? cons_valset_index_of(&c->vals0, &c->self) : -1;
    if ((e = start_round(c, 0)) != AG_OK)
        return e;
    return evaluate(c);
}

/* ---- inputs ---- */

static ag_err reject(cons_core *c, cons_reject *why, cons_reject r)
{
    c->stats.rejected[r]++;
    if (why != NULL)
        *why = r;
    return AG_OK;
}

static bool round_in_window(const cons_core *c, int32_t round)
{
    return round >= 0 && round <= CONS_CORE_ROUND_MAX &&
           (int64_t)round <= (int64_t)c->round + CONS_CORE_FUTURE_ROUNDS;
}

ag_err cons_core_add_vote(cons_core *c, const cons_vote *v, cons_reject *why)
{
    if (why != NULL)
        *why = CONS_REJ_NONE;
    if (!c->started)
        return reject(c, why, CONS_REJ_NOT_STARTED);
    if (v->height != c->height)
        return reject(c, why, CONS_REJ_WRONG_HEIGHT);
    if (!cons_msg_type_is_vote((int)v->type) || v->round < 0 ||
        (!cons_block_id_is_zero(&v->block_id) && !cons_block_id_is_complete(&v->block_id)))
        return reject(c, why, CONS_REJ_MALFORMED);
    if (!round_in_window(c, v->round))
        return reject(c, why, CONS_REJ_FUTURE_ROUND);
    if (v->validator_index < 0 || (size_t)v->validator_index >= c->vals0.n ||
        memcmp(c->vals0.vals[v->validator_index].address.b, v->validator_address.b,
               sizeof v->validator_address.b) != 0)
        return reject(c, why, CONS_REJ_UNKNOWN_VALIDATOR);
    ag_err e = ensure_round(c, v->round);
    if (e != AG_OK)
        return e;
    core_round *r = &c->rounds[v->round];
    bool pre = v->type == CONS_MSG_PREVOTE;
    cons_vote_set *s = pre ? &r->pv : &r->pc;
    if (!(pre ? r->has_pv : r->has_pc)) {
        if ((e = cons_vote_set_init(s, c->height, v->round, v->type, &c->vals0)) != AG_OK)
            return e;
        if (pre)
            r->has_pv = true;
        else
            r->has_pc = true;
        want_ids(c);
    }
    if (r->seen == NULL && (r->seen = calloc((c->vals0.n + 7) / 8, 1)) == NULL)
        return ag_err_set(AG_ERR_NOMEM, "consensus core: round bitmap");
    cons_vote_add_result res;
    const cons_vote *old;
    if ((e = cons_vote_set_add(s, v, &res, &old)) != AG_OK)
        return e;
    if (res == CONS_VOTE_DUPLICATE)
        return reject(c, why, CONS_REJ_DUPLICATE);
    if (res == CONS_VOTE_CONFLICT) {
        cons_core_out o = {.kind = CONS_OUT_EVIDENCE, .height = c->height, .round = v->round};
        if ((e = cons_vote_copy(&o.vote, old)) != AG_OK ||
            (e = cons_vote_copy(&o.vote_b, v)) != AG_OK) {
            cons_core_out_clear(&o);
            return e;
        }
        c->stats.evidence++;
        if ((e = push(c, &o)) != AG_OK)
            return e;
        reject(c, why, CONS_REJ_CONFLICT);
        /* The kept conflicting vote counts for its block: it may complete a
         * +2/3 (see vote_set.h). */
        return evaluate(c);
    }
    c->stats.votes_accepted++;
    size_t i = (size_t)v->validator_index;
    if (!((r->seen[i / 8] >> (i % 8)) & 1)) {
        r->seen[i / 8] |= (uint8_t)(1u << (i % 8));
        r->seen_power += c->vals0.vals[i].voting_power;
    }
    return evaluate(c);
}

ag_err cons_core_add_proposal(cons_core *c, const cons_proposal *p, const crypto_address *signer,
                              cons_reject *why)
{
    if (why != NULL)
        *why = CONS_REJ_NONE;
    if (!c->started)
        return reject(c, why, CONS_REJ_NOT_STARTED);
    if (p->height != c->height)
        return reject(c, why, CONS_REJ_WRONG_HEIGHT);
    if (p->type != CONS_MSG_PROPOSAL || p->round < 0 || p->pol_round < -1 ||
        p->pol_round >= p->round || !cons_block_id_is_complete(&p->block_id))
        return reject(c, why, CONS_REJ_MALFORMED);
    if (!round_in_window(c, p->round))
        return reject(c, why, CONS_REJ_FUTURE_ROUND);
    ag_err e = ensure_round(c, p->round);
    if (e != AG_OK)
        return e;
    core_round *r = &c->rounds[p->round];
    if (p->round <= c->round) {
        if (!r->has_proposer)
            return reject(c, why, CONS_REJ_STALE); /* a round this node skipped */
        if (memcmp(r->proposer.b, signer->b, sizeof signer->b) != 0)
            return reject(c, why, CONS_REJ_WRONG_PROPOSER);
    }
    if (r->has_prop) {
        bool same = cons_block_id_equal(&r->prop.block_id, &p->block_id) &&
                    r->prop.pol_round == p->pol_round &&
                    memcmp(r->prop_signer.b, signer->b, sizeof signer->b) == 0;
        return reject(c, why, same ? CONS_REJ_DUPLICATE : CONS_REJ_CONFLICT);
    }
    r->has_prop = true;
    r->prop = *p;
    r->prop_signer = *signer;
    want_ids(c);
    c->stats.proposals_accepted++;
    return evaluate(c);
}

static bool block_known(const cons_core *c, const cons_block_id *id)
{
    for (size_t i = 0; i < c->n_rounds; i++) {
        const core_round *r = &c->rounds[i];
        cons_block_id m;
        if (r->has_prop && cons_block_id_equal(&r->prop.block_id, id))
            return true;
        if (r->has_pc && cons_vote_set_two_thirds_majority(&r->pc, &m) &&
            cons_block_id_equal(&m, id))
            return true;
    }
    return false;
}

ag_err cons_core_block_ready(cons_core *c, const cons_block_id *block_id, bool valid,
                             cons_reject *why)
{
    if (why != NULL)
        *why = CONS_REJ_NONE;
    if (!c->started)
        return reject(c, why, CONS_REJ_NOT_STARTED);
    if (verdict(c, block_id) != 0)
        return reject(c, why, CONS_REJ_DUPLICATE);
    if (!block_known(c, block_id))
        return reject(c, why, CONS_REJ_UNKNOWN_BLOCK);
    if (c->n_blocks == c->cap_blocks) {
        size_t cap = c->cap_blocks ? 2 * c->cap_blocks : 4;
        core_block *nb = realloc(c->blocks, cap * sizeof *nb);
        if (nb == NULL)
            return ag_err_set(AG_ERR_NOMEM, "consensus core: block verdicts");
        c->blocks = nb;
        c->cap_blocks = cap;
    }
    c->blocks[c->n_blocks].id = *block_id;
    c->blocks[c->n_blocks].valid = valid;
    c->n_blocks++;
    return evaluate(c);
}

ag_err cons_core_timeout(cons_core *c, int64_t height, int32_t round, cons_step step,
                         cons_reject *why)
{
    if (why != NULL)
        *why = CONS_REJ_NONE;
    if (!c->started)
        return reject(c, why, CONS_REJ_NOT_STARTED);
    if (height != c->height)
        return reject(c, why, CONS_REJ_WRONG_HEIGHT);
    ag_err e = AG_OK;
    cons_block_id nil = {0};
    if (step == CONS_STEP_COMMIT) {
        if (!c->decided || c->height_done)
            return reject(c, why, CONS_REJ_STALE);
        c->height_done = true;
        cons_core_out o = {.kind = CONS_OUT_HEIGHT_DONE, .height = c->height, .round = c->round};
        return push(c, &o);
    }
    if (round != c->round || c->decided)
        return reject(c, why, CONS_REJ_STALE);
    if (step == CONS_STEP_PROPOSE && c->step == CONS_STEP_PROPOSE) { /* L57-L60 */
        e = prevote(c, &nil);
    } else if (step == CONS_STEP_PREVOTE && c->step == CONS_STEP_PREVOTE &&
               c->rounds[round].pv_timeout) { /* L61-L64 */
        e = precommit(c, &nil);
    } else if (step == CONS_STEP_PRECOMMIT && c->rounds[round].pc_timeout &&
               round < CONS_CORE_ROUND_MAX) { /* L65-L67 */
        e = start_round(c, round + 1);
    } else {
        return reject(c, why, CONS_REJ_STALE);
    }
    if (e != AG_OK)
        return e;
    return evaluate(c);
}

ag_err cons_core_propose(cons_core *c, int64_t height, int32_t round, const cons_block_id *block_id,
                         cons_reject *why)
{
    if (why != NULL)
        *why = CONS_REJ_NONE;
    if (!c->started)
        return reject(c, why, CONS_REJ_NOT_STARTED);
    if (height != c->height)
        return reject(c, why, CONS_REJ_WRONG_HEIGHT);
    if (!cons_block_id_is_complete(block_id))
        return reject(c, why, CONS_REJ_MALFORMED);
    if (round != c->round || c->decided || !c->rounds[round].asked_build)
        return reject(c, why, CONS_REJ_STALE);
    core_round *r = &c->rounds[round];
    r->asked_build = false;
    r->own_prop_id = *block_id;
    r->own_prop_pol = -1;
    return emit_sign_proposal(c, block_id, -1);
}

ag_err cons_core_add_commit(cons_core *c, const cons_commit *commit, cons_reject *why)
{
    if (why != NULL)
        *why = CONS_REJ_NONE;
    if (!c->started)
        return reject(c, why, CONS_REJ_NOT_STARTED);
    if (commit->height != c->height)
        return reject(c, why, CONS_REJ_WRONG_HEIGHT);
    if (c->decided)
        return reject(c, why, CONS_REJ_DUPLICATE);
    if (!cons_block_id_is_complete(&commit->block_id) || commit->round < 0 ||
        commit->n_sigs != c->vals0.n)
        return reject(c, why, CONS_REJ_MALFORMED);
    int64_t power;
    ag_err e = cons_commit_power(commit, &c->vals0, &power);
    if (e != AG_OK)
        return reject(c, why, CONS_REJ_MALFORMED);
    if (power * 3 <= c->vals0.total_power * 2)
        return reject(c, why, CONS_REJ_NO_QUORUM);
    if ((e = cons_commit_alloc(&c->ext_commit, commit->n_sigs)) != AG_OK)
        return e;
    memcpy(c->ext_commit.sigs, commit->sigs, commit->n_sigs * sizeof *commit->sigs);
    c->ext_commit.height = commit->height;
    c->ext_commit.round = commit->round;
    c->ext_commit.block_id = commit->block_id;
    c->ext_decided = true;
    return decide(c, commit->round, &commit->block_id);
}

ag_err cons_core_resume(cons_core *c)
{
    if (!c->started)
        return AG_OK;
    ag_err e;
    if (c->decided) {
        if ((e = emit_decide(c)) != AG_OK)
            return e;
        if (c->height_done) {
            cons_core_out o = {
                .kind = CONS_OUT_HEIGHT_DONE, .height = c->height, .round = c->round};
            return push(c, &o);
        }
        return emit_timeout(c, CONS_STEP_COMMIT);
    }
    core_round *r = &c->rounds[c->round];
    if (r->asked_proposal && !r->has_prop) {
        if (r->asked_build) {
            cons_core_out o = {
                .kind = CONS_OUT_BUILD_PROPOSAL, .height = c->height, .round = c->round};
            if ((e = push(c, &o)) != AG_OK)
                return e;
        } else if ((e = emit_sign_proposal(c, &r->own_prop_id, r->own_prop_pol)) != AG_OK) {
            return e;
        }
    }
    if (r->asked_prevote && !self_voted(r, &r->pv, r->has_pv, c->self_index) &&
        (e = emit_vote(c, CONS_MSG_PREVOTE, &r->own_prevote)) != AG_OK)
        return e;
    if (r->asked_precommit && !self_voted(r, &r->pc, r->has_pc, c->self_index) &&
        (e = emit_vote(c, CONS_MSG_PRECOMMIT, &r->own_precommit)) != AG_OK)
        return e;
    if (c->step == CONS_STEP_PROPOSE && (e = emit_timeout(c, CONS_STEP_PROPOSE)) != AG_OK)
        return e;
    if (c->step == CONS_STEP_PREVOTE && r->pv_timeout &&
        (e = emit_timeout(c, CONS_STEP_PREVOTE)) != AG_OK)
        return e;
    if (r->pc_timeout && (e = emit_timeout(c, CONS_STEP_PRECOMMIT)) != AG_OK)
        return e;
    return AG_OK;
}

/* ---- introspection ---- */

int64_t cons_core_height(const cons_core *c)
{
    return c->height;
}
int32_t cons_core_round(const cons_core *c)
{
    return c->round;
}
cons_step cons_core_step(const cons_core *c)
{
    return c->step;
}
int32_t cons_core_locked(const cons_core *c, cons_block_id *id)
{
    if (id != NULL)
        *id = c->locked;
    return c->locked_round;
}
int32_t cons_core_valid(const cons_core *c, cons_block_id *id)
{
    if (id != NULL)
        *id = c->valid;
    return c->valid_round;
}
bool cons_core_decided(const cons_core *c, cons_block_id *id)
{
    if (c->decided && id != NULL)
        *id = c->decision;
    return c->decided;
}
const cons_core_stats *cons_core_get_stats(const cons_core *c)
{
    return &c->stats;
}
const cons_valset *cons_core_valset(const cons_core *c)
{
    return &c->valsr;
}
const cons_vote_set *cons_core_votes(const cons_core *c, int32_t round, cons_msg_type type)
{
    if (round < 0 || (size_t)round >= c->n_rounds)
        return NULL;
    const core_round *r = &c->rounds[round];
    if (type == CONS_MSG_PREVOTE)
        return r->has_pv ? &r->pv : NULL;
    if (type == CONS_MSG_PRECOMMIT)
        return r->has_pc ? &r->pc : NULL;
    return NULL;
}
const cons_proposal *cons_core_proposal(const cons_core *c, int32_t round)
{
    if (round < 0 || (size_t)round >= c->n_rounds || !c->rounds[round].has_prop)
        return NULL;
    return &c->rounds[round].prop;
}

ag_err cons_core_proposer(const cons_core *c, int32_t round, cons_validator *out)
{
    memset(out, 0, sizeof *out);
    if (!c->started)
        return ag_err_set(AG_ERR_STATE, "consensus core: no height started");
    if (!round_in_window(c, round))
        return ag_err_set(AG_ERR_INVALID_ARG, "consensus core: round %d outside the window",
                          (int)round);
    if (round == c->round)
        return cons_valset_proposer(&c->valsr, out);
    if (round < c->round) {
        if ((size_t)round >= c->n_rounds || !c->rounds[round].has_proposer)
            return ag_err_set(AG_ERR_NOT_FOUND, "consensus core: round %d was skipped", (int)round);
        long i = cons_valset_index_of(&c->vals0, &c->rounds[round].proposer);
        if (i < 0)
            return ag_err_set(AG_ERR_INTERNAL, "consensus core: proposer not in set");
        *out = c->vals0.vals[i];
        return AG_OK;
    }
    cons_valset tmp;
    ag_err e = cons_valset_copy(&tmp, &c->valsr);
    if (e != AG_OK)
        return e;
    e = cons_valset_increment(&tmp, round - c->round);
    if (e == AG_OK)
        e = cons_valset_proposer(&tmp, out);
    cons_valset_free(&tmp);
    return e;
}
