/* records.c — store encoding of the market records (rules in records.h). */
#include "market/records.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agora/market/v1/state.pb-c.h"
#include "lib/pb.h"
#include "market/msg.h"
#include "market/msg_internal.h"
#include "market/resources.h"

/* ---- shared pieces ------------------------------------------------------ */

typedef struct addr_str {
    char s[CRYPTO_ADDRESS_STR_MAX];
} addr_str;

static ag_err fill_address(ProtobufCBinaryData *out, addr_str *buf, const crypto_address *a)
{
    ag_err err = crypto_address_to_bech32(buf->s, sizeof buf->s, AGORA_BECH32_PREFIX, a);
    if (err)
        return err;
    out->data = (uint8_t *)buf->s;
    out->len = strlen(buf->s);
    return AG_OK;
}

static void fill_amount(ProtobufCBinaryData *out, char str[MARKET_AMOUNT_STR_MAX], market_u128 v)
{
    market_amount_format(str, v);
    out->data = (uint8_t *)str;
    out->len = strlen(str);
}

static ag_err parse_amount(market_u128 *out, const ProtobufCBinaryData *s, const char *what)
{
    ag_err err = market_amount_parse(out, (const char *)s->data, s->len);
    if (err)
        return ag_err_set(err, "%s: not a canonical amount", what);
    return AG_OK;
}

static ag_err check_height(int64_t h, const char *what)
{
    if (h < 0)
        return ag_err_set(AG_ERR_DECODE, "%s: negative height %lld", what, (long long)h);
    return AG_OK;
}

static ag_err check_enum(int v, int lo, int hi, const char *what)
{
    if (v < lo || v > hi)
        return ag_err_set(AG_ERR_DECODE, "%s: value %d not in %d..%d", what, v, lo, hi);
    return AG_OK;
}

/* ---- Offer ------------------------------------------------------------- */

static ag_err offer_from_pb(market_offer *out, const Agora__Market__V1__Offer *m)
{
    memset(out, 0, sizeof *out);
    ag_err err = market_pb_no_unknown(&m->base, "Offer");
    if (!err && m->id == 0)
        err = ag_err_set(AG_ERR_DECODE, "Offer.id: 0");
    if (!err)
        err = market_pb_address(&out->provider, &m->provider, "Offer.provider");
    if (!err)
        err = market_pb_offer_spec(&out->spec, &m->host_uri, m->attributes, m->n_attributes,
                                   m->capacity, m->floor_prices, "Offer");
    market_attributes none;
    if (!err)
        err = market_pb_resources(&out->leased, &none, m->leased, "Offer.leased");
    if (!err && none.n)
        err = ag_err_set(AG_ERR_DECODE, "Offer.leased: has GPU attributes");
    if (!err && !market_resources_fits(&out->spec.capacity, &out->leased))
        err = ag_err_set(AG_ERR_DECODE, "Offer.leased: exceeds the capacity");
    if (!err)
        err = check_enum(m->state, MARKET_OFFER_ACTIVE, MARKET_OFFER_INACTIVE, "Offer.state");
    if (!err)
        err = check_height(m->created_height, "Offer.created_height");
    if (!err)
        err = check_height(m->closed_height, "Offer.closed_height");
    if (err) {
        memset(out, 0, sizeof *out);
        return err;
    }
    out->id = m->id;
    out->state = (market_offer_state)m->state;
    out->created_height = m->created_height;
    out->closed_height = m->closed_height;
    return AG_OK;
}

static ag_err offer_caps(const uint8_t *in, size_t len, const char *what)
{
    static const uint32_t attrs[] = {4}, cap_gpu[] = {5, 6}, leased_gpu[] = {6, 6};
    ag_err err = market_pb_cap(in, len, attrs, 1, MARKET_MAX_ATTRIBUTES, what);
    if (!err)
        err = market_pb_cap(in, len, cap_gpu, 2, MARKET_MAX_ATTRIBUTES, what);
    if (!err)
        err = market_pb_cap(in, len, leased_gpu, 2, 0, what);
    return err;
}

