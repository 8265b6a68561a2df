/*
 * events.h — the ABCI events the market emits (type and attribute keys).
 *
 * Every event carries enough for a provider daemon to act without querying
 * back: ids, the owner and provider addresses (bech32), prices as coin
 * strings ("123uagora"), the order's resource summary and the height.
 *
 *   offer_created, offer_updated    offer_id provider host_uri cpu_millis memory_bytes
 *                                   storage_bytes gpus endpoints height
 *   offer_deactivated               offer_id provider height
 *   order_created                   order_id owner max_price closing_height auto_award
 *                                   services cpu_millis memory_bytes storage_bytes gpus
 *                                   endpoints placement (key=value,...) height
 *   order_deposited                 order_id owner amount height
 *   order_closed                    order_id owner height
 *   bid_created                     bid_id order_id offer_id provider price height
 *   bid_withdrawn                   bid_id order_id provider height
 *   bid_closed                      bid_id order_id provider reason ("lost", "order_closed") height
 *   lease_created                   lease_id order_id bid_id offer_id owner provider price
 *                                   cpu_millis memory_bytes storage_bytes gpus endpoints height
 *   lease_closed                    lease_id order_id owner provider reason height
 *   settled                         lease_id provider amount take escrow settled_height height
 *   withdrawn                       lease_id provider amount height
 */
#ifndef AGORA_MARKET_EVENT_NAMES_H
#define AGORA_MARKET_EVENT_NAMES_H

#include "market/types.h"

/* Event types. */
#define MARKET_EV_OFFER_CREATED     "offer_created"
#define MARKET_EV_OFFER_UPDATED     "offer_updated"
#define MARKET_EV_OFFER_DEACTIVATED "offer_deactivated"
#define MARKET_EV_ORDER_CREATED     "order_created"
#define MARKET_EV_ORDER_DEPOSITED   "order_deposited"
#define MARKET_EV_ORDER_CLOSED      "order_closed"
#define MARKET_EV_BID_CREATED       "bid_created"
#define MARKET_EV_BID_WITHDRAWN     "bid_withdrawn"
#define MARKET_EV_BID_CLOSED        "bid_closed"
#define MARKET_EV_LEASE_CREATED     "lease_created"
#define MARKET_EV_LEASE_CLOSED      "lease_closed"
#define MARKET_EV_SETTLED           "settled"
#define MARKET_EV_WITHDRAWN         "withdrawn"

/* Attribute keys. */
#define MARKET_ATTR_OFFER_ID       "offer_id"
#define MARKET_ATTR_ORDER_ID       "order_id"
#define MARKET_ATTR_BID_ID         "bid_id"
#define MARKET_ATTR_LEASE_ID       "lease_id"
#define MARKET_ATTR_OWNER          "owner"
#define MARKET_ATTR_PROVIDER       "provider"
#define MARKET_ATTR_HOST_URI       "host_uri"
#define MARKET_ATTR_PRICE          "price"
#define MARKET_ATTR_MAX_PRICE      "max_price"
#define MARKET_ATTR_AMOUNT         "amount"
#define MARKET_ATTR_TAKE           "take"
#define MARKET_ATTR_ESCROW         "escrow"
#define MARKET_ATTR_SETTLED_HEIGHT "settled_height"
#define MARKET_ATTR_CLOSING_HEIGHT "closing_height"
#define MARKET_ATTR_AUTO_AWARD     "auto_award"
#define MARKET_ATTR_SERVICES       "services"
#define MARKET_ATTR_CPU_MILLIS     "cpu_millis"
#define MARKET_ATTR_MEMORY_BYTES   "memory_bytes"
#define MARKET_ATTR_STORAGE_BYTES  "storage_bytes"
#define MARKET_ATTR_GPUS           "gpus"
#define MARKET_ATTR_ENDPOINTS      "endpoints"
#define MARKET_ATTR_PLACEMENT      "placement"
#define MARKET_ATTR_REASON         "reason"
#define MARKET_ATTR_HEIGHT         "height"

/* Values of MARKET_ATTR_REASON. Lease closes (lease_closed): */
#define MARKET_REASON_TENANT             "tenant"
#define MARKET_REASON_PROVIDER           "provider"
#define MARKET_REASON_INSUFFICIENT_FUNDS "insufficient_funds"
#define MARKET_REASON_ORDER_CLOSED       "order_closed"
/* Bid closes (bid_closed): */
#define MARKET_REASON_LOST "lost"

/* The reason string of a lease close reason (types.h); NULL for none. */
const char *market_close_reason_name(market_close_reason reason);

#endif
