/*
 * gas.h — the deterministic gas schedule and the per-tx gas meter.
 *
 * Every tx runs with a meter whose limit is its fee's gas limit. Gas is
 * charged for the tx's bytes, each signature, and every store access a
 * handler makes through its context (market/module.h), so the same tx on
 * the same state always uses the same gas. Running out stops the tx with
 * code MARKET_CODE_OUT_OF_GAS: its message writes are dropped, its fee and
 * sequence increment stay.
 *
 * The constants are the Cosmos SDK defaults (KVGasConfig, auth params), so
 * wallets' gas estimates are in the usual range.
 */
#ifndef AGORA_MARKET_GAS_H
#define AGORA_MARKET_GAS_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/err.h"

#define MARKET_GAS_TX_BYTE       10u   /* per byte of the TxRaw */
#define MARKET_GAS_SIG_SECP256K1 1000u /* per signature verified */
#define MARKET_GAS_READ_FLAT     1000u /* per store read (hit or miss) */
#define MARKET_GAS_READ_BYTE     3u    /* per key and value byte read */
#define MARKET_GAS_WRITE_FLAT    2000u /* per store write */
#define MARKET_GAS_WRITE_BYTE    30u   /* per key and value byte written */
#define MARKET_GAS_DELETE        1000u /* per store delete */
#define MARKET_GAS_ITER_NEXT     30u   /* per entry an iteration visits */

typedef struct market_gas_meter {
    uint64_t limit;       /* UINT64_MAX: unmetered (genesis, block hooks, queries) */
    uint64_t used;        /* never above limit */
    bool out;             /* a charge did not fit */
    const char *out_what; /* what the failing charge was for (static text) */
} market_gas_meter;

void market_gas_init(market_gas_meter *m, uint64_t limit);

/*
 * Charge `amount` for `what` (static text). AG_OK, or AG_ERR_TOO_LARGE with
 * a detail "out of gas ..." and m->out set: used is then set to the limit
 * (Cosmos reports gas_used = gas_wanted on out of gas).
 */
ag_err market_gas_charge(market_gas_meter *m, uint64_t amount, const char *what);

/* a * b + c saturating at UINT64_MAX (for per-byte charges). */
uint64_t market_gas_cost(uint64_t flat, uint64_t per_byte, uint64_t bytes);

#endif
