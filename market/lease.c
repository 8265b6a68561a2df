/* lease.c — awarding an order (MsgAcceptBid and the auto-award), leases'
 * top-up, withdrawal and close. */
#include <stdio.h>
#include <string.h>

#include "market/event_names.h"
#include "market/mod_internal.h"
#include "market/resources.h"

static bool same(const crypto_address *a, const crypto_address *b)
{
    return memcmp(a->b, b->b, sizeof a->b) == 0;
}

ag_err market_mod_offer_can_host(const market_offer *offer, const market_order *order)
{
    if (offer->state != MARKET_OFFER_ACTIVE)
        return ag_err_set(AG_ERR_STATE, "offer %llu is not active", (unsigned long long)offer->id);
    ag_err err = market_placement_check(&offer->spec, &order->placement, &order->summary);
    if (err)
        return err;
    market_resources free_;
    if (market_offer_free(&free_, &offer->spec, &offer->leased) ||
        !market_resources_fits(&free_, &order->summary.total))
        return ag_err_set(AG_ERR_STATE, "offer %llu lacks free capacity for order %llu",
                          (unsigned long long)offer->id, (unsigned long long)order->id);
    return AG_OK;
}

static ag_err lease_event_common(market_ctx *ctx, const char *type, const market_lease *l)
{
    ag_err err = market_mod_ev(ctx, type);
    if (!err)
        err = market_mod_ev_u64(ctx, MARKET_ATTR_LEASE_ID, l->id);
    if (!err)
        err = market_mod_ev_u64(ctx, MARKET_ATTR_ORDER_ID, l->order_id);
    return err;
}

ag_err market_mod_award(market_ctx *ctx, const market_params *p, market_order *o, market_bid *win,
                        market_offer *offer)
{
    market_resources leased;
    if (market_resources_add(&leased, &offer->leased, &o->summary.total))
        return ag_err_set(AG_ERR_CORRUPT, "market: offer %llu leased overflows",
                          (unsigned long long)offer->id);
    offer->leased = leased;
    ag_err err = market_mod_offer_put(ctx, offer);
    market_key kc;
    if (!err)
        err = market_key_by_height(&kc, MARKET_KEY_ORDER_BY_CLOSING, o->closing_height, o->id);
    if (!err)
        err = market_mod_index_del(ctx, &kc);
    if (!err) {
        o->state = MARKET_ORDER_ACTIVE;
        err = market_mod_order_put(ctx, o);
    }
    /* The winner's deposit goes back: the lease is what binds it now. */
    if (!err) {
        win->state = MARKET_BID_WON;
        win->closed_height = ctx->height;
        err = market_mod_escrow_out(ctx, &win->provider, win->deposit.denom, win->deposit.amount);
    }
    if (!err)
        err = market_mod_bid_put(ctx, win);
    if (!err)
        err = market_mod_prune_schedule(ctx, p, MARKET_KIND_BID, win->id, ctx->height);
    if (!err)
        err = market_mod_order_bids_close(ctx, p, o->id, win->id, MARKET_REASON_LOST);
    market_lease l;
    memset(&l, 0, sizeof l);
    l.id = o->id; /* an order has at most one lease, which takes its id */
    l.order_id = o->id;
    l.bid_id = win->id;
    l.offer_id = offer->id;
    l.tenant = o->tenant;
    l.provider = win->provider;
    l.price = win->price;
    l.state = MARKET_LEASE_ACTIVE;
    l.created_height = ctx->height;
    l.last_settled_height = ctx->height;
    l.escrow = o->deposit.amount;
    market_key kt, kp, ke;
    market_key_by_owner(&kt, MARKET_KEY_LEASE_BY_TENANT, &l.tenant, l.id);
    market_key_by_owner(&kp, MARKET_KEY_LEASE_BY_PROVIDER, &l.provider, l.id);
    if (!err)
        err = market_mod_exhaust_key(&ke, &l);
    if (!err)
        err = market_mod_lease_put(ctx, &l);
    if (!err)
        err = market_mod_index_set(ctx, &kt);
    if (!err)
        err = market_mod_index_set(ctx, &kp);
    if (!err)
        err = market_mod_index_set(ctx, &ke);
    if (!err)
        err = lease_event_common(ctx, MARKET_EV_LEASE_CREATED, &l);
    if (!err)
        err = market_mod_ev_u64(ctx, MARKET_ATTR_BID_ID, l.bid_id);
    if (!err)
        err = market_mod_ev_u64(ctx, MARKET_ATTR_OFFER_ID, l.offer_id);
    if (!err)
        err = market_mod_ev_addr(ctx, MARKET_ATTR_OWNER, &l.tenant);
    if (!err)
        err = market_mod_ev_addr(ctx, MARKET_ATTR_PROVIDER, &l.provider);
    if (!err)
        err = market_mod_ev_amount(ctx, MARKET_ATTR_PRICE, l.price.denom, l.price.amount);
    if (!err)
        err = market_mod_ev_resources(ctx, &o->summary.total);
    if (!err)
        err = market_mod_ev_amount(ctx, MARKET_ATTR_ESCROW, l.price.denom, l.escrow);
    if (!err)
        err = market_mod_ev_i64(ctx, MARKET_ATTR_EXHAUSTION_HEIGHT,
                                (int64_t)market_be64_get(ke.b + 1));
    if (!err)
        err = market_mod_ev_i64(ctx, MARKET_ATTR_HEIGHT, ctx->height);
    return err;
}

