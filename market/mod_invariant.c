/* mod_invariant.c — the market's bookkeeping checks (tests run them after
 * every block through market_app_check_invariants):
 *   - every offer's leased capacity fits in its capacity and equals the sum
 *     of its active leases' resources (so free = capacity - active leases);
 *   - per denom, the escrow account holds exactly the open orders'
 *     deposits, the leases' escrows and unwithdrawn earnings, and the open
 *     bids' deposits (deposits minus payments), and nothing else;
 *   - no open bid on an order that is not open; an active order has an
 *     active lease with its id and vice versa; closed leases hold nothing;
 *   - every open order is in the closing index at its closing height and
 *     every active lease in the exhaustion index at its exhaustion height,
 *     and every entry of those indices and of the prune schedule names such
 *     a record (open order, active lease, closed item);
 *   - id sequences are above every id in use; the per-account counters
 *     equal the active offers and the orders not closed of each account.
 * Total supply is the bank's invariant. Reads the whole market state: for
 * tests, not for blocks. */
#include <stdlib.h>
#include <string.h>

#include "market/auth.h"
#include "market/bank.h"
#include "market/mod_internal.h"
#include "market/resources.h"

#define BALANCE_PREFIX 0x02 /* market/keys.h: 0x02 address denom -> balance */
#define MAX_DENOMS     64

typedef struct inv_offer {
    uint64_t id;
    crypto_address provider;
    bool active;
    market_resources capacity, leased, sum;
} inv_offer;

typedef struct inv_order {
    uint64_t id;
    crypto_address tenant;
    market_order_state state;
    market_resources total;
    int64_t closing_height;
} inv_order;

typedef struct inv_lease {
    uint64_t id, order_id, offer_id;
    market_lease_state state;
    int64_t exhaustion; /* active leases */
} inv_lease;

typedef struct inv_bid {
    uint64_t id;
    market_bid_state state;
} inv_bid;

typedef struct denom_sum {
    char denom[MARKET_DENOM_MAX + 1];
    market_u128 sum;
    bool seen;
} denom_sum;

typedef struct inv {
    market_ctx *ctx;
    inv_offer *offers;
    inv_order *orders;
    inv_lease *leases;
    size_t n_offers, n_orders, n_leases;
    uint64_t *open_bid_orders; /* order ids of open bids */
    size_t n_open_bids;
    inv_bid *bids;
    size_t n_bids;
    denom_sum denoms[MAX_DENOMS];
    size_t n_denoms;
    ag_err err;
} inv;

/* Room for element n of an array grown to 16, 32, 64... elements. */
static bool grow(void **p, size_t n, size_t size)
{
    if (n != 0 && (n < 16 || (n & (n - 1)) != 0))
        return true;
    void *q = realloc(*p, (n ? n * 2 : 16) * size);
    if (!q)
        return false;
    *p = q;
    return true;
}

static ag_err add_escrow(inv *v, const char *denom, market_u128 amount)
{
    size_t i = 0;
    while (i < v->n_denoms && strcmp(v->denoms[i].denom, denom) != 0)
        i++;
    if (i == v->n_denoms) {
        if (i == MAX_DENOMS)
            return ag_err_set(AG_ERR_CORRUPT, "market invariant: more than %d escrow denoms",
                              MAX_DENOMS);
        memset(&v->denoms[i], 0, sizeof v->denoms[i]);
        strcpy(v->denoms[i].denom, denom);
        v->n_denoms++;
    }
    if (market_amount_add(&v->denoms[i].sum, v->denoms[i].sum, amount))
        return ag_err_set(AG_ERR_CORRUPT, "market invariant: escrow sum overflows");
    return AG_OK;
}

