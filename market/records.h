/*
 * records.h — the market's state records (proto/agora/market/v1/state.proto)
 * as C values, and their store encoding.
 *
 * Encoding is deterministic: protobuf-c writes fields in field-number order,
 * omits proto3 defaults, and every text and amount has one canonical form,
 * so equal records give equal bytes (and equal app hashes on every node).
 * Decoding is bounded (MARKET_MSG_MAX_BYTES, wire counts before parsing) and
 * as strict as the message decoders: unknown fields, bad enums, invalid
 * addresses, texts or amounts, and broken invariants (withdrawn > paid, an
 * id of 0) are refused. A record that fails to decode from the store is
 * corrupt state: the caller reports AG_ERR_CORRUPT.
 *
 * Every encoder appends to `out` (ag_pb_append errors: AG_ERR_TOO_LARGE,
 * AG_ERR_NOMEM) and refuses values its decoder would refuse
 * (AG_ERR_INVALID_ARG). Every decoder zeroes its output on failure.
 */
#ifndef AGORA_MARKET_RECORDS_H
#define AGORA_MARKET_RECORDS_H

#include <stdint.h>

#include "crypto/address.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "market/types.h"

typedef struct market_offer {
    uint64_t id;
    crypto_address provider;
    market_offer_spec spec;
    market_resources leased; /* sum over its active leases; fits in spec.capacity */
    market_offer_state state;
    int64_t created_height;
    int64_t closed_height; /* 0 while active */
} market_offer;

typedef struct market_order {
    uint64_t id;
    crypto_address tenant;
    uint8_t *workload; /* canonical Workload encoding: market_order_clear frees it */
    size_t workload_len;
    market_workload_summary summary; /* derived from the workload, not stored */
    market_attributes placement;
    market_coin max_price; /* per block */
    bool auto_award;
    market_coin deposit; /* same denom as max_price */
    market_order_state state;
    int64_t created_height;
    int64_t closing_height; /* auction window end */
    int64_t closed_height;
    uint32_t bid_count; /* bids ever placed on it */
} market_order;

typedef struct market_bid {
    uint64_t id;
    uint64_t order_id;
    uint64_t offer_id;
    crypto_address provider;
    market_coin price; /* per block */
    market_coin deposit;
    market_bid_state state;
    int64_t created_height;
    int64_t closed_height;
} market_bid;

typedef struct market_lease {
    uint64_t id;
    uint64_t order_id;
    uint64_t bid_id;
    uint64_t offer_id;
    crypto_address tenant;
    crypto_address provider;
    market_coin price; /* per block; escrow .. taken are in its denom */
    market_lease_state state;
    int64_t created_height;
    int64_t last_settled_height;
    market_u128 escrow;
    market_u128 paid;      /* credited to the provider, after the take */
    market_u128 withdrawn; /* <= paid */
    market_u128 taken;     /* to the community pool */
    market_close_reason close_reason;
    int64_t closed_height;
    char close_note[MARKET_CLOSE_NOTE_MAX + 1];
} market_lease;

typedef struct market_params {
    market_coin min_order_deposit;
    market_coin min_bid_deposit;
    uint32_t max_bids_per_order; /* 1..MARKET_MAX_BIDS_PER_ORDER */
    uint64_t min_auction_blocks; /* >= 1 */
    uint64_t max_auction_blocks; /* >= min, <= MARKET_AUCTION_BLOCKS_MAX */
    uint32_t take_rate_bps;      /* 0..MARKET_TAKE_RATE_BPS_MAX */
    uint64_t prune_delay_blocks;
    uint32_t max_open_orders_per_tenant; /* >= 1 */
    uint32_t max_offers_per_provider;    /* >= 1 */
} market_params;

/* Offer. */
ag_err market_offer_encode(ag_buf *out, const market_offer *offer);
ag_err market_offer_decode(market_offer *out, const uint8_t *in, size_t len);

/* Order. The decoder allocates the workload (caller frees with
 * market_order_clear, also on a zeroed order). */
ag_err market_order_encode(ag_buf *out, const market_order *order);
ag_err market_order_decode(market_order *out, const uint8_t *in, size_t len);
void market_order_clear(market_order *order);

/* Bid. */
ag_err market_bid_encode(ag_buf *out, const market_bid *bid);
ag_err market_bid_decode(market_bid *out, const uint8_t *in, size_t len);

/* Lease. */
ag_err market_lease_encode(ag_buf *out, const market_lease *lease);
ag_err market_lease_decode(market_lease *out, const uint8_t *in, size_t len);

/* Params: bounds in the struct comments; deposits may be zero (any denom). */
ag_err market_params_validate(const market_params *p);
ag_err market_params_encode(ag_buf *out, const market_params *p);
ag_err market_params_decode(market_params *out, const uint8_t *in, size_t len);
/* Defaults for a new chain, deposits in `denom` (a valid denom). */
void market_params_default(market_params *out, const char *denom);

/*
 * GenesisState: params and offers (at most MARKET_GENESIS_MAX_OFFERS, ids
 * unique). On success *offers (caller frees with free) holds *n_offers.
 * The genesis may be larger than one message: `len` is capped by
 * MARKET_GENESIS_MAX_OFFERS x MARKET_MSG_MAX_BYTES instead.
 */
ag_err market_genesis_decode(market_params *params, market_offer **offers, size_t *n_offers,
                             const uint8_t *in, size_t len);

#endif
