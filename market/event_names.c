/* event_names.c — names of the market's event attribute values. */
#include "market/event_names.h"

#include <stddef.h>

const char *market_close_reason_name(market_close_reason reason)
{
    switch (reason) {
    case MARKET_CLOSE_TENANT:
        return MARKET_REASON_TENANT;
    case MARKET_CLOSE_PROVIDER:
        return MARKET_REASON_PROVIDER;
    case MARKET_CLOSE_INSUFFICIENT_FUNDS:
        return MARKET_REASON_INSUFFICIENT_FUNDS;
    case MARKET_CLOSE_ORDER_CLOSED:
        return MARKET_REASON_ORDER_CLOSED;
    case MARKET_CLOSE_NONE:
        break;
    }
    return NULL;
}