static bool visit_record(void *arg, const uint8_t *key, size_t klen, const uint8_t *val,
                         size_t vlen)
{
    inv *v = arg;
    if (klen != 9) /* 0x20/0x28/0x30/0x38 id: other lengths are other prefixes' */
        return true;
    ag_err err = AG_OK;
    switch (key[0]) {
    case MARKET_KEY_OFFER: {
        market_offer o;
        err = market_offer_decode(&o, val, vlen);
        if (!err && !grow((void **)&v->offers, v->n_offers, sizeof *v->offers))
            err = AG_ERR_NOMEM;
        if (!err)
            v->offers[v->n_offers++] = (inv_offer){
                o.id, o.provider, o.state == MARKET_OFFER_ACTIVE, o.spec.capacity, o.leased, {0}};
        break;
    }
    case MARKET_KEY_ORDER: {
        market_order o;
        err = market_order_decode(&o, val, vlen);
        if (!err && !grow((void **)&v->orders, v->n_orders, sizeof *v->orders))
            err = AG_ERR_NOMEM;
        if (!err)
            v->orders[v->n_orders++] =
                (inv_order){o.id, o.tenant, o.state, o.summary.total, o.closing_height};
        if (!err && o.state == MARKET_ORDER_OPEN)
            err = add_escrow(v, o.deposit.denom, o.deposit.amount);
        market_order_clear(&o);
        break;
    }
    case MARKET_KEY_BID: {
        market_bid b;
        err = market_bid_decode(&b, val, vlen);
        if (!err && !grow((void **)&v->bids, v->n_bids, sizeof *v->bids))
            err = AG_ERR_NOMEM;
        if (!err)
            v->bids[v->n_bids++] = (inv_bid){b.id, b.state};
        if (!err && b.state == MARKET_BID_OPEN) {
            if (!grow((void **)&v->open_bid_orders, v->n_open_bids, sizeof(uint64_t)))
                err = AG_ERR_NOMEM;
            else
                v->open_bid_orders[v->n_open_bids++] = b.order_id;
            if (!err)
                err = add_escrow(v, b.deposit.denom, b.deposit.amount);
        }
        break;
    }
    case MARKET_KEY_LEASE: {
        market_lease l;
        err = market_lease_decode(&l, val, vlen);
        if (!err && !grow((void **)&v->leases, v->n_leases, sizeof *v->leases))
            err = AG_ERR_NOMEM;
        if (!err)
            v->leases[v->n_leases++] = (inv_lease){l.id, l.order_id, l.offer_id, l.state, 0};
        if (!err && l.state == MARKET_LEASE_CLOSED && (l.escrow || l.paid != l.withdrawn))
            err = ag_err_set(AG_ERR_CORRUPT, "market invariant: closed lease %llu holds funds",
                             (unsigned long long)l.id);
        if (!err)
            err = add_escrow(v, l.price.denom, l.escrow + (l.paid - l.withdrawn));
        if (!err && l.state == MARKET_LEASE_ACTIVE) {
            market_key k;
            ag_buf tmp;
            ag_buf_init(&tmp, 16);
            err = market_mod_exhaust_key(&k, &l);
            if (!err)
                v->leases[v->n_leases - 1].exhaustion = (int64_t)market_be64_get(k.b + 1);
            if (!err && market_ctx_get(v->ctx, k.b, k.len, &tmp) != AG_OK)
                err = ag_err_set(AG_ERR_CORRUPT,
                                 "market invariant: lease %llu not in the exhaustion index",
                                 (unsigned long long)l.id);
            ag_buf_free(&tmp);
        }
        break;
    }
    default:
        return true;
    }
    if (err == AG_ERR_NOMEM)
        err = ag_err_set(AG_ERR_NOMEM, "market invariant: no memory");
    else if (err && err != AG_ERR_CORRUPT) {
        char d[AG_ERR_DETAIL_MAX]; /* ag_err_set writes where ag_err_detail points */
        snprintf(d, sizeof d, "%s", ag_err_detail());
        err = ag_err_set(AG_ERR_CORRUPT, "market invariant: record 0x%02x does not decode: %s",
                         key[0], d);
    }
    v->err = err;
    return err == AG_OK;
}

