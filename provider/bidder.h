/*
 * bidder.h — whether and at what price this provider bids on an order.
 *
 * A pure, deterministic function of the chain records and this provider's
 * own book-keeping, so that the same inputs always give the same answer
 * (unit-tested in tests/unit/test_provider_daemon.c). The rules mirror the
 * chain's own acceptance rules (market/auction.h) so the daemon does not
 * send bids the chain would refuse, plus the provider's own: capacity
 * already promised to its open bids counts as used.
 */
#ifndef AGORA_PROVIDER_BIDDER_H
#define AGORA_PROVIDER_BIDDER_H

#include <stdbool.h>
#include <stdint.h>

#include "market/records.h"

typedef struct provider_bid_input {
    const market_offer *offer; /* this provider's offer, as on chain */
    const market_order *order; /* the candidate */
    market_resources reserved; /* sum of the orders of this provider's open bids */
    int64_t height;            /* the latest committed height */
    bool already_bid;          /* this provider has a bid on the order (any state) */
    bool has_quote;            /* the pricing command answered */
    market_u128 quote;         /* its price per block, in the floor denom */
} provider_bid_input;

typedef struct provider_bid_decision {
    bool bid;
    market_coin price; /* when bid */
    char reason[400];  /* why not (or "bid" and the price) */
} provider_bid_decision;

/* Fill *out. Never fails: a reason is always given. */
void provider_bid_decide(const provider_bid_input *in, provider_bid_decision *out);

/*
 * Run `command` (through /bin/sh -c) with `order_json` on its stdin and read
 * one decimal amount from its stdout within timeout_ms. AG_ERR_TIMEOUT (the
 * child is killed), AG_ERR_STATE (non-zero exit), AG_ERR_DECODE (output
 * that is not a single amount, or above 64 bytes).
 */
ag_err provider_price_command(const char *command, const char *order_json, uint64_t timeout_ms,
                              market_u128 *price);

#endif
