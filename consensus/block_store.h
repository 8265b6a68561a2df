/*
 * block_store.h — the committed blocks, by height: what block sync serves,
 * what RPC reads and what a restarting node replays from.
 *
 * Stored on a state_kv (state/kv.h: RocksDB in a node, memory in tests), in
 * its default column family (STATE_CF_META) under keys starting "bs/", so the
 * block store can share a database with the state store ("ss/") or have its
 * own (the node opens <home>/data/blockstore.db). Heights are big-endian in
 * keys, so they sort numerically.
 *
 *   bs/state               BlockStoreState {base, height}
 *   bs/H/<h>               BlockMeta {block_id, block_size, header, num_txs}
 *   bs/P/<h>/<i u32>       tendermint.types.Part i of block h (with proof)
 *   bs/C/<h>               Commit for h (the LastCommit carried by block h+1)
 *   bs/SC/<h>              the "seen commit" for h (only the latest is kept)
 *   bs/BH/<32-byte hash>   -> h (u64 big-endian)
 *
 * Saving a block writes all of it, the commit of the previous height, its
 * seen commit, the removal of the previous seen commit and the new
 * base/height in ONE batch: after a crash the store holds a block entirely
 * or not at all. Heights are contiguous: the first block saved sets the base
 * (the chain's initial height, or a state-sync height), each later one must
 * be height+1. Pruning removes everything below a retain height and raises
 * the base, in batches of CONS_BLOCK_STORE_PRUNE_BATCH heights, each
 * consistent on its own.
 *
 * Threads: loads may run concurrently with each other; saves and prunes come
 * from one thread at a time (the consensus thread).
 */
#ifndef AGORA_CONSENSUS_BLOCK_STORE_H
#define AGORA_CONSENSUS_BLOCK_STORE_H

#include "consensus/commit.h"
#include "consensus/header.h"
#include "consensus/part_set.h"
#include "state/kv.h"

#define CONS_BLOCK_STORE_PRUNE_BATCH 1000

typedef struct cons_block_store cons_block_store;

typedef struct cons_block_store_options {
    bool sync; /* fsync each save (the WAL of the KV store); true in a node */
} cons_block_store_options;

/* tendermint.types.BlockMeta as values. */
typedef struct cons_block_meta {
    cons_block_id block_id;
    int64_t block_size; /* bytes of the encoded block */
    cons_header header;
    int64_t num_txs;
} cons_block_meta;

/* Open on kv (borrowed until cons_block_store_close; the caller closes kv
 * after). Reads bs/state: AG_ERR_CORRUPT if it does not decode. opts may be
 * NULL (sync on). *out: caller frees with cons_block_store_close. */
ag_err cons_block_store_open(cons_block_store **out, state_kv *kv,
                             const cons_block_store_options *opts);
void cons_block_store_close(cons_block_store *bs);

/* Lowest and highest stored heights; both 0 while empty. */
int64_t cons_block_store_base(const cons_block_store *bs);
int64_t cons_block_store_height(const cons_block_store *bs);

/* Save block `header->height` given as its complete part set (the encoded
 * block split by cons_part_set_from_data), its number of txs, the commit for
 * the previous height (last_commit, NULL only for the first block stored)
 * and the seen commit for this height. The block id stored is
 * {hash(header), parts->header}. Checks: the height is height+1 (or anything
 * > 0 when empty); last_commit is for height-1 and names the previous
 * block's id; the seen commit is for this height and this block id.
 * AG_ERR_INVALID_ARG for a violated rule (detail says which), AG_ERR_STATE
 * for an incomplete part set, the KV errors. */
ag_err cons_block_store_save(cons_block_store *bs, const cons_header *header,
                             const cons_part_set *parts, int64_t num_txs,
                             const cons_commit *last_commit, const cons_commit *seen_commit);

/* Loads. AG_ERR_NOT_FOUND for a height outside [base, height] (or a part
 * index out of range); AG_ERR_CORRUPT if a stored record does not decode.
 * Outputs: *meta is a value; `out` buffers are appended to; commits must be
 * zero or cleared and are freed by the caller with cons_commit_clear. */
ag_err cons_block_store_load_meta(cons_block_store *bs, int64_t height, cons_block_meta *meta);
ag_err cons_block_store_load_meta_by_hash(cons_block_store *bs, const crypto_hash *hash,
                                          cons_block_meta *meta);
/* The encoded tendermint.types.Part number `index` of block `height`. */
ag_err cons_block_store_load_part(cons_block_store *bs, int64_t height, uint32_t index,
                                  ag_buf *out);
/* The whole encoded block (its parts reassembled). */
ag_err cons_block_store_load_block(cons_block_store *bs, int64_t height, ag_buf *out);
/* The commit for `height` from block height+1 (AG_ERR_NOT_FOUND for the
 * latest height: use the seen commit). */
ag_err cons_block_store_load_commit(cons_block_store *bs, int64_t height, cons_commit *out);
/* The seen commit: only for the latest height. */
ag_err cons_block_store_load_seen_commit(cons_block_store *bs, int64_t height, cons_commit *out);

/* Remove every height below retain_height (base <= retain_height <= height)
 * and set the base to it. *pruned (may be NULL) gets the number of heights
 * removed. AG_ERR_INVALID_ARG for a retain height above the store's height;
 * a retain height at or below the base is a no-op. */
ag_err cons_block_store_prune(cons_block_store *bs, int64_t retain_height, uint64_t *pruned);

#endif
