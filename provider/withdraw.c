/*
 * withdraw.c — the withdrawal rule (see withdraw.h).
 */
#include "provider/withdraw.h"

uint64_t provider_lease_blocks_left(const market_lease *lease, int64_t height)
{
    if (lease->price.amount == 0)
        return UINT64_MAX;
    market_u128 n = lease->escrow / lease->price.amount;
    market_u128 since = height > lease->last_settled_height
                            ? (market_u128)(height - lease->last_settled_height)
                            : 0;
    n = n > since ? n - since : 0;
    return n > UINT64_MAX ? UINT64_MAX : (uint64_t)n;
}

bool provider_withdraw_due(const market_lease *lease, int64_t height, bool due, uint64_t dry_blocks)
{
    if (lease->state != MARKET_LEASE_ACTIVE)
        return false;
    bool accrued = height > lease->last_settled_height || lease->paid > lease->withdrawn;
    if (!accrued)
        return false;
    return due || provider_lease_blocks_left(lease, height) < dry_blocks;
}
