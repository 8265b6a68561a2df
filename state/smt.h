/*
 * smt.h — internals of the sparse Merkle tree behind state/store.h.
 * (Not a public API: the store is. Prefix state_smt_.)
 *
 * The logical tree is a binary Merkle tree over the 256 bits of
 * SHA256(key), exactly ICS23's SMT spec:
 *   leaf  = SHA256(0x00 || SHA256(key) || SHA256(value))
 *   inner = SHA256(0x01 || left || right)
 *   empty subtree = 32 zero bytes
 *   a subtree holding exactly one leaf is that leaf's hash (compression)
 * so the root depends only on the set of pairs, never on insertion order.
 *
 * Physically, four binary levels are grouped into one node of 16 slots,
 * addressed by a nibble path (the first `depth` nibbles of key hashes) and
 * stored under (version, path), so a commit appends records instead of
 * rewriting them. A slot is empty, a child node (its hash and the version
 * where its record lives), or a leaf (key hash, leaf hash, and the version
 * of the leaf record that holds its key and value). A node exists only
 * where its subtree holds two or more leaves; the root node always exists.
 *
 * Node hash: pair the 16 slots level by level; empty+empty is empty,
 * empty+leaf lifts the leaf unchanged, anything else is an inner hash (a
 * child node always holds 2+ leaves, so it is never lifted).
 */
#ifndef AGORA_STATE_SMT_H
#define AGORA_STATE_SMT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "crypto/hash.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "state/kv.h"

#define STATE_SMT_MAX_DEPTH    64 /* nibbles in a SHA-256 */
#define STATE_SMT_NODE_MAX     (4 + 16 * (64 + 10))
#define STATE_SMT_PATH_MAX     (1 + 32)
#define STATE_SMT_NODE_KEY_MAX (8 + STATE_SMT_PATH_MAX)

typedef enum { SMT_EMPTY = 0, SMT_CHILD = 1, SMT_LEAF = 2 } state_smt_kind;

typedef struct state_smt_slot {
    uint8_t kind;         /* state_smt_kind */
    uint64_t version;     /* where the child node or leaf record lives */
    crypto_hash hash;     /* child node hash, or leaf hash */
    crypto_hash key_hash; /* leaves only */
} state_smt_slot;

typedef struct state_smt_node {
    state_smt_slot slot[16];
} state_smt_node;

static inline unsigned state_smt_nibble(const crypto_hash *h, unsigned depth)
{
    uint8_t b = h->b[depth / 2];
    return depth % 2 ? b & 15 : b >> 4;
}

/* leaf = SHA256(0x00 || key_hash || value_hash) */
void state_smt_leaf_hash(crypto_hash *out, const crypto_hash *key_hash,
                         const crypto_hash *value_hash);
/* inner = SHA256(0x01 || left || right) */
void state_smt_inner_hash(crypto_hash *out, const crypto_hash *left, const crypto_hash *right);

/* The node's hash. `levels`, if not NULL, receives every level of the
 * pairing (index 1: the root pair... see smt_node.c) for proof extraction. */
typedef struct state_smt_entry {
    uint8_t kind; /* SMT_EMPTY, SMT_LEAF (lifted), or SMT_CHILD (inner or child node) */
    crypto_hash hash;
} state_smt_entry;
/* levels[k] holds 2^k entries; levels[4] are the slots themselves. */
typedef struct state_smt_levels {
    state_smt_entry e[5][16];
} state_smt_levels;
void state_smt_node_hash(const state_smt_node *n, state_smt_entry *out, state_smt_levels *levels);

/* Encode/decode a node record. Decoding checks every length and flag:
 * AG_ERR_CORRUPT for anything malformed (records are ours; damage is corruption). */
ag_err state_smt_node_encode(const state_smt_node *n, ag_buf *out);
ag_err state_smt_node_decode(state_smt_node *n, const uint8_t *in, size_t len);

/* Record keys. A path is the first `depth` nibbles of `h` (rest zeroed). */
size_t state_smt_node_key(uint8_t out[STATE_SMT_NODE_KEY_MAX], uint64_t version,
                          const crypto_hash *h, unsigned depth);
void state_smt_leaf_key(uint8_t out[40], uint64_t version, const crypto_hash *key_hash);
void state_smt_be64(uint8_t out[8], uint64_t v);
uint64_t state_smt_get_be64(const uint8_t in[8]);