static int cmp_id(const void *key, const void *elem)
{
    uint64_t a = *(const uint64_t *)key, b = *(const uint64_t *)elem;
    return a < b ? -1 : a > b;
}

/* bsearch by id; NULL for an empty array (bsearch wants a non-NULL base). */
static void *find(uint64_t id, void *base, size_t n, size_t size)
{
    return n ? bsearch(&id, base, n, size, cmp_id) : NULL;
}

static bool visit_balance(void *arg, const uint8_t *key, size_t klen, const uint8_t *val,
                          size_t vlen)
{
    (void)val;
    (void)vlen;
    inv *v = arg;
    size_t dl = klen - 1 - CRYPTO_ADDRESS_LEN;
    for (size_t i = 0; i < v->n_denoms; i++)
        if (strlen(v->denoms[i].denom) == dl &&
            memcmp(v->denoms[i].denom, key + 1 + CRYPTO_ADDRESS_LEN, dl) == 0) {
            v->denoms[i].seen = true;
            return true;
        }
    v->err = ag_err_set(AG_ERR_CORRUPT, "market invariant: escrow holds a denom nothing owns");
    return false;
}

static ag_err bad_entry(const uint8_t *key, size_t klen, const char *why)
{
    return ag_err_set(AG_ERR_CORRUPT, "market invariant: key 0x%02x (%zu bytes): %s", key[0], klen,
                      why);
}

static size_t count_tenant(const inv *v, const uint8_t *addr)
{
    size_t n = 0;
    for (size_t i = 0; i < v->n_orders; i++)
        n += v->orders[i].state != MARKET_ORDER_CLOSED &&
             memcmp(v->orders[i].tenant.b, addr, CRYPTO_ADDRESS_LEN) == 0;
    return n;
}

static size_t count_provider(const inv *v, const uint8_t *addr)
{
    size_t n = 0;
    for (size_t i = 0; i < v->n_offers; i++)
        n += v->offers[i].active && memcmp(v->offers[i].provider.b, addr, CRYPTO_ADDRESS_LEN) == 0;
    return n;
}

/* Sequences, counters, the height indices and the prune schedule. */
static bool visit_meta(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
    inv *v = arg;
    uint8_t p = key[0];
    uint64_t id = klen >= 9 ? market_be64_get(key + klen - 8) : 0;
    int64_t h = klen >= 17 ? (int64_t)market_be64_get(key + 1) : -1;
    ag_err err = AG_OK;
    if (p == MARKET_KEY_SEQUENCE && klen == 2) {
        uint64_t next = vlen == 8 ? market_be64_get(val) : 0;
        uint64_t max = 0;
        if (key[1] == MARKET_KIND_OFFER && v->n_offers)
            max = v->offers[v->n_offers - 1].id;
        else if (key[1] == MARKET_KIND_ORDER && v->n_orders)
            max = v->orders[v->n_orders - 1].id;
        else if (key[1] == MARKET_KIND_BID && v->n_bids)
            max = v->bids[v->n_bids - 1].id;
        if (next <= max)
            err = bad_entry(key, klen, "sequence not above the ids in use");
    } else if (p == MARKET_KEY_COUNTER) {
        uint64_t c = vlen == 8 ? market_be64_get(val) : UINT64_MAX;
        if (klen != 2 + CRYPTO_ADDRESS_LEN ||
            (key[1] == MARKET_KIND_ORDER && c != count_tenant(v, key + 2)) ||
            (key[1] == MARKET_KIND_OFFER && c != count_provider(v, key + 2)) ||
            (key[1] != MARKET_KIND_ORDER && key[1] != MARKET_KIND_OFFER))
            err = bad_entry(key, klen, "counter differs from the records");
    } else if (p == MARKET_KEY_ORDER_BY_CLOSING) {
        inv_order *o = klen == 17 ? find(id, v->orders, v->n_orders, sizeof *o) : NULL;
        if (!o || o->state != MARKET_ORDER_OPEN || o->closing_height != h)
            err = bad_entry(key, klen, "closing index entry without its open order");
    } else if (p == MARKET_KEY_LEASE_BY_EXHAUST) {
        inv_lease *l = klen == 17 ? find(id, v->leases, v->n_leases, sizeof *l) : NULL;
        if (!l || l->state != MARKET_LEASE_ACTIVE || l->exhaustion != h)
            err = bad_entry(key, klen, "exhaustion index entry without its active lease");
    } else if (p == MARKET_KEY_PRUNE) {
        bool closed = false;
        if (klen == 18 && key[9] == MARKET_KIND_ORDER) {
            inv_order *o = find(id, v->orders, v->n_orders, sizeof *o);
            closed = o && o->state == MARKET_ORDER_CLOSED;
        } else if (klen == 18 && key[9] == MARKET_KIND_BID) {
            inv_bid *b = find(id, v->bids, v->n_bids, sizeof *b);
            closed = b && b->state != MARKET_BID_OPEN;
        } else if (klen == 18 && key[9] == MARKET_KIND_LEASE) {
            inv_lease *l = find(id, v->leases, v->n_leases, sizeof *l);
            closed = l && l->state == MARKET_LEASE_CLOSED;
        }
        if (!closed)
            err = bad_entry(key, klen, "prune entry without its closed record");
    }
    v->err = err;
    return err == AG_OK;
}

