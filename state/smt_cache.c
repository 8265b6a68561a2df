/* smt_cache.c — cache of the latest node record of each nibble path.
 *
 * Holds encoded records (about half the size of decoded ones), bounded by
 * bytes. Sixteen shards, each with its own lock, so the two commit workers
 * rarely wait for each other; CLOCK eviction, so a hit only sets a
 * reference bit instead of relinking a list (which touched two more random
 * entries per hit, under the lock). */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "state/smt.h"

#define CACHE_SHARDS 16

typedef struct cache_entry {
    struct cache_entry *chain; /* bucket chain */
    size_t slot;               /* index in the shard's clock ring */
    uint64_t version;
    size_t len;
    uint8_t key[STATE_SMT_PATH_MAX];
    uint8_t klen;
    uint8_t referenced;
    uint8_t rec[]; /* encoded node */
} cache_entry;

typedef struct cache_shard {
    pthread_mutex_t lock;
    cache_entry **buckets;
    size_t nbuckets;
    cache_entry **ring; /* every entry, for the clock hand */
    size_t count, ring_cap, hand, bytes;
} cache_shard;

struct state_smt_cache {
    size_t shard_bytes;
    _Atomic uint64_t hits, misses;
    cache_shard shard[CACHE_SHARDS];
};

static size_t path_key(uint8_t out[STATE_SMT_PATH_MAX], const crypto_hash *h, unsigned depth)
{
    out[0] = (uint8_t)depth;
    size_t nbytes = (depth + 1) / 2;
    memcpy(out + 1, h->b, nbytes);
    if (depth % 2)
        out[nbytes] &= 0xf0;
    return 1 + nbytes;
}

static uint64_t key_hash64(const uint8_t *key, size_t klen)
{
    uint64_t x = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < klen; i++)
        x = (x ^ key[i]) * 1099511628211ULL;
    return x ^ (x >> 29);
}

ag_err state_smt_cache_new(state_smt_cache **out, size_t max_bytes)
{
    state_smt_cache *c = calloc(1, sizeof *c);
    if (!c)
        return ag_err_set(AG_ERR_NOMEM, "node cache");
    c->shard_bytes = max_bytes / CACHE_SHARDS;
    for (int i = 0; i < CACHE_SHARDS; i++) {
        cache_shard *s = &c->shard[i];
        s->nbuckets = 256;
        s->buckets = calloc(s->nbuckets, sizeof *s->buckets);
        if (!s->buckets) {
            state_smt_cache_free(c);
            return ag_err_set(AG_ERR_NOMEM, "node cache");
        }
        pthread_mutex_init(&s->lock, NULL);
    }
    *out = c;
    return AG_OK;
}

void state_smt_cache_free(state_smt_cache *c)
{
    if (!c)
        return;
    for (int i = 0; i < CACHE_SHARDS; i++) {
        cache_shard *s = &c->shard[i];
        for (size_t k = 0; k < s->count; k++)
            free(s->ring[k]);
        free(s->ring);
        free(s->buckets);
        if (s->buckets || s->ring)
            pthread_mutex_destroy(&s->lock);
    }
    free(c);
}

static cache_shard *shard_of(state_smt_cache *c, uint64_t h)
{
    return &c->shard[h >> 60];
}

static cache_entry **find_slot(cache_shard *s, uint64_t h, const uint8_t *key, size_t klen)
{
    cache_entry **pp = &s->buckets[h & (s->nbuckets - 1)];
    while (*pp && ((*pp)->klen != klen || memcmp((*pp)->key, key, klen) != 0))
        pp = &(*pp)->chain;
    return pp;
}

/* Unlink from its chain (pp points at it) and from the ring, and free. */
static void remove_entry(cache_shard *s, cache_entry **pp)
{
    cache_entry *e = *pp;
    *pp = e->chain;
    cache_entry *last = s->ring[--s->count];
    s->ring[e->slot] = last;
    last->slot = e->slot;
    if (s->hand >= s->count)
        s->hand = 0;
    s->bytes -= sizeof *e + e->len;
    free(e);
}

static void grow(cache_shard *s)
{
    size_t n = s->nbuckets * 2;
    cache_entry **b = calloc(n, sizeof *b);
    if (!b)
        return; /* keep the old table: slower, still correct */
    for (size_t i = 0; i < s->count; i++) {
        cache_entry *e = s->ring[i];
        size_t k = key_hash64(e->key, e->klen) & (n - 1);
        e->chain = b[k];
        b[k] = e;
    }
    free(s->buckets);
    s->buckets = b;
    s->nbuckets = n;
}

