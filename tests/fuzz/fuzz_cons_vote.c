/* Vote and Proposal decoders: whatever decodes re-encodes to a message that
 * decodes to the same value, and its sign bytes can be computed. */
#include <string.h>

#include "consensus/proposal.h"
#include "consensus/vote.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ag_buf buf, again;
    ag_buf_init(&buf, 0);
    ag_buf_init(&again, 0);
    cons_vote v = {0}, back = {0};
    if (cons_vote_decode(&v, data, size) == AG_OK) {
        FUZZ_ASSERT(cons_vote_encode(&buf, &v) == AG_OK);
        FUZZ_ASSERT(cons_vote_decode(&back, buf.data, buf.len) == AG_OK);
        FUZZ_ASSERT(cons_vote_encode(&again, &back) == AG_OK);
        FUZZ_ASSERT(buf.len == again.len && memcmp(buf.data, again.data, buf.len) == 0);
        ag_buf_reset(&buf);
        FUZZ_ASSERT(cons_vote_sign_bytes(&buf, "agora", &v) == AG_OK);
        ag_buf_reset(&buf);
        FUZZ_ASSERT(cons_vote_extension_sign_bytes(&buf, "agora", &v) == AG_OK);
        (void)cons_vote_validate_basic(&v);
    }
    cons_vote_clear(&v);
    cons_vote_clear(&back);
    ag_buf_reset(&buf);
    ag_buf_reset(&again);
    cons_proposal p, pb;
    if (cons_proposal_decode(&p, data, size) == AG_OK) {
        FUZZ_ASSERT(cons_proposal_encode(&buf, &p) == AG_OK);
        FUZZ_ASSERT(cons_proposal_decode(&pb, buf.data, buf.len) == AG_OK);
        FUZZ_ASSERT(memcmp(&p, &pb, sizeof p) == 0);
        FUZZ_ASSERT(cons_proposal_sign_bytes(&again, "agora", &p) == AG_OK);
        (void)cons_proposal_validate_basic(&p);
    }
    ag_buf_free(&buf);
    ag_buf_free(&again);
    return 0;
}
