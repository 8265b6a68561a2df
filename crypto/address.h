/*
 * address.h — account and validator addresses.
 *
 * Both are the 20 bytes RIPEMD160(SHA256(compressed secp256k1 public key)):
 *   - a Cosmos account address, shown as bech32 with prefix "agora"
 *     ("agora1..."), the same derivation Cosmos SDK, CosmJS and Keplr use;
 *   - a CometBFT validator address for a tendermint/PubKeySecp256k1 key,
 *     shown as 40 upper-case hex characters.
 */
#ifndef AGORA_CRYPTO_ADDRESS_H
#define AGORA_CRYPTO_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/keys.h"
#include "lib/err.h"

#define CRYPTO_ADDRESS_LEN  20
#define AGORA_BECH32_PREFIX "agora"
/* Room for any bech32 form of a 20-byte address with a prefix of up to 83 characters. */
#define CRYPTO_ADDRESS_STR_MAX 128

typedef struct crypto_address {
    uint8_t b[CRYPTO_ADDRESS_LEN];
} crypto_address;

void crypto_address_from_pubkey(crypto_address *out, const crypto_pubkey *pub);

/* "agora1..." (or another prefix); out must hold CRYPTO_ADDRESS_STR_MAX. */
ag_err crypto_address_to_bech32(char *out, size_t out_cap, const char *hrp,
                                const crypto_address *addr);

/* Parse a bech32 account address. AG_ERR_PREFIX if its prefix is not `hrp`,
 * AG_ERR_LENGTH if it does not hold exactly 20 bytes, and the bech32 errors. */
ag_err crypto_address_from_bech32(crypto_address *out, const char *hrp, const char *str);

/* 40 upper-case hex characters and a NUL (CometBFT's form). */
void crypto_address_to_hex(char out[2 * CRYPTO_ADDRESS_LEN + 1], const crypto_address *addr);

static inline bool crypto_address_equal(const crypto_address *a, const crypto_address *b)
{
    for (size_t i = 0; i < CRYPTO_ADDRESS_LEN; i++)
        if (a->b[i] != b->b[i])
            return false;
    return true;
}

#endif
