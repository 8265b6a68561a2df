/* auction.c — bid acceptability and the auto-award winner (rules in auction.h). */
#include "market/auction.h"

#include <string.h>

#include "market/resources.h"

/* ceil(qty x price / unit), added to *sum. */
static ag_err add_cost(market_u128 *sum, uint64_t qty, market_u128 price, uint64_t unit,
                       const char *name)
{
    market_u128 p;
    if (__builtin_mul_overflow((market_u128)qty, price, &p))
        return ag_err_set(AG_ERR_OVERFLOW, "floor cost: %s overflows", name);
    market_u128 c = p / unit + (p % unit != 0);
    if (__builtin_add_overflow(*sum, c, sum))
        return ag_err_set(AG_ERR_OVERFLOW, "floor cost: sum overflows at %s", name);
    return AG_OK;
}

ag_err market_floor_cost(market_u128 *out, const market_prices *prices,
                         const market_resources *need)
{
    market_u128 sum = 0;
    ag_err err = add_cost(&sum, need->cpu_millis, prices->cpu, 1000, "cpu");
    if (!err)
        err = add_cost(&sum, need->memory_bytes, prices->memory, (uint64_t)1 << 30, "memory");
    if (!err)
        err = add_cost(&sum, need->storage_bytes, prices->storage, (uint64_t)1 << 30, "storage");
    if (!err)
        err = add_cost(&sum, need->gpus, prices->gpu, 1, "gpu");
    if (!err)
        err = add_cost(&sum, need->endpoints, prices->endpoint, 1, "endpoint");
    *out = err ? 0 : sum;
    return err;
}

ag_err market_bid_check(const market_order *order, const market_offer *offer,
                        const market_msg_create_bid *bid, const market_params *params,
                        int64_t height)
{
    if (bid->order_id != order->id || bid->offer_id != offer->id)
        return ag_err_set(AG_ERR_INVALID_ARG,
                          "bid: names order %llu / offer %llu, given %llu / %llu",
                          (unsigned long long)bid->order_id, (unsigned long long)bid->offer_id,
                          (unsigned long long)order->id, (unsigned long long)offer->id);
    if (order->state != MARKET_ORDER_OPEN)
        return ag_err_set(AG_ERR_STATE, "bid: order %llu is not open",
                          (unsigned long long)order->id);
    if (height >= order->closing_height)
        return ag_err_set(AG_ERR_STATE, "bid: order %llu's auction ended at height %lld",
                          (unsigned long long)order->id, (long long)order->closing_height);
    if (order->bid_count >= params->max_bids_per_order)
        return ag_err_set(AG_ERR_STATE, "bid: order %llu already has %u bids (the cap)",
                          (unsigned long long)order->id, order->bid_count);
    if (memcmp(&offer->provider, &bid->provider, sizeof bid->provider) != 0)
        return ag_err_set(AG_ERR_PERMISSION, "bid: offer %llu belongs to another provider",
                          (unsigned long long)offer->id);
    if (offer->state != MARKET_OFFER_ACTIVE)
        return ag_err_set(AG_ERR_STATE, "bid: offer %llu is not active",
                          (unsigned long long)offer->id);
    if (strcmp(bid->price.denom, order->max_price.denom) != 0)
        return ag_err_set(AG_ERR_STATE, "bid: price in %s, order pays in %s", bid->price.denom,
                          order->max_price.denom);
    if (bid->price.amount == 0 || bid->price.amount > order->max_price.amount)
        return ag_err_set(AG_ERR_STATE, "bid: price not in 1..the order's max price");
    if (strcmp(bid->price.denom, offer->spec.floor.denom) != 0)
        return ag_err_set(AG_ERR_STATE, "bid: price in %s, offer's floor prices in %s",
                          bid->price.denom, offer->spec.floor.denom);
    market_u128 floor;
    ag_err err = market_floor_cost(&floor, &offer->spec.floor, &order->summary.total);
    if (err)
        return err;
    if (bid->price.amount < floor)
        return ag_err_set(AG_ERR_STATE, "bid: price below the offer's floor cost");
    if (params->min_bid_deposit.amount > 0 &&
        (strcmp(bid->deposit.denom, params->min_bid_deposit.denom) != 0 ||
         bid->deposit.amount < params->min_bid_deposit.amount))
        return ag_err_set(AG_ERR_STATE, "bid: deposit below the minimum bid deposit");
    err = market_placement_check(&offer->spec, &order->placement, &order->summary);
    if (err)
        return err;
    market_resources free_cap;
    err = market_offer_free(&free_cap, &offer->spec, &offer->leased);
    if (err)
        return ag_err_set(AG_ERR_STATE, "bid: offer %llu leases more than its capacity",
                          (unsigned long long)offer->id);
    if (!market_resources_fits(&free_cap, &order->summary.total))
        return ag_err_set(AG_ERR_STATE, "bid: offer %llu lacks free capacity for order %llu",
                          (unsigned long long)offer->id, (unsigned long long)order->id);
    return AG_OK;
}

int market_bid_compare(const market_bid *a, const market_bid *b)
{
    if (a->price.amount != b->price.amount)
        return a->price.amount < b->price.amount ? -1 : 1;
    if (a->created_height != b->created_height)
        return a->created_height < b->created_height ? -1 : 1;
    if (a->id != b->id)
        return a->id < b->id ? -1 : 1;
    return memcmp(&a->provider, &b->provider, sizeof a->provider);
}

ag_err market_auction_winner(size_t *winner, const market_bid *bids, size_t n)
{
    size_t best = n;
    for (size_t i = 0; i < n; i++) {
        if (bids[i].state != MARKET_BID_OPEN)
            continue;
        if (best == n || market_bid_compare(&bids[i], &bids[best]) < 0)
            best = i;
    }
    *winner = best;
    if (best == n)
        return ag_err_set(AG_ERR_NOT_FOUND, "auction: no open bid");
    return AG_OK;
}
