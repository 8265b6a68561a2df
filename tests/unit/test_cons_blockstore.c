/* The block store and the consensus state store: save/load round trips,
 * contiguity and commit checks, the seen commit, the hash index, pruning,
 * all-or-nothing saves under injected write failures, reopening on RocksDB,
 * validator sets and params stored on change, the state record codec. */
#include <stdlib.h>
#include <string.h>

#include "consensus/block_store.h"
#include "consensus/state_store.h"
#include "tests/harness/ag_test.h"

static const char *CHAIN = "agora-test";

typedef struct chain {
    int64_t n;
    cons_header *headers;
    ag_buf *blocks;
    cons_block_id *ids;
} chain;

static void make_commit(cons_commit *c, int64_t h, const cons_block_id *id, uint8_t tag)
{
    ck_assert_int_eq(cons_commit_alloc(c, 2), AG_OK);
    c->height = h;
    c->round = 0;
    c->block_id = *id;
    c->sigs[0].flag = CONS_BLOCK_ID_FLAG_COMMIT;
    c->sigs[0].has_address = true;
    memset(c->sigs[0].validator_address.b, tag, CRYPTO_ADDRESS_LEN);
    c->sigs[0].timestamp = (cons_timestamp){1700000000 + h, tag};
    c->sigs[0].signature.len = 64;
    memset(c->sigs[0].signature.b, tag, 64);
}

/* n headers and blocks (some over one part) chained by last_block_id. */
static void make_chain(chain *c, int64_t n, int64_t first, uint64_t stream)
{
    ag_rng rng;
    ag_test_rng(&rng, stream);
    c->n = n;
    c->headers = calloc((size_t)n, sizeof *c->headers);
    c->blocks = calloc((size_t)n, sizeof *c->blocks);
    c->ids = calloc((size_t)n, sizeof *c->ids);
    for (int64_t i = 0; i < n; i++) {
        cons_header *h = &c->headers[i];
        h->version.block = CONS_BLOCK_PROTOCOL;
        strcpy(h->chain_id, CHAIN);
        h->height = first + i;
        h->time = (cons_timestamp){1700000000 + i, 0};
        if (i)
            h->last_block_id = c->ids[i - 1];
        uint8_t hb[32];
        ag_rng_fill(&rng, hb, 32);
        cons_hash_set(&h->validators_hash, hb);
        cons_hash_set(&h->next_validators_hash, hb);
        size_t len = 1 + (size_t)ag_rng_below(&rng, (i % 4 == 3) ? 200000 : 3000);
        ag_buf_init(&c->blocks[i], 0);
        ck_assert_int_eq(ag_buf_reserve(&c->blocks[i], len), AG_OK);
        ag_rng_fill(&rng, c->blocks[i].data, len);
        c->blocks[i].len = len;
        cons_part_set ps;
        ck_assert_int_eq(cons_part_set_from_data(&ps, c->blocks[i].data, len), AG_OK);
        c->ids[i].parts = ps.header;
        cons_part_set_free(&ps);
        crypto_hash hh;
        ck_assert_int_eq(cons_header_hash(&hh, h), AG_OK);
        cons_hash_set(&c->ids[i].hash, hh.b);
    }
}

static void chain_free(chain *c)
{
    for (int64_t i = 0; i < c->n; i++)
        ag_buf_free(&c->blocks[i]);
    free(c->headers);
    free(c->blocks);
    free(c->ids);
}

static ag_err save_block(cons_block_store *bs, chain *c, int64_t i)
{
    cons_part_set ps;
    ck_assert_int_eq(cons_part_set_from_data(&ps, c->blocks[i].data, c->blocks[i].len), AG_OK);
    c->ids[i].parts = ps.header;
    cons_commit last = {0}, seen = {0};
    if (i)
        make_commit(&last, c->headers[i].height - 1, &c->ids[i - 1], (uint8_t)i);
    make_commit(&seen, c->headers[i].height, &c->ids[i], (uint8_t)(i + 100));
    ag_err e =
        cons_block_store_save(bs, &c->headers[i], &ps, (int64_t)i * 3, i ? &last : NULL, &seen);
    cons_commit_clear(&last);
    cons_commit_clear(&seen);
    cons_part_set_free(&ps);
    return e;
}

