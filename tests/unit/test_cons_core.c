/* The consensus core (consensus/core.h) rule by rule, and vote sets.
 * Line numbers "Lnn" are those of Algorithm 1 of the Tendermint paper. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consensus/core.h"
#include "tests/harness/ag_test.h"

#define NV 4
static cons_valset vals;
static cons_core_config cfg;

/* Validators with power 10 each (keys 1..NV). */
static void setup(void)
{
    cons_validator v[NV];
    for (int i = 0; i < NV; i++) {
        uint8_t sk[32] = {0};
        sk[31] = (uint8_t)(i + 1);
        crypto_privkey key;
        crypto_pubkey pub;
        ck_assert_int_eq(crypto_privkey_from_bytes(&key, sk, 32), AG_OK);
        ck_assert_int_eq(crypto_pubkey_from_privkey(&pub, &key), AG_OK);
        cons_validator_init(&v[i], &pub, 10);
    }
    ck_assert_int_eq(cons_valset_new(&vals, v, NV), AG_OK);
    cfg = cons_core_config_default();
}

static void teardown(void)
{
    cons_valset_free(&vals);
}

static cons_block_id bid(uint8_t tag)
{
    cons_block_id id = {0};
    id.hash.len = 32;
    memset(id.hash.b, tag, 32);
    id.parts.total = 1;
    id.parts.hash.len = 32;
    memset(id.parts.hash.b, (uint8_t)(tag ^ 0x5a), 32);
    return id;
}

static const cons_block_id NIL = {0};

/* Index of the proposer of round r as the core sees it. */
static int proposer_of(cons_core *c, int32_t r)
{
    cons_validator p;
    ck_assert_int_eq(cons_core_proposer(c, r, &p), AG_OK);
    return (int)cons_valset_index_of(&vals, &p.address);
}

/* A core run by validator `self` (or a non-validator for -1) at height 1. */
static cons_core *mk(int self)
{
    cons_core *c;
    ck_assert_int_eq(
        cons_core_new(&c, "agora-test", self >= 0 ? &vals.vals[self].address : NULL, &cfg), AG_OK);
    ck_assert_int_eq(cons_core_start_height(c, 1, &vals), AG_OK);
    return c;
}

/* A non-proposer of rounds 0..2 to be the node under test. */
static int non_proposer(void)
{
    cons_core *c = mk(-1);
    int pick = -1;
    for (int i = 0; i < NV && pick < 0; i++) {
        bool ok = true;
        for (int r = 0; r <= 2; r++)
            if (proposer_of(c, r) == i)
                ok = false;
        if (ok)
            pick = i;
    }
    cons_core_free(c);
    ck_assert_int_ge(pick, 0);
    return pick;
}

#define MAXO 64
typedef struct {
    cons_core_out o[MAXO];
    int n;
} outs;

static void drain(cons_core *c, outs *os)
{
    for (int i = 0; i < os->n; i++)
        cons_core_out_clear(&os->o[i]);
    os->n = 0;
    cons_core_out o;
    while (cons_core_next_output(c, &o)) {
        ck_assert_int_lt(os->n, MAXO);
        os->o[os->n++] = o;
    }
}

static void outs_free(outs *os)
{
    for (int i = 0; i < os->n; i++)
        cons_core_out_clear(&os->o[i]);
    os->n = 0;
}

static const cons_core_out *find(const outs *os, cons_out_kind k)
{
    for (int i = 0; i < os->n; i++)
        if (os->o[i].kind == k)
            return &os->o[i];
    return NULL;
}

static const cons_core_out *find_vote(const outs *os, cons_msg_type t)
{
    for (int i = 0; i < os->n; i++)
        if (os->o[i].kind == CONS_OUT_SIGN_VOTE && os->o[i].vote.type == t)
            return &os->o[i];
    return NULL;
}

static const cons_core_out *find_timeout(const outs *os, cons_step s)
{
    for (int i = 0; i < os->n; i++)
        if (os->o[i].kind == CONS_OUT_TIMEOUT && os->o[i].step == s)
            return &os->o[i];
    return NULL;
}

static cons_vote mkvote(cons_msg_type t, int64_t h, int32_t r, cons_block_id id, int i)
{
    cons_vote v = {0};
    v.type = t;
    v.height = h;
    v.round = r;
    v.block_id = id;
    v.timestamp = (cons_timestamp){1700000000, i};
    v.validator_address = vals.vals[i].address;
    v.validator_index = i;
    v.signature.len = 64;
    memset(v.signature.b, i + 1, 64);
    return v;
}

static cons_reject vote(cons_core *c, cons_msg_type t, int32_t r, cons_block_id id, int i)
{
    cons_vote v = mkvote(t, 1, r, id, i);
    cons_reject why;
    ck_assert_int_eq(cons_core_add_vote(c, &v, &why), AG_OK);
    return why;
}

/* Votes of `t` for id in round r from the validators listed (count k). */
static void votes(cons_core *c, cons_msg_type t, int32_t r, cons_block_id id, const int *who, int k)
{
    for (int i = 0; i < k; i++)
        vote(c, t, r, id, who[i]);
}

/* Everyone but `skip` (which may be -1). */
static int others(int skip, int *who)
{
    int k = 0;
    for (int i = 0; i < NV; i++)
        if (i != skip)
            who[k++] = i;
    return k;
}

static cons_reject propose(cons_core *c, int32_t r, int32_t pol, cons_block_id id)
{
    cons_proposal p = {
        .type = CONS_MSG_PROPOSAL, .height = 1, .round = r, .pol_round = pol, .block_id = id};
    p.signature.len = 64;
    int who = proposer_of(c, r);
    cons_reject why;
    ck_assert_int_eq(cons_core_add_proposal(c, &p, &vals.vals[who].address, &why), AG_OK);
    return why;
}

