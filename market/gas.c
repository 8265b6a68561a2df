/* gas.c — the gas meter. */
#include "market/gas.h"

#include <inttypes.h>

void market_gas_init(market_gas_meter *m, uint64_t limit)
{
    *m = (market_gas_meter){.limit = limit};
}

ag_err market_gas_charge(market_gas_meter *m, uint64_t amount, const char *what)
{
    if (m->out)
        return ag_err_set(AG_ERR_TOO_LARGE, "out of gas in %s; gasWanted: %" PRIu64, m->out_what,
                          m->limit);
    if (amount > m->limit - m->used) {
        m->out = true;
        m->out_what = what;
        uint64_t want = m->used + amount < m->used ? UINT64_MAX : m->used + amount;
        m->used = m->limit;
        return ag_err_set(AG_ERR_TOO_LARGE,
                          "out of gas in %s; gasWanted: %" PRIu64 ", gasUsed: at least %" PRIu64,
                          what, m->limit, want);
    }
    m->used += amount;
    return AG_OK;
}

uint64_t market_gas_cost(uint64_t flat, uint64_t per_byte, uint64_t bytes)
{
    if (per_byte && bytes > (UINT64_MAX - flat) / per_byte)
        return UINT64_MAX;
    return flat + per_byte * bytes;
}
