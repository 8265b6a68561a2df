/* The CometBFT Block type and duplicate-vote evidence: codecs, hashes,
 * validation, verification with real signed votes, the evidence pool.
 *
 * External vector (a fact taken from Tendermint's Go tests):
 *   evidence/reactor_test.go TestEvidenceVectors — the EvidenceList encoding
 *   of NewDuplicateVoteEvidence(exampleVote(1), exampleVote(2),
 *   2019-01-01T00:00:00Z, a set of one validator of power 10).
 * Everything else checks CometBFT's rules as written in types/block.go,
 * types/evidence.go and evidence/{pool,verify}.go. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consensus/block.h"
#include "consensus/evidence.h"
#include "consensus/wire.h"
#include "lib/hex.h"
#include "tendermint/types/block.pb-c.h"
#include "tests/harness/ag_test.h"

static void sum(uint8_t out[32], const char *s)
{
    crypto_sha256(out, s, strlen(s));
}

static void check_hex(const uint8_t *got, size_t len, const char *want_hex)
{
    char *hex = malloc(2 * len + 1);
    ag_hex_encode(hex, got, len, false);
    ck_assert_str_eq(hex, want_hex);
    free(hex);
}

/* ---- the external vector ---- */

static cons_vote example_vote(int type)
{
    cons_vote v = {0};
    v.type = (cons_msg_type)type;
    v.height = 3;
    v.round = 2;
    v.timestamp = (cons_timestamp){1514170801, 234000000}; /* 2017-12-25T03:00:01.234Z */
    uint8_t h[32];
    sum(h, "blockID_hash");
    cons_hash_set(&v.block_id.hash, h);
    v.block_id.parts.total = 1000000;
    sum(h, "blockID_part_set_header_hash");
    cons_hash_set(&v.block_id.parts.hash, h);
    sum(h, "validator_address"); /* crypto.AddressHash: first 20 bytes of SHA-256 */
    memcpy(v.validator_address.b, h, 20);
    v.validator_index = 56789;
    return v;
}

static const char evidence_list_vector[] =
    "0a85020a82020a79080210031802224a0a208b01023386c371778ecb6368573e539afc3cc860ec3a2f614e54fe5652"
    "f4fc80122608c0843d122072db3d959635dff1bb567bedaa70573392c5159666a3f8caf11e413aac52207a2a0b08b1"
    "d381d20510809dca6f32146af1f4111082efb388211bc72c55bcd61e9ac3d538d5bb031279080110031802224a0a20"
    "8b01023386c371778ecb6368573e539afc3cc860ec3a2f614e54fe5652f4fc80122608c0843d122072db3d959635df"
    "f1bb567bedaa70573392c5159666a3f8caf11e413aac52207a2a0b08b1d381d20510809dca6f32146af1f4111082ef"
    "b388211bc72c55bcd61e9ac3d538d5bb03180a200a2a060880dbaae105";

START_TEST(evidence_list_vector_encoding)
{
    cons_vote v1 = example_vote(1), v2 = example_vote(2);
    /* equal block ids: NewDuplicateVoteEvidence puts vote2 first */
    ck_assert_int_eq(cons_block_id_key_cmp(&v1.block_id, &v2.block_id), 0);
    cons_validator val = {0};
    val.address = v1.validator_address;
    val.voting_power = 10;
    cons_valset vs = {&val, 1, 10, false, {{0}}};
    cons_evidence e;
    ck_assert_int_eq(cons_evidence_new(&e, &v1, &v2, (cons_timestamp){1546300800, 0}, &vs), AG_OK);
    ck_assert_int_eq(e.vote_a.type, CONS_MSG_PRECOMMIT);
    ck_assert_int_eq(e.total_voting_power, 10);
    ck_assert_int_eq(e.validator_power, 10);
    ag_buf b, list;
    ag_buf_init(&b, 0);
    ag_buf_init(&list, 0);
    ck_assert_int_eq(cons_evidence_encode_wrapped(&b, &e), AG_OK);
    ck_assert_int_eq(cons_wire_put_bytes(&list, 1, b.data, b.len), AG_OK);
    check_hex(list.data, list.len, evidence_list_vector);
    ck_assert_uint_eq(cons_evidence_wrapped_size(&e), b.len);
    /* Agora's vote decoder refuses the vector's 1000000 parts (over
     * CONS_BLOCK_PARTS_MAX, a part count no block can have) */
    cons_evidence d;
    ck_assert_int_eq(cons_evidence_decode_wrapped(&d, b.data, b.len), AG_ERR_DECODE);
    /* with a possible part count it decodes and re-encodes identically */
    e.vote_a.block_id.parts.total = e.vote_b.block_id.parts.total = 7;
    ag_buf_reset(&b);
    ck_assert_int_eq(cons_evidence_encode_wrapped(&b, &e), AG_OK);
    ag_err derr = cons_evidence_decode_wrapped(&d, b.data, b.len);
    ck_assert_msg(derr == AG_OK, "%s", ag_err_detail());
    ag_buf_reset(&list);
    ck_assert_int_eq(cons_evidence_encode_wrapped(&list, &d), AG_OK);
    ck_assert_uint_eq(list.len, b.len);
    ck_assert_mem_eq(list.data, b.data, b.len);
    ck_assert_uint_eq(cons_evidence_wrapped_size(&d), b.len);
    /* Hash = SHA256(Bytes()), the list hash a one-leaf Merkle root of Bytes() */
    ag_buf_reset(&list);
    ck_assert_int_eq(cons_evidence_encode(&list, &e), AG_OK);
    crypto_hash h, want;
    ck_assert_int_eq(cons_evidence_hash(&h, &e), AG_OK);
    crypto_sha256(want.b, list.data, list.len);
    ck_assert_mem_eq(h.b, want.b, 32);
    ck_assert_int_eq(cons_evidence_list_hash(&h, &e, 1), AG_OK);
    cons_merkle_leaf_hash(&want, list.data, list.len);
    ck_assert_mem_eq(h.b, want.b, 32);
    /* unsigned votes fail ValidateBasic */
    ck_assert_int_eq(cons_evidence_validate_basic(&e), AG_ERR_DECODE);
    cons_evidence_clear(&e);
    cons_evidence_clear(&d);
    ag_buf_free(&b);
    ag_buf_free(&list);
}
END_TEST

