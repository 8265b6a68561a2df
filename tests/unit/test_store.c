/* The authenticated store against a reference model: a sorted map and a
 * naive recursive Merkle root over the binary tree (no nibble nodes, no
 * caching, no versions), plus proofs, pruning, iteration, faults and corruption. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/hex.h"
#include "state/ics23.h"
#include "state/kv.h"
#include "state/omap.h"
#include "state/smt.h"
#include "state/store.h"
#include "tests/harness/ag_test.h"

/* ---- the reference model ---- */

typedef struct model_leaf {
    crypto_hash kh, lh;
} model_leaf;

static int leaf_cmp(const void *a, const void *b)
{
    return memcmp(((const model_leaf *)a)->kh.b, ((const model_leaf *)b)->kh.b, 32);
}

static int bit_at(const crypto_hash *h, unsigned bit)
{
    return h->b[bit / 8] >> (7 - bit % 8) & 1;
}

/* root(items) = zero if none, the leaf if one, else inner(root(left), root(right)). */
static void naive_root(const model_leaf *l, size_t n, unsigned bit, crypto_hash *out)
{
    if (n == 0) {
        memset(out, 0, sizeof *out);
        return;
    }
    if (n == 1) {
        *out = l[0].lh;
        return;
    }
    size_t split = 0;
    while (split < n && !bit_at(&l[split].kh, bit))
        split++;
    crypto_hash a, b;
    naive_root(l, split, bit + 1, &a);
    naive_root(l + split, n - split, bit + 1, &b);
    state_smt_inner_hash(out, &a, &b);
}

static void model_root(const state_omap *m, crypto_hash *out)
{
    model_leaf *l = malloc((m->count ? m->count : 1) * sizeof *l);
    size_t i = 0;
    for (const state_omap_node *e = state_omap_first(m); e; e = state_omap_next(e)) {
        const uint8_t *k, *v;
        size_t kl, vl;
        state_omap_entry(e, &k, &kl, &v, &vl);
        crypto_hash vh;
        crypto_sha256(l[i].kh.b, k, kl);
        crypto_sha256(vh.b, v, vl);
        state_smt_leaf_hash(&l[i].lh, &l[i].kh, &vh);
        i++;
    }
    qsort(l, i, sizeof *l, leaf_cmp);
    naive_root(l, i, 0, out);
    free(l);
}

static state_store *open_memory(const state_store_options *o)
{
    state_kv *kv;
    state_store *s;
    ck_assert_int_eq(state_kv_open_memory(&kv), AG_OK);
    ck_assert_int_eq(state_store_open(&s, kv, o), AG_OK);
    return s;
}

static void random_key(ag_rng *rng, uint8_t *key, size_t *klen, unsigned space)
{
    /* a small key space makes overwrites and deletes of present keys common */
    *klen = (size_t)snprintf((char *)key, 32, "k%u", (unsigned)ag_rng_below(rng, space));
}

/* Proofs for `key` against `root`: valid ones verify, tampered ones do not. */
static void check_proof(state_store *s, uint64_t version, const crypto_hash *root,
                        const uint8_t *key, size_t klen, const state_omap *model)
{
    ag_buf proof, value;
    ag_buf_init(&proof, 0);
    ag_buf_init(&value, 0);
    bool exists;
    const uint8_t *mv;
    size_t mvl;
    bool in_model = state_omap_get(model, key, klen, &mv, &mvl);
    ag_err err = state_store_prove(s, version, key, klen, &proof, &value, &exists);
    if (model->count == 0) {
        ck_assert_int_eq(err, AG_ERR_NOT_FOUND);
        goto done;
    }
    ck_assert_msg(err == AG_OK, "prove: %s", ag_err_detail());
    ck_assert_int_eq(exists, in_model);
    crypto_hash bad_root = *root;
    bad_root.b[0] ^= 1;
    if (exists) {
        ck_assert_uint_eq(value.len, mvl);
        ck_assert_mem_eq(value.data, mv, mvl);
        ck_assert_msg(state_ics23_verify_membership(root, proof.data, proof.len, key, klen,
                                                    value.data, value.len) == AG_OK,
                      "membership: %s", ag_err_detail());
        /* wrong root, wrong value, wrong key, flipped proof byte, non-membership claim */
        ck_assert_int_eq(state_ics23_verify_membership(&bad_root, proof.data, proof.len, key, klen,
                                                       value.data, value.len),
                         AG_ERR_VERIFY);
        uint8_t v2[64];
        memcpy(v2, value.data, value.len < 64 ? value.len : 64);
        v2[0] ^= 1;
        ck_assert_int_eq(state_ics23_verify_membership(root, proof.data, proof.len, key, klen, v2,
                                                       value.len < 64 ? value.len : 64),
                         AG_ERR_VERIFY);
        ck_assert_int_eq(state_ics23_verify_membership(root, proof.data, proof.len,
                                                       (const uint8_t *)"zz", 2, value.data,
                                                       value.len),
                         AG_ERR_VERIFY);
        ck_assert_int_ne(state_ics23_verify_nonmembership(root, proof.data, proof.len, key, klen),
                         AG_OK);
    } else {
        ck_assert_msg(state_ics23_verify_nonmembership(root, proof.data, proof.len, key, klen) ==
                          AG_OK,
                      "non-membership: %s", ag_err_detail());
        ck_assert_int_eq(
            state_ics23_verify_nonmembership(&bad_root, proof.data, proof.len, key, klen),
            AG_ERR_VERIFY);
        ck_assert_int_ne(state_ics23_verify_membership(root, proof.data, proof.len, key, klen,
                                                       (const uint8_t *)"v", 1),
                         AG_OK);
        /* the same proof must not "prove" that a present key is absent */
        const state_omap_node *first = state_omap_first(model);
        const uint8_t *fk, *fv;
        size_t fkl, fvl;
        state_omap_entry(first, &fk, &fkl, &fv, &fvl);
        ck_assert_int_ne(state_ics23_verify_nonmembership(root, proof.data, proof.len, fk, fkl),
                         AG_OK);
    }
    /* flipping any single byte of the proof breaks it (or its decoding) */
    for (size_t i = 0; i < proof.len; i += 1 + proof.len / 40) {
        proof.data[i] ^= 0x20;
        ag_err e2 = exists
                        ? state_ics23_verify_membership(root, proof.data, proof.len, key, klen,
                                                        value.data, value.len)
                        : state_ics23_verify_nonmembership(root, proof.data, proof.len, key, klen);
        ck_assert_msg(e2 != AG_OK, "proof still verifies with byte %zu flipped", i);
        proof.data[i] ^= 0x20;
    }
done:
    ag_buf_free(&proof);
    ag_buf_free(&value);
}

