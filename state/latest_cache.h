/*
 * latest_cache.h — a bounded in-memory copy of hot entries of the store's
 * latest state (the LATEST column family), so reads of accounts and
 * balances on the tx path skip RocksDB's memtable and block lookups.
 *
 * Coherence: filled on a read miss with what RocksDB returned, and updated
 * with every staged write (put or delete) once the commit carrying it is
 * durable (state_store_finish_commit) — the only writer of LATEST. So a hit
 * returns exactly what RocksDB would: reads never depend on the cache.
 * Direct-mapped; small keys and values only; thread-safe (one mutex).
 * Owned by the store.
 */
#ifndef AGORA_STATE_LATEST_CACHE_H
#define AGORA_STATE_LATEST_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"

typedef struct state_latest_cache state_latest_cache;

/* AG_ERR_NOMEM. slots: a power of two. */
ag_err state_latest_cache_new(state_latest_cache **out, size_t slots);
void state_latest_cache_free(state_latest_cache *c);

/* On a hit, appends the value to out (AG_OK) and returns true; false on a
 * miss. *err gets ag_buf_append's error on a hit whose append failed. */
bool state_latest_cache_get(state_latest_cache *c, const uint8_t *key, size_t klen, ag_buf *out,
                            ag_err *err);
/* Remember key -> value (ignored when either is too large for a slot). */
void state_latest_cache_put(state_latest_cache *c, const uint8_t *key, size_t klen,
                            const uint8_t *value, size_t vlen);
/* Forget key (a delete, or a value too large to keep). */
void state_latest_cache_drop(state_latest_cache *c, const uint8_t *key, size_t klen);

#endif