static void check_block(cons_block_store *bs, chain *c, int64_t i)
{
    int64_t h = c->headers[i].height;
    cons_block_meta m;
    ck_assert_int_eq(cons_block_store_load_meta(bs, h, &m), AG_OK);
    ck_assert(cons_block_id_equal(&m.block_id, &c->ids[i]));
    ck_assert_int_eq(m.header.height, h);
    ck_assert_int_eq(m.num_txs, i * 3);
    ck_assert_int_eq(m.block_size, (int64_t)c->blocks[i].len);
    crypto_hash hh;
    memcpy(hh.b, c->ids[i].hash.b, 32);
    cons_block_meta m2;
    ck_assert_int_eq(cons_block_store_load_meta_by_hash(bs, &hh, &m2), AG_OK);
    ck_assert_int_eq(m2.header.height, h);
    ag_buf b;
    ag_buf_init(&b, 0);
    ck_assert_int_eq(cons_block_store_load_block(bs, h, &b), AG_OK);
    ck_assert_uint_eq(b.len, c->blocks[i].len);
    ck_assert(memcmp(b.data, c->blocks[i].data, b.len) == 0);
    ag_buf_reset(&b);
    ck_assert_int_eq(cons_block_store_load_part(bs, h, 0, &b), AG_OK);
    cons_part p = {0};
    ck_assert_int_eq(cons_part_decode(&p, b.data, b.len), AG_OK);
    ck_assert_uint_eq(p.index, 0);
    cons_part_clear(&p);
    ag_buf_reset(&b);
    ck_assert_int_eq(cons_block_store_load_part(bs, h, m.block_id.parts.total, &b),
                     AG_ERR_NOT_FOUND);
    ag_buf_free(&b);
}

START_TEST(blockstore_round_trip)
{
    state_kv *kv;
    ck_assert_int_eq(state_kv_open_memory(&kv), AG_OK);
    cons_block_store *bs;
    ck_assert_int_eq(cons_block_store_open(&bs, kv, NULL), AG_OK);
    ck_assert_int_eq(cons_block_store_base(bs), 0);
    ck_assert_int_eq(cons_block_store_height(bs), 0);
    chain c;
    make_chain(&c, 12, 5, 1);
    for (int64_t i = 0; i < c.n; i++)
        ck_assert_int_eq(save_block(bs, &c, i), AG_OK);
    ck_assert_int_eq(cons_block_store_base(bs), 5);
    ck_assert_int_eq(cons_block_store_height(bs), 16);
    for (int64_t i = 0; i < c.n; i++)
        check_block(bs, &c, i);
    /* commits: for h < 16 from the next block; the seen commit only for 16 */
    cons_commit cm = {0};
    for (int64_t h = 5; h < 16; h++) {
        ck_assert_int_eq(cons_block_store_load_commit(bs, h, &cm), AG_OK);
        ck_assert_int_eq(cm.height, h);
        ck_assert(cons_block_id_equal(&cm.block_id, &c.ids[h - 5]));
        cons_commit_clear(&cm);
        ck_assert_int_eq(cons_block_store_load_seen_commit(bs, h, &cm), AG_ERR_NOT_FOUND);
    }
    ck_assert_int_eq(cons_block_store_load_commit(bs, 16, &cm), AG_ERR_NOT_FOUND);
    ck_assert_int_eq(cons_block_store_load_seen_commit(bs, 16, &cm), AG_OK);
    ck_assert(cons_block_id_equal(&cm.block_id, &c.ids[11]));
    cons_commit_clear(&cm);
    cons_block_meta m;
    ck_assert_int_eq(cons_block_store_load_meta(bs, 4, &m), AG_ERR_NOT_FOUND);
    ck_assert_int_eq(cons_block_store_load_meta(bs, 17, &m), AG_ERR_NOT_FOUND);
    crypto_hash unknown = {{0}};
    ck_assert_int_eq(cons_block_store_load_meta_by_hash(bs, &unknown, &m), AG_ERR_NOT_FOUND);
    /* reopen over the same KV */
    cons_block_store_close(bs);
    ck_assert_int_eq(cons_block_store_open(&bs, kv, NULL), AG_OK);
    ck_assert_int_eq(cons_block_store_base(bs), 5);
    ck_assert_int_eq(cons_block_store_height(bs), 16);
    check_block(bs, &c, 7);
    cons_block_store_close(bs);
    state_kv_close(kv);
    chain_free(&c);
}
END_TEST

