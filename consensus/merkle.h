/*
 * merkle.h — CometBFT's simple Merkle tree (RFC 6962 shape) and its proofs.
 *
 *   empty tree   SHA256("")
 *   leaf         SHA256(0x00 || item)
 *   inner node   SHA256(0x01 || left || right)
 *   split        a tree of n > 1 items puts the largest power of two < n on
 *                the left, the rest on the right
 *
 * A proof (tendermint.crypto.Proof) carries the index, the total, the leaf
 * hash and the aunts: sibling hashes from the leaf's level up to the root's
 * children. Verification follows CometBFT's Proof.Verify exactly, including
 * refusing a proof with too many or too few aunts.
 *
 * Everything is deterministic and allocation-bounded; none of these functions
 * keeps a pointer after it returns.
 */
#ifndef AGORA_CONSENSUS_MERKLE_H
#define AGORA_CONSENSUS_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "consensus/limits.h"
#include "crypto/hash.h"
#include "lib/buf.h"
#include "lib/err.h"

typedef struct cons_merkle_proof {
    int64_t total;
    int64_t index;
    crypto_hash leaf_hash;
    uint32_t n_aunts; /* <= CONS_MERKLE_AUNTS_MAX */
    crypto_hash aunts[CONS_MERKLE_AUNTS_MAX];
} cons_merkle_proof;

void cons_merkle_leaf_hash(crypto_hash *out, const void *item, size_t len);
void cons_merkle_inner_hash(crypto_hash *out, const crypto_hash *left, const crypto_hash *right);

/* The largest power of two strictly below n (n >= 2). */
uint64_t cons_merkle_split_point(uint64_t n);

/* Root over n items (items may be NULL when n == 0). AG_ERR_NOMEM. */
ag_err cons_merkle_root(crypto_hash *out, const ag_slice *items, size_t n);

/* Root over n precomputed leaf hashes (SHA256(0x00 || item) each). Cannot fail. */
void cons_merkle_root_from_leaf_hashes(crypto_hash *out, const crypto_hash *leaf_hashes, size_t n);

/* Root and one proof per item: proofs must hold n entries (caller's memory).
 * AG_ERR_NOMEM; AG_ERR_TOO_LARGE if n needs more than CONS_MERKLE_AUNTS_MAX
 * levels (impossible below 2^63 items). */
ag_err cons_merkle_proofs(crypto_hash *root, cons_merkle_proof *proofs, const ag_slice *items,
                          size_t n);

/* AG_OK if `proof` proves `item` under `root`. AG_ERR_VERIFY if it does not
 * (wrong leaf, wrong root, or an aunt count that does not match the shape of
 * a tree of proof->total leaves); AG_ERR_INVALID_ARG for a negative or
 * out-of-range total/index. */
ag_err cons_merkle_proof_verify(const cons_merkle_proof *proof, const crypto_hash *root,
                                const void *item, size_t len);

/* tendermint.crypto.Proof encoding. The decoder refuses non-32-byte hashes,
 * more than CONS_MERKLE_AUNTS_MAX aunts, a negative total or index, and
 * index >= total (AG_ERR_DECODE / AG_ERR_TOO_LARGE); *out is zeroed on error. */
ag_err cons_merkle_proof_encode(ag_buf *out, const cons_merkle_proof *proof);
ag_err cons_merkle_proof_decode(cons_merkle_proof *out, const uint8_t *in, size_t len);

#endif