ag_err market_offer_decode(market_offer *out, const uint8_t *in, size_t len)
{
    memset(out, 0, sizeof *out);
    ag_err err = market_pb_check_size(len, "Offer");
    if (!err)
        err = offer_caps(in, len, "Offer");
    if (err)
        return err;
    Agora__Market__V1__Offer *m = agora__market__v1__offer__unpack(NULL, len, in);
    if (!m)
        return ag_err_from_protobuf_c("agora.market.v1.Offer");
    err = offer_from_pb(out, m);
    agora__market__v1__offer__free_unpacked(m, NULL);
    return err;
}

ag_err market_offer_encode(ag_buf *out, const market_offer *o)
{
    if (o->id == 0 || o->spec.attributes.n > MARKET_MAX_ATTRIBUTES ||
        o->spec.gpu_attributes.n > MARKET_MAX_ATTRIBUTES ||
        (o->state != MARKET_OFFER_ACTIVE && o->state != MARKET_OFFER_INACTIVE))
        return ag_err_set(AG_ERR_INVALID_ARG, "Offer: invalid record");
    Agora__Market__V1__Offer m = AGORA__MARKET__V1__OFFER__INIT;
    addr_str provider;
    ag_err err = fill_address(&m.provider, &provider, &o->provider);
    if (err)
        return err;
    m.id = o->id;
    m.host_uri.data = (uint8_t *)(uintptr_t)o->spec.host_uri;
    m.host_uri.len = strlen(o->spec.host_uri);
    Agora__Market__V1__Attribute attrs[MARKET_MAX_ATTRIBUTES], *attr_ptrs[MARKET_MAX_ATTRIBUTES];
    Agora__Market__V1__Attribute gpus[MARKET_MAX_ATTRIBUTES], *gpu_ptrs[MARKET_MAX_ATTRIBUTES];
    market_pb_fill_attributes(attrs, attr_ptrs, &o->spec.attributes);
    market_pb_fill_attributes(gpus, gpu_ptrs, &o->spec.gpu_attributes);
    m.n_attributes = o->spec.attributes.n;
    m.attributes = attr_ptrs;
    Agora__Market__V1__Resources capacity, leased;
    market_pb_fill_resources(&capacity, &o->spec.capacity);
    capacity.n_gpu_attributes = o->spec.gpu_attributes.n;
    capacity.gpu_attributes = gpu_ptrs;
    market_pb_fill_resources(&leased, &o->leased);
    m.capacity = &capacity;
    m.leased = &leased;
    Agora__Market__V1__ResourcePrices prices;
    char strs[5][MARKET_AMOUNT_STR_MAX];
    market_pb_fill_prices(&prices, &o->spec.floor, strs);
    m.floor_prices = &prices;
    m.state = (Agora__Market__V1__OfferState)o->state;
    m.created_height = o->created_height;
    m.closed_height = o->closed_height;
    return ag_pb_append(out, &m.base);
}

/* ---- Order ------------------------------------------------------------- */

void market_order_clear(market_order *order)
{
    free(order->workload);
    memset(order, 0, sizeof *order);
}

