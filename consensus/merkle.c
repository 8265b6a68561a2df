/* merkle.c — CometBFT simple Merkle tree: roots, proofs, verification. */
#include "consensus/merkle.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "consensus/pb.h"
#include "tendermint/crypto/proof.pb-c.h"

void cons_merkle_leaf_hash(crypto_hash *out, const void *item, size_t len)
{
    static const uint8_t prefix = 0x00;
    crypto_sha256_ctx ctx;
    crypto_sha256_init(&ctx);
    crypto_sha256_update(&ctx, &prefix, 1);
    crypto_sha256_update(&ctx, item, len);
    crypto_sha256_final(&ctx, out->b);
}

void cons_merkle_inner_hash(crypto_hash *out, const crypto_hash *left, const crypto_hash *right)
{
    uint8_t buf[1 + 2 * CRYPTO_SHA256_LEN];
    buf[0] = 0x01;
    memcpy(buf + 1, left->b, CRYPTO_SHA256_LEN);
    memcpy(buf + 1 + CRYPTO_SHA256_LEN, right->b, CRYPTO_SHA256_LEN);
    crypto_sha256(out->b, buf, sizeof buf);
}

uint64_t cons_merkle_split_point(uint64_t n)
{
    uint64_t k = 1;
    while (k < n && k <= (UINT64_MAX >> 1) && (k << 1) < n)
        k <<= 1;
    return k;
}

static void root_of(crypto_hash *out, const crypto_hash *leaves, size_t n)
{
    if (n == 1) {
        *out = leaves[0];
        return;
    }
    size_t k = (size_t)cons_merkle_split_point(n);
    crypto_hash l, r;
    root_of(&l, leaves, k);
    root_of(&r, leaves + k, n - k);
    cons_merkle_inner_hash(out, &l, &r);
}

void cons_merkle_root_from_leaf_hashes(crypto_hash *out, const crypto_hash *leaf_hashes, size_t n)
{
    if (n == 0) {
        crypto_sha256(out->b, "", 0);
        return;
    }
    root_of(out, leaf_hashes, n);
}

static crypto_hash *leaf_hashes_of(const ag_slice *items, size_t n)
{
    crypto_hash *h = calloc(n ? n : 1, sizeof *h);
    if (!h)
        return NULL;
    for (size_t i = 0; i < n; i++)
        cons_merkle_leaf_hash(&h[i], items[i].ptr, items[i].len);
    return h;
}

ag_err cons_merkle_root(crypto_hash *out, const ag_slice *items, size_t n)
{
    crypto_hash *h = leaf_hashes_of(items, n);
    if (!h)
        return ag_err_set(AG_ERR_NOMEM, "merkle: %zu leaf hashes", n);
    cons_merkle_root_from_leaf_hashes(out, h, n);
    free(h);
    return AG_OK;
}

/* Hash of leaves[0..n) whose proofs are proofs[0..n); appends, bottom-up, the
 * sibling of each subtree to every proof below it. */
static void prove(crypto_hash *out, const crypto_hash *leaves, cons_merkle_proof *proofs, size_t n)
{
    if (n == 1) {
        *out = leaves[0];
        return;
    }
    size_t k = (size_t)cons_merkle_split_point(n);
    crypto_hash l, r;
    prove(&l, leaves, proofs, k);
    prove(&r, leaves + k, proofs + k, n - k);
    for (size_t i = 0; i < k; i++)
        proofs[i].aunts[proofs[i].n_aunts++] = r;
    for (size_t i = k; i < n; i++)
        proofs[i].aunts[proofs[i].n_aunts++] = l;
    cons_merkle_inner_hash(out, &l, &r);
}

ag_err cons_merkle_proofs(crypto_hash *root, cons_merkle_proof *proofs, const ag_slice *items,
                          size_t n)
{
    if (n > ((size_t)1 << 62))
        return ag_err_set(AG_ERR_TOO_LARGE, "merkle: %zu items", n);
    if (n == 0) {
        crypto_sha256(root->b, "", 0);
        return AG_OK;
    }
    crypto_hash *h = leaf_hashes_of(items, n);
    if (!h)
        return ag_err_set(AG_ERR_NOMEM, "merkle: %zu leaf hashes", n);
    for (size_t i = 0; i < n; i++) {
        memset(&proofs[i], 0, sizeof proofs[i]);
        proofs[i].total = (int64_t)n;
        proofs[i].index = (int64_t)i;
        proofs[i].leaf_hash = h[i];
    }
    prove(root, h, proofs, n);
    free(h);
    return AG_OK;
}

