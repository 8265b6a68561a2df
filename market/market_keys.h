/*
 * market_keys.h — where the market modules keep their state in the store.
 *
 * The first byte of every key is a prefix in 0x10..0x3F (0x01..0x0F belong
 * to auth and bank). Ids are uint64 and heights int64 >= 0, both written
 * big-endian in 8 bytes so that byte order is numeric order and a prefix
 * scan walks ids or heights in ascending order. Addresses are the 20 raw
 * bytes. Index entries have an empty value: the key says everything.
 *
 *   0x10 kind                         next id of `kind` (value: 8 bytes BE)
 *   0x11                              Params (records.h encoding)
 *   0x20 offer_id                     Offer
 *   0x21 provider offer_id            index: offers by provider
 *   0x28 order_id                     Order
 *   0x29 tenant order_id              index: orders by tenant (owner)
 *   0x2A closing_height order_id      index: open orders by auction end
 *   0x30 bid_id                       Bid
 *   0x31 order_id bid_id              index: bids by order
 *   0x32 provider bid_id              index: bids by provider
 *   0x38 lease_id                     Lease
 *   0x39 tenant lease_id              index: leases by tenant (owner)
 *   0x3A provider lease_id            index: leases by provider
 *   0x3B exhaustion_height lease_id   index: active leases by exhaustion height
 *   0x3F prune_height kind id         index: closed items to delete at prune_height
 *
 * `kind` is one byte: MARKET_KIND_OFFER .. MARKET_KIND_LEASE.
 */
#ifndef AGORA_MARKET_MARKET_KEYS_H
#define AGORA_MARKET_MARKET_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/address.h"
#include "lib/err.h"

#define MARKET_KEY_SEQUENCE          0x10
#define MARKET_KEY_PARAMS            0x11
#define MARKET_KEY_OFFER             0x20
#define MARKET_KEY_OFFER_BY_PROVIDER 0x21
#define MARKET_KEY_ORDER             0x28
#define MARKET_KEY_ORDER_BY_TENANT   0x29
#define MARKET_KEY_ORDER_BY_CLOSING  0x2A
#define MARKET_KEY_BID               0x30
#define MARKET_KEY_BID_BY_ORDER      0x31
#define MARKET_KEY_BID_BY_PROVIDER   0x32
#define MARKET_KEY_LEASE             0x38
#define MARKET_KEY_LEASE_BY_TENANT   0x39
#define MARKET_KEY_LEASE_BY_PROVIDER 0x3A
#define MARKET_KEY_LEASE_BY_EXHAUST  0x3B
#define MARKET_KEY_PRUNE             0x3F

typedef enum market_kind {
    MARKET_KIND_OFFER = 1,
    MARKET_KIND_ORDER = 2,
    MARKET_KIND_BID = 3,
    MARKET_KIND_LEASE = 4,
} market_kind;

/* The longest key: prefix + address + id (a height key is 18 bytes). */
#define MARKET_KEY_MAX (1 + CRYPTO_ADDRESS_LEN + 8)

typedef struct market_key {
    uint8_t b[MARKET_KEY_MAX];
    size_t len;
} market_key;

/* 0x10 kind */
void market_key_sequence(market_key *out, market_kind kind);
/* 0x11 */
void market_key_params(market_key *out);
/* A record by id: prefix MARKET_KEY_OFFER, _ORDER, _BID or _LEASE, then id. */
void market_key_record(market_key *out, uint8_t prefix, uint64_t id);
/* An owner index (0x21, 0x29, 0x32, 0x39, 0x3A): prefix, address, id. With
 * id_len 0 (market_key_owner_prefix) the prefix to scan one owner's items. */
void market_key_by_owner(market_key *out, uint8_t prefix, const crypto_address *owner, uint64_t id);
void market_key_owner_prefix(market_key *out, uint8_t prefix, const crypto_address *owner);
/* 0x31 order_id bid_id (and the prefix of one order's bids). */
void market_key_bid_by_order(market_key *out, uint64_t order_id, uint64_t bid_id);
void market_key_bids_of_order(market_key *out, uint64_t order_id);
/* A height index (0x2A, 0x3B): prefix, height, id. AG_ERR_INVALID_ARG for a
 * negative height. */
ag_err market_key_by_height(market_key *out, uint8_t prefix, int64_t height, uint64_t id);
/* 0x3F prune_height kind id. */
ag_err market_key_prune(market_key *out, int64_t height, market_kind kind, uint64_t id);

/* Read back the trailing id of any key above (its last 8 bytes);
 * AG_ERR_LENGTH when the key is shorter than 9 bytes. */
ag_err market_key_trailing_id(uint64_t *id, const uint8_t *key, size_t len);
/* The height of a 0x2A / 0x3B / 0x3F key. AG_ERR_LENGTH, AG_ERR_DECODE. */
ag_err market_key_height(int64_t *height, const uint8_t *key, size_t len);

/* 8-byte big-endian ids (the value of a 0x10 key). */
void market_be64_put(uint8_t out[8], uint64_t v);
uint64_t market_be64_get(const uint8_t in[8]);

#endif
