/* The light client library: JSON decoding and verification on chains
 * generated in process (tests/harness/light_chain.h), with every lie a full
 * node could tell. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <pthread.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "light/client.h"
#include "light/decode.h"
#include "light/evidence.h"
#include "light/query.h"
#include "light/rpc_client.h"
#include "light/store.h"
#include "light/verify.h"
#include "rpc/encode.h"
#include "rpc/server.h"
#include "state/kv.h"
#include "state/store.h"
#include "tendermint/types/evidence.pb-c.h"
#include "tests/harness/ag_test.h"
#include "tests/harness/light_chain.h"
#include "tests/harness/rpc_chain.h"

#define SEC   1000000000LL
#define CHAIN "light-test"

static lchain *chain(size_t n, int64_t change_every, bool hide, int64_t height)
{
    lchain_opts o = {.chain_id = CHAIN,
                     .n_vals = n,
                     .change_every = change_every,
                     .shift = change_every ? n / 2 + 1 : 0,
                     .start_s = 1700000000,
                     .block_ms = 1000,
                     .seed = ag_test_seed(),
                     .hide_changes = hide,
                     .height = height};
    lchain *c = NULL;
    ck_assert_int_eq(lchain_new(&c, &o), AG_OK);
    return c;
}

static light_verify_opts opts(void)
{
    return (light_verify_opts){.chain_id = CHAIN,
                               .trusting_period_ns = 14 * 24 * 3600 * SEC,
                               .max_clock_drift_ns = 10 * SEC,
                               .trust_level = LIGHT_TRUST_LEVEL_DEFAULT};
}

/* "now": a minute after height h */
static cons_timestamp after(int64_t h)
{
    return (cons_timestamp){1700000000 + h + 60, 0};
}

/* A refusal with the expected reason. */
#define EXPECT(call, reason)                                                                       \
    do {                                                                                           \
        ck_assert_int_eq((call), AG_ERR_VERIFY);                                                   \
        ck_assert_msg(why == (reason), "got '%s', want '%s' (%s)", light_fail_name(why),           \
                      light_fail_name(reason), ag_err_detail());                                   \
    } while (0)

/* ---- decoding ---- */

static json_t *commit_json(const light_block *b)
{
    json_t *sh = json_pack("{s:o, s:o}", "header", rpc_json_header(&b->header), "commit",
                           rpc_json_commit(&b->commit));
    return json_pack("{s:o, s:b}", "signed_header", sh, "canonical", 1);
}

START_TEST(decode_roundtrip)
{
    lchain *c = chain(4, 0, false, 10);
    light_block b = {0};
    ck_assert_int_eq(lchain_block(c, 7, &b), AG_OK);
    json_t *j = commit_json(&b);
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    json_t *parsed = NULL;
    ck_assert_int_eq(light_json_parse(text, strlen(text), &parsed), AG_OK);
    free(text);
    cons_header h;
    cons_commit cm = {0};
    ck_assert_int_eq(light_decode_signed_header(parsed, &h, &cm), AG_OK);
    ck_assert(memcmp(&h, &b.header, sizeof h) == 0);
    ck_assert_uint_eq(cm.n_sigs, b.commit.n_sigs);
    ck_assert(memcmp(cm.sigs, b.commit.sigs, cm.n_sigs * sizeof *cm.sigs) == 0);
    cons_commit_clear(&cm);
    /* a lying field is refused with its name */
    json_t *hdr = json_object_get(json_object_get(parsed, "signed_header"), "header");
    json_object_set_new(hdr, "validators_hash", json_string("ABCD"));
    ck_assert_int_eq(light_decode_signed_header(parsed, &h, &cm), AG_ERR_LENGTH);
    ck_assert(strstr(ag_err_detail(), "validators_hash") != NULL);
    json_decref(parsed);

    /* validators in two pages */
    json_t *p1 = json_array(), *p2 = json_array();
    for (size_t i = 0; i < b.vals.n; i++)
        json_array_append_new(i < 3 ? p1 : p2, rpc_json_validator(&b.vals.vals[i]));
    json_t *r1 = json_pack("{s:s, s:o, s:s, s:s}", "block_height", "7", "validators", p1, "count",
                           "3", "total", "4");
    json_t *r2 = json_pack("{s:s, s:o, s:s, s:s}", "block_height", "7", "validators", p2, "count",
                           "1", "total", "4");
    cons_validator *vals = NULL;
    size_t n = 0, total = 0;
    int64_t height = 0;
    ck_assert_int_eq(light_decode_validators_page(r1, &height, &total, &vals, &n), AG_OK);
    ck_assert_int_eq(light_decode_validators_page(r2, &height, &total, &vals, &n), AG_OK);
    ck_assert_uint_eq(n, 4);
    cons_valset vs;
    ck_assert_int_eq(light_valset_from_list(&vs, vals, n), AG_OK);
    crypto_hash h1, h2;
    ck_assert_int_eq(cons_valset_hash(&h1, &vs), AG_OK);
    ck_assert_int_eq(cons_valset_hash(&h2, &b.vals), AG_OK);
    ck_assert(memcmp(h1.b, h2.b, 32) == 0);
    cons_valset_free(&vs);
    /* out of order: refused */
    cons_validator t = vals[0];
    vals[0] = vals[3];
    vals[3] = t;
    ck_assert_int_eq(light_valset_from_list(&vs, vals, n), AG_ERR_DECODE);
    /* a third page beyond the total */
    ck_assert_int_eq(light_decode_validators_page(r2, &height, &total, &vals, &n), AG_ERR_DECODE);
    free(vals);
    json_decref(r1);
    json_decref(r2);
    light_block_free(&b);
    lchain_free(c);
}
END_TEST