START_TEST(blockstore_rules)
{
    state_kv *kv;
    ck_assert_int_eq(state_kv_open_memory(&kv), AG_OK);
    cons_block_store *bs;
    ck_assert_int_eq(cons_block_store_open(&bs, kv, NULL), AG_OK);
    chain c;
    make_chain(&c, 4, 1, 2);
    ck_assert_int_eq(save_block(bs, &c, 0), AG_OK);
    /* a gap */
    ck_assert_int_eq(save_block(bs, &c, 2), AG_ERR_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(ag_err_detail(), "does not follow"));
    /* the same height again */
    ck_assert_int_eq(save_block(bs, &c, 0), AG_ERR_INVALID_ARG);
    cons_part_set ps;
    ck_assert_int_eq(cons_part_set_from_data(&ps, c.blocks[1].data, c.blocks[1].len), AG_OK);
    c.ids[1].parts = ps.header;
    cons_commit last = {0}, seen = {0}, wrong = {0};
    make_commit(&last, 1, &c.ids[0], 1);
    make_commit(&seen, 2, &c.ids[1], 2);
    make_commit(&wrong, 1, &c.ids[1], 1); /* names another block */
    ck_assert_int_eq(cons_block_store_save(bs, &c.headers[1], &ps, 0, NULL, &seen),
                     AG_ERR_INVALID_ARG);
    ck_assert_int_eq(cons_block_store_save(bs, &c.headers[1], &ps, 0, &wrong, &seen),
                     AG_ERR_INVALID_ARG);
    ck_assert_int_eq(cons_block_store_save(bs, &c.headers[1], &ps, 0, &last, &last),
                     AG_ERR_INVALID_ARG);
    /* an incomplete part set */
    cons_part_set partial;
    ck_assert_int_eq(cons_part_set_init(&partial, &ps.header), AG_OK);
    ck_assert_int_eq(cons_block_store_save(bs, &c.headers[1], &partial, 0, &last, &seen),
                     AG_ERR_STATE);
    cons_part_set_free(&partial);
    ck_assert_int_eq(cons_block_store_save(bs, &c.headers[1], &ps, 0, &last, &seen), AG_OK);
    ck_assert_int_eq(cons_block_store_height(bs), 2);
    cons_commit_clear(&last);
    cons_commit_clear(&seen);
    cons_commit_clear(&wrong);
    cons_part_set_free(&ps);
    cons_block_store_close(bs);
    state_kv_close(kv);
    chain_free(&c);
}
END_TEST

START_TEST(blockstore_prune)
{
    state_kv *kv;
    ck_assert_int_eq(state_kv_open_memory(&kv), AG_OK);
    cons_block_store *bs;
    ck_assert_int_eq(cons_block_store_open(&bs, kv, NULL), AG_OK);
    chain c;
    make_chain(&c, 20, 1, 3);
    for (int64_t i = 0; i < c.n; i++)
        ck_assert_int_eq(save_block(bs, &c, i), AG_OK);
    uint64_t pruned;
    ck_assert_int_eq(cons_block_store_prune(bs, 21, &pruned), AG_ERR_INVALID_ARG);
    ck_assert_int_eq(cons_block_store_prune(bs, 8, &pruned), AG_OK);
    ck_assert_uint_eq(pruned, 7);
    ck_assert_int_eq(cons_block_store_base(bs), 8);
    ck_assert_int_eq(cons_block_store_prune(bs, 5, &pruned), AG_OK); /* below base: no-op */
    ck_assert_uint_eq(pruned, 0);
    cons_block_meta m;
    ag_buf b;
    ag_buf_init(&b, 0);
    for (int64_t h = 1; h < 8; h++) {
        ck_assert_int_eq(cons_block_store_load_meta(bs, h, &m), AG_ERR_NOT_FOUND);
        ck_assert_int_eq(cons_block_store_load_block(bs, h, &b), AG_ERR_NOT_FOUND);
        crypto_hash hh;
        memcpy(hh.b, c.ids[h - 1].hash.b, 32);
        ck_assert_int_eq(cons_block_store_load_meta_by_hash(bs, &hh, &m), AG_ERR_NOT_FOUND);
    }
    ag_buf_free(&b);
    /* nothing of the pruned heights is left in the KV */
    state_kv_iter *it;
    ck_assert_int_eq(kv->ops->iter_new(kv, STATE_CF_META, &it), AG_OK);
    size_t keys = 0;
    for (kv->ops->iter_seek(it, (const uint8_t *)"", 0); kv->ops->iter_valid(it);
         kv->ops->iter_next(it)) {
        const uint8_t *k, *v;
        size_t kl, vl;
        kv->ops->iter_entry(it, &k, &kl, &v, &vl);
        if (kl == 13 && (memcmp(k, "bs/H/", 5) == 0 || memcmp(k, "bs/C/", 5) == 0)) {
            uint64_t h = 0;
            for (int i = 5; i < 13; i++)
                h = h << 8 | k[i];
            ck_assert_uint_ge(h, 8);
        }
        keys++;
    }
    kv->ops->iter_free(it);
    ck_assert_uint_gt(keys, 0);
    for (int64_t i = 7; i < c.n; i++)
        check_block(bs, &c, i);
    cons_block_store_close(bs);
    ck_assert_int_eq(cons_block_store_open(&bs, kv, NULL), AG_OK);
    ck_assert_int_eq(cons_block_store_base(bs), 8);
    ck_assert_int_eq(cons_block_store_height(bs), 20);
    cons_block_store_close(bs);
    state_kv_close(kv);
    chain_free(&c);
}
END_TEST