ag_err market_mod_accept_bid(market_ctx *ctx, const market_msg *msg)
{
    const market_msg_ref *m = market_msg_as_ref(msg);
    if (!m)
        return market_ctx_fail(ctx, MARKET_CODE_INVALID_REQUEST, "not a MsgAcceptBid");
    market_params p;
    ag_err err = market_mod_params_get(ctx, &p);
    if (err)
        return err;
    market_bid b;
    err = market_ctx_fail_missing(ctx, market_mod_bid_get(ctx, m->id, &b));
    if (err)
        return err;
    market_order o;
    err = market_mod_order_get(ctx, b.order_id, &o);
    if (err == AG_ERR_NOT_FOUND)
        err = ag_err_set(AG_ERR_CORRUPT, "market: bid %llu's order is missing",
                         (unsigned long long)b.id);
    if (err)
        return err;
    market_offer f;
    if (!same(&o.tenant, &m->signer))
        err = market_ctx_fail(ctx, MARKET_CODE_UNAUTHORIZED, "order %llu belongs to another tenant",
                              (unsigned long long)o.id);
    else if (b.state != MARKET_BID_OPEN)
        err = market_ctx_fail(ctx, MARKET_CODE_INVALID_REQUEST, "bid %llu is not open",
                              (unsigned long long)b.id);
    else if (o.state != MARKET_ORDER_OPEN)
        err = market_ctx_fail(ctx, MARKET_CODE_INVALID_REQUEST, "order %llu is not open",
                              (unsigned long long)o.id);
    else if (ctx->height >= o.closing_height)
        err = market_ctx_fail(ctx, MARKET_CODE_INVALID_REQUEST,
                              "order %llu's auction ended at height %lld", (unsigned long long)o.id,
                              (long long)o.closing_height);
    else {
        err = market_mod_offer_get(ctx, b.offer_id, &f);
        if (err == AG_ERR_NOT_FOUND)
            err = ag_err_set(AG_ERR_CORRUPT, "market: bid %llu's offer is missing",
                             (unsigned long long)b.id);
        if (!err && market_mod_offer_can_host(&f, &o))
            err = market_ctx_fail(ctx, MARKET_CODE_INVALID_REQUEST, "%s", ag_err_detail());
        if (!err)
            err = market_mod_award(ctx, &p, &o, &b, &f);
    }
    market_order_clear(&o);
    return err;
}

/* The active lease `id` that `signer` may act on as tenant (who = 1),
 * provider (2) or either (3); *role says which it is. */
static ag_err lease_for(market_ctx *ctx, const crypto_address *signer, uint64_t id, int who,
                        market_lease *l, int *role)
{
    ag_err err = market_ctx_fail_missing(ctx, market_mod_lease_get(ctx, id, l));
    if (err)
        return err;
    *role = (who & 1) && same(&l->tenant, signer)     ? 1
            : (who & 2) && same(&l->provider, signer) ? 2
                                                      : 0;
    if (!*role)
        return market_ctx_fail(ctx, MARKET_CODE_UNAUTHORIZED, "lease %llu: signer is not its %s",
                               (unsigned long long)id,
                               who == 1   ? "tenant"
                               : who == 2 ? "provider"
                                          : "tenant or provider");
    if (l->state != MARKET_LEASE_ACTIVE)
        return market_ctx_fail(ctx, MARKET_CODE_INVALID_REQUEST, "lease %llu is closed",
                               (unsigned long long)id);
    return AG_OK;
}