/* ---- a network of real keys ---- */

#define NVAL 4
static const char *chain = "agora-test";

typedef struct net {
    crypto_privkey keys[NVAL];
    cons_valset vs;
} net;

static void net_init(net *n)
{
    cons_validator vals[NVAL];
    for (int i = 0; i < NVAL; i++) {
        uint8_t kb[32];
        memset(kb, 0, sizeof kb);
        kb[31] = (uint8_t)(i + 1);
        kb[0] = 0x42;
        ck_assert_int_eq(crypto_privkey_from_bytes(&n->keys[i], kb, 32), AG_OK);
        crypto_pubkey pub;
        ck_assert_int_eq(crypto_pubkey_from_privkey(&pub, &n->keys[i]), AG_OK);
        cons_validator_init(&vals[i], &pub, 10 * (i + 1));
    }
    ck_assert_int_eq(cons_valset_new(&n->vs, vals, NVAL), AG_OK);
}

static const crypto_privkey *key_of(net *n, size_t set_index)
{
    for (int i = 0; i < NVAL; i++) {
        crypto_pubkey pub;
        crypto_pubkey_from_privkey(&pub, &n->keys[i]);
        crypto_address a;
        crypto_address_from_pubkey(&a, &pub);
        if (crypto_address_equal(&a, &n->vs.vals[set_index].address))
            return &n->keys[i];
    }
    ck_abort_msg("no key");
    return NULL;
}

static cons_vote signed_vote(net *n, size_t val, int64_t height, int32_t round, const char *block)
{
    cons_vote v = {0};
    v.type = CONS_MSG_PREVOTE;
    v.height = height;
    v.round = round;
    v.timestamp = (cons_timestamp){1700000000 + height, 0};
    if (block) {
        uint8_t h[32];
        sum(h, block);
        cons_hash_set(&v.block_id.hash, h);
        v.block_id.parts.total = 1;
        h[0] ^= 1;
        cons_hash_set(&v.block_id.parts.hash, h);
    }
    v.validator_index = (int32_t)val;
    ck_assert_int_eq(cons_vote_sign(&v, chain, key_of(n, val), false), AG_OK);
    return v;
}

static cons_timestamp block_time(int64_t h)
{
    return (cons_timestamp){1700000000 + 10 * h, 5};
}

static cons_evidence make_ev(net *n, size_t val, int64_t height)
{
    cons_vote a = signed_vote(n, val, height, 0, "block A");
    cons_vote b = signed_vote(n, val, height, 0, "block B");
    cons_evidence e;
    ck_assert_int_eq(cons_evidence_new(&e, &b, &a, block_time(height), &n->vs), AG_OK);
    cons_vote_clear(&a);
    cons_vote_clear(&b);
    return e;
}

