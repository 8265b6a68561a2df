/* FilePV JSON decoders: a state that parses re-encodes to JSON that parses to
 * the same state; a key that parses re-encodes to the same key. */
#include <stdlib.h>
#include <string.h>

#include "consensus/privval.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *json = (const char *)data;
    cons_privval_state st, back;
    if (cons_privval_state_from_json(&st, json, size) == AG_OK) {
        char *out;
        FUZZ_ASSERT(cons_privval_state_to_json(&out, &st) == AG_OK);
        FUZZ_ASSERT(cons_privval_state_from_json(&back, out, strlen(out)) == AG_OK);
        FUZZ_ASSERT(back.height == st.height && back.round == st.round && back.step == st.step);
        FUZZ_ASSERT(back.sign_bytes_len == st.sign_bytes_len &&
                    memcmp(back.sign_bytes, st.sign_bytes, st.sign_bytes_len) == 0);
        FUZZ_ASSERT(back.signature.len == st.signature.len &&
                    memcmp(back.signature.b, st.signature.b, st.signature.len) == 0);
        free(out);
    }
    crypto_privkey key, key2;
    crypto_pubkey pub, pub2;
    if (cons_privval_key_from_json(&key, &pub, json, size) == AG_OK) {
        char *out;
        FUZZ_ASSERT(cons_privval_key_to_json(&out, &key) == AG_OK);
        FUZZ_ASSERT(cons_privval_key_from_json(&key2, &pub2, out, strlen(out)) == AG_OK);
        FUZZ_ASSERT(memcmp(key.b, key2.b, sizeof key.b) == 0);
        FUZZ_ASSERT(memcmp(pub.b, pub2.b, sizeof pub.b) == 0);
        free(out);
    }
    return 0;
}
