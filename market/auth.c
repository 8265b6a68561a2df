/* auth.c — accounts, module addresses and chain parameters. */
#include "market/auth.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "crypto/hash.h"
#include "market/internal.h"
#include "market/keys.h"

#define ACCOUNT_REC_MIN (8 + 8 + 1)
#define ACCOUNT_REC_MAX (ACCOUNT_REC_MIN + CRYPTO_PUBKEY_LEN)

void market_auth_params_default(market_auth_params *p)
{
    memset(p, 0, sizeof *p);
    strcpy(p->fee_denom, MARKET_DENOM);
    p->gas_price_num = 25;
    p->gas_price_den = 1000;
    p->max_memo_characters = MARKET_TX_MAX_MEMO;
    p->max_tx_bytes = MARKET_TX_MAX_BYTES;
}

static bool power_of_ten(uint64_t v)
{
    uint64_t p = 1;
    for (int i = 0; i <= MARKET_GAS_PRICE_DECIMALS; i++, p *= 10)
        if (v == p)
            return true;
    return false;
}

ag_err market_auth_params_validate(const market_auth_params *p)
{
    ag_err err = market_denom_validate(p->fee_denom, strnlen(p->fee_denom, sizeof p->fee_denom));
    if (err)
        return ag_err_set(AG_ERR_INVALID_ARG, "params.fee_denom: %s", ag_err_detail());
    if (!power_of_ten(p->gas_price_den))
        return ag_err_set(AG_ERR_INVALID_ARG,
                          "params.min_gas_price: denominator %" PRIu64
                          " is not a power of ten up to 10^18",
                          p->gas_price_den);
    if (p->max_memo_characters > MARKET_TX_MAX_MEMO)
        return ag_err_set(AG_ERR_INVALID_ARG, "params.max_memo_characters: %" PRIu64 " above %d",
                          p->max_memo_characters, MARKET_TX_MAX_MEMO);
    if (p->max_tx_bytes == 0 || p->max_tx_bytes > MARKET_TX_MAX_BYTES)
        return ag_err_set(AG_ERR_INVALID_ARG, "params.max_tx_bytes: %" PRIu64 " not in 1..%zu",
                          p->max_tx_bytes, MARKET_TX_MAX_BYTES);
    return AG_OK;
}

market_u128 market_auth_params_min_fee(const market_auth_params *p, uint64_t gas_limit)
{
    market_u128 prod = (market_u128)gas_limit * p->gas_price_num; /* < 2^128 */
    return prod / p->gas_price_den + (prod % p->gas_price_den != 0);
}

ag_err market_gas_price_parse(const char *s, uint64_t *num, uint64_t *den)
{
    *num = 0;
    *den = 1;
    uint64_t n = 0, d = 1;
    int decimals = -1, digits = 0;
    for (const char *c = s; *c; c++) {
        if (*c == '.' && decimals < 0 && digits > 0) {
            decimals = 0;
            continue;
        }
        if (*c < '0' || *c > '9')
            return ag_err_set(AG_ERR_DECODE, "gas price \"%.40s\": not a decimal number", s);
        if (decimals >= 0 && ++decimals > MARKET_GAS_PRICE_DECIMALS)
            return ag_err_set(AG_ERR_DECODE, "gas price \"%.40s\": more than %d decimals", s,
                              MARKET_GAS_PRICE_DECIMALS);
        if (n > (UINT64_MAX - 9) / 10)
            return ag_err_set(AG_ERR_OVERFLOW, "gas price \"%.40s\": too large", s);
        n = n * 10 + (uint64_t)(*c - '0');
        if (decimals > 0)
            d *= 10;
        digits++;
    }
    if (digits == 0 || decimals == 0)
        return ag_err_set(AG_ERR_DECODE, "gas price \"%.40s\": not a decimal number", s);
    *num = n;
    *den = d;
    return AG_OK;
}

void market_gas_price_format(char out[48], uint64_t num, uint64_t den)
{
    int decimals = 0;
    for (uint64_t d = den; d > 1; d /= 10)
        decimals++;
    if (!decimals) {
        snprintf(out, 48, "%" PRIu64, num);
        return;
    }
    char frac[24];
    uint64_t f = num % den;
    for (int i = decimals - 1; i >= 0; i--, f /= 10)
        frac[i] = (char)('0' + f % 10);
    frac[decimals] = '\0';
    snprintf(out, 48, "%" PRIu64 ".%.20s", num / den, frac);
}

ag_err market_auth_params_encode(const market_auth_params *p, ag_buf *out)
{
    uint8_t b[8 * 4 + 1];
    market_put_u64(b, p->gas_price_num);
    market_put_u64(b + 8, p->gas_price_den);
    market_put_u64(b + 16, p->max_memo_characters);
    market_put_u64(b + 24, p->max_tx_bytes);
    size_t dl = strlen(p->fee_denom);
    b[32] = (uint8_t)dl;
    ag_err err = ag_buf_append(out, b, sizeof b);
    return err ? err : ag_buf_append(out, p->fee_denom, dl);
}

