/*
 * genesis.c — the app_state JSON: import at InitChain, export of the latest
 * state. Amounts and integers are decimal strings, as in Cosmos genesis
 * files:
 *
 *   {
 *     "params": {"fee_denom": "uagora", "min_gas_price": "0.025",
 *                "max_memo_characters": "256", "max_tx_bytes": "1048576"},
 *     "auth": {"accounts": [{"address": "agora1...", "account_number": "2",
 *                            "sequence": "0", "pub_key": "<base64 33 bytes>"}]},
 *     "bank": {"balances": [{"address": "agora1...",
 *                            "coins": [{"denom": "uagora", "amount": "1000"}]}],
 *              "supply": [{"denom": "uagora", "amount": "1000"}]},
 *     "<module>": ...
 *   }
 *
 * Every section is optional. Import order: params; auth accounts (those with
 * an account_number keep it, the others get the next free number in list
 * order); the fee collector and community module accounts if absent;
 * balances (accounts created as needed); supply = sum of balances (a given
 * "supply" must equal it). Export writes every account with its number, so
 * re-importing gives the same state and app hash.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base64.h"
#include "market/bank.h"
#include "market/internal.h"
#include "market/keys.h"

#define GENESIS_MAX_BYTES ((size_t)256 << 20)

static ag_err bad(const char *what, const char *why)
{
    return ag_err_set(AG_ERR_DECODE, "genesis %s: %s", what, why);
}

static ag_err get_u64(const json_t *obj, const char *field, uint64_t *out, bool *present)
{
    *present = false;
    const json_t *v = json_object_get(obj, field);
    if (!v)
        return AG_OK;
    *present = true;
    const char *s = json_string_value(v);
    market_u128 x;
    if (!s || market_amount_parse(&x, s, strlen(s)) != AG_OK || x > UINT64_MAX)
        return bad(field, "not a decimal string of a 64-bit integer");
    *out = (uint64_t)x;
    return AG_OK;
}

static ag_err get_addr(const json_t *obj, crypto_address *out)
{
    const char *s = json_string_value(json_object_get(obj, "address"));
    if (!s)
        return bad("address", "missing");
    if (crypto_address_from_bech32(out, AGORA_BECH32_PREFIX, s) != AG_OK)
        return ag_err_set(AG_ERR_DECODE, "genesis address %.64s: %s", s, ag_err_detail());
    return AG_OK;
}

static ag_err get_coins(const json_t *arr, market_coin *coins, size_t *n, size_t max,
                        const char *what)
{
    if (!json_is_array(arr))
        return bad(what, "not an array");
    if (json_array_size(arr) > max)
        return bad(what, "too many coins");
    *n = 0;
    size_t i;
    const json_t *c;
    json_array_foreach(arr, i, c)
    {
        const char *d = json_string_value(json_object_get(c, "denom"));
        const char *a = json_string_value(json_object_get(c, "amount"));
        if (!d || !a)
            return bad(what, "coin without denom or amount");
        ag_err err = market_coin_from_wire(&coins[*n], (const uint8_t *)d, strlen(d),
                                           (const uint8_t *)a, strlen(a), what);
        if (err)
            return err;
        (*n)++;
    }
    return market_coins_validate(coins, *n, what);
}

/* ---- params ---- */

ag_err market_auth_params_from_json(market_auth_params *p, const json_t *j)
{
    market_auth_params_default(p);
    if (!j)
        return AG_OK;
    if (!json_is_object(j))
        return bad("params", "not an object");
    const char *d = json_string_value(json_object_get(j, "fee_denom"));
    if (d) {
        if (strlen(d) > MARKET_DENOM_MAX)
            return bad("params.fee_denom", "too long");
        strcpy(p->fee_denom, d);
    }
    const char *g = json_string_value(json_object_get(j, "min_gas_price"));
    ag_err err = g ? market_gas_price_parse(g, &p->gas_price_num, &p->gas_price_den) : AG_OK;
    bool present;
    if (!err)
        err = get_u64(j, "max_memo_characters", &p->max_memo_characters, &present);
    if (!err)
        err = get_u64(j, "max_tx_bytes", &p->max_tx_bytes, &present);
    return err ? err : market_auth_params_validate(p);
}