/* A failed batch write leaves the store exactly as before; the retry works. */
START_TEST(blockstore_atomic_save)
{
    state_kv *mem, *kv;
    ck_assert_int_eq(state_kv_open_memory(&mem), AG_OK);
    ck_assert_int_eq(state_kv_wrap_faulty(&kv, mem, 3, 0), AG_OK);
    cons_block_store *bs;
    ck_assert_int_eq(cons_block_store_open(&bs, kv, NULL), AG_OK);
    chain c;
    make_chain(&c, 5, 1, 4);
    ck_assert_int_eq(save_block(bs, &c, 0), AG_OK);
    ck_assert_int_eq(save_block(bs, &c, 1), AG_OK);
    ck_assert_int_eq(save_block(bs, &c, 2), AG_ERR_IO);
    ck_assert_int_eq(cons_block_store_height(bs), 2);
    cons_block_meta m;
    ag_buf b;
    ag_buf_init(&b, 0);
    ck_assert_int_eq(cons_block_store_load_meta(bs, 3, &m), AG_ERR_NOT_FOUND);
    ck_assert_int_eq(cons_block_store_load_part(bs, 3, 0, &b), AG_ERR_NOT_FOUND);
    crypto_hash hh;
    memcpy(hh.b, c.ids[2].hash.b, 32);
    ck_assert_int_eq(cons_block_store_load_meta_by_hash(bs, &hh, &m), AG_ERR_NOT_FOUND);
    cons_commit cm = {0};
    ck_assert_int_eq(cons_block_store_load_seen_commit(bs, 2, &cm), AG_OK); /* still there */
    cons_commit_clear(&cm);
    ag_buf_free(&b);
    cons_block_store_close(bs);
    ck_assert_int_eq(cons_block_store_open(&bs, kv, NULL), AG_OK);
    ck_assert_int_eq(cons_block_store_height(bs), 2);
    ck_assert_int_eq(save_block(bs, &c, 2), AG_OK);
    check_block(bs, &c, 2);
    cons_block_store_close(bs);
    state_kv_close(kv);
    chain_free(&c);
}
END_TEST

START_TEST(blockstore_rocksdb_reopen)
{
    char dir[64];
    ag_test_mkdtemp(dir, "bsrdb");
    state_kv_rocksdb_options o = {
        .block_cache_bytes = 8 << 20, .write_buffer_bytes = 4 << 20, .create_if_missing = true};
    state_kv *kv;
    ck_assert_int_eq(state_kv_open_rocksdb(&kv, dir, &o), AG_OK);
    cons_block_store *bs;
    cons_block_store_options bo = {.sync = true};
    ck_assert_int_eq(cons_block_store_open(&bs, kv, &bo), AG_OK);
    chain c;
    make_chain(&c, 6, 1, 5);
    for (int64_t i = 0; i < c.n; i++)
        ck_assert_int_eq(save_block(bs, &c, i), AG_OK);
    cons_block_store_close(bs);
    state_kv_close(kv);
    ck_assert_int_eq(state_kv_open_rocksdb(&kv, dir, &o), AG_OK);
    ck_assert_int_eq(cons_block_store_open(&bs, kv, &bo), AG_OK);
    ck_assert_int_eq(cons_block_store_height(bs), 6);
    for (int64_t i = 0; i < c.n; i++)
        check_block(bs, &c, i);
    cons_block_store_close(bs);
    state_kv_close(kv);
    chain_free(&c);
    ag_test_rmdir(dir);
}
END_TEST

