/*
 * chain.h — what the daemon asks the node: the latest height, this
 * provider's offers, bids and leases, the open orders, one order. All
 * through the node's JSON-RPC abci_query (cli/rpc_client.h errors), lists
 * followed page by page to the end, every record decoded by the market's
 * own strict decoders (a record that does not decode is AG_ERR_DECODE,
 * never trusted half-way).
 *
 * Arrays are malloc'd (caller frees; orders with provider_orders_free).
 * At most PROVIDER_CHAIN_LIST_MAX records per list: AG_ERR_TOO_LARGE past it.
 */
#ifndef AGORA_PROVIDER_CHAIN_H
#define AGORA_PROVIDER_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "market/records.h"

#define PROVIDER_CHAIN_LIST_MAX 100000

/* status.sync_info.latest_block_height. */
ag_err provider_chain_height(const char *node, int64_t *height);

/* Offers of provider (bech32), any state. */
ag_err provider_chain_offers(const char *node, const char *provider, market_offer **out, size_t *n);
/* Orders in `state` (MARKET_ORDER_OPEN ...), any tenant. */
ag_err provider_chain_orders(const char *node, market_order_state state, market_order **out,
                             size_t *n);
/* Bids of provider in `state` (0: any). */
ag_err provider_chain_bids(const char *node, const char *provider, market_bid_state state,
                           market_bid **out, size_t *n);
/* Leases of provider in `state` (0: any). */
ag_err provider_chain_leases(const char *node, const char *provider, market_lease_state state,
                             market_lease **out, size_t *n);
/* One order by id (AG_ERR_NOT_FOUND when pruned or unknown). */
ag_err provider_chain_order(const char *node, uint64_t id, market_order *out);

void provider_orders_free(market_order *orders, size_t n);

#endif