static json_t *u64_json(uint64_t v)
{
    char b[24];
    snprintf(b, sizeof b, "%" PRIu64, v);
    return json_string(b);
}

json_t *market_auth_params_to_json(const market_auth_params *p)
{
    char g[48];
    market_gas_price_format(g, p->gas_price_num, p->gas_price_den);
    json_t *j = json_object();
    json_object_set_new(j, "fee_denom", json_string(p->fee_denom));
    json_object_set_new(j, "min_gas_price", json_string(g));
    json_object_set_new(j, "max_memo_characters", u64_json(p->max_memo_characters));
    json_object_set_new(j, "max_tx_bytes", u64_json(p->max_tx_bytes));
    return j;
}

/* ---- auth ---- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

ag_err market_auth_init_genesis(market_ctx *ctx, const json_t *state)
{
    const json_t *accs = state ? json_object_get(state, "accounts") : NULL;
    if (state && !json_is_object(state))
        return bad("auth", "not an object");
    if (accs && !json_is_array(accs))
        return bad("auth.accounts", "not an array");
    uint64_t next = 0;
    ag_err err;
    size_t i;
    const json_t *a;
    /* Pass 1: explicit numbers. */
    json_array_foreach(accs, i, a)
    {
        uint64_t num;
        bool present;
        if ((err = get_u64(a, "account_number", &num, &present)) != AG_OK)
            return err;
        if (present && num == UINT64_MAX)
            return bad("auth.accounts.account_number", "too large");
        if (present && num >= next)
            next = num + 1;
    }
    if ((err = market_next_account_number_set(ctx, next)) != AG_OK)
        return err;
    json_array_foreach(accs, i, a)
    {
        market_account acc = {0};
        bool has_num, present;
        if ((err = get_addr(a, &acc.address)) != AG_OK ||
            (err = get_u64(a, "account_number", &acc.number, &has_num)) != AG_OK ||
            (err = get_u64(a, "sequence", &acc.sequence, &present)) != AG_OK)
            return err;
        market_account old;
        err = market_account_get(ctx, &acc.address, &old);
        if (!err)
            return bad("auth.accounts", "duplicate address");
        if (err != AG_ERR_NOT_FOUND)
            return err;
        const char *pk = json_string_value(json_object_get(a, "pub_key"));
        if (pk) {
            uint8_t raw[64];
            size_t rl;
            if (ag_base64_decode(raw, sizeof raw, &rl, pk, strlen(pk)) != AG_OK ||
                crypto_pubkey_parse(&acc.pubkey, raw, rl) != AG_OK)
                return bad("auth.accounts.pub_key", "not a base64 compressed secp256k1 key");
            crypto_address derived;
            crypto_address_from_pubkey(&derived, &acc.pubkey);
            if (!crypto_address_equal(&derived, &acc.address))
                return bad("auth.accounts.pub_key", "does not match the address");
            acc.has_pubkey = true;
        }
        if (!has_num) {
            if ((err = market_next_account_number_get(ctx, &acc.number)) != AG_OK ||
                (err = market_next_account_number_set(ctx, acc.number + 1)) != AG_OK)
                return err;
        }
        if ((err = market_account_set(ctx, &acc)) != AG_OK)
            return err;
    }
    /* Account numbers must be unique: at most `next` accounts, all distinct. */
    if (accs && json_array_size(accs) > 1) {
        size_t n = json_array_size(accs);
        uint64_t *nums = calloc(n, sizeof *nums);
        if (!nums)
            return ag_err_set(AG_ERR_NOMEM, "genesis: accounts");
        json_array_foreach(accs, i, a)
        {
            crypto_address ad;
            market_account acc;
            get_addr(a, &ad);
            if ((err = market_account_get(ctx, &ad, &acc)) != AG_OK) {
                free(nums);
                return err;
            }
            nums[i] = acc.number;
        }
        qsort(nums, n, sizeof *nums, cmp_u64);
        for (size_t x = 1; x < n && !err; x++)
            if (nums[x - 1] == nums[x])
                err = bad("auth.accounts", "duplicate account_number");
        free(nums);
        if (err)
            return err;
    }
    const char *mods[] = {MARKET_FEE_COLLECTOR, MARKET_COMMUNITY};
    for (size_t m = 0; m < 2; m++) {
        crypto_address ad;
        market_module_address(mods[m], &ad);
        if ((err = market_account_ensure(ctx, &ad, NULL)) != AG_OK)
            return err;
    }
    return AG_OK;
}