static void ready(cons_core *c, cons_block_id id, bool valid)
{
    cons_reject why;
    ck_assert_int_eq(cons_core_block_ready(c, &id, valid, &why), AG_OK);
    ck_assert_int_eq(why, CONS_REJ_NONE);
}

/* L22-L27, L36-L43, L49-L54: proposal, prevote, lock, precommit, decide,
 * commit timeout, height done; the commit carries the +2/3. */
START_TEST(happy_path)
{
    int me = non_proposer();
    cons_core *c = mk(me);
    outs os = {0};
    drain(c, &os);
    ck_assert_ptr_nonnull(find_timeout(&os, CONS_STEP_PROPOSE));
    ck_assert_ptr_null(find(&os, CONS_OUT_BUILD_PROPOSAL));
    cons_block_id b = bid(1);
    ck_assert_int_eq(propose(c, 0, -1, b), CONS_REJ_NONE);
    drain(c, &os);
    ck_assert_int_eq(os.n, 0); /* no block yet: wait */
    ready(c, b, true);
    drain(c, &os);
    const cons_core_out *pv = find_vote(&os, CONS_MSG_PREVOTE);
    ck_assert_ptr_nonnull(pv);
    ck_assert(cons_block_id_equal(&pv->vote.block_id, &b));
    ck_assert_int_eq(pv->vote.validator_index, me);
    int who[NV], k = others(me, who);
    votes(c, CONS_MSG_PREVOTE, 0, b, who, k);
    drain(c, &os);
    const cons_core_out *pc = find_vote(&os, CONS_MSG_PRECOMMIT);
    ck_assert_ptr_nonnull(pc);
    ck_assert(cons_block_id_equal(&pc->vote.block_id, &b));
    cons_block_id l;
    ck_assert_int_eq(cons_core_locked(c, &l), 0);
    ck_assert(cons_block_id_equal(&l, &b));
    ck_assert_int_eq(cons_core_valid(c, NULL), 0);
    votes(c, CONS_MSG_PRECOMMIT, 0, b, who, 2);
    drain(c, &os);
    ck_assert_ptr_null(find(&os, CONS_OUT_DECIDE));
    ck_assert_ptr_null(find_timeout(&os, CONS_STEP_PRECOMMIT)); /* 20 of 40: not +2/3 */
    vote(c, CONS_MSG_PRECOMMIT, 0, b, me);
    drain(c, &os);
    const cons_core_out *d = find(&os, CONS_OUT_DECIDE);
    ck_assert_ptr_nonnull(d);
    ck_assert_int_eq(d->height, 1);
    ck_assert(cons_block_id_equal(&d->block_id, &b));
    int64_t power;
    ck_assert_int_eq(cons_commit_power(&d->commit, &vals, &power), AG_OK);
    ck_assert_int_eq(power, 30);
    ck_assert_uint_eq(d->commit.sigs[me].flag, CONS_BLOCK_ID_FLAG_COMMIT);
    const cons_core_out *t = find_timeout(&os, CONS_STEP_COMMIT);
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(t->ms, 1000);
    ck_assert_int_eq(cons_core_step(c), CONS_STEP_COMMIT);
    cons_reject why;
    ck_assert_int_eq(cons_core_timeout(c, 1, 0, CONS_STEP_COMMIT, &why), AG_OK);
    drain(c, &os);
    ck_assert_ptr_nonnull(find(&os, CONS_OUT_HEIGHT_DONE));
    ck_assert_int_eq(cons_core_start_height(c, 2, &vals), AG_OK);
    ck_assert_int_eq(cons_core_height(c), 2);
    ck_assert_int_eq(cons_core_locked(c, NULL), -1);
    outs_free(&os);
    drain(c, &os);
    outs_free(&os);
    cons_core_free(c);
}
END_TEST

/* ProcessProposal rejects the block: prevote nil (L24 valid(v) false). */
START_TEST(invalid_block_prevotes_nil)
{
    cons_core *c = mk(non_proposer());
    outs os = {0};
    drain(c, &os);
    propose(c, 0, -1, bid(2));
    ready(c, bid(2), false);
    drain(c, &os);
    const cons_core_out *pv = find_vote(&os, CONS_MSG_PREVOTE);
    ck_assert_ptr_nonnull(pv);
    ck_assert(cons_block_id_is_zero(&pv->vote.block_id));
    outs_free(&os);
    cons_core_free(c);
}
END_TEST

/* L57 timeout propose -> prevote nil; L34 +2/3 any prevotes -> prevote
 * timeout; L61 -> precommit nil; L44 +2/3 nil prevotes -> precommit nil;
 * L47/L65 precommit timeout -> next round. */
