/* config.ini: whatever parses, written back out, parses to the same config. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/config.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16 || memchr(data, '\0', size))
        return 0;
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    node_config a, b;
    node_config_default(&a);
    if (node_config_parse(&a, text, "fuzz") == AG_OK) {
        char *out = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);
        FUZZ_ASSERT(node_config_write(&a, f) == AG_OK);
        fclose(f);
        node_config_default(&b);
        FUZZ_ASSERT(node_config_parse(&b, out, "again") == AG_OK);
        FUZZ_ASSERT(memcmp(&a, &b, sizeof a) == 0);
        free(out);
    }
    free(text);
    return 0;
}