/* One random sequence of batches, checked after every commit. */
static void run_sequence(ag_rng *rng, bool proofs)
{
    state_store_options o = {.threads = 1 + (int)ag_rng_below(rng, 2), .no_sync = true};
    state_store *s = open_memory(&o);
    state_omap model;
    state_omap_init(&model);
    unsigned space = 4 + (unsigned)ag_rng_below(rng, 300);
    unsigned batches = 1 + (unsigned)ag_rng_below(rng, 6);
    for (unsigned b = 0; b < batches; b++) {
        unsigned ops =
            (unsigned)ag_rng_below(rng, b % 3 == 2 ? 900 : 400); /* 512+: parallel hashing */
        for (unsigned i = 0; i < ops; i++) {
            uint8_t key[32], val[40];
            size_t klen;
            random_key(rng, key, &klen, space);
            if (ag_rng_below(rng, 4) == 0) {
                ck_assert_int_eq(state_store_delete(s, key, klen), AG_OK);
                state_omap_del(&model, key, klen);
            } else {
                size_t vlen = 1 + ag_rng_below(rng, sizeof val);
                ag_rng_fill(rng, val, vlen);
                ck_assert_int_eq(state_store_set(s, key, klen, val, vlen), AG_OK);
                ck_assert_int_eq(state_omap_put(&model, key, klen, val, vlen), AG_OK);
            }
        }
        uint64_t version;
        crypto_hash root, want;
        ck_assert_msg(state_store_commit(s, &version, &root) == AG_OK, "commit: %s",
                      ag_err_detail());
        ck_assert_uint_eq(version, b + 1);
        model_root(&model, &want);
        ck_assert_msg(memcmp(root.b, want.b, 32) == 0, "root differs from the model at batch %u",
                      b);
        /* reads agree with the model, latest and through the tree */
        for (unsigned i = 0; i < 20; i++) {
            uint8_t key[32];
            size_t klen;
            random_key(rng, key, &klen, space);
            const uint8_t *mv;
            size_t mvl;
            bool in = state_omap_get(&model, key, klen, &mv, &mvl);
            ag_buf v;
            ag_buf_init(&v, 0);
            ag_err e1 = state_store_get(s, key, klen, &v);
            ck_assert_int_eq(e1, in ? AG_OK : AG_ERR_NOT_FOUND);
            if (in)
                ck_assert_mem_eq(v.data, mv, mvl);
            ag_buf_reset(&v);
            ag_err e2 = state_store_get_at(s, version, key, klen, &v);
            ck_assert_msg(e2 == (in ? AG_OK : AG_ERR_NOT_FOUND), "get_at: %s", ag_err_detail());
            if (in)
                ck_assert_mem_eq(v.data, mv, mvl);
            ag_buf_free(&v);
            if (proofs && i < 4)
                check_proof(s, version, &root, key, klen, &model);
        }
    }
    state_omap_free(&model);
    state_store_close(s);
}

START_TEST(store_matches_model)
{
    ag_rng rng;
    ag_test_rng(&rng, 30);
    uint64_t seqs = ag_test_iters(1200, 20000);
    for (uint64_t i = 0; i < seqs; i++)
        run_sequence(&rng, i % 4 == 0);
}
END_TEST