START_TEST(nil_paths_and_round_change)
{
    int me = non_proposer();
    cons_core *c = mk(me);
    outs os = {0};
    drain(c, &os);
    cons_reject why;
    ck_assert_int_eq(cons_core_timeout(c, 1, 0, CONS_STEP_PREVOTE, &why), AG_OK);
    ck_assert_int_eq(why, CONS_REJ_STALE);
    ck_assert_int_eq(cons_core_timeout(c, 1, 0, CONS_STEP_PROPOSE, &why), AG_OK);
    ck_assert_int_eq(why, CONS_REJ_NONE);
    drain(c, &os);
    ck_assert(cons_block_id_is_zero(&find_vote(&os, CONS_MSG_PREVOTE)->vote.block_id));
    /* Split prevotes: +2/3 any but no majority -> timeout prevote -> nil. */
    int who[NV];
    others(me, who);
    vote(c, CONS_MSG_PREVOTE, 0, bid(1), who[0]);
    vote(c, CONS_MSG_PREVOTE, 0, bid(2), who[1]);
    drain(c, &os);
    ck_assert_ptr_null(find_timeout(&os, CONS_STEP_PREVOTE));
    vote(c, CONS_MSG_PREVOTE, 0, NIL, me);
    drain(c, &os);
    ck_assert_ptr_nonnull(find_timeout(&os, CONS_STEP_PREVOTE));
    ck_assert_int_eq(cons_core_step(c), CONS_STEP_PREVOTE);
    ck_assert_int_eq(cons_core_timeout(c, 1, 0, CONS_STEP_PREVOTE, &why), AG_OK);
    drain(c, &os);
    ck_assert(cons_block_id_is_zero(&find_vote(&os, CONS_MSG_PRECOMMIT)->vote.block_id));
    votes(c, CONS_MSG_PRECOMMIT, 0, NIL, who, 3);
    drain(c, &os);
    const cons_core_out *t = find_timeout(&os, CONS_STEP_PRECOMMIT);
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(t->ms, 1000);
    ck_assert_int_eq(cons_core_timeout(c, 1, 0, CONS_STEP_PRECOMMIT, &why), AG_OK);
    drain(c, &os);
    ck_assert_int_eq(cons_core_round(c), 1);
    t = find_timeout(&os, CONS_STEP_PROPOSE);
    ck_assert_uint_eq(t->ms, 3500); /* 3000 + 500 * 1 */
    /* Round 1: +2/3 nil prevotes -> precommit nil directly (L44). */
    ck_assert_int_eq(cons_core_timeout(c, 1, 1, CONS_STEP_PROPOSE, &why), AG_OK);
    votes(c, CONS_MSG_PREVOTE, 1, NIL, who, 3);
    drain(c, &os);
    ck_assert(cons_block_id_is_zero(&find_vote(&os, CONS_MSG_PRECOMMIT)->vote.block_id));
    ck_assert_uint_eq(find_timeout(&os, CONS_STEP_PREVOTE)->ms, 1500);
    outs_free(&os);
    cons_core_free(c);
}
END_TEST

/* Lock on B in round 0 (L36); a round-1 proposal of C without POL gets a nil
 * prevote (L26: locked on another value); a re-proposal of B gets B. */
static cons_core *locked_on_b(int me, outs *os)
{
    cons_core *c = mk(me);
    drain(c, os);
    propose(c, 0, -1, bid(1));
    ready(c, bid(1), true);
    int who[NV], k = others(me, who);
    votes(c, CONS_MSG_PREVOTE, 0, bid(1), who, k);
    /* precommits split: no decision; precommit timeout -> round 1 */
    vote(c, CONS_MSG_PRECOMMIT, 0, NIL, who[0]);
    vote(c, CONS_MSG_PRECOMMIT, 0, NIL, who[1]);
    vote(c, CONS_MSG_PRECOMMIT, 0, bid(1), me);
    cons_reject why;
    ck_assert_int_eq(cons_core_timeout(c, 1, 0, CONS_STEP_PRECOMMIT, &why), AG_OK);
    ck_assert_int_eq(why, CONS_REJ_NONE);
    ck_assert_int_eq(cons_core_round(c), 1);
    drain(c, os);
    return c;
}

START_TEST(lock_blocks_other_value)
{
    int me = non_proposer();
    outs os = {0};
    cons_core *c = locked_on_b(me, &os);
    propose(c, 1, -1, bid(3));
    ready(c, bid(3), true);
    drain(c, &os);
    ck_assert(cons_block_id_is_zero(&find_vote(&os, CONS_MSG_PREVOTE)->vote.block_id));
    ck_assert_int_eq(cons_core_locked(c, NULL), 0);
    outs_free(&os);
    cons_core_free(c);
}
END_TEST

/* L28-L33: a proposal of C with pol_round 1 and +2/3 prevotes for C in round
 * 1 unlocks a node locked on B in round 0 (lockedRound 0 <= vr 1). */
START_TEST(unlock_via_pol)
{
    int me = non_proposer();
    outs os = {0};
    cons_core *c = locked_on_b(me, &os);
    int who[NV], k = others(me, who);
    cons_reject why;
    /* Round 1: the others prevote C (we missed the proposal); nil precommits. */
    votes(c, CONS_MSG_PREVOTE, 1, bid(3), who, k);
    votes(c, CONS_MSG_PRECOMMIT, 1, NIL, who, k);
    ck_assert_int_eq(cons_core_timeout(c, 1, 1, CONS_STEP_PROPOSE, &why), AG_OK);
    drain(c, &os);
    ck_assert_int_eq(cons_core_timeout(c, 1, 1, CONS_STEP_PRECOMMIT, &why), AG_OK);
    ck_assert_int_eq(cons_core_round(c), 2);
    drain(c, &os);
    /* Round 2: C re-proposed with POL round 1. */
    propose(c, 2, 1, bid(3));
    ready(c, bid(3), true);
    drain(c, &os);
    const cons_core_out *pv = find_vote(&os, CONS_MSG_PREVOTE);
    ck_assert_ptr_nonnull(pv);
    cons_block_id c3 = bid(3);
    ck_assert(cons_block_id_equal(&pv->vote.block_id, &c3));
    outs_free(&os);
    cons_core_free(c);
}
END_TEST

/* L36-L43 valid value, and L15-L16: a proposer with a valid value re-proposes
 * it with its round as POL round instead of asking for a new block. */
START_TEST(valid_value_reproposed)
{
    /* Node = proposer of round 1 (it must not be the proposer of round 0). */
    cons_core *probe = mk(-1);
    int p0 = proposer_of(probe, 0), p1 = proposer_of(probe, 1);
    cons_core_free(probe);
    ck_assert_int_ne(p0, p1);
    cons_core *c = mk(p1);
    outs os = {0};
    drain(c, &os);
    cons_block_id b = bid(7);
    propose(c, 0, -1, b);
    ready(c, b, true);
    int who[NV], k = others(p1, who);
    votes(c, CONS_MSG_PREVOTE, 0, b, who, k);
    ck_assert_int_eq(cons_core_valid(c, NULL), 0);
    votes(c, CONS_MSG_PRECOMMIT, 0, NIL, who, k);
    cons_reject why;
    ck_assert_int_eq(cons_core_timeout(c, 1, 0, CONS_STEP_PRECOMMIT, &why), AG_OK);
    drain(c, &os);
    ck_assert_ptr_null(find(&os, CONS_OUT_BUILD_PROPOSAL));
    const cons_core_out *sp = find(&os, CONS_OUT_SIGN_PROPOSAL);
    ck_assert_ptr_nonnull(sp);
    ck_assert_int_eq(sp->proposal.round, 1);
    ck_assert_int_eq(sp->proposal.pol_round, 0);
    ck_assert(cons_block_id_equal(&sp->proposal.block_id, &b));
    outs_free(&os);
    cons_core_free(c);
}
END_TEST