/* ---- state store ---- */

static void make_vals(cons_validator *v, size_t n, uint64_t stream)
{
    ag_rng rng;
    ag_test_rng(&rng, stream);
    for (size_t i = 0; i < n; i++) {
        crypto_privkey k;
        uint8_t b[32];
        do
            ag_rng_fill(&rng, b, 32);
        while (crypto_privkey_from_bytes(&k, b, 32) != AG_OK);
        crypto_pubkey pub;
        ck_assert_int_eq(crypto_pubkey_from_privkey(&pub, &k), AG_OK);
        cons_validator_init(&v[i], &pub, 10 + (int64_t)ag_rng_below(&rng, 90));
    }
}

static void genesis_state(cons_state *st, const cons_validator *vals, size_t n)
{
    memset(st, 0, sizeof *st);
    st->version.block = CONS_BLOCK_PROTOCOL;
    strcpy(st->software, "agora-test");
    strcpy(st->chain_id, CHAIN);
    st->initial_height = 1;
    st->last_block_time = (cons_timestamp){1700000000, 5};
    ck_assert_int_eq(cons_valset_new(&st->validators, vals, n), AG_OK);
    ck_assert_int_eq(cons_valset_copy(&st->next_validators, &st->validators), AG_OK);
    ck_assert_int_eq(cons_valset_increment(&st->next_validators, 1), AG_OK);
    st->last_height_validators_changed = 1;
    ck_assert_int_eq(cons_state_set_params(st, (const uint8_t *)"\x0a\x02\x08\x01", 4), AG_OK);
    st->last_height_consensus_params_changed = 1;
}

/* CometBFT's updateState for the parts the store sees. */
static void next_state(cons_state *st, const cons_validator *change, bool new_params)
{
    int64_t h = st->last_block_height + (st->last_block_height ? 1 : st->initial_height);
    cons_valset_free(&st->last_validators);
    st->last_validators = st->validators;
    st->validators = st->next_validators;
    ck_assert_int_eq(cons_valset_copy(&st->next_validators, &st->validators), AG_OK);
    if (change) {
        ck_assert_int_eq(cons_valset_update(&st->next_validators, change, 1), AG_OK);
        st->last_height_validators_changed = h + 2;
    }
    ck_assert_int_eq(cons_valset_increment(&st->next_validators, 1), AG_OK);
    if (new_params) {
        uint8_t p[4] = {0x0a, 0x02, 0x08, (uint8_t)(h & 0x7f)};
        ck_assert_int_eq(cons_state_set_params(st, p, 4), AG_OK);
        st->last_height_consensus_params_changed = h + 1;
    }
    st->last_block_height = h;
    st->last_block_id.hash.len = 32;
    memset(st->last_block_id.hash.b, (int)h, 32);
    st->last_block_id.parts.total = 1;
    st->last_block_id.parts.hash = st->last_block_id.hash;
    st->app_hash.len = 32;
    memset(st->app_hash.b, (int)(h * 7), 32);
}

static void expect_hash(cons_state_store *ss, int64_t h, const crypto_hash *want)
{
    cons_valset vs;
    ck_assert_msg(cons_state_store_load_validators(ss, h, &vs) == AG_OK, "height %ld: %s", (long)h,
                  ag_err_detail());
    crypto_hash got;
    ck_assert_int_eq(cons_valset_hash(&got, &vs), AG_OK);
    ck_assert_msg(memcmp(got.b, want->b, 32) == 0, "validators of %ld differ", (long)h);
    cons_valset_free(&vs);
}

