/* kv_memory.c — the KV interface over one ordered map per column family.
 * A batch is an ordered log of operations replayed at write. */
#include <stdlib.h>
#include <string.h>

#include "state/kv.h"
#include "state/omap.h"

typedef struct mem_kv {
    state_kv base;
    state_omap cf[STATE_CF__COUNT];
} mem_kv;

struct state_kv_batch {
    ag_buf log; /* op(1) cf(1) klen(4) vlen(4) key val ... */
};

struct state_kv_iter {
    const state_omap *map;
    const state_omap_node *pos;
};

static ag_err mem_get(state_kv *kv, state_cf cf, const uint8_t *key, size_t klen, ag_buf *val)
{
    const uint8_t *v;
    size_t vlen;
    if (!state_omap_get(&((mem_kv *)kv)->cf[cf], key, klen, &v, &vlen))
        return AG_ERR_NOT_FOUND;
    return ag_buf_append(val, v, vlen);
}

static ag_err mem_batch_new(state_kv *kv, state_kv_batch **out)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return ag_err_set(AG_ERR_NOMEM, "kv: batch");
    ag_buf_init(&(*out)->log, 0);
    return AG_OK;
}

static ag_err log_op(state_kv_batch *b, uint8_t op, state_cf cf, const uint8_t *key, size_t klen,
                     const uint8_t *val, size_t vlen)
{
    uint8_t hdr[10] = {op, (uint8_t)cf};
    uint32_t kl = (uint32_t)klen, vl = (uint32_t)vlen;
    memcpy(hdr + 2, &kl, 4);
    memcpy(hdr + 6, &vl, 4);
    ag_err err = ag_buf_reserve(&b->log, sizeof hdr + klen + vlen);
    if (err)
        return err;
    ag_buf_append(&b->log, hdr, sizeof hdr);
    ag_buf_append(&b->log, key, klen);
    return ag_buf_append(&b->log, val, vlen);
}

static ag_err mem_put(state_kv_batch *b, state_cf cf, const uint8_t *key, size_t klen,
                      const uint8_t *val, size_t vlen)
{
    return log_op(b, 'P', cf, key, klen, val, vlen);
}

static ag_err mem_del(state_kv_batch *b, state_cf cf, const uint8_t *key, size_t klen)
{
    return log_op(b, 'D', cf, key, klen, NULL, 0);
}

static ag_err mem_write(state_kv *kv, state_kv_batch *b, bool sync)
{
    mem_kv *m = (mem_kv *)kv;
    /* A test backend: only an allocation failure could stop this loop
     * half-way, and tests do not run the machine out of memory. */
    const uint8_t *p = b->log.data, *end = p + b->log.len;
    while (p < end) {
        uint32_t kl, vl;
        memcpy(&kl, p + 2, 4);
        memcpy(&vl, p + 6, 4);
        const uint8_t *k = p + 10, *v = k + kl;
        if (p[0] == 'P') {
            ag_err err = state_omap_put(&m->cf[p[1]], k, kl, v, vl);
            if (err)
                return err;
        } else {
            state_omap_del(&m->cf[p[1]], k, kl);
        }
        p = v + vl;
    }
    return AG_OK;
}

static void mem_batch_free(state_kv_batch *b)
{
    if (!b)
        return;
    ag_buf_free(&b->log);
    free(b);
}

static ag_err mem_iter_new(state_kv *kv, state_cf cf, state_kv_iter **out)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return ag_err_set(AG_ERR_NOMEM, "kv: iterator");
    (*out)->map = &((mem_kv *)kv)->cf[cf];
    return AG_OK;
}

static void mem_iter_seek(state_kv_iter *it, const uint8_t *key, size_t klen)
{
    it->pos = state_omap_seek(it->map, key, klen);
}

static bool mem_iter_valid(state_kv_iter *it)
{
    return it->pos != NULL;
}

static void mem_iter_next(state_kv_iter *it)
{
    it->pos = state_omap_next(it->pos);
}

static void mem_iter_entry(state_kv_iter *it, const uint8_t **key, size_t *klen,
                           const uint8_t **val, size_t *vlen)
{
    state_omap_entry(it->pos, key, klen, val, vlen);
}

static ag_err mem_iter_status(state_kv_iter *it)
{
    return AG_OK;
}

static void mem_iter_free(state_kv_iter *it)
{
    free(it);
}

static void mem_close(state_kv *kv)
{
    mem_kv *m = (mem_kv *)kv;
    for (int i = 0; i < STATE_CF__COUNT; i++)
        state_omap_free(&m->cf[i]);
    free(m);
}

static const state_kv_ops mem_ops = {
    .get = mem_get,
    .batch_new = mem_batch_new,
    .put = mem_put,
    .del = mem_del,
    .write = mem_write,
    .batch_free = mem_batch_free,
    .iter_new = mem_iter_new,
    .iter_seek = mem_iter_seek,
    .iter_valid = mem_iter_valid,
    .iter_next = mem_iter_next,
    .iter_entry = mem_iter_entry,
    .iter_status = mem_iter_status,
    .iter_free = mem_iter_free,
    .close = mem_close,
};

ag_err state_kv_open_memory(state_kv **out)
{
    mem_kv *m = calloc(1, sizeof *m);
    if (!m)
        return ag_err_set(AG_ERR_NOMEM, "kv: memory store");
    m->base.ops = &mem_ops;
    for (int i = 0; i < STATE_CF__COUNT; i++)
        state_omap_init(&m->cf[i]);
    *out = &m->base;
    return AG_OK;
}
