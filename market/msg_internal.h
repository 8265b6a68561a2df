/*
 * msg_internal.h — internal to the market message and record decoders:
 * validation of the protobuf-c values they share (addresses, texts,
 * attributes, resources, prices, coins, workloads). Every function sets an
 * error detail that starts with `what` (the field path).
 */
#ifndef AGORA_MARKET_MSG_INTERNAL_H
#define AGORA_MARKET_MSG_INTERNAL_H

#include <protobuf-c/protobuf-c.h>

#include "agora/market/v1/types.pb-c.h"
#include "cosmos/base/v1beta1/coin.pb-c.h"
#include "crypto/address.h"
#include "lib/err.h"
#include "market/types.h"

typedef enum market_text_class {
    MARKET_TEXT_ATTR_KEY,  /* [a-z0-9][a-z0-9._/-]* */
    MARKET_TEXT_TOKEN,     /* printable ASCII without space (0x21..0x7e) */
    MARKET_TEXT_PRINTABLE, /* printable ASCII (0x20..0x7e) */
    MARKET_TEXT_DNS_LABEL, /* [a-z0-9]([a-z0-9-]*[a-z0-9])? */
    MARKET_TEXT_ENV_NAME,  /* [A-Za-z_][A-Za-z0-9_]* */
} market_text_class;

/* AG_ERR_TOO_LARGE above MARKET_MSG_MAX_BYTES. */
ag_err market_pb_check_size(size_t len, const char *what);

/* Count the fields on `path` (tx_wire.h) and refuse more than max. */
ag_err market_pb_cap(const uint8_t *in, size_t len, const uint32_t *path, size_t depth, size_t max,
                     const char *what);

/* AG_ERR_DECODE if m or any sub-message carries unknown fields. */
ag_err market_pb_no_unknown(const ProtobufCMessage *m, const char *what);

/* A bech32 "agora1..." address. */
ag_err market_pb_address(crypto_address *out, const ProtobufCBinaryData *s, const char *what);

/* Check s against [min, max] bytes and the class; copy it NUL-terminated to
 * out (which holds max + 1 bytes) when out is non-NULL. */
ag_err market_pb_text(char *out, const ProtobufCBinaryData *s, size_t min, size_t max,
                      market_text_class cls, const char *what);

/* A set of attributes: valid keys and values, unique keys, at most
 * MARKET_MAX_ATTRIBUTES. */
ag_err market_pb_attributes(market_attributes *out, Agora__Market__V1__Attribute *const *in,
                            size_t n, const char *what);

/* A resource vector within the maxima, its GPU attributes (only with gpus > 0).
 * NULL is the zero vector. */
ag_err market_pb_resources(market_resources *out, market_attributes *gpu,
                           const Agora__Market__V1__Resources *in, const char *what);

/* Floor prices: a valid denom, five canonical amounts (zero allowed). */
ag_err market_pb_prices(market_prices *out, const Agora__Market__V1__ResourcePrices *in,
                        const char *what);

/* A coin: present, valid denom, canonical amount, positive if `positive`. */
ag_err market_pb_coin(market_coin *out, const Cosmos__Base__V1beta1__Coin *in, bool positive,
                      const char *what);

/* An offer's description (host URI, attributes, capacity, GPU model, prices). */
ag_err market_pb_offer_spec(market_offer_spec *out, const ProtobufCBinaryData *host_uri,
                            Agora__Market__V1__Attribute *const *attrs, size_t n_attrs,
                            const Agora__Market__V1__Resources *capacity,
                            const Agora__Market__V1__ResourcePrices *prices, const char *what);

/* A workload's rules (msg.h, MsgCreateOrder) and summary. */
ag_err market_pb_workload(market_workload_summary *out, const Agora__Market__V1__Workload *w,
                          const char *what);

/* Wire caps of a Workload whose services sit at path[0..depth) (depth 0:
 * the Workload itself; 1: a field of the enclosing message). */
ag_err market_pb_workload_caps(const uint8_t *in, size_t len, const uint32_t *prefix, size_t depth,
                               const char *what);

/* Fill protobuf-c values from C ones for encoding. The returned pointers
 * borrow from the C values (and from strs, which holds 5 amount strings). */
void market_pb_fill_resources(Agora__Market__V1__Resources *out, const market_resources *in);
void market_pb_fill_prices(Agora__Market__V1__ResourcePrices *out, const market_prices *in,
                           char strs[5][MARKET_AMOUNT_STR_MAX]);
void market_pb_fill_coin(Cosmos__Base__V1beta1__Coin *out, const market_coin *in,
                         char str[MARKET_AMOUNT_STR_MAX]);
/* Point out at the bech32 form of a, written to buf. */
ag_err market_pb_fill_address(ProtobufCBinaryData *out, char buf[CRYPTO_ADDRESS_STR_MAX],
                              const crypto_address *a);
/* Point out at the NUL-terminated s. */
void market_pb_fill_text(ProtobufCBinaryData *out, const char *s);
/* Attribute arrays: items and ptrs hold MARKET_MAX_ATTRIBUTES each. */
void market_pb_fill_attributes(Agora__Market__V1__Attribute *items,
                               Agora__Market__V1__Attribute **ptrs, const market_attributes *in);

#endif
