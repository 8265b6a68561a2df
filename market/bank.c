/* bank.c — balances, transfers, total supply and MsgSend. */
#include "market/bank.h"

#include <stdio.h>
#include <string.h>

#include "market/internal.h"
#include "market/keys.h"

static void put_u128(uint8_t out[16], market_u128 v)
{
    for (int i = 15; i >= 0; i--, v >>= 8)
        out[i] = (uint8_t)v;
}

static ag_err get_u128(market_ctx *ctx, const uint8_t *key, size_t kl, market_u128 *out)
{
    ag_buf v;
    ag_buf_init(&v, 32);
    *out = 0;
    ag_err err = market_ctx_get(ctx, key, kl, &v);
    if (err == AG_ERR_NOT_FOUND) {
        err = AG_OK;
    } else if (!err && v.len != 16) {
        err = ag_err_set(AG_ERR_CORRUPT, "amount record of %zu bytes", v.len);
    } else if (!err) {
        for (int i = 0; i < 16; i++)
            *out = *out << 8 | v.data[i];
    }
    ag_buf_free(&v);
    return err;
}

static ag_err set_u128(market_ctx *ctx, const uint8_t *key, size_t kl, market_u128 v)
{
    if (v == 0)
        return market_ctx_delete(ctx, key, kl);
    uint8_t b[16];
    put_u128(b, v);
    return market_ctx_set(ctx, key, kl, b, sizeof b);
}

ag_err market_bank_balance(market_ctx *ctx, const crypto_address *addr, const char *denom,
                           market_u128 *out)
{
    uint8_t key[MARKET_KEY_MAX];
    return get_u128(ctx, key, market_key_balance(key, addr, denom), out);
}

ag_err market_bank_balance_set(market_ctx *ctx, const crypto_address *addr, const char *denom,
                               market_u128 amount)
{
    uint8_t key[MARKET_KEY_MAX];
    return set_u128(ctx, key, market_key_balance(key, addr, denom), amount);
}

ag_err market_bank_supply(market_ctx *ctx, const char *denom, market_u128 *out)
{
    uint8_t key[MARKET_KEY_MAX];
    return get_u128(ctx, key, market_key_supply(key, denom), out);
}

ag_err market_bank_supply_set(market_ctx *ctx, const char *denom, market_u128 amount)
{
    uint8_t key[MARKET_KEY_MAX];
    return set_u128(ctx, key, market_key_supply(key, denom), amount);
}

void market_coins_format(char *out, size_t cap, const market_coin *coins, size_t n)
{
    size_t off = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && off < cap; i++) {
        char amt[MARKET_AMOUNT_STR_MAX];
        market_amount_format(amt, coins[i].amount);
        int w = snprintf(out + off, cap - off, "%s%s%s", i ? "," : "", amt, coins[i].denom);
        if (w < 0)
            break;
        off += (size_t)w;
    }
}

static void bech32(char out[CRYPTO_ADDRESS_STR_MAX], const crypto_address *a)
{
    if (crypto_address_to_bech32(out, CRYPTO_ADDRESS_STR_MAX, AGORA_BECH32_PREFIX, a) != AG_OK)
        strcpy(out, "?");
}

/* Coin strings: up to MARKET_MAX_COINS coins of denom + 39 digits + comma. */
#define COINS_STR_MAX (MARKET_MAX_COINS * (MARKET_DENOM_MAX + MARKET_AMOUNT_MAX_DIGITS + 2))

ag_err market_bank_send(market_ctx *ctx, const crypto_address *from, const crypto_address *to,
                        const market_coin *coins, size_t n)
{
    char fs[CRYPTO_ADDRESS_STR_MAX], ts[CRYPTO_ADDRESS_STR_MAX];
    bech32(fs, from);
    bech32(ts, to);
    if (crypto_address_equal(from, to))
        return market_ctx_fail(ctx, MARKET_CODE_INVALID_REQUEST, "cannot send to self (%s)", fs);
    ag_err err;
    for (size_t i = 0; i < n; i++) {
        market_u128 have;
        char amt[MARKET_AMOUNT_STR_MAX], hs[MARKET_AMOUNT_STR_MAX];
        if ((err = market_bank_balance(ctx, from, coins[i].denom, &have)) != AG_OK)
            return err;
        if (have < coins[i].amount) {
            market_amount_format(amt, coins[i].amount);
            market_amount_format(hs, have);
            return market_ctx_fail(
                ctx, MARKET_CODE_INSUFFICIENT_FUNDS,
                "spendable balance %s%s is smaller than %s%s: insufficient funds", hs,
                coins[i].denom, amt, coins[i].denom);
        }
        if ((err = market_bank_balance_set(ctx, from, coins[i].denom, have - coins[i].amount)) !=
            AG_OK)
            return err;
    }
    market_account acc;
    if ((err = market_account_ensure(ctx, to, &acc)) != AG_OK)
        return err;
    for (size_t i = 0; i < n; i++) {
        market_u128 have, sum;
        if ((err = market_bank_balance(ctx, to, coins[i].denom, &have)) != AG_OK)
            return err;
        if (market_amount_add(&sum, have, coins[i].amount) != AG_OK)
            return market_ctx_fail(ctx, MARKET_CODE_INVALID_COINS,
                                   "balance of %s in %s would overflow", ts, coins[i].denom);
        if ((err = market_bank_balance_set(ctx, to, coins[i].denom, sum)) != AG_OK)
            return err;
    }
    char cs[COINS_STR_MAX];
    market_coins_format(cs, sizeof cs, coins, n);
    const char *spent[] = {"spender", fs, "amount", cs};
    const char *recv[] = {"receiver", ts, "amount", cs};
    const char *xfer[] = {"recipient", ts, "sender", fs, "amount", cs};
    if ((err = market_event_add(ctx->events, "coin_spent", 2, spent)) != AG_OK ||
        (err = market_event_add(ctx->events, "coin_received", 2, recv)) != AG_OK ||
        (err = market_event_add(ctx->events, "transfer", 3, xfer)) != AG_OK)
        return err;
    return AG_OK;
}

