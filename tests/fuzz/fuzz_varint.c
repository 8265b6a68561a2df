/* Varint decoder: a decoded value re-encodes minimally and decodes back to itself. */
#include "lib/varint.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t v, w;
    size_t used, used2;
    ag_err err = ag_uvarint_decode(data, size, &v, &used);
    if (err == AG_ERR_TRUNCATED) {
        FUZZ_ASSERT(size < AG_UVARINT_MAX);
        return 0;
    }
    if (err != AG_OK)
        return 0;
    FUZZ_ASSERT(used >= 1 && used <= size && used <= AG_UVARINT_MAX);
    uint8_t buf[AG_UVARINT_MAX];
    size_t n = ag_uvarint_encode(buf, v);
    FUZZ_ASSERT(n <= used);
    FUZZ_ASSERT(ag_uvarint_decode(buf, n, &w, &used2) == AG_OK && w == v && used2 == n);
    return 0;
}
