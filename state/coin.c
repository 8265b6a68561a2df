/* coin.c — decimal amounts in unsigned 128-bit arithmetic, denoms, coin lists. */
#include "state/coin.h"

#include <stdio.h>
#include <string.h>

#define U128_MAX (~(market_u128)0)

/* Prefix the current detail (copied first: ag_err_set writes the same buffer). */
static ag_err with_context(ag_err err, const char *what, const char *denom, int denom_len)
{
    char detail[AG_ERR_DETAIL_MAX];
    snprintf(detail, sizeof detail, "%s", ag_err_detail());
    if (denom)
        return ag_err_set(err, "%s: %.*s: %s", what, denom_len, denom, detail);
    return ag_err_set(err, "%s: %s", what, detail);
}

ag_err market_amount_parse(market_u128 *out, const char *in, size_t len)
{
    *out = 0;
    if (len == 0)
        return ag_err_set(AG_ERR_DECODE, "amount: empty");
    if (len > MARKET_AMOUNT_MAX_DIGITS)
        return ag_err_set(AG_ERR_TOO_LARGE, "amount: %zu digits (at most %d)", len,
                          MARKET_AMOUNT_MAX_DIGITS);
    for (size_t i = 0; i < len; i++)
        if (in[i] < '0' || in[i] > '9')
            return ag_err_set(AG_ERR_DECODE,
                              "amount: byte 0x%02x at position %zu is not a decimal digit",
                              (unsigned)(uint8_t)in[i], i);
    if (len > 1 && in[0] == '0')
        return ag_err_set(AG_ERR_DECODE, "amount: leading zero");
    market_u128 v = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned d = (unsigned)(in[i] - '0');
        if (v > (U128_MAX - d) / 10)
            return ag_err_set(AG_ERR_OVERFLOW, "amount: above 2^128 - 1");
        v = v * 10 + d;
    }
    *out = v;
    return AG_OK;
}

void market_amount_format(char out[MARKET_AMOUNT_STR_MAX], market_u128 v)
{
    char rev[MARKET_AMOUNT_MAX_DIGITS];
    size_t n = 0;
    do {
        rev[n++] = (char)('0' + (unsigned)(v % 10));
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = rev[n - 1 - i];
    out[n] = '\0';
}

ag_err market_amount_add(market_u128 *out, market_u128 a, market_u128 b)
{
    if (a > U128_MAX - b) {
        *out = 0;
        return ag_err_set(AG_ERR_OVERFLOW, "amount: sum above 2^128 - 1");
    }
    *out = a + b;
    return AG_OK;
}

static bool denom_char(char c, bool first)
{
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (first)
        return alpha;
    return alpha || (c >= '0' && c <= '9') || c == '/' || c == ':' || c == '.' || c == '_' ||
           c == '-';
}

ag_err market_denom_validate(const char *in, size_t len)
{
    if (len < MARKET_DENOM_MIN || len > MARKET_DENOM_MAX)
        return ag_err_set(AG_ERR_LENGTH, "denom: %zu bytes (must be %d..%d)", len, MARKET_DENOM_MIN,
                          MARKET_DENOM_MAX);
    for (size_t i = 0; i < len; i++)
        if (!denom_char(in[i], i == 0))
            return ag_err_set(AG_ERR_DECODE, "denom: byte 0x%02x at position %zu not allowed",
                              (unsigned)(uint8_t)in[i], i);
    return AG_OK;
}

ag_err market_coin_from_wire(market_coin *out, const uint8_t *denom, size_t denom_len,
                             const uint8_t *amount, size_t amount_len, const char *what)
{
    memset(out, 0, sizeof *out);
    ag_err err = market_denom_validate((const char *)denom, denom_len);
    if (err)
        return with_context(err, what, NULL, 0);
    err = market_amount_parse(&out->amount, (const char *)amount, amount_len);
    if (err)
        return with_context(err, what, (const char *)denom, (int)denom_len);
    memcpy(out->denom, denom, denom_len);
    out->denom[denom_len] = '\0';
    return AG_OK;
}

ag_err market_coins_validate(const market_coin *coins, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        if (coins[i].amount == 0)
            return ag_err_set(AG_ERR_DECODE, "%s: coin %zu (%s) has a zero amount", what, i,
                              coins[i].denom);
        if (i == 0)
            continue;
        int c = strcmp(coins[i - 1].denom, coins[i].denom);
        if (c == 0)
            return ag_err_set(AG_ERR_DECODE, "%s: duplicate denom %s", what, coins[i].denom);
        if (c > 0)
            return ag_err_set(AG_ERR_DECODE, "%s: denoms not sorted (%s after %s)", what,
                              coins[i].denom, coins[i - 1].denom);
    }
    return AG_OK;
}
