/* smt_cache.c — LRU cache of the latest node record of each nibble path,
 * holding encoded records (about half the size of decoded ones), bounded by
 * bytes, guarded by one mutex (commit workers share it). */
#include <stdlib.h>
#include <string.h>

#include "state/smt.h"

typedef struct cache_entry {
    struct cache_entry *chain;       /* bucket chain */
    struct cache_entry *prev, *next; /* LRU list, most recent first */
    uint8_t key[STATE_SMT_PATH_MAX];
    uint8_t klen;
    uint64_t version;
    size_t len;
    uint8_t rec[]; /* encoded node */
} cache_entry;

struct state_smt_cache {
    pthread_mutex_t lock;
    cache_entry **buckets;
    size_t nbuckets, count, bytes, max_bytes;
    cache_entry *head, *tail;
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

static size_t bucket_in(size_t nbuckets, const uint8_t *key, size_t klen)
{
    uint64_t x = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < klen; i++)
        x = (x ^ key[i]) * 1099511628211ULL;
    return (size_t)(x & (nbuckets - 1));
}

static size_t bucket_of(const state_smt_cache *c, const uint8_t *key, size_t klen)
{
    return bucket_in(c->nbuckets, key, klen);
}

ag_err state_smt_cache_new(state_smt_cache **out, size_t max_bytes)
{
    state_smt_cache *c = calloc(1, sizeof *c);
    if (!c)
        return ag_err_set(AG_ERR_NOMEM, "node cache");
    c->nbuckets = 1024;
    c->buckets = calloc(c->nbuckets, sizeof *c->buckets);
    if (!c->buckets) {
        free(c);
        return ag_err_set(AG_ERR_NOMEM, "node cache");
    }
    c->max_bytes = max_bytes;
    pthread_mutex_init(&c->lock, NULL);
    *out = c;
    return AG_OK;
}

void state_smt_cache_free(state_smt_cache *c)
{
    if (!c)
        return;
    cache_entry *e = c->head;
    while (e) {
        cache_entry *next = e->next;
        free(e);
        e = next;
    }
    free(c->buckets);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static cache_entry **find_slot(state_smt_cache *c, const uint8_t *key, size_t klen)
{
    cache_entry **pp = &c->buckets[bucket_of(c, key, klen)];
    while (*pp && ((*pp)->klen != klen || memcmp((*pp)->key, key, klen) != 0))
        pp = &(*pp)->chain;
    return pp;
}

static void lru_unlink(state_smt_cache *c, cache_entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        c->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        c->tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_push_front(state_smt_cache *c, cache_entry *e)
{
    e->prev = NULL;
    e->next = c->head;
    if (c->head)
        c->head->prev = e;
    c->head = e;
    if (!c->tail)
        c->tail = e;
}

static void remove_entry(state_smt_cache *c, cache_entry **pp)
{
    cache_entry *e = *pp;
    *pp = e->chain;
    lru_unlink(c, e);
    c->count--;
    c->bytes -= sizeof *e + e->len;
    free(e);
}

static void grow(state_smt_cache *c)
{
    size_t n = c->nbuckets * 2;
    cache_entry **b = calloc(n, sizeof *b);
    if (!b)
        return; /* keep the old table: slower, still correct */
    for (size_t i = 0; i < c->nbuckets; i++) {
        cache_entry *e = c->buckets[i];
        while (e) {
            cache_entry *next = e->chain;
            size_t k = bucket_in(n, e->key, e->klen);
            e->chain = b[k];
            b[k] = e;
            e = next;
        }
    }
    free(c->buckets);
    c->buckets = b;
    c->nbuckets = n;
}

bool state_smt_cache_get(state_smt_cache *c, const crypto_hash *h, unsigned depth, uint64_t version,
                         state_smt_node *out)
{
    uint8_t key[STATE_SMT_PATH_MAX];
    size_t klen = path_key(key, h, depth);
    bool hit = false;
    pthread_mutex_lock(&c->lock);
    cache_entry *e = *find_slot(c, key, klen);
    if (e && e->version == version && state_smt_node_decode(out, e->rec, e->len) == AG_OK) {
        lru_unlink(c, e);
        lru_push_front(c, e);
        hit = true;
    }
    pthread_mutex_unlock(&c->lock);
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
    cache_entry *e = malloc(sizeof *e + len);
    if (!e)
        return; /* a cache may always decline */
    memcpy(e->key, key, klen);
    e->klen = (uint8_t)klen;
    e->version = version;
    e->len = len;
    memcpy(e->rec, rec, len);

    pthread_mutex_lock(&c->lock);
    cache_entry **pp = find_slot(c, key, klen);
    if (*pp)
        remove_entry(c, pp);
    size_t b = bucket_of(c, key, klen);
    e->chain = c->buckets[b];
    c->buckets[b] = e;
    e->prev = e->next = NULL;
    lru_push_front(c, e);
    c->count++;
    c->bytes += sizeof *e + e->len;
    while (c->bytes > c->max_bytes && c->tail) { /* may evict e itself if the budget is tiny */
        cache_entry *t = c->tail;
        remove_entry(c, find_slot(c, t->key, t->klen));
    }
    if (c->count > c->nbuckets)
        grow(c);
    pthread_mutex_unlock(&c->lock);
}

void state_smt_cache_remove(state_smt_cache *c, const crypto_hash *h, unsigned depth)
{
    uint8_t key[STATE_SMT_PATH_MAX];
    size_t klen = path_key(key, h, depth);
    pthread_mutex_lock(&c->lock);
    cache_entry **pp = find_slot(c, key, klen);
    if (*pp)
        remove_entry(c, pp);
    pthread_mutex_unlock(&c->lock);
}

size_t state_smt_cache_bytes(state_smt_cache *c)
{
    pthread_mutex_lock(&c->lock);
    size_t b = c->bytes;
    pthread_mutex_unlock(&c->lock);
    return b;
}
