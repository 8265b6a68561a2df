/*
 * settle_math.h — lazy, exact lease settlement in 128-bit checked arithmetic.
 *
 * A lease pays `price` per block from its escrow. Nothing happens per block:
 * when anyone touches the lease (withdraw, deposit, close, or the end-block
 * sweep at its exhaustion height), market_settle pays every block since the
 * last settlement that the escrow can pay in full. Blocks are paid whole:
 * the escrow never goes below zero and a remainder smaller than one block's
 * price stays in escrow (returned to the tenant when the lease closes).
 *
 * Heights: a lease last settled at height L has paid for blocks up to and
 * including L. Settling at height H pays for blocks L+1 .. H.
 *
 * Take rate rule: of each amount paid, the community pool gets
 * floor(amount x bps / 10000) and the provider the rest, so rounding always
 * favours the provider, and take + provider == amount exactly.
 */
#ifndef AGORA_MARKET_SETTLE_MATH_H
#define AGORA_MARKET_SETTLE_MATH_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/err.h"
#include "state/coin.h"

typedef struct market_settlement {
    uint64_t blocks;          /* whole blocks paid now */
    market_u128 owed;         /* price x blocks: what leaves the escrow */
    market_u128 take;         /* to the community pool */
    market_u128 to_provider;  /* owed - take */
    market_u128 escrow_after; /* escrow - owed */
    int64_t settled_height;   /* the new last settled height: L + blocks */
    bool exhausted;           /* escrow_after < price: block settled_height + 1 is unpaid */
} market_settlement;

/*
 * Settle a lease at `height`. AG_ERR_INVALID_ARG: price 0, take_bps above
 * 10000, a negative last_settled, or height < last_settled.
 */
ag_err market_settle(market_settlement *out, market_u128 price, market_u128 escrow,
                     int64_t last_settled, int64_t height, uint32_t take_bps);

/*
 * The first height whose block the escrow cannot pay: L + floor(escrow /
 * price) + 1 (so L + 1 when escrow < price). INT64_MAX when that lies
 * beyond int64 (the lease never runs dry in practice). Recompute after
 * every deposit and settlement. AG_ERR_INVALID_ARG: price 0, negative L.
 */
ag_err market_exhaustion_height(int64_t *out, market_u128 price, market_u128 escrow,
                                int64_t last_settled);

/* The take-rate split of `amount` (rule above). AG_ERR_INVALID_ARG above
 * 10000 bps. */
ag_err market_take_split(market_u128 *take, market_u128 *rest, market_u128 amount,
                         uint32_t take_bps);

/* price x blocks; AG_ERR_OVERFLOW past 2^128 - 1. */
ag_err market_amount_mul(market_u128 *out, market_u128 price, uint64_t blocks);

/* a - b; AG_ERR_OVERFLOW when b > a. */
ag_err market_amount_sub(market_u128 *out, market_u128 a, market_u128 b);

#endif
