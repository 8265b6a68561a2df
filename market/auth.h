/*
 * auth.h — accounts and chain parameters.
 *
 * An account is created the first time it receives funds (or at genesis)
 * with the next account number; its public key is set by its first
 * signature. Module accounts (the fee collector, the community pool, and
 * later the market's escrow) have addresses SHA-256(name)[0..20), as the
 * Cosmos SDK derives them, and no key: nobody can sign for them.
 */
#ifndef AGORA_MARKET_AUTH_H
#define AGORA_MARKET_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto/address.h"
#include "crypto/keys.h"
#include "lib/buf.h"
#include "market/module.h"
#include "state/coin.h"

#define MARKET_DENOM         "uagora"
#define MARKET_FEE_COLLECTOR "fee_collector"
#define MARKET_COMMUNITY     "community"
/* Largest decimal exponent of the min gas price's denominator. */
#define MARKET_GAS_PRICE_DECIMALS 18

struct market_auth_params {
    char fee_denom[MARKET_DENOM_MAX + 1]; /* the denom fees must include */
    uint64_t gas_price_num;               /* min gas price = num / den per gas unit */
    uint64_t gas_price_den;               /* a power of ten, 1..10^18 */
    uint64_t max_memo_characters;         /* bytes, <= MARKET_TX_MAX_MEMO */
    uint64_t max_tx_bytes;                /* <= MARKET_TX_MAX_BYTES */
};

/* uagora, 0.025 per gas, 256-byte memos, 1 MiB txs. */
void market_auth_params_default(market_auth_params *p);
/* Check the ranges above: AG_ERR_INVALID_ARG naming the field. */
ag_err market_auth_params_validate(const market_auth_params *p);
/* The fee a gas limit needs: ceil(gas * num / den) of fee_denom. */
market_u128 market_auth_params_min_fee(const market_auth_params *p, uint64_t gas_limit);
/* "0.025" <-> num/den (den a power of ten; at most 18 decimals). */
ag_err market_gas_price_parse(const char *s, uint64_t *num, uint64_t *den);
void market_gas_price_format(char out[48], uint64_t num, uint64_t den);
/* Store encoding (key 0x05). */
ag_err market_auth_params_encode(const market_auth_params *p, ag_buf *out);
ag_err market_auth_params_decode(market_auth_params *p, const uint8_t *in, size_t len);

typedef struct market_account {
    crypto_address address;
    uint64_t number;
    uint64_t sequence;
    bool has_pubkey;
    crypto_pubkey pubkey;
} market_account;

/* SHA-256(name) truncated to 20 bytes. */
void market_module_address(const char *name, crypto_address *out);

/* AG_ERR_NOT_FOUND if the account does not exist; AG_ERR_CORRUPT for a bad record. */
ag_err market_account_get(market_ctx *ctx, const crypto_address *addr, market_account *out);
ag_err market_account_set(market_ctx *ctx, const market_account *acc);
/* Create the account with the next account number (AG_ERR_EXISTS if it is there). */
ag_err market_account_create(market_ctx *ctx, const crypto_address *addr, market_account *out);
/* The account, created first if absent. */
ag_err market_account_ensure(market_ctx *ctx, const crypto_address *addr, market_account *out);
/* Record decoding, for queries and genesis export. */
ag_err market_account_decode(market_account *out, const crypto_address *addr, const uint8_t *in,
                             size_t len);

/* Next account number (genesis import/export). */
ag_err market_next_account_number_get(market_ctx *ctx, uint64_t *out);
ag_err market_next_account_number_set(market_ctx *ctx, uint64_t v);

/* The auth module (Query/Account; genesis "auth": params and accounts). */
extern const market_module market_auth_module;

#endif
