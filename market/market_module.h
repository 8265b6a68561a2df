/*
 * market_module.h — the market modules (offer, order, bid, lease, settle)
 * as one module of the market application (market/module.h).
 *
 * The application registers it after auth and bank. Its app_state key, the
 * `module` of its events and the name of its escrow account
 * (market_module_address(MARKET_ESCROW)) are all "market". Rules, events,
 * queries and invariants are described in market/README.md ("The market
 * modules").
 */
#ifndef AGORA_MARKET_MARKET_MODULE_H
#define AGORA_MARKET_MARKET_MODULE_H

#include "market/module.h"

#define MARKET_MODULE_NAME "market"
/* The module account holding order deposits, lease escrows, providers'
 * unwithdrawn earnings and bid deposits. */
#define MARKET_ESCROW "market"

/* Query paths (request and response messages in
 * proto/agora/market/v1/query.proto). */
#define MARKET_QUERY_OFFERS "/agora.market.v1.Query/Offers"
#define MARKET_QUERY_ORDERS "/agora.market.v1.Query/Orders"
#define MARKET_QUERY_BIDS   "/agora.market.v1.Query/Bids"
#define MARKET_QUERY_LEASES "/agora.market.v1.Query/Leases"
#define MARKET_QUERY_OFFER  "/agora.market.v1.Query/Offer"
#define MARKET_QUERY_ORDER  "/agora.market.v1.Query/Order"
#define MARKET_QUERY_BID    "/agora.market.v1.Query/Bid"
#define MARKET_QUERY_LEASE  "/agora.market.v1.Query/Lease"
#define MARKET_QUERY_PARAMS "/agora.market.v1.Query/Params"

/* Page sizes of the list queries. */
#define MARKET_QUERY_DEFAULT_LIMIT 100
#define MARKET_QUERY_MAX_LIMIT     1000
/* A page stops early, with a next_key, before its records pass this size
 * (the application caps a query response at 16 MiB). */
#define MARKET_QUERY_PAGE_BYTES ((size_t)8 << 20)

extern const market_module market_market_module;

#endif
