/*
 * auction.h — the rules of the reverse auction, pure functions over records.
 *
 * A bid is acceptable when: the order is open and its window has not ended
 * (height < closing_height); the order has fewer than max_bids_per_order
 * bids; the offer is the bidder's, active, and the one the bid names; the
 * price is in the order's denom, positive and at most its max_price; the
 * price is at least the offer's floor cost for the order's resources (and in
 * the floor prices' denom); the deposit reaches the minimum bid deposit in
 * its denom; the offer's placement matches; its free capacity fits the
 * order's total.
 *
 * Floor cost: for each resource, ceil(quantity x price / unit), units as in
 * types.h (1000 millicores, 2^30 bytes, 1 GPU, 1 endpoint); the sum.
 *
 * Winner (auto-award, and the order in which bids are listed): lowest
 * price, then earliest bid (lowest created_height, then lowest id), then
 * the provider address in byte order. Only open bids take part.
 */
#ifndef AGORA_MARKET_AUCTION_H
#define AGORA_MARKET_AUCTION_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "market/msg.h"
#include "market/records.h"

/* The floor cost of `need` at `prices`. AG_ERR_OVERFLOW past 2^128 - 1. */
ag_err market_floor_cost(market_u128 *out, const market_prices *prices,
                         const market_resources *need);

/*
 * Check a MsgCreateBid against the order and offer it names at `height`.
 * AG_OK or the first broken rule: AG_ERR_STATE (order not open, window
 * ended, bid cap reached, offer inactive, placement or capacity unmet, price
 * out of range, deposit too small, denom mismatch), AG_ERR_PERMISSION (the
 * offer is not the bidder's), AG_ERR_INVALID_ARG (ids that do not match
 * the records given), AG_ERR_OVERFLOW (floor cost); the detail says which.
 */
ag_err market_bid_check(const market_order *order, const market_offer *offer,
                        const market_msg_create_bid *bid, const market_params *params,
                        int64_t height);

/* <0 if a ranks before b (a wins), >0 after, 0 for the same bid. */
int market_bid_compare(const market_bid *a, const market_bid *b);

/* The index of the winning open bid among bids[0..n). AG_ERR_NOT_FOUND
 * when none is open. */
ag_err market_auction_winner(size_t *winner, const market_bid *bids, size_t n);

#endif
