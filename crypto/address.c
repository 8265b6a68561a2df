#include "crypto/address.h"

#include <string.h>

#include "crypto/hash.h"
#include "lib/bech32.h"
#include "lib/hex.h"

void crypto_address_from_pubkey(crypto_address *out, const crypto_pubkey *pub)
{
    crypto_hash160(out->b, pub->b, sizeof pub->b);
}

ag_err crypto_address_to_bech32(char *out, size_t out_cap, const char *hrp,
                                const crypto_address *addr)
{
    return ag_bech32_encode_bytes(out, out_cap, hrp, addr->b, sizeof addr->b);
}

ag_err crypto_address_from_bech32(crypto_address *out, const char *hrp, const char *str)
{
    char got_hrp[AG_BECH32_HRP_MAX + 1];
    uint8_t bytes[64];
    size_t n;
    memset(out, 0, sizeof *out);
    ag_err err = ag_bech32_decode_bytes(got_hrp, sizeof got_hrp, bytes, sizeof bytes, &n, str,
                                        AG_BECH32_MAX_LEN_BIP173);
    if (err)
        return err;
    if (strcmp(got_hrp, hrp) != 0)
        return ag_err_set(AG_ERR_PREFIX, "address prefix is '%s', want '%s'", got_hrp, hrp);
    if (n != CRYPTO_ADDRESS_LEN)
        return ag_err_set(AG_ERR_LENGTH, "address holds %zu bytes, want %d", n, CRYPTO_ADDRESS_LEN);
    memcpy(out->b, bytes, CRYPTO_ADDRESS_LEN);
    return AG_OK;
}

void crypto_address_to_hex(char out[2 * CRYPTO_ADDRESS_LEN + 1], const crypto_address *addr)
{
    ag_hex_encode(out, addr->b, sizeof addr->b, true);
}
