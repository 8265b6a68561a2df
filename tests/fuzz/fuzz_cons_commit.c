/* Header and Commit decoders: whatever decodes re-encodes to a message that
 * decodes to the same value, and hashes without failing (when it has one). */
#include <string.h>

#include "consensus/commit.h"
#include "consensus/header.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ag_buf buf;
    ag_buf_init(&buf, 0);
    cons_header h, hb;
    if (cons_header_decode(&h, data, size) == AG_OK) {
        FUZZ_ASSERT(cons_header_encode(&buf, &h) == AG_OK);
        FUZZ_ASSERT(cons_header_decode(&hb, buf.data, buf.len) == AG_OK);
        FUZZ_ASSERT(memcmp(&h, &hb, sizeof h) == 0);
        crypto_hash hash;
        FUZZ_ASSERT(cons_header_hash(&hash, &h) ==
                    (h.validators_hash.len ? AG_OK : AG_ERR_INVALID_ARG));
    }
    ag_buf_reset(&buf);
    cons_commit c = {0}, cb = {0};
    if (cons_commit_decode(&c, data, size) == AG_OK) {
        FUZZ_ASSERT(cons_commit_encode(&buf, &c) == AG_OK);
        FUZZ_ASSERT(cons_commit_decode(&cb, buf.data, buf.len) == AG_OK);
        FUZZ_ASSERT(c.n_sigs == cb.n_sigs && c.height == cb.height && c.round == cb.round);
        FUZZ_ASSERT(c.n_sigs == 0 || memcmp(c.sigs, cb.sigs, c.n_sigs * sizeof *c.sigs) == 0);
        crypto_hash h1, h2;
        FUZZ_ASSERT(cons_commit_hash(&h1, &c) == AG_OK);
        FUZZ_ASSERT(cons_commit_hash(&h2, &cb) == AG_OK);
        FUZZ_ASSERT(memcmp(h1.b, h2.b, 32) == 0);
    }
    cons_commit_clear(&c);
    cons_commit_clear(&cb);
    ag_buf_free(&buf);
    return 0;
}
