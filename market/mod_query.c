/* mod_query.c — /agora.market.v1.Query/{Offers,Orders,Bids,Leases} (filters
 * and pagination), the single items and Params (query.proto).
 *
 * Responses are written field by field: each listed item is its stored
 * record (the records.h encoding is the state.proto message), so a list
 * costs no re-encoding. Pagination: `key` (the next_key of the previous
 * page: the store key to resume at), or `offset` matching items to skip;
 * `limit` 0 means MARKET_QUERY_DEFAULT_LIMIT, at most MARKET_QUERY_MAX_LIMIT;
 * `count_total` counts every match (without `key` only, like the SDK);
 * `reverse` is refused. A page also ends early (with a next_key) before its
 * records pass MARKET_QUERY_PAGE_BYTES. A filter by owner picks the owner index, so its cost
 * follows that owner's items; the state filter is applied on the records. */
#include <stdlib.h>
#include <string.h>

#include "agora/market/v1/query.pb-c.h"
#include "market/mod_internal.h"

enum { Q_OFFER, Q_ORDER, Q_BID, Q_LEASE };

typedef struct qscan {
    market_ctx *ctx;
    int kind;
    bool via_index;
    /* filters */
    bool by_owner, by_provider;
    crypto_address owner, provider;
    uint64_t order_id;
    int state;
    /* paging */
    uint64_t skip, limit, matched, emitted;
    bool count_total, done;
    ag_buf *out;
    ag_buf next_key;
    ag_buf rec;
    ag_err err;
} qscan;

static const uint8_t record_prefix[] = {MARKET_KEY_OFFER, MARKET_KEY_ORDER, MARKET_KEY_BID,
                                        MARKET_KEY_LEASE};

static bool same(const crypto_address *a, const crypto_address *b)
{
    return memcmp(a->b, b->b, sizeof a->b) == 0;
}

/* Does the record in q->rec pass the filters? */
static ag_err matches(qscan *q, bool *ok)
{
    const uint8_t *d = q->rec.data;
    size_t n = q->rec.len;
    ag_err err = AG_OK;
    *ok = false;
    switch (q->kind) {
    case Q_OFFER: {
        market_offer *o = malloc(sizeof *o);
        if (!o)
            return ag_err_set(AG_ERR_NOMEM, "market query");
        err = market_offer_decode(o, d, n);
        *ok = !err && (!q->by_provider || same(&o->provider, &q->provider)) &&
              (!q->state || (int)o->state == q->state);
        free(o);
        break;
    }
    case Q_ORDER: {
        market_order *o = malloc(sizeof *o);
        if (!o)
            return ag_err_set(AG_ERR_NOMEM, "market query");
        err = market_order_decode(o, d, n);
        *ok = !err && (!q->by_owner || same(&o->tenant, &q->owner)) &&
              (!q->state || (int)o->state == q->state);
        market_order_clear(o);
        free(o);
        break;
    }
    case Q_BID: {
        market_bid b;
        err = market_bid_decode(&b, d, n);
        *ok = !err && (!q->by_provider || same(&b.provider, &q->provider)) &&
              (!q->order_id || b.order_id == q->order_id) &&
              (!q->state || (int)b.state == q->state);
        break;
    }
    default: {
        market_lease *l = malloc(sizeof *l);
        if (!l)
            return ag_err_set(AG_ERR_NOMEM, "market query");
        err = market_lease_decode(l, d, n);
        *ok = !err && (!q->by_owner || same(&l->tenant, &q->owner)) &&
              (!q->by_provider || same(&l->provider, &q->provider)) &&
              (!q->state || (int)l->state == q->state);
        free(l);
        break;
    }
    }
    if (err)
        return ag_err_set(AG_ERR_CORRUPT, "market query: a stored record does not decode");
    return AG_OK;
}

static ag_err append_field(ag_buf *out, uint32_t field, const uint8_t *d, size_t n)
{
    ag_err err = ag_buf_append_uvarint(out, ((uint64_t)field << 3) | 2);
    if (!err)
        err = ag_buf_append_uvarint(out, n);
    if (!err)
        err = ag_buf_append(out, d, n);
    return err;
}