ag_err market_order_decode(market_order *out, const uint8_t *in, size_t len)
{
    memset(out, 0, sizeof *out);
    static const uint32_t workload[] = {3}, placement[] = {4};
    ag_err err = market_pb_check_size(len, "Order");
    if (!err)
        err = market_pb_cap(in, len, placement, 1, MARKET_MAX_ATTRIBUTES, "Order.placement");
    if (!err)
        err = market_pb_workload_caps(in, len, workload, 1, "Order.workload");
    if (err)
        return err;
    Agora__Market__V1__Order *m = agora__market__v1__order__unpack(NULL, len, in);
    if (!m)
        return ag_err_from_protobuf_c("agora.market.v1.Order");
    err = market_pb_no_unknown(&m->base, "Order");
    if (!err && m->id == 0)
        err = ag_err_set(AG_ERR_DECODE, "Order.id: 0");
    if (!err)
        err = market_pb_address(&out->tenant, &m->tenant, "Order.tenant");
    if (!err)
        err = market_pb_workload(&out->summary, m->workload, "Order.workload");
    if (!err)
        err =
            market_pb_attributes(&out->placement, m->placement, m->n_placement, "Order.placement");
    if (!err)
        err = market_pb_coin(&out->max_price, m->max_price, true, "Order.max_price");
    if (!err)
        err = market_pb_coin(&out->deposit, m->deposit, false, "Order.deposit");
    if (!err && strcmp(out->deposit.denom, out->max_price.denom) != 0)
        err = ag_err_set(AG_ERR_DECODE, "Order.deposit: not in max_price's denom");
    if (!err)
        err = check_enum(m->state, MARKET_ORDER_OPEN, MARKET_ORDER_CLOSED, "Order.state");
    if (!err)
        err = check_height(m->created_height, "Order.created_height");
    if (!err)
        err = check_height(m->closing_height, "Order.closing_height");
    if (!err)
        err = check_height(m->closed_height, "Order.closed_height");
    if (!err) {
        ag_buf canon;
        ag_buf_init(&canon, MARKET_MSG_MAX_BYTES);
        err = ag_pb_append(&canon, &m->workload->base);
        if (err) {
            ag_buf_free(&canon);
        } else {
            out->workload = canon.data;
            out->workload_len = canon.len;
        }
    }
    if (!err) {
        out->id = m->id;
        out->auto_award = m->auto_award;
        out->state = (market_order_state)m->state;
        out->created_height = m->created_height;
        out->closing_height = m->closing_height;
        out->closed_height = m->closed_height;
        out->bid_count = m->bid_count;
    }
    agora__market__v1__order__free_unpacked(m, NULL);
    if (err)
        market_order_clear(out);
    return err;
}

ag_err market_order_encode(ag_buf *out, const market_order *o)
{
    if (o->id == 0 || !o->workload || o->placement.n > MARKET_MAX_ATTRIBUTES ||
        o->state < MARKET_ORDER_OPEN || o->state > MARKET_ORDER_CLOSED)
        return ag_err_set(AG_ERR_INVALID_ARG, "Order: invalid record");
    Agora__Market__V1__Order m = AGORA__MARKET__V1__ORDER__INIT;
    addr_str tenant;
    ag_err err = fill_address(&m.tenant, &tenant, &o->tenant);
    if (err)
        return err;
    Agora__Market__V1__Workload *w =
        agora__market__v1__workload__unpack(NULL, o->workload_len, o->workload);
    if (!w)
        return ag_err_set(AG_ERR_INVALID_ARG, "Order: workload does not decode");
    m.id = o->id;
    m.workload = w;
    Agora__Market__V1__Attribute attrs[MARKET_MAX_ATTRIBUTES], *ptrs[MARKET_MAX_ATTRIBUTES];
    market_pb_fill_attributes(attrs, ptrs, &o->placement);
    m.n_placement = o->placement.n;
    m.placement = ptrs;
    Cosmos__Base__V1beta1__Coin max_price, deposit;
    char s1[MARKET_AMOUNT_STR_MAX], s2[MARKET_AMOUNT_STR_MAX];
    market_pb_fill_coin(&max_price, &o->max_price, s1);
    market_pb_fill_coin(&deposit, &o->deposit, s2);
    m.max_price = &max_price;
    m.deposit = &deposit;
    m.auto_award = o->auto_award;
    m.state = (Agora__Market__V1__OrderState)o->state;
    m.created_height = o->created_height;
    m.closing_height = o->closing_height;
    m.closed_height = o->closed_height;
    m.bid_count = o->bid_count;
    err = ag_pb_append(out, &m.base);
    agora__market__v1__workload__free_unpacked(w, NULL);
    return err;
}

/* ---- Bid --------------------------------------------------------------- */

