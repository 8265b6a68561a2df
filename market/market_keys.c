/* market_keys.c — store keys of the market (layout in market_keys.h). */
#include "market/market_keys.h"

#include <string.h>

void market_be64_put(uint8_t out[8], uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        out[i] = (uint8_t)v;
}

uint64_t market_be64_get(const uint8_t in[8])
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | in[i];
    return v;
}

static void put_byte(market_key *k, uint8_t b)
{
    k->b[k->len++] = b;
}

static void put_u64(market_key *k, uint64_t v)
{
    market_be64_put(k->b + k->len, v);
    k->len += 8;
}

static void start(market_key *k, uint8_t prefix)
{
    memset(k, 0, sizeof *k);
    put_byte(k, prefix);
}

void market_key_sequence(market_key *out, market_kind kind)
{
    start(out, MARKET_KEY_SEQUENCE);
    put_byte(out, (uint8_t)kind);
}

void market_key_params(market_key *out)
{
    start(out, MARKET_KEY_PARAMS);
}

void market_key_record(market_key *out, uint8_t prefix, uint64_t id)
{
    start(out, prefix);
    put_u64(out, id);
}

void market_key_owner_prefix(market_key *out, uint8_t prefix, const crypto_address *owner)
{
    start(out, prefix);
    memcpy(out->b + out->len, owner->b, CRYPTO_ADDRESS_LEN);
    out->len += CRYPTO_ADDRESS_LEN;
}

void market_key_by_owner(market_key *out, uint8_t prefix, const crypto_address *owner, uint64_t id)
{
    market_key_owner_prefix(out, prefix, owner);
    put_u64(out, id);
}

void market_key_bids_of_order(market_key *out, uint64_t order_id)
{
    start(out, MARKET_KEY_BID_BY_ORDER);
    put_u64(out, order_id);
}

void market_key_bid_by_order(market_key *out, uint64_t order_id, uint64_t bid_id)
{
    market_key_bids_of_order(out, order_id);
    put_u64(out, bid_id);
}

ag_err market_key_by_height(market_key *out, uint8_t prefix, int64_t height, uint64_t id)
{
    if (height < 0) {
        memset(out, 0, sizeof *out);
        return ag_err_set(AG_ERR_INVALID_ARG, "market key: negative height %lld",
                          (long long)height);
    }
    start(out, prefix);
    put_u64(out, (uint64_t)height);
    put_u64(out, id);
    return AG_OK;
}

ag_err market_key_prune(market_key *out, int64_t height, market_kind kind, uint64_t id)
{
    if (height < 0) {
        memset(out, 0, sizeof *out);
        return ag_err_set(AG_ERR_INVALID_ARG, "market key: negative height %lld",
                          (long long)height);
    }
    start(out, MARKET_KEY_PRUNE);
    put_u64(out, (uint64_t)height);
    put_byte(out, (uint8_t)kind);
    put_u64(out, id);
    return AG_OK;
}

ag_err market_key_trailing_id(uint64_t *id, const uint8_t *key, size_t len)
{
    *id = 0;
    if (len < 9)
        return ag_err_set(AG_ERR_LENGTH, "market key: %zu bytes, no id", len);
    *id = market_be64_get(key + len - 8);
    return AG_OK;
}

ag_err market_key_height(int64_t *height, const uint8_t *key, size_t len)
{
    *height = 0;
    if (len < 17)
        return ag_err_set(AG_ERR_LENGTH, "market key: %zu bytes, no height", len);
    if (key[0] != MARKET_KEY_ORDER_BY_CLOSING && key[0] != MARKET_KEY_LEASE_BY_EXHAUST &&
        key[0] != MARKET_KEY_PRUNE)
        return ag_err_set(AG_ERR_DECODE, "market key: prefix 0x%02x has no height", key[0]);
    uint64_t h = market_be64_get(key + 1);
    if (h > (uint64_t)INT64_MAX)
        return ag_err_set(AG_ERR_DECODE, "market key: height above int64");
    *height = (int64_t)h;
    return AG_OK;
}