/* A proposer with no valid value is asked to build; its block comes back as
 * an unsigned proposal; a stale or repeated cons_core_propose is refused. */
START_TEST(proposer_builds)
{
    cons_core *probe = mk(-1);
    int p0 = proposer_of(probe, 0);
    cons_core_free(probe);
    cons_core *c = mk(p0);
    outs os = {0};
    drain(c, &os);
    const cons_core_out *bp = find(&os, CONS_OUT_BUILD_PROPOSAL);
    ck_assert_ptr_nonnull(bp);
    ck_assert_int_eq(bp->round, 0);
    cons_block_id b = bid(9);
    cons_reject why;
    ck_assert_int_eq(cons_core_propose(c, 1, 1, &b, &why), AG_OK);
    ck_assert_int_eq(why, CONS_REJ_STALE);
    ck_assert_int_eq(cons_core_propose(c, 1, 0, &b, &why), AG_OK);
    ck_assert_int_eq(why, CONS_REJ_NONE);
    drain(c, &os);
    const cons_core_out *sp = find(&os, CONS_OUT_SIGN_PROPOSAL);
    ck_assert_ptr_nonnull(sp);
    ck_assert_int_eq(sp->proposal.pol_round, -1);
    ck_assert_int_eq(cons_core_propose(c, 1, 0, &b, &why), AG_OK);
    ck_assert_int_eq(why, CONS_REJ_STALE);
    outs_free(&os);
    cons_core_free(c);
}
END_TEST

/* L55: f+1 of the power in a higher round skips to it; f alone does not. */
START_TEST(round_skip)
{
    int me = non_proposer();
    cons_core *c = mk(me);
    outs os = {0};
    drain(c, &os);
    int who[NV];
    others(me, who);
    vote(c, CONS_MSG_PREVOTE, 3, NIL, who[0]);
    ck_assert_int_eq(cons_core_round(c), 0); /* 10 of 40: not > 1/3 */
    vote(c, CONS_MSG_PRECOMMIT, 3, NIL, who[0]);
    ck_assert_int_eq(cons_core_round(c), 0); /* same validator counts once */
    vote(c, CONS_MSG_PRECOMMIT, 3, NIL, who[1]);
    ck_assert_int_eq(cons_core_round(c), 3);
    drain(c, &os);
    ck_assert_uint_eq(find_timeout(&os, CONS_STEP_PROPOSE)->ms, 3000 + 3 * 500);
    outs_free(&os);
    cons_core_free(c);
}
END_TEST

START_TEST(timeouts_grow)
{
    cons_core_config d = cons_core_config_default(), f = cons_core_config_fast();
    ck_assert_uint_eq(cons_core_timeout_ms(&d, CONS_STEP_PROPOSE, 0), 3000);
    ck_assert_uint_eq(cons_core_timeout_ms(&d, CONS_STEP_PROPOSE, 4), 5000);
    ck_assert_uint_eq(cons_core_timeout_ms(&d, CONS_STEP_PREVOTE, 2), 2000);
    ck_assert_uint_eq(cons_core_timeout_ms(&d, CONS_STEP_PRECOMMIT, 1), 1500);
    ck_assert_uint_eq(cons_core_timeout_ms(&d, CONS_STEP_COMMIT, 9), 1000);
    ck_assert_uint_eq(cons_core_timeout_ms(&f, CONS_STEP_PROPOSE, 1), 500);
    ck_assert_uint_eq(cons_core_timeout_ms(&f, CONS_STEP_PREVOTE, 2), 200);
    ck_assert_uint_eq(cons_core_timeout_ms(&f, CONS_STEP_COMMIT, 0), 100);
    ck_assert_uint_eq(cons_core_timeout_ms(&d, CONS_STEP_PROPOSE, CONS_CORE_ROUND_MAX),
                      CONS_CORE_TIMEOUT_MAX_MS);
}
END_TEST

/* The proposer of each round follows IncrementProposerPriority(1) per round
 * (CometBFT's weighted round-robin); a proposal from anyone else is refused,
 * and one kept for a future round is dropped at the round's start if its
 * signer is not that round's proposer. */
