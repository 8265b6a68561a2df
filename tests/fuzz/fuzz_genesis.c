/* Genesis documents: whatever parses re-encodes to a document that parses to
 * the same JSON again (a fixed point after one round). */
#include <stdlib.h>
#include <string.h>

#include "genesis/genesis.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    genesis_doc doc;
    if (genesis_doc_parse(&doc, (const char *)data, size) != AG_OK)
        return 0;
    char *a = NULL, *b = NULL;
    FUZZ_ASSERT(genesis_doc_to_json(&doc, &a) == AG_OK);
    genesis_doc again;
    FUZZ_ASSERT(genesis_doc_parse(&again, a, strlen(a)) == AG_OK);
    FUZZ_ASSERT(genesis_doc_to_json(&again, &b) == AG_OK);
    FUZZ_ASSERT(strcmp(a, b) == 0);
    free(a);
    free(b);
    genesis_doc_free(&again);
    genesis_doc_free(&doc);
    return 0;
}
