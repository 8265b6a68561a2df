/* Public-key protobuf envelopes: whatever decodes is a valid point and round-trips. */
#include <string.h>

#include "crypto/pubkey_proto.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    crypto_pubkey pub, back;
    ag_buf buf;
    ag_buf_init(&buf, 1024);
    if (crypto_pubkey_decode_tendermint(&pub, data, size) == AG_OK) {
        FUZZ_ASSERT(crypto_pubkey_encode_tendermint(&buf, &pub) == AG_OK);
        FUZZ_ASSERT(crypto_pubkey_decode_tendermint(&back, buf.data, buf.len) == AG_OK);
        FUZZ_ASSERT(memcmp(pub.b, back.b, sizeof pub.b) == 0);
    }
    ag_buf_reset(&buf);
    if (crypto_pubkey_decode_cosmos(&pub, data, size) == AG_OK) {
        FUZZ_ASSERT(crypto_pubkey_encode_cosmos(&buf, &pub) == AG_OK);
        FUZZ_ASSERT(crypto_pubkey_decode_cosmos(&back, buf.data, buf.len) == AG_OK);
        FUZZ_ASSERT(memcmp(pub.b, back.b, sizeof pub.b) == 0);
    }
    ag_buf_free(&buf);
    return 0;
}
