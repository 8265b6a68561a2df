/*
 * chain.c — market list queries, paged, decoded (see chain.h).
 *
 * The four list responses share one shape (repeated record = 1, page = 2);
 * the records are reached through protobuf-c's descriptors rather than by
 * casting between generated structs, then packed back to bytes and handed
 * to the market's decoder, which checks every invariant.
 */
#include "provider/chain.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "agora/market/v1/query.pb-c.h"
#include "cli/rpc_client.h"
#include "lib/pb.h"
#include "market/market_module.h"
#include "market/module.h"

ag_err provider_chain_height(const char *node, int64_t *height)
{
    json_t *res = NULL;
    ag_err err = cli_rpc_call(node, "status", NULL, &res);
    uint64_t h = 0;
    if (!err)
        err = cli_json_u64(
            json_object_get(json_object_get(res, "sync_info"), "latest_block_height"), &h);
    json_decref(res);
    if (!err && h > INT64_MAX)
        err = ag_err_set(AG_ERR_DECODE, "status: height out of range");
    if (!err)
        *height = (int64_t)h;
    return err;
}

typedef ag_err (*record_fn)(void *user, const uint8_t *bytes, size_t len);

/* abci_query `path` with req; unpack with desc. */
static ag_err query(const char *node, const char *path, const ProtobufCMessage *req,
                    const ProtobufCMessageDescriptor *desc, ProtobufCMessage **out)
{
    *out = NULL;
    ag_buf q, v;
    ag_buf_init(&q, 1 << 16);
    ag_buf_init(&v, CLI_RPC_RESPONSE_MAX);
    json_t *resp = NULL;
    ag_err err = ag_pb_append(&q, req);
    if (!err)
        err = cli_rpc_abci_query(node, path, ag_buf_slice(&q), 0, false, &resp);
    uint64_t code = 0;
    if (!err)
        err = cli_json_u64(json_object_get(resp, "code"), &code);
    if (!err && code)
        err = ag_err_set(code == MARKET_CODE_NOT_FOUND ? AG_ERR_NOT_FOUND : AG_ERR_STATE,
                         "query %s: code %" PRIu64 ": %s", path, code,
                         json_string_value(json_object_get(resp, "log")));
    if (!err)
        err = cli_rpc_response_value(resp, &v);
    json_decref(resp);
    if (!err) {
        *out = protobuf_c_message_unpack(desc, NULL, v.len, v.data);
        if (!*out)
            err = ag_err_set(AG_ERR_DECODE, "query %s: malformed %s", path, desc->name);
    }
    ag_buf_free(&q);
    ag_buf_free(&v);
    return err;
}

/* Each record of a list response through fn, pages followed by setting
 * *page_key (the request's pagination.key) and asking again. */
static ag_err list(const char *node, const char *path, ProtobufCMessage *req,
                   Agora__Market__V1__PageRequest *page,
                   const ProtobufCMessageDescriptor *resp_desc, record_fn fn, void *user)
{
    ag_buf key, rec;
    ag_buf_init(&key, 4096);
    ag_buf_init(&rec, 1 << 20);
    ag_err err = AG_OK;
    size_t total = 0;
    for (;;) {
        page->key = (ProtobufCBinaryData){key.len, key.data};
        ProtobufCMessage *resp;
        err = query(node, path, req, resp_desc, &resp);
        if (err)
            break;
        const ProtobufCFieldDescriptor *items = &resp_desc->fields[0];
        const ProtobufCFieldDescriptor *pagef = &resp_desc->fields[1];
        size_t n = *(const size_t *)(const void *)((const char *)resp + items->quantifier_offset);
        ProtobufCMessage **recs = *(ProtobufCMessage ***)(void *)((char *)resp + items->offset);
        for (size_t i = 0; i < n && !err; i++) {
            if (++total > PROVIDER_CHAIN_LIST_MAX) {
                err = ag_err_set(AG_ERR_TOO_LARGE, "%s: more than %d records", path,
                                 PROVIDER_CHAIN_LIST_MAX);
                break;
            }
            ag_buf_reset(&rec);
            err = ag_pb_append(&rec, recs[i]);
            if (!err)
                err = fn(user, rec.data, rec.len);
        }
        const Agora__Market__V1__PageResponse *pr =
            *(Agora__Market__V1__PageResponse **)(void *)((char *)resp + pagef->offset);
        ag_buf_reset(&key);
        if (!err && pr && pr->next_key.len)
            err = ag_buf_append(&key, pr->next_key.data, pr->next_key.len);
        protobuf_c_message_free_unpacked(resp, NULL);
        if (err || key.len == 0)
            break;
    }
    ag_buf_free(&key);
    ag_buf_free(&rec);
    return err;
}

/* A growing array of records of `size` bytes. */
typedef struct vec {
    void *items;
    size_t n, cap, size;
    ag_err (*decode)(void *out, const uint8_t *in, size_t len);
    const char *what;
} vec;

static ag_err push(void *user, const uint8_t *bytes, size_t len)
{
    vec *v = user;
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        void *p = realloc(v->items, cap * v->size);
        if (!p)
            return ag_err_set(AG_ERR_NOMEM, "%s list", v->what);
        v->items = p;
        v->cap = cap;
    }
    void *slot = (char *)v->items + v->n * v->size;
    ag_err err = v->decode(slot, bytes, len);
    if (err)
        return ag_err_set(AG_ERR_DECODE, "%s record: %s", v->what, ag_err_detail());
    v->n++;
    return AG_OK;
}