ag_err market_bank_to_module(market_ctx *ctx, const crypto_address *from, const char *module,
                             const market_coin *coins, size_t n)
{
    crypto_address m;
    market_module_address(module, &m);
    return market_bank_send(ctx, from, &m, coins, n);
}

ag_err market_bank_from_module(market_ctx *ctx, const char *module, const crypto_address *to,
                               const market_coin *coins, size_t n)
{
    crypto_address m;
    market_module_address(module, &m);
    return market_bank_send(ctx, &m, to, coins, n);
}

static ag_err handle_send(market_ctx *ctx, const market_msg *msg)
{
    const market_msg_send *m = market_msg_as_send(msg);
    if (!m)
        return ag_err_set(AG_ERR_INTERNAL, "bank: MsgSend handler got another message");
    ag_err err = market_bank_send(ctx, &m->from, &m->to, m->amount, m->n_amount);
    if (err)
        return err;
    char fs[CRYPTO_ADDRESS_STR_MAX];
    bech32(fs, &m->from);
    const char *kv[] = {"sender", fs, "module", "bank"};
    return market_event_add(ctx->events, "message", 2, kv);
}

/* ---- invariant: the sum of balances of each denom equals its supply ---- */

typedef struct supply_sum {
    market_ctx *ctx;
    char denom[MARKET_DENOM_MAX + 1];
    market_u128 sum;
    ag_err err;
} supply_sum;

static bool sum_denom(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
    supply_sum *s = arg;
    size_t dl = strlen(s->denom);
    if (klen != 1 + CRYPTO_ADDRESS_LEN + dl || memcmp(key + 1 + CRYPTO_ADDRESS_LEN, s->denom, dl))
        return true;
    market_u128 v = 0;
    for (size_t i = 0; i < vlen && i < 16; i++)
        v = v << 8 | val[i];
    if (vlen != 16 || v == 0 || market_amount_add(&s->sum, s->sum, v) != AG_OK) {
        s->err = ag_err_set(AG_ERR_CORRUPT, "bank invariant: bad balance record");
        return false;
    }
    return true;
}

#define SUPPLY_DENOMS_MAX 64 /* denoms the invariant checks; more is reported */

typedef struct supply_list {
    char denoms[SUPPLY_DENOMS_MAX][MARKET_DENOM_MAX + 1];
    market_u128 amounts[SUPPLY_DENOMS_MAX];
    size_t n;
    bool bad;
} supply_list;

static bool collect_supply(void *arg, const uint8_t *key, size_t klen, const uint8_t *val,
                           size_t vlen)
{
    supply_list *l = arg;
    if (l->n == SUPPLY_DENOMS_MAX || klen < 2 || klen - 1 > MARKET_DENOM_MAX || vlen != 16) {
        l->bad = true;
        return false;
    }
    memcpy(l->denoms[l->n], key + 1, klen - 1);
    l->denoms[l->n][klen - 1] = '\0';
    market_u128 v = 0;
    for (size_t i = 0; i < 16; i++)
        v = v << 8 | val[i];
    l->amounts[l->n++] = v;
    return true;
}

static ag_err bank_invariant(market_ctx *ctx)
{
    static supply_list list;
    list.n = 0;
    list.bad = false;
    const uint8_t s0[1] = {MARKET_KEY_SUPPLY}, s1[1] = {MARKET_KEY_SUPPLY + 1};
    ag_err err = market_kv_scan(ctx->kv, s0, 1, s1, 1, collect_supply, &list);
    if (err)
        return err;
    if (list.bad)
        return ag_err_set(AG_ERR_CORRUPT, "bank invariant: bad supply record or over %d denoms",
                          SUPPLY_DENOMS_MAX);
    const uint8_t b0[1] = {MARKET_KEY_BALANCE}, b1[1] = {MARKET_KEY_BALANCE + 1};
    for (size_t i = 0; i < list.n; i++) {
        supply_sum s = {.ctx = ctx};
        strcpy(s.denom, list.denoms[i]);
        if ((err = market_kv_scan(ctx->kv, b0, 1, b1, 1, sum_denom, &s)) != AG_OK)
            return err;
        if (s.err)
            return s.err;
        if (s.sum != list.amounts[i]) {
            char a[MARKET_AMOUNT_STR_MAX], b[MARKET_AMOUNT_STR_MAX];
            market_amount_format(a, s.sum);
            market_amount_format(b, list.amounts[i]);
            return ag_err_set(AG_ERR_CORRUPT, "bank invariant: balances of %s sum to %s, supply %s",
                              s.denom, a, b);
        }
    }
    return AG_OK;
}

static const market_msg_route bank_msgs[] = {
    {MARKET_MSG_SEND_TYPE_URL, handle_send},
};

static const market_query_route bank_queries[] = {
    {"/cosmos.bank.v1beta1.Query/Balance", market_bank_query},
    {"/cosmos.bank.v1beta1.Query/AllBalances", market_bank_query},
    {"/cosmos.bank.v1beta1.Query/TotalSupply", market_bank_query},
};

const market_module market_bank_module = {
    .name = "bank",
    .msgs = bank_msgs,
    .n_msgs = sizeof bank_msgs / sizeof bank_msgs[0],
    .queries = bank_queries,
    .n_queries = sizeof bank_queries / sizeof bank_queries[0],
    .init_genesis = market_bank_init_genesis,
    .export_genesis = market_bank_export_genesis,
    .invariant = bank_invariant,
};
