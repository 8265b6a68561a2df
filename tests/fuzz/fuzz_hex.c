/* Hex decoder: anything that decodes re-encodes to the input (modulo case). */
#include <strings.h>

#include "lib/hex.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    uint8_t out[2048];
    char again[4097];
    size_t n;
    if (ag_hex_decode(out, sizeof out, &n, (const char *)data, size) != AG_OK)
        return 0;
    FUZZ_ASSERT(n * 2 == size);
    ag_hex_encode(again, out, n, false);
    FUZZ_ASSERT(strncasecmp(again, (const char *)data, size) == 0);
    return 0;
}