START_TEST(decode_hostile)
{
    const char *bad[] = {
        "{\"signed_header\":{}}",
        "{\"signed_header\":{\"header\":[],\"commit\":{}}}",
        "[1,2,3]",
        "{\"response\":{\"code\":0,\"height\":\"-1\"}}",
        "not json",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_t *j = NULL;
        cons_header h;
        cons_commit cm = {0};
        light_query_resp q;
        if (light_json_parse(bad[i], strlen(bad[i]), &j) != AG_OK)
            continue;
        ck_assert_int_ne(light_decode_signed_header(j, &h, &cm), AG_OK);
        ck_assert_int_ne(light_decode_abci_query(j, &q), AG_OK);
        json_decref(j);
    }
    /* a JSON-RPC error becomes an error with the node's message */
    json_t *j = json_pack("{s:{s:i, s:s, s:s}}", "error", "code", -32603, "message", "Internal",
                          "data", "height 99 must be less than or equal to 5");
    json_t *r;
    ck_assert_int_eq(light_json_result(j, &r), AG_ERR_NOT_FOUND);
    ck_assert(strstr(ag_err_detail(), "height 99") != NULL);
    json_decref(j);
}
END_TEST

/* ---- verification ---- */

static void verify_sequential(size_t n)
{
    lchain *c = chain(n, 5, false, 30);
    light_verify_opts o = opts();
    light_block prev = {0}, cur = {0};
    light_fail why;
    ck_assert_int_eq(lchain_block(c, 1, &prev), AG_OK);
    ck_assert_int_eq(light_verify_block_basic(CHAIN, &prev, &why), AG_OK);
    for (int64_t h = 2; h <= 30; h++) {
        ck_assert_int_eq(lchain_block(c, h, &cur), AG_OK);
        ag_err e = light_verify_adjacent(&o, &prev, &cur, after(h), &why);
        ck_assert_msg(e == AG_OK, "height %" PRId64 ": %s", h, ag_err_detail());
        light_block_move(&prev, &cur);
    }
    light_block_free(&prev);
    lchain_free(c);
}

START_TEST(sequential_4)
{
    verify_sequential(4);
}
END_TEST

START_TEST(sequential_100)
{
    verify_sequential(100);
}
END_TEST

static void verify_skipping(size_t n, int64_t change_every, int64_t tip)
{
    lchain *c = chain(n, change_every, false, tip);
    light_provider p = lchain_provider(c);
    light_verify_opts o = opts();
    light_block trusted = {0}, target = {0};
    light_fail why;
    size_t steps = 0;
    ck_assert_int_eq(lchain_block(c, 1, &trusted), AG_OK);
    ck_assert_int_eq(lchain_block(c, tip, &target), AG_OK);
    /* all at once fails for lack of trust when the sets changed entirely */
    if (change_every) {
        ck_assert_int_eq(light_verify_non_adjacent(&o, &trusted, &target, after(tip), &why),
                         AG_ERR_VERIFY);
        ck_assert_int_eq(why, LIGHT_FAIL_NOT_ENOUGH_TRUST);
    }
    ag_err e =
        light_verify_skipping(&o, &trusted, &target, &p, after(tip), NULL, NULL, &steps, &why);
    ck_assert_msg(e == AG_OK, "%s", ag_err_detail());
    ck_assert_int_eq(why, LIGHT_OK);
    ck_assert_uint_gt(steps, change_every ? 1 : 0);
    ck_assert_uint_lt(steps, (size_t)tip);
    light_block_free(&trusted);
    light_block_free(&target);
    lchain_free(c);
}

START_TEST(skipping_4)
{
    verify_skipping(4, 0, 1000);
    verify_skipping(4, 50, 1000);
}
END_TEST

START_TEST(skipping_100)
{
    verify_skipping(100, 0, 5000);
    verify_skipping(100, 200, 3000);
}
END_TEST