/* Evict by CLOCK until the shard fits its budget. */
static void evict(cache_shard *s, size_t budget)
{
    while (s->bytes > budget && s->count) {
        cache_entry *e = s->ring[s->hand];
        if (e->referenced) {
            e->referenced = 0;
            s->hand = (s->hand + 1) % s->count;
            continue;
        }
        remove_entry(s, find_slot(s, key_hash64(e->key, e->klen), e->key, e->klen));
    }
}

bool state_smt_cache_get(state_smt_cache *c, const crypto_hash *h, unsigned depth, uint64_t version,
                         state_smt_node *out)
{
    uint8_t key[STATE_SMT_PATH_MAX];
    size_t klen = path_key(key, h, depth);
    uint64_t hv = key_hash64(key, klen);
    cache_shard *s = shard_of(c, hv);
    bool hit = false;
    pthread_mutex_lock(&s->lock);
    cache_entry *e = *find_slot(s, hv, key, klen);
    if (e && e->version == version && state_smt_node_decode(out, e->rec, e->len) == AG_OK) {
        e->referenced = 1;
        hit = true;
    }
    pthread_mutex_unlock(&s->lock);
    atomic_fetch_add_explicit(hit ? &c->hits : &c->misses, 1, memory_order_relaxed);
    return hit;
}

void state_smt_cache_put(state_smt_cache *c, const crypto_hash *h, unsigned depth, uint64_t version,
                         const state_smt_node *n)
{
    ag_buf rec;
    ag_buf_init(&rec, STATE_SMT_NODE_MAX);
    if (state_smt_node_encode(n, &rec) == AG_OK)
        state_smt_cache_put_encoded(c, h, depth, version, rec.data, rec.len);
    ag_buf_free(&rec);
}

void state_smt_cache_put_encoded(state_smt_cache *c, const crypto_hash *h, unsigned depth,
                                 uint64_t version, const uint8_t *rec, size_t len)
{
    uint8_t key[STATE_SMT_PATH_MAX];
    size_t klen = path_key(key, h, depth);
    uint64_t hv = key_hash64(key, klen);
    cache_shard *s = shard_of(c, hv);
    if (sizeof(cache_entry) + len > c->shard_bytes)
        return; /* a budget this small caches nothing */
    cache_entry *e = malloc(sizeof *e + len);
    if (!e)
        return; /* a cache may always decline */
    memcpy(e->key, key, klen);
    e->klen = (uint8_t)klen;
    e->version = version;
    e->len = len;
    e->referenced = 1;
    memcpy(e->rec, rec, len);

    pthread_mutex_lock(&s->lock);
    cache_entry **pp = find_slot(s, hv, key, klen);
    if (*pp) {
        remove_entry(s, pp);
        pp = find_slot(s, hv, key, klen);
    }
    if (s->count == s->ring_cap) {
        size_t cap = s->ring_cap ? s->ring_cap * 2 : 256;
        cache_entry **r = realloc(s->ring, cap * sizeof *r);
        if (!r) {
            pthread_mutex_unlock(&s->lock);
            free(e);
            return;
        }
        s->ring = r;
        s->ring_cap = cap;
    }
    e->chain = NULL;
    *pp = e;
    e->slot = s->count;
    s->ring[s->count++] = e;
    s->bytes += sizeof *e + len;
    evict(s, c->shard_bytes);
    if (s->count > s->nbuckets)
        grow(s);
    pthread_mutex_unlock(&s->lock);
}

void state_smt_cache_remove(state_smt_cache *c, const crypto_hash *h, unsigned depth)
{
    uint8_t key[STATE_SMT_PATH_MAX];
    size_t klen = path_key(key, h, depth);
    uint64_t hv = key_hash64(key, klen);
    cache_shard *s = shard_of(c, hv);
    pthread_mutex_lock(&s->lock);
    cache_entry **pp = find_slot(s, hv, key, klen);
    if (*pp)
        remove_entry(s, pp);
    pthread_mutex_unlock(&s->lock);
}

size_t state_smt_cache_bytes(state_smt_cache *c)
{
    size_t total = 0;
    for (int i = 0; i < CACHE_SHARDS; i++) {
        pthread_mutex_lock(&c->shard[i].lock);
        total += c->shard[i].bytes;
        pthread_mutex_unlock(&c->shard[i].lock);
    }
    return total;
}

void state_smt_cache_counts(state_smt_cache *c, uint64_t *hits, uint64_t *misses)
{
    *hits = atomic_load(&c->hits);
    *misses = atomic_load(&c->misses);
}
