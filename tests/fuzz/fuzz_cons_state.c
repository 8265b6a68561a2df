/* Consensus state record decoder: whatever decodes re-encodes to bytes that
 * decode to a state encoding to the same bytes. */
#include <string.h>

#include "consensus/state_store.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cons_state st, back;
    if (cons_state_decode(&st, data, size) != AG_OK)
        return 0;
    ag_buf a, b;
    ag_buf_init(&a, 0);
    ag_buf_init(&b, 0);
    FUZZ_ASSERT(cons_state_encode(&a, &st) == AG_OK);
    FUZZ_ASSERT(cons_state_decode(&back, a.data, a.len) == AG_OK);
    FUZZ_ASSERT(cons_state_encode(&b, &back) == AG_OK);
    FUZZ_ASSERT(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    cons_state_clear(&st);
    cons_state_clear(&back);
    ag_buf_free(&a);
    ag_buf_free(&b);
    return 0;
}
