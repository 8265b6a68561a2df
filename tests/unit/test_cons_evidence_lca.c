/* LightClientAttackEvidence in the evidence pool: a lunatic and an
 * equivocation attack built from chains signed for real (the light client's
 * test chains, tests/harness/light_chain.h) are accepted; each wrong field
 * is refused with its own error. The rules checked are CometBFT v0.38's
 * evidence/verify.go (VerifyLightClientAttack, validateABCIEvidence) and
 * types/evidence.go (ValidateBasic, GetByzantineValidators, Hash). */
#include <stdlib.h>
#include <string.h>

#include "consensus/evidence.h"
#include "consensus/evidence_lca.h"
#include "light/evidence.h"
#include "tests/harness/ag_test.h"
#include "tests/harness/light_chain.h"

enum { TIP = 10, N_VALS = 4 };

/* The honest chain the pool's node has, as the pool's lookups. */
typedef struct node {
    lchain *chain;
    light_block b;   /* the last block looked up */
    light_block vsb; /* the block whose set valset_at returned */
} node;

static ag_err n_valset(void *ctx, int64_t h, const cons_valset **out)
{
    node *n = ctx;
    if (h < 1 || h > TIP)
        return AG_ERR_NOT_FOUND;
    ag_err e = lchain_block(n->chain, h, &n->vsb);
    *out = &n->vsb.vals;
    return e;
}

static ag_err n_time(void *ctx, int64_t h, cons_timestamp *out)
{
    node *n = ctx;
    if (h < 1 || h > TIP)
        return AG_ERR_NOT_FOUND;
    ag_err e = lchain_block(n->chain, h, &n->b);
    *out = n->b.header.time;
    return e;
}

static ag_err n_signed_header(void *ctx, int64_t h, cons_header *hd, cons_commit *c)
{
    node *n = ctx;
    if (h < 1 || h > TIP)
        return AG_ERR_NOT_FOUND;
    ag_err e = lchain_block(n->chain, h, &n->b);
    if (e)
        return e;
    *hd = n->b.header;
    *c = n->b.commit; /* moved out: the caller frees it */
    n->b.commit = (cons_commit){0};
    return AG_OK;
}

static lchain_opts chain_opts(uint64_t fork)
{
    return (lchain_opts){.chain_id = "lca-chain",
                         .n_vals = N_VALS,
                         .start_s = 1700000000,
                         .block_ms = 1000,
                         .seed = 42,
                         .fork = fork,
                         .fork_from = 5,
                         .height = TIP};
}

static void node_init(node *n)
{
    memset(n, 0, sizeof *n);
    lchain_opts o = chain_opts(0);
    ck_assert_int_eq(lchain_new(&n->chain, &o), AG_OK);
}

static void node_free(node *n)
{
    light_block_free(&n->b);
    light_block_free(&n->vsb);
    lchain_free(n->chain);
}

static cons_evidence_state node_state(node *n, int64_t last_height)
{
    light_block last = {0};
    ck_assert_int_eq(lchain_block(n->chain, last_height, &last), AG_OK);
    cons_evidence_state st = {.chain_id = "lca-chain",
                              .last_height = last_height,
                              .last_time = last.header.time,
                              .max_age_blocks = 100,
                              .max_age_ns = 3600LL * 1000000000,
                              .valset_at = n_valset,
                              .block_time_at = n_time,
                              .signed_header_at = n_signed_header,
                              .ctx = n};
    light_block_free(&last);
    return st;
}

/* Evidence of `conflicting` (moved in) at common height `common`, with the
 * fields an honest reporter computes from the node's own chain. */
