/* RFC 3339 times: whatever parses formats to a string that parses to the same time. */
#include <string.h>

#include "lib/rfc3339.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int64_t s, s2;
    int32_t ns, ns2;
    if (ag_rfc3339_parse((const char *)data, size, &s, &ns) != AG_OK)
        return 0;
    char out[AG_RFC3339_MAX];
    FUZZ_ASSERT(ag_rfc3339_format(out, s, ns) == AG_OK);
    FUZZ_ASSERT(ag_rfc3339_parse(out, strlen(out), &s2, &ns2) == AG_OK);
    FUZZ_ASSERT(s == s2 && ns == ns2);
    return 0;
}
