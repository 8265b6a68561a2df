/*
 * withdraw.h — when to withdraw a lease's earnings: every interval, and
 * early when its escrow covers fewer than `dry_blocks` more blocks (so the
 * earnings are taken before the lease closes for lack of funds).
 */
#ifndef AGORA_PROVIDER_WITHDRAW_H
#define AGORA_PROVIDER_WITHDRAW_H

#include <stdbool.h>
#include <stdint.h>

#include "market/records.h"

/* Blocks after `height` the escrow still pays for at the lease's price
 * (the escrow is as of its last settlement; UINT64_MAX for a zero price). */
uint64_t provider_lease_blocks_left(const market_lease *lease, int64_t height);

/* Withdraw now? `height` the latest block, `due` whether the periodic
 * interval has passed. Never for a lease with nothing accrued since its
 * last settlement and nothing unwithdrawn. */
bool provider_withdraw_due(const market_lease *lease, int64_t height, bool due,
                           uint64_t dry_blocks);

#endif