/* Pay the provider what it earned and has not withdrawn. */
static ag_err pay_provider(market_ctx *ctx, market_lease *l, market_u128 *amount)
{
    *amount = l->paid - l->withdrawn; /* records guarantee withdrawn <= paid */
    ag_err err = market_mod_escrow_out(ctx, &l->provider, l->price.denom, *amount);
    if (!err)
        l->withdrawn = l->paid;
    return err;
}

static ag_err withdrawn_event(market_ctx *ctx, const market_lease *l, market_u128 amount)
{
    ag_err err = market_mod_ev(ctx, MARKET_EV_WITHDRAWN);
    if (!err)
        err = market_mod_ev_u64(ctx, MARKET_ATTR_LEASE_ID, l->id);
    if (!err)
        err = market_mod_ev_addr(ctx, MARKET_ATTR_PROVIDER, &l->provider);
    if (!err)
        err = market_mod_ev_amount(ctx, MARKET_ATTR_AMOUNT, l->price.denom, amount);
    if (!err)
        err = market_mod_ev_i64(ctx, MARKET_ATTR_HEIGHT, ctx->height);
    return err;
}

ag_err market_mod_lease_close(market_ctx *ctx, const market_params *p, market_lease *l,
                              market_close_reason reason, const char *note, bool order_closing)
{
    ag_err err = market_mod_lease_settle(ctx, p, l);
    market_key ke;
    if (!err)
        err = market_mod_exhaust_key(&ke, l); /* unchanged by settlement */
    market_u128 earned = 0;
    if (!err)
        err = pay_provider(ctx, l, &earned);
    if (!err && earned)
        err = withdrawn_event(ctx, l, earned);
    if (!err)
        err = market_mod_escrow_out(ctx, &l->tenant, l->price.denom, l->escrow);
    market_order o;
    memset(&o, 0, sizeof o);
    market_offer f;
    if (!err)
        err = market_mod_order_get(ctx, l->order_id, &o);
    if (!err)
        err = market_mod_offer_get(ctx, l->offer_id, &f);
    if (err == AG_ERR_NOT_FOUND)
        err = ag_err_set(AG_ERR_CORRUPT, "market: lease %llu's order or offer is missing",
                         (unsigned long long)l->id);
    if (!err && market_resources_sub(&f.leased, &f.leased, &o.summary.total))
        err = ag_err_set(AG_ERR_CORRUPT, "market: offer %llu leases less than lease %llu",
                         (unsigned long long)f.id, (unsigned long long)l->id);
    if (!err)
        err = market_mod_offer_put(ctx, &f);
    if (!err) {
        l->escrow = 0;
        l->state = MARKET_LEASE_CLOSED;
        l->closed_height = ctx->height;
        l->close_reason = reason;
        snprintf(l->close_note, sizeof l->close_note, "%s", note ? note : "");
        err = market_mod_lease_put(ctx, l);
    }
    if (!err)
        err = market_mod_index_del(ctx, &ke);
    if (!err)
        err = market_mod_prune_schedule(ctx, p, MARKET_KIND_LEASE, l->id, ctx->height);
    if (!err)
        err = lease_event_common(ctx, MARKET_EV_LEASE_CLOSED, l);
    if (!err)
        err = market_mod_ev_addr(ctx, MARKET_ATTR_OWNER, &l->tenant);
    if (!err)
        err = market_mod_ev_addr(ctx, MARKET_ATTR_PROVIDER, &l->provider);
    if (!err)
        err = market_mod_ev_str(ctx, MARKET_ATTR_REASON, market_close_reason_name(reason));
    if (!err)
        err = market_mod_ev_i64(ctx, MARKET_ATTR_HEIGHT, ctx->height);
    if (!err && !order_closing && o.state != MARKET_ORDER_CLOSED)
        err = market_mod_order_mark_closed(ctx, p, &o);
    market_order_clear(&o);
    return err;
}

