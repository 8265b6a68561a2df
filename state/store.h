/*
 * store.h — Agora's authenticated state store: a versioned key-value store
 * whose every version has a Merkle root (the app hash) and ICS23 proofs.
 *
 * Writes are staged (set/delete) and become a new version at commit: one
 * atomic, by default fsynced, batch holding the tree nodes, the values, the
 * latest-state index, the root record and the pruning of old versions.
 * After a crash the store reopens at exactly the last committed version.
 *
 * Reads:
 *   - state_store_get: the staged value if any, else the latest committed
 *     one (served from a flat index, no tree walk);
 *   - state_store_iter_*: ordered iteration over latest + staged;
 *   - state_store_get_at / state_store_prove: any kept version, through the
 *     tree, with every node and value checked against its hash
 *     (AG_ERR_CORRUPT on a mismatch, never a wrong answer).
 *
 * Keys are 1..STATE_KEY_MAX bytes, values 1..STATE_VALUE_MAX bytes (ICS23
 * cannot prove an empty key or value; delete instead of storing nothing).
 * The store is single-writer: call everything from one thread, except that
 * commit uses `threads` workers internally.
 */
#ifndef AGORA_STATE_STORE_H
#define AGORA_STATE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/hash.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "state/kv.h"

#define STATE_KEY_MAX   1024
#define STATE_VALUE_MAX (1u << 20)
/* Bound for decoding a proof from an untrusted source: two neighbour
 * values, keys, and 256 steps of ~70 bytes each. */
#define STATE_PROOF_MAX (2 * STATE_VALUE_MAX + 2 * STATE_KEY_MAX + 128 * 1024)

typedef struct state_store state_store;

typedef struct state_store_options {
    uint64_t keep_versions;    /* versions kept readable; 0 keeps all */
    bool no_sync;              /* skip the fsync at commit (tests, benchmarks of the CPU path) */
    size_t node_cache_bytes;   /* 0: 512 MiB (the top of a 1M-key tree fits) */
    int threads;               /* commit workers; 0: 2 */
    uint32_t prune_per_commit; /* stale versions pruned per commit at most; 0: 4 */
} state_store_options;

/* Open a store on `kv` (takes ownership on success; on error the caller
 * still owns it). A new kv starts at version 0, the empty tree. */
ag_err state_store_open(state_store **out, state_kv *kv, const state_store_options *opts);

/* Open or create a store in a RocksDB directory. */
ag_err state_store_open_path(state_store **out, const char *path, const state_store_options *opts);

/* Discards staged writes and closes the kv. */
void state_store_close(state_store *s);

/* A chain may start at any height (CometBFT's initial_height): the first
 * commit of an empty store then creates version `first` instead of 1.
 * AG_ERR_STATE once anything was committed, AG_ERR_INVALID_ARG for 0. */
ag_err state_store_set_initial_version(state_store *s, uint64_t first);

uint64_t state_store_version(const state_store *s);            /* last committed, 0 if none */
uint64_t state_store_oldest_version(const state_store *s);     /* oldest still readable */
void state_store_root(const state_store *s, crypto_hash *out); /* root of the last version */

/* ---- the working set ---- */

/* Append the value of `key` to `value`; AG_ERR_NOT_FOUND if absent. */
ag_err state_store_get(state_store *s, const uint8_t *key, size_t klen, ag_buf *value);
/* AG_ERR_INVALID_ARG for an empty or oversized key or value. */
ag_err state_store_set(state_store *s, const uint8_t *key, size_t klen, const uint8_t *value,
                       size_t vlen);
ag_err state_store_delete(state_store *s, const uint8_t *key, size_t klen);
/* Forget staged writes. */
void state_store_discard(state_store *s);
size_t state_store_staged(const state_store *s);

/*
 * Commit the staged writes as version state_store_version()+1 and return it
 * and its root (either pointer may be NULL). On error nothing was written,
 * the store stays at the previous version and the staged writes are kept.
 */
ag_err state_store_commit(state_store *s, uint64_t *version, crypto_hash *root);

/*
 * The same commit in two steps, for an application that must report the
 * app hash in FinalizeBlock but persist only in Commit (so that a crash in
 * between leaves the store at the previous version, and the block is simply
 * executed again after restart):
 *   prepare_commit computes the new version's tree and root and builds the
 *     write batch, writing nothing. Staged writes stay readable (get and
 *     iteration see them); set/delete/set_initial_version are refused with
 *     AG_ERR_STATE until the commit is finished or aborted. Calling it again
 *     while prepared returns the same version and root.
 *   finish_commit writes the batch atomically and makes the version current.
 *     On error (I/O) it stays prepared: retry, or abort.
 *   abort_commit drops the prepared batch; the staged writes are kept.
 *     discard and close abort a prepared commit too.
 * Past versions, proofs and roots are unaffected until finish_commit.
 */
ag_err state_store_prepare_commit(state_store *s, uint64_t *version, crypto_hash *root);
ag_err state_store_finish_commit(state_store *s);
void state_store_abort_commit(state_store *s);
bool state_store_prepared(const state_store *s);

/* ---- past versions ---- */

/* AG_ERR_NOT_FOUND if the version was pruned or never existed (detail says which). */
ag_err state_store_root_at(state_store *s, uint64_t version, crypto_hash *root);
/* The value at a kept version (through the tree, verified). */
ag_err state_store_get_at(state_store *s, uint64_t version, const uint8_t *key, size_t klen,
                          ag_buf *value);

/*
 * An ICS23 CommitmentProof (protobuf) for `key` at `version`, appended to
 * `proof`: existence (and the value appended to `value`, *exists = true) or
 * non-existence. AG_ERR_NOT_FOUND for an empty tree, which ICS23 cannot
 * express non-existence in.
 */
ag_err state_store_prove(state_store *s, uint64_t version, const uint8_t *key, size_t klen,
                         ag_buf *proof, ag_buf *value, bool *exists);

/* ---- ordered iteration over latest + staged ---- */

typedef struct state_store_iter state_store_iter;

/* Borrowed entries are valid until the next iterator call; staging writes
 * while iterating is not allowed (discard the iterator first). */
ag_err state_store_iter_new(state_store *s, state_store_iter **out);
void state_store_iter_seek(state_store_iter *it, const uint8_t *key, size_t klen);
bool state_store_iter_valid(state_store_iter *it);
void state_store_iter_next(state_store_iter *it);
void state_store_iter_entry(state_store_iter *it, const uint8_t **key, size_t *klen,
                            const uint8_t **value, size_t *vlen);
ag_err state_store_iter_status(state_store_iter *it);
void state_store_iter_free(state_store_iter *it);

/* Statistics for benchmarks and metrics. */
typedef struct state_store_stats {
    uint64_t nodes_written;  /* by the last commit */
    uint64_t changes;        /* effective changes of the last commit */
    uint64_t pruned_records; /* deleted by the last commit's pruning */
    size_t cache_bytes;
    uint64_t cache_hits, cache_misses; /* node cache, since open */
    /* where the last commit's time went, in nanoseconds */
    uint64_t hash_ns;  /* key and value hashing, sorting */
    uint64_t tree_ns;  /* tree update (node loads, hashing, encoding) */
    uint64_t batch_ns; /* assembling the write batch, pruning included */
    uint64_t write_ns; /* the atomic write (and fsync) */
} state_store_stats;
void state_store_stats_get(state_store *s, state_store_stats *out);

#endif
