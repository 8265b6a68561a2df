/*
 * bank.h — balances, transfers and total supply.
 *
 * Balances are per account and denom (market/keys.h 0x02), never stored as
 * zero. Coins are minted only at genesis (the total supply, 0x03, never
 * changes afterwards: market_bank_invariant checks it). Every function here
 * goes through the caller's context, so other modules' transfers are
 * gas-metered and isolated like the bank's own, and emit the Cosmos events
 * coin_spent {spender, amount}, coin_received {receiver, amount} and
 * transfer {recipient, sender, amount}.
 */
#ifndef AGORA_MARKET_BANK_H
#define AGORA_MARKET_BANK_H

#include "market/auth.h"
#include "market/module.h"
#include "state/coin.h"

/* The balance (0 if none). */
ag_err market_bank_balance(market_ctx *ctx, const crypto_address *addr, const char *denom,
                           market_u128 *out);
/* Set a balance directly (genesis only; 0 deletes). */
ag_err market_bank_balance_set(market_ctx *ctx, const crypto_address *addr, const char *denom,
                               market_u128 amount);

/*
 * Move a valid coin list (coin.h) from one account to another, creating the
 * recipient if needed. Failures (market_ctx_fail codes): INSUFFICIENT_FUNDS,
 * INVALID_COINS (overflow of the recipient's balance), INVALID_REQUEST
 * (from == to). Nothing is written on failure of a single call only when the
 * caller's layer is dropped: callers run it inside a tx's write layer.
 */
ag_err market_bank_send(market_ctx *ctx, const crypto_address *from, const crypto_address *to,
                        const market_coin *coins, size_t n);
/* Into / out of a module account (escrow): market_bank_send with the
 * module's address (market_module_address). */
ag_err market_bank_to_module(market_ctx *ctx, const crypto_address *from, const char *module,
                             const market_coin *coins, size_t n);
ag_err market_bank_from_module(market_ctx *ctx, const char *module, const crypto_address *to,
                               const market_coin *coins, size_t n);

/* Total supply of a denom (0 if none) and setting it (genesis only). */
ag_err market_bank_supply(market_ctx *ctx, const char *denom, market_u128 *out);
ag_err market_bank_supply_set(market_ctx *ctx, const char *denom, market_u128 amount);

/* "100uagora,5ufoo" (the SDK's Coins.String), into out of cap bytes. */
void market_coins_format(char *out, size_t cap, const market_coin *coins, size_t n);

/* The bank module: MsgSend, the balance and supply queries, the supply invariant. */
extern const market_module market_bank_module;

#endif
