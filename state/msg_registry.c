/* msg_registry.c — the table of message types a transaction may carry. */
#include "state/msg.h"

#include <string.h>

#include "market/msg.h"
#include "state/tx_limits.h"

static const market_msg_type *const registry[] = {
    &market_msg_send_type,
    /* agora.market.v1 (market/msg.h) */
    &market_msg_create_offer_type,
    &market_msg_update_offer_type,
    &market_msg_deactivate_offer_type,
    &market_msg_create_order_type,
    &market_msg_deposit_order_type,
    &market_msg_close_order_type,
    &market_msg_create_bid_type,
    &market_msg_withdraw_bid_type,
    &market_msg_accept_bid_type,
    &market_msg_withdraw_lease_type,
    &market_msg_deposit_lease_type,
    &market_msg_close_lease_type,
};

static bool ident_start(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool ident_char(uint8_t c)
{
    return ident_start(c) || (c >= '0' && c <= '9');
}

ag_err market_type_url_validate(const uint8_t *url, size_t len)
{
    if (len < 2 || len > MARKET_TYPE_URL_MAX)
        return ag_err_set(AG_ERR_LENGTH, "type URL: %zu bytes (must be 2..%d)", len,
                          MARKET_TYPE_URL_MAX);
    if (url[0] != '/')
        return ag_err_set(AG_ERR_DECODE, "type URL: does not start with '/'");
    bool at_start = true; /* at the start of an identifier */
    for (size_t i = 1; i < len; i++) {
        uint8_t c = url[i];
        if (c == '.' && !at_start) {
            at_start = true;
        } else if (at_start ? ident_start(c) : ident_char(c)) {
            at_start = false;
        } else {
            return ag_err_set(AG_ERR_DECODE, "type URL: byte 0x%02x at position %zu not allowed",
                              (unsigned)c, i);
        }
    }
    if (at_start)
        return ag_err_set(AG_ERR_DECODE, "type URL: ends with '.'");
    return AG_OK;
}

const market_msg_type *market_msg_type_find(const uint8_t *url, size_t len)
{
    for (size_t i = 0; i < sizeof registry / sizeof registry[0]; i++) {
        const char *want = registry[i]->type_url;
        if (strlen(want) == len && memcmp(want, url, len) == 0)
            return registry[i];
    }
    return NULL;
}