static ag_err check_counters_present(inv *v)
{
    /* every account with orders not closed / active offers has its counter */
    for (size_t i = 0; i < v->n_orders; i++) {
        if (v->orders[i].state == MARKET_ORDER_CLOSED)
            continue;
        uint64_t c;
        ag_err err = market_mod_counter_get(v->ctx, MARKET_KIND_ORDER, &v->orders[i].tenant, &c);
        if (err)
            return err;
        if (c != count_tenant(v, v->orders[i].tenant.b))
            return ag_err_set(AG_ERR_CORRUPT, "market invariant: open-order counter differs");
    }
    for (size_t i = 0; i < v->n_offers; i++) {
        if (!v->offers[i].active)
            continue;
        uint64_t c;
        ag_err err = market_mod_counter_get(v->ctx, MARKET_KIND_OFFER, &v->offers[i].provider, &c);
        if (err)
            return err;
        if (c != count_provider(v, v->offers[i].provider.b))
            return ag_err_set(AG_ERR_CORRUPT, "market invariant: offer counter differs");
    }
    return AG_OK;
}

static ag_err check(inv *v)
{
    market_ctx *ctx = v->ctx;
    const uint8_t s[1] = {MARKET_KEY_OFFER}, e[1] = {MARKET_KEY_LEASE + 1};
    ag_err err = market_ctx_scan(ctx, s, 1, e, 1, visit_record, v);
    if (err || v->err)
        return err ? err : v->err;
    /* leases vs orders and offers */
    for (size_t i = 0; i < v->n_leases; i++) {
        inv_lease *l = &v->leases[i];
        inv_order *o = find(l->order_id, v->orders, v->n_orders, sizeof *o);
        inv_offer *f = find(l->offer_id, v->offers, v->n_offers, sizeof *f);
        if (l->state != MARKET_LEASE_ACTIVE)
            continue;
        if (!o || !f || o->state != MARKET_ORDER_ACTIVE || l->id != o->id)
            return ag_err_set(AG_ERR_CORRUPT,
                              "market invariant: active lease %llu without its active order "
                              "or offer",
                              (unsigned long long)l->id);
        if (market_resources_add(&f->sum, &f->sum, &o->total))
            return ag_err_set(AG_ERR_CORRUPT, "market invariant: leased sum overflows");
    }
    for (size_t i = 0; i < v->n_orders; i++) {
        inv_order *o = &v->orders[i];
        if (o->state == MARKET_ORDER_ACTIVE) {
            inv_lease *l = find(o->id, v->leases, v->n_leases, sizeof *l);
            if (!l || l->state != MARKET_LEASE_ACTIVE)
                return ag_err_set(AG_ERR_CORRUPT,
                                  "market invariant: active order %llu without an active lease",
                                  (unsigned long long)o->id);
        } else if (o->state == MARKET_ORDER_OPEN) {
            market_key k;
            ag_buf tmp;
            ag_buf_init(&tmp, 16);
            err = market_key_by_height(&k, MARKET_KEY_ORDER_BY_CLOSING, o->closing_height, o->id);
            if (!err && market_ctx_get(ctx, k.b, k.len, &tmp) != AG_OK)
                err = ag_err_set(AG_ERR_CORRUPT,
                                 "market invariant: open order %llu not in the closing index",
                                 (unsigned long long)o->id);
            ag_buf_free(&tmp);
            if (err)
                return err;
        }
    }
    for (size_t i = 0; i < v->n_offers; i++) {
        inv_offer *f = &v->offers[i];
        if (!market_resources_fits(&f->capacity, &f->leased))
            return ag_err_set(AG_ERR_CORRUPT, "market invariant: offer %llu leases above capacity",
                              (unsigned long long)f->id);
        if (memcmp(&f->leased, &f->sum, sizeof f->sum) != 0)
            return ag_err_set(AG_ERR_CORRUPT,
                              "market invariant: offer %llu leased differs from its leases",
                              (unsigned long long)f->id);
    }
    for (size_t i = 0; i < v->n_open_bids; i++) {
        inv_order *o = find(v->open_bid_orders[i], v->orders, v->n_orders, sizeof *o);
        if (!o || o->state != MARKET_ORDER_OPEN)
            return ag_err_set(AG_ERR_CORRUPT, "market invariant: open bid on order %llu, not open",
                              (unsigned long long)v->open_bid_orders[i]);
    }
    const uint8_t ms[1] = {MARKET_KEY_SEQUENCE}, me[1] = {MARKET_KEY_PRUNE + 1};
    err = market_ctx_scan(ctx, ms, 1, me, 1, visit_meta, v);
    if (!err)
        err = v->err;
    if (!err)
        err = check_counters_present(v);
    if (err)
        return err;
    /* escrow */
    crypto_address esc;
    market_module_address(MARKET_ESCROW, &esc);
    for (size_t i = 0; i < v->n_denoms; i++) {
        market_u128 bal;
        err = market_bank_balance(ctx, &esc, v->denoms[i].denom, &bal);
        if (err)
            return err;
        if (bal != v->denoms[i].sum)
            return ag_err_set(AG_ERR_CORRUPT,
                              "market invariant: escrow holds a different amount of %s than "
                              "deposits minus payments",
                              v->denoms[i].denom);
    }
    uint8_t bs[1 + CRYPTO_ADDRESS_LEN + 1], be[1 + CRYPTO_ADDRESS_LEN + 1];
    bs[0] = be[0] = BALANCE_PREFIX;
    memcpy(bs + 1, esc.b, CRYPTO_ADDRESS_LEN);
    memcpy(be + 1, esc.b, CRYPTO_ADDRESS_LEN);
    bs[1 + CRYPTO_ADDRESS_LEN] = 0x00;
    be[1 + CRYPTO_ADDRESS_LEN] = 0xFF;
    err = market_ctx_scan(ctx, bs, sizeof bs, be, sizeof be, visit_balance, v);
    return err ? err : v->err;
}

ag_err market_mod_invariant(market_ctx *ctx)
{
    inv v;
    memset(&v, 0, sizeof v);
    v.ctx = ctx;
    ag_err err = check(&v);
    free(v.offers);
    free(v.orders);
    free(v.leases);
    free(v.open_bid_orders);
    free(v.bids);
    return err;
}
