/* mod_store.c — the market module's records, sequences, counters, indices,
 * pruning schedule, escrow moves and event helpers. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "market/auth.h"
#include "market/bank.h"
#include "market/event_names.h"
#include "market/mod_internal.h"

/* ---- raw values ---- */

/* Read key into a fresh buffer: AG_ERR_NOT_FOUND when absent. */
static ag_err get_raw(market_ctx *ctx, const market_key *k, ag_buf *v)
{
    ag_buf_init(v, MARKET_MSG_MAX_BYTES + 1024);
    ag_err err = market_ctx_get(ctx, k->b, k->len, v);
    if (err)
        ag_buf_free(v);
    return err;
}

static ag_err corrupt(const char *what, uint64_t id)
{
    char d[AG_ERR_DETAIL_MAX]; /* ag_err_set writes where ag_err_detail points */
    snprintf(d, sizeof d, "%s", ag_err_detail());
    return ag_err_set(AG_ERR_CORRUPT, "market: stored %s %" PRIu64 " does not decode: %s", what, id,
                      d);
}

ag_err market_mod_params_get(market_ctx *ctx, market_params *p)
{
    market_key k;
    market_key_params(&k);
    ag_buf v;
    ag_err err = get_raw(ctx, &k, &v);
    if (err == AG_ERR_NOT_FOUND)
        return ag_err_set(AG_ERR_CORRUPT, "market: no params in the store");
    if (err)
        return err;
    err = market_params_decode(p, v.data, v.len);
    ag_buf_free(&v);
    return err ? corrupt("params", 0) : AG_OK;
}

ag_err market_mod_params_set(market_ctx *ctx, const market_params *p)
{
    ag_buf v;
    ag_buf_init(&v, 4096);
    market_key k;
    market_key_params(&k);
    ag_err err = market_params_encode(&v, p);
    if (!err)
        err = market_ctx_set(ctx, k.b, k.len, v.data, v.len);
    ag_buf_free(&v);
    return err;
}

static ag_err get_u64(market_ctx *ctx, const uint8_t *key, size_t klen, uint64_t *out)
{
    uint8_t buf[16];
    ag_buf v;
    ag_buf_init(&v, sizeof buf);
    *out = 0;
    ag_err err = market_ctx_get(ctx, key, klen, &v);
    if (err == AG_ERR_NOT_FOUND) {
        ag_buf_free(&v);
        return AG_OK;
    }
    if (!err && v.len != 8)
        err = ag_err_set(AG_ERR_CORRUPT, "market: counter of %zu bytes", v.len);
    if (!err)
        *out = market_be64_get(v.data);
    ag_buf_free(&v);
    return err;
}

static ag_err set_u64(market_ctx *ctx, const uint8_t *key, size_t klen, uint64_t v)
{
    if (v == 0)
        return market_ctx_delete(ctx, key, klen);
    uint8_t b[8];
    market_be64_put(b, v);
    return market_ctx_set(ctx, key, klen, b, 8);
}

ag_err market_mod_next_id(market_ctx *ctx, market_kind kind, uint64_t *id)
{
    market_key k;
    market_key_sequence(&k, kind);
    uint64_t next;
    ag_err err = get_u64(ctx, k.b, k.len, &next);
    if (err)
        return err;
    if (next == 0)
        next = 1;
    if (next == UINT64_MAX)
        return ag_err_set(AG_ERR_OVERFLOW, "market: ids of kind %d exhausted", (int)kind);
    *id = next;
    return set_u64(ctx, k.b, k.len, next + 1);
}

static void counter_key(uint8_t k[2 + CRYPTO_ADDRESS_LEN], market_kind kind,
                        const crypto_address *a)
{
    k[0] = MARKET_KEY_COUNTER;
    k[1] = (uint8_t)kind;
    memcpy(k + 2, a->b, CRYPTO_ADDRESS_LEN);
}

ag_err market_mod_counter_get(market_ctx *ctx, market_kind kind, const crypto_address *a,
                              uint64_t *out)
{
    uint8_t k[2 + CRYPTO_ADDRESS_LEN];
    counter_key(k, kind, a);
    return get_u64(ctx, k, sizeof k, out);
}