typedef struct export_acc {
    json_t *arr;
    ag_err err;
} export_acc;

static bool export_account(void *arg, const uint8_t *key, size_t klen, const uint8_t *val,
                           size_t vlen)
{
    export_acc *e = arg;
    crypto_address ad;
    market_account acc;
    if (klen != 1 + CRYPTO_ADDRESS_LEN) {
        e->err = ag_err_set(AG_ERR_CORRUPT, "account key of %zu bytes", klen);
        return false;
    }
    memcpy(ad.b, key + 1, CRYPTO_ADDRESS_LEN);
    if ((e->err = market_account_decode(&acc, &ad, val, vlen)) != AG_OK)
        return false;
    char as[CRYPTO_ADDRESS_STR_MAX];
    crypto_address_to_bech32(as, sizeof as, AGORA_BECH32_PREFIX, &ad);
    json_t *j = json_object();
    json_object_set_new(j, "address", json_string(as));
    json_object_set_new(j, "account_number", u64_json(acc.number));
    json_object_set_new(j, "sequence", u64_json(acc.sequence));
    if (acc.has_pubkey) {
        char pk[64];
        ag_base64_encode(pk, acc.pubkey.b, CRYPTO_PUBKEY_LEN);
        json_object_set_new(j, "pub_key", json_string(pk));
    }
    json_array_append_new(e->arr, j);
    return true;
}

ag_err market_auth_export_genesis(market_ctx *ctx, json_t **out)
{
    export_acc e = {json_array(), AG_OK};
    const uint8_t s[1] = {MARKET_KEY_ACCOUNT}, t[1] = {MARKET_KEY_ACCOUNT + 1};
    ag_err err = market_kv_scan(ctx->kv, s, 1, t, 1, export_account, &e);
    if (!err)
        err = e.err;
    if (err) {
        json_decref(e.arr);
        *out = NULL;
        return err;
    }
    *out = json_object();
    json_object_set_new(*out, "accounts", e.arr);
    return AG_OK;
}

/* ---- bank ---- */

