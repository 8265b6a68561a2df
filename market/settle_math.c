/* settle_math.c — lazy lease settlement arithmetic (rules in settle_math.h). */
#include "market/settle_math.h"

#define BPS_DENOM 10000u

ag_err market_amount_mul(market_u128 *out, market_u128 price, uint64_t blocks)
{
    market_u128 r;
    if (__builtin_mul_overflow(price, (market_u128)blocks, &r)) {
        *out = 0;
        return ag_err_set(AG_ERR_OVERFLOW, "amount: price x %llu blocks overflows",
                          (unsigned long long)blocks);
    }
    *out = r;
    return AG_OK;
}

ag_err market_amount_sub(market_u128 *out, market_u128 a, market_u128 b)
{
    if (b > a) {
        *out = 0;
        return ag_err_set(AG_ERR_OVERFLOW, "amount: subtraction below zero");
    }
    *out = a - b;
    return AG_OK;
}

ag_err market_take_split(market_u128 *take, market_u128 *rest, market_u128 amount,
                         uint32_t take_bps)
{
    *take = *rest = 0;
    if (take_bps > BPS_DENOM)
        return ag_err_set(AG_ERR_INVALID_ARG, "take rate: %u bps (at most %u)", take_bps,
                          BPS_DENOM);
    /* floor(amount x bps / 10000) without forming amount x bps: both parts
     * below are exact and cannot overflow (q x bps <= amount). */
    market_u128 q = amount / BPS_DENOM, r = amount % BPS_DENOM;
    market_u128 t = q * take_bps + (r * take_bps) / BPS_DENOM;
    *take = t;
    *rest = amount - t;
    return AG_OK;
}

ag_err market_exhaustion_height(int64_t *out, market_u128 price, market_u128 escrow,
                                int64_t last_settled)
{
    *out = 0;
    if (price == 0)
        return ag_err_set(AG_ERR_INVALID_ARG, "exhaustion: price 0");
    if (last_settled < 0)
        return ag_err_set(AG_ERR_INVALID_ARG, "exhaustion: negative height");
    market_u128 k = escrow / price;
    if (k >= (market_u128)INT64_MAX) { /* checked first: last + k + 1 could wrap */
        *out = INT64_MAX;
        return AG_OK;
    }
    market_u128 h = (market_u128)last_settled + k + 1; /* < 2^64: no overflow */
    *out = h > (market_u128)INT64_MAX ? INT64_MAX : (int64_t)h;
    return AG_OK;
}

ag_err market_settle(market_settlement *out, market_u128 price, market_u128 escrow,
                     int64_t last_settled, int64_t height, uint32_t take_bps)
{
    *out = (market_settlement){0};
    if (price == 0)
        return ag_err_set(AG_ERR_INVALID_ARG, "settle: price 0");
    if (take_bps > BPS_DENOM)
        return ag_err_set(AG_ERR_INVALID_ARG, "settle: take rate %u bps", take_bps);
    if (last_settled < 0 || height < last_settled)
        return ag_err_set(AG_ERR_INVALID_ARG, "settle: height %lld before last settlement %lld",
                          (long long)height, (long long)last_settled);
    uint64_t due = (uint64_t)height - (uint64_t)last_settled;
    market_u128 affordable = escrow / price;
    uint64_t blocks = (market_u128)due < affordable ? due : (uint64_t)affordable;
    market_u128 owed = price * (market_u128)blocks; /* <= escrow: no overflow */
    market_settlement s = {
        .blocks = blocks,
        .owed = owed,
        .escrow_after = escrow - owed,
        .settled_height = last_settled + (int64_t)blocks,
    };
    ag_err err = market_take_split(&s.take, &s.to_provider, owed, take_bps);
    if (err)
        return err;
    s.exhausted = s.escrow_after < price;
    *out = s;
    return AG_OK;
}
