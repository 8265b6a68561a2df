/* Evidence decoders (DuplicateVoteEvidence, and the Evidence wrapper of
 * either kind, LightClientAttackEvidence included):
 * whatever decodes re-encodes to a canonical form that decodes and
 * re-encodes identically, hashes the same (always, when it passes
 * ValidateBasic), and reports its wrapped size exactly. */
#include <string.h>

#include "consensus/evidence.h"
#include "tests/fuzz/fuzz.h"

static void check(const cons_evidence *e)
{
    ag_buf b1, b2, w;
    ag_buf_init(&b1, 0);
    ag_buf_init(&b2, 0);
    ag_buf_init(&w, 0);
    FUZZ_ASSERT(cons_evidence_encode(&b1, e) == AG_OK);
    cons_evidence d = {0};
    if (e->kind == CONS_EVIDENCE_LIGHT_ATTACK) {
        FUZZ_ASSERT(cons_evidence_encode_wrapped(&w, e) == AG_OK);
        FUZZ_ASSERT(cons_evidence_decode_wrapped(&d, w.data, w.len) == AG_OK);
        ag_buf_reset(&w);
    } else {
        FUZZ_ASSERT(cons_evidence_decode(&d, b1.data, b1.len) == AG_OK);
    }
    FUZZ_ASSERT(d.kind == e->kind);
    FUZZ_ASSERT(cons_evidence_encode(&b2, &d) == AG_OK);
    FUZZ_ASSERT(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0);
    FUZZ_ASSERT(cons_evidence_encode_wrapped(&w, e) == AG_OK);
    FUZZ_ASSERT(cons_evidence_wrapped_size(e) == w.len);
    /* Evidence that passes ValidateBasic always hashes; a light-client
     * attack whose header has no validators_hash has no header hash, and
     * every caller (pool, RPC, block checks) refuses it before hashing. */
    ag_err valid = cons_evidence_validate_basic(e);
    FUZZ_ASSERT(valid == cons_evidence_validate_basic(&d));
    crypto_hash h1, h2;
    ag_err he1 = cons_evidence_hash(&h1, e);
    FUZZ_ASSERT(he1 == cons_evidence_hash(&h2, &d));
    FUZZ_ASSERT(valid != AG_OK || he1 == AG_OK);
    if (he1 == AG_OK)
        FUZZ_ASSERT(memcmp(h1.b, h2.b, 32) == 0);
    cons_evidence_clear(&d);
    ag_buf_free(&b1);
    ag_buf_free(&b2);
    ag_buf_free(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cons_evidence e = {0};
    if (cons_evidence_decode(&e, data, size) == AG_OK)
        check(&e);
    cons_evidence_clear(&e);
    if (cons_evidence_decode_wrapped(&e, data, size) == AG_OK)
        check(&e);
    cons_evidence_clear(&e);
    return 0;
}