ag_err market_mod_counter_add(market_ctx *ctx, market_kind kind, const crypto_address *a, int delta)
{
    uint8_t k[2 + CRYPTO_ADDRESS_LEN];
    counter_key(k, kind, a);
    uint64_t v;
    ag_err err = get_u64(ctx, k, sizeof k, &v);
    if (err)
        return err;
    if (delta < 0 && v < (uint64_t)-delta)
        return ag_err_set(AG_ERR_CORRUPT, "market: counter of kind %d below zero", (int)kind);
    return set_u64(ctx, k, sizeof k, delta < 0 ? v - (uint64_t)-delta : v + (uint64_t)delta);
}

/* ---- records ---- */

#define RECORD_GET(fn, type, prefix, decode, what)                                                 \
    ag_err fn(market_ctx *ctx, uint64_t id, type *out)                                             \
    {                                                                                              \
        memset(out, 0, sizeof *out);                                                               \
        market_key k;                                                                              \
        market_key_record(&k, prefix, id);                                                         \
        ag_buf v;                                                                                  \
        ag_err err = get_raw(ctx, &k, &v);                                                         \
        if (err == AG_ERR_NOT_FOUND)                                                               \
            return ag_err_set(AG_ERR_NOT_FOUND, "%s %" PRIu64 " does not exist", what, id);        \
        if (err)                                                                                   \
            return err;                                                                            \
        err = decode(out, v.data, v.len);                                                          \
        ag_buf_free(&v);                                                                           \
        return err ? corrupt(what, id) : AG_OK;                                                    \
    }

#define RECORD_PUT(fn, type, prefix, encode)                                                       \
    ag_err fn(market_ctx *ctx, const type *r)                                                      \
    {                                                                                              \
        market_key k;                                                                              \
        market_key_record(&k, prefix, r->id);                                                      \
        ag_buf v;                                                                                  \
        ag_buf_init(&v, MARKET_MSG_MAX_BYTES + 1024);                                              \
        ag_err err = encode(&v, r);                                                                \
        if (!err)                                                                                  \
            err = market_ctx_set(ctx, k.b, k.len, v.data, v.len);                                  \
        ag_buf_free(&v);                                                                           \
        return err;                                                                                \
    }

RECORD_GET(market_mod_offer_get, market_offer, MARKET_KEY_OFFER, market_offer_decode, "offer")
RECORD_GET(market_mod_order_get, market_order, MARKET_KEY_ORDER, market_order_decode, "order")
RECORD_GET(market_mod_bid_get, market_bid, MARKET_KEY_BID, market_bid_decode, "bid")
RECORD_GET(market_mod_lease_get, market_lease, MARKET_KEY_LEASE, market_lease_decode, "lease")
RECORD_PUT(market_mod_offer_put, market_offer, MARKET_KEY_OFFER, market_offer_encode)
RECORD_PUT(market_mod_order_put, market_order, MARKET_KEY_ORDER, market_order_encode)
RECORD_PUT(market_mod_bid_put, market_bid, MARKET_KEY_BID, market_bid_encode)
RECORD_PUT(market_mod_lease_put, market_lease, MARKET_KEY_LEASE, market_lease_encode)

ag_err market_mod_index_set(market_ctx *ctx, const market_key *k)
{
    /* The store refuses empty values: an index entry holds one zero byte. */
    static const uint8_t zero = 0;
    return market_ctx_set(ctx, k->b, k->len, &zero, 1);
}

ag_err market_mod_index_del(market_ctx *ctx, const market_key *k)
{
    return market_ctx_delete(ctx, k->b, k->len);
}

ag_err market_mod_prune_schedule(market_ctx *ctx, const market_params *p, market_kind kind,
                                 uint64_t id, int64_t closed_height)
{
    if (p->prune_delay_blocks > (uint64_t)(INT64_MAX - closed_height))
        return AG_OK; /* never */
    market_key k;
    ag_err err = market_key_prune(&k, closed_height + (int64_t)p->prune_delay_blocks, kind, id);
    return err ? err : market_mod_index_set(ctx, &k);
}

typedef struct id_list {
    uint64_t *ids;
    size_t n, cap, max;
    ag_err err;
} id_list;

