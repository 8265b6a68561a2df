/* mod_block.c — the market's end-block work at height H, each step touching
 * only the index entries at H: auctions whose window ends at H (award or
 * close), leases whose escrow cannot pay block H (close, insufficient
 * funds), closed records due for pruning at H. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "market/auction.h"
#include "market/event_names.h"
#include "market/mod_internal.h"

/* Index entries at one height are bounded by what blocks can create; this
 * only guards memory against a corrupt store. */
#define SWEEP_MAX ((size_t)1 << 22)

static ag_err ids_at(market_ctx *ctx, uint8_t prefix, int64_t h, uint64_t **ids, size_t *n)
{
    market_key start, end;
    ag_err err = market_key_by_height(&start, prefix, h, 0);
    if (!err)
        err = market_key_by_height(&end, prefix, h + 1, 0);
    if (err)
        return err;
    start.len = end.len = 9;
    return market_mod_scan_ids(ctx, &start, &end, SWEEP_MAX, ids, n);
}

static int bid_cmp(const void *a, const void *b)
{
    return market_bid_compare(a, b);
}

/* The order's window ended: award the best open bid whose offer can still
 * host it (auto-award), else close the order. */
static ag_err auction_end(market_ctx *ctx, const market_params *p, market_order *o)
{
    if (o->auto_award) {
        market_key start, end;
        market_key_bids_of_order(&start, o->id);
        market_key_bids_of_order(&end, o->id + 1);
        uint64_t *ids;
        size_t n, open = 0;
        ag_err err = market_mod_scan_ids(ctx, &start, &end, MARKET_MAX_BIDS_PER_ORDER, &ids, &n);
        if (err)
            return err;
        market_bid *bids = n ? calloc(n, sizeof *bids) : NULL;
        if (n && !bids)
            err = ag_err_set(AG_ERR_NOMEM, "market: bids of order %llu", (unsigned long long)o->id);
        for (size_t i = 0; !err && i < n; i++) {
            err = market_mod_bid_get(ctx, ids[i], &bids[open]);
            if (!err && bids[open].state == MARKET_BID_OPEN)
                open++;
        }
        free(ids);
        if (err == AG_ERR_NOT_FOUND)
            err = ag_err_set(AG_ERR_CORRUPT, "market: an indexed bid of order %llu is missing",
                             (unsigned long long)o->id);
        if (!err && open > 1)
            qsort(bids, open, sizeof *bids, bid_cmp);
        bool awarded = false;
        for (size_t i = 0; !err && !awarded && i < open; i++) {
            market_offer f;
            err = market_mod_offer_get(ctx, bids[i].offer_id, &f);
            if (err == AG_ERR_NOT_FOUND)
                err = ag_err_set(AG_ERR_CORRUPT, "market: bid %llu's offer is missing",
                                 (unsigned long long)bids[i].id);
            if (!err && market_mod_offer_can_host(&f, o) == AG_OK) {
                err = market_mod_award(ctx, p, o, &bids[i], &f);
                awarded = true;
            }
        }
        free(bids);
        if (err || awarded)
            return err;
    }
    return market_mod_order_close(ctx, p, o);
}

static ag_err prune_one(market_ctx *ctx, market_kind kind, uint64_t id)
{
    market_key k[3];
    size_t n = 0;
    ag_err err = AG_OK;
    if (kind == MARKET_KIND_ORDER) {
        market_order o;
        err = market_mod_order_get(ctx, id, &o);
        if (!err) {
            market_key_record(&k[n++], MARKET_KEY_ORDER, id);
            market_key_by_owner(&k[n++], MARKET_KEY_ORDER_BY_TENANT, &o.tenant, id);
        }
        market_order_clear(&o);
    } else if (kind == MARKET_KIND_BID) {
        market_bid b;
        err = market_mod_bid_get(ctx, id, &b);
        if (!err) {
            market_key_record(&k[n++], MARKET_KEY_BID, id);
            market_key_bid_by_order(&k[n++], b.order_id, id);
            market_key_by_owner(&k[n++], MARKET_KEY_BID_BY_PROVIDER, &b.provider, id);
        }
    } else if (kind == MARKET_KIND_LEASE) {
        market_lease l;
        err = market_mod_lease_get(ctx, id, &l);
        if (!err) {
            market_key_record(&k[n++], MARKET_KEY_LEASE, id);
            market_key_by_owner(&k[n++], MARKET_KEY_LEASE_BY_TENANT, &l.tenant, id);
            market_key_by_owner(&k[n++], MARKET_KEY_LEASE_BY_PROVIDER, &l.provider, id);
        }
    } else {
        return ag_err_set(AG_ERR_CORRUPT, "market: prune entry of kind %d", (int)kind);
    }
    if (err == AG_ERR_NOT_FOUND)
        err = ag_err_set(AG_ERR_CORRUPT, "market: record to prune (kind %d, id %llu) is missing",
                         (int)kind, (unsigned long long)id);
    for (size_t i = 0; !err && i < n; i++)
        err = market_mod_index_del(ctx, &k[i]);
    return err;
}