ag_err market_bid_decode(market_bid *out, const uint8_t *in, size_t len)
{
    memset(out, 0, sizeof *out);
    ag_err err = market_pb_check_size(len, "Bid");
    if (err)
        return err;
    Agora__Market__V1__Bid *m = agora__market__v1__bid__unpack(NULL, len, in);
    if (!m)
        return ag_err_from_protobuf_c("agora.market.v1.Bid");
    err = market_pb_no_unknown(&m->base, "Bid");
    if (!err && (m->id == 0 || m->order_id == 0 || m->offer_id == 0))
        err = ag_err_set(AG_ERR_DECODE, "Bid: an id is 0");
    if (!err)
        err = market_pb_address(&out->provider, &m->provider, "Bid.provider");
    if (!err)
        err = market_pb_coin(&out->price, m->price, true, "Bid.price");
    if (!err)
        err = market_pb_coin(&out->deposit, m->deposit, false, "Bid.deposit");
    if (!err)
        err = check_enum(m->state, MARKET_BID_OPEN, MARKET_BID_WITHDRAWN, "Bid.state");
    if (!err)
        err = check_height(m->created_height, "Bid.created_height");
    if (!err)
        err = check_height(m->closed_height, "Bid.closed_height");
    if (!err) {
        out->id = m->id;
        out->order_id = m->order_id;
        out->offer_id = m->offer_id;
        out->state = (market_bid_state)m->state;
        out->created_height = m->created_height;
        out->closed_height = m->closed_height;
    }
    agora__market__v1__bid__free_unpacked(m, NULL);
    if (err)
        memset(out, 0, sizeof *out);
    return err;
}

ag_err market_bid_encode(ag_buf *out, const market_bid *b)
{
    if (b->id == 0 || b->order_id == 0 || b->offer_id == 0 || b->state < MARKET_BID_OPEN ||
        b->state > MARKET_BID_WITHDRAWN)
        return ag_err_set(AG_ERR_INVALID_ARG, "Bid: invalid record");
    Agora__Market__V1__Bid m = AGORA__MARKET__V1__BID__INIT;
    addr_str provider;
    ag_err err = fill_address(&m.provider, &provider, &b->provider);
    if (err)
        return err;
    Cosmos__Base__V1beta1__Coin price, deposit;
    char s1[MARKET_AMOUNT_STR_MAX], s2[MARKET_AMOUNT_STR_MAX];
    market_pb_fill_coin(&price, &b->price, s1);
    market_pb_fill_coin(&deposit, &b->deposit, s2);
    m.id = b->id;
    m.order_id = b->order_id;
    m.offer_id = b->offer_id;
    m.price = &price;
    m.deposit = &deposit;
    m.state = (Agora__Market__V1__BidState)b->state;
    m.created_height = b->created_height;
    m.closed_height = b->closed_height;
    return ag_pb_append(out, &m.base);
}

/* ---- Lease ------------------------------------------------------------- */

