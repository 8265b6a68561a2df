/* bid.c — MsgCreateBid, MsgWithdrawBid and closing bids. */
#include <stdlib.h>
#include <string.h>

#include "market/auction.h"
#include "market/event_names.h"
#include "market/mod_internal.h"

ag_err market_mod_create_bid(market_ctx *ctx, const market_msg *msg)
{
    const market_msg_create_bid *m = market_msg_as_create_bid(msg);
    if (!m)
        return market_ctx_fail(ctx, MARKET_CODE_INVALID_REQUEST, "not a MsgCreateBid");
    market_params p;
    ag_err err = market_mod_params_get(ctx, &p);
    if (err)
        return err;
    market_order o;
    market_offer f;
    err = market_ctx_fail_missing(ctx, market_mod_order_get(ctx, m->order_id, &o));
    if (err)
        return err;
    err = market_ctx_fail_missing(ctx, market_mod_offer_get(ctx, m->offer_id, &f));
    if (!err) {
        ag_err rule = market_bid_check(&o, &f, m, &p, ctx->height);
        if (rule == AG_ERR_PERMISSION)
            err = market_ctx_fail(ctx, MARKET_CODE_UNAUTHORIZED, "%s", ag_err_detail());
        else if (rule == AG_ERR_STATE || rule == AG_ERR_OVERFLOW || rule == AG_ERR_INVALID_ARG)
            err = market_ctx_fail(ctx, MARKET_CODE_INVALID_REQUEST, "%s", ag_err_detail());
        else
            err = rule;
    }
    market_bid b;
    memset(&b, 0, sizeof b);
    b.order_id = o.id;
    b.offer_id = f.id;
    b.provider = m->provider;
    b.price = m->price;
    b.deposit = m->deposit;
    b.state = MARKET_BID_OPEN;
    b.created_height = ctx->height;
    if (!err)
        err = market_mod_escrow_in(ctx, &b.provider, b.deposit.denom, b.deposit.amount);
    if (!err)
        err = market_mod_next_id(ctx, MARKET_KIND_BID, &b.id);
    market_key ko, kp;
    market_key_bid_by_order(&ko, b.order_id, b.id);
    market_key_by_owner(&kp, MARKET_KEY_BID_BY_PROVIDER, &b.provider, b.id);
    if (!err)
        err = market_mod_bid_put(ctx, &b);
    if (!err)
        err = market_mod_index_set(ctx, &ko);
    if (!err)
        err = market_mod_index_set(ctx, &kp);
    if (!err) {
        o.bid_count++;
        err = market_mod_order_put(ctx, &o);
    }
    market_order_clear(&o);
    if (!err)
        err = market_mod_ev(ctx, MARKET_EV_BID_CREATED);
    if (!err)
        err = market_mod_ev_u64(ctx, MARKET_ATTR_BID_ID, b.id);
    if (!err)
        err = market_mod_ev_u64(ctx, MARKET_ATTR_ORDER_ID, b.order_id);
    if (!err)
        err = market_mod_ev_u64(ctx, MARKET_ATTR_OFFER_ID, b.offer_id);
    if (!err)
        err = market_mod_ev_addr(ctx, MARKET_ATTR_PROVIDER, &b.provider);
    if (!err)
        err = market_mod_ev_amount(ctx, MARKET_ATTR_PRICE, b.price.denom, b.price.amount);
    if (!err)
        err = market_mod_ev_i64(ctx, MARKET_ATTR_HEIGHT, ctx->height);
    return err;
}

ag_err market_mod_bid_close(market_ctx *ctx, const market_params *p, market_bid *b,
                            market_bid_state state, const char *reason)
{
    b->state = state;
    b->closed_height = ctx->height;
    ag_err err = market_mod_escrow_out(ctx, &b->provider, b->deposit.denom, b->deposit.amount);
    if (!err)
        err = market_mod_bid_put(ctx, b);
    if (!err)
        err = market_mod_prune_schedule(ctx, p, MARKET_KIND_BID, b->id, ctx->height);
    if (!err)
        err = market_mod_ev(ctx, state == MARKET_BID_WITHDRAWN ? MARKET_EV_BID_WITHDRAWN
                                                               : MARKET_EV_BID_CLOSED);
    if (!err)
        err = market_mod_ev_u64(ctx, MARKET_ATTR_BID_ID, b->id);
    if (!err)
        err = market_mod_ev_u64(ctx, MARKET_ATTR_ORDER_ID, b->order_id);
    if (!err)
        err = market_mod_ev_addr(ctx, MARKET_ATTR_PROVIDER, &b->provider);
    if (!err && state != MARKET_BID_WITHDRAWN)
        err = market_mod_ev_str(ctx, MARKET_ATTR_REASON, reason);
    if (!err)
        err = market_mod_ev_i64(ctx, MARKET_ATTR_HEIGHT, ctx->height);
    return err;
}

ag_err market_mod_order_bids_close(market_ctx *ctx, const market_params *p, uint64_t order_id,
                                   uint64_t keep, const char *reason)
{
    market_key start, end;
    market_key_bids_of_order(&start, order_id);
    market_key_bids_of_order(&end, order_id + 1);
    uint64_t *ids;
    size_t n;
    ag_err err = market_mod_scan_ids(ctx, &start, &end, MARKET_MAX_BIDS_PER_ORDER, &ids, &n);
    for (size_t i = 0; !err && i < n; i++) {
        if (ids[i] == keep)
            continue;
        market_bid b;
        err = market_mod_bid_get(ctx, ids[i], &b);
        if (err == AG_ERR_NOT_FOUND)
            err = ag_err_set(AG_ERR_CORRUPT, "market: indexed bid %llu is missing",
                             (unsigned long long)ids[i]);
        if (!err && b.state == MARKET_BID_OPEN)
            err = market_mod_bid_close(ctx, p, &b, MARKET_BID_LOST, reason);
    }
    free(ids);
    return err;
}

ag_err market_mod_withdraw_bid(market_ctx *ctx, const market_msg *msg)
{
    const market_msg_ref *m = market_msg_as_ref(msg);
    if (!m)
        return market_ctx_fail(ctx, MARKET_CODE_INVALID_REQUEST, "not a MsgWithdrawBid");
    market_params p;
    ag_err err = market_mod_params_get(ctx, &p);
    if (err)
        return err;
    market_bid b;
    err = market_ctx_fail_missing(ctx, market_mod_bid_get(ctx, m->id, &b));
    if (err)
        return err;
    if (memcmp(b.provider.b, m->signer.b, sizeof b.provider.b) != 0)
        return market_ctx_fail(ctx, MARKET_CODE_UNAUTHORIZED,
                               "bid %llu belongs to another provider", (unsigned long long)b.id);
    if (b.state != MARKET_BID_OPEN)
        return market_ctx_fail(ctx, MARKET_CODE_INVALID_REQUEST, "bid %llu is not open",
                               (unsigned long long)b.id);
    return market_mod_bid_close(ctx, &p, &b, MARKET_BID_WITHDRAWN, NULL);
}