static void make_evidence(node *n, cons_evidence *ev, light_block *conflicting, int64_t common)
{
    memset(ev, 0, sizeof *ev);
    ev->kind = CONS_EVIDENCE_LIGHT_ATTACK;
    ev->lca = calloc(1, sizeof *ev->lca);
    ck_assert_ptr_nonnull(ev->lca);
    ev->lca->header = conflicting->header;
    ev->lca->commit = conflicting->commit;
    ev->lca->vals = conflicting->vals;
    memset(conflicting, 0, sizeof *conflicting);
    ev->lca->common_height = common;
    light_block cb = {0}, tb = {0};
    ck_assert_int_eq(lchain_block(n->chain, common, &cb), AG_OK);
    ck_assert_int_eq(lchain_block(n->chain, ev->lca->header.height, &tb), AG_OK);
    ev->total_voting_power = cb.vals.total_power;
    ev->timestamp = cb.header.time;
    ck_assert_int_eq(cons_lca_byzantine(ev->lca, &cb.vals, &tb.header, &tb.commit,
                                        &ev->lca->byzantine, &ev->lca->n_byzantine),
                     AG_OK);
    light_block_free(&cb);
    light_block_free(&tb);
}

/* A lunatic attack: the fork's block 7 (other app hash...) over common 4. */
static void lunatic(node *n, cons_evidence *ev, size_t signers)
{
    lchain *fork;
    lchain_opts o = chain_opts(7777);
    ck_assert_int_eq(lchain_new(&fork, &o), AG_OK);
    light_block b = {0};
    ck_assert_int_eq(lchain_block(fork, 7, &b), AG_OK);
    if (signers < N_VALS)
        ck_assert_int_eq(lchain_resign(fork, &b, signers), AG_OK);
    make_evidence(n, ev, &b, 4);
    lchain_free(fork);
}

/* An equivocation: block 6 with another time, same derived fields, signed
 * again by the same validators in the same round. */
static void equivocation(node *n, cons_evidence *ev)
{
    light_block b = {0};
    ck_assert_int_eq(lchain_block(n->chain, 6, &b), AG_OK);
    b.header.time.nanos += 1000;
    ck_assert_int_eq(lchain_resign(n->chain, &b, N_VALS), AG_OK);
    make_evidence(n, ev, &b, 6);
}

/* Sign ev's conflicting block again (in `round`) after a test changed it. */
static void resign(node *n, cons_evidence *ev, int32_t round)
{
    light_block b = {ev->lca->header, ev->lca->commit, ev->lca->vals};
    ck_assert_int_eq(lchain_resign_round(n->chain, &b, N_VALS, round), AG_OK);
    ev->lca->commit = b.commit;
}

static ag_err add_fresh(node *n, const cons_evidence *ev, int64_t last_height)
{
    cons_evidence_state st = node_state(n, last_height);
    cons_evpool *p;
    ck_assert_int_eq(cons_evpool_new(&p, &st, 16, 1 << 20), AG_OK);
    ag_err e = cons_evpool_add(p, ev);
    if (e == AG_OK)
        ck_assert_uint_eq(cons_evpool_size(p), 1);
    cons_evpool_free(p);
    return e;
}

static void expect_refused(node *n, const cons_evidence *ev, ag_err want, const char *needle)
{
    ag_err e = add_fresh(n, ev, TIP);
    ck_assert_int_eq(e, want);
    ck_assert_msg(strstr(ag_err_detail(), needle) != NULL, "error '%s' lacks '%s'", ag_err_detail(),
                  needle);
}

