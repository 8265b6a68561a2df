/* Consensus types: Merkle tree, header/vote/proposal/commit encodings and
 * hashes, validator sets and proposer selection, block parts.
 *
 * External vectors (facts taken from CometBFT's Go tests, cometbft/cometbft):
 *   crypto/merkle/tree_test.go   TestHashFromByteSlices, Test_getSplitPoint
 *   types/block_test.go          TestHeaderHash
 *   types/vote_test.go           TestVoteSignBytesTestVectors
 *   types/validator_set_test.go  TestValidatorSetBasic (empty set hash),
 *                                TestProposerSelection1/2,
 *                                TestAveragingInIncrementProposerPriorityWithVotingPower,
 *                                TestValSetUpdatesBasicTestsExecute and the error cases
 * Tests marked "self-consistency" check properties, not external vectors. */
#include <stdlib.h>
#include <string.h>

#include "consensus/header.h"
#include "consensus/merkle.h"
#include "lib/hex.h"
#include "tests/harness/ag_test.h"

static void check_hex(const uint8_t *got, size_t len, const char *want_hex)
{
    char hex[2 * 256 + 1];
    ck_assert_uint_le(len, 256);
    ag_hex_encode(hex, got, len, false);
    ck_assert_str_eq(hex, want_hex);
}

/* tmhash.Sum(s) */
static void sum(uint8_t out[32], const char *s)
{
    crypto_sha256(out, s, strlen(s));
}

/* ---- Merkle tree: crypto/merkle/tree_test.go ---- */

