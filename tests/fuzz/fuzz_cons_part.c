/* Part and Proof decoders: whatever decodes re-encodes to the same bytes'
 * meaning; a decoded part added to a set built from its own proof's root is
 * accepted exactly when the proof verifies. */
#include <string.h>

#include "consensus/part_set.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ag_buf buf;
    ag_buf_init(&buf, 0);
    cons_part p = {0}, back = {0};
    if (cons_part_decode(&p, data, size) == AG_OK) {
        FUZZ_ASSERT(cons_part_encode(&buf, &p) == AG_OK);
        FUZZ_ASSERT(cons_part_decode(&back, buf.data, buf.len) == AG_OK);
        FUZZ_ASSERT(back.index == p.index && back.len == p.len);
        FUZZ_ASSERT(p.len == 0 || memcmp(back.bytes, p.bytes, p.len) == 0);
        FUZZ_ASSERT(memcmp(&back.proof, &p.proof, sizeof p.proof) == 0);
        if (p.proof.total <= CONS_BLOCK_PARTS_MAX) {
            /* the root the proof claims: the leaf hash folded with the aunts */
            cons_part_set_header h = {(uint32_t)p.proof.total, {0}};
            h.hash.len = 32;
            crypto_hash leaf;
            cons_merkle_leaf_hash(&leaf, p.bytes, p.len);
            memcpy(h.hash.b, leaf.b, 32);
            cons_part_set ps;
            FUZZ_ASSERT(cons_part_set_init(&ps, &h) == AG_OK);
            bool added;
            ag_err err = cons_part_set_add(&ps, &p, &added);
            crypto_hash root;
            memcpy(root.b, h.hash.b, 32);
            FUZZ_ASSERT((err == AG_OK) ==
                        (cons_merkle_proof_verify(&p.proof, &root, p.bytes, p.len) == AG_OK));
            cons_part_set_free(&ps);
        }
    }
    cons_part_clear(&p);
    cons_part_clear(&back);
    ag_buf_reset(&buf);
    cons_merkle_proof proof, proof2;
    if (cons_merkle_proof_decode(&proof, data, size) == AG_OK) {
        FUZZ_ASSERT(cons_merkle_proof_encode(&buf, &proof) == AG_OK);
        FUZZ_ASSERT(cons_merkle_proof_decode(&proof2, buf.data, buf.len) == AG_OK);
        FUZZ_ASSERT(memcmp(&proof, &proof2, sizeof proof) == 0);
    }
    ag_buf_free(&buf);
    return 0;
}