START_TEST(lunatic_accepted_roundtrips_and_commits)
{
    node n;
    node_init(&n);
    cons_evidence ev;
    lunatic(&n, &ev, N_VALS);
    ck_assert_uint_eq(ev.lca->n_byzantine, N_VALS); /* every common validator signed */
    for (size_t i = 1; i < ev.lca->n_byzantine; i++)
        ck_assert_int_lt(cons_validator_power_cmp(&ev.lca->byzantine[i - 1], &ev.lca->byzantine[i]),
                         0);
    ck_assert_int_eq(cons_evidence_height(&ev), 4);

    cons_evidence_state st = node_state(&n, TIP);
    cons_evpool *p;
    ck_assert_int_eq(cons_evpool_new(&p, &st, 16, 1 << 20), AG_OK);
    ck_assert_int_eq(cons_evpool_add(p, &ev), AG_OK);
    ck_assert_int_eq(cons_evpool_add(p, &ev), AG_ERR_EXISTS);

    /* the wrapped bytes decode to the same evidence (same hash, same bytes) */
    ag_buf w, w2;
    ag_buf_init(&w, 0);
    ag_buf_init(&w2, 0);
    ck_assert_int_eq(cons_evidence_encode_wrapped(&w, &ev), AG_OK);
    ck_assert_uint_eq(cons_evidence_wrapped_size(&ev), w.len);
    ck_assert_uint_eq(w.data[0], 0x12); /* Evidence.light_client_attack_evidence */
    cons_evidence d;
    ck_assert_int_eq(cons_evidence_decode_wrapped(&d, w.data, w.len), AG_OK);
    ck_assert_int_eq(d.kind, CONS_EVIDENCE_LIGHT_ATTACK);
    ck_assert_int_eq(cons_evidence_encode_wrapped(&w2, &d), AG_OK);
    ck_assert_mem_eq(w.data, w2.data, w.len);
    crypto_hash h1, h2;
    ck_assert_int_eq(cons_evidence_hash(&h1, &ev), AG_OK);
    ck_assert_int_eq(cons_evidence_hash(&h2, &d), AG_OK);
    ck_assert_mem_eq(h1.b, h2.b, 32);
    ck_assert(cons_evpool_is_pending(p, &h1));

    /* CometBFT's Hash: SHA256(31 bytes of the header hash, 0, varint 4 = 0x08) */
    crypto_hash hh, want;
    ck_assert_int_eq(cons_header_hash(&hh, &ev.lca->header), AG_OK);
    uint8_t pre[33];
    memcpy(pre, hh.b, 31);
    pre[31] = 0;
    pre[32] = 0x08;
    crypto_sha256(want.b, pre, sizeof pre);
    ck_assert_mem_eq(h1.b, want.b, 32);

    /* the light client's encoder writes the same bytes */
    light_attack la = {.common_height = 4,
                       .byzantine = ev.lca->byzantine,
                       .n_byzantine = ev.lca->n_byzantine,
                       .total_voting_power = ev.total_voting_power,
                       .timestamp = ev.timestamp};
    la.conflicting.header = ev.lca->header;
    la.conflicting.commit = ev.lca->commit;
    la.conflicting.vals = ev.lca->vals;
    ag_buf_reset(&w2);
    ck_assert_int_eq(light_attack_encode(&w2, &la), AG_OK);
    ck_assert_uint_eq(w2.len, w.len);
    ck_assert_mem_eq(w.data, w2.data, w.len);

    /* reaped for a block; FinalizeBlock gets one misbehavior per validator */
    cons_evidence *reaped;
    size_t nr;
    int64_t bytes;
    ck_assert_int_eq(cons_evpool_reap(p, -1, &reaped, &nr, &bytes), AG_OK);
    ck_assert_uint_eq(nr, 1);
    ck_assert_int_eq((int64_t)w.len, bytes);
    ck_assert_uint_eq(cons_evidence_abci_count(&reaped[0]), N_VALS);
    for (size_t i = 0; i < N_VALS; i++) {
        Tendermint__Abci__Misbehavior mb;
        Tendermint__Abci__Validator val;
        Google__Protobuf__Timestamp ts;
        cons_evidence_to_abci(&mb, &val, &ts, &reaped[0], i);
        ck_assert_int_eq(mb.type, TENDERMINT__ABCI__MISBEHAVIOR_TYPE__LIGHT_CLIENT_ATTACK);
        ck_assert_int_eq(mb.height, 4);
        ck_assert_int_eq(mb.total_voting_power, ev.total_voting_power);
        ck_assert_int_eq(val.power, ev.lca->byzantine[i].voting_power);
        ck_assert_mem_eq(val.address.data, ev.lca->byzantine[i].address.b, 20);
    }
    /* committed: no longer pending, refused again, refused in another block */
    ck_assert_int_eq(cons_evpool_update(p, &st, reaped, nr), AG_OK);
    ck_assert_uint_eq(cons_evpool_size(p), 0);
    ck_assert_int_eq(cons_evpool_add(p, &ev), AG_ERR_EXISTS);
    ck_assert_int_eq(cons_evpool_check_block(p, &ev, 1), AG_ERR_EXISTS);
    cons_evidence_list_free(reaped, nr);

    /* a fresh pool (another node) takes it from a block */
    cons_evpool *q;
    ck_assert_int_eq(cons_evpool_new(&q, &st, 16, 1 << 20), AG_OK);
    ck_assert_int_eq(cons_evpool_check_block(q, &d, 1), AG_OK);
    ck_assert_uint_eq(cons_evpool_size(q), 1);
    cons_evpool_free(q);

    cons_evidence_clear(&d);
    ag_buf_free(&w);
    ag_buf_free(&w2);
    cons_evpool_free(p);
    cons_evidence_clear(&ev);
    node_free(&n);
}
END_TEST

