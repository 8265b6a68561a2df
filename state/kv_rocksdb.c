/* kv_rocksdb.c — the KV interface on RocksDB, one column family per state_cf.
 * Batches are RocksDB WriteBatches (atomic through the WAL); reads use pinned
 * slices to avoid a copy inside RocksDB. */
#include <stdlib.h>
#include <string.h>

#include <rocksdb/c.h>

#include "state/kv.h"

static const char *const cf_names[STATE_CF__COUNT] = {
    [STATE_CF_META] = "default",  [STATE_CF_LATEST] = "latest", [STATE_CF_NODES] = "nodes",
    [STATE_CF_LEAVES] = "leaves", [STATE_CF_ROOTS] = "roots",   [STATE_CF_STALE] = "stale",
};

typedef struct rdb_kv {
    state_kv base;
    rocksdb_t *db;
    rocksdb_column_family_handle_t *cf[STATE_CF__COUNT];
    rocksdb_options_t *db_opts;
    rocksdb_options_t *cf_opts[STATE_CF__COUNT];
    rocksdb_block_based_table_options_t *table_opts;
    rocksdb_cache_t *cache;
    rocksdb_filterpolicy_t *bloom; /* owned by table_opts once set */
    rocksdb_readoptions_t *ro;
    rocksdb_writeoptions_t *wo_sync, *wo_nosync;
} rdb_kv;

struct state_kv_batch {
    rdb_kv *kv;
    rocksdb_writebatch_t *wb;
};

struct state_kv_iter {
    rocksdb_iterator_t *it;
};

static ag_err r_get(state_kv *kv, state_cf cf, const uint8_t *key, size_t klen, ag_buf *val)
{
    rdb_kv *r = (rdb_kv *)kv;
    char *err = NULL;
    rocksdb_pinnableslice_t *ps =
        rocksdb_get_pinned_cf(r->db, r->ro, r->cf[cf], (const char *)key, klen, &err);
    if (err)
        return ag_err_from_rocksdb(err, "get");
    if (!ps)
        return AG_ERR_NOT_FOUND;
    size_t vlen;
    const char *v = rocksdb_pinnableslice_value(ps, &vlen);
    ag_err e = ag_buf_append(val, v, vlen);
    rocksdb_pinnableslice_destroy(ps);
    return e;
}

static ag_err r_batch_new(state_kv *kv, state_kv_batch **out)
{
    state_kv_batch *b = calloc(1, sizeof *b);
    if (!b)
        return ag_err_set(AG_ERR_NOMEM, "kv: batch");
    b->kv = (rdb_kv *)kv;
    b->wb = rocksdb_writebatch_create();
    *out = b;
    return AG_OK;
}

static ag_err r_put(state_kv_batch *b, state_cf cf, const uint8_t *key, size_t klen,
                    const uint8_t *val, size_t vlen)
{
    rocksdb_writebatch_put_cf(b->wb, b->kv->cf[cf], (const char *)key, klen, (const char *)val,
                              vlen);
    return AG_OK;
}

static ag_err r_del(state_kv_batch *b, state_cf cf, const uint8_t *key, size_t klen)
{
    rocksdb_writebatch_delete_cf(b->wb, b->kv->cf[cf], (const char *)key, klen);
    return AG_OK;
}

static ag_err r_write(state_kv *kv, state_kv_batch *b, bool sync)
{
    rdb_kv *r = (rdb_kv *)kv;
    char *err = NULL;
    rocksdb_write(r->db, sync ? r->wo_sync : r->wo_nosync, b->wb, &err);
    return ag_err_from_rocksdb(err, "write batch");
}

static void r_batch_free(state_kv_batch *b)
{
    if (!b)
        return;
    rocksdb_writebatch_destroy(b->wb);
    free(b);
}

static ag_err r_iter_new(state_kv *kv, state_cf cf, state_kv_iter **out)
{
    rdb_kv *r = (rdb_kv *)kv;
    state_kv_iter *it = calloc(1, sizeof *it);
    if (!it)
        return ag_err_set(AG_ERR_NOMEM, "kv: iterator");
    it->it = rocksdb_create_iterator_cf(r->db, r->ro, r->cf[cf]);
    *out = it;
    return AG_OK;
}

static void r_iter_seek(state_kv_iter *it, const uint8_t *key, size_t klen)
{
    rocksdb_iter_seek(it->it, (const char *)key, klen);
}

static bool r_iter_valid(state_kv_iter *it)
{
    return rocksdb_iter_valid(it->it);
}

static void r_iter_next(state_kv_iter *it)
{
    rocksdb_iter_next(it->it);
}

static void r_iter_entry(state_kv_iter *it, const uint8_t **key, size_t *klen, const uint8_t **val,
                         size_t *vlen)
{
    *key = (const uint8_t *)rocksdb_iter_key(it->it, klen);
    if (val)
        *val = (const uint8_t *)rocksdb_iter_value(it->it, vlen);
}

static ag_err r_iter_status(state_kv_iter *it)
{
    char *err = NULL;
    rocksdb_iter_get_error(it->it, &err);
    return ag_err_from_rocksdb(err, "iterate");
}

static void r_iter_free(state_kv_iter *it)
{
    if (!it)
        return;
    rocksdb_iter_destroy(it->it);
    free(it);
}