START_TEST(store_small_trees)
{
    state_store *s = open_memory(NULL);
    crypto_hash root, zero = {{0}};
    uint64_t v;
    state_store_root(s, &root);
    ck_assert_mem_eq(root.b, zero.b, 32);
    ck_assert_uint_eq(state_store_version(s), 0);
    /* one leaf: the root is the leaf hash */
    ck_assert_int_eq(state_store_set(s, (const uint8_t *)"a", 1, (const uint8_t *)"1", 1), AG_OK);
    ck_assert_int_eq(state_store_commit(s, &v, &root), AG_OK);
    crypto_hash kh, vh, lh;
    crypto_sha256(kh.b, "a", 1);
    crypto_sha256(vh.b, "1", 1);
    state_smt_leaf_hash(&lh, &kh, &vh);
    ck_assert_mem_eq(root.b, lh.b, 32);
    /* empty and oversized keys and values are refused */
    ck_assert_int_eq(state_store_set(s, (const uint8_t *)"", 0, (const uint8_t *)"1", 1),
                     AG_ERR_INVALID_ARG);
    ck_assert_int_eq(state_store_set(s, (const uint8_t *)"b", 1, (const uint8_t *)"", 0),
                     AG_ERR_INVALID_ARG);
    static uint8_t big[STATE_KEY_MAX + 1];
    ck_assert_int_eq(state_store_delete(s, big, sizeof big), AG_ERR_INVALID_ARG);
    /* an empty commit keeps the root; deleting everything gives the zero root */
    ck_assert_int_eq(state_store_commit(s, &v, &root), AG_OK);
    ck_assert_uint_eq(v, 2);
    ck_assert_mem_eq(root.b, lh.b, 32);
    ck_assert_int_eq(state_store_delete(s, (const uint8_t *)"a", 1), AG_OK);
    ck_assert_int_eq(state_store_commit(s, &v, &root), AG_OK);
    ck_assert_mem_eq(root.b, zero.b, 32);
    /* history survives */
    crypto_hash r1;
    ck_assert_int_eq(state_store_root_at(s, 1, &r1), AG_OK);
    ck_assert_mem_eq(r1.b, lh.b, 32);
    ag_buf val;
    ag_buf_init(&val, 0);
    ck_assert_int_eq(state_store_get_at(s, 1, (const uint8_t *)"a", 1, &val), AG_OK);
    ck_assert_int_eq(state_store_get_at(s, 3, (const uint8_t *)"a", 1, &val), AG_ERR_NOT_FOUND);
    ck_assert_int_eq(state_store_get_at(s, 9, (const uint8_t *)"a", 1, &val), AG_ERR_NOT_FOUND);
    ag_buf_free(&val);
    state_store_close(s);
}
END_TEST

START_TEST(store_initial_version)
{
    state_store *s = open_memory(NULL);
    ck_assert_int_eq(state_store_set_initial_version(s, 0), AG_ERR_INVALID_ARG);
    ck_assert_int_eq(state_store_set_initial_version(s, 1000), AG_OK);
    ck_assert_int_eq(state_store_set(s, (const uint8_t *)"k", 1, (const uint8_t *)"v", 1), AG_OK);
    uint64_t v;
    crypto_hash root, r;
    ck_assert_int_eq(state_store_commit(s, &v, &root), AG_OK);
    ck_assert_uint_eq(v, 1000);
    ck_assert_uint_eq(state_store_oldest_version(s), 1000);
    ck_assert_int_eq(state_store_root_at(s, 1000, &r), AG_OK);
    ck_assert_mem_eq(r.b, root.b, 32);
    ck_assert_int_eq(state_store_root_at(s, 999, &r), AG_ERR_NOT_FOUND);
    ck_assert_int_eq(state_store_commit(s, &v, NULL), AG_OK);
    ck_assert_uint_eq(v, 1001);
    ck_assert_int_eq(state_store_set_initial_version(s, 5), AG_ERR_STATE);
    ag_buf val;
    ag_buf_init(&val, 0);
    ck_assert_int_eq(state_store_get_at(s, 1000, (const uint8_t *)"k", 1, &val), AG_OK);
    ck_assert_mem_eq(val.data, "v", 1);
    ag_buf_free(&val);
    state_store_close(s);
}
END_TEST

START_TEST(store_history_matches_snapshots)
{
    /* get_at every version against model snapshots */
    ag_rng rng;
    ag_test_rng(&rng, 31);
    state_store *s = open_memory(NULL);
    enum { VERSIONS = 12, SPACE = 60 };
    static uint8_t snap[VERSIONS + 1][SPACE][9];
    memset(snap, 0, sizeof snap);
    for (unsigned v = 1; v <= VERSIONS; v++) {
        memcpy(snap[v], snap[v - 1], sizeof snap[v]);
        for (int i = 0; i < 30; i++) {
            unsigned k = (unsigned)ag_rng_below(&rng, SPACE);
            uint8_t key[8];
            size_t klen = (size_t)snprintf((char *)key, sizeof key, "h%u", k);
            if (ag_rng_below(&rng, 3) == 0) {
                state_store_delete(s, key, klen);
                snap[v][k][0] = 0;
            } else {
                snap[v][k][0] = 8;
                ag_rng_fill(&rng, snap[v][k] + 1, 8);
                state_store_set(s, key, klen, snap[v][k] + 1, 8);
            }
        }
        ck_assert_int_eq(state_store_commit(s, NULL, NULL), AG_OK);
    }
    for (unsigned v = 1; v <= VERSIONS; v++) {
        for (unsigned k = 0; k < SPACE; k++) {
            uint8_t key[8];
            size_t klen = (size_t)snprintf((char *)key, sizeof key, "h%u", k);
            ag_buf val;
            ag_buf_init(&val, 0);
            ag_err err = state_store_get_at(s, v, key, klen, &val);
            if (snap[v][k][0]) {
                ck_assert_int_eq(err, AG_OK);
                ck_assert_mem_eq(val.data, snap[v][k] + 1, 8);
            } else {
                ck_assert_int_eq(err, AG_ERR_NOT_FOUND);
            }
            ag_buf_free(&val);
        }
    }
    state_store_close(s);
}
END_TEST

