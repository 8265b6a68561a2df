/*
 * ics23.h — ICS23 proofs for the store's tree: encoding what the tree
 * proves, and verifying proofs received from anyone.
 *
 * The spec is ICS23's SMT spec: leaf = SHA256(0x00 || SHA256(key) ||
 * SHA256(value)) (no length prefixes), inner = SHA256(0x01 || left || right)
 * with 32-byte children, empty child = 32 zero bytes, depth <= 256, keys
 * compared by SHA256(key). Verification follows the reference verifier
 * (cosmos/ics23 v0.10+) and is stricter where it is loose: the leaf prefix
 * must be exactly 0x00, every step must be a well-formed left or right step
 * with inner prefix 0x01, and a non-existence proof's key field, if set, must
 * be the key asked about. Each refusal names the check that failed (ag_err_detail):
 * AG_ERR_DECODE (malformed or oversized protobuf), AG_ERR_VERIFY (does not
 * prove the claim against the root).
 */
#ifndef AGORA_STATE_ICS23_H
#define AGORA_STATE_ICS23_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/hash.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "state/smt.h"

/* What an existence proof is built from: the pair and its path (root first). */
typedef struct state_ics23_exist {
    const uint8_t *key;
    size_t klen;
    const uint8_t *value;
    size_t vlen;
    const state_smt_step *steps;
    unsigned nsteps;
} state_ics23_exist;

/* Append a CommitmentProof{exist} to out. */
ag_err state_ics23_encode_existence(ag_buf *out, const state_ics23_exist *e);
/* Append a CommitmentProof{nonexist}; left or right may be NULL (not both). */
ag_err state_ics23_encode_nonexistence(ag_buf *out, const uint8_t *key, size_t klen,
                                       const state_ics23_exist *left,
                                       const state_ics23_exist *right);

/* AG_OK only if `proof` proves key -> value under `root`. */
ag_err state_ics23_verify_membership(const crypto_hash *root, const uint8_t *proof, size_t len,
                                     const uint8_t *key, size_t klen, const uint8_t *value,
                                     size_t vlen);
/* AG_OK only if `proof` proves `key` absent under `root`. */
ag_err state_ics23_verify_nonmembership(const crypto_hash *root, const uint8_t *proof, size_t len,
                                        const uint8_t *key, size_t klen);

#endif