START_TEST(proposer_rotation)
{
    cons_valset ref;
    ck_assert_int_eq(cons_valset_copy(&ref, &vals), AG_OK);
    int me = non_proposer();
    cons_core *c = mk(me);
    outs os = {0};
    cons_reject why;
    int seen[NV] = {0};
    for (int r = 0; r < 8; r++) {
        cons_validator want, got;
        ck_assert_int_eq(cons_valset_proposer(&ref, &want), AG_OK);
        ck_assert_int_eq(cons_core_proposer(c, r, &got), AG_OK);
        ck_assert_mem_eq(want.address.b, got.address.b, 20);
        ck_assert_int_eq(cons_core_round(c), r);
        seen[cons_valset_index_of(&vals, &got.address)]++;
        /* wrong proposer */
        int wrong = (int)((cons_valset_index_of(&vals, &got.address) + 1) % NV);
        cons_proposal p = {.type = CONS_MSG_PROPOSAL,
                           .height = 1,
                           .round = r,
                           .pol_round = -1,
                           .block_id = bid(1)};
        ck_assert_int_eq(cons_core_add_proposal(c, &p, &vals.vals[wrong].address, &why), AG_OK);
        ck_assert_int_eq(why, CONS_REJ_WRONG_PROPOSER);
        ck_assert_int_eq(cons_core_timeout(c, 1, r, CONS_STEP_PROPOSE, &why), AG_OK);
        int who[NV], k = others(-1, who);
        votes(c, CONS_MSG_PRECOMMIT, r, NIL, who, k);
        ck_assert_int_eq(cons_core_timeout(c, 1, r, CONS_STEP_PRECOMMIT, &why), AG_OK);
        drain(c, &os);
        ck_assert_int_eq(cons_valset_increment(&ref, 1), AG_OK);
    }
    for (int i = 0; i < NV; i++)
        ck_assert_int_eq(seen[i], 2); /* equal power: each twice in 8 rounds */
    /* Future-round proposal from the wrong signer is dropped on entry. */
    int r = cons_core_round(c) + 1;
    cons_validator fut;
    ck_assert_int_eq(cons_core_proposer(c, r, &fut), AG_OK);
    int wrong = (int)((cons_valset_index_of(&vals, &fut.address) + 1) % NV);
    cons_proposal p = {
        .type = CONS_MSG_PROPOSAL, .height = 1, .round = r, .pol_round = -1, .block_id = bid(4)};
    ck_assert_int_eq(cons_core_add_proposal(c, &p, &vals.vals[wrong].address, &why), AG_OK);
    ck_assert_int_eq(why, CONS_REJ_NONE);
    uint64_t before = cons_core_get_stats(c)->rejected[CONS_REJ_WRONG_PROPOSER];
    ck_assert_int_eq(cons_core_timeout(c, 1, r - 1, CONS_STEP_PROPOSE, &why), AG_OK);
    int who[NV], k = others(-1, who);
    votes(c, CONS_MSG_PRECOMMIT, r - 1, NIL, who, k);
    ck_assert_int_eq(cons_core_timeout(c, 1, r - 1, CONS_STEP_PRECOMMIT, &why), AG_OK);
    ck_assert_int_eq(cons_core_round(c), r);
    ck_assert_ptr_null(cons_core_proposal(c, r));
    ck_assert_uint_eq(cons_core_get_stats(c)->rejected[CONS_REJ_WRONG_PROPOSER], before + 1);
    drain(c, &os);
    outs_free(&os);
    cons_valset_free(&ref);
    cons_core_free(c);
}
END_TEST

/* Same vote twice: duplicate; a different vote of the same validator in the
 * same (round, type): conflict, both votes reported as evidence, the first
 * one kept. */
START_TEST(duplicate_and_conflicting_votes)
{
    int me = non_proposer();
    cons_core *c = mk(me);
    outs os = {0};
    drain(c, &os);
    int who[NV];
    others(me, who);
    ck_assert_int_eq(vote(c, CONS_MSG_PREVOTE, 0, bid(1), who[0]), CONS_REJ_NONE);
    ck_assert_int_eq(vote(c, CONS_MSG_PREVOTE, 0, bid(1), who[0]), CONS_REJ_DUPLICATE);
    drain(c, &os);
    ck_assert_int_eq(os.n, 0);
    ck_assert_int_eq(vote(c, CONS_MSG_PREVOTE, 0, bid(2), who[0]), CONS_REJ_CONFLICT);
    drain(c, &os);
    const cons_core_out *ev = find(&os, CONS_OUT_EVIDENCE);
    ck_assert_ptr_nonnull(ev);
    cons_block_id b1 = bid(1), b2 = bid(2);
    ck_assert(cons_block_id_equal(&ev->vote.block_id, &b1));
    ck_assert(cons_block_id_equal(&ev->vote_b.block_id, &b2));
    ck_assert_int_eq(ev->vote_b.validator_index, who[0]);
    const cons_vote_set *s = cons_core_votes(c, 0, CONS_MSG_PREVOTE);
    /* The conflicting vote is kept and counted for its block (a quorum seen
     * elsewhere may need it), but the validator counts once in the total. */
    ck_assert_int_eq(cons_vote_set_power_for(s, &b1), 10);
    ck_assert_int_eq(cons_vote_set_power_for(s, &b2), 10);
    ck_assert_int_eq(s->sum, 10);
    ck_assert_uint_eq(cons_core_get_stats(c)->evidence, 1);
    /* The same conflicting vote again: a duplicate, no new evidence. */
    ck_assert_int_eq(vote(c, CONS_MSG_PREVOTE, 0, bid(2), who[0]), CONS_REJ_DUPLICATE);
    /* A third value: reported, not kept. */
    cons_block_id b3 = bid(3);
    ck_assert_int_eq(vote(c, CONS_MSG_PREVOTE, 0, b3, who[0]), CONS_REJ_CONFLICT);
    ck_assert_int_eq(cons_vote_set_power_for(s, &b3), 0);
    ck_assert_uint_eq(cons_core_get_stats(c)->evidence, 2);
    drain(c, &os);
    /* A precommit of the same validator is another (round, type): fine. */
    ck_assert_int_eq(vote(c, CONS_MSG_PRECOMMIT, 0, bid(2), who[0]), CONS_REJ_NONE);
    /* Equivocating proposals: the first one stays. */
    ck_assert_int_eq(propose(c, 0, -1, bid(5)), CONS_REJ_NONE);
    ck_assert_int_eq(propose(c, 0, -1, bid(5)), CONS_REJ_DUPLICATE);
    ck_assert_int_eq(propose(c, 0, -1, bid(6)), CONS_REJ_CONFLICT);
    cons_block_id b5 = bid(5);
    ck_assert(cons_block_id_equal(&cons_core_proposal(c, 0)->block_id, &b5));
    outs_free(&os);
    cons_core_free(c);
}
END_TEST

/* An equivocator's second vote completes the +2/3 for the proposal: the node
 * locks and precommits at once (the rules run on a conflicting vote too). */