START_TEST(merkle_vectors)
{
    static const uint8_t a[] = {1, 2, 3}, b[] = {4, 5, 6};
    static const uint8_t m[5][2] = {{1, 2}, {3, 4}, {5, 6}, {7, 8}, {9, 10}};
    crypto_hash root;
    ck_assert_int_eq(cons_merkle_root(&root, NULL, 0), AG_OK);
    check_hex(root.b, 32, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    ag_slice one[] = {{a, 3}};
    ck_assert_int_eq(cons_merkle_root(&root, one, 1), AG_OK);
    check_hex(root.b, 32, "054edec1d0211f624fed0cbca9d4f9400b0e491c43742af2c5b0abebf0c990d8");
    ag_slice blank[] = {{NULL, 0}};
    ck_assert_int_eq(cons_merkle_root(&root, blank, 1), AG_OK);
    check_hex(root.b, 32, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
    ag_slice two[] = {{a, 3}, {b, 3}};
    ck_assert_int_eq(cons_merkle_root(&root, two, 2), AG_OK);
    check_hex(root.b, 32, "82e6cfce00453804379b53962939eaa7906b39904be0813fcadd31b100773c4b");
    ag_slice many[5];
    for (int i = 0; i < 5; i++)
        many[i] = (ag_slice){m[i], 2};
    ck_assert_int_eq(cons_merkle_root(&root, many, 5), AG_OK);
    check_hex(root.b, 32, "f326493eceab4f2d9ffbc78c59432a0a005d6ea98392045c74df5d14a113be18");

    static const uint64_t split[][2] = {{2, 1},   {3, 2},    {4, 2},     {5, 4},     {10, 8},
                                        {20, 16}, {100, 64}, {255, 128}, {256, 128}, {257, 256}};
    for (size_t i = 0; i < sizeof split / sizeof split[0]; i++)
        ck_assert_uint_eq(cons_merkle_split_point(split[i][0]), split[i][1]);
}
END_TEST

/* Self-consistency: every proof verifies; any change to it, the item or the
 * root makes it fail (the checks of crypto/merkle TestProof). */
START_TEST(merkle_proofs_verify_and_tamper)
{
    ag_rng rng;
    ag_test_rng(&rng, 1);
    static uint8_t data[200][40];
    ag_slice items[200];
    static cons_merkle_proof proofs[200];
    for (uint64_t it = 0; it < ag_test_iters(40, 400); it++) {
        size_t n = 1 + ag_rng_below(&rng, 200);
        for (size_t i = 0; i < n; i++) {
            size_t len = ag_rng_below(&rng, sizeof data[i] + 1);
            ag_rng_fill(&rng, data[i], len);
            items[i] = (ag_slice){data[i], len};
        }
        crypto_hash root, root2;
        ck_assert_int_eq(cons_merkle_proofs(&root, proofs, items, n), AG_OK);
        ck_assert_int_eq(cons_merkle_root(&root2, items, n), AG_OK);
        ck_assert_mem_eq(root.b, root2.b, 32);
        for (size_t i = 0; i < n; i++) {
            cons_merkle_proof p = proofs[i];
            ck_assert_int_eq(cons_merkle_proof_verify(&p, &root, items[i].ptr, items[i].len),
                             AG_OK);
            /* round trip through tendermint.crypto.Proof */
            ag_buf buf;
            ag_buf_init(&buf, 0);
            ck_assert_int_eq(cons_merkle_proof_encode(&buf, &p), AG_OK);
            cons_merkle_proof q;
            ck_assert_int_eq(cons_merkle_proof_decode(&q, buf.data, buf.len), AG_OK);
            ck_assert_mem_eq(&p, &q, sizeof p);
            ag_buf_free(&buf);
            /* an extra aunt, a missing aunt */
            if (p.n_aunts < CONS_MERKLE_AUNTS_MAX) {
                q.aunts[q.n_aunts++] = root;
                ck_assert_int_eq(cons_merkle_proof_verify(&q, &root, items[i].ptr, items[i].len),
                                 AG_ERR_VERIFY);
            }
            if (p.n_aunts > 0) {
                q = p;
                q.n_aunts--;
                ck_assert_int_eq(cons_merkle_proof_verify(&q, &root, items[i].ptr, items[i].len),
                                 AG_ERR_VERIFY);
                q = p;
                q.aunts[ag_rng_below(&rng, q.n_aunts)].b[ag_rng_below(&rng, 32)] ^= 1;
                ck_assert_int_eq(cons_merkle_proof_verify(&q, &root, items[i].ptr, items[i].len),
                                 AG_ERR_VERIFY);
            }
            /* another item, another root */
            uint8_t other[41];
            memcpy(other, items[i].ptr, items[i].len);
            other[items[i].len] = 7;
            ck_assert_int_eq(cons_merkle_proof_verify(&p, &root, other, items[i].len + 1),
                             AG_ERR_VERIFY);
            crypto_hash bad = root;
            bad.b[0] ^= 0x80;
            ck_assert_int_eq(cons_merkle_proof_verify(&p, &bad, items[i].ptr, items[i].len),
                             AG_ERR_VERIFY);
            q = p;
            q.index = p.total;
            ck_assert_int_eq(cons_merkle_proof_verify(&q, &root, items[i].ptr, items[i].len),
                             AG_ERR_INVALID_ARG);
        }
    }
}
END_TEST

START_TEST(merkle_proof_decode_rejects)
{
    cons_merkle_proof p;
    /* total 0 */
    static const uint8_t zero_total[] = {0x1a, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                         0,    0,    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    ck_assert_int_eq(cons_merkle_proof_decode(&p, zero_total, sizeof zero_total), AG_ERR_DECODE);
    /* total 1, leaf hash of 3 bytes */
    static const uint8_t short_leaf[] = {0x08, 0x01, 0x1a, 0x03, 1, 2, 3};
    ck_assert_int_eq(cons_merkle_proof_decode(&p, short_leaf, sizeof short_leaf), AG_ERR_LENGTH);
    /* truncated */
    static const uint8_t trunc[] = {0x08, 0x01, 0x1a, 0x20, 1, 2};
    ck_assert_int_eq(cons_merkle_proof_decode(&p, trunc, sizeof trunc), AG_ERR_DECODE);
    /* too many aunts: 64 x (0x22 0x20 + 32 bytes) */
    ag_buf b;
    ag_buf_init(&b, 0);
    static const uint8_t head[] = {0x08, 0x7f, 0x10, 0x01, 0x1a, 0x20};
    ck_assert_int_eq(ag_buf_append(&b, head, sizeof head), AG_OK);
    uint8_t zeros[32] = {0};
    ck_assert_int_eq(ag_buf_append(&b, zeros, 32), AG_OK);
    for (int i = 0; i < 64; i++) {
        ck_assert_int_eq(ag_buf_append_byte(&b, 0x22), AG_OK);
        ck_assert_int_eq(ag_buf_append_byte(&b, 0x20), AG_OK);
        ck_assert_int_eq(ag_buf_append(&b, zeros, 32), AG_OK);
    }
    ck_assert_int_eq(cons_merkle_proof_decode(&p, b.data, b.len), AG_ERR_TOO_LARGE);
    ag_buf_free(&b);
}
END_TEST

/* ---- Header: types/block_test.go TestHeaderHash ---- */

static void vector_header(cons_header *h)
{
    memset(h, 0, sizeof *h);
    h->version = (cons_version){1, 2};
    strcpy(h->chain_id, "chainId");
    h->height = 3;
    h->time = (cons_timestamp){1570983284, 0}; /* 2019-10-13T16:14:44Z */
    h->last_block_id.hash.len = 32;            /* 32 zero bytes */
    h->last_block_id.parts.total = 6;
    h->last_block_id.parts.hash.len = 32;
    uint8_t t[32];
    sum(t, "last_commit_hash");
    cons_hash_set(&h->last_commit_hash, t);
    sum(t, "data_hash");
    cons_hash_set(&h->data_hash, t);
    sum(t, "validators_hash");
    cons_hash_set(&h->validators_hash, t);
    sum(t, "next_validators_hash");
    cons_hash_set(&h->next_validators_hash, t);
    sum(t, "consensus_hash");
    cons_hash_set(&h->consensus_hash, t);
    sum(t, "app_hash");
    h->app_hash.len = 32;
    memcpy(h->app_hash.b, t, 32);
    sum(t, "last_results_hash");
    cons_hash_set(&h->last_results_hash, t);
    sum(t, "evidence_hash");
    cons_hash_set(&h->evidence_hash, t);
    sum(t, "proposer_address"); /* crypto.AddressHash: the first 20 bytes */
    memcpy(h->proposer_address.b, t, 20);
}

START_TEST(header_hash_vector)
{
    cons_header h;
    vector_header(&h);
    crypto_hash got;
    ck_assert_int_eq(cons_header_hash(&got, &h), AG_OK);
    check_hex(got.b, 32, "f740121f553b5418c3efbd343c2dbfe9e007bb67b0d020a0741374bab65242a4");
    /* "nil ValidatorsHash yields nil" */
    h.validators_hash.len = 0;
    ck_assert_int_eq(cons_header_hash(&got, &h), AG_ERR_INVALID_ARG);
}
END_TEST

START_TEST(header_roundtrip_and_rejects)
{
    cons_header h, back;
    vector_header(&h);
    ag_buf buf;
    ag_buf_init(&buf, 0);
    ck_assert_int_eq(cons_header_encode(&buf, &h), AG_OK);
    ck_assert_int_eq(cons_header_decode(&back, buf.data, buf.len), AG_OK);
    ck_assert_mem_eq(&h, &back, sizeof h);
    ag_buf_free(&buf);

    /* a 31-byte data hash */
    h.data_hash.len = 31;
    ag_buf_init(&buf, 0);
    ck_assert_int_eq(cons_header_encode(&buf, &h), AG_OK);
    ck_assert_int_eq(cons_header_decode(&back, buf.data, buf.len), AG_ERR_LENGTH);
    ag_buf_free(&buf);
    /* a nanos field out of range */
    vector_header(&h);
    h.time.nanos = 1000000000;
    ag_buf_init(&buf, 0);
    ck_assert_int_eq(cons_header_encode(&buf, &h), AG_OK);
    ck_assert_int_eq(cons_header_decode(&back, buf.data, buf.len), AG_ERR_DECODE);
    ag_buf_free(&buf);
    /* oversize input */
    static uint8_t big[CONS_HEADER_ENCODED_MAX + 1];
    ck_assert_int_eq(cons_header_decode(&back, big, sizeof big), AG_ERR_TOO_LARGE);
}
END_TEST

/* Self-consistency: the data hash is the Merkle root over SHA256(tx). */
START_TEST(data_hash_of_tx_hashes)
{
    crypto_hash got, want;
    ck_assert_int_eq(cons_data_hash(&got, NULL, 0), AG_OK);
    check_hex(got.b, 32, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *txs[] = {"a=1", "b=2", "c=3"};
    ag_slice s[3];
    uint8_t hashes[3][32];
    ag_slice hs[3];
    for (int i = 0; i < 3; i++) {
        s[i] = (ag_slice){(const uint8_t *)txs[i], strlen(txs[i])};
        sum(hashes[i], txs[i]);
        hs[i] = (ag_slice){hashes[i], 32};
    }
    ck_assert_int_eq(cons_data_hash(&got, s, 3), AG_OK);
    ck_assert_int_eq(cons_merkle_root(&want, hs, 3), AG_OK);
    ck_assert_mem_eq(got.b, want.b, 32);
}
END_TEST

static Suite *cons_types_suite(void)
{
    Suite *s = suite_create("cons_types");
    TCase *tc = ag_test_tcase("merkle");
    tcase_add_test(tc, merkle_vectors);
    tcase_add_test(tc, merkle_proofs_verify_and_tamper);
    tcase_add_test(tc, merkle_proof_decode_rejects);
    suite_add_tcase(s, tc);
    tc = ag_test_tcase("header");
    tcase_add_test(tc, header_hash_vector);
    tcase_add_test(tc, header_roundtrip_and_rejects);
    tcase_add_test(tc, data_hash_of_tx_hashes);
    suite_add_tcase(s, tc);
    return s;
}

AG_TEST_MAIN(cons_types_suite)
