/*
 * kv.h — the storage interface under the Merkle store: column families of
 * ordered byte keys, point reads, ordered iteration, and atomic batches.
 *
 * Backends: RocksDB (state_kv_open_rocksdb), memory (state_kv_open_memory,
 * for tests), and a fault-injecting wrapper around either
 * (state_kv_wrap_faulty) that fails the N-th batch write or the N-th synced
 * write, to prove that failed writes surface as errors and leave the store
 * consistent.
 *
 * A batch is all-or-nothing: after `write` returns, either every operation
 * is visible (and, with sync, durable) or none is.
 * Threads: get and iterators may run concurrently with each other; writes
 * come from one thread at a time.
 * Ownership: handles are freed by their own free/close; get appends into the
 * caller's buffer; iterator entries are borrowed until the next iterator call.
 */
#ifndef AGORA_STATE_KV_H
#define AGORA_STATE_KV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"

typedef enum state_cf {
    STATE_CF_META = 0, /* store metadata: latest version, prune horizon, format */
    STATE_CF_LATEST,   /* raw key -> value of the latest version (reads, iteration) */
    STATE_CF_NODES,    /* (version, nibble path) -> tree node */
    STATE_CF_LEAVES,   /* (version, key hash) -> key and value of a leaf */
    STATE_CF_ROOTS,    /* version -> root hash and root node version */
    STATE_CF_STALE,    /* version -> records made unreachable by that version */
    STATE_CF__COUNT
} state_cf;

typedef struct state_kv state_kv;
typedef struct state_kv_batch state_kv_batch;
typedef struct state_kv_iter state_kv_iter;

typedef struct state_kv_ops {
    /* Append the value to `val`; AG_ERR_NOT_FOUND if absent. */
    ag_err (*get)(state_kv *kv, state_cf cf, const uint8_t *key, size_t klen, ag_buf *val);
    ag_err (*batch_new)(state_kv *kv, state_kv_batch **out);
    ag_err (*put)(state_kv_batch *b, state_cf cf, const uint8_t *key, size_t klen,
                  const uint8_t *val, size_t vlen);
    ag_err (*del)(state_kv_batch *b, state_cf cf, const uint8_t *key, size_t klen);
    /* Apply atomically; the batch stays owned by the caller (free it after). */
    ag_err (*write)(state_kv *kv, state_kv_batch *b, bool sync);
    void (*batch_free)(state_kv_batch *b);
    ag_err (*iter_new)(state_kv *kv, state_cf cf, state_kv_iter **out);
    void (*iter_seek)(state_kv_iter *it, const uint8_t *key, size_t klen);
    bool (*iter_valid)(state_kv_iter *it);
    void (*iter_next)(state_kv_iter *it);
    void (*iter_entry)(state_kv_iter *it, const uint8_t **key, size_t *klen, const uint8_t **val,
                       size_t *vlen);
    /* AG_OK, or the error that ended the iteration early (I/O, corruption). */
    ag_err (*iter_status)(state_kv_iter *it);
    void (*iter_free)(state_kv_iter *it);
    void (*close)(state_kv *kv);
} state_kv_ops;

struct state_kv {
    const state_kv_ops *ops;
};

typedef struct state_kv_rocksdb_options {
    size_t block_cache_bytes;  /* 0: 256 MiB */
    size_t write_buffer_bytes; /* 0: 64 MiB per column family */
    bool create_if_missing;
} state_kv_rocksdb_options;

/* Open (or create) a RocksDB database at `path`. AG_ERR_AGAIN if another
 * process holds it; the RocksDB message is in the error detail. */
ag_err state_kv_open_rocksdb(state_kv **out, const char *path,
                             const state_kv_rocksdb_options *opts);

/* An empty in-memory store (nothing survives close). */
ag_err state_kv_open_memory(state_kv **out);

/* Wrap `inner` (takes ownership on success): batch writes are counted from 1;
 * write number fail_write_at, and the synced write number fail_sync_at, fail
 * with AG_ERR_IO without applying anything (0 disables). Later writes work. */
ag_err state_kv_wrap_faulty(state_kv **out, state_kv *inner, uint64_t fail_write_at,
                            uint64_t fail_sync_at);
/* Re-arm a faulty wrapper: counts restart from zero. */
void state_kv_faulty_arm(state_kv *faulty, uint64_t fail_write_at, uint64_t fail_sync_at);

static inline void state_kv_close(state_kv *kv)
{
    if (kv)
        kv->ops->close(kv);
}

#endif
