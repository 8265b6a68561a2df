/* latest_cache.c — the latest-state read cache (rules in latest_cache.h). */
#include "state/latest_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/hash.h"

#define KEY_CAP 48  /* market keys: prefix + 20-byte address + denom, ids */
#define VAL_CAP 208 /* accounts, balances, small records */

typedef struct slot {
    uint8_t klen, used;
    uint8_t vlen;
    uint8_t key[KEY_CAP];
    uint8_t val[VAL_CAP];
} slot;

struct state_latest_cache {
    pthread_mutex_t mu;
    size_t mask;
    slot *slots;
};

ag_err state_latest_cache_new(state_latest_cache **out, size_t slots)
{
    *out = NULL;
    if (slots == 0 || (slots & (slots - 1)) != 0)
        return ag_err_set(AG_ERR_INVALID_ARG, "latest cache: %zu slots (a power of two)", slots);
    state_latest_cache *c = calloc(1, sizeof *c);
    if (c)
        c->slots = calloc(slots, sizeof *c->slots);
    if (!c || !c->slots) {
        free(c);
        return ag_err_set(AG_ERR_NOMEM, "latest cache of %zu slots", slots);
    }
    pthread_mutex_init(&c->mu, NULL);
    c->mask = slots - 1;
    *out = c;
    return AG_OK;
}

void state_latest_cache_free(state_latest_cache *c)
{
    if (!c)
        return;
    pthread_mutex_destroy(&c->mu);
    free(c->slots);
    free(c);
}

/* FNV-1a: keys share long prefixes, so mix every byte. */
static size_t slot_of(const state_latest_cache *c, const uint8_t *key, size_t klen)
{
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < klen; i++)
        h = (h ^ key[i]) * 1099511628211u;
    return (size_t)(h ^ (h >> 29)) & c->mask;
}

static bool same_key(const slot *s, const uint8_t *key, size_t klen)
{
    return s->used && s->klen == klen && memcmp(s->key, key, klen) == 0;
}

bool state_latest_cache_get(state_latest_cache *c, const uint8_t *key, size_t klen, ag_buf *out,
                            ag_err *err)
{
    if (klen > KEY_CAP)
        return false;
    uint8_t val[VAL_CAP];
    size_t vlen = 0;
    pthread_mutex_lock(&c->mu);
    slot *s = &c->slots[slot_of(c, key, klen)];
    bool hit = same_key(s, key, klen);
    if (hit) {
        vlen = s->vlen;
        memcpy(val, s->val, vlen);
    }
    pthread_mutex_unlock(&c->mu);
    if (hit)
        *err = ag_buf_append(out, val, vlen);
    return hit;
}

void state_latest_cache_put(state_latest_cache *c, const uint8_t *key, size_t klen,
                            const uint8_t *value, size_t vlen)
{
    if (klen > KEY_CAP)
        return;
    if (vlen > VAL_CAP) {
        state_latest_cache_drop(c, key, klen);
        return;
    }
    pthread_mutex_lock(&c->mu);
    slot *s = &c->slots[slot_of(c, key, klen)];
    s->used = 1;
    s->klen = (uint8_t)klen;
    memcpy(s->key, key, klen);
    s->vlen = (uint8_t)vlen;
    memcpy(s->val, value, vlen);
    pthread_mutex_unlock(&c->mu);
}

void state_latest_cache_drop(state_latest_cache *c, const uint8_t *key, size_t klen)
{
    if (klen > KEY_CAP)
        return;
    pthread_mutex_lock(&c->mu);
    slot *s = &c->slots[slot_of(c, key, klen)];
    if (same_key(s, key, klen))
        s->used = 0;
    pthread_mutex_unlock(&c->mu);
}