/* ---- pruning: kept versions stay whole, nothing unreachable stays ---- */

typedef struct reach {
    state_omap seen; /* node and leaf record keys reachable from kept versions */
} reach;

static void walk(state_kv *kv, uint64_t version, const crypto_hash *path, unsigned depth,
                 const crypto_hash *expect, reach *r)
{
    state_smt_reader rd = {.kv = kv};
    state_smt_node n;
    ck_assert_int_eq(state_smt_load(&rd, version, path, depth, expect, &n), AG_OK);
    uint8_t key[1 + STATE_SMT_NODE_KEY_MAX];
    key[0] = 'N';
    size_t kl = state_smt_node_key(key + 1, version, path, depth);
    state_omap_put(&r->seen, key, kl + 1, (const uint8_t *)"", 0);
    for (int i = 0; i < 16; i++) {
        state_smt_slot *s = &n.slot[i];
        if (s->kind == SMT_LEAF) {
            key[0] = 'L';
            state_smt_leaf_key(key + 1, s->version, &s->key_hash);
            state_omap_put(&r->seen, key, 41, (const uint8_t *)"", 0);
        } else if (s->kind == SMT_CHILD) {
            crypto_hash p = *path;
            if (depth % 2)
                p.b[depth / 2] = (uint8_t)((p.b[depth / 2] & 0xf0) | i);
            else
                p.b[depth / 2] = (uint8_t)(i << 4);
            walk(kv, s->version, &p, depth + 1, &s->hash, r);
        }
    }
}

static size_t count_cf(state_kv *kv, state_cf cf)
{
    state_kv_iter *it;
    ck_assert_int_eq(kv->ops->iter_new(kv, cf, &it), AG_OK);
    kv->ops->iter_seek(it, (const uint8_t *)"", 0);
    size_t n = 0;
    for (; kv->ops->iter_valid(it); kv->ops->iter_next(it))
        n++;
    kv->ops->iter_free(it);
    return n;
}

START_TEST(store_pruning_is_complete)
{
    ag_rng rng;
    ag_test_rng(&rng, 32);
    state_kv *kv;
    ck_assert_int_eq(state_kv_open_memory(&kv), AG_OK);
    state_store_options o = {.keep_versions = 3, .prune_per_commit = 1000, .no_sync = true};
    state_store *s;
    ck_assert_int_eq(state_store_open(&s, kv, &o), AG_OK);
    for (int v = 1; v <= 40; v++) {
        for (int i = 0; i < 80; i++) {
            uint8_t key[32], val[8];
            size_t klen;
            random_key(&rng, key, &klen, 200);
            ag_rng_fill(&rng, val, sizeof val);
            if (ag_rng_below(&rng, 5) == 0)
                state_store_delete(s, key, klen);
            else
                state_store_set(s, key, klen, val, sizeof val);
        }
        ck_assert_int_eq(state_store_commit(s, NULL, NULL), AG_OK);
    }
    ck_assert_uint_eq(state_store_oldest_version(s), 38);
    crypto_hash r;
    ck_assert_int_eq(state_store_root_at(s, 37, &r), AG_ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "not kept"));
    /* every record reachable from versions 38..40, and no other, is stored */
    reach rc;
    state_omap_init(&rc.seen);
    for (uint64_t v = 38; v <= 40; v++) {
        crypto_hash root, zero = {{0}};
        ck_assert_int_eq(state_store_root_at(s, v, &root), AG_OK);
        /* the root node version is the latest version at or before v that changed it */
        uint64_t rv = v;
        state_smt_reader rd = {.kv = kv};
        state_smt_node tmp;
        while (state_smt_load(&rd, rv, &zero, 0, &root, &tmp) != AG_OK)
            rv--;
        walk(kv, rv, &zero, 0, &root, &rc);
    }
    size_t nodes = 0, leaves = 0;
    for (const state_omap_node *e = state_omap_first(&rc.seen); e; e = state_omap_next(e)) {
        const uint8_t *k;
        size_t kl;
        state_omap_entry(e, &k, &kl, NULL, NULL);
        if (k[0] == 'N')
            nodes++;
        else
            leaves++;
    }
    ck_assert_uint_eq(count_cf(kv, STATE_CF_NODES), nodes);
    ck_assert_uint_eq(count_cf(kv, STATE_CF_LEAVES), leaves);
    ck_assert_uint_eq(count_cf(kv, STATE_CF_ROOTS), 3);
    state_omap_free(&rc.seen);
    state_store_close(s);
}
END_TEST

