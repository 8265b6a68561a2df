/*
 * omap.h — an ordered map of byte strings (a skip list), in memory.
 *
 * Used where an ordered view of a small, changing set is needed: the store's
 * staged writes (merged over the committed state by iterators) and the
 * in-memory KV backend that tests run the store on. Keys compare as
 * unsigned bytes, shorter first on a common prefix (memcmp order), the
 * order RocksDB uses.
 *
 * Levels come from a fixed-seed PRNG, so the structure (and so any
 * iteration) is the same on every run. Not thread-safe.
 * Ownership: the map copies keys and values; pointers returned by get and
 * the iterator are borrowed until the next modification of the map.
 */
#ifndef AGORA_STATE_OMAP_H
#define AGORA_STATE_OMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/rng.h"

typedef struct state_omap_node state_omap_node;

typedef struct state_omap {
    state_omap_node *head;
    size_t count;
    size_t bytes; /* keys + values held */
    int level;
    ag_rng rng;
} state_omap;

void state_omap_init(state_omap *m);
void state_omap_clear(state_omap *m);
void state_omap_free(state_omap *m);

/* Insert or replace. AG_ERR_NOMEM leaves the map unchanged. */
ag_err state_omap_put(state_omap *m, const uint8_t *key, size_t klen, const uint8_t *val,
                      size_t vlen);
/* The same with the stored value being one tag byte followed by val. */
ag_err state_omap_put_tagged(state_omap *m, const uint8_t *key, size_t klen, uint8_t tag,
                             const uint8_t *val, size_t vlen);
/* Remove if present; returns whether it was. */
bool state_omap_del(state_omap *m, const uint8_t *key, size_t klen);
/* True if present, with the value borrowed through val and vlen. */
bool state_omap_get(const state_omap *m, const uint8_t *key, size_t klen, const uint8_t **val,
                    size_t *vlen);

/* Position: the first entry with key >= the given key (NULL: past the end). */
const state_omap_node *state_omap_seek(const state_omap *m, const uint8_t *key, size_t klen);
const state_omap_node *state_omap_first(const state_omap *m);
const state_omap_node *state_omap_next(const state_omap_node *n);
void state_omap_entry(const state_omap_node *n, const uint8_t **key, size_t *klen,
                      const uint8_t **val, size_t *vlen);

/* memcmp order with length as tie-break, the comparison of every ordered key here. */
int state_key_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

#endif
