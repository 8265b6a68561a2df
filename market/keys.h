/*
 * keys.h — the store key layout of the market application.
 *
 * The first byte of every key says what it holds. auth, bank, params and
 * application metadata use 0x01..0x0F; the market modules use 0x10..0x3F.
 *
 *   0x01 | address(20)            account: account_number u64 BE, sequence
 *                                 u64 BE, flag u8 (1: pubkey follows),
 *                                 pubkey(33) if flag
 *   0x02 | address(20) | denom    balance: amount u128 BE (16 bytes); absent
 *                                 when zero (never stored as zero)
 *   0x03 | denom                  total supply of denom: u128 BE
 *   0x04                          next account number: u64 BE
 *   0x05                          params (market/auth.h market_auth_params_encode)
 *   0x06                          chain id (bytes, no NUL)
 *
 * Integers are big-endian so that keys holding them sort numerically.
 */
#ifndef AGORA_MARKET_KEYS_H
#define AGORA_MARKET_KEYS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crypto/address.h"
#include "state/tx_limits.h"

#define MARKET_KEY_ACCOUNT     0x01
#define MARKET_KEY_BALANCE     0x02
#define MARKET_KEY_SUPPLY      0x03
#define MARKET_KEY_NEXT_ACCNUM 0x04
#define MARKET_KEY_PARAMS      0x05
#define MARKET_KEY_CHAIN_ID    0x06
/* First and last prefix byte reserved for the market modules. */
#define MARKET_KEY_MODULES_FIRST 0x10
#define MARKET_KEY_MODULES_LAST  0x3F

/* Longest key built here: prefix, address, denom. */
#define MARKET_KEY_MAX (1 + CRYPTO_ADDRESS_LEN + MARKET_DENOM_MAX)

static inline size_t market_key_account(uint8_t out[MARKET_KEY_MAX], const crypto_address *a)
{
    out[0] = MARKET_KEY_ACCOUNT;
    memcpy(out + 1, a->b, CRYPTO_ADDRESS_LEN);
    return 1 + CRYPTO_ADDRESS_LEN;
}

/* denom: NUL-terminated, at most MARKET_DENOM_MAX bytes (validated by the caller). */
static inline size_t market_key_balance(uint8_t out[MARKET_KEY_MAX], const crypto_address *a,
                                        const char *denom)
{
    size_t n = strlen(denom);
    out[0] = MARKET_KEY_BALANCE;
    memcpy(out + 1, a->b, CRYPTO_ADDRESS_LEN);
    memcpy(out + 1 + CRYPTO_ADDRESS_LEN, denom, n);
    return 1 + CRYPTO_ADDRESS_LEN + n;
}

static inline size_t market_key_supply(uint8_t out[MARKET_KEY_MAX], const char *denom)
{
    size_t n = strlen(denom);
    out[0] = MARKET_KEY_SUPPLY;
    memcpy(out + 1, denom, n);
    return 1 + n;
}

static inline void market_put_u64(uint8_t out[8], uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        out[i] = (uint8_t)v;
}

static inline uint64_t market_get_u64(const uint8_t in[8])
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | in[i];
    return v;
}

#endif
