/* bech32 decoder and account-address parser: whatever decodes re-encodes to
 * the same string (modulo case); the byte form round-trips too. */
#include <string.h>
#include <strings.h>

#include "crypto/address.h"
#include "lib/bech32.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char in[AG_BECH32_MAX_LEN_COSMOS + 2];
    if (size >= sizeof in)
        return 0;
    memcpy(in, data, size);
    in[size] = '\0';

    char hrp[AG_BECH32_HRP_MAX + 1], again[AG_BECH32_MAX_LEN_COSMOS + 1];
    uint8_t d5[AG_BECH32_MAX_LEN_COSMOS], bytes[AG_BECH32_MAX_LEN_COSMOS];
    size_t n5, nb;
    if (ag_bech32_decode(hrp, sizeof hrp, d5, sizeof d5, &n5, in, AG_BECH32_MAX_LEN_COSMOS) ==
        AG_OK) {
        FUZZ_ASSERT(ag_bech32_encode(again, sizeof again, hrp, d5, n5) == AG_OK);
        FUZZ_ASSERT(strcasecmp(again, in) == 0);
    }
    if (ag_bech32_decode_bytes(hrp, sizeof hrp, bytes, sizeof bytes, &nb, in,
                               AG_BECH32_MAX_LEN_COSMOS) == AG_OK) {
        FUZZ_ASSERT(ag_bech32_encode_bytes(again, sizeof again, hrp, bytes, nb) == AG_OK);
        FUZZ_ASSERT(strcasecmp(again, in) == 0);
    }
    crypto_address addr;
    if (crypto_address_from_bech32(&addr, AGORA_BECH32_PREFIX, in) == AG_OK) {
        FUZZ_ASSERT(crypto_address_to_bech32(again, sizeof again, AGORA_BECH32_PREFIX, &addr) ==
                    AG_OK);
        FUZZ_ASSERT(strcasecmp(again, in) == 0);
    }
    return 0;
}
