/* omap.c — skip list with p = 1/4 and at most 24 levels (ample for 2^40 entries). */
#include "state/omap.h"

#include <stdlib.h>
#include <string.h>

#define OMAP_MAX_LEVEL 24

/* One allocation per entry: the node, its level pointers, then key and value. */
struct state_omap_node {
    uint8_t *key;
    size_t klen;
    uint8_t *val;
    size_t vlen;
    int level;
    state_omap_node *next[]; /* level entries, then the key and value bytes */
};

int state_key_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int c = n ? memcmp(a, b, n) : 0;
    if (c)
        return c;
    return alen < blen ? -1 : alen > blen;
}

static state_omap_node *node_alloc(int level)
{
    return calloc(1, sizeof(state_omap_node) + (size_t)level * sizeof(state_omap_node *));
}

/* A node with room for klen + vlen bytes after its level pointers. */
static state_omap_node *entry_alloc(int level, size_t klen, size_t vlen)
{
    size_t head = sizeof(state_omap_node) + (size_t)level * sizeof(state_omap_node *);
    state_omap_node *n = malloc(head + klen + vlen + 1);
    if (!n)
        return NULL;
    n->level = level;
    n->key = (uint8_t *)n + head;
    n->klen = klen;
    n->val = n->key + klen;
    n->vlen = vlen;
    return n;
}

void state_omap_init(state_omap *m)
{
    memset(m, 0, sizeof *m);
    m->head = node_alloc(OMAP_MAX_LEVEL);
    m->head->level = OMAP_MAX_LEVEL;
    m->level = 1;
    ag_rng_seed(&m->rng, 0x6f6d6170); /* fixed: same structure on every run */
}

static void node_free(state_omap_node *n)
{
    free(n);
}

void state_omap_clear(state_omap *m)
{
    state_omap_node *n = m->head->next[0];
    while (n) {
        state_omap_node *next = n->next[0];
        node_free(n);
        n = next;
    }
    memset(m->head->next, 0, OMAP_MAX_LEVEL * sizeof(state_omap_node *));
    m->count = m->bytes = 0;
    m->level = 1;
}

void state_omap_free(state_omap *m)
{
    if (!m->head)
        return;
    state_omap_clear(m);
    free(m->head);
    m->head = NULL;
}

/* Fill update[] with the last node before `key` on every level. */
static state_omap_node *find(const state_omap *m, const uint8_t *key, size_t klen,
                             state_omap_node **update)
{
    state_omap_node *x = m->head;
    for (int i = m->level - 1; i >= 0; i--) {
        while (x->next[i] && state_key_cmp(x->next[i]->key, x->next[i]->klen, key, klen) < 0)
            x = x->next[i];
        if (update)
            update[i] = x;
    }
    return x->next[0];
}

static void fill_value(uint8_t *dst, int tag, const uint8_t *val, size_t vlen)
{
    if (tag >= 0)
        *dst++ = (uint8_t)tag;
    if (vlen)
        memcpy(dst, val, vlen);
}

/* tag < 0: the value is val alone; otherwise tag then val. */
static ag_err put(state_omap *m, const uint8_t *key, size_t klen, int tag, const uint8_t *val,
                  size_t vlen)
{
    size_t stored = vlen + (tag >= 0);
    state_omap_node *update[OMAP_MAX_LEVEL];
    state_omap_node *x = find(m, key, klen, update);
    if (x && state_key_cmp(x->key, x->klen, key, klen) == 0 && stored <= x->vlen) {
        m->bytes = m->bytes - x->vlen + stored; /* fits in place */
        fill_value(x->val, tag, val, vlen);
        x->vlen = stored;
        return AG_OK;
    }
    int level = 1;
    if (x && state_key_cmp(x->key, x->klen, key, klen) == 0) {
        level = x->level; /* replace the entry with a larger one, same level */
    } else {
        while (level < OMAP_MAX_LEVEL && (ag_rng_next(&m->rng) & 3) == 0)
            level++;
    }
    state_omap_node *n = entry_alloc(level, klen, stored);
    if (!n)
        return ag_err_set(AG_ERR_NOMEM, "omap: entry of %zu bytes", klen + stored);
    memcpy(n->key, key, klen);
    fill_value(n->val, tag, val, vlen);
    if (x && state_key_cmp(x->key, x->klen, key, klen) == 0) {
        for (int i = 0; i < level; i++) {
            update[i]->next[i] = n;
            n->next[i] = x->next[i];
        }
        m->bytes = m->bytes - x->vlen + stored;
        node_free(x);
        return AG_OK;
    }
    for (int i = m->level; i < level; i++)
        update[i] = m->head;
    if (level > m->level)
        m->level = level;
    for (int i = 0; i < level; i++) {
        n->next[i] = update[i]->next[i];
        update[i]->next[i] = n;
    }
    m->count++;
    m->bytes += klen + stored;
    return AG_OK;
}

ag_err state_omap_put(state_omap *m, const uint8_t *key, size_t klen, const uint8_t *val,
                      size_t vlen)
{
    return put(m, key, klen, -1, val, vlen);
}

ag_err state_omap_put_tagged(state_omap *m, const uint8_t *key, size_t klen, uint8_t tag,
                             const uint8_t *val, size_t vlen)
{
    return put(m, key, klen, tag, val, vlen);
}

bool state_omap_del(state_omap *m, const uint8_t *key, size_t klen)
{
    state_omap_node *update[OMAP_MAX_LEVEL];
    state_omap_node *x = find(m, key, klen, update);
    if (!x || state_key_cmp(x->key, x->klen, key, klen) != 0)
        return false;
    for (int i = 0; i < x->level; i++)
        update[i]->next[i] = x->next[i];
    while (m->level > 1 && !m->head->next[m->level - 1])
        m->level--;
    m->count--;
    m->bytes -= x->klen + x->vlen;
    node_free(x);
    return true;
}

bool state_omap_get(const state_omap *m, const uint8_t *key, size_t klen, const uint8_t **val,
                    size_t *vlen)
{
    state_omap_node *x = find(m, key, klen, NULL);
    if (!x || state_key_cmp(x->key, x->klen, key, klen) != 0)
        return false;
    *val = x->val;
    *vlen = x->vlen;
    return true;
}

const state_omap_node *state_omap_seek(const state_omap *m, const uint8_t *key, size_t klen)
{
    return find(m, key, klen, NULL);
}

const state_omap_node *state_omap_first(const state_omap *m)
{
    return m->head->next[0];
}

const state_omap_node *state_omap_next(const state_omap_node *n)
{
    return n->next[0];
}

void state_omap_entry(const state_omap_node *n, const uint8_t **key, size_t *klen,
                      const uint8_t **val, size_t *vlen)
{
    *key = n->key;
    *klen = n->klen;
    if (val)
        *val = n->val;
    if (vlen)
        *vlen = n->vlen;
}