static bool visit(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
    qscan *q = arg;
    if (q->done && !q->count_total)
        return false;
    ag_buf_reset(&q->rec);
    if (q->via_index) {
        uint64_t id;
        market_key rk;
        q->err = market_key_trailing_id(&id, key, klen);
        if (!q->err) {
            market_key_record(&rk, record_prefix[q->kind], id);
            q->err = market_ctx_get(q->ctx, rk.b, rk.len, &q->rec);
            if (q->err == AG_ERR_NOT_FOUND)
                q->err = ag_err_set(AG_ERR_CORRUPT, "market query: indexed record missing");
        }
    } else {
        if (klen != 9)
            return true;
        q->err = ag_buf_append(&q->rec, val, vlen);
    }
    bool ok = false;
    if (!q->err)
        q->err = matches(q, &ok);
    if (q->err)
        return false;
    if (!ok)
        return true;
    q->matched++;
    if (q->matched <= q->skip)
        return true;
    /* a page also ends before it outgrows MARKET_QUERY_PAGE_BYTES */
    if (q->emitted < q->limit &&
        (q->emitted == 0 || q->out->len + q->rec.len <= MARKET_QUERY_PAGE_BYTES)) {
        q->emitted++;
        q->err = append_field(q->out, 1, q->rec.data, q->rec.len);
        return q->err == AG_OK;
    }
    if (!q->done) {
        q->done = true;
        q->err = ag_buf_append(&q->next_key, key, klen);
    }
    return q->err == AG_OK && q->count_total;
}

static ag_err parse_addr(market_ctx *ctx, const ProtobufCBinaryData *b, bool *set,
                         crypto_address *out, const char *what)
{
    *set = b->len > 0;
    if (!*set)
        return AG_OK;
    char s[CRYPTO_ADDRESS_STR_MAX];
    if (b->len >= sizeof s)
        return market_ctx_fail(ctx, MARKET_CODE_INVALID_ADDRESS, "%s: too long", what);
    memcpy(s, b->data, b->len);
    s[b->len] = '\0';
    if (crypto_address_from_bech32(out, "agora", s))
        return market_ctx_fail(ctx, MARKET_CODE_INVALID_ADDRESS, "%s: %s", what, ag_err_detail());
    return AG_OK;
}

/* Run a list query over [start, end) (an index when via_index). */
static ag_err list(qscan *q, const market_key *start, const market_key *end,
                   const Agora__Market__V1__PageRequest *page)
{
    market_ctx *ctx = q->ctx;
    q->limit = MARKET_QUERY_DEFAULT_LIMIT;
    market_key from = *start;
    if (page) {
        if (page->reverse)
            return market_ctx_fail(ctx, MARKET_CODE_INVALID_REQUEST,
                                   "pagination.reverse is not supported");
        if (page->limit)
            q->limit = page->limit > MARKET_QUERY_MAX_LIMIT ? MARKET_QUERY_MAX_LIMIT : page->limit;
        if (page->key.len) {
            if (page->offset)
                return market_ctx_fail(ctx, MARKET_CODE_INVALID_REQUEST,
                                       "pagination: key and offset both set");
            if (page->key.len > MARKET_KEY_MAX ||
                memcmp(page->key.data, start->b,
                       start->len < page->key.len ? start->len : page->key.len) ||
                page->key.len < start->len)
                return market_ctx_fail(ctx, MARKET_CODE_INVALID_REQUEST,
                                       "pagination.key is not a key of this listing");
            memcpy(from.b, page->key.data, page->key.len);
            from.len = page->key.len;
        } else {
            q->skip = page->offset;
            q->count_total = page->count_total;
        }
    }
    ag_buf_init(&q->next_key, MARKET_KEY_MAX);
    ag_buf_init(&q->rec, MARKET_MSG_MAX_BYTES + 1024);
    ag_err err = market_ctx_scan(ctx, from.b, from.len, end->b, end->len, visit, q);
    if (!err)
        err = q->err;
    /* PageResponse { next_key = 1; total = 2 } as field 2 */
    ag_buf pr;
    ag_buf_init(&pr, 64);
    if (!err && q->next_key.len)
        err = append_field(&pr, 1, q->next_key.data, q->next_key.len);
    if (!err && q->count_total && q->matched) {
        err = ag_buf_append_uvarint(&pr, 2 << 3);
        if (!err)
            err = ag_buf_append_uvarint(&pr, q->matched);
    }
    if (!err && pr.len)
        err = append_field(q->out, 2, pr.data, pr.len);
    ag_buf_free(&pr);
    ag_buf_free(&q->next_key);
    ag_buf_free(&q->rec);
    return err;
}