/* Every lie, each caught with its own reason. */
START_TEST(lies)
{
    lchain *c = chain(4, 0, false, 100);
    light_verify_opts o = opts();
    light_block t = {0}, b = {0};
    light_fail why;
    ck_assert_int_eq(lchain_block(c, 10, &t), AG_OK);

    /* forged signature (adjacent and non-adjacent) */
    ck_assert_int_eq(lchain_block(c, 11, &b), AG_OK);
    b.commit.sigs[0].signature.b[5] ^= 1;
    EXPECT(light_verify_adjacent(&o, &t, &b, after(11), &why), LIGHT_FAIL_SIGNATURE);
    ck_assert_int_eq(lchain_block(c, 50, &b), AG_OK);
    b.commit.sigs[0].signature.b[40] ^= 1;
    EXPECT(light_verify_non_adjacent(&o, &t, &b, after(50), &why), LIGHT_FAIL_SIGNATURE);

    /* a header from another chain, properly signed there */
    ck_assert_int_eq(lchain_block(c, 11, &b), AG_OK);
    strcpy(b.header.chain_id, "other-chain");
    ck_assert_int_eq(lchain_resign(c, &b, b.vals.n), AG_OK);
    EXPECT(light_verify_adjacent(&o, &t, &b, after(11), &why), LIGHT_FAIL_CHAIN_ID);

    /* a validator set that does not match its hash */
    ck_assert_int_eq(lchain_block(c, 12, &b), AG_OK);
    b.vals.vals[1].voting_power += 1;
    b.vals.total_power += 1;
    EXPECT(light_verify_non_adjacent(&o, &t, &b, after(12), &why), LIGHT_FAIL_VALSET_HASH);

    /* the trusted header is outside the trusting period */
    ck_assert_int_eq(lchain_block(c, 11, &b), AG_OK);
    cons_timestamp late = after(11);
    late.seconds += 15 * 24 * 3600;
    EXPECT(light_verify_adjacent(&o, &t, &b, late, &why), LIGHT_FAIL_EXPIRED);

    /* a header from beyond now + max clock drift */
    cons_timestamp early = b.header.time;
    early.seconds -= 11;
    EXPECT(light_verify_adjacent(&o, &t, &b, early, &why), LIGHT_FAIL_CLOCK_DRIFT);
    early.seconds += 2; /* within the drift: accepted */
    ck_assert_int_eq(light_verify_adjacent(&o, &t, &b, early, &why), AG_OK);

    /* a header time not after the trusted one */
    b.header.time = t.header.time;
    ck_assert_int_eq(lchain_resign(c, &b, b.vals.n), AG_OK);
    EXPECT(light_verify_adjacent(&o, &t, &b, after(11), &why), LIGHT_FAIL_TIME_NOT_MONOTONIC);

    /* not enough voting power: 2 of 4 signatures (about half the power) */
    ck_assert_int_eq(lchain_block(c, 11, &b), AG_OK);
    ck_assert_int_eq(lchain_resign(c, &b, 2), AG_OK);
    EXPECT(light_verify_adjacent(&o, &t, &b, after(11), &why), LIGHT_FAIL_NOT_ENOUGH_POWER);
    ck_assert_int_eq(lchain_resign(c, &b, 3), AG_OK);
    ck_assert_int_eq(light_verify_adjacent(&o, &t, &b, after(11), &why), AG_OK);

    /* a commit for another header (the header was changed after signing) */
    ck_assert_int_eq(lchain_block(c, 11, &b), AG_OK);
    b.header.app_hash.b[0] ^= 1;
    EXPECT(light_verify_adjacent(&o, &t, &b, after(11), &why), LIGHT_FAIL_COMMIT_MISMATCH);

    /* not above the trusted height */
    ck_assert_int_eq(lchain_block(c, 5, &b), AG_OK);
    EXPECT(light_verify_non_adjacent(&o, &t, &b, after(11), &why), LIGHT_FAIL_HEIGHT);
    light_block_free(&b);
    light_block_free(&t);
    lchain_free(c);

    /* wrong next_validators_hash: a chain whose set changes without being
     * announced; each block is well signed by its own set */
    lchain *liar = chain(4, 10, true, 100);
    ck_assert_int_eq(lchain_block(liar, 10, &t), AG_OK);
    ck_assert_int_eq(lchain_block(liar, 11, &b), AG_OK);
    EXPECT(light_verify_adjacent(&o, &t, &b, after(11), &why), LIGHT_FAIL_NEXT_VALSET);
    /* and a set the trusted validators never signed for: not enough trust */
    lchain *other = chain(4, 1, false, 100);
    light_block_free(&b);
    ck_assert_int_eq(lchain_block(other, 30, &b), AG_OK);
    EXPECT(light_verify_non_adjacent(&o, &t, &b, after(30), &why), LIGHT_FAIL_NOT_ENOUGH_TRUST);
    light_block_free(&b);
    light_block_free(&t);
    lchain_free(liar);
    lchain_free(other);
}
END_TEST