START_TEST(evidence_verify_real_votes)
{
    net n;
    net_init(&n);
    cons_evidence e = make_ev(&n, 1, 5);
    ck_assert_int_lt(cons_block_id_key_cmp(&e.vote_a.block_id, &e.vote_b.block_id), 0);
    ck_assert_int_eq(cons_evidence_validate_basic(&e), AG_OK);
    ck_assert_int_eq(cons_evidence_verify(&e, chain, &n.vs), AG_OK);
    ck_assert_int_eq(e.validator_power, n.vs.vals[1].voting_power);
    ck_assert_int_eq(e.total_voting_power, 100);
    ck_assert_int_eq(cons_evidence_height(&e), 5);

    cons_evidence t;
    /* wrong chain */
    ck_assert_int_eq(cons_evidence_verify(&e, "other-chain", &n.vs), AG_ERR_VERIFY);
    /* powers */
    cons_evidence_copy(&t, &e);
    t.validator_power++;
    ck_assert_int_eq(cons_evidence_verify(&t, chain, &n.vs), AG_ERR_VERIFY);
    t.validator_power--;
    t.total_voting_power++;
    ck_assert_int_eq(cons_evidence_verify(&t, chain, &n.vs), AG_ERR_VERIFY);
    cons_evidence_clear(&t);
    /* a tampered signature */
    cons_evidence_copy(&t, &e);
    t.vote_b.signature.b[5] ^= 1;
    ck_assert_int_ne(cons_evidence_verify(&t, chain, &n.vs), AG_OK);
    cons_evidence_clear(&t);
    /* different rounds */
    cons_evidence_copy(&t, &e);
    t.vote_b.round = 1;
    ck_assert_int_eq(cons_evidence_verify(&t, chain, &n.vs), AG_ERR_VERIFY);
    cons_evidence_clear(&t);
    /* same block ids */
    cons_evidence_copy(&t, &e);
    t.vote_b.block_id = t.vote_a.block_id;
    ck_assert_int_eq(cons_evidence_verify(&t, chain, &n.vs), AG_ERR_VERIFY);
    ck_assert_int_eq(cons_evidence_validate_basic(&t), AG_ERR_DECODE); /* order */
    cons_evidence_clear(&t);
    /* votes of two validators */
    cons_vote other = signed_vote(&n, 2, 5, 0, "block B");
    cons_evidence_copy(&t, &e);
    cons_vote_clear(&t.vote_b);
    cons_vote_copy(&t.vote_b, &other);
    ck_assert_int_eq(cons_evidence_verify(&t, chain, &n.vs), AG_ERR_VERIFY);
    cons_evidence_clear(&t);
    cons_vote_clear(&other);
    /* swapped order */
    cons_evidence_copy(&t, &e);
    cons_vote tmp = t.vote_a;
    t.vote_a = t.vote_b;
    t.vote_b = tmp;
    ck_assert_int_eq(cons_evidence_validate_basic(&t), AG_ERR_DECODE);
    cons_evidence_clear(&t);
    /* not a validator of the set */
    cons_valset small;
    ck_assert_int_eq(cons_valset_new(&small, &n.vs.vals[0], 1), AG_OK);
    ck_assert_int_eq(cons_evidence_verify(&e, chain, &small), AG_ERR_VERIFY);
    cons_vote a = signed_vote(&n, 1, 5, 0, "x"), b = signed_vote(&n, 1, 5, 0, "y");
    ck_assert_int_eq(cons_evidence_new(&t, &a, &b, block_time(5), &small), AG_ERR_INVALID_ARG);
    cons_vote_clear(&a);
    cons_vote_clear(&b);
    cons_valset_free(&small);

    /* codec round trip keeps it verifiable */
    ag_buf buf;
    ag_buf_init(&buf, 0);
    ck_assert_int_eq(cons_evidence_encode(&buf, &e), AG_OK);
    ck_assert_int_eq(cons_evidence_decode(&t, buf.data, buf.len), AG_OK);
    ck_assert_int_eq(cons_evidence_verify(&t, chain, &n.vs), AG_OK);
    cons_evidence_clear(&t);
    ag_buf_free(&buf);

    /* ABCI Misbehavior */
    Tendermint__Abci__Misbehavior mb;
    Tendermint__Abci__Validator val;
    Google__Protobuf__Timestamp ts;
    ck_assert_uint_eq(cons_evidence_abci_count(&e), 1);
    cons_evidence_to_abci(&mb, &val, &ts, &e, 0);
    ck_assert_int_eq(mb.type, TENDERMINT__ABCI__MISBEHAVIOR_TYPE__DUPLICATE_VOTE);
    ck_assert_int_eq(mb.height, 5);
    ck_assert_int_eq(mb.total_voting_power, 100);
    ck_assert_int_eq(val.power, e.validator_power);
    ck_assert_uint_eq(val.address.len, 20);
    ck_assert_mem_eq(val.address.data, n.vs.vals[1].address.b, 20);
    ck_assert_int_eq(ts.seconds, block_time(5).seconds);
    ck_assert_int_eq(ts.nanos, 5);

    cons_evidence_clear(&e);
    cons_valset_free(&n.vs);
}
END_TEST

START_TEST(evidence_decode_rejects)
{
    cons_evidence e;
    /* light client attack evidence without its conflicting block */
    static const uint8_t lca[] = {0x12, 0x02, 0x10, 0x01};
    ck_assert_int_eq(cons_evidence_decode_wrapped(&e, lca, sizeof lca), AG_ERR_DECODE);
    /* empty Evidence */
    ck_assert_int_eq(cons_evidence_decode_wrapped(&e, lca, 0), AG_ERR_DECODE);
    /* missing vote_b */
    net n;
    net_init(&n);
    cons_vote v = signed_vote(&n, 0, 2, 0, "a");
    ag_buf vb, b;
    ag_buf_init(&vb, 0);
    ag_buf_init(&b, 0);
    cons_vote_encode(&vb, &v);
    cons_wire_put_bytes(&b, 1, vb.data, vb.len);
    ck_assert_int_eq(cons_evidence_decode(&e, b.data, b.len), AG_ERR_DECODE);
    /* vote_a twice */
    cons_wire_put_bytes(&b, 1, vb.data, vb.len);
    ck_assert_int_eq(cons_evidence_decode(&e, b.data, b.len), AG_ERR_DECODE);
    /* wrong wire type for the power */
    ag_buf_reset(&b);
    cons_wire_put_bytes(&b, 1, vb.data, vb.len);
    cons_wire_put_bytes(&b, 2, vb.data, vb.len);
    ck_assert_int_eq(cons_evidence_decode(&e, b.data, b.len), AG_OK);
    cons_evidence_clear(&e);
    cons_wire_put_bytes(&b, 3, "x", 1);
    ck_assert_int_eq(cons_evidence_decode(&e, b.data, b.len), AG_ERR_DECODE);
    /* a broken vote */
    ag_buf_reset(&b);
    cons_wire_put_bytes(&b, 1, vb.data, vb.len - 1);
    cons_wire_put_bytes(&b, 2, vb.data, vb.len);
    ck_assert_int_ne(cons_evidence_decode(&e, b.data, b.len), AG_OK);
    /* a bad timestamp */
    ag_buf_reset(&b);
    cons_wire_put_bytes(&b, 1, vb.data, vb.len);
    cons_wire_put_bytes(&b, 2, vb.data, vb.len);
    static const uint8_t bad_ts[] = {0x10, 0xff, 0xff, 0xff, 0xff, 0x0f}; /* nanos out of range */
    cons_wire_put_bytes(&b, 5, bad_ts, sizeof bad_ts);
    ck_assert_int_eq(cons_evidence_decode(&e, b.data, b.len), AG_ERR_DECODE);
    /* over the size cap */
    ck_assert_int_eq(cons_evidence_decode(&e, b.data, CONS_EVIDENCE_ENCODED_MAX + 1),
                     AG_ERR_TOO_LARGE);
    cons_vote_clear(&v);
    ag_buf_free(&vb);
    ag_buf_free(&b);
    cons_valset_free(&n.vs);
}
END_TEST