ag_err market_mod_close_lease(market_ctx *ctx, const market_msg *msg)
{
    const market_msg_close_lease *m = market_msg_as_close_lease(msg);
    if (!m)
        return market_ctx_fail(ctx, MARKET_CODE_INVALID_REQUEST, "not a MsgCloseLease");
    market_params p;
    ag_err err = market_mod_params_get(ctx, &p);
    if (err)
        return err;
    market_lease l;
    int role;
    err = lease_for(ctx, &m->signer, m->lease_id, 3, &l, &role);
    if (err)
        return err;
    return market_mod_lease_close(
        ctx, &p, &l, role == 1 ? MARKET_CLOSE_TENANT : MARKET_CLOSE_PROVIDER, m->reason, false);
}

ag_err market_mod_withdraw_lease(market_ctx *ctx, const market_msg *msg)
{
    const market_msg_ref *m = market_msg_as_ref(msg);
    if (!m)
        return market_ctx_fail(ctx, MARKET_CODE_INVALID_REQUEST, "not a MsgWithdrawLease");
    market_params p;
    ag_err err = market_mod_params_get(ctx, &p);
    if (err)
        return err;
    market_lease l;
    int role;
    err = lease_for(ctx, &m->signer, m->id, 2, &l, &role);
    if (!err)
        err = market_mod_lease_settle(ctx, &p, &l);
    if (err)
        return err;
    if (l.paid == l.withdrawn)
        return market_ctx_fail(ctx, MARKET_CODE_INVALID_REQUEST,
                               "lease %llu: nothing to withdraw yet", (unsigned long long)l.id);
    market_u128 amount;
    err = pay_provider(ctx, &l, &amount);
    if (!err)
        err = market_mod_lease_put(ctx, &l);
    return err ? err : withdrawn_event(ctx, &l, amount);
}

ag_err market_mod_deposit_lease(market_ctx *ctx, const market_msg *msg)
{
    const market_msg_deposit *m = market_msg_as_deposit(msg);
    if (!m)
        return market_ctx_fail(ctx, MARKET_CODE_INVALID_REQUEST, "not a MsgDepositLease");
    market_params p;
    ag_err err = market_mod_params_get(ctx, &p);
    if (err)
        return err;
    market_lease l;
    int role;
    err = lease_for(ctx, &m->signer, m->id, 1, &l, &role);
    if (err)
        return err;
    if (strcmp(m->amount.denom, l.price.denom) != 0)
        return market_ctx_fail(ctx, MARKET_CODE_INVALID_COINS, "lease %llu is paid in %s",
                               (unsigned long long)l.id, l.price.denom);
    market_u128 escrow;
    if (market_amount_add(&escrow, l.escrow, m->amount.amount))
        return market_ctx_fail(ctx, MARKET_CODE_INVALID_COINS, "lease escrow overflows");
    market_key old, new_;
    err = market_mod_lease_settle(ctx, &p, &l);
    if (!err)
        err = market_mod_exhaust_key(&old, &l);
    if (!err)
        err = market_mod_escrow_in(ctx, &l.tenant, m->amount.denom, m->amount.amount);
    if (!err) {
        l.escrow += m->amount.amount; /* settlement only lowered it */
        err = market_mod_exhaust_key(&new_, &l);
    }
    if (!err)
        err = market_mod_index_del(ctx, &old);
    if (!err)
        err = market_mod_index_set(ctx, &new_);
    if (!err)
        err = market_mod_lease_put(ctx, &l);
    if (!err)
        err = lease_event_common(ctx, MARKET_EV_LEASE_DEPOSITED, &l);
    if (!err)
        err = market_mod_ev_addr(ctx, MARKET_ATTR_OWNER, &l.tenant);
    if (!err)
        err = market_mod_ev_amount(ctx, MARKET_ATTR_AMOUNT, l.price.denom, m->amount.amount);
    if (!err)
        err = market_mod_ev_amount(ctx, MARKET_ATTR_ESCROW, l.price.denom, l.escrow);
    if (!err)
        err = market_mod_ev_i64(ctx, MARKET_ATTR_EXHAUSTION_HEIGHT,
                                (int64_t)market_be64_get(new_.b + 1));
    if (!err)
        err = market_mod_ev_i64(ctx, MARKET_ATTR_HEIGHT, ctx->height);
    return err;
}