static void range_all(market_key *s, market_key *e, uint8_t prefix)
{
    s->b[0] = prefix;
    s->len = 1;
    e->b[0] = (uint8_t)(prefix + 1);
    e->len = 1;
}

static void range_owner(market_key *s, market_key *e, uint8_t prefix, const crypto_address *a)
{
    market_key_owner_prefix(s, prefix, a);
    *e = *s;
    /* the next prefix: increment the address bytes as a big number */
    for (size_t i = e->len; i-- > 1;)
        if (++e->b[i] != 0)
            return;
    e->b[0]++;
    e->len = 1;
}

#define BAD_REQUEST(ctx, what)                                                                     \
    market_ctx_fail(ctx, MARKET_CODE_INVALID_REQUEST, "%s: request does not decode", what)

static ag_err q_offers(qscan *q, const uint8_t *req, size_t len)
{
    Agora__Market__V1__QueryOffersRequest *m =
        agora__market__v1__query_offers_request__unpack(NULL, len, req);
    if (!m)
        return BAD_REQUEST(q->ctx, "QueryOffersRequest");
    market_key s, e;
    q->kind = Q_OFFER;
    q->state = (int)m->state;
    ag_err err = parse_addr(q->ctx, &m->provider, &q->by_provider, &q->provider, "provider");
    if (!err) {
        q->via_index = q->by_provider;
        if (q->by_provider)
            range_owner(&s, &e, MARKET_KEY_OFFER_BY_PROVIDER, &q->provider);
        else
            range_all(&s, &e, MARKET_KEY_OFFER);
        err = list(q, &s, &e, m->pagination);
    }
    agora__market__v1__query_offers_request__free_unpacked(m, NULL);
    return err;
}

static ag_err q_orders(qscan *q, const uint8_t *req, size_t len)
{
    Agora__Market__V1__QueryOrdersRequest *m =
        agora__market__v1__query_orders_request__unpack(NULL, len, req);
    if (!m)
        return BAD_REQUEST(q->ctx, "QueryOrdersRequest");
    market_key s, e;
    q->kind = Q_ORDER;
    q->state = (int)m->state;
    ag_err err = parse_addr(q->ctx, &m->tenant, &q->by_owner, &q->owner, "tenant");
    if (!err) {
        q->via_index = q->by_owner;
        if (q->by_owner)
            range_owner(&s, &e, MARKET_KEY_ORDER_BY_TENANT, &q->owner);
        else
            range_all(&s, &e, MARKET_KEY_ORDER);
        err = list(q, &s, &e, m->pagination);
    }
    agora__market__v1__query_orders_request__free_unpacked(m, NULL);
    return err;
}

static ag_err q_bids(qscan *q, const uint8_t *req, size_t len)
{
    Agora__Market__V1__QueryBidsRequest *m =
        agora__market__v1__query_bids_request__unpack(NULL, len, req);
    if (!m)
        return BAD_REQUEST(q->ctx, "QueryBidsRequest");
    market_key s, e;
    q->kind = Q_BID;
    q->state = (int)m->state;
    q->order_id = m->order_id;
    ag_err err = parse_addr(q->ctx, &m->provider, &q->by_provider, &q->provider, "provider");
    if (!err) {
        q->via_index = q->order_id || q->by_provider;
        if (q->order_id && q->order_id < UINT64_MAX) {
            market_key_bids_of_order(&s, q->order_id);
            market_key_bids_of_order(&e, q->order_id + 1);
        } else if (q->order_id) {
            range_all(&s, &e, MARKET_KEY_BID_BY_ORDER);
        } else if (q->by_provider) {
            range_owner(&s, &e, MARKET_KEY_BID_BY_PROVIDER, &q->provider);
        } else {
            range_all(&s, &e, MARKET_KEY_BID);
        }
        err = list(q, &s, &e, m->pagination);
    }
    agora__market__v1__query_bids_request__free_unpacked(m, NULL);
    return err;
}