/* ---- the pool ---- */

typedef struct chain_ctx {
    net *n;
    int64_t known_height; /* blocks 1..known_height exist */
} chain_ctx;

static ag_err valset_at(void *ctx, int64_t h, const cons_valset **out)
{
    chain_ctx *c = ctx;
    if (h < 1 || h > c->known_height)
        return ag_err_set(AG_ERR_NOT_FOUND, "no validators at %lld", (long long)h);
    *out = &c->n->vs;
    return AG_OK;
}

static ag_err time_at(void *ctx, int64_t h, cons_timestamp *out)
{
    chain_ctx *c = ctx;
    if (h < 1 || h > c->known_height)
        return ag_err_set(AG_ERR_NOT_FOUND, "no block at %lld", (long long)h);
    *out = block_time(h);
    return AG_OK;
}

static cons_evidence_state state_at(chain_ctx *c, int64_t last)
{
    c->known_height = last;
    cons_evidence_state st = {0};
    st.chain_id = chain;
    st.last_height = last;
    st.last_time = block_time(last);
    st.max_age_blocks = 20;
    st.max_age_ns = 100LL * 1000000000; /* 100 s = 10 blocks of 10 s */
    st.valset_at = valset_at;
    st.block_time_at = time_at;
    st.ctx = c;
    return st;
}