ag_err market_bank_init_genesis(market_ctx *ctx, const json_t *state)
{
    if (state && !json_is_object(state))
        return bad("bank", "not an object");
    const json_t *bals = state ? json_object_get(state, "balances") : NULL;
    if (bals && !json_is_array(bals))
        return bad("bank.balances", "not an array");
    size_t i;
    const json_t *b;
    ag_err err;
    json_array_foreach(bals, i, b)
    {
        crypto_address ad;
        market_coin coins[MARKET_MAX_COINS];
        size_t n;
        if ((err = get_addr(b, &ad)) != AG_OK ||
            (err = get_coins(json_object_get(b, "coins"), coins, &n, MARKET_MAX_COINS,
                             "bank.balances.coins")) != AG_OK ||
            (err = market_account_ensure(ctx, &ad, NULL)) != AG_OK)
            return err;
        for (size_t k = 0; k < n; k++) {
            market_u128 have, sum;
            if ((err = market_bank_balance(ctx, &ad, coins[k].denom, &have)) != AG_OK)
                return err;
            if (have)
                return bad("bank.balances", "an address listed twice with the same denom");
            if ((err = market_bank_balance_set(ctx, &ad, coins[k].denom, coins[k].amount)) ||
                (err = market_bank_supply(ctx, coins[k].denom, &have)) != AG_OK)
                return err;
            if (market_amount_add(&sum, have, coins[k].amount) != AG_OK)
                return ag_err_set(AG_ERR_OVERFLOW, "genesis: supply of %s overflows",
                                  coins[k].denom);
            if ((err = market_bank_supply_set(ctx, coins[k].denom, sum)) != AG_OK)
                return err;
        }
    }
    const json_t *sup = state ? json_object_get(state, "supply") : NULL;
    if (sup) {
        market_coin coins[64];
        size_t n;
        if ((err = get_coins(sup, coins, &n, 64, "bank.supply")) != AG_OK)
            return err;
        for (size_t k = 0; k < n; k++) {
            market_u128 have;
            if ((err = market_bank_supply(ctx, coins[k].denom, &have)) != AG_OK)
                return err;
            if (have != coins[k].amount)
                return ag_err_set(AG_ERR_DECODE,
                                  "genesis bank.supply: %s does not equal the sum of balances",
                                  coins[k].denom);
        }
    }
    return AG_OK;
}

typedef struct export_bal {
    json_t *arr;     /* of {address, coins} */
    json_t *current; /* coins array of the current address */
    crypto_address addr;
    bool have;
    size_t plen;
    ag_err err;
} export_bal;

static bool coin_json(export_bal *e, const uint8_t *denom, size_t dl, const uint8_t *val,
                      size_t vlen, json_t *arr)
{
    if (vlen != 16 || dl == 0 || dl > MARKET_DENOM_MAX) {
        e->err = ag_err_set(AG_ERR_CORRUPT, "bad coin record");
        return false;
    }
    market_u128 v = 0;
    for (int i = 0; i < 16; i++)
        v = v << 8 | val[i];
    char amt[MARKET_AMOUNT_STR_MAX], d[MARKET_DENOM_MAX + 1];
    market_amount_format(amt, v);
    memcpy(d, denom, dl);
    d[dl] = '\0';
    json_t *c = json_object();
    json_object_set_new(c, "denom", json_string(d));
    json_object_set_new(c, "amount", json_string(amt));
    json_array_append_new(arr, c);
    return true;
}

static bool export_balance(void *arg, const uint8_t *key, size_t klen, const uint8_t *val,
                           size_t vlen)
{
    export_bal *e = arg;
    if (klen <= 1 + CRYPTO_ADDRESS_LEN) {
        e->err = ag_err_set(AG_ERR_CORRUPT, "balance key of %zu bytes", klen);
        return false;
    }
    crypto_address ad;
    memcpy(ad.b, key + 1, CRYPTO_ADDRESS_LEN);
    if (!e->have || !crypto_address_equal(&ad, &e->addr)) {
        char as[CRYPTO_ADDRESS_STR_MAX];
        crypto_address_to_bech32(as, sizeof as, AGORA_BECH32_PREFIX, &ad);
        json_t *b = json_object();
        json_object_set_new(b, "address", json_string(as));
        e->current = json_array();
        json_object_set_new(b, "coins", e->current);
        json_array_append_new(e->arr, b);
        e->addr = ad;
        e->have = true;
    }
    return coin_json(e, key + 1 + CRYPTO_ADDRESS_LEN, klen - 1 - CRYPTO_ADDRESS_LEN, val, vlen,
                     e->current);
}

static bool export_supply(void *arg, const uint8_t *key, size_t klen, const uint8_t *val,
                          size_t vlen)
{
    export_bal *e = arg;
    return coin_json(e, key + 1, klen - 1, val, vlen, e->arr);
}