/* CometBFT's computeHashFromAunts: aunts[0..n_aunts) from the leaf upward;
 * false if the count does not fit the shape of the tree. */
static bool hash_from_aunts(crypto_hash *out, int64_t index, int64_t total, const crypto_hash *leaf,
                            const crypto_hash *aunts, uint32_t n_aunts)
{
    if (index >= total || index < 0 || total <= 0)
        return false;
    if (total == 1) {
        if (n_aunts != 0)
            return false;
        *out = *leaf;
        return true;
    }
    if (n_aunts == 0)
        return false;
    int64_t k = (int64_t)cons_merkle_split_point((uint64_t)total);
    crypto_hash sub;
    if (index < k) {
        if (!hash_from_aunts(&sub, index, k, leaf, aunts, n_aunts - 1))
            return false;
        cons_merkle_inner_hash(out, &sub, &aunts[n_aunts - 1]);
    } else {
        if (!hash_from_aunts(&sub, index - k, total - k, leaf, aunts, n_aunts - 1))
            return false;
        cons_merkle_inner_hash(out, &aunts[n_aunts - 1], &sub);
    }
    return true;
}

ag_err cons_merkle_proof_verify(const cons_merkle_proof *proof, const crypto_hash *root,
                                const void *item, size_t len)
{
    if (proof->total <= 0 || proof->index < 0 || proof->index >= proof->total)
        return ag_err_set(AG_ERR_INVALID_ARG, "merkle proof: index %lld of total %lld",
                          (long long)proof->index, (long long)proof->total);
    if (proof->n_aunts > CONS_MERKLE_AUNTS_MAX)
        return ag_err_set(AG_ERR_INVALID_ARG, "merkle proof: %u aunts", proof->n_aunts);
    crypto_hash leaf;
    cons_merkle_leaf_hash(&leaf, item, len);
    if (memcmp(leaf.b, proof->leaf_hash.b, CRYPTO_SHA256_LEN) != 0)
        return ag_err_set(AG_ERR_VERIFY, "merkle proof: leaf hash does not match the item");
    crypto_hash got;
    if (!hash_from_aunts(&got, proof->index, proof->total, &leaf, proof->aunts, proof->n_aunts))
        return ag_err_set(AG_ERR_VERIFY, "merkle proof: %u aunts do not fit a tree of %lld leaves",
                          proof->n_aunts, (long long)proof->total);
    if (memcmp(got.b, root->b, CRYPTO_SHA256_LEN) != 0)
        return ag_err_set(AG_ERR_VERIFY, "merkle proof: computed root does not match");
    return AG_OK;
}

ag_err cons_merkle_proof_encode(ag_buf *out, const cons_merkle_proof *proof)
{
    Tendermint__Crypto__Proof pb = TENDERMINT__CRYPTO__PROOF__INIT;
    ProtobufCBinaryData aunts[CONS_MERKLE_AUNTS_MAX];
    cons_merkle_proof copy = *proof; /* protobuf-c wants mutable pointers */
    ag_err err = cons_pb_proof_from(&pb, aunts, &copy);
    if (err)
        return err;
    return ag_pb_append(out, &pb.base);
}

ag_err cons_merkle_proof_decode(cons_merkle_proof *out, const uint8_t *in, size_t len)
{
    memset(out, 0, sizeof *out);
    size_t max = 64 + 36 * (CONS_MERKLE_AUNTS_MAX + 1);
    if (len > max)
        return ag_err_set(AG_ERR_TOO_LARGE, "Proof: %zu bytes (max %zu)", len, max);
    Tendermint__Crypto__Proof *pb = tendermint__crypto__proof__unpack(NULL, len, in);
    if (!pb)
        return ag_err_from_protobuf_c("tendermint.crypto.Proof");
    ag_err err = cons_pb_proof_to(out, pb);
    tendermint__crypto__proof__free_unpacked(pb, NULL);
    if (err)
        memset(out, 0, sizeof *out);
    return err;
}
