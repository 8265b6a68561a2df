/* ValidatorSet decoder: whatever decodes is a valid set (sorted, total within
 * the maximum, proposer in the set) that re-encodes and decodes to the same
 * validators, hashes, and can select the next proposer. */
#include <string.h>

#include "consensus/validator_set.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cons_valset vs, back;
    if (cons_valset_decode(&vs, data, size) != AG_OK)
        return 0;
    FUZZ_ASSERT(vs.n >= 1 && vs.total_power <= CONS_TOTAL_VOTING_POWER_MAX);
    ag_buf buf;
    ag_buf_init(&buf, 0);
    FUZZ_ASSERT(cons_valset_encode(&buf, &vs) == AG_OK);
    FUZZ_ASSERT(cons_valset_decode(&back, buf.data, buf.len) == AG_OK);
    FUZZ_ASSERT(back.n == vs.n && memcmp(back.vals, vs.vals, vs.n * sizeof *vs.vals) == 0);
    crypto_hash h1, h2;
    FUZZ_ASSERT(cons_valset_hash(&h1, &vs) == AG_OK);
    FUZZ_ASSERT(cons_valset_hash(&h2, &back) == AG_OK);
    FUZZ_ASSERT(memcmp(h1.b, h2.b, 32) == 0);
    FUZZ_ASSERT(cons_valset_increment(&vs, 3) == AG_OK);
    cons_validator p;
    FUZZ_ASSERT(cons_valset_proposer(&vs, &p) == AG_OK);
    ag_buf_free(&buf);
    cons_valset_free(&vs);
    cons_valset_free(&back);
    return 0;
}
