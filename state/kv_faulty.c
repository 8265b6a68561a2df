/* kv_faulty.c — forwards everything to the wrapped store, except that it
 * refuses the N-th batch write or N-th synced write (nothing applied). */
#include <stdlib.h>

#include "state/kv.h"

typedef struct faulty_kv {
    state_kv base;
    state_kv *inner;
    uint64_t writes, syncs;
    uint64_t fail_write_at, fail_sync_at;
} faulty_kv;

static state_kv *inner(state_kv *kv)
{
    return ((faulty_kv *)kv)->inner;
}

static ag_err f_get(state_kv *kv, state_cf cf, const uint8_t *key, size_t klen, ag_buf *val)
{
    return inner(kv)->ops->get(inner(kv), cf, key, klen, val);
}

static ag_err f_batch_new(state_kv *kv, state_kv_batch **out)
{
    return inner(kv)->ops->batch_new(inner(kv), out);
}

static ag_err f_write(state_kv *kv, state_kv_batch *b, bool sync)
{
    faulty_kv *f = (faulty_kv *)kv;
    f->writes++;
    if (sync)
        f->syncs++;
    if (f->fail_write_at && f->writes == f->fail_write_at)
        return ag_err_set(AG_ERR_IO, "kv: injected failure of write %llu",
                          (unsigned long long)f->writes);
    if (sync && f->fail_sync_at && f->syncs == f->fail_sync_at)
        return ag_err_set(AG_ERR_IO, "kv: injected fsync failure (synced write %llu)",
                          (unsigned long long)f->syncs);
    return f->inner->ops->write(f->inner, b, sync);
}

static ag_err f_iter_new(state_kv *kv, state_cf cf, state_kv_iter **out)
{
    return inner(kv)->ops->iter_new(inner(kv), cf, out);
}

static void f_close(state_kv *kv)
{
    faulty_kv *f = (faulty_kv *)kv;
    state_kv_close(f->inner);
    free(f);
}

/* Batches and iterators belong to the inner backend, so their functions are
 * the inner ones; the ops table lives right after the struct. */
ag_err state_kv_wrap_faulty(state_kv **out, state_kv *inner_kv, uint64_t fail_write_at,
                            uint64_t fail_sync_at)
{
    faulty_kv *f = calloc(1, sizeof *f + sizeof(state_kv_ops));
    if (!f)
        return ag_err_set(AG_ERR_NOMEM, "kv: faulty wrapper");
    state_kv_ops *ops = (state_kv_ops *)(f + 1);
    *ops = *inner_kv->ops;
    ops->get = f_get;
    ops->batch_new = f_batch_new;
    ops->write = f_write;
    ops->iter_new = f_iter_new;
    ops->close = f_close;
    f->base.ops = ops;
    f->inner = inner_kv;
    f->fail_write_at = fail_write_at;
    f->fail_sync_at = fail_sync_at;
    *out = &f->base;
    return AG_OK;
}

void state_kv_faulty_arm(state_kv *kv, uint64_t fail_write_at, uint64_t fail_sync_at)
{
    faulty_kv *f = (faulty_kv *)kv;
    f->writes = f->syncs = 0;
    f->fail_write_at = fail_write_at;
    f->fail_sync_at = fail_sync_at;
}