/* ---- iteration over latest + staged ---- */

START_TEST(store_iterator_merges_staged)
{
    ag_rng rng;
    ag_test_rng(&rng, 33);
    for (int round = 0; round < 30; round++) {
        state_store *s = open_memory(NULL);
        state_omap model;
        state_omap_init(&model);
        for (int phase = 0; phase < 2; phase++) {
            for (int i = 0; i < 100; i++) {
                uint8_t key[32], val[4];
                size_t klen;
                random_key(&rng, key, &klen, 50);
                ag_rng_fill(&rng, val, sizeof val);
                if (ag_rng_below(&rng, 3) == 0) {
                    state_store_delete(s, key, klen);
                    state_omap_del(&model, key, klen);
                } else {
                    state_store_set(s, key, klen, val, sizeof val);
                    state_omap_put(&model, key, klen, val, sizeof val);
                }
            }
            if (phase == 0)
                ck_assert_int_eq(state_store_commit(s, NULL, NULL), AG_OK);
        }
        /* seek to a random point; iterate; compare with the model */
        uint8_t from[32];
        size_t flen;
        random_key(&rng, from, &flen, 50);
        state_store_iter *it;
        ck_assert_int_eq(state_store_iter_new(s, &it), AG_OK);
        state_store_iter_seek(it, from, flen);
        const state_omap_node *m = state_omap_seek(&model, from, flen);
        for (; state_store_iter_valid(it); state_store_iter_next(it), m = state_omap_next(m)) {
            ck_assert_ptr_nonnull(m);
            const uint8_t *k, *v, *mk, *mv;
            size_t kl, vl, mkl, mvl;
            state_store_iter_entry(it, &k, &kl, &v, &vl);
            state_omap_entry(m, &mk, &mkl, &mv, &mvl);
            ck_assert_int_eq(state_key_cmp(k, kl, mk, mkl), 0);
            ck_assert_uint_eq(vl, mvl);
            ck_assert_mem_eq(v, mv, vl);
        }
        ck_assert_ptr_null(m);
        ck_assert_int_eq(state_store_iter_status(it), AG_OK);
        state_store_iter_free(it);
        state_omap_free(&model);
        state_store_close(s);
    }
}
END_TEST

/* The latest-state read cache (latest_cache.h) never shows a stale value:
 * after every commit, and after a failed one, each key of a small space
 * reads what the model holds — values above and below the cache's slot
 * size, overwrites and deletes of keys that were just read (cached). */
START_TEST(store_reads_through_cache_match_model)
{
    ag_rng rng;
    ag_test_rng(&rng, 35);
    state_kv *mem, *kv;
    ck_assert_int_eq(state_kv_open_memory(&mem), AG_OK);
    ck_assert_int_eq(state_kv_wrap_faulty(&kv, mem, 0, 0), AG_OK);
    state_store *s;
    ck_assert_int_eq(state_store_open(&s, kv, NULL), AG_OK);
    state_omap model;
    state_omap_init(&model);
    ag_buf got;
    ag_buf_init(&got, 0);
    for (int v = 0; v < 60; v++) {
        for (int i = 0; i < 20; i++) {
            uint8_t key[32], val[400];
            size_t klen, vlen = 1 + (size_t)ag_rng_below(&rng, sizeof val);
            random_key(&rng, key, &klen, 40);
            if (ag_rng_below(&rng, 4) == 0) {
                state_store_delete(s, key, klen);
                state_omap_del(&model, key, klen);
            } else {
                ag_rng_fill(&rng, val, vlen);
                state_store_set(s, key, klen, val, vlen);
                state_omap_put(&model, key, klen, val, vlen);
            }
        }
        if (v % 5 == 4) { /* the write fails: nothing read may change */
            state_kv_faulty_arm(kv, 1, 0);
            ck_assert_int_eq(state_store_commit(s, NULL, NULL), AG_ERR_IO);
            state_kv_faulty_arm(kv, 0, 0);
        }
        ck_assert_int_eq(state_store_commit(s, NULL, NULL), AG_OK);
        for (unsigned k = 0; k < 40; k++) {
            uint8_t key[32];
            size_t klen = (size_t)snprintf((char *)key, sizeof key, "k%u", k);
            const uint8_t *mv;
            size_t mvl;
            bool want = state_omap_get(&model, key, klen, &mv, &mvl);
            for (int twice = 0; twice < 2; twice++) { /* a miss, then a hit */
                ag_buf_reset(&got);
                ag_err e = state_store_get(s, key, klen, &got);
                if (!want) {
                    ck_assert_int_eq(e, AG_ERR_NOT_FOUND);
                    continue;
                }
                ck_assert_int_eq(e, AG_OK);
                ck_assert_uint_eq(got.len, mvl);
                ck_assert_mem_eq(got.data, mv, mvl);
            }
        }
    }
    ag_buf_free(&got);
    state_omap_free(&model);
    state_store_close(s);
}
END_TEST

/* ---- faults and corruption ---- */

