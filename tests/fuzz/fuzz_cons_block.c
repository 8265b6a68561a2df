/* Block decoder: whatever decodes re-encodes to bytes that decode to the same
 * block (the second encoding equals the first), validates and hashes without
 * crashing, and cuts into parts that reassemble to the same bytes. */
#include <string.h>

#include "consensus/block.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cons_block b = {0}, c = {0};
    if (cons_block_decode(&b, data, size) != AG_OK)
        return 0;
    ag_buf e1, e2;
    ag_buf_init(&e1, CONS_BLOCK_SIZE_MAX);
    ag_buf_init(&e2, CONS_BLOCK_SIZE_MAX);
    FUZZ_ASSERT(cons_block_encode(&e1, &b) == AG_OK);
    FUZZ_ASSERT(cons_block_decode(&c, e1.data, e1.len) == AG_OK);
    FUZZ_ASSERT(cons_block_encode(&e2, &c) == AG_OK);
    FUZZ_ASSERT(e1.len == e2.len && memcmp(e1.data, e2.data, e1.len) == 0);
    FUZZ_ASSERT(b.n_txs == c.n_txs && b.n_evidence == c.n_evidence);
    FUZZ_ASSERT(memcmp(&b.header, &c.header, sizeof b.header) == 0);
    ag_err v1 = cons_block_validate_basic(&b), v2 = cons_block_validate_basic(&c);
    FUZZ_ASSERT(v1 == v2);
    crypto_hash h;
    FUZZ_ASSERT(cons_block_hash(&h, &b) ==
                (b.header.validators_hash.len ? AG_OK : AG_ERR_INVALID_ARG));
    if (e1.len > 0) {
        cons_part_set ps;
        FUZZ_ASSERT(cons_block_make_part_set(&ps, &b) == AG_OK);
        ag_buf re;
        ag_buf_init(&re, CONS_BLOCK_SIZE_MAX);
        FUZZ_ASSERT(cons_part_set_assemble(&ps, &re) == AG_OK);
        FUZZ_ASSERT(re.len == e1.len && memcmp(re.data, e1.data, re.len) == 0);
        ag_buf_free(&re);
        cons_part_set_free(&ps);
    }
    ag_buf_free(&e1);
    ag_buf_free(&e2);
    cons_block_clear(&b);
    cons_block_clear(&c);
    return 0;
}