START_TEST(trust_level)
{
    light_verify_opts o = opts();
    ck_assert_int_eq(light_verify_opts_check(&o), AG_OK);
    o.trust_level = (light_trust_level){1, 4};
    ck_assert_int_eq(light_verify_opts_check(&o), AG_ERR_INVALID_ARG);
    o.trust_level = (light_trust_level){4, 3};
    ck_assert_int_eq(light_verify_opts_check(&o), AG_ERR_INVALID_ARG);
    o.trust_level = (light_trust_level){1, 1};
    ck_assert_int_eq(light_verify_opts_check(&o), AG_OK);
    /* trust level 1 needs every trusted validator: half the set changed fails */
    lchain *c = chain(4, 10, false, 100);
    light_block t = {0}, b = {0};
    light_fail why;
    ck_assert_int_eq(lchain_block(c, 10, &t), AG_OK);
    ck_assert_int_eq(lchain_block(c, 12, &b), AG_OK);
    ck_assert_int_eq(light_verify_non_adjacent(&o, &t, &b, after(12), &why), AG_ERR_VERIFY);
    ck_assert_int_eq(why, LIGHT_FAIL_NOT_ENOUGH_TRUST);
    light_block_free(&t);
    light_block_free(&b);
    lchain_free(c);
}
END_TEST

/* ---- the store ---- */

START_TEST(store_save_load_prune)
{
    char dir[64];
    ag_test_mkdtemp(dir, "light_store");
    lchain *c = chain(4, 3, false, 50);
    light_store *st = NULL;
    ck_assert_int_eq(light_store_open(&st, dir, 5), AG_OK);
    for (int64_t h = 1; h <= 8; h++) {
        light_block b = {0};
        ck_assert_int_eq(lchain_block(c, h, &b), AG_OK);
        ck_assert_int_eq(light_store_save(st, &b), AG_OK);
        light_block_free(&b);
    }
    ck_assert_uint_eq(light_store_count(st), 5);
    ck_assert_int_eq(light_store_lowest(st), 4);
    light_block got = {0}, want = {0};
    ck_assert_int_eq(light_store_load(st, 2, &got), AG_ERR_NOT_FOUND);
    ck_assert_int_eq(lchain_block(c, 6, &want), AG_OK);
    ck_assert_int_eq(light_store_load(st, 6, &got), AG_OK);
    ck_assert(memcmp(&got.header, &want.header, sizeof got.header) == 0);
    crypto_hash a, b;
    ck_assert_int_eq(cons_valset_hash(&a, &got.vals), AG_OK);
    ck_assert_int_eq(cons_valset_hash(&b, &want.vals), AG_OK);
    ck_assert(memcmp(a.b, b.b, 32) == 0);
    ck_assert_uint_eq(got.commit.n_sigs, want.commit.n_sigs);
    light_block_free(&got);
    light_store_close(st);
    /* reopened: the same heights; a damaged file is refused, never trusted */
    ck_assert_int_eq(light_store_open(&st, dir, 5), AG_OK);
    ck_assert_int_eq(light_store_highest(st), 8);
    char path[128];
    snprintf(path, sizeof path, "%s/%020d.lb", dir, 6);
    FILE *f = fopen(path, "r+b");
    ck_assert_ptr_nonnull(f);
    fseek(f, 40, SEEK_SET);
    int ch = fgetc(f);
    fseek(f, 40, SEEK_SET);
    fputc(ch ^ 0x20, f);
    fclose(f);
    ck_assert_int_eq(light_store_load(st, 6, &got), AG_ERR_CORRUPT);
    ck_assert_int_eq(light_store_load_below(st, 7, &got), AG_OK);
    ck_assert_int_eq(got.header.height, 7);
    light_block_free(&got);
    light_block_free(&want);
    light_store_close(st);
    lchain_free(c);
    ag_test_rmdir(dir);
}
END_TEST

/* ---- the client ---- */

typedef struct attacks {
    int n;
    ag_err submitted;
    int64_t height;
} attacks;

static void on_attack(void *ctx, const light_attack *a, ag_err submitted)
{
    attacks *at = ctx;
    at->n++;
    at->submitted = submitted;
    at->height = a->conflicting.header.height;
    ck_assert_uint_gt(a->n_byzantine, 0);
    /* its CometBFT wire form decodes (protobuf-c, from the .proto) to the same facts */
    ag_buf enc;
    ag_buf_init(&enc, 0);
    ck_assert_int_eq(light_attack_encode(&enc, a), AG_OK);
    Tendermint__Types__Evidence *ev = tendermint__types__evidence__unpack(NULL, enc.len, enc.data);
    ck_assert_ptr_nonnull(ev);
    ck_assert_int_eq(ev->sum_case, TENDERMINT__TYPES__EVIDENCE__SUM_LIGHT_CLIENT_ATTACK_EVIDENCE);
    const Tendermint__Types__LightClientAttackEvidence *l = ev->light_client_attack_evidence;
    ck_assert_int_eq(l->common_height, a->common_height);
    ck_assert_int_eq(l->total_voting_power, a->total_voting_power);
    ck_assert_uint_eq(l->n_byzantine_validators, a->n_byzantine);
    ck_assert_int_eq(l->byzantine_validators[0]->voting_power, a->byzantine[0].voting_power);
    ck_assert_mem_eq(l->byzantine_validators[0]->address.data, a->byzantine[0].address.b, 20);
    ck_assert_int_eq(l->conflicting_block->signed_header->header->height,
                     a->conflicting.header.height);
    ck_assert_uint_eq(l->conflicting_block->signed_header->commit->n_signatures,
                      a->conflicting.commit.n_sigs);
    ck_assert_uint_eq(l->conflicting_block->validator_set->n_validators, a->conflicting.vals.n);
    ck_assert_int_eq(l->timestamp->seconds, a->timestamp.seconds);
    tendermint__types__evidence__free_unpacked(ev, NULL);
    ag_buf_free(&enc);
}