START_TEST(equivocation_accepted)
{
    node n;
    node_init(&n);
    cons_evidence ev;
    equivocation(&n, &ev);
    light_block tb = {0};
    ck_assert_int_eq(lchain_block(n.chain, 6, &tb), AG_OK);
    ck_assert(!cons_lca_header_is_invalid(ev.lca, &tb.header));
    light_block_free(&tb);
    ck_assert_uint_eq(ev.lca->n_byzantine, N_VALS); /* all signed both blocks */
    ck_assert_int_eq(add_fresh(&n, &ev, TIP), AG_OK);
    /* amnesia (another round): nobody can be blamed, an empty list passes */
    cons_evidence_clear(&ev);
    equivocation(&n, &ev);
    resign(&n, &ev, 1);
    ck_assert_int_eq(add_fresh(&n, &ev, TIP), AG_ERR_VERIFY); /* still lists 4 */
    ck_assert(strstr(ag_err_detail(), "byzantine validators: expected 0") != NULL);
    ev.lca->n_byzantine = 0;
    ck_assert_int_eq(add_fresh(&n, &ev, TIP), AG_OK);
    cons_evidence_clear(&ev);
    node_free(&n);
}
END_TEST

START_TEST(wrong_fields_refused)
{
    node n;
    node_init(&n);
    cons_evidence ev;

    /* byzantine list: one missing, then one with another power */
    lunatic(&n, &ev, N_VALS);
    ev.lca->n_byzantine--;
    expect_refused(&n, &ev, AG_ERR_VERIFY, "byzantine validators: expected 4, evidence lists 3");
    ev.lca->n_byzantine++;
    ev.lca->byzantine[1].voting_power++;
    expect_refused(&n, &ev, AG_ERR_VERIFY, "byzantine validator 1 differs");
    ev.lca->byzantine[1].voting_power--;
    ck_assert_int_eq(add_fresh(&n, &ev, TIP), AG_OK);

    /* total power */
    ev.total_voting_power++;
    expect_refused(&n, &ev, AG_ERR_VERIFY, "total voting power");
    ev.total_voting_power--;

    /* timestamp: not the time of the common block */
    ev.timestamp.seconds++;
    expect_refused(&n, &ev, AG_ERR_VERIFY, "time differs");
    ev.timestamp.seconds--;

    /* too old: the chain moved on past max_age in blocks and in time */
    cons_evidence_state st = node_state(&n, TIP);
    st.max_age_blocks = 2;
    st.max_age_ns = 1000000000;
    cons_evpool *p;
    ck_assert_int_eq(cons_evpool_new(&p, &st, 16, 1 << 20), AG_OK);
    ck_assert_int_eq(cons_evpool_add(p, &ev), AG_ERR_STATE);
    ck_assert(strstr(ag_err_detail(), "expired") != NULL);
    cons_evpool_free(p);

    /* common height above the conflicting height */
    ev.lca->common_height = 8;
    expect_refused(&n, &ev, AG_ERR_DECODE, "common height 8 is ahead");
    ev.lca->common_height = 0;
    expect_refused(&n, &ev, AG_ERR_DECODE, "zero common height");
    cons_evidence_clear(&ev);

    /* not conflicting: the node's own block 7 */
    light_block own = {0};
    ck_assert_int_eq(lchain_block(n.chain, 7, &own), AG_OK);
    make_evidence(&n, &ev, &own, 4);
    expect_refused(&n, &ev, AG_ERR_VERIFY, "not conflicting");
    cons_evidence_clear(&ev);

    /* not enough signatures: 1 of 4 common validators signed the lunatic block */
    lunatic(&n, &ev, 1);
    expect_refused(&n, &ev, AG_ERR_VERIFY, "need more than 1/3");
    cons_evidence_clear(&ev);
    /* 2 of 4 (enough for 1/3 of the common set, not +2/3 of its own) */
    lunatic(&n, &ev, 2);
    expect_refused(&n, &ev, AG_ERR_VERIFY, "need more than 2/3");
    cons_evidence_clear(&ev);

    /* a forged signature */
    lunatic(&n, &ev, N_VALS);
    ev.lca->commit.sigs[0].signature.b[5] ^= 1;
    expect_refused(&n, &ev, AG_ERR_VERIFY, "bad signature");
    cons_evidence_clear(&ev);

    /* equivocation with a changed derived field is refused as such */
    equivocation(&n, &ev);
    ev.lca->header.app_hash.b[0] ^= 1;
    resign(&n, &ev, 0);
    expect_refused(&n, &ev, AG_ERR_VERIFY, "not correctly derived");
    cons_evidence_clear(&ev);

    /* a pool without the signed-header lookup refuses the kind */
    lunatic(&n, &ev, N_VALS);
    st = node_state(&n, TIP);
    st.signed_header_at = NULL;
    ck_assert_int_eq(cons_evpool_new(&p, &st, 16, 1 << 20), AG_OK);
    ck_assert_int_eq(cons_evpool_add(p, &ev), AG_ERR_UNSUPPORTED);
    cons_evpool_free(p);
    cons_evidence_clear(&ev);
    node_free(&n);
}
END_TEST

