/* Tree node records (read back from disk, so treated as hostile): whatever
 * decodes re-encodes to a record that decodes to the same node. */
#include <string.h>

#include "state/smt.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    state_smt_node a, b;
    if (state_smt_node_decode(&a, data, size) != AG_OK)
        return 0;
    ag_buf buf;
    ag_buf_init(&buf, STATE_SMT_NODE_MAX);
    FUZZ_ASSERT(state_smt_node_encode(&a, &buf) == AG_OK);
    FUZZ_ASSERT(buf.len <= size);
    FUZZ_ASSERT(state_smt_node_decode(&b, buf.data, buf.len) == AG_OK);
    FUZZ_ASSERT(memcmp(&a, &b, sizeof a) == 0);
    state_smt_entry e;
    state_smt_node_hash(&a, &e, NULL);
    ag_buf_free(&buf);
    return 0;
}
