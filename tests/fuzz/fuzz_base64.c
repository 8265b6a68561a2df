/* Strict base64 decoder: anything that decodes re-encodes to exactly the input. */
#include <string.h>

#include "lib/base64.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    uint8_t out[3072];
    char again[4097];
    size_t n;
    if (ag_base64_decode(out, sizeof out, &n, (const char *)data, size) != AG_OK)
        return 0;
    ag_base64_encode(again, out, n);
    FUZZ_ASSERT(strlen(again) == size);
    FUZZ_ASSERT(memcmp(again, data, size) == 0);
    return 0;
}
