/*
 * types.h — the value types the market messages, records and pure logic
 * share: resource vectors, attributes, floor prices, an offer's description.
 * Text is NUL-terminated and already validated when it sits in one of these.
 */
#ifndef AGORA_MARKET_TYPES_H
#define AGORA_MARKET_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "market/limits.h"
#include "state/coin.h"

/* A resource vector: per replica, a workload total or an offer's capacity. */
typedef struct market_resources {
    uint64_t cpu_millis;
    uint64_t memory_bytes;
    uint64_t storage_bytes;
    uint64_t gpus;
    uint64_t endpoints;
} market_resources;

typedef struct market_attribute {
    char key[MARKET_ATTR_KEY_MAX + 1];
    char value[MARKET_ATTR_VALUE_MAX + 1];
} market_attribute;

/* A set of attributes: keys unique, in the order they came. */
typedef struct market_attributes {
    market_attribute a[MARKET_MAX_ATTRIBUTES];
    size_t n;
} market_attributes;

/* Floor prices per block in `denom`: cpu per 1000 millicores, memory and
 * storage per GiB, gpu per GPU, endpoint per endpoint. */
typedef struct market_prices {
    char denom[MARKET_DENOM_MAX + 1];
    market_u128 cpu, memory, storage, gpu, endpoint;
} market_prices;

/* What a provider sells (MsgCreateOffer, MsgUpdateOffer, the Offer record). */
typedef struct market_offer_spec {
    char host_uri[MARKET_HOST_URI_MAX + 1];
    market_attributes attributes;
    market_resources capacity;
    market_attributes gpu_attributes; /* the model of the offer's GPUs */
    market_prices floor;
} market_offer_spec;

/* What an order needs, summarised from its workload. */
typedef struct market_workload_summary {
    size_t n_services;
    market_resources total;           /* sum of replicas x per-replica */
    market_attributes gpu_attributes; /* union over services that use GPUs */
} market_workload_summary;

/* Enumerations, numbered as in proto/agora/market/v1/. */
typedef enum market_offer_state {
    MARKET_OFFER_ACTIVE = 1,
    MARKET_OFFER_INACTIVE = 2,
} market_offer_state;

typedef enum market_order_state {
    MARKET_ORDER_OPEN = 1,
    MARKET_ORDER_ACTIVE = 2,
    MARKET_ORDER_CLOSED = 3,
} market_order_state;

typedef enum market_bid_state {
    MARKET_BID_OPEN = 1,
    MARKET_BID_WON = 2,
    MARKET_BID_LOST = 3,
    MARKET_BID_WITHDRAWN = 4,
} market_bid_state;

typedef enum market_lease_state {
    MARKET_LEASE_ACTIVE = 1,
    MARKET_LEASE_CLOSED = 2,
} market_lease_state;

typedef enum market_close_reason {
    MARKET_CLOSE_NONE = 0,
    MARKET_CLOSE_TENANT = 1,
    MARKET_CLOSE_PROVIDER = 2,
    MARKET_CLOSE_INSUFFICIENT_FUNDS = 3,
    MARKET_CLOSE_ORDER_CLOSED = 4,
} market_close_reason;

#endif