static void r_close(state_kv *kv)
{
    rdb_kv *r = (rdb_kv *)kv;
    for (int i = 0; i < STATE_CF__COUNT; i++)
        if (r->cf[i])
            rocksdb_column_family_handle_destroy(r->cf[i]);
    if (r->db)
        rocksdb_close(r->db);
    for (int i = 0; i < STATE_CF__COUNT; i++)
        if (r->cf_opts[i])
            rocksdb_options_destroy(r->cf_opts[i]);
    if (r->db_opts)
        rocksdb_options_destroy(r->db_opts);
    if (r->table_opts)
        rocksdb_block_based_options_destroy(r->table_opts);
    if (r->cache)
        rocksdb_cache_destroy(r->cache);
    if (r->ro)
        rocksdb_readoptions_destroy(r->ro);
    if (r->wo_sync)
        rocksdb_writeoptions_destroy(r->wo_sync);
    if (r->wo_nosync)
        rocksdb_writeoptions_destroy(r->wo_nosync);
    free(r);
}

static const state_kv_ops rdb_ops = {
    .get = r_get,
    .batch_new = r_batch_new,
    .put = r_put,
    .del = r_del,
    .write = r_write,
    .batch_free = r_batch_free,
    .iter_new = r_iter_new,
    .iter_seek = r_iter_seek,
    .iter_valid = r_iter_valid,
    .iter_next = r_iter_next,
    .iter_entry = r_iter_entry,
    .iter_status = r_iter_status,
    .iter_free = r_iter_free,
    .close = r_close,
};

ag_err state_kv_open_rocksdb(state_kv **out, const char *path, const state_kv_rocksdb_options *opts)
{
    state_kv_rocksdb_options o = opts ? *opts : (state_kv_rocksdb_options){0};
    if (!opts)
        o.create_if_missing = true;
    size_t cache_bytes = o.block_cache_bytes ? o.block_cache_bytes : (size_t)256 << 20;
    size_t wbuf = o.write_buffer_bytes ? o.write_buffer_bytes : (size_t)64 << 20;

    rdb_kv *r = calloc(1, sizeof *r);
    if (!r)
        return ag_err_set(AG_ERR_NOMEM, "kv: rocksdb handle");
    r->base.ops = &rdb_ops;
    r->cache = rocksdb_cache_create_lru(cache_bytes);
    r->table_opts = rocksdb_block_based_options_create();
    rocksdb_block_based_options_set_block_cache(r->table_opts, r->cache);
    /* Tree nodes and leaves are read by exact key: a bloom filter skips most
     * SST files that cannot hold the key. */
    rocksdb_block_based_options_set_filter_policy(r->table_opts,
                                                  rocksdb_filterpolicy_create_bloom(10));
    rocksdb_block_based_options_set_cache_index_and_filter_blocks(r->table_opts, 1);
    rocksdb_block_based_options_set_pin_l0_filter_and_index_blocks_in_cache(r->table_opts, 1);

    r->db_opts = rocksdb_options_create();
    rocksdb_options_set_create_if_missing(r->db_opts, o.create_if_missing);
    rocksdb_options_set_create_missing_column_families(r->db_opts, 1);
    rocksdb_options_increase_parallelism(r->db_opts, 2);
    rocksdb_options_set_max_background_jobs(r->db_opts, 2);
    rocksdb_options_set_paranoid_checks(r->db_opts, 1);
    /* One writer (the commit) at a time: skip the concurrent-insert machinery. */
    rocksdb_options_set_allow_concurrent_memtable_write(r->db_opts, 0);

    const rocksdb_options_t *cf_opts[STATE_CF__COUNT];
    for (int i = 0; i < STATE_CF__COUNT; i++) {
        r->cf_opts[i] = rocksdb_options_create_copy(r->db_opts);
        rocksdb_options_set_block_based_table_factory(r->cf_opts[i], r->table_opts);
        rocksdb_options_set_write_buffer_size(r->cf_opts[i], wbuf);
        rocksdb_options_set_level_compaction_dynamic_level_bytes(r->cf_opts[i], 1);
        /* Hashes do not compress; everything else gets LZ4. */
        rocksdb_options_set_compression(r->cf_opts[i], (i == STATE_CF_NODES)
                                                           ? rocksdb_no_compression
                                                           : rocksdb_lz4_compression);
        cf_opts[i] = r->cf_opts[i];
    }

    char *err = NULL;
    r->db = rocksdb_open_column_families(r->db_opts, path, STATE_CF__COUNT, cf_names, cf_opts,
                                         r->cf, &err);
    if (err) {
        ag_err e = ag_err_from_rocksdb(err, path);
        memset(r->cf, 0, sizeof r->cf);
        r->db = NULL;
        r_close(&r->base);
        return e;
    }
    /* RocksDB's per-operation perf counters live in thread-local storage that
     * a shared library reaches through __tls_get_addr: measurable on every
     * put. We read no perf context, so switch the counting off. */
    rocksdb_set_perf_level(rocksdb_disable);
    r->ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_verify_checksums(r->ro, 1);
    r->wo_sync = rocksdb_writeoptions_create();
    rocksdb_writeoptions_set_sync(r->wo_sync, 1);
    r->wo_nosync = rocksdb_writeoptions_create();
    *out = &r->base;
    return AG_OK;
}
