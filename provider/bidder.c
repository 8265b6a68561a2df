/*
 * bidder.c — the bid decision (see bidder.h). Rules are checked in a fixed
 * order so the reason names the first one that failed.
 */
#include "provider/bidder.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "market/auction.h"
#include "market/resources.h"

/* Decline with "what" and an optional detail. */
static void no(provider_bid_decision *out, const char *what, const char *detail)
{
    out->bid = false;
    snprintf(out->reason, sizeof out->reason, "%s%s%s", what, detail ? ": " : "",
             detail ? detail : "");
}

void provider_bid_decide(const provider_bid_input *in, provider_bid_decision *out)
{
    memset(out, 0, sizeof *out);
    const market_order *o = in->order;
    const market_offer *f = in->offer;
    if (o->state != MARKET_ORDER_OPEN)
        return no(out, "order not open", NULL);
    if (in->height >= o->closing_height)
        return no(out, "auction window ended", NULL);
    if (in->already_bid)
        return no(out, "already bid", NULL);
    if (f->state != MARKET_OFFER_ACTIVE)
        return no(out, "offer inactive", NULL);
    if (market_placement_check(&f->spec, &o->placement, &o->summary))
        return no(out, "placement", ag_err_detail());
    market_resources used, free;
    if (market_resources_add(&used, &f->leased, &in->reserved) ||
        market_offer_free(&free, &f->spec, &used))
        return no(out, "capacity: leases and open bids exceed the offer", NULL);
    if (!market_resources_fits(&free, &o->summary.total))
        return no(out, "capacity: the order does not fit the free capacity", NULL);
    if (strcmp(o->max_price.denom, f->spec.floor.denom))
        return no(out, "order not priced in the floor denom", o->max_price.denom);
    market_u128 floor;
    if (market_floor_cost(&floor, &f->spec.floor, &o->summary.total))
        return no(out, "floor cost overflows", NULL);
    market_u128 price = in->has_quote ? in->quote : floor;
    if (price < floor)
        return no(out, "pricing command quoted below the floor cost", NULL);
    if (price == 0)
        price = 1; /* the chain refuses a zero price */
    if (price > o->max_price.amount)
        return no(out, "price above the order's max_price", NULL);
    out->bid = true;
    snprintf(out->price.denom, sizeof out->price.denom, "%s", f->spec.floor.denom);
    out->price.amount = price;
    char amt[MARKET_AMOUNT_STR_MAX];
    market_amount_format(amt, price);
    snprintf(out->reason, sizeof out->reason, "bid %s%s", amt, out->price.denom);
}