typedef struct prune_list {
    struct {
        market_kind kind;
        uint64_t id;
    } * e;
    size_t n, cap;
    ag_err err;
} prune_list;

static bool collect_prune(void *arg, const uint8_t *key, size_t klen, const uint8_t *val,
                          size_t vlen)
{
    (void)val;
    (void)vlen;
    prune_list *l = arg;
    if (klen != 18) {
        l->err = ag_err_set(AG_ERR_CORRUPT, "market: prune key of %zu bytes", klen);
        return false;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        void *p = l->n < SWEEP_MAX ? realloc(l->e, cap * sizeof *l->e) : NULL;
        if (!p) {
            l->err = ag_err_set(AG_ERR_NOMEM, "market: prune list");
            return false;
        }
        l->e = p;
        l->cap = cap;
    }
    l->e[l->n].kind = (market_kind)key[9];
    l->e[l->n].id = market_be64_get(key + 10);
    l->n++;
    return true;
}

static ag_err prune_at(market_ctx *ctx, int64_t h)
{
    market_key start, end;
    ag_err err = market_key_prune(&start, h, MARKET_KIND_OFFER, 0);
    if (!err)
        err = market_key_prune(&end, h + 1, MARKET_KIND_OFFER, 0);
    if (err)
        return err;
    start.len = end.len = 9;
    prune_list l = {0};
    err = market_ctx_scan(ctx, start.b, start.len, end.b, end.len, collect_prune, &l);
    if (!err)
        err = l.err;
    for (size_t i = 0; !err && i < l.n; i++) {
        err = prune_one(ctx, l.e[i].kind, l.e[i].id);
        market_key k;
        if (!err)
            err = market_key_prune(&k, h, l.e[i].kind, l.e[i].id);
        if (!err)
            err = market_mod_index_del(ctx, &k);
    }
    free(l.e);
    return err;
}

ag_err market_mod_end_block(market_ctx *ctx)
{
    int64_t h = ctx->height;
    if (h < 0 || h == INT64_MAX)
        return AG_OK;
    market_params p;
    ag_err err = market_mod_params_get(ctx, &p);
    uint64_t *ids = NULL;
    size_t n = 0;
    if (!err)
        err = ids_at(ctx, MARKET_KEY_ORDER_BY_CLOSING, h, &ids, &n);
    for (size_t i = 0; !err && i < n; i++) {
        market_order o;
        err = market_mod_order_get(ctx, ids[i], &o);
        if (!err && (o.state != MARKET_ORDER_OPEN || o.closing_height != h))
            err = ag_err_set(AG_ERR_CORRUPT, "market: order %llu indexed as closing at %lld",
                             (unsigned long long)o.id, (long long)h);
        if (!err)
            err = auction_end(ctx, &p, &o);
        market_order_clear(&o);
    }
    free(ids);
    ids = NULL;
    if (!err)
        err = ids_at(ctx, MARKET_KEY_LEASE_BY_EXHAUST, h, &ids, &n);
    for (size_t i = 0; !err && i < n; i++) {
        market_lease l;
        err = market_mod_lease_get(ctx, ids[i], &l);
        if (!err && l.state != MARKET_LEASE_ACTIVE)
            err = ag_err_set(AG_ERR_CORRUPT, "market: closed lease %llu in the exhaustion index",
                             (unsigned long long)l.id);
        if (!err)
            err = market_mod_lease_close(ctx, &p, &l, MARKET_CLOSE_INSUFFICIENT_FUNDS, "", false);
    }
    free(ids);
    if (!err)
        err = prune_at(ctx, h);
    if (err == AG_ERR_NOT_FOUND) {
        char d[AG_ERR_DETAIL_MAX]; /* ag_err_set writes where ag_err_detail points */
        snprintf(d, sizeof d, "%s", ag_err_detail());
        err = ag_err_set(AG_ERR_CORRUPT, "market: an indexed record is missing: %s", d);
    }
    return err;
}