static light_client_opts client_opts(lchain *primary, const char *dir, int64_t trust_h,
                                     const light_provider *w, size_t nw, attacks *at)
{
    light_block root = {0};
    ck_assert_int_eq(lchain_block(primary, trust_h, &root), AG_OK);
    light_client_opts o = {.chain_id = CHAIN,
                           .primary = lchain_provider(primary),
                           .witnesses = w,
                           .n_witnesses = nw,
                           .store_dir = dir,
                           .store_max_blocks = 10,
                           .on_attack = on_attack,
                           .attack_ctx = at};
    o.trust.height = trust_h;
    ck_assert_int_eq(light_block_hash(&root, &o.trust.hash), AG_OK);
    o.trust.trusting_period_ns = 14 * 24 * 3600 * SEC;
    o.trust.max_clock_drift_ns = 10 * SEC;
    light_block_free(&root);
    return o;
}

START_TEST(client_sync_and_witnesses)
{
    char dir[64];
    ag_test_mkdtemp(dir, "light_client");
    lchain *p = chain(4, 20, false, 400);
    lchain *honest = chain(4, 20, false, 400);
    lchain_opts wo = {.chain_id = CHAIN,
                      .n_vals = 4,
                      .change_every = 20,
                      .shift = 3,
                      .start_s = 1700000000,
                      .block_ms = 1000,
                      .seed = ag_test_seed() + 1,
                      .height = 400};
    lchain *faulty = NULL; /* other keys: its headers never verify */
    ck_assert_int_eq(lchain_new(&faulty, &wo), AG_OK);
    light_provider w[2] = {lchain_provider(honest), lchain_provider(faulty)};
    attacks at = {0};
    light_client_opts o = client_opts(p, dir, 1, w, 2, &at);
    light_client *lc = NULL;
    light_fail why;
    ck_assert_int_eq(light_client_new(&lc, &o, after(400), &why), AG_OK);
    light_block b = {0};
    ag_err e = light_client_verify_to(lc, 0, after(400), &b, &why);
    ck_assert_msg(e == AG_OK, "%s", ag_err_detail());
    ck_assert_int_eq(b.header.height, 400);
    ck_assert_uint_gt(light_client_last_steps(lc), 1);
    ck_assert_uint_eq(light_client_witnesses(lc), 1); /* the faulty one dropped */
    ck_assert_int_eq(at.n, 0);
    light_block_free(&b);
    /* backwards from the trusted blocks by hashes */
    e = light_client_verify_to(lc, 390, after(400), &b, &why);
    ck_assert_msg(e == AG_OK, "%s", ag_err_detail());
    ck_assert_int_eq(b.header.height, 390);
    light_block_free(&b);
    light_client_free(lc);

    /* a restart resumes from the store; the wrong trusted hash is refused */
    ck_assert_int_eq(light_client_new(&lc, &o, after(400), &why), AG_OK);
    ck_assert_int_eq(light_client_trusted(lc, &b), AG_OK);
    ck_assert_int_eq(b.header.height, 400);
    light_block_free(&b);
    light_client_free(lc);
    o.trust.hash.b[0] ^= 1;
    ck_assert_int_eq(light_client_new(&lc, &o, after(400), &why), AG_ERR_VERIFY);
    ck_assert_int_eq(why, LIGHT_FAIL_TRUSTED_HASH);
    ag_test_rmdir(dir);
    ag_test_mkdtemp(dir, "light_client");
    ck_assert_int_eq(light_client_new(&lc, &o, after(400), &why), AG_ERR_VERIFY);
    ck_assert_int_eq(why, LIGHT_FAIL_TRUSTED_HASH);
    /* an expired trust root */
    o.trust.hash.b[0] ^= 1;
    cons_timestamp late = after(400);
    late.seconds += 30 * 24 * 3600;
    ck_assert_int_eq(light_client_new(&lc, &o, late, &why), AG_ERR_VERIFY);
    ck_assert_int_eq(why, LIGHT_FAIL_EXPIRED);
    ag_test_rmdir(dir);
    lchain_free(p);
    lchain_free(honest);
    lchain_free(faulty);
}
END_TEST