START_TEST(store_failed_writes_leave_it_consistent)
{
    ag_rng rng;
    ag_test_rng(&rng, 34);
    state_kv *mem, *kv;
    ck_assert_int_eq(state_kv_open_memory(&mem), AG_OK);
    ck_assert_int_eq(state_kv_wrap_faulty(&kv, mem, 0, 0), AG_OK);
    state_store *s;
    ck_assert_int_eq(state_store_open(&s, kv, NULL), AG_OK);
    state_omap model;
    state_omap_init(&model);
    for (int v = 0; v < 30; v++) {
        for (int i = 0; i < 50; i++) {
            uint8_t key[32], val[8];
            size_t klen;
            random_key(&rng, key, &klen, 100);
            ag_rng_fill(&rng, val, sizeof val);
            state_store_set(s, key, klen, val, sizeof val);
            state_omap_put(&model, key, klen, val, sizeof val);
        }
        /* every third commit: the write (or its fsync) fails first */
        uint64_t before = state_store_version(s);
        crypto_hash root_before, root;
        state_store_root(s, &root_before);
        if (v % 3 == 0) {
            state_kv_faulty_arm(kv, v % 2 ? 1 : 0, v % 2 ? 0 : 1);
            ck_assert_int_eq(state_store_commit(s, NULL, NULL), AG_ERR_IO);
            ck_assert_uint_eq(state_store_version(s), before);
            state_store_root(s, &root);
            ck_assert_mem_eq(root.b, root_before.b, 32);
            ck_assert_uint_gt(state_store_staged(s), 0);
            state_kv_faulty_arm(kv, 0, 0);
        }
        uint64_t version;
        ck_assert_int_eq(state_store_commit(s, &version, &root), AG_OK);
        ck_assert_uint_eq(version, before + 1);
        crypto_hash want;
        model_root(&model, &want);
        ck_assert_mem_eq(root.b, want.b, 32);
    }
    state_omap_free(&model);
    state_store_close(s);
}
END_TEST

/* FinalizeBlock/Commit split: prepare computes the root without writing;
 * a crash (close) before finish leaves the previous version. */
START_TEST(store_prepare_finish_abort)
{
    char dir[64];
    ag_test_mkdtemp(dir, "prep");
    state_store *s, *ref = open_memory(NULL);
    ck_assert_int_eq(state_store_open_path(&s, dir, NULL), AG_OK);
    ck_assert_int_eq(state_store_set(s, (const uint8_t *)"a", 1, (const uint8_t *)"1", 1), AG_OK);
    ck_assert_int_eq(state_store_commit(s, NULL, NULL), AG_OK);
    ck_assert_int_eq(state_store_set(ref, (const uint8_t *)"a", 1, (const uint8_t *)"1", 1), AG_OK);
    ck_assert_int_eq(state_store_commit(ref, NULL, NULL), AG_OK);

    ck_assert_int_eq(state_store_set(s, (const uint8_t *)"b", 1, (const uint8_t *)"2", 1), AG_OK);
    ck_assert_int_eq(state_store_delete(s, (const uint8_t *)"a", 1), AG_OK);
    uint64_t v, v2;
    crypto_hash root, root2, old;
    state_store_root(s, &old);
    ck_assert_int_eq(state_store_prepare_commit(s, &v, &root), AG_OK);
    ck_assert(state_store_prepared(s));
    ck_assert_uint_eq(v, 2);
    ck_assert_uint_eq(state_store_version(s), 1); /* nothing written yet */
    state_store_root(s, &root2);
    ck_assert_mem_eq(root2.b, old.b, 32);
    /* prepared: staged writes readable, new writes refused, prepare idempotent */
    ag_buf val;
    ag_buf_init(&val, 64);
    ck_assert_int_eq(state_store_get(s, (const uint8_t *)"b", 1, &val), AG_OK);
    ck_assert_int_eq(state_store_get(s, (const uint8_t *)"a", 1, &val), AG_ERR_NOT_FOUND);
    ck_assert_int_eq(state_store_set(s, (const uint8_t *)"c", 1, (const uint8_t *)"3", 1),
                     AG_ERR_STATE);
    ck_assert_int_eq(state_store_delete(s, (const uint8_t *)"b", 1), AG_ERR_STATE);
    ck_assert_int_eq(state_store_prepare_commit(s, &v2, &root2), AG_OK);
    ck_assert_uint_eq(v2, v);
    ck_assert_mem_eq(root2.b, root.b, 32);
    /* the same root as a one-step commit of the same writes */
    ck_assert_int_eq(state_store_set(ref, (const uint8_t *)"b", 1, (const uint8_t *)"2", 1), AG_OK);
    ck_assert_int_eq(state_store_delete(ref, (const uint8_t *)"a", 1), AG_OK);
    ck_assert_int_eq(state_store_commit(ref, &v2, &root2), AG_OK);
    ck_assert_mem_eq(root2.b, root.b, 32);

    /* a crash before finish: the store reopens at version 1 */
    state_store_close(s);
    ck_assert_int_eq(state_store_open_path(&s, dir, NULL), AG_OK);
    ck_assert_uint_eq(state_store_version(s), 1);
    ck_assert_int_eq(state_store_get(s, (const uint8_t *)"a", 1, &val), AG_OK);

    /* executed again: the same root; abort keeps the staged writes; finish makes it current */
    ck_assert_int_eq(state_store_set(s, (const uint8_t *)"b", 1, (const uint8_t *)"2", 1), AG_OK);
    ck_assert_int_eq(state_store_delete(s, (const uint8_t *)"a", 1), AG_OK);
    ck_assert_int_eq(state_store_prepare_commit(s, &v2, &root2), AG_OK);
    ck_assert_mem_eq(root2.b, root.b, 32);
    state_store_abort_commit(s);
    ck_assert(!state_store_prepared(s));
    ck_assert_uint_eq(state_store_staged(s), 2);
    ck_assert_int_eq(state_store_finish_commit(s), AG_ERR_STATE);
    ck_assert_int_eq(state_store_prepare_commit(s, &v2, &root2), AG_OK);
    ck_assert_int_eq(state_store_finish_commit(s), AG_OK);
    ck_assert_uint_eq(state_store_version(s), 2);
    state_store_root(s, &root2);
    ck_assert_mem_eq(root2.b, root.b, 32);
    ck_assert_uint_eq(state_store_staged(s), 0);
    ag_buf_free(&val);
    state_store_close(s);
    state_store_close(ref);
    ag_test_rmdir(dir);
}
END_TEST