ag_err market_lease_decode(market_lease *out, const uint8_t *in, size_t len)
{
    memset(out, 0, sizeof *out);
    ag_err err = market_pb_check_size(len, "Lease");
    if (err)
        return err;
    Agora__Market__V1__Lease *m = agora__market__v1__lease__unpack(NULL, len, in);
    if (!m)
        return ag_err_from_protobuf_c("agora.market.v1.Lease");
    err = market_pb_no_unknown(&m->base, "Lease");
    if (!err && (m->id == 0 || m->order_id == 0 || m->bid_id == 0 || m->offer_id == 0))
        err = ag_err_set(AG_ERR_DECODE, "Lease: an id is 0");
    if (!err)
        err = market_pb_address(&out->tenant, &m->tenant, "Lease.tenant");
    if (!err)
        err = market_pb_address(&out->provider, &m->provider, "Lease.provider");
    if (!err)
        err = market_pb_coin(&out->price, m->price, true, "Lease.price");
    if (!err)
        err = check_enum(m->state, MARKET_LEASE_ACTIVE, MARKET_LEASE_CLOSED, "Lease.state");
    if (!err)
        err = check_enum(m->close_reason, MARKET_CLOSE_NONE, MARKET_CLOSE_ORDER_CLOSED,
                         "Lease.close_reason");
    if (!err &&
        ((int)m->state == MARKET_LEASE_CLOSED) != ((int)m->close_reason != MARKET_CLOSE_NONE))
        err = ag_err_set(AG_ERR_DECODE, "Lease: a close reason iff closed");
    if (!err)
        err = check_height(m->created_height, "Lease.created_height");
    if (!err)
        err = check_height(m->last_settled_height, "Lease.last_settled_height");
    if (!err)
        err = check_height(m->closed_height, "Lease.closed_height");
    if (!err)
        err = parse_amount(&out->escrow, &m->escrow, "Lease.escrow");
    if (!err)
        err = parse_amount(&out->paid, &m->paid, "Lease.paid");
    if (!err)
        err = parse_amount(&out->withdrawn, &m->withdrawn, "Lease.withdrawn");
    if (!err)
        err = parse_amount(&out->taken, &m->taken, "Lease.taken");
    if (!err && out->withdrawn > out->paid)
        err = ag_err_set(AG_ERR_DECODE, "Lease.withdrawn: above paid");
    if (!err)
        err = market_pb_text(out->close_note, &m->close_note, 0, MARKET_CLOSE_NOTE_MAX,
                             MARKET_TEXT_PRINTABLE, "Lease.close_note");
    if (!err) {
        out->id = m->id;
        out->order_id = m->order_id;
        out->bid_id = m->bid_id;
        out->offer_id = m->offer_id;
        out->state = (market_lease_state)m->state;
        out->created_height = m->created_height;
        out->last_settled_height = m->last_settled_height;
        out->close_reason = (market_close_reason)m->close_reason;
        out->closed_height = m->closed_height;
    }
    agora__market__v1__lease__free_unpacked(m, NULL);
    if (err)
        memset(out, 0, sizeof *out);
    return err;
}

ag_err market_lease_encode(ag_buf *out, const market_lease *l)
{
    if (l->id == 0 || l->order_id == 0 || l->bid_id == 0 || l->offer_id == 0 ||
        l->state < MARKET_LEASE_ACTIVE || l->state > MARKET_LEASE_CLOSED ||
        (unsigned)l->close_reason > MARKET_CLOSE_ORDER_CLOSED || l->withdrawn > l->paid)
        return ag_err_set(AG_ERR_INVALID_ARG, "Lease: invalid record");
    Agora__Market__V1__Lease m = AGORA__MARKET__V1__LEASE__INIT;
    addr_str tenant, provider;
    ag_err err = fill_address(&m.tenant, &tenant, &l->tenant);
    if (!err)
        err = fill_address(&m.provider, &provider, &l->provider);
    if (err)
        return err;
    Cosmos__Base__V1beta1__Coin price;
    char sp[MARKET_AMOUNT_STR_MAX], s[4][MARKET_AMOUNT_STR_MAX];
    market_pb_fill_coin(&price, &l->price, sp);
    m.id = l->id;
    m.order_id = l->order_id;
    m.bid_id = l->bid_id;
    m.offer_id = l->offer_id;
    m.price = &price;
    m.state = (Agora__Market__V1__LeaseState)l->state;
    m.created_height = l->created_height;
    m.last_settled_height = l->last_settled_height;
    fill_amount(&m.escrow, s[0], l->escrow);
    fill_amount(&m.paid, s[1], l->paid);
    fill_amount(&m.withdrawn, s[2], l->withdrawn);
    fill_amount(&m.taken, s[3], l->taken);
    m.close_reason = (Agora__Market__V1__CloseReason)l->close_reason;
    m.closed_height = l->closed_height;
    m.close_note.data = (uint8_t *)(uintptr_t)l->close_note;
    m.close_note.len = strlen(l->close_note);
    return ag_pb_append(out, &m.base);
}

/* ---- Params and genesis ------------------------------------------------- */

