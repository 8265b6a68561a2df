/*
 * kv.h — write-caching layers over the store, for write isolation.
 *
 * A layer holds staged sets and deletes over a parent: another layer, or
 * the store's working set. Reads look through the layers top-down, then
 * the store. market_kv_flush moves a layer's writes into its parent (one
 * tx's writes into the block's, say); market_kv_clear drops them.
 *
 * The application stacks them as: store (block writes, committed at the end
 * of FinalizeBlock) <- ante layer (fee, sequence) <- message layer (dropped
 * if any message fails or gas runs out). CheckTx keeps its own layer over
 * the committed store, reset on Commit. Not thread-safe.
 */
#ifndef AGORA_MARKET_KV_H
#define AGORA_MARKET_KV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "state/omap.h"
#include "state/store.h"

typedef struct market_kv {
    struct market_kv *parent; /* NULL: writes go to `store` */
    state_store *store;
    state_omap writes; /* key -> 'S' value, or 'D' */
    uint64_t version;  /* bottom layer only: 0 reads the working set, else that
                        * committed version (read-only views for queries) */
} market_kv;

/* A layer over parent (or over store when parent is NULL). Both borrowed
 * until market_kv_free. */
void market_kv_init(market_kv *kv, market_kv *parent, state_store *store);
void market_kv_free(market_kv *kv);
/* Drop the staged writes. */
void market_kv_clear(market_kv *kv);
/* Move the staged writes into the parent (or the store); the layer is left
 * empty. On error (memory, store limits) the parent may hold part of them:
 * callers treat that as fatal for the block. */
ag_err market_kv_flush(market_kv *kv);

/* Append the value of key to val: AG_OK, or AG_ERR_NOT_FOUND. */
ag_err market_kv_get(market_kv *kv, const uint8_t *key, size_t klen, ag_buf *val);
/* Store limits apply (1..STATE_KEY_MAX key, 1..STATE_VALUE_MAX value). */
ag_err market_kv_set(market_kv *kv, const uint8_t *key, size_t klen, const uint8_t *val,
                     size_t vlen);
ag_err market_kv_delete(market_kv *kv, const uint8_t *key, size_t klen);

/*
 * Visit the pairs with start <= key < end in ascending order, as this layer
 * sees them (store + every layer below). end NULL: to the end of the
 * keyspace. `visit` returns false to stop. The range is collected first,
 * so visit may write to kv. Costs memory proportional to the range.
 */
typedef bool (*market_kv_visit)(void *arg, const uint8_t *key, size_t klen, const uint8_t *val,
                                size_t vlen);
ag_err market_kv_scan(market_kv *kv, const uint8_t *start, size_t slen, const uint8_t *end,
                      size_t elen, market_kv_visit visit, void *arg);

#endif