START_TEST(store_detects_corruption)
{
    state_kv *kv;
    ck_assert_int_eq(state_kv_open_memory(&kv), AG_OK);
    state_store_options o = {.node_cache_bytes = 1}; /* force reads from the kv */
    state_store *s;
    ck_assert_int_eq(state_store_open(&s, kv, &o), AG_OK);
    for (int i = 0; i < 200; i++) {
        char key[16], val[16];
        int kl = snprintf(key, sizeof key, "c%d", i), vl = snprintf(val, sizeof val, "v%d", i);
        state_store_set(s, (const uint8_t *)key, (size_t)kl, (const uint8_t *)val, (size_t)vl);
    }
    ck_assert_int_eq(state_store_commit(s, NULL, NULL), AG_OK);
    /* damage every leaf record: reads through the tree must refuse, not answer */
    state_kv_iter *it;
    ck_assert_int_eq(kv->ops->iter_new(kv, STATE_CF_LEAVES, &it), AG_OK);
    kv->ops->iter_seek(it, (const uint8_t *)"", 0);
    state_kv_batch *b;
    ck_assert_int_eq(kv->ops->batch_new(kv, &b), AG_OK);
    for (; kv->ops->iter_valid(it); kv->ops->iter_next(it)) {
        const uint8_t *k, *v;
        size_t kl, vl;
        kv->ops->iter_entry(it, &k, &kl, &v, &vl);
        uint8_t copy[64];
        memcpy(copy, v, vl);
        copy[vl - 1] ^= 1;
        kv->ops->put(b, STATE_CF_LEAVES, k, kl, copy, vl);
    }
    kv->ops->iter_free(it);
    ck_assert_int_eq(kv->ops->write(kv, b, false), AG_OK);
    kv->ops->batch_free(b);
    ag_buf val, proof;
    ag_buf_init(&val, 0);
    ag_buf_init(&proof, 0);
    bool exists;
    ck_assert_int_eq(state_store_get_at(s, 1, (const uint8_t *)"c7", 2, &val), AG_ERR_CORRUPT);
    ck_assert_int_eq(state_store_prove(s, 1, (const uint8_t *)"c7", 2, &proof, &val, &exists),
                     AG_ERR_CORRUPT);
    /* damage a tree node: a hash mismatch is reported with its location */
    ck_assert_int_eq(kv->ops->iter_new(kv, STATE_CF_NODES, &it), AG_OK);
    kv->ops->iter_seek(it, (const uint8_t *)"", 0);
    ck_assert(kv->ops->iter_valid(it));
    const uint8_t *k, *v;
    size_t kl, vl;
    kv->ops->iter_entry(it, &k, &kl, &v, &vl);
    uint8_t key[64], node[STATE_SMT_NODE_MAX];
    memcpy(key, k, kl);
    memcpy(node, v, vl);
    kv->ops->iter_free(it);
    node[10] ^= 0x40;
    ck_assert_int_eq(kv->ops->batch_new(kv, &b), AG_OK);
    kv->ops->put(b, STATE_CF_NODES, key, kl, node, vl);
    ck_assert_int_eq(kv->ops->write(kv, b, false), AG_OK);
    kv->ops->batch_free(b);
    /* the first node record is the root of version 1: everything below it is refused */
    ck_assert_int_eq(state_store_get_at(s, 1, (const uint8_t *)"c7", 2, &val), AG_ERR_CORRUPT);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "path ''"));
    state_store_close(s);
    ag_buf_free(&val);
    ag_buf_free(&proof);
}
END_TEST

