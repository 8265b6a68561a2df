/* settle.c — lazy, exact lease settlement against the store, and the
 * exhaustion index key (the arithmetic is settle_math.h's). */
#include <string.h>

#include "market/auth.h"
#include "market/event_names.h"
#include "market/mod_internal.h"
#include "market/settle_math.h"

ag_err market_mod_exhaust_key(market_key *k, const market_lease *l)
{
    int64_t e;
    ag_err err = market_exhaustion_height(&e, l->price.amount, l->escrow, l->last_settled_height);
    return err ? err : market_key_by_height(k, MARKET_KEY_LEASE_BY_EXHAUST, e, l->id);
}

ag_err market_mod_lease_settle(market_ctx *ctx, const market_params *p, market_lease *l)
{
    if (l->state != MARKET_LEASE_ACTIVE || ctx->height <= l->last_settled_height)
        return AG_OK;
    market_settlement s;
    ag_err err = market_settle(&s, l->price.amount, l->escrow, l->last_settled_height, ctx->height,
                               p->take_rate_bps);
    if (err) {
        char d[AG_ERR_DETAIL_MAX]; /* ag_err_set writes where ag_err_detail points */
        snprintf(d, sizeof d, "%s", ag_err_detail());
        return ag_err_set(AG_ERR_CORRUPT, "market: lease %llu does not settle: %s",
                          (unsigned long long)l->id, d);
    }
    if (s.blocks == 0)
        return AG_OK;
    market_u128 paid, taken;
    if (market_amount_add(&paid, l->paid, s.to_provider) ||
        market_amount_add(&taken, l->taken, s.take))
        return ag_err_set(AG_ERR_CORRUPT, "market: lease %llu totals overflow",
                          (unsigned long long)l->id);
    if (s.take) {
        crypto_address community;
        market_module_address(MARKET_COMMUNITY, &community);
        err = market_mod_escrow_out(ctx, &community, l->price.denom, s.take);
        if (err)
            return err;
    }
    l->escrow = s.escrow_after;
    l->paid = paid;
    l->taken = taken;
    l->last_settled_height = s.settled_height;
    err = market_mod_ev(ctx, MARKET_EV_SETTLED);
    if (!err)
        err = market_mod_ev_u64(ctx, MARKET_ATTR_LEASE_ID, l->id);
    if (!err)
        err = market_mod_ev_addr(ctx, MARKET_ATTR_PROVIDER, &l->provider);
    if (!err)
        err = market_mod_ev_amount(ctx, MARKET_ATTR_AMOUNT, l->price.denom, s.to_provider);
    if (!err)
        err = market_mod_ev_amount(ctx, MARKET_ATTR_TAKE, l->price.denom, s.take);
    if (!err)
        err = market_mod_ev_amount(ctx, MARKET_ATTR_ESCROW, l->price.denom, l->escrow);
    if (!err)
        err = market_mod_ev_i64(ctx, MARKET_ATTR_SETTLED_HEIGHT, l->last_settled_height);
    if (!err)
        err = market_mod_ev_i64(ctx, MARKET_ATTR_HEIGHT, ctx->height);
    return err;
}