static bool collect_id(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
    (void)val;
    (void)vlen;
    id_list *l = arg;
    if (l->n == l->max) {
        l->err = ag_err_set(AG_ERR_TOO_LARGE, "market: more than %zu entries in a range", l->max);
        return false;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        uint64_t *p = realloc(l->ids, cap * sizeof *p);
        if (!p) {
            l->err = ag_err_set(AG_ERR_NOMEM, "market: id list");
            return false;
        }
        l->ids = p;
        l->cap = cap;
    }
    l->err = market_key_trailing_id(&l->ids[l->n++], key, klen);
    return l->err == AG_OK;
}

ag_err market_mod_scan_ids(market_ctx *ctx, const market_key *start, const market_key *end,
                           size_t max, uint64_t **ids, size_t *n)
{
    id_list l = {.max = max};
    ag_err err = market_ctx_scan(ctx, start->b, start->len, end->b, end->len, collect_id, &l);
    if (!err)
        err = l.err;
    if (err) {
        free(l.ids);
        *ids = NULL;
        *n = 0;
        return err;
    }
    *ids = l.ids;
    *n = l.n;
    return AG_OK;
}

/* ---- money ---- */

ag_err market_mod_escrow_in(market_ctx *ctx, const crypto_address *from, const char *denom,
                            market_u128 amount)
{
    if (amount == 0)
        return AG_OK;
    market_coin c = {.amount = amount};
    snprintf(c.denom, sizeof c.denom, "%s", denom);
    return market_bank_to_module(ctx, from, MARKET_ESCROW, &c, 1);
}

ag_err market_mod_escrow_out(market_ctx *ctx, const crypto_address *to, const char *denom,
                             market_u128 amount)
{
    if (amount == 0)
        return AG_OK;
    market_coin c = {.amount = amount};
    snprintf(c.denom, sizeof c.denom, "%s", denom);
    return market_bank_from_module(ctx, MARKET_ESCROW, to, &c, 1);
}

/* ---- events ---- */

ag_err market_mod_ev(market_ctx *ctx, const char *type)
{
    return market_event_begin(ctx->events, type);
}

ag_err market_mod_ev_str(market_ctx *ctx, const char *key, const char *v)
{
    return market_event_attr_add(ctx->events, key, v);
}

ag_err market_mod_ev_u64(market_ctx *ctx, const char *key, uint64_t v)
{
    char b[24];
    snprintf(b, sizeof b, "%" PRIu64, v);
    return market_event_attr_add(ctx->events, key, b);
}

ag_err market_mod_ev_i64(market_ctx *ctx, const char *key, int64_t v)
{
    char b[24];
    snprintf(b, sizeof b, "%" PRId64, v);
    return market_event_attr_add(ctx->events, key, b);
}

ag_err market_mod_ev_addr(market_ctx *ctx, const char *key, const crypto_address *a)
{
    char b[CRYPTO_ADDRESS_STR_MAX];
    ag_err err = crypto_address_to_bech32(b, sizeof b, "agora", a);
    return err ? err : market_event_attr_add(ctx->events, key, b);
}

ag_err market_mod_ev_amount(market_ctx *ctx, const char *key, const char *denom, market_u128 v)
{
    char a[MARKET_AMOUNT_STR_MAX], b[MARKET_AMOUNT_STR_MAX + MARKET_DENOM_MAX + 1];
    market_amount_format(a, v);
    snprintf(b, sizeof b, "%s%s", a, denom);
    return market_event_attr_add(ctx->events, key, b);
}

ag_err market_mod_ev_resources(market_ctx *ctx, const market_resources *r)
{
    ag_err err = market_mod_ev_u64(ctx, MARKET_ATTR_CPU_MILLIS, r->cpu_millis);
    if (!err)
        err = market_mod_ev_u64(ctx, MARKET_ATTR_MEMORY_BYTES, r->memory_bytes);
    if (!err)
        err = market_mod_ev_u64(ctx, MARKET_ATTR_STORAGE_BYTES, r->storage_bytes);
    if (!err)
        err = market_mod_ev_u64(ctx, MARKET_ATTR_GPUS, r->gpus);
    if (!err)
        err = market_mod_ev_u64(ctx, MARKET_ATTR_ENDPOINTS, r->endpoints);
    return err;
}
