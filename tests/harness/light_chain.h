/*
 * light_chain.h — chains generated in process for the light client's tests
 * and benchmark: n validators (secp256k1 keys derived from a seed) sign
 * every block's commit for real; headers hash and link their validator sets
 * exactly as a node's do. Blocks are made on demand from (seed, height), so
 * a chain of 100,000 heights costs only the heights asked for.
 *
 * The validator set at height h is epoch e = (h - 1) / change_every of a
 * pool of keys: n consecutive pool keys starting at e * shift (mod the
 * pool), so consecutive epochs share n - shift validators. Voting power of
 * pool key k is 10 + k % 7.
 *
 * lchain_resign lets a test change a block (its time, its chain id...) and
 * sign it again with the same keys, so each lie reaches the check meant to
 * catch it instead of failing an earlier one.
 */
#ifndef AGORA_TESTS_LIGHT_CHAIN_H
#define AGORA_TESTS_LIGHT_CHAIN_H

#include <stdint.h>

#include "light/block.h"
#include "light/provider.h"

typedef struct lchain_opts {
    const char *chain_id;
    size_t n_vals;        /* validators per set (1..256) */
    int64_t change_every; /* heights per validator set; 0: never changes */
    size_t shift;         /* validators replaced at each change (< n_vals) */
    int64_t start_s;      /* time of height 1, seconds */
    int64_t block_ms;     /* time between heights */
    uint64_t seed;        /* the keys and the block contents */
    uint64_t fork;        /* non-zero: other block contents signed by the same keys (a fork) */
    int64_t fork_from;    /* first height of the fork (the chains agree below it) */
    bool hide_changes;    /* a lying chain: next_validators_hash never announces a change */
    int64_t height;       /* the tip (the provider serves 1..height) */
} lchain_opts;

typedef struct lchain lchain;

ag_err lchain_new(lchain **out, const lchain_opts *o);
void lchain_free(lchain *c);
/* The block at h (1..tip), signed by every validator. *out (empty or a
 * block, which is freed first) is the caller's: light_block_free. */
ag_err lchain_block(lchain *c, int64_t h, light_block *out);
/* Recompute b's header hash and commit block id and sign again with its
 * validators' keys (for b->header.chain_id): the first `signers` validators
 * of b->vals sign, the others are absent. */
ag_err lchain_resign(lchain *c, light_block *b, size_t signers);
/* lchain_resign with the commit in `round` (an amnesia attack's other round). */
ag_err lchain_resign_round(lchain *c, light_block *b, size_t signers, int32_t round);
/* The chain as a provider (light_block only; served blocks come from
 * lchain_block). */
light_provider lchain_provider(lchain *c);
/* Number of blocks the provider has served (for benchmarks and tests). */
uint64_t lchain_served(const lchain *c);
void lchain_set_height(lchain *c, int64_t h);

#endif
