/*
 * msg.h — the registry of transaction message types: an Any's type URL
 * selects the decoder of its value. Every message a tx may carry has one
 * entry in the table in msg_registry.c; a URL not in it is refused
 * (AG_ERR_UNSUPPORTED). Market modules plug in by adding their entry
 * ("/agora.market.v1.MsgCreateOrder" ...).
 *
 * Known today: "/cosmos.bank.v1beta1.MsgSend" (market_msg_send) and the
 * twelve "/agora.market.v1.Msg..." of market/msg.h.
 */
#ifndef AGORA_STATE_MSG_H
#define AGORA_STATE_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/address.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "state/coin.h"

typedef struct market_msg_type {
    const char *type_url; /* "/package.Message" */
    /* Decode and validate value[0..len) into a new object (caller frees with
     * free_msg). Returns the decoder's errors; *out is NULL on failure. */
    ag_err (*decode)(void **out, const uint8_t *value, size_t len);
    void (*free_msg)(void *msg);
    /* The one account that must sign the message. */
    void (*signer)(const void *msg, crypto_address *out);
} market_msg_type;

/* A decoded message: its type and the object its decoder made (owned by the tx). */
typedef struct market_msg {
    const market_msg_type *type;
    void *value;
} market_msg;

/*
 * Check the syntax of a type URL (bytes, not NUL-terminated): "/" followed
 * by dot-separated identifiers [A-Za-z_][A-Za-z0-9_]*, at most
 * MARKET_TYPE_URL_MAX bytes. AG_ERR_LENGTH or AG_ERR_DECODE.
 */
ag_err market_type_url_validate(const uint8_t *url, size_t len);

/* The registry entry for url[0..len), or NULL (no error detail is set). */
const market_msg_type *market_msg_type_find(const uint8_t *url, size_t len);

/* ---- cosmos.bank.v1beta1.MsgSend ---------------------------------------- */

#define MARKET_MSG_SEND_TYPE_URL "/cosmos.bank.v1beta1.MsgSend"

typedef struct market_msg_send {
    crypto_address from; /* signer */
    crypto_address to;
    market_coin amount[MARKET_MAX_COINS]; /* a valid coin list, non-empty */
    size_t n_amount;
} market_msg_send;

extern const market_msg_type market_msg_send_type;

/*
 * Decode a MsgSend's protobuf bytes into *out. Refuses unknown fields,
 * addresses that are not bech32 "agora1..." of 20 bytes (AG_ERR_PREFIX,
 * AG_ERR_LENGTH, bech32 errors), an empty or invalid coin list (coin.h
 * errors) and more than MARKET_MAX_COINS coins (AG_ERR_TOO_LARGE).
 * *out is zeroed on failure.
 */
ag_err market_msg_send_decode(market_msg_send *out, const uint8_t *in, size_t len);

/* Append the protobuf encoding of *msg (addresses as "agora1...") to out. */
ag_err market_msg_send_encode(ag_buf *out, const market_msg_send *msg);

/* The MsgSend in a decoded message, or NULL if it is another type. Borrowed
 * for the life of the message. */
const market_msg_send *market_msg_as_send(const market_msg *msg);

#endif