START_TEST(decode_refuses_malformed)
{
    node n;
    node_init(&n);
    cons_evidence ev, d;
    lunatic(&n, &ev, N_VALS);
    ag_buf w;
    ag_buf_init(&w, 0);
    ck_assert_int_eq(cons_evidence_encode_wrapped(&w, &ev), AG_OK);
    /* every truncation fails cleanly */
    for (size_t len = 0; len < w.len; len += 7) {
        ag_err e = cons_evidence_decode_wrapped(&d, w.data, len);
        ck_assert_int_ne(e, AG_OK);
        ck_assert_int_eq(d.kind, 0);
        ck_assert_ptr_null(d.lca);
    }
    /* a byzantine validator whose address is not its key's */
    ev.lca->byzantine[0].address.b[0] ^= 1;
    ag_buf_reset(&w);
    ck_assert_int_eq(cons_evidence_encode_wrapped(&w, &ev), AG_OK);
    ck_assert_int_eq(cons_evidence_decode_wrapped(&d, w.data, w.len), AG_ERR_DECODE);
    ag_buf_free(&w);
    cons_evidence_clear(&ev);
    node_free(&n);
}
END_TEST

static Suite *lca_suite(void)
{
    Suite *s = suite_create("cons_evidence_lca");
    TCase *tc = ag_test_tcase("lca");
    tcase_add_test(tc, lunatic_accepted_roundtrips_and_commits);
    tcase_add_test(tc, equivocation_accepted);
    tcase_add_test(tc, wrong_fields_refused);
    tcase_add_test(tc, decode_refuses_malformed);
    suite_add_tcase(s, tc);
    return s;
}

AG_TEST_MAIN(lca_suite)