/* ---- node cache: the latest record of each path, bounded by bytes ---- */
typedef struct state_smt_cache state_smt_cache;
ag_err state_smt_cache_new(state_smt_cache **out, size_t max_bytes);
void state_smt_cache_free(state_smt_cache *c);
/* Copy the node cached for (depth, path) if its version is `version`. Thread-safe. */
bool state_smt_cache_get(state_smt_cache *c, const crypto_hash *h, unsigned depth, uint64_t version,
                         state_smt_node *out);
/* Insert or replace the latest node of a path. Thread-safe. */
void state_smt_cache_put(state_smt_cache *c, const crypto_hash *h, unsigned depth, uint64_t version,
                         const state_smt_node *n);
/* The same from an already encoded record (rec[0..len), copied). */
void state_smt_cache_put_encoded(state_smt_cache *c, const crypto_hash *h, unsigned depth,
                                 uint64_t version, const uint8_t *rec, size_t len);
void state_smt_cache_remove(state_smt_cache *c, const crypto_hash *h, unsigned depth);
size_t state_smt_cache_bytes(state_smt_cache *c);
/* Lookups answered and not answered since creation. */
void state_smt_cache_counts(state_smt_cache *c, uint64_t *hits, uint64_t *misses);

/* ---- reading a tree version ---- */
typedef struct state_smt_reader {
    state_kv *kv;
    state_smt_cache *cache; /* may be NULL */
} state_smt_reader;

/* Load the node (version, depth, path of h) and check it hashes to `expect`:
 * AG_ERR_CORRUPT on a mismatch or a missing record. */
ag_err state_smt_load(const state_smt_reader *r, uint64_t version, const crypto_hash *h,
                      unsigned depth, const crypto_hash *expect, state_smt_node *out);

/* ---- committing a batch of changes ---- */
typedef struct state_smt_change {
    crypto_hash key_hash;
    crypto_hash leaf_hash; /* sets only */
    bool del;
    bool noop; /* out: the tree already held exactly this (or the key was absent) */
} state_smt_change;

/* Records written and made unreachable by one commit. */
typedef struct state_smt_output {
    ag_buf node_keys; /* sequence of (len byte, key) */
    ag_buf node_vals; /* sequence of (u32 len, encoded node) */
    ag_buf stale;     /* stale list, see smt_update.c */
    ag_buf cache_ops; /* applied to the cache after a successful write */
    size_t nodes;
} state_smt_output;

void state_smt_output_init(state_smt_output *o);
void state_smt_output_reset(state_smt_output *o);
void state_smt_output_free(state_smt_output *o);

/*
 * Apply `changes` (sorted by key hash, distinct) to the tree whose root node
 * is (root_version, root_hash) -- root_version 0 means the empty tree -- as
 * version `version`, using up to `threads` threads. Records to write and
 * records made stale go to `out` (nothing is written here); the new root
 * node's version and hash to *new_root_version / *new_root (unchanged if
 * every change was a no-op). Sets each change's `noop`.
 */
ag_err state_smt_update(const state_smt_reader *r, uint64_t root_version,
                        const crypto_hash *root_hash, uint64_t version, state_smt_change *changes,
                        size_t n, int threads, state_smt_output *out, uint64_t *new_root_version,
                        crypto_hash *new_root);

/* Apply the cache operations recorded in an output (after a successful write). */
void state_smt_output_apply_cache(const state_smt_output *o, state_smt_cache *c);

/* ---- lookups and proof paths in a tree version ---- */

/* One step of a proof: the sibling hash and whether our side is the right one. */
typedef struct state_smt_step {
    crypto_hash sibling;
    bool right; /* the path goes to the right child at this level */
} state_smt_step;

/* Leaf found for a key hash (or its neighbours): the slot and the path to it. */
typedef struct state_smt_found {
    state_smt_slot leaf;       /* kind SMT_LEAF, or SMT_EMPTY if none */
    state_smt_step steps[256]; /* root first */
    unsigned nsteps;
} state_smt_found;

/* The leaf holding exactly `key_hash`, with its proof path; leaf.kind is
 * SMT_EMPTY if absent. */
ag_err state_smt_find(const state_smt_reader *r, uint64_t root_version,
                      const crypto_hash *root_hash, const crypto_hash *key_hash,
                      state_smt_found *out);

/* The leaves with the largest key hash below and the smallest above
 * `key_hash` (either may be SMT_EMPTY), each with its proof path. */
ag_err state_smt_neighbors(const state_smt_reader *r, uint64_t root_version,
                           const crypto_hash *root_hash, const crypto_hash *key_hash,
                           state_smt_found *left, state_smt_found *right);

#endif