START_TEST(conflicting_vote_completes_quorum)
{
    int me = non_proposer();
    cons_core *c = mk(me);
    outs os = {0};
    drain(c, &os);
    cons_block_id b = bid(1);
    propose(c, 0, -1, b);
    ready(c, b, true);
    int who[NV];
    others(me, who);
    vote(c, CONS_MSG_PREVOTE, 0, b, me);
    vote(c, CONS_MSG_PREVOTE, 0, b, who[1]);
    ck_assert_int_eq(vote(c, CONS_MSG_PREVOTE, 0, NIL, who[0]), CONS_REJ_NONE);
    drain(c, &os);
    ck_assert_ptr_null(find_vote(&os, CONS_MSG_PRECOMMIT));
    ck_assert_int_eq(vote(c, CONS_MSG_PREVOTE, 0, b, who[0]), CONS_REJ_CONFLICT);
    drain(c, &os);
    ck_assert_ptr_nonnull(find(&os, CONS_OUT_EVIDENCE));
    const cons_core_out *pc = find_vote(&os, CONS_MSG_PRECOMMIT);
    ck_assert_ptr_nonnull(pc);
    ck_assert(cons_block_id_equal(&pc->vote.block_id, &b));
    ck_assert_int_eq(cons_core_locked(c, NULL), 0);
    outs_free(&os);
    cons_core_free(c);
}
END_TEST

/* An equivocator that sent two other values first cannot hide its vote for
 * the proposal's block: the proposal's id is wanted by the vote set, so a
 * third vote for it is kept and completes the quorum. A third value nobody
 * wants is dropped. */
START_TEST(wanted_vote_beats_two_decoys)
{
    int me = non_proposer();
    cons_core *c = mk(me);
    outs os = {0};
    drain(c, &os);
    cons_block_id b = bid(1), x = bid(9), y = bid(10);
    int who[NV];
    others(me, who);
    ck_assert_int_eq(vote(c, CONS_MSG_PREVOTE, 0, NIL, who[0]), CONS_REJ_NONE);
    ck_assert_int_eq(vote(c, CONS_MSG_PREVOTE, 0, x, who[0]), CONS_REJ_CONFLICT);
    ck_assert_int_eq(vote(c, CONS_MSG_PREVOTE, 0, y, who[0]), CONS_REJ_CONFLICT);
    const cons_vote_set *s = cons_core_votes(c, 0, CONS_MSG_PREVOTE);
    ck_assert_int_eq(cons_vote_set_power_for(s, &y), 0);
    propose(c, 0, -1, b);
    ready(c, b, true);
    vote(c, CONS_MSG_PREVOTE, 0, b, me);
    vote(c, CONS_MSG_PREVOTE, 0, b, who[1]);
    drain(c, &os);
    ck_assert_ptr_null(find_vote(&os, CONS_MSG_PRECOMMIT));
    ck_assert_int_eq(vote(c, CONS_MSG_PREVOTE, 0, b, who[0]), CONS_REJ_CONFLICT);
    ck_assert_int_eq(vote(c, CONS_MSG_PREVOTE, 0, b, who[0]), CONS_REJ_DUPLICATE);
    drain(c, &os);
    const cons_core_out *pc = find_vote(&os, CONS_MSG_PRECOMMIT);
    ck_assert_ptr_nonnull(pc);
    ck_assert(cons_block_id_equal(&pc->vote.block_id, &b));
    const cons_vote *all[2 + CONS_VOTE_SET_WANTED_MAX];
    ck_assert_uint_eq(cons_vote_set_votes_of(s, (size_t)who[0], all), 3);
    ck_assert_int_eq(s->sum, 30);
    outs_free(&os);
    cons_core_free(c);
}
END_TEST