START_TEST(statestore_validators_params_prune)
{
    state_kv *kv;
    ck_assert_int_eq(state_kv_open_memory(&kv), AG_OK);
    cons_state_store *ss;
    ck_assert_int_eq(cons_state_store_open(&ss, kv, true), AG_OK);
    cons_state st, got;
    ck_assert_int_eq(cons_state_store_load(ss, &got), AG_ERR_NOT_FOUND);
    cons_validator vals[5];
    make_vals(vals, 5, 20);
    genesis_state(&st, vals, 4);
    ck_assert_int_eq(cons_state_store_save(ss, &st), AG_OK);
    enum { N = 40 };
    crypto_hash want[N + 3];
    uint8_t want_params[N + 3];
    ck_assert_int_eq(cons_valset_hash(&want[1], &st.validators), AG_OK);
    ck_assert_int_eq(cons_valset_hash(&want[2], &st.next_validators), AG_OK);
    want_params[1] = 1;
    for (int64_t h = 1; h <= N; h++) {
        cons_validator change = vals[h % 5];
        change.voting_power = 5 + h;
        bool vchange = h % 7 == 0, pchange = h % 9 == 0;
        next_state(&st, vchange ? &change : NULL, pchange);
        ck_assert_int_eq(cons_state_store_save(ss, &st), AG_OK);
        ck_assert_int_eq(cons_valset_hash(&want[h + 2], &st.next_validators), AG_OK);
        want_params[h + 1] = st.consensus_params[3];
        uint8_t resp[8];
        memset(resp, (int)h, sizeof resp);
        ck_assert_int_eq(cons_state_store_save_finalize_response(ss, h, resp, sizeof resp), AG_OK);
    }
    /* the latest state round-trips */
    ck_assert_int_eq(cons_state_store_load(ss, &got), AG_OK);
    ag_buf a, b;
    ag_buf_init(&a, 0);
    ag_buf_init(&b, 0);
    ck_assert_int_eq(cons_state_encode(&a, &st), AG_OK);
    ck_assert_int_eq(cons_state_encode(&b, &got), AG_OK);
    ck_assert_uint_eq(a.len, b.len);
    ck_assert(memcmp(a.data, b.data, a.len) == 0);
    ck_assert_int_eq(got.last_block_height, N);
    ck_assert_str_eq(got.chain_id, CHAIN);
    cons_state_clear(&got);
    for (int64_t h = 1; h <= N + 2; h++)
        expect_hash(ss, h, &want[h]);
    for (int64_t h = 1; h <= N + 1; h++) {
        ag_buf_reset(&a);
        ck_assert_int_eq(cons_state_store_load_params(ss, h, &a), AG_OK);
        ck_assert_uint_eq(a.len, 4);
        ck_assert_uint_eq(a.data[3], want_params[h]);
    }
    cons_valset vs;
    ck_assert_int_eq(cons_state_store_load_validators(ss, N + 3, &vs), AG_ERR_NOT_FOUND);
    /* prune below 32: the change records 30 (validators) and 28 (params)
     * that later heights point to survive */
    ck_assert_int_eq(cons_state_store_prune(ss, N + 1), AG_ERR_INVALID_ARG);
    ck_assert_int_eq(cons_state_store_prune(ss, 32), AG_OK);
    for (int64_t h = 1; h < 32; h++) {
        ag_buf_reset(&a);
        ck_assert_int_eq(cons_state_store_load_finalize_response(ss, h, &a), AG_ERR_NOT_FOUND);
    }
    ag_buf_reset(&a);
    ck_assert_int_eq(cons_state_store_load_finalize_response(ss, 32, &a), AG_OK);
    ck_assert_uint_eq(a.len, 8);
    ck_assert_uint_eq(a.data[0], 32);
    ck_assert_int_eq(cons_state_store_load_validators(ss, 10, &vs), AG_ERR_NOT_FOUND);
    ck_assert_int_eq(cons_state_store_load_validators(ss, 31, &vs), AG_ERR_NOT_FOUND);
    /* exactly the two referenced change records are left below 32 */
    size_t below = 0;
    state_kv_iter *it;
    ck_assert_int_eq(kv->ops->iter_new(kv, STATE_CF_META, &it), AG_OK);
    for (kv->ops->iter_seek(it, (const uint8_t *)"ss/", 3); kv->ops->iter_valid(it);
         kv->ops->iter_next(it)) {
        const uint8_t *k, *v;
        size_t kl, vl;
        kv->ops->iter_entry(it, &k, &kl, &v, &vl);
        if (kl == 13 && k[11] * 256 + k[12] < 32) {
            below++;
            ck_assert((k[3] == 'V' && k[12] == 30) || (k[3] == 'P' && k[12] == 28));
        }
    }
    kv->ops->iter_free(it);
    ck_assert_uint_eq(below, 2);
    for (int64_t h = 32; h <= N + 2; h++)
        expect_hash(ss, h, &want[h]);
    for (int64_t h = 32; h <= N + 1; h++) {
        ag_buf_reset(&a);
        ck_assert_int_eq(cons_state_store_load_params(ss, h, &a), AG_OK);
        ck_assert_uint_eq(a.data[3], want_params[h]);
    }
    ag_buf_free(&a);
    ag_buf_free(&b);
    cons_state_clear(&st);
    cons_state_store_close(ss);
    state_kv_close(kv);
}
END_TEST

