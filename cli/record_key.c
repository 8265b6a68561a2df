/* record_key.c — market record keys (market/market_keys.h). */
#include "cli/record_key.h"

#include <string.h>

#include "market/market_keys.h"

_Static_assert(MARKET_KEY_MAX <= CLI_RECORD_KEY_MAX, "record keys fit");

size_t cli_record_key(uint8_t out[CLI_RECORD_KEY_MAX], cli_record_kind kind, uint64_t id)
{
    static const uint8_t prefix[] = {MARKET_KEY_OFFER, MARKET_KEY_ORDER, MARKET_KEY_BID,
                                     MARKET_KEY_LEASE};
    market_key k;
    market_key_record(&k, prefix[kind], id);
    memcpy(out, k.b, k.len);
    return k.len;
}