START_TEST(store_node_damage_detected_on_reopen)
{
    char dir[64];
    ag_test_mkdtemp(dir, "store");
    state_store *s;
    ck_assert_int_eq(state_store_open_path(&s, dir, NULL), AG_OK);
    for (int i = 0; i < 300; i++) {
        char key[16];
        int kl = snprintf(key, sizeof key, "n%d", i);
        state_store_set(s, (const uint8_t *)key, (size_t)kl, (const uint8_t *)"x", 1);
    }
    crypto_hash root;
    ck_assert_int_eq(state_store_commit(s, NULL, &root), AG_OK);
    state_store_close(s);
    /* flip a byte in a non-root node record through the raw kv */
    state_kv *kv;
    ck_assert_int_eq(state_kv_open_rocksdb(&kv, dir, NULL), AG_OK);
    state_kv_iter *it;
    ck_assert_int_eq(kv->ops->iter_new(kv, STATE_CF_NODES, &it), AG_OK);
    kv->ops->iter_seek(it, (const uint8_t *)"", 0);
    uint8_t key[64], node[STATE_SMT_NODE_MAX];
    size_t kl = 0, vl = 0;
    for (; kv->ops->iter_valid(it); kv->ops->iter_next(it)) {
        const uint8_t *k, *v;
        kv->ops->iter_entry(it, &k, &kl, &v, &vl);
        if (k[8] == 1) { /* depth 1 */
            memcpy(key, k, kl);
            memcpy(node, v, vl);
            break;
        }
    }
    kv->ops->iter_free(it);
    ck_assert_uint_gt(vl, 40);
    node[vl - 3] ^= 0x01;
    state_kv_batch *b;
    kv->ops->batch_new(kv, &b);
    kv->ops->put(b, STATE_CF_NODES, key, kl, node, vl);
    ck_assert_int_eq(kv->ops->write(kv, b, true), AG_OK);
    kv->ops->batch_free(b);
    state_kv_close(kv);
    ck_assert_int_eq(state_store_open_path(&s, dir, NULL), AG_OK);
    /* some key lives under the damaged node: reading all of them must hit it */
    int corrupt = 0;
    for (int i = 0; i < 300; i++) {
        char k2[16];
        int k2l = snprintf(k2, sizeof k2, "n%d", i);
        ag_buf val;
        ag_buf_init(&val, 0);
        ag_err err = state_store_get_at(s, 1, (const uint8_t *)k2, (size_t)k2l, &val);
        ck_assert(err == AG_OK || err == AG_ERR_CORRUPT);
        if (err == AG_ERR_CORRUPT) {
            ck_assert_ptr_nonnull(strstr(ag_err_detail(), "does not match its hash"));
            corrupt++;
        }
        ag_buf_free(&val);
    }
    ck_assert_int_gt(corrupt, 0);
    state_store_close(s);
    ag_test_rmdir(dir);
}
END_TEST

START_TEST(store_reopen_rocksdb)
{
    char dir[64];
    ag_test_mkdtemp(dir, "store");
    ag_rng rng;
    ag_test_rng(&rng, 35);
    state_omap model;
    state_omap_init(&model);
    crypto_hash root;
    for (int round = 0; round < 4; round++) {
        state_store *s;
        state_store_options o = {.keep_versions = 5};
        ck_assert_msg(state_store_open_path(&s, dir, &o) == AG_OK, "%s", ag_err_detail());
        ck_assert_uint_eq(state_store_version(s), (uint64_t)round * 3);
        for (int v = 0; v < 3; v++) {
            for (int i = 0; i < 200; i++) {
                uint8_t key[32], val[16];
                size_t klen;
                random_key(&rng, key, &klen, 500);
                ag_rng_fill(&rng, val, sizeof val);
                state_store_set(s, key, klen, val, sizeof val);
                state_omap_put(&model, key, klen, val, sizeof val);
            }
            ck_assert_int_eq(state_store_commit(s, NULL, &root), AG_OK);
        }
        crypto_hash want;
        model_root(&model, &want);
        ck_assert_mem_eq(root.b, want.b, 32);
        state_store_close(s);
    }
    state_omap_free(&model);
    ag_test_rmdir(dir);
}
END_TEST

static Suite *store_suite(void)
{
    Suite *s = suite_create("store");
    TCase *tc = ag_test_tcase("model");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, store_matches_model);
    tcase_add_test(tc, store_small_trees);
    tcase_add_test(tc, store_initial_version);
    tcase_add_test(tc, store_prepare_finish_abort);
    tcase_add_test(tc, store_history_matches_snapshots);
    suite_add_tcase(s, tc);
    tc = ag_test_tcase("pruning");
    tcase_add_test(tc, store_pruning_is_complete);
    tcase_add_test(tc, store_iterator_merges_staged);
    suite_add_tcase(s, tc);
    tc = ag_test_tcase("faults");
    tcase_add_test(tc, store_failed_writes_leave_it_consistent);
    tcase_add_test(tc, store_reads_through_cache_match_model);
    tcase_add_test(tc, store_detects_corruption);
    tcase_add_test(tc, store_node_damage_detected_on_reopen);
    tcase_add_test(tc, store_reopen_rocksdb);
    suite_add_tcase(s, tc);
    return s;
}

AG_TEST_MAIN(store_suite)