ag_err market_params_validate(const market_params *p)
{
    if (p->max_bids_per_order < 1 || p->max_bids_per_order > MARKET_MAX_BIDS_PER_ORDER)
        return ag_err_set(AG_ERR_INVALID_ARG, "Params.max_bids_per_order: %u (must be 1..%d)",
                          p->max_bids_per_order, MARKET_MAX_BIDS_PER_ORDER);
    if (p->min_auction_blocks < 1 || p->max_auction_blocks < p->min_auction_blocks ||
        p->max_auction_blocks > MARKET_AUCTION_BLOCKS_MAX)
        return ag_err_set(AG_ERR_INVALID_ARG, "Params: auction window %llu..%llu not valid",
                          (unsigned long long)p->min_auction_blocks,
                          (unsigned long long)p->max_auction_blocks);
    if (p->take_rate_bps > MARKET_TAKE_RATE_BPS_MAX)
        return ag_err_set(AG_ERR_INVALID_ARG, "Params.take_rate_bps: %u (at most %d)",
                          p->take_rate_bps, MARKET_TAKE_RATE_BPS_MAX);
    if (p->max_open_orders_per_tenant < 1 || p->max_offers_per_provider < 1)
        return ag_err_set(AG_ERR_INVALID_ARG, "Params: per-account caps must be at least 1");
    const market_coin *c[2] = {&p->min_order_deposit, &p->min_bid_deposit};
    for (int i = 0; i < 2; i++)
        if (market_denom_validate(c[i]->denom, strnlen(c[i]->denom, sizeof c[i]->denom)))
            return ag_err_set(AG_ERR_INVALID_ARG, "Params: deposit denom not valid");
    return AG_OK;
}

void market_params_default(market_params *out, const char *denom)
{
    memset(out, 0, sizeof *out);
    snprintf(out->min_order_deposit.denom, sizeof out->min_order_deposit.denom, "%s", denom);
    snprintf(out->min_bid_deposit.denom, sizeof out->min_bid_deposit.denom, "%s", denom);
    out->min_order_deposit.amount = 5000000;
    out->min_bid_deposit.amount = 500000;
    out->max_bids_per_order = 20;
    out->min_auction_blocks = 1;
    out->max_auction_blocks = 1000;
    out->take_rate_bps = 200;
    out->prune_delay_blocks = 100000;
    out->max_open_orders_per_tenant = 100;
    out->max_offers_per_provider = 16;
}

static void params_to_pb(Agora__Market__V1__Params *m, const market_params *p,
                         Cosmos__Base__V1beta1__Coin coins[2], char strs[2][MARKET_AMOUNT_STR_MAX])
{
    agora__market__v1__params__init(m);
    market_pb_fill_coin(&coins[0], &p->min_order_deposit, strs[0]);
    market_pb_fill_coin(&coins[1], &p->min_bid_deposit, strs[1]);
    m->min_order_deposit = &coins[0];
    m->min_bid_deposit = &coins[1];
    m->max_bids_per_order = p->max_bids_per_order;
    m->min_auction_blocks = p->min_auction_blocks;
    m->max_auction_blocks = p->max_auction_blocks;
    m->take_rate_bps = p->take_rate_bps;
    m->prune_delay_blocks = p->prune_delay_blocks;
    m->max_open_orders_per_tenant = p->max_open_orders_per_tenant;
    m->max_offers_per_provider = p->max_offers_per_provider;
}

static ag_err params_from_pb(market_params *out, const Agora__Market__V1__Params *m)
{
    memset(out, 0, sizeof *out);
    if (!m)
        return ag_err_set(AG_ERR_DECODE, "Params: missing");
    ag_err err = market_pb_no_unknown(&m->base, "Params");
    if (!err)
        err = market_pb_coin(&out->min_order_deposit, m->min_order_deposit, false,
                             "Params.min_order_deposit");
    if (!err)
        err = market_pb_coin(&out->min_bid_deposit, m->min_bid_deposit, false,
                             "Params.min_bid_deposit");
    if (!err) {
        out->max_bids_per_order = m->max_bids_per_order;
        out->min_auction_blocks = m->min_auction_blocks;
        out->max_auction_blocks = m->max_auction_blocks;
        out->take_rate_bps = m->take_rate_bps;
        out->prune_delay_blocks = m->prune_delay_blocks;
        out->max_open_orders_per_tenant = m->max_open_orders_per_tenant;
        out->max_offers_per_provider = m->max_offers_per_provider;
        err = market_params_validate(out);
        if (err)
            err = ag_err_set(AG_ERR_DECODE, "%s", ag_err_detail());
    }
    if (err)
        memset(out, 0, sizeof *out);
    return err;
}