/* Inputs the core refuses, each counted under its reason. */
START_TEST(rejected_inputs)
{
    int me = non_proposer();
    cons_core *c = mk(me);
    outs os = {0};
    drain(c, &os);
    cons_reject why;
    cons_vote v = mkvote(CONS_MSG_PREVOTE, 2, 0, bid(1), 0);
    ck_assert_int_eq(cons_core_add_vote(c, &v, &why), AG_OK);
    ck_assert_int_eq(why, CONS_REJ_WRONG_HEIGHT);
    v = mkvote(CONS_MSG_PREVOTE, 1, CONS_CORE_FUTURE_ROUNDS + 1, bid(1), 0);
    ck_assert_int_eq(cons_core_add_vote(c, &v, &why), AG_OK);
    ck_assert_int_eq(why, CONS_REJ_FUTURE_ROUND);
    v = mkvote(CONS_MSG_PREVOTE, 1, CONS_CORE_FUTURE_ROUNDS, bid(1), 0);
    ck_assert_int_eq(cons_core_add_vote(c, &v, &why), AG_OK);
    ck_assert_int_eq(why, CONS_REJ_NONE);
    v = mkvote(CONS_MSG_PREVOTE, 1, 0, bid(1), 0);
    v.validator_index = 1; /* address of 0 at index 1 */
    ck_assert_int_eq(cons_core_add_vote(c, &v, &why), AG_OK);
    ck_assert_int_eq(why, CONS_REJ_UNKNOWN_VALIDATOR);
    v.validator_index = NV;
    ck_assert_int_eq(cons_core_add_vote(c, &v, &why), AG_OK);
    ck_assert_int_eq(why, CONS_REJ_UNKNOWN_VALIDATOR);
    v = mkvote(CONS_MSG_PREVOTE, 1, -1, bid(1), 0);
    ck_assert_int_eq(cons_core_add_vote(c, &v, &why), AG_OK);
    ck_assert_int_eq(why, CONS_REJ_MALFORMED);
    v = mkvote(CONS_MSG_PROPOSAL, 1, 0, bid(1), 0);
    ck_assert_int_eq(cons_core_add_vote(c, &v, &why), AG_OK);
    ck_assert_int_eq(why, CONS_REJ_MALFORMED);
    v = mkvote(CONS_MSG_PREVOTE, 1, 0, bid(1), 0);
    v.block_id.parts.total = 0; /* incomplete */
    ck_assert_int_eq(cons_core_add_vote(c, &v, &why), AG_OK);
    ck_assert_int_eq(why, CONS_REJ_MALFORMED);
    /* proposals */
    cons_block_id b = bid(1);
    cons_proposal p = {
        .type = CONS_MSG_PROPOSAL, .height = 1, .round = 0, .pol_round = 0, .block_id = b};
    ck_assert_int_eq(cons_core_add_proposal(c, &p, &vals.vals[0].address, &why), AG_OK);
    ck_assert_int_eq(why, CONS_REJ_MALFORMED); /* pol_round must be below round */
    p.pol_round = -1;
    p.round = CONS_CORE_FUTURE_ROUNDS + 1;
    ck_assert_int_eq(cons_core_add_proposal(c, &p, &vals.vals[0].address, &why), AG_OK);
    ck_assert_int_eq(why, CONS_REJ_FUTURE_ROUND);
    p.round = 0;
    p.height = 0;
    ck_assert_int_eq(cons_core_add_proposal(c, &p, &vals.vals[0].address, &why), AG_OK);
    ck_assert_int_eq(why, CONS_REJ_WRONG_HEIGHT);
    /* block for nothing known */
    b = bid(42);
    ck_assert_int_eq(cons_core_block_ready(c, &b, true, &why), AG_OK);
    ck_assert_int_eq(why, CONS_REJ_UNKNOWN_BLOCK);
    /* stale timeouts */
    ck_assert_int_eq(cons_core_timeout(c, 1, 5, CONS_STEP_PROPOSE, &why), AG_OK);
    ck_assert_int_eq(why, CONS_REJ_STALE);
    ck_assert_int_eq(cons_core_timeout(c, 0, 0, CONS_STEP_PROPOSE, &why), AG_OK);
    ck_assert_int_eq(why, CONS_REJ_WRONG_HEIGHT);
    ck_assert_int_eq(cons_core_timeout(c, 1, 0, CONS_STEP_COMMIT, &why), AG_OK);
    ck_assert_int_eq(why, CONS_REJ_STALE);
    const cons_core_stats *st = cons_core_get_stats(c);
    ck_assert_uint_eq(st->rejected[CONS_REJ_WRONG_HEIGHT], 3);
    ck_assert_uint_eq(st->rejected[CONS_REJ_FUTURE_ROUND], 2);
    ck_assert_uint_eq(st->rejected[CONS_REJ_UNKNOWN_VALIDATOR], 2);
    ck_assert_uint_eq(st->rejected[CONS_REJ_MALFORMED], 4);
    ck_assert_int_eq(cons_core_start_height(c, 1, &vals), AG_ERR_INVALID_ARG);
    /* A non-validator never asks to sign. */
    cons_core *nv = mk(-1);
    drain(nv, &os);
    ck_assert_int_eq(cons_core_timeout(nv, 1, 0, CONS_STEP_PROPOSE, &why), AG_OK);
    drain(nv, &os);
    ck_assert_ptr_null(find(&os, CONS_OUT_SIGN_VOTE));
    ck_assert_int_eq(cons_core_step(nv), CONS_STEP_PREVOTE);
    outs_free(&os);
    cons_core_free(nv);
    cons_core_free(c);
}
END_TEST

/* Catch-up: a commit with +2/3 decides the height; one without is refused. */
START_TEST(catch_up_commit)
{
    int me = non_proposer();
    cons_core *src = mk(-1), *c = mk(me);
    outs os = {0};
    int who[NV], k = others(-1, who);
    cons_block_id b = bid(8);
    votes(src, CONS_MSG_PRECOMMIT, 0, b, who, k);
    const cons_vote_set *s = cons_core_votes(src, 0, CONS_MSG_PRECOMMIT);
    cons_commit cm = {0};
    ck_assert_int_eq(cons_vote_set_make_commit(s, &cm), AG_OK);
    cons_reject why;
    cm.sigs[0].flag = CONS_BLOCK_ID_FLAG_ABSENT;
    cm.sigs[1].flag = CONS_BLOCK_ID_FLAG_ABSENT;
    ck_assert_int_eq(cons_core_add_commit(c, &cm, &why), AG_OK);
    ck_assert_int_eq(why, CONS_REJ_NO_QUORUM);
    cm.sigs[1].flag = CONS_BLOCK_ID_FLAG_COMMIT;
    ck_assert_int_eq(cons_core_add_commit(c, &cm, &why), AG_OK);
    ck_assert_int_eq(why, CONS_REJ_NONE);
    drain(c, &os);
    const cons_core_out *d = find(&os, CONS_OUT_DECIDE);
    ck_assert_ptr_nonnull(d);
    ck_assert(cons_block_id_equal(&d->block_id, &b));
    ck_assert_uint_eq(d->commit.n_sigs, NV);
    ck_assert_int_eq(cons_core_add_commit(c, &cm, &why), AG_OK);
    ck_assert_int_eq(why, CONS_REJ_DUPLICATE);
    cons_commit_clear(&cm);
    outs_free(&os);
    cons_core_free(src);
    cons_core_free(c);
}
END_TEST

/* Restart contract: a core rebuilt by replaying the same inputs is in the
 * same state, and cons_core_resume re-requests the vote whose signed copy
 * never came back, and the step's timeout. */