ag_err market_auth_params_decode(market_auth_params *p, const uint8_t *in, size_t len)
{
    memset(p, 0, sizeof *p);
    if (len < 33 || len != 33u + in[32] || in[32] > MARKET_DENOM_MAX)
        return ag_err_set(AG_ERR_CORRUPT, "params record of %zu bytes", len);
    p->gas_price_num = market_get_u64(in);
    p->gas_price_den = market_get_u64(in + 8);
    p->max_memo_characters = market_get_u64(in + 16);
    p->max_tx_bytes = market_get_u64(in + 24);
    memcpy(p->fee_denom, in + 33, in[32]);
    if (market_auth_params_validate(p) != AG_OK)
        return ag_err_set(AG_ERR_CORRUPT, "stored params: %s", ag_err_detail());
    return AG_OK;
}

void market_module_address(const char *name, crypto_address *out)
{
    uint8_t h[CRYPTO_SHA256_LEN];
    crypto_sha256(h, name, strlen(name));
    memcpy(out->b, h, CRYPTO_ADDRESS_LEN);
}

ag_err market_account_decode(market_account *out, const crypto_address *addr, const uint8_t *in,
                             size_t len)
{
    memset(out, 0, sizeof *out);
    out->address = *addr;
    if (len < ACCOUNT_REC_MIN || in[16] > 1 ||
        len != ACCOUNT_REC_MIN + (in[16] ? CRYPTO_PUBKEY_LEN : 0u))
        return ag_err_set(AG_ERR_CORRUPT, "account record of %zu bytes", len);
    out->number = market_get_u64(in);
    out->sequence = market_get_u64(in + 8);
    out->has_pubkey = in[16] == 1;
    if (out->has_pubkey)
        memcpy(out->pubkey.b, in + 17, CRYPTO_PUBKEY_LEN);
    return AG_OK;
}

ag_err market_account_get(market_ctx *ctx, const crypto_address *addr, market_account *out)
{
    uint8_t key[MARKET_KEY_MAX], rec[ACCOUNT_REC_MAX + 1];
    size_t kl = market_key_account(key, addr);
    ag_buf v = {.data = NULL};
    ag_buf_init(&v, ACCOUNT_REC_MAX + 1);
    ag_err err = market_ctx_get(ctx, key, kl, &v);
    if (!err) {
        size_t n = v.len;
        memcpy(rec, v.data, n);
        err = market_account_decode(out, addr, rec, n);
    }
    ag_buf_free(&v);
    return err;
}

ag_err market_account_set(market_ctx *ctx, const market_account *acc)
{
    uint8_t key[MARKET_KEY_MAX], rec[ACCOUNT_REC_MAX];
    size_t kl = market_key_account(key, &acc->address);
    market_put_u64(rec, acc->number);
    market_put_u64(rec + 8, acc->sequence);
    rec[16] = acc->has_pubkey;
    if (acc->has_pubkey)
        memcpy(rec + 17, acc->pubkey.b, CRYPTO_PUBKEY_LEN);
    return market_ctx_set(ctx, key, kl, rec,
                          ACCOUNT_REC_MIN + (acc->has_pubkey ? CRYPTO_PUBKEY_LEN : 0u));
}

ag_err market_next_account_number_get(market_ctx *ctx, uint64_t *out)
{
    const uint8_t key[1] = {MARKET_KEY_NEXT_ACCNUM};
    ag_buf v;
    ag_buf_init(&v, 16);
    ag_err err = market_ctx_get(ctx, key, 1, &v);
    *out = 0;
    if (err == AG_ERR_NOT_FOUND)
        err = AG_OK;
    else if (!err && v.len != 8)
        err = ag_err_set(AG_ERR_CORRUPT, "next account number of %zu bytes", v.len);
    else if (!err)
        *out = market_get_u64(v.data);
    ag_buf_free(&v);
    return err;
}

ag_err market_next_account_number_set(market_ctx *ctx, uint64_t v)
{
    const uint8_t key[1] = {MARKET_KEY_NEXT_ACCNUM};
    uint8_t b[8];
    market_put_u64(b, v);
    return market_ctx_set(ctx, key, 1, b, 8);
}

ag_err market_account_create(market_ctx *ctx, const crypto_address *addr, market_account *out)
{
    market_account acc;
    ag_err err = market_account_get(ctx, addr, &acc);
    if (!err)
        return ag_err_set(AG_ERR_EXISTS, "account exists");
    if (err != AG_ERR_NOT_FOUND)
        return err;
    uint64_t next;
    if ((err = market_next_account_number_get(ctx, &next)) != AG_OK)
        return err;
    if (next == UINT64_MAX)
        return ag_err_set(AG_ERR_OVERFLOW, "account numbers exhausted");
    memset(&acc, 0, sizeof acc);
    acc.address = *addr;
    acc.number = next;
    if ((err = market_next_account_number_set(ctx, next + 1)) != AG_OK ||
        (err = market_account_set(ctx, &acc)) != AG_OK)
        return err;
    if (out)
        *out = acc;
    return AG_OK;
}

ag_err market_account_ensure(market_ctx *ctx, const crypto_address *addr, market_account *out)
{
    market_account acc;
    ag_err err = market_account_get(ctx, addr, &acc);
    if (err == AG_ERR_NOT_FOUND)
        return market_account_create(ctx, addr, out);
    if (!err && out)
        *out = acc;
    return err;
}

static const market_query_route auth_queries[] = {
    {"/cosmos.auth.v1beta1.Query/Account", market_auth_query},
};

const market_module market_auth_module = {
    .name = "auth",
    .queries = auth_queries,
    .n_queries = sizeof auth_queries / sizeof auth_queries[0],
    .init_genesis = market_auth_init_genesis,
    .export_genesis = market_auth_export_genesis,
};
