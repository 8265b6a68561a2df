/*
 * coin.h — Cosmos coins (cosmos.base.v1beta1.Coin) as the market sees them:
 * a denomination and an unsigned 128-bit integer amount.
 *
 * On the wire an amount is a decimal string (the SDK's Int). Agora accepts
 * exactly the canonical spelling of an integer in [0, 2^128 - 1]: digits
 * only, no sign, no leading zero (except "0" itself), no spaces, at most
 * MARKET_AMOUNT_MAX_DIGITS digits, no overflow. No floating point anywhere.
 *
 * A coin list (a fee, MsgSend.amount) is valid when every denom is valid,
 * every amount is positive, and denoms are strictly ascending in byte order
 * (so sorted and without duplicates) — the SDK's Coins.Validate.
 */
#ifndef AGORA_STATE_COIN_H
#define AGORA_STATE_COIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "state/tx_limits.h"

typedef unsigned __int128 market_u128;

typedef struct market_coin {
    char denom[MARKET_DENOM_MAX + 1]; /* NUL-terminated, validated */
    market_u128 amount;
} market_coin;

/* Room for any amount's decimal form and its NUL. */
#define MARKET_AMOUNT_STR_MAX (MARKET_AMOUNT_MAX_DIGITS + 1)

/*
 * Parse the decimal amount in[0..len) (not NUL-terminated) into *out.
 * AG_ERR_DECODE: empty, a non-digit (signs, spaces, dots included) or a
 * leading zero; AG_ERR_TOO_LARGE: more than MARKET_AMOUNT_MAX_DIGITS digits;
 * AG_ERR_OVERFLOW: above 2^128 - 1. *out is 0 on failure.
 */
ag_err market_amount_parse(market_u128 *out, const char *in, size_t len);

/* The canonical decimal form of v into out (NUL-terminated). */
void market_amount_format(char out[MARKET_AMOUNT_STR_MAX], market_u128 v);

/* a + b into *out; AG_ERR_OVERFLOW (and *out = 0) past 2^128 - 1. */
ag_err market_amount_add(market_u128 *out, market_u128 a, market_u128 b);

/*
 * Check the denomination in[0..len) against [a-zA-Z][a-zA-Z0-9/:._-]{2,127}.
 * AG_ERR_LENGTH: shorter than MARKET_DENOM_MIN or longer than MARKET_DENOM_MAX;
 * AG_ERR_DECODE: a character outside the alphabet.
 */
ag_err market_denom_validate(const char *in, size_t len);

/*
 * Validate one wire coin and fill *out. `what` names the coin list in the
 * error detail ("fee", "MsgSend.amount"). Errors of market_denom_validate
 * and market_amount_parse.
 */
ag_err market_coin_from_wire(market_coin *out, const uint8_t *denom, size_t denom_len,
                             const uint8_t *amount, size_t amount_len, const char *what);

/*
 * Check a decoded list: every amount positive (AG_ERR_DECODE for zero) and
 * denoms strictly ascending (AG_ERR_DECODE "unsorted" or "duplicate").
 */
ag_err market_coins_validate(const market_coin *coins, size_t n, const char *what);

#endif