START_TEST(evidence_pool_lifecycle)
{
    net n;
    net_init(&n);
    chain_ctx c = {&n, 0};
    cons_evidence_state st = state_at(&c, 10);
    cons_evpool *p;
    ck_assert_int_eq(cons_evpool_new(&p, &st, 3, 1 << 20), AG_OK);
    cons_evidence e5 = make_ev(&n, 0, 5), e3 = make_ev(&n, 2, 3), e4 = make_ev(&n, 3, 4);
    ck_assert_int_eq(cons_evpool_add(p, &e5), AG_OK);
    ck_assert_int_eq(cons_evpool_add(p, &e5), AG_ERR_EXISTS);
    ck_assert_int_eq(cons_evpool_add(p, &e3), AG_OK);
    ck_assert_uint_eq(cons_evpool_size(p), 2);
    ck_assert_uint_eq(cons_evpool_bytes(p),
                      cons_evidence_wrapped_size(&e5) + cons_evidence_wrapped_size(&e3));

    /* reaped in height order, bounded by bytes */
    cons_evidence *ev;
    size_t cnt;
    int64_t bytes;
    ck_assert_int_eq(cons_evpool_reap(p, -1, &ev, &cnt, &bytes), AG_OK);
    ck_assert_uint_eq(cnt, 2);
    ck_assert_int_eq(cons_evidence_height(&ev[0]), 3);
    ck_assert_int_eq(cons_evidence_height(&ev[1]), 5);
    ck_assert_int_eq(bytes, (int64_t)cons_evpool_bytes(p));
    cons_evidence_list_free(ev, cnt);
    ck_assert_int_eq(cons_evpool_reap(p, bytes - 1, &ev, &cnt, &bytes), AG_OK);
    ck_assert_uint_eq(cnt, 1);
    cons_evidence_list_free(ev, cnt);
    ck_assert_int_eq(cons_evpool_reap(p, 10, &ev, &cnt, &bytes), AG_OK);
    ck_assert_uint_eq(cnt, 0);
    ck_assert_ptr_null(ev);

    /* verification failures */
    cons_evidence bad;
    cons_evidence_copy(&bad, &e4);
    bad.timestamp.nanos++;
    ck_assert_int_eq(cons_evpool_add(p, &bad), AG_ERR_VERIFY); /* not the block's time */
    cons_evidence_clear(&bad);
    cons_evidence future = make_ev(&n, 3, 11);
    ck_assert_int_eq(cons_evpool_add(p, &future), AG_ERR_NOT_FOUND);

    /* a block carrying e4 (new, verified and taken into the pool) and e5 */
    cons_evidence inblock[2];
    cons_evidence_copy(&inblock[0], &e4);
    cons_evidence_copy(&inblock[1], &e5);
    ck_assert_int_eq(cons_evpool_check_block(p, inblock, 2), AG_OK);
    ck_assert_uint_eq(cons_evpool_size(p), 3);
    cons_evidence dup[2];
    cons_evidence_copy(&dup[0], &e4);
    cons_evidence_copy(&dup[1], &e4);
    ck_assert_int_eq(cons_evpool_check_block(p, dup, 2), AG_ERR_DECODE);
    cons_evidence_list_free(NULL, 0);
    cons_evidence_clear(&dup[0]);
    cons_evidence_clear(&dup[1]);
    /* the pool is full */
    cons_evidence e6 = make_ev(&n, 1, 6);
    ck_assert_int_eq(cons_evpool_add(p, &e6), AG_ERR_AGAIN);

    /* commit the block at 11: e4 and e5 leave pending and become committed */
    st = state_at(&c, 11);
    ck_assert_int_eq(cons_evpool_update(p, &st, inblock, 2), AG_OK);
    ck_assert_uint_eq(cons_evpool_size(p), 1);
    crypto_hash h4;
    cons_evidence_hash(&h4, &e4);
    ck_assert(cons_evpool_is_committed(p, &h4));
    ck_assert(!cons_evpool_is_pending(p, &h4));
    ck_assert_int_eq(cons_evpool_add(p, &e4), AG_ERR_EXISTS);
    ck_assert_int_eq(cons_evpool_check_block(p, inblock, 1), AG_ERR_EXISTS);
    ck_assert_int_eq(cons_evpool_add(p, &e6), AG_OK);
    ck_assert_int_eq(cons_evpool_add(p, &future), AG_OK);

    /* expiry needs both ages: at 25, e3 is 22 blocks and 220 s old */
    st = state_at(&c, 23); /* 20 blocks old: not expired by blocks */
    st.max_age_ns = 0;
    ck_assert(!cons_evidence_is_expired(&st, 3, block_time(3)));
    st = state_at(&c, 30);
    st.max_age_ns = 1000LL * 1000000000; /* old in blocks, young in time */
    ck_assert(!cons_evidence_is_expired(&st, 3, block_time(3)));
    st = state_at(&c, 25);
    ck_assert(cons_evidence_is_expired(&st, 3, block_time(3)));
    ck_assert(!cons_evidence_is_expired(&st, 6, block_time(6)));
    ck_assert_int_eq(cons_evpool_update(p, &st, NULL, 0), AG_OK);
    ck_assert_uint_eq(cons_evpool_size(p), 2); /* e3 pruned; e6 and e11 stay */
    crypto_hash h3;
    cons_evidence_hash(&h3, &e3);
    ck_assert(!cons_evpool_is_pending(p, &h3));
    ck_assert_int_eq(cons_evpool_add(p, &e3), AG_ERR_STATE); /* expired */
    st = state_at(&c, 40);
    ck_assert_int_eq(cons_evpool_update(p, &st, NULL, 0), AG_OK);
    ck_assert(!cons_evpool_is_committed(p, &h4)); /* pruned once expired */
    ck_assert_int_eq(cons_evpool_check_block(p, &e4, 1), AG_ERR_STATE);

    cons_evidence_clear(&inblock[0]);
    cons_evidence_clear(&inblock[1]);
    cons_evidence_clear(&e3);
    cons_evidence_clear(&e4);
    cons_evidence_clear(&e5);
    cons_evidence_clear(&e6);
    cons_evidence_clear(&future);
    cons_evpool_free(p);
    cons_valset_free(&n.vs);
}
END_TEST

/* ---- blocks ---- */

static cons_header base_header(net *n, int64_t height)
{
    cons_header h;
    memset(&h, 0, sizeof h);
    h.version.block = CONS_BLOCK_PROTOCOL;
    h.version.app = 1;
    strcpy(h.chain_id, chain);
    h.height = height;
    h.time = block_time(height);
    crypto_hash vh;
    cons_valset_hash(&vh, &n->vs);
    cons_hash_set(&h.validators_hash, vh.b);
    cons_hash_set(&h.next_validators_hash, vh.b);
    uint8_t x[32];
    sum(x, "consensus");
    cons_hash_set(&h.consensus_hash, x);
    h.proposer_address = n->vs.vals[0].address;
    if (height > 1) {
        sum(x, "previous block");
        cons_hash_set(&h.last_block_id.hash, x);
        h.last_block_id.parts.total = 1;
        sum(x, "previous parts");
        cons_hash_set(&h.last_block_id.parts.hash, x);
    }
    return h;
}

static void make_commit(net *n, cons_commit *c, const cons_header *h)
{
    memset(c, 0, sizeof *c);
    if (h->height == 1)
        return; /* the empty commit of block 1 */
    ck_assert_int_eq(cons_commit_alloc(c, NVAL), AG_OK);
    c->height = h->height - 1;
    c->block_id = h->last_block_id;
    for (size_t i = 0; i < NVAL; i++) {
        if (i == 2)
            continue; /* absent */
        cons_vote v = {0};
        v.type = CONS_MSG_PRECOMMIT;
        v.height = c->height;
        v.block_id = c->block_id;
        v.timestamp = block_time(c->height);
        v.validator_index = (int32_t)i;
        ck_assert_int_eq(cons_vote_sign(&v, chain, key_of(n, i), false), AG_OK);
        c->sigs[i].flag = CONS_BLOCK_ID_FLAG_COMMIT;
        c->sigs[i].has_address = true;
        c->sigs[i].validator_address = v.validator_address;
        c->sigs[i].timestamp = v.timestamp;
        c->sigs[i].signature = v.signature;
    }
}