START_TEST(statestore_codec_and_errors)
{
    cons_validator vals[3];
    make_vals(vals, 3, 30);
    cons_state st, back, copy;
    genesis_state(&st, vals, 3);
    st.last_results_hash.len = 32;
    memset(st.last_results_hash.b, 9, 32);
    ag_buf a, b;
    ag_buf_init(&a, 0);
    ag_buf_init(&b, 0);
    ck_assert_int_eq(cons_state_encode(&a, &st), AG_OK);
    ck_assert_int_eq(cons_state_decode(&back, a.data, a.len), AG_OK);
    ck_assert_int_eq(back.last_validators.n, 0);
    ck_assert_int_eq(back.validators.n, 3);
    ck_assert_int_eq(cons_state_copy(&copy, &back), AG_OK);
    ck_assert_int_eq(cons_state_encode(&b, &copy), AG_OK);
    ck_assert_uint_eq(a.len, b.len);
    ck_assert(memcmp(a.data, b.data, a.len) == 0);
    /* every truncation fails cleanly or decodes (never crashes) */
    for (size_t n = 0; n < a.len; n++) {
        cons_state t;
        if (cons_state_decode(&t, a.data, n) == AG_OK)
            cons_state_clear(&t);
        else
            ck_assert_int_eq(t.validators.n, 0);
    }
    cons_state_clear(&copy);
    ck_assert_int_eq(cons_state_decode(&copy, a.data, 0), AG_OK); /* all defaults */
    cons_state_clear(&copy);
    cons_state_clear(&back);
    /* save refuses inconsistent states */
    state_kv *kv;
    ck_assert_int_eq(state_kv_open_memory(&kv), AG_OK);
    cons_state_store *ss;
    ck_assert_int_eq(cons_state_store_open(&ss, kv, false), AG_OK);
    st.last_height_validators_changed = 5;
    ck_assert_int_eq(cons_state_store_save(ss, &st), AG_ERR_INVALID_ARG);
    st.last_height_validators_changed = 1;
    st.initial_height = 0;
    ck_assert_int_eq(cons_state_store_save(ss, &st), AG_ERR_INVALID_ARG);
    st.initial_height = 1;
    ck_assert_int_eq(cons_state_store_save(ss, &st), AG_OK);
    uint8_t big[1];
    ck_assert_int_eq(
        cons_state_store_save_finalize_response(ss, 1, big, (size_t)CONS_FINALIZE_RESPONSE_MAX + 1),
        AG_ERR_TOO_LARGE);
    /* a corrupt state record */
    state_kv_batch *bt;
    ck_assert_int_eq(kv->ops->batch_new(kv, &bt), AG_OK);
    ck_assert_int_eq(kv->ops->put(bt, STATE_CF_META, (const uint8_t *)"ss/state", 8,
                                  (const uint8_t *)"\x12\xff", 2),
                     AG_OK);
    ck_assert_int_eq(kv->ops->write(kv, bt, false), AG_OK);
    kv->ops->batch_free(bt);
    ck_assert_int_eq(cons_state_store_load(ss, &back), AG_ERR_CORRUPT);
    cons_state_store_close(ss);
    state_kv_close(kv);
    ag_buf_free(&a);
    ag_buf_free(&b);
    cons_state_clear(&st);
}
END_TEST

static Suite *store_suite(void)
{
    Suite *s = suite_create("cons_blockstore");
    TCase *tc = ag_test_tcase("blockstore");
    tcase_add_test(tc, blockstore_round_trip);
    tcase_add_test(tc, blockstore_rules);
    tcase_add_test(tc, blockstore_prune);
    tcase_add_test(tc, blockstore_atomic_save);
    tcase_add_test(tc, blockstore_rocksdb_reopen);
    suite_add_tcase(s, tc);
    tc = ag_test_tcase("statestore");
    tcase_add_test(tc, statestore_validators_params_prune);
    tcase_add_test(tc, statestore_codec_and_errors);
    suite_add_tcase(s, tc);
    return s;
}

AG_TEST_MAIN(store_suite)