static ag_err dec_offer(void *o, const uint8_t *b, size_t l)
{
    return market_offer_decode(o, b, l);
}
static ag_err dec_order(void *o, const uint8_t *b, size_t l)
{
    return market_order_decode(o, b, l);
}
static ag_err dec_bid(void *o, const uint8_t *b, size_t l)
{
    return market_bid_decode(o, b, l);
}
static ag_err dec_lease(void *o, const uint8_t *b, size_t l)
{
    return market_lease_decode(o, b, l);
}

static ProtobufCBinaryData addr_bytes(const char *bech)
{
    return (ProtobufCBinaryData){bech ? strlen(bech) : 0, (uint8_t *)(uintptr_t)bech};
}

ag_err provider_chain_offers(const char *node, const char *provider, market_offer **out, size_t *n)
{
    Agora__Market__V1__PageRequest page = AGORA__MARKET__V1__PAGE_REQUEST__INIT;
    Agora__Market__V1__QueryOffersRequest r = AGORA__MARKET__V1__QUERY_OFFERS_REQUEST__INIT;
    r.provider = addr_bytes(provider);
    r.pagination = &page;
    vec v = {.size = sizeof(market_offer), .decode = dec_offer, .what = "offer"};
    ag_err err = list(node, MARKET_QUERY_OFFERS, &r.base, &page,
                      &agora__market__v1__query_offers_response__descriptor, push, &v);
    if (err) {
        free(v.items);
        return err;
    }
    *out = v.items;
    *n = v.n;
    return AG_OK;
}

ag_err provider_chain_orders(const char *node, market_order_state state, market_order **out,
                             size_t *n)
{
    Agora__Market__V1__PageRequest page = AGORA__MARKET__V1__PAGE_REQUEST__INIT;
    Agora__Market__V1__QueryOrdersRequest r = AGORA__MARKET__V1__QUERY_ORDERS_REQUEST__INIT;
    r.state = (Agora__Market__V1__OrderState)state;
    r.pagination = &page;
    vec v = {.size = sizeof(market_order), .decode = dec_order, .what = "order"};
    ag_err err = list(node, MARKET_QUERY_ORDERS, &r.base, &page,
                      &agora__market__v1__query_orders_response__descriptor, push, &v);
    if (err) {
        provider_orders_free(v.items, v.n);
        return err;
    }
    *out = v.items;
    *n = v.n;
    return AG_OK;
}

ag_err provider_chain_bids(const char *node, const char *provider, market_bid_state state,
                           market_bid **out, size_t *n)
{
    Agora__Market__V1__PageRequest page = AGORA__MARKET__V1__PAGE_REQUEST__INIT;
    Agora__Market__V1__QueryBidsRequest r = AGORA__MARKET__V1__QUERY_BIDS_REQUEST__INIT;
    r.provider = addr_bytes(provider);
    r.state = (Agora__Market__V1__BidState)state;
    r.pagination = &page;
    vec v = {.size = sizeof(market_bid), .decode = dec_bid, .what = "bid"};
    ag_err err = list(node, MARKET_QUERY_BIDS, &r.base, &page,
                      &agora__market__v1__query_bids_response__descriptor, push, &v);
    if (err) {
        free(v.items);
        return err;
    }
    *out = v.items;
    *n = v.n;
    return AG_OK;
}

ag_err provider_chain_leases(const char *node, const char *provider, market_lease_state state,
                             market_lease **out, size_t *n)
{
    Agora__Market__V1__PageRequest page = AGORA__MARKET__V1__PAGE_REQUEST__INIT;
    Agora__Market__V1__QueryLeasesRequest r = AGORA__MARKET__V1__QUERY_LEASES_REQUEST__INIT;
    r.provider = addr_bytes(provider);
    r.state = (Agora__Market__V1__LeaseState)state;
    r.pagination = &page;
    vec v = {.size = sizeof(market_lease), .decode = dec_lease, .what = "lease"};
    ag_err err = list(node, MARKET_QUERY_LEASES, &r.base, &page,
                      &agora__market__v1__query_leases_response__descriptor, push, &v);
    if (err) {
        free(v.items);
        return err;
    }
    *out = v.items;
    *n = v.n;
    return AG_OK;
}

ag_err provider_chain_order(const char *node, uint64_t id, market_order *out)
{
    Agora__Market__V1__QueryOrderRequest r = AGORA__MARKET__V1__QUERY_ORDER_REQUEST__INIT;
    r.id = id;
    ProtobufCMessage *resp;
    ag_err err = query(node, MARKET_QUERY_ORDER, &r.base,
                       &agora__market__v1__query_order_response__descriptor, &resp);
    if (err)
        return err;
    const Agora__Market__V1__QueryOrderResponse *o = (const void *)resp;
    ag_buf rec;
    ag_buf_init(&rec, 1 << 20);
    if (!o->order)
        err = ag_err_set(AG_ERR_NOT_FOUND, "order %" PRIu64, id);
    if (!err)
        err = ag_pb_append(&rec, &o->order->base);
    if (!err && market_order_decode(out, rec.data, rec.len))
        err = ag_err_set(AG_ERR_DECODE, "order %" PRIu64 ": %s", id, ag_err_detail());
    ag_buf_free(&rec);
    protobuf_c_message_free_unpacked(resp, NULL);
    return err;
}

void provider_orders_free(market_order *orders, size_t n)
{
    for (size_t i = 0; i < n; i++)
        market_order_clear(&orders[i]);
    free(orders);
}