START_TEST(client_detects_attack)
{
    char dir[64];
    ag_test_mkdtemp(dir, "light_attack");
    lchain *p = chain(4, 0, false, 200);
    /* the same validators sign a second chain from height 100 on */
    lchain_opts fo = {.chain_id = CHAIN,
                      .n_vals = 4,
                      .start_s = 1700000000,
                      .block_ms = 1000,
                      .seed = ag_test_seed(),
                      .fork = 77,
                      .fork_from = 100,
                      .height = 200};
    lchain *fork = NULL;
    ck_assert_int_eq(lchain_new(&fork, &fo), AG_OK);
    light_provider w = lchain_provider(fork);
    attacks at = {0};
    light_client_opts o = client_opts(p, dir, 1, &w, 1, &at);
    light_client *lc = NULL;
    light_fail why;
    ck_assert_int_eq(light_client_new(&lc, &o, after(200), &why), AG_OK);
    /* below the fork both agree */
    ck_assert_int_eq(light_client_verify_to(lc, 50, after(200), NULL, &why), AG_OK);
    /* above it: an attack, reported, and nothing saved */
    ck_assert_int_eq(light_client_verify_to(lc, 150, after(200), NULL, &why), AG_ERR_VERIFY);
    ck_assert_int_eq(why, LIGHT_FAIL_CONFLICT);
    ck_assert_int_eq(at.n, 2); /* to each side, the other's block */
    ck_assert_int_eq(at.height, 150);
    ck_assert_int_eq(at.submitted, AG_ERR_UNSUPPORTED);
    light_block t = {0};
    ck_assert_int_eq(light_client_trusted(lc, &t), AG_OK);
    ck_assert_int_eq(t.header.height, 50);
    light_block_free(&t);
    light_client_free(lc);
    lchain_free(p);
    lchain_free(fork);
    ag_test_rmdir(dir);
}
END_TEST

/* ---- state proofs ---- */

/* A response as a node would send it, from a real store. */
static void prove(state_store *st, uint64_t version, const char *key, int64_t height,
                  light_query_resp *r)
{
    ag_buf proof, value;
    ag_buf_init(&proof, 0);
    ag_buf_init(&value, 0);
    bool exists = false;
    ck_assert_int_eq(
        state_store_prove(st, version, (const uint8_t *)key, strlen(key), &proof, &value, &exists),
        AG_OK);
    memset(r, 0, sizeof *r);
    r->height = height;
    r->key_len = r->proof_key_len = strlen(key);
    r->key = (uint8_t *)strdup(key);
    r->proof_key = (uint8_t *)strdup(key);
    r->n_proof_ops = 1;
    strcpy(r->proof_type, LIGHT_PROOF_TYPE_SMT);
    r->proof_len = proof.len;
    r->proof = ag_buf_steal(&proof, &r->proof_len);
    if (exists) {
        r->value = ag_buf_steal(&value, &r->value_len);
    }
    ag_buf_free(&proof);
    ag_buf_free(&value);
}

START_TEST(query_proofs)
{
    state_kv *kv = NULL;
    state_store *st = NULL;
    ck_assert_int_eq(state_kv_open_memory(&kv), AG_OK);
    state_store_options so = {.no_sync = true};
    ck_assert_int_eq(state_store_open(&st, kv, &so), AG_OK);
    for (int i = 0; i < 50; i++) {
        char k[16], v[16];
        snprintf(k, sizeof k, "key%02d", i);
        snprintf(v, sizeof v, "value%d", i);
        ck_assert_int_eq(
            state_store_set(st, (const uint8_t *)k, strlen(k), (const uint8_t *)v, strlen(v)),
            AG_OK);
    }
    uint64_t version;
    crypto_hash root;
    ck_assert_int_eq(state_store_commit(st, &version, &root), AG_OK);
    cons_app_hash app = {.len = 32};
    memcpy(app.b, root.b, 32);
    light_query_resp r;
    light_fail why;
    const uint8_t *k7 = (const uint8_t *)"key07";

    prove(st, version, "key07", 9, &r);
    ck_assert_int_eq(light_check_query_proof(&r, k7, 5, 9, &app, &why), AG_OK);
    ck_assert_mem_eq(r.value, "value7", 6);
    /* a tampered value */
    r.value[0] ^= 1;
    EXPECT(light_check_query_proof(&r, k7, 5, 9, &app, &why), LIGHT_FAIL_PROOF);
    r.value[0] ^= 1;
    /* a tampered proof */
    r.proof[r.proof_len / 2] ^= 1;
    EXPECT(light_check_query_proof(&r, k7, 5, 9, &app, &why), LIGHT_FAIL_PROOF);
    r.proof[r.proof_len / 2] ^= 1;
    /* the value withheld: "absent" with an existence proof */
    uint8_t *v = r.value;
    size_t vl = r.value_len;
    r.value = NULL;
    r.value_len = 0;
    EXPECT(light_check_query_proof(&r, k7, 5, 9, &app, &why), LIGHT_FAIL_PROOF);
    r.value = v;
    r.value_len = vl;
    /* another height, another key, another root */
    EXPECT(light_check_query_proof(&r, k7, 5, 8, &app, &why), LIGHT_FAIL_QUERY);
    EXPECT(light_check_query_proof(&r, (const uint8_t *)"key08", 5, 9, &app, &why),
           LIGHT_FAIL_QUERY);
    cons_app_hash other = app;
    other.b[3] ^= 1;
    EXPECT(light_check_query_proof(&r, k7, 5, 9, &other, &why), LIGHT_FAIL_PROOF);
    /* no proof at all */
    r.n_proof_ops = 0;
    EXPECT(light_check_query_proof(&r, k7, 5, 9, &app, &why), LIGHT_FAIL_QUERY);
    light_query_resp_free(&r);

    /* absence is proven */
    const uint8_t *kx = (const uint8_t *)"absent-key";
    prove(st, version, "absent-key", 9, &r);
    ck_assert_ptr_null(r.value);
    ck_assert_int_eq(light_check_query_proof(&r, kx, 10, 9, &app, &why), AG_OK);
    /* ...and an invented value for it is refused */
    r.value = (uint8_t *)strdup("forged");
    r.value_len = 6;
    EXPECT(light_check_query_proof(&r, kx, 10, 9, &app, &why), LIGHT_FAIL_PROOF);
    light_query_resp_free(&r);
    state_store_close(st);
}
END_TEST