static void make_test_block(net *n, cons_block *b, int64_t height, size_t ntx, size_t nev)
{
    cons_header h = base_header(n, height);
    cons_commit lc;
    make_commit(n, &lc, &h);
    ag_slice *txs = calloc(ntx + 1, sizeof *txs);
    char(*bufs)[32] = calloc(ntx + 1, sizeof *bufs);
    for (size_t i = 0; i < ntx; i++) {
        snprintf(bufs[i], sizeof bufs[i], "key%zu=value%zu", i, i * 7);
        txs[i] = (ag_slice){(const uint8_t *)bufs[i], strlen(bufs[i])};
    }
    cons_evidence ev[4];
    ck_assert_uint_le(nev, 4);
    for (size_t i = 0; i < nev; i++)
        ev[i] = make_ev(n, i, 1 + (int64_t)i);
    ck_assert_int_eq(cons_block_make(b, &h, txs, ntx, ev, nev, &lc), AG_OK);
    for (size_t i = 0; i < nev; i++)
        cons_evidence_clear(&ev[i]);
    cons_commit_clear(&lc);
    free(txs);
    free(bufs);
}

static void assert_blocks_equal(const cons_block *a, const cons_block *b)
{
    ag_buf x, y;
    ag_buf_init(&x, CONS_BLOCK_SIZE_MAX);
    ag_buf_init(&y, CONS_BLOCK_SIZE_MAX);
    ck_assert_int_eq(cons_block_encode(&x, a), AG_OK);
    ck_assert_int_eq(cons_block_encode(&y, b), AG_OK);
    ck_assert_uint_eq(x.len, y.len);
    ck_assert_mem_eq(x.data, y.data, x.len);
    ck_assert(memcmp(&a->header, &b->header, sizeof a->header) == 0);
    ck_assert_uint_eq(a->n_txs, b->n_txs);
    ck_assert_uint_eq(a->n_evidence, b->n_evidence);
    ag_buf_free(&x);
    ag_buf_free(&y);
}