static ag_err q_leases(qscan *q, const uint8_t *req, size_t len)
{
    Agora__Market__V1__QueryLeasesRequest *m =
        agora__market__v1__query_leases_request__unpack(NULL, len, req);
    if (!m)
        return BAD_REQUEST(q->ctx, "QueryLeasesRequest");
    market_key s, e;
    q->kind = Q_LEASE;
    q->state = (int)m->state;
    ag_err err = parse_addr(q->ctx, &m->tenant, &q->by_owner, &q->owner, "tenant");
    if (!err)
        err = parse_addr(q->ctx, &m->provider, &q->by_provider, &q->provider, "provider");
    if (!err) {
        q->via_index = q->by_owner || q->by_provider;
        if (q->by_owner)
            range_owner(&s, &e, MARKET_KEY_LEASE_BY_TENANT, &q->owner);
        else if (q->by_provider)
            range_owner(&s, &e, MARKET_KEY_LEASE_BY_PROVIDER, &q->provider);
        else
            range_all(&s, &e, MARKET_KEY_LEASE);
        err = list(q, &s, &e, m->pagination);
    }
    agora__market__v1__query_leases_request__free_unpacked(m, NULL);
    return err;
}

/* QueryXRequest { uint64 id = 1; } -> QueryXResponse { X x = 1; } */
static ag_err q_single(market_ctx *ctx, uint8_t prefix, const char *what, const uint8_t *req,
                       size_t len, ag_buf *out)
{
    Agora__Market__V1__QueryOfferRequest *m =
        agora__market__v1__query_offer_request__unpack(NULL, len, req);
    if (!m)
        return BAD_REQUEST(ctx, what);
    uint64_t id = m->id;
    agora__market__v1__query_offer_request__free_unpacked(m, NULL);
    market_key k;
    market_key_record(&k, prefix, id);
    ag_buf v;
    ag_buf_init(&v, MARKET_MSG_MAX_BYTES + 1024);
    ag_err err = market_ctx_get(ctx, k.b, k.len, &v);
    if (err == AG_ERR_NOT_FOUND)
        err = market_ctx_fail(ctx, MARKET_CODE_NOT_FOUND, "%s %llu does not exist", what,
                              (unsigned long long)id);
    if (!err)
        err = append_field(out, 1, v.data, v.len);
    ag_buf_free(&v);
    return err;
}

ag_err market_mod_query(market_ctx *ctx, const char *path, const uint8_t *req, size_t len,
                        ag_buf *out)
{
    qscan q;
    memset(&q, 0, sizeof q);
    q.ctx = ctx;
    q.out = out;
    if (strcmp(path, MARKET_QUERY_OFFERS) == 0)
        return q_offers(&q, req, len);
    if (strcmp(path, MARKET_QUERY_ORDERS) == 0)
        return q_orders(&q, req, len);
    if (strcmp(path, MARKET_QUERY_BIDS) == 0)
        return q_bids(&q, req, len);
    if (strcmp(path, MARKET_QUERY_LEASES) == 0)
        return q_leases(&q, req, len);
    if (strcmp(path, MARKET_QUERY_OFFER) == 0)
        return q_single(ctx, MARKET_KEY_OFFER, "offer", req, len, out);
    if (strcmp(path, MARKET_QUERY_ORDER) == 0)
        return q_single(ctx, MARKET_KEY_ORDER, "order", req, len, out);
    if (strcmp(path, MARKET_QUERY_BID) == 0)
        return q_single(ctx, MARKET_KEY_BID, "bid", req, len, out);
    if (strcmp(path, MARKET_QUERY_LEASE) == 0)
        return q_single(ctx, MARKET_KEY_LEASE, "lease", req, len, out);
    if (strcmp(path, MARKET_QUERY_PARAMS) == 0) {
        market_params p;
        ag_err err = market_mod_params_get(ctx, &p);
        ag_buf v;
        ag_buf_init(&v, 4096);
        if (!err)
            err = market_params_encode(&v, &p);
        if (!err)
            err = append_field(out, 1, v.data, v.len);
        ag_buf_free(&v);
        return err;
    }
    return market_ctx_fail(ctx, MARKET_CODE_UNKNOWN_REQUEST, "no market query %s", path);
}