START_TEST(replay_and_resume)
{
    int me = non_proposer();
    cons_core *a = mk(me), *b = mk(me);
    outs os = {0}, ob = {0};
    drain(a, &os);
    drain(b, &ob);
    cons_block_id x = bid(3);
    for (int pass = 0; pass < 2; pass++) {
        cons_core *c = pass ? b : a;
        propose(c, 0, -1, x);
        ready(c, x, true);
        int who[NV], k = others(me, who);
        votes(c, CONS_MSG_PREVOTE, 0, x, who, k);
    }
    drain(a, &os);
    drain(b, &ob);
    ck_assert_int_eq(cons_core_step(b), CONS_STEP_PRECOMMIT);
    ck_assert_int_eq(cons_core_locked(a, NULL), cons_core_locked(b, NULL));
    ck_assert_int_eq(cons_core_resume(b), AG_OK);
    drain(b, &ob);
    const cons_core_out *pv = find_vote(&ob, CONS_MSG_PREVOTE);
    const cons_core_out *pc = find_vote(&ob, CONS_MSG_PRECOMMIT);
    ck_assert_ptr_nonnull(pv);
    ck_assert_ptr_nonnull(pc);
    ck_assert(cons_block_id_equal(&pv->vote.block_id, &x));
    ck_assert(cons_block_id_equal(&pc->vote.block_id, &x));
    /* Once the own prevote came back it is no longer re-requested. */
    vote(b, CONS_MSG_PREVOTE, 0, x, me);
    drain(b, &ob);
    ck_assert_int_eq(cons_core_resume(b), AG_OK);
    drain(b, &ob);
    ck_assert_ptr_null(find_vote(&ob, CONS_MSG_PREVOTE));
    ck_assert_ptr_nonnull(find_vote(&ob, CONS_MSG_PRECOMMIT));
    outs_free(&os);
    outs_free(&ob);
    cons_core_free(a);
    cons_core_free(b);
}
END_TEST

/* The vote set on its own: tallies, bit array, +2/3, f+1, commit. */
START_TEST(vote_set_basics)
{
    cons_vote_set s;
    ck_assert_int_eq(cons_vote_set_init(&s, 5, 2, CONS_MSG_PROPOSAL, &vals), AG_ERR_INVALID_ARG);
    ck_assert_int_eq(cons_vote_set_init(&s, 5, 2, CONS_MSG_PRECOMMIT, &vals), AG_OK);
    cons_vote_add_result res;
    cons_block_id b = bid(4), m;
    cons_vote v = mkvote(CONS_MSG_PRECOMMIT, 5, 2, b, 0);
    ck_assert_int_eq(cons_vote_set_add(&s, &v, &res, NULL), AG_OK);
    ck_assert(!cons_vote_set_has_one_third_any(&s));
    v = mkvote(CONS_MSG_PRECOMMIT, 5, 2, NIL, 1);
    ck_assert_int_eq(cons_vote_set_add(&s, &v, &res, NULL), AG_OK);
    ck_assert(cons_vote_set_has_one_third_any(&s));
    ck_assert_int_eq(cons_vote_set_make_commit(&s, &(cons_commit){0}), AG_ERR_STATE);
    v = mkvote(CONS_MSG_PRECOMMIT, 5, 2, b, 2);
    ck_assert_int_eq(cons_vote_set_add(&s, &v, &res, NULL), AG_OK);
    ck_assert(cons_vote_set_has_two_thirds_any(&s));
    ck_assert(!cons_vote_set_two_thirds_majority(&s, &m));
    v = mkvote(CONS_MSG_PRECOMMIT, 5, 2, b, 3);
    ck_assert_int_eq(cons_vote_set_add(&s, &v, &res, NULL), AG_OK);
    ck_assert(cons_vote_set_two_thirds_majority(&s, &m));
    ck_assert(cons_block_id_equal(&m, &b));
    ck_assert(cons_vote_set_has(&s, 3));
    ck_assert_int_eq(cons_vote_set_power_for(&s, &b), 30);
    ck_assert_int_eq(cons_vote_set_power_for(&s, &NIL), 10);
    v = mkvote(CONS_MSG_PRECOMMIT, 5, 3, b, 3);
    ck_assert_int_eq(cons_vote_set_add(&s, &v, &res, NULL), AG_ERR_INVALID_ARG);
    cons_commit cm = {0};
    ck_assert_int_eq(cons_vote_set_make_commit(&s, &cm), AG_OK);
    ck_assert_int_eq(cm.height, 5);
    ck_assert_int_eq(cm.round, 2);
    ck_assert_uint_eq(cm.sigs[1].flag, CONS_BLOCK_ID_FLAG_NIL);
    ck_assert_uint_eq(cm.sigs[0].flag, CONS_BLOCK_ID_FLAG_COMMIT);
    for (size_t i = 0; i < cm.n_sigs; i++)
        ck_assert_int_eq(cons_commit_sig_validate_basic(&cm.sigs[i]), AG_OK);
    int64_t power;
    ck_assert_int_eq(cons_commit_power(&cm, &vals, &power), AG_OK);
    ck_assert_int_eq(power, 30);
    cons_commit_clear(&cm);
    cons_vote_set_free(&s);
}
END_TEST

static Suite *cons_core_suite(void)
{
    Suite *s = suite_create("cons_core");
    TCase *t = ag_test_tcase("core");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, happy_path);
    tcase_add_test(t, invalid_block_prevotes_nil);
    tcase_add_test(t, nil_paths_and_round_change);
    tcase_add_test(t, lock_blocks_other_value);
    tcase_add_test(t, unlock_via_pol);
    tcase_add_test(t, valid_value_reproposed);
    tcase_add_test(t, proposer_builds);
    tcase_add_test(t, round_skip);
    tcase_add_test(t, timeouts_grow);
    tcase_add_test(t, proposer_rotation);
    tcase_add_test(t, duplicate_and_conflicting_votes);
    tcase_add_test(t, conflicting_vote_completes_quorum);
    tcase_add_test(t, wanted_vote_beats_two_decoys);
    tcase_add_test(t, rejected_inputs);
    tcase_add_test(t, catch_up_commit);
    tcase_add_test(t, replay_and_resume);
    tcase_add_test(t, vote_set_basics);
    suite_add_tcase(s, t);
    return s;
}

AG_TEST_MAIN(cons_core_suite)