/* ---- the RPC client against the real RPC server (in-memory chain) ---- */

/* A listening TCP socket on 127.0.0.1 that never answers; its port. */
static int silent_listener(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(listen(fd, 4), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

START_TEST(rpc_client_real_server)
{
    tchain *tc = NULL;
    rpc_server *srv = NULL;
    ck_assert_int_eq(tchain_new(&tc, ag_test_seed()), AG_OK);
    rpc_backend be = tchain_backend(tc);
    rpc_server_opts so;
    rpc_server_opts_default(&so);
    so.laddr = "tcp://127.0.0.1:0";
    so.index_kv = tchain_index_kv(tc);
    ck_assert_msg(rpc_server_start(&srv, &be, &so) == AG_OK, "%s", ag_err_detail());
    tchain_set_server(tc, srv);
    for (int h = 1; h <= 5; h++)
        ck_assert_int_eq(tchain_add_block(tc, NULL, 0), AG_OK);
    rpc_server_sync(srv);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", rpc_server_port(srv));

    light_rpc *rpc = NULL;
    ck_assert_int_eq(light_rpc_new(&rpc, &(light_rpc_opts){.url = url}), AG_OK);
    light_provider p = light_rpc_provider(rpc);
    light_block b3 = {0}, b4 = {0};
    light_fail why;
    ck_assert_msg(p.ops->light_block(p.ctx, 3, &b3) == AG_OK, "%s", ag_err_detail());
    ck_assert_int_eq(p.ops->light_block(p.ctx, 4, &b4), AG_OK);
    ck_assert_int_eq(light_verify_block_basic(TCHAIN_ID, &b3, &why), AG_OK);
    ck_assert_int_eq(
        light_verify_commit_light(TCHAIN_ID, &b3.vals, &b3.commit.block_id, 3, &b3.commit, &why),
        AG_OK);
    crypto_hash want, got;
    ck_assert_int_eq(tchain_block_hash(tc, 3, &want), AG_OK);
    ck_assert_int_eq(light_block_hash(&b3, &got), AG_OK);
    ck_assert(memcmp(want.b, got.b, 32) == 0);
    light_verify_opts o = opts();
    o.chain_id = TCHAIN_ID;
    cons_timestamp now = b4.header.time;
    now.seconds += 60;
    ck_assert_msg(light_verify_adjacent(&o, &b3, &b4, now, &why) == AG_OK, "%s", ag_err_detail());
    light_status st;
    ck_assert_int_eq(light_rpc_status(rpc, &st), AG_OK);
    ck_assert_str_eq(st.chain_id, TCHAIN_ID);
    ck_assert_int_eq(st.latest_height, 5);
    /* the node's refusal, passed on */
    light_block none = {0};
    ck_assert_int_eq(p.ops->light_block(p.ctx, 999, &none), AG_ERR_NOT_FOUND);
    light_rpc_free(rpc);
    /* a response over the bound is cut off and refused */
    ck_assert_int_eq(light_rpc_new(&rpc, &(light_rpc_opts){.url = url, .max_response = 300}),
                     AG_OK);
    ck_assert_int_eq(light_rpc_status(rpc, &st), AG_ERR_TOO_LARGE);
    light_rpc_free(rpc);
    light_block_free(&b3);
    light_block_free(&b4);
    tchain_set_server(tc, NULL);
    rpc_server_free(srv);
    tchain_free(tc);

    /* a node that never answers: the timeout; a closed port: refused */
    int port, fd = silent_listener(&port);
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    ck_assert_int_eq(light_rpc_new(&rpc, &(light_rpc_opts){.url = url, .timeout_ms = 300}), AG_OK);
    ck_assert_int_eq(light_rpc_status(rpc, &st), AG_ERR_TIMEOUT);
    light_rpc_free(rpc);
    close(fd);
    ck_assert_int_eq(light_rpc_new(&rpc, &(light_rpc_opts){.url = url, .timeout_ms = 300}), AG_OK);
    ck_assert_int_eq(light_rpc_status(rpc, &st), AG_ERR_CONN_REFUSED);
    light_rpc_free(rpc);
    ck_assert_int_eq(light_rpc_new(&rpc, &(light_rpc_opts){.url = "file:///etc/passwd"}),
                     AG_ERR_INVALID_ARG);
}
END_TEST

/* ---- /validators paging, against a canned HTTP server ---- */

typedef struct pager {
    int fd;
    const cons_valset *vs;
    int lie; /* 0 honest; 1 total changes on page 2; 2 page 2 repeats page 1; 3 page 2 of another
                height */
    int requests;
} pager;

static void *pager_run(void *arg)
{
    pager *pg = arg;
    for (;;) {
        int c = accept(pg->fd, NULL, NULL);
        if (c < 0)
            return NULL;
        char req[8192];
        size_t n = 0;
        char *body = NULL;
        while (n < sizeof req - 1) {
            ssize_t r = read(c, req + n, sizeof req - 1 - n);
            if (r <= 0)
                break;
            n += (size_t)r;
            req[n] = 0;
            char *end = strstr(req, "\r\n\r\n");
            char *cl = strstr(req, "Content-Length: ");
            if (end && cl && strlen(end + 4) >= (size_t)atoi(cl + 16)) {
                body = end + 4;
                break;
            }
        }
        int page = 1;
        char *pp = body ? strstr(body, "\"page\":") : NULL;
        if (pp)
            page = atoi(pp + 7);
        pg->requests++;
        size_t from = (size_t)(page - 1) * 100,
               to = from + 100 < pg->vs->n ? from + 100 : pg->vs->n;
        if (pg->lie == 2 && page == 2) {
            from = 0;
            to = pg->vs->n - 100;
        }
        json_t *arr = json_array();
        for (size_t i = from; i < to; i++)
            json_array_append_new(arr, rpc_json_validator(&pg->vs->vals[i]));
        size_t total = pg->vs->n + (pg->lie == 1 && page == 2 ? 1 : 0);
        int64_t height = pg->lie == 3 && page == 2 ? 8 : 7;
        json_t *res =
            json_pack("{s:s, s:i, s:{s:o, s:o, s:o, s:o}}", "jsonrpc", "2.0", "id", 1, "result",
                      "block_height", rpc_json_i64(height), "validators", arr, "count",
                      rpc_json_i64((int64_t)(to - from)), "total", rpc_json_i64((int64_t)total));
        char *text = json_dumps(res, JSON_COMPACT);
        json_decref(res);
        char head[128];
        int hl = snprintf(head, sizeof head,
                          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                          "%zu\r\nConnection: close\r\n\r\n",
                          strlen(text));
        ck_assert_int_eq(write(c, head, (size_t)hl), hl);
        ck_assert_int_eq(write(c, text, strlen(text)), (ssize_t)strlen(text));
        free(text);
        close(c);
    }
}

START_TEST(rpc_client_validator_pages)
{
    lchain *c = chain(150, 0, false, 10);
    light_block b = {0};
    ck_assert_int_eq(lchain_block(c, 7, &b), AG_OK);
    for (int lie = 0; lie <= 3; lie++) {
        int port;
        pager pg = {.fd = silent_listener(&port), .vs = &b.vals, .lie = lie};
        pthread_t t;
        ck_assert_int_eq(pthread_create(&t, NULL, pager_run, &pg), 0);
        char url[64];
        snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
        light_rpc *rpc = NULL;
        ck_assert_int_eq(light_rpc_new(&rpc, &(light_rpc_opts){.url = url, .timeout_ms = 5000}),
                         AG_OK);
        cons_valset vs;
        ag_err e = light_rpc_validators(rpc, 7, &vs);
        if (lie == 0) {
            ck_assert_msg(e == AG_OK, "%s", ag_err_detail());
            ck_assert_int_eq(pg.requests, 2);
            crypto_hash h1, h2;
            ck_assert_int_eq(cons_valset_hash(&h1, &vs), AG_OK);
            ck_assert_int_eq(cons_valset_hash(&h2, &b.vals), AG_OK);
            ck_assert(memcmp(h1.b, h2.b, 32) == 0);
            cons_valset_free(&vs);
        } else {
            ck_assert_int_eq(e, AG_ERR_DECODE);
        }
        light_rpc_free(rpc);
        shutdown(pg.fd, SHUT_RDWR);
        close(pg.fd);
        pthread_join(t, NULL);
    }
    light_block_free(&b);
    lchain_free(c);
}
END_TEST

static Suite *light_suite(void)
{
    Suite *s = suite_create("light");
    TCase *tc = ag_test_tcase("light");
    tcase_add_test(tc, decode_roundtrip);
    tcase_add_test(tc, decode_hostile);
    tcase_add_test(tc, sequential_4);
    tcase_add_test(tc, sequential_100);
    tcase_add_test(tc, skipping_4);
    tcase_add_test(tc, skipping_100);
    tcase_add_test(tc, lies);
    tcase_add_test(tc, trust_level);
    tcase_add_test(tc, store_save_load_prune);
    tcase_add_test(tc, query_proofs);
    tcase_add_test(tc, rpc_client_real_server);
    tcase_add_test(tc, rpc_client_validator_pages);
    tcase_add_test(tc, client_sync_and_witnesses);
    tcase_add_test(tc, client_detects_attack);
    suite_add_tcase(s, tc);
    return s;
}

AG_TEST_MAIN(light_suite)