ag_err market_params_encode(ag_buf *out, const market_params *p)
{
    ag_err err = market_params_validate(p);
    if (err)
        return err;
    Agora__Market__V1__Params m;
    Cosmos__Base__V1beta1__Coin coins[2];
    char strs[2][MARKET_AMOUNT_STR_MAX];
    params_to_pb(&m, p, coins, strs);
    return ag_pb_append(out, &m.base);
}

ag_err market_params_decode(market_params *out, const uint8_t *in, size_t len)
{
    memset(out, 0, sizeof *out);
    ag_err err = market_pb_check_size(len, "Params");
    if (err)
        return err;
    Agora__Market__V1__Params *m = agora__market__v1__params__unpack(NULL, len, in);
    if (!m)
        return ag_err_from_protobuf_c("agora.market.v1.Params");
    err = params_from_pb(out, m);
    agora__market__v1__params__free_unpacked(m, NULL);
    return err;
}

ag_err market_genesis_decode(market_params *params, market_offer **offers, size_t *n_offers,
                             const uint8_t *in, size_t len)
{
    memset(params, 0, sizeof *params);
    *offers = NULL;
    *n_offers = 0;
    if (len > (size_t)MARKET_GENESIS_MAX_OFFERS * MARKET_MSG_MAX_BYTES)
        return ag_err_set(AG_ERR_TOO_LARGE, "GenesisState: %zu bytes", len);
    static const uint32_t offers_path[] = {2}, attrs[] = {2, 4}, gpu[] = {2, 5, 6},
                          leased_gpu[] = {2, 6, 6};
    ag_err err =
        market_pb_cap(in, len, offers_path, 1, MARKET_GENESIS_MAX_OFFERS, "GenesisState.offers");
    if (!err)
        err = market_pb_cap(in, len, attrs, 2,
                            (size_t)MARKET_GENESIS_MAX_OFFERS * MARKET_MAX_ATTRIBUTES,
                            "GenesisState.offers attributes");
    if (!err)
        err = market_pb_cap(in, len, gpu, 3,
                            (size_t)MARKET_GENESIS_MAX_OFFERS * MARKET_MAX_ATTRIBUTES,
                            "GenesisState.offers GPU attributes");
    if (!err)
        err = market_pb_cap(in, len, leased_gpu, 3, 0, "GenesisState.offers leased");
    if (err)
        return err;
    Agora__Market__V1__GenesisState *m = agora__market__v1__genesis_state__unpack(NULL, len, in);
    if (!m)
        return ag_err_from_protobuf_c("agora.market.v1.GenesisState");
    err = m->base.n_unknown_fields ? ag_err_set(AG_ERR_DECODE, "GenesisState: %u unknown fields",
                                                m->base.n_unknown_fields)
                                   : params_from_pb(params, m->params);
    market_offer *list = NULL;
    size_t n = m->n_offers;
    if (!err && n) {
        list = calloc(m->n_offers, sizeof *list);
        if (!list)
            err = ag_err_set(AG_ERR_NOMEM, "GenesisState: %zu offers", m->n_offers);
    }
    for (size_t i = 0; !err && i < m->n_offers; i++) {
        err = offer_from_pb(&list[i], m->offers[i]);
        if (!err && i > 0 && list[i].id <= list[i - 1].id)
            err = ag_err_set(AG_ERR_DECODE, "GenesisState.offers[%zu]: ids not ascending", i);
    }
    agora__market__v1__genesis_state__free_unpacked(m, NULL);
    if (err) {
        free(list);
        memset(params, 0, sizeof *params);
        return err;
    }
    *offers = list;
    *n_offers = n;
    return AG_OK;
}
