/* order.c — MsgCreateOrder, MsgDepositOrder, MsgCloseOrder and closing an
 * order (also at the end of its auction window without an award). */
#include <stdio.h>
#include <string.h>

#include "market/event_names.h"
#include "market/mod_internal.h"

/* "key=value,key=value", in the order given (values are printable ASCII
 * without spaces; an indexer that needs exactness reads the order). */
static void placement_string(char *out, size_t cap, const market_attributes *a)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < a->n && used < cap; i++) {
        int w =
            snprintf(out + used, cap - used, "%s%s=%s", i ? "," : "", a->a[i].key, a->a[i].value);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

static ag_err order_created_event(market_ctx *ctx, const market_order *o)
{
    /* 32 attributes of up to 64 + 128 characters and separators. */
    char placement[MARKET_MAX_ATTRIBUTES * (MARKET_ATTR_KEY_MAX + MARKET_ATTR_VALUE_MAX + 2)];
    placement_string(placement, sizeof placement, &o->placement);
    ag_err err = market_mod_ev(ctx, MARKET_EV_ORDER_CREATED);
    if (!err)
        err = market_mod_ev_u64(ctx, MARKET_ATTR_ORDER_ID, o->id);
    if (!err)
        err = market_mod_ev_addr(ctx, MARKET_ATTR_OWNER, &o->tenant);
    if (!err)
        err = market_mod_ev_amount(ctx, MARKET_ATTR_MAX_PRICE, o->max_price.denom,
                                   o->max_price.amount);
    if (!err)
        err = market_mod_ev_i64(ctx, MARKET_ATTR_CLOSING_HEIGHT, o->closing_height);
    if (!err)
        err = market_mod_ev_str(ctx, MARKET_ATTR_AUTO_AWARD, o->auto_award ? "true" : "false");
    if (!err)
        err = market_mod_ev_u64(ctx, MARKET_ATTR_SERVICES, o->summary.n_services);
    if (!err)
        err = market_mod_ev_resources(ctx, &o->summary.total);
    if (!err)
        err = market_mod_ev_str(ctx, MARKET_ATTR_PLACEMENT, placement);
    if (!err)
        err = market_mod_ev_i64(ctx, MARKET_ATTR_HEIGHT, ctx->height);
    return err;
}

ag_err market_mod_create_order(market_ctx *ctx, const market_msg *msg)
{
    const market_msg_create_order *m = market_msg_as_create_order(msg);
    if (!m)
        return market_ctx_fail(ctx, MARKET_CODE_INVALID_REQUEST, "not a MsgCreateOrder");
    market_params p;
    ag_err err = market_mod_params_get(ctx, &p);
    uint64_t open = 0;
    if (!err)
        err = market_mod_counter_get(ctx, MARKET_KIND_ORDER, &m->tenant, &open);
    if (err)
        return err;
    if (m->auction_blocks < p.min_auction_blocks || m->auction_blocks > p.max_auction_blocks)
        return market_ctx_fail(
            ctx, MARKET_CODE_INVALID_REQUEST, "auction window of %llu blocks (must be %llu..%llu)",
            (unsigned long long)m->auction_blocks, (unsigned long long)p.min_auction_blocks,
            (unsigned long long)p.max_auction_blocks);
    if (p.min_order_deposit.amount > 0 &&
        (strcmp(m->deposit.denom, p.min_order_deposit.denom) != 0 ||
         m->deposit.amount < p.min_order_deposit.amount))
        return market_ctx_fail(ctx, MARKET_CODE_INSUFFICIENT_FUNDS,
                               "order deposit below the minimum of the params (in %s)",
                               p.min_order_deposit.denom);
    if (open >= p.max_open_orders_per_tenant)
        return market_ctx_fail(ctx, MARKET_CODE_INVALID_REQUEST,
                               "tenant already has %llu orders not closed (the cap is %u)",
                               (unsigned long long)open, p.max_open_orders_per_tenant);
    if ((uint64_t)(INT64_MAX - ctx->height) < m->auction_blocks)
        return market_ctx_fail(ctx, MARKET_CODE_INVALID_REQUEST, "auction window overflows");
    market_order o;
    memset(&o, 0, sizeof o);
    o.tenant = m->tenant;
    o.workload = m->workload; /* borrowed: not freed here */
    o.workload_len = m->workload_len;
    o.summary = m->summary;
    o.placement = m->placement;
    o.max_price = m->max_price;
    o.auto_award = m->auto_award;
    o.deposit = m->deposit;
    o.state = MARKET_ORDER_OPEN;
    o.created_height = ctx->height;
    o.closing_height = ctx->height + (int64_t)m->auction_blocks;
    err = market_mod_escrow_in(ctx, &o.tenant, o.deposit.denom, o.deposit.amount);
    if (!err)
        err = market_mod_next_id(ctx, MARKET_KIND_ORDER, &o.id);
    market_key kt, kc;
    market_key_by_owner(&kt, MARKET_KEY_ORDER_BY_TENANT, &o.tenant, o.id);
    if (!err)
        err = market_key_by_height(&kc, MARKET_KEY_ORDER_BY_CLOSING, o.closing_height, o.id);
    if (!err)
        err = market_mod_order_put(ctx, &o);
    if (!err)
        err = market_mod_index_set(ctx, &kt);
    if (!err)
        err = market_mod_index_set(ctx, &kc);
    if (!err)
        err = market_mod_counter_add(ctx, MARKET_KIND_ORDER, &o.tenant, 1);
    return err ? err : order_created_event(ctx, &o);
}

/* The signer's order `id`, or a failed tx. The caller clears *o. */
static ag_err own_order(market_ctx *ctx, const crypto_address *signer, uint64_t id, market_order *o)
{
    ag_err err = market_ctx_fail_missing(ctx, market_mod_order_get(ctx, id, o));
    if (err)
        return err;
    if (memcmp(o->tenant.b, signer->b, sizeof signer->b) != 0)
        return market_ctx_fail(ctx, MARKET_CODE_UNAUTHORIZED,
                               "order %llu belongs to another tenant", (unsigned long long)id);
    return AG_OK;
}

ag_err market_mod_deposit_order(market_ctx *ctx, const market_msg *msg)
{
    const market_msg_deposit *m = market_msg_as_deposit(msg);
    if (!m)
        return market_ctx_fail(ctx, MARKET_CODE_INVALID_REQUEST, "not a MsgDepositOrder");
    market_order o;
    ag_err err = own_order(ctx, &m->signer, m->id, &o);
    if (!err && o.state != MARKET_ORDER_OPEN)
        err = market_ctx_fail(ctx, MARKET_CODE_INVALID_REQUEST,
                              "order %llu is not open (a lease is topped up with "
                              "MsgDepositLease)",
                              (unsigned long long)o.id);
    if (!err && strcmp(m->amount.denom, o.deposit.denom) != 0)
        err = market_ctx_fail(ctx, MARKET_CODE_INVALID_COINS, "order %llu takes deposits in %s",
                              (unsigned long long)o.id, o.deposit.denom);
    market_u128 sum = 0;
    if (!err && market_amount_add(&sum, o.deposit.amount, m->amount.amount))
        err = market_ctx_fail(ctx, MARKET_CODE_INVALID_COINS, "order deposit overflows");
    if (!err)
        err = market_mod_escrow_in(ctx, &o.tenant, m->amount.denom, m->amount.amount);
    if (!err) {
        o.deposit.amount = sum;
        err = market_mod_order_put(ctx, &o);
    }
    if (!err)
        err = market_mod_ev(ctx, MARKET_EV_ORDER_DEPOSITED);
    if (!err)
        err = market_mod_ev_u64(ctx, MARKET_ATTR_ORDER_ID, o.id);
    if (!err)
        err = market_mod_ev_addr(ctx, MARKET_ATTR_OWNER, &o.tenant);
    if (!err)
        err = market_mod_ev_amount(ctx, MARKET_ATTR_AMOUNT, m->amount.denom, m->amount.amount);
    if (!err)
        err = market_mod_ev_i64(ctx, MARKET_ATTR_HEIGHT, ctx->height);
    market_order_clear(&o);
    return err;
}

ag_err market_mod_order_mark_closed(market_ctx *ctx, const market_params *p, market_order *o)
{
    o->state = MARKET_ORDER_CLOSED;
    o->closed_height = ctx->height;
    ag_err err = market_mod_order_put(ctx, o);
    if (!err)
        err = market_mod_counter_add(ctx, MARKET_KIND_ORDER, &o->tenant, -1);
    if (!err)
        err = market_mod_prune_schedule(ctx, p, MARKET_KIND_ORDER, o->id, ctx->height);
    if (!err)
        err = market_mod_ev(ctx, MARKET_EV_ORDER_CLOSED);
    if (!err)
        err = market_mod_ev_u64(ctx, MARKET_ATTR_ORDER_ID, o->id);
    if (!err)
        err = market_mod_ev_addr(ctx, MARKET_ATTR_OWNER, &o->tenant);
    if (!err)
        err = market_mod_ev_i64(ctx, MARKET_ATTR_HEIGHT, ctx->height);
    return err;
}

ag_err market_mod_order_close(market_ctx *ctx, const market_params *p, market_order *o)
{
    ag_err err = AG_OK;
    if (o->state == MARKET_ORDER_OPEN) {
        market_key kc;
        err = market_key_by_height(&kc, MARKET_KEY_ORDER_BY_CLOSING, o->closing_height, o->id);
        if (!err)
            err = market_mod_index_del(ctx, &kc);
        if (!err)
            err = market_mod_order_bids_close(ctx, p, o->id, 0, MARKET_REASON_ORDER_CLOSED);
        if (!err)
            err = market_mod_escrow_out(ctx, &o->tenant, o->deposit.denom, o->deposit.amount);
        if (!err)
            err = market_mod_order_mark_closed(ctx, p, o);
        return err;
    }
    if (o->state == MARKET_ORDER_ACTIVE) {
        market_lease l;
        err = market_mod_lease_get(ctx, o->id, &l); /* a lease has its order's id */
        if (err == AG_ERR_NOT_FOUND)
            err = ag_err_set(AG_ERR_CORRUPT, "market: active order %llu has no lease",
                             (unsigned long long)o->id);
        if (!err && l.state == MARKET_LEASE_ACTIVE)
            err = market_mod_lease_close(ctx, p, &l, MARKET_CLOSE_ORDER_CLOSED, "", true);
        if (!err)
            err = market_mod_order_mark_closed(ctx, p, o);
        return err;
    }
    return market_ctx_fail(ctx, MARKET_CODE_INVALID_REQUEST, "order %llu is already closed",
                           (unsigned long long)o->id);
}

ag_err market_mod_close_order(market_ctx *ctx, const market_msg *msg)
{
    const market_msg_ref *m = market_msg_as_ref(msg);
    if (!m)
        return market_ctx_fail(ctx, MARKET_CODE_INVALID_REQUEST, "not a MsgCloseOrder");
    market_params p;
    ag_err err = market_mod_params_get(ctx, &p);
    if (err)
        return err;
    market_order o;
    err = own_order(ctx, &m->signer, m->id, &o);
    if (!err)
        err = market_mod_order_close(ctx, &p, &o);
    market_order_clear(&o);
    return err;
}
