/*
 * limits.h — every size and count cap of the market messages and records,
 * in one place. Decoders check counts on the wire (state/tx_wire.h) before
 * protobuf-c allocates, and every text and quantity against these caps.
 */
#ifndef AGORA_MARKET_LIMITS_H
#define AGORA_MARKET_LIMITS_H

#include <stdint.h>

/* One encoded market message or record (a tx is at most 1 MiB). */
#define MARKET_MSG_MAX_BYTES ((size_t)64 << 10)

/* Attributes of an offer, placement requirements of an order, GPU model
 * attributes of one resource vector. */
#define MARKET_MAX_ATTRIBUTES 32
#define MARKET_ATTR_KEY_MAX   64  /* [a-z0-9][a-z0-9._/-]* */
#define MARKET_ATTR_VALUE_MAX 128 /* printable ASCII, no space */

/* Offer host URI: "http://" or "https://" then printable ASCII, no space. */
#define MARKET_HOST_URI_MAX 256

/* Workload. */
#define MARKET_MAX_SERVICES     16
#define MARKET_SERVICE_NAME_MAX 63 /* a DNS label: [a-z0-9]([a-z0-9-]*[a-z0-9])? */
#define MARKET_IMAGE_MAX        256
#define MARKET_MAX_COMMAND      16 /* command words per service */
#define MARKET_MAX_ARGS         32 /* args per service */
#define MARKET_ARG_MAX          1024
#define MARKET_MAX_ENV          64 /* env vars per service */
#define MARKET_ENV_NAME_MAX     128
#define MARKET_ENV_VALUE_MAX    1024
#define MARKET_MAX_PORTS        16 /* ports per service */
#define MARKET_MAX_REPLICAS     256

/* Resource maxima: any quantity in a message (per replica or an offer's
 * capacity) and any total of an order's workload. */
#define MARKET_MAX_CPU_MILLIS    ((uint64_t)1000000000) /* 1 M cores */
#define MARKET_MAX_MEMORY_BYTES  ((uint64_t)1 << 50)    /* 1 PiB */
#define MARKET_MAX_STORAGE_BYTES ((uint64_t)1 << 56)    /* 64 PiB */
#define MARKET_MAX_GPUS          ((uint64_t)1 << 20)
#define MARKET_MAX_ENDPOINTS     ((uint64_t)1 << 20)

/* MsgCloseLease.reason and Lease.close_note. */
#define MARKET_CLOSE_NOTE_MAX 256

/* Params: bounds a governance or genesis value must respect. */
#define MARKET_TAKE_RATE_BPS_MAX  10000
#define MARKET_MAX_BIDS_PER_ORDER 1000
#define MARKET_AUCTION_BLOCKS_MAX ((uint64_t)1 << 32)

/* Offers in a genesis state. */
#define MARKET_GENESIS_MAX_OFFERS 100000

#endif