ag_err market_bank_export_genesis(market_ctx *ctx, json_t **out)
{
    *out = NULL;
    export_bal b = {.arr = json_array()}, s = {.arr = json_array()};
    const uint8_t b0[1] = {MARKET_KEY_BALANCE}, b1[1] = {MARKET_KEY_BALANCE + 1};
    const uint8_t s0[1] = {MARKET_KEY_SUPPLY}, s1[1] = {MARKET_KEY_SUPPLY + 1};
    ag_err err = market_kv_scan(ctx->kv, b0, 1, b1, 1, export_balance, &b);
    if (!err)
        err = b.err;
    if (!err)
        err = market_kv_scan(ctx->kv, s0, 1, s1, 1, export_supply, &s);
    if (!err)
        err = s.err;
    if (err) {
        json_decref(b.arr);
        json_decref(s.arr);
        return err;
    }
    *out = json_object();
    json_object_set_new(*out, "balances", b.arr);
    json_object_set_new(*out, "supply", s.arr);
    return AG_OK;
}

/* ---- the whole app_state ---- */

ag_err market_genesis_import(market_app *app, market_ctx *ctx, const uint8_t *bytes, size_t len)
{
    if (len > GENESIS_MAX_BYTES)
        return ag_err_set(AG_ERR_TOO_LARGE, "genesis app_state of %zu bytes", len);
    json_t *root = NULL;
    if (len) {
        json_error_t je;
        root = json_loadb((const char *)bytes, len, JSON_REJECT_DUPLICATES, &je);
        if (!root)
            return ag_err_set(AG_ERR_DECODE, "genesis app_state: line %d: %.120s", je.line,
                              je.text);
        if (!json_is_object(root)) {
            json_decref(root);
            return bad("app_state", "not an object");
        }
    }
    ag_err err = market_auth_params_from_json(&app->params, json_object_get(root, "params"));
    ag_buf pb;
    ag_buf_init(&pb, 4096);
    const uint8_t kp[1] = {MARKET_KEY_PARAMS}, kc[1] = {MARKET_KEY_CHAIN_ID};
    if (!err)
        err = market_auth_params_encode(&app->params, &pb);
    if (!err)
        err = market_kv_set(ctx->kv, kp, 1, pb.data, pb.len);
    if (!err)
        err = market_kv_set(ctx->kv, kc, 1, (const uint8_t *)app->chain_id, strlen(app->chain_id));
    ag_buf_free(&pb);
    for (size_t m = 0; !err && m < app->n_modules; m++) {
        const market_module *mod = app->modules[m];
        if (mod->init_genesis) {
            err = mod->init_genesis(ctx, json_object_get(root, mod->name));
            if (err) {
                char detail[AG_ERR_DETAIL_MAX];
                snprintf(detail, sizeof detail, "%s", ag_err_detail());
                err = ag_err_set(err, "genesis %s: %s", mod->name, detail);
            }
        }
    }
    json_decref(root);
    return err;
}

ag_err market_app_export_genesis(market_app *app, json_t **out)
{
    *out = NULL;
    market_kv kv;
    market_gas_meter gas;
    market_ctx ctx;
    market_query_ctx(app, &kv, &gas, &ctx, 0, market_app_height(app));
    json_t *root = json_object();
    json_object_set_new(root, "params", market_auth_params_to_json(&app->params));
    ag_err err = AG_OK;
    for (size_t m = 0; !err && m < app->n_modules; m++) {
        const market_module *mod = app->modules[m];
        json_t *part = NULL;
        if (mod->export_genesis && (err = mod->export_genesis(&ctx, &part)) == AG_OK && part)
            json_object_set_new(root, mod->name, part);
    }
    market_kv_free(&kv);
    if (err) {
        json_decref(root);
        return err;
    }
    *out = root;
    return AG_OK;
}