START_TEST(block_make_validate_roundtrip)
{
    net n;
    net_init(&n);
    for (int64_t height = 1; height <= 3; height++) {
        cons_block b;
        make_test_block(&n, &b, height, height == 2 ? 0 : 50, height == 3 ? 2 : 0);
        ck_assert_int_eq(cons_block_validate_basic(&b), AG_OK);
        /* the content hashes */
        crypto_hash h;
        cons_data_hash(&h, b.txs, b.n_txs);
        ck_assert_mem_eq(b.header.data_hash.b, h.b, 32);
        cons_commit_hash(&h, &b.last_commit);
        ck_assert_mem_eq(b.header.last_commit_hash.b, h.b, 32);
        cons_evidence_list_hash(&h, b.evidence, b.n_evidence);
        ck_assert_mem_eq(b.header.evidence_hash.b, h.b, 32);
        if (b.n_evidence == 0) /* the empty list's hash is SHA256("") */
            check_hex(h.b, 32, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        /* block hash = header hash */
        crypto_hash bh, hh;
        ck_assert_int_eq(cons_block_hash(&bh, &b), AG_OK);
        cons_header_hash(&hh, &b.header);
        ck_assert_mem_eq(bh.b, hh.b, 32);

        /* encode / decode */
        ag_buf buf;
        ag_buf_init(&buf, CONS_BLOCK_SIZE_MAX);
        ck_assert_int_eq(cons_block_encode(&buf, &b), AG_OK);
        cons_block d;
        ag_err derr = cons_block_decode(&d, buf.data, buf.len);
        ck_assert_msg(derr == AG_OK, "%s", ag_err_detail());
        assert_blocks_equal(&b, &d);
        ck_assert_int_eq(cons_block_validate_basic(&d), AG_OK);
        for (size_t i = 0; i < b.n_txs; i++) {
            ck_assert_uint_eq(d.txs[i].len, b.txs[i].len);
            ck_assert_mem_eq(d.txs[i].ptr, b.txs[i].ptr, b.txs[i].len);
        }
        /* the generated protobuf-c code reads the same message */
        Tendermint__Types__Block *pb = tendermint__types__block__unpack(NULL, buf.len, buf.data);
        ck_assert_ptr_nonnull(pb);
        ck_assert_ptr_nonnull(pb->header);
        ck_assert_ptr_nonnull(pb->data);
        ck_assert_uint_eq(pb->data->n_txs, b.n_txs);
        ck_assert_ptr_nonnull(pb->evidence);
        ck_assert_uint_eq(pb->evidence->n_evidence, b.n_evidence);
        ck_assert_ptr_nonnull(pb->last_commit);
        ck_assert_uint_eq(protobuf_c_message_get_packed_size(&pb->base), buf.len);
        tendermint__types__block__free_unpacked(pb, NULL);

        /* parts */
        cons_part_set ps;
        ck_assert_int_eq(cons_block_make_part_set(&ps, &b), AG_OK);
        ck_assert(cons_part_set_is_complete(&ps));
        cons_part_set rx;
        ck_assert_int_eq(cons_part_set_init(&rx, &ps.header), AG_OK);
        for (uint32_t i = ps.header.total; i-- > 0;) {
            bool added;
            ck_assert_int_eq(cons_part_set_add(&rx, cons_part_set_get(&ps, i), &added), AG_OK);
        }
        cons_block r;
        ck_assert_int_eq(cons_block_from_part_set(&r, &rx), AG_OK);
        assert_blocks_equal(&b, &r);
        cons_block_id id;
        ck_assert_int_eq(cons_block_id_make(&id, &r, &rx), AG_OK);
        ck_assert(cons_block_id_is_complete(&id));
        ck_assert_mem_eq(id.hash.b, bh.b, 32);
        cons_block_clear(&r);
        cons_part_set_free(&rx);
        cons_part_set_free(&ps);

        cons_block_clear(&d);
        ag_buf_free(&buf);
        cons_block_clear(&b);
    }
    cons_valset_free(&n.vs);
}
END_TEST

START_TEST(block_large_spans_parts)
{
    net n;
    net_init(&n);
    cons_header h = base_header(&n, 2);
    cons_commit lc;
    make_commit(&n, &lc, &h);
    enum { NTX = 40, TXLEN = 5000 };
    uint8_t *data = malloc(NTX * TXLEN);
    ag_rng rng;
    ag_test_rng(&rng, 1);
    ag_rng_fill(&rng, data, NTX * TXLEN);
    ag_slice txs[NTX];
    for (int i = 0; i < NTX; i++)
        txs[i] = (ag_slice){data + i * TXLEN, TXLEN};
    cons_block b;
    ck_assert_int_eq(cons_block_make(&b, &h, txs, NTX, NULL, 0, &lc), AG_OK);
    cons_part_set ps;
    ck_assert_int_eq(cons_block_make_part_set(&ps, &b), AG_OK);
    ck_assert_uint_eq(ps.header.total, 4); /* ~200 KB in 64 KiB parts */
    cons_block r;
    ck_assert_int_eq(cons_block_from_part_set(&r, &ps), AG_OK);
    ck_assert_int_eq(cons_block_validate_basic(&r), AG_OK);
    assert_blocks_equal(&b, &r);
    cons_block_clear(&r);
    /* a missing part */
    cons_part_set rx;
    cons_part_set_init(&rx, &ps.header);
    bool added;
    cons_part_set_add(&rx, cons_part_set_get(&ps, 0), &added);
    ck_assert_int_eq(cons_block_from_part_set(&r, &rx), AG_ERR_STATE);
    cons_part_set_free(&rx);
    cons_part_set_free(&ps);
    cons_block_clear(&b);
    cons_commit_clear(&lc);
    free(data);
    cons_valset_free(&n.vs);
}
END_TEST

START_TEST(block_validate_basic_rejects)
{
    net n;
    net_init(&n);
    cons_block b;
    make_test_block(&n, &b, 3, 5, 1);
    ck_assert_int_eq(cons_block_validate_basic(&b), AG_OK);

    b.txs[2].len--; /* a tx that is not the one hashed */
    ck_assert_int_eq(cons_block_validate_basic(&b), AG_ERR_DECODE);
    b.txs[2].len++;
    b.header.evidence_hash.b[0] ^= 1;
    ck_assert_int_eq(cons_block_validate_basic(&b), AG_ERR_DECODE);
    b.header.evidence_hash.b[0] ^= 1;
    b.header.last_commit_hash.b[0] ^= 1;
    ck_assert_int_eq(cons_block_validate_basic(&b), AG_ERR_DECODE);
    b.header.last_commit_hash.b[0] ^= 1;
    b.header.version.block = 10;
    ck_assert_int_eq(cons_block_validate_basic(&b), AG_ERR_DECODE);
    b.header.version.block = CONS_BLOCK_PROTOCOL;
    b.header.height = 0;
    ck_assert_int_eq(cons_block_validate_basic(&b), AG_ERR_DECODE);
    b.header.height = 3;
    b.last_commit.sigs[0].signature.len = 0;
    ck_assert_int_eq(cons_block_validate_basic(&b), AG_ERR_DECODE);
    b.last_commit.sigs[0].signature.len = 64;
    cons_block_id saved = b.last_commit.block_id;
    memset(&b.last_commit.block_id, 0, sizeof saved);
    ck_assert_int_eq(cons_block_validate_basic(&b), AG_ERR_DECODE); /* commit for nil */
    b.last_commit.block_id = saved;
    cons_vote tmp = b.evidence[0].vote_a;
    b.evidence[0].vote_a = b.evidence[0].vote_b;
    b.evidence[0].vote_b = tmp;
    ck_assert_int_eq(cons_block_validate_basic(&b), AG_ERR_DECODE); /* evidence order */
    b.evidence[0].vote_b = b.evidence[0].vote_a;
    b.evidence[0].vote_a = tmp;
    ck_assert_int_eq(cons_block_validate_basic(&b), AG_OK);
    b.has_last_commit = false;
    ck_assert_int_eq(cons_block_validate_basic(&b), AG_ERR_DECODE);
    b.has_last_commit = true;
    cons_block_clear(&b);
    cons_valset_free(&n.vs);
}
END_TEST

START_TEST(block_decode_rejects)
{
    net n;
    net_init(&n);
    cons_block b, d;
    make_test_block(&n, &b, 2, 3, 0);
    ag_buf enc, x, hdr;
    ag_buf_init(&enc, 0);
    ag_buf_init(&x, 0);
    ag_buf_init(&hdr, 0);
    ck_assert_int_eq(cons_block_encode(&enc, &b), AG_OK);
    cons_header_encode(&hdr, &b.header);

    /* every truncation fails cleanly */
    for (size_t cut = 0; cut < enc.len; cut += 7)
        if (cons_block_decode(&d, enc.data, cut) == AG_OK)
            cons_block_clear(&d);
    /* no header */
    ck_assert_int_eq(cons_block_decode(&d, enc.data, 0), AG_ERR_DECODE);
    /* header repeated */
    ag_buf_append(&x, enc.data, enc.len);
    cons_wire_put_bytes(&x, 1, hdr.data, hdr.len);
    ck_assert_int_eq(cons_block_decode(&d, x.data, x.len), AG_ERR_DECODE);
    /* an unknown field is skipped */
    ag_buf_reset(&x);
    ag_buf_append(&x, enc.data, enc.len);
    cons_wire_put_varint(&x, 9, 7, false);
    ck_assert_int_eq(cons_block_decode(&d, x.data, x.len), AG_OK);
    cons_block_clear(&d);
    /* too many txs: counted before anything is allocated */
    ag_buf data;
    ag_buf_init(&data, 0);
    for (size_t i = 0; i <= CONS_BLOCK_TXS_MAX; i++)
        ag_buf_append(&data, "\x0a\x00", 2);
    ag_buf_reset(&x);
    cons_wire_put_bytes(&x, 1, hdr.data, hdr.len);
    cons_wire_put_bytes(&x, 2, data.data, data.len);
    ck_assert_int_eq(cons_block_decode(&d, x.data, x.len), AG_ERR_TOO_LARGE);
    /* exactly the max is fine */
    ag_buf_reset(&x);
    cons_wire_put_bytes(&x, 1, hdr.data, hdr.len);
    cons_wire_put_bytes(&x, 2, data.data, data.len - 2);
    ck_assert_int_eq(cons_block_decode(&d, x.data, x.len), AG_OK);
    ck_assert_uint_eq(d.n_txs, CONS_BLOCK_TXS_MAX);
    cons_block_clear(&d);
    ag_buf_free(&data);
    /* too much evidence */
    ag_buf_init(&data, 0);
    for (size_t i = 0; i <= CONS_BLOCK_EVIDENCE_MAX; i++)
        ag_buf_append(&data, "\x0a\x00", 2);
    ag_buf_reset(&x);
    cons_wire_put_bytes(&x, 1, hdr.data, hdr.len);
    cons_wire_put_bytes(&x, 3, data.data, data.len);
    ck_assert_int_eq(cons_block_decode(&d, x.data, x.len), AG_ERR_TOO_LARGE);
    ag_buf_free(&data);
    /* light client attack evidence without its conflicting block */
    static const uint8_t lca_list[] = {0x0a, 0x04, 0x12, 0x02, 0x10, 0x01};
    ag_buf_reset(&x);
    cons_wire_put_bytes(&x, 1, hdr.data, hdr.len);
    cons_wire_put_bytes(&x, 3, lca_list, sizeof lca_list);
    ck_assert_int_eq(cons_block_decode(&d, x.data, x.len), AG_ERR_DECODE);
    /* a wrong wire type for data */
    ag_buf_reset(&x);
    cons_wire_put_bytes(&x, 1, hdr.data, hdr.len);
    cons_wire_put_varint(&x, 2, 1, false);
    ck_assert_int_eq(cons_block_decode(&d, x.data, x.len), AG_ERR_DECODE);
    /* a broken last commit */
    ag_buf_reset(&x);
    cons_wire_put_bytes(&x, 1, hdr.data, hdr.len);
    cons_wire_put_bytes(&x, 4, "\x0a\x05", 2);
    ck_assert_int_ne(cons_block_decode(&d, x.data, x.len), AG_OK);
    /* over the block size, refused before reading */
    ck_assert_int_eq(cons_block_decode(&d, enc.data, (size_t)CONS_BLOCK_SIZE_MAX + 1),
                     AG_ERR_TOO_LARGE);
    /* no last commit decodes, but fails ValidateBasic */
    ag_buf_reset(&x);
    cons_wire_put_bytes(&x, 1, hdr.data, hdr.len);
    ck_assert_int_eq(cons_block_decode(&d, x.data, x.len), AG_OK);
    ck_assert(!d.has_last_commit);
    ck_assert_int_eq(cons_block_validate_basic(&d), AG_ERR_DECODE);
    cons_block_clear(&d);

    ag_buf_free(&enc);
    ag_buf_free(&x);
    ag_buf_free(&hdr);
    cons_block_clear(&b);
    cons_valset_free(&n.vs);
}
END_TEST

static Suite *cons_block_suite(void)
{
    Suite *s = suite_create("cons_block");
    TCase *tc = ag_test_tcase("evidence");
    tcase_add_test(tc, evidence_list_vector_encoding);
    tcase_add_test(tc, evidence_verify_real_votes);
    tcase_add_test(tc, evidence_decode_rejects);
    tcase_add_test(tc, evidence_pool_lifecycle);
    suite_add_tcase(s, tc);
    tc = ag_test_tcase("block");
    tcase_add_test(tc, block_make_validate_roundtrip);
    tcase_add_test(tc, block_large_spans_parts);
    tcase_add_test(tc, block_validate_basic_rejects);
    tcase_add_test(tc, block_decode_rejects);
    suite_add_tcase(s, tc);
    return s;
}

AG_TEST_MAIN(cons_block_suite)
